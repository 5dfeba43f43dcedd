// The crossbar with real file journals and real SQLite file shards (ARCHITECTURE.md steps 4-5):
// commits appended through two journals become readable at exactly their timestamps, and a
// restart replays from the positions storage recorded without applying anything twice.
// Method: journals on SimDisk with SimClock time, shards in a temp directory.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hlc, SeededRandom, SimClock, tsFromMs, type HlcTimestamp } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { encodeKey, type Write } from '../encoding/index.ts'
import { openFileJournal, recordBytes, type Journal, type JournalFollower } from '../journal/index.ts'
import {
  FillableSqlite,
  openSqliteShard,
  ShardedStorage,
  tableShardOf,
  type SqliteShardOptions,
  type StorageShard,
} from '../storage/index.ts'
import { createCrossbar, type Crossbar, type CrossbarConfig, type CrossbarOptions } from './index.ts'

const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

interface Committed {
  readonly commitTs: HlcTimestamp
  readonly writes: readonly Write[]
}

class Region {
  readonly clock = new SimClock()
  readonly hlc = new Hlc(this.clock)
  readonly disk = new SimDisk({
    random: new SeededRandom(7),
    timers: this.clock,
    faults: { syncLatencyMsMin: 1 },
  })
  readonly shardOf = tableShardOf(2)
  readonly committed: Committed[] = []
  journals: Journal[] = []
  shards: StorageShard[] = []
  crossbar: Crossbar | undefined
  /** Values are padded to this many characters (large ones fill SQLite pages). */
  valueChars = 0
  /** Whether the crossbar is told that nothing is appended while a shard cannot write (one
   * region's promise: `CrossbarOptions.assignedTsMax`). */
  appendsStop = false
  /** The crossbar's limits (small counts, so that batching and back-pressure happen). */
  crossbarConfig: CrossbarConfig = { batchRecordsMax: 4, pendingRecordsMax: 16 }
  /** Journals as the crossbar sees them (a test may wrap them to watch its reads). */
  followed: (journal: Journal) => Journal = (journal) => journal
  #txs = 0

  constructor(readonly dir: string) {}

  open(shardOptions: Partial<SqliteShardOptions> = {}): void {
    this.journals = ['a', 'b'].map((id) =>
      openFileJournal({
        id,
        dir: `/data/${id}`,
        disk: this.disk,
        hlc: this.hlc,
        clock: this.clock,
        timers: this.clock,
        config: { heartbeatMs: 5 },
      }),
    )
    this.shards = [0, 1].map((id) =>
      openSqliteShard({ id, path: join(this.dir, `shard-${id}.sqlite`), timers: this.clock, ...shardOptions }),
    )
    this.startCrossbar()
  }

  startCrossbar(joins?: CrossbarOptions['joins']): void {
    this.crossbar = createCrossbar({
      journals: this.journals.map(this.followed),
      shards: this.shards,
      shardOf: this.shardOf,
      config: this.crossbarConfig,
      ...(joins === undefined ? {} : { joins }),
      ...(this.appendsStop ? { assignedTsMax: () => this.hlc.last() } : {}),
    })
    this.crossbar.start()
  }

  /** A journal on this region's disk and clock that no crossbar follows yet. */
  openJournal(id: string): Journal {
    return openFileJournal({ id, dir: `/data/${id}`, disk: this.disk, hlc: this.hlc, clock: this.clock, timers: this.clock, config: { heartbeatMs: 5 } })
  }

  async close(): Promise<void> {
    this.crossbar?.close()
    for (const j of this.journals) await j.close()
    for (const s of this.shards) s.close()
  }

