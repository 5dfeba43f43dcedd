// Limits of the journal (ARCHITECTURE.md "journal", step 4): every queue, batch and scan is
// bounded here, and the relations between the bounds are checked when the module loads.
import { assert } from '../errors/index.ts'
import { MESSAGE_BYTES_MAX } from '../net/index.ts'

/** A segment file is closed and a new one started once it reaches this size. */
export const SEGMENT_BYTES_MAX = 64 * 1024 * 1024

/**
 * Records per group-commit batch (one write, one fsync). At the 30,000 commits/s target and a
 * 1-5 ms fsync, a batch holds 30-150 records; the cap only bounds the latency of one huge burst.
 */
export const BATCH_RECORDS_MAX = 4096

/** Bytes per group-commit batch; one write call of at most this size. */
export const BATCH_BYTES_MAX = 8 * 1024 * 1024

/**
 * One commit record, framed. A larger write set is refused (54000) before it gets a seq, but the
 * query processor's transaction-bytes limit (4 MiB by default, 6 MiB at most) and the adjudicators'
 * keys per commit (200,000) keep every record under it: region/constants.ts asserts that such a
 * transaction's record, with RECORD_BYTES_PER_WRITE for each write and the envelope, fits. 8 MiB
 * is one whole batch.
 */
export const RECORD_BYTES_MAX = 8 * 1024 * 1024

/**
 * Writes in one commit record; more is refused (54000) like an oversized record. What it bounds is
 * a record's size in a replication message, where each write costs more than in the record's
 * payload (an object with named fields instead of two array slots): see the assertion below.
 */
export const RECORD_WRITES_MAX = 200_000

/** Appended but not yet durable records; `append` refuses beyond this (54000). */
export const PENDING_RECORDS_MAX = 100_000

/** Appended but not yet durable bytes; the memory bound behind PENDING_RECORDS_MAX. */
export const PENDING_BYTES_MAX = 256 * 1024 * 1024

/**
 * Idle heartbeat. Local readers ask for a closed timestamp themselves (`requestClose`), so the
 * heartbeat serves followers that only listen (the crossbar merging every journal, replicas in
 * other regions): a quiet journal holds their merge back by at most this long. 5 ms is well under
 * a cross-region round trip and costs 200 timer callbacks a second per journal.
 */
export const HEARTBEAT_MS = 5

/** The largest closed-timestamp lead (`closedLeadMs`): every commit waits out its lead, and a
 * lead beyond three of the slowest links between regions (a few hundred ms on Earth) buys
 * nothing. Other bounds count on it: an index job's lease (10 s) outlasts two leads, since a
 * renewal becomes visible elsewhere only once the wall clock passes its led commitTs. */
export const CLOSED_LEAD_MS_MAX = 2_000

/**
 * A journal that failed because its disk was full tries this often to cut the failed write and
 * take records again (file-journal.ts `#recover`): an attempt is one truncate and one fsync until
 * the cut holds, then the probe's write and fsync (DISK_FULL_PROBE_BYTES, which a full disk stops
 * partway, removed again); a second apart that costs nothing, and commits resume within a second
 * of space being freed.
 */
export const DISK_FULL_RETRY_MS = 1_000

/**
 * The room a journal whose disk was full must find before it takes commits again: a probe file of
 * this size beside its segments, written, synced and removed. Without it the journal would resume
 * on a disk still full (cutting the failed write frees that write's own bytes) and answer the next
 * commit 40003 (outcome unknown) instead of a clean 53100, once a second. 1 MiB holds thousands of
 * typical commit records; an operator frees far more.
 */
export const DISK_FULL_PROBE_BYTES = 1024 * 1024

/** Closed-timestamp publications in a row caused by followers asking again from a callback. */
export const CLOSE_ROUNDS_MAX = 8

/** Recent durable records kept in memory so crossbar replay rarely touches the disk. */
export const READ_CACHE_RECORDS_MAX = 65_536
/**
 * Bytes of those records (`recordBytes`: key and value characters plus per-write and per-record
 * overheads). 65,536 commits of a few rows take a few MB; rows of megabytes reach this bound long
 * before the count (one region inserting 300 rows of 3.2 MB grew to 2.4 GB). Each journal a region holds has its
 * own cache: its leaders and its copies of the other regions' journals.
 */
export const READ_CACHE_BYTES_MAX = 32 * 1024 * 1024

/** Every this many records the journal remembers a file offset, so `read` seeks, not scans. */
export const READ_INDEX_STRIDE = 256

/** Re-reads of a record whose checksum failed, before calling it torn or corrupt. */
export const READ_RETRIES_MAX = 3

/** Frame header: payload length (u32 LE) and CRC-32 of length and payload (u32 LE). */
export const FRAME_HEADER_BYTES = 8

