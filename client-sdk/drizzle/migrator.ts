// Applies `drizzle-kit generate` migrations on Tessera, modelled on drizzle's pg migrator, except
// that the check of what is applied, the applying and the bookkeeping share one transaction, and
// each applied migration takes the next id explicitly: two migrators that overlap write the same
// row, the later commit gets 40001, and the loser, re-run, finds nothing left to do.
import { sql } from 'drizzle-orm'
import { readMigrationFiles, type MigrationConfig } from 'drizzle-orm/migrator'
import type { RetryOptions } from '../index.ts'
import type { TesseraDatabase } from './driver.ts'

/** drizzle's MigrationConfig: the table is `__drizzle_migrations` in the default schema unless
 * `migrationsSchema` names one (created if missing; drizzle's own migrators use `drizzle`).
 * `retry` tunes the re-runs after a conflict. */
export interface TesseraMigrationConfig extends MigrationConfig {
  readonly retry?: RetryOptions
}

/** Applies every migration in `migrationsFolder` newer than the last applied one, all in ONE
 * transaction (Tessera's DDL is transactional): a failing migration leaves nothing behind. */
export async function migrate(
  db: TesseraDatabase<any, any>,
  config: TesseraMigrationConfig,
): Promise<void> {
  const migrations = readMigrationFiles(config)
  const table =
    config.migrationsSchema === undefined
      ? sql.identifier(config.migrationsTable ?? '__drizzle_migrations')
      : sql`${sql.identifier(config.migrationsSchema)}.${sql.identifier(config.migrationsTable ?? '__drizzle_migrations')}`
  // Everything in one transaction, the bookkeeping table too: two first migrations at once
  // conflict on creating it, and the loser's re-run sees it.
  await db.transaction(
    async (tx) => {
      if (config.migrationsSchema !== undefined)
        await tx.execute(
          sql`CREATE SCHEMA IF NOT EXISTS ${sql.identifier(config.migrationsSchema)}`,
        )
      await tx.execute(
        sql`CREATE TABLE IF NOT EXISTS ${table} (id int8 PRIMARY KEY, hash text NOT NULL, created_at int8 NOT NULL)`,
      )
      const { rows } = await tx.execute<{ id: string; created_at: string }>(
        sql`SELECT id, created_at FROM ${table} ORDER BY created_at DESC LIMIT 1`,
      )
      const last = rows[0]
      let id = last === undefined ? 0 : Number(last.id)
      for (const migration of migrations) {
        if (last !== undefined && Number(last.created_at) >= migration.folderMillis) continue
        for (const statement of migration.sql)
          if (statement.trim() !== '') await tx.execute(sql.raw(statement))
        // The next id is the same for every migrator racing from the same state: their inserts
        // collide, so only one commits.
        id++
        await tx.execute(
          sql`INSERT INTO ${table} (id, hash, created_at) VALUES (${id}, ${migration.hash}, ${migration.folderMillis})`,
        )
      }
    },
    { retry: config.retry ?? {} },
  )
}
