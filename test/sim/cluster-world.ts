// The deterministic simulator of a cluster (STYLE.md "Determinism"; ARCHITECTURE.md "Multi-region",
// failover included): two full regions and a witness, the real openRegion/openWitness, in one process.
import { SeededRandom, SimClock } from '../../server/clock/index.ts'
import { SimDisk, type SimDiskFaults } from '../../server/disk/index.ts'
import {
  SimNetwork,
  type LinkFaults,
  type PeerMessage,
  type Transport,
} from '../../server/net/index.ts'
import {
  openRegion,
  openWitness,
  parseTopology,
  type ClusterEvent,
  type Region,
  type Topology,
  type Witness,
} from '../../server/region/index.ts'
import { flush, stepSim } from './drive.ts'
import { SimStorage } from './sim-storage.ts'
import { ProcessClock } from './world.ts'

export const FULL = ['east', 'west'] as const
export const WITNESS = 'wit'
export const NAMES = [...FULL, WITNESS] as const
export type FullName = (typeof FULL)[number]
export type RegionName = (typeof NAMES)[number]

/** The cluster's shape and fault rates; all drawn from the seed by `drawClusterConfig`. */
export interface ClusterConfig {
  readonly journalCount: number
  readonly shardCount: number
  readonly partitionCount: number
  readonly failoverAfterMs: number
  /** The topology's clock-error bound; each region's clock is off by at most half of it. */
  readonly clockErrorBoundMs: number
  readonly clockOffsetsMs: Readonly<Record<RegionName, number>>
  /** Faults of every link without its own (delay, jitter, loss). */
  readonly linkFaults: LinkFaults
  readonly disk: SimDiskFaults
  /** Small journal segments, so that whole segments are dropped within a run (a witness drops
   * what every other region holds); the default size otherwise. */
  readonly journalSegmentBytesMax?: number | undefined
  /** The topology's closed-timestamp lead (ms); none when absent. Any value is correct: too
   * short a lead only makes readers wait, too long one makes commits wait. */
  readonly closedLeadMs?: number | undefined
  /** A transaction age limit short enough for a run to pass it (sessions, commits, reads and the
   * storage GC every region runs follow it): versions become garbage within the run. */
  readonly txAgeMsMax?: number | undefined
  /** How often regions compact their journals and retire old generations (ms); the regions'
   * default (a minute, never within a run) when absent. */
  readonly compactIntervalMs?: number | undefined
  /** Storage shards in SQLite files that survive a crash as far as they were made durable
   * (sim-storage.ts), so compaction and retirement remove journal files for good; in memory,
   * rebuilt from the journals at every start, when false or absent. */
  readonly durableStorage?: boolean | undefined
}

/** Draws a cluster shape and fault rates (every seed tries a different mix). */
export function drawClusterConfig(random: SeededRandom): ClusterConfig {
  const pick = (lo: number, hi: number) => lo + random.int(hi - lo + 1)
  const bound = pick(1, 20)
  const offset = () => random.int(bound + 1) - bound / 2
  const syncMin = pick(0, 3)
  return {
    journalCount: pick(1, 2),
    shardCount: pick(1, 2),
    partitionCount: pick(2, 8),
    failoverAfterMs: pick(200, 2_000),
    clockErrorBoundMs: bound,
    clockOffsetsMs: { east: offset(), west: offset(), wit: offset() },
    linkFaults: {
      delayMs: pick(0, 30),
      jitterMs: random.next() < 0.5 ? 0 : pick(1, 10),
      loss: random.next() < 0.5 ? 0 : random.next() * 0.05,
    },
    disk: {
      syncLatencyMsMin: syncMin,
      syncLatencyMsMax: syncMin + pick(0, 5),
      tornWriteProbability: random.next(),
    },
  }
}

/** One incarnation of a region's process. */
export interface Incarnation {
  readonly name: RegionName
  readonly number: number
  readonly clock: ProcessClock
  /** Set once open resolved (a full region or the witness). */
  region: Region | undefined
  witness: Witness | undefined
  alive: boolean
}

/**
 * The cluster under simulation. Time moves only in `step()`. A crash kills a region's process (its
 * timers, disk syncs and network handlers never run again), loses its disk's unsynced bytes (maybe
 * tearing them) and closes its links; a restart opens a new region object on what survived (the
 * in-memory storage is rebuilt by replaying the journals).
 */
