// Goal: a statement-start view reads the write buffer as the current statement began (its undo
// log's first entry per key), while the live view reads every write; both agree between statements.
// Method: writes to a real WriteBuffer over the harness's (real) storage, under a table id no
// table has, read by both views with get and forward and reverse scans.
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { encodeKey, prefixEnd } from '../encoding/index.ts'
import type { HlcTimestamp } from '../clock/index.ts'
import { createHarness, type QpHarness } from './qp-harness.ts'
import { SnapshotView } from './snapshot-view.ts'
import { WriteBuffer } from './write-buffer.ts'

let h: QpHarness
let ts: HlcTimestamp
beforeEach(async () => {
  h = createHarness()
  ts = (await h.begin()).startTs
})
afterEach(() => h.close())

const TABLE = 9_999n
const key = (n: number) => encodeKey([TABLE, 0n, BigInt(n)])
const start = encodeKey([TABLE])
const end = prefixEnd(start)

function views(buffer: WriteBuffer) {
  const live = new SnapshotView(h.storage, ts, buffer)
  const atStart = new SnapshotView(h.storage, ts, buffer, true)
  const read = (v: SnapshotView) => ({
    get: [1, 2, 3].map((n) => v.get(key(n)) ?? '-'),
    scan: [...v.scan(start, end)].map((kv) => kv.value),
    reverse: [...v.scan(start, end, true)].map((kv) => kv.value),
  })
  return { live: () => read(live), atStart: () => read(atStart) }
}

test('a statement reads the buffer as it began: updated, deleted and inserted keys as they were', () => {
  const buffer = new WriteBuffer()
  const v = views(buffer)
  buffer.set(key(1), 'a1')
  buffer.set(key(2), 'b1')
  buffer.release()
  // The statement: key 1 written twice, key 2 deleted, key 3 inserted.
  buffer.set(key(1), 'a2')
  expect(v.atStart().get).toEqual(['a1', 'b1', '-'])
  buffer.set(key(1), 'a3')
  buffer.set(key(2), null)
  buffer.set(key(3), 'c1')
  expect(v.live()).toEqual({ get: ['a3', '-', 'c1'], scan: ['a3', 'c1'], reverse: ['c1', 'a3'] })
  expect(v.atStart()).toEqual({ get: ['a1', 'b1', '-'], scan: ['a1', 'b1'], reverse: ['b1', 'a1'] })
  // The next statement begins where this one ended.
  buffer.release()
  expect(v.atStart()).toEqual(v.live())
  expect(v.atStart().get).toEqual(['a3', '-', 'c1'])
})

test('after a failed statement is undone both views read the state before it', () => {
  const buffer = new WriteBuffer()
  const v = views(buffer)
  buffer.set(key(1), 'a1')
  buffer.release()
  buffer.set(key(1), null)
  buffer.set(key(2), 'b1')
  expect(v.atStart().scan).toEqual(['a1'])
  buffer.undo()
  expect(v.live()).toEqual({ get: ['a1', '-', '-'], scan: ['a1'], reverse: ['a1'] })
  expect(v.atStart()).toEqual(v.live())
  buffer.set(key(3), 'c1')
  expect(v.atStart().scan).toEqual(['a1'])
  expect(v.live().scan).toEqual(['a1', 'c1'])
})
