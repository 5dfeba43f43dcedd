// The jsonpath type (ARCHITECTURE.md "query processor": values): SQL/JSON path text parsed into
// a tree by a hand-written recursive-descent parser, and PostgreSQL's canonical text of the tree
// (jsonpath_out). Evaluation is in ../jsonpath-eval.ts.
//
// A jsonpath datum is its canonical text, not the tree: a string needs nothing new from storage,
// keys, comparison, the wire or value-size accounting, and the text reads back to the same tree.
// The evaluator parses it again, through a small cache (parseJsonPathCached), so a path used on
// every row of a scan is parsed once.
import { SqlError, assert, assertNever } from '../../errors/index.ts'
import { parseRegex } from '../regex-syntax.ts'
import { Decimal } from './decimal.ts'

/** `.**{first to last}` and `$[last]`'s marker for "last" in the any-path bounds, as PostgreSQL's
 * PG_UINT32_MAX. */
export const ANY_LAST = 0xffff_ffff

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>='
export type ArithOp = '+' | '-' | '*' | '/' | '%'

/** Item methods by name (PostgreSQL 17's set); `args` only for decimal(p, s), datetime(template)
 * and the precision of time, time_tz, timestamp and timestamp_tz. */
export const METHODS = [
  'type', 'size', 'double', 'ceiling', 'floor', 'abs', 'keyvalue', 'number', 'integer', 'bigint',
  'decimal', 'boolean', 'string', 'datetime', 'date', 'time', 'time_tz', 'timestamp', 'timestamp_tz',
] as const
export type MethodName = (typeof METHODS)[number]

/** The arguments a method takes: none, a template string, an unsigned integer (a precision), or
 * up to two signed integers (.decimal()'s precision and scale). */
type MethodArgs = 'none' | 'template' | 'unsigned' | 'signed'
const METHOD_ARGS: Readonly<Record<MethodName, MethodArgs>> = {
  type: 'none', size: 'none', double: 'none', ceiling: 'none', floor: 'none', abs: 'none',
  keyvalue: 'none', number: 'none', integer: 'none', bigint: 'none', decimal: 'signed',
  boolean: 'none', string: 'none', datetime: 'template', date: 'none', time: 'unsigned',
  time_tz: 'unsigned', timestamp: 'unsigned', timestamp_tz: 'unsigned',
}

/** What an expression starts with: a primary, an operator or a predicate. */
export type JsonPathHead =
  | { readonly kind: 'root' }
  | { readonly kind: 'current' }
  | { readonly kind: 'last' }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'numeric'; readonly value: Decimal }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly left: JsonPathExpr; readonly right: JsonPathExpr }
  | { readonly kind: 'unary'; readonly op: '+' | '-'; readonly arg: JsonPathExpr }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: JsonPathExpr; readonly right: JsonPathExpr }
  | { readonly kind: 'and' | 'or'; readonly left: JsonPathExpr; readonly right: JsonPathExpr }
  | { readonly kind: 'not' | 'isUnknown' | 'exists'; readonly arg: JsonPathExpr }
  | { readonly kind: 'startsWith'; readonly left: JsonPathExpr; readonly right: JsonPathExpr }
  | { readonly kind: 'likeRegex'; readonly arg: JsonPathExpr; readonly pattern: string; readonly flags: string }

/** One accessor applied to each item the expression so far gives. */
export type JsonPathStep =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'anyKey' }
  | { readonly kind: 'anyArray' }
  | { readonly kind: 'index'; readonly subscripts: readonly { readonly from: JsonPathExpr; readonly to?: JsonPathExpr }[] }
  | { readonly kind: 'any'; readonly first: number; readonly last: number }
  | { readonly kind: 'filter'; readonly predicate: JsonPathExpr }
  | { readonly kind: 'method'; readonly name: MethodName; readonly args: readonly (Decimal | string)[] }

/** A head and the accessors after it (PostgreSQL's chain of items linked by `next`). */
export interface JsonPathExpr {
  readonly head: JsonPathHead
  readonly steps: readonly JsonPathStep[]
}

