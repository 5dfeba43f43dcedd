// CREATE INDEX's key elements and predicate (ARCHITECTURE.md "query processor": DDL): each element
// a column or an expression over the table's row, and an optional predicate (a partial index),
// checked as PostgreSQL checks them (no subquery, aggregate, window or set-returning call; only
// immutable functions: 42P17) and kept as their SQL source text, which index-keys.ts binds where
// the index is written or read.
import type { IndexElem, IndexStmt, Node } from 'libpg-query'
import { scanSync } from 'libpg-query'
import { assert, featureNotSupported, SqlError, undefinedColumn } from '../errors/index.ts'
import { hasKeyForm, formatType, type SqlType } from './types/index.ts'
import { Binder, locationOf, stringOf, type Scope, type SetCall } from './binder.ts'
import { EXPRESSION_ELEMENT, isPlainIndex, type ColumnDef, type IndexDef, type Table } from './catalog.ts'
import { foldClockLiterals } from './clock-literals.ts'
import type { DdlEnv } from './ddl.ts'
import type { Expr } from './expr.ts'
import { isImmutable } from './immutability.ts'
import { bindElement, bindPredicate, type IndexKeys } from './index-keys.ts'
import { replaceBytes, sliceBytes, type ParseCache } from './parser.ts'
import { quoteIdent } from './functions-text.ts'
import { tableScope } from './select.ts'

/** What CREATE INDEX declared, ready for an IndexDef, with the names its default name is made of. */
export interface IndexShape {
  /** Per element: a column position, or EXPRESSION_ELEMENT. */
  readonly columns: readonly number[]
  /** Per element: an expression's source text, null for a column; undefined when all are columns. */
  readonly exprs: readonly (string | null)[] | undefined
  readonly where: string | undefined
  /** Per element: its name in the index's default name (PostgreSQL's ChooseIndexColumnNames). */
  readonly names: readonly string[]
}

/** The elements and predicate of `s` on `table` (42703, 42P17, 0A000, 42804 as PostgreSQL). */
export function indexShape(env: DdlEnv, s: IndexStmt, table: Table): IndexShape {
  const sources = sourceTexts(env.sql, s)
  const binder = new Binder(0, env.binder.types, env.sql)
  const scope = tableScope(table, table.name)
  const columns: number[] = []
  const exprs: (string | null)[] = []
  const names: string[] = []
  ;(s.indexParams ?? []).forEach((p, i) => {
    assert('IndexElem' in p, 'index parameters are IndexElems')
    const element = defineElement(env, binder, table, scope, p.IndexElem, sources.elements[i])
    columns.push(element.column)
    exprs.push(element.expr)
    names.push(element.name)
  })
  const where = s.whereClause === undefined ? undefined : definePredicate(env, binder, table, scope, s.whereClause, sources.where)
  return { columns, exprs: exprs.some((e) => e !== null) ? exprs : undefined, where, names: distinctNames(names) }
}

/** One element: a column (also an expression that is one, `((a))`, as in PostgreSQL), or an
 * immutable expression with a key form. */
function defineElement(
  env: DdlEnv,
  binder: Binder,
  table: Table,
  scope: Scope,
  elem: IndexElem,
  source: string | undefined,
): { column: number; expr: string | null; name: string } {
  if (elem.name !== undefined) {
    const col = table.columnsByName.get(elem.name)
    if (col === undefined) throw undefinedColumn(elem.name)
    requireKeyForm(col.type, `${formatType(col.type)} columns in an index`)
    return { column: col.position, expr: null, name: col.name }
  }
  const node = elem.expr
  assert(node !== undefined && source !== undefined, 'an index element is a column or an expression')
  if (containsNode(node, 'SubLink')) throw new SqlError('0A000', 'cannot use subquery in index expression', { position: binder.position(locationOf(node)) })
  const e = bound(binder, node, 'expressions', (options) => bindElement(binder, node, scope, options))
  if (e.kind === 'column') return { column: e.slot, expr: null, name: e.name }
  refuseWholeRow(node, table, 'expressions')
  if (!isImmutable(e)) throw mutable('expression')
  if (e.type.kind === 'unknown') {
    throw new SqlError('42704', 'data type unknown has no default operator class for access method "btree"', {
      hint: 'You must specify an operator class for the index or define a default operator class for the data type.',
    })
  }
  requireKeyForm(e.type, `indexes on expressions of type ${formatType(e.type)}`)
  const text = storedText(env, binder, source, (n) => bindElement(binder, n, scope))
  return { column: EXPRESSION_ELEMENT, expr: text, name: figureName(node) ?? 'expr' }
}

