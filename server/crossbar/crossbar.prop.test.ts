// Property test of the crossbar merge (ARCHITECTURE.md step 5 and STYLE.md "crossbar merge =
// sorted union"). Method: scripted journals that obey the Journal contract deliver records and
// closed timestamps in arbitrary interleavings (with crossbar restarts, tiny batches and a tiny
// pending bound); real in-memory SQLite shards, each wrapped to record what it really applied.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { SimClock, type HlcTimestamp } from '../clock/index.ts'
import { encodeKey } from '../encoding/index.ts'
import { assert, type SqlError } from '../errors/index.ts'
import type {
  AppendRequest,
  Appended,
  CommitRecord,
  Journal,
  JournalFollower,
} from '../journal/index.ts'
import {
  openSqliteShard,
  ShardedStorage,
  tableShardOf,
  type GcOptions,
  type GcStep,
  type KeyRange,
  type KeyValue,
  type ScanOptions,
  type ShardRecord,
  type StorageShard,
} from '../storage/index.ts'
import { MERGE_HEAP_QUEUES_MIN } from './constants.ts'
import { createCrossbar, takeMerged } from './index.ts'

/** A journal whose whole future is known: the test makes records durable and closes timestamps,
 * within the contract (records in seq order before any closed timestamp that covers them). */
class ScriptedJournal implements Journal {
  readonly id: string
  readonly records: readonly CommitRecord[]
  durable = 0
  closed: HlcTimestamp = 0
  #followers: JournalFollower[] = []

  constructor(id: string, records: readonly CommitRecord[]) {
    this.id = id
    this.records = records
  }

