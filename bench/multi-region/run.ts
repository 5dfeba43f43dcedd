// bench/multi-region: the local 3-region cluster as real processes, with and without injected WAN
// latency, clients in both full regions running TPC-B-like transfers and point selects
// (ARCHITECTURE.md "Regions"; issue 3 "Benchmarks").
// Usage: bun bench/multi-region/run.ts [--seconds 10] [--clients 16] [--only write|read]
//   [--mode interactive|batch] [--branches 64] [--accounts-per-branch 1000] [--attempts 10]
//   [--read-share 0.95] [--floor-samples 100] [--warmup 1] [--no-baseline] [--topology regions/local-3-wan.json]
//   [--baseline-topology regions/local-3.json] [--out bench/results/NAME.json]
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from '../../cli/args.ts'
import { latencyChartSvg, printTable, type ChartRow } from '../lib/index.ts'
import { cpuSecondsOf, removeClusterData, startCluster, troubleInLog, type ClusterProcess } from './cluster-process.ts'
import {
  balanceTotals,
  loadSchema,
  measureFloor,
  pointSelect,
  RegionStats,
  resultOf,
  TELLERS_PER_BRANCH,
  transfer,
  xorshift,
  type Client,
  type Endpoint,
  type FloorResult,
  type RegionResult,
  type Scale,
  type TransferMode,
} from './tpcb.ts'

const root = resolve(import.meta.dir, '..', '..')
const { flags } = parseArgs(process.argv.slice(2), ['no-baseline'])
const seconds = Number(flags.get('seconds') ?? 10)
const clientsPerRegion = Number(flags.get('clients') ?? 16)
const warmupSeconds = Number(flags.get('warmup') ?? 1)
const attemptsMax = Number(flags.get('attempts') ?? 10)
const floorSamples = Number(flags.get('floor-samples') ?? 100)
const readShare = Number(flags.get('read-share') ?? 0.95)
const mode = (flags.get('mode') ?? 'interactive') as TransferMode
const only = flags.get('only')
const scale: Scale = { branches: Number(flags.get('branches') ?? 64), accountsPerBranch: Number(flags.get('accounts-per-branch') ?? 1000) }
const wanTopology = flags.get('topology') ?? 'regions/local-3-wan.json'
const baseTopology = flags.get('baseline-topology') ?? 'regions/local-3.json'
if (!(seconds > 0 && seconds <= 600 && clientsPerRegion >= 1 && clientsPerRegion <= 256 && attemptsMax >= 1)) {
  console.error('bench/multi-region: --seconds must be in (0, 600], --clients in [1, 256], --attempts >= 1')
  process.exit(2)
}
if (mode !== 'interactive' && mode !== 'batch') {
  console.error('bench/multi-region: --mode is interactive or batch')
  process.exit(2)
}

type Workload = 'write-heavy' | 'read-heavy'
const workloads: Workload[] = only === 'write' ? ['write-heavy'] : only === 'read' ? ['read-heavy'] : ['write-heavy', 'read-heavy']

interface WorkloadResult {
  readonly workload: Workload
  readonly regions: RegionResult[]
}
interface ClusterResult {
  readonly name: 'baseline' | 'wan'
  readonly topology: string
  /** One client at a time per region, before the load: latencies without queueing. */
  readonly floor: FloorResult[]
  readonly workloads: WorkloadResult[]
  /** Sums of the balance columns per region after the run: all four equal, in every region. */
  readonly balances: Record<string, unknown>
  readonly consistent: boolean
  readonly serverTrouble: Array<{ line: string; count: number }>
}

const tty = process.stdout.isTTY === true
let clientSeed = 1

