// Object identifiers of the system catalog (ARCHITECTURE.md "query processor": bind): PostgreSQL's
// fixed OIDs for built-in types and schemas, and stable OIDs derived from user table ids.
import { schemaOf } from '../catalog.ts'
import { typeName, type SqlType } from '../types/index.ts'

/** PostgreSQL's OIDs of the fixed schemas, the one role and the one database. */
export const PG_CATALOG_OID = 11n
export const PUBLIC_OID = 2200n
export const INFORMATION_SCHEMA_OID = 13000n
/** BOOTSTRAP_SUPERUSERID: the role that owns everything. */
export const OWNER_OID = 10n
export const DATABASE_OID = 5n
/** pg_am's btree and pg_class's catalog OIDs (the classoid of pg_description rows). */
export const BTREE_AM_OID = 403n
export const HEAP_AM_OID = 2n
export const PG_CLASS_OID = 1259n
export const PG_CONSTRAINT_OID = 2606n
export const PG_NAMESPACE_OID = 2615n
export const PG_TYPE_OID = 1247n

/**
 * PostgreSQL's catalog tables that Tessera has, with their OID, their row type's and the row type's
 * array type's: fixed in PostgreSQL's catalog headers, or assigned by genbki in the build (10000
 * and up), as PGlite has them. `'pg_class'::regclass` is one (the classoid of pg_description's rows).
 */
const CATALOG_TABLES: readonly (readonly [string, bigint, bigint, bigint])[] = [
  ['pg_namespace', 2615n, 10047n, 10046n], ['pg_class', 1259n, 83n, 273n], ['pg_attribute', 1249n, 75n, 270n],
  ['pg_type', 1247n, 71n, 210n], ['pg_index', 2610n, 10007n, 10006n], ['pg_constraint', 2606n, 10003n, 10002n],
  ['pg_attrdef', 2604n, 10001n, 10000n], ['pg_sequence', 2224n, 10105n, 10104n], ['pg_database', 1262n, 1248n, 10052n],
  ['pg_am', 2601n, 10015n, 10014n], ['pg_opclass', 2616n, 10013n, 10012n], ['pg_tablespace', 1213n, 10056n, 10055n],
  ['pg_collation', 3456n, 10095n, 10094n], ['pg_depend', 2608n, 10051n, 10050n], ['pg_description', 2609n, 10041n, 10040n],
  ['pg_enum', 3501n, 10045n, 10044n], ['pg_inherits', 2611n, 10005n, 10004n], ['pg_trigger', 2620n, 10037n, 10036n],
  ['pg_extension', 3079n, 10074n, 10073n], ['pg_policy', 3256n, 10084n, 10083n], ['pg_statistic_ext', 3381n, 10031n, 10030n],
  ['pg_publication', 6104n, 10107n, 10106n], ['pg_publication_rel', 6106n, 10111n, 10110n],
  ['pg_publication_namespace', 6237n, 10109n, 10108n], ['pg_rewrite', 2618n, 10035n, 10034n], ['pg_proc', 1255n, 81n, 272n],
]

/**
 * The system views Tessera has, by schema, with the OID initdb gives each (as PGlite has them;
 * other versions may number them differently). initdb creates a view's array type and row type
 * right after it: OID + 1 and OID + 2.
 */
const SYSTEM_VIEWS: ReadonlyMap<string, readonly (readonly [string, bigint])[]> = new Map([
  ['pg_catalog', [
    ['pg_tables', 12033n], ['pg_indexes', 12043n], ['pg_sequences', 12048n], ['pg_roles', 12000n], ['pg_user', 12014n],
    ['pg_stat_user_indexes', 12196n], ['pg_stat_user_tables', 12165n], ['pg_settings', 12104n], ['pg_views', 12028n],
    ['pg_matviews', 12038n], ['pg_policies', 12018n], ['pg_stat_activity', 12226n], ['pg_locks', 12073n],
  ]],
  ['information_schema', [
    ['schemata', 12598n], ['tables', 12641n], ['columns', 12512n], ['table_constraints', 12627n],
    ['key_column_usage', 12545n], ['constraint_column_usage', 12517n], ['check_constraints', 12477n],
    ['referential_constraints', 12555n], ['sequences', 12602n], ['views', 12699n],
  ]],
])

