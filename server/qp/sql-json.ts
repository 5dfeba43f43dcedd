// SQL/JSON constructors, predicates and query functions (ARCHITECTURE.md "query processor": bind):
// PostgreSQL 16's JSON_OBJECT, JSON_ARRAY, JSON_OBJECTAGG, JSON_ARRAYAGG, JSON(), JSON_SCALAR,
// JSON_SERIALIZE and `x IS [NOT] JSON [VALUE | ARRAY | OBJECT | SCALAR] [WITH UNIQUE KEYS]`, and
// PostgreSQL 17's JSON_EXISTS, JSON_VALUE and JSON_QUERY over a jsonpath (JSON_TABLE, written in
// terms of these, is json-table.ts). The aggregate forms and
// JSON_ARRAY(query) are written as the aggregate calls they mean (json_agg_strict, ...) and bound
// as those; the others bind to functions here. json values are jsonb in Tessera, so what they
// return is jsonb whether RETURNING says json or jsonb (and a json text keeps no duplicate keys).
import type { FuncCall, JsonAggConstructor, JsonBehavior, JsonFuncExpr, JsonOutput, JsonValueExpr, Node, TypeName } from 'libpg-query'
import { SqlError, assert } from '../errors/index.ts'
import type { Expr, FunctionApply } from './expr.ts'
import { toJson } from './functions-jsonb.ts'
import { JsonPathDatetime, datetimeOfDatum, datetimeText, jsonOfItem } from './jsonpath-datetime.ts'
import { executeJsonPath } from './jsonpath-eval.ts'
import {
  cast,
  castToText,
  Decimal,
  defineJsonKey,
  duplicateJsonKey,
  formatJsonNumber,
  formatType,
  Jsonb,
  parseJsonPathCached,
  type Datum,
  type SqlType,
} from './types/index.ts'

const JSONB: SqlType = { kind: 'jsonb' }
const TEXT: SqlType = { kind: 'text' }
const BOOL: SqlType = { kind: 'bool' }

/** What binding a SQL/JSON expression needs of the binder. */
export interface SqlJsonBinder {
  bind(node: Node): Expr
  resolveType(t: TypeName): SqlType
  coerce(e: Expr, to: SqlType, context: 'explicit' | 'assignment'): Expr
}

/** A name node, as the parser writes identifiers. */
export const name = (s: string): Node => ({ String: { sval: s } })

/** A SQL/JSON form written as the call it means, and the RETURNING clause to apply to it. */
export interface SqlJsonCall {
  readonly node: Node
  readonly output: JsonOutput | undefined
}

/**
 * JSON_ARRAYAGG, JSON_OBJECTAGG and JSON_ARRAY(query) as the calls PostgreSQL makes of them:
 * json_agg[_strict] and json_object_agg[_unique][_strict] with the constructor's ORDER BY,
 * FILTER and OVER, JSON_ARRAY(query) as `(SELECT JSON_ARRAYAGG(...) FROM (query) q(v))`; the
 * caller binds it and applies `sqlJsonReturning`. Undefined for any other node.
 */
export function sqlJsonRewrite(node: Node): SqlJsonCall | undefined {
  // An absent `absent_on_null` is NULL ON NULL: the parser leaves false fields out.
  if ('JsonArrayAgg' in node) {
    const { constructor: c, arg, absent_on_null: absent } = node.JsonArrayAgg
    const fn = absent === true ? 'json_agg_strict' : 'json_agg'
    return { node: aggregateCall(fn, [valueNode(arg)], c), output: c?.output }
  }
  if ('JsonObjectAgg' in node) {
    const { constructor: c, arg, absent_on_null: absent, unique } = node.JsonObjectAgg
    const fn = `json_object_agg${unique === true ? '_unique' : ''}${absent === true ? '_strict' : ''}`
    // A NULL key is json_object_agg's 22023 here, where PostgreSQL's JSON_OBJECTAGG says 22004.
    return { node: aggregateCall(fn, [arg?.key ?? { A_Const: { isnull: true } }, valueNode(arg?.value)], c), output: c?.output }
  }
  if ('JsonArrayQueryConstructor' in node) {
    const q = node.JsonArrayQueryConstructor
    const agg: FuncCall = {
      funcname: [name(q.absent_on_null === true ? 'json_agg_strict' : 'json_agg')],
      args: [withFormat({ ColumnRef: { fields: [name('q'), name('v')] } }, q.format?.format_type)],
    }
    const select: Node = {
      SelectStmt: {
        targetList: [{ ResTarget: { val: { FuncCall: agg } } }],
        fromClause: [{ RangeSubselect: { subquery: q.query, alias: { aliasname: 'q', colnames: [name('v')] } } }],
        limitOption: 'LIMIT_OPTION_DEFAULT',
        op: 'SETOP_NONE',
      },
    }
    return { node: { SubLink: { subLinkType: 'EXPR_SUBLINK', subselect: select } }, output: q.output }
  }
  return undefined
}

