// Examples of the key and row encodings that other components rely on (ARCHITECTURE.md "Keys and
// rows"). Method: fixed inputs with known answers, next to the property tests.
import { describe, expect, test } from 'bun:test'
import { decodeKey, decodeRow, encodeKey, encodeRow, prefixEnd } from './index.ts'

describe('key encoding examples', () => {
  test('kinds order by tag: null < boolean < bigint < number < decimal < string < bytes', () => {
    const keys = [null, false, true, -5n, 0n, 7n, -1, 3, NaN, { decimal: '-1' }, { decimal: '2' }]
      .concat(['', 'a'] as never[])
      .map((p) => encodeKey([p]))
      .concat(encodeKey([new Uint8Array([])]))
    expect([...keys].sort()).toEqual(keys)
  })

  test('decimal trailing zeros are insignificant and decode canonical', () => {
    expect(encodeKey([{ decimal: '1.50' }])).toBe(encodeKey([{ decimal: '1.5' }]))
    expect(decodeKey(encodeKey([{ decimal: '-0012.500' }]))).toEqual([{ decimal: '-12.5' }])
    expect(decodeKey(encodeKey([{ decimal: '-0.0' }]))).toEqual([{ decimal: '0' }])
    expect(decodeKey(encodeKey([{ decimal: '.05' }]))).toEqual([{ decimal: '0.05' }])
    expect(decodeKey(encodeKey([{ decimal: '1200' }]))).toEqual([{ decimal: '1200' }])
  })

  test('-0 encodes as 0, NaN above +Infinity', () => {
    expect(encodeKey([-0])).toBe(encodeKey([0]))
    expect(encodeKey([NaN]) > encodeKey([Infinity])).toBe(true)
  })

  test('a string sorts before its extensions, including by NUL', () => {
    expect(encodeKey(['a']) < encodeKey(['a\0'])).toBe(true)
    expect(encodeKey(['a\0']) < encodeKey(['a\x01'])).toBe(true)
    expect(encodeKey(['a', 5n]) < encodeKey(['ab'])).toBe(true)
  })

  test('lone surrogates round-trip', () => {
    expect(decodeKey(encodeKey(['x\ud800y']))).toEqual(['x\ud800y'])
  })

  test('table prefix is compact and prefixEnd covers the table', () => {
    expect(encodeKey([1n, 2n])).toBe('208101208102')
    expect(prefixEnd(encodeKey([1n]))).toBe('208102')
    expect(prefixEnd('')).toBe('ff')
    expect(prefixEnd('12ff')).toBe('13')
    expect(() => prefixEnd('ffff')).toThrow()
  })

  test('long strings and bytes round-trip, each growing the decoder\'s buffer on first use', () => {
    // The decoder reads into a buffer it doubles as needed; a value longer than any decoded so
    // far in this process used to decode from the buffer as it was before it grew.
    for (let n = 200; n <= 1 << 20; n *= 2) {
      const text = 'é'.repeat(n)
      expect(decodeKey(encodeKey([1n, text, 2n]))).toEqual([1n, text, 2n])
      const bytes = new Uint8Array(n * 3).map((_, i) => i % 251)
      expect(decodeKey(encodeKey([bytes]))).toEqual([bytes])
    }
  })

  test('malformed keys assert', () => {
    expect(() => decodeKey('99')).toThrow()
    expect(() => decodeKey('5061')).toThrow()
    expect(() => encodeKey([{ decimal: '1e5' }])).toThrow()
  })
})

describe('row encoding examples', () => {
  test('plain JSON where JSON is exact, tagged otherwise', () => {
    expect(encodeRow([1, 'a', null, true])).toBe('[1,"a",null,true]')
    expect(encodeRow([1n, -0, { decimal: '1.50' }, new Uint8Array([10])])).toBe(
      '[{"i":"1"},{"f":"-0"},{"d":"1.50"},{"b":"0a"}]',
    )
    expect(decodeRow('[{"f":"-Infinity"}]')).toEqual([-Infinity])
  })
})
