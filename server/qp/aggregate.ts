// Aggregate functions (ARCHITECTURE.md "query processor": execute): count, sum, avg, min, max,
// string_agg, array_agg, bool_and/or, jsonb_agg, jsonb_object_agg and the variance family, with
// PostgreSQL's result types (sum(int4) -> int8, sum(int8) -> numeric, avg(int) -> numeric).
import { SqlError, assert, featureNotSupported, numericValueOutOfRange } from '../errors/index.ts'
import {
  checkArrayLength,
  checkTextLength,
  compare,
  arrayType,
  baseType,
  castToText,
  Decimal,
  defineJsonKey,
  Interval,
  Jsonb,
  duplicateJsonKey,
  resolveBinary,
  type Datum,
  type SqlType,
} from './types/index.ts'
import { addIntervals, divInterval } from './types/interval.ts'
import type { Expr } from './expr.ts'
import type { SortKey } from './planner.ts'
import { toJson } from './functions-jsonb.ts'
import { rowKey, sortRows } from './row-order.ts'
import { rowBytes } from './datum-bytes.ts'
import { decimalSqrt } from './functions-math.ts'

/** An aggregate call found while binding; `args` is empty for count(*). */
export interface AggregateCall {
  readonly name: string
  readonly args: readonly Expr[]
  readonly distinct: boolean
  readonly type: SqlType
  /** `FILTER (WHERE ...)`: only rows where it is true reach the aggregate. */
  readonly filter?: Expr | undefined
  /** `agg(x ORDER BY ...)`: values reach the aggregate in this order (sort keys over `orderExprs`). */
  readonly order?: { readonly exprs: readonly Expr[]; readonly keys: readonly SortKey[] } | undefined
}

/** The running state of one aggregate over one group: `add` gets the call's argument values
 * (none for count(*)). Order-sensitive aggregates (string_agg, array_agg, jsonb_agg,
 * jsonb_object_agg) keep the order of `add` calls: for `agg(x ORDER BY y)` the executor sorts
 * each group's rows by y before adding them. */
export interface Accumulator {
  add(values: readonly Datum[]): void
  result(): Datum
  /** Takes back one earlier `add` of the same values, where that is exact (PostgreSQL's inverse
   * transition functions: count, and sum and avg of integers): a window frame that slides then
   * costs O(1) per row instead of a new accumulation over the whole frame. */
  remove?(values: readonly Datum[]): void
}

/** A resolved aggregate: the types to cast its arguments to and its result type. */
export interface ResolvedAggregate {
  readonly argTypes: readonly SqlType[]
  readonly type: SqlType
}

const INT8: SqlType = { kind: 'int8' }
const NUMERIC: SqlType = { kind: 'numeric' }
const TEXT: SqlType = { kind: 'text' }

/** json[b]_object_agg and PostgreSQL 16's variants: _strict skips NULL values, _unique refuses a
 * key given twice (22030). */
export const JSON_OBJECT_AGGREGATES: ReadonlySet<string> = new Set(
  ['json', 'jsonb'].flatMap((j) => ['', '_strict', '_unique', '_unique_strict'].map((v) => `${j}_object_agg${v}`)),
)

/** Aggregate functions the executor implements, by lowercase name. */
export const AGGREGATES: ReadonlySet<string> = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'string_agg',
  'array_agg',
  'bool_and',
  'bool_or',
  'every',
  'jsonb_agg',
  'json_agg',
  // PostgreSQL 16's _strict ones skip NULL values.
  'jsonb_agg_strict',
  'json_agg_strict',
  ...JSON_OBJECT_AGGREGATES,
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'variance',
  'var_samp',
  'var_pop',
  'bit_and',
  'bit_or',
  'bit_xor',
  'any_value',
])

const VARIANCE = new Set(['stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop'])
const JSONB: SqlType = { kind: 'jsonb' }
const BOOL: SqlType = { kind: 'bool' }
const FLOAT8: SqlType = { kind: 'float8' }
const INTERVAL: SqlType = { kind: 'interval' }

