// Goal: pg_catalog and information_schema describe the tables a transaction sees, with PostgreSQL's
// column names, OIDs, type numbers and spellings. Method: DDL and SELECTs through a real QP over
// real storage (qp-harness); expected values are PostgreSQL 16's for the same schema.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadParser } from '../parser.ts'
import { createHarness, sqlError, type QpHarness } from '../qp-harness.ts'
import packageJson from '../../../package.json'
import { relationOid, SYSTEM_RELATIONS, systemRelation, typeOid } from './index.ts'

let h: QpHarness
const USERS = relationOid(100n)
const POSTS = relationOid(101n)

beforeAll(async () => {
  await loadParser()
  h = createHarness()
  await h.run(`CREATE TABLE users (id int8 PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, name text DEFAULT 'x',
    price numeric(10,2) CHECK (price > 0), created timestamptz DEFAULT now())`)
  await h.run('CREATE TABLE posts (title text, body jsonb, at timestamp(3))')
  await h.run('CREATE INDEX users_name_idx ON users (name, created)')
})
afterAll(async () => {
  await h.close()
})

describe('pg_catalog', () => {
  test('pg_namespace has the fixed schemas with their PostgreSQL OIDs', async () => {
    expect(await h.rows('SELECT oid, nspname, nspowner FROM pg_catalog.pg_namespace ORDER BY oid')).toEqual([
      [11, 'pg_catalog', 10],
      [2200, 'public', 10],
      [13000, 'information_schema', 10],
    ])
  })

  test('pg_class lists tables (r) and indexes (i) with OIDs derived from table ids', async () => {
    const rows = await h.rows(
      `SELECT oid, relname, relkind, relnamespace, relnatts, relhasindex, relchecks FROM pg_class WHERE relnamespace = 2200 ORDER BY oid`,
    )
    expect(rows).toEqual([
      [Number(USERS), 'users', 'r', 2200, 5, true, 1],
      [Number(USERS + 1n), 'users_pkey', 'i', 2200, 1, false, 0],
      [Number(USERS + 2n), 'users_email_key', 'i', 2200, 1, false, 0],
      [Number(USERS + 3n), 'users_name_idx', 'i', 2200, 2, false, 0],
      // A table without a primary key has no key index and no visible row id column.
      [Number(POSTS), 'posts', 'r', 2200, 3, false, 0],
    ])
  })

  test('pg_attribute numbers columns from 1 with PostgreSQL type OIDs and typmods', async () => {
    const rows = await h.rows(
      `SELECT attname, atttypid, atttypmod, attnum, attnotnull, atthasdef, attisdropped, attidentity
       FROM pg_attribute WHERE attrelid = ${USERS} ORDER BY attnum`,
    )
    expect(rows).toEqual([
      ['id', 20, -1, 1, true, false, false, ''],
      ['email', 1043, 104, 2, true, false, false, ''],
      ['name', 25, -1, 3, false, true, false, ''],
      ['price', 1700, 655366, 4, false, false, false, ''],
      ['created', 1184, -1, 5, false, true, false, ''],
    ])
    expect(await h.rows(`SELECT attname, atttypmod FROM pg_attribute WHERE attrelid = ${POSTS} ORDER BY attnum`)).toEqual([
      ['title', -1],
      ['body', -1],
      ['at', 3],
    ])
  })

  test('pg_type has the built-in types under pg_catalog, arrays pointing at their elements', async () => {
    const rows = await h.rows(
      `SELECT t.oid, t.typname, t.typlen, t.typcategory, t.typelem, t.typarray, n.nspname FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (16, 20, 23, 25, 1007, 1043, 1700, 2950, 3802)
       ORDER BY t.oid`,
    )
    expect(rows).toEqual([
      [16, 'bool', 1, 'B', 0, 1000, 'pg_catalog'],
      [20, 'int8', 8, 'N', 0, 1016, 'pg_catalog'],
      [23, 'int4', 4, 'N', 0, 1007, 'pg_catalog'],
      [25, 'text', -1, 'S', 0, 1009, 'pg_catalog'],
      [1007, '_int4', -1, 'A', 23, 0, 'pg_catalog'],
      [1043, 'varchar', -1, 'S', 0, 1015, 'pg_catalog'],
      [1700, 'numeric', -1, 'N', 0, 1231, 'pg_catalog'],
      [2950, 'uuid', 16, 'U', 0, 2951, 'pg_catalog'],
      [3802, 'jsonb', -1, 'U', 0, 3807, 'pg_catalog'],
    ])
  })

  test('pg_index and pg_constraint describe keys, uniques and checks', async () => {
    expect(
      await h.rows(`SELECT indexrelid, indrelid, indisunique, indisprimary, indkey FROM pg_index ORDER BY indexrelid`),
    ).toEqual([
      [Number(USERS + 1n), Number(USERS), true, true, [1]],
      [Number(USERS + 2n), Number(USERS), true, false, [2]],
      [Number(USERS + 3n), Number(USERS), false, false, [3, 5]],
    ])
    expect(
      await h.rows(`SELECT conname, contype, conrelid, conindid, conkey, conbin FROM pg_constraint ORDER BY oid`),
    ).toEqual([
      ['users_pkey', 'p', Number(USERS), Number(USERS + 1n), [1], null],
      ['users_email_key', 'u', Number(USERS), Number(USERS + 2n), [2], null],
      ['users_price_check', 'c', Number(USERS), 0, [4], '(price > (0)::numeric)'],
    ])
  })

  test('pg_attrdef holds defaults as PostgreSQL prints them', async () => {
    expect(await h.rows('SELECT adrelid, adnum, adbin FROM pg_attrdef ORDER BY adnum')).toEqual([
      [Number(USERS), 3, "'x'::text"],
      [Number(USERS), 5, 'now()'],
    ])
  })

  test('pg_tables and pg_indexes', async () => {
    expect(await h.rows(`SELECT schemaname, tablename, tableowner, hasindexes FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).toEqual([
      ['public', 'posts', 'tessera', false],
      ['public', 'users', 'tessera', true],
    ])
    expect(await h.rows('SELECT indexname, indexdef FROM pg_indexes ORDER BY indexname')).toEqual([
      ['users_email_key', 'CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)'],
      ['users_name_idx', 'CREATE INDEX users_name_idx ON public.users USING btree (name, created)'],
      ['users_pkey', 'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)'],
    ])
  })

  test('pg_class lists the system relations: catalog tables (r) and views (v) with their row types', async () => {
    expect(
      await h.rows(`SELECT c.oid, c.relname, c.relkind, n.nspname, c.reltype, c.relnatts, c.relisshared FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname IN ('pg_class', 'pg_namespace', 'pg_database', 'pg_tables', 'tables') ORDER BY c.oid`),
    ).toEqual([
      [1259, 'pg_class', 'r', 'pg_catalog', 83, 31, false],
      [1262, 'pg_database', 'r', 'pg_catalog', 1248, 12, true],
      [2615, 'pg_namespace', 'r', 'pg_catalog', 10047, 4, false],
      [12033, 'pg_tables', 'v', 'pg_catalog', 12035, 8, false],
      [12641, 'tables', 'v', 'information_schema', 12643, 12, false],
    ])
    expect(await h.rows(`SELECT count(*) FROM pg_class WHERE oid < 16384`)).toEqual([[String(SYSTEM_RELATIONS.length - 1)]])
    expect(await h.rows(`SELECT typname, typtype, typrelid, typarray FROM pg_type WHERE oid = 83`)).toEqual([['pg_class', 'c', 1259, 273]])
    expect(await h.rows(`SELECT schemaname, tablename FROM pg_tables WHERE tablename IN ('pg_class', 'users') ORDER BY 1`)).toEqual([
      ['pg_catalog', 'pg_class'],
      ['public', 'users'],
    ])
    expect(await h.rows(`SELECT schemaname, viewname, definition FROM pg_views WHERE viewname IN ('pg_tables', 'columns') ORDER BY 1`)).toEqual([
      ['information_schema', 'columns', null],
      ['pg_catalog', 'pg_tables', null],
    ])
  })

  test('pg_attribute and information_schema.columns list the columns SELECT * returns, for every system relation', async () => {
    for (const r of SYSTEM_RELATIONS.filter((x) => x.schema !== 'sys')) {
      const name = `${r.schema}.${r.name}`
      const star = (await h.run(`SELECT * FROM ${name} LIMIT 0`)).fields.map((f) => f.name)
      const attributes = await h.rows(`SELECT attname, atttypid FROM pg_attribute WHERE attrelid = '${name}'::regclass ORDER BY attnum`)
      expect({ name, columns: attributes.map((a) => a[0]) }).toEqual({ name, columns: star })
      expect(attributes.map((a) => a[1])).toEqual(r.columns.map((c) => typeOid(c.type)))
      const columns = await h.rows(`SELECT column_name, ordinal_position FROM information_schema.columns
        WHERE table_schema = '${r.schema}' AND table_name = '${r.name}' ORDER BY ordinal_position`)
      expect(columns).toEqual(await h.rows(`SELECT attname, attnum FROM pg_attribute WHERE attrelid = '${name}'::regclass ORDER BY attnum`))
      expect(await h.rows(`SELECT relnatts FROM pg_class WHERE oid = '${name}'::regclass`)).toEqual([[star.length]])
    }
  })

  test("an introspection join starts from pg_namespace's few rows, not pg_attribute's hundreds", async () => {
    // The join planner estimates a system relation by its fixed rows (the system relations' own).
    const plan = await h.rows(`EXPLAIN SELECT a.attname FROM pg_attribute a JOIN pg_class c ON a.attrelid = c.oid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND a.attnum > 0`)
    const leaves = plan.map((r) => String(r[0]).trim()).filter((line) => line.includes('System Relation'))
    expect(leaves).toEqual([
      '-> System Relation pg_catalog.pg_namespace',
      '-> System Relation pg_catalog.pg_class',
      '-> System Relation pg_catalog.pg_attribute',
    ])
  })

  test('the single role and database', async () => {
    expect(await h.rows('SELECT rolname, rolsuper, oid FROM pg_roles')).toEqual([['tessera', true, 10]])
    expect(await h.rows('SELECT usename, usesysid FROM pg_user')).toEqual([['tessera', 10]])
    expect(await h.rows('SELECT datname, datdba FROM pg_database')).toEqual([['tessera', 10]])
  })
})

describe('information_schema', () => {
  test('columns: PostgreSQL data_type names, nullability, defaults, lengths and precisions', async () => {
    const rows = await h.rows(
      `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default, character_maximum_length,
         numeric_precision, numeric_scale, datetime_precision, udt_name
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    )
    expect(rows).toEqual([
      ['posts', 'title', 1, 'text', 'YES', null, null, null, null, null, 'text'],
      ['posts', 'body', 2, 'jsonb', 'YES', null, null, null, null, null, 'jsonb'],
      ['posts', 'at', 3, 'timestamp without time zone', 'YES', null, null, null, null, 3, 'timestamp'],
      ['users', 'id', 1, 'bigint', 'NO', null, null, 64, 0, null, 'int8'],
      ['users', 'email', 2, 'character varying', 'NO', null, 100, null, null, null, 'varchar'],
      ['users', 'name', 3, 'text', 'YES', "'x'::text", null, null, null, null, 'text'],
      ['users', 'price', 4, 'numeric', 'YES', null, null, 10, 2, null, 'numeric'],
      ['users', 'created', 5, 'timestamp with time zone', 'YES', 'now()', null, null, null, 6, 'timestamptz'],
    ])
  })

  test('tables, schemata', async () => {
    expect(
      await h.rows(`SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`),
    ).toEqual([
      ['public', 'posts', 'BASE TABLE'],
      ['public', 'users', 'BASE TABLE'],
    ])
    expect(await h.rows('SELECT schema_name FROM information_schema.schemata ORDER BY schema_name')).toEqual([
      ['information_schema'],
      ['pg_catalog'],
      ['public'],
    ])
  })

  test('table_constraints, key_column_usage and check_constraints', async () => {
    expect(
      await h.rows(
        `SELECT constraint_name, constraint_type FROM information_schema.table_constraints
         WHERE table_name = 'users' AND constraint_name NOT LIKE '%not_null' ORDER BY constraint_name`,
      ),
    ).toEqual([
      ['users_email_key', 'UNIQUE'],
      ['users_pkey', 'PRIMARY KEY'],
      ['users_price_check', 'CHECK'],
    ])
    expect(
      await h.rows(
        `SELECT constraint_name, column_name, ordinal_position FROM information_schema.key_column_usage
         ORDER BY constraint_name`,
      ),
    ).toEqual([
      ['users_email_key', 'email', 1],
      ['users_pkey', 'id', 1],
    ])
    expect(
      await h.rows(
        `SELECT constraint_name, check_clause FROM information_schema.check_constraints
         WHERE constraint_name = 'users_price_check'`,
      ),
    ).toEqual([['users_price_check', '(price > (0)::numeric)']])
  })
})

describe('client introspection queries', () => {
  test("Kysely's PostgresIntrospector.getTables query, as Kysely 0.28 sends it", async () => {
    const sql = `select "a"."attname" as "column", "a"."attnotnull" as "not_null", "a"."atthasdef" as "has_default",
        "c"."relname" as "table", "c"."relkind" as "table_type", "ns"."nspname" as "schema", "typ"."typname" as "type",
        "dtns"."nspname" as "type_schema", col_description(a.attrelid, a.attnum) as "column_description",
        pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname) as "auto_incrementing"
      from "pg_catalog"."pg_attribute" as "a"
      inner join "pg_catalog"."pg_class" as "c" on "a"."attrelid" = "c"."oid"
      inner join "pg_catalog"."pg_namespace" as "ns" on "c"."relnamespace" = "ns"."oid"
      inner join "pg_catalog"."pg_type" as "typ" on "a"."atttypid" = "typ"."oid"
      inner join "pg_catalog"."pg_namespace" as "dtns" on "typ"."typnamespace" = "dtns"."oid"
      where "c"."relkind" in ($1, $2, $3) and "ns"."nspname" !~ $4 and "ns"."nspname" != $5 and "ns"."nspname" != $6
        and has_schema_privilege(ns.nspname, 'USAGE') and "a"."attnum" >= $7 and "a"."attisdropped" != $8
        and "c"."relname" != $9 and "c"."relname" != $10
      order by "ns"."nspname", "c"."relname", "a"."attnum"`
    const params = ['r', 'v', 'p', '^pg_', 'information_schema', 'crdb_internal', 0, true, 'kysely_migration', 'kysely_migration_lock']
    expect(await h.rows(sql, params)).toEqual([
      ['title', false, false, 'posts', 'r', 'public', 'text', 'pg_catalog', null, null],
      ['body', false, false, 'posts', 'r', 'public', 'jsonb', 'pg_catalog', null, null],
      ['at', false, false, 'posts', 'r', 'public', 'timestamp', 'pg_catalog', null, null],
      ['id', true, false, 'users', 'r', 'public', 'int8', 'pg_catalog', null, null],
      ['email', true, false, 'users', 'r', 'public', 'varchar', 'pg_catalog', null, null],
      ['name', false, true, 'users', 'r', 'public', 'text', 'pg_catalog', null, null],
      ['price', false, false, 'users', 'r', 'public', 'numeric', 'pg_catalog', null, null],
      ['created', false, true, 'users', 'r', 'public', 'timestamptz', 'pg_catalog', null, null],
    ])
    expect(await h.rows('select "nspname" from "pg_catalog"."pg_namespace" order by 1')).toEqual([
      ['information_schema'],
      ['pg_catalog'],
      ['public'],
    ])
  })

  test("drizzle-kit's table list and check constraint queries", async () => {
    expect(
      await h.rows(`SELECT n.nspname AS table_schema, c.relname AS table_name,
          CASE WHEN c.relkind = 'r' THEN 'table' WHEN c.relkind = 'v' THEN 'view' WHEN c.relkind = 'm' THEN 'materialized_view' END AS type,
          c.relrowsecurity AS rls_enabled
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'v', 'm') AND n.nspname = 'public' ORDER BY table_name`),
    ).toEqual([
      ['public', 'posts', 'table', false],
      ['public', 'users', 'table', false],
    ])
    expect(
      await h.rows(`SELECT c.column_name, c.data_type, constraint_type, constraint_name, constraint_schema
        FROM information_schema.table_constraints tc
        JOIN information_schema.constraint_column_usage AS ccu USING (constraint_schema, constraint_name)
        JOIN information_schema.columns AS c ON c.table_schema = tc.constraint_schema
          AND tc.table_name = c.table_name AND ccu.column_name = c.column_name
        WHERE tc.table_name = 'users' and constraint_schema = 'public' ORDER BY constraint_name`),
    ).toEqual([
      ['email', 'character varying', 'UNIQUE', 'users_email_key', 'public'],
      ['id', 'bigint', 'PRIMARY KEY', 'users_pkey', 'public'],
      ['price', 'numeric', 'CHECK', 'users_price_check', 'public'],
    ])
    expect(
      await h.rows(`select s.nspname as table_schema from pg_catalog.pg_namespace s
        join pg_catalog.pg_user u on u.usesysid = s.nspowner
        where nspname not in ('information_schema', 'pg_catalog', 'public')
          and nspname not like 'pg_toast%' and nspname not like 'pg_temp_%' order by table_schema`),
    ).toEqual([])
  })
})

describe('object identifier casts', () => {
  test('regclass is the name as PostgreSQL prints it, from a name or an oid; a missing one is 42P01', async () => {
    expect(await h.rows(`SELECT 'users'::regclass, 'public.users'::regclass::text`)).toEqual([['users', 'users']])
    expect(await h.rows(`SELECT c.oid::regclass FROM pg_class c WHERE c.relname = 'posts'`)).toEqual([['posts']])
    expect((await sqlError(h.rows(`SELECT 'nope'::regclass`))).code).toBe('42P01')
    // Beside an oid a regclass compares as the relation's oid, as in PostgreSQL (psql's \d).
    expect(await h.rows(`SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0`)).toEqual([['5']])
    expect(await h.rows(`SELECT relname FROM pg_class WHERE 'public.posts'::regclass = oid`)).toEqual([['posts']])
  })

  test('every system relation of pg_catalog and information_schema has an OID regclass finds', async () => {
    // Each name through regclass to its OID and back: distinct, below the first user OID, and a
    // bare pg_catalog name the same as the qualified one (sys is Aurora DSQL's: no OID).
    const relations = SYSTEM_RELATIONS.filter((r) => r.schema !== 'sys')
    const oids = new Set<number>()
    for (const r of relations) {
      const [[oid, back]] = (await h.rows(`SELECT '${r.schema}.${r.name}'::regclass::oid, '${r.schema}.${r.name}'::regclass::oid::regclass::text`)) as [[number, string]]
      expect({ r: r.name, oid: oid < 16384, back }).toEqual({ r: r.name, oid: true, back: r.schema === 'pg_catalog' ? r.name : `${r.schema}.${r.name}` })
      oids.add(oid)
      if (r.schema === 'pg_catalog') expect(await h.rows(`SELECT '${r.name}'::regclass::oid`)).toEqual([[oid]])
    }
    expect(oids.size).toBe(relations.length)
    expect((await sqlError(h.rows(`SELECT 'sys.jobs'::regclass`))).code).toBe('42P01')
  })

  test('regtype is the type oid (what catalog queries compare it with); a missing type is 42704', async () => {
    expect(await h.rows(`SELECT 'int4'::regtype, 'int'::regtype, '{int,text,int8}'::regtype[]`)).toEqual([[23, 23, [23, 25, 20]]])
    expect(await h.rows(`SELECT count(*) FROM pg_attribute WHERE atttypid = ANY ('{int8,text}'::regtype[]) AND attrelid = (SELECT oid FROM pg_class WHERE relname = 'users')`)).toEqual([['2']])
    expect((await sqlError(h.rows(`SELECT 'nope'::regtype`))).code).toBe('42704')
  })
})

describe('snapshots and functions', () => {
  test('a transaction sees its own DDL and not uncommitted DDL of others', async () => {
    const a = await h.begin()
    const b = await h.begin()
    await a.execute('CREATE TABLE scratch (k int PRIMARY KEY)')
    const names = async (tx: typeof a) =>
      (await tx.execute(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 2200 ORDER BY relname`)).rows.map((r) => r[0])
    expect(await names(a)).toEqual(['posts', 'scratch', 'users'])
    expect(await names(b)).toEqual(['posts', 'users'])
    a.rollback()
    b.rollback()
  })

  test('version, current_database, current_schema, format_type', async () => {
    const [row] = await h.rows(
      `SELECT version(), current_database(), current_schema(), current_schemas(true), format_type(1043, 104),
         format_type(1700, 655366), format_type(23, NULL), format_type(1007, -1), format_type(1184, 3)`,
    )
    expect(row).toEqual([
      expect.stringMatching(/^PostgreSQL 16\.\d+ \(Tessera \d+\.\d+\.\d+\)/),
      'tessera',
      'public',
      ['pg_catalog', 'public'],
      'character varying(100)',
      'numeric(10,2)',
      'integer',
      'integer[]',
      'timestamp(3) with time zone',
    ])
  })

  test("psql's \\d column query: format_type, defaults through pg_attrdef, collations", async () => {
    const rows = await h.rows(
      `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
         (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d
          WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
         a.attnotnull,
         (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
          WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
         a.attidentity, a.attgenerated
       FROM pg_catalog.pg_attribute a WHERE a.attrelid = '${USERS}' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    )
    expect(rows).toEqual([
      ['id', 'bigint', null, true, null, '', ''],
      ['email', 'character varying(100)', null, true, null, '', ''],
      ['name', 'text', "'x'::text", false, null, '', ''],
      ['price', 'numeric(10,2)', null, false, null, '', ''],
      ['created', 'timestamp with time zone', 'now()', false, null, '', ''],
    ])
  })

  test('current_user and the other SQL value functions name the one role, database and schema', async () => {
    expect(await h.rows('SELECT current_user, session_user, user, current_role, current_catalog, current_schema')).toEqual([
      ['tessera', 'tessera', 'tessera', 'tessera', 'tessera', 'public'],
    ])
  })

  test("psql's \\d index and check listings", async () => {
    const indexes = await h.rows(
      `SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid,
         pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), pg_catalog.pg_get_constraintdef(con.oid, true), contype,
         condeferrable, condeferred, i.indisreplident, c2.reltablespace
       FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
         LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
       WHERE c.oid = '${USERS}' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
       ORDER BY i.indisprimary DESC, c2.relname`,
    )
    const def = (text: string) => `CREATE ${text} USING btree`
    expect(indexes.map((r) => [r[0], r[1], r[2], r[5], r[6], r[7]])).toEqual([
      ['users_pkey', true, true, `${def('UNIQUE INDEX users_pkey ON public.users')} (id)`, 'PRIMARY KEY (id)', 'p'],
      ['users_email_key', false, true, `${def('UNIQUE INDEX users_email_key ON public.users')} (email)`, 'UNIQUE (email)', 'u'],
      ['users_name_idx', false, false, `${def('INDEX users_name_idx ON public.users')} (name, created)`, null, null],
    ])
    expect(indexes.map((r) => [r[3], r[4], r[10], r[11]])).toEqual([
      [false, true, false, 0],
      [false, true, false, 0],
      [false, true, false, 0],
    ])
    expect(
      await h.rows(`SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true) FROM pg_catalog.pg_constraint r
        WHERE r.conrelid = '${USERS}' AND r.contype = 'c' ORDER BY 1`),
    ).toEqual([['users_price_check', 'CHECK (price > 0::numeric)']])
  })

  test('to_regtype, quote_ident, privileges, descriptions', async () => {
    expect(
      await h.rows(
        `SELECT to_regtype('integer'), to_regtype('text[]'), to_regtype('nope'), quote_ident('Users'),
           has_table_privilege('users', 'SELECT'), has_schema_privilege('public', 'USAGE'), obj_description(1, 'pg_class'),
           col_description(1, 1), pg_get_userbyid(10)`,
      ),
    ).toEqual([[23, 1009, null, '"Users"', true, true, null, null, 'tessera']])
  })

  test('pg_settings lists the server settings; version() names the same PostgreSQL release', async () => {
    const [setting] = await h.rows(`SELECT setting FROM pg_settings WHERE name = 'server_version'`)
    const [version] = await h.rows('SELECT version()')
    expect(String(version?.[0])).toStartWith(`PostgreSQL ${String(setting?.[0])} (Tessera ${packageJson.version})`)
  })

  test('every relation resolves by schema, and unqualified names find pg_catalog', () => {
    for (const r of SYSTEM_RELATIONS) expect(systemRelation(r.schema, r.name)).toBe(r)
    expect(systemRelation(undefined, 'pg_class')?.schema).toBe('pg_catalog')
    expect(systemRelation(undefined, 'columns')).toBeUndefined()
    expect(systemRelation('information_schema', 'pg_class')).toBeUndefined()
  })
})

describe('foreign keys through SQL', () => {
  let f: QpHarness
  beforeAll(async () => {
    f = createHarness()
    await f.run('CREATE TABLE authors (id int8 PRIMARY KEY, a int4, b int4, UNIQUE (a, b))')
    await f.run(`CREATE TABLE books (id serial PRIMARY KEY, author int8 REFERENCES authors (id) ON DELETE RESTRICT,
      x int4, y int4, CONSTRAINT books_pair_fk FOREIGN KEY (x, y) REFERENCES authors (a, b))`)
  })
  afterAll(async () => {
    await f.close()
  })

  test("drizzle-kit's foreign key query: columns matched through = ANY (conkey)", async () => {
    const rows = await f.rows(`SELECT con.conname AS constraint_name, rel.relname AS table_name, att.attname AS column_name,
        fnsp.nspname AS foreign_table_schema, frel.relname AS foreign_table_name, fatt.attname AS foreign_column_name,
        CASE con.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' END AS update_rule,
        CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' END AS delete_rule
      FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_class rel ON rel.oid = con.conrelid
        JOIN pg_catalog.pg_namespace nsp ON nsp.oid = con.connamespace
        LEFT JOIN pg_catalog.pg_attribute att ON att.attnum = ANY (con.conkey) AND att.attrelid = con.conrelid
        LEFT JOIN pg_catalog.pg_class frel ON frel.oid = con.confrelid
        LEFT JOIN pg_catalog.pg_namespace fnsp ON fnsp.oid = frel.relnamespace
        LEFT JOIN pg_catalog.pg_attribute fatt ON fatt.attnum = ANY (con.confkey) AND fatt.attrelid = con.confrelid
      WHERE nsp.nspname = 'public' AND rel.relname = 'books' AND con.contype IN ('f')
      ORDER BY constraint_name, column_name, foreign_column_name`)
    expect(rows).toEqual([
      ['books_author_fkey', 'books', 'author', 'public', 'authors', 'id', 'NO ACTION', 'RESTRICT'],
      ['books_pair_fk', 'books', 'x', 'public', 'authors', 'a', 'NO ACTION', 'NO ACTION'],
      ['books_pair_fk', 'books', 'x', 'public', 'authors', 'b', 'NO ACTION', 'NO ACTION'],
      ['books_pair_fk', 'books', 'y', 'public', 'authors', 'a', 'NO ACTION', 'NO ACTION'],
      ['books_pair_fk', 'books', 'y', 'public', 'authors', 'b', 'NO ACTION', 'NO ACTION'],
    ])
  })

  test("Kysely's getTables sees the serial column as auto-incrementing (pg_get_serial_sequence)", async () => {
    const rows = await f.rows(
      `select "a"."attname" as "column", "c"."relname" as "table",
         pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname) as "auto_incrementing"
       from "pg_catalog"."pg_attribute" as "a"
       inner join "pg_catalog"."pg_class" as "c" on "a"."attrelid" = "c"."oid"
       inner join "pg_catalog"."pg_namespace" as "ns" on "c"."relnamespace" = "ns"."oid"
       where "c"."relkind" in ($1, $2, $3) and "ns"."nspname" !~ $4 and "a"."attnum" >= $5 and "c"."relname" = 'books'
       order by "a"."attnum"`,
      ['r', 'v', 'p', '^pg_', 0],
    )
    expect(rows).toEqual([
      ['id', 'books', 'public.books_id_seq'],
      ['author', 'books', null],
      ['x', 'books', null],
      ['y', 'books', null],
    ])
  })

  test('information_schema: referential constraints and the serial default', async () => {
    expect(
      await f.rows(`SELECT constraint_name, unique_constraint_name, update_rule, delete_rule
        FROM information_schema.referential_constraints ORDER BY constraint_name`),
    ).toEqual([
      ['books_author_fkey', 'authors_pkey', 'NO ACTION', 'RESTRICT'],
      ['books_pair_fk', 'authors_a_b_key', 'NO ACTION', 'NO ACTION'],
    ])
    expect(
      await f.rows(`SELECT column_name, column_default, is_nullable FROM information_schema.columns
        WHERE table_name = 'books' AND column_name = 'id'`),
    ).toEqual([['id', "nextval('books_id_seq'::regclass)", 'NO']])
    // PostgreSQL creates no index for a foreign key; Tessera's lookup index stays out of the catalog.
    expect(await f.rows(`SELECT relname FROM pg_class WHERE relkind = 'i' ORDER BY relname`)).toEqual([
      ['authors_a_b_key'],
      ['authors_pkey'],
      ['books_pkey'],
    ])
  })
})

describe('schemas, sequences, views and settings through SQL', () => {
  let s: QpHarness
  beforeAll(async () => {
    s = createHarness()
    await s.run('CREATE SCHEMA app')
    await s.run('CREATE SCHEMA empty')
    await s.run(`CREATE TABLE app.items (id bigserial PRIMARY KEY, n int4 GENERATED BY DEFAULT AS IDENTITY (START WITH 5 INCREMENT BY 2))`)
    await s.run('CREATE SEQUENCE counter START WITH 10 INCREMENT BY 5')
    await s.run('CREATE VIEW big_items AS SELECT id FROM app.items WHERE n > 10')
  })
  afterAll(async () => {
    await s.close()
  })

  test('pg_namespace and information_schema.schemata list created schemas, with or without tables', async () => {
    expect(await s.rows(`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' ORDER BY nspname`)).toEqual([
      ['app'],
      ['empty'],
      ['information_schema'],
      ['public'],
    ])
    expect(await s.rows(`SELECT c.relname, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname <> 'pg_catalog'`)).toEqual([['items', 'app']])
  })

  test('sequences: pg_class relkind S, pg_sequences, information_schema.sequences, identity columns, pg_depend', async () => {
    expect(await s.rows(`SELECT c.relname, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' ORDER BY c.relname`)).toEqual([
      ['counter', 'public'],
      ['items_id_seq', 'app'],
      ['items_n_seq', 'app'],
    ])
    expect(
      await s.rows(`SELECT schemaname, sequencename, data_type, start_value, increment_by, max_value
        FROM pg_sequences ORDER BY sequencename`),
    ).toEqual([
      ['public', 'counter', 'bigint', '10', '5', '9223372036854775807'],
      ['app', 'items_id_seq', 'bigint', '1', '1', '9223372036854775807'],
      ['app', 'items_n_seq', 'integer', '5', '2', '2147483647'],
    ])
    expect(
      await s.rows(`SELECT column_name, column_default, is_identity, identity_generation, identity_start, identity_increment
        FROM information_schema.columns WHERE table_schema = 'app' ORDER BY ordinal_position`),
    ).toEqual([
      ['id', "nextval('app.items_id_seq'::regclass)", 'NO', null, null, null],
      ['n', null, 'YES', 'BY DEFAULT', '5', '2'],
    ])
    expect(await s.rows(`SELECT sequence_schema, sequence_name, start_value FROM information_schema.sequences
      ORDER BY sequence_name`)).toEqual([
      ['public', 'counter', '10'],
      ['app', 'items_id_seq', '1'],
      ['app', 'items_n_seq', '5'],
    ])
    expect(await s.rows(`SELECT s.relname, t.relname, d.refobjsubid, d.deptype FROM pg_depend d
      JOIN pg_class s ON s.oid = d.objid JOIN pg_class t ON t.oid = d.refobjid ORDER BY s.relname`)).toEqual([
      ['items_id_seq', 'items', 1, 'a'],
      ['items_n_seq', 'items', 2, 'i'],
    ])
  })

  test('views: pg_class relkind v, pg_views, information_schema.views and tables', async () => {
    expect(await s.rows(`SELECT relname, relnatts FROM pg_class WHERE relkind = 'v' AND relnamespace = 2200`)).toEqual([['big_items', 1]])
    expect(await s.rows(`SELECT schemaname, viewname, definition FROM pg_views WHERE schemaname = 'public'`)).toEqual([
      ['public', 'big_items', 'SELECT id FROM app.items WHERE n > 10'],
    ])
    expect(await s.rows(`SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = 'public'`)).toEqual([
      ['big_items', 'SELECT id FROM app.items WHERE n > 10'],
    ])
    expect(await s.rows(`SELECT table_schema, table_name, table_type FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_name`)).toEqual([
      ['public', 'big_items', 'VIEW'],
      ['app', 'items', 'BASE TABLE'],
    ])
  })

  test("pg_settings shows the transaction's own settings", async () => {
    const tx = await s.begin()
    await tx.execute("SET application_name = 'catalog-test'")
    const r = await tx.execute(`SELECT setting FROM pg_settings WHERE name = 'application_name'`)
    expect(r.rows).toEqual([['catalog-test']])
    tx.rollback()
  })
})
