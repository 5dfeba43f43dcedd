// time (without time zone) against PostgreSQL itself: input spellings, output, time(p) rounding,
// casts and interval arithmetic run in PGlite and in Tessera's type system, and the text output
// (or SQLSTATE) must be the same. Generated cases come from fast-check with a fixed seed.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { MICROS_PER_DAY } from './constants.ts'
import { type Literal, binaryOurs, castOurs, literalSql } from './pglite-cases.ts'
import { useOracle } from './pglite-oracle.ts'
import { formatTime } from './datetime.ts'
import { parseTime } from './time.ts'

const pg = useOracle()

const RUNS = { numRuns: 150, seed: 1083 }
const micros = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: MICROS_PER_DAY }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 86_400n }).map((s) => s * 1_000_000n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, MICROS_PER_DAY - 1n, MICROS_PER_DAY) },
)
const interval = fc
  .tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -40, max: 40 }), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }))
  .map(([months, days, us]) => `${months} mons ${days} days ${us} microseconds`)

describe('time input', () => {
  test.each([
    '00:00', '1:2', '12:34', '12:34:56', ' 04:05:06.789 ', '23:59:59.999999', '24:00', '24:00:00',
    '23:59:60', '12:00:60', '12:00:60.5', '23:59:60.5', '24:00:00.000001', '24:01', '25:00',
    '12:60', '12:00:61', '12', '', 'abc', '12:00:00.', '12:00:00.1234567', '23:59:59.9999995',
    '12:00:00.0000005', '12:00:00.0000015', '04:05 PM', '04:05 am', '12:00 AM', '12:30 PM',
    '13:00 PM', '2024-01-01 10:00', '2024-01-01T10:00:00', 'T10:00', '10:00:00Z', '10:00 UTC',
    '10:00+02', '10:00:00 -05:30', '120000', '1200', '120000.5', '12:00:00:00', '-1:00',
  ])('%p', async (text) => {
    expect(castOurs([text, ''], 'time')).toBe(await pg.text(literalSql([text, 'time'])))
  })

  test('output reads back as the same time, and PostgreSQL prints it the same', async () => {
    await fc.assert(
      fc.asyncProperty(micros, async (us) => {
        const text = formatTime(us)
        expect(parseTime(text)).toBe(us)
        expect(await pg.text(`'${text}'::time`)).toBe(text)
      }),
      RUNS,
    )
  })

  test('fractions beyond microseconds round as PostgreSQL rounds them', async () => {
    const fraction = fc.stringMatching(/^[0-9]{7,9}$/)
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 86_399 }), fraction, async (secs, digits) => {
        const text = `${formatTime(BigInt(secs) * 1_000_000n)}.${digits}`
        expect(castOurs([text, ''], 'time')).toBe(await pg.text(literalSql([text, 'time'])))
      }),
      RUNS,
    )
  })
})

describe('time(p) and casts', () => {
  test('time(p) rounds a value for every precision', async () => {
    await fc.assert(
      fc.asyncProperty(micros, fc.integer({ min: 0, max: 6 }), async (us, p) => {
        const lit: Literal = [formatTime(us), 'time']
        expect(castOurs(lit, `time(${p})`)).toBe(await pg.text(`${literalSql(lit)}::time(${p})`))
      }),
      RUNS,
    )
  })

  test('interval to time keeps the time part modulo a day', async () => {
    await fc.assert(
      fc.asyncProperty(interval, async (iv) => {
        const lit: Literal = [iv, 'interval']
        expect(castOurs(lit, 'time')).toBe(await pg.text(`${literalSql(lit)}::time`))
      }),
      RUNS,
    )
  })

  test.each([
    ['2024-05-06 07:08:09.5', 'timestamp'],
    ['1999-12-31 23:59:59.999999', 'timestamp'],
    ['0044-03-15 12:00 BC', 'timestamp'],
    ['infinity', 'timestamp'],
    ['2024-05-06 23:30:00+02', 'timestamptz'],
    ['10:11:12', 'time'],
    ['24:00', 'time'],
  ])('%p::%s to time and interval', async (text, type) => {
    const lit: Literal = [text, type]
    const to = type === 'time' ? 'interval' : 'time'
    expect(castOurs(lit, to)).toBe(await pg.text(`${literalSql(lit)}::${to}`))
  })
})

describe('time arithmetic', () => {
  test('time ± interval wraps around midnight; interval + time is time + interval', async () => {
    await fc.assert(
      fc.asyncProperty(micros, interval, fc.constantFrom('+', '-', 'i+'), async (us, iv, op) => {
        const t: Literal = [formatTime(us), 'time']
        const i: Literal = [iv, 'interval']
        const [l, symbol, r] = op === 'i+' ? [i, '+', t] : [t, op, i]
        const sql = `${literalSql(l)} ${symbol} ${literalSql(r)}`
        expect(binaryOurs(symbol, l, r)).toBe(await pg.text(sql))
      }),
      RUNS,
    )
  })

  test('time - time is an interval of hours, negative when the left is earlier', async () => {
    await fc.assert(
      fc.asyncProperty(micros, micros, async (a, b) => {
        const l: Literal = [formatTime(a), 'time']
        const r: Literal = [formatTime(b), 'time']
        expect(binaryOurs('-', l, r)).toBe(await pg.text(`${literalSql(l)} - ${literalSql(r)}`))
      }),
      RUNS,
    )
  })

  test.each([
    ['<', '10:00', '10:00:00.000001'],
    ['=', '24:00', '24:00:00'],
    ['>', '24:00', '23:59:59.999999'],
    ['<>', '00:00', '24:00'],
  ])('time %s time', async (op, a, b) => {
    const l: Literal = [a, 'time']
    const r: Literal = [b, 'time']
    expect(binaryOurs(op, l, r)).toBe(await pg.text(`${literalSql(l)} ${op} ${literalSql(r)}`))
  })

  test('date + time is a timestamp', async () => {
    const sql = `'2024-02-29'::date + '23:59:59.5'::time`
    expect(binaryOurs('+', ['2024-02-29', 'date'], ['23:59:59.5', 'time'])).toBe(await pg.text(sql))
  })
})
