// MVCC storage (ARCHITECTURE.md "storage", steps 2 and 5): versions `(key, commitTs) -> value |
// tombstone` in SQLite, one database per shard; reads at a timestamp, writes only by the crossbar.
import type { HlcTimestamp, Timers } from '../clock/index.ts'
import type { Disk } from '../disk/index.ts'
import type { Key, Write } from '../encoding/index.ts'
import type { SqlError } from '../errors/index.ts'
import type { SqliteDatabase, SqliteDriverName } from './sqlite-adapter.ts'

/** A key and the value visible at the read timestamp. */
export interface KeyValue {
  readonly key: Key
  readonly value: string
}

/** A half-open key range `[start, end)`. */
export interface KeyRange {
  readonly start: Key
  readonly end: Key
}

/** Scan options. `limit` bounds the rows produced; `reverse` yields keys in descending order. */
export interface ScanOptions {
  readonly limit?: number
  readonly reverse?: boolean
}

/**
 * The read side the query processor uses. Reads are synchronous and answer at `ts`; they are
 * only correct after `waitForFrontier(ts)` resolved (the frontier never moves back, so one wait
 * per transaction suffices). Asserts (a bug) when read above the applied frontier.
 */
export interface StorageReader {
  /** Resolves once everything committed at or below `ts` is applied. Rejects with SQLSTATE
   * 57014 after `timeoutMs` (a read must not hang when the crossbar stalls). */
  waitForFrontier(ts: HlcTimestamp, timeoutMs: number): Promise<void>
  /** Everything committed at or below this is applied (reads there need no wait). */
  frontier(): HlcTimestamp
  /** The value of `key` at `ts`, or undefined when absent or deleted. */
  get(key: Key, ts: HlcTimestamp): string | undefined
  /** Live keys of `range` at `ts`, in key order (or reverse), read lazily in bounded pages. */
  scan(range: KeyRange, ts: HlcTimestamp, options?: ScanOptions): Iterable<KeyValue>
  /**
   * A timestamp at or above the commitTs of every version applied so far to a key of table
   * `tableId` (keys that start with `encodeKey([tableId])`). Lets readers cache what they read
   * of a rarely written table (the catalog): a value read at `t1` is still the value at `t2` when
   * `lastWriteTs` is at or below both. After a restart it starts at the stored frontier, and so
   * it does for a dead table once GC deleted its rows (no snapshot can read them any more).
   */
  lastWriteTs(tableId: bigint): HlcTimestamp
  /**
   * Bytes stored for the keys of `range`: every version committed at or below `ts` that storage
   * still keeps (older versions GC has not yet collected, and tombstones, count too), in SQLite and
   * in the memtable. A version costs the UTF-8 bytes of its key (hex, so two per key byte) plus
   * those of its value (none for a tombstone): what SQLite holds in its TEXT columns, not what
   * its pages, indexes and commit timestamps add. For pg_relation_size and its kin. Costs a walk
   * of the range's rows in SQLite's C code (see SqliteShard for a measured rate) plus a pass over
   * the memtable; asserts, as reads do, when `ts` is above the frontier.
   */
  storedBytes(range: KeyRange, ts: HlcTimestamp): number
}

/** A committed record routed to one shard: only the writes whose keys that shard owns. */
export interface ShardRecord {
  readonly journalId: string
  readonly seq: number
  readonly commitTs: HlcTimestamp
  readonly writes: readonly Write[]
}

/**
 * One shard of storage: one SQLite database. Only the crossbar calls `apply`. The applied journal
 * positions are stored in the same SQLite transaction as the rows they produced.
 */
