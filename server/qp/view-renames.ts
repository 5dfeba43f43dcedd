// Renames and views. A view holds its query's text (views.ts), so where PostgreSQL's views follow
// a renamed relation through object ids, Tessera rewrites the text of every view that names it:
// each reference in a FROM clause takes the new name and, where it had no alias, an alias of the
// old bare name, so the view's columns qualified by that name keep binding. A reference that
// cannot be rewritten token by token is left as it was, and the check after the statement
// (views.ts checkDependentViews) refuses the change naming the view. A renamed column is followed
// the same way, through the binder's resolution of each column reference (viewsFollowingColumn).
// Also here: ALTER VIEW ... RENAME [COLUMN] / SET SCHEMA and ALTER TABLE ... RENAME on a view.
import type { AlterObjectSchemaStmt, Node, RangeVar, RenameStmt, ResTarget } from 'libpg-query'
import { scanSync } from 'libpg-query'
import { SqlError } from '../errors/index.ts'
import { bareName, schemaExists, schemaOf, siblingName } from './catalog.ts'
import type { DdlEnv } from './ddl.ts'
import { qualifiedName as qualifiedRelation, relationsRead } from './from.ts'
import type { ResolvedColumnRef } from './binder.ts'
import { quoteIdent } from './functions-text.ts'
import { planSelect } from './select.ts'
import { qualifiedName, relationNameTaken } from './sequences.ts'
import { checkDependentViews, listViews, viewKey, type ViewDef } from './views.ts'

/** ALTER VIEW ... RENAME TO / RENAME COLUMN, and ALTER TABLE ... RENAME [COLUMN] naming a view.
 * False when the statement is about something other than a view (a table's rename goes on). */
export function renameView(env: DdlEnv, s: RenameStmt): boolean {
  const viaAlterView = s.renameType === 'OBJECT_VIEW' || (s.renameType === 'OBJECT_COLUMN' && s.relationType === 'OBJECT_VIEW')
  const renamesRelation = s.renameType === 'OBJECT_VIEW' || s.renameType === 'OBJECT_TABLE' || s.renameType === 'OBJECT_COLUMN'
  if (!renamesRelation || s.relation === undefined) return false
  const name = qualifiedRelation(s.relation)
  const def = findView(env, name)
  if (def === undefined) {
    if (!viaAlterView) return false
    missingView(env, name, s.missing_ok === true)
    return true
  }
  if (s.renameType === 'OBJECT_COLUMN') renameViewColumn(env, def, s.subname ?? '', s.newname ?? '', { RenameStmt: s })
  else moveView(env, def, siblingName(def.name, s.newname ?? ''), { RenameStmt: s })
  return true
}

/** ALTER VIEW ... SET SCHEMA, and ALTER TABLE ... SET SCHEMA naming a view. False when the
 * statement is about something other than a view. */
export function setViewSchema(env: DdlEnv, s: AlterObjectSchemaStmt): boolean {
  if ((s.objectType !== 'OBJECT_VIEW' && s.objectType !== 'OBJECT_TABLE') || s.relation === undefined) return false
  const name = qualifiedRelation(s.relation)
  const def = findView(env, name)
  if (def === undefined) {
    if (s.objectType !== 'OBJECT_VIEW') return false
    missingView(env, name, s.missing_ok === true)
    return true
  }
  const schema = s.newschema ?? ''
  if (!schemaExists(env.view, schema)) throw new SqlError('3F000', `schema "${schema}" does not exist`)
  const to = qualifiedName(schema, bareName(def.name))
  if (to !== def.name) moveView(env, def, to, { AlterObjectSchemaStmt: s })
  return true
}

/**
 * After relation `from` became `to` (a rename or SET SCHEMA, in this statement): every view that
 * names `from` names `to` instead. A view whose text cannot be rewritten is left as it was.
 */
export function followRelationRename(env: DdlEnv, from: string, to: string): void {
  for (const view of listViews(env.view)) {
    const sql = renameRelationIn(env, view.sql, from, to)
    if (sql !== undefined && sql !== view.sql) env.put(viewKey(view.name), JSON.stringify({ ...view, sql } satisfies ViewDef))
  }
}

