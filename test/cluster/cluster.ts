// A cluster of two full regions and a witness in one process, on a simulated network and a
// virtual clock, for the cluster tests: regions are the real ones (openRegion, openWitness).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createToken } from '../../server/api/index.ts'
import { SeededRandom, SimClock } from '../../server/clock/index.ts'
import { SimDisk } from '../../server/disk/index.ts'
import { SimNetwork, type LinkFaults, type PeerMessage, type Transport } from '../../server/net/index.ts'
import type { Transaction } from '../../server/qp/index.ts'
import { openRegion, openWitness, parseTopology, type ClusterEvent, type Region, type Witness } from '../../server/region/index.ts'
import { openSqliteShard } from '../../server/storage/index.ts'

export { createToken }

export const topology = parseTopology({
  regions: [
    { name: 'east', role: 'full', port: 1 },
    { name: 'west', role: 'full', port: 2 },
    { name: 'wit', role: 'witness', port: 3 },
  ],
  clockErrorBoundMs: 1,
})

export class Cluster {
  readonly clock = new SimClock()
  readonly random = new SeededRandom(11)
  readonly net = new SimNetwork({ timers: this.clock, random: this.random, faults: { delayMs: 5 } })
  readonly regions = new Map<string, Region>()
  witness: Witness | undefined
  /** Each region's disk, by name (a test can slow or fail its writes). */
  readonly disks = new Map<string, SimDisk>()
  readonly topology: typeof topology
  /** Sees every message a region receives, before the region does (a test can cut a link at
   * exactly the message it cares about). */
  onReceive: ((to: string, from: string, message: PeerMessage) => void) | undefined
  /** The cluster events every region reported, in order. */
  readonly events: { readonly region: string; readonly event: ClusterEvent }[] = []

  /** Where the full regions' storage shards live as SQLite files, when they do (`fileStorage`). */
  readonly #storageDir: string | undefined
  readonly #compactIntervalMs: number | undefined

  /** `closedLeadMs`: the topology's closed-timestamp lead (none by default). `fileStorage`: the full
   * regions' shards are SQLite files that outlive a stop (in memory by default, rebuilt from the
   * journals at each start), so what they make durable lets journals go. `compactIntervalMs`: how
   * often regions compact (and retire old generations). */
  constructor(
    readonly auth = false,
    options: { readonly closedLeadMs?: number; readonly fileStorage?: boolean; readonly compactIntervalMs?: number } = {},
  ) {
    this.topology = options.closedLeadMs === undefined ? topology : { ...topology, closedTimestampLeadMs: options.closedLeadMs }
    this.#storageDir = options.fileStorage === true ? mkdtempSync(join(tmpdir(), 'tessera-cluster-')) : undefined
    this.#compactIntervalMs = options.compactIntervalMs
  }

  async open(): Promise<void> {
    const opened = this.topology.regions.map((spec) => {
      this.disks.set(spec.name, new SimDisk({ random: this.random, timers: this.clock, faults: { syncLatencyMsMin: 1 } }))
      return this.#openOne(spec.name)
    })
    await this.until(Promise.all(opened))
  }

  /** Closes full region `name` and opens it again on its disk: a new process (a new failover
   * run), its links down and up again; `closed` runs in between. */
  async restart(name: string, closed?: () => void): Promise<void> {
    await this.stop(name)
    closed?.()
    await this.start(name)
  }

  /** Closes full region `name` and its links; its disk stays for `start`. */
  async stop(name: string): Promise<void> {
    await this.until(this.region(name).close())
    this.regions.delete(name)
    await this.until((this.#transports.get(name) as Transport).close())
  }

  /** Sends `message` from region `from` to region `to` over their link, as `from` would (a test
   * repeats a late message). */
  send(from: string, to: string, message: PeerMessage): boolean {
    return (this.#transports.get(from) as Transport).send(to, message)
  }

  /** Opens full region `name` again on its disk (after `stop`). */
  async start(name: string): Promise<void> {
    await this.until(this.#openOne(name))
  }

  readonly #transports = new Map<string, Transport>()

  #openOne(name: string): Promise<void> {
    const topology = this.topology
    const names = topology.regions.map((r) => r.name)
    const spec = topology.regions.find((r) => r.name === name)!
    const transport = this.net.transport(spec.name, names.filter((n) => n !== spec.name))
    this.#transports.set(spec.name, transport)
    transport.onMessage((from, message) => this.onReceive?.(spec.name, from, message))
    const common = {
      name: spec.name, url: `http://${spec.name}`, clock: this.clock, timers: this.clock, random: this.random,
      disk: this.disks.get(spec.name) as SimDisk,
      cluster: {
        topology,
        transport,
        faults: {
          peers: names.filter((n) => n !== spec.name),
          get: (peer: string) => this.net.faults(spec.name, peer),
          set: (peer: string, faults: LinkFaults) => this.net.setFaults(spec.name, peer, faults),
        },
      },
      auth: this.auth,
      onClusterEvent: (event: ClusterEvent) => void this.events.push({ region: spec.name, event }),
      ...(this.#compactIntervalMs === undefined ? {} : { compactIntervalMs: this.#compactIntervalMs }),
      ...(this.#storageDir === undefined
        ? {}
        : { openShard: (id: number) => openSqliteShard({ id, path: join(this.#storageDir as string, `${name}-shard-${id}.sqlite`), timers: this.clock }) }),
    }
    return spec.role === 'full'
      ? openRegion(common).then((r) => void this.regions.set(spec.name, r))
      : openWitness(common).then((w) => void (this.witness = w))
  }

  /** Runs virtual time until `promise` settles. */
  async until<T>(promise: Promise<T>, msMax = 20_000): Promise<T> {
    let settled = false
    const watched = promise.finally(() => (settled = true))
    watched.catch(() => {})
    for (let i = 0; i < msMax && !settled; i++) {
      await new Promise<void>((r) => setImmediate(r))
      this.clock.advance(1)
    }
    if (!settled) throw new Error(`not settled after ${msMax} virtual ms`)
    return promise
  }

  /** Runs virtual time until a region reported an event `matches` accepts (from now on). */
  async untilEvent(matches: (region: string, event: ClusterEvent) => boolean, msMax = 20_000): Promise<void> {
    const from = this.events.length
    const seen = () => this.events.slice(from).some((e) => matches(e.region, e.event))
    for (let i = 0; i < msMax && !seen(); i++) {
      await new Promise<void>((r) => setImmediate(r))
      this.clock.advance(1)
    }
    if (!seen()) throw new Error(`no matching cluster event in ${msMax} virtual ms`)
  }

  region(name: string): Region {
    return this.regions.get(name)!
  }

  async tx(name: string): Promise<Transaction> {
    return this.until(Promise.resolve().then(() => this.region(name).qp.begin()))
  }

  async sql(name: string, sql: string, params: unknown[] = []): Promise<unknown[][]> {
    const tx = await this.tx(name)
    const result = await this.until(tx.execute(sql, params))
    await this.until(tx.commit())
    return result.rows.map((r) => [...r])
  }

  async close(): Promise<void> {
    for (const r of this.regions.values()) await this.until(r.close())
    if (this.witness) await this.until(this.witness.close())
    if (this.#storageDir !== undefined) rmSync(this.#storageDir, { recursive: true, force: true })
  }
}

