// SQL/JSON path evaluation (ARCHITECTURE.md "query processor": evaluate): the items a jsonpath
// (types/jsonpath.ts) selects from a jsonb value, following PostgreSQL's jsonpath_exec.c: lax
// mode's array unwrapping and wrapping and its silence on structural errors, strict mode's errors,
// three-valued predicates, and `silent`, which turns the errors PostgreSQL suppresses into an
// empty result. Datetime items are jsonpath-datetime.ts's.
import { SqlError, assertNever, featureNotSupported } from '../errors/index.ts'
import { JSONPATH_INTERRUPT_STEPS, JSONPATH_ITEMS_MAX, JSONPATH_STEPS_MAX } from './constants.ts'
import type { EvalContext } from './expr.ts'
import { JsonPathDatetime, compareDatetimes, datetimeMethod, datetimeTypeName } from './jsonpath-datetime.ts'
import {
  booleanMethod,
  containerOffsets,
  decimalMethod,
  doubleMethod,
  integerMethod,
  numericMethod,
  stringMethod,
  type Converted,
} from './jsonpath-methods.ts'
import { posixRegex } from './posix-regex.ts'
import {
  ANY_LAST,
  Decimal,
  compareCodePoints,
  getJsonKey,
  isJsonObject,
  jsonbEntries,
  posixFlags,
  type JsonPath,
  type JsonPathExpr,
  type JsonPathHead,
  type JsonPathStep,
} from './types/index.ts'

type Json = unknown
type Bool3 = true | false | 'unknown'

/** PostgreSQL's JsonPathExecResult: found something, found nothing, or a suppressed error. */
export type Res = 'ok' | 'notFound' | 'error'

/** Items found so far, or null when the caller only asks whether anything is found (the walk then
 * stops at the first item, as PostgreSQL's does). */
export type Found = Json[] | null

/** One evaluation's state (PostgreSQL's JsonPathExecContext). */
export interface Cx {
  readonly root: Json
  readonly vars: Readonly<Record<string, Json>>
  readonly lax: boolean
  /** Whether datetime conversions and comparisons may use the session's time zone (the `_tz`
   * functions and SQL/JSON's query functions). */
  readonly useTz: boolean
  throwErrors: boolean
  ignoreStructuralErrors: boolean
  current: Json
  innermostArraySize: number
  steps: number
  /** The jsonb value the items being walked lie in, and its number: .keyvalue()'s "id" is the
   * number times 10^10 plus the object's byte offset in that value (PostgreSQL's baseObject):
   * 0 for the document, 1 for vars, then 2, 3, ... for each object .keyvalue() makes. */
  base: { readonly root: Json; readonly id: number }
  lastGeneratedObjectId: number
  /** Where each container of a base value starts in PostgreSQL's jsonb layout, computed on the
   * first .keyvalue() over it. */
  readonly offsets: Map<Json, Map<object, number>>
  readonly ctx: Pick<EvalContext, 'interrupt'> | undefined
}

/** An error PostgreSQL raises through RETURN_ERROR: thrown unless errors are suppressed. */
export function fail(cx: Cx, error: () => SqlError): Res {
  if (cx.throwErrors) throw error()
  return 'error'
}

/** Counts one step against the evaluation's budget, checking the statement timeout now and then:
 * `.**` over a large document with filters is bounded by both. */
function tick(cx: Cx): void {
  cx.steps++
  if (cx.steps % JSONPATH_INTERRUPT_STEPS === 0) cx.ctx?.interrupt?.()
  if (cx.steps > JSONPATH_STEPS_MAX) {
    throw new SqlError('54000', 'jsonpath evaluation is too complex', { hint: `One evaluation may take at most ${JSONPATH_STEPS_MAX} steps.` })
  }
}

function push(found: Json[], v: Json): void {
  if (found.length >= JSONPATH_ITEMS_MAX) {
    throw new SqlError('54000', `jsonpath result has more than ${JSONPATH_ITEMS_MAX} items`)
  }
  found.push(v)
}

