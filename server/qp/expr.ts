// Expression evaluation (ARCHITECTURE.md "query processor": execute): bound, typed expression
// trees over a row of datums, with SQL's three-valued logic.
import type { Random } from '../clock/index.ts'
import { assert, assertNever, AssertionError, SqlError } from '../errors/index.ts'
import { cast, parseText, type CastContext, type Datum, type SqlType } from './types/index.ts'
import type { TxServices } from './tx-services.ts'
import { likePattern, type LikePattern } from './like-pattern.ts'
import type { Rel } from './rel.ts'
import type { SystemEnv } from './system/index.ts'

/** What an expression may read besides the row. */
export interface EvalContext {
  /** Parameters already cast to their inferred types. */
  readonly params: readonly Datum[]
  /** now(): the transaction's start, microseconds since the epoch (PostgreSQL's rule). */
  readonly nowUs: bigint
  readonly random: Random
  /** The transaction's services (sequences, advisory locks, settings). */
  readonly tx: TxServices
  /** Inside a correlated subquery: the values of its `args`, read by `outer` expressions. */
  readonly outer?: readonly Datum[]
  /** Runs a subquery with its `args` values (the executor caches uncorrelated ones). */
  readonly subqueryRows?: (e: SubqueryExpr, args: readonly Datum[]) => readonly (readonly Datum[])[]
  /** The catalog at the transaction's snapshot, for catalog functions (pg_get_indexdef, ...). */
  readonly system?: SystemEnv | undefined
  /** The same object for every context of one statement (its subqueries' too): the key of work
   * done once per statement, such as the catalog model. */
  readonly statement?: object
  /** `x = ANY (subquery)` by hashing: whether `x` is among the rows (null: not found, a NULL seen). */
  readonly subqueryContains?: (e: SubqueryExpr, args: readonly Datum[], value: Datum) => boolean | null
  /** Raises 57014 once the statement is past its timeout: a function whose one call may run long
   * (a regular expression's global scan) calls it between units of its work. */
  interrupt?(): void
}

/**
 * A subquery in an expression. `args` are expressions of the enclosing query the subquery reads
 * (correlation); inside `rel` they are `outer` expressions by index. `lhs`/`compare` for
 * `x op ANY|ALL (subquery)` (IN is `= ANY`).
 */
export interface SubqueryExpr {
  readonly kind: 'subquery'
  readonly type: SqlType
  readonly mode: 'scalar' | 'exists' | 'any' | 'all' | 'array'
  readonly rel: Rel
  readonly args: readonly Expr[]
  readonly lhs: Expr | undefined
  readonly compare: BinaryApply | undefined
  /** Set for `x = ANY (subquery)` when both sides compare in this one type: a hash lookup decides. */
  readonly hashType?: SqlType | undefined
  /** `(a, b) op ANY|ALL (subquery)`: one value and operator per column, combined as `=` combines
   * rows (AND) or `<>` does (OR). */
  readonly row?: { readonly lhs: readonly Expr[]; readonly compare: readonly BinaryApply[]; readonly any: boolean } | undefined
  /** Unique per bound subquery (plan caching, expression identity). */
  readonly id: number
}

export type BinaryApply = (a: Datum, b: Datum) => Datum
export type FunctionApply = (args: readonly Datum[], ctx: EvalContext) => Datum

