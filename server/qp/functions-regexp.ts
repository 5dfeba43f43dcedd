// The regular expression functions (ARCHITECTURE.md "query processor": bind and evaluate):
// regexp_replace, regexp_match, regexp_count, regexp_instr, regexp_like and regexp_substr with
// PostgreSQL's optional start, N, end option, flags and subexpression arguments and its checks of
// them (22023). Patterns go through posix-regex.ts, PostgreSQL's ARE syntax translated to JS.
// A constant pattern (and flags) is compiled once when the call is bound, any other once per
// distinct pattern and flags (a bounded cache), not on every row.
import { SqlError, assert } from '../errors/index.ts'
import { REGEX_CACHE_ENTRIES, REGEX_CACHE_PATTERN_CHARS_MAX } from './constants.ts'
import type { EvalContext } from './expr.ts'
import { T, overloads, type Signature } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { globalScan, posixRegex, restartScan } from './posix-regex.ts'
import { nextBoundary } from './regex-backtrack.ts'
import { checkTextLength, type Datum, type SqlType } from './types/index.ts'

const str = (d: Datum | undefined) => d as string
const int = (d: Datum | undefined) => d as bigint

/** A strictly checked integer parameter: 22023 below `min`, with PostgreSQL's message. */
function atLeast(name: string, value: bigint, min: bigint): number {
  if (value < min) throw new SqlError('22023', `invalid value for parameter "${name}": ${value}`)
  return Number(value)
}

/** Flags for a function that finds its matches itself: PostgreSQL reads all the options first
 * (an invalid one is reported as posixRegex reports it), then refuses 'g'. */
function withoutGlobal(fn: string, flags: string): string {
  if (flags.includes('g')) {
    posixRegex('', flags)
    throw new SqlError('22023', `${fn}() does not support the "global" option`, {
      ...(fn === 'regexp_match' && { hint: 'Use the regexp_matches function instead.' }),
    })
  }
  return flags
}

/** The UTF-16 offset of the character after the first `count` (undefined: the text is shorter). */
function offsetOfChars(s: string, count: number): number | undefined {
  let i = 0
  for (let n = 0; n < count; n++) {
    if (i >= s.length) return undefined
    i = nextBoundary(s, i)
  }
  return i
}

/** The 1-based character position of a UTF-16 offset. */
const positionOf = (s: string, offset: number) => Array.from(s.slice(0, offset)).length + 1

/** A pattern compiled with its flags: the RegExp that tests or matches once, and the global ones
 * that search (with their groups' offsets for `indices`), each made once. Never
 * `new RegExp(re.source)`: the source is the PostgreSQL pattern (posix-regex.ts). */
class CompiledPattern {
  readonly once: RegExp
  #search: RegExp | undefined
  #searchIndices: RegExp | undefined

  constructor(pattern: string, flags: string) {
    this.once = posixRegex(pattern, flags)
  }

