// INSERT, UPDATE and DELETE (ARCHITECTURE.md step 3): bound and planned like reads, executed into
// the write buffer; ON CONFLICT, RETURNING and moving rows whose primary key changes.
import type { DeleteStmt, InsertStmt, Node, OnConflictClause, ResTarget, UpdateStmt } from 'libpg-query'
import type { Key } from '../encoding/index.ts'
import { assert, assertNever, duplicateColumn, featureNotSupported, SqlError, undefinedColumn } from '../errors/index.ts'
import type { Datum } from './types/index.ts'
import { asObjectName, EMPTY_SCOPE, exprKey, type Scope } from './binder.ts'
import { bareName, declaredKeyName, type ColumnDef, type IndexDef, type Table } from './catalog.ts'
import { evaluate, type Expr } from './expr.ts'
import type { ParseCache } from './parser.ts'
import { whenDone } from './when-done.ts'
import { drainPausing, PAUSE, relRows, resultTooLarge, runSelectPausing, sourceRows, type ExecContext, type Pause, type Turn } from './executor.ts'
import {
  chooseAccess,
  conjuncts,
  type ConflictAction,
  type DeletePlan,
  type InsertPlan,
  type Returning,
  type TableSource,
  type UpdatePlan,
} from './planner.ts'
import { bindDmlFrom, bindReturning, NOT_ENCLOSED, planSelect, rangeTable, statementCtes, tableScope, type BindEnv, type Enclosing } from './select.ts'
import { primaryKey } from './rows.ts'
import { constraintsOf, DeferredChecks, TableWriter, type WriteSink } from './table-writer.ts'
import { indexKeysOf } from './index-keys.ts'

/** What a DML statement produced: rows affected and RETURNING rows. */
export interface DmlResult {
  readonly count: number
  readonly returned: Datum[][]
}

const columnMissing = (name: string, table: string) =>
  new SqlError('42703', `column "${name}" of relation "${bareName(table)}" does not exist`)

function targetColumn(table: Table, name: string): ColumnDef {
  const column = table.columnsByName.get(name)
  if (column === undefined) throw columnMissing(name, table.name)
  return column
}

/** Binds an INSERT; `outer` as for planSelect (its WITH's CTEs are seen by the query, the VALUES
 * lists, ON CONFLICT and RETURNING). */
export function planInsert(env: BindEnv, s: InsertStmt, outer: Enclosing = NOT_ENCLOSED): InsertPlan {
  assert(s.relation !== undefined, 'INSERT names a table')
  const ctes = statementCtes(env, s.withClause, outer)
  const { table, alias } = rangeTable(env, s.relation, 'insert into')
  const b = env.binder
  let columns = insertColumns(table, s.cols ?? [], insertWidth(s))
  const defaults = constraintsOf(table, env.parse, env.binder.storedTypes).defaults
  const fill = (given: (position: number) => Expr | undefined): Expr[] =>
    table.columns.map((c) => given(c.position) ?? (defaults[c.position] as Expr))
  const select = s.selectStmt
  let rows: InsertPlan['rows']
  if (select === undefined) {
    rows = { kind: 'values', rows: [fill(() => undefined)] }
  } else {
    assert('SelectStmt' in select, 'INSERT reads from a SELECT')
    const values = select.SelectStmt.valuesLists
    if (values !== undefined) {
      // `INSERT INTO t WITH x AS (...) VALUES (...)`: the lists see that WITH's CTEs too.
      const scope: Scope = { ...EMPTY_SCOPE, ctes: statementCtes(env, select.SelectStmt.withClause, { ctes, modifying: undefined }) }
      rows = { kind: 'values', rows: values.map((list) => fill(valuesRow(env, scope, columns, list, defaults, s.override))) }
    } else {
      const plan = planSelect(env, select.SelectStmt, false, { ctes, modifying: undefined })
      if ((s.cols?.length ?? 0) === 0) columns = insertColumns(table, [], plan.fieldTypes.length)
      checkArity(columns.length, plan.fieldTypes.length)
      const build = fill((position) => {
        const at = columns.findIndex((c) => c.position === position)
        if (at < 0) return undefined
        const col = columns[at] as ColumnDef
        if (!givenValueUsed(col, s.override)) return undefined
        const output: Expr = { kind: 'column', type: plan.fieldTypes[at]!, slot: at, name: col.name }
        return b.coerceToColumn(asObjectName(output, plan.outputs?.[at]), col.type, col.name)
      })
      rows = { kind: 'select', plan, build }
    }
  }
  const scope: Scope = { ...tableScope(table, alias), ctes }
  const onConflict = bindOnConflict(env, table, alias, s.onConflictClause, ctes)
  return { kind: 'insert', table, rows, onConflict, returning: bindReturning(b, s.returningClause?.exprs, scope) }
}

