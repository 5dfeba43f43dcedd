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
  steadyWallClock,
  tsFromMs,
  type Clock,
  type HlcTimestamp,
  type TimerHandle,
  type Timers,
} from '../../server/clock/index.ts'
import { assert } from '../../server/errors/index.ts'
import { createCrossbar, type Crossbar } from '../../server/crossbar/index.ts'
import { SimDisk, type Disk, type DiskFile, type SimDiskFaults } from '../../server/disk/index.ts'
import { openFileJournal, type Journal } from '../../server/journal/index.ts'
import { createQueryProcessor, type QueryProcessor } from '../../server/qp/index.ts'
import { gcTicker } from '../../server/region/index.ts'
import {
  openSqliteShard,
  ShardedStorage,
  tableShardOf,
  type StorageReader,
  type StorageShard,
} from '../../server/storage/index.ts'
import { flush, stepSim } from './drive.ts'

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
  /** Largest step of the wall clock at a restart (ms). */
  readonly restartSkewMs: number
  /** Whether that step may go backwards too (off by default: see repro-clock-step-back.ts). */
  readonly clockStepsBack: boolean
  /** Garbage collection as openRegion runs it, with a transaction age short enough for a run to
   * pass it (the QP refuses older statements with 72000, the adjudicators abort older commits):
   * a GC step of one shard every `stepMs`, `versionsMax` versions and dead rows at most. */
  readonly gc?: { readonly txAgeMsMax: number; readonly stepMs: number; readonly versionsMax: number } | undefined
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
    // A restart may find the wall clock behind where it was (an NTP step, or an HLC that ran
    // ahead under load); a region must still start above everything it stored.
    clockStepsBack: random.next() < 0.3,
  }
}

/** Wall time and timers of one process: the shared virtual time, its own skew, and nothing of it
 * runs once the process has crashed (its timers are dropped, as a dead process's are). */
export class ProcessClock implements Clock, Timers {
  readonly #sim: SimClock
  readonly #offsetMs: number
  readonly #alive: () => boolean
  readonly #onError: (error: unknown) => void

