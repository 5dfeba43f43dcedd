// JSON_TABLE (ARCHITECTURE.md "query processor": bind): PostgreSQL 17's table of a jsonb document's
// items, written as the lateral subquery it means over jsonb_path_query_tz and the SQL/JSON query
// functions (sql-json.ts), and bound as that.
import type { FuncCall, JsonTable, JsonTableColumn, JsonValueExpr, Node, TypeName } from 'libpg-query'
import { SqlError } from '../errors/index.ts'
import { isJsonTypeName, name, valueNode } from './sql-json.ts'

const str = (sval: string): Node => ({ A_Const: { sval: { sval } } })
const columnRef = (...fields: string[]): Node => ({ ColumnRef: { fields: fields.map(name) } })
const castTo = (arg: Node, typeName: TypeName): Node => ({ TypeCast: { arg, typeName } })
const typeNamed = (t: string): TypeName => ({ names: [name(t)], typemod: -1 })
/** The row items and their numbers (column names no user could write unquoted, so no reference of
 * the user's can mean them). */
const ITEM = 'json_table item'
const ORD = 'json_table ordinality'

/** A PASSING argument, as the parser gives it. */
type Passing = { readonly name?: string; readonly val?: JsonValueExpr }

/** What every level of one JSON_TABLE shares: the variables, whether row-path errors are silent,
 * the names taken so far (columns and paths share one namespace) and the next level's number. */
interface TableRewrite {
  readonly passing: readonly Passing[]
  readonly vars: Node
  readonly silent: boolean
  readonly taken: Set<string>
  levels: number
}

/** A level's query and the columns it gives: its own in the order written, then its nested levels'. */
interface Level {
  readonly select: Node
  readonly columns: readonly { readonly name: string; readonly type: TypeName }[]
}

/**
 * JSON_TABLE (PostgreSQL 17) as the lateral subquery it means. Each level (the row path, then
 * each NESTED PATH) is the path's items under its parent item, numbered
 * (`jsonb_path_query_tz(parent, path, vars, silent) WITH ORDINALITY`), with per column a JSON_VALUE,
 * JSON_QUERY (json types, arrays, a wrapper, quotes or FORMAT JSON) or JSON_EXISTS over the item,
 * FOR ORDINALITY the item's number. A level's nested paths are a LEFT JOIN LATERAL of their rows
 * united (each sibling's rows with the others' columns NULL), so a parent row with none stays, as
 * PostgreSQL's default plan has it. Path errors give no rows unless ERROR ON ERROR; a column's
 * are its own ON ERROR's (NULL by default).
 */
export function jsonTableRewrite(t: JsonTable): Node {
  const passing = (t.passing ?? []).flatMap((a) => ('JsonArgument' in a ? [a.JsonArgument] : []))
  const vars: Node =
    passing.length === 0
      ? castTo(str('{}'), typeNamed('jsonb'))
      : { FuncCall: { funcname: [name('jsonb_build_object')], args: passing.flatMap((a) => [str(a.name ?? ''), valueNode(a.val)]) } }
  const raise = t.on_error?.btype === 'JSON_BEHAVIOR_ERROR'
  if (t.on_error !== undefined && !raise && t.on_error.btype !== 'JSON_BEHAVIOR_EMPTY' && t.on_error.btype !== 'JSON_BEHAVIOR_EMPTY_ARRAY') {
    throw new SqlError('42601', 'invalid ON ERROR behavior', { detail: 'Only EMPTY [ ARRAY ] or ERROR is allowed in the top-level ON ERROR clause.' })
  }
  const rw: TableRewrite = { passing, vars, silent: !raise, taken: new Set(), levels: 0 }
  claimName(rw, t.pathspec?.name)
  const context = castTo(valueNode(t.context_item), typeNamed('jsonb'))
  const top = tableLevel(rw, context, t.pathspec?.string, t.columns ?? [])
  return { RangeSubselect: { lateral: true, subquery: top.select, alias: t.alias ?? { aliasname: 'json_table' } } }
}

/** 42712 for a column or path name given twice anywhere in the table. */
function claimName(rw: TableRewrite, taken: string | undefined): void {
  if (taken === undefined) return
  if (rw.taken.has(taken)) throw new SqlError('42712', `duplicate JSON_TABLE column or path name: ${taken}`)
  rw.taken.add(taken)
}

