// Goal: the API's own behaviour (routing, auth, validation, limits, result shapes, sessions,
// serialization, shutdown) through `app.request()`. Method: a stand-in query processor
// (fake-qp.harness.ts) with a virtual clock, so every case is exact and fast; SQL behaviour over
// a real region is in api-region.test.ts.
import { describe, expect, test } from 'bun:test'
import { SimClock, SeededRandom } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import { FakeQp } from './fake-qp.harness.ts'
import { createApp, createToken, type ApiLimits, type ErrorBody } from './index.ts'

const secret = 'ab'.repeat(32)

function setup(options: { auth?: boolean; limits?: ApiLimits; unavailable?: () => string | undefined } = {}) {
  const clock = new SimClock()
  const qp = new FakeQp()
  const internal: unknown[] = []
  const api = createApp({
    qp,
    region: {
      name: 'r1',
      url: 'http://r1',
      regions: [{ name: 'r1', role: 'full', url: 'http://r1' }],
    },
    auth: options.auth === false ? null : { secret },
    clock,
    timers: clock,
    random: new SeededRandom(7),
    limits: options.limits,
    onInternalError: (e) => internal.push(e),
    ...(options.unavailable === undefined ? {} : { unavailable: options.unavailable }),
  })
  const token = createToken(secret, { role: 'user', ttlMs: 3_600_000 }, clock)
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const init: RequestInit = {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    }
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
    const res = await api.app.request(path, init)
    return { status: res.status, headers: res.headers, json: (await res.json()) as any }
  }
  return { clock, qp, api, token, call, internal }
}

const code = (json: ErrorBody) => json.error.code

