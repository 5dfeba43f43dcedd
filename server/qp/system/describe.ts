// Definitions as PostgreSQL's catalog functions print them (ARCHITECTURE.md "query processor":
// bind): format_type, pg_get_indexdef, pg_get_constraintdef and information_schema's type names.
import type { ColumnDef } from '../catalog.ts'
import type { SqlType } from '../types/index.ts'
import { deparseCheck, deparseDefault, deparseExpression, indexElementText, quoteIdent } from './deparse.ts'
import type { ConstraintInfo, IndexInfo, TableInfo } from './model.ts'
import { builtinType, pgTypeName, systemRelationOfType } from './oids.ts'
import { formatSqlType } from './type-names.ts'

/** The Tessera type of a pg_type OID and typmod, when Tessera has it. */
export function sqlTypeOf(oid: number, typmod: number): SqlType | undefined {
  const t = builtinType(oid)
  if (t === undefined) return undefined
  if (t.category === 'A' && t.element !== 0 && t.name.startsWith('_')) {
    const element = sqlTypeOf(t.element, typmod)
    return element === undefined ? undefined : { kind: 'array', element }
  }
  const mod = typmod >= 0 ? typmod : undefined
  switch (t.name) {
    case 'bool':
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
    case 'float4':
    case 'float8':
    case 'text':
    case 'date':
    case 'uuid':
    case 'jsonb':
    case 'jsonpath':
    case 'bytea':
      return { kind: t.name }
    case 'varchar':
    case 'bpchar':
      return mod === undefined ? { kind: t.name } : { kind: t.name, length: mod - 4 }
    case 'numeric':
      return mod === undefined ? { kind: 'numeric' } : { kind: 'numeric', precision: (mod - 4) >> 16, scale: ((mod - 4) << 16) >> 16 }
    case 'timestamp':
    case 'timestamptz':
    case 'time':
      return mod === undefined ? { kind: t.name } : { kind: t.name, precision: mod }
    case 'interval':
      if (mod === undefined) return { kind: 'interval' }
      return {
        kind: 'interval',
        ...((mod >>> 16) === 0x7fff ? {} : { fields: mod >>> 16 }),
        ...((mod & 0xffff) === 0xffff ? {} : { precision: mod & 0xffff }),
      }
    default:
      return undefined
  }
}

// format_type's names of the built-in types Tessera does not implement.
const OTHER_NAMES: Readonly<Record<string, string>> = {
  char: '"char"',
  timetz: 'time with time zone',
}

/** format_type(oid, typmod); NULL typmod is -1. */
export function formatTypeOid(oid: number, typmod: number): string {
  // A dropped column's type is 0, which format_type prints as '-'.
  if (oid === 0) return '-'
  const type = sqlTypeOf(oid, typmod)
  if (type !== undefined) return formatSqlType(type)
  const t = builtinType(oid)
  if (t === undefined) return rowTypeName(oid) ?? '???'
  if (t.name.startsWith('_') && t.element !== 0) return `${formatTypeOid(t.element, typmod)}[]`
  return OTHER_NAMES[t.name] ?? t.name
}

/** A system relation's row type (or the array of it) as format_type names it: qualified outside
 * pg_catalog, which is on the search path. */
function rowTypeName(oid: number): string | undefined {
  const r = systemRelationOfType(BigInt(oid))
  if (r === undefined) return undefined
  const name = r.schema === 'pg_catalog' ? quoteIdent(r.name) : `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`
  return BigInt(oid) === r.arrayType ? `${name}[]` : name
}

// information_schema.columns.data_type by pg_type name (the SQL standard's spelling).
const DATA_TYPES: Readonly<Record<string, string>> = {
  bool: 'boolean',
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  numeric: 'numeric',
  text: 'text',
  varchar: 'character varying',
  bpchar: 'character',
  date: 'date',
  time: 'time without time zone',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  interval: 'interval',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'jsonb',
  jsonpath: 'jsonpath',
  bytea: 'bytea',
  name: 'name',
  oid: 'oid',
}

/** information_schema's data_type: 'integer', 'character varying', 'ARRAY', 'USER-DEFINED'. */
export function dataTypeName(type: SqlType): string {
  if (type.kind === 'array') return 'ARRAY'
  return DATA_TYPES[pgTypeName(type)] ?? 'USER-DEFINED'
}

/** A relation name as PostgreSQL prints it: schema-qualified outside public (the search path). */
export function relationName(t: { readonly schema: { readonly name: string }; readonly name: string }, qualifyPublic: boolean): string {
  const name = quoteIdent(t.name)
  return t.schema.name === 'public' && !qualifyPublic ? name : `${quoteIdent(t.schema.name)}.${name}`
}

