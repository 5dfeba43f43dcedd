// bench/e2e in one process: a real region (file journals, SQLite shards, auth on) driven through
// its fetch handler with real Request objects and no network, so server CPU per request shows
// without the client's share. Usage: bun bench/e2e/in-process.ts [--clients 32] [--seconds 2]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from '../../cli/args.ts'
import { createToken } from '../../server/api/index.ts'
import { SystemClock, SystemRandom } from '../../server/clock/index.ts'
import { NodeDisk } from '../../server/disk/index.ts'
import { openRegion } from '../../server/region/index.ts'

const { flags } = parseArgs(process.argv.slice(2))
const clients = Number(flags.get('clients') ?? 32)
const seconds = Number(flags.get('seconds') ?? 2)
const only = flags.get('only')

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-inproc-'))
const clock = new SystemClock()
const region = await openRegion({
  name: 'local', dataDir, url: 'http://127.0.0.1:1', clock, timers: clock,
  random: new SystemRandom(), disk: new NodeDisk(), auth: true,
})
const token = createToken(region.secret, { role: 'admin', ttlMs: 3_600_000 }, clock)
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

async function sql(body: unknown): Promise<boolean> {
  const r = await region.app.fetch(
    new Request('http://127.0.0.1:1/v1/sql', { method: 'POST', headers, body: JSON.stringify(body) }),
  )
  await r.arrayBuffer()
  return r.ok
}

async function load(name: string, op: (c: number, i: number) => Promise<boolean>) {
  if (only !== undefined && !name.includes(only)) return
  let count = 0
  let errors = 0
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  const deadline = start + seconds * 1000
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < deadline; i++) (await op(c, i)) ? count++ : errors++
    }),
  )
  const wall = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpu0)
  const usPerOp = (cpu.user + cpu.system) / count
  console.log(
    `${name.padEnd(28)} ${String(Math.round(count / wall)).padStart(7)}/s  ${usPerOp.toFixed(1)} us cpu/op  errors ${errors}`,
  )
}

try {
  await sql({ sql: 'CREATE TABLE kv (k int8 PRIMARY KEY, v text NOT NULL)' })
  const preload = 10_000
  for (let i = 0; i < preload; i += 500) {
    const statements = Array.from({ length: 500 }, (_, j) => ({ sql: 'INSERT INTO kv VALUES ($1, $2)', params: [i + j, `value ${i + j}`] }))
    if (!(await sql({ statements }))) throw new Error('preload failed')
  }
  const rounds = Number(flags.get('rounds') ?? 2)
  for (let r = 0; r < rounds; r++) {
    await load('point select', (c, i) => sql({ sql: 'SELECT v FROM kv WHERE k = $1', params: [(c * 7919 + i * 104_729) % preload] }))
    await load('select 1', () => sql({ sql: 'SELECT 1' }))
    await load('insert', (c, i) => sql({ sql: 'INSERT INTO kv VALUES ($1, $2)', params: [1_000_000 + r * 100_000_000 + c * 1_000_000 + i, 'payload'] }))
    await load('info', async () => {
      const res = await region.app.fetch(new Request('http://127.0.0.1:1/v1', { headers }))
      await res.arrayBuffer()
      return res.ok
    })
  }
} finally {
  await region.close()
  rmSync(dataDir, { recursive: true, force: true })
}
