// One run of the cluster simulation (STYLE.md "Determinism"; ARCHITECTURE.md "Multi-region"): a
// seed draws the cluster's shape, the link and disk faults, a schedule of partitions and crashes,
// and bank clients in both full regions; the bank checkers judge every snapshot in every region.
import { loadModule } from 'libpg-query'
import { SeededRandom } from '../../server/clock/index.ts'
import { isSqlError } from '../../server/errors/index.ts'
import type { QueryProcessor } from '../../server/qp/index.ts'
import { generationJournalId, journalDir, parseJournalId } from '../../server/region/index.ts'
import {
  BankModel,
  CheckFailure,
  drawMix,
  fullCheck,
  setupBank,
  traceOf,
  type ClientMix,
  type Reader,
} from './bank.ts'
import { drive, spawnClients, throwFailures } from './drive.ts'
import {
  ClusterWorld,
  drawClusterConfig,
  FULL,
  NAMES,
  WITNESS,
  type ClusterConfig,
  type FullName,
  type RegionName,
} from './cluster-world.ts'

export interface ClusterSeedOptions {
  /** Virtual milliseconds of workload (faults included) before healing and the final checks. */
  readonly virtualMs?: number
  /** Overrides of the drawn cluster shape and faults (repro scripts narrow a failure with it). */
  readonly config?: Partial<ClusterConfig>
  /** Overrides of the drawn fault schedule (a repro replays exactly the events it needs). */
  readonly events?: readonly FaultEvent[]
  /** Prints each fault event and phase as it happens. */
  readonly verbose?: boolean
  /** Called with the world before it opens (repro scripts attach tracing). */
  readonly onWorld?: (world: ClusterWorld) => void
  /** Sabotage for the checkers' own test (see ClusterWorld). */
  readonly loseSyncedTail?: boolean
  /** The share of seeds that run several hand-back cycles in a row (default
   * HAND_BACK_CYCLES_SHARE; 1: every seed). */
  readonly handBackCyclesShare?: number
}

/** One scheduled fault: it starts `atMs` into the workload and ends `forMs` later (a kill ends
 * with a restart; `forMs` undefined keeps it until the final heal). */
export type FaultEvent =
  | { readonly kind: 'isolate'; readonly atMs: number; readonly forMs?: number; readonly region: RegionName }
  | {
      readonly kind: 'partition'
      readonly atMs: number
      readonly forMs?: number
      readonly a: RegionName
      readonly b: RegionName
    }
  | {
      readonly kind: 'kill'
      readonly atMs: number
      readonly forMs?: number
      readonly region: RegionName
      /** Part of a hand-back cycle: the workload runs on until it happened. */
      readonly cycle?: true
    }
  | { readonly kind: 'clog'; readonly atMs: number; readonly forMs: number; readonly region: RegionName }

export interface ClusterSeedResult {
  readonly seed: number
  readonly ok: boolean
  /** What broke, with enough context to start debugging; undefined when ok. */
  readonly failure?: string
  /** Hash of everything observable about the run; equal for equal seeds (determinism). */
  readonly trace: string
  readonly stats: {
    readonly config: ClusterConfig
    readonly events: readonly FaultEvent[]
    readonly clients: number
    readonly accounts: number
    readonly kills: number
    readonly acked: number
    /** Transfers acknowledged while a full region was down (the survivor failed it over). */
    readonly ackedDegraded: number
    readonly absent: number
    readonly checks: number
    /** Snapshots whose real-time cut was read back (bank.ts realTimeCheck). */
    readonly realTimeChecks: number
    readonly ops: number
    readonly virtualMs: number
    /** Regions that got their partitions back in a new journal generation (each time). */
    readonly handBacks: number
    /** Old generations retired, summed over the regions (each region counts its own). */
    readonly retired: number
    /** Of those, generations some journal of which held records (a full region with storage in
     * memory retires only empty ones: it replays the rest at every start). */
    readonly retiredNonEmpty: number
    /** Regions failed over (each time, counted at the region that decided it). */
    readonly failovers: number
    /** Of those, failovers decided by a region that had got its partitions back before: the heir
     * lost after a hand-back, which stopped commits everywhere before hand-back existed. */
    readonly failoversAfterHandBack: number
    /** Virtual ms from the final heal until both full regions served reads and writes. */
    readonly convergeMs: number
    readonly realMs: number
    readonly errorCodes: Record<string, number>
  }
}

