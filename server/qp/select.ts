// Binding and planning of queries (ARCHITECTURE.md "query processor": bind, plan): SELECT with
// FROM (from.ts), WHERE, target list, GROUP BY / aggregates / HAVING, window functions, DISTINCT
// [ON], ORDER BY, LIMIT/OFFSET, FOR UPDATE; set operations, VALUES, WITH [RECURSIVE], and
// subqueries in expressions (correlated ones read their enclosing query through `outer` values).
import type { CommonTableExpr, FuncCall, Node, RangeVar, ResTarget, SelectStmt, SortBy, SubLink, WindowDef, WithClause } from 'libpg-query'
import { assert, featureNotSupported, groupingError, SqlError, undefinedFunction } from '../errors/index.ts'
import { canCast, commonType, float8Type, formatType, int4Type, intervalType, numericType, typeName as typeNameOf, type Datum, type SqlType } from './types/index.ts'
import {
  exprKey,
  locationOf,
  regroup,
  stringOf,
  type BindOptions,
  type Binder,
  type ParentLink,
  type Scope,
  type SetCall,
  type WindowBinding,
} from './binder.ts'
import { AGGREGATES, resolveAggregate, type AggregateCall } from './aggregate.ts'
import { bareName, type Table } from './catalog.ts'
import type { SequenceDef } from './sequences.ts'
import { viewWriteError, type ViewDef, type WriteVerb } from './views.ts'
import { mapChildren, someExpr, type Expr } from './expr.ts'
import { bindFrom, lockClauseName, lockRequest, outerLink, planUnitsOrdered, qualifiedName, relationsRead, settledTypes, type BoundFrom, type CteInfo } from './from.ts'
import type { Field } from './index.ts'
import type { ParseCache } from './parser.ts'
import { conjuncts, type OrderRequest, type Returning, type SelectPlan, type SortKey } from './planner.ts'
import { ONE_ROW, type CteDef, type FrameBound, type FrameExclusion, type Rel, type WindowCall, type WindowFrame } from './rel.ts'
import { WINDOW_FUNCTIONS, windowFunctionType } from './window.ts'
import { isHypotheticalSet, withinGroupRequired } from './ordered-set.ts'
import { sortDirection } from './sort-direction.ts'
import { expandGroupBy, groupingMasks } from './grouping-sets.ts'

/** What binding needs from the transaction: tables at its snapshot (recorded as read). */
export interface BindEnv {
  readonly parse: ParseCache
  readonly binder: Binder
  /** The table's definition at the snapshot plus writes; 42P01 when missing. Names are bare for
   * schema `public` and `schema.name` otherwise. */
  table(name: string, location?: number): Table
  /** The view named so, if any (recorded as read). */
  readonly storedView?: ((name: string) => ViewDef | undefined) | undefined
  /** The sequence named so, if any: a plan reading it depends on its definition, but the
   * transaction does not count it as read (SequenceValues.position). */
  readonly storedSequence?: ((name: string) => SequenceDef | undefined) | undefined
}

/**
 * The data-modifying WITH items of the statement being bound (modifying-with.ts). Only the
 * statement's own WITH may hold them: anywhere else is PostgreSQL's 0A000.
 */
export interface ModifyingItems {
  /** Binds the statement of data-modifying item `cte` (CTE id `id`), which sees `ctes`. */
  add(cte: CommonTableExpr, id: number, ctes: ReadonlyMap<string, CteInfo>): CteInfo
  /** Runs `bind`, the binding of top-level CTE `id`'s body: the CTEs it reads are that one's. */
  within<T>(id: number, bind: () => T): T
  /** The part being bound reads top-level CTE `id` (CteInfo.onRead). */
  read(id: number): void
}

/**
 * What a statement is bound within: the CTEs it sees from an enclosing WITH (the statement of a
 * data-modifying WITH item sees the items before it), and, for the statement itself alone, the
 * collector of its data-modifying WITH items.
 */
export interface Enclosing {
  readonly ctes: ReadonlyMap<string, CteInfo>
  readonly modifying: ModifyingItems | undefined
}

/** A statement on its own, whose WITH may not hold data-modifying items (a view's query, CREATE
 * TABLE AS, a CALL's arguments). */
export const NOT_ENCLOSED: Enclosing = { ctes: new Map(), modifying: undefined }

/** Whether a WITH clause holds an INSERT, UPDATE or DELETE item (undefined: no WITH). */
export function modifiesInWith(w: WithClause | undefined): boolean {
  return (w?.ctes ?? []).some((c) => 'CommonTableExpr' in c && c.CommonTableExpr.ctequery !== undefined && !('SelectStmt' in c.CommonTableExpr.ctequery))
}

/** The CTEs a statement's clauses see: the enclosing ones plus those of its own WITH, if any. */
export function statementCtes(env: BindEnv, w: WithClause | undefined, outer: Enclosing): ReadonlyMap<string, CteInfo> {
  if (w === undefined) return outer.ctes
  return bindWith(new QueryContext(env, outer.ctes), w, outer.modifying)
}

/** A bound query: its plan and output columns. */
export interface BoundQuery {
  readonly rel: Rel
  readonly names: readonly string[]
  readonly types: readonly SqlType[]
  /** The output expressions of a plain SELECT (their parameter types settle later). */
  readonly outputs: readonly Expr[] | undefined
  /** A plain SELECT's: the parse node each column was bound from (none for a star's columns),
   * whose explicit collations a set operation over it merges. Other queries' columns have
   * implicit collations at most, as set operations' and VALUES' outputs do in PostgreSQL. */
  readonly columnNodes: readonly (Node | undefined)[] | undefined
}

/** The environment of one query level: the transaction and the CTEs in scope. */
export class QueryContext {
  readonly env: BindEnv
  readonly ctes: ReadonlyMap<string, CteInfo>

  constructor(env: BindEnv, ctes: ReadonlyMap<string, CteInfo>) {
    this.env = env
    this.ctes = ctes
  }

  bindQuery(s: SelectStmt, parent: ParentLink | undefined): BoundQuery {
    return bindQuery(this, s, parent)
  }
}

const INT8: SqlType = { kind: 'int8' }
const TEXT: SqlType = { kind: 'text' }

/** The scope of one table's row: column slots are column positions. */
export function tableScope(table: Table, alias: string): Scope {
  return {
    tables: [alias],
    columns: table.columns.map((c) => ({ table: alias, name: c.name, type: c.type, slot: c.position, hidden: c.hidden })),
    rows: new Map([[alias, { typeName: table.name, matched: () => table.primaryKey[0] as number }]]),
  }
}

/** Resolves a DML target that must be a plain table (a view gets viewWriteError). */
export function rangeTable(env: BindEnv, rv: RangeVar, verb: WriteVerb): { table: Table; alias: string } {
  const name = qualifiedName(rv)
  let table: Table
  try {
    table = env.table(name, rv.location)
  } catch (e) {
    // Looked for only once the table is missing: a view and a table never share a name.
    const missing = e instanceof SqlError && e.code === '42P01'
    const view = missing ? env.storedView?.(name) : undefined
    if (view !== undefined) throw viewWriteError(env.parse, view, verb)
    if (missing && env.storedSequence?.(name) !== undefined) throw cannotChangeSequence(name)
    throw e
  }
  return { table, alias: rv.alias?.aliasname ?? rv.relname ?? '' }
}

/** INSERT, UPDATE or DELETE naming a sequence: PostgreSQL's 42809 (setval and ALTER SEQUENCE
 * change it). */
const cannotChangeSequence = (name: string) => new SqlError('42809', `cannot change sequence "${bareName(name)}"`)

/**
 * The FROM of UPDATE ... FROM / DELETE ... USING: the target table first (its columns at the
 * row's first slots), then the other items; `plan` joins them under a WHERE condition.
 */
