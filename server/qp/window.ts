// Window functions (ARCHITECTURE.md "query processor": execute): each call computed per row over
// its partition, in its ORDER BY, within its frame; rows keep their input order.
import { assert, SqlError } from '../errors/index.ts'
import type { Datum, SqlType } from './types/index.ts'
import { createAccumulator, type Accumulator } from './aggregate.ts'
import { evaluate, type Expr } from './expr.ts'
import { PAUSE, type ExecContext, type Pause } from './executor.ts'
import { sortPausing } from './chunked-sort.ts'
import { compareRows, rowKey } from './row-order.ts'
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

/** Types whose equal values are one JavaScript value (SameValueZero), NULL included. */
const RAW_KEY_KINDS: ReadonlySet<string> = new Set(['int2', 'int4', 'int8', 'bool'])

/** Value functions that read the frame; aggregates do too. */
const FRAME_FUNCTIONS: ReadonlySet<string> = new Set(['first_value', 'last_value', 'nth_value'])

function* partitionOf(ctx: ExecContext, rows: readonly (readonly Datum[])[], call: WindowCall, sorted: readonly Ordered[]): Generator<Pause, Partition> {
  const n = sorted.length
  const index: number[] = new Array(n)
  const groupOf: number[] = new Array(n)
  const groupStart: number[] = []
  const groupEnd: number[] = []
  for (let i = 0; i < n; i++) {
    index[i] = (sorted[i] as Ordered).index
    if (i === 0 || compareRows((sorted[i - 1] as Ordered).order, (sorted[i] as Ordered).order, call.order) !== 0) {
      if (i > 0) groupEnd.push(i - 1)
      groupStart.push(i)
    }
    groupOf[i] = groupStart.length - 1
    if (ctx.tick()) yield PAUSE
  }
  if (n > 0) groupEnd.push(n - 1)
  return { rows, index, groupOf, groupStart, groupEnd }
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
 * constants. Undefined for a bound without one. */
interface FrameOffsets {
  readonly start: number | undefined
  readonly end: number | undefined
}

function frameOffsets(ctx: ExecContext, call: WindowCall): FrameOffsets {
  const offset = (b: FrameBound, which: 'starting' | 'ending'): number | undefined => {
    if (b.kind !== 'preceding' && b.kind !== 'following') return undefined
    const raw = ctx.constant(b.offset)
    if (raw === null) throw new SqlError('22004', `frame ${which} offset must not be null`)
    const k = Number(raw)
    if (k < 0) throw new SqlError('22013', `frame ${which} offset must not be negative`)
    return k
  }
  if (call.aggregate === undefined && !FRAME_FUNCTIONS.has(call.name)) return { start: undefined, end: undefined }
  return { start: offset(call.frame.start, 'starting'), end: offset(call.frame.end, 'ending') }
}

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
  const argsOf: (readonly Datum[] | undefined)[] = new Array(n)
  const argsAt = (i: number): readonly Datum[] => (argsOf[i] ??= call.args.map((a) => evaluate(a, rowAt(i), ctx.eval)))
  const aggregate = call.aggregate
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
        if (acc !== undefined && (start < from || end < to || start > to + 1 || (start > from && acc.remove === undefined))) acc = undefined
        if (acc === undefined) {
          acc = createAccumulator(aggregate)
          from = start
          to = start - 1
        }
        for (; from < start; from++) {
          ;(acc.remove as NonNullable<Accumulator['remove']>)(argsAt(from))
          if (ctx.tick()) yield PAUSE
        }
        for (; to < end; to++) {
          acc.add(argsAt(to + 1))
          if (ctx.tick()) yield PAUSE
        }
        v = acc.result()
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
    const sign = b.kind === 'preceding' ? -1 : 1
    if (mode === 'rows') return i + sign * (k as number)
    // GROUPS: whole peer groups away (RANGE takes no offsets: the planner refuses them).
    const target = group + sign * (k as number)
    if (isStart) return target <= 0 ? 0 : target >= groups ? n : (part.groupStart[target] as number)
    return target < 0 ? -1 : target >= groups - 1 ? n - 1 : (part.groupEnd[target] as number)
  }
  return [Math.max(0, bound(start, offsets.start, true)), Math.min(n - 1, bound(end, offsets.end, false))]
}
