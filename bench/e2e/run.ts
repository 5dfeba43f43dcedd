// bench/e2e: Tessera over HTTP with concurrent clients, against a bare Hono route on the same
// runtime (the ceiling), both as separate processes measured in the same run.
// Usage: bun bench/e2e/run.ts [--clients 32] [--seconds 5] [--warmup 2] [--only read|write]
//   [--rounds 1] [--prof DIR] [--threads]
// Each row first runs its load unmeasured for --warmup seconds (both servers alike): what is
// measured is the steady state, not the JIT compiling the server's code paths.
// (--prof writes a CPU profile of the Tessera server process into DIR when it stops; --threads
// prints each server's CPU per operation by thread: the JS thread is the one that saturates.
// --rounds N runs every pair N times, interleaved, and reports the median ratio: on a shared
// 2-core machine one round's ratio varies by several points.
// --budget 0,20,40 also runs the bare route as a model of a write (N µs of JavaScript per request,
// then a group-committed fsync; see bare-server.ts) under the write load, for each N: the share of
// the ceiling a write path of that cost can reach here, the yardstick for the write target.)
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from '../../cli/args.ts'
import { summarize, printTable, type Summary } from '../lib/index.ts'
import { serverEnv } from '../../bin/server-env.js'

const root = resolve(import.meta.dir, '..', '..')
const { flags } = parseArgs(process.argv.slice(2), ['threads'])
const clients = Number(flags.get('clients') ?? 32)
const seconds = Number(flags.get('seconds') ?? 5)
const warmupSeconds = Number(flags.get('warmup') ?? 2)
const rounds = Number(flags.get('rounds') ?? 1)
/** Each run (warm-up or measured) numbers its operations from a block of its own, so writes
 * never repeat a key. */
const OPS_PER_RUN = 200_000
let nextBlock = 0
const opsMax = 2_000_000
/** `read` or `write` runs only that pair of rows. */
const only = flags.get('only')
const profDir = flags.get('prof')
const byThread = flags.has('threads')
const budgetWorkUs = flags.get('budget')?.split(',').map(Number)
if (budgetWorkUs?.some((us) => !(us >= 0))) throw new Error(`--budget takes microseconds >= 0, separated by commas: ${flags.get('budget')}`)
const ratios: string[] = []
const threadLines: string[] = []

interface Server {
  readonly url: string
  readonly token: string
  readonly child: ChildProcess
}

/** Starts a server process with the runtime settings `tessera start` gives a region (both the
 * ceiling and Tessera: the same runtime, set up alike). */
async function spawnServer(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: serverEnv(process.env) })
  let out = ''
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no start:\n${out}`)), 20_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /serving at (http:\/\/\S+)/.exec(out)?.[1]
      const token = /\n\n(ey[\w.-]+|[\w-]+\.[\w-]+)\n/.exec(out)?.[1] ?? 'bench'
      if (url && (token !== 'bench' || args.includes('--no-auth') || !args.includes('start'))) {
        clearTimeout(timer)
        ok({ url, token, child })
      }
    })
  })
}

/** CPU seconds (user + system) the process has used so far; undefined where /proc is missing. */
function cpuSecondsOf(child: ChildProcess): number | undefined {
  const path = `/proc/${child.pid}/stat`
  if (!existsSync(path)) return undefined
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th, in ticks
  // of (almost everywhere) 100 Hz.
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** CPU seconds per thread name (threads of one name summed); empty where /proc is missing. */
function cpuByThread(child: ChildProcess): Map<string, number> {
  const out = new Map<string, number>()
  const dir = `/proc/${child.pid}/task`
  if (!existsSync(dir)) return out
  for (const tid of readdirSync(dir)) {
    try {
      const stat = readFileSync(`${dir}/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
      const seconds = (Number(fields[11]) + Number(fields[12])) / 100
      out.set(name, (out.get(name) ?? 0) + seconds)
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out
}

type Row = Summary & { serverCpuUsPerOp?: number }

/** Runs `clients` loops of `op` against `server` for `seconds` (and at most opsMax ops);
 * latencies in ms, and the server's CPU time per successful operation. */
async function load(server: Server, op: (client: number, i: number) => Promise<boolean>): Promise<Row> {
  if (warmupSeconds > 0) await loadOnly(op, warmupSeconds, OPS_PER_RUN * nextBlock++)
  const cpu0 = cpuSecondsOf(server.child)
  const threads0 = byThread ? cpuByThread(server.child) : undefined
  const summary = await loadOnly(op, seconds, OPS_PER_RUN * nextBlock++)
  const cpu1 = cpuSecondsOf(server.child)
  if (threads0 !== undefined && summary.count > 0) {
    const parts = [...cpuByThread(server.child)]
      .map(([name, s]) => [name, ((s - (threads0.get(name) ?? 0)) * 1e6) / summary.count] as const)
      .filter(([, us]) => us >= 0.1)
      .map(([name, us]) => `${name} ${us.toFixed(1)}`)
    threadLines.push(`${server.url}: µs of CPU per op by thread: ${parts.join(', ')}`)
  }
  if (cpu0 === undefined || cpu1 === undefined || summary.count === 0) return summary
  return { ...summary, serverCpuUsPerOp: ((cpu1 - cpu0) * 1e6) / summary.count }
}

