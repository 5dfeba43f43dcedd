// bench/sql: Tessera's query engine against PostgreSQL (PGlite, WASM, same process) on the same data:
// point lookups by primary key and join-and-aggregate queries, timed in alternating slices.
// Usage: bun bench/sql/run.ts [--rows 100000] [--seconds 4] [--rounds 4] [--via qp|http] [--disk mem|tmp]
//   [--only point,join-all,...] [--engines tessera,pglite] [--breakdown] [--plans] [--out FILE]
// (--rows sizes `orders`, customers are a tenth; --seconds is per workload and engine.)
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from '../../cli/args.ts'
import { LatencyRecorder, printTable, type Summary } from '../lib/index.ts'
import { openPglite, openTessera, type Engine } from './engines.ts'
import { breakdown, loadTransactions, normalized, schema, seeded, sizesOf, workloads, type Workload } from './workloads.ts'

const root = resolve(import.meta.dir, '..', '..')
const { flags } = parseArgs(process.argv.slice(2), ['plans', 'breakdown'])
const sizes = sizesOf(Number(flags.get('rows') ?? 100_000))
const seconds = Number(flags.get('seconds') ?? 4)
const rounds = Math.max(1, Number(flags.get('rounds') ?? 4))
const queriesMax = Number(flags.get('queries') ?? 200_000)
const warmupSeconds = Number(flags.get('warmup') ?? 0.5)
const via = flags.get('via') ?? 'qp'
const disk = flags.get('disk') ?? 'mem'
const engineNames = (flags.get('engines') ?? 'tessera,pglite').split(',')
const only = flags.get('only')?.split(',')
// A commit may touch 10,000 keys (QP and adjudicator default) and an order is two: its row and its
// orders_customer_id entry.
const rowsPerInsert = Number(flags.get('insert-rows') ?? 1000)
const rowsPerTx = Number(flags.get('tx-rows') ?? 4000)
if (via !== 'qp' && via !== 'http') throw new Error('--via is qp or http')
if (disk !== 'mem' && disk !== 'tmp') throw new Error('--disk is mem or tmp')
if (!(sizes.orders >= 10 && seconds > 0 && rowsPerInsert >= 1 && rowsPerTx >= rowsPerInsert)) {
  throw new Error('need --rows >= 10, --seconds > 0, --tx-rows >= --insert-rows >= 1')
}
const chosen = [...workloads, ...(flags.get('breakdown') === 'true' ? breakdown : [])].filter(
  (w) => only === undefined || only.includes(w.name),
)
if (only !== undefined && chosen.length < only.length) throw new Error(`--only names unknown workloads: ${only.join(',')}`)

interface Tally {
  readonly latencies: LatencyRecorder
  readonly random: () => number
  seconds: number
  cpuMs: number
  errors: number
}

const tally = (seed: number): Tally => ({ latencies: new LatencyRecorder(), random: seeded(seed), seconds: 0, cpuMs: 0, errors: 0 })

/** One slice: queries one after another until its time or count is used up (at least one query). */
async function slice(engine: Engine, w: Workload, t: Tally, sliceSeconds: number, countMax: number): Promise<void> {
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  const deadline = start + sliceSeconds * 1000
  for (let i = 0; i < countMax && (i === 0 || performance.now() < deadline); i++) {
    const params = w.params(t.random, sizes)
    const t0 = performance.now()
    try {
      await engine.query(w.sql, params)
      t.latencies.add(performance.now() - t0)
    } catch (e) {
      if (t.errors++ === 0) console.error(`${engine.name} ${w.name}: ${(e as Error).message}`)
    }
  }
  t.seconds += (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpu0)
  t.cpuMs += (cpu.user + cpu.system) / 1000
}

const started = new Date()
// Other work on the machine inflates wall-clock figures (not `cpu ms/q`); the report says how busy it was.
const loadAverageBefore = loadavg()[0] ?? Number.NaN
const engines: Engine[] = []
const load: Record<string, unknown>[] = []
const queries: Record<string, unknown>[] = []
const ratios: Record<string, unknown>[] = []
const checks: { workload: string; params: unknown[]; agree: boolean; detail?: string }[] = []
const plans: Record<string, Record<string, string[]>> = {}
try {
  for (const name of engineNames) {
    if (name === 'tessera') engines.push(await openTessera({ via, disk }))
    else if (name === 'pglite') engines.push(await openPglite())
    else throw new Error(`unknown engine ${name}; have tessera, pglite`)
  }
  const txs = loadTransactions(sizes, rowsPerInsert, rowsPerTx)
  for (const engine of engines) {
    const t0 = performance.now()
    await engine.write(schema)
    for (const statements of txs) await engine.write(statements)
    const loadSeconds = (performance.now() - t0) / 1000
    const t1 = performance.now()
    // PostgreSQL plans from statistics, and PGlite has no autovacuum to gather them.
    if (engine.name === 'pglite') await engine.write([{ sql: 'ANALYZE', params: [] }])
    const rows = sizes.orders + sizes.customers
    load.push({
      engine: engine.name,
      rows,
      transactions: txs.length,
      'load s': loadSeconds,
      'rows/s': rows / loadSeconds,
      'then ANALYZE s': engine.name === 'pglite' ? (performance.now() - t1) / 1000 : undefined,
    })
  }

  for (const w of chosen) {
    // The engines must agree before their speeds mean anything.
    const probe = seeded(7)
    for (let k = 0; k < (w.params(probe, sizes).length === 0 ? 1 : 3); k++) {
      const params = w.params(probe, sizes)
      const ordered = w.sql.includes('ORDER BY')
      const answers = await Promise.all(engines.map(async (e) => normalized(await e.query(w.sql, params), ordered)))
      const agree = answers.every((a) => a === answers[0])
      const detail = answers.map((a, i) => `${engines[i]?.name}:\n${a.slice(0, 400)}`).join('\n')
      checks.push({ workload: w.name, params, agree, ...(!agree && { detail }) })
    }
    const planParams = w.params(seeded(7), sizes)
    plans[w.name] = Object.fromEntries(await Promise.all(engines.map(async (e) => [e.name, await e.plan(w.sql, planParams)])))

    for (const e of engines) await slice(e, w, tally(1), warmupSeconds, 1000)
    const tallies = engines.map(() => tally(42))
    // Alternating slices: load from elsewhere on the machine lands on both engines alike.
    for (let r = 0; r < rounds; r++) {
      for (const [i, e] of engines.entries()) await slice(e, w, tallies[i] as Tally, seconds / rounds, Math.ceil(queriesMax / rounds))
    }
    const rows = engines.map((e, i) => {
      const t = tallies[i] as Tally
      return { engine: e.name, t, s: t.latencies.summarize(t.seconds, t.errors) }
    })
    for (const { engine, t, s } of rows) {
      queries.push({
        workload: w.name,
        engine,
        queries: s.count,
        'queries/s': s.throughput,
        'p50 ms': s.p50,
        'p99 ms': s.p99,
        'max ms': s.max,
        'cpu ms/q': s.count > 0 ? t.cpuMs / s.count : Number.NaN,
        errors: s.errors,
      })
    }
    const tessera = rows.find((r) => r.engine === 'tessera')
    const pglite = rows.find((r) => r.engine === 'pglite')
    if (tessera !== undefined && pglite !== undefined) ratios.push(ratioRow(w.name, tessera, pglite))
  }
} finally {
  for (const e of engines) await e.close()
}

