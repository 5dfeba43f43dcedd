// Decimal (numeric) against PostgreSQL 16's known outputs: input, display scale, division scale
// (select_div_scale), modulo, rounding and NaN. Method: tables of psql results.
import { describe, expect, test } from 'bun:test'
import { SqlError } from '../../errors/index.ts'
import { Decimal, divScale } from './decimal.ts'

const d = (s: string) => Decimal.parse(s)

function code(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    if (e instanceof SqlError) return e.code
    throw e
  }
  return undefined
}

describe('numeric input and output', () => {
  const cases: [string, string][] = [
    ['1.50', '1.50'],
    ['  12  ', '12'],
    ['-0.0', '0.0'],
    ['+7', '7'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['1e3', '1000'],
    ['1.5e-3', '0.0015'],
    ['1.500e1', '15.00'],
    ['-1.5E+2', '-150'],
    ['1_000.000_1', '1000.0001'],
    ['0x1F', '31'],
    ['-0b101', '-5'],
    ['0o17', '15'],
    ['NaN', 'NaN'],
    ['nan', 'NaN'],
    ['0.000', '0.000'],
    ['123456789012345678901234567890.123', '123456789012345678901234567890.123'],
  ]
  test.each(cases)('%p → %p', (input, output) => {
    expect(d(input).toString()).toBe(output)
  })

  test.each(['', 'abc', '1.2.3', '1e', 'e5', '1_', '_1', '1__0', '- 1', '0x', '1e1001', '0xg'])(
    'rejects %p with 22P02',
    (input) => {
      expect(code(() => d(input))).toBe('22P02')
    },
  )

  test('message names the type and the input', () => {
    expect(() => d('x1')).toThrow('invalid input syntax for type numeric: "x1"')
  })

  test('numeric infinity is not supported', () => {
    expect(code(() => d('Infinity'))).toBe('0A000')
    expect(code(() => d('-inf'))).toBe('0A000')
  })
})

describe('numeric arithmetic', () => {
  const div: [string, string, string][] = [
    ['1', '3', '0.33333333333333333333'],
    ['2', '3', '0.66666666666666666667'],
    ['10', '3', '3.3333333333333333'],
    ['100', '3', '33.3333333333333333'],
    ['1', '7', '0.14285714285714285714'],
    ['1.0', '3', '0.33333333333333333333'],
    ['1234567', '7', '176366.714285714286'],
    ['0.0001', '3', '0.000033333333333333333333'],
    ['1', '1', '1.00000000000000000000'],
    ['10', '2', '5.0000000000000000'],
    ['-7', '2', '-3.5000000000000000'],
    ['1.000000000000000000000001', '3', '0.333333333333333333333334'],
    ['0', '5', '0.00000000000000000000'],
    ['99999', '1', '99999.000000000000'],
  ]
  test.each(div)('%p / %p = %p', (a, b, q) => {
    expect(d(a).div(d(b)).toString()).toBe(q)
  })

  test('division scale follows select_div_scale', () => {
    expect(divScale(d('1'), d('3'))).toBe(20)
    expect(divScale(d('10'), d('3'))).toBe(16)
    expect(divScale(d('1.123456789012345678901'), d('1'))).toBe(21)
  })

  test('division by zero is 22012, NaN / 0 is NaN', () => {
    expect(code(() => d('1').div(d('0')))).toBe('22012')
    expect(code(() => d('1').mod(d('0.0')))).toBe('22012')
    expect(d('NaN').div(d('0')).isNaN).toBe(true)
  })

  const ops: [string, string, string, string][] = [
    ['1.5', '+', '2.25', '3.75'],
    ['1.50', '-', '1.5', '0.00'],
    ['1.5', '*', '2.25', '3.375'],
    ['-1.10', '*', '3', '-3.30'],
    ['5', '%', '3', '2'],
    ['-5', '%', '3', '-2'],
    ['5', '%', '-3', '2'],
    ['5.5', '%', '2', '1.5'],
    ['-5.5', '%', '2.25', '-1.00'],
  ]
  test.each(ops)('%p %p %p = %p', (a, op, b, r) => {
    const x = d(a)
    const y = d(b)
    const result = op === '+' ? x.add(y) : op === '-' ? x.sub(y) : op === '*' ? x.mul(y) : x.mod(y)
    expect(result.toString()).toBe(r)
  })

  test('NaN propagates and sorts last, equal to itself', () => {
    expect(d('NaN').add(d('1')).isNaN).toBe(true)
    expect(d('1').mul(d('NaN')).isNaN).toBe(true)
    expect(d('NaN').compare(d('1e100'))).toBe(1)
    expect(d('-1e100').compare(d('NaN'))).toBe(-1)
    expect(d('NaN').compare(Decimal.nan())).toBe(0)
    expect(d('1.0').compare(d('1.000'))).toBe(0)
  })

  const rounds: [string, number, string][] = [
    ['2.5', 0, '3'],
    ['-2.5', 0, '-3'],
    ['2.45', 1, '2.5'],
    ['-2.45', 1, '-2.5'],
    ['1234.5', -2, '1200'],
    ['1250', -2, '1300'],
    ['1.5', 3, '1.500'],
    ['0.0049', 2, '0.00'],
  ]
  test.each(rounds)('round(%p, %p) = %p', (a, s, r) => {
    expect(d(a).round(s).toString()).toBe(r)
  })

  test('trunc, normalize, conversions', () => {
    expect(d('-2.79').trunc(1).toString()).toBe('-2.7')
    expect(d('1.2300').normalize().toString()).toBe('1.23')
    expect(d('100').normalize().toString()).toBe('100')
    expect(d('12.000').toBigInt()).toBe(12n)
    expect(d('12.5').toBigInt()).toBeUndefined()
    expect(d('0.1').toNumber()).toBe(0.1)
    expect(Decimal.fromNumber(0.1).toString()).toBe('0.1')
    expect(Decimal.fromNumber(1e21).toString()).toBe('1000000000000000000000')
    expect(Decimal.fromNumber(-0).toString()).toBe('0')
    expect(Decimal.fromFloat(1 / 3, 15).toString()).toBe('0.333333333333333')
    expect(Decimal.fromFloat(100, 15).toString()).toBe('100')
    expect(Decimal.fromFloat(1e-5, 15).toString()).toBe('0.00001')
    expect(Decimal.fromFloat(Math.fround(0.1), 6).toString()).toBe('0.1')
  })

  test('values beyond numeric range overflow with 22003', () => {
    expect(code(() => d('1e1000').mul(d('1e1000')).mul(d(`1e1000`)))).toBeUndefined()
    const big = d(`1${'0'.repeat(131071)}`)
    expect(code(() => big.mul(d('10')))).toBe('22003')
  })
})
