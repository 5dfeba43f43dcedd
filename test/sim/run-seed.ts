// One simulation run (STYLE.md "Determinism"): a seed draws the region's shape, the fault rates,
// the crash points and the workload; the bank checkers judge every snapshot and every restart.
import { loadModule } from 'libpg-query'
import { SeededRandom } from '../../server/clock/index.ts'
import {
  BankModel,
  CheckFailure,
  drawMix,
  EXPECTED_CODES,
  fullCheck,
  setupBank,
  traceOf,
  type ClientMix,
} from './bank.ts'
import { drive, spawnClients, throwFailures } from './drive.ts'
import { drawConfig, World, type WorldConfig, type WrongReads } from './world.ts'

export interface SeedOptions {
  /** Virtual milliseconds of workload (faults included) before the final checks. */
  readonly virtualMs?: number
  /** Sabotage for the checkers' own test (see World). */
  readonly loseSyncedTail?: boolean
  /** Sabotage for the real-time checkers' own test (see World). */
  readonly wrongReads?: WrongReads
  /** Overrides of the drawn region shape and faults (repro scripts narrow a failure with it). */
  readonly config?: Partial<WorldConfig>
}

export interface SeedResult {
  readonly seed: number
  readonly ok: boolean
  /** What broke, with enough context to start debugging; undefined when ok. */
  readonly failure?: string
  /** Hash of everything observable about the run; equal for equal seeds (determinism). */
  readonly trace: string
  readonly stats: {
    readonly config: WorldConfig
    readonly clients: number
    readonly accounts: number
    readonly crashes: number
    readonly keptStorage: number
    readonly acked: number
    readonly absent: number
    readonly checks: number
    /** Snapshots whose real-time cut was read back (bank.ts realTimeCheck). */
    readonly realTimeChecks: number
    readonly ops: number
    readonly virtualMs: number
    readonly realMs: number
    readonly errorCodes: Record<string, number>
  }
}

/** Virtual time without a finished client operation that counts as stuck. */
const STUCK_MS = 10_000

/** Runs one seed to the end or to its first failure; never throws for a failure. */
export async function runSeed(seed: number, options: SeedOptions = {}): Promise<SeedResult> {
  // The parser's WebAssembly loads with real I/O on first use; virtual time must not run while
  // it does (the run would then depend on the host's speed).
  await loadModule()
  const started = performance.now()
  const random = new SeededRandom(seed)
  // Garbage collection comes from a stream of its own, so every other draw of a seed stays what
  // it was before GC was drawn. Ages of 150-1,500 virtual ms: runs last several of them.
  const gcRandom = new SeededRandom(seed ^ 0x6c_9a5e)
  const gc = gcRandom.next() < 0.5 ? undefined : {
    txAgeMsMax: 150 + gcRandom.int(1_351),
    stepMs: 1 + gcRandom.int(50),
    versionsMax: 1 + gcRandom.int(64),
  }
  // A full disk for a while, from a stream of its own too: the journals' appends fail (the write
  // in flight 40003, later ones 53100), each cuts its failed write and closes again at once, and
  // takes commits again once it finds room. Storage here is not on the simulated disk.
  const fullRandom = new SeededRandom(seed ^ 0xd15c_f011)
  const diskFull = fullRandom.next() < 0.3
    ? { atMs: fullRandom.int(1_000), forMs: 50 + fullRandom.int(2_000), roomBytes: fullRandom.int(8_192) }
    : undefined
  const config = { ...drawConfig(random), gc, ...options.config }
  const { loseSyncedTail, wrongReads } = options
  const world = new World(seed, config, { loseSyncedTail, wrongReads })
  const accounts = 2 + random.int(11)
  const model = new BankModel(accounts, () => world.sim.wallMs())
  const clients = 2 + random.int(7)
  const mix = drawMix(random, 10)
  const virtualMs = options.virtualMs ?? 400 + random.int(800)
  // Bounds the work (and the audit table a full check reads) when fsyncs take no time.
  const opsMax = 300 + random.int(1200)
  const crashAts = Array.from({ length: random.int(5) }, () => random.int(virtualMs))
  crashAts.sort((a, b) => a - b)
  const doubleCrashProbability = random.next() * 0.3
  const events: unknown[] = []
  const failures: unknown[] = []
  const onUnhandled = (e: unknown) => void failures.push(e)
  process.on('unhandledRejection', onUnhandled)
  let crashes = 0
  let keptStorage = 0
  const runner = new Runner(world, model, random, mix, clients, failures, diskFull === undefined ? undefined : new Set([...EXPECTED_CODES, '53100']))
  let full: 'before' | 'filled' | 'freed' = 'before'
  try {
    world.start()
    world.setFaults({ ...config.faults, syncFailureProbability: 0 })
    await runner.drive(setupBank(world.process.qp, model), 'setup')
    world.setFaults(config.faults)
    const t0 = world.sim.wallMs()
    runner.startClients()
    let lastOps = 0
    let lastProgressMs = t0
    while (world.sim.wallMs() - t0 < virtualMs && model.ops < opsMax) {
      await world.step()
      runner.throwFailures()
      const elapsed = world.sim.wallMs() - t0
      if (diskFull !== undefined && full === 'before' && elapsed >= diskFull.atMs) {
        full = 'filled'
        world.setFaults({ ...config.faults, capacityBytes: world.usedBytes() + diskFull.roomBytes })
      } else if (diskFull !== undefined && full === 'filled' && elapsed >= diskFull.atMs + diskFull.forMs) {
        full = 'freed'
        world.setFaults(config.faults)
      }
      if (world.syncFailed) runner.restartRequested = true
      if (runner.restartRequested || (crashAts[0] !== undefined && elapsed >= crashAts[0])) {
        if (!runner.restartRequested) crashAts.shift()
        const report = await runner.crashAndRecover(doubleCrashProbability)
        crashes += report.crashes
        keptStorage += report.kept
        events.push(report)
        lastProgressMs = world.sim.wallMs()
      }
      if (model.ops !== lastOps) {
        lastOps = model.ops
        lastProgressMs = world.sim.wallMs()
      } else if (world.sim.wallMs() - lastProgressMs > STUCK_MS) {
        throw new CheckFailure(`no client operation finished for ${STUCK_MS} virtual ms`)
      }
    }
    // A run that ends while the disk is full frees it first: clients stopping must finish.
    if (full === 'filled') world.setFaults(config.faults)
    await runner.stopClients()
    if (!world.syncFailed) await runner.drive(fullCheck(world.process.qp, model), 'final check')
    // A last crash: everything acknowledged must survive it, and every unknown outcome resolves.
    const report = await runner.crashAndRecover(0)
    crashes += report.crashes
    keptStorage += report.kept
    events.push(report)
    const ok = model.maybe.size === 0 && model.inflight.size === 0
    if (!ok) throw new CheckFailure('unknown outcomes left after the final restart')
    return result(true, undefined)
  } catch (e) {
    return result(false, describe(e))
  } finally {
    process.off('unhandledRejection', onUnhandled)
    world.dispose()
  }

  function result(ok: boolean, failure: string | undefined): SeedResult {
    const trace = traceOf(events, model, world.sim.wallMs(), failure)
    return {
      seed,
      ok,
      failure,
      trace,
      stats: {
        config,
        clients,
        accounts,
        crashes,
        keptStorage,
        acked: model.acked.size,
        absent: model.absent.size,
        checks: model.checks,
        realTimeChecks: model.realTimeChecks,
        ops: model.ops,
        virtualMs,
        realMs: Math.round(performance.now() - started),
        errorCodes: Object.fromEntries(model.errorCodes),
      },
    }
  }
}

