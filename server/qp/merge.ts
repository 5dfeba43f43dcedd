// MERGE (ARCHITECTURE.md step 3): the source joined to the target, each joined row given to the
// first WHEN clause whose kind and condition fit it, the chosen writes made through the same
// TableWriter as INSERT, UPDATE and DELETE (so constraints, defaults and limits behave alike).
import type { MergeStmt, MergeWhenClause, Node, RangeVar } from 'libpg-query'
import type { Key } from '../encoding/index.ts'
import { assert, assertNever, featureNotSupported, SqlError } from '../errors/index.ts'
import type { Datum } from './types/index.ts'
import type { Scope } from './binder.ts'
import type { Table } from './catalog.ts'
import { evaluate, type Expr } from './expr.ts'
import { drainPausing, PAUSE, relRows, type ExecContext, type Pause, type Turn } from './executor.ts'
import { bindFrom, planUnitsOrdered, qualifiedName } from './from.ts'
import type { ParseCache } from './parser.ts'
import type { MergeAction, MergeClause, MergePlan, Returning } from './planner.ts'
import { primaryKey } from './rows.ts'
import { bindReturning, QueryContext, rangeTable, statementCtes, type BindEnv, type Enclosing } from './select.ts'
import { bindSets, countReturned, insertColumns, Returned, valuesRow, type DmlResult } from './dml.ts'
import { constraintsOf, DeferredChecks, TableWriter, type WriteSink } from './table-writer.ts'
import { whenDone } from './when-done.ts'