/** The predicate's text, or undefined when it is always true (a total index, as PostgreSQL
 * makes of `WHERE true`). */
function definePredicate(env: DdlEnv, binder: Binder, table: Table, scope: Scope, node: Node, source: string | undefined): string | undefined {
  assert(source !== undefined, 'a WHERE clause has text')
  if (containsNode(node, 'SubLink')) throw new SqlError('0A000', 'cannot use subquery in index predicate', { position: binder.position(locationOf(node)) })
  const e = bound(binder, node, 'predicates', (options) => bindPredicate(binder, node, scope, options))
  refuseWholeRow(node, table, 'predicates')
  if (!isImmutable(e)) throw mutable('predicate')
  if (e.kind === 'const' && e.value === true) return undefined
  return storedText(env, binder, source, (n) => bindPredicate(binder, n, scope))
}

/**
 * 0A000 for a reference to the table's whole row (`t IS NOT NULL`, `(t).a`, `t.*`): the stored
 * text would name the table, which a rename leaves behind (PostgreSQL's index holds the row's
 * type, not its name). A column reference bound to no column is one.
 */
function refuseWholeRow(node: Node, table: Table, what: 'expressions' | 'predicates'): void {
  const found: { location: number; fields: Node[] }[] = []
  collectColumnRefs(node, found)
  const wholeRow = found.some(({ fields }) => {
    const last = fields.at(-1)
    return last === undefined || !('String' in last) || (fields.length === 1 && !table.columnsByName.has(stringOf(last)))
  })
  if (wholeRow) throw featureNotSupported(`whole-row references in index ${what}`)
}

/** 42P17 for an index expression or predicate calling a function that is not immutable. */
function mutable(what: 'expression' | 'predicate'): SqlError {
  return new SqlError('42P17', `functions in index ${what} must be marked IMMUTABLE`)
}

/** 42P17 when an index's expressions or predicate, bound again (over a column of another type:
 * ALTER COLUMN TYPE), call a function that is not immutable, as PostgreSQL's rebuilt index. */
export function requireImmutable(keys: IndexKeys): void {
  if (keys.index.exprs !== undefined && !keys.elements.every(isImmutable)) throw mutable('expression')
  if (keys.predicate !== undefined && !isImmutable(keys.predicate)) throw mutable('predicate')
}

/** Binds with set-returning calls collected, to refuse them with PostgreSQL's message. */
function bound(binder: Binder, node: Node, what: 'expressions' | 'predicates', bind: (options: { sets: SetCall[] }) => Expr): Expr {
  const sets: SetCall[] = []
  const e = bind({ sets })
  if (sets.length > 0) {
    throw new SqlError('0A000', `set-returning functions are not allowed in index ${what}`, { position: binder.position(locationOf(node)) })
  }
  return e
}

function requireKeyForm(type: SqlType, feature: string): void {
  if (!hasKeyForm(type)) throw featureNotSupported(feature)
}

/**
 * The text an element or predicate is stored as: its source with column references unqualified
 * (`t.a` is `a`: the table may be renamed, its columns are bound by name alone) and clock words
 * ('today') replaced by their values now, as PostgreSQL stores a constant.
 */
function storedText(env: DdlEnv, binder: Binder, source: string, bind: (node: Node) => void): string {
  return foldClockLiterals(env, binder, unqualifiedColumns(env.parse, source), bind)
}