/** A bound expression. `column.slot` indexes the row the expression is evaluated over. */
export type Expr =
  | { readonly kind: 'const'; readonly type: SqlType; readonly value: Datum }
  | { readonly kind: 'param'; readonly type: SqlType; readonly index: number }
  | {
      readonly kind: 'column'
      readonly type: SqlType
      readonly slot: number
      readonly name: string
      /** The FROM item it was read from (its alias), for PostgreSQL's messages that name it. */
      readonly table?: string | undefined
    }
  | {
      readonly kind: 'binary'
      readonly type: SqlType
      readonly name: string
      readonly apply: BinaryApply
      readonly left: Expr
      readonly right: Expr
      /** False for the few operators that take NULL operands (array || NULL is the array). */
      readonly strict?: false
    }
  | {
      readonly kind: 'unary'
      readonly type: SqlType
      readonly name: string
      readonly apply: (a: Datum) => Datum
      readonly arg: Expr
    }
  | { readonly kind: 'and' | 'or'; readonly type: SqlType; readonly args: readonly Expr[] }
  | { readonly kind: 'not'; readonly type: SqlType; readonly arg: Expr }
  | { readonly kind: 'isNull'; readonly type: SqlType; readonly arg: Expr; readonly negated: boolean }
  | {
      readonly kind: 'boolTest'
      readonly type: SqlType
      readonly arg: Expr
      /** IS TRUE / IS FALSE / IS UNKNOWN (null). */
      readonly value: boolean | null
      readonly negated: boolean
    }
  | {
      readonly kind: 'in'
      readonly type: SqlType
      readonly arg: Expr
      readonly items: readonly Expr[]
      readonly eq: BinaryApply
      readonly negated: boolean
    }
  | {
      readonly kind: 'like'
      readonly type: SqlType
      readonly arg: Expr
      readonly pattern: Expr
      readonly caseInsensitive: boolean
      readonly negated: boolean
      /** Compiled at bind time when the pattern is a constant. */
      readonly matcher: LikePattern | undefined
      /** The ESCAPE character ('' for none); backslash when not given. */
      readonly escape?: string | undefined
    }
  | {
      readonly kind: 'case'
      readonly type: SqlType
      readonly whens: readonly { readonly cond: Expr; readonly result: Expr }[]
      readonly otherwise: Expr
    }
  | { readonly kind: 'coalesce'; readonly type: SqlType; readonly args: readonly Expr[] }
  | {
      readonly kind: 'nullif'
      /** The first argument's type (PostgreSQL's rule), not the comparison's common type. */
      readonly type: SqlType
      /** The first argument, returned as it is: in the common type, or, when `compareType` is set,
       * in its own (cast to `compareType` only to compare). */
      readonly left: Expr
      readonly compareType?: SqlType | undefined
      readonly right: Expr
      readonly eq: BinaryApply
    }
  | {
      readonly kind: 'cast'
      readonly type: SqlType
      readonly arg: Expr
      readonly from: SqlType
      readonly context: CastContext
    }
  | {
      readonly kind: 'func'
      readonly type: SqlType
      readonly name: string
      readonly args: readonly Expr[]
      readonly apply: FunctionApply
      /** Null in, null out (most functions); false for functions that handle nulls themselves. */
      readonly strict: boolean
      readonly volatile: boolean
    }
  /** An aggregate call's result; the grouping rewrite replaces it by a column of the group row. */
  | { readonly kind: 'aggregate'; readonly type: SqlType; readonly index: number }
  /** A window call's result; the window rewrite replaces it by a column of the window row. */
  | { readonly kind: 'windowCall'; readonly type: SqlType; readonly index: number }
  /** GROUPING(args): planning replaces it by a lookup of the current grouping set. */
  | { readonly kind: 'grouping'; readonly type: SqlType; readonly args: readonly Expr[] }
  /** A set-returning call's value; the select-list rewrite replaces it by a column. */
  | { readonly kind: 'setCall'; readonly type: SqlType; readonly index: number }
  /** A value of the enclosing query, inside a correlated subquery. */
  | { readonly kind: 'outer'; readonly type: SqlType; readonly index: number }
  | SubqueryExpr
  /** IS [NOT] DISTINCT FROM: equality where NULL equals NULL. */
  | { readonly kind: 'distinctFrom'; readonly type: SqlType; readonly left: Expr; readonly right: Expr; readonly eq: BinaryApply; readonly negated: boolean }
  /** GREATEST / LEAST: NULLs ignored, NULL only when every argument is. */
  | { readonly kind: 'minmax'; readonly type: SqlType; readonly greatest: boolean; readonly args: readonly Expr[]; readonly gt: BinaryApply }

const BOOL: SqlType = { kind: 'bool' }
export const boolType = (): SqlType => BOOL

