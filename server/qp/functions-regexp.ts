// The regular expression functions (ARCHITECTURE.md "query processor": bind and evaluate):
// regexp_replace, regexp_match, regexp_count, regexp_instr, regexp_like and regexp_substr with
// PostgreSQL's optional start, N, end option, flags and subexpression arguments and its checks of
// them (22023). Patterns go through posix-regex.ts, PostgreSQL's ARE syntax translated to JS.
import { SqlError, assert } from '../errors/index.ts'
import { REGEX_CACHE_ENTRIES, REGEX_CACHE_PATTERN_CHARS_MAX } from './constants.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { globalScan, posixRegex } from './posix-regex.ts'
import { checkTextLength, type Datum } from './types/index.ts'

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
    i += (s.codePointAt(i) as number) > 0xffff ? 2 : 1
  }
  return i
}

/** The 1-based character position of a UTF-16 offset. */
const positionOf = (s: string, offset: number) => Array.from(s.slice(0, offset)).length + 1

/** How a compiled pattern is used: tested or matched once, searched repeatedly ('g'), or searched
 * repeatedly with its groups' offsets ('g' and 'd'). */
type RegexUse = 'once' | 'search' | 'searchIndices'

const compiled = new Map<string, RegExp>()

/** posixRegex(pattern, flags) for `use`, its program compiled once per pattern and flags. A search
 * gets a global copy of its own per call (`globalScan`, no compiling): a global one keeps the state
 * of the scan it runs (its text, its step budget), which calls on other rows must not continue.
 * Never `new RegExp(re.source)`: the source is the PostgreSQL pattern (posix-regex.ts). */
