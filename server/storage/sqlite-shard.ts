// One storage shard on SQLite (ARCHITECTURE.md "storage", steps 2 and 5): MVCC versions
// `(key, commitTs) -> value | tombstone`, read at a timestamp, written only by the crossbar.
import type { HlcTimestamp, TimerHandle, Timers } from '../clock/index.ts'
import { assert, cannotConnectNow, diskFull, SqlError } from '../errors/index.ts'
import { decodeKeyPrefix, prefixEnd, type Key } from '../encoding/index.ts'
import {
  GC_DEAD_ROWS_PER_STEP,
  GC_ENTRIES_PER_STEP,
  GC_VERSIONS_PER_STEP,
  MEMTABLE_FLUSH_MS,
  ROW_CACHE_BYTES_MAX,
  ROW_CACHE_ENTRIES_MAX,
  MEMTABLE_BYTES_MAX,
  MEMTABLE_WRITES_MAX,
  POSITION_LAG_MAX,
  SCAN_PAGE_ROWS_DEFAULT,
  SCAN_PAGE_ROWS_MAX,
  WRITE_RETRY_MS,
} from './constants.ts'
import { FrontierWaiters } from './frontier-waiters.ts'
import { GARBAGE_RANGE, GARBAGE_TABLE_ID, garbagePrefixOf } from './garbage-key.ts'
import type {
  GcOptions,
  GcStep,
  KeyRange,
  KeyValue,
  ScanOptions,
  ShardRecord,
  SqliteShardOptions,
  StorageShard,
} from './index.ts'
import {
  openSqlite,
  sqliteWriteFailure,
  type SqliteDatabase,
  type SqliteStatement,
} from './sqlite-adapter.ts'
import { WalPresync } from './wal-presync.ts'

// WAL with synchronous=NORMAL may lose the last transactions on power loss (never corrupts).
// That is sound here because the journal, not storage, is the durable source: the applied
// journal positions are written in the same transaction as the rows, so whatever a crash loses
// is lost together with its positions, and the crossbar replays it from the journal on restart.
// One process owns a shard: exclusive locking keeps the WAL index in this process's memory (no
// file-lock system calls on every read transaction) and makes a second process that opens the
// same region's files fail ('database is locked') instead of writing beside the first.
const SCHEMA = `
  PRAGMA locking_mode = EXCLUSIVE;
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = NORMAL;
  PRAGMA cache_size = -65536;
  PRAGMA mmap_size = 268435456;
  PRAGMA reverse_unordered_selects = OFF;
  CREATE TABLE IF NOT EXISTS mvcc (
    key TEXT NOT NULL,
    ts INTEGER NOT NULL,
    value TEXT,
    PRIMARY KEY (key, ts DESC)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS positions (
    journal TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT OR IGNORE INTO meta (name, value) VALUES ('frontier', 0);
`

/** Shards written before versions were kept newest first had them in table `versions`. */
const MIGRATE_VERSIONS = `
  INSERT INTO mvcc (key, ts, value) SELECT key, ts, value FROM versions;
  DROP TABLE versions;
`

/** Opens (creating if needed) a shard on `node:sqlite` or `bun:sqlite`. */
export function openSqliteShard(options: SqliteShardOptions): StorageShard {
  return new SqliteShard(options)
}

interface Statements {
  readonly get: SqliteStatement
  readonly scanForward: SqliteStatement
  readonly scanReverse: SqliteStatement
  readonly insert: SqliteStatement
  readonly setPosition: SqliteStatement
  readonly deletePosition: SqliteStatement
  readonly setFrontier: SqliteStatement
  readonly checkpoint: SqliteStatement
  readonly gcRestOfKey: SqliteStatement
  readonly gcAfterKey: SqliteStatement
  readonly gcVersionIn: SqliteStatement
  readonly gcDelete: SqliteStatement
  readonly garbageEntries: SqliteStatement
  readonly deadRows: SqliteStatement
  readonly deleteRange: SqliteStatement
  readonly deleteRangeThrough: SqliteStatement
  readonly deleteKey: SqliteStatement
  readonly storedBytes: SqliteStatement
}

/** A step with nothing to do. */
const IDLE_STEP: GcStep = {
  versionsExamined: 0,
  versionsRemoved: 0,
  deadRowsRemoved: 0,
  deadRangesFinished: 0,
  passEnded: true,
}

/** A version as the version pass reads it. */
interface GcRow {
  readonly key: Key
  readonly ts: HlcTimestamp
  /** A tombstone. */
  readonly dead: boolean
}

/** Where the version pass stands: the last version it read, in primary-key order. */
interface GcCursor {
  readonly key: Key
  readonly ts: HlcTimestamp
}

// `max(ts)` with bare columns: SQLite takes `value` from the row holding the maximum, and the
// GROUP BY walks the primary key in order, so a page stops after `limit` keys.
const SCAN_SELECT =
  'SELECT key, value, max(ts) AS ts FROM mvcc' +
  ' WHERE key >= ? AND key < ? AND ts <= ? GROUP BY key'

/** A version in the memtable; `value` null is a tombstone. */
interface MemVersion {
  readonly ts: HlcTimestamp
  readonly value: string | null
}

/** A key's memtable version as a scan merges it; `value` null is a tombstone. */
interface MemRow {
  readonly key: Key
  readonly value: string | null
}

/** Where GC's passes stand (SqliteShard `#gcState`). */
interface GcState {
  readonly cursor: GcCursor | undefined
  readonly dueTs: HlcTimestamp
  readonly aboveTs: HlcTimestamp
  readonly leftGarbage: boolean
  readonly writtenTs: HlcTimestamp
  readonly garbagePending: boolean
  readonly garbageCursor: Key | undefined
}

