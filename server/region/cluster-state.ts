// What this region knows of failovers (ARCHITECTURE.md "Failure handling"): which journals were
// sealed, where, and by whom. Durable (a JSON file written atomically), so a restart keeps every
// seal it took part in; regions exchange their seals when a link comes up.
import type { Disk } from '../disk/index.ts'
import { assert } from '../errors/index.ts'
import type { JournalSeal } from '../journal/index.ts'

/** A journal's seal and the region that took it. */
export interface SealRecord extends JournalSeal {
  readonly by: string
}

const FILE = 'cluster-state.json'

/** The seals this region knows, loaded from and saved to `dir/cluster-state.json`. */
export class ClusterState {
  readonly #disk: Disk
  readonly #path: string
  readonly #seals: Map<string, SealRecord>
  #writing: Promise<void> = Promise.resolve()

  private constructor(disk: Disk, path: string, seals: Map<string, SealRecord>) {
    this.#disk = disk
    this.#path = path
    this.#seals = seals
  }

  static load(disk: Disk, dir: string): ClusterState {
    disk.mkdirp(dir)
    const path = `${dir}/${FILE}`
    const bytes = disk.readFile(path)
    const seals = new Map<string, SealRecord>()
    if (bytes !== undefined) {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { seals?: Record<string, SealRecord> }
      for (const [id, seal] of Object.entries(parsed.seals ?? {})) seals.set(id, seal)
    }
    return new ClusterState(disk, path, seals)
  }

  sealed(journalId: string): SealRecord | undefined {
    return this.#seals.get(journalId)
  }

  seals(): ReadonlyMap<string, SealRecord> {
    return this.#seals
  }

  /** A region is being (or was) failed over once any of its journals (`<region>/j<n>`) is
   * sealed: it may no longer fail over others. */
  isOut(region: string): boolean {
    for (const id of this.#seals.keys()) if (id.startsWith(`${region}/`)) return true
    return false
  }

  /** A region's failover is complete once every one of its journals is sealed: only then do its
   * partitions change hands (until then they answer 503, and the failover is retried). */
  isFullyOut(region: string, journalsPerRegion: number): boolean {
    for (let j = 0; j < journalsPerRegion; j++) if (!this.#seals.has(`${region}/j${j}`)) return false
    return true
  }

  /** Records a seal durably. A journal is sealed once: a second, different seal is a bug. */
  async record(journalId: string, seal: SealRecord): Promise<void> {
    const known = this.#seals.get(journalId)
    if (known !== undefined) {
      assert(known.seq === seal.seq, `journal ${journalId} sealed twice: at ${known.seq} and at ${seal.seq}`)
      return
    }
    this.#seals.set(journalId, seal)
    // One write at a time, each of the whole map as it is then: the last write holds every seal.
    // A failed earlier write is its caller's error; this one still runs.
    this.#writing = this.#writing.catch(() => {}).then(() => {
      const json = JSON.stringify({ seals: Object.fromEntries(this.#seals) }, null, 2)
      return this.#disk.writeFileAtomic(this.#path, new TextEncoder().encode(`${json}\n`))
    })
    await this.#writing
  }
}
