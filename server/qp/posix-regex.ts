// PostgreSQL's regular expressions (ARE syntax, ARCHITECTURE.md "query processor": evaluate) for
// every operator and function that takes one (~, ~*, SIMILAR TO, regexp_*, substring ... from).
// A user's pattern must not hold the region's only JavaScript thread, and no timeout interrupts a
// running JavaScript RegExp: '(a+)+$' over 41 characters backtracks for hours in V8 (Deno), and
// Bun's gives up after half a second with a wrong "no match", on every row. So regex-syntax.ts
// parses the pattern, and each call picks one of four engines.
// The match is PostgreSQL's: at the leftmost position where the RE matches, the longest match when
// the RE is greedy, the shortest when it is not (the parser works out its greediness by
// PostgreSQL's rules: ParsedRegex.longest), where the engines' own rule is leftmost-first (the end
// of the first way through the pattern: 'a|ab' on 'abcd' would be 'a', PostgreSQL's 'ab'). Where
// the parser proves a leftmost-first end is PostgreSQL's (firstMatchIsPostgres: '[0-9]+',
// 'foo.*bar', '(\w+)-x-(\w+)', '<.*?>', anything anchored at both ends), the engines run as they
// are; elsewhere:
// - JavaScript's RegExp, where a bound on a backtracking engine's work on that text is small
//   (regex-js.ts: no quantifier, or short texts), the fastest (ten times re2js per call); where
//   firstMatchIsPostgres does not hold, it finds where the match starts (or that there is none)
//   and PostgreSQL's search (below) takes the match from there;
// - RE2 (re2js, regex-re2.ts) for everything else it can express, time linear in the text; in its
//   leftmost-longest mode for a greedy RE that firstMatchIsPostgres does not cover. A non-greedy
//   one takes RE2's start and PostgreSQL's search from there (RE2 has no shortest mode);
// - for what RE2 cannot express (lookahead constraints, back references, word constraints): a
//   backtracking engine with a step budget (regex-backtrack.ts, 54001 past REGEX_STEPS_*) where
//   firstMatchIsPostgres holds, PostgreSQL's search elsewhere.
// PostgreSQL's search (regex-dissect.ts's Dissector) is its own algorithm: the RE's DFA finds the
// match, then a tree of subexpressions built by PostgreSQL's parser's rules dissects it, each node
// asking its DFA where its part can end; those answers come from a memo of the ends of each node's
// matches from each position, each computed once, so that nested quantified alternations
// ('(?:(?:a|a)*)+?', 2^n ways through n characters for a backtracking search) cost a polynomial
// in the text, within the same step budget. With back references its DFA over-approximates and
// the dissection confirms or refutes each candidate end, exponential at worst (as PostgreSQL's
// is), 54001 past the budget.
// The captures (subexpressions) are PostgreSQL's by that dissection: a concatenation splits where
// its first part takes its longest (or shortest, as it prefers) match that lets the rest match
// (regexp_match('abcd', '(a|ab)(c|bcd)(d*)') is {ab,c,d}, where the first way through the pattern
// gives {a,bcd,""}), an alternation takes its first alternative that matches its span, a
// repetition of captures is its repetitions but the last and then the last ('(a|aa)+' on 'aa' is
// {a}; '(?:(?:((?:a)*?)|a)){1,3}' on 'aaaaaaa' captures '', the first iterations taking the
// text), or without a minimum each iteration as long as it can be (an empty one where that is all
// there is: regexp_match('a', '(?:(b{0,2}))*') is {""}). The engines find the first way through the
// pattern, in leftmost-first order, that ends at the match; where a subexpression may decide
// otherwise (alternationMayMatter: an alternation whose alternatives may match different lengths,
// parentheses around more than one quantified character, a repetition of captures whose
// iterations vary in length), or RE2's captures may not be the first way's (re2MayDiffer),
// PostgreSQL's search dissects the match again, from the scan's budget, at most
// REGEX_CAPTURE_STEPS_MAX and REGEX_STEPS_PER_CHAR a character of the match for that match.
// Cost, from bench/regex/run.ts (10,000 rows of about 20 characters per query; p50 ms, the best
// of six runs each on a loaded 2-core machine, JavaScript's RegExp alone -> these engines): the
// rows alone 5.3; ~ '^abc' 6.1 -> 6.1; ~* 'foo.*bar' 6.3 -> 6.3; regexp_replace(s, '[0-9]+', '#',
// 'g') 19.0 -> 15.1; regexp_match with two groups 21.8 -> 13.2. On 1,000 rows of 2 KB, past the
// JavaScript bound, RE2 costs more: ~* 'foo.*bar' 2.2 -> 6.3, that regexp_replace 46 -> 182 (about
// 1 µs a match). PostgreSQL's longest or shortest match costs nothing on those (their first match
// is PostgreSQL's: the same figures before and after, to the noise, best of two runs on a quiet
// machine); where it does not, JavaScript's start and the backtracking engine's end cost about
// 0.6 µs more a call on a short text (substring(s from '[0-9]+|[0-9]+x'): 10.3 -> 16.0 ms per
// 10,000 rows), and RE2's leftmost-longest mode about what its leftmost-first mode does on 2 KB
// (3.3 -> 3.5 ms per 1,000 rows). PostgreSQL's search in place of the backtracking engine's
// (posixRegex alone over the bench's rows, the least of 12 rounds each, old -> new, on a loaded
// machine): that end from JavaScript's start 0.46 -> 0.66 µs a call; the captures where a
// subexpression decides them, regexp_match(s, '([a-z]+)(\d+)|q'), 3.2 -> 1.0 µs a call on a short
// text and 4.3 -> 2.5 µs on 2 KB; a lookahead pattern's match, '(\w+)(?= )|x', 3.1 -> 1.4 µs; the
// engines' fast paths unchanged (the same per call; bench/regex/run.ts, three interleaved runs each
// on a machine loaded five times over, could not tell old from new).
// Case-insensitive matching ('i', ~*) is PostgreSQL's, applied by the parser (regex-syntax.ts):
// a letter of the pattern matches its lowercase and its uppercase, the text is not case-folded
// ('ſ' ~* 's' is false), so all four engines run case-sensitively on the same tree.
// Known differences left: BRE syntax ('b' option) is refused (0A000). Where RE2's captures may
// differ (re2MayDiffer), a subexpression may decide them, or a non-greedy RE needs its shortest
// end, PostgreSQL's search works from RE2's match within that allowance; past it, RE2's captures
// stand, and for a non-greedy RE its leftmost-first end, which may be longer than PostgreSQL's
// shortest: regexp_match(repeat('a', 20000) || 'zbazq', '(.*?)(a[^b]*zq)') dissects in the square
// of the text.
// Raising 54001 instead would fail such queries outright. Not bounded: RE2 finds each match in time
// linear in the rest of the text (it runs until no preferred alternative is alive), so a global
// scan is quadratic at worst (regexp_count(repeat('a', 20000), 'a*x|a'): 5 s; PostgreSQL's engine
// is quadratic there too). Such a scan stops at the statement timeout (57014): it calls its
// context's interrupt whenever its RE2 searches may have done REGEX_INTERRUPT_WORK (characters
// times RE2's program size) since the last call. One search cannot be interrupted: it is linear in
// the text times the program (re2js: 3 to 20 ns per character and instruction).
// A global RegExp keeps its context (and text) only while a caller's scan runs: restartScan with
// none when it is done, or a cached RegExp keeps the last statement's memory alive.
import type { Matcher, RE2JS } from 're2js'
import { assert, SqlError } from '../errors/index.ts'
import type { EvalContext } from './expr.ts'
import { REGEX_CACHE_ENTRIES, REGEX_CAPTURE_STEPS_MAX, REGEX_CACHE_PATTERN_CHARS_MAX, REGEX_INTERRUPT_WORK, REGEX_STEPS_BASE, REGEX_STEPS_MAX, REGEX_STEPS_PER_CHAR } from './constants.ts'
import { Backtracker, nextBoundary, type StepBudget } from './regex-backtrack.ts'
import { Dissector } from './regex-dissect.ts'
import { compileJs } from './regex-js.ts'
import { compileRe2, re2MayDiffer } from './regex-re2.ts'
import { alternationMayMatter, firstMatchIsPostgres, hasBackref, parseRegex, patternTooComplex, type ParsedRegex } from './regex-syntax.ts'