function ratioRow(workload: string, t: { t: Tally; s: Summary }, p: { t: Tally; s: Summary }) {
  const speed = t.s.throughput / p.s.throughput
  return {
    workload,
    'T/P queries/s': speed,
    'T/P p50': t.s.p50 / p.s.p50,
    'T/P p99': t.s.p99 / p.s.p99,
    'T/P cpu/q': t.t.cpuMs / t.s.count / (p.t.cpuMs / p.s.count),
    verdict: speed >= 1 ? `tessera ${speed.toFixed(1)}x faster` : `tessera ${(1 / speed).toFixed(1)}x slower`,
  }
}

// ---- report ----

const n = (x: number) => x.toLocaleString('en-US')
console.log(
  `bench/sql: orders ${n(sizes.orders)} rows, customers ${n(sizes.customers)}; one query at a time; ` +
    `${seconds} s per workload and engine in ${rounds} alternating slices (<= ${n(queriesMax)} queries); ` +
    `bun ${process.versions.bun}, ${navigator.hardwareConcurrency} cores, ` +
    `load average ${loadAverageBefore.toFixed(1)} before and ${(loadavg()[0] ?? Number.NaN).toFixed(1)} after`,
)
for (const e of engines) console.log(`  ${e.name}: ${e.how}`)
for (const w of chosen) console.log(`  ${w.name}: ${w.what}`)
console.log(`\nLoad (multi-row INSERTs of ${n(rowsPerInsert)} rows, ${n(rowsPerTx)} rows per transaction):`)
printTable(load)
console.log('\nQueries (cpu ms/q: CPU of this whole process per query, robust to other load on the machine):')
printTable(queries)
if (ratios.length > 0) {
  console.log('\nTessera / PGlite (queries/s above 1: Tessera faster; latency and CPU per query above 1: Tessera slower):')
  printTable(ratios)
}
const disagreements = checks.filter((c) => !c.agree)
console.log(
  disagreements.length === 0
    ? `\nresults agree on all ${checks.length} probes`
    : `\nRESULTS DIFFER on ${disagreements.length} of ${checks.length} probes:\n` +
        disagreements.map((d) => `${d.workload} ${JSON.stringify(d.params)}\n${d.detail}`).join('\n'),
)
if (flags.get('plans') === 'true') {
  for (const [w, byEngine] of Object.entries(plans)) {
    console.log(`\nplan of ${w}:`)
    for (const [e, lines] of Object.entries(byEngine)) console.log(`  ${e}:\n${lines.map((l) => `    ${l}`).join('\n')}`)
  }
}

const stamp = started.toISOString().slice(0, 19).replace(/[:T]/g, '-')
const jsonPath = resolve(root, flags.get('out') ?? join('bench/results', `sql-${stamp}.local.json`))
mkdirSync(resolve(jsonPath, '..'), { recursive: true })
const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root }).stdout?.toString().trim() || undefined
const config = { sizes, seconds, rounds, queriesMax, warmupSeconds, via, disk, rowsPerInsert, rowsPerTx }
const report = {
  bench: 'sql',
  started: started.toISOString(),
  git,
  bun: process.versions.bun,
  cores: navigator.hardwareConcurrency,
  loadAverage: { before: loadAverageBefore, after: loadavg()[0] },
  config,
  engines: Object.fromEntries(engines.map((e) => [e.name, e.how])),
  workloads: chosen.map(({ name, what, sql }) => ({ name, what, sql })),
  load,
  queries,
  ratios,
  checks,
  plans,
}
const json = JSON.stringify(report, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)
writeFileSync(jsonPath, json + '\n')
console.log(`\nresults: ${relative(root, jsonPath)}`)
process.exit(disagreements.length === 0 && queries.every((q) => q.errors === 0) ? 0 : 1)
