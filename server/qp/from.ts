// The FROM clause (ARCHITECTURE.md "query processor": bind, plan): binds tables, subqueries,
// CTEs, system relations and joins into one row layout, pushes each WHERE conjunct down to the
// item it reads, and orders the joins greedily along equality conditions (hash joins).
import type { JoinExpr, LockingClause, Node, RangeFunction, RangeSubselect, RangeVar, SelectStmt } from 'libpg-query'
import { assert, featureNotSupported, featuresNotSupported, SqlError } from '../errors/index.ts'
import { commonType, formatType, type SqlType } from './types/index.ts'
import { exprKey, nodesUnder, stringOf, type ItemRow, type ParentLink, type Scope, type ScopeColumn } from './binder.ts'
import { SET_FUNCTIONS, type ResolvedSetFunction, type SetFunctionColumn } from './set-functions.ts'
import { RECORD_SET_FUNCTIONS } from './json-records.ts'
import { hasNamedArguments, positionalArguments } from './named-args.ts'
import { isVolatile, mapChildren, type Expr } from './expr.ts'
import { chooseAccess, conjuncts, type LockStrength, type OrderRequest } from './planner.ts'
import { indexKeysOf } from './index-keys.ts'
import type { CteDef, Rel } from './rel.ts'
import { bareName, type Table } from './catalog.ts'
import { SEQUENCE_COLUMNS } from './sequences.ts'
import { systemRelation } from './system/index.ts'
import { INDEX_JOIN_ROWS_MAX, VIEW_DEPTH_MAX } from './constants.ts'
import { QueryContext } from './select.ts'
import type { ViewDef } from './views.ts'
import { jsonTableRewrite } from './json-table.ts'

/** A CTE visible by name: its definition and output columns. */
export interface CteInfo {
  readonly def: CteDef | undefined
  /** Set while the recursive term of this CTE is bound: references read the work table. */
  readonly work: { readonly cteId: number; used: number } | undefined
  readonly names: readonly string[]
  readonly types: readonly SqlType[]
  readonly name: string
  /** Set while a recursive CTE's base term is bound: it may not read the CTE (42P19). */
  /** Set where the CTE may not be read: PostgreSQL's 42P19 with this reason. */
  readonly forbidden?: string | undefined
  /** A data-modifying item without RETURNING: it has no rows to read (0A000 where named). */
  readonly returnsNothing?: boolean | undefined
  /** Called at each reference (a top-level CTE: the statement orders its data-modifying items by
   * what reads them). */
  readonly onRead?: (() => void) | undefined
}

/**
 * One FROM item after binding: the canonical slots its columns occupy in the FROM row and how to
 * build its rows given the conjuncts that read only it. Inner joins flatten into their items;
 * an outer join is one unit.
 */
interface Unit {
  readonly slots: readonly number[]
  /** A plain table: its rows in the table's own layout, filtered by `preds` (canonical slots;
   * values from other items appear as `outer` expressions), for index nested-loop joins. */
  readonly scan?: ((preds: readonly Expr[]) => Rel) | undefined
  /** Where the unit's columns start in the FROM row. */
  readonly offset?: number
  /** LATERAL: the subquery run once per row of the items it reads (`args` over the FROM row). */
  readonly lateral?: { readonly rel: Rel; readonly args: readonly Expr[]; readonly offset: number } | undefined
  /** A subquery's, view's, CTE's or function's marker slot, once a whole-row reference asked for
   * one (ItemRow.matched; it is then among `slots`): each of its rows, a LATERAL one's too, has
   * TRUE there. */
  readonly marker?: { readonly slot: number | undefined }
  /** Full FROM-width rows of this unit, filtered by `preds` (over canonical slots). */
  build(preds: readonly Expr[], width: number, order: OrderRequest | undefined, limited: boolean): { rel: Rel; ordered: boolean }
}

/** The bound FROM clause: its scope, units and the ON conditions of its inner joins. */
export interface BoundFrom {
  readonly scope: Scope
  readonly width: number
  readonly units: readonly Unit[]
  readonly pool: readonly Expr[]
}

/**
 * What one query level's locking clauses ask of its FROM items (PostgreSQL's rules): every table,
 * view and subquery when a clause has no OF list, else the items the OF lists name (by alias).
 * A locked view or subquery locks what it reads, under the same rules; a CTE or a function is
 * passed over unless named (then 0A000), and a name that is no item of this level is 42P01.
 */
export interface LockRequest {
  /** The strongest clause without OF (it takes in everything); undefined when every clause has one. */
  readonly all: LockingClause | undefined
  /** The strongest clause naming each FROM item in an OF list (by alias). */
  readonly named: ReadonlyMap<string, LockingClause>
  /** The first clause (its name is the one PostgreSQL's messages about the query give). */
  readonly clause: LockingClause
}

/** What a locking clause does to the rows it reads: 'update' (FOR UPDATE, FOR NO KEY UPDATE)
 * checks them at commit and records them as written, so a concurrent writer or locker of one
 * conflicts; 'share' (FOR SHARE, FOR KEY SHARE) checks them only, so two sharers do not conflict.
 * FOR NO KEY UPDATE and FOR KEY SHARE are the stronger of each pair: conflicts PostgreSQL's weaker
 * locks would let through are reported (40001), none is missed. Nothing waits (NOWAIT is what
 * happens anyway), and no row is locked before commit, so SKIP LOCKED skips none. */
export function lockStrength(clause: LockingClause): LockStrength {
  return clause.strength === 'LCS_FORSHARE' || clause.strength === 'LCS_FORKEYSHARE' ? 'share' : 'update'
}

/** PostgreSQL's name of a locking clause in messages. */
export function lockClauseName(clause: LockingClause): string {
  switch (clause.strength) {
    case 'LCS_FORNOKEYUPDATE':
      return 'FOR NO KEY UPDATE'
    case 'LCS_FORSHARE':
      return 'FOR SHARE'
    case 'LCS_FORKEYSHARE':
      return 'FOR KEY SHARE'
    default:
      return 'FOR UPDATE'
  }
}

/** The first locking clause anywhere in a statement's parse tree (its subqueries and CTEs too):
 * PostgreSQL refuses such a statement in a read-only transaction, naming that clause. */
export function firstLockingClause(node: unknown): LockingClause | undefined {
  return nodesUnder<LockingClause>(node, ['LockingClause'])[0]
}

/** The stronger of two clauses (PostgreSQL takes the strongest lock asked of a relation). */
function stronger(a: LockingClause | undefined, b: LockingClause): LockingClause {
  return a !== undefined && lockStrength(a) === 'update' ? a : lockStrength(b) === 'update' ? b : (a ?? b)
}

