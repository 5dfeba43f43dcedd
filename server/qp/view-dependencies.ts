// Views over a relation that DDL changes (ARCHITECTURE.md "Keys and rows": the catalog). A view
// holds its query's text and is bound again wherever it is used (views.ts), so after ALTER TABLE,
// a rename or SET SCHEMA every view that reads the relation, directly or through other views,
// must bind as it did before: the same output types, every column reference resolving to the same
// column of the same FROM item, every USING or NATURAL join joining the same columns. A new or
// renamed column must not take a name that meant something else (PostgreSQL's views are bound
// once, to object ids, and never change meaning): where it would, the change is refused naming
// the view. DependentViews takes each view's bindings before the statement changes the catalog and
// checks them after; a rename rewrites view text in between (view-renames.ts) and says how names
// and byte offsets moved.
import type { Node } from 'libpg-query'
import { assert, SqlError } from '../errors/index.ts'
import type { ResolvedColumnRef, Scope, ScopeColumn } from './binder.ts'
import { VIEW_DEPTH_MAX } from './constants.ts'
import type { DdlEnv } from './ddl.ts'
import { sequenceKey } from './catalog.ts'
import { qualifiedName, relationsRead } from './from.ts'
import { characterPosition } from './parser.ts'
import type { ByteEdit } from './parser.ts'
import { planSelect } from './select.ts'
import type { SqlType } from './types/index.ts'
import { changedType, listViews, viewKey, type ViewDef } from './views.ts'

/** A replacement of the bytes [start, end) of a view's text. */
export type Edit = ByteEdit

/** What a view's text bound to. */
export interface Bindings {
  readonly types: readonly SqlType[]
  /** Each column reference, by byte offset: the scope it resolved in (numbered in the order the
   * binder first used them), the FROM item and the column. */
  readonly refs: ReadonlyMap<number, readonly Resolution[]>
  /** Each join in binding order: the columns its USING or NATURAL list joined (none for ON). */
  readonly joins: readonly (readonly (readonly [Resolution, Resolution])[])[]
  /** The references as the binder reported them (view-renames.ts rewrites some). */
  readonly columnRefs: readonly ResolvedColumnRef[]
}

/** What a name resolved to: kind `b` a base table column (`relation.column`), `u` a merged USING
 * column, `d` a column of a subquery, CTE, view or function. */
interface Resolution {
  readonly scope: number
  readonly item: string
  readonly kind: 'b' | 'u' | 'd'
  readonly relation?: string
  readonly column: string
}

/** A view that reads the changed relation, as it was before the statement. */
export interface DependentView {
  readonly def: ViewDef
  readonly bindings: Bindings
}

export class DependentViews {
  readonly #views: readonly DependentView[]
  /** Relations renamed by the statement (a table's move takes its sequences along): old to new. */
  readonly #relationRenames = new Map<string, string>()
  #columnRename: { readonly relation: string; readonly from: string; readonly to: string } | undefined
  /** Edits made to views' text, by the view's name: batches in the order made, each counted in
   * the text the one before left. */
  readonly #edits = new Map<string, (readonly Edit[])[]>()

  private constructor(views: readonly DependentView[]) {
    this.#views = views
  }

  /** Before a statement changes `relation` (or several, a table and the sequences it owns): every
   * view reading one, directly or through other views, with its bindings. */
  static before(env: DdlEnv, relation: string | readonly string[]): DependentViews {
    const all = listViews(env.view)
    const found: DependentView[] = []
    const seen = new Set<string>()
    let reading = typeof relation === 'string' ? [relation] : [...relation]
    for (let depth = 0; reading.length > 0; depth++) {
      if (depth > VIEW_DEPTH_MAX) throw new SqlError('54001', `views nest more than ${VIEW_DEPTH_MAX} deep`)
      const next: string[] = []
      for (const def of all) {
        if (seen.has(def.name) || !readsAny(env, def, reading)) continue
        seen.add(def.name)
        found.push({ def, bindings: bindingsOf(env, def.sql) })
        next.push(def.name)
      }
      reading = next
    }
    return new DependentViews(found)
  }

  get views(): readonly DependentView[] {
    return this.#views
  }

  renamedRelation(from: string, to: string): void {
    this.#relationRenames.set(from, to)
  }

  renamedColumn(relation: string, from: string, to: string): void {
    this.#columnRename = { relation, from, to }
  }

  /** `view`'s text was edited so (after any edits noted before). */
  edited(view: string, edits: readonly Edit[]): void {
    const batches = this.#edits.get(view)
    if (batches === undefined) this.#edits.set(view, [edits])
    else batches.push(edits)
  }