  /** Appends `count` transactions alternately through both journals and waits until durable;
   * three a turn of the event loop, or all in one (`oneTurn`). */
  async commit(count: number, oneTurn = false): Promise<void> {
    const durable: Promise<void>[] = []
    for (let i = 0; i < count; i++) {
      const tx = ++this.#txs
      const writes = [
        { key: encodeKey([BigInt(tx % 4), 1n, BigInt(tx % 5)]), value: `t${tx}`.padEnd(this.valueChars, '.') },
        {
          key: encodeKey([BigInt((tx + 1) % 4), 1n, BigInt(tx % 3)]),
          value: tx % 4 === 0 ? null : `u${tx}`.padEnd(this.valueChars, '.'),
        },
      ]
      const journal = this.journals[tx % 2] as Journal
      const appended = journal.append({ txId: `tx${tx}`, proposedTs: this.hlc.now(), writes })
      this.committed.push({ commitTs: appended.commitTs, writes })
      durable.push(appended.durable)
      if (i % 3 === 0 && !oneTurn) await this.run(1)
    }
    let done = false
    void Promise.all(durable).then(() => (done = true))
    for (let ms = 0; ms < 200 && !done; ms++) await this.run(1)
    expect(done).toBe(true)
  }

  async run(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      this.clock.advance(1)
      await settle()
    }
  }

  /** Every read at every interesting timestamp equals the model built from the commits. */
  checkReads(): void {
    const storage = new ShardedStorage(this.shards, this.shardOf)
    const times = this.committed.flatMap((c) => [c.commitTs - 1, c.commitTs])
    for (const ts of times) {
      const model = new Map<string, string | null>()
      for (const c of this.committed.filter((c) => c.commitTs <= ts)) {
        for (const w of c.writes) model.set(w.key, w.value)
      }
      const live = [...model].filter(([, v]) => v !== null).sort(([a], [b]) => (a < b ? -1 : 1))
      expect([...storage.scan({ start: '', end: 'ff' }, ts)]).toEqual(
        live.map(([key, value]) => ({ key, value: value as string })),
      )
      for (const [key, value] of model) expect(storage.get(key, ts)).toBe(value ?? undefined)
    }
  }
}

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-crossbar-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('crossbar over file journals and SQLite shards', () => {
  test('reads at ts see exactly the commits at or below ts', async () => {
    const region = new Region(dir)
    region.open()
    try {
      await region.commit(30)
      const lastTs = Math.max(...region.committed.map((c) => c.commitTs))
      await region.run(20)
      const storage = new ShardedStorage(region.shards, region.shardOf)
      expect(region.crossbar?.frontier()).toBeGreaterThanOrEqual(lastTs)
      await storage.waitForFrontier(lastTs, 1000)
      region.checkReads()
    } finally {
      await region.close()
    }
  })

  test('a reader asking for a frontier is served before the heartbeat', async () => {
    const region = new Region(dir)
    region.open()
    try {
      await region.commit(3)
      await region.run(10)
      const storage = new ShardedStorage(region.shards, region.shardOf)
      const ts = region.hlc.now()
      let done = false
      void storage.waitForFrontier(ts, 1000).then(() => (done = true))
      region.crossbar?.requestFrontier(ts)
      await settle()
      expect(done).toBe(true)
    } finally {
      await region.close()
    }
  })

  test('withoutApplying: a closed timestamp delivered inside it applies nothing until the next delivery', async () => {
    // The region's keep-alive heartbeats journals from a statement's stack: storage must not
    // change under the statement. Journal b's closed timestamps are held back by a gate here, so
    // a record of journal a waits for one delivered by hand.
    const region = new Region(dir)
    let gated = false
    let bFollower: JournalFollower | undefined
    region.followed = (journal) =>
      journal.id !== 'b' ? journal : new Proxy(journal, {
        get(target, p) {
          if (p === 'follow') {
            return (f: JournalFollower) => {
              bFollower = f
              return target.follow({ onRecords: (r) => f.onRecords(r), onClosed: (ts) => void (gated || f.onClosed(ts)) })
            }
          }
          const v = Reflect.get(target, p)
          return typeof v === 'function' ? v.bind(target) : v
        },
      })
    region.open()
    try {
      await region.commit(3)
      await region.run(10)
      gated = true
      const write = { key: encodeKey([7n, 1n, 1n]), value: 'held' }
      const appended = region.journals[0]!.append({ txId: 'held', proposedTs: region.hlc.now(), writes: [write] })
      await region.run(10)
      await appended.durable
      const storage = new ShardedStorage(region.shards, region.shardOf)
      const before = region.crossbar!.frontier()
      expect(before).toBeLessThan(appended.commitTs)
      region.crossbar!.withoutApplying(() => bFollower!.onClosed(appended.commitTs + 1))
      expect(region.crossbar!.frontier()).toBe(before)
      // The next delivery applies it.
      gated = false
      await region.run(10)
      expect(region.crossbar!.frontier()).toBeGreaterThanOrEqual(appended.commitTs)
      expect(storage.get(write.key, appended.commitTs)).toBe('held')
    } finally {
      await region.close()
    }
  })

  test('a restart replays from stored positions, applying each record once', async () => {
    const region = new Region(dir)
    region.open()
    await region.commit(10)
    await region.run(20)
    // The crossbar stops; the journals go on and make more records durable, unapplied.
    region.crossbar?.close()
    await region.commit(12)
    await region.close()

    region.open()
    try {
      // Shards assert gapless positions, so a record applied twice or skipped would throw here.
      await region.run(20)
      for (const journal of region.journals) {
        for (const shard of region.shards) {
          expect(shard.appliedPositions().get(journal.id)).toBe(journal.lastSeq())
        }
      }
      region.checkReads()
      await region.commit(6)
      await region.run(20)
      region.checkReads()
    } finally {
      await region.close()
    }
  })
})