/**
 * PostgreSQL's overload of aggregate `name` for these argument types (`star` for `count(*)`):
 * undefined when there is none (the caller raises 42883).
 */
export function resolveAggregate(name: string, args: readonly SqlType[], star: boolean): ResolvedAggregate | undefined {
  if (star) return name === 'count' ? { argTypes: [], type: INT8 } : undefined
  if (args.length === 2) return resolveTwoArguments(name, args[0] as SqlType, args[1] as SqlType)
  if (args.length !== 1) return undefined
  const arg = args[0] as SqlType
  const k = arg.kind
  const isInt = k === 'int2' || k === 'int4' || k === 'int8'
  const isFloat = k === 'float4' || k === 'float8'
  const one = (type: SqlType) => ({ argTypes: [arg], type })
  switch (name) {
    case 'count':
      return one(INT8)
    case 'sum':
      if (k === 'int2' || k === 'int4') return one(INT8)
      if (k === 'int8' || k === 'numeric') return one(NUMERIC)
      if (isFloat || k === 'interval') return one(arg)
      return undefined
    case 'avg':
      if (isInt || k === 'numeric') return one(NUMERIC)
      if (isFloat) return one({ kind: 'float8' })
      if (k === 'interval') return one(INTERVAL)
      return undefined
    case 'min':
    case 'max':
      if (k !== 'jsonb' && k !== 'bool') return one(k === 'varchar' ? TEXT : arg)
      return undefined
    case 'bool_and':
    case 'bool_or':
    case 'every':
      return k === 'bool' ? one(BOOL) : undefined
    case 'array_agg':
      // An array of arrays would be a multidimensional array, which Tessera lacks.
      if (k === 'array') throw featureNotSupported('array_agg of arrays (multidimensional arrays)')
      return one(arrayType(baseType(arg)))
    case 'jsonb_agg':
    case 'json_agg':
    case 'jsonb_agg_strict':
    case 'json_agg_strict':
      return one(JSONB)
    case 'bit_and':
    case 'bit_or':
    case 'bit_xor':
      return isInt ? one(arg) : undefined
    case 'any_value':
      return one(k === 'unknown' ? TEXT : baseType(arg))
    default:
      if (VARIANCE.has(name)) {
        if (isInt || k === 'numeric') return { argTypes: [NUMERIC], type: NUMERIC }
        if (isFloat) return { argTypes: [FLOAT8], type: FLOAT8 }
      }
      return undefined
  }
}

const isTextKind = (t: SqlType) => t.kind === 'text' || t.kind === 'varchar' || t.kind === 'unknown'

function resolveTwoArguments(name: string, a: SqlType, b: SqlType): ResolvedAggregate | undefined {
  switch (name) {
    case 'string_agg':
      if (isTextKind(a) && isTextKind(b)) return { argTypes: [TEXT, TEXT], type: TEXT }
      if (a.kind === 'bytea' && (b.kind === 'bytea' || b.kind === 'unknown')) {
        return { argTypes: [a, a], type: a }
      }
      return undefined
    default:
      return JSON_OBJECT_AGGREGATES.has(name) ? { argTypes: [a, b], type: JSONB } : undefined
  }
}

const BIT_OPS: Readonly<Record<string, (a: bigint, b: bigint) => bigint>> = {
  bit_and: (a, b) => a & b,
  bit_or: (a, b) => a | b,
  bit_xor: (a, b) => a ^ b,
}

const INT8_MAX = 9223372036854775807n
const INT8_MIN = -9223372036854775808n

/** Aggregates that keep NULL inputs (array_agg(DISTINCT x) has one NULL element when x had any). */
const KEEPS_NULLS = new Set(['array_agg', 'jsonb_agg', 'json_agg', 'any_value'])

/** What a statement holds in memory, where a bound is checked (ExecContext.hold, 53200). */
export interface Holder {
  hold(count: number, bytes: number): void
}

