// Goal: ALTER TABLE changes a table's definition as PostgreSQL does (rows already stored read
// right under the new definition; constraints are validated over them with PostgreSQL's codes),
// transactionally. Method: SQL through a real query processor (qp-harness).
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(async () => {
  h = createHarness()
  await h.run('CREATE TABLE t (id int PRIMARY KEY, a text, b int)')
  await h.run("INSERT INTO t VALUES (1, 'x', 10), (2, NULL, 20)")
})
afterEach(async () => {
  await h.close()
})

const code = async (sql: string) => String((await sqlError(h.run(sql))).code)

describe('columns', () => {
  test('ADD COLUMN: existing rows read NULL, or the default (volatile ones per row); NOT NULL needs a default', async () => {
    expect((await h.run('ALTER TABLE t ADD COLUMN c int')).command).toBe('ALTER TABLE')
    await h.run("ALTER TABLE t ADD COLUMN d text NOT NULL DEFAULT 'new', ADD e serial")
    expect(await h.rows('SELECT * FROM t ORDER BY id')).toEqual([
      [1, 'x', 10, null, 'new', 1],
      [2, null, 20, null, 'new', 2],
    ])
    await h.run('INSERT INTO t (id) VALUES (3)')
    // The sequence was created in the ALTER's transaction, which took its first block of 100.
    expect(await h.rows('SELECT d, e FROM t WHERE id = 3')).toEqual([['new', 101]])
    expect(await code('ALTER TABLE t ADD COLUMN f int NOT NULL')).toBe('23502')
    expect(await code('ALTER TABLE t ADD COLUMN a int')).toBe('42701')
    await h.run('ALTER TABLE t ADD COLUMN IF NOT EXISTS a int')
    expect(await code('ALTER TABLE t ADD COLUMN g int PRIMARY KEY')).toBe('0A000')
    expect(await code('ALTER TABLE t ADD COLUMN g int UNIQUE DEFAULT 1')).toBe('23505')
    await h.run('ALTER TABLE t ADD COLUMN g int CHECK (g > 0)')
    expect(await code('INSERT INTO t (id, g) VALUES (9, -1)')).toBe('23514')
  })

  test('DROP COLUMN hides the column; its indexes and checks go; a new column of that name is new', async () => {
    await h.run('CREATE INDEX t_a ON t (a)')
    await h.run('ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0)')
    await h.run('ALTER TABLE t DROP COLUMN b')
    expect(await h.rows('SELECT * FROM t ORDER BY id')).toEqual([
      [1, 'x'],
      [2, null],
    ])
    expect(await code('SELECT b FROM t')).toBe('42703')
    await h.run('INSERT INTO t VALUES (3, $1)', ['y'])
    await h.run('ALTER TABLE t ADD COLUMN b int')
    expect(await h.rows('SELECT id, b FROM t ORDER BY id')).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ])
    await h.run('ALTER TABLE t DROP COLUMN a')
    expect(await code('DROP INDEX t_a')).toBe('42704')
    await h.run('ALTER TABLE t DROP COLUMN IF EXISTS a')
    expect(await code('ALTER TABLE t DROP COLUMN a')).toBe('42703')
    expect(await code('ALTER TABLE t DROP COLUMN id')).toBe('0A000')
  })

  test('RENAME COLUMN and RENAME TO keep rows, checks and indexes working', async () => {
    await h.run('ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0)')
    await h.run('CREATE UNIQUE INDEX t_b ON t (b)')
    await h.run('ALTER TABLE t RENAME COLUMN b TO score')
    expect(await h.rows('SELECT id, score FROM t ORDER BY id')).toEqual([
      [1, 10],
      [2, 20],
    ])
    expect(await code("INSERT INTO t VALUES (3, 'z', -1)")).toBe('23514')
    await h.run('ALTER TABLE t RENAME TO u')
    expect(await code('SELECT * FROM t')).toBe('42P01')
    expect(await h.rows('SELECT score FROM u WHERE score = 20')).toEqual([[20]])
    expect(await code("INSERT INTO u VALUES (3, 'z', 20)")).toBe('23505')
    await h.run('ALTER INDEX t_b RENAME TO u_score')
    await h.run('DROP INDEX u_score')
    expect(await code('ALTER TABLE u RENAME COLUMN a TO id')).toBe('42701')
    await h.run('CREATE TABLE other (id int)')
    expect(await code('ALTER TABLE u RENAME TO other')).toBe('42P07')
  })

  test('SET/DROP DEFAULT and SET/DROP NOT NULL', async () => {
    await h.run("ALTER TABLE t ALTER COLUMN a SET DEFAULT 'dflt' || 'x', ALTER b SET NOT NULL")
    await h.run('INSERT INTO t (id, b) VALUES (3, 30)')
    expect(await h.rows('SELECT a FROM t WHERE id = 3')).toEqual([['dfltx']])
    expect(await code('INSERT INTO t (id) VALUES (4)')).toBe('23502')
    await h.run('ALTER TABLE t ALTER COLUMN a DROP DEFAULT, ALTER COLUMN b DROP NOT NULL')
    await h.run('INSERT INTO t (id) VALUES (4)')
    expect(await h.rows('SELECT a, b FROM t WHERE id = 4')).toEqual([[null, null]])
    const e = await sqlError(h.run('ALTER TABLE t ALTER COLUMN a SET NOT NULL'))
    expect(e).toMatchObject({
      code: '23502',
      message: 'column "a" of relation "t" contains null values',
    })
    expect(await code('ALTER TABLE t ALTER COLUMN id DROP NOT NULL')).toBe('42P16')
    expect(await code('ALTER TABLE t ALTER COLUMN nope SET DEFAULT 1')).toBe('42703')
  })

  test('ALTER COLUMN TYPE: changes that keep stored values rewrite nothing; a key column is not rewritten', async () => {
    await h.run('CREATE TABLE v (id int PRIMARY KEY, s varchar(3))')
    await h.run("INSERT INTO v VALUES (1, 'abc')")
    await h.run('ALTER TABLE v ALTER COLUMN s TYPE varchar(10)')
    await h.run("INSERT INTO v VALUES (2, 'abcdefgh')")
    await h.run('ALTER TABLE v ALTER COLUMN s TYPE text')
    expect(await h.rows('SELECT s FROM v ORDER BY id')).toEqual([['abc'], ['abcdefgh']])
    await h.run('ALTER TABLE v ALTER COLUMN id TYPE bigint')
    await h.run("INSERT INTO v VALUES (3000000000, 'big')")
    expect(await h.rows('SELECT id FROM v WHERE id > 2')).toEqual([['3000000000']])
    // Narrowing the primary key would rewrite (and move) every row: refused.
    expect(await code('ALTER TABLE v ALTER COLUMN id TYPE int')).toBe('0A000')
    // No assignment cast from text to integer: PostgreSQL's 42804, asking for USING.
    expect(await sqlError(h.run('ALTER TABLE v ALTER COLUMN s TYPE int'))).toMatchObject({
      code: '42804',
      hint: 'You might need to specify "USING s::integer".',
    })
  })
})

