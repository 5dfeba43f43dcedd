// jsonStringBytes is what the query processor's transaction-bytes limit counts and what the
// journal's record-size bound is computed from, so it must equal the journal's own encoding
// (JSON.stringify, then UTF-8) for every string. Method: fixed cases for each branch, then
// generated strings of every kind of UTF-16 unit, against TextEncoder.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { encodeKey, encodeRow, jsonStringBytes } from './index.ts'

const utf8 = new TextEncoder()
/** The journal's measure, by its own means. */
const stored = (text: string) => utf8.encode(JSON.stringify(text)).byteLength - 2

test('each kind of unit costs what JSON in UTF-8 makes of it', () => {
  for (const [text, bytes] of [
    ['', 0],
    ['plain ascii ~', 13],
    ['"', 2],
    ['\\', 2],
    ['\n\t\r\b\f', 10],
    ['\u0000\u001f', 12],
    ['\u007f', 1],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['\ud800', 6],
    ['\udc00x', 7],
    ['x\ud83d', 7],
    ['\ud83d\ud83d\ude00', 10],
  ] as const) {
    expect({ text, bytes: jsonStringBytes(text) }).toEqual({ text, bytes })
    expect({ text, bytes: stored(text) }).toEqual({ text, bytes })
  }
})

test('equals the UTF-8 bytes of JSON.stringify for any string, rows and keys included', () => {
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xffff }),
    fc.integer({ min: 0xd800, max: 0xdfff }),
  )
  fc.assert(
    fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
      const text = String.fromCharCode(...units)
      expect(jsonStringBytes(text)).toBe(stored(text))
      const row = encodeRow([text, 1n, 2.5, null, { decimal: '1.50' }, new Uint8Array([1, 2])])
      expect(jsonStringBytes(row)).toBe(stored(row))
      // A key is hex: one byte per character, as the write buffer counts it.
      const key = encodeKey([5n, text])
      expect(jsonStringBytes(key)).toBe(key.length)
    }),
    { numRuns: 2000 },
  )
})
