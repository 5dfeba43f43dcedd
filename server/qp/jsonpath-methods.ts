// jsonpath item methods that convert one item (ARCHITECTURE.md "query processor": evaluate):
// .abs(), .floor(), .ceiling(), .double() and PostgreSQL 17's .number(), .decimal(), .integer(),
// .bigint(), .boolean() and .string(), as jsonpath_exec.c's executeItemOptUnwrapTarget converts
// them; and the byte offsets of objects in PostgreSQL's jsonb layout, which .keyvalue()'s "id"
// reports.
import { SqlError } from '../errors/index.ts'
import { JsonPathDatetime, datetimeJson } from './jsonpath-datetime.ts'
import {
  Decimal,
  applyTypmod,
  checkInt,
  isJsonObject,
  jsonbEntries,
  parseText,
  type SqlType,
} from './types/index.ts'

type Json = unknown

/** A converting method's result: the new item, or the error PostgreSQL raises (which `silent`
 * may suppress, so it is returned rather than thrown). */
export type Converted = { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly error: SqlError }

const ok = (value: Json): Converted => ({ ok: true, value })
/** 22036 (non-numeric SQL/JSON item), the code of every conversion error PostgreSQL raises here. */
const err = (message: string): Converted => ({ ok: false, error: new SqlError('22036', message) })

const invalidFor = (name: string, arg: string, type: string) =>
  err(`argument "${arg}" of jsonpath item method .${name}() is invalid for type ${type}`)
const nanNotAllowed = (name: string) => err(`NaN or Infinity is not allowed for jsonpath item method .${name}()`)

/** Runs a string through a SQL type's input function; undefined when the text is invalid. */
function input(text: string, type: SqlType): unknown {
  try {
    return parseText(text, type)
  } catch (e) {
    if (e instanceof SqlError) return undefined
    throw e
  }
}

/** The numeric methods: .abs(), .floor(), .ceiling(). */
export function numericMethod(name: 'abs' | 'floor' | 'ceiling', v: Json): Converted {
  if (!(v instanceof Decimal)) return err(`jsonpath item method .${name}() can only be applied to a numeric value`)
  if (name === 'abs') return ok(v.abs())
  const t = v.trunc(0)
  const frac = !t.equals(v)
  if (name === 'floor') return ok(frac && v.sign < 0 ? t.sub(Decimal.fromBigInt(1n)) : t)
  return ok(frac && v.sign > 0 ? t.add(Decimal.fromBigInt(1n)) : t)
}

/** .double(): a number stays as it is once it fits a double; a string is read as a double and
 * becomes numeric as float8_numeric does (15 significant digits). */
export function doubleMethod(v: Json): Converted {
  if (v instanceof Decimal) {
    const x = Number(v.toString())
    return Number.isFinite(x) ? ok(v) : invalidFor('double', v.toString(), 'double precision')
  }
  if (typeof v === 'string') {
    const x = input(v, { kind: 'float8' })
    if (typeof x !== 'number') return invalidFor('double', v, 'double precision')
    if (!Number.isFinite(x)) return nanNotAllowed('double')
    return ok(Decimal.fromFloat(x, 15))
  }
  return err('jsonpath item method .double() can only be applied to a string or numeric value')
}

/** .number() and .decimal([precision [, scale]]): a number or a numeric string as numeric, with
 * the typmod applied as a cast to numeric(p, s) would. */
export function decimalMethod(name: 'number' | 'decimal', v: Json, args: readonly (Decimal | string)[]): Converted {
  let n: Decimal
  if (v instanceof Decimal) {
    n = v
  } else if (typeof v === 'string') {
    const x = input(v, { kind: 'numeric' })
    if (!(x instanceof Decimal)) return invalidFor(name, v, 'numeric')
    if (x.isNaN) return nanNotAllowed(name)
    n = x
  } else {
    return err(`jsonpath item method .${name}() can only be applied to a string or numeric value`)
  }
  if (args.length === 0) return ok(n)
  const [p, s] = args.map((a) => Number((a as Decimal).toString()))
  const type = numericTypmod(p as number, s ?? 0)
  try {
    return ok(applyTypmod(n, type, 'explicit'))
  } catch (e) {
    if (e instanceof SqlError && e.code === '22003') return invalidFor(name, n.toString(), 'numeric')
    throw e
  }
}

/** numeric(p, s) with PostgreSQL's typmod checks (22023 outside its range, not suppressible). */
function numericTypmod(precision: number, scale: number): SqlType {
  if (precision < 1 || precision > 1000) throw new SqlError('22023', `NUMERIC precision ${precision} must be between 1 and 1000`)
  if (scale < -1000 || scale > 1000) throw new SqlError('22023', `NUMERIC scale ${scale} must be between -1000 and 1000`)
  return { kind: 'numeric', precision, scale }
}