const isNumeric = (v: Json): v is Decimal => v instanceof Decimal
/** An object item: a datetime item is a value of its own, not an object. */
const isObject = (v: Json): v is Record<string, Json> => isJsonObject(v) && !(v instanceof JsonPathDatetime)

/** How a path runs: `silent` suppresses the errors PostgreSQL lets it suppress; `useTz` lets
 * datetime items use the session's time zone; `ctx` checks the statement timeout. */
export interface PathOptions {
  readonly silent: boolean
  readonly useTz?: boolean
  readonly ctx?: Pick<EvalContext, 'interrupt'> | undefined
}

/** Evaluates `path` over `json`: the items in `found` (or just whether there are any). Found
 * items may be datetime items (JsonPathDatetime), which callers turn into jsonb or text. */
export function executeJsonPath(path: JsonPath, json: Json, vars: Json, found: Found, options: PathOptions): Res {
  const { silent, useTz = false, ctx } = options
  if (!isJsonObject(vars)) {
    throw new SqlError('22023', '"vars" argument is not an object', { detail: 'Jsonpath parameters should be encoded as key-value pairs of "vars" object.' })
  }
  const cx: Cx = {
    root: json,
    vars,
    lax: !path.strict,
    useTz,
    throwErrors: !silent,
    ignoreStructuralErrors: !path.strict,
    current: json,
    innermostArraySize: -1,
    steps: 0,
    base: { root: json, id: 0 },
    lastGeneratedObjectId: 2,
    offsets: new Map(),
    ctx,
  }
  if (path.strict && found === null) {
    // Strict mode must see every item to know that there is no error at all.
    const all: Json[] = []
    const res = executeExpr(cx, path.expr, json, all)
    return res === 'error' ? res : all.length === 0 ? 'notFound' : 'ok'
  }
  return executeExpr(cx, path.expr, json, found)
}

/** Runs the expression's head, then its steps on each item the head gives. */
export function executeExpr(cx: Cx, e: JsonPathExpr, v: Json, found: Found): Res {
  tick(cx)
  return executeHead(cx, e, v, found)
}

/** Hands `v` to the step after `i` (-1: the head), or to `found` after the last one. */
export function next(cx: Cx, e: JsonPathExpr, i: number, v: Json, found: Found): Res {
  const step = e.steps[i + 1]
  if (step !== undefined) return executeStep(cx, e, i + 1, v, found, cx.lax)
  if (found !== null) push(found, v)
  return 'ok'
}

function withBase(cx: Cx, base: Cx['base'], run: () => Res): Res {
  const saved = cx.base
  cx.base = base
  try {
    return run()
  } finally {
    cx.base = saved
  }
}

const hasNext = (e: JsonPathExpr, i: number) => i + 1 < e.steps.length

function executeHead(cx: Cx, e: JsonPathExpr, v: Json, found: Found): Res {
  const h = e.head
  switch (h.kind) {
    case 'root':
      return withBase(cx, { root: cx.root, id: 0 }, () => next(cx, e, -1, cx.root, found))
    case 'current':
      return next(cx, e, -1, cx.current, found)
    case 'last':
      return next(cx, e, -1, Decimal.fromBigInt(BigInt(cx.innermostArraySize - 1)), found)
    case 'variable': {
      const value = getJsonKey(cx.vars as Record<string, Json>, h.name)
      if (value === undefined) throw new SqlError('42704', `could not find jsonpath variable "${h.name}"`)
      return withBase(cx, { root: cx.vars, id: 1 }, () => next(cx, e, -1, value, found))
    }
    case 'null':
      return next(cx, e, -1, null, found)
    case 'bool':
    case 'numeric':
    case 'string':
      return next(cx, e, -1, h.value, found)
    case 'arith':
      return binaryArith(cx, e, h, v, found)
    case 'unary':
      return unaryArith(cx, e, h, v, found)
    case 'compare':
    case 'and':
    case 'or':
    case 'not':
    case 'isUnknown':
    case 'exists':
    case 'startsWith':
    case 'likeRegex': {
      const res = executeBool(cx, h, v)
      // A predicate found is a boolean item; asked only whether there is one, there always is.
      if (!hasNext(e, -1) && found === null) return 'ok'
      return next(cx, e, -1, res === 'unknown' ? null : res, found)
    }
    default:
      return assertNever(h)
  }
}

