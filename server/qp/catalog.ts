// The system catalog (ARCHITECTURE.md "Keys and rows"): table definitions live in the same key
// space as rows (table 1), read at the transaction's snapshot plus its write buffer, so DDL is
// transactional and conflicts on a schema key abort with OC001.
import type { HlcTimestamp } from '../clock/index.ts'
import { decodeKey, encodeKey, prefixEnd, type Key } from '../encoding/index.ts'
import { assert, SqlError } from '../errors/index.ts'
import { GARBAGE_TABLE_ID, type StorageReader } from '../storage/index.ts'
import type { SqlType } from './types/index.ts'
import { TABLE_CACHE_ENTRIES } from './constants.ts'

/** The catalog's table id; user tables start at FIRST_USER_TABLE_ID. */
export const CATALOG_TABLE_ID = 1n
export const FIRST_USER_TABLE_ID = 100n
const TABLES_INDEX = 0n
const INDEX_NAMES_INDEX = 1n
const TABLE_ID_COUNTER_INDEX = 2n
const SEQUENCES_INDEX = 3n
const SCHEMAS_INDEX = 4n
/** Blocks of sequence values taken by query processors (see sequences.ts); not catalog keys, so
 * taking a block never invalidates cached definitions. */
export const SEQUENCE_BLOCKS_TABLE_ID = 2n
/** pg_advisory_xact_lock keys (checked and recorded at commit, never stored). */
export const ADVISORY_LOCKS_TABLE_ID = 3n
/** Foreign key guards (see foreign-keys.ts), checked and recorded at commit, never stored. */
export const FOREIGN_KEY_GUARDS_TABLE_ID = 4n
/** CREATE INDEX ASYNC jobs, by job id (index-jobs.ts). */
export const INDEX_JOBS_TABLE_ID = 5n
/** Names taken by relations and types (relationNameClaim), checked and recorded at commit, never
 * stored. Table 6 is the garbage table (below). */
export const RELATION_NAME_CLAIMS_TABLE_ID = 7n
/** Table 6 holds garbage entries: key ranges a commit made unreachable (dropped and truncated
 * tables, dropped indexes, dropped sequences' blocks), written with it (garbage-writes.ts) and
 * deleted by storage's gc, entry last, once no reader can be older. Storage owns the id. */
export { GARBAGE_TABLE_ID }
/** The primary index of every table. */
export const PRIMARY_INDEX_ID = 0n

/** A column as stored in the catalog. `default` is SQL source text, bound again on use. */
export interface ColumnDef {
  readonly name: string
  readonly position: number
  readonly type: SqlType
  readonly notNull: boolean
  readonly default?: string | undefined
  /** The row id of a table without a primary key, or a dropped column: never visible to `*` nor
   * by name. */
  readonly hidden: boolean
  /** A dropped column keeps its slot (rows are encoded by position) under a name no one can
   * write (PostgreSQL's `........pg.dropped.N........`); it always reads as NULL. */
  readonly dropped?: boolean | undefined
  /** The sequence whose nextval fills the column when no value is given (serial, identity). */
  readonly sequence?: string | undefined
  /** GENERATED ALWAYS / BY DEFAULT AS IDENTITY. */
  readonly identity?: 'always' | 'by default' | undefined
  /** GENERATED ALWAYS AS (expr) STORED: the expression's source text over the row's columns,
   * computed on every insert and update. */
  readonly generated?: string | undefined
  /** Added by ALTER TABLE with a constant default: the default's stored form (an `encodeRow`
   * of one value), which rows written before the column existed read (PostgreSQL's fast
   * default: no rewrite). */
  readonly missing?: string | undefined
  /** COMMENT ON COLUMN's text (pg_description, col_description). */
  readonly comment?: string | undefined
}

/** FOREIGN KEY (columns) REFERENCES table (refColumns), stored on the referencing table. */
export interface ForeignKeyDef {
  readonly name: string
  readonly columns: readonly number[]
  /** The referenced table's catalog name (`schema.name` outside public). */
  readonly refTable: string
  readonly refColumns: readonly number[]
  /** 'primary' or the id of the referenced unique index. */
  readonly refIndex: 'primary' | number
  /** The index whose leading columns are `columns` (finds referencing rows); -1 when they lead
   * the primary key. */
  readonly index: number
  readonly onDelete: 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default'
  readonly onUpdate: 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default'
  /** The index was created for this constraint (dropped with it). */
  readonly ownsIndex?: boolean | undefined
  /** Added NOT VALID: rows already there were not checked (VALIDATE CONSTRAINT does, and clears
   * it). Absent means valid. */
  readonly notValid?: true | undefined
}

