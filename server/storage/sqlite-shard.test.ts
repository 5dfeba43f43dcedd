// A SQLite shard (ARCHITECTURE.md "storage"): MVCC visibility, tombstones, paging, idempotent
// replay, reopening a file, frontier waits. Method: real SQLite (in memory or a temp dir) and a
// SimClock for timers.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SimClock } from '../clock/index.ts'
import { encodeKey, prefixEnd } from '../encoding/index.ts'
import { AssertionError, SqlError } from '../errors/index.ts'
import { POSITION_LAG_MAX } from './constants.ts'
import { FrontierWaiters } from './frontier-waiters.ts'
import { openSqlite } from './sqlite-adapter.ts'
import {
  garbageKey,
  openSqliteShard,
  ShardedStorage,
  sqliteDrivers,
  tableShardOf,
  type ShardRecord,
  type SqliteDriverName,
  type StorageShard,
} from './index.ts'

const k = (n: number) => encodeKey([1n, 1n, BigInt(n)])
const all = { start: encodeKey([1n]), end: encodeKey([2n]) }
let seqs = new Map<string, number>()
type Writes = [number, string | null][]
function record(commitTs: number, writes: Writes, journalId = 'j1'): ShardRecord {
  const seq = (seqs.get(journalId) ?? 0) + 1
  seqs.set(journalId, seq)
  return { journalId, seq, commitTs, writes: writes.map(([n, value]) => ({ key: k(n), value })) }
}

const open: StorageShard[] = []
let driver: SqliteDriverName | undefined
function shard(options: { path?: string; scanPageRows?: number; clock?: SimClock } = {}) {
  const s = openSqliteShard({
    id: 0,
    driver,
    path: options.path ?? ':memory:',
    timers: options.clock ?? new SimClock(),
    ...(options.scanPageRows === undefined ? {} : { scanPageRows: options.scanPageRows }),
  })
  open.push(s)
  return s
}
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  seqs = new Map()
  driver = undefined
})

