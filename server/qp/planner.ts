// Planning (ARCHITECTURE.md "query processor": plan): the plan shapes of every statement and the
// choice of access path from the WHERE conjuncts (point get, key range, secondary index, scan).
import { assertNever } from '../errors/index.ts'
import type { SqlType, TypeKind } from './types/index.ts'
import type { Rel } from './rel.ts'
import type { IndexDef, Table } from './catalog.ts'
import { isVolatile, readsRow, type Expr } from './expr.ts'
import type { Field } from './index.ts'
import type { IndexKeys } from './index-keys.ts'
import { exprKey } from './binder.ts'

/** One end of a key range: the value the key column is compared with. */
export interface KeyBound {
  readonly value: Expr
  readonly inclusive: boolean
}

/** How rows of one table are found. Every WHERE conjunct is still applied as a filter. */
export type Access =
  /** Every primary key column is fixed by equality: one point get. */
  | { readonly kind: 'pkPoint'; readonly values: readonly Expr[] }
  /** A prefix of the primary key fixed, optionally a range on the next column. */
  | {
      readonly kind: 'pkRange'
      readonly prefix: readonly Expr[]
      readonly lower: KeyBound | undefined
      readonly upper: KeyBound | undefined
      readonly reverse: boolean
    }
  /** A secondary index range (a point when unique and fully fixed), then rows fetched by key. */
  | {
      readonly kind: 'indexRange'
      readonly index: IndexDef
      /** The types of the index's key elements (what the bounds are encoded as). */
      readonly types: readonly SqlType[]
      readonly prefix: readonly Expr[]
      readonly lower: KeyBound | undefined
      readonly upper: KeyBound | undefined
      readonly reverse: boolean
    }
  | { readonly kind: 'tableScan'; readonly reverse: boolean }

/** Rows of one table: how they are found, which pass, whether they are locked (FOR UPDATE). */
export interface TableSource {
  readonly kind: 'table'
  readonly table: Table
  readonly alias: string
  readonly access: Access
  readonly filter: Expr | undefined
  /** The rows read are locked (FOR UPDATE, FOR SHARE, ...: see lockStrength in from.ts). */
  readonly lock: LockStrength | undefined
}

/** What a locked read does at commit: 'update' checks and records the rows, 'share' checks them. */
export type LockStrength = 'update' | 'share'

/** A sort key over a row: the slot it reads, its type and direction. */
export interface SortKey {
  readonly slot: number
  readonly type: SqlType
  readonly desc: boolean
  readonly nullsFirst: boolean
}

/** A bound query ready to run: its relational plan and result columns. */
export interface SelectPlan {
  readonly kind: 'select'
  readonly rel: Rel
  readonly fields: readonly Field[]
  readonly fieldTypes: readonly SqlType[]
  /** The output expressions of a plain SELECT (not VALUES nor a set operation): INSERT ... SELECT
   * reads them to store a regclass output as the relation's OID. */
  readonly outputs?: readonly Expr[] | undefined
}

/** RETURNING: expressions over the table row. */
export interface Returning {
  readonly outputs: readonly Expr[]
  /** The output columns' names (the columns of a data-modifying WITH item). */
  readonly names: readonly string[]
  readonly fields: readonly Field[]
  readonly fieldTypes: readonly SqlType[]
}

export type ConflictAction =
  | { readonly kind: 'error' }
  /** `index` undefined: any unique violation is skipped. */
  | { readonly kind: 'nothing'; readonly index: IndexDef | 'primary' | undefined }
  | {
      readonly kind: 'update'
      readonly index: IndexDef | 'primary'
      /** Over `[...existing row, ...excluded row]`. */
      readonly sets: readonly { readonly slot: number; readonly value: Expr }[]
      readonly where: Expr | undefined
    }

export interface InsertPlan {
  readonly kind: 'insert'
  readonly table: Table
  /** Complete rows by column position (defaults filled in), or a query and the target slots. */
  readonly rows:
    | { readonly kind: 'values'; readonly rows: readonly (readonly Expr[])[] }
    | { readonly kind: 'select'; readonly plan: SelectPlan; readonly build: readonly Expr[] }
  readonly onConflict: ConflictAction
  readonly returning: Returning | undefined
}