/** A foreign key of another table pointing at this one (kept so DELETE finds its children). */
export interface ReferenceDef {
  readonly table: string
  readonly name: string
}

/** A secondary index (id >= 1). `constraint` when it backs a UNIQUE constraint. */
export interface IndexDef {
  readonly id: number
  readonly name: string
  /** Per key element: the column's position, or EXPRESSION_ELEMENT where `exprs` holds the
   * element's expression (PostgreSQL's indkey 0). */
  readonly columns: readonly number[]
  readonly unique: boolean
  readonly constraint: boolean
  /** An expression index: per key element, the SQL source text of its expression over the
   * table's columns (null for a column element); absent when every element is a column. Bound
   * per table definition, like a CHECK (index-keys.ts). */
  readonly exprs?: readonly (string | null)[] | undefined
  /** A partial index: the SQL source text of its predicate (WHERE); only rows it is true for
   * have an entry. */
  readonly where?: string | undefined
}

/** IndexDef.columns' value for an element that is an expression. */
export const EXPRESSION_ELEMENT = -1

/** Whether every element of an index is a column and it holds every row: its entries are the
 * row's column values, with nothing to evaluate (foreign keys and key constraints use only
 * these). */
export function isPlainIndex(index: IndexDef): boolean {
  return index.exprs === undefined && index.where === undefined
}

export interface CheckDef {
  readonly name: string
  readonly expr: string
  /** As ForeignKeyDef's: added NOT VALID and not validated since. */
  readonly notValid?: true | undefined
}

/** The JSON stored under a table's schema key. */
export interface TableDef {
  /** A bigint in decimal (JSON has no bigint). */
  readonly id: string
  readonly name: string
  readonly columns: readonly ColumnDef[]
  /** Column positions of the primary key (the hidden row id when none was declared). */
  readonly primaryKey: readonly number[]
  /** The primary key's constraint and index name; '' for the hidden row id's key, which has no
   * name a user sees (PostgreSQL's table has no key there, so `t_pkey` stays free). Catalogs
   * written before stored `t_pkey` for it and registered that name (indexNameKey) as a relation:
   * such a name is kept and carried along as before (indexNamesOf), so it stays taken, but it is
   * no constraint (declaredKeyName). */
  readonly primaryKeyName: string
  readonly indexes: readonly IndexDef[]
  readonly checks: readonly CheckDef[]
  readonly nextIndexId: number
  readonly foreignKeys?: readonly ForeignKeyDef[] | undefined
  readonly referencedBy?: readonly ReferenceDef[] | undefined
  /** Indexes a CREATE INDEX ASYNC job is filling: every write maintains them (and unique ones are
   * enforced), no read uses them until the job moves them to `indexes`. */
  readonly buildingIndexes?: readonly IndexDef[] | undefined
  /** COMMENT ON TABLE's text (pg_description, obj_description). */
  readonly comment?: string | undefined
}

/** The names (bare, in the table's schema) registered for a table's indexes: its primary key's
 * (a hidden key's only in catalogs that stored one), the others', and those being built. */
export function indexNamesOf(def: TableDef): string[] {
  const key = def.primaryKeyName === '' ? [] : [def.primaryKeyName]
  return [...key, ...[...def.indexes, ...(def.buildingIndexes ?? [])].map((i) => i.name)]
}

/** The name of the primary key a user declared; undefined for the hidden row id's key. */
export function declaredKeyName(def: TableDef): string | undefined {
  return def.primaryKey.every((p) => def.columns[p]?.hidden !== true) ? def.primaryKeyName : undefined
}

/** A decoded definition with what every statement needs precomputed. */
export interface Table {
  readonly def: TableDef
  readonly id: bigint
  readonly name: string
  readonly schemaKey: Key
  readonly columns: readonly ColumnDef[]
  readonly primaryKey: readonly number[]
  /** Start and end of the primary index's key range. */
  readonly rowsStart: Key
  readonly rowsEnd: Key
  readonly columnsByName: ReadonlyMap<string, ColumnDef>
}

