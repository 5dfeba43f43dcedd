// The server on Deno (the task keeps it runnable there): the same `tessera start`, run by the Deno
// that npm installs, serves SQL over HTTP with its storage on node:sqlite and survives a restart;
// its regular expressions load re2js there too.
// Method: a real Deno process on loopback; one write, a stop, a restart, and the read.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { post, startServer } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'tessera-deno-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the server on Deno', () => {
  test('serves SQL, keeps a committed row across a restart', async () => {
    const first = await startServer(dir, { runtime: 'deno' })
    try {
      const created = await post(`${first.url}/v1/sql`, {
        statements: [
          { sql: 'CREATE TABLE t (id int PRIMARY KEY, v text)' },
          { sql: 'INSERT INTO t VALUES ($1, $2)', params: [1, 'kept'] },
        ],
      })
      expect(created.status).toBe(200)
    } finally {
      expect(await first.stop()).toBe(0)
    }
    const second = await startServer(dir, { runtime: 'deno' })
    try {
      const read = await post(`${second.url}/v1/sql`, { sql: "SELECT v, count(*) OVER (), v ~ '^(k|e)+pt$' AS re FROM t WHERE id = 1" })
      expect([read.status, read.body.rows]).toEqual([200, [{ v: 'kept', count: '1', re: true }]])
    } finally {
      await second.stop()
    }
  }, 60_000)
})
