// Binding and planning of SELECT (ARCHITECTURE.md "query processor": bind, plan): FROM, WHERE,
// target list, GROUP BY / aggregates / HAVING, DISTINCT, ORDER BY, LIMIT/OFFSET and FOR UPDATE.
import type { Node, RangeVar, ResTarget, SelectStmt, SortBy } from 'libpg-query'
import { assert, featureNotSupported, groupingError, SqlError } from '../errors/index.ts'
import { typeName as typeNameOf, type SqlType } from './types/index.ts'
import {
  EMPTY_SCOPE,
  exprKey,
  locationOf,
  regroup,
  stringOf,
  type AggregateCall,
  type Binder,
  type Scope,
} from './binder.ts'
import type { Table } from './catalog.ts'
import { mapChildren, type Expr } from './expr.ts'
import type { Field } from './index.ts'
import type { ParseCache } from './parser.ts'
import {
  chooseAccess,
  conjuncts,
  type Grouping,
  type OrderRequest,
  type Returning,
  type SelectPlan,
  type SortKey,
  type Source,
} from './planner.ts'

/** What binding needs from the transaction: tables at its snapshot (recorded as read). */
export interface BindEnv {
  readonly parse: ParseCache
  readonly binder: Binder
  /** The table's definition at the snapshot plus writes; 42P01 when missing. */
  table(name: string, location?: number): Table
}

const INT8: SqlType = { kind: 'int8' }

/** The scope of one table's row: column slots are column positions. */
export function tableScope(table: Table, alias: string): Scope {
  return {
    tables: [alias],
    columns: table.columns.map((c) => ({ table: alias, name: c.name, type: c.type, slot: c.position, hidden: c.hidden })),
  }
}

/** Resolves a FROM item that must be a plain table (schema `public` allowed). */
export function rangeTable(env: BindEnv, rv: RangeVar): { table: Table; alias: string } {
  if (rv.schemaname !== undefined && rv.schemaname !== 'public') {
    throw new SqlError('3F000', `schema "${rv.schemaname}" does not exist`, { position: (rv.location ?? 0) + 1 })
  }
  const name = rv.relname ?? ''
  return { table: env.table(name, rv.location), alias: rv.alias?.aliasname ?? name }
}