/** Evaluates `e` over `row`. Throws SqlError for data errors (22xxx). */
export function evaluate(e: Expr, row: readonly Datum[], ctx: EvalContext): Datum {
  switch (e.kind) {
    case 'const':
      return e.value
    case 'param':
      return ctx.params[e.index] ?? null
    case 'column':
      return row[e.slot] ?? null
    case 'binary': {
      const a = evaluate(e.left, row, ctx)
      if (a === null && e.strict === undefined) return null
      const b = evaluate(e.right, row, ctx)
      if (e.strict === false) return e.apply(a, b)
      return b === null ? null : e.apply(a, b)
    }
    case 'unary': {
      const a = evaluate(e.arg, row, ctx)
      return a === null ? null : e.apply(a)
    }
    case 'and':
      return evaluateAnd(e.args, row, ctx)
    case 'or':
      return evaluateOr(e.args, row, ctx)
    case 'not': {
      const a = evaluate(e.arg, row, ctx)
      return a === null ? null : !a
    }
    case 'isNull':
      return (evaluate(e.arg, row, ctx) === null) !== e.negated
    case 'boolTest':
      return (evaluate(e.arg, row, ctx) === e.value) !== e.negated
    case 'in':
      return evaluateIn(e, row, ctx)
    case 'like':
      return evaluateLike(e, row, ctx)
    case 'case':
      for (const w of e.whens) if (evaluate(w.cond, row, ctx) === true) return evaluate(w.result, row, ctx)
      return evaluate(e.otherwise, row, ctx)
    case 'coalesce':
      for (const a of e.args) {
        const v = evaluate(a, row, ctx)
        if (v !== null) return v
      }
      return null
    case 'nullif': {
      const v = evaluate(e.left, row, ctx)
      const a = e.compareType === undefined || v === null ? v : castDatum(v, e.left.type, e.compareType, 'implicit')
      const b = evaluate(e.right, row, ctx)
      if (a !== null && b !== null && e.eq(a, b) === true) return null
      return v
    }
    case 'cast':
      return castDatum(evaluate(e.arg, row, ctx), e.from, e.type, e.context, ctx.nowUs)
    case 'func':
      return evaluateFunc(e, row, ctx)
    case 'aggregate':
      throw new AssertionError('aggregates are rewritten before evaluation')
    case 'windowCall':
      throw new AssertionError('window calls are rewritten before evaluation')
    case 'setCall':
      throw new AssertionError('set-returning calls are rewritten before evaluation')
    case 'grouping':
      throw new AssertionError('GROUPING is rewritten before evaluation')
    case 'outer':
      return ctx.outer?.[e.index] ?? null
    case 'subquery':
      return evaluateSubquery(e, row, ctx)
    case 'distinctFrom': {
      const a = evaluate(e.left, row, ctx)
      const b = evaluate(e.right, row, ctx)
      const same = a === null || b === null ? a === b : e.eq(a, b) === true
      return same === e.negated
    }
    case 'minmax': {
      let best: Datum = null
      for (const arg of e.args) {
        const v = evaluate(arg, row, ctx)
        if (v !== null && (best === null || e.gt(v, best) === e.greatest)) best = v
      }
      return best
    }
    default:
      return assertNever(e)
  }
}

/** Row-wise `op ANY|ALL`: each subquery row compared column by column (three-valued). */
function rowQuantified(
  e: SubqueryExpr,
  spec: NonNullable<SubqueryExpr['row']>,
  row: readonly Datum[],
  rows: readonly (readonly Datum[])[],
  ctx: EvalContext,
): Datum {
  const values = spec.lhs.map((x) => evaluate(x, row, ctx))
  const compareRow = (r: readonly Datum[]): Datum => {
    // `=` is true when every column is (AND); `<>` when any column is (OR).
    let sawNull = false
    for (let i = 0; i < values.length; i++) {
      const a = values[i] ?? null
      const b = r[i] ?? null
      const v = a === null || b === null ? null : (spec.compare[i] as BinaryApply)(a, b)
      if (v === null) sawNull = true
      else if (v === spec.any) return v
    }
    return sawNull ? null : !spec.any
  }
  let sawNull = false
  for (const r of rows) {
    const v = compareRow(r)
    if (v === null) sawNull = true
    else if (v === (e.mode === 'any')) return v
  }
  return sawNull ? null : e.mode === 'all'
}

