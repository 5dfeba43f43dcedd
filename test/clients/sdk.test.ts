// The SDK against a real server process (issue 5, "Tests"): every API path, value decoding,
// error decoding, the retry loop (conflicts forced by real concurrent transactions and by the
// server's injected-40001 switch), 40003 handling and abort. Method: test/clients/server.ts as a
// child process on a fresh directory; every assertion goes through the SDK over real HTTP.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  createClient,
  findTesseraError,
  isRetryable,
  retry,
  sql,
  TesseraError,
  type Client,
  type QueryResult,
  type Transaction,
} from '../../client-sdk/index.ts'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { holdingClient, outcomeWithin, startTestServer, type TestServer } from './harness.ts'

let server: TestServer
let db: Client

beforeAll(async () => {
  server = await startTestServer()
  db = createClient({ url: server.url, token: server.token })
  await db.query(
    'CREATE TABLE acct (id int8 PRIMARY KEY, owner text NOT NULL, balance int8 NOT NULL)',
  )
  await db.query('INSERT INTO acct VALUES (1, $1, 100), (2, $2, 100)', ['ada', 'grace'])
})

afterAll(async () => {
  await server?.stop()
})

/** Rejection of `p` as a TesseraError (fails the test when it resolves or throws anything else). */
async function tesseraError(p: Promise<unknown>): Promise<TesseraError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(TesseraError)
  return e as TesseraError
}

