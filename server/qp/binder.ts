// Binding (ARCHITECTURE.md "query processor": bind): turns libpg_query expression trees into typed
// expressions with column references resolved against a scope and parameter types inferred.
import type { A_Const, A_Expr, CollateClause, FuncCall, Node, SelectStmt, SubLink, TypeName } from 'libpg-query'
import { hasNamedArguments, positionalArguments } from './named-args.ts'
import { FUNCTION_ARGUMENTS_MAX, RECORD_FIELDS_MAX } from './constants.ts'
import type { CteInfo } from './from.ts'
import { characterPosition } from './parser.ts'
import type { Rel, WindowCall } from './rel.ts'
import {
  ambiguousColumn,
  assert,
  datatypeMismatch,
  featureNotSupported, featuresNotSupported,
  groupingError,
  SqlError,
  undefinedColumn,
  undefinedFunction,
  undefinedParameter,
} from '../errors/index.ts'
import {
  arrayType,
  baseType,
  canCast,
  elementType,
  commonType,
  Decimal,
  formatText,
  formatType,
  inputReadsClock,
  integerLiteralType,
  isDatetimeType,
  isStringType,
  OPERATORS_RESOLVING_UNKNOWN,
  parseArray,
  recordIsNull,
  recordType,
  RecordValue,
  resolveBinary,
  resolveUnary,
  unknownOperandsType,
  unknownUnaryOperandType,
  typeFromName,
  typesEqual,
  type CastContext,
  type Datum,
  type RecordField,
  type SqlType,
} from './types/index.ts'
import { boolType, castDatum, isVolatile, mapChildren as mapChildrenOf, someChild, type BinaryApply, type EvalContext, type Expr, type FunctionApply } from './expr.ts'
import { FUNCTIONS, type FunctionResolver, type ResolvedFunction } from './functions.ts'
import { AMBIGUOUS_HINT, AmbiguousFunction } from './function-overloads.ts'
import { posixRegex } from './posix-regex.ts'
import { likePattern } from './like-pattern.ts'
import { similarPattern } from './similar-pattern.ts'
import { slice } from './functions-array.ts'
import { SET_FUNCTIONS, type SetFunctionResolver } from './set-functions.ts'
import { jsonPathOperator } from './functions-jsonpath.ts'
import { RECORD_SET_FUNCTIONS } from './json-records.ts'
import { WINDOW_FUNCTIONS, windowFunctionType } from './window.ts'
import {
  regclassOfOid,
  regclassOfText,
  regclassOidOfText,
  regclassOidOrNull,
  regnamespaceOfOid,
  regnamespaceOfText,
  regnamespaceOidOfText,
  regtypeIn,
  SYSTEM_FUNCTIONS,
} from './system/index.ts'
import { bindSqlJson, sqlJsonReturning, sqlJsonRewrite, type SqlJsonBinder } from './sql-json.ts'
import { SCHEMA_FUNCTIONS } from './schema-functions.ts'
import { collationName, ExplicitCollations, isCollatable } from './explicit-collations.ts'
import { AGGREGATES, resolveAggregate, type AggregateCall } from './aggregate.ts'
import {
  isHypotheticalSet,
  ORDERED_SET_AGGREGATES,
  resolveHypotheticalSet,
  resolveOrderedSet,
  withinGroupRequired,
  type HypotheticalSetName,
} from './ordered-set.ts'
import { sortDirection } from './sort-direction.ts'

/** A column visible to expressions: `slot` indexes the row they are evaluated over. */
export interface ScopeColumn {
  readonly table: string
  readonly name: string
  readonly type: SqlType
  readonly slot: number
  readonly hidden: boolean
  /** Reachable only qualified (the copies of a USING column). */
  readonly nameHidden?: boolean
  /** Left out of `*` (the copies of a USING column). */
  readonly starHidden?: boolean
  /** Read as this expression instead of the slot (FULL JOIN USING's merged column). */
  readonly value?: Expr | undefined
  /** A USING join's merged column (table ''): the FROM item it reads, as PostgreSQL's messages
   * name it (the left one, the right one for a RIGHT JOIN). */
  readonly origin?: string | undefined
  /** The stored table and column it reads under the column's own name (a base table's column not
   * renamed by an alias list): what view-dependencies.ts compares across DDL. */
  readonly baseRelation?: string | undefined
  readonly baseColumn?: string | undefined
}

/** A column reference the binder resolved (BindWatch). */
export interface ResolvedColumnRef {
  /** The reference's byte offset in the statement's text. */
  readonly location: number | undefined
  /** How many names it has (`y` 1, `t.y` 2). */
  readonly names: number
  readonly column: ScopeColumn
  /** The scope it resolved in. */
  readonly scope: Scope
  /** Resolved in an enclosing query's scope (a correlated reference). */
  readonly outer: boolean
}

/** Told what names resolved to while a statement binds (view-dependencies.ts: a view's
 * bindings before and after DDL), or where clock-word literals stand (clock-literals.ts). */
export interface BindWatch {
  column?(ref: ResolvedColumnRef): void
  /** A join's USING or NATURAL columns, left and right, in order (empty for ON). */
  join?(pairs: readonly (readonly [ScopeColumn, ScopeColumn])[]): void
  /** The untyped literal `text` at byte `location` names the clock ('today'): it was left as a
   * cast to `type`, evaluated when the statement runs. */
  clockLiteral?(location: number, text: string, type: SqlType): void
}

/** The enclosing query of a subquery: its scope, and how a value of it is passed in. */
export interface ParentLink {
  readonly scope: Scope
  /** Records `e` (bound in the parent's scope) as an argument; the expression that reads it. */
  capture(e: Expr): Expr
  /** Binds an aggregate call of the parent's level (it reads only the parent's columns) where the
   * subquery appears, and passes its value in; absent where the parent is no query (LATERAL). */
  aggregate?(f: FuncCall): Expr
}

export interface Scope {
  readonly tables: readonly string[]
  readonly columns: readonly ScopeColumn[]
  readonly parent?: ParentLink | undefined
  /** CTEs visible by name (WITH). */
  readonly ctes?: ReadonlyMap<string, CteInfo> | undefined
  /** What a FROM item's name means as a value, by alias (an item missing here is an anonymous
   * record of its visible columns). */
  readonly rows?: ReadonlyMap<string, ItemRow> | undefined
  /** MERGE's RETURNING only: the slot holding the action taken on the row (merge_action()). */
  readonly mergeAction?: number | undefined
}

/**
 * A FROM item's whole row as a value (`SELECT p FROM p`, `to_json(p)`, `p.*` in arguments): a
 * record of its visible columns, in order.
 */
export interface ItemRow {
  /** The row type's name (a table's or view's catalog name); undefined for `record`. */
  readonly typeName?: string | undefined
  /** The fields' names where they are not the item's column names (a table keeps its own under
   * an alias list). */
  readonly fieldNames?: readonly string[] | undefined
  /** A set-returning function of a base type: its whole row is its one column's value. */
  readonly scalar?: boolean | undefined
  /** A slot never NULL in a row of the item, so NULL there means an outer join NULL-extended it
   * and its whole row is NULL, not a row of NULL fields: a table's primary key; for a subquery,
   * view, CTE or function a marker slot, TRUE in each of its rows, that the item gets only once
   * this is called (no plan without such a whole-row reference pays for it). Called only while
   * the FROM clause is bound, before it is planned. */
  readonly matched?: (() => number) | undefined
  /** On the NULL-extended side of an outer join: its whole row reads `matched`. */
  readonly nullable?: boolean | undefined
  /** A sequence (its name): PostgreSQL gives it no row type, so its whole row is 42809. */
  readonly noRowType?: string | undefined
}

/** Plans a subquery in an expression: its plan, output types and correlation arguments. */
export type SubqueryPlanner = (
  stmt: SelectStmt,
  scope: Scope,
  /** Binds an aggregate call in `scope`, where the subquery appears (see ParentLink.aggregate). */
  aggregate: (f: FuncCall) => Expr,
) => { rel: Rel; types: readonly SqlType[]; args: readonly Expr[] }

export const EMPTY_SCOPE: Scope = { tables: [], columns: [] }

export type { AggregateCall } from './aggregate.ts'

/** Where an expression appears: names the clause in errors and says whether aggregates may. */
export interface BindOptions {
  readonly clause: string
  /** Collects aggregate calls; undefined where aggregates are not allowed. */
  readonly aggregates?: AggregateCall[] | undefined
  /** Collects window calls; undefined where window functions are not allowed. */
  readonly windows?: WindowBinding | undefined
  /** Collects set-returning calls of the select list; undefined where they are not allowed. */
  readonly sets?: SetCall[] | undefined
}

/** A set-returning function called in the select list: rows per input row, run in lockstep. */
export interface SetCall {
  readonly name: string
  readonly args: readonly Expr[]
  readonly type: SqlType
  readonly apply: (args: readonly Datum[], ctx: EvalContext) => Iterable<Datum[]>
  /** False when a NULL argument still yields rows (unnest of several arrays). */
  readonly strict?: false | undefined
}

/** Where window calls of a query are collected, with its named windows (WINDOW clause). */
export interface WindowBinding {
  readonly calls: WindowCall[]
  readonly named: ReadonlyMap<string, Node>
  /** Binds one window call (select.ts): the expression reading its value. */
  bind(f: FuncCall, scope: Scope, options: BindOptions): Expr
}

const TEXT: SqlType = { kind: 'text' }
const JSONB: SqlType = { kind: 'jsonb' }
const JSONPATH: SqlType = { kind: 'jsonpath' }

/** Collations that order text by code point, as every text comparison here does. */
const CODE_POINT_COLLATIONS: ReadonlySet<string> = new Set(['C', 'POSIX', 'ucs_basic', 'default'])

/** A COLLATE clause on a value or column of `type` (`x COLLATE "C"`, `name text COLLATE "C"`):
 * 42804 for a type without collations, as PostgreSQL; 0A000 for a collation that does not order
 * by code point (a locale's), as every text comparison here does. */
export function checkCollation(collname: readonly Node[], type: SqlType): void {
  const name = collationName(collname)
  if (!isCollatable(type)) throw new SqlError('42804', `collations are not supported by type ${formatType(type)}`)
  if (name === undefined || !CODE_POINT_COLLATIONS.has(name)) throw featureNotSupported(`collation "${collname.map(stringOf).join('.')}"`)
}

/** An aggregate's ORDER BY: its expressions and sort keys over them. */
type AggregateOrder = NonNullable<AggregateCall['order']>
/** One sort key of an aggregate's ORDER BY. */
type AggregateOrderKey = AggregateOrder['keys'][number]
const INT8: SqlType = { kind: 'int8' }
const OID: SqlType = { kind: 'oid' }
const NUMERIC: SqlType = { kind: 'numeric' }

/** Two types are the same, typmods included. */
export function sameType(a: SqlType, b: SqlType): boolean {
  return typesEqual(a, b)
}

/** merge_action() in MERGE's RETURNING, or in a subquery there (passed in as an outer value);
 * anywhere else PostgreSQL's 42601. */
function mergeAction(scope: Scope): Expr {
  const found = (s: Scope): Expr | undefined => {
    if (s.mergeAction !== undefined) return { kind: 'column', type: TEXT, slot: s.mergeAction, name: 'merge_action' }
    const parent = s.parent
    const outer = parent === undefined ? undefined : found(parent.scope)
    return outer === undefined || parent === undefined ? undefined : parent.capture(outer)
  }
  const e = found(scope)
  if (e === undefined) throw new SqlError('42601', 'MERGE_ACTION() can only be used in the RETURNING list of a MERGE command')
  return e
}

/** The location of a node, when it has one (0-based). */
export function locationOf(node: Node | undefined): number | undefined {
  if (node === undefined) return undefined
  const inner = Object.values(node)[0] as { location?: number } | undefined
  const location = inner?.location
  return location !== undefined && location >= 0 ? location : undefined
}

/** The string of a `String` node. */
export function stringOf(node: Node | undefined): string {
  assert(node !== undefined && 'String' in node, 'a String node')
  return node.String.sval ?? ''
}

/** Finds a user-defined type by catalog name (`schema.name` outside public). */
export type TypeLookup = (name: string) => SqlType | undefined

/** A type name as libpg_query gives it, resolved (42704 unknown, 0A000 unsupported); names that
 * are no built-in type are looked up with `lookup` (enum types). */
export function resolveTypeName(typeName: TypeName, lookup?: TypeLookup, sql?: string): SqlType {
  const position = (location: number | undefined) => positionIn(sql, location)
  const names = (typeName.names ?? []).map(stringOf)
  const typmods = (typeName.typmods ?? []).map((m) => {
    const c = 'A_Const' in m ? m.A_Const : undefined
    if (c?.ival === undefined) throw featureNotSupported('this type modifier', position(typeName.location))
    return c.ival.ival ?? 0
  })
  const arrayDims = typeName.arrayBounds?.length ?? 0
  try {
    return typeFromName(names, typmods, arrayDims)
  } catch (e) {
    const user = e instanceof SqlError && e.code === '42704' ? userType(names, arrayDims, lookup) : undefined
    if (user !== undefined) {
      if (typmods.length > 0) {
        throw new SqlError('42601', `type modifier is not allowed for type "${names.join('.')}"`)
      }
      return user
    }
    throw e instanceof SqlError ? e.withPosition(position(typeName.location)) : e
  }
}

