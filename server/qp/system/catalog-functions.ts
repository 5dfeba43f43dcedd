// Catalog functions (ARCHITECTURE.md "query processor": bind): version(), current_schema(),
// format_type, pg_get_indexdef and the other functions introspection queries call beside the
// catalog relations. Those that read the catalog find it through the transaction's services.
import { SqlError } from '../../errors/index.ts'
import { canCast, parseOid, type Datum, type SqlType } from '../types/index.ts'
import type { EvalContext, FunctionApply } from '../expr.ts'
import type { FunctionResolver } from '../functions.ts'
import { prettyExpression, quoteLiteral, quoteIdent } from './deparse.ts'
import { formatTypeOid } from './describe.ts'
import { DATABASE_NAME, OWNER_NAME, VERSION_STRING } from './identity.ts'
import { constraintDefinition, indexDefinition, lastValue, regclassName, regclassOid, regnamespaceName, regnamespaceOid, serialSequence, tableIsVisible, viewDefinition } from './lookup.ts'
import { buildModel, type CatalogModel, type SystemEnv } from './model.ts'
import { builtinTypeBySqlName, FIRST_USER_OID, OWNER_OID } from './oids.ts'
import { indexesSize, relationSize, totalRelationSize } from './relation-size.ts'

const TEXT: SqlType = { kind: 'text' }
const BOOL: SqlType = { kind: 'bool' }
const INT4: SqlType = { kind: 'int4' }
const INT8: SqlType = { kind: 'int8' }
const OID: SqlType = { kind: 'oid' }
const TEXTS: SqlType = { kind: 'array', element: TEXT }

interface Options {
  readonly strict?: boolean
  readonly volatile?: boolean
}

/** One overload: matches when every argument casts implicitly to its parameter (an integer to
 * an `oid` one as PostgreSQL casts it: -1 is 4294967295, an int8 beyond 32 bits 22003). */
function overload(params: readonly SqlType[], type: SqlType, apply: FunctionApply, options: Options = {}): FunctionResolver {
  return (args) => {
    if (args.length !== params.length || !args.every((a, i) => canCast(a, params[i] as SqlType, 'implicit'))) return undefined
    return { argTypes: params, type, apply, strict: options.strict ?? true, volatile: options.volatile ?? false }
  }
}

/** The first overload that matches. */
function overloads(...resolvers: FunctionResolver[]): FunctionResolver {
  return (args) => {
    for (const r of resolvers) {
      const hit = r(args)
      if (hit !== undefined) return hit
    }
    return undefined
  }
}

const constant = (type: SqlType, value: Datum): FunctionResolver => overload([], type, () => value)

/** Whether `x` can list the catalog. */
function isSystemEnv(x: unknown): x is SystemEnv {
  return typeof x === 'object' && x !== null && 'tables' in x && typeof x.tables === 'function'
}

/** Models built per statement (per evaluation context outside one): a catalog function called
 * per row, also in a correlated subquery, must not list the catalog again. */
const MODELS = new WeakMap<object, CatalogModel>()

/** The catalog at the calling transaction's snapshot, as an expression evaluated in `ctx` sees
 * it: from `ctx.system` or the transaction's services when they offer it, else empty. */
export function modelOf(ctx: EvalContext): CatalogModel {
  const key = ctx.statement ?? ctx
  let model = MODELS.get(key)
  if (model === undefined) {
    const env = isSystemEnv(ctx.system) ? ctx.system : isSystemEnv(ctx.tx) ? ctx.tx : { tables: () => [] }
    model = buildModel(env)
    MODELS.set(key, model)
  }
  return model
}

const oidArg = (d: Datum | undefined): bigint => d as bigint

/** The OID of the relation a regclass value names (its name, in Tessera): 42P01 for none. */
function regclassArg(ctx: EvalContext, text: string): bigint {
  const oid = regclassOid(modelOf(ctx), text)
  if (oid === null) throw new SqlError('42P01', `relation "${text}" does not exist`)
  return oid
}

const indexdefByOid: FunctionResolver = overloads(
  overload([OID], TEXT, (a, ctx) => indexDefinition(modelOf(ctx), oidArg(a[0]), 0)),
  overload([OID, INT4, BOOL], TEXT, (a, ctx) => indexDefinition(modelOf(ctx), oidArg(a[0]), Number(a[1] as bigint))),
)
const indexdefByName = overload([TEXT], TEXT, (a, ctx) => indexDefinition(modelOf(ctx), regclassArg(ctx, a[0] as string), 0))

/** pg_get_indexdef: by OID (an untyped literal too, as PostgreSQL has no text form), or by a
 * regclass value (`'i'::regclass`, which is its name in Tessera: typed text). */
