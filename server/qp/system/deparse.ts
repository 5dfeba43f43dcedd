// Stored expressions as PostgreSQL prints them (ARCHITECTURE.md "query processor": bind): the text
// of pg_get_expr and information_schema.columns.column_default, which tools compare and parse.
import type { A_Const, A_Expr, Node, TypeCast } from 'libpg-query'
import { baseType, formatText, parseText, typeFromName, type SqlType } from '../types/index.ts'
import { ParseCache, parserLoaded } from '../parser.ts'
import { DEPARSE_CACHE_ENTRIES } from './constants.ts'
import { formatSqlType } from './type-names.ts'

const parses = new ParseCache(DEPARSE_CACHE_ENTRIES)
const TEXT: SqlType = { kind: 'text' }

/** Column types by name, for typing the literals an expression compares them with. */
export type ColumnTypes = ReadonlyMap<string, SqlType>

/**
 * A DEFAULT as PostgreSQL prints it: `'abc'::text`, `'-5'::integer`, `now()`, `CURRENT_TIMESTAMP`.
 * A string literal takes the column's type (PostgreSQL coerces it when the table is created).
 * Source text where the expression uses a form this printer does not know. `pretty` drops the
 * parentheses PostgreSQL's pretty mode drops (pg_get_expr(..., true), psql's \d).
 */
export function deparseDefault(source: string, type: SqlType, pretty = false): string {
  const node = parseExpression(source)
  if (node === undefined) return source
  return printOr(source, () => print(node, { columns: new Map(), pretty }, withoutTypmod(type)).text)
}

/** A CHECK as pg_get_constraintdef prints it: `CHECK ((price > 0))`, `CHECK (flag)`; pretty:
 * `CHECK (price > 0)`. */
export function deparseCheck(source: string, columns: ColumnTypes, pretty = false): string {
  const node = parseExpression(source)
  const inner = node === undefined ? `(${source})` : printOr(`(${source})`, () => print(node, { columns, pretty }, undefined).text)
  return `CHECK (${inner})`
}

/** A generation expression as PostgreSQL prints it (information_schema.columns'
 * generation_expression, pg_get_expr of its pg_attrdef row): `(a * 2)`, `((a)::numeric + 1.5)`. */
export function deparseExpression(source: string, columns: ColumnTypes, pretty = false): string {
  const node = parseExpression(source)
  if (node === undefined) return source
  return printOr(source, () => print(node, { columns, pretty }, undefined).text)
}

/** An expression element of an index as pg_get_indexdef prints it (`pretty`: as a unique
 * violation's DETAIL names it): a function call as it is, any other expression inside parentheses
 * of its own (`a + 1` is `((a + 1))`, pretty `(a + 1)`), as ruleutils' looks_like_function
 * decides. */
export function indexElementText(source: string, columns: ColumnTypes, pretty = false): string {
  const printed = deparseExpression(source, columns, pretty)
  const node = parseExpression(source)
  const functionLike =
    node !== undefined &&
    ('FuncCall' in node || 'CoalesceExpr' in node || 'MinMaxExpr' in node || 'SQLValueFunction' in node ||
      ('A_Expr' in node && node.A_Expr.kind === 'AEXPR_NULLIF'))
  return functionLike ? printed : `(${printed})`
}

/** A printed expression (pg_node_tree text) again in pretty mode: pg_get_expr(expr, rel, true). */
export function prettyExpression(printed: string): string {
  const node = parseExpression(printed)
  if (node === undefined) return printed
  return printOr(printed, () => print(node, { columns: new Map(), pretty: true }, undefined).text)
}

/** The column names an expression references (pg_constraint.conkey of a CHECK). */
export function referencedColumns(source: string): ReadonlySet<string> {
  const names = new Set<string>()
  const node = parseExpression(source)
  if (node === undefined) {
    // Without the parser: identifiers outside string literals.
    const bare = source.replace(/'(?:[^']|'')*'/g, ' ')
    for (const w of bare.match(/"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*/g) ?? []) {
      names.add(w.startsWith('"') ? w.slice(1, -1).replaceAll('""', '"') : w.toLowerCase())
    }
    return names
  }
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return
    if (Array.isArray(x)) return x.forEach(walk)
    for (const [key, value] of Object.entries(x)) {
      if (key === 'ColumnRef') {
        const fields = (value as { fields?: Node[] }).fields ?? []
        const last = fields[fields.length - 1]
        if (last !== undefined && 'String' in last) names.add(last.String.sval ?? '')
      } else walk(value)
    }
  }
  walk(node)
  return names
}