function columnNames(t: TableInfo, attnums: readonly number[]): string {
  return attnums.map((n) => quoteIdent(t.columns[n - 1]?.def.name ?? '?')).join(', ')
}

/** pg_get_indexdef(oid): `CREATE UNIQUE INDEX t_a_key ON public.t USING btree (a)`, an
 * expression element as `lower(b)` or `((a + 1))`, a partial index's `WHERE (b IS NULL)`. */
export function indexDef(ix: IndexInfo): string {
  const unique = ix.unique ? 'UNIQUE ' : ''
  const on = relationName(ix.table, true)
  const types = columnTypes(ix.table)
  const keys = ix.attnums.map((n, i) => {
    const text = ix.exprs?.[i] ?? null
    return text === null ? columnNames(ix.table, [n]) : indexElementText(text, types)
  })
  const where = ix.predicate === undefined ? '' : ` WHERE ${deparseExpression(ix.predicate, types)}`
  return `CREATE ${unique}INDEX ${quoteIdent(ix.name)} ON ${on} USING btree (${keys.join(', ')})${where}`
}

/** pg_index.indexprs as pg_get_expr prints it: the expression elements, in order, comma
 * separated; NULL when every element is a column. */
export function indexExpressions(ix: IndexInfo): string | null {
  const texts = (ix.exprs ?? []).filter((t) => t !== null)
  if (texts.length === 0) return null
  const types = columnTypes(ix.table)
  return texts.map((t) => deparseExpression(t, types)).join(', ')
}

/** pg_index.indpred as pg_get_expr prints it; NULL for an index of every row. */
export function indexPredicate(ix: IndexInfo): string | null {
  return ix.predicate === undefined ? null : deparseExpression(ix.predicate, columnTypes(ix.table))
}

/** pg_get_indexdef(oid, n): the n-th key element, an expression printed bare. */
export function indexColumnDef(ix: IndexInfo, n: number): string {
  const text = ix.exprs?.[n - 1] ?? null
  if (text !== null) return deparseExpression(text, columnTypes(ix.table))
  const attnum = ix.attnums[n - 1]
  return attnum === undefined ? '' : quoteIdent(ix.table.columns[attnum - 1]?.def.name ?? '')
}

function columnTypes(t: TableInfo): ReadonlyMap<string, SqlType> {
  return new Map(t.columns.filter((c) => c.def.dropped !== true).map((c) => [c.def.name, c.def.type]))
}

/** pg_get_constraintdef(oid, pretty). */
export function constraintDef(c: ConstraintInfo, pretty = false): string {
  return c.notValid === true ? `${constraintBody(c, pretty)} NOT VALID` : constraintBody(c, pretty)
}

function constraintBody(c: ConstraintInfo, pretty: boolean): string {
  switch (c.type) {
    case 'p':
      return `PRIMARY KEY (${columnNames(c.table, c.attnums)})`
    case 'u':
      return `UNIQUE (${columnNames(c.table, c.attnums)})`
    case 'c':
      return deparseCheck(c.expr ?? 'true', new Map(c.table.columns.map((col) => [col.def.name, col.def.type])), pretty)
    case 'f': {
      const ref = c.ref
      if (ref === undefined) return ''
      const actions = [
        ref.onUpdate === 'no action' ? '' : ` ON UPDATE ${ref.onUpdate.toUpperCase()}`,
        ref.onDelete === 'no action' ? '' : ` ON DELETE ${ref.onDelete.toUpperCase()}`,
      ].join('')
      const target = `${relationName(ref.table, false)}(${columnNames(ref.table, ref.attnums)})`
      return `FOREIGN KEY (${columnNames(c.table, c.attnums)}) REFERENCES ${target}${actions}`
    }
  }
}

/** A CHECK's expression as pg_get_expr(conbin) prints it: pg_get_constraintdef without `CHECK (...)`. */
export function checkExpression(c: ConstraintInfo): string {
  return constraintBody(c, false).replace(/^CHECK \((.*)\)$/s, '$1')
}

/** What pg_attrdef.adbin holds for a column of `table`: its generation expression (printed over
 * the table's column types) or its default. */
export function storedExpression(table: TableInfo, def: ColumnDef): string {
  if (def.generated === undefined) return deparseDefault(def.default ?? 'NULL', def.type)
  return deparseExpression(def.generated, new Map(table.columns.map((c) => [c.def.name, c.def.type])))
}

/** PostgreSQL's one-letter action code (pg_constraint.confupdtype / confdeltype). */
export function actionCode(action: string): string {
  switch (action) {
    case 'restrict':
      return 'r'
    case 'cascade':
      return 'c'
    case 'set null':
      return 'n'
    case 'set default':
      return 'd'
    default:
      return 'a'
  }
}