async function loadOnly(
  op: (client: number, i: number) => Promise<boolean>,
  runSeconds: number,
  firstI: number,
): Promise<Summary> {
  const latencies: number[] = []
  let errors = 0
  const deadline = performance.now() + runSeconds * 1000
  const start = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = firstI; performance.now() < deadline && latencies.length < opsMax && i < firstI + OPS_PER_RUN; i++) {
        const t0 = performance.now()
        if (await op(client, i)) latencies.push(performance.now() - t0)
        else errors++
      }
    }),
  )
  return summarize(latencies, (performance.now() - start) / 1000, errors)
}

const budgetServers: Server[] = []

/** The write model at each --budget cost after a fresh ceiling row; a ratio line for each. */
async function budgetRows(write: (s: Server) => (c: number, i: number) => Promise<boolean>, results: Array<[string, Row]>) {
  const ceiling = await load(bare, write(bare))
  results.push(['ceiling (bare Hono): write-shaped', ceiling])
  for (const workUs of budgetWorkUs ?? []) {
    const model = await spawnServer([join(root, 'bench/e2e/bare-server.ts'), '--work-us', String(workUs), '--fsync-file', join(dataDir, `budget-${workUs}.log`)])
    budgetServers.push(model)
    const row = await load(model, write(model))
    results.push([`bare route + ${workUs} µs of work + group fsync`, row])
    ratios.push(`write model with ${workUs} µs of work per request: ${((row.throughput / ceiling.throughput) * 100).toFixed(1)}% of the ceiling`)
    model.child.kill('SIGTERM')
  }
}

function sql(server: Server, body: unknown): Promise<boolean> {
  return fetch(`${server.url}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (r) => {
    await r.arrayBuffer()
    return r.ok
  })
}

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
const bare = await spawnServer([join(root, 'bench/e2e/bare-server.ts')])
const profile = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(profDir)}`]
const tessera = await spawnServer([...profile, join(root, 'cli/main.ts'), 'start', '--port', '0', '--data', dataDir])
try {
  const preload = 10_000
  await sql(tessera, { sql: 'CREATE TABLE kv (k int8 PRIMARY KEY, v text NOT NULL)' })
  for (let i = 0; i < preload; i += 500) {
    const statements = Array.from({ length: 500 }, (_, j) => ({ sql: 'INSERT INTO kv VALUES ($1, $2)', params: [i + j, `value ${i + j}`] }))
    if (!(await sql(tessera, { statements }))) throw new Error('preload failed')
  }
  const write = (s: Server) => (c: number, i: number) =>
    sql(s, { sql: 'INSERT INTO kv VALUES ($1, $2)', params: [1_000_000 + c * 100_000_000 + i, 'payload'] })
  const read = (s: Server) => (c: number, i: number) =>
    sql(s, { sql: 'SELECT v FROM kv WHERE k = $1', params: [(c * 7919 + i * 104_729) % preload] })
  const results: Array<[string, Row]> = []
  const writeRatios: number[] = []
  const readRatios: number[] = []
  /** The ceiling, then Tessera, under one load shape; the ratio goes to `ratiosOut`. */
  const pair = async (op: (s: Server) => (c: number, i: number) => Promise<boolean>, shape: string, name: string, ratiosOut: number[]) => {
    const ceiling = await load(bare, op(bare))
    results.push([`ceiling (bare Hono): ${shape}`, ceiling])
    const row = await load(tessera, op(tessera))
    results.push([`tessera: ${name}`, row])
    ratiosOut.push((row.throughput / ceiling.throughput) * 100)
  }
  for (let round = 0; round < rounds; round++) {
    if (only !== 'read') await pair(write, 'write-shaped', 'autocommit single-row INSERT', writeRatios)
    if (only !== 'write') await pair(read, 'read-shaped', 'point SELECT by primary key', readRatios)
  }
  const report = (what: string, all: number[], target: number) => {
    if (all.length === 0) return
    const sorted = [...all].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    const each = all.length > 1 ? ` (median of ${all.length}: ${all.map((r) => r.toFixed(1)).join(', ')})` : ''
    ratios.push(`${what}: ${median.toFixed(1)}% of the ceiling${each} (target >= ${target}%)`)
  }
  if (budgetWorkUs !== undefined) await budgetRows(write, results)
  report('writes', writeRatios, 40)
  report('point selects', readRatios, 60)
  console.log(`bench/e2e: ${clients} concurrent clients, ${seconds} s per row after ${warmupSeconds} s of warm-up, ${rounds} round(s), ${process.versions.bun ? `bun ${process.versions.bun}` : 'node'}`)
  printTable(results.map(([name, s]) => ({ name, ...s })))
  for (const line of ratios) console.log(line)
  for (const line of threadLines) console.log(line)
} finally {
  for (const server of budgetServers) server.child.kill('SIGTERM')
  bare.child.kill('SIGTERM')
  tessera.child.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 500))
  rmSync(dataDir, { recursive: true, force: true })
}