function aggregateCall(fn: string, args: Node[], c: JsonAggConstructor | undefined): Node {
  const call: FuncCall = {
    funcname: [name(fn)],
    args,
    ...(c?.agg_order === undefined ? {} : { agg_order: c.agg_order }),
    ...(c?.agg_filter === undefined ? {} : { agg_filter: c.agg_filter }),
    ...(c?.over === undefined ? {} : { over: c.over }),
  }
  return { FuncCall: call }
}

/** A value with FORMAT JSON is JSON text: read as json, not quoted as a string. */
export function valueNode(v: JsonValueExpr | undefined): Node {
  const raw = v?.raw_expr ?? { A_Const: { isnull: true } }
  return withFormat(raw, v?.format?.format_type)
}

function withFormat(raw: Node, format: string | undefined): Node {
  if (format !== 'JS_FORMAT_JSON') return raw
  return { TypeCast: { arg: raw, typeName: { names: [name('json')], typemod: -1 } } }
}

/** Whether a type name is json or jsonb (not an array of them). */
export function isJsonTypeName(t: TypeName): boolean {
  const last = t.names?.at(-1)
  const n = last !== undefined && 'String' in last ? last.String.sval : undefined
  return (n === 'json' || n === 'jsonb') && (t.arrayBounds?.length ?? 0) === 0
}

/** Binds the scalar SQL/JSON forms; undefined for any other node. */
export function bindSqlJson(node: Node, b: SqlJsonBinder): Expr | undefined {
  if ('JsonObjectConstructor' in node) {
    const c = node.JsonObjectConstructor
    const pairs = (c.exprs ?? []).map((e) => {
      if (!('JsonKeyValue' in e)) throw new SqlError('XX000', 'JSON_OBJECT item is not a key and value')
      return [known(b, b.bind(e.JsonKeyValue.key ?? { A_Const: { isnull: true } })), bindValue(b, e.JsonKeyValue.value)] as const
    })
    return sqlJsonReturning(b, jsonObject(pairs, c.absent_on_null === true, c.unique === true), c.output)
  }
  if ('JsonArrayConstructor' in node) {
    const c = node.JsonArrayConstructor
    const values = (c.exprs ?? []).map((e) => bindValue(b, 'JsonValueExpr' in e ? e.JsonValueExpr : { raw_expr: e }))
    return sqlJsonReturning(b, jsonArray(values, c.absent_on_null === true), c.output)
  }
  if ('JsonIsPredicate' in node) {
    const p = node.JsonIsPredicate
    return isJson(b.bind(p.expr ?? { A_Const: { isnull: true } }), p.item_type ?? 'JS_TYPE_ANY', p.unique_keys === true)
  }
  if ('JsonParseExpr' in node) {
    const p = node.JsonParseExpr
    return jsonParse(b, p.expr?.raw_expr ?? { A_Const: { isnull: true } }, p.unique_keys === true)
  }
  if ('JsonScalarExpr' in node) {
    const arg = known(b, b.bind(node.JsonScalarExpr.expr ?? { A_Const: { isnull: true } }))
    const apply: FunctionApply = (v) => new Jsonb(toJson(v[0] as Datum, arg.type))
    return sqlJsonReturning(b, func('json_scalar', [arg], apply), node.JsonScalarExpr.output)
  }
  if ('JsonSerializeExpr' in node) return jsonSerialize(b, node.JsonSerializeExpr.expr, node.JsonSerializeExpr.output)
  if ('JsonFuncExpr' in node) return bindJsonQuery(node.JsonFuncExpr, b)
  return undefined
}

