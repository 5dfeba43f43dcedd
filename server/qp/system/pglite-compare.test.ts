// Goal: the catalog answers what PostgreSQL answers for the same schema, column by column.
// Method: the same DDL in Tessera (real QP, qp-harness) and in PGlite (PostgreSQL compiled to
// WebAssembly); the same catalog queries on both, compared after normalizing what legitimately
// differs (OID values, PostgreSQL 18's NOT NULL constraints, int2vector's text form).
import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadParser } from '../parser.ts'
import { createHarness, type QpHarness } from '../qp-harness.ts'

const SCHEMA = [
  `CREATE TABLE kinds (
     id int8 PRIMARY KEY,
     a int2 NOT NULL DEFAULT 1, b int4 DEFAULT -5, c bigint DEFAULT 9999999999, d real, e double precision DEFAULT 1.5,
     f numeric, g numeric(12,3) DEFAULT 0, h text DEFAULT 'hi', i varchar, j varchar(20) DEFAULT 'x''y',
     k boolean DEFAULT true, l date DEFAULT '2020-01-02', m timestamp, n timestamp(2) DEFAULT LOCALTIMESTAMP,
     o timestamptz DEFAULT now(), p timestamptz(0) DEFAULT CURRENT_TIMESTAMP, q uuid DEFAULT gen_random_uuid(),
     r jsonb DEFAULT '{"b": 1, "a": [2]}', s bytea, x text DEFAULT lower('ABC'), y int8 DEFAULT 1 + 2,
     z text DEFAULT NULL, "Mixed Case" text,
     UNIQUE (a, b), CHECK (a > 0), CONSTRAINT named_check CHECK (e >= 0 AND f IS NOT NULL)
   )`,
  'CREATE UNIQUE INDEX kinds_h_idx ON kinds (h)',
  'CREATE INDEX kinds_multi ON kinds (l, m)',
  `CREATE TABLE nokey (v text, w int4 CHECK (w IN (1, 2)), u varchar(5) CHECK (u <> 'no'))`,
]

let h: QpHarness
let pg: PGlite

beforeAll(async () => {
  await loadParser()
  h = createHarness()
  pg = new PGlite()
  for (const sql of SCHEMA) {
    await h.run(sql)
    await pg.exec(sql)
  }
}, 60_000)
afterAll(async () => {
  await h.close()
  await pg.close()
})

/** Rows of both engines as JSON-comparable arrays (numbers and bigints as strings). */
async function both(sql: string): Promise<{ tessera: unknown[][]; postgres: unknown[][] }> {
  const norm = (v: unknown): unknown => (typeof v === 'number' || typeof v === 'bigint' ? String(v) : v)
  const tessera = (await h.rows(sql)).map((r) => r.map(norm))
  const res = await pg.query<Record<string, unknown>>(sql, [], { rowMode: 'array' })
  const postgres = (res.rows as unknown as unknown[][]).map((r) => r.map(norm))
  return { tessera, postgres }
}

async function expectSame(sql: string): Promise<void> {
  const { tessera, postgres } = await both(sql)
  expect(postgres.length).toBeGreaterThan(0)
  expect(tessera).toEqual(postgres)
}

describe('Tessera and PostgreSQL agree', () => {
  test('information_schema.columns', async () => {
    await expectSame(
      `SELECT table_name, column_name, ordinal_position, column_default, is_nullable, data_type,
         character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale,
         datetime_precision, udt_schema, udt_name, dtd_identifier, is_identity, is_generated, is_updatable
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    )
  })

  test('pg_attribute with format_type', async () => {
    await expectSame(
      `SELECT c.relname, a.attname, a.atttypid, a.atttypmod, a.attnum, a.attnotnull, a.atthasdef, a.attisdropped,
         a.attlen, a.attndims, a.attidentity, a.attgenerated, format_type(a.atttypid, a.atttypmod)
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relname IN ('kinds', 'nokey') AND a.attnum > 0 ORDER BY c.relname, a.attnum`,
    )
  })

  test('pg_class and pg_namespace', async () => {
    await expectSame(
      `SELECT c.relname, c.relkind, c.relnatts, c.relhasindex, c.relchecks, c.relpersistence, n.nspname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' ORDER BY c.relname`,
    )
  })

  test('pg_index (int2vector printed as PostgreSQL prints it)', async () => {
    const sql = `SELECT c.relname, i.indisunique, i.indisprimary, i.indnatts, i.indkey FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid ORDER BY c.relname`
    const { tessera, postgres } = await both(sql)
    const relevant = postgres.filter((r) => String(r[0]).startsWith('kinds'))
    expect(tessera.map((r) => [...r.slice(0, 4), (r[4] as unknown[]).join(' ')])).toEqual(relevant)
  })

  test('pg_constraint and information_schema constraint views, NOT NULL constraints aside', async () => {
    await expectSame(
      `SELECT conname, contype, conkey, confkey FROM pg_constraint
       WHERE contype IN ('p', 'u', 'c', 'f') AND conrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 2200)
       ORDER BY conname`,
    )
    await expectSame(
      `SELECT constraint_name, table_name, constraint_type, is_deferrable, initially_deferred, enforced
       FROM information_schema.table_constraints WHERE constraint_schema = 'public' AND constraint_name NOT LIKE '%not_null'
       ORDER BY constraint_name`,
    )
    await expectSame(
      `SELECT constraint_name, table_name, column_name, ordinal_position, position_in_unique_constraint
       FROM information_schema.key_column_usage WHERE constraint_schema = 'public' ORDER BY constraint_name, ordinal_position`,
    )
    await expectSame(
      `SELECT constraint_name, check_clause FROM information_schema.check_constraints
       WHERE constraint_schema = 'public' AND constraint_name NOT LIKE '%not_null' ORDER BY constraint_name`,
    )
  })

  test('pg_indexes definitions', async () => {
    await expectSame(`SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`)
  })

  test('pg_type rows of the built-in types', async () => {
    await expectSame(
      `SELECT oid, typname, typlen, typtype, typcategory, typispreferred, typelem, typarray, typnotnull, typbasetype, typtypmod
       FROM pg_type WHERE oid IN (16, 17, 20, 21, 23, 25, 700, 701, 1000, 1007, 1009, 1016, 1043, 1082, 1114, 1184,
         1186, 1231, 1700, 2950, 3802, 3807)
       ORDER BY oid`,
    )
  })

  test('format_type over typmods', async () => {
    await expectSame(
      `SELECT format_type(1043, 24), format_type(1043, -1), format_type(1700, 786441), format_type(1700, -1),
         format_type(1114, 2), format_type(1184, -1), format_type(1009, -1), format_type(1015, 14), format_type(16, NULL),
         format_type(18, -1), format_type(19, -1), format_type(1186, -1)`,
    )
  })
})
