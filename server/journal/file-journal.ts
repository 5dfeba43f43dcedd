// A journal on local segment files (ARCHITECTURE.md "journal", step 4): seq and commitTs fixed at
// append, group commit (one write and one fsync per batch), closed timestamps, crash recovery.
import { SystemClock, tsFromMs, type HlcTimestamp, type TimerHandle } from '../clock/index.ts'
import { isNoSpace, type Disk, type DiskFile } from '../disk/index.ts'
import {
  assert,
  AssertionError,
  cannotConnectNow,
  diskFull,
  programLimitExceeded,
  SqlError,
} from '../errors/index.ts'
import {
  BATCH_BYTES_MAX,
  BATCH_RECORDS_MAX,
  CLOSE_ROUNDS_MAX,
  CLOSED_LEAD_MS_MAX,
  DISK_FULL_PROBE_BYTES,
  DISK_FULL_RETRY_MS,
  HEARTBEAT_MS,
  PENDING_BYTES_MAX,
  PENDING_RECORDS_MAX,
  READ_CACHE_BYTES_MAX,
  READ_CACHE_RECORDS_MAX,
  READ_INDEX_STRIDE,
  READ_RETRIES_MAX,
  RECORD_BYTES_MAX,
  RECORD_WRITES_MAX,
  SEGMENT_BYTES_MAX,
} from './constants.ts'
import type {
  AppendRequest,
  Appended,
  CommitRecord,
  FileJournalOptions,
  Journal,
  JournalFollower,
} from './index.ts'
import {
  checkFrame,
  dataCorrupted,
  encodePayload,
  frameBytes,
  readFrame,
  writeFrame,
} from './record-frame.ts'
import { recordBytes, RecentRecords } from './recent-records.ts'
import { recoverSegments, segmentName, type IndexEntry, type Segment } from './recover-segments.ts'

/** A record appended but not yet delivered. */
interface Pending {
  readonly record: CommitRecord
  readonly payload: Uint8Array
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/** What an I/O step that failed the journal yields. */
const FAILED = Symbol('failed')

/** The file a journal whose disk was full writes to see whether it has room again (no segment
 * name: recovery never reads it). Its atomic write goes through a temporary file named after it. */
const SPACE_PROBE_NAME = 'space-probe'

/** Reads from disk go in chunks of this size (a frame larger than it is read whole). */
const READ_CHUNK_BYTES = 1024 * 1024

/** Opens (recovering, cutting a torn tail) or creates a journal in `options.dir`. */
export function openFileJournal(options: FileJournalOptions): FileJournal {
  return new FileJournal(options)
}

/** See `Journal` in index.ts. One flusher at a time writes and fsyncs the head of the queue. */
export class FileJournal implements Journal {
  readonly id: string
  readonly #options: FileJournalOptions
  readonly #segmentBytesMax: number
  readonly #batchRecordsMax: number
  readonly #batchBytesMax: number
  readonly #pendingRecordsMax: number
  readonly #heartbeatMs: number
  readonly #closedLeadMs: number
  readonly #fsync: boolean
  readonly #replica: boolean
  readonly #readCacheRecordsMax: number
  readonly #yieldsToIo: boolean

  readonly #segments: Segment[]
  readonly #index: IndexEntry[]
  #file: DiskFile | undefined
  /** Recent durable records. */
  readonly #cache: RecentRecords

  /** Appended records not yet delivered: `#queue[#head..]`; the flusher works on its front.
   * Slots before `#head` are empty. */
  #queue: (Pending | undefined)[] = []
  #head = 0
  #pendingBytes = 0
  #lastAssignedSeq: number
  #lastAssignedTs: HlcTimestamp
  #lastDurableSeq: number
  #lastDurableTs: HlcTimestamp

  /** The published closed timestamp; every later append gets a larger commitTs. */
  #floor: HlcTimestamp
  /** The largest timestamp a reader asked to close. */
  #requested: HlcTimestamp = 0
  #followers: readonly JournalFollower[] = []
  /** Set while followers run: requests they make wait for the end of the delivery. */
  #delivering = false
  #askedDuringDelivery = false

