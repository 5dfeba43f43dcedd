// Ordered-set aggregates (ARCHITECTURE.md "query processor": execute): percentile_cont,
// percentile_disc and mode, called as `f(direct arguments) WITHIN GROUP (ORDER BY x)`. The binder
// collects each group's non-NULL x in the ORDER BY's order (an array_agg with that order and a
// filter dropping NULLs, so the executor's ordered aggregation does the sorting and its memory
// bounds hold), and the final step here computes the answer from those values and the direct
// arguments, which belong to the query level the aggregate is in: PostgreSQL evaluates them once
// per group, and a column in them must be grouped (42803).
//
// The hypothetical-set aggregates (rank, dense_rank, percent_rank, cume_dist) are the same shape
// with one direct argument per sort key: the rank the row of direct arguments would have among
// the group's rows. Their final step gets the group's rows of sort keys, NULLs kept.
import { SqlError, assertNever } from '../errors/index.ts'
import type { Datum, RecordValue, SqlType } from './types/index.ts'
import { canCast, commonType, compare } from './types/index.ts'
import { addIntervals, mulInterval, subIntervals, type Interval } from './types/interval.ts'
import type { SortKey } from './planner.ts'
import { compareRows } from './row-order.ts'

/** The ordered-set aggregates built here. */
export const ORDERED_SET_AGGREGATES: ReadonlySet<string> = new Set(['percentile_cont', 'percentile_disc', 'mode'])

/** PostgreSQL's hypothetical-set aggregates (`rank(x) WITHIN GROUP (ORDER BY y)`). */
export type HypotheticalSetName = 'rank' | 'dense_rank' | 'percent_rank' | 'cume_dist'

const HYPOTHETICAL_SET_AGGREGATES: ReadonlySet<string> = new Set<HypotheticalSetName>(['rank', 'dense_rank', 'percent_rank', 'cume_dist'])

export const isHypotheticalSet = (name: string): name is HypotheticalSetName => HYPOTHETICAL_SET_AGGREGATES.has(name)

/** rank(x) without WITHIN GROUP (with or without OVER): PostgreSQL finds the hypothetical-set
 * aggregate, not the window function rank(), which takes no arguments. */
export const withinGroupRequired = (name: string): SqlError => new SqlError('42809', `WITHIN GROUP is required for ordered-set aggregate ${name}`)

/** One resolved call: what its direct arguments and its ordered input are cast to, its result
 * type, and its final step. */
export interface OrderedSetCall {
  readonly directTypes: readonly SqlType[]
  readonly inputType: SqlType
  readonly type: SqlType
  /** The answer from the direct arguments' values and the group's non-NULL inputs in order
   * (NULL when the group gave none). */
  readonly final: (direct: readonly Datum[], values: readonly Datum[] | null) => Datum
}

const FLOAT8: SqlType = { kind: 'float8' }
const FLOAT8_ARRAY: SqlType = { kind: 'array', element: FLOAT8 }

/** The call of ordered-set aggregate `name` over direct arguments and ORDER BY expressions of
 * these types; undefined when there is none (42883). */
export function resolveOrderedSet(name: string, direct: readonly SqlType[], ordered: readonly SqlType[]): OrderedSetCall | undefined {
  const input = ordered.length === 1 ? (ordered[0] as SqlType) : undefined
  if (input === undefined || input.kind === 'array') return undefined
  const inputType = input.kind === 'unknown' ? ({ kind: 'text' } as SqlType) : input
  if (name === 'mode') {
    return direct.length === 0 ? { directTypes: [], inputType, type: inputType, final: (_d, values) => mode(values, inputType) } : undefined
  }
  const fraction = direct.length === 1 ? fractionType(direct[0] as SqlType) : undefined
  if (fraction === undefined) return undefined
  const many = fraction.kind === 'array'
  if (name === 'percentile_disc') {
    const type: SqlType = many ? { kind: 'array', element: inputType } : inputType
    return { directTypes: [fraction], inputType, type, final: (d, values) => percentiles(d[0] ?? null, many, values, discrete) }
  }
  if (name !== 'percentile_cont') return undefined
  const interval = inputType.kind === 'interval'
  if (!interval && !canCast(inputType, FLOAT8, 'implicit')) return undefined
  const element: SqlType = interval ? inputType : FLOAT8
  const type: SqlType = many ? { kind: 'array', element } : element
  const lerp = interval ? lerpInterval : lerpFloat
  return {
    directTypes: [fraction],
    inputType: element,
    type,
    final: (d, values) => percentiles(d[0] ?? null, many, values, (v, f) => continuous(v, f, lerp)),
  }
}

/** A fraction argument's type: float8, or float8[] for several (what the argument casts to). */
function fractionType(t: SqlType): SqlType | undefined {
  if (t.kind === 'array') return canCast(t.element, FLOAT8, 'implicit') || t.element.kind === 'unknown' ? FLOAT8_ARRAY : undefined
  return t.kind === 'unknown' || canCast(t, FLOAT8, 'implicit') ? FLOAT8 : undefined
}

/** The answer for one fraction, or an array of answers for an array of them (NULL for a NULL
 * one). A single fraction is checked even over no rows, as PostgreSQL's; an array only over some. */