/** UPDATE ... FROM / DELETE ... USING: the target joined with other items. Rows are FROM rows
 * with the target's columns first; SET, WHERE and RETURNING read the whole row. */
export interface DmlJoin {
  readonly rel: Rel
}

export interface UpdatePlan {
  readonly kind: 'update'
  readonly source: TableSource
  readonly sets: readonly { readonly slot: number; readonly value: Expr }[]
  readonly returning: Returning | undefined
  readonly joined?: DmlJoin | undefined
}

export interface DeletePlan {
  readonly kind: 'delete'
  readonly source: TableSource
  readonly returning: Returning | undefined
  readonly joined?: DmlJoin | undefined
}

/** What one WHEN clause of a MERGE does to the row it chose (merge.ts). */
export type MergeAction =
  | { readonly kind: 'update'; readonly sets: readonly { readonly slot: number; readonly value: Expr }[] }
  | { readonly kind: 'delete' }
  | { readonly kind: 'insert'; readonly row: readonly Expr[] }
  | { readonly kind: 'nothing' }

/** One WHEN clause: which joined rows it applies to, its AND condition, its action. */
export interface MergeClause {
  readonly match: 'matched' | 'notMatchedByTarget' | 'notMatchedBySource'
  readonly when: Expr | undefined
  readonly action: MergeAction
}

/**
 * MERGE: the source joined to the target on the ON condition (a left join from the source, a
 * full join when a clause is NOT MATCHED BY SOURCE). Rows are FROM rows: the target's columns at
 * `targetOffset` onward, and `targetSlot` / `sourceSlot` non-NULL exactly when that side is
 * present (the target's first key column; the source's marker, undefined on a left join).
 */
export interface MergePlan {
  readonly kind: 'merge'
  readonly table: Table
  readonly rel: Rel
  readonly targetOffset: number
  readonly targetSlot: number
  readonly sourceSlot: number | undefined
  readonly clauses: readonly MergeClause[]
  /** Over a joined row with the target's columns as the action left them (the new row for
   * INSERT and UPDATE, the old one for DELETE), then the action's name ('INSERT', 'UPDATE', 'DELETE') after them. */
  readonly returning: Returning | undefined
}

/** One data-modifying WITH item: its statement, and the CTE id its readers read its rows by. */
export interface ModifyingPart {
  readonly cteId: number
  readonly name: string
  readonly plan: InsertPlan | UpdatePlan | DeletePlan
}

/**
 * A statement whose WITH holds data-modifying items (modifying-with.ts). `before` are the items
 * the main statement reads (directly or through other CTEs), in the order they were bound, so each
 * comes after the ones it reads; `after` are the others, run once the main statement is done, the
 * last written first (each after the items it reads). That is the order PostgreSQL runs them in
 * for the simple cases: it runs an item as its reader pulls rows, the unread ones at the end,
 * latest first.
 */
export interface ModifyingWithPlan {
  readonly kind: 'modifyingWith'
  readonly before: readonly ModifyingPart[]
  readonly main: SelectPlan | InsertPlan | UpdatePlan | DeletePlan
  readonly after: readonly ModifyingPart[]
}

/** A column ordering requested by ORDER BY, when every sort key is a plain table column. */
export interface OrderRequest {
  readonly slots: readonly number[]
  readonly desc: boolean
  readonly nullsFirst: readonly boolean[]
}

interface Sargable {
  /** What the conjunct compares: a column, or an expression an index may hold (exprKey). */
  readonly key: string
  readonly op: '=' | '<' | '<=' | '>' | '>='
  readonly value: Expr
  /** The conjunct it came from. */
  readonly source: Expr
}

const FLIP = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const

/** The conjuncts of a condition (AND flattened). */
export function conjuncts(e: Expr | undefined): Expr[] {
  if (e === undefined) return []
  if (e.kind === 'and') return e.args.flatMap(conjuncts)
  return [e]
}

/** Chooses the access path for `table` given the WHERE conjuncts and an optional ordering.
 * `indexes` are its indexes' keys (index-keys.ts): an expression index serves conjuncts on the
 * same expression, a partial index a WHERE that holds each conjunct of its predicate verbatim. */
