// Drizzle's session, prepared-query and transaction roles for Tessera, modelled on drizzle's
// `pg-proxy` and `aws-data-api/pg` drivers: statements go to the SDK client (one-shot) or to an
// interactive transaction, typed rows come back in array mode and drizzle maps them.
import * as orm from 'drizzle-orm'
import {
  entityKind,
  fillPlaceholders,
  NoopLogger,
  type Logger,
  type Query,
  type RelationalSchemaConfig,
  type SQL,
  type TablesRelationalConfig,
} from 'drizzle-orm'
import type { Cache } from 'drizzle-orm/cache/core'
import {
  PgPreparedQuery,
  PgSession,
  PgTransaction,
  type PgDialect,
  type PgQueryResultHKT,
  type PgTransactionConfig,
  type PreparedQueryConfig,
  type SelectedFieldsOrdered,
} from 'drizzle-orm/pg-core'
import {
  retry,
  TesseraError,
  type Client,
  type Queryable,
  type QueryResult,
  type RetryOptions,
} from '../index.ts'

/** drizzle's row mapper: public in its JavaScript, left out of its type declarations. */
const mapResultRow = (
  orm as unknown as {
    mapResultRow?: (
      fields: SelectedFieldsOrdered,
      row: unknown[],
      joinsNotNullableMap: unknown,
    ) => unknown
  }
).mapResultRow
if (typeof mapResultRow !== 'function')
  throw new Error(
    'this drizzle-orm version has no mapResultRow; the Tessera driver needs drizzle-orm 0.45',
  )

/** Results of `db.execute(sql)`: the SDK's QueryResult with rows keyed by column name. */
export interface TesseraQueryResultHKT extends PgQueryResultHKT {
  type: QueryResult<
    this['row'] extends Record<string, unknown> ? this['row'] : Record<string, unknown>
  >
}

/** `db.transaction(fn, config)`: drizzle's config plus `retry`, which re-runs `fn` on a conflict. */
export interface TesseraTransactionConfig extends PgTransactionConfig {
  /** Re-run the whole callback on 40001 (true: the SDK's default backoff and maxRetries). Its
   * `signal` aborts as `client.transaction`'s does: the begin, the commit and the wait between
   * re-runs (not the callback's statements: drizzle's queries take no signal). */
  readonly retry?: boolean | RetryOptions
}

export interface TesseraSessionOptions {
  readonly logger?: Logger
  readonly cache?: Cache
}

type Mapper<T extends PreparedQueryConfig> = (
  rows: unknown[][],
  mapColumnValue?: (value: unknown) => unknown,
) => T['execute']

export class TesseraPreparedQuery<T extends PreparedQueryConfig> extends PgPreparedQuery<T> {
  static override readonly [entityKind]: string = 'TesseraPreparedQuery'
  readonly #runner: Queryable
  readonly #logger: Logger
  readonly #fields: SelectedFieldsOrdered | undefined
  readonly #arrayMode: boolean
  readonly #mapper: Mapper<T> | undefined

