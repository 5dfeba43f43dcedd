// Transcendental functions on numeric (ARCHITECTURE.md "query processor": evaluation): ln, exp,
// log and power to PostgreSQL's result scales (numeric.c's ln_var, exp_var, log_var, power_var and
// power_var_int), computed in bigint binary fixed point and rounded half away from zero.
//
// Every path is bounded before it starts work, because evaluation is synchronous and a statement
// timeout cannot interrupt it: exp refuses arguments of 6000 or more (PostgreSQL's exp_var), a
// non-integer power refuses when exponent * ln(base) > 6020 (power_var), and an integer power
// keeps at most the digits of the result (at most 131,072 before the point and 1000 after, with
// 22003 before the work when the estimate is larger). Worst cases found, timed on the 2-core
// development machine with bun 1.4.5 (math-fuzz.test.ts runs them against a 5 s bound):
//   power_var_int to ~131,000 digits with a 1000-digit base (1.333...^1049000): 0.35 s
//     (PostgreSQL 18 in PGlite: 1.2 s for 1.333...^1000000); a 16383-digit base: 0.48 s;
//   2 ^ 435411 (131,072 digits): 21 ms; 2 ^ 2147483647 or 1.000001 ^ 1e11: 22003 at once;
//   log(1 + 1e-16382, a 131,001-digit x): a 17,389-digit result in 0.30 s (PostgreSQL takes
//     8 s for log(1 + 1e-16000, 1e-16000), a result of the same size);
//   a non-integer power at the 6000 limit with 16383-digit operands: 20 ms;
//   exp(5999.(16383 digits)): 8 ms; ln of a 131,001-digit or a 1e-16000 value: under 30 ms.
// Before, 2 ^ 400000 took 346 s and exp(100000) 18 s.
import { SqlError, assert } from '../../errors/index.ts'
import {
  INT4_MAX,
  INT4_MIN,
  NUMERIC_DISPLAY_SCALE_MAX,
  NUMERIC_INTEGER_DIGITS_MAX,
  NUMERIC_SIG_DIGITS_MIN,
} from './constants.ts'
import { Decimal, pow10 } from './decimal.ts'

const LOG10_E = 0.434294481903252
const LOG10_2 = 0.301029995663981
const LOG2_10 = 3.321928094887362
const LN_10 = 2.302585092994046

/** exp(x) overflows for x at or above this and is 0 below its negative (PostgreSQL's exp_var:
 * NUMERIC_MAX_RESULT_SCALE * 3; e^6000 has 2606 digits). */
const EXP_ARGUMENT_MAX = 6000
/** power_var's first overflow test, on a low-precision exponent * ln(base): the 6000 above with a
 * fuzz factor, exp itself deciding between 6000 and 6020. */
const POWER_LN_ESTIMATE_MAX = 6020
/** power_var_int gives up once a partial product has more base-10000 digits before the point than
 * numeric can hold (NUMERIC_WEIGHT_MAX), so a huge exponent costs a few squarings at most. */
const NBASE_WEIGHT_MAX = 32767
/** Extra bits carried by the fixed-point helpers beyond the places asked for: covers the rounding of
 * the few hundred operations of a series and of the argument reductions. */
const GUARD_BITS = 40

const ONE = Decimal.fromBigInt(1n)
const abs = (n: bigint) => (n < 0n ? -n : n)

const overflow = () => new SqlError('22003', 'value overflows numeric format')

const clampScale = (rscale: number, ...scales: number[]) =>
  Math.min(Math.max(rscale, ...scales, 0), NUMERIC_DISPLAY_SCALE_MAX)

/** Bits after the binary point that hold `digits` decimal places, plus guard bits. */
const bitsFor = (digits: number) => Math.ceil(Math.max(digits, 0) * LOG2_10) + GUARD_BITS

/** Bits in n > 0; linear time (hex conversion), unlike a decimal toString. */
function bitLength(n: bigint): number {
  const hex = n.toString(16)
  return (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0] as string, 16)))
}