/** The lock request of a SELECT's locking clauses; undefined without any. */
export function lockRequest(clauses: readonly Node[] | undefined): LockRequest | undefined {
  const list = (clauses ?? []).flatMap((n) => ('LockingClause' in n ? [n.LockingClause] : []))
  const first = list[0]
  if (first === undefined) return undefined
  let all: LockingClause | undefined
  const named = new Map<string, LockingClause>()
  for (const clause of list) {
    const rels = clause.lockedRels ?? []
    if (rels.length === 0) all = stronger(all, clause)
    for (const rel of rels) {
      assert('RangeVar' in rel, 'FOR UPDATE OF lists relation names')
      if (rel.RangeVar.schemaname !== undefined) throw new SqlError('42601', `${lockClauseName(clause)} must specify unqualified relation names`)
      const relname = rel.RangeVar.relname ?? ''
      named.set(relname, stronger(named.get(relname), clause))
    }
  }
  return { all, named, clause: first }
}

/** The clause `lock` takes the FROM item `alias` in with, if any. */
function lockFor(lock: LockRequest | undefined, alias: string): LockingClause | undefined {
  const named = lock?.named.get(alias)
  return named === undefined ? lock?.all : stronger(lock?.all, named)
}

/** A FROM item a lock may not name: 0A000 when an OF list names it, passed over otherwise. */
function unlockable(lock: LockRequest | undefined, alias: string, what: string): void {
  const clause = lock?.named.get(alias)
  if (clause !== undefined) throw new SqlError('0A000', `${lockClauseName(clause)} cannot be applied to ${what}`)
}

/** A SELECT read under a locking clause inherited from the query that reads it (a view or a
 * subquery in a locked FROM): PostgreSQL applies the lock inside, with its restrictions; a
 * VALUES list has nothing to lock, and neither has a view of a UNION, INTERSECT or EXCEPT
 * (PostgreSQL's rewriter passes over it: a subquery of one is 0A000). */
function lockedInside(s: SelectStmt, clause: LockingClause, view: boolean): SelectStmt {
  if (s.valuesLists !== undefined || (view && s.op !== undefined && s.op !== 'SETOP_NONE')) return s
  return { ...s, lockingClause: [...(s.lockingClause ?? []), { LockingClause: { strength: clause.strength, waitPolicy: clause.waitPolicy } }] }
}

interface Binding {
  readonly qc: QueryContext
  readonly lock: LockRequest | undefined
  /** The next free slot of the FROM row, shared by every binding of one FROM clause. */
  readonly at: { offset: number }
  readonly units: Unit[]
  readonly pool: Expr[]
  readonly columns: ScopeColumn[]
  readonly tables: string[]
  /** What each item's name means as a value (its whole row), by alias; shared by every binding
   * of one FROM clause, as aliases are unique in it. */
  readonly rows: Map<string, ItemRow>
  /** Columns of the items to the left, which a LATERAL item may read. */
  readonly visible: readonly ScopeColumn[]
  /** The enclosing query, for correlated references. */
  readonly parent: Scope['parent']
  /** PostgreSQL marks the rows of every relation of this FROM clause (a locking clause, locking
   * some item or all; UPDATE ... FROM, DELETE ... USING), which a sequence refuses. */
  readonly rowMarks: boolean
}

/** Binds a FROM list (comma-separated items are cross joins). */
export function bindFrom(qc: QueryContext, items: readonly Node[], lock: LockRequest | undefined, parent: Scope['parent'], rowMarks = lock !== undefined): BoundFrom {
  const b: Binding = { qc, lock, at: { offset: 0 }, units: [], pool: [], columns: [], tables: [], rows: new Map(), visible: [], parent, rowMarks }
  for (const item of items) {
    const { columns, tables } = bindItem({ ...b, visible: b.columns }, item)
    for (const t of tables) {
      if (b.tables.includes(t)) throw new SqlError('42712', `table name "${t}" specified more than once`)
    }
    b.columns.push(...columns)
    b.tables.push(...tables)
  }
  for (const [name, clause] of lock?.named ?? []) {
    if (!b.tables.includes(name)) throw new SqlError('42P01', `relation "${name}" in ${lockClauseName(clause)} clause not found in FROM clause`)
  }
  const scope: Scope = { tables: b.tables, columns: b.columns, parent, ctes: qc.ctes, rows: b.rows }
  return {
    scope,
    // Read when planned: a whole-row reference bound after the FROM clause may add a slot.
    get width() {
      return b.at.offset
    },
    units: b.units,
    pool: b.pool,
  }
}

/** The relations a parse tree reads (its RangeVars), except names a WITH inside it defines
 * where that WITH is in scope. */
export function relationsRead(node: unknown): RangeVar[] {
  const out: RangeVar[] = []
  collectRangeVars(node, new Set(), out)
  return out
}