/** The key under which a table's definition is stored. */
export const schemaKey = (tableName: string): Key =>
  encodeKey([CATALOG_TABLE_ID, TABLES_INDEX, tableName])
/** The key mapping an index name to its table's name. */
export const indexNameKey = (indexName: string): Key =>
  encodeKey([CATALOG_TABLE_ID, INDEX_NAMES_INDEX, indexName])
/** The key of the next table id counter. */
export const tableIdCounterKey = (): Key => encodeKey([CATALOG_TABLE_ID, TABLE_ID_COUNTER_INDEX])

/** The key of a sequence's definition (sequences.ts). */
export const sequenceKey = (name: string): Key =>
  encodeKey([CATALOG_TABLE_ID, SEQUENCES_INDEX, name])
/** The key recording that a schema exists (`public` always does, without a key). */
export const namespaceKey = (schema: string): Key =>
  encodeKey([CATALOG_TABLE_ID, SCHEMAS_INDEX, schema])

/** The name within its schema of a catalog name (`schema.name` outside public, bare in it). */
export function bareName(catalogName: string): string {
  const dot = catalogName.indexOf('.')
  return dot < 0 ? catalogName : catalogName.slice(dot + 1)
}

/** The schema of a catalog name (`public` for a bare one). */
export function schemaOf(catalogName: string): string {
  const dot = catalogName.indexOf('.')
  return dot < 0 ? 'public' : catalogName.slice(0, dot)
}

/** The catalog name of `name` in the same schema as the relation named `sibling`. */
export function siblingName(sibling: string, name: string): string {
  const dot = sibling.indexOf('.')
  return dot < 0 ? name : `${sibling.slice(0, dot)}.${name}`
}

/**
 * The conflict key of a relation or type name (schema-qualified outside public). Tables, indexes,
 * sequences, views and types keep their definitions under keys of their own, so two transactions
 * that each find a name free and take it for different kinds (a table and a view) would write
 * different keys and both commit: every statement taking a name locks this key (DdlEnv.lock), and
 * the second of two such transactions to commit gets 40001, as PostgreSQL's unique index on
 * pg_class names makes the second wait and fail.
 */
export const relationNameClaim = (name: string): Key => encodeKey([RELATION_NAME_CLAIMS_TABLE_ID, name])

/** The key mapping index `index` (a bare name) of table `table` (a catalog name) to the table:
 * indexes live in their table's schema. */
export const indexKeyOf = (table: string, index: string): Key =>
  indexNameKey(siblingName(table, index))

/** The range of every sequence definition. */
export function sequencesRange(): { readonly start: Key; readonly end: Key } {
  const start = encodeKey([CATALOG_TABLE_ID, SEQUENCES_INDEX])
  return { start, end: prefixEnd(start) }
}

/** Whether schema `schema` exists at a snapshot plus a write buffer (`public` always does; the
 * system schemas hold no tables). */
export function schemaExists(view: { get(key: Key): string | undefined }, schema: string): boolean {
  return schema === 'public' || view.get(namespaceKey(schema)) !== undefined
}

/**
 * Whether schema `schema` exists, for a statement about to create or move a relation or type into
 * it: the schema's key joins the commit's read keys, so a DROP SCHEMA committed after this
 * snapshot aborts the statement's transaction (40001). The other order, this transaction
 * committing first, aborts the DROP SCHEMA, which holds the catalog stable, as DDL scanning the
 * catalog for what depends on it does (RowReadingView). Without either, both committed (found
 * with two regions): the schema was gone and its new table stayed, usable, in no schema, and a
 * DROP SCHEMA without CASCADE had dropped a schema that was not empty.
 */
export function schemaHeld(
  env: { readonly view: { get(key: Key): string | undefined }; read(key: Key): void },
  schema: string,
): boolean {
  // `public` has no key to read: it always exists and cannot be dropped.
  if (schema !== 'public') env.read(namespaceKey(schema))
  return schemaExists(env.view, schema)
}

/** PostgreSQL's 3F000 for a schema that does not exist. */
export function undefinedSchema(schema: string): SqlError {
  return new SqlError('3F000', `schema "${schema}" does not exist`)
}

/** 3F000 when the schema of catalog name `name` does not exist, else undefined; for a statement
 * about to take the name, so it holds the schema (schemaHeld). */
