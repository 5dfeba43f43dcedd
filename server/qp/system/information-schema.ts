// The information_schema views (ARCHITECTURE.md "query processor": bind): the SQL standard's
// catalog as PostgreSQL 16 presents it, computed from the tables visible at the snapshot.
import type { ColumnDef } from '../catalog.ts'
import type { SqlType } from '../types/index.ts'
import { deparseDefault } from './deparse.ts'
import { checkExpression, dataTypeName, storedExpression } from './describe.ts'
import { DATABASE_NAME, OWNER_NAME } from './identity.ts'
import type { CatalogModel, ConstraintInfo, SchemaInfo, TableInfo } from './model.ts'
import { pgTypeName, typeSchema } from './oids.ts'
import { intervalRange } from './type-names.ts'
import { relation, T, type Row, type SystemRelation } from './relation.ts'
import { systemClasses, type SystemClass } from './system-classes.ts'

// information_schema's domains: sql_identifier (name), character_data, yes_or_no, cardinal_number.
const ID = T.name
const DATA = T.text
const YES_NO = T.text
const CARDINAL = T.int4

const yesNo = (b: boolean) => (b ? 'YES' : 'NO')
const CONSTRAINT_TYPES = { p: 'PRIMARY KEY', u: 'UNIQUE', c: 'CHECK', f: 'FOREIGN KEY' } as const

const schemata = relation(
  'information_schema',
  'schemata',
  [
    ['catalog_name', ID], ['schema_name', ID], ['schema_owner', ID], ['default_character_set_catalog', ID],
    ['default_character_set_schema', ID], ['default_character_set_name', ID], ['sql_path', DATA],
  ],
  (m) => m.schemas.map((s) => ({ catalog_name: DATABASE_NAME, schema_name: s.name, schema_owner: OWNER_NAME })),
)

const tables = relation(
  'information_schema',
  'tables',
  [
    ['table_catalog', ID], ['table_schema', ID], ['table_name', ID], ['table_type', DATA],
    ['self_referencing_column_name', ID], ['reference_generation', DATA], ['user_defined_type_catalog', ID],
    ['user_defined_type_schema', ID], ['user_defined_type_name', ID], ['is_insertable_into', YES_NO],
    ['is_typed', YES_NO], ['commit_action', DATA],
  ],
  (m) => [
    ...m.tables.map((t) => ({
      table_catalog: DATABASE_NAME, table_schema: t.schema.name, table_name: t.name, table_type: 'BASE TABLE',
      is_insertable_into: 'YES', is_typed: 'NO',
    })),
    ...m.views.map((v) => ({
      table_catalog: DATABASE_NAME, table_schema: v.schema.name, table_name: v.name, table_type: 'VIEW',
      is_insertable_into: 'NO', is_typed: 'NO',
    })),
  ],
  () =>
    systemClasses().map((c) => ({
      table_catalog: DATABASE_NAME, table_schema: c.schema.name, table_name: c.name,
      table_type: c.kind === 'r' ? 'BASE TABLE' : 'VIEW', is_insertable_into: c.kind === 'r' ? 'YES' : 'NO', is_typed: 'NO',
    })),
)

/** _pg_numeric_precision, _pg_numeric_precision_radix, _pg_numeric_scale. */
function numericFacts(type: SqlType): { precision: bigint | null; radix: bigint | null; scale: bigint | null } {
  switch (type.kind) {
    case 'int2':
      return { precision: 16n, radix: 2n, scale: 0n }
    case 'int4':
      return { precision: 32n, radix: 2n, scale: 0n }
    case 'int8':
      return { precision: 64n, radix: 2n, scale: 0n }
    case 'float4':
      return { precision: 24n, radix: 2n, scale: null }
    case 'float8':
      return { precision: 53n, radix: 2n, scale: null }
    case 'numeric':
      return type.precision === undefined
        ? { precision: null, radix: 10n, scale: null }
        : { precision: BigInt(type.precision), radix: 10n, scale: BigInt(type.scale ?? 0) }
    default:
      return { precision: null, radix: null, scale: null }
  }
}

/** _pg_datetime_precision: seconds digits of date/time types (date 0, the rest 6 by default). */
function datetimePrecision(type: SqlType): bigint | null {
  switch (type.kind) {
    case 'date':
      return 0n
    case 'timestamp':
    case 'timestamptz':
    case 'time':
      return BigInt(type.precision ?? 6)
    case 'interval':
      return BigInt(type.precision ?? 6)
    default:
      return null
  }
}

