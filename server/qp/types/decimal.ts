// Exact decimal arithmetic for the numeric type (ARCHITECTURE.md "query processor": expression
// evaluation): a bigint coefficient and a scale, with PostgreSQL numeric.c's scale rules.
import { SqlError, assert, divisionByZero, featureNotSupported } from '../../errors/index.ts'
import {
  NUMERIC_DISPLAY_SCALE_MAX,
  NUMERIC_EXPONENT_MAX,
  NUMERIC_FRACTION_DIGITS_MAX,
  NUMERIC_INTEGER_DIGITS_MAX,
  NUMERIC_SIG_DIGITS_MIN,
} from './constants.ts'

const POW10: bigint[] = [1n]

/** 10^n as a bigint (cached: scales are small and reused). */
export function pow10(n: number): bigint {
  assert(n >= 0 && Number.isInteger(n), `bad power of ten ${n}`)
  while (POW10.length <= n && POW10.length <= 4096) {
    POW10.push((POW10[POW10.length - 1] as bigint) * 10n)
  }
  return POW10[n] ?? 10n ** BigInt(n)
}

const abs = (n: bigint) => (n < 0n ? -n : n)
const sign = (n: bigint) => (n < 0n ? -1n : n > 0n ? 1n : 0n)

/** n / d rounded half away from zero (d != 0). */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d
  const r = n % d
  return 2n * abs(r) >= abs(d) ? q + sign(n) * sign(d) : q
}

const SPACE = /^[ \t\n\r\f\v]*|[ \t\n\r\f\v]*$/g
const DECIMAL_TEXT =
  /^([+-]?)(?:(\d+(?:_\d+)*)(?:\.(\d+(?:_\d+)*)?)?|\.(\d+(?:_\d+)*))(?:[eE]([+-]?\d+))?$/
// Each repetition takes exactly one digit, so a long near-miss cannot backtrack exponentially.
const PREFIXED_TEXT =
  /^([+-]?)0(?:([xX])((?:_?[0-9a-fA-F])+)|([oO])((?:_?[0-7])+)|([bB])((?:_?[01])+))$/

/** An exact decimal: `coefficient * 10^-scale`, scale >= 0. Also NaN (PostgreSQL numeric has it).
 * The scale is PostgreSQL's display scale: 1.50 keeps two digits after the point. */
export class Decimal {
  readonly coefficient: bigint
  readonly scale: number
  readonly isNaN: boolean

  constructor(coefficient: bigint, scale: number, isNaN = false) {
    assert(Number.isInteger(scale) && scale >= 0, `bad decimal scale ${scale}`)
    this.coefficient = isNaN ? 0n : coefficient
    this.scale = isNaN ? 0 : scale
    this.isNaN = isNaN
  }

  /** PostgreSQL's numeric input: sign, digits with `_` separators, point, exponent, NaN,
   * 0x/0o/0b integers; surrounding whitespace. 22P02 on bad syntax, 22003 beyond numeric's range,
   * 0A000 for numeric infinity (Tessera's numeric has none). */
  static parse(text: string): Decimal {
    const s = text.replace(SPACE, '')
    const lower = s.toLowerCase()
    if (lower === 'nan') return NAN
    if (/^[+-]?(inf|infinity)$/.test(lower)) throw featureNotSupported('numeric infinity')
    const m = DECIMAL_TEXT.exec(s)
    if (m === null) return parsePrefixed(s, text)
    const neg = m[1] === '-'
    const intDigits = (m[2] ?? '').replaceAll('_', '')
    const fracDigits = (m[3] ?? m[4] ?? '').replaceAll('_', '')
    const exponent = m[5] === undefined ? 0 : Number(m[5])
    if (Math.abs(exponent) > NUMERIC_EXPONENT_MAX) throw badNumeric(text)
    let coefficient = BigInt(intDigits + fracDigits)
    let scale = fracDigits.length - exponent
    if (scale < 0) {
      coefficient *= pow10(-scale)
      scale = 0
    }
    return checked(new Decimal(neg ? -coefficient : coefficient, scale))
  }

  static fromBigInt(n: bigint): Decimal {
    return new Decimal(n, 0)
  }

  static nan(): Decimal {
    return NAN
  }