/** Virtual time without a finished client operation that counts as stuck. */
const STUCK_MS = 20_000
/** After the final heal, both full regions must serve again within this (virtual ms). */
const CONVERGE_MS = 30_000
/** Quiet time after convergence before the final comparison (late retransmissions land). */
const SETTLE_MS = 2_000
/** After convergence, old generations must be retired within this (virtual ms): a few compactions
 * (each at most 2 s apart), seal announcements (every second) and a hand-back (asked every second). */
const RETIRE_MS = 15_000
/** Answers a healthy cluster may give a client during faults: a conflict, an unknown outcome, a
 * region that cannot prove its snapshot current (or owns no route to a partition), a statement
 * that timed out waiting for the frontier. */
const EXPECTED_CODES: ReadonlySet<string> = new Set(['40001', '40003', '57P03', '57014', '72000'])

/** Draws the fault schedule of one run. */
export function drawEvents(random: SeededRandom, virtualMs: number): FaultEvent[] {
  const events: FaultEvent[] = []
  const count = random.int(8)
  const region = (): RegionName => NAMES[random.int(NAMES.length)] as RegionName
  for (let i = 0; i < count; i++) {
    const atMs = random.int(virtualMs)
    // Some faults outlast the workload: only the final heal ends them.
    const forMs = random.next() < 0.2 ? undefined : 50 + random.int(3_000)
    const r = random.next()
    if (r < 0.25) events.push({ kind: 'isolate', atMs, forMs, region: region() })
    else if (r < 0.45) {
      const a = region()
      const others = NAMES.filter((n) => n !== a)
      events.push({ kind: 'partition', atMs, forMs, a, b: others[random.int(2)] as RegionName })
    } else if (r < 0.85) events.push({ kind: 'kill', atMs, forMs, region: region() })
    else events.push({ kind: 'clog', atMs, forMs: forMs ?? 500, region: region() })
  }
  return events.sort((x, y) => x.atMs - y.atMs)
}

/**
 * A hand-back cycle, added to the schedule of half the seeds: full region `region` is killed for
 * long enough to be failed over, restarts (and asks for its partitions back), and a while later the
 * other full region, its heir, is killed too, so the returned region must fail the heir over in
 * its turn (before hand-back it could not: its journals stayed sealed). Drawn from a stream of its
 * own, so every other draw of a seed stays what it was.
 */
export function drawHandBackCycle(random: SeededRandom, virtualMs: number, failoverAfterMs: number): FaultEvent[] {
  if (random.next() < 0.5) return []
  const region = FULL[random.int(FULL.length)] as FullName
  const heir = FULL.find((r) => r !== region) as FullName
  const atMs = random.int(Math.max(1, Math.floor(virtualMs / 4)))
  // Down past the failover (which seals every journal), then back.
  const downMs = failoverAfterMs + 300 + random.int(1_500)
  // Back long enough to ask for its partitions (once a second) and open its generation, mostly.
  const backMs = 200 + random.int(3_000)
  const heirDownMs = random.next() < 0.3 ? undefined : failoverAfterMs + 500 + random.int(2_000)
  return [
    { kind: 'kill', atMs, forMs: downMs, region, cycle: true },
    { kind: 'kill', atMs: atMs + downMs + backMs, forMs: heirDownMs, region: heir, cycle: true },
  ]
}

/** The share of seeds that run several hand-back cycles in a row (`drawHandBackCycles`): such a
 * seed runs two or three times as long, so CI keeps it to a tenth. */
export const HAND_BACK_CYCLES_SHARE = 0.1

/**
 * Several hand-back cycles in a row, added to the schedule of a share of the seeds (from a stream
 * of their own): the full regions are killed in turn, each down past its failover and back long
 * enough to get its partitions back (it asks once a second) before the other goes, so every
 * region's old generations pile up unless they are retired (retire.ts; `checkRetired`).
 */