/** A fresh accumulator for `call`. DISTINCT keeps the first of equal argument tuples (and tells
 * `holder` of each one kept, with its key). Without ORDER BY it feeds them in ascending order
 * (NULLs last), like PostgreSQL's sort-based DISTINCT, so string_agg(DISTINCT x, ',') is sorted;
 * with ORDER BY the executor has already sorted them (see `distinctOrder`), so they keep the order
 * they arrive in. */
export function createAccumulator(call: AggregateCall, holder?: Holder): Accumulator {
  const argType = call.args[0]?.type ?? INT8
  const inner = baseAccumulator(call, argType)
  if (!call.distinct) return inner
  const types = call.args.map((a) => a.type)
  const keepNulls = KEEPS_NULLS.has(call.name)
  const sorted = call.order === undefined
  const keys = distinctOrder(call)
  const seen = new Set<string>()
  const rows: (readonly Datum[])[] = []
  return {
    add(values) {
      if (!keepNulls && values.some((v) => v === null)) return
      const key = rowKey(values, types)
      if (seen.has(key)) return
      holder?.hold(values.length + 1, rowBytes(values) + key.length)
      seen.add(key)
      rows.push(values)
    },
    result() {
      if (sorted) sortRows(rows, keys)
      for (const row of rows) inner.add(row)
      rows.length = 0
      return inner.result()
    },
  }
}

/** Sort keys over an aggregate's arguments, ascending with NULLs last. For agg(DISTINCT ...
 * ORDER BY ...) PostgreSQL sorts by the ORDER BY keys and then by these, so arguments that tie on
 * the ORDER BY keys still arrive in one order: the executor breaks ties with them. */
export function distinctOrder(call: AggregateCall): readonly SortKey[] {
  return call.args.map((a, slot) => ({ slot, type: a.type, desc: false, nullsFirst: false }))
}

/** Adapts a one-argument accumulator: `add` (and `remove`) get the first argument. */
function unary(acc: Unary): Accumulator {
  const { remove } = acc
  return {
    add: (values) => acc.add(values[0] ?? null),
    result: () => acc.result(),
    ...(remove === undefined ? {} : { remove: (values: readonly Datum[]) => remove(values[0] ?? null) }),
  }
}