function func(fname: string, args: Expr[], apply: FunctionApply, strict = true): Expr {
  return { kind: 'func', type: JSONB, name: fname, args, apply, strict, volatile: false }
}

/** An untyped literal as text, as PostgreSQL resolves unknown arguments here. */
function known(b: SqlJsonBinder, e: Expr): Expr {
  return e.type.kind === 'unknown' ? b.coerce(e, TEXT, 'explicit') : e
}

/** A constructor's value: its SQL value as JSON, or with FORMAT JSON its text read as json. */
function bindValue(b: SqlJsonBinder, v: JsonValueExpr | undefined): Expr {
  const e = known(b, b.bind(v?.raw_expr ?? { A_Const: { isnull: true } }))
  if (v?.format?.format_type !== 'JS_FORMAT_JSON' || e.type.kind === 'jsonb') return e
  return b.coerce(e, JSONB, 'explicit')
}

function jsonObject(pairs: readonly (readonly [Expr, Expr])[], absentOnNull: boolean, unique: boolean): Expr {
  const keyTypes = pairs.map(([k]) => k.type)
  for (const t of keyTypes) {
    if (t.kind === 'array' || t.kind === 'jsonb' || t.kind === 'record') {
      throw new SqlError('22023', 'key value must be scalar, not array, composite, or json')
    }
  }
  const valueTypes = pairs.map(([, v]) => v.type)
  const apply: FunctionApply = (a) => {
    const out: Record<string, unknown> = {}
    const seen = new Set<string>()
    for (let i = 0; i < pairs.length; i++) {
      const k = a[2 * i] as Datum
      if (k === null) throw new SqlError('22004', 'null value not allowed for object key')
      const key = castToText(k, keyTypes[i] as SqlType)
      if (unique) {
        if (seen.has(key)) throw duplicateJsonKey(key)
        seen.add(key)
      }
      const v = a[2 * i + 1] as Datum
      if (v === null && absentOnNull) continue
      defineJsonKey(out, key, toJson(v, valueTypes[i] as SqlType))
    }
    return new Jsonb(out)
  }
  return func('json_object', pairs.flatMap(([k, v]) => [k, v]), apply, false)
}

function jsonArray(values: readonly Expr[], absentOnNull: boolean): Expr {
  const types = values.map((v) => v.type)
  const apply: FunctionApply = (a) => {
    const out: unknown[] = []
    a.forEach((v, i) => {
      if (v !== null || !absentOnNull) out.push(toJson(v as Datum, types[i] as SqlType))
    })
    return new Jsonb(out)
  }
  return func('json_array', [...values], apply, false)
}

/** RETURNING's type for a constructor's json value: json or jsonb as it is, a string type as its
 * text (22001 when too long, as an assignment), bytea as that text's UTF-8; anything else is
 * 42846, as json casts to nothing else. */
export function sqlJsonReturning(b: SqlJsonBinder, e: Expr, out: JsonOutput | undefined): Expr {
  const t = out?.typeName
  if (t === undefined || isJsonTypeName(t)) return e
  const to = b.resolveType(t)
  if (to.kind === 'bytea') {
    const apply: FunctionApply = (v) => new TextEncoder().encode((v[0] as Jsonb).toString())
    return { kind: 'func', type: to, name: 'json_send', args: [e], apply, strict: true, volatile: false }
  }
  if (to.kind !== 'text' && to.kind !== 'varchar' && to.kind !== 'bpchar') {
    throw new SqlError('42846', `cannot cast type json to ${formatType(to)}`)
  }
  return b.coerce(b.coerce(e, TEXT, 'explicit'), to, 'assignment')
}

/** The IS JSON predicate: text (or bytea, as UTF-8) that parses as JSON of the kind asked, and
 * with unique keys when asked; a json or jsonb value by its kind. */
