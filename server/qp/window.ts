// Window functions (ARCHITECTURE.md "query processor": execute): each call computed per row over
// its partition, in its ORDER BY, within its frame; rows keep their input order.
import { assert, SqlError } from '../errors/index.ts'
import { cast, compare as compareValues, Interval, resolveBinary, type Datum, type Decimal, type SqlType } from './types/index.ts'
import { createAccumulator, type Accumulator } from './aggregate.ts'
import { evaluate, type Expr } from './expr.ts'
import { PAUSE, type ExecContext, type Pause } from './executor.ts'
import { sortPausing } from './chunked-sort.ts'
import { compareRows, rowKey } from './row-order.ts'
import type { SortKey } from './planner.ts'
import type { FrameBound, WindowCall } from './rel.ts'

/** Window functions that are not aggregates, with their result types. */
export const WINDOW_FUNCTIONS: ReadonlySet<string> = new Set([
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'nth_value',
])

/** The result type of a window function given its argument types (undefined: 42883). */
export function windowFunctionType(name: string, args: readonly SqlType[]): SqlType | undefined {
  const int8: SqlType = { kind: 'int8' }
  switch (name) {
    case 'row_number':
    case 'rank':
    case 'dense_rank':
      return args.length === 0 ? int8 : undefined
    case 'percent_rank':
    case 'cume_dist':
      return args.length === 0 ? { kind: 'float8' } : undefined
    case 'ntile':
      return args.length === 1 ? { kind: 'int4' } : undefined
    case 'lag':
    case 'lead':
      return args.length >= 1 && args.length <= 3 ? args[0] : undefined
    case 'first_value':
    case 'last_value':
      return args.length === 1 ? args[0] : undefined
    case 'nth_value':
      return args.length === 2 ? args[0] : undefined
    default:
      return undefined
  }
}

/**
 * The input rows, each followed by one value per window call. A generator so that a statement in
 * slices can pause between rows (and between the chunks of a partition's sort): every loop over
 * rows counts them with `ctx.tick()`. Every call costs O(n log n) for its sort and O(n) beyond,
 * except an aggregate over a frame whose start moves without an exact way to take rows back
 * (`Accumulator.remove`): that one starts over at each row, O(frame) per row, as in PostgreSQL.
 */
export function* runWindows(ctx: ExecContext, rows: readonly (readonly Datum[])[], calls: readonly WindowCall[]): Generator<Pause, Datum[][]> {
  const out: Datum[][] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    out[i] = [...(rows[i] as Datum[])]
    if (ctx.tick()) yield PAUSE
  }
  for (const call of calls) {
    const values = yield* callValues(ctx, rows, call)
    for (let i = 0; i < out.length; i++) (out[i] as Datum[]).push(values[i] ?? null)
  }
  return out
}

interface Ordered {
  readonly index: number
  readonly order: readonly Datum[]
}

/** A sorted partition: its rows' input indexes, and its peer groups (rows that tie on every
 * ORDER BY key; the whole partition without one). */
interface Partition {
  readonly rows: readonly (readonly Datum[])[]
  readonly index: readonly number[]
  /** groupOf[i]: the peer group of position i; groups are numbered from 0 in order. */
  readonly groupOf: readonly number[]
  /** The first and last position of each peer group. */
  readonly groupStart: readonly number[]
  readonly groupEnd: readonly number[]
  /** The first ORDER BY value of each position (what a RANGE offset measures from). */
  readonly orderValues: readonly Datum[]
}

function* callValues(ctx: ExecContext, rows: readonly (readonly Datum[])[], call: WindowCall): Generator<Pause, Datum[]> {
  // Offsets are checked once there is a row (PostgreSQL raises nothing over no rows).
  if (rows.length === 0) return []
  const offsets = frameOffsets(ctx, call)
  const partitions = new Map<unknown, Ordered[]>()
  const partTypes = call.partition.map((p) => p.type)
  // One partition key of a type whose values are equal only when identical (integers, booleans)
  // is its own Map key: no key text per row.
  const only = call.partition.length === 1 && RAW_KEY_KINDS.has((partTypes[0] as SqlType).kind) ? call.partition[0] : undefined
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index] as Datum[]
    const key =
      only !== undefined ? evaluate(only, row, ctx.eval) : call.partition.length === 0 ? '' : rowKey(call.partition.map((p) => evaluate(p, row, ctx.eval)), partTypes)
    const order = call.orderExprs.map((e) => evaluate(e, row, ctx.eval))
    const list = partitions.get(key)
    if (list === undefined) partitions.set(key, [{ index, order }])
    else list.push({ index, order })
    if (ctx.tick()) yield PAUSE
  }
  const values: Datum[] = new Array<Datum>(rows.length).fill(null)
  for (const list of partitions.values()) {
    const sorted = call.order.length === 0 ? list : yield* sortPausing(ctx, list, (a, b) => compareRows(a.order, b.order, call.order))
    const part = yield* partitionOf(ctx, rows, call, sorted)
    if (call.aggregate !== undefined || FRAME_FUNCTIONS.has(call.name)) yield* frameValues(ctx, call, part, offsets, values)
    else yield* rankingValues(ctx, call, part, values)
  }
  return values
}