describe('info, health and auth', () => {
  test('GET /v1 names the product, region and regions', async () => {
    const { call } = setup()
    const r = await call('GET', '/v1')
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      name: 'tessera',
      version: expect.any(String),
      region: 'r1',
      regions: [{ name: 'r1', role: 'full', url: 'http://r1' }],
    })
  })

  test('GET /v1/health answers without a token', async () => {
    const { api } = setup()
    const res = await api.app.request('/v1/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', region: 'r1', openTransactions: 0 })
  })

  test('health is liveness (200) with the state in the body; ?ready=1 answers 503 while the region cannot begin transactions', async () => {
    let reason: string | undefined = 'region r2 is unreachable'
    const { api } = setup({ unavailable: () => reason })
    const health = async (path: string) => {
      const res = await api.app.request(path)
      return { status: res.status, body: (await res.json()) as unknown }
    }
    const degraded = { status: 'degraded', region: 'r1', reason: 'region r2 is unreachable', openTransactions: 0 }
    expect(await health('/v1/health')).toEqual({ status: 200, body: degraded })
    expect(await health('/v1/health?ready=1')).toEqual({ status: 503, body: degraded })
    expect(await health('/v1/health?ready=0')).toEqual({ status: 200, body: degraded })
    reason = undefined
    const ok = { status: 'ok', region: 'r1', openTransactions: 0 }
    expect(await health('/v1/health')).toEqual({ status: 200, body: ok })
    expect(await health('/v1/health?ready=1')).toEqual({ status: 200, body: ok })
    // Closing outranks degraded, in both forms.
    reason = 'region r2 is unreachable'
    await api.close()
    expect(await health('/v1/health')).toEqual({ status: 503, body: { status: 'closing', region: 'r1', openTransactions: 0 } })
    expect((await health('/v1/health?ready=1')).status).toBe(503)
  })

  test('missing, malformed, forged and expired tokens are 401 28000 with WWW-Authenticate', async () => {
    const { call, clock, token } = setup()
    const forged = createToken('cd'.repeat(32), { role: 'admin', ttlMs: 60_000 }, clock)
    const expired = createToken(secret, { role: 'user', ttlMs: 1000 }, clock)
    clock.advance(2000)
    for (const authorization of [
      '',
      'Bearer',
      'Basic abc',
      'Bearer abc.def',
      `Bearer ${forged}`,
      `Bearer ${expired}`,
      `Bearer ${token}!!`,
    ]) {
      const r = await call('POST', '/v1/sql', { sql: 'ROWS 1' }, { Authorization: authorization })
      expect(r.status).toBe(401)
      expect(code(r.json)).toBe('28000')
      expect(r.headers.get('WWW-Authenticate')).toStartWith('Bearer')
    }
    for (const [method, path] of [['GET', '/v1'], ['GET', '/v1/tx/x'], ['POST', '/v1/tx']]) {
      const r = await call(method as string, path as string, undefined, { Authorization: '' })
      expect(r.status).toBe(401)
    }
    const ok = await call('POST', '/v1/sql', { sql: 'ROWS 1' })
    expect(ok.status).toBe(200)
  })

  test('auth off accepts requests without a token', async () => {
    const { api } = setup({ auth: false })
    const res = await api.app.request('/v1/sql', {
      method: 'POST',
      body: JSON.stringify({ sql: 'ROWS 1' }),
    })
    expect(res.status).toBe(200)
  })

  test('admin endpoints need the admin role (403 42501)', async () => {
    const { call, clock } = setup()
    const user = await call('GET', '/v1/admin/stats')
    expect(user.status).toBe(403)
    expect(code(user.json)).toBe('42501')
    const admin = createToken(secret, { role: 'admin', ttlMs: 60_000 }, clock)
    const r = await call('GET', '/v1/admin/stats', undefined, { Authorization: `Bearer ${admin}` })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ openTransactions: 0, endedTransactions: 0 })
  })

  test('browsers on other origins: preflights answer before auth, responses allow any origin', async () => {
    const { api, token } = setup()
    const preflight = await api.app.request('/v1/sql', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
    const res = await api.app.request('/v1/sql', {
      method: 'POST',
      headers: { Origin: 'https://app.example', Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT 1' }),
    })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    // Errors too, or the page cannot read why: no token, an unknown endpoint, health.
    const origin = { Origin: 'https://app.example' }
    const noToken = await api.app.request('/v1/sql', { method: 'POST', headers: origin, body: '{"sql":"SELECT 1"}' })
    expect(noToken.status).toBe(401)
    expect(noToken.headers.get('access-control-allow-origin')).toBe('*')
    const missing = await api.app.request('/v1/nope', { headers: { ...origin, Authorization: `Bearer ${token}` } })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('access-control-allow-origin')).toBe('*')
    const health = await api.app.request('/v1/health', { headers: origin })
    expect(health.headers.get('access-control-allow-origin')).toBe('*')
  })

  test('unknown endpoints are 404, known ones with another method 405 with Allow; both 08P01', async () => {
    const { call } = setup()
    for (const [method, path] of [['GET', '/v1/nope'], ['POST', '/v1/sql/'], ['POST', '/v1/tx/abc/nope'], ['GET', '/']]) {
      const r = await call(method as string, path as string)
      expect([method, path, r.status, r.json.error]).toEqual([method, path, 404, {
        code: '08P01', message: `no endpoint ${path}`, detail: null, hint: null, position: null, retryable: false,
      }])
    }
    for (const [method, path, allow] of [
      ['PUT', '/v1/sql', 'POST'],
      ['GET', '/v1/sql', 'POST'],
      ['DELETE', '/v1/tx/abc', 'GET, HEAD'],
      ['PATCH', '/v1', 'GET, HEAD'],
      ['GET', '/v1/tx/abc/commit', 'POST'],
      ['POST', '/v1/health', 'GET, HEAD'],
    ]) {
      const r = await call(method as string, path as string, {})
      expect([method, path, r.status, r.headers.get('Allow'), r.json.error]).toEqual([method, path, 405, allow, {
        code: '08P01', message: `method ${method} is not allowed on ${path}`, detail: null, hint: `${path} takes ${allow}.`, position: null, retryable: false,
      }])
    }
    // Browsers read them too; HEAD is GET without the body.
    const cors = await call('PUT', '/v1/sql', {}, { Origin: 'https://app.example' })
    expect([cors.status, cors.headers.get('access-control-allow-origin')]).toEqual([405, '*'])
    const { api } = setup()
    expect((await api.app.request('/v1/health', { method: 'HEAD' })).status).toBe(200)
    // A wrong method is no reason to skip authentication.
    const anonymous = await call('GET', '/v1/sql', undefined, { Authorization: '' })
    expect(anonymous.status).toBe(401)
  })
})