export function bindDmlFrom(env: BindEnv, target: RangeVar, items: readonly Node[], withClause: WithClause | undefined, outer: Enclosing) {
  const qc = new QueryContext(env, statementCtes(env, withClause, outer))
  // The target is always a table, never a CTE of its name (`WITH t AS (...) UPDATE t ...`):
  // qualified, the name skips the CTEs (an unqualified name is public's here).
  const table: RangeVar = { ...target, schemaname: target.schemaname ?? 'public' }
  const from = bindFrom(qc, [{ RangeVar: table }, ...items], undefined, undefined, true)
  return {
    scope: from.scope,
    plan: (where: Expr | undefined): Rel => planUnitsOrdered(from.units, [...conjuncts(where), ...from.pool], from.width, undefined, false).rel,
  }
}

/** Lets the binder plan subqueries in expressions of statements bound in `env` (transaction.ts
 * attaches it to every statement's binder). */
export function attachSubqueries(env: BindEnv): void {
  env.binder.planSubquery = (stmt, scope, aggregate) => {
    const { link, args } = outerLink(scope)
    const q = new QueryContext(env, withoutWorkTables(scope.ctes)).bindQuery(stmt, { ...link, aggregate: (f) => link.capture(aggregate(f)) })
    return { rel: q.rel, types: q.types, args }
  }
}

/** The CTEs a subquery sees: a recursive reference there is PostgreSQL's 42P19 (and a cached
 * subquery result would miss the next iteration's rows). */
function withoutWorkTables(ctes: ReadonlyMap<string, CteInfo> | undefined): ReadonlyMap<string, CteInfo> {
  if (ctes === undefined) return new Map()
  if (![...ctes.values()].some((c) => c.work !== undefined)) return ctes
  const out = new Map(ctes)
  for (const [name, c] of ctes) {
    if (c.work !== undefined) out.set(name, { ...c, work: undefined, forbidden: `recursive reference to query "${name}" must not appear within a subquery` })
  }
  return out
}

/** Binds and plans a SELECT. `top` finishes parameter typing (outputs may be bare `$n`). */
export function planSelect(env: BindEnv, s: SelectStmt, top: boolean, outer: Enclosing = NOT_ENCLOSED): SelectPlan {
  const b = env.binder
  const ctes = statementCtes(env, s.withClause, outer)
  const q = new QueryContext(env, ctes).bindQuery(s.withClause === undefined ? s : { ...s, withClause: undefined }, undefined)
  if (top) b.finishParams()
  const fieldTypes = q.outputs === undefined ? q.types.map((t) => (t.kind === 'unknown' ? TEXT : t)) : q.outputs.map((e) => b.outputType(e))
  return {
    kind: 'select',
    rel: q.rel,
    fields: q.names.map((name, i) => ({ name, type: typeNameOf(fieldTypes[i] as SqlType) })),
    fieldTypes,
    outputs: q.outputs,
  }
}

function bindQuery(qc: QueryContext, s: SelectStmt, parent: ParentLink | undefined): BoundQuery {
  if (s.withClause !== undefined) {
    const inner = new QueryContext(qc.env, bindWith(qc, s.withClause, undefined))
    return bindQuery(inner, { ...s, withClause: undefined }, parent)
  }
  if (s.op !== undefined && s.op !== 'SETOP_NONE') return orderAndLimit(qc, s, bindSetOp(qc, s, parent), parent)
  if (s.valuesLists !== undefined) return orderAndLimit(qc, s, bindValues(qc, s, parent), parent)
  return bindSimple(qc, s, parent)
}

let cteSeq = 0

/** Binds a WITH clause: its CTEs added to those of `qc`. `modifying` is given for the WITH of
 * the statement itself, the only one that may hold data-modifying items. */
function bindWith(qc: QueryContext, w: WithClause, modifying: ModifyingItems | undefined): Map<string, CteInfo> {
  const ctes = new Map(qc.ctes)
  const seen = new Set<string>()
  const all = (w.ctes ?? []).map((node) => {
    assert('CommonTableExpr' in node, 'WITH holds CTEs')
    return node.CommonTableExpr
  })
  for (const cte of all) {
    const name = cte.ctename ?? ''
    if (seen.has(name)) throw new SqlError('42712', `WITH query name "${name}" specified more than once`)
    seen.add(name)
  }
  for (const cte of w.recursive === true ? dependencyOrder(all) : all) {
    const query = cte.ctequery
    assert(query !== undefined, 'a CTE has a query')
    const id = ++cteSeq
    const info = 'SelectStmt' in query
      ? selectCte(qc, w, cte, query.SelectStmt, ctes, id, modifying)
      : modifyingCte(qc, w, cte, ctes, id, modifying)
    // At the top level every reference is recorded: the statement runs the data-modifying items
    // it reads (through other CTEs too) before its main part, the others after (modifying-with.ts).
    ctes.set(info.name, modifying === undefined ? info : { ...info, onRead: () => modifying.read(id) })
  }
  return ctes
}

function selectCte(
  qc: QueryContext,
  w: WithClause,
  cte: CommonTableExpr,
  s: SelectStmt,
  ctes: Map<string, CteInfo>,
  id: number,
  modifying: ModifyingItems | undefined,
): CteInfo {
  const name = cte.ctename ?? ''
  const inner = new QueryContext(qc.env, ctes)
  const recursive = w.recursive === true && s.op === 'SETOP_UNION' && s.larg !== undefined && s.rarg !== undefined
  // Under RECURSIVE a query of another form may not read itself.
  if (w.recursive === true && !recursive) {
    const form = `recursive query "${name}" does not have the form non-recursive-term UNION [ALL] recursive-term`
    ctes.set(name, { def: undefined, work: undefined, names: [], types: [], name, forbidden: form })
  }
  const bind = () => (recursive ? bindRecursive(inner, ctes, cte, s, id) : plainCte(inner, cte, s, id))
  return modifying === undefined ? bind() : modifying.within(id, bind)
}

/** An INSERT, UPDATE or DELETE in WITH: at the top level only, and never recursive (PostgreSQL's
 * errors for both). */
function modifyingCte(
  qc: QueryContext,
  w: WithClause,
  cte: CommonTableExpr,
  ctes: ReadonlyMap<string, CteInfo>,
  id: number,
  modifying: ModifyingItems | undefined,
): CteInfo {
  const name = cte.ctename ?? ''
  const position = qc.env.binder.position(cte.location)
  if (modifying === undefined) {
    throw new SqlError('0A000', 'WITH clause containing a data-modifying statement must be at the top level', { position })
  }
  // PostgreSQL counts the statement's target among the names it reads here.
  const named = [...relationsRead(cte.ctequery), ...targetOf(cte.ctequery)]
  if (w.recursive === true && named.some((rv) => rv.schemaname === undefined && rv.relname === name)) {
    throw new SqlError('42P19', `recursive query "${name}" must not contain data-modifying statements`, { position })
  }
  // A copy: the map goes on to take the items after this one, which it may not see.
  const visible = new Map(ctes)
  return modifying.within(id, () => modifying.add(cte, id, visible))
}

/** The table an INSERT, UPDATE or DELETE writes (none for another statement). */
function targetOf(stmt: Node | undefined): RangeVar[] {
  const rv = stmt === undefined ? undefined : 'InsertStmt' in stmt ? stmt.InsertStmt.relation : 'UpdateStmt' in stmt ? stmt.UpdateStmt.relation : 'DeleteStmt' in stmt ? stmt.DeleteStmt.relation : undefined
  return rv === undefined ? [] : [rv]
}

/**
 * The CTEs of a WITH RECURSIVE in an order where each comes after the ones it reads (PostgreSQL
 * lets them name each other in any order); written order where it is free. 0A000 for mutual
 * recursion, as in PostgreSQL.
 */
