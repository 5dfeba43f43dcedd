// What this region knows of failovers and hand-backs (ARCHITECTURE.md "Failure handling",
// "Regions"): which journals were sealed, where, and by whom; the seals it pledged to a requester
// (failover.ts); each region's newest journal generation its merge admitted; as an heir, the
// generation it decided to hand each region back (hand-back.ts); and the old generations it
// retired (retire.ts). Durable (a JSON file written atomically), so a restart keeps every seal it
// took part in, every pledge it gave, every generation it admitted, every hand-back it decided and
// every retirement; regions exchange their seals when a link comes up.
import { isNoSpace, type Disk } from '../disk/index.ts'
import { assert, AssertionError, diskFull, SqlError } from '../errors/index.ts'
import type { JournalSeal } from '../journal/index.ts'

/** A journal's seal and the region that took it. */
export interface SealRecord extends JournalSeal {
  readonly by: string
}

/** One failover attempt of one requester: `run` is fixed per process (a restart starts a new
 * one), `n` counts the attempts of that process up. */
export interface Attempt {
  readonly run: string
  readonly n: number
}

/** An acceptor's promise to `by`'s attempt: its replica stays frozen, having acknowledged
 * nothing past `seal.seq`, until the journal's seal is known or `by` says the attempt is over. */
export interface PledgeRecord {
  readonly by: string
  readonly attempt: Attempt
  readonly seal: SealRecord
}

/** A region's journal generation (ARCHITECTURE.md "Regions": "a region that comes back ... opens
 * a new journal"): generation 0 is the journals a region starts with (`<region>/j<k>`); each
 * hand-back after a failover opens the next (`<region>/g<n>/j<k>`), joining every crossbar's merge
 * at `ts`, the commitTs of the generation record in the heir's journal. */
export interface GenerationRecord {
  readonly n: number
  readonly ts: number
}

/** What this region retired of one region's generations (ARCHITECTURE.md "Hand-back", retiring
 * generations): every generation below `below` was sealed, is held through its seals by every
 * region, and was applied durably here (a witness applies nothing); its journals are no longer
 * followed, opened or answered here, and its seals are dropped from the state. `sealTs` is the
 * largest commitTs of those seals (the hand-over floor outlives them); generations `filesFrom` to
 * `below - 1` may still have files on disk (a crash came between this record and their removal). */
export interface RetiredRecord {
  readonly below: number
  readonly sealTs: number
  readonly filesFrom: number
}

/** The id of journal `k` of `region`'s generation `n`. */
export function generationJournalId(region: string, n: number, k: number): string {
  return n === 0 ? `${region}/j${k}` : `${region}/g${n}/j${k}`
}

/** The generation a journal id belongs to (0 for `<region>/j<k>`), or undefined for an id of
 * no generation. */
export function parseJournalId(journalId: string): { readonly region: string; readonly n: number; readonly k: number } | undefined {
  const m = /^([^/]+)\/(?:g([1-9][0-9]*)\/)?j([0-9]+)$/.exec(journalId)
  if (m === null) return undefined
  return { region: m[1] as string, n: m[2] === undefined ? 0 : Number(m[2]), k: Number(m[3]) }
}

const FILE = 'cluster-state.json'

/** The seals, pledges, generations and hand-back decisions this region knows (see the file
 * comment), loaded from and saved to `dir/cluster-state.json`. */
export class ClusterState {
  readonly #disk: Disk
  readonly #path: string
  /** The seals on disk: the only ones shown outside the region. */
  readonly #seals: Map<string, SealRecord>
  /** Seals recorded whose write has not resolved yet. Kept apart: a seal shown to another region
   * before it is on disk could outlive a crash of this one, which restarts with neither the seal
   * nor the pledge it replaced (its replica unfrozen); the lost leader could then commit past the
   * seal with this region's acknowledgements, and the seal, gossiped on, would drop those commits. */
  readonly #pending = new Map<string, SealRecord>()
  readonly #pledges: Map<string, PledgeRecord>
  /** Each region's newest generation this region's crossbar admitted (none: generation 0). */
  readonly #generations: Map<string, GenerationRecord>
  /** As an heir: the generation it hands each region back (its partitions are no longer its own
   * from the moment this is on disk, whatever becomes of the generation record). */
  readonly #handingBack: Map<string, number>
  /** Each region's generations retired here (none: nothing retired), as recorded in memory. */
  readonly #retired: Map<string, RetiredRecord>
  /** The same, as the last write that resolved left it on disk: only files of generations retired
   * on disk may be removed (a crash before the write would reopen their journals). */
  #retiredOnDisk: ReadonlyMap<string, RetiredRecord>
  /** `#newestJournalIds`'s memo, by region. */
  readonly #newestIds = new Map<string, { readonly n: number; readonly ids: readonly string[] }>()
  #writing: Promise<void> = Promise.resolve()

