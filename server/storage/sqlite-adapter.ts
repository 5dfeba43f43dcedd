// The one SQLite seam of storage (ARCHITECTURE.md "Keys and rows"): `bun:sqlite` on Bun,
// `node:sqlite` elsewhere (Deno, Node 22+), behind the few calls a shard needs.
import { assert } from '../errors/index.ts'

/** A value SQLite binds or returns here (storage uses TEXT, INTEGER and NULL only). */
export type SqliteValue = string | number | bigint | null

export type SqliteRow = Record<string, SqliteValue>

/** A prepared statement with positional `?` parameters. */
export interface SqliteStatement {
  run(...params: SqliteValue[]): { readonly changes: number | bigint }
  /** The first row; when there is none, null on Bun and undefined on node:sqlite (test with
   * `== null`): normalizing would cost a wrapper call on the hottest read path. */
  get(...params: SqliteValue[]): SqliteRow | null | undefined
  all(...params: SqliteValue[]): SqliteRow[]
}

export interface SqliteDatabase {
  exec(sql: string): void
  prepare(sql: string): SqliteStatement
  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: () => T): T
  close(): void
}

/** The SQLite bindings a runtime can offer. */
export type SqliteDriverName = 'bun' | 'node'

interface Driver {
  open(path: string): { exec(sql: string): void; prepare(sql: string): unknown; close(): void; inTransaction(): boolean }
}

const onBun = (globalThis as { Bun?: unknown }).Bun !== undefined
const drivers = new Map<SqliteDriverName, Driver>()
if (onBun) {
  const { Database } = await import('bun:sqlite')
  drivers.set('bun', {
    open: (path) => {
      const db = new Database(path, { create: true, strict: true })
      // bun:sqlite's plain close() waits for every prepared statement to be collected before it
      // releases the file; close(true) releases it now, so the shard's exclusive lock goes too.
      return {
        exec: (sql: string) => db.exec(sql),
        prepare: (sql: string) => db.prepare(sql),
        close: () => db.close(true),
        inTransaction: () => db.inTransaction,
      }
    },
  })
}
// Bun offers node:sqlite too (slower than bun:sqlite); Node before 22.5 has none.
const nodeSqlite = await import('node:sqlite').catch(() => undefined)
if (nodeSqlite !== undefined) {
  const { DatabaseSync } = nodeSqlite
  drivers.set('node', {
    open: (path) => {
      const db = new DatabaseSync(path)
      return {
        exec: (sql: string) => db.exec(sql),
        prepare: (sql: string) => db.prepare(sql),
        close: () => db.close(),
        inTransaction: () => db.isTransaction,
      }
    },
  })
}

/** The bindings this runtime offers, the default (`bun` on Bun) first. */
export const sqliteDrivers: readonly SqliteDriverName[] = [...drivers.keys()]

/** Opens (creating if needed) a database file, or an in-memory one for ':memory:'. */
export function openSqlite(path: string, driverName?: SqliteDriverName): SqliteDatabase {
  const name = driverName ?? sqliteDrivers[0]
  const driver = name === undefined ? undefined : drivers.get(name)
  assert(driver !== undefined, `SQLite binding ${driverName ?? '(any)'} is not available here`)
  return new AdaptedDatabase(driver.open(path))
}


class AdaptedDatabase implements SqliteDatabase {
  readonly #db: ReturnType<Driver['open']>
  readonly #begin: SqliteStatement
  readonly #commit: SqliteStatement
  readonly #rollback: SqliteStatement

  constructor(db: ReturnType<Driver['open']>) {
    this.#db = db
    this.#begin = db.prepare('BEGIN') as SqliteStatement
    this.#commit = db.prepare('COMMIT') as SqliteStatement
    this.#rollback = db.prepare('ROLLBACK') as SqliteStatement
  }

  exec(sql: string): void {
    this.#db.exec(sql)
  }

  prepare(sql: string): SqliteStatement {
    // Both bindings' statements already have this shape; handing them out unwrapped keeps a
    // point read at one native call.
    return this.#db.prepare(sql) as SqliteStatement
  }

  transaction<T>(fn: () => T): T {
    this.#begin.run()
    let result: T
    try {
      result = fn()
      this.#commit.run()
    } catch (e) {
      // SQLite may have rolled back already (SQLITE_FULL and SQLITE_IOERR can end the
      // transaction, in a statement or at COMMIT; then ROLLBACK itself fails and would hide the
      // error). A COMMIT that failed without ending it must not leave it open either: the next
      // BEGIN would fail.
      if (this.#db.inTransaction()) this.#rollback.run()
      throw e
    }
    return result
  }

  close(): void {
    this.#db.close()
  }
}

/** SQLite's primary result codes for a write the file system refused. */
const SQLITE_IOERR = 10
const SQLITE_FULL = 13

/**
 * What kind of storage failure `error` is: `full` (SQLITE_FULL: the disk, or the database's page
 * limit, has no room), `io` (SQLITE_IOERR: the file system failed a read, write or fsync), or
 * undefined for anything else (a bug or a misuse, which must surface). Both bindings carry the
 * result code: `errno` on bun:sqlite, `errcode` on node:sqlite; extended codes keep the primary
 * one in their low byte.
 */
export function sqliteWriteFailure(error: unknown): 'full' | 'io' | undefined {
  const e = error as { errno?: unknown; errcode?: unknown } | null
  const code = typeof e?.errno === 'number' ? e.errno : typeof e?.errcode === 'number' ? e.errcode : undefined
  if (code === undefined) return undefined
  const primary = code & 0xff
  return primary === SQLITE_FULL ? 'full' : primary === SQLITE_IOERR ? 'io' : undefined
}
