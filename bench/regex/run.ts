// bench/regex: what user patterns cost in the query processor's evaluate step (ARCHITECTURE.md
// "query processor"): each query runs one pattern operator or function over 10,000 generated rows
// in a real in-process region, so the figures are per 10k evaluations plus one small query's
// overhead (the `baseline` row: the same rows with no pattern at all). The `2 KB` rows are a tenth
// as many texts a hundred times longer, past the length where a pattern with quantifiers may run on
// JavaScript's RegExp (server/qp/regex-js.ts), so they measure RE2.
// Usage: bun bench/regex/run.ts [--seconds 2] [--rows 10000] [--only name,...]
import { parseArgs } from '../../cli/args.ts'
import { LatencyRecorder, printTable } from '../lib/index.ts'
import { openTessera } from '../sql/engines.ts'

const { flags } = parseArgs(process.argv.slice(2), [])
const seconds = Number(flags.get('seconds') ?? 2)
const rows = Number(flags.get('rows') ?? 10_000)
const only = flags.get('only')?.split(',')

/** Rows like 'abc17 foo-x-bar 17': every third starts with abc, every other one has foo...bar. */
const rowText = `CASE WHEN i % 3 = 0 THEN 'abc' ELSE 'xyz' END || i || CASE WHEN i % 2 = 0 THEN ' foo-x-BAR ' ELSE ' fo-x-ba ' END || i`
const source = `(SELECT ${rowText} AS s FROM generate_series(1, ${rows}) i) t`

/** A tenth as many rows, each its row of `source` a hundred times over (about 2 KB). */
const long = `(SELECT repeat(${rowText}, 100) AS s FROM generate_series(1, ${Math.ceil(rows / 10)}) i) t`

const workloads: readonly { name: string; sql: string }[] = [
  { name: 'baseline', sql: `SELECT count(*) FROM ${source} WHERE s <> ''` },
  { name: "~ '^abc'", sql: `SELECT count(*) FROM ${source} WHERE s ~ '^abc'` },
  { name: "~* 'foo.*bar'", sql: `SELECT count(*) FROM ${source} WHERE s ~* 'foo.*bar'` },
  { name: "~ '\\d+$'", sql: `SELECT count(*) FROM ${source} WHERE s ~ '\\d+$'` },
  { name: 'regexp_replace g', sql: `SELECT max(regexp_replace(s, '[0-9]+', '#', 'g')) FROM ${source}` },
  { name: 'regexp_match', sql: `SELECT count(regexp_match(s, '(\\w+)-x-(\\w+)')) FROM ${source}` },
  { name: "LIKE 'abc%'", sql: `SELECT count(*) FROM ${source} WHERE s LIKE 'abc%'` },
  { name: "ILIKE '%foo%bar%'", sql: `SELECT count(*) FROM ${source} WHERE s ILIKE '%foo%bar%'` },
  { name: "~* 'foo.*bar', 2 KB", sql: `SELECT count(*) FROM ${long} WHERE s ~* 'foo.*bar'` },
  { name: 'regexp_replace g, 2 KB', sql: `SELECT max(length(regexp_replace(s, '[0-9]+', '#', 'g'))) FROM ${long}` },
  { name: "SIMILAR TO '%(foo|fo)_x%'", sql: `SELECT count(*) FROM ${source} WHERE s SIMILAR TO '%(foo|fo)_x%'` },
  // Alternatives of different lengths: the longest match is not the first one (PostgreSQL's
  // '12.5', not '12'), so JavaScript's RegExp only finds where it starts.
  { name: 'substring longest', sql: `SELECT count(substring(s from '[0-9]+|[0-9]+x')) FROM ${source}` },
  { name: 'substring longest 2 KB', sql: `SELECT count(substring(s from '[0-9]+|[0-9]+x')) FROM ${long}` },
]

const engine = await openTessera({ via: 'qp', disk: 'mem' })
const results: Record<string, unknown>[] = []
try {
  for (const w of workloads) {
    if (only !== undefined && !only.includes(w.name)) continue
    const first = await engine.query(w.sql, [])
    // Warm up (JIT, plan cache) for a tenth of the measured time.
    for (const t0 = performance.now(); performance.now() - t0 < seconds * 100; ) await engine.query(w.sql, [])
    const latencies = new LatencyRecorder()
    const start = performance.now()
    while (latencies.count === 0 || performance.now() - start < seconds * 1000) {
      const t0 = performance.now()
      await engine.query(w.sql, [])
      latencies.add(performance.now() - t0)
    }
    const s = latencies.summarize((performance.now() - start) / 1000)
    results.push({ workload: w.name, result: String(first[0]?.[0]), queries: s.count, 'p50 ms': s.p50, 'p99 ms': s.p99 })
  }
} finally {
  await engine.close()
}
console.log(`${rows} rows per query, ${seconds} s per workload, Bun ${Bun.version}`)
printTable(results)