  private constructor(
    disk: Disk,
    path: string,
    seals: Map<string, SealRecord>,
    pledges: Map<string, PledgeRecord>,
    generations: Map<string, GenerationRecord>,
    handingBack: Map<string, number>,
    retired: Map<string, RetiredRecord>,
  ) {
    this.#disk = disk
    this.#path = path
    this.#seals = seals
    this.#pledges = pledges
    this.#generations = generations
    this.#handingBack = handingBack
    this.#retired = retired
    this.#retiredOnDisk = new Map(retired)
  }

  static load(disk: Disk, dir: string): ClusterState {
    disk.mkdirp(dir)
    const path = `${dir}/${FILE}`
    const bytes = disk.readFile(path)
    const seals = new Map<string, SealRecord>()
    const pledges = new Map<string, PledgeRecord>()
    const generations = new Map<string, GenerationRecord>()
    const handingBack = new Map<string, number>()
    const retired = new Map<string, RetiredRecord>()
    if (bytes !== undefined) {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as {
        seals?: Record<string, SealRecord>
        pledges?: Record<string, PledgeRecord>
        generations?: Record<string, GenerationRecord>
        handingBack?: Record<string, number>
        retired?: Record<string, RetiredRecord>
      }
      for (const [id, seal] of Object.entries(parsed.seals ?? {})) seals.set(id, seal)
      for (const [id, pledge] of Object.entries(parsed.pledges ?? {})) pledges.set(id, pledge)
      for (const [region, generation] of Object.entries(parsed.generations ?? {})) generations.set(region, generation)
      for (const [region, n] of Object.entries(parsed.handingBack ?? {})) handingBack.set(region, n)
      for (const [region, record] of Object.entries(parsed.retired ?? {})) retired.set(region, record)
    }
    return new ClusterState(disk, path, seals, pledges, generations, handingBack, retired)
  }

  /** Each region's newest generation known here, by region (none for generation 0). */
  generations(): ReadonlyMap<string, GenerationRecord> {
    return this.#generations
  }

  /** `region`'s newest generation known here (0 until a hand-back was admitted). */
  generation(region: string): number {
    return this.#generations.get(region)?.n ?? 0
  }

  /** The journals of `region`'s generation `n` (its newest by default). */
  journalsOf(region: string, journalsPerRegion: number, n = this.generation(region)): string[] {
    return Array.from({ length: journalsPerRegion }, (_, k) => generationJournalId(region, n, k))
  }

  /** The generations of `region` this region holds journals of: from the first not retired here
   * to its newest. */
  heldGenerations(region: string): number[] {
    const first = this.retiredBelow(region)
    return Array.from({ length: Math.max(0, this.generation(region) + 1 - first) }, (_, i) => first + i)
  }

  /** Every journal of `region` this region holds, as far as it knows: those of `heldGenerations`. */
  allJournalsOf(region: string, journalsPerRegion: number): string[] {
    return this.heldGenerations(region).flatMap((n) => this.journalsOf(region, journalsPerRegion, n))
  }

  /** The first generation of `region` not retired here (0 when none is). */
  retiredBelow(region: string): number {
    return this.#retired.get(region)?.below ?? 0
  }

  /** Whether `journalId` belongs to a generation retired here (in memory: possibly not on disk
   * yet, when it would be opened again after a crash, which is safe). Nothing about it is
   * followed, opened or answered any more. */
  isRetired(journalId: string): boolean {
    const parsed = parseJournalId(journalId)
    return parsed !== undefined && parsed.n < this.retiredBelow(parsed.region)
  }

  /** Whether `journalId`'s seal is settled here: recorded, or its generation retired (which drops
   * the seal record itself). A seal learned or requested for it again changes nothing. */
  sealSettled(journalId: string): boolean {
    return this.sealed(journalId) !== undefined || this.isRetired(journalId)
  }

  /** Each region's retired generations (shown to the other regions with the seals: a region
   * that retired a generation holds its seals, dropped from the state since). */
  retired(): ReadonlyMap<string, RetiredRecord> {
    return this.#retired
  }