function findView(env: DdlEnv, name: string): ViewDef | undefined {
  const raw = env.view.get(viewKey(name))
  return raw === undefined ? undefined : (JSON.parse(raw) as ViewDef)
}

/** ALTER VIEW naming something that is not a view: 42809 for a table, else 42P01 (nothing with
 * IF EXISTS). */
function missingView(env: DdlEnv, name: string, missingOk: boolean): void {
  if (env.findTable(name) !== undefined) throw new SqlError('42809', `"${bareName(name)}" is not a view`)
  if (!missingOk) throw new SqlError('42P01', `relation "${name}" does not exist`)
}

/** The view under a new catalog name; the views over it follow. */
function moveView(env: DdlEnv, def: ViewDef, to: string, stmt: Node): void {
  if (relationNameTaken(env, to)) throw new SqlError('42P07', `relation "${bareName(to)}" already exists`)
  env.put(viewKey(def.name), null)
  env.put(viewKey(to), JSON.stringify({ ...def, name: to } satisfies ViewDef))
  followRelationRename(env, def.name, to)
  checkDependentViews(env, to, stmt)
}

/** A view's output column under a new name. Views over it name its columns as written, so one
 * that reads the old name makes the rename fail (checkDependentViews). */
function renameViewColumn(env: DdlEnv, def: ViewDef, from: string, to: string, stmt: Node): void {
  const at = def.columns.indexOf(from)
  if (at < 0) throw new SqlError('42703', `column "${from}" does not exist`)
  if (def.columns.includes(to)) throw new SqlError('42701', `column "${to}" of relation "${bareName(def.name)}" already exists`)
  const columns = def.columns.map((c, i) => (i === at ? to : c))
  env.put(viewKey(def.name), JSON.stringify({ ...def, columns } satisfies ViewDef))
  checkDependentViews(env, def.name, stmt)
}

/**
 * `sql` with each FROM-clause reference to relation `from` naming `to`; undefined when one of them
 * is not where the parse tree places it (then the caller keeps the text).
 */
function renameRelationIn(env: Pick<DdlEnv, 'parse'>, sql: string, from: string, to: string): string | undefined {
  const query = env.parse.statement(sql).stmt
  const refs = relationsRead(query).filter((rv) => qualifiedRelation(rv) === from)
  if (refs.length === 0) return sql
  // A bare name could mean something else in the view: a CTE of that name, or (pg_...) a system
  // relation. A schema-qualified name means only the relation.
  const name = relationText(to, bareName(to).startsWith('pg_') || cteNames(query).has(bareName(to)))
  const tokens = scanSync(sql).tokens
  const edits: Edit[] = []
  for (const rv of refs) {
    const first = tokens.findIndex((t) => t.start === rv.location)
    if (first < 0) return undefined
    const last = rv.schemaname === undefined ? first : first + 2
    if (last !== first && tokens[first + 1]?.text !== '.') return undefined
    const end = tokens[last]?.end
    if (end === undefined) return undefined
    // `TABLE name` takes no alias, and nothing can qualify a column by its name there.
    const keepsName = rv.alias === undefined && tokens[first - 1]?.text.toUpperCase() !== 'TABLE'
    edits.push({ start: rv.location as number, end, text: name + (keepsName ? ` AS ${quoteIdent(oldAlias(rv))}` : '') })
  }
  return applyEdits(sql, edits)
}

/**
 * Before column `from` of table `relation` is renamed `to` (while the views still bind): the
 * views whose text names that column, rewritten to name `to`; returns what writes them, to call
 * once the column has its new name. A reference of the column's own name is qualified by its
 * FROM item's name (`y` becomes `t.y2`: no output column or other FROM item of that name can
 * take it), and a bare column in a select list keeps its output name (`t.y2 AS y`). A view whose
 * references cannot all be rewritten so (a bare name from an enclosing query, which an inner FROM
 * item could shadow once qualified; a USING list; `*` in a subquery) is left as it was, and the
 * check after the statement refuses the rename naming it.
 */