/** `text` with the relation names qualifying its column references removed: how a table's own
 * stored expressions (index elements and predicates, CHECKs, generated columns) are kept, so that
 * a renamed table's texts still bind (PostgreSQL keeps column numbers, and prints them bare). */
export function unqualifiedColumns(parse: ParseCache, text: string): string {
  const qualified = columnRefs(parse, text).filter((r) => r.fields > 1)
  return qualified.length === 0 ? text : replaceBytes(text, qualified.map((r) => ({ start: r.start, end: r.nameStart, text: '' })))
}

/** Whether `index` reads column `column`: as a key column, or in its expressions or predicate. */
export function indexReadsColumn(parse: ParseCache, index: IndexDef, column: ColumnDef): boolean {
  if (index.columns.includes(column.position)) return true
  return textsOf(index).some((text) => columnRefs(parse, text).some((r) => r.name === column.name))
}

/** `index` with its expressions and predicate naming column `from` as `to` (RENAME COLUMN). */
export function renameIndexColumn(parse: ParseCache, index: IndexDef, from: string, to: string): IndexDef {
  if (isPlainIndex(index)) return index
  const rename = (text: string) => {
    const edits = columnRefs(parse, text)
      .filter((r) => r.name === from)
      .map((r) => ({ start: r.nameStart, end: r.nameEnd, text: quoteIdent(to) }))
    return edits.length === 0 ? text : replaceBytes(text, edits)
  }
  return {
    ...index,
    ...(index.exprs === undefined ? {} : { exprs: index.exprs.map((t) => (t === null ? null : rename(t))) }),
    ...(index.where === undefined ? {} : { where: rename(index.where) }),
  }
}

function textsOf(index: IndexDef): string[] {
  return [...(index.exprs ?? []).filter((t) => t !== null), ...(index.where === undefined ? [] : [index.where])]
}

/** A column reference in an expression's text: where it starts, where the column's own name is
 * (its last name: `t.a` is `a`), and how many names it has. Whole rows (`t.*`) are none. */
interface ColumnRefText {
  readonly start: number
  readonly nameStart: number
  readonly nameEnd: number
  readonly name: string
  readonly fields: number
}

function columnRefs(parse: ParseCache, text: string): ColumnRefText[] {
  const found: { location: number; fields: Node[] }[] = []
  collectColumnRefs(parse.expression(text), found)
  if (found.length === 0) return []
  // Locations are offsets in `SELECT (text)` (ParseCache.expression's wrapper).
  const offset = 'SELECT ('.length
  const tokens = scanSync(text).tokens.filter((t) => !COMMENTS.has(t.tokenName))
  return found.flatMap(({ location, fields }) => {
    const last = fields.at(-1)
    if (last === undefined || !('String' in last)) return []
    const first = tokens.findIndex((t) => t.start === location - offset)
    // Names and dots alternate: `schema.table.column`.
    const name = tokens[first + (fields.length - 1) * 2]
    assert(first >= 0 && name !== undefined, 'a column reference starts at its location')
    return [{ start: location - offset, nameStart: name.start, nameEnd: name.end, name: stringOf(last), fields: fields.length }]
  })
}

function collectColumnRefs(node: unknown, out: { location: number; fields: Node[] }[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectColumnRefs(child, out)
    return
  }
  if (typeof node !== 'object' || node === null) return
  for (const [key, child] of Object.entries(node)) {
    if (key === 'ColumnRef') {
      const ref = child as { fields?: Node[]; location?: number }
      out.push({ location: ref.location ?? -1, fields: ref.fields ?? [] })
    } else collectColumnRefs(child, out)
  }
}

/** Whether a parse tree holds a node of `kind` anywhere. */
function containsNode(tree: unknown, kind: string): boolean {
  if (Array.isArray(tree)) return tree.some((child) => containsNode(child, kind))
  if (typeof tree !== 'object' || tree === null) return false
  return Object.entries(tree).some(([key, child]) => key === kind || containsNode(child, kind))
}

/** PostgreSQL's FigureIndexColname: a function's name, a column's (also through a cast), the
 * name of a few other forms; undefined where PostgreSQL says `expr`. */
