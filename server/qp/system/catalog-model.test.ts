// Goal: the catalog model and the lookups behind the catalog functions give PostgreSQL's answers for
// what DDL stores (schemas, foreign keys, identity sequences, dropped columns, views), and OIDs
// never collide. Method: definitions as ddl.ts writes them, decoded by catalog.ts, read through
// the relations' rows() and the lookups; OIDs checked by a property test.
import { beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { tableFromDef, type TableDef } from '../catalog.ts'
import { loadParser } from '../parser.ts'
import type { SequenceDef } from '../sequences.ts'
import { sizePretty } from './catalog-functions.ts'
import { deparseCheck, deparseDefault, quoteIdent, quoteLiteral } from './deparse.ts'
import { regtypeIn, regtypeOut, systemRelation, type SystemEnv } from './index.ts'
import { parseQualifiedName } from './deparse.ts'
import { constraintDefinition, indexDefinition, regclassName, regclassOid, serialSequence, tableIsVisible, viewDefinition } from './lookup.ts'
import { buildModel, schemaOid } from './model.ts'
import { checkOid, defaultOid, foreignKeyOid, indexOid, keyConstraintOid, objectOf, relationIdOf, relationOid } from './oids.ts'

const int4 = { kind: 'int4' } as const
const int8 = { kind: 'int8' } as const
const text = { kind: 'text' } as const

const PARENT: TableDef = {
  id: '100',
  name: 'parent',
  columns: [
    { name: 'id', position: 0, type: int8, notNull: true, hidden: false },
    { name: 'a', position: 1, type: int4, notNull: false, hidden: false },
    { name: 'b', position: 2, type: int4, notNull: false, hidden: false },
  ],
  primaryKey: [0],
  primaryKeyName: 'parent_pkey',
  indexes: [{ id: 1, name: 'parent_a_b_key', columns: [1, 2], unique: true, constraint: true }],
  checks: [],
  nextIndexId: 2,
}

const CHILD: TableDef = {
  id: '101',
  name: 'child',
  columns: [
    { name: 'id', position: 0, type: int4, notNull: true, hidden: false },
    { name: 'pid', position: 1, type: int8, notNull: false, hidden: false },
    { name: '........pg.dropped.3........', position: 2, type: text, notNull: false, hidden: true, dropped: true },
    { name: 'note', position: 3, type: text, notNull: false, hidden: false, default: "'n'" },
    { name: 'pa', position: 4, type: int4, notNull: false, hidden: false },
    { name: 'pb', position: 5, type: int4, notNull: false, hidden: false },
  ],
  primaryKey: [0],
  primaryKeyName: 'child_pkey',
  indexes: [
    { id: 1, name: 'child_pid_fkey_idx', columns: [1], unique: false, constraint: false },
    { id: 2, name: 'child_note_idx', columns: [3, 1], unique: false, constraint: false },
  ],
  checks: [{ name: 'child_note_check', expr: "note <> ''" }],
  nextIndexId: 3,
  foreignKeys: [
    { name: 'child_pid_fkey', columns: [1], refTable: 'parent', refColumns: [0], refIndex: 'primary', index: 1, onDelete: 'restrict', onUpdate: 'no action', ownsIndex: true },
    { name: 'child_pair_fk', columns: [5, 4], refTable: 'parent', refColumns: [2, 1], refIndex: 1, index: 2, onDelete: 'no action', onUpdate: 'no action' },
  ],
}

const THINGS: TableDef = {
  id: '103',
  name: 'app.things',
  columns: [
    { name: 'id', position: 0, type: int8, notNull: true, hidden: false, sequence: 'app.things_id_seq', identity: 'always' },
    { name: 'v', position: 1, type: text, notNull: false, hidden: false, default: 'NULL' },
    { name: 'rowid', position: 2, type: int8, notNull: true, hidden: true },
  ],
  primaryKey: [2],
  primaryKeyName: 'things_pkey',
  indexes: [],
  checks: [],
  nextIndexId: 1,
}

const SEQUENCE: SequenceDef = {
  id: '102',
  name: 'app.things_id_seq',
  type: 'int8',
  start: '1',
  increment: '1',
  min: '1',
  max: '9223372036854775807',
  cache: 1,
  epoch: 0,
  origin: '0',
  ownedBy: { table: 'app.things', column: 'id' },
}

const ENV: SystemEnv = {
  tables: () => [PARENT, CHILD, THINGS].map(tableFromDef),
  schemas: () => ['app', 'empty'],
  sequences: () => [SEQUENCE],
  views: () => [{ name: 'parent_ids', sql: 'SELECT id FROM parent', columns: ['id'], types: [int8] }],
}

/** A relation's rows as objects by column name. */
function rows(schema: string, name: string, env: SystemEnv = ENV): Record<string, unknown>[] {
  const rel = systemRelation(schema, name)
  if (rel === undefined) throw new Error(`no relation ${schema}.${name}`)
  return rel.rows(env).map((r) => Object.fromEntries(rel.columns.map((c, i) => [c.name, r[i]])))
}

const pick = (objects: Record<string, unknown>[], ...keys: string[]) => objects.map((o) => keys.map((k) => o[k]))

/** Rows of relations outside pg_catalog and information_schema (whose own rows lead the listings). */
const userRelations = (objects: Record<string, unknown>[], schemaColumn: string) =>
  objects.filter((o) => !['pg_catalog', 'information_schema', 11n, 13000n].includes(o[schemaColumn] as string | bigint))

beforeAll(async () => {
  await loadParser()
})

describe('objects', () => {
  test('schemas: fixed OIDs, user schemas hashed below every table block', () => {
    const schemas = pick(rows('pg_catalog', 'pg_namespace'), 'nspname', 'oid')
    expect(schemas.map((s) => s[0])).toEqual(['pg_catalog', 'public', 'information_schema', 'app', 'empty'])
    for (const [name, oid] of schemas.slice(3)) {
      expect(oid).toBe(schemaOid(name as string))
      expect(oid as bigint).toBeGreaterThan(16384n)
      expect(oid as bigint).toBeLessThan(relationOid(100n))
    }
  })

  test('pg_class: tables, key and secondary indexes, the sequence, the view; a foreign key index is hidden', () => {
    const classes = pick(userRelations(rows('pg_catalog', 'pg_class'), 'relnamespace'), 'relname', 'relkind', 'oid', 'relnamespace', 'relnatts')
    const app = schemaOid('app')
    expect(classes).toEqual([
      ['parent', 'r', relationOid(100n), 2200n, 3n],
      // relnatts counts a dropped column, as PostgreSQL's does.
      ['child', 'r', relationOid(101n), 2200n, 6n],
      ['things', 'r', relationOid(103n), app, 2n],
      ['parent_pkey', 'i', indexOid(100n, 0), 2200n, 1n],
      ['parent_a_b_key', 'i', indexOid(100n, 1), 2200n, 2n],
      ['child_pkey', 'i', indexOid(101n, 0), 2200n, 1n],
      ['child_note_idx', 'i', indexOid(101n, 2), 2200n, 2n],
      ['things_id_seq', 'S', relationOid(102n), app, 3n],
      ['parent_ids', 'v', regclassOid(buildModel(ENV), 'parent_ids'), 2200n, 1n],
    ])
    expect(regclassOid(buildModel(ENV), 'parent_ids')).toBeLessThan(relationOid(100n))
  })

  test('pg_attribute keeps a dropped column in its place and omits the row id', () => {
    const child = rows('pg_catalog', 'pg_attribute').filter((r) => r.attrelid === relationOid(101n))
    expect(pick(child, 'attnum', 'attname', 'attisdropped', 'atttypid', 'atthasdef')).toEqual([
      [1n, 'id', false, 23n, false],
      [2n, 'pid', false, 20n, false],
      [3n, '........pg.dropped.3........', true, 0n, false],
      [4n, 'note', false, 25n, true],
      [5n, 'pa', false, 23n, false],
      [6n, 'pb', false, 23n, false],
    ])
    const things = rows('pg_catalog', 'pg_attribute').filter((r) => r.attrelid === relationOid(103n))
    expect(pick(things, 'attname', 'attidentity', 'atthasdef')).toEqual([
      ['id', 'a', false],
      // DEFAULT NULL stores no default, as in PostgreSQL.
      ['v', '', false],
    ])
  })

  test('constraints: keys, check, foreign keys with referenced columns and actions', () => {
    const m = buildModel(ENV)
    const cons = pick(rows('pg_catalog', 'pg_constraint'), 'conname', 'contype', 'conkey', 'confkey', 'confrelid', 'conindid', 'confdeltype')
    expect(cons).toEqual([
      ['parent_pkey', 'p', [1n], null, 0n, indexOid(100n, 0), ' '],
      ['parent_a_b_key', 'u', [2n, 3n], null, 0n, indexOid(100n, 1), ' '],
      ['child_pkey', 'p', [1n], null, 0n, indexOid(101n, 0), ' '],
      ['child_note_check', 'c', [4n], null, 0n, 0n, ' '],
      ['child_pid_fkey', 'f', [2n], [1n], relationOid(100n), indexOid(100n, 0), 'r'],
      ['child_pair_fk', 'f', [6n, 5n], [3n, 2n], relationOid(100n), indexOid(100n, 1), 'a'],
    ])
    expect(constraintDefinition(m, foreignKeyOid(101n, 0) as bigint)).toBe('FOREIGN KEY (pid) REFERENCES parent(id) ON DELETE RESTRICT')
    expect(constraintDefinition(m, foreignKeyOid(101n, 1) as bigint)).toBe('FOREIGN KEY (pb, pa) REFERENCES parent(b, a)')
    expect(constraintDefinition(m, checkOid(101n, 0) as bigint)).toBe("CHECK ((note <> ''::text))")
    expect(constraintDefinition(m, keyConstraintOid(100n, 1) as bigint)).toBe('UNIQUE (a, b)')
    expect(constraintDefinition(m, 1n)).toBeNull()
  })

  test('information_schema: foreign keys, identity columns, the view', () => {
    expect(pick(rows('information_schema', 'referential_constraints'), 'constraint_name', 'unique_constraint_name', 'delete_rule')).toEqual([
      ['child_pid_fkey', 'parent_pkey', 'RESTRICT'],
      ['child_pair_fk', 'parent_a_b_key', 'NO ACTION'],
    ])
    const usage = rows('information_schema', 'key_column_usage').filter((r) => r.constraint_name === 'child_pair_fk')
    expect(pick(usage, 'column_name', 'ordinal_position', 'position_in_unique_constraint')).toEqual([
      ['pb', 1n, 2n],
      ['pa', 2n, 1n],
    ])
    const columns = rows('information_schema', 'columns')
    const id = columns.find((c) => c.table_name === 'things' && c.column_name === 'id')
    expect([id?.table_schema, id?.is_identity, id?.identity_generation, id?.identity_start, id?.identity_maximum, id?.column_default]).toEqual(
      ['app', 'YES', 'ALWAYS', '1', '9223372036854775807', null],
    )
    expect(pick(columns.filter((c) => c.table_name === 'parent_ids'), 'column_name', 'data_type', 'is_updatable')).toEqual([['id', 'bigint', 'NO']])
    expect(pick(userRelations(rows('information_schema', 'tables'), 'table_schema'), 'table_schema', 'table_name', 'table_type')).toEqual([
      ['public', 'parent', 'BASE TABLE'],
      ['public', 'child', 'BASE TABLE'],
      ['app', 'things', 'BASE TABLE'],
      ['public', 'parent_ids', 'VIEW'],
    ])
    expect(pick(rows('pg_catalog', 'pg_sequences'), 'schemaname', 'sequencename', 'data_type', 'max_value')).toEqual([
      ['app', 'things_id_seq', 'bigint', 9223372036854775807n],
    ])
    expect(pick(rows('pg_catalog', 'pg_depend'), 'objid', 'refobjid', 'refobjsubid', 'deptype')).toEqual([
      [relationOid(102n), relationOid(103n), 1n, 'i'],
    ])
  })
})

describe('lookups behind the catalog functions', () => {
  const m = buildModel(ENV)

  test('to_regclass reads quoted and qualified names', () => {
    expect(regclassOid(m, 'parent')).toBe(relationOid(100n))
    expect(regclassOid(m, 'public.parent')).toBe(relationOid(100n))
    expect(regclassOid(m, ' "parent" ')).toBe(relationOid(100n))
    expect(regclassOid(m, 'APP.Things')).toBe(relationOid(103n))
    expect(regclassOid(m, '"App".things')).toBeNull()
    expect(regclassOid(m, 'things')).toBeNull()
    expect(regclassOid(m, 'child_note_idx')).toBe(indexOid(101n, 2) as bigint)
    expect(regclassOid(m, 'app.things_id_seq')).toBe(relationOid(102n))
    expect(regclassOid(m, 'a.b.c')).toBeNull()
    expect(parseQualifiedName('"we""ird"."X y"')).toEqual(['we"ird', 'X y'])
  })

  test('pg_get_serial_sequence, pg_table_is_visible, pg_get_indexdef, pg_get_viewdef', () => {
    expect(serialSequence(m, 'app.things', 'id')).toBe('app.things_id_seq')
    expect(serialSequence(m, '"app"."things"', 'v')).toBeNull()
    expect(tableIsVisible(m, relationOid(100n))).toBe(true)
    expect(tableIsVisible(m, relationOid(103n))).toBe(false)
    expect(indexDefinition(m, indexOid(101n, 2) as bigint, 0)).toBe('CREATE INDEX child_note_idx ON public.child USING btree (note, pid)')
    expect(indexDefinition(m, indexOid(101n, 2) as bigint, 2)).toBe('pid')
    expect(viewDefinition(m, regclassOid(m, 'parent_ids') as bigint)).toBe('SELECT id FROM parent')
  })

  test('regclass and regtype input and output', () => {
    const m = buildModel(ENV)
    expect(regclassOid(m, 'app.things')).toBe(relationOid(103n))
    expect(regclassOid(m, 'nope')).toBeNull()
    expect(regclassName(m, relationOid(103n))).toBe('app.things')
    expect(regclassName(m, relationOid(100n))).toBe('parent')
    expect(regclassName(m, indexOid(100n, 1) as bigint)).toBe('parent_a_b_key')
    expect(regclassName(m, 12345n)).toBe('12345')
    expect(['int4', 'integer', 'pg_catalog.INT8', 'double  precision', 'text[]', 'character varying', 'nope'].map(regtypeIn)).toEqual(
      [23n, 23n, 20n, 701n, 1009n, 1043n, undefined],
    )
    expect([23n, 1043n, 1007n, 18n].map(regtypeOut)).toEqual(['integer', 'character varying', 'integer[]', '"char"'])
  })

  test('pg_size_pretty, quote_ident and quote_literal as PostgreSQL prints them', () => {
    const sizes = [0n, 10239n, 10240n, 1048576n, 10485760n, -10240n, 20971519n, 9223372036854775807n].map(sizePretty)
    expect(sizes).toEqual(['0 bytes', '10239 bytes', '10 kB', '1024 kB', '10 MB', '-10 kB', '20 MB', '8192 PB'])
    expect([quoteIdent('Foo'), quoteIdent('select'), quoteIdent('a_b1'), quoteIdent('1a')]).toEqual(['"Foo"', '"select"', 'a_b1', '"1a"'])
    expect(quoteLiteral("a\\b'c")).toBe("E'a\\\\b''c'")
  })

  test('expressions print as pg_get_expr does, or as written when the printer does not know the form', () => {
    expect(deparseDefault("nextval('t_id_seq'::regclass)", int8)).toBe("nextval('t_id_seq'::regclass)")
    expect(deparseDefault('-1.5', { kind: 'numeric' })).toBe("'-1.5'::numeric")
    expect(deparseDefault("'{\"b\":1,\"a\":2}'", { kind: 'jsonb' })).toBe('\'{"a": 2, "b": 1}\'::jsonb')
    expect(deparseDefault('CURRENT_TIMESTAMP(3)', { kind: 'timestamptz' })).toBe('CURRENT_TIMESTAMP(3)')
    expect(deparseDefault("x'1f'", int4)).toBe("x'1f'")
    expect(deparseCheck('a > 0 OR b IS NULL', new Map([['a', int4]]))).toBe('CHECK (((a > 0) OR (b IS NULL)))')
    expect(deparseCheck("s LIKE 'a%'", new Map([['s', text]]))).toBe("CHECK ((s ~~ 'a%'::text))")
  })
})

describe('model reuse', () => {
  test('a model is reused while the environment lists the same catalog, and rebuilt when it changes', () => {
    const tables = [PARENT, CHILD].map(tableFromDef)
    let sequences: SequenceDef[] = []
    const env: SystemEnv = { tables: () => tables, sequences: () => sequences.map((q) => ({ ...q })) }
    const first = buildModel(env)
    expect(buildModel(env)).toBe(first)
    sequences = [SEQUENCE]
    const second = buildModel(env)
    expect(second).not.toBe(first)
    expect(second.sequences.map((q) => q.name)).toEqual(['things_id_seq'])
    tables.push(tableFromDef(THINGS))
    expect(buildModel(env).tables.map((t) => t.name)).toEqual(['parent', 'child', 'things'])
    // Another environment (another statement) never shares a model.
    expect(buildModel({ ...env })).not.toBe(buildModel(env))
  })

  test("the system relations' own rows are built once and shared by every scan", () => {
    for (const name of ['pg_class', 'pg_attribute', 'pg_type']) {
      const rel = systemRelation('pg_catalog', name)
      const first = rel?.rows(ENV)[0]
      expect(first).toBeDefined()
      expect(rel?.rows({ tables: () => [] })[0]).toBe(first)
    }
    // After them, the user relations, computed at each scan.
    const classes = systemRelation('pg_catalog', 'pg_class')?.rows(ENV) ?? []
    expect(classes.findIndex((r) => r[0] === relationOid(100n))).toBe(classes.findIndex((r) => (r[0] as bigint) >= 16384n))
  })
})

describe('OIDs', () => {
  test('objects of different tables and kinds never share an OID', () => {
    const ranges = [2047, 2047, 1600, 1248, 1248]
    const kinds = [indexOid, keyConstraintOid, defaultOid, checkOid, foreignKeyOid]
    const oidOf = (t: bigint, k: number, n: number) => kinds[k]?.(t, n % (ranges[k] ?? 1))
    fc.assert(
      fc.property(
        fc.bigInt({ min: 100n, max: 1_000_000n }),
        fc.bigInt({ min: 100n, max: 1_000_000n }),
        fc.nat({ max: 4 }),
        fc.nat({ max: 4 }),
        fc.nat({ max: 5000 }),
        fc.nat({ max: 5000 }),
        (t1, t2, k1, k2, n1, n2) => {
          const a = oidOf(t1, k1, n1)
          const b = oidOf(t2, k2, n2)
          const sameObject = t1 === t2 && k1 === k2 && n1 % (ranges[k1] ?? 1) === n2 % (ranges[k2] ?? 1)
          expect(a !== undefined && b !== undefined).toBe(true)
          expect(a === b).toBe(sameObject)
          expect(objectOf(a as bigint)?.tableId).toBe(t1)
          expect(relationIdOf(a as bigint)).toBeUndefined()
          expect(relationIdOf(relationOid(t1))).toBe(t1)
        },
      ),
      { numRuns: 500 },
    )
  })

  test('numbers beyond a range have no OID rather than one that collides', () => {
    expect(indexOid(100n, 2047)).toBeUndefined()
    expect(checkOid(100n, 1248)).toBeUndefined()
    expect(defaultOid(100n, 1600)).toBeUndefined()
  })
})
