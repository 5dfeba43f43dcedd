// jsonb operators and their helpers (ARCHITECTURE.md "query processor": evaluation): PostgreSQL's
// -> ->> #> #>> @> <@ ? ?| ?& - #- on the Jsonb value tree, shared with the jsonb functions.
import { SqlError } from '../../errors/index.ts'
import { Decimal } from './decimal.ts'
import { Jsonb, formatJsonNumber } from './jsonb.ts'

export type JsonValue = unknown

export const isJsonObject = (v: JsonValue): v is Record<string, JsonValue> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Decimal)

/** An own property (never the prototype's: '__proto__' and 'constructor' are plain keys). */
export function getKey(obj: Record<string, JsonValue>, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined
}

/** A fresh object with `key` set (defineProperty: '__proto__' stays an ordinary key). */
export function withKey(obj: Record<string, JsonValue>, key: string, value: JsonValue) {
  const out: Record<string, JsonValue> = {}
  for (const [k, v] of Object.entries(obj)) define(out, k, v)
  define(out, key, value)
  return out
}

export function define(obj: Record<string, JsonValue>, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}

/** `j -> 'key'` on an object, `j -> n` on an array (negative n counts from the end). */
export function jsonField(v: JsonValue, key: string | bigint): JsonValue | undefined {
  if (typeof key === 'string') return isJsonObject(v) ? getKey(v, key) : undefined
  if (!Array.isArray(v)) return undefined
  const n = Number(key)
  const i = n < 0 ? v.length + n : n
  return i >= 0 && i < v.length ? v[i] : undefined
}

/** `#>`: follows a text[] path; array steps must read as integers, or the result is NULL. */
export function jsonPath(v: JsonValue, path: readonly (string | null)[]): JsonValue | undefined {
  let cur: JsonValue | undefined = v
  for (const step of path) {
    if (step === null || cur === undefined) return undefined
    if (Array.isArray(cur)) {
      if (!/^\s*[+-]?\d+$/.test(step)) return undefined
      cur = jsonField(cur, BigInt(step.trim()))
    } else {
      cur = jsonField(cur, step)
    }
  }
  return cur
}

/** A jsonb value as `->>` renders it: a string unquoted, JSON null as SQL NULL. */
export function jsonText(v: JsonValue | undefined): string | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'string') return v
  if (typeof v === 'number' || v instanceof Decimal) return formatJsonNumber(v)
  return new Jsonb(v).toString()
}

/** The jsonb type name jsonb_typeof reports. */
export function jsonTypeof(v: JsonValue): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number' || v instanceof Decimal) return 'number'
  if (typeof v === 'object') return 'object'
  if (typeof v === 'boolean') return 'boolean'
  return 'string'
}

function scalarEqual(a: JsonValue, b: JsonValue): boolean {
  if (a instanceof Decimal && b instanceof Decimal) return a.compare(b) === 0
  return a === b
}

/** `a @> b` (JsonbDeepContains): objects by key, arrays by membership; a top-level array
 * contains a top-level scalar, never the reverse. */
export function jsonContains(a: JsonValue, b: JsonValue): boolean {
  if (isJsonObject(a) !== isJsonObject(b)) return false
  if (Array.isArray(a) && !Array.isArray(b) && !isJsonObject(b)) return a.some((x) => scalarEqual(x, b))
  return deepContains(a, b)
}

function deepContains(a: JsonValue, b: JsonValue): boolean {
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false
    return Object.entries(b).every(([k, bv]) => {
      const av = getKey(a, k)
      if (av === undefined) return false
      if (isContainer(bv) || isContainer(av)) return deepContains(av, bv)
      return scalarEqual(av, bv)
    })
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false
    return b.every((bv) => {
      if (!isContainer(bv)) return a.some((av) => !isContainer(av) && scalarEqual(av, bv))
      return a.some((av) => isJsonObject(av) === isJsonObject(bv) && isContainer(av) && deepContains(av, bv))
    })
  }
  return !isContainer(b) && scalarEqual(a, b)
}

const isContainer = (v: JsonValue) => v !== null && typeof v === 'object' && !(v instanceof Decimal)

/** `j ? key`: a top-level object key, or a string element of a top-level array or scalar. */
export function jsonHasKey(v: JsonValue, key: string): boolean {
  if (isJsonObject(v)) return Object.hasOwn(v, key)
  if (Array.isArray(v)) return v.some((x) => x === key)
  return v === key
}

/** `j - 'key'` (object key, or string elements of an array); 22023 on a scalar. */
export function jsonDeleteKey(v: JsonValue, key: string): JsonValue {
  if (isJsonObject(v)) {
    const out: Record<string, JsonValue> = {}
    for (const [k, x] of Object.entries(v)) if (k !== key) define(out, k, x)
    return out
  }
  if (Array.isArray(v)) return v.filter((x) => x !== key)
  throw new SqlError('22023', 'cannot delete from scalar')
}

/** `j - n`: the array without element n (negative from the end); 22023 on objects and scalars. */
export function jsonDeleteIndex(v: JsonValue, n: bigint): JsonValue {
  if (isJsonObject(v)) throw new SqlError('22023', 'cannot delete from object using integer index')
  if (!Array.isArray(v)) throw new SqlError('22023', 'cannot delete from scalar')
  const i = n < 0n ? BigInt(v.length) + n : n
  return v.filter((_x, k) => BigInt(k) !== i)
}

/** `j #- path`: the value without the element at the path (unchanged when it is missing). */
export function jsonDeletePath(v: JsonValue, path: readonly (string | null)[]): JsonValue {
  if (!isContainer(v)) throw new SqlError('22023', 'cannot delete path in scalar')
  // PostgreSQL returns an empty top-level container before reading the path at all.
  const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v as object).length === 0
  if (path.length === 0 || empty) return v
  return deletePathAt(v, path, 0)
}

function deletePathAt(v: JsonValue, path: readonly (string | null)[], level: number): JsonValue {
  const step = path[level]
  if (step === null) throw new SqlError('22004', `path element at position ${level + 1} is null`)
  if (step === undefined) return v
  const last = level === path.length - 1
  if (isJsonObject(v)) {
    const child = getKey(v, step)
    if (child === undefined) return v
    if (last) return jsonDeleteKey(v, step)
    return isContainer(child) ? withKey(v, step, deletePathAt(child, path, level + 1)) : v
  }
  if (Array.isArray(v)) {
    const i = arrayIndex(step, v.length, level)
    if (i === undefined || i < 0 || i >= v.length) return v
    if (last) return v.filter((_x, k) => k !== i)
    const child = v[i]
    if (!isContainer(child)) return v
    return v.map((x, k) => (k === i ? deletePathAt(x, path, level + 1) : x))
  }
  return v
}

/** A path step as an array index (negative from the end); 22P02 when it is not an integer. */
export function arrayIndex(step: string, length: number, level: number): number | undefined {
  if (!/^\s*[+-]?\d+$/.test(step)) {
    throw new SqlError(
      '22P02',
      `path element at position ${level + 1} is not an integer: "${step}"`,
    )
  }
  const n = Number(step)
  return n < 0 ? length + n : n
}