function figureName(node: Node): string | undefined {
  if ('ColumnRef' in node) {
    const last = node.ColumnRef.fields?.at(-1)
    return last !== undefined && 'String' in last ? stringOf(last) : undefined
  }
  if ('FuncCall' in node) {
    const last = node.FuncCall.funcname?.at(-1)
    return last === undefined ? undefined : stringOf(last)
  }
  if ('TypeCast' in node) {
    const inner = node.TypeCast.arg === undefined ? undefined : figureName(node.TypeCast.arg)
    const type = node.TypeCast.typeName?.names?.at(-1)
    return inner ?? (type === undefined ? undefined : stringOf(type))
  }
  if ('CollateClause' in node) return node.CollateClause.arg === undefined ? undefined : figureName(node.CollateClause.arg)
  if ('A_Expr' in node && node.A_Expr.kind === 'AEXPR_NULLIF') return 'nullif'
  if ('CaseExpr' in node) return 'case'
  if ('CoalesceExpr' in node) return 'coalesce'
  if ('MinMaxExpr' in node) return node.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least'
  if ('A_ArrayExpr' in node) return 'array'
  if ('RowExpr' in node) return 'row'
  return undefined
}

/** Names made distinct by a number, as PostgreSQL's ChooseIndexColumnNames: `expr`, `expr1`. */
function distinctNames(names: readonly string[]): string[] {
  const out: string[] = []
  for (const name of names) {
    let candidate = name
    for (let n = 1; out.includes(candidate); n++) candidate = `${name}${n}`
    out.push(candidate)
  }
  return out
}

const COMMENTS: ReadonlySet<string> = new Set(['SQL_COMMENT', 'C_COMMENT'])

/**
 * The source text of each expression element of `s` (undefined for a column element) and of its
 * WHERE clause, cut from the statement's tokens: the element list is the first parenthesis after
 * the table's name; an element `(expr)` is what its parentheses hold, an element `f(x)` the call
 * through its closing parenthesis (what follows, COLLATE, an operator class or an ordering, is not
 * the expression); the predicate runs from WHERE to the statement's end.
 */
function sourceTexts(sql: string, s: IndexStmt): { elements: (string | undefined)[]; where: string | undefined } {
  const tokens = scanSync(sql).tokens.filter((t) => !COMMENTS.has(t.tokenName) && t.start >= (s.relation?.location ?? 0))
  const open = tokens.findIndex((t) => t.text === '(')
  assert(open >= 0, 'CREATE INDEX lists its elements in parentheses')
  const text = (from: number, to: number) => sliceBytes(sql, tokens[from]!.start, tokens[to]!.end)
  const elements: (string | undefined)[] = []
  let start = open + 1
  let depth = 1
  let close = open
  for (let i = open + 1; i < tokens.length && depth > 0; i++) {
    const t = tokens[i]!.text
    if (t === '(') depth++
    else if (t === ')') depth--
    if ((depth === 1 && t === ',') || depth === 0) {
      elements.push(elementText(tokens.slice(start, i).map((x) => x.text), (a, b) => text(start + a, start + b)))
      start = i + 1
      close = i
    }
  }
  const keyword = tokens.findIndex((t, i) => i > close && t.text.toUpperCase() === 'WHERE')
  const last = tokens.findLastIndex((t) => t.text !== ';')
  const where = keyword < 0 || last <= keyword ? undefined : text(keyword + 1, last)
  return { elements, where }
}

/** The expression of one element's tokens (`texts`), cut by `cut(first, last)`; undefined for a
 * bare column name. */
function elementText(texts: readonly string[], cut: (first: number, last: number) => string): string | undefined {
  const paren = texts.indexOf('(')
  if (paren < 0) return undefined
  let depth = 0
  for (let i = paren; i < texts.length; i++) {
    if (texts[i] === '(') depth++
    else if (texts[i] === ')' && --depth === 0) return paren === 0 ? cut(1, i - 1) : cut(0, i)
  }
  return undefined
}
