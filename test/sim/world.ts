// The deterministic simulator of one region (STYLE.md "Determinism"; ARCHITECTURE.md steps 1-5 and
// "Recovery"): real components on a SimDisk, virtual time, and whole-process crashes.
import { mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAdjudicators, type Adjudicators } from '../../server/adjudicator/index.ts'
import {
  Hlc,
  SeededRandom,
  SimClock,
  type Clock,
  type TimerHandle,
  type Timers,
} from '../../server/clock/index.ts'
import { createCrossbar, type Crossbar } from '../../server/crossbar/index.ts'
import { SimDisk, type SimDiskFaults } from '../../server/disk/index.ts'
import { openFileJournal, type Journal } from '../../server/journal/index.ts'
import { createQueryProcessor, type QueryProcessor } from '../../server/qp/index.ts'
import {
  openSqliteShard,
  ShardedStorage,
  tableShardOf,
  type StorageShard,
} from '../../server/storage/index.ts'

/** The shape of the simulated region and its faults; all drawn from the seed by `drawConfig`. */
export interface WorldConfig {
  readonly journalCount: number
  readonly shardCount: number
  readonly partitionCount: number
  readonly heartbeatMs: number
  readonly segmentBytesMax: number
  readonly journalBatchRecordsMax: number
  readonly crossbarBatchRecordsMax: number
  readonly crossbarPendingRecordsMax: number
  readonly faults: SimDiskFaults
  /** Per crash: probability that storage survives (else its files are deleted: full replay). */
  readonly keepStorageProbability: number
  /** Largest step of the wall clock at a restart, either way (ms): the HLC must not go back. */
  readonly restartSkewMs: number
}

/** Draws a region shape and fault rates from `random` (every seed tries a different mix). */
export function drawConfig(random: SeededRandom): WorldConfig {
  const pick = (lo: number, hi: number) => lo + random.int(hi - lo + 1)
  const journalCount = pick(1, 3)
  const syncMin = random.next() < 0.2 ? 0 : pick(0, 2)
  return {
    journalCount,
    shardCount: pick(1, 3),
    partitionCount: pick(journalCount, 8),
    heartbeatMs: pick(2, 30),
    segmentBytesMax: random.next() < 0.5 ? pick(2_000, 20_000) : 64 * 1024 * 1024,
    journalBatchRecordsMax: pick(1, 64),
    crossbarBatchRecordsMax: pick(1, 32),
    crossbarPendingRecordsMax: pick(4, 128),
    faults: {
      syncLatencyMsMin: syncMin,
      syncLatencyMsMax: syncMin + pick(0, 8),
      tornWriteProbability: random.next(),
      badReadProbability: random.next() < 0.3 ? random.next() * 0.02 : 0,
      // A failed fsync fails the journal; the supervisor then restarts the process.
      syncFailureProbability: random.next() < 0.2 ? random.next() * 0.01 : 0,
    },
    keepStorageProbability: random.next(),
    restartSkewMs: random.next() < 0.5 ? 0 : pick(1, 200),
  }
}

/** Wall time and timers of one process: the shared virtual time, its own skew, and nothing of it
 * runs once the process has crashed (its timers are dropped, as a dead process's are). */
class ProcessClock implements Clock, Timers {
  readonly #sim: SimClock
  readonly #offsetMs: number
  readonly #alive: () => boolean
  readonly #onError: (error: unknown) => void

  constructor(sim: SimClock, offsetMs: number, alive: () => boolean, onError: (e: unknown) => void) {
    this.#sim = sim
    this.#offsetMs = offsetMs
    this.#alive = alive
    this.#onError = onError
  }

  wallMs(): number {
    return this.#sim.wallMs() + this.#offsetMs
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#sim.setTimeout(() => {
      if (!this.#alive()) return
      try {
        fn()
      } catch (e) {
        this.#onError(e)
      }
    }, ms)
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms))
  }
}

/** One incarnation of the region process, wired exactly as server/region's openRegion does. */
export interface Process {
  readonly incarnation: number
  readonly qp: QueryProcessor
  readonly clock: ProcessClock
  readonly journals: readonly Journal[]
  readonly shards: readonly StorageShard[]
  readonly crossbar: Crossbar
  readonly adjudicators: Adjudicators
  alive: boolean
}

/** What the last crash did, for the trace. */
export interface CrashReport {
  readonly atMs: number
  readonly keptStorage: boolean
}

/**
 * One region under simulation. Time moves only in `step()`; between steps every microtask runs.
 * A crash kills the process (its timers and disk syncs never fire again), loses unsynced bytes on
 * the SimDisk (maybe tearing them), then keeps or deletes the storage files, and a fresh process
 * recovers from what is left.
 */
export class World {
  readonly sim = new SimClock()
  readonly config: WorldConfig
  readonly #seed: number
  readonly #diskRandom: SeededRandom
  readonly #random: SeededRandom
  #disk: SimDisk
  readonly #storageDir: string
  #process: Process | undefined
  #incarnation = 0
  #offsetMs = 0
  /** Errors raised inside server callbacks (timers), which no caller would see. */
  readonly errors: unknown[] = []