/** The number of values each source row has (VALUES lists share one length; the parser checks). */
function insertWidth(s: InsertStmt): number | undefined {
  const select = s.selectStmt
  if (select === undefined || !('SelectStmt' in select)) return undefined
  const first = select.SelectStmt.valuesLists?.[0]
  if (first !== undefined && 'List' in first) return first.List.items?.length ?? 0
  return undefined
}

/** The target columns: the list given, else the leading visible columns (the rest get defaults). */
export function insertColumns(table: Table, cols: readonly Node[], width: number | undefined): ColumnDef[] {
  if (cols.length === 0) {
    const visible = table.columns.filter((c) => !c.hidden)
    if (width !== undefined && width > visible.length) checkArity(visible.length, width)
    return width === undefined ? visible : visible.slice(0, width)
  }
  const seen = new Set<string>()
  return cols.map((n) => {
    assert('ResTarget' in n, 'INSERT columns are ResTargets')
    if ((n.ResTarget.indirection?.length ?? 0) > 0) throw featureNotSupported('INSERT into subfields or array elements')
    const name = n.ResTarget.name ?? ''
    if (seen.has(name)) throw duplicateColumn(name)
    seen.add(name)
    return targetColumn(table, name)
  })
}

function checkArity(columns: number, values: number): void {
  if (values > columns) throw new SqlError('42601', 'INSERT has more expressions than target columns')
  if (values < columns) throw new SqlError('42601', 'INSERT has more target columns than expressions')
}

/**
 * Whether an explicit value for an identity column is used: GENERATED ALWAYS refuses one (428C9)
 * unless OVERRIDING SYSTEM VALUE; OVERRIDING USER VALUE ignores it (the sequence fills the column).
 */
function givenValueUsed(col: ColumnDef, override: InsertStmt['override']): boolean {
  if (col.generated !== undefined) {
    throw new SqlError('428C9', `cannot insert a non-DEFAULT value into column "${col.name}"`, {
      detail: `Column "${col.name}" is a generated column.`,
    })
  }
  if (col.identity === undefined) return true
  if (override === 'OVERRIDING_USER_VALUE') return false
  if (col.identity === 'always' && override !== 'OVERRIDING_SYSTEM_VALUE') {
    throw new SqlError('428C9', `cannot insert a non-DEFAULT value into column "${col.name}"`, {
      detail: `Column "${col.name}" is an identity column defined as GENERATED ALWAYS.`,
      hint: 'Use OVERRIDING SYSTEM VALUE to override.',
    })
  }
  return true
}

export function valuesRow(env: BindEnv, scope: Scope, columns: readonly ColumnDef[], list: Node, defaults: readonly Expr[], override: InsertStmt['override']) {
  assert('List' in list, 'a VALUES row is a List')
  const items = list.List.items ?? []
  checkArity(columns.length, items.length)
  const byPosition = new Map<number, Expr>()
  items.forEach((item, i) => {
    const col = columns[i] as ColumnDef
    if ('SetToDefault' in item || !givenValueUsed(col, override)) byPosition.set(col.position, defaults[col.position] as Expr)
    else byPosition.set(col.position, env.binder.coerceToColumn(env.binder.bind(item, scope, { clause: 'VALUES' }), col.type, col.name))
  })
  return (position: number) => byPosition.get(position)
}

function bindOnConflict(env: BindEnv, table: Table, alias: string, c: OnConflictClause | undefined, ctes: Scope['ctes']): ConflictAction {
  if (c === undefined) return { kind: 'error' }
  const index = c.infer === undefined ? undefined : arbiter(env, table, alias, c.infer)
  if (c.action === 'ONCONFLICT_NOTHING') return { kind: 'nothing', index }
  assert(c.action === 'ONCONFLICT_UPDATE', 'ON CONFLICT does nothing or updates')
  if (index === undefined) throw new SqlError('42601', 'ON CONFLICT DO UPDATE requires inference specification or constraint name')
  const n = table.columns.length
  const excluded = tableScope(table, 'excluded')
  const scope: Scope = {
    tables: [alias, 'excluded'],
    columns: [...tableScope(table, alias).columns, ...excluded.columns.map((col) => ({ ...col, slot: col.slot + n }))],
    rows: new Map([
      [alias, { typeName: table.name }],
      ['excluded', { typeName: table.name }],
    ]),
    ctes,
  }
  const sets = bindSets(env, table, c.targetList ?? [], scope)
  const where = c.whereClause === undefined ? undefined : env.binder.bindCondition(c.whereClause, scope, { clause: 'WHERE' })
  return { kind: 'update', index, sets, where }
}

