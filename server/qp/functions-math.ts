// Mathematical functions (ARCHITECTURE.md "query processor": bind and evaluate): PostgreSQL's
// float8 and numeric overloads, result scales and error codes (2201E, 2201F, 22003, 22012).
import { SqlError, divisionByZero } from '../errors/index.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import {
  Decimal,
  checkedFloat as checked,
  erf,
  erfc,
  expDecimal,
  floatPower,
  floatSqrt,
  integerSqrt,
  lnDecimal,
  logDecimal,
  powerDecimal,
  rint,
  type Datum,
} from './types/index.ts'


const num = (d: Datum | undefined) => d as Decimal
const flt = (d: Datum | undefined) => d as number

const ZERO = Decimal.fromBigInt(0n)
const TEN = Decimal.fromBigInt(10n)
const ONE = Decimal.fromBigInt(1n)

function floorDecimal(d: Decimal): Decimal {
  if (d.isNaN) return d
  const t = d.trunc(0)
  return d.compare(t) < 0 ? t.sub(ONE) : t
}

function ceilDecimal(d: Decimal): Decimal {
  if (d.isNaN) return d
  const t = d.trunc(0)
  return d.compare(t) > 0 ? t.add(ONE) : t
}

/** round/trunc to `digits` places; a negative count rounds left of the point (scale stays 0). */
function roundDecimal(d: Decimal, digits: number, truncate: boolean): Decimal {
  if (d.isNaN) return d
  if (digits >= 0) return truncate ? d.trunc(digits) : d.round(digits)
  const unit = Decimal.fromBigInt(10n ** BigInt(-digits))
  const q = d.divScaled(unit, 20)
  const r = truncate ? q.trunc(0) : q.round(0)
  return r.mul(unit).trunc(0)
}

function checkedDecimalSqrt(d: Decimal): Decimal {
  if (d.isNaN) return d
  if (d.sign < 0) throw new SqlError('2201F', 'cannot take square root of a negative number')
  // PostgreSQL: about 16 significant digits, never fewer places than the input.
  const lead = d.leadingExponent()
  const weight = lead === undefined ? 0 : Math.floor(lead / 4)
  const sweight = Math.trunc(((weight + 1) * 4) / 2) - 1
  return decimalSqrt(d, Math.min(Math.max(16 - sweight, d.scale, 0), 1000))
}

/** The square root of a non-negative decimal rounded to `rscale` places (sqrt_var). */
export function decimalSqrt(d: Decimal, rscale: number): Decimal {
  // floor(sqrt(c * 10^k)) with k making the result carry rscale + 1 digits, then round.
  const k = 2 * (rscale + 1) - d.scale
  const n = k >= 0 ? d.coefficient * 10n ** BigInt(k) : d.coefficient / 10n ** BigInt(-k)
  const root = integerSqrt(n)
  return new Decimal(root, rscale + 1).round(rscale)
}

function floatLn(x: number, log: (x: number) => number): number {
  if (x === 0) throw new SqlError('2201E', 'cannot take logarithm of zero')
  if (x < 0) throw new SqlError('2201E', 'cannot take logarithm of a negative number')
  return log(x)
}

function intMod(a: bigint, b: bigint): bigint {
  if (b === 0n) throw divisionByZero()
  return a % b
}

const signOf = (x: number) => (Number.isNaN(x) ? x : x > 0 ? 1 : x < 0 ? -1 : 0)

const floatFn = (fn: (x: number) => number) => sig([T.float8], T.float8, (a) => fn(flt(a[0])))
const numericFn = (fn: (x: Decimal) => Datum) => sig([T.numeric], T.numeric, (a) => fn(num(a[0])))

function floatExp(x: number): number {
  const r = Math.exp(x)
  return checked(r, Number.isFinite(x), x === Number.NEGATIVE_INFINITY)
}

const inputOutOfRange = () => new SqlError('22003', 'input is out of range')

/** asin/acos: NaN stays NaN, outside [-1, 1] is 22003 (PostgreSQL's dasin/dacos). */
const inverseTrig = (fn: (x: number) => number) => (x: number) => {
  if (x < -1 || x > 1) throw inputOutOfRange()
  return fn(x)
}

/** sin/cos/tan/cot: an infinite argument is 22003, not NaN (PostgreSQL's dsin and friends). */
const trig = (fn: (x: number) => number) => (x: number) => {
  if (x === Infinity || x === -Infinity) throw inputOutOfRange()
  return fn(x)
}

/** PostgreSQL's float8_mul and float8_div checks: an infinite result of finite operands is an
 * overflow, a zero result of non-zero operands an underflow (22003). */
function floatMul(x: number, y: number): number {
  return checked(x * y, Number.isFinite(x) && Number.isFinite(y), x === 0 || y === 0)
}
function floatDiv(x: number, y: number): number {
  return checked(x / y, Number.isFinite(x), x === 0 || !Number.isFinite(y))
}

