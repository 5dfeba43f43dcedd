// Parsing (ARCHITECTURE.md "query processor"): PostgreSQL's own grammar through libpg_query, with a
// bounded cache of parse trees per SQL string, and extraction of expression source text for DDL.
import { hasSqlDetails, loadModule, parseSync, scanSync, type Node } from 'libpg-query'
import { assert, SqlError, syntaxError } from '../errors/index.ts'
import { PARSE_CACHE_ENTRIES } from './constants.ts'
import { checkEncoding } from './types/index.ts'

/** One parsed statement: its tree, the highest `$n` it references, and its text. */
export interface ParsedStatement {
  readonly stmt: Node
  readonly paramCount: number
  readonly sql: string
}

let loading: Promise<void> | undefined
let loaded = false

/** Loads the WebAssembly parser once per process. */
export async function loadParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true
  })
  await loading
}

/** Whether loadParser() has resolved (begin then skips a promise hop). */
export const parserLoaded = (): boolean => loaded

/** A bounded LRU of parse trees: parsing costs microseconds, the map lookup nanoseconds. */
export class ParseCache {
  readonly #entries = new Map<string, ParsedStatement>()
  readonly #max: number

  constructor(max = PARSE_CACHE_ENTRIES) {
    this.#max = max
  }

  /** Parses exactly one statement. 42601 on a syntax error, on none or on several statements. */
  statement(sql: string): ParsedStatement {
    const hit = this.#entries.get(sql)
    if (hit !== undefined) {
      this.#entries.delete(sql)
      this.#entries.set(sql, hit)
      return hit
    }
    const parsed = parseOne(sql)
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    this.#entries.set(sql, parsed)
    return parsed
  }

  /** Parses a stored expression (a DEFAULT or CHECK source text) as `SELECT (text)`. */
  expression(text: string): Node {
    const parsed = this.statement(`SELECT (${text})`)
    const stmt = parsed.stmt
    assert('SelectStmt' in stmt, 'expression wrapper parses as SELECT')
    const target = stmt.SelectStmt.targetList?.[0]
    assert(target !== undefined && 'ResTarget' in target, 'expression wrapper has a target')
    const val = target.ResTarget.val
    assert(val !== undefined, 'expression wrapper has a value')
    return val
  }
}

/** A replacement of the bytes [start, end) of a text. */
export interface ByteEdit {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** The text between UTF-8 byte offsets `start` and `end` of `text`: the offsets libpg_query's
 * scanner and parse trees give count bytes, not the UTF-16 units String.slice counts. */
export function sliceBytes(text: string, start: number, end?: number): string {
  return new TextDecoder().decode(new TextEncoder().encode(text).subarray(start, end))
}

/** `text` with each byte range of `edits` (not overlapping) replaced by its text. */
export function replaceBytes(text: string, edits: readonly ByteEdit[]): string {
  const bytes = new TextEncoder().encode(text)
  const decoder = new TextDecoder()
  let out = ''
  let at = 0
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    out += decoder.decode(bytes.subarray(at, edit.start)) + edit.text
    at = edit.end
  }
  return out + decoder.decode(bytes.subarray(at))
}

/**
 * The 1-based character position PostgreSQL reports for byte offset `location` of `sql`: parse
 * tree locations count UTF-8 bytes, positions count characters (code points). The grammar's own
 * syntax errors arrive in characters already.
 */
export function characterPosition(sql: string, location: number): number {
  let bytes = 0
  let chars = 0
  for (const ch of sql) {
    if (bytes >= location) break
    const cp = ch.codePointAt(0) as number
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    chars++
  }
  return chars + 1 + Math.max(0, location - bytes)
}

/** Frame errors of PostgreSQL's grammar ("frame starting from current row cannot have preceding
 * rows", "frame end cannot be UNBOUNDED PRECEDING", ...). */
const WINDOW_FRAME_ERROR = /^frame (start|end|starting from) /

/** The grammar's message for an escape (E'\\x00') spelling bytes that are not UTF-8 text. */
const ENCODING_ERROR = /^invalid byte sequence for encoding /