/** Runs step `i` on `v`; `unwrap` is lax mode's unwrapping of an array the step cannot take. */
export function executeStep(cx: Cx, e: JsonPathExpr, i: number, v: Json, found: Found, unwrap: boolean): Res {
  tick(cx)
  const s = e.steps[i] as JsonPathStep
  switch (s.kind) {
    case 'key':
      return keyStep(cx, e, i, s.name, v, found, unwrap)
    case 'anyArray':
      if (Array.isArray(v)) return eachElement(cx, e, i, v, found)
      if (cx.lax) return next(cx, e, i, v, found)
      if (!cx.ignoreStructuralErrors) {
        return fail(cx, () => new SqlError('22039', 'jsonpath wildcard array accessor can only be applied to an array'))
      }
      return 'notFound'
    case 'index':
      return indexStep(cx, e, i, s, v, found)
    case 'anyKey':
      if (isObject(v)) return anyItem(cx, e, i, v, found, 1, 1, 1, false)
      if (unwrap && Array.isArray(v)) return unwrapTarget(cx, e, i, v, found)
      if (!cx.ignoreStructuralErrors) {
        return fail(cx, () => new SqlError('2203C', 'jsonpath wildcard member accessor can only be applied to an object'))
      }
      return 'notFound'
    case 'any':
      return anyStep(cx, e, i, s, v, found)
    case 'filter': {
      if (unwrap && Array.isArray(v)) return unwrapTarget(cx, e, i, v, found)
      const saved = cx.current
      cx.current = v
      const st = executeBool(cx, s.predicate.head, v)
      cx.current = saved
      return st === true ? next(cx, e, i, v, found) : 'notFound'
    }
    case 'method':
      return methodStep(cx, e, i, s, v, found, unwrap)
    default:
      return assertNever(s)
  }
}

function keyStep(cx: Cx, e: JsonPathExpr, i: number, key: string, v: Json, found: Found, unwrap: boolean): Res {
  if (isObject(v)) {
    const value = getJsonKey(v, key)
    if (value !== undefined) return next(cx, e, i, value, found)
    if (!cx.ignoreStructuralErrors) {
      return fail(cx, () => new SqlError('2203A', `JSON object does not contain key "${key}"`))
    }
    return 'notFound'
  }
  if (unwrap && Array.isArray(v)) return unwrapTarget(cx, e, i, v, found)
  if (!cx.ignoreStructuralErrors) {
    return fail(cx, () => new SqlError('2203A', 'jsonpath member accessor can only be applied to an object'))
  }
  return 'notFound'
}

/** Step `i` itself applied to each element of `arr`, without unwrapping again (lax mode's
 * automatic unwrapping, PostgreSQL's executeItemUnwrapTargetArray). */
export function unwrapTarget(cx: Cx, e: JsonPathExpr, i: number, arr: readonly Json[], found: Found): Res {
  let res: Res = 'notFound'
  for (const elem of arr) {
    const r = executeStep(cx, e, i, elem, found, false)
    if (ends(r, found)) return r
    if (r === 'ok') res = 'ok'
  }
  return res
}

/** Whether a walk ends at one branch's result: an error, or a find when only existence is asked
 * (`found` null, as PostgreSQL's walk stops at the first item then). */
const ends = (r: Res, found: Found): boolean => r === 'error' || (r === 'ok' && found === null)

/** Each element handed to the step after `i`. */
function eachElement(cx: Cx, e: JsonPathExpr, i: number, arr: readonly Json[], found: Found): Res {
  let res: Res = 'notFound'
  for (const elem of arr) {
    tick(cx)
    const r = next(cx, e, i, elem, found)
    if (ends(r, found)) return r
    if (r === 'ok') res = 'ok'
  }
  return res
}