  constructor(seed: number, config: WorldConfig) {
    this.#seed = seed
    this.config = config
    this.#diskRandom = new SeededRandom(seed ^ 0x5eed_d15c)
    this.#random = new SeededRandom(seed ^ 0x0dd_ba11)
    this.#disk = new SimDisk({
      random: this.#diskRandom,
      timers: { sleep: (ms) => this.#diskSleep(ms) },
      faults: config.faults,
    })
    this.#storageDir = join(tmpdir(), `tessera-sim-${process.pid}-${seed}-${worldCount++}`)
    mkdirSync(this.#storageDir, { recursive: true })
  }

  /** The running process (throws between a crash and the restart, which never happens: both are
   * one synchronous step). */
  get process(): Process {
    if (this.#process === undefined) throw new Error('no process')
    return this.#process
  }

  /** Starts the first process. */
  start(): Process {
    this.#process = this.#open()
    return this.#process
  }

  /** Lets every microtask run, then moves virtual time to the next timer (at most `maxMs`). */
  async step(maxMs = 5): Promise<void> {
    await flush()
    const now = this.sim.wallMs()
    const next = this.sim.nextAt()
    const to = next === undefined ? now + maxMs : Math.min(next, now + maxMs)
    this.sim.advance(Math.max(0, to - now))
    await flush()
  }

  /**
   * Crashes the process and starts the next one. Microtasks already queued still run first (the
   * crash lands at the next macrotask boundary), so a commit whose acknowledgement resolved was
   * durable before the power went.
   */
  async crashAndRestart(): Promise<CrashReport> {
    const old = this.process
    old.alive = false
    await flush()
    this.#disk.crash()
    this.#disk = this.#disk.restart()
    // The dead process's handles: unfollow so nothing reaches the old shards, then close them.
    old.crossbar.close()
    old.adjudicators.close()
    for (const shard of old.shards) shard.close()
    const keptStorage = this.#random.next() < this.config.keepStorageProbability
    if (!keptStorage) {
      rmSync(this.#storageDir, { recursive: true, force: true })
      mkdirSync(this.#storageDir, { recursive: true })
    }
    const atMs = this.sim.wallMs()
    // Downtime, and a wall clock that may have stepped either way while the process was down.
    this.sim.advance(this.#random.int(50))
    const skew = this.config.restartSkewMs
    if (skew > 0) this.#offsetMs += this.#random.int(2 * skew + 1) - skew
    this.#process = this.#open()
    return { atMs, keptStorage }
  }

  /** Closes what is open and deletes the storage files. */
  dispose(): void {
    const p = this.#process
    if (p !== undefined) {
      p.alive = false
      p.crossbar.close()
      p.adjudicators.close()
      for (const shard of p.shards) shard.close()
    }
    rmSync(this.#storageDir, { recursive: true, force: true })
  }

  #open(): Process {
    const incarnation = ++this.#incarnation
    const c = this.config
    const state = { alive: true }
    const clock = new ProcessClock(
      this.sim,
      this.#offsetMs,
      () => state.alive,
      (e) => this.errors.push(e),
    )
    const hlc = new Hlc(clock)
    const disk = this.#disk
    const journals: Journal[] = []
    for (let j = 0; j < c.journalCount; j++) {
      const dir = `/mem/sim/journal-${j}`
      disk.mkdirp(dir)
      const config = {
        heartbeatMs: c.heartbeatMs,
        segmentBytesMax: c.segmentBytesMax,
        batchRecordsMax: c.journalBatchRecordsMax,
      }
      journals.push(openFileJournal({ id: `sim/j${j}`, dir, disk, hlc, clock, timers: clock, config }))
    }
    const shards: StorageShard[] = []
    for (let s = 0; s < c.shardCount; s++) {
      const path = join(this.#storageDir, `shard-${s}.sqlite`)
      shards.push(openSqliteShard({ id: s, path, timers: clock }))
    }
    const shardOf = tableShardOf(c.shardCount)
    const storage = new ShardedStorage(shards, shardOf)
    const crossbar = createCrossbar({
      journals,
      shards,
      shardOf,
      config: {
        batchRecordsMax: c.crossbarBatchRecordsMax,
        pendingRecordsMax: c.crossbarPendingRecordsMax,
      },
    })
    crossbar.start()
    const adjudicators = createAdjudicators({
      partitionCount: c.partitionCount,
      owners: journals.map((journal, j) => ({
        id: `sim/a${j}`,
        journal,
        partitions: range(c.partitionCount).filter((p) => p % journals.length === j),
      })),
      hlc,
      clock,
      timers: clock,
    })
    const qp = createQueryProcessor({
      storage,
      commits: adjudicators,
      hlc,
      clock,
      random: new SeededRandom((this.#seed * 31 + incarnation) >>> 0),
      // As openRegion: the merged frontier after asking every journal to close now.
      snapshotTs: () => {
        crossbar.requestFrontier(hlc.now())
        return crossbar.frontier()
      },
    })
    const proc: Process = {
      incarnation,
      qp,
      clock,
      journals,
      shards,
      crossbar,
      adjudicators,
      get alive() {
        return state.alive
      },
      set alive(v: boolean) {
        state.alive = v
      },
    }
    return proc
  }

  /** The disk's fsync latency: a sync started by a process that has since crashed never ends. */
  #diskSleep(ms: number): Promise<void> {
    const incarnation = this.#incarnation
    return new Promise((resolve) =>
      this.sim.setTimeout(() => {
        if (incarnation === this.#incarnation && this.#process?.alive) resolve()
      }, ms),
    )
  }
}

/** Runs every queued microtask (and the ones they queue) before returning. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

let worldCount = 0

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