/** A parsed path: strict or lax mode and the expression (or predicate). */
export interface JsonPath {
  readonly strict: boolean
  readonly expr: JsonPathExpr
}

/** The regex flags like_regex accepts, in the order PostgreSQL prints them. */
const REGEX_FLAGS = 'ismxq'

/** A path whose tree is deeper than this (operators, parentheses and accessors each count a level)
 * is refused with 54001 rather than risking the JS stack in the recursive parser, printer and
 * evaluator, which take a few frames per level; PostgreSQL's own limit is its stack depth. */
export const JSONPATH_DEPTH_MAX = 500

type Token =
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number }
  | { readonly t: 'number'; readonly v: Decimal; readonly at: number; readonly integer: boolean }
  | { readonly t: 'variable'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number }

const syntaxError = (near: string | undefined) =>
  new SqlError('42601', near === undefined ? 'syntax error at end of jsonpath input' : `syntax error at or near "${near}" of jsonpath input`)

const OPS = ['**', '==', '!=', '<>', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%', '.', ',', '?', '(', ')', '[', ']', '{', '}', '@', '$']
/** Characters that end an unquoted word (jsonpath_scan.l's `special` and blanks). */
const SPECIAL = /[?%$.[\]{}()|&!=<>@#,*:\-+/\\" \t\n\r\f]/

/** The tokens of `text`; 42601 for an unterminated string or junk after a number. */
function tokenize(text: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (/[ \t\n\r\f]/.test(c)) {
      i++
    } else if (c === '"') {
      const [v, end] = readString(text, i + 1)
      out.push({ t: 'string', v, at: i })
      i = end
    } else if (c === '$' && i + 1 < text.length && (text[i + 1] === '"' || !SPECIAL.test(text[i + 1] as string))) {
      if (text[i + 1] === '"') {
        const [v, end] = readString(text, i + 2)
        out.push({ t: 'variable', v, at: i })
        i = end
      } else {
        const [v, end] = readWord(text, i + 1)
        out.push({ t: 'variable', v, at: i })
        i = end
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      i = readNumber(text, i, out)
    } else {
      const op = OPS.find((o) => text.startsWith(o, i))
      if (op !== undefined) {
        out.push({ t: 'op', v: op === '<>' ? '!=' : op, at: i })
        i += op.length
      } else if (c === '\\' || !SPECIAL.test(c)) {
        const [v, end] = readWord(text, i)
        out.push({ t: 'word', v, at: i })
        i = end
      } else {
        throw syntaxError(c)
      }
    }
  }
  out.push({ t: 'end', at: text.length })
  return out
}

/** An unquoted word, with escapes as in strings (`$.a\u0041` is key "aA"). */
function readWord(text: string, start: number): [string, number] {
  let i = start
  let v = ''
  while (i < text.length && (text[i] === '\\' || !SPECIAL.test(text[i] as string))) {
    if (text[i] === '\\') {
      const [s, end] = readEscape(text, i + 1)
      v += s
      i = end
    } else {
      v += text[i]
      i++
    }
  }
  return [v, i]
}

function readString(text: string, start: number): [string, number] {
  let i = start
  let v = ''
  for (;;) {
    if (i >= text.length) throw new SqlError('42601', 'unterminated quoted string at end of jsonpath input')
    const c = text[i] as string
    if (c === '"') return [v, i + 1]
    if (c === '\\') {
      const [s, end] = readEscape(text, i + 1)
      v += s
      i = end
    } else {
      v += c
      i++
    }
  }
}

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }

const badInput = () => new SqlError('22P02', 'invalid input syntax for type jsonpath')

/** One escape after a backslash: \b \f \n \r \t \v, \xNN, \uNNNN, \u{N...}; any other character
 * stands for itself. A lone surrogate or U+0000 is invalid input (22P02). */
function readEscape(text: string, i: number): [string, number] {
  const c = text[i]
  if (c === undefined) throw new SqlError('42601', 'unexpected end after backslash at end of jsonpath input')
  const simple = ESCAPES[c]
  if (simple !== undefined) return [simple, i + 1]
  if (c === 'x') {
    const m = /^[0-9a-fA-F]{2}/.exec(text.slice(i + 1))
    if (m === null) throw new SqlError('42601', 'invalid hexadecimal character sequence of jsonpath input')
    return [codePoint(parseInt(m[0], 16)), i + 3]
  }
  if (c === 'u') return readUnicode(text, i + 1)
  return [c, i + 1]
}

function readUnicode(text: string, i: number): [string, number] {
  const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(text.slice(i))
  if (braced !== null) return [codePoint(parseInt(braced[1] as string, 16)), i + braced[0].length]
  const m = /^[0-9a-fA-F]{4}/.exec(text.slice(i))
  if (m === null) throw new SqlError('42601', 'invalid Unicode escape sequence of jsonpath input')
  const unit = parseInt(m[0], 16)
  if (unit >= 0xd800 && unit <= 0xdbff) {
    const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(i + 4))
    if (low === null) throw badInput()
    return [String.fromCharCode(unit, parseInt(low[1] as string, 16)), i + 10]
  }
  return [codePoint(unit), i + 4]
}