export function drawHandBackCycles(random: SeededRandom, virtualMs: number, failoverAfterMs: number, share = HAND_BACK_CYCLES_SHARE): FaultEvent[] {
  if (random.next() >= share) return []
  const count = 2 + random.int(2)
  let region = FULL[random.int(FULL.length)] as FullName
  let atMs = random.int(Math.max(1, Math.floor(virtualMs / 4)))
  const events: FaultEvent[] = []
  for (let i = 0; i < count; i++) {
    const downMs = failoverAfterMs + 500 + random.int(1_000)
    events.push({ kind: 'kill', atMs, forMs: downMs, region, cycle: true })
    atMs += downMs + 1_500 + random.int(1_500)
    region = FULL.find((r) => r !== region) as FullName
  }
  return events
}

/** The schedule: the random faults with one hand-back cycle, or several in a row instead when
 * drawn (the single cycle's heir kill would cut across them). */
function cycles(faults: readonly FaultEvent[], one: readonly FaultEvent[], several: readonly FaultEvent[]): FaultEvent[] {
  return [...faults, ...(several.length > 0 ? several : one)].sort((x, y) => x.atMs - y.atMs)
}

/** Runs one seed to the end or to its first failure; never throws for a failure. */
export async function runClusterSeed(
  seed: number,
  options: ClusterSeedOptions = {},
): Promise<ClusterSeedResult> {
  // The parser's WebAssembly loads with real I/O on first use; virtual time must not run while
  // it does (the run would then depend on the host's speed).
  await loadModule()
  const started = performance.now()
  const random = new SeededRandom(seed)
  // Segment sizes, closed-timestamp leads and age limits come from a stream of their own, so every
  // other draw of a seed (and the seeds kept as regressions) stays what it was before they were.
  const segments = new SeededRandom(seed ^ 0x5e9_3e47)
  const journalSegmentBytesMax = segments.next() < 0.5 ? undefined : 1024 + segments.int(8 * 1024)
  const closedLeadMs = segments.next() < 0.5 ? undefined : segments.int(41)
  const txAgeMsMax = segments.next() < 0.5 ? undefined : 300 + segments.int(1_701)
  // Compactions (which retire old generations) within the run, and in half the seeds storage that
  // outlives a crash as far as it was made durable, so journals and generations really go; again
  // from a stream of their own.
  const retiring = new SeededRandom(seed ^ 0x2e7_12e)
  const compactIntervalMs = 200 + retiring.int(1_801)
  const durableStorage = retiring.next() < 0.5
  const config = { ...drawClusterConfig(random), journalSegmentBytesMax, closedLeadMs, txAgeMsMax, compactIntervalMs, durableStorage, ...options.config }
  const world = new ClusterWorld(seed, config, { loseSyncedTail: options.loseSyncedTail })
  options.onWorld?.(world)
  const accounts = 2 + random.int(9)
  const model = new BankModel(accounts, () => world.sim.wallMs())
  const clientsPerRegion = 1 + random.int(3)
  const mix = drawMix(random, 20)
  const virtualMs = options.virtualMs ?? 2_000 + random.int(6_000)
  const opsMax = 300 + random.int(1_200)
  const events =
    options.events ??
    cycles(
      drawEvents(random, virtualMs),
      drawHandBackCycle(new SeededRandom(seed ^ 0x4a_dbac), virtualMs, config.failoverAfterMs),
      drawHandBackCycles(retiring, virtualMs, config.failoverAfterMs, options.handBackCyclesShare),
    )
  const log: unknown[] = []
  const failures: unknown[] = []
  const onUnhandled = (e: unknown) => {
    // A dead process's disk calls and pending syncs fail; nobody is left to see them.
    if (e instanceof Error && e.message.startsWith('simulated crash')) return
    failures.push(e)
  }
  process.on('unhandledRejection', onUnhandled)
  const say = (line: string) => {
    log.push(line)
    if (options.verbose) console.log(`[${(world.sim.wallMs() - t0).toFixed(1)}] ${line}`)
  }
  let t0 = world.sim.wallMs()
  let kills = 0
  let handBacks = 0
  let retired = 0
  let retiredNonEmpty = 0
  let failovers = 0
  let failoversAfterHandBack = 0
  const handedBack = new Set<string>()
  let ackedDegraded = 0
  let convergeMs = -1
  const runner = new ClusterRunner(world, model, random, mix, clientsPerRegion, failures)
  const observed = world.onClusterEvent
  world.onClusterEvent = (region, event) => {
    observed?.(region, event)
    if (event.kind === 'handed-back' && event.self) {
      handBacks++
      handedBack.add(region)
      say(`${region} owns its partitions again (generation ${event.generation})`)
    }
    if (event.kind === 'failed-over' && event.region !== region && event.by === region) {
      failovers++
      if (handedBack.has(region)) failoversAfterHandBack++
      say(`${region} failed ${event.region} over`)
    }
  }
  try {
    // Setup without loss (an unknown outcome there would leave no bank to check).
    world.net.setDefaultFaults({ delayMs: config.linkFaults.delayMs })
    await runner.drive(Promise.all(NAMES.map((n) => world.open(n))), 'opening the cluster')
    await runner.drive(setupBank(runner.qp('east'), model, 5), 'setup')
    // West reads the accounts east created (commit wait plus read-at-timestamp).
    const setupCheck = fullCheck(runner.qp('west'), model, runner.reader('west'))
    await runner.drive(setupCheck, 'setup check in west')
    world.net.setDefaultFaults(config.linkFaults)
    t0 = world.sim.wallMs()
    for (const name of FULL) runner.startClients(name)

    // Faults in force: partitions and isolations end at their time; a heal re-applies the rest.
    const cuts: { until: number; apply: () => void; what: string }[] = []
    const restarts: { at: number; region: RegionName }[] = []
    const pending = [...events]
    let lastOps = 0
    let lastProgressMs = t0
    const reapply = () => {
      world.net.heal()
      for (const c of cuts) c.apply()
    }
    // A hand-back cycle runs, whatever the workload's bounds, until its heir was lost long enough
    // to be failed over (bounded: the cycle's events are).
    const cycleEndMs = Math.max(0, ...events.map((e) => (e.kind === 'kill' && e.cycle === true ? e.atMs + config.failoverAfterMs + 2_000 : 0)))
    while ((world.sim.wallMs() - t0 < virtualMs && model.ops < opsMax) || world.sim.wallMs() - t0 < cycleEndMs) {
      const ackedBefore = model.acked.size
      await world.step()
      runner.throwFailures()
      if (FULL.some((n) => world.region(n) === undefined)) {
        ackedDegraded += model.acked.size - ackedBefore
      }
      const now = world.sim.wallMs()
      const elapsed = now - t0
      while (pending[0] !== undefined && pending[0].atMs <= elapsed) {
        const e = pending.shift() as FaultEvent
        const until = e.forMs === undefined ? Infinity : now + e.forMs
        say(`fault ${JSON.stringify(e)}`)
        if (e.kind === 'isolate') {
          cuts.push({ until, apply: () => world.net.isolate(e.region), what: `isolate ${e.region}` })
          reapply()
        } else if (e.kind === 'partition') {
          cuts.push({ until, apply: () => world.net.partition(e.a, e.b), what: `cut ${e.a}-${e.b}` })
          reapply()
        } else if (e.kind === 'clog') {
          world.net.clog(e.region, e.forMs)
        } else if (world.proc(e.region) !== undefined) {
          await world.kill(e.region)
          if (e.region !== 'wit') model.crashed(e.region)
          kills++
          if (until !== Infinity) restarts.push({ at: until, region: e.region })
        }
      }
      if (cuts.some((c) => c.until <= now)) {
        for (const c of cuts.filter((c) => c.until <= now)) say(`heal ${c.what}`)
        cuts.splice(0, cuts.length, ...cuts.filter((c) => c.until > now))
        reapply()
      }
      for (const r of restarts.filter((r) => r.at <= now)) {
        restarts.splice(restarts.indexOf(r), 1)
        say(`restart ${r.region}`)
        runner.restart(r.region)
      }
      if (model.ops !== lastOps) {
        lastOps = model.ops
        lastProgressMs = now
      } else if (now - lastProgressMs > STUCK_MS) {
        throw new CheckFailure(`no client operation finished for ${STUCK_MS} virtual ms`)
      }
    }

    // The final heal: every link back, every dead region restarted, no more loss.
    say('final heal')
    cuts.length = 0
    world.net.heal()
    world.net.setDefaultFaults({ delayMs: config.linkFaults.delayMs, jitterMs: config.linkFaults.jitterMs })
    for (const name of NAMES) {
      if (world.proc(name) === undefined) runner.restart(name)
    }
    await runner.stopClients()
    convergeMs = await converge('after the final heal')
    await finalChecks(true)
    await checkRetired('after the final heal')
    // Power lost everywhere at once: what every region acknowledged is on a majority of disks.
    say('power loss in every region')
    for (const name of NAMES) await world.kill(name)
    kills += NAMES.length
    for (const name of NAMES) runner.restart(name)
    await converge('after the power loss')
    await finalChecks(false)
    await checkRetired('after the power loss')
    if (model.inflight.size > 0) throw new CheckFailure('transfers still in flight after the run')
    return result(true, undefined)
  } catch (e) {
    return result(false, describe(e))
  } finally {
    process.off('unhandledRejection', onUnhandled)
    await world.dispose()
  }

  /** Waits (bounded) until both full regions read and commit; returns how long it took. */
  async function converge(what: string): Promise<number> {
    const from = world.sim.wallMs()
    for (const name of FULL) await runner.serves(name, from + CONVERGE_MS)
    const ms = world.sim.wallMs() - from
    say(`both full regions serve ${what}, ${ms.toFixed(0)} ms`)
    await runner.drive(world.sim.sleep(SETTLE_MS), 'settling')
    return ms
  }

  /**
   * Old generations are retired (server/region/retire.ts) once the cluster is quiet and connected:
   * within a bounded wait, each full region merges at most the journals of one generation per
   * full region plus one more (each region's newest, and one being retired), and every region
   * holds no more than that (a full region whose storage lives in memory keeps every generation
   * it applied: only a copy made durable lets one go); no journal directory is left of a journal a
   * region does not hold. Counts the generations retired.
   */
  async function checkRetired(what: string): Promise<void> {
    const bound = (FULL.length + 1) * config.journalCount
    const excess = (): string | undefined => {
      for (const name of NAMES) {
        const proc = world.proc(name)
        const journals = proc?.region?.journals() ?? proc?.witness?.journals()
        if (journals === undefined) return `${name} is not running`
        const merged = proc?.region?.journals().merged ?? []
        if (merged.length > bound) return `${name} merges ${merged.length} journals: ${merged.join(' ')}`
        if ((name === WITNESS || config.durableStorage === true) && journals.held.length > bound) {
          return `${name} holds ${journals.held.length} journals: ${journals.held.join(' ')}`
        }
      }
      return undefined
    }
    const deadline = world.sim.wallMs() + RETIRE_MS
    while (excess() !== undefined && world.sim.wallMs() < deadline) await runner.drive(world.sim.sleep(100), 'retiring')
    const left = excess()
    if (left !== undefined) throw new CheckFailure(`old generations not retired ${RETIRE_MS} virtual ms ${what}: ${left}`)
    for (const name of NAMES) {
      const proc = world.proc(name)
      const held = new Set((proc?.region?.journals() ?? proc?.witness?.journals())?.held)
      const stray = journalDirs(world, name, held)
      if (stray.length > 0) throw new CheckFailure(`${name} keeps files of journals it no longer holds ${what}: ${stray.join(' ')}`)
    }
    let count = 0
    let nonEmpty = 0
    for (const name of NAMES) {
      const bytes = world.disk(name).readFile(`/mem/${name}/cluster-state.json`)
      const state = bytes === undefined ? {} : (JSON.parse(new TextDecoder().decode(bytes)) as { retired?: Record<string, { below: number; sealTs: number }> })
      for (const record of Object.values(state.retired ?? {})) {
        count += record.below
        if (record.sealTs > 0) nonEmpty += record.below
      }
    }
    retired = Math.max(retired, count)
    retiredNonEmpty = Math.max(retiredNonEmpty, nonEmpty)
    say(`old generations retired ${what}: ${count}`)
  }

  /** Every region: every acknowledged transfer, the exact total, balances from the audit; and
   * the same rows everywhere (one order of commits). The first resolves unknown outcomes. */
  async function finalChecks(resolve: boolean): Promise<void> {
    const check = (name: FullName) => fullCheck(runner.qp(name), model, runner.reader(name))
    const present = await runner.drive(check('east'), 'final check in east')
    const presentWest = await runner.drive(check('west'), 'final check in west')
    const missing = [...present].filter((id) => !presentWest.has(id))
    const extra = [...presentWest].filter((id) => !present.has(id))
    if (missing.length + extra.length > 0) {
      throw new CheckFailure(
        `the regions disagree on committed transfers: only in east ${JSON.stringify(missing)},` +
          ` only in west ${JSON.stringify(extra)}`,
      )
    }
    const dumps: string[] = []
    for (const n of FULL) dumps.push(await runner.drive(dump(runner.qp(n)), `scan of ${n}`))
    if (dumps[0] !== dumps[1]) {
      throw new CheckFailure(`the regions hold different rows:\neast ${dumps[0]}\nwest ${dumps[1]}`)
    }
    if (resolve) model.resolve(present)
  }

  function result(ok: boolean, failure: string | undefined): ClusterSeedResult {
    const trace = traceOf(log, model, world.sim.wallMs(), failure)
    return {
      seed,
      ok,
      failure,
      trace,
      stats: {
        config,
        events,
        clients: clientsPerRegion * FULL.length,
        accounts,
        kills,
        handBacks,
        retired,
        retiredNonEmpty,
        failovers,
        failoversAfterHandBack,
        acked: model.acked.size,
        ackedDegraded,
        absent: model.absent.size,
        checks: model.checks,
        realTimeChecks: model.realTimeChecks,
        ops: model.ops,
        virtualMs,
        convergeMs: Math.round(convergeMs),
        realMs: Math.round(performance.now() - started),
        errorCodes: Object.fromEntries(model.errorCodes),
      },
    }
  }
}

