// bench/crossbar-stalls: many journal hosts feeding one real crossbar (ARCHITECTURE.md "crossbar",
// step 5) in virtual time, each host freezing for a while at random; measures merge throughput.
import { Hlc, SeededRandom, SimClock, tsToMs } from '../../server/clock/index.ts'
import { createCrossbar } from '../../server/crossbar/index.ts'
import { assert } from '../../server/errors/index.ts'
import type { Write } from '../../server/journal/index.ts'
import { LatencyRecorder, type Summary } from '../lib/index.ts'
import { CountingShard } from './counting-shard.ts'
import { SimJournal } from './sim-journal.ts'

/** One simulated run. Times are virtual milliseconds unless named otherwise. */
export interface SimOptions {
  readonly hosts: number
  readonly seed: number
  /** Virtual seconds measured, after `warmupSeconds`. */
  readonly seconds: number
  readonly warmupSeconds: number
  /** 'open': each host commits `ratePerHost` records a second whatever happens. 'closed': each
   * host has `clientsPerHost` clients; a client commits, waits until the crossbar applied its
   * record (its next transaction reads at or after it), spends `clientTxMs`, commits again. */
  readonly load: 'open' | 'closed'
  readonly ratePerHost: number
  readonly clientsPerHost: number
  readonly clientTxMs: number
  /** Probability that a running host freezes, per host per virtual second. */
  readonly stallsPerHostSecond: number
  readonly stallMs: number
  /** A running host publishes its closed timestamp this often. */
  readonly heartbeatMs: number
  /** The simulation step: hosts append and flush once a step. */
  readonly tickMs: number
  /** Mitigation: once a host has been silent this long, its replicas fence it and publish closed
   * timestamps for it on every heartbeat until it resumes. Undefined: no fencing. */
  readonly fenceAfterMs: number | undefined
  readonly shards: number
  /** Stops the run early (the result says so) once this many records were created. */
  readonly recordsMax: number
}

export interface SimResult {
  /** Latency from a record's commitTs to its application, for records created while measuring;
   * `throughput` is records applied per virtual second while measuring. */
  readonly summary: Summary
  readonly offeredPerSecond: number
  /** Share of measured time during which at least one host held the frontier (silent, unfenced). */
  readonly heldShare: number
  readonly stalls: number
  readonly fences: number
  /** Records created while measuring that were still unapplied at the end of the drain. */
  readonly unapplied: number
  /** Real CPU spent inside the crossbar (delivery callbacks), and the longest single callback:
   * the drain of a backlog when a frozen host resumes. */
  readonly crossbarCpuMs: number
  readonly longestCallbackMs: number
  /** Records applied over the whole run (warm-up and drain included). */
  readonly recordsApplied: number
  /** Virtual milliseconds the whole run covered (warm-up, measurement, drain). */
  readonly virtualMs: number
  readonly truncatedByRecordsMax: boolean
}

interface Host {
  readonly journal: SimJournal
  readonly hlc: Hlc
  readonly random: SeededRandom
  readonly writes: readonly Write[]
  frozenFromMs: number
  frozenUntilMs: number
  carry: number
  lastClosedMs: number
  /** Closed load: clients ready to commit, and the commitTs each waiting client waits for. */
  ready: number
  readonly waiting: number[]
  waitingAt: number
}

