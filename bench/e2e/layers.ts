// bench/e2e by layer: the CPU per operation of a point select, SELECT 1 and an autocommit insert
// through the query processor alone and through the API's fetch handler, in one process with a
// real region (file journals, SQLite shards, auth on), 32 concurrent callers.
// Usage: bun bench/e2e/layers.ts [--seconds 2] [--rounds 2] [--only <name part>]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from '../../cli/args.ts'
import { createToken } from '../../server/api/index.ts'
import { SystemClock, SystemRandom } from '../../server/clock/index.ts'
import { NodeDisk } from '../../server/disk/index.ts'
import { openRegion } from '../../server/region/index.ts'

const { flags } = parseArgs(process.argv.slice(2))
const seconds = Number(flags.get('seconds') ?? 2)
const rounds = Number(flags.get('rounds') ?? 2)
const only = flags.get('only')
const clients = 32
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-layers-'))
const clock = new SystemClock()
const region = await openRegion({
  name: 'local', dataDir, url: 'http://127.0.0.1:1', clock, timers: clock,
  random: new SystemRandom(), disk: new NodeDisk(), auth: true,
})
const token = createToken(region.secret, { role: 'admin', ttlMs: 3_600_000 }, clock)

/** As over HTTP: the client sends Content-Length, so the API reads the body natively. */
async function viaApi(body: unknown): Promise<boolean> {
  const text = JSON.stringify(body)
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  }
  const r = await region.app.fetch(new Request('http://127.0.0.1:1/v1/sql', { method: 'POST', headers, body: text }))
  await r.arrayBuffer()
  return r.ok
}

async function viaQp(sql: string, params: unknown[]): Promise<boolean> {
  const tx = await region.qp.begin()
  await tx.execute(sql, params)
  await tx.commit()
  return true
}

async function measure(name: string, op: (c: number, i: number) => Promise<boolean>) {
  if (only !== undefined && !name.includes(only)) return
  let count = 0
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  const deadline = start + seconds * 1000
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < deadline; i++) if (await op(c, i)) count++
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  const perSecond = Math.round(count / ((performance.now() - start) / 1000))
  const usPerOp = ((cpu.user + cpu.system) / count).toFixed(1)
  console.log(`${name.padEnd(20)} ${String(perSecond).padStart(7)}/s ${usPerOp.padStart(6)} us cpu/op`)
}

try {
  await viaApi({ sql: 'CREATE TABLE kv (k int8 PRIMARY KEY, v text NOT NULL)' })
  const preload = 10_000
  for (let i = 0; i < preload; i += 500) {
    const statements = Array.from({ length: 500 }, (_, j) => ({ sql: 'INSERT INTO kv VALUES ($1, $2)', params: [i + j, `value ${i + j}`] }))
    if (!(await viaApi({ statements }))) throw new Error('preload failed')
  }
  let next = 1_000_000
  const key = (c: number, i: number) => (c * 7919 + i * 104_729) % preload
  for (let round = 0; round < rounds; round++) {
    await measure('select qp', (c, i) => viaQp('SELECT v FROM kv WHERE k = $1', [key(c, i)]))
    await measure('select api', (c, i) => viaApi({ sql: 'SELECT v FROM kv WHERE k = $1', params: [key(c, i)] }))
    await measure('select 1 qp', () => viaQp('SELECT 1', []))
    await measure('select 1 api', () => viaApi({ sql: 'SELECT 1' }))
    await measure('insert qp', () => viaQp('INSERT INTO kv VALUES ($1, $2)', [next++, 'payload']))
    await measure('insert api', () => viaApi({ sql: 'INSERT INTO kv VALUES ($1, $2)', params: [next++, 'payload'] }))
  }
} finally {
  await region.close()
  rmSync(dataDir, { recursive: true, force: true })
}