/** Drives the world for one run: client tasks, crashes with recovery checks, bounded waits. */
class Runner {
  readonly #world: World
  readonly #model: BankModel
  readonly #random: SeededRandom
  readonly #mix: ClientMix
  readonly #clients: number
  readonly #failures: unknown[]
  /** What a healthy process may answer (the default unless the disk is full for a while). */
  readonly #expectedCodes: ReadonlySet<string> | undefined
  #tasks: Promise<void>[] = []
  #stopping = false
  restartRequested = false

  constructor(
    world: World,
    model: BankModel,
    random: SeededRandom,
    mix: ClientMix,
    clients: number,
    failures: unknown[],
    expectedCodes: ReadonlySet<string> | undefined,
  ) {
    this.#world = world
    this.#model = model
    this.#random = random
    this.#mix = mix
    this.#clients = clients
    this.#failures = failures
    this.#expectedCodes = expectedCodes
  }

  /** Steps the world until `promise` settles; a bounded wait (a hang is a failure). */
  drive<T>(promise: Promise<T>, what: string, maxVirtualMs = 60_000): Promise<T> {
    return drive(this.#world, this.#failures, promise, what, maxVirtualMs)
  }

  throwFailures(): void {
    throwFailures(this.#world, this.#failures)
  }

  startClients(): void {
    const proc = this.#world.process
    const env = {
      qp: proc.qp,
      alive: () => proc.alive,
      sleep: (ms: number) => proc.clock.sleep(ms),
      unhealthy: () => this.#world.syncFailed,
      stopping: () => this.#stopping,
      ...(this.#expectedCodes === undefined ? {} : { expectedCodes: this.#expectedCodes }),
      // With GC on, checks hold their snapshots while versions below them become garbage: each
      // read well inside the age limit, the whole check mostly inside it too.
      ...(this.#world.config.gc === undefined ? {} : { holdMsMax: Math.floor(this.#world.config.gc.txAgeMsMax / 16) }),
    }
    this.#tasks = spawnClients(env, this.#clients, this.#model, this.#random, this.#mix, this.#failures)
  }

  async stopClients(): Promise<void> {
    this.#stopping = true
    await this.drive(Promise.all(this.#tasks), 'stopping the clients')
  }

  /** Crash, maybe crash again during recovery, then check everything and resolve unknowns. */
  async crashAndRecover(
    doubleCrashProbability: number,
  ): Promise<{ crashes: number; kept: number; at: number }> {
    this.restartRequested = false
    const at = this.#world.sim.wallMs()
    let crashes = 0
    let kept = 0
    for (;;) {
      await this.#world.kill()
      this.#model.crashed()
      crashes++
      if (this.#world.restart().keptStorage) kept++
      if (this.#random.next() >= doubleCrashProbability) break
      // Crash again while the crossbar may still be replaying.
      for (let i = this.#random.int(20); i > 0; i--) await this.#world.step(1)
    }
    const check = fullCheck(this.#world.process.qp, this.#model)
    const present = await this.drive(check, 'recovery check')
    this.#model.resolve(present)
    if (!this.#stopping) this.startClients()
    return { crashes, kept, at }
  }
}

function describe(e: unknown): string {
  if (e instanceof CheckFailure) return `check failed: ${e.message}`
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack ?? ''}`
  return String(e)
}
