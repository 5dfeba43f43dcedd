// Goal: the API over a real region: SQL results on the wire, batch atomicity, snapshot isolation
// and conflicts between interactive transactions, and the SQL-driven error statuses (400, 409,
// 413 rows, 504 timeout). Method: one in-memory region (SimDisk, real timers), requests through
// `app.request()` with a real token, as a client would send them.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SystemClock, SystemRandom } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { openRegion, type Region } from '../region/index.ts'
import { createToken } from './index.ts'

/**
 * Real time plus 1 ms per reading: the query processor reads its clock once per 256 rows, so a
 * statement over 2000 rows passes a 5 ms timeout whatever the machine's speed, and statements
 * under 256 rows never see one.
 */
class SteppingClock extends SystemClock {
  #readings = 0
  /** When set, the next reading throws: a stand-in for a bug on a request's path. */
  breakNextReading = false
  override wallMs(): number {
    if (this.breakNextReading) {
      this.breakNextReading = false
      throw new TypeError('the clock broke (a test)')
    }
    return super.wallMs() + ++this.#readings
  }
}

let region: Region
let token: string
let clock: SteppingClock
/** What the region reported through onInternalError. */
const internalErrors: unknown[] = []

beforeAll(async () => {
  clock = new SteppingClock()
  region = await openRegion({
    name: 'local',
    url: 'http://127.0.0.1:0',
    clock,
    timers: clock,
    random: new SystemRandom(),
    disk: new SimDisk(),
    qp: { resultRowsMax: 50, statementTimeoutMs: 5 },
    onInternalError: (e) => internalErrors.push(e),
  })
  token = createToken(region.secret, { role: 'user', ttlMs: 600_000 }, clock)
})
afterAll(() => region.close())

async function call(method: string, path: string, body?: unknown) {
  const init: RequestInit = {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  }
  if (body !== undefined) init.body = JSON.stringify(body)
  const res = await region.app.request(path, init)
  return { status: res.status, json: (await res.json()) as any }
}

const sql = (text: string, params?: unknown[], rowMode?: 'array') =>
  call('POST', '/v1/sql', { sql: text, ...(params && { params }), ...(rowMode && { rowMode }) })

async function ok(text: string, params?: unknown[]) {
  const r = await sql(text, params)
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return r.json
}

async function begin() {
  const r = await call('POST', '/v1/tx', {})
  expect(r.status).toBe(201)
  return r.json.tx as string
}

const inTx = (tx: string, text: string, params?: unknown[]) =>
  call('POST', `/v1/tx/${tx}/sql`, { sql: text, ...(params && { params }) })

describe('results', () => {
  test('CREATE, INSERT with params, SELECT as objects and arrays', async () => {
    expect(await ok('CREATE TABLE people (id int8 PRIMARY KEY, owner text, score int4)')).toEqual({
      command: 'CREATE TABLE',
      rowCount: 0,
      fields: [],
      rows: [],
    })
    const insert = await ok('INSERT INTO people VALUES ($1, $2, $3), ($4, $5, $6)', [
      1,
      'ada',
      10,
      '2',
      'grace',
      null,
    ])
    expect(insert).toMatchObject({ command: 'INSERT', rowCount: 2 })
    expect(await ok('SELECT id, owner, score FROM people ORDER BY id')).toEqual({
      command: 'SELECT',
      rowCount: 2,
      fields: [
        { name: 'id', type: 'int8' },
        { name: 'owner', type: 'text' },
        { name: 'score', type: 'int4' },
      ],
      rows: [
        { id: '1', owner: 'ada', score: 10 },
        { id: '2', owner: 'grace', score: null },
      ],
    })
    const arrays = await sql('SELECT id, owner FROM people WHERE id = $1', [2], 'array')
    expect(arrays.json.rows).toEqual([['2', 'grace']])
    const dup = await ok('SELECT 1 AS a, 2 AS a')
    expect(dup.rows).toEqual([{ a: 2 }])
  })

  test('SQL errors: 400 with position for syntax, 42P01, 22P02 for a bad parameter', async () => {
    const syntax = await sql('SELEC 1')
    expect(syntax.status).toBe(400)
    expect(syntax.json.error).toMatchObject({ code: '42601', position: 1, retryable: false })
    const unknown = await sql('SELECT * FROM nowhere')
    expect(unknown.status).toBe(400)
    expect(unknown.json.error.code).toBe('42P01')
    const param = await sql('SELECT id FROM people WHERE id = $1', ['abc'])
    expect(param.status).toBe(400)
    expect(param.json.error.code).toBe('22P02')
  })
})