function parseExpression(source: string): Node | undefined {
  if (!parserLoaded()) return undefined
  try {
    return parses.expression(source)
  } catch {
    // A stored expression parsed when it was created; a failure here is a printer limitation.
    return undefined
  }
}

class Unprintable extends Error {}

function printOr(fallback: string, f: () => string): string {
  try {
    return f()
  } catch (e) {
    if (e instanceof Unprintable) return fallback
    throw e
  }
}

/** What printing needs: the columns' types (to type literals) and the mode. */
interface Context {
  readonly columns: ColumnTypes
  readonly pretty: boolean
}

/**
 * A printed node and what decides whether pretty mode parenthesizes it inside another (ruleutils'
 * isSimpleNode): `op` a binary operator (`symbol` for precedence), `unary`, `bool` an AND / OR /
 * NOT (`symbol`), `test` IS [NOT] NULL, `any` x op ANY/ALL (array), `simple` everything else.
 */
interface Printed {
  readonly text: string
  readonly kind: 'simple' | 'op' | 'unary' | 'bool' | 'test' | 'any'
  readonly symbol?: string
}

type Parent = { readonly kind: 'op'; readonly symbol: string; readonly left: boolean } | { readonly kind: 'bool'; readonly symbol: string } | { readonly kind: 'func' | 'tight' }

const simple = (text: string): Printed => ({ text, kind: 'simple' })
const ARITHMETIC_LOW = new Set(['+', '-'])
const ARITHMETIC_HIGH = new Set(['*', '/', '%'])

/** Whether `child` needs no parentheses inside `parent` in pretty mode. */
function isSimple(child: Printed, parent: Parent): boolean {
  switch (child.kind) {
    case 'simple':
      return true
    case 'op':
    case 'unary': {
      if (parent.kind === 'op') {
        const op = child.kind === 'op' ? (child.symbol ?? '') : ''
        const low = ARITHMETIC_LOW.has(op)
        const high = ARITHMETIC_HIGH.has(op)
        const parentLow = ARITHMETIC_LOW.has(parent.symbol)
        const parentHigh = ARITHMETIC_HIGH.has(parent.symbol)
        if (!(low || high) || !(parentLow || parentHigh)) return false
        if (high && parentLow) return true
        if (low && parentHigh) return false
        return parent.left
      }
      return parent.kind === 'bool' || parent.kind === 'func'
    }
    case 'test':
      return parent.kind === 'bool' || parent.kind === 'func'
    case 'bool':
      if (parent.kind === 'func') return true
      if (parent.kind !== 'bool') return false
      return child.symbol === 'OR' ? parent.symbol === 'OR' : parent.symbol === 'AND' || parent.symbol === 'OR'
    case 'any':
      return false
  }
}

/** A child's text inside `parent`: as is outside pretty mode (every compound node brings its own
 * parentheses there), parenthesized in pretty mode unless simple. */
function inside(child: Printed, parent: Parent, c: Context): string {
  return !c.pretty || isSimple(child, parent) ? child.text : `(${child.text})`
}

/** A compound node: parenthesized outside pretty mode. */
function compound(text: string, kind: Printed['kind'], c: Context, symbol?: string): Printed {
  return { text: c.pretty ? text : `(${text})`, kind, ...(symbol === undefined ? {} : { symbol }) }
}

/** `x::type` (a cast of a simple node) or `(x)::type`. */
function castText(child: Printed, type: string, c: Context): string {
  return c.pretty && isSimple(child, { kind: 'tight' }) ? `${child.text}::${type}` : `(${child.text})::${type}`
}

const FUNC: Parent = { kind: 'func' }
const TIGHT: Parent = { kind: 'tight' }