/** Runs `workload` for `runSeconds` with every full region's clients at once. */
async function runWorkload(cluster: ClusterProcess, label: string, workload: Workload, runSeconds: number, quiet: boolean): Promise<WorkloadResult> {
  const endpoints: Endpoint[] = cluster.full.map((r) => ({ region: r.name, url: r.url, token: cluster.token }))
  const stats = endpoints.map((e) => new RegionStats(e.region))
  const clients: Client[] = endpoints.flatMap((endpoint, r) =>
    Array.from({ length: clientsPerRegion }, (_, c) => ({
      endpoint,
      stats: stats[r] as RegionStats,
      random: xorshift(clientSeed++ * 2_654_435_761),
      // Disjoint history ids: a region's clients, a run's clients, never collide.
      nextHid: clientSeed * 1_000_000_000 + r * 100_000_000 + c * 1_000_000,
    })),
  )
  const cpu0 = new Map([...cluster.pids].map(([name, pid]) => [name, cpuSecondsOf(pid)]))
  const start = performance.now()
  const deadline = start + runSeconds * 1000
  let last = stats.map((s) => ({ committed: 0, reads: 0, aborts: 0, attempts: 0 }))
  const ticker = quiet
    ? undefined
    : setInterval(() => {
        const elapsed = ((performance.now() - start) / 1000).toFixed(0).padStart(3)
        const perRegion = stats.map((s, i) => {
          const prev = last[i] as (typeof last)[number]
          const attempts = s.attempts - prev.attempts
          const abortPct = attempts === 0 ? 0 : ((s.aborts - prev.aborts) / attempts) * 100
          return `${s.region} ${String(s.committed - prev.committed).padStart(4)} tx/s ${String(s.reads - prev.reads).padStart(5)} rd/s ${abortPct.toFixed(0).padStart(3)}% abort ${s.errorCount} err`
        })
        last = stats.map((s) => ({ committed: s.committed, reads: s.reads, aborts: s.aborts, attempts: s.attempts }))
        const line = `  [${label} ${workload}] ${elapsed}s  ${perRegion.join(' | ')}`
        if (tty) process.stdout.write(`\r${line.padEnd(150)}`)
        else console.log(line)
      }, 1000)
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        if (workload === 'read-heavy' && client.random() < readShare) await pointSelect(client, scale)
        else await transfer(client, scale, mode, attemptsMax, deadline)
      }
    }),
  )
  const elapsed = (performance.now() - start) / 1000
  if (ticker !== undefined) clearInterval(ticker)
  if (tty && !quiet) process.stdout.write('\n')
  const cpu: Record<string, number> = {}
  for (const [name, pid] of cluster.pids) {
    const before = cpu0.get(name)
    const after = cpuSecondsOf(pid)
    if (before !== undefined && after !== undefined) cpu[name] = (after - before) / elapsed
  }
  return { workload, regions: stats.map((s) => ({ ...resultOf(s, elapsed), cpu })) }
}

