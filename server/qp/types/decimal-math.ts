// Transcendental functions on numeric (ARCHITECTURE.md "query processor": evaluation): ln, exp,
// log and power to PostgreSQL's result scales, computed exactly in bigint fixed point and rounded.
import { SqlError } from '../../errors/index.ts'
import { NUMERIC_DISPLAY_SCALE_MAX } from './constants.ts'
import { Decimal, pow10 } from './decimal.ts'

const SIG_DIGITS = 16
const GUARD_DIGITS = 12
const LOG10_E = 0.434294481903252

const clampScale = (rscale: number, ...scales: number[]) =>
  Math.min(Math.max(rscale, ...scales, 0), NUMERIC_DISPLAY_SCALE_MAX)

/** n / d rounded half away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d
  const r = n % d
  const twice = 2n * (r < 0n ? -r : r)
  const dd = d < 0n ? -d : d
  return twice >= dd ? q + ((n < 0n) !== (d < 0n) ? -1n : 1n) : q
}

/** A decimal as a fixed-point integer with `p` digits after the point (rounded). */
function toFixed(d: Decimal, p: number): bigint {
  return d.scale <= p ? d.coefficient * pow10(p - d.scale) : divRound(d.coefficient, pow10(d.scale - p))
}

/** A fixed-point value rounded to `rscale` places, as a Decimal. */
function fromFixed(x: bigint, p: number, rscale: number): Decimal {
  if (rscale >= p) return new Decimal(x * pow10(rscale - p), rscale)
  return new Decimal(divRound(x, pow10(p - rscale)), rscale)
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2))
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

/** ln of a positive fixed-point value (scale 10^p), by square roots toward 1 and the atanh
 * series; about p - 3 correct digits. */
function lnFixed(x: bigint, p: number): bigint {
  const one = pow10(p)
  // Bring x into [1, 10) by a power of ten, taken out as k * ln 10.
  let k = 0
  let m = x
  while (m >= 10n * one) {
    m /= 10n
    k++
  }
  while (m < one) {
    m *= 10n
    k--
  }
  const lnM = lnNearOne(m, p)
  return k === 0 ? lnM : lnM + BigInt(k) * ln10(p)
}

const LN10_CACHE = new Map<number, bigint>()

function ln10(p: number): bigint {
  let v = LN10_CACHE.get(p)
  if (v === undefined) {
    v = lnNearOne(10n * pow10(p), p)
    LN10_CACHE.set(p, v)
  }
  return v
}

/** ln of m in [1, 10] (fixed point): 8 square roots bring it within 1.01 of 1. */
function lnNearOne(m: bigint, p: number): bigint {
  const one = pow10(p)
  const roots = 8
  let y = m
  for (let i = 0; i < roots; i++) y = isqrt(y * one)
  const z = ((y - one) * one) / (y + one)
  const z2 = (z * z) / one
  let term = z
  let sum = 0n
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n
    term = (term * z2) / one
  }
  return 2n * sum * (1n << BigInt(roots))
}

/** e^x for a fixed-point x (scale 10^p): halvings until |x| < 1/2, Taylor, then squarings. */
function expFixed(x: bigint, p: number): bigint {
  const one = pow10(p)
  if (x < 0n) return (one * one) / expFixed(-x, p)
  let n = 0
  let t = x
  while (t > one / 2n) {
    t /= 2n
    n++
  }
  let sum = one
  let term = one
  for (let k = 1n; term !== 0n; k++) {
    term = (term * t) / (one * k)
    sum += term
  }
  for (let i = 0; i < n; i++) sum = (sum * sum) / one
  return sum
}

/** PostgreSQL's estimate_ln_dweight: the decimal weight of ln(x). */
function lnDweight(x: Decimal): number {
  const v = x.toNumber()
  if (v >= 0.9 && v <= 1.1) {
    const d = x.sub(Decimal.fromBigInt(1n))
    const lead = d.leadingExponent()
    return lead === undefined ? 0 : lead
  }
  const l = Math.log(v)
  return l === 0 ? 0 : Math.trunc(Math.log10(Math.abs(l)))
}

function checkLnArgument(x: Decimal): void {
  if (x.isZero) throw new SqlError('2201E', 'cannot take logarithm of zero')
  if (x.sign < 0) throw new SqlError('2201E', 'cannot take logarithm of a negative number')
}

/** Digits a fixed-point computation needs for `rscale` places of a result near 10^weight. */
const precisionFor = (rscale: number, weight: number) => rscale + Math.max(weight, 0) + GUARD_DIGITS

/** ln(x) to PostgreSQL's scale (numeric_ln). 2201E for zero or negative x. */
export function lnDecimal(x: Decimal): Decimal {
  if (x.isNaN) return x
  checkLnArgument(x)
  const rscale = clampScale(SIG_DIGITS - lnDweight(x), x.scale)
  const p = precisionFor(rscale, 0) + Math.max(0, -(x.leadingExponent() ?? 0))
  return fromFixed(lnFixed(toFixed(x, p), p), p, rscale)
}