function indexStep(cx: Cx, e: JsonPathExpr, i: number, s: JsonPathStep & { kind: 'index' }, v: Json, found: Found): Res {
  if (!Array.isArray(v) && !cx.lax) {
    if (!cx.ignoreStructuralErrors) return fail(cx, () => new SqlError('22039', 'jsonpath array accessor can only be applied to an array'))
    return 'notFound'
  }
  const size = Array.isArray(v) ? v.length : 1
  const savedSize = cx.innermostArraySize
  cx.innermostArraySize = size
  try {
    let res: Res = 'notFound'
    for (const sub of s.subscripts) {
      const from = arrayIndex(cx, sub.from, v)
      if (typeof from === 'string') return from
      const to = sub.to === undefined ? from : arrayIndex(cx, sub.to, v)
      if (typeof to === 'string') return to
      if (!cx.ignoreStructuralErrors && (from < 0 || from > to || to >= size)) {
        return fail(cx, () => new SqlError('22033', 'jsonpath array subscript is out of bounds'))
      }
      for (let k = Math.max(from, 0); k <= Math.min(to, size - 1); k++) {
        tick(cx)
        const elem = Array.isArray(v) ? v[k] : v
        if (!hasNext(e, i) && found === null) return 'ok'
        const r = next(cx, e, i, elem, found)
        if (ends(r, found)) return r
        if (r === 'ok') res = 'ok'
      }
    }
    return res
  } finally {
    cx.innermostArraySize = savedSize
  }
}

/** A subscript's value: one number, truncated to an integer (PostgreSQL's getArrayIndex). */
function arrayIndex(cx: Cx, sub: JsonPathExpr, v: Json): number | Res {
  const items: Json[] = []
  const res = executeExpr(cx, sub, v, items)
  if (res === 'error') return res
  const n = items[0]
  if (items.length !== 1 || !isNumeric(n)) {
    return fail(cx, () => new SqlError('22033', 'jsonpath array subscript is not a single numeric value'))
  }
  const k = n.trunc(0).toBigInt()
  if (k === undefined || k < -2147483648n || k > 2147483647n) {
    return fail(cx, () => new SqlError('22033', 'jsonpath array subscript is out of integer range'))
  }
  return Number(k)
}

/** `.**{first to last}`: the item itself when `first` is 0, then its descendants. */
function anyStep(cx: Cx, e: JsonPathExpr, i: number, s: JsonPathStep & { kind: 'any' }, v: Json, found: Found): Res {
  let res: Res = 'notFound'
  if (s.first === 0) {
    const saved = cx.ignoreStructuralErrors
    cx.ignoreStructuralErrors = true
    res = next(cx, e, i, v, found)
    cx.ignoreStructuralErrors = saved
    if (res === 'ok' && found === null) return res
  }
  if (Array.isArray(v) || isObject(v)) return anyItem(cx, e, i, v, found, 1, s.first, s.last, true)
  return res
}

/** The values of container `c` at `level` and, down to `last`, below it, from `first` on, each
 * handed to the step after `i` (PostgreSQL's executeAnyItem, pre-order). */
function anyItem(cx: Cx, e: JsonPathExpr, i: number, c: object, found: Found, level: number, first: number, last: number, ignoreStructural: boolean): Res {
  let res: Res = 'notFound'
  if (level > last) return res
  const values = Array.isArray(c) ? c : jsonbEntries(c).map((x) => x[1])
  for (const v of values) {
    tick(cx)
    const container = Array.isArray(v) || isObject(v)
    if (level >= first || (first === ANY_LAST && last === ANY_LAST && !container)) {
      if (hasNext(e, i)) {
        const saved = cx.ignoreStructuralErrors
        if (ignoreStructural) cx.ignoreStructuralErrors = true
        const r = executeStep(cx, e, i + 1, v, found, cx.lax)
        cx.ignoreStructuralErrors = saved
        if (ends(r, found)) return r
        if (r === 'ok') res = 'ok'
      } else if (found !== null) {
        push(found, v)
        res = 'ok'
      } else {
        return 'ok'
      }
    }
    if (level < last && container) {
      const r = anyItem(cx, e, i, v as object, found, level + 1, first, last, ignoreStructural)
      if (ends(r, found)) return r
      if (r === 'ok') res = 'ok'
    }
  }
  return res
}