function baseAccumulator(call: AggregateCall, argType: SqlType): Accumulator {
  if (JSON_OBJECT_AGGREGATES.has(call.name)) {
    return jsonObjectAccumulator(argType, call.args[1]?.type ?? TEXT, {
      strict: call.name.endsWith('_strict'),
      unique: call.name.includes('_unique'),
      // PostgreSQL's json message names the key, its jsonb message does not.
      namesKey: call.name.startsWith('json_'),
    })
  }
  switch (call.name) {
    case 'count': {
      let n = 0n
      // count(*) gets no values and counts every row; count(x) skips NULLs.
      return {
        add: (values) => void ((values.length === 0 || values[0] !== null) && n++),
        remove: (values) => void ((values.length === 0 || values[0] !== null) && n--),
        result: () => n,
      }
    }
    case 'sum':
      return unary(argType.kind === 'interval' ? intervalAccumulator(false) : sumAccumulator(argType, call.type))
    case 'avg':
      return unary(argType.kind === 'interval' ? intervalAccumulator(true) : avgAccumulator(argType))
    case 'bool_and':
    case 'every':
    case 'bool_or': {
      const and = call.name !== 'bool_or'
      let state: boolean | null = null
      return unary({
        add: (v) => void (v !== null && (state = state === null ? (v as boolean) : and ? state && (v as boolean) : state || (v as boolean))),
        result: () => state,
      })
    }
    case 'string_agg':
      return stringAggAccumulator(argType)
    case 'array_agg': {
      const values: Datum[] = []
      return unary({
        add: (v) => {
          checkArrayLength(values.length + 1)
          values.push(v)
        },
        result: () => (values.length === 0 ? null : [...values]),
      })
    }
    case 'jsonb_agg':
    case 'json_agg':
    case 'jsonb_agg_strict':
    case 'json_agg_strict': {
      // The strict ones leave NULLs out but still answer [] for rows that were all NULL.
      const strict = call.name.endsWith('_strict')
      const values: unknown[] = []
      let rows = 0
      return unary({
        add: (v) => {
          rows++
          if (strict && v === null) return
          checkArrayLength(values.length + 1)
          values.push(toJson(v, argType))
        },
        result: () => (rows === 0 ? null : new Jsonb([...values])),
      })
    }
    case 'bit_and':
    case 'bit_or':
    case 'bit_xor': {
      const op = BIT_OPS[call.name] as (a: bigint, b: bigint) => bigint
      let state: bigint | null = null
      return unary({ add: (v) => void (v !== null && (state = state === null ? (v as bigint) : op(state, v as bigint))), result: () => state })
    }
    case 'any_value': {
      let value: Datum = null
      return unary({ add: (v) => void (value === null && (value = v)), result: () => value })
    }
    case 'min':
    case 'max': {
      const sign = call.name === 'min' ? -1 : 1
      let best: Datum = null
      return unary({
        add(v) {
          // A tie keeps the newer value, as PostgreSQL's smaller/larger functions do (numeric scale shows it).
          if (v !== null && (best === null || Math.sign(compare(v, best, argType)) !== -sign)) best = v
        },
        result: () => best,
      })
    }
    default:
      if (VARIANCE.has(call.name)) {
        const sample = call.name !== 'stddev_pop' && call.name !== 'var_pop'
        const root = call.name.startsWith('stddev')
        return unary(argType.kind === 'float8' ? floatVariance(sample, root) : numericVariance(sample, root))
      }
      assert(false, `aggregate ${call.name} has an accumulator`)
  }
}

/** Adds in the widest exact form for the argument type, converts at the end. */
function sumAccumulator(argType: SqlType, resultType: SqlType): Unary {
  const k = argType.kind
  if (k === 'int2' || k === 'int4' || k === 'int8') {
    const sum = new IntegerSum()
    return {
      add: (v) => sum.add(v),
      remove: (v) => sum.remove(v),
      result() {
        if (sum.count === 0) return null
        if (resultType.kind === 'numeric') return Decimal.fromBigInt(sum.total)
        if (sum.total > INT8_MAX || sum.total < INT8_MIN) throw numericValueOutOfRange('bigint out of range')
        return sum.total
      },
    }
  }
  if (k === 'numeric') {
    const sum = new NumericSum()
    return { add: (v) => sum.add(v), remove: (v) => sum.remove(v), result: () => sum.total() }
  }
  // float4pl / float8pl: each step in the argument's precision, 22003 when finite inputs overflow.
  const add = floatAdd(argType)
  let sum: Datum = null
  return {
    add: (v) => void (v !== null && (sum = sum === null ? v : add(sum, v))),
    result: () => sum,
  }
}

/** The `+` operator of a float type, resolved once per accumulator rather than per row. */
function floatAdd(type: SqlType): (a: Datum, b: Datum) => Datum {
  const plus = resolveBinary('+', type, type)
  assert(plus !== undefined && plus.resultType.kind === type.kind, `${type.kind} + is ${type.kind}`)
  return plus.apply
}

function avgAccumulator(argType: SqlType): Unary {
  const k = argType.kind
  if (k === 'float4' || k === 'float8') {
    // float4_accum and float8_accum both sum in float8.
    const add = floatAdd(FLOAT8)
    let sum: Datum = 0
    let count = 0n
    return {
      add(v) {
        if (v === null) return
        sum = add(sum, v)
        count++
      },
      result: () => (count === 0n ? null : (sum as number) / Number(count)),
    }
  }
  if (k === 'int2' || k === 'int4' || k === 'int8') {
    // Integers sum exactly as a bigint (PostgreSQL's int8 avg keeps an int128); only the result
    // is a numeric.
    const sum = new IntegerSum()
    return {
      add: (v) => sum.add(v),
      remove: (v) => sum.remove(v),
      result: () => (sum.count === 0 ? null : Decimal.fromBigInt(sum.total).div(Decimal.fromBigInt(BigInt(sum.count)))),
    }
  }
  const sum = new NumericSum()
  return {
    add: (v) => sum.add(v),
    remove: (v) => sum.remove(v),
    result() {
      const total = sum.total()
      return total === null ? null : total.div(Decimal.fromBigInt(BigInt(sum.count)))
    },
  }
}