export class ClusterWorld {
  readonly sim = new SimClock()
  readonly config: ClusterConfig
  readonly topology: Topology
  readonly net: SimNetwork
  /** Errors raised inside server callbacks (timers), which no caller would see. */
  readonly errors: unknown[] = []
  /** Sees every message a live region receives (repro scripts trace with it). */
  onReceive: ((to: RegionName, from: string, message: PeerMessage) => void) | undefined
  /** Loses each message a live region sends that it answers true for: the send reports it queued,
   * as for a message a link drops in flight (a scenario loses one message exactly). */
  lose: ((from: RegionName, to: string, message: PeerMessage) => boolean) | undefined
  /** Told of each cluster event a live region reports (what the CLI would log). */
  onClusterEvent: ((region: RegionName, event: ClusterEvent) => void) | undefined
  readonly #seed: number
  readonly #disks = new Map<RegionName, SimDisk>()
  readonly #procs = new Map<RegionName, Incarnation>()
  readonly #transports = new Map<RegionName, Transport>()
  readonly #storage: SimStorage | undefined
  #incarnations = 0

  /** A deliberate bug for the checkers' own test: every crash also cuts each journal's last
   * segment to half its size, durable or not (a disk that loses synced data). */
  readonly #loseSyncedTail: boolean

  constructor(seed: number, config: ClusterConfig, options: { loseSyncedTail?: boolean } = {}) {
    this.#seed = seed
    this.config = config
    this.#loseSyncedTail = options.loseSyncedTail ?? false
    this.topology = parseTopology({
      regions: [
        { name: 'east', role: 'full', port: 1 },
        { name: 'west', role: 'full', port: 2 },
        { name: WITNESS, role: 'witness', port: 3 },
      ],
      clockErrorBoundMs: config.clockErrorBoundMs,
      ...(config.closedLeadMs === undefined ? {} : { closedTimestampLeadMs: config.closedLeadMs }),
    })
    this.net = new SimNetwork({
      timers: this.sim,
      random: new SeededRandom(seed ^ 0x0e7_0e7),
      faults: config.linkFaults,
    })
    for (const [i, name] of NAMES.entries()) {
      const random = new SeededRandom((seed ^ 0x5eed_d15c) + i)
      this.#disks.set(name, new SimDisk({ random, timers: this.sim, faults: config.disk }))
    }
    this.#storage = config.durableStorage === true ? new SimStorage(new SeededRandom(seed ^ 0x57_0a9e)) : undefined
  }

  /** The disk of `name` as its next process sees it (checks read what a region left on it). */
  disk(name: RegionName): SimDisk {
    return this.#disks.get(name) as SimDisk
  }

  /** The running process of `name`, or undefined while it is down. */
  proc(name: RegionName): Incarnation | undefined {
    const p = this.#procs.get(name)
    return p?.alive ? p : undefined
  }

  region(name: FullName): Region | undefined {
    return this.proc(name)?.region
  }

