// Goal: a table without a primary key (Tessera's hidden row-id key) takes no relation or
// constraint name, as PostgreSQL's table has no key at all; and a catalog written before, which
// stored `t_pkey` for the hidden key and registered it as an index name, stays readable and keeps
// working. Method: a real query processor; the old catalog is written as the old code wrote it
// (a commit of the raw catalog keys through the adjudicators).
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { encodeTableDef, indexNameKey, schemaKey, type TableDef } from './catalog.ts'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(() => h.close())

const stored = (name: string) => JSON.parse(h.storage.get(schemaKey(name), h.storage.frontier()) ?? 'null') as TableDef
const indexOwner = (name: string) => h.storage.get(indexNameKey(name), h.storage.frontier())

/** Rewrites keyless table `name` as a catalog written before this change held it. */
async function asOldCatalog(name: string): Promise<void> {
  const def = { ...stored(name), primaryKeyName: `${name}_pkey` }
  const outcome = await h.adjudicators.commit({
    txId: `old-${name}`,
    startTs: h.hlc.now(),
    writes: [
      { key: schemaKey(name), value: encodeTableDef(def) },
      { key: indexNameKey(`${name}_pkey`), value: name },
    ],
    lockedKeys: [],
    readKeys: [],
  })
  expect(outcome.kind).toBe('committed')
}

describe('the hidden row-id key takes no name', () => {
  test('a new keyless table stores no key name and registers none (CREATE TABLE and AS)', async () => {
    await h.run('CREATE TABLE t (a int)')
    await h.run('CREATE TABLE c AS SELECT 1 AS a')
    expect([stored('t').primaryKeyName, stored('c').primaryKeyName]).toEqual(['', ''])
    expect([indexOwner('t_pkey'), indexOwner('c_pkey')]).toEqual([undefined, undefined])
    await h.run('CREATE TABLE t_pkey (a int)')
    await h.run('CREATE INDEX c_pkey ON t (a)')
  })

  test('an old catalog with a stored hidden key name reads, writes, renames and drops as before', async () => {
    await h.run('CREATE TABLE o (a int)')
    await h.run('INSERT INTO o VALUES (1)')
    await asOldCatalog('o')
    await h.run('INSERT INTO o VALUES (2)')
    expect(await h.rows('SELECT a FROM o ORDER BY a')).toEqual([[1], [2]])
    // The stored name stays registered (taken), but is no constraint.
    expect((await sqlError(h.run('CREATE TABLE o_pkey (a int)'))).code).toBe('42P07')
    expect((await sqlError(h.run('ALTER TABLE o DROP CONSTRAINT o_pkey'))).code).toBe('42704')
    await h.run('ALTER TABLE o ADD CONSTRAINT o_pkey CHECK (a > 0)')
    expect(await h.rows("SELECT conname FROM pg_constraint WHERE conrelid = 'o'::regclass")).toEqual([['o_pkey']])
    await h.run('CREATE SCHEMA x')
    await h.run('ALTER TABLE o SET SCHEMA x')
    expect([indexOwner('o_pkey'), indexOwner('x.o_pkey')]).toEqual([undefined, 'x.o'])
    await h.run('DROP TABLE x.o')
    expect(indexOwner('x.o_pkey')).toBeUndefined()
    await h.run('CREATE TABLE x.o_pkey (a int)')
  })
})
