// The digits float4out and float8out print (ARCHITECTURE.md "query processor": values). PostgreSQL
// 12+ prints the shortest decimal that reads back as the value (Ryu), with two rules JavaScript's
// own shortest output does not share, found by comparing millions of values with PGlite: a decimal
// exactly halfway to a neighbouring float is never taken (JavaScript takes it when the value's
// last mantissa bit is 0, as reading it back rounds to even), and a value exactly halfway between
// two candidates of the shortest length takes the one with the even last digit (`toPrecision`
// rounds halves up). `shortestDigits` works both out exactly, in integers.
import { assert } from '../../errors/index.ts'

/** A finite, nonzero float's format: mantissa bits (with the implicit one) and the exponent of
 * the least significant bit of the smallest normal value. */
export interface FloatFormat {
  readonly mantissaBits: number
  readonly minExponent: number
}

export const FLOAT8_FORMAT: FloatFormat = { mantissaBits: 53, minExponent: -1074 }
export const FLOAT4_FORMAT: FloatFormat = { mantissaBits: 24, minExponent: -149 }

/** Digits and decimal exponent: the value is 0.d1d2d3... x 10^(exponent + 1), i.e. `digits` with
 * the point after its first digit, times 10^exponent ('1.2345e+2' is {digits: '12345', exponent: 2}). */
export interface Decimal {
  readonly digits: string
  readonly exponent: number
}

/** JavaScript's shortest decimal that reads back as the double |x| (`toExponential`), as digits
 * and exponent; `x` finite and nonzero. */
export function exponentialDecimal(x: number): Decimal {
  const [mantissa = '', exponent = '0'] = Math.abs(x).toExponential().split('e')
  return { digits: mantissa.replace('.', ''), exponent: Number(exponent) }
}

/**
 * The shortest decimal strictly inside the interval of reals that round to |x| in `format`
 * (halfway points excluded), of those the one nearest |x|, a tie going to the even last digit.
 * `x` must be finite, nonzero and exactly representable in `format`; `digitsMin` is a length
 * known to be too short or just right (the caller's JavaScript shortest, when it was at a
 * halfway point).
 */
export function shortestDigits(x: number, format: FloatFormat, digitsMin = 1): Decimal {
  const { mantissa, exponent } = decompose(Math.abs(x), format)
  // Scaled by 2^shift so that the value and both halfway points are integers.
  const shift = Math.max(0, 2 - exponent)
  const interval: Interval = {
    value: mantissa << BigInt(exponent + shift),
    halfUp: 1n << BigInt(exponent - 1 + shift),
    // Below a power of two the floats are twice as dense (not below the smallest normal).
    halfDown: 1n << BigInt(exponent - 1 + shift - (mantissa === 1n << BigInt(format.mantissaBits - 1) && exponent > format.minExponent ? 1 : 0)),
    scale: 1n << BigInt(shift),
    // The decimal exponent of |x|'s first digit; toExponential's is exact.
    leading: exponentialDecimal(x).exponent,
  }
  // Having a candidate of p digits inside implies one of every longer length (the same number):
  // the shortest length is found by bisection. The exact value's 17 (9) digits are always inside.
  let low = digitsMin
  let high = format.mantissaBits === 53 ? 17 : 9
  let found = candidateOf(interval, high)
  assert(found !== undefined, `no shortest decimal for ${x}`)
  while (low < high) {
    const mid = (low + high) >> 1
    const candidate = candidateOf(interval, mid)
    if (candidate === undefined) low = mid + 1
    else {
      found = candidate
      high = mid
    }
  }
  return found
}

/** |x| and the halfway points to its neighbours, times `scale` (integers). */
interface Interval {
  readonly value: bigint
  readonly halfUp: bigint
  readonly halfDown: bigint
  readonly scale: bigint
  readonly leading: number
}

/** The decimal of `p` significant digits strictly inside the interval nearest |x| (a tie to the
 * even last digit), or undefined when none is. */
function candidateOf({ value, halfUp, halfDown, scale, leading }: Interval, p: number): Decimal | undefined {
  const k = leading - p + 1
  // |x| / 10^k = num / den; a candidate d stands for d x 10^k.
  const num = k >= 0 ? value : value * powerOfTen(-k)
  const den = k >= 0 ? scale * powerOfTen(k) : scale
  const q = num / den
  const r2 = 2n * (num - q * den)
  const nearest = r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q
  // The nearest first; the other neighbour only matters where the interval is lopsided.
  for (const d of nearest === q ? [q, q + 1n] : [nearest, q]) {
    // |d x 10^k - |x|| against the halfway distance on d's side, in num's units.
    const diff = d * den - num
    const half = diff >= 0n ? halfUp : halfDown
    const limit = k >= 0 ? half : half * powerOfTen(-k)
    if ((diff >= 0n ? diff : -diff) < limit && d > 0n) return decimalOf(d, k)
  }
  return undefined
}

const POWERS_OF_TEN: bigint[] = []

function powerOfTen(n: number): bigint {
  return (POWERS_OF_TEN[n] ??= 10n ** BigInt(n))
}

/** |x| as mantissa x 2^exponent in `format`, the mantissa of a normal value in
 * [2^(bits-1), 2^bits). */
function decompose(x: number, format: FloatFormat): { mantissa: bigint; exponent: number } {
  const { mantissa, exponent } = floatParts(x)
  // A narrower format's least significant bit, as a double's: its mantissa bits fewer, or its
  // subnormal step.
  const narrowed = Math.max(exponent + 53 - format.mantissaBits, format.minExponent)
  const drop = BigInt(narrowed - exponent)
  assert(drop >= 0n && (mantissa & ((1n << drop) - 1n)) === 0n, `${x} is not exact in ${format.mantissaBits} bits`)
  return { mantissa: mantissa >> drop, exponent: narrowed }
}

const BITS = new DataView(new ArrayBuffer(8))

/** A finite double x >= 0 as mantissa x 2^exponent exactly, the mantissa in [2^52, 2^53) unless
 * x is subnormal. */
export function floatParts(x: number): { mantissa: bigint; exponent: number } {
  BITS.setFloat64(0, x)
  const biased = (BITS.getUint16(0) >> 4) & 0x7ff
  const mantissa = (BigInt(BITS.getUint32(0) & 0xfffff) << 32n) | BigInt(BITS.getUint32(4))
  if (biased === 0) return { mantissa, exponent: -1074 }
  return { mantissa: mantissa | (1n << 52n), exponent: biased - 1075 }
}

function decimalOf(d: bigint, k: number): Decimal {
  const text = d.toString()
  const digits = text.replace(/0+$/, '')
  return { digits, exponent: k + text.length - 1 }
}