class SqliteShard implements StorageShard {
  readonly id: number
  readonly #db: SqliteDatabase
  readonly #statements: Statements
  readonly #waiters: FrontierWaiters
  readonly #pageRows: number
  readonly #positions = new Map<string, number>()
  /** The positions as last written to SQLite (at or below #positions). */
  readonly #storedPositions = new Map<string, number>()
  /** The positions known to survive a power loss (at or below #storedPositions). */
  #durablePositions = new Map<string, number>()
  readonly #inMemory: boolean
  /** Per table, the commitTs of the newest version applied since open (see lastWriteTs). */
  readonly #tableWriteTs = new Map<bigint, HlcTimestamp>()
  /** The memtable: applied records with writes not yet in SQLite, and their versions by key
   * (oldest first; every one is newer than any version of the key in SQLite). */
  #memRecords: ShardRecord[] = []
  readonly #memVersions = new Map<Key, MemVersion[]>()
  #memWrites = 0
  readonly #memWritesMax: number
  /** Characters of the memtable's keys and values. */
  #memBytes = 0
  readonly #memBytesMax: number
  readonly #flushMs: number
  readonly #timers: Timers
  #flushTimer: TimerHandle | undefined
  /** Everything applied before this process opened the shard is at or below this. */
  #openedFrontier: HlcTimestamp
  #frontier: HlcTimestamp
  #closed = false
  /**
   * The newest version of keys read from SQLite lately (the hot set of point reads): an entry is
   * the newest version the shard holds, because it was read at the frontier and every apply that
   * writes its key deletes it. A point read at or above the entry's ts is answered from here
   * without a statement (about 1.5 µs of a point select). Bounded by entries and bytes; the oldest
   * entries go first.
   */
  readonly #newest = new Map<Key, MemVersion>()
  #newestBytes = 0
  readonly #newestEntriesMax: number
  readonly #newestBytesMax: number
  /** The version pass: undefined between passes. */
  #gcCursor: GcCursor | undefined
  /**
   * When the next pass is due. A version can only become garbage at horizon H when some version
   * (itself or a newer one of its key) has a commitTs above the horizon it was last judged at and
   * at or below H. So after a pass that left nothing, none is due until the horizon reaches the
   * oldest such version: the oldest version the pass read above its step's horizon, or the oldest
   * write applied since the pass began (`#gcWrittenTs`).
   */
  #gcDueTs: HlcTimestamp = Number.NEGATIVE_INFINITY
  /** During a pass: the oldest version read above its step's horizon, and whether a tombstone
   * was left for the next pass. */
  #gcAboveTs: HlcTimestamp = Number.POSITIVE_INFINITY
  #gcLeftGarbage = false
  /** The oldest commitTs applied with writes since the current (or last) pass began. */
  #gcWrittenTs: HlcTimestamp = Number.POSITIVE_INFINITY
  /** Whether the shard may hold garbage entries (false once a step found none, until an apply
   * writes one): an idle step then costs no SQLite statement. */
  #garbagePending = true
  /** Garbage entries are read in pages after this key, wrapping around (undefined: from the
   * first): entries not yet due must not keep later ones from ever being reached. */
  #garbageCursor: Key | undefined
  /** Why the last write to SQLite failed (a full disk, an I/O error), until a retry succeeds. */
  #writeFailure: SqlError | undefined
  /** The next retry of a failed write (a flush, then a checkpoint). */
  #retryTimer: TimerHandle | undefined
  /** Told when the write failure begins or ends (`watchWriteFailure`). */
  #failureListener: (() => void) | undefined
  /** A file shard's background sync of its WAL after writes (undefined without a disk). */
  readonly #walPresync: WalPresync | undefined

