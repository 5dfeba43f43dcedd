// Goal: CREATE INDEX ASYNC answers a job id at once and fills the index in background batch
// transactions while writers keep writing; the index serves reads only once the job succeeded, a
// unique one fails its job on duplicates, and a dropped one ends its job. Method: SQL through a
// real query processor (qp-harness), polling the job's state with index_job_state().
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'
import { SqlError } from '../errors/index.ts'
import { encodeKey } from '../encoding/index.ts'
import { INDEX_JOBS_TABLE_ID } from './catalog.ts'
import { INDEX_JOB_BATCH_ROWS, rewriteIndexAsync } from './index-jobs.ts'
import { KEY_BYTES_MAX } from './constants.ts'

let h: QpHarness
const ROWS = INDEX_JOB_BATCH_ROWS * 2 + 37
beforeEach(async () => {
  h = createHarness({ limits: { rowsModifiedMax: 5000 } })
  await h.run('CREATE TABLE t (id int PRIMARY KEY, v int, w text)')
  const values = Array.from({ length: ROWS }, (_, i) => `(${i}, ${i % 100}, 'w${i}')`).join(',')
  await h.run(`INSERT INTO t VALUES ${values}`)
})
afterEach(async () => {
  await h.close()
})

/** Polls the job's state until it is no longer building (bounded: 500 polls). */
async function waitForJob(jobId: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const [[state]] = (await h.rows('SELECT index_job_state($1)', [jobId])) as [[string]]
    if (state !== 'building') return state
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  throw new Error('the index job did not finish within 500 polls')
}

/** Runs a statement in its own transaction, retrying 40001 (at most 5 times), as clients do. */
async function retried(sql: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await h.run(sql)
      return
    } catch (e) {
      if (!(e instanceof SqlError && e.code === '40001') || attempt === 4) throw e
    }
  }
}