  /** `f` with the global RegExp for a new search, which checks `ctx`'s statement timeout as it
   * goes (posix-regex.ts). A global RegExp keeps the state of the scan it runs (its text, its step
   * budget, the context), which a call on another row must not continue: each search restarts it,
   * and forgets it after `f` (this object outlives the statement, its text and its context).
   * Calls never overlap (evaluation is synchronous and runs no other search meanwhile). */
  withSearch<T>(indices: boolean, ctx: EvalContext, f: (search: RegExp) => T): T {
    const re = indices ? (this.#searchIndices ??= globalScan(this.once, true)) : (this.#search ??= globalScan(this.once))
    restartScan(re, ctx)
    try {
      return f(re)
    } finally {
      restartScan(re, undefined)
    }
  }
}

const compiled = new Map<string, CompiledPattern>()

/** The pattern compiled once per pattern and flags, for patterns that differ from row to row. */
function compiledFor(pattern: string, flags: string): CompiledPattern {
  const key = `${flags}\u0000${pattern}`
  let c = compiled.get(key)
  if (c === undefined) {
    c = new CompiledPattern(pattern, flags)
    if (pattern.length <= REGEX_CACHE_PATTERN_CHARS_MAX) {
      if (compiled.size >= REGEX_CACHE_ENTRIES) compiled.delete(compiled.keys().next().value as string)
      compiled.set(key, c)
    }
  }
  return c
}

/** The call's compiled pattern, got when the function needs it (after checking the arguments
 * PostgreSQL checks first). */
type PatternOf = () => CompiledPattern

/**
 * A signature whose argument 1 is the pattern and argument `flagsAt` (if any) the flags, checked
 * with withoutGlobal(`fn`) unless `fn` is undefined; `run` gets the call's compiled pattern. With
 * a constant pattern and flags it is compiled once at bind; one that is invalid is left to the
 * rows, which raise its error as PostgreSQL does (a query that evaluates none raises nothing).
 */
function patternSig(
  params: readonly SqlType[],
  type: SqlType,
  flagsAt: number | undefined,
  fn: string | undefined,
  run: (a: readonly Datum[], pattern: PatternOf, ctx: EvalContext) => Datum,
): Signature {
  const compile = (a: readonly (Datum | undefined)[]) => {
    const flags = flagsAt === undefined ? '' : str(a[flagsAt])
    return compiledFor(str(a[1]), fn === undefined ? flags : withoutGlobal(fn, flags))
  }
  return {
    params,
    type,
    apply: (a, ctx) => run(a, () => compile(a), ctx),
    withConstants: (c) => {
      if (typeof c[1] !== 'string' || (flagsAt !== undefined && typeof c[flagsAt] !== 'string')) return undefined
      let fixed: CompiledPattern
      try {
        fixed = compile(c)
      } catch (e) {
        // Handled by not compiling at bind: `apply` raises the same error on the first row.
        if (e instanceof SqlError) return undefined
        throw e
      }
      return (a, ctx) => run(a, () => fixed, ctx)
    },
  }
}

/**
 * The successive matches of the global `search` in `s` from the 1-based character position
 * `start`, as PostgreSQL's setup_regexp_matches finds them: the pattern still sees the whole text
 * (`^` matches only at its real start, a lookbehind sees what lies before `start`), each search
 * begins where the last match ended, and an empty match moves on one character.
 */
function* matchesFrom(s: string, search: RegExp, start: number): Generator<RegExpExecArray> {
  assert(search.global, 'matchesFrom searches with a global RegExp')
  let at = offsetOfChars(s, start - 1)
  if (at === undefined) return
  while (at <= s.length) {
    search.lastIndex = at
    const m = search.exec(s)
    if (m === null) return
    yield m
    at = m.index + m[0].length
    if (m[0].length === 0) at = nextBoundary(s, at)
  }
}

/** The `n`th match (1-based) from `start`, or undefined. */
function nthMatch(s: string, search: RegExp, start: number, n: number): RegExpExecArray | undefined {
  let seen = 0
  for (const m of matchesFrom(s, search, start)) if (++seen === n) return m
  return undefined
}

/** The match's captures (or the whole match when the pattern has none), unmatched ones NULL. */
export function matchArray(m: RegExpExecArray): (string | null)[] {
  return m.length > 1 ? m.slice(1).map((g) => g ?? null) : [m[0]]
}

/** PostgreSQL's replacement text: \1-\9 a group (empty when it did not take part or does not
 * exist), \& the match, \\ a backslash; any other backslash stays as written. */
function replacement(repl: string): (m: string, groups: readonly (string | undefined)[]) => string {
  return (m, groups) =>
    repl.replace(/\\([1-9&\\])/g, (_x, c: string) => (c === '&' ? m : c === '\\' ? '\\' : (groups[Number(c) - 1] ?? '')))
}

/** regexp_replace: the `n`th match from `start` (0: every match; by default every match with the
 * 'g' flag, else the first). */
function regexpReplace(ctx: EvalContext, s: string, pattern: CompiledPattern, repl: string, flags: string, start = 1, n?: number): string {
  // 'g' is read only from the flags (posixRegex refuses it embedded), and the search is global.
  const nth = n ?? (flags.includes('g') ? 0 : 1)
  const sub = replacement(repl)
  return pattern.withSearch(false, ctx, (search) => {
    let out = ''
    let last = 0
    let seen = 0
    for (const m of matchesFrom(s, search, start)) {
      if (nth > 0 && ++seen < nth) continue
      out += s.slice(last, m.index) + sub(m[0], m.slice(1))
      checkTextLength(out.length)
      last = m.index + m[0].length
      if (nth > 0) break
    }
    out += s.slice(last)
    checkTextLength(out.length)
    return out
  })
}

const regexpMatch = (s: string, pattern: CompiledPattern): Datum => {
  const m = pattern.once.exec(s)
  return m === null ? null : matchArray(m)
}

function regexpCount(ctx: EvalContext, s: string, pattern: PatternOf, start: bigint): bigint {
  const from = atLeast('start', start, 1n)
  return pattern().withSearch(false, ctx, (search) => {
    let count = 0n
    for (const _m of matchesFrom(s, search, from)) count++
    return count
  })
}

/** Which part of the `n`th match regexp_instr and regexp_substr look at: the whole match, or
 * subexpression `subexpr` (with no parenthesized subexpressions, 1 is the whole match too, as in
 * PostgreSQL); undefined when there is no such match or subexpression, or it took no part. */
function matchPart(
  s: string,
  pattern: PatternOf,
  options: { start: bigint; n: bigint; subexpr: bigint },
  ctx: EvalContext,
): readonly [number, number] | undefined {
  const start = atLeast('start', options.start, 1n)
  const n = atLeast('n', options.n, 1n)
  const subexpr = atLeast('subexpr', options.subexpr, 0n)
  const m = pattern().withSearch(true, ctx, (search) => nthMatch(s, search, start, n))
  if (m === undefined) return undefined
  const groups = m.length - 1
  if (subexpr > Math.max(groups, 1)) return undefined
  return groups === 0 || subexpr === 0 ? [m.index, m.index + m[0].length] : m.indices?.[subexpr]
}

function regexpInstr(
  s: string,
  pattern: PatternOf,
  options: { start: bigint; n: bigint; endOption: bigint; subexpr: bigint },
  ctx: EvalContext,
): bigint {
  // PostgreSQL checks the arguments in this order: start, n, endoption, subexpr, flags.
  atLeast('start', options.start, 1n)
  atLeast('n', options.n, 1n)
  if (options.endOption !== 0n && options.endOption !== 1n) {
    throw new SqlError('22023', `invalid value for parameter "endoption": ${options.endOption}`)
  }
  const part = matchPart(s, pattern, options, ctx)
  if (part === undefined) return 0n
  return BigInt(positionOf(s, part[options.endOption === 1n ? 1 : 0]))
}

function regexpSubstr(s: string, pattern: PatternOf, options: { start: bigint; n: bigint; subexpr: bigint }, ctx: EvalContext): Datum {
  const part = matchPart(s, pattern, options, ctx)
  return part === undefined ? null : s.slice(part[0], part[1])
}

const instr = (a: readonly Datum[], pattern: PatternOf, ctx: EvalContext) =>
  regexpInstr(str(a[0]), pattern, {
    start: a.length > 2 ? int(a[2]) : 1n,
    n: a.length > 3 ? int(a[3]) : 1n,
    endOption: a.length > 4 ? int(a[4]) : 0n,
    subexpr: a.length > 6 ? int(a[6]) : 0n,
  }, ctx)

const substr = (a: readonly Datum[], pattern: PatternOf, ctx: EvalContext) =>
  regexpSubstr(str(a[0]), pattern, {
    start: a.length > 2 ? int(a[2]) : 1n,
    n: a.length > 3 ? int(a[3]) : 1n,
    subexpr: a.length > 5 ? int(a[5]) : 0n,
  }, ctx)

const { text: t, int4: i } = T
const flagsAt = (params: readonly SqlType[], at: number) => (params.length > at ? at : undefined)

/** The regular expression functions, by lowercase name. */
export const REGEXP_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['regexp_replace', overloads(
    patternSig([t, t, t], t, undefined, undefined, (a, p, ctx) => regexpReplace(ctx, str(a[0]), p(), str(a[2]), '')),
    // An untyped fourth argument is the flags (listed first), as PostgreSQL resolves it.
    patternSig([t, t, t, t], t, 3, undefined, (a, p, ctx) => regexpReplace(ctx, str(a[0]), p(), str(a[2]), str(a[3]))),
    patternSig([t, t, t, i], t, undefined, undefined, (a, p, ctx) => {
      const start = atLeast('start', int(a[3]), 1n)
      return regexpReplace(ctx, str(a[0]), p(), str(a[2]), '', start)
    }),
    patternSig([t, t, t, i, i], t, undefined, undefined, (a, p, ctx) => {
      const [start, n] = [atLeast('start', int(a[3]), 1n), atLeast('n', int(a[4]), 0n)]
      return regexpReplace(ctx, str(a[0]), p(), str(a[2]), '', start, n)
    }),
    patternSig([t, t, t, i, i, t], t, 5, undefined, (a, p, ctx) => {
      const [start, n] = [atLeast('start', int(a[3]), 1n), atLeast('n', int(a[4]), 0n)]
      return regexpReplace(ctx, str(a[0]), p(), str(a[2]), str(a[5]), start, n)
    }),
  )],
  ['regexp_match', overloads(
    patternSig([t, t], T.textArray, undefined, 'regexp_match', (a, p) => regexpMatch(str(a[0]), p())),
    patternSig([t, t, t], T.textArray, 2, 'regexp_match', (a, p) => regexpMatch(str(a[0]), p())),
  )],
  ['regexp_count', overloads(
    patternSig([t, t], i, undefined, 'regexp_count', (a, p, ctx) => regexpCount(ctx, str(a[0]), p, 1n)),
    patternSig([t, t, i], i, undefined, 'regexp_count', (a, p, ctx) => regexpCount(ctx, str(a[0]), p, int(a[2]))),
    patternSig([t, t, i, t], i, 3, 'regexp_count', (a, p, ctx) => regexpCount(ctx, str(a[0]), p, int(a[2]))),
  )],
  ['regexp_like', overloads(
    patternSig([t, t], T.bool, undefined, 'regexp_like', (a, p) => p().once.test(str(a[0]))),
    patternSig([t, t, t], T.bool, 2, 'regexp_like', (a, p) => p().once.test(str(a[0]))),
  )],
  ['regexp_instr', overloads(
    ...[[t, t], [t, t, i], [t, t, i, i], [t, t, i, i, i], [t, t, i, i, i, t], [t, t, i, i, i, t, i]].map((params) =>
      patternSig(params, i, flagsAt(params, 5), 'regexp_instr', instr)),
  )],
  ['regexp_substr', overloads(
    ...[[t, t], [t, t, i], [t, t, i, i], [t, t, i, i, t], [t, t, i, i, t, i]].map((params) =>
      patternSig(params, t, flagsAt(params, 4), 'regexp_substr', substr)),
  )],
])