/** The journal directories on `name`'s disk whose journal it does not hold (of generations 0 to
 * the newest any region holds, per full region). */
function journalDirs(world: ClusterWorld, name: RegionName, held: ReadonlySet<string>): string[] {
  const disk = world.disk(name)
  const journals = world.config.journalCount
  const newest = new Map<string, number>()
  for (const n of NAMES) {
    const proc = world.proc(n)
    for (const id of (proc?.region?.journals() ?? proc?.witness?.journals())?.held ?? []) {
      const parsed = parseJournalId(id)
      if (parsed !== undefined) newest.set(parsed.region, Math.max(newest.get(parsed.region) ?? 0, parsed.n))
    }
  }
  const stray: string[] = []
  for (const region of FULL) {
    for (let g = 0; g <= (newest.get(region) ?? 0); g++) {
      for (let k = 0; k < journals; k++) {
        const id = generationJournalId(region, g, k)
        const dir = journalDir(`/mem/${name}`, id, region !== name)
        if (!held.has(id) && disk.exists(dir)) stray.push(dir)
      }
    }
  }
  return stray
}

/** Every row of both tables, as one string to compare across regions. */
async function dump(qp: QueryProcessor): Promise<string> {
  const tx = await qp.begin({ readOnly: true })
  const accounts = await tx.execute('SELECT * FROM accounts ORDER BY id')
  const audit = await tx.execute('SELECT * FROM audit ORDER BY id')
  await tx.commit()
  return JSON.stringify([accounts.rows, audit.rows])
}