/** A system relation's identity: PostgreSQL's OIDs of it and of its row type and array type. */
export interface SystemRelationOids {
  readonly schema: string
  readonly name: string
  readonly oid: bigint
  readonly rowType: bigint
  readonly arrayType: bigint
}

const SYSTEM_OIDS: readonly SystemRelationOids[] = [
  ...CATALOG_TABLES.map(([name, oid, rowType, arrayType]) => ({ schema: 'pg_catalog', name, oid, rowType, arrayType })),
  ...[...SYSTEM_VIEWS].flatMap(([schema, views]) =>
    views.map(([name, oid]) => ({ schema, name, oid, rowType: oid + 2n, arrayType: oid + 1n })),
  ),
]
const BY_SCHEMA_NAME = new Map(SYSTEM_OIDS.map((r) => [`${r.schema}.${r.name}`, r]))
const BY_RELATION_OID = new Map(SYSTEM_OIDS.map((r) => [r.oid, r]))
const BY_TYPE_OID = new Map(SYSTEM_OIDS.flatMap((r) => [[r.rowType, r], [r.arrayType, r]] as const))

/** The OIDs of system relation `schema.name`; undefined for a relation that has none here (the
 * `sys` schema is Aurora DSQL's, not PostgreSQL's). */
export const systemRelationOids = (schema: string, name: string): SystemRelationOids | undefined =>
  BY_SCHEMA_NAME.get(`${schema}.${name}`)

/** The OID of system relation `schema.name`, or undefined. */
export function systemRelationOid(schema: string, name: string): bigint | undefined {
  return systemRelationOids(schema, name)?.oid
}

/** PostgreSQL's FirstGenbkiObjectId: the OIDs below it are assigned in its catalog headers (the
 * catalog tables); the system views, which initdb's scripts create, come above it. */
const FIRST_GENBKI_OID = 10000n

/** Whether system relation OID `oid` is a view (else a catalog table). */
export const systemRelationIsView = (oid: bigint): boolean => oid >= FIRST_GENBKI_OID

/** The system relation with OID `oid`, or undefined. */
export const systemRelationOf = (oid: bigint): SystemRelationOids | undefined => BY_RELATION_OID.get(oid)

/** The system relation whose row type or row type's array type has OID `oid`, or undefined. */
export const systemRelationOfType = (oid: bigint): SystemRelationOids | undefined => BY_TYPE_OID.get(oid)

/**
 * User objects. PostgreSQL gives the first user object OID 16384 (FirstNormalObjectId); Tessera
 * derives each OID from the table id so that it is the same in every transaction and region
 * without a counter: table `id` owns the block [16384 + id * 8192, 16384 + (id + 1) * 8192).
 * Offsets within the block: 0 the table itself; 1 its primary key index; 1 + i secondary index i;
 * 2048 the primary key constraint; 2048 + i the unique constraint backed by index i; 4096 + p the
 * default of column position p; 5696 + k the k-th CHECK; 6944 + k the k-th foreign key. An object
 * whose number does not fit its range (an index id above 2046, a 1249th CHECK) has no catalog row.
 * A table id above 524,285 gives OIDs above 2^32, which the `oid` type cannot hold: catalog rows
 * carry them as they are, and casts of them to int4 or through int8 do not round-trip.
 */
export const FIRST_USER_OID = 16384n
const BLOCK = 8192n
const INDEX_AT = 1n
const INDEXES_MAX = 2046
const KEY_CONSTRAINT_AT = 2048n
const DEFAULT_AT = 4096n
const DEFAULTS_MAX = 1600
const CHECK_AT = 5696n
const CHECKS_MAX = 1248
const FOREIGN_KEY_AT = 6944n
const FOREIGN_KEYS_MAX = 1248

/** The OID of the relation (table, view, sequence) with catalog id `id`. */
export const relationOid = (id: bigint): bigint => FIRST_USER_OID + id * BLOCK

/** The catalog id of a relation OID; undefined when `oid` is not a user relation's. */
export function relationIdOf(oid: bigint): bigint | undefined {
  if (oid < FIRST_USER_OID || (oid - FIRST_USER_OID) % BLOCK !== 0n) return undefined
  return (oid - FIRST_USER_OID) / BLOCK
}