function dependencyOrder(ctes: readonly CommonTableExpr[]): CommonTableExpr[] {
  const names = new Set(ctes.map((c) => c.ctename ?? ''))
  const reads = new Map(ctes.map((c) => {
    const found = new Set<string>()
    for (const rv of relationsRead(c.ctequery)) {
      const name = rv.relname ?? ''
      if (rv.schemaname === undefined && names.has(name) && name !== c.ctename) found.add(name)
    }
    return [c, found] as const
  }))
  const out: CommonTableExpr[] = []
  const placed = new Set<string>()
  while (out.length < ctes.length) {
    const next = ctes.find((c) => !placed.has(c.ctename ?? '') && [...(reads.get(c) ?? [])].every((n) => placed.has(n)))
    if (next === undefined) throw featureNotSupported('mutual recursion between WITH items')
    out.push(next)
    placed.add(next.ctename ?? '')
  }
  return out
}

/** A CTE's column names: its alias list over the names of its query's columns (42P10 for too
 * many aliases). */
export function cteNames(cte: CommonTableExpr, names: readonly string[]): string[] {
  const alias = (cte.aliascolnames ?? []).map(stringOf)
  if (alias.length > names.length) {
    throw new SqlError('42P10', `WITH query "${cte.ctename ?? ''}" has ${names.length} columns available but ${alias.length} columns specified`)
  }
  return names.map((n, i) => alias[i] ?? n)
}

function plainCte(qc: QueryContext, cte: CommonTableExpr, s: SelectStmt, id: number): CteInfo {
  const q = qc.bindQuery(s, undefined)
  const def: CteDef = { id, name: cte.ctename ?? '', width: q.names.length, rel: q.rel, recursive: undefined }
  return { def, work: undefined, names: cteNames(cte, q.names), types: settledTypes(q.types), name: def.name }
}

/** WITH RECURSIVE name AS (base UNION [ALL] step): the step reads the last iteration's rows. */
function bindRecursive(qc: QueryContext, ctes: Map<string, CteInfo>, cte: CommonTableExpr, s: SelectStmt, id: number): CteInfo {
  const name = cte.ctename ?? ''
  ctes.set(name, { def: undefined, work: undefined, names: [], types: [], name, forbidden: `recursive reference to query "${name}" must not appear within its non-recursive term` })
  const base = new QueryContext(qc.env, ctes).bindQuery(s.larg as SelectStmt, undefined)
  const types = settledTypes(base.types)
  const names = cteNames(cte, base.names)
  const work = { cteId: id, used: 0 }
  ctes.set(name, { def: undefined, work, names, types, name })
  const term = new QueryContext(qc.env, ctes).bindQuery(s.rarg as SelectStmt, undefined)
  if (work.used > 0) checkRecursiveTerm(term.rel)
  agreeArmCollations(qc.env.binder, base, term)
  const step = coerceQuery(qc.env.binder, term, types, 'UNION')
  const all = s.all === true
  const baseRel = coerceQuery(qc.env.binder, base, types, 'UNION').rel
  if (work.used > 1) throw new SqlError('42P19', `recursive reference to query "${name}" must not appear more than once`)
  const def: CteDef = work.used > 0
    ? { id, name, width: names.length, rel: baseRel, recursive: { step: step.rel, all, types } }
    : { id, name, width: names.length, rel: { kind: 'setop', width: names.length, op: 'union', all, left: baseRel, right: step.rel, types }, recursive: undefined }
  return { def, work: undefined, names, types, name }
}

/** PostgreSQL's rules for the recursive term: no aggregate or window function over the recursive
 * reference (42P19); other subqueries of the term may have them. */
function checkRecursiveTerm(rel: Rel): void {
  const readsWork = (r: Rel): boolean => {
    let found = r.kind === 'workScan'
    for (const child of Object.values(r)) {
      if (typeof child === 'object' && child !== null && 'kind' in child && 'width' in child) found = readsWork(child as Rel) || found
    }
    if (found && (r.kind === 'aggregate' || r.kind === 'window')) {
      const what = r.kind === 'aggregate' ? 'aggregate functions' : 'window functions'
      throw new SqlError('42P19', `${what} are not allowed in a recursive query's recursive term`)
    }
    return found
  }
  readsWork(rel)
}

/** Column types as a CTE or subquery reports them: an untyped literal reads as text. */

/** UNION / INTERSECT / EXCEPT: columns by position, each side cast to the common types. */
function bindSetOp(qc: QueryContext, s: SelectStmt, parent: ParentLink | undefined): BoundQuery {
  assert(s.larg !== undefined && s.rarg !== undefined, 'a set operation has two sides')
  const opName = s.op === 'SETOP_UNION' ? 'UNION' : s.op === 'SETOP_INTERSECT' ? 'INTERSECT' : 'EXCEPT'
  const left = qc.bindQuery(s.larg, parent)
  const right = qc.bindQuery(s.rarg, parent)
  if (left.types.length !== right.types.length) {
    throw new SqlError('42601', `each ${opName} query must have the same number of columns`)
  }
  agreeArmCollations(qc.env.binder, left, right)
  const types = left.types.map((t, i) => {
    const pair = [t, right.types[i] as SqlType]
    return pair.every((p) => p.kind === 'unknown') ? TEXT : commonType(pair.filter((p) => p.kind !== 'unknown'), opName)
  })
  const b = qc.env.binder
  const op = opName.toLowerCase() as 'union' | 'intersect' | 'except'
  const rel: Rel = {
    kind: 'setop',
    width: types.length,
    op,
    all: s.all === true,
    left: coerceQuery(b, left, types, opName).rel,
    right: coerceQuery(b, right, types, opName).rel,
    types,
  }
  return { rel, names: left.names, types, outputs: undefined, columnNodes: undefined }
}

/** 42P21 when a set operation's two arms carry different explicit collations in one column. */
function agreeArmCollations(b: Binder, left: BoundQuery, right: BoundQuery): void {
  for (let i = 0; i < left.types.length; i++) b.agreeCollations([left.columnNodes?.[i], right.columnNodes?.[i]])
}

/** The query with its columns cast to `types` (a projection when any differs). */
function coerceQuery(b: Binder, q: BoundQuery, types: readonly SqlType[], context: string): BoundQuery {
  if (q.types.every((t, i) => formatType(t) === formatType(types[i] as SqlType) && t.kind !== 'unknown')) return q
  const exprs = q.types.map((t, i) => {
    const column: Expr = { kind: 'column', type: t, slot: i, name: q.names[i] ?? '?column?' }
    const to = types[i] as SqlType
    if (t.kind !== 'unknown' && formatType(t) === formatType(to)) return column
    try {
      return b.coerce(column, to, 'implicit')
    } catch (e) {
      if (e instanceof SqlError && e.code === '42804') {
        throw new SqlError('42804', `${context} types ${formatType(t)} and ${formatType(to)} cannot be matched`)
      }
      throw e
    }
  })
  return { rel: { kind: 'project', width: exprs.length, input: q.rel, exprs }, names: q.names, types, outputs: undefined, columnNodes: undefined }
}

/** VALUES (...), (...): one row per list, columns cast to their common types. */
function bindValues(qc: QueryContext, s: SelectStmt, parent: ParentLink | undefined): BoundQuery {
  const b = qc.env.binder
  const scope: Scope = { tables: [], columns: [], parent, ctes: qc.ctes }
  const nodes = (s.valuesLists ?? []).map((l) => {
    assert('List' in l, 'VALUES holds lists')
    return l.List.items ?? []
  })
  const lists = nodes.map((items) => items.map((n) => b.bind(n, scope, { clause: 'VALUES' })))
  const width = lists[0]?.length ?? 0
  if (lists.some((l) => l.length !== width)) throw new SqlError('42601', 'VALUES lists must all be the same length')
  for (let i = 0; i < width; i++) b.agreeCollations(nodes.map((items) => items[i]))
  const types = Array.from({ length: width }, (_, i) => {
    const column = lists.map((l) => l[i] as Expr)
    const known = column.filter((e) => e.type.kind !== 'unknown')
    return known.length === 0 ? TEXT : commonType(known.map((e) => e.type), 'VALUES')
  })
  const rows = lists.map((l) => l.map((e, i) => b.coerce(e, types[i] as SqlType, 'implicit')))
  return { rel: { kind: 'values', width, rows }, names: types.map((_, i) => `column${i + 1}`), types, outputs: undefined, columnNodes: undefined }
}