  /**
   * After the statement: every view must still bind, to the same types and the same columns.
   * Else 2BP01 for a dropped column a view reads (PostgreSQL's answer too), 0A000 naming the view
   * otherwise (`changed` names what the statement changed, as it is called now).
   */
  check(env: DdlEnv, changed: string, stmt: Node): void {
    const what = env.findTable(changed) !== undefined ? 'table' : env.view.get(sequenceKey(changed)) !== undefined ? 'sequence' : 'view'
    for (const { def, bindings } of this.#views) {
      const name = def.name
      const raw = env.view.get(viewKey(name))
      if (raw === undefined) continue
      const now = JSON.parse(raw) as ViewDef
      let after: Bindings
      try {
        after = bindingsOf(env, now.sql)
      } catch (e) {
        if (!(e instanceof SqlError)) throw e
        const dropped = droppedColumn(stmt)
        if (dropped !== undefined) {
          throw new SqlError('2BP01', `cannot drop column ${dropped} of table ${changed} because other objects depend on it`, {
            detail: `view ${name} depends on column ${dropped} of table ${changed}`,
            hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
          })
        }
        throw new SqlError('0A000', `cannot change ${what} "${changed}": view "${name}" would no longer work (${e.message})`, {
          hint: 'A view keeps its query as written: drop the view, change the table, then create the view again.',
        })
      }
      const typeChanged = changedType(def.types ?? bindings.types, after.types)
      if (typeChanged >= 0) {
        throw new SqlError('0A000', 'cannot alter type of a column used by a view or rule', {
          detail: `view ${name} depends on column "${now.columns[typeChanged] ?? ''}"`,
        })
      }
      const moved = this.#differs(bindings, after, this.#edits.get(def.name) ?? [])
      if (moved !== undefined) {
        const where = typeof moved === 'number' ? ` (character ${characterPosition(now.sql, moved)} of its query)` : ` (${moved})`
        throw new SqlError('0A000', `cannot change ${what} "${changed}": a name in view "${name}" would refer to a different column${where}`, {
          hint: 'A view keeps its query as written: drop the view, change the table, then create the view again.',
        })
      }
    }
  }

  /** Where the bindings after differ from those before (with this statement's renames and the
   * view's edits applied): the byte offset of a reference in the text after, a description of a
   * join, or undefined when they agree. */
  #differs(before: Bindings, after: Bindings, edits: readonly (readonly Edit[])[]): number | string | undefined {
    const expected = new Map<number, string>()
    for (const [location, resolutions] of before.refs) {
      const at = edits.reduce((l, batch) => shifted(l, batch), location)
      expected.set(at, resolutions.map((r) => this.#key(r, true)).join(';'))
    }
    for (const [location, resolutions] of after.refs) {
      if (expected.get(location) !== resolutions.map((r) => this.#key(r, false)).join(';')) return location
      expected.delete(location)
    }
    const [gone] = expected.keys()
    if (gone !== undefined) return gone
    const joins = (b: Bindings, renamed: boolean) => b.joins.map((pairs) => pairs.map(([l, r]) => `${this.#key(l, renamed)}=${this.#key(r, renamed)}`).join(',')).join('/')
    return joins(before, true) === joins(after, false) ? undefined : 'the columns of a USING or NATURAL join'
  }

  /** A resolution as a comparable key; `renamed` applies this statement's renames (to one taken
   * before it). */
  #key(r: Resolution, renamed: boolean): string {
    let relation = r.relation
    let column = r.column
    if (renamed && r.kind === 'b') {
      if (relation !== undefined) relation = this.#relationRenames.get(relation) ?? relation
      const c = this.#columnRename
      if (c !== undefined && relation === c.relation && column === c.from) column = c.to
    }
    return `${r.scope}|${r.item}|${r.kind}|${relation ?? ''}|${column}`
  }
}

/** Binds a view's text once more, noting what every name resolved to. */
export function bindingsOf(env: DdlEnv, sql: string): Bindings {
  const query = env.parse.statement(sql).stmt
  assert('SelectStmt' in query, 'a view is a SELECT')
  const scopes = new Map<Scope, number>()
  const resolution = (c: ScopeColumn, scope: Scope | undefined): Resolution => {
    let n = scope === undefined ? -1 : scopes.get(scope)
    if (n === undefined) {
      n = scopes.size
      scopes.set(scope as Scope, n)
    }
    if (c.baseRelation !== undefined && c.baseColumn !== undefined) return { scope: n, item: c.table, kind: 'b', relation: c.baseRelation, column: c.baseColumn }
    return { scope: n, item: c.table, kind: c.value === undefined ? 'd' : 'u', column: c.name }
  }
  const refs = new Map<number, Resolution[]>()
  const joins: (readonly [Resolution, Resolution])[][] = []
  const columnRefs: ResolvedColumnRef[] = []
  let unplaced = -1
  env.binder.watch = {
    column(ref) {
      columnRefs.push(ref)
      // Every reference in text has an offset; one without would be compared by its order.
      const at = ref.location ?? unplaced--
      refs.set(at, [...(refs.get(at) ?? []), resolution(ref.column, ref.scope)])
    },
    join(pairs) {
      joins.push(pairs.map(([l, r]) => [resolution(l, undefined), resolution(r, undefined)] as const))
    },
  }
  try {
    const types = planSelect(env, query.SelectStmt, true).fieldTypes
    return { types, refs, joins, columnRefs }
  } finally {
    env.binder.watch = undefined
  }
}

/** Where byte `location` of a text is after `edits` (none of which starts inside a token that
 * begins before it). */
function shifted(location: number, edits: readonly Edit[]): number {
  let at = location
  for (const e of edits) if (e.start < location) at += new TextEncoder().encode(e.text).length - (e.end - e.start)
  return at
}

/** Whether a view's query reads any of `names` (views hold names, not object ids). */
function readsAny(env: DdlEnv, def: ViewDef, names: readonly string[]): boolean {
  return relationsRead(env.parse.statement(def.sql).stmt).some((rv) => names.includes(qualifiedName(rv)))
}

/** The column an ALTER TABLE drops (the first), if it drops one. */
function droppedColumn(stmt: Node): string | undefined {
  if (!('AlterTableStmt' in stmt)) return undefined
  for (const node of stmt.AlterTableStmt.cmds ?? []) {
    if ('AlterTableCmd' in node && node.AlterTableCmd.subtype === 'AT_DropColumn') return node.AlterTableCmd.name
  }
  return undefined
}
