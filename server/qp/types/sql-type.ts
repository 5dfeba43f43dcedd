// SQL types of the query processor (ARCHITECTURE.md "query processor": binding): the type union,
// PostgreSQL's names for each type, and type names as libpg_query hands them over.
import { SqlError, assertNever, featureNotSupported } from '../../errors/index.ts'
import { bareName } from '../catalog.ts'
import {
  NUMERIC_PRECISION_MAX,
  NUMERIC_SCALE_MAX,
  NUMERIC_SCALE_MIN,
  TIMESTAMP_PRECISION_MAX,
  VARCHAR_LENGTH_MAX,
} from './constants.ts'
import type { Decimal } from './decimal.ts'
import type { Interval } from './interval.ts'
import type { Jsonb } from './jsonb.ts'
import type { RecordValue } from './record.ts'

/** One field of a record type: a column's name (f1, f2, ... in ROW()) and type. */
export interface RecordField {
  readonly name: string
  readonly type: SqlType
}

/** A SQL type. `unknown` is an untyped literal or NULL whose type context has not fixed yet. */
export type SqlType =
  | { readonly kind: 'bool' }
  | { readonly kind: 'int2' }
  | { readonly kind: 'int4' }
  | { readonly kind: 'int8' }
  /** PostgreSQL's object identifier: an unsigned 32-bit integer (0 to 4294967295), ordered as
   * unsigned; no arithmetic. Catalog columns naming objects (pg_class.oid, attrelid) are oids. */
  | { readonly kind: 'oid' }
  | { readonly kind: 'float4' }
  | { readonly kind: 'float8' }
  /** Unconstrained when precision is undefined; scale defaults to 0 when precision is given. */
  | { readonly kind: 'numeric'; readonly precision?: number; readonly scale?: number }
  | { readonly kind: 'text' }
  | { readonly kind: 'varchar'; readonly length?: number }
  /**
   * character(n) / bpchar: values are kept padded with spaces to `length` (as output shows them);
   * trailing spaces never count in comparisons, hashes or keys. No `length` is bpchar, unpadded.
   */
  | { readonly kind: 'bpchar'; readonly length?: number }
  | { readonly kind: 'date' }
  /** `precision` is timestamp(p)'s fractional-second digits (0-6); undefined keeps microseconds. */
  | { readonly kind: 'timestamp'; readonly precision?: number }
  | { readonly kind: 'timestamptz'; readonly precision?: number }
  /** time without time zone; `precision` as timestamp's. */
  | { readonly kind: 'time'; readonly precision?: number }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'jsonb' }
  /** An SQL/JSON path (jsonpath.ts); its datum is the path's canonical text. */
  | { readonly kind: 'jsonpath' }
  | { readonly kind: 'bytea' }
  /** `fields` is the typmod's range mask (INTERVAL DAY TO SECOND), `precision` its seconds digits. */
  | { readonly kind: 'interval'; readonly fields?: number; readonly precision?: number }
  /** A one-dimensional array (lower bound 1) of `element`, itself never an array. */
  | { readonly kind: 'array'; readonly element: SqlType }
  /**
   * A user-defined enum (CREATE TYPE ... AS ENUM). `name` is its catalog name (`schema.name`
   * outside public); `labels` in sort order with their `sortOrders` (ascending, PostgreSQL's
   * float enumsortorder), which keys store so a label added BEFORE another leaves existing keys
   * valid. The definition travels with the type: a column's type is rewritten when the enum
   * gains a label.
   */
  | {
      readonly kind: 'enum'
      readonly name: string
      readonly oid: number
      readonly labels: readonly string[]
      readonly sortOrders: readonly number[]
    }
  /**
   * A composite value, PostgreSQL's row types: a FROM item's whole row (`SELECT p FROM p`,
   * `to_json(p)`) or a row constructor (`ROW(1, 'a')`). `name` is the relation whose row type it
   * is (a table's or view's catalog name), undefined for an anonymous `record`. Fields may be
   * records or arrays. Never a column's type: records are not stored.
   */
  | { readonly kind: 'record'; readonly name?: string | undefined; readonly fields: readonly RecordField[] }
  | { readonly kind: 'unknown' }

export type TypeKind = SqlType['kind']

