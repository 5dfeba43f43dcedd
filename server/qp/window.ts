// Window functions (ARCHITECTURE.md "query processor": execute): each call computed per row over
// its partition, in its ORDER BY, within its frame; rows keep their input order.
import { assert, assertNever, SqlError } from '../errors/index.ts'
import { cast, compare as compareValues, Interval, resolveBinary, type Datum, type Decimal, type SqlType } from './types/index.ts'
import { createAccumulator, type Accumulator, type AggregateCall } from './aggregate.ts'
import { evaluate, type Expr } from './expr.ts'
import { PAUSE, type ExecContext, type Pause } from './executor.ts'
import { sortPausing } from './chunked-sort.ts'
import { compareRows, rowKey } from './row-order.ts'
import type { SortKey } from './planner.ts'
import type { FrameBound, FrameExclusion, WindowCall } from './rel.ts'

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
 * except an aggregate without an exact way to take rows back (`Accumulator.remove`) over a frame
 * whose start moves or that excludes rows: that one may start over at each row, O(frame) per row,
 * as in PostgreSQL.
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
 * Aggregates and value functions over each row's frame, less the rows its EXCLUDE leaves out.
 * FILTER and EXCLUDE combine: a row reaches an aggregate when it is in the frame, not excluded and
 * passes the condition.
 */
function* frameValues(ctx: ExecContext, call: WindowCall, part: Partition, offsets: FrameOffsets, values: Datum[]): Generator<Pause, void> {
  const filter = call.aggregate?.filter
  const evaluated = (i: number): readonly Datum[] => {
    const row = part.rows[part.index[i] as number] as Datum[]
    // A row FILTER leaves out is in the frame but adds nothing to the aggregate.
    if (filter !== undefined && evaluate(filter, row, ctx.eval) !== true) return FILTERED
    return call.args.map((a) => evaluate(a, row, ctx.eval))
  }
  if (call.aggregate !== undefined) yield* aggregateValues(ctx, call, call.aggregate, part, offsets, values, evaluated)
  else yield* pickedValues(ctx, call, part, offsets, values, evaluated)
}

/**
 * The rows of one row's frame that its exclusion leaves in, as three spans of positions in frame
 * order, six numbers `from, to` each (inclusive; empty when from > to): the rows before the
 * excluded ones, the current row where EXCLUDE TIES keeps it, the rows after. Kept in arrays
 * reused from row to row, as are the moves between two of them.
 */
type Spans = number[]

/** Three empty spans: what a new accumulator holds. */
const NO_SPANS: readonly number[] = [0, -1, 0, -1, 0, -1]

/** An accumulator step: add, or take back, each row of a span. Moves are `op, from, to` triples. */
const ADD = 1
const REMOVE = 2

/** Room for the moves of one row: four per span when sliding. */
const MOVES_MAX = 3 * 4 * 3

/**
 * An aggregate over each row's frame, held as the three spans of frameSpans. Both ends of a frame
 * only move forward from row to row (the offsets are constants), and so do the ends of each span;
 * so an aggregate that can take rows back exactly (`Accumulator.remove`) slides each span, adding
 * the rows that enter it and taking back those that leave: each row enters and leaves each span
 * once, O(1) a row whatever the exclusion. One that cannot take rows back goes on adding while
 * what it holds is the start of the new frame's rows in order (a frame whose start stays), and
 * starts over otherwise: O(frame) a row when the start moves or rows are excluded, as in
 * PostgreSQL (which starts over at every row under EXCLUDE). Each row's arguments are read once.
 */
function* aggregateValues(
  ctx: ExecContext,
  call: WindowCall,
  aggregate: AggregateCall,
  part: Partition,
  offsets: FrameOffsets,
  values: Datum[],
  evaluated: (i: number) => readonly Datum[],
): Generator<Pause, void> {
  const { index } = part
  const n = index.length
  // An aggregate over a frame whose start moves, or with rows excluded, reads a row's arguments
  // more than once (added, then taken back, or added again at each restart): they are kept from
  // when first read until the frame's start passes the row (what frames before it hold is let go
  // as it goes, so a frame of wide values holds only its own).
  const cached = call.frame.start.kind !== 'unbounded' || call.frame.exclude !== 'no others'
  const argsOf: (readonly Datum[] | undefined)[] = cached ? new Array(n) : []
  const argsAt = cached ? (i: number): readonly Datum[] => (argsOf[i] ??= evaluated(i)) : evaluated
  let kept = 0
  let acc = createAccumulator(aggregate)
  let held: Spans = [...NO_SPANS]
  let target: Spans = [...NO_SPANS]
  const moves: number[] = new Array<number>(MOVES_MAX).fill(0)
  for (let i = 0; i < n; i++) {
    const [start, end] = frameOf(call, part, offsets, i)
    frameSpans(target, call.frame.exclude, part, start, end, i)
    let count = acc.remove !== undefined ? slideMoves(held, target, moves) : growthMoves(held, target, moves)
    if (count < 0) {
      acc = createAccumulator(aggregate)
      count = growthMoves(NO_SPANS, target, moves)
    }
    for (let m = 0; m < count; m += 3) {
      const op = moves[m]
      const to = moves[m + 2] as number
      for (let p = moves[m + 1] as number; p <= to; p++) {
        const args = argsAt(p)
        if (args !== FILTERED) {
          if (op === ADD) acc.add(args)
          else (acc.remove as NonNullable<Accumulator['remove']>)(args)
        }
        if (ctx.tick()) yield PAUSE
      }
    }
    const was = held
    held = target
    target = was
    values[index[i] as number] = acc.result()
    if (cached) for (const below = Math.min(start, n); kept < below; kept++) argsOf[kept] = undefined
    if (ctx.tick()) yield PAUSE
  }
}

