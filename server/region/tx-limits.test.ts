// Goal: the transaction limits docs/api.md promises (rows modified, bytes of writes) are the ones a
// user meets: a transaction within them commits, whatever its schema (secondary indexes, a unique
// one, foreign keys) or its text (é, '"', '\', emoji); one past them gets the message of the limit
// it passed, never the adjudicators' keys limit or the journal's record size. Method: real regions
// in memory (SimDisk, real timers), requests through `app.request()` with a real token; the bytes
// a text takes are computed here by the journal's own means (JSON.stringify, then UTF-8), and the
// one unknown, the row key's length, is found by bisection on plain ASCII text.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createToken } from '../api/index.ts'
import { SystemClock, SystemRandom } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import type { QpLimits } from '../qp/index.ts'
import { openRegion } from './index.ts'

/** A region with `qp` limits, and the API as a client calls it. */
async function client(qp: QpLimits = {}) {
  const clock = new SystemClock()
  const region = await openRegion({
    name: 'local',
    url: 'http://127.0.0.1:0',
    clock,
    timers: clock,
    random: new SystemRandom(),
    disk: new SimDisk(),
    qp,
  })
  const token = createToken(region.secret, { role: 'user', ttlMs: 600_000 }, clock)
  const call = async (path: string, body?: unknown) => {
    const res = await region.app.request(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as any }
  }
  /** One statement in a transaction of its own: 'ok', or the error's code and message. */
  const run = async (sql: string, params: unknown[] = []) => {
    const r = await call('/v1/sql', { sql, params })
    return r.status === 200 ? 'ok' : `${r.json.error.code} ${r.json.error.message}`
  }
  /** The statement in a transaction rolled back afterwards: as `run`, without committing. */
  const tryRolledBack = async (sql: string, params: unknown[] = []) => {
    const tx = (await call('/v1/tx', {})).json.tx as string
    const r = await call(`/v1/tx/${tx}/sql`, { sql, params })
    await call(`/v1/tx/${tx}/rollback`)
    return r.status === 200 ? 'ok' : `${r.json.error.code} ${r.json.error.message}`
  }
  const count = async (table: string) => {
    const r = await call('/v1/sql', { sql: `SELECT count(*) AS n FROM ${table}`, rowMode: 'array' })
    return Number(r.json.rows[0][0])
  }
  return { region, call, run, tryRolledBack, count }
}

type Client = Awaited<ReturnType<typeof client>>

const rowsMessage = (n: number) => `54000 transaction exceeds the limit of ${n} modified rows`
const bytesMessage = (n: number) => `54000 transaction exceeds the limit of ${n} bytes of writes`

