// Renames and views. A view holds its query's text (views.ts), so where PostgreSQL's views follow
// a renamed relation or column through object ids, Tessera rewrites the text of every view that
// names it, at the byte offsets the parser and the binder give: a relation reference in FROM takes
// the new name and, where it had no alias, an alias of the old bare name (`FROM t` becomes
// `FROM u AS t`), so columns qualified by that name keep binding; a column reference takes the new
// name, qualified by its FROM item when it was bare at its own level (`y` becomes `t.y2`, which
// neither an output column nor another FROM item can take), and a bare select-list column keeps
// its output name (`t.y2 AS y`). View-dependencies.ts then checks that every view binds exactly
// as before; a view that cannot be rewritten so makes the statement fail, naming it.
// Also here: ALTER VIEW ... RENAME [COLUMN] / SET SCHEMA and ALTER TABLE ... RENAME on a view.
import type { AlterObjectSchemaStmt, Node, RangeVar, RenameStmt, ResTarget } from 'libpg-query'
import { scanSync } from 'libpg-query'
import { featureNotSupported, SqlError } from '../errors/index.ts'
import type { ResolvedColumnRef } from './binder.ts'
import { bareName, schemaHeld, schemaOf, siblingName, undefinedSchema } from './catalog.ts'
import type { DdlEnv } from './ddl.ts'
import { qualifiedName as qualifiedRelation, relationsRead } from './from.ts'
import { quoteIdent } from './functions-text.ts'
import { missingRelation, notA, qualifiedName, relationKind, relationNameTaken } from './sequences.ts'
import { replaceBytes } from './parser.ts'
import { followSequenceRename, followSequenceRenameInViews } from './sequence-uses.ts'
import { DependentViews, type Edit } from './view-dependencies.ts'
import { viewKey, type ViewDef } from './views.ts'

/** ALTER VIEW ... RENAME TO / RENAME COLUMN, and ALTER TABLE ... RENAME [COLUMN] naming a view.
 * False when the statement is about something other than a view (a table's rename goes on). */
export function renameView(env: DdlEnv, s: RenameStmt): boolean {
  const viaAlterView = s.renameType === 'OBJECT_VIEW' || (s.renameType === 'OBJECT_COLUMN' && s.relationType === 'OBJECT_VIEW')
  // ALTER TABLE and ALTER INDEX rename any relation, as in PostgreSQL.
  const renamesRelation =
    s.renameType === 'OBJECT_VIEW' || s.renameType === 'OBJECT_TABLE' || s.renameType === 'OBJECT_INDEX' || s.renameType === 'OBJECT_COLUMN'
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
  if (!schemaHeld(env, schema)) throw undefinedSchema(schema)
  const to = qualifiedName(schema, bareName(def.name))
  if (to !== def.name) moveView(env, def, to, { AlterObjectSchemaStmt: s })
  return true
}

/** After relation `from` became `to` (a rename or SET SCHEMA, in this statement): the views that
 * named `from` name `to`, and so do the regclass constants naming it in defaults, checks and views
 * (`'t'::regclass`: PostgreSQL's hold its OID). 0A000 naming a view whose text cannot be
 * rewritten. */
export function followRelationRename(env: DdlEnv, dependents: DependentViews, from: string, to: string): void {
  dependents.renamedRelation(from, to)
  for (const { def: before } of dependents.views) {
    // As stored now: an earlier rename of this statement may have rewritten it.
    const def = findView(env, before.name)
    const edits = def === undefined ? [] : relationEdits(env, def, from, to)
    if (def !== undefined && edits.length > 0) rewrite(env, dependents, def, edits)
  }
  followSequenceRename(env, from, to, { views: false })
  followSequenceRenameInViews(env, from, to, (view, edits) => dependents.edited(view, edits))
}

/** After column `from` of table `relation` became `to` (in this statement): the views that named
 * it name `to`, with the references their bindings before the rename found. */
export function followColumnRename(env: DdlEnv, dependents: DependentViews, relation: string, from: string, to: string): void {
  dependents.renamedColumn(relation, from, to)
  for (const { def, bindings } of dependents.views) {
    const refs = bindings.columnRefs.filter((r) => r.column.baseRelation === relation && r.column.baseColumn === from)
    if (refs.length > 0) rewrite(env, dependents, def, columnEdits(env, def, refs, to))
  }
}

function rewrite(env: DdlEnv, dependents: DependentViews, def: ViewDef, edits: readonly Edit[]): void {
  env.put(viewKey(def.name), JSON.stringify({ ...def, sql: replaceBytes(def.sql, edits) } satisfies ViewDef))
  dependents.edited(def.name, edits)
}

function findView(env: DdlEnv, name: string): ViewDef | undefined {
  const raw = env.view.get(viewKey(name))
  return raw === undefined ? undefined : (JSON.parse(raw) as ViewDef)
}

/** ALTER VIEW naming something that is not a view: 42809 for another relation (also with IF
 * EXISTS), else 42P01 (nothing with IF EXISTS). */
