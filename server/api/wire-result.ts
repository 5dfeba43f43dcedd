// Result shaping of the api (ARCHITECTURE.md "api"): the query processor's array rows become
// API.md's Result, rows keyed by field name unless the client asked for arrays.
import type { Result } from '../qp/index.ts'
import type { ArrayRow, ObjectRow, RowMode, WireResult } from './wire.ts'

/** API.md's Result; with duplicate field names the later column wins (as in node-postgres). */
export function toWireResult(result: Result, rowMode: RowMode): WireResult<ObjectRow | ArrayRow> {
  const fields = result.fields.map((f) => ({ name: f.name, type: f.type }))
  const rows =
    rowMode === 'array'
      ? result.rows.map((row) => [...row])
      : result.rows.map((row) => {
          // No prototype: a column named __proto__ must be a plain key, not a prototype swap.
          const object = Object.create(null) as Record<string, unknown>
          fields.forEach((f, i) => void (object[f.name] = row[i] ?? null))
          return object as ObjectRow
        })
  return { command: result.command, rowCount: result.rowCount, fields, rows }
}
