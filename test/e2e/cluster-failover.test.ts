// Failover with real processes (issue 3, "Real processes"): kill -9 a full region of a 3-region
// cluster under load; the other must serve reads and writes again within seconds, with every
// acknowledged write; the killed region, restarted, learns it was failed over, catches up and
// serves again. Method: three `tessera start --topology` processes on loopback, concurrent
// writers in both full regions, SIGKILL, then checks over HTTP.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clusterBasePort, localClusterArgs, post, startServer, untilOk, type ServerProcess } from './server-process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-failover-'))
const basePort = clusterBasePort()
const regions = ['us-east-1', 'us-east-2', 'us-west-2']
const servers = new Map<string, ServerProcess>()
const url = (name: string) => `http://127.0.0.1:${basePort + regions.indexOf(name)}`

const start = (name: string) =>
  startServer(dataDir, { args: localClusterArgs(name, basePort) }).then((s) => {
    servers.set(name, s)
    return s
  })

afterAll(async () => {
  for (const s of servers.values()) if (s.child.exitCode === null) await s.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('failover with real processes', () => {
  test('kill -9 a full region under load: the other serves within 5 s with every acknowledged write; the killed one comes back', async () => {
    await Promise.all(regions.map(start))
    await untilOk(() => post(`${url('us-east-1')}/v1/sql`, { sql: 'CREATE TABLE w (id int8 PRIMARY KEY, region text)' }), 10_000)
    const acked = new Set<number>()
    let stop = false
    const writer = async (region: string, base: number) => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const id = base + i
        const r = await post(`${url(region)}/v1/sql`, { sql: 'INSERT INTO w VALUES ($1, $2)', params: [id, region] }).catch(() => ({ status: 0 }))
        if (r.status === 200) acked.add(id)
      }
    }
    const load = Promise.all([writer('us-east-1', 1_000_000), writer('us-east-2', 2_000_000), writer('us-east-1', 3_000_000)])
    await new Promise((r) => setTimeout(r, 1_000))
    await servers.get('us-east-2')?.kill9()
    // Every request at the survivor needs the dead region's journals sealed: the first success
    // after the kill is the failover time.
    const servedAfterMs = await untilOk(() => post(`${url('us-east-1')}/v1/sql`, { sql: 'INSERT INTO w VALUES (1, $1)', params: ['probe'] }), 10_000)
    console.log(`failover: the survivor served ${servedAfterMs} ms after kill -9`)
    expect(servedAfterMs).toBeLessThan(5_000)
    await new Promise((r) => setTimeout(r, 500))
    stop = true
    await load
    const rows = await post(`${url('us-east-1')}/v1/sql`, { sql: 'SELECT id FROM w', rowMode: 'array' })
    const present = new Set<number>(rows.body.rows.map((r: string[]) => Number(r[0])))
    expect([...acked].filter((id) => !present.has(id))).toEqual([])
    expect(acked.size).toBeGreaterThan(20)
    // Writes from the survivor after the failover include keys the dead region owned.
    for (let id = 5_000_000; id < 5_000_030; id++) {
      expect((await post(`${url('us-east-1')}/v1/sql`, { sql: 'INSERT INTO w VALUES ($1, $2)', params: [id, 'after'] })).status).toBe(200)
    }

    // Restarted, the killed region learns it was failed over, catches up and serves both ways.
    await start('us-east-2')
    await untilOk(() => post(`${url('us-east-2')}/v1/sql`, { sql: 'INSERT INTO w VALUES (6000000, $1)', params: ['back'] }), 15_000)
    const back = await post(`${url('us-east-2')}/v1/sql`, { sql: 'SELECT count(*) AS n FROM w' })
    const survivor = await post(`${url('us-east-1')}/v1/sql`, { sql: 'SELECT count(*) AS n FROM w' })
    expect(back.body.rows).toEqual(survivor.body.rows)
  }, 90_000)
})