function userType(names: readonly string[], arrayDims: number, lookup: TypeLookup | undefined): SqlType | undefined {
  if (lookup === undefined) return undefined
  const last = names[names.length - 1] ?? ''
  // '_mood' is pg_type's name of mood[].
  const array = arrayDims > 0 || last.startsWith('_')
  const base = arrayDims === 0 && array ? [...names.slice(0, -1), last.slice(1)] : names
  const name = base.length === 1 ? base[0] : base.length === 2 ? (base[0] === 'public' ? base[1] : base.join('.')) : undefined
  const found = name === undefined ? undefined : lookup(name)
  return found === undefined ? undefined : array ? arrayType(found) : found
}

/** The error position of parse-tree location `location` (a byte offset) of `sql`: characters,
 * 1-based. Without the text (stored expressions, bound from a wrapper text) it is the byte offset
 * plus one, which is right for ASCII. */
export function positionIn(sql: string | undefined, location: number | undefined): number | undefined {
  if (location === undefined || location < 0) return undefined
  return sql === undefined ? location + 1 : characterPosition(sql, location)
}

/**
 * Binds the expressions of one statement. Parameter types are shared across all its expressions:
 * the first context that fixes `$n`'s type wins; `finishParams` turns the rest into text.
 */
export class Binder {
  readonly paramTypes: SqlType[]
  /** Finds the enum types that type names in expressions may name (casts). */
  readonly types: TypeLookup | undefined
  /** An expression named an enum type: the plan depends on the enum's definition, which the plan
   * cache (validating table definitions only) cannot see change. */
  namedUserType = false
  /** The first locking clause ('FOR UPDATE', ...) binding applied to a table, from the statement
   * or from a view it reads: a read-only transaction refuses the statement (25006). */
  lockingClause: string | undefined
  /** Told what names resolve to while set (view-dependencies.ts, binding a view's text; views
   * nested in it are bound without it). */
  watch: BindWatch | undefined
  /** The COLLATE clauses bound expressions carry, checked to agree where they meet (42P21). */
  readonly #collations = new ExplicitCollations()
  /** Byte locations of the literals bound while a watch asks for clock-word literals. */
  readonly #literalLocations = new WeakMap<Expr, number>()

  /** The text that parse-tree locations index (error positions are counted in it). */
  readonly sql: string | undefined

  constructor(paramCount: number, types?: TypeLookup, sql?: string) {
    this.paramTypes = Array.from({ length: paramCount }, () => ({ kind: 'unknown' }) as SqlType)
    this.types = types
    this.sql = sql
  }

  /** Checks that the bound parse nodes `inputs`, one column of a set operation's arms or of
   * VALUES' rows, carry no two different explicit collations (42P21, as PostgreSQL). */
  agreeCollations(inputs: readonly (Node | undefined)[]): void {
    this.#collations.agreeAcross(inputs, (location) => this.position(location))
  }

  /** The error position of a parse-tree location of this binder's statement. */
  position(location: number | undefined): number | undefined {
    return positionIn(this.sql, location)
  }

  /** This binder's user types, for binding a table's stored expressions (its defaults and
   * checks) in this statement: one they name marks the statement as naming a user type. */
  readonly storedTypes: TypeLookup = (name) => {
    const type = this.types?.(name)
    if (type !== undefined) this.namedUserType = true
    return type
  }

  /** A type name resolved with this binder's user types. */
  resolveType(typeName: TypeName): SqlType {
    const type = resolveTypeName(typeName, this.types, this.sql)
    if ((type.kind === 'array' ? type.element : type).kind === 'enum') this.namedUserType = true
    return type
  }

  /** Parameters no context typed become text (PostgreSQL's rule for `SELECT $1`). */
  finishParams(): void {
    for (let i = 0; i < this.paramTypes.length; i++) {
      if (this.paramTypes[i]?.kind === 'unknown') this.paramTypes[i] = TEXT
    }
  }

  /** An expression's type with parameters by their current type; unknown stays unknown. */
  rawType(e: Expr): SqlType {
    return e.kind === 'param' ? (this.paramTypes[e.index] ?? e.type) : e.type
  }

  /** The type an output expression reports: parameters by their final type, unknown as text. */
  outputType(e: Expr): SqlType {
    const type = e.kind === 'param' ? (this.paramTypes[e.index] ?? e.type) : e.type
    return type.kind === 'unknown' ? TEXT : type
  }

  /** Plans subqueries in expressions (installed by select.ts). */
  planSubquery: SubqueryPlanner | undefined

  bind(node: Node, scope: Scope, options: BindOptions): Expr {
    try {
      const e = this.#bind(node, scope, options)
      this.#collations.record(node, this.rawType(e), (location) => this.position(location))
      return e
    } catch (e) {
      throw e instanceof SqlError ? e.withPosition(this.position(locationOf(node))) : e
    }
  }

  /** Binds a boolean condition (WHERE, HAVING, CHECK, ON): 42804 when not boolean. */
  bindCondition(node: Node, scope: Scope, options: BindOptions): Expr {
    const e = this.bind(node, scope, options)
    if (e.type.kind === 'unknown' || e.type.kind === 'bool') return this.coerce(e, boolType(), 'implicit')
    throw datatypeMismatch(
      `argument of ${options.clause} must be type boolean, not type ${formatType(e.type)}`,
      this.position(locationOf(node)),
    )
  }

  /** Casts `e` to `to`: parameters adopt the type, constants fold, other values get a cast node. */
  coerce(e: Expr, to: SqlType, context: CastContext): Expr {
    if (e.kind === 'param') {
      const current = this.paramTypes[e.index]
      assert(current !== undefined, 'parameter index in range')
      // As PostgreSQL infers a parameter's type without its typmod, then coerces the value: a
      // parameter assigned to numeric(8,2) is numeric, rounded to scale 2 by the cast below.
      if (current.kind === 'unknown') this.paramTypes[e.index] = baseType(to)
      const fixed = this.paramTypes[e.index] as SqlType
      if (sameType(fixed, to)) return { kind: 'param', type: to, index: e.index }
      return { kind: 'cast', type: to, arg: { ...e, type: fixed }, from: fixed, context }
    }
    if (sameType(e.type, to)) return e
    if (e.kind === 'const' && readsClock(e, to)) {
      const location = this.#literalLocations.get(e)
      if (location !== undefined && e.type.kind === 'unknown') this.watch?.clockLiteral?.(location, e.value as string, to)
      return { kind: 'cast', type: to, arg: e, from: e.type, context }
    }
    if (e.kind === 'const') return { kind: 'const', type: to, value: castDatum(e.value, e.type, to, context) }
    if (e.type.kind !== 'unknown' && !canCast(e.type, to, context)) {
      throw datatypeMismatch(`cannot cast type ${formatType(e.type)} to ${formatType(to)}`)
    }
    return { kind: 'cast', type: to, arg: e, from: e.type, context }
  }

  /** Coerces a value for a column (INSERT, UPDATE SET, DEFAULT): 42804 PostgreSQL's message. */
  coerceToColumn(given: Expr, to: SqlType, column: string): Expr {
    // A regclass value stored in an oid or integer column is the relation's oid, as in PostgreSQL.
    const e = asOidBeside(given, to)
    const from = e.kind === 'param' ? (this.paramTypes[e.index] ?? e.type) : e.type
    if (from.kind !== 'unknown' && !sameType(from, to) && !canCast(from, to, 'assignment')) {
      throw new SqlError(
        '42804',
        `column "${column}" is of type ${formatType(to)} but expression is of type ${formatType(from)}`,
        { hint: 'You will need to rewrite or cast the expression.' },
      )
    }
    return this.coerce(e, to, 'assignment')
  }

  #bind(node: Node, scope: Scope, options: BindOptions): Expr {
    if ('ColumnRef' in node) return this.#columnRef(node.ColumnRef.fields ?? [], scope, node.ColumnRef.location)
    if ('A_Const' in node) {
      const c = constant(node.A_Const)
      // Where the literal stands, for a watch that wants to know (only while one does).
      const location = node.A_Const.location ?? -1
      if (this.watch?.clockLiteral !== undefined && location >= 0) this.#literalLocations.set(c, location)
      return c
    }
    if ('ParamRef' in node) return this.#param(node.ParamRef.number ?? 0)
    if ('A_Expr' in node) return this.#aExpr(node.A_Expr, scope, options)
    if ('BoolExpr' in node) {
      const args = (node.BoolExpr.args ?? []).map((a) => this.bindCondition(a, scope, options))
      const boolop = node.BoolExpr.boolop
      if (boolop === 'NOT_EXPR') return { kind: 'not', type: boolType(), arg: args[0] as Expr }
      return { kind: boolop === 'AND_EXPR' ? 'and' : 'or', type: boolType(), args }
    }
    if ('NullTest' in node) {
      const arg = this.#bindOperand(node.NullTest.arg, scope, options)
      const negated = node.NullTest.nulltesttype === 'IS_NOT_NULL'
      if (arg.type.kind === 'record') {
        // A row is NULL when every field is, NOT NULL when none is (PostgreSQL's rule for rows).
        const apply = (v: readonly Datum[]) => recordIsNull(v[0] ?? null, negated)
        return { kind: 'func', type: boolType(), name: negated ? 'is not null' : 'is null', args: [arg], apply, strict: false, volatile: false }
      }
      return { kind: 'isNull', type: boolType(), arg, negated }
    }
    if ('BooleanTest' in node) return this.#booleanTest(node.BooleanTest, scope, options)
    if ('TypeCast' in node) {
      const objectName = objectNameCast(node.TypeCast.typeName?.names ?? [])
      if (objectName !== undefined) {
        const isArray = (node.TypeCast.typeName?.arrayBounds?.length ?? 0) > 0
        return this.#objectName(objectName, isArray, node.TypeCast.arg, scope, options)
      }
      const to = this.resolveType(node.TypeCast.typeName ?? {})
      // ARRAY[]::int[]: the cast gives the empty array its type, as PostgreSQL's transformArrayExpr
      // takes it from the cast (ARRAY[] alone, or cast to a non-array type, stays 42P18).
      if (to.kind === 'array' && isEmptyArrayExpr(node.TypeCast.arg)) {
        return { kind: 'const', type: to, value: [] as unknown as Datum }
      }
      const arg = asOidBeside(this.#bindOperand(node.TypeCast.arg, scope, options), to)
      if (arg.kind !== 'param' && arg.type.kind !== 'unknown' && !sameType(arg.type, to) && !canCast(arg.type, to, 'explicit')) {
        throw new SqlError('42846', `cannot cast type ${formatType(arg.type)} to ${formatType(to)}`)
      }
      return this.coerce(arg, to, 'explicit')
    }
    if ('CaseExpr' in node) return this.#caseExpr(node.CaseExpr, scope, options)
    if ('CoalesceExpr' in node) {
      const args = (node.CoalesceExpr.args ?? []).map((a) => this.bind(a, scope, options))
      const type = this.#common(args, 'COALESCE')
      return { kind: 'coalesce', type, args: args.map((a) => this.coerce(a, type, 'implicit')) }
    }
    if ('FuncCall' in node) return this.#funcCall(node.FuncCall, scope, options)
    if ('SQLValueFunction' in node) {
      const { op, typmod } = node.SQLValueFunction
      return this.#sqlValueFunction(op ?? '', typmod, scope, options)
    }
    if ('SubLink' in node) return this.#subLink(node.SubLink, scope, options)
    if ('MergeSupportFunc' in node) return mergeAction(scope)
    if ('MinMaxExpr' in node) return this.#minMax(node.MinMaxExpr, scope, options)
    if ('GroupingFunc' in node) {
      if (options.aggregates === undefined) throw groupingError(`grouping operations are not allowed in ${options.clause}`)
      const args = (node.GroupingFunc.args ?? []).map((a) => this.bind(a, scope, { clause: 'GROUPING' }))
      if (args.length > 31) throw new SqlError('54011', 'GROUPING must have fewer than 32 arguments')
      return { kind: 'grouping', type: { kind: 'int4' }, args }
    }
    if ('A_ArrayExpr' in node) return this.#arrayExpr(node.A_ArrayExpr.elements ?? [], scope, options)
    if ('A_Indirection' in node) return this.#subscript(node.A_Indirection, scope, options)
    if ('RowExpr' in node) return this.#rowConstructor(node.RowExpr.args ?? [], scope, options)
    if ('CollateClause' in node) return this.#collate(node.CollateClause, scope, options)
    const sqlJsonBinder: SqlJsonBinder = {
      bind: (n) => this.bind(n, scope, options),
      resolveType: (t) => this.resolveType(t),
      coerce: (e, to, context) => this.coerce(e, to, context),
    }
    const call = sqlJsonRewrite(node)
    if (call !== undefined) return sqlJsonReturning(sqlJsonBinder, this.#bind(call.node, scope, options), call.output)
    const sqlJson = bindSqlJson(node, sqlJsonBinder)
    if (sqlJson !== undefined) return sqlJson
    throw unsupportedExpression(node)
  }

  /** `x COLLATE name`: text compares by code point here, which is what the collations "C",
   * "POSIX", "ucs_basic" and "default" are; any other (a locale's) is 0A000. 42804 on a type
   * without collations, as PostgreSQL. */
  #collate(c: CollateClause, scope: Scope, options: BindOptions): Expr {
    const arg = this.bind(c.arg as Node, scope, options)
    checkCollation(c.collname ?? [], this.#typeOf(arg))
    return arg
  }

  #bindOperand(node: Node | undefined, scope: Scope, options: BindOptions): Expr {
    assert(node !== undefined, 'an operand is present')
    return this.bind(node, scope, options)
  }