/** The arguments of a row an aggregate's FILTER leaves out. */
const FILTERED: readonly Datum[] = Object.freeze([])

/** Types whose equal values are one JavaScript value (SameValueZero), NULL included. */
const RAW_KEY_KINDS: ReadonlySet<string> = new Set(['int2', 'int4', 'int8', 'bool'])

/** Window functions whose value does not depend on the frame. */
const FRAMELESS: ReadonlySet<string> = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile'])

/** Value functions that read the frame; aggregates do too. */
const FRAME_FUNCTIONS: ReadonlySet<string> = new Set(['first_value', 'last_value', 'nth_value'])

function* partitionOf(ctx: ExecContext, rows: readonly (readonly Datum[])[], call: WindowCall, sorted: readonly Ordered[]): Generator<Pause, Partition> {
  const n = sorted.length
  const index: number[] = new Array(n)
  const groupOf: number[] = new Array(n)
  const groupStart: number[] = []
  const groupEnd: number[] = []
  const orderValues: Datum[] = new Array(n)
  for (let i = 0; i < n; i++) {
    index[i] = (sorted[i] as Ordered).index
    orderValues[i] = (sorted[i] as Ordered).order[0] ?? null
    if (i === 0 || compareRows((sorted[i - 1] as Ordered).order, (sorted[i] as Ordered).order, call.order) !== 0) {
      if (i > 0) groupEnd.push(i - 1)
      groupStart.push(i)
    }
    groupOf[i] = groupStart.length - 1
    if (ctx.tick()) yield PAUSE
  }
  if (n > 0) groupEnd.push(n - 1)
  return { rows, index, groupOf, groupStart, groupEnd, orderValues }
}

function* rankingValues(ctx: ExecContext, call: WindowCall, part: Partition, values: Datum[]): Generator<Pause, void> {
  const { index, groupOf, groupStart, groupEnd } = part
  const n = index.length
  const arg = (i: number, k: number) => evaluate(call.args[k] as Expr, part.rows[index[i] as number] as Datum[], ctx.eval)
  // ntile reads its argument once per partition, at the first row where it is not NULL, and
  // deals the rows from that one on into buckets of the whole partition's size (as PostgreSQL's
  // window_ntile does).
  let buckets: Datum = null
  let dealtFrom = 0
  for (let i = 0; i < n; i++) {
    const group = groupOf[i] as number
    const rank = (groupStart[group] as number) + 1
    let v: Datum = null
    switch (call.name) {
      case 'row_number':
        v = BigInt(i + 1)
        break
      case 'rank':
        v = BigInt(rank)
        break
      case 'dense_rank':
        v = BigInt(group + 1)
        break
      case 'percent_rank':
        v = n <= 1 ? 0 : (rank - 1) / (n - 1)
        break
      case 'cume_dist':
        v = ((groupEnd[group] as number) + 1) / n
        break
      case 'ntile':
        if (buckets === null) {
          buckets = arg(i, 0)
          dealtFrom = i
        }
        v = ntile(buckets, i - dealtFrom, n)
        break
      case 'lag':
      case 'lead': {
        const offset = call.args.length > 1 ? arg(i, 1) : 1n
        if (offset === null) break
        const j = call.name === 'lag' ? i - Number(offset) : i + Number(offset)
        v = j >= 0 && j < n ? arg(j, 0) : call.args.length > 2 ? arg(i, 2) : null
        break
      }
      default:
        assert(false, `window function ${call.name} is implemented`)
    }
    values[index[i] as number] = v
    if (ctx.tick()) yield PAUSE
  }
}

function ntile(buckets: Datum, i: number, n: number): Datum {
  if (buckets === null) return null
  const b = Number(buckets)
  if (b <= 0) throw new SqlError('22014', 'argument of ntile must be greater than zero')
  const size = Math.floor(n / b)
  const extra = n % b
  // The first `extra` buckets hold one row more.
  const bigRows = extra * (size + 1)
  return BigInt(i < bigRows ? Math.floor(i / (size + 1)) + 1 : extra + Math.floor((i - bigRows) / Math.max(size, 1)) + 1)
}

