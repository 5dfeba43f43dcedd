// Goal: a plan cached by SQL text never outlives a change to any table or view the statement
// reads, at any depth (subqueries of every kind, CTEs, LATERAL, views and views inside them), and
// a plan bound in one transaction never serves another transaction a definition it cannot see.
// Method: through a real query processor (qp-harness), run the same text before and after each
// kind of schema change, or from transactions at other snapshots, and assert PostgreSQL's answer.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(async () => {
  h = createHarness()
  await h.run('CREATE TABLE t (id int PRIMARY KEY, v int)')
  await h.run('CREATE TABLE u (id int PRIMARY KEY, w int)')
  await h.run('INSERT INTO t VALUES (1, 10), (2, 20)')
  await h.run('INSERT INTO u VALUES (1, 100), (2, 200)')
})
afterEach(async () => {
  await h.close()
})

/** Runs `sql` once to cache its plan, applies `change`, and returns the second run's rows. */
async function afterChange(sql: string, change: readonly string[]): Promise<unknown[][]> {
  await h.rows(sql)
  for (const ddl of change) await h.run(ddl)
  return h.rows(sql)
}

describe('subqueries: TRUNCATE of a table read only in a subquery', () => {
  // TRUNCATE gives the table a new id: a plan holding the old one reads nothing or old rows.
  test.each([
    ['scalar, no outer table', 'SELECT (SELECT count(*) FROM u)', [['0']]],
    ['IN', 'SELECT id FROM t WHERE id IN (SELECT id FROM u) ORDER BY 1', []],
    ['EXISTS in CASE', 'SELECT CASE WHEN EXISTS (SELECT 1 FROM u WHERE u.id = t.id) THEN 1 ELSE 0 END FROM t ORDER BY id', [[0], [0]]],
    ['ARRAY()', 'SELECT id FROM t WHERE id = ANY (ARRAY(SELECT id FROM u)) ORDER BY 1', []],
    ['LATERAL', 'SELECT t.id, x.w FROM t, LATERAL (SELECT w FROM u WHERE u.id = t.id) x', []],
    ['derived table', 'SELECT t.id, x.w FROM t JOIN (SELECT * FROM u) x ON x.id = t.id', []],
    ['CTE', 'WITH x AS (SELECT * FROM u) SELECT t.id, x.w FROM t JOIN x ON x.id = t.id', []],
  ])('%s', async (_name, sql, expected) => {
    expect(await afterChange(sql, ['TRUNCATE u'])).toEqual(expected)
  })

  test('UPDATE and INSERT with a subquery write what the table holds now', async () => {
    await h.run('UPDATE t SET v = (SELECT max(w) FROM u) WHERE id = 1')
    await h.run('INSERT INTO t VALUES (50, (SELECT max(w) FROM u))')
    await h.run('TRUNCATE u')
    await h.run('INSERT INTO u VALUES (1, 7)')
    await h.run('UPDATE t SET v = (SELECT max(w) FROM u) WHERE id = 1')
    await h.run('DELETE FROM t WHERE id = 50')
    await h.run('INSERT INTO t VALUES (50, (SELECT max(w) FROM u))')
    expect(await h.rows('SELECT id, v FROM t ORDER BY id')).toEqual([[1, 7], [2, 20], [50, 7]])
  })
})

