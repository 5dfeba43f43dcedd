// Integer and numeric functions beyond arithmetic (ARCHITECTURE.md "query processor": bind and
// evaluate): gcd, lcm, factorial, the scale functions and width_bucket, with
// PostgreSQL's result types, scales and errors (22003, 2201G, 22004).
import { SqlError } from '../errors/index.ts'
import { compatibleElement } from './functions-array.ts'
import { T, overloads, resolved, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { Decimal, arrayType, checkInt, compare, type Datum, type SqlType } from './types/index.ts'

const num = (d: Datum | undefined) => d as Decimal
const int = (d: Datum | undefined) => d as bigint
const flt = (d: Datum | undefined) => d as number

const ZERO = Decimal.fromBigInt(0n)

/** The largest n whose factorial numeric holds (PostgreSQL's numeric_fac refuses larger before
 * computing anything): 32177! has 131,068 digits, 32178! more than numeric's 131,072. */
const FACTORIAL_ARG_MAX = 32177n

const absInt = (n: bigint) => (n < 0n ? -n : n)

function gcdInt(a: bigint, b: bigint): bigint {
  let x = absInt(a)
  let y = absInt(b)
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

/** gcd and lcm of two integers of one type; 22003 when the result does not fit it (gcd of the
 * type's minimum and 0 or itself, an lcm that overflows), as PostgreSQL's int4gcd and int4lcm. */
function integerGcd(kind: 'int4' | 'int8') {
  return (a: bigint, b: bigint) => checkInt(gcdInt(a, b), kind)
}
function integerLcm(kind: 'int4' | 'int8') {
  return (a: bigint, b: bigint) => {
    if (a === 0n || b === 0n) return 0n
    const g = integerGcd(kind)(a, b)
    return checkInt(absInt((a / g) * b), kind)
  }
}

/** The coefficients of two decimals at their common scale (the larger one). */
function aligned(a: Decimal, b: Decimal): { x: bigint; y: bigint; scale: number } {
  const scale = Math.max(a.scale, b.scale)
  const at = (d: Decimal) => d.coefficient * 10n ** BigInt(scale - d.scale)
  return { x: at(a), y: at(b), scale }
}

/** gcd and lcm of numerics: exact, at the larger of the two scales (gcd(12.5, 7.5) = 2.5,
 * lcm(1.5, 2.25) = 4.50); NaN with NaN. */
function numericGcd(a: Decimal, b: Decimal): Decimal {
  if (a.isNaN || b.isNaN) return Decimal.nan()
  const { x, y, scale } = aligned(a, b)
  return new Decimal(gcdInt(x, y), scale)
}
function numericLcm(a: Decimal, b: Decimal): Decimal {
  if (a.isNaN || b.isNaN) return Decimal.nan()
  const { x, y, scale } = aligned(a, b)
  const lcm = x === 0n || y === 0n ? 0n : absInt((x / gcdInt(x, y)) * y)
  // Adding zero applies numeric's digit limit (22003 'value overflows numeric format').
  return new Decimal(lcm, scale).add(ZERO)
}

function factorial(n: bigint): Decimal {
  if (n < 0n) throw new SqlError('22003', 'factorial of a negative number is undefined')
  if (n > FACTORIAL_ARG_MAX) throw new SqlError('22003', 'value overflows numeric format')
  return Decimal.fromBigInt(product(2n, n))
}

/** lo * (lo + 1) * ... * hi, by halves so the big multiplications are few and balanced. */
function product(lo: bigint, hi: bigint): bigint {
  if (lo > hi) return 1n
  if (hi - lo < 8n) {
    let p = lo
    for (let k = lo + 1n; k <= hi; k++) p *= k
    return p
  }
  const mid = (lo + hi) / 2n
  return product(lo, mid) * product(mid + 1n, hi)
}

const bucketError = (message: string) => new SqlError('2201G', message)

/** width_bucket(operand, low, high, count): PostgreSQL's width_bucket_numeric, exactly: the
 * bucket is trunc((operand - low) * count / (high - low)) + 1, 0 below the range, count + 1 at
 * or above it (22003 when that exceeds int4); high may be below low (buckets count down). */
function widthBucketNumeric(operand: Decimal, low: Decimal, high: Decimal, count: bigint): bigint {
  if (count <= 0n) throw bucketError('count must be greater than zero')
  if (operand.isNaN || low.isNaN || high.isNaN) throw bucketError('operand, lower bound, and upper bound cannot be NaN')
  const order = low.compare(high)
  if (order === 0) throw bucketError('lower bound cannot equal upper bound')
  const below = order < 0 ? operand.compare(low) < 0 : operand.compare(low) > 0
  const above = order < 0 ? operand.compare(high) >= 0 : operand.compare(high) <= 0
  if (below) return 0n
  if (above) return checkInt(count + 1n, 'int4')
  const { x, y } = order < 0 ? aligned(operand.sub(low), high.sub(low)) : aligned(low.sub(operand), low.sub(high))
  return (x * count) / y + 1n
}

/** The float8 form, as PostgreSQL's width_bucket_float8 computes it (same rounding): an infinite
 * operand falls outside the range, infinite bounds are 2201G. */
function widthBucketFloat(operand: number, low: number, high: number, count: bigint): bigint {
  if (count <= 0n) throw bucketError('count must be greater than zero')
  if (Number.isNaN(operand) || Number.isNaN(low) || Number.isNaN(high)) {
    throw bucketError('operand, lower bound, and upper bound cannot be NaN')
  }
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw bucketError('lower and upper bounds must be finite')
  if (low === high) throw bucketError('lower bound cannot equal upper bound')
  const up = low < high
  if (up ? operand < low : operand > low) return 0n
  if (up ? operand >= high : operand <= high) return checkInt(count + 1n, 'int4')
  const n = Number(count)
  const [from, to, at] = up ? [low, high, operand] : [-low, -high, -operand]
  // A range wider than the largest float8 is measured in halves (both bounds are finite).
  const fraction = Number.isFinite(to - from) ? (at - from) / (to - from) : (at / 2 - from / 2) / (to / 2 - from / 2)
  const bucket = Math.trunc(n * fraction)
  return BigInt(Math.min(bucket, n - 1) + 1)
}

/** width_bucket(operand, thresholds): how many thresholds are at or below the operand, by
 * PostgreSQL's binary search (so an unsorted array gives its answer, not an error); a NULL
 * threshold is 22004. Operand and elements take their common type (anycompatible). */
const widthBucketArray: FunctionResolver = (args) => {
  const [operand, thresholds] = args
  if (args.length !== 2 || operand === undefined || thresholds === undefined) return undefined
  const e = compatibleElement(thresholds, operand)
  if (e === undefined) return undefined
  return resolved(
    sig([e, arrayType(e)], T.int4, (a) => {
      const list = a[1] as readonly Datum[]
      if (list.includes(null)) throw new SqlError('22004', 'thresholds array must not contain NULLs')
      let left = 0
      let right = list.length
      while (left < right) {
        const mid = Math.floor((left + right) / 2)
        if (compare(a[0] as Datum, list[mid] as Datum, e) < 0) right = mid
        else left = mid + 1
      }
      return BigInt(left)
    }),
  )
}

const widthBucketRange = overloads(
  sig([T.float8, T.float8, T.float8, T.int4], T.int4, (a) => widthBucketFloat(flt(a[0]), flt(a[1]), flt(a[2]), int(a[3]))),
  sig([T.numeric, T.numeric, T.numeric, T.int4], T.int4, (a) => widthBucketNumeric(num(a[0]), num(a[1]), num(a[2]), int(a[3]))),
)

const scaleOf = (type: SqlType, fn: (d: Decimal) => Datum) => overloads(sig([T.numeric], type, (a) => fn(num(a[0]))))

/** The functions, by lowercase name. */
export const NUMERIC_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['gcd', overloads(
    sig([T.int4, T.int4], T.int4, (a) => integerGcd('int4')(int(a[0]), int(a[1]))),
    sig([T.int8, T.int8], T.int8, (a) => integerGcd('int8')(int(a[0]), int(a[1]))),
    sig([T.numeric, T.numeric], T.numeric, (a) => numericGcd(num(a[0]), num(a[1]))),
  )],
  ['lcm', overloads(
    sig([T.int4, T.int4], T.int4, (a) => integerLcm('int4')(int(a[0]), int(a[1]))),
    sig([T.int8, T.int8], T.int8, (a) => integerLcm('int8')(int(a[0]), int(a[1]))),
    sig([T.numeric, T.numeric], T.numeric, (a) => numericLcm(num(a[0]), num(a[1]))),
  )],
  ['factorial', overloads(sig([T.int8], T.numeric, (a) => factorial(int(a[0]))))],
  // The scale a value is shown with; the fewest places that show it exactly; the value at that
  // scale. NaN has no scale (NULL) and stays NaN.
  ['scale', scaleOf(T.int4, (d) => (d.isNaN ? null : BigInt(d.scale)))],
  ['min_scale', scaleOf(T.int4, (d) => (d.isNaN ? null : BigInt(d.normalize().scale)))],
  ['trim_scale', scaleOf(T.numeric, (d) => d.normalize())],
  ['width_bucket', (args) => (args.length === 2 ? widthBucketArray(args) : widthBucketRange(args))],
])