  #flushing = false
  #flushDone: Promise<void> = Promise.resolve()
  #heartbeat: TimerHandle | undefined
  /** The I/O error that stopped the journal; undefined while it works. */
  #failure: unknown = undefined
  /** The SqlError of `#failure`, made once: `failure()` is asked per commit and begin while it lasts. */
  #failureError: SqlError | undefined
  /** The next attempt to cut a failed write and resume (a disk that was full). */
  #recovery: TimerHandle | undefined
  /** Told when `failure()` begins or ends (`watchFailure`). */
  #failureListener: (() => void) | undefined
  #closed = false

  constructor(options: FileJournalOptions) {
    const c = options.config ?? {}
    this.id = options.id
    this.#options = options
    this.#segmentBytesMax = c.segmentBytesMax ?? SEGMENT_BYTES_MAX
    this.#batchRecordsMax = c.batchRecordsMax ?? BATCH_RECORDS_MAX
    this.#batchBytesMax = c.batchBytesMax ?? BATCH_BYTES_MAX
    this.#pendingRecordsMax = c.pendingRecordsMax ?? PENDING_RECORDS_MAX
    this.#heartbeatMs = c.heartbeatMs ?? HEARTBEAT_MS
    this.#closedLeadMs = c.closedLeadMs ?? 0
    this.#fsync = c.fsync ?? true
    this.#replica = c.replica ?? false
    this.#readCacheRecordsMax = c.readCacheRecordsMax ?? READ_CACHE_RECORDS_MAX
    this.#yieldsToIo = options.timers instanceof SystemClock
    assert(this.#readCacheRecordsMax >= 1, 'the read cache must hold a record')
    assert(this.#segmentBytesMax > 0 && this.#batchRecordsMax > 0, 'journal limits must be > 0')
    assert(this.#batchBytesMax >= RECORD_BYTES_MAX, 'a batch must fit the largest record')
    assert(this.#pendingRecordsMax >= this.#batchRecordsMax, 'a batch comes from the queue')
    assert(this.#heartbeatMs > 0, 'heartbeat must be positive')
    assert(this.#closedLeadMs >= 0 && this.#closedLeadMs <= CLOSED_LEAD_MS_MAX, `closed lead ${this.#closedLeadMs} ms out of range`)

    options.disk.mkdirp(options.dir)
    removeSpaceProbes(options.disk, options.dir)
    this.#cache = new RecentRecords(this.#readCacheRecordsMax, c.readCacheBytesMax ?? READ_CACHE_BYTES_MAX)
    const recovered = recoverSegments(options.disk, options.dir, options.id, this.#cache)
    this.#segments = recovered.segments
    this.#index = recovered.index
    this.#lastAssignedSeq = this.#lastDurableSeq = recovered.lastSeq
    this.#lastAssignedTs = this.#lastDurableTs = recovered.lastCommitTs
    // The clock must pass everything on disk; and closed timestamps published before a restart
    // were at most the clock plus the lead then, so closing at that now keeps every earlier
    // promise (a lead lowered across a restart, or a wall clock stepped back, by more than the
    // downtime could break it; the region also passes storage's frontiers to the clock).
    options.hlc.update(recovered.lastCommitTs)
    this.#floor = Math.max(recovered.lastCommitTs, this.#closableNow())

    const last = this.#segments.at(-1)
    if (last) this.#file = options.disk.open(last.path)
    // Recovered bytes may sit only in the OS cache (the process died, not the machine), and a cut
    // tail is not durable yet: one fsync before anything new is acknowledged covers both.
    if (this.#file && this.#fsync) this.#startFlush(this.#file.sync())
    if (!this.#replica) this.#scheduleHeartbeat()
  }

  append(request: AppendRequest): Appended {
    if (this.#replica) assert(false, `journal ${this.id} is a replica: it takes records with appendAt`)
    this.#checkAppendable()
    assert(Number.isSafeInteger(request.proposedTs) && request.proposedTs >= 0, 'bad proposedTs')
    const seq = this.#lastAssignedSeq + 1
    const commitTs = Math.max(request.proposedTs, this.#lastAssignedTs + 1, this.#floor + 1)
    return this.#enqueue({ journalId: this.id, seq, commitTs, txId: request.txId, writes: request.writes })
  }

  /**
   * A replica's append: the leader already fixed seq and commitTs. Records must come in order
   * without gaps (asserted); the replica neither closes timestamps nor heartbeats, the leader
   * does that for it.
   */
  appendAt(record: CommitRecord): Appended {
    assert(this.#replica, `journal ${this.id} leads: it assigns its own seq and commitTs`)
    this.#checkAppendable()
    assert(record.journalId === this.id, `record of ${record.journalId} offered to ${this.id}`)
    assert(record.seq === this.#lastAssignedSeq + 1, `replica ${this.id}: seq ${record.seq} after ${this.#lastAssignedSeq}`)
    assert(record.commitTs > this.#lastAssignedTs, `replica ${this.id}: commitTs must increase`)
    return this.#enqueue(record)
  }

  #checkAppendable(): void {
    if (this.#failure !== undefined || this.#closed) throw this.#unavailable()
    const pendingRecords = this.#queue.length - this.#head
    if (pendingRecords >= this.#pendingRecordsMax || this.#pendingBytes >= PENDING_BYTES_MAX) {
      throw programLimitExceeded(
        `journal ${this.id}: ${pendingRecords} commit records wait for disk`,
        'the disk cannot keep up; retry later',
      )
    }
  }

  #enqueue(record: CommitRecord): Appended {
    const { seq, commitTs } = record
    if (record.writes.length > RECORD_WRITES_MAX) {
      throw programLimitExceeded(
        `commit record of ${record.writes.length} writes exceeds ${RECORD_WRITES_MAX}`,
        'write fewer rows per transaction',
      )
    }
    const payload = encodePayload(record)
    if (frameBytes(payload) > RECORD_BYTES_MAX) {
      throw programLimitExceeded(
        `commit record of ${frameBytes(payload)} bytes exceeds ${RECORD_BYTES_MAX}`,
        'write fewer or smaller rows per transaction',
      )
    }
    this.#lastAssignedSeq = seq
    this.#lastAssignedTs = commitTs
    this.#options.hlc.update(commitTs)
    let resolve!: () => void
    let reject!: (error: unknown) => void
    const durable = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    // A caller that drops the promise must not crash the process when the journal fails.
    durable.catch(() => {})
    this.#queue.push({ record, payload, resolve, reject })
    this.#pendingBytes += payload.byteLength
    if (!this.#flushing) this.#startFlush(undefined)
    return { seq, commitTs, durable }
  }

  closedTs(): HlcTimestamp {
    const first = this.#queue[this.#head]
    return first === undefined ? this.#floor : first.record.commitTs - 1
  }

  requestClose(ts: HlcTimestamp): void {
    if (this.#replica) return
    // A failed journal closes again once its failed records are cut (`#recover`): until then they
    // are queued, which holds the closed timestamp below them.
    if (ts <= this.#floor || this.#closed) return
    if (ts > this.#requested) this.#requested = ts
    if (this.#queue.length === this.#head) this.#publishClosed()
  }

  follow(follower: JournalFollower): () => void {
    // Copy on write: a follower added during a delivery starts with the next one.
    this.#followers = [...this.#followers, follower]
    return () => {
      this.#followers = this.#followers.filter((f) => f !== follower)
    }
  }

  read(afterSeq: number, maxRecords: number, bytesMax = Number.POSITIVE_INFINITY): CommitRecord[] {
    if (!(Number.isSafeInteger(afterSeq) && afterSeq >= 0)) assert(false, `bad afterSeq ${afterSeq}`)
    if (!(afterSeq + 1 >= this.firstSeq() || afterSeq >= this.#lastDurableSeq)) {
      assert(false, `journal ${this.id}: records after ${afterSeq} were truncated (first kept seq ${this.firstSeq()})`)
    }
    const count = Math.min(maxRecords, this.#lastDurableSeq - afterSeq)
    if (count <= 0) return []
    if (afterSeq + 1 >= this.#cache.firstSeq) return this.#cache.slice(afterSeq, count, bytesMax)
    return this.#readFromDisk(afterSeq, count, bytesMax)
  }

  lastSeq(): number {
    return this.#lastDurableSeq
  }

  firstSeq(): number {
    return this.#segments[0]?.firstSeq ?? this.#lastDurableSeq + 1
  }

  truncateThrough(seq: number): number {
    assert(Number.isSafeInteger(seq) && seq >= 0, `bad truncation seq ${seq}`)
    // Only whole segments go, and never the last one: it holds the newest record, which tells a
    // restart where the sequence and the clock stand.
    let removed = 0
    while (removed + 1 < this.#segments.length) {
      const next = this.#segments[removed + 1] as Segment
      if (next.firstSeq - 1 > seq) break
      removed++
    }
    if (removed === 0) return 0
    for (const segment of this.#segments.splice(0, removed)) this.#options.disk.remove(segment.path)
    const kept = this.#index.filter((e) => e.segment >= removed).map((e) => ({ ...e, segment: e.segment - removed }))
    this.#index.splice(0, this.#index.length, ...kept)
    return removed
  }

  lastCommitTs(): HlcTimestamp {
    return this.#lastDurableTs
  }

  failure(): SqlError | undefined {
    return this.#failure === undefined || this.#closed ? undefined : this.#unavailable()
  }

  watchFailure(listener: () => void): void {
    this.#failureListener = listener
  }

  assignedSeq(): number {
    return this.#lastAssignedSeq
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#heartbeat?.cancel()
    this.#recovery?.cancel()
    // A failure ends with the journal (`failure()` says none once closed).
    if (this.#failure !== undefined) this.#failureListener?.()
    while (this.#flushing) await this.#flushDone
    this.#file?.close()
    this.#file = undefined
  }

  #startFlush(first: Promise<void> | undefined): void {
    this.#flushing = true
    this.#flushDone = this.#flushLoop(first)
  }

  /** The single flusher: one batch at a time, so one write and one fsync per batch. */
  async #flushLoop(first: Promise<void> | undefined): Promise<void> {
    try {
      // Also lets the appends of the current task join the first batch.
      if ((await this.#io(first ?? Promise.resolve())) === FAILED) return
      while (this.#failure === undefined && this.#head < this.#queue.length) {
        // On the runtime's own timers, let the event loop first run what is ready (requests
        // already received, whose commits then join this batch): batches about twice as large
        // under load, so half the fsyncs, each about 80 µs of CPU (bench/e2e/layers.ts: 8 -> 15
        // inserts per fsync). Simulated timers have no event loop to yield to.
        if (this.#yieldsToIo) await new Promise<void>((resolve) => setImmediate(resolve))
        const { count, bytes } = this.#nextBatch()
        const data = this.#layOut(count, bytes)
        const offset = await this.#io(this.#write(this.#queue[this.#head]!.record.seq, data))
        if (offset === FAILED) return
        this.#completeBatch(count, bytes, offset)
      }
    } finally {
      // Cleared in the same step that sees the queue empty, so no append can slip past the loop.
      this.#flushing = false
    }
  }

  /** Writes one laid-out batch starting at `firstSeq` and syncs it; returns its file offset. */
  async #write(firstSeq: number, data: Uint8Array): Promise<number> {
    const file = this.#segmentFor(firstSeq)
    const offset = file.size()
    file.append(data)
    if (this.#fsync) await file.sync()
    return offset
  }

  /** Awaits an I/O step; an I/O error fails the journal (FAILED), a bug propagates. */
  async #io<T>(step: Promise<T>): Promise<T | typeof FAILED> {
    try {
      return await step
    } catch (e) {
      if (e instanceof AssertionError) throw e
      this.#fail(e)
      return FAILED
    }
  }

  /** The size of the next batch: at least one record, within the batch limits. */
  #nextBatch(): { count: number; bytes: number } {
    let count = 0
    let bytes = 0
    for (let i = this.#head; i < this.#queue.length && count < this.#batchRecordsMax; i++) {
      const size = frameBytes(this.#queue[i]!.payload)
      if (count > 0 && bytes + size > this.#batchBytesMax) break
      count++
      bytes += size
    }
    return { count, bytes }
  }

  /** One buffer of `count` frames, each checked after it is laid out (the write-side check). */
  #layOut(count: number, bytes: number): Uint8Array {
    const out = new Uint8Array(bytes)
    let offset = 0
    for (let i = 0; i < count; i++) {
      const pending = this.#queue[this.#head + i]!
      const end = writeFrame(out, offset, pending.payload)
      assert(
        checkFrame(out, offset) === end,
        `journal ${this.id}: frame of seq ${pending.record.seq} does not read back`,
      )
      offset = end
    }
    assert(offset === bytes, 'batch layout size mismatch')
    return out
  }

  /** The open file the batch starting at `firstSeq` goes to, starting a segment when full. */
  #segmentFor(firstSeq: number): DiskFile {
    const current = this.#segments.at(-1)
    if (this.#file && current && current.durableBytes < this.#segmentBytesMax) return this.#file
    this.#file?.close()
    // Unset until the new one opens: an open that fails (a full disk) must not leave the closed
    // file in place for the next write or a recovery to use.
    this.#file = undefined
    const path = `${this.#options.dir}/${segmentName(firstSeq)}`
    this.#file = this.#options.disk.open(path)
    assert(this.#file.size() === 0, `new segment ${path} is not empty`)
    this.#segments.push({ firstSeq, path, durableBytes: 0 })
    return this.#file
  }

  /** The batch at the queue head is durable: acknowledge, deliver, then close below the rest. */
  #completeBatch(count: number, bytes: number, offset: number): void {
    const segment = this.#segments.at(-1)!
    assert(segment.durableBytes === offset, 'segment grew outside the flusher')
    // Slots from the head on are filled.
    const batch = this.#queue.slice(this.#head, this.#head + count) as Pending[]
    // Consumed slots are let go now, not at the next compaction: each holds its record and payload
    // (4,096 of them held 12 GB of 3 MB rows). Compacting once they outnumber the rest keeps it
    // O(1) per record.
    this.#queue.fill(undefined, this.#head, this.#head + count)
    this.#head += count
    if (this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    const records: CommitRecord[] = new Array(count)
    let at = offset
    for (let i = 0; i < count; i++) {
      const { record, payload } = batch[i] as Pending
      assert(record.seq === this.#lastDurableSeq + 1, 'records become durable in seq order')
      assert(record.commitTs > this.#lastDurableTs, 'commitTs must increase along the journal')
      if (record.seq % READ_INDEX_STRIDE === 0 || at === 0) {
        this.#index.push({ seq: record.seq, segment: this.#segments.length - 1, offset: at })
      }
      at += frameBytes(payload)
      this.#pendingBytes -= payload.byteLength
      this.#lastDurableSeq = record.seq
      this.#lastDurableTs = record.commitTs
      this.#cache.push(record)
      records[i] = record
    }
    segment.durableBytes = offset + bytes
    for (const pending of batch) pending.resolve()
    this.#delivering = true
    try {
      for (const follower of this.#followers) follower.onRecords(records)
    } finally {
      this.#delivering = false
    }
    // Publishes whatever followers asked for meanwhile, too.
    this.#publishClosed()
  }

  /**
   * Raises the closed timestamp as far as is safe and tells the followers. A follower may ask
   * again (or append) from inside a callback; that request is served by another round here, so
   * each follower sees closed timestamps only increase and never one above a record it has not
   * received. Rounds are bounded; the heartbeat serves what is left.
   */
  #publishClosed(): void {
    if (this.#delivering) {
      this.#askedDuringDelivery = true
      return
    }
    this.#delivering = true
    try {
      for (let round = 0; round < CLOSE_ROUNDS_MAX; round++) {
        this.#askedDuringDelivery = false
        const target = this.#closeTarget()
        if (target > this.#floor) {
          this.#floor = target
          for (const follower of this.#followers) follower.onClosed(target)
        }
        if (!this.#askedDuringDelivery) break
      }
    } finally {
      this.#delivering = false
    }
  }

  /**
   * With records pending: just below the first of them. Otherwise up to what readers asked for,
   * but never past the clock plus the lead (a request from further ahead would push later
   * commitTs ahead of time).
   */
  #closeTarget(): HlcTimestamp {
    const first = this.#queue[this.#head]
    if (first !== undefined) return first.record.commitTs - 1
    if (this.#requested <= this.#floor) return Math.max(this.#floor, this.#lastDurableTs)
    const hlc = this.#options.hlc
    const asked =
      this.#requested <= hlc.last() ? this.#requested : Math.min(this.#requested, this.#closableNow())
    return Math.max(asked, this.#lastDurableTs)
  }

  /** The furthest this journal may close now: the clock, or the wall clock plus the lead. The
   * lead is added to the wall clock, never to the HLC: commits at led timestamps move the HLC
   * ahead, and a lead on top of that would compound with every commit. */
  #closableNow(): HlcTimestamp {
    const now = this.#options.hlc.now()
    if (this.#closedLeadMs === 0) return now
    return Math.max(now, tsFromMs(this.#options.clock.wallMs() + this.#closedLeadMs))
  }

  heartbeat(): void {
    // Stopped by a failure (scheduled again once the failed records are cut) and at a replica.
    if (this.#heartbeat === undefined || this.#closed) return
    if (this.#queue.length === this.#head) this.requestClose(this.#closableNow())
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat = this.#options.timers.setTimeout(() => {
      if (this.#closed) return
      this.heartbeat()
      this.#scheduleHeartbeat()
    }, this.#heartbeatMs)
  }

  /**
   * An I/O error: whether the pending records reached the disk cannot be known any more. They
   * stay queued, so the closed timestamp stays below the first of them (a restart may find it on
   * disk and deliver it). A journal whose disk was full tries to cut them and go on (`#recover`).
   */
  #fail(error: unknown): void {
    this.#failure = error
    this.#failureError = undefined
    this.#failureListener?.()
    this.#heartbeat?.cancel()
    this.#heartbeat = undefined
    const detail = `journal ${this.id} could not write: ${ioErrorText(error)}`
    for (let i = this.#head; i < this.#queue.length; i++) {
      this.#queue[i]!.reject(
        new SqlError('40003', 'the outcome of the commit is unknown', { detail, cause: error }),
      )
    }
    // The first attempt at once: its cut needs no room, and until it is done nothing closes.
    if (this.#recovers()) this.#scheduleRecovery(0)
  }

  /**
   * Whether a failure ends by itself once writes succeed again: a full disk. The records not yet
   * durable were seen by no one but their appenders: followers, the read cache and, through them,
   * replicas only ever get durable records. At a leader the appenders got 40003 (either outcome
   * is allowed). At a replica the appender is its leader's stream (replica-journal.ts), which
   * acknowledges only durable records, so no commit counted on them; its leader keeps every record
   * a replica has not acknowledged and resends it, with the same seq and commitTs, once
   * acknowledgements stop (`resendAfterMs`). Any other I/O error may have damaged what is on the
   * device: a restart's recovery checks every frame, this process does not.
   */
  #recovers(): boolean {
    return isNoSpace(this.#failure)
  }

  #scheduleRecovery(ms = DISK_FULL_RETRY_MS): void {
    this.#recovery = this.#options.timers.setTimeout(() => {
      this.#recovery = undefined
      void this.#recover()
    }, ms)
  }

  /**
   * One attempt to end a full-disk failure (the first right after it, then one every
   * DISK_FULL_RETRY_MS), in two steps, each retried until it succeeds. First the cut: truncate the
   * newest segment to its last durable byte (a short write may have left part of a batch), fsync,
   * and only then forget the failed records and close again (heartbeat, requests), so readers'
   * snapshots move on however long the disk stays full. A crash before that fsync recovers the
   * file as a restart would (a complete record of a 40003 commit may be found and delivered);
   * after it, none can be. Their seqs go to the next records (nobody saw them); at a leader their
   * commitTs stay assigned, so later ones are larger still, while a replica forgets them too (its
   * leader resends those records as they were). Then room: a probe file of DISK_FULL_PROBE_BYTES
   * written, synced and removed; once it succeeds appends are taken again.
   */
  async #recover(): Promise<void> {
    if (this.#closed) return
    // The flusher stopped at the failure; one still finishing is waited for.
    if (this.#flushing) {
      this.#scheduleRecovery()
      return
    }
    try {
      if (this.#head < this.#queue.length) await this.#cut()
      else this.#resumeClosing()
      const probe = `${this.#options.dir}/${SPACE_PROBE_NAME}`
      await this.#options.disk.writeFileAtomic(probe, new Uint8Array(DISK_FULL_PROBE_BYTES))
      this.#options.disk.remove(probe)
    } catch (e) {
      if (e instanceof AssertionError) throw e
      if (!this.#closed) this.#scheduleRecovery()
      return
    }
    if (this.#closed) return
    this.#failure = undefined
    this.#failureError = undefined
    this.#failureListener?.()
  }

  /** The cut of `#recover`; throws when the truncation or its fsync fails (nothing changed). */
  async #cut(): Promise<void> {
    const file = this.#cutFailedTail()
    if (file !== undefined && this.#fsync) await file.sync()
    if (this.#closed) return
    assert(this.#lastAssignedSeq - this.#lastDurableSeq === this.#queue.length - this.#head, `journal ${this.id}: queued records do not follow the durable ones`)
    this.#queue = []
    this.#head = 0
    this.#pendingBytes = 0
    this.#lastAssignedSeq = this.#lastDurableSeq
    if (this.#replica) this.#lastAssignedTs = this.#lastDurableTs
    this.#resumeClosing()
  }

  /** Heartbeats and publishes closed timestamps again (nothing failed is queued any more); a
   * replica does neither (its leader closes for it). */
  #resumeClosing(): void {
    if (this.#replica) return
    if (this.#heartbeat === undefined && !this.#closed) this.#scheduleHeartbeat()
    this.#publishClosed()
  }

  /** Truncates the newest segment to its durable bytes; returns its file (undefined: no segment
   * exists yet, so nothing was written). */
  #cutFailedTail(): DiskFile | undefined {
    const segment = this.#segments.at(-1)
    if (segment === undefined) return undefined
    // A roll-over whose new segment could not be opened closed this one already.
    this.#file ??= this.#options.disk.open(segment.path)
    this.#file.truncate(segment.durableBytes)
    return this.#file
  }

  /** Why appends are refused: closed, a full disk (53100), or another I/O error (57P03). */
  #unavailable(): SqlError {
    if (this.#failure === undefined) return cannotConnectNow(`journal ${this.id} is closed`)
    return (this.#failureError ??= this.#errorOf(this.#failure))
  }

  #errorOf(cause: unknown): SqlError {
    if (isNoSpace(cause)) {
      return diskFull(`could not write journal ${this.id}`, {
        hint: 'Free disk space: the journal takes commits again within a second once it can write (nothing acknowledged was lost).',
        cause,
      })
    }
    return new SqlError('57P03', `journal ${this.id} failed and accepts no more commits: ${ioErrorText(cause)}`, {
      hint: 'Restart the region once the disk is sound (nothing acknowledged was lost).',
      cause,
    })
  }

  /** Durable records after `afterSeq` from the segment files, via the sparse index. */
  #readFromDisk(afterSeq: number, count: number, bytesMax: number): CommitRecord[] {
    const target = afterSeq + 1
    const entry = this.#index[lastAtOrBelow(this.#index, target)]
    assert(entry !== undefined, `journal ${this.id}: no index entry for seq ${target}`)
    const out: ReadOut = { records: [], count, bytesLeft: bytesMax }
    let segmentIndex = entry.segment
    let offset = entry.offset
    while (!isFull(out)) {
      const segment = this.#segments[segmentIndex]
      assert(segment !== undefined, `journal ${this.id}: seq ${target + out.records.length} not on disk`)
      this.#readSegment(segment, offset, target, out)
      segmentIndex++
      offset = 0
    }
    return out.records
  }

  /** Appends records with seq >= `fromSeq` of one segment to `out`, until it is full. */
  #readSegment(segment: Segment, offset: number, fromSeq: number, out: ReadOut): void {
    const current = segment === this.#segments.at(-1) && this.#file !== undefined
    const file = current ? this.#file! : this.#options.disk.open(segment.path)
    try {
      let pos = offset
      let want = READ_CHUNK_BYTES
      let retries = 0
      while (pos < segment.durableBytes && !isFull(out)) {
        const chunk = file.read(pos, Math.min(segment.durableBytes - pos, want))
        const used = this.#decodeChunk(chunk, fromSeq, out)
        if (used > 0) {
          pos += used
          want = READ_CHUNK_BYTES
          continue
        }
        const found = readFrame(chunk, 0)
        if (found.kind === 'incomplete' && found.frameBytes > want) {
          want = found.frameBytes
          continue
        }
        // Durable bytes were verified when written or recovered: only a bad read gets here.
        if (retries++ >= READ_RETRIES_MAX) {
          throw dataCorrupted(`journal ${this.id}: unreadable record at ${segment.path}:${pos}`)
        }
      }
    } finally {
      if (!current) file.close()
    }
  }

  /** Decodes whole frames from the start of `chunk` into `out`; returns the bytes consumed. */
  #decodeChunk(chunk: Uint8Array, fromSeq: number, out: ReadOut): number {
    let at = 0
    while (!isFull(out)) {
      const found = readFrame(chunk, at)
      if (found.kind !== 'record') break
      if (found.record.seq >= fromSeq) {
        const record = { journalId: this.id, ...found.record }
        out.records.push(record)
        out.bytesLeft -= recordBytes(record)
      }
      at = found.end
    }
    return at
  }
}

/** Records read from disk so far, and how many more records and bytes the reader takes. */
interface ReadOut {
  readonly records: CommitRecord[]
  readonly count: number
  /** Below zero once a record passed the budget: that record is the last one taken. */
  bytesLeft: number
}

const isFull = (out: ReadOut): boolean => out.records.length >= out.count || out.bytesLeft <= 0

/**
 * Removes what a crash left of a space probe (`#recover`): the probe itself, written and not yet
 * removed, or the temporary file of its atomic write. Either would hold a MiB of a disk that was
 * full, for good: nothing else ever removes it.
 */
function removeSpaceProbes(disk: Disk, dir: string): void {
  for (const name of disk.list(dir)) if (name.startsWith(SPACE_PROBE_NAME)) disk.remove(`${dir}/${name}`)
}

/** An I/O error as a log or an answer shows it: its message (ENOSPC: no space left on device, write). */
function ioErrorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Index of the last entry with seq <= `seq` (entries are in seq order), or -1. */
function lastAtOrBelow(index: readonly IndexEntry[], seq: number): number {
  let lo = 0
  let hi = index.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (index[mid]!.seq <= seq) {
      found = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return found
}