const pgGetIndexdef: FunctionResolver = (args) => (args.length === 1 && args[0]?.kind === 'text' ? indexdefByName(args) : indexdefByOid(args))

const constraintdef: FunctionApply = (a, ctx) => constraintDefinition(modelOf(ctx), oidArg(a[0]), a[1] === true)
const viewdef: FunctionApply = (a, ctx) => viewDefinition(modelOf(ctx), oidArg(a[0]))

/** pg_get_viewdef(text): the relation named as regclass input reads it; NULL when it is not a
 * view (as by OID), 42P01 when there is none. */
const viewdefByName: FunctionApply = (a, ctx) => viewDefinition(modelOf(ctx), regclassArg(ctx, a[0] as string))

/** pg_get_viewdef: by OID, or by name (text; also what an untyped literal resolves to, as
 * PostgreSQL prefers text for it). */
const pgGetViewdef: FunctionResolver = overloads(
  overload([TEXT], TEXT, viewdefByName),
  overload([TEXT, BOOL], TEXT, viewdefByName),
  overload([OID], TEXT, viewdef),
  overload([OID, BOOL], TEXT, viewdef),
)

/** pg_sequence_last_value(regclass): the last value sequence `oid` handed out, NULL while it has
 * none (is_called false), as pg_sequences.last_value. 42809 for another kind of relation; for an
 * OID that names no relation, PostgreSQL's XX000. */
function sequenceLastValue(ctx: EvalContext, oid: bigint): Datum {
  const m = modelOf(ctx)
  const sequence = m.sequences.find((s) => s.oid === oid)
  if (sequence !== undefined) return lastValue(ctx.tx.sequencePosition(sequence.def.name))
  const other: readonly (readonly [string, { readonly name: string } | undefined])[] = [
    ['tables', m.tables.find((t) => t.oid === oid)],
    ['views', m.views.find((v) => v.oid === oid)],
    ['indexes', m.indexes.find((i) => i.oid === oid)],
  ]
  const [kind, found] = other.find(([, o]) => o !== undefined) ?? []
  if (kind === undefined || found === undefined) throw new SqlError('XX000', `could not open relation with OID ${oid}`)
  throw new SqlError('42809', `cannot open relation "${found.name}"`, { detail: `This operation is not supported for ${kind}.` })
}

/** pg_sequence_last_value: by a regclass value (`'s'::regclass`, its name in Tessera: typed
 * text; an untyped literal too) or by OID (pg_class.oid). Volatile, as nextval is. */
const pgSequenceLastValue: FunctionResolver = overloads(
  overload([TEXT], INT8, (a, ctx) => sequenceLastValue(ctx, regclassArg(ctx, a[0] as string)), { volatile: true }),
  overload([OID], INT8, (a, ctx) => sequenceLastValue(ctx, oidArg(a[0])), { volatile: true }),
)

/** A regclass argument given as text (`'t'::regclass` is its name in Tessera, an untyped literal
 * is regclass input): digits are an OID, as regclassin reads them; a name that names no relation
 * is 42P01. Digits in a text value are an OID too (PostgreSQL's text-to-regclass cast reads them
 * as a name): here a regclass value is text, and oid::regclass of an OID naming nothing prints
 * the number, which must stay NULL as it is in PostgreSQL. */
function regclassInput(ctx: EvalContext, text: string): bigint {
  return /^[0-9]+$/.test(text) ? parseOid(text) : regclassArg(ctx, text)
}

type SizeOf = (ctx: EvalContext, m: CatalogModel, oid: bigint) => bigint | null

/** A size function of one regclass: by name (text, or an untyped literal) or by OID. */
function sizeFunction(size: SizeOf): FunctionResolver {
  return overloads(
    overload([TEXT], INT8, (a, ctx) => size(ctx, modelOf(ctx), regclassInput(ctx, a[0] as string)), { volatile: true }),
    overload([OID], INT8, (a, ctx) => size(ctx, modelOf(ctx), oidArg(a[0])), { volatile: true }),
  )
}

/** pg_relation_size(regclass [, fork]). */
const pgRelationSize: FunctionResolver = overloads(
  sizeFunction(relationSize),
  overload([TEXT, TEXT], INT8, (a, ctx) => relationSize(ctx, modelOf(ctx), regclassInput(ctx, a[0] as string), a[1] as string), { volatile: true }),
  overload([OID, TEXT], INT8, (a, ctx) => relationSize(ctx, modelOf(ctx), oidArg(a[0]), a[1] as string), { volatile: true }),
)

/** pg_node_tree columns hold the printed expression already, so pg_get_expr returns it (printed
 * again in pretty mode when asked). */