describe('atomicity and isolation', () => {
  test('a batch is one transaction: a failing statement undoes the earlier ones (409 23505)', async () => {
    await ok('CREATE TABLE batch_t (id int4 PRIMARY KEY)')
    const r = await call('POST', '/v1/sql', {
      statements: [
        { sql: 'INSERT INTO batch_t VALUES (1)' },
        { sql: 'INSERT INTO batch_t VALUES (1)' },
      ],
    })
    expect(r.status).toBe(409)
    expect(r.json.error.code).toBe('23505')
    expect((await ok('SELECT count(*) AS n FROM batch_t')).rows).toEqual([{ n: '0' }])
    const good = await call('POST', '/v1/sql', {
      statements: [{ sql: 'INSERT INTO batch_t VALUES (1)' }, { sql: 'SELECT id FROM batch_t' }],
      rowMode: 'array',
    })
    expect(good.status).toBe(200)
    expect(good.json.results[1].rows).toEqual([[1]])
  })

  test('interactive: read-your-writes, invisible to others until commit, then visible', async () => {
    await ok('CREATE TABLE accounts (id int4 PRIMARY KEY, balance int8)')
    await ok('INSERT INTO accounts VALUES (1, 100), (2, 100)')
    const tx = await begin()
    expect(
      (await inTx(tx, 'UPDATE accounts SET balance = balance - 30 WHERE id = 1')).json,
    ).toMatchObject({
      command: 'UPDATE',
      rowCount: 1,
    })
    await inTx(tx, 'UPDATE accounts SET balance = balance + 30 WHERE id = 2')
    const mine = await inTx(tx, 'SELECT balance FROM accounts ORDER BY id')
    expect(mine.json.rows).toEqual([{ balance: '70' }, { balance: '130' }])
    expect((await ok('SELECT balance FROM accounts ORDER BY id')).rows).toEqual([
      { balance: '100' },
      { balance: '100' },
    ])
    const commit = await call('POST', `/v1/tx/${tx}/commit`)
    expect(commit.status).toBe(200)
    expect(commit.json.commitTs).toMatch(/^\d+$/)
    expect((await call('GET', `/v1/tx/${tx}`)).json.status).toBe('committed')
    expect((await ok('SELECT sum(balance) AS total FROM accounts')).rows).toEqual([
      { total: '200' },
    ])
  })

  test('two transactions writing one row: the later committer gets 409 40001, retryable', async () => {
    await ok('CREATE TABLE counters (id int4 PRIMARY KEY, n int4)')
    await ok('INSERT INTO counters VALUES (1, 0)')
    const a = await begin()
    const b = await begin()
    expect((await inTx(a, 'UPDATE counters SET n = n + 1 WHERE id = 1')).status).toBe(200)
    expect((await inTx(b, 'UPDATE counters SET n = n + 10 WHERE id = 1')).status).toBe(200)
    expect((await call('POST', `/v1/tx/${a}/commit`)).status).toBe(200)
    const lost = await call('POST', `/v1/tx/${b}/commit`)
    expect(lost.status).toBe(409)
    expect(lost.json.error).toMatchObject({ code: '40001', retryable: true })
    expect((await call('GET', `/v1/tx/${b}`)).json.status).toBe('aborted')
    expect((await ok('SELECT n FROM counters')).rows).toEqual([{ n: 1 }])
  })

  test('commits sent together all answer what the commit answered; a racing rollback is 25000', async () => {
    await ok('CREATE TABLE raced (id int4 PRIMARY KEY)')
    const tx = await begin()
    expect((await inTx(tx, 'INSERT INTO raced VALUES (1)')).status).toBe(200)
    const commit = () => call('POST', `/v1/tx/${tx}/commit`)
    // Sent together: the later ones wait for the first, which is still committing.
    const answers = await Promise.all([commit(), commit(), call('POST', `/v1/tx/${tx}/rollback`), commit()])
    const commitTs = answers[0]?.json.commitTs
    expect(commitTs).toMatch(/^\d+$/)
    expect(answers.map((a) => [a.status, a.json.commitTs ?? a.json.error?.code])).toEqual([
      [200, commitTs],
      [200, commitTs],
      [400, '25000'],
      [200, commitTs],
    ])
    expect((await commit()).json.commitTs).toBe(commitTs)
    expect((await ok('SELECT id FROM raced')).rows).toEqual([{ id: 1 }])
  })

  test('commits sent together of a transaction that loses a conflict all get its 40001', async () => {
    await ok('CREATE TABLE raced2 (id int4 PRIMARY KEY, n int4)')
    await ok('INSERT INTO raced2 VALUES (1, 0)')
    const loser = await begin()
    expect((await inTx(loser, 'UPDATE raced2 SET n = 2 WHERE id = 1')).status).toBe(200)
    await ok('UPDATE raced2 SET n = 1 WHERE id = 1')
    const commit = () => call('POST', `/v1/tx/${loser}/commit`)
    const answers = await Promise.all([commit(), commit(), call('POST', `/v1/tx/${loser}/rollback`)])
    expect(answers.map((a) => [a.status, a.json.error?.code])).toEqual([
      [409, '40001'],
      [409, '40001'],
      // Nothing left to roll back: the transaction aborted, and rollback is idempotent.
      [200, undefined],
    ])
  })

  test('snapshot: a transaction does not see commits after it began', async () => {
    await ok('CREATE TABLE snap (id int4 PRIMARY KEY)')
    const reader = await begin()
    await ok('INSERT INTO snap VALUES (1)')
    expect((await inTx(reader, 'SELECT id FROM snap')).json.rows).toEqual([])
    await call('POST', `/v1/tx/${reader}/rollback`)
    expect((await ok('SELECT id FROM snap')).rows).toEqual([{ id: 1 }])
  })

  test('a read-only transaction refuses writes (400 25006); a failed one refuses commit', async () => {
    const r = await call('POST', '/v1/tx', { readOnly: true })
    const write = await inTx(r.json.tx, 'INSERT INTO snap VALUES (2)')
    expect(write.status).toBe(400)
    expect(write.json.error.code).toBe('25006')
    const next = await inTx(r.json.tx, 'SELECT 1')
    expect(next.json.error.code).toBe('25P02')
    const commit = await call('POST', `/v1/tx/${r.json.tx}/commit`)
    expect(commit.status).toBe(400)
    expect((await call('GET', `/v1/tx/${r.json.tx}`)).json.status).toBe('aborted')
  })

  test('DDL and DML share one transaction', async () => {
    const tx = await begin()
    expect((await inTx(tx, 'CREATE TABLE migrated (id int4 PRIMARY KEY, v text)')).status).toBe(200)
    expect((await inTx(tx, "INSERT INTO migrated VALUES (1, 'x')")).status).toBe(200)
    expect((await sql('SELECT * FROM migrated')).json.error.code).toBe('42P01')
    expect((await call('POST', `/v1/tx/${tx}/commit`)).status).toBe(200)
    expect((await ok('SELECT v FROM migrated')).rows).toEqual([{ v: 'x' }])
  })
})

