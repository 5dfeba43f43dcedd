// Goal: the view rewrites a rename makes are catalog writes of its transaction: invisible to
// others until it commits, gone with a rollback, and in conflict with a concurrent change of the
// same view (OC001); a renamed column is followed by the binder's resolution of each reference,
// and one that cannot be rewritten safely refuses the rename instead of leaving a broken view. Method: a real query processor (qp-harness), interleaved transactions.
// (What renames do to views is in test/sql/view-renames.slt, checked against PostgreSQL.)
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(async () => {
  h = createHarness()
  await h.run('CREATE TABLE t (x int PRIMARY KEY, y int)')
  await h.run('INSERT INTO t VALUES (1, 10)')
  await h.run('CREATE VIEW v AS SELECT t.x, y FROM t')
})
afterEach(async () => {
  await h.close()
})

test('a rename in an open transaction rewrites the view for it alone; a rollback keeps the old text', async () => {
  const tx = await h.begin()
  await tx.execute('ALTER TABLE t RENAME TO u')
  expect((await tx.execute('SELECT x, y FROM v')).rows).toEqual([[1, 10]])
  expect((await tx.execute(`SELECT definition FROM pg_views WHERE viewname = 'v'`)).rows).toEqual([['SELECT t.x, y FROM u AS t']])
  expect(await h.rows(`SELECT definition FROM pg_views WHERE viewname = 'v'`)).toEqual([['SELECT t.x, y FROM t']])
  tx.rollback()
  expect(await h.rows('SELECT x, y FROM v')).toEqual([[1, 10]])
  expect(await h.rows(`SELECT definition FROM pg_views WHERE viewname = 'v'`)).toEqual([['SELECT t.x, y FROM t']])
})

test('a rename that rewrites a view conflicts with a concurrent change of that view (OC001)', async () => {
  const renaming = await h.begin()
  const replacing = await h.begin()
  await renaming.execute('ALTER TABLE t RENAME TO u')
  await replacing.execute('CREATE OR REPLACE VIEW v AS SELECT t.x, y + 1 AS y FROM t')
  await replacing.commit()
  const e = await sqlError(renaming.commit())
  expect(e.code).toBe('40001')
  expect(e.message).toContain('OC001')
  expect(await h.rows('SELECT x, y FROM v')).toEqual([[1, 11]])
})

test('a view over a renamed view follows it, and a later rename of the table reaches both', async () => {
  await h.run('CREATE VIEW over_v AS SELECT x FROM v WHERE v.y = 10')
  await h.run('ALTER VIEW v RENAME TO w')
  await h.run('ALTER TABLE t RENAME TO u')
  expect(await h.rows('SELECT * FROM over_v')).toEqual([[1]])
  expect(await h.rows(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY viewname`)).toEqual([
    ['over_v', 'SELECT x FROM w AS v WHERE v.y = 10'],
    ['w', 'SELECT t.x, y FROM u AS t'],
  ])
})

test('a renamed column is followed through the binder: qualified where it was bare, output names kept', async () => {
  // ORDER BY y names the output column y (kept), ORDER BY -y the table's.
  await h.run('CREATE VIEW ordered AS SELECT x AS y2, y FROM t WHERE t.y > 0 ORDER BY y, -y')
  await h.run('ALTER TABLE t RENAME COLUMN y TO y2')
  expect(await h.rows(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY viewname`)).toEqual([
    ['ordered', 'SELECT x AS y2, t.y2 AS y FROM t WHERE t.y2 > 0 ORDER BY y, -t.y2'],
    ['v', 'SELECT t.x, t.y2 AS y FROM t'],
  ])
  expect(await h.rows('SELECT x, y FROM v')).toEqual([[1, 10]])
})

test('a bare column a subquery takes from outside follows too; a rename it would capture is refused and changes nothing', async () => {
  await h.run('CREATE TABLE k (kid int, w int)')
  await h.run('INSERT INTO k VALUES (1, 1)')
  await h.run('CREATE VIEW correlated AS SELECT kid FROM k WHERE EXISTS (SELECT 1 FROM t WHERE x = w)')
  await h.run('CREATE VIEW outer_ref AS SELECT x FROM t WHERE EXISTS (SELECT 1 FROM k WHERE kid = y)')
  const e = await sqlError(h.run('ALTER TABLE t RENAME COLUMN y TO w'))
  expect(e.code).toBe('0A000')
  expect(e.message).toBe('cannot change table "t": a name in view "correlated" would refer to a different column (character 59 of its query)')
  expect(await h.rows('SELECT y FROM t')).toEqual([[10]])
  expect(await h.rows(`SELECT definition FROM pg_views WHERE viewname = 'outer_ref'`)).toEqual([['SELECT x FROM t WHERE EXISTS (SELECT 1 FROM k WHERE kid = y)']])
  await h.run('DROP VIEW correlated')
  // outer_ref's bare y, rewritten bare, would be k's w: still refused.
  expect((await sqlError(h.run('ALTER TABLE t RENAME COLUMN y TO w'))).message).toContain('view "outer_ref"')
  await h.run('ALTER TABLE t RENAME COLUMN y TO yy')
  expect(await h.rows(`SELECT definition FROM pg_views WHERE viewname = 'outer_ref'`)).toEqual([['SELECT x FROM t WHERE EXISTS (SELECT 1 FROM k WHERE kid = yy)']])
})