  /** Records durably that `region`'s generation `n`, the first not retired, is retired (the
   * caller checked the conditions, `RetiredRecord`): its seals leave the state, whose size is so
   * bounded by the generations still held. Its files may be removed once this is on disk
   * (`filesToRemove`). Asserts that `n` is older than the newest generation and fully sealed. */
  async retire(region: string, n: number, journalsPerRegion: number): Promise<void> {
    const known = this.#retired.get(region)
    assert(n === (known?.below ?? 0), `retiring generation ${n} of ${region}, but the first held is ${known?.below ?? 0}`)
    assert(n < this.generation(region), `retiring generation ${n} of ${region}, its newest`)
    let sealTs = known?.sealTs ?? 0
    const ids = this.journalsOf(region, journalsPerRegion, n)
    for (const id of ids) {
      const seal = this.#seals.get(id)
      assert(seal !== undefined, `retiring ${id}, which is not sealed here`)
      sealTs = Math.max(sealTs, seal.commitTs)
    }
    for (const id of ids) this.#seals.delete(id)
    this.#retired.set(region, { below: n + 1, sealTs, filesFrom: known?.filesFrom ?? 0 })
    await this.#write()
  }

  /** The generations of `region` retired on disk whose files may still exist: `[from, to)`. */
  filesToRemove(region: string): { readonly from: number; readonly to: number } {
    const record = this.#retired.get(region)
    return { from: record?.filesFrom ?? 0, to: this.#retiredOnDisk.get(region)?.below ?? 0 }
  }

  /** Records that the files of `region`'s generations below `to` are gone (durably once written;
   * a crash before brings back only removals to do again). */
  async filesRemoved(region: string, to: number): Promise<void> {
    const record = this.#retired.get(region)
    if (record === undefined || record.filesFrom >= to) return
    this.#retired.set(region, { ...record, filesFrom: to })
    await this.#write()
  }

  /** Writes the whole state again: a retirement whose write failed lands so. */
  async flush(): Promise<void> {
    await this.#write()
  }

  /** Whether every retirement in memory is on disk. */
  retiredOnDisk(): boolean {
    for (const [region, record] of this.#retired) if (this.#retiredOnDisk.get(region)?.below !== record.below) return false
    return true
  }

  /** Records durably that `region`'s generation `n` exists: its generation record was merged
   * here (at `ts`), or a journal of it was heard of (a witness, which merges nothing, or a
   * failover freezing it; `ts` 0). Only a committed generation record makes a generation's
   * journals exist, so hearing of one proves it. A generation older than the newest known is
   * ignored. */
  async recordGeneration(region: string, generation: GenerationRecord): Promise<void> {
    const known = this.#generations.get(region)
    if (generation.n < this.generation(region)) return
    // Known already, it may be known from a write still in flight, or one that failed: a caller
    // that goes on only once it is durable (a crossbar passing the generation record) must not
    // take memory for disk. A generation heard of first has no timestamp; its record's is kept.
    if (known === undefined || generation.n > known.n || (known.ts === 0 && generation.ts > 0)) this.#generations.set(region, generation)
    await this.#write()
  }

  /** The generation this region (as heir) hands `region` back, if it decided one. */
  handingBack(region: string): number | undefined {
    return this.#handingBack.get(region)
  }

  /** Records durably that this region hands `region` its partitions back in generation `n`. */
  async handBack(region: string, n: number): Promise<void> {
    if ((this.#handingBack.get(region) ?? 0) > n) return
    this.#handingBack.set(region, n)
    // Written even when this decision is in memory already: that is no proof it is on disk.
    await this.#write()
  }

  /** The journal's seal, once on disk. */
  sealed(journalId: string): SealRecord | undefined {
    return this.#seals.get(journalId)
  }

  /** A seal of the journal being recorded (not on disk yet): it may be shown to no one, but no
   * freeze of the journal may be released while it is (a crash may keep it or not). */
  recording(journalId: string): SealRecord | undefined {
    return this.#pending.get(journalId)
  }

  /** The seals on disk. */
  seals(): ReadonlyMap<string, SealRecord> {
    return this.#seals
  }

  /** A region is being (or was) failed over once any journal of its newest generation is
   * sealed: it may no longer fail over others. */
  isOut(region: string): boolean {
    const n = this.generation(region)
    for (const id of this.#seals.keys()) {
      const parsed = parseJournalId(id)
      if (parsed !== undefined && parsed.region === region && parsed.n === n) return true
    }
    return false
  }

  /** A region's failover is complete once every journal of its newest generation is sealed:
   * only then do its partitions change hands (until then they answer 503, and the failover is
   * retried). */
  isFullyOut(region: string, journalsPerRegion: number): boolean {
    for (const id of this.#newestJournalIds(region, journalsPerRegion)) if (!this.#seals.has(id)) return false
    return true
  }

  /** The ids of `region`'s newest generation's journals, built once per generation: `isFullyOut`
   * runs on every begin and commit while a full peer's link is down (availability.ts), where
   * nothing is allocated. */
  #newestJournalIds(region: string, journalsPerRegion: number): readonly string[] {
    const n = this.generation(region)
    const known = this.#newestIds.get(region)
    if (known !== undefined && known.n === n && known.ids.length === journalsPerRegion) return known.ids
    const ids = this.journalsOf(region, journalsPerRegion, n)
    this.#newestIds.set(region, { n, ids })
    return ids
  }

  /** The pledge this region gave for a journal not sealed yet, if any. */
  pledged(journalId: string): PledgeRecord | undefined {
    return this.#pledges.get(journalId)
  }

  pledges(): ReadonlyMap<string, PledgeRecord> {
    return this.#pledges
  }

  /** Records a seal durably (a pledge for the journal is fulfilled by it and dropped). A journal
   * is sealed once: a second, different seal is a bug. `recording` from the call on, `sealed` once
   * a write holding it resolved (a failed write leaves it recording; a later one may land it). */
  async record(journalId: string, seal: SealRecord): Promise<void> {
    assert(!this.isRetired(journalId), `journal ${journalId} is retired: its seal was dropped`)
    const known = this.#seals.get(journalId) ?? this.#pending.get(journalId)
    if (known !== undefined) assert(known.seq === seal.seq, `journal ${journalId} sealed twice: at ${known.seq} and at ${seal.seq}`)
    if (this.#seals.has(journalId)) return
    this.#pending.set(journalId, seal)
    this.#pledges.delete(journalId)
    await this.#write()
  }

  /** Records a pledge durably (replacing an older one for the journal); resolves once on disk. */
  async pledge(journalId: string, pledge: PledgeRecord): Promise<void> {
    assert(!this.#seals.has(journalId) && !this.#pending.has(journalId), `journal ${journalId} is sealed: nothing to pledge`)
    this.#pledges.set(journalId, pledge)
    await this.#write()
  }

  /** Drops a pledge (its attempt is over, with no seal). Gone from `pledged` at once; a crash
   * before the write brings it back, which only keeps the replica frozen a while longer. */
  async unpledge(journalId: string): Promise<void> {
    if (!this.#pledges.delete(journalId)) return
    await this.#write()
  }

  /** One write at a time, each of the whole state as it is then (pending seals included): the
   * last write holds all of it, and the seals it held are on disk once it resolves. A failed
   * earlier write is its caller's error; this one still runs. */
  async #write(): Promise<void> {
    this.#writing = this.#writing.catch(() => {}).then(async () => {
      const landing = new Map(this.#pending)
      const retired = new Map(this.#retired)
      const seals = { ...Object.fromEntries(this.#seals), ...Object.fromEntries(landing) }
      const json = JSON.stringify(
        {
          seals,
          pledges: Object.fromEntries(this.#pledges),
          generations: Object.fromEntries(this.#generations),
          handingBack: Object.fromEntries(this.#handingBack),
          retired: Object.fromEntries(retired),
        },
        null,
        2,
      )
      try {
        await this.#disk.writeFileAtomic(this.#path, new TextEncoder().encode(`${json}\n`))
      } catch (e) {
        // An I/O failure is the caller's to answer (an RPC handler replies with it) as any
        // database error, not an unhandled exception; a bug stays one.
        if (e instanceof AssertionError) throw e
        if (isNoSpace(e)) throw diskFull(`could not write ${this.#path}`, { cause: e })
        throw new SqlError('58030', `could not write ${this.#path}: ${e instanceof Error ? e.message : String(e)}`)
      }
      this.#retiredOnDisk = retired
      for (const [journalId, seal] of landing) {
        this.#pending.delete(journalId)
        this.#seals.set(journalId, seal)
      }
    })
    await this.#writing
  }
}
