// The catalog as the system relations see it (ARCHITECTURE.md "query processor": bind): the visible
// tables flattened into PostgreSQL's objects (schemas, relations, indexes, constraints) with OIDs.
import type { ColumnDef, IndexDef, Table } from '../catalog.ts'
import type { EnumDef } from '../enums.ts'
import type { IndexJob } from '../index-jobs.ts'
import type { SequenceDef, SequencePosition } from '../sequences.ts'
import type { SqlType } from '../types/index.ts'
import { referencedColumns } from './deparse.ts'
import {
  checkOid,
  defaultOid,
  FIRST_USER_OID,
  foreignKeyOid,
  indexOid,
  INFORMATION_SCHEMA_OID,
  keyConstraintOid,
  PG_CATALOG_OID,
  PUBLIC_OID,
  relationOid,
} from './oids.ts'

/** What a system relation's rows are computed from (implemented by the transaction). */
export interface SystemEnv {
  /** Every user table visible at the snapshot plus the transaction's own writes. */
  tables(): readonly Table[]
  /** Schemas created with CREATE SCHEMA (public and the system schemas are implied). */
  schemas?(): readonly string[]
  /** Sequences visible at the snapshot. */
  sequences?(): readonly SequenceDef[]
  /** Where sequence `name` stands (TxServices.sequencePosition); 42P01 when there is none. */
  sequencePosition?(name: string): SequencePosition
  /** Views visible at the snapshot; `types` (the bound query's output types) when known. */
  views?(): readonly ViewInfo[]
  /** Enum types visible at the snapshot, in name order. */
  enums?(): readonly EnumDef[]
  /** The transaction's settings as SHOW ALL lists them: name, setting, description. */
  settings?(): readonly (readonly string[])[]
  /** The CREATE INDEX ASYNC jobs visible at the snapshot (sys.jobs). */
  jobs?(): readonly IndexJob[]
}

/** A view as the catalog shows it (a ViewDef, plus its column types when the caller bound it). */
export interface ViewInfo {
  /** The catalog name (`schema.name` outside public). */
  readonly name: string
  readonly sql: string
  readonly columns: readonly string[]
  readonly types?: readonly SqlType[] | undefined
  /** COMMENT ON VIEW's text and COMMENT ON COLUMN's by column position. */
  readonly comment?: string | undefined
  readonly columnComments?: readonly (string | null)[] | undefined
}

export interface SchemaInfo {
  readonly oid: bigint
  readonly name: string
  readonly system: boolean
}

export interface TableInfo {
  readonly table: Table
  readonly oid: bigint
  readonly schema: SchemaInfo
  readonly name: string
  /** The visible columns; `attnum` is the 1-based place among them. */
  readonly columns: readonly { readonly def: ColumnDef; readonly attnum: number }[]
  readonly indexes: readonly IndexInfo[]
  readonly constraints: readonly ConstraintInfo[]
}

export interface IndexInfo {
  readonly oid: bigint
  readonly name: string
  readonly table: TableInfo
  /** attnums of the key columns; 0 for an expression (pg_index.indkey). */
  readonly attnums: readonly number[]
  /** Per key element: an expression's source text, null for a column (IndexDef.exprs). */
  readonly exprs?: readonly (string | null)[] | undefined
  /** A partial index's predicate's source text. */
  readonly predicate?: string | undefined
  readonly unique: boolean
  readonly primary: boolean
  /** The constraint this index backs (PRIMARY KEY, UNIQUE). */
  readonly constraint: bigint | undefined
  /** False while CREATE INDEX ASYNC builds it: writes maintain it, no read uses it yet
   * (pg_index.indisvalid false, as PostgreSQL shows an index CREATE INDEX CONCURRENTLY builds). */
  readonly valid: boolean
}

