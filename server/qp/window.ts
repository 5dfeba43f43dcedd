// Window functions (ARCHITECTURE.md "query processor": execute): each call computed per row over
// its partition, in its ORDER BY, within its frame; rows keep their input order.
import { assert, SqlError } from '../errors/index.ts'
import type { Datum, SqlType } from './types/index.ts'
import { createAccumulator, type Accumulator } from './aggregate.ts'
import { evaluate, type Expr } from './expr.ts'
import type { ExecContext } from './executor.ts'
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

/** The input rows, each followed by one value per window call. */
export function runWindows(ctx: ExecContext, rows: readonly (readonly Datum[])[], calls: readonly WindowCall[]): Datum[][] {
  const out = rows.map((r) => [...r])
  for (const call of calls) {
    const values = callValues(ctx, rows, call)
    for (let i = 0; i < out.length; i++) (out[i] as Datum[]).push(values[i] ?? null)
  }
  return out
}

interface Ordered {
  readonly index: number
  readonly order: readonly Datum[]
}

function callValues(ctx: ExecContext, rows: readonly (readonly Datum[])[], call: WindowCall): Datum[] {
  const partitions = new Map<string, Ordered[]>()
  const partTypes = call.partition.map((p) => p.type)
  rows.forEach((row, index) => {
    ctx.tick()
    const key = rowKey(call.partition.map((p) => evaluate(p, row, ctx.eval)), partTypes)
    const order = call.orderExprs.map((e) => evaluate(e, row, ctx.eval))
    const list = partitions.get(key)
    if (list === undefined) partitions.set(key, [{ index, order }])
    else list.push({ index, order })
  })
  const values: Datum[] = new Array<Datum>(rows.length).fill(null)
  for (const part of partitions.values()) {
    part.sort((a, b) => compareRows(a.order, b.order, call.order))
    partitionValues(ctx, rows, call, part, values)
  }
  return values
}

function partitionValues(ctx: ExecContext, rows: readonly (readonly Datum[])[], call: WindowCall, part: readonly Ordered[], values: Datum[]): void {
  const n = part.length
  // peer[i]: the index of row i's peer group; peer rows tie on every ORDER BY key.
  const peer: number[] = []
  for (let i = 0; i < n; i++) {
    const same = i > 0 && compareRows((part[i - 1] as Ordered).order, (part[i] as Ordered).order, call.order) === 0
    peer.push(i === 0 ? 0 : same ? (peer[i - 1] as number) : (peer[i - 1] as number) + 1)
  }
  const arg = (i: number, k: number) => evaluate(call.args[k] as Expr, rows[(part[i] as Ordered).index] as Datum[], ctx.eval)
  const set = (i: number, v: Datum) => {
    values[(part[i] as Ordered).index] = v
  }
  if (call.aggregate !== undefined || ['first_value', 'last_value', 'nth_value'].includes(call.name)) {
    frameValues(ctx, rows, call, part, peer, values)
    return
  }
  let rank = 1
  for (let i = 0; i < n; i++) {
    if (i > 0 && peer[i] !== peer[i - 1]) rank = i + 1
    const lastPeer = lastOfPeer(peer, i)
    switch (call.name) {
      case 'row_number':
        set(i, BigInt(i + 1))
        break
      case 'rank':
        set(i, BigInt(rank))
        break
      case 'dense_rank':
        set(i, BigInt((peer[i] as number) + 1))
        break
      case 'percent_rank':
        set(i, n <= 1 ? 0 : (rank - 1) / (n - 1))
        break
      case 'cume_dist':
        set(i, (lastPeer + 1) / n)
        break
      case 'ntile':
        set(i, ntile(arg(i, 0), i, n))
        break
      case 'lag':
      case 'lead': {
        const offset = call.args.length > 1 ? arg(i, 1) : 1n
        if (offset === null) break
        const j = call.name === 'lag' ? i - Number(offset) : i + Number(offset)
        set(i, j >= 0 && j < n ? arg(j, 0) : call.args.length > 2 ? arg(i, 2) : null)
        break
      }
      default:
        assert(false, `window function ${call.name} is implemented`)
    }
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

function lastOfPeer(peer: readonly number[], i: number): number {
  let j = i
  while (j + 1 < peer.length && peer[j + 1] === peer[i]) j++
  return j
}

function firstOfPeer(peer: readonly number[], i: number): number {
  let j = i
  while (j > 0 && peer[j - 1] === peer[i]) j--
  return j
}

/** Aggregates and value functions over each row's frame. */
function frameValues(
  ctx: ExecContext,
  rows: readonly (readonly Datum[])[],
  call: WindowCall,
  part: readonly Ordered[],
  peer: readonly number[],
  values: Datum[],
): void {
  const n = part.length
  const rowAt = (i: number) => rows[(part[i] as Ordered).index] as Datum[]
  const argsAt = (i: number) => call.args.map((a) => evaluate(a, rowAt(i), ctx.eval))
  // A frame starting at the partition's first row grows monotonically: accumulate incrementally.
  const incremental = call.aggregate !== undefined && call.frame.start.kind === 'unbounded'
  let acc: Accumulator | undefined
  let added = 0
  for (let i = 0; i < n; i++) {
    ctx.tick()
    const [start, end] = frameOf(ctx, call, peer, i, n)
    let v: Datum = null
    if (call.aggregate !== undefined) {
      if (!incremental || acc === undefined) {
        acc = createAccumulator(call.aggregate)
        added = incremental ? 0 : start
      }
      if (!incremental) for (let j = start; j <= end; j++) acc.add(argsAt(j))
      else for (; added <= end; added++) acc.add(argsAt(added))
      v = acc.result()
    } else if (start <= end) {
      if (call.name === 'first_value') v = argsAt(start)[0] ?? null
      else if (call.name === 'last_value') v = argsAt(end)[0] ?? null
      else {
        const nth = evaluate(call.args[1] as Expr, rowAt(i), ctx.eval)
        if (nth !== null && Number(nth) <= 0) throw new SqlError('22016', 'argument of nth_value must be greater than zero')
        const j = nth === null ? -1 : start + Number(nth) - 1
        v = j >= start && j <= end ? (argsAt(j)[0] ?? null) : null
      }
    }
    values[(part[i] as Ordered).index] = v
  }
}

/** The frame of row `i` as inclusive partition positions (start > end when empty). */
function frameOf(ctx: ExecContext, call: WindowCall, peer: readonly number[], i: number, n: number): [number, number] {
  const { mode, start, end } = call.frame
  const bound = (b: FrameBound, isStart: boolean): number => {
    if (b.kind === 'unbounded') return isStart ? 0 : n - 1
    if (b.kind === 'current') {
      if (mode === 'rows') return i
      return isStart ? firstOfPeer(peer, i) : lastOfPeer(peer, i)
    }
    const raw = ctx.constant(b.offset)
    if (raw === null) throw new SqlError('22004', 'frame offset must not be null')
    const k = Number(raw)
    if (k < 0) throw new SqlError('22013', 'frame offset must not be negative')
    const sign = b.kind === 'preceding' ? -1 : 1
    if (mode === 'rows') return i + sign * k
    // GROUPS: whole peer groups away.
    const target = (peer[i] as number) + sign * k
    let j = isStart ? 0 : n - 1
    if (isStart) while (j < n && (peer[j] as number) < target) j++
    else while (j >= 0 && (peer[j] as number) > target) j--
    return j
  }
  return [Math.max(0, bound(start, true)), Math.min(n - 1, bound(end, false))]
}