describe('queries, batches and values', () => {
  test('info and health', async () => {
    expect((await db.info()).name).toBe('tessera')
    expect((await db.health()).status).toBe('ok')
    expect(await db.health({ ready: true })).toMatchObject({ ready: true, status: 'ok', region: 'local' })
  })

  test('query with params: rows typed by the caller, fields, rowCount and command', async () => {
    const r: QueryResult<{ id: string; owner: string }> = await db.query<{
      id: string
      owner: string
    }>('SELECT id, owner FROM acct WHERE id <= $1 ORDER BY id', [2])
    expect(r.rows).toEqual([
      { id: '1', owner: 'ada' },
      { id: '2', owner: 'grace' },
    ])
    expect(r.fields).toEqual([
      { name: 'id', type: 'int8' },
      { name: 'owner', type: 'text' },
    ])
    expect(r.rowCount).toBe(2)
    expect(r.command).toBe('SELECT')
    const u = await db.query('UPDATE acct SET owner = owner WHERE id = $1', [1])
    expect([u.command, u.rowCount]).toEqual(['UPDATE', 1])
  })

  test('rowMode array keeps duplicate column names apart', async () => {
    const r = await db.query<[string, string]>(
      'SELECT owner, owner || $1 AS owner FROM acct WHERE id = 1',
      ['!'],
      { rowMode: 'array' },
    )
    expect(r.rows).toEqual([['ada', 'ada!']])
  })

  test('the sql tag binds values as parameters, nests fragments, quotes identifiers', async () => {
    const hostile = "x'); DROP TABLE acct; --"
    await db.query(sql`INSERT INTO acct VALUES (${3}, ${hostile}, ${0})`)
    const where = sql`owner = ${hostile}`
    const q = sql<{
      n: string
    }>`SELECT count(*) AS n FROM ${sql.ident('acct')} WHERE ${where} AND id IN (${sql.join([3, 4])})`
    expect(q.text).toBe('SELECT count(*) AS n FROM "acct" WHERE owner = $1 AND id IN ($2, $3)')
    expect(q.values).toEqual([hostile, 3, 4])
    expect((await db.query(q)).rows).toEqual([{ n: '1' }])
    expect(sql`SELECT ${sql.ident('a"b')} ${sql.raw('DESC')}`.text).toBe('SELECT "a""b" DESC')
    await db.query(sql`DELETE FROM acct WHERE id = ${3}`)
  })

  test('values decode per API.md and intMode; parameters encode bigint, Date, bytes and JSON', async () => {
    await db.query(
      'CREATE TABLE vals (id int8 PRIMARY KEY, i4 int4, f8 float8, n numeric, b bool, by bytea, j jsonb, ts timestamptz, d date, u uuid)',
    )
    const when = new Date('2024-05-06T07:08:09.123Z')
    await db.query('INSERT INTO vals VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
      9007199254740993n,
      7,
      1.5,
      '12345678901234567890.5',
      true,
      new Uint8Array([10, 11, 255]),
      { a: [1, { b: 2n }] },
      when,
      '2024-05-06',
      '00000000-0000-0000-0000-00000000000a',
    ])
    const [row] = (await db.query('SELECT * FROM vals')).rows
    expect(row).toEqual({
      id: '9007199254740993',
      i4: 7,
      f8: 1.5,
      n: '12345678901234567890.5',
      b: true,
      by: new Uint8Array([10, 11, 255]),
      j: { a: [1, { b: '2' }] },
      ts: '2024-05-06 07:08:09.123+00',
      d: '2024-05-06',
      u: '00000000-0000-0000-0000-00000000000a',
    })
    const big = createClient({ url: server.url, token: server.token, intMode: 'bigint' })
    expect((await big.query('SELECT id, i4 FROM vals')).rows).toEqual([
      { id: 9007199254740993n, i4: 7 },
    ])
    const num = createClient({ url: server.url, token: server.token, intMode: 'number' })
    expect((await num.query('SELECT count(*) AS n FROM vals')).rows).toEqual([{ n: 1 }])
    const tooBig = await tesseraError(num.query('SELECT id FROM vals'))
    expect(tooBig.code).toBe('22003')
    expect((await db.query('SELECT id FROM vals', [], { intMode: 'bigint' })).rows).toEqual([
      { id: 9007199254740993n },
    ])
    const specials = await db.query(
      "SELECT 'NaN'::float8 AS a, 'Infinity'::float8 AS b, '-Infinity'::float8 AS c, NULL::text AS d",
    )
    expect(specials.rows[0]).toEqual({ a: NaN, b: Infinity, c: -Infinity, d: null })
  })

  test('NaN and ±Infinity parameters are stored as themselves, never as NULL (arrays too)', async () => {
    await db.query('CREATE TABLE specials (id int4 PRIMARY KEY, f float8, fs float8[])')
    await db.query('INSERT INTO specials VALUES (1, $1, $2), (2, $3, NULL), (3, $4, NULL)', [
      NaN,
      [NaN, Infinity, -Infinity, 1.5],
      Infinity,
      -Infinity,
    ])
    await db.batch([sql`INSERT INTO specials VALUES (${4}, ${NaN}, ${[-Infinity]})`])
    const r = await db.query('SELECT id, f, fs FROM specials ORDER BY id')
    expect(r.rows).toEqual([
      { id: 1, f: NaN, fs: [NaN, Infinity, -Infinity, 1.5] },
      { id: 2, f: Infinity, fs: null },
      { id: 3, f: -Infinity, fs: null },
      { id: 4, f: NaN, fs: [-Infinity] },
    ])
  })

  test('Date parameters outside years 1 to 9999 round-trip (years past 9999, BC, year 0)', async () => {
    const cases: [string, string][] = [
      ['+010000-01-01T00:00:00.000Z', '10000-01-01 00:00:00+00'],
      ['+275760-09-13T00:00:00.000Z', '275760-09-13 00:00:00+00'],
      ['0000-12-31T23:59:59.999Z', '0001-12-31 23:59:59.999+00 BC'],
      ['-000044-03-15T12:30:00.000Z', '0045-03-15 12:30:00+00 BC'],
      ['0001-01-01T00:00:00.000Z', '0001-01-01 00:00:00+00'],
      ['9999-12-31T23:59:59.000Z', '9999-12-31 23:59:59+00'],
    ]
    for (const [iso, text] of cases) {
      const r = await db.query<{ v: string; d: string }>('SELECT $1::timestamptz AS v, $1::date AS d', [
        new Date(iso),
      ])
      const day = text.slice(0, text.indexOf(' ')) + (text.endsWith(' BC') ? ' BC' : '')
      expect(r.rows[0]).toEqual({ v: text, d: day })
    }
  })

  test('batch runs in one transaction: typed results in order, all or nothing', async () => {
    const [ins, sel] = await db.batch([
      { sql: 'INSERT INTO acct VALUES ($1, $2, 0)', params: [10, 'b1'] },
      sql<{ owner: string }>`SELECT owner FROM acct WHERE id = ${10}`,
      'SELECT 1 AS one',
    ] as const)
    expect(ins.command).toBe('INSERT')
    const owner: string | undefined = sel.rows[0]?.owner
    expect(owner).toBe('b1')
    const e = await tesseraError(
      db.batch([
        sql`INSERT INTO acct VALUES (${11}, ${'b2'}, 0)`,
        sql`INSERT INTO acct VALUES (${10}, ${'dup'}, 0)`,
      ]),
    )
    expect([e.code, e.status, e.retryable]).toEqual(['23505', 409, false])
    expect((await db.query('SELECT id FROM acct WHERE id IN (10, 11)')).rows).toEqual([
      { id: '10' },
    ])
  })
})

