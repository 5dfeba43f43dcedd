// Clock words in stored expressions (ARCHITECTURE.md "query processor": DDL). PostgreSQL turns an
// untyped literal such as 'today' or 'now' into a constant when it transforms a DEFAULT, CHECK,
// generation expression or view, so what it stores holds the creating transaction's date or time
// and never moves with the clock (a CHECK (d >= 'today') keeps the day it was created). Tessera
// stores source text and binds it where used: this replaces such literals in the text, at the
// parser's byte offsets, by the values they had when the DDL ran. A text-typed one
// ('today'::text::date) is a runtime cast in PostgreSQL too, and stays as written.
import type { Node } from 'libpg-query'
import { scanSync } from 'libpg-query'
import type { Binder } from './binder.ts'
import { castDatum } from './expr.ts'
import { replaceBytes, type ByteEdit, type ParseCache } from './parser.ts'
import { baseType, formatText, inputReadsClock, typesEqual, type SqlType } from './types/index.ts'

/** ParseCache.expression parses a stored expression as `SELECT (text)`: locations in its tree
 * are offsets in that wrapper. */
const WRAPPER_PREFIX = 'SELECT ('

/** A literal the binder left as a cast because it names the clock: where, and to what type. */
interface ClockLiteral {
  readonly location: number
  readonly text: string
  readonly type: SqlType
}

/** What folding needs: the parse cache and the creating transaction's time. */
export interface ClockFoldEnv {
  readonly parse: ParseCache
  readonly nowUs: bigint
}

/**
 * Runs `bind` (which binds with `binder`) while noting the clock-word literals of the text being
 * bound (not of views it reads: from.ts binds those without the watch), then the edits that
 * replace each in `sql` by its value at `nowUs`, written as a quoted literal. `offset` is where
 * the stored text starts in `sql`, in bytes; the edits index the stored text.
 */
export function clockLiteralEdits(
  binder: Binder,
  sql: string,
  offset: number,
  nowUs: bigint,
  bind: () => void,
): ByteEdit[] {
  const literals: ClockLiteral[] = []
  const previous = binder.watch
  binder.watch = { clockLiteral: (location, text, type) => literals.push({ location, text, type }) }
  try {
    bind()
  } finally {
    binder.watch = previous
  }
  if (literals.length === 0) return []
  // A literal coerced twice to different types (BETWEEN SYMMETRIC binds its operands twice) has
  // no one value to take: it stays a runtime cast.
  const byLocation = new Map<number, ClockLiteral | null>()
  for (const l of literals) {
    const seen = byLocation.get(l.location)
    byLocation.set(l.location, seen === undefined ? l : seen !== null && typesEqual(seen.type, l.type) ? seen : null)
  }
  const ends = new Map(scanSync(sql).tokens.map((t) => [t.start, t.end]))
  const edits: ByteEdit[] = []
  for (const [location, literal] of byLocation) {
    const end = ends.get(location)
    if (literal === null || end === undefined || location < offset) continue
    // As PostgreSQL's constant, without the typmod: timestamp(0) DEFAULT 'now' stores the full
    // time, which the column's typmod rounds on every insert.
    const type = baseType(literal.type)
    const value = castDatum(literal.text, { kind: 'unknown' }, type, 'explicit', nowUs)
    const text = value === null ? 'NULL' : `'${formatText(value, type).replaceAll("'", "''")}'`
    edits.push({ start: location - offset, end: end - offset, text })
  }
  return edits
}

/** A stored expression's text (a DEFAULT, CHECK or generation expression) bound by `bind`, with
 * its clock-word literals replaced by their values at `env.nowUs`. */
export function foldClockLiterals(
  env: ClockFoldEnv,
  binder: Binder,
  text: string,
  bind: (node: Node) => void,
): string {
  const node = env.parse.expression(text)
  // Most expressions name no clock word: bind them as they are.
  if (!inputReadsClock(text)) {
    bind(node)
    return text
  }
  const wrapper = `${WRAPPER_PREFIX}${text})`
  const edits = clockLiteralEdits(binder, wrapper, WRAPPER_PREFIX.length, env.nowUs, () => bind(node))
  return edits.length === 0 ? text : replaceBytes(text, edits)
}