/** A pattern compiled once for its pattern text and flags; PgRegExp objects share it. */
class Program {
  /** JavaScript's RegExp and the longest text it may run on (regex-js.ts); global, lastIndex set
   * before each use. */
  readonly js: { readonly re: RegExp; readonly lengthMax: number } | undefined
  /** Whether the engines' first match ends where PostgreSQL's does (firstMatchIsPostgres): then
   * JavaScript's RegExp may find it, and RE2 and the backtracking engine need not look further. */
  readonly firstIsPostgres: boolean
  /** Whether a subexpression may make PostgreSQL's captures other than the first way's to the
   * match (alternationMayMatter): then PostgreSQL's search dissects the match again. */
  readonly alternationMatters: boolean
  /** Whether only PostgreSQL's own search (the Dissector) may say whether there is a match: back
   * references where a leftmost-first match is not PostgreSQL's, since its dissection may refute
   * a match the other engines find, and its search skip a start (see Dissector.exec). */
  readonly dissectionDecides: boolean
  #re2: { readonly re: RE2JS | undefined; readonly exact: boolean } | undefined
  /** RE2's program in its leftmost-first mode, for `test` when `re2` is in leftmost-longest mode. */
  #re2First: RE2JS | undefined
  #backtracker: Backtracker | undefined
  #dissector: Dissector | undefined