  #columnRef(fields: readonly Node[], scope: Scope, location: number | undefined): Expr {
    const star = starItem(fields)
    if (star !== undefined) {
      // `p.*` as a value (a function's argument): p's whole row.
      const row = this.#wholeRow(star, scope)
      if (row === undefined) throw new SqlError('42P01', `missing FROM-clause entry for table "${star}"`)
      return row
    }
    try {
      return this.#column(fields, scope, location)
    } catch (e) {
      // PostgreSQL's order: a column of this query or of an enclosing one, and only then a FROM
      // item's name as its whole row.
      if (fields.length !== 1 || !missingHere(e)) throw e
      const row = this.#wholeRow(stringOf(fields[0]), scope)
      if (row === undefined) throw e
      return row
    }
  }

  #column(fields: readonly Node[], scope: Scope, location: number | undefined, outer = false): Expr {
    if (fields.some((f) => 'A_Star' in f)) throw featureNotSupported('* in this position')
    const names = fields.map(stringOf)
    if (names.length > 3) throw featureNotSupported('qualified names with a database')
    const [table, name] = columnParts(names)
    try {
      const column = columnIn(scope, table, name)
      this.watch?.column?.({ location, names: names.length, column, scope, outer })
      const from = column.table === '' ? column.origin : column.table
      return column.value ?? { kind: 'column', type: column.type, slot: column.slot, name: column.name, table: from }
    } catch (e) {
      // Not here: a column of an enclosing query (a correlated subquery) when there is one. An
      // ambiguous name here stays an error, as in PostgreSQL, even if an enclosing query has it.
      if (!missingHere(e) || scope.parent === undefined) throw e
      let outerExpr: Expr
      try {
        outerExpr = this.#column(fields, scope.parent.scope, location, true)
      } catch {
        throw e
      }
      return scope.parent.capture(outerExpr)
    }
  }

  /** The whole row of FROM item `name` of `scope` or, passed in, of an enclosing query's;
   * undefined when no level has an item of that name. */
  #wholeRow(name: string, scope: Scope): Expr | undefined {
    if (scope.tables.includes(name)) return this.#itemRow(name, scope)
    if (scope.parent === undefined) return undefined
    const outer = this.#wholeRow(name, scope.parent.scope)
    return outer === undefined ? undefined : scope.parent.capture(outer)
  }

  /** Item `name`'s visible columns as one record (see ItemRow); NULL for a NULL-extended row.
   * Not told to a watch: a view reads the whole row as the table is when it runs (columns added,
   * renamed or dropped since), as PostgreSQL's views do. */
  #itemRow(name: string, scope: Scope): Expr {
    const item = scope.rows?.get(name) ?? {}
    if (item.noRowType !== undefined) throw new SqlError('42809', `relation "${item.noRowType}" does not have a composite type`)
    const columns = scope.columns.filter((c) => c.table === name && !c.hidden)
    const fields: Expr[] = columns.map((c) => c.value ?? { kind: 'column', type: c.type, slot: c.slot, name: c.name })
    if (item.scalar === true && fields.length === 1) return fields[0] as Expr
    const type = recordType(columns.map((c, i) => ({ name: item.fieldNames?.[i] ?? c.name, type: c.type })), item.typeName)
    const n = fields.length
    const slot = item.nullable === true ? item.matched?.() : undefined
    if (slot !== undefined) {
      // The key column's own name and type where it is one (a table's), else the item's marker
      // (named as PostgreSQL names the whole row in its 42803).
      const key = scope.columns.find((c) => c.table === name && c.slot === slot) ?? { name: `${name}.*`, type: boolType() }
      const args = [...fields, { kind: 'column', type: key.type, slot, name: key.name } as const]
      const apply = (v: readonly Datum[]) => (v[n] === null ? null : new RecordValue(v.slice(0, n)))
      return { kind: 'func', type, name: 'row', args, apply, strict: false, volatile: false }
    }
    const apply = (v: readonly Datum[]) => new RecordValue(v.slice())
    return { kind: 'func', type, name: 'row', args: fields, apply, strict: false, volatile: false }
  }

  /** `ROW(a, b)` or `(a, b)`: an anonymous record of fields f1, f2, ...; `t.*` among the
   * arguments stands for t's columns, as in PostgreSQL. */
  #rowConstructor(items: readonly Node[], scope: Scope, options: BindOptions): Expr {
    const args = items.flatMap((item) => {
      const fields = 'ColumnRef' in item ? (item.ColumnRef.fields ?? []) : []
      if (starItem(fields) === undefined) return [this.bind(item, scope, options)]
      const row = this.#columnRef(fields, scope, locationOf(item))
      // Its fields (a row here is its columns; an enclosing query's or a LATERAL item's, selected).
      return this.#typeOf(row).kind === 'record' ? this.recordFields(row).map((f) => f.expr) : [row]
    })
    if (args.length > RECORD_FIELDS_MAX) throw new SqlError('54011', `ROW expressions can have at most ${RECORD_FIELDS_MAX} entries`)
    const type = recordType(args.map((a, i) => ({ name: `f${i + 1}`, type: this.#typeOf(a) })))
    const apply = (v: readonly Datum[]) => new RecordValue(v.slice())
    return { kind: 'func', type, name: 'row', args, apply, strict: false, volatile: false }
  }

  /** `(r).name`: a field of a record (of a row constructor or whole row: that field's own
   * expression). `arg` is the node the selection applies to, for PostgreSQL's messages. */
  #fieldSelect(e: Expr, name: string, arg: Node | undefined, first: boolean): Expr {
    const type = this.#typeOf(e)
    if (type.kind !== 'record' || e.kind === 'param') {
      throw new SqlError('42809', `column notation .${name} applied to type ${formatType(type)}, which is not a composite type`)
    }
    const i = type.fields.findIndex((f) => f.name === name)
    if (i < 0) {
      const ref = first && arg !== undefined && 'ColumnRef' in arg ? (arg.ColumnRef.fields ?? []).filter((f) => 'String' in f).map(stringOf).join('.') : undefined
      throw new SqlError('42703', ref === undefined ? `could not identify column "${name}" in record data type` : `column ${ref}.${name} does not exist`)
    }
    return this.#fieldAt(e, i)
  }

  /** Field `i` of record-valued `e`; of a row constructor or whole row, that field's own
   * expression (so `(p).id = 1` can still fix a key). */
  #fieldAt(e: Expr, i: number): Expr {
    assert(e.type.kind === 'record', 'a field of a record')
    const field = e.type.fields[i] as RecordField
    if (e.kind === 'func' && e.name === 'row') return e.args[i] as Expr
    const apply = (v: readonly Datum[]) => (v[0] as RecordValue).values[i] ?? null
    return { kind: 'func', type: field.type, name: `.${field.name}`, args: [e], apply, strict: true, volatile: false }
  }

  /** The fields of record-valued `e` as expressions, for `(r).*` in a select list: 42809 when
   * `e` is no record. */
  recordFields(e: Expr): { name: string; expr: Expr }[] {
    const type = this.#typeOf(e)
    if (type.kind !== 'record') throw new SqlError('42809', `type ${formatType(type)} is not composite`)
    return type.fields.map((f, i) => ({ name: f.name, expr: this.#fieldAt(e, i) }))
  }

  #subLink(l: SubLink, scope: Scope, options: BindOptions): Expr {
    const planner = this.planSubquery
    // Statements attach a planner (transaction.ts); expressions bound alone (CHECK, DEFAULT,
    // generated columns) have none, and PostgreSQL refuses subqueries there too.
    if (planner === undefined) throw featureNotSupported('subqueries in this expression')
    const sub = l.subselect
    assert(sub !== undefined && 'SelectStmt' in sub, 'a subquery is a SELECT')
    const { rel, types, args } = planner(sub.SelectStmt, scope, (f) => this.#funcCall(f, scope, options))
    const id = ++subquerySeq
    const kind = l.subLinkType ?? 'EXPR_SUBLINK'
    const single = (what: string) => {
      if (types.length !== 1) throw new SqlError('42601', `subquery ${what} must return only one column`)
      return types[0] as SqlType
    }
    switch (kind) {
      case 'EXISTS_SUBLINK':
        return { kind: 'subquery', type: boolType(), mode: 'exists', rel, args, lhs: undefined, compare: undefined, id }
      case 'EXPR_SUBLINK': {
        const type = single('used as an expression')
        return { kind: 'subquery', type: type.kind === 'unknown' ? TEXT : type, mode: 'scalar', rel, args, lhs: undefined, compare: undefined, id }
      }
      case 'ANY_SUBLINK':
      case 'ALL_SUBLINK': {
        const op = l.operName === undefined ? '=' : stringOf(l.operName[l.operName.length - 1])
        const mode = kind === 'ANY_SUBLINK' ? 'any' : 'all'
        if (l.testexpr !== undefined && 'RowExpr' in l.testexpr) {
          const row = this.#rowCompare(op, l.testexpr.RowExpr.args ?? [], types, scope, options)
          return { kind: 'subquery', type: boolType(), mode, rel, args, lhs: undefined, compare: undefined, row, id }
        }
        if (types.length !== 1) throw new SqlError('42601', `subquery has too many columns`)
        const type = types[0] as SqlType
        const lhs = this.#bindOperand(l.testexpr, scope, options)
        const pattern = this.#patternCompare(op, lhs, type)
        if (pattern !== undefined) return { kind: 'subquery', type: boolType(), mode, rel, args, lhs: pattern.left, compare: pattern.apply, id }
        const probe: Expr = { kind: 'column', type: type.kind === 'unknown' ? TEXT : type, slot: 0, name: '?column?' }
        const cmp = this.binary(op, lhs, probe)
        if (cmp.kind !== 'binary' || cmp.type.kind !== 'bool') throw datatypeMismatch(`operator ${op} must return type boolean for ANY/ALL`)
        // The subquery's column compares after the cast the operator chose for it.
        const right = cmp.right
        const castInner = right.kind === 'cast' && right.arg === probe ? right : undefined
        const compare = castInner === undefined ? cmp.apply : (a: Datum, b: Datum) => cmp.apply(a, castDatum(b, castInner.from, castInner.type, castInner.context))
        // `=` between two values of one type (no cast of the subquery's column): hashable.
        const hashable = op === '=' && castInner === undefined && right === probe && typesEqual(cmp.left.type, probe.type)
        const hashType = hashable ? probe.type : undefined
        return { kind: 'subquery', type: boolType(), mode, rel, args, lhs: cmp.left, compare, hashType, id }
      }
      case 'ARRAY_SUBLINK': {
        const type = single('must return only one column')
        if (type.kind === 'array') throw featureNotSupported('ARRAY() of arrays (multidimensional arrays)')
        return { kind: 'subquery', type: arrayType(type.kind === 'unknown' ? TEXT : type), mode: 'array', rel, args, lhs: undefined, compare: undefined, id }
      }
      default:
        throw featureNotSupported(`subquery of kind ${kind}`)
    }
  }

  #minMax(m: { op?: string; args?: Node[] }, scope: Scope, options: BindOptions): Expr {
    const args = (m.args ?? []).map((a) => this.bind(a, scope, options))
    const greatest = m.op === 'IS_GREATEST'
    const type = this.#common(args, greatest ? 'GREATEST' : 'LEAST')
    const gt = resolveBinary('>', type, type)
    if (gt === undefined) throw new SqlError('42883', `could not identify a comparison function for type ${formatType(type)}`)
    return { kind: 'minmax', type, greatest, args: args.map((a) => this.coerce(a, type, 'implicit')), gt: gt.apply }
  }

  /**
   * Row comparison `(a, b) op (c, d)`: `=` and `<>` pairwise (AND / OR), the ordering operators
   * lexicographically (the first pair not equal decides), three-valued as PostgreSQL.
   */
  #rowOp(op: string, left: readonly Node[], right: readonly Node[], scope: Scope, options: BindOptions): Expr {
    if (left.length !== right.length) throw new SqlError('42601', 'unequal number of entries in row expressions')
    if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw featureNotSupported(`row comparison with operator ${op}`)
    const strict = op === '<=' ? '<' : op === '>=' ? '>' : op
    const eqs: BinaryApply[] = []
    const ords: BinaryApply[] = []
    const args: Expr[] = []
    left.forEach((l, i) => {
      const eq = this.binary('=', this.bind(l, scope, options), this.bind(right[i] as Node, scope, options))
      assert(eq.kind === 'binary', 'a row comparison compares with binary operators')
      const ord = this.binary(strict, eq.left, eq.right)
      assert(ord.kind === 'binary', 'a row comparison compares with binary operators')
      eqs.push(eq.apply)
      ords.push(ord.apply)
      args.push(eq.left, eq.right)
    })
    const apply = (v: readonly Datum[]): Datum => {
      let sawNull = false
      for (let i = 0; i < eqs.length; i++) {
        const a = v[2 * i] ?? null
        const b = v[2 * i + 1] ?? null
        const equal = a === null || b === null ? null : (eqs[i] as BinaryApply)(a, b)
        if (op === '=' || op === '<>') {
          // One unequal pair decides: `=` is false, `<>` true.
          if (equal === null) sawNull = true
          else if (equal === false) return op === '<>'
          continue
        }
        if (equal === true) continue
        if (equal === null) return null
        return (ords[i] as BinaryApply)(a as Datum, b as Datum)
      }
      if (op === '=' || op === '<>') return sawNull ? null : op === '='
      return op === '<=' || op === '>='
    }
    return { kind: 'func', type: boolType(), name: `row ${op}`, args, apply, strict: false, volatile: false }
  }

  /** `(a, b) IS [NOT] DISTINCT FROM (c, d)` pair by pair, as PostgreSQL expands two row
   * constructors: distinct when any pair is. */
  #rowDistinct(left: readonly Node[], right: readonly Node[], negated: boolean, scope: Scope, options: BindOptions): Expr {
    if (left.length !== right.length) throw new SqlError('42601', 'unequal number of entries in row expressions')
    const pairs = left.map((l, i): Expr => {
      const eq = this.binary('=', this.bind(l, scope, options), this.bind(right[i] as Node, scope, options))
      assert(eq.kind === 'binary', 'IS DISTINCT FROM compares with a binary operator')
      return { kind: 'distinctFrom', type: boolType(), left: eq.left, right: eq.right, eq: eq.apply, negated }
    })
    if (pairs.length === 1) return pairs[0] as Expr
    return { kind: negated ? 'and' : 'or', type: boolType(), args: pairs }
  }

  /** `(a, b) = (subquery row)` column by column: only `=` and `<>` compare rows. */
  #rowCompare(op: string, items: readonly Node[], types: readonly SqlType[], scope: Scope, options: BindOptions) {
    if (op !== '=' && op !== '<>') throw featureNotSupported(`row comparison with operator ${op}`)
    if (items.length !== types.length) {
      throw new SqlError('42601', `subquery has too ${items.length < types.length ? 'many' : 'few'} columns`)
    }
    const lhs: Expr[] = []
    const compare: BinaryApply[] = []
    items.forEach((item, i) => {
      const type = types[i] as SqlType
      const probe: Expr = { kind: 'column', type: type.kind === 'unknown' ? TEXT : type, slot: 0, name: '?column?' }
      const cmp = this.binary(op, this.bind(item, scope, options), probe)
      assert(cmp.kind === 'binary', 'a row comparison is a binary operator')
      const right = cmp.right
      lhs.push(cmp.left)
      compare.push(right.kind === 'cast' && right.arg === probe ? (a, b) => cmp.apply(a, castDatum(b, right.from, right.type, right.context)) : cmp.apply)
    })
    return { lhs, compare, any: op === '<>' }
  }

  /** ARRAY[a, b, ...]: elements cast to their common type. Empty, see isEmptyArrayExpr. */
  #arrayExpr(elements: readonly Node[], scope: Scope, options: BindOptions): Expr {
    const args = elements.map((n) => this.bind(n, scope, options))
    if (args.length === 0) throw new SqlError('42P18', 'cannot determine type of empty array', { hint: 'Explicitly cast to the desired type, for example ARRAY[]::integer[].' })
    const element = this.#common(args, 'ARRAY')
    // ARRAY[ARRAY[1, 2], ...] and ARRAY[int[] value] build a multidimensional array.
    if (element.kind === 'array') throw featureNotSupported('ARRAY[] of arrays (multidimensional arrays)')
    const bound = args.map((a) => this.coerce(a, element, 'implicit'))
    const apply = (values: readonly Datum[]) => [...values] as unknown as Datum
    return { kind: 'func', type: arrayType(element), name: 'array', args: bound, apply, strict: false, volatile: false }
  }

  /** `a[i]`: the element at 1-based `i`, NULL out of range. */
  #subscript(node: { arg?: Node; indirection?: Node[] }, scope: Scope, options: BindOptions): Expr {
    let e = this.#bindOperand(node.arg, scope, options)
    for (const [at, ind] of (node.indirection ?? []).entries()) {
      if ('String' in ind) {
        e = this.#fieldSelect(e, stringOf(ind), node.arg, at === 0)
        continue
      }
      if ('A_Star' in ind) throw featureNotSupported('(record).* outside a select list')
      if (!('A_Indices' in ind)) throw featureNotSupported('this indirection')
      const element = elementType(e.type)
      if (element === undefined) throw new SqlError('42804', `cannot subscript type ${formatType(e.type)} because it does not support subscripting`)
      if (ind.A_Indices.is_slice === true) {
        e = this.#slice(e, ind.A_Indices.lidx, ind.A_Indices.uidx, scope, options)
        continue
      }
      if (ind.A_Indices.uidx === undefined) throw featureNotSupported('this subscript')
      const index = this.coerce(this.bind(ind.A_Indices.uidx, scope, options), { kind: 'int4' }, 'implicit')
      const apply = (values: readonly Datum[]) => {
        const arr = values[0] as unknown as readonly Datum[]
        return arr[Number(values[1]) - 1] ?? null
      }
      e = { kind: 'func', type: element, name: 'subscript', args: [e, index], apply, strict: true, volatile: false }
    }
    return e
  }

  /** `a[lo:hi]` (either bound may be left out): the elements between, as an array. */
  #slice(array: Expr, lo: Node | undefined, hi: Node | undefined, scope: Scope, options: BindOptions): Expr {
    const bound = (n: Node | undefined): Expr =>
      n === undefined ? { kind: 'const', type: { kind: 'int4' }, value: null } : this.coerce(this.bind(n, scope, options), { kind: 'int4' }, 'implicit')
    const loExpr = bound(lo)
    const hiExpr = bound(hi)
    const apply = (v: readonly Datum[]) => {
      if (v[0] === null) return null
      if ((lo !== undefined && v[1] === null) || (hi !== undefined && v[2] === null)) return null
      return slice(v[0] as unknown as readonly Datum[], (v[1] ?? undefined) as bigint | undefined, (v[2] ?? undefined) as bigint | undefined) as unknown as Datum
    }
    return { kind: 'func', type: array.type, name: 'slice', args: [array, loExpr, hiExpr], apply, strict: false, volatile: false }
  }

  /** `x op ANY|ALL (array)`: the operator against each element, three-valued. */
  #scalarArrayOp(op: string, any: boolean, e: A_Expr, scope: Scope, options: BindOptions): Expr {
    const lhs = this.#bindOperand(e.lexpr, scope, options)
    let arr = this.#bindOperand(e.rexpr, scope, options)
    if (this.#typeOf(arr).kind === 'unknown') arr = this.coerce(arr, arrayType(this.#typeOf(lhs).kind === 'unknown' ? TEXT : baseType(this.#typeOf(lhs))), 'implicit')
    const element = elementType(this.#typeOf(arr))
    if (element === undefined) throw new SqlError('42809', `op ANY/ALL (array) requires array on right side`)
    let cmp: { left: Expr; apply: BinaryApply } | undefined = this.#patternCompare(op, lhs, element)
    let castElement = (v: Datum) => v
    if (cmp === undefined) {
      const bin = this.binary(op, lhs, { kind: 'column', type: element, slot: 0, name: '?column?' })
      if (bin.kind !== 'binary' || bin.type.kind !== 'bool') throw datatypeMismatch(`op ANY/ALL (array) requires operator to yield boolean`)
      const right = bin.right
      if (right.kind === 'cast') castElement = (v: Datum) => castDatum(v, right.from, right.type, right.context)
      cmp = bin
    }
    const apply = (values: readonly Datum[]) => {
      const [a, list] = values
      if (list === null || list === undefined) return null
      const items = list as unknown as readonly Datum[]
      if (items.length === 0) return !any
      if (a === null || a === undefined) return null
      let sawNull = false
      for (const item of items) {
        const v = item === null ? null : cmp.apply(a, castElement(item))
        if (v === null) sawNull = true
        else if (v === any) return any
      }
      return sawNull ? null : !any
    }
    return { kind: 'func', type: boolType(), name: any ? 'any' : 'all', args: [cmp.left, arr], apply, strict: false, volatile: false }
  }

  /** x LIKE ANY (array), x ~ ALL (subquery) and the like: the pattern operators are no binary
   * operators here, so their match comes from the pattern itself; a bpchar pattern loses its
   * trailing spaces as in its cast to text. Undefined for other operators or non-text patterns. */
  #patternCompare(op: string, lhs: Expr, pattern: SqlType): { left: Expr; apply: BinaryApply } | undefined {
    const p = PATTERN_OPERATORS.get(op)
    if (p === undefined || !['text', 'varchar', 'bpchar', 'unknown'].includes(pattern.kind)) return undefined
    const match = patternMatcher(p)
    const apply: BinaryApply = pattern.kind === 'bpchar' ? (a, b) => match(a, (b as string).replace(/ +$/, '')) : match
    return { left: this.#textOperand(lhs, op), apply }
  }

  #param(n: number): Expr {
    const type = this.paramTypes[n - 1]
    if (type === undefined) throw undefinedParameter(n)
    return { kind: 'param', type, index: n - 1 }
  }

  #aExpr(e: A_Expr, scope: Scope, options: BindOptions): Expr {
    // OPERATOR(pg_catalog.op) names the built-in operator (psql writes it that way).
    const names = (e.name ?? []).map(stringOf)
    const op = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog') ? names[names.length - 1] : undefined
    switch (e.kind) {
      case 'AEXPR_OP':
        if (op === undefined) throw featuresNotSupported('schema-qualified operators')
        if (e.lexpr === undefined) return this.#unary(op, this.#bindOperand(e.rexpr, scope, options))
        if (REGEX_OPERATORS.has(op)) return this.#regexMatch(op, e, scope, options)
        if (LIKE_OPERATORS.has(op)) return this.#like(e, scope, options, op)
        if ('RowExpr' in e.lexpr && e.rexpr !== undefined && 'RowExpr' in e.rexpr) {
          return this.#rowOp(op, e.lexpr.RowExpr.args ?? [], e.rexpr.RowExpr.args ?? [], scope, options)
        }
        return foldNull(this.binary(op, this.#bindOperand(e.lexpr, scope, options), this.#bindOperand(e.rexpr, scope, options)))
      case 'AEXPR_IN':
        return this.#inList(e, scope, options, op === '<>')
      case 'AEXPR_BETWEEN':
      case 'AEXPR_NOT_BETWEEN':
      case 'AEXPR_BETWEEN_SYM':
      case 'AEXPR_NOT_BETWEEN_SYM':
        return this.#between(e, scope, options)
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE':
        return this.#like(e, scope, options, op ?? '')
      case 'AEXPR_SIMILAR':
        return this.#similar(e, scope, options, op ?? '')
      case 'AEXPR_OP_ANY':
      case 'AEXPR_OP_ALL':
        if (op === undefined) throw featuresNotSupported('schema-qualified operators')
        return this.#scalarArrayOp(op, e.kind === 'AEXPR_OP_ANY', e, scope, options)
      case 'AEXPR_DISTINCT':
      case 'AEXPR_NOT_DISTINCT': {
        if (e.lexpr !== undefined && 'RowExpr' in e.lexpr && e.rexpr !== undefined && 'RowExpr' in e.rexpr) {
          return this.#rowDistinct(e.lexpr.RowExpr.args ?? [], e.rexpr.RowExpr.args ?? [], e.kind === 'AEXPR_NOT_DISTINCT', scope, options)
        }
        const eq = this.binary('=', this.#bindOperand(e.lexpr, scope, options), this.#bindOperand(e.rexpr, scope, options))
        assert(eq.kind === 'binary', 'IS DISTINCT FROM compares with a binary operator')
        return { kind: 'distinctFrom', type: boolType(), left: eq.left, right: eq.right, eq: eq.apply, negated: e.kind === 'AEXPR_NOT_DISTINCT' }
      }
      case 'AEXPR_NULLIF': {
        const left = this.#bindOperand(e.lexpr, scope, options)
        const right = this.#bindOperand(e.rexpr, scope, options)
        const eq = this.binary('=', left, right)
        assert(eq.kind === 'binary', 'NULLIF compares with a binary operator')
        // PostgreSQL returns the first argument of the `=` it resolved: the argument itself where
        // a cross-type `=` takes both types (integers, floats, dates and timestamps), else the
        // argument promoted to the common type (NULLIF(1, 2.2) is numeric; NULLIF of int8 and
        // float8 is float8). Kept as is, it is compared in the common type only.
        const kept = left.kind !== 'param' && !sameType(left.type, eq.left.type) && crossTypeEquality(left.type, right.type)
        return kept
          ? { kind: 'nullif', type: left.type, left, compareType: eq.left.type, right: eq.right, eq: eq.apply }
          : { kind: 'nullif', type: eq.left.type, left: eq.left, right: eq.right, eq: eq.apply }
      }
      default:
        throw featureNotSupported(`operator form ${e.kind ?? ''}`)
    }
  }

  /** Resolves a binary operator (42883 when none), casting both sides to its argument types. */
  binary(op: string, left: Expr, right: Expr): Expr {
    // Text beside text (or untyped literals, which PostgreSQL reads as text here) is full-text
    // search's `text @@ text`, not jsonb and jsonpath.
    if (op === '@@' && isTextOrUnknown(this.#typeOf(left)) && isTextOrUnknown(this.#typeOf(right))) throw textSearchNotSupported()
    if (op === '@?' || op === '@@') {
      const path = this.#jsonPathOperator(op, left, right)
      if (path !== undefined) return path
    }
    let [l, r] = [asOidBeside(left, right.type), asOidBeside(right, left.type)]
    const lType = this.#typeOf(l)
    const rType = this.#typeOf(r)
    const ownsUnknown = OPERATORS_RESOLVING_UNKNOWN.has(op)
    if (lType.kind === 'unknown' && rType.kind === 'unknown') {
      const [lTo, rTo] = unknownOperandsType(op)
      l = this.coerce(l, lTo, 'implicit')
      r = this.coerce(r, rTo, 'implicit')
    } else if (lType.kind === 'unknown' && l.kind === 'param' && !ownsUnknown) {
      // The other operand's type without its typmod: `p = $1` over numeric(5,1) compares 1.04
      // as given, and varchar(3) = 'abcd' is false, not 22001 (PostgreSQL coerces to the type).
      l = this.coerce(l, op === '||' ? TEXT : baseType(rType), 'implicit')
    } else if (rType.kind === 'unknown' && r.kind === 'param' && !ownsUnknown) {
      r = this.coerce(r, op === '||' ? TEXT : baseType(lType), 'implicit')
    }
    const resolved = resolveBinary(op, this.#typeOf(l), this.#typeOf(r))
    if (resolved === undefined) {
      throw new SqlError('42883', `operator does not exist: ${formatType(this.#typeOf(l))} ${op} ${formatType(this.#typeOf(r))}`, {
        hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
      })
    }
    return {
      kind: 'binary',
      type: resolved.resultType,
      name: op,
      apply: resolved.apply,
      left: this.coerce(l, resolved.leftType, 'implicit'),
      right: this.coerce(r, resolved.rightType, 'implicit'),
      ...(resolved.strict === false ? { strict: false as const } : {}),
    }
  }

  /** `jsonb @? jsonpath` and `jsonb @@ jsonpath`, a function call here because the evaluation
   * checks the statement timeout (an operator's apply has no context); untyped operands are read
   * as jsonb and jsonpath, as PostgreSQL resolves them. Undefined for other operand types (42883
   * follows). */
  #jsonPathOperator(op: '@?' | '@@', left: Expr, right: Expr): Expr | undefined {
    const lk = this.#typeOf(left).kind
    const rk = this.#typeOf(right).kind
    if ((lk !== 'jsonb' && lk !== 'unknown') || (rk !== 'jsonpath' && rk !== 'unknown')) return undefined
    const args = [this.coerce(left, JSONB, 'implicit'), this.coerce(right, JSONPATH, 'implicit')]
    return { kind: 'func', type: boolType(), name: op, args, apply: jsonPathOperator(op), strict: true, volatile: false }
  }

  #typeOf(e: Expr): SqlType {
    return e.kind === 'param' ? (this.paramTypes[e.index] ?? e.type) : e.type
  }

  #unary(op: string, arg: Expr): Expr {
    let a = arg
    if (this.#typeOf(a).kind === 'unknown') {
      a = this.coerce(a, unknownUnaryOperandType(op) ?? (a.kind === 'param' ? INT8 : NUMERIC), 'implicit')
    }
    const resolved = resolveUnary(op, this.#typeOf(a))
    if (resolved === undefined) {
      throw new SqlError('42883', `operator does not exist: ${op} ${formatType(this.#typeOf(a))}`)
    }
    if (resolved.argType !== undefined) a = this.coerce(a, resolved.argType, 'implicit')
    if (a.kind === 'const' && a.value !== null) {
      return { kind: 'const', type: resolved.resultType, value: resolved.apply(a.value) }
    }
    return { kind: 'unary', type: resolved.resultType, name: op, apply: resolved.apply, arg: a }
  }

  #inList(e: A_Expr, scope: Scope, options: BindOptions, negated: boolean): Expr {
    const list = e.rexpr !== undefined && 'List' in e.rexpr ? (e.rexpr.List.items ?? []) : []
    if (e.lexpr !== undefined && 'RowExpr' in e.lexpr) {
      // (a, b) IN ((1, 2), ...): an OR of row equalities (NOT IN: an AND of row inequalities).
      const left = e.lexpr.RowExpr.args ?? []
      const tests = list.map((item) => {
        if (!('RowExpr' in item)) throw featureNotSupported('IN comparing a row with a non-row')
        return this.#rowOp(negated ? '<>' : '=', left, item.RowExpr.args ?? [], scope, options)
      })
      return { kind: negated ? 'and' : 'or', type: boolType(), args: tests }
    }
    const arg = this.#bindOperand(e.lexpr, scope, options)
    if (list.length === 0) throw featureNotSupported('IN with a subquery')
    const items = list.map((n) => this.bind(n, scope, options))
    const all = [arg, ...items]
    const known = all.filter((x) => this.#typeOf(x).kind !== 'unknown')
    // The items are compared, not assigned: no typmod applies to them (PostgreSQL coerces the
    // list to the common type alone).
    const type = known.length === 0 ? TEXT : baseType(this.#common(known, 'IN'))
    const eq = resolveBinary('=', type, type)
    if (eq === undefined) throw new SqlError('42883', `operator does not exist: ${formatType(type)} = ${formatType(type)}`)
    return {
      kind: 'in',
      type: boolType(),
      arg: this.coerce(arg, type, 'implicit'),
      items: items.map((i) => this.coerce(i, type, 'implicit')),
      eq: eq.apply,
      negated,
    }
  }

  #between(e: A_Expr, scope: Scope, options: BindOptions): Expr {
    const arg = this.#bindOperand(e.lexpr, scope, options)
    const bounds = e.rexpr !== undefined && 'List' in e.rexpr ? (e.rexpr.List.items ?? []) : []
    assert(bounds.length === 2, 'BETWEEN has two bounds')
    const lo = this.bind(bounds[0] as Node, scope, options)
    const hi = this.bind(bounds[1] as Node, scope, options)
    const within = (from: Expr, to: Expr): Expr => ({
      kind: 'and',
      type: boolType(),
      args: [foldNull(this.binary('>=', arg, from)), foldNull(this.binary('<=', arg, to))],
    })
    // SYMMETRIC is PostgreSQL's (x BETWEEN a AND b) OR (x BETWEEN b AND a), so a NULL bound
    // gives NULL unless the other order is true; its NOT is the plain negation of that.
    const symmetric = e.kind === 'AEXPR_BETWEEN_SYM' || e.kind === 'AEXPR_NOT_BETWEEN_SYM'
    const test: Expr = symmetric ? { kind: 'or', type: boolType(), args: [within(lo, hi), within(hi, lo)] } : within(lo, hi)
    const negated = e.kind === 'AEXPR_NOT_BETWEEN' || e.kind === 'AEXPR_NOT_BETWEEN_SYM'
    return negated ? { kind: 'not', type: boolType(), arg: test } : test
  }

  #like(e: A_Expr, scope: Scope, options: BindOptions, op: string): Expr {
    const { patternNode, escape } = this.#escaped(e.rexpr, 'like_escape', scope, options)
    const arg = this.#textOperand(this.#bindOperand(e.lexpr, scope, options), 'LIKE')
    const pattern = this.#textOperand(this.#bindOperand(patternNode, scope, options), 'LIKE')
    const caseInsensitive = op.includes('*')
    const matcher =
      pattern.kind === 'const' && typeof pattern.value === 'string' ? likePattern(pattern.value, caseInsensitive, escape) : undefined
    return { kind: 'like', type: boolType(), arg, pattern, caseInsensitive, negated: op.startsWith('!'), matcher, escape }
  }

  /** `x [NOT] SIMILAR TO pattern [ESCAPE c]`. */
  #similar(e: A_Expr, scope: Scope, options: BindOptions, op: string): Expr {
    const { patternNode, escape } = this.#escaped(e.rexpr, 'similar_to_escape', scope, options)
    const arg = this.#textOperand(this.#bindOperand(e.lexpr, scope, options), 'SIMILAR TO')
    const pattern = this.#textOperand(this.#bindOperand(patternNode, scope, options), 'SIMILAR TO')
    const fixed = pattern.kind === 'const' && typeof pattern.value === 'string' ? similarPattern(pattern.value, escape) : undefined
    const negated = op.startsWith('!')
    const apply = (v: readonly Datum[]) => (fixed ?? similarPattern(v[1] as string, escape)).test(v[0] as string) !== negated
    return { kind: 'func', type: boolType(), name: 'similar to', args: [arg, pattern], apply, strict: true, volatile: false }
  }

  /** The pattern of LIKE / SIMILAR TO and its constant ESCAPE character (22025 unless one). */
  #escaped(node: Node | undefined, wrapper: string, scope: Scope, options: BindOptions): { patternNode: Node | undefined; escape: string | undefined } {
    if (node === undefined || !('FuncCall' in node)) return { patternNode: node, escape: undefined }
    const names = (node.FuncCall.funcname ?? []).map(stringOf)
    const args = node.FuncCall.args ?? []
    if (names[names.length - 1] !== wrapper) return { patternNode: node, escape: undefined }
    if (args.length < 2) return { patternNode: args[0], escape: undefined }
    const esc = this.coerce(this.bind(args[1] as Node, scope, options), TEXT, 'implicit')
    if (esc.kind !== 'const' || typeof esc.value !== 'string') throw featureNotSupported('a non-constant ESCAPE')
    if ([...esc.value].length > 1) throw new SqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' })
    return { patternNode: args[0], escape: esc.value }
  }

  /**
   * Casts to the object-identifier types, which Tessera has no types for. `regclass` values are
   * the relation's name as PostgreSQL prints one (`'public.t'::regclass` is `t`, a missing one
   * 42P01; `attrelid::regclass` maps the oid to its name); `regtype` values are the type's oid, what
   * catalog queries compare them with (`atttypid = ANY ('{int,int8}'::regtype[])`); the other
   * object-name types keep the name as text.
   */
  #objectName(type: string, isArray: boolean, arg: Node | undefined, scope: Scope, options: BindOptions): Expr {
    const e = this.#bindOperand(arg, scope, options)
    const kind = this.#typeOf(e).kind
    const textual = kind === 'unknown' || kind === 'text' || kind === 'varchar'
    const integral = kind === 'int2' || kind === 'int4' || kind === 'int8' || kind === 'oid'
    if (type === 'regtype' && (textual || integral)) {
      if (integral) return isArray ? unsupportedObjectArray(type) : this.coerce(e, OID, 'implicit')
      const oidOf = (name: string): bigint => {
        const oid = regtypeIn(name.trim())
        if (oid === undefined) throw new SqlError('42704', `type "${name.trim()}" does not exist`)
        return oid
      }
      const text = this.coerce(e, TEXT, 'implicit')
      if (isArray) {
        const apply = (v: readonly Datum[]) => parseArray(v[0] as string, (s) => oidOf(s))
        return { kind: 'func', type: arrayType(OID), name: 'regtype[]', args: [text], apply, strict: true, volatile: false }
      }
      return { kind: 'func', type: OID, name: 'regtype', args: [text], apply: (v) => oidOf(v[0] as string), strict: true, volatile: false }
    }
    const named = NAMED_OBJECT_TYPES[type]
    if (named !== undefined && (textual || integral) && !isArray) {
      const apply: FunctionApply = textual ? (v, ctx) => named.ofText(ctx, v[0] as string) : (v, ctx) => named.ofOid(ctx, v[0] as bigint)
      // An integer becomes an oid first, as PostgreSQL's int4 -> oid -> regclass: -1 is 4294967295.
      const arg = this.coerce(e, textual ? TEXT : OID, 'implicit')
      // Stable, not volatile: the catalog is fixed within a statement.
      return { kind: 'func', type: TEXT, name: type, args: [arg], apply, strict: true, volatile: false }
    }
    if (textual && !isArray) return this.coerce(e, TEXT, 'implicit')
    throw featureNotSupported(`type ${type}${isArray ? '[]' : ''} from ${formatType(this.#typeOf(e))}`)
  }

  /** POSIX regular expression match: `~`, `~*` (case-insensitive) and their negations. */
  #regexMatch(op: string, e: A_Expr, scope: Scope, options: BindOptions): Expr {
    const arg = this.#textOperand(this.#bindOperand(e.lexpr, scope, options), op)
    const pattern = this.#textOperand(this.#bindOperand(e.rexpr, scope, options), op)
    const flags = op.includes('*') ? 'i' : ''
    const negated = op.startsWith('!')
    const fixed = pattern.kind === 'const' && typeof pattern.value === 'string' ? posixRegex(pattern.value, flags) : undefined
    const apply = (v: readonly Datum[]) => (fixed ?? posixRegex(v[1] as string, flags)).test(v[0] as string) !== negated
    return { kind: 'func', type: boolType(), name: op, args: [arg, pattern], apply, strict: true, volatile: false }
  }

  #textOperand(e: Expr, what: string): Expr {
    const kind = this.#typeOf(e).kind
    // bpchar keeps its padding here: PostgreSQL's bpcharlike and bpcharregexeq see it.
    if (kind === 'text' || kind === 'varchar' || kind === 'bpchar') return e
    if (kind === 'unknown') return this.coerce(e, TEXT, 'implicit')
    throw new SqlError('42883', `operator does not exist: ${formatType(this.#typeOf(e))} ~~ text`, {
      hint: `No operator matches ${what} for the given argument types. You might need to add explicit type casts.`,
    })
  }

  #booleanTest(t: { arg?: Node; booltesttype?: string }, scope: Scope, options: BindOptions): Expr {
    const arg = this.coerce(this.#bindOperand(t.arg, scope, options), boolType(), 'implicit')
    const kind = t.booltesttype ?? ''
    const value = kind.includes('TRUE') ? true : kind.includes('FALSE') ? false : null
    return { kind: 'boolTest', type: boolType(), arg, value, negated: kind.startsWith('IS_NOT') }
  }

  #caseExpr(c: { arg?: Node; args?: Node[]; defresult?: Node }, scope: Scope, options: BindOptions): Expr {
    const subject = c.arg === undefined ? undefined : this.bind(c.arg, scope, options)
    const whens = (c.args ?? []).map((w) => {
      assert('CaseWhen' in w, 'CASE holds WHEN clauses')
      const whenNode = w.CaseWhen.expr
      assert(whenNode !== undefined, 'WHEN has a condition')
      const cond =
        subject === undefined
          ? this.bindCondition(whenNode, scope, { ...options, clause: 'CASE/WHEN' })
          : this.binary('=', subject, this.bind(whenNode, scope, options))
      return { cond, result: this.#bindOperand(w.CaseWhen.result, scope, options) }
    })
    const otherwise: Expr =
      c.defresult === undefined ? { kind: 'const', type: { kind: 'unknown' }, value: null } : this.bind(c.defresult, scope, options)
    // PostgreSQL weighs the ELSE first: CASE WHEN ... THEN char ELSE text is text, not char.
    const type = this.#common([otherwise, ...whens.map((w) => w.result)], 'CASE')
    return {
      kind: 'case',
      type,
      whens: whens.map((w) => ({ cond: w.cond, result: this.coerce(w.result, type, 'implicit') })),
      otherwise: this.coerce(otherwise, type, 'implicit'),
    }
  }

  /** The common type of several expressions; all unknown resolves to text. */
  #common(exprs: readonly Expr[], context: string): SqlType {
    const types = exprs.map((e) => this.#typeOf(e))
    if (types.every((t) => t.kind === 'unknown')) return TEXT
    return commonType(types, context)
  }

  #funcCall(f: FuncCall, scope: Scope, options: BindOptions): Expr {
    const names = (f.funcname ?? []).map(stringOf)
    const name = (names.length === 2 && names[0] === 'pg_catalog' ? names[1] : names.length === 1 ? names[0] : undefined) ?? ''
    if (f.args !== undefined && hasNamedArguments(f.args)) {
      const placed = positionalArguments(name, names.join('.'), f.args, (a) => formatType(this.#typeOf(this.bind(a, scope, options))))
      return this.#funcCall({ ...f, args: placed }, scope, options)
    }
    if ((f.args?.length ?? 0) + (f.agg_within_group === true ? (f.agg_order?.length ?? 0) : 0) > FUNCTION_ARGUMENTS_MAX) {
      throw new SqlError('54023', `cannot pass more than ${FUNCTION_ARGUMENTS_MAX} arguments to a function`)
    }
    if (f.agg_within_group === true) return this.#orderedSet(name, f, scope, options)
    if (f.over !== undefined) {
      if (options.windows === undefined) {
        if (options.clause === 'arguments of an aggregate') throw groupingError('aggregate function calls cannot contain window function calls')
        throw new SqlError('42P20', `window functions are not allowed in ${options.clause}`)
      }
      return options.windows.bind(f, scope, options)
    }
    if (AGGREGATES.has(name)) return this.#aggregate(name, f, scope, options)
    if (isHypotheticalSet(name) && (f.args?.length ?? 0) > 0) throw withinGroupRequired(name)
    if (WINDOW_FUNCTIONS.has(name)) throw new SqlError('42809', `window function ${name} requires an OVER clause`)
    if (f.agg_star === true || f.agg_distinct === true || f.agg_order !== undefined || f.agg_filter !== undefined) {
      throw featureNotSupported(`${name}(*), DISTINCT, ORDER BY or FILTER on a non-aggregate function`)
    }
    const args = (f.args ?? []).map((a) => this.bind(a, scope, options))
    const resolver = FUNCTIONS.get(name) ?? SYSTEM_FUNCTIONS.get(name) ?? SCHEMA_FUNCTIONS.get(name)
    const argTypes = args.map((a) => this.#typeOf(a))
    const setFunction = resolver === undefined ? SET_FUNCTIONS.get(name) : undefined
    if (setFunction !== undefined) return this.#setCall(name, setFunction, args, options)
    if (resolver === undefined && RECORD_SET_FUNCTIONS.has(name)) {
      // Its columns come only from a column definition list, which only FROM has.
      throw new SqlError('0A000', `could not determine row type for result of ${name}`, { hint: `Call it in FROM with a column definition list: SELECT * FROM ${name}(...) AS x(a int, b text).` })
    }
    // The call as PostgreSQL's messages name it, made only for one.
    const call = () => `${names.join('.')}(${argTypes.map(formatType).join(', ')})`
    const byName = resolveNamed(resolver, argTypes, call)
    // Else a regclass argument may be the oid it is in PostgreSQL (pg_table_is_visible('t'::regclass)).
    const asOids = byName === undefined ? args.map((a) => asOidBeside(a, OID)) : args
    const resolved = byName ?? (asOids.some((a, i) => a !== args[i]) ? resolveNamed(resolver, asOids.map((a) => this.#typeOf(a)), call) : undefined)
    if (resolved === undefined) {
      const cast = this.#castCall(name, args)
      if (cast !== undefined) return cast
      if (resolver === undefined && TEXT_SEARCH_FUNCTIONS.has(name)) throw textSearchNotSupported()
      throw undefinedFunction(call())
    }
    const bound = asOids.map((a, i) => this.coerce(a, resolved.argTypes[i] ?? this.#typeOf(a), 'implicit'))
    const constants = bound.map((a) => (a.kind === 'const' ? a.value : undefined))
    const apply = resolved.withConstants?.(constants) ?? resolved.apply
    return { kind: 'func', type: resolved.type, name, args: bound, apply, strict: resolved.strict, volatile: resolved.volatile }
  }

  /** `int4(x)`, `text(x)`, `date('today'::text)`: a call of one argument named after a type a
   * plain function name can spell (not the key words timestamp, time, interval) is a cast to it
   * where an explicit cast exists, as PostgreSQL reads such a call (through its cast functions,
   * date(timestamp), or as a coercion: an untyped literal, or text through the type's input). */
  #castCall(name: string, args: readonly Expr[]): Expr | undefined {
    const to = CAST_FUNCTION_TYPES.get(name)
    const arg = args[0]
    if (to === undefined || arg === undefined || args.length !== 1) return undefined
    const from = this.#typeOf(arg)
    // PostgreSQL takes oid(x) as a cast only where the cast keeps the bits (int4, text, a literal);
    // an int2 or a parameter calls oid(int8), the one function of that name, instead: oid(-1::int2)
    // is 'OID out of range' where (-1::int2)::oid is 4294967295.
    if (to.kind === 'oid' && (from.kind === 'int2' || (from.kind === 'unknown' && arg.kind === 'param'))) {
      return this.coerce(this.coerce(arg, INT8, 'implicit'), to, 'explicit')
    }
    if (from.kind === 'unknown' && arg.kind === 'param') {
      // Only a literal is taken as a cast; a parameter of no type matches each cast function.
      throw new SqlError('42725', `function ${name}(unknown) is not unique`, {
        hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
      })
    }
    if (from.kind !== 'unknown' && !canCast(from, to, 'explicit')) return undefined
    return this.coerce(arg, to, 'explicit')
  }

  #sqlValueFunction(op: string, typmod: number | undefined, scope: Scope, options: BindOptions): Expr {
    if (op === 'SVFOP_CURRENT_TIMESTAMP' || op === 'SVFOP_LOCALTIMESTAMP') {
      const now = this.#funcCall({ funcname: [{ String: { sval: 'now' } }] }, scope, options)
      return op === 'SVFOP_LOCALTIMESTAMP' ? this.coerce(now, { kind: 'timestamp' }, 'explicit') : now
    }
    if (op === 'SVFOP_LOCALTIME' || op === 'SVFOP_LOCALTIME_N') {
      // The session time zone is UTC, so the local time is now()'s UTC time of day.
      const now = this.#funcCall({ funcname: [{ String: { sval: 'now' } }] }, scope, options)
      const precision = op === 'SVFOP_LOCALTIME_N' && typmod !== undefined && typmod >= 0 ? Math.min(typmod, 6) : undefined
      return this.coerce(now, precision === undefined ? { kind: 'time' } : { kind: 'time', precision }, 'explicit')
    }
    if (op === 'SVFOP_CURRENT_DATE') {
      const now = this.#funcCall({ funcname: [{ String: { sval: 'now' } }] }, scope, options)
      return this.coerce(now, { kind: 'date' }, 'explicit')
    }
    // The session's identity and place: catalog functions of the same meaning.
    const named = SESSION_FUNCTIONS[op]
    if (named !== undefined) return this.#funcCall({ funcname: [{ String: { sval: named } }] }, scope, options)
    throw featureNotSupported(op.replace('SVFOP_', '').toLowerCase())
  }

  #aggregate(name: string, f: FuncCall, scope: Scope, options: BindOptions): Expr {
    // An aggregate whose arguments read only columns of an enclosing query belongs to that query
    // (PostgreSQL's rule): it is computed there, per group, and its value passed in.
    if (scope.parent?.aggregate !== undefined && readsOnlyOuterColumns([f.args, f.agg_filter, f.agg_order], scope)) return scope.parent.aggregate(f)
    if (options.aggregates === undefined) throw groupingError(`aggregate functions are not allowed in ${options.clause}`)
    const bindInner = this.#aggregateInput(scope)
    const args = (f.args ?? []).map((a) => bindInner(a))
    const filter = f.agg_filter === undefined ? undefined : bindInner(f.agg_filter, true)
    const order = f.agg_order === undefined ? undefined : this.#aggregateOrder(f.agg_order, bindInner)
    if (f.agg_distinct === true && order !== undefined) {
      // Distinct rows have one order only if it is by their own values.
      const argKeys = new Set(args.map(exprKey))
      if (order.exprs.some((e) => !argKeys.has(exprKey(e)))) {
        throw new SqlError('42P10', 'in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list')
      }
    }
    const star = f.agg_star === true
    if (star && name !== 'count') throw syntaxStar(name)
    // An untyped literal argument is read as text, as PostgreSQL resolves unknown for aggregates.
    const typed = args.map((a) => (this.#typeOf(a).kind === 'unknown' ? this.coerce(a, TEXT, 'implicit') : a))
    const resolved = resolveAggregate(name, typed.map((a) => this.#typeOf(a)), star)
    if (resolved === undefined) throw undefinedFunction(`${name}(${typed.map((a) => formatType(this.#typeOf(a))).join(', ')})`)
    const bound = typed.map((a, i) => this.coerce(a, resolved.argTypes[i] ?? this.#typeOf(a), 'implicit'))
    return this.#addAggregate(options.aggregates, { name, args: bound, distinct: f.agg_distinct === true, type: resolved.type, filter, order })
  }

  /** Binds an aggregate's arguments, FILTER (`condition`) and ORDER BY items: no aggregate in
   * them (42803, nested). */
  #aggregateInput(scope: Scope): (a: Node, condition?: boolean) => Expr {
    const inner: BindOptions = { clause: 'arguments of an aggregate', aggregates: undefined }
    return (a, condition = false) => {
      try {
        return condition ? this.bindCondition(a, scope, { ...inner, clause: 'FILTER' }) : this.bind(a, scope, inner)
      } catch (e) {
        // In FILTER, PostgreSQL names the clause (aggregate functions are not allowed in FILTER).
        if (!condition && isAggregateNotAllowed(e)) throw groupingError('aggregate function calls cannot be nested')
        throw e
      }
    }
  }

  /** `name(direct) WITHIN GROUP (ORDER BY x)` (ordered-set.ts): the direct arguments bound at this
   * query level, the ordered input collected per group by an array_agg in that order. PostgreSQL
   * places such a call at the level of its ordered input and FILTER alone; its direct arguments
   * must then read that level or enclosing ones (42803). */
  #orderedSet(name: string, f: FuncCall, scope: Scope, options: BindOptions): Expr {
    if (scope.parent?.aggregate !== undefined && readsOnlyOuterColumns([f.agg_filter, f.agg_order], scope)) {
      if (readsColumnsHere([f.args], scope)) throw groupingError('outer-level aggregate cannot contain a lower-level variable in its direct arguments')
      return scope.parent.aggregate(f)
    }
    if ((f.args?.length ?? 0) + (f.agg_order?.length ?? 0) > FUNCTION_ARGUMENTS_MAX - 1) {
      throw new SqlError('54023', `aggregates cannot have more than ${FUNCTION_ARGUMENTS_MAX - 1} arguments`)
    }
    const hypothetical = isHypotheticalSet(name)
    if (f.over !== undefined && (hypothetical || ORDERED_SET_AGGREGATES.has(name))) throw new SqlError('0A000', `OVER is not supported for ordered-set aggregate ${name}`)
    if (options.aggregates === undefined) throw groupingError(`aggregate functions are not allowed in ${options.clause}`)
    const direct = this.#directArguments(f.args ?? [], scope, options)
    const bindInner = this.#aggregateInput(scope)
    // A hypothetical-set aggregate's sort keys are arguments paired with its direct ones: an
    // untyped literal among them takes its pair's type (rank(1) ... ORDER BY 'x' is 22P02).
    const order = this.#aggregateOrder(f.agg_order ?? [], bindInner, hypothetical)
    const filter = f.agg_filter === undefined ? undefined : bindInner(f.agg_filter, true)
    if (hypothetical) return this.#hypotheticalSet(name, direct, order, filter, options.aggregates)
    const types = (exprs: readonly Expr[]) => exprs.map((e) => this.#typeOf(e))
    const call = resolveOrderedSet(name, types(direct), types(order.exprs))
    if (call === undefined) throw notOrderedSet(name, [...types(direct), ...types(order.exprs)])
    const input = this.coerce(order.exprs[0] as Expr, call.inputType, 'implicit')
    const present: Expr = { kind: 'isNull', type: boolType(), arg: input, negated: true }
    const key = { ...(order.keys[0] as AggregateOrderKey), type: call.inputType }
    const values = this.#addAggregate(options.aggregates, {
      name: 'array_agg',
      args: [input],
      distinct: false,
      type: { kind: 'array', element: call.inputType },
      filter: filter === undefined ? present : { kind: 'and', type: boolType(), args: [filter, present] },
      order: { exprs: [input], keys: [key] },
    })
    const args = [...direct.map((d, i) => this.coerce(d, call.directTypes[i] as SqlType, 'implicit')), values]
    const apply: FunctionApply = (v) => call.final(v.slice(0, -1), v[v.length - 1] as readonly Datum[] | null)
    return { kind: 'func', type: call.type, name, args, apply, strict: false, volatile: false }
  }

  /** An ordered-set aggregate's direct arguments: bound at this query's level (a column in them
   * must be grouped), with no aggregate in them. */
  #directArguments(args: readonly Node[], scope: Scope, options: BindOptions): Expr[] {
    return args.map((a) => {
      try {
        return this.bind(a, scope, { ...options, aggregates: undefined })
      } catch (e) {
        if (isAggregateNotAllowed(e)) throw groupingError('aggregate function calls cannot be nested')
        throw e
      }
    })
  }

  /** `rank(args) WITHIN GROUP (ORDER BY keys)` and its kin (ordered-set.ts): each direct argument
   * and its key cast to their common type, and the group's rows of keys collected as records, in
   * no order: the final step compares each with the direct arguments' row, so a key is evaluated
   * once per row (a volatile one too). Their bytes are held as array_agg's are. */
  #hypotheticalSet(name: HypotheticalSetName, direct: readonly Expr[], order: AggregateOrder, filter: Expr | undefined, aggregates: AggregateCall[]): Expr {
    const types = (exprs: readonly Expr[]) => exprs.map((e) => this.#typeOf(e))
    const call = resolveHypotheticalSet(name, types(direct), types(order.exprs), order.keys)
    if (call === undefined) throw undefinedFunction(`${name}(${[...types(direct), ...types(order.exprs)].map(formatType).join(', ')})`)
    const keys = order.exprs.map((e, i) => this.coerce(e, call.keyTypes[i] as SqlType, 'implicit'))
    const rowType = recordType(call.keyTypes.map((type, i) => ({ name: `f${i + 1}`, type })))
    const row: Expr = { kind: 'func', type: rowType, name: 'row', args: keys, apply: (v) => new RecordValue(v.slice()), strict: false, volatile: false }
    const rows = this.#addAggregate(aggregates, { name: 'array_agg', args: [row], distinct: false, type: arrayType(rowType), filter })
    const args = [...direct.map((d, i) => this.coerce(d, call.keyTypes[i] as SqlType, 'implicit')), rows]
    const apply: FunctionApply = (v) => call.final(v.slice(0, -1), v[v.length - 1] as readonly RecordValue[] | null)
    return { kind: 'func', type: call.type, name, args, apply, strict: false, volatile: false }
  }

  /** A set-returning function in the select list (one column only). */
  #setCall(name: string, resolver: SetFunctionResolver, args: readonly Expr[], options: BindOptions): Expr {
    if (options.sets === undefined) throw featureNotSupported(`set-returning functions in ${options.clause}`)
    const resolved = resolver(args.map((a) => this.#typeOf(a)))
    if (resolved === undefined) throw undefinedFunction(`${name}(${args.map((a) => formatType(this.#typeOf(a))).join(', ')})`)
    const bound = args.map((a, i) => this.coerce(a, resolved.argTypes[i] ?? this.#typeOf(a), 'implicit'))
    const column = resolved.columns.length === 1 ? resolved.columns[0] : undefined
    if (column !== undefined) {
      options.sets.push({ name, args: bound, type: column.type, apply: resolved.apply, strict: resolved.strict })
      return { kind: 'setCall', type: column.type, index: options.sets.length - 1 }
    }
    // Several columns (jsonb_each): each row is one record of them, as in PostgreSQL.
    const type = recordType(resolved.columns.map((c) => ({ name: c.name, type: c.type })))
    const apply = function* (a: readonly Datum[], ctx: EvalContext): Iterable<Datum[]> {
      for (const row of resolved.apply(a, ctx)) yield [new RecordValue(row)]
    }
    options.sets.push({ name, args: bound, type, apply, strict: resolved.strict })
    return { kind: 'setCall', type, index: options.sets.length - 1 }
  }

  /** `agg(x ORDER BY ...)`: the sort keys values are fed to the aggregate in; an untyped literal
   * is read as text unless `untyped` leaves it to the caller. */
  #aggregateOrder(items: readonly Node[], bindInner: (a: Node) => Expr, untyped = false): AggregateOrder {
    const exprs: Expr[] = []
    const keys = items.map((item, i) => {
      assert('SortBy' in item && item.SortBy.node !== undefined, 'an aggregate ORDER BY holds sort items')
      const s = item.SortBy
      const e = bindInner(s.node as Node)
      exprs.push(this.#typeOf(e).kind === 'unknown' && !untyped ? this.coerce(e, TEXT, 'implicit') : e)
      const type = this.#typeOf(exprs[i] as Expr)
      return { slot: i, type, ...sortDirection(s, type, (location) => this.position(location)) }
    })
    return { exprs, keys }
  }

  #addAggregate(list: AggregateCall[], call: AggregateCall): Expr {
    list.push(call)
    return { kind: 'aggregate', type: call.type, index: list.length - 1 }
  }
}

/**
 * A strict operator with a NULL constant operand is NULL, folded at bind time as PostgreSQL's
 * planner does, so the other operand is never evaluated (and never raises, e.g. an overflow).
 */
function foldNull(e: Expr): Expr {
  if (e.kind !== 'binary' || e.strict === false) return e
  const isNull = (x: Expr) => x.kind === 'const' && x.value === null
  return isNull(e.left) || isNull(e.right) ? { kind: 'const', type: e.type, value: null } : e
}

/**
 * A regclass or regnamespace value beside an oid or an integer (`attrelid = 't'::regclass`,
 * `relnamespace = 'pg_catalog'::regnamespace`, `'t'::regclass::oid`): the object's oid, as
 * PostgreSQL compares and casts them, instead of its printed name. `other` is the other operand's
 * type or the cast's target type. Anything else is returned as is.
 */
function asOidBeside(e: Expr, other: SqlType): Expr {
  if (e.kind !== 'func' || e.args[0]?.type.kind !== 'text') return e
  const oidOf = OID_OF_NAME[e.name]
  if (oidOf === undefined) return e
  const kind = other.kind
  if (kind !== 'int2' && kind !== 'int4' && kind !== 'int8' && kind !== 'oid') return e
  return { ...e, type: OID, name: `${e.name} oid`, apply: ((v, ctx) => oidOf(ctx, v[0] as string)) satisfies FunctionApply }
}

/** The object-name types whose values are the object's printed name (its OID beside an oid,
 * OID_OF_NAME): from a name (42P01, 3F000 for none) and from an OID (the number for none). */
const NAMED_OBJECT_TYPES: Readonly<Record<string, { readonly ofText: (ctx: EvalContext, text: string) => string; readonly ofOid: (ctx: EvalContext, oid: bigint) => string }>> = {
  regclass: { ofText: regclassOfText, ofOid: regclassOfOid },
  regnamespace: { ofText: regnamespaceOfText, ofOid: regnamespaceOfOid },
}

/** The OID an object-name value's text names, by the function that made it; the to_ forms are
 * NULL for a name that names nothing, where the casts raise (42P01, 3F000). */
const OID_OF_NAME: Readonly<Record<string, (ctx: EvalContext, text: string) => bigint | null>> = {
  regclass: regclassOidOfText,
  to_regclass: regclassOidOrNull,
  regnamespace: (ctx, text) => regnamespaceOidOfText(ctx, text),
  to_regnamespace: (ctx, text) => regnamespaceOidOfText(ctx, text, true),
}

/**
 * `value`, what a subquery returned for its output `source`, as the object-name value it was when
 * `source` made one (INSERT ... SELECT 'x'::regclass): its printed name, which is read back to the
 * object's OID where an oid or integer column takes it (asOidBeside), as PostgreSQL stores a
 * regclass or regnamespace there. Anything else is `value` as it is.
 */
export function asObjectName(value: Expr, source: Expr | undefined): Expr {
  if (source?.kind !== 'func' || OID_OF_NAME[source.name] === undefined) return value
  assert(value.type.kind === 'text', 'an object-name value is its name')
  return { kind: 'func', type: TEXT, name: source.name, args: [value], apply: (v) => v[0] ?? null, strict: true, volatile: false }
}

/** The 0A000 (or PostgreSQL's own error) for an expression node Tessera does not bind, named as
 * the SQL the user wrote rather than the node. */
function unsupportedExpression(node: Node): SqlError {
  if ('SetToDefault' in node) return new SqlError('42601', 'DEFAULT is not allowed in this context')
  if ('CurrentOfExpr' in node) return featureNotSupported('WHERE CURRENT OF (cursors)')
  if ('XmlExpr' in node || 'XmlSerialize' in node) return featuresNotSupported('XML functions')
  return featureNotSupported(`expression ${Object.keys(node)[0] ?? 'unknown'}`)
}

const unsupportedObjectArray = (type: string): never => {
  throw featureNotSupported(`${type}[] from integers`)
}

/** PostgreSQL's full-text search functions: a call of one is 0A000 naming the feature, not 42883. */
const TEXT_SEARCH_FUNCTIONS: ReadonlySet<string> = new Set([
  'to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery', 'ts_rank', 'ts_rank_cd',
  'ts_headline', 'setweight', 'strip', 'tsvector_to_array', 'array_to_tsvector', 'ts_lexize', 'ts_rewrite', 'numnode',
  'querytree', 'tsquery_phrase', 'get_current_ts_config', 'json_to_tsvector', 'jsonb_to_tsvector', 'ts_delete', 'ts_filter',
])

const textSearchNotSupported = () => featureNotSupported('full-text search (tsvector, tsquery, @@ on text)')

const isTextOrUnknown = (t: SqlType) => t.kind === 'unknown' || t.kind === 'text' || t.kind === 'varchar' || t.kind === 'bpchar'

const OBJECT_NAME_TYPES: ReadonlySet<string> = new Set(['regclass', 'regtype', 'regproc', 'regprocedure', 'regnamespace', 'regrole'])

function objectNameCast(names: readonly Node[]): string | undefined {
  const last = names[names.length - 1]
  const name = last !== undefined && 'String' in last ? (last.String.sval ?? '') : ''
  return OBJECT_NAME_TYPES.has(name) ? name : undefined
}

/** The type names a one-argument call may cast to (#castCall). */
const CAST_FUNCTION_TYPES: ReadonlyMap<string, SqlType> = new Map(
  (['int2', 'int4', 'int8', 'oid', 'float4', 'float8', 'numeric', 'text', 'varchar', 'bpchar', 'bool', 'date', 'timestamptz', 'uuid', 'jsonb', 'bytea'] as const).map(
    (kind) => [kind, { kind }],
  ),
)

const REGEX_OPERATORS: ReadonlySet<string> = new Set(['~', '~*', '!~', '!~*'])

/** LIKE and ILIKE written as the operators they stand for (`s ~~ 'a%'`, `s !~~* 'A%'`). */
const LIKE_OPERATORS: ReadonlySet<string> = new Set(['~~', '!~~', '~~*', '!~~*'])

/** The pattern operators as they reach `op ANY/ALL (array)`: LIKE is ~~, ILIKE ~~*. */
const PATTERN_OPERATORS: ReadonlyMap<string, { kind: 'like' | 'regex'; icase: boolean; negated: boolean }> = new Map(
  ['~~', '~~*', '!~~', '!~~*', '~', '~*', '!~', '!~*'].map((op) => [
    op,
    { kind: op.includes('~~') ? 'like' : 'regex', icase: op.endsWith('*'), negated: op.startsWith('!') },
  ]),
)

/** Compiled patterns an `op ANY/ALL (array)` keeps: enough for an array literal's elements, so
 * that a constant array compiles once per query rather than once per row; beyond it (patterns
 * from a column) the cache is cleared rather than grown without bound. */
const PATTERN_CACHE_SIZE = 64

function patternMatcher(p: { kind: 'like' | 'regex'; icase: boolean; negated: boolean }): BinaryApply {
  const cache = new Map<string, (text: string) => boolean>()
  const compile = (pattern: string): ((text: string) => boolean) => {
    let matches = cache.get(pattern)
    if (matches === undefined) {
      if (p.kind === 'like') {
        const like = likePattern(pattern, p.icase)
        matches = (text) => like.matches(text)
      } else {
        const re = posixRegex(pattern, p.icase ? 'i' : '')
        matches = (text) => re.test(text)
      }
      if (cache.size >= PATTERN_CACHE_SIZE) cache.clear()
      cache.set(pattern, matches)
    }
    return matches
  }
  return (a, b) => compile(b as string)(a as string) !== p.negated
}

let subquerySeq = 0

const SESSION_FUNCTIONS: Readonly<Record<string, string>> = {
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'current_user',
  SVFOP_CURRENT_ROLE: 'current_user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_database',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
}

/** Whether these parts of an aggregate call (its arguments, FILTER, ORDER BY) read at least one
 * column and none of `scope` itself: then they read only enclosing queries. Subqueries inside
 * them are not looked into (their columns are theirs). */
function readsOnlyOuterColumns(parts: readonly unknown[], scope: Scope): boolean {
  const refs = columnRefs(parts)
  return refs.length > 0 && refs.every((fields) => isOuterColumn(fields, scope))
}

/** Whether these parts of a call read a column of `scope` itself. */
function readsColumnsHere(parts: readonly unknown[], scope: Scope): boolean {
  return columnRefs(parts).some((fields) => !isOuterColumn(fields, scope))
}

const columnRefs = (parts: readonly unknown[]): Node[][] =>
  nodesOutsideSubqueries<{ fields?: Node[] }>(parts, 'ColumnRef').map((r) => r.fields ?? [])

/** Whether a column reference names a column of a query enclosing `scope` rather than of `scope`. */
function isOuterColumn(fields: readonly Node[], scope: Scope): boolean {
  // `p.*` and a bare `p` naming a FROM item here read this query's row.
  const star = starItem(fields)
  if (star !== undefined) return !scope.tables.includes(star)
  if (fields.some((x) => 'A_Star' in x)) return false
  const [table, name] = columnParts(fields.map(stringOf))
  try {
    columnIn(scope, table, name)
    return false
  } catch (e) {
    // Anything but a column missing here is left to binding the argument, which reports it.
    if (!(e instanceof SqlError)) throw e
    // A bare name that no column here has is a column of an enclosing query when one has it
    // (PostgreSQL looks for columns at every level before whole rows), else this query's row.
    return missingHere(e) && !(table === undefined && scope.tables.includes(name) && !outerHasColumn(scope, name))
  }
}

/** Whether a query enclosing `scope` has a column `name` (an ambiguous one counts). */
function outerHasColumn(scope: Scope, name: string): boolean {
  for (let at = scope.parent?.scope; at !== undefined; at = at.parent?.scope) {
    try {
      columnIn(at, undefined, name)
      return true
    } catch (e) {
      if (!(e instanceof SqlError)) throw e
      if (!missingHere(e)) return true
    }
  }
  return false
}

/** The item of a `t.*` reference (`*` alone, or longer names, are undefined). */
function starItem(fields: readonly Node[]): string | undefined {
  const last = fields[fields.length - 1]
  if (fields.length !== 2 || last === undefined || !('A_Star' in last) || !('String' in (fields[0] as Node))) return undefined
  return stringOf(fields[0])
}

/** A column reference's table (when qualified) and column. In schema.table.column the schema
 * only narrows which table is meant; tables are unique in a scope. */
function columnParts(names: readonly string[]): [string | undefined, string] {
  return names.length >= 2 ? [names[names.length - 2], names[names.length - 1] as string] : [undefined, names[0] as string]
}

/** Whether binding a column failed because `scope` has no such table or column, so an enclosing
 * query may have it (not because the name is ambiguous or wrong in another way). */
const missingHere = (e: unknown): boolean => e instanceof SqlError && (e.code === '42703' || e.code === '42P01')

/** The nodes named `kind` (`'ColumnRef'`, `'FuncCall'`, ...) in a parse tree, not those inside
 * subqueries (their columns and calls are theirs). */
export function nodesOutsideSubqueries<T>(tree: unknown, kind: string): T[] {
  return nodesUnder<T>(tree, [kind], 'SubLink')
}

/** The values under any of the fields `keys` in a parse tree (node kinds such as `'FuncCall'`, or
 * fields such as `'typeName'`), in tree order, not looking under a field named `skip`. */
export function nodesUnder<T>(tree: unknown, keys: readonly string[], skip?: string): T[] {
  const out: T[] = []
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child)
      return
    }
    if (typeof node !== 'object' || node === null) return
    // Parse trees are plain JSON: `for in` sees exactly their fields, without an array per node.
    const fields = node as Record<string, unknown>
    for (const key in fields) {
      if (key === skip) continue
      const child = fields[key]
      if (keys.includes(key)) out.push(child as T)
      walk(child)
    }
  }
  walk(tree)
  return out
}

/** The column `name` (of `table` when qualified) in `scope` alone: 42P01/42703/42702 when not
 * exactly one matches. */
function columnIn(scope: Scope, table: string | undefined, name: string): ScopeColumn {
  if (table !== undefined && !scope.tables.includes(table)) {
    throw new SqlError('42P01', `missing FROM-clause entry for table "${table}"`)
  }
  const matches = scope.columns.filter(
    (c) => !c.hidden && c.name === name && (table === undefined ? c.nameHidden !== true : c.table === table),
  )
  if (matches.length > 1) throw ambiguousColumn(name)
  const column = matches[0]
  if (column === undefined) {
    if (table !== undefined) throw new SqlError('42703', `column ${table}.${name} does not exist`)
    throw undefinedColumn(name)
  }
  return column
}

const syntaxStar = (name: string) => new SqlError('42809', `${name}(*) must be used to call a parameterless aggregate function`)

/** Whether PostgreSQL has an `=` taking these two types as they are (its cross-type operator
 * families), so that NULLIF keeps its first argument's type. */
function crossTypeEquality(a: SqlType, b: SqlType): boolean {
  const families = [['int2', 'int4', 'int8'], ['float4', 'float8'], ['date', 'timestamp', 'timestamptz']]
  return families.some((f) => f.includes(a.kind) && f.includes(b.kind))
}

/** An A_Const as a typed constant: integers by size, decimals numeric, strings untyped. */
function constant(c: A_Const): Expr {
  if (c.isnull === true) return { kind: 'const', type: { kind: 'unknown' }, value: null }
  if (c.ival !== undefined) return { kind: 'const', type: { kind: 'int4' }, value: BigInt(c.ival.ival ?? 0) }
  if (c.fval !== undefined) {
    const text = c.fval.fval ?? '0'
    if (/^-?\d+$/.test(text)) {
      const type = integerLiteralType(text)
      return { kind: 'const', type, value: type.kind === 'numeric' ? Decimal.parse(text) : BigInt(text) }
    }
    return { kind: 'const', type: NUMERIC, value: Decimal.parse(text) }
  }
  if (c.boolval !== undefined) return { kind: 'const', type: boolType(), value: c.boolval.boolval === true }
  if (c.sval !== undefined) return { kind: 'const', type: { kind: 'unknown' }, value: c.sval.sval ?? '' }
  throw featuresNotSupported('bit string constants')
}

/**
 * Rewrites an expression bound over input rows into one over group rows
 * `[...groupValues, ...aggregateValues]`: 42803 for a column neither grouped nor aggregated.
 */
export function regroup(e: Expr, groupKeys: readonly string[], groupCount: number): Expr {
  // Every node's key is asked for, top down: each is made once, from its children's.
  const keys = new Map<Expr, string | undefined>()
  const rewrite = (x: Expr): Expr => {
    const key = keyOf(x, keys)
    // A volatile expression (no key) matches no group, as exprKey's fresh key for it never does.
    const at = key === undefined ? -1 : groupKeys.indexOf(key)
    if (at >= 0) return { kind: 'column', type: x.type, slot: at, name: x.kind === 'column' ? x.name : '?column?' }
    if (x.kind === 'aggregate') return { kind: 'column', type: x.type, slot: groupCount + x.index, name: '?column?' }
    if (x.kind === 'column') {
      const name = x.table === undefined ? x.name : `${x.table}.${x.name}`
      throw groupingError(`column "${name}" must appear in the GROUP BY clause or be used in an aggregate function`)
    }
    return mapChildrenOf(x, rewrite)
  }
  return rewrite(e)
}

let volatileSeq = 0

/** A structural identity of a bound expression (GROUP BY matching, ORDER BY reuse). */
export function exprKey(e: Expr): string {
  return keyOf(e) ?? `volatile:${++volatileSeq}`
}

/** `e`'s key, undefined when it calls a volatile function anywhere (two calls of one are never
 * the same value, so such an expression has a key of its own each time): one walk of the tree,
 * where asking isVolatile at every level walked each subtree again. */
function keyOf(e: Expr, memo?: Map<Expr, string | undefined>): string | undefined {
  if (memo === undefined) return keyOfNode(e, undefined)
  if (memo.has(e)) return memo.get(e)
  const key = keyOfNode(e, memo)
  memo.set(e, key)
  return key
}

/** keyOf for one node, its children's keys through `memo` when given. */
function keyOfNode(e: Expr, memo: Map<Expr, string | undefined> | undefined): string | undefined {
  switch (e.kind) {
    case 'const':
      return `k:${formatType(e.type)}:${constKeyText(e.value, e.type)}`
    case 'param':
      return `p${e.index}`
    case 'column':
      return `c${e.slot}`
    case 'aggregate':
      return `a${e.index}`
    case 'windowCall':
      return `w${e.index}`
    case 'setCall':
      return `srf${e.index}`
    case 'outer':
      return `o${e.index}`
    case 'subquery': {
      // Volatile anywhere among its arguments and left-hand sides, as isVolatile sees it; a
      // subquery's own plan is not looked into.
      const args = someChild(e, isVolatile) ? undefined : keysOf(e.args, memo)
      return args === undefined ? undefined : `s${e.id}(${args.join(',')})`
    }
    default: {
      if (e.kind === 'func' && e.volatile) return undefined
      const parts: string[] = []
      const volatile = someChild(e, (c) => {
        const key = keyOf(c, memo)
        if (key === undefined) return true
        parts.push(key)
        return false
      })
      if (volatile) return undefined
      const label = 'name' in e ? e.name : e.kind === 'cast' ? formatType(e.type) : ''
      return `${e.kind}:${label}:${keyFlags(e)}(${parts.join(',')})`
    }
  }
}

/** The keys of `es`, undefined when one of them is volatile. */
function keysOf(es: readonly Expr[], memo: Map<Expr, string | undefined> | undefined): string[] | undefined {
  const keys: string[] = []
  for (const x of es) {
    const key = keyOf(x, memo)
    if (key === undefined) return undefined
    keys.push(key)
  }
  return keys
}

/** A constant's value in an expression key: its text form where String() of it would be
 * ambiguous (the arrays ARRAY['a,b'] and ARRAY['a', 'b'] both print a,b). */
function constKeyText(value: Datum, type: SqlType): string {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return String([...value])
  return Array.isArray(value) || (typeof value === 'object' && type.kind === 'record') ? formatText(value, type) : String(value)
}

/** What sets a node apart from another of its kind with the same children, besides its name: IS
 * TRUE from IS FALSE, ILIKE from LIKE, GREATEST from LEAST. */
function keyFlags(e: Expr): string {
  switch (e.kind) {
    case 'boolTest':
      return `${e.negated}:${e.value}`
    case 'like':
      return `${e.negated}:${e.caseInsensitive}:${e.escape ?? '\\'}`
    case 'minmax':
      return String(e.greatest)
    default:
      return 'negated' in e ? String(e.negated) : ''
  }
}

/** A literal read as a date/time that names the clock ('now', 'today'): cast when the statement
 * runs, with its transaction's time, not folded when bound (a plan may serve later statements).
 * Untyped or text-typed alike: `'today'::text::date` reads the same input function. */
function readsClock(e: Expr & { kind: 'const' }, to: SqlType): boolean {
  const target = to.kind === 'array' ? to.element : to
  const fromText = e.type.kind === 'unknown' || isStringType(e.type)
  return fromText && typeof e.value === 'string' && isDatetimeType(target) && inputReadsClock(e.value)
}

/** `ARRAY[]`, or arrays of only such (`ARRAY[[]]`, `ARRAY[ARRAY[], ARRAY[]]`): the empty array,
 * whose element type only a cast can give. */
function isEmptyArrayExpr(node: Node | undefined): boolean {
  if (node === undefined || !('A_ArrayExpr' in node)) return false
  return (node.A_ArrayExpr.elements ?? []).every(isEmptyArrayExpr)
}

/** An aggregate met where none may be: inside another aggregate's arguments, that is nesting
 * (other 42803s there, an ungrouped column or a window function, keep their own message). */
const isAggregateNotAllowed = (e: unknown): boolean =>
  e instanceof SqlError && e.code === '42803' && e.message.startsWith('aggregate functions are not allowed')

/** The error for WITHIN GROUP on `name`, no ordered-set aggregate, over arguments (direct, then
 * ordered) of these types, as PostgreSQL tells the cases apart: 42809 where a plain aggregate,
 * a window function or a function takes them, 42883 where nothing does. */
function notOrderedSet(name: string, types: readonly SqlType[]): SqlError {
  const call = () => `${name}(${types.map(formatType).join(', ')})`
  const typed = types.map((t) => (t.kind === 'unknown' ? TEXT : t))
  if (AGGREGATES.has(name) && resolveAggregate(name, typed, false) !== undefined) {
    return new SqlError('42809', `${name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP`)
  }
  if (WINDOW_FUNCTIONS.has(name) && windowFunctionType(name, types) !== undefined) {
    return new SqlError('42809', `window function ${name} requires an OVER clause`)
  }
  const resolver = FUNCTIONS.get(name) ?? SYSTEM_FUNCTIONS.get(name) ?? SCHEMA_FUNCTIONS.get(name)
  if (resolveNamed(resolver, types, call) !== undefined) {
    return new SqlError('42809', `WITHIN GROUP specified, but ${name} is not an aggregate function`)
  }
  return undefinedFunction(call())
}

/** A resolver's answer, its AmbiguousFunction (42725) naming the call as PostgreSQL does. */
function resolveNamed(resolver: FunctionResolver | undefined, argTypes: readonly SqlType[], call: () => string): ResolvedFunction | undefined {
  try {
    return resolver?.(argTypes)
  } catch (e) {
    if (e instanceof AmbiguousFunction) throw new SqlError('42725', `function ${call()} is not unique`, { hint: AMBIGUOUS_HINT })
    throw e
  }
}
