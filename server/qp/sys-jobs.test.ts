// Goal: Aurora DSQL's job interface over CREATE INDEX ASYNC: `sys.jobs` lists each job with its
// status (processing, completed, failed, cancelled), `CALL sys.wait_for_job(id)` blocks until the
// job ends and answers whether it succeeded, and finished jobs are forgotten 30 minutes after they
// end (so the job rows stay bounded). Method: SQL through a real query processor (qp-harness:
// real SQLite shards, adjudicators, journal and crossbar); the region's sweep is the QP's
// resumeIndexJobs, called with the QP's clock moved forward.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { SqlError } from '../errors/index.ts'
import type { SqlQueryProcessor } from './index.ts'
import { INDEX_JOB_BATCH_ROWS, INDEX_JOB_RETENTION_MS, jobsToForget, PRUNE_JOBS_MAX, type IndexJob } from './index-jobs.ts'
import { createHarness, type QpHarness } from './qp-harness.ts'

let h: QpHarness
/** What the QP's clock is ahead of the harness's simulated clock (the sweep's "now"). */
let aheadMs = 0
const ROWS = INDEX_JOB_BATCH_ROWS * 3 + 11

beforeEach(async () => {
  aheadMs = 0
  const qpClock = { wallMs: () => h.clock.wallMs() + aheadMs }
  h = createHarness({ qpClock, limits: { rowsModifiedMax: 5000 } })
  await h.run('CREATE TABLE t (id int PRIMARY KEY, v int, w text)')
  await h.run(`INSERT INTO t SELECT g, g % 10, 'w' || g FROM generate_series(1, ${ROWS}) AS g`)
})
afterEach(async () => {
  await h.close()
})

const createAsync = async (sql: string): Promise<string> => (await h.rows(sql))[0]?.[0] as string

async function errorOf(sql: string, params: unknown[] = []): Promise<SqlError> {
  try {
    await h.run(sql, params)
  } catch (e) {
    if (e instanceof SqlError) return e
    throw e
  }
  throw new Error(`${sql} did not fail`)
}

describe('sys.jobs', () => {
  test('lists an index build as processing, then completed, with its index and times', async () => {
    const startMs = h.clock.wallMs()
    const job = await createAsync('CREATE INDEX ASYNC t_v ON t (v)')
    const [listed] = await h.rows('SELECT job_id, status, job_type, object_name, details, start_time FROM sys.jobs')
    expect(listed?.slice(0, 5)).toEqual([job, 'processing', 'INDEX_BUILD', 'public.t_v', null])
    expect(Date.parse(listed?.[5] as string)).toBeGreaterThanOrEqual(startMs)
    expect(await h.rows('CALL sys.wait_for_job($1)', [job])).toEqual([[true]])
    expect(await h.rows('SELECT status, details, update_time >= start_time FROM sys.jobs WHERE job_id = $1', [job])).toEqual([
      ['completed', null, true],
    ])
  })

  test('an index being built is listed as not valid yet (its name is taken), then valid', async () => {
    const job = await createAsync('CREATE INDEX ASYNC t_v ON t (v)')
    const catalog = `SELECT j.status, i.indisvalid, i.indisready, (SELECT count(*)::int FROM pg_indexes WHERE indexname = 't_v')
      FROM sys.jobs j, pg_index i WHERE i.indexrelid = 't_v'::regclass`
    expect(await h.rows(catalog)).toEqual([['processing', false, true, 1]])
    expect(await h.rows('CALL sys.wait_for_job($1)', [job])).toEqual([[true]])
    expect(await h.rows(catalog)).toEqual([['completed', true, true, 1]])
  })

  test('a failed build says why; an index dropped while it builds is cancelled', async () => {
    await h.run('CREATE SCHEMA s')
    await h.run('CREATE TABLE s.u (id int PRIMARY KEY, v int)')
    await h.run('INSERT INTO s.u VALUES (1, 5), (2, 5)')
    const failed = await createAsync('CREATE UNIQUE INDEX ASYNC u_v ON s.u (v)')
    expect(await h.rows('CALL sys.wait_for_job($1)', [failed])).toEqual([[false]])
    const cancelled = await createAsync('CREATE INDEX ASYNC t_w ON t (w)')
    await h.run('DROP INDEX t_w')
    expect(await h.rows('CALL sys.wait_for_job($1)', [cancelled])).toEqual([[false]])
    const rows = await h.rows('SELECT object_name, status, details FROM sys.jobs ORDER BY object_name')
    expect(rows).toEqual([
      ['public.t_w', 'cancelled', 'the index or its table was dropped while it was built'],
      ['s.u_v', 'failed', 'could not create unique index "u_v" Key (v)=(5) is duplicated.'],
    ])
    expect(await h.rows('SELECT index_job_state($1)', [cancelled])).toEqual([['cancelled']])
  })
})

