// bench/crossbar-stalls: N journal hosts, each freezing for a second now and then, feed one real
// crossbar (ARCHITECTURE.md "crossbar", step 5) in virtual time; before and after fencing.
// Usage: bun bench/crossbar-stalls/run.ts [--hosts 1,2,5,10,20,40] [--seconds 10] [--load both]
//   [--rate 2000] [--clients 25] [--stalls-per-host-second 0.05] [--stall-ms 1000]
//   [--fence-ms 100] [--heartbeat-ms 5] [--seed 1] [--records-max 4000000] [--wall-seconds 180]
//   [--target-rate 25000] [--target-seconds 3]
import { parseArgs } from 'node:util'
import { printTable } from '../lib/index.ts'
import { type SimOptions, simulate } from './simulate.ts'

const { values: flags } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1,2,5,10,20,40' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    load: { type: 'string', default: 'both' },
    rate: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '25' },
    'client-tx-ms': { type: 'string', default: '1' },
    'stalls-per-host-second': { type: 'string', default: '0.05' },
    'stall-ms': { type: 'string', default: '1000' },
    'fence-ms': { type: 'string', default: '100' },
    'heartbeat-ms': { type: 'string', default: '5' },
    shards: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    'records-max': { type: 'string', default: '4000000' },
    'wall-seconds': { type: 'string', default: '180' },
    'target-rate': { type: 'string', default: '25000' },
    'target-seconds': { type: 'string', default: '3' },
  },
})
const hostCounts = String(flags.hosts).split(',').map(Number)
const loads =
  flags.load === 'both' ? (['open', 'closed'] as const) : [flags.load as 'open' | 'closed']
const fenceMs = Number(flags['fence-ms'])
const wallDeadline = performance.now() + Number(flags['wall-seconds']) * 1000
const base: Omit<SimOptions, 'hosts' | 'load' | 'fenceAfterMs'> = {
  seed: Number(flags.seed),
  seconds: Number(flags.seconds),
  warmupSeconds: Number(flags.warmup),
  ratePerHost: Number(flags.rate),
  clientsPerHost: Number(flags.clients),
  clientTxMs: Number(flags['client-tx-ms']),
  stallsPerHostSecond: Number(flags['stalls-per-host-second']),
  stallMs: Number(flags['stall-ms']),
  heartbeatMs: Number(flags['heartbeat-ms']),
  tickMs: 1,
  shards: Number(flags.shards),
  recordsMax: Number(flags['records-max']),
}

console.log(
  `crossbar-stalls: real createCrossbar, simulated journal hosts (in-memory, contract-checked), ` +
    `${base.shards} COUNTING shards (no SQLite: they check and count applies, so the figures are ` +
    `the merge's, not storage's). Virtual time, 1 ms steps; seed ${base.seed}; ` +
    `${base.seconds} s measured after ${base.warmupSeconds} s warm-up. Each running host freezes ` +
    `with probability ${base.stallsPerHostSecond}/s for ${base.stallMs} ms (no records, no closed ` +
    `timestamps); heartbeat ${base.heartbeatMs} ms. Latency: a record's commitTs to its ` +
    `application (virtual ms). "fence ${fenceMs} ms": after ${fenceMs} ms of silence the host's ` +
    `replicas close timestamps on its behalf and refuse anything at or below them.`,
)