const TEXT_OCTETS_MAX = 1073741824n

function characterFacts(type: SqlType): { length: bigint | null; octets: bigint | null } {
  if (type.kind === 'varchar' || type.kind === 'bpchar') {
    if (type.length === undefined) return { length: null, octets: TEXT_OCTETS_MAX }
    return { length: BigInt(type.length), octets: BigInt(type.length * 4) }
  }
  if (type.kind === 'text') return { length: null, octets: TEXT_OCTETS_MAX }
  return { length: null, octets: null }
}

/** A row of information_schema.columns for a column of a table or view (`t`); `sequences` are the
 * catalog's, where an identity column's is found. */
function columnRow(
  sequences: CatalogModel['sequences'],
  t: TableInfo | { readonly schema: SchemaInfo; readonly name: string },
  def: ColumnDef,
  attnum: number,
  hasDefault: boolean,
): Row {
  const numeric = numericFacts(def.type)
  const chars = characterFacts(def.type)
  const seq = def.identity === undefined ? undefined : sequences.find((s) => s.def.name === def.sequence)
  return {
    table_catalog: DATABASE_NAME, table_schema: t.schema.name, table_name: t.name, column_name: def.name,
    ordinal_position: BigInt(attnum),
    column_default: hasDefault && def.identity === undefined && def.generated === undefined ? deparseDefault(def.default ?? 'NULL', def.type) : null,
    is_nullable: yesNo(!def.notNull), data_type: dataTypeName(def.type), character_maximum_length: chars.length,
    character_octet_length: chars.octets, numeric_precision: numeric.precision, numeric_precision_radix: numeric.radix,
    numeric_scale: numeric.scale, datetime_precision: datetimePrecision(def.type),
    interval_type: intervalRange(def.type)?.toUpperCase() ?? null, udt_catalog: DATABASE_NAME,
    udt_schema: typeSchema(def.type), udt_name: pgTypeName(def.type), dtd_identifier: String(attnum), is_self_referencing: 'NO',
    is_identity: yesNo(def.identity !== undefined),
    identity_generation: def.identity === undefined ? null : def.identity.toUpperCase(),
    identity_start: seq === undefined ? null : String(seq.start),
    identity_increment: seq === undefined ? null : String(seq.increment),
    identity_maximum: seq === undefined ? null : String(seq.max),
    identity_minimum: seq === undefined ? null : String(seq.min),
    identity_cycle: 'NO',
    is_generated: def.generated === undefined ? 'NEVER' : 'ALWAYS',
    generation_expression: def.generated === undefined || !('table' in t) ? null : storedExpression(t, def),
    is_updatable: 'YES',
  }
}

const columns = relation(
  'information_schema',
  'columns',
  [
    ['table_catalog', ID], ['table_schema', ID], ['table_name', ID], ['column_name', ID], ['ordinal_position', CARDINAL],
    ['column_default', DATA], ['is_nullable', YES_NO], ['data_type', DATA], ['character_maximum_length', CARDINAL],
    ['character_octet_length', CARDINAL], ['numeric_precision', CARDINAL], ['numeric_precision_radix', CARDINAL],
    ['numeric_scale', CARDINAL], ['datetime_precision', CARDINAL], ['interval_type', DATA], ['interval_precision', CARDINAL],
    ['character_set_catalog', ID], ['character_set_schema', ID], ['character_set_name', ID], ['collation_catalog', ID],
    ['collation_schema', ID], ['collation_name', ID], ['domain_catalog', ID], ['domain_schema', ID], ['domain_name', ID],
    ['udt_catalog', ID], ['udt_schema', ID], ['udt_name', ID], ['scope_catalog', ID], ['scope_schema', ID],
    ['scope_name', ID], ['maximum_cardinality', CARDINAL], ['dtd_identifier', ID], ['is_self_referencing', YES_NO],
    ['is_identity', YES_NO], ['identity_generation', DATA], ['identity_start', DATA], ['identity_increment', DATA],
    ['identity_maximum', DATA], ['identity_minimum', DATA], ['identity_cycle', YES_NO], ['is_generated', DATA],
    ['generation_expression', DATA], ['is_updatable', YES_NO],
  ],
  function* (m) {
    for (const t of m.tables) {
      for (const { def, attnum } of t.columns) {
        const hasDefault = m.hasDefault(t, attnum)
        if (def.dropped !== true) yield columnRow(m.sequences, t, def, attnum, hasDefault)
      }
    }
    for (const v of m.views) {
      for (const [i, name] of v.info.columns.entries()) {
        const type = v.info.types?.[i]
        if (type === undefined) continue
        const def: ColumnDef = { name, position: i, type, notNull: false, hidden: false }
        yield { ...columnRow(m.sequences, v, def, i + 1, false), is_updatable: 'NO' }
      }
    }
  },
  () => systemClasses().flatMap(systemColumnRows),
)