function regexFor(pattern: string, flags: string, use: RegexUse): RegExp {
  const key = `${flags}\u0000${pattern}`
  let re = compiled.get(key)
  if (re === undefined) {
    re = posixRegex(pattern, flags)
    if (pattern.length <= REGEX_CACHE_PATTERN_CHARS_MAX) {
      if (compiled.size >= REGEX_CACHE_ENTRIES) compiled.delete(compiled.keys().next().value as string)
      compiled.set(key, re)
    }
  }
  return use === 'once' ? re : globalScan(re, use === 'searchIndices')
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
    if (m[0].length === 0) at += (s.codePointAt(at) ?? 0) > 0xffff ? 2 : 1
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
function regexpReplace(s: string, pattern: string, repl: string, flags: string, start = 1, n?: number): string {
  const search = regexFor(pattern, flags, 'search')
  // 'g' is read only from the flags (posixRegex refuses it embedded), and the search is global.
  const nth = n ?? (flags.includes('g') ? 0 : 1)
  const sub = replacement(repl)
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
}

const regexpMatch = (s: string, pattern: string, flags: string): Datum => {
  const m = regexFor(pattern, withoutGlobal('regexp_match', flags), 'once').exec(s)
  return m === null ? null : matchArray(m)
}

function regexpCount(s: string, pattern: string, start: bigint, flags: string): bigint {
  const from = atLeast('start', start, 1n)
  const search = regexFor(pattern, withoutGlobal('regexp_count', flags), 'search')
  let count = 0n
  for (const _m of matchesFrom(s, search, from)) count++
  return count
}

/** Which part of the `n`th match regexp_instr and regexp_substr look at: the whole match, or
 * subexpression `subexpr` (with no parenthesized subexpressions, 1 is the whole match too, as in
 * PostgreSQL); undefined when there is no such match or subexpression, or it took no part. */
function matchPart(
  fn: string,
  s: string,
  pattern: string,
  options: { start: bigint; n: bigint; flags: string; subexpr: bigint },
): readonly [number, number] | undefined {
  const start = atLeast('start', options.start, 1n)
  const n = atLeast('n', options.n, 1n)
  const subexpr = atLeast('subexpr', options.subexpr, 0n)
  const m = nthMatch(s, regexFor(pattern, withoutGlobal(fn, options.flags), 'searchIndices'), start, n)
  if (m === undefined) return undefined
  const groups = m.length - 1
  if (subexpr > Math.max(groups, 1)) return undefined
  return groups === 0 || subexpr === 0 ? [m.index, m.index + m[0].length] : m.indices?.[subexpr]
}

function regexpInstr(
  s: string,
  pattern: string,
  options: { start: bigint; n: bigint; endOption: bigint; flags: string; subexpr: bigint },
): bigint {
  // PostgreSQL checks the arguments in this order: start, n, endoption, subexpr, flags.
  atLeast('start', options.start, 1n)
  atLeast('n', options.n, 1n)
  if (options.endOption !== 0n && options.endOption !== 1n) {
    throw new SqlError('22023', `invalid value for parameter "endoption": ${options.endOption}`)
  }
  const part = matchPart('regexp_instr', s, pattern, options)
  if (part === undefined) return 0n
  return BigInt(positionOf(s, part[options.endOption === 1n ? 1 : 0]))
}

function regexpSubstr(s: string, pattern: string, options: { start: bigint; n: bigint; flags: string; subexpr: bigint }): Datum {
  const part = matchPart('regexp_substr', s, pattern, options)
  return part === undefined ? null : s.slice(part[0], part[1])
}

const instr = (a: readonly Datum[]) =>
  regexpInstr(str(a[0]), str(a[1]), {
    start: a.length > 2 ? int(a[2]) : 1n,
    n: a.length > 3 ? int(a[3]) : 1n,
    endOption: a.length > 4 ? int(a[4]) : 0n,
    flags: a.length > 5 ? str(a[5]) : '',
    subexpr: a.length > 6 ? int(a[6]) : 0n,
  })

const substr = (a: readonly Datum[]) =>
  regexpSubstr(str(a[0]), str(a[1]), {
    start: a.length > 2 ? int(a[2]) : 1n,
    n: a.length > 3 ? int(a[3]) : 1n,
    flags: a.length > 4 ? str(a[4]) : '',
    subexpr: a.length > 5 ? int(a[5]) : 0n,
  })

const { text: t, int4: i } = T

/** The regular expression functions, by lowercase name. */
export const REGEXP_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['regexp_replace', overloads(
    sig([t, t, t], t, (a) => regexpReplace(str(a[0]), str(a[1]), str(a[2]), '')),
    // An untyped fourth argument is the flags (listed first), as PostgreSQL resolves it.
    sig([t, t, t, t], t, (a) => regexpReplace(str(a[0]), str(a[1]), str(a[2]), str(a[3]))),
    sig([t, t, t, i], t, (a) => regexpReplace(str(a[0]), str(a[1]), str(a[2]), '', atLeast('start', int(a[3]), 1n))),
    sig([t, t, t, i, i], t, (a) =>
      regexpReplace(str(a[0]), str(a[1]), str(a[2]), '', atLeast('start', int(a[3]), 1n), atLeast('n', int(a[4]), 0n))),
    sig([t, t, t, i, i, t], t, (a) =>
      regexpReplace(str(a[0]), str(a[1]), str(a[2]), str(a[5]), atLeast('start', int(a[3]), 1n), atLeast('n', int(a[4]), 0n))),
  )],
  ['regexp_match', overloads(
    sig([t, t], T.textArray, (a) => regexpMatch(str(a[0]), str(a[1]), '')),
    sig([t, t, t], T.textArray, (a) => regexpMatch(str(a[0]), str(a[1]), str(a[2]))),
  )],
  ['regexp_count', overloads(
    sig([t, t], i, (a) => regexpCount(str(a[0]), str(a[1]), 1n, '')),
    sig([t, t, i], i, (a) => regexpCount(str(a[0]), str(a[1]), int(a[2]), '')),
    sig([t, t, i, t], i, (a) => regexpCount(str(a[0]), str(a[1]), int(a[2]), str(a[3]))),
  )],
  ['regexp_like', overloads(
    sig([t, t], T.bool, (a) => regexFor(str(a[1]), '', 'once').test(str(a[0]))),
    sig([t, t, t], T.bool, (a) => regexFor(str(a[1]), withoutGlobal('regexp_like', str(a[2])), 'once').test(str(a[0]))),
  )],
  ['regexp_instr', overloads(
    sig([t, t], i, instr),
    sig([t, t, i], i, instr),
    sig([t, t, i, i], i, instr),
    sig([t, t, i, i, i], i, instr),
    sig([t, t, i, i, i, t], i, instr),
    sig([t, t, i, i, i, t, i], i, instr),
  )],
  ['regexp_substr', overloads(
    sig([t, t], t, substr),
    sig([t, t, i], t, substr),
    sig([t, t, i, i], t, substr),
    sig([t, t, i, i, t], t, substr),
    sig([t, t, i, i, t, i], t, substr),
  )],
])