function codePoint(n: number): string {
  if (n === 0 || (n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) throw badInput()
  return String.fromCodePoint(n)
}

/** A numeric literal: decimal with `_` separators, fraction and exponent, or 0x/0o/0b integers;
 * letters or digits straight after it are 42601 "trailing junk". */
function readNumber(text: string, start: number, out: Token[]): number {
  const rest = text.slice(start)
  const prefixed = /^0[xX][0-9a-fA-F](_?[0-9a-fA-F])*|^0[oO][0-7](_?[0-7])*|^0[bB][01](_?[01])*/.exec(rest)
  const decimal = /^(?:(?:0|[1-9](?:_?[0-9])*)(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9]+)?/.exec(rest)
  const m = prefixed ?? decimal
  assert(m !== null, 'a number starts with a digit or a point and a digit')
  const end = start + m[0].length
  const next = text[end]
  // A point after an integer ends it when a word follows (`1.a` is junk; `1..a` is (1)."a").
  if (next !== undefined && /[0-9A-Za-z_]/.test(next)) {
    throw new SqlError('42601', `trailing junk after numeric literal at or near "${text.slice(start, end + 1)}" of jsonpath input`)
  }
  const body = m[0].replaceAll('_', '')
  const value = prefixed !== null ? Decimal.fromBigInt(BigInt(body.toLowerCase().startsWith('0o') ? `0o${body.slice(2)}` : body)) : Decimal.parse(body.endsWith('.') ? body.slice(0, -1) : body)
  out.push({ t: 'number', v: value, at: start, integer: prefixed !== null || !/[.eE]/.test(body) })
  return end
}

/** Where `@` and `last` may appear while parsing. */
interface Scope {
  readonly inFilter: boolean
  readonly inSubscript: boolean
  readonly depth: number
}

const PREDICATES = new Set<JsonPathHead['kind']>(['compare', 'and', 'or', 'not', 'isUnknown', 'exists', 'startsWith', 'likeRegex'])

/** Whether the expression is a bare predicate (a boolean condition, not a value expression). */
export const isPredicate = (e: JsonPathExpr) => e.steps.length === 0 && PREDICATES.has(e.head.kind)

const tooDeep = () =>
  new SqlError('54001', 'stack depth limit exceeded', { hint: `jsonpath expressions may nest at most ${JSONPATH_DEPTH_MAX} levels deep.` })

/** 54001 when the tree is deeper than JSONPATH_DEPTH_MAX. Operator chains (`1 + 1 + ...`) are
 * parsed by loops into left-deep trees, so the parser's own bound does not cover them; this walk
 * uses an explicit stack, so it cannot overflow the JS one either. */
function checkDepth(root: JsonPathExpr): void {
  const todo: [JsonPathExpr, number][] = [[root, 1]]
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    const [e, depth] = item
    if (depth + e.steps.length > JSONPATH_DEPTH_MAX) throw tooDeep()
    const h = e.head
    if ('left' in h) todo.push([h.left, depth + 1], [h.right, depth + 1])
    if ('arg' in h) todo.push([h.arg, depth + 1])
    e.steps.forEach((step, i) => {
      if (step.kind === 'filter') todo.push([step.predicate, depth + i + 2])
      if (step.kind === 'index') {
        for (const x of step.subscripts) todo.push(...[x.from, ...(x.to === undefined ? [] : [x.to])].map((y): [JsonPathExpr, number] => [y, depth + i + 2]))
      }
    })
  }
}

