// Kysely's connection role for Tessera: statements go over HTTP, one at a time, either as their
// own transaction or inside the interactive transaction the driver began on this connection.
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import type { Client, Transaction } from '../index.ts'
import { signalOf } from './signal-plugin.ts'

/** Command tags whose rowCount is the number of rows written. */
const WRITE_COMMANDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

/** Rows per chunk when streaming (the server sends whole results; this only slices them). */
const STREAM_CHUNK_ROWS_DEFAULT = 100

/** A Kysely connection: no socket, just the client and, during a transaction, its handle. */
export class TesseraConnection implements DatabaseConnection {
  readonly #client: Client
  #tx: Transaction | undefined

  constructor(client: Client) {
    this.#client = client
  }

  /** The interactive transaction this connection is in, if any. */
  get transaction(): Transaction | undefined {
    return this.#tx
  }

  /** Set by the driver at begin, cleared at commit or rollback. */
  set transaction(tx: Transaction | undefined) {
    this.#tx = tx
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const signal = signalOf(compiledQuery.queryId)
    const target = this.#tx ?? this.#client
    const result = await target.query<R>(
      compiledQuery.sql,
      compiledQuery.parameters,
      signal === undefined ? {} : { signal },
    )
    return WRITE_COMMANDS.has(result.command)
      ? { rows: result.rows, numAffectedRows: BigInt(result.rowCount) }
      : { rows: result.rows }
  }

  /** Runs the query once and yields its rows in chunks (the API has no cursors). */
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize = STREAM_CHUNK_ROWS_DEFAULT,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0)
      throw new Error('chunkSize must be a positive integer')
    const { rows } = await this.executeQuery<R>(compiledQuery)
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) }
  }
}
