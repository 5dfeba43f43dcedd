// random(), random(min, max), random_normal() and setseed(): after setseed(x) a session's draws
// are PostgreSQL's own sequence (the same generator, pg_prng's xoroshiro128**), compared with
// PGlite value for value; a Tessera session is one transaction. Without setseed, draws come from
// the server's randomness: only their ranges are checked.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PGlite } from '@electric-sql/pglite'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
let pg: PGlite
beforeAll(async () => {
  h = createHarness()
  pg = new PGlite()
}, 30_000)
afterAll(async () => {
  await h.close()
  await pg.close()
})

/** Each query's rows as text, in one Tessera transaction. */
async function ours(queries: readonly string[]): Promise<unknown[][][]> {
  const tx = await h.begin()
  const out: unknown[][][] = []
  for (const q of queries) out.push((await tx.execute(q)).rows.map((r) => r.map((v) => (v === null ? null : String(v)))))
  await tx.commit()
  return out
}

/** The first row of a one-query transaction. */
async function firstRow(sql: string): Promise<unknown[]> {
  return (await ours([sql]))[0]?.[0] ?? []
}

/** The same on PGlite, one session. */
async function theirs(queries: readonly string[]): Promise<unknown[][][]> {
  const out: unknown[][][] = []
  for (const q of queries) {
    const r = await pg.query<Record<string, unknown>>(q, [], { rowMode: 'array' } as never)
    out.push((r.rows as unknown as unknown[][]).map((row) => row.map((v) => (v === null ? null : String(v)))))
  }
  return out
}

// Every value as text, so both print alike (PGlite's driver would parse numbers). random_normal's
// sine and logarithm are JavaScript's, which may differ from the C library's in the last bit: its
// values are compared to 12 places.
const DRAWS = [
  'SELECT random()::text, random()::text',
  'SELECT random(1, 100)::text, random(-5::int8, 9000000000000)::text, random(-2147483648, 2147483647)::text',
  'SELECT round(random_normal()::numeric, 12)::text, round(random_normal(10, 2)::numeric, 12)::text, round(random_normal(0)::numeric, 12)::text',
  'SELECT random(0, 10::numeric)::text, random(0.00, 1.00)::text, random(-1.5, 1.5)::text',
  'SELECT random(5, 5)::text, random()::text',
  'SELECT x, random()::text FROM generate_series(1, 3) AS x',
]

describe('after setseed, PostgreSQL\'s sequence', () => {
  test.each([0.5, 1, -1, 0, -0.25, 1e-9])('setseed(%p)', async (seed) => {
    const queries = [`SELECT setseed(${seed})::text`, ...DRAWS]
    expect(await ours(queries)).toEqual(await theirs(queries))
  })

  test('setseed in the middle of a statement reseeds for the draws after it, row by row', async () => {
    const q = ['SELECT setseed(0.25)::text, random()::text, setseed(0.25)::text, random()::text']
    const [row] = (await ours(q))[0] as unknown[][]
    expect(row?.[1]).toBe(row?.[3])
    expect(await ours(q)).toEqual(await theirs(q))
  })
})

describe('a statement run again', () => {
  test('after a sequence refill draws what its first attempt drew', async () => {
    // The first nextval of a new sequence finds no block of values: the statement stops, a block
    // is taken and it runs again, so its first attempt's draws must be given back.
    await h.run('CREATE SEQUENCE refilled')
    await pg.query('CREATE SEQUENCE refilled')
    const q = ['SELECT setseed(0.3)::text', "SELECT random()::text, nextval('refilled')::text, random()::text"]
    expect(await ours(q)).toEqual(await theirs(q))
  })
})

describe('a session is one transaction', () => {
  test('the same seed gives the same draws in another transaction', async () => {
    const q = ['SELECT setseed(0.75)', 'SELECT random(1, 1000000), random()']
    expect((await ours(q))[1]).toEqual((await ours(q))[1])
  })

  test('the seed does not outlive its transaction', async () => {
    const seeded = (await ours(['SELECT setseed(0.75)', 'SELECT random(1, 1000000000)']))[1]
    const after = (await ours(['SELECT random(1, 1000000000)']))[0]
    expect(after).not.toEqual(seeded as unknown[][])
  })

  test('draws continue across the statements of an interactive transaction', async () => {
    const one = await ours(['SELECT setseed(0.1)', 'SELECT random()', 'SELECT random()'])
    const both = await ours(['SELECT setseed(0.1)', 'SELECT random(), random()'])
    expect([one[1]?.[0]?.[0], one[2]?.[0]?.[0]]).toEqual(both[1]?.[0] as unknown[])
  })
})

