// The backtracking engine for PostgreSQL's regular expressions (ARCHITECTURE.md "query processor":
// evaluate), for what RE2 cannot express: lookahead constraints, back references, word constraints
// (\m \M \y \Y), and captures inside repetitions, where a leftmost-first match is PostgreSQL's
// (regex-syntax.ts's firstMatchIsPostgres; PostgreSQL's own way to its match and captures is
// regex-dissect.ts, which shares this file's characters and constraints). It follows JavaScript's matching
// rules (ECMA-262's RepeatMatcher: an iteration forgets the captures of the last one; an optional
// iteration may not match the empty string), except that a back reference to a group that took no
// part fails, as in PostgreSQL (JavaScript's matches the empty string). It counts its steps, a back
// reference one per character it compares: past its budget it raises 54001 rather than keep the
// region's only JavaScript thread, which no timeout can interrupt.
import { SqlError } from '../errors/index.ts'
import { lowerOf } from './case-mapping.ts'
import { jsSetSource, WORD_SET } from './regex-charset.ts'
import type { Assertion, CharSet, ParsedRegex, RegexNode } from './regex-syntax.ts'

/** 54001 from a match past the backtracking engine's bounds: `steps` of its budget, or its stack
 * (`steps` undefined). */
export function regexTooComplex(steps: number | undefined): SqlError {
  const limit = steps === undefined ? 'a group repeated more times than its stack holds' : `more than ${steps} steps`
  return new SqlError('54001', 'regular expression is too complex', {
    detail: `Matching took ${limit} on the backtracking engine, which runs patterns with back references, lookahead constraints or word constraints (\\m, \\M, \\y, \\Y).`,
    hint: 'Simplify the pattern, or match against shorter text.',
  })
}

/** Steps left to a scan of one subject; shared by the calls that continue that scan. */
export interface StepBudget {
  left: number
  /** The scan's whole allowance, for the error. */
  readonly total: number
}

/** After a match of everything before it: whether the rest matches from `pos`. */
type Cont = (pos: number) => boolean
/** Matches a node at `pos`, then `k` from where it ended; true when some way through both does. */
type Matcher = (pos: number, k: Cont) => boolean
/** One character at `pos`: the position after it, or -1. */
export type Step = (pos: number) => number

/** The text a compiled pattern reads during one search: its closures hold this object, and the
 * search sets `s` (so a pattern compiles once for every text). */
export interface Subject {
  s: string
}

/** What the compiled closures read and write during one exec. */
interface State extends Subject {
  /** [start, end] per group, group 0 first; -1 when unset. */
  caps: number[]
  budget: StepBudget
}

function tick(st: State): void {
  if (--st.budget.left < 0) throw regexTooComplex(st.budget.total)
}

/** `steps` steps at once from `budget` (54001 past it): the backtracking engine's and
 * regex-dissect.ts's. */
export function spend(budget: StepBudget, steps: number): void {
  if ((budget.left -= steps) < 0) throw regexTooComplex(budget.total)
}

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff

/** The code point boundary after `p` (a surrogate pair is one character, as in 'v' mode); the
 * step every scan of a text takes past an empty match or a character. */
export function nextBoundary(s: string, p: number): number {
  return isHigh(s.charCodeAt(p)) && isLow(s.charCodeAt(p + 1)) ? p + 2 : p + 1
}

export function previousBoundary(s: string, p: number): number {
  return p >= 2 && isLow(s.charCodeAt(p - 1)) && isHigh(s.charCodeAt(p - 2)) ? p - 2 : p - 1
}

/** A parsed pattern compiled into closures over one State. Not reentrant (nothing it calls runs
 * user code). */
export class Backtracker {
  readonly #st: State = { s: '', caps: [], budget: { left: 0, total: 0 } }
  readonly #root: Matcher
  /** Back references compare lowercase (the parser has applied 'i' to everything else). */
  readonly #icase: boolean
  readonly #groups: number
  readonly #word: Step

  constructor(parsed: ParsedRegex) {
    this.#icase = parsed.options.icase
    this.#groups = parsed.groups
    this.#word = setStep(WORD_SET, this.#st)
    this.#root = this.#compile(parsed.root)
  }

