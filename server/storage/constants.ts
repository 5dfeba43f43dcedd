// Limits of storage (ARCHITECTURE.md "storage"): every page, queue and wait is bounded.
import { assert } from '../errors/index.ts'

/** Versions rows read from SQLite per page of a scan, unless the shard is configured otherwise. */
export const SCAN_PAGE_ROWS_DEFAULT = 256
/** The largest page a shard may be configured with (a page is held in memory). */
export const SCAN_PAGE_ROWS_MAX = 65_536
/** Reads waiting for the frontier per shard; more is an overload, refused with 53000. */
export const FRONTIER_WAITERS_MAX = 10_000
/** The longest a read may wait for the frontier. */
export const FRONTIER_WAIT_MS_MAX = 600_000

assert(SCAN_PAGE_ROWS_DEFAULT >= 1, 'a scan page holds at least one row')
assert(SCAN_PAGE_ROWS_DEFAULT <= SCAN_PAGE_ROWS_MAX, 'the default scan page is within the maximum')
assert(FRONTIER_WAITERS_MAX >= 1, 'at least one read can wait')

/** Records a shard may apply in memory only (they carry none of its writes) before it writes its
 * journal positions to SQLite anyway, bounding how much journal a restart replays for nothing. */
export const POSITION_LAG_MAX = 4096

/** Writes a shard holds in its memtable (applied, readable, not yet in SQLite) before it writes
 * them in one transaction. One SQLite transaction per crossbar apply cost 13-18 µs per record
 * under load; apply plus flush per write, rows spread over 32 places of the key space: 5-7 µs
 * flushing every 64 writes, 3.6 every 256, 2.8-3.0 every 1024 (a flush of 1024 holds the event
 * loop about 3 ms). */
export const MEMTABLE_WRITES_MAX = 1024
/** Bytes of keys and values the memtable holds before it is flushed (rows of megabytes reach it
 * long before MEMTABLE_WRITES_MAX: a replay of 1,024 writes of 3 MB would hold 3 GB). */
export const MEMTABLE_BYTES_MAX = 16 * 1024 * 1024
/** The longest a write waits in the memtable before it is flushed to SQLite. */
export const MEMTABLE_FLUSH_MS = 50

/**
 * A shard whose write to SQLite failed (a full disk, an I/O error) tries again this often: a flush
 * of the memtable, then a checkpoint. Meanwhile it writes nothing else (no flush per apply, no GC
 * step, no checkpoint per compaction), so a full disk costs one failed attempt a second, and
 * writes resume within a second of space being freed.
 */
export const WRITE_RETRY_MS = 1_000

assert(MEMTABLE_WRITES_MAX >= 1 && MEMTABLE_BYTES_MAX >= 1 && MEMTABLE_FLUSH_MS >= 0, 'bad memtable limits')
assert(WRITE_RETRY_MS >= MEMTABLE_FLUSH_MS, 'a failed shard retries no more often than it flushes')

/** Keys whose newest version a shard keeps in memory for point reads (its hot set). */
export const ROW_CACHE_ENTRIES_MAX = 65_536
/** Bytes of keys and values that cache may hold per shard. */
export const ROW_CACHE_BYTES_MAX = 16 * 1024 * 1024

/**
 * Versions one garbage-collection step reads (plus one row of lookahead and one probe) in its
 * pass over the key space; the next step resumes after the last one. Measured with
 * `bun bench/storage-gc/run.ts` on a file shard of 1M versions (250k keys x 4; a 2-core machine
 * under other load, so tails are noisy): a step of 1,024 takes 0.2 ms at p50 when nothing is
 * garbage and 0.85 ms when it deletes three versions in four (2,048: 0.4 and 1.5 ms; 4,096: 0.8
 * and 2.7 ms). The single DELETE that gc ran before took 92-107 ms with nothing to delete and
 * 0.9-1.5 s deleting 750k versions (1M keys x 1 version: 330 ms every time). Steps that delete
 * much meet SQLite's WAL auto-checkpoints (fsyncs): p99 9 ms, rare steps 40 ms and more.
 */
export const GC_VERSIONS_PER_STEP = 1024
/** Rows of dead key ranges (dropped tables and indexes) one step deletes at most: 1,024 take
 * 0.45 ms at p50 (same bench; a dropped table of 1M rows goes in 977 steps). */
export const GC_DEAD_ROWS_PER_STEP = 1024
/** Garbage entries one step reads at most, in pages that resume where the last step stopped and
 * wrap around: a step stays bounded however many drops are pending, and entries not yet due never
 * keep later ones from being reached. */
export const GC_ENTRIES_PER_STEP = 64

assert(GC_VERSIONS_PER_STEP >= 1 && GC_DEAD_ROWS_PER_STEP >= 1 && GC_ENTRIES_PER_STEP >= 1, 'bad gc limits')
