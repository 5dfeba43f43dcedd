// Input and output of bool, integers and floats (ARCHITECTURE.md "query processor": values),
// following PostgreSQL 16's int2in/int4in/int8in, float8in/float8out and boolin.
import { SqlError } from '../../errors/index.ts'
import { FLOAT4_FORMAT, FLOAT8_FORMAT, exponentialDecimal, floatParts, shortestDigits, type Decimal } from './shortest-decimal.ts'
import { INT2_MAX, INT2_MIN, INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN } from './constants.ts'

export type IntKind = 'int2' | 'int4' | 'int8'

const INT_BOUNDS: Readonly<Record<IntKind, readonly [bigint, bigint, string]>> = {
  int2: [INT2_MIN, INT2_MAX, 'smallint'],
  int4: [INT4_MIN, INT4_MAX, 'integer'],
  int8: [INT8_MIN, INT8_MAX, 'bigint'],
}

const SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g
// PostgreSQL 16 integer input: decimal with '_' between digits, or 0x / 0o / 0b prefixed.
const INT_TEXT =
  /^([+-]?)(?:(\d+(?:_\d+)*)|0([xX])((?:_?[0-9a-fA-F])+)|0([oO])((?:_?[0-7])+)|0([bB])((?:_?[01])+))$/

/** Whether `n` fits the integer type. */
export function fitsInt(n: bigint, kind: IntKind): boolean {
  const [min, max] = INT_BOUNDS[kind]
  return n >= min && n <= max
}

/** `n` unchanged, or 22003 'integer out of range' (PostgreSQL's arithmetic and cast error). */
export function checkInt(n: bigint, kind: IntKind): bigint {
  if (!fitsInt(n, kind)) throw new SqlError('22003', `${INT_BOUNDS[kind][2]} out of range`)
  return n
}

/** Parses integer literal text (decimal, 0x/0o/0b, '_' separators) or undefined when malformed. */
export function parseIntegerText(text: string): bigint | undefined {
  const m = INT_TEXT.exec(text.replace(SPACE, ''))
  if (m === null) return undefined
  const body = m[2] ?? (m[3] ? `0x${m[4]}` : m[5] ? `0o${m[6]}` : `0b${m[8]}`)
  const n = BigInt(body.replaceAll('_', ''))
  return m[1] === '-' ? -n : n
}

/** int2in / int4in / int8in: 22P02 on bad syntax, 22003 `value "x" is out of range for type`. */
export function parseInteger(text: string, kind: IntKind): bigint {
  const name = INT_BOUNDS[kind][2]
  const n = parseIntegerText(text)
  if (n === undefined) {
    throw new SqlError('22P02', `invalid input syntax for type ${name}: "${text}"`)
  }
  if (!fitsInt(n, kind)) {
    throw new SqlError('22003', `value "${text}" is out of range for type ${name}`)
  }
  return n
}

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** float8in / float4in: NaN, [+-]Infinity, [+-]inf, decimal with exponent; 22003 when the value
 * overflows or underflows the type (PostgreSQL rejects both). */
export function parseFloat(text: string, kind: 'float4' | 'float8'): number {
  const name = kind === 'float4' ? 'real' : 'double precision'
  const s = text.replace(SPACE, '')
  const lower = s.toLowerCase()
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return Number.NaN
  if (/^\+?(inf|infinity)$/.test(lower)) return Number.POSITIVE_INFINITY
  if (/^-(inf|infinity)$/.test(lower)) return Number.NEGATIVE_INFINITY
  if (!FLOAT_TEXT.test(s)) {
    throw new SqlError('22P02', `invalid input syntax for type ${name}: "${text}"`)
  }
  const wide = Number(s)
  const v = kind === 'float4' ? Math.fround(wide) : wide
  const mantissaNonZero = /[1-9]/.test(s.split(/[eE]/)[0] ?? '')
  if (!Number.isFinite(v) || (v === 0 && mantissaNonZero)) {
    throw new SqlError('22003', `"${text}" is out of range for type ${name}`)
  }
  return v
}

/** float8out (PostgreSQL 12+): shortest text that reads back exactly; exponent form outside
 * 1e-4 <= |x| < 1e15 ('1e+15', '1.5e-05'); 'NaN', 'Infinity', '-Infinity', '-0'. */