/** ORDER BY and LIMIT over a set operation's or VALUES' output columns. */
function orderAndLimit(qc: QueryContext, s: SelectStmt, q: BoundQuery, parent: ParentLink | undefined): BoundQuery {
  const b = qc.env.binder
  let rel = q.rel
  if ((s.sortClause?.length ?? 0) > 0) {
    const scope: Scope = {
      tables: [],
      columns: q.names.map((name, i) => ({ table: '', name, type: q.types[i] as SqlType, slot: i, hidden: false })),
      parent,
      ctes: qc.ctes,
    }
    const targets = q.names.map((name, i) => ({ name, expr: { kind: 'column', type: q.types[i] as SqlType, slot: i, name } as Expr }))
    const keys = (s.sortClause ?? []).map((item) => {
      const sort = bindSortItem(b, item, scope, targets, { clause: 'ORDER BY' })
      if (sort.target === undefined) throw featureNotSupported('ORDER BY on an expression of a UNION, INTERSECT or EXCEPT result')
      return { slot: sort.target, type: q.types[sort.target] as SqlType, desc: sort.desc, nullsFirst: sort.nullsFirst }
    })
    rel = { kind: 'sort', width: rel.width, input: rel, keys }
  }
  const limit = bindLimit(b, s.limitCount, 'LIMIT', parent)
  const offset = bindLimit(b, s.limitOffset, 'OFFSET', parent)
  if (limit !== undefined || offset !== undefined) rel = { kind: 'limit', width: rel.width, input: rel, limit, offset }
  const lock = lockRequest(s.lockingClause)
  if (lock !== undefined) {
    const clause = lockClauseName(lock.clause)
    throw new SqlError('0A000', s.valuesLists !== undefined ? `${clause} cannot be applied to VALUES` : `${clause} is not allowed with UNION/INTERSECT/EXCEPT`)
  }
  return { ...q, rel }
}

/** A plain SELECT: FROM, WHERE, grouping, windows, projection, DISTINCT, ORDER BY, LIMIT. */
function bindSimple(qc: QueryContext, s: SelectStmt, parent: ParentLink | undefined): BoundQuery {
  rejectUnsupported(s)
  const b = qc.env.binder
  const lock = lockRequest(s.lockingClause)
  const from = (s.fromClause?.length ?? 0) > 0 ? bindFrom(qc, s.fromClause ?? [], lock, parent) : undefined
  const scope: Scope = from?.scope ?? { tables: [], columns: [], parent, ctes: qc.ctes }
  const where = s.whereClause === undefined ? undefined : b.bindCondition(s.whereClause, scope, { clause: 'WHERE' })
  const aggregates: AggregateCall[] = []
  const windows = windowBinding(qc, s.windowClause, aggregates)
  const sets: SetCall[] = []
  const withAggs: BindOptions = { clause: 'the select list', aggregates, windows, sets }
  const targets = bindTargets(b, s.targetList ?? [], scope, withAggs)
  const grouping = expandGroupBy(s.groupClause ?? [], (g) => bindGroupItem(b, g, scope, targets))
  const groupKeys = grouping.keys
  const having = s.havingClause === undefined ? undefined : b.bindCondition(s.havingClause, scope, { clause: 'HAVING', aggregates })
  const order = (s.sortClause ?? []).map((item) => bindSortItem(b, item, scope, targets, { clause: 'ORDER BY', aggregates, windows }))
  const distinctOn = bindDistinctOn(b, s, scope, targets, withAggs)
  // GROUPING() makes a query grouped too (its arguments must then be grouped keys).
  const usesGrouping = [...targets.map((t) => t.expr), ...order.map((o) => o.expr)].some((e) => contains(e, 'grouping'))
  const grouped = aggregates.length > 0 || groupKeys.length > 0 || having !== undefined || grouping.sets !== undefined || usesGrouping
  const distinct = s.distinctClause !== undefined
  if (lock !== undefined) {
    // PostgreSQL's order of these checks, and its words.
    const unlockable = (
      [
        [distinct, 'DISTINCT clause'],
        [groupKeys.length > 0 || grouping.sets !== undefined, 'GROUP BY clause'],
        [having !== undefined, 'HAVING clause'],
        [aggregates.length > 0 || usesGrouping, 'aggregate functions'],
        [windows.calls.length > 0, 'window functions'],
        [sets.length > 0, 'set-returning functions in the target list'],
      ] as const
    ).find(([applies]) => applies)?.[1]
    if (unlockable !== undefined) throw new SqlError('0A000', `${lockClauseName(lock.clause)} is not allowed with ${unlockable}`)
  }
  const limit = bindLimit(b, s.limitCount, 'LIMIT', parent)
  const offset = bindLimit(b, s.limitOffset, 'OFFSET', parent)
  const groupingSets = grouping.sets
  return planSimple(b, { from, where, targets, aggregates, windows: windows.calls, sets, groupKeys, groupingSets, having, order, distinctOn, grouped, distinct, limit, offset })
}

/** A plain SELECT after binding, before planning. */
interface BoundSelect {
  readonly from: BoundFrom | undefined
  readonly where: Expr | undefined
  readonly targets: readonly BoundTarget[]
  readonly aggregates: readonly AggregateCall[]
  readonly windows: readonly WindowCall[]
  readonly sets: readonly SetCall[]
  readonly groupKeys: readonly Expr[]
  readonly groupingSets: readonly (readonly number[])[] | undefined
  readonly having: Expr | undefined
  readonly order: readonly BoundSort[]
  readonly distinctOn: readonly { target: number | undefined; expr: Expr }[] | undefined
  readonly grouped: boolean
  readonly distinct: boolean
  readonly limit: Expr | undefined
  readonly offset: Expr | undefined
}

/**
 * The operator pipeline of a plain SELECT: FROM and WHERE, aggregation and HAVING, windows,
 * set-returning calls, projection (outputs, then sort-only extras), DISTINCT [ON], sort, limit.
 */