export function chooseAccess(
  table: Table,
  where: readonly Expr[],
  order: OrderRequest | undefined,
  limited: boolean,
  indexes: ReadonlyMap<number, IndexKeys>,
): {
  readonly access: Access
  readonly ordered: boolean
  /** Conjuncts a primary key point get makes true for the row it finds (no need to test them). */
  readonly implied: readonly Expr[]
} {
  const usable = table.def.indexes.flatMap((index) => {
    const keys = indexes.get(index.id)
    return keys !== undefined && covers(keys, where) ? [keys] : []
  })
  const expressions = usable.some((k) => k.index.exprs !== undefined)
  const sargs = where.flatMap((c) => sargable(c, expressions))
  const columnKeys = (columns: readonly number[]) => columns.map((slot) => `c${slot}`)
  const candidates: { index: IndexDef | 'primary'; columns: readonly number[]; keys: readonly string[]; types: readonly SqlType[] }[] = [
    { index: 'primary', columns: table.primaryKey, keys: columnKeys(table.primaryKey), types: [] },
    ...usable.map((k) => ({ index: k.index, columns: k.index.columns, keys: k.elements.map(elementKey), types: k.types })),
  ]
  let best: { access: Access; ordered: boolean; score: number; implied: readonly Expr[] } = { ...scanAccess(table, order), score: 0, implied: [] }
  for (const c of candidates) {
    const { prefix, used, lower, upper } = keyConstraints(c.keys, sargs)
    const full = prefix.length === c.keys.length
    const orderedBy = order === undefined ? undefined : providesOrder(table, c.columns, prefix.length, order)
    // Without key constraints an index only helps by giving the order a LIMIT can stop early in;
    // the primary key's whole range is the table scan itself.
    const unconstrained = prefix.length === 0 && lower === undefined && upper === undefined
    if (unconstrained && (c.index === 'primary' || orderedBy === undefined || !limited)) continue
    let score = prefix.length * 4 + (lower !== undefined || upper !== undefined ? 2 : 0) + (c.index === 'primary' ? 1 : 0)
    if (full && (c.index === 'primary' || c.index.unique)) score += 100
    // Of two indexes as good, a partial one holds fewer rows.
    if (c.index !== 'primary' && c.index.where !== undefined) score += 1
    if (orderedBy !== undefined && limited) score += 1
    if (score <= best.score) continue
    const reverse = orderedBy ?? false
    const access: Access =
      c.index === 'primary'
        ? full
          ? { kind: 'pkPoint', values: prefix }
          : { kind: 'pkRange', prefix, lower, upper, reverse }
        : { kind: 'indexRange', index: c.index, types: c.types, prefix, lower, upper, reverse }
    const implied = access.kind === 'pkPoint' ? used : []
    best = { access, ordered: orderedBy !== undefined || (access.kind === 'pkPoint' && order !== undefined), score, implied }
  }
  return { access: best.access, ordered: best.ordered, implied: best.implied }
}

/** Whether a partial index holds every row the WHERE conjuncts let through: each conjunct of its
 * predicate is one of them, as bound (PostgreSQL proves implication more generally). */
function covers(keys: IndexKeys, where: readonly Expr[]): boolean {
  if (keys.predicate === undefined) return true
  const held = new Set(where.filter((c) => !isVolatile(c)).map(exprKey))
  return conjuncts(keys.predicate).every((c) => held.has(exprKey(c)))
}

/** What a key element is matched by: its column, or its expression as bound. */
function elementKey(e: Expr): string {
  return e.kind === 'column' ? `c${e.slot}` : exprKey(e)
}

function scanAccess(table: Table, order: OrderRequest | undefined): { access: Access; ordered: boolean } {
  const reverse = order === undefined ? undefined : providesOrder(table, table.primaryKey, 0, order)
  return { access: { kind: 'tableScan', reverse: reverse ?? false }, ordered: reverse !== undefined }
}

/** Equality prefix and the range on the next key element, from the sargable conjuncts. */
function keyConstraints(keys: readonly string[], sargs: readonly Sargable[]) {
  const prefix: Expr[] = []
  const used: Expr[] = []
  for (const key of keys) {
    const eq = sargs.find((s) => s.key === key && s.op === '=')
    if (eq === undefined) break
    prefix.push(eq.value)
    used.push(eq.source)
  }
  const next = keys[prefix.length]
  let lower: KeyBound | undefined
  let upper: KeyBound | undefined
  if (next !== undefined) {
    for (const s of sargs) {
      if (s.key !== next) continue
      if ((s.op === '>' || s.op === '>=') && lower === undefined) lower = { value: s.value, inclusive: s.op === '>=' }
      if ((s.op === '<' || s.op === '<=') && upper === undefined) upper = { value: s.value, inclusive: s.op === '<=' }
    }
  }
  return { prefix, used, lower, upper }
}