  deliver(count: number): void {
    const batch = this.records.slice(this.durable, this.durable + count)
    this.durable += batch.length
    if (batch.length > 0) for (const f of this.#followers) f.onRecords(batch)
  }

  /** Publishes a closed timestamp a `fraction` of the way to the next undelivered record. */
  publishClosed(fraction: number): void {
    const next = this.records[this.durable]?.commitTs ?? this.closed + 10
    const ts = this.closed + Math.floor(fraction * (next - 1 - this.closed))
    if (ts <= this.closed) return
    this.closed = ts
    for (const f of this.#followers) f.onClosed(ts)
  }

  append(_request: AppendRequest): Appended {
    throw new Error('scripted journals take no appends')
  }
  closedTs(): HlcTimestamp {
    return this.closed
  }
  requestClose(_ts: HlcTimestamp): void {}
  follow(follower: JournalFollower): () => void {
    this.#followers.push(follower)
    return () => {
      this.#followers = this.#followers.filter((f) => f !== follower)
    }
  }
  read(afterSeq: number, maxRecords: number): CommitRecord[] {
    return this.records.slice(afterSeq, Math.min(afterSeq + maxRecords, this.durable))
  }
  lastSeq(): number {
    return this.durable
  }
  firstSeq(): number {
    return 1
  }
  truncateThrough(_seq: number): number {
    return 0
  }
  lastCommitTs(): HlcTimestamp {
    return this.records[this.durable - 1]?.commitTs ?? 0
  }
  async close(): Promise<void> {}
}

/** A real shard that logs the records it really applied (not skipped by position) and checks
 * each apply against the merged closed timestamp of the journals at that moment. */
class RecordingShard implements StorageShard {
  readonly applied: ShardRecord[] = []
  readonly #inner: StorageShard
  readonly #mergedClosed: () => HlcTimestamp

  constructor(inner: StorageShard, mergedClosed: () => HlcTimestamp) {
    this.#inner = inner
    this.#mergedClosed = mergedClosed
  }
  get id(): number {
    return this.#inner.id
  }
  apply(records: readonly ShardRecord[], frontierTs: HlcTimestamp): void {
    const allowed = Math.max(this.#mergedClosed(), this.#inner.frontier())
    assert(frontierTs <= allowed, `frontier ${frontierTs} above the merged closed ts ${allowed}`)
    const positions = new Map(this.#inner.appliedPositions())
    for (const r of records) {
      assert(r.commitTs <= frontierTs, 'record above the frontier it is applied with')
      if (r.seq <= (positions.get(r.journalId) ?? 0)) continue
      positions.set(r.journalId, r.seq)
      this.applied.push(r)
    }
    this.#inner.apply(records, frontierTs)
  }
  waitForFrontier(ts: HlcTimestamp, timeoutMs: number): Promise<void> {
    return this.#inner.waitForFrontier(ts, timeoutMs)
  }
  get(key: string, ts: HlcTimestamp): string | undefined {
    return this.#inner.get(key, ts)
  }
  scan(range: KeyRange, ts: HlcTimestamp, options?: ScanOptions): Iterable<KeyValue> {
    return this.#inner.scan(range, ts, options)
  }
  lastWriteTs(tableId: bigint): HlcTimestamp {
    return this.#inner.lastWriteTs(tableId)
  }
  storedBytes(range: KeyRange, ts: HlcTimestamp): number {
    return this.#inner.storedBytes(range, ts)
  }
  makeDurable(): ReadonlyMap<string, number> {
    return this.#inner.makeDurable()
  }
  canApply(): boolean {
    return this.#inner.canApply()
  }
  writeFailure(): SqlError | undefined {
    return this.#inner.writeFailure()
  }
  watchWriteFailure(listener: () => void): void {
    this.#inner.watchWriteFailure(listener)
  }
  forgetPositions(journalIds: readonly string[]): void {
    this.#inner.forgetPositions(journalIds)
  }
  frontier(): HlcTimestamp {
    return this.#inner.frontier()
  }
  appliedPositions(): ReadonlyMap<string, number> {
    return this.#inner.appliedPositions()
  }
  gc(belowTs: HlcTimestamp, options?: GcOptions): GcStep {
    return this.#inner.gc(belowTs, options)
  }
  close(): void {
    this.#inner.close()
  }
}

const keyArb = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 }))
  .map(([t, n]) => encodeKey([BigInt(t), 1n, BigInt(n)]))
const journalScriptArb = fc.array(
  fc.record({
    step: fc.integer({ min: 1, max: 3 }),
    writes: fc.uniqueArray(fc.tuple(keyArb, fc.option(fc.constant('v'), { nil: null })), {
      selector: ([k]) => k,
      maxLength: 3,
    }),
  }),
  { maxLength: 10 },
)
const eventArb = fc.record({
  journal: fc.nat(),
  kind: fc.constantFrom('deliver', 'deliver', 'close', 'close', 'restart'),
  amount: fc.integer({ min: 1, max: 4 }),
  fraction: fc.double({ min: 0, max: 1, noNaN: true }),
})
const scenarioArb = fc.record({
  journals: fc.array(journalScriptArb, { minLength: 1, maxLength: 3 }),
  durableAtStart: fc.array(fc.nat(6), { minLength: 3, maxLength: 3 }),
  events: fc.array(eventArb, { maxLength: 40 }),
  shardCount: fc.integer({ min: 1, max: 3 }),
  batchRecordsMax: fc.integer({ min: 1, max: 4 }),
  pendingRecordsMax: fc.integer({ min: 1, max: 6 }),
})

function buildJournals(scripts: Scenario['journals']) {
  return scripts.map((script, j) => {
    const id = `j${j}`
    let ts = 0
    const records = script.map((r, i): CommitRecord => {
      ts += r.step
      const writes = r.writes.map(([key, value]) => ({ key, value: value && `${id}.${i + 1}` }))
      return { journalId: id, seq: i + 1, commitTs: ts, txId: `${id}-${i + 1}`, writes }
    })
    return new ScriptedJournal(id, records)
  })
}
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never

function runScenario(s: Scenario): void {
  const journals = buildJournals(s.journals)
  journals.forEach((j, i) => j.deliver(s.durableAtStart[i] ?? 0))
  const mergedClosed = () => Math.min(...journals.map((j) => j.closed))
  const clock = new SimClock()
  const shards = Array.from({ length: s.shardCount }, (_, id) => {
    const inner = openSqliteShard({ id, path: ':memory:', timers: clock })
    return new RecordingShard(inner, mergedClosed)
  })
  const shardOf = tableShardOf(s.shardCount)
  const config = { batchRecordsMax: s.batchRecordsMax, pendingRecordsMax: s.pendingRecordsMax }
  const open = () => {
    const c = createCrossbar({ journals, shards, shardOf, config })
    c.start()
    return c
  }
  let crossbar = open()
  try {
    for (const e of s.events) {
      const journal = journals[e.journal % journals.length] as ScriptedJournal
      if (e.kind === 'deliver') journal.deliver(e.amount)
      else if (e.kind === 'close') journal.publishClosed(e.fraction)
      else {
        crossbar.close()
        crossbar = open()
      }
      expect(crossbar.frontier()).toBeLessThanOrEqual(Math.max(mergedClosed(), 0))
    }
    // Drain: everything durable, then closed timestamps until the crossbar has caught up.
    for (const j of journals) j.deliver(j.records.length)
    const endTs = Math.max(...journals.map((j) => j.records.at(-1)?.commitTs ?? 0)) + 1
    for (let round = 0; round < 100 && crossbar.frontier() < endTs; round++) {
      for (const j of journals) j.publishClosed(1)
    }
    expect(crossbar.frontier()).toBeGreaterThanOrEqual(endTs)
    checkApplied(journals, shards, shardOf)
  } finally {
    crossbar.close()
    for (const shard of shards) shard.close()
  }
}

function checkApplied(
  journals: readonly ScriptedJournal[],
  shards: readonly RecordingShard[],
  shardOf: (key: string) => number,
): void {
  const union = journals
    .flatMap((j) => j.records)
    .sort((a, b) => a.commitTs - b.commitTs || (a.journalId < b.journalId ? -1 : 1))
  shards.forEach((shard, i) => {
    expect(shard.applied.map((r) => `${r.journalId}:${r.seq}`)).toEqual(
      union.map((r) => `${r.journalId}:${r.seq}`),
    )
    shard.applied.forEach((r, n) => {
      const writes = (union[n] as CommitRecord).writes.filter((w) => shardOf(w.key) === i)
      expect(r.writes).toEqual(writes)
    })
  })
  // Reads at every timestamp see exactly the commits at or below it.
  const storage = new ShardedStorage(shards, shardOf)
  const lastTs = union.at(-1)?.commitTs ?? 0
  for (let ts = 0; ts <= lastTs; ts++) {
    const model = new Map<string, string | null>()
    for (const r of union.filter((c) => c.commitTs <= ts)) {
      for (const w of r.writes) model.set(w.key, w.value)
    }
    const expected = [...model]
      .filter(([, v]) => v !== null)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ key, value }))
    expect([...storage.scan({ start: '', end: 'ff' }, ts)]).toEqual(expected as KeyValue[])
  }
}

