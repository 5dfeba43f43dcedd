// The Tessera TypeScript SDK (issue 5): a typed client over the HTTP API of ../shared/API.md for
// Bun, Node 20+, Deno and browsers (plain fetch), with conflict retries built in.
//
//   const db = createClient({ url, token })
//   const { rows } = await db.query<{ id: string }>('SELECT id FROM accounts WHERE owner = $1', ['ada'])
//   await db.transaction(async (tx) => { ... })   // re-run on 40001 with backoff
export {
  createClient,
  type BatchResults,
  type Client,
  type ClientConfig,
  type Field,
  type Queryable,
  type QueryOptions,
  type QueryResult,
  type Readiness,
  type Statement,
  type Transaction,
  type TransactionOptions,
} from './client.ts'
export { findTesseraError, isRetryable, TesseraError, type TesseraErrorFields } from './errors.ts'
export { backoffMs, retry, type RetryOptions } from './retry.ts'
export { quoteIdentifier, sql, SqlFragment, type SqlQuery } from './sql.ts'
export type { IntMode } from './values.ts'
export type {
  TxStatus,
  TxStatusResponse,
  InfoResponse,
  HealthResponse,
} from '../server/api/wire.ts'
