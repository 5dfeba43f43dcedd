// Goal: transaction ids are the lowercase hex of 16 random bytes, as before the table-driven hex.
// Method: hex() against Buffer's hex on fixed and random inputs; ids of begun transactions.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { createHarness } from './qp-harness.ts'
import { hex } from '../encoding/index.ts'

describe('hex', () => {
  test('fixed bytes', () => {
    expect(hex(new Uint8Array([]))).toBe('')
    expect(hex(new Uint8Array([0, 1, 15, 16, 127, 128, 254, 255]))).toBe('00010f107f80feff')
  })

  test('equals Buffer hex, also for views into a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length))
        expect(hex(view)).toBe(Buffer.from(view).toString('hex'))
      }),
    )
  })
})

test('transaction ids are 32 lowercase hex digits and differ', async () => {
  const h = createHarness()
  try {
    const ids = new Set<string>()
    for (let i = 0; i < 20; i++) {
      const tx = await h.begin()
      expect(tx.id).toMatch(/^[0-9a-f]{32}$/)
      ids.add(tx.id)
      tx.rollback()
    }
    expect(ids.size).toBe(20)
  } finally {
    await h.close()
  }
})
