// Views (ARCHITECTURE.md "Keys and rows": the catalog): a view is its query's SQL text, stored
// in the catalog's key space like a table definition (transactional, OC001 on a race), and
// bound again wherever it is used, as a subquery in FROM.
import type { DropStmt, FuncCall, Node, SelectStmt, ViewStmt } from 'libpg-query'
import { scanSync } from 'libpg-query'
import { encodeKey, prefixEnd, type Key } from '../encoding/index.ts'
import { assert, duplicateTable, featureNotSupported, featuresNotSupported, SqlError } from '../errors/index.ts'
import { CATALOG_TABLE_ID, bareName, missingSchema } from './catalog.ts'
import { AGGREGATES } from './aggregate.ts'
import { VIEW_DEPTH_MAX } from './constants.ts'
import { nodesOutsideSubqueries, stringOf } from './binder.ts'
import type { DdlEnv } from './ddl.ts'
import { qualifiedName, relationsRead } from './from.ts'
import { modifiesInWith, planSelect } from './select.ts'
import { replaceBytes, sliceBytes, type ParseCache } from './parser.ts'
import { clockLiteralEdits } from './clock-literals.ts'
import { formatType, type SqlType } from './types/index.ts'
import { checkTypeNameFree } from './enums.ts'
import { dropSequenceUses, useSequences } from './sequence-uses.ts'
import { claimName, dropMissing, dropWrongKind, relationKind } from './sequences.ts'
import { commentOn } from './comments.ts'

/** The catalog index holding view definitions (tables use 0-2; sequences and schemas others). */
const VIEWS_INDEX = 20n

/** A stored view. */
export interface ViewDef {
  readonly name: string
  /** The defining query, as written. */
  readonly sql: string
  /** Output column names (the query's, or the view's column list). */
  readonly columns: readonly string[]
  /** Output column types when the view was created (the catalog relations show them). */
  readonly types?: readonly SqlType[] | undefined
  /** COMMENT ON VIEW's text, and COMMENT ON COLUMN's by column position (a renamed column keeps
   * its own); CREATE OR REPLACE keeps both. */
  readonly comment?: string | undefined
  readonly columnComments?: readonly (string | null)[] | undefined
}

/** The key a view's definition is stored under. */
export const viewKey = (name: string): Key => encodeKey([CATALOG_TABLE_ID, VIEWS_INDEX, name])

/** The key range of every view definition. */
export function viewsRange(): { start: Key; end: Key } {
  const start = encodeKey([CATALOG_TABLE_ID, VIEWS_INDEX])
  return { start, end: prefixEnd(start) }
}

/** Every view visible in `view` (a snapshot plus writes), for the catalog relations. */
export function listViews(view: { scan(start: Key, end: Key): Iterable<{ readonly value: string }> }): ViewDef[] {
  const { start, end } = viewsRange()
  const out: ViewDef[] = []
  for (const kv of view.scan(start, end)) out.push(JSON.parse(kv.value) as ViewDef)
  return out
}

/** The command tag when `stmt` is view DDL, else undefined. */
export function viewCommand(stmt: Node): string | undefined {
  if ('ViewStmt' in stmt) return 'CREATE VIEW'
  if ('DropStmt' in stmt && stmt.DropStmt.removeType === 'OBJECT_VIEW') return 'DROP VIEW'
  if ('CommentStmt' in stmt) return 'COMMENT'
  return undefined
}

/** What view DDL needs besides the DDL environment. */
export interface ViewEnv extends DdlEnv {
  findView(name: string): ViewDef | undefined
}

/** Runs CREATE [OR REPLACE] VIEW or DROP VIEW. */
export function runViewDdl(env: ViewEnv, stmt: Node): void {
  if ('ViewStmt' in stmt) createView(env, stmt.ViewStmt)
  else if ('DropStmt' in stmt) dropView(env, stmt.DropStmt)
  else if ('CommentStmt' in stmt) commentOn(env, stmt.CommentStmt)
  else assert(false, 'viewCommand named this statement')
}

