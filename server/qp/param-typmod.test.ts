// Parameters assigned to columns with a typmod get PostgreSQL's assignment coercion, exactly as
// literals do: the parameter's inferred type is the column's base type, and the value is then cast
// to the column (numeric(p,s) rounds, varchar(n) refuses longer text with 22001). Parameters
// compared with such a column take its base type and keep their value (PostgreSQL's answers,
// checked against PGlite when written).
import { describe, expect, test } from 'bun:test'
import { createHarness, sqlError } from './qp-harness.ts'

describe('typmods apply to parameters as to literals', () => {
  test('numeric(p,s) and varchar(n) through INSERT and UPDATE', async () => {
    const h = createHarness()
    try {
      await h.run('CREATE TABLE t (id int8 PRIMARY KEY, p numeric(8,2), v varchar(3))')
      await h.run("INSERT INTO t VALUES (1, '1.5', 'ab')")
      await h.run('INSERT INTO t VALUES ($1, $2, $3)', [2, '1.5', 'ab'])
      await h.run('INSERT INTO t VALUES ($1, $2, $3)', [3, 1.005, 'ab'])
      await h.run('INSERT INTO t (id) VALUES (4)')
      await h.run('UPDATE t SET p = $1 WHERE id = 4', ['2.335'])
      expect(await h.rows('SELECT id, p FROM t ORDER BY id')).toEqual([
        ['1', '1.50'],
        ['2', '1.50'],
        ['3', '1.01'],
        ['4', '2.34'],
      ])
      const tooLong = await sqlError(h.run('INSERT INTO t VALUES ($1, $2, $3)', [5, '1', 'abcd']))
      expect(tooLong.code).toBe('22001')
      const overflow = await sqlError(h.run('INSERT INTO t VALUES ($1, $2, $3)', [6, '1234567.1', 'a']))
      expect(overflow.code).toBe('22003')
      expect(await h.rows('SELECT $1::varchar(2)', ['abc'])).toEqual([['ab']])
    } finally {
      await h.close()
    }
  })

  test('numeric(p,s), varchar(n) and char(n) compared with parameters: no typmod applies', async () => {
    const h = createHarness()
    try {
      await h.run('CREATE TABLE t (id int PRIMARY KEY, p numeric(5,1), s varchar(3), c char(3))')
      await h.run("INSERT INTO t VALUES (1, 1.04, 'abc', 'ab')")
      const none: unknown[][] = []
      expect(await h.rows('SELECT id FROM t WHERE p = $1', ['1.04'])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE p = $1', ['1.0'])).toEqual([[1]])
      expect(await h.rows('SELECT id FROM t WHERE p IN ($1, $2)', ['1.04', '7'])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE p BETWEEN $1 AND $2', ['1.01', '1.03'])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE p > $1', ['1.04'])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE s = $1', ['abcd'])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE s = $1', ['abc '])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE s = ANY ($1)', [['abcd', 'x']])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE c = $1', ['abcd'])).toEqual(none)
      expect(await h.rows('SELECT id FROM t WHERE c = $1', ['ab '])).toEqual([[1]])
      expect(await h.rows('SELECT CASE s WHEN $1 THEN 1 ELSE 0 END FROM t', ['abcd'])).toEqual([[0]])
      expect((await h.run('DELETE FROM t WHERE s = $1', ['abcde'])).rowCount).toBe(0)
      expect((await h.run('UPDATE t SET s = s WHERE p = $1', ['1.04'])).rowCount).toBe(0)
    } finally {
      await h.close()
    }
  })
})
