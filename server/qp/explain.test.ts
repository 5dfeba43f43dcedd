// Goal: EXPLAIN ANALYZE runs the statement and shows, on each node of Tessera's plan, the rows it
// produced per loop and its loops (and times unless TIMING OFF), then the summary lines; its
// options are read as PostgreSQL reads them. Method: statements on qp-harness (real storage and
// commits), asserting the exact lines where they are deterministic and the shape of the times.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, TickingClock, type QpHarness } from './qp-harness.ts'
import { wholeRows } from './explain.ts'

const counted = 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF)'
let h: QpHarness
const plan = async (sql: string) => (await h.run(sql)).rows.map((r) => r[0])

beforeAll(async () => {
  h = createHarness()
  await h.run('CREATE TABLE t (a int PRIMARY KEY, b text)')
  await h.run("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 10) g")
  await h.run('CREATE TABLE u (id int PRIMARY KEY, ta int)')
  await h.run('INSERT INTO u SELECT g, g % 3 FROM generate_series(1, 6) g')
})
afterAll(async () => {
  await h.close()
})

describe('rows and loops per node', () => {
  test.each([
    ['SELECT * FROM t', ['Table Scan on t (actual rows=10 loops=1)']],
    ['SELECT * FROM t WHERE a = 3', ['Point Get on t using t_pkey (actual rows=1 loops=1)']],
    ["SELECT count(*) FROM t WHERE b LIKE 'v1%'", ['Aggregate (actual rows=1 loops=1)', '  -> Table Scan on t (actual rows=2 loops=1)']],
    [
      'SELECT * FROM t JOIN u ON u.ta = t.a',
      ['Hash Join (actual rows=4 loops=1)', '  -> Table Scan on t (actual rows=10 loops=1)', '  -> Table Scan on u (actual rows=6 loops=1)'],
    ],
    // The subquery runs once per row of t; rows are per loop, rounded, as PostgreSQL 17 prints.
    [
      'SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.ta = t.a) s',
      ['Nested Loop (lateral) (actual rows=4 loops=1)', '  -> Table Scan on t (actual rows=10 loops=1)', '  -> Table Scan on u (actual rows=0 loops=10)'],
    ],
    [
      'SELECT * FROM t ORDER BY b DESC LIMIT 2',
      ['Limit (actual rows=2 loops=1)', '  -> Sort (actual rows=2 loops=1)', '    -> Table Scan on t (actual rows=10 loops=1)'],
    ],
    // A constant false condition never reads its input.
    ['SELECT * FROM t WHERE false', ['Filter (actual rows=0 loops=1)', '  -> Table Scan on t (never executed)']],
  ])('%s', async (sql, lines) => {
    expect(await plan(`${counted} ${sql}`)).toEqual(lines)
  })

  test('times per node and the summary lines, from the QP clock', async () => {
    // Every clock read moves 1 ms, so each measured span is a whole, positive number of ms.
    const timed = createHarness({ qpClock: new TickingClock(0, 1) })
    await timed.run('CREATE TABLE t (a int PRIMARY KEY)')
    await timed.run('INSERT INTO t SELECT g FROM generate_series(1, 5) g')
    const lines = (await timed.run('EXPLAIN ANALYZE SELECT count(*) FROM t')).rows.map((r) => String(r[0]))
    await timed.close()
    expect(lines).toHaveLength(4)
    const [top, scan, planning, execution] = lines as [string, string, string, string]
    const times = (line: string) => /\(actual time=(\d+\.\d{3})\.\.(\d+\.\d{3}) rows=(\d+) loops=1\)$/.exec(line)?.slice(1).map(Number)
    const [aggStart, aggTotal, aggRows] = times(top) ?? []
    const [scanStart, scanTotal, scanRows] = times(scan) ?? []
    expect([top.startsWith('Aggregate '), scan.startsWith('  -> Table Scan on t '), aggRows, scanRows]).toEqual([true, true, 1, 5])
    // A parent's time includes its input's; a node's first row comes before its last.
    expect(scanStart).toBeGreaterThan(0)
    expect(scanStart).toBeLessThanOrEqual(scanTotal as number)
    expect(aggTotal).toBeGreaterThan(scanTotal as number)
    expect(aggStart).toBeGreaterThan(0)
    expect(planning).toMatch(/^Planning Time: [1-9]\d*\.000 ms$/)
    expect(execution).toMatch(/^Execution Time: [1-9]\d*\.000 ms$/)
  })

  test('the rows of the analyzed statement are counted, not returned: no result limit applies', async () => {
    const small = createHarness({ limits: { resultRowsMax: 5 } })
    expect((await sqlError(small.run('SELECT g FROM generate_series(1, 6) g'))).code).toBe('54000')
    expect((await small.run(`${counted} SELECT g FROM generate_series(1, 6) g`)).rows).toEqual([['Function Scan on generate_series (actual rows=6 loops=1)']])
    await small.close()
  })

  test('a statement in slices under ANALYZE pauses between them and counts every row', async () => {
    const slow = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    await slow.run('CREATE TABLE p (id int PRIMARY KEY)')
    await slow.clock.runUntil(slow.run('INSERT INTO p SELECT g FROM generate_series(1, 300) g'), 1_000)
    let finished = false
    const long = slow.run(`${counted} SELECT count(*) FROM p a, p b WHERE a.id <= b.id`).finally(() => (finished = true))
    await new Promise((r) => setImmediate(r))
    expect(finished).toBe(false)
    const lines = (await slow.clock.runUntil(long, 100_000)).rows.map((r) => r[0])
    expect(lines).toEqual([
      'Aggregate (actual rows=1 loops=1)',
      '  -> Nested Loop (actual rows=45150 loops=1)',
      '    -> Table Scan on p (actual rows=300 loops=1)',
      '    -> Table Scan on p (actual rows=300 loops=1)',
    ])
    await slow.close()
  })
})