/**
 * The unique index ON CONFLICT names: a constraint by name (42704 when none), or the first unique
 * index whose elements are exactly the columns and expressions listed and, when it is partial,
 * whose predicate the clause's WHERE holds, each conjunct as written (PostgreSQL proves the
 * implication more generally); 42P10 when none matches.
 */
function arbiter(env: BindEnv, table: Table, alias: string, infer: NonNullable<OnConflictClause['infer']>): IndexDef | 'primary' {
  if (infer.conname !== undefined) {
    if (infer.conname === declaredKeyName(table.def)) return 'primary'
    const byName = table.def.indexes.find((i) => i.constraint && i.name === infer.conname)
    if (byName === undefined) throw new SqlError('42704', `constraint "${infer.conname}" for table "${bareName(table.name)}" does not exist`)
    return byName
  }
  const scope = tableScope(table, alias)
  const listed = (infer.indexElems ?? []).map((e) => {
    assert('IndexElem' in e, 'ON CONFLICT lists index elements')
    if (e.IndexElem.name === undefined) {
      const expr = e.IndexElem.expr
      assert(expr !== undefined, 'an index element is a column or an expression')
      return exprKey(env.binder.bind(expr, scope, { clause: 'ON CONFLICT' }))
    }
    // An arbiter column is an expression to PostgreSQL, so its error names no relation.
    const column = table.columnsByName.get(e.IndexElem.name)
    if (column === undefined) throw undefinedColumn(e.IndexElem.name)
    return `c${column.position}`
  })
  const where = infer.whereClause === undefined ? [] : conjuncts(env.binder.bindCondition(infer.whereClause, scope, { clause: 'WHERE' }))
  const held = new Set(where.map(exprKey))
  const same = (keys: readonly string[]) => keys.length === listed.length && keys.every((k) => listed.includes(k))
  const primary = table.primaryKey.map((slot) => `c${slot}`)
  if (same(primary) && !table.columns[table.primaryKey[0] as number]!.hidden) return 'primary'
  const indexes = indexKeysOf(table, env.parse, env.binder.storedTypes)
  const index = table.def.indexes.find((i) => {
    const keys = indexes.get(i.id)
    if (!i.unique || keys === undefined || !same(keys.elements.map(exprKey))) return false
    return keys.predicate === undefined || conjuncts(keys.predicate).every((c) => held.has(exprKey(c)))
  })
  if (index === undefined) {
    throw new SqlError('42P10', 'there is no unique or exclusion constraint matching the ON CONFLICT specification')
  }
  return index
}

export function bindSets(env: BindEnv, table: Table, list: readonly Node[], scope: Scope) {
  const defaults = constraintsOf(table, env.parse, env.binder.storedTypes).defaults
  const seen = new Set<string>()
  return list.map((n) => {
    assert('ResTarget' in n, 'SET items are ResTargets')
    const t: ResTarget = n.ResTarget
    if ((t.indirection?.length ?? 0) > 0) throw featureNotSupported('SET of subfields or array elements')
    if (t.val !== undefined && 'MultiAssignRef' in t.val) throw featureNotSupported('SET (a, b) = ...')
    const col = targetColumn(table, t.name ?? '')
    if (seen.has(col.name)) throw new SqlError('42601', `multiple assignments to same column "${col.name}"`)
    seen.add(col.name)
    assert(t.val !== undefined, 'SET has a value')
    if ((col.identity === 'always' || col.generated !== undefined) && !('SetToDefault' in t.val)) {
      throw new SqlError('428C9', `column "${col.name}" can only be updated to DEFAULT`, {
        detail: `Column "${col.name}" is ${col.generated !== undefined ? 'a generated column' : 'an identity column defined as GENERATED ALWAYS'}.`,
      })
    }
    const value =
      'SetToDefault' in t.val
        ? (defaults[col.position] as Expr)
        : env.binder.coerceToColumn(env.binder.bind(t.val, scope, { clause: 'UPDATE' }), col.type, col.name)
    return { slot: col.position, value }
  })
}

