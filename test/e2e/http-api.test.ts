// API.md over real HTTP against a real `tessera start` process with auth on: every endpoint, the
// token flow of the CLI, and each error status a client can meet. Method: spawn the server on a
// free loopback port, take a token from `tessera token`, and talk to it with fetch.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startServer, type ServerProcess } from './server-process.ts'

const root = resolve(import.meta.dir, '..', '..')
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-http-'))
let server: ServerProcess
let token: string

beforeAll(async () => {
  server = await startServer(dataDir, { auth: true })
  const cli = spawnSync(process.execPath, [join(root, 'cli/main.ts'), 'token', '--data', dataDir, '--ttl', '10m'], { encoding: 'utf8' })
  expect(cli.status).toBe(0)
  token = cli.stdout.trim()
})
afterAll(async () => {
  expect(await server.stop()).toBe(0)
  rmSync(dataDir, { recursive: true, force: true })
})

async function call(method: string, path: string, body?: unknown, auth: string | null = token) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (auth !== null) headers.authorization = `Bearer ${auth}`
  const init: RequestInit = { method, headers }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  const response = await fetch(`${server.url}${path}`, init)
  return { status: response.status, body: (await response.json()) as any }
}

describe('http api over a real process', () => {
  test('health without a token, everything else with one', async () => {
    expect((await call('GET', '/v1/health', undefined, null)).body.status).toBe('ok')
    const info = await call('GET', '/v1')
    expect(info.status).toBe(200)
    expect(info.body.regions).toEqual([{ name: 'local', role: 'full', url: server.url }])
    for (const auth of [null, 'not-a-token', `${token.slice(0, -4)}AAAA`]) {
      const r = await call('POST', '/v1/sql', { sql: 'SELECT 1' }, auth)
      expect(r.status).toBe(401)
      expect(r.body.error.code).toBe('28000')
    }
  })

  test('single statements, batches, rowMode and the value encodings', async () => {
    const ddl = await call('POST', '/v1/sql', {
      sql: 'CREATE TABLE things (id int8 PRIMARY KEY, name text NOT NULL, price numeric(8,2), ok bool, at timestamptz, doc jsonb)',
    })
    expect(ddl.body.command).toBe('CREATE TABLE')
    const batch = await call('POST', '/v1/sql', {
      statements: [
        { sql: 'INSERT INTO things VALUES ($1, $2, $3, $4, $5, $6)', params: ['9007199254740993', 'a', '1.5', true, '2024-01-02 03:04:05+00', { k: [1] }] },
        { sql: 'INSERT INTO things (id, name) VALUES (2, $1) RETURNING id, name', params: ['b'] },
      ],
    })
    expect(batch.status).toBe(200)
    expect(batch.body.results[1]).toEqual({ command: 'INSERT', rowCount: 1, fields: [{ name: 'id', type: 'int8' }, { name: 'name', type: 'text' }], rows: [{ id: '2', name: 'b' }] })
    const read = await call('POST', '/v1/sql', { sql: 'SELECT id, price, ok, at, doc FROM things WHERE id = $1', params: ['9007199254740993'], rowMode: 'array' })
    expect(read.body.rows).toEqual([['9007199254740993', '1.50', true, '2024-01-02 03:04:05+00', { k: [1] }]])
  })

  test('a failing batch applies nothing (409 23505), bad SQL is 400 with a position', async () => {
    const r = await call('POST', '/v1/sql', {
      statements: [{ sql: "INSERT INTO things (id, name) VALUES (3, 'c')" }, { sql: "INSERT INTO things (id, name) VALUES (2, 'dup')" }],
    })
    expect(r.status).toBe(409)
    expect(r.body.error.code).toBe('23505')
    expect((await call('POST', '/v1/sql', { sql: 'SELECT count(*) AS n FROM things WHERE id = 3' })).body.rows).toEqual([{ n: '0' }])
    const syntax = await call('POST', '/v1/sql', { sql: 'SELECT FROM WHERE' })
    expect(syntax.status).toBe(400)
    expect(syntax.body.error).toMatchObject({ code: '42601', retryable: false })
    expect(typeof syntax.body.error.position).toBe('number')
    expect((await call('POST', '/v1/sql', { sql: 'SELECT * FROM nowhere' })).body.error.code).toBe('42P01')
    expect((await call('POST', '/v1/sql', { sql: 'SELECT $1::int4', params: ['x'] })).body.error.code).toBe('22P02')
    expect((await call('POST', '/v1/sql', '{"sql": ')).status).toBe(400)
    expect((await call('POST', '/v1/sql', { sql: 42 })).status).toBe(400)
  })

  test('interactive transactions: lifecycle, conflict 409 40001, unknown 404', async () => {
    const a = await call('POST', '/v1/tx', {})
    const b = await call('POST', '/v1/tx', {})
    expect(a.status).toBe(201)
    for (const tx of [a.body.tx, b.body.tx]) {
      const u = await call('POST', `/v1/tx/${tx}/sql`, { sql: "UPDATE things SET name = 'x' WHERE id = 2" })
      expect(u.body.rowCount).toBe(1)
    }
    expect((await call('GET', `/v1/tx/${a.body.tx}`)).body.status).toBe('open')
    const first = await call('POST', `/v1/tx/${a.body.tx}/commit`)
    expect(first.body.status).toBe('committed')
    const second = await call('POST', `/v1/tx/${b.body.tx}/commit`)
    expect(second.status).toBe(409)
    expect(second.body.error).toMatchObject({ code: '40001', retryable: true })
    expect(second.body.error.message).toContain('(OC000)')
    expect((await call('GET', `/v1/tx/${a.body.tx}`)).body.status).toBe('committed')
    expect((await call('GET', `/v1/tx/${b.body.tx}`)).body.status).toBe('aborted')
    const c = await call('POST', '/v1/tx', {})
    expect((await call('POST', `/v1/tx/${c.body.tx}/rollback`)).body.status).toBe('rolled_back')
    expect((await call('POST', `/v1/tx/${c.body.tx}/rollback`)).body.status).toBe('rolled_back')
    const unknown = await call('POST', '/v1/tx/feedface/sql', { sql: 'SELECT 1' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('25P03')
  })

  test('limits answer 413 54000', async () => {
    const big = await call('POST', '/v1/sql', { sql: `SELECT '${'x'.repeat(2 * 1024 * 1024)}'` })
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('54000')
  })
})
