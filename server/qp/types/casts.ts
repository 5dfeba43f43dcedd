// Casts between SQL types (ARCHITECTURE.md "query processor": binding and evaluation): PostgreSQL's
// pg_cast rules per context, the cast functions, and typmod coercion (numeric(p,s), varchar(n),
// character(n)).
import { SqlError, assert } from '../../errors/index.ts'
import { applyBpcharLength, bpcharStrip, truncateToLength } from './bpchar.ts'
import { dateToTimestamp, roundTimestamp, timestampToDate } from './datetime.ts'
import { Decimal } from './decimal.ts'
import { Jsonb } from './jsonb.ts'
import { checkInt, parseFloat, rint, type IntKind } from './number-io.ts'
import {
  baseType,
  formatType,
  typesEqual,
  isIntegerType,
  isStringType,
  type Datum,
  type SqlType,
  type TypeKind,
} from './sql-type.ts'
import { expect, expectArray, expectInstance, formatText, parseText } from './text-io.ts'
import { Interval, applyIntervalTypmod } from './interval.ts'
import { int4OfOid, oidOfInt8, oidOfSigned32 } from './oid.ts'
import { intervalToTime, roundTime, timeToInterval, timestampToTime } from './time.ts'

/** Where a cast happens; PostgreSQL allows different casts in each context. */
export type CastContext = 'implicit' | 'assignment' | 'explicit'

const RANK: Readonly<Record<CastContext, number>> = { implicit: 0, assignment: 1, explicit: 2 }

const I = 'implicit'
const A = 'assignment'
const E = 'explicit'

/** pg_cast for Tessera's types (castcontext i/a/e), without I/O conversions through text. */
const CASTS: Readonly<Partial<Record<TypeKind, Partial<Record<TypeKind, CastContext>>>>> = {
  int2: { int4: I, int8: I, float4: I, float8: I, numeric: I, oid: I },
  int4: { int2: A, int8: I, float4: I, float8: I, numeric: I, bool: E, oid: I },
  int8: { int2: A, int4: A, float4: I, float8: I, numeric: I, oid: I },
  // No cast to int2, float or numeric: PostgreSQL has none (42846).
  oid: { int4: A, int8: A },
  float4: { int2: A, int4: A, int8: A, float8: I, numeric: A },
  float8: { int2: A, int4: A, int8: A, float4: A, numeric: A },
  numeric: { int2: A, int4: A, int8: A, float4: I, float8: I },
  bool: { int4: E },
  text: { varchar: I, bpchar: I },
  varchar: { text: I, bpchar: I },
  bpchar: { text: I, varchar: I },
  date: { timestamp: I, timestamptz: I },
  timestamp: { date: A, timestamptz: I, time: A },
  timestamptz: { date: A, timestamp: A, time: A },
  time: { interval: I },
  interval: { time: A },
  jsonb: { bool: E, int2: E, int4: E, int8: E, float4: E, float8: E, numeric: E },
}

/** The least context in which `from` casts to `to`, or undefined when no cast exists. */
export function castContextOf(from: SqlType, to: SqlType): CastContext | undefined {
  // Arrays cast element by element, in the context the element cast needs (array_coerce).
  if (from.kind === 'array' && to.kind === 'array') return castContextOf(from.element, to.element)
  if (from.kind === 'enum' && to.kind === 'enum' && from.oid !== to.oid) return undefined
  // A record to another record type of the same fields (a row constructor to a table's row
  // type); PostgreSQL's field-by-field conversions between other shapes are not built.
  if (from.kind === 'record' && to.kind === 'record') {
    const same = from.fields.length === to.fields.length && from.fields.every((f, i) => typesEqual(f.type, (to.fields[i] as typeof f).type))
    return same ? I : undefined
  }
  if (from.kind === to.kind || from.kind === 'unknown') return I
  if (to.kind === 'unknown') return undefined
  const direct = CASTS[from.kind]?.[to.kind]
  if (direct !== undefined) return direct
  // PostgreSQL's automatic I/O conversion: to a string type in assignment, from one explicitly.
  if (isStringType(to)) return A
  if (isStringType(from)) return E
  return undefined
}

/** Whether a cast from `from` to `to` is allowed in `context`. */
export function canCast(from: SqlType, to: SqlType, context: CastContext): boolean {
  const least = castContextOf(from, to)
  return least !== undefined && RANK[least] <= RANK[context]
}

