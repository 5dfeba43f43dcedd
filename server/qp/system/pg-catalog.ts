// The pg_catalog relations (ARCHITECTURE.md "query processor": bind): PostgreSQL's catalog tables
// and views that drivers, ORMs and psql read, computed from the tables visible at the snapshot.
import { Settings } from '../settings.ts'
import type { Datum, SqlType } from '../types/index.ts'
import { actionCode, checkExpression, dataTypeName, indexDef, indexExpressions, indexPredicate, storedExpression } from './describe.ts'
import type { CatalogModel, TableInfo } from './model.ts'
import {
  BTREE_AM_OID,
  BUILTIN_TYPES,
  DATABASE_OID,
  HEAP_AM_OID,
  OWNER_OID,
  PG_CATALOG_OID,
  PG_CLASS_OID,
  builtinType,
  type BuiltinType,
  typeOid,
  typmodOf,
} from './oids.ts'
import { emptyRelation, relation, T, type Row, type SystemRelation } from './relation.ts'
import { DATABASE_NAME, OWNER_NAME } from './identity.ts'
import { lastValue } from './lookup.ts'
import { SEQUENCE_COLUMNS } from '../sequences.ts'
import { systemClasses, type SystemClass } from './system-classes.ts'

/** The initial settings, when the transaction does not list its own. */
const DEFAULT_SETTINGS = new Settings(false)
const DEFAULT_COLLATION = 100n
const C_COLLATION = 950n
const DEFAULT_TABLESPACE = 1663n
const GLOBAL_TABLESPACE = 1664n

/** The collation of a column of `type` (pg_attribute.attcollation): text types collate. */
function collationOf(type: SqlType): bigint {
  const t = type.kind === 'array' ? type.element : type
  return t.kind === 'text' || t.kind === 'varchar' || t.kind === 'bpchar' ? DEFAULT_COLLATION : 0n
}

// PostgreSQL's default btree operator class per type (pg_opclass), for pg_index.indclass.
const OPCLASSES: readonly (readonly [number, string, number, number])[] = [
  [1978, 'int4_ops', 23, 1976],
  [1979, 'int2_ops', 21, 1976],
  [1981, 'oid_ops', 26, 1989],
  [3122, 'date_ops', 1082, 434],
  [3123, 'float8_ops', 701, 1970],
  [3124, 'int8_ops', 20, 1976],
  [3125, 'numeric_ops', 1700, 1988],
  [3126, 'text_ops', 25, 1994],
  [3127, 'timestamptz_ops', 1184, 434],
  [3128, 'timestamp_ops', 1114, 434],
  [10000, 'array_ops', 2277, 397],
  [10003, 'bool_ops', 16, 424],
  [10004, 'bpchar_ops', 1042, 426],
  [10006, 'bytea_ops', 17, 428],
  [10012, 'float4_ops', 700, 1970],
  [10022, 'interval_ops', 1186, 1982],
  [10065, 'uuid_ops', 2950, 2968],
  // Over anyenum (3500): one operator class serves every enum type.
  [10069, 'enum_ops', 3500, 3522],
  [10088, 'jsonb_ops', 3802, 4033],
]

function opclassOf(type: SqlType): bigint {
  const oid = type.kind === 'array' ? 2277 : type.kind === 'varchar' ? 25 : type.kind === 'enum' ? 3500 : typeOid(type)
  return BigInt(OPCLASSES.find((o) => o[2] === oid)?.[0] ?? 0)
}

const pgNamespace = relation(
  'pg_catalog',
  'pg_namespace',
  [['oid', T.oid], ['nspname', T.name], ['nspowner', T.oid], ['nspacl', T.texts]],
  (m) => m.schemas.map((s) => ({ oid: s.oid, nspname: s.name, nspowner: OWNER_OID })),
)

const PG_CLASS_COLUMNS = [
  ['oid', T.oid], ['relname', T.name], ['relnamespace', T.oid], ['reltype', T.oid], ['reloftype', T.oid],
  ['relowner', T.oid], ['relam', T.oid], ['relfilenode', T.oid], ['reltablespace', T.oid], ['relpages', T.int4],
  ['reltuples', T.float4], ['relallvisible', T.int4], ['reltoastrelid', T.oid], ['relhasindex', T.bool],
  ['relisshared', T.bool], ['relpersistence', T.char], ['relkind', T.char], ['relnatts', T.int2], ['relchecks', T.int2],
  ['relhasrules', T.bool], ['relhastriggers', T.bool], ['relhassubclass', T.bool], ['relrowsecurity', T.bool],
  ['relforcerowsecurity', T.bool], ['relispopulated', T.bool], ['relreplident', T.char], ['relispartition', T.bool],
  ['relrewrite', T.oid], ['relacl', T.texts], ['reloptions', T.texts], ['relpartbound', T.text],
] as const

