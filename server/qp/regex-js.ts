// The fast path for PostgreSQL's regular expressions (ARCHITECTURE.md "query processor":
// evaluate): JavaScript's own RegExp, ten times faster per call than re2js, for the texts on which
// a backtracking engine's work on the pattern provably stays under REGEX_JS_WORK_MAX. The bound
// counts the ways the pattern can match at one position (alternations add, sequences multiply, a
// quantifier over one character tries at most one count per character of the text, a quantified
// group is unbounded) times the steps one way takes, at every position: '~ ^abc' and '\yword\y'
// on any text, '[0-9]+' up to about a hundred characters, longer texts on the other engines.
// A back reference runs here only where it means what it means in PostgreSQL: its group always
// set before it (JavaScript's matches the empty string after a group that took no part, where
// PostgreSQL's fails), and without 'i' (JavaScript folds case, PostgreSQL compares lowercase).
import { assert } from '../errors/index.ts'
import { REGEX_JS_WORK_MAX } from './constants.ts'
import { BUILT_TEXT_CHARS_MAX } from './types/value-limits.ts'
import { jsSetSource, WORD_SET } from './regex-charset.ts'
import type { ParsedRegex, RegexNode } from './regex-syntax.ts'

const WORD = jsSetSource(WORD_SET)
const WORD_START = `(?<!${WORD})(?=${WORD})`
const WORD_END = `(?<=${WORD})(?!${WORD})`
const ASSERTIONS: Readonly<Record<Extract<RegexNode, { kind: 'assert' }>['what'], string>> = {
  textStart: '^',
  textEnd: '$',
  lineStart: '(?<![^\\n])',
  lineEnd: '(?![^\\n])',
  wordStart: WORD_START,
  wordEnd: WORD_END,
  wordBoundary: `(?:${WORD_START}|${WORD_END})`,
  notWordBoundary: `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`,
}

/** The pattern as a global JavaScript RegExp, and the longest text it may run on; undefined when
 * a backtracking engine's work is unbounded whatever the text (a quantified group), or a back
 * reference would mean something else. */
export function compileJs(parsed: ParsedRegex): { readonly re: RegExp; readonly lengthMax: number } | undefined {
  const root = parsed.root
  if (!(workBound(root, 0) <= REGEX_JS_WORK_MAX)) return undefined
  if (!backrefsMeanTheSame(root, parsed.options.icase)) return undefined
  let re: RegExp
  try {
    // No 'i': the parser has applied it to the pattern's characters (JavaScript's would fold the
    // text's too, where PostgreSQL does not).
    re = new RegExp(jsSource(root), 'vg')
  } catch (e) {
    // Out of stack is this call's, not the pattern's (posix-regex.ts keeps what this returns).
    if (e instanceof RangeError) throw e
    return undefined
  }
  // The bound grows with the text's length: the longest within it, by bisection.
  let [lo, hi] = [0, BUILT_TEXT_CHARS_MAX]
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (workBound(root, mid) <= REGEX_JS_WORK_MAX) lo = mid
    else hi = mid - 1
  }
  return { re, lengthMax: lo }
}

/** Steps a backtracking engine may take on `root` over a text of `length` characters: at each
 * of length + 1 positions, each way of matching (see waysOf) takes at most a step per node and
 * a step per character for each scan of a quantifier or back reference. */
function workBound(root: RegexNode, length: number): number {
  const counts = { nodes: 0, scans: 0 }
  countNodes(root, counts)
  return (length + 1) * waysOf(root, length) * (counts.nodes + counts.scans * length)
}

function countNodes(n: RegexNode, counts: { nodes: number; scans: number }): void {
  counts.nodes++
  if (n.kind === 'repeat' || n.kind === 'backref') counts.scans++
  if (n.kind === 'seq' || n.kind === 'alt') for (const item of n.items) countNodes(item, counts)
  else if (n.kind === 'group' || n.kind === 'repeat' || n.kind === 'look') countNodes(n.body, counts)
}

