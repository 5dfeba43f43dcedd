// Goal: MERGE through the transaction API where logic-test files cannot reach: parameters and the
// plan cache, read-only refusal (25006), the rows-per-transaction limit (54000), two transactions
// merging the same row (40001 at the second commit, as for UPDATE), RETURNING's result (tag,
// row count, order, the result limit), the forms left unsupported (0A000). Method: a real QP
// from qp-harness, asserting exact rows, counts and codes.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(async () => {
  h = createHarness()
  await h.run('CREATE TABLE stock (sku text PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0))')
  await h.run("INSERT INTO stock VALUES ('a', 5), ('b', 1)")
})
afterEach(async () => {
  await h.close()
})

/** An upsert that also removes a SKU whose quantity reaches zero; SKU and change as $n. */
const ADJUST = `MERGE INTO stock s USING (VALUES ($1::text, $2::int)) AS d(sku, delta) ON s.sku = d.sku
  WHEN MATCHED AND s.qty + d.delta = 0 THEN DELETE
  WHEN MATCHED THEN UPDATE SET qty = s.qty + d.delta
  WHEN NOT MATCHED AND d.delta > 0 THEN INSERT VALUES (d.sku, d.delta)`

describe('MERGE', () => {
  test('parameters choose the clause each execution, from the plan cache too', async () => {
    const counts = []
    for (const [sku, delta] of [['a', 2], ['b', -1], ['c', 3], ['d', -1], ['a', -7]] as const) {
      const r = await h.run(ADJUST, [sku, delta])
      counts.push([r.command, r.rowCount])
    }
    expect(counts).toEqual([['MERGE', 1], ['MERGE', 1], ['MERGE', 1], ['MERGE', 0], ['MERGE', 1]])
    expect(await h.rows('SELECT sku, qty FROM stock ORDER BY sku')).toEqual([['c', 3]])
  })

  test('a CHECK violated by the chosen UPDATE fails the statement (23514) and writes nothing', async () => {
    const e = await sqlError(h.run(ADJUST, ['a', -9]))
    expect(e.code).toBe('23514')
    expect(await h.rows('SELECT sku, qty FROM stock ORDER BY sku')).toEqual([['a', 5], ['b', 1]])
  })

  test('a read-only transaction refuses it (25006), as PostgreSQL words it', async () => {
    const tx = await h.begin({ readOnly: true })
    const e = await sqlError(tx.execute(ADJUST, ['a', 1]))
    expect([e.code, e.message]).toEqual(['25006', 'cannot execute MERGE in a read-only transaction'])
    await tx.rollback()
  })

  test('rows inserted, updated and deleted count against the rows-per-transaction limit (54000)', async () => {
    const small = createHarness({ limits: { rowsModifiedMax: 3 } })
    try {
      await small.run('CREATE TABLE t (id int PRIMARY KEY)')
      const merge = 'MERGE INTO t USING generate_series($1::int, $2::int) g(i) ON t.id = g.i WHEN NOT MATCHED THEN INSERT VALUES (g.i)'
      expect((await small.run(merge, [1, 3])).rowCount).toBe(3)
      expect((await sqlError(small.run(merge, [11, 14]))).code).toBe('54000')
      expect(await small.rows('SELECT count(*) FROM t')).toEqual([['3']])
    } finally {
      await small.close()
    }
  })

  test('two transactions merging into the same row: the second to commit gets 40001', async () => {
    const first = await h.begin()
    const second = await h.begin()
    await first.execute(ADJUST, ['a', 1])
    await second.execute(ADJUST, ['a', 2])
    await first.commit()
    const e = await sqlError(second.commit())
    expect(e.code).toBe('40001')
    expect(await h.rows("SELECT qty FROM stock WHERE sku = 'a'")).toEqual([[6]])
  })

  test('RETURNING: the tag stays MERGE with the rows affected; rows come in the order chosen', async () => {
    const merge = `MERGE INTO stock s USING (VALUES ('b', -1), ('a', 2), ('c', 4), ('z', 0)) AS d(sku, delta) ON s.sku = d.sku
      WHEN MATCHED AND s.qty + d.delta = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET qty = s.qty + d.delta
      WHEN NOT MATCHED AND d.delta > 0 THEN INSERT VALUES (d.sku, d.delta) RETURNING merge_action(), s.*, d.delta`
    const r = await h.run(merge)
    expect([r.command, r.rowCount, r.fields.map((f) => f.name)]).toEqual(['MERGE', 3, ['merge_action', 'sku', 'qty', 'delta']])
    // A left join read from the source (VALUES) keeps the source's order here.
    expect(r.rows).toEqual([['DELETE', 'b', 1, -1], ['UPDATE', 'a', 7, 2], ['INSERT', 'c', 4, 4]])
  })

  test('RETURNING rows count against the result limit (54000), as INSERT ... RETURNING does', async () => {
    const small = createHarness({ limits: { resultRowsMax: 2 } })
    try {
      await small.run('CREATE TABLE t (id int PRIMARY KEY)')
      const merge = 'MERGE INTO t USING generate_series($1::int, $2::int) g(i) ON t.id = g.i WHEN NOT MATCHED THEN INSERT VALUES (g.i) RETURNING t.id'
      expect((await small.run(merge, [1, 2])).rows).toEqual([[1], [2]])
      expect((await sqlError(small.run(merge, [11, 13]))).code).toBe('54000')
      expect(await small.rows('SELECT count(*) FROM t')).toEqual([['2']])
    } finally {
      await small.close()
    }
  })

  test('data-modifying WITH items stay unsupported (0A000)', async () => {
    const withItem = await sqlError(
      h.run("WITH n AS (INSERT INTO stock VALUES ('z', 1) RETURNING sku) MERGE INTO stock s USING n ON s.sku = n.sku WHEN MATCHED THEN DELETE"),
    )
    expect(withItem.code).toBe('0A000')
    expect(await h.rows('SELECT count(*) FROM stock')).toEqual([['2']])
  })
})
