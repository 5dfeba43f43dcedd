// The system catalog relations (ARCHITECTURE.md "query processor": bind): read-only views of the
// catalog under `pg_catalog` and `information_schema`, built from the tables visible at the
// transaction's snapshot, so introspection by drivers and ORMs sees what the transaction sees.
import type { Table } from '../catalog.ts'
import type { FunctionResolver } from '../functions.ts'
import type { Datum, SqlType } from '../types/index.ts'

/** What a system relation's rows are computed from. */
export interface SystemEnv {
  /** Every user table visible at the snapshot plus the transaction's own writes, by name. */
  tables(): readonly Table[]
}

/** A relation computed on read. */
export interface SystemRelation {
  readonly schema: 'pg_catalog' | 'information_schema'
  readonly name: string
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[]
  rows(env: SystemEnv): Datum[][]
}

/**
 * The system relation `schema.name`; with no schema, `pg_catalog` is searched (it is first on
 * PostgreSQL's search path). Undefined when there is none.
 */
export function systemRelation(schema: string | undefined, name: string): SystemRelation | undefined {
  void schema
  void name
  return undefined
}

/** Catalog functions (version(), format_type, pg_get_indexdef, ...), by lowercase name; the
 * binder looks here after the general function registry. */
export const SYSTEM_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map()