function classRow(r: { oid: bigint; name: string; namespace: bigint; kind: string; am: bigint; natts: number }): Row {
  return {
    oid: r.oid, relname: r.name, relnamespace: r.namespace, reltype: 0n, reloftype: 0n, relowner: OWNER_OID,
    relam: r.am, relfilenode: r.oid, reltablespace: 0n, relpages: 0n, reltuples: -1, relallvisible: 0n,
    reltoastrelid: 0n, relhasindex: false, relisshared: false, relpersistence: 'p', relkind: r.kind,
    relnatts: BigInt(r.natts), relchecks: 0n, relhasrules: false, relhastriggers: false, relhassubclass: false,
    relrowsecurity: false, relforcerowsecurity: false, relispopulated: true, relreplident: r.kind === 'r' ? 'd' : 'n',
    relispartition: false, relrewrite: 0n,
  }
}

function* classRows(m: CatalogModel): Iterable<Row> {
  // A foreign key is enforced by triggers in PostgreSQL, on both of its tables.
  const referenced = new Set(m.constraints.flatMap((c) => (c.ref === undefined ? [] : [c.ref.table])))
  for (const t of m.tables) {
    yield {
      ...classRow({ oid: t.oid, name: t.name, namespace: t.schema.oid, kind: 'r', am: HEAP_AM_OID, natts: t.columns.length }),
      relhasindex: t.indexes.length > 0,
      relchecks: BigInt(t.constraints.filter((c) => c.type === 'c').length),
      relhastriggers: t.constraints.some((c) => c.type === 'f') || referenced.has(t),
    }
  }
  for (const ix of m.indexes) {
    yield classRow({ oid: ix.oid, name: ix.name, namespace: ix.table.schema.oid, kind: 'i', am: BTREE_AM_OID, natts: ix.attnums.length })
  }
  for (const s of m.sequences) {
    yield classRow({ oid: s.oid, name: s.name, namespace: s.schema.oid, kind: 'S', am: 0n, natts: SEQUENCE_COLUMNS.length })
  }
  for (const v of m.views) {
    yield classRow({ oid: v.oid, name: v.name, namespace: v.schema.oid, kind: 'v', am: 0n, natts: v.info.columns.length })
  }
}

/** pg_class's rows of the system relations: no storage (relfilenode 0, as PostgreSQL's mapped
 * catalogs and views show), no index, replica identity nothing (as PostgreSQL's catalogs). */
function systemClassRow(c: SystemClass): Row {
  return {
    ...classRow({ oid: c.oid, name: c.name, namespace: c.schema.oid, kind: c.kind, am: c.kind === 'r' ? HEAP_AM_OID : 0n, natts: c.columns.length }),
    reltype: c.rowType, relfilenode: 0n, reltablespace: c.shared ? GLOBAL_TABLESPACE : 0n, relisshared: c.shared,
    relreplident: 'n',
  }
}

const pgClass = relation('pg_catalog', 'pg_class', PG_CLASS_COLUMNS, classRows, () => systemClasses().map(systemClassRow))

/** A pg_attribute row of a column of `type`; `over` sets what differs from a plain nullable column. */
function attributeRow(attrelid: bigint, attname: string, type: SqlType, attnum: number, over: Row = {}): Row {
  const oid = typeOid(type)
  const length = builtinType(oid)?.length ?? -1
  return {
    attrelid, attname, atttypid: BigInt(oid), attlen: BigInt(length), attnum: BigInt(attnum), atttypmod: BigInt(typmodOf(type)),
    attndims: type.kind === 'array' ? 1n : 0n, attbyval: byValue(length), attalign: 'i', attstorage: length < 0 ? 'x' : 'p',
    attcompression: '', attnotnull: false, atthasdef: false, atthasmissing: false, attidentity: '', attgenerated: '',
    attisdropped: false, attislocal: true, attinhcount: 0n, attcollation: collationOf(type), ...over,
  }
}

/** What a dropped column keeps of its type: none (atttypid 0), as PostgreSQL shows one. */
const DROPPED: Row = {
  atttypid: 0n, attlen: -1n, atttypmod: -1n, attbyval: false, attstorage: 'x', attnotnull: false, atthasdef: false,
  attgenerated: '', attisdropped: true, attcollation: 0n,
}

