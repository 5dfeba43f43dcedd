// Interval, array and jsonb operators and I/O against PostgreSQL itself: each case runs in PGlite
// and in Tessera's type system, and the text output (or SQLSTATE) must be the same.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { formatArray } from './array.ts'
import { type Literal, binaryOurs, castOurs, literalSql, unaryOurs } from './pglite-cases.ts'
import { useOracle } from './pglite-oracle.ts'

const pg = useOracle()

const iv = (s: string): Literal => [s, 'interval']

const INTERVAL_INPUTS = [
  '1 day 2 hours', '01:02:03', '-01:02:03', 'P1D', 'P1Y2M3DT4H5M6.5S', 'PT1.5S', 'P0001-02-03T04:05:06',
  '1 year 2 months 3 days', '-1 year -2 mons', '1.5 years', '1.5 months', '1.5 days', '1.5 weeks',
  '@ 1 minute ago', '1 day ago', '1 2:03:04', '10', '1.25', '2 decades', '1 century', '1 millennium',
  '3 weeks', '100 ms', '7 us', '1-2', '-1 day +02:00:00', '-1 days 2 hours', '1 day -01:00:00',
  '25:00:00', '0', '', 'abc', '1 foo', '1 day 1 day', '36 hours', '1 hour 30 minutes', '2h', '1d 3h',
  '1 mon 1.5 hours', '4 hours 59.9999999 seconds', '1:2', '1:2:3.0000005', '+1 day', '.5 day',
  '10000000000 hours', '2147483648 days', '1 day 1:2:3 ago', '1 hour 01:00', '1 second 100 ms',
]

describe('jsonb input: \\u escapes of surrogates', () => {
  test.each([
    '"\\ud800"', '"\\udc00"', '"\\ud800x"', '"\\ud800\\ud800"', '"\\ud83d\\ude00"', '"\\ud800\\u0041"',
    '"\\ud800\\n"', '"\\ud800\\u0000"', '{"\\ud83d\\ude00": "\\u00e9"}', '{"\\ud800": 1}', '["a\\udc00"]',
  ])('%p', async (text) => {
    expect(castOurs([text, ''], 'jsonb')).toBe(await pg.text(literalSql([text, 'jsonb'])))
  })
})

describe('interval input and output', () => {
  test('infinite intervals (PostgreSQL 17) are not supported: 0A000', () => {
    expect(castOurs(['infinity', ''], 'interval')).toBe('ERROR 0A000')
  })

  test.each(INTERVAL_INPUTS)('%p', async (text) => {
    expect(castOurs([text, ''], 'interval')).toBe(await pg.text(literalSql([text, 'interval'])))
  })

  test.each([
    ['1', 'interval day'],
    ['1', 'interval hour'],
    ['1 day 3 hours 4 minutes', 'interval day'],
    ['1 day 3 hours 4 minutes', 'interval hour to minute'],
    ['1:02', 'interval minute to second'],
    ['1.234567 seconds', 'interval(2)'],
    ['3 years 4 mons 5 days', 'interval year'],
    ['3 years 4 mons 5 days', 'interval year to month'],
  ])('%p::%s', async (text, type) => {
    expect(castOurs([text, ''], type)).toBe(await pg.text(`'${text}'::${type}`))
  })
})

