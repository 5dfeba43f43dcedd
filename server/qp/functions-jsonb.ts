// jsonb functions (ARCHITECTURE.md "query processor": bind and evaluate): building, reading and
// editing jsonb values, and to_jsonb of any SQL value, as PostgreSQL's jsonfuncs.c does.
import { SqlError } from '../errors/index.ts'
import { T, overloads, resolved, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import {
  Decimal,
  Interval,
  Jsonb,
  RecordValue,
  arrayIndex,
  castToText,
  defineJsonKey,
  formatJsonNumber,
  getJsonKey,
  isJsonObject,
  jsonPath,
  jsonText,
  jsonTypeof,
  jsonbEntries,
  withJsonKey,
  type Datum,
  type SqlType,
} from './types/index.ts'

type Json = unknown
const jv = (d: Datum | undefined) => (d as Jsonb).value
const path = (d: Datum | undefined) => d as readonly (string | null)[]

/** A SQL value as JSON (to_jsonb): numbers stay numbers, bools booleans, arrays arrays, records
 * objects of their fields, jsonb itself; timestamps in ISO 8601 with a 'T'; everything else its
 * text output. */
export function toJson(value: Datum, type: SqlType): Json {
  if (value === null) return null
  switch (type.kind) {
    case 'bool':
      return value as boolean
    case 'int2':
    case 'int4':
    case 'int8':
      return Decimal.fromBigInt(value as bigint)
    case 'float4':
    case 'float8': {
      // float8out's text read as numeric, as PostgreSQL's to_jsonb does.
      const x = value as number
      return Number.isFinite(x) ? Decimal.parse(castToText(x, type)) : castToText(x, type)
    }
    case 'numeric': {
      const d = value as Decimal
      return d.isNaN ? 'NaN' : d
    }
    case 'jsonb':
      return (value as Jsonb).value
    case 'array':
      return (value as readonly Datum[]).map((v) => toJson(v, type.element))
    case 'timestamp':
    case 'timestamptz': {
      const text = castToText(value, type)
      return /^\d{4}-/.test(text) ? text.replace(' ', 'T').replace(/\+00$/, '+00:00') : text
    }
    case 'interval':
      return (value as Interval).toString()
    case 'record': {
      // An object of the fields by name, in field order (jsonb then sorts its keys).
      const values = (value as RecordValue).values
      const out: Record<string, Json> = {}
      type.fields.forEach((f, i) => defineJsonKey(out, f.name, toJson(values[i] ?? null, f.type)))
      return out
    }
    default:
      return castToText(value, type)
  }
}

/** row_to_json(record [, pretty]): the record as a JSON object. The pretty flag only changes
 * json's text, and json values here are jsonb (one text form). */
const rowToJson: FunctionResolver = (args) => {
  const [record, pretty] = args
  if (record?.kind !== 'record' || args.length > 2) return undefined
  if (pretty !== undefined && pretty.kind !== 'bool' && pretty.kind !== 'unknown') return undefined
  const params = pretty === undefined ? [record] : [record, T.bool]
  return resolved(sig(params, T.jsonb, (a) => new Jsonb(toJson(a[0] as Datum, record))))
}

const anyType = (t: SqlType | undefined): SqlType => (t === undefined || t.kind === 'unknown' ? T.text : t)

const toJsonb: FunctionResolver = (args) => {
  if (args.length !== 1) return undefined
  const t = anyType(args[0])
  return resolved(sig([t], T.jsonb, (a) => new Jsonb(toJson(a[0] as Datum, t))))
}

const buildObject: FunctionResolver = (args) => {
  if (args.length % 2 !== 0) return undefined
  const types = args.map(anyType)
  return resolved(
    sig(
      types,
      T.jsonb,
      (a) => {
        const out: Record<string, Json> = {}
        for (let i = 0; i < a.length; i += 2) {
          const k = a[i] as Datum
          if (k === null) throw new SqlError('22004', 'argument 1: key must not be null'.replace('1', String(i + 1)))
          const kt = types[i] as SqlType
          if (kt.kind === 'array' || kt.kind === 'jsonb' || kt.kind === 'record') {
            throw new SqlError('22023', 'key value must be scalar, not array, composite, or json')
          }
          defineJsonKey(out, castToText(k, kt), toJson(a[i + 1] as Datum, types[i + 1] as SqlType))
        }
        return new Jsonb(out)
      },
      { strict: false },
    ),
  )
}

const buildArray: FunctionResolver = (args) => {
  const types = args.map(anyType)
  return resolved(
    sig(types, T.jsonb, (a) => new Jsonb(a.map((v, i) => toJson(v, types[i] as SqlType))), { strict: false }),
  )
}

/** jsonb_set / jsonb_insert: replaces (or inserts before/after) the value at `path`. */
function setPath(
  target: Json,
  steps: readonly (string | null)[],
  value: Json,
  create: boolean,
  insert: 'before' | 'after' | undefined,
  level = 0,
): Json {
  const step = steps[level]
  if (step === null) throw new SqlError('22004', `path element at position ${level + 1} is null`)
  if (step === undefined) return value
  const last = level === steps.length - 1
  if (isJsonObject(target)) {
    const child = getJsonKey(target, step)
    if (last) {
      if (insert !== undefined && child !== undefined) {
        throw new SqlError('22023', 'cannot replace existing key', {
          hint: 'Try using the function jsonb_set to replace key value.',
        })
      }
      if (child === undefined && !create) return target
      return withJsonKey(target, step, value)
    }
    if (child === undefined) return target
    return withJsonKey(target, step, setPath(child, steps, value, create, insert, level + 1))
  }
  if (Array.isArray(target)) {
    let i = arrayIndex(step, target.length, level) as number
    if (last) {
      if (insert !== undefined || i < 0 || i >= target.length) {
        if (!create && insert === undefined) return target
        if (i < 0) i = insert === 'after' ? 0 : 0
        else if (i >= target.length) i = target.length
        else if (insert === 'after') i++
        return [...target.slice(0, Math.max(i, 0)), value, ...target.slice(Math.max(i, 0))]
      }
      return target.map((x, k) => (k === i ? value : x))
    }
    if (i < 0 || i >= target.length) return target
    return target.map((x, k) => (k === i ? setPath(x, steps, value, create, insert, level + 1) : x))
  }
  return target
}

function jsonbSet(target: Json, steps: readonly (string | null)[], value: Json, create: boolean, insert?: 'before' | 'after'): Jsonb {
  if (!isJsonObject(target) && !Array.isArray(target)) throw new SqlError('22023', 'cannot set path in scalar')
  if (steps.length === 0) return new Jsonb(target)
  // PostgreSQL returns an empty top-level container as is when it may not create anything.
  const empty = Array.isArray(target) ? target.length === 0 : Object.keys(target).length === 0
  if (empty && !create && insert === undefined) return new Jsonb(target)
  return new Jsonb(setPath(target, steps, value, create, insert))
}

function stripNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripNulls)
  if (!isJsonObject(v)) return v
  const out: Record<string, Json> = {}
  for (const [k, x] of Object.entries(v)) if (x !== null) defineJsonKey(out, k, stripNulls(x))
  return out
}