function dmlSource(env: BindEnv, table: Table, alias: string, whereNode: Node | undefined, scope: Scope): TableSource {
  const where = whereNode === undefined ? undefined : env.binder.bindCondition(whereNode, scope, { clause: 'WHERE' })
  const indexes = indexKeysOf(table, env.parse, env.binder.storedTypes)
  const { access } = chooseAccess(table, conjuncts(where), undefined, false, indexes)
  return { kind: 'table', table, alias, access, filter: where, lock: undefined }
}

/** Binds an UPDATE; `outer` as for planSelect. */
export function planUpdate(env: BindEnv, s: UpdateStmt, outer: Enclosing = NOT_ENCLOSED): UpdatePlan {
  assert(s.relation !== undefined, 'UPDATE names a table')
  const { table, alias } = rangeTable(env, s.relation, 'update')
  if ((s.fromClause?.length ?? 0) > 0 || s.withClause !== undefined) {
    const from = bindDmlFrom(env, s.relation, s.fromClause ?? [], s.withClause, outer)
    const sets = bindSets(env, table, s.targetList ?? [], from.scope)
    const where = s.whereClause === undefined ? undefined : env.binder.bindCondition(s.whereClause, from.scope, { clause: 'WHERE' })
    const source = dmlSource(env, table, alias, undefined, tableScope(table, alias))
    const returning = bindReturning(env.binder, s.returningClause?.exprs, from.scope)
    return { kind: 'update', source, sets, returning, joined: { rel: from.plan(where) } }
  }
  const scope: Scope = { ...tableScope(table, alias), ctes: outer.ctes }
  const sets = bindSets(env, table, s.targetList ?? [], scope)
  const source = dmlSource(env, table, alias, s.whereClause, scope)
  return { kind: 'update', source, sets, returning: bindReturning(env.binder, s.returningClause?.exprs, scope) }
}

/** Binds a DELETE; `outer` as for planSelect. */
export function planDelete(env: BindEnv, s: DeleteStmt, outer: Enclosing = NOT_ENCLOSED): DeletePlan {
  assert(s.relation !== undefined, 'DELETE names a table')
  const { table, alias } = rangeTable(env, s.relation, 'delete from')
  if ((s.usingClause?.length ?? 0) > 0 || s.withClause !== undefined) {
    const from = bindDmlFrom(env, s.relation, s.usingClause ?? [], s.withClause, outer)
    const where = s.whereClause === undefined ? undefined : env.binder.bindCondition(s.whereClause, from.scope, { clause: 'WHERE' })
    const source = dmlSource(env, table, alias, undefined, tableScope(table, alias))
    const returning = bindReturning(env.binder, s.returningClause?.exprs, from.scope)
    return { kind: 'delete', source, returning, joined: { rel: from.plan(where) } }
  }
  const scope: Scope = { ...tableScope(table, alias), ctes: outer.ctes }
  const source = dmlSource(env, table, alias, s.whereClause, scope)
  return { kind: 'delete', source, returning: bindReturning(env.binder, s.returningClause?.exprs, scope) }
}

/**
 * Runs a DML plan into the write buffer, in two phases: it reads what it will write (an INSERT's
 * query, the target rows of an UPDATE or DELETE) in slices, letting the event loop run between
 * them through `turn` (a long read must not hold the region), then writes in one go (bounded by
 * the rows-modified limit). The result at once when no slice ran out, else a promise of it.
 */
export function runDml(
  ctx: ExecContext,
  sink: WriteSink,
  parse: ParseCache,
  plan: InsertPlan | UpdatePlan | DeletePlan,
  turn: Turn,
): DmlResult | Promise<DmlResult> {
  const deferred = new DeferredChecks()
  return whenDone(runDmlPart(ctx, { sink, parse, deferred, returned: 'result' }, plan, turn), (result) => {
    deferred.run()
    return result
  })
}

/** Where one DML part of a statement writes, and what becomes of its RETURNING rows. */
export interface DmlPartTarget {
  readonly sink: WriteSink
  readonly parse: ParseCache
  /** The checks PostgreSQL makes at the end of the statement: the caller runs them once every
   * part of it is done. */
  readonly deferred: DeferredChecks
  /** `result`: the statement's result (resultRowsMax, RESULT_BYTES_MAX); `held`: rows the
   * statement reads (a data-modifying WITH item's), held under its values limit. */
  readonly returned: 'result' | 'held'
}

