// Values as key parts and stored row elements (ARCHITECTURE.md "Keys and rows"): the mapping from
// datums to server/encoding's KeyPart, whose encoded order equals `compare`.
import { SqlError, assert, assertNever, featureNotSupported } from '../../errors/index.ts'
import type { KeyPart } from '../../encoding/index.ts'
import { applyBpcharLength, bpcharStrip } from './bpchar.ts'
import { Decimal } from './decimal.ts'
import { Jsonb } from './jsonb.ts'
import type { Datum, SqlType, TypeKind } from './sql-type.ts'
import { enumOrder, expect, expectInstance, formatText, parseText } from './text-io.ts'

/**
 * The key form of a non-null value (index keys); the order of encoded key parts equals `compare`.
 * ints and timestamps → bigint; floats and dates → number; numeric → normalized `{decimal}`
 * (1.50 and 1.5 are one key; NaN is the string 'NaN', which sorts after every decimal as
 * PostgreSQL puts NaN last); text, varchar, uuid → string; bpchar → string without trailing
 * spaces ('a' finds 'a  '); bytea → bytes; bool → boolean.
 * jsonb, interval and arrays have no key form (`hasKeyForm`): 0A000.
 */
export function toKeyPart(value: Datum, type: SqlType): KeyPart {
  assert(value !== null, 'toKeyPart of NULL')
  const keyless = NO_KEY_FORM[type.kind]
  if (keyless !== undefined) throw featureNotSupported(`indexing ${keyless} column`)
  if (type.kind === 'numeric') {
    const d = expectInstance(value, Decimal, type)
    return d.isNaN ? 'NaN' : { decimal: d.normalize().toString() }
  }
  if (type.kind === 'float4' || type.kind === 'float8') {
    // -0 equals 0 in SQL, so both must make one key.
    const x = expect(value, 'number', type)
    return x === 0 ? 0 : x
  }
  // Keys keep integers as bigints whatever their size (one order-preserving encoding for all).
  if (INTEGER_KINDS.has(type.kind)) return expect(value, 'bigint', type)
  // The label's sort order, so keys sort in declaration order.
  if (type.kind === 'enum') return enumOrder(value, type)
  if (type.kind === 'bpchar') return bpcharStrip(expect(value, 'string', type))
  return toStored(value, type)
}

const INTEGER_KINDS: ReadonlySet<string> = new Set([
  'int2',
  'int4',
  'int8',
  'oid',
  'timestamp',
  'timestamptz',
  'time',
])

/** The kinds without a key form, each as 'a <kind>' for the 0A000 message. interval keys would
 * equate '1 mon' and '30 days' and lose which was stored; arrays have no order-preserving
 * encoding here. */
const NO_KEY_FORM: Readonly<Partial<Record<TypeKind, string>>> = {
  jsonb: 'a jsonb',
  interval: 'an interval',
  array: 'an array',
  record: 'a record',
  // PostgreSQL has no btree operator class for jsonpath (42704 there), so no key or index has one.
  jsonpath: 'a jsonpath',
}

/** Whether values of the type have a key form (may be in a primary key or an index): jsonb,
 * interval and arrays do not, so DDL can refuse them with 0A000 up front, at CREATE time, rather
 * than at the first INSERT. */
export function hasKeyForm(type: SqlType): boolean {
  return NO_KEY_FORM[type.kind] === undefined
}

/** Inverse of `toKeyPart` (numeric comes back normalized: its display scale is not in the key). */
export function fromKeyPart(part: KeyPart, type: SqlType): Datum {
  if (type.kind === 'enum') {
    const i = typeof part === 'number' ? type.sortOrders.indexOf(part) : -1
    assert(i >= 0, `key part ${String(part)} is a sort order of enum ${type.name}`)
    return type.labels[i] as string
  }
  if (type.kind === 'bpchar' && typeof part === 'string' && type.length !== undefined) {
    return applyBpcharLength(part, type.length, false)
  }
  return fromStored(part, type)
}

const SAFE_INTEGER = BigInt(Number.MAX_SAFE_INTEGER)

/** The stored form of a value in a row (an `encodeRow` element); exact round trip: numeric keeps
 * its scale, jsonb is its canonical text, float -0 stays -0. */
export function toStored(value: Datum, type: SqlType): KeyPart {
  if (value === null) return null
  switch (type.kind) {
    case 'bool':
      return expect(value, 'boolean', type)
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
    case 'timestamp':
    case 'timestamptz':
    case 'time': {
      // Stored as a plain JSON number when exact (rows decode several times faster than with
      // the tagged bigint form, which stays for larger values); the column type tells them apart.
      const v = expect(value, 'bigint', type)
      return v >= -SAFE_INTEGER && v <= SAFE_INTEGER ? Number(v) : v
    }
    case 'float4':
    case 'float8':
    case 'date':
      return expect(value, 'number', type)
    case 'numeric': {
      const d = expectInstance(value, Decimal, type)
      return d.isNaN ? 'NaN' : { decimal: d.toString() }
    }
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'uuid':
    case 'unknown':
    case 'enum':
    case 'jsonpath':
      return expect(value, 'string', type)
    case 'jsonb':
      return expectInstance(value, Jsonb, type).toString()
    case 'bytea':
      return expectInstance(value, Uint8Array, type)
    case 'interval':
    case 'array':
      // The text output reads back exactly (interval fields, array elements in their own output).
      return formatText(value, type)
    case 'record':
      // No column has a record type (DDL refuses it), so no row holds one.
      throw featureNotSupported('a record as a column type')
    default:
      return assertNever(type)
  }
}

/** Inverse of `toStored`. A part of the wrong kind is a bug (corrupt row or wrong type). */
export function fromStored(part: KeyPart, type: SqlType): Datum {
  if (part === null) return null
  const bad = () => new SqlError('XX000', `stored value ${String(part)} is not a ${type.kind}`)
  switch (type.kind) {
    case 'bool':
      if (typeof part !== 'boolean') throw bad()
      return part
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
      if (typeof part === 'number' && Number.isSafeInteger(part)) return BigInt(part)
      if (typeof part !== 'bigint') throw bad()
      return part
    case 'float4':
    case 'float8':
    case 'date':
      if (typeof part !== 'number') throw bad()
      return part
    case 'numeric':
      if (part === 'NaN') return Decimal.nan()
      if (typeof part !== 'object' || !('decimal' in part)) throw bad()
      return Decimal.parse(part.decimal)
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'uuid':
    case 'unknown':
    case 'enum':
    case 'jsonpath':
      if (typeof part !== 'string') throw bad()
      return part
    case 'jsonb':
      if (typeof part !== 'string') throw bad()
      return new Jsonb(JSON.parse(part))
    case 'bytea':
      if (!(part instanceof Uint8Array)) throw bad()
      return part
    case 'interval':
    case 'array':
      if (typeof part !== 'string') throw bad()
      return parseText(part, type.kind === 'interval' ? { kind: 'interval' } : type)
    case 'record':
      throw featureNotSupported('a record as a column type')
    default:
      return assertNever(type)
  }
}
