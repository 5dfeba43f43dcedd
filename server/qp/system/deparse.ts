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
 * Source text where the expression uses a form this printer does not know.
 */
export function deparseDefault(source: string, type: SqlType): string {
  const node = parseExpression(source)
  if (node === undefined) return source
  return printOr(source, () => print(node, new Map(), withoutTypmod(type)))
}

/** A CHECK as pg_get_constraintdef prints it: `CHECK ((price > 0))`, `CHECK (flag)`. */
export function deparseCheck(source: string, columns: ColumnTypes): string {
  const node = parseExpression(source)
  const inner = node === undefined ? `(${source})` : printOr(`(${source})`, () => print(node, columns, undefined))
  return `CHECK (${inner})`
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

/**
 * One node, every operator parenthesized as PostgreSQL prints it. `hint` is the type an untyped
 * string literal takes here.
 */
function print(node: Node, columns: ColumnTypes, hint: SqlType | undefined): string {
  if ('A_Const' in node) return printConst(node.A_Const, hint)
  if ('TypeCast' in node) return printCast(node.TypeCast, columns)
  if ('ColumnRef' in node) {
    const fields = node.ColumnRef.fields ?? []
    return fields.map((f) => ('String' in f ? quoteIdent(f.String.sval ?? '') : '*')).join('.')
  }
  if ('FuncCall' in node) {
    const f = node.FuncCall
    const name = (f.funcname ?? []).map((n) => ('String' in n ? n.String.sval ?? '' : '')).filter((n) => n !== 'pg_catalog')
    const args = (f.args ?? []).map((a) => print(a, columns, TEXT))
    if (f.agg_star === true) args.push('*')
    return `${name.map(quoteIdent).join('.')}(${args.join(', ')})`
  }
  if ('SQLValueFunction' in node) return sqlValueFunction(node.SQLValueFunction.op ?? '', node.SQLValueFunction.typmod)
  if ('A_Expr' in node) return printOperator(node.A_Expr, columns)
  if ('BoolExpr' in node) {
    const b = node.BoolExpr
    const args = (b.args ?? []).map((a) => print(a, columns, undefined))
    if (b.boolop === 'NOT_EXPR') return `(NOT ${args[0] ?? ''})`
    return `(${args.join(b.boolop === 'AND_EXPR' ? ' AND ' : ' OR ')})`
  }
  if ('CoalesceExpr' in node) {
    const args = node.CoalesceExpr.args ?? []
    const hint = args.map((a) => columnType(a, columns)).find((t) => t !== undefined) ?? TEXT
    return `COALESCE(${args.map((a) => print(a, columns, hint)).join(', ')})`
  }
  if ('NullTest' in node) {
    const arg = node.NullTest.arg
    if (arg === undefined) throw new Unprintable()
    return `(${print(arg, columns, undefined)} ${node.NullTest.nulltesttype === 'IS_NOT_NULL' ? 'IS NOT NULL' : 'IS NULL'})`
  }
  throw new Unprintable()
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

function printCast(c: TypeCast, columns: ColumnTypes): string {
  const names = (c.typeName?.names ?? []).map((n) => ('String' in n ? n.String.sval ?? '' : ''))
  const typmods = (c.typeName?.typmods ?? []).map((m) => ('A_Const' in m ? m.A_Const.ival?.ival ?? 0 : 0))
  let type: SqlType
  try {
    type = typeFromName(names, typmods)
  } catch {
    throw new Unprintable()
  }
  const arg = c.arg
  if (arg === undefined) throw new Unprintable()
  if ('A_Const' in arg && arg.A_Const.sval !== undefined) return typedLiteral(arg.A_Const.sval.sval ?? '', type, true)
  // A number cast to another type stays a cast (string literals are folded into constants).
  if ('A_Const' in arg && arg.A_Const.ival !== undefined) {
    const text = String(arg.A_Const.ival.ival ?? 0)
    return type.kind === 'int4' ? typedLiteral(text, type, true) : `(${printConst(arg.A_Const, undefined)})::${formatSqlType(type)}`
  }
  if ('A_Const' in arg && arg.A_Const.fval !== undefined) {
    const text = arg.A_Const.fval.fval ?? '0'
    return type.kind === 'numeric' ? typedLiteral(text, type, true) : `(${printConst(arg.A_Const, undefined)})::${formatSqlType(type)}`
  }
  return `(${print(arg, columns, undefined)})::${formatSqlType(type)}`
}

function printOperator(e: A_Expr, columns: ColumnTypes): string {
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
  switch (e.kind) {
    case 'AEXPR_OP': {
      if (right === undefined) throw new Unprintable()
      if (left === undefined) return `(${op} ${print(right, columns, undefined)})`
      // Pattern and key operators take text on the right, whatever the left side's type.
      const textRight = TEXT_OPERATORS.has(op)
      const l = operand(left, right, columns, hintFrom(right))
      const r = textRight ? print(right, columns, TEXT) : operand(right, left, columns, hintFrom(left))
      return `(${l} ${op === '!=' ? '<>' : op} ${r})`
    }
    case 'AEXPR_IN': {
      if (left === undefined || right === undefined || !('List' in right)) throw new Unprintable()
      const leftType = columnType(left, columns)
      const hint = leftType ?? TEXT
      const items = (right.List.items ?? []).map((i) => print(i, columns, hint))
      const [cmp, quantifier] = op === '<>' ? ['<>', 'ALL'] : ['=', 'ANY']
      // varchar compares as text: the column and the whole array are cast.
      if (leftType?.kind === 'varchar') {
        return `((${print(left, columns, undefined)})::text ${cmp} ${quantifier} ((ARRAY[${items.join(', ')}])::text[]))`
      }
      return `(${print(left, columns, undefined)} ${cmp} ${quantifier} (ARRAY[${items.join(', ')}]))`
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      if (left === undefined || right === undefined || !('List' in right)) throw new Unprintable()
      const [low, high] = right.List.items ?? []
      if (low === undefined || high === undefined) throw new Unprintable()
      const l = () => print(left, columns, undefined)
      const hint = hintFrom(left)
      const bound = (b: Node) => operand(b, left, columns, hint)
      return e.kind === 'AEXPR_BETWEEN'
        ? `((${l()} >= ${bound(low)}) AND (${l()} <= ${bound(high)}))`
        : `((${l()} < ${bound(low)}) OR (${l()} > ${bound(high)}))`
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      if (left === undefined || right === undefined) throw new Unprintable()
      const negated = op.startsWith('!')
      const sym = e.kind === 'AEXPR_LIKE' ? (negated ? '!~~' : '~~') : negated ? '!~~*' : '~~*'
      return `(${print(left, columns, undefined)} ${sym} ${print(right, columns, TEXT)})`
    }
    default:
      throw new Unprintable()
  }
}

const TEXT_OPERATORS = new Set(['?', '~', '~*', '!~', '!~*', '~~', '!~~', '~~*', '!~~*'])

/**
 * An operand of a binary operator, with the casts PostgreSQL shows where no cross-type operator
 * exists: an integer compared with a numeric or float column (`(0)::numeric`), a decimal with a
 * float column (`(1.5)::double precision`), a varchar column as text.
 */
function operand(node: Node, other: Node, columns: ColumnTypes, hint: SqlType | undefined): string {
  const printed = print(node, columns, hint)
  if (columnType(node, columns)?.kind === 'varchar') return `(${printed})::text`
  const otherType = columnType(other, columns)
  if (!('A_Const' in node) || otherType === undefined) return printed
  const integer = node.A_Const.ival !== undefined
  const decimal = node.A_Const.fval !== undefined
  const float = otherType.kind === 'float4' || otherType.kind === 'float8'
  if ((integer && (otherType.kind === 'numeric' || float)) || (decimal && float)) {
    return `(${printed})::${formatSqlType(baseType(otherType))}`
  }
  return printed
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