/** Whether scanning `columns` (after `fixed` equal columns) yields `order`: undefined if not,
 * else whether the scan must run in reverse. Key order puts NULL first. */
function providesOrder(table: Table, columns: readonly number[], fixed: number, order: OrderRequest): boolean | undefined {
  const matchesAt = (start: number) => order.slots.every((slot, i) => columns[start + i] === slot)
  if (!matchesAt(fixed) && !matchesAt(0)) return undefined
  const nullsOk = order.slots.every((slot, i) => {
    const column = table.columns[slot]
    return column?.notNull === true || table.primaryKey.includes(slot) || order.nullsFirst[i] === !order.desc
  })
  return nullsOk ? order.desc : undefined
}

const INT_RANK: Partial<Record<TypeKind, number>> = { int2: 1, int4: 2, int8: 3 }

/** A key column can be looked up with a value of `value` type without changing comparisons. */
function keyCompatible(column: SqlType, value: SqlType): boolean {
  if (column.kind === value.kind) return column.kind !== 'numeric' || value.kind === 'numeric'
  const text = (k: TypeKind) => k === 'text' || k === 'varchar'
  if (text(column.kind) && text(value.kind)) return true
  const c = INT_RANK[column.kind]
  const v = INT_RANK[value.kind]
  return c !== undefined && v !== undefined && v <= c
}

/** The key comparisons a conjunct makes: a column (with `expressions`, also an expression of the
 * row, which an expression index may hold) compared with a value the row does not change. */
function sargable(e: Expr, expressions: boolean): Sargable[] {
  if (e.kind !== 'binary' || !(e.name in FLIP)) return []
  const op = e.name as keyof typeof FLIP
  const side = (operand: Expr, value: Expr, o: Sargable['op']): Sargable[] => {
    if (readsRow(value) || isVolatile(value) || !keyCompatible(operand.type, value.type)) return []
    if (operand.kind === 'column') return [{ key: `c${operand.slot}`, op: o, value, source: e }]
    if (!expressions || !readsRow(operand) || isVolatile(operand)) return []
    return [{ key: exprKey(operand), op: o, value, source: e }]
  }
  return [...side(e.left, e.right, op), ...side(e.right, e.left, FLIP[op])]
}

/** A one-line description of an access path (tests and EXPLAIN). */
export function describeAccess(source: TableSource): string {
  const a = source.access
  const on = `on ${source.table.name}`
  switch (a.kind) {
    case 'pkPoint':
      return `Point Get ${on} using ${source.table.def.primaryKeyName}`
    case 'pkRange':
      return `${a.reverse ? 'Reverse ' : ''}Range Scan ${on} using ${source.table.def.primaryKeyName}`
    case 'indexRange':
      return `${a.reverse ? 'Reverse ' : ''}Index Scan ${on} using ${a.index.name}`
    case 'tableScan':
      return `${a.reverse ? 'Reverse ' : ''}Table Scan ${on}`
    default:
      return assertNever(a)
  }
}

/** What EXPLAIN ANALYZE appends to a node's line (its actual rows), by the node's plan object. */
export type ExplainNote = (node: object) => string

/** The plan as text lines, outermost first (EXPLAIN's QUERY PLAN column); `note` adds to each
 * node's line what EXPLAIN ANALYZE measured of it. */