describe('without setseed: ranges', () => {
  test('random() is in [0, 1), random(1, 6) covers 1..6, numeric keeps the larger scale', async () => {
    const row = await firstRow(`SELECT min(f), max(f), min(i), max(i), count(DISTINCT i), min(n), max(n), max(scale(n))
      FROM (SELECT random() AS f, random(1, 6) AS i, random(-1.5, 1.50) AS n FROM generate_series(1, 2000)) AS d`)
    const [minF, maxF, minI, maxI, distinct, minN, maxN, scale] = (row as string[]).map(Number)
    expect(minF).toBeGreaterThanOrEqual(0)
    expect(maxF).toBeLessThan(1)
    expect([minI, maxI, distinct]).toEqual([1, 6, 6])
    expect(minN).toBeGreaterThanOrEqual(-1.5)
    expect(maxN).toBeLessThanOrEqual(1.5)
    expect(scale).toBe(2)
  })

  test('a range wider than 64 bits stays in range at its scale', async () => {
    const row = await firstRow(`SELECT min(v) >= 0, max(v) <= 1e30, max(scale(v)), count(DISTINCT v)
      FROM (SELECT random(0, 1e30::numeric(31, 0)) AS v FROM generate_series(1, 200)) AS d`)
    expect(row).toEqual(['true', 'true', '0', '200'])
  })

  test('random_normal(mean, stddev): the sample mean is near the mean', async () => {
    const row = await firstRow('SELECT avg(random_normal(100, 1)) FROM generate_series(1, 2000)')
    expect(Math.abs(Number(row[0]) - 100)).toBeLessThan(0.2)
  })
})

describe('errors: PostgreSQL\'s SQLSTATEs and messages', () => {
  const CASES: [string, string][] = [
    ['SELECT setseed(1.5)', 'setseed parameter 1.5 is out of allowed range [-1,1]'],
    ['SELECT setseed(-1.01)', 'setseed parameter -1.01 is out of allowed range [-1,1]'],
    ["SELECT setseed('NaN')", 'setseed parameter NaN is out of allowed range [-1,1]'],
    ['SELECT setseed(1e10)', 'setseed parameter 1e+10 is out of allowed range [-1,1]'],
    ['SELECT setseed(1.234567891)', 'setseed parameter 1.23457 is out of allowed range [-1,1]'],
    ["SELECT setseed('-Infinity')", 'setseed parameter -Infinity is out of allowed range [-1,1]'],
    ['SELECT random(1, 0)', 'lower bound must be less than or equal to upper bound'],
    ['SELECT random(1::int8, 0::int8)', 'lower bound must be less than or equal to upper bound'],
    ['SELECT random(2.0, 1)', 'lower bound must be less than or equal to upper bound'],
    ["SELECT random('NaN'::numeric, 1)", 'lower bound cannot be NaN'],
    ["SELECT random(1, 'NaN'::numeric)", 'upper bound cannot be NaN'],
  ]
  test.each(CASES)('%s', async (sql, message) => {
    const e = await sqlError(h.run(sql))
    expect([e.code, e.message]).toEqual(['22023', message])
    const p = await pg.query(sql).then(() => undefined, (x: { code?: string; message?: string }) => [x.code, x.message])
    expect(p).toEqual(['22023', message])
  })

  test('NULL bounds give NULL; the result types are PostgreSQL\'s', async () => {
    const q = [`SELECT random(NULL::int, 1)::text, pg_typeof(random(1, 2))::text, pg_typeof(random(1, 2::int8))::text,
      pg_typeof(random(1.0, 2))::text, pg_typeof(random())::text, pg_typeof(random_normal())::text`]
    expect(await ours(q)).toEqual(await theirs(q))
  })
})