function isJson(arg: Expr, itemType: string, uniqueKeys: boolean): Expr {
  const k = arg.type.kind
  const textual = k === 'text' || k === 'varchar' || k === 'bpchar' || k === 'unknown'
  if (!textual && k !== 'jsonb' && k !== 'bytea') {
    throw new SqlError('42804', `cannot use type ${formatType(arg.type)} in IS JSON predicate`)
  }
  const apply: FunctionApply = (v) => {
    const value = v[0] as Datum
    let json: unknown
    if (k === 'jsonb') json = (value as Jsonb).value
    else {
      const text = k === 'bytea' ? new TextDecoder('utf-8', { fatal: false }).decode(value as Uint8Array) : String(value)
      try {
        json = Jsonb.parse(text, { uniqueKeys }).value
      } catch (e) {
        if (e instanceof SqlError && (e.code === '22P02' || e.code === '22030' || e.code === '22P05')) return false
        throw e
      }
    }
    return isJsonKind(json, itemType)
  }
  return { kind: 'func', type: BOOL, name: 'is json', args: [arg], apply, strict: true, volatile: false }
}

/** Whether a JSON value (numbers are Decimals in it) is of IS JSON's item type. */
function isJsonKind(json: unknown, itemType: string): boolean {
  const isArray = Array.isArray(json)
  const isObject = json !== null && typeof json === 'object' && !isArray && !(json instanceof Decimal)
  switch (itemType) {
    case 'JS_TYPE_OBJECT':
      return isObject
    case 'JS_TYPE_ARRAY':
      return isArray
    case 'JS_TYPE_SCALAR':
      return !isObject && !isArray
    default:
      return true
  }
}

/** JSON(text [WITH UNIQUE KEYS]): the text read as json; 42846 for a type that does not cast. */
function jsonParse(b: SqlJsonBinder, raw: Node, uniqueKeys: boolean): Expr {
  const arg = b.bind(raw)
  const k = arg.type.kind
  if (k === 'jsonb') return arg
  const textual = k === 'text' || k === 'varchar' || k === 'bpchar' || k === 'unknown'
  if (!textual) throw new SqlError('42846', `cannot cast type ${formatType(arg.type)} to json`)
  const apply: FunctionApply = (v) => Jsonb.parse(String(v[0]), { uniqueKeys })
  return func('json', [b.coerce(arg, TEXT, 'explicit')], apply)
}

/** JSON_SERIALIZE(json [RETURNING text | varchar | bytea]): the json value's text. */
function jsonSerialize(b: SqlJsonBinder, value: JsonValueExpr | undefined, out: JsonOutput | undefined): Expr {
  const arg = bindValue(b, value ?? { raw_expr: { A_Const: { isnull: true } } })
  const json = arg.type.kind === 'jsonb' ? arg : b.coerce(arg, JSONB, 'explicit')
  const to = out?.typeName === undefined ? TEXT : b.resolveType(out.typeName)
  if (to.kind !== 'text' && to.kind !== 'varchar' && to.kind !== 'bpchar' && to.kind !== 'bytea') {
    throw new SqlError('42804', `cannot use type ${formatType(to)} in RETURNING clause of JSON_SERIALIZE()`, {
      hint: 'Try returning a string type or bytea.',
    })
  }
  const asBytes = to.kind === 'bytea'
  const apply: FunctionApply = (v) => {
    const text = (v[0] as Jsonb).toString()
    return asBytes ? new TextEncoder().encode(text) : text
  }
  const e: Expr = { kind: 'func', type: asBytes ? to : TEXT, name: 'json_serialize', args: [json], apply, strict: true, volatile: false }
  return asBytes || to.kind === 'text' ? e : b.coerce(e, to, 'assignment')
}

const JSONPATH: SqlType = { kind: 'jsonpath' }

/** What an ON EMPTY or ON ERROR clause does: raise, answer NULL / TRUE / FALSE / UNKNOWN, an
 * empty array or object (JSON_QUERY), or the DEFAULT expression (argument `defaultAt`). */
type Behavior =
  | { readonly kind: 'error' | 'null' | 'true' | 'false' | 'emptyArray' | 'emptyObject' }
  | { readonly kind: 'default'; readonly defaultAt: number }