export function simulate(o: SimOptions): SimResult {
  assert(o.hosts >= 1 && o.shards >= 1 && o.shards <= 10, 'bad host or shard count')
  assert(o.tickMs >= 1 && o.heartbeatMs >= o.tickMs, 'heartbeat must be at least one tick')
  const clock = new SimClock(1_700_000_000_000)
  const startMs = clock.wallMs()
  const measureFromMs = startMs + o.warmupSeconds * 1000
  const measureToMs = measureFromMs + o.seconds * 1000
  const latencies = new LatencyRecorder()
  let appliedInWindow = 0
  let createdInWindow = 0
  let created = 0
  const closedOf: number[] = new Array<number>(o.hosts).fill(0)
  let mergedClosedTs = 0
  const onApplied = (record: { commitTs: number }, frontierTs: number) => {
    // The absolute rule, checked against the hosts' own publications: nothing is applied above
    // the minimum closed timestamp any journal (or its fencing replicas) actually published.
    assert(frontierTs <= mergedClosedTs, 'crossbar applied above the merged closed timestamp')
    const nowMs = clock.wallMs()
    if (nowMs >= measureFromMs && nowMs < measureToMs) appliedInWindow++
    const createdMs = tsToMs(record.commitTs)
    if (createdMs >= measureFromMs && createdMs < measureToMs) latencies.add(nowMs - createdMs)
  }
  const shards = Array.from(
    { length: o.shards },
    (_, i) => new CountingShard(i, i === 0 ? onApplied : undefined),
  )
  const hosts: Host[] = Array.from({ length: o.hosts }, (_, h) => ({
    journal: new SimJournal(`j${String(h).padStart(3, '0')}`),
    hlc: new Hlc(clock),
    // Per-host streams: host h freezes at the same moments whatever the host count.
    random: new SeededRandom(o.seed * 7919 + h * 104_729),
    writes: [{ key: `${h % o.shards}:host${h}`, value: 'v' }],
    frozenFromMs: 0,
    frozenUntilMs: 0,
    carry: 0,
    lastClosedMs: startMs,
    ready: o.clientsPerHost,
    waiting: [],
    waitingAt: 0,
  }))
  const crossbar = createCrossbar({
    journals: hosts.map((h) => h.journal),
    shards,
    shardOf: (key) => key.charCodeAt(0) - 48,
  })
  let cpuMs = 0
  let longestMs = 0
  const timed = (fn: () => void) => {
    const t0 = performance.now()
    fn()
    const ms = performance.now() - t0
    cpuMs += ms
    if (ms > longestMs) longestMs = ms
  }
  const publish = (h: number, ts: number, fence: boolean) => {
    const host = hosts[h] as Host
    const was = closedOf[h] as number
    closedOf[h] = ts
    // The oracle's minimum moves before the crossbar hears, as the host's promise does.
    if (was === mergedClosedTs) mergedClosedTs = Math.min(...closedOf)
    timed(() => (fence ? host.journal.fenceClosed(ts) : host.journal.publishClosed(ts)))
  }
  crossbar.start()

  const fenceHlc = new Hlc(clock)
  const readyAt = new Map<number, number>()
  const stepProbability = (o.stallsPerHostSecond * o.tickMs) / 1000
  let stalls = 0
  let heldTicks = 0
  let measuredTicks = 0
  let truncated = false
  const drainToMs = measureToMs + o.stallMs + 10 * o.heartbeatMs
  let nextCompactMs = startMs + 1000
  for (let nowMs = startMs + o.tickMs; nowMs <= drainToMs; nowMs += o.tickMs) {
    clock.advance(o.tickMs)
    const producing = nowMs < measureToMs && !truncated
    let held = false
    for (let h = 0; h < o.hosts; h++) {
      const host = hosts[h] as Host
      const returning = readyAt.get(nowMs * o.hosts + h)
      if (returning !== undefined) {
        host.ready += returning
        readyAt.delete(nowMs * o.hosts + h)
      }
      if (nowMs < host.frozenUntilMs) {
        const silentMs = nowMs - host.frozenFromMs
        const fenced = o.fenceAfterMs !== undefined && silentMs >= o.fenceAfterMs
        if (!fenced) held = true
        else if (nowMs - host.lastClosedMs >= o.heartbeatMs) {
          host.lastClosedMs = nowMs
          publish(h, fenceHlc.now(), true)
        }
        continue
      }
      if (producing && host.random.next() < stepProbability) {
        stalls++
        host.frozenFromMs = nowMs
        host.frozenUntilMs = nowMs + o.stallMs
        held = true
        continue
      }
      // A host back from a freeze: its clock moves past whatever its replicas closed meanwhile.
      host.hlc.update(host.journal.closedTs())
      if (producing) {
        let count: number
        if (o.load === 'open') {
          host.carry += (o.ratePerHost * o.tickMs) / 1000
          count = Math.floor(host.carry)
          host.carry -= count
        } else {
          count = host.ready
          host.ready = 0
        }
        for (let i = 0; i < count; i++) {
          const appended = host.journal.append({
            txId: `${h}.${created}`,
            proposedTs: host.hlc.now(),
            writes: host.writes,
          })
          host.hlc.update(appended.commitTs)
          if (o.load === 'closed') host.waiting.push(appended.commitTs)
          created++
          if (nowMs >= measureFromMs) createdInWindow++
        }
        if (created >= o.recordsMax) truncated = true
        timed(() => host.journal.flush())
      }
      if (nowMs - host.lastClosedMs >= o.heartbeatMs) {
        host.lastClosedMs = nowMs
        publish(h, host.hlc.now(), false)
      }
    }
    if (o.load === 'closed') releaseClients(hosts, crossbar.frontier(), nowMs, o, readyAt)
    if (nowMs >= measureFromMs && nowMs < measureToMs) {
      measuredTicks++
      if (held) heldTicks++
    }
    if (nowMs >= nextCompactMs) {
      nextCompactMs += 1000
      crossbar.compact()
    }
  }
  crossbar.close()
  const measuredSeconds = o.seconds
  const fences = hosts.reduce((n, h) => n + h.journal.fencedCount, 0)
  return {
    summary: {
      ...latencies.summarize(measuredSeconds),
      throughput: appliedInWindow / measuredSeconds,
    },
    offeredPerSecond: o.load === 'open' ? o.hosts * o.ratePerHost : Number.NaN,
    heldShare: measuredTicks === 0 ? 0 : heldTicks / measuredTicks,
    stalls,
    fences,
    unapplied: createdInWindow - latencies.count,
    crossbarCpuMs: cpuMs,
    longestCallbackMs: longestMs,
    virtualMs: drainToMs - startMs,
    recordsApplied: (shards[0] as CountingShard).recordsApplied,
    truncatedByRecordsMax: truncated,
  }
}

/** Clients whose record the crossbar applied come back `clientTxMs` later (on the tick grid). */
function releaseClients(
  hosts: readonly Host[],
  frontierTs: number,
  nowMs: number,
  o: SimOptions,
  readyAt: Map<number, number>,
): void {
  const backMs = nowMs + Math.max(1, Math.ceil(o.clientTxMs / o.tickMs)) * o.tickMs
  hosts.forEach((host, h) => {
    let n = 0
    while (
      host.waitingAt < host.waiting.length &&
      (host.waiting[host.waitingAt] as number) <= frontierTs
    ) {
      host.waitingAt++
      n++
    }
    if (host.waitingAt > 4096) {
      host.waiting.splice(0, host.waitingAt)
      host.waitingAt = 0
    }
    if (n > 0) readyAt.set(backMs * o.hosts + h, (readyAt.get(backMs * o.hosts + h) ?? 0) + n)
  })
}
