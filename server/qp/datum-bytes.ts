// What a value weighs, for the statement's byte bounds (constants.ts QUERY_BYTES_MAX,
// RESULT_BYTES_MAX): counts of rows and values bound nothing when one value may be a megabyte.
import { Jsonb, RecordValue, type Datum } from './types/index.ts'

/** Bytes counted for a value whose size does not grow with its content (a number, a timestamp,
 * an interval, a numeric's usual digits): about what it costs as a JS value and in JSON. */
const SCALAR_BYTES = 16

/** An estimate of the bytes `d` holds: a string's characters, a bytea's bytes, the sum of an
 * array's or record's elements, a jsonb document's strings and scalars; other values a constant.
 * It is what a result's JSON and a materialized row grow with, not an exact heap size. */
export function datumBytes(d: Datum): number {
  if (typeof d === 'string') return d.length
  if (d === null || typeof d !== 'object') return SCALAR_BYTES
  if (d instanceof Uint8Array) return d.byteLength
  if (Array.isArray(d)) return rowBytes(d as readonly Datum[])
  if (d instanceof RecordValue) return rowBytes(d.values)
  if (d instanceof Jsonb) return jsonBytes(d.value)
  return SCALAR_BYTES
}

/** The sum of `datumBytes` over a row. */
export function rowBytes(row: readonly Datum[]): number {
  let bytes = 0
  for (const d of row) bytes += datumBytes(d)
  return bytes
}

// A jsonb document nests at most JSON_DEPTH_MAX (1,000) deep, so the recursion is bounded.
function jsonBytes(v: unknown): number {
  if (typeof v === 'string') return v.length + 2
  if (v === null || typeof v !== 'object') return SCALAR_BYTES
  let bytes = 2
  if (Array.isArray(v)) for (const e of v) bytes += jsonBytes(e) + 1
  else for (const [k, e] of Object.entries(v)) bytes += k.length + 3 + jsonBytes(e)
  return bytes
}
