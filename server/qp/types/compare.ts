// Value order and equality of the query processor (ARCHITECTURE.md "query processor": sort, group,
// join): PostgreSQL's btree order per type and hash keys consistent with it.
import { assert, assertNever } from '../../errors/index.ts'
import { bpcharStrip } from './bpchar.ts'
import { compareBytes, formatBytea } from './bytea.ts'
import { compareArrays } from './array.ts'
import { Decimal } from './decimal.ts'
import { Interval, compareIntervals, intervalSpan } from './interval.ts'
import { Jsonb, compareJsonb, jsonbHashText } from './jsonb.ts'
import { RecordValue, compareRecords } from './record.ts'
import type { Datum, SqlType } from './sql-type.ts'
import { compareCodePoints } from './text-order.ts'
import { enumOrder, expect, expectArray, expectInstance, formatText } from './text-io.ts'

/** Floats as PostgreSQL orders them: -0 equals 0, NaN equals NaN and sorts above +Infinity. */
export function compareFloats(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) {
    return Number.isNaN(a) === Number.isNaN(b) ? 0 : Number.isNaN(a) ? 1 : -1
  }
  return a < b ? -1 : a > b ? 1 : 0
}

/** Total order of two non-null values of one type (PostgreSQL's btree order: NaN last, text by
 * UTF-8 bytes as in the C collation). */
export function compare(a: Datum, b: Datum, type: SqlType): number {
  assert(a !== null && b !== null, 'compare of NULL')
  switch (type.kind) {
    case 'bool': {
      const x = expect(a, 'boolean', type)
      const y = expect(b, 'boolean', type)
      return x === y ? 0 : x ? 1 : -1
    }
    case 'int2':
    case 'int4':
    case 'int8':
    // An oid is held as its unsigned value, so bigint order is the unsigned order.
    case 'oid':
    case 'timestamp':
    case 'timestamptz':
    case 'time': {
      const x = expect(a, 'bigint', type)
      const y = expect(b, 'bigint', type)
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 'float4':
    case 'float8':
    case 'date':
      return compareFloats(expect(a, 'number', type), expect(b, 'number', type))
    case 'numeric':
      return expectInstance(a, Decimal, type).compare(expectInstance(b, Decimal, type))
    case 'text':
    case 'varchar':
    case 'unknown':
    case 'uuid':
    case 'jsonpath':
      return compareCodePoints(expect(a, 'string', type), expect(b, 'string', type))
    case 'bpchar':
      return compareCodePoints(bpcharStrip(expect(a, 'string', type)), bpcharStrip(expect(b, 'string', type)))
    case 'jsonb':
      return compareJsonb(expectInstance(a, Jsonb, type), expectInstance(b, Jsonb, type))
    case 'bytea':
      return compareBytes(expectInstance(a, Uint8Array, type), expectInstance(b, Uint8Array, type))
    case 'interval':
      return compareIntervals(expectInstance(a, Interval, type), expectInstance(b, Interval, type))
    case 'enum':
      // Declaration order: by the labels' sort orders, not their text.
      return compareFloats(enumOrder(a, type), enumOrder(b, type))
    case 'array': {
      const element = type.element
      return compareArrays(expectArray(a, type), expectArray(b, type), (x, y) => compare(x, y, element))
    }
    case 'record':
      return compareRecords(expectInstance(a, RecordValue, type), expectInstance(b, RecordValue, type), type.fields.map((f) => f.type), compare)
    default:
      return assertNever(type)
  }
}

/** A string equal for two values exactly when they are equal as SQL values of `type` (GROUP BY,
 * DISTINCT, hash joins): numeric 1.0 and 1.00 alike, float -0 and 0 alike, NaN equal to NaN.
 * The string is not escaped: to combine several columns, JSON-encode the array of keys. */
export function hashKey(value: Datum, type: SqlType): string {
  assert(value !== null, 'hashKey of NULL')
  switch (type.kind) {
    case 'float4':
    case 'float8': {
      const x = expect(value, 'number', type)
      return x === 0 ? '0' : String(x)
    }
    case 'numeric':
      return expectInstance(value, Decimal, type).normalize().toString()
    case 'date':
      return String(expect(value, 'number', type))
    case 'bpchar':
      return bpcharStrip(expect(value, 'string', type))
    case 'bytea':
      return formatBytea(expectInstance(value, Uint8Array, type))
    case 'jsonb':
      return jsonbHashText(expectInstance(value, Jsonb, type).value)
    case 'interval':
      // '1 mon' equals '30 days': one key for both, as interval_hash hashes the span.
      return intervalSpan(expectInstance(value, Interval, type)).toString()
    case 'array': {
      const element = type.element
      return JSON.stringify(expectArray(value, type).map((v) => (v === null ? null : hashKey(v, element))))
    }
    case 'record': {
      // NULL fields equal each other here, as in record_eq.
      const fields = type.fields
      return JSON.stringify(expectInstance(value, RecordValue, type).values.map((v, i) => (v === null ? null : hashKey(v, (fields[i] as { type: SqlType }).type))))
    }
    default:
      return formatText(value, type)
  }
}
