// Property tests of SQLite shards and sharded storage against a reference model (ARCHITECTURE.md
// "storage"). Method: fast-check generates commit histories (overwrites, deletes), applies them in
// batches, then compares gets and paged scans at every timestamp with a list-of-versions model;
// gc steps must not change what readers at or above their horizon see, and must collect the rest.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { SimClock } from '../clock/index.ts'
import { encodeKey, type Key } from '../encoding/index.ts'
import {
  openSqliteShard,
  ShardedStorage,
  sqliteDrivers,
  tableShardOf,
  type KeyRange,
  type KeyValue,
  type ShardRecord,
  type SqliteDriverName,
  type StorageReader,
  type StorageShard,
} from './index.ts'

interface Version {
  readonly key: Key
  readonly ts: number
  readonly value: string | null
}

/** The ten-line model: every version ever written; a read takes the newest at or below ts. */
function modelGet(versions: readonly Version[], key: Key, ts: number): string | undefined {
  let best: Version | undefined
  for (const v of versions) if (v.key === key && v.ts <= ts && (!best || v.ts > best.ts)) best = v
  return best?.value ?? undefined
}
function modelScan(versions: readonly Version[], range: KeyRange, ts: number): KeyValue[] {
  const keys = [...new Set(versions.map((v) => v.key))]
  return keys
    .filter((k) => k >= range.start && k < range.end)
    .sort()
    .map((key) => ({ key, value: modelGet(versions, key, ts) }))
    .filter((kv): kv is KeyValue => kv.value !== undefined)
}

const keyOf = ([table, n]: readonly [number, number]) => encodeKey([BigInt(table), 1n, BigInt(n)])
const keyArb = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }))
const commitArb = fc.record({
  tsStep: fc.integer({ min: 1, max: 3 }),
  writes: fc.uniqueArray(fc.tuple(keyArb, fc.option(fc.string({ maxLength: 3 }), { nil: null })), {
    selector: ([k]) => keyOf(k),
    maxLength: 4,
  }),
  endsBatch: fc.boolean(),
})
const historyArb = fc.array(commitArb, { minLength: 1, maxLength: 25 })
const rangeArb = fc.oneof(
  fc.constant({ start: '', end: 'ff' }),
  fc.tuple(keyArb, keyArb).map(([a, b]) => {
    const [x, y] = [keyOf(a), keyOf(b)].sort() as [Key, Key]
    return { start: x, end: y }
  }),
)
const queryArb = fc.record({
  tsFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  key: keyArb,
  range: rangeArb,
  limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
  reverse: fc.boolean(),
})

type Commit = typeof commitArb extends fc.Arbitrary<infer C> ? C : never
type Query = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never
const queriesArb = fc.array(queryArb, { maxLength: 12 })
const fractionArb = fc.double({ min: 0, max: 1, noNaN: true })

/** Applies the history to `shards` through `shardOf`, every shard getting every record. */
function applyHistory(
  history: readonly Commit[],
  shards: readonly StorageShard[],
  shardOf: (key: Key) => number,
): { versions: Version[]; frontier: number } {
  const versions: Version[] = []
  let ts = 0
  let seq = 0
  let batch: ShardRecord[][] = shards.map(() => [])
  const flush = (frontier: number) => {
    shards.forEach((s, i) => s.apply(batch[i] ?? [], frontier))
    batch = shards.map(() => [])
  }
  for (const commit of history) {
    ts += commit.tsStep
    seq++
    const writes = commit.writes.map(([k, value]) => ({ key: keyOf(k), value }))
    for (const w of writes) versions.push({ key: w.key, ts, value: w.value })
    shards.forEach((_, i) => {
      const mine = writes.filter((w) => shardOf(w.key) === i)
      batch[i]?.push({ journalId: 'j', seq, commitTs: ts, writes: mine })
    })
    if (commit.endsBatch) flush(ts)
  }
  flush(ts + 1)
  return { versions, frontier: ts + 1 }
}

function checkReads(
  reader: StorageReader,
  versions: readonly Version[],
  frontier: number,
  queries: readonly Query[],
  minTs = 0,
): void {
  for (const q of queries) {
    const ts = minTs + Math.floor(q.tsFraction * (frontier - minTs))
    expect(reader.get(keyOf(q.key), ts)).toBe(modelGet(versions, keyOf(q.key), ts))
    let expected = modelScan(versions, q.range, ts)
    if (q.reverse) expected = expected.reverse()
    if (q.limit !== undefined) expected = expected.slice(0, q.limit)
    const options = { reverse: q.reverse, ...(q.limit === undefined ? {} : { limit: q.limit }) }
    expect([...reader.scan(q.range, ts, options)]).toEqual(expected)
  }
}

function openShards(count: number, scanPageRows: number, driver?: SqliteDriverName) {
  const clock = new SimClock()
  return Array.from({ length: count }, (_, id) =>
    openSqliteShard({ id, path: ':memory:', timers: clock, scanPageRows, driver }),
  )
}

