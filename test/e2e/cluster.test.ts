// A local multi-region cluster as real processes (issue 3, "Real processes"): `tessera cluster`
// starts two full regions and a witness linked by authenticated WebSockets. Write in one region,
// read at once in the other; conflicting commits from the two regions, exactly one wins; the
// witness serves no SQL; SIGTERM stops every region cleanly.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, type ClusterProcess } from './server-process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'))
let cluster: ClusterProcess
let urls: ReadonlyMap<string, string>
let token = ''

beforeAll(async () => {
  cluster = await startCluster(dataDir)
  urls = cluster.urls
  token = cluster.token
})

afterAll(async () => {
  cluster.child.kill('SIGTERM')
  expect(await cluster.exited).toBe(0)
  rmSync(dataDir, { recursive: true, force: true })
})

async function sql(region: string, body: unknown) {
  const response = await fetch(`${urls.get(region)}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as any }
}

describe('a 3-region cluster of real processes', () => {
  test('writes in one region are read at once in the other, both ways', async () => {
    expect([...urls.keys()]).toEqual(['us-east-1', 'us-east-2', 'us-west-2'])
    expect((await sql('us-east-1', { sql: 'CREATE TABLE notes (id int4 PRIMARY KEY, body text)' })).status).toBe(200)
    for (let i = 0; i < 10; i++) {
      const [writer, reader] = i % 2 === 0 ? ['us-east-1', 'us-east-2'] : ['us-east-2', 'us-east-1']
      expect((await sql(writer, { sql: 'INSERT INTO notes VALUES ($1, $2)', params: [i, `note ${i} from ${writer}`] })).status).toBe(200)
      const read = await sql(reader, { sql: 'SELECT body FROM notes WHERE id = $1', params: [i] })
      expect(read.body.rows).toEqual([{ body: `note ${i} from ${writer}` }])
    }
  })

  test('conflicting interactive transactions in two regions: exactly one commits', async () => {
    await sql('us-east-1', { sql: 'CREATE TABLE counter (id int4 PRIMARY KEY, n int8)' })
    await sql('us-east-1', { sql: 'INSERT INTO counter VALUES (1, 0)' })
    const open = async (region: string) => {
      const r = await fetch(`${urls.get(region)}/v1/tx`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
      return ((await r.json()) as { tx: string }).tx
    }
    const call = async (region: string, path: string, body?: unknown) => {
      const r = await fetch(`${urls.get(region)}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? '{}' : JSON.stringify(body) })
      return { status: r.status, body: (await r.json()) as any }
    }
    const a = await open('us-east-1')
    const b = await open('us-east-2')
    await call('us-east-1', `/v1/tx/${a}/sql`, { sql: 'UPDATE counter SET n = n + 1 WHERE id = 1' })
    await call('us-east-2', `/v1/tx/${b}/sql`, { sql: 'UPDATE counter SET n = n + 10 WHERE id = 1' })
    const results = await Promise.all([call('us-east-1', `/v1/tx/${a}/commit`), call('us-east-2', `/v1/tx/${b}/commit`)])
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    expect(results.find((r) => r.status === 409)?.body.error.code).toBe('40001')
    const n = (await sql('us-east-2', { sql: 'SELECT n FROM counter' })).body.rows[0].n
    expect(['1', '10']).toContain(n)
    expect((await sql('us-east-1', { sql: 'SELECT n FROM counter' })).body.rows[0].n).toBe(n)
  })

  test('the witness serves no SQL and points at the full regions', async () => {
    const r = await sql('us-west-2', { sql: 'SELECT 1' })
    expect(r.status).toBe(503)
    expect(r.body.error.hint).toContain(urls.get('us-east-1'))
  })
})