describe('large records', () => {
  // Goal: a replay of records of many bytes reads them a bounded number of bytes at a time (a
  // restart replaying rows of 3 MB took 1.4 GB at once with reads bounded only by count), and
  // still applies every one exactly once. Method: the crossbar stopped while 40 records of 20 KB
  // are made durable; restarted with room for 1,024 records a read but 50 KB, its reads watched.
  test('a replay reads at most its byte bound (plus one record) at a time, and applies everything', async () => {
    const region = new Region(dir)
    region.valueChars = 10_000
    region.crossbarConfig = { batchRecordsMax: 1024, pendingRecordsMax: 65_536, batchBytesMax: 50_000, pendingBytesMax: 200_000 }
    const readBytes: number[] = []
    region.followed = (journal) =>
      new Proxy(journal, {
        get(target, property) {
          const value = Reflect.get(target, property, target)
          if (property !== 'read') return typeof value === 'function' ? value.bind(target) : value
          return (afterSeq: number, maxRecords: number, bytesMax?: number) => {
            const records = target.read(afterSeq, maxRecords, bytesMax)
            readBytes.push(records.reduce((sum, r) => sum + recordBytes(r), 0))
            return records
          }
        },
      })
    region.open()
    region.crossbar?.close()
    await region.commit(40)
    await region.close()
    region.open()
    try {
      await region.run(50)
      for (const journal of region.journals) {
        for (const shard of region.shards) expect(shard.appliedPositions().get(journal.id)).toBe(journal.lastSeq())
      }
      region.checkReads()
      const recordBytesMax = Math.max(...region.journals.flatMap((j) => j.read(0, 100).map(recordBytes)))
      expect(readBytes.length).toBeGreaterThan(4)
      expect(Math.max(...readBytes)).toBeLessThanOrEqual(50_000 + recordBytesMax)
    } finally {
      await region.close()
    }
  })
})