export function formatFloat8(x: number): string {
  const special = formatSpecial(x)
  if (special !== undefined) return special
  const js = exponentialDecimal(x)
  return layout(x, atHalfway(x, js) ? shortestDigits(x, FLOAT8_FORMAT, js.digits.length) : js, 15)
}

/** Whether JavaScript's shortest digits of `x` lie exactly halfway to a neighbouring double,
 * which PostgreSQL never prints (see shortest-decimal.ts). Only possible where the doubles are
 * integers two or more apart and the halfway points have at most 17 significant digits. */
function atHalfway(x: number, js: Decimal): boolean {
  const a = Math.abs(x)
  if (a < 2 ** 53 || a >= 2 ** 134) return false
  const k = js.exponent - js.digits.length + 1
  if (k < 0) return false
  const { mantissa, exponent } = floatParts(a)
  // Halfway up, halfway down, or a quarter down below a power of two (the doubles under it are
  // twice as dense).
  const diff = BigInt(js.digits) * 10n ** BigInt(k) - BigInt(a)
  const half = 1n << BigInt(exponent - 1)
  return diff === half || -diff === half || (-diff === half >> 1n && mantissa === 1n << 52n)
}

/** float4out: the shortest text that reads back as the same float4; fixed form below 1e6. */
export function formatFloat4(x: number): string {
  const special = formatSpecial(x)
  if (special !== undefined) return special
  return layout(x, float4Digits(Math.abs(x)) ?? shortestDigits(x, FLOAT4_FORMAT), 6)
}

const FLOAT4_BITS = new Float32Array(1)
const FLOAT4_WORD = new Uint32Array(FLOAT4_BITS.buffer)

/**
 * The shortest digits of float4 `a` > 0 by `toPrecision`, where they are PostgreSQL's; undefined
 * where that is not certain (a candidate at a halfway point between floats, which PostgreSQL never
 * takes, or one that may be a tie toPrecision rounds up and PostgreSQL to even): the integer
 * search of shortest-decimal.ts decides those. The halfway points are exact doubles, and a double
 * strictly between them reads a decimal strictly between them (reading rounds monotonically).
 */
function float4Digits(a: number): Decimal | undefined {
  FLOAT4_BITS[0] = a
  const bits = FLOAT4_WORD[0] as number
  FLOAT4_WORD[0] = bits + 1
  const up = FLOAT4_BITS[0] as number
  FLOAT4_WORD[0] = bits - 1
  const down = bits === 0 ? 0 : (FLOAT4_BITS[0] as number)
  // Above the largest float the next one up is infinity; reading rounds to it from a step past.
  const high = up === Infinity ? a + (a - down) / 2 : (a + up) / 2
  const low = (a + down) / 2
  for (let p = 1; p <= 9; p++) {
    const text = a.toPrecision(p)
    const c = Number(text)
    if (c === low || c === high) return undefined
    if (c < low || c > high) continue
    // A tie at p shows as a 5 in the next digit (so may a near-tie: then the search decides).
    const next = a.toPrecision(p + 1)
    if (next[next.search(/e|$/) - 1] === '5') return undefined
    return exponentialDecimal(c)
  }
  return undefined
}

function formatSpecial(x: number): string | undefined {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Number.POSITIVE_INFINITY) return 'Infinity'
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  return undefined
}

/** Lays out shortest digits as PostgreSQL's Ryu output does. */
function layout(x: number, { digits, exponent: exp }: Decimal, fixedExponentEnd: number): string {
  const sign = x < 0 ? '-' : ''
  if (exp >= -4 && exp < fixedExponentEnd) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
    if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`
    return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
  }
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${sign}${m}e${e}`
}

/** boolin: case-insensitive prefixes of true/false/yes/no, on/off (two letters at least), 1/0. */
export function parseBool(text: string): boolean {
  const s = text.replace(SPACE, '').toLowerCase()
  if (s.length > 0) {
    if ('true'.startsWith(s) || 'yes'.startsWith(s) || s === '1') return true
    if ('false'.startsWith(s) || 'no'.startsWith(s) || s === '0') return false
    if (s.length >= 2 && 'on'.startsWith(s)) return true
    if (s.length >= 2 && 'off'.startsWith(s)) return false
  }
  throw new SqlError('22P02', `invalid input syntax for type boolean: "${text}"`)
}

/** Rounds half to even, like C's rint (float → integer casts). */
export function rint(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}
