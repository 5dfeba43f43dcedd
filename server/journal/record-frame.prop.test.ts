// Journal frames (ARCHITECTURE.md "journal": checksummed on write and on read): what is written
// reads back exactly, and any single flipped bit is caught, never decoded as a record.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { crc32, crc32Portable } from './crc32.ts'
import { checkFrame, encodePayload, frameBytes, readFrame, writeFrame } from './record-frame.ts'

const record = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  commitTs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  txId: fc.string(),
  writes: fc.array(
    fc.record({
      key: fc.string({ unit: 'grapheme' }),
      value: fc.option(fc.string({ unit: 'grapheme' })),
    }),
    { maxLength: 5 },
  ),
})

test('the portable CRC-32 matches the runtime one, also when continued', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
      expect(crc32Portable(a)).toBe(crc32(a))
      expect(crc32Portable(b, crc32Portable(a))).toBe(crc32(b, crc32(a)))
    }),
  )
  expect(crc32Portable(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
})

test('frames round-trip, back to back', () => {
  fc.assert(
    fc.property(fc.array(record, { minLength: 1, maxLength: 4 }), (records) => {
      const payloads = records.map(encodePayload)
      const out = new Uint8Array(payloads.reduce((n, p) => n + frameBytes(p), 0))
      let offset = 0
      for (const p of payloads) offset = writeFrame(out, offset, p)
      offset = 0
      for (const r of records) {
        const found = readFrame(out, offset)
        expect(found.kind).toBe('record')
        if (found.kind !== 'record') return
        expect(found.record).toEqual(r)
        expect(checkFrame(out, offset)).toBe(found.end)
        offset = found.end
      }
      expect(offset).toBe(out.byteLength)
    }),
  )
})

test('every single-bit flip and every truncation is detected', () => {
  fc.assert(
    fc.property(record, fc.nat(), fc.nat(), (r, bitSeed, cutSeed) => {
      const payload = encodePayload(r)
      const frame = new Uint8Array(frameBytes(payload))
      writeFrame(frame, 0, payload)
      const flipped = frame.slice()
      const bit = bitSeed % (frame.byteLength * 8)
      flipped[bit >> 3]! ^= 1 << (bit & 7)
      expect(readFrame(flipped, 0).kind).not.toBe('record')
      expect(checkFrame(flipped, 0)).toBe(-1)
      const cut = frame.subarray(0, cutSeed % frame.byteLength)
      expect(readFrame(cut, 0).kind).not.toBe('record')
    }),
  )
})