describe('POST /v1/sql', () => {
  test('a Result with object rows by default and array rows on request', async () => {
    const { call } = setup()
    const objects = await call('POST', '/v1/sql', { sql: 'ROWS 2' })
    expect(objects.status).toBe(200)
    expect(objects.json).toEqual({
      command: 'SELECT',
      rowCount: 2,
      fields: [
        { name: 'id', type: 'int8' },
        { name: 'name', type: 'text' },
      ],
      rows: [
        { id: '1', name: 'r1' },
        { id: '2', name: 'r2' },
      ],
    })
    const arrays = await call('POST', '/v1/sql', { sql: 'ROWS 2', rowMode: 'array' })
    expect(arrays.json.rows).toEqual([
      ['1', 'r1'],
      ['2', 'r2'],
    ])
  })

  test('duplicate column names: the later column wins in object rows', async () => {
    const { call } = setup()
    expect((await call('POST', '/v1/sql', { sql: 'DUP' })).json.rows).toEqual([{ a: 'x' }])
    expect((await call('POST', '/v1/sql', { sql: 'DUP', rowMode: 'array' })).json.rows).toEqual([
      [1, 'x'],
    ])
  })

  test('params reach the statement in order', async () => {
    const { call } = setup()
    const r = await call('POST', '/v1/sql', { sql: 'ECHO', params: ['a', 'b'], rowMode: 'array' })
    expect(r.json.rows).toEqual([['a', 'b']])
  })

  test('each single statement is its own committed transaction', async () => {
    const { call } = setup()
    expect((await call('POST', '/v1/sql', { sql: 'PUT k v1' })).json).toMatchObject({
      command: 'INSERT',
      rowCount: 1,
    })
    expect((await call('POST', '/v1/sql', { sql: 'GET k', rowMode: 'array' })).json.rows).toEqual([
      ['v1'],
    ])
  })

  test('a batch answers {results} in order', async () => {
    const { call } = setup()
    const r = await call('POST', '/v1/sql', {
      statements: [{ sql: 'PUT k v' }, { sql: 'GET k' }, { sql: 'ECHO', params: [1] }],
      rowMode: 'array',
    })
    expect(r.status).toBe(200)
    expect(r.json.results.map((x: { rows: unknown }) => x.rows)).toEqual([[], [['v']], [[1]]])
  })

  test('a failing batch applies nothing', async () => {
    const { call } = setup()
    const r = await call('POST', '/v1/sql', {
      statements: [{ sql: 'PUT k v' }, { sql: 'FAIL 23505' }],
    })
    expect(r.status).toBe(409)
    expect((await call('POST', '/v1/sql', { sql: 'GET k', rowMode: 'array' })).json.rows).toEqual([
      [null],
    ])
  })

  test('SQL errors carry every field, null when absent', async () => {
    const { call } = setup()
    const r = await call('POST', '/v1/sql', { sql: 'FAIL 42601' })
    expect(r.status).toBe(400)
    expect(r.json).toEqual({
      error: {
        code: '42601',
        message: 'failed on purpose',
        detail: null,
        hint: null,
        position: 3,
        retryable: false,
      },
    })
  })

  test('a bug is a 500 XX000 that does not leak its message', async () => {
    const { call, internal } = setup()
    const r = await call('POST', '/v1/sql', { sql: 'BOOM' })
    expect(r.status).toBe(500)
    expect(code(r.json)).toBe('XX000')
    expect(JSON.stringify(r.json)).not.toContain('secret internals')
    expect(internal).toHaveLength(1)
  })
})

