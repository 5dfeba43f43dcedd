// The bound on one index key (constants.ts KEY_BYTES_MAX, 54000 as PostgreSQL's btree answers an
// index row over 2704 bytes): keys of megabytes were accepted and kept whole by every storage
// version, commit record and adjudicator history. Method: a real QP over real storage; keys just
// under and just over the bound, through INSERT, UPDATE, CREATE INDEX and the primary key.
import { afterAll, describe, expect, test } from 'bun:test'
import { schemaKey, tableFromDef, type TableDef } from './catalog.ts'
import { KEY_BYTES_MAX } from './constants.ts'
import { createHarness, sqlError } from './qp-harness.ts'
import { encodeStoredRow, indexEntry, primaryKey } from './rows.ts'

const h = createHarness()
afterAll(() => h.close())

describe('index key bytes', () => {
  test('a primary key over the bound is 54000 naming the index; one under it is stored', async () => {
    await h.run('CREATE TABLE pk (k text PRIMARY KEY)')
    const e = await sqlError(h.run(`INSERT INTO pk VALUES (repeat('k', ${KEY_BYTES_MAX}))`))
    expect(e.code).toBe('54000')
    expect(e.message).toMatch(/^index row size \d+ exceeds maximum 2704 for index "pk_pkey"$/)
    expect(e.hint).toContain('hash')
    await h.run(`INSERT INTO pk VALUES (repeat('k', ${KEY_BYTES_MAX - 64}))`)
    expect(await h.rows('SELECT length(k) FROM pk')).toEqual([[KEY_BYTES_MAX - 64]])
  })

  test('a secondary entry is bounded by its own columns, not the primary key it ends with', async () => {
    await h.run('CREATE TABLE both_wide (k text PRIMARY KEY, v text)')
    await h.run('CREATE INDEX both_wide_v ON both_wide (v)')
    await h.run(`INSERT INTO both_wide VALUES (repeat('k', 2000), repeat('v', 2000))`)
    expect(await h.rows(`SELECT length(k) FROM both_wide WHERE v = repeat('v', 2000)`)).toEqual([[2000]])
  })

  test('a secondary index entry over the bound fails the statement and writes nothing', async () => {
    await h.run('CREATE TABLE si (id int PRIMARY KEY, v text)')
    await h.run('CREATE INDEX si_v ON si (v)')
    await h.run(`INSERT INTO si VALUES (1, 'short')`)
    const tooLong = `repeat('é', ${KEY_BYTES_MAX / 2})`
    const insert = await sqlError(h.run(`INSERT INTO si VALUES (2, 'ok'), (3, ${tooLong})`))
    expect(insert.code).toBe('54000')
    expect(insert.message).toContain('for index "si_v"')
    const update = await sqlError(h.run(`UPDATE si SET v = ${tooLong} WHERE id = 1`))
    expect(update.code).toBe('54000')
    expect(await h.rows('SELECT id, v FROM si ORDER BY id')).toEqual([[1, 'short']])
  })

  test("an expression index bounds its expression's value, a partial index only the rows it holds", async () => {
    await h.run('CREATE TABLE ex (id int PRIMARY KEY, v text)')
    await h.run('CREATE INDEX ex_rep ON ex ((repeat(v, 1000)))')
    await h.run("INSERT INTO ex VALUES (1, 'ab')")
    const e = await sqlError(h.run("INSERT INTO ex VALUES (2, 'abc')"))
    expect(e.code).toBe('54000')
    expect(e.message).toContain('for index "ex_rep"')
    await h.run('CREATE TABLE px (id int PRIMARY KEY, v text, wide bool)')
    await h.run('CREATE INDEX px_v ON px (v) WHERE NOT wide')
    await h.run(`INSERT INTO px VALUES (1, repeat('v', ${KEY_BYTES_MAX * 2}), true)`)
    const update = await sqlError(h.run('UPDATE px SET wide = false WHERE id = 1'))
    expect(update.code).toBe('54000')
    expect(update.message).toContain('for index "px_v"')
    expect(await h.rows('SELECT id FROM px WHERE NOT wide')).toEqual([])
  })

  test('CREATE INDEX over a value too large to index answers the key bound, not the transaction hint', async () => {
    await h.run('CREATE TABLE ci (id int PRIMARY KEY, v text)')
    await h.run(`INSERT INTO ci VALUES (1, 'a'), (2, repeat('b', ${KEY_BYTES_MAX * 2}))`)
    const e = await sqlError(h.run('CREATE INDEX ci_v ON ci (v)'))
    expect(e.code).toBe('54000')
    expect(e.message).toContain('for index "ci_v"')
    expect(e.hint ?? '').not.toContain('ASYNC')
    // Nothing was created: the name is free for an index on another column.
    await h.run('CREATE INDEX ci_v ON ci (id)')
  })

  test('rows stored before the bound, with keys over it, stay readable, updatable and deletable', async () => {
    await h.run('CREATE TABLE old (k text PRIMARY KEY, v text)')
    await h.run('CREATE INDEX old_v ON old (v)')
    // Written as a region before the bound did: straight through the adjudicators.
    const def = JSON.parse(h.storage.get(schemaKey('old'), h.storage.frontier()) ?? 'null') as TableDef
    const table = tableFromDef(def)
    const writes = [1, 2].flatMap((i) => {
      const row = [`${i}`.padEnd(KEY_BYTES_MAX * 2, 'k'), `${i}`.padEnd(KEY_BYTES_MAX * 2, 'v')]
      const entry = indexEntry(table, def.indexes[0]!, row)
      return [{ key: primaryKey(table, row), value: encodeStoredRow(table, row) }, { key: entry.key, value: entry.value }]
    })
    const outcome = await h.adjudicators.commit({ txId: 'old-rows', startTs: h.hlc.now(), writes, lockedKeys: [], readKeys: [] })
    expect(outcome.kind).toBe('committed')
    expect(await h.rows('SELECT left(k, 1), length(v) FROM old ORDER BY k')).toEqual([['1', KEY_BYTES_MAX * 2], ['2', KEY_BYTES_MAX * 2]])
    // An update that leaves the keys alone, one that shortens them, and a delete.
    await h.run("UPDATE old SET v = v WHERE k LIKE '1%'")
    await h.run("UPDATE old SET v = 'short' WHERE k LIKE '1%'")
    await h.run("DELETE FROM old WHERE k LIKE '2%'")
    expect(await h.rows('SELECT left(k, 1), v FROM old')).toEqual([['1', 'short']])
    expect(await h.rows("SELECT left(k, 1) FROM old WHERE v = 'short'")).toEqual([['1']])
  })
})
