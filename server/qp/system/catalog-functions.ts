// Catalog functions (ARCHITECTURE.md "query processor": bind): version(), current_schema(),
// format_type, pg_get_indexdef and the other functions introspection queries call beside the
// catalog relations. Those that read the catalog find it through the transaction's services.
import { canCast, type Datum, type SqlType } from '../types/index.ts'
import type { EvalContext, FunctionApply } from '../expr.ts'
import type { FunctionResolver } from '../functions.ts'
import { quoteLiteral, quoteIdent } from './deparse.ts'
import { constraintDef, formatTypeOid, indexDef } from './describe.ts'
import { DATABASE_NAME, OWNER_NAME, VERSION_STRING } from './identity.ts'
import { buildModel, splitName, type CatalogModel, type SystemEnv } from './model.ts'
import { builtinTypeByName, OWNER_OID } from './oids.ts'

const TEXT: SqlType = { kind: 'text' }
const BOOL: SqlType = { kind: 'bool' }
const INT4: SqlType = { kind: 'int4' }
const INT8: SqlType = { kind: 'int8' }
/** OIDs are int8 until types/ has an `oid` type. */
const OID: SqlType = INT8
const TEXTS: SqlType = { kind: 'array', element: TEXT }

interface Options {
  readonly strict?: boolean
  readonly volatile?: boolean
}

/** One overload: matches when every argument casts implicitly to its parameter. */
function overload(params: readonly SqlType[], type: SqlType, apply: FunctionApply, options: Options = {}): FunctionResolver {
  return (args) =>
    args.length === params.length && args.every((a, i) => canCast(a, params[i] as SqlType, 'implicit'))
      ? { argTypes: params, type, apply, strict: options.strict ?? true, volatile: options.volatile ?? false }
      : undefined
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

/** Whether `x` can list the catalog (see /tmp/notes/system-needs.md). */
function isSystemEnv(x: unknown): x is SystemEnv {
  return typeof x === 'object' && x !== null && 'tables' in x && typeof x.tables === 'function'
}

/** The catalog at the calling transaction's snapshot: from `ctx.system` or the transaction's
 * services when they offer it, else empty. */
function modelOf(ctx: EvalContext): CatalogModel {
  const system: unknown = 'system' in ctx ? ctx.system : undefined
  const env = isSystemEnv(system) ? system : isSystemEnv(ctx.tx) ? ctx.tx : { tables: () => [] }
  return buildModel(env)
}

const oidArg = (d: Datum | undefined): bigint => d as bigint

const pgGetIndexdef: FunctionResolver = overloads(
  overload([OID], TEXT, (a, ctx) => {
    const ix = modelOf(ctx).indexes.find((i) => i.oid === oidArg(a[0]))
    return ix === undefined ? null : indexDef(ix)
  }),
  overload([OID, INT4, BOOL], TEXT, (a, ctx) => {
    const ix = modelOf(ctx).indexes.find((i) => i.oid === oidArg(a[0]))
    if (ix === undefined) return null
    const column = Number(a[1] as bigint)
    if (column === 0) return indexDef(ix)
    const attnum = ix.attnums[column - 1]
    return attnum === undefined ? '' : quoteIdent(ix.table.columns[attnum - 1]?.def.name ?? '')
  }),
)

const constraintdef: FunctionApply = (a, ctx) => {
  const c = modelOf(ctx).constraints.find((k) => k.oid === oidArg(a[0]))
  return c === undefined ? null : constraintDef(c)
}

/** The defining query as written (PostgreSQL prints its own rendering of it). */
const viewdef: FunctionApply = (a, ctx) => modelOf(ctx).views.find((v) => v.oid === oidArg(a[0]))?.info.sql ?? null

/** pg_node_tree columns hold the printed expression already, so pg_get_expr returns it. */
const pgGetExpr: FunctionResolver = overloads(
  overload([TEXT, OID], TEXT, (a) => a[0] as string),
  overload([TEXT, OID, BOOL], TEXT, (a) => a[0] as string),
)

/** Parses a possibly quoted, possibly qualified name the way regclass input does. */
export function parseQualifiedName(text: string): string[] | undefined {
  const parts: string[] = []
  const re = /\s*(?:"((?:[^"]|"")*)"|([^".\s]+))\s*(\.|$)/y
  let at = 0
  while (at < text.length) {
    re.lastIndex = at
    const m = re.exec(text)
    if (m === null) return undefined
    parts.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : (m[2] ?? '').toLowerCase())
    at = re.lastIndex
    if (m[3] === '') break
  }
  return parts.length === 0 || parts.length > 2 ? undefined : parts
}

/** The table a regclass-style name denotes (public when unqualified). */
function tableNamed(m: CatalogModel, text: string) {
  const parts = parseQualifiedName(text)
  if (parts === undefined) return undefined
  const [schema, name] = parts.length === 2 ? parts : ['public', parts[0]]
  return m.tables.find((t) => t.schema.name === schema && t.name === name)
}