  constructor(
    readonly pattern: string,
    readonly parsed: ParsedRegex,
  ) {
    this.js = compileJs(parsed)
    this.firstIsPostgres = firstMatchIsPostgres(parsed)
    this.alternationMatters = alternationMayMatter(parsed)
    this.dissectionDecides = !this.firstIsPostgres && hasBackref(parsed.root)
  }

  /** RE2's program (undefined when RE2 cannot run the pattern), compiled on first use: a pattern
   * only ever matched against short texts never needs it. */
  get re2(): RE2JS | undefined {
    return this.#compiledRe2().re
  }

  /** RE2's program for whether there is a match at all: in leftmost-first mode, which stops at
   * the first match where leftmost-longest reads on (a third slower on 2 KB texts). */
  get re2Test(): RE2JS | undefined {
    const re2 = this.re2
    if (re2 === undefined || this.firstIsPostgres || !this.parsed.longest) return re2
    return (this.#re2First ??= tooDeep(
      // Out of stack here, the leftmost-longest program answers the same.
      () => compileRe2(this.parsed) ?? re2,
      () => re2,
    ))
  }

  /** Whether exec may report RE2's match and captures as they are (see re2MayDiffer). */
  get re2Exact(): boolean {
    return this.#compiledRe2().exact
  }

  #compiledRe2(): { readonly re: RE2JS | undefined; readonly exact: boolean } {
    if (this.#re2 === undefined) {
      // Out of stack is this call's (it may run from deep in the stack), not the pattern's: not
      // kept, so that a later call compiles it again rather than leave the pattern to the
      // backtracking engine for good.
      let outOfStack = false
      const re = tooDeep(
        // RE2's leftmost-longest mode where its first match may end short of PostgreSQL's longest.
        () => compileRe2(this.parsed, !this.firstIsPostgres && this.parsed.longest),
        () => {
          outOfStack = true
          return undefined
        },
      )
      const compiled = { re, exact: re !== undefined && !re2MayDiffer(this.parsed.root) }
      if (outOfStack) return compiled
      this.#re2 = compiled
    }
    return this.#re2
  }

  /** PostgreSQL's own search for its match and captures (regex-dissect.ts). */
  get dissector(): Dissector {
    return (this.#dissector ??= tooDeep(
      () => new Dissector(this.parsed),
      () => {
        throw patternTooComplex()
      },
    ))
  }

  get backtracker(): Backtracker {
    return (this.#backtracker ??= tooDeep(
      () => new Backtracker(this.parsed),
      () => {
        throw patternTooComplex()
      },
    ))
  }
}

/** `f`, or `otherwise` when it runs out of stack: compiling recurses once per nesting level of
 * the pattern, like the parser, which refuses deeper ones (2201B), but it may run from a deeper
 * stack than the parser did. */
function tooDeep<T>(f: () => T, otherwise: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof RangeError) return otherwise()
    throw e
  }
}

/** The steps a scan of `s` may take on the backtracking engine. */
function budgetFor(s: string): StepBudget {
  const total = Math.min(REGEX_STEPS_MAX, REGEX_STEPS_BASE + REGEX_STEPS_PER_CHAR * s.length)
  return { left: total, total }
}

/**
 * A PostgreSQL pattern as a RegExp: exec, test, String's matchAll, replace and split run it on the
 * engines above (RegExp's own methods all go through exec). `source` is the PostgreSQL pattern;
 * never compile it, or this object's source, as a JavaScript RegExp: that brings back the
 * unbounded backtracking this class exists to avoid.
 */