  constructor(
    runner: Queryable,
    query: Query,
    logger: Logger,
    cache: Cache | undefined,
    queryMetadata:
      { type: 'select' | 'update' | 'delete' | 'insert'; tables: string[] } | undefined,
    cacheConfig: ConstructorParameters<typeof PgPreparedQuery>[3],
    fields: SelectedFieldsOrdered | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper: Mapper<T> | undefined,
  ) {
    super(query, cache, queryMetadata, cacheConfig)
    this.#runner = runner
    this.#logger = logger
    this.#fields = fields
    this.#arrayMode = isResponseInArrayMode
    this.#mapper = customResultMapper
  }

  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T['execute']> {
    const params = fillPlaceholders(this.query.params, placeholderValues)
    this.#logger.logQuery(this.query.sql, params)
    const raw = this.#fields === undefined && this.#mapper === undefined
    // int8 stays text: drizzle's bigint columns convert it to the mode they declare.
    const result = await this.#withCache(params, () =>
      this.#runner.query(
        this.query.sql,
        params,
        raw ? { intMode: 'string' } : { intMode: 'string', rowMode: 'array' },
      ),
    )
    return this.mapResult(result)
  }

  /** Rows as objects keyed by column name. */
  async all(placeholderValues: Record<string, unknown> = {}): Promise<T['all']> {
    const params = fillPlaceholders(this.query.params, placeholderValues)
    this.#logger.logQuery(this.query.sql, params)
    return (
      await this.#withCache(params, () =>
        this.#runner.query(this.query.sql, params, { intMode: 'string' }),
      )
    ).rows
  }

  override mapResult(response: unknown): unknown {
    const result = response as QueryResult<unknown>
    if (this.#fields === undefined && this.#mapper === undefined) return result
    const rows = result.rows as unknown[][]
    if (this.#mapper !== undefined) return this.#mapper(rows)
    const fields = this.#fields as SelectedFieldsOrdered
    const notNullable = (this as unknown as { joinsNotNullableMap?: unknown }).joinsNotNullableMap
    return rows.map((row) => mapResultRow?.(fields, row, notNullable))
  }

  /** @internal drizzle calls it to choose the row shape; batches use it too. */
  isResponseInArrayMode(): boolean {
    return this.#arrayMode
  }

  /** The query text and params as sent (a batch sends many at once). */
  statement(placeholderValues: Record<string, unknown> = {}): {
    sql: string
    params: unknown[]
    arrayMode: boolean
  } {
    return {
      sql: this.query.sql,
      params: fillPlaceholders(this.query.params, placeholderValues),
      arrayMode: this.#fields !== undefined || this.#mapper !== undefined,
    }
  }

  /** drizzle's cache hook (internal to drizzle), which also wraps errors in DrizzleQueryError
   * with the original as `cause` (isRetryable looks there). */
  #withCache(
    params: unknown[],
    run: () => Promise<QueryResult<unknown>>,
  ): Promise<QueryResult<unknown>> {
    const withCache = (
      this as unknown as {
        queryWithCache: (
          sql: string,
          params: unknown[],
          run: () => Promise<unknown>,
        ) => Promise<unknown>
      }
    ).queryWithCache
    return withCache.call(this, this.query.sql, params, run) as Promise<QueryResult<unknown>>
  }
}

export class TesseraSession<
  TFullSchema extends Record<string, unknown>,
  TSchema extends TablesRelationalConfig,