describe('SqliteShard against the model', () => {
  const drivers = sqliteDrivers.map((d) => [d])
  test.each(drivers)('on %s:sqlite, gets and paged scans match the model', (driver) => {
    fc.assert(
      fc.property(historyArb, queriesArb, fc.integer({ min: 1, max: 4 }), (history, queries, n) => {
        const shards = openShards(1, n, driver)
        try {
          const { versions, frontier } = applyHistory(history, shards, () => 0)
          checkReads(shards[0] as StorageShard, versions, frontier, queries)
        } finally {
          for (const s of shards) s.close()
        }
      }),
      { numRuns: 150 },
    )
  })

  test.each(drivers)('on %s:sqlite, point reads between applies match the model (row cache, memtable, flushes)', (driver) => {
    // Reads interleaved with applies: the row cache must forget a key when an apply writes it,
    // and must not answer for a memtable key or an older snapshot. A tiny cache and memtable make
    // eviction and flushes happen within a short history.
    // Few keys, so a key read (and cached) is often written and read again before it is evicted.
    const fewKeys = fc.tuple(fc.constant(0), fc.integer({ min: 0, max: 3 }))
    const writesArb = fc.uniqueArray(fc.tuple(fewKeys, fc.option(fc.string({ maxLength: 3 }), { nil: null })), {
      selector: ([k]) => keyOf(k),
      maxLength: 2,
    })
    const commit = fc.record({ tsStep: fc.integer({ min: 1, max: 3 }), writes: writesArb })
    const stepArb = fc.record({ commit, reads: fc.array(fc.tuple(fewKeys, fractionArb), { maxLength: 3 }) })
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), (steps, memtable, cache) => {
        const shard = openSqliteShard({
          id: 0, path: ':memory:', timers: new SimClock(), driver,
          memtableWritesMax: memtable, rowCacheEntriesMax: cache,
        })
        try {
          const versions: Version[] = []
          let ts = 0
          steps.forEach(({ commit, reads }, i) => {
            ts += commit.tsStep
            const writes = commit.writes.map(([k, value]) => ({ key: keyOf(k), value }))
            for (const w of writes) versions.push({ key: w.key, ts, value: w.value })
            shard.apply([{ journalId: 'j', seq: i + 1, commitTs: ts, writes }], ts)
            for (const [key, fraction] of reads) {
              const at = Math.floor(fraction * ts)
              expect(shard.get(keyOf(key), at)).toBe(modelGet(versions, keyOf(key), at))
              expect(shard.get(keyOf(key), ts)).toBe(modelGet(versions, keyOf(key), ts))
            }
          })
        } finally {
          shard.close()
        }
      }),
      { numRuns: 600 },
    )
  })

  test('gc steps between applies keep what readers at or above the horizon see, and collect the rest', () => {
    // Bounded gc steps (a few versions each, so keys and tombstones span steps) run between
    // applies at a horizon that only rises; after every step, reads at or above it match the
    // model. At the end, passes at the last horizon (or at the frontier) run until one removes nothing (at most three:
    // a tombstone split over two steps waits one pass): the versions removed in all are exactly
    // the model's garbage at that horizon.
    // Few keys, so keys gather several versions and windows often end inside one.
    const fewKeys = fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 2 }))
    const writesArb = fc.uniqueArray(fc.tuple(fewKeys, fc.option(fc.string({ maxLength: 2 }), { nil: null })), {
      selector: ([k]) => keyOf(k),
      maxLength: 3,
    })
    const commit = fc.record({ tsStep: fc.integer({ min: 1, max: 3 }), writes: writesArb })
    const eventArb = fc.oneof(
      fc.record({ kind: fc.constant('commit' as const), commit }),
      fc.record({ kind: fc.constant('gc' as const), fraction: fractionArb }),
    )
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 40 }),
        queriesArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (events, queries, versionsMax, memtableWritesMax, finalAtFrontier) => {
          const shard = openSqliteShard({ id: 0, path: ':memory:', timers: new SimClock(), memtableWritesMax })
          try {
            const versions: Version[] = []
            let ts = 0
            let seq = 0
            let horizon = 0
            let removed = 0
            const step = () => {
              const done = shard.gc(horizon, { versionsMax })
              expect(done.versionsExamined).toBeLessThanOrEqual(versionsMax + 1)
              removed += done.versionsRemoved
              checkReads(shard, versions, ts, queries, horizon)
              return done
            }
            for (const event of events) {
              if (event.kind === 'commit') {
                ts += event.commit.tsStep
                const writes = event.commit.writes.map(([k, value]) => ({ key: keyOf(k), value }))
                for (const w of writes) versions.push({ key: w.key, ts, value: w.value })
                shard.apply([{ journalId: 'j', seq: ++seq, commitTs: ts, writes }], ts)
              } else {
                horizon = Math.max(horizon, Math.floor(event.fraction * ts))
                step()
              }
            }
            // At the frontier every version is at or below the horizon: the case where a pass that
            // ended with nothing left lets later steps idle.
            if (finalAtFrontier) horizon = ts
            // The pass under way began at a lower horizon; whole passes at this one follow.
            while (!step().passEnded);
            let passes = 0
            for (let before = -1; before !== removed; passes++) {
              before = removed
              while (!step().passEnded);
            }
            expect(passes).toBeLessThanOrEqual(3)
            expect(removed).toBe(modelGarbage(versions, horizon))
          } finally {
            shard.close()
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})

/** Versions no reader at or above `horizon` sees: older than a newer version at or below it, or a
 * tombstone at or below it. */
function modelGarbage(versions: readonly Version[], horizon: number): number {
  return versions.filter((v) => {
    if (v.ts > horizon) return false
    const newer = versions.some((w) => w.key === v.key && w.ts > v.ts && w.ts <= horizon)
    return newer || v.value === null
  }).length
}

describe('ShardedStorage against the model', () => {
  test('routed gets and merged scans match the model', () => {
    fc.assert(
      fc.property(historyArb, queriesArb, fc.integer({ min: 1, max: 3 }), (history, queries, n) => {
        const shards = openShards(n, 2)
        try {
          const shardOf = tableShardOf(n)
          const { versions, frontier } = applyHistory(history, shards, shardOf)
          const storage = new ShardedStorage(shards, shardOf)
          expect(storage.frontier()).toBe(frontier)
          checkReads(storage, versions, frontier, queries)
        } finally {
          for (const s of shards) s.close()
        }
      }),
      { numRuns: 100 },
    )
  })
})
