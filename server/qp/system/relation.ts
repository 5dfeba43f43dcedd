// How a system relation is declared (ARCHITECTURE.md "query processor": bind): PostgreSQL's column
// names and types, and rows computed from the catalog model as records by column name.
import { assert } from '../../errors/index.ts'
import type { Datum, SqlType } from '../types/index.ts'
import { buildModel, type CatalogModel, type SystemEnv } from './model.ts'

/** A relation computed on read. */
export interface SystemRelation {
  readonly schema: 'pg_catalog' | 'information_schema' | 'sys'
  readonly name: string
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[]
  rows(env: SystemEnv): readonly (readonly Datum[])[]
  /** A rough row count for join planning: the rows that never change plus USER_ROWS_GUESS. */
  estimateRows(): number
}

/** How many rows a relation is guessed to list for the user's objects, before any scan. */
const USER_ROWS_GUESS = 100

/** A row by column name; a column left out is NULL. */
export type Row = Readonly<Record<string, Datum | undefined>>

/** The column types of the catalogs. Tessera has no `name` nor `"char"` type yet: both are text;
 * an oidvector (pg_index.indclass) is an oid[]. */
export const T = {
  oid: { kind: 'oid' },
  name: { kind: 'text' },
  char: { kind: 'text' },
  text: { kind: 'text' },
  bool: { kind: 'bool' },
  int2: { kind: 'int2' },
  int4: { kind: 'int4' },
  int8: { kind: 'int8' },
  float4: { kind: 'float4' },
  float8: { kind: 'float8' },
  timestamptz: { kind: 'timestamptz' },
  int2s: { kind: 'array', element: { kind: 'int2' } },
  oids: { kind: 'array', element: { kind: 'oid' } },
  texts: { kind: 'array', element: { kind: 'text' } },
  names: { kind: 'array', element: { kind: 'text' } },
} as const satisfies Record<string, SqlType>

/**
 * Declares a relation: `columns` as [name, type] in PostgreSQL's order; `rows` computed from the
 * catalog at each scan. `fixed`, when given, lists rows that never change (the system relations'
 * own): built on the first scan, kept, and listed before the computed ones.
 */
export function relation(
  schema: SystemRelation['schema'],
  name: string,
  columns: readonly (readonly [string, SqlType])[],
  rows: (model: CatalogModel, env: SystemEnv) => Iterable<Row>,
  fixed?: () => Iterable<Row>,
): SystemRelation {
  const names = columns.map(([n]) => n)
  const known = new Set(names)
  assert(known.size === names.length, `${name}: column names are distinct`)
  const datums = (row: Row): Datum[] => {
    for (const key of Object.keys(row)) assert(known.has(key), `${schema}.${name} has a column ${key}`)
    return names.map((n) => row[n] ?? null)
  }
  let fixedRows: readonly (readonly Datum[])[] | undefined
  // Every scan shares them: readonly to the executor (RowStream), which copies a row to change it.
  // Not frozen: JavaScriptCore reads a frozen array's elements about 3 times slower.
  const built = () => (fixedRows ??= fixed === undefined ? [] : [...fixed()].map(datums))
  return {
    schema,
    name,
    columns: columns.map(([n, type]) => ({ name: n, type })),
    rows(env) {
      const out: (readonly Datum[])[] = [...built()]
      for (const row of rows(buildModel(env), env)) out.push(datums(row))
      return out
    },
    estimateRows: () => built().length + USER_ROWS_GUESS,
  }
}

/** A relation that is always empty (a feature Tessera lacks: policies, triggers, enums...). */
export function emptyRelation(
  schema: SystemRelation['schema'],
  name: string,
  columns: readonly (readonly [string, SqlType])[],
): SystemRelation {
  return relation(schema, name, columns, () => [])
}