describe('CREATE INDEX ASYNC', () => {
  test('the rewrite is narrow: only a leading CREATE [UNIQUE] INDEX ASYNC, same length', () => {
    expect(rewriteIndexAsync('CREATE INDEX ASYNC i ON t (v)')).toBe('CREATE INDEX /*A*/ i ON t (v)')
    expect(rewriteIndexAsync('  create unique index async i ON t (v)')).toBe(
      '  create unique index /*A*/ i ON t (v)',
    )
    expect(rewriteIndexAsync("SELECT 'CREATE INDEX ASYNC'")).toBe("SELECT 'CREATE INDEX ASYNC'")
    expect(rewriteIndexAsync('CREATE INDEX asyncx ON t (v)')).toBe('CREATE INDEX asyncx ON t (v)')
  })

  test('answers a job id, fills the index in batches while writers write, then serves reads', async () => {
    const created = await h.run('CREATE INDEX ASYNC t_v ON t (v)')
    expect(created.fields).toEqual([{ name: 'job_id', type: 'text' }])
    const jobId = created.rows[0]?.[0] as string
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
    // Writes while the job runs maintain the building index. A writer whose snapshot predates the
    // job's last batch (which makes the index usable: a schema change) gets 40001 and retries.
    await retried("INSERT INTO t VALUES (100000, 7, 'new')")
    await retried('UPDATE t SET v = 7 WHERE id = 1')
    await retried('DELETE FROM t WHERE id = 107')
    expect(await waitForJob(jobId)).toBe('succeeded')
    const tx = await h.begin()
    expect(tx.explain('SELECT id FROM t WHERE v = 7').join('\n')).toContain('t_v')
    const ids = (await tx.execute('SELECT id FROM t WHERE v = 7 ORDER BY id')).rows.map((r) => r[0])
    tx.rollback()
    const expected = Array.from({ length: ROWS }, (_, i) => i)
      .filter((i) => i % 100 === 7 && i !== 107)
      .concat([1, 100000])
      .sort((a, b) => a - b)
    expect(ids).toEqual(expected)
  })

  test('a value too large to index (54000) fails its job instead of retrying for ever', async () => {
    // A batch is held to no transaction limit of the QP (it is not a client's); its keys are
    // bounded, so a full batch fits a commit record (asserted in region/constants.ts).
    await h.run('CREATE TABLE wide (id int PRIMARY KEY, w text)')
    await h.run(`INSERT INTO wide VALUES (1, 'a'), (2, repeat('x', ${KEY_BYTES_MAX})), (3, 'c')`)
    const jobId = (await h.rows('CREATE INDEX ASYNC wide_w ON wide (w)'))[0]?.[0] as string
    expect(await waitForJob(jobId)).toStartWith('failed: index row size')
  })

  test('a unique index over duplicates fails its job and leaves the table as it was', async () => {
    const jobId = (await h.rows('CREATE UNIQUE INDEX ASYNC t_v_u ON t (v)'))[0]?.[0] as string
    const state = await waitForJob(jobId)
    expect(state).toStartWith('failed: could not create unique index "t_v_u"')
    await h.run('CREATE INDEX t_v_u ON t (w)')
  })

  test('an expression index: the job enters the value of the expression for each row, writers for theirs', async () => {
    const jobId = (await h.rows('CREATE INDEX ASYNC t_lw ON t (lower(w))'))[0]?.[0] as string
    await retried("INSERT INTO t VALUES (100000, 1, 'W5')")
    await retried("UPDATE t SET w = 'W7' WHERE id = 8")
    expect(await waitForJob(jobId)).toBe('succeeded')
    const tx = await h.begin()
    expect(tx.explain("SELECT id FROM t WHERE lower(w) = 'w7'")).toEqual(['Index Scan on t using t_lw'])
    expect((await tx.execute("SELECT id FROM t WHERE lower(w) IN ('w5', 'w7') ORDER BY id")).rows).toEqual([[5], [7], [8], [100000]])
    expect((await tx.execute("SELECT id FROM t WHERE lower(w) = 'w7' ORDER BY id")).rows).toEqual([[7], [8]])
    tx.rollback()
  })

  test('a unique expression or partial index: the job finds a duplicate of the expression, and only among the rows its predicate holds', async () => {
    await h.run("INSERT INTO t VALUES (100001, 99, 'W5')")
    const lower = (await h.rows('CREATE UNIQUE INDEX ASYNC t_lw ON t (lower(w))'))[0]?.[0] as string
    expect(await waitForJob(lower)).toBe('failed: could not create unique index "t_lw" Key (lower(w))=(w5) is duplicated.')
    // v is id % 100: rows 900 and up repeat v = 0 to 36, rows 1000 and up (and 100001) do not.
    const wide = (await h.rows('CREATE UNIQUE INDEX ASYNC t_v_late ON t (v) WHERE id >= 900'))[0]?.[0] as string
    expect(await waitForJob(wide)).toBe('failed: could not create unique index "t_v_late" Key (v)=(0) is duplicated.')
    const late = (await h.rows('CREATE UNIQUE INDEX ASYNC t_v_late ON t (v) WHERE id >= 1000'))[0]?.[0] as string
    await retried("INSERT INTO t VALUES (100002, 40, 'x')")
    expect(await waitForJob(late)).toBe('succeeded')
    // It refuses a duplicate among its rows, not outside them, and serves a WHERE holding its predicate.
    expect((await sqlError(h.run("INSERT INTO t VALUES (100003, 40, 'y')"))).message).toBe('duplicate key value violates unique constraint "t_v_late"')
    await h.run("INSERT INTO t VALUES (-1, 40, 'z')")
    const tx = await h.begin()
    expect(tx.explain('SELECT id FROM t WHERE v = 40 AND id >= 1000')).toEqual(['Index Scan on t using t_v_late'])
    expect((await tx.execute('SELECT id FROM t WHERE v = 40 AND id >= 1000')).rows).toEqual([[100002]])
    tx.rollback()
  })

  test('dropping the index while it builds ends the job', async () => {
    const jobId = (await h.rows('CREATE INDEX ASYNC t_w ON t (w)'))[0]?.[0] as string
    await h.run('DROP INDEX t_w')
    expect(await waitForJob(jobId)).toBe('cancelled')
    expect(await h.rows("SELECT index_job_state('no such job')")).toEqual([[null]])
  })
})