describe('errors', () => {
  test('SQL errors keep SQLSTATE, status and the PostgreSQL fields', async () => {
    const syntax = await tesseraError(db.query('SELEC 1'))
    expect([syntax.code, syntax.status, syntax.retryable, syntax.position]).toEqual([
      '42601',
      400,
      false,
      1,
    ])
    expect(syntax.name).toBe('TesseraError')
    const missing = await tesseraError(db.query('SELECT * FROM nope'))
    expect(missing.code).toBe('42P01')
    expect(missing.message).toContain('nope')
    const tx = await tesseraError(db.query('BEGIN'))
    expect(tx.code).toBe('0A000')
  })

  test('tokens: missing or bad is 28000; a token function is called per request', async () => {
    const anonymous = createClient({ url: server.url })
    const noToken = await tesseraError(anonymous.query('SELECT 1'))
    expect([noToken.code, noToken.status]).toEqual(['28000', 401])
    expect(
      (await tesseraError(createClient({ url: server.url, token: 'x.y' }).query('SELECT 1'))).code,
    ).toBe('28000')
    let calls = 0
    const refreshing = createClient({ url: server.url, token: async () => (calls++, server.token) })
    await refreshing.query('SELECT 1')
    await refreshing.query('SELECT 1')
    expect(calls).toBe(2)
  })

  test('an unreachable server is 08006 with the network error as cause; a custom fetch is used', async () => {
    const down = createClient({ url: 'http://127.0.0.1:1' })
    const e = await tesseraError(down.query('SELECT 1'))
    expect(e.code).toBe('08006')
    expect(e.cause).toBeDefined()
    const seen: string[] = []
    const traced = createClient({
      url: server.url,
      token: server.token,
      fetch: (input, init) => (seen.push(input), fetch(input, init)),
    })
    await traced.query('SELECT 1')
    expect(seen).toEqual([`${server.url}/v1/sql`])
  })

  test("a 2xx answer that is not Tessera's is 08P01; a commit answered so is settled by asking", async () => {
    const stub = createClient({
      url: server.url,
      fetch: async () => new Response('{}', { status: 200 }),
    })
    for (const call of [
      () => stub.query('SELECT 1'),
      () => stub.batch(['SELECT 1']),
      () => stub.begin(),
      () => stub.transaction(async () => {}),
    ]) {
      const e = await tesseraError(call())
      expect([e.code, e.status]).toEqual(['08P01', 200])
    }
    // A batch answered with fewer results than statements is not Tessera's either.
    const short = createClient({
      url: server.url,
      token: server.token,
      fetch: async (input, init) => {
        const answer = (await (await fetch(input, init)).json()) as { results: unknown[] }
        return Response.json({ results: answer.results.slice(1) })
      },
    })
    expect((await tesseraError(short.batch(['SELECT 1', 'SELECT 2']))).code).toBe('08P01')
    // The commit runs, but its answer is replaced: the SDK asks the server how it ended.
    const lostCommit = createClient({
      url: server.url,
      token: server.token,
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        return input.endsWith('/commit') ? Response.json({}) : response
      },
    })
    const tx = await lostCommit.begin()
    await tx.query("INSERT INTO acct VALUES (70, 'stub', 0)")
    const { commitTs } = await tx.commit()
    expect(commitTs).toBe((await tx.status()).commitTs as string)
    expect(commitTs).toMatch(/^[0-9]+$/)
    await db.query('DELETE FROM acct WHERE id = 70')
  })

  test('bad arguments reject (never throw synchronously)', async () => {
    const misuse = db.query(sql`SELECT ${1}`, [1] as never)
    expect(
      await misuse.then(
        () => 'resolved',
        (e: Error) => e.constructor.name,
      ),
    ).toBe('TypeError')
    const badDate = db.query('SELECT $1::timestamptz', [new Date('nope')])
    expect(
      await badDate.then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    ).toBe('cannot bind an invalid Date')
    const noFn = db.transaction(undefined as never)
    expect(
      await noFn.then(
        () => 'resolved',
        (e: Error) => e.constructor.name,
      ),
    ).toBe('TypeError')
  })

  test('isRetryable follows cause chains and reads only the code', () => {
    const conflict = new TesseraError({ code: '40001', message: 'conflict' })
    const wrapped = new Error('ORM failed', {
      cause: new Error('query failed', { cause: conflict }),
    })
    expect(isRetryable(conflict)).toBe(true)
    expect(isRetryable(wrapped)).toBe(true)
    expect(findTesseraError(wrapped)).toBe(conflict)
    expect(isRetryable({ code: '40001' })).toBe(true)
    expect(isRetryable(new TesseraError({ code: '40003', message: 'please retry' }))).toBe(false)
    expect(isRetryable(new Error('40001 serialization failure, please retry'))).toBe(false)
    expect(isRetryable(undefined)).toBe(false)
    const cyclic: { code: string; cause?: unknown } = { code: 'XX000' }
    cyclic.cause = cyclic
    expect(isRetryable(cyclic)).toBe(false)
  })
})