/** information_schema.columns of a system relation: ordinal_position is PostgreSQL's attnum. */
function systemColumnRows(c: SystemClass): Row[] {
  return c.columns.map(({ name, type, attnum }) => {
    const def: ColumnDef = { name, position: attnum - 1, type, notNull: false, hidden: false }
    return { ...columnRow([], c, def, attnum, false), is_updatable: c.kind === 'r' ? 'YES' : 'NO' }
  })
}

/** PostgreSQL 16 lists each NOT NULL column as a CHECK constraint named after OIDs. */
function* notNullChecks(t: TableInfo): Iterable<{ name: string; column: string }> {
  for (const { def, attnum } of t.columns) {
    if (def.notNull && def.dropped !== true) yield { name: `${t.schema.oid}_${t.oid}_${attnum}_not_null`, column: def.name }
  }
}

const constraintHead = (c: { name: string }, t: TableInfo) => ({
  constraint_catalog: DATABASE_NAME, constraint_schema: t.schema.name, constraint_name: c.name,
})

const tableConstraints = relation(
  'information_schema',
  'table_constraints',
  [
    ['constraint_catalog', ID], ['constraint_schema', ID], ['constraint_name', ID], ['table_catalog', ID],
    ['table_schema', ID], ['table_name', ID], ['constraint_type', DATA], ['is_deferrable', YES_NO],
    ['initially_deferred', YES_NO], ['enforced', YES_NO], ['nulls_distinct', YES_NO],
  ],
  function* (m) {
    for (const t of m.tables) {
      const table = { table_catalog: DATABASE_NAME, table_schema: t.schema.name, table_name: t.name }
      const flags = { is_deferrable: 'NO', initially_deferred: 'NO', enforced: 'YES' }
      for (const c of t.constraints) {
        const nullsDistinct = c.type === 'u' ? 'YES' : null
        yield { ...constraintHead(c, t), ...table, constraint_type: CONSTRAINT_TYPES[c.type], ...flags, nulls_distinct: nullsDistinct }
      }
      for (const n of notNullChecks(t)) yield { ...constraintHead(n, t), ...table, constraint_type: 'CHECK', ...flags }
    }
  },
)

/** For a foreign key, the referenced key constraint (unique_constraint_* and positions). */
function referencedKey(m: CatalogModel, c: ConstraintInfo): ConstraintInfo | undefined {
  return m.constraints.find((k) => (k.type === 'p' || k.type === 'u') && k.index === c.index && k.table === c.ref?.table)
}

const keyColumnUsage = relation(
  'information_schema',
  'key_column_usage',
  [
    ['constraint_catalog', ID], ['constraint_schema', ID], ['constraint_name', ID], ['table_catalog', ID],
    ['table_schema', ID], ['table_name', ID], ['column_name', ID], ['ordinal_position', CARDINAL],
    ['position_in_unique_constraint', CARDINAL],
  ],
  function* (m) {
    for (const c of m.constraints) {
      if (c.type === 'c') continue
      const key = c.type === 'f' ? referencedKey(m, c) : undefined
      for (const [i, attnum] of c.attnums.entries()) {
        const refAttnum = c.ref?.attnums[i]
        const position = key === undefined || refAttnum === undefined ? null : BigInt(key.attnums.indexOf(refAttnum) + 1)
        yield {
          ...constraintHead(c, c.table), table_catalog: DATABASE_NAME, table_schema: c.table.schema.name,
          table_name: c.table.name, column_name: c.table.columns[attnum - 1]?.def.name ?? null,
          ordinal_position: BigInt(i + 1), position_in_unique_constraint: position,
        }
      }
    }
  },
)

