// Records (ARCHITECTURE.md "query processor": values): random row constructors run through
// Tessera's query processor and through PGlite, and their text (record_out's quoting) and their
// JSON (to_jsonb) must be the same; and the type name a record column reports on the wire.
import { afterAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { SqlError } from '../errors/index.ts'
import { createHarness } from './qp-harness.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()
const h = createHarness()
afterAll(() => h.close())

/** `select (<expr>)::text` on Tessera: the text, or `ERROR <code>` as the oracle reports. */
async function ours(expr: string): Promise<string | null> {
  try {
    const rows = await h.rows(`select (${expr})::text as v`)
    return (rows[0]?.[0] ?? null) as string | null
  } catch (e) {
    if (e instanceof SqlError) return `ERROR ${e.code}`
    throw e
  }
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`

/** Characters record_out quotes for (C's isspace among them), and some it does not. */
const TEXT = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', '\t', '\n', '\r', '\v', '\f', '"', '\\', '(', ')', ',', '{', '}', "'", 'é', 'N'),
  maxLength: 6,
})

/** One field: a SQL expression of some type, NULLs included. */
const field: fc.Arbitrary<string> = fc.oneof(
  TEXT.map(quote).map((s) => `${s}::text`),
  fc.constantFrom('NULL', 'NULL::int', "'NULL'::text", "''::text"),
  fc.integer().map(String),
  fc.double().map((x) => `'${Object.is(x, -0) ? '-0' : String(x)}'::float8`),
  fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.nat(4)).map(([d, s]) => `${d}e-${s}::numeric`),
  fc.boolean().map(String),
  fc.array(fc.integer({ min: -9, max: 99 }), { maxLength: 3 }).map((a) => `'{${a.join(',')}}'::int[]`),
  fc.constantFrom("'2020-01-02 03:04:05.5'::timestamp", "'\\x0a'::bytea", "'1 day 02:00'::interval", "'{\"k\": [1, null]}'::jsonb"),
)

const row = (fields: readonly string[]) => `ROW(${fields.join(', ')})`

/** A record of fields, some of them records themselves. */
const record = fc
  .array(fc.oneof({ weight: 4, arbitrary: field }, { weight: 1, arbitrary: fc.array(field, { minLength: 1, maxLength: 3 }).map(row) }), { minLength: 1, maxLength: 5 })
  .map(row)

describe('records against PostgreSQL', () => {
  test('text output of random records (record_out)', async () => {
    await fc.assert(
      fc.asyncProperty(record, async (r) => {
        expect(await ours(r)).toBe(await pg.text(r))
      }),
      { numRuns: 150 },
    )
  }, 60_000)

  test('JSON of random records (to_jsonb)', async () => {
    await fc.assert(
      fc.asyncProperty(record, async (r) => {
        expect(await ours(`to_jsonb(${r})`)).toBe(await pg.text(`to_jsonb(${r})`))
      }),
      { numRuns: 150 },
    )
  }, 60_000)
})

describe('the type a record column reports', () => {
  test("a table's or view's whole row is of its row type, others are record", async () => {
    await h.run('create table pets (id int primary key, name text)')
    await h.run('create view pet_view as select id from pets')
    await h.run("create schema zoo")
    await h.run('create table zoo.cages (id int primary key)')
    const types = async (sql: string) => (await h.run(sql)).fields.map((f) => f.type)
    expect(await types('select p, v, c from pets p, pet_view v, zoo.cages c')).toEqual(['pets', 'pet_view', 'cages'])
    expect(await types("select row(1, 'a'), s, (1, 2) from (select 1) s")).toEqual(['record', 'record', 'record'])
    expect(await types('select x from generate_series(1, 2) x(a)')).toEqual(['int4'])
    expect(await types('select (p).id, (row(1, 2.5)).f2, p::text from pets p')).toEqual(['int4', 'numeric', 'text'])
  })
})