/** Binds and plans a SELECT. `top` finishes parameter typing (outputs may be bare `$n`). */
export function planSelect(env: BindEnv, s: SelectStmt, top: boolean): SelectPlan {
  rejectUnsupported(s)
  const from = bindFrom(env, s.fromClause ?? [])
  const scope = from === undefined ? EMPTY_SCOPE : tableScope(from.table, from.alias)
  const b = env.binder
  const where = s.whereClause === undefined ? undefined : b.bindCondition(s.whereClause, scope, { clause: 'WHERE' })
  const aggregates: AggregateCall[] = []
  const withAggs = { clause: 'the select list', aggregates }
  const targets = bindTargets(b, s.targetList ?? [], scope, withAggs)
  const groupKeys = (s.groupClause ?? []).map((g) => bindGroupItem(b, g, scope, targets))
  const having = s.havingClause === undefined ? undefined : b.bindCondition(s.havingClause, scope, { clause: 'HAVING', aggregates })
  const order = (s.sortClause ?? []).map((item) => bindSortItem(b, item, scope, targets, aggregates))
  const grouped = aggregates.length > 0 || groupKeys.length > 0 || having !== undefined
  const distinct = s.distinctClause !== undefined
  const lock = (s.lockingClause?.length ?? 0) > 0
  if (lock && (grouped || distinct || from === undefined)) {
    throw featureNotSupported(`FOR UPDATE with ${grouped ? 'aggregate functions or GROUP BY' : distinct ? 'DISTINCT' : 'no FROM'}`)
  }
  const keyStrings = groupKeys.map(exprKey)
  const toGroup = (e: Expr) => (grouped ? regroup(e, keyStrings, groupKeys.length) : e)
  const outputs = targets.map((t) => toGroup(t.expr))
  const extras: Expr[] = []
  const sortExprs = order.map((o) => (o.target !== undefined ? undefined : toGroup(o.expr)))
  const sortSlots = order.map((o, i) => o.target ?? placeExtra(extras, outputs, sortExprs[i] as Expr))
  if (distinct && sortSlots.some((slot) => slot >= outputs.length)) {
    throw new SqlError('42P10', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list')
  }
  const limit = bindLimit(b, s.limitCount, 'LIMIT')
  const offset = bindLimit(b, s.limitOffset, 'OFFSET')
  if (top) b.finishParams()
  const projected = [...outputs, ...extras]
  const sort: SortKey[] = order.map((o, i) => {
    const slot = sortSlots[i] as number
    return { slot, type: b.outputType(projected[slot] as Expr), desc: o.desc, nullsFirst: o.nullsFirst }
  })
  let source: Source = { kind: 'none' }
  let ordered = false
  if (from !== undefined) {
    const request = grouped || distinct ? undefined : orderRequest(sort, projected)
    const chosen = chooseAccess(from.table, conjuncts(where), request, limit !== undefined)
    source = { kind: 'table', table: from.table, alias: from.alias, access: chosen.access, filter: where, lock }
    ordered = chosen.ordered
  }
  const grouping: Grouping | undefined = grouped
    ? { keys: groupKeys, aggregates, having: having === undefined ? undefined : toGroup(having) }
    : undefined
  const fieldTypes = outputs.map((e) => b.outputType(e))
  return {
    kind: 'select',
    source,
    grouping,
    outputs,
    extras,
    fields: targets.map((t, i) => ({ name: t.name, type: typeNameOf(fieldTypes[i] as SqlType) })),
    fieldTypes,
    distinct,
    sort: sort.length === 0 || ordered ? undefined : sort,
    limit,
    offset,
  }
}

function rejectUnsupported(s: SelectStmt): void {
  if (s.op !== undefined && s.op !== 'SETOP_NONE') throw featureNotSupported('UNION, INTERSECT and EXCEPT')
  if (s.withClause !== undefined) throw featureNotSupported('WITH')
  if (s.valuesLists !== undefined) throw featureNotSupported('VALUES as a query')
  if (s.intoClause !== undefined) throw featureNotSupported('SELECT INTO')
  if (s.windowClause !== undefined) throw featureNotSupported('WINDOW')
  if (s.distinctClause !== undefined && s.distinctClause.some((d) => Object.keys(d).length > 0)) {
    throw featureNotSupported('DISTINCT ON')
  }
  for (const l of s.lockingClause ?? []) {
    const strength = 'LockingClause' in l ? l.LockingClause.strength : undefined
    if (strength !== 'LCS_FORUPDATE' && strength !== 'LCS_FORNOKEYUPDATE') throw featureNotSupported('FOR SHARE and FOR KEY SHARE')
    if ('LockingClause' in l && l.LockingClause.waitPolicy !== undefined && l.LockingClause.waitPolicy !== 'LockWaitBlock') {
      throw featureNotSupported('NOWAIT and SKIP LOCKED')
    }
  }
}

function bindFrom(env: BindEnv, items: readonly Node[]): { table: Table; alias: string } | undefined {
  if (items.length === 0) return undefined
  const item = items[0] as Node
  if (items.length > 1 || 'JoinExpr' in item) throw featureNotSupported('joins')
  if (!('RangeVar' in item)) throw featureNotSupported('subqueries and functions in FROM')
  return rangeTable(env, item.RangeVar)
}

interface BoundTarget {
  readonly name: string
  readonly expr: Expr
}

/** Binds a target list, expanding `*` and `t.*` to the visible columns. */
export function bindTargets(
  b: Binder,
  list: readonly Node[],
  scope: Scope,
  options: { clause: string; aggregates?: AggregateCall[] | undefined },
): BoundTarget[] {
  const out: BoundTarget[] = []
  for (const item of list) {
    assert('ResTarget' in item, 'a target list holds ResTargets')
    const t: ResTarget = item.ResTarget
    const val = t.val
    assert(val !== undefined, 'a select target has a value')
    const star = starTable(val)
    if (star !== undefined) {
      out.push(...expandStar(scope, star, locationOf(val)))
      continue
    }
    out.push({ name: t.name ?? outputName(val), expr: b.bind(val, scope, options) })
  }
  return out
}

/** `*` gives '', `t.*` gives 't', anything else undefined. */
function starTable(val: Node): string | undefined {
  if (!('ColumnRef' in val)) return undefined
  const fields = val.ColumnRef.fields ?? []
  const last = fields[fields.length - 1]
  if (last === undefined || !('A_Star' in last)) return undefined
  return fields.length === 1 ? '' : stringOf(fields[0])
}

function expandStar(scope: Scope, table: string, location: number | undefined): BoundTarget[] {
  if (table !== '' && !scope.tables.includes(table)) {
    throw new SqlError('42P01', `missing FROM-clause entry for table "${table}"`, { position: (location ?? 0) + 1 })
  }
  if (scope.tables.length === 0) throw new SqlError('42601', 'SELECT * with no tables specified is not valid', { position: (location ?? 0) + 1 })
  return scope.columns
    .filter((c) => !c.hidden && (table === '' || c.table === table))
    .map((c) => ({ name: c.name, expr: { kind: 'column', type: c.type, slot: c.slot, name: c.name } }))
}

/** PostgreSQL's name for an unnamed output column. */
function outputName(val: Node): string {
  if ('ColumnRef' in val) {
    const fields = val.ColumnRef.fields ?? []
    return stringOf(fields[fields.length - 1])
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
  if ('CaseExpr' in val) return 'case'
  if ('CoalesceExpr' in val) return 'coalesce'
  if ('A_Expr' in val && val.A_Expr.kind === 'AEXPR_NULLIF') return 'nullif'
  if ('SQLValueFunction' in val) return (val.SQLValueFunction.op ?? '').replace('SVFOP_', '').toLowerCase()
  return '?column?'
}

/** A GROUP BY item: an ordinal or output name refers to the select list, else an input expression. */
function bindGroupItem(b: Binder, g: Node, scope: Scope, targets: readonly BoundTarget[]): Expr {
  const byTarget = targetReference(g, scope, targets, 'GROUP BY')
  if (byTarget !== undefined) {
    const t = targets[byTarget] as BoundTarget
    if (containsAggregate(t.expr)) throw groupingError('aggregate functions are not allowed in GROUP BY')
    return t.expr
  }
  return b.bind(g, scope, { clause: 'GROUP BY' })
}

function containsAggregate(e: Expr): boolean {
  let found = e.kind === 'aggregate'
  mapChildren(e, (c) => {
    found ||= containsAggregate(c)
    return c
  })
  return found
}

/** An ordinal (`1`) or a bare output name not shadowed by an input column: the target index. */
function targetReference(node: Node, scope: Scope, targets: readonly BoundTarget[], clause: string): number | undefined {
  if ('A_Const' in node && node.A_Const.ival !== undefined) {
    const n = node.A_Const.ival.ival ?? 0
    if (n < 1 || n > targets.length) {
      throw new SqlError('42P10', `${clause} position ${n} is not in select list`, { position: (node.A_Const.location ?? 0) + 1 })
    }
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

function bindSortItem(b: Binder, item: Node, scope: Scope, targets: readonly BoundTarget[], aggregates: AggregateCall[]): BoundSort {
  assert('SortBy' in item, 'ORDER BY holds SortBy nodes')
  const s: SortBy = item.SortBy
  if (s.useOp !== undefined) throw featureNotSupported('ORDER BY ... USING')
  const node = s.node
  assert(node !== undefined, 'a sort item has an expression')
  const desc = s.sortby_dir === 'SORTBY_DESC'
  const nullsFirst = s.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : s.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc
  const at = targetReference(node, scope, targets, 'ORDER BY')
  if (at !== undefined) return { target: at, expr: (targets[at] as BoundTarget).expr, desc, nullsFirst }
  const expr = b.bind(node, scope, { clause: 'ORDER BY', aggregates })
  const key = exprKey(expr)
  const same = targets.findIndex((t) => exprKey(t.expr) === key)
  return { target: same >= 0 ? same : undefined, expr, desc, nullsFirst }
}

function placeExtra(extras: Expr[], outputs: readonly Expr[], e: Expr): number {
  extras.push(e)
  return outputs.length + extras.length - 1
}

function bindLimit(b: Binder, node: Node | undefined, clause: string): Expr | undefined {
  if (node === undefined) return undefined
  if ('A_Const' in node && node.A_Const.isnull === true) return undefined
  const e = b.bind(node, EMPTY_SCOPE, { clause })
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
    get fields(): readonly Field[] {
      return targets.map((t) => ({ name: t.name, type: typeNameOf(b.outputType(t.expr)) }))
    },
    get fieldTypes(): readonly SqlType[] {
      return targets.map((t) => b.outputType(t.expr))
    },
  }
}