export function viewsFollowingColumn(env: DdlEnv, relation: string, from: string, to: string): () => void {
  const rewritten: ViewDef[] = []
  for (const view of listViews(env.view)) {
    const query = env.parse.statement(view.sql).stmt
    if (!('SelectStmt' in query) || !relationsRead(query).some((rv) => qualifiedRelation(rv) === relation)) continue
    const refs = new Map<number | undefined, ResolvedColumnRef[]>()
    env.binder.onColumnRef = (ref) => {
      if (ref.column.origin?.relation === relation && ref.column.origin.column === from) refs.set(ref.location, [...(refs.get(ref.location) ?? []), ref])
    }
    try {
      planSelect(env, query.SelectStmt, true)
    } catch (e) {
      if (!(e instanceof SqlError)) throw e
      continue
    } finally {
      env.binder.onColumnRef = undefined
    }
    const sql = renameColumnIn(view.sql, [...refs.values()], to, selectListColumns(query))
    if (sql !== undefined && sql !== view.sql) rewritten.push({ ...view, sql })
  }
  return () => {
    for (const view of rewritten) env.put(viewKey(view.name), JSON.stringify(view))
  }
}

/** `sql` with the column references `refs` (grouped by location) naming `to`; undefined when
 * one of them cannot be rewritten safely. */
function renameColumnIn(sql: string, refs: readonly (readonly ResolvedColumnRef[])[], to: string, selectList: ReadonlySet<number>): string | undefined {
  if (refs.length === 0) return sql
  const tokens = scanSync(sql).tokens
  const edits: Edit[] = []
  for (const group of refs) {
    const ref = group[0]
    const location = ref?.location
    if (ref === undefined || location === undefined || location < 0) return undefined
    if (group.some((r) => r.outer && r.names === 1)) return undefined
    const first = tokens.findIndex((t) => t.start === location)
    if (first < 0) return undefined
    const last = first + 2 * (ref.names - 1)
    for (let dot = first + 1; dot < last; dot += 2) if (tokens[dot]?.text !== '.') return undefined
    const token = tokens[last]
    if (token === undefined) return undefined
    const text = ref.names === 1 ? `${quoteIdent(ref.column.table)}.${quoteIdent(to)}` : quoteIdent(to)
    const keepName = selectList.has(location) ? ` AS ${quoteIdent(ref.column.name)}` : ''
    edits.push({ start: token.start, end: token.end, text: text + keepName })
  }
  return applyEdits(sql, edits)
}

/** The locations of the select-list entries (at any depth) that are a bare column without an
 * output name: those are named after the column. */
function selectListColumns(node: unknown, out = new Set<number>()): Set<number> {
  if (Array.isArray(node)) {
    for (const child of node) selectListColumns(child, out)
  } else if (typeof node === 'object' && node !== null) {
    const target = (node as { ResTarget?: ResTarget }).ResTarget
    const ref = target?.val !== undefined && 'ColumnRef' in target.val ? target.val.ColumnRef : undefined
    if (target?.name === undefined && ref?.location !== undefined) out.add(ref.location)
    for (const child of Object.values(node)) selectListColumns(child, out)
  }
  return out
}

interface Edit {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** `sql` with each byte range replaced. Positions from the parser and the scanner are UTF-8 byte
 * offsets, so the text is edited as bytes. */
function applyEdits(sql: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start)
  const bytes = new TextEncoder().encode(sql)
  const decoder = new TextDecoder()
  let out = ''
  let at = 0
  for (const edit of sorted) {
    out += decoder.decode(bytes.subarray(at, edit.start)) + edit.text
    at = edit.end
  }
  return out + decoder.decode(bytes.subarray(at))
}

/** How SQL names the relation of catalog name `name` (with its schema, public too, if `qualify`). */
function relationText(name: string, qualify: boolean): string {
  const schema = schemaOf(name)
  return schema === 'public' && !qualify ? quoteIdent(bareName(name)) : `${quoteIdent(schema)}.${quoteIdent(bareName(name))}`
}

/** The names of every CTE anywhere in a parse tree. */
function cteNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) cteNames(child, out)
  } else if (typeof node === 'object' && node !== null) {
    const cte = (node as { CommonTableExpr?: { ctename?: string } }).CommonTableExpr
    if (cte?.ctename !== undefined) out.add(cte.ctename)
    for (const child of Object.values(node)) cteNames(child, out)
  }
  return out
}

/** The name a reference without an alias exposes to its columns: its relation's bare name. */
const oldAlias = (rv: RangeVar): string => rv.relname ?? ''
