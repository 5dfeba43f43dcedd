// Drizzle ORM on Tessera (issue 5): `drizzle(client, { schema })` returns a PgDatabase (select,
// insert, update, delete, relational queries, transaction() over interactive transactions with
// `{ retry: true }`, batch()); `migrate(db, { migrationsFolder })` applies drizzle-kit output.
export { drizzle, TesseraDatabase } from './driver.ts'
export { migrate, type TesseraMigrationConfig } from './migrator.ts'
export {
  TesseraPreparedQuery,
  TesseraSession,
  TesseraTransaction,
  type TesseraQueryResultHKT,
  type TesseraTransactionConfig,
} from './session.ts'
export { isRetryable, retry, TesseraError, type RetryOptions } from '../index.ts'