const TS = '2024-01-31 10:00:00'
const BINARY: [string, Literal, Literal][] = [
  ['+', [TS, 'timestamp'], iv('1 month')],
  ['+', [TS, 'timestamp'], iv('1 month 1 day 1 hour')],
  ['-', [TS, 'timestamp'], iv('1 month')],
  ['+', ['2024-02-29', 'timestamp'], iv('1 year')],
  ['+', ['2024-03-31 00:00+00', 'timestamptz'], iv('-1 mon')],
  ['+', ['2024-01-01', 'date'], iv('1 day 2 hours')],
  ['-', ['2024-01-01', 'date'], iv('1 hour')],
  ['+', iv('1 hour'), ['2024-01-01', 'date']],
  ['+', iv('1 hour'), [TS, 'timestamptz']],
  ['+', [TS, 'timestamp'], ['1 day', '']],
  ['-', [TS, 'timestamp'], ['2024-01-01', 'timestamp']],
  ['-', ['2024-01-01', 'timestamp'], [TS, 'timestamp']],
  ['-', [TS, 'timestamptz'], ['2023-01-01 00:00:00.5+00', 'timestamptz']],
  ['-', [TS, 'timestamp'], ['2024-01-01', '']],
  ['-', [TS, 'timestamptz'], ['2024-01-01', 'date']],
  ['+', iv('1 day 2 hours'), iv('-3 hours')],
  ['-', iv('1 mon'), iv('1 day')],
  ['+', iv('1 day'), ['1 hour', '']],
  ['*', iv('1 day 2 hours'), ['2.5', 'float8']],
  ['*', iv('1 mon'), ['0.5', 'float8']],
  ['*', iv('1 mon 3 days'), ['1.3', 'numeric']],
  ['*', ['3', 'int4'], iv('1 hour 10 minutes')],
  ['/', iv('1 mon'), ['3', 'int4']],
  ['/', iv('1 day'), ['7', 'float8']],
  ['/', iv('1 day'), ['0', 'int4']],
  ['*', iv('2000000000 days'), ['2', 'int4']],
  ['=', iv('1 mon'), iv('30 days')],
  ['<', iv('1 day'), iv('25 hours')],
  ['>', iv('1 year'), iv('364 days')],
  ['=', iv('1 day'), ['24:00:00', '']],
  ['+', ['294276-12-31', 'timestamp'], iv('1 year')],
  ['+', ['infinity', 'timestamp'], iv('1 year')],
  // arrays
  ['||', ['{1,2}', 'int4[]'], ['{3}', 'int4[]']],
  ['||', ['{1,2}', 'int4[]'], ['3', 'int4']],
  ['||', ['0', 'int4'], ['{1,2}', 'int4[]']],
  ['||', ['{1,2}', 'int4[]'], ['{3,4}', '']],
  ['||', ['{a,b}', 'text[]'], ['c', 'text']],
  ['||', ['{1,2}', 'int4[]'], ['{3}', 'int8[]']],
  ['||', ['{1,2}', 'int8[]'], ['3', 'int4']],
  ['||', ['{1,2}', 'int4[]'], [null, '']],
  ['||', ['{1,2}', 'int4[]'], [null, 'int4']],
  ['||', [null, 'int4'], ['{1,2}', 'int4[]']],
  ['||', [null, 'int4[]'], ['{1,2}', 'int4[]']],
  ['||', [null, 'int4[]'], [null, 'int4[]']],
  ['||', [null, 'int4[]'], ['3', 'int4']],
  ['=', ['{1,2}', 'int4[]'], ['{1,2}', 'int8[]']],
  ['=', ['{1,NULL}', 'int4[]'], ['{1,NULL}', 'int4[]']],
  ['<', ['{1,2}', 'int4[]'], ['{1,2,0}', 'int4[]']],
  ['<', ['{1,NULL}', 'int4[]'], ['{1,2}', 'int4[]']],
  ['>', ['{b}', 'text[]'], ['{a,z}', 'text[]']],
  ['@>', ['{1,2,3}', 'int4[]'], ['{3,1}', 'int4[]']],
  ['@>', ['{1,2,NULL}', 'int4[]'], ['{NULL}', 'int4[]']],
  ['@>', ['{1,2}', 'int4[]'], ['{}', 'int4[]']],
  ['<@', ['{1}', 'int4[]'], ['{1,2}', '']],
  ['&&', ['{1,2}', 'int4[]'], ['{2,3}', 'int4[]']],
  ['&&', ['{1,2}', 'int4[]'], ['{3}', 'int4[]']],
  // jsonb
  ['->', ['{"a": {"b": [1, 2]}}', 'jsonb'], ['a', '']],
  ['->>', ['{"a": "x"}', 'jsonb'], ['a', '']],
  ['->>', ['{"a": null}', 'jsonb'], ['a', '']],
  ['->>', ['{"a": 1.50}', 'jsonb'], ['a', '']],
  ['=', ['{"a": 1.0}', 'jsonb'], ['{"a": 1}', 'jsonb']],
  ['->', ['{"a": 12345678901234567890.5}', 'jsonb'], ['a', '']],
  ['@>', ['[1.0, 2]', 'jsonb'], ['[1]', 'jsonb']],
  ['->', ['[1, 2, 3]', 'jsonb'], ['-1', 'int4']],
  ['->', ['[1, 2, 3]', 'jsonb'], ['5', 'int4']],
  ['->>', ['[1, "b", 3]', 'jsonb'], ['1', 'int4']],
  ['->', ['{"a": 1}', 'jsonb'], ['0', 'int4']],
  ['->', ['[1, 2]', 'jsonb'], ['0', 'int8']],
  ['#>', ['{"a": {"b": [1, {"c": 2}]}}', 'jsonb'], ['{a,b,1,c}', '']],
  ['#>>', ['{"a": {"b": [1, {"c": 2}]}}', 'jsonb'], ['{a,b,0}', 'text[]']],
  ['#>', ['{"a": [1]}', 'jsonb'], ['{a,x}', 'text[]']],
  ['@>', ['{"a": 1, "b": [1, 2]}', 'jsonb'], ['{"b": [2]}', '']],
  ['@>', ['[1, 2, [3]]', 'jsonb'], ['[[3]]', 'jsonb']],
  ['@>', ['[1, 2]', 'jsonb'], ['1', 'jsonb']],
  ['@>', ['1', 'jsonb'], ['[1]', 'jsonb']],
  ['@>', ['{"a": {"b": 1}}', 'jsonb'], ['{"a": {}}', 'jsonb']],
  ['<@', ['{"a": 1}', 'jsonb'], ['{"a": 1, "b": 2}', 'jsonb']],
  ['?', ['{"a": 1}', 'jsonb'], ['a', '']],
  ['?', ['["a", "b"]', 'jsonb'], ['b', 'text']],
  ['?', ['[1]', 'jsonb'], ['1', 'text']],
  ['?|', ['{"a": 1, "b": 2}', 'jsonb'], ['{x,b}', '']],
  ['?&', ['{"a": 1, "b": 2}', 'jsonb'], ['{a,x}', 'text[]']],
  ['||', ['{"a": 1}', 'jsonb'], ['{"b": 2}', 'jsonb']],
  ['||', ['[1]', 'jsonb'], ['{"b": 2}', 'jsonb']],
  ['-', ['{"a": 1, "b": 2}', 'jsonb'], ['a', '']],
  ['-', ['["a", "b", "a"]', 'jsonb'], ['a', 'text']],
  ['-', ['[1, 2, 3]', 'jsonb'], ['-1', 'int4']],
  ['-', ['{"a": 1}', 'jsonb'], ['0', 'int4']],
  ['-', ['1', 'jsonb'], ['a', 'text']],
  ['-', ['{"a": 1, "b": 2, "c": 3}', 'jsonb'], ['{a,c}', 'text[]']],
  ['#-', ['{"a": {"b": [1, 2]}}', 'jsonb'], ['{a,b,0}', '']],
  ['#-', ['{"a": {"b": [1, 2]}}', 'jsonb'], ['{a,x}', 'text[]']],
  ['#-', ['[1, [2, 3]]', 'jsonb'], ['{1,x}', 'text[]']],
]

