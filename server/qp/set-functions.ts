// Set-returning functions (ARCHITECTURE.md "query processor": execute): generate_series, unnest,
// the jsonb expanders and regexp_matches / regexp_split_to_table, for FROM and the select list.
import { SqlError } from '../errors/index.ts'
import type { EvalContext } from './expr.ts'
import { T } from './function-overloads.ts'
import { jsonbPathQuery } from './functions-jsonpath.ts'
import { matchArray } from './functions-regexp.ts'
import { stringToArray } from './functions-text.ts'
import { globalScan, posixRegex } from './posix-regex.ts'
import {
  Decimal,
  Interval,
  Jsonb,
  addIntervalToTimestamp,
  arrayType,
  baseType,
  canCast,
  intervalSpan,
  isJsonObject,
  jsonText,
  jsonbEntries,
  type Datum,
  type SqlType,
} from './types/index.ts'

/** One output column of a set-returning function. */
export interface SetFunctionColumn {
  readonly name: string
  readonly type: SqlType
}

/** A resolved set-returning call: argument types to cast to, output columns, and the rows.
 * Strict unless `strict` is false: a NULL argument gives no rows without calling `apply`. */
export interface ResolvedSetFunction {
  readonly argTypes: readonly SqlType[]
  readonly columns: readonly SetFunctionColumn[]
  readonly apply: (args: readonly Datum[], ctx: EvalContext) => Iterable<Datum[]>
  /** false when `apply` takes NULL arguments itself: unnest of several arrays (a NULL array counts
   * as empty), string_to_table (only a NULL string gives no rows). */
  readonly strict?: false
}

/** Resolves a call for its argument types; undefined when no overload matches (42883). A
 * one-column function's column is named after the function (PostgreSQL's rule for FROM). */
export type SetFunctionResolver = (args: readonly SqlType[]) => ResolvedSetFunction | undefined

/** Upper bound of rows one call may produce: a runaway generate_series fails with 54000. */
export const SET_FUNCTION_ROWS_MAX = 10_000_000

const tooMany = () => new SqlError('54000', `set-returning function produced more than ${SET_FUNCTION_ROWS_MAX} rows`)

const fits = (args: readonly SqlType[], params: readonly SqlType[]) =>
  args.length === params.length &&
  args.every((a, i) => a.kind === 'unknown' || a.kind === params[i]?.kind || canCast(a, params[i] as SqlType, 'implicit'))

function* intSeries(start: bigint, stop: bigint, step: bigint): Iterable<Datum[]> {
  if (step === 0n) throw new SqlError('22023', 'step size cannot equal zero')
  let n = 0
  for (let v = start; step > 0n ? v <= stop : v >= stop; v += step) {
    if (++n > SET_FUNCTION_ROWS_MAX) throw tooMany()
    yield [v]
  }
}

function* numericSeries(start: Decimal, stop: Decimal, step: Decimal): Iterable<Datum[]> {
  if (start.isNaN || stop.isNaN || step.isNaN) throw new SqlError('22023', 'start value cannot be NaN')
  if (step.isZero) throw new SqlError('22023', 'step size cannot equal zero')
  let n = 0
  for (let v = start; step.sign > 0 ? v.compare(stop) <= 0 : v.compare(stop) >= 0; v = v.add(step)) {
    if (++n > SET_FUNCTION_ROWS_MAX) throw tooMany()
    yield [v]
  }
}

function* timestampSeries(start: bigint, stop: bigint, step: Interval): Iterable<Datum[]> {
  const span = intervalSpan(step)
  if (span === 0n) throw new SqlError('22023', 'step size cannot equal zero')
  let n = 0
  for (let v = start; span > 0n ? v <= stop : v >= stop; v = addIntervalToTimestamp(v, step)) {
    if (++n > SET_FUNCTION_ROWS_MAX) throw tooMany()
    yield [v]
  }
}

const INT_KINDS = ['int4', 'int8'] as const

const generateSeries: SetFunctionResolver = (args) => {
  if (args.length !== 2 && args.length !== 3) return undefined
  const col = (type: SqlType) => [{ name: 'generate_series', type }]
  for (const kind of INT_KINDS) {
    const t = { kind } as SqlType
    const params = args.map(() => t)
    if (args.every((a) => a.kind === 'unknown' || a.kind === 'int2' || a.kind === 'int4' || a.kind === kind)) {
      return {
        argTypes: params,
        columns: col(t),
        apply: (a) => intSeries(a[0] as bigint, a[1] as bigint, (a[2] as bigint | undefined) ?? 1n),
      }
    }
  }
  if (fits(args, args.map(() => T.numeric)) && args.some((a) => a.kind === 'numeric')) {
    return {
      argTypes: args.map(() => T.numeric),
      columns: col(T.numeric),
      apply: (a) => numericSeries(a[0] as Decimal, a[1] as Decimal, (a[2] as Decimal | undefined) ?? Decimal.fromBigInt(1n)),
    }
  }
  if (args.length === 3) {
    const first = args[0] as SqlType
    const ts = first.kind === 'timestamp' ? T.timestamp : T.timestamptz
    if (fits(args, [ts, ts, T.interval])) {
      return {
        argTypes: [ts, ts, T.interval],
        columns: col(ts),
        apply: (a) => timestampSeries(a[0] as bigint, a[1] as bigint, a[2] as Interval),
      }
    }
  }
  return undefined
}

