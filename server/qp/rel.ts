// Relational plans (ARCHITECTURE.md "query processor": plan): the operator tree a query runs as.
// Rows are arrays of datums; every operator documents the layout of the rows it produces.
import type { Datum, SqlType } from './types/index.ts'
import type { AggregateCall } from './aggregate.ts'
import type { SetCall } from './binder.ts'
import type { EvalContext, Expr } from './expr.ts'
import type { SystemRelation } from './system/index.ts'
import type { SortKey, TableSource } from './planner.ts'

/** A join kind. */
export type JoinKind = 'inner' | 'left' | 'right' | 'full'

/** A window function call: computed per row over its partition and frame. */
export interface WindowCall {
  readonly name: string
  readonly args: readonly Expr[]
  readonly type: SqlType
  /** Set for aggregates used as window functions. */
  readonly aggregate: AggregateCall | undefined
  readonly partition: readonly Expr[]
  /** Sort keys over the input row (`slot` indexes `orderExprs`). */
  readonly order: readonly SortKey[]
  readonly orderExprs: readonly Expr[]
  readonly frame: WindowFrame
}

/** A frame bound: UNBOUNDED, CURRENT ROW, or `offset` rows/peer groups away. */
export type FrameBound =
  | { readonly kind: 'unbounded' }
  | { readonly kind: 'current' }
  | { readonly kind: 'preceding' | 'following'; readonly offset: Expr }

/** Which rows of its frame a row's window call leaves out (`EXCLUDE ...`): none, the row itself,
 * the row and its peers, or its peers but not the row. */
export type FrameExclusion = 'no others' | 'current row' | 'group' | 'ties'

export interface WindowFrame {
  readonly mode: 'rows' | 'range' | 'groups'
  readonly start: FrameBound
  readonly end: FrameBound
  readonly exclude: FrameExclusion
}

/** A common table expression, materialized once per statement. */
export interface CteDef {
  readonly id: number
  readonly name: string
  readonly width: number
  /** The non-recursive query, or the recursive query's base term. */
  readonly rel: Rel
  /** WITH RECURSIVE: the term evaluated over the rows of the last iteration. */
  readonly recursive: { readonly step: Rel; readonly all: boolean; readonly types: readonly SqlType[] } | undefined
}

/**
 * An operator. `width` is the length of the rows it produces, except where noted.
 * - scan: the table's columns by position.
 * - system: the system relation's columns.
 * - sequence: one row, where sequence `name` stands as the statement runs: last_value, log_cnt,
 *   is_called (PostgreSQL's columns of a sequence read in FROM).
 * - values / one: the listed expressions (evaluated over no row); `one` is a single empty row.
 * - place: the input's row copied to `offset` of a row of `width` (a FROM item inside a join),
 *   and TRUE in slot `matched` (a whole row's sign that the item has a row there, see ItemRow).
 * - filter: the input's row, when `cond` is true.
 * - project: `exprs` over the input's row.
 * - join: left and right rows are both full FROM-width rows; the output merges right's `rightSlots`
 *   into left's row (NULL-extended for outer joins). `hashKeys` pairs equal-compared expressions.
 * - lateral: left's row with the subquery's row (run per left row) written at `offset`, and TRUE
 *   in slot `matched` as in place.
 * - aggregate: `[...keys, ...aggregates]` per group (one row without keys, even over no input).
 * - window: the input row followed by one value per window call.
 * - distinct: the input's rows, duplicates dropped (compared on `on` slots when given, keeping the
 *   first of each group in input order).
 * - sort / limit: the input's rows reordered / cut.
 * - setop: left and right rows of equal width and types.
 * - cteScan / workScan: a CTE's materialized rows / the recursive CTE's last iteration.
 * - returned: the RETURNING rows of a data-modifying WITH item (the `rel` of its CteDef), which
 *   ran before anything reads them (modifying-with.ts).
 * - setFunction: the rows a set-returning function yields.
 */
export type Rel =
  | { readonly kind: 'scan'; readonly width: number; readonly source: TableSource }
  | { readonly kind: 'system'; readonly width: number; readonly relation: SystemRelation }
  | { readonly kind: 'sequence'; readonly width: number; readonly name: string }
  | { readonly kind: 'values'; readonly width: number; readonly rows: readonly (readonly Expr[])[] }
  | { readonly kind: 'place'; readonly width: number; readonly input: Rel; readonly offset: number; readonly matched?: number | undefined }
  /** `once`: the condition reads no row; it is evaluated once, before any input row is read. */
  | { readonly kind: 'filter'; readonly width: number; readonly input: Rel; readonly cond: Expr; readonly once?: boolean }
  | { readonly kind: 'project'; readonly width: number; readonly input: Rel; readonly exprs: readonly Expr[] }
  | {
      readonly kind: 'join'
      readonly width: number
      readonly join: JoinKind
      readonly left: Rel
      readonly right: Rel
      readonly leftSlots: readonly number[]
      readonly rightSlots: readonly number[]
      readonly hashKeys: readonly { readonly left: Expr; readonly right: Expr; readonly type: SqlType }[]
      readonly cond: Expr | undefined
    }
  | {
      readonly kind: 'lateral'
      readonly width: number
      readonly join: 'inner' | 'left'
      readonly left: Rel
      /** Run per left row with `args` (over the left row) as its outer values. */
      readonly sub: Rel
      readonly args: readonly Expr[]
      /** Where the subquery's columns go in the FROM row. */
      readonly offset: number
      readonly matched?: number | undefined
      readonly cond: Expr | undefined
    }
  | {
      readonly kind: 'aggregate'
      readonly width: number
      readonly input: Rel
      readonly keys: readonly Expr[]
      readonly aggregates: readonly AggregateCall[]
      /** GROUPING SETS: key indexes per set; rows then end with the set's index (for GROUPING). */
      readonly sets?: readonly (readonly number[])[] | undefined
    }
  | { readonly kind: 'window'; readonly width: number; readonly input: Rel; readonly calls: readonly WindowCall[] }
  /** The input row followed by one value per set-returning call, as many rows per input row as
   * the longest call yields (shorter ones padded with NULL). */
  | { readonly kind: 'projectSet'; readonly width: number; readonly input: Rel; readonly calls: readonly SetCall[] }
  | {
      readonly kind: 'distinct'
      readonly width: number
      readonly input: Rel
      readonly types: readonly SqlType[]
      readonly on: readonly number[] | undefined
    }
  | { readonly kind: 'sort'; readonly width: number; readonly input: Rel; readonly keys: readonly SortKey[] }
  | {
      readonly kind: 'limit'
      readonly width: number
      readonly input: Rel
      readonly limit: Expr | undefined
      readonly offset: Expr | undefined
    }
  | {
      readonly kind: 'setop'
      readonly width: number
      readonly op: 'union' | 'intersect' | 'except'
      readonly all: boolean
      readonly left: Rel
      readonly right: Rel
      readonly types: readonly SqlType[]
    }
  | { readonly kind: 'cteScan'; readonly width: number; readonly cte: CteDef }
  | { readonly kind: 'workScan'; readonly width: number; readonly cteId: number }
  | { readonly kind: 'returned'; readonly width: number; readonly cteId: number }
  | {
      readonly kind: 'setFunction'
      readonly width: number
      readonly name: string
      readonly args: readonly Expr[]
      readonly apply: (args: readonly Datum[], ctx: EvalContext) => Iterable<Datum[]>
    }

/** A one-row relation with no columns (SELECT without FROM). */
export const ONE_ROW: Rel = { kind: 'values', width: 0, rows: [[]] }