describe('binary operators', () => {
  test.each(BINARY)('%s %p %p', async (op, l, r) => {
    expect(binaryOurs(op, l, r)).toBe(await pg.text(`${literalSql(l)} ${op} ${literalSql(r)}`))
  })

  test.each([['-', iv('1 day -02:00:00')], ['-', iv('-1 year 2 mons')]] as [string, Literal][])(
    'unary %s %p',
    async (op, a) => {
      expect(unaryOurs(op, a)).toBe(await pg.text(`${op} ${literalSql(a)}`))
    },
  )
})

const ARRAY_IO: [string, string][] = [
  ['{1,2,NULL}', 'int4[]'],
  ['{}', 'int4[]'],
  [' { 1 , 2 } ', 'int4[]'],
  ['{"a b","c,d","e\\"f","g\\\\h",NULL,"NULL",null,""}', 'text[]'],
  ['{  spaced  words  ,x}', 'text[]'],
  ['{a\\,b}', 'text[]'],
  ['{t,f,true}', 'bool[]'],
  ['{1.50,NaN}', 'numeric[]'],
  ['{"{\\"a\\": 1}"}', 'jsonb[]'],
  ['{2024-01-01,infinity}', 'date[]'],
  ['{"1 day","01:00:00"}', 'interval[]'],
  ['{1,2', 'int4[]'],
  ['1,2', 'int4[]'],
  ['{1,,2}', 'int4[]'],
  ['{1,x}', 'int4[]'],
  ['{a}x', 'text[]'],
  ['{"a"b}', 'text[]'],
  ['{abc,xyz}', 'varchar(2)[]'],
]