function createView(env: ViewEnv, s: ViewStmt): void {
  assert(s.view !== undefined && s.query !== undefined, 'a view has a name and a query')
  if (s.view.relpersistence === 't') throw featuresNotSupported('temporary views')
  if (s.withCheckOption !== undefined && s.withCheckOption !== 'NO_CHECK_OPTION') throw featureNotSupported('WITH CHECK OPTION')
  if ((s.options?.length ?? 0) > 0) throw featuresNotSupported('view options')
  const name = qualifiedName(s.view)
  const noSchema = missingSchema(env, name)
  if (noSchema !== undefined) throw noSchema
  const existing = env.findView(name)
  // A table, sequence or index of the name: relations share their schema's names. Replacing a
  // view takes no name, so claims none.
  const kind = existing === undefined ? claimName(env, name) : relationKind(env, name)
  if (kind !== undefined && kind !== 'view') {
    if (s.replace === true) throw new SqlError('42809', `"${bareName(name)}" is not a view`)
    throw duplicateTable(bareName(name))
  }
  if (existing !== undefined && s.replace !== true) throw duplicateTable(bareName(name))
  if (existing === undefined) checkTypeNameFree(env.view, name)
  if (!('SelectStmt' in s.query)) throw featureNotSupported('views over statements other than SELECT')
  const source = querySource(env.sql)
  // Bind now: a view over missing tables or columns fails here, as in PostgreSQL. Its clock-word
  // literals ('today'::date) keep the values they have now, as PostgreSQL's stored query does.
  const query = s.query.SelectStmt
  if (modifiesInWith(query.withClause)) throw new SqlError('0A000', 'views must not contain data-modifying statements in WITH')
  let plan: ReturnType<typeof planSelect> | undefined
  const edits = clockLiteralEdits(env.binder, env.sql, source.offset, env.nowUs, () => {
    plan = planSelect(env, query, true)
  })
  assert(plan !== undefined, 'the view query was bound')
  const sql = edits.length === 0 ? source.text : replaceBytes(source.text, edits)
  if (env.binder.paramTypes.length > 0) throw new SqlError('42P02', 'there is no parameter $1')
  const names = plan.fields.map((f) => f.name)
  const aliases = (s.aliases ?? []).map(stringOf)
  if (aliases.length > names.length) throw new SqlError('42601', 'CREATE VIEW specifies more column names than columns')
  const columns = names.map((n, i) => aliases[i] ?? n)
  const seen = new Set<string>()
  for (const c of columns) {
    if (seen.has(c)) throw new SqlError('42701', `column "${c}" specified more than once`)
    seen.add(c)
  }
  plan.fieldTypes.forEach((t, i) => checkNotPseudo(t, columns[i] ?? ''))
  if (existing !== undefined && existing.columns.some((c, i) => columns[i] !== c)) {
    throw new SqlError('42P16', 'cannot change name of view column', { hint: 'Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.' })
  }
  if (existing !== undefined && columns.length < existing.columns.length) throw new SqlError('42P16', 'cannot drop columns from view')
  const changed = changedType(existing?.types, plan.fieldTypes)
  if (changed >= 0) {
    throw new SqlError('42P16', `cannot change data type of view column "${columns[changed] ?? ''}"`)
  }
  // The sequences it names by regclass constants must exist, and it holds them (sequence-uses.ts).
  useSequences(env, sql, 'query')
  const def: ViewDef = { name, sql, columns, types: plan.fieldTypes, comment: existing?.comment, columnComments: existing?.columnComments }
  env.put(viewKey(name), JSON.stringify(def))
}

/** An anonymous record (ROW(...), a subquery's whole row) is PostgreSQL's pseudo-type `record`,
 * which no view or table column may have (42P16); a table's or view's row type may. */
export function checkNotPseudo(type: SqlType, column: string): void {
  const element = type.kind === 'array' ? type.element : type
  if (element.kind === 'record' && element.name === undefined) {
    throw new SqlError('42P16', `column "${column}" has pseudo-type record${type.kind === 'array' ? '[]' : ''}`)
  }
}