/** Casts a non-null value, applying the target's typmod: numeric(p,s) rounds (22003 on
 * overflow), varchar(n) and character(n) truncate when explicit and raise 22001 otherwise (character(n)
 * then pads to n), timestamp(p) and time(p) round;
 * integer overflow 22003. Throws 42846 when the cast does not exist in `context`. `nowUs` is
 * for text read as a date/time ('now', 'today': see `parseText`). */
export function cast(
  value: Datum,
  from: SqlType,
  to: SqlType,
  context: CastContext,
  nowUs?: bigint,
): Datum {
  if (value === null) return null
  if (!canCast(from, to, context)) {
    throw new SqlError('42846', `cannot cast type ${formatType(from)} to ${formatType(to)}`)
  }
  return applyTypmod(convert(value, from, to, nowUs), to, context)
}

/** A value as text the way a cast to text makes it (bool gives 'true'/'false', not 't'/'f'). */
export function castToText(value: Datum, from: SqlType): string {
  if (from.kind === 'bool') return value ? 'true' : 'false'
  // bpchar's padding is not part of its value: rtrim1 drops it on the way to text.
  if (from.kind === 'bpchar') return bpcharStrip(expect(value, 'string', from))
  return formatText(value, from)
}

function convert(value: Datum, from: SqlType, to: SqlType, nowUs: bigint | undefined): Datum {
  if (from.kind === 'array' && to.kind === 'array') {
    const [fe, te] = [from.element, to.element]
    // The element typmod is applied afterwards by applyTypmod, in the cast's own context.
    if (typesEqual(baseType(fe), baseType(te))) return value
    return expectArray(value, from).map((v) => (v === null ? null : convert(v, fe, te, nowUs)))
  }
  if (from.kind === to.kind) return value
  if (from.kind === 'unknown') return parseText(expect(value, 'string', from), to, nowUs)
  if (isStringType(to)) return castToText(value, from)
  if (isStringType(from)) return parseText(castToText(value, from), to, nowUs)
  switch (to.kind) {
    case 'int2':
    case 'int4':
    case 'int8':
      return from.kind === 'oid' ? fromOid(expect(value, 'bigint', from), to.kind) : toInteger(value, from, to.kind)
    case 'oid': {
      const n = expect(value, 'bigint', from)
      return from.kind === 'int8' ? oidOfInt8(n) : oidOfSigned32(n)
    }
    case 'float4':
    case 'float8':
      return toFloat(value, from, to.kind)
    case 'numeric':
      return toNumeric(value, from)
    case 'bool':
      return from.kind === 'jsonb'
        ? jsonbScalar(value, 'boolean', to)
        : expect(value, 'bigint', from) !== 0n
    case 'date':
      return timestampToDate(expect(value, 'bigint', from))
    case 'timestamp':
    case 'timestamptz':
      return from.kind === 'date' ? dateToTimestamp(expect(value, 'number', from)) : value
    case 'time':
      // The session time zone is always UTC, so timestamptz's time of day is its UTC one.
      return from.kind === 'interval'
        ? intervalToTime(expectInstance(value, Interval, from))
        : timestampToTime(expect(value, 'bigint', from))
    case 'interval':
      return timeToInterval(expect(value, 'bigint', from))
    default:
      assert(false, `no conversion from ${from.kind} to ${to.kind}`)
  }
}

function toInteger(value: Datum, from: SqlType, kind: IntKind): bigint {
  if (isIntegerType(from)) return checkInt(expect(value, 'bigint', from), kind)
  if (from.kind === 'bool') return value ? 1n : 0n
  if (from.kind === 'float4' || from.kind === 'float8') {
    const x = rint(expect(value, 'number', from))
    if (!Number.isFinite(x)) return checkInt(2n ** 64n, kind)
    return checkInt(BigInt(x), kind)
  }
  if (from.kind === 'jsonb') return toInteger(jsonbNumeric(value, kind), { kind: 'numeric' }, kind)
  const d = expectInstance(value, Decimal, from)
  if (d.isNaN) throw new SqlError('0A000', `cannot convert NaN to ${formatType({ kind })}`)
  return checkInt(d.round(0).coefficient, kind)
}

/** oid to int4 keeps the 32 bits (read as signed), to int8 the unsigned value; castContextOf
 * allows no other integer target. */
function fromOid(n: bigint, kind: IntKind): bigint {
  assert(kind !== 'int2', 'no cast from oid to int2')
  return kind === 'int4' ? int4OfOid(n) : n
}