function collectRangeVars(node: unknown, hidden: ReadonlySet<string>, out: RangeVar[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectRangeVars(child, hidden, out)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const n = node as Record<string, unknown>
  const rv = n.RangeVar as RangeVar | undefined
  if (rv !== undefined && !(rv.schemaname === undefined && hidden.has(rv.relname ?? ''))) out.push(rv)
  const select = n.SelectStmt as SelectStmt | undefined
  if (select !== undefined) return collectSelect(select, hidden, out)
  for (const child of Object.values(n)) collectRangeVars(child, hidden, out)
}

/** A SELECT's relations: CTE names hide relations in the query and, WITH RECURSIVE, in every CTE;
 * without RECURSIVE a CTE's body sees only the CTEs before it (its own name is the relation's).
 * FOR UPDATE OF names FROM items, not relations. */
function collectSelect(s: SelectStmt, hidden: ReadonlySet<string>, out: RangeVar[]): void {
  const ctes = (s.withClause?.ctes ?? []).map((c) => ('CommonTableExpr' in c ? c.CommonTableExpr : {}))
  const names = ctes.map((c) => c.ctename ?? '')
  const all = new Set([...hidden, ...names])
  const recursive = s.withClause?.recursive === true
  for (const [i, cte] of ctes.entries()) collectRangeVars(cte.ctequery, recursive ? all : new Set([...hidden, ...names.slice(0, i)]), out)
  for (const [key, child] of Object.entries(s)) {
    if (key !== 'withClause' && key !== 'lockingClause') collectRangeVars(child, all, out)
  }
}

/** The name `env.table` resolves: bare for `public`, `schema.name` otherwise. */
export function qualifiedName(rv: RangeVar): string {
  if ((rv.catalogname ?? '') !== '') throw featuresNotSupported('cross-database references')
  const name = rv.relname ?? ''
  return rv.schemaname === undefined || rv.schemaname === 'public' ? name : `${rv.schemaname}.${name}`
}

function isSystem(rv: RangeVar): boolean {
  return systemRelation(rv.schemaname, rv.relname ?? '') !== undefined && (rv.schemaname !== undefined || (rv.relname ?? '').startsWith('pg_'))
}

function bindItem(b: Binding, item: Node): { columns: ScopeColumn[]; tables: string[] } {
  if ('RangeVar' in item) return bindRangeVar(b, item.RangeVar)
  if ('JoinExpr' in item) return bindJoin(b, item.JoinExpr)
  if ('RangeSubselect' in item) return bindSubselect(b, item.RangeSubselect)
  if ('RangeFunction' in item) return bindRangeFunction(b, item.RangeFunction)
  if ('RangeTableSample' in item) throw featureNotSupported('TABLESAMPLE')
  if ('RangeTableFunc' in item) throw featureNotSupported('XMLTABLE')
  if ('JsonTable' in item) return bindItem(b, jsonTableRewrite(item.JsonTable))
  throw featureNotSupported(`FROM item ${Object.keys(item)[0] ?? ''}`)
}

function bindRangeVar(b: Binding, rv: RangeVar): { columns: ScopeColumn[]; tables: string[] } {
  const name = rv.relname ?? ''
  const alias = rv.alias?.aliasname ?? name
  const cte = rv.schemaname === undefined ? b.qc.ctes.get(name) : undefined
  if (cte !== undefined) {
    unlockable(b.lock, alias, 'a WITH query')
    return derived(b, alias, rv.alias?.colnames, cte.names, cte.types, cteRel(b, cte, rv.location), {})
  }
  if (isSystem(rv)) {
    const relation = systemRelation(rv.schemaname, name)
    assert(relation !== undefined, 'checked by isSystem')
    const rel: Rel = { kind: 'system', width: relation.columns.length, relation }
    return derived(b, alias, rv.alias?.colnames, relation.columns.map((c) => c.name), relation.columns.map((c) => c.type), rel, {})
  }
  if (rv.inh === false) throw featureNotSupported('ONLY')
  const view = b.qc.env.storedView?.(qualifiedName(rv))
  if (view !== undefined) {
    const q = bindView(b.qc, view, lockFor(b.lock, alias))
    return derived(b, alias, rv.alias?.colnames, view.columns, settledTypes(q.types), q.rel, { typeName: view.name })
  }
  const table = tableOrSequence(b, rv)
  if (typeof table === 'string') return bindSequence(b, rv, table, alias)
  const offset = b.at.offset
  b.at.offset += table.columns.length
  const clause = lockFor(b.lock, alias)
  const lock = clause === undefined ? undefined : lockStrength(clause)
  if (clause !== undefined) b.qc.env.binder.lockingClause ??= lockClauseName(clause)
  const scanOf = (preds: readonly Expr[], order: OrderRequest | undefined, limited: boolean) => {
    const local = preds.map((p) => shiftSlots(p, -offset)).flatMap(conjuncts)
    const indexes = indexKeysOf(table, b.qc.env.parse, b.qc.env.binder.storedTypes)
    const chosen = chooseAccess(table, local, offset === 0 ? order : undefined, limited, indexes)
    const filter = andOf(local.filter((c) => !chosen.implied.includes(c)))
    const rel: Rel = { kind: 'scan', width: table.columns.length, source: { kind: 'table', table, alias, access: chosen.access, filter, lock } }
    return { rel, ordered: chosen.ordered }
  }
  b.units.push({
    slots: table.columns.map((c) => offset + c.position),
    offset,
    scan: (preds) => scanOf(preds, undefined, false).rel,
    build(preds, width, order, limited) {
      const { rel, ordered } = scanOf(preds, order, limited)
      if (offset === 0 && width === table.columns.length) return { rel, ordered }
      return { rel: { kind: 'place', width, input: rel, offset }, ordered: offset === 0 && ordered }
    },
  })
  // `FROM t AS x(a, b)` renames the first visible columns.
  const renames = (rv.alias?.colnames ?? []).map(stringOf)
  const visibleCount = table.columns.filter((c) => !c.hidden).length
  if (renames.length > visibleCount) {
    throw new SqlError('42P10', `table "${alias}" has ${visibleCount} columns available but ${renames.length} columns specified`)
  }
  let visibleAt = 0
  const columns = table.columns.map((c): ScopeColumn => {
    const renamed = c.hidden ? undefined : renames[visibleAt++]
    return {
      table: alias,
      name: renamed ?? c.name,
      type: c.type,
      slot: offset + c.position,
      hidden: c.hidden,
      baseRelation: renamed === undefined ? table.name : undefined,
      baseColumn: renamed === undefined ? c.name : undefined,
    }
  })
  // The whole row is of the table's row type, its own column names whatever the alias list says;
  // a primary key column is never NULL in a stored row, so NULL there is an outer join's.
  b.rows.set(alias, {
    typeName: table.name,
    fieldNames: renames.length === 0 ? undefined : table.columns.filter((c) => !c.hidden).map((c) => c.name),
    matched: () => offset + (table.primaryKey[0] as number),
  })
  return { columns, tables: [alias] }
}

/** The table `rv` names, or the sequence's catalog name, looked for only once no table has the
 * name (relations share their schema's names); 42P01 when neither does. */
function tableOrSequence(b: Binding, rv: RangeVar): Table | string {
  const name = qualifiedName(rv)
  try {
    return b.qc.env.table(name, rv.location)
  } catch (e) {
    if (!(e instanceof SqlError && e.code === '42P01') || b.qc.env.storedSequence?.(name) === undefined) throw e
    return name
  }
}

/** A sequence in FROM: its one row (Rel 'sequence'). It has no row type, and PostgreSQL refuses
 * it in a FROM clause whose rows it marks, even where the locking clause names other items (its
 * planner also pulls a sequence up from a simple subquery, a CTE or an IN in WHERE into such a
 * clause and refuses it there; Tessera reads it). */
function bindSequence(b: Binding, rv: RangeVar, name: string, alias: string) {
  if (b.rowMarks) throw new SqlError('42809', `cannot lock rows in sequence "${bareName(name)}"`)
  const rel: Rel = { kind: 'sequence', width: SEQUENCE_COLUMNS.length, name }
  const [names, types] = [SEQUENCE_COLUMNS.map((c) => c.name), SEQUENCE_COLUMNS.map((c) => c.type)]
  return derived(b, alias, rv.alias?.colnames, names, types, rel, { noRowType: bareName(name) })
}

let viewDepth = 0

/** Binds a view's stored query, on its own (no CTEs or outer columns of the user's query), locked
 * inside when the query reading it locks it. */
function bindView(qc: QueryContext, view: ViewDef, lock: LockingClause | undefined) {
  const parsed = qc.env.parse.statement(view.sql)
  assert('SelectStmt' in parsed.stmt, 'a view stores a SELECT')
  const stmt = lock === undefined ? parsed.stmt.SelectStmt : lockedInside(parsed.stmt.SelectStmt, lock, true)
  if (viewDepth >= VIEW_DEPTH_MAX) throw new SqlError('54001', `views nested more than ${VIEW_DEPTH_MAX} deep (a view refers to itself?)`)
  viewDepth++
  // A watch is about the text being bound, not the views it reads.
  const watch = qc.env.binder.watch
  qc.env.binder.watch = undefined
  try {
    return new QueryContext(qc.env, new Map()).bindQuery(stmt, undefined)
  } finally {
    qc.env.binder.watch = watch
    viewDepth--
  }
}

/** A subquery's untyped literal columns read as text outside it, as in PostgreSQL. */
/** Output types with untyped ones (a literal's) read as text, as PostgreSQL resolves a query's
 * columns. */
export const settledTypes = (types: readonly SqlType[]): SqlType[] => types.map((t) => (t.kind === 'unknown' ? { kind: 'text' } : t))

function cteRel(b: Binding, cte: CteInfo, location: number | undefined): Rel {
  if (cte.forbidden !== undefined) throw new SqlError('42P19', cte.forbidden)
  if (cte.returnsNothing === true) {
    const position = b.qc.env.binder.position(location)
    throw new SqlError('0A000', `WITH query "${cte.name}" does not have a RETURNING clause`, { position })
  }
  cte.onRead?.()
  if (cte.work !== undefined) {
    cte.work.used++
    return { kind: 'workScan', width: cte.names.length, cteId: cte.work.cteId }
  }
  assert(cte.def !== undefined, 'a CTE is defined before use')
  return { kind: 'cteScan', width: cte.names.length, cte: cte.def }
}

/** A unit over rows computed elsewhere (subquery, CTE, system relation): placed, then filtered. */
function derived(
  b: Binding,
  alias: string,
  colnames: readonly Node[] | undefined,
  names: readonly string[],
  types: readonly SqlType[],
  rel: Rel,
  row: ItemRow,
): { columns: ScopeColumn[]; tables: string[] } {
  const renamed = (colnames ?? []).map(stringOf)
  if (renamed.length > names.length) {
    throw new SqlError('42P10', `table "${alias}" has ${names.length} columns available but ${renamed.length} columns specified`)
  }
  const offset = b.at.offset
  b.at.offset += names.length
  const slots = names.map((_, i) => offset + i)
  const marker: { slot: number | undefined } = { slot: undefined }
  let planned = false
  b.units.push({
    slots,
    marker,
    build(preds, width) {
      planned = true
      const placed: Rel = offset === 0 && width === names.length ? rel : { kind: 'place', width, input: rel, offset, matched: marker.slot }
      return { rel: filtered(placed, preds), ordered: false }
    },
  })
  const columns = names.map((n, i) => ({ table: alias, name: renamed[i] ?? n, type: types[i] as SqlType, slot: offset + i, hidden: false }))
  // No column of the item is sure to be non-NULL (as a table's key is), so its whole row on an
  // outer join's nullable side asks for a marker: a slot after every slot taken so far, added to
  // this unit's slots (the enclosing joins read them when planned).
  const matched = () => {
    if (marker.slot === undefined) {
      assert(!planned, 'whole-row references are bound before their FROM clause is planned')
      marker.slot = b.at.offset++
      slots.push(marker.slot)
    }
    return marker.slot
  }
  b.rows.set(alias, { ...row, matched })
  return { columns, tables: [alias] }
}

/** A link through which items may read the FROM items to their left (LATERAL; functions). */
function lateralLink(b: Binding): { link: ParentLink; args: Expr[] } {
  return outerLink({ tables: [...new Set(b.visible.map((c) => c.table))], columns: b.visible, parent: b.parent, ctes: b.qc.ctes, rows: b.rows })
}

/**
 * A link through which a subquery reads values of `scope`: each distinct expression it reads
 * becomes one argument, evaluated in `scope` and read inside as an `outer` expression.
 */
export function outerLink(scope: Scope): { link: ParentLink; args: Expr[] } {
  const args: Expr[] = []
  const keys: string[] = []
  const link: ParentLink = {
    scope,
    capture(e: Expr): Expr {
      const key = exprKey(e)
      let at = keys.indexOf(key)
      if (at < 0) {
        keys.push(key)
        args.push(e)
        at = args.length - 1
      }
      return { kind: 'outer', type: e.type, index: at }
    },
  }
  return { link, args }
}

/** Marks the unit just added as LATERAL when it read items to its left. */
function markLateral(b: Binding, rel: Rel, args: readonly Expr[]): void {
  if (args.length === 0) return
  const unit = b.units[b.units.length - 1] as Unit
  b.units[b.units.length - 1] = { ...unit, lateral: { rel, args, offset: unit.slots[0] ?? 0 } }
}

/** A set-returning function in FROM (implicitly LATERAL, as in PostgreSQL). */
function bindRangeFunction(b: Binding, r: RangeFunction): { columns: ScopeColumn[]; tables: string[] } {
  const fns = r.functions ?? []
  if (fns.length !== 1 || r.is_rowsfrom === true) throw featureNotSupported('ROWS FROM with several functions')
  const list = fns[0] as Node
  const call = 'List' in list ? list.List.items?.[0] : undefined
  if (call === undefined || !('FuncCall' in call)) throw featureNotSupported('this expression in FROM')
  const f = call.FuncCall
  const names = (f.funcname ?? []).map(stringOf)
  const name = (names.length === 2 && names[0] === 'pg_catalog' ? names[1] : names.length === 1 ? names[0] : undefined) ?? ''
  const recordResolver = RECORD_SET_FUNCTIONS.get(name)
  const setResolver = SET_FUNCTIONS.get(name)
  if (setResolver === undefined && recordResolver === undefined) throw featureNotSupported(`function ${names.join('.')} in FROM (only set-returning functions)`)
  const definitions = r.coldeflist === undefined ? undefined : definedColumns(b, r.coldeflist)
  if (recordResolver !== undefined && definitions === undefined) {
    throw new SqlError('42601', 'a column definition list is required for functions returning "record"')
  }
  if (definitions !== undefined && r.ordinality === true) throw new SqlError('42601', 'WITH ORDINALITY cannot be used with a column definition list')
  const resolver = (types: readonly SqlType[]) => (recordResolver !== undefined ? recordResolver(types, definitions ?? []) : setResolver?.(types))
  const { link, args: captured } = lateralLink(b)
  const binder = b.qc.env.binder
  const scope: Scope = { tables: [], columns: [], parent: link, ctes: b.qc.ctes }
  const written = f.args ?? []
  const typeName = (a: Node) => formatType(binder.bind(a, scope, { clause: 'functions in FROM' }).type)
  const positional = hasNamedArguments(written) ? positionalArguments(name, names.join('.'), written, typeName) : written
  const bound = positional.map((a) => binder.bind(a, scope, { clause: 'functions in FROM' }))
  const resolved = resolver(bound.map((a) => a.type))
  if (resolved === undefined) {
    throw new SqlError('42883', `function ${name}(${bound.map((a) => formatType(a.type)).join(', ')}) does not exist`)
  }
  if (definitions !== undefined && recordResolver === undefined) {
    throw new SqlError('42601', resolved.columns.length > 1 ? 'a column definition list is redundant for a function with OUT parameters' : 'a column definition list is only allowed for functions returning "record"')
  }
  const args = bound.map((a, i) => binder.coerce(a, resolved.argTypes[i] ?? a.type, 'implicit'))
  const columns = [...resolved.columns]
  const alias = r.alias?.aliasname ?? name
  // A one-column function's column takes the alias's name, as in PostgreSQL.
  // (a function of a base type, whose column bears the function's name; OUT columns keep theirs).
  const scalar = recordResolver === undefined && columns.length === 1 && columns[0]?.name === name
  if (scalar && r.alias !== undefined && (r.alias.colnames?.length ?? 0) === 0) columns[0] = { ...(columns[0] as SetFunctionColumn), name: alias }
  const ordinality = r.ordinality === true
  const apply = ordinality ? withOrdinality(resolved.apply) : resolved.apply
  if (ordinality) columns.push({ name: 'ordinality', type: { kind: 'int8' } })
  const rel: Rel = { kind: 'setFunction', width: columns.length, name, args, apply: resolved.strict === false ? apply : strictRows(apply) }
  unlockable(b.lock, alias, 'a function')
  // The whole row of a function of one column is its value, as in PostgreSQL: of a base type, and
  // of one OUT parameter too (`SELECT e->>'k' FROM jsonb_array_elements(j) e`, whose column is
  // `value`).
  const oneColumn = recordResolver === undefined && resolved.columns.length === 1
  const out = derived(b, alias, r.alias?.colnames, columns.map((c) => c.name), columns.map((c) => c.type), rel, { scalar: oneColumn && !ordinality })
  markLateral(b, rel, captured)
  return out
}

/** The columns of a column definition list (`AS x(a int, b text)`): 42701 for a repeated name. */
function definedColumns(b: Binding, list: readonly Node[]): SetFunctionColumn[] {
  const columns: SetFunctionColumn[] = []
  for (const node of list) {
    assert('ColumnDef' in node, 'a column definition list holds column definitions')
    const name = node.ColumnDef.colname ?? ''
    if (columns.some((c) => c.name === name)) throw new SqlError('42701', `column name "${name}" specified more than once`)
    columns.push({ name, type: b.qc.env.binder.resolveType(node.ColumnDef.typeName ?? {}) })
  }
  return columns
}

/** No rows for a NULL argument (the set-returning functions here are strict). */
function strictRows(apply: SetFunctionApply): SetFunctionApply {
  return (args, ctx) => (args.some((a) => a === null) ? [] : apply(args, ctx))
}

function withOrdinality(apply: SetFunctionApply): SetFunctionApply {
  return function* (args, ctx) {
    let n = 0n
    for (const row of apply(args, ctx)) yield [...row, ++n]
  }
}

type SetFunctionApply = ResolvedSetFunction['apply']

function bindSubselect(b: Binding, r: RangeSubselect): { columns: ScopeColumn[]; tables: string[] } {
  const sub = r.subquery
  assert(sub !== undefined && 'SelectStmt' in sub, 'a subquery in FROM is a SELECT')
  const alias = r.alias?.aliasname ?? 'unnamed_subquery'
  const clause = lockFor(b.lock, alias)
  const select = clause !== undefined ? lockedInside(sub.SelectStmt, clause, false) : sub.SelectStmt
  if (r.lateral !== true) {
    const q = b.qc.bindQuery(select, b.parent)
    return derived(b, alias, r.alias?.colnames, q.names, settledTypes(q.types), q.rel, {})
  }
  // LATERAL reads the items to its left the way a correlated subquery reads its enclosing query.
  const { link, args } = lateralLink(b)
  const q = b.qc.bindQuery(select, link)
  const bound = derived(b, alias, r.alias?.colnames, q.names, settledTypes(q.types), q.rel, {})
  markLateral(b, q.rel, args)
  return bound
}

function bindJoin(b: Binding, j: JoinExpr): { columns: ScopeColumn[]; tables: string[] } {
  if (j.alias !== undefined) throw featuresNotSupported('aliases on joins')
  const kind = j.jointype ?? 'JOIN_INNER'
  if (kind === 'JOIN_INNER') return bindInnerJoin(b, j)
  const join = kind === 'JOIN_LEFT' ? 'left' : kind === 'JOIN_RIGHT' ? 'right' : kind === 'JOIN_FULL' ? 'full' : undefined
  if (join === undefined) throw featureNotSupported(`join type ${kind}`)
  // An outer join is one unit: each side planned with its own inner-join conditions.
  const sides = (node: Node | undefined) => {
    assert(node !== undefined, 'a join has two sides')
    const side: Binding = { ...b, units: [], pool: [], columns: [], tables: [], visible }
    const bound = bindItem(side, node)
    return { ...bound, units: side.units, pool: side.pool }
  }
  let visible = b.visible
  // A recursive reference on the NULL-extended side of an outer join is PostgreSQL's 42P19 (its
  // iteration need not end).
  const workReads = () => [...b.qc.ctes.values()].reduce((n, c) => n + (c.work?.used ?? 0), 0)
  const before = workReads()
  const left = sides(j.larg)
  const afterLeft = workReads()
  visible = [...b.visible, ...left.columns]
  const right = sides(j.rarg)
  const nullable = join === 'left' ? workReads() > afterLeft : join === 'right' ? afterLeft > before : workReads() > before
  if (nullable) {
    const cte = [...b.qc.ctes.values()].find((c) => (c.work?.used ?? 0) > 0)
    throw new SqlError('42P19', `recursive reference to query "${cte?.name ?? ''}" must not appear within an outer join`)
  }
  checkAliases(left.tables, right.tables)
  // The items an outer join may NULL-extend: their whole row is then NULL, not a row of NULLs.
  const extended = join === 'left' ? right.tables : join === 'right' ? left.tables : [...left.tables, ...right.tables]
  for (const t of extended) {
    // A NULL-extended row has nothing to lock (PostgreSQL's 0A000).
    const clause = lockFor(b.lock, t)
    if (clause !== undefined) throw new SqlError('0A000', `${lockClauseName(clause)} cannot be applied to the nullable side of an outer join`)
    b.rows.set(t, { ...b.rows.get(t), nullable: true })
  }
  const { columns, cond } = joinColumns(b, j, left, right, join)
  b.units.push({
    // Read when planned: a whole-row reference bound after the join may add a marker slot to an
    // item inside it (ItemRow.matched).
    get slots() {
      return [...left.units, ...right.units].flatMap((u) => u.slots)
    },
    build(allPreds, width) {
      const leftSlots = left.units.flatMap((u) => u.slots)
      const rightSlots = right.units.flatMap((u) => u.slots)
      // WHERE conjuncts on the preserved side alone filter it before the join (same rows).
      const within = (p: Expr, side: readonly number[]) => [...slotsOf(p)].every((x) => side.includes(x))
      const pushLeft = join === 'left' ? allPreds.filter((p) => within(p, leftSlots)) : []
      const pushRight = join === 'right' ? allPreds.filter((p) => within(p, rightSlots)) : []
      const preds = allPreds.filter((p) => !pushLeft.includes(p) && !pushRight.includes(p))
      const l = planUnits(left.units, [...left.pool, ...pushLeft], width)
      const only = right.units.length === 1 ? right.units[0] : undefined
      // An item reading only the enclosing query's values is planned as any other (planUnits).
      const readsLeft = only?.lateral?.args.some((a) => [...slotsOf(a)].some((slot) => leftSlots.includes(slot))) === true
      if (only?.lateral !== undefined && readsLeft) {
        if (join !== 'left') throw new SqlError('42P10', `invalid reference to FROM-clause entry: the right side of a ${join.toUpperCase()} JOIN cannot be LATERAL`)
        const rel = lateralOf(only, only.lateral, join, l, width, cond)
        return { rel: filtered(rel, preds), ordered: false }
      }
      if (join === 'left' && only !== undefined && right.pool.length === 0 && cond !== undefined && estimateRows(l) <= INDEX_JOIN_ROWS_MAX) {
        const lookup = indexLookup(only, [], conjuncts(cond), leftSlots)
        if (lookup !== undefined) return { rel: filtered({ kind: 'lateral', width, join, left: l, ...lookup }, preds), ordered: false }
      }
      const r = planUnits(right.units, [...right.pool, ...pushRight], width)
      const keys = cond === undefined ? { hashKeys: [], rest: [] } : hashKeysOf(conjuncts(cond), leftSlots, rightSlots)
      const rest = keys.rest.length === 0 ? undefined : andOf(keys.rest)
      const rel: Rel = { kind: 'join', width, join, left: l, right: r, leftSlots, rightSlots, hashKeys: keys.hashKeys, cond: rest }
      return { rel: filtered(rel, preds), ordered: false }
    },
  })
  return { columns, tables: [...left.tables, ...right.tables] }
}

function bindInnerJoin(b: Binding, j: JoinExpr): { columns: ScopeColumn[]; tables: string[] } {
  assert(j.larg !== undefined && j.rarg !== undefined, 'a join has two sides')
  const left = bindItem(b, j.larg)
  const right = bindItem({ ...b, visible: [...b.visible, ...left.columns] }, j.rarg)
  checkAliases(left.tables, right.tables)
  const { columns, cond } = joinColumns(b, j, left, right, 'inner')
  if (cond !== undefined) b.pool.push(...conjuncts(cond))
  return { columns, tables: [...left.tables, ...right.tables] }
}

function checkAliases(left: readonly string[], right: readonly string[]): void {
  for (const t of right) if (left.includes(t)) throw new SqlError('42712', `table name "${t}" specified more than once`)
}

/** The join's columns (USING and NATURAL merge same-named ones) and its ON condition. */
function joinColumns(
  b: Binding,
  j: JoinExpr,
  left: { columns: ScopeColumn[]; tables: string[] },
  right: { columns: ScopeColumn[]; tables: string[] },
  join: 'inner' | 'left' | 'right' | 'full',
): { columns: ScopeColumn[]; cond: Expr | undefined } {
  // ON reads the two sides and, in a subquery, the enclosing query's row (not the FROM items to
  // the join's left, as in PostgreSQL).
  const scope: Scope = { tables: [...left.tables, ...right.tables], columns: [...left.columns, ...right.columns], parent: b.parent, ctes: b.qc.ctes, rows: b.rows }
  const binder = b.qc.env.binder
  let using = (j.usingClause ?? []).map(stringOf)
  if (j.isNatural === true) {
    const rightNames = new Set(right.columns.filter((c) => !c.hidden).map((c) => c.name))
    using = left.columns.filter((c) => !c.hidden && rightNames.has(c.name)).map((c) => c.name)
  }
  if (using.length === 0) {
    binder.watch?.join?.([])
    const cond = j.quals === undefined ? undefined : binder.bindCondition(j.quals, scope, { clause: 'JOIN/ON' })
    return { columns: [...scope.columns], cond }
  }
  const merged: ScopeColumn[] = []
  const conds: Expr[] = []
  const seen = new Set<string>()
  for (const name of using) {
    if (seen.has(name)) throw new SqlError('42701', `column name "${name}" appears more than once in USING clause`)
    seen.add(name)
    const l = left.columns.find((c) => !c.hidden && !c.nameHidden && c.name === name)
    const r = right.columns.find((c) => !c.hidden && !c.nameHidden && c.name === name)
    if (l === undefined || r === undefined) {
      throw new SqlError('42703', `column "${name}" specified in USING clause does not exist in ${l === undefined ? 'left' : 'right'} table`)
    }
    const lExpr: Expr = { kind: 'column', type: l.type, slot: l.slot, name }
    const rExpr: Expr = { kind: 'column', type: r.type, slot: r.slot, name }
    conds.push(binder.binary('=', lExpr, rExpr))
    const type = commonType([l.type, r.type], 'JOIN/USING')
    // The merged column reads the side that is never NULL-extended; FULL reads whichever is set.
    const from = join === 'right' ? r : l
    const value: Expr | undefined =
      join === 'full' ? { kind: 'coalesce', type, args: [binder.coerce(lExpr, type, 'implicit'), binder.coerce(rExpr, type, 'implicit')] } : undefined
    merged.push({ table: '', origin: from.table, name, type: value?.type ?? from.type, slot: from.slot, hidden: false, value })
  }
  binder.watch?.join?.(using.map((name) => [
    left.columns.find((c) => !c.hidden && !c.nameHidden && c.name === name) as ScopeColumn,
    right.columns.find((c) => !c.hidden && !c.nameHidden && c.name === name) as ScopeColumn,
  ]))
  const hide = (c: ScopeColumn): ScopeColumn => (using.includes(c.name) && !c.hidden ? { ...c, nameHidden: true, starHidden: true } : c)
  return { columns: [...merged, ...left.columns.map(hide), ...right.columns.map(hide)], cond: andOf(conds) }
}

/**
 * Plans the units of a FROM clause with their conditions: single-unit conjuncts go to the unit
 * (index access for tables), then units join greedily, preferring one linked by an equality
 * (a hash join), else the next in FROM order (a nested loop).
 */
export function planUnits(
  units: readonly Unit[],
  pool: readonly Expr[],
  width: number,
  order?: OrderRequest,
  limited = false,
): Rel {
  return planUnitsOrdered(units, pool, width, order, limited).rel
}

export function planUnitsOrdered(
  units: readonly Unit[],
  pool: readonly Expr[],
  width: number,
  order: OrderRequest | undefined,
  limited: boolean,
): { rel: Rel; ordered: boolean } {
  const unitOf = new Map<number, number>()
  units.forEach((u, i) => u.slots.forEach((s) => unitOf.set(s, i)))
  const refs = (e: Expr) => new Set([...slotsOf(e)].map((s) => unitOf.get(s)).filter((u): u is number => u !== undefined))
  const local: Expr[][] = units.map(() => [])
  const joinConds: { expr: Expr; units: Set<number> }[] = []
  const top: Expr[] = []
  for (const c of pool) {
    const r = refs(c)
    if (r.size === 1) local[[...r][0] as number]!.push(c)
    else if (r.size === 0) top.push(c)
    else joinConds.push({ expr: c, units: r })
  }
  if (units.length === 0) return { rel: filtered({ kind: 'values', width, rows: [Array.from({ length: width }, nullConst)] }, top), ordered: false }
  const needs = units.map((u) => (u.lateral === undefined ? new Set<number>() : new Set(u.lateral.args.flatMap((a) => [...refs(a)]))))
  units.forEach((u) => {
    // A LATERAL item reading an item planned elsewhere (across an outer join) has no row to read.
    const outside = u.lateral?.args.some((a) => [...slotsOf(a)].some((slot) => !unitOf.has(slot)))
    if (outside === true) throw featureNotSupported('LATERAL references to items outside its own join')
  })
  // An item that reads only values of an enclosing query (`EXISTS (SELECT 1 FROM unnest(t.tags)
  // x ...)`) reads no item of this FROM: it runs once per row of the enclosing query, over a row
  // of nothing, and joins as any item does.
  const alone = units.map((u, i) => u.lateral !== undefined && needs[i]!.size === 0)
  const built = units.map((u, i) => {
    if (u.lateral !== undefined && alone[i] === true) {
      const cond = andOf(local[i] as Expr[])
      const left: Rel = { kind: 'values', width, rows: [Array.from({ length: width }, nullConst)] }
      const rel = lateralOf(u, u.lateral, 'inner', left, width, cond)
      return { rel, ordered: false }
    }
    return u.build(local[i] as Expr[], width, units.length === 1 ? order : undefined, limited && units.length === 1)
  })
  assert(units[0]?.lateral === undefined || alone[0] === true, 'the first FROM item reads nothing to its left')
  // Start from the item expected to give the fewest rows (a key lookup first), FROM order on ties.
  let first = 0
  for (let i = 1; i < units.length; i++) {
    if (needs[i]!.size === 0 && estimateRows(built[i]!.rel) < estimateRows(built[first]!.rel)) first = i
  }
  const joined = new Set<number>([first])
  let rel = (built[first] as { rel: Rel }).rel
  let slots = [...(units[first] as Unit).slots]
  while (joined.size < units.length) {
    const next = pickNext(units.length, joined, joinConds, needs)
    const unit = units[next] as Unit
    const nextSlots = unit.slots
    const ready = joinConds.filter((c) => [...c.units].every((u) => joined.has(u) || u === next) && c.units.has(next))
    for (const c of ready) joinConds.splice(joinConds.indexOf(c), 1)
    if (unit.lateral !== undefined && alone[next] !== true) {
      const cond = andOf([...(local[next] as Expr[]), ...ready.map((c) => c.expr)])
      rel = lateralOf(unit, unit.lateral, 'inner', rel, width, cond)
      joined.add(next)
      slots = [...slots, ...nextSlots]
      continue
    }
    // Few rows so far and a key of the next table fixed by them: look each up (index nested loop).
    const lookup = estimateRows(rel) <= INDEX_JOIN_ROWS_MAX ? indexLookup(unit, local[next] as Expr[], ready.map((c) => c.expr), slots) : undefined
    if (lookup !== undefined) {
      rel = { kind: 'lateral', width, join: 'inner', left: rel, ...lookup }
      joined.add(next)
      slots = [...slots, ...nextSlots]
      continue
    }
    const keys = hashKeysOf(ready.map((c) => c.expr), slots, nextSlots)
    rel = {
      kind: 'join',
      width,
      join: 'inner',
      left: rel,
      right: (built[next] as { rel: Rel }).rel,
      leftSlots: slots,
      rightSlots: nextSlots,
      hashKeys: keys.hashKeys,
      cond: keys.rest.length === 0 ? undefined : andOf(keys.rest),
    }
    joined.add(next)
    slots = [...slots, ...nextSlots]
  }
  assert(joinConds.length === 0, 'every join condition is placed')
  // Conditions that read no row decide once, before anything is scanned or joined.
  const once = top.filter((c) => !isVolatile(c))
  const gated: Rel = once.length === 0 ? rel : { kind: 'filter', width, input: rel, cond: andOf(once) as Expr, once: true }
  const ordered = units.length === 1 && (built[0] as { ordered: boolean }).ordered
  return { rel: filtered(gated, top.filter((c) => isVolatile(c))), ordered }
}

/**
 * An index nested-loop join of table unit `unit` to rows over `leftSlots`: equalities between a
 * column of the unit and an expression of the left side become key values read from each left
 * row (`outer` arguments). Undefined when no index or primary key prefix is fixed that way.
 */
function indexLookup(unit: Unit, local: readonly Expr[], conds: readonly Expr[], leftSlots: readonly number[]) {
  if (unit.scan === undefined || unit.offset === undefined) return undefined
  const args: Expr[] = []
  const keyed: Expr[] = []
  const rest: Expr[] = []
  const onLeft = (e: Expr) => {
    const used = slotsOf(e)
    return used.size > 0 && [...used].every((s) => leftSlots.includes(s))
  }
  const ofUnit = (e: Expr) => e.kind === 'column' && unit.slots.includes(e.slot)
  for (const c of conds) {
    if (isEquality(c) && ofUnit(c.left) && onLeft(c.right)) {
      args.push(c.right)
      keyed.push({ ...c, right: { kind: 'outer', type: c.right.type, index: args.length - 1 } })
    } else if (isEquality(c) && ofUnit(c.right) && onLeft(c.left)) {
      args.push(c.left)
      keyed.push({ ...c, left: { kind: 'outer', type: c.left.type, index: args.length - 1 } })
    } else rest.push(c)
  }
  if (keyed.length === 0) return undefined
  const sub = unit.scan([...local, ...keyed])
  if (sub.kind !== 'scan' || sub.source.access.kind === 'tableScan') return undefined
  return { sub, args, offset: unit.offset, cond: andOf(rest) }
}

/** A rough row count for join planning (no statistics yet): key lookups are 1, ranges 100. */
function estimateRows(rel: Rel): number {
  switch (rel.kind) {
    case 'scan': {
      const a = rel.source.access
      const unique = a.kind === 'indexRange' && a.index.unique && a.prefix.length === a.index.columns.length
      if (a.kind === 'pkPoint' || unique) return 1
      // Each conjunct of the filter keeps a tenth (an equality) or a third (anything else).
      let rows = a.kind === 'tableScan' ? 10_000 : 100
      for (const c of conjuncts(rel.source.filter)) rows /= c.kind === 'binary' && c.name === '=' ? 10 : 3
      return Math.max(1, Math.round(rows))
    }
    case 'values':
      return rel.rows.length
    case 'sequence':
      return 1
    case 'system':
      // pg_namespace's few rows before pg_attribute's hundreds: an ORM's introspection joins them.
      return rel.relation.estimateRows()
    case 'place':
    case 'project':
      return estimateRows(rel.input)
    case 'filter':
      return Math.max(1, Math.floor(estimateRows(rel.input) / 4))
    case 'join':
      return Math.max(estimateRows(rel.left), estimateRows(rel.right))
    case 'lateral':
      return estimateRows(rel.left) * (rel.sub.kind === 'scan' ? estimateRows(rel.sub) : 10)
    case 'limit':
      return rel.limit?.kind === 'const' && typeof rel.limit.value === 'bigint' ? Number(rel.limit.value) : estimateRows(rel.input)
    case 'aggregate':
      return rel.keys.length === 0 ? 1 : estimateRows(rel.input)
    default:
      return 1000
  }
}

/** A LATERAL item `unit` joined to `left`: its rows computed for each row of `left`. */
function lateralOf(unit: Unit, lateral: NonNullable<Unit['lateral']>, join: 'inner' | 'left', left: Rel, width: number, cond: Expr | undefined): Rel {
  return { kind: 'lateral', width, join, left, sub: lateral.rel, args: lateral.args, offset: lateral.offset, matched: unit.marker?.slot, cond }
}

const nullConst = (): Expr => ({ kind: 'const', type: { kind: 'unknown' }, value: null })

function pickNext(
  count: number,
  joined: ReadonlySet<number>,
  conds: readonly { expr: Expr; units: Set<number> }[],
  needs: readonly ReadonlySet<number>[],
): number {
  // A LATERAL item joins only after every item it reads.
  const ready = (u: number) => [...(needs[u] as ReadonlySet<number>)].every((d) => joined.has(d))
  for (const c of conds) {
    if (!isEquality(c.expr)) continue
    const outside = [...c.units].filter((u) => !joined.has(u))
    if (outside.length === 1 && ready(outside[0] as number)) return outside[0] as number
  }
  for (let i = 0; i < count; i++) if (!joined.has(i) && ready(i)) return i
  assert(false, 'a unit is left to join')
}

function isEquality(e: Expr): e is Extract<Expr, { kind: 'binary' }> {
  return e.kind === 'binary' && e.name === '='
}

/** Splits conditions into hash keys (left-side = right-side equalities) and the rest. */
function hashKeysOf(conds: readonly Expr[], leftSlots: readonly number[], rightSlots: readonly number[]) {
  const inside = (e: Expr, slots: readonly number[]) => {
    const used = slotsOf(e)
    return used.size > 0 && [...used].every((s) => slots.includes(s))
  }
  const hashKeys: { left: Expr; right: Expr; type: SqlType }[] = []
  const rest: Expr[] = []
  for (const c of conds) {
    if (isEquality(c) && inside(c.left, leftSlots) && inside(c.right, rightSlots)) {
      hashKeys.push({ left: c.left, right: c.right, type: c.left.type })
    } else if (isEquality(c) && inside(c.right, leftSlots) && inside(c.left, rightSlots)) {
      hashKeys.push({ left: c.right, right: c.left, type: c.left.type })
    } else rest.push(c)
  }
  // Hashing is only exact when both sides compare in one type.
  const exact = hashKeys.filter((k) => k.left.type.kind === k.right.type.kind)
  for (const k of hashKeys) if (!exact.includes(k)) rest.push(equalityOf(conds, k))
  return { hashKeys: exact, rest }
}

function equalityOf(conds: readonly Expr[], k: { left: Expr; right: Expr }): Expr {
  const found = conds.find((c) => isEquality(c) && ((c.left === k.left && c.right === k.right) || (c.left === k.right && c.right === k.left)))
  assert(found !== undefined, 'a hash key comes from a condition')
  return found
}

/** The canonical slots an expression reads (subquery arguments included). */
export function slotsOf(e: Expr, into = new Set<number>()): Set<number> {
  if (e.kind === 'column') into.add(e.slot)
  mapChildren(e, (c) => {
    slotsOf(c, into)
    return c
  })
  return into
}

/** Moves every column reference by `delta` slots. */
export function shiftSlots(e: Expr, delta: number): Expr {
  if (e.kind === 'column') return { ...e, slot: e.slot + delta }
  return mapChildren(e, (c) => shiftSlots(c, delta))
}

function filtered(rel: Rel, preds: readonly Expr[]): Rel {
  return preds.length === 0 ? rel : { kind: 'filter', width: rel.width, input: rel, cond: andOf(preds) as Expr }
}

function andOf(exprs: readonly Expr[]): Expr | undefined {
  if (exprs.length <= 1) return exprs[0]
  return { kind: 'and', type: { kind: 'bool' }, args: exprs }
}