  constructor(options: SqliteShardOptions) {
    this.id = options.id
    this.#inMemory = options.path === ':memory:'
    this.#pageRows = options.scanPageRows ?? SCAN_PAGE_ROWS_DEFAULT
    const rows = this.#pageRows
    assert(
      Number.isInteger(rows) && rows >= 1 && rows <= SCAN_PAGE_ROWS_MAX,
      `bad scanPageRows ${rows}`,
    )
    this.#db = options.openDatabase?.(options.path) ?? openSqlite(options.path, options.driver)
    try {
      this.#db.exec(SCHEMA)
      const old = "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'versions'"
      if (this.#db.prepare(old).get() != null) this.#db.transaction(() => this.#db.exec(MIGRATE_VERSIONS))
    } catch (e) {
      this.#db.close()
      if (/locked|busy/i.test(String((e as Error).message))) {
        throw new SqlError('55006', `storage shard ${options.path} is in use by another process`, {
          hint: 'is another tessera region running on this data directory?',
          cause: e,
        })
      }
      if (sqliteWriteFailure(e) === 'full') {
        throw diskFull(`could not open storage shard ${options.path}`, { cause: e })
      }
      throw e
    }
    this.#statements = {
      // The first row in primary-key order is the newest version at or below ts. No ORDER BY:
      // with it SQLite 3.54 spends 2.4 µs more per read (3.2 against 0.8) for the same plan, and
      // without it rows come in index order (reverse_unordered_selects is off; the MVCC tests
      // would see the oldest version otherwise).
      get: this.#db.prepare('SELECT ts, value FROM mvcc WHERE key = ? AND ts <= ? LIMIT 1'),
      scanForward: this.#db.prepare(`${SCAN_SELECT} ORDER BY key LIMIT ?`),
      scanReverse: this.#db.prepare(`${SCAN_SELECT} ORDER BY key DESC LIMIT ?`),
      insert: this.#db.prepare('INSERT OR REPLACE INTO mvcc (key, ts, value) VALUES (?, ?, ?)'),
      setPosition: this.#db.prepare(
        'INSERT OR REPLACE INTO positions (journal, seq) VALUES (?, ?)',
      ),
      deletePosition: this.#db.prepare('DELETE FROM positions WHERE journal = ?'),
      setFrontier: this.#db.prepare("UPDATE meta SET value = ? WHERE name = 'frontier'"),
      checkpoint: this.#db.prepare('PRAGMA wal_checkpoint(TRUNCATE)'),
      // The version pass reads in primary-key order (key, then newest first), so the versions of
      // a key come together and the first one at or below the horizon is the one readers see.
      gcRestOfKey: this.#db.prepare(
        'SELECT ts, value IS NULL AS dead FROM mvcc WHERE key = ? AND ts < ?' +
          ' ORDER BY key, ts DESC LIMIT ?',
      ),
      gcAfterKey: this.#db.prepare(
        'SELECT key, ts, value IS NULL AS dead FROM mvcc WHERE key > ?' +
          ' ORDER BY key, ts DESC LIMIT ?',
      ),
      gcVersionIn: this.#db.prepare(
        'SELECT 1 AS found FROM mvcc WHERE key = ? AND ts >= ? AND ts <= ? LIMIT 1',
      ),
      gcDelete: this.#db.prepare('DELETE FROM mvcc WHERE key = ? AND ts <= ? AND ts >= ?'),
      garbageEntries: this.#db.prepare(
        'SELECT key, ts, value IS NULL AS dead FROM mvcc WHERE key >= ? AND key < ?' +
          ' ORDER BY key, ts DESC LIMIT ?',
      ),
      deadRows: this.#db.prepare(
        'SELECT key, ts FROM mvcc WHERE key >= ? AND key < ? ORDER BY key, ts DESC LIMIT ?',
      ),
      deleteRange: this.#db.prepare('DELETE FROM mvcc WHERE key >= ? AND key < ?'),
      // Every row up to and including (?2, ?3) in primary-key order; the bound on key keeps
      // SQLite's walk within the range (an upper bound only inside the OR would not).
      deleteRangeThrough: this.#db.prepare(
        'DELETE FROM mvcc WHERE key >= ?1 AND key <= ?2 AND (key < ?2 OR ts >= ?3)',
      ),
      deleteKey: this.#db.prepare('DELETE FROM mvcc WHERE key = ?'),
      // octet_length, not length: length counts a TEXT value's characters, so it decodes every
      // value, while octet_length reads the size from the record header. A tombstone's NULL
      // value costs nothing; total() is 0.0 over no rows where sum() is NULL.
      storedBytes: this.#db.prepare(
        'SELECT total(octet_length(key) + coalesce(octet_length(value), 0)) AS bytes' +
          ' FROM mvcc WHERE key >= ? AND key < ? AND ts <= ?',
      ),
    }
    const frontier = this.#db.prepare("SELECT value FROM meta WHERE name = 'frontier'").get()
    this.#frontier = Number(frontier?.value ?? 0)
    this.#openedFrontier = this.#frontier
    for (const row of this.#db.prepare('SELECT journal, seq FROM positions').all()) {
      this.#positions.set(String(row.journal), Number(row.seq))
      this.#storedPositions.set(String(row.journal), Number(row.seq))
    }
    this.#waiters = new FrontierWaiters(options.timers)
    this.#timers = options.timers
    this.#memWritesMax = options.memtableWritesMax ?? MEMTABLE_WRITES_MAX
    this.#memBytesMax = options.memtableBytesMax ?? MEMTABLE_BYTES_MAX
    this.#flushMs = options.flushMs ?? MEMTABLE_FLUSH_MS
    assert(this.#memWritesMax >= 1 && this.#memBytesMax >= 1 && this.#flushMs >= 0, 'bad memtable limits')
    this.#walPresync = options.disk === undefined || this.#inMemory ? undefined : new WalPresync(options.disk, `${options.path}-wal`)
    this.#newestEntriesMax = options.rowCacheEntriesMax ?? ROW_CACHE_ENTRIES_MAX
    this.#newestBytesMax = options.rowCacheBytesMax ?? ROW_CACHE_BYTES_MAX
    assert(this.#newestEntriesMax >= 0 && this.#newestBytesMax >= 0, 'bad row cache limits')
  }

  waitForFrontier(ts: HlcTimestamp, timeoutMs: number): Promise<void> {
    if (ts <= this.#frontier) return Promise.resolve()
    if (this.#closed) return Promise.reject(cannotConnectNow(`storage shard ${this.id} is closed`))
    return this.#waiters.wait(ts, timeoutMs, this.id)
  }

  get(key: Key, ts: HlcTimestamp): string | undefined {
    this.#assertReadable(ts)
    if (this.#memWrites > 0) {
      const versions = this.#memVersions.get(key)
      if (versions !== undefined) {
        for (let i = versions.length - 1; i >= 0; i--) {
          const version = versions[i] as MemVersion
          if (version.ts <= ts) return version.value ?? undefined
        }
        // Every version in memory is above ts: the answer is in SQLite, and SQLite's newest
        // version is not the shard's newest, so it is not remembered.
        return this.#read(key, ts)
      }
    }
    const newest = this.#newest.get(key)
    // A remembered key is the newest version: at an older snapshot the answer is an older one.
    if (newest !== undefined) return newest.ts <= ts ? (newest.value ?? undefined) : this.#read(key, ts)
    // Read at the frontier: no version lies between the newest one and the frontier, so when the
    // newest is at or below ts it is the answer, and it stays the newest until an apply writes
    // the key (which forgets it).
    const row = this.#statements.get.get(key, this.#frontier)
    if (row == null) return undefined
    const version = { ts: row.ts as number, value: row.value as string | null }
    this.#remember(key, version)
    return version.ts <= ts ? (version.value ?? undefined) : this.#read(key, ts)
  }

  /** The value of `key` at `ts` in SQLite alone. */
  #read(key: Key, ts: HlcTimestamp): string | undefined {
    const row = this.#statements.get.get(key, ts)
    return row == null || row.value === null ? undefined : (row.value as string)
  }

  #remember(key: Key, version: MemVersion): void {
    const bytes = key.length + (version.value?.length ?? 0)
    if (bytes > this.#newestBytesMax || this.#newestEntriesMax === 0) return
    // Counted once per key: a second entry would count its bytes twice and never give them back.
    if (this.#newest.has(key)) assert(false, `row cache already holds ${key}`)
    this.#newest.set(key, version)
    this.#newestBytes += bytes
    while (this.#newest.size > this.#newestEntriesMax || this.#newestBytes > this.#newestBytesMax) {
      const oldest = this.#newest.entries().next()
      if (oldest.done) break
      this.#forget(oldest.value[0])
    }
  }

  #forget(key: Key): void {
    const version = this.#newest.get(key)
    if (version === undefined) return
    this.#newest.delete(key)
    this.#newestBytes -= key.length + (version.value?.length ?? 0)
  }

  scan(range: KeyRange, ts: HlcTimestamp, options: ScanOptions = {}): Iterable<KeyValue> {
    this.#assertReadable(ts)
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    assert(limit >= 0, `bad scan limit ${limit}`)
    // Scans read SQLite only. Versions applied after this call lie above the frontier, so
    // above `ts`: the pages read later need no further flush. While SQLite cannot be written,
    // the memtable is merged into the pages instead.
    const reverse = options.reverse === true
    if (this.#memWrites > 0 && (this.#writeFailure !== undefined || !this.#tryFlush())) {
      return this.#pagesWithMemtable(range, ts, limit, reverse)
    }
    return this.#pages(range, ts, limit, reverse)
  }

  /**
   * A scan while the memtable cannot be written to SQLite: SQLite's pages merged with the
   * memtable's versions at `ts`, the memtable's winning for a key it holds one of (every version
   * there is newer than any of the key in SQLite). Costs a sort of the memtable's keys in the
   * range, which only a shard that cannot write pays.
   */
  *#pagesWithMemtable(range: KeyRange, ts: HlcTimestamp, limit: number, reverse: boolean): Generator<KeyValue> {
    if (limit <= 0) return
    const mem = this.#memtableAt(range, ts, reverse)
    const ahead = (a: Key, b: Key) => (reverse ? a > b : a < b)
    let left = limit
    let i = 0
    for (const row of this.#pages(range, ts, Number.POSITIVE_INFINITY, reverse)) {
      for (; i < mem.length && ahead((mem[i] as MemRow).key, row.key); i++) {
        const m = mem[i] as MemRow
        if (m.value === null) continue
        yield { key: m.key, value: m.value }
        if (--left === 0) return
      }
      let out: KeyValue | undefined = row
      if (i < mem.length && (mem[i] as MemRow).key === row.key) {
        const m = mem[i++] as MemRow
        out = m.value === null ? undefined : { key: m.key, value: m.value }
      }
      if (out === undefined) continue
      yield out
      if (--left === 0) return
    }
    for (; i < mem.length; i++) {
      const m = mem[i] as MemRow
      if (m.value === null) continue
      yield { key: m.key, value: m.value }
      if (--left === 0) return
    }
  }

  /** The memtable's newest version at or below `ts` of each key in `range` (null: deleted), in
   * key order (descending when `reverse`). */
  #memtableAt(range: KeyRange, ts: HlcTimestamp, reverse: boolean): MemRow[] {
    const rows: MemRow[] = []
    for (const [key, versions] of this.#memVersions) {
      if (key < range.start || key >= range.end) continue
      for (let v = versions.length - 1; v >= 0; v--) {
        const version = versions[v] as MemVersion
        if (version.ts > ts) continue
        rows.push({ key, value: version.value })
        break
      }
    }
    const sign = reverse ? -1 : 1
    return rows.sort((a, b) => (a.key < b.key ? -sign : sign))
  }

  /** Pages of at most `#pageRows` keys; each page resumes after the last key of the previous one
   * (tombstones included, so a page of only deleted keys still makes progress). */
  *#pages(range: KeyRange, ts: HlcTimestamp, limit: number, reverse: boolean): Generator<KeyValue> {
    let { start, end } = range
    let left = limit
    while (left > 0 && start < end) {
      const statement = reverse ? this.#statements.scanReverse : this.#statements.scanForward
      const rows = statement.all(start, end, ts, this.#pageRows)
      for (const row of rows) {
        if (row.value === null) continue
        yield { key: row.key as string, value: row.value as string }
        if (--left === 0) return
      }
      if (rows.length < this.#pageRows) return
      const last = (rows[rows.length - 1] as { key: string }).key
      // Keys are whole bytes of hex, so the next possible key after `last` is `last + '00'`.
      if (reverse) end = last
      else start = last + '00'
    }
  }

  apply(records: readonly ShardRecord[], frontierTs: HlcTimestamp): void {
    // Checks on this path (every begin, every record) build their messages only when they fail.
    if (this.#closed) assert(false, `apply on closed storage shard ${this.id}`)
    if (frontierTs < this.#frontier) {
      assert(false, `frontier of shard ${this.id} would move back from ${this.#frontier} to ${frontierTs}`)
    }
    if (records.length === 0) {
      // A frontier-only advance: every transaction's begin asks for one.
      this.#frontier = frontierTs
      this.#waiters.wake(frontierTs)
      return
    }
    // Checked whole first, so a failed apply changes nothing.
    const changed = new Map<string, number>()
    const writing: ShardRecord[] = []
    let lastTs = this.#frontier
    for (const record of records) {
      const position = changed.get(record.journalId) ?? this.#positions.get(record.journalId) ?? 0
      if (record.seq <= position) continue
      this.#checkRecord(record, position, lastTs, frontierTs)
      lastTs = record.commitTs
      changed.set(record.journalId, record.seq)
      if (record.writes.length > 0) writing.push(record)
    }
    // Applied in memory (the memtable); SQLite gets them in one transaction per flush. That is
    // sound because the journal, not storage, is the durable source: the positions written with
    // the rows cover exactly what was flushed, and a restart replays the rest from the journal.
    for (const record of writing) {
      this.#memRecords.push(record)
      for (const write of record.writes) {
        if (this.#newest.size > 0) this.#forget(write.key)
        const versions = this.#memVersions.get(write.key)
        const version = { ts: record.commitTs, value: write.value }
        if (versions === undefined) this.#memVersions.set(write.key, [version])
        else versions.push(version)
        const tableId = tableIdOf(write.key)
        this.#tableWriteTs.set(tableId, record.commitTs)
        if (tableId === GARBAGE_TABLE_ID) this.#garbagePending = true
        this.#memBytes += write.key.length + (write.value?.length ?? 0)
      }
      this.#memWrites += record.writes.length
      if (this.#gcWrittenTs === Number.POSITIVE_INFINITY) this.#gcWrittenTs = record.commitTs
    }
    for (const [journal, seq] of changed) this.#positions.set(journal, seq)
    this.#frontier = frontierTs
    // While a write fails only the retry writes (see `canApply` for what bounds the memtable).
    if (this.#writeFailure === undefined) {
      if (this.#memtableFull() || this.#storedLagging(changed)) this.#tryFlush()
      else if (this.#memWrites > 0 && this.#flushTimer === undefined) {
        this.#flushTimer = this.#timers.setTimeout(() => {
          this.#flushTimer = undefined
          if (!this.#closed && this.#writeFailure === undefined) this.#tryFlush()
        }, this.#flushMs)
      }
    }
    this.#waiters.wake(frontierTs)
  }

  canApply(): boolean {
    return this.#writeFailure === undefined || !this.#memtableFull()
  }

  #memtableFull(): boolean {
    return this.#memWrites >= this.#memWritesMax || this.#memBytes >= this.#memBytesMax
  }

  writeFailure(): SqlError | undefined {
    return this.#writeFailure
  }

  watchWriteFailure(listener: () => void): void {
    this.#failureListener = listener
  }

  /** Flushes the memtable; false when SQLite refused the write (recorded, retried later). */
  #tryFlush(): boolean {
    try {
      this.#flush()
      return true
    } catch (e) {
      this.#failed(e)
      return false
    }
  }

  /**
   * Records a write SQLite refused because of the disk (the transaction was rolled back, so
   * memory and SQLite still agree) and schedules the retry; anything else is a bug and goes on.
   */
  #failed(error: unknown): void {
    const kind = sqliteWriteFailure(error)
    if (kind === undefined) throw error
    this.#writeFailure =
      kind === 'full'
        ? diskFull(`could not write storage shard ${this.id}`, {
            hint: 'Free disk space: storage writes again within a second once it can (nothing acknowledged was lost).',
            cause: error,
          })
        : new SqlError('58030', `could not write storage shard ${this.id}: ${(error as Error).message}`, { cause: error })
    this.#failureListener?.()
    if (this.#retryTimer === undefined && !this.#closed) {
      this.#retryTimer = this.#timers.setTimeout(() => this.#retryWrites(), WRITE_RETRY_MS)
    }
  }

  /** The retry of a failed write: a flush, then a checkpoint (the writes a shard does); the
   * failure ends once both succeed. */
  #retryWrites(): void {
    this.#retryTimer = undefined
    if (this.#closed || !this.#flushAndCheckpoint()) return
    this.#writeFailure = undefined
    this.#failureListener?.()
  }

  /** Flushes the memtable and (a file shard) checkpoints; false when either failed (recorded by
   * #failed). */
  #flushAndCheckpoint(): boolean {
    if (!this.#tryFlush()) return false
    if (this.#inMemory) return true
    try {
      this.#checkpoint()
      return true
    } catch (e) {
      this.#failed(e)
      return false
    }
  }

  /** A WAL checkpoint (TRUNCATE: it syncs the WAL, then the database file); when it completes,
   * everything flushed is durable. Throws what SQLite throws. */
  #checkpoint(): void {
    // In WAL mode with synchronous=NORMAL a completed checkpoint has synced the WAL and then the
    // database file; a checkpoint that could not finish promises nothing new.
    const result = this.#statements.checkpoint.get() as { busy: number } | undefined
    if (result === undefined || result.busy !== 0) return
    this.#durablePositions = new Map(this.#storedPositions)
  }

  /**
   * Writes the memtable, the positions that moved and the frontier in one SQLite transaction.
   * Records without writes for this shard (every shard sees every record) only move positions:
   * they are written here too, and a replay after a crash re-applies them from the older stored
   * position, which changes nothing.
   */
  #flush(): void {
    this.#flushTimer?.cancel()
    this.#flushTimer = undefined
    const records = this.#memRecords
    this.#db.transaction(() => {
      for (const record of records) {
        for (const write of record.writes) {
          this.#statements.insert.run(write.key, record.commitTs, write.value)
        }
      }
      for (const [journal, seq] of this.#positions) {
        if (this.#storedPositions.get(journal) !== seq) this.#statements.setPosition.run(journal, seq)
      }
      this.#statements.setFrontier.run(this.#frontier)
    })
    this.#memRecords = []
    this.#memVersions.clear()
    this.#memWrites = 0
    this.#memBytes = 0
    for (const [journal, seq] of this.#positions) this.#storedPositions.set(journal, seq)
    this.#walPresync?.afterWrite()
  }

  /** Whether some journal's stored position fell more than POSITION_LAG_MAX behind, which would
   * make a restart replay that much journal for nothing. */
  #storedLagging(changed: ReadonlyMap<string, number>): boolean {
    for (const [journal, seq] of changed) {
      if (seq - (this.#storedPositions.get(journal) ?? 0) > POSITION_LAG_MAX) return true
    }
    return false
  }

  #checkRecord(
    record: ShardRecord,
    position: number,
    lastTs: HlcTimestamp,
    frontierTs: HlcTimestamp,
  ): void {
    // Positions are contiguous because the crossbar hands every shard every record (with only
    // the writes it owns, possibly none): a gap means a lost record. (Per record, so the
    // messages are built only when a check fails.)
    if (record.seq !== position + 1) {
      assert(false, `shard ${this.id}: journal ${record.journalId} seq ${record.seq} after position ${position}`)
    }
    if (record.commitTs <= this.#frontier) {
      assert(false, `shard ${this.id}: record at ${record.commitTs} at or below the frontier ${this.#frontier}`)
    }
    if (record.commitTs < lastTs) assert(false, `shard ${this.id}: records out of commitTs order`)
    if (record.commitTs > frontierTs) assert(false, `shard ${this.id}: record above the new frontier`)
  }

  forgetPositions(journalIds: readonly string[]): void {
    assert(!this.#closed, `forgetPositions on closed storage shard ${this.id}`)
    const known = journalIds.filter((id) => this.#positions.has(id) || this.#storedPositions.has(id))
    if (known.length === 0) return
    try {
      this.#db.transaction(() => {
        for (const id of known) this.#statements.deletePosition.run(id)
      })
    } catch (e) {
      // Forgotten in memory all the same: rows left in SQLite are forgotten again at the next
      // open, as the ones a crash brings back are (the region forgets retired journals there).
      this.#failed(e)
    }
    for (const id of known) {
      this.#positions.delete(id)
      this.#storedPositions.delete(id)
      this.#durablePositions.delete(id)
    }
  }

  makeDurable(): ReadonlyMap<string, number> {
    assert(!this.#closed, `makeDurable on closed storage shard ${this.id}`)
    // While a write fails the retry does the writing; nothing new is durable until it succeeds.
    if (this.#writeFailure === undefined) this.#flushAndCheckpoint()
    return this.#inMemory ? new Map() : new Map(this.#durablePositions)
  }

  /**
   * One aggregate over the primary key's range in SQLite plus the memtable's versions there. The
   * SQLite part walks every version of the range (a WITHOUT ROWID table: the rows are the b-tree's
   * leaves) with the pages in cache: 100k versions of about 60 bytes took 6 to 8 ms on the
   * development machine (2 shared cores, bun:sqlite, in memory and in a file alike), some 13
   * million a second, a seventh of what scanning them costs. So pg_total_relation_size of a large
   * table costs what a count(*) in SQLite of it would, and blocks the event loop as long; a cold
   * file adds its reads. The memtable part visits all its keys (bounded by memtableWritesMax).
   */
  storedBytes(range: KeyRange, ts: HlcTimestamp): number {
    this.#assertReadable(ts)
    const row = this.#statements.storedBytes.get(range.start, range.end, ts)
    let bytes = Number(row?.bytes ?? 0)
    if (this.#memWrites === 0) return bytes
    for (const [key, versions] of this.#memVersions) {
      if (key < range.start || key >= range.end) continue
      for (const version of versions) {
        // Keys are hex, one byte a character; values may hold any text, measured as SQLite
        // stores it (UTF-8).
        if (version.ts <= ts) bytes += key.length + (version.value === null ? 0 : Buffer.byteLength(version.value, 'utf8'))
      }
    }
    return bytes
  }

  lastWriteTs(tableId: bigint): HlcTimestamp {
    return this.#tableWriteTs.get(tableId) ?? this.#openedFrontier
  }

  frontier(): HlcTimestamp {
    return this.#frontier
  }

  appliedPositions(): ReadonlyMap<string, number> {
    return this.#positions
  }

  gc(belowTs: HlcTimestamp, options: GcOptions = {}): GcStep {
    assert(!this.#closed, `gc on closed storage shard ${this.id}`)
    const versionsMax = options.versionsMax ?? GC_VERSIONS_PER_STEP
    const deadRowsMax = options.deadRowsMax ?? GC_DEAD_ROWS_PER_STEP
    assert(versionsMax >= 1 && deadRowsMax >= 1, 'bad gc limits')
    // Readers below the frontier only: a version newer than `belowTs` but not yet applied cannot
    // be told apart from none. The memtable goes first: a dead range's rows must all be in
    // SQLite when it is deleted, or a later flush would write some back.
    const horizon = Math.min(belowTs, this.#frontier)
    const deadHorizon = Math.min(horizon, options.deadBelowTs ?? horizon)
    const versionsDue =
      this.#gcCursor !== undefined || horizon >= Math.min(this.#gcDueTs, this.#gcWrittenTs)
    if (!versionsDue && !this.#garbagePending) return IDLE_STEP
    // Its deletes need room in SQLite too: while a write fails, steps wait for the retry.
    if (this.#writeFailure !== undefined || (this.#memWrites > 0 && !this.#tryFlush())) return this.#noStep()
    const before = this.#gcState()
    const emptied: bigint[] = []
    let step: GcStep
    try {
      step = this.#db.transaction(() => {
        const versions = this.#collectVersions(horizon, versionsMax)
        const dead = this.#collectDeadRanges(deadHorizon, deadRowsMax, emptied)
        return { ...versions, ...dead }
      })
    } catch (e) {
      // Rolled back: the pass stands where it stood before the step.
      this.#gcRestore(before)
      this.#failed(e)
      return this.#noStep()
    }
    if (step.versionsRemoved + step.deadRowsRemoved + step.deadRangesFinished > 0) this.#walPresync?.afterWrite()
    // A whole table gone: nothing asks for its last write again (ids are never reused), and a
    // workload that truncates often would otherwise grow this map by a table id each time.
    for (const tableId of emptied) this.#tableWriteTs.delete(tableId)
    return step
  }

  /** A step that did nothing (a pass in progress stays so). */
  #noStep(): GcStep {
    return { ...IDLE_STEP, passEnded: this.#gcCursor === undefined }
  }

  /** Where GC's passes stand, to put back when a step's transaction fails. */
  #gcState(): GcState {
    return {
      cursor: this.#gcCursor,
      dueTs: this.#gcDueTs,
      aboveTs: this.#gcAboveTs,
      leftGarbage: this.#gcLeftGarbage,
      writtenTs: this.#gcWrittenTs,
      garbagePending: this.#garbagePending,
      garbageCursor: this.#garbageCursor,
    }
  }

  #gcRestore(state: GcState): void {
    this.#gcCursor = state.cursor
    this.#gcDueTs = state.dueTs
    this.#gcAboveTs = state.aboveTs
    this.#gcLeftGarbage = state.leftGarbage
    this.#gcWrittenTs = state.writtenTs
    this.#garbagePending = state.garbagePending
    this.#garbageCursor = state.garbageCursor
  }

  /** The version pass's next window of `max` versions (see StorageShard.gc). */
  #collectVersions(horizon: HlcTimestamp, max: number) {
    if (this.#gcCursor === undefined) {
      if (horizon < Math.min(this.#gcDueTs, this.#gcWrittenTs)) return IDLE_STEP
      this.#gcAboveTs = Number.POSITIVE_INFINITY
      this.#gcLeftGarbage = false
      this.#gcWrittenTs = Number.POSITIVE_INFINITY
    }
    const rows = this.#gcRows(this.#gcCursor, max + 1)
    for (const row of rows) {
      if (row.ts > horizon && row.ts < this.#gcAboveTs) this.#gcAboveTs = row.ts
    }
    // One row beyond the window tells whether the window's last key goes on after it.
    const atEnd = rows.length <= max
    const window = atEnd ? rows : rows.slice(0, max)
    const after = atEnd ? undefined : rows[max]
    let removed = 0
    for (let i = 0; i < window.length; ) {
      const key = (window[i] as GcRow).key
      let j = i + 1
      while (j < window.length && (window[j] as GcRow).key === key) j++
      const continued = i === 0 && this.#gcCursor !== undefined && this.#gcCursor.key === key
      removed += this.#collectKey(window.slice(i, j), {
        horizon,
        // Versions of this key the earlier step read (the cursor's own included, unless that step
        // deleted it): one still there at or below the horizon makes every version of this window
        // at or below it garbage.
        covered: continued && this.#hasVersionIn(key, (this.#gcCursor as GcCursor).ts, horizon),
        whole: after === undefined || after.key !== key || j < window.length,
      })
      i = j
    }
    const last = window[window.length - 1]
    this.#gcCursor = atEnd || last === undefined ? undefined : { key: last.key, ts: last.ts }
    if (atEnd) this.#gcDueTs = this.#gcLeftGarbage ? Number.NEGATIVE_INFINITY : this.#gcAboveTs
    return { versionsExamined: rows.length, versionsRemoved: removed, passEnded: atEnd }
  }

  /** The next `count` versions after `cursor` in primary-key order (from the start without one). */
  #gcRows(cursor: GcCursor | undefined, count: number): GcRow[] {
    const rows: GcRow[] = []
    if (cursor !== undefined) {
      for (const row of this.#statements.gcRestOfKey.all(cursor.key, cursor.ts, count)) {
        rows.push({ key: cursor.key, ts: row.ts as number, dead: row.dead === 1 })
      }
    }
    if (rows.length < count) {
      for (const row of this.#statements.gcAfterKey.all(cursor?.key ?? '', count - rows.length)) {
        rows.push({ key: row.key as string, ts: row.ts as number, dead: row.dead === 1 })
      }
    }
    return rows
  }

  /** Whether `key` has a version in `[ts, horizon]`. */
  #hasVersionIn(key: Key, ts: HlcTimestamp, horizon: HlcTimestamp): boolean {
    return this.#statements.gcVersionIn.get(key, ts, horizon) != null
  }

  /**
   * Deletes the garbage among `versions` (one key, newest first, contiguous in the pass); returns
   * how many went. `whole`: no older version of the key lies beyond them.
   */
  #collectKey(
    versions: readonly GcRow[],
    at: { readonly horizon: HlcTimestamp; readonly covered: boolean; readonly whole: boolean },
  ): number {
    const first = versions.findIndex((v) => v.ts <= at.horizon)
    if (first < 0) return 0
    let from = first
    if (!at.covered) {
      const visible = versions[first] as GcRow
      // A tombstone goes with everything older, in one statement: deleted alone, it would let an
      // older value show again. When older versions may lie beyond this step it stays, as the
      // newer version that covers them, and the next pass collects it.
      if (!visible.dead || !at.whole) from = first + 1
      if (visible.dead && !at.whole) this.#gcLeftGarbage = true
    }
    const newest = versions[from]
    if (newest === undefined) return 0
    const key = newest.key
    const oldest = versions[versions.length - 1] as GcRow
    return Number(this.#statements.gcDelete.run(key, newest.ts, oldest.ts).changes)
  }

  /**
   * Deletes up to `max` rows of the dead ranges named by garbage entries committed at or below
   * the horizon, and each entry whose range it empties (in the same SQLite transaction, so a
   * crash keeps the entry whenever it keeps a row of its range). Nothing brings deleted rows
   * back: every write to the range is applied before (the caller's `deadBelowTs`), so its
   * record is at or below the positions stored with the entry, where a restart's replay starts;
   * and ids are never reused, so no later commit writes there.
   */
  #collectDeadRanges(horizon: HlcTimestamp, max: number, emptied: bigint[]) {
    let budget = max
    let rowsRemoved = 0
    let finished = 0
    const { start, end } = GARBAGE_RANGE
    // Keys are hex: appending a zero byte gives the first key after the cursor.
    const from = this.#garbageCursor === undefined ? start : `${this.#garbageCursor}00`
    const entries = this.#statements.garbageEntries.all(from, end, GC_ENTRIES_PER_STEP)
    if (entries.length === 0) {
      if (this.#garbageCursor === undefined) this.#garbagePending = false
      this.#garbageCursor = undefined
      return { deadRowsRemoved: 0, deadRangesFinished: 0 }
    }
    let lastKey: Key | undefined
    /** The last entry this step is done with (the next step resumes after it). */
    let done: Key | undefined = this.#garbageCursor
    let stopped = false
    for (const entry of entries) {
      const key = entry.key as string
      // Versions newest first: only an entry's newest version decides.
      if (key === lastKey) continue
      lastKey = key
      if ((entry.ts as number) > horizon || entry.dead === 1) {
        done = key
        continue
      }
      if (budget === 0) {
        stopped = true
        break
      }
      const prefix = garbagePrefixOf(key)
      assert(prefix !== undefined, `garbage entry ${key} names no range`)
      const rows = this.#statements.deadRows.all(prefix, prefixEnd(prefix), budget + 1)
      if (rows.length <= budget) {
        this.#statements.deleteRange.run(prefix, prefixEnd(prefix))
        this.#statements.deleteKey.run(key)
        finished++
        done = key
        // Forgotten once the step's transaction commits (gc).
        if (decodeKeyPrefix(prefix, 2).length === 1) emptied.push(tableIdOf(prefix))
      } else {
        const through = rows[budget - 1] as { key: string; ts: number }
        this.#statements.deleteRangeThrough.run(prefix, through.key, through.ts)
        stopped = true
      }
      const deleted = Math.min(rows.length, budget)
      for (let i = 0; i < deleted; i++) this.#forget((rows[i] as { key: string }).key)
      rowsRemoved += deleted
      budget -= deleted
      if (stopped) break
    }
    // A full page read to its end resumes after it; a short one read to its end starts over; a
    // step that stopped inside the page resumes at the entry it stopped on.
    this.#garbageCursor = !stopped && entries.length < GC_ENTRIES_PER_STEP ? undefined : done
    return { deadRowsRemoved: rowsRemoved, deadRangesFinished: finished }
  }

  close(options: { readonly flush?: boolean } = {}): void {
    if (this.#closed) return
    this.#closed = true
    this.#flushTimer?.cancel()
    this.#retryTimer?.cancel()
    this.#waiters.failAll(cannotConnectNow(`storage shard ${this.id} is closed`))
    try {
      // What the memtable holds is in the journal too; writing it now only shortens the replay
      // (and when SQLite cannot take it, the replay brings it back).
      if (this.#memWrites > 0 && options.flush !== false) this.#tryFlush()
    } finally {
      this.#walPresync?.close()
      this.#db.close()
    }
  }

  #assertReadable(ts: HlcTimestamp): void {
    if (this.#closed) assert(false, `read from closed storage shard ${this.id}`)
    if (ts > this.#frontier) {
      assert(false, `read at ${ts} above the frontier ${this.#frontier} of shard ${this.id}: wait first`)
    }
  }
}

/** The table id a key belongs to: its first tuple element (the key layout of the catalog). */
function tableIdOf(key: Key): bigint {
  const first = decodeKeyPrefix(key, 1)[0]
  if (typeof first !== 'bigint') assert(false, `key ${key} does not start with a table id`)
  return first
}