class PgRegExp extends RegExp {
  readonly #program: Program
  /** The scan a global exec continues from lastIndex: its text, RE2 matcher and step budget,
   * and whether the backtracking engine ran out of that budget refining RE2's matches (it is not
   * tried again in the scan: RE2's answers stand). */
  #scan: Scan | undefined
  /** What a global scan calls as its RE2 searches cover text (see Interruptible); copies made
   * from this object (matchAll, split) keep it. */
  #interrupt: Interruptible | undefined

  /** `from` a PgRegExp: what RegExp's matchAll makes to iterate with (its species). */
  constructor(from: Program | PgRegExp, flags: string, interrupt?: Interruptible) {
    super('(?:)', flags)
    assert(!this.sticky, 'a PostgreSQL pattern is never sticky (split is written without it)')
    this.#program = from instanceof PgRegExp ? from.#program : from
    this.#interrupt = interrupt ?? (from instanceof PgRegExp ? from.#interrupt : undefined)
  }

  override get source(): string {
    return this.#program.pattern
  }

  /** Forgets the scan a global exec would continue (see restartScan). */
  restartScan(interrupt: Interruptible | undefined): void {
    this.#scan = undefined
    this.#interrupt = interrupt
    this.lastIndex = 0
  }

  override exec(input: string): RegExpExecArray | null {
    const s = String(input)
    const start = this.global ? this.lastIndex : 0
    const p = this.#program
    const js = p.js
    let caps: number[] | null
    // Group offsets ('d', regexp_instr's subexpressions) come from the other engines' captures.
    if (js !== undefined && s.length <= js.lengthMax && !this.hasIndices) {
      js.re.lastIndex = start
      const m = start > s.length ? null : js.re.exec(s)
      if (m === null || (p.firstIsPostgres && !p.alternationMatters)) {
        if (this.global) this.lastIndex = m === null ? 0 : m.index + m[0].length
        return m
      }
      const postgres = this.#postgresFrom(s, start, m)
      if (postgres === undefined) {
        if (this.global) this.lastIndex = m.index + m[0].length
        return m
      }
      caps = postgres
    } else if (start <= s.length) {
      caps = this.#match(s, start, this.#scanAt(s, start))
    } else caps = null
    if (this.global) this.lastIndex = caps === null ? 0 : (caps[1] as number)
    if (caps === null) return null
    const groups: (string | undefined)[] = []
    const indices: ([number, number] | undefined)[] = []
    for (let g = 0; g < caps.length; g += 2) {
      const [from, to] = [caps[g] as number, caps[g + 1] as number]
      groups.push(from < 0 ? undefined : s.slice(from, to))
      indices.push(from < 0 ? undefined : [from, to])
    }
    const found = { index: caps[0] as number, input: s, groups: undefined }
    return Object.assign(groups, this.hasIndices ? { ...found, indices } : found) as RegExpExecArray
  }

  override test(input: string): boolean {
    const { js } = this.#program
    if (this.global || this.#program.dissectionDecides) return this.exec(input) !== null
    const s = String(input)
    if (js !== undefined && s.length <= js.lengthMax) {
      js.re.lastIndex = 0
      return js.re.test(s)
    }
    const re2 = this.#program.re2Test
    return re2 === undefined ? this.exec(s) !== null : re2.test(s)
  }

  /** String.prototype.matchAll with this pattern: RegExp's own makes the same iteration through
   * a species copy and a generic iterator, at twice the cost per match. */
  override *[Symbol.matchAll](input: string): RegExpStringIterator<RegExpExecArray> {
    const s = String(input)
    const re = new PgRegExp(this, this.flags)
    re.lastIndex = this.lastIndex
    for (let m = re.exec(s); m !== null; m = re.global ? re.exec(s) : null) {
      yield m
      // An empty match moves on by one character, as RegExp's iterator does.
      if (m[0] === '') re.lastIndex = nextBoundary(s, re.lastIndex)
    }
  }

  /** String.prototype.split with this pattern, as ECMA-262 splits, without a sticky copy. */
  override [Symbol.split](input: string, limit?: number): string[] {
    const s = String(input)
    const max = limit === undefined ? 2 ** 32 - 1 : limit >>> 0
    const re = new PgRegExp(this, this.global ? this.flags : `${this.flags}g`)
    const out: string[] = []
    if (max === 0) return out
    if (s.length === 0) return re.exec(s) === null ? [s] : []
    let last = 0
    for (let q = 0; q < s.length; ) {
      re.lastIndex = q
      const m = re.exec(s)
      if (m === null || m.index >= s.length) break
      const end = Math.min(re.lastIndex, s.length)
      if (end === last) {
        q = nextBoundary(s, m.index)
        continue
      }
      out.push(s.slice(last, m.index), ...(m.slice(1) as string[]))
      if (out.length >= max) return out.slice(0, max)
      last = q = end
    }
    out.push(s.slice(last))
    return out
  }

  /** The scan a search at `start` belongs to. A global scan continues: its RE2 matcher keeps the
   * state of lookbehinds, its budget spans every match of the text. Anything else starts a scan. */
  #scanAt(s: string, start: number): Scan {
    if (!this.global || start === 0 || this.#scan?.input !== s) {
      this.#scan = { input: s, matcher: undefined, budget: budgetFor(s), refining: true, work: 0 }
    }
    const scan = this.#scan
    if (!this.global) this.#scan = undefined
    return scan
  }

