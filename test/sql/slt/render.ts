// sqllogictest result normalisation (../shared/conformance/README.md §4): values rendered as the
// reference harness prints them (I as %d truncated, R as C's %.3f, T with (empty) and @), then
// sorted, compared or hashed with MD5.
import { createHash } from 'node:crypto'
import type { SortMode } from './parser.ts'

/** A value as an engine returns it: JSON from Tessera, JS values from PGlite. */
export type EngineValue = null | boolean | number | bigint | string | object

/** Renders one value for a column of type `type` (`I`, `R` or `T`; other letters render as T). */
export function renderValue(value: EngineValue | undefined, type: string): string {
  if (value === null || value === undefined) return 'NULL'
  switch (type) {
    case 'I':
      return renderInteger(value)
    case 'R':
      return formatC3(toDouble(value))
    default:
      return renderText(value)
  }
}

/** C-style conversion to an integer: numbers truncate toward zero, numeric text keeps its
 * integer part (exactly, for int8 and numeric strings), booleans are 1/0, other text is 0. */
function renderInteger(value: EngineValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '0'
    return BigInt(Math.trunc(value)).toString()
  }
  if (typeof value === 'string') {
    const m = /^\s*([-+]?)(\d+)/.exec(value)
    if (m === null) {
      const d = Number(value)
      return Number.isFinite(d) ? BigInt(Math.trunc(d)).toString() : '0'
    }
    const digits = BigInt(m[2]!)
    return (m[1] === '-' ? -digits : digits).toString()
  }
  return '0'
}

function toDouble(value: EngineValue): number {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string') {
    const d = Number.parseFloat(value)
    if (Number.isNaN(d) && /^\s*[-+]?(nan|infinity|inf)/i.test(value)) return Number(value.trim())
    return Number.isNaN(d) ? 0 : d
  }
  return 0
}

/** `printf("%.3f", x)` as C prints it: round-half-even on exact binary ties, `-0.000` for
 * negative zero, every integer digit of large values, `nan`/`inf` for the non-finite. */
export function formatC3(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  const negative = x < 0 || Object.is(x, -0)
  const a = Math.abs(x)
  // An exact tie at the third decimal needs 1000x = n + 1/2, i.e. x = m/16 with m odd (2000 =
  // 2^4 * 125); multiplying by 16 is exact in binary, so this test is exact.
  const m = a * 16
  let thousandths: bigint
  if (Number.isInteger(m) && m % 2 === 1) {
    const below = (BigInt(m) * 125n - 1n) / 2n
    thousandths = below % 2n === 0n ? below : below + 1n
  } else if (a >= 1e21) {
    thousandths = BigInt(a) * 1000n
  } else {
    thousandths = BigInt(a.toFixed(3).replace('.', ''))
  }
  const s = thousandths.toString().padStart(4, '0')
  return `${negative ? '-' : ''}${s.slice(0, -3)}.${s.slice(-3)}`
}

/** Text as the harness prints it: `(empty)` for '', and '@' for each byte outside 0x20-0x7E. */
function renderText(value: EngineValue): string {
  let text: string
  if (typeof value === 'string') text = value
  else if (typeof value === 'boolean') text = value ? 't' : 'f'
  else if (typeof value === 'number' || typeof value === 'bigint') text = String(value)
  else text = JSON.stringify(value)
  if (text === '') return '(empty)'
  if (/^[\x20-\x7e]*$/.test(text)) return text
  let out = ''
  for (const byte of new TextEncoder().encode(text))
    out += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : '@'
  return out
}

/** Renders a result row-major and applies the sort mode; the values are then what the expected
 * section lists (or hashes). */
export function renderResult(
  rows: readonly (readonly EngineValue[])[],
  types: string,
  sort: SortMode,
): string[] {
  const rendered = rows.map((row) => row.map((v, i) => renderValue(v, types[i] ?? 'T')))
  if (sort === 'rowsort') rendered.sort(compareRows)
  const flat = rendered.flat()
  if (sort === 'valuesort') flat.sort(compareBytes)
  return flat
}

function compareRows(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareBytes(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return a.length - b.length
}

/** strcmp: rendered values are ASCII, so UTF-16 code-unit order is byte order. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The MD5 the harness prints: each value followed by a newline, lowercase hex. */
export function hashValues(values: readonly string[]): string {
  const h = createHash('md5')
  for (const v of values) h.update(`${v}\n`)
  return h.digest('hex')
}

/** `<count> values hashing to <md5>` */
export function hashLine(values: readonly string[]): string {
  return `${values.length} values hashing to ${hashValues(values)}`
}

/** Parses an expected `N values hashing to X` line, or null when the section lists values. */
export function parseHashLine(expected: readonly string[]): { count: number; hash: string } | null {
  if (expected.length !== 1) return null
  const m = /^(\d+) values hashing to ([0-9a-f]{32})$/.exec(expected[0]!.trim())
  return m === null ? null : { count: Number(m[1]), hash: m[2]! }
}