let stopped = false
for (const load of loads) {
  const rows: Record<string, unknown>[] = []
  for (const hosts of hostCounts) {
    for (const fence of [undefined, fenceMs]) {
      if (performance.now() > wallDeadline) {
        stopped = true
        break
      }
      const r = simulate({ ...base, hosts, load, fenceAfterMs: fence })
      const s = r.summary
      rows.push({
        hosts,
        mitigation: fence === undefined ? 'none' : `fence ${fence} ms`,
        ...(load === 'open' ? { 'offered/s': r.offeredPerSecond } : {}),
        'applied/s': s.throughput,
        'p50 ms': s.p50,
        'p99 ms': s.p99,
        'max ms': s.max,
        'held %': r.heldShare * 100,
        stalls: r.stalls,
        unapplied: r.unapplied,
        'xbar core %': (r.crossbarCpuMs / r.virtualMs) * 100,
        'xbar µs/rec': (r.crossbarCpuMs * 1000) / Math.max(1, r.recordsApplied),
        'drain ms': r.longestCallbackMs,
        note: r.truncatedByRecordsMax ? 'records-max hit' : '',
      })
    }
    if (stopped) break
  }
  console.log(
    load === 'open'
      ? `\nOPEN load: every host commits ${base.ratePerHost}/s while running (a frozen host commits nothing).`
      : `\nCLOSED load: ${base.clientsPerHost} clients per host; each commits, waits until the ` +
          `crossbar applied its record (its next read waits for the frontier), ` +
          `${base.clientTxMs} ms of work, commits again.`,
  )
  printTable(rows)
}
// The load DSQL expected (40 hosts x 25,000/s = 1M/s): no virtual-time effect differs, but the
// crossbar's real CPU per virtual second says whether one crossbar could keep up at all.
const targetRate = Number(flags['target-rate'])
const targetRows: Record<string, unknown>[] = []
for (const fence of targetRate > 0 ? [undefined, fenceMs] : []) {
  if (performance.now() > wallDeadline) {
    stopped = true
    break
  }
  const hosts = Math.max(...hostCounts)
  const seconds = Number(flags['target-seconds'])
  const r = simulate({
    ...base,
    hosts,
    seconds,
    load: 'open',
    ratePerHost: targetRate,
    fenceAfterMs: fence,
  })
  const usPerRecord = (r.crossbarCpuMs * 1000) / Math.max(1, r.recordsApplied)
  targetRows.push({
    hosts,
    mitigation: fence === undefined ? 'none' : `fence ${fence} ms`,
    'offered/s': r.offeredPerSecond,
    'p50 ms': r.summary.p50,
    'p99 ms': r.summary.p99,
    'xbar core %': (r.crossbarCpuMs / r.virtualMs) * 100,
    'xbar µs/rec': usPerRecord,
    'one-core capacity/s': 1e6 / usPerRecord,
    'drain ms': r.longestCallbackMs,
    note: r.truncatedByRecordsMax ? 'records-max hit' : '',
  })
}
if (targetRows.length > 0) {
  console.log(
    `\nTARGET load: ${Math.max(...hostCounts)} hosts x ${targetRate}/s, ${flags['target-seconds']} s ` +
      `measured. Virtual time lets the crossbar run as if infinitely fast; core % above 100 ` +
      `means a real one would fall behind, and then the backlog and the tail grow with run time.`,
  )
  printTable(targetRows)
}
if (stopped) console.log(`\nstopped early: --wall-seconds ${flags['wall-seconds']} reached`)
console.log(
  `\nheld %: virtual time during which some host was frozen and not yet fenced (the merged ` +
    `frontier cannot pass its last closed timestamp). xbar core %: real CPU spent inside the ` +
    `crossbar (and the counting shards) per VIRTUAL second: above 100 % a real crossbar could ` +
    `not keep up and its throughput would fall behind the offered load; xbar µs/rec: that CPU per record; ` +
    `drain ms: the longest single crossbar callback, i.e. draining the backlog when a frozen ` +
    `host's closed timestamp moves. These three are wall-clock measurements and vary run to run; ` +
    `every other column is deterministic for the seed.`,
)
console.log(
  `\nWhy: the merged frontier is the minimum closed timestamp over all journals, so a frozen ` +
    `host holds back every other host's records until it speaks again; with N hosts some host ` +
    `is frozen most of the time ("held %"), so the median record waits, and the tail is the ` +
    `stall length plus a heartbeat (never more here, because the simulated crossbar keeps up: ` +
    `a 10 s tail needs a crossbar that falls behind, see core % at the target load). Clients ` +
    `that wait for their writes to be applied (CLOSED) turn that wait into lost throughput.` +
    `\nMitigation "fence": after ${fenceMs} ms of silence the frozen host's journal replicas ` +
    `(a majority of which must hold every durable record of it) deliver what they hold and ` +
    `publish closed timestamps for it, each a promise they keep by refusing any later record ` +
    `at or below it; the host on return raises its commitTs floor above the fence (SimJournal ` +
    `asserts it). The crossbar is unchanged and still never applies above the minimum closed ` +
    `timestamp actually published (asserted per record against an independent oracle), so the ` +
    `merge stays sound; the frontier is held ${fenceMs} ms instead of the whole stall. Cost: ` +
    `commits the host had in flight at or below the fence are refused (40001 when the refusal is known, else 40003), and a fence ` +
    `delay below normal jitter would refuse healthy commits. The crossbar itself now merges ` +
    `many journals with a heap (O(log journals) a record) so a resumed host's backlog drains ` +
    `at CPU speed.`,
)