describe('array input and output', () => {
  test.each(ARRAY_IO)('%p::%s', async (text, type) => {
    expect(castOurs([text, ''], type)).toBe(await pg.text(literalSql([text, type])))
  })

  test.each([
    [['{1,2}', 'int4[]'], 'int8[]'],
    [['{1.5,2.5}', 'numeric[]'], 'int4[]'],
    [['{1,2}', 'int4[]'], 'text'],
    [['{abc}', 'text[]'], 'varchar(2)[]'],
    [['{"1 day"}', 'text[]'], 'interval[]'],
  ] as [Literal, string][])('%p::%s', async (lit, to) => {
    expect(castOurs(lit, to)).toBe(await pg.text(`${literalSql(lit)}::${to}`))
  })
})

describe('jsonb input keeps numeric digits', () => {
  test.each([
    '{"a":1.50,"b":[1e2,-0,0.10]}', '12345678901234567890.123', '1e-7', '[1,2', '{"a" 1}', 'tru', '"\\u0000"',
    '01', '1.', '-', ' "x" ', '{"a":1,"a":2}', '"\\ud83d\\ude00"', '[]', '"a\tb"', '{"__proto__": 1}',
  ])('%p', async (text) => {
    expect(castOurs([text, ''], 'jsonb')).toBe(await pg.text(literalSql([text, 'jsonb'])))
  })
})

describe('array text output on random elements', () => {
  test('text[] with quotes, backslashes, braces, commas, spaces, NULL-like words', async () => {
    const element = fc.oneof(
      fc.constantFrom(null, '', 'NULL', 'null', ' ', 'a b', '{x}', 'a,b', '"', '\\', 'é', 'Nul'),
      fc.string({ unit: fc.constantFrom('a', '"', '\\', '{', '}', ',', ' ', 'N', 'é'), maxLength: 5 }),
    )
    for (const arr of fc.sample(fc.array(element, { maxLength: 4 }), { numRuns: 120, seed: 42 })) {
      const sql = `array[${arr.map((v) => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`)).join(', ')}]::text[]`
      const ours = castOurs([formatArray(arr, (d) => d as string), ''], 'text[]')
      expect({ arr, ours }).toEqual({ arr, ours: await pg.text(sql) })
    }
  })
})

describe('timestamp input with a zone name', () => {
  test.each([
    ['2024-07-01 12:00 America/New_York', 'timestamptz'], ['2024-07-01 12:00 EST', 'timestamptz'],
    ['2024-07-01 12:00 america/new_york', 'timestamptz'], ['2024-07-01 12:00 America/New_York', 'timestamp'],
    ['2024-01-01 12:00:00 Europe/Paris', 'timestamptz'], ['2024-07-01 12:00 Nowhere/Land', 'timestamptz'],
    ['2024-03-10 02:30 America/New_York', 'timestamptz'], ['2024-07-01T12:00:00Z', 'timestamptz'], ['2024-07-01 12:00 PDT', 'timestamptz'],
  ])('%p::%s', async (text, type) => {
    expect(castOurs([text, ''], type)).toBe(await pg.text(literalSql([text, type])))
  })
})