/** log(base, x) to PostgreSQL's scale (log_var); log(x) is log(10, x). */
export function logDecimal(base: Decimal, x: Decimal): Decimal {
  if (base.isNaN || x.isNaN) return Decimal.nan()
  checkLnArgument(base)
  checkLnArgument(x)
  const rscale = clampScale(SIG_DIGITS - (lnDweight(x) - lnDweight(base)), base.scale, x.scale)
  const p = precisionFor(rscale, 0) + 10 + Math.max(0, -(x.leadingExponent() ?? 0), -(base.leadingExponent() ?? 0))
  const lb = lnFixed(toFixed(base, p), p)
  if (lb === 0n) throw new SqlError('22012', 'division by zero')
  const lx = lnFixed(toFixed(x, p), p)
  return fromFixed((lx * pow10(p)) / lb, p, rscale)
}

/** exp(x) to PostgreSQL's scale (numeric_exp); 22003 when the result overflows numeric. */
export function expDecimal(x: Decimal): Decimal {
  if (x.isNaN) return x
  const approx = x.toNumber() * LOG10_E
  if (approx > 131072) throw new SqlError('22003', 'value overflows numeric format')
  const rscale = clampScale(SIG_DIGITS - Math.trunc(Math.max(Math.min(approx, 1000), -1000)), x.scale)
  if (approx < -rscale - 2) return new Decimal(0n, rscale)
  const p = precisionFor(rscale, Math.ceil(approx)) + Math.ceil(Math.log10(Math.abs(x.toNumber()) + 1)) + 4
  return fromFixed(expFixed(toFixed(x, p), p), p, rscale)
}

/** base ^ exponent for numeric (numeric_power): exact for integer exponents, otherwise
 * exp(exponent * ln(base)); 2201F for 0 ^ negative and negative ^ non-integer. */
export function powerDecimal(base: Decimal, exp: Decimal): Decimal {
  if (base.isNaN || exp.isNaN) {
    // PostgreSQL: NaN ^ 0 = 1 and 1 ^ NaN = 1.
    if ((base.isNaN && !exp.isNaN && exp.isZero) || (exp.isNaN && !base.isNaN && base.compare(Decimal.fromBigInt(1n)) === 0)) {
      return Decimal.fromBigInt(1n)
    }
    return Decimal.nan()
  }
  if (base.isZero && exp.sign < 0) throw new SqlError('2201F', 'zero raised to a negative power is undefined')
  const integral = exp.trunc(0).compare(exp) === 0
  if (base.sign < 0 && !integral) {
    throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result')
  }
  if (base.isZero) return exp.isZero ? new Decimal(pow10(SIG_DIGITS), SIG_DIGITS) : new Decimal(0n, SIG_DIGITS)
  if (integral) {
    const e = exp.toBigInt()
    if (e !== undefined && e >= -10000n && e <= 10000n) return powerInteger(base, Number(e), exp.scale)
  }
  const lnBase = Math.log(Math.abs(base.toNumber()))
  const approx = exp.toNumber() * lnBase * LOG10_E
  if (approx > 131072) throw new SqlError('22003', 'value overflows numeric format')
  const rscale = clampScale(SIG_DIGITS - Math.trunc(Math.max(Math.min(approx, 1000), -1000)), base.scale, exp.scale)
  if (approx < -rscale - 2) return new Decimal(0n, rscale)
  const p = precisionFor(rscale, Math.ceil(approx)) + 8 + Math.max(0, -(base.leadingExponent() ?? 0))
  const lnX = lnFixed(toFixed(base, p), p)
  const product = (lnX * exp.coefficient) / pow10(exp.scale)
  return fromFixed(expFixed(product, p), p, rscale)
}

/** power_var_int: the exact power, or 1 / the exact power, rounded to the scale PostgreSQL picks
 * from the estimated weight of the result. */
function powerInteger(base: Decimal, e: number, expScale: number): Decimal {
  const estimate = e * Math.log10(Math.abs(base.toNumber()))
  if (estimate > 131072) throw new SqlError('22003', 'value overflows numeric format')
  if (estimate + 1 < -NUMERIC_DISPLAY_SCALE_MAX) return new Decimal(0n, NUMERIC_DISPLAY_SCALE_MAX)
  const rscale = clampScale(SIG_DIGITS - Math.trunc(estimate), base.scale, expScale)
  if (e === 0) return new Decimal(pow10(rscale), rscale)
  let exact = Decimal.fromBigInt(1n)
  let square = base
  for (let k = Math.abs(e); k > 0; k >>= 1) {
    if (k & 1) exact = exact.mul(square)
    if (k > 1) square = square.mul(square)
  }
  if (e < 0) return Decimal.fromBigInt(1n).divScaled(exact, rscale)
  return exact.scale > rscale ? exact.round(rscale) : new Decimal(exact.coefficient * pow10(rscale - exact.scale), rscale)
}