function planSimple(b: Binder, q: BoundSelect): BoundQuery {
  const keyStrings = q.groupKeys.map(exprKey)
  const setSlot = q.groupKeys.length + q.aggregates.length
  const toGroup = (e: Expr) => (q.grouped ? resolveGrouping(regroup(e, keyStrings, q.groupKeys.length), q.groupingSets, q.groupKeys.length, setSlot) : e)
  const baseWidth = q.grouped ? setSlot + (q.groupingSets === undefined ? 0 : 1) : (q.from?.width ?? 0)
  const windowWidth = baseWidth + q.windows.length
  const finish = (e: Expr) => unset(unwindow(toGroup(e), baseWidth), windowWidth)
  const outputs = q.targets.map((t) => finish(t.expr))
  const extras: Expr[] = []
  const sortSlots = q.order.map((o) => o.target ?? placeExtra(extras, outputs, finish(o.expr)))
  const onSlots = q.distinctOn?.map((d) => d.target ?? placeExtra(extras, outputs, finish(d.expr)))
  checkDistinctOrder(q.distinct, onSlots, sortSlots, outputs.length)
  const projected = [...outputs, ...extras]
  const types = projected.map((e) => b.outputType(e))
  const sort: SortKey[] = q.order.map((o, i) => {
    const slot = sortSlots[i] as number
    return { slot, type: types[slot] as SqlType, desc: o.desc, nullsFirst: o.nullsFirst }
  })
  const request = q.grouped || q.distinct || q.windows.length > 0 ? undefined : orderRequest(sort, projected)
  let rel: Rel = q.where === undefined ? ONE_ROW : { kind: 'filter', width: 0, input: ONE_ROW, cond: q.where }
  let ordered = false
  if (q.from !== undefined) {
    const planned = planUnitsOrdered(q.from.units, [...conjuncts(q.where), ...q.from.pool], q.from.width, request, q.limit !== undefined)
    rel = planned.rel
    ordered = planned.ordered && request !== undefined
  }
  if (q.grouped) {
    rel = { kind: 'aggregate', width: baseWidth, input: rel, keys: q.groupKeys, aggregates: q.aggregates, sets: q.groupingSets }
    if (q.having !== undefined) rel = { kind: 'filter', width: baseWidth, input: rel, cond: toGroup(q.having) }
  }
  if (q.windows.length > 0) rel = { kind: 'window', width: windowWidth, input: rel, calls: q.windows.map((c) => mapCall(c, toGroup)) }
  if (q.sets.length > 0) {
    const calls = q.sets.map((c) => ({ ...c, args: c.args.map((a) => unwindow(toGroup(a), baseWidth)) }))
    rel = { kind: 'projectSet', width: windowWidth + calls.length, input: rel, calls }
  }
  rel = { kind: 'project', width: projected.length, input: rel, exprs: projected }
  if (onSlots !== undefined) {
    rel = { kind: 'sort', width: rel.width, input: rel, keys: sort }
    rel = { kind: 'distinct', width: rel.width, input: rel, types, on: onSlots }
  } else {
    if (q.distinct) rel = { kind: 'distinct', width: rel.width, input: rel, types, on: undefined }
    if (sort.length > 0 && !ordered) rel = { kind: 'sort', width: rel.width, input: rel, keys: sort }
  }
  if (q.limit !== undefined || q.offset !== undefined) rel = { kind: 'limit', width: rel.width, input: rel, limit: q.limit, offset: q.offset }
  if (extras.length > 0) {
    const keep = outputs.map((e, i): Expr => ({ kind: 'column', type: e.type, slot: i, name: q.targets[i]?.name ?? '?column?' }))
    rel = { kind: 'project', width: outputs.length, input: rel, exprs: keep }
  }
  // Untyped literals stay unknown here: a set operation or INSERT resolves them by context.
  return { rel, names: q.targets.map((t) => t.name), types: outputs.map((e) => b.rawType(e)), outputs, columnNodes: q.targets.map((t) => t.node) }
}

/**
 * GROUPING(a, ...) over a group row: its arguments are grouped keys by now (columns `0..keyCount`);
 * the value is the bit mask of those not grouped in the row's set (read from `setSlot`).
 */
function resolveGrouping(e: Expr, sets: readonly (readonly number[])[] | undefined, keyCount: number, setSlot: number): Expr {
  if (e.kind !== 'grouping') return mapChildren(e, (c) => resolveGrouping(c, sets, keyCount, setSlot))
  const argKeys = e.args.map((a) => {
    if (a.kind !== 'column' || a.slot >= keyCount) {
      throw groupingError('arguments to GROUPING must be grouping expressions of the associated query level')
    }
    return a.slot
  })
  const masks = groupingMasks(sets ?? [Array.from({ length: keyCount }, (_, i) => i)], argKeys)
  if (sets === undefined) return { kind: 'const', type: e.type, value: masks[0] ?? 0n }
  const setIndex: Expr = { kind: 'column', type: { kind: 'int4' }, slot: setSlot, name: 'grouping' }
  const apply = (v: readonly Datum[]) => masks[Number(v[0])] ?? null
  return { kind: 'func', type: e.type, name: 'grouping', args: [setIndex], apply, strict: true, volatile: false }
}