describe('text and JSON values PostgreSQL would refuse', () => {
  const refused = async (text: string, params: unknown[] | undefined, status: number, code: string) => {
    const r = await sql(text, params)
    expect([r.status, r.json.error?.code], JSON.stringify(r.json)).toEqual([status, code])
  }

  test('U+0000 and lone surrogates in text parameters, JSON parameters and SQL text are refused', async () => {
    await ok('CREATE TABLE texts (id int4 PRIMARY KEY, s text, j jsonb)')
    // As a client's bytes for them would be: not UTF-8 (22021).
    await refused('INSERT INTO texts VALUES (1, $1, NULL)', ['a\u0000b'], 400, '22021')
    await refused('INSERT INTO texts VALUES (2, $1, NULL)', ['\ud800'], 400, '22021')
    await refused("SELECT 'a\u0000b' AS s", undefined, 400, '22021')
    await refused("SELECT 1 AS one WHERE 'x' = '\udc00'", undefined, 400, '22021')
    await refused("SELECT E'\\x00' AS s", undefined, 400, '22021')
    await refused("SELECT convert_from('\\x00'::bytea, 'UTF8') AS s", undefined, 400, '22021')
    // In JSON for jsonb: what jsonb input says of the same JSON text.
    await refused('INSERT INTO texts VALUES (3, NULL, $1)', [{ k: 'x\u0000' }], 400, '22P05')
    await refused('INSERT INTO texts VALUES (4, NULL, $1)', [['\ud800']], 400, '22P02')
    await refused(`SELECT '"\\ud800"'::jsonb AS j`, undefined, 400, '22P02')
    expect((await ok('SELECT count(*) AS n FROM texts')).rows).toEqual([{ n: '0' }])
    // A pair is one character, as text and in JSON.
    await ok('INSERT INTO texts VALUES (5, $1, $2)', ['\ud83d\ude00', { k: '\ud83d\ude00' }])
    expect((await ok(`SELECT s, j, '"\\ud83d\\ude00"'::jsonb AS e FROM texts`)).rows).toEqual([
      { s: '😀', j: { k: '😀' }, e: '😀' },
    ])
  })

  test('a JSON parameter nested too deep is 413 54001, as the same JSON as text, never a 500', async () => {
    const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)
    const raw = async (text: string, param: string) => {
      const res = await region.app.request('/v1/sql', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: `{"sql": ${JSON.stringify(text)}, "params": [${param}]}`,
      })
      return [res.status, ((await res.json()) as any).error?.code]
    }
    for (const levels of [20_000, 100_000]) {
      expect(await raw('SELECT $1::jsonb AS j', nested(levels))).toEqual([413, '54001'])
      expect(await raw('SELECT $1::jsonb AS j', JSON.stringify(nested(levels)))).toEqual([413, '54001'])
      expect(await raw('SELECT $1::text AS t', nested(levels))).toEqual([413, '54001'])
    }
    expect(await raw('SELECT $1::jsonb AS j', nested(1000))).toEqual([200, undefined])
  })

  test('SQL text nested past the stack is 413 54001, not a syntax error', async () => {
    const r = await sql(`SELECT ${'1+'.repeat(50_000)}1 AS n`)
    expect([r.status, r.json.error?.code]).toEqual([413, '54001'])
  })
})