describe('validation and limits', () => {
  const bad: [string, unknown, string][] = [
    ['malformed JSON', '{"sql": ', 'not valid JSON'],
    ['an empty body', '', 'JSON object'],
    ['a non-object', '[1]', 'body'],
    ['sql of the wrong type', { sql: 1 }, 'sql'],
    ['params that are not an array', { sql: 'ECHO', params: 'x' }, 'params'],
    ['an unknown field', { sql: 'ECHO', parms: [] }, 'parms'],
    ['a bad rowMode', { sql: 'ECHO', rowMode: 'table' }, 'rowMode'],
    ['an empty batch', { statements: [] }, 'statements'],
    ['a batch statement without sql', { statements: [{ params: [] }] }, 'statements.0.sql'],
    ['sql and statements together', { sql: 'x', statements: [{ sql: 'x' }] }, 'sql'],
  ]
  for (const [what, body, field] of bad) {
    test(`${what} is 400 08P01 naming the field`, async () => {
      const { call, qp } = setup()
      const r = await call('POST', '/v1/sql', body)
      expect(r.status).toBe(400)
      expect(code(r.json)).toBe('08P01')
      expect(r.json.error.message).toContain(field)
      expect(qp.begun).toBe(0)
    })
  }

  test('a body over the limit is 413 54000, with or without Content-Length', async () => {
    const { api, token } = setup({ limits: { bodyBytesMax: 100 } })
    const sql = 'ECHO ' + 'x'.repeat(200)
    const withLength = await api.app.request('/v1/sql', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify({ sql }),
    })
    expect(withLength.status).toBe(413)
    expect(((await withLength.json()) as ErrorBody).error.code).toBe('54000')
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(50)))
        controller.close()
      },
    })
    const chunked = await api.app.request('/v1/sql', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
  })

  test('too many statements, params or SQL characters are 413 54000', async () => {
    const { call } = setup({ limits: { statementsMax: 2, paramsMax: 2, sqlCharsMax: 10 } })
    const many = await call('POST', '/v1/sql', {
      statements: [{ sql: 'ECHO' }, { sql: 'ECHO' }, { sql: 'ECHO' }],
    })
    const params = await call('POST', '/v1/sql', { sql: 'ECHO', params: [1, 2, 3] })
    const long = await call('POST', '/v1/sql', { sql: 'ECHO ' + 'x'.repeat(10) })
    for (const r of [many, params, long]) {
      expect(r.status).toBe(413)
      expect(code(r.json)).toBe('54000')
    }
  })
})