/** unnest(a) and, in FROM, unnest(a, b, ...): the arrays side by side, the shorter ones padded
 * with NULL. Several arrays are not strict: a NULL array counts as empty. */
const unnest: SetFunctionResolver = (args) => {
  if (args.length === 0 || !args.every((t) => t.kind === 'array')) return undefined
  const elements = args.map((t) => baseType((t as { element: SqlType }).element))
  return {
    argTypes: args,
    columns: elements.map((type) => ({ name: 'unnest', type })),
    ...(args.length > 1 ? { strict: false as const } : {}),
    apply: (a) => {
      const arrays = a.map((v) => (v ?? []) as readonly Datum[])
      const n = Math.max(...arrays.map((x) => x.length))
      return Array.from({ length: n }, (_x, i) => arrays.map((x) => x[i] ?? null))
    },
  }
}

/** generate_subscripts(a, dim [, reverse]): the subscripts of dimension `dim` of `a` (arrays here
 * have one dimension, from 1; any other dimension has none). */
const generateSubscripts: SetFunctionResolver = (args) => {
  if (args.length < 2 || args.length > 3 || args[0]?.kind !== 'array') return undefined
  if (!fits(args.slice(1), args.length === 2 ? [T.int4] : [T.int4, T.bool])) return undefined
  return {
    argTypes: [args[0], T.int4, ...(args.length === 3 ? [T.bool] : [])],
    columns: [{ name: 'generate_subscripts', type: T.int4 }],
    apply: (a) => {
      const n = a[1] === 1n ? (a[0] as readonly Datum[]).length : 0
      const subscripts = Array.from({ length: n }, (_x, i): Datum[] => [BigInt(i + 1)])
      return a[2] === true ? subscripts.reverse() : subscripts
    },
  }
}

/** One argument of a JSON type (json is jsonb here) or an untyped literal. */
export const jsonArg = (args: readonly SqlType[]) => args.length === 1 && (args[0]?.kind === 'jsonb' || args[0]?.kind === 'unknown')

function arrayOf(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v
  throw new SqlError('22023', isJsonObject(v) ? `cannot extract elements from an object` : `cannot extract elements from a scalar`, {
    detail: `${fn} needs an array`,
  })
}

function objectOf(v: unknown, fn: string): object {
  if (isJsonObject(v)) return v
  throw new SqlError('22023', `cannot call ${fn} on ${Array.isArray(v) ? 'an array' : 'a scalar'}`)
}

/** The json functions' words for a value of the wrong kind (jsonfuncs.c's, which differ from
 * jsonb's); json values are jsonb here, so only the messages tell the families apart. */
function jsonArrayOf(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v
  throw new SqlError('22023', `cannot call ${fn} on ${isJsonObject(v) ? 'a non-array' : 'a scalar'}`)
}

function jsonDeconstruct(v: unknown): object {
  if (isJsonObject(v)) return v
  throw new SqlError('22023', Array.isArray(v) ? 'cannot deconstruct an array as an object' : 'cannot deconstruct a scalar')
}

/** jsonb_array_elements[_text], and json_array_elements[_text] (`json`) with json's messages. */
const jsonbArrayElements = (asText: boolean, json = false): SetFunctionResolver => (args) => {
  const fn = `${json ? 'json' : 'jsonb'}_array_elements${asText ? '_text' : ''}`
  return jsonArg(args)
    ? {
        argTypes: [T.jsonb],
        columns: [{ name: 'value', type: asText ? T.text : T.jsonb }],
        apply: (a) => {
          const v = (a[0] as Jsonb).value
          return (json ? jsonArrayOf(v, fn) : arrayOf(v, fn)).map((x) => [asText ? jsonText(x) : new Jsonb(x)])
        },
      }
    : undefined
}

/** jsonb_each[_text], and json_each[_text] (`json`) with json's messages. */
const jsonbEach = (asText: boolean, json = false): SetFunctionResolver => (args) => {
  const fn = `${json ? 'json' : 'jsonb'}_each${asText ? '_text' : ''}`
  return jsonArg(args)
    ? {
        argTypes: [T.jsonb],
        columns: [
          { name: 'key', type: T.text },
          { name: 'value', type: asText ? T.text : T.jsonb },
        ],
        apply: (a) => {
          const v = (a[0] as Jsonb).value
          const object = json ? jsonDeconstruct(v) : nonObject(v, fn)
          return jsonbEntries(object).map(([k, x]) => [k, asText ? jsonText(x) : new Jsonb(x)])
        },
      }
    : undefined
}