const pgGetExpr: FunctionResolver = overloads(
  overload([TEXT, OID], TEXT, (a) => a[0] as string),
  overload([TEXT, OID, BOOL], TEXT, (a) => (a[2] === true ? prettyExpression(a[0] as string) : (a[0] as string))),
)

/** to_regtype(text): a built-in type's OID by its pg_type or SQL name. */
const toRegtype = overload([TEXT], OID, (a) => {
  const t = builtinTypeBySqlName(a[0] as string)
  return t === undefined ? null : BigInt(t.oid)
})

/** Every privilege is granted: the one role owns every object. */
const granted: FunctionResolver = (args) =>
  args.length >= 2 && args.length <= 4
    ? { argTypes: args.map((a) => (a.kind === 'unknown' ? TEXT : a)), type: BOOL, apply: () => true, strict: true, volatile: false }
    : undefined

/** shobj_description: no shared object has a comment. An untyped
 * first argument must still read as an oid (22P02 as in PostgreSQL); any other type is taken
 * (`'t'::regclass` is text in Tessera). */
const nullText: FunctionResolver = (args) => {
  if (args.length < 1 || args.length > 2) return undefined
  const literal = args[0]?.kind === 'unknown'
  const apply: FunctionApply = (a) => {
    if (literal && typeof a[0] === 'string') parseOid(a[0])
    return null
  }
  return { argTypes: args.map((a) => (a.kind === 'unknown' ? TEXT : a)), type: TEXT, apply, strict: false, volatile: false }
}

/** obj_description(oid [, catalog]) and col_description(oid, attnum): what COMMENT ON set on a
 * table or view (pg_class's objects) or on one of their columns; NULL for anything else. The
 * object is an oid, or a relation's name (a regclass value is its name in Tessera); an untyped
 * literal reads as an oid (22P02 as in PostgreSQL). */
function description(column: boolean): FunctionResolver {
  return (args) => {
    if (args.length < 1 || args.length > 2 || (column && args.length !== 2)) return undefined
    const literal = args[0]?.kind === 'unknown'
    const apply: FunctionApply = (a, ctx) => {
      const first = a[0] ?? null
      if (first === null || (args.length === 2 && a[1] === null)) return null
      const model = modelOf(ctx)
      const oid = typeof first === 'string' ? (literal ? parseOid(first) : regclassOid(model, first)) : (first as bigint)
      if (oid === null) return null
      if (!column && args.length === 2 && a[1] !== 'pg_class') return null
      return relationComment(model, oid, column ? Number(a[1] as bigint) : 0)
    }
    const second = column ? INT4 : TEXT
    const first = args[0] as SqlType
    // An integer is read as an oid (obj_description(-1) asks about 4294967295).
    const firstType = first.kind === 'unknown' ? TEXT : canCast(first, OID, 'implicit') ? OID : first
    return { argTypes: [firstType, ...(args.length === 2 ? [second] : [])], type: TEXT, apply, strict: false, volatile: false }
  }
}

/** The comment on relation `oid` (attnum 0) or its column `attnum`; NULL when none. */
export function relationComment(m: CatalogModel, oid: bigint, attnum: number): string | null {
  const table = m.tables.find((t) => t.oid === oid)
  if (table !== undefined) {
    if (attnum === 0) return table.table.def.comment ?? null
    return table.columns.find((c) => c.attnum === attnum)?.def.comment ?? null
  }
  const view = m.views.find((v) => v.oid === oid)
  if (view === undefined) return null
  return (attnum === 0 ? view.info.comment : view.info.columnComments?.[attnum - 1]) ?? null
}

/** format_type(oid, typmod): not strict, a NULL typmod is -1. */
const formatType = overload(
  [OID, INT4],
  TEXT,
  (a, ctx) => {
    if (a[0] === null) return null
    const oid = a[0] as bigint
    // An enum prints as its name, schema-qualified outside public (the search path).
    const e = oid >= FIRST_USER_OID ? modelOf(ctx).enums.find((x) => x.oid === oid) : undefined
    return e !== undefined ? e.def.name : formatTypeOid(Number(oid), a[1] === null ? -1 : Number(a[1] as bigint))
  },
  { strict: false },
)

// pg_size_pretty's units: [name, limit, rounded, unit bits] (PostgreSQL's size_pretty_units).
const SIZE_UNITS: readonly (readonly [string, bigint, boolean, number])[] = [
  ['bytes', 10n * 1024n, false, 0],
  ['kB', 20n * 1024n - 1n, true, 10],
  ['MB', 20n * 1024n - 1n, true, 20],
  ['GB', 20n * 1024n - 1n, true, 30],
  ['TB', 20n * 1024n - 1n, true, 40],
  ['PB', 20n * 1024n - 1n, true, 50],
]