/** The items of `e`, arrays among them replaced by their elements in lax mode when `unwrap`
 * (PostgreSQL's executeItemOptUnwrapResult). */
export function itemsOf(cx: Cx, e: JsonPathExpr, v: Json, unwrap: boolean): Json[] | 'error' {
  const items: Json[] = []
  const res = executeExpr(cx, e, v, items)
  if (res === 'error') return res
  if (!unwrap || !cx.lax) return items
  const out: Json[] = []
  for (const x of items) {
    if (Array.isArray(x)) for (const y of x) push(out, y)
    else push(out, x)
  }
  return out
}

/** itemsOf with errors suppressed: an error makes the predicate unknown. */
function itemsNoThrow(cx: Cx, e: JsonPathExpr, v: Json, unwrap: boolean): Json[] | 'error' {
  const saved = cx.throwErrors
  cx.throwErrors = false
  try {
    return itemsOf(cx, e, v, unwrap)
  } finally {
    cx.throwErrors = saved
  }
}

const numericOperand = (items: readonly Json[]) => (items.length === 1 && isNumeric(items[0]) ? items[0] : undefined)

function binaryArith(cx: Cx, e: JsonPathExpr, h: JsonPathHead & { kind: 'arith' }, v: Json, found: Found): Res {
  const l = itemsOf(cx, h.left, v, true)
  if (l === 'error') return l
  const r = itemsOf(cx, h.right, v, true)
  if (r === 'error') return r
  const a = numericOperand(l)
  if (a === undefined) {
    return fail(cx, () => new SqlError('22038', `left operand of jsonpath operator ${h.op} is not a single numeric value`))
  }
  const b = numericOperand(r)
  if (b === undefined) {
    return fail(cx, () => new SqlError('22038', `right operand of jsonpath operator ${h.op} is not a single numeric value`))
  }
  let result: Decimal
  try {
    result = arith(h.op, a, b)
  } catch (err) {
    // Division by zero and overflow are errors `silent` suppresses, as PostgreSQL's _opt_error
    // numeric functions report them.
    if (cx.throwErrors || !(err instanceof SqlError)) throw err
    return 'error'
  }
  return next(cx, e, -1, result, found)
}

function arith(op: '+' | '-' | '*' | '/' | '%', a: Decimal, b: Decimal): Decimal {
  switch (op) {
    case '+':
      return a.add(b)
    case '-':
      return a.sub(b)
    case '*':
      return a.mul(b)
    case '/':
      return a.div(b)
    case '%':
      return a.mod(b)
    default:
      return assertNever(op)
  }
}

function unaryArith(cx: Cx, e: JsonPathExpr, h: JsonPathHead & { kind: 'unary' }, v: Json, found: Found): Res {
  const items = itemsOf(cx, h.arg, v, true)
  if (items === 'error') return items
  let res: Res = 'notFound'
  const existsOnly = found === null && !hasNext(e, -1)
  for (const x of items) {
    if (isNumeric(x)) {
      if (existsOnly) return 'ok'
    } else {
      if (existsOnly) continue
      return fail(cx, () => new SqlError('2203B', `operand of unary jsonpath operator ${h.op} is not a numeric value`))
    }
    const r = next(cx, e, -1, h.op === '-' ? x.neg() : x, found)
    if (ends(r, found)) return r
    if (r === 'ok') res = 'ok'
  }
  return res
}

