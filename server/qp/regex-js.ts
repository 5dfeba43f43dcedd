// The fast path for PostgreSQL's regular expressions (ARCHITECTURE.md "query processor":
// evaluate): a pattern with no quantifier cannot make a backtracking engine loop, so it runs on
// JavaScript's own RegExp, ten times faster per call than re2js ('~ ^abc', '\yword\y',
// '^\d\d\d-\d\d\d\d$'). Its work is bounded by the ways the pattern can match at one position (the
// product of its alternations' widths, kept under REGEX_JS_PATHS_MAX) times its length, at each
// position of the text: linear in the text, whatever the text.
import { AssertionError } from '../errors/index.ts'
import { REGEX_JS_PATHS_MAX } from './constants.ts'
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

/** The pattern as a global JavaScript RegExp when it has no quantifier and at most
 * REGEX_JS_PATHS_MAX ways to match at one position; undefined otherwise. */
export function compileJs(parsed: ParsedRegex): RegExp | undefined {
  const paths = pathsOf(parsed.root)
  if (!(paths <= REGEX_JS_PATHS_MAX)) return undefined
  try {
    return new RegExp(jsSource(parsed.root), parsed.options.icase ? 'vgi' : 'vg')
  } catch {
    return undefined
  }
}

/** The ways a backtracking engine can try to match `n` at one position (Infinity with a
 * quantifier). A constraint is tried once, and its body's ways must be bounded too. */
function pathsOf(n: RegexNode): number {
  switch (n.kind) {
    case 'empty':
    case 'char':
    case 'set':
    case 'assert':
    case 'backref':
      return 1
    case 'seq':
      return n.items.reduce((p, item) => p * pathsOf(item), 1)
    case 'alt':
      return n.items.reduce((p, item) => p + pathsOf(item), 0)
    case 'group':
      return pathsOf(n.body)
    case 'look':
      return pathsOf(n.body) <= REGEX_JS_PATHS_MAX ? 1 : Infinity
    case 'repeat':
      return Infinity
  }
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
    case 'repeat':
      throw new AssertionError('compileJs takes no quantifier')
  }
}