> extends PgSession<TesseraQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'TesseraSession'
  readonly #client: Client
  readonly #runner: Queryable
  readonly #dialect: PgDialect
  readonly #schema: RelationalSchemaConfig<TSchema> | undefined
  readonly #options: TesseraSessionOptions
  readonly #logger: Logger

  /** `runner` is the client itself, or the interactive transaction this session belongs to. */
  constructor(
    client: Client,
    runner: Queryable,
    dialect: PgDialect,
    schema: RelationalSchemaConfig<TSchema> | undefined,
    options: TesseraSessionOptions = {},
  ) {
    super(dialect)
    this.#client = client
    this.#runner = runner
    this.#dialect = dialect
    this.#schema = schema
    this.#options = options
    this.#logger = options.logger ?? new NoopLogger()
  }

  prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    _name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: Mapper<T>,
    queryMetadata?: { type: 'select' | 'update' | 'delete' | 'insert'; tables: string[] },
    cacheConfig?: ConstructorParameters<typeof PgPreparedQuery>[3],
  ): TesseraPreparedQuery<T> {
    return new TesseraPreparedQuery<T>(
      this.#runner,
      query,
      this.#logger,
      this.#options.cache,
      queryMetadata,
      cacheConfig,
      fields,
      isResponseInArrayMode,
      customResultMapper,
    )
  }

  /**
   * Runs `fn` in a Tessera interactive transaction: commit when it returns, rollback when it
   * throws (drizzle's `tx.rollback()` included). With `config.retry`, a conflict (40001 anywhere
   * in the error's cause chain) re-runs the whole callback; its `signal` reaches the begin and
   * the commit, as in `client.transaction`.
   */
  override async transaction<T>(
    fn: (tx: TesseraTransaction<TFullSchema, TSchema>) => Promise<T>,
    config: TesseraTransactionConfig = {},
  ): Promise<T> {
    checkTransactionConfig(config)
    const signal = typeof config.retry === 'object' ? config.retry.signal : undefined
    const withSignal = signal === undefined ? {} : { signal }
    const once = async () => {
      const handle = await this.#client.begin({
        readOnly: config.accessMode === 'read only',
        ...withSignal,
      })
      const session = new TesseraSession<TFullSchema, TSchema>(
        this.#client,
        handle,
        this.#dialect,
        this.#schema,
        this.#options,
      )
      const tx = new TesseraTransaction<TFullSchema, TSchema>(this.#dialect, session, this.#schema)
      let result: T
      try {
        result = await fn(tx)
      } catch (e) {
        await handle.rollback().catch(() => {})
        throw e
      }
      await handle.commit(withSignal).catch((e: unknown) => {
        // Aborted while it waited behind a statement the callback left running: never sent, so
        // the transaction is still open; the rollback goes out in its turn (an aborted commit
        // that was sent was settled, and rolling back what ended is a no-op).
        if (signal?.aborted) void handle.rollback().catch(() => {})
        throw e
      })
      return result
    }
    if (config.retry === undefined || config.retry === false) return once()
    return retry(once, config.retry === true ? {} : config.retry)
  }

  /** `db.$count()`: drizzle's base reads `res[0]`, but execute() here returns a QueryResult. */
  override async count(query: SQL): Promise<number> {
    const result = await this.execute<QueryResult<{ count: unknown }>>(query)
    return Number(result.rows[0]?.count)
  }

  /** Runs prepared queries in ONE request and transaction, all or nothing; maps each result.
   * Items are this driver's prepared queries or anything else drizzle batches as its HTTP
   * drivers do: `db.execute(sql)` gives a PgRaw, which has the query built and maps its result. */
  async batch(queries: readonly BatchQuery[]): Promise<unknown[]> {
    const statements = queries.map((q) => {
      if (q instanceof TesseraPreparedQuery) return q.statement()
      const built = q.getQuery()
      return {
        sql: built.sql,
        params: fillPlaceholders([...built.params], {}),
        arrayMode: q.isResponseInArrayMode(),
      }
    })
    const results = await this.#runBatch(statements)
    return results.map((r, i) => (queries[i] as BatchQuery).mapResult(r, true))
  }

  async #runBatch(
    statements: readonly { sql: string; params: unknown[]; arrayMode: boolean }[],
  ): Promise<QueryResult<unknown>[]> {
    // One request has one row mode; object-mode statements (raw SQL) are re-keyed from arrays.
    const results = await this.#runner.batch(
      statements.map((s) => ({ sql: s.sql, params: s.params })),
      { rowMode: 'array', intMode: 'string' },
    )
    return results.map((r, i) =>
      statements[i]?.arrayMode
        ? r
        : { ...r, rows: (r.rows as unknown as unknown[][]).map((row) => objectRow(r.fields, row)) },
    )
  }
}

/** What a batch item gives once prepared (`_prepare()`): a prepared query here, or drizzle's
 * PgRaw for `db.execute()`. */
export interface BatchQuery {
  getQuery(): { readonly sql: string; readonly params: readonly unknown[] }
  isResponseInArrayMode(): boolean
  mapResult(response: unknown, isFromBatch?: boolean): unknown
}

export class TesseraTransaction<
  TFullSchema extends Record<string, unknown>,
  TSchema extends TablesRelationalConfig,
> extends PgTransaction<TesseraQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'TesseraTransaction'

  /** Nested transactions would need savepoints, which Tessera does not have. */
  override async transaction<T>(
    _fn: (tx: TesseraTransaction<TFullSchema, TSchema>) => Promise<T>,
  ): Promise<T> {
    throw new TesseraError({
      code: '0A000',
      message: 'savepoints are not supported by Tessera, so transactions cannot nest',
      hint: 'run the nested work in the outer transaction',
    })
  }
}

function checkTransactionConfig(config: TesseraTransactionConfig): void {
  if (config.isolationLevel === 'serializable') {
    throw new TesseraError({
      code: '0A000',
      message: 'isolation level serializable is not supported',
      hint: 'Tessera runs every transaction at snapshot isolation (repeatable read); use that, or SELECT ... FOR UPDATE',
    })
  }
  if (config.deferrable)
    throw new TesseraError({ code: '0A000', message: 'deferrable transactions are not supported' })
}

function objectRow(
  fields: readonly { name: string }[],
  row: readonly unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  fields.forEach((f, i) => (out[f.name] = row[i]))
  return out
}