describe('interactive transactions', () => {
  test('begin, statements, commit, status', async () => {
    const { call, clock } = setup()
    const begun = await call('POST', '/v1/tx', {})
    expect(begun.status).toBe(201)
    expect(begun.json).toEqual({
      tx: expect.stringMatching(/^[0-9a-f]{32}$/),
      region: 'r1',
      expiresAt: new Date(clock.wallMs() + 5 * 60_000).toISOString(),
      idleTimeoutMs: 30_000,
    })
    const tx = begun.json.tx
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'open' })
    await call('POST', `/v1/tx/${tx}/sql`, { sql: 'PUT k v' })
    const batch = await call('POST', `/v1/tx/${tx}/sql`, {
      statements: [{ sql: 'GET k' }],
      rowMode: 'array',
    })
    expect(batch.json.results[0].rows).toEqual([['v']])
    // Not visible outside before commit.
    expect((await call('POST', '/v1/sql', { sql: 'GET k', rowMode: 'array' })).json.rows).toEqual([
      [null],
    ])
    const committed = await call('POST', `/v1/tx/${tx}/commit`)
    expect(committed.status).toBe(200)
    expect(committed.json).toEqual({
      status: 'committed',
      commitTs: expect.stringMatching(/^\d+$/),
    })
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({
      status: 'committed',
      commitTs: committed.json.commitTs,
    })
    // A retried commit (the answer was lost) answers the same commitTs.
    expect((await call('POST', `/v1/tx/${tx}/commit`)).json).toEqual(committed.json)
    expect((await call('POST', '/v1/sql', { sql: 'GET k', rowMode: 'array' })).json.rows).toEqual([
      ['v'],
    ])
    // No more statements on it.
    const after = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'GET k' })
    expect(after.status).toBe(404)
    expect(code(after.json)).toBe('25P03')
  })

  test('rollback discards, is idempotent, and the status says aborted', async () => {
    const { call } = setup()
    const tx = (await call('POST', '/v1/tx')).json.tx
    await call('POST', `/v1/tx/${tx}/sql`, { sql: 'PUT k v' })
    for (let i = 0; i < 2; i++)
      expect((await call('POST', `/v1/tx/${tx}/rollback`)).json).toEqual({ status: 'rolled_back' })
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'aborted' })
    expect((await call('POST', '/v1/sql', { sql: 'GET k', rowMode: 'array' })).json.rows).toEqual([
      [null],
    ])
    const commit = await call('POST', `/v1/tx/${tx}/commit`)
    expect(commit.status).toBe(404)
  })

  test('unknown transactions are 404 25P03 on every endpoint', async () => {
    const { call } = setup()
    for (const [method, path] of [
      ['GET', '/v1/tx/nope'],
      ['POST', '/v1/tx/nope/sql'],
      ['POST', '/v1/tx/nope/commit'],
      ['POST', '/v1/tx/nope/rollback'],
    ] as const) {
      const r = await call(
        method,
        path,
        method === 'POST' && path.endsWith('sql') ? { sql: 'ECHO' } : undefined,
      )
      expect(r.status).toBe(404)
      expect(code(r.json)).toBe('25P03')
    }
  })

  test('read-only transactions reach the query processor as read-only', async () => {
    const { call } = setup()
    const tx = (await call('POST', '/v1/tx', { readOnly: true })).json.tx
    const r = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'PUT k v' })
    expect(r.status).toBe(400)
    expect(code(r.json)).toBe('25006')
    const bad = await call('POST', '/v1/tx', { readOnly: 'yes' })
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toContain('readOnly')
  })

  test('a failed statement leaves the transaction failed; commit then fails and it is aborted', async () => {
    const { call } = setup()
    const tx = (await call('POST', '/v1/tx')).json.tx
    expect((await call('POST', `/v1/tx/${tx}/sql`, { sql: 'FAIL 22012' })).status).toBe(400)
    const later = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'ECHO' })
    expect(code(later.json)).toBe('25P02')
    const commit = await call('POST', `/v1/tx/${tx}/commit`)
    expect(commit.status).toBe(400)
    expect(code(commit.json)).toBe('25P02')
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'aborted' })
  })

  test('the later of two conflicting commits gets 409 40001, retryable, and a retry says so again', async () => {
    const { call } = setup()
    const a = (await call('POST', '/v1/tx')).json.tx
    const b = (await call('POST', '/v1/tx')).json.tx
    await call('POST', `/v1/tx/${a}/sql`, { sql: 'PUT k a' })
    await call('POST', `/v1/tx/${b}/sql`, { sql: 'PUT k b' })
    expect((await call('POST', `/v1/tx/${a}/commit`)).status).toBe(200)
    const lost = await call('POST', `/v1/tx/${b}/commit`)
    expect(lost.status).toBe(409)
    expect(lost.json.error).toMatchObject({ code: '40001', retryable: true })
    expect((await call('GET', `/v1/tx/${b}`)).json).toEqual({ status: 'aborted' })
    expect((await call('POST', `/v1/tx/${b}/commit`)).json.error.code).toBe('40001')
  })

  test('an unknown commit outcome is 503 40003 and the status says unknown', async () => {
    const { call, qp } = setup()
    const tx = (await call('POST', '/v1/tx')).json.tx
    await call('POST', `/v1/tx/${tx}/sql`, { sql: 'PUT k v' })
    qp.nextCommitError = new SqlError('40003', 'the outcome of the commit is unknown')
    const r = await call('POST', `/v1/tx/${tx}/commit`)
    expect(r.status).toBe(503)
    expect(r.json.error).toMatchObject({ code: '40003', retryable: false })
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'unknown' })
    const rollback = await call('POST', `/v1/tx/${tx}/rollback`)
    expect(rollback.status).toBe(400)
    expect(code(rollback.json)).toBe('25000')
  })

  test('an idle transaction is rolled back after the idle timeout; activity postpones it', async () => {
    const { call, clock } = setup({ limits: { idleTimeoutMs: 1000 } })
    const tx = (await call('POST', '/v1/tx')).json.tx
    await call('POST', `/v1/tx/${tx}/sql`, { sql: 'PUT k v' })
    clock.advance(900)
    await call('POST', `/v1/tx/${tx}/sql`, { sql: 'GET k' })
    clock.advance(900)
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'open' })
    clock.advance(200)
    await Promise.resolve()
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'aborted' })
    // Later requests are told why, not that the transaction is unknown.
    const late = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'GET k' })
    expect([late.status, code(late.json), late.json.error.message]).toEqual([404, '25P03', `transaction "${tx}" was rolled back: idle for 1000 ms`])
    const commit = await call('POST', `/v1/tx/${tx}/commit`)
    expect([commit.status, commit.json.error.message]).toEqual([404, `transaction "${tx}" was rolled back: idle for 1000 ms`])
    expect((await call('POST', `/v1/tx/${tx}/rollback`)).json).toEqual({ status: 'rolled_back' })
  })

  test('a transaction older than txAgeMsMax is rolled back however busy', async () => {
    const { call, clock } = setup({ limits: { idleTimeoutMs: 1000, txAgeMsMax: 2500 } })
    const tx = (await call('POST', '/v1/tx')).json.tx
    for (let i = 0; i < 3; i++) {
      clock.advance(900)
      await call('POST', `/v1/tx/${tx}/sql`, { sql: 'ECHO' })
    }
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'aborted' })
    const late = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'ECHO' })
    expect([late.status, late.json.error.message]).toEqual([404, `transaction "${tx}" was rolled back: older than 2500 ms`])
  })

  test('at most sessionsMax open transactions: 503 53300', async () => {
    const { call } = setup({ limits: { sessionsMax: 2 } })
    const first = (await call('POST', '/v1/tx')).json.tx
    await call('POST', '/v1/tx')
    const third = await call('POST', '/v1/tx')
    expect(third.status).toBe(503)
    expect(code(third.json)).toBe('53300')
    await call('POST', `/v1/tx/${first}/rollback`)
    expect((await call('POST', '/v1/tx')).status).toBe(201)
  })

  test('ended transactions are remembered up to endedTxMax', async () => {
    const { call } = setup({ limits: { endedTxMax: 2 } })
    const handles: string[] = []
    for (let i = 0; i < 3; i++) {
      const tx = (await call('POST', '/v1/tx')).json.tx
      await call('POST', `/v1/tx/${tx}/rollback`)
      handles.push(tx)
    }
    expect((await call('GET', `/v1/tx/${handles[0]}`)).status).toBe(404)
    expect((await call('GET', `/v1/tx/${handles[2]}`)).json).toEqual({ status: 'aborted' })
  })

  test('concurrent requests on one transaction run one at a time, in arrival order', async () => {
    const { call, qp } = setup()
    const tx = (await call('POST', '/v1/tx')).json.tx
    const first = call('POST', `/v1/tx/${tx}/sql`, { sql: 'WAIT g' })
    await Bun.sleep(1)
    const second = call('POST', `/v1/tx/${tx}/sql`, { sql: 'ECHO' })
    await Bun.sleep(1)
    const commit = call('POST', `/v1/tx/${tx}/commit`)
    await Bun.sleep(5)
    expect(qp.log).toEqual([`start t1 WAIT g`])
    qp.release('g')
    expect((await first).status).toBe(200)
    expect((await second).status).toBe(200)
    expect((await commit).status).toBe(200)
    expect(qp.log).toEqual(['start t1 WAIT g', 'end t1 WAIT g', 'start t1 ECHO', 'end t1 ECHO'])
  })

  test('requests beyond txQueueMax on one transaction are refused with 503', async () => {
    const { call, qp } = setup({ limits: { txQueueMax: 1 } })
    const tx = (await call('POST', '/v1/tx')).json.tx
    const first = call('POST', `/v1/tx/${tx}/sql`, { sql: 'WAIT g' })
    await Bun.sleep(5)
    const second = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'ECHO' })
    expect(second.status).toBe(503)
    qp.release('g')
    expect((await first).status).toBe(200)
  })
})