/** The ways a backtracking engine can try to match `n` at one position of a text of `length`
 * characters (Infinity for a quantified group). A constraint's body counts as tried whole. */
function waysOf(n: RegexNode, length: number): number {
  switch (n.kind) {
    case 'empty':
    case 'char':
    case 'set':
    case 'assert':
    case 'backref':
      return 1
    case 'seq':
      return n.items.reduce((p, item) => p * waysOf(item, length), 1)
    case 'alt':
      return n.items.reduce((p, item) => p + waysOf(item, length), 0)
    case 'group':
    case 'look':
      return waysOf(n.body, length)
    case 'repeat':
      if (n.body.kind !== 'char' && n.body.kind !== 'set') return Infinity
      return Math.max(Math.min(n.max, length) - n.min + 1, 1)
  }
}

/** Whether every back reference's group is set whenever the reference is reached (and there are
 * none under 'i'): then JavaScript's back references match as PostgreSQL's. */
function backrefsMeanTheSame(root: RegexNode, icase: boolean): boolean {
  let same = true
  /** The groups set whenever `n` has matched, given those set before it (a conservative subset:
   * a false "unsafe" only sends the pattern to another engine). */
  const after = (n: RegexNode, before: ReadonlySet<number>): ReadonlySet<number> => {
    switch (n.kind) {
      case 'backref':
        if (icase || !before.has(n.group)) same = false
        return before
      case 'seq':
        return n.items.reduce((set, item) => after(item, set), before)
      case 'alt': {
        const ends = n.items.map((item) => after(item, before))
        return new Set([...(ends[0] ?? [])].filter((g) => ends.every((e) => e.has(g))))
      }
      case 'group': {
        const end = after(n.body, before)
        return n.capture === undefined ? end : new Set([...end, n.capture])
      }
      case 'repeat': {
        // Each iteration starts with the body's captures cleared (ECMA-262's RepeatMatcher).
        const inside = capturesOf(n.body)
        const kept = new Set([...before].filter((g) => !inside.has(g)))
        const end = after(n.body, kept)
        return n.min === 0 ? kept : new Set([...kept, ...end])
      }
      case 'look':
        after(n.body, before)
        return before
      default:
        return before
    }
  }
  after(root, new Set())
  return same
}

function capturesOf(n: RegexNode, out = new Set<number>()): Set<number> {
  if (n.kind === 'group' && n.capture !== undefined) out.add(n.capture)
  if (n.kind === 'seq' || n.kind === 'alt') for (const item of n.items) capturesOf(item, out)
  else if (n.kind === 'group' || n.kind === 'repeat' || n.kind === 'look') capturesOf(n.body, out)
  return out
}

function jsSource(n: RegexNode): string {
  switch (n.kind) {
    case 'empty':
      return '(?:)'
    case 'char':
      return jsSetSource({ negated: false, items: [{ kind: 'range', lo: n.cp, hi: n.cp }] })
    case 'set':
      return jsSetSource(n.set)
    case 'seq':
      return n.items.map(jsSource).join('')
    case 'alt':
      return `(?:${n.items.map(jsSource).join('|')})`
    case 'group':
      return n.capture === undefined ? `(?:${jsSource(n.body)})` : `(${jsSource(n.body)})`
    case 'look':
      return `(?${n.behind ? '<' : ''}${n.negated ? '!' : '='}${jsSource(n.body)})`
    case 'backref':
      return `(?:\\${n.group})`
    case 'assert':
      return ASSERTIONS[n.what]
    case 'repeat': {
      assert(n.body.kind === 'char' || n.body.kind === 'set', 'compileJs takes quantifiers of one character only')
      const max = n.max === Infinity ? '' : String(n.max)
      return `${jsSource(n.body)}{${n.min},${max}}${n.greedy ? '' : '?'}`
    }
  }
}