/** The table id an object OID belongs to and its offset in the table's block. */
export function objectOf(oid: bigint): { readonly tableId: bigint; readonly offset: bigint } | undefined {
  if (oid < FIRST_USER_OID) return undefined
  return { tableId: (oid - FIRST_USER_OID) / BLOCK, offset: (oid - FIRST_USER_OID) % BLOCK }
}

/** Index 0 is the primary key's. */
export const indexOid = (tableId: bigint, indexId: number): bigint | undefined =>
  indexId <= INDEXES_MAX ? relationOid(tableId) + INDEX_AT + BigInt(indexId) : undefined

/** Index 0 is the primary key's; others are the UNIQUE constraints backed by that index. */
export const keyConstraintOid = (tableId: bigint, indexId: number): bigint | undefined =>
  indexId <= INDEXES_MAX ? relationOid(tableId) + KEY_CONSTRAINT_AT + BigInt(indexId) : undefined

export const defaultOid = (tableId: bigint, position: number): bigint | undefined =>
  position < DEFAULTS_MAX ? relationOid(tableId) + DEFAULT_AT + BigInt(position) : undefined

export const checkOid = (tableId: bigint, k: number): bigint | undefined =>
  k < CHECKS_MAX ? relationOid(tableId) + CHECK_AT + BigInt(k) : undefined

export const foreignKeyOid = (tableId: bigint, k: number): bigint | undefined =>
  k < FOREIGN_KEYS_MAX ? relationOid(tableId) + FOREIGN_KEY_AT + BigInt(k) : undefined

/** A built-in type as pg_type describes it. */
export interface BuiltinType {
  readonly oid: number
  readonly name: string
  /** typlen: bytes, -1 variable length, -2 C string. */
  readonly length: number
  readonly category: string
  readonly preferred: boolean
  /** The element type of an array type, else 0. */
  readonly element: number
  /** The array type of this type, else 0. */
  readonly array: number
  /** typtype: 'b' base, 'p' pseudo. */
  readonly kind: 'b' | 'p'
}

// [oid, name, length, category, preferred, array oid]: PostgreSQL 16's pg_type rows for the
// types Tessera has and those catalog columns and common casts name.
const BASE: readonly (readonly [number, string, number, string, boolean, number])[] = [
  [16, 'bool', 1, 'B', true, 1000],
  [17, 'bytea', -1, 'U', false, 1001],
  [18, 'char', 1, 'Z', false, 1002],
  [19, 'name', 64, 'S', false, 1003],
  [20, 'int8', 8, 'N', false, 1016],
  [21, 'int2', 2, 'N', false, 1005],
  [22, 'int2vector', -1, 'A', false, 1006],
  [23, 'int4', 4, 'N', false, 1007],
  [24, 'regproc', 4, 'N', false, 1008],
  [25, 'text', -1, 'S', true, 1009],
  [26, 'oid', 4, 'N', true, 1028],
  [30, 'oidvector', -1, 'A', false, 1013],
  [114, 'json', -1, 'U', false, 199],
  [194, 'pg_node_tree', -1, 'Z', false, 0],
  [700, 'float4', 4, 'N', false, 1021],
  [701, 'float8', 8, 'N', true, 1022],
  [1042, 'bpchar', -1, 'S', false, 1014],
  [1043, 'varchar', -1, 'S', false, 1015],
  [1082, 'date', 4, 'D', false, 1182],
  [1083, 'time', 8, 'D', false, 1183],
  [1114, 'timestamp', 8, 'D', false, 1115],
  [1184, 'timestamptz', 8, 'D', true, 1185],
  [1186, 'interval', 16, 'T', true, 1187],
  [1266, 'timetz', 12, 'D', false, 1270],
  [1700, 'numeric', -1, 'N', false, 1231],
  [2205, 'regclass', 4, 'N', false, 2210],
  [2206, 'regtype', 4, 'N', false, 2211],
  [2950, 'uuid', 16, 'U', false, 2951],
  [3802, 'jsonb', -1, 'U', false, 3807],
  [4072, 'jsonpath', -1, 'U', false, 4073],
  [4089, 'regnamespace', 4, 'N', false, 4090],
]

const PSEUDO: readonly (readonly [number, string, number])[] = [
  [705, 'unknown', -2],
  [2249, 'record', -1],
  [2276, 'any', 4],
  [2277, 'anyarray', -1],
  [2278, 'void', 4],
  [2283, 'anyelement', 4],
]