/** Drives the cluster for one run: client tasks per region, restarts, bounded waits. */
class ClusterRunner {
  readonly #world: ClusterWorld
  readonly #model: BankModel
  readonly #random: SeededRandom
  readonly #mix: ClientMix
  readonly #clients: number
  readonly #failures: unknown[]
  /** Client tasks of live incarnations (a dead process's clients hang forever, as it does). */
  readonly #tasks = new Map<RegionName, Promise<void>[]>()
  #stopping = false

  constructor(
    world: ClusterWorld,
    model: BankModel,
    random: SeededRandom,
    mix: ClientMix,
    clients: number,
    failures: unknown[],
  ) {
    this.#world = world
    this.#model = model
    this.#random = random
    this.#mix = mix
    this.#clients = clients
    this.#failures = failures
  }

  qp(name: FullName): QueryProcessor {
    const region = this.#world.region(name)
    if (region === undefined) throw new CheckFailure(`region ${name} is not running`)
    return region.qp
  }

  /** Reads in `name`'s running process: snapshot timestamps only grow within one (a restarted
   * process is a scope of its own). */
  reader(name: FullName): Reader {
    return { region: name, scope: `${name}#${this.#world.proc(name)?.number ?? 'down'}` }
  }

  /** Steps the world until `promise` settles; a bounded wait (a hang is a failure). */
  drive<T>(promise: Promise<T>, what: string, maxVirtualMs = 60_000): Promise<T> {
    return drive(this.#world, this.#failures, promise, what, maxVirtualMs)
  }

  throwFailures(): void {
    throwFailures(this.#world, this.#failures)
  }

  startClients(name: FullName): void {
    const proc = this.#world.proc(name)
    const region = proc?.region
    if (proc === undefined || region === undefined || this.#stopping) return
    const env = {
      qp: region.qp,
      region: name,
      scope: this.reader(name).scope,
      expectedCodes: EXPECTED_CODES,
      alive: () => proc.alive,
      sleep: (ms: number) => proc.clock.sleep(ms),
      unhealthy: () => false,
      stopping: () => this.#stopping,
      // With a short age limit, checks hold their snapshots while GC runs below them.
      ...(this.#world.config.txAgeMsMax === undefined ? {} : { holdMsMax: Math.floor(this.#world.config.txAgeMsMax / 16) }),
    }
    this.#tasks.set(name, spawnClients(env, this.#clients, this.#model, this.#random, this.#mix, this.#failures))
  }

  /** Reopens a killed region in the background; its clients start once it serves. */
  restart(name: RegionName): void {
    this.#tasks.delete(name)
    const opening = this.#world.open(name)
    const number = this.#world.proc(name)?.number
    void opening.then(
      () => {
        if (name !== 'wit') this.startClients(name)
      },
      (e: unknown) => {
        // Killed again while it recovered: that process's failure is nobody's concern.
        if (this.#world.proc(name)?.number === number) this.#failures.push(e)
      },
    )
  }

  async stopClients(): Promise<void> {
    this.#stopping = true
    const live = [...this.#tasks.entries()]
      .filter(([name]) => this.#world.proc(name) !== undefined)
      .flatMap(([, tasks]) => tasks)
    await this.drive(Promise.all(live), 'stopping the clients')
  }

  /** Waits until `name` is open and both reads and commits there (a write that changes nothing). */
  async serves(name: FullName, deadline: number): Promise<void> {
    let last: unknown
    while (this.#world.sim.wallMs() < deadline) {
      const region = this.#world.region(name)
      if (region !== undefined) {
        try {
          await this.drive(probe(region.qp), `probe of ${name}`)
          return
        } catch (e) {
          if (!isSqlError(e) || !EXPECTED_CODES.has(e.code)) throw e
          last = e
        }
      }
      await this.drive(this.#world.sim.sleep(100), 'waiting')
    }
    throw new CheckFailure(
      `region ${name} did not serve within ${CONVERGE_MS} virtual ms of the final heal` +
        (last instanceof Error ? `; last answer: ${last.message}` : ''),
    )
  }
}

async function probe(qp: QueryProcessor): Promise<void> {
  const tx = await qp.begin()
  try {
    await tx.execute('UPDATE accounts SET balance = balance WHERE id = 0')
  } catch (e) {
    tx.rollback()
    throw e
  }
  await tx.commit()
}

function describe(e: unknown): string {
  if (e instanceof CheckFailure) return `check failed: ${e.message}`
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack ?? ''}`
  return String(e)
}