describe('rows modified: 10,000 by default', () => {
  let c: Client
  beforeAll(async () => (c = await client()))
  afterAll(() => c.region.close())

  test('exactly 10,000 rows commit into a table without secondary indexes; 10,001 get the rows limit', async () => {
    expect(await c.run('CREATE TABLE a (id int8 PRIMARY KEY, g int4, v text)')).toBe('ok')
    expect(await c.run(`INSERT INTO a SELECT g, g % 100, 'v' || g FROM generate_series(0, 9999) g`)).toBe('ok')
    expect(await c.count('a')).toBe(10_000)
    expect(await c.run(`INSERT INTO a SELECT g, g % 100, 'v' || g FROM generate_series(10000, 20000) g`)).toBe(rowsMessage(10_000))
    expect(await c.run('UPDATE a SET g = g + 1')).toBe('ok')
    expect(await c.run('DELETE FROM a')).toBe('ok')
  }, 30_000)

  test('with three secondary indexes, one of them unique, 10,000 rows commit, updated on every index too', async () => {
    expect(await c.run('CREATE TABLE b (id int8 PRIMARY KEY, g int4, v text, w int4)')).toBe('ok')
    for (const ddl of ['CREATE INDEX ON b (g)', 'CREATE INDEX ON b (v)', 'CREATE UNIQUE INDEX ON b (w)']) expect(await c.run(ddl)).toBe('ok')
    expect(await c.run(`INSERT INTO b SELECT g, g % 100, 'v' || g, g FROM generate_series(0, 9999) g`)).toBe('ok')
    expect(await c.count('b')).toBe(10_000)
    expect(await c.run(`UPDATE b SET g = g + 1, v = v || 'x', w = w + 100000`)).toBe('ok')
    expect(await c.run(`INSERT INTO b SELECT g, g % 100, 'v' || g, g FROM generate_series(10000, 20000) g`)).toBe(rowsMessage(10_000))
  }, 30_000)

  test('10,000 rows referencing as many parents through a foreign key commit', async () => {
    expect(await c.run('CREATE TABLE p (id int8 PRIMARY KEY)')).toBe('ok')
    expect(await c.run('CREATE TABLE f (id int8 PRIMARY KEY, pid int8 REFERENCES p (id))')).toBe('ok')
    // Parents in two transactions, so that only the children's is at the limit.
    for (const from of [0, 5000]) expect(await c.run(`INSERT INTO p SELECT g FROM generate_series(${from}, ${from + 4999}) g`)).toBe('ok')
    expect(await c.run('INSERT INTO f SELECT g, g FROM generate_series(0, 9999) g')).toBe('ok')
    expect(await c.count('f')).toBe(10_000)
    expect(await c.run('UPDATE f SET pid = 9999 - pid')).toBe('ok')
  }, 30_000)

  test('eight secondary indexes, two of them for foreign keys: 10,000 rows commit', async () => {
    expect(await c.run('CREATE TABLE q1 (id int8 PRIMARY KEY)')).toBe('ok')
    expect(await c.run('CREATE TABLE q2 (id int8 PRIMARY KEY)')).toBe('ok')
    for (const table of ['q1', 'q2'])
      for (const from of [0, 5000]) expect(await c.run(`INSERT INTO ${table} SELECT g FROM generate_series(${from}, ${from + 4999}) g`)).toBe('ok')
    const columns = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']
    expect(
      await c.run(`CREATE TABLE wide (id int8 PRIMARY KEY, r1 int8 REFERENCES q1 (id), r2 int8 REFERENCES q2 (id), ${columns.map((x) => `${x} int8`).join(', ')})`),
    ).toBe('ok')
    for (const x of columns) expect(await c.run(`CREATE INDEX ON wide (${x})`)).toBe('ok')
    const values = columns.map((_, i) => `g * ${i + 2}`).join(', ')
    expect(await c.run(`INSERT INTO wide SELECT g, g, 9999 - g, ${values} FROM generate_series(0, 9999) g`)).toBe('ok')
    expect(await c.count('wide')).toBe(10_000)
    expect(await c.run(`UPDATE wide SET ${columns.map((x) => `${x} = ${x} + 1`).join(', ')}`)).toBe('ok')
  }, 30_000)
})

test('with rowsModifiedMax 30,000, 30,000 rows commit into a table of two secondary indexes', async () => {
  const c = await client({ rowsModifiedMax: 30_000 })
  try {
    expect(await c.run('CREATE TABLE m (id int8 PRIMARY KEY, g int4, v text)')).toBe('ok')
    expect(await c.run('CREATE INDEX ON m (g)')).toBe('ok')
    expect(await c.run('CREATE INDEX ON m (v)')).toBe('ok')
    expect(await c.run(`INSERT INTO m SELECT g, g % 100, 'v' || g FROM generate_series(1, 30000) g`)).toBe('ok')
    expect(await c.count('m')).toBe(30_000)
    expect(await c.run(`INSERT INTO m SELECT g, g % 100, 'v' || g FROM generate_series(30001, 60001) g`)).toBe(rowsMessage(30_000))
  } finally {
    await c.region.close()
  }
}, 60_000)

test('CREATE INDEX over a table its transaction cannot hold names the asynchronous build', async () => {
  const c = await client({ txBytesMax: 64 * 1024 })
  try {
    expect(await c.run('CREATE TABLE w (id int8 PRIMARY KEY, v text)')).toBe('ok')
    for (let from = 0; from < 4000; from += 1000) {
      expect(await c.run(`INSERT INTO w SELECT g, 'value ' || g FROM generate_series(${from}, ${from + 999}) g`)).toBe('ok')
    }
    const refused = await c.call('/v1/sql', { sql: 'CREATE INDEX w_v ON w (v)' })
    expect(refused.status).toBe(413)
    expect(refused.json.error).toMatchObject({
      code: '54000',
      message: `CREATE INDEX writes an entry for every row of "w": ${bytesMessage(64 * 1024).slice('54000 '.length)}`,
      hint: 'Use CREATE INDEX ASYNC, which builds the index in transactions of its own while the table stays writable.',
    })
    expect(await c.run('CREATE INDEX ASYNC w_v ON w (v)')).toBe('ok')
  } finally {
    await c.region.close()
  }
}, 60_000)