/** Radians per degree, as PostgreSQL's RADIANS_PER_DEGREE: radians(x) is one multiplication, so
 * radians(1e308) is finite (x * pi / 180 would overflow on the way). */
const RADIANS_PER_DEGREE = 0.0174532925199432957692

/** The math functions, by lowercase name. */
export const MATH_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['round', overloads(
    floatFn(rint),
    numericFn((x) => (x.isNaN ? x : x.round(0))),
    sig([T.numeric, T.int4], T.numeric, (a) => roundDecimal(num(a[0]), Number(a[1] as bigint), false)),
  )],
  ['trunc', overloads(
    floatFn(Math.trunc),
    numericFn((x) => (x.isNaN ? x : x.trunc(0))),
    sig([T.numeric, T.int4], T.numeric, (a) => roundDecimal(num(a[0]), Number(a[1] as bigint), true)),
  )],
  ['ceil', overloads(floatFn(Math.ceil), numericFn(ceilDecimal))],
  ['ceiling', overloads(floatFn(Math.ceil), numericFn(ceilDecimal))],
  ['floor', overloads(floatFn(Math.floor), numericFn(floorDecimal))],
  ['power', overloads(
    sig([T.float8, T.float8], T.float8, (a) => floatPower(flt(a[0]), flt(a[1]))),
    sig([T.numeric, T.numeric], T.numeric, (a) => powerDecimal(num(a[0]), num(a[1]))),
  )],
  ['pow', overloads(
    sig([T.float8, T.float8], T.float8, (a) => floatPower(flt(a[0]), flt(a[1]))),
    sig([T.numeric, T.numeric], T.numeric, (a) => powerDecimal(num(a[0]), num(a[1]))),
  )],
  ['sqrt', overloads(
    floatFn(floatSqrt),
    numericFn(checkedDecimalSqrt),
  )],
  ['cbrt', overloads(floatFn(Math.cbrt))],
  ['exp', overloads(
    floatFn(floatExp),
    numericFn(expDecimal),
  )],
  ['ln', overloads(floatFn((x) => floatLn(x, Math.log)), numericFn(lnDecimal))],
  ['log', overloads(
    floatFn((x) => floatLn(x, Math.log10)),
    numericFn((x) => logDecimal(TEN, x)),
    sig([T.numeric, T.numeric], T.numeric, (a) => logDecimal(num(a[0]), num(a[1]))),
  )],
  ['log10', overloads(floatFn((x) => floatLn(x, Math.log10)), numericFn((x) => logDecimal(TEN, x)))],
  ['mod', overloads(
    sig([T.int2, T.int2], T.int2, (a) => intMod(a[0] as bigint, a[1] as bigint)),
    sig([T.int4, T.int4], T.int4, (a) => intMod(a[0] as bigint, a[1] as bigint)),
    sig([T.int8, T.int8], T.int8, (a) => intMod(a[0] as bigint, a[1] as bigint)),
    sig([T.numeric, T.numeric], T.numeric, (a) => num(a[0]).mod(num(a[1]))),
  )],
  ['div', overloads(
    sig([T.numeric, T.numeric], T.numeric, (a) => {
      const y = num(a[1])
      if (y.isZero) throw divisionByZero()
      // (x - mod(x, y)) / y is an exact integer: PostgreSQL's div truncates toward zero.
      const x = num(a[0])
      return x.sub(x.mod(y)).divScaled(y, 0).trunc(0).add(ZERO)
    }),
  )],
  ['sign', overloads(
    floatFn(signOf),
    numericFn((x) => (x.isNaN ? x : Decimal.fromBigInt(BigInt(x.sign)))),
  )],
  ['pi', overloads(sig([], T.float8, () => Math.PI))],
  ['degrees', overloads(floatFn((x) => floatDiv(floatMul(x, 180), Math.PI)))],
  ['radians', overloads(floatFn((x) => floatMul(x, RADIANS_PER_DEGREE)))],
  ['sin', overloads(floatFn(trig(Math.sin)))],
  ['cos', overloads(floatFn(trig(Math.cos)))],
  ['tan', overloads(floatFn(trig(Math.tan)))],
  // cot(0) is Infinity, not an error (PostgreSQL's dcot).
  ['cot', overloads(floatFn(trig((x) => 1 / Math.tan(x))))],
  ['asin', overloads(floatFn(inverseTrig(Math.asin)))],
  ['acos', overloads(floatFn(inverseTrig(Math.acos)))],
  ['atan', overloads(floatFn(Math.atan))],
  // Never an error: erfc's underflow to 0 is not one (PostgreSQL's derfc checks overflow only).
  ['erf', overloads(floatFn(erf))],
  ['erfc', overloads(floatFn(erfc))],
  ['atan2', overloads(sig([T.float8, T.float8], T.float8, (a) => Math.atan2(flt(a[0]), flt(a[1]))))],
])
