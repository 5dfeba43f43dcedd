// What a long statement costs the requests beside it (docs/architecture.md "A long statement"): a
// region in this process (file journals, SQLite shards) serves point reads and single-row inserts
// from a few clients, alone, then while one more client runs a long join back to back, in slices
// (a plain SELECT) and without them (the same join as a scalar subquery, which an expression
// evaluates whole). Reports the requests' throughput with p50 and p99, and the long statement's
// time beside them against its time alone (the slices' cost). Figures only; nothing here is a test.
// Usage: bun bench/long-statement/run.ts [--seconds 4] [--clients 4] [--n 3000]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from '../../cli/args.ts'
import { SystemClock, SystemRandom } from '../../server/clock/index.ts'
import { NodeDisk } from '../../server/disk/index.ts'
import { openRegion } from '../../server/region/index.ts'
import { LatencyRecorder, printTable } from '../lib/index.ts'

const { flags } = parseArgs(process.argv.slice(2))
const seconds = Number(flags.get('seconds') ?? 4)
const clients = Number(flags.get('clients') ?? 4)
const n = Number(flags.get('n') ?? 3000)

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-long-bench-'))
const clock = new SystemClock()
const region = await openRegion({
  name: 'local', dataDir, url: 'http://127.0.0.1:1', clock, timers: clock,
  random: new SystemRandom(), disk: new NodeDisk(), auth: false,
})

async function sql(body: unknown): Promise<boolean> {
  const r = await region.app.fetch(
    new Request('http://127.0.0.1:1/v1/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  )
  await r.arrayBuffer()
  return r.ok
}

const join2 = `SELECT count(*) FROM generate_series(1, ${n}) a, generate_series(1, ${n}) b WHERE a * 3 < b`
const forms = { 'in slices': join2, 'without slices': `SELECT (${join2})` }

/** Runs `clients` clients of point reads and inserts for `seconds`, with `beside` running too. */
async function run(label: string, long: string | undefined) {
  const reads = new LatencyRecorder()
  const writes = new LatencyRecorder()
  let errors = 0
  let stop = false
  const longMs: number[] = []
  const longRunner = (async () => {
    while (long !== undefined && !stop && longMs.length < 1_000) {
      const t0 = performance.now()
      if (!(await sql({ sql: long }))) errors++
      longMs.push(performance.now() - t0)
      // As a client across a network would, between two requests: a statement that holds the
      // thread resolves without a turn of the event loop, and back to back would starve it.
      await new Promise((r) => setTimeout(r, 1))
    }
  })()
  const start = performance.now()
  const deadline = start + seconds * 1000
  let next = 1_000_000 * (1 + Math.floor(Math.random() * 1000))
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < deadline && i < 10_000_000; i++) {
        const t0 = performance.now()
        const read = i % 2 === 0
        const ok = read ? await sql({ sql: 'SELECT v FROM kv WHERE k = $1', params: [(c * 7919 + i) % 10_000] }) : await sql({ sql: 'INSERT INTO kv VALUES ($1, $2)', params: [next++, 'x'] })
        if (!ok) errors++
        ;(read ? reads : writes).add(performance.now() - t0)
      }
    }),
  )
  const wall = (performance.now() - start) / 1000
  stop = true
  await longRunner
  const mean = longMs.length === 0 ? Number.NaN : longMs.reduce((a, b) => a + b, 0) / longMs.length
  return { label, wall, reads: reads.summarize(wall, 0), writes: writes.summarize(wall, 0), errors, longs: longMs.length, longMs: mean }
}

try {
  await sql({ sql: 'CREATE TABLE kv (k int8 PRIMARY KEY, v text NOT NULL)' })
  for (let i = 0; i < 10_000; i += 500) {
    const statements = Array.from({ length: 500 }, (_, j) => ({ sql: 'INSERT INTO kv VALUES ($1, $2)', params: [i + j, `value ${i + j}`] }))
    if (!(await sql({ statements }))) throw new Error('preload failed')
  }
  // The long statement alone, each form, after a warm-up run.
  const alone: Record<string, number> = {}
  for (const [form, text] of Object.entries(forms)) {
    await sql({ sql: text })
    const t0 = performance.now()
    await sql({ sql: text })
    alone[form] = performance.now() - t0
  }
  const results = [await run('alone', undefined)]
  for (const [form, text] of Object.entries(forms)) results.push(await run(`beside a join ${form}`, text))
  console.log(`bench/long-statement: ${clients} clients (point reads and inserts, alternating), ${seconds} s per row; the long statement is a ${n} x ${n} join, alone ${Math.round(alone['in slices'] ?? 0)} ms in slices, ${Math.round(alone['without slices'] ?? 0)} ms without; bun ${Bun.version}`)
  printTable(
    results.flatMap((r) =>
      (['reads', 'writes'] as const).map((kind) => ({
        requests: `${kind} ${r.label}`,
        throughput: r[kind].throughput,
        p50: r[kind].p50,
        p99: r[kind].p99,
        max: r[kind].max,
        errors: r.errors,
        'long statements': r.longs,
        'long ms (mean)': r.longMs,
      })),
    ),
  )
  const sliced = results[1]
  if (sliced !== undefined) console.log(`a join in slices took ${((sliced.longMs / (alone['in slices'] ?? Number.NaN)) * 100).toFixed(0)}% of its time alone while the clients ran beside it`)
} finally {
  await region.close()
  rmSync(dataDir, { recursive: true, force: true })
}