function* attributeRows(m: CatalogModel): Iterable<Row> {
  for (const t of m.tables) {
    for (const { def, attnum } of t.columns) {
      const dropped = def.dropped === true
      const identity = def.identity === 'always' ? 'a' : def.identity === 'by default' ? 'd' : ''
      const own: Row = dropped
        ? { ...DROPPED, attname: `........pg.dropped.${attnum}........` }
        : { attnotnull: def.notNull, atthasdef: m.hasDefault(t, attnum), attgenerated: def.generated !== undefined ? 's' : '' }
      yield attributeRow(t.oid, def.name, def.type, attnum, { ...own, attidentity: identity })
    }
  }
  for (const v of m.views) {
    for (const [i, name] of v.info.columns.entries()) {
      const type = v.info.types?.[i]
      if (type !== undefined) yield attributeRow(v.oid, name, type, i + 1)
    }
  }
  for (const s of m.sequences) {
    for (const [i, { name, type }] of SEQUENCE_COLUMNS.entries()) yield attributeRow(s.oid, name, type, i + 1, { attnotnull: true })
  }
}

const pgAttribute = relation(
  'pg_catalog',
  'pg_attribute',
  [
    ['attrelid', T.oid], ['attname', T.name], ['atttypid', T.oid], ['attlen', T.int2], ['attnum', T.int2],
    ['atttypmod', T.int4], ['attndims', T.int2], ['attbyval', T.bool], ['attalign', T.char], ['attstorage', T.char],
    ['attcompression', T.char], ['attnotnull', T.bool], ['atthasdef', T.bool], ['atthasmissing', T.bool],
    ['attidentity', T.char], ['attgenerated', T.char], ['attisdropped', T.bool], ['attislocal', T.bool],
    ['attinhcount', T.int2], ['attcollation', T.oid], ['attstattarget', T.int2], ['attacl', T.texts],
    ['attoptions', T.texts], ['attfdwoptions', T.texts],
  ],
  attributeRows,
  () => systemClasses().flatMap((c) => c.columns.map((col) => attributeRow(c.oid, col.name, col.type, col.attnum))),
)

const byValue = (length: number) => length === 1 || length === 2 || length === 4 || length === 8

/** pg_type's row of a built-in type. */
function builtinTypeRow(t: BuiltinType): Row {
  return {
    oid: BigInt(t.oid), typname: t.name, typnamespace: PG_CATALOG_OID, typowner: OWNER_OID, typlen: BigInt(t.length),
    typbyval: byValue(t.length) && t.name !== 'name', typtype: t.kind, typcategory: t.category, typispreferred: t.preferred,
    typisdefined: true, typdelim: ',', typrelid: 0n, typsubscript: t.element !== 0 ? 'array_subscript_handler' : '-',
    typelem: BigInt(t.element), typarray: BigInt(t.array), typinput: t.category === 'A' ? 'array_in' : `${t.name}in`,
    typoutput: t.category === 'A' ? 'array_out' : `${t.name}out`,
    typalign: t.length === 8 ? 'd' : t.length === 2 ? 's' : t.length === 1 ? 'c' : 'i',
    typstorage: t.length < 0 ? 'x' : 'p', typnotnull: false, typbasetype: 0n, typtypmod: -1n, typndims: 0n,
    typcollation: t.name === 'name' ? C_COLLATION : t.category === 'S' ? DEFAULT_COLLATION : 0n,
  }
}

/** A system relation's row type (a composite, typrelid the relation) and the array type of it. */
function rowTypeRows(c: SystemClass): Row[] {
  const common = {
    typnamespace: c.schema.oid, typowner: OWNER_OID, typlen: -1n, typbyval: false, typispreferred: false,
    typisdefined: true, typdelim: ',', typalign: 'd', typstorage: 'x', typnotnull: false, typbasetype: 0n,
    typtypmod: -1n, typndims: 0n, typcollation: 0n,
  }
  return [
    {
      ...common, oid: c.rowType, typname: c.name, typtype: 'c', typcategory: 'C', typrelid: c.oid, typsubscript: '-',
      typelem: 0n, typarray: c.arrayType, typinput: 'record_in', typoutput: 'record_out',
    },
    {
      ...common, oid: c.arrayType, typname: `_${c.name}`, typtype: 'b', typcategory: 'A', typrelid: 0n,
      typsubscript: 'array_subscript_handler', typelem: c.rowType, typarray: 0n, typinput: 'array_in', typoutput: 'array_out',
    },
  ]
}

