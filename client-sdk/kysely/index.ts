// Kysely dialect for Tessera (issue 5): `new Kysely<DB>({ dialect: new TesseraDialect({ url,
// token }) })`, split into Kysely's roles: dialect, driver, connection, adapter.
//
// Transactions are Tessera's interactive transactions; wrap them in `retry` to re-run on a
// conflict: `await retry(() => db.transaction().execute(async (trx) => { ... }))`.
export { TesseraDialect, type TesseraDialectConfig } from './tessera-dialect.ts'
export { TesseraDriver } from './tessera-driver.ts'
export { TesseraConnection } from './tessera-connection.ts'
export { TesseraAdapter } from './tessera-adapter.ts'
export { AbortSignalPlugin, withSignal } from './signal-plugin.ts'
export { isRetryable, retry, TesseraError, type RetryOptions } from '../index.ts'