describe('closeOthersOnRecords', () => {
  // Goal: with the option, a commit in one journal is applied as soon as it is durable, without a
  // reader asking and before the idle journal's heartbeat; without it, it waits for that.
  // Method: two journals on SimDisk (1 ms syncs), heartbeats every 1000 ms, one commit in `a`.
  for (const closeOthersOnRecords of [true, false]) {
    test(`${closeOthersOnRecords ? 'on' : 'off'}: applied ${closeOthersOnRecords ? 'once durable' : 'at the next heartbeat'}`, async () => {
      const clock = new SimClock()
      const hlc = new Hlc(clock)
      const disk = new SimDisk({ random: new SeededRandom(3), timers: clock, faults: { syncLatencyMsMin: 1 } })
      const journals = ['a', 'b'].map((id) =>
        openFileJournal({ id, dir: `/data/${id}`, disk, hlc, clock, timers: clock, config: { heartbeatMs: 1000 } }),
      )
      const shards = [0, 1].map((id) => openSqliteShard({ id, path: ':memory:', timers: clock }))
      const crossbar = createCrossbar({ journals, shards, shardOf: tableShardOf(2), config: { closeOthersOnRecords } })
      crossbar.start()
      try {
        clock.advance(5)
        await settle()
        const appended = (journals[0] as Journal).append({ txId: 't', proposedTs: hlc.now(), writes: [{ key: encodeKey([1n, 1n, 1n]), value: 'v' }] })
        let durable = false
        void appended.durable.then(() => (durable = true))
        for (let ms = 0; ms < 20 && !durable; ms++) {
          clock.advance(1)
          await settle()
        }
        expect(durable).toBe(true)
        for (let i = 0; i < 3; i++) await settle()
        expect(crossbar.frontier() >= appended.commitTs).toBe(closeOthersOnRecords)
        clock.advance(1000)
        await settle()
        expect(crossbar.frontier()).toBeGreaterThanOrEqual(appended.commitTs)
      } finally {
        crossbar.close()
        for (const j of journals) await j.close()
        for (const s of shards) s.close()
      }
    })
  }

})

describe('joins', () => {
  // A journal that joins the merge at a record of another (a region's new generation): the merge
  // stops at that record until the journal is given, then takes the journal's records in order,
  // though they were durable, and closed past, long before.
  test('a journal admitted by a record joins the merge there, missing none of its records', async () => {
    const region = new Region(dir)
    region.journals = ['a', 'b'].map((id) => region.openJournal(id))
    region.shards = [0, 1].map((id) => openSqliteShard({ id, path: join(dir, `shard-${id}.sqlite`), timers: region.clock }))
    let admit: (journals: readonly Journal[]) => void = () => {}
    const admitted = new Promise<readonly Journal[]>((resolve) => (admit = resolve))
    const asked: string[] = []
    region.startCrossbar((record) => {
      if (record.txId !== 'join c') return undefined
      asked.push(record.txId)
      return admitted
    })
    const c = region.openJournal('c')
    try {
      await region.commit(4)
      const a = region.journals[0] as Journal
      const join = a.append({ txId: 'join c', proposedTs: region.hlc.now(), writes: [] })
      await region.run(10)
      // Journal c's records lie above the join record.
      const key = encodeKey([7n, 1n, 1n])
      const late = c.append({ txId: 'in c', proposedTs: region.hlc.now(), writes: [{ key, value: 'from c' }] })
      expect(late.commitTs).toBeGreaterThan(join.commitTs)
      await region.commit(4)
      await region.run(50)
      expect(asked).toEqual(['join c'])
      // The others closed far beyond, but the merge waits at the join record.
      expect(region.crossbar?.frontier()).toBe(join.commitTs)
      admit([c])
      await region.run(20)
      expect(region.crossbar?.frontier()).toBeGreaterThan(late.commitTs)
      const storage = new ShardedStorage(region.shards, region.shardOf)
      expect(storage.get(key, late.commitTs - 1)).toBeUndefined()
      expect(storage.get(key, late.commitTs)).toBe('from c')
      region.committed.push({ commitTs: late.commitTs, writes: [{ key, value: 'from c' }] })
      region.checkReads()
    } finally {
      await region.close()
      await c.close()
    }
  })
})

