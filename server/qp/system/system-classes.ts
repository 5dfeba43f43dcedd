// The system relations as the catalog lists them (ARCHITECTURE.md "query processor": bind): pg_class,
// pg_attribute, pg_type and information_schema describe PostgreSQL's catalog tables and views that
// Tessera has, with the columns Tessera's versions of them have. They never change: built once.
//
// This module and pg-catalog.ts / information-schema.ts import each other: those declare the
// relations and list these rows, this one reads their declarations. Only systemClasses() reads the
// declarations, and only on a scan, after every module has loaded.
import { assert } from '../../errors/index.ts'
import type { SqlType } from '../types/index.ts'
import { INFORMATION_SCHEMA } from './information-schema.ts'
import { SYSTEM_SCHEMAS, type SchemaInfo } from './model.ts'
import { systemRelationIsView, systemRelationOids } from './oids.ts'
import { PG_CATALOG } from './pg-catalog.ts'
import type { SystemRelation } from './relation.ts'

/** A system relation as pg_class and pg_attribute list it. */
export interface SystemClass {
  readonly oid: bigint
  readonly schema: SchemaInfo
  readonly name: string
  /** relkind: 'r' a catalog table, 'v' a view. */
  readonly kind: 'r' | 'v'
  readonly rowType: bigint
  readonly arrayType: bigint
  /** Tessera's columns, in order, each with the attnum PostgreSQL gives it. */
  readonly columns: readonly { readonly name: string; readonly type: SqlType; readonly attnum: number }[]
  /** A catalog all databases of a PostgreSQL cluster share (relisshared, in tablespace pg_global). */
  readonly shared: boolean
}

/**
 * PostgreSQL's columns (PGlite's PostgreSQL, 18) that Tessera's versions leave out, by attnum: the
 * columns after one keep PostgreSQL's numbers, so pg_attribute has gaps there, as after a dropped
 * column. Every other system relation has all of PostgreSQL's columns, in PostgreSQL's order.
 */
const OMITTED: ReadonlyMap<string, readonly (readonly [number, string])[]> = new Map([
  ['pg_catalog.pg_class', [[13, 'relallfrozen'], [30, 'relfrozenxid'], [31, 'relminmxid']]],
  ['pg_catalog.pg_attribute', [[25, 'attmissingval']]],
  ['pg_catalog.pg_type', [
    [18, 'typreceive'], [19, 'typsend'], [20, 'typmodin'], [21, 'typmodout'], [22, 'typanalyze'], [30, 'typdefaultbin'],
    [32, 'typacl'],
  ]],
  ['pg_catalog.pg_constraint', [[7, 'conenforced'], [20, 'conperiod'], [26, 'confdelsetcols']]],
  ['pg_catalog.pg_database', [
    [8, 'dathasloginevt'], [10, 'datfrozenxid'], [11, 'datminmxid'], [15, 'datlocale'], [16, 'daticurules'],
    [17, 'datcollversion'],
  ]],
  ['pg_catalog.pg_stat_user_tables', [
    [5, 'last_seq_scan'], [8, 'last_idx_scan'], [13, 'n_tup_hot_upd'], [14, 'n_tup_newpage_upd'],
    [17, 'n_mod_since_analyze'], [18, 'n_ins_since_vacuum'], [19, 'last_vacuum'], [20, 'last_autovacuum'],
    [21, 'last_analyze'], [22, 'last_autoanalyze'], [23, 'vacuum_count'], [24, 'autovacuum_count'], [25, 'analyze_count'],
    [26, 'autoanalyze_count'], [27, 'total_vacuum_time'], [28, 'total_autovacuum_time'], [29, 'total_analyze_time'],
    [30, 'total_autoanalyze_time'],
  ]],
  ['pg_catalog.pg_collation', [[10, 'colllocale'], [11, 'collicurules'], [12, 'collversion']]],
  ['pg_catalog.pg_trigger', [[15, 'tgattr'], [16, 'tgargs'], [17, 'tgqual'], [18, 'tgoldtable'], [19, 'tgnewtable']]],
  ['pg_catalog.pg_extension', [[7, 'extconfig'], [8, 'extcondition']]],
  ['pg_catalog.pg_publication', [[10, 'pubgencols']]],
  ['pg_catalog.pg_stat_activity', [
    [4, 'leader_pid'], [9, 'client_hostname'], [18, 'backend_xid'], [19, 'backend_xmin'], [20, 'query_id'],
  ]],
  ['pg_catalog.pg_locks', [
    [4, 'page'], [5, 'tuple'], [6, 'virtualxid'], [7, 'transactionid'], [8, 'classid'], [9, 'objid'], [10, 'objsubid'],
    [11, 'virtualtransaction'], [15, 'fastpath'], [16, 'waitstart'],
  ]],
  ['pg_catalog.pg_proc', [
    [5, 'prolang'], [6, 'procost'], [7, 'prorows'], [8, 'provariadic'], [9, 'prosupport'], [11, 'prosecdef'],
    [12, 'proleakproof'], [13, 'proisstrict'], [14, 'proretset'], [15, 'provolatile'], [16, 'proparallel'],
    [18, 'pronargdefaults'], [20, 'proargtypes'], [21, 'proallargtypes'], [22, 'proargmodes'], [23, 'proargnames'],
    [24, 'proargdefaults'], [25, 'protrftypes'], [27, 'probin'], [28, 'prosqlbody'], [29, 'proconfig'], [30, 'proacl'],
  ]],
])

/** The catalogs PostgreSQL shares between databases, of those Tessera has. */
const SHARED: ReadonlySet<string> = new Set(['pg_database', 'pg_tablespace'])

/** PostgreSQL's columns that Tessera's version of `schema.name` leaves out: attnum and name. */
export const omittedColumns = (schema: string, name: string): readonly (readonly [number, string])[] =>
  OMITTED.get(`${schema}.${name}`) ?? []

let classes: readonly SystemClass[] | undefined

/** The system relations of pg_catalog and information_schema, in OID order (`sys` has none). */
export function systemClasses(): readonly SystemClass[] {
  classes ??= [...PG_CATALOG, ...INFORMATION_SCHEMA]
    .map(systemClass)
    .sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0))
  return classes
}

function systemClass(r: SystemRelation): SystemClass {
  const oids = systemRelationOids(r.schema, r.name)
  assert(oids !== undefined, `system relation ${r.schema}.${r.name} has an OID`)
  const schema = SYSTEM_SCHEMAS.find((s) => s.name === r.schema)
  assert(schema !== undefined, `${r.schema} is a system schema`)
  const omitted = new Set(omittedColumns(r.schema, r.name).map(([attnum]) => attnum))
  let attnum = 0
  const columns = r.columns.map((c) => {
    attnum++
    while (omitted.has(attnum)) attnum++
    return { name: c.name, type: c.type, attnum }
  })
  const kind = systemRelationIsView(oids.oid) ? 'v' : 'r'
  const { oid, rowType, arrayType } = oids
  return { oid, schema, name: r.name, kind, rowType, arrayType, columns, shared: SHARED.has(r.name) }
}