/**
 * A runtime value. Representation by type: bool → boolean; int2/int4/int8/oid → bigint;
 * float4/float8 → number; numeric → Decimal; text/varchar/bpchar → string (bpchar padded); date → number (days since
 * 1970-01-01, ±Infinity for ±infinity); timestamp/timestamptz → bigint (microseconds since
 * 1970-01-01 00:00 UTC, ±2^64 for ±infinity); time → bigint (microseconds since midnight,
 * 0 to 86,400,000,000 inclusive, as PostgreSQL accepts 24:00:00); uuid → string (lowercase canonical); jsonb → Jsonb;
 * bytea → Uint8Array; interval → Interval; array → a JS array of element datums (NULL elements
 * as null); record → RecordValue (field datums in order); unknown → string (the literal's text);
 * NULL → null.
 */
export type Datum =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | Decimal
  | Jsonb
  | Interval
  | RecordValue
  | readonly Datum[]

export const boolType: SqlType = { kind: 'bool' }
export const int2Type: SqlType = { kind: 'int2' }
export const int4Type: SqlType = { kind: 'int4' }
export const int8Type: SqlType = { kind: 'int8' }
export const oidType: SqlType = { kind: 'oid' }
export const float4Type: SqlType = { kind: 'float4' }
export const float8Type: SqlType = { kind: 'float8' }
export const numericType: SqlType = { kind: 'numeric' }
export const textType: SqlType = { kind: 'text' }
export const varcharType: SqlType = { kind: 'varchar' }
export const bpcharType: SqlType = { kind: 'bpchar' }
export const dateType: SqlType = { kind: 'date' }
export const timestampType: SqlType = { kind: 'timestamp' }
export const timestamptzType: SqlType = { kind: 'timestamptz' }
export const timeType: SqlType = { kind: 'time' }
export const uuidType: SqlType = { kind: 'uuid' }
export const jsonbType: SqlType = { kind: 'jsonb' }
export const jsonpathType: SqlType = { kind: 'jsonpath' }
export const byteaType: SqlType = { kind: 'bytea' }
export const unknownType: SqlType = { kind: 'unknown' }
export const intervalType: SqlType = { kind: 'interval' }

/** The array type of `element` (int4 → int4[]); an array of arrays is the same array type, as
 * PostgreSQL has one array type per element type whatever the dimensions. */
export function arrayType(element: SqlType): SqlType {
  return element.kind === 'array' ? element : { kind: 'array', element }
}

/** The element type of an array type, undefined for other types. */
export function elementType(type: SqlType): SqlType | undefined {
  return type.kind === 'array' ? type.element : undefined
}

/** An anonymous record of these fields (a row constructor's type). */
export function recordType(fields: readonly RecordField[], name?: string): SqlType {
  return name === undefined ? { kind: 'record', fields } : { kind: 'record', name, fields }
}

const PLAIN: Readonly<Record<Exclude<TypeKind, 'array' | 'enum' | 'record'>, SqlType>> = {
  bool: boolType,
  int2: int2Type,
  int4: int4Type,
  int8: int8Type,
  oid: oidType,
  float4: float4Type,
  float8: float8Type,
  numeric: numericType,
  text: textType,
  varchar: varcharType,
  bpchar: bpcharType,
  date: dateType,
  timestamp: timestampType,
  timestamptz: timestamptzType,
  time: timeType,
  uuid: uuidType,
  jsonb: jsonbType,
  jsonpath: jsonpathType,
  bytea: byteaType,
  interval: intervalType,
  unknown: unknownType,
}

/** The type without its typmod (numeric(10,2) → numeric, varchar(5) → varchar). */
export function baseType(type: SqlType): SqlType {
  if (type.kind === 'array') return arrayType(baseType(type.element))
  if (type.kind === 'enum' || type.kind === 'record') return type
  return PLAIN[type.kind]
}