/** One node. `hint` is the type an untyped string literal takes here. */
function print(node: Node, c: Context, hint: SqlType | undefined): Printed {
  if ('A_Const' in node) return simple(printConst(node.A_Const, hint))
  if ('TypeCast' in node) return simple(printCast(node.TypeCast, c))
  if ('ColumnRef' in node) {
    const fields = node.ColumnRef.fields ?? []
    return simple(fields.map((f) => ('String' in f ? quoteIdent(f.String.sval ?? '') : '*')).join('.'))
  }
  if ('FuncCall' in node) {
    const f = node.FuncCall
    const name = (f.funcname ?? []).map((n) => ('String' in n ? n.String.sval ?? '' : '')).filter((n) => n !== 'pg_catalog')
    const sequenceFunction = name.length === 1 && SEQUENCE_FUNCTIONS.has(name[0] as string)
    const args = (f.args ?? []).map((a, i) => inside(sequenceFunction ? sequenceArgument(a, i, c) : print(a, c, TEXT), FUNC, c))
    if (f.agg_star === true) args.push('*')
    return simple(`${name.map(quoteIdent).join('.')}(${args.join(', ')})`)
  }
  if ('SQLValueFunction' in node) return simple(sqlValueFunction(node.SQLValueFunction.op ?? '', node.SQLValueFunction.typmod))
  if ('A_Expr' in node) return printOperator(node.A_Expr, c)
  if ('BoolExpr' in node) {
    const b = node.BoolExpr
    const symbol = b.boolop === 'NOT_EXPR' ? 'NOT' : b.boolop === 'AND_EXPR' ? 'AND' : 'OR'
    const parent: Parent = { kind: 'bool', symbol }
    const args = (b.args ?? []).map((a) => inside(print(a, c, undefined), parent, c))
    if (symbol === 'NOT') return compound(`NOT ${args[0] ?? ''}`, 'bool', c, symbol)
    return compound(args.join(` ${symbol} `), 'bool', c, symbol)
  }
  if ('CoalesceExpr' in node) {
    const args = node.CoalesceExpr.args ?? []
    const hint = args.map((a) => columnType(a, c.columns)).find((t) => t !== undefined) ?? TEXT
    return simple(`COALESCE(${args.map((a) => inside(print(a, c, hint), FUNC, c)).join(', ')})`)
  }
  if ('NullTest' in node) {
    const arg = node.NullTest.arg
    if (arg === undefined) throw new Unprintable()
    const test = node.NullTest.nulltesttype === 'IS_NOT_NULL' ? 'IS NOT NULL' : 'IS NULL'
    return compound(`${inside(print(arg, c, undefined), TIGHT, c)} ${test}`, 'test', c)
  }
  throw new Unprintable()
}

/** The functions whose first parameter is a regclass (a string constant there is one). */
const SEQUENCE_FUNCTIONS = new Set(['nextval', 'currval', 'setval'])

/**
 * An argument of nextval, currval or setval as PostgreSQL stores it: the sequence a regclass
 * (`'s'::regclass` for a string constant, any other argument cast to it), setval's value a bigint
 * (`(5)::bigint` for an integer constant).
 */
function sequenceArgument(arg: Node, position: number, c: Context): Printed {
  if (position === 0) {
    if ('A_Const' in arg && arg.A_Const.sval !== undefined) return simple(regclassConstant(arg.A_Const.sval.sval ?? ''))
    // Printed text read again (pretty mode) has the cast already.
    if (isRegclassCast(arg)) return print(arg, c, undefined)
    return simple(castText(print(arg, c, TEXT), 'regclass', c))
  }
  if (position === 1 && 'A_Const' in arg && arg.A_Const.ival !== undefined) {
    return simple(castText(simple(printConst(arg.A_Const, undefined)), 'bigint', c))
  }
  return print(arg, c, position === 2 ? undefined : TEXT)
}

function isRegclassCast(node: Node): boolean {
  if (!('TypeCast' in node)) return false
  const names = node.TypeCast.typeName?.names ?? []
  const last = names[names.length - 1]
  return last !== undefined && 'String' in last && last.String.sval === 'regclass'
}

/**
 * A regclass constant as PostgreSQL prints it: the relation's name as regclass output gives it
 * (quoted where needed, schema-qualified outside public), not as it was written (`'public.S'`
 * is `'s'::regclass`). Stored text names a relation that exists (checked when it was stored,
 * followed when it is renamed), so the name needs no lookup.
 */
function regclassConstant(text: string): string {
  const parts = parseQualifiedName(text)
  if (parts === undefined) throw new Unprintable()
  const [schema, name] = parts.length === 2 ? parts : ['public', parts[0] as string]
  const printed = schema === 'public' ? quoteIdent(name as string) : `${quoteIdent(schema as string)}.${quoteIdent(name as string)}`
  return `${quoteLiteral(printed)}::regclass`
}