type QueryOp = 'JSON_EXISTS_OP' | 'JSON_VALUE_OP' | 'JSON_QUERY_OP'

/** The SQLSTATE class of the errors a path evaluation or a RETURNING conversion may raise that
 * ON ERROR handles (data exceptions); others (54000, 57014, 42704) always propagate. */
const handled = (e: unknown): e is SqlError => e instanceof SqlError && e.code.startsWith('22')

/**
 * JSON_EXISTS, JSON_VALUE and JSON_QUERY (PostgreSQL 17): the path (a jsonpath, or text read as
 * one) run over the context item (jsonb, or text read as jsonb) with the PASSING values as its
 * variables; then ON EMPTY, ON ERROR, RETURNING, and JSON_QUERY's wrapper and quotes. A RETURNING
 * type other than json or jsonb is the value's text read by that type's input, as an assignment.
 */
function bindJsonQuery(f: JsonFuncExpr, b: SqlJsonBinder): Expr {
  const op = (f.op ?? 'JSON_VALUE_OP') as QueryOp
  const context = bindValue(b, f.context_item)
  if (context.type.kind !== 'jsonb' && !isTextual(context.type)) throw new SqlError('42846', `cannot cast type ${formatType(context.type)} to jsonb`)
  const path = known(b, b.bind(f.pathspec ?? { A_Const: { isnull: true } }))
  if (path.type.kind !== 'jsonpath' && !isTextual(path.type)) {
    throw new SqlError('42804', `JSON path expression must be of type jsonpath, not of type ${formatType(path.type)}`)
  }
  const passing = (f.passing ?? []).map((a) => {
    if (!('JsonArgument' in a)) throw new SqlError('XX000', 'PASSING item is not an argument')
    return { name: a.JsonArgument.name ?? '', value: bindValue(b, a.JsonArgument.val) }
  })
  const args: Expr[] = [b.coerce(context, { kind: 'jsonb' }, 'explicit'), b.coerce(path, JSONPATH, 'explicit'), ...passing.map((p) => p.value)]
  const to = op === 'JSON_EXISTS_OP' ? BOOL : f.output?.typeName === undefined ? (op === 'JSON_VALUE_OP' ? TEXT : JSONB) : b.resolveType(f.output.typeName)
  const behavior = (clause: JsonBehavior | undefined, fallback: Behavior['kind'], on: 'EMPTY' | 'ERROR'): Behavior => {
    const kind = behaviorKind(clause?.btype, op, on) ?? fallback
    if (kind !== 'default') return { kind }
    args.push(b.coerce(b.bind(clause?.expr ?? { A_Const: { isnull: true } }), to, 'assignment'))
    return { kind, defaultAt: args.length - 1 }
  }
  const onEmpty = behavior(f.on_empty, op === 'JSON_EXISTS_OP' ? 'false' : 'null', 'EMPTY')
  const onError = behavior(f.on_error, op === 'JSON_EXISTS_OP' ? 'false' : 'null', 'ERROR')
  const wrapper = f.wrapper ?? 'JSW_UNSPEC'
  const omitQuotes = f.quotes === 'JS_QUOTES_OMIT'
  if (f.quotes !== undefined && f.quotes !== 'JS_QUOTES_UNSPEC' && (wrapper === 'JSW_CONDITIONAL' || wrapper === 'JSW_UNCONDITIONAL')) {
    throw new SqlError('42601', 'SQL/JSON QUOTES behavior must not be specified when WITH WRAPPER is used')
  }
  const names = passing.map((p) => p.name)
  const types = passing.map((p) => p.value.type)
  const apply: FunctionApply = (a, ctx) => {
    if (a[0] === null || a[1] === null) return null
    const vars: Record<string, unknown> = {}
    // A date, time or timestamp is passed as a datetime item, the rest as JSON.
    names.forEach((n, i) => {
      const value = a[2 + i] as Datum
      const type = types[i] as SqlType
      defineJsonKey(vars, n, (value === null ? undefined : datetimeOfDatum(value, type)) ?? toJson(value, type))
    })
    const fallBack = (why: Behavior, error: SqlError | undefined): Datum => behave(why, a, error)
    // The path runs silent unless ERROR ON ERROR, as PostgreSQL's does: the errors silence
    // suppresses make the ON ERROR behaviour, and the others are raised (a datetime template
    // standard mode refuses, say). Datetime items may use the time zone, as in the _tz functions.
    const path = parseJsonPathCached(String(a[1]))
    const options = { silent: onError.kind !== 'error', useTz: true, ctx }
    if (op === 'JSON_EXISTS_OP') {
      const res = executeJsonPath(path, (a[0] as Jsonb).value, vars, null, options)
      return res === 'error' ? fallBack(onError, undefined) : res === 'ok'
    }
    const found: unknown[] = []
    if (executeJsonPath(path, (a[0] as Jsonb).value, vars, found, options) === 'error') return fallBack(onError, undefined)
    // ON EMPTY's own error is raised whatever ON ERROR says.
    if (found.length === 0) return fallBack(onEmpty, new SqlError('22035', 'no SQL/JSON item found for specified path'))
    try {
      return op === 'JSON_VALUE_OP' ? jsonValue(found, to) : jsonQuery(found, to, wrapper, omitQuotes)
    } catch (e) {
      if (!handled(e)) throw e
      return fallBack(onError, e)
    }
  }
  return { kind: 'func', type: to, name: op.replace(/_OP$/, '').toLowerCase(), args, apply, strict: false, volatile: false }
}

