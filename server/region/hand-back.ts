// Partition hand-back (ARCHITECTURE.md "Regions": "A region that comes back catches up from its
// peers' journals and opens a new journal"). A failed-over region A that is back asks its heir H
// (the first full region still in, which owns A's partitions) for them. H records durably that it
// hands A back generation n (from then on H never owns A's partitions again unless generation n's
// journals are sealed: a generation record whose append had an unknown outcome may still land),
// drains its adjudicators of A's partitions (as a hand-over does), and appends a generation record
// to its own journal: an empty record whose txId names A and n. Every crossbar that meets the
// record merges nothing past its commitTs T until the region recorded the generation durably and
// opened its journals (`A/g<n>/j<k>`: leaders in A, replicas elsewhere), which then join the merge
// from T (crossbar `joins`): every record of theirs lies above T, since A opens them with its clock
// past T, so no crossbar misses one. A then owns its partitions with adjudicators whose floor is
// above T, so above every commit H made on them. A failover of A afterwards seals its newest
// generation (cluster-state.ts), and the heir takes the partitions again.
import type { Hlc, TimerHandle, Timers } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import type { CommitRecord, Journal } from '../journal/index.ts'
import type { Rpc, Transport } from '../net/index.ts'
import type { ClusterState } from './cluster-state.ts'

/** What the hand-back of one region needs; see the file comment. */
export interface HandBackOptions {
  readonly self: string
  readonly fullRegions: readonly string[]
  readonly journalsPerRegion: number
  readonly state: ClusterState
  readonly rpc: Rpc
  readonly transport: Transport
  readonly timers: Timers
  readonly hlc: Hlc
  /** The journal this region appends generation records to (its newest generation's first). */
  readonly leader: () => Journal
  /** Opens (or finds) `region`'s generation `n` journals: leaders here, replicas elsewhere. */
  readonly journalsOf: (region: string, n: number) => Journal[]
  /** Whether this region's adjudicators would own other partitions than the ones built last. */
  readonly ownershipChanged: () => boolean
  /** Rebuilds this region's adjudicators from the cluster state, once the commits in flight on
   * the old ones ended. */
  readonly rebuild: () => Promise<void>
  /** A region's generation joined this region's merge (after a rebuild it needed); `news` when
   * this region had not heard of it before (or its adjudicators changed with it). */
  readonly onJoined: (region: string, n: number, news: boolean) => void
}

/** How often a region without partitions asks its heir for them, and an heir retries a generation
 * record that is due: a lost request or an append refused (no quorum) costs at most this. It is
 * also most of the window in which losing the heir stalls the cluster (the returning region cannot
 * fail its heir over; docs/architecture.md "Not yet: a failover of the heir mid-hand-back"), so it
 * is short: an ask is one small RPC, made only while a region is failed over. */
const HAND_BACK_RETRY_MS = 200
const CALL_TIMEOUT_MS = 5_000
/** How long a failed write of a generation to the cluster state waits before it is tried again. */
const RECORD_RETRY_MS = 100

const TX_PREFIX = 'generation:'

/** The txId of the generation record of `region`'s generation `n`. */
function generationTxId(region: string, n: number): string {
  return `${TX_PREFIX}${region}:${n}`
}

/** The region and generation a record admits, or undefined for any other record. */
function generationOf(record: CommitRecord): { readonly region: string; readonly n: number } | undefined {
  if (!record.txId.startsWith(TX_PREFIX) || record.writes.length > 0) return undefined
  const m = /^([^:]+):([1-9][0-9]*)$/.exec(record.txId.slice(TX_PREFIX.length))
  return m === null ? undefined : { region: m[1] as string, n: Number(m[2]) }
}

/** See the file comment. One per full region. */
export class HandBack {
  readonly #o: HandBackOptions
  /** Generations being admitted (`<region>@<n>`), so a repeated record joins the same ones. */
  readonly #admitting = new Map<string, Promise<readonly Journal[]>>()
  /** Hand-backs whose adjudicators were drained in this process (`<region>@<n>`): only then may
   * the generation record go out (a restart builds them drained). */
  readonly #drained = new Set<string>()
  /** Generations (`<region>@<n>`) whose record went out, unless its append failed. */
  readonly #appending = new Set<string>()
  /** Hand-back decisions in flight, by region (one at a time). */
  readonly #deciding = new Map<string, Promise<number>>()
  #asking = false
  #tick: TimerHandle | undefined
  #closed = false

