// Untyped parameters beside the operators and casts whose candidates PostgreSQL picks among take
// the type PostgreSQL infers for them, not the other operand's: `$1 ^ 2` is float8 ^ float8 (so
// '0.5' is accepted), `2 << $1` shifts by an int4, `@ $1` and `|/ $1` are float8, and `int4($1)` is
// ambiguous (42725) while `oid($1)` calls oid(int8). Answers checked against PGlite when written.
import { describe, expect, test } from 'bun:test'
import { createHarness, sqlError } from './qp-harness.ts'

describe('parameters of the math operators', () => {
  test('take the types PostgreSQL infers', async () => {
    const h = createHarness()
    try {
      expect(await h.rows('SELECT $1 ^ 2, pg_typeof($1 ^ 2)', ['0.5'])).toEqual([[0.25, 'double precision']])
      expect(await h.rows('SELECT $1 ^ $2', ['4', '0.5'])).toEqual([[2]])
      expect(await h.rows('SELECT 2 << $1, $2 << 2, 5::int8 >> $3', ['3', '3', '1'])).toEqual([[16, 12, '2']])
      expect(await h.rows('SELECT @ $1, pg_typeof(@ $1), |/ $2', ['-2.5', '6.25'])).toEqual([[2.5, 'double precision', 2.5]])
      expect(await h.rows('SELECT $1 & 6', ['3'])).toEqual([[2]])
      expect((await sqlError(h.run('SELECT int4($1)', ['42']))).code).toBe('42725')
      expect((await sqlError(h.run('SELECT $1 # $2', ['1', '2']))).code).toBe('42725')
    } finally {
      await h.close()
    }
  })
})

describe('parameters beside oids', () => {
  test('a parameter beside an oid column is an oid; oid($1) is oid(int8), as in PostgreSQL', async () => {
    const h = createHarness()
    try {
      await h.run('CREATE TABLE t (a oid PRIMARY KEY)')
      await h.run('INSERT INTO t VALUES ($1), ($2)', ['-1', 7])
      expect(await h.rows('SELECT a FROM t WHERE a = $1', ['4294967295'])).toEqual([[4294967295]])
      expect(await h.rows('SELECT a FROM t WHERE a = $1::oid', [-1])).toEqual([[4294967295]])
      expect(await h.rows('SELECT oid($1)', ['5'])).toEqual([[5]])
      expect((await sqlError(h.run('SELECT oid($1)', ['-1']))).code).toBe('22003')
    } finally {
      await h.close()
    }
  })
})