describe('release', () => {
  // A sealed journal (a failed-over region's old generation) ends at its seal. Goal: once every
  // shard applied it through its end, the crossbar stops following it and the merge no longer
  // waits on it; before that it keeps it. Method: a third journal c gets records, then falls
  // silent (closed: no heartbeat any more, as a journal whose leader is gone); the merge must go
  // on past c's last closed timestamp only once c was released.
  test('a journal applied through its end leaves the merge, which then no longer waits on it', async () => {
    const region = new Region(dir)
    region.journals = ['a', 'b', 'c'].map((id) => region.openJournal(id))
    region.shards = [0, 1].map((id) => openSqliteShard({ id, path: join(dir, `shard-${id}.sqlite`), timers: region.clock }))
    region.startCrossbar()
    const crossbar = region.crossbar as Crossbar
    const c = region.journals[2] as Journal
    try {
      await region.commit(4)
      const key = encodeKey([7n, 1n, 1n])
      const inC = c.append({ txId: 'in c', proposedTs: region.hlc.now(), writes: [{ key, value: 'from c' }] })
      region.committed.push({ commitTs: inC.commitTs, writes: [{ key, value: 'from c' }] })
      await region.run(20)
      // A journal whose end is not applied yet (its last record may still be on its way) stays.
      expect(crossbar.release('c', c.lastSeq() + 1)).toBe(false)
      expect(crossbar.journalIds()).toEqual(['a', 'b', 'c'])
      // A journal showing records past the end it is released at is a caller's bug.
      expect(() => crossbar.release('c', c.lastSeq() - 1)).toThrow(/past its end/)
      await c.close()
      region.journals = region.journals.slice(0, 2)
      await region.commit(4)
      await region.run(20)
      // Silent, c still holds the merge at its last closed timestamp.
      const held = crossbar.frontier()
      expect(held).toBeLessThan((region.committed.at(-1) as Committed).commitTs)
      expect(crossbar.release('c', c.lastSeq())).toBe(true)
      expect(crossbar.journalIds()).toEqual(['a', 'b'])
      expect(crossbar.release('c', c.lastSeq())).toBe(true)
      crossbar.requestFrontier(region.hlc.now())
      await region.run(20)
      expect(crossbar.frontier()).toBeGreaterThan((region.committed.at(-1) as Committed).commitTs)
      region.checkReads()
      // What the shards hold durably is known after a compaction, and only then.
      expect(crossbar.durableThrough('a')).toBe(0)
      crossbar.compact()
      expect(crossbar.durableThrough('a')).toBe((region.journals[0] as Journal).lastSeq())
      expect(crossbar.durableThrough('c')).toBe(c.lastSeq())
    } finally {
      await region.close()
    }
  })
})

