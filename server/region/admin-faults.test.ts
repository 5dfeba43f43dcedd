// Goal: injected SQL faults (POST /v1/admin/faults/sql) fail only requests that would otherwise
// run: a request refused for its token, its body or its transaction answers that refusal and
// leaves the armed fault for the next real request. Method: one in-memory region with the switch
// mounted, requests through its app as a client sends them.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SystemClock, SystemRandom } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { createToken } from '../api/index.ts'
import { openRegion, type Region } from './index.ts'

let region: Region
let user: string
let admin: string

beforeAll(async () => {
  const clock = new SystemClock()
  region = await openRegion({
    name: 'local', url: 'http://127.0.0.1:0', clock, timers: clock, random: new SystemRandom(), disk: new SimDisk(), sqlFaults: true,
  })
  user = createToken(region.secret, { role: 'user', ttlMs: 600_000 }, clock)
  admin = createToken(region.secret, { role: 'admin', ttlMs: 600_000 }, clock)
})
afterAll(() => region.close())

async function call(method: string, path: string, body?: unknown, token: string | null = user) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (token !== null) headers.Authorization = `Bearer ${token}`
  const init: RequestInit = { method, headers }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await region.app.request(path, init)
  const json = (await res.json()) as any
  return { status: res.status, code: json.error?.code as string | undefined, json }
}

const arm = async (fault: object) => expect((await call('POST', '/v1/admin/faults/sql', fault, admin)).status).toBe(200)
const armed = async () => (await call('GET', '/v1/admin/faults/sql', undefined, admin)).json
const begin = async () => (await call('POST', '/v1/tx', {})).json.tx as string

describe('SQL faults apply only to requests that would run', () => {
  test('40001: refused requests answer their own error and leave the fault armed', async () => {
    await arm({ code: '40001', count: 2 })
    const refused = [
      await call('POST', '/v1/sql', { sql: 'SELECT 1' }, null),
      await call('POST', '/v1/sql', { sql: 'SELECT 1' }, `${user}!!`),
      await call('POST', '/v1/sql', '{bad json'),
      await call('POST', '/v1/sql', { sql: 'SELECT 1', extra: true }),
      await call('POST', '/v1/tx/0123456789abcdef0123456789abcdef/sql', { sql: 'SELECT 1' }),
      await call('GET', '/v1/sql'),
    ]
    expect(refused.map((r) => [r.status, r.code])).toEqual([[401, '28000'], [401, '28000'], [400, '08P01'], [400, '08P01'], [404, '25P03'], [405, '08P01']])
    expect((await armed()).conflicts).toBe(2)
    const tx = await begin()
    const inTx = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'SELECT 1 AS one' })
    expect([inTx.status, inTx.code, inTx.json.error.retryable]).toEqual([409, '40001', true])
    // The conflict failed the transaction, whose statements are now refused before they run
    // (25P02), as a real one's would be: they leave the second fault armed.
    const afterIt = await call('POST', `/v1/tx/${tx}/sql`, { sql: 'SELECT 1 AS one' })
    expect([afterIt.status, afterIt.code]).toEqual([400, '25P02'])
    expect((await armed()).conflicts).toBe(1)
    expect((await call('POST', `/v1/tx/${tx}/rollback`)).status).toBe(200)
    expect((await call('POST', '/v1/sql', { sql: 'SELECT 1 AS one' })).status).toBe(409)
    expect((await call('POST', '/v1/sql', { sql: 'SELECT 1 AS one' })).status).toBe(200)
    expect((await armed()).conflicts).toBe(0)
  })

  test('40001 with match: only requests with a statement containing it', async () => {
    await arm({ code: '40001', count: 1, match: 'marked_here' })
    expect((await call('POST', '/v1/sql', { sql: 'SELECT 1 AS plain' })).status).toBe(200)
    const batch = await call('POST', '/v1/sql', { statements: [{ sql: 'SELECT 1 AS a' }, { sql: 'SELECT 2 AS marked_here' }] })
    expect([batch.status, batch.code]).toEqual([409, '40001'])
    expect((await call('POST', '/v1/sql', { sql: 'SELECT 1 AS marked_here' })).status).toBe(200)
  })

  test('40003 landed: a commit of an unknown transaction is 404 and leaves it armed', async () => {
    await call('POST', '/v1/sql', { sql: 'CREATE TABLE landed (id int4 PRIMARY KEY)' })
    await arm({ code: '40003', count: 1, landed: true })
    const unknown = await call('POST', '/v1/tx/0123456789abcdef0123456789abcdef/commit')
    expect([unknown.status, unknown.code]).toEqual([404, '25P03'])
    expect((await call('POST', '/v1/tx/x/commit', { extra: 1 })).status).toBe(400)
    expect((await armed()).unknownCommits).toBe(1)
    const tx = await begin()
    expect((await call('POST', `/v1/tx/${tx}/sql`, { sql: 'INSERT INTO landed VALUES (1)' })).status).toBe(200)
    const commit = await call('POST', `/v1/tx/${tx}/commit`)
    expect([commit.status, commit.code]).toEqual([503, '40003'])
    // It landed: the status and a retried commit say so.
    const status = (await call('GET', `/v1/tx/${tx}`)).json
    expect(status.status).toBe('committed')
    const retried = await call('POST', `/v1/tx/${tx}/commit`)
    expect([retried.status, retried.json.commitTs]).toEqual([200, status.commitTs])
    expect((await call('POST', '/v1/sql', { sql: 'SELECT id FROM landed' })).json.rows).toEqual([{ id: 1 }])
  })

  test('40003 not landed: the transaction stays open, and a retried commit commits it', async () => {
    await arm({ code: '40003', count: 1, landed: false })
    const tx = await begin()
    expect((await call('POST', `/v1/tx/${tx}/sql`, { sql: 'INSERT INTO landed VALUES (2)' })).status).toBe(200)
    expect((await call('POST', `/v1/tx/${tx}/commit`)).status).toBe(503)
    expect((await call('GET', `/v1/tx/${tx}`)).json).toEqual({ status: 'open' })
    expect((await call('POST', `/v1/tx/${tx}/commit`)).status).toBe(200)
    expect((await call('POST', '/v1/sql', { sql: 'SELECT count(*) AS n FROM landed' })).json.rows).toEqual([{ n: '2' }])
  })

  test('the switch itself: admin only, 405 for another method', async () => {
    expect((await call('POST', '/v1/admin/faults/sql', { code: '40001', count: 1 })).status).toBe(403)
    const put = await call('PUT', '/v1/admin/faults/sql', {}, admin)
    expect([put.status, put.code]).toEqual([405, '08P01'])
    expect(await armed()).toMatchObject({ conflicts: 0, unknownCommits: 0 })
  })
})