/** Decimal digits in n > 0, without a decimal toString (quadratic-ish on 100,000-digit values). */
function digitCount(n: bigint): number {
  const bits = bitLength(n)
  // n is in [2^(bits-1), 2^bits): it has the digits of 2^(bits-1) or one more.
  const low = Math.floor((bits - 1) * LOG10_2) + 1
  return n >= pow10(low) ? low + 1 : low
}

/** Exponent of the leading decimal digit of a non-zero decimal (123.4 → 2, 0.05 → -2). */
const leadExponent = (x: Decimal) => digitCount(abs(x.coefficient)) - 1 - x.scale

/** numeric.c's weight: the power of 10000 of the first base-10000 digit (0 for zero). */
const nbaseWeight = (x: Decimal) => (x.isZero ? 0 : Math.floor(leadExponent(x) / 4))

/** The first `count` base-10000 digits of a non-zero |x| as numeric.c stores them (no trailing
 * zero digits), with the weight of the first. */
function leadingGroups(x: Decimal, count: number): { weight: number; groups: number[] } {
  const c = abs(x.coefficient)
  const weight = Math.floor(leadExponent(x) / 4)
  const shift = x.scale + 4 * (weight - count + 1)
  let top: bigint
  let more = false
  if (shift <= 0) top = c * pow10(-shift)
  else {
    const unit = pow10(shift)
    top = c / unit
    more = c % unit !== 0n
  }
  const groups: number[] = []
  for (let i = 0; i < count; i++) {
    groups.unshift(Number(top % 10000n))
    top /= 10000n
  }
  if (!more) while (groups.length > 1 && groups[groups.length - 1] === 0) groups.pop()
  return { weight, groups }
}

/** n / d rounded half away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d
  const r = n % d
  return 2n * abs(r) >= abs(d) ? q + ((n < 0n) !== (d < 0n) ? -1n : 1n) : q
}

/** n / 2^bits rounded half away from zero. */
function shiftRound(n: bigint, bits: number): bigint {
  if (bits <= 0) return n << BigInt(-bits)
  const q = (abs(n) + (1n << BigInt(bits - 1))) >> BigInt(bits)
  return n < 0n ? -q : q
}

/** floor(sqrt(n)) for n >= 0: Newton's method from above, started from the square root of the
 * leading 52 bits so that it converges in log2(bits / 26) steps. */
export function integerSqrt(n: bigint): bigint {
  assert(n >= 0n, 'square root of a negative integer')
  if (n < 2n) return n
  const shift = Math.max(0, (bitLength(n) - 52) >> 1)
  const top = Number(n >> BigInt(2 * shift))
  let x = (BigInt(Math.ceil(Math.sqrt(top))) + 1n) << BigInt(shift)
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

/** A decimal as a binary fixed-point integer with `bits` bits after the point (rounded). */
const toFixed = (d: Decimal, bits: number) => divRound(d.coefficient << BigInt(bits), pow10(d.scale))

/** A fixed-point value rounded to `rscale` decimal places. */
const fromFixed = (x: bigint, bits: number, rscale: number) =>
  new Decimal(shiftRound(x * pow10(rscale), bits), rscale)

/** Square roots taken before the atanh series of ln at `bits` bits: each costs a dozen divisions
 * and saves a bit on every series term, so about sqrt(bits / 60) balances the two. */
const rootsFor = (bits: number) => Math.max(4, Math.round(Math.sqrt(bits / 60)))

/** ln(m) for m = X / 2^bits in [0.5, 10], with `bits` bits after the point (error a few units):
 * square roots bring m within 2^-target of 1, then 2 * atanh((y - 1) / (y + 1)) times 2^roots. */
function lnNearOne(m: bigint, bits: number): bigint {
  const target = rootsFor(bits)
  // ln(10) < 4 = 2^2: at most target + 3 roots; each doubles the series' error, and the series
  // of at most 2^16 terms adds up to 16 bits of rounding.
  const extra = target + 3 + 16 + 2
  const work = bits + extra
  const w = BigInt(work)
  const one = 1n << w
  const near = one >> BigInt(target)
  let y = m << BigInt(extra)
  let roots = 0
  while (abs(y - one) > near) {
    y = integerSqrt(y << w)
    roots++
  }
  assert(roots <= target + 3, 'ln reduction took more square roots than planned')
  const negative = y < one
  const z = (abs(y - one) << w) / (y + one)
  const z2 = (z * z) >> w
  let term = z
  let sum = 0n
  let terms = 0
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n
    term = (term * z2) >> w
    terms++
  }
  assert(terms <= 1 << 16, 'ln series longer than its guard bits allow')
  const ln = (sum << BigInt(roots + 1)) >> BigInt(extra)
  return negative ? -ln : ln
}

