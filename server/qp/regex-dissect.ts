// PostgreSQL's own way to a regular expression's match and its captures (ARCHITECTURE.md "query
// processor": evaluate), for posix-regex.ts wherever the engines' leftmost-first match is not
// PostgreSQL's. PostgreSQL (regcomp.c, regexec.c) runs a DFA for the whole RE to find the match
// (at the leftmost start, its longest end for a greedy RE, its shortest for a non-greedy one), then
// "dissects" it along a tree of subexpressions that its parser builds, each of which asks its own
// DFA where a part of the match can end: a concatenation splits where its left part is longest (or
// shortest, as that part prefers) and the right part matches the rest; an alternation takes its
// first alternative that matches its whole span; a repetition with captures inside is a prefix of
// repetitions (a DFA) and a last iteration, or an iteration node whose iterations are each as long
// (or short) as they can be; a back reference compares text. Here the DFA's answers come from
// EndSets: for a node of the pattern and a position of the text, the sorted ends of its matches
// from there (its language, constraints seeing the whole text), each computed once per search, so
// that nested quantified alternations ('(?:(?:a|a)*)+?', 2^n ways through n characters for a
// backtracking engine) cost a polynomial in the text, not an exponential. The tree is PostgreSQL's
// (parse, parsebranch and parseqatom's rules of which atoms are "messy"), so the captures are its
// captures: '(?:(?:((?:a)*?)|a)){1,3}' on 'aaaaaaa' captures '' (the first two iterations take the
// text, the last the empty string). With back references the DFA over-approximates (a reference
// matches what its group's body would, constraints aside) and the dissection confirms or refutes a
// candidate, trying the next one: exponential at worst, as PostgreSQL's is, within the step budget.
import { assert } from '../errors/index.ts'
import { REGEX_MEMO_ENDS_MAX } from './constants.ts'
import {
  assertionTest,
  characterStep,
  nextBoundary,
  previousBoundary,
  regexTooComplex,
  sameLowercase,
  sameUnits,
  setStep,
  spend,
  type Step,
  type StepBudget,
  type Subject,
} from './regex-backtrack.ts'
import { WORD_SET } from './regex-charset.ts'
import { BACKR, hasBackref, SHORTER, someNode, type ParsedRegex, type RegexNode, type Subre } from './regex-syntax.ts'

/** Where the matches of a node of the pattern end, for one search of one text at a time. */
export interface EndsOf {
  /** Starts a search of `s`, drawing on `budget` (54001 past it). */
  reset(s: string, budget: StepBudget): void
  /** The ends, ascending, of the matches of `n` starting at `p`; `loose` reads every constraint
   * as holding (the approximation of a back reference's group, see EndSets). Where `n` holds a
   * back reference, any superset of its ends will do: the dissection refutes the others. */
  of(n: RegexNode, p: number, loose: boolean): readonly number[]
  /** The ends, ascending, of the matches of `n` starting at any of sorted `starts`. */
  ofAny(n: RegexNode, starts: readonly number[], loose: boolean): readonly number[]
}

const NONE: readonly number[] = []

/** Memoized ends of each node from each position, for one text at a time: the node's language,
 * as PostgreSQL's DFA for it reads the text (lookaround and word constraints see the whole text,
 * not the part being matched). Not reentrant. */
class EndSets implements EndsOf {
  readonly #subject: Subject = { s: '' }
  #budget: StepBudget = { left: 0, total: 0 }
  readonly #steps = new Map<RegexNode, Step>()
  readonly #tests = new Map<RegexNode, (p: number) => boolean>()
  readonly #word: Step = setStep(WORD_SET, this.#subject)
  /** The body of each capturing group, by number, for a back reference's approximation. */
  readonly #groupBodies: ReadonlyMap<number, RegexNode>
  /** Per node, its slot in the memo; -1 for a node cheaper to compute again than to look up (no
   * repetition, lookaround or back reference inside: its cost is its size). */
  readonly #slots = new Map<RegexNode, number>()
  /** Ends by slot and position, at (2 * slot + 1 when loose) * (text length + 1) + position;
   * `#held` counts them. */
  #memo: (readonly number[] | undefined)[] = []
  /** The keys the memo holds, to forget them (quicker than a new memo on short texts). */
  readonly #keys: number[] = []
  #stride = 1
  #held = 0
  /** Positions seen by a repetition's search, by how many repetitions' searches enclose it. */
  #marks: Uint8Array[] = []
  #depth = 0

