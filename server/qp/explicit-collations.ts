// Explicit collations (ARCHITECTURE.md "query processor": bind): PostgreSQL refuses an operation
// whose inputs carry two different COLLATE clauses (42P21, `'a' COLLATE "C" < ('b' COLLATE
// "POSIX")`), though every collation accepted here orders text the same way. A COLLATE clause
// gives its expression an explicit collation; an operator, function, CASE, COALESCE, IN list,
// array or cast passes it on when its own result has a collatable type, and its inputs' explicit
// collations must agree, as must a set operation's arms and VALUES' rows column by column.
// Implicit collations (a column's own) are not tracked: two columns of different declared
// collations meeting (PostgreSQL's 42P22) are not refused.
import type { Node } from 'libpg-query'
import { SqlError } from '../errors/index.ts'
import type { SqlType } from './types/index.ts'

/** A COLLATE clause an expression carries: its collation's name and where the clause stands (a
 * byte offset in the statement, for the error's position). */
export interface ExplicitCollation {
  readonly name: string
  readonly location: number | undefined
}

/** The collation a COLLATE clause names, without the pg_catalog schema (`pg_catalog."C"` is
 * `"C"`); undefined for a longer or other qualified name. */
export function collationName(collname: readonly Node[]): string | undefined {
  const names = collname.map((n) => ('String' in n ? (n.String.sval ?? '') : ''))
  if (names.length === 2 && names[0] === 'pg_catalog') return names[1]
  return names.length === 1 ? names[0] : undefined
}

/** Types whose values have a collation (an untyped literal becomes text). */
const COLLATABLE: ReadonlySet<string> = new Set(['text', 'varchar', 'bpchar', 'unknown'])

/** Whether values of `type` (an array by its elements) have a collation. */
export function isCollatable(type: SqlType): boolean {
  return COLLATABLE.has((type.kind === 'array' ? type.element : type).kind)
}

/**
 * The explicit collations of the parse nodes one binder has bound: each node's inputs are bound
 * before the node itself, so when a node is recorded the collations of its inputs are known.
 */
export class ExplicitCollations {
  readonly #carried = new WeakMap<object, ExplicitCollation | null>()
  /** Whether a COLLATE clause has been bound. Until one is, nothing can carry an explicit
   * collation, so nodes are not recorded (most statements have none, and recording walked every
   * node's inputs); a node left unrecorded is walked through when a later one collects, and holds
   * no clause, so it counts for nothing, as a recorded one without would. */
  #any = false

  /** Records what `node`, just bound to an expression of type `type`, carries: its own COLLATE
   * clause, or the one its inputs agree on when its type has collations. 42P21 (at the second
   * clause, as PostgreSQL places it) when its inputs carry two different ones. */
  record(node: Node, type: SqlType, position: (location: number | undefined) => number | undefined): void {
    if ('CollateClause' in node) {
      this.#any = true
      const c = node.CollateClause
      const name = collationName(c.collname ?? [])
      this.#carried.set(node, name === undefined ? null : { name, location: c.location })
      return
    }
    if (!this.#any) return
    let merged: ExplicitCollation | null = null
    for (const group of inputGroups(node)) {
      const found: ExplicitCollation[] = []
      for (const input of group) this.#collect(input, found)
      merged = agree(found, position)
    }
    this.#carried.set(node, isCollatable(type) ? merged : null)
  }

