// Goal: values render as the reference harness prints them (README §4): C's %.3f including its
// ties and -0.000, integers truncated toward zero without losing int8 digits, text with (empty)
// and @, row and value sorting by bytes, MD5 hashing. Method: fixed cases against C's printf
// output, plus a property check of %.3f against exact decimal arithmetic.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  formatC3,
  hashLine,
  hashValues,
  parseHashLine,
  renderResult,
  renderValue,
} from './render.ts'

describe('formatC3', () => {
  test('matches C printf("%.3f") on ties, negative zero and large values', () => {
    const cases: [number, string][] = [
      [5, '5.000'],
      [-1 / 3, '-0.333'],
      [0.0625, '0.062'],
      [0.1875, '0.188'],
      [-0.0625, '-0.062'],
      [2.0625, '2.062'],
      [1.0005, '1.000'],
      [0.0005, '0.001'],
      [-0, '-0.000'],
      [0, '0.000'],
      [-0.0001, '-0.000'],
      [1e21, '1000000000000000000000.000'],
      [123456789.5, '123456789.500'],
      [NaN, 'nan'],
      [-Infinity, '-inf'],
    ]
    for (const [x, want] of cases) expect(`${x} -> ${formatC3(x)}`).toBe(`${x} -> ${want}`)
  })

  test('agrees with exact decimal rounding (half to even) for any double in a wide range', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), (x) => {
        expect(formatC3(x)).toBe(exactC3(x))
      }),
      { numRuns: 2000, seed: 4 },
    )
  })

  test('exact ties (sixteenths) round half to even, as C does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (m) => {
        expect(formatC3(m / 16)).toBe(exactC3(m / 16))
      }),
      { numRuns: 2000, seed: 4 },
    )
  })
})

/** Reference: the double's exact value as a fraction of BigInts, rounded half-even to 1/1000. */
function exactC3(x: number): string {
  const negative = x < 0 || Object.is(x, -0)
  const buf = new DataView(new ArrayBuffer(8))
  buf.setFloat64(0, Math.abs(x))
  const bits = buf.getBigUint64(0)
  const exp = Number((bits >> 52n) & 0x7ffn)
  const frac = bits & ((1n << 52n) - 1n)
  const mant = exp === 0 ? frac : frac | (1n << 52n)
  const e2 = (exp === 0 ? 1 : exp) - 1075
  // value = mant * 2^e2; thousandths = value * 1000
  let num = mant * 1000n
  let den = 1n
  if (e2 >= 0) num <<= BigInt(e2)
  else den <<= BigInt(-e2)
  let q = num / den
  const r2 = (num % den) * 2n
  if (r2 > den || (r2 === den && q % 2n === 1n)) q++
  const s = q.toString().padStart(4, '0')
  return `${negative ? '-' : ''}${s.slice(0, -3)}.${s.slice(-3)}`
}

describe('renderValue', () => {
  test('NULL whatever the type', () => {
    for (const t of ['I', 'R', 'T']) expect(renderValue(null, t)).toBe('NULL')
  })

  test('I truncates toward zero, keeps int8 digits, booleans are 1/0', () => {
    expect(renderValue(7, 'I')).toBe('7')
    expect(renderValue(-7.9, 'I')).toBe('-7')
    expect(renderValue('103.5000000000000000', 'I')).toBe('103')
    expect(renderValue('-0.5', 'I')).toBe('0')
    expect(renderValue('9223372036854775807', 'I')).toBe('9223372036854775807')
    expect(renderValue(12345678901234567890n, 'I')).toBe('12345678901234567890')
    expect(renderValue(true, 'I')).toBe('1')
    expect(renderValue(false, 'I')).toBe('0')
    expect(renderValue('abc', 'I')).toBe('0')
  })

  test('R from numbers, numeric strings and booleans', () => {
    expect(renderValue('2.5', 'R')).toBe('2.500')
    expect(renderValue(1, 'R')).toBe('1.000')
    expect(renderValue(true, 'R')).toBe('1.000')
  })

  test('T: (empty), @ per byte outside printable ASCII, PostgreSQL text for booleans', () => {
    expect(renderValue('', 'T')).toBe('(empty)')
    expect(renderValue('a b', 'T')).toBe('a b')
    expect(renderValue('a\tb', 'T')).toBe('a@b')
    expect(renderValue('é', 'T')).toBe('@@')
    expect(renderValue(true, 'T')).toBe('t')
    expect(renderValue(1.5, 'T')).toBe('1.5')
  })
})

describe('renderResult and hashing', () => {
  const rows = [
    [10, 'b'],
    [9, 'a'],
    [null, ''],
  ]

  test('nosort keeps engine order; rowsort compares rendered rows bytewise', () => {
    expect(renderResult(rows, 'IT', 'nosort')).toEqual(['10', 'b', '9', 'a', 'NULL', '(empty)'])
    expect(renderResult(rows, 'IT', 'rowsort')).toEqual(['10', 'b', '9', 'a', 'NULL', '(empty)'])
    expect(
      renderResult(
        [
          [9, 'a'],
          [10, 'b'],
        ],
        'IT',
        'rowsort',
      ),
    ).toEqual(['10', 'b', '9', 'a'])
  })

  test('valuesort sorts every value on its own', () => {
    expect(renderResult(rows, 'IT', 'valuesort')).toEqual(['(empty)', '10', '9', 'NULL', 'a', 'b'])
  })

  test('MD5 of values each followed by a newline', () => {
    expect(hashValues(['1', '2'])).toBe('6ddb4095eb719e2a9f0a3f95677d24e0')
    expect(hashLine(['1', '2'])).toBe('2 values hashing to 6ddb4095eb719e2a9f0a3f95677d24e0')
    expect(parseHashLine(['30 values hashing to 3c13dee48d9356ae19af2515e05e6b54'])).toEqual({
      count: 30,
      hash: '3c13dee48d9356ae19af2515e05e6b54',
    })
    expect(parseHashLine(['30'])).toBeNull()
  })
})
