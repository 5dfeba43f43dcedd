// The journal (ARCHITECTURE.md "journal", step 4): an ordered, durable log of commit records with
// strictly increasing commitTs; a record is committed once durable; publishes a closed timestamp.
import type { Clock, Hlc, HlcTimestamp, Timers } from '../clock/index.ts'
import type { Disk } from '../disk/index.ts'
import type { Write } from '../encoding/index.ts'
import type { SqlError } from '../errors/index.ts'

export type { Write }

/** A commit record: the commit point of one transaction. `seq` counts from 1 per journal. */
export interface CommitRecord {
  readonly journalId: string
  readonly seq: number
  readonly commitTs: HlcTimestamp
  readonly txId: string
  readonly writes: readonly Write[]
}

/** What an adjudicator appends. */
export interface AppendRequest {
  readonly txId: string
  /** The adjudicator's proposal; the journal assigns max(proposedTs, lastCommitTs + 1, floor + 1). */
  readonly proposedTs: HlcTimestamp
  readonly writes: readonly Write[]
}

/**
 * The synchronous part of an append: position and final commit timestamp are fixed at once (so
 * the adjudicator can record them against the keys before the next commit), durability later.
 */
export interface Appended {
  readonly seq: number
  readonly commitTs: HlcTimestamp
  /** Resolves once the record is durable (fsync'd; a quorum in a multi-region cluster). Rejects
   * with SqlError 40003 when that can no longer be known (the journal failed). */
  readonly durable: Promise<void>
}

/** Receives a journal's durable records, in seq order, and its closed timestamps. */
export interface JournalFollower {
  /** Records newly durable, in seq order, each with a larger commitTs than the last. */
  onRecords(records: readonly CommitRecord[]): void
  /** Nothing at or below `ts` will ever be appended (or become durable) after this call. */
  onClosed(ts: HlcTimestamp): void
}

/**
 * One journal. Appends are group-committed: records that arrive while an fsync runs go to disk
 * together with the next fsync. Each record is checksummed when written and when read; a torn
 * or corrupt tail found at open is cut, never delivered.
 */
export interface Journal {
  readonly id: string
  /** Assigns seq and commitTs synchronously and queues the record. Throws SqlError 54000 when
   * the pending queue is full, 53100 when a write failed because the disk is full, 57P03 when the
   * journal is closed or failed otherwise; nothing is recorded then. */
  append(request: AppendRequest): Appended
  /** The closed timestamp: no record at or below it will appear later. */
  closedTs(): HlcTimestamp
  /** Asks for a closed timestamp >= `ts` as soon as in-flight appends allow (a reader waits). */
  requestClose(ts: HlcTimestamp): void
  /** Registers a follower; returns the function that unregisters it. */
  follow(follower: JournalFollower): () => void
  /** Durable records with `seq > afterSeq`, at most `maxRecords`, in seq order (for replay); with
   * `bytesMax`, it stops once the records taken come to that many bytes (`recordBytes`): at most
   * one record past it, and never none while there are records to read. */
  read(afterSeq: number, maxRecords: number, bytesMax?: number): CommitRecord[]
  /** The last durable seq (0 when empty). */
  lastSeq(): number
  /** The first seq still held (records before it were truncated); lastSeq() + 1 when empty. */
  firstSeq(): number
  /**
   * Deletes whole segments whose records all have seq <= `seq`, keeping the segment of the newest
   * record. The caller guarantees every reader of those records has them durably elsewhere
   * (storage shards that checkpointed past them). Returns the number of segments removed.
   * Reading before `firstSeq()` afterwards is a bug (asserted).
   */
  truncateThrough(seq: number): number
  /** The commitTs of the last durable record (0 when empty). */
  lastCommitTs(): HlcTimestamp
  /** Flushes, stops the heartbeat and closes files. */
  close(): Promise<void>
}

/** Tunables of a file journal; defaults in journal/constants.ts. */
export interface FileJournalConfig {
  /** A new segment file starts once the current one reaches this size. */
  readonly segmentBytesMax?: number
  /** Records per group-commit batch (one fsync). */
  readonly batchRecordsMax?: number
  /** Bytes per group-commit batch. */
  readonly batchBytesMax?: number
  /** Appended-but-not-durable records allowed before `append` refuses (54000). */
  readonly pendingRecordsMax?: number
  /** Idle heartbeat: publish a closed timestamp at least this often. */
  readonly heartbeatMs?: number
  /** Skip fsync (benchmarks only: measures the cost of durability). */
  readonly fsync?: boolean
  /** A replica of another region's journal: records arrive with seq and commitTs fixed
   * (`appendAt`), and closed timestamps come from the leader, not from this journal. */
  readonly replica?: boolean
  /** Recent records `read` serves from memory; older ones come from the segment files. */
  readonly readCacheRecordsMax?: number
  /** Bytes those records may take (READ_CACHE_BYTES_MAX). */
  readonly readCacheBytesMax?: number
  /** How far ahead of the wall clock an idle leader closes (ms; default 0). Commits then take
   * commitTs at least this far ahead (their commit wait pays it), and readers in other regions,
   * whose copy of the closed timestamp is a link's delay old, find it already past their
   * snapshot instead of waiting for it (ARCHITECTURE.md "Regions": reads). */
  readonly closedLeadMs?: number
}

