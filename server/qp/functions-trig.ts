// Trigonometric functions in degrees and hyperbolic functions (ARCHITECTURE.md "query processor":
// bind and evaluate), as PostgreSQL's float.c computes them, so results agree to the last bit.
import { SqlError } from '../errors/index.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import type { Datum } from './types/index.ts'

const flt = (d: Datum | undefined) => d as number
const floatFn = (fn: (x: number) => number) => overloads(sig([T.float8], T.float8, (a) => fn(flt(a[0]))))

const inputOutOfRange = () => new SqlError('22003', 'input is out of range')

/** PostgreSQL's RADIANS_PER_DEGREE, the constant its degree functions scale by. */
const RADIANS_PER_DEGREE = 0.0174532925199432957692

// The degree functions divide by the library's own value at a known angle, so that sind(30) is
// exactly 0.5, tand(45) exactly 1 and asind(0.5) exactly 30 (PostgreSQL's init_degree_constants).
const SIN_30 = Math.sin(RADIANS_PER_DEGREE * 30)
const ONE_MINUS_COS_60 = 1 - Math.cos(RADIANS_PER_DEGREE * 60)
const ASIN_0_5 = Math.asin(0.5)
const ACOS_0_5 = Math.acos(0.5)
const ATAN_1_0 = Math.atan(1)

/** sin of x in [0, 30] degrees. */
const sind0To30 = (x: number) => Math.sin(x * RADIANS_PER_DEGREE) / SIN_30 / 2
/** cos of x in [0, 60] degrees. */
const cosd0To60 = (x: number) => 1 - (1 - Math.cos(x * RADIANS_PER_DEGREE)) / ONE_MINUS_COS_60 / 2
/** sin and cos of x in [0, 90] degrees, each from the series that is exact at its end points. */
const sindQ1 = (x: number) => (x <= 30 ? sind0To30(x) : cosd0To60(90 - x))
const cosdQ1 = (x: number) => (x <= 60 ? cosd0To60(x) : sind0To30(90 - x))

const TAN_45 = sindQ1(45) / cosdQ1(45)
const COT_45 = cosdQ1(45) / sindQ1(45)

/** asin and acos in degrees of x in [0, 1]. */
const asindQ1 = (x: number) => (x <= 0.5 ? (Math.asin(x) / ASIN_0_5) * 30 : 90 - (Math.acos(x) / ACOS_0_5) * 60)
const acosdQ1 = (x: number) => (x <= 0.5 ? 90 - (Math.asin(x) / ASIN_0_5) * 30 : (Math.acos(x) / ACOS_0_5) * 60)

/**
 * A degree function of a finite angle reduced to the first quadrant: `fold` says, for the
 * reflections x → -x, x → 360 - x and x → 180 - x, whether each flips the result's sign (sind: the
 * first two; cosd: the last; tand and cotd: all three). NaN stays NaN, ±Infinity is 22003.
 */
function reduced(fold: { negate: boolean; turn: boolean; half: boolean }, q1: (x: number) => number) {
  return (degrees: number): number => {
    if (Number.isNaN(degrees)) return degrees
    if (!Number.isFinite(degrees)) throw inputOutOfRange()
    // JavaScript's % is C's fmod: the result keeps the dividend's sign.
    let x = degrees % 360
    let sign = 1
    if (x < 0) {
      x = -x
      if (fold.negate) sign = -sign
    }
    if (x > 180) {
      x = 360 - x
      if (fold.turn) sign = -sign
    }
    if (x > 90) {
      x = 180 - x
      if (fold.half) sign = -sign
    }
    return sign * q1(x)
  }
}

const sind = reduced({ negate: true, turn: true, half: false }, sindQ1)
const cosd = reduced({ negate: false, turn: false, half: true }, cosdQ1)
// tand and cotd give plain zero, never -0 (PostgreSQL forces it: tand(180) is 0); tand(90) and
// cotd(0) are ±Infinity, not an overflow.
const tangent = reduced({ negate: true, turn: true, half: true }, (x) => sindQ1(x) / cosdQ1(x) / TAN_45)
const cotangent = reduced({ negate: true, turn: true, half: true }, (x) => cosdQ1(x) / sindQ1(x) / COT_45)
const plainZero = (fn: (x: number) => number) => (x: number) => {
  const r = fn(x)
  return r === 0 ? 0 : r
}
const tand = plainZero(tangent)
const cotd = plainZero(cotangent)

function asind(x: number): number {
  if (Number.isNaN(x)) return x
  if (x < -1 || x > 1) throw inputOutOfRange()
  return x >= 0 ? asindQ1(x) : -asindQ1(-x)
}

function acosd(x: number): number {
  if (Number.isNaN(x)) return x
  if (x < -1 || x > 1) throw inputOutOfRange()
  return x >= 0 ? acosdQ1(x) : 90 + asindQ1(-x)
}

const atand = (x: number) => (Number.isNaN(x) ? x : (Math.atan(x) / ATAN_1_0) * 45)
const atan2d = (y: number, x: number) => (Number.isNaN(y) || Number.isNaN(x) ? Number.NaN : (Math.atan2(y, x) / ATAN_1_0) * 45)

/** acosh below 1 and atanh outside [-1, 1] are 22003 (PostgreSQL's dacosh, datanh); sinh and cosh
 * overflow to ±Infinity rather than raise, as PostgreSQL's dsinh and dcosh return. */
function acosh(x: number): number {
  if (x < 1) throw inputOutOfRange()
  return Math.acosh(x)
}

function atanh(x: number): number {
  if (x < -1 || x > 1) throw inputOutOfRange()
  return Math.atanh(x)
}

/** The degree and hyperbolic functions, by lowercase name. */
export const TRIG_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['sind', floatFn(sind)],
  ['cosd', floatFn(cosd)],
  ['tand', floatFn(tand)],
  ['cotd', floatFn(cotd)],
  ['asind', floatFn(asind)],
  ['acosd', floatFn(acosd)],
  ['atand', floatFn(atand)],
  ['atan2d', overloads(sig([T.float8, T.float8], T.float8, (a) => atan2d(flt(a[0]), flt(a[1]))))],
  ['sinh', floatFn(Math.sinh)],
  ['cosh', floatFn(Math.cosh)],
  ['tanh', floatFn(Math.tanh)],
  ['asinh', floatFn(Math.asinh)],
  ['acosh', floatFn(acosh)],
  ['atanh', floatFn(atanh)],
])