async function runCluster(name: 'baseline' | 'wan', topology: string): Promise<ClusterResult> {
  console.log(`\n--- ${name}: tessera cluster --topology ${topology} ---`)
  const cluster = await startCluster(topology)
  let result: Omit<ClusterResult, 'serverTrouble'>
  try {
    console.log(`  regions up (base port ${cluster.basePort}, data ${cluster.dataDir}); loading ${scale.branches} branches, ${scale.branches * scale.accountsPerBranch} accounts`)
    const t0 = performance.now()
    await loadSchema({ region: cluster.full[0]?.name ?? '', url: cluster.full[0]?.url ?? '', token: cluster.token }, scale)
    console.log(`  loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const floor: FloorResult[] = []
    for (const r of cluster.full) floor.push(await measureFloor({ region: r.name, url: r.url, token: cluster.token }, scale, floorSamples))
    const results: WorkloadResult[] = []
    for (const workload of workloads) {
      if (warmupSeconds > 0) await runWorkload(cluster, name, workload, warmupSeconds, true)
      results.push(await runWorkload(cluster, name, workload, seconds, false))
    }
    const balances: Record<string, unknown> = {}
    for (const r of cluster.full) balances[r.name] = await balanceTotals({ region: r.name, url: r.url, token: cluster.token })
    const values = Object.values(balances).map((b) => JSON.stringify(b))
    const first = Object.values(balances)[0]
    const consistent =
      values.every((v) => v === values[0]) &&
      typeof first === 'object' &&
      first !== null &&
      new Set(Object.values(first as Record<string, string>)).size === 1
    result = { name, topology, floor, workloads: results, balances, consistent }
  } finally {
    await cluster.stop()
  }
  const serverTrouble = troubleInLog(cluster.logFile)
  removeClusterData(cluster)
  return { ...result, serverTrouble }
}

const started = new Date()
const clusters: ClusterResult[] = []
for (const [name, topology] of (flags.has('no-baseline') ? [['wan', wanTopology]] : [['baseline', baseTopology], ['wan', wanTopology]]) as Array<['baseline' | 'wan', string]>) {
  clusters.push(await runCluster(name, topology))
}

// ---- report ----
const f = (x: number) => (Number.isFinite(x) ? x : Number.NaN)
console.log(
  `\nbench/multi-region: ${clientsPerRegion} clients per full region, ${seconds} s per workload (+${warmupSeconds} s warm-up), ` +
    `transfers ${mode}, ${scale.branches} branches / ${scale.branches * TELLERS_PER_BRANCH} tellers / ${scale.branches * scale.accountsPerBranch} accounts, ` +
    `read-heavy = ${(readShare * 100).toFixed(0)}% point selects; bun ${process.versions.bun ?? '?'}, ${navigator.hardwareConcurrency} cores`,
)
const rows = clusters.flatMap((c) =>
  c.workloads.flatMap((w) =>
    w.regions.map((r) => ({
      cluster: c.name,
      workload: w.workload,
      region: r.region,
      'ops/s': r.opsPerSecond,
      'tx/s': r.transfersPerSecond,
      'commit p50': f(r.commitMs.p50),
      'commit p99': f(r.commitMs.p99),
      'read p50': f(r.readMs.p50),
      'read p99': f(r.readMs.p99),
      'abort %': r.abortRate * 100,
      'gave up': r.gaveUp,
      errors: Object.values(r.errors).reduce((a, b) => a + b, 0),
    })),
  ),
)
printTable(rows)
if (mode === 'interactive') {
  console.log('\nWhere a transfer spends its time (ms; begin, the 4 statements in one request, commit; whole = with retries):')
  printTable(
    clusters.flatMap((c) =>
      c.workloads.flatMap((w) =>
        w.regions.map((r) => ({
          cluster: c.name,
          workload: w.workload,
          region: r.region,
          'begin p50': r.beginMs.p50,
          'stmts p50': r.statementsMs.p50,
          'stmts p99': r.statementsMs.p99,
          'commit p50': r.commitMs.p50,
          'commit p99': r.commitMs.p99,
          'whole p50': r.transferMs.p50,
          'whole p99': r.transferMs.p99,
          'cpu (cores)': Object.entries(r.cpu ?? {}).map(([n, v]) => `${n.replace('us-', '')} ${v.toFixed(2)}`).join(' '),
        })),
      ),
    ),
  )
}

console.log('\nFloor: one client, one request at a time, before the load (ms; commit = single-key UPDATE on different accounts, quartiles show local vs remote partition owner):')
printTable(
  clusters.flatMap((c) =>
    c.floor.map((r) => ({
      cluster: c.name,
      region: r.region,
      'read p50': r.readMs.p50,
      'read p99': r.readMs.p99,
      'begin p50': r.beginMs.p50,
      'commit p25': r.commitMs.p25,
      'commit p50': r.commitMs.p50,
      'commit p75': r.commitMs.p75,
      'commit p99': r.commitMs.p99,
      errors: r.errors,
    })),
  ),
)

const baseline = clusters.find((c) => c.name === 'baseline')
const wan = clusters.find((c) => c.name === 'wan')
const ratioLines: string[] = []
if (baseline !== undefined && wan !== undefined) {
  console.log('\nWAN / baseline (same workload, same region):')
  const ratioRows = wan.workloads.flatMap((w) =>
    w.regions.map((r) => {
      const b = baseline.workloads.find((x) => x.workload === w.workload)?.regions.find((x) => x.region === r.region)
      const ratio = (a: number, z: number | undefined) => (z !== undefined && z > 0 ? a / z : Number.NaN)
      return {
        workload: w.workload,
        region: r.region,
        'ops/s': ratio(r.opsPerSecond, b?.opsPerSecond),
        'commit p50': ratio(r.commitMs.p50, b?.commitMs.p50),
        'commit p99': ratio(r.commitMs.p99, b?.commitMs.p99),
        'read p50': ratio(r.readMs.p50, b?.readMs.p50),
        'read p99': ratio(r.readMs.p99, b?.readMs.p99),
        '+commit p50 ms': r.commitMs.p50 - (b?.commitMs.p50 ?? Number.NaN),
        '+read p50 ms': r.readMs.p50 - (b?.readMs.p50 ?? Number.NaN),
      }
    }),
  )
  printTable(ratioRows)
  for (const r of ratioRows) ratioLines.push(`${r.workload} ${r.region}: ops/s x${r['ops/s'].toFixed(2)}, commit p50 x${r['commit p50'].toFixed(2)} (+${r['+commit p50 ms'].toFixed(1)} ms), read p50 x${r['read p50'].toFixed(2)} (+${r['+read p50 ms'].toFixed(1)} ms)`)
}

// What the topology predicts, against what was measured.
const wanReads = wan?.workloads.find((w) => w.workload === 'read-heavy')?.regions ?? []
const wanWrites = wan?.workloads.find((w) => w.workload === 'write-heavy')?.regions ?? []
const median = (xs: number[]) => xs.filter(Number.isFinite).sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const readP50 = median(wanReads.map((r) => r.readMs.p50 - (baseline?.workloads.find((w) => w.workload === 'read-heavy')?.regions.find((x) => x.region === r.region)?.readMs.p50 ?? 0)))
const commitP50 = median(wanWrites.map((r) => r.commitMs.p50 - (baseline?.workloads.find((w) => w.workload === 'write-heavy')?.regions.find((x) => x.region === r.region)?.commitMs.p50 ?? 0)))
console.log(`
Expected shape (links: us-east-1 <-> us-east-2 10 ms one-way, either <-> us-west-2 30 ms):
  - reads: the goal is that a read never pays a cross-region round trip (WAN read ~ baseline read).
    As built, a snapshot is now() and the read waits until every remote journal's closed timestamp
    passes it: about one one-way delay (10 ms) plus up to a heartbeat (5 ms), or a round trip
    (20 ms) when the region asks the remote leader to close at once.
  - commits: a commit pays about one quorum round trip: the nearest other region is 20 ms away,
    so a majority (2 of 3) costs ~20 ms, plus commit wait (1 ms); a transfer's keys hash to
    partitions of both full regions, so it also pays the cross-region forward / prepare RPC
    (another ~20 ms round trip) unless every key is owned locally.
  Measured (WAN minus baseline, median over regions): read p50 +${readP50.toFixed(1)} ms, commit p50 +${commitP50.toFixed(1)} ms.
  ${Number.isFinite(readP50) ? (readP50 < 3 ? 'Reads stay local: no cross-region wait visible.' : `Reads DO pay a cross-region wait today (~${readP50.toFixed(0)} ms ≈ ${(readP50 / 10).toFixed(1)} x the 10 ms one-way delay).`) : ''}
  ${Number.isFinite(commitP50) ? `Transfer commits under load pay ~${(commitP50 / 20).toFixed(1)} x the 20 ms quorum round trip.` : ''}`)
for (const r of wan?.floor ?? []) {
  const b = baseline?.floor.find((x) => x.region === r.region)
  console.log(
    `  floor ${r.region}: read ${r.readMs.p50.toFixed(1)} ms (baseline ${b?.readMs.p50.toFixed(1) ?? '?'}), ` +
      `single-key commit p25 ${r.commitMs.p25.toFixed(1)} / p75 ${r.commitMs.p75.toFixed(1)} ms ` +
      `(~${(r.commitMs.p25 / 20).toFixed(1)} / ${(r.commitMs.p75 / 20).toFixed(1)} quorum round trips; baseline p50 ${b?.commitMs.p50.toFixed(1) ?? '?'})`,
  )
}

for (const c of clusters) {
  console.log(`\n${c.name}: end-of-run balance sums ${c.consistent ? 'agree (accounts = tellers = branches = history, same in every region)' : 'DISAGREE'}: ${JSON.stringify(c.balances)}`)
  const kinds = new Map<string, number>()
  for (const w of c.workloads) for (const r of w.regions) for (const [k, n] of Object.entries(r.errors)) kinds.set(`${w.workload} ${r.region} ${k}`, n)
  if (kinds.size > 0) console.log(`  client-visible errors (status code: count): ${[...kinds].map(([k, n]) => `${k}: ${n}`).join('; ')}`)
  if (c.serverTrouble.length > 0) {
    console.log('  server log lines that look like trouble (digits collapsed to N):')
    for (const t of c.serverTrouble) console.log(`    ${String(t.count).padStart(6)} x ${t.line}`)
  }
}

// ---- files ----
const stamp = started.toISOString().slice(0, 19).replace(/[:T]/g, '-')
const jsonPath = resolve(root, flags.get('out') ?? join('bench/results', `multi-region-${stamp}.local.json`))
const svgPath = jsonPath.replace(/\.json$/, '') + '.svg'
mkdirSync(resolve(jsonPath, '..'), { recursive: true })
const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root }).stdout?.toString().trim() || undefined
const config = { seconds, warmupSeconds, clientsPerRegion, mode, attemptsMax, readShare, scale, wanTopology, baseTopology }
writeFileSync(
  jsonPath,
  JSON.stringify(
    { bench: 'multi-region', started: started.toISOString(), git, bun: process.versions.bun, cores: navigator.hardwareConcurrency, config, clusters, ratios: ratioLines },
    (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  ) + '\n',
)
const colors = { commit: '#e45756', read: '#4c78a8' }
const chartRows: ChartRow[] = clusters.flatMap((c) =>
  c.workloads.flatMap((w) =>
    w.regions.flatMap((r) => [
      ...(r.commitMs.count > 0 ? [{ group: `${c.name} (${c.topology}) · ${w.workload}`, label: `${r.region} commit`, p50: r.commitMs.p50, p99: r.commitMs.p99, color: colors.commit }] : []),
      ...(r.readMs.count > 0 ? [{ group: `${c.name} (${c.topology}) · ${w.workload}`, label: `${r.region} read`, p50: r.readMs.p50, p99: r.readMs.p99, color: colors.read }] : []),
    ]),
  ),
)
writeFileSync(
  svgPath,
  latencyChartSvg(
    `Tessera multi-region: commit (red) and read (blue) latency, ${clientsPerRegion} clients per region, ${started.toISOString().slice(0, 16)}`,
    chartRows,
  ),
)
console.log(`\nresults: ${relative(root, jsonPath)}\nchart:   ${relative(root, svgPath)}`)
process.exit(clusters.every((c) => c.consistent) ? 0 : 1)
