// Row order and identity (ARCHITECTURE.md "query processor": execute): ORDER BY's comparison
// with NULL placement, and the key under which rows equal as SQL values (GROUP BY, DISTINCT) meet.
import { compare, hashKey, type Datum, type SqlType } from './types/index.ts'
import type { SortKey } from './planner.ts'

/** A string equal for rows equal as SQL values (NULLs equal each other, as in GROUP BY). */
export function rowKey(row: readonly Datum[], types: readonly SqlType[]): string {
  if (types.length === 1) {
    const v = row[0] ?? null
    return v === null ? '\u0000null' : hashKey(v, types[0] as SqlType)
  }
  return JSON.stringify(types.map((t, i) => (row[i] === null || row[i] === undefined ? null : hashKey(row[i] as Datum, t))))
}

/** Sorts in place (stable); NULLs placed per key. */
export function sortRows<R extends readonly Datum[]>(rows: R[], keys: readonly SortKey[]): R[] {
  return rows.sort((a, b) => compareRows(a, b, keys))
}

/** Compares two rows by sort keys (ORDER BY semantics). */
export function compareRows(a: readonly Datum[], b: readonly Datum[], keys: readonly SortKey[]): number {
  for (const k of keys) {
    const x = a[k.slot] ?? null
    const y = b[k.slot] ?? null
    let c: number
    if (x === null || y === null) c = x === y ? 0 : (x === null) === k.nullsFirst ? -1 : 1
    else c = k.desc ? -compare(x, y, k.type) : compare(x, y, k.type)
    if (c !== 0) return c
  }
  return 0
}