/** The exact sum of integers as a bigint, values taken back included (exact, so a sliding window
 * frame can). */
class IntegerSum {
  #total = 0n
  #count = 0

  get total(): bigint {
    return this.#total
  }

  /** Values held. */
  get count(): number {
    return this.#count
  }

  add(v: Datum): void {
    if (v === null) return
    this.#total += v as bigint
    this.#count++
  }

  remove(v: Datum): void {
    if (v === null) return
    this.#total -= v as bigint
    this.#count--
  }
}

/**
 * The exact sum of numerics, values taken back included (PostgreSQL's numeric_accum_inv does the
 * same bookkeeping). The sum's display scale is the largest of the values it holds: taking back
 * the last value of that scale lowers it, which the running sum alone cannot tell (1.50 - 1.50 +
 * 2 is 2.00), so values are counted per scale. NaN absorbs everything, so NaNs are counted apart.
 */
class NumericSum {
  #count = 0
  #sum = Decimal.fromBigInt(0n)
  #nans = 0
  /** Values held per display scale; the last entry is non-zero (or there is none). */
  readonly #scales: number[] = []

  /** Values held, NaNs included. */
  get count(): number {
    return this.#count
  }

  add(v: Datum): void {
    if (v === null) return
    const d = v as Decimal
    this.#count++
    if (d.isNaN) this.#nans++
    else {
      this.#sum = this.#sum.add(d)
      this.#scales[d.scale] = (this.#scales[d.scale] ?? 0) + 1
    }
  }