describe('subqueries: other definition changes', () => {
  test('DROP TABLE: a cached EXISTS over it is 42P01', async () => {
    const sql = 'SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM u)'
    expect(await h.rows(sql)).toEqual([['2']])
    await h.run('DROP TABLE u')
    expect((await sqlError(h.rows(sql))).code).toBe('42P01')
    const del = 'DELETE FROM t WHERE id IN (SELECT id FROM u) AND v < 0'
    await h.run('CREATE TABLE u (id int PRIMARY KEY)')
    await h.run(del)
    await h.run('DROP TABLE u')
    expect((await sqlError(h.run(del))).code).toBe('42P01')
  })

  test('a dropped or renamed column read in a subquery is 42703', async () => {
    const sql = 'SELECT id, (SELECT w FROM u WHERE u.id = t.id) FROM t ORDER BY 1'
    expect(await h.rows(sql)).toEqual([[1, 100], [2, 200]])
    await h.run('ALTER TABLE u RENAME COLUMN w TO w2')
    expect((await sqlError(h.rows(sql))).code).toBe('42703')
    await h.run('ALTER TABLE u RENAME COLUMN w2 TO w')
    expect(await h.rows(sql)).toEqual([[1, 100], [2, 200]])
    await h.run('ALTER TABLE u DROP COLUMN w')
    expect((await sqlError(h.rows(sql))).code).toBe('42703')
  })

  test('a dropped index is no longer read by a subquery', async () => {
    await h.run('CREATE INDEX uw ON u (w)')
    const sql = 'SELECT id, (SELECT u.id FROM u WHERE u.w = t.id + 99) FROM t ORDER BY 1'
    expect(await h.rows(sql)).toEqual([[1, 1], [2, null]])
    await h.run('DROP INDEX uw')
    await h.run('UPDATE u SET w = 0')
    await h.run('INSERT INTO u VALUES (5, 101)')
    expect(await h.rows(sql)).toEqual([[1, null], [2, 5]])
  })

  test('tables swapped by renames: a subquery reads the table now under the name', async () => {
    await h.run('INSERT INTO t VALUES (3, 30)')
    const sql = 'SELECT (SELECT count(*) FROM u)'
    expect(await afterChange(sql, ['ALTER TABLE u RENAME TO x', 'ALTER TABLE t RENAME TO u', 'ALTER TABLE x RENAME TO t'])).toEqual([['3']])
  })

  test('ALTER TYPE ADD VALUE: a subquery over a column of the enum reads the new label', async () => {
    await h.run(`CREATE TYPE mood AS ENUM ('sad', 'happy')`)
    await h.run('CREATE TABLE m (id int PRIMARY KEY, moods mood[])')
    await h.run(`INSERT INTO m VALUES (1, '{sad,happy}')`)
    const sql = 'SELECT id, (SELECT moods[1] FROM m WHERE m.id = t.id) FROM t ORDER BY 1'
    expect(await h.rows(sql)).toEqual([[1, 'sad'], [2, null]])
    await h.run(`ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy'`)
    await h.run(`INSERT INTO m VALUES (2, '{ok}')`)
    expect(await h.rows(sql)).toEqual([[1, 'sad'], [2, 'ok']])
  })
})

describe('views', () => {
  beforeEach(async () => {
    await h.run('CREATE VIEW vv AS SELECT id FROM t WHERE v = 10')
  })

  test.each([
    ['IN', 'SELECT id FROM t WHERE id IN (SELECT id FROM vv) ORDER BY id'],
    ['CTE', 'WITH x AS (SELECT * FROM vv) SELECT * FROM x'],
    ['top level', 'SELECT * FROM vv'],
  ])('CREATE OR REPLACE VIEW: a plan reading it (%s) binds the new text', async (_name, sql) => {
    expect(await afterChange(sql, ['CREATE OR REPLACE VIEW vv AS SELECT id FROM t WHERE v = 20'])).toEqual([[2]])
  })

  test('a view inside a view: replacing the inner one rebinds a plan over the outer one', async () => {
    await h.run('CREATE VIEW outer_v AS SELECT id FROM vv')
    const sql = 'SELECT (SELECT count(*) FROM outer_v), (SELECT min(id) FROM outer_v)'
    expect(await afterChange(sql, ['CREATE OR REPLACE VIEW vv AS SELECT id FROM t WHERE v > 0'])).toEqual([['2', 1]])
  })

  test('a table under a view: TRUNCATE reaches a cached plan over the view', async () => {
    expect(await afterChange('SELECT count(*) FROM vv', ['TRUNCATE t'])).toEqual([['0']])
  })
})

describe('transactions and the shared cache', () => {
  test('a plan bound from a rolled-back TRUNCATE never serves later transactions', async () => {
    const sql = 'SELECT (SELECT count(*) FROM u)'
    const tx = await h.begin()
    await tx.execute('TRUNCATE u')
    expect((await tx.execute(sql)).rows).toEqual([['0']])
    tx.rollback()
    expect(await h.rows(sql)).toEqual([['2']])
    expect(await h.rows(sql)).toEqual([['2']])
  })

  test('a plan bound inside an open transaction is not used by a concurrent one', async () => {
    const sql = 'SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM u)'
    const ddl = await h.begin()
    await ddl.execute('DROP TABLE u')
    await ddl.execute('CREATE TABLE u (id int PRIMARY KEY, w int)')
    expect((await ddl.execute(sql)).rows).toEqual([['0']])
    expect(await h.rows(sql)).toEqual([['2']])
    expect((await ddl.execute(sql)).rows).toEqual([['0']])
    await ddl.commit()
    expect(await h.rows(sql)).toEqual([['0']])
  })

  test('an older snapshot reads its own table through a subquery a newer one cached', async () => {
    const sql = 'SELECT (SELECT count(*) FROM u)'
    const old = await h.begin()
    await h.run('DROP TABLE u')
    await h.run('CREATE TABLE u (id int PRIMARY KEY, w int)')
    await h.run('INSERT INTO u VALUES (9, 9)')
    expect(await h.rows(sql)).toEqual([['1']])
    expect((await old.execute(sql)).rows).toEqual([['2']])
    expect(await h.rows(sql)).toEqual([['1']])
  })
})