function missingView(env: DdlEnv, name: string, missingOk: boolean): void {
  if (relationKind(env, name) !== undefined) throw notA(name, 'view')
  if (!missingOk) throw missingRelation(env, name)
}

/** The view under a new catalog name; the views over it follow. */
function moveView(env: DdlEnv, def: ViewDef, to: string, stmt: Node): void {
  if (relationNameTaken(env, to)) throw new SqlError('42P07', `relation "${bareName(to)}" already exists`)
  const dependents = DependentViews.before(env, def.name)
  env.put(viewKey(def.name), null)
  env.put(viewKey(to), JSON.stringify({ ...def, name: to } satisfies ViewDef))
  followRelationRename(env, dependents, def.name, to)
  dependents.check(env, to, stmt)
}

/** A view's output column under a new name. Views over it name its columns as written, so one
 * that reads the old name makes the rename fail. */
function renameViewColumn(env: DdlEnv, def: ViewDef, from: string, to: string, stmt: Node): void {
  const at = def.columns.indexOf(from)
  if (at < 0) throw new SqlError('42703', `column "${from}" does not exist`)
  if (def.columns.includes(to)) throw new SqlError('42701', `column "${to}" of relation "${bareName(def.name)}" already exists`)
  const dependents = DependentViews.before(env, def.name)
  env.put(viewKey(def.name), JSON.stringify({ ...def, columns: def.columns.map((c, i) => (i === at ? to : c)) } satisfies ViewDef))
  dependents.check(env, def.name, stmt)
}

/** The edits that make each FROM-clause reference of `def` to relation `from` name `to`. */
function relationEdits(env: DdlEnv, def: ViewDef, from: string, to: string): Edit[] {
  const query = env.parse.statement(def.sql).stmt
  const refs = relationsRead(query).filter((rv) => qualifiedRelation(rv) === from)
  // A bare name could mean something else in the view: a CTE of that name, or (pg_...) a system
  // relation. A schema-qualified name means only the relation.
  const name = relationText(to, bareName(to).startsWith('pg_') || cteNames(query).has(bareName(to)))
  const tokens = codeTokens(def.sql)
  return refs.map((rv) => {
    const first = tokens.findIndex((t) => t.start === rv.location)
    const last = rv.schemaname === undefined ? first : first + 2
    if (first < 0 || (last !== first && tokens[first + 1]?.text !== '.') || tokens[last] === undefined) throw cannotRewrite(def, from)
    // `t *` (every inheritance child, the default anyway) loses its star.
    const end = tokens[last + 1]?.text === '*' ? (tokens[last + 1] as Token).end : (tokens[last] as Token).end
    // `TABLE name` takes no alias, and nothing can qualify a column by its name there.
    const keepsName = rv.alias === undefined && tokens[first - 1]?.text.toUpperCase() !== 'TABLE'
    return { start: rv.location as number, end, text: name + (keepsName ? ` AS ${quoteIdent(oldAlias(rv))}` : '') }
  })
}

/** The edits that make the column references `refs` of `def` name `to`. */
function columnEdits(env: DdlEnv, def: ViewDef, refs: readonly ResolvedColumnRef[], to: string): Edit[] {
  const tokens = codeTokens(def.sql)
  const selectList = selectListColumns(env.parse.statement(def.sql).stmt)
  const edits = new Map<number, Edit>()
  for (const ref of refs) {
    const location = ref.location
    const first = location === undefined ? -1 : tokens.findIndex((t) => t.start === location)
    const last = first + 2 * (ref.names - 1)
    if (first < 0 || tokens[last] === undefined) throw cannotRewrite(def, ref.column.name)
    for (let dot = first + 1; dot < last; dot += 2) if (tokens[dot]?.text !== '.') throw cannotRewrite(def, ref.column.name)
    const token = tokens[last] as Token
    // A bare name at its own level is qualified by its FROM item; one a subquery takes from its
    // enclosing query stays bare (an inner FROM item could have that name); the check after the
    // statement refuses either if the new name now means something else.
    const text = ref.names === 1 && !ref.outer ? `${quoteIdent(ref.column.table)}.${quoteIdent(to)}` : quoteIdent(to)
    const keepName = selectList.has(location as number) ? ` AS ${quoteIdent(ref.column.name)}` : ''
    edits.set(token.start, { start: token.start, end: token.end, text: text + keepName })
  }
  return [...edits.values()]
}

function cannotRewrite(def: ViewDef, name: string): SqlError {
  return featureNotSupported(`renaming "${name}" while view "${def.name}" names it in a way Tessera cannot rewrite (drop the view, rename, create it again)`)
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

interface Token {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** The text's tokens without its comments (names may have comments between their parts). */
function codeTokens(sql: string): Token[] {
  return scanSync(sql).tokens.filter((t) => t.tokenName !== 'C_COMMENT' && t.tokenName !== 'SQL_COMMENT')
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