function dropView(env: ViewEnv, s: DropStmt): void {
  const names = (s.objects ?? []).map((obj) => {
    assert('List' in obj, 'DROP VIEW names lists')
    const parts = (obj.List.items ?? []).map(stringOf)
    return parts.length === 2 && parts[0] !== 'public' ? `${parts[0]}.${parts[1]}` : (parts[parts.length - 1] ?? '')
  })
  const dropping = new Set(names)
  // Every name is looked up before any view is dropped, as PostgreSQL does (a wrong kind later
  // in the list is the error, not a dependency); a name given twice is dropped once.
  const found = new Set<string>()
  for (const name of names) {
    if (env.findView(name) !== undefined) {
      found.add(name)
      continue
    }
    const wrongKind = dropWrongKind(env, name, 'view')
    if (wrongKind !== undefined) throw wrongKind
    if (s.missing_ok === true) continue
    throw dropMissing(env, name, 'view')
  }
  for (const name of found) {
    dropDependentViews(env, name, 'view', s.behavior === 'DROP_CASCADE', dropping)
    // Defaults, checks and views naming it by a regclass constant ('v'::regclass).
    dropSequenceUses(env, new Set([name]), {
      what: names.length > 1 ? undefined : `view ${name}`,
      cascade: s.behavior === 'DROP_CASCADE',
      skip: dropping,
      kind: 'view',
    })
    env.put(viewKey(name), null)
  }
}

/**
 * Before relation `name` is dropped: the views that read it (and the views reading those) go
 * too with CASCADE; without it, PostgreSQL's 2BP01 names the first. Views dropped by the same
 * statement (`dropping`) do not count.
 */
export function dropDependentViews(
  env: Pick<ViewEnv, 'parse' | 'view' | 'put'>,
  name: string,
  kind: 'table' | 'view',
  cascade: boolean,
  dropping: ReadonlySet<string>,
  depth = 0,
): void {
  if (depth > VIEW_DEPTH_MAX) throw new SqlError('54001', `views nest more than ${VIEW_DEPTH_MAX} deep`)
  for (const dependent of listViews(env.view)) {
    if (dependent.name === name || dropping.has(dependent.name)) continue
    if (!readsRelation(env.parse.statement(dependent.sql).stmt, name)) continue
    if (!cascade) {
      throw new SqlError('2BP01', `cannot drop ${kind} ${name} because other objects depend on it`, {
        detail: `view ${dependent.name} depends on ${kind} ${name}`,
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      })
    }
    dropDependentViews(env, dependent.name, 'view', true, dropping, depth + 1)
    env.put(viewKey(dependent.name), null)
  }
}

/** The views that read view `name`, directly or through other views, each with the one it reads:
 * what dropDependentViews drops with it under CASCADE (views in `dropping` aside), for the lines of
 * a 2BP01's detail. */
export function viewsOver(
  env: Pick<ViewEnv, 'parse' | 'view'>,
  name: string,
  dropping: ReadonlySet<string>,
): { view: string; over: string }[] {
  const all = listViews(env.view)
  const out: { view: string; over: string }[] = []
  const seen = new Set([name])
  let reading = [name]
  for (let depth = 0; reading.length > 0; depth++) {
    if (depth > VIEW_DEPTH_MAX) throw new SqlError('54001', `views nest more than ${VIEW_DEPTH_MAX} deep`)
    const next: string[] = []
    for (const over of reading) {
      for (const dependent of all) {
        if (seen.has(dependent.name) || dropping.has(dependent.name)) continue
        if (!readsRelation(env.parse.statement(dependent.sql).stmt, over)) continue
        seen.add(dependent.name)
        out.push({ view: dependent.name, over })
        next.push(dependent.name)
      }
    }
    reading = next
  }
  return out
}

/** The text of the defining query: everything after the statement's first top-level AS, and the
 * byte offset where it starts in the statement. */
function querySource(sql: string): { text: string; offset: number } {
  let depth = 0
  for (const t of scanSync(sql).tokens) {
    if (t.text === '(') depth++
    else if (t.text === ')') depth--
    else if (depth === 0 && t.text.toUpperCase() === 'AS') {
      const rest = sliceBytes(sql, t.end)
      const text = rest.trim().replace(/;\s*$/, '')
      // Only ASCII white space is trimmed: as many bytes as characters.
      return { text, offset: t.end + (rest.length - rest.trimStart().length) }
    }
  }
  throw new SqlError('42601', 'syntax error in CREATE VIEW')
}