/** PostgreSQL's rules tying DISTINCT [ON] to ORDER BY (42P10). */
function checkDistinctOrder(distinct: boolean, onSlots: readonly number[] | undefined, sortSlots: readonly number[], outputCount: number): void {
  if (onSlots !== undefined && sortSlots.length > 0) {
    // The DISTINCT ON expressions lead the ORDER BY, in any order among them.
    const leading = new Set(sortSlots.slice(0, onSlots.length))
    const led = sortSlots.length < onSlots.length ? sortSlots.every((slot) => onSlots.includes(slot)) : onSlots.every((slot) => leading.has(slot))
    if (!led) throw new SqlError('42P10', 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions')
  }
  if (distinct && onSlots === undefined && sortSlots.some((slot) => slot >= outputCount)) {
    throw new SqlError('42P10', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list')
  }
}

function rejectUnsupported(s: SelectStmt): void {
  if (s.intoClause !== undefined) throw featureNotSupported('SELECT INTO')
  for (const l of s.lockingClause ?? []) {
    // NOWAIT is what every lock here does (nothing waits; conflicts are found at commit), but
    // SKIP LOCKED promises to pass over rows others hold, and no row is held before commit.
    if ('LockingClause' in l && l.LockingClause.waitPolicy === 'LockWaitSkip') {
      throw new SqlError('0A000', 'SKIP LOCKED is not supported', {
        hint: 'Rows are not locked before commit here, so none could be skipped: without SKIP LOCKED, of two transactions that lock the same row the second to commit gets 40001.',
      })
    }
  }
}

/** Rewrites set-returning call references into columns of the ProjectSet output row. */
function unset(e: Expr, base: number): Expr {
  if (e.kind === 'setCall') return { kind: 'column', type: e.type, slot: base + e.index, name: '?column?' }
  return mapChildren(e, (c) => unset(c, base))
}

/** Rewrites window call references into columns of the window operator's output row. */
function unwindow(e: Expr, base: number): Expr {
  if (e.kind === 'windowCall') return { kind: 'column', type: e.type, slot: base + e.index, name: '?column?' }
  return mapChildren(e, (c) => unwindow(c, base))
}

function mapCall(c: WindowCall, f: (e: Expr) => Expr): WindowCall {
  const bound = (x: FrameBound): FrameBound => (x.kind === 'preceding' || x.kind === 'following' ? { ...x, offset: f(x.offset) } : x)
  return {
    ...c,
    args: c.args.map(f),
    aggregate:
      c.aggregate === undefined
        ? undefined
        : { ...c.aggregate, args: c.aggregate.args.map(f), ...(c.aggregate.filter === undefined ? {} : { filter: f(c.aggregate.filter) }) },
    partition: c.partition.map(f),
    orderExprs: c.orderExprs.map(f),
    frame: { ...c.frame, start: bound(c.frame.start), end: bound(c.frame.end) },
  }
}

/** DISTINCT ON (...) items: select-list references or expressions; undefined without ON. */
function bindDistinctOn(b: Binder, s: SelectStmt, scope: Scope, targets: readonly BoundTarget[], options: BindOptions) {
  const items = s.distinctClause
  if (items === undefined || !items.some((d) => Object.keys(d).length > 0)) return undefined
  return items.map((node) => {
    const at = targetReference(b, node, scope, targets, 'DISTINCT ON')
    if (at !== undefined) return { target: at as number | undefined, expr: (targets[at] as BoundTarget).expr }
    const expr = b.bind(node, scope, options)
    const same = targets.findIndex((t) => exprKey(t.expr) === exprKey(expr))
    return { target: same >= 0 ? same : undefined, expr }
  })
}

const FRAME = {
  range: 0x2,
  rows: 0x4,
  groups: 0x8,
  startUnboundedPreceding: 0x20,
  endUnboundedFollowing: 0x100,
  startCurrentRow: 0x200,
  endCurrentRow: 0x400,
  startOffsetPreceding: 0x800,
  endOffsetPreceding: 0x1000,
  startOffsetFollowing: 0x2000,
  endOffsetFollowing: 0x4000,
  excludeCurrentRow: 0x8000,
  excludeGroup: 0x10000,
  excludeTies: 0x20000,
} as const

/** Collects the window calls of one query level. */
function windowBinding(qc: QueryContext, windowClause: readonly Node[] | undefined, aggregates: AggregateCall[]): WindowBinding {
  // In order, as PostgreSQL does: a window may build on one defined before it (copy rules in
  // windowDef), and is kept with that one merged in.
  const named = new Map<string, Node>()
  for (const w of windowClause ?? []) {
    if (!('WindowDef' in w) || w.WindowDef.name === undefined) continue
    const def = w.WindowDef
    if (named.has(def.name as string)) throw new SqlError('42P20', `window "${def.name}" is already defined`)
    named.set(def.name as string, { WindowDef: def.refname === undefined ? def : { ...windowDef(def, named), name: def.name } })
  }
  const calls: WindowCall[] = []
  const binding: WindowBinding = {
    calls,
    named,
    bind(f, scope, options) {
      const call = bindWindowCall(qc.env.binder, f, scope, { ...options, windows: undefined, aggregates: options.aggregates ?? aggregates }, named)
      calls.push(call)
      return { kind: 'windowCall', type: call.type, index: calls.length - 1 }
    },
  }
  return binding
}

function bindWindowCall(b: Binder, f: FuncCall, scope: Scope, options: BindOptions, named: ReadonlyMap<string, Node>): WindowCall {
  const names = (f.funcname ?? []).map(stringOf)
  const name = names[names.length - 1] ?? ''
  const def = windowDef(f.over as WindowDef, named)
  if (f.agg_order !== undefined) throw new SqlError('0A000', 'aggregate ORDER BY is not implemented for window functions')
  if (f.agg_filter !== undefined && !AGGREGATES.has(name)) throw new SqlError('0A000', 'FILTER is not implemented for non-aggregate window functions')
  const inner: BindOptions = { ...options, clause: 'window function calls' }
  let args = (f.args ?? []).map((a) => b.bind(a, scope, inner))
  let aggregate: AggregateCall | undefined
  let type: SqlType
  if (AGGREGATES.has(name)) {
    const typed = args.map((a) => (a.type.kind === 'unknown' ? b.coerce(a, TEXT, 'implicit') : a))
    const resolved = resolveAggregate(name, typed.map((a) => a.type), f.agg_star === true)
    if (resolved === undefined) throw undefinedFunction(`${name}(${typed.map((a) => formatType(a.type)).join(', ')})`)
    args = typed.map((a, i) => b.coerce(a, resolved.argTypes[i] ?? a.type, 'implicit'))
    // FILTER: a row whose condition is not true is not part of the aggregate's frame input.
    const filter = f.agg_filter === undefined ? undefined : b.bindCondition(f.agg_filter, scope, { ...inner, clause: 'FILTER', aggregates: undefined })
    aggregate = { name, args, distinct: f.agg_distinct === true, type: resolved.type, ...(filter === undefined ? {} : { filter }) }
    if (aggregate.distinct) throw new SqlError('0A000', 'DISTINCT is not implemented for window functions')
    type = resolved.type
  } else if (WINDOW_FUNCTIONS.has(name)) {
    if (isHypotheticalSet(name) && args.length > 0) throw withinGroupRequired(name)
    args = windowArgs(b, name, args)
    const resolved = windowFunctionType(name, args.map((a) => a.type))
    if (resolved === undefined) throw undefinedFunction(`${name}(${args.map((a) => formatType(a.type)).join(', ')})`)
    type = resolved
  } else {
    throw new SqlError('42809', `OVER specified, but ${name} is not a window function nor an aggregate function`)
  }
  const partition = (def.partitionClause ?? []).map((p) => b.bind(p, scope, inner))
  const orderItems = (def.orderClause ?? []).map((o) => sortItem(b, o, scope, inner))
  return {
    name,
    args,
    type,
    aggregate,
    partition,
    orderExprs: orderItems.map((o) => o.expr),
    order: orderItems.map((o, i) => ({ slot: i, type: o.expr.type, desc: o.desc, nullsFirst: o.nullsFirst })),
    frame: frameOf(b, def, orderItems.map((o) => o.expr.type)),
  }
}

/**
 * The arguments of a window function, as PostgreSQL's signatures type them: `ntile(integer)`,
 * `nth_value(anyelement, integer)`, `lag/lead(anyelement [, integer])` and `lag/lead(anycompatible,
 * integer, anycompatible)`, whose value and default take their common type (so does the result). An
 * offset, count or position of another type (bigint, numeric), or a default of no common type,
 * matches no signature: 42883, as there.
 */
function windowArgs(b: Binder, name: string, args: Expr[]): Expr[] {
  const first = args[0]
  if (first === undefined) return args
  const noSuchFunction = () => undefinedFunction(`${name}(${args.map((a) => formatType(a.type)).join(', ')})`)
  const integer = (a: Expr) => {
    const k = a.type.kind
    if (k !== 'int2' && k !== 'int4' && k !== 'unknown') throw noSuchFunction()
    return b.coerce(a, int4Type, 'implicit')
  }
  if (name === 'ntile') return args.length === 1 ? [integer(first)] : args
  const fallback = args[2]
  // The value's type is the result's: an untyped literal gives none (anyelement); beside a
  // default (anycompatible) the two take their common type, text when both are untyped.
  if (first.type.kind === 'unknown' && fallback === undefined) {
    throw new SqlError('42804', 'could not determine polymorphic type because input has type unknown')
  }
  const value = first.type.kind === 'unknown' && fallback?.type.kind === 'unknown' ? b.coerce(first, TEXT, 'implicit') : first
  if (name === 'nth_value') return args.length === 2 ? [value, integer(args[1] as Expr)] : args
  if (name !== 'lag' && name !== 'lead') return [value, ...args.slice(1)]
  if (args.length === 1) return [value]
  const offset = integer(args[1] as Expr)
  if (fallback === undefined || args.length > 3) return [value, offset, ...args.slice(2)]
  let type: SqlType
  try {
    type = commonType([value.type, fallback.type], name)
  } catch (e) {
    if (e instanceof SqlError && (e.code === '42804' || e.code === '42846')) throw noSuchFunction()
    throw e
  }
  return [b.coerce(value, type, 'implicit'), offset, b.coerce(fallback, type, 'implicit')]
}

/** A window definition with a named window it refers to merged in (PostgreSQL's copy rules). */
function windowDef(over: WindowDef, named: ReadonlyMap<string, Node>): WindowDef {
  const ref = over.refname ?? (over.partitionClause === undefined && over.orderClause === undefined && over.name !== undefined ? over.name : undefined)
  if (ref === undefined) return over
  const base = named.get(ref)
  if (base === undefined || !('WindowDef' in base)) throw new SqlError('42704', `window "${ref}" does not exist`)
  const w = base.WindowDef
  if (over.refname !== undefined) {
    // A copy of window `ref` may add an ORDER BY or a frame, nothing else (PostgreSQL's rules).
    if (over.partitionClause !== undefined) throw new SqlError('42P20', `cannot override PARTITION BY clause of window "${ref}"`)
    if (over.orderClause !== undefined && w.orderClause !== undefined) throw new SqlError('42P20', `cannot override ORDER BY clause of window "${ref}"`)
    if (((w.frameOptions ?? 0) & 1) !== 0) {
      const plain = over.orderClause === undefined && ((over.frameOptions ?? 0) & 1) === 0
      throw new SqlError('42P20', `cannot copy window "${ref}" because it has a frame clause`, plain ? { hint: 'Omit the parentheses in this OVER clause.' } : {})
    }
  }
  return {
    ...w,
    orderClause: over.orderClause ?? w.orderClause,
    frameOptions: over.refname !== undefined && ((over.frameOptions ?? 0) & 1) !== 0 ? over.frameOptions : w.frameOptions,
    startOffset: over.startOffset ?? w.startOffset,
    endOffset: over.endOffset ?? w.endOffset,
  }
}

function frameOf(b: Binder, def: WindowDef, orderTypes: readonly SqlType[]): WindowFrame {
  const o = def.frameOptions ?? FRAME.range | FRAME.startUnboundedPreceding | FRAME.endCurrentRow
  const mode = (o & FRAME.rows) !== 0 ? 'rows' : (o & FRAME.groups) !== 0 ? 'groups' : 'range'
  const offset = (node: Node | undefined) => {
    assert(node !== undefined, 'a frame offset is given')
    const bound = b.bind(node, { tables: [], columns: [] }, { clause: 'window frame' })
    return mode === 'range' ? rangeOffset(b, bound, orderTypes) : b.coerce(bound, INT8, 'implicit')
  }
  const start: FrameBound =
    (o & FRAME.startUnboundedPreceding) !== 0
      ? { kind: 'unbounded' }
      : (o & FRAME.startCurrentRow) !== 0
        ? { kind: 'current' }
        : { kind: (o & FRAME.startOffsetPreceding) !== 0 ? 'preceding' : 'following', offset: offset(def.startOffset) }
  const end: FrameBound =
    (o & FRAME.endUnboundedFollowing) !== 0
      ? { kind: 'unbounded' }
      : (o & FRAME.endCurrentRow) !== 0
        ? { kind: 'current' }
        : { kind: (o & FRAME.endOffsetPreceding) !== 0 ? 'preceding' : 'following', offset: offset(def.endOffset) }
  if (mode === 'groups' && orderTypes.length === 0) throw new SqlError('42P20', 'GROUPS mode requires an ORDER BY clause')
  const exclude: FrameExclusion =
    (o & FRAME.excludeCurrentRow) !== 0 ? 'current row' : (o & FRAME.excludeGroup) !== 0 ? 'group' : (o & FRAME.excludeTies) !== 0 ? 'ties' : 'no others'
  return { mode, start, end, exclude }
}

/**
 * A RANGE frame's offset, typed as PostgreSQL's in_range support functions take it: an integer for
 * an integer column (int8 here, whatever integer type is given: the two offsets of a frame then
 * share one type), the column's numeric type, float8 for a float, an interval for dates, times,
 * timestamps and intervals. Exactly one ORDER BY column (42P20); another column type, or an offset
 * that does not cast implicitly to the one it takes (numeric for an integer column), is 0A000, as
 * there.
 */
function rangeOffset(b: Binder, offset: Expr, orderTypes: readonly SqlType[]): Expr {
  if (orderTypes.length !== 1) throw new SqlError('42P20', 'RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column')
  const column = orderTypes[0] as SqlType
  const takes = RANGE_OFFSET_TYPE[column.kind]
  if (takes === undefined) throw new SqlError('0A000', `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${formatType(column)}`)
  if (offset.type.kind !== 'unknown' && !canCast(offset.type, takes, 'implicit')) {
    throw new SqlError('0A000', `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${formatType(column)} and offset type ${formatType(offset.type)}`)
  }
  return b.coerce(offset, takes, 'implicit')
}

/** The offset type in_range takes per ORDER BY column type. */
const RANGE_OFFSET_TYPE: Readonly<Record<string, SqlType>> = {
  int2: INT8,
  int4: INT8,
  int8: INT8,
  numeric: numericType,
  float4: float8Type,
  float8: float8Type,
  date: intervalType,
  timestamp: intervalType,
  timestamptz: intervalType,
  time: intervalType,
  interval: intervalType,
}

function sortItem(b: Binder, item: Node, scope: Scope, options: BindOptions): { expr: Expr; desc: boolean; nullsFirst: boolean } {
  assert('SortBy' in item, 'ORDER BY holds SortBy nodes')
  const s: SortBy = item.SortBy
  assert(s.node !== undefined, 'a sort item has an expression')
  const expr = b.bind(s.node, scope, options)
  return { expr, ...sortDirection(s, expr.type, (location) => b.position(location)) }
}


interface BoundTarget {
  readonly name: string
  readonly expr: Expr
  /** The parse node `expr` was bound from; none for the columns a star or `(r).*` expands to. */
  readonly node?: Node
}

/** Binds a target list, expanding `*` and `t.*` to the visible columns. */
export function bindTargets(
  b: Binder,
  list: readonly Node[],
  scope: Scope,
  options: BindOptions,
): BoundTarget[] {
  const out: BoundTarget[] = []
  for (const item of list) {
    assert('ResTarget' in item, 'a target list holds ResTargets')
    const t: ResTarget = item.ResTarget
    const val = t.val
    assert(val !== undefined, 'a select target has a value')
    const star = starTable(val)
    if (star !== undefined) {
      out.push(...expandStar(b, scope, star, locationOf(val)))
      continue
    }
    const record = starredRecord(val)
    if (record !== undefined) {
      // `(r).*`: one column per field of the record.
      out.push(...b.recordFields(b.bind(record, scope, options)))
      continue
    }
    out.push({ name: t.name ?? outputName(val), expr: b.bind(val, scope, options), node: val })
  }
  return out
}

/** `(r).*` gives the record expression `r` (with any indirection before the star), anything
 * else undefined. */
function starredRecord(val: Node): Node | undefined {
  if (!('A_Indirection' in val)) return undefined
  const { arg, indirection = [] } = val.A_Indirection
  const last = indirection[indirection.length - 1]
  if (arg === undefined || last === undefined || !('A_Star' in last)) return undefined
  return indirection.length === 1 ? arg : { A_Indirection: { arg, indirection: indirection.slice(0, -1) } }
}

/** `*` gives '', `t.*` gives 't', anything else undefined. */
function starTable(val: Node): string | undefined {
  if (!('ColumnRef' in val)) return undefined
  const fields = val.ColumnRef.fields ?? []
  const last = fields[fields.length - 1]
  if (last === undefined || !('A_Star' in last)) return undefined
  return fields.length === 1 ? '' : stringOf(fields[0])
}

function expandStar(b: Binder, scope: Scope, table: string, location: number | undefined): BoundTarget[] {
  if (table !== '' && !scope.tables.includes(table)) {
    throw new SqlError('42P01', `missing FROM-clause entry for table "${table}"`, { position: b.position(location ?? 0) })
  }
  if (scope.tables.length === 0) throw new SqlError('42601', 'SELECT * with no tables specified is not valid', { position: b.position(location ?? 0) })
  return scope.columns
    .filter((c) => !c.hidden && (table === '' ? c.starHidden !== true : c.table === table))
    .map((c) => ({ name: c.name, expr: c.value ?? { kind: 'column', type: c.type, slot: c.slot, name: c.name } }))
}

/** PostgreSQL's name for an unnamed output column. */
function outputName(val: Node): string {
  if ('ColumnRef' in val) {
    // The last name (`p` of `p.*`).
    const names = (val.ColumnRef.fields ?? []).filter((f) => 'String' in f)
    return names.length === 0 ? '?column?' : stringOf(names[names.length - 1])
  }
  if ('FuncCall' in val) {
    const names = val.FuncCall.funcname ?? []
    return stringOf(names[names.length - 1])
  }
  if ('TypeCast' in val) {
    const arg = val.TypeCast.arg
    if (arg !== undefined && !('A_Const' in arg) && !('ParamRef' in arg)) {
      const inner = outputName(arg)
      if (inner !== '?column?') return inner
    }
    const names = val.TypeCast.typeName?.names ?? []
    return stringOf(names[names.length - 1])
  }
  if ('A_Indirection' in val) {
    // `(p).id` is named after the field, `a[1]` after the array.
    const { arg, indirection = [] } = val.A_Indirection
    const field = [...indirection].reverse().find((n) => 'String' in n)
    if (field !== undefined) return stringOf(field)
    return arg === undefined ? '?column?' : outputName(arg)
  }
  if ('SubLink' in val) return subLinkName(val.SubLink)
  if ('A_ArrayExpr' in val) return 'array'
  if ('MinMaxExpr' in val) return val.MinMaxExpr.op === 'IS_LEAST' ? 'least' : 'greatest'
  if ('RowExpr' in val) return 'row'
  if ('CaseExpr' in val) return 'case'
  if ('CoalesceExpr' in val) return 'coalesce'
  if ('A_Expr' in val && val.A_Expr.kind === 'AEXPR_NULLIF') return 'nullif'
  if ('SQLValueFunction' in val) return (val.SQLValueFunction.op ?? '').replace('SVFOP_', '').toLowerCase()
  if ('MergeSupportFunc' in val) return 'merge_action'
  return '?column?'
}

/** A subquery's output name: EXISTS and ARRAY(...) are named so, a scalar subquery after its
 * one column (of the leftmost SELECT of a set operation), as PostgreSQL names them. */
function subLinkName(link: SubLink): string {
  if (link.subLinkType === 'EXISTS_SUBLINK') return 'exists'
  if (link.subLinkType === 'ARRAY_SUBLINK') return 'array'
  if (link.subLinkType !== 'EXPR_SUBLINK' || link.subselect === undefined || !('SelectStmt' in link.subselect)) return '?column?'
  let select: SelectStmt = link.subselect.SelectStmt
  while (select.larg !== undefined && select.op !== undefined && select.op !== 'SETOP_NONE') select = select.larg
  const first = select.targetList?.[0]
  if (first === undefined || !('ResTarget' in first)) return '?column?'
  const target = first.ResTarget
  return target.name ?? (target.val === undefined ? '?column?' : outputName(target.val))
}

/** A GROUP BY item: an ordinal or output name refers to the select list, else an input expression. */
function bindGroupItem(b: Binder, g: Node, scope: Scope, targets: readonly BoundTarget[]): Expr {
  const byTarget = targetReference(b, g, scope, targets, 'GROUP BY')
  if (byTarget !== undefined) {
    const t = targets[byTarget] as BoundTarget
    if (contains(t.expr, 'aggregate')) throw groupingError('aggregate functions are not allowed in GROUP BY')
    return t.expr
  }
  return b.bind(g, scope, { clause: 'GROUP BY' })
}

/** Whether `e` holds an expression of `kind` anywhere (aggregate calls, GROUPING). */
const contains = (e: Expr, kind: Expr['kind']): boolean => someExpr(e, (x) => x.kind === kind)

/** An ordinal (`1`) or a bare output name not shadowed by an input column: the target index. Any
 * other constant written alone (`'x'`, `NULL`, `1.5`, a number past int4) is 42601, as in
 * PostgreSQL: it would sort or group nothing, and most likely a column name was meant. */
function targetReference(b: Binder, node: Node, scope: Scope, targets: readonly BoundTarget[], clause: string): number | undefined {
  if ('A_Const' in node) {
    const position = b.position(node.A_Const.location ?? 0)
    if (node.A_Const.ival === undefined) throw new SqlError('42601', `non-integer constant in ${clause}`, { position })
    const n = node.A_Const.ival.ival ?? 0
    if (n < 1 || n > targets.length) throw new SqlError('42P10', `${clause} position ${n} is not in select list`, { position })
    return n - 1
  }
  if ('ColumnRef' in node) {
    const fields = node.ColumnRef.fields ?? []
    if (fields.length !== 1 || !('String' in (fields[0] as Node))) return undefined
    const name = stringOf(fields[0])
    const isInput = scope.columns.some((c) => !c.hidden && c.name === name)
    // ORDER BY prefers output names, GROUP BY input columns (SQL92 vs SQL99 rules, as PostgreSQL).
    if (clause === 'GROUP BY' && isInput) return undefined
    const at = targets.findIndex((t) => t.name === name)
    if (at >= 0 && clause === 'ORDER BY' && targets.some((t, i) => i !== at && t.name === name && exprKey(t.expr) !== exprKey((targets[at] as BoundTarget).expr))) {
      throw new SqlError('42702', `ORDER BY "${name}" is ambiguous`)
    }
    return at >= 0 ? at : undefined
  }
  return undefined
}

interface BoundSort {
  readonly target: number | undefined
  readonly expr: Expr
  readonly desc: boolean
  readonly nullsFirst: boolean
}

function bindSortItem(b: Binder, item: Node, scope: Scope, targets: readonly BoundTarget[], options: BindOptions): BoundSort {
  assert('SortBy' in item, 'ORDER BY holds SortBy nodes')
  const s: SortBy = item.SortBy
  const node = s.node
  assert(node !== undefined, 'a sort item has an expression')
  const at = targetReference(b, node, scope, targets, 'ORDER BY')
  if (at !== undefined) {
    const target = (targets[at] as BoundTarget).expr
    return { target: at, expr: target, ...sortDirection(s, target.type, (location) => b.position(location)) }
  }
  const expr = b.bind(node, scope, options)
  const key = exprKey(expr)
  const same = targets.findIndex((t) => exprKey(t.expr) === key)
  return { target: same >= 0 ? same : undefined, expr, ...sortDirection(s, expr.type, (location) => b.position(location)) }
}

/** The slot of a sort-only (or DISTINCT ON) expression after the outputs; one slot per distinct
 * expression, so ORDER BY g and DISTINCT ON (g) share it. */
function placeExtra(extras: Expr[], outputs: readonly Expr[], e: Expr): number {
  const key = exprKey(e)
  const at = extras.findIndex((x) => exprKey(x) === key)
  if (at >= 0) return outputs.length + at
  extras.push(e)
  return outputs.length + extras.length - 1
}

/** LIMIT / OFFSET: constant per execution, so they may read an enclosing query, not their own. */
function bindLimit(b: Binder, node: Node | undefined, clause: string, parent: ParentLink | undefined): Expr | undefined {
  if (node === undefined) return undefined
  if ('A_Const' in node && node.A_Const.isnull === true) return undefined
  const e = b.bind(node, { tables: [], columns: [], parent }, { clause })
  return b.coerce(e, INT8, 'implicit')
}

/** The column ordering the sort needs, when every key is a plain table column. */
function orderRequest(sort: readonly SortKey[], projected: readonly Expr[]): OrderRequest | undefined {
  if (sort.length === 0) return undefined
  const desc = (sort[0] as SortKey).desc
  const slots: number[] = []
  for (const k of sort) {
    const e = projected[k.slot]
    if (e?.kind !== 'column' || k.desc !== desc) return undefined
    slots.push(e.slot)
  }
  return { slots, desc, nullsFirst: sort.map((k) => k.nullsFirst) }
}

/** Binds RETURNING over the table row. */
export function bindReturning(b: Binder, list: readonly Node[] | undefined, scope: Scope): Returning | undefined {
  if (list === undefined || list.length === 0) return undefined
  const targets = bindTargets(b, list, scope, { clause: 'RETURNING' })
  return {
    outputs: targets.map((t) => t.expr),
    names: targets.map((t) => t.name),
    get fields(): readonly Field[] {
      return targets.map((t) => ({ name: t.name, type: typeNameOf(b.outputType(t.expr)) }))
    },
    get fieldTypes(): readonly SqlType[] {
      return targets.map((t) => b.outputType(t.expr))
    },
  }
}