function percentiles(
  fraction: Datum,
  many: boolean,
  values: readonly Datum[] | null,
  pick: (values: readonly Datum[], fraction: number) => Datum,
): Datum {
  if (fraction === null) return null
  if (!many) {
    const f = checkFraction(fraction as number)
    return values === null ? null : pick(values, f)
  }
  if (values === null) return null
  return (fraction as readonly Datum[]).map((f) => (f === null ? null : pick(values, checkFraction(f as number))))
}

function checkFraction(f: number): number {
  if (!(f >= 0 && f <= 1)) throw new SqlError('22003', `percentile value ${f} is not between 0 and 1`)
  return f
}

/** percentile_disc: the first value at or past the fraction of the ordered values. */
function discrete(values: readonly Datum[], fraction: number): Datum {
  const row = Math.ceil(fraction * values.length)
  return values[Math.max(row, 1) - 1] ?? null
}

/** percentile_cont: the value at the fraction of the way from the first to the last, between
 * the two nearest values by linear interpolation. */
function continuous(values: readonly Datum[], fraction: number, lerp: (lo: Datum, hi: Datum, t: number) => Datum): Datum {
  const row = fraction * (values.length - 1)
  const first = Math.floor(row)
  const second = Math.ceil(row)
  const lo = values[first] as Datum
  return first === second ? lo : lerp(lo, values[second] as Datum, row - first)
}

const lerpFloat = (lo: Datum, hi: Datum, t: number): Datum => (lo as number) + ((hi as number) - (lo as number)) * t

const lerpInterval = (lo: Datum, hi: Datum, t: number): Datum =>
  addIntervals(lo as Interval, mulInterval(subIntervals(hi as Interval, lo as Interval), t))

/** mode: the most frequent value; of several, the first in the ORDER BY's order. */
function mode(values: readonly Datum[] | null, type: SqlType): Datum {
  if (values === null) return null
  let best: Datum = null
  let bestCount = 0
  for (let i = 0; i < values.length; ) {
    let j = i + 1
    while (j < values.length && compare(values[i] as Datum, values[j] as Datum, type) === 0) j++
    if (j - i > bestCount) {
      best = values[i] as Datum
      bestCount = j - i
    }
    i = j
  }
  return best
}

/** One resolved hypothetical-set call: the type each direct argument and its sort key are
 * compared in, its result type, and its final step. */
export interface HypotheticalSetCall {
  readonly keyTypes: readonly SqlType[]
  readonly type: SqlType
  /** The answer from the direct arguments' values and the group's rows of sort keys, in any
   * order (NULL when the group had none). */
  readonly final: (direct: readonly Datum[], rows: readonly RecordValue[] | null) => Datum
}

/** The call of hypothetical-set aggregate `name` over direct arguments and sort keys of these
 * types (`order` gives each key's direction); undefined when the counts differ (42883, as
 * PostgreSQL finds no such function). A pair of no common type is 42804 from commonType. */
export function resolveHypotheticalSet(
  name: HypotheticalSetName,
  direct: readonly SqlType[],
  ordered: readonly SqlType[],
  order: readonly { readonly desc: boolean; readonly nullsFirst: boolean }[],
): HypotheticalSetCall | undefined {
  if (direct.length !== ordered.length) return undefined
  // PostgreSQL unifies each pair as a CASE would its branches, the sort key first: rank(2.5) over
  // an integer column compares in numeric, and two untyped literals in text.
  const keyTypes = ordered.map((t, i) => commonType([t, direct[i] as SqlType], 'WITHIN GROUP'))
  const keys: SortKey[] = keyTypes.map((type, slot) => ({ slot, type, desc: order[slot]?.desc ?? false, nullsFirst: order[slot]?.nullsFirst ?? false }))
  const type: SqlType = name === 'rank' || name === 'dense_rank' ? { kind: 'int8' } : FLOAT8
  return { keyTypes, type, final: (d, rows) => hypotheticalRank(name, keys, d, rows ?? []) }
}

/** Where the hypothetical row `direct` falls among `rows`. As in PostgreSQL, it sorts before its
 * peers for rank, dense_rank and percent_rank, and after them for cume_dist; NULLs are values
 * here, placed by each key's NULLS FIRST/LAST, and equal to each other. */
function hypotheticalRank(name: HypotheticalSetName, keys: readonly SortKey[], direct: readonly Datum[], rows: readonly RecordValue[]): Datum {
  let before = 0
  let peers = 0
  const earlier: (readonly Datum[])[] = []
  for (const row of rows) {
    const c = compareRows(row.values, direct, keys)
    if (c < 0) {
      before++
      if (name === 'dense_rank') earlier.push(row.values)
    } else if (c === 0) peers++
  }
  switch (name) {
    case 'rank':
      return BigInt(before + 1)
    case 'dense_rank':
      return BigInt(distinctRows(earlier, keys) + 1)
    case 'percent_rank':
      return rows.length === 0 ? 0 : before / rows.length
    case 'cume_dist':
      return (before + peers + 1) / (rows.length + 1)
    default:
      return assertNever(name)
  }
}

/** How many distinct rows there are by the sort keys (sorts `rows`). */
function distinctRows(rows: (readonly Datum[])[], keys: readonly SortKey[]): number {
  rows.sort((a, b) => compareRows(a, b, keys))
  let count = 0
  for (let i = 0; i < rows.length; i++) {
    if (i === 0 || compareRows(rows[i - 1] as Datum[], rows[i] as Datum[], keys) !== 0) count++
  }
  return count
}