  remove(v: Datum): void {
    if (v === null) return
    const d = v as Decimal
    this.#count--
    if (d.isNaN) {
      this.#nans--
      return
    }
    this.#sum = this.#sum.sub(d)
    const scales = this.#scales
    scales[d.scale] = (scales[d.scale] as number) - 1
    // The largest scale left: the sum drops the digits beyond it now (all zero, so exactly), or
    // every later step would carry them (a value of scale 16,000 made each one a 16,000-digit
    // operation long after it left the frame).
    while (scales.length > 0 && !scales[scales.length - 1]) scales.pop()
    const top = Math.max(scales.length - 1, 0)
    if (this.#sum.scale > top) this.#sum = this.#sum.round(top)
  }

  /** The sum, NULL over no values. */
  total(): Decimal | null {
    if (this.#count === 0) return null
    return this.#nans > 0 ? Decimal.nan() : this.#sum
  }
}

type Unary = { add(value: Datum): void; result(): Datum; remove?(value: Datum): void }

/** sum(interval) and avg(interval): exact field-wise sum; avg divides as interval / float8. */
function intervalAccumulator(average: boolean): Unary {
  let sum: Interval | null = null
  let count = 0
  return {
    add(v) {
      if (v === null) return
      sum = sum === null ? (v as Interval) : addIntervals(sum, v as Interval)
      count++
    },
    result: () => (sum === null ? null : average ? divInterval(sum, count) : sum),
  }
}

/** string_agg(value, delimiter): NULL values skipped, each later value preceded by its own row's
 * delimiter (a NULL delimiter adds nothing). */
function stringAggAccumulator(argType: SqlType): Accumulator {
  if (argType.kind === 'bytea') {
    const parts: Uint8Array[] = []
    let bytes = 0
    return {
      add([v, d]) {
        if (v === null || v === undefined) return
        const delim = parts.length > 0 && d !== null && d !== undefined ? (d as Uint8Array) : undefined
        bytes += (v as Uint8Array).length + (delim?.length ?? 0)
        checkTextLength(bytes)
        if (delim !== undefined) parts.push(delim)
        parts.push(v as Uint8Array)
      },
      result() {
        if (parts.length === 0) return null
        const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
        let at = 0
        for (const p of parts) {
          out.set(p, at)
          at += p.length
        }
        return out
      },
    }
  }
  let text: string | null = null
  return {
    add([v, d]) {
      if (v === null || v === undefined) return
      text = text === null ? (v as string) : text + ((d as string | null | undefined) ?? '') + (v as string)
      checkTextLength(text.length)
    },
    result: () => text,
  }
}

/** jsonb_object_agg(key, value): a NULL key is 22023; a later duplicate key wins. */
/** json[b]_object_agg and its variants: `strict` leaves out pairs whose value is NULL (a key
 * given twice is refused all the same with `unique`, as PostgreSQL checks every pair). */
function jsonObjectAccumulator(
  keyType: SqlType,
  valueType: SqlType,
  variant: { readonly strict: boolean; readonly unique: boolean; readonly namesKey: boolean },
): Accumulator {
  let obj: Record<string, unknown> | null = null
  const seen = variant.unique ? new Set<string>() : undefined
  return {
    add([k, v]) {
      if (k === null || k === undefined) throw new SqlError('22023', 'field name must not be null')
      if (keyType.kind === 'record') throw new SqlError('22023', 'key value must be scalar, not array, composite, or json')
      obj ??= {}
      const key = keyType.kind === 'jsonb' ? (k as Jsonb).toString() : castToText(k, keyType)
      if (seen !== undefined) {
        if (seen.has(key)) throw duplicateJsonKey(variant.namesKey ? key : undefined)
        seen.add(key)
      }
      if (variant.strict && (v === null || v === undefined)) return
      defineJsonKey(obj, key, toJson(v ?? null, valueType))
    },
    result: () => (obj === null ? null : new Jsonb({ ...obj })),
  }
}

/** float8 variance and standard deviation with the Youngs-Cramer update PostgreSQL uses. */
function floatVariance(sample: boolean, root: boolean): Unary {
  let n = 0
  let sx = 0
  let sxx = 0
  return {
    add(v) {
      if (v === null) return
      const x = v as number
      n += 1
      sx += x
      if (n > 1) {
        const tmp = x * n - sx
        sxx += (tmp * tmp) / (n * (n - 1))
      } else if (!Number.isFinite(x)) {
        sxx = Number.NaN
      }
    },
    result() {
      if (n === 0 || (sample && n === 1)) return null
      const variance = sxx / (sample ? n - 1 : n)
      return root ? Math.sqrt(variance) : variance
    },
  }
}

/** numeric variance and standard deviation: exact sums, then PostgreSQL's division scale. */
function numericVariance(sample: boolean, root: boolean): Unary {
  let n = 0n
  let sx = Decimal.fromBigInt(0n)
  let sxx = Decimal.fromBigInt(0n)
  let nan = false
  return {
    add(v) {
      if (v === null) return
      const x = typeof v === 'bigint' ? Decimal.fromBigInt(v) : (v as Decimal)
      if (x.isNaN) nan = true
      else {
        sx = sx.add(x)
        sxx = sxx.add(x.mul(x))
      }
      n++
    },
    result() {
      if (n === 0n || (sample && n === 1n)) return null
      if (nan) return Decimal.nan()
      const N = Decimal.fromBigInt(n)
      const numerator = N.mul(sxx).sub(sx.mul(sx))
      if (numerator.sign <= 0) return Decimal.fromBigInt(0n)
      const denominator = Decimal.fromBigInt(sample ? n * (n - 1n) : n * n)
      const variance = numerator.div(denominator)
      return root ? decimalSqrt(variance, variance.scale) : variance
    },
  }
}