/** Binds a MERGE; `outer` as for planSelect (a WITH of it may hold SELECT items only). */
export function planMerge(env: BindEnv, s: MergeStmt, outer: Enclosing): MergePlan {
  assert(s.relation !== undefined && s.sourceRelation !== undefined, 'MERGE names a target and a source')
  const modifyingItem = (s.withClause?.ctes ?? []).some((c) => 'CommonTableExpr' in c && !('SelectStmt' in (c.CommonTableExpr.ctequery ?? {})))
  if (modifyingItem) throw featureNotSupported('data-modifying statements in the WITH of a MERGE')
  const { table, alias } = mergeTarget(env, s.relation)
  const whens = (s.mergeWhenClauses ?? []).map((n) => {
    assert('MergeWhenClause' in n, 'MERGE lists WHEN clauses')
    return n.MergeWhenClause
  })
  const bySource = whens.some((w) => w.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_SOURCE')
  const qc = new QueryContext(env, statementCtes(env, s.withClause, { ctes: outer.ctes, modifying: undefined }))
  // The target is always a table, never a CTE of its name, as for UPDATE ... FROM.
  const target: RangeVar = { ...s.relation, schemaname: s.relation.schemaname ?? 'public' }
  // Source first: a left join from it may look each source row's target up by index.
  const join: Node = {
    JoinExpr: { jointype: bySource ? 'JOIN_FULL' : 'JOIN_LEFT', larg: s.sourceRelation, rarg: { RangeVar: target }, quals: s.joinCondition },
  }
  const from = bindFrom(qc, [join], undefined, undefined, true)
  const targetColumns = from.scope.columns.filter((c) => c.table === alias)
  assert(targetColumns.length === table.columns.length, 'the target contributes each of its columns')
  const targetOffset = (targetColumns[0]?.slot ?? 0) - (table.columns[0]?.position ?? 0)
  assert(targetColumns.every((c, i) => c.slot === targetOffset + i), "the target's columns are contiguous")
  const rows = from.scope.rows
  const targetSlot = rows?.get(alias)?.matched?.()
  assert(targetSlot !== undefined, 'a table always has a slot never NULL in its rows')
  const sourceAlias = from.scope.tables.find((t) => t !== alias)
  const sourceSlot = bySource && sourceAlias !== undefined ? rows?.get(sourceAlias)?.matched?.() : undefined
  assert(!bySource || sourceSlot !== undefined, 'a full join marks the source side')
  const only = (keep: (table: string) => boolean): Scope => ({
    ...from.scope,
    tables: from.scope.tables.filter(keep),
    columns: from.scope.columns.filter((c) => keep(c.table)),
  })
  const scopes = { matched: from.scope, notMatchedByTarget: only((t) => t !== alias), notMatchedBySource: only((t) => t === alias) }
  const clauses = whens.map((w) => bindClause(env, table, w, scopes, alias, sourceAlias))
  checkReachable(clauses)
  const returning = bindMergeReturning(env, s, from.scope, from)
  const rel = planUnitsOrdered(from.units, from.pool, from.width, undefined, false).rel
  return { kind: 'merge', table, rel, targetOffset, targetSlot, sourceSlot: sourceSlot ?? undefined, clauses, returning }
}

/** RETURNING over the whole joined row, merge_action() reading the slot after it. */
function bindMergeReturning(env: BindEnv, s: MergeStmt, scope: Scope, from: { readonly width: number }): Returning | undefined {
  if ((s.returningClause?.exprs?.length ?? 0) === 0) return undefined
  // A whole-row reference adds its item's marker slot when first bound; each is added now, so
  // that the action's slot stays past the row's end however RETURNING reads the items.
  for (const t of scope.tables) scope.rows?.get(t)?.matched?.()
  const width = from.width
  const returning = bindReturning(env.binder, s.returningClause?.exprs, { ...scope, mergeAction: width })
  assert(from.width === width, "RETURNING adds no slot to MERGE's joined row")
  return returning
}

/** The target table; a view is 0A000 (Tessera writes through no view). */
function mergeTarget(env: BindEnv, rv: RangeVar): { table: Table; alias: string } {
  try {
    return rangeTable(env, rv, 'update')
  } catch (e) {
    // A view is found only once the table is missing (rangeTable's error names the view).
    if (e instanceof SqlError && env.storedView?.(qualifiedName(rv)) !== undefined) throw featureNotSupported('MERGE into a view')
    throw e
  }
}

const MATCH_KINDS = {
  MERGE_WHEN_MATCHED: 'matched',
  MERGE_WHEN_NOT_MATCHED_BY_TARGET: 'notMatchedByTarget',
  MERGE_WHEN_NOT_MATCHED_BY_SOURCE: 'notMatchedBySource',
} as const

/** Binds one WHEN clause; its condition and action read the sides its kind has rows of. */
function bindClause(
  env: BindEnv,
  table: Table,
  w: MergeWhenClause,
  scopes: Record<MergeClause['match'], Scope>,
  ...aliases: (string | undefined)[]
): MergeClause {
  assert(w.matchKind !== undefined, 'a WHEN clause has a kind')
  const match = MATCH_KINDS[w.matchKind]
  const scope = scopes[match]
  try {
    const when = w.condition === undefined ? undefined : env.binder.bindCondition(w.condition, scope, { clause: 'WHEN' })
    return { match, when, action: bindAction(env, table, w, scope) }
  } catch (e) {
    // The side a clause kind has no row of is in the statement, out of the clause's reach:
    // PostgreSQL words that as an invalid reference, not a missing one.
    const hidden = aliases.find((a) => a !== undefined && !scope.tables.includes(a))
    if (e instanceof SqlError && e.code === '42P01' && hidden !== undefined && e.message === `missing FROM-clause entry for table "${hidden}"`) {
      throw new SqlError('42P01', `invalid reference to FROM-clause entry for table "${hidden}"`, { position: e.position })
    }
    throw e
  }
}

function bindAction(env: BindEnv, table: Table, w: MergeWhenClause, scope: Scope): MergeAction {
  switch (w.commandType) {
    case 'CMD_UPDATE':
      return { kind: 'update', sets: bindSets(env, table, w.targetList ?? [], scope) }
    case 'CMD_DELETE':
      return { kind: 'delete' }
    case 'CMD_NOTHING':
      return { kind: 'nothing' }
    case 'CMD_INSERT': {
      const defaults = constraintsOf(table, env.parse, env.binder.storedTypes).defaults
      const values = w.values
      // INSERT DEFAULT VALUES has neither columns nor values: every column gets its default.
      if (values === undefined) return { kind: 'insert', row: table.columns.map((c) => defaults[c.position] as Expr) }
      const columns = insertColumns(table, w.targetList ?? [], values.length)
      const given = valuesRow(env, scope, columns, { List: { items: values } }, defaults, w.override)
      return { kind: 'insert', row: table.columns.map((c) => given(c.position) ?? (defaults[c.position] as Expr)) }
    }
    default:
      throw new SqlError('XX000', `unexpected MERGE action ${w.commandType ?? 'none'}`)
  }
}

/** PostgreSQL's 42601 for a clause no row can reach: one after an unconditional clause of the
 * same kind. */
function checkReachable(clauses: readonly MergeClause[]): void {
  const seen = new Set<MergeClause['match']>()
  for (const c of clauses) {
    if (seen.has(c.match)) throw new SqlError('42601', 'unreachable WHEN clause specified after unconditional WHEN clause')
    if (c.when === undefined) seen.add(c.match)
  }
}

/** A joined row and the clause chosen for it. */
interface Chosen {
  readonly full: readonly Datum[]
  readonly action: MergeAction
  /** The target row's key and row, for UPDATE and DELETE. */
  readonly key: Key | undefined
  readonly row: Datum[] | undefined
}

/**
 * Runs a MERGE into the write buffer in two phases, as runDml does: it reads the join and
 * chooses each row's clause (every read sees the transaction as the statement began), in slices
 * through `turn`, then writes. A target row two source rows would both update or delete is 21000.
 */
export function runMerge(ctx: ExecContext, sink: WriteSink, parse: ParseCache, plan: MergePlan, turn: Turn): DmlResult | Promise<DmlResult> {
  return countReturned(ctx, plan, () => merge(ctx, sink, parse, plan, turn))
}

function merge(ctx: ExecContext, sink: WriteSink, parse: ParseCache, plan: MergePlan, turn: Turn): DmlResult | Promise<DmlResult> {
  const chosen: Chosen[] = []
  const acted = new Set<Key>()
  const max = ctx.rowsModifiedRemaining()
  const done = drainPausing(ctx, choices(ctx, plan, acted), turn, (c) => {
    chosen.push(c)
    // Beyond the remaining row budget the statement must fail anyway: stop reading early.
    return chosen.length > max
  })
  return whenDone(done, () => {
    const deferred = new DeferredChecks()
    const writer = new TableWriter(plan.table, sink, parse, ctx.eval, deferred)
    // RETURNING rows come in the order the rows were chosen (the join's), as PostgreSQL's do.
    const out = new Returned(ctx, plan.returning, 'result')
    for (const c of chosen) out.add(returnedRow(plan, c, write(ctx, writer, c)))
    deferred.run()
    return out.result()
  })
}

function* choices(ctx: ExecContext, plan: MergePlan, acted: Set<Key>): Generator<Chosen | Pause> {
  const width = plan.table.columns.length
  for (const full of relRows(ctx, plan.rel)) {
    if (full === PAUSE) {
      yield PAUSE
      continue
    }
    ctx.tick()
    const hasTarget = full[plan.targetSlot] !== null
    const hasSource = plan.sourceSlot === undefined || full[plan.sourceSlot] !== null
    const match = hasTarget ? (hasSource ? 'matched' : 'notMatchedBySource') : 'notMatchedByTarget'
    const clause = plan.clauses.find((c) => c.match === match && (c.when === undefined || evaluate(c.when, full, ctx.eval) === true))
    if (clause === undefined || clause.action.kind === 'nothing') continue
    if (!hasTarget) {
      yield { full, action: clause.action, key: undefined, row: undefined }
      continue
    }
    const row = full.slice(plan.targetOffset, plan.targetOffset + width) as Datum[]
    const key = primaryKey(plan.table, row)
    if (acted.has(key)) {
      throw new SqlError('21000', 'MERGE command cannot affect row a second time', {
        hint: 'Ensure that not more than one source row matches any one target row.',
      })
    }
    acted.add(key)
    yield { full, action: clause.action, key, row }
  }
}

/** Writes the chosen action; the target row RETURNING reads (new, or old for DELETE). */
function write(ctx: ExecContext, writer: TableWriter, c: Chosen): readonly Datum[] {
  ctx.tick()
  const action = c.action
  switch (action.kind) {
    case 'insert': {
      const row = action.row.map((e) => evaluate(e, c.full, ctx.eval))
      writer.validate(row)
      writer.insert(row)
      return row
    }
    case 'update': {
      assert(c.key !== undefined && c.row !== undefined, 'UPDATE has a target row')
      const updated = c.row.slice()
      for (const set of action.sets) updated[set.slot] = evaluate(set.value, c.full, ctx.eval)
      writer.validate(updated)
      writer.update(c.key, c.row, updated)
      return updated
    }
    case 'delete':
      assert(c.key !== undefined && c.row !== undefined, 'DELETE has a target row')
      writer.delete(c.key, c.row)
      return c.row
    case 'nothing':
      // choices() never yields DO NOTHING's rows.
      throw new SqlError('XX000', 'MERGE chose DO NOTHING for a row to write')
    default:
      return assertNever(action)
  }
}

const ACTION_NAMES = { insert: 'INSERT', update: 'UPDATE', delete: 'DELETE' } as const

/** The row MERGE's RETURNING reads: the joined row with the target's columns as written, then
 * the action's name; only built when there is a RETURNING. */
function returnedRow(plan: MergePlan, c: Chosen, target: readonly Datum[]): readonly Datum[] {
  if (plan.returning === undefined || c.action.kind === 'nothing') return c.full
  const row = c.full.slice()
  row.splice(plan.targetOffset, target.length, ...target)
  row.push(ACTION_NAMES[c.action.kind])
  return row
}
