// A statement's byte bounds (constants.ts QUERY_BYTES_MAX, RESULT_BYTES_MAX): counts of rows and
// values bound nothing when a value may be a megabyte, and a region ran out of memory (and, blocked
// meanwhile, was failed over) on one wide result or sort.
import { afterAll, describe, expect, test } from 'bun:test'
import { QUERY_BYTES_MAX, RESULT_BYTES_MAX } from './constants.ts'
import { createHarness, sqlError } from './qp-harness.ts'

const MIB = 1024 * 1024
const h = createHarness()
afterAll(() => h.close())

describe('statement byte bounds', () => {
  test('a result of wide rows past RESULT_BYTES_MAX is 54000, one within it is served', async () => {
    const over = Math.ceil(RESULT_BYTES_MAX / MIB) + 8
    const e = await sqlError(h.run(`SELECT g, repeat('x', ${MIB}) FROM generate_series(1, ${over}) g`))
    expect(e.code).toBe('54000')
    expect(e.message).toContain(`${RESULT_BYTES_MAX} bytes`)
    const under = Math.floor(RESULT_BYTES_MAX / MIB) - 8
    const r = await h.run(`SELECT g, repeat('x', ${MIB}) FROM generate_series(1, ${under}) g`)
    expect(r.rows.length).toBe(under)
  })

  test('RETURNING counts toward the result bytes', async () => {
    await h.run('CREATE TABLE ret (k int PRIMARY KEY)')
    const over = Math.ceil(RESULT_BYTES_MAX / MIB) + 8
    const e = await sqlError(h.run(`INSERT INTO ret SELECT g FROM generate_series(1, ${over}) g RETURNING k, repeat('r', ${MIB})`))
    expect(e.code).toBe('54000')
  })

  test('a sort holding more than QUERY_BYTES_MAX of values is 53200, whatever it returns', async () => {
    const over = Math.ceil(QUERY_BYTES_MAX / MIB) + 8
    const e = await sqlError(
      h.run(`SELECT length(v) FROM (SELECT repeat('x', ${MIB}) || g AS v FROM generate_series(1, ${over}) g ORDER BY v DESC) s LIMIT 1`),
    )
    expect(e.code).toBe('53200')
    expect(e.message).toContain(`${QUERY_BYTES_MAX} bytes`)
    // The same rows streamed through an aggregate that keeps nothing are fine.
    const r = await h.run(`SELECT sum(length(repeat('x', ${MIB}) || g)) AS n FROM generate_series(1, ${over}) g`)
    expect(r.rows.length).toBe(1)
  })

  test('a growing aggregate (array_agg, jsonb_agg) counts what it keeps', async () => {
    // string_agg is bounded already, by the longest text it may build (value-limits.ts).
    const over = Math.ceil(QUERY_BYTES_MAX / MIB) + 8
    for (const agg of [`array_agg(repeat('a', ${MIB}))`, `jsonb_agg(repeat('j', ${MIB}))`]) {
      const e = await sqlError(h.run(`SELECT length(${agg}::text) FROM generate_series(1, ${over}) g`))
      expect(e.code).toBe('53200')
    }
  })

  test('an aggregate over DISTINCT inputs counts the distinct ones it keeps', async () => {
    const over = Math.ceil(QUERY_BYTES_MAX / MIB) + 8
    const e = await sqlError(h.run(`SELECT count(DISTINCT repeat('c', ${MIB}) || g) FROM generate_series(1, ${over}) g`))
    expect(e.code).toBe('53200')
    // Equal inputs are kept once: the same number of rows, one distinct value.
    const r = await h.run(`SELECT count(DISTINCT repeat('c', ${MIB})) AS n FROM generate_series(1, ${over}) g`)
    expect(r.rows).toEqual([['1']])
  })

  test('DISTINCT and hash set operations count their keys', async () => {
    const over = Math.ceil(QUERY_BYTES_MAX / MIB) + 8
    const e = await sqlError(h.run(`SELECT count(*) FROM (SELECT DISTINCT repeat('d', ${MIB}) || g FROM generate_series(1, ${over}) g) s`))
    expect(e.code).toBe('53200')
  })
})
