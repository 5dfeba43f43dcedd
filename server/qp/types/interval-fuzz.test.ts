// Interval input, output and arithmetic on random inputs against PGlite: fast-check builds interval
// texts from PostgreSQL's units, signs, fractions and time fields; both engines must agree.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { binaryOurs, castOurs } from './pglite-cases.ts'
import { useOracle } from './pglite-oracle.ts'

const pg = useOracle()

const UNITS = ['year', 'mons', 'days', 'hours', 'min', 'secs', 'weeks', 'ms', 'us', 'decade']
const number = fc.oneof(
  fc.integer({ min: -500, max: 500 }).map(String),
  fc.tuple(fc.integer({ min: -99, max: 99 }), fc.integer({ min: 0, max: 999 })).map(([a, b]) => `${a}.${b}`),
)
const field = fc.tuple(number, fc.constantFrom(...UNITS)).map(([n, u]) => `${n} ${u}`)
const time = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 999999 }))
  .map(([neg, h, m, s, f]) => `${neg ? '-' : ''}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${f}`)
const intervalText = fc
  .tuple(fc.uniqueArray(field, { maxLength: 3, selector: (x) => x.split(' ')[1] }), fc.option(time, { nil: undefined }), fc.boolean())
  .filter(([fields, t]) => fields.length > 0 || t !== undefined)
  .map(([fields, t, ago]) => [...fields, ...(t === undefined ? [] : [t]), ...(ago ? ['ago'] : [])].join(' '))

test('random interval texts: same output or same SQLSTATE', async () => {
  const samples = fc.sample(intervalText, { numRuns: 300, seed: 42 })
  for (const text of samples) {
    const sql = `'${text}'::interval`
    expect({ text, ours: castOurs([text, ''], 'interval') }).toEqual({ text, ours: await pg.text(sql) })
  }
}, 30_000)

test('random interval arithmetic: + - with timestamps and intervals, * and / by numbers', async () => {
  const ts = fc.integer({ min: -50_000, max: 50_000 }).map((d) => new Date(Date.UTC(2000, 0, 1) + d * 86_400_000 + (d % 7) * 3_600_017).toISOString().replace('T', ' ').replace('Z', ''))
  const op = fc.oneof(
    fc.tuple(fc.constantFrom('+', '-'), ts.map((t) => [t, 'timestamp'] as const), intervalText.map((i) => [i, 'interval'] as const)),
    fc.tuple(fc.constantFrom('+', '-'), intervalText.map((i) => [i, 'interval'] as const), intervalText.map((i) => [i, 'interval'] as const)),
    fc.tuple(fc.constantFrom('*', '/'), intervalText.map((i) => [i, 'interval'] as const), fc.double({ min: -20, max: 20, noNaN: true }).map((x) => [String(x), 'float8'] as const)),
    fc.tuple(fc.constant('-'), ts.map((t) => [t, 'timestamp'] as const), ts.map((t) => [t, 'timestamp'] as const)),
  )
  for (const [o, l, r] of fc.sample(op, { numRuns: 300, seed: 42 })) {
    const sql = `'${l[0]}'::${l[1]} ${o} '${r[0]}'::${r[1]}`
    expect({ sql, ours: binaryOurs(o, l, r) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 30_000)