  /** The explicit collation the bound parse nodes `inputs` agree on (null for none): a set
   * operation's column across its arms, a VALUES column across its rows. 42P21 as in record. */
  agreeAcross(inputs: readonly unknown[], position: (location: number | undefined) => number | undefined): ExplicitCollation | null {
    if (!this.#any) return null
    const found: ExplicitCollation[] = []
    for (const input of inputs) this.#collect(input, found)
    return agree(found, position)
  }

  /** The explicit collations of the bound nodes in `tree`, stopping at each bound node: what
   * lies under one is its own inputs. A node no binding reached counts for nothing itself. */
  #collect(tree: unknown, found: ExplicitCollation[]): void {
    if (Array.isArray(tree)) {
      for (const t of tree) this.#collect(t, found)
      return
    }
    if (typeof tree !== 'object' || tree === null) return
    const carried = this.#carried.get(tree)
    if (carried !== undefined) {
      if (carried !== null) found.push(carried)
      return
    }
    for (const [key, child] of Object.entries(tree)) if (!NOT_INPUTS.has(key)) this.#collect(child, found)
  }
}

/** Parts of a parse node that are never inputs whose collations merge into it: a subquery's
 * body (its output has an implicit collation at most), a type name, an aggregate's ORDER BY,
 * FILTER and window, and a row, whose fields keep their own (a row comparison that binds them
 * one by one is not looked through). */
const NOT_INPUTS: ReadonlySet<string> = new Set(['subselect', 'typeName', 'agg_order', 'agg_filter', 'over', 'RowExpr'])

/** The inputs of `node` whose explicit collations must agree, in groups merged separately (a
 * BETWEEN is two comparisons, a row comparison one per column, a row none); the last group's
 * agreed collation is what the node passes on. */
function inputGroups(node: Node): unknown[][] {
  if ('CaseExpr' in node) {
    // The results only: PostgreSQL does not merge CASE x's subject with its WHEN values.
    const c = node.CaseExpr
    return [[...(c.args ?? []).map((w) => ('CaseWhen' in w ? w.CaseWhen.result : undefined)), c.defresult]]
  }
  // A row's fields keep their own collations; only comparing two rows merges them, per column.
  if ('RowExpr' in node) return []
  if ('FuncCall' in node) {
    const f = node.FuncCall
    // An ordered-set aggregate's sorted input is an argument too (percentile_disc's result is it).
    return [[f.args, f.agg_within_group === true ? (f.agg_order ?? []).map((s) => ('SortBy' in s ? s.SortBy.node : undefined)) : undefined]]
  }
  if ('A_Expr' in node) {
    const e = node.A_Expr
    const bounds = e.rexpr !== undefined && 'List' in e.rexpr ? (e.rexpr.List.items ?? []) : []
    if (e.kind?.includes('BETWEEN') === true && bounds.length === 2) return [[e.lexpr, bounds[0]], [e.lexpr, bounds[1]]]
    if (e.lexpr !== undefined && 'RowExpr' in e.lexpr && e.rexpr !== undefined && 'RowExpr' in e.rexpr) {
      return [...rowColumns(e.lexpr.RowExpr.args ?? [], e.rexpr.RowExpr.args ?? []), []]
    }
    // A row IN list is a row comparison with each item: each merges per column on its own.
    if (e.kind === 'AEXPR_IN' && e.lexpr !== undefined && 'RowExpr' in e.lexpr && e.rexpr !== undefined && 'List' in e.rexpr) {
      const left = e.lexpr.RowExpr.args ?? []
      const items = e.rexpr.List.items ?? []
      return [...items.flatMap((item) => ('RowExpr' in item ? rowColumns(left, item.RowExpr.args ?? []) : [])), []]
    }
  }
  const inner = Object.values(node)[0] as object | undefined
  return [inner === undefined ? [] : Object.entries(inner).filter(([key]) => !NOT_INPUTS.has(key)).map(([, v]) => v as unknown)]
}

/** The pairs of fields two compared rows line up, one group per column. */
function rowColumns(left: readonly Node[], right: readonly Node[]): unknown[][] {
  return left.map((l, i) => [l, right[i]])
}

/** The one explicit collation `found` holds (null for none): 42P21 naming the first two that
 * differ. */
function agree(found: readonly ExplicitCollation[], position: (location: number | undefined) => number | undefined): ExplicitCollation | null {
  const first = found[0]
  if (first === undefined) return null
  for (const c of found) {
    if (c.name !== first.name) {
      throw new SqlError('42P21', `collation mismatch between explicit collations "${first.name}" and "${c.name}"`, {
        position: position(c.location),
      })
    }
  }
  return first
}