/** Bytes of a commit record's txId at most (record-frame.ts asserts it): a transaction's is the
 * hex of 16 random bytes, 32. */
export const RECORD_TX_ID_BYTES_MAX = 64

/** Digits of the largest seq or commitTs a record holds (safe integers, never negative). */
const SAFE_INTEGER_DIGITS = String(Number.MAX_SAFE_INTEGER).length

/**
 * Bytes of a framed record besides its writes (record-frame.ts encodePayload): the frame header,
 * and the JSON `[seq,commitTs,"txId",[` ... `]]` around the writes at their longest.
 */
export const RECORD_ENVELOPE_BYTES_MAX =
  FRAME_HEADER_BYTES + '[,,"",[]]'.length + 2 * SAFE_INTEGER_DIGITS + RECORD_TX_ID_BYTES_MAX

/**
 * JSON bytes of one write in a record besides those of its key and value strings (as encoding's
 * jsonStringBytes counts them): the key's quotes and comma, then the value's quotes and comma
 * (6), or a delete's `null` and comma (8, counted for every write). So a record of n writes takes
 * at most RECORD_ENVELOPE_BYTES_MAX + the writes' string bytes + n * this.
 */
export const RECORD_BYTES_PER_WRITE = 8

/** Digits of the first seq in a segment file name, so names sort like numbers. */
export const SEGMENT_NAME_DIGITS = 20

assert(RECORD_BYTES_MAX <= BATCH_BYTES_MAX, 'a batch must fit the largest record')
assert(BATCH_BYTES_MAX <= SEGMENT_BYTES_MAX, 'a segment must hold at least one full batch')
assert(BATCH_RECORDS_MAX <= PENDING_RECORDS_MAX, 'a batch is taken from the pending queue')
assert(BATCH_BYTES_MAX <= PENDING_BYTES_MAX, 'a batch is taken from the pending queue')
assert(RECORD_BYTES_MAX < 2 ** 32 - FRAME_HEADER_BYTES, 'frame length is a u32')
assert(READ_INDEX_STRIDE <= READ_CACHE_RECORDS_MAX, 'the index must be finer than the cache')
assert(HEARTBEAT_MS > 0 && HEARTBEAT_MS <= 1000, 'heartbeat must run, and often')
assert(DISK_FULL_RETRY_MS >= HEARTBEAT_MS, 'a failed journal retries no more often than it heartbeats')
assert(Number.MAX_SAFE_INTEGER.toString().length <= SEGMENT_NAME_DIGITS, 'seq fits a name')

/** Replication between a journal's leader and its replicas in other regions. */
export const REPLICATION_LIMITS = {
  /** Records sent to a replica beyond what it acknowledged (the window). */
  inflightRecordsMax: 8192,
  /** Records in one message. */
  recordsPerMessageMax: 512,
  /**
   * Bytes of records in one message, by `recordMessageBytesMax`'s bound; a message always takes
   * at least one record, which the network's MESSAGE_BYTES_MAX always holds (asserted below).
   * Without it a backlog of large records (a replica away while rows of megabytes were written)
   * made a message the network refuses, the same one at every try, and the replica never caught up.
   */
  messageBytesMax: 8 * 1024 * 1024,
  /** The leader's housekeeping period: retransmission and commit timeouts are counted in it. */
  tickMs: 10,
  /** A replica that acknowledged nothing new for this long is resent everything unacknowledged. */
  resendAfterMs: 200,
  /** A commit that reached no quorum in this long is answered 40003 (outcome unknown). */
  commitTimeoutMs: 5_000,
} as const

assert(REPLICATION_LIMITS.recordsPerMessageMax <= REPLICATION_LIMITS.inflightRecordsMax, 'a message fits the window')
assert(REPLICATION_LIMITS.messageBytesMax <= MESSAGE_BYTES_MAX, 'a message of records is one the network carries')

/** Bytes a record's JSON in a message takes beyond its payload: per write, the object around its
 * key and value (`{"key":,"value":}` and a comma) less the payload's two commas; per record, the
 * journal id, field names and envelope (`{"t":"m","m":{"type":"journal.records",...}}`). */
export const RECORD_MESSAGE_BYTES_PER_WRITE = 24
export const RECORD_MESSAGE_HEADER_BYTES = 1024
assert(
  RECORD_BYTES_MAX + RECORD_WRITES_MAX * RECORD_MESSAGE_BYTES_PER_WRITE + RECORD_MESSAGE_HEADER_BYTES <= MESSAGE_BYTES_MAX,
  'the largest commit record fits one network message, alone',
)
assert(REPLICATION_LIMITS.resendAfterMs >= 2 * REPLICATION_LIMITS.tickMs, 'resends are counted in ticks')