/** Whether two types are the same, typmods included. */
export function typesEqual(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false
  switch (a.kind) {
    case 'numeric': {
      const o = b as typeof a
      return a.precision === o.precision && (a.scale ?? 0) === (o.scale ?? 0)
    }
    case 'varchar':
    case 'bpchar':
      return a.length === (b as typeof a).length
    case 'timestamp':
    case 'timestamptz':
    case 'time':
      return a.precision === (b as typeof a).precision
    case 'interval': {
      const o = b as typeof a
      return a.fields === o.fields && a.precision === o.precision
    }
    case 'array':
      return typesEqual(a.element, (b as typeof a).element)
    case 'enum': {
      const o = b as typeof a
      return a.oid === o.oid && a.labels.length === o.labels.length && a.labels.every((l, i) => l === o.labels[i])
    }
    case 'record': {
      const o = b as typeof a
      return (
        a.name === o.name &&
        a.fields.length === o.fields.length &&
        a.fields.every((f, i) => {
          const g = o.fields[i] as RecordField
          return f.name === g.name && typesEqual(f.type, g.type)
        })
      )
    }
    default:
      return true
  }
}

export function isIntegerType(type: SqlType): boolean {
  return type.kind === 'int2' || type.kind === 'int4' || type.kind === 'int8'
}

export function isFloatType(type: SqlType): boolean {
  return type.kind === 'float4' || type.kind === 'float8'
}

/** Integer, float or numeric: PostgreSQL's numeric category. */
export function isNumericType(type: SqlType): boolean {
  return isIntegerType(type) || isFloatType(type) || type.kind === 'numeric'
}

/** text, varchar or bpchar: PostgreSQL's string category. */
export function isStringType(type: SqlType): boolean {
  return type.kind === 'text' || type.kind === 'varchar' || type.kind === 'bpchar'
}

export function isDatetimeType(type: SqlType): boolean {
  return (
    type.kind === 'date' ||
    type.kind === 'timestamp' ||
    type.kind === 'timestamptz' ||
    type.kind === 'time'
  )
}

/** PostgreSQL's type category letter (pg_type.typcategory), used for type resolution. */
export function typeCategory(type: SqlType): 'A' | 'B' | 'C' | 'E' | 'N' | 'S' | 'D' | 'T' | 'U' | 'X' {
  switch (type.kind) {
    case 'bool':
      return 'B'
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
    case 'float4':
    case 'float8':
    case 'numeric':
      return 'N'
    case 'text':
    case 'varchar':
    case 'bpchar':
      return 'S'
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
      return 'D'
    case 'uuid':
    case 'jsonb':
    case 'jsonpath':
    case 'bytea':
      return 'U'
    case 'interval':
      return 'T'
    case 'array':
      return 'A'
    case 'enum':
      return 'E'
    case 'record':
      return 'C'
    case 'unknown':
      return 'X'
    default:
      return assertNever(type)
  }
}

/** Whether the type is its category's preferred type (pg_type.typispreferred). The numeric
 * category has two, float8 and oid, as in PostgreSQL: `SELECT 1 UNION SELECT 2::oid` is oid. */
export function isPreferredType(type: SqlType): boolean {
  return (
    type.kind === 'bool' ||
    type.kind === 'oid' ||
    type.kind === 'float8' ||
    type.kind === 'text' ||
    type.kind === 'timestamptz' ||
    type.kind === 'interval'
  )
}

/** PostgreSQL's name of the type, as API.md's `fields[].type`: 'int8', 'varchar', 'timestamptz';
 * an array type is pg_type's '_' + element name ('_int4'). */
export function typeName(type: SqlType): string {
  if (type.kind === 'array') return `_${typeName(type.element)}`
  if (type.kind === 'enum') return bareName(type.name)
  if (type.kind === 'record') return type.name === undefined ? 'record' : bareName(type.name)
  return type.kind
}