function parseOne(sql: string): ParsedStatement {
  assert(loaded, 'loadParser() must resolve before parsing')
  // The grammar reads a C string: it would stop at U+0000 and run the text before it, and it
  // would read a lone surrogate as U+FFFD. PostgreSQL never sees such text: it is not UTF-8.
  checkEncoding(sql)
  let stmts
  try {
    stmts = parseSync(sql).stmts ?? []
  } catch (e) {
    if (hasSqlDetails(e) && e.sqlDetails !== undefined) {
      const position = e.sqlDetails.cursorPosition >= 0 ? e.sqlDetails.cursorPosition + 1 : undefined
      const message = e.sqlDetails.message || e.message
      // The grammar raises these with PostgreSQL's windowing and encoding error codes, which
      // libpg_query drops.
      const code = WINDOW_FRAME_ERROR.test(message) ? '42P20' : ENCODING_ERROR.test(message) ? '22021' : '42601'
      throw new SqlError(code, message, { position, cause: e })
    }
    // Text nested past the JS stack (50,000 `1+` in a row) overflows while the tree is built:
    // PostgreSQL's answer to nesting beyond its stack.
    if (e instanceof RangeError) throw new SqlError('54001', 'stack depth limit exceeded', { cause: e })
    throw syntaxError(e instanceof Error ? e.message : String(e))
  }
  if (stmts.length === 0) throw syntaxError('empty query: exactly one statement is required')
  if (stmts.length > 1) throw syntaxError('cannot insert multiple commands into a prepared statement')
  const stmt = stmts[0]?.stmt
  assert(stmt !== undefined, 'parsed statement has a tree')
  // A `$n` is written with a dollar sign: without one the tree needs no walk.
  return { stmt, paramCount: sql.includes('$') ? maxParam(stmt) : 0, sql }
}

/** The highest `$n` anywhere in the tree (a generic walk: parse trees are plain JSON, so `for in`
 * sees exactly their fields, without the array Object.entries makes per node). */
function maxParam(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0
  let max = 0
  if (Array.isArray(node)) {
    for (const n of node) max = Math.max(max, maxParam(n))
    return max
  }
  const fields = node as Record<string, unknown>
  for (const key in fields) {
    const value = fields[key]
    if (key === 'ParamRef') max = Math.max(max, (value as { number?: number }).number ?? 0)
    else max = Math.max(max, maxParam(value))
  }
  return max
}

const DEFAULT_STOP_WORDS = new Set([
  'NOT', 'NULL', 'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'REFERENCES', 'DEFAULT', 'COLLATE',
  'GENERATED',
])

/** The source text of the parenthesised expression after the keyword at `location` (CHECK). */
export function checkSourceText(sql: string, location: number): string {
  const tokens = scanSync(sql).tokens.filter((t) => t.start >= location)
  const open = tokens.findIndex((t) => t.text === '(')
  assert(open >= 0, 'CHECK is followed by a parenthesis')
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]
    assert(t !== undefined, 'token index in range')
    if (t.text === '(') depth++
    if (t.text === ')' && --depth === 0) return sliceBytes(sql, tokens[open]!.end, t.start).trim()
  }
  throw syntaxError('unbalanced parentheses in CHECK', characterPosition(sql, location))
}

/** The source text of the expression after the DEFAULT keyword at `location`. */
export function defaultSourceText(sql: string, location: number): string {
  const tokens = scanSync(sql).tokens.filter((t) => t.start > location)
  let depth = 0
  let end: number | undefined
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    assert(t !== undefined, 'token index in range')
    // Brackets nest too: the commas of ARRAY[1, 2] are inside the expression.
    if (t.text === '(' || t.text === '[') depth++
    else if ((t.text === ')' || t.text === ']') && depth-- === 0) end = t.start
    else if (depth === 0 && t.text === ',') end = t.start
    else if (depth === 0 && i > 0 && DEFAULT_STOP_WORDS.has(t.text.toUpperCase())) end = t.start
    if (end !== undefined) break
  }
  const first = tokens[0]
  assert(first !== undefined, 'DEFAULT is followed by an expression')
  return sliceBytes(sql, first.start, end).trim()
}