describe('interactive transactions', () => {
  test('begin, query, batch, commit; status says committed; a rolled-back one leaves nothing', async () => {
    const tx = await db.begin()
    await tx.query('INSERT INTO acct VALUES ($1, $2, 0)', [20, 'tx'])
    const [r] = await tx.batch([sql`SELECT owner FROM acct WHERE id = ${20}`])
    expect(r.rows).toEqual([{ owner: 'tx' }])
    expect((await db.query('SELECT count(*) AS n FROM acct WHERE id = 20')).rows).toEqual([
      { n: '0' },
    ])
    expect((await tx.status()).status).toBe('open')
    const { commitTs } = await tx.commit()
    expect(commitTs).toMatch(/^\d+$/)
    expect((await tx.status()).status).toBe('committed')
    const gone = await db.begin()
    await gone.query('INSERT INTO acct VALUES (21, $1, 0)', ['gone'])
    await gone.rollback()
    await gone.rollback()
    expect((await gone.status()).status).toBe('aborted')
    expect((await tesseraError(gone.query('SELECT 1'))).code).toBe('25P03')
    expect((await db.query('SELECT id FROM acct WHERE id IN (20, 21)')).rows).toEqual([
      { id: '20' },
    ])
  })

  test('transaction() commits the result; a throwing callback rolls back and rejects with its error', async () => {
    const out = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO acct VALUES (30, $1, 0)', ['t'])
      return 'done'
    })
    expect(out).toBe('done')
    const boom = new Error('boom')
    const e = await db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO acct VALUES (31, $1, 0)', ['t'])
        throw boom
      })
      .catch((err: unknown) => err)
    expect(e).toBe(boom)
    expect((await db.query('SELECT id FROM acct WHERE id IN (30, 31)')).rows).toEqual([
      { id: '30' },
    ])
  })

  test("a transaction's statements issued without await run in call order, each with its own answer", async () => {
    // The first request is held back on its way out: sent in parallel, the later ones would
    // overtake it and run first.
    const slowFirst = createClient({
      url: server.url,
      token: server.token,
      fetch: async (input, init) => {
        if (String(init.body).includes("'first'")) await Bun.sleep(100)
        return fetch(input, init)
      },
    })
    await db.query("CREATE TABLE call_order (id int4 PRIMARY KEY, log text NOT NULL)")
    await db.query("INSERT INTO call_order VALUES (1, '')")
    const tx = await slowFirst.begin()
    await Promise.all([
      tx.query("UPDATE call_order SET log = log || 'first' WHERE id = 1"),
      ...[2, 3, 4, 5].map((n) => tx.query(`UPDATE call_order SET log = log || ',${n}' WHERE id = 1`)),
    ])
    expect((await tx.query('SELECT log FROM call_order')).rows).toEqual([{ log: 'first,2,3,4,5' }])
    const outcomes = await Promise.allSettled([
      tx.query("SELECT 'first', 1 / 0"),
      tx.query('SELECT log FROM call_order'),
    ])
    await tx.rollback()
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as TesseraError).code : 'ok')))
      .toEqual(['22012', '25P02'])

    const tx2 = await slowFirst.begin()
    const [, read] = await Promise.all([
      tx2.query("UPDATE call_order SET log = log || 'first' WHERE id = 1"),
      tx2.query<{ log: string }>('SELECT log FROM call_order WHERE id = 1'),
      tx2.commit(),
    ])
    expect(read.rows).toEqual([{ log: 'first' }])
    expect((await db.query('SELECT log FROM call_order')).rows).toEqual([{ log: 'first' }])
  })

  test('read-only transactions refuse writes', async () => {
    const e = await tesseraError(
      db.transaction((tx) => tx.query('DELETE FROM acct'), { readOnly: true }),
    )
    expect(e.code).toBe('25006')
  })
})