function evaluateSubquery(e: SubqueryExpr, row: readonly Datum[], ctx: EvalContext): Datum {
  assert(ctx.subqueryRows !== undefined, 'subqueries run inside an executor')
  const args = e.args.map((a) => evaluate(a, row, ctx))
  if (e.mode === 'any' && e.hashType !== undefined && e.lhs !== undefined && ctx.subqueryContains !== undefined) {
    const a = evaluate(e.lhs, row, ctx)
    return ctx.subqueryContains(e, args, a)
  }
  const rows = ctx.subqueryRows(e, args)
  switch (e.mode) {
    case 'exists':
      return rows.length > 0
    case 'scalar':
      if (rows.length > 1) throw new SqlError('21000', 'more than one row returned by a subquery used as an expression')
      return rows[0]?.[0] ?? null
    case 'array':
      return rows.map((r) => r[0] ?? null) as unknown as Datum
    case 'any':
    case 'all': {
      if (e.row !== undefined) return rowQuantified(e, e.row, row, rows, ctx)
      assert(e.lhs !== undefined && e.compare !== undefined, 'ANY/ALL compare a value')
      const a = evaluate(e.lhs, row, ctx)
      if (rows.length === 0) return e.mode === 'all'
      if (a === null) return null
      let sawNull = false
      for (const r of rows) {
        const b = r[0] ?? null
        const v = b === null ? null : e.compare(a, b)
        if (v === null) sawNull = true
        else if (v === (e.mode === 'any')) return v
      }
      return sawNull ? null : e.mode === 'all'
    }
    default:
      return assertNever(e.mode)
  }
}

function evaluateAnd(args: readonly Expr[], row: readonly Datum[], ctx: EvalContext): Datum {
  let sawNull = false
  for (const a of args) {
    const v = evaluate(a, row, ctx)
    if (v === false) return false
    if (v === null) sawNull = true
  }
  return sawNull ? null : true
}

function evaluateOr(args: readonly Expr[], row: readonly Datum[], ctx: EvalContext): Datum {
  let sawNull = false
  for (const a of args) {
    const v = evaluate(a, row, ctx)
    if (v === true) return true
    if (v === null) sawNull = true
  }
  return sawNull ? null : false
}

function evaluateIn(e: Extract<Expr, { kind: 'in' }>, row: readonly Datum[], ctx: EvalContext): Datum {
  const a = evaluate(e.arg, row, ctx)
  if (a === null) return null
  let sawNull = false
  for (const item of e.items) {
    const b = evaluate(item, row, ctx)
    if (b === null) sawNull = true
    else if (e.eq(a, b) === true) return !e.negated
  }
  return sawNull ? null : e.negated
}

function evaluateLike(e: Extract<Expr, { kind: 'like' }>, row: readonly Datum[], ctx: EvalContext): Datum {
  const a = evaluate(e.arg, row, ctx)
  if (a === null) return null
  let matcher = e.matcher
  if (matcher === undefined) {
    const p = evaluate(e.pattern, row, ctx)
    if (p === null) return null
    matcher = likePattern(p as string, e.caseInsensitive, e.escape)
  }
  return matcher.matches(a as string) !== e.negated
}

function evaluateFunc(e: Extract<Expr, { kind: 'func' }>, row: readonly Datum[], ctx: EvalContext): Datum {
  const args = e.args.map((a) => evaluate(a, row, ctx))
  if (e.strict && args.some((a) => a === null)) return null
  return e.apply(args, ctx)
}


/** Removes a type's modifier: the type a literal is read as before its typmod applies. */
export function unconstrained(type: SqlType): SqlType {
  if (type.kind === 'varchar' || type.kind === 'bpchar') return { kind: type.kind }
  if (type.kind === 'numeric') return { kind: 'numeric' }
  // timestamp(p): read at full precision, then rounded by the cast ('...00.5'::timestamp(0)).
  if ((type.kind === 'timestamp' || type.kind === 'timestamptz') && type.precision !== undefined) return { kind: type.kind }
  return type
}