/** Parses a possibly quoted, possibly schema-qualified name as regclass input does. */
export function parseQualifiedName(text: string): string[] | undefined {
  const parts: string[] = []
  const re = /\s*(?:"((?:[^"]|"")*)"|([^".\s]+))\s*(\.|$)/y
  let at = 0
  while (at < text.length) {
    re.lastIndex = at
    const m = re.exec(text)
    if (m === null) return undefined
    parts.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : (m[2] ?? '').toLowerCase())
    at = re.lastIndex
    if (m[3] === '') break
  }
  return parts.length === 0 || parts.length > 2 ? undefined : parts
}

function printConst(c: A_Const, hint: SqlType | undefined): string {
  if (c.isnull === true) return 'NULL'
  if (c.boolval !== undefined) return c.boolval.boolval === true ? 'true' : 'false'
  if (c.ival !== undefined) {
    const v = c.ival.ival ?? 0
    return v < 0 ? `'${v}'::integer` : String(v)
  }
  if (c.fval !== undefined) {
    const text = c.fval.fval ?? '0'
    const integral = /^-?\d+$/.test(text)
    const int8 = integral && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n
    if (int8) return `'${text}'::bigint`
    return text.startsWith('-') || integral ? `'${text}'::numeric` : text
  }
  if (c.sval !== undefined) return typedLiteral(c.sval.sval ?? '', hint ?? TEXT, false)
  throw new Unprintable()
}

/**
 * A constant of `type` from its text, as ruleutils' get_const_expr prints it: a non-negative
 * integer and a boolean bare, a positive decimal numeric bare (labelled only with a typmod),
 * anything else quoted in the type's output form with a `::type` label.
 */
function typedLiteral(text: string, type: SqlType, keepTypmod: boolean): string {
  let value: string
  try {
    value = formatText(parseText(text, type), type)
  } catch {
    throw new Unprintable()
  }
  const label = formatSqlType(keepTypmod ? type : withoutTypmod(type))
  if (type.kind === 'bool') return value === 't' || value === 'true' ? 'true' : 'false'
  if (type.kind === 'int4' && !value.startsWith('-')) return value
  if (type.kind === 'numeric' && /^\d/.test(value) && /[eE.]/.test(value)) {
    return keepTypmod && type.precision !== undefined ? `${value}::${label}` : value
  }
  return `'${value.replaceAll("'", "''")}'::${label}`
}

/** The type a coerced constant is labelled with: the column's type without its typmod, except an
 * interval's range, which PostgreSQL keeps. */
function withoutTypmod(type: SqlType): SqlType {
  return type.kind === 'interval' && type.fields !== undefined ? { kind: 'interval', fields: type.fields } : baseType(type)
}

function printCast(cast: TypeCast, c: Context): string {
  const names = (cast.typeName?.names ?? []).map((n) => ('String' in n ? n.String.sval ?? '' : ''))
  if (isRegclassCast({ TypeCast: cast }) && cast.arg !== undefined) {
    if ('A_Const' in cast.arg && cast.arg.A_Const.sval !== undefined) return regclassConstant(cast.arg.A_Const.sval.sval ?? '')
    return castText(print(cast.arg, c, TEXT), 'regclass', c)
  }
  const typmods = (cast.typeName?.typmods ?? []).map((m) => ('A_Const' in m ? m.A_Const.ival?.ival ?? 0 : 0))
  let type: SqlType
  try {
    type = typeFromName(names, typmods)
  } catch {
    throw new Unprintable()
  }
  const arg = cast.arg
  if (arg === undefined) throw new Unprintable()
  if ('A_Const' in arg && arg.A_Const.sval !== undefined) return typedLiteral(arg.A_Const.sval.sval ?? '', type, true)
  // A number cast to another type stays a cast (string literals are folded into constants).
  if ('A_Const' in arg && arg.A_Const.ival !== undefined && type.kind === 'int4') {
    return typedLiteral(String(arg.A_Const.ival.ival ?? 0), type, true)
  }
  if ('A_Const' in arg && arg.A_Const.fval !== undefined && type.kind === 'numeric') {
    return typedLiteral(arg.A_Const.fval.fval ?? '0', type, true)
  }
  return castText(print(arg, c, undefined), formatSqlType(type), c)
}