export function explainPlan(plan: SelectPlan | InsertPlan | UpdatePlan | DeletePlan | MergePlan | ModifyingWithPlan, note: ExplainNote = () => ''): string[] {
  switch (plan.kind) {
    case 'merge':
      return [`Merge on ${plan.table.name}${note(plan)}`, ...relLines(plan.rel, 1, note)]
    case 'modifyingWith': {
      // Each item under the main statement's plan, as PostgreSQL shows its CTEs.
      const items = [...plan.before, ...plan.after].flatMap((p) => [
        `  CTE ${p.name}`,
        ...explainPlan(p.plan, note).map((l, i) => (i === 0 ? `    -> ${l}` : `      ${l}`)),
      ])
      return [...explainPlan(plan.main, note), ...items]
    }
    case 'select':
      return relLines(plan.rel, 0, note)
    case 'insert': {
      // A query's plan shows under the insert, as in PostgreSQL; VALUES rows are evaluated one at a
      // time as they are inserted, with no operator of their own.
      const head = `Insert on ${plan.table.name}${note(plan)}`
      return plan.rows.kind === 'select' ? [head, ...relLines(plan.rows.plan.rel, 1, note)] : [head]
    }
    case 'update':
    case 'delete': {
      const head = `${plan.kind === 'update' ? 'Update' : 'Delete'} on ${plan.source.table.name}${note(plan)}`
      if (plan.joined !== undefined) return [head, ...relLines(plan.joined.rel, 1, note)]
      return [head, ...sourceLines(plan.source).map((l) => `  -> ${l}${note(plan.source)}`)]
    }
    default:
      return assertNever(plan)
  }
}

/** One line per operator, children indented under their parent (projections and placements,
 * which only move values, are not shown). */
function relLines(rel: Rel, depth: number, note: ExplainNote = () => ''): string[] {
  const line = (text: string) => `${'  '.repeat(depth)}${depth > 0 ? '-> ' : ''}${text}${note(rel)}`
  const under = (child: Rel) => relLines(child, depth + 1, note)
  switch (rel.kind) {
    case 'project':
    case 'place':
      return relLines(rel.input, depth, note)
    case 'scan':
      // LockRows and the scan under it pass the same rows: both show the scan's count.
      return sourceLines(rel.source).map((l, i) => (i === 0 ? line(l) : `${'  '.repeat(depth + 1)}-> ${l}${note(rel)}`))
    case 'system':
      return [line(`System Relation ${rel.relation.schema}.${rel.relation.name}`)]
    case 'sequence':
      return [line(`Sequence Scan on ${rel.name}`)]
    case 'values':
      return [line(rel.rows.length === 1 && rel.width === 0 ? 'Result' : 'Values Scan')]
    case 'filter':
      return [line('Filter'), ...under(rel.input)]
    case 'join': {
      const method = rel.hashKeys.length > 0 ? 'Hash Join' : 'Nested Loop'
      const kind = rel.join === 'inner' ? '' : ` ${rel.join[0]?.toUpperCase()}${rel.join.slice(1)}`
      return [line(`${method}${kind}`), ...under(rel.left), ...under(rel.right)]
    }
    case 'lateral':
      return [line(`Nested Loop${rel.join === 'left' ? ' Left' : ''} (lateral)`), ...under(rel.left), ...under(rel.sub)]
    case 'aggregate':
      return [line(rel.keys.length > 0 ? 'HashAggregate' : 'Aggregate'), ...under(rel.input)]
    case 'window':
      return [line('WindowAgg'), ...under(rel.input)]
    case 'projectSet':
      return [line('ProjectSet'), ...under(rel.input)]
    case 'distinct':
      return [line(rel.on === undefined ? 'Distinct' : 'Distinct On'), ...under(rel.input)]
    case 'sort':
      return [line('Sort'), ...under(rel.input)]
    case 'limit':
      return [line('Limit'), ...under(rel.input)]
    case 'setop': {
      const name = rel.op === 'union' ? (rel.all ? 'Append' : 'Union') : rel.op === 'intersect' ? 'Intersect' : 'Except'
      return [line(`${name}${rel.all && rel.op !== 'union' ? ' All' : ''}`), ...under(rel.left), ...under(rel.right)]
    }
    case 'cteScan':
      return [line(`CTE Scan on ${rel.cte.name}`)]
    case 'workScan':
      return [line('WorkTable Scan')]
    case 'returned':
      return [line('Returned Rows')]
    case 'setFunction':
      return [line(`Function Scan on ${rel.name}`)]
    default:
      return assertNever(rel)
  }
}

function sourceLines(source: TableSource): string[] {
  const lines = [describeAccess(source)]
  if (source.lock !== undefined) lines.unshift('LockRows')
  return lines
}