/** A frame's offsets (`n PRECEDING` / `n FOLLOWING`), evaluated once per call: they are
 * constants. ROWS and GROUPS count rows or peer groups (`start`, `end`); RANGE measures values
 * from the current row's ORDER BY value (`range`). Undefined for a bound without one. */
interface FrameOffsets {
  readonly start: number | undefined
  readonly end: number | undefined
  readonly range: RangeBounds | undefined
}

function frameOffsets(ctx: ExecContext, call: WindowCall): FrameOffsets {
  const none = { start: undefined, end: undefined, range: undefined }
  // PostgreSQL (16 on) drops the frame of these, which never read it, so their offsets are
  // never checked; every other call's are, lag's and lead's too.
  if (FRAMELESS.has(call.name)) return none
  const raw = (b: FrameBound, which: 'starting' | 'ending'): Datum | undefined => {
    const offset = offsetOf(b)
    if (offset === undefined) return undefined
    const v = ctx.constant(offset)
    if (v === null) throw new SqlError('22004', `frame ${which} offset must not be null`)
    return v
  }
  const startRaw = raw(call.frame.start, 'starting')
  const endRaw = raw(call.frame.end, 'ending')
  if (call.frame.mode === 'range') {
    if (startRaw === undefined && endRaw === undefined) return none
    return { ...none, range: rangeBounds(call, startRaw, endRaw) }
  }
  const count = (v: Datum | undefined, which: 'starting' | 'ending'): number | undefined => {
    if (v === undefined) return undefined
    const k = Number(v)
    if (k < 0) throw new SqlError('22013', `frame ${which} offset must not be negative`)
    return k
  }
  return { start: count(startRaw, 'starting'), end: count(endRaw, 'ending'), range: undefined }
}

/** A RANGE frame's offset bounds, ready to be measured from a row's ORDER BY value. */
interface RangeBounds {
  /** The one ORDER BY key (the planner asks for exactly one). */
  readonly key: SortKey
  /** The limit of each bound for a row's (non-NULL) value: that value moved by the bound's
   * offset; undefined for a bound without one. */
  readonly start: ((x: Datum) => Limit) | undefined
  readonly end: ((x: Datum) => Limit) | undefined
  /** Compares a row's value with a limit, in the limit's type. */
  readonly compare: (v: Datum, limit: Datum) => number
}

/** A limit value; or past every value on one side (`-1` below all, `1` above all, in value
 * order); or every value on the bound's side of it (in_range true whatever the value). */
type Limit = { readonly value: Datum } | { readonly beyond: -1 | 1 } | { readonly all: true }

/**
 * The bounds `offset PRECEDING/FOLLOWING` of a RANGE frame, as PostgreSQL's in_range functions:
 * PRECEDING is toward the start of the sort (below the value ascending, above it descending). A
 * negative offset (or NaN) is 22013. An integer limit past int8 takes in every value on that side
 * rather than raising; a date or timestamp limit out of range raises, as there. A float limit
 * of an infinite value and an infinite offset that would be NaN takes in every value; a time limit
 * does not wrap around midnight (the offset's months and days are disregarded, as time + interval
 * does).
 */
function rangeBounds(call: WindowCall, startRaw: Datum | undefined, endRaw: Datum | undefined): RangeBounds {
  const key = call.order[0] as SortKey
  const columnType = key.type
  // Both offsets have the one type the planner gives a RANGE offset over this column (rangeOffset
  // in select.ts).
  const offsetType = ((offsetOf(call.frame.start) ?? offsetOf(call.frame.end)) as Expr).type
  const isTime = columnType.kind === 'time'
  for (const v of [startRaw, endRaw]) {
    if (v !== undefined && (isTime ? (v as Interval).micros < 0n : isNegative(v, offsetType))) {
      throw new SqlError('22013', 'invalid preceding or following size in window function')
    }
  }
  const plus = resolveBinary('+', columnType, offsetType)
  const minus = resolveBinary('-', columnType, offsetType)
  assert(plus !== undefined && minus !== undefined && plus.resultType.kind === minus.resultType.kind, `in_range of ${columnType.kind} by ${offsetType.kind}`)
  const limitType = isTime ? columnType : plus.resultType
  const integers = columnType.kind === 'int2' || columnType.kind === 'int4' || columnType.kind === 'int8'
  const floats = columnType.kind === 'float4' || columnType.kind === 'float8'
  const limit = (b: FrameBound, k: Datum | undefined) => {
    if (k === undefined) return undefined
    // PRECEDING subtracts ascending, adds descending; FOLLOWING the other way round.
    const add = (b.kind === 'following') !== key.desc
    if (isTime) {
      const micros = (k as Interval).micros
      return (x: Datum): Limit => ({ value: add ? (x as bigint) + micros : (x as bigint) - micros })
    }
    const op = add ? plus : minus
    return (x: Datum): Limit => {
      if (floats && !Number.isFinite(x as number) && !Number.isFinite(k as number) && (add ? (x as number) < 0 : (x as number) > 0)) return { all: true }
      try {
        return { value: op.apply(cast(x, columnType, op.leftType, 'implicit'), cast(k, offsetType, op.rightType, 'implicit')) }
      } catch (e) {
        if (integers && e instanceof SqlError && e.code === '22003') return { beyond: add ? 1 : -1 }
        throw e
      }
    }
  }
  return {
    key,
    start: limit(call.frame.start, startRaw),
    end: limit(call.frame.end, endRaw),
    compare: (v, l) => compareValues(isTime ? v : cast(v, columnType, limitType, 'implicit'), l, limitType),
  }
}

