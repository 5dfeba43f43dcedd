// Catalog reads are shared across transactions (CatalogReads) yet every transaction must see the
// catalog of its own snapshot. Method: replace a table's definition while older transactions are
// open, and read it from old and new snapshots in both orders.
import { describe, expect, test } from 'bun:test'
import { createHarness } from './qp-harness.ts'

describe('catalog reads follow each snapshot', () => {
  test('old snapshots keep the old definition, new ones see the new, in either order', async () => {
    const h = createHarness()
    try {
      await h.run('CREATE TABLE t (a int4 PRIMARY KEY)')
      await h.run('INSERT INTO t VALUES (1)')
      const oldFirst = await h.begin({ readOnly: true })
      const oldLater = await h.begin({ readOnly: true })
      expect((await oldFirst.execute('SELECT * FROM t')).fields.map((f) => f.name)).toEqual(['a'])

      const ddl = await h.begin()
      await ddl.execute('DROP TABLE t')
      await ddl.execute('CREATE TABLE t (b text PRIMARY KEY, c int8)')
      await ddl.execute("INSERT INTO t VALUES ('x', 2)")
      await ddl.commit()

      const fresh = await h.begin({ readOnly: true })
      expect((await fresh.execute('SELECT * FROM t')).rows).toEqual([['x', '2']])
      // The cache now holds the new definition; an older snapshot must not take it.
      expect((await oldLater.execute('SELECT * FROM t')).rows).toEqual([[1]])
      // And after an old snapshot read, a new one still gets the new definition.
      expect((await oldFirst.execute('SELECT * FROM t')).rows).toEqual([[1]])
      expect((await (await h.begin()).execute('SELECT c FROM t')).rows).toEqual([['2']])
    } finally {
      await h.close()
    }
  })

  test('a transaction sees its own uncommitted DDL, others do not', async () => {
    const h = createHarness()
    try {
      const mine = await h.begin()
      await mine.execute('CREATE TABLE only_mine (k int4 PRIMARY KEY)')
      await mine.execute('INSERT INTO only_mine VALUES (7)')
      expect((await mine.execute('SELECT k FROM only_mine')).rows).toEqual([[7]])
      const other = await h.begin()
      await expect(other.execute('SELECT k FROM only_mine')).rejects.toMatchObject({ code: '42P01' })
      await mine.commit()
      expect(await h.rows('SELECT k FROM only_mine')).toEqual([[7]])
    } finally {
      await h.close()
    }
  })
})