describe('data-modifying statements', () => {
  test('INSERT, UPDATE and DELETE under ANALYZE make their writes; the node counts RETURNING rows', async () => {
    expect(await plan(`${counted} INSERT INTO t VALUES (100, 'x')`)).toEqual(['Insert on t (actual rows=0 loops=1)'])
    expect(await h.rows('SELECT b FROM t WHERE a = 100')).toEqual([['x']])
    expect(await plan(`${counted} INSERT INTO t SELECT a + 200, b FROM t WHERE a <= 2`)).toEqual([
      'Insert on t (actual rows=0 loops=1)',
      '  -> Range Scan on t using t_pkey (actual rows=2 loops=1)',
    ])
    expect(await h.rows('DELETE FROM t WHERE a > 200 RETURNING a')).toEqual([[201], [202]])
    expect(await plan(`${counted} UPDATE t SET b = 'y' WHERE a >= 9 RETURNING a`)).toEqual([
      'Update on t (actual rows=3 loops=1)',
      '  -> Range Scan on t using t_pkey (actual rows=3 loops=1)',
    ])
    expect(await h.rows("SELECT count(*) FROM t WHERE b = 'y'")).toEqual([['3']])
    expect(await plan(`${counted} WITH d AS (DELETE FROM t WHERE a = 100 RETURNING *) SELECT * FROM d`)).toEqual([
      'CTE Scan on d (actual rows=1 loops=1)',
      '  CTE d',
      '    -> Delete on t (actual rows=1 loops=1)',
      '        -> Point Get on t using t_pkey (actual rows=1 loops=1)',
    ])
    expect(await h.rows('SELECT count(*) FROM t')).toEqual([['10']])
  })

  test('MERGE under ANALYZE makes its writes; its node counts the rows it returned (RETURNING)', async () => {
    const merge = `MERGE INTO u USING (VALUES (1, 10), (99, 5)) s(id, ta) ON u.id = s.id
      WHEN MATCHED THEN UPDATE SET ta = s.ta WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.ta)`
    expect(await plan(`${counted} ${merge}`)).toEqual([
      'Merge on u (actual rows=0 loops=1)',
      '  -> Nested Loop Left (lateral) (actual rows=2 loops=1)',
      '    -> Values Scan (actual rows=2 loops=1)',
      // One row found in two loops: 0.5 per loop, printed as C's %.0f prints it.
      '    -> Point Get on u using u_pkey (actual rows=0 loops=2)',
    ])
    expect(await h.rows('SELECT id, ta FROM u WHERE id IN (1, 99) ORDER BY id')).toEqual([[1, 10], [99, 5]])
    const returning = `MERGE INTO u USING (VALUES (1, 11), (99, 6)) s(id, ta) ON u.id = s.id WHEN MATCHED THEN UPDATE SET ta = s.ta RETURNING merge_action()`
    expect((await plan(`${counted} ${returning}`))[0]).toBe('Merge on u (actual rows=2 loops=1)')
    // As the other tests found u.
    await h.run('DELETE FROM u WHERE id = 99')
    await h.run('UPDATE u SET ta = 1 WHERE id = 1')
  })

  test('in a read-only transaction ANALYZE of a write is refused (25006); plain EXPLAIN is not', async () => {
    const tx = await h.begin({ readOnly: true })
    expect((await tx.execute('EXPLAIN DELETE FROM t')).rows).toEqual([['Delete on t'], ['  -> Table Scan on t']])
    const err = await sqlError(tx.execute('EXPLAIN ANALYZE DELETE FROM t'))
    expect([err.code, err.message]).toEqual(['25006', 'cannot execute DELETE in a read-only transaction'])
    await tx.rollback()
  })
})