const pgType = relation(
  'pg_catalog',
  'pg_type',
  [
    ['oid', T.oid], ['typname', T.name], ['typnamespace', T.oid], ['typowner', T.oid], ['typlen', T.int2],
    ['typbyval', T.bool], ['typtype', T.char], ['typcategory', T.char], ['typispreferred', T.bool],
    ['typisdefined', T.bool], ['typdelim', T.char], ['typrelid', T.oid], ['typsubscript', T.text], ['typelem', T.oid],
    ['typarray', T.oid], ['typinput', T.text], ['typoutput', T.text], ['typalign', T.char], ['typstorage', T.char],
    ['typnotnull', T.bool], ['typbasetype', T.oid], ['typtypmod', T.int4], ['typndims', T.int4],
    ['typcollation', T.oid], ['typdefault', T.text],
  ],
  // Enum types, without the array type PostgreSQL also creates for each.
  (m) =>
    m.enums.map((e) => ({
      oid: e.oid, typname: e.name, typnamespace: e.schema.oid, typowner: OWNER_OID, typlen: 4n, typbyval: true,
      typtype: 'e', typcategory: 'E', typispreferred: false, typisdefined: true, typdelim: ',', typrelid: 0n,
      typsubscript: '-', typelem: 0n, typarray: 0n, typinput: 'enum_in', typoutput: 'enum_out', typalign: 'i',
      typstorage: 'p', typnotnull: false, typbasetype: 0n, typtypmod: -1n, typndims: 0n, typcollation: 0n,
    })),
  () => [...BUILTIN_TYPES.map(builtinTypeRow), ...systemClasses().flatMap(rowTypeRows)],
)

const pgIndex = relation(
  'pg_catalog',
  'pg_index',
  [
    ['indexrelid', T.oid], ['indrelid', T.oid], ['indnatts', T.int2], ['indnkeyatts', T.int2], ['indisunique', T.bool],
    ['indnullsnotdistinct', T.bool], ['indisprimary', T.bool], ['indisexclusion', T.bool], ['indimmediate', T.bool],
    ['indisclustered', T.bool], ['indisvalid', T.bool], ['indcheckxmin', T.bool], ['indisready', T.bool],
    ['indislive', T.bool], ['indisreplident', T.bool], ['indkey', T.int2s], ['indcollation', T.oids],
    ['indclass', T.oids], ['indoption', T.int2s], ['indexprs', T.text], ['indpred', T.text],
  ],
  (m) =>
    m.indexes.map((ix) => {
      const types = ix.attnums.map((n) => ix.table.columns[n - 1]?.def.type ?? T.text)
      return {
        indexrelid: ix.oid, indrelid: ix.table.oid, indnatts: BigInt(ix.attnums.length), indnkeyatts: BigInt(ix.attnums.length),
        indisunique: ix.unique, indnullsnotdistinct: false, indisprimary: ix.primary, indisexclusion: false,
        indimmediate: true, indisclustered: false, indisvalid: ix.valid, indcheckxmin: false, indisready: true,
        indislive: true, indisreplident: false, indkey: ix.attnums.map(BigInt), indcollation: types.map(collationOf),
        indclass: types.map(opclassOf), indoption: ix.attnums.map(() => 0n),
        indexprs: indexExpressions(ix), indpred: indexPredicate(ix),
      }
    }),
)

const pgConstraint = relation(
  'pg_catalog',
  'pg_constraint',
  [
    ['oid', T.oid], ['conname', T.name], ['connamespace', T.oid], ['contype', T.char], ['condeferrable', T.bool],
    ['condeferred', T.bool], ['convalidated', T.bool], ['conrelid', T.oid], ['contypid', T.oid], ['conindid', T.oid],
    ['conparentid', T.oid], ['confrelid', T.oid], ['confupdtype', T.char], ['confdeltype', T.char],
    ['confmatchtype', T.char], ['conislocal', T.bool], ['coninhcount', T.int2], ['connoinherit', T.bool],
    ['conkey', T.int2s], ['confkey', T.int2s], ['conpfeqop', T.oids], ['conppeqop', T.oids], ['conffeqop', T.oids],
    ['conexclop', T.oids], ['conbin', T.text],
  ],
  (m) =>
    m.constraints.map((c) => ({
      oid: c.oid, conname: c.name, connamespace: c.table.schema.oid, contype: c.type, condeferrable: false,
      condeferred: false, convalidated: c.notValid !== true, conrelid: c.table.oid, contypid: 0n, conindid: c.index, conparentid: 0n,
      confrelid: c.ref?.table.oid ?? 0n, confupdtype: c.ref === undefined ? ' ' : actionCode(c.ref.onUpdate),
      confdeltype: c.ref === undefined ? ' ' : actionCode(c.ref.onDelete), confmatchtype: c.ref === undefined ? ' ' : 's',
      conislocal: true, coninhcount: 0n, connoinherit: c.type === 'c' ? false : true,
      // A CHECK naming no column has none (NULL, as PostgreSQL stores it).
      conkey: c.attnums.length === 0 ? null : c.attnums.map(BigInt),
      confkey: c.ref?.attnums.map(BigInt) ?? null,
      conbin: c.type === 'c' ? checkExpression(c) : null,
    })),
)