/** A constant computed once at the highest precision asked so far and truncated for less (one
 * value per constant, so the cache stays bounded by the largest precision these functions use). */
function cachedConstant(compute: (bits: number) => bigint): (bits: number) => bigint {
  let cachedBits = 0
  let cached = 0n
  return (bits) => {
    if (bits > cachedBits) {
      cachedBits = bits + 64
      cached = compute(cachedBits)
    }
    return cached >> BigInt(cachedBits - bits)
  }
}

const ln10Fixed = cachedConstant((bits) => lnNearOne(10n << BigInt(bits), bits))
const ln2Fixed = cachedConstant((bits) => lnNearOne(2n << BigInt(bits), bits))

/** ln(x) for x > 0 with `bits` bits after the point. Near 1 directly (the power of ten would
 * cancel against ln(m)); elsewhere as ln(m) + k ln 10 with x = m * 10^k, m in [1, 10), so the
 * work depends on the places asked for, not on how far x is from 1. */
function lnFixed(x: Decimal, bits: number): bigint {
  assert(x.sign > 0, 'ln of a non-positive value')
  const half = new Decimal(5n, 1)
  if (x.compare(half) >= 0 && x.compare(Decimal.fromBigInt(2n)) <= 0) return lnNearOne(toFixed(x, bits), bits)
  const k = leadExponent(x)
  const m = new Decimal(x.coefficient, x.scale + k)
  const kBits = bitLength(BigInt(Math.abs(k)) + 1n)
  return lnNearOne(toFixed(m, bits), bits) + ((BigInt(k) * ln10Fixed(bits + kBits)) >> BigInt(kBits))
}

/** ln(x) rounded to `rscale` places (ln_var). */
const lnToScale = (x: Decimal, rscale: number) => fromFixed(lnFixed(x, bitsFor(rscale)), bitsFor(rscale), rscale)

/** e^x rounded to `rscale` places (exp_var): 22003 for x >= 6000, 0 for x <= -6000. The argument is
 * split as n ln 2 + r with |r| <= ln(2) / 2, so e^x = 2^n e^r and only e^r needs a series (on r
 * halved h times, squared back h times). */
function expToScale(x: Decimal, rscale: number): Decimal {
  const v = x.toNumber()
  if (Math.abs(v) >= EXP_ARGUMENT_MAX) {
    if (v > 0) throw overflow()
    return new Decimal(0n, rscale)
  }
  const n = Math.round(v / Math.LN2)
  // e^r's relative precision: the result's significant digits (at least a few, like exp_var's 8,
  // so that a result just above half a unit of rscale still rounds up).
  const digits = Math.max(Math.trunc(v * LOG10_E) + rscale + 1, 0) + 8
  const halvings = Math.max(4, Math.round(Math.sqrt(digits * LOG2_10) / 2))
  const bits = bitsFor(digits) + halvings
  const nBits = bitLength(BigInt(Math.abs(n)) + 1n)
  const r = toFixed(x, bits) - ((BigInt(n) * ln2Fixed(bits + nBits)) >> BigInt(nBits))
  // r / 2^halvings at bits + halvings bits after the point is the fixed-point value r itself.
  const work = bits + halvings
  const w = BigInt(work)
  const one = 1n << w
  let sum = one
  let term = one
  for (let k = 1n; term !== 0n; k++) {
    term = (term * r) / (one * k)
    sum += term
  }
  for (let i = 0; i < halvings; i++) sum = (sum * sum) >> w
  return fromFixed(sum, work - n, rscale)
}