  /** The leftmost match starting at or after `start` (only at `start` when `anchored`), as
   * [start, end] per group (-1 unset), or null: with `end` 'first', the first way through the
   * pattern in leftmost-first order; with a number, the first way that ends there. 54001 when the
   * budget runs out (its `left` is what remains for the rest of the scan) or the stack does. */
  exec(s: string, start: number, budget: StepBudget, anchored = false, end: 'first' | number = 'first'): number[] | null {
    const st = this.#st
    st.s = s
    st.budget = budget
    // Unset once: a failed attempt restores every capture it set (captures in constraints do not
    // exist in PostgreSQL), so the next position starts with them unset too.
    st.caps = new Array<number>(2 * (this.#groups + 1)).fill(-1)
    let found = -1
    const done: Cont = end === 'first' ? (q) => ((found = q), true) : (q) => q === end && ((found = q), true)
    try {
      for (let at = start; at <= (anchored ? start : s.length); at = nextBoundary(s, at)) {
        tick(st)
        if (this.#root(at, done)) {
          st.caps[0] = at
          st.caps[1] = found
          return st.caps
        }
      }
      return null
    } catch (e) {
      // A repetition of a complex group recurses once per iteration: past the stack, too complex.
      if (e instanceof RangeError) throw regexTooComplex(undefined)
      throw e
    } finally {
      st.s = ''
    }
  }

  #compile(n: RegexNode): Matcher {
    const st = this.#st
    switch (n.kind) {
      case 'empty':
        return (p, k) => k(p)
      case 'char':
      case 'set': {
        const step = characterStep(n, st)
        return (p, k) => {
          tick(st)
          const q = step(p)
          return q >= 0 && k(q)
        }
      }
      case 'seq':
        return n.items.map((item) => this.#compile(item)).reduceRight((next, m) => (p, k) => m(p, (q) => next(q, k)))
      case 'alt': {
        const branches = n.items.map((item) => this.#compile(item))
        return (p, k) => {
          for (const m of branches) if (m(p, k)) return true
          return false
        }
      }
      case 'group':
        return n.capture === undefined ? this.#compile(n.body) : this.#capture(n.capture, this.#compile(n.body))
      case 'repeat':
        return this.#repeat(n)
      case 'look':
        return this.#look(n.behind, n.negated, this.#compile(n.body))
      case 'backref':
        return this.#backref(n.group)
      case 'assert': {
        const test = assertionTest(n.what, st, this.#word)
        return (p, k) => {
          tick(st)
          return test(p) && k(p)
        }
      }
    }
  }

  #capture(group: number, body: Matcher): Matcher {
    const st = this.#st
    return (p, k) => {
      tick(st)
      return body(p, (q) => {
        const caps = st.caps
        const [oldStart, oldEnd] = [caps[2 * group] as number, caps[2 * group + 1] as number]
        caps[2 * group] = p
        caps[2 * group + 1] = q
        if (k(q)) return true
        caps[2 * group] = oldStart
        caps[2 * group + 1] = oldEnd
        return false
      })
    }
  }

  #repeat(n: Extract<RegexNode, { kind: 'repeat' }>): Matcher {
    const st = this.#st
    const groups = capturesIn(n.body)
    if ((n.body.kind === 'char' || n.body.kind === 'set') && groups.length === 0) return this.#repeatStep(characterStep(n.body, st), n)
    const body = this.#compile(n.body)
    const { greedy } = n
    // ECMA-262's RepeatMatcher: each iteration starts with the body's captures cleared, and once
    // the minimum is met an iteration that matched nothing fails.
    const repeat = (p: number, k: Cont, min: number, max: number): boolean => {
      // A step, and one per capture it saves and clears (a body of a thousand groups that fails
      // at once would otherwise cost a thousand times a step).
      spend(st.budget, 1 + groups.length)
      if (max === 0) return k(p)
      if (min === 0 && !greedy && k(p)) return true
      const again: Cont = (q) => !(min === 0 && q === p) && repeat(q, k, Math.max(min - 1, 0), max - 1)
      const caps = st.caps
      const saved = new Array<number>(2 * groups.length)
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i] as number
        saved[2 * i] = caps[2 * g] as number
        saved[2 * i + 1] = caps[2 * g + 1] as number
        caps[2 * g] = caps[2 * g + 1] = -1
      }
      if (body(p, again)) return true
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i] as number
        caps[2 * g] = saved[2 * i] as number
        caps[2 * g + 1] = saved[2 * i + 1] as number
      }
      return min === 0 && greedy && k(p)
    }
    return (p, k) => repeat(p, k, n.min, n.max)
  }

  /** A repetition of one character without captures: a loop rather than a recursion per
   * iteration (so '.*' over a long text keeps a flat stack). */
  #repeatStep(step: Step, n: { readonly min: number; readonly max: number; readonly greedy: boolean }): Matcher {
    const st = this.#st
    const { min, max, greedy } = n
    if (greedy) {
      return (p, k) => {
        let q = p
        let count = 0
        for (let next = 0; count < max && (next = step(q)) >= 0; count++, q = next) tick(st)
        for (; count >= min; count--, q = previousBoundary(st.s, q)) {
          tick(st)
          if (k(q)) return true
        }
        return false
      }
    }
    return (p, k) => {
      let q = p
      for (let count = 0; ; count++) {
        tick(st)
        if (count >= min && k(q)) return true
        if (count >= max) return false
        q = step(q)
        if (q < 0) return false
      }
    }
  }

  #look(behind: boolean, negated: boolean, body: Matcher): Matcher {
    const st = this.#st
    if (!behind) {
      return (p, k) => {
        tick(st)
        return body(p, () => true) !== negated && k(p)
      }
    }
    // Whether some text ending at p matches (constraints capture nothing in PostgreSQL, so which
    // one does not matter).
    return (p, k) => {
      let found = false
      for (let j = p; j >= 0 && !found; j = j === 0 ? -1 : previousBoundary(st.s, j)) {
        tick(st)
        found = body(j, (q) => q === p)
      }
      return found !== negated && k(p)
    }
  }

  #backref(group: number): Matcher {
    const st = this.#st
    const same = this.#icase ? sameLowercase : sameUnits
    return (p, k) => {
      tick(st)
      const [start, end] = [st.caps[2 * group] as number, st.caps[2 * group + 1] as number]
      // A group that took no part matches nothing (PostgreSQL's rule; JavaScript's matches '').
      if (start < 0) return false
      const length = end - start
      if (p + length > st.s.length) return false
      const compared = same(st.s, start, p, length)
      spend(st.budget, compared < 0 ? length : compared)
      return compared < 0 && k(p + length)
    }
  }
}

