// Drizzle's driver role for Tessera, modelled on drizzle's `pg-proxy` driver: `drizzle(client)`
// builds a PgDatabase over an SDK client, with `batch()` as in drizzle's HTTP drivers.
import {
  createTableRelationsHelpers,
  DefaultLogger,
  entityKind,
  extractTablesRelationalConfig,
  type DrizzleConfig,
  type ExtractTablesWithRelations,
  type Logger,
  type RelationalSchemaConfig,
  type TablesRelationalConfig,
} from 'drizzle-orm'
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch'
import { PgDatabase, PgDialect } from 'drizzle-orm/pg-core'
import type { Client } from '../index.ts'
import {
  TesseraSession,
  type BatchQuery,
  type TesseraQueryResultHKT,
  type TesseraTransaction,
  type TesseraTransactionConfig,
} from './session.ts'

export class TesseraDatabase<
  TFullSchema extends Record<string, unknown> = Record<string, never>,
  TSchema extends TablesRelationalConfig = ExtractTablesWithRelations<TFullSchema>,
> extends PgDatabase<TesseraQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'TesseraDatabase'

  /**
   * Runs `fn` in an interactive transaction. `{ retry: true }` (or RetryOptions) re-runs the
   * whole callback after a conflict (40001), which drizzle reports wrapped in DrizzleQueryError;
   * serializable isolation and nested transactions (savepoints) are refused with 0A000.
   */
  override transaction<T>(
    fn: (tx: TesseraTransaction<TFullSchema, TSchema>) => Promise<T>,
    config?: TesseraTransactionConfig,
  ): Promise<T> {
    return (this._.session as TesseraSession<TFullSchema, TSchema>).transaction(fn, config)
  }

  /** Runs the queries in order in ONE transaction (one HTTP request): all or nothing. */
  async batch<U extends BatchItem<'pg'>, T extends Readonly<[U, ...U[]]>>(
    batch: T,
  ): Promise<BatchResponse<T>> {
    const prepared = batch.map((q) => (q as unknown as { _prepare(): BatchQuery })._prepare())
    return (await (this._.session as TesseraSession<TFullSchema, TSchema>).batch(
      prepared,
    )) as BatchResponse<T>
  }
}

/** `drizzle(client, { schema })`: a PgDatabase whose queries run on Tessera through `client`. */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  client: Client,
  config: DrizzleConfig<TSchema> = {},
): TesseraDatabase<TSchema> & { $client: Client } {
  const dialect = new PgDialect(config.casing === undefined ? {} : { casing: config.casing })
  const logger: Logger | undefined =
    config.logger === true
      ? new DefaultLogger()
      : config.logger === false
        ? undefined
        : config.logger
  let schema: RelationalSchemaConfig<ExtractTablesWithRelations<TSchema>> | undefined
  if (config.schema !== undefined) {
    const tables = extractTablesRelationalConfig<ExtractTablesWithRelations<TSchema>>(
      config.schema,
      createTableRelationsHelpers,
    )
    schema = {
      fullSchema: config.schema,
      schema: tables.tables,
      tableNamesMap: tables.tableNamesMap,
    }
  }
  const session = new TesseraSession<TSchema, ExtractTablesWithRelations<TSchema>>(
    client,
    client,
    dialect,
    schema,
    {
      ...(logger === undefined ? {} : { logger }),
      ...(config.cache === undefined ? {} : { cache: config.cache }),
    },
  )
  const db = new TesseraDatabase<TSchema>(dialect, session, schema) as TesseraDatabase<TSchema> & {
    $client: Client
  }
  db.$client = client
  return db
}