/** A predicate's truth over `v` (`@` is cx.current, set by the filter). */
function executeBool(cx: Cx, h: JsonPathHead, v: Json): Bool3 {
  tick(cx)
  switch (h.kind) {
    case 'and': {
      const l = executeBool(cx, h.left.head, v)
      if (l === false) return false
      const r = executeBool(cx, h.right.head, v)
      return r === true ? l : r
    }
    case 'or': {
      const l = executeBool(cx, h.left.head, v)
      if (l === true) return true
      const r = executeBool(cx, h.right.head, v)
      return r === false ? l : r
    }
    case 'not': {
      const r = executeBool(cx, h.arg.head, v)
      return r === 'unknown' ? r : !r
    }
    case 'isUnknown':
      return executeBool(cx, h.arg.head, v) === 'unknown'
    case 'compare':
      return predicate(cx, h.left, h.right, v, true, (a, b) => compareItems(h.op, a, b, cx.useTz))
    case 'startsWith':
      return predicate(cx, h.left, h.right, v, false, (a, b) => (typeof a === 'string' && typeof b === 'string' ? a.startsWith(b) : 'unknown'))
    case 'likeRegex': {
      const re = posixRegex(h.pattern, posixFlags(h.flags))
      return predicate(cx, h.arg, undefined, v, false, (a) => (typeof a === 'string' ? re.test(a) : 'unknown'))
    }
    case 'exists': {
      const items = itemsNoThrow(cx, h.arg, v, false)
      return items === 'error' ? 'unknown' : items.length > 0
    }
    default:
      // The parser puts only predicates where a truth value is needed.
      throw new SqlError('XX000', `jsonpath item ${h.kind} is not a predicate`)
  }
}

/** A predicate over every pair of items of its operands (PostgreSQL's executePredicate): lax mode
 * is true at the first true pair, strict mode unknown at the first unknown one. */
function predicate(cx: Cx, left: JsonPathExpr, right: JsonPathExpr | undefined, v: Json, unwrapRight: boolean, test: (a: Json, b: Json) => Bool3): Bool3 {
  const lseq = itemsNoThrow(cx, left, v, true)
  if (lseq === 'error') return 'unknown'
  const rseq = right === undefined ? [undefined] : itemsNoThrow(cx, right, v, unwrapRight)
  if (rseq === 'error') return 'unknown'
  let error = false
  let found = false
  for (const a of lseq) {
    for (const b of rseq) {
      tick(cx)
      const r = test(a, b)
      if (r === 'unknown') {
        if (!cx.lax) return 'unknown'
        error = true
      } else if (r) {
        if (cx.lax) return true
        found = true
      }
    }
  }
  return found ? true : error ? 'unknown' : false
}

/** PostgreSQL's compareItems: items of different types compare unknown, except that null is
 * unequal to anything else; arrays and objects are not comparable; strings compare by code point;
 * datetime items by compareDatetimes (unknown across kinds that do not compare). */
function compareItems(op: string, a: Json, b: Json, useTz: boolean): Bool3 {
  const ta = kindOf(a)
  const tb = kindOf(b)
  if (ta !== tb) {
    if (ta === 'null' || tb === 'null') return op === '!='
    return 'unknown'
  }
  let cmp: number
  switch (ta) {
    case 'null':
      cmp = 0
      break
    case 'boolean':
      cmp = a === b ? 0 : a ? 1 : -1
      break
    case 'number':
      cmp = (a as Decimal).compare(b as Decimal)
      break
    case 'string':
      cmp = compareCodePoints(a as string, b as string)
      break
    case 'datetime': {
      const c = compareDatetimes(a as JsonPathDatetime, b as JsonPathDatetime, useTz)
      if (c === undefined) return 'unknown'
      cmp = c
      break
    }
    default:
      return 'unknown'
  }
  switch (op) {
    case '==':
      return cmp === 0
    case '!=':
      return cmp !== 0
    case '<':
      return cmp < 0
    case '<=':
      return cmp <= 0
    case '>':
      return cmp > 0
    case '>=':
      return cmp >= 0
    default:
      throw new SqlError('XX000', `unknown jsonpath comparison ${op}`)
  }
}

/** The item's type: as .type() names it, except that every datetime item is 'datetime'. */
export function kindOf(v: Json): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'datetime' {
  if (v === null) return 'null'
  if (typeof v === 'boolean') return 'boolean'
  if (isNumeric(v)) return 'number'
  if (typeof v === 'string') return 'string'
  if (v instanceof JsonPathDatetime) return 'datetime'
  return Array.isArray(v) ? 'array' : 'object'
}

