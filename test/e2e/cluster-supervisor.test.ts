// Goal: `tessera cluster` (what `npm start` runs) restarts a full region whose process dies, on
// its own data, and the region serves again with everything committed before; Ctrl-C then stops
// every region with no restart, exit code 0. Method: the real launcher and its three region
// processes; rows committed over HTTP, `kill -9` of the pid the launcher printed for us-east-2,
// then the launcher's output, the region's readiness and a read through it; SIGINT at the end.
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SERVER_ENV } from '../../bin/server-env.js'
import { startCluster, type ClusterProcess } from './server-process.ts'

const dataDirs: string[] = []
const clusters: ClusterProcess[] = []

/** A `tessera cluster` on a fresh directory, stopped and removed after the file's tests. */
async function launch(): Promise<ClusterProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-supervisor-'))
  dataDirs.push(dataDir)
  const cluster = await startCluster(dataDir)
  clusters.push(cluster)
  return cluster
}

afterAll(async () => {
  for (const cluster of clusters) {
    if (cluster.child.exitCode === null) cluster.child.kill('SIGTERM')
    await cluster.exited
  }
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
})

const pidOf = async (cluster: ClusterProcess, region: string) => Number((await cluster.waitFor(new RegExp(`\\[${region}\\] started, pid (\\d+)`), 0))[1])

async function sql(url: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

/** Polls `probe` every 100 ms until it is true; fails after `ms`. Returns the time it took. */
async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now()
  while (!(await probe().catch(() => false))) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`)
    await Bun.sleep(100)
  }
  return Date.now() - t0
}

describe('tessera cluster supervises its regions', () => {
  test('kill -9 of a full region: restarted with its data, it serves the rows committed before; Ctrl-C then stops all, no restart', async () => {
    const c = await launch()
    const east1 = c.urls.get('us-east-1') as string
    const east2 = c.urls.get('us-east-2') as string
    expect((await sql(east1, c.token, { sql: 'CREATE TABLE kept (id int4 PRIMARY KEY, body text)' })).status).toBe(200)
    for (let i = 0; i < 10; i++) {
      const url = i % 2 === 0 ? east1 : east2
      expect((await sql(url, c.token, { sql: 'INSERT INTO kept VALUES ($1, $2)', params: [i, `row ${i}`] })).status).toBe(200)
    }
    const pid = await pidOf(c, 'us-east-2')
    expect(pid).toBeGreaterThan(0)
    // The region runs with the server runtime settings (bin/server-env.js), where /proc shows them.
    if (existsSync(`/proc/${pid}/environ`)) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      for (const [name, value] of Object.entries(SERVER_ENV)) expect(environ).toContain(`${name}=${value}`)
    }

    const before = c.output().length
    const killedAt = Date.now()
    process.kill(pid, 'SIGKILL')
    await c.waitFor(/\[us-east-2\] exited \(SIGKILL\); restarting in 1 s\n/, 5_000, before)
    const restarted = Number((await c.waitFor(/\[us-east-2\] restarted \(restart 1\), pid (\d+)\n/, 5_000, before))[1])
    expect(restarted).not.toBe(pid)
    const readyMs = await until('us-east-2 ready again', 20_000, async () => (await fetch(`${east2}/v1/health?ready=1`)).status === 200)
    console.log(`supervisor: us-east-2 ready again ${Date.now() - killedAt} ms after kill -9 (${readyMs} ms of polling)`)
    // Ready means it can begin transactions; a read may still meet a failover that settles (503).
    let rows: unknown
    await until('a read through the restarted region', 10_000, async () => {
      const r = await sql(east2, c.token, { sql: 'SELECT id, body FROM kept ORDER BY id', rowMode: 'array' })
      rows = r.body.rows
      return r.status === 200
    })
    expect(rows).toEqual(Array.from({ length: 10 }, (_, i) => [i, `row ${i}`]))
    expect((await sql(east2, c.token, { sql: 'INSERT INTO kept VALUES (10, $1)', params: ['after the restart'] })).status).toBe(200)

    const beforeStop = c.output().length
    c.child.kill('SIGINT')
    expect(await c.exited).toBe(0)
    const tail = c.output().slice(beforeStop)
    for (const region of c.urls.keys()) expect(tail).toMatch(new RegExp(`\\[${region}\\] exited \\(code 0\\)\\n`))
    expect(tail).not.toMatch(/restarting in|restarted \(/)
  }, 60_000)

  test('kill -9 of every region at once: all three are restarted and serve the rows again', async () => {
    const c = await launch()
    const east1 = c.urls.get('us-east-1') as string
    expect((await sql(east1, c.token, { sql: 'CREATE TABLE kept (id int4 PRIMARY KEY)' })).status).toBe(200)
    expect((await sql(east1, c.token, { sql: 'INSERT INTO kept VALUES (1), (2), (3)' })).status).toBe(200)
    const pids = await Promise.all([...c.urls.keys()].map((region) => pidOf(c, region)))
    const before = c.output().length
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    for (const region of c.urls.keys()) await c.waitFor(new RegExp(`\\[${region}\\] restarted \\(restart 1\\), pid \\d+\\n`), 5_000, before)
    for (const region of ['us-east-1', 'us-east-2']) {
      const url = c.urls.get(region) as string
      await until(`a read in ${region}`, 20_000, async () => (await sql(url, c.token, { sql: 'SELECT count(*) AS n FROM kept' })).body.rows?.[0]?.n === '3')
    }
    c.child.kill('SIGTERM')
    expect(await c.exited).toBe(0)
  }, 60_000)

  test('Ctrl-C while a killed region waits for its restart: nothing is restarted, and the exit code says a region did not stop cleanly', async () => {
    const c = await launch()
    const pid = await pidOf(c, 'us-east-1')
    const before = c.output().length
    process.kill(pid, 'SIGKILL')
    await c.waitFor(/\[us-east-1\] exited \(SIGKILL\); restarting in 1 s\n/, 5_000, before)
    c.child.kill('SIGINT')
    expect(await c.exited).toBe(1)
    const tail = c.output().slice(before)
    expect(tail).not.toMatch(/restarted \(/)
    for (const region of ['us-east-2', 'us-west-2']) expect(tail).toMatch(new RegExp(`\\[${region}\\] exited \\(code 0\\)\\n`))
  }, 30_000)

  test('kill -9 of the launcher itself: its regions stop too, freeing their ports, instead of running on unsupervised', async () => {
    const c = await launch()
    const pids = await Promise.all([...c.urls.keys()].map((region) => pidOf(c, region)))
    c.child.kill('SIGKILL')
    await c.exited
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    await until('every region process gone', 15_000, async () => pids.every((pid) => !alive(pid)))
    // The ports are free again: a region can listen on one.
    const east1 = new URL(c.urls.get('us-east-1') as string)
    const probe = Bun.serve({ hostname: east1.hostname, port: Number(east1.port), fetch: () => new Response('') })
    await probe.stop(true)
  }, 30_000)
})