const constraintColumnUsage = relation(
  'information_schema',
  'constraint_column_usage',
  [
    ['table_catalog', ID], ['table_schema', ID], ['table_name', ID], ['column_name', ID], ['constraint_catalog', ID],
    ['constraint_schema', ID], ['constraint_name', ID],
  ],
  function* (m) {
    for (const c of m.constraints) {
      // A foreign key uses the referenced columns; other constraints their own table's.
      const t = c.ref?.table ?? c.table
      for (const attnum of c.ref?.attnums ?? c.attnums) {
        yield {
          table_catalog: DATABASE_NAME, table_schema: t.schema.name, table_name: t.name,
          column_name: t.columns[attnum - 1]?.def.name ?? null, ...constraintHead(c, c.table),
        }
      }
    }
  },
)

const checkConstraints = relation(
  'information_schema',
  'check_constraints',
  [['constraint_catalog', ID], ['constraint_schema', ID], ['constraint_name', ID], ['check_clause', DATA]],
  function* (m) {
    for (const t of m.tables) {
      for (const c of t.constraints) if (c.type === 'c') yield { ...constraintHead(c, t), check_clause: checkExpression(c) }
      for (const n of notNullChecks(t)) yield { ...constraintHead(n, t), check_clause: `${n.column} IS NOT NULL` }
    }
  },
)

const referentialConstraints = relation(
  'information_schema',
  'referential_constraints',
  [
    ['constraint_catalog', ID], ['constraint_schema', ID], ['constraint_name', ID], ['unique_constraint_catalog', ID],
    ['unique_constraint_schema', ID], ['unique_constraint_name', ID], ['match_option', DATA], ['update_rule', DATA],
    ['delete_rule', DATA],
  ],
  (m) =>
    m.constraints
      .filter((c) => c.type === 'f')
      .map((c) => {
        const key = referencedKey(m, c)
        return {
          ...constraintHead(c, c.table), unique_constraint_catalog: DATABASE_NAME,
          unique_constraint_schema: key?.table.schema.name ?? null, unique_constraint_name: key?.name ?? null,
          match_option: 'NONE', update_rule: (c.ref?.onUpdate ?? 'no action').toUpperCase(),
          delete_rule: (c.ref?.onDelete ?? 'no action').toUpperCase(),
        }
      }),
)

const sequences = relation(
  'information_schema',
  'sequences',
  [
    ['sequence_catalog', ID], ['sequence_schema', ID], ['sequence_name', ID], ['data_type', DATA],
    ['numeric_precision', CARDINAL], ['numeric_precision_radix', CARDINAL], ['numeric_scale', CARDINAL],
    ['start_value', DATA], ['minimum_value', DATA], ['maximum_value', DATA], ['increment', DATA], ['cycle_option', YES_NO],
  ],
  (m) =>
    m.sequences.map((s) => {
      const type: SqlType = { kind: s.def.type }
      const numeric = numericFacts(type)
      return {
        sequence_catalog: DATABASE_NAME, sequence_schema: s.schema.name, sequence_name: s.name, data_type: dataTypeName(type),
        numeric_precision: numeric.precision, numeric_precision_radix: numeric.radix, numeric_scale: numeric.scale,
        start_value: String(s.start), minimum_value: String(s.min), maximum_value: String(s.max),
        increment: String(s.increment), cycle_option: 'NO',
      }
    }),
)

function viewRow(schema: SchemaInfo, name: string, definition: string | null): Row {
  return {
    table_catalog: DATABASE_NAME, table_schema: schema.name, table_name: name, view_definition: definition,
    check_option: 'NONE', is_updatable: 'NO', is_insertable_into: 'NO', is_trigger_updatable: 'NO',
    is_trigger_deletable: 'NO', is_trigger_insertable_into: 'NO',
  }
}

const views = relation(
  'information_schema',
  'views',
  [
    ['table_catalog', ID], ['table_schema', ID], ['table_name', ID], ['view_definition', DATA], ['check_option', DATA],
    ['is_updatable', YES_NO], ['is_insertable_into', YES_NO], ['is_trigger_updatable', YES_NO],
    ['is_trigger_deletable', YES_NO], ['is_trigger_insertable_into', YES_NO],
  ],
  (m) => m.views.map((v) => viewRow(v.schema, v.name, v.info.sql)),
  // A system view is computed, not defined by a query: no definition.
  () => systemClasses().filter((c) => c.kind === 'v').map((c) => viewRow(c.schema, c.name, null)),
)

/** Every information_schema relation. */
export const INFORMATION_SCHEMA: readonly SystemRelation[] = [
  schemata, tables, columns, tableConstraints, keyColumnUsage, constraintColumnUsage, checkConstraints,
  referentialConstraints, sequences, views,
]