/** Default expressions (pg_attrdef.adbin): the printed expression, which pg_get_expr returns. */
const pgAttrdef = relation(
  'pg_catalog',
  'pg_attrdef',
  [['oid', T.oid], ['adrelid', T.oid], ['adnum', T.int2], ['adbin', T.text]],
  (m) =>
    m.defaults.map((d) => ({
      oid: d.oid, adrelid: d.table.oid, adnum: BigInt(d.attnum), adbin: storedExpression(d.table, d.def),
    })),
)

const pgTables = relation(
  'pg_catalog',
  'pg_tables',
  [
    ['schemaname', T.name], ['tablename', T.name], ['tableowner', T.name], ['tablespace', T.name], ['hasindexes', T.bool],
    ['hasrules', T.bool], ['hastriggers', T.bool], ['rowsecurity', T.bool],
  ],
  (m) =>
    m.tables.map((t) => ({
      schemaname: t.schema.name, tablename: t.name, tableowner: OWNER_NAME, hasindexes: t.indexes.length > 0,
      hasrules: false, hastriggers: t.constraints.some((c) => c.type === 'f'), rowsecurity: false,
    })),
  () =>
    systemClasses()
      .filter((c) => c.kind === 'r')
      .map((c) => ({
        schemaname: c.schema.name, tablename: c.name, tableowner: OWNER_NAME, tablespace: c.shared ? 'pg_global' : null,
        hasindexes: false, hasrules: false, hastriggers: false, rowsecurity: false,
      })),
)

const pgIndexes = relation(
  'pg_catalog',
  'pg_indexes',
  [['schemaname', T.name], ['tablename', T.name], ['indexname', T.name], ['tablespace', T.name], ['indexdef', T.text]],
  (m) =>
    m.indexes.map((ix) => ({
      schemaname: ix.table.schema.name, tablename: ix.table.name, indexname: ix.name, indexdef: indexDef(ix),
    })),
)

const pgSequences = relation(
  'pg_catalog',
  'pg_sequences',
  [
    ['schemaname', T.name], ['sequencename', T.name], ['sequenceowner', T.name], ['data_type', T.text],
    ['start_value', T.int8], ['min_value', T.int8], ['max_value', T.int8], ['increment_by', T.int8], ['cycle', T.bool],
    ['cache_size', T.int8], ['last_value', T.int8],
  ],
  (m, env) =>
    m.sequences.map((s) => ({
      schemaname: s.schema.name, sequencename: s.name, sequenceowner: OWNER_NAME,
      data_type: dataTypeName({ kind: s.def.type }), start_value: s.start, min_value: s.min, max_value: s.max,
      increment_by: s.increment, cycle: false, cache_size: BigInt(s.def.cache),
      last_value: lastValue(env.sequencePosition?.(s.def.name)),
    })),
)

const pgSequence = relation(
  'pg_catalog',
  'pg_sequence',
  [
    ['seqrelid', T.oid], ['seqtypid', T.oid], ['seqstart', T.int8], ['seqincrement', T.int8], ['seqmax', T.int8],
    ['seqmin', T.int8], ['seqcache', T.int8], ['seqcycle', T.bool],
  ],
  (m) =>
    m.sequences.map((s) => ({
      seqrelid: s.oid, seqtypid: BigInt(typeOid({ kind: s.def.type })), seqstart: s.start, seqincrement: s.increment,
      seqmax: s.max, seqmin: s.min, seqcache: BigInt(s.def.cache), seqcycle: false,
    })),
)

const pgDatabase = relation(
  'pg_catalog',
  'pg_database',
  [
    ['oid', T.oid], ['datname', T.name], ['datdba', T.oid], ['encoding', T.int4], ['datlocprovider', T.char],
    ['datistemplate', T.bool], ['datallowconn', T.bool], ['datconnlimit', T.int4], ['dattablespace', T.oid],
    ['datcollate', T.text], ['datctype', T.text], ['datacl', T.texts],
  ],
  () => [
    {
      oid: DATABASE_OID, datname: DATABASE_NAME, datdba: OWNER_OID, encoding: 6n, datlocprovider: 'c', datistemplate: false,
      datallowconn: true, datconnlimit: -1n, dattablespace: DEFAULT_TABLESPACE, datcollate: 'C', datctype: 'C',
    },
  ],
)

const pgRoles = relation(
  'pg_catalog',
  'pg_roles',
  [
    ['rolname', T.name], ['rolsuper', T.bool], ['rolinherit', T.bool], ['rolcreaterole', T.bool], ['rolcreatedb', T.bool],
    ['rolcanlogin', T.bool], ['rolreplication', T.bool], ['rolconnlimit', T.int4], ['rolpassword', T.text],
    ['rolvaliduntil', T.timestamptz], ['rolbypassrls', T.bool], ['rolconfig', T.texts], ['oid', T.oid],
  ],
  () => [
    {
      rolname: OWNER_NAME, rolsuper: true, rolinherit: true, rolcreaterole: true, rolcreatedb: true, rolcanlogin: true,
      rolreplication: false, rolconnlimit: -1n, rolpassword: '********', rolbypassrls: true, oid: OWNER_OID,
    },
  ],
)

