// The crossbar (ARCHITECTURE.md "crossbar", step 5): follows every journal, merges their records
// into one order by commitTs once every journal's closed timestamp passed them, routes writes.
import type { HlcTimestamp } from '../clock/index.ts'
import { assert } from '../errors/index.ts'
import { recordBytes, type CommitRecord, type Journal, type Write } from '../journal/index.ts'
import type { ShardOf, ShardRecord, StorageShard } from '../storage/index.ts'
import { BATCH_BYTES_MAX, BATCH_RECORDS_MAX, PENDING_BYTES_MAX, PENDING_RECORDS_MAX, PUMP_ROUNDS_MAX } from './constants.ts'
import type { Crossbar, CrossbarOptions } from './index.ts'
import { takeMerged } from './take-merged.ts'

/**
 * What the crossbar knows of one journal. `coveredTs`: every record of the journal at or below it
 * has been received (queued or applied). While `lagging`, records after `lastSeq` may exist that
 * were not buffered (replay, back-pressure, a gap): they are read with `journal.read`, and the
 * journal counts as closed only up to `coveredTs`, since its closed timestamp may cover them.
 */
interface JournalState {
  readonly journal: Journal
  readonly queue: CommitRecord[]
  lastSeq: number
  lastRecordTs: HlcTimestamp
  coveredTs: HlcTimestamp
  closedTs: HlcTimestamp
  lagging: boolean
  unfollow: (() => void) | undefined
}

const NO_WRITES: readonly Write[] = []
const NO_RECORDS: readonly ShardRecord[] = []

export function createCrossbar(options: CrossbarOptions): Crossbar {
  return new MergingCrossbar(options)
}

class MergingCrossbar implements Crossbar {
  #states: JournalState[]
  readonly #joins: CrossbarOptions['joins']
  /** Commit timestamps of records admitting journals that are not following yet: the merged
   * frontier stays at or below each of them until its journals joined. */
  readonly #barriers = new Set<{ readonly ts: HlcTimestamp }>()
  readonly #shards: readonly StorageShard[]
  readonly #shardOf: ShardOf
  readonly #batchMax: number
  readonly #batchBytesMax: number
  readonly #pendingMax: number
  readonly #pendingBytesMax: number
  readonly #closeOthers: boolean
  readonly #assignedTsMax: (() => HlcTimestamp) | undefined
  /** While a shard cannot write and appends stop (`assignedTsMax`): the largest commitTs assigned
   * when the crossbar first saw it; no record above it may come until the failure ends. */
  #appendsStoppedTs: HlcTimestamp | undefined
  #pending = 0
  #pendingBytes = 0
  /** What each shard held durably at the last `compact` (by shard; none before one). */
  #durable: readonly ReadonlyMap<string, number>[] = []
  #frontier: HlcTimestamp = 0
  #lastOutputTs: HlcTimestamp = 0
  #started = false
  #closed = false
  #pumping = false
  #pumpAgain = false
  /** Set while requestFrontier asks every journal: their answers share one pump. */
  #collecting = false
  #collected = false