/** The verb of a statement that writes to a relation, as PostgreSQL words its view errors. */
export type WriteVerb = 'insert into' | 'update' | 'delete from'

/**
 * The error for INSERT, UPDATE or DELETE naming a view. Views PostgreSQL cannot update either
 * (GROUP BY, DISTINCT, joins, ...) get its 55000 and detail; the ones it updates automatically
 * (one table, plain columns) get 0A000: Tessera does not write through views.
 */
export function viewWriteError(parse: ParseCache, view: ViewDef, verb: WriteVerb): SqlError {
  const parsed = parse.statement(view.sql).stmt
  const why = 'SelectStmt' in parsed ? notUpdatableBecause(parsed.SelectStmt) : 'Views that are not SELECT queries are not automatically updatable.'
  if (why === undefined) {
    return featureNotSupported(`${verb === 'update' ? 'UPDATE' : verb === 'insert into' ? 'INSERT into' : 'DELETE from'} a view (write to its table instead)`)
  }
  const action = verb === 'insert into' ? 'inserting into' : verb === 'update' ? 'updating' : 'deleting from'
  return new SqlError('55000', `cannot ${verb} view "${bareName(view.name)}"`, {
    detail: why,
    hint: `To enable ${action} the view, provide an INSTEAD OF ${verb === 'insert into' ? 'INSERT' : verb === 'update' ? 'UPDATE' : 'DELETE'} trigger or an unconditional ON ${verb === 'insert into' ? 'INSERT' : verb === 'update' ? 'UPDATE' : 'DELETE'} DO INSTEAD rule.`,
  })
}

/** PostgreSQL's reason a view's query is not automatically updatable, in its words; undefined
 * for a query it would update. */
function notUpdatableBecause(q: SelectStmt): string | undefined {
  if (q.op !== undefined && q.op !== 'SETOP_NONE') return 'Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.'
  if (q.withClause !== undefined) return 'Views containing WITH are not automatically updatable.'
  if (q.distinctClause !== undefined) return 'Views containing DISTINCT are not automatically updatable.'
  if (q.groupClause !== undefined) return 'Views containing GROUP BY are not automatically updatable.'
  if (q.havingClause !== undefined) return 'Views containing HAVING are not automatically updatable.'
  if (q.limitCount !== undefined || q.limitOffset !== undefined) return 'Views containing LIMIT or OFFSET are not automatically updatable.'
  if (q.valuesLists !== undefined) return 'Views that do not select from a single table or view are not automatically updatable.'
  const from = q.fromClause ?? []
  if (from.length !== 1 || !('RangeVar' in (from[0] as Node))) return 'Views that do not select from a single table or view are not automatically updatable.'
  const calls = nodesOutsideSubqueries<FuncCall>(q.targetList, 'FuncCall')
  if (calls.some((f) => f.over !== undefined)) return 'Views that return window functions are not automatically updatable.'
  if (calls.some((f) => AGGREGATES.has(lastName(f)) || f.agg_star === true))
    return 'Views that return aggregate functions are not automatically updatable.'
  return undefined
}

const lastName = (f: FuncCall): string => {
  const last = f.funcname?.at(-1)
  return last !== undefined && 'String' in last ? (last.String.sval ?? '') : ''
}

/** Whether a view's parsed query reads relation `name` (views hold names, not object ids). */
function readsRelation(query: Node, name: string): boolean {
  return relationsRead(query).some((rv) => qualifiedName(rv) === name)
}

/** The first column whose type is not what the view was created with (a column gone counts),
 * or -1; -1 too for a view stored without its types. */
export function changedType(created: readonly SqlType[] | undefined, now: readonly SqlType[]): number {
  if (created === undefined) return -1
  return created.findIndex((t, i) => {
    const type = now[i]
    return type === undefined || formatType(t) !== formatType(type)
  })
}
