// Integer, float and boolean input/output against PostgreSQL 16: int4in ranges and messages,
// float8out's shortest round-trip text (Ryu layout), boolin's accepted spellings.
import { describe, expect, test } from 'bun:test'
import {
  formatFloat4,
  formatFloat8,
  parseBool,
  parseFloat,
  parseInteger,
  rint,
} from './number-io.ts'
import { error } from './types-harness.ts'

describe('integer input', () => {
  const ok: [string, 'int2' | 'int4' | 'int8', bigint][] = [
    [' 42 ', 'int4', 42n],
    ['+1', 'int4', 1n],
    ['-0', 'int4', 0n],
    ['-2147483648', 'int4', -2147483648n],
    ['32767', 'int2', 32767n],
    ['9223372036854775807', 'int8', 9223372036854775807n],
    ['-9223372036854775808', 'int8', -9223372036854775808n],
    ['0x10', 'int4', 16n],
    ['-0X_ff', 'int4', -255n],
    ['0b101', 'int4', 5n],
    ['0o777', 'int4', 511n],
    ['1_000_000', 'int4', 1000000n],
    ['\t7\n', 'int2', 7n],
  ]
  test.each(ok)('%p as %p = %p', (text, kind, n) => {
    expect(parseInteger(text, kind)).toBe(n)
  })

  const bad: [string, 'int2' | 'int4' | 'int8', string][] = [
    ['2147483648', 'int4', '22003 value "2147483648" is out of range for type integer'],
    ['32768', 'int2', '22003 value "32768" is out of range for type smallint'],
    [
      '9223372036854775808',
      'int8',
      '22003 value "9223372036854775808" is out of range for type bigint',
    ],
    ['1.5', 'int4', '22P02 invalid input syntax for type integer: "1.5"'],
    ['', 'int4', '22P02 invalid input syntax for type integer: ""'],
    ['  ', 'int8', '22P02 invalid input syntax for type bigint: "  "'],
    ['1e3', 'int4', '22P02 invalid input syntax for type integer: "1e3"'],
    ['12a', 'int2', '22P02 invalid input syntax for type smallint: "12a"'],
    ['_1', 'int4', '22P02 invalid input syntax for type integer: "_1"'],
    ['1__0', 'int4', '22P02 invalid input syntax for type integer: "1__0"'],
    ['1_', 'int4', '22P02 invalid input syntax for type integer: "1_"'],
    ['- 1', 'int4', '22P02 invalid input syntax for type integer: "- 1"'],
  ]
  test.each(bad)('%p as %p fails: %p', (text, kind, message) => {
    expect(error(() => parseInteger(text, kind))).toBe(message)
  })
})

describe('float input', () => {
  test('specials, case-insensitive', () => {
    expect(parseFloat('NaN', 'float8')).toBeNaN()
    expect(parseFloat(' nan ', 'float8')).toBeNaN()
    expect(parseFloat('Infinity', 'float8')).toBe(Infinity)
    expect(parseFloat('-Infinity', 'float8')).toBe(-Infinity)
    expect(parseFloat('inf', 'float8')).toBe(Infinity)
    expect(parseFloat('-INF', 'float4')).toBe(-Infinity)
    expect(parseFloat('+infinity', 'float8')).toBe(Infinity)
  })
  test('numbers', () => {
    expect(parseFloat('1.5e3', 'float8')).toBe(1500)
    expect(parseFloat('.5', 'float8')).toBe(0.5)
    expect(parseFloat('5.', 'float8')).toBe(5)
    expect(Object.is(parseFloat('-0', 'float8'), -0)).toBe(true)
    expect(parseFloat('0.1', 'float4')).toBe(Math.fround(0.1))
    expect(parseFloat('4.9e-324', 'float8')).toBe(5e-324)
  })
  test('errors', () => {
    expect(error(() => parseFloat('1e400', 'float8'))).toBe(
      '22003 "1e400" is out of range for type double precision',
    )
    expect(error(() => parseFloat('1e-400', 'float8'))).toBe(
      '22003 "1e-400" is out of range for type double precision',
    )
    expect(error(() => parseFloat('1e39', 'float4'))).toBe(
      '22003 "1e39" is out of range for type real',
    )
    expect(error(() => parseFloat('abc', 'float8'))).toBe(
      '22P02 invalid input syntax for type double precision: "abc"',
    )
    expect(error(() => parseFloat('', 'float4'))).toBe(
      '22P02 invalid input syntax for type real: ""',
    )
    expect(parseFloat('0e5', 'float8')).toBe(0)
  })
})

describe('float output', () => {
  const float8: [number, string][] = [
    [0.1, '0.1'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1 / 3, '0.3333333333333333'],
    [1e15, '1e+15'],
    [123456789012345, '123456789012345'],
    [1e14, '100000000000000'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [1e100, '1e+100'],
    [-1.25e-7, '-1.25e-07'],
    [2 ** 53, '9.007199254740992e+15'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-0, '-0'],
    [0, '0'],
    [100, '100'],
    [-3.5, '-3.5'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    // JavaScript's shortest digits lie exactly halfway to the next double (its reading back rounds
    // to the even mantissa); PostgreSQL never prints a halfway point (checked with PGlite).
    [234108922674439616, '2.3410892267443962e+17'],
    [68611239013025056, '6.8611239013025056e+16'],
    [2216662919045424128, '2.2166629190454241e+18'],
  ]
  test.each(float8)('float8 %p → %p', (x, s) => {
    expect(formatFloat8(x)).toBe(s)
  })

  const float4: [number, string][] = [
    [Math.fround(0.1), '0.1'],
    [Math.fround(1e6), '1e+06'],
    [123456, '123456'],
    [Math.fround(1234567), '1.234567e+06'],
    [Math.fround(123456789), '1.2345679e+08'],
    [Math.fround(3.4028235e38), '3.4028235e+38'],
    [Math.fround(1.1), '1.1'],
    [Math.fround(0.0001), '0.0001'],
    [Math.fround(1e-5), '1e-05'],
    [Math.fround(-2.5), '-2.5'],
    // Halfway to the next float4 (toPrecision's 1.2953362e+08 reads back to it, rounding to even).
    [129533616, '1.29533616e+08'],
    // Exactly between 58474.562 and 58474.563, both close enough: the even last digit.
    [58474.5625, '58474.562'],
    [Math.fround(1.401298464324817e-45), '1e-45'],
  ]
  test.each(float4)('float4 %p → %p', (x, s) => {
    expect(formatFloat4(x)).toBe(s)
  })
})

describe('boolean input', () => {
  test.each(['t', 'TRUE', ' yes ', 'on', '1', 'tr', 'Y', 'On'])('%p is true', (s) => {
    expect(parseBool(s)).toBe(true)
  })
  test.each(['f', 'False', 'no', 'N', 'off', 'of', '0', 'fal'])('%p is false', (s) => {
    expect(parseBool(s)).toBe(false)
  })
  test.each(['o', '', 'yess', '2', 'truee', '10', 'onn'])('%p is rejected', (s) => {
    expect(error(() => parseBool(s))).toBe(`22P02 invalid input syntax for type boolean: "${s}"`)
  })
})

test('rint rounds half to even', () => {
  expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(rint).map((x) => x + 0)).toEqual([
    0, 2, 2, 0, -2, -2, 2, -3,
  ])
})