  constructor(
    sim: SimClock,
    offsetMs: number,
    alive: () => boolean,
    onError: (e: unknown) => void,
  ) {
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
  /** Whether an fsync of the running process failed: its journal then refuses every commit, and
   * a supervisor restarts it (the runner plays the supervisor). */
  syncFailed = false
  /** Errors raised inside server callbacks (timers), which no caller would see. */
  readonly errors: unknown[] = []

  /** A deliberate bug for the checkers' own test: every crash also cuts the last byte of each
   * journal's last segment, durable or not (a disk that loses synced data). */
  readonly #loseSyncedTail: boolean
  /** A deliberate bug for the real-time checkers' own test: what the QP's reads see instead of
   * the snapshot (see WrongReads). */
  readonly #wrongReads: WrongReads | undefined

  constructor(
    seed: number,
    config: WorldConfig,
    options: { loseSyncedTail?: boolean; wrongReads?: WrongReads } = {},
  ) {
    this.#seed = seed
    this.config = config
    this.#loseSyncedTail = options.loseSyncedTail ?? false
    this.#wrongReads = options.wrongReads
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

  /** Where the storage shards' SQLite files live (they survive a crash unless deleted). */
  get storageDir(): string {
    return this.#storageDir
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

  /** Runs microtasks and moves virtual time to the next timer (see stepSim). */
  step(maxMs?: number, minMs?: number): Promise<void> {
    return stepSim(this.sim, maxMs, minMs)
  }

  /**
   * Kills the process. Microtasks already queued still run first (the crash lands at the next
   * macrotask boundary), so a commit whose acknowledgement resolved was durable before the power
   * went. Then the disk loses (or tears) its unsynced bytes.
   */
  async kill(): Promise<void> {
    const old = this.process
    old.alive = false
    await flush()
    this.#disk.crash()
    this.#disk = this.#disk.restart()
    if (this.#loseSyncedTail) this.#cutJournalTails()
    // The dead process's handles: unfollow so nothing reaches the old shards, then close them
    // as a crash would: what sat in a shard's memtable, not yet written to SQLite, is gone (the
    // journals replay it from the positions SQLite holds).
    old.crossbar.close()
    old.adjudicators.close()
    for (const shard of old.shards) shard.close({ flush: false })
  }

  /** Starts the next process on what survived: storage kept or deleted (full replay), after some
   * downtime and with a wall clock that may have stepped either way. */
  restart(options: { clockStepMs?: number; keepStorage?: boolean } = {}): CrashReport {
    assert(!this.process.alive, 'restart without a crash')
    const drawn = this.#random.next() < this.config.keepStorageProbability
    const keptStorage = options.keepStorage ?? drawn
    if (!keptStorage) {
      rmSync(this.#storageDir, { recursive: true, force: true })
      mkdirSync(this.#storageDir, { recursive: true })
    }
    const atMs = this.sim.wallMs()
    this.sim.advance(this.#random.int(50))
    const skew = this.config.restartSkewMs
    if (skew > 0) {
      this.#offsetMs += this.config.clockStepsBack
        ? this.#random.int(2 * skew + 1) - skew
        : this.#random.int(skew + 1)
    }
    this.#offsetMs += options.clockStepMs ?? 0
    this.#process = this.#open()
    return { atMs, keptStorage }
  }

  /** Replaces the disk's fault rates (setup runs without failing syncs). */
  setFaults(faults: SimDiskFaults): void {
    this.#disk.setFaults(faults)
  }

  /** The bytes the disk's files hold (a full-disk phase sets its capacity just above). */
  usedBytes(): number {
    return this.#disk.usedBytes()
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
    this.syncFailed = false
    const disk = watchSyncs(this.#disk, () => {
      if (state.alive) this.syncFailed = true
    })
    const shards: StorageShard[] = []
    for (let s = 0; s < c.shardCount; s++) {
      const path = join(this.#storageDir, `shard-${s}.sqlite`)
      shards.push(openSqliteShard({ id: s, path, timers: clock }))
    }
    // As openRegion: the clock passes storage's stored frontiers before any journal opens.
    for (const shard of shards) hlc.update(shard.frontier())
    const journals: Journal[] = []
    for (let j = 0; j < c.journalCount; j++) {
      const dir = `/mem/sim/journal-${j}`
      disk.mkdirp(dir)
      const config = {
        heartbeatMs: c.heartbeatMs,
        segmentBytesMax: c.segmentBytesMax,
        batchRecordsMax: c.journalBatchRecordsMax,
      }
      const id = `sim/j${j}`
      journals.push(openFileJournal({ id, dir, disk, hlc, clock, timers: clock, config }))
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
      ...(c.gc === undefined ? {} : { config: { txAgeMsMax: c.gc.txAgeMsMax } }),
    })
    // As openRegion: the QP's age check and GC read a wall clock that never steps back.
    const steady = steadyWallClock(clock)
    if (c.gc !== undefined) this.#scheduleGc(clock, steady, shards, c.gc)
    const qp = createQueryProcessor({
      storage: this.#wrongReads === undefined ? storage : wrongReads(storage, this.#wrongReads),
      commits: adjudicators,
      hlc,
      clock: steady,
      timers: clock,
      random: new SeededRandom((this.#seed * 31 + incarnation) >>> 0),
      // As openRegion: the merged frontier after asking every journal to close now.
      snapshotTs: () => {
        crossbar.requestFrontier(hlc.now())
        return crossbar.frontier()
      },
      ...(c.gc === undefined ? {} : { limits: { txAgeMsMax: c.gc.txAgeMsMax } }),
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

  /** As openRegion: a GC tick every `stepMs` (the process's timers stop when it crashes). */
  #scheduleGc(clock: ProcessClock, steady: Clock, shards: readonly StorageShard[], gc: NonNullable<WorldConfig['gc']>): void {
    const tick = gcTicker(shards, { clock: steady, txAgeMsMax: gc.txAgeMsMax, versionsMax: gc.versionsMax, deadRowsMax: gc.versionsMax })
    const loop = () => {
      tick()
      clock.setTimeout(loop, gc.stepMs)
    }
    clock.setTimeout(loop, gc.stepMs)
  }

  #cutJournalTails(): void {
    for (let j = 0; j < this.config.journalCount; j++) {
      const dir = `/mem/sim/journal-${j}`
      const last = this.#disk.list(dir).at(-1)
      if (last === undefined) continue
      const file = this.#disk.open(`${dir}/${last}`)
      if (file.size() > 0) file.truncate(file.size() - 1)
      file.close()
    }
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

/**
 * Reads that break real-time order without breaking a snapshot's totals: `lagging-scans` runs
 * range scans 1 ms below the snapshot (a consistent snapshot, only an older one; point reads stay
 * exact, so transfers lose no update), `latest` runs every read at storage's frontier as it is
 * then (read committed: commits that began after the snapshot show).
 */
export type WrongReads = 'lagging-scans' | 'latest'

/** `storage` as the QP must not see it (World's wrongReads). */
function wrongReads(storage: StorageReader, wrong: WrongReads): StorageReader {
  const at = (ts: HlcTimestamp) =>
    wrong === 'latest' ? storage.frontier() : Math.max(0, ts - tsFromMs(1))
  return {
    waitForFrontier: (ts, timeoutMs) => storage.waitForFrontier(ts, timeoutMs),
    frontier: () => storage.frontier(),
    get: (key, ts) => storage.get(key, wrong === 'latest' ? at(ts) : ts),
    scan: (range, ts, options) => storage.scan(range, at(ts), options),
    lastWriteTs: (tableId) => storage.lastWriteTs(tableId),
    storedBytes: (range, ts) => storage.storedBytes(range, at(ts)),
  }
}

/** `disk` with a callback on every failed fsync (the log line a supervisor would act on). */
function watchSyncs(disk: Disk, onFailure: () => void): Disk {
  const watched = (file: DiskFile): DiskFile => ({
    size: () => file.size(),
    append: (data) => file.append(data),
    sync: () =>
      file.sync().catch((e: unknown) => {
        onFailure()
        throw e
      }),
    read: (offset, length) => file.read(offset, length),
    truncate: (size) => file.truncate(size),
    close: () => file.close(),
  })
  // Every other method passes through (also ones the Disk interface gains later).
  return new Proxy(disk, {
    get(target, property) {
      if (property === 'open') return (path: string) => watched(target.open(path))
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** Runs every queued microtask (and the ones they queue) before returning. */
let worldCount = 0

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