  /** PostgreSQL's match where JavaScript's RegExp found where it starts (`m`, searching from
   * `from`) but its end or captures may not be PostgreSQL's. Where its end is PostgreSQL's
   * (firstMatchIsPostgres), PostgreSQL's captures of it (see #refine; undefined: JavaScript's
   * stand); elsewhere PostgreSQL's search from that start, within the step bound that let
   * JavaScript's RegExp run on this text (so never 54001), a tenth of what RE2 would cost on a
   * short text ('\d+|\d+\.\d+' on 20 characters: 0.5 µs, RE2 5 µs). */
  #postgresFrom(s: string, from: number, m: RegExpExecArray): number[] | null | undefined {
    const p = this.#program
    const [start, end] = [m.index, m.index + m[0].length]
    if (p.firstIsPostgres) {
      return this.#refine(this.#scanAt(s, from), end - start, (budget) => p.dissector.captures(s, start, end, budget)) ?? undefined
    }
    // With back references PostgreSQL's search may not find a match JavaScript's RegExp finds (its
    // dissection does not try every way through a subexpression, nor every start): its own
    // search it is.
    return p.dissectionDecides ? p.dissector.exec(s, from, budgetFor(s)) : p.dissector.exec(s, start, budgetFor(s), true)
  }

  /** `f` (PostgreSQL's captures of a match another engine found, or its shortest end from that
   * match's start) from the scan's budget, at most REGEX_CAPTURE_STEPS_MAX plus
   * REGEX_STEPS_PER_CHAR a character of the match (`length`); undefined past that, and for the
   * rest of the scan past the scan's budget, where the other engine's match stands: a pattern
   * those engines run never raises 54001 for its captures. */
  #refine(scan: Scan, length: number, f: (budget: StepBudget) => number[] | null): number[] | null | undefined {
    if (!scan.refining) return undefined
    const budget = scan.budget
    const allowed = Math.min(budget.left, REGEX_CAPTURE_STEPS_MAX + REGEX_STEPS_PER_CHAR * length)
    const steps: StepBudget = { left: allowed, total: allowed }
    try {
      return f(steps)
    } catch (e) {
      if (!(e instanceof SqlError && e.code === '54001')) throw e
      if (allowed === budget.left) scan.refining = false
      return undefined
    } finally {
      budget.left -= allowed - Math.max(steps.left, 0)
    }
  }

  /** [start, end] per group of the leftmost match at or after `start` (-1 unset), or null. */
  #match(s: string, start: number, scan: Scan): number[] | null {
    const p = this.#program
    const re2 = p.re2
    if (re2 === undefined) {
      // Lookaround constraints, back references, word constraints: the backtracking engine where
      // its first match is PostgreSQL's, PostgreSQL's search elsewhere; 54001 past the budget.
      if (!p.firstIsPostgres) return p.dissector.exec(s, start, scan.budget)
      const caps = p.backtracker.exec(s, start, scan.budget)
      if (caps === null || !p.alternationMatters) return caps
      const [from, to] = [caps[0] as number, caps[1] as number]
      return this.#refine(scan, to - from, (budget) => p.dissector.captures(s, from, to, budget)) ?? caps
    }
    const m = (scan.matcher ??= re2.matcher(s))
    // A search may read the rest of the text, at a cost per character that grows with RE2's
    // program: that work is what the statement timeout is checked by.
    scan.work += (s.length - start) * re2.programSize()
    if (scan.work >= REGEX_INTERRUPT_WORK) {
      scan.work = 0
      this.#interrupt?.interrupt?.()
    }
    if (!m.find(start)) return null
    const caps: number[] = []
    for (let g = 0; g <= p.parsed.groups; g++) caps.push(m.start(g), m.end(g))
    // RE2's match ends where PostgreSQL's does (its leftmost-longest mode for a greedy RE), but
    // for a non-greedy RE that firstMatchIsPostgres does not cover: RE2 has no shortest mode.
    const shortest = !p.firstIsPostgres && !p.parsed.longest
    if (!shortest && p.re2Exact && !p.alternationMatters) return caps
    // All engines start the leftmost match at the same place: PostgreSQL's search takes the
    // match from there, drawing on the scan's budget (a budget per match would make a scan of n
    // matches take n budgets).
    const [from, to] = [caps[0] as number, caps[1] as number]
    const refined = this.#refine(scan, to - from, (budget) =>
      shortest ? p.dissector.exec(s, from, budget, true) : p.dissector.captures(s, from, to, budget),
    )
    return refined ?? caps
  }
}

