// Kysely's driver role for Tessera: connections are cheap (HTTP is stateless), transactions are
// the API's interactive transactions, savepoints are refused with a clear error.
import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely'
import { TesseraError, type Client } from '../index.ts'
import { TesseraConnection } from './tessera-connection.ts'

/** Isolation levels a Tessera transaction satisfies: it runs at snapshot isolation (PostgreSQL's
 * REPEATABLE READ), which is at least as strong as these. */
const SATISFIED_LEVELS: ReadonlySet<string> = new Set([
  'read uncommitted',
  'read committed',
  'repeatable read',
  'snapshot',
])

export class TesseraDriver implements Driver {
  readonly #client: Client

  constructor(client: Client) {
    this.#client = client
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new TesseraConnection(this.#client)
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const c = asTessera(connection)
    if (c.transaction !== undefined)
      throw new TesseraError({
        code: '25001',
        message: 'this connection is already in a transaction',
      })
    if (settings.isolationLevel !== undefined && !SATISFIED_LEVELS.has(settings.isolationLevel)) {
      throw new TesseraError({
        code: '0A000',
        message: `isolation level ${settings.isolationLevel} is not supported`,
        hint: 'Tessera runs every transaction at snapshot isolation (repeatable read); use that, or SELECT ... FOR UPDATE for rows whose reads must not change',
      })
    }
    c.transaction = await this.#client.begin({ readOnly: settings.accessMode === 'read only' })
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = asTessera(connection)
    const tx = c.transaction
    c.transaction = undefined
    if (tx === undefined)
      throw new TesseraError({ code: '25P01', message: 'there is no transaction in progress' })
    await tx.commit()
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = asTessera(connection)
    const tx = c.transaction
    c.transaction = undefined
    if (tx === undefined) return
    // Kysely rolls back after an error and then rethrows that error; a transaction the server
    // already ended (25P03: expired, or its commit failed) has nothing left to roll back.
    await tx.rollback().catch((e: unknown) => {
      if (!(e instanceof TesseraError && e.code === '25P03')) throw e
    })
  }

  async savepoint(): Promise<void> {
    throw noSavepoints()
  }

  async rollbackToSavepoint(): Promise<void> {
    throw noSavepoints()
  }

  async releaseSavepoint(): Promise<void> {
    throw noSavepoints()
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

function asTessera(connection: DatabaseConnection): TesseraConnection {
  if (!(connection instanceof TesseraConnection))
    throw new TypeError('TesseraDriver was given a connection it did not create')
  return connection
}

function noSavepoints(): TesseraError {
  return new TesseraError({
    code: '0A000',
    message: 'savepoints are not supported by Tessera',
    hint: 'run the nested work in the outer transaction, or as a separate transaction',
  })
}
