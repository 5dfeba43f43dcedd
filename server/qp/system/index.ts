// The system catalog relations (ARCHITECTURE.md "query processor": bind): read-only views of the
// catalog under `pg_catalog` and `information_schema` (and DSQL's `sys.jobs`), built from the
// tables visible at the transaction's snapshot, so introspection by drivers and ORMs sees what the
// transaction sees.
import type { FunctionResolver } from '../functions.ts'
import { CATALOG_FUNCTIONS, modelOf } from './catalog-functions.ts'
import type { EvalContext } from '../expr.ts'
import { SqlError } from '../../errors/index.ts'
import { formatTypeOid } from './describe.ts'
import { INFORMATION_SCHEMA } from './information-schema.ts'
import { regclassName, regclassOid, regnamespaceName, regnamespaceOid } from './lookup.ts'
import { builtinTypeBySqlName } from './oids.ts'
import { PG_CATALOG } from './pg-catalog.ts'
import type { SystemRelation } from './relation.ts'
import { SYS } from './sys.ts'

export type { SystemEnv, ViewInfo } from './model.ts'
export type { SystemRelation } from './relation.ts'
/** The OID scheme (see oids.ts): user relation `id` is `FIRST_USER_OID + id * 8192`. */
export { relationOid, relationIdOf, typeOid, typmodOf } from './oids.ts'
/** The OID of system relation `schema.name` (PostgreSQL's), or undefined: regclass input finds
 * these, a bare name in pg_catalog before public. */
export { systemRelationIsView, systemRelationOid } from './oids.ts'
/** An index's expression element as pg_get_indexdef prints it (unique violations name it so). */
export { indexElementText } from './deparse.ts'

/** `text::regclass` where it meets an oid: the relation's oid; 42P01 when there is none. (The
 * catalog is the one of the statement `ctx` evaluates in.) */
export function regclassOidOfText(ctx: EvalContext, text: string): bigint {
  const oid = regclassOid(modelOf(ctx), text)
  if (oid === null) throw new SqlError('42P01', `relation "${text}" does not exist`)
  return oid
}

/** The OID of the relation `text` names, or NULL (to_regclass's value beside an oid). */
export function regclassOidOrNull(ctx: EvalContext, text: string): bigint | null {
  return regclassOid(modelOf(ctx), text)
}

/** `text::regclass`: the relation's name as PostgreSQL prints a regclass (unqualified in public);
 * 42P01 when there is none. */
export function regclassOfText(ctx: EvalContext, text: string): string {
  return regclassName(modelOf(ctx), regclassOidOfText(ctx, text))
}

/** `oid::regclass`: the name of the relation with that oid (the number when there is none). */
export function regclassOfOid(ctx: EvalContext, oid: bigint): string {
  return regclassName(modelOf(ctx), oid)
}

/** `text::regnamespace` where it meets an oid: the schema's OID; 3F000 when there is none. Also
 * `to_regnamespace` (`orNull`: NULL for none). */
export function regnamespaceOidOfText(ctx: EvalContext, text: string, orNull = false): bigint | null {
  const schema = regnamespaceOid(modelOf(ctx), text)
  if (schema?.oid != null || orNull) return schema?.oid ?? null
  if (schema === undefined) throw new SqlError('42602', 'invalid name syntax')
  throw new SqlError('3F000', `schema "${schema.name}" does not exist`)
}

/** `text::regnamespace`: the schema's name as PostgreSQL prints a regnamespace. */
export function regnamespaceOfText(ctx: EvalContext, text: string): string {
  // Without orNull a name that names nothing raises, so the OID is there.
  return regnamespaceName(modelOf(ctx), regnamespaceOidOfText(ctx, text) as bigint)
}

/** `oid::regnamespace`: the schema's name (the number when there is none). */
export function regnamespaceOfOid(ctx: EvalContext, oid: bigint): string {
  return regnamespaceName(modelOf(ctx), oid)
}

/** `'int4'::regtype` and its output: built-in types need no catalog. */
export function regtypeIn(name: string): bigint | undefined {
  const t = builtinTypeBySqlName(name)
  return t === undefined ? undefined : BigInt(t.oid)
}

export function regtypeOut(oid: bigint): string {
  return formatTypeOid(Number(oid), -1)
}

const BY_SCHEMA: ReadonlyMap<string, ReadonlyMap<string, SystemRelation>> = new Map([
  ['pg_catalog', new Map(PG_CATALOG.map((r) => [r.name, r]))],
  ['information_schema', new Map(INFORMATION_SCHEMA.map((r) => [r.name, r]))],
  ['sys', new Map(SYS.map((r) => [r.name, r]))],
])

/**
 * The system relation `schema.name`; with no schema, `pg_catalog` is searched (it is first on
 * PostgreSQL's search path). Undefined when there is none. Names are as stored (lowercase unless
 * quoted). Each scan calls `rows(env)` once; `env.tables()` lists the user tables visible to the
 * transaction.
 */
export function systemRelation(schema: string | undefined, name: string): SystemRelation | undefined {
  return BY_SCHEMA.get(schema ?? 'pg_catalog')?.get(name)
}

/** Every system relation (for listings and tests). */
export const SYSTEM_RELATIONS: readonly SystemRelation[] = [...PG_CATALOG, ...INFORMATION_SCHEMA, ...SYS]

/**
 * Catalog functions (version(), format_type, pg_get_indexdef, ...), by lowercase name; the binder
 * looks here after the general function registry. Functions that read the catalog
 * (pg_get_indexdef, pg_get_constraintdef, pg_get_serial_sequence, pg_table_is_visible,
 * to_regclass) find it through `ctx.tx` when the transaction's services implement SystemEnv, and
 * see no tables otherwise. `current_user`, `session_user`, `current_role`, `user`,
 * `current_catalog` and `current_schema` are here for the SQLValueFunction forms to map to.
 */
export const SYSTEM_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = CATALOG_FUNCTIONS