const pgUser = relation(
  'pg_catalog',
  'pg_user',
  [
    ['usename', T.name], ['usesysid', T.oid], ['usecreatedb', T.bool], ['usesuper', T.bool], ['userepl', T.bool],
    ['usebypassrls', T.bool], ['passwd', T.text], ['valuntil', T.timestamptz], ['useconfig', T.texts],
  ],
  () => [
    {
      usename: OWNER_NAME, usesysid: OWNER_OID, usecreatedb: true, usesuper: true, userepl: false, usebypassrls: true,
      passwd: '********',
    },
  ],
)

const pgAm = relation(
  'pg_catalog',
  'pg_am',
  [['oid', T.oid], ['amname', T.name], ['amhandler', T.text], ['amtype', T.char]],
  () => [
    { oid: HEAP_AM_OID, amname: 'heap', amhandler: 'heap_tableam_handler', amtype: 't' },
    { oid: BTREE_AM_OID, amname: 'btree', amhandler: 'bthandler', amtype: 'i' },
  ],
)

const pgOpclass = relation(
  'pg_catalog',
  'pg_opclass',
  [
    ['oid', T.oid], ['opcmethod', T.oid], ['opcname', T.name], ['opcnamespace', T.oid], ['opcowner', T.oid],
    ['opcfamily', T.oid], ['opcintype', T.oid], ['opcdefault', T.bool], ['opckeytype', T.oid],
  ],
  () =>
    OPCLASSES.map(([oid, name, intype, family]) => ({
      oid: BigInt(oid), opcmethod: BTREE_AM_OID, opcname: name, opcnamespace: PG_CATALOG_OID, opcowner: OWNER_OID,
      opcfamily: BigInt(family), opcintype: BigInt(intype), opcdefault: true, opckeytype: 0n,
    })),
)

const pgTablespace = relation(
  'pg_catalog',
  'pg_tablespace',
  [['oid', T.oid], ['spcname', T.name], ['spcowner', T.oid], ['spcacl', T.texts], ['spcoptions', T.texts]],
  () => [
    { oid: DEFAULT_TABLESPACE, spcname: 'pg_default', spcowner: OWNER_OID },
    { oid: 1664n, spcname: 'pg_global', spcowner: OWNER_OID },
  ],
)

const pgStatUserIndexes = relation(
  'pg_catalog',
  'pg_stat_user_indexes',
  [
    ['relid', T.oid], ['indexrelid', T.oid], ['schemaname', T.name], ['relname', T.name], ['indexrelname', T.name],
    ['idx_scan', T.int8], ['last_idx_scan', T.timestamptz], ['idx_tup_read', T.int8], ['idx_tup_fetch', T.int8],
  ],
  (m) =>
    m.indexes.map((ix) => ({
      relid: ix.table.oid, indexrelid: ix.oid, schemaname: ix.table.schema.name, relname: ix.table.name,
      indexrelname: ix.name, idx_scan: 0n, idx_tup_read: 0n, idx_tup_fetch: 0n,
    })),
)

const pgStatUserTables = relation(
  'pg_catalog',
  'pg_stat_user_tables',
  [
    ['relid', T.oid], ['schemaname', T.name], ['relname', T.name], ['seq_scan', T.int8], ['seq_tup_read', T.int8],
    ['idx_scan', T.int8], ['idx_tup_fetch', T.int8], ['n_tup_ins', T.int8], ['n_tup_upd', T.int8], ['n_tup_del', T.int8],
    ['n_live_tup', T.int8], ['n_dead_tup', T.int8],
  ],
  (m) => m.tables.map((t: TableInfo) => ({ relid: t.oid, schemaname: t.schema.name, relname: t.name })),
)

const pgSettings = relation(
  'pg_catalog',
  'pg_settings',
  [
    ['name', T.text], ['setting', T.text], ['unit', T.text], ['category', T.text], ['short_desc', T.text],
    ['extra_desc', T.text], ['context', T.text], ['vartype', T.text], ['source', T.text], ['min_val', T.text],
    ['max_val', T.text], ['enumvals', T.texts], ['boot_val', T.text], ['reset_val', T.text], ['sourcefile', T.text],
    ['sourceline', T.int4], ['pending_restart', T.bool],
  ],
  (_m, env) =>
    (env.settings?.() ?? DEFAULT_SETTINGS.all()).map(([name, setting, description]) => ({
      name, setting, short_desc: description ?? null, context: 'user', vartype: 'string', source: 'default',
      boot_val: setting, reset_val: setting, pending_restart: false,
    })),
)