describe('retries', () => {
  test('two concurrent transfers on one account: one commit conflicts (40001) and its callback re-runs', async () => {
    await db.query('INSERT INTO acct VALUES (40, $1, 100), (41, $2, 0), (42, $3, 0)', [
      'src',
      'a',
      'b',
    ])
    let reads = 0
    let release!: () => void
    const bothRead = new Promise<void>((r) => (release = r))
    const retried: unknown[] = []
    const transfer = (to: number) =>
      db.transaction(
        async (tx) => {
          const [src] = (
            await tx.query<{ balance: string }>('SELECT balance FROM acct WHERE id = 40')
          ).rows
          if (++reads === 2) release()
          // Both first attempts hold their snapshot until the other has read: their writes overlap.
          if (reads <= 2) await Promise.race([bothRead, new Promise((r) => setTimeout(r, 5_000))])
          await tx.query('UPDATE acct SET balance = $1 WHERE id = 40', [
            BigInt(src?.balance ?? 0) - 10n,
          ])
          await tx.query('UPDATE acct SET balance = balance + 10 WHERE id = $1', [to])
        },
        { onRetry: (e) => retried.push(e) },
      )
    await Promise.all([transfer(41), transfer(42)])
    // The winner's commit can still be in flight when the loser re-runs (a second conflict).
    expect(reads).toBeGreaterThanOrEqual(3)
    expect(retried.length).toBe(reads - 2)
    expect(retried.map((e) => findTesseraError(e)?.code)).toEqual(retried.map(() => '40001'))
    const rows = (
      await db.query('SELECT id, balance FROM acct WHERE id >= 40 AND id <= 42 ORDER BY id')
    ).rows
    expect(rows).toEqual([
      { id: '40', balance: '80' },
      { id: '41', balance: '10' },
      { id: '42', balance: '10' },
    ])
  })

  test('injected 40001: re-runs until it commits; gives up after maxRetries with the 40001', async () => {
    await db.query('CREATE TABLE acct_inject (id int8 PRIMARY KEY, n int8)')
    await server.arm({ code: '40001', count: 2, match: 'INSERT INTO acct_inject' })
    let runs = 0
    const delays: number[] = []
    await db.transaction(
      async (tx) => {
        runs++
        await tx.query('INSERT INTO acct_inject VALUES ($1, 1)', [runs])
      },
      { backoff: { baseMs: 5, maxMs: 20 }, onRetry: (_e, _n, ms) => delays.push(ms) },
    )
    expect(runs).toBe(3)
    expect(delays.every((ms) => ms >= 0 && ms <= 20)).toBe(true)
    expect((await db.query('SELECT id FROM acct_inject')).rows).toEqual([{ id: '3' }])

    await server.arm({ code: '40001', count: 5, match: 'INSERT INTO acct_inject' })
    runs = 0
    const e = await tesseraError(
      db.transaction(
        async (tx) => {
          runs++
          await tx.query('INSERT INTO acct_inject VALUES (9, 1)')
        },
        { maxRetries: 1, backoff: () => 0 },
      ),
    )
    expect([e.code, e.retryable, e.status, runs]).toEqual(['40001', true, 409, 2])
    await server.arm({ code: '40001', count: 0 })
  })

  test('a callback that committed itself is never re-run, even when it then fails with 40001', async () => {
    await db.query('CREATE TABLE orders_once (id serial PRIMARY KEY, item text)')
    await server.arm({ code: '40001', count: 1, match: 'after the commit' })
    let runs = 0
    const e = await tesseraError(
      db.transaction(
        async (tx) => {
          runs++
          await tx.query("INSERT INTO orders_once (item) VALUES ('book')")
          await tx.commit()
          await db.query("SELECT 'after the commit'")
        },
        { backoff: () => 0 },
      ),
    )
    expect([e.code, runs]).toEqual(['40001', 1])
    expect((await db.query('SELECT item FROM orders_once')).rows).toEqual([{ item: 'book' }])
    await server.arm({ code: '40001', count: 0 })
  })

  test('a commit still on its way when a sibling promise fails: settled first, never re-run', async () => {
    await db.query('CREATE TABLE orders_racing (id serial PRIMARY KEY, item text)')
    await server.arm({ code: '40001', count: 1, match: 'sibling' })
    let runs = 0
    const e = await tesseraError(
      db.transaction(
        async (tx) => {
          runs++
          await Promise.all([tx.query("INSERT INTO orders_racing (item) VALUES ('book')"), tx.commit(), db.query("SELECT 'sibling'")])
        },
        { backoff: () => 0 },
      ),
    )
    expect([e.code, runs]).toEqual(['40001', 1])
    expect((await db.query('SELECT item FROM orders_racing')).rows).toEqual([{ item: 'book' }])
    await server.arm({ code: '40001', count: 0 })
  })

  test('injected 40001 on a one-shot statement, retried by retry() through a wrapper', async () => {
    await server.arm({ code: '40001', count: 1, match: 'acct_inject' })
    let runs = 0
    const r = await retry(
      async () => {
        runs++
        try {
          return await db.query('SELECT count(*) AS n FROM acct_inject')
        } catch (e) {
          throw new Error('wrapped by some ORM', { cause: e })
        }
      },
      { backoff: () => 0 },
    )
    expect(runs).toBe(2)
    expect(r.rows).toEqual([{ n: '1' }])
  })

  test('40003 after the commit landed: transaction() resolves once, never re-runs', async () => {
    await server.arm({ code: '40003', count: 1, landed: true })
    let runs = 0
    await db.transaction(async (tx) => {
      runs++
      await tx.query('INSERT INTO acct VALUES (50, $1, 0)', ['landed'])
    })
    expect(runs).toBe(1)
    expect((await db.query('SELECT owner FROM acct WHERE id = 50')).rows).toEqual([
      { owner: 'landed' },
    ])
  })

  test('40003 for a commit that never ran: the SDK rolls it back, learns it aborted, re-runs once', async () => {
    await server.arm({ code: '40003', count: 1, landed: false })
    let runs = 0
    const retried: unknown[] = []
    await db.transaction(
      async (tx) => {
        runs++
        await tx.query('INSERT INTO acct VALUES (51, $1, 0)', [`run ${runs}`])
      },
      { onRetry: (e) => retried.push(e) },
    )
    expect(runs).toBe(2)
    const e = findTesseraError(retried[0])
    expect(e?.code).toBe('40000')
    expect(findTesseraError(e?.cause)?.code).toBe('40003')
    expect((await db.query('SELECT owner FROM acct WHERE id = 51')).rows).toEqual([
      { owner: 'run 2' },
    ])
  })

  test('40003 with an outcome the server cannot tell is rejected, not retried', async () => {
    // A handle the server never issued: commit 25P03 is not an unknown outcome, so it rejects as is.
    const tx = await db.begin()
    await tx.rollback()
    expect((await tesseraError(tx.commit())).code).toBe('25P03')
    // A lost commit answer whose status cannot be learned (server gone): 40003, not retryable.
    let commits = 0
    const flaky = createClient({
      url: server.url,
      token: server.token,
      fetch: (input, init) =>
        input.endsWith('/commit') && ++commits > 0
          ? Promise.reject(new TypeError('socket hang up'))
          : input.includes('/v1/tx/') && init.method === 'GET'
            ? Promise.reject(new TypeError('down'))
            : fetch(input, init),
    })
    let runs = 0
    const e = await tesseraError(
      flaky.transaction(async (t) => {
        runs++
        await t.query('SELECT 1')
      }),
    )
    expect([e.code, e.retryable, runs]).toEqual(['40003', false, 1])
  })
})

