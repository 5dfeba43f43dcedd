// Date/time functions on random timestamps against PGlite: extract, date_part, date_trunc, to_char,
// age and timestamp arithmetic over years 1-9999 and BC, where calendar code usually goes wrong.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { formatTimestamp } from './types/index.ts'
import { type Literal, literalSql } from './types/pglite-cases.ts'
import { callOurs as call } from './pglite-fuzz.harness.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()

// Years -3000..9999 (BC included), any time of day with microseconds.
const timestamp = fc
  .tuple(fc.bigInt({ min: -157_000_000_000_000_000n, max: 253_402_300_799_999_999n }), fc.boolean())
  .map(([us, round]) => formatTimestamp(round ? us - (us % 86_400_000_000n) : us, false))

const FIELDS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'milliseconds', 'microseconds', 'epoch', 'dow', 'isodow', 'doy', 'week', 'isoyear', 'quarter', 'decade', 'century', 'millennium']
const UNITS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'decade', 'century', 'millennium']
const PATTERNS = [
  'YYYY-MM-DD HH24:MI:SS.US', 'Y,YYY YYY YY Y IYYY IYY IY I', 'Month Mon MONTH mon FMMonth', 'Day Dy DAY dy FMDay',
  'DDD IDDD DD D ID WW W IW', 'CC J Q AM pm HH HH12 FMHH12', 'SSSS MS FF1 FF3 FF6', 'DDth FMDDth Q RM rm', 'YYYY BC b.c.',
]

test('extract and date_part', async () => {
  const cases = fc.sample(fc.tuple(fc.constantFrom(...FIELDS), timestamp, fc.constantFrom('timestamp', 'timestamptz', 'date')), { numRuns: 250, seed: 42 })
  for (const [field, ts, type] of cases) {
    const args: Literal[] = [[field, 'text'], [ts, type]]
    const sql = `pg_catalog.extract(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call('extract', args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)

test('date_trunc', async () => {
  const cases = fc.sample(fc.tuple(fc.constantFrom(...UNITS), timestamp, fc.constantFrom('timestamp', 'timestamptz')), { numRuns: 200, seed: 42 })
  for (const [unit, ts, type] of cases) {
    const args: Literal[] = [[unit, 'text'], [ts, type]]
    const sql = `date_trunc(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call('date_trunc', args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)

test('to_char', async () => {
  const cases = fc.sample(fc.tuple(fc.constantFrom(...PATTERNS), timestamp), { numRuns: 200, seed: 42 })
  for (const [pattern, ts] of cases) {
    const args: Literal[] = [[ts, 'timestamp'], [pattern, 'text']]
    const sql = `to_char(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call('to_char', args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)

test('age', async () => {
  const cases = fc.sample(fc.tuple(timestamp, timestamp), { numRuns: 150, seed: 42 })
  for (const [a, b] of cases) {
    const args: Literal[] = [[a, 'timestamp'], [b, 'timestamp']]
    const sql = `age(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call('age', args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)

test('AT TIME ZONE both ways over transitions, named zones and POSIX offsets', async () => {
  const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo', 'UTC', '+03:30', 'UTC-2', 'PST', 'Pacific/Apia']
  // 1950-2049, where both zone databases agree on history.
  const ts = fc.bigInt({ min: -631_152_000_000_000n, max: 2_524_608_000_000_000n }).map((us) => formatTimestamp(us - (us % 900_000_000n), false))
  const cases = fc.sample(fc.tuple(fc.constantFrom(...ZONES), ts, fc.constantFrom('timestamp', 'timestamptz')), { numRuns: 200, seed: 42 })
  for (const [zone, t, type] of cases) {
    const args: Literal[] = [[zone, 'text'], [t, type]]
    const sql = `timezone(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call('timezone', args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)

test('extract and date_trunc of intervals', async () => {
  const interval = fc
    .tuple(fc.integer({ min: -400, max: 400 }), fc.integer({ min: -100, max: 100 }), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }))
    .map(([m, d, us]) => `${m} mons ${d} days ${us} us`)
  const units = [...FIELDS, 'julian', 'timezone', 'fortnight']
  const cases = fc.sample(fc.tuple(fc.constantFrom('extract', 'date_trunc'), fc.constantFrom(...units), interval), { numRuns: 200, seed: 42 })
  for (const [fn, unit, iv] of cases) {
    const args: Literal[] = [[unit, 'text'], [iv, 'interval']]
    const sql = `pg_catalog.${fn}(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call(fn, args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)