/** pg_size_pretty(bigint): a size in the largest unit that keeps it under its limit. */
export function sizePretty(bytes: bigint): string {
  let size = bytes
  for (let i = 0; i < SIZE_UNITS.length; i++) {
    const [name, limit, round, bits] = SIZE_UNITS[i] as (typeof SIZE_UNITS)[number]
    const next = SIZE_UNITS[i + 1]
    if ((size < 0n ? -size : size) < limit || next === undefined) {
      if (round) size = (size + (size < 0n ? -1n : 1n)) / 2n
      return `${size} ${name}`
    }
    size /= 1n << BigInt(next[3] - bits - (next[2] ? 1 : 0) + (round ? 1 : 0))
  }
  return `${size} PB`
}

/** Catalog functions, by lowercase name. */
export const CATALOG_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['version', constant(TEXT, VERSION_STRING)],
  ['current_database', constant(TEXT, DATABASE_NAME)],
  ['current_catalog', constant(TEXT, DATABASE_NAME)],
  ['current_schema', constant(TEXT, 'public')],
  ['current_schemas', overload([BOOL], TEXTS, (a) => (a[0] === true ? ['pg_catalog', 'public'] : ['public']))],
  ['current_user', constant(TEXT, OWNER_NAME)],
  ['current_role', constant(TEXT, OWNER_NAME)],
  ['session_user', constant(TEXT, OWNER_NAME)],
  ['user', constant(TEXT, OWNER_NAME)],
  ['pg_backend_pid', constant(INT4, 1n)],
  ['inet_server_addr', overload([], TEXT, () => null, { strict: false })],
  ['inet_server_port', overload([], INT4, () => null, { strict: false })],
  ['pg_is_in_recovery', constant(BOOL, false)],
  ['pg_table_is_visible', overload([OID], BOOL, (a, ctx) => tableIsVisible(modelOf(ctx), oidArg(a[0])))],
  ['pg_type_is_visible', overload([OID], BOOL, () => true)],
  ['format_type', formatType],
  ['pg_get_indexdef', pgGetIndexdef],
  ['pg_get_constraintdef', overloads(overload([OID], TEXT, constraintdef), overload([OID, BOOL], TEXT, constraintdef))],
  ['pg_get_expr', pgGetExpr],
  ['pg_get_viewdef', pgGetViewdef],
  ['pg_get_userbyid', overload([OID], TEXT, (a) => (a[0] === OWNER_OID ? OWNER_NAME : `unknown (OID=${String(a[0])})`))],
  ['pg_sequence_last_value', pgSequenceLastValue],
  ['pg_get_serial_sequence', overload([TEXT, TEXT], TEXT, (a, ctx) => serialSequence(modelOf(ctx), a[0] as string, a[1] as string))],
  ['pg_encoding_to_char', overload([INT4], TEXT, (a) => (a[0] === 6n ? 'UTF8' : ''))],
  ['pg_tablespace_location', overload([OID], TEXT, () => '')],
  ['obj_description', description(false)],
  ['col_description', description(true)],
  ['shobj_description', nullText],
  ['has_table_privilege', granted],
  ['has_schema_privilege', granted],
  ['has_database_privilege', granted],
  ['has_column_privilege', granted],
  ['has_sequence_privilege', granted],
  ['has_function_privilege', granted],
  ['pg_has_role', granted],
  // A regclass value, which is its printed name here; beside an oid it is the OID (binder's
  // asOidBeside), as PostgreSQL's regclass is one.
  ['to_regclass', overload([TEXT], TEXT, (a, ctx) => {
    const m = modelOf(ctx)
    const oid = regclassOid(m, a[0] as string)
    return oid === null ? null : regclassName(m, oid)
  })],
  // Likewise a regnamespace value: the schema's printed name, or NULL for none.
  ['to_regnamespace', overload([TEXT], TEXT, (a, ctx) => {
    const m = modelOf(ctx)
    const oid = regnamespaceOid(m, a[0] as string)?.oid
    return oid == null ? null : regnamespaceName(m, oid)
  })],
  ['to_regtype', toRegtype],
  ['quote_ident', overload([TEXT], TEXT, (a) => quoteIdent(a[0] as string))],
  ['quote_literal', overload([TEXT], TEXT, (a) => quoteLiteral(a[0] as string))],
  ['pg_relation_size', pgRelationSize],
  ['pg_total_relation_size', sizeFunction(totalRelationSize)],
  // Nothing is kept out of line (no TOAST), so a table's size is its main fork's.
  ['pg_table_size', sizeFunction((ctx, m, oid) => relationSize(ctx, m, oid))],
  ['pg_indexes_size', sizeFunction(indexesSize)],
  ['pg_size_pretty', overload([INT8], TEXT, (a) => sizePretty(a[0] as bigint))],
])