/** A frame bound's offset expression (`n PRECEDING` / `n FOLLOWING`); undefined for the others. */
function offsetOf(b: FrameBound): Expr | undefined {
  return b.kind === 'preceding' || b.kind === 'following' ? b.offset : undefined
}

/** Whether an offset is below zero, or NaN (in_range refuses both). */
function isNegative(v: Datum, type: SqlType): boolean {
  switch (type.kind) {
    case 'numeric':
      return (v as Decimal).isNaN || (v as Decimal).sign < 0
    case 'float4':
    case 'float8':
      return Number.isNaN(v as number) || (v as number) < 0
    case 'interval':
      return compareValues(v, ZERO_INTERVAL, type) < 0
    default:
      return typeof v === 'bigint' ? v < 0n : (v as number) < 0
  }
}

const ZERO_INTERVAL = Interval.checked(0, 0, 0n)

/**
 * Aggregates and value functions over each row's frame. Both ends of a frame only move forward
 * from row to row (the offsets are constants), so an aggregate adds the rows entering the frame
 * and takes back those leaving it; one that cannot take rows back starts over whenever its frame's
 * start moves. Each row's arguments are evaluated once.
 */
function* frameValues(ctx: ExecContext, call: WindowCall, part: Partition, offsets: FrameOffsets, values: Datum[]): Generator<Pause, void> {
  const { index } = part
  const n = index.length
  const rowAt = (i: number) => part.rows[index[i] as number] as Datum[]
  const aggregate = call.aggregate
  const filter = aggregate?.filter
  const evaluated = (i: number): readonly Datum[] => {
    const row = rowAt(i)
    // A row FILTER leaves out is in the frame but adds nothing to the aggregate.
    if (filter !== undefined && evaluate(filter, row, ctx.eval) !== true) return FILTERED
    return call.args.map((a) => evaluate(a, row, ctx.eval))
  }
  // An aggregate over a frame whose start moves reads a row's arguments more than once (added,
  // then taken back, or added again at each restart): they are kept from when first read until
  // the frame's start passes the row (what frames before it hold is let go as it goes, so a
  // frame of wide values holds only its own). Other calls read each row's once or so: no cache.
  const cached = aggregate !== undefined && call.frame.start.kind !== 'unbounded'
  const argsOf: (readonly Datum[] | undefined)[] = cached ? new Array(n) : []
  const argsAt = cached ? (i: number): readonly Datum[] => (argsOf[i] ??= evaluated(i)) : evaluated
  let kept = 0
  let acc: Accumulator | undefined
  // The frame `acc` holds: positions from..to (empty when from > to).
  let from = 0
  let to = -1
  for (let i = 0; i < n; i++) {
    const [start, end] = frameOf(call, part, offsets, i)
    let v: Datum = null
    if (aggregate !== undefined) {
      if (start > end) {
        // An empty frame: the aggregate of no rows; the next frame starts over.
        v = createAccumulator(aggregate).result()
        acc = undefined
      } else {
        // Frames only move forward (their offsets are constants), so `start < from || end < to`
        // is never expected: kept as a restart, correct whatever. A start past `to + 1` (a RANGE
        // frame jumping over values) restarts rather than taking back rows it never added.
        if (acc !== undefined && (start < from || end < to || start > to + 1 || (start > from && acc.remove === undefined))) acc = undefined
        if (acc === undefined) {
          acc = createAccumulator(aggregate)
          from = start
          to = start - 1
        }
        for (; from < start; from++) {
          const args = argsAt(from)
          if (args !== FILTERED) (acc.remove as NonNullable<Accumulator['remove']>)(args)
          if (ctx.tick()) yield PAUSE
        }
        for (; to < end; to++) {
          const args = argsAt(to + 1)
          if (args !== FILTERED) acc.add(args)
          if (ctx.tick()) yield PAUSE
        }
        v = acc.result()
        if (cached) for (; kept < Math.min(start, from); kept++) argsOf[kept] = undefined
      }
    } else if (call.name === 'nth_value') {
      // The position is read and checked at every row, the frame empty or not (as PostgreSQL).
      const nth = evaluate(call.args[1] as Expr, rowAt(i), ctx.eval)
      if (nth !== null && Number(nth) <= 0) throw new SqlError('22016', 'argument of nth_value must be greater than zero')
      const j = nth === null ? -1 : start + Number(nth) - 1
      v = j >= start && j <= end ? (argsAt(j)[0] ?? null) : null
    } else if (start <= end) {
      v = argsAt(call.name === 'first_value' ? start : end)[0] ?? null
    }
    values[index[i] as number] = v
    if (ctx.tick()) yield PAUSE
  }
}

