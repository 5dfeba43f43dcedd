// Kysely's adapter role for Tessera: PostgreSQL's, except the Migrator's lock. Tessera has no
// session advisory locks (transactions are optimistic): migrators are kept apart by conflicts at
// commit instead, so of two that overlap the later gets 40001 and, run again, finds the work done.
import { PostgresAdapter, sql, type Kysely, type MigrationLockOptions } from 'kysely'

export class TesseraAdapter extends PostgresAdapter {
  /**
   * Kysely 0.28 calls this on the connection, BEFORE the migration transaction begins; there
   * it does nothing, because a write outside the transaction would only make the migrators
   * conflict with each other's lock writes, not with each other's migrations. What keeps them
   * apart is the migration transaction itself: it records every migration it applies (or
   * reverts) under its name, the primary key of Kysely's migration table, so two migrators doing
   * the same migration write the same key and the later commit gets 40001.
   *
   * Called inside a transaction (older Kysely took the lock there), it also writes Kysely's lock
   * row, so even migrators applying different migrations conflict.
   */
  override async acquireMigrationLock(
    db: Kysely<any>,
    options: MigrationLockOptions,
  ): Promise<void> {
    if (db.isTransaction) await setLocked(db, options, 1)
  }

  /** Returns the lock row to unlocked in the same transaction (its write set still holds it). */
  override async releaseMigrationLock(
    db: Kysely<any>,
    options: MigrationLockOptions,
  ): Promise<void> {
    if (db.isTransaction) await setLocked(db, options, 0)
  }
}

async function setLocked(db: Kysely<any>, options: MigrationLockOptions, value: 0 | 1) {
  const table =
    options.lockTableSchema === undefined
      ? sql.table(options.lockTable)
      : sql.table(`${options.lockTableSchema}.${options.lockTable}`)
  await sql`UPDATE ${table} SET is_locked = ${value} WHERE id = ${options.lockRowId}`.execute(db)
}