describe('limits', () => {
  test('a result over resultRowsMax is 413 54000', async () => {
    await ok('CREATE TABLE many (id int4 PRIMARY KEY)')
    const values = Array.from({ length: 60 }, (_, i) => `(${i})`).join(', ')
    await ok(`INSERT INTO many VALUES ${values}`)
    const r = await sql('SELECT id FROM many')
    expect(r.status).toBe(413)
    expect(r.json.error.code).toBe('54000')
  })

  test('a statement over the statement timeout is 504 57014', async () => {
    await ok('CREATE TABLE slow (id int4 PRIMARY KEY)')
    // Chunks far below the 256 rows between clock readings, so the inserts never time out.
    for (let chunk = 0; chunk < 20; chunk++) {
      const values = Array.from({ length: 100 }, (_, i) => `(${chunk * 100 + i})`).join(', ')
      await ok(`INSERT INTO slow VALUES ${values}`)
    }
    const r = await sql('SELECT count(*) FROM slow')
    expect(r.status, JSON.stringify(r.json)).toBe(504)
    expect(r.json.error.code).toBe('57014')
  })
})

describe('internal errors', () => {
  test('a 500 tells the client nothing, and the region reports the error with its stack', async () => {
    // Armed and sent with no await between: the request's own first clock reading throws.
    clock.breakNextReading = true
    const r = await sql('SELECT 1 AS one')
    expect(r.status).toBe(500)
    expect(r.json.error).toMatchObject({ code: 'XX000', message: 'internal error' })
    expect(JSON.stringify(r.json)).not.toContain('clock broke')
    expect(internalErrors).toHaveLength(1)
    expect(internalErrors[0]).toBeInstanceOf(TypeError)
    expect((internalErrors[0] as Error).stack).toContain('the clock broke (a test)')
    expect((await sql('SELECT 1 AS one')).status).toBe(200)
  })
})

test('jsonb numbers go out with their exact digits, as PostgreSQL prints them, never a nearby double', async () => {
  const res = await region.app.request('/v1/sql', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ sql: `SELECT '[1.50, 9007199254740993, 1e40, 2, 0.5]'::jsonb AS j`, rowMode: 'array' }),
  })
  expect(res.status).toBe(200)
  const text = await res.text()
  expect(text).toContain(`[[[1.50,9007199254740993,1${'0'.repeat(40)},2,0.5]]]`)
})