// The SQL and MVCC behaviour must be the same on every binding the runtime offers.
for (const name of sqliteDrivers) {
  describe(`on ${name}:sqlite`, () => {
    beforeEach(() => {
      driver = name
    })

    describe('MVCC reads', () => {
      test('a read at ts sees the latest version at or below ts; tombstones hide', () => {
        const s = shard()
        s.apply([record(10, [[1, 'a1'], [2, 'b1']]), record(20, [[1, 'a2']])], 25)
        s.apply([record(30, [[1, null]]), record(40, [[1, 'a3']])], 40)
        expect(s.get(k(1), 9)).toBeUndefined()
        expect(s.get(k(1), 10)).toBe('a1')
        expect(s.get(k(1), 19)).toBe('a1')
        expect(s.get(k(1), 20)).toBe('a2')
        expect(s.get(k(1), 30)).toBeUndefined()
        expect(s.get(k(1), 40)).toBe('a3')
        expect([...s.scan(all, 30)]).toEqual([{ key: k(2), value: 'b1' }])
        expect([...s.scan(all, 40)].map((kv) => kv.value)).toEqual(['a3', 'b1'])
      })

      test('a hot key read at an older snapshot gets its older version and stays cached once', () => {
        // Every apply flushes to SQLite, so reads go through the newest-version cache.
        const s = openSqliteShard({ id: 0, driver, path: ':memory:', timers: new SimClock(), memtableWritesMax: 1 })
        open.push(s)
        s.apply([record(10, [[1, 'old']]), record(20, [[1, 'new']])], 20)
        for (let i = 0; i < 3; i++) {
          expect(s.get(k(1), 20)).toBe('new')
          expect(s.get(k(1), 15)).toBe('old')
          expect(s.get(k(1), 5)).toBeUndefined()
        }
      })

      test('reading above the frontier is a bug', () => {
        const s = shard()
        s.apply([record(10, [[1, 'a']])], 10)
        expect(() => s.get(k(1), 11)).toThrow(AssertionError)
        expect(() => s.scan(all, 11)).toThrow(AssertionError)
      })

      test('scan pages across many versions per key, reverse and limit', () => {
        const s = shard({ scanPageRows: 2 })
        const records: ShardRecord[] = []
        for (let ts = 1; ts <= 30; ts++) {
          records.push(record(ts, [[ts % 7, ts % 5 === 0 ? null : `v${ts}`]]))
        }
        s.apply(records, 30)
        // At 30: key n holds the write of the latest ts <= 30 with ts % 7 == n.
        const latest = (n: number) =>
          Math.max(...records.map((r) => r.commitTs).filter((t) => t % 7 === n))
        const expected = [0, 1, 2, 3, 4, 5, 6]
          .map((n) => ({ n, ts: latest(n) }))
          .filter(({ ts }) => ts % 5 !== 0)
          .map(({ n, ts }) => ({ key: k(n), value: `v${ts}` }))
        expect([...s.scan(all, 30)]).toEqual(expected)
        expect([...s.scan(all, 30, { reverse: true })]).toEqual([...expected].reverse())
        expect([...s.scan(all, 30, { limit: 3 })]).toEqual(expected.slice(0, 3))
        const reversed = [...expected].reverse()
        expect([...s.scan(all, 30, { limit: 3, reverse: true })]).toEqual(reversed.slice(0, 3))
        expect([...s.scan({ start: k(2), end: k(5) }, 30)]).toEqual(
          expected.filter((kv) => kv.key >= k(2) && kv.key < k(5)),
        )
        expect([...s.scan(all, 30, { limit: 0 })]).toEqual([])
      })
    })

    describe('apply', () => {
      test('replayed records at or below the stored position are skipped', () => {
        const s = shard()
        const r1 = record(10, [[1, 'a']])
        const r2 = record(20, [[1, 'b']])
        s.apply([r1, r2], 20)
        s.apply([r1, r2], 20)
        expect(s.appliedPositions().get('j1')).toBe(2)
        const r3 = record(30, [[1, 'c']])
        s.apply([r2, r3], 30)
        expect(s.get(k(1), 30)).toBe('c')
        expect(s.appliedPositions().get('j1')).toBe(3)
      })

      test('a gap, a record at or below the frontier, or a frontier moving back asserts', () => {
        const s = shard()
        s.apply([record(10, [[1, 'a']])], 15)
        expect(() => s.apply([{ journalId: 'j1', seq: 3, commitTs: 20, writes: [] }], 20)).toThrow(
          AssertionError,
        )
        expect(() => s.apply([record(15, [[1, 'b']])], 20)).toThrow(AssertionError)
        expect(() => s.apply([], 14)).toThrow(AssertionError)
        // A failed apply changed nothing.
        expect(s.frontier()).toBe(15)
        expect(s.appliedPositions().get('j1')).toBe(1)
      })

      test('a file shard reopens with rows, positions and frontier', () => {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
        try {
          const path = join(dir, 'shard-0.sqlite')
          const first = shard({ path })
          first.apply([record(10, [[1, 'a']]), record(12, [[2, 'b']], 'j2')], 12)
          first.close()
          const again = shard({ path })
          expect(again.frontier()).toBe(12)
          expect(again.appliedPositions()).toEqual(new Map([['j1', 1], ['j2', 1]]))
          expect(again.get(k(1), 12)).toBe('a')
          expect([...again.scan(all, 12)].length).toBe(2)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })

      test('records without writes for this shard advance positions in memory, bounded', () => {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
        try {
          const path = join(dir, 'shard-0.sqlite')
          const first = shard({ path })
          first.apply([record(10, [[1, 'a']])], 10)
          const empty = [2, 3, 4].map((seq) => ({ journalId: 'j1', seq, commitTs: 10 + seq, writes: [] }))
          first.makeDurable()
          first.apply(empty, 20)
          expect(first.appliedPositions().get('j1')).toBe(4)
          first.close({ flush: false })
          // The stored position lags; replaying the write-less records is accepted and harmless.
          const again = shard({ path })
          expect(again.appliedPositions().get('j1')).toBe(1)
          again.apply(empty, 20)
          expect(again.appliedPositions().get('j1')).toBe(4)
          expect([...again.scan(all, 20)].map((kv) => kv.value)).toEqual(['a'])
          // Past POSITION_LAG_MAX the position is written even without writes.
          const many = Array.from({ length: POSITION_LAG_MAX + 1 }, (_, i) => ({ journalId: 'j1', seq: 5 + i, commitTs: 100 + i, writes: [] }))
          again.apply(many, 100 + POSITION_LAG_MAX)
          again.close({ flush: false })
          const third = shard({ path })
          expect(third.appliedPositions().get('j1')).toBe(5 + POSITION_LAG_MAX)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })

      test('a shard file is owned by one connection: a second open fails with 55006', () => {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
        try {
          const path = join(dir, 'shard-0.sqlite')
          const first = shard({ path })
          first.apply([record(10, [[1, 'a']])], 10)
          expect(() => shard({ path })).toThrow(expect.objectContaining({ code: '55006' }))
          first.close()
          expect(shard({ path }).get(k(1), 10)).toBe('a')
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })

      test('makeDurable reports durable positions for a file shard and none in memory', () => {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
        try {
          const onFile = shard({ path: join(dir, 'shard-0.sqlite') })
          onFile.apply([record(10, [[1, 'a']])], 10)
          onFile.apply([{ journalId: 'j1', seq: 2, commitTs: 11, writes: [] }], 11)
          expect(onFile.makeDurable()).toEqual(new Map([['j1', 2]]))
          const inMemory = shard()
          inMemory.apply([{ journalId: 'j1', seq: 1, commitTs: 12, writes: [{ key: k(1), value: 'a' }] }], 12)
          expect(inMemory.makeDurable()).toEqual(new Map())
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })

      // A retired journal generation is never followed again: its positions go, in memory and in
      // SQLite, and the rows stay.
      test('forgetPositions drops the positions of journals never followed again, for good', () => {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
        try {
          const path = join(dir, 'shard-0.sqlite')
          const first = shard({ path })
          first.apply([record(10, [[1, 'a']]), { journalId: 'old', seq: 1, commitTs: 11, writes: [{ key: k(2), value: 'b' }] }], 11)
          expect(first.makeDurable()).toEqual(new Map([['j1', 1], ['old', 1]]))
          first.forgetPositions(['old', 'never'])
          expect([...first.appliedPositions().keys()]).toEqual(['j1'])
          expect(first.makeDurable()).toEqual(new Map([['j1', 1]]))
          first.close()
          const reopened = shard({ path })
          expect([...reopened.appliedPositions().keys()]).toEqual(['j1'])
          expect(reopened.get(k(2), 11)).toBe('b')
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })

      test('lastWriteTs is per table, moves only with writes, and starts at the frontier on reopen', () => {
        const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
        try {
          const path = join(dir, 'shard-0.sqlite')
          const first = shard({ path })
          const other = (commitTs: number): ShardRecord => {
            const seq = (seqs.get('j1') ?? 0) + 1
            seqs.set('j1', seq)
            return { journalId: 'j1', seq, commitTs, writes: [{ key: encodeKey([7n, 0n, 1n]), value: 'x' }] }
          }
          first.apply([record(10, [[1, 'a']]), other(15)], 20)
          first.apply([], 30)
          expect(first.lastWriteTs(1n)).toBe(10)
          expect(first.lastWriteTs(7n)).toBe(15)
          first.apply([record(31, [[2, null]])], 31)
          expect(first.lastWriteTs(1n)).toBe(31)
          first.close()
          const again = shard({ path })
          // What happened before the open is only known to lie at or below the stored frontier.
          expect(again.lastWriteTs(1n)).toBe(31)
          expect(again.lastWriteTs(99n)).toBe(31)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })
    })

    describe('storedBytes', () => {
      // Goal: the bytes of every kept version in a range at a snapshot, the same whether the
      // versions sit in the memtable or in SQLite. Method: one history applied to a shard that
      // flushes every write and to one that keeps it in its memtable; expected sums by hand.
      const history = () => [
        record(10, [[1, 'a1'], [2, 'é€']]),
        record(20, [[1, 'a22']]),
        record(30, [[2, null]]),
      ]
      const flushing = () => {
        const s = openSqliteShard({ id: 0, driver, path: ':memory:', timers: new SimClock(), memtableWritesMax: 1 })
        open.push(s)
        return s
      }
      // A key is hex text (one byte a character); 'é€' is 2 characters but 5 UTF-8 bytes.
      const kb = k(1).length
      const expected: [number, number][] = [
        [9, 0],
        [10, kb + 2 + kb + 5],
        [20, kb + 2 + kb + 5 + kb + 3],
        // The tombstone costs its key alone.
        [30, kb + 2 + kb + 5 + kb + 3 + kb],
      ]

      test('sums keys and values of every version at or below ts, from SQLite or the memtable alike', () => {
        for (const s of [flushing(), shard()]) {
          s.apply(history(), 30)
          seqs = new Map()
          // A key outside the range (another table) is not counted.
          expect(expected.map(([ts]) => [ts, s.storedBytes(all, ts)])).toEqual(expected)
          expect(s.storedBytes({ start: k(2), end: k(3) }, 30)).toBe(kb + 5 + kb)
          expect(s.storedBytes({ start: k(3), end: k(9) }, 30)).toBe(0)
        }
      })

      test('a memtable version above ts is not counted; a range outside the table counts nothing', () => {
        const s = shard()
        s.apply([record(10, [[1, 'x']])], 10)
        s.apply([record(20, [[1, 'yy']])], 20)
        expect(s.storedBytes(all, 10)).toBe(kb + 1)
        expect(s.storedBytes(all, 20)).toBe(2 * kb + 3)
        expect(s.storedBytes({ start: encodeKey([2n]), end: encodeKey([3n]) }, 20)).toBe(0)
        expect(() => s.storedBytes(all, 21)).toThrow(AssertionError)
      })

      test('ShardedStorage sums its shards', () => {
        const shards = [0, 1].map((id) => {
          const s = openSqliteShard({ id, driver, path: ':memory:', timers: new SimClock() })
          open.push(s)
          return s
        })
        const storage = new ShardedStorage(shards, tableShardOf(2))
        const rows = (tableId: bigint) => ({ start: encodeKey([tableId]), end: encodeKey([tableId + 1n]) })
        const write = (tableId: bigint, value: string) => ({ key: encodeKey([tableId, 0n, 1n]), value })
        for (const [i, s] of shards.entries()) {
          const writes = [write(1n, 'one'), write(2n, 'two!')].filter((w) => tableShardOf(2)(w.key) === i)
          s.apply([{ journalId: 'j', seq: 1, commitTs: 10, writes }], 10)
        }
        const kb1 = encodeKey([1n, 0n, 1n]).length
        const kb2 = encodeKey([2n, 0n, 1n]).length
        expect(storage.storedBytes(rows(1n), 10)).toBe(kb1 + 3)
        expect(storage.storedBytes(rows(2n), 10)).toBe(kb2 + 4)
        expect(storage.storedBytes({ start: encodeKey([1n]), end: encodeKey([3n]) }, 10)).toBe(kb1 + kb2 + 7)
      })
    })
  })
}

describe('waitForFrontier', () => {
  test('resolves at once when applied, else when apply reaches ts', async () => {
    const clock = new SimClock()
    const s = shard({ clock })
    s.apply([], 10)
    await s.waitForFrontier(10, 100)
    let done = false
    const waiting = s.waitForFrontier(20, 100).then(() => (done = true))
    s.apply([], 19)
    await Promise.resolve()
    expect(done).toBe(false)
    s.apply([], 20)
    await waiting
    expect(done).toBe(true)
  })

  test('rejects with 57014 after the timeout', async () => {
    const clock = new SimClock()
    const s = shard({ clock })
    const waiting = s.waitForFrontier(20, 100)
    clock.advance(99)
    s.apply([], 19)
    clock.advance(1)
    const error = await waiting.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SqlError)
    expect((error as SqlError).code).toBe('57014')
    // The timed-out waiter is gone: a later apply wakes nobody and nothing throws.
    s.apply([], 30)
  })

  test('the number of waiters is bounded (53000)', async () => {
    const waiters = new FrontierWaiters(new SimClock(), 2)
    const a = waiters.wait(5, 10, 0)
    const b = waiters.wait(3, 10, 0)
    const refused = await waiters.wait(4, 10, 0).catch((e: unknown) => e)
    expect((refused as SqlError).code).toBe('53000')
    waiters.wake(4)
    await b
    expect(waiters.size).toBe(1)
    waiters.wake(5)
    await a
    expect(waiters.size).toBe(0)
  })

  test('closing rejects waiters with 57P03', async () => {
    const s = shard()
    const waiting = s.waitForFrontier(5, 100)
    s.close()
    expect(((await waiting.catch((e: unknown) => e)) as SqlError).code).toBe('57P03')
  })
})

// Garbage collection, one bounded step at a time (ARCHITECTURE.md "storage"). Method: real SQLite;
// steps with small limits; rows counted in the shard's SQLite file after it is closed (a shard
// holds its file exclusively while open).
describe('gc', () => {
  /** Runs steps at `belowTs` until a pass ends; returns the versions they removed. */
  const pass = (s: StorageShard, belowTs: number, versionsMax?: number) => {
    let removed = 0
    for (;;) {
      const step = s.gc(belowTs, versionsMax === undefined ? {} : { versionsMax })
      removed += step.versionsRemoved
      if (step.passEnded) return removed
    }
  }
  const key = (...parts: bigint[]) => encodeKey(parts)
  const put = (commitTs: number, writes: [string, string | null][]): ShardRecord => {
    const seq = (seqs.get('j') ?? 0) + 1
    seqs.set('j', seq)
    return { journalId: 'j', seq, commitTs, writes: writes.map(([key, value]) => ({ key, value })) }
  }
  /** Versions stored under `prefix` in the SQLite file at `path` (the shard must be closed). */
  const stored = (path: string, prefix: string) => {
    const db = openSqlite(path)
    try {
      const row = db.prepare('SELECT count(*) AS n FROM mvcc WHERE key >= ? AND key < ?').get(prefix, prefixEnd(prefix))
      return Number(row?.n)
    } finally {
      db.close()
    }
  }
  const withDir = (fn: (path: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-gc-'))
    try {
      fn(join(dir, 'shard-0.sqlite'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  test('keeps the newest version at or below belowTs and everything newer', () => {
    const s = shard()
    const r10 = record(10, [[1, 'a'], [2, 'x']])
    s.apply([r10, record(20, [[1, 'b']]), record(30, [[1, 'c'], [2, null]])], 40)
    // key 1: 10 dropped, 20 kept (newest <= 25), 30 kept; key 2: nothing newer than 10 at 25.
    expect(pass(s, 25)).toBe(1)
    expect(s.get(k(1), 25)).toBe('b')
    expect(s.get(k(2), 25)).toBe('x')
    // At 35: key 2's tombstone is the newest version, so it goes with the older one.
    expect(pass(s, 35)).toBe(3)
    expect(s.get(k(1), 35)).toBe('c')
    expect(s.get(k(2), 35)).toBeUndefined()
  })

  test('each step reads at most versionsMax versions (and one ahead); the pass visits every key, then wraps', () => {
    const s = shard()
    // 100 keys with 3 versions each: 200 are garbage below 100.
    s.apply([1, 2, 3].map((v) => record(v * 10, Array.from({ length: 100 }, (_, n): [number, string] => [n, `v${v}`]))), 100)
    const examined: number[] = []
    let removed = 0
    for (let i = 0; i < 100; i++) {
      const step = s.gc(100, { versionsMax: 16 })
      examined.push(step.versionsExamined)
      removed += step.versionsRemoved
      if (step.passEnded) break
    }
    expect(Math.max(...examined)).toBe(17)
    // 300 versions, 16 a step: the pass ends in the 19th step, and every key lost its two old ones.
    expect(examined.length).toBe(19)
    expect(removed).toBe(200)
    for (let n = 0; n < 100; n++) expect(s.get(k(n), 100)).toBe('v3')
    // Nothing newer than the horizon of the pass that left nothing: the next steps read nothing.
    expect(s.gc(100, { versionsMax: 16 }).versionsExamined).toBe(0)
    // A new version starts a pass from the first key again.
    s.apply([record(150, [[0, 'v4'], [99, null]])], 200)
    expect(pass(s, 200, 16)).toBe(3)
    expect([s.get(k(0), 200), s.get(k(99), 200), s.get(k(50), 200)]).toEqual(['v4', undefined, 'v3'])
  })

  test('after a pass that left nothing, no pass runs until the horizon reaches a version above it', () => {
    const s = shard()
    s.apply([record(10, [[1, 'a'], [2, 'a']]), record(20, [[1, 'b']]), record(30, [[2, 'b']])], 40)
    expect(pass(s, 15)).toBe(0)
    // Nothing can turn garbage before the horizon reaches 20, the oldest version above 15.
    expect(s.gc(19).versionsExamined).toBe(0)
    expect(pass(s, 25)).toBe(1)
    expect(s.gc(29).versionsExamined).toBe(0)
    // A write starts counting at its own commitTs.
    s.apply([record(50, [[1, 'c']])], 60)
    expect(pass(s, 35)).toBe(1)
    expect(s.gc(49).versionsExamined).toBe(0)
    expect(pass(s, 50)).toBe(1)
    expect([s.get(k(1), 60), s.get(k(2), 60)]).toEqual(['c', 'b'])
  })

  test('a key whose versions span several steps is collected in one pass', () => {
    const s = shard()
    s.apply(Array.from({ length: 10 }, (_, i) => record(10 + i, [[1, `v${i}`]])), 30)
    // Newest first, three a step: the first step keeps v9 and deletes v8 and v7; the later steps
    // find v9 above them and delete the rest.
    expect(pass(s, 30, 3)).toBe(9)
    expect(s.get(k(1), 30)).toBe('v9')
  })

  test('a tombstone whose older versions lie beyond the step stays until the next pass', () => {
    const s = shard()
    s.apply(Array.from({ length: 10 }, (_, i) => record(10 + i, [[1, i === 9 ? null : `v${i}`]])), 30)
    // Deleted alone, the tombstone would let v8 show again if the pass stopped there (a restart
    // forgets where it stood): the step that reads it sees key 1 go on, so it keeps it, and the
    // later steps delete what lies under it.
    expect(pass(s, 30, 3)).toBe(9)
    expect(s.get(k(1), 30)).toBeUndefined()
    expect(pass(s, 30, 3)).toBe(1)
    expect(pass(s, 30, 3)).toBe(0)
  })

  describe('dead ranges', () => {
    const table = key(100n)
    const index = key(102n, 2n)
    /** Rows of table 100 (indexes 0 and 1) and of table 102 (indexes 1 and 2), then garbage
     * entries for table 100 and index 2 of table 102 committed at 50. */
    const load = (s: StorageShard) => {
      const rows = (t: bigint, i: bigint, v: string) =>
        Array.from({ length: 10 }, (_, n): [string, string] => [key(t, i, BigInt(n)), v])
      s.apply([put(10, [...rows(100n, 0n, 'a'), ...rows(100n, 1n, ''), ...rows(102n, 1n, ''), ...rows(102n, 2n, '')])], 20)
      s.apply([put(50, [[garbageKey(table), ''], [garbageKey(index), '']])], 60)
    }

    test('are deleted only once their entry is at or below the horizon, a bounded number of rows a step, entry last', () => {
      withDir((path) => {
        const s = shard({ path })
        // A step that finds no entry makes later ones skip looking, until an apply writes one.
        expect(s.gc(0).deadRangesFinished).toBe(0)
        load(s)
        // Below the drop, readers may still be at a snapshot that sees the rows.
        const below = s.gc(49)
        expect([below.deadRowsRemoved, below.deadRangesFinished]).toEqual([0, 0])
        expect(s.get(key(100n, 0n, 3n), 45)).toBe('a')
        // Above deadBelowTs (commits that may still write there are not all applied): kept too.
        expect(s.gc(60, { deadBelowTs: 49 }).deadRowsRemoved).toBe(0)
        const steps = []
        for (let i = 0; i < 10; i++) {
          const step = s.gc(50, { deadRowsMax: 7 })
          steps.push([step.deadRowsRemoved, step.deadRangesFinished])
          if (step.deadRowsRemoved === 0) break
        }
        // 20 rows of table 100 (both its indexes: one key range), then 10 entries of index 2 of
        // table 102: 7 at a time, each entry removed by the step that empties its range.
        expect(steps).toEqual([[7, 0], [7, 0], [7, 1], [7, 0], [2, 1], [0, 0]])
        // The dropped table's last write is forgotten (its map entry gone), the live one's kept.
        expect([s.lastWriteTs(100n), s.lastWriteTs(102n)]).toEqual([s.lastWriteTs(99n), 10])
        s.close()
        expect([stored(path, table), stored(path, index), stored(path, key(102n, 1n))]).toEqual([0, 0, 10])
        expect(stored(path, garbageKey(key(100n))) + stored(path, garbageKey(index))).toBe(0)
      })
    })

    test('entries not yet due never keep a due one behind them from being reached', () => {
      withDir((path) => {
        const s = shard({ path })
        const dropped = key(200n)
        s.apply([put(10, Array.from({ length: 5 }, (_, n): [string, string] => [key(200n, 0n, BigInt(n)), 'x']))], 20)
        s.apply([put(30, [[garbageKey(dropped), '']])], 40)
        // More than a page of entries that sort first (sequence blocks) and are not due yet.
        const early = Array.from({ length: 3 * 64 }, (_, e): [string, string] => [garbageKey(key(2n, 5n, BigInt(e))), ''])
        early.sort((a, b) => (a[0] < b[0] ? -1 : 1))
        s.apply([put(100, early)], 110)
        let removed = 0
        for (let i = 0; i < 10 && removed === 0; i++) removed = s.gc(50).deadRowsRemoved
        expect(removed).toBe(5)
        s.close()
        expect([stored(path, dropped), stored(path, garbageKey(dropped))]).toEqual([0, 0])
      })
    })

    test('a cleanup cut short by a close resumes after the reopen and completes', () => {
      withDir((path) => {
        const first = shard({ path })
        load(first)
        expect(first.gc(60, { deadRowsMax: 12 }).deadRowsRemoved).toBe(12)
        first.close()
        expect(stored(path, table)).toBe(8)
        const again = shard({ path })
        while (again.gc(60, { deadRowsMax: 12 }).deadRowsRemoved > 0);
        again.close()
        expect([stored(path, table), stored(path, index), stored(path, garbageKey(table))]).toEqual([0, 0, 0])
      })
    })

    test('rows still in the memtable are deleted too, and cached reads forget them', () => {
      withDir((path) => {
        const s = openSqliteShard({ id: 0, driver, path, timers: new SimClock(), memtableWritesMax: 1000 })
        open.push(s)
        const row = (t: bigint, n: bigint): [string, string] => [key(t, 0n, n), `row ${n}`]
        s.apply([put(10, [row(100n, 1n), row(100n, 2n)])], 20)
        s.makeDurable()
        // Read from SQLite, so remembered as the key's newest version.
        expect(s.get(key(100n, 0n, 1n), 20)).toBe('row 1')
        // Table 104's rows and both entries stay in the memtable until gc writes it.
        s.apply([put(30, [row(104n, 1n)]), put(50, [[garbageKey(key(100n)), ''], [garbageKey(key(104n)), '']])], 60)
        expect(s.gc(60).deadRangesFinished).toBe(2)
        expect(s.get(key(100n, 0n, 1n), 60)).toBeUndefined()
        expect([...s.scan({ start: key(104n), end: key(105n) }, 60)]).toEqual([])
        s.close()
        expect([stored(path, key(100n)), stored(path, key(104n))]).toEqual([0, 0])
      })
    })
  })
})

// The memtable: applied records are readable at once and reach SQLite in batches. Method: the
// same reads before and after a flush; a "crash" is close({ flush: false }) on a file shard,
// then a reopen and a replay, as the crossbar does after a restart.
describe('memtable', () => {
  const withDir = (fn: (path: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
    try {
      fn(join(dir, 'shard-0.sqlite'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const reads = (s: StorageShard) => [
    ...[5, 10, 15, 20, 25, 30].flatMap((ts) => [1, 2, 3].map((n) => s.get(k(n), ts) ?? '-')),
    ...[...s.scan(all, 30)].map((kv) => kv.value),
  ]

  test('reads answer the same from the memtable as from SQLite, tombstones included', () => {
    withDir((path) => {
      const s = shard({ path })
      s.apply([record(10, [[1, 'a1'], [2, 'b1']])], 10)
      s.makeDurable()
      s.apply([record(20, [[1, 'a2'], [2, null]]), record(25, [[1, 'a3'], [3, 'c1']])], 30)
      const fromMemtable = [1, 2, 3].flatMap((n) => [5, 10, 20, 25, 30].map((ts) => s.get(k(n), ts) ?? '-'))
      expect(fromMemtable).toEqual(['-', 'a1', 'a2', 'a3', 'a3', '-', 'b1', '-', '-', '-', '-', '-', '-', 'c1', 'c1'])
      const before = reads(s)
      s.makeDurable()
      expect(reads(s)).toEqual(before)
    })
  })

  test('a crash loses only the memtable: the reopened shard stands at the last flush, and a replay restores the rest', () => {
    withDir((path) => {
      const r1 = record(10, [[1, 'a1']])
      const r2 = record(20, [[1, 'a2'], [2, 'b2']])
      const r3 = record(30, [[2, null]])
      const first = shard({ path })
      first.apply([r1], 10)
      first.makeDurable()
      first.apply([r2, r3], 30)
      expect(first.get(k(2), 25)).toBe('b2')
      first.close({ flush: false })
      const again = shard({ path })
      expect(again.frontier()).toBe(10)
      expect(again.appliedPositions().get('j1')).toBe(1)
      expect(again.get(k(1), 10)).toBe('a1')
      again.apply([r1, r2, r3], 30)
      expect([again.get(k(1), 30), again.get(k(2), 25), again.get(k(2), 30)]).toEqual(['a2', 'b2', undefined])
    })
  })

  test('flushed after memtableWritesMax writes, or flushMs after the first write', () => {
    withDir((path) => {
      const clock = new SimClock()
      const reopened = (fn: (s: StorageShard) => void) => {
        const s = openSqliteShard({ id: 0, driver, path, timers: clock, memtableWritesMax: 3, flushMs: 50 })
        fn(s)
        s.close({ flush: false })
        const again = openSqliteShard({ id: 0, driver, path, timers: clock })
        const position = again.appliedPositions().get('j1') ?? 0
        again.close()
        return position
      }
      // Below both bounds: lost by the crash (the journal still has it).
      expect(reopened((s) => s.apply([record(10, [[1, 'a']])], 10))).toBe(0)
      seqs = new Map()
      // The timer flushes.
      expect(reopened((s) => {
        s.apply([record(10, [[1, 'a']])], 10)
        clock.advance(49)
        s.apply([record(11, [[2, 'b']])], 11)
        clock.advance(1)
      })).toBe(2)
      // The third write flushes at once.
      expect(reopened((s) => s.apply([record(20, [[3, 'c'], [4, 'd']]), record(21, [[5, 'e']])], 21))).toBe(4)
    })
  })

  test('flushed once its keys and values pass memtableBytesMax, however few the writes', () => {
    withDir((path) => {
      const clock = new SimClock()
      const s = openSqliteShard({ id: 0, driver, path, timers: clock, memtableWritesMax: 1000, memtableBytesMax: 100_000, flushMs: 50 })
      s.apply([record(10, [[1, 'a'.repeat(60_000)]])], 10)
      s.apply([record(11, [[2, 'b'.repeat(60_000)]])], 11)
      s.apply([record(12, [[3, 'c']])], 12)
      s.close({ flush: false })
      const again = openSqliteShard({ id: 0, driver, path, timers: clock })
      // The second write passed the bound and flushed both; the third was lost with the memtable.
      expect(again.appliedPositions().get('j1')).toBe(2)
      expect(again.get(k(2), 11)).toBe('b'.repeat(60_000))
      again.close()
    })
  })
})

describe('file format', () => {
  test('a shard written with the oldest-first versions table is migrated on open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-shard-'))
    try {
      const path = join(dir, 'shard-0.sqlite')
      const old = openSqlite(path)
      old.exec(`CREATE TABLE versions (key TEXT NOT NULL, ts INTEGER NOT NULL, value TEXT, PRIMARY KEY (key, ts)) WITHOUT ROWID;
        CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta VALUES ('frontier', 30);`)
      const insert = old.prepare('INSERT INTO versions VALUES (?, ?, ?)')
      for (const [n, ts, value] of [[1, 10, 'a1'], [1, 20, 'a2'], [2, 10, 'b1'], [2, 30, null]] as const) insert.run(k(n), ts, value)
      old.close()
      const s = shard({ path })
      expect([s.get(k(1), 15), s.get(k(1), 30), s.get(k(2), 20), s.get(k(2), 30)]).toEqual(['a1', 'a2', 'b1', undefined])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('ShardedStorage.waitForFrontier', () => {
  test('resolves only once every shard reached ts, whichever shard moves first', async () => {
    for (const first of [0, 1]) {
      const shards = [0, 1].map((id) => openSqliteShard({ id, path: ':memory:', timers: new SimClock() }))
      open.push(...shards)
      const storage = new ShardedStorage(shards, tableShardOf(2))
      let done = false
      const waiting = storage.waitForFrontier(10, 1000).then(() => (done = true))
      shards[first]!.apply([], 10)
      for (let i = 0; i < 5; i++) await Promise.resolve()
      expect(done).toBe(false)
      shards[1 - first]!.apply([], 10)
      await waiting
      expect(done).toBe(true)
    }
  })
})

describe('tableShardOf', () => {
  test('a garbage entry lives in the shard of the range it names, whatever the shard count', () => {
    for (const count of [1, 2, 3, 5]) {
      const shardOf = tableShardOf(count)
      for (const table of [0n, 1n, 7n, 100n, 101n, 2n ** 50n + 3n]) {
        const rows = shardOf(encodeKey([table, 0n, 'x']))
        expect(shardOf(encodeKey([table]))).toBe(rows)
        expect(shardOf(garbageKey(encodeKey([table])))).toBe(rows)
        expect(shardOf(garbageKey(encodeKey([table, 4n])))).toBe(rows)
      }
    }
  })
})