/** The behaviours each function takes, and how PostgreSQL's message lists them. */
const ALLOWED_BEHAVIORS: Readonly<Record<QueryOp, { readonly btypes: readonly string[]; readonly words: string }>> = {
  JSON_EXISTS_OP: {
    btypes: ['JSON_BEHAVIOR_ERROR', 'JSON_BEHAVIOR_TRUE', 'JSON_BEHAVIOR_FALSE', 'JSON_BEHAVIOR_UNKNOWN'],
    words: 'ERROR, TRUE, FALSE, or UNKNOWN',
  },
  JSON_VALUE_OP: {
    btypes: ['JSON_BEHAVIOR_ERROR', 'JSON_BEHAVIOR_NULL', 'JSON_BEHAVIOR_DEFAULT'],
    words: 'ERROR, NULL, or DEFAULT expression',
  },
  JSON_QUERY_OP: {
    btypes: ['JSON_BEHAVIOR_ERROR', 'JSON_BEHAVIOR_NULL', 'JSON_BEHAVIOR_DEFAULT', 'JSON_BEHAVIOR_EMPTY', 'JSON_BEHAVIOR_EMPTY_ARRAY', 'JSON_BEHAVIOR_EMPTY_OBJECT'],
    words: 'ERROR, NULL, EMPTY ARRAY, EMPTY OBJECT, or DEFAULT expression',
  },
}

/** A behaviour clause's kind; 42601 for one the function does not take there. */
function behaviorKind(btype: string | undefined, op: QueryOp, on: 'EMPTY' | 'ERROR'): Behavior['kind'] | undefined {
  if (btype === undefined) return undefined
  const kinds: Readonly<Record<string, Behavior['kind']>> = {
    JSON_BEHAVIOR_ERROR: 'error',
    JSON_BEHAVIOR_NULL: 'null',
    JSON_BEHAVIOR_TRUE: 'true',
    JSON_BEHAVIOR_FALSE: 'false',
    JSON_BEHAVIOR_UNKNOWN: 'null',
    JSON_BEHAVIOR_EMPTY: 'emptyArray',
    JSON_BEHAVIOR_EMPTY_ARRAY: 'emptyArray',
    JSON_BEHAVIOR_EMPTY_OBJECT: 'emptyObject',
    JSON_BEHAVIOR_DEFAULT: 'default',
  }
  const kind = kinds[btype]
  const allowed = ALLOWED_BEHAVIORS[op]
  if (kind === undefined || !allowed.btypes.includes(btype)) {
    const fn = op.replace(/_OP$/, '')
    throw new SqlError('42601', `invalid ON ${on} behavior`, { detail: `Only ${allowed.words} is allowed in ON ${on} for ${fn}().` })
  }
  return kind
}

