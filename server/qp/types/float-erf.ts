// erf and erfc for float8 (PostgreSQL 16's derf/derfc call the C library's): computed in
// double-double arithmetic (about 32 significant digits) and rounded once, so the result is the
// float8 nearest the true value. The C library (fdlibm's erf in glibc and musl) promises under one
// unit in the last place, not the nearest value: where it misses, the two can differ by that unit.

/** A double-double: the unevaluated sum hi + lo with |lo| <= ulp(hi) / 2. */
type Dd = readonly [number, number]

const SPLITTER = 134217729 // 2^27 + 1: Dekker's split of a double into two 26-bit halves

function twoSum(a: number, b: number): Dd {
  const s = a + b
  const v = s - a
  return [s, a - (s - v) + (b - v)]
}

function quickTwoSum(a: number, b: number): Dd {
  const s = a + b
  return [s, b - (s - a)]
}

function twoProd(a: number, b: number): Dd {
  const p = a * b
  const ca = SPLITTER * a
  const ah = ca - (ca - a)
  const al = a - ah
  const cb = SPLITTER * b
  const bh = cb - (cb - b)
  const bl = b - bh
  return [p, ah * bh - p + ah * bl + al * bh + al * bl]
}

function add(a: Dd, b: Dd): Dd {
  const [s, e] = twoSum(a[0], b[0])
  const [t, f] = twoSum(a[1], b[1])
  const [s2, e2] = quickTwoSum(s, e + t)
  return quickTwoSum(s2, e2 + f)
}

function mul(a: Dd, b: Dd): Dd {
  const [p, e] = twoProd(a[0], b[0])
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]))
}

function div(a: Dd, b: Dd): Dd {
  // Long division: a first quotient digit, the remainder's, and a third to correct both.
  const q1 = a[0] / b[0]
  let r = add(a, neg(mul(b, [q1, 0])))
  const q2 = r[0] / b[0]
  r = add(r, neg(mul(b, [q2, 0])))
  const q3 = r[0] / b[0]
  return add(quickTwoSum(q1, q2), [q3, 0])
}

const neg = (a: Dd): Dd => [-a[0], -a[1]]
const scale = (a: Dd, f: number): Dd => [a[0] * f, a[1] * f]

const LN2: Dd = [0.6931471805599453, 2.3190468138462996e-17]
/** 2 / sqrt(pi) and 1 / sqrt(pi) as double-doubles. */
const TWO_OVER_SQRT_PI: Dd = [1.1283791670955126, 1.533545961316588e-17]
const ONE_OVER_SQRT_PI: Dd = [0.5641895835477563, 7.66772980658294e-18]

/** exp(a) for a <= 0 as 2^k times a double-double: exp of r = a - k ln 2 by its Taylor series on
 * r / 256, squared eight times. The power of two is kept apart so that results below float8's
 * range (erfc(27)) round once, at the end. */
function expDd(a: Dd): { readonly m: Dd; readonly k: number } {
  const k = Math.round(a[0] / LN2[0])
  const r = add(a, neg(mul(LN2, [k, 0])))
  const s = scale(r, 1 / 256)
  // |s| < 0.0014: fourteen terms leave an error far below 2^-106.
  let term: Dd = [1, 0]
  let sum: Dd = [1, 0]
  for (let n = 1; n <= 14; n++) {
    term = div(mul(term, s), [n, 0])
    sum = add(sum, term)
  }
  for (let i = 0; i < 8; i++) sum = mul(sum, sum)
  return { m: sum, k }
}

/** The double nearest m * 2^k, rounding once (also where the result is subnormal). */
function ldexpDd(m: Dd, k: number): number {
  if (k >= -1000) return (m[0] + m[1]) * 2 ** k
  // Below 2^-1000 the product may be subnormal: scale most of the way exactly, then round the
  // sum of both parts in one step (hi and lo scaled separately could round twice).
  const hi = m[0] * 2 ** -600
  const lo = m[1] * 2 ** -600
  const rest = k + 600
  const a = hi * 2 ** rest
  // The bits of hi lost in that rounding, plus lo, decide the last place: add them back once.
  const lost = hi - a * 2 ** -rest
  return a + (lost + lo) * 2 ** rest
}

/** erf(x) for |x| <= 4 by its Taylor series, 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)):
 * the largest term (about 1e5 at 4) costs five of the 32 digits, leaving more than float8 needs. */
function erfSeries(x: number): Dd {
  const x2 = twoProd(x, x)
  let power: Dd = [x, 0] // x^(2n+1) / n!, with its sign
  let sum: Dd = [x, 0]
  for (let n = 1; n < 200; n++) {
    power = neg(div(mul(power, x2), [n, 0]))
    const term = div(power, [2 * n + 1, 0])
    sum = add(sum, term)
    if (Math.abs(term[0]) < Math.abs(sum[0]) * 1e-34) break
  }
  return mul(sum, TWO_OVER_SQRT_PI)
}

/** The continued fraction count for erfc at x >= 4: at 4, 120 levels bring the error under 1e-33. */
const ERFC_FRACTION_TERMS = 120

/** erfc(x) for x >= 4 by Laplace's continued fraction, exp(-x^2) / sqrt(pi) / (x + (1/2) / (x +
 * 1 / (x + (3/2) / (x + ...)))), evaluated from the innermost level out; the result as m * 2^k. */
function erfcFraction(x: number): { readonly m: Dd; readonly k: number } {
  const xd: Dd = [x, 0]
  let t: Dd = xd
  for (let n = ERFC_FRACTION_TERMS; n >= 1; n--) t = add(xd, div([n / 2, 0], t))
  const e = expDd(neg(twoProd(x, x)))
  return { m: div(mul(e.m, ONE_OVER_SQRT_PI), t), k: e.k }
}

/** Past 6, erf(x) is 1 to float8 precision (erfc(6) is 2e-17, under half an ulp of 1). */
const ERF_ONE_AT = 6
/** Past 27.3, erfc(x) is below the smallest subnormal's half (erfc(27.3) is about 1e-325). */
const ERFC_ZERO_AT = 27.3

/** The error function: NaN stays NaN, erf(±Infinity) is ±1. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x
  const a = Math.abs(x)
  if (a >= ERF_ONE_AT) return Math.sign(x)
  if (a === 0) return x // keeps -0
  let r: number
  if (a <= 4) {
    const s = erfSeries(a)
    r = s[0] + s[1]
  } else {
    const c = erfcFraction(a)
    const s = add([1, 0], neg([c.m[0] * 2 ** c.k, c.m[1] * 2 ** c.k]))
    r = s[0] + s[1]
  }
  return x < 0 ? -r : r
}

/** The complementary error function 1 - erf(x), accurate where erf(x) is near 1. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x
  if (x >= ERFC_ZERO_AT) return 0
  if (x <= -ERF_ONE_AT) return 2
  const a = Math.abs(x)
  if (a <= 4) {
    const e = erfSeries(a)
    const s = x < 0 ? add([1, 0], e) : add([1, 0], neg(e))
    return s[0] + s[1]
  }
  const c = erfcFraction(a)
  if (x > 0) return ldexpDd(c.m, c.k)
  const s = add([2, 0], neg([c.m[0] * 2 ** c.k, c.m[1] * 2 ** c.k]))
  return s[0] + s[1]
}