export function missingSchema(
  env: { readonly view: { get(key: Key): string | undefined }; read(key: Key): void },
  name: string,
): SqlError | undefined {
  const schema = schemaOf(name)
  return schemaHeld(env, schema) ? undefined : undefinedSchema(schema)
}

/**
 * The schemas created with CREATE SCHEMA visible at a snapshot plus a write buffer, in name order
 * (for pg_namespace and information_schema.schemata; `public` and the system schemas are implied).
 */
export function listSchemas(view: {
  scan(start: Key, end: Key): Iterable<{ readonly key: Key }>
}): string[] {
  const { start, end } = namespacesRange()
  return [...view.scan(start, end)].map((kv) => decodeKey(kv.key)[2] as string)
}

/** The range of every schema key. */
export function namespacesRange(): { readonly start: Key; readonly end: Key } {
  const start = encodeKey([CATALOG_TABLE_ID, SCHEMAS_INDEX])
  return { start, end: prefixEnd(start) }
}

/** The range holding every table definition. */
export function tablesRange(): { readonly start: Key; readonly end: Key } {
  const start = encodeKey([CATALOG_TABLE_ID, TABLES_INDEX])
  return { start, end: prefixEnd(start) }
}

/** Whether a conflicting key belongs to the catalog or is a garbage entry written with a
 * catalog change (a schema change: OC001). */
export function isCatalogKey(key: Key): boolean {
  const table = decodeKey(key)[0]
  return table === CATALOG_TABLE_ID || table === GARBAGE_TABLE_ID
}

/** Builds the runtime form of a stored definition. */
export function tableFromDef(def: TableDef): Table {
  const id = BigInt(def.id)
  const rowsStart = encodeKey([id, PRIMARY_INDEX_ID])
  const columnsByName = new Map<string, ColumnDef>()
  for (const c of def.columns) if (!c.hidden) columnsByName.set(c.name, c)
  assert(
    def.columns.every((c, i) => c.position === i),
    'column positions are dense',
  )
  return {
    def,
    id,
    name: def.name,
    schemaKey: schemaKey(def.name),
    columns: def.columns,
    primaryKey: def.primaryKey,
    rowsStart,
    rowsEnd: prefixEnd(rowsStart),
    columnsByName,
  }
}

/**
 * Decoded definitions keyed by schema key and raw stored value: a snapshot that reads the same
 * bytes gets the same object, one that reads different bytes decodes again. Bounded LRU.
 */
export class TableCache {
  readonly #entries = new Map<Key, { readonly raw: string; readonly table: Table }>()
  readonly #max: number

  constructor(max = TABLE_CACHE_ENTRIES) {
    this.#max = max
  }

  decode(key: Key, raw: string): Table {
    const hit = this.#entries.get(key)
    if (hit !== undefined && hit.raw === raw) return hit.table
    const table = tableFromDef(JSON.parse(raw) as TableDef)
    assert(table.schemaKey === key, 'a definition is stored under its own schema key')
    if (hit === undefined && this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, { raw, table })
    return table
  }
}

/**
 * Catalog reads remembered across transactions. A catalog value read at snapshot `readTs` is the
 * value at any snapshot `ts` when storage's last catalog write is at or below both timestamps
 * (nothing in the catalog changed between them), so most statements skip the storage read of
 * their table's definition. Bounded; the oldest entries are forgotten first.
 */
export class CatalogReads {
  readonly #entries = new Map<
    Key,
    { readonly raw: string | undefined; readonly readTs: HlcTimestamp }
  >()
  readonly #max: number

  constructor(max = TABLE_CACHE_ENTRIES) {
    this.#max = max
  }

  /** The committed value of catalog key `key` at `ts` (storage must have reached `ts`). */
  read(storage: StorageReader, key: Key, ts: HlcTimestamp): string | undefined {
    const hit = this.#entries.get(key)
    const changedTs = storage.lastWriteTs(CATALOG_TABLE_ID)
    if (hit !== undefined && changedTs <= hit.readTs && changedTs <= ts) return hit.raw
    const raw = storage.get(key, ts)
    if (hit === undefined && this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    if (hit === undefined || ts >= hit.readTs) this.#entries.set(key, { raw, readTs: ts })
    return raw
  }
}

/** Encodes a definition for storage. */
export function encodeTableDef(def: TableDef): string {
  return JSON.stringify(def)
}
