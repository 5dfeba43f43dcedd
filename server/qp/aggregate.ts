// Aggregate functions (ARCHITECTURE.md "query processor": execute): count, sum, avg, min, max with
// PostgreSQL's result types (sum(int4) -> int8, sum(int8) -> numeric, avg(int) -> numeric).
import { assert, numericValueOutOfRange } from '../errors/index.ts'
import { compare, Decimal, hashKey, type Datum, type SqlType } from './types/index.ts'
import type { Expr } from './expr.ts'

/** An aggregate call found while binding; `args` is empty for count(*). */
export interface AggregateCall {
  readonly name: string
  readonly args: readonly Expr[]
  readonly distinct: boolean
  readonly type: SqlType
}

/** The running state of one aggregate over one group: `add` gets the call's argument values
 * (none for count(*)). */
export interface Accumulator {
  add(values: readonly Datum[]): void
  result(): Datum
}

/** A resolved aggregate: the types to cast its arguments to and its result type. */
export interface ResolvedAggregate {
  readonly argTypes: readonly SqlType[]
  readonly type: SqlType
}

const INT8: SqlType = { kind: 'int8' }
const NUMERIC: SqlType = { kind: 'numeric' }
const TEXT: SqlType = { kind: 'text' }

/** Aggregate functions the executor implements, by lowercase name. */
export const AGGREGATES: ReadonlySet<string> = new Set(['count', 'sum', 'avg', 'min', 'max'])

/**
 * PostgreSQL's overload of aggregate `name` for these argument types (`star` for `count(*)`):
 * undefined when there is none (the caller raises 42883).
 */
export function resolveAggregate(name: string, args: readonly SqlType[], star: boolean): ResolvedAggregate | undefined {
  if (star) return name === 'count' ? { argTypes: [], type: INT8 } : undefined
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
      if (isFloat) return one(arg)
      return undefined
    case 'avg':
      if (isInt || k === 'numeric') return one(NUMERIC)
      if (isFloat) return one({ kind: 'float8' })
      return undefined
    case 'min':
    case 'max':
      if (k !== 'jsonb' && k !== 'bool') return one(k === 'varchar' ? TEXT : arg)
      return undefined
    default:
      return undefined
  }
}

const INT8_MAX = 9223372036854775807n
const INT8_MIN = -9223372036854775808n

/** A fresh accumulator for `call`; DISTINCT skips values already seen. */
export function createAccumulator(call: AggregateCall): Accumulator {
  const argType = call.args[0]?.type ?? INT8
  const inner = baseAccumulator(call, argType)
  if (!call.distinct) return inner
  const seen = new Set<string>()
  return {
    add(values) {
      if (values.some((v) => v === null)) return
      const key = JSON.stringify(values.map((v, i) => hashKey(v as Datum, call.args[i]?.type ?? INT8)))
      if (seen.has(key)) return
      seen.add(key)
      inner.add(values)
    },
    result: () => inner.result(),
  }
}

/** Adapts a one-argument accumulator: `add` gets the first argument. */
function unary(acc: { add(value: Datum): void; result(): Datum }): Accumulator {
  return { add: (values) => acc.add(values[0] ?? null), result: () => acc.result() }
}

function baseAccumulator(call: AggregateCall, argType: SqlType): Accumulator {
  switch (call.name) {
    case 'count': {
      let n = 0n
      // count(*) gets no values and counts every row; count(x) skips NULLs.
      return { add: (values) => void ((values.length === 0 || values[0] !== null) && n++), result: () => n }
    }
    case 'sum':
      return unary(sumAccumulator(argType, call.type))
    case 'avg':
      return unary(avgAccumulator(argType))
    case 'min':
    case 'max': {
      const sign = call.name === 'min' ? -1 : 1
      let best: Datum = null
      return unary({
        add(v) {
          if (v !== null && (best === null || Math.sign(compare(v, best, argType)) === sign)) best = v
        },
        result: () => best,
      })
    }
    default:
      assert(false, `aggregate ${call.name} has an accumulator`)
  }
}

/** Adds in the widest exact form for the argument type, converts at the end. */
function sumAccumulator(argType: SqlType, resultType: SqlType): { add(value: Datum): void; result(): Datum } {
  const k = argType.kind
  if (k === 'int2' || k === 'int4' || k === 'int8') {
    let sum = 0n
    let any = false
    return {
      add(v) {
        if (v === null) return
        sum += v as bigint
        any = true
      },
      result() {
        if (!any) return null
        if (resultType.kind === 'numeric') return Decimal.fromBigInt(sum)
        if (sum > INT8_MAX || sum < INT8_MIN) throw numericValueOutOfRange('bigint out of range')
        return sum
      },
    }
  }
  if (k === 'numeric') {
    let sum: Decimal | null = null
    return { add: (v) => void (v !== null && (sum = sum === null ? (v as Decimal) : sum.add(v as Decimal))), result: () => sum }
  }
  let sum: number | null = null
  return { add: (v) => void (v !== null && (sum = (sum ?? 0) + (v as number))), result: () => sum }
}

function avgAccumulator(argType: SqlType): { add(value: Datum): void; result(): Datum } {
  const k = argType.kind
  let count = 0n
  if (k === 'float4' || k === 'float8') {
    let sum = 0
    return {
      add(v) {
        if (v === null) return
        sum += v as number
        count++
      },
      result: () => (count === 0n ? null : sum / Number(count)),
    }
  }
  let sum = Decimal.fromBigInt(0n)
  return {
    add(v) {
      if (v === null) return
      sum = sum.add(typeof v === 'bigint' ? Decimal.fromBigInt(v) : (v as Decimal))
      count++
    },
    result: () => (count === 0n ? null : sum.div(Decimal.fromBigInt(count))),
  }
}