export interface StorageShard extends StorageReader {
  readonly id: number
  /**
   * Applies records (in non-decreasing commitTs order) and then advances the frontier to
   * `frontierTs` (>= every record's commitTs), atomically. Records at or below the shard's stored
   * position for their journal are skipped (replay after a crash is idempotent). Asserts that a
   * record not skipped is above the current frontier and follows its journal's position without a
   * gap (seq = position + 1): the crossbar hands every shard every record, with only the writes
   * that shard owns (possibly none), so positions advance alike on all shards. Applied records
   * are readable at once but reach SQLite (with their positions) in batches: a memtable flushed
   * after `memtableWritesMax` writes, `memtableBytesMax` bytes or `flushMs`, before a scan, and by `makeDurable` and `close`;
   * a crash loses the memtable, which the journals replay from the stored positions. A flush
   * SQLite refuses (a full disk) throws nothing: see `writeFailure`.
   */
  apply(records: readonly ShardRecord[], frontierTs: HlcTimestamp): void
  /**
   * Whether the crossbar may take more records for this shard: false while a write fails and the
   * memtable holds `memtableWritesMax` writes or `memtableBytesMax` bytes or more. A cluster's crossbar then applies no
   * records, only frontiers below the first it holds (its queues, bounded, hold what comes), so
   * the memtable stays within `memtableWritesMax` plus what one merge pass hands over (at most the
   * crossbar's pending bound). One region's crossbar applies on (`CrossbarOptions.assignedTsMax`):
   * the region appends nothing while a shard cannot write, so the memtable grows past its bound
   * only by what the journals held beyond the shard's positions when the failure began.
   */
  canApply(): boolean
  /**
   * Why this shard cannot write to SQLite now, or undefined while it can: SqlError 53100 when the
   * disk is full (SQLITE_FULL), 58030 for another I/O error. Set by a flush, checkpoint or GC step
   * that failed (rolled back: memory and SQLite still agree); an AssertionError or any other error
   * is not caught. Meanwhile applied records stay in the memtable (reads and scans see them),
   * nothing else writes (no flush per apply, no GC step, `makeDurable` returns the positions
   * durable before), and every WRITE_RETRY_MS a retry flushes and checkpoints; it ends once both
   * succeed. The region reports it (health, one log line) and refuses commits meanwhile.
   */
  writeFailure(): SqlError | undefined
  /** Calls `listener` synchronously whenever `writeFailure()` begins or ends (the write that
   * failed, the retry that succeeded): the region keeps a count of its failing writers with it, so
   * a commit reads one number. One listener; another replaces it. */
  watchWriteFailure(listener: () => void): void
  /** The last applied `seq` of each journal (0 when none). */
  appliedPositions(): ReadonlyMap<string, number>
  /**
   * Makes everything applied so far durable (writes positions kept only in memory, then a WAL
   * checkpoint, which fsyncs) and returns the journal positions that now survive a power loss.
   * An in-memory shard survives nothing: it returns no positions. The crossbar truncates journals
   * only below what every shard returned here.
   */
  makeDurable(): ReadonlyMap<string, number>
  /**
   * Forgets the positions of journals never followed again (a retired journal generation's,
   * ARCHITECTURE.md "Hand-back"), so that what a shard keeps and writes per journal follows the
   * journals still merged. At once in memory, in SQLite without a sync: a crash may bring the
   * positions back, to be forgotten again. Only for journals no crossbar will follow: one that
   * did would replay them from their start.
   */
  forgetPositions(journalIds: readonly string[]): void
  /**
   * One bounded step of garbage collection at the horizon `belowTs` (capped at the frontier:
   * nothing unapplied is judged; no reader may be below it). Writes the memtable to SQLite first.
   * Version collection: reads the next `versionsMax` versions of a pass over the key space (which
   * wraps around) and deletes those no reader at or above the horizon can see: a version older
   * than a newer one at or below the horizon, or a tombstone at or below it with everything older
   * (a tombstone whose versions span two steps waits for the next pass, so an interruption never
   * leaves older versions uncovered). Once a pass ends with nothing left to collect, steps skip
   * version collection until the horizon reaches the oldest version that pass read above its
   * horizon or the oldest write applied since it began (nothing can turn garbage before).
   * Dead ranges: for garbage entries (see `garbageKey`) committed at or below the horizon and
   * `deadBelowTs`, deletes up to `deadRowsMax` rows of the ranges they name, and each entry in
   * the SQLite transaction that empties its range. A step with nothing due runs no statement.
   * Called by the region on a timer; not journaled (every region collects its own storage).
   */
  gc(belowTs: HlcTimestamp, options?: GcOptions): GcStep
  /** Writes the memtable to SQLite, then closes; pending frontier waits fail with 57P03. With
   * `flush: false` the memtable is dropped, as a crash drops it (tests, simulator). */
  close(options?: { readonly flush?: boolean }): void
}

/** Bounds of one garbage-collection step (defaults in constants.ts). */
export interface GcOptions {
  readonly versionsMax?: number
  readonly deadRowsMax?: number
  /**
   * Only garbage entries committed at or below this (and the horizon) have their ranges deleted;
   * default: the horizon. A range is deleted once, so every write to it must be applied first:
   * the caller puts this below the commitTs of every commit still to come that may write there
   * (one that read the definition before the change and commits after it).
   */
  readonly deadBelowTs?: HlcTimestamp
}