/** PostgreSQL's estimate_ln_dweight: the decimal weight of ln(x), from x - 1 near 1 and from the
 * first two base-10000 digits elsewhere. */
function lnDweight(x: Decimal): number {
  if (x.sign <= 0) return 0
  if (x.compare(new Decimal(9n, 1)) >= 0 && x.compare(new Decimal(11n, 1)) <= 0) {
    const d = x.sub(ONE)
    return d.isZero ? 0 : leadExponent(d)
  }
  const { weight, groups } = leadingGroups(x, 2)
  let digits = groups[0] as number
  let dweight = weight * 4
  if (groups.length > 1) {
    digits = digits * 10000 + (groups[1] as number)
    dweight -= 4
  }
  const ln = Math.log(digits) + dweight * LN_10
  return Math.trunc(Math.log10(Math.abs(ln)))
}

function checkLnArgument(x: Decimal): void {
  if (x.isZero) throw new SqlError('2201E', 'cannot take logarithm of zero')
  if (x.sign < 0) throw new SqlError('2201E', 'cannot take logarithm of a negative number')
}

/** a * b rounded to `rscale` places (mul_var). */
const mulToScale = (a: Decimal, b: Decimal, rscale: number) =>
  new Decimal(a.coefficient * b.coefficient, a.scale + b.scale).round(rscale)

/** ln(x) to PostgreSQL's scale (numeric_ln). 2201E for zero or negative x. */
export function lnDecimal(x: Decimal): Decimal {
  if (x.isNaN) return x
  checkLnArgument(x)
  return lnToScale(x, clampScale(NUMERIC_SIG_DIGITS_MIN - lnDweight(x), x.scale))
}

/** log(base, x) to PostgreSQL's scale (log_var); log(x) is log(10, x). 22012 for base 1. */
export function logDecimal(base: Decimal, x: Decimal): Decimal {
  if (base.isNaN || x.isNaN) return Decimal.nan()
  checkLnArgument(base)
  checkLnArgument(x)
  const lnBaseDweight = lnDweight(base)
  const lnXDweight = lnDweight(x)
  const resultDweight = lnXDweight - lnBaseDweight
  const rscale = clampScale(NUMERIC_SIG_DIGITS_MIN - resultDweight, base.scale, x.scale)
  // Each logarithm to more significant digits than the quotient needs.
  const lnBase = lnToScale(base, Math.max(rscale + resultDweight - lnBaseDweight + 8, 0))
  const lnX = lnToScale(x, Math.max(rscale + resultDweight - lnXDweight + 8, 0))
  if (lnBase.isZero) throw new SqlError('22012', 'division by zero')
  return lnX.divScaled(lnBase, rscale)
}

/** exp(x) to PostgreSQL's scale (numeric_exp); 22003 for x >= 6000. */
export function expDecimal(x: Decimal): Decimal {
  if (x.isNaN) return x
  const weight = Math.min(Math.max(x.toNumber() * LOG10_E, -2000), 2000)
  return expToScale(x, clampScale(NUMERIC_SIG_DIGITS_MIN - Math.trunc(weight), x.scale))
}

/** base ^ exponent for numeric (numeric_power / power_var): exact-digit integer powers for every
 * int4 exponent (power_var_int), otherwise exp(exponent * ln(base)); 2201F for 0 ^ negative and
 * negative ^ non-integer, 22003 when the result would exceed numeric (decided before the work). */