describe('a shard that cannot write', () => {
  /** Runs `body` on a region of two journals and SQLite shards that `storage.fill()` makes full
   * (rows of 3,000 characters), then closes it. */
  async function onFillableDisk(
    options: { readonly memtableWritesMax: number; readonly appendsStop?: boolean },
    body: (region: Region, storage: FillableSqlite) => Promise<void>,
  ): Promise<void> {
    const region = new Region(dir)
    const storage = new FillableSqlite()
    region.valueChars = 3000
    region.appendsStop = options.appendsStop === true
    region.open({ openDatabase: storage.open, memtableWritesMax: options.memtableWritesMax, flushMs: 5 })
    try {
      await body(region, storage)
    } finally {
      await region.close()
    }
  }

  // Goal: a shard whose SQLite refuses writes (a full disk) throws nothing into the merge, and the
  // merge stops handing it records once its memtable is full, so memory stays bounded; the
  // journals keep what waits; once it writes again everything is applied, once and in order.
  // Method: real SQLite files made full by their page limit (fillable-sqlite.harness.ts), tiny
  // memtables and crossbar bounds.
  test('stops the merge at its memtable bound and resumes once space is freed', async () => {
    await onFillableDisk({ memtableWritesMax: 4 }, async (region, storage) => {
    await region.commit(6)
    await region.run(20)
    storage.fill()
    await region.commit(60)
    await region.run(200)
    const lastTs = Math.max(...region.committed.map((c) => c.commitTs))
    expect(region.shards.map((s) => s.writeFailure()?.code)).toEqual(['53100', '53100'])
    expect(region.shards.some((s) => !s.canApply())).toBe(true)
    // Stopped well short: a shard took at most its memtable plus one pass of the merge.
    expect(region.crossbar?.frontier()).toBeLessThan(lastTs)
    const applied = Math.min(...region.shards.map((s) => [...s.appliedPositions().values()].reduce((a, b) => a + b, 0)))
    expect(applied).toBeLessThan(6 + 40)
    // Compaction checkpoints nothing and deletes nothing while it lasts, and throws nothing.
    expect(region.crossbar?.compact()).toBe(0)
    storage.free()
    await region.run(1_100)
    expect(region.shards.map((s) => s.writeFailure())).toEqual([undefined, undefined])
    expect(region.crossbar?.frontier()).toBeGreaterThanOrEqual(lastTs)
    for (const journal of region.journals) {
      for (const shard of region.shards) expect(shard.appliedPositions().get(journal.id)).toBe(journal.lastSeq())
    }
    region.checkReads()
    })
  })

  test('with nothing queued, the frontier still moves while the shard cannot write', async () => {
    // Readers' snapshots must move on however long the disk stays full (commits are refused
    // meanwhile), or every read would grow older than the transaction age limit.
    await onFillableDisk({ memtableWritesMax: 1 }, async (region, storage) => {
    await region.commit(2)
    await region.run(20)
    storage.fill()
    await region.commit(1)
    await region.run(20)
    expect(region.shards.some((s) => !s.canApply())).toBe(true)
    const frontier = region.crossbar?.frontier() ?? 0
    await region.run(500)
    expect(region.crossbar?.frontier()).toBeGreaterThan(frontier + tsFromMs(400))
    region.checkReads()
    })
  })

  test('when appends stop meanwhile (one region), it applies what the journals took, past its memtable bound', async () => {
    // One region refuses commits while a shard cannot write, so what comes is what the journals
    // took before the failure: applied, the frontier passes every commit, and no commit a client
    // was told of waits for a disk to be freed.
    await onFillableDisk({ memtableWritesMax: 4, appendsStop: true }, async (region, storage) => {
    await region.commit(6)
    await region.run(20)
    storage.fill()
    // All appended before the shard's first flush fails.
    await region.commit(60, true)
    await region.run(50)
    expect(region.shards.map((s) => s.writeFailure()?.code)).toEqual(['53100', '53100'])
    expect(region.shards.every((s) => !s.canApply())).toBe(true)
    const lastTs = Math.max(...region.committed.map((c) => c.commitTs))
    expect(region.crossbar?.frontier()).toBeGreaterThanOrEqual(lastTs)
    for (const journal of region.journals) {
      for (const shard of region.shards) expect(shard.appliedPositions().get(journal.id)).toBe(journal.lastSeq())
    }
    region.checkReads()
    // The frontier goes on with the clock (readers' snapshots move on).
    await region.run(500)
    region.crossbar?.requestFrontier(region.hlc.now())
    expect(region.crossbar?.frontier()).toBeGreaterThan(lastTs + tsFromMs(400))
    storage.free()
    await region.run(1_100)
    expect(region.shards.map((s) => s.writeFailure())).toEqual([undefined, undefined])
    await region.commit(4)
    await region.run(20)
    region.checkReads()
    })
  })

  test('when appends stop meanwhile, a record appended after the failure began is a bug', async () => {
    await onFillableDisk({ memtableWritesMax: 1, appendsStop: true }, async (region, storage) => {
    await region.commit(2)
    await region.run(20)
    storage.fill()
    await region.commit(1)
    await region.run(20)
    expect(region.shards.some((s) => s.writeFailure() !== undefined)).toBe(true)
    region.journals[0]?.append({ txId: 'late', proposedTs: region.hlc.now(), writes: [] })
    await expect(region.run(20)).rejects.toThrow('journal a seq 2 was appended while a shard could not write')
    })
  })
})