export interface ConstraintInfo {
  readonly oid: bigint
  readonly name: string
  readonly table: TableInfo
  /** PostgreSQL's contype: p primary key, u unique, c check, f foreign key. */
  readonly type: 'p' | 'u' | 'c' | 'f'
  readonly attnums: readonly number[]
  /** The index that enforces it (p, u) or that the foreign key references (f), else 0. */
  readonly index: bigint
  /** CHECK: the expression's source text. */
  readonly expr?: string
  /** A CHECK or FOREIGN KEY added NOT VALID and not validated since (pg_constraint.convalidated). */
  readonly notValid?: boolean
  /** FOREIGN KEY: the referenced table and its attnums, and the actions. */
  readonly ref?: {
    readonly table: TableInfo
    readonly attnums: readonly number[]
    readonly onDelete: string
    readonly onUpdate: string
  }
}

export interface SequenceModel {
  readonly oid: bigint
  readonly schema: SchemaInfo
  readonly name: string
  readonly def: SequenceDef
  readonly start: bigint
  readonly increment: bigint
  readonly min: bigint
  readonly max: bigint
}

export interface EnumModel {
  readonly oid: bigint
  readonly schema: SchemaInfo
  /** The name within its schema. */
  readonly name: string
  readonly def: EnumDef
}

export interface ViewModel {
  readonly oid: bigint
  readonly schema: SchemaInfo
  readonly name: string
  readonly info: ViewInfo
}

/** The whole catalog at one snapshot. */
export interface CatalogModel {
  readonly schemas: readonly SchemaInfo[]
  readonly tables: readonly TableInfo[]
  readonly indexes: readonly IndexInfo[]
  readonly constraints: readonly ConstraintInfo[]
  readonly sequences: readonly SequenceModel[]
  readonly views: readonly ViewModel[]
  readonly enums: readonly EnumModel[]
  /** Defaults with their pg_attrdef OID. */
  readonly defaults: readonly { readonly oid: bigint; readonly table: TableInfo; readonly attnum: number; readonly def: ColumnDef }[]
  /** Whether column `attnum` of the table has a stored default (pg_attribute.atthasdef). */
  hasDefault(table: TableInfo, attnum: number): boolean
}

/** The schemas every database has, with PostgreSQL's OIDs (information_schema's is Tessera's). */
export const SYSTEM_SCHEMAS: readonly SchemaInfo[] = [
  { oid: PG_CATALOG_OID, name: 'pg_catalog', system: true },
  { oid: PUBLIC_OID, name: 'public', system: false },
  { oid: INFORMATION_SCHEMA_OID, name: 'information_schema', system: true },
]

/**
 * The OID of a user schema. Schemas are stored by name only, so the OID is a hash of the name into
 * the blocks of table ids 0-99, which no user table has: no collision with any relation, and two
 * schemas collide with probability about n^2 / 1.6 million.
 */