/** The type as SQL would spell it, for messages: 'integer', 'character varying(10)'. */
export function formatType(type: SqlType): string {
  switch (type.kind) {
    case 'bool':
      return 'boolean'
    case 'int2':
      return 'smallint'
    case 'int4':
      return 'integer'
    case 'int8':
      return 'bigint'
    case 'float4':
      return 'real'
    case 'float8':
      return 'double precision'
    case 'numeric':
      return type.precision === undefined
        ? 'numeric'
        : `numeric(${type.precision},${type.scale ?? 0})`
    case 'varchar':
      return type.length === undefined ? 'character varying' : `character varying(${type.length})`
    case 'bpchar':
      // format_type_be's spelling; the catalog's format_type(1042, -1) says 'bpchar' instead.
      return type.length === undefined ? 'character' : `character(${type.length})`
    case 'timestamp':
      return type.precision === undefined
        ? 'timestamp without time zone'
        : `timestamp(${type.precision}) without time zone`
    case 'timestamptz':
      return type.precision === undefined
        ? 'timestamp with time zone'
        : `timestamp(${type.precision}) with time zone`
    case 'time':
      return type.precision === undefined
        ? 'time without time zone'
        : `time(${type.precision}) without time zone`
    case 'interval':
      return type.precision === undefined ? 'interval' : `interval(${type.precision})`
    case 'array':
      return `${formatType(type.element)}[]`
    case 'enum':
      return type.name
    case 'record':
      return type.name ?? 'record'
    case 'oid':
    case 'text':
    case 'date':
    case 'uuid':
    case 'jsonb':
    case 'jsonpath':
    case 'bytea':
    case 'unknown':
      return type.kind
    default:
      return assertNever(type)
  }
}

const ALIASES: Readonly<Record<string, Exclude<TypeKind, 'array' | 'enum' | 'record'>>> = {
  bool: 'bool',
  boolean: 'bool',
  int2: 'int2',
  smallint: 'int2',
  int4: 'int4',
  int: 'int4',
  integer: 'int4',
  int8: 'int8',
  bigint: 'int8',
  oid: 'oid',
  float4: 'float4',
  real: 'float4',
  float8: 'float8',
  'double precision': 'float8',
  numeric: 'numeric',
  decimal: 'numeric',
  text: 'text',
  varchar: 'varchar',
  'character varying': 'varchar',
  bpchar: 'bpchar',
  character: 'bpchar',
  date: 'date',
  timestamp: 'timestamp',
  'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  time: 'time',
  'time without time zone': 'time',
  uuid: 'uuid',
  jsonb: 'jsonb',
  // json is accepted as jsonb: Tessera stores the normalized form (no duplicate keys, sorted keys).
  json: 'jsonb',
  jsonpath: 'jsonpath',
  bytea: 'bytea',
  interval: 'interval',
}

/** PostgreSQL types Tessera knows by name but does not implement (0A000 rather than 42704). */
const UNSUPPORTED = new Set([
  'serial',
  'serial4',
  'bigserial',
  'serial8',
  'smallserial',
  'serial2',
  // "char", PostgreSQL's one-byte internal type; char(n) reaches here as bpchar.
  'char',
  'name',
  'timetz',
  'time with time zone',
  'money',
  'xml',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'bit',
  'varbit',
  'bit varying',
  'tsvector',
  'tsquery',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'regclass',
  'regtype',
  'record',
  'void',
  'cstring',
  'anyelement',
  'pg_lsn',
  'txid_snapshot',
  'pg_snapshot',
  'xid',
  'cid',
  'tid',
])

/** Resolves a type name as libpg_query gives it (`['pg_catalog','int4']`, `['varchar']` with
 * typmods `[10]`; `arrayDims` is the length of its `arrayBounds`, or the name is '_int4').
 * Throws 42704 for an unknown type, 0A000 for a PostgreSQL type Tessera lacks, 42601/22023 for
 * bad type modifiers. */
export function typeFromName(
  names: readonly string[],
  typmods: readonly number[],
  arrayDims = 0,
): SqlType {
  const qualified = names.map((n) => n.toLowerCase())
  const last = qualified[qualified.length - 1] ?? ''
  if (arrayDims > 0 || (last.startsWith('_') && last.length > 1)) {
    const elementNames = [...names.slice(0, -1), arrayDims > 0 ? last : last.slice(1)]
    const element = typeFromName(elementNames, typmods)
    return arrayType(element)
  }
  const name = last
  const schema = qualified.length > 1 ? qualified[qualified.length - 2] : undefined
  if (qualified.length > 2 || (schema !== undefined && schema !== 'pg_catalog')) {
    throw new SqlError('42704', `type "${names.join('.')}" does not exist`)
  }
  if (name === 'float') return floatFromPrecision(typmods)
  const kind = ALIASES[name]
  if (kind === undefined) {
    if (UNSUPPORTED.has(name)) throw featureNotSupported(`type ${name}`)
    throw new SqlError('42704', `type "${names.join('.')}" does not exist`)
  }
  switch (kind) {
    case 'numeric':
      return numericFromTypmods(typmods)
    case 'varchar':
    case 'bpchar':
      return stringFromTypmods(kind, typmods)
    case 'timestamp':
    case 'timestamptz':
    case 'time':
      return timestampFromTypmods(kind, typmods)
    case 'interval':
      return intervalFromTypmods(typmods)
    default:
      if (typmods.length > 0) {
        throw new SqlError('42601', `type modifier is not allowed for type "${name}"`)
      }
      return PLAIN[kind]
  }
}