/**
 * `runDml` for one part of a statement: the main statement or a data-modifying WITH item. A row
 * an earlier part of the statement changed is left alone (PostgreSQL changes such a row once);
 * ON CONFLICT DO UPDATE on it is 21000.
 */
export function runDmlPart(
  ctx: ExecContext,
  target: DmlPartTarget,
  plan: InsertPlan | UpdatePlan | DeletePlan,
  turn: Turn,
): DmlResult | Promise<DmlResult> {
  if (ctx.analyze === undefined) return dmlPart(ctx, target, plan, turn)
  return countReturned(ctx, plan, () => dmlPart(ctx, target, plan, turn))
}

/** `run`, a writing node's work (INSERT, UPDATE, DELETE or MERGE), with what EXPLAIN ANALYZE shows
 * on `node` recorded when the statement is analyzed: the rows it returned, as PostgreSQL's
 * ModifyTable does (none without RETURNING), and its time. */
export function countReturned(ctx: ExecContext, node: object, run: () => DmlResult | Promise<DmlResult>): DmlResult | Promise<DmlResult> {
  const stats = ctx.analyze
  if (stats === undefined) return run()
  const startMs = stats.now()
  return whenDone(run(), (result) => {
    stats.record(node, result.returned.length, stats.now() - startMs)
    return result
  })
}

function dmlPart(ctx: ExecContext, target: DmlPartTarget, plan: InsertPlan | UpdatePlan | DeletePlan, turn: Turn): DmlResult | Promise<DmlResult> {
  const writer = (table: Table) => new TableWriter(table, target.sink, target.parse, ctx.eval, target.deferred)
  const out = new Returned(ctx, plan.returning, target.returned)
  switch (plan.kind) {
    case 'insert': {
      const rows = plan.rows
      // VALUES rows are evaluated one at a time as they are inserted (an error in a later row
      // comes after a conflict of an earlier one, as in PostgreSQL).
      if (rows.kind === 'values') return runInsert(ctx, writer(plan.table), plan, valuesRows(ctx, rows.rows), out)
      // The query runs to completion first, so it never sees the rows this statement inserts.
      return whenDone(runSelectPausing(ctx, rows.plan, turn, 'held'), (input) =>
        runInsert(ctx, writer(plan.table), plan, input.map((row) => rows.build.map((e) => evaluate(e, row, ctx.eval))), out),
      )
    }
    case 'update':
    case 'delete': {
      return whenDone(targets(ctx, plan, ctx.rowsModifiedRemaining(), turn), (found) =>
        plan.kind === 'update' ? runUpdate(ctx, writer(plan.source.table), plan, found, out) : runDelete(ctx, writer(plan.source.table), plan, found, out),
      )
    }
    default:
      return assertNever(plan)
  }
}

/** A DML part's rows affected and RETURNING rows, the latter counted against the result's or the
 * values limit as they are made. */
export class Returned {
  readonly rows: Datum[][] = []
  count = 0
  readonly #ctx: ExecContext
  readonly #returning: Returning | undefined
  readonly #as: DmlPartTarget['returned']

  constructor(ctx: ExecContext, returning: Returning | undefined, as: DmlPartTarget['returned']) {
    this.#ctx = ctx
    this.#returning = returning
    this.#as = as
  }

