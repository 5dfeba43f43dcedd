// A real region on a real full disk (docs/architecture.md "Failure handling: a full disk"): one
// `tessera start` process on a small tmpfs, fed 2,000-character rows one at a time until the disk
// is full; it must stay up, answer 40003 for the write in flight and 53100 after, keep serving
// reads, report itself degraded; once the tmpfs is enlarged it must take commits again without a
// restart; and after a kill -9 and a restart every acknowledged row must be there, whole.
// Needs root (mount) and Linux; not part of `npm test` (CI cannot mount). Usage:
//   bun bench/disk-full/run.ts [--size-mb 8] [--port 8291]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from '../../cli/args.ts'

const { flags } = parseArgs(process.argv.slice(2))
const sizeMb = Number(flags.get('size-mb') ?? 8)
const port = Number(flags.get('port') ?? 8291)
const url = `http://127.0.0.1:${port}`
/** Refusals in a row after which the disk counts as full. */
const REFUSALS_IN_A_ROW = 50
/** Rows inserted after space is freed. */
const ROWS_AFTER = 200

const mountPoint = mkdtempSync(join(tmpdir(), 'tessera-disk-full-'))
const data = join(mountPoint, 'd')
const logs: string[] = []
let region: ChildProcess | undefined

function sh(...args: string[]): void {
  const result = spawnSync(args[0] as string, args.slice(1), { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`)
}

async function start(): Promise<void> {
  const child = spawn('bun', ['cli/main.ts', 'start', '--port', String(port), '--data', data, '--no-auth'], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  region = child
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/v1/health`).then((r) => r.ok, () => false)) return
    await Bun.sleep(100)
  }
  throw new Error(`the region did not come up:\n${logs.join('')}`)
}

async function sql(text: string, params?: unknown[]): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: text, params }) })
  return { status: response.status, body: await response.json() }
}

/** Inserts ids from `from` on, one at a time, until `stop` says so; returns each id's outcome. */
async function insert(from: number, stop: (outcomes: string[]) => boolean): Promise<Map<number, string>> {
  const outcomes = new Map<number, string>()
  const value = 'x'.repeat(2000)
  for (let id = from; !stop([...outcomes.values()]); id++) {
    if (region?.exitCode !== null) throw new Error(`the region died:\n${logs.join('')}`)
    const { status, body } = await sql('INSERT INTO big VALUES ($1, $2)', [id, value])
    outcomes.set(id, status === 200 ? 'ok' : `${status} ${body.error.code} ${body.error.message}`)
  }
  return outcomes
}

function counts(outcomes: Map<number, string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const o of outcomes.values()) out[o.slice(0, 9)] = (out[o.slice(0, 9)] ?? 0) + 1
  return out
}

try {
  sh('mount', '-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', mountPoint)
  mkdirSync(data)
  await start()
  await sql('CREATE TABLE big (id int PRIMARY KEY, v text)')
  const full = await insert(0, (o) => o.length >= REFUSALS_IN_A_ROW && o.slice(-REFUSALS_IN_A_ROW).every((x) => x !== 'ok' && !x.includes('40003')))
  console.log('filling:', counts(full))
  console.log('first refusals:', [...new Set([...full.values()].filter((o) => o !== 'ok'))].slice(0, 3))
  console.log('read while full:', (await sql('SELECT count(*) AS n FROM big')).body.rows)
  console.log('health while full:', await (await fetch(`${url}/v1/health`)).json())
  sh('mount', '-o', `remount,size=${sizeMb * 8}m`, mountPoint)
  const freedAt = performance.now()
  while (((await (await fetch(`${url}/v1/health`)).json()) as { status: string }).status !== 'ok') await Bun.sleep(50)
  console.log(`healthy again ${Math.round(performance.now() - freedAt)} ms after space was freed, no restart`)
  const after = await insert(full.size, (o) => o.length >= ROWS_AFTER)
  console.log('after freeing:', counts(after))
  // The region looks for a change to tell every second.
  await Bun.sleep(1_500)
  region?.kill('SIGKILL')
  await new Promise((resolve) => region?.once('exit', resolve))
  await start()
  const rows = new Map<number, number>(((await sql('SELECT id, length(v) AS n FROM big')).body.rows as { id: number; n: number }[]).map((r) => [r.id, r.n]))
  const all = new Map([...full, ...after])
  const acked = [...all].filter(([, o]) => o === 'ok').map(([id]) => id)
  const refused = [...all].filter(([, o]) => o !== 'ok' && !o.includes('40003')).map(([id]) => id)
  const unknown = [...all].filter(([, o]) => o.includes('40003')).map(([id]) => id)
  console.log('after kill -9 and restart:', {
    rows: rows.size,
    acknowledged: acked.length,
    acknowledgedMissing: acked.filter((id) => !rows.has(id)).length,
    partial: [...rows.values()].filter((n) => n !== 2000).length,
    refusedPresent: refused.filter((id) => rows.has(id)).length,
    unknown: unknown.length,
    unknownPresent: unknown.filter((id) => rows.has(id)).length,
  })
  console.log('disk lines:', logs.join('').split('\n').filter((l) => / disk: /.test(l)).map((l) => l.slice(0, 130)))
} finally {
  region?.kill('SIGTERM')
  if (region !== undefined && region.exitCode === null) await new Promise((resolve) => region?.once('exit', resolve))
  spawnSync('umount', [mountPoint])
  rmSync(mountPoint, { recursive: true, force: true })
}
