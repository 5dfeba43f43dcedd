// The limits of `tessera start` are settable from the command line and hold over real HTTP.
// Method: start a process with tiny limits and cross each one.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { post, startServer, type ServerProcess } from './server-process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-limits-'))
let server: ServerProcess
beforeAll(async () => {
  server = await startServer(dataDir, { args: ['--rows-modified-max', '3', '--body-bytes-max', '2000', '--tx-bytes-max', '1000'] })
})
afterAll(async () => {
  expect(await server.stop()).toBe(0)
  rmSync(dataDir, { recursive: true, force: true })
})

test('rows modified, transaction bytes and body size limits come from the flags', async () => {
  expect((await post(`${server.url}/v1/sql`, { sql: 'CREATE TABLE t (id int4 PRIMARY KEY, s text)' })).status).toBe(200)
  const three = await post(`${server.url}/v1/sql`, { sql: 'INSERT INTO t VALUES (1, $1), (2, $1), (3, $1)', params: ['x'] })
  expect(three.status).toBe(200)
  const four = await post(`${server.url}/v1/sql`, { sql: 'UPDATE t SET s = $1', params: ['y'] })
  expect(four.status).toBe(200)
  const tooMany = await post(`${server.url}/v1/sql`, { sql: 'INSERT INTO t VALUES (4, $1), (5, $1), (6, $1), (7, $1)', params: ['x'] })
  expect(tooMany.status).toBe(413)
  expect(tooMany.body.error.code).toBe('54000')
  const tooBig = await post(`${server.url}/v1/sql`, { sql: 'INSERT INTO t VALUES (8, $1)', params: ['z'.repeat(1500)] })
  expect(tooBig.status).toBe(413)
  const body = await post(`${server.url}/v1/sql`, { sql: `SELECT '${'q'.repeat(3000)}'` })
  expect(body.status).toBe(413)
  expect((await post(`${server.url}/v1/sql`, { sql: 'SELECT count(*) AS n FROM t' })).body.rows).toEqual([{ n: '3' }])
})
