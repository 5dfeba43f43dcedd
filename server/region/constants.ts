// Defaults of a region's shape and housekeeping, the bounds of what it tells and watches, and the
// relations between components' limits that only the region sees whole.
import { KEYS_PER_COMMIT_MAX } from '../adjudicator/index.ts'
import { assert } from '../errors/index.ts'
import { RECORD_BYTES_MAX, RECORD_BYTES_PER_WRITE, RECORD_ENVELOPE_BYTES_MAX, RECORD_WRITES_MAX } from '../journal/index.ts'
import { DEAD_AFTER_MS, HEARTBEAT_MS } from '../net/index.ts'
import { INDEX_JOB_BATCH_ROWS, KEY_BYTES_MAX, ROWS_MODIFIED_MAX, TX_BYTES_MAX } from '../qp/index.ts'

/**
 * How far beyond the longest a commit can trail a DROP (or TRUNCATE, DROP INDEX) storage waits
 * before it deletes the dead key range, past its own frontier. A commit that read the definition
 * before the drop may commit after it and still write there: one owner checks it within the
 * transaction age limit (older ones abort); one prepared across owners may append up to
 * RESERVATION_APPEND_MS_MAX after its prepares (read keys are checked at prepare, not reserved),
 * so the wait is the larger of the two plus this slack, which covers how far an HLC runs ahead of
 * wall time under bursts, a closed-timestamp lead and the clock-error bound. Once the frontier is
 * past that, every such write is applied, so the deletion is final.
 */
export const GC_DEAD_RANGE_SLACK_MS = 60_000

/** Bytes (keys and values, as `requestBytes` counts them) of this region's commits and prepares
 * waiting on other regions at once; past it a commit is refused with 57P03, nothing sent. Room for
 * 64 commits of the query processor's largest (TX_BYTES_MAX, 4 MiB), and for hundreds of
 * thousands of ordinary ones (the RPC layer's 10,000 calls in flight come first). */
export const FORWARDED_BYTES_MAX = 256 * 1024 * 1024

export const REGION_DEFAULTS = {
  journalCount: 2,
  shardCount: 2,
  partitionCount: 8,
  auth: true,
  /** A garbage-collection step every 50 ms, each for one shard in turn (every 100 ms per shard
   * with two): a step reads at most 1,024 versions and deletes at most 1,024 rows of dropped
   * tables (about 1 ms, see storage's GC_VERSIONS_PER_STEP), so collection holds about 2% of the
   * event loop at most, and a shard of 1M versions is walked in about 100 s, well within the 5
   * minutes (the adjudicator's TX_AGE_MS_MAX) garbage waits anyway before it may go. */
  gcIntervalMs: 50,
  /** Storage checkpoints and journal segment deletion every minute: each costs fsyncs. */
  compactIntervalMs: 60_000,
  /** Index jobs are looked over every 5 s: a region takes over a job whose owner's lease lapsed
   * (INDEX_JOB_LEASE_MS, 10 s), so a job cut short by a region's loss goes on within 15 s. */
  indexJobSweepMs: 5_000,
  /** A full region unreachable for 2 s is failed over: with link loss detected within about a
   * second, the survivors serve again well within the 5 s the design promises. */
  failoverAfterMs: 2_000,
} as const

/**
 * How often a region looks whether a journal or storage shard of it started or stopped failing to
 * write (disk-watch.ts), to tell it in one line: health and commits ask at every request, so this
 * only paces the log, and a second is soon enough for a line that says the disk is full.
 */
export const DISK_WATCH_MS = 1_000

/**
 * Link and quorum events (cluster-event.ts) are told at most `LINK_EVENTS_PER_INTERVAL` times per
 * peer (and for the quorum) in this many ms: a link that flaps every few hundred milliseconds (a
 * lossy WAN, a dying peer) gives a line per 10 s with the count of changes and the state it ended
 * in, which is what an operator reads, instead of a line per flap.
 */
export const LINK_EVENT_INTERVAL_MS = 10_000

/** Events per key told at once within an interval: two, so a failure and its recovery (a peer
 * restarted) are both seen when they happen; changes beyond them are folded. */
export const LINK_EVENTS_PER_INTERVAL = 2

/** Keys a change reporter tracks: each peer's link and the quorum, so the topology's 16 regions
 * bound them; a key beyond this is not reported (a bug, not a flood). */
export const CHANGE_KEYS_MAX = 64

/**
 * Waits for the frontier that can be told at once that the region cannot serve (availability.ts):
 * each also holds a storage frontier waiter, which storage bounds (10,000 per shard, 53000 beyond),
 * and unregisters when it ends; this fence, far above that, only keeps a leak from growing
 * without bound (53000 beyond).
 */
export const FRONTIER_LOSS_LISTENERS_MAX = 1_000_000

/**
 * How often a region looks for commits prepared here whose coordinator's finish has not come
 * (orphaned-prepares.ts): a quarter of a second, so that keys an orphan holds are free within
 * about a second of its coordinator's region coming back (the question, then the replica catching
 * up, take a few round trips).
 */