/**
 * Writes into `out` the spans of frame `start..end` that the exclusion leaves in for position
 * `i`. Each span's ends only move forward from row to row, as the frame's ends, the current row
 * and its peer group's edges all do: what lets an aggregate slide them.
 */
function frameSpans(out: Spans, exclude: FrameExclusion, part: Partition, start: number, end: number, i: number): void {
  // The excluded rows are first..last (none past the frame's end by default); the current row
  // comes back under EXCLUDE TIES when it is in the frame.
  let first = end + 1
  let last = end
  let back = false
  switch (exclude) {
    case 'no others':
      break
    case 'current row':
      first = last = i
      break
    case 'group':
    case 'ties': {
      const group = part.groupOf[i] as number
      first = part.groupStart[group] as number
      last = part.groupEnd[group] as number
      back = exclude === 'ties' && start <= i && i <= end
      break
    }
    default:
      assertNever(exclude)
  }
  out[0] = start
  out[1] = Math.min(end, first - 1)
  out[2] = back ? i : 0
  out[3] = back ? i : -1
  out[4] = Math.max(start, last + 1)
  out[5] = end
}

/**
 * Fills `moves` with the steps that take an accumulator able to take rows back from `held` to
 * `target`, span by span: the rows each span gains are added first, then those it loses are taken
 * back (a row going from one span to the other is never taken back before it is added, so no
 * count falls below zero). Answers how many numbers it wrote, or -1 when no span keeps a row of
 * what it held: starting over then costs less.
 */
function slideMoves(held: Spans, target: Spans, moves: number[]): number {
  let any = false
  for (let k = 0; k < 6; k += 2) any ||= overlaps(held, target, k)
  if (!any) return -1
  // Added: the rows each span of the target has that the held span has not; then taken back: the
  // rows each held span has that the target's has not.
  return difference(moves, difference(moves, 0, ADD, held, target), REMOVE, target, held)
}

/** Pushes a `kind` move for the rows of each span of `to` that the same span of `from` lacks
 * (the whole span where they do not overlap; rows before `from`'s start are never expected, as
 * ends only move forward, and kept so that any move is exact). Answers the new count. */
function difference(moves: number[], m: number, kind: number, from: Spans, to: Spans): number {
  for (let k = 0; k < 6; k += 2) {
    const ff = from[k] as number
    const ft = from[k + 1] as number
    const tf = to[k] as number
    const tt = to[k + 1] as number
    if (!overlaps(from, to, k)) m = push(moves, m, kind, tf, tt)
    else {
      m = push(moves, m, kind, tf, Math.min(tt, ff - 1))
      m = push(moves, m, kind, Math.max(tf, ft + 1), tt)
    }
  }
  return m
}

/**
 * Fills `moves` with the rows to add, in frame order, to an accumulator that holds the spans
 * `held` so that it holds `target`; answers how many numbers it wrote, or -1 unless the rows held
 * are the first ones of the target's, in order.
 */
function growthMoves(held: readonly number[], target: Spans, moves: number[]): number {
  let last = -1
  for (let k = 0; k < 6; k += 2) if (!isEmpty(held, k)) last = k
  let m = 0
  let t = 0
  for (let k = 0; k <= last; k += 2) {
    if (isEmpty(held, k)) continue
    while (t < 6 && isEmpty(target, t)) t += 2
    if (t === 6 || held[k] !== target[t]) return -1
    const ht = held[k + 1] as number
    const tt = target[t + 1] as number
    if (k === last ? ht > tt : ht !== tt) return -1
    if (k === last) m = push(moves, m, ADD, ht + 1, tt)
    t += 2
  }
  for (; t < 6; t += 2) m = push(moves, m, ADD, target[t] as number, target[t + 1] as number)
  return m
}

