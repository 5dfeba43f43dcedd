// Goal: a SELECT by full primary key (executor's point get without the generator pipeline) gives
// exactly what the general pipeline gives: filter, OFFSET/LIMIT, DISTINCT, ORDER BY, FOR UPDATE,
// NULL keys, limits and errors. Method: each query runs as a point get and as the same query over
// a range scan (`k + 0` hides the key from the planner), on a real transaction over qp-harness.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeAll(async () => {
  h = createHarness()
  await h.run('CREATE TABLE kv (k int8 PRIMARY KEY, v text, n int)')
  await h.run(`INSERT INTO kv VALUES (1, 'one', 10), (2, 'two', 0), (3, NULL, NULL)`)
})
afterAll(async () => {
  await h.close()
})

describe('point get equals the general pipeline', () => {
  const cases: Array<[string, unknown[]]> = [
    ['SELECT v FROM kv WHERE k = $1', [1]],
    ['SELECT v FROM kv WHERE k = $1', [99]],
    ['SELECT v FROM kv WHERE k = $1', [null]],
    ["SELECT v FROM kv WHERE k = $1 AND v = 'one'", [1]],
    ["SELECT v FROM kv WHERE k = $1 AND v = 'nope'", [1]],
    ['SELECT v FROM kv WHERE k = $1 AND v IS NULL', [3]],
    ['SELECT k, v, n * 2 AS twice FROM kv WHERE k = $1', [1]],
    ['SELECT * FROM kv WHERE k = $1 LIMIT 0', [1]],
    ['SELECT * FROM kv WHERE k = $1 LIMIT 1', [1]],
    ['SELECT * FROM kv WHERE k = $1 OFFSET 1', [1]],
    ['SELECT * FROM kv WHERE k = $1 OFFSET 0', [1]],
    ['SELECT DISTINCT v FROM kv WHERE k = $1', [2]],
    ['SELECT v FROM kv WHERE k = $1 ORDER BY v DESC', [2]],
    ['SELECT v FROM kv WHERE k = $1 ORDER BY n', [2]],
    ['SELECT count(*) FROM kv WHERE k = $1', [1]],
    ['SELECT count(*) FROM kv WHERE k = $1', [99]],
    // Columns only, keyed by a parameter or a constant: read without the executor's context.
    ['SELECT n, v, k FROM kv WHERE k = $1', [1]],
    ['SELECT * FROM kv WHERE k = $1', [3]],
    ['SELECT v FROM kv WHERE k = 2', []],
    ['SELECT v FROM kv WHERE k = $1', ['2']],
  ]
  test.each(cases)('%s %p', async (sql, params) => {
    const tx = await h.begin()
    expect(tx.explain(sql, params).join('\n')).toContain('Point Get')
    const scanSql = sql.replace(/WHERE k = (\$1|\d+)/, (_, key: string) => `WHERE k + 0 = ${key}`)
    expect(tx.explain(scanSql, params).join('\n')).not.toContain('Point Get')
    const point = await tx.execute(sql, params)
    const scan = await tx.execute(scanSql, params)
    expect(point).toEqual(scan)
    tx.rollback()
  })

  test('an error in an output expression is raised for the row found, not for a missing row', async () => {
    const tx = await h.begin()
    expect((await sqlError(tx.execute('SELECT 1 / n FROM kv WHERE k = $1', [2]))).code).toBe('22012')
    const tx2 = await h.begin()
    expect((await tx2.execute('SELECT 1 / n FROM kv WHERE k = $1', [99])).rows).toEqual([])
    expect((await tx2.execute('SELECT 1 / n FROM kv WHERE k = $1 LIMIT 0', [2])).rows).toEqual([])
    tx2.rollback()
  })

  test('a negative LIMIT is refused before the read', async () => {
    const tx = await h.begin()
    expect((await sqlError(tx.execute('SELECT v FROM kv WHERE k = $1 LIMIT -1', [1]))).code).toBe('2201W')
  })

  test('the point read sees the transaction’s own writes', async () => {
    const tx = await h.begin()
    await tx.execute(`UPDATE kv SET v = 'uno' WHERE k = 1`)
    await tx.execute('DELETE FROM kv WHERE k = 2')
    expect((await tx.execute('SELECT v FROM kv WHERE k = $1', [1])).rows).toEqual([['uno']])
    expect((await tx.execute('SELECT v FROM kv WHERE k = $1', [2])).rows).toEqual([])
    tx.rollback()
  })

  test('FOR UPDATE locks the row found: a concurrent writer of it conflicts (40001)', async () => {
    const reader = await h.begin()
    expect((await reader.execute('SELECT v FROM kv WHERE k = $1 FOR UPDATE', [1])).rows).toEqual([['one']])
    await reader.execute('UPDATE kv SET n = 11 WHERE k = 3')
    await h.run(`UPDATE kv SET v = 'won' WHERE k = 1`)
    expect((await sqlError(reader.commit())).code).toBe('40001')
    await h.run(`UPDATE kv SET v = 'one' WHERE k = 1`)
  })

  test('FOR UPDATE of a missing row locks nothing', async () => {
    const reader = await h.begin()
    expect((await reader.execute('SELECT v FROM kv WHERE k = $1 FOR UPDATE', [42])).rows).toEqual([])
    await reader.execute('UPDATE kv SET n = 12 WHERE k = 3')
    await h.run('INSERT INTO kv VALUES (42, $1, 0)', ['late'])
    await reader.commit()
    await h.run('DELETE FROM kv WHERE k = 42')
  })
})

describe('point get limits', () => {
  test('a result limit of 0 rows refuses the one row found (54000)', async () => {
    const small = createHarness({ limits: { resultRowsMax: 0 } })
    try {
      await small.run('CREATE TABLE t (k int8 PRIMARY KEY)')
      await small.run('INSERT INTO t VALUES (1)')
      const tx = await small.begin()
      expect((await tx.execute('SELECT k FROM t WHERE k = 2')).rows).toEqual([])
      expect((await sqlError(tx.execute('SELECT k FROM t WHERE k = 1'))).code).toBe('54000')
    } finally {
      await small.close()
    }
  })
})