/** jsonb_pretty: four-space indentation, PostgreSQL's layout (empty containers inline). */
export function prettyJson(v: Json, indent = ''): string {
  const inner = `${indent}    `
  if (Array.isArray(v)) {
    if (v.length === 0) return '[\n' + indent + ']'
    return `[\n${v.map((x) => inner + prettyJson(x, inner)).join(',\n')}\n${indent}]`
  }
  if (isJsonObject(v)) {
    const entries = jsonbEntries(v)
    if (entries.length === 0) return '{\n' + indent + '}'
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${prettyJson(x, inner)}`).join(',\n')}\n${indent}}`
  }
  if (typeof v === 'number' || v instanceof Decimal) return formatJsonNumber(v)
  return new Jsonb(v).toString()
}

const variadicPath = (fn: (j: Json, p: readonly (string | null)[]) => Datum): FunctionResolver => (args) => {
  // VARIADIC takes at least one path element (PostgreSQL: 42883 for the JSON alone).
  if (args.length < 2) return undefined
  const first = args[0] as SqlType
  if (first.kind !== 'jsonb' && first.kind !== 'unknown') return undefined
  if (args.length === 2 && args[1]?.kind === 'array') {
    return resolved(sig([T.jsonb, T.textArray], T.jsonb, (a) => fn(jv(a[0]), path(a[1]))))
  }
  const params = [T.jsonb, ...args.slice(1).map(() => T.text)]
  return resolved(sig(params, T.jsonb, (a) => (a[0] === null ? null : fn(jv(a[0]), a.slice(1) as (string | null)[])), { strict: false }))
}

