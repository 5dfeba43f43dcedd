// erf and erfc: the float8 nearest the true value (a table computed with mpmath at 40 digits),
// and PostgreSQL's answers (PGlite) to the last place but one: its C library's erf (fdlibm's, in
// musl and glibc) is not correctly rounded, so about a quarter of arguments differ in the last bit,
// and erfc far in the tail by a few units (the relative bound below).
import { describe, expect, test } from 'bun:test'
import { callOurs } from '../pglite-fuzz.harness.ts'
import { erf, erfc } from './float-erf.ts'
import { useOracle } from './pglite-oracle.ts'

const pg = useOracle()

/** [x, erf(x), erfc(x)]: mpmath.erf / mpmath.erfc at 40 digits, rounded to float8. */
const REFERENCE: [number, number, number][] = [
  [-6.5, -1.0, 2.0],
  [-5, -0.9999999999984626, 1.9999999999984626],
  [-3.3, -0.9999969422902035, 1.9999969422902035],
  [-2, -0.9953222650189527, 1.9953222650189528],
  [-1.25, -0.9229001282564583, 1.9229001282564582],
  [-1, -0.8427007929497149, 1.8427007929497148],
  [-0.84375, -0.7672256612323416, 1.7672256612323416],
  [-0.5, -0.5204998778130465, 1.5204998778130465],
  [-0.1, -0.1124629160182849, 1.1124629160182848],
  [-1e-300, -1.1283791670955126e-300, 1.0],
  [0, 0.0, 1.0],
  [1e-300, 1.1283791670955126e-300, 1.0],
  [1e-20, 1.1283791670955125e-20, 1.0],
  [1e-8, 1.1283791670955126e-8, 0.9999999887162083],
  [0.1, 0.1124629160182849, 0.887537083981715],
  [0.25, 0.27632639016823696, 0.7236736098317631],
  [0.5, 0.5204998778130465, 0.4795001221869535],
  [0.84375, 0.7672256612323416, 0.23277433876765838],
  [1, 0.8427007929497149, 0.15729920705028513],
  [1.25, 0.9229001282564583, 0.07709987174354177],
  [1.5, 0.9661051464753108, 0.033894853524689274],
  [2, 0.9953222650189527, 0.004677734981047266],
  [2.857142857142857, 0.9999466876886117, 5.3312311388322795e-5],
  [3, 0.9999779095030014, 2.209049699858544e-5],
  [4, 0.9999999845827421, 1.541725790028002e-8],
  [4.5, 0.9999999998033839, 1.9661604415428876e-10],
  [5, 0.9999999999984626, 1.537459794428035e-12],
  [5.9, 0.9999999999999999, 7.190409783550478e-17],
  [6, 1.0, 2.1519736712498913e-17],
  [6.5, 1.0, 3.8421483271206475e-20],
  [8, 1.0, 1.1224297172982926e-29],
  [10, 1.0, 2.088487583762545e-45],
  [15, 1.0, 7.212994172451207e-100],
  [20, 1.0, 5.395865611607901e-176],
  [26, 1.0, 5.663192408856143e-296],
  [26.5, 1.0, 2.2109076642637343e-307],
  [27, 1.0, 5.23705e-319],
  [27.2, 1.0, 1e-323],
  [27.3, 1.0, 0.0],
]

describe('erf and erfc', () => {
  test.each(REFERENCE)('at %p: the nearest float8', (x, e, c) => {
    expect([erf(x), erfc(x)]).toEqual([e, c])
  })

  test('NaN, the infinities and the sign of zero', () => {
    expect([erf(NaN), erfc(NaN)]).toEqual([NaN, NaN])
    expect([erf(Infinity), erf(-Infinity), erfc(Infinity), erfc(-Infinity)]).toEqual([1, -1, 0, 2])
    expect(Object.is(erf(-0), -0)).toBe(true)
  })

  // Where the C library's answer is exact (special values, the saturated tails), PostgreSQL's
  // text itself; elsewhere within 2^-50 relative (four units in the last place).
  const f = (s: string) => [s, 'float8'] as const
  const EXACT = ['NaN', 'Infinity', '-Infinity', '0', '-0', '-6', '30', '-30', '1e-300', '27.3', '100']
  test.each(EXACT)('erf and erfc of %s: PostgreSQL text', async (x) => {
    for (const name of ['erf', 'erfc']) {
      expect(callOurs(name, [f(x)])).toBe(await pg.text(`${name}('${x}'::float8)`))
    }
  })

  test('NULL is NULL; the result is float8 (an integer or numeric argument is cast)', async () => {
    expect(callOurs('erf', [[null, 'float8']])).toBe(null)
    expect(await pg.text('pg_typeof(erf(1))')).toBe('double precision')
    expect(callOurs('erf', [['1', 'int4']])).toBe(await pg.text('erf(1)'))
    expect(callOurs('erfc', [['1', 'numeric']])).toBe(callOurs('erfc', [f('1')]))
    expect(callOurs('erf', [['x', 'text']])).toBe('ERROR 42883')
  })

  test('a sweep of [-7, 30] against PostgreSQL', async () => {
    const xs = Array.from({ length: 371 }, (_, i) => -7 + i / 10 + 0.0123)
    const ours = xs.map((x) => [erf(x), erfc(x)])
    const theirs = (await pg.text(`(select string_agg(erf(x)::text || ' ' || erfc(x)::text, ',' order by o)
      from unnest(array[${xs.join(',')}]::float8[]) with ordinality as u(x, o))`)) as string
    const near = (a: number, b: number) => a === b || Math.abs(a - b) <= Math.abs(b) * 2 ** -50
    let identical = 0
    theirs.split(',').forEach((pair, i) => {
      const [e, c] = pair.split(' ').map(Number) as [number, number]
      const [oe, oc] = ours[i] as [number, number]
      expect({ x: xs[i], near: near(oe, e) && near(oc, c) }).toEqual({ x: xs[i], near: true })
      if (oe === e && oc === c) identical++
    })
    // Most agree in every bit; the rest are the C library's last-place error.
    expect(identical).toBeGreaterThan(xs.length / 2)
  })
})