type MethodStep = JsonPathStep & { kind: 'method' }

/** An item method applied to `v`. */
function methodStep(cx: Cx, e: JsonPathExpr, i: number, s: MethodStep, v: Json, found: Found, unwrap: boolean): Res {
  switch (s.name) {
    case 'type':
      return next(cx, e, i, v instanceof JsonPathDatetime ? datetimeTypeName(v) : kindOf(v), found)
    case 'size': {
      if (Array.isArray(v)) return next(cx, e, i, Decimal.fromBigInt(BigInt(v.length)), found)
      if (cx.lax) return next(cx, e, i, Decimal.fromBigInt(1n), found)
      if (!cx.ignoreStructuralErrors) {
        return fail(cx, () => new SqlError('22039', 'jsonpath item method .size() can only be applied to an array'))
      }
      return 'notFound'
    }
    case 'keyvalue':
      if (unwrap && Array.isArray(v)) return unwrapTarget(cx, e, i, v, found)
      return keyValue(cx, e, i, v, found)
    case 'abs':
    case 'floor':
    case 'ceiling':
      return converted(cx, e, i, v, found, unwrap, () => numericMethod(s.name as 'abs', v))
    case 'double':
      return converted(cx, e, i, v, found, unwrap, () => doubleMethod(v))
    case 'number':
    case 'decimal':
      return converted(cx, e, i, v, found, unwrap, () => decimalMethod(s.name as 'number', v, s.args))
    case 'integer':
    case 'bigint':
      return converted(cx, e, i, v, found, unwrap, () => integerMethod(s.name as 'integer', v))
    case 'boolean':
      return converted(cx, e, i, v, found, unwrap, () => booleanMethod(v))
    case 'string':
      return converted(cx, e, i, v, found, unwrap, () => stringMethod(v))
    case 'datetime':
    case 'date':
    case 'time':
    case 'time_tz':
    case 'timestamp':
    case 'timestamp_tz':
      return converted(cx, e, i, v, found, unwrap, () => datetimeMethod(s.name as 'datetime', v, s.args, cx.useTz))
    default:
      return assertNever(s.name)
  }
}

/** A converting method: lax mode unwraps an array first, then the item is converted. */
function converted(cx: Cx, e: JsonPathExpr, i: number, v: Json, found: Found, unwrap: boolean, convert: () => Converted): Res {
  if (unwrap && Array.isArray(v)) return unwrapTarget(cx, e, i, v, found)
  const r = convert()
  return r.ok ? next(cx, e, i, r.value, found) : fail(cx, () => r.error)
}

/** .keyvalue(): an object {"id", "key", "value"} per pair, in jsonb key order; "id" is where the
 * object lies in PostgreSQL's binary jsonb, which is what PostgreSQL reports. */
function keyValue(cx: Cx, e: JsonPathExpr, i: number, v: Json, found: Found): Res {
  if (!isObject(v)) {
    return fail(cx, () => new SqlError('2203C', 'jsonpath item method .keyvalue() can only be applied to an object'))
  }
  let offsets = cx.offsets.get(cx.base.root)
  if (offsets === undefined) {
    offsets = containerOffsets(cx.base.root)
    cx.offsets.set(cx.base.root, offsets)
  }
  const offset = offsets.get(v)
  // Every object the walk reaches lies in its base value; this would be a bug, not a user error.
  if (offset === undefined) throw featureNotSupported('jsonpath item method .keyvalue() of an object outside its base value')
  const id = Decimal.fromBigInt(BigInt(cx.base.id) * 10_000_000_000n + BigInt(offset))
  let res: Res = 'notFound'
  for (const [key, value] of jsonbEntries(v)) {
    tick(cx)
    const pair = { id, key, value }
    const r = withBase(cx, { root: pair, id: cx.lastGeneratedObjectId++ }, () => next(cx, e, i, pair, found))
    if (ends(r, found)) return r
    if (r === 'ok') res = 'ok'
  }
  return res
}
