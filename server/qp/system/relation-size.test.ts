// Goal: pg_relation_size and its kin measure what storage keeps for a relation at the snapshot:
// row versions for a table, entries for an index, with total = table + indexes. Method: a real
// QP (qp-harness) over SQLite shards; sizes compared before and after writes, and with the bytes
// storage reports for the table's key range. Exact values are Tessera's own (PostgreSQL counts
// 8 kB pages), so only the shared forms are in test/sql/relation-size.slt.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { encodeKey, prefixEnd } from '../../encoding/index.ts'
import { loadParser } from '../parser.ts'
import { createHarness, type QpHarness } from '../qp-harness.ts'

let h: QpHarness

beforeAll(async () => {
  await loadParser()
  h = createHarness()
  await h.run('CREATE TABLE t (k int PRIMARY KEY, v text)')
  await h.run('CREATE INDEX t_v ON t (v)')
  await h.run('CREATE VIEW tv AS SELECT k FROM t')
  await h.run('CREATE SEQUENCE s')
})
afterAll(async () => {
  await h.close()
})

const sizes = async () => {
  const [row] = await h.rows(`SELECT pg_relation_size('t'), pg_table_size('t'), pg_indexes_size('t'),
    pg_total_relation_size('t'), pg_relation_size('t_v'), pg_relation_size('t_pkey')`)
  const [rel = NaN, table, indexes, total, index = NaN, pkey] = (row as unknown[]).map(Number)
  return { rel, table, indexes, total, index, pkey }
}

describe('relation sizes', () => {
  test('grow with inserts and with an UPDATE (a new version); total is table plus indexes', async () => {
    const empty = await sizes()
    expect(empty).toEqual({ rel: 0, table: 0, indexes: 0, total: 0, index: 0, pkey: 0 })
    await h.run(`INSERT INTO t SELECT g, 'value ' || g FROM generate_series(1, 50) g`)
    const filled = await sizes()
    expect(filled.rel).toBeGreaterThan(50 * 'value 1'.length)
    expect(filled.index).toBeGreaterThan(50 * 'value 1'.length)
    expect(filled).toEqual({ ...filled, table: filled.rel, indexes: filled.index, total: filled.rel + filled.index, pkey: 0 })
    // The table's size is the bytes storage keeps under its rows' keys.
    const start = encodeKey([100n, 0n])
    expect(filled.rel).toBe(h.storage.storedBytes({ start, end: prefixEnd(start) }, h.storage.frontier()))
    await h.run(`UPDATE t SET v = 'changed' WHERE k = 1`)
    const updated = await sizes()
    // The old version is still kept (GC has not run): the table grows by the new one.
    expect(updated.rel).toBeGreaterThan(filled.rel)
    expect(updated.index).toBeGreaterThan(filled.index)
  })

  test('by name, by regclass, by OID; forks; a view, a sequence, an OID naming nothing', async () => {
    const [row] = await h.rows(`SELECT pg_relation_size('t'), pg_relation_size('t'::regclass),
      pg_relation_size('t'::regclass::oid), pg_relation_size(('t'::regclass::oid)::text),
      pg_relation_size('t', 'main'), pg_relation_size('t', 'fsm'), pg_relation_size('t'::regclass::oid, 'vm'),
      pg_relation_size('tv'), pg_total_relation_size('tv'), pg_relation_size(999999), pg_total_relation_size(0),
      pg_relation_size(999999, 'bogus'), pg_relation_size('t', NULL)`)
    const r = row as unknown[]
    expect(Number(r[0])).toBeGreaterThan(0)
    expect(r.slice(1, 5)).toEqual([r[0], r[0], r[0], r[0]])
    // int8 comes as text (a JSON number could not hold every int8).
    expect(r.slice(5)).toEqual(['0', '0', '0', '0', null, null, null, null])
    expect(await h.rows(`SELECT pg_relation_size('s')`)).toEqual([['0']])
    await h.run(`SELECT nextval('s')`)
    const [[seq]] = (await h.rows(`SELECT pg_relation_size('s')`)) as [[string]]
    expect(Number(seq)).toBeGreaterThan(0)
  })

  test('errors as PostgreSQL: 42P01 for a missing name, 22023 for an unknown fork', async () => {
    await expect(h.rows(`SELECT pg_relation_size('nosuch')`)).rejects.toMatchObject({ code: '42P01' })
    await expect(h.rows(`SELECT pg_relation_size('t', 'MAIN')`)).rejects.toMatchObject({ code: '22023', message: 'invalid fork name' })
  })
})