  /** The shortest decimal that reads back as `n` (JSON numbers, parameters). 0A000 for ±Infinity. */
  static fromNumber(n: number): Decimal {
    if (Number.isNaN(n)) return NAN
    if (!Number.isFinite(n)) throw featureNotSupported('numeric infinity')
    return Decimal.parse(n === 0 ? '0' : n.toExponential())
  }

  /** float8/float4 → numeric as PostgreSQL does it: `%.{digits}g` (15 for float8, 6 for float4). */
  static fromFloat(n: number, digits: number): Decimal {
    if (Number.isNaN(n)) return NAN
    if (!Number.isFinite(n)) throw featureNotSupported('numeric infinity')
    if (n === 0) return new Decimal(0n, 0)
    return Decimal.parse(n.toExponential(digits - 1)).normalize()
  }

  get isZero(): boolean {
    return !this.isNaN && this.coefficient === 0n
  }

  /** -1, 0 or 1 (NaN: 0). */
  get sign(): number {
    return Number(sign(this.coefficient))
  }

  toString(): string {
    if (this.isNaN) return 'NaN'
    const digits = abs(this.coefficient)
      .toString()
      .padStart(this.scale + 1, '0')
    const point = digits.length - this.scale
    const body = this.scale === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`
    return this.coefficient < 0n ? `-${body}` : body
  }

  add(o: Decimal): Decimal {
    if (this.isNaN || o.isNaN) return NAN
    const s = Math.max(this.scale, o.scale)
    return checked(new Decimal(this.#at(s) + o.#at(s), s))
  }

  sub(o: Decimal): Decimal {
    return this.add(o.neg())
  }

  mul(o: Decimal): Decimal {
    if (this.isNaN || o.isNaN) return NAN
    const product = new Decimal(this.coefficient * o.coefficient, this.scale + o.scale)
    return checked(
      product.scale > NUMERIC_FRACTION_DIGITS_MAX
        ? product.round(NUMERIC_FRACTION_DIGITS_MAX)
        : product,
    )
  }

  /** Division to PostgreSQL's result scale (select_div_scale: at least 16 significant digits, no
   * fewer digits after the point than either input), rounded half away from zero; 22012 on
   * division by zero. NaN / 0 is NaN, as in PostgreSQL. */
  div(o: Decimal): Decimal {
    if (this.isNaN || o.isNaN) return NAN
    if (o.isZero) throw divisionByZero()
    return this.divScaled(o, divScale(this, o))
  }

  /** The quotient rounded half away from zero to `scale` digits after the point. */
  divScaled(o: Decimal, scale: number): Decimal {
    if (this.isNaN || o.isNaN) return NAN
    if (o.isZero) throw divisionByZero()
    const k = o.scale + scale - this.scale
    const n = k >= 0 ? this.coefficient * pow10(k) : this.coefficient
    const d = k >= 0 ? o.coefficient : o.coefficient * pow10(-k)
    return checked(new Decimal(divRound(n, d), scale))
  }

  /** Remainder with the dividend's sign (PostgreSQL's numeric %); 22012 on zero divisor. */
  mod(o: Decimal): Decimal {
    if (this.isNaN || o.isNaN) return NAN
    if (o.isZero) throw divisionByZero()
    const s = Math.max(this.scale, o.scale)
    return new Decimal(this.#at(s) % o.#at(s), s)
  }

  neg(): Decimal {
    return this.isNaN ? NAN : new Decimal(-this.coefficient, this.scale)
  }

  abs(): Decimal {
    return this.coefficient < 0n ? this.neg() : this
  }

  /** Numeric order: NaN equals NaN and sorts above every number (PostgreSQL's btree order). */
  compare(o: Decimal): number {
    if (this.isNaN || o.isNaN) return this.isNaN === o.isNaN ? 0 : this.isNaN ? 1 : -1
    const s = Math.max(this.scale, o.scale)
    const a = this.#at(s)
    const b = o.#at(s)
    return a < b ? -1 : a > b ? 1 : 0
  }

  equals(o: Decimal): boolean {
    return this.compare(o) === 0
  }

  /** Rounds half away from zero to `scale` digits after the point; pads when `scale` is larger.
   * A negative scale rounds to tens, hundreds, ... (PostgreSQL's round(numeric, int)). */
  round(scale: number): Decimal {
    return this.#rescale(scale, divRound)
  }

  /** Truncates toward zero to `scale` digits after the point (PostgreSQL's trunc). */
  trunc(scale: number): Decimal {
    return this.#rescale(scale, (n, d) => n / d)
  }

  /** The same value with trailing fraction zeros removed (1.500 → 1.5): a canonical form. */
  normalize(): Decimal {
    if (this.isNaN || this.scale === 0) return this
    let c = this.coefficient
    let s = this.scale
    while (s > 0 && c % 10n === 0n) {
      c /= 10n
      s--
    }
    return s === this.scale ? this : new Decimal(c, s)
  }

  /** The integer value when the scale is 0 or the fraction is zero; otherwise undefined. */
  toBigInt(): bigint | undefined {
    if (this.isNaN) return undefined
    const d = pow10(this.scale)
    return this.coefficient % d === 0n ? this.coefficient / d : undefined
  }

  toNumber(): number {
    return this.isNaN ? Number.NaN : Number(this.toString())
  }

  /** Decimal digits before the point (0 for |x| < 1). */
  integerDigits(): number {
    const c = abs(this.coefficient)
    if (c === 0n) return 0
    return Math.max(0, digitCount(c) - this.scale)
  }

  /** Exponent of the most significant digit (123.4 → 2, 0.05 → -2); undefined for zero. */
  leadingExponent(): number | undefined {
    const c = abs(this.coefficient)
    return c === 0n ? undefined : digitCount(c) - 1 - this.scale
  }

  #at(scale: number): bigint {
    return this.coefficient * pow10(scale - this.scale)
  }

  #rescale(scale: number, divide: (n: bigint, d: bigint) => bigint): Decimal {
    if (this.isNaN) return NAN
    if (scale >= this.scale) return new Decimal(this.#at(scale), scale)
    const q = divide(this.coefficient, pow10(this.scale - scale))
    return scale >= 0 ? new Decimal(q, scale) : new Decimal(q * pow10(-scale), 0)
  }
}

const NAN = new Decimal(0n, 0, true)

/** Below this a coefficient is exact as a float, and so are the powers of ten it is compared to. */
const SAFE_COEFFICIENT = 10n ** 15n

/** Decimal digits of `c` > 0. Every division asks it three times (the quotient's scale, then the
 * overflow check): counting against powers of ten in floating point is several times cheaper than
 * printing the bigint, for the coefficients most values have. */
function digitCount(c: bigint): number {
  if (c >= SAFE_COEFFICIENT) return c.toString().length
  const n = Number(c)
  let digits = 1
  for (let p = 10; p <= n; p *= 10) digits++
  return digits
}

/** PostgreSQL's select_div_scale, on base-10000 digit weights like numeric.c. */
export function divScale(a: Decimal, b: Decimal): number {
  const [w1, f1] = nbaseLead(a)
  const [w2, f2] = nbaseLead(b)
  let qweight = w1 - w2
  if (f1 <= f2) qweight--
  let rscale = NUMERIC_SIG_DIGITS_MIN - qweight * 4
  rscale = Math.max(rscale, a.scale, b.scale, 0)
  return Math.min(rscale, NUMERIC_DISPLAY_SCALE_MAX)
}

/** Weight (power of 10000) and value of the first non-zero base-10000 digit; [0, 0] for zero. */
function nbaseLead(x: Decimal): [number, number] {
  const e = x.leadingExponent()
  if (e === undefined) return [0, 0]
  const w = Math.floor(e / 4)
  const shift = -x.scale - 4 * w
  const c = abs(x.coefficient)
  const first = shift >= 0 ? c * pow10(shift) : c / pow10(-shift)
  return [w, Number(first)]
}

/** Raises PostgreSQL's overflow error when a value exceeds numeric's digit limits. */
function checked(d: Decimal): Decimal {
  if (d.integerDigits() > NUMERIC_INTEGER_DIGITS_MAX) {
    throw new SqlError('22003', 'value overflows numeric format')
  }
  return d
}

function parsePrefixed(s: string, text: string): Decimal {
  const m = PREFIXED_TEXT.exec(s)
  if (m === null) throw badNumeric(text)
  const digits = (m[3] ?? m[5] ?? m[7] ?? '').replaceAll('_', '')
  const prefix = m[2] !== undefined ? '0x' : m[4] !== undefined ? '0o' : '0b'
  const n = BigInt(prefix + digits)
  return checked(new Decimal(m[1] === '-' ? -n : n, 0))
}

function badNumeric(text: string): SqlError {
  return new SqlError('22P02', `invalid input syntax for type numeric: "${text}"`)
}