function builtinTypes(): BuiltinType[] {
  const out: BuiltinType[] = []
  for (const [oid, name, length, category, preferred, array] of BASE) {
    // int2vector and oidvector are arrays of int2 and oid without being array types.
    const element = name === 'int2vector' ? 21 : name === 'oidvector' ? 26 : name === 'name' ? 18 : 0
    out.push({ oid, name, length, category, preferred, element, array, kind: 'b' })
    if (array === 0) continue
    out.push({ oid: array, name: `_${name}`, length: -1, category: 'A', preferred: false, element: oid, array: 0, kind: 'b' })
  }
  for (const [oid, name, length] of PSEUDO) {
    out.push({ oid, name, length, category: 'P', preferred: false, element: 0, array: 0, kind: 'p' })
  }
  return out.sort((a, b) => a.oid - b.oid)
}

/** Every built-in type row, by OID. */
export const BUILTIN_TYPES: readonly BuiltinType[] = builtinTypes()
const BY_OID = new Map(BUILTIN_TYPES.map((t) => [t.oid, t]))
const BY_NAME = new Map(BUILTIN_TYPES.map((t) => [t.name, t]))

export const builtinType = (oid: number): BuiltinType | undefined => BY_OID.get(oid)
export const builtinTypeByName = (name: string): BuiltinType | undefined => BY_NAME.get(name)

// SQL spellings of built-in types (regtype input accepts them besides pg_type names).
const SQL_NAMES: Readonly<Record<string, string>> = {
  integer: 'int4', int: 'int4', bigint: 'int8', smallint: 'int2', boolean: 'bool', real: 'float4',
  'double precision': 'float8', 'character varying': 'varchar', 'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz', decimal: 'numeric', '"char"': 'char', character: 'bpchar',
  'time without time zone': 'time', 'time with time zone': 'timetz',
}

/** A built-in type by pg_type name or SQL spelling, `[]` for its array type (regtype input). */
export function builtinTypeBySqlName(text: string): BuiltinType | undefined {
  const name = text.trim().toLowerCase().replace(/^pg_catalog\./, '').replace(/\s+/g, ' ')
  if (name.endsWith('[]')) {
    const element = builtinTypeBySqlName(name.slice(0, -2))
    return element === undefined || element.array === 0 ? undefined : BY_OID.get(element.array)
  }
  return BY_NAME.get(SQL_NAMES[name] ?? name)
}

/** The pg_type OID of a Tessera type (0 when it has none). */
export function typeOid(type: SqlType): number {
  if (type.kind === 'array') return BY_NAME.get(pgTypeName(type.element))?.array ?? 0
  if (type.kind === 'enum') return type.oid
  return BY_NAME.get(pgTypeName(type))?.oid ?? 0
}

/** pg_type.typname of a type: `typeName`, except that an untyped literal (also as an element) is
 * text. */
export function pgTypeName(type: SqlType): string {
  if (type.kind === 'array') return `_${pgTypeName(type.element)}`
  return type.kind === 'unknown' ? 'text' : typeName(type)
}

/** The schema of a type ('pg_catalog' for the built-in ones). */
export function typeSchema(type: SqlType): string {
  if (type.kind === 'array') return typeSchema(type.element)
  return type.kind === 'enum' ? schemaOf(type.name) : 'pg_catalog'
}

/** PostgreSQL's typmod of a type (pg_attribute.atttypmod): -1 when it has none. */
export function typmodOf(type: SqlType): number {
  if (type.kind === 'array') return typmodOf(type.element)
  if (type.kind === 'varchar' || type.kind === 'bpchar') return type.length === undefined ? -1 : type.length + 4
  if (type.kind === 'numeric') {
    return type.precision === undefined ? -1 : ((type.precision << 16) | ((type.scale ?? 0) & 0xffff)) + 4
  }
  if (type.kind === 'timestamp' || type.kind === 'timestamptz' || type.kind === 'time') {
    return type.precision ?? -1
  }
  if (type.kind === 'interval') {
    // INTERVAL_FULL_RANGE (0x7fff) and INTERVAL_FULL_PRECISION (0xffff) when unspecified.
    if (type.fields === undefined && type.precision === undefined) return -1
    return ((type.fields ?? 0x7fff) << 16) | (type.precision ?? 0xffff)
  }
  return -1
}
