// Retiring old journal generations (ARCHITECTURE.md "Multi-region", **Hand-back**: a region that
// comes back "opens a new journal"; the old one is sealed and, in the end, no longer needed). A
// generation older than its region's newest is sealed in full (a generation exists only once the
// one before it was failed over). Every region drops such a journal from its merge once its shards
// applied it through the seal (nothing after a seal ever counts), and retires the generation (the
// journals closed, their files removed, their seals replaced by one record in cluster-state.json)
// once, besides, its shards hold it durably through the seals (a restart no longer replays it; a
// witness applies nothing) and every other region told it holds those seals: a region records a
// seal only with the records through it on its own disk (failover.ts `#applyNow`), and the seal
// fetch (`seal.fetch`) of a region that learns a seal without those records is the only read of
// another region's copy of a sealed journal (a sealed leader resends nothing; the crossbar and a
// restart read the region's own copy). So once every region holds the seals, no region can need
// this region's copy again. The retirement is on disk before a file goes; a crash in between
// leaves files that the next start removes, never a journal opened without its records.
import type { Crossbar } from '../crossbar/index.ts'
import type { Disk } from '../disk/index.ts'
import { AssertionError } from '../errors/index.ts'
import type { PeerMessage, Transport } from '../net/index.ts'
import type { ClusterState } from './cluster-state.ts'
import type { SealsMessage } from './failover.ts'

/** What retiring generations needs; see the file comment. */
export interface RetirementOptions {
  readonly self: string
  /** Every region of the topology, witnesses included: each holds a copy of every journal. */
  readonly regions: readonly string[]
  readonly fullRegions: readonly string[]
  readonly journalsPerRegion: number
  readonly state: ClusterState
  readonly transport: Transport
  readonly disk: Disk
  /** This region's merge; none at a witness, which applies nothing. */
  readonly crossbar?: Crossbar
  /** The directory of a journal's files here. */
  readonly dirOf: (journalId: string) => string
  /** Closes and forgets the journals of generations retired on disk (those open here). */
  readonly drop: (journalIds: readonly string[]) => Promise<void>
  /** Told once a generation of `region` was retired here (on disk or not yet). */
  readonly onRetired?: (region: string) => void
}

/** What a peer last said it holds (its `cluster.seals`): one entry per peer. */
interface PeerSeals {
  readonly seals: ReadonlySet<string>
  readonly retired: Readonly<Record<string, number>>
}

/** See the file comment. One per region (full or witness); `step` runs after each compaction. */
export class Retirement {
  readonly #o: RetirementOptions
  readonly #peers = new Map<string, PeerSeals>()
  /** The step running, if any (the first removes what a crash left behind). */
  #running: Promise<void> | undefined
  #closed = false

  constructor(options: RetirementOptions) {
    this.#o = options
    options.transport.onMessage((from, message) => this.#onMessage(from, message))
    // Files a crash left behind after their generation was retired on disk.
    this.#run(() => this.#removeFiles())
  }

  /** Starts no more steps; resolves once the one running ended (it closes journals, and its
   * storage must still be open). */
  close(): Promise<void> {
    this.#closed = true
    return this.#running ?? Promise.resolve()
  }

  /** Drops fully merged old journals from the merge, retires the generations that may go, and
   * removes their files. One at a time; disk errors leave the rest to the next step. */
  step(): Promise<void> {
    if (this.#running !== undefined || this.#closed) return Promise.resolve()
    return this.#run(async () => {
      this.#release()
      await this.#retire()
      await this.#removeFiles()
    })
  }

  #run(work: () => Promise<void>): Promise<void> {
    const running = work()
      .catch(rethrowBugs)
      .finally(() => (this.#running = undefined))
    this.#running = running
    return running
  }

  #onMessage(from: string, message: PeerMessage): void {
    if (message.type !== 'cluster.seals' || !this.#o.regions.includes(from)) return
    const { seals, retired } = message as SealsMessage
    this.#peers.set(from, { seals: new Set(Object.keys(seals)), retired: retired ?? {} })
  }

  /** Stops merging the journals of old generations that the shards applied through their seals:
   * the crossbar's work then follows the generations still live. Nothing durable: after a restart
   * they are followed (and dropped) again until retired. */
  #release(): void {
    const { crossbar, state, fullRegions, journalsPerRegion } = this.#o
    if (crossbar === undefined) return
    // An empty generation (sealed at seq 0) may be retired while its record's admission is in
    // flight here, and its journals join the merge after all: applied in full, they go again.
    for (const id of crossbar.journalIds()) if (state.isRetired(id)) crossbar.release(id, crossbar.durableThrough(id))
    for (const region of fullRegions) {
      for (const n of state.heldGenerations(region)) {
        if (n >= state.generation(region)) break
        for (const id of state.journalsOf(region, journalsPerRegion, n)) {
          const seal = state.sealed(id)
          if (seal !== undefined) crossbar.release(id, seal.seq)
        }
      }
    }
  }

  async #retire(): Promise<void> {
    const { state, fullRegions, journalsPerRegion } = this.#o
    // A retirement whose write failed is written again before anything else goes.
    if (!state.retiredOnDisk()) await state.flush()
    for (const region of fullRegions) {
      for (let n = state.retiredBelow(region); n < state.generation(region) && !this.#closed; n++) {
        if (!this.#retirable(region, n)) break
        await state.retire(region, n, journalsPerRegion)
        this.#o.onRetired?.(region)
      }
    }
  }

  /** Whether `region`'s generation `n` may be retired here: sealed in full here, its seals held
   * by every other region, and (a full region) applied durably through them and out of the merge.
   * Only asks: leaving the merge is #release's. */
  #retirable(region: string, n: number): boolean {
    const { state, crossbar, journalsPerRegion, regions, self } = this.#o
    const ids = state.journalsOf(region, journalsPerRegion, n)
    for (const peer of regions) if (peer !== self && !this.#held(peer, region, n, ids)) return false
    // #release ran at the start of this step; a journal that joined the merge since (an empty
    // generation's late admission) waits for the next step.
    const merged = crossbar === undefined ? [] : crossbar.journalIds()
    for (const id of ids) {
      const seal = state.sealed(id)
      if (seal === undefined) return false
      if (crossbar !== undefined && (crossbar.durableThrough(id) < seal.seq || merged.includes(id))) return false
    }
    return true
  }

  /** Whether `peer` said it holds the seals of `ids`, generation `n` of `region`: it named them
   * all, or it retired the generation (it held them to do so). */
  #held(peer: string, region: string, n: number, ids: readonly string[]): boolean {
    const said = this.#peers.get(peer)
    if (said === undefined) return false
    if ((said.retired[region] ?? 0) > n) return true
    return ids.every((id) => said.seals.has(id))
  }

  /** Closes the journals of generations retired on disk and removes their files, then records
   * that they are gone. */
  async #removeFiles(): Promise<void> {
    const { state, fullRegions, journalsPerRegion, disk } = this.#o
    for (const region of fullRegions) {
      const { from, to } = state.filesToRemove(region)
      if (from >= to) continue
      const ids: string[] = []
      for (let n = from; n < to; n++) ids.push(...state.journalsOf(region, journalsPerRegion, n))
      await this.#o.drop(ids)
      if (this.#closed) return
      for (const id of ids) disk.removeDir(this.#o.dirOf(id))
      await state.filesRemoved(region, to)
    }
  }
}

/** A failed disk write is tried again at the next step; a bug is not swallowed. */
function rethrowBugs(e: unknown): void {
  if (e instanceof AssertionError) throw e
}