  add(row: readonly Datum[]): void {
    this.count++
    if (this.#returning === undefined) return
    const out = this.#returning.outputs.map((e) => evaluate(e, row, this.#ctx.eval))
    if (this.#as === 'held') this.#ctx.holdRow(out)
    else {
      if (this.rows.length >= this.#ctx.resultRowsMax) throw resultTooLarge(this.#ctx.resultRowsMax)
      this.#ctx.resultRow(out)
    }
    this.rows.push(out)
  }

  result(): DmlResult {
    return { count: this.count, returned: this.rows }
  }
}

function* valuesRows(ctx: ExecContext, rows: readonly (readonly Expr[])[]): Generator<Datum[]> {
  for (const exprs of rows) yield exprs.map((e) => evaluate(e, [], ctx.eval))
}

function runInsert(ctx: ExecContext, writer: TableWriter, plan: InsertPlan, rows: Iterable<readonly Datum[]>, out: Returned): DmlResult {
  const touched = new Set<Key>()
  const action = plan.onConflict
  for (const row of rows) {
    ctx.tick()
    writer.validate(row)
    // Only the arbiter decides (any unique key without one, DO NOTHING); a row that passes it
    // and collides on another unique key is inserted and fails there (23505), as in PostgreSQL.
    const conflict = action.kind === 'error' ? undefined : writer.findConflict(row, undefined, action.index)
    if (conflict === undefined || action.kind === 'error') {
      touched.add(writer.insert(row))
      out.add(row)
      continue
    }
    if (action.kind === 'nothing') continue
    assert(action.kind === 'update', 'conflict actions: error, nothing, update')
    // A row an earlier part of the statement wrote counts as affected already, as in PostgreSQL
    // (where the row version is the same command's).
    if (touched.has(conflict.key) || ctx.view.writtenInStatement(conflict.key)) {
      throw new SqlError('21000', 'ON CONFLICT DO UPDATE command cannot affect row a second time', {
        hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.',
      })
    }
    const existing = writer.read(conflict.key)
    const both = [...existing, ...row]
    if (action.where !== undefined && evaluate(action.where, both, ctx.eval) !== true) continue
    const updated = existing.slice()
    for (const set of action.sets) updated[set.slot] = evaluate(set.value, both, ctx.eval)
    writer.validate(updated)
    touched.add(writer.update(conflict.key, existing, updated))
    out.add(updated)
  }
  return out.result()
}

/** A row an UPDATE or DELETE changes: its key, its row, and the row joined to it (FROM, USING). */
interface Target {
  readonly key: Key
  readonly row: Datum[]
  readonly full: readonly Datum[]
}

/** Reads every target row before writing any, in slices (`turn`). The reads are of the
 * transaction as the statement began (ExecContext.view), so its writes are never seen either
 * way; foreign key actions, which may change other target rows of a self-referencing table, run
 * only after the last is written. */
function targets(ctx: ExecContext, plan: UpdatePlan | DeletePlan, max: number, turn: Turn): Target[] | Promise<Target[]> {
  const rows: Target[] = []
  const done = drainPausing(ctx, targetRows(ctx, plan), turn, (r) => {
    rows.push(r)
    // Beyond the remaining row budget the statement must fail anyway: stop reading early.
    return rows.length > max
  })
  return done === undefined ? rows : done.then(() => rows)
}

function* targetRows(ctx: ExecContext, plan: UpdatePlan | DeletePlan): Generator<Target | Pause> {
  // The targets are all read before this part writes any: a row the statement has written by
  // then was changed by an earlier part (a data-modifying WITH item, or the main statement before
  // an item nothing reads), and is left as that part made it.
  if (plan.joined === undefined) {
    const direct = sourceRows(ctx, plan.source)
    for (const r of ctx.analyze?.count(plan.source, direct) ?? direct) {
      if (r === PAUSE) yield PAUSE
      else if (!ctx.view.writtenInStatement(r.key)) yield { ...r, full: r.row }
    }
    return
  }
  // A target row joined to several rows is changed once, with the first of them (PostgreSQL
  // leaves which one unspecified).
  const table = plan.source.table
  const seen = new Set<Key>()
  for (const full of relRows(ctx, plan.joined.rel)) {
    if (full === PAUSE) {
      yield PAUSE
      continue
    }
    const row = full.slice(0, table.columns.length) as Datum[]
    const key = primaryKey(table, row)
    if (seen.has(key) || ctx.view.writtenInStatement(key)) continue
    seen.add(key)
    yield { key, row, full }
  }
}

function runUpdate(ctx: ExecContext, writer: TableWriter, plan: UpdatePlan, found: readonly Target[], out: Returned): DmlResult {
  for (const { key, row, full } of found) {
    ctx.tick()
    const updated = row.slice()
    for (const set of plan.sets) updated[set.slot] = evaluate(set.value, full, ctx.eval)
    writer.validate(updated)
    writer.update(key, row, updated)
    out.add(full === row ? updated : [...updated, ...full.slice(updated.length)])
  }
  return out.result()
}

function runDelete(ctx: ExecContext, writer: TableWriter, plan: DeletePlan, found: readonly Target[], out: Returned): DmlResult {
  for (const { key, row, full } of found) {
    ctx.tick()
    writer.delete(key, row)
    out.add(full)
  }
  return out.result()
}