/** Casts a value; untyped literals (`unknown`) go through the type's input function first.
 * `nowUs` (the transaction's start) lets text read as a date/time say 'now' or 'today'. */
export function castDatum(
  value: Datum,
  from: SqlType,
  to: SqlType,
  context: CastContext,
  nowUs?: bigint,
): Datum {
  if (value === null) return null
  if (from.kind === 'unknown') {
    assert(typeof value === 'string', 'an unknown-typed value is text')
    const base = unconstrained(to)
    const parsed = parseText(value, base, nowUs)
    return base === to ? parsed : cast(parsed, base, to, context)
  }
  return cast(value, from, to, context, nowUs)
}

/** Whether `e` or any expression inside it passes `test` (subqueries' plans are not looked into). */
export function someExpr(e: Expr, test: (x: Expr) => boolean): boolean {
  return test(e) || someChild(e, (c) => someExpr(c, test))
}

/**
 * Whether a direct child of `e` passes `test`, in mapChildren's order, stopping at the first that
 * does. Searches walk trees with it rather than with mapChildren, which rebuilds every node it
 * passes: bind-time checks that ran at every level of an expression (volatility, GROUP BY keys)
 * spent much of a simple statement's planning allocating those copies.
 */
export function someChild(e: Expr, test: (child: Expr) => boolean): boolean {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
    case 'aggregate':
    case 'windowCall':
    case 'setCall':
    case 'outer':
      return false
    case 'subquery':
      return e.args.some(test) || (e.lhs !== undefined && test(e.lhs)) || (e.row !== undefined && e.row.lhs.some(test))
    case 'minmax':
    case 'grouping':
    case 'and':
    case 'or':
    case 'coalesce':
    case 'func':
      return e.args.some(test)
    case 'binary':
    case 'nullif':
    case 'distinctFrom':
      return test(e.left) || test(e.right)
    case 'unary':
    case 'not':
    case 'isNull':
    case 'boolTest':
    case 'cast':
      return test(e.arg)
    case 'in':
      return test(e.arg) || e.items.some(test)
    case 'like':
      return test(e.arg) || test(e.pattern)
    case 'case':
      return e.whens.some((w) => test(w.cond) || test(w.result)) || test(e.otherwise)
    default:
      return assertNever(e)
  }
}

/** The children of an expression rebuilt through `f` (for rewrites such as grouping). */
export function mapChildren(e: Expr, f: (child: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
    case 'aggregate':
    case 'windowCall':
    case 'setCall':
    case 'outer':
      return e
    case 'subquery':
      return {
        ...e,
        args: e.args.map(f),
        lhs: e.lhs === undefined ? undefined : f(e.lhs),
        row: e.row === undefined ? undefined : { ...e.row, lhs: e.row.lhs.map(f) },
      }
    case 'minmax':
    case 'grouping':
      return { ...e, args: e.args.map(f) }
    case 'binary':
    case 'nullif':
    case 'distinctFrom':
      return { ...e, left: f(e.left), right: f(e.right) }
    case 'unary':
    case 'not':
    case 'isNull':
    case 'boolTest':
    case 'cast':
      return { ...e, arg: f(e.arg) }
    case 'and':
    case 'or':
    case 'coalesce':
      return { ...e, args: e.args.map(f) }
    case 'func':
      return { ...e, args: e.args.map(f) }
    case 'in':
      return { ...e, arg: f(e.arg), items: e.items.map(f) }
    case 'like':
      return { ...e, arg: f(e.arg), pattern: f(e.pattern) }
    case 'case':
      return {
        ...e,
        whens: e.whens.map((w) => ({ cond: f(w.cond), result: f(w.result) })),
        otherwise: f(e.otherwise),
      }
    default:
      return assertNever(e)
  }
}

/** Whether the expression reads any column of the row (else it is constant per statement). */
export function readsRow(e: Expr): boolean {
  return e.kind === 'column' || someChild(e, readsRow)
}

/** Whether the expression calls a volatile function (gen_random_uuid): never folded or shared. */
export function isVolatile(e: Expr): boolean {
  return (e.kind === 'func' && e.volatile) || someChild(e, isVolatile)
}
