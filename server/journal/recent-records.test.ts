// A journal's read cache (recent-records.ts): it keeps the newest contiguous records within a
// count and a byte bound, whichever binds first, and serves any range inside it. Method: push
// records of chosen sizes and read every range back.
import { describe, expect, test } from 'bun:test'
import type { CommitRecord } from './index.ts'
import { recordBytes, RecentRecords } from './recent-records.ts'

const record = (seq: number, writes = 1, valueChars = 0): CommitRecord => ({
  journalId: 'j0',
  seq,
  commitTs: seq * 10,
  txId: `t${seq}`,
  writes: Array.from({ length: writes }, (_, i) => ({ key: `0a${i}`, value: valueChars === 0 ? null : 'v'.repeat(valueChars) })),
})

describe('RecentRecords', () => {
  test('small records: the count binds, and what is kept is the newest, contiguous', () => {
    const cache = new RecentRecords(100, 1 << 30)
    for (let seq = 1; seq <= 1000; seq++) cache.push(record(seq))
    expect(cache.firstSeq).toBeGreaterThan(800)
    expect(cache.firstSeq).toBeLessThanOrEqual(901)
    const held = cache.slice(cache.firstSeq - 1, 10_000)
    expect(held.map((r) => r.seq)).toEqual(Array.from({ length: 1001 - cache.firstSeq }, (_, i) => cache.firstSeq + i))
    expect(cache.slice(995, 3).map((r) => r.seq)).toEqual([996, 997, 998])
    expect(cache.slice(1000, 3)).toEqual([])
  })

  test('large records: the bytes bind long before the count', () => {
    const bytesMax = 32 * 1024 * 1024
    const cache = new RecentRecords(65_536, bytesMax)
    for (let seq = 1; seq <= 120; seq++) {
      cache.push(record(seq, 1, 3_000_000))
      expect(cache.bytes).toBeLessThanOrEqual(bytesMax)
    }
    // Half the bound after a trim, the bound at most: between 5 and 11 records of 3 MB.
    expect(120 - cache.firstSeq + 1).toBeGreaterThanOrEqual(5)
    expect(120 - cache.firstSeq + 1).toBeLessThanOrEqual(11)
    expect(cache.slice(119, 5).map((r) => r.seq)).toEqual([120])
  })

  test('a write costs its overhead too: many tiny writes count', () => {
    const cache = new RecentRecords(65_536, 1_000_000)
    for (let seq = 1; seq <= 40; seq++) cache.push(record(seq, 1000))
    // 128 + 1,000 x 48 bytes + keys of 3 to 5 characters (4,890) each: 18 fit the bound.
    expect(recordBytes(record(1, 1000))).toBe(53_018)
    expect(cache.bytes).toBeLessThanOrEqual(1_000_000)
    expect(40 - cache.firstSeq + 1).toBeLessThanOrEqual(19)
  })

  test('a slice stops at a byte budget, after at least one record', () => {
    const cache = new RecentRecords(100, 1 << 30)
    for (let seq = 1; seq <= 10; seq++) cache.push(record(seq, 1, 1_000_000))
    expect(cache.slice(0, 10, 2_500_000).map((r) => r.seq)).toEqual([1, 2])
    expect(cache.slice(4, 10, 10).map((r) => r.seq)).toEqual([5])
    expect(cache.slice(4, 3).map((r) => r.seq)).toEqual([5, 6, 7])
  })

  test('refuses a gap, and a range below what it holds (bugs in the caller)', () => {
    const cache = new RecentRecords(10, 1000)
    expect(cache.firstSeq).toBe(Number.POSITIVE_INFINITY)
    cache.push(record(5))
    expect(() => cache.push(record(7))).toThrow(/cached seq 7 after 5/)
    expect(() => cache.slice(2, 1)).toThrow(/below the cache/)
  })
})
