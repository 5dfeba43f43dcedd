// Journal frames (ARCHITECTURE.md "journal": checksummed on write and on read): what is written
// reads back exactly, and any single flipped bit is caught, never decoded as a record.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { crc32, crc32Portable } from './crc32.ts'
import { jsonStringBytes } from '../encoding/index.ts'
import { RECORD_BYTES_PER_WRITE, RECORD_ENVELOPE_BYTES_MAX, RECORD_TX_ID_BYTES_MAX } from './constants.ts'
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

// The region sizes RECORD_BYTES_MAX from these two bounds (region/constants.ts): every
// transaction the query processor accepts must fit a record, so they must hold for any record,
// and be tight, or the bound wastes what it promises.
test('a framed record is at most its envelope, its strings and RECORD_BYTES_PER_WRITE per write', () => {
  const strings = (r: { writes: readonly { key: string; value: string | null }[] }) =>
    r.writes.reduce((n, w) => n + jsonStringBytes(w.key) + jsonStringBytes(w.value ?? ''), 0)
  const bound = (r: { writes: readonly { key: string; value: string | null }[] }) =>
    RECORD_ENVELOPE_BYTES_MAX + strings(r) + RECORD_BYTES_PER_WRITE * r.writes.length
  fc.assert(
    fc.property(record, (r) => {
      expect(frameBytes(encodePayload(r))).toBeLessThanOrEqual(bound(r))
    }),
    { numRuns: 2000 },
  )
  // At their longest (deletes, the largest seq and commitTs, the longest txId) only the last
  // write's comma is missing.
  const longest = {
    seq: Number.MAX_SAFE_INTEGER,
    commitTs: Number.MAX_SAFE_INTEGER,
    txId: 'f'.repeat(RECORD_TX_ID_BYTES_MAX),
    writes: [{ key: 'a"é', value: null }, { key: '', value: null }],
  }
  expect(frameBytes(encodePayload(longest))).toBe(bound(longest) - 1)
  expect(frameBytes(encodePayload({ ...longest, writes: [] }))).toBe(RECORD_ENVELOPE_BYTES_MAX)
  expect(() => encodePayload({ ...longest, txId: 'é'.repeat(RECORD_TX_ID_BYTES_MAX) })).toThrow('txId')
})
