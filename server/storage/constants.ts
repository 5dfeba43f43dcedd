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
/** The longest a write waits in the memtable before it is flushed to SQLite. */
export const MEMTABLE_FLUSH_MS = 50

assert(MEMTABLE_WRITES_MAX >= 1 && MEMTABLE_FLUSH_MS >= 0, 'bad memtable limits')

/** Keys whose newest version a shard keeps in memory for point reads (its hot set). */
export const ROW_CACHE_ENTRIES_MAX = 65_536
/** Bytes of keys and values that cache may hold per shard. */
export const ROW_CACHE_BYTES_MAX = 16 * 1024 * 1024