test('rows per loop round half to even, as C prints %.0f', () => {
  expect([0.4, 0.5, 1.5, 2.5, 2.6, 3, 7.5].map(wholeRows)).toEqual([0, 0, 2, 2, 3, 3, 8])
})

describe('options', () => {
  test('options PostgreSQL takes that change nothing Tessera prints are accepted', async () => {
    for (const options of ['VERBOSE', 'COSTS OFF', 'BUFFERS', 'SETTINGS on', 'FORMAT TEXT', 'ANALYZE false', 'ANALYZE 0, WAL false', 'GENERIC_PLAN']) {
      expect(await plan(`EXPLAIN (${options}) SELECT * FROM t`)).toEqual(['Table Scan on t'])
    }
    expect(await plan('EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, COSTS OFF, VERBOSE, BUFFERS, WAL) SELECT 1')).toEqual([
      'Result (actual rows=1 loops=1)',
    ])
    // SUMMARY without ANALYZE: planning only, as in PostgreSQL.
    expect(await plan('EXPLAIN (SUMMARY) SELECT 1')).toEqual(['Result', 'Planning Time: 0.000 ms'])
  })

  test.each([
    ['EXPLAIN (foo) SELECT 1', '42601', 'unrecognized EXPLAIN option "foo"', 10],
    ['EXPLAIN (ANALYZE 2) SELECT 1', '42601', 'analyze requires a Boolean value', undefined],
    ["EXPLAIN (ANALYZE 'yes') SELECT 1", '42601', 'analyze requires a Boolean value', undefined],
    ['EXPLAIN (FORMAT) SELECT 1', '42601', 'format requires a parameter', undefined],
    ['EXPLAIN (FORMAT bogus) SELECT 1', '22023', 'unrecognized value for EXPLAIN option "format": "bogus"', 10],
    ['EXPLAIN (FORMAT JSON) SELECT 1', '0A000', 'EXPLAIN (FORMAT JSON) is not supported', 10],
    ['EXPLAIN (ANALYZE, FORMAT YAML) SELECT 1', '0A000', 'EXPLAIN (FORMAT YAML) is not supported', 19],
    ['EXPLAIN (TIMING) SELECT 1', '22023', 'EXPLAIN option TIMING requires ANALYZE', undefined],
    ['EXPLAIN (WAL) SELECT 1', '22023', 'EXPLAIN option WAL requires ANALYZE', undefined],
    ['EXPLAIN (ANALYZE, GENERIC_PLAN) SELECT 1', '22023', 'EXPLAIN options ANALYZE and GENERIC_PLAN cannot be used together', undefined],
  ])('%s', async (sql, code, message, position) => {
    const err = await sqlError(h.run(sql))
    expect([err.code, err.message, err.position]).toEqual([code, message, position])
  })
})