const boxed = (v: Json | undefined): Datum => (v === undefined ? null : new Jsonb(v))

const arrayLength = overloads(
  sig([T.jsonb], T.int4, (a) => {
    const v = jv(a[0])
    if (!Array.isArray(v)) {
      throw new SqlError('22023', isJsonObject(v) ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar')
    }
    return BigInt(v.length)
  }),
)

const stripNullsFn = overloads(sig([T.jsonb], T.jsonb, (a) => new Jsonb(stripNulls(jv(a[0])))))
const extractPath = variadicPath((j, p) => boxed(jsonPath(j, p)))

const extractPathText: FunctionResolver = (args) => {
  const r = variadicPath((j, p) => jsonText(jsonPath(j, p)))(args)
  return r === undefined ? undefined : { ...r, type: T.text }
}

/** The jsonb functions, by lowercase name. */
export const JSONB_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['to_jsonb', toJsonb],
  ['to_json', toJsonb],
  ['row_to_json', rowToJson],
  ['jsonb_build_object', buildObject],
  ['json_build_object', buildObject],
  ['jsonb_build_array', buildArray],
  ['json_build_array', buildArray],
  ['jsonb_typeof', overloads(sig([T.jsonb], T.text, (a) => jsonTypeof(jv(a[0]))))],
  ['json_typeof', overloads(sig([T.jsonb], T.text, (a) => jsonTypeof(jv(a[0]))))],
  ['jsonb_array_length', arrayLength],
  ['jsonb_extract_path', extractPath],
  ['jsonb_extract_path_text', extractPathText],
  // json is jsonb here (see sql-type.ts): json's functions are jsonb's, in jsonb's key order.
  ['json_array_length', arrayLength],
  ['json_extract_path', extractPath],
  ['json_extract_path_text', extractPathText],
  ['json_strip_nulls', stripNullsFn],
  ['jsonb_set', overloads(
    sig([T.jsonb, T.textArray, T.jsonb], T.jsonb, (a) => jsonbSet(jv(a[0]), path(a[1]), jv(a[2]), true)),
    sig([T.jsonb, T.textArray, T.jsonb, T.bool], T.jsonb, (a) => jsonbSet(jv(a[0]), path(a[1]), jv(a[2]), a[3] as boolean)),
  )],
  ['jsonb_insert', overloads(
    sig([T.jsonb, T.textArray, T.jsonb], T.jsonb, (a) => jsonbSet(jv(a[0]), path(a[1]), jv(a[2]), true, 'before')),
    sig([T.jsonb, T.textArray, T.jsonb, T.bool], T.jsonb, (a) =>
      jsonbSet(jv(a[0]), path(a[1]), jv(a[2]), true, a[3] === true ? 'after' : 'before')),
  )],
  ['jsonb_strip_nulls', stripNullsFn],
  ['jsonb_pretty', overloads(sig([T.jsonb], T.text, (a) => prettyJson(jv(a[0]))))],
  ['jsonb_object_length', overloads(sig([T.jsonb], T.int4, (a) => {
    const v = jv(a[0])
    return isJsonObject(v) ? BigInt(Object.keys(v).length) : null
  }))],
])