const expr = (head: JsonPathHead, steps: readonly JsonPathStep[] = []): JsonPathExpr => ({ head, steps })

/** Recursive descent over the token list, one method per precedence level. */
class Parser {
  #i = 0
  readonly #tokens: readonly Token[]
  readonly #text: string

  constructor(text: string) {
    this.#text = text
    this.#tokens = tokenize(text)
  }

  parse(): JsonPath {
    let strict = false
    const first = this.#peek()
    if (first.t === 'word' && /^(strict|lax)$/i.test(first.v)) {
      strict = first.v.toLowerCase() === 'strict'
      this.#i++
    }
    if (this.#peek().t === 'end') throw this.#fail()
    const e = this.#or({ inFilter: false, inSubscript: false, depth: 0 })
    if (this.#peek().t !== 'end') throw this.#fail()
    return { strict, expr: e }
  }

  #peek(): Token {
    return this.#tokens[this.#i] as Token
  }

  #isOp(v: string): boolean {
    const t = this.#peek()
    return t.t === 'op' && t.v === v
  }

  #isWord(v: string, exactCase = false): boolean {
    const t = this.#peek()
    return t.t === 'word' && (exactCase ? t.v === v : t.v.toLowerCase() === v)
  }

  #expectOp(v: string): void {
    if (!this.#isOp(v)) throw this.#fail()
    this.#i++
  }

  #fail(): SqlError {
    const t = this.#peek()
    // PostgreSQL's scanner reports an unquoted word as the end of input (its token text is
    // consumed by then); the messages here follow.
    if (t.t === 'end' || t.t === 'word') return syntaxError(undefined)
    const next = this.#tokens[this.#i + 1] as Token
    return syntaxError(this.#text.slice(t.at, next.at).trimEnd() || this.#text.slice(t.at, t.at + 1))
  }

  #deeper(s: Scope, change: Partial<Scope> = {}): Scope {
    if (s.depth >= JSONPATH_DEPTH_MAX) throw tooDeep()
    return { ...s, ...change, depth: s.depth + 1 }
  }

  #predicate(e: JsonPathExpr): JsonPathExpr {
    if (!isPredicate(e)) throw this.#fail()
    return e
  }

  #value(e: JsonPathExpr): JsonPathExpr {
    if (isPredicate(e)) throw this.#fail()
    return e
  }

  #or(s: Scope): JsonPathExpr {
    let left = this.#and(s)
    while (this.#isOp('||')) {
      this.#predicate(left)
      this.#i++
      left = expr({ kind: 'or', left, right: this.#predicate(this.#and(s)) })
    }
    return left
  }

  #and(s: Scope): JsonPathExpr {
    let left = this.#comparison(s)
    while (this.#isOp('&&')) {
      this.#predicate(left)
      this.#i++
      left = expr({ kind: 'and', left, right: this.#predicate(this.#comparison(s)) })
    }
    return left
  }

  #comparison(s: Scope): JsonPathExpr {
    const left = this.#additive(s)
    const t = this.#peek()
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.#value(left)
      this.#i++
      return expr({ kind: 'compare', op: t.v as CompareOp, left, right: this.#value(this.#additive(s)) })
    }
    if (this.#isWord('starts')) {
      this.#value(left)
      this.#i++
      if (!this.#isWord('with')) throw this.#fail()
      this.#i++
      const r = this.#peek()
      if (r.t !== 'string' && r.t !== 'variable') throw this.#fail()
      this.#i++
      const right = r.t === 'string' ? expr({ kind: 'string', value: r.v }) : expr({ kind: 'variable', name: r.v })
      return expr({ kind: 'startsWith', left, right })
    }
    if (this.#isWord('like_regex')) return this.#likeRegex(this.#value(left))
    return left
  }

  #likeRegex(arg: JsonPathExpr): JsonPathExpr {
    this.#i++
    const p = this.#peek()
    if (p.t !== 'string') throw this.#fail()
    this.#i++
    let flags = ''
    if (this.#isWord('flag')) {
      this.#i++
      const f = this.#peek()
      if (f.t !== 'string') throw this.#fail()
      this.#i++
      flags = regexFlags(f.v)
    }
    return expr({ kind: 'likeRegex', arg, pattern: p.v, flags })
  }

  #additive(s: Scope): JsonPathExpr {
    let left = this.#multiplicative(s)
    for (let t = this.#peek(); t.t === 'op' && (t.v === '+' || t.v === '-'); t = this.#peek()) {
      this.#value(left)
      this.#i++
      left = expr({ kind: 'arith', op: t.v, left, right: this.#value(this.#multiplicative(s)) })
    }
    return left
  }

  #multiplicative(s: Scope): JsonPathExpr {
    let left = this.#unary(s)
    for (let t = this.#peek(); t.t === 'op' && (t.v === '*' || t.v === '/' || t.v === '%'); t = this.#peek()) {
      this.#value(left)
      this.#i++
      left = expr({ kind: 'arith', op: t.v, left, right: this.#value(this.#unary(s)) })
    }
    return left
  }

  /** Unary plus and minus; a minus on a number literal folds into a negative literal, and a plus
   * on one disappears, as PostgreSQL's makeItemUnary does. */
  #unary(s: Scope): JsonPathExpr {
    const t = this.#peek()
    if (t.t === 'op' && (t.v === '+' || t.v === '-')) {
      this.#i++
      const arg = this.#value(this.#unary(this.#deeper(s)))
      if (arg.head.kind === 'numeric' && arg.steps.length === 0) {
        return t.v === '+' ? arg : expr({ kind: 'numeric', value: arg.head.value.neg() })
      }
      return expr({ kind: 'unary', op: t.v, arg })
    }
    if (t.t === 'op' && t.v === '!') {
      this.#i++
      if (this.#isWord('exists')) return expr({ kind: 'not', arg: this.#exists(s) })
      this.#expectOp('(')
      const arg = this.#predicate(this.#or(this.#deeper(s)))
      this.#expectOp(')')
      return expr({ kind: 'not', arg })
    }
    return this.#accessorExpr(s)
  }

  #exists(s: Scope): JsonPathExpr {
    this.#i++
    this.#expectOp('(')
    const arg = this.#value(this.#or(this.#deeper(s)))
    this.#expectOp(')')
    return expr({ kind: 'exists', arg })
  }

  #accessorExpr(s: Scope): JsonPathExpr {
    const t = this.#peek()
    if (t.t === 'op' && t.v === '(') {
      this.#i++
      const inner = this.#or(this.#deeper(s))
      this.#expectOp(')')
      if (isPredicate(inner) && this.#isWord('is')) {
        this.#i++
        if (!this.#isWord('unknown')) throw this.#fail()
        this.#i++
        return expr({ kind: 'isUnknown', arg: inner })
      }
      const steps = this.#steps(s)
      return steps.length === 0 ? inner : expr(inner.head, [...inner.steps, ...steps])
    }
    if (this.#isWord('exists')) return this.#exists(s)
    const head = this.#primary(s)
    return expr(head, this.#steps(s))
  }

  #primary(s: Scope): JsonPathHead {
    const t = this.#peek()
    this.#i++
    switch (t.t) {
      case 'string':
        return { kind: 'string', value: t.v }
      case 'number':
        return { kind: 'numeric', value: t.v }
      case 'variable':
        return { kind: 'variable', name: t.v }
      case 'op':
        if (t.v === '$') return { kind: 'root' }
        if (t.v === '@') {
          if (!s.inFilter) throw new SqlError('42601', '@ is not allowed in root expressions')
          return { kind: 'current' }
        }
        break
      case 'word':
        if (t.v === 'null') return { kind: 'null' }
        if (t.v === 'true' || t.v === 'false') return { kind: 'bool', value: t.v === 'true' }
        if (t.v.toLowerCase() === 'last') {
          if (!s.inSubscript) throw new SqlError('42601', 'LAST is allowed only in array subscripts')
          return { kind: 'last' }
        }
        break
      case 'end':
        break
      default:
        assertNever(t)
    }
    this.#i--
    throw this.#fail()
  }

  #steps(s: Scope): JsonPathStep[] {
    const steps: JsonPathStep[] = []
    for (;;) {
      if (this.#isOp('.')) {
        this.#i++
        steps.push(this.#dotStep())
      } else if (this.#isOp('[')) {
        this.#i++
        steps.push(this.#arrayStep(this.#deeper(s)))
      } else if (this.#isOp('?')) {
        this.#i++
        this.#expectOp('(')
        const predicate = this.#predicate(this.#or(this.#deeper(s, { inFilter: true })))
        this.#expectOp(')')
        steps.push({ kind: 'filter', predicate })
      } else {
        return steps
      }
    }
  }

  #dotStep(): JsonPathStep {
    const t = this.#peek()
    if (t.t === 'op' && t.v === '*') {
      this.#i++
      return { kind: 'anyKey' }
    }
    if (t.t === 'op' && t.v === '**') {
      this.#i++
      return this.#anyBounds()
    }
    if (t.t === 'string') {
      this.#i++
      return { kind: 'key', name: t.v }
    }
    if (t.t !== 'word') throw this.#fail()
    this.#i++
    const name = t.v.toLowerCase()
    if (this.#isOp('(') && (METHODS as readonly string[]).includes(name)) {
      this.#i++
      return { kind: 'method', name: name as MethodName, args: this.#methodArgs(name as MethodName) }
    }
    return { kind: 'key', name: t.v }
  }

  /** The arguments of an item method after its '(' up to and including the ')': a template
   * string for .datetime(), an unsigned integer precision for .time(), .time_tz(), .timestamp()
   * and .timestamp_tz(), signed integer precision and scale for .decimal(), none for the rest. */
  #methodArgs(name: MethodName): (Decimal | string)[] {
    const args: (Decimal | string)[] = []
    const kind = METHOD_ARGS[name]
    const max = kind === 'signed' ? 2 : kind === 'none' ? 0 : 1
    while (!this.#isOp(')') && args.length < max) {
      if (args.length > 0) this.#expectOp(',')
      args.push(this.#methodArg(kind))
    }
    this.#expectOp(')')
    return args
  }

  #methodArg(kind: MethodArgs): Decimal | string {
    let negative = false
    if (kind === 'signed' && (this.#isOp('-') || this.#isOp('+'))) {
      negative = this.#isOp('-')
      this.#i++
    }
    const t = this.#peek()
    if (kind === 'template' ? t.t !== 'string' : t.t !== 'number' || !t.integer) throw this.#fail()
    this.#i++
    return t.t === 'number' ? (negative ? t.v.neg() : t.v) : (t as { v: string }).v
  }

  #anyBounds(): JsonPathStep {
    if (!this.#isOp('{')) return { kind: 'any', first: 0, last: ANY_LAST }
    this.#i++
    const first = this.#anyLevel()
    let last = first
    if (this.#isWord('to')) {
      this.#i++
      last = this.#anyLevel()
    }
    this.#expectOp('}')
    return { kind: 'any', first, last }
  }

  #anyLevel(): number {
    const t = this.#peek()
    if (t.t === 'word' && t.v.toLowerCase() === 'last') {
      this.#i++
      return ANY_LAST
    }
    const n = t.t === 'number' && t.integer ? t.v.toBigInt() : undefined
    if (n === undefined || n >= BigInt(ANY_LAST)) throw this.#fail()
    this.#i++
    return Number(n)
  }

  #arrayStep(s: Scope): JsonPathStep {
    if (this.#isOp('*')) {
      this.#i++
      this.#expectOp(']')
      return { kind: 'anyArray' }
    }
    const inner = { ...s, inSubscript: true }
    const subscripts: { from: JsonPathExpr; to?: JsonPathExpr }[] = []
    for (;;) {
      const from = this.#value(this.#or(inner))
      if (this.#isWord('to')) {
        this.#i++
        subscripts.push({ from, to: this.#value(this.#or(inner)) })
      } else {
        subscripts.push({ from })
      }
      if (this.#isOp(']')) break
      this.#expectOp(',')
    }
    this.#i++
    return { kind: 'index', subscripts }
  }
}

/** like_regex's flag string in PostgreSQL's order; 42601 for a flag it does not know. The 'x'
 * flag is 0A000 as PostgreSQL's. */
function regexFlags(text: string): string {
  for (const c of text) {
    if (!REGEX_FLAGS.includes(c)) {
      throw new SqlError('42601', 'invalid input syntax for type jsonpath', { detail: `Unrecognized flag character "${c}" in LIKE_REGEX predicate.` })
    }
  }
  if (text.includes('x')) throw new SqlError('0A000', 'XQuery "x" flag (expanded regular expressions) is not implemented')
  return [...REGEX_FLAGS].filter((c) => text.includes(c)).join('')
}

/** jsonpath input: the parsed path. 22P02 for empty input, 42601 for syntax errors, 54001 for
 * nesting deeper than JSONPATH_DEPTH_MAX. like_regex patterns are checked by the caller
 * (parseJsonPathText), which can reach the regex engine. */
export function parseJsonPath(text: string): JsonPath {
  if (text.trim() === '') throw new SqlError('22P02', `invalid input syntax for type jsonpath: "${text}"`)
  const path = new Parser(text).parse()
  checkDepth(path.expr)
  // PostgreSQL compiles like_regex patterns on input: a bad one is 2201B when the path is read.
  for (const r of regexesOf(path)) parseRegex(r.pattern, posixFlags(r.flags), false)
  return path
}

/** The posix-regex flags of like_regex's XQuery flags (PostgreSQL's jspConvertRegexFlags): by
 * default '.' and bracket expressions stop at newlines ('p'); 's' lets them cross; 'm' makes ^ and
 * $ match at newlines; 'q' quotes the whole pattern. */
export function posixFlags(flags: string): string {
  const icase = flags.includes('i') ? 'i' : ''
  if (flags.includes('q')) return `q${icase}`
  const dotAll = flags.includes('s')
  const multiLine = flags.includes('m')
  return icase + (dotAll ? (multiLine ? 'w' : '') : multiLine ? 'n' : 'p')
}

/** jsonpath's input function: the canonical text of `text`. */
export function canonicalJsonPath(text: string): string {
  return formatJsonPath(parseJsonPath(text))
}

/** Operator precedence for printing (PostgreSQL's operationPriority). */
function priority(h: JsonPathHead): number {
  switch (h.kind) {
    case 'or':
      return 0
    case 'and':
      return 1
    case 'compare':
    case 'startsWith':
      return 2
    case 'arith':
      return h.op === '+' || h.op === '-' ? 3 : 4
    case 'unary':
      return 5
    default:
      return 6
  }
}

const quote = (s: string) => JSON.stringify(s)

/** PostgreSQL's canonical text of a path (jsonpath_out). */
export function formatJsonPath(p: JsonPath): string {
  return `${p.strict ? 'strict ' : ''}${formatExpr(p.expr, true)}`
}

function formatExpr(e: JsonPathExpr, brackets: boolean): string {
  return formatHead(e.head, brackets, e.steps.length > 0) + e.steps.map(formatStep).join('')
}

function operand(e: JsonPathExpr, parent: JsonPathHead): string {
  return formatExpr(e, priority(e.head) <= priority(parent))
}

function formatHead(h: JsonPathHead, brackets: boolean, hasNext: boolean): string {
  const wrap = (s: string) => (brackets ? `(${s})` : s)
  switch (h.kind) {
    case 'root':
      return '$'
    case 'current':
      return '@'
    case 'last':
      return 'last'
    case 'variable':
      return `$${quote(h.name)}`
    case 'null':
      return 'null'
    case 'bool':
      return String(h.value)
    case 'numeric':
      return hasNext ? `(${h.value.toString()})` : h.value.toString()
    case 'string':
      return quote(h.value)
    case 'arith':
    case 'compare':
      return wrap(`${operand(h.left, h)} ${h.op} ${operand(h.right, h)}`)
    case 'and':
    case 'or':
      return wrap(`${operand(h.left, h)} ${h.kind === 'and' ? '&&' : '||'} ${operand(h.right, h)}`)
    case 'startsWith':
      return wrap(`${operand(h.left, h)} starts with ${operand(h.right, h)}`)
    case 'unary':
      return wrap(`${h.op}${operand(h.arg, h)}`)
    case 'not':
      return `!(${formatExpr(h.arg, false)})`
    case 'isUnknown':
      return `(${formatExpr(h.arg, false)}) is unknown`
    case 'exists':
      return `exists (${formatExpr(h.arg, false)})`
    case 'likeRegex':
      return wrap(`${operand(h.arg, h)} like_regex ${quote(h.pattern)}${h.flags === '' ? '' : ` flag ${quote(h.flags)}`}`)
    default:
      return assertNever(h)
  }
}

function formatStep(s: JsonPathStep): string {
  switch (s.kind) {
    case 'key':
      return `.${quote(s.name)}`
    case 'anyKey':
      return '.*'
    case 'anyArray':
      return '[*]'
    case 'index':
      return `[${s.subscripts.map((x) => formatExpr(x.from, false) + (x.to === undefined ? '' : ` to ${formatExpr(x.to, false)}`)).join(',')}]`
    case 'any': {
      const level = (n: number) => (n === ANY_LAST ? 'last' : String(n))
      if (s.first === 0 && s.last === ANY_LAST) return '.**'
      return s.first === s.last ? `.**{${level(s.first)}}` : `.**{${level(s.first)} to ${level(s.last)}}`
    }
    case 'filter':
      return `?(${formatExpr(s.predicate, false)})`
    case 'method':
      return `.${s.name}(${s.args.map((a) => (typeof a === 'string' ? quote(a) : a.toString())).join(',')})`
    default:
      return assertNever(s)
  }
}

/** Every like_regex of the path, so input can check their patterns as PostgreSQL does. */
export function regexesOf(p: JsonPath): { pattern: string; flags: string }[] {
  const out: { pattern: string; flags: string }[] = []
  const visit = (e: JsonPathExpr): void => {
    const h = e.head
    if (h.kind === 'likeRegex') out.push({ pattern: h.pattern, flags: h.flags })
    if ('left' in h) {
      visit(h.left)
      visit(h.right)
    }
    if ('arg' in h) visit(h.arg)
    for (const s of e.steps) {
      if (s.kind === 'filter') visit(s.predicate)
      if (s.kind === 'index') for (const x of s.subscripts) [x.from, ...(x.to === undefined ? [] : [x.to])].forEach(visit)
    }
  }
  visit(p.expr)
  return out
}

/** Parsed paths by canonical text, least recently used first. */
const cache = new Map<string, JsonPath>()
const CACHE_ENTRIES = 256

/** The tree of a canonical path text (a jsonpath datum), parsed once per distinct text. */
export function parseJsonPathCached(text: string): JsonPath {
  let p = cache.get(text)
  if (p === undefined) {
    p = parseJsonPath(text)
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
  } else {
    cache.delete(text)
  }
  cache.set(text, p)
  return p
}