function nonObject(v: unknown, fn: string): object {
  if (isJsonObject(v)) return v
  throw new SqlError('22023', `cannot call ${fn} on a non-object`)
}

const jsonbObjectKeys = (fn: string): SetFunctionResolver => (args) =>
  jsonArg(args)
    ? {
        argTypes: [T.jsonb],
        columns: [{ name: fn, type: T.text }],
        apply: (a) => jsonbEntries(objectOf((a[0] as Jsonb).value, fn)).map(([k]) => [k]),
      }
    : undefined

const textArgs = (args: readonly SqlType[], n: readonly number[]) =>
  n.includes(args.length) && args.every((a) => a.kind === 'text' || a.kind === 'varchar' || a.kind === 'unknown')

const regexpMatches: SetFunctionResolver = (args) =>
  textArgs(args, [2, 3])
    ? {
        argTypes: args.map(() => T.text),
        columns: [{ name: 'regexp_matches', type: arrayType(T.text) }],
        apply: (a, ctx) => {
          const flags = (a[2] as string | undefined) ?? ''
          const re = posixRegex(a[1] as string, flags)
          const all = re.global ? [...(a[0] as string).matchAll(globalScan(re, false, ctx))] : [re.exec(a[0] as string)].filter((m) => m !== null)
          return all.map((m) => [matchArray(m as RegExpExecArray)])
        },
      }
    : undefined

const regexpSplit: SetFunctionResolver = (args) =>
  textArgs(args, [2, 3])
    ? {
        argTypes: args.map(() => T.text),
        columns: [{ name: 'regexp_split_to_table', type: T.text }],
        apply: (a, ctx) => splitByRegex(a[0] as string, a[1] as string, (a[2] as string | undefined) ?? '', ctx).map((s) => [s]),
      }
    : undefined

/** string_to_table: not strict, since only a NULL string gives no rows (a NULL delimiter splits
 * into characters, a NULL null-string matches nothing). */
const stringToTable: SetFunctionResolver = (args) =>
  textArgs(args, [2, 3])
    ? {
        argTypes: args.map(() => T.text),
        columns: [{ name: 'string_to_table', type: T.text }],
        strict: false,
        apply: (a) => {
          const [s = null, delim = null, nullStr = null] = a as readonly (string | null)[]
          return s === null ? [] : stringToArray(s, delim, nullStr).map((p) => [p])
        },
      }
    : undefined

/** regexp_split_to_array/table: empty matches split between characters, as PostgreSQL does; the
 * scan checks `ctx`'s statement timeout as it goes. */
export function splitByRegex(s: string, pattern: string, flags: string, ctx: EvalContext): string[] {
  const re = posixRegex(pattern, flags, true)
  const out: string[] = []
  let last = 0
  for (const m of s.matchAll(globalScan(re, false, ctx))) {
    if (m[0] === '' && (m.index >= s.length || m.index === 0)) continue
    if (m[0] === '' && m.index === last && last !== 0) continue
    out.push(s.slice(last, m.index))
    last = m.index + m[0].length
  }
  out.push(s.slice(last))
  return out
}

/** The set-returning functions, by lowercase name. */
export const SET_FUNCTIONS: ReadonlyMap<string, SetFunctionResolver> = new Map<string, SetFunctionResolver>([
  ['generate_series', generateSeries],
  ['unnest', unnest],
  ['generate_subscripts', generateSubscripts],
  ['jsonb_array_elements', jsonbArrayElements(false)],
  ['jsonb_array_elements_text', jsonbArrayElements(true)],
  ['jsonb_each', jsonbEach(false)],
  ['jsonb_each_text', jsonbEach(true)],
  ['jsonb_object_keys', jsonbObjectKeys('jsonb_object_keys')],
  ['jsonb_path_query', jsonbPathQuery('jsonb_path_query')],
  ['jsonb_path_query_tz', jsonbPathQuery('jsonb_path_query_tz')],
  // json is jsonb here: the same rows, in jsonb's key order and without duplicate keys.
  ['json_array_elements', jsonbArrayElements(false, true)],
  ['json_array_elements_text', jsonbArrayElements(true, true)],
  ['json_each', jsonbEach(false, true)],
  ['json_each_text', jsonbEach(true, true)],
  ['json_object_keys', jsonbObjectKeys('json_object_keys')],
  ['regexp_matches', regexpMatches],
  ['regexp_split_to_table', regexpSplit],
  ['string_to_table', stringToTable],
])
