// The bound on one index key (constants.ts KEY_BYTES_MAX, 54000 as PostgreSQL's btree answers an
// index row over 2704 bytes): keys of megabytes were accepted and kept whole by every storage
// version, commit record and adjudicator history. Method: a real QP over real storage; keys just
// under and just over the bound, through INSERT, UPDATE, CREATE INDEX and the primary key.
import { afterAll, describe, expect, test } from 'bun:test'
import { KEY_BYTES_MAX } from './constants.ts'
import { createHarness, sqlError } from './qp-harness.ts'

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
})
