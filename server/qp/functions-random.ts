// The random functions (ARCHITECTURE.md "query processor": evaluate): random(), random(min, max)
// for int4, int8 and numeric, random_normal() and setseed(x), drawing from the session's
// generator (pg-prng.ts, PostgreSQL's own). A session is one transaction, as for advisory locks
// and settings (the HTTP API has no longer one): setseed(x) makes the rest of that transaction's
// draws PostgreSQL's sequence after setseed(x); without it, the generator is seeded from the
// server's randomness on first use, as PostgreSQL seeds it from a strong source.
import { SqlError } from '../errors/index.ts'
import type { EvalContext } from './expr.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { Decimal, type Datum } from './types/index.ts'

const flt = (d: Datum | undefined) => d as number
const int = (d: Datum | undefined) => d as bigint
const num = (d: Datum | undefined) => d as Decimal

const boundsError = () => new SqlError('22023', 'lower bound must be less than or equal to upper bound')

/** C's %g, as PostgreSQL's message prints the seed: six significant digits, trailing zeros
 * dropped, exponent form below 1e-4 and from 1e6. */
function formatG(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  const exponent = Number(x.toExponential(5).split('e')[1])
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, e] = x.toExponential(5).split('e') as [string, string]
    const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa
    const sign = e.startsWith('-') ? '-' : '+'
    return `${m}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`
  }
  const fixed = x.toFixed(Math.max(0, 5 - exponent))
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed
}

function setseed(seed: number, ctx: EvalContext): Datum {
  if (!(seed >= -1 && seed <= 1)) {
    throw new SqlError('22023', `setseed parameter ${formatG(seed)} is out of allowed range [-1,1]`)
  }
  ctx.tx.setSeed(seed)
  // PostgreSQL's setseed returns void; Tessera has no void type and answers '' (as
  // pg_advisory_lock does).
  return ''
}

/** random(min, max) for integers: uniform over [min, max] (pg_prng_int64_range). */
function randomInt(min: bigint, max: bigint, ctx: EvalContext): bigint {
  if (min > max) throw boundsError()
  return min + ctx.tx.prng().uint64Upto(max - min)
}

/** random(min, max) for numeric: uniform over the values of [min, max] at the larger of their
 * scales. A range of up to 2^64 steps draws as the integers do; a wider one takes as many 64-bit
 * draws as its bits need and rejects values past the range (PostgreSQL draws such a range in
 * base-10000 digits, so those values are not its sequence). */
function randomNumeric(min: Decimal, max: Decimal, ctx: EvalContext): Decimal {
  if (min.isNaN) throw new SqlError('22023', 'lower bound cannot be NaN')
  if (max.isNaN) throw new SqlError('22023', 'upper bound cannot be NaN')
  if (min.compare(max) > 0) throw boundsError()
  const scale = Math.max(min.scale, max.scale)
  const lo = min.coefficient * 10n ** BigInt(scale - min.scale)
  const hi = max.coefficient * 10n ** BigInt(scale - max.scale)
  const range = hi - lo
  const prng = ctx.tx.prng()
  if (range < 1n << 64n) return new Decimal(lo + prng.uint64Upto(range), scale)
  const bits = BigInt(range.toString(2).length)
  const words = (bits + 63n) / 64n
  for (;;) {
    let v = 0n
    for (let i = 0n; i < words; i++) v = (v << 64n) | prng.next64()
    v >>= words * 64n - bits
    if (v <= range) return new Decimal(lo + v, scale)
  }
}

/** random_normal(mean, stddev): no check on the arguments, as PostgreSQL makes none. */
const randomNormal = (mean: number, stddev: number, ctx: EvalContext) => stddev * ctx.tx.prng().normal() + mean

const volatile = { volatile: true }

/** The functions, by lowercase name. */
export const RANDOM_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['random', overloads(
    sig([], T.float8, (_a, ctx) => ctx.tx.prng().double(), volatile),
    sig([T.int4, T.int4], T.int4, (a, ctx) => randomInt(int(a[0]), int(a[1]), ctx), volatile),
    sig([T.int8, T.int8], T.int8, (a, ctx) => randomInt(int(a[0]), int(a[1]), ctx), volatile),
    sig([T.numeric, T.numeric], T.numeric, (a, ctx) => randomNumeric(num(a[0]), num(a[1]), ctx), volatile),
  )],
  ['random_normal', overloads(
    sig([], T.float8, (_a, ctx) => randomNormal(0, 1, ctx), volatile),
    sig([T.float8], T.float8, (a, ctx) => randomNormal(flt(a[0]), 1, ctx), volatile),
    sig([T.float8, T.float8], T.float8, (a, ctx) => randomNormal(flt(a[0]), flt(a[1]), ctx), volatile),
  )],
  ['setseed', overloads(sig([T.float8], T.text, (a, ctx) => setseed(flt(a[0]), ctx), volatile))],
])