describe('constraints', () => {
  test('ADD UNIQUE builds its index over existing rows (23505 on duplicates) and enforces it', async () => {
    await h.run('INSERT INTO t VALUES (3, $1, 10)', ['x'])
    const e = await sqlError(h.run('ALTER TABLE t ADD CONSTRAINT t_b_key UNIQUE (b)'))
    expect(e).toMatchObject({ code: '23505', detail: 'Key (b)=(10) is duplicated.' })
    await h.run('DELETE FROM t WHERE id = 3')
    await h.run('ALTER TABLE t ADD UNIQUE (b)')
    expect((await sqlError(h.run("INSERT INTO t VALUES (3, 'y', 20)"))).message).toBe(
      'duplicate key value violates unique constraint "t_b_key"',
    )
    await h.run('ALTER TABLE t DROP CONSTRAINT t_b_key')
    await h.run("INSERT INTO t VALUES (3, 'y', 20)")
  })

  test('ADD CHECK validates existing rows (23514) unless NOT VALID; DROP CONSTRAINT [IF EXISTS]', async () => {
    const e = await sqlError(h.run('ALTER TABLE t ADD CONSTRAINT small CHECK (b < 15)'))
    expect(e).toMatchObject({
      code: '23514',
      message: 'check constraint "small" of relation "t" is violated by some row',
    })
    await h.run('ALTER TABLE t ADD CONSTRAINT small CHECK (b < 15) NOT VALID')
    expect(await code("INSERT INTO t VALUES (3, 'z', 16)")).toBe('23514')
    expect(await code('ALTER TABLE t ADD CONSTRAINT small CHECK (b < 100)')).toBe('42710')
    await h.run('ALTER TABLE t DROP CONSTRAINT small')
    await h.run("INSERT INTO t VALUES (3, 'z', 16)")
    await h.run('ALTER TABLE t DROP CONSTRAINT IF EXISTS small')
    expect(await code('ALTER TABLE t DROP CONSTRAINT small')).toBe('42704')
    expect(await code('ALTER TABLE t DROP CONSTRAINT t_pkey')).toBe('0A000')
    expect(await code('ALTER TABLE t ADD PRIMARY KEY (a)')).toBe('0A000')
  })

  test('ADD FOREIGN KEY checks existing rows (23503), then holds; DROP CONSTRAINT releases it', async () => {
    await h.run('CREATE TABLE c (id int PRIMARY KEY, t_id int)')
    await h.run('INSERT INTO c VALUES (1, 1), (2, 9)')
    const e = await sqlError(
      h.run('ALTER TABLE c ADD CONSTRAINT c_t FOREIGN KEY (t_id) REFERENCES t (id)'),
    )
    expect(e).toMatchObject({
      code: '23503',
      detail: 'Key (t_id)=(9) is not present in table "t".',
    })
    await h.run('DELETE FROM c WHERE id = 2')
    await h.run('ALTER TABLE c ADD CONSTRAINT c_t FOREIGN KEY (t_id) REFERENCES t (id)')
    expect(await code('DELETE FROM t WHERE id = 1')).toBe('23503')
    await h.run('ALTER TABLE c DROP CONSTRAINT c_t')
    await h.run('DELETE FROM t WHERE id = 1')
  })

  test('IF EXISTS on a missing table; one failing command undoes the whole statement', async () => {
    await h.run('ALTER TABLE IF EXISTS nope ADD COLUMN x int')
    expect(await code('ALTER TABLE nope ADD COLUMN x int')).toBe('42P01')
    expect(await code('ALTER TABLE t ADD COLUMN x int, ADD COLUMN a int')).toBe('42701')
    expect(await h.rows('SELECT * FROM t WHERE id = 1')).toEqual([[1, 'x', 10]])
  })

  test('a concurrent writer that used the old definition gets 40001 (OC001)', async () => {
    const writer = await h.begin()
    await writer.execute("INSERT INTO t VALUES (5, 'w', 50)")
    await h.run('ALTER TABLE t ADD COLUMN c int')
    const e = await sqlError(writer.commit())
    expect(e.code).toBe('40001')
    expect(e.message).toContain('OC001')
  })
})