const pgCollation = relation(
  'pg_catalog',
  'pg_collation',
  [
    ['oid', T.oid], ['collname', T.name], ['collnamespace', T.oid], ['collowner', T.oid], ['collprovider', T.char],
    ['collisdeterministic', T.bool], ['collencoding', T.int4], ['collcollate', T.text], ['collctype', T.text],
  ],
  () =>
    [
      [DEFAULT_COLLATION, 'default', 'd', null],
      [C_COLLATION, 'C', 'c', 'C'],
      [951n, 'POSIX', 'c', 'POSIX'],
    ].map(([oid, collname, collprovider, locale]) => ({
      oid, collname, collnamespace: PG_CATALOG_OID, collowner: OWNER_OID, collprovider, collisdeterministic: true,
      collencoding: oid === DEFAULT_COLLATION ? -1n : 6n, collcollate: locale, collctype: locale,
    })),
)

/** pg_views.definition: the defining query as written (PostgreSQL prints its own rendering); NULL for
 * the system views. */
const pgViews = relation(
  'pg_catalog',
  'pg_views',
  [['schemaname', T.name], ['viewname', T.name], ['viewowner', T.name], ['definition', T.text]],
  (m) => m.views.map((v) => ({ schemaname: v.schema.name, viewname: v.name, viewowner: OWNER_NAME, definition: v.info.sql })),
  // A system view is computed, not defined by a query: no definition.
  () => systemClasses().filter((c) => c.kind === 'v').map((c) => ({ schemaname: c.schema.name, viewname: c.name, viewowner: OWNER_NAME })),
)

/** The comments COMMENT ON set on tables, views and their columns (objsubid: the column's attnum). */
const pgDescription = relation(
  'pg_catalog',
  'pg_description',
  [['objoid', T.oid], ['classoid', T.oid], ['objsubid', T.int4], ['description', T.text]],
  function* (m) {
    const row = (objoid: bigint, objsubid: number, description: string | null | undefined) =>
      description === null || description === undefined ? [] : [{ objoid, classoid: PG_CLASS_OID, objsubid: BigInt(objsubid), description }]
    for (const t of m.tables) {
      yield* row(t.oid, 0, t.table.def.comment)
      for (const c of t.columns) yield* row(t.oid, c.attnum, c.def.comment)
    }
    for (const v of m.views) {
      yield* row(v.oid, 0, v.info.comment)
      for (const [i, comment] of (v.info.columnComments ?? []).entries()) yield* row(v.oid, i + 1, comment)
    }
  },
)

/** Dependencies tools read: a sequence owned by a column (serial 'a', identity 'i'). */
const pgDepend = relation(
  'pg_catalog',
  'pg_depend',
  [
    ['classid', T.oid], ['objid', T.oid], ['objsubid', T.int4], ['refclassid', T.oid], ['refobjid', T.oid],
    ['refobjsubid', T.int4], ['deptype', T.char],
  ],
  function* (m) {
    for (const s of m.sequences) {
      const owner = s.def.ownedBy
      const table = owner === undefined ? undefined : m.tables.find((t) => t.table.name === owner.table)
      const column = table?.columns.find((c) => c.def.name === owner?.column)
      if (table === undefined || column === undefined) continue
      yield {
        classid: PG_CLASS_OID, objid: s.oid, objsubid: 0n, refclassid: PG_CLASS_OID, refobjid: table.oid,
        refobjsubid: BigInt(column.attnum), deptype: column.def.identity === undefined ? 'a' : 'i',
      }
    }
  },
)

