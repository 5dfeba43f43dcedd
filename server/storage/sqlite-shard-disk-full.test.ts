// A SQLite shard on a full disk (ARCHITECTURE.md "storage"; docs/architecture.md "Failure
// handling"): a write SQLite refuses throws nothing into the crossbar, the memtable keeps its
// bound, reads and scans go on, the write is retried and resumes once there is room, and nothing
// applied is lost. Method: real SQLite on each binding, made full by its page limit, and a
// checkpoint or a GC delete failing with a genuine SQLITE_FULL error of the same binding through
// the `openDatabase` seam (fillable-sqlite.harness.ts). Timers are a SimClock.
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SimClock } from '../clock/index.ts'
import { encodeKey } from '../encoding/index.ts'
import { WRITE_RETRY_MS } from './constants.ts'
import { FillableSqlite } from './fillable-sqlite.harness.ts'
import { openSqlite } from './sqlite-adapter.ts'
import { garbageKey, openSqliteShard, sqliteDrivers, type ShardRecord, type SqliteDriverName, type StorageShard } from './index.ts'

const k = (n: number) => encodeKey([1n, 1n, BigInt(n)])
const all = { start: encodeKey([1n]), end: encodeKey([2n]) }
/** Large enough that a few of them need new pages. */
const big = (tag: string) => tag.padEnd(3000, '.')

let seq = 0
const record = (commitTs: number, writes: [number, string | null][]): ShardRecord => ({
  journalId: 'j1',
  seq: ++seq,
  commitTs,
  writes: writes.map(([n, value]) => ({ key: k(n), value })),
})

const dirs: string[] = []
const shards: StorageShard[] = []
afterEach(() => {
  for (const s of shards.splice(0)) s.close({ flush: false })
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  seq = 0
})