/** .integer() and .bigint(): a number rounded half away from zero, or an integer string. */
export function integerMethod(name: 'integer' | 'bigint', v: Json): Converted {
  const kind = name === 'integer' ? 'int4' : 'int8'
  const typeName = name === 'integer' ? 'integer' : 'bigint'
  if (v instanceof Decimal) {
    const r = v.round(0).toBigInt()
    if (r === undefined || !fits(r, kind)) return invalidFor(name, v.toString(), typeName)
    return ok(Decimal.fromBigInt(r))
  }
  if (typeof v === 'string') {
    const x = input(v, { kind })
    return typeof x === 'bigint' ? ok(Decimal.fromBigInt(x)) : invalidFor(name, v, typeName)
  }
  return err(`jsonpath item method .${name}() can only be applied to a string or numeric value`)
}

function fits(n: bigint, kind: 'int4' | 'int8'): boolean {
  try {
    checkInt(n, kind)
    return true
  } catch {
    return false
  }
}

/** .boolean(): a boolean, an integer (0 is false), or a string boolean input accepts. */
export function booleanMethod(v: Json): Converted {
  if (typeof v === 'boolean') return ok(v)
  if (v instanceof Decimal) {
    // PostgreSQL reads the number's text as an int4: 1.0 and 2^31 are invalid, not true.
    const n = /^-?[0-9]+$/.test(v.toString()) ? BigInt(v.toString()) : undefined
    if (n === undefined || !fits(n, 'int4')) return invalidFor('boolean', v.toString(), 'boolean')
    return ok(n !== 0n)
  }
  if (typeof v === 'string') {
    const b = input(v, { kind: 'bool' })
    return typeof b === 'boolean' ? ok(b) : invalidFor('boolean', v, 'boolean')
  }
  return err('jsonpath item method .boolean() can only be applied to a boolean, string, or numeric value')
}

/** .string(): a string, a number's text, "true"/"false", or a datetime item's jsonb text. */
export function stringMethod(v: Json): Converted {
  if (typeof v === 'string') return ok(v)
  if (v instanceof JsonPathDatetime) return ok(datetimeJson(v))
  if (v instanceof Decimal) return ok(v.toString())
  if (typeof v === 'boolean') return ok(v ? 'true' : 'false')
  return err('jsonpath item method .string() can only be applied to a boolean, string, numeric, or datetime value')
}

const align4 = (n: number) => (n + 3) & ~3

/** Bytes of a numeric in PostgreSQL's on-disk form: a 4-byte varlena header, a 2-byte short or
 * 4-byte long header, and 2 bytes per base-10000 digit (leading and trailing zero digits dropped). */
function numericBytes(d: Decimal): number {
  const digits = (d.coefficient < 0n ? -d.coefficient : d.coefficient).toString().padStart(d.scale + 1, '0')
  const intPart = digits.slice(0, digits.length - d.scale)
  const fracPart = digits.slice(digits.length - d.scale)
  const intGroups = Math.ceil(intPart.length / 4)
  const all = intPart.padStart(intGroups * 4, '0') + fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0')
  const groups = all.match(/.{4}/g) ?? []
  let first = 0
  while (first < groups.length && groups[first] === '0000') first++
  let last = groups.length
  while (last > first && groups[last - 1] === '0000') last--
  const ndigits = last - first
  const weight = ndigits === 0 ? 0 : intGroups - 1 - first
  const short = d.scale <= 63 && weight >= -64 && weight <= 63
  return 4 + (short ? 2 : 4) + 2 * ndigits
}

/** The byte offset of every object and array of `root` from the start of its jsonb container,
 * laid out as PostgreSQL's convertToJsonb does: a container is a 4-byte header, 4 bytes per entry
 * (an object's keys, then its values), then the data; numbers and containers start 4-aligned. */
export function containerOffsets(root: Json): Map<object, number> {
  const out = new Map<object, number>()
  const place = (v: Json, at: number): number => {
    // A datetime item (a SQL/JSON PASSING value) is no container.
    if (Array.isArray(v) || (isJsonObject(v) && !(v instanceof JsonPathDatetime))) {
      const start = align4(at)
      out.set(v as object, start)
      const entries = Array.isArray(v) ? [] : jsonbEntries(v)
      const values = Array.isArray(v) ? v : [...entries.map(([k]) => k), ...entries.map(([, x]) => x)]
      let pos = start + 4 + 4 * values.length
      for (const c of values) pos = place(c, pos)
      return pos
    }
    if (v instanceof Decimal) return align4(at) + numericBytes(v)
    if (typeof v === 'string') return at + new TextEncoder().encode(v).length
    return at
  }
  place(root, 0)
  return out
}