/** What a behaviour answers: `error` raises what happened (a path that raised it ran with errors
 * thrown, so there is always one then). */
function behave(why: Behavior, a: readonly Datum[], error: SqlError | undefined): Datum {
  switch (why.kind) {
    case 'error':
      assert(error !== undefined, 'ERROR ON ERROR without an error')
      throw error
    case 'null':
      return null
    case 'true':
      return true
    case 'false':
      return false
    case 'emptyArray':
      return new Jsonb([])
    case 'emptyObject':
      return new Jsonb({})
    case 'default':
      return a[why.defaultAt] as Datum
  }
}

/** JSON_VALUE's one scalar item as `to`: JSON null is NULL; else its text (a boolean's as SQL's
 * t/f) read by `to`'s input, or the item itself for json and jsonb. 2203F for anything else. */
function jsonValue(found: readonly unknown[], to: SqlType): Datum {
  const item = found[0]
  const scalar = item === null || typeof item !== 'object' || item instanceof Decimal || item instanceof JsonPathDatetime
  if (found.length > 1 || !scalar) {
    throw new SqlError('2203F', 'JSON path expression in JSON_VALUE must return single scalar item')
  }
  if (item === null) return null
  if (to.kind === 'jsonb') return new Jsonb(jsonOfItem(item))
  // A datetime item is read from its type's output text, in the session's zone.
  return readAs(item instanceof JsonPathDatetime ? datetimeText(item) : scalarText(item), to)
}

/** JSON_QUERY's items under its wrapper (22034 for several without one), quotes and RETURNING. */
function jsonQuery(items: readonly unknown[], to: SqlType, wrapper: string, omitQuotes: boolean): Datum {
  // Datetime items are their jsonb strings here.
  const found = items.map(jsonOfItem)
  const one = found[0]
  // CONDITIONAL wraps only several items: one item, array or not, stands alone.
  const wrap = wrapper === 'JSW_UNCONDITIONAL' || (wrapper === 'JSW_CONDITIONAL' && found.length !== 1)
  if (!wrap && found.length > 1) {
    throw new SqlError('22034', 'JSON path expression in JSON_QUERY must return single item when no wrapper is requested', {
      hint: 'Use the WITH WRAPPER clause to wrap SQL/JSON items into an array.',
    })
  }
  // Without its quotes a string is its contents: read as JSON for a json type (an error unless
  // they are JSON), by the type's input otherwise.
  if (!wrap && omitQuotes && typeof one === 'string' && to.kind !== 'jsonb') return readAs(one, to)
  const value = wrap ? new Jsonb([...found]) : omitQuotes && typeof one === 'string' ? Jsonb.parse(one) : new Jsonb(one)
  if (to.kind === 'jsonb') return value
  if (to.kind === 'array') return jsonArrayAs(value.value, to.element)
  return readAs(value.toString(), to)
}

/** A JSON array as a SQL array of `element`, each item as JSON_VALUE reads a scalar (PostgreSQL
 * populates an array type from JSON so). */
function jsonArrayAs(json: unknown, element: SqlType): Datum {
  if (!Array.isArray(json)) throw new SqlError('22P02', 'expected JSON array')
  return json.map((item): Datum => {
    if (item === null) return null
    if (typeof item === 'object' && !(item instanceof Decimal)) throw new SqlError('22P02', 'expected JSON array of scalars')
    return readAs(scalarText(item), element)
  }) as unknown as Datum
}

/** A JSON scalar's text as SQL reads it: a string's contents, a boolean as t/f, a number's digits. */
function scalarText(item: unknown): string {
  return typeof item === 'string' ? item : typeof item === 'boolean' ? (item ? 't' : 'f') : formatJsonNumber(item as Decimal)
}

/** Text read by `to`'s input (PostgreSQL's I/O coercion); a string type as an assignment, so a
 * value too long is 22001, not cut. */
function readAs(text: string, to: SqlType): Datum {
  return cast(text, TEXT, to, isTextual(to) ? 'assignment' : 'explicit')
}

function isTextual(t: SqlType): boolean {
  return t.kind === 'text' || t.kind === 'varchar' || t.kind === 'bpchar' || t.kind === 'unknown'
}