function toFloat(value: Datum, from: SqlType, kind: 'float4' | 'float8'): number {
  if (isIntegerType(from)) {
    const x = Number(expect(value, 'bigint', from))
    return kind === 'float4' ? Math.fround(x) : x
  }
  if (from.kind === 'float8') return float8ToFloat4(expect(value, 'number', from))
  if (from.kind === 'float4') return expect(value, 'number', from)
  const d = from.kind === 'jsonb' ? jsonbNumeric(value, kind) : expectInstance(value, Decimal, from)
  // numeric_float8 goes through float8in of the numeric's text: same rounding, same errors.
  return d.isNaN ? Number.NaN : parseFloat(d.toString(), kind)
}

function float8ToFloat4(x: number): number {
  const y = Math.fround(x)
  if (!Number.isFinite(y) && Number.isFinite(x)) {
    throw new SqlError('22003', 'value out of range: overflow')
  }
  if (y === 0 && x !== 0) throw new SqlError('22003', 'value out of range: underflow')
  return y
}

function toNumeric(value: Datum, from: SqlType): Decimal {
  if (isIntegerType(from)) return Decimal.fromBigInt(expect(value, 'bigint', from))
  if (from.kind === 'float8') return Decimal.fromFloat(expect(value, 'number', from), 15)
  if (from.kind === 'float4') return Decimal.fromFloat(expect(value, 'number', from), 6)
  return jsonbNumeric(value, 'numeric')
}

const JSON_TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'string',
  number: 'numeric',
  boolean: 'boolean',
  object: 'object',
}

function jsonbTypeName(v: unknown): string {
  if (v === null) return 'null'
  if (v instanceof Decimal) return 'numeric'
  if (Array.isArray(v)) return 'array'
  return JSON_TYPE_NAMES[typeof v] ?? 'unknown'
}

function jsonbScalar(value: Datum, js: 'boolean', to: SqlType): boolean {
  const v = expectInstance(value, Jsonb, { kind: 'jsonb' }).value
  if (typeof v !== js) {
    throw new SqlError('22023', `cannot cast jsonb ${jsonbTypeName(v)} to type ${formatType(to)}`)
  }
  return v as boolean
}

function jsonbNumeric(value: Datum, kind: TypeKind): Decimal {
  const v = expectInstance(value, Jsonb, { kind: 'jsonb' }).value
  if (!(v instanceof Decimal)) {
    const target = formatType({ kind } as SqlType)
    throw new SqlError('22023', `cannot cast jsonb ${jsonbTypeName(v)} to type ${target}`)
  }
  return v
}

/** Applies the type's modifier to a value already of its base type. */
export function applyTypmod(value: Datum, type: SqlType, context: CastContext): Datum {
  if (value === null) return null
  switch (type.kind) {
    case 'numeric':
      return type.precision === undefined
        ? value
        : applyNumericTypmod(expectInstance(value, Decimal, type), type.precision, type.scale ?? 0)
    case 'varchar':
      return type.length === undefined
        ? value
        : truncateToLength(
            expect(value, 'string', type),
            type.length,
            context === 'explicit',
            'character varying',
          )
    case 'bpchar':
      return type.length === undefined
        ? value
        : applyBpcharLength(expect(value, 'string', type), type.length, context === 'explicit')
    case 'timestamp':
    case 'timestamptz':
      return roundTimestamp(expect(value, 'bigint', type), type.precision)
    case 'time':
      return roundTime(expect(value, 'bigint', type), type.precision)
    case 'interval':
      return applyIntervalTypmod(expectInstance(value, Interval, type), type.fields, type.precision)
    case 'array': {
      const element = type.element
      if (typesEqual(element, baseType(element))) return value
      return expectArray(value, type).map((v) => applyTypmod(v, element, context))
    }
    default:
      return value
  }
}

/** numeric(p,s): round to s digits, then 22003 'numeric field overflow' when more than p-s digits
 * remain before the point (PostgreSQL's apply_typmod, detail included). */
export function applyNumericTypmod(d: Decimal, precision: number, scale: number): Decimal {
  if (d.isNaN) return d
  const rounded = d.round(scale)
  const maxDigits = precision - scale
  const lead = rounded.leadingExponent()
  if (lead !== undefined && lead + 1 > maxDigits) {
    const bound = maxDigits !== 0 ? `10^${maxDigits}` : '1'
    throw new SqlError('22003', 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${bound}.`,
    })
  }
  return rounded
}