function printOperator(e: A_Expr, c: Context): Printed {
  const columns = c.columns
  const op = (e.name ?? []).map((n) => ('String' in n ? n.String.sval ?? '' : '')).join('.')
  const left = e.lexpr
  const right = e.rexpr
  // varchar has no operators of its own: PostgreSQL compares it as text, and shows the casts.
  // A date or timestamp plus or minus a string literal reads the literal as an interval.
  const hintFrom = (other: Node | undefined) => {
    const type = other !== undefined ? expressionType(other, columns) : undefined
    if (type !== undefined && (op === '+' || op === '-') && DATETIMES.has(type.kind)) return INTERVAL
    return type?.kind === 'varchar' ? TEXT : type
  }
  const binary = (symbol: string, l: Printed, r: Printed) =>
    compound(`${inside(l, { kind: 'op', symbol, left: true }, c)} ${symbol} ${inside(r, { kind: 'op', symbol, left: false }, c)}`, 'op', c, symbol)
  switch (e.kind) {
    case 'AEXPR_OP': {
      if (right === undefined) throw new Unprintable()
      if (left === undefined) return compound(`${op} ${inside(print(right, c, undefined), { kind: 'op', symbol: op, left: false }, c)}`, 'unary', c)
      // Pattern and key operators take text on the right, whatever the left side's type.
      const l = operand(left, right, c, hintFrom(right))
      const fixed = TEXT_OPERATORS.has(op) ? TEXT : JSON_PATH_OPERATORS.has(op) ? TEXT_ARRAY : undefined
      const r = fixed !== undefined ? print(right, c, fixed) : operand(right, left, c, hintFrom(left))
      return binary(op === '!=' ? '<>' : op, l, r)
    }
    case 'AEXPR_IN': {
      if (left === undefined || right === undefined || !('List' in right)) throw new Unprintable()
      const leftType = columnType(left, columns)
      const items = (right.List.items ?? []).map((i) => inside(print(i, c, leftType ?? TEXT), FUNC, c))
      const [cmp, quantifier] = op === '<>' ? ['<>', 'ALL'] : ['=', 'ANY']
      const l = print(left, c, undefined)
      // varchar compares as text: the column and the whole array are cast.
      if (leftType?.kind === 'varchar') {
        const array = castText(simple(`ARRAY[${items.join(', ')}]`), 'text[]', c)
        return compound(`${castText(l, 'text', c)} ${cmp} ${quantifier} (${array})`, 'any', c)
      }
      return compound(`${inside(l, TIGHT, c)} ${cmp} ${quantifier} (ARRAY[${items.join(', ')}])`, 'any', c)
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      if (left === undefined || right === undefined || !('List' in right)) throw new Unprintable()
      const [low, high] = right.List.items ?? []
      if (low === undefined || high === undefined) throw new Unprintable()
      const hint = hintFrom(left)
      const l = () => print(left, c, undefined)
      const bound = (b: Node) => operand(b, left, c, hint)
      const [first, second, join] = e.kind === 'AEXPR_BETWEEN' ? ['>=', '<=', 'AND'] : ['<', '>', 'OR']
      const parent: Parent = { kind: 'bool', symbol: join }
      const a = inside(binary(first, l(), bound(low)), parent, c)
      const b = inside(binary(second, l(), bound(high)), parent, c)
      return compound(`${a} ${join} ${b}`, 'bool', c, join)
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      if (left === undefined || right === undefined) throw new Unprintable()
      const negated = op.startsWith('!')
      const sym = e.kind === 'AEXPR_LIKE' ? (negated ? '!~~' : '~~') : negated ? '!~~*' : '~~*'
      return binary(sym, print(left, c, undefined), print(right, c, TEXT))
    }
    default:
      throw new Unprintable()
  }
}

const TEXT_OPERATORS = new Set(['?', '~', '~*', '!~', '!~*', '~~', '!~~', '~~*', '!~~*', '->', '->>'])
/** jsonb operators whose right side is a text[] (a path, or keys). */
const JSON_PATH_OPERATORS = new Set(['#>', '#>>', '#-', '?|', '?&'])
const TEXT_ARRAY: SqlType = { kind: 'array', element: TEXT }

/**
 * An operand of a binary operator, with the casts PostgreSQL shows where no cross-type operator
 * exists: an integer compared with a numeric or float column (`(0)::numeric`), a decimal with a
 * float column (`(1.5)::double precision`), a varchar column as text.
 */