  constructor(parsed: ParsedRegex) {
    this.#groupBodies = groupBodies(parsed.root)
  }

  reset(s: string, budget: StepBudget): void {
    // Marks that fit the text stay (they are all clear between searches), but not a long text's
    // once its search is over.
    if (this.#marks.some((m) => m.length <= s.length || (s === '' && m.length > MARKS_KEPT_MAX))) {
      this.#marks = this.#marks.filter((m) => m.length > s.length && (s !== '' || m.length <= MARKS_KEPT_MAX))
    }
    this.#subject.s = s
    this.#budget = budget
    this.#stride = s.length + 1
    this.#forget()
    this.#depth = 0
  }

  of(n: RegexNode, p: number, loose: boolean): readonly number[] {
    spend(this.#budget, 1)
    switch (n.kind) {
      case 'empty':
        return [p]
      case 'char':
      case 'set': {
        const q = this.#step(n)(p)
        return q < 0 ? NONE : [q]
      }
      case 'assert':
        return loose || this.#test(n)(p) ? [p] : NONE
      case 'group':
        return this.of(n.body, p, loose)
      default:
        break
    }
    let slot = this.#slots.get(n)
    if (slot === undefined) this.#slots.set(n, (slot = costly(n) ? this.#slots.size : -1))
    if (slot < 0) return this.#compute(n, p, loose)
    const key = (2 * slot + (loose ? 1 : 0)) * this.#stride + p
    const known = this.#memo[key]
    if (known !== undefined) return known
    const ends = this.#compute(n, p, loose)
    // Past the bound on what one search holds, the memo starts over: the answers stay right, the
    // steps they cost again still count against the budget.
    if ((this.#held += ends.length + 1) > REGEX_MEMO_ENDS_MAX) this.#forget()
    else {
      this.#memo[key] = ends
      this.#keys.push(key)
    }
    return ends
  }

  #forget(): void {
    if (this.#keys.length > MEMO_KEYS_CLEARED_MAX) this.#memo = []
    else for (const key of this.#keys) this.#memo[key] = undefined
    this.#keys.length = 0
    this.#held = 0
  }

  ofAny(n: RegexNode, starts: readonly number[], loose: boolean): readonly number[] {
    return this.#from(n, starts, loose)
  }

  #compute(
    n: Extract<RegexNode, { kind: 'seq' | 'alt' | 'repeat' | 'look' | 'backref' }>,
    p: number,
    loose: boolean,
  ): readonly number[] {
    switch (n.kind) {
      case 'seq':
      case 'repeat':
      case 'backref':
        return this.#from(n, [p], loose, true)
      case 'alt':
        return this.#union(n.items.map((item) => this.of(item, p, loose)))
      case 'look':
        return loose || this.#holds(n, p) ? [p] : NONE
    }
  }

  /** The ends of `n` from any of sorted `starts`, ascending: a set of positions at a time, so that
   * a sequence over many starts ('(.*)\1', the ends of '.*' then of the copy) is a sweep over the
   * text, not a union of the ends from each. From one start, the memo's (but with `fresh`, the
   * computation of `n`'s own entry). */
  #from(n: RegexNode, starts: readonly number[], loose: boolean, fresh = false): readonly number[] {
    if (starts.length === 0) return NONE
    if (starts.length === 1 && !fresh) return this.of(n, starts[0] as number, loose)
    spend(this.#budget, starts.length)
    switch (n.kind) {
      case 'empty':
        return starts
      case 'char':
      case 'set': {
        // One character on from each start: ascending still, the starts being boundaries.
        const step = this.#step(n)
        const ends: number[] = []
        for (const r of starts) {
          const q = step(r)
          if (q >= 0) ends.push(q)
        }
        return ends
      }
      case 'assert':
        return loose ? starts : starts.filter(this.#test(n))
      case 'look':
        return loose ? starts : starts.filter((r) => this.of(n, r, false).length > 0)
      case 'group':
        return this.#from(n.body, starts, loose)
      case 'alt':
        return this.#union(n.items.map((item) => this.#from(item, starts, loose)))
      case 'seq': {
        let at = starts
        for (const item of n.items) if ((at = this.#from(item, at, loose)).length === 0) break
        return at
      }
      case 'repeat':
        if (n.body.kind === 'char' || n.body.kind === 'set') return this.#walk(this.#step(n.body), n, starts)
        return this.#iterations(n, starts, loose)
      case 'backref': {
        // PostgreSQL's DFA reads a back reference as a copy of its group without constraints.
        const body = this.#groupBodies.get(n.group)
        return body === undefined ? NONE : this.#from(body, starts, true)
      }
    }
  }

  #union(sets: readonly (readonly number[])[]): readonly number[] {
    let union: readonly number[] = NONE
    for (const set of sets) {
      if (set.length === 0) continue
      if (union.length === 0) union = set
      else {
        spend(this.#budget, union.length + set.length)
        union = merged(union, set)
      }
    }
    return union
  }

  /** A repeated character from each of `starts`: a walk over the characters it matches, the ends
   * from the min'th on. Unbounded, a start inside a run already walked adds nothing. */
  #walk(step: Step, n: { readonly min: number; readonly max: number }, starts: readonly number[]): readonly number[] {
    const ends: number[] = []
    let walked = 0
    let reach = -1
    for (const r of starts) {
      if (n.max === Infinity && r <= reach) continue
      let q = r
      let count = 0
      for (; q >= 0; count++) {
        if (count >= n.min) ends.push(q)
        reach = q
        q = count < n.max ? step(q) : -1
      }
      walked += count
    }
    spend(this.#budget, walked)
    if (n.max === Infinity || starts.length === 1) return ends
    return dedupe(ascending(ends))
  }

  /** A whole number of iterations between n.min and n.max (PostgreSQL's language of the
   * repetition: an iteration may match the empty string anywhere), from each of `starts`. */
  #iterations(n: Extract<RegexNode, { kind: 'repeat' }>, starts: readonly number[], loose: boolean): readonly number[] {
    const { body, min, max } = n
    let layer = starts
    for (let k = 0; k < min && layer.length > 0; k++) layer = this.#from(body, layer, loose)
    if (max === min || layer.length === 0) return layer
    // Beyond the minimum, breadth first: a position reached in fewer iterations is reached. The
    // positions seen are marked in an array of the text's length, one per nesting level.
    const seen = (this.#marks[this.#depth] ??= new Uint8Array(this.#subject.s.length + 1))
    this.#depth++
    const ends = [...layer]
    try {
      for (const q of layer) seen[q] = 1
      let frontier = layer
      for (let k = min; k < max && frontier.length > 0; k++) {
        const next: number[] = []
        const reached = this.#from(body, frontier, loose)
        spend(this.#budget, reached.length)
        for (const q of reached) {
          if (seen[q] === 1) continue
          seen[q] = 1
          next.push(q)
          ends.push(q)
        }
        frontier = next
      }
    } finally {
      this.#depth--
      for (const q of ends) seen[q] = 0
    }
    return ascending(ends)
  }

  /** Whether a lookaround constraint holds at `p`: a lookahead's body matches from there; a
   * lookbehind's matches some text ending there. */
  #holds(n: Extract<RegexNode, { kind: 'look' }>, p: number): boolean {
    let found = false
    if (!n.behind) found = this.of(n.body, p, false).length > 0
    else {
      for (let j = p; j >= 0 && !found; j = j === 0 ? -1 : previousBoundary(this.#subject.s, j)) {
        found = includes(this.of(n.body, j, false), p)
      }
    }
    return found !== n.negated
  }

  #step(n: Extract<RegexNode, { kind: 'char' | 'set' }>): Step {
    let step = this.#steps.get(n)
    if (step === undefined) this.#steps.set(n, (step = characterStep(n, this.#subject)))
    return step
  }

  #test(n: Extract<RegexNode, { kind: 'assert' }>): (p: number) => boolean {
    let test = this.#tests.get(n)
    if (test === undefined) this.#tests.set(n, (test = assertionTest(n.what, this.#subject, this.#word)))
    return test
  }
}

/** The body of each capturing group under `root`, by number. */
export function groupBodies(root: RegexNode): ReadonlyMap<number, RegexNode> {
  const bodies = new Map<number, RegexNode>()
  const visit = (n: RegexNode): void => {
    if (n.kind === 'group' && n.capture !== undefined) bodies.set(n.capture, n.body)
    if (n.kind === 'seq' || n.kind === 'alt') for (const item of n.items) visit(item)
    else if (n.kind === 'group' || n.kind === 'repeat' || n.kind === 'look') visit(n.body)
  }
  visit(root)
  return bodies
}

/** Whether `n` holds a repetition, a lookaround constraint or a back reference: what may cost
 * more than its size to match from one position. */
function costly(n: RegexNode): boolean {
  return someNode(n, (m) => m.kind === 'repeat' || m.kind === 'look' || m.kind === 'backref')
}

/** Past this many keys, EndSets drops its memo for a new one rather than unset each. */
const MEMO_KEYS_CLEARED_MAX = 1024

/** Marks arrays (bytes) an EndSets keeps from one search to the next: a 64 KB text's. */
const MARKS_KEPT_MAX = 1 << 16

/** `ends` in ascending order (sorted in place, as numbers, where it is not already). */
function ascending(ends: number[]): number[] {
  for (let i = 1; i < ends.length; i++) {
    if ((ends[i] as number) < (ends[i - 1] as number)) {
      const sorted = Float64Array.from(ends).sort()
      for (let j = 0; j < ends.length; j++) ends[j] = sorted[j] as number
      return ends
    }
  }
  return ends
}

/** The union of sorted `a` and `b`, sorted. */
function merged(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = a[i] ?? Infinity
    const y = b[j] ?? Infinity
    out.push(x <= y ? x : y)
    if (x <= y) i++
    if (y <= x) j++
  }
  return out
}

/** Sorted `ends` without repeats (in place). */
function dedupe(ends: number[]): number[] {
  let kept = 0
  for (let i = 0; i < ends.length; i++) if (kept === 0 || ends[i] !== ends[kept - 1]) ends[kept++] = ends[i] as number
  ends.length = kept
  return ends
}

/** Whether sorted `ends` holds `q`. */
function includes(ends: readonly number[], q: number): boolean {
  const i = indexAtMost(ends, q)
  return i >= 0 && ends[i] === q
}

/** The index of the last of sorted `ends` at most `q`, or -1. */
function indexAtMost(ends: readonly number[], q: number): number {
  let lo = 0
  let hi = ends.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((ends[mid] as number) <= q) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/** The first `count` code point boundaries of `s` from `start` (to its end at most). */
function startsFrom(s: string, start: number, count: number): number[] {
  const at: number[] = []
  for (let p = start; p <= s.length && at.length < count; p = nextBoundary(s, p)) at.push(p)
  return at
}

/**
 * PostgreSQL's match and captures of a pattern (regexec.c's find, cfind and cdissect), over
 * EndSets. Polynomial in the text without back references: each node's ends from each position
 * are computed once, and every split the dissection tries is a lookup in them. Compiled once per
 * pattern; not reentrant. Raises 54001 past the step budget (a step per node and position looked
 * up, per end computed or compared, per split tried).
 */
export class Dissector {
  readonly #tree: Subre
  readonly #ends: EndsOf
  readonly #groups: number
  /** Whether the pattern has back references: then its DFA over-approximates, and the search
   * tries the ends it gives until a dissection confirms one. */
  readonly #backrefs: boolean
  readonly #icase: boolean
  /** PostgreSQL's greediness of the whole RE (its tree's top flags). */
  readonly #shortest: boolean
  #s = ''
  /** Whether the text has surrogate pairs (PostgreSQL counts characters, not UTF-16 units), once
   * asked. */
  #astral: boolean | undefined
  /** Where the search starts: no span it counts begins before it. */
  #origin = 0
  /** On a text with surrogate pairs, the characters in s[#origin, #origin + i) at i, up to the
   * furthest end #chars has been asked about in this search: the dissection's iteration loops ask
   * for spans as long as the match at every turn, so each unit is counted once, at a step each,
   * and a span costs a subtraction (walking it each time was the square of the text, unbudgeted).
   * The entry inside a pair is never read (spans start and end at characters). */
  readonly #counts: number[] = [0]
  #budget: StepBudget = { left: 0, total: 0 }
  #caps: number[] = []

  /** `ends` replaces the memoized EndSets (a test's brute-force reference). */
  constructor(parsed: ParsedRegex, ends?: EndsOf) {
    this.#tree = parsed.tree
    this.#ends = ends ?? new EndSets(parsed)
    this.#groups = parsed.groups
    this.#backrefs = hasBackref(parsed.root)
    this.#icase = parsed.options.icase
    this.#shortest = !parsed.longest
  }

  /** PostgreSQL's match starting at or after `start` (only at `start` when `anchored`): at the
   * leftmost start where the RE matches, the longest or shortest end (with back references, of
   * those the dissection confirms), as [start, end] per group (-1 unset); or null. */
  exec(s: string, start: number, budget: StepBudget, anchored = false): number[] | null {
    return this.#searching(s, start, budget, () => {
      const lang = this.#tree.lang
      // With back references PostgreSQL's search (cfindloop) tries the starts window by window,
      // each up to the nearest end of a match its DFA sees, and stops once a window that failed
      // closes before the text's last character: a match at the very end is then not found.
      let close = Infinity
      // The starts a batch at a time, first from all of a batch at once (a sweep over the text):
      // a batch from which nothing matches is passed over whole, and batches grow fourfold, so
      // that a text without a match costs a sweep per batch (log4 of its length of them), where a
      // search from each start would cost the square of its length.
      for (let at = start, width = 1; at <= (anchored ? start : s.length); width *= 4) {
        const batch = anchored ? [at] : startsFrom(s, at, width)
        at = nextBoundary(s, batch[batch.length - 1] as number)
        if (batch.length > 1 && this.#ends.ofAny(lang, batch, false).length === 0) continue
        for (const begin of batch) {
          this.#tick()
          if (begin > close) {
            if (this.#backrefs && !anchored && nextBoundary(s, close) >= s.length) return null
            close = Infinity
          }
          const ends = this.#ends.of(lang, begin, false)
          if (ends.length > 0) close = Math.min(close, ends[0] as number)
          for (let i = 0; i < ends.length; i++) {
            const caps = this.#dissected(begin, ends[this.#shortest ? i : ends.length - 1 - i] as number)
            if (caps !== null) return caps
            assert(this.#backrefs, 'without back references every end the DFA gives is a match')
          }
        }
      }
      return null
    })
  }

  /** PostgreSQL's captures of the match s[start, end), which its DFA for the RE matches (from
   * another engine that found PostgreSQL's match); null where a back reference refutes it. */
  captures(s: string, start: number, end: number, budget: StepBudget): number[] | null {
    return this.#searching(s, start, budget, () => {
      const caps = this.#dissected(start, end)
      assert(caps !== null || this.#backrefs, "without back references the dissection of PostgreSQL's match never fails")
      return caps
    })
  }

  /** `f` over `s` from `origin`: the memo and the text are the search's alone. Each level of the
   * tree, and of a node inside a node, is a frame: past the stack, 54001. */
  #searching<T>(s: string, origin: number, budget: StepBudget, f: () => T): T {
    this.#begin(s, origin, budget)
    try {
      return f()
    } catch (e) {
      if (e instanceof RangeError) throw regexTooComplex(undefined)
      throw e
    } finally {
      this.#end()
    }
  }

  #begin(s: string, origin: number, budget: StepBudget): void {
    this.#s = s
    this.#astral = undefined
    this.#origin = origin
    this.#counts.length = 1
    this.#budget = budget
    this.#ends.reset(s, budget)
  }

  #end(): void {
    this.#s = ''
    this.#counts.length = 1
    this.#ends.reset('', this.#budget)
  }

  #dissected(begin: number, end: number): number[] | null {
    // A step per group set up (a pattern of a thousand groups tried at every position would
    // otherwise cost a thousand times a step).
    spend(this.#budget, this.#groups)
    this.#caps = new Array<number>(2 * (this.#groups + 1)).fill(-1)
    if (this.#groups > 0 && !this.#dissect(this.#tree, begin, end)) return null
    this.#caps[0] = begin
    this.#caps[1] = end
    return this.#caps
  }

  /** cdissect: whether `t` matches s[begin, end) (which its DFA does), setting its captures. */
  #dissect(t: Subre, begin: number, end: number): boolean {
    this.#tick()
    let ok: boolean
    const first = t.children[0] as Subre
    switch (t.op) {
      case '=':
        ok = true
        break
      case 'b':
        ok = this.#backref(t, begin, end)
        break
      case '.':
        ok = first.flags & SHORTER ? this.#concatShortest(t, begin, end) : this.#concat(t, begin, end)
        break
      case '|':
        ok = t.children.some((child) => this.#matches(child, begin, end) && this.#dissect(child, begin, end))
        break
      case '*':
        ok = first.flags & SHORTER ? this.#iterateShortest(t, begin, end) : this.#iterate(t, begin, end)
        break
      case '(':
        ok = this.#dissect(first, begin, end)
        break
    }
    if (!ok) this.#zap(t)
    else if (t.capno > 0) {
      this.#caps[2 * t.capno] = begin
      this.#caps[2 * t.capno + 1] = end
    }
    return ok
  }

  /** ccondissect: the left part as long as it can be with the right part matching the rest. */
  #concat(t: Subre, begin: number, end: number): boolean {
    const left = t.children[0] as Subre
    const right = t.children[1] as Subre
    const mids = this.#endsOf(left, begin)
    for (let i = indexAtMost(mids, end); i >= 0; i--) {
      if (this.#split(left, right, begin, mids[i] as number, end)) return true
    }
    return false
  }

  /** crevcondissect: the left part as short as it can be. */
  #concatShortest(t: Subre, begin: number, end: number): boolean {
    const left = t.children[0] as Subre
    const right = t.children[1] as Subre
    const mids = this.#endsOf(left, begin)
    for (let i = 0; i < mids.length && (mids[i] as number) <= end; i++) {
      if (this.#split(left, right, begin, mids[i] as number, end)) return true
    }
    return false
  }

  #split(left: Subre, right: Subre, begin: number, mid: number, end: number): boolean {
    this.#tick()
    if (!this.#matches(right, mid, end) || !this.#dissect(left, begin, mid)) return false
    if (this.#dissect(right, mid, end)) return true
    this.#zap(left)
    return false
  }

  /**
   * citerdissect: iterations each as long as it can be, earlier ones first, as many as it takes
   * to reach the end; an iteration matches the empty string only where the minimum needs it. A
   * search with backtracking in PostgreSQL; here a failure from an iteration number and position
   * is remembered (`dead`), so each is explored once.
   */
  #iterate(t: Subre, begin: number, end: number): boolean {
    const child = t.children[0] as Subre
    const { minMatches, maxMatches } = this.#iterations(t, begin, end)
    const endpts = [begin]
    const dead = new Set<number>()
    const key = (k: number, q: number) => k * (this.#s.length + 1) + q
    let k = 1
    let limit = end
    let verified = 0
    while (k > 0) {
      this.#tick()
      const prev = endpts[k - 1] as number
      const ends = this.#endsOf(child, prev)
      const at = indexAtMost(ends, limit)
      let shorten = true
      if (at < 0) {
        dead.add(key(k, prev))
        k--
      } else {
        const e = (endpts[k] = ends[at] as number)
        verified = Math.min(verified, k - 1)
        if (e !== end) {
          if (k >= maxMatches) {
            dead.add(key(k, prev))
            k--
          } else if (!((e === prev && (k >= minMatches || minMatches - k < this.#chars(e, end))) || dead.has(key(k + 1, e)))) {
            k++
            limit = end
            shorten = false
          }
        } else if (k >= minMatches) {
          const failed = this.#verify(child, endpts, verified + 1, k)
          if (failed > k) return true
          k = failed
          verified = failed - 1
        }
      }
      if (!shorten) continue
      // The k'th iteration shorter, or else an earlier one.
      for (; k > 0; k--) {
        const prev = endpts[k - 1] as number
        const e = endpts[k] as number
        if (e > prev) {
          limit = previousBoundary(this.#s, e)
          if (limit > prev || (k < minMatches && minMatches - k >= this.#chars(prev, end))) break
        }
        dead.add(key(k, prev))
      }
    }
    // Zero iterations, for an empty span (one iteration was preferred, to set its captures).
    return t.min === 0 && begin === end
  }

  /** creviterdissect: iterations each as short as it can be, as few as reach the end. */
  #iterateShortest(t: Subre, begin: number, end: number): boolean {
    if (t.min === 0 && begin === end) return true
    const child = t.children[0] as Subre
    const { minMatches, maxMatches } = this.#iterations(t, begin, end)
    const endpts = [begin]
    const dead = new Set<number>()
    const key = (k: number, q: number) => k * (this.#s.length + 1) + q
    let k = 1
    let limit = begin
    let verified = 0
    while (k > 0) {
      this.#tick()
      const prev = endpts[k - 1] as number
      // An empty iteration only where the minimum needs it; the last one allowed reaches the end.
      if (limit === prev && limit !== end && (k >= minMatches || minMatches - k < this.#chars(limit, end))) {
        limit = nextBoundary(this.#s, limit)
      }
      if (k >= maxMatches) limit = end
      const ends = this.#endsOf(child, prev)
      const at = indexAtMost(ends, end)
      const first = at >= 0 && (ends[at] as number) >= limit ? indexAtMost(ends, limit - 1) + 1 : -1
      let lengthen = true
      if (first < 0) {
        dead.add(key(k, prev))
        k--
      } else {
        const e = (endpts[k] = ends[first] as number)
        verified = Math.min(verified, k - 1)
        if (e !== end) {
          if (k >= maxMatches) {
            dead.add(key(k, prev))
            k--
          } else if (!dead.has(key(k + 1, e))) {
            k++
            limit = e
            lengthen = false
          }
        } else if (k >= minMatches) {
          const failed = this.#verify(child, endpts, verified + 1, k)
          if (failed > k) return true
          k = failed
          verified = failed - 1
        }
      }
      if (!lengthen) continue
      // The k'th iteration longer, or else an earlier one.
      for (; k > 0; k--) {
        if ((endpts[k] as number) < end) {
          limit = nextBoundary(this.#s, endpts[k] as number)
          break
        }
        dead.add(key(k, endpts[k - 1] as number))
      }
    }
    return false
  }

  /** PostgreSQL's bounds on the iterations it considers over a span (characters, not units). */
  #iterations(t: Subre, begin: number, end: number): { minMatches: number; maxMatches: number } {
    const minMatches = Math.max(t.min, 1)
    return { minMatches, maxMatches: Math.max(Math.min(this.#chars(begin, end), t.max), minMatches) }
  }

  /** Dissects iterations from..k of `child` (each from the end of the one before), the last one
   * last so that its captures stand: k + 1, or the first that fails. Without back references none
   * fails: only the last is dissected, for its captures. */
  #verify(child: Subre, endpts: readonly number[], from: number, k: number): number {
    for (let i = (child.flags & BACKR) === 0 ? k : from; i <= k; i++) {
      this.#zap(child)
      if (!this.#dissect(child, endpts[i - 1] as number, endpts[i] as number)) return i
    }
    return k + 1
  }

  /** cbrdissect: the span is min to max copies of what the group captured. */
  #backref(t: Subre, begin: number, end: number): boolean {
    const from = this.#caps[2 * t.group] as number
    const to = this.#caps[2 * t.group + 1] as number
    if (from < 0) return false
    const length = to - from
    if (length === 0) return begin === end && t.min <= t.max
    if (begin === end) return t.min === 0
    if ((end - begin) % length !== 0) return false
    const copies = (end - begin) / length
    if (copies < t.min || copies > t.max) return false
    const same = this.#icase ? sameLowercase : sameUnits
    for (let p = begin; p < end; p += length) {
      const compared = same(this.#s, from, p, length)
      spend(this.#budget, compared < 0 ? length : compared)
      if (compared >= 0) return false
    }
    return true
  }

  /** Whether `t`'s DFA matches s[begin, end). */
  #matches(t: Subre, begin: number, end: number): boolean {
    return includes(this.#endsOf(t, begin), end)
  }

  /** The ends of `t`'s DFA from `p`. A back reference's own, once its group is set, is that
   * group's text (regexec.c's dfa_backref): copies of it from `p`, between t.min and t.max. */
  #endsOf(t: Subre, p: number): readonly number[] {
    const from = t.op === 'b' ? (this.#caps[2 * t.group] as number) : -1
    if (from < 0) return this.#ends.of(t.lang, p, false)
    const length = (this.#caps[2 * t.group + 1] as number) - from
    if (length === 0) return [p]
    const same = this.#icase ? sameLowercase : sameUnits
    const ends: number[] = []
    for (let q = p, copies = 0; copies <= t.max; copies++, q += length) {
      if (copies >= t.min) ends.push(q)
      if (q + length > this.#s.length) break
      const compared = same(this.#s, from, q, length)
      spend(this.#budget, compared < 0 ? length : compared)
      if (compared >= 0) break
    }
    return ends
  }

  /** zaptreesubs: unsets the captures of `t`'s subtree. */
  #zap(t: Subre): void {
    spend(this.#budget, t.captures.length)
    for (const g of t.captures) this.#caps[2 * g] = this.#caps[2 * g + 1] = -1
  }

  /** Characters (code points) in s[a, b), for a and b at characters from the search's origin. */
  #chars(a: number, b: number): number {
    if (!(this.#astral ??= /[\ud800-\udfff]/.test(this.#s))) return b - a
    const origin = this.#origin
    const counts = this.#counts
    assert(a >= origin && b >= a && b <= this.#s.length, 'a span of the search')
    let p = origin + counts.length - 1
    if (p < b) spend(this.#budget, b - p)
    for (let n = counts[counts.length - 1] as number; p < b; ) {
      const q = nextBoundary(this.#s, p)
      n++
      if (q === p + 2) counts.push(n)
      counts.push(n)
      p = q
    }
    return (counts[b - origin] as number) - (counts[a - origin] as number)
  }

  #tick(): void {
    spend(this.#budget, 1)
  }
}