describe('shutdown', () => {
  test('close refuses new work with 503 57P03 and rolls back open transactions after their request', async () => {
    const { call, qp, api } = setup()
    const tx = (await call('POST', '/v1/tx')).json.tx
    const busy = call('POST', `/v1/tx/${tx}/sql`, {
      statements: [{ sql: 'PUT k v' }, { sql: 'WAIT g' }],
    })
    await Bun.sleep(5)
    const closed = api.close()
    for (const [path, body] of [
      ['/v1/tx', {}],
      ['/v1/sql', { sql: 'ECHO' }],
    ] as const) {
      const r = await call('POST', path, body)
      expect(r.status).toBe(503)
      expect(code(r.json)).toBe('57P03')
    }
    expect((await api.app.request('/v1/health')).status).toBe(503)
    qp.release('g')
    expect((await busy).status).toBe(200)
    await closed
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'aborted' })
  })

  test('close waits for the one-shot statements already running', async () => {
    const { call, qp, api } = setup()
    const running = [call('POST', '/v1/sql', { sql: 'WAIT g' }), call('POST', '/v1/sql', { sql: 'WAIT h' })]
    await Bun.sleep(5)
    let closed = false
    const closing = api.close().then(() => (closed = true))
    await Bun.sleep(5)
    expect(closed).toBe(false)
    qp.release('g')
    expect((await running[0])?.status).toBe(200)
    await Bun.sleep(5)
    expect(closed).toBe(false)
    qp.release('h')
    expect((await running[1])?.status).toBe(200)
    await closing
    expect(closed).toBe(true)
  })
})