test('a region refuses limits the keys per commit or the record size could not keep', async () => {
  await expect(client({ rowsModifiedMax: 100_001 })).rejects.toThrow('rowsModifiedMax 100001 is more than 100000')
  await expect(client({ txBytesMax: 6 * 1024 * 1024 + 1 })).rejects.toThrow('txBytesMax 6291457 is more than 6291456')
})

describe('bytes of writes, counted as the commit record stores them', () => {
  const utf8 = new TextEncoder()
  /** What the journal stores of a string: its JSON string's UTF-8 bytes, less the two quotes. */
  const stored = (text: string) => utf8.encode(JSON.stringify(text)).byteLength - 2
  /** What a row (id, t) of table `t` takes besides its key: its row JSON, stored. */
  const rowBytes = (text: string) => stored(`[1,${JSON.stringify(text)}]`)
  const insert = 'INSERT INTO t VALUES (1, repeat($1, $2))'

  /**
   * The bytes of row 1's key (and of anything else a one-row insert writes): the longest plain
   * ASCII text that passes `limit` leaves exactly that much.
   */
  async function keyBytes(c: Client, limit: number): Promise<number> {
    let fits = 0
    let over = limit
    while (over - fits > 1) {
      const mid = (fits + over) >> 1
      if ((await c.tryRolledBack(insert, ['a', mid])) === 'ok') fits = mid
      else over = mid
    }
    expect(await c.tryRolledBack(insert, ['a', over])).toBe(bytesMessage(limit))
    return limit - rowBytes('a'.repeat(fits))
  }

  /** For each pattern: the most repetitions that fit commit, and one more gets the bytes limit. */
  async function justUnderAndOver(c: Client, limit: number, patterns: readonly string[]) {
    const key = await keyBytes(c, limit)
    expect(key).toBeGreaterThan(0)
    expect(key).toBeLessThan(100)
    for (const pattern of patterns) {
      // The text's bytes grow by the same amount with each repetition.
      const per = rowBytes(pattern.repeat(2)) - rowBytes(pattern)
      const base = rowBytes('')
      const n = Math.floor((limit - key - base) / per)
      expect(key + rowBytes(pattern.repeat(n))).toBeLessThanOrEqual(limit)
      expect(key + rowBytes(pattern.repeat(n + 1))).toBeGreaterThan(limit)
      expect({ pattern, over: await c.run(insert, [pattern, n + 1]) }).toEqual({ pattern, over: bytesMessage(limit) })
      expect({ pattern, under: await c.run(insert, [pattern, n]) }).toEqual({ pattern, under: 'ok' })
      expect(await c.run('DELETE FROM t')).toBe('ok')
    }
  }

  const PATTERNS = ['é', '"', '\\', '😀', 'aé"\\😀\n\u0001€']

  test('text dense in é, quotes, backslashes and emoji: just under a small limit commits, just over gets its message', async () => {
    const limit = 64 * 1024
    const c = await client({ txBytesMax: limit })
    try {
      expect(await c.run('CREATE TABLE t (id int4 PRIMARY KEY, s text)')).toBe('ok')
      await justUnderAndOver(c, limit, PATTERNS)
    } finally {
      await c.region.close()
    }
  }, 30_000)

  test('at the default 4 MiB too, which the journal record holds whatever the text', async () => {
    const limit = 4 * 1024 * 1024
    const c = await client()
    try {
      expect(await c.run('CREATE TABLE t (id int4 PRIMARY KEY, s text)')).toBe('ok')
      await justUnderAndOver(c, limit, ['é', '"'])
    } finally {
      await c.region.close()
    }
  }, 30_000)

  test("the lead's report: four rows of 900,000 'é' get the bytes limit, not the record size", async () => {
    const c = await client()
    try {
      expect(await c.run('CREATE TABLE big (id int PRIMARY KEY, t text)')).toBe('ok')
      expect(await c.run(`INSERT INTO big SELECT g, repeat('é', 900000) FROM generate_series(20000, 20003) g`)).toBe(bytesMessage(4 * 1024 * 1024))
      expect(await c.run(`INSERT INTO big SELECT g, repeat('é', 900000) FROM generate_series(20000, 20001) g`)).toBe('ok')
    } finally {
      await c.region.close()
    }
  }, 30_000)
})