const EMPTY: readonly SystemRelation[] = [
  emptyRelation('pg_catalog', 'pg_matviews', [
    ['schemaname', T.name], ['matviewname', T.name], ['matviewowner', T.name], ['tablespace', T.name],
    ['hasindexes', T.bool], ['ispopulated', T.bool], ['definition', T.text],
  ]),
  relation('pg_catalog', 'pg_enum', [['oid', T.oid], ['enumtypid', T.oid], ['enumsortorder', T.float4], ['enumlabel', T.name]], (m) =>
    // A label's oid follows its type's (the type's OID block holds no other object).
    m.enums.flatMap((e) =>
      e.def.labels.map((label, i) => ({
        oid: e.oid + 1n + BigInt(i), enumtypid: e.oid, enumsortorder: e.def.sortOrders[i] ?? 0, enumlabel: label,
      })),
    ),
  ),
  emptyRelation('pg_catalog', 'pg_policies', [
    ['schemaname', T.name], ['tablename', T.name], ['policyname', T.name], ['permissive', T.text], ['roles', T.names],
    ['cmd', T.text], ['qual', T.text], ['with_check', T.text],
  ]),
  emptyRelation('pg_catalog', 'pg_inherits', [
    ['inhrelid', T.oid], ['inhparent', T.oid], ['inhseqno', T.int4], ['inhdetachpending', T.bool],
  ]),
  emptyRelation('pg_catalog', 'pg_trigger', [
    ['oid', T.oid], ['tgrelid', T.oid], ['tgparentid', T.oid], ['tgname', T.name], ['tgfoid', T.oid], ['tgtype', T.int2],
    ['tgenabled', T.char], ['tgisinternal', T.bool], ['tgconstrrelid', T.oid], ['tgconstrindid', T.oid],
    ['tgconstraint', T.oid], ['tgdeferrable', T.bool], ['tginitdeferred', T.bool], ['tgnargs', T.int2],
  ]),
  emptyRelation('pg_catalog', 'pg_extension', [
    ['oid', T.oid], ['extname', T.name], ['extowner', T.oid], ['extnamespace', T.oid], ['extrelocatable', T.bool],
    ['extversion', T.text],
  ]),
  emptyRelation('pg_catalog', 'pg_policy', [
    ['oid', T.oid], ['polname', T.name], ['polrelid', T.oid], ['polcmd', T.char], ['polpermissive', T.bool],
    ['polroles', T.oids], ['polqual', T.text], ['polwithcheck', T.text],
  ]),
  emptyRelation('pg_catalog', 'pg_statistic_ext', [
    ['oid', T.oid], ['stxrelid', T.oid], ['stxname', T.name], ['stxnamespace', T.oid], ['stxowner', T.oid],
    ['stxkeys', T.int2s], ['stxstattarget', T.int2], ['stxkind', T.texts], ['stxexprs', T.text],
  ]),
  emptyRelation('pg_catalog', 'pg_publication', [
    ['oid', T.oid], ['pubname', T.name], ['pubowner', T.oid], ['puballtables', T.bool], ['pubinsert', T.bool],
    ['pubupdate', T.bool], ['pubdelete', T.bool], ['pubtruncate', T.bool], ['pubviaroot', T.bool],
  ]),
  emptyRelation('pg_catalog', 'pg_publication_rel', [
    ['oid', T.oid], ['prpubid', T.oid], ['prrelid', T.oid], ['prqual', T.text], ['prattrs', T.int2s],
  ]),
  emptyRelation('pg_catalog', 'pg_publication_namespace', [['oid', T.oid], ['pnpubid', T.oid], ['pnnspid', T.oid]]),
  emptyRelation('pg_catalog', 'pg_rewrite', [
    ['oid', T.oid], ['rulename', T.name], ['ev_class', T.oid], ['ev_type', T.char], ['ev_enabled', T.char],
    ['is_instead', T.bool], ['ev_qual', T.text], ['ev_action', T.text],
  ]),
  emptyRelation('pg_catalog', 'pg_stat_activity', [
    ['datid', T.oid], ['datname', T.name], ['pid', T.int4], ['usesysid', T.oid], ['usename', T.name],
    ['application_name', T.text], ['client_addr', T.text], ['client_port', T.int4], ['backend_start', T.timestamptz],
    ['xact_start', T.timestamptz], ['query_start', T.timestamptz], ['state_change', T.timestamptz],
    ['wait_event_type', T.text], ['wait_event', T.text], ['state', T.text], ['query', T.text], ['backend_type', T.text],
  ]),
  emptyRelation('pg_catalog', 'pg_locks', [
    ['locktype', T.text], ['database', T.oid], ['relation', T.oid], ['pid', T.int4], ['mode', T.text], ['granted', T.bool],
  ]),
  emptyRelation('pg_catalog', 'pg_proc', [
    ['oid', T.oid], ['proname', T.name], ['pronamespace', T.oid], ['proowner', T.oid], ['prokind', T.char],
    ['pronargs', T.int2], ['prorettype', T.oid], ['prosrc', T.text],
  ]),
]

/** Every pg_catalog relation. */
export const PG_CATALOG: readonly SystemRelation[] = [
  pgNamespace, pgClass, pgAttribute, pgType, pgIndex, pgConstraint, pgAttrdef, pgTables, pgIndexes, pgSequences,
  pgSequence, pgDatabase, pgRoles, pgUser, pgAm, pgOpclass, pgTablespace, pgStatUserIndexes, pgStatUserTables,
  pgSettings, pgViews, pgCollation, pgDepend, pgDescription, ...EMPTY,
]

/** Values of a Datum row by column name, for tests and functions that read a relation. */
export function rowObject(rel: SystemRelation, row: readonly Datum[]): Record<string, Datum> {
  return Object.fromEntries(rel.columns.map((c, i) => [c.name, row[i] ?? null]))
}
