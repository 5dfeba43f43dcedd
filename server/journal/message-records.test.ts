// Records shipped between regions (message-records.ts): a batch is cut where its bytes would pass
// the message budget, never before its first record, and the byte bound it counts with is an upper
// bound of what the records really take in a message. Method: exact JSON sizes of the messages the
// transports would send, for chosen and for random records (any UTF-16 text, control characters
// and lone surrogates included).
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { MESSAGE_BYTES_MAX } from '../net/index.ts'
import { REPLICATION_LIMITS } from './constants.ts'
import type { CommitRecord } from './index.ts'
import { recordMessageBytesMax, recordsForMessage } from './message-records.ts'

const record = (seq: number, values: readonly (string | null)[]): CommitRecord => ({
  journalId: 'us-east-1/g2/j1',
  seq,
  commitTs: 1_795_830_174_295_000 + seq,
  txId: 'f'.repeat(32),
  writes: values.map((value, i) => ({ key: `0a8b${i.toString(16).padStart(4, '0')}`, value })),
})

/** The bytes of the frame a transport sends for these records (ws-transport.ts `send`). */
const messageBytes = (records: readonly CommitRecord[]) =>
  Buffer.byteLength(JSON.stringify({ t: 'm', m: { type: 'journal.records', journalId: records[0]?.journalId, records } }))

describe('recordsForMessage', () => {
  test('small records go all together, up to the count the caller read', () => {
    const records = Array.from({ length: 512 }, (_, i) => record(i + 1, ['["a",1]']))
    expect(recordsForMessage(records)).toEqual(records)
  })

  test('large records are cut to the byte budget, and one alone always goes', () => {
    const threeMb = Array.from({ length: 8 }, (_, i) => record(i + 1, [JSON.stringify(['x'.repeat(3_000_000)])]))
    const first = recordsForMessage(threeMb)
    // 6 bytes per character is the bound: one 3 MB record already passes the 8 MiB budget.
    expect(first.map((r) => r.seq)).toEqual([1])
    expect(messageBytes(first)).toBeLessThan(MESSAGE_BYTES_MAX)
    const oneMb = Array.from({ length: 8 }, (_, i) => record(i + 1, [JSON.stringify(['y'.repeat(1_000_000)])]))
    const some = recordsForMessage(oneMb)
    expect(some.length).toBe(Math.floor(REPLICATION_LIMITS.messageBytesMax / recordMessageBytesMax(oneMb[0]!)))
    expect(recordsForMessage(oneMb.slice(some.length)).length).toBe(some.length)
    expect(recordsForMessage([])).toEqual([])
  })

  test('the bound is at least the bytes a message of any records really takes', () => {
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 200 }), { nil: null })
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 6 }), { minLength: 1, maxLength: 20 }), (recordValues) => {
        const records = recordValues.map((values, i) => record(i + 1, values))
        const bound = records.reduce((sum, r) => sum + recordMessageBytesMax(r), 0)
        expect(messageBytes(records)).toBeLessThanOrEqual(bound)
      }),
      { numRuns: 300 },
    )
    // The worst text: every unit escaped to six bytes (a control character, a lone surrogate).
    const worst = [record(1, ['\u0001'.repeat(1000), '\ud800'.repeat(1000), '"\\'.repeat(500)])]
    expect(messageBytes(worst)).toBeLessThanOrEqual(recordMessageBytesMax(worst[0]!))
  })
})
