// ALTER COLUMN TYPE that rewrites the rows (alter-table.ts rewriteColumn): the rewrite and the
// catalog change are one transaction's writes, bounded by its limits.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(async () => {
  await h.close()
})

const typeOf = async (table: string, column: string) =>
  await h.rows(`SELECT data_type FROM information_schema.columns WHERE table_name = '${table}' AND column_name = '${column}'`)

describe('ALTER COLUMN TYPE ... USING', () => {
  // Goal: the new type and the new values commit or roll back together, whether the statement
  // fails part-way through the rows or the transaction is rolled back after it succeeded.
  test('the rewrite is atomic with the catalog change', async () => {
    await h.run('CREATE TABLE t (id int PRIMARY KEY, c text)')
    await h.run("INSERT INTO t VALUES (1, '1'), (2, '2'), (3, 'x')")
    await h.run('CREATE INDEX t_c ON t (c)')

    // Rows 1 and 2 are rewritten before row 3 fails.
    const failing = await h.begin()
    expect((await sqlError(failing.execute('ALTER TABLE t ALTER COLUMN c TYPE int USING c::int'))).code).toBe('22P02')
    await failing.rollback()
    expect(await typeOf('t', 'c')).toEqual([['text']])
    expect(await h.rows("SELECT id, c || '' FROM t ORDER BY id")).toEqual([[1, '1'], [2, '2'], [3, 'x']])
    expect(await h.rows("SELECT id FROM t WHERE c = '2'")).toEqual([[2]])

    await h.run("UPDATE t SET c = '3' WHERE id = 3")
    const rolledBack = await h.begin()
    await rolledBack.execute('ALTER TABLE t ALTER COLUMN c TYPE int USING c::int * 10')
    expect((await rolledBack.execute('SELECT c + 1 FROM t WHERE c = 20')).rows).toEqual([[21]])
    await rolledBack.rollback()
    expect(await typeOf('t', 'c')).toEqual([['text']])
    expect(await h.rows("SELECT id FROM t WHERE c = '3'")).toEqual([[3]])

    await h.run('ALTER TABLE t ALTER COLUMN c TYPE int USING c::int * 10')
    expect(await typeOf('t', 'c')).toEqual([['integer']])
    // The index holds the new values only (the old text entries are gone).
    expect(await h.rows('SELECT id FROM t WHERE c >= 10 ORDER BY c')).toEqual([[1], [2], [3]])
    expect(await h.rows('SELECT id FROM t WHERE c = 30')).toEqual([[3]])
  })

  // Goal: a table bigger than one transaction may write answers 54000 saying what to do instead,
  // and keeps its type and values.
  test('a table beyond the modified-rows limit answers 54000 and is unchanged', async () => {
    const small = createHarness({ limits: { rowsModifiedMax: 50 } })
    try {
      await small.run('CREATE TABLE t (id int PRIMARY KEY, c text)')
      for (let i = 0; i < 3; i++) await small.run(`INSERT INTO t SELECT g, g::text FROM generate_series(${i * 40 + 1}, ${i * 40 + 40}) g`)
      const error = await sqlError(small.run('ALTER TABLE t ALTER COLUMN c TYPE int USING c::int'))
      expect(error.code).toBe('54000')
      expect(error.message).toContain('ALTER COLUMN TYPE rewrites every row of "t"')
      expect(error.hint).toContain('Add a column of the new type')
      expect(await small.rows("SELECT count(*) FROM t WHERE c = id::text")).toEqual([['120']])
      // A change that keeps the stored values writes no row: no limit.
      await small.run('ALTER TABLE t ALTER COLUMN c TYPE text USING c')
    } finally {
      await small.close()
    }
  })
})