describe('an injected 40001 leaves an interactive transaction as a real 40001 does', () => {
  // Goal: the fault stands for a statement error, so the transaction must end up as after a real
  // one (PostgreSQL's rule, qp/transaction.ts): failed, later statements 25P02, commit 25P02 and
  // rolled back, its earlier writes never committed. Method: the same requests after a real
  // 40001 raised by a statement (nextval must take a block of a sequence whose definition changed
  // after the snapshot: OC001) and after an injected one; the two traces must be equal.

  /** What a client sees after `failing` answered, on a transaction that wrote `id` first. */
  async function traceAfter(tx: string, id: number, failing: () => Promise<{ status: number; code: string | undefined }>) {
    const trace: unknown[] = []
    const step = async (name: string, r: Promise<{ status: number; code: string | undefined; json: any }>) => {
      const { status, code, json } = await r
      trace.push([name, status, code ?? json.status])
    }
    await step('write', call('POST', `/v1/tx/${tx}/sql`, { sql: 'INSERT INTO after_fault VALUES ($1)', params: [id] }))
    await step('failing', failing().then((r) => ({ ...r, json: {} })))
    await step('statement', call('POST', `/v1/tx/${tx}/sql`, { sql: 'SELECT 1 AS one' }))
    await step('batch', call('POST', `/v1/tx/${tx}/sql`, { statements: [{ sql: 'SELECT 1 AS one' }] }))
    await step('status', call('GET', `/v1/tx/${tx}`))
    await step('commit', call('POST', `/v1/tx/${tx}/commit`))
    await step('status', call('GET', `/v1/tx/${tx}`))
    await step('commit again', call('POST', `/v1/tx/${tx}/commit`))
    await step('rollback', call('POST', `/v1/tx/${tx}/rollback`))
    const committed = await call('POST', '/v1/sql', { sql: 'SELECT count(*) AS n FROM after_fault WHERE id = $1', params: [id] })
    trace.push(['rows committed', committed.json.rows[0].n])
    return trace
  }

  test('failed: later statements 25P02, commit 25P02 and rolls back, nothing of it committed', async () => {
    await call('POST', '/v1/sql', { sql: 'CREATE TABLE after_fault (id int4 PRIMARY KEY)' })
    await call('POST', '/v1/sql', { sql: 'CREATE SEQUENCE after_fault_seq' })
    const real = await begin()
    const realTrace = await traceAfter(real, 1, async () => {
      await call('POST', '/v1/sql', { sql: "SELECT setval('after_fault_seq', 100)" })
      return call('POST', `/v1/tx/${real}/sql`, { sql: "SELECT nextval('after_fault_seq') AS n" })
    })
    await arm({ code: '40001', count: 1, match: 'inject_here' })
    const injected = await begin()
    const injectedTrace = await traceAfter(injected, 2, () =>
      call('POST', `/v1/tx/${injected}/sql`, { sql: 'SELECT 1 AS inject_here' }),
    )
    expect(realTrace).toEqual([
      ['write', 200, undefined],
      ['failing', 409, '40001'],
      ['statement', 400, '25P02'],
      ['batch', 400, '25P02'],
      ['status', 200, 'open'],
      ['commit', 400, '25P02'],
      ['status', 200, 'aborted'],
      ['commit again', 400, '25P02'],
      ['rollback', 200, 'rolled_back'],
      ['rows committed', '0'],
    ])
    expect(injectedTrace).toEqual(realTrace)
  })
})