export function powerDecimal(base: Decimal, exp: Decimal): Decimal {
  if (base.isNaN || exp.isNaN) {
    // PostgreSQL: NaN ^ 0 = 1 and 1 ^ NaN = 1.
    if ((base.isNaN && !exp.isNaN && exp.isZero) || (exp.isNaN && !base.isNaN && base.compare(ONE) === 0)) {
      return ONE
    }
    return Decimal.nan()
  }
  if (base.isZero && exp.sign < 0) throw new SqlError('2201F', 'zero raised to a negative power is undefined')
  const whole = exp.toBigInt()
  if (whole !== undefined && whole >= INT4_MIN && whole <= INT4_MAX) return powerInteger(base, Number(whole), exp.scale)
  if (base.isZero) return new Decimal(0n, NUMERIC_SIG_DIGITS_MIN)
  if (base.sign < 0 && whole === undefined) {
    throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result')
  }
  const negative = base.sign < 0 && whole !== undefined && whole % 2n !== 0n
  const x = base.abs()
  // A low-precision exponent * ln(base) (about 8 significant digits) estimates the result's weight
  // and catches overflow before any real work.
  const lnDw = lnDweight(x)
  let scale = Math.max(8 - lnDw, 0)
  let val = mulToScale(lnToScale(x, scale), exp, scale).toNumber()
  if (Math.abs(val) > POWER_LN_ESTIMATE_MAX) {
    if (val > 0) throw overflow()
    return new Decimal(0n, NUMERIC_DISPLAY_SCALE_MAX)
  }
  val *= LOG10_E
  const rscale = clampScale(NUMERIC_SIG_DIGITS_MIN - Math.trunc(val), base.scale, exp.scale)
  const sigDigits = Math.max(rscale + Math.trunc(val), 0)
  scale = Math.max(sigDigits - lnDw + 8, 0)
  const result = expToScale(mulToScale(lnToScale(x, scale), exp, scale), rscale)
  return negative && !result.isZero ? result.neg() : result
}

/** power_var_int: base ^ e for an int4 e by repeated squaring, each product rounded to keep the
 * significant digits the result needs (so 1.000001 ^ 2000000000 stays small), 22003 first when the
 * estimated result has more than numeric's 131,072 digits before the point. */
function powerInteger(base: Decimal, e: number, expScale: number): Decimal {
  let f = 0
  if (!base.isZero) {
    // base ~= digits * 10^p from its first four base-10000 digits, as numeric.c estimates it.
    const { weight, groups } = leadingGroups(base, 4)
    let digits = groups[0] as number
    let p = weight * 4
    for (let i = 1; i < groups.length; i++) {
      digits = digits * 10000 + (groups[i] as number)
      p -= 4
    }
    f = e * (Math.log10(digits) + p)
  }
  if (f > NUMERIC_INTEGER_DIGITS_MAX) throw overflow()
  if (f + 1 < -NUMERIC_DISPLAY_SCALE_MAX) return new Decimal(0n, NUMERIC_DISPLAY_SCALE_MAX)
  const rscale = clampScale(NUMERIC_SIG_DIGITS_MIN - Math.trunc(f), base.scale, expScale)
  if (e === 0) return new Decimal(pow10(rscale), rscale)
  if (e === 1) return base.round(rscale)
  if (e === -1) return ONE.divScaled(base, rscale)
  if (e === 2) return mulToScale(base, base, rscale)
  if (base.isZero) return new Decimal(0n, rscale)
  // The multiplications may lose about log(|e|) digits: carry that many more, and a few.
  const sigDigits = 1 + rscale + Math.trunc(f) + Math.trunc(Math.log(Math.abs(e))) + 8
  let mask = Math.abs(e)
  let square = base
  let result = mask % 2 === 1 ? base : ONE
  for (mask = Math.floor(mask / 2); mask > 0; mask = Math.floor(mask / 2)) {
    const squareScale = sigDigits - 2 * nbaseWeight(square) * 4
    square = mulToScale(square, square, Math.max(Math.min(squareScale, 2 * square.scale), 0))
    if (mask % 2 === 1) {
      const productScale = sigDigits - (nbaseWeight(square) + nbaseWeight(result)) * 4
      result = mulToScale(square, result, Math.max(Math.min(productScale, square.scale + result.scale), 0))
    }
    // Past numeric's weight the result overflows (or, for e < 0, is 0): stop squaring.
    if (nbaseWeight(square) > NBASE_WEIGHT_MAX || nbaseWeight(result) > NBASE_WEIGHT_MAX) {
      if (e > 0) throw overflow()
      return new Decimal(0n, rscale)
    }
  }
  return e < 0 ? ONE.divScaled(result, rscale) : result.round(rscale)
}