describe('a table renamed, moved or truncated while its index builds', () => {
  /** The index is listed, used by the plan, and finds exactly what a full scan finds. */
  async function indexServes(table: string, index: string, value: number): Promise<void> {
    expect(await h.rows(`SELECT indexname FROM pg_indexes WHERE indexname = '${index}'`)).toEqual([[index]])
    const tx = await h.begin()
    expect(tx.explain(`SELECT id FROM ${table} WHERE v = ${value}`).join('\n')).toContain(index)
    const byIndex = (await tx.execute(`SELECT id FROM ${table} WHERE v = ${value} ORDER BY id`)).rows
    const byScan = (await tx.execute(`SELECT id FROM ${table} WHERE v + 0 = ${value} ORDER BY id`)).rows
    tx.rollback()
    expect(byIndex).toEqual(byScan)
  }

  test('a rename in the creating transaction, and one committed while batches run: the job follows the table', async () => {
    const tx = await h.begin()
    const [[first]] = (await tx.execute('CREATE INDEX ASYNC t_v ON t (v)')).rows as [[string]]
    await tx.execute('ALTER TABLE t RENAME TO t2')
    await tx.commit()
    expect(await waitForJob(first)).toBe('succeeded')
    await indexServes('t2', 't_v', 7)
    const [[second]] = (await h.rows('CREATE INDEX ASYNC t2_w ON t2 (w)')) as [[string]]
    await retried('ALTER TABLE t2 RENAME TO t3')
    await retried('CREATE SCHEMA s')
    await retried('ALTER TABLE t3 SET SCHEMA s')
    expect(await waitForJob(second)).toBe('succeeded')
    expect(await h.rows("SELECT id FROM s.t3 WHERE w = 'w5'")).toEqual([[5]])
  })

  test('TRUNCATE: the job starts over on the empty table and the index serves the rows written after', async () => {
    const [[job]] = (await h.rows('CREATE INDEX ASYNC t_v ON t (v)')) as [[string]]
    await retried('TRUNCATE t')
    expect(await waitForJob(job)).toBe('succeeded')
    await h.run("INSERT INTO t VALUES (1, 7, 'a'), (2, 8, 'b'), (3, 7, 'c')")
    await indexServes('t', 't_v', 7)
    expect(await h.rows('SELECT id FROM t WHERE v = 7 ORDER BY id')).toEqual([[1], [3]])
  })
})

describe('a unique index built over a duplicate that a writer then removes', () => {
  // Rows 1 and 900 share u = 1 when the job starts. The first batch (rows 0-499) enters 1 -> row 1;
  // before the second batch reads row 900, a writer moves or deletes row 900. It must remove row
  // 900's own entries only: key u = 1 is row 1's.
  const writes = [
    ['moving', 'UPDATE q SET u = -1 WHERE id = 900'],
    ['deleting', 'DELETE FROM q WHERE id = 900'],
  ] as const
  for (const [how, write] of writes) {
    test(`a writer ${how} the second row leaves the first row's entry: the index finds it and refuses a new duplicate`, async () => {
      const jobsStart = encodeKey([INDEX_JOBS_TABLE_ID])
      let jobCommits = 0
      let release: () => void = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      let reached: () => void = () => {}
      const firstBatchDone = new Promise<void>((resolve) => (reached = resolve))
      const g = createHarness({
        limits: { rowsModifiedMax: 5000 },
        // The creating transaction writes the job, then each batch: hold the job after its first.
        afterCommit: async (request) => {
          if (!request.writes.some((w) => w.key.startsWith(jobsStart))) return
          jobCommits++
          if (jobCommits === 2) {
            reached()
            await held
          }
        },
      })
      try {
        await g.run('CREATE TABLE q (id int PRIMARY KEY, u int)')
        await g.run(`INSERT INTO q SELECT i, i FROM generate_series(0, ${INDEX_JOB_BATCH_ROWS * 2 + 36}) AS i`)
        await g.run('UPDATE q SET u = 1 WHERE id = 900')
        const [[job]] = (await g.rows('CREATE UNIQUE INDEX ASYNC q_u ON q (u)')) as [[string]]
        await firstBatchDone
        for (let attempt = 0; ; attempt++) {
          try {
            await g.run(write)
            break
          } catch (e) {
            // The first batch may not be applied at the writer's snapshot yet: its entry conflicts.
            if (!(e instanceof SqlError && e.code === '40001') || attempt === 4) throw e
          }
        }
        release()
        let state: unknown
        for (let i = 0; i < 500; i++) {
          ;[[state]] = (await g.rows('SELECT index_job_state($1)', [job])) as [[unknown]]
          if (state !== 'building') break
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
        expect(state).toBe('succeeded')
        const tx = await g.begin()
        expect(tx.explain('SELECT id FROM q WHERE u = 1')).toEqual(['Index Scan on q using q_u'])
        expect((await tx.execute('SELECT id FROM q WHERE u = 1')).rows).toEqual([[1]])
        const moved = (await tx.execute('SELECT id FROM q WHERE u = -1')).rows
        expect(moved).toEqual(how === 'moving' ? [[900]] : [])
        tx.rollback()
        expect((await sqlError(g.run('INSERT INTO q VALUES (5000, 1)'))).code).toBe('23505')
      } finally {
        release()
        await g.close()
      }
    })
  }
})