describe('crossbar merge', () => {
  test('applies the sorted union of all journals, never above the merged closed timestamp', () => {
    fc.assert(fc.property(scenarioArb, runScenario), { numRuns: 150 })
  })
})

describe('takeMerged', () => {
  test('takes exactly the records at or below the frontier, in (commitTs, journalId) order', () => {
    const queuesArb = fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 8 }), {
      maxLength: 4,
    })
    fc.assert(
      fc.property(queuesArb, fc.integer({ min: 0, max: 30 }), (steps, frontier) => {
        const queues = steps.map((queue, j) => {
          let ts = 0
          return queue.map((step) => ({ journalId: `j${j}`, commitTs: (ts += step) }))
        })
        expectSortedUnion(queues, frontier)
      }),
      { numRuns: 500 },
    )
  })

  test('with many journals (the heap merge) the order is the same sorted union', () => {
    // Small steps make equal commitTs across journals common, so ties by journalId are exercised.
    const queuesArb = fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 12 }), {
      minLength: MERGE_HEAP_QUEUES_MIN,
      maxLength: 40,
    })
    fc.assert(
      fc.property(queuesArb, fc.integer({ min: 0, max: 30 }), (steps, frontier) => {
        const queues = steps.map((queue, j) => {
          let ts = 0
          const id = `j${String(j).padStart(2, '0')}`
          return queue.map((step) => ({ journalId: id, commitTs: (ts += step + 1) }))
        })
        expectSortedUnion(queues, frontier)
      }),
      { numRuns: 300 },
    )
  })
})

/** takeMerged takes exactly the records at or below the frontier, in (commitTs, journalId)
 * order, and leaves the rest in their queues. */
function expectSortedUnion(queues: { journalId: string; commitTs: number }[][], frontier: number): void {
  const all = queues.flat()
  const taken = takeMerged(queues, frontier)
  const expected = all
    .filter((r) => r.commitTs <= frontier)
    .sort((a, b) => a.commitTs - b.commitTs || (a.journalId < b.journalId ? -1 : 1))
  expect(taken).toEqual(expected)
  expect(queues.flat()).toEqual(all.filter((r) => r.commitTs > frontier))
}