function setup(driver: SqliteDriverName, options: { memtableWritesMax?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-full-'))
  dirs.push(dir)
  const path = join(dir, 'shard-0.sqlite')
  const clock = new SimClock()
  const disk = new FillableSqlite(driver)
  const open = () => {
    const s = openSqliteShard({ id: 0, driver, path, timers: clock, openDatabase: disk.open, memtableWritesMax: options.memtableWritesMax ?? 4, flushMs: 50 })
    shards.push(s)
    return s
  }
  return { clock, disk, open }
}

/** Everything a reader can see up to `ts`: point reads at each snapshot of the test, scans both
 * ways, with limits, over part of the range. */
function reads(s: StorageShard, ts: number): unknown[] {
  const keys = [1, 2, 3, 4, 5, 6, 7]
  const snapshots = [10, 20, 30, 40].filter((t) => t <= ts)
  const values = (rows: Iterable<{ readonly value: string }>) => [...rows].map((kv) => kv.value.slice(0, 4))
  return [
    ...snapshots.flatMap((t) => keys.map((n) => s.get(k(n), t)?.slice(0, 4) ?? '-')),
    ...snapshots.map((t) => values(s.scan(all, t))),
    values(s.scan(all, ts, { reverse: true })),
    values(s.scan(all, ts, { limit: 2 })),
    values(s.scan(all, ts, { limit: 3, reverse: true })),
    values(s.scan({ start: k(2), end: k(6) }, ts)),
  ]
}

for (const driver of sqliteDrivers) {
  describe(`a full disk, on ${driver}:sqlite`, () => {
    test('a flush SQLite refuses throws nothing; the memtable stops at its bound; reads go on; the write resumes once there is room; nothing is lost', () => {
      const { clock, disk, open } = setup(driver)
      const s = open()
      s.apply([record(10, [[1, big('a1')], [3, big('c1')], [5, big('e1')], [7, big('g1')]])], 10)
      expect(s.makeDurable().get('j1')).toBe(1)
      disk.fill()
      // Versions newer than SQLite's (a tombstone among them) and keys SQLite lacks, interleaved.
      s.apply([record(20, [[2, big('b2')], [3, null]])], 20)
      expect(() => s.apply([record(30, [[1, big('a3')], [6, big('f3')]])], 30)).not.toThrow()
      expect(s.writeFailure()).toMatchObject({ code: '53100', message: 'could not write storage shard 0: no space left on device' })
      // Its memtable is full and cannot be flushed: the crossbar must hand it nothing more.
      expect(s.canApply()).toBe(false)
      const whileFull = reads(s, 30)
      // Nothing writes while the failure lasts: no checkpoint, no GC step; the retry keeps failing.
      expect(s.makeDurable().get('j1')).toBe(1)
      expect(s.gc(40).versionsRemoved).toBe(0)
      clock.advance(3 * WRITE_RETRY_MS)
      expect(s.writeFailure()?.code).toBe('53100')
      expect(reads(s, 30)).toEqual(whileFull)
      expect(whileFull.slice(0, 7)).toEqual(['a1..', '-', 'c1..', '-', 'e1..', '-', 'g1..'])
      expect(whileFull.slice(21, 27)).toEqual([
        ['a1..', 'c1..', 'e1..', 'g1..'],
        ['a1..', 'b2..', 'e1..', 'g1..'],
        ['a3..', 'b2..', 'e1..', 'f3..', 'g1..'],
        ['g1..', 'f3..', 'e1..', 'b2..', 'a3..'],
        ['a3..', 'b2..'],
        ['g1..', 'f3..', 'e1..'],
      ])
      disk.free()
      clock.advance(WRITE_RETRY_MS)
      expect(s.writeFailure()).toBeUndefined()
      expect(s.canApply()).toBe(true)
      // The same answers from SQLite alone, after the retry flushed the memtable.
      expect(reads(s, 30)).toEqual(whileFull)
      s.apply([record(40, [[4, big('d4')], [5, null]])], 40)
      expect(s.makeDurable().get('j1')).toBe(4)
      const before = reads(s, 40)
      s.close({ flush: false })
      expect(reads(open(), 40)).toEqual(before)
    })

    test('a flush on the timer that fails is retried, not thrown out of the timer', () => {
      const { clock, disk, open } = setup(driver, { memtableWritesMax: 1000 })
      const s = open()
      s.apply([record(10, [[1, big('a1')]])], 10)
      s.makeDurable()
      disk.fill()
      s.apply([record(20, [[2, big('b2')], [3, big('c2')], [4, big('d2')]])], 20)
      expect(() => clock.advance(50)).not.toThrow()
      expect(s.writeFailure()?.code).toBe('53100')
      // Below its bound the memtable still takes records.
      expect(s.canApply()).toBe(true)
      disk.free()
      clock.advance(WRITE_RETRY_MS)
      expect(s.writeFailure()).toBeUndefined()
      expect(s.makeDurable().get('j1')).toBe(2)
    })

    test('a checkpoint that fails leaves the durable positions where they were until the retry succeeds', () => {
      const { clock, disk, open } = setup(driver)
      const s = open()
      s.apply([record(10, [[1, 'a1']])], 10)
      expect(s.makeDurable().get('j1')).toBe(1)
      s.apply([record(20, [[2, 'b2']])], 20)
      disk.failing = /wal_checkpoint/
      expect(s.makeDurable().get('j1')).toBe(1)
      expect(s.writeFailure()?.code).toBe('53100')
      clock.advance(2 * WRITE_RETRY_MS)
      expect(s.writeFailure()?.code).toBe('53100')
      disk.failing = undefined
      clock.advance(WRITE_RETRY_MS)
      expect(s.writeFailure()).toBeUndefined()
      expect(s.makeDurable().get('j1')).toBe(2)
    })

    test('a GC step whose deletes fail is rolled back, and its pass and dead ranges resume where they stood', () => {
      // One step runs the whole version pass and then a dropped range's deletes in one
      // transaction: the range's delete fails, so the versions it had deleted come back too, and
      // the pass must not count as done (nothing would be due again until new writes).
      const table2 = (n: number) => encodeKey([2n, 1n, BigInt(n)])
      const collected = (failFirst: boolean) => {
        const { clock, disk, open } = setup(driver)
        const s = open()
        s.apply([1, 2, 3, 4, 5, 6].map((n) => record(n, [[n % 3, `v${n}`]])), 6)
        s.apply([{ journalId: 'j1', seq: ++seq, commitTs: 7, writes: [{ key: table2(1), value: 'r1' }, { key: table2(2), value: 'r2' }] }], 7)
        s.apply([{ journalId: 'j1', seq: ++seq, commitTs: 8, writes: [{ key: garbageKey(encodeKey([2n])), value: 'dropped' }] }], 10)
        s.makeDurable()
        if (failFirst) {
          disk.failing = /^DELETE FROM mvcc WHERE key >= /
          expect(s.gc(10)).toMatchObject({ versionsRemoved: 0, deadRowsRemoved: 0 })
          expect(s.writeFailure()?.code).toBe('53100')
          disk.failing = undefined
          clock.advance(WRITE_RETRY_MS)
          expect(s.writeFailure()).toBeUndefined()
        }
        let versions = 0
        let deadRows = 0
        for (let i = 0; i < 4; i++) {
          const step = s.gc(10)
          versions += step.versionsRemoved
          deadRows += step.deadRowsRemoved
        }
        const left = [...s.scan({ start: encodeKey([1n]), end: encodeKey([3n]) }, 10)].map((kv) => kv.value)
        s.close()
        seq = 0
        return { versions, deadRows, left }
      }
      const control = collected(false)
      expect(control).toEqual({ versions: 3, deadRows: 2, left: ['v6', 'v4', 'v5'] })
      expect(collected(true)).toEqual(control)
    })
  })
}

describe('the SQLite adapter', () => {
  // Goal: SQLITE_FULL inside a transaction reaches the caller as itself (SQLite rolled back
  // already, so a ROLLBACK would fail and hide it) and leaves no transaction open. Method: a page
  // limit on a real database, on each binding.
  for (const driver of sqliteDrivers) {
    test(`on ${driver}:sqlite a transaction that meets SQLITE_FULL throws it, and the next one runs`, () => {
      const db = openSqlite(':memory:', driver)
      try {
        db.exec('CREATE TABLE t (v BLOB)')
        db.exec('PRAGMA max_page_count = 3')
        const insert = db.prepare('INSERT INTO t VALUES (randomblob(3000))')
        expect(() => db.transaction(() => {
          for (let i = 0; i < 10; i++) insert.run()
        })).toThrow('database or disk is full')
        db.exec('PRAGMA max_page_count = 100')
        db.transaction(() => insert.run())
        expect(Number(db.prepare('SELECT count(*) AS n FROM t').get()?.n)).toBe(1)
      } finally {
        db.close()
      }
    })
  }
})