/** What one garbage-collection step did. */
export interface GcStep {
  /** Versions the version pass read (at most `versionsMax` + 1: one row of lookahead). */
  readonly versionsExamined: number
  readonly versionsRemoved: number
  /** Rows of dead ranges deleted (at most `deadRowsMax`). */
  readonly deadRowsRemoved: number
  /** Garbage entries removed because their range is empty. */
  readonly deadRangesFinished: number
  /** No pass over the key space is in progress after this step: it finished one, or none was
   * due (nothing can have become garbage since the last pass). */
  readonly passEnded: boolean
}

/** Configuration of a SQLite shard. */
export interface SqliteShardOptions {
  readonly id: number
  /** A file path, or ':memory:' (tests, simulator). */
  readonly path: string
  readonly timers: Timers
  /** Rows read from SQLite per page of a scan. */
  readonly scanPageRows?: number
  /** The SQLite binding: `bun:sqlite` or `node:sqlite`. Default: `bun` on Bun, else `node`. */
  readonly driver?: SqliteDriverName
  /** Applied writes held in memory before they are written to SQLite in one transaction. */
  readonly memtableWritesMax?: number
  /** The same bound in bytes of keys and values. */
  readonly memtableBytesMax?: number
  /** The longest an applied write stays in memory only, in ms. */
  readonly flushMs?: number
  /** Keys whose newest version is kept for point reads (0 turns the cache off). */
  readonly rowCacheEntriesMax?: number
  /** Bytes of keys and values that cache holds at most. */
  readonly rowCacheBytesMax?: number
  /** Opens the SQLite database at `path` (default: the `driver` binding's). Tests wrap the real
   * one to make its writes fail as a full disk does. */
  readonly openDatabase?: (path: string) => SqliteDatabase
  /** The disk of a file shard's directory: given, the shard syncs its SQLite WAL through it in
   * the background after its writes, so SQLite's checkpoints (which sync the WAL on the caller's
   * thread) find little left to sync. */
  readonly disk?: Disk
}

export type { SqliteDatabase, SqliteDriverName }
/** The SQLite bindings this runtime offers, the default first (tests run shards on each). */
export { sqliteDrivers } from './sqlite-adapter.ts'

/** Maps a key to the index of the shard that owns it. */
export type ShardOf = (key: Key) => number

/**
 * All shards of a region behind one reader: routes point reads by key and merges range scans
 * across shards (k-way merge by key, honouring `reverse` and `limit`). What the query processor
 * reads from. `waitForFrontier` waits for every shard; `frontier()` is the minimum over shards.
 * Asserts that every key comes from one shard only.
 */
export { ShardedStorage } from './sharded-storage.ts'

/**
 * Opens (creating if needed) a shard on `node:sqlite` or `bun:sqlite`, whichever the runtime has.
 * A file shard reopens with its rows, applied positions and frontier. Reads are synchronous SQLite
 * calls with cached prepared statements; scans page `scanPageRows` keys at a time. Raises 57014
 * (wait timed out), 53000 (too many waiting reads) and 57P03 (shard closed) from
 * `waitForFrontier`; asserts on reads above the frontier and on out-of-order or gapped applies.
 */
export { openSqliteShard } from './sqlite-shard.ts'
/** For tests of components above storage (crossbar, region): SQLite databases a test fills and
 * frees, given to a shard through `openDatabase`, as SimDisk is the disk's fault injector. */
export { FillableSqlite } from './fillable-sqlite.harness.ts'

/**
 * Garbage entries: `garbageKey(prefix)` is the key of an entry (in the reserved table
 * GARBAGE_TABLE_ID) naming every key that starts with `prefix`, e.g. `encodeKey([tableId])` of a
 * dropped table or `encodeKey([tableId, indexId])` of a dropped index. The query processor writes
 * one in the transaction that makes such a range unreachable to later snapshots; `tableShardOf`
 * places it in the shard of the keys it names, and that shard's `gc` deletes the range and then
 * the entry once no reader can be older than the commit. `GARBAGE_RANGE` holds every entry.
 */
export { GARBAGE_TABLE_ID, GARBAGE_RANGE, garbageKey, garbagePrefixOf } from './garbage-key.ts'

/**
 * The default key-range partitioning: keys are `encodeKey([tableId, indexId, ...])`, and a whole
 * table (all its indexes) lives in shard `tableId mod shardCount`. Ranges never split a table.
 * Garbage entries are the one exception to routing by the first part: an entry lives in the shard
 * of the range it names.
 */
export { tableShardOf } from './table-shard-of.ts'