/** One character of `n` at a position of `subject`'s text (a code point, so a surrogate pair is
 * one): the position after it, or -1. */
export function characterStep(n: Extract<RegexNode, { kind: 'char' | 'set' }>, subject: Subject): Step {
  if (n.kind === 'set') return setStep(n.set, subject)
  const cp = n.cp
  const width = cp > 0xffff ? 2 : 1
  return (p) => (p < subject.s.length && subject.s.codePointAt(p) === cp ? p + width : -1)
}

/** One character of a set: JavaScript's own class, sticky at the position (one character, so
 * no backtracking inside), with a table for ASCII. */
export function setStep(set: CharSet, subject: Subject): Step {
  const re = new RegExp(jsSetSource(set), 'vy')
  const ascii = Uint8Array.from({ length: 128 }, (_, u) => {
    re.lastIndex = 0
    return re.test(String.fromCharCode(u)) ? 1 : 0
  })
  return (p) => {
    const s = subject.s
    if (p >= s.length) return -1
    const u = s.charCodeAt(p)
    if (u < 128) return ascii[u] === 1 ? p + 1 : -1
    re.lastIndex = p
    return re.test(s) ? re.lastIndex : -1
  }
}

/** Whether a constraint holds at a position of `subject`'s text; `word` steps over one word
 * character (setStep of WORD_SET). */
export function assertionTest(what: Assertion, subject: Subject, word: Step): (p: number) => boolean {
  const wordAfter = (p: number) => word(p) >= 0
  const wordBefore = (p: number) => p > 0 && word(previousBoundary(subject.s, p)) >= 0
  switch (what) {
    case 'textStart':
      return (p) => p === 0
    case 'textEnd':
      return (p) => p === subject.s.length
    case 'lineStart':
      return (p) => p === 0 || subject.s.charCodeAt(p - 1) === 0x0a
    case 'lineEnd':
      return (p) => p === subject.s.length || subject.s.charCodeAt(p) === 0x0a
    case 'wordStart':
      return (p) => !wordBefore(p) && wordAfter(p)
    case 'wordEnd':
      return (p) => wordBefore(p) && !wordAfter(p)
    case 'wordBoundary':
      return (p) => wordBefore(p) !== wordAfter(p)
    case 'notWordBoundary':
      return (p) => wordBefore(p) === wordAfter(p)
  }
}

/** Captures numbered inside `n`. */
function capturesIn(n: RegexNode): number[] {
  switch (n.kind) {
    case 'group':
      return n.capture === undefined ? capturesIn(n.body) : [n.capture, ...capturesIn(n.body)]
    case 'seq':
    case 'alt':
      return n.items.flatMap(capturesIn)
    case 'repeat':
    case 'look':
      return capturesIn(n.body)
    default:
      return []
  }
}

/** Whether s[a, a + length) and s[b, b + length) are the same UTF-16 units: -1 when they are,
 * else how many units were compared, up to the first that differs. */
export function sameUnits(s: string, a: number, b: number, length: number): number {
  for (let i = 0; i < length; i++) if (s.charCodeAt(a + i) !== s.charCodeAt(b + i)) return i + 1
  return -1
}

/** sameUnits for back references under 'i': PostgreSQL's casecmp, each character equal or equal
 * in lowercase (a pair of surrogates is one character, compared whole). */
export function sameLowercase(s: string, a: number, b: number, length: number): number {
  for (let i = 0; i < length; ) {
    const x = s.codePointAt(a + i) as number
    const y = s.codePointAt(b + i) as number
    const width = x > 0xffff ? 2 : 1
    i += width
    // Simple case mappings keep a character in its plane, so both take the same units.
    if (x !== y && (i > length || (y > 0xffff ? 2 : 1) !== width || lowerOf(x) !== lowerOf(y))) return i
  }
  return -1
}