  constructor(options: HandBackOptions) {
    this.#o = options
    // Adjudicators built at open already leave out every region being handed back.
    for (const region of options.fullRegions) {
      const n = options.state.handingBack(region)
      if (n !== undefined) this.#drained.add(`${region}@${n}`)
    }
    options.rpc.handle('handback.request', (from) => this.#onRequest(from))
    this.#schedule()
  }

  close(): void {
    this.#closed = true
    this.#tick?.cancel()
  }

  /** Forgets what it kept of `region`'s generations retired here (retire.ts), so that what it
   * keeps is bounded by the generations held. */
  retired(region: string): void {
    const below = this.#o.state.retiredBelow(region)
    const old = (key: string) => {
      const at = key.lastIndexOf('@')
      return key.slice(0, at) === region && Number(key.slice(at + 1)) < below
    }
    // Deleting while iterating a Map or Set visits every other entry still.
    for (const key of this.#admitting.keys()) if (old(key)) this.#admitting.delete(key)
    for (const key of this.#drained) if (old(key)) this.#drained.delete(key)
    for (const key of this.#appending) if (old(key)) this.#appending.delete(key)
  }

  /** Calls to `region`'s owners are refused here (57P03, nothing written) from this region's
   * decision to hand it generation `n` back until this region's crossbar admitted `n`: `region`
   * does not own its partitions before its own crossbar admitted it, and would refuse the commit
   * (a forwarded commit is never forwarded again, remote-owners.ts `serveAdjudicators`). The
   * refusal lifts on this region's admission, which may come before `region`'s: a commit sent
   * there in between is refused there instead. */
  refusal(region: string): SqlError | undefined {
    const n = this.#o.state.handingBack(region)
    if (n === undefined || n <= this.#o.state.generation(region)) return undefined
    return new SqlError('57P03', `cannot commit now: region ${this.#o.self} is handing region ${region} its partitions back; nothing was written`, {
      hint: 'Retry: the hand-back takes a round trip and a commit.',
    })
  }

  /** The crossbar's `joins`: the journals a generation record admits, once recorded durably.
   * None for a generation retired here (a replay from storage's positions meets its record
   * again): its journals are closed and their records applied durably (retire.ts); opened again,
   * empty, they would hold the merge for ever. */
  joins(record: CommitRecord): Promise<readonly Journal[]> | undefined {
    const generation = generationOf(record)
    if (generation === undefined || !this.#o.fullRegions.includes(generation.region)) return undefined
    if (generation.n < this.#o.state.retiredBelow(generation.region)) return undefined
    const key = `${generation.region}@${generation.n}`
    let admitted = this.#admitting.get(key)
    if (admitted === undefined) {
      admitted = this.#admit(generation.region, generation.n, record.commitTs)
      this.#admitting.set(key, admitted)
    }
    return admitted
  }

  async #admit(region: string, n: number, ts: number): Promise<readonly Journal[]> {
    const { state, hlc } = this.#o
    // The new journals' records must lie above the record admitting them: a leader opened here
    // starts with its clock past it.
    hlc.update(ts)
    const isNew = n > state.generation(region)
    for (;;) {
      try {
        await state.recordGeneration(region, { n, ts })
        break
      } catch (e) {
        if (this.#closed) throw e
        await this.#o.timers.sleep(RECORD_RETRY_MS)
      }
    }
    // Retired meanwhile (an empty generation, sealed at seq 0, may be retired before its record
    // is merged here): its journals are closed, and it admits none.
    if (n < state.retiredBelow(region)) return []
    const journals = this.#o.journalsOf(region, n)
    if (n === state.generation(region)) void this.#joined(region, n, isNew)
    return journals
  }

  /** After a generation joined: the adjudicators follow the new ownership. A replica opened on
   * hearing of the generation's journals may have recorded it already (`isNew` false): the
   * ownership tells whether a rebuild is due. */
  async #joined(region: string, n: number, isNew: boolean): Promise<void> {
    const changed = this.#o.ownershipChanged()
    if (changed) await this.#o.rebuild()
    // A generation a failover sealed already (a region restarted mid-hand-back may learn the seal
    // first) owns nothing: no news, the failover is.
    if (!this.#closed) this.#o.onJoined(region, n, (changed || isNew) && !this.#o.state.isOut(region))
  }

  /** As heir: `from` (failed over, back) asks for its partitions; answers the generation. */
  async #onRequest(from: string): Promise<{ generation: number }> {
    const { state, self, fullRegions, journalsPerRegion } = this.#o
    if (!fullRegions.includes(from)) throw new SqlError('42704', `region ${from} is not a full region`)
    const running = this.#deciding.get(from)
    if (running !== undefined) return { generation: await running }
    if (state.isOut(self)) throw new SqlError('57P03', `region ${self} was failed over and owns no partitions to hand back`)
    if (!state.isFullyOut(from, journalsPerRegion)) throw new SqlError('57P03', `region ${from} is not failed over here: its partitions are its own`)
    // An older decision too: this region may have been failed over since, and the partitions
    // then went to another region, which is the heir now and owes the hand-back (`#isHeir`).
    const heir = this.#heir()
    if (heir !== self) throw new SqlError('57P03', `region ${heir ?? 'none'} holds the partitions of ${from}, not ${self}`)
    const decided = state.handingBack(from) ?? 0
    let n = state.generation(from) + 1
    if (decided >= n) {
      if (this.#drained.has(`${from}@${decided}`)) {
        this.#appendDue()
        return { generation: decided }
      }
      // Decided, but its write or the drain failed: both are done again.
      n = decided
    }
    const deciding = (async () => {
      await state.handBack(from, n)
      // From here on this region's adjudicators leave `from`'s partitions out; the record goes
      // out only once every commit on them ended, so each has a commitTs below the record's.
      await this.#o.rebuild()
      this.#drained.add(`${from}@${n}`)
      this.#appendDue()
      return n
    })().finally(() => this.#deciding.delete(from))
    this.#deciding.set(from, deciding)
    return { generation: await deciding }
  }

  /** Appends the generation records decided and drained here that did not join yet. */
  #appendDue(): void {
    const { state, self, fullRegions, hlc } = this.#o
    if (this.#closed || state.isOut(self)) return
    for (const region of fullRegions) {
      const n = state.handingBack(region)
      const key = `${region}@${n}`
      if (n === undefined || n <= state.generation(region) || !this.#drained.has(key) || this.#appending.has(key)) continue
      if (!this.#isHeir(region, n)) continue
      let durable: Promise<void>
      try {
        const appended = this.#o.leader().append({ txId: generationTxId(region, n), proposedTs: hlc.now(), writes: [] })
        hlc.update(appended.commitTs)
        durable = appended.durable
      } catch {
        // Refused before anything was written (no quorum, a full queue): tried again later.
        continue
      }
      this.#appending.add(key)
      // An unknown outcome may still land: a second record of the same generation is then
      // harmless, as every crossbar admits a generation at its first record.
      durable.catch(() => this.#appending.delete(key))
    }
  }

  /** Whether this region is still `region`'s heir for generation `n`: `region` fully out at `n - 1`
   * and this the first full region not fully out. A decision outlives its heirship: with three
   * full regions or more, the heir H may be failed over (or a region before it in topology order
   * come back) before its generation record went out; the partitions then went to another region,
   * which drained nothing for H's decision and has none of its own, so a record H sent now would
   * give the partitions a second owner. The region asks its heir of the moment instead. (Two full
   * regions: the heir failed over leaves no region in to take the partitions.) */
  #isHeir(region: string, n: number): boolean {
    const { state, self, journalsPerRegion } = this.#o
    if (state.generation(region) !== n - 1 || !state.isFullyOut(region, journalsPerRegion)) return false
    return this.#heir() === self
  }

  /** The region that holds failed-over regions' partitions: the first full region not fully out. */
  #heir(): string | undefined {
    const { state, fullRegions, journalsPerRegion } = this.#o
    return fullRegions.find((r) => !state.isFullyOut(r, journalsPerRegion))
  }

  /** Periodic: a region failed over asks its heir for its partitions; an heir appends the
   * generation records due. */
  #schedule(): void {
    this.#tick = this.#o.timers.setTimeout(() => {
      if (this.#closed) return
      this.#appendDue()
      this.#ask()
      this.#schedule()
    }, HAND_BACK_RETRY_MS)
  }

  #ask(): void {
    const { state, self, journalsPerRegion, rpc, transport } = this.#o
    if (this.#asking || !state.isFullyOut(self, journalsPerRegion)) return
    // This region is fully out itself, so the heir is another one.
    const heir = this.#heir()
    if (heir === undefined || !transport.isUp(heir)) return
    this.#asking = true
    rpc
      .call(heir, 'handback.request', {}, CALL_TIMEOUT_MS)
      .catch(() => {})
      .finally(() => (this.#asking = false))
  }
}