/** One level: the items `path` selects under `parent`, with `columns` (nested levels inside). */
function tableLevel(rw: TableRewrite, parent: Node, path: Node | undefined, columns: readonly Node[]): Level {
  const level = rw.levels++
  const rowsAlias = `json_table rows ${level}`
  const nestedAlias = `json_table nested ${level}`
  const targetList: Node[] = []
  const out: { name: string; type: TypeName }[] = []
  const nested: Level[] = []
  for (const c of columns) {
    if (!('JsonTableColumn' in c)) throw new SqlError('XX000', 'JSON_TABLE column is not a column')
    const col = c.JsonTableColumn
    if (col.coltype === 'JTC_NESTED') {
      claimName(rw, col.pathspec?.name)
      nested.push(tableLevel(rw, columnRef(rowsAlias, ITEM), col.pathspec?.string, col.columns ?? []))
      continue
    }
    const colName = col.name ?? ''
    claimName(rw, colName)
    targetList.push({ ResTarget: { name: colName, val: columnValue(col, rw.passing, rowsAlias) } })
    out.push({ name: colName, type: col.coltype === 'JTC_FOR_ORDINALITY' ? typeNamed('int4') : (col.typeName ?? typeNamed('text')) })
  }
  // A level's own columns come first, then its nested levels' (PostgreSQL's order).
  for (const n of nested.flatMap((child) => child.columns)) {
    targetList.push({ ResTarget: { name: n.name, val: columnRef(nestedAlias, n.name) } })
    out.push(n)
  }
  // The _tz form: JSON_TABLE's paths may use the time zone, as SQL/JSON's query functions may.
  const items: FuncCall = {
    funcname: [name('jsonb_path_query_tz')],
    args: [parent, castTo(path ?? { A_Const: { isnull: true } }, typeNamed('jsonpath')), rw.vars, { A_Const: { boolval: { boolval: rw.silent } } }],
  }
  const rows: Node = {
    RangeFunction: {
      ordinality: true,
      functions: [{ List: { items: [{ FuncCall: items }, {} as Node] } }],
      alias: { aliasname: rowsAlias, colnames: [name(ITEM), name(ORD)] },
    },
  }
  const from: Node =
    nested.length === 0
      ? rows
      : {
          JoinExpr: {
            jointype: 'JOIN_LEFT',
            larg: rows,
            rarg: { RangeSubselect: { lateral: true, subquery: siblingsUnited(nested, level), alias: { aliasname: nestedAlias } } },
            quals: { A_Const: { boolval: { boolval: true } } },
          },
        }
  return { select: plainSelect(targetList, [from]), columns: out }
}

/** Sibling nested levels' rows, one after the other, each with the others' columns NULL. */
function siblingsUnited(siblings: readonly Level[], level: number): Node {
  const branches = siblings.map((own, i) => {
    const alias = `json_table sibling ${level}.${i}`
    const targetList = siblings.flatMap((other) =>
      other.columns.map((c) => ({
        ResTarget: { name: c.name, val: other === own ? columnRef(alias, c.name) : castTo({ A_Const: { isnull: true } }, c.type) },
      })),
    )
    return plainSelect(targetList, [{ RangeSubselect: { subquery: own.select, alias: { aliasname: alias } } }])
  })
  return branches.reduce((left, right) => ({
    SelectStmt: { op: 'SETOP_UNION', all: true, larg: selectOf(left), rarg: selectOf(right), limitOption: 'LIMIT_OPTION_DEFAULT' },
  }))
}

function plainSelect(targetList: Node[], fromClause: Node[]): Node {
  return { SelectStmt: { targetList, fromClause, limitOption: 'LIMIT_OPTION_DEFAULT', op: 'SETOP_NONE' } }
}

function selectOf(node: Node): NonNullable<Extract<Node, { SelectStmt: unknown }>['SelectStmt']> {
  if (!('SelectStmt' in node)) throw new SqlError('XX000', 'a JSON_TABLE level is not a SELECT')
  return node.SelectStmt
}

/** One JSON_TABLE column over the item of the rows named `rowsAlias`. */
function columnValue(col: JsonTableColumn, passing: readonly Passing[], rowsAlias: string): Node {
  if (col.coltype === 'JTC_FOR_ORDINALITY') return castTo(columnRef(rowsAlias, ORD), typeNamed('int4'))
  const typeName = col.typeName ?? typeNamed('text')
  const path = col.pathspec?.string ?? str(`$."${(col.name ?? '').replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)
  const common = {
    context_item: { raw_expr: columnRef(rowsAlias, ITEM) },
    pathspec: path,
    passing: passing.map((a) => ({ JsonArgument: a })),
    ...(col.on_error === undefined ? {} : { on_error: col.on_error }),
  }
  if (col.coltype === 'JTC_EXISTS') return castTo({ JsonFuncExpr: { op: 'JSON_EXISTS_OP', ...common } }, typeName)
  const last = typeName.names?.at(-1)
  const typeWord = last !== undefined && 'String' in last ? last.String.sval : undefined
  const asQuery =
    isJsonTypeName(typeName) ||
    (typeName.arrayBounds?.length ?? 0) > 0 ||
    (col.wrapper !== undefined && col.wrapper !== 'JSW_UNSPEC') ||
    (col.quotes !== undefined && col.quotes !== 'JS_QUOTES_UNSPEC') ||
    col.format?.format_type === 'JS_FORMAT_JSON' ||
    typeWord === undefined
  return {
    JsonFuncExpr: {
      op: asQuery ? 'JSON_QUERY_OP' : 'JSON_VALUE_OP',
      ...common,
      output: { typeName },
      ...(col.on_empty === undefined ? {} : { on_empty: col.on_empty }),
      ...(asQuery ? { wrapper: col.wrapper ?? 'JSW_UNSPEC', quotes: col.quotes ?? 'JS_QUOTES_UNSPEC' } : {}),
    },
  }
}