describe('the fault switch', () => {
  test('arming needs the admin role; a malformed request is 08P01', async () => {
    const post = (token: string | undefined, body: unknown) =>
      fetch(`${server.url}/v1/admin/faults/sql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      }).then(async (r) => [
        r.status,
        ((await r.json()) as { error?: { code: string } }).error?.code,
      ])
    expect(await post(undefined, { code: '40001', count: 1 })).toEqual([401, '28000'])
    expect(await post(server.token, { code: '40001', count: 1 })).toEqual([403, '42501'])
    expect(await post(server.adminToken, { code: '40001', count: -1 })).toEqual([400, '08P01'])
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })
})

describe('abort', () => {
  test('an aborted signal rejects with its reason; the client still works after', async () => {
    const controller = new AbortController()
    controller.abort(new Error('user gave up'))
    expect(
      await db.query('SELECT 1', [], { signal: controller.signal }).catch((e: Error) => e.message),
    ).toBe('user gave up')
    const inFlight = new AbortController()
    const pending = db.query('SELECT count(*) FROM acct', [], { signal: inFlight.signal })
    inFlight.abort()
    expect(
      await pending.then(
        () => 'resolved',
        (e: Error) => e.name,
      ),
    ).toBe('AbortError')
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  test('timeoutMs: a listener that never answers fails every request with 08006; 0 and bad values', async () => {
    // A real listener that accepts connections and never writes a byte.
    const sockets: Socket[] = []
    const silent = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    try {
      const quick = createClient({ url, timeoutMs: 200 })
      const started = Date.now()
      for (const call of [() => quick.query('SELECT 1'), () => quick.begin(), () => quick.health()]) {
        const e = await tesseraError(call())
        expect(e.code).toBe('08006')
        expect(e.message).toContain('200 ms')
      }
      expect(Date.now() - started).toBeLessThan(5_000)
      // The caller's signal still wins, with its own reason.
      const reason = new Error('mine')
      const aborted = quick.query('SELECT 1', [], { signal: AbortSignal.abort(reason) })
      expect(await aborted.catch((e: unknown) => e)).toBe(reason)
      // 0: no limit; the caller's signal is what ends the wait.
      const forever = createClient({ url, timeoutMs: 0 })
      const pending = forever.query('SELECT 1', [], { signal: AbortSignal.timeout(400) })
      expect(((await pending.catch((e: unknown) => e)) as Error).name).toBe('TimeoutError')
      expect(() => createClient({ url, timeoutMs: -1 })).toThrow(TypeError)
      expect(() => createClient({ url, timeoutMs: NaN })).toThrow(TypeError)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  test('a commit whose answer never comes (timeout or signal) is settled by asking the server', async () => {
    /** Sends commits (or holds them back with `send: false`) and never passes their answer on. */
    const losingCommits = (send: boolean) =>
      createClient({
        url: server.url,
        token: server.token,
        timeoutMs: 300,
        fetch: async (input, init) => {
          if (!input.endsWith('/commit')) return fetch(input, init)
          if (send) await fetch(input, { ...init, signal: null })
          // Like fetch with an answer that never comes: only an abort ends the wait.
          return new Promise<Response>((_, reject) => {
            const signal = init.signal
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
          })
        },
      })
    const landed = await losingCommits(true).begin()
    await landed.query("INSERT INTO acct VALUES (80, 'timeout', 0)")
    const { commitTs } = await landed.commit()
    expect(commitTs).toBe((await landed.status()).commitTs as string)

    const held = await losingCommits(false).begin()
    await held.query("INSERT INTO acct VALUES (81, 'held', 0)")
    const e = await tesseraError(held.commit())
    expect([e.code, e.retryable, findTesseraError(e.cause)?.code]).toEqual(['40000', true, '08006'])

    const byCaller = await losingCommits(true).begin()
    await byCaller.query("INSERT INTO acct VALUES (82, 'signal', 0)")
    const signalled = await byCaller.commit({ signal: AbortSignal.timeout(100) })
    expect(signalled.commitTs).toBe((await byCaller.status()).commitTs as string)

    let runs = 0
    await losingCommits(false).transaction(
      async (tx) => {
        runs++
        await tx.query('INSERT INTO acct VALUES ($1, $2, 0)', [82 + runs, 'retried'])
      },
      { backoff: () => 0, maxRetries: 1 },
    ).catch(() => {})
    expect(runs).toBe(2)
    expect((await db.query('SELECT id FROM acct WHERE id BETWEEN 80 AND 89 ORDER BY id')).rows).toEqual([
      { id: '80' },
      { id: '82' },
    ])
    await db.query('DELETE FROM acct WHERE id BETWEEN 80 AND 89')
  })

  test('a statement aborted while it waits behind a hung one rejects at once and is never sent; the ones behind it run in order', async () => {
    const held = holdingClient(server, 'hung')
    await db.query('CREATE TABLE abort_queue (id int4 PRIMARY KEY, log text NOT NULL)')
    await db.query("INSERT INTO abort_queue VALUES (1, '')")
    const append = (word: string) => `UPDATE abort_queue SET log = log || '${word},' WHERE id = 1`
    const tx = await held.client.begin()
    const hung = tx.query(append('hung'))
    const controller = new AbortController()
    const { signal } = controller
    // Each way of passing options: text with params, the sql tag, a batch.
    const aborted = [
      tx.query(append('aborted1'), [], { signal }),
      tx.query(sql`UPDATE abort_queue SET log = log || ${'aborted2,'} WHERE id = 1`, { signal }),
      tx.batch([append('aborted3')], { signal }),
    ]
    const behind = [tx.query(append('third')), tx.batch([append('fourth')])]
    await Bun.sleep(50)
    const reason = new Error('caller gave up')
    controller.abort(reason)
    // Rejected with the signal's reason while the statement ahead is still held back.
    expect(await Promise.all(aborted.map(outcomeWithin))).toEqual([reason, reason, reason])
    held.release()
    await Promise.all([hung, ...behind])
    expect(held.sent.filter((body) => body.includes('aborted'))).toEqual([])
    // The transaction is as if they had never been called: open, not failed, its order kept.
    expect((await tx.query('SELECT log FROM abort_queue')).rows).toEqual([{ log: 'hung,third,fourth,' }])
    expect((await tx.status()).status).toBe('open')
    await tx.commit()
    expect((await db.query('SELECT log FROM abort_queue')).rows).toEqual([{ log: 'hung,third,fourth,' }])
    // An already aborted signal: rejected without waiting, never sent, also on an idle transaction.
    const idle = await held.client.begin()
    const early = await idle.query(append('early'), [], { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e)
    expect(early).toBe(reason)
    await idle.rollback()
    expect(held.sent.filter((body) => body.includes('early'))).toEqual([])
  })

  test('a commit aborted while it waits is never sent: it rejects with the reason and the transaction stays open', async () => {
    const held = holdingClient(server, 'hung')
    await db.query('CREATE TABLE abort_commit (id int4 PRIMARY KEY)')
    const tx = await held.client.begin()
    const hung = tx.query("INSERT INTO abort_commit SELECT 1 WHERE 'hung' <> ''")
    const controller = new AbortController()
    const commit = tx.commit({ signal: controller.signal })
    await Bun.sleep(50)
    controller.abort()
    expect(((await outcomeWithin(commit)) as Error).name).toBe('AbortError')
    held.release()
    await hung
    expect(held.sent.filter((request) => request.includes('/commit'))).toEqual([])
    expect((await tx.status()).status).toBe('open')
    await tx.commit()
    expect((await db.query('SELECT id FROM abort_commit')).rows).toEqual([{ id: 1 }])

    // transaction(): its commit, queued behind a statement the callback left running, aborted
    // by the transaction's signal; the transaction is rolled back once that statement is done.
    const again = holdingClient(server, 'hung')
    const stop = new AbortController()
    let handle: Transaction | undefined
    const run = again.client.transaction(
      async (t) => {
        handle = t
        void t.query("INSERT INTO abort_commit SELECT 2 WHERE 'hung' <> ''")
      },
      { signal: stop.signal },
    )
    await Bun.sleep(50)
    stop.abort(new Error('stop'))
    expect(((await outcomeWithin(run)) as Error).message).toBe('stop')
    again.release()
    for (let i = 0; i < 100 && (await handle?.status())?.status === 'open'; i++) await Bun.sleep(10)
    expect((await handle?.status())?.status).toBe('aborted')
    expect((await db.query('SELECT id FROM abort_commit')).rows).toEqual([{ id: 1 }])
  })

  test('aborting stops transaction() between retries', async () => {
    await server.arm({ code: '40001', count: 100, match: 'acct_abort' })
    const controller = new AbortController()
    let runs = 0
    const e = await db
      .transaction(
        async (tx) => {
          runs++
          await tx.query('SELECT 1 AS acct_abort')
        },
        {
          signal: controller.signal,
          backoff: () => 50,
          onRetry: () => controller.abort(new Error('stop')),
        },
      )
      .catch((err: Error) => err)
    expect((e as Error).message).toBe('stop')
    expect(runs).toBe(1)
    await server.arm({ code: '40001', count: 0 })
  })
})

// Type tests: checked by `tsc --noEmit -p .` (npm test), not run.
export function typeTests(client: Client) {
  void (async () => {
    const r = await client.query<{ id: string }>('SELECT id FROM acct')
    const id: string | undefined = r.rows[0]?.id
    // @ts-expect-error rows are typed by the caller: no such column
    void r.rows[0]?.missing
    const byCaller = await client.query<{ n: number }>(sql`SELECT 1 AS n`)
    const n: number | undefined = byCaller.rows[0]?.n
    const typed = await client.query(sql<{ n: number }>`SELECT 1 AS n`)
    // @ts-expect-error n is a number
    const wrong: string | undefined = typed.rows[0]?.n
    // @ts-expect-error values go in the template, not in a params array
    await client.query(sql`SELECT ${1}`, [1])
    // @ts-expect-error intMode is one of string, number, bigint
    createClient({ url: '', intMode: 'int' })
    // @ts-expect-error the callback receives a transaction, which has no transaction()
    await client.transaction((tx) => tx.transaction(async () => {}))
    const [a, b] = await client.batch([sql<{ x: boolean }>`SELECT true AS x`, 'SELECT 1'] as const)
    const x: boolean | undefined = a.rows[0]?.x
    // @ts-expect-error a batch result holds exactly one result per statement
    void (await client.batch([sql`SELECT 1`] as const))[1].rows
    void [id, wrong, x, b, n]
  })
}
