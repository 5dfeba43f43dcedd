// Real SQLite databases whose disk a test fills and frees (docs/architecture.md "Failure handling:
// a full disk"), shared by the storage, crossbar and region tests. Filling sets each open
// database's page limit to the pages it has (PRAGMA max_page_count): the next write that needs a
// page fails with SQLITE_FULL exactly as a full disk makes it, and raising the limit frees space. A
// checkpoint or a GC delete, which a page limit never stops, fails through `failing` with a genuine
// SQLITE_FULL error of the same binding.
import {
  openSqlite,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStatement,
  type SqliteValue,
} from './sqlite-adapter.ts'

/** SQLite's own largest page limit: no limit in practice. */
const PAGES_UNLIMITED = 1_073_741_823

/** Opens shards' databases (pass `open` as `openDatabase`) and fills or frees their disk. */
export class FillableSqlite {
  readonly #driver: SqliteDriverName | undefined
  /** The databases open now, in the order they were opened (a closed one leaves). */
  readonly #open: SqliteDatabase[] = []
  /** Statements whose SQL matches this throw SQLITE_FULL (as a checkpoint or a delete meets it). */
  failing: RegExp | undefined

  /** `driver`: the binding (default: the runtime's default one). */
  constructor(driver?: SqliteDriverName) {
    this.#driver = driver
  }

  readonly open = (path: string): SqliteDatabase => {
    const db = openSqlite(path, this.#driver)
    this.#open.push(db)
    return {
      exec: (sql) => db.exec(sql),
      prepare: (sql) => this.#statement(sql, db.prepare(sql)),
      transaction: (fn) => db.transaction(fn),
      close: () => {
        this.#open.splice(this.#open.indexOf(db), 1)
        db.close()
      },
    }
  }

  /** No page beyond those each open database has now. */
  fill(): void {
    for (const db of this.#open) {
      const pages = Number(db.prepare('PRAGMA page_count').get()?.page_count)
      db.exec(`PRAGMA max_page_count = ${pages}`)
    }
  }

  free(): void {
    for (const db of this.#open) db.exec(`PRAGMA max_page_count = ${PAGES_UNLIMITED}`)
  }

  #statement(sql: string, inner: SqliteStatement): SqliteStatement {
    const check = () => {
      if (this.failing?.test(sql)) throw sqliteFullError(this.#driver)
    }
    return {
      run: (...params: SqliteValue[]) => (check(), inner.run(...params)),
      get: (...params: SqliteValue[]) => (check(), inner.get(...params)),
      all: (...params: SqliteValue[]) => (check(), inner.all(...params)),
    }
  }
}

/** The error the binding throws when SQLite returns SQLITE_FULL, produced by SQLite itself. */
export function sqliteFullError(driver: SqliteDriverName | undefined): unknown {
  const db = openSqlite(':memory:', driver)
  try {
    db.exec('CREATE TABLE t (v BLOB); PRAGMA max_page_count = 2')
    for (;;) db.prepare('INSERT INTO t VALUES (randomblob(8000))').run()
  } catch (e) {
    return e
  } finally {
    db.close()
  }
}