/** One scan of a text (see PgRegExp's #scan). */
interface Scan {
  readonly input: string
  matcher: Matcher | undefined
  readonly budget: StepBudget
  refining: boolean
  /** The work the scan's RE2 searches may have done since the last interrupt check (see
   * REGEX_INTERRUPT_WORK). */
  work: number
}

/** What a scan needs of its evaluation context: the interrupt that raises 57014 past the
 * statement timeout. */
type Interruptible = Pick<EvalContext, 'interrupt'>

function compile(pattern: string, flags: string, global: boolean): Program {
  const parsed = parseRegex(pattern, flags, global)
  return tooDeep(
    () => new Program(pattern, parsed),
    () => {
      throw patternTooComplex()
    },
  )
}

/** Compiled programs by flags and pattern, least recently used first. */
const cache = new Map<string, Program>()

/** A global copy of a RegExp posixRegex made, scanning from its lastIndex; with `indices`, each
 * match carries its groups' offsets (as the 'd' flag gives them). Like any global one, it keeps
 * the scan it runs (its text, RE2 matcher and step budget) from one exec to the next: a caller
 * that keeps it for other texts or calls restarts it first (restartScan). */
export function globalScan(re: RegExp, indices = false, interrupt?: Interruptible): RegExp {
  assert(re instanceof PgRegExp, 'globalScan takes a RegExp made by posixRegex')
  return new PgRegExp(re, `${re.global ? re.flags : `${re.flags}g`}${indices && !re.hasIndices ? 'd' : ''}`, interrupt)
}

/** Makes the next exec of a global RegExp from posixRegex or globalScan start a scan of its own,
 * with a step budget of its own, rather than continue the last one (which it does for the same
 * text at a lastIndex past 0), and sets its lastIndex to 0; the scan checks `interrupt`. */
export function restartScan(re: RegExp, interrupt: Interruptible | undefined): void {
  assert(re instanceof PgRegExp, 'restartScan takes a RegExp made by posixRegex')
  re.restartScan(interrupt)
}

/** A POSIX (ARE) pattern as a RegExp (see PgRegExp), with PostgreSQL's flags ('i', 'c', 'g',
 * 'n'/'m', 'p', 'w', 's', 'x', 't', 'q'), its pattern prefixes ('***=', '***:') and embedded
 * options; global as with 'g'. 2201B when the pattern is invalid, 22023 for an unknown flag; its
 * exec and test raise 54001 past the backtracking engine's step budget. */
export function posixRegex(pattern: string, flags: string, global = false): RegExp {
  const key = `${global ? 'g' : ''}${flags}\0${pattern}`
  let program = cache.get(key)
  if (program === undefined) {
    program = compile(pattern, flags, global)
    // A long pattern (from data, say) is compiled again on each call rather than kept.
    if (pattern.length <= REGEX_CACHE_PATTERN_CHARS_MAX) {
      if (cache.size >= REGEX_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
      cache.set(key, program)
    }
  } else {
    cache.delete(key)
    cache.set(key, program)
  }
  const o = program.parsed.options
  return new PgRegExp(program, `v${o.icase ? 'i' : ''}${o.global ? 'g' : ''}`)
}