/** Appends the move `op from..to` unless the span is empty; answers the new length. */
function push(moves: number[], m: number, op: number, from: number, to: number): number {
  if (from > to) return m
  assert(m + 3 <= MOVES_MAX, 'the moves of one row fit their array')
  moves[m] = op
  moves[m + 1] = from
  moves[m + 2] = to
  return m + 3
}

function isEmpty(spans: readonly number[], k: number): boolean {
  return (spans[k] as number) > (spans[k + 1] as number)
}

/** Whether span `k` of `a` and span `k` of `b` share a row. */
function overlaps(a: Spans, b: Spans, k: number): boolean {
  return !isEmpty(a, k) && !isEmpty(b, k) && (a[k] as number) <= (b[k + 1] as number) && (b[k] as number) <= (a[k + 1] as number)
}

/** first_value, last_value and nth_value: the argument at one row of each row's frame. */
function* pickedValues(
  ctx: ExecContext,
  call: WindowCall,
  part: Partition,
  offsets: FrameOffsets,
  values: Datum[],
  argsAt: (i: number) => readonly Datum[],
): Generator<Pause, void> {
  const { index } = part
  for (let i = 0; i < index.length; i++) {
    const frame = frameOf(call, part, offsets, i)
    let j: number
    if (call.name === 'nth_value') {
      // The position is read and checked at every row, the frame empty or not (as PostgreSQL).
      const nth = evaluate(call.args[1] as Expr, part.rows[index[i] as number] as Datum[], ctx.eval)
      if (nth !== null && Number(nth) <= 0) throw new SqlError('22016', 'argument of nth_value must be greater than zero')
      j = nth === null ? -1 : pickedPosition(call.frame.exclude, part, frame, i, Number(nth) - 1)
    } else {
      j = pickedPosition(call.frame.exclude, part, frame, i, call.name === 'first_value' ? 0 : 'last')
    }
    values[index[i] as number] = j < 0 ? null : (argsAt(j)[0] ?? null)
    if (ctx.tick()) yield PAUSE
  }
}

/**
 * The position first_value and nth_value (`k` rows on from the frame's first) or last_value read
 * for position `i`, -1 for none (NULL). Excluded rows are stepped over as PostgreSQL's
 * WinGetFuncArgInFrame steps over them, in O(1): the position counted from the frame's edge moves
 * past the excluded rows that overlap the frame, then must be in the frame and not excluded. That
 * is exact, but where EXCLUDE TIES meets a frame that leaves out the current row: there the one
 * peer kept is taken to be the current row, out of the frame, so PostgreSQL answers NULL (or raises
 * XX000 when the row is already out of its tuple store's reach) and so does this.
 */
function pickedPosition(exclude: FrameExclusion, part: Partition, frame: readonly [number, number], i: number, k: number | 'last'): number {
  const n = part.index.length
  // PostgreSQL's frame head and tail (one past the end), within 0..n.
  const head = Math.min(frame[0], n)
  const tail = Math.max(frame[1] + 1, 0)
  const group = part.groupOf[i] as number
  const groupHead = part.groupStart[group] as number
  const groupTail = (part.groupEnd[group] as number) + 1
  let p: number
  if (k !== 'last') {
    p = head + k
    const overlapStart = Math.max(groupHead, head)
    if (exclude === 'current row' && p >= i && i >= head) p++
    else if (exclude === 'group' && p >= groupHead && groupTail > head) p += groupTail - overlapStart
    else if (exclude === 'ties' && p >= groupHead && groupTail > head) p = p === overlapStart ? i : p + groupTail - overlapStart - 1
  } else {
    p = tail - 1
    const overlapEnd = Math.min(groupTail, tail)
    if (exclude === 'current row' && p <= i && i < tail) p--
    else if (exclude === 'group' && p < groupTail && groupHead < tail) p -= overlapEnd - groupHead
    else if (exclude === 'ties' && p < groupTail && groupHead < tail) p = p === overlapEnd - 1 ? i : p - (overlapEnd - 1 - groupHead)
  }
  if (p < head || p >= tail) return -1
  return isExcluded(exclude, part, i, p) ? -1 : p
}

/** Whether the exclusion leaves position `p` out of position `i`'s frame. */
function isExcluded(exclude: FrameExclusion, part: Partition, i: number, p: number): boolean {
  switch (exclude) {
    case 'no others':
      return false
    case 'current row':
      return p === i
    case 'group':
    case 'ties':
      return part.groupOf[p] === part.groupOf[i] && (exclude === 'group' || p !== i)
    default:
      return assertNever(exclude)
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