/** The frame of position `i` as inclusive positions, clamped to the partition (start > end when
 * empty). O(1): peer groups are precomputed. */
function frameOf(call: WindowCall, part: Partition, offsets: FrameOffsets, i: number): [number, number] {
  const { mode, start, end } = call.frame
  const n = part.index.length
  const group = part.groupOf[i] as number
  const groups = part.groupStart.length
  const bound = (b: FrameBound, k: number | undefined, isStart: boolean): number => {
    if (b.kind === 'unbounded') return isStart ? 0 : n - 1
    if (b.kind === 'current') {
      if (mode === 'rows') return i
      return isStart ? (part.groupStart[group] as number) : (part.groupEnd[group] as number)
    }
    if (mode === 'range') return rangePosition(part, offsets.range as RangeBounds, i, isStart)
    const sign = b.kind === 'preceding' ? -1 : 1
    if (mode === 'rows') return i + sign * (k as number)
    // GROUPS: whole peer groups away.
    const target = group + sign * (k as number)
    if (isStart) return target <= 0 ? 0 : target >= groups ? n : (part.groupStart[target] as number)
    return target < 0 ? -1 : target >= groups - 1 ? n - 1 : (part.groupEnd[target] as number)
  }
  return [Math.max(0, bound(start, offsets.start, true)), Math.min(n - 1, bound(end, offsets.end, false))]
}

/**
 * Where a RANGE frame with an offset starts (`isStart`) or ends for position `i`: the first (last)
 * row whose ORDER BY value is not before (after) the current value moved by the offset, in sort
 * order, found by binary search among the partition's non-NULL values. NULL values are peers of
 * each other only: a NULL row's frame bound is its peer group's edge, and no other row's frame
 * holds a NULL row through an offset bound.
 */
function rangePosition(part: Partition, range: RangeBounds, i: number, isStart: boolean): number {
  const values = part.orderValues
  const x = values[i] as Datum
  const group = part.groupOf[i] as number
  if (x === null) return isStart ? (part.groupStart[group] as number) : (part.groupEnd[group] as number)
  const n = values.length
  // The non-NULL values: after the NULL peer group when NULLs sort first, before it otherwise.
  let lo = 0
  let hi = n
  if (values[0] === null) lo = (part.groupEnd[0] as number) + 1
  else if (values[n - 1] === null) hi = part.groupStart[(part.groupOf[n - 1] as number)] as number
  const limitOf = isStart ? range.start : range.end
  const limit = (limitOf as (x: Datum) => Limit)(x)
  // Sort order: ascending values, or descending; `beyond` is in value order.
  const dir = range.key.desc ? -1 : 1
  if ('all' in limit) return isStart ? lo : hi - 1
  if ('beyond' in limit) {
    const below = limit.beyond * dir < 0
    // Every value is after the limit (below: start at the first, end before it) or before it.
    return isStart ? (below ? lo : hi) : below ? lo - 1 : hi - 1
  }
  // The first position whose value sorts after the limit (isStart: at or after it).
  let a = lo
  let b = hi
  while (a < b) {
    const mid = (a + b) >> 1
    const c = range.compare(values[mid] as Datum, limit.value) * dir
    if (isStart ? c < 0 : c <= 0) a = mid + 1
    else b = mid
  }
  return isStart ? a : a - 1
}