export const ORPHAN_SWEEP_MS = 250

/** A prepared commit younger than this is not asked about: a live coordinator finishes within a
 * round trip of its last prepare, and a slow one costs only a question whose answer (the same run)
 * changes nothing. */
export const ORPHAN_AGE_MS = 1_000

/** Prepared commits one sweep looks at, oldest first (the rest wait for the next sweeps). */
export const ORPHANS_PER_SWEEP_MAX = 1_000

/** Commits one question about a coordinator's run names, for it to say which it gave up
 * (orphaned-prepares.ts): a txId is 32 hex digits, so a full question is about 35 KB, far under a
 * message's limit. No fewer than a sweep looks at, so that one question names every commit a
 * sweep holds for the region; the region answering reads no more than this many. */
export const ORPHAN_TXIDS_PER_ASK_MAX = 1_000

/** How long a question about a coordinator's run may go unanswered (it is asked again at the
 * next sweep). */
export const ORPHAN_ASK_TIMEOUT_MS = 2_000

assert(LINK_EVENTS_PER_INTERVAL >= 1 && LINK_EVENT_INTERVAL_MS >= 1_000, 'link events are told, and at most a few per second')
assert(ORPHANS_PER_SWEEP_MAX <= ORPHAN_TXIDS_PER_ASK_MAX, 'one question names every commit a sweep holds for a region')

/**
 * Keys at the adjudicators (KEYS_PER_COMMIT_MAX) that each of the query processor's default
 * ROWS_MODIFIED_MAX rows may take, so that a transaction meets the rows limit, with its own
 * message, before the keys limit: a row written (1), an entry for each of eight secondary indexes,
 * foreign keys' own included (8, or 16 for an UPDATE that changes every index's key), and for each
 * foreign key it references a guard read and one locked (2 each). A row deleted that foreign keys
 * reference takes 17 per such key (foreign-keys.ts), so such a delete reaches 10,000 rows with up to
 * two secondary indexes.
 */
export const KEYS_PER_MODIFIED_ROW = 20

/**
 * The largest `txBytesMax` a region accepts (openRegion asserts it, `tessera start` refuses more,
 * exit 2): with a commit's keys at most KEYS_PER_COMMIT_MAX, each write's punctuation and the
 * envelope, such a transaction's record still fits the journal's RECORD_BYTES_MAX.
 */
export const TX_BYTES_CONFIG_MAX = 6 * 1024 * 1024

/**
 * The largest `rowsModifiedMax` a region accepts (as TX_BYTES_CONFIG_MAX): every modified row is a
 * key written, and one index entry more halves what the keys limit lets through. Above the
 * default, rows of tables with more indexes meet the keys limit (KEYS_PER_COMMIT_MAX) first.
 */
export const ROWS_MODIFIED_CONFIG_MAX = KEYS_PER_COMMIT_MAX / 2

assert(KEYS_PER_MODIFIED_ROW * ROWS_MODIFIED_MAX <= KEYS_PER_COMMIT_MAX, 'the default rows limit comes before the keys limit')
assert(ROWS_MODIFIED_MAX <= ROWS_MODIFIED_CONFIG_MAX && TX_BYTES_MAX <= TX_BYTES_CONFIG_MAX, 'the defaults are accepted')
assert(
  TX_BYTES_CONFIG_MAX + RECORD_BYTES_PER_WRITE * KEYS_PER_COMMIT_MAX + RECORD_ENVELOPE_BYTES_MAX <= RECORD_BYTES_MAX,
  'every transaction the query processor and the adjudicators accept fits a commit record',
)
assert(KEYS_PER_COMMIT_MAX <= RECORD_WRITES_MAX, 'a commit the adjudicators accept has no more writes than a record may')
// A batch of CREATE INDEX ASYNC is held to no client's transaction limits. Each row gives it one
// index entry, whose key and (unique) value are keys of at most KEY_BYTES_MAX bytes, two hex
// characters each; 1 MiB is left for the job's row and the table's definition.
assert(
  INDEX_JOB_BATCH_ROWS * (2 * 2 * KEY_BYTES_MAX + RECORD_BYTES_PER_WRITE) + 1024 * 1024 + RECORD_ENVELOPE_BYTES_MAX <= RECORD_BYTES_MAX,
  'a batch of an index job fits a commit record',
)

/** How often a statement that holds a cluster region's thread lets the region ping its peers and
 * publish its journals' closed timestamps (qp KeepAlive). The other regions' readers wait for
 * those timestamps, so about this long at most; each costs a few tens of microseconds. */
export const KEEP_ALIVE_MS = 50
assert(KEEP_ALIVE_MS * 4 <= DEAD_AFTER_MS && KEEP_ALIVE_MS <= HEARTBEAT_MS, 'a held region pings a peer several times before the peer would call its link down')
assert(FORWARDED_BYTES_MAX >= 4 * TX_BYTES_MAX, 'several of the largest commits may be forwarded at once')