const pgGetSerialSequence = overload([TEXT, TEXT], TEXT, (a, ctx) => {
  const m = modelOf(ctx)
  const t = tableNamed(m, a[0] as string)
  const column = t?.columns.find((c) => c.def.name === a[1] && c.def.dropped !== true)
  const sequence = column?.def.sequence
  if (sequence === undefined) return null
  const { schema, name } = splitName(sequence)
  return `${quoteIdent(schema)}.${quoteIdent(name)}`
})

/** to_regclass(text): the relation's OID, NULL when there is none. */
const toRegclass = overload([TEXT], OID, (a, ctx) => {
  const m = modelOf(ctx)
  const parts = parseQualifiedName(a[0] as string)
  if (parts === undefined) return null
  const [schema, name] = parts.length === 2 ? parts : ['public', parts[0]]
  const t = m.tables.find((x) => x.schema.name === schema && x.name === name)
  if (t !== undefined) return t.oid
  const ix = m.indexes.find((x) => x.table.schema.name === schema && x.name === name)
  if (ix !== undefined) return ix.oid
  const seq = m.sequences.find((x) => x.schema.name === schema && x.name === name)
  return seq?.oid ?? m.views.find((x) => x.schema.name === schema && x.name === name)?.oid ?? null
})

/** to_regtype(text): a built-in type's OID by its pg_type or SQL name. */
const toRegtype = overload([TEXT], OID, (a) => {
  const name = (a[0] as string).trim().toLowerCase().replace(/^pg_catalog\./, '')
  const aliases: Readonly<Record<string, string>> = {
    integer: 'int4', int: 'int4', bigint: 'int8', smallint: 'int2', boolean: 'bool', real: 'float4',
    'double precision': 'float8', 'character varying': 'varchar', 'timestamp without time zone': 'timestamp',
    'timestamp with time zone': 'timestamptz', decimal: 'numeric',
  }
  const t = builtinTypeByName(aliases[name] ?? name)
  return t === undefined ? null : BigInt(t.oid)
})

const pgTableIsVisible = overload([OID], BOOL, (a, ctx) => {
  const m = modelOf(ctx)
  const oid = oidArg(a[0])
  const owner = m.tables.find((t) => t.oid === oid) ?? m.indexes.find((i) => i.oid === oid)?.table
  if (owner !== undefined) return owner.schema.name === 'public'
  const other = m.sequences.find((s) => s.oid === oid) ?? m.views.find((v) => v.oid === oid)
  return other === undefined ? true : other.schema.name === 'public'
})

/** Every privilege is granted: the one role owns every object. */
const granted: FunctionResolver = (args) =>
  args.length >= 2 && args.length <= 4
    ? { argTypes: args.map((a) => (a.kind === 'unknown' ? TEXT : a)), type: BOOL, apply: () => true, strict: true, volatile: false }
    : undefined

const nullText: FunctionResolver = (args) =>
  args.length >= 1 && args.length <= 2
    ? { argTypes: args.map((a) => (a.kind === 'unknown' ? TEXT : a)), type: TEXT, apply: () => null, strict: false, volatile: false }
    : undefined

const formatType = overload([OID, INT4], TEXT, (a) => (a[0] === null ? null : formatTypeOid(Number(a[0] as bigint), a[1] === null ? -1 : Number(a[1] as bigint))), { strict: false })

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
  ['pg_table_is_visible', pgTableIsVisible],
  ['pg_type_is_visible', overload([OID], BOOL, () => true)],
  ['format_type', formatType],
  ['pg_get_indexdef', pgGetIndexdef],
  ['pg_get_constraintdef', overloads(overload([OID], TEXT, constraintdef), overload([OID, BOOL], TEXT, constraintdef))],
  ['pg_get_expr', pgGetExpr],
  ['pg_get_viewdef', overloads(overload([OID], TEXT, viewdef), overload([OID, BOOL], TEXT, viewdef))],
  ['pg_get_userbyid', overload([OID], TEXT, (a) => (a[0] === OWNER_OID ? OWNER_NAME : `unknown (OID=${String(a[0])})`))],
  ['pg_get_serial_sequence', pgGetSerialSequence],
  ['pg_encoding_to_char', overload([INT4], TEXT, (a) => (a[0] === 6n ? 'UTF8' : ''))],
  ['pg_tablespace_location', overload([OID], TEXT, () => '')],
  ['obj_description', nullText],
  ['col_description', nullText],
  ['shobj_description', nullText],
  ['has_table_privilege', granted],
  ['has_schema_privilege', granted],
  ['has_database_privilege', granted],
  ['has_column_privilege', granted],
  ['has_sequence_privilege', granted],
  ['has_function_privilege', granted],
  ['pg_has_role', granted],
  ['to_regclass', toRegclass],
  ['to_regtype', toRegtype],
  ['quote_ident', overload([TEXT], TEXT, (a) => quoteIdent(a[0] as string))],
  ['quote_literal', overload([TEXT], TEXT, (a) => quoteLiteral(a[0] as string))],
  ['pg_relation_size', overload([OID], INT8, () => 0n)],
  ['pg_total_relation_size', overload([OID], INT8, () => 0n)],
  ['pg_table_size', overload([OID], INT8, () => 0n)],
  ['pg_indexes_size', overload([OID], INT8, () => 0n)],
  ['pg_size_pretty', overload([INT8], TEXT, (a) => sizePretty(a[0] as bigint))],
])