describe('CALL sys.wait_for_job', () => {
  test('waits for a job another transaction created, in a transaction of its own', async () => {
    const job = await createAsync('CREATE INDEX ASYNC t_v ON t (v)')
    const tx = await h.begin()
    expect((await tx.execute('CALL sys.wait_for_job($1)', [job])).rows).toEqual([[true]])
    // The wait looked past the transaction's snapshot; the transaction still reads at it.
    expect((await tx.execute('SELECT status FROM sys.jobs')).rows).toEqual([['processing']])
    tx.rollback()
  })

  test('refuses what it cannot wait for, with PostgreSQL-style errors', async () => {
    expect((await errorOf("CALL sys.wait_for_job('no-such-job')")).code).toBe('42704')
    expect((await errorOf('CALL sys.wait_for_job(NULL::text)')).code).toBe('22004')
    const wrongType = await errorOf('CALL sys.wait_for_job(1)')
    expect([wrongType.code, wrongType.message]).toEqual(['42883', 'procedure sys.wait_for_job(integer) does not exist'])
    expect((await errorOf('CALL no_such_procedure()')).code).toBe('42883')
    // A procedure, as in Aurora DSQL: not a function.
    expect((await errorOf("SELECT sys.wait_for_job('x')")).code).toBe('42883')
    // A job created by the same transaction starts only when it commits: waiting would never end.
    const tx = await h.begin()
    const [[job]] = (await tx.execute('CREATE INDEX ASYNC t_v ON t (v)')).rows as [[string]]
    await expect(tx.execute('CALL sys.wait_for_job($1)', [job])).rejects.toMatchObject({ code: '55000' })
    tx.rollback()
  })

  test('gives up at the statement timeout (57014) while the job still builds', async () => {
    const job = await createAsync('CREATE INDEX ASYNC t_v ON t (v)')
    const tx = await h.begin()
    await tx.execute("SET statement_timeout = '1ms'")
    // The QP's clock moves past the deadline while the job is still processing its batches.
    const wait = tx.execute('CALL sys.wait_for_job($1)', [job])
    aheadMs += 1_000
    await expect(wait).rejects.toMatchObject({ code: '57014' })
    tx.rollback()
    aheadMs = 0
    expect(await h.rows('CALL sys.wait_for_job($1)', [job])).toEqual([[true]])
  })
})

describe('finished jobs are forgotten after the retention', () => {
  test('the sweep removes jobs that ended 30 minutes ago, and only those', async () => {
    const qp = h.qp as SqlQueryProcessor
    const done = await createAsync('CREATE INDEX ASYNC t_v ON t (v)')
    expect(await h.rows('CALL sys.wait_for_job($1)', [done])).toEqual([[true]])
    const failed = await createAsync('CREATE UNIQUE INDEX ASYNC t_vu ON t (v)')
    expect(await h.rows('CALL sys.wait_for_job($1)', [failed])).toEqual([[false]])
    // A minute short of the retention, a sweep keeps both.
    aheadMs = INDEX_JOB_RETENTION_MS - 60_000
    await qp.resumeIndexJobs()
    aheadMs = 0
    expect(await h.rows('SELECT count(*)::int FROM sys.jobs')).toEqual([[2]])
    // Past it, both go.
    aheadMs = INDEX_JOB_RETENTION_MS + 1_000
    await qp.resumeIndexJobs()
    aheadMs = 0
    expect(await h.rows('SELECT count(*)::int FROM sys.jobs')).toEqual([[0]])
    expect((await errorOf('CALL sys.wait_for_job($1)', [done])).code).toBe('42704')
    expect(await h.rows('SELECT index_job_state($1)', [failed])).toEqual([[null]])
  })

  test('a building job is never forgotten, however old; one sweep forgets a bounded number', () => {
    const job = (id: number, state: IndexJob['state'], atMs: number): IndexJob => ({
      id: String(id), table: 't', tableId: '9', index: `i${id}`, indexId: id, state, rowsDone: 0,
      owner: 'local', ownerAtMs: atMs, ...(state === 'building' ? {} : { finishedAtMs: atMs }),
    })
    const now = 10 * INDEX_JOB_RETENTION_MS
    const jobs = [job(1, 'building', 0), job(2, 'succeeded', 0), job(3, 'failed', now - INDEX_JOB_RETENTION_MS + 1), job(4, 'cancelled', 0)]
    expect(jobsToForget(jobs, now).map((j) => j.id)).toEqual(['2', '4'])
    // Jobs from before finishedAtMs count from their last batch.
    const { finishedAtMs: _, ...old } = job(5, 'succeeded', 0)
    expect(jobsToForget([old], now).map((j) => j.id)).toEqual(['5'])
    const many = Array.from({ length: PRUNE_JOBS_MAX + 10 }, (_, i) => job(i, 'succeeded', 0))
    expect(jobsToForget(many, now)).toHaveLength(PRUNE_JOBS_MAX)
  })
})
