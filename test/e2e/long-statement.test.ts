// A long statement makes its region busy, never dead (docs/architecture.md "A long statement").
// A statement runs on its region's one JavaScript thread; before the keep-alive, a peer that heard
// nothing for 2 s called the link down and failed the healthy region over 2 s later. Method:
// three real `tessera start --topology` processes on loopback; a CPU-bound cross join sized to
// run past the link and failover delays together on us-east-1, while us-east-2 reads and writes
// beside it; then what each region logged and answered.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEAD_AFTER_MS } from '../../server/net/index.ts'
import { REGION_DEFAULTS } from '../../server/region/constants.ts'
import { clusterBasePort, post, startServer, type ServerProcess } from './server-process.ts'

const root = resolve(import.meta.dir, '..', '..')
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-long-'))
const basePort = clusterBasePort()
const regions = ['us-east-1', 'us-east-2', 'us-west-2']
const servers = new Map<string, ServerProcess>()
const url = (name: string) => `http://127.0.0.1:${basePort + regions.indexOf(name)}`
/** Long enough for a link to be called down and its region failed over, with a margin. */
const busyMsMin = DEAD_AFTER_MS + REGION_DEFAULTS.failoverAfterMs + 1_500

afterAll(async () => {
  for (const s of servers.values()) if (s.child.exitCode === null) await s.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const crossJoin = (n: number) => `SELECT count(*) AS n FROM generate_series(1, ${n}) a, generate_series(1, ${n}) b WHERE a * 3 < b`

/** Runs `sql` at us-east-1 and answers its status and how long it took. */
async function timed(sql: string): Promise<{ status: number; ms: number; body: any }> {
  const t0 = performance.now()
  const r = await post(`${url('us-east-1')}/v1/sql`, { sql })
  return { ...r, ms: performance.now() - t0 }
}

describe('a long statement', () => {
  test('holds its region busy without the others calling it down or failing it over', async () => {
    for (const name of regions) {
      const args = ['--topology', join(root, 'regions/local-3.json'), '--region', name, '--base-port', String(basePort)]
      servers.set(name, await startServer(dataDir, { args }))
    }
    expect((await post(`${url('us-east-1')}/v1/sql`, { sql: 'CREATE TABLE t (id int8 PRIMARY KEY, v text)' })).status).toBe(200)

    // Sized from a short run of the same join (its cost grows with n squared).
    const probeN = 2_500
    const probe = await timed(crossJoin(probeN))
    expect(probe.status).toBe(200)
    const n = Math.ceil(probeN * Math.sqrt((busyMsMin * 1.8) / Math.max(probe.ms, 1)))
    const outputFrom = new Map(regions.map((r) => [r, servers.get(r)!.output().length]))

    const long = timed(crossJoin(n))
    let done = false
    void long.finally(() => (done = true))
    // Beside it, us-east-2 reads (its snapshots need us-east-1's journals closed), and writes one
    // row (its commit checks the table's schema key, which may belong to us-east-1's partitions:
    // such a commit waits for the statement). Only once the statement holds the thread: a commit
    // of us-east-1's in flight then would hold its journal's closed timestamp, and so every
    // reader elsewhere, until the statement ends (docs/architecture.md).
    await new Promise((r) => setTimeout(r, 300))
    // (On a connection of its own: Bun's fetch may queue a request behind one in flight.)
    const write = fetch(`${url('us-east-2')}/v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ sql: 'INSERT INTO t VALUES (1, $1)', params: ['beside'] }),
      keepalive: false,
    })
    const reads: { status: number; ms: number }[] = []
    for (let i = 0; !done && i < 1_000; i++) {
      const t0 = performance.now()
      const r = await post(`${url('us-east-2')}/v1/sql`, { sql: 'SELECT count(*) AS n FROM t' })
      reads.push({ status: r.status, ms: performance.now() - t0 })
      await new Promise((r) => setTimeout(r, 50))
    }
    const result = await long
    const slowestMs = Math.max(...reads.map((r) => r.ms))
    console.log(`the statement (n = ${n}) took ${Math.round(result.ms)} ms; ${reads.length} reads at us-east-2 beside it, the slowest ${Math.round(slowestMs)} ms`)
    expect(result.status).toBe(200)
    expect(result.ms).toBeGreaterThan(busyMsMin)
    expect((await write).status).toBe(200)

    // No region saw a link go down, and none was failed over.
    const logged = regions.map((r) => servers.get(r)!.output().slice(outputFrom.get(r)))
    for (const text of logged) expect(text).not.toMatch(/link to full region \S+ down|failed over|quorum lost/)
    // The other region's readers did not wait for the statement: a keep-alive closes us-east-1's
    // journals every KEEP_ALIVE_MS (50 ms), so each read answered well within half a second.
    expect(reads.filter((r) => r.status !== 200)).toEqual([])
    expect(reads.length).toBeGreaterThan(busyMsMin / 1_000)
    expect(slowestMs).toBeLessThan(500)
  }, 120_000)
})
