// Kysely's adapter role for Tessera: PostgreSQL's, except the Migrator's lock. Tessera has no
// advisory locks (transactions are optimistic), so the migration transaction writes Kysely's
// lock row instead: two migrators that overlap both write it, and the later committer gets 40001.
import { PostgresAdapter, sql, type Kysely, type MigrationLockOptions } from 'kysely'

export class TesseraAdapter extends PostgresAdapter {
  /**
   * Called by the Migrator inside its migration transaction (Tessera's DDL is transactional).
   * Writing the lock row puts it in the transaction's write set, so of two migrations running at
   * once only one commits; the other fails with 40001 and, run again, finds the migrations done.
   */
  override async acquireMigrationLock(
    db: Kysely<any>,
    options: MigrationLockOptions,
  ): Promise<void> {
    await sql`UPDATE ${lockTable(options)} SET is_locked = 1 WHERE id = ${options.lockRowId}`.execute(
      db,
    )
  }

  /** The row returns to unlocked in the same transaction; its write set still holds it. */
  override async releaseMigrationLock(
    db: Kysely<any>,
    options: MigrationLockOptions,
  ): Promise<void> {
    await sql`UPDATE ${lockTable(options)} SET is_locked = 0 WHERE id = ${options.lockRowId}`.execute(
      db,
    )
  }
}

function lockTable(options: MigrationLockOptions) {
  return options.lockTableSchema === undefined
    ? sql.table(options.lockTable)
    : sql.table(`${options.lockTableSchema}.${options.lockTable}`)
}