function floatFromPrecision(typmods: readonly number[]): SqlType {
  const p = typmods[0]
  if (p === undefined) return float8Type
  if (p < 1) throw new SqlError('22023', 'precision for type float must be at least 1 bit')
  if (p > 53) throw new SqlError('22023', 'precision for type float must be less than 54 bits')
  return p <= 24 ? float4Type : float8Type
}

function numericFromTypmods(typmods: readonly number[]): SqlType {
  if (typmods.length === 0) return numericType
  if (typmods.length > 2) throw new SqlError('22023', 'invalid NUMERIC type modifier')
  const precision = typmods[0] as number
  const scale = typmods[1] ?? 0
  if (precision < 1 || precision > NUMERIC_PRECISION_MAX) {
    throw new SqlError(
      '22023',
      `NUMERIC precision ${precision} must be between 1 and ${NUMERIC_PRECISION_MAX}`,
    )
  }
  if (scale < NUMERIC_SCALE_MIN || scale > NUMERIC_SCALE_MAX) {
    throw new SqlError(
      '22023',
      `NUMERIC scale ${scale} must be between ${NUMERIC_SCALE_MIN} and ${NUMERIC_SCALE_MAX}`,
    )
  }
  return { kind: 'numeric', precision, scale }
}

function stringFromTypmods(kind: 'varchar' | 'bpchar', typmods: readonly number[]): SqlType {
  if (typmods.length === 0) return PLAIN[kind]
  if (typmods.length > 1) throw new SqlError('22023', 'invalid type modifier')
  const length = typmods[0] as number
  // PostgreSQL's messages call bpchar "char".
  const spelled = kind === 'bpchar' ? 'char' : kind
  if (length < 1) throw new SqlError('22023', `length for type ${spelled} must be at least 1`)
  if (length > VARCHAR_LENGTH_MAX) {
    throw new SqlError('22023', `length for type ${spelled} cannot exceed ${VARCHAR_LENGTH_MAX}`)
  }
  return { kind, length }
}

function timestampFromTypmods(
  kind: 'timestamp' | 'timestamptz' | 'time',
  typmods: readonly number[],
): SqlType {
  if (typmods.length === 0) return PLAIN[kind]
  if (typmods.length > 1) throw new SqlError('22023', 'invalid type modifier')
  const p = typmods[0] as number
  const spelled = SPELLED_PRECISION[kind]
  if (p < 0) throw new SqlError('22023', `${spelled}(${p}) precision must not be negative`)
  // PostgreSQL only warns and reduces a larger precision to the maximum.
  return { kind, precision: Math.min(p, TIMESTAMP_PRECISION_MAX) } as SqlType
}

const SPELLED_PRECISION = {
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
  time: 'TIME',
} as const

/** interval typmods as libpg_query gives them: [range mask] or [range mask, precision]. */
function intervalFromTypmods(typmods: readonly number[]): SqlType {
  if (typmods.length === 0) return intervalType
  if (typmods.length > 2) throw new SqlError('22023', 'invalid INTERVAL type modifier')
  const fields = typmods[0] as number
  const p = typmods[1]
  if (p !== undefined && p < 0) {
    throw new SqlError('22023', `INTERVAL(${p}) precision must not be negative`)
  }
  const precision = p === undefined ? undefined : Math.min(p, TIMESTAMP_PRECISION_MAX)
  return {
    kind: 'interval',
    ...(fields !== 0x7fff ? { fields } : {}),
    ...(precision !== undefined ? { precision } : {}),
  }
}