  constructor(options: CrossbarOptions) {
    assert(options.shards.length > 0, 'the crossbar needs a storage shard')
    assert(options.journals.length > 0, 'the crossbar needs a journal')
    const ids = new Set(options.journals.map((j) => j.id))
    assert(ids.size === options.journals.length, 'journal ids must be distinct')
    options.shards.forEach((s, i) => assert(s.id === i, `shard ${s.id} is at index ${i}`))
    this.#shards = options.shards
    this.#shardOf = options.shardOf
    this.#batchMax = options.config?.batchRecordsMax ?? BATCH_RECORDS_MAX
    this.#pendingMax = options.config?.pendingRecordsMax ?? PENDING_RECORDS_MAX
    this.#batchBytesMax = options.config?.batchBytesMax ?? BATCH_BYTES_MAX
    this.#pendingBytesMax = options.config?.pendingBytesMax ?? PENDING_BYTES_MAX
    this.#closeOthers = options.config?.closeOthersOnRecords ?? false
    this.#joins = options.joins
    this.#assignedTsMax = options.assignedTsMax
    assert(this.#batchMax >= 1 && this.#pendingMax >= 1, 'crossbar limits must be >= 1')
    assert(this.#batchBytesMax >= 1 && this.#pendingBytesMax >= 1, 'crossbar limits must be >= 1')
    this.#states = options.journals.map((journal) => newState(journal))
  }

  start(): void {
    assert(!this.#started && !this.#closed, 'a crossbar starts once')
    this.#started = true
    // Every record at or below the lowest shard frontier is applied on every shard.
    const startTs = Math.min(...this.#shards.map((s) => s.frontier()))
    this.#frontier = startTs
    for (const state of this.#states) this.#follow(state, startTs)
    // Replay runs to the end of every journal, or until the pending bound stops it (a journal
    // whose closed timestamp lags); closed timestamps arriving later continue it.
    this.#pump(Number.POSITIVE_INFINITY)
  }

  /** Follows a journal from the lowest position any shard applied; every record of it at or
   * below `coveredTs` is known to be applied or read by the replay. */
  #follow(state: JournalState, coveredTs: HlcTimestamp): void {
    const id = state.journal.id
    // Follow first, so that nothing made durable from now on can be missed; records the
    // follower sees before the replay reached them are dropped and read by the replay.
    state.unfollow = state.journal.follow({
      onRecords: (records) => this.#onRecords(state, records),
      onClosed: (ts) => this.#onClosed(state, ts),
    })
    state.lastSeq = Math.min(...this.#shards.map((s) => s.appliedPositions().get(id) ?? 0))
    state.coveredTs = coveredTs
    state.closedTs = state.journal.closedTs()
    state.lagging = true
  }

  /** A record admitting journals (`joins`): nothing past its commitTs merges until they follow. */
  #join(admitted: Promise<readonly Journal[]>, ts: HlcTimestamp): void {
    const barrier = { ts }
    this.#barriers.add(barrier)
    admitted.then(
      (journals) => {
        if (this.#closed) return
        for (const journal of journals) {
          // Known already (reopened at a restart, or admitted by an earlier record): its records
          // are followed from where shards stand.
          if (this.#states.some((s) => s.journal.id === journal.id)) continue
          const state = newState(journal)
          this.#states.push(state)
          // Every record of a joining journal lies above the admitting record, and the merge has
          // not passed that: nothing of it at or below `ts` exists.
          this.#follow(state, ts)
        }
        this.#barriers.delete(barrier)
        this.#pump(PUMP_ROUNDS_MAX)
      },
      // The region's side retries until the journals are admitted; one that gives up leaves the
      // merge stopped at `ts`, which is all that is safe without them.
      () => {},
    )
  }

  frontier(): HlcTimestamp {
    return this.#frontier
  }

  requestFrontier(ts: HlcTimestamp): void {
    if (ts <= this.#frontier || this.#closed) return
    this.#requestClose(ts, undefined)
  }

  /**
   * Asks every journal but `except` to close up to `ts`. Idle journals answer at once, each with
   * a closed timestamp: one merge and one apply for all of them (every begin comes here).
   */
  #requestClose(ts: HlcTimestamp, except: JournalState | undefined): void {
    const outer = this.#collecting
    this.#collecting = true
    try {
      for (const state of this.#states) if (state !== except) state.journal.requestClose(ts)
    } finally {
      this.#collecting = outer
    }
    if (!outer && this.#collected) {
      this.#collected = false
      this.#pump(PUMP_ROUNDS_MAX)
    }
  }

  compact(): number {
    if (this.#closed) return 0
    // A merge a shard stopped (it could not write) resumes here at the latest, should no journal
    // publish anything meanwhile (a journal that failed on the same full disk).
    this.#pump(PUMP_ROUNDS_MAX)
    // Records a lagging journal still has to deliver lie above every shard's applied position,
    // and durable positions are at or below applied ones, so nothing still needed goes.
    const durable = this.#shards.map((shard) => shard.makeDurable())
    this.#durable = durable
    let removed = 0
    for (const { journal } of this.#states) {
      const through = Math.min(...durable.map((positions) => positions.get(journal.id) ?? 0))
      if (through > 0) removed += journal.truncateThrough(through)
    }
    return removed
  }

  durableThrough(journalId: string): number {
    if (this.#durable.length === 0) return 0
    return Math.min(...this.#durable.map((positions) => positions.get(journalId) ?? 0))
  }

  release(journalId: string, throughSeq: number): boolean {
    const state = this.#states.find((s) => s.journal.id === journalId)
    if (state === undefined) return true
    if (state.journal.lastSeq() > throughSeq) assert(false, `journal ${journalId} shows seq ${state.journal.lastSeq()} past its end at ${throughSeq}`)
    // Applied on every shard through its end (every shard gets every record): nothing of it is
    // queued or still to read, and without it the merge misses nothing.
    const applied = Math.min(...this.#shards.map((s) => s.appliedPositions().get(journalId) ?? 0))
    if (applied < throughSeq || state.queue.length > 0) return false
    state.unfollow?.()
    this.#states = this.#states.filter((s) => s !== state)
    return true
  }

  withoutApplying(fn: () => void): void {
    // Deliveries inside are collected (`#onClosed`); the next pump outside applies them.
    const outer = this.#collecting
    this.#collecting = true
    try {
      fn()
    } finally {
      this.#collecting = outer
    }
  }

  journalIds(): string[] {
    return this.#states.map((s) => s.journal.id)
  }

  close(): void {
    this.#closed = true
    for (const state of this.#states) state.unfollow?.()
  }

  #onRecords(state: JournalState, records: readonly CommitRecord[]): void {
    if (this.#closed) return
    for (const record of records) {
      if (record.seq <= state.lastSeq || state.lagging) continue
      if (record.seq !== state.lastSeq + 1 || this.#overPending()) {
        // A gap, or this journal runs ahead of the others' closed timestamps: stop buffering it
        // and re-read from the journal (which holds it durably) once the backlog drains.
        state.lagging = true
        continue
      }
      this.#accept(state, record)
    }
    // A commit is acknowledged once storage shows it, which needs every other journal closed up
    // to it: an idle one would otherwise wait for the next reader or heartbeat.
    const last = records[records.length - 1]
    if (this.#closeOthers && last !== undefined) this.#requestClose(last.commitTs, state)
  }

  #onClosed(state: JournalState, ts: HlcTimestamp): void {
    if (this.#closed) return
    if (ts > state.closedTs) state.closedTs = ts
    if (this.#collecting) this.#collected = true
    else this.#pump(PUMP_ROUNDS_MAX)
  }

  #accept(state: JournalState, record: CommitRecord): void {
    const id = state.journal.id
    if (record.journalId !== id) assert(false, `record of journal ${record.journalId} from journal ${id}`)
    if (record.seq !== state.lastSeq + 1) assert(false, `journal ${id}: ${record.seq} after ${state.lastSeq}`)
    if (record.commitTs <= state.lastRecordTs) assert(false, `journal ${id}: commitTs went back`)
    state.queue.push(record)
    this.#pending++
    this.#pendingBytes += recordBytes(record)
    const joining = this.#joins?.(record)
    if (joining !== undefined) this.#join(joining, record.commitTs)
    state.lastSeq = record.seq
    state.lastRecordTs = record.commitTs
    if (record.commitTs > state.coveredTs) state.coveredTs = record.commitTs
  }

  /** Reads lagging journals and applies what became mergeable, `roundsMax` rounds at most. */
  #pump(roundsMax: number): void {
    if (this.#pumping) {
      this.#pumpAgain = true
      return
    }
    this.#pumping = true
    try {
      for (let round = 0; round < roundsMax; round++) {
        this.#noteAppendsStopped()
        const blocked = this.#blocked()
        this.#pumpAgain = false
        const read = this.#refill(blocked)
        this.#applyMergeable(blocked)
        if (!read && !this.#pumpAgain) break
      }
    } finally {
      this.#pumping = false
    }
  }

  /** The smallest commitTs queued (every queue is in commitTs order); Infinity when none is. */
  #firstQueuedTs(): HlcTimestamp {
    let first = Number.POSITIVE_INFINITY
    for (const state of this.#states) first = Math.min(first, state.queue[0]?.commitTs ?? first)
    return first
  }

  /**
   * Whether records must wait: a shard cannot write and holds a full memtable, and appends go on
   * (a cluster). They wait in the queues (up to the pending bound: nothing drains, so nothing is
   * read past it; the journals keep the rest), and only the frontier moves, up to the first of
   * them. When appends stop while a shard cannot write (`assignedTsMax`, one region), records are
   * applied on: the memtable then grows past its bound by what the journals took before the
   * failure, no more (asserted in `#applyMergeable`), and the frontier passes every commit.
   */
  #blocked(): boolean {
    if (this.#assignedTsMax !== undefined) return false
    for (const shard of this.#shards) if (!shard.canApply()) return true
    return false
  }

  /** Where appends stop (`assignedTsMax`, one region): the largest commitTs assigned when a shard
   * was first seen failing, kept while it fails, for `#applyMergeable`'s assert. */
  #noteAppendsStopped(): void {
    if (this.#assignedTsMax === undefined) return
    let failing = false
    for (const shard of this.#shards) if (shard.writeFailure() !== undefined) failing = true
    if (!failing) this.#appendsStoppedTs = undefined
    else this.#appendsStoppedTs ??= this.#assignedTsMax()
  }

  /**
   * One batch from each lagging journal that may be read now: any while under the pending bound,
   * and beyond it still the ones that hold the merged frontier down (else nothing would ever
   * drain). So the queues stay within `pendingMax` plus one batch per journal.
   */
  #refill(blocked: boolean): boolean {
    const frontier = this.#mergedFrontier()
    let read = false
    for (const state of this.#states) {
      if (!state.lagging) continue
      const holdsFrontier = effectiveClosed(state) <= frontier && state.coveredTs < state.closedTs
      if (this.#overPending() && (blocked || !holdsFrontier)) continue
      const records = state.journal.read(state.lastSeq, this.#batchMax, this.#batchBytesMax)
      for (const record of records) this.#accept(state, record)
      // Caught up, not merely a short read (a read stops at its byte bound too).
      if (state.lastSeq >= state.journal.lastSeq()) state.lagging = false
      if (records.length > 0) read = true
    }
    return read
  }

  /** Whether the queues are at their bound (back-pressure: `#onRecords`, `#refill`). */
  #overPending(): boolean {
    return this.#pending >= this.#pendingMax || this.#pendingBytes >= this.#pendingBytesMax
  }

  #mergedFrontier(): HlcTimestamp {
    let min = Number.POSITIVE_INFINITY
    for (const state of this.#states) min = Math.min(min, effectiveClosed(state))
    for (const barrier of this.#barriers) min = Math.min(min, barrier.ts)
    return min
  }

  /** Takes everything at or below the merged frontier and applies it to every shard; while
   * `blocked`, only moves the frontier, below every queued record. */
  #applyMergeable(blocked: boolean): void {
    const merged = this.#mergedFrontier()
    const frontier = blocked ? Math.min(merged, this.#firstQueuedTs() - 1) : merged
    if (frontier <= this.#frontier) return
    const records = takeMerged(
      this.#states.map((s) => s.queue),
      frontier,
    )
    this.#pending -= records.length
    const stoppedTs = this.#appendsStoppedTs ?? Number.POSITIVE_INFINITY
    for (const record of records) {
      this.#pendingBytes -= recordBytes(record)
      if (record.commitTs < this.#lastOutputTs) assert(false, `crossbar output went back: ${record.commitTs}`)
      if (record.commitTs > stoppedTs) {
        assert(false, `journal ${record.journalId} seq ${record.seq} was appended while a shard could not write`)
      }
      this.#lastOutputTs = record.commitTs
    }
    for (let from = 0; from < records.length; ) {
      let to = Math.min(from + this.#batchMax, records.length)
      // A chunk vouches for everything up to its last commitTs, so records of other journals with
      // that same commitTs go into it too (a few at most: one per journal).
      while (to < records.length && commitTsAt(records, to) === commitTsAt(records, to - 1)) to++
      const chunkTs = to === records.length ? frontier : commitTsAt(records, to - 1)
      const whole = from === 0 && to === records.length
      this.#applyToShards(whole ? records : records.slice(from, to), chunkTs)
      from = to
    }
    if (records.length === 0) this.#applyToShards(records, frontier)
    this.#frontier = frontier
  }

  /** Every shard gets every record (with only its writes, maybe none), so positions stay gapless;
   * a shard already past `frontierTs` (it applied more before a restart) skips by position. */
  #applyToShards(records: readonly CommitRecord[], frontierTs: HlcTimestamp): void {
    // Without records (a frontier-only advance, as every begin asks for) there is nothing to route.
    const routed = records.length === 0 ? undefined : this.#route(records)
    for (let i = 0; i < this.#shards.length; i++) {
      const shard = this.#shards[i] as StorageShard
      shard.apply(routed?.[i] ?? NO_RECORDS, Math.max(frontierTs, shard.frontier()))
    }
  }

  #route(records: readonly CommitRecord[]): readonly (readonly ShardRecord[])[] {
    const count = this.#shards.length
    if (count === 1) return [records]
    const routed: ShardRecord[][] = Array.from({ length: count }, () => [])
    for (const record of records) {
      const { journalId, seq, commitTs, writes } = record
      // Usually every write of a record lands in one shard: that shard gets the record itself and
      // the others one empty record each, with no per-record bucket array.
      let owner = -1
      for (const write of writes) {
        const i = this.#shardOf(write.key)
        if (!(i >= 0 && i < count)) assert(false, `key ${write.key} routed to missing shard ${i}`)
        if (owner === -1) owner = i
        else if (owner !== i) owner = -2
      }
      if (owner !== -2) {
        const empty = writes.length === 0 ? record : { journalId, seq, commitTs, writes: NO_WRITES }
        for (let i = 0; i < count; i++) routed[i]?.push(i === owner ? record : empty)
        continue
      }
      const buckets: (Write[] | undefined)[] = new Array<Write[] | undefined>(count)
      for (const write of writes) (buckets[this.#shardOf(write.key)] ??= []).push(write)
      for (let i = 0; i < count; i++) {
        routed[i]?.push({ journalId, seq, commitTs, writes: buckets[i] ?? NO_WRITES })
      }
    }
    return routed
  }
}

function newState(journal: Journal): JournalState {
  return { journal, queue: [], lastSeq: 0, lastRecordTs: 0, coveredTs: 0, closedTs: 0, lagging: true, unfollow: undefined }
}

function commitTsAt(records: readonly CommitRecord[], i: number): HlcTimestamp {
  return (records[i] as CommitRecord).commitTs
}

function effectiveClosed(state: JournalState): HlcTimestamp {
  return state.lagging ? Math.min(state.closedTs, state.coveredTs) : state.closedTs
}