  /** Opens `name` (first start or restart after `kill`); resolves once it serves. */
  async open(name: RegionName): Promise<Incarnation> {
    const number = ++this.#incarnations
    const state = { alive: true }
    const clock = new ProcessClock(
      this.sim,
      this.config.clockOffsetsMs[name],
      () => state.alive,
      (e) => this.errors.push(e),
    )
    const raw = this.net.transport(
      name,
      NAMES.filter((n) => n !== name),
    )
    this.#transports.set(name, raw)
    raw.onMessage((from, message) => {
      if (state.alive) this.onReceive?.(name, from, message)
    })
    const peers = NAMES.filter((n) => n !== name)
    const common = {
      name,
      url: `http://${name}`,
      clock,
      timers: clock,
      random: new SeededRandom((this.#seed * 31 + number) >>> 0),
      disk: this.#disks.get(name) as SimDisk,
      journalCount: this.config.journalCount,
      shardCount: this.config.shardCount,
      partitionCount: this.config.partitionCount,
      failoverAfterMs: this.config.failoverAfterMs,
      ...(this.config.journalSegmentBytesMax === undefined ? {} : { journal: { segmentBytesMax: this.config.journalSegmentBytesMax } }),
      ...(this.config.txAgeMsMax === undefined ? {} : { api: { txAgeMsMax: this.config.txAgeMsMax, idleTimeoutMs: this.config.txAgeMsMax } }),
      ...(this.config.compactIntervalMs === undefined ? {} : { compactIntervalMs: this.config.compactIntervalMs }),
      ...(this.#storage === undefined ? {} : { openShard: (id: number) => (this.#storage as SimStorage).open(name, id, clock) }),
      auth: false,
      onClusterEvent: (event: ClusterEvent) => {
        if (state.alive) this.onClusterEvent?.(name, event)
      },
      cluster: {
        topology: this.topology,
        transport: gated(raw, () => state.alive, (e) => this.errors.push(e), (to, message) => this.lose?.(name, to, message) === true),
        faults: {
          peers,
          get: (peer: string) => this.net.faults(name, peer),
          set: (peer: string, faults: LinkFaults) => this.net.setFaults(name, peer, faults),
        },
      },
    }
    const proc: Incarnation = {
      name,
      number,
      clock,
      region: undefined,
      witness: undefined,
      get alive() {
        return state.alive
      },
      set alive(v: boolean) {
        state.alive = v
      },
    }
    this.#procs.set(name, proc)
    if (name === WITNESS) proc.witness = await openWitness(common)
    else proc.region = await openRegion(common)
    return proc
  }

  /**
   * Kills `name`'s process. Microtasks already queued still run (the crash lands at the next
   * macrotask boundary); then its disk loses (or tears) unsynced bytes and its links drop.
   */
  async kill(name: RegionName): Promise<void> {
    const proc = this.#procs.get(name)
    if (proc === undefined || !proc.alive) return
    proc.alive = false
    await flush()
    const disk = this.#disks.get(name) as SimDisk
    disk.crash()
    this.#storage?.crash(name)
    const restarted = disk.restart()
    this.#disks.set(name, restarted)
    if (this.#loseSyncedTail) this.#cutJournalTails(name, restarted)
    await this.#transports.get(name)?.close()
    this.#transports.delete(name)
  }

  /** Replaces the faults of `name`'s disk from now on (its sync latency, say, for one phase). */
  setDiskFaults(name: RegionName, faults: SimDiskFaults): void {
    this.#disks.get(name)?.setFaults(faults)
  }

  /** Runs microtasks and moves virtual time to the next timer (see stepSim). */
  step(maxMs?: number, minMs?: number): Promise<void> {
    return stepSim(this.sim, maxMs, minMs)
  }

  /** Closes every live region (gracefully) at the end of a run. */
  async dispose(): Promise<void> {
    for (const name of NAMES) {
      const p = this.proc(name)
      if (p === undefined) continue
      const closing = (p.region ?? p.witness)?.close()
      // A close that waits on a link or a sync gets a little virtual time, not forever.
      let done = false
      void closing?.then(
        () => (done = true),
        () => (done = true),
      )
      for (let i = 0; i < 2_000 && !done; i++) await this.step(1, 1).catch(() => {})
      p.alive = false
    }
    this.#storage?.dispose()
  }

  #cutJournalTails(name: RegionName, disk: SimDisk): void {
    const journals = Array.from({ length: this.config.journalCount }, (_, j) => j)
    const dirs = [
      ...(name === WITNESS ? [] : journals.map((j) => `/mem/${name}/journal-${j}`)),
      ...FULL.filter((r) => r !== name).flatMap((r) =>
        journals.map((j) => `/mem/${name}/replica-${r}-j${j}`),
      ),
    ]
    for (const dir of dirs) {
      if (!disk.exists(dir)) continue
      const last = disk.list(dir).at(-1)
      if (last === undefined) continue
      const file = disk.open(`${dir}/${last}`)
      file.truncate(Math.floor(file.size() / 2))
      // Durable too: a later crash must not bring the bytes back.
      void file.sync().then(
        () => file.close(),
        () => {},
      )
    }
  }
}

/** `transport`, whose handlers stop running (and sends stop leaving) once the process is dead;
 * what they throw goes to `onError` (as a process's timers' errors do). */
function gated(
  transport: Transport,
  alive: () => boolean,
  onError: (e: unknown) => void,
  lost: (to: string, message: PeerMessage) => boolean,
): Transport {
  const guard = (fn: () => void) => {
    if (!alive()) return
    try {
      fn()
    } catch (e) {
      onError(e)
    }
  }
  return {
    self: transport.self,
    send: (to: string, message: PeerMessage) => alive() && (lost(to, message) || transport.send(to, message)),
    onMessage: (handler) =>
      transport.onMessage((from, message) => guard(() => handler(from, message))),
    onLinkChange: (handler) => transport.onLinkChange((peer, up) => guard(() => handler(peer, up))),
    peers: () => transport.peers(),
    isUp: (peer: string) => alive() && transport.isUp(peer),
    keepAlive: () => {
      if (alive()) transport.keepAlive()
    },
    close: () => transport.close(),
  }
}
