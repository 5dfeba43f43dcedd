// The jsonb type (ARCHITECTURE.md "query processor": values): parsing, PostgreSQL's canonical
// jsonb text output and jsonb's btree order.
import { SqlError } from '../../errors/index.ts'
import { Decimal } from './decimal.ts'
import { compareCodePoints, utf8Length } from './text-order.ts'

/** A jsonb value (boxed, so JSON null is not SQL NULL). `value` is plain JSON data: null,
 * boolean, finite number, string, array or object. Numbers are JS doubles, so jsonb keeps at most
 * 17 significant digits (PostgreSQL keeps numeric precision). */
export class Jsonb {
  readonly value: unknown

  constructor(value: unknown) {
    this.value = value
  }

  /** jsonb input: 22P02 on malformed JSON, 22P05 for \u0000, 22003 for numbers beyond double. */
  static parse(text: string): Jsonb {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      throw new SqlError('22P02', 'invalid input syntax for type json', {
        detail: e instanceof Error ? e.message : undefined,
        cause: e,
      })
    }
    checkValue(value)
    return new Jsonb(value)
  }

  /** PostgreSQL's jsonb output: keys ordered by (length, bytes), `": "` and `", "` separators. */
  toString(): string {
    return formatJson(this.value)
  }
}

function checkValue(value: unknown): void {
  if (typeof value === 'string') {
    if (value.includes('\0')) {
      throw new SqlError('22P05', 'unsupported Unicode escape sequence', {
        detail: '\\u0000 cannot be converted to text.',
      })
    }
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SqlError('22003', 'jsonb number out of range')
  } else if (Array.isArray(value)) {
    for (const v of value) checkValue(v)
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      checkValue(k)
      checkValue(v)
    }
  }
}

/** Orders object keys as jsonb stores them: shorter first, then by bytes. */
export function compareJsonbKeys(a: string, b: string): number {
  const la = utf8Length(a)
  const lb = utf8Length(b)
  return la !== lb ? la - lb : compareCodePoints(a, b)
}

/** The object's entries in jsonb storage order. */
export function jsonbEntries(obj: object): [string, unknown][] {
  return Object.entries(obj).sort((x, y) => compareJsonbKeys(x[0], y[0]))
}

/** A JSON number as numeric prints it: no exponent, -0 as 0. */
export function formatJsonNumber(n: number): string {
  return Decimal.fromNumber(n).toString()
}

function formatJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return formatJsonNumber(value)
    case 'string':
      return JSON.stringify(value)
    case 'bigint':
      return value.toString()
    case 'object':
      if (Array.isArray(value)) return `[${value.map(formatJson).join(', ')}]`
      return `{${jsonbEntries(value)
        .map(([k, v]) => `${JSON.stringify(k)}: ${formatJson(v)}`)
        .join(', ')}}`
    default:
      throw new SqlError('22023', `cannot represent ${typeof value} as jsonb`)
  }
}

/** The value with objects rebuilt in jsonb key order (for the wire, where order is visible). */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of jsonbEntries(value)) {
    Object.defineProperty(out, k, { value: canonicalJson(v), enumerable: true, writable: true })
  }
  return out
}

/** jsonb's type order (PostgreSQL's jbvType): null < string < number < boolean < array < object. */
function rank(v: unknown): number {
  if (v === null || v === undefined) return 0
  if (typeof v === 'string') return 1
  if (typeof v === 'number' || typeof v === 'bigint') return 2
  if (typeof v === 'boolean') return 3
  return Array.isArray(v) ? 4 : 5
}

/**
 * jsonb's btree order (compareJsonbContainers): by type; arrays by length then elements; objects
 * by pair count then key, value, key, value in storage order. At the top level a scalar is a
 * one-element pseudo array that sorts below real arrays, except that the empty array sorts
 * below every scalar.
 */
export function compareJsonb(a: Jsonb, b: Jsonb): number {
  const x = a.value
  const y = b.value
  const rx = rank(x)
  const ry = rank(y)
  if (rx === 5 || ry === 5) return rx === ry ? compareValues(x, y) : rx === 5 ? 1 : -1
  const nx = rx === 4 ? (x as unknown[]).length : 1
  const ny = ry === 4 ? (y as unknown[]).length : 1
  if (nx !== ny) return nx > ny ? 1 : -1
  if ((rx === 4) !== (ry === 4)) return rx === 4 ? 1 : -1
  return compareValues(x, y)
}

function compareValues(x: unknown, y: unknown): number {
  const rx = rank(x)
  const ry = rank(y)
  if (rx !== ry) return rx > ry ? 1 : -1
  switch (rx) {
    case 0:
      return 0
    case 1:
      return compareCodePoints(x as string, y as string)
    case 2:
      return compareJsonNumbers(x as number, y as number)
    case 3:
      return x === y ? 0 : x ? 1 : -1
    case 4:
      return compareArrays(x as unknown[], y as unknown[])
    default:
      return compareObjects(x as object, y as object)
  }
}

function compareJsonNumbers(x: number | bigint, y: number | bigint): number {
  return x < y ? -1 : x > y ? 1 : 0
}

function compareArrays(x: unknown[], y: unknown[]): number {
  if (x.length !== y.length) return x.length > y.length ? 1 : -1
  for (let i = 0; i < x.length; i++) {
    const c = compareValues(x[i], y[i])
    if (c !== 0) return c
  }
  return 0
}

function compareObjects(x: object, y: object): number {
  const ex = jsonbEntries(x)
  const ey = jsonbEntries(y)
  if (ex.length !== ey.length) return ex.length > ey.length ? 1 : -1
  for (let i = 0; i < ex.length; i++) {
    const [kx, vx] = ex[i] as [string, unknown]
    const [ky, vy] = ey[i] as [string, unknown]
    const ck = compareCodePoints(kx, ky)
    if (ck !== 0) return ck
    const cv = compareValues(vx, vy)
    if (cv !== 0) return cv
  }
  return 0
}
