// Kysely's dialect role for Tessera: PostgreSQL's query compiler and introspector, Tessera's
// adapter (migration lock) and driver (HTTP, interactive transactions).
import {
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
} from 'kysely'
import { createClient, type Client, type ClientConfig } from '../index.ts'
import { TesseraAdapter } from './tessera-adapter.ts'
import { TesseraDriver } from './tessera-driver.ts'

/** Either an SDK client, or what createClient needs to make one. */
export type TesseraDialectConfig = ClientConfig | { readonly client: Client }

/** `new Kysely<DB>({ dialect: new TesseraDialect({ url, token }) })`. */
export class TesseraDialect implements Dialect {
  readonly #client: Client

  constructor(config: TesseraDialectConfig) {
    this.#client = 'client' in config ? config.client : createClient(config)
  }

  /** The SDK client the dialect's driver uses (for `client.transaction` or `retry`). */
  get client(): Client {
    return this.#client
  }

  createDriver(): Driver {
    return new TesseraDriver(this.#client)
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new TesseraAdapter()
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}
