// The linear-time engine for PostgreSQL's regular expressions (ARCHITECTURE.md "query processor":
// evaluate): a parsed pattern as RE2 syntax for re2js (a JavaScript port of RE2: a lazy DFA and a
// Pike VM, time linear in the subject times the pattern's size, whatever the pattern). RE2 has no
// lookahead, back references or Unicode word boundaries; patterns with those run on
// regex-backtrack.ts instead.
import { RE2JS } from 're2js'
import { setRanges } from './regex-charset.ts'
import type { CharSet, ParsedRegex, RegexNode } from './regex-syntax.ts'

/** What RE2 cannot express. */
const UNSUPPORTED = Symbol('unsupported')

/** The pattern compiled by re2js (in leftmost-longest mode when `longest`), or undefined when RE2 cannot run it: a lookahead, a back
 * reference, a word constraint, or beyond RE2's own limits (a repetition count over 1000 once
 * nested bounds multiply, nesting over 1000 deep). */
export function compileRe2(parsed: ParsedRegex, longest = false): RE2JS | undefined {
  let lookbehind = false
  const emit = (n: RegexNode): string => {
    switch (n.kind) {
      case 'empty':
        return '(?:)'
      case 'char':
        return re2Char(n.cp)
      case 'set':
        return re2Set(n.set)
      case 'seq':
        return n.items.map(emit).join('')
      case 'alt':
        return `(?:${n.items.map(emit).join('|')})`
      case 'group':
        return n.capture === undefined ? `(?:${emit(n.body)})` : `(${emit(n.body)})`
      case 'repeat':
        return `(?:${emit(n.body)})${quantifier(n.min, n.max)}${n.greedy ? '' : '?'}`
      case 'look':
        if (!n.behind) throw UNSUPPORTED
        lookbehind = true
        return `(?<${n.negated ? '!' : '='}${emit(n.body)})`
      case 'backref':
        throw UNSUPPORTED
      case 'assert':
        if (n.what === 'textStart') return '\\A'
        if (n.what === 'textEnd') return '\\z'
        if (n.what === 'lineStart') return '(?m:^)'
        if (n.what === 'lineEnd') return '(?m:$)'
        throw UNSUPPORTED
    }
  }
  let source: string
  try {
    source = emit(parsed.root)
  } catch (e) {
    if (e === UNSUPPORTED) return undefined
    throw e
  }
  // No CASE_INSENSITIVE: the parser has applied 'i' to the pattern's characters (RE2 would fold
  // the text's too, where PostgreSQL does not).
  // LONGEST_MATCH: the leftmost match's longest end (PostgreSQL's for a greedy RE), its captures
  // those of the first way in leftmost-first order that ends there.
  const flags = (lookbehind ? RE2JS.LOOKBEHINDS : 0) | (longest ? RE2JS.LONGEST_MATCH : 0)
  try {
    return RE2JS.compile(source, flags)
  } catch (e) {
    // Out of stack is the caller's to handle (see posix-regex.ts): not a property of the pattern.
    if (e instanceof RangeError) throw e
    // Our parser accepted the pattern, so this is one of RE2's size limits: the backtracking
    // engine runs it, within its step budget.
    return undefined
  }
}

function quantifier(min: number, max: number): string {
  if (max === Infinity) return min === 0 ? '*' : min === 1 ? '+' : `{${min},}`
  return min === max ? `{${min}}` : `{${min},${max}}`
}

function re2Char(cp: number): string {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)
    ? String.fromCodePoint(cp)
    : `\\x{${cp.toString(16)}}`
}

function re2Set(set: CharSet): string {
  const r = setRanges(set)
  if (r.length === 0) return set.negated ? '[\\x{0}-\\x{10ffff}]' : '[^\\x{0}-\\x{10ffff}]'
  let body = ''
  for (let i = 0; i < r.length; i += 2) {
    const [lo, hi] = [r[i] as number, r[i + 1] as number]
    body += lo === hi ? re2Char(lo) : `${re2Char(lo)}-${re2Char(hi)}`
  }
  return `[${set.negated ? '^' : ''}${body}]`
}

/** Whether RE2's match or captures can differ from a backtracking engine's (JavaScript's, and
 * PostgreSQL's, which agree here) at the same start (in leftmost-longest mode, or given the end,
 * its captures only):
 * - a capturing group inside a repetition that some iteration can pass without setting: a
 *   backtracking engine forgets the captures of earlier iterations (regexp_match('ab',
 *   '(?:(a)|b)+') is {NULL}), RE2 keeps them ({a});
 * - a repetition whose body can match the empty string: a backtracking engine refuses an empty
 *   optional iteration and tries the next alternative (regexp_match('a', '(?:|a)*') is {a}), RE2
 *   takes it ('').
 */
export function re2MayDiffer(root: RegexNode): boolean {
  let differ = false
  /** Whether `n` can match the empty string, the captures set whenever it matches, all of its
   * captures. */
  const visit = (n: RegexNode): { empty: boolean; always: Set<number>; all: Set<number> } => {
    switch (n.kind) {
      case 'empty':
      case 'assert':
      case 'look':
        return { empty: true, always: new Set(), all: new Set() }
      case 'char':
      case 'set':
        return { empty: false, always: new Set(), all: new Set() }
      case 'backref':
        return { empty: true, always: new Set(), all: new Set() }
      case 'seq':
      case 'alt': {
        const parts = n.items.map(visit)
        const all = new Set(parts.flatMap((p) => [...p.all]))
        if (n.kind === 'seq') {
          return { empty: parts.every((p) => p.empty), always: new Set(parts.flatMap((p) => [...p.always])), all }
        }
        const always = [...(parts[0]?.always ?? [])].filter((g) => parts.every((p) => p.always.has(g)))
        return { empty: parts.some((p) => p.empty), always: new Set(always), all }
      }
      case 'group': {
        const body = visit(n.body)
        if (n.capture !== undefined) {
          body.always.add(n.capture)
          body.all.add(n.capture)
        }
        return body
      }
      case 'repeat': {
        const body = visit(n.body)
        if (n.max > 1 && [...body.all].some((g) => !body.always.has(g))) differ = true
        if (n.max > n.min && body.empty) differ = true
        return { empty: body.empty || n.min === 0, always: n.min > 0 ? body.always : new Set(), all: body.all }
      }
    }
  }
  visit(root)
  return differ
}