function operand(node: Node, other: Node, c: Context, hint: SqlType | undefined): Printed {
  const printed = print(node, c, hint)
  const type = columnType(node, c.columns)
  if (type?.kind === 'varchar') return simple(castText(printed, 'text', c))
  // An integer column beside a numeric is cast to numeric (no cross-type operator either).
  if (type !== undefined && INTEGERS.has(type.kind) && isNumeric(other, c.columns)) return simple(castText(printed, 'numeric', c))
  const otherType = columnType(other, c.columns)
  if (!('A_Const' in node) || otherType === undefined) return printed
  const integer = node.A_Const.ival !== undefined
  const decimal = node.A_Const.fval !== undefined
  const float = otherType.kind === 'float4' || otherType.kind === 'float8'
  if ((integer && (otherType.kind === 'numeric' || float)) || (decimal && float)) {
    return simple(castText(printed, formatSqlType(baseType(otherType)), c))
  }
  return printed
}

const INTEGERS = new Set(['int2', 'int4', 'int8'])

/** Whether `node` is a numeric: a numeric column, or a decimal constant (not one of bigint's). */
function isNumeric(node: Node, columns: ColumnTypes): boolean {
  if ('A_Const' in node && node.A_Const.fval !== undefined) {
    const text = node.A_Const.fval.fval ?? '0'
    return !/^-?\d+$/.test(text) || BigInt(text) < -(2n ** 63n) || BigInt(text) >= 2n ** 63n
  }
  return columnType(node, columns)?.kind === 'numeric'
}

const INTERVAL: SqlType = { kind: 'interval' }
const DATETIMES = new Set(['date', 'timestamp', 'timestamptz'])
const TIMESTAMPTZ_FUNCTIONS = new Set(['now', 'transaction_timestamp', 'statement_timestamp', 'clock_timestamp'])
const SQL_VALUE_TYPES: Readonly<Record<string, SqlType>> = {
  SVFOP_CURRENT_DATE: { kind: 'date' },
  SVFOP_CURRENT_TIMESTAMP: { kind: 'timestamptz' },
  SVFOP_CURRENT_TIMESTAMP_N: { kind: 'timestamptz' },
  SVFOP_LOCALTIMESTAMP: { kind: 'timestamp' },
  SVFOP_LOCALTIMESTAMP_N: { kind: 'timestamp' },
}

/** The type of an expression where the printer needs it to type a literal beside it. */
function expressionType(node: Node, columns: ColumnTypes): SqlType | undefined {
  if ('FuncCall' in node) {
    const names = node.FuncCall.funcname ?? []
    const last = names[names.length - 1]
    const name = last !== undefined && 'String' in last ? last.String.sval ?? '' : ''
    return TIMESTAMPTZ_FUNCTIONS.has(name) ? { kind: 'timestamptz' } : undefined
  }
  if ('SQLValueFunction' in node) return SQL_VALUE_TYPES[node.SQLValueFunction.op ?? '']
  return columnType(node, columns)
}

function columnType(node: Node, columns: ColumnTypes): SqlType | undefined {
  if (!('ColumnRef' in node)) return undefined
  const fields = node.ColumnRef.fields ?? []
  const last = fields[fields.length - 1]
  return last !== undefined && 'String' in last ? columns.get(last.String.sval ?? '') : undefined
}

function sqlValueFunction(op: string, typmod: number | undefined): string {
  const name = op.replace('SVFOP_', '').replace(/_N$/, '')
  const withPrecision = op.endsWith('_N') && typmod !== undefined && typmod >= 0
  const keyword = name === 'CURRENT_CATALOG' ? 'CURRENT_CATALOG' : name
  return withPrecision ? `${keyword}(${typmod})` : keyword
}

/** PostgreSQL's quote_literal. */
export function quoteLiteral(s: string): string {
  const body = s.replaceAll("'", "''")
  return s.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`
}

// Reserved keywords that quote_ident quotes (PostgreSQL's kwlist.h, RESERVED and TYPE_FUNC_NAME).
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral ' +
    'leading limit localtime localtimestamp not null offset on only or order placing primary references returning ' +
    'select session_user some symmetric system_user table then to trailing true union unique user using variadic when ' +
    'where window with authorization binary collation concurrently cross current_schema freeze full ilike inner is ' +
    'isnull join left like natural notnull outer overlaps right similar tablesample verbose').split(' '),
)

/** PostgreSQL's quote_ident: bare when lowercase, not a reserved word, and a plain identifier. */
export function quoteIdent(s: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(s) && !RESERVED.has(s) ? s : `"${s.replaceAll('"', '""')}"`
}
