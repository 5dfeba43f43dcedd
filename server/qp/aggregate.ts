// Aggregate functions (ARCHITECTURE.md "query processor": execute): count, sum, avg, min, max with
// PostgreSQL's result types (sum(int4) -> int8, sum(int8) -> numeric, avg(int) -> numeric).
import { assertNever, numericValueOutOfRange } from '../errors/index.ts'
import { compare, Decimal, hashKey, type Datum, type SqlType } from './types/index.ts'
import type { AggregateCall } from './binder.ts'

/** The running state of one aggregate over one group. */
export interface Accumulator {
  add(value: Datum): void
  result(): Datum
}

const INT8_MAX = 9223372036854775807n
const INT8_MIN = -9223372036854775808n

/** A fresh accumulator for `call`; DISTINCT skips values already seen. */
export function createAccumulator(call: AggregateCall): Accumulator {
  const argType = call.arg?.type ?? { kind: 'int8' }
  const inner = baseAccumulator(call, argType)
  if (!call.distinct) return inner
  const seen = new Set<string>()
  return {
    add(value) {
      if (value === null) return
      const key = hashKey(value, argType)
      if (seen.has(key)) return
      seen.add(key)
      inner.add(value)
    },
    result: () => inner.result(),
  }
}

function baseAccumulator(call: AggregateCall, argType: SqlType): Accumulator {
  switch (call.name) {
    case 'count': {
      let n = 0n
      return { add: (v) => void (v !== null && n++), result: () => n }
    }
    case 'sum':
      return sumAccumulator(argType, call.type)
    case 'avg':
      return avgAccumulator(argType)
    case 'min':
    case 'max': {
      const sign = call.name === 'min' ? -1 : 1
      let best: Datum = null
      return {
        add(v) {
          if (v !== null && (best === null || Math.sign(compare(v, best, argType)) === sign)) best = v
        },
        result: () => best,
      }
    }
    default:
      return assertNever(call.name)
  }
}

/** Adds in the widest exact form for the argument type, converts at the end. */
function sumAccumulator(argType: SqlType, resultType: SqlType): Accumulator {
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

function avgAccumulator(argType: SqlType): Accumulator {
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