export function schemaOid(name: string): bigint {
  const fixed = SYSTEM_SCHEMAS.find((s) => s.name === name)
  if (fixed !== undefined) return fixed.oid
  let h = 0x811c9dc5
  for (const ch of name) {
    h ^= ch.codePointAt(0) ?? 0
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return FIRST_USER_OID + 1n + BigInt(h % 819_199)
}

/** Splits a catalog name (`schema.name` outside public) into schema and name. */
export function splitName(catalogName: string): { readonly schema: string; readonly name: string } {
  const dot = catalogName.indexOf('.')
  return dot < 0 ? { schema: 'public', name: catalogName } : { schema: catalogName.slice(0, dot), name: catalogName.slice(dot + 1) }
}

/** Flattens the visible catalog. */
export function buildModel(env: SystemEnv): CatalogModel {
  const input = readInput(env)
  const hit = models.get(env)
  if (hit !== undefined && sameInput(hit.input, input)) return hit.model
  const model = modelOf(input)
  models.set(env, { input, model })
  return model
}

/** What a model is built from, read once per use. */
interface ModelInput {
  readonly tables: readonly Table[]
  readonly schemas: readonly string[]
  readonly sequences: readonly SequenceDef[]
  readonly views: readonly ViewInfo[]
  readonly enums: readonly EnumDef[]
  /** Schemas, sequences, views and enums as JSON: they decode to new objects on every read. */
  readonly rest: string
}

/**
 * The last model built per environment: catalog functions run once per row, and a model is a
 * walk over every table. Reused only while the environment lists the same table objects (the
 * table cache decodes equal bytes to the same object) and equal schemas, sequences and views.
 */
const models = new WeakMap<SystemEnv, { readonly input: ModelInput; readonly model: CatalogModel }>()

function readInput(env: SystemEnv): ModelInput {
  const schemas = env.schemas?.() ?? []
  const sequences = env.sequences?.() ?? []
  const views = env.views?.() ?? []
  const enums = env.enums?.() ?? []
  return { tables: [...env.tables()], schemas, sequences, views, enums, rest: JSON.stringify([schemas, sequences, views, enums]) }
}

function sameInput(a: ModelInput, b: ModelInput): boolean {
  return a.tables.length === b.tables.length && a.tables.every((t, i) => t === b.tables[i]) && a.rest === b.rest
}

function modelOf(input: ModelInput): CatalogModel {
  const schemas = new Map<string, SchemaInfo>(SYSTEM_SCHEMAS.map((s) => [s.name, s]))
  const schemaNamed = (name: string): SchemaInfo => {
    let s = schemas.get(name)
    if (s === undefined) schemas.set(name, (s = { oid: schemaOid(name), name, system: false }))
    return s
  }
  for (const name of input.schemas) schemaNamed(name)
  const tables = [...input.tables].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((t) => tableInfo(t, schemaNamed))
  const byName = new Map(tables.map((t) => [t.table.name, t]))
  const indexes: IndexInfo[] = []
  const constraints: ConstraintInfo[] = []
  const defaults: CatalogModel['defaults'][number][] = []
  for (const t of tables) {
    const { indexes: ix, constraints: cs } = keysOf(t, byName)
    ;(t.indexes as IndexInfo[]).push(...ix)
    ;(t.constraints as ConstraintInfo[]).push(...cs)
    indexes.push(...ix)
    constraints.push(...cs)
    for (const c of t.columns) {
      const oid = defaultOid(t.table.id, c.def.position)
      // A generation expression is stored as a default in PostgreSQL (pg_attrdef, atthasdef).
      const stored = c.def.generated !== undefined || (c.def.default !== undefined && !isNullDefault(c.def.default))
      if (!stored || oid === undefined) continue
      defaults.push({ oid, table: t, attnum: c.attnum, def: c.def })
    }
  }
  const sequences = input.sequences.map((def) => {
    const { schema, name } = splitName(def.name)
    const [start, increment, min, max] = [def.start, def.increment, def.min, def.max].map(BigInt) as [bigint, bigint, bigint, bigint]
    return { oid: relationOid(BigInt(def.id)), schema: schemaNamed(schema), name, def, start, increment, min, max }
  })
  const views = input.views.map((info) => {
    const { schema, name } = splitName(info.name)
    return { oid: viewOid(info.name), schema: schemaNamed(schema), name, info }
  })
  const enums = input.enums.map((def) => {
    const { schema, name } = splitName(def.name)
    return { oid: BigInt(def.oid), schema: schemaNamed(schema), name, def }
  })
  const withDefault = new Set(defaults.map((d) => `${d.table.oid}:${d.attnum}`))
  const hasDefault = (t: TableInfo, attnum: number) => withDefault.has(`${t.oid}:${attnum}`)
  return { schemas: [...schemas.values()], tables, indexes, constraints, sequences, views, enums, defaults, hasDefault }
}

/** PostgreSQL stores no default for `DEFAULT NULL`. */
export function isNullDefault(text: string): boolean {
  return /^\(*\s*null\s*\)*$/i.test(text)
}

/** Views are stored by name only: their OID hashes the name like a schema's (see schemaOid). */
export function viewOid(catalogName: string): bigint {
  return schemaOid(`view ${catalogName}`)
}

function tableInfo(table: Table, schemaNamed: (name: string) => SchemaInfo): TableInfo {
  const { schema, name } = splitName(table.name)
  let attnum = 0
  const columns = table.columns.filter((c) => !c.hidden || c.dropped === true).map((def) => ({ def, attnum: ++attnum }))
  return { table, oid: relationOid(table.id), schema: schemaNamed(schema), name, columns, indexes: [], constraints: [] }
}

/** Indexes and constraints of a table, in PostgreSQL's order (primary key, unique, check, fk). */
function keysOf(t: TableInfo, byName: ReadonlyMap<string, TableInfo>): { indexes: IndexInfo[]; constraints: ConstraintInfo[] } {
  const def = t.table.def
  const attnumOf = (position: number) => t.columns.find((c) => c.def.position === position)?.attnum ?? 0
  const indexes: IndexInfo[] = []
  const constraints: ConstraintInfo[] = []
  const declaredKey = def.primaryKey.every((p) => def.columns[p]?.hidden !== true)
  if (declaredKey) {
    const oid = indexOid(t.table.id, 0) as bigint
    const constraint = keyConstraintOid(t.table.id, 0) as bigint
    const attnums = def.primaryKey.map(attnumOf)
    indexes.push({ oid, name: def.primaryKeyName, table: t, attnums, unique: true, primary: true, constraint, valid: true })
    constraints.push({ oid: constraint, name: def.primaryKeyName, table: t, type: 'p', attnums, index: oid })
  }
  // PostgreSQL creates no index for a foreign key; Tessera does, to find referencing rows. Tools
  // that compare their schema with the catalog would try to drop it, so the catalog hides it.
  const foreignKeyIndexes = new Set((def.foreignKeys ?? []).filter((fk) => fk.ownsIndex === true).map((fk) => fk.index))
  for (const ix of def.indexes) {
    const oid = indexOid(t.table.id, ix.id)
    if (oid === undefined || foreignKeyIndexes.has(ix.id)) continue
    const constraint = ix.constraint ? keyConstraintOid(t.table.id, ix.id) : undefined
    const attnums = ix.columns.map(attnumOf)
    indexes.push({ oid, name: ix.name, table: t, attnums, ...expressionsOf(ix), unique: ix.unique, primary: false, constraint, valid: true })
    if (constraint !== undefined) constraints.push({ oid: constraint, name: ix.name, table: t, type: 'u', attnums, index: oid })
  }
  // Indexes CREATE INDEX ASYNC is still building hold their names: listed, not valid yet.
  for (const ix of def.buildingIndexes ?? []) {
    const oid = indexOid(t.table.id, ix.id)
    if (oid === undefined) continue
    indexes.push({ oid, name: ix.name, table: t, attnums: ix.columns.map(attnumOf), ...expressionsOf(ix), unique: ix.unique, primary: false, constraint: undefined, valid: false })
  }
  def.checks.forEach((c, k) => {
    const oid = checkOid(t.table.id, k)
    if (oid === undefined) return
    constraints.push({ oid, name: c.name, table: t, type: 'c', attnums: checkAttnums(c.expr, t), index: 0n, expr: c.expr, notValid: c.notValid === true })
  })
  ;(def.foreignKeys ?? []).forEach((fk, k) => {
    const oid = foreignKeyOid(t.table.id, k)
    const ref = byName.get(fk.refTable)
    if (oid === undefined || ref === undefined) return
    const refAttnum = (p: number) => ref.columns.find((c) => c.def.position === p)?.attnum ?? 0
    const refIndex = fk.refIndex === 'primary' ? indexOid(ref.table.id, 0) : indexOid(ref.table.id, fk.refIndex)
    constraints.push({
      oid,
      name: fk.name,
      table: t,
      type: 'f',
      attnums: fk.columns.map(attnumOf),
      index: refIndex ?? 0n,
      ref: { table: ref, attnums: fk.refColumns.map(refAttnum), onDelete: fk.onDelete, onUpdate: fk.onUpdate },
      notValid: fk.notValid === true,
    })
  })
  return { indexes, constraints }
}

/** An index's expressions and predicate, where it has them. */
function expressionsOf(ix: IndexDef): Pick<IndexInfo, 'exprs' | 'predicate'> {
  return { exprs: ix.exprs, predicate: ix.where }
}

/** The columns a CHECK names (pg_constraint.conkey), in order of first appearance as PostgreSQL
 * lists them. */
function checkAttnums(expr: string, t: TableInfo): number[] {
  const out: number[] = []
  for (const name of referencedColumns(expr)) {
    const column = t.columns.find((c) => c.def.dropped !== true && c.def.name === name)
    if (column !== undefined) out.push(column.attnum)
  }
  return out
}