/** Everything a file journal needs, injected. */
export interface FileJournalOptions {
  readonly id: string
  /** Directory holding this journal's segment files. */
  readonly dir: string
  readonly disk: Disk
  readonly hlc: Hlc
  readonly clock: Clock
  readonly timers: Timers
  readonly config?: FileJournalConfig
}

/**
 * Opens (recovering, cutting a torn tail) or creates a journal in `options.dir`. Throws SqlError
 * XX001 when synced data is damaged (a bad record followed by valid ones, a gap in seq). After
 * open, `hlc` is past every commitTs on disk and the closed timestamp is at least `hlc.now()`
 * (and the wall clock plus the closed-timestamp lead).
 * Register followers right after `read()` in the same task, so no record falls between them.
 */
export { openFileJournal } from './file-journal.ts'
export { CLOSED_LEAD_MS_MAX, HEARTBEAT_MS } from './constants.ts'
/**
 * The largest framed commit record (bytes; 54000 beyond, at append), and what a record takes
 * besides its writes' key and value strings (as encoding's jsonStringBytes counts them): at most
 * RECORD_ENVELOPE_BYTES_MAX plus RECORD_BYTES_PER_WRITE per write. The region checks that every
 * transaction the query processor and the adjudicators accept fits.
 */
export { RECORD_BYTES_MAX, RECORD_BYTES_PER_WRITE, RECORD_ENVELOPE_BYTES_MAX, RECORD_WRITES_MAX } from './constants.ts'

/** A journal on local files: a leader (`append`) or, opened with `replica: true`, the local copy
 * of another region's journal (`appendAt` with the leader's seq and commitTs). */
export type FileJournal = Journal & {
  appendAt(record: CommitRecord): Appended
  /** The last seq handed to the file, durable or not (`lastSeq` is the last durable one); a
   * failed write's records count until they are cut. A replica takes the next record after it. */
  assignedSeq(): number
  /**
   * Why the journal takes no records now, or undefined while it works (and once closed). A failed
   * write or fsync stops it: the records not yet durable are answered 40003, later appends get
   * this error, and the closed timestamp stays below the first of those records. A full disk
   * (ENOSPC, EDQUOT) is 53100 and ends by itself: every DISK_FULL_RETRY_MS the journal cuts what
   * the failed write left after its last durable byte and fsyncs; once that succeeds it forgets
   * those records (no one but their appenders saw them: a replica's appender is its leader, which
   * resends them) and a leader closes again, still refusing appends until a probe file of
   * DISK_FULL_PROBE_BYTES finds room. Any other I/O error (57P03) lasts until a restart, whose
   * recovery checks the files. The region reports it (health, one log line).
   */
  failure(): SqlError | undefined
  /** Calls `listener` synchronously whenever `failure()` begins or ends (the write that failed,
   * the recovery that succeeded, a close): the region keeps a count of its failing writers with
   * it, so a commit reads one number. One listener; another replaces it. */
  watchFailure(listener: () => void): void
  /**
   * What the idle heartbeat does each `heartbeatMs`, now: with no record pending, closes as far
   * as the clock allows and tells the followers. For a region whose thread a long statement holds,
   * where the heartbeat's timer cannot fire (region keep-alive): the other regions' readers then
   * need not wait for the statement. Does nothing at a replica, or while the heartbeat is stopped
   * (a failed write not yet cut, a closed journal).
   */
  heartbeat(): void
}

/** Replication to other regions: the leader side, the replica side, and their messages. */
export { ReplicatedJournal, type ReplicatedJournalOptions } from './replicated-journal.ts'
export { ReplicaJournal, SEALED_CLOSED_TS, type JournalSeal, type ReplicaJournalOptions } from './replica-journal.ts'
export { isJournalMessage, type JournalMessage, type ReplicationLink } from './replication.ts'
/** The size measure of records held in memory (the bound of `read`'s `bytesMax`). */
export { recordBytes } from './recent-records.ts'
