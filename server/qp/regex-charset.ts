// Bracket expressions and classes of PostgreSQL's regular expressions (ARCHITECTURE.md "query
// processor": evaluate), in the two forms the engines take: a JavaScript 'v'-mode class (one
// character at a time, regex-backtrack.ts) and code point ranges (regex-re2.ts). The ranges of a
// named class are read off the JavaScript class, so that both engines agree on every character.
import type { CharSet, ClassName, SetItem } from './regex-syntax.ts'

// Character classes as the contents of a 'v'-mode bracket, matching PostgreSQL's in a UTF8
// database (checked against PostgreSQL): digits are ASCII only, letters are Unicode's Alphabetic
// plus the non-ASCII decimal digits (which the C library files under alpha), no-break spaces are
// not spaces.
const ALNUM = '\\p{Alphabetic}\\p{Nd}'
const SPACE = '\\t\\n\\v\\f\\r\\x20\\x85\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000'
const CLASSES: Readonly<Record<ClassName, string>> = {
  alpha: '[[\\p{Alphabetic}\\p{Nd}]--[0-9]]',
  digit: '0-9',
  alnum: ALNUM,
  word: `${ALNUM}_`,
  upper: '\\p{Uppercase}',
  lower: '\\p{Lowercase}',
  space: SPACE,
  blank: '\\t\\x20',
  punct: '\\p{P}\\p{S}',
  cntrl: '\\p{Cc}',
  xdigit: '0-9A-Fa-f',
  graph: `[^${SPACE}\\p{C}]`,
  print: '[^\\p{C}]',
}

/** The word characters of \m, \M, \y, \Y and [[:<:]]: alnum and underscore. */
export const WORD_SET: CharSet = { negated: false, items: [{ kind: 'class', name: 'word', negated: false }] }

const LAST_CODE_POINT = 0x10ffff

/** One character as a JS literal safe both inside and outside a 'v'-mode bracket. */
function jsLiteral(cp: number): string {
  const c = String.fromCodePoint(cp)
  return /[A-Za-z0-9]/.test(c) || cp > 0x7f ? c : `\\u{${cp.toString(16)}}`
}

function jsItem(item: SetItem): string {
  if (item.kind === 'range') return item.lo === item.hi ? jsLiteral(item.lo) : `${jsLiteral(item.lo)}-${jsLiteral(item.hi)}`
  return item.negated ? `[^${CLASSES[item.name]}]` : CLASSES[item.name]
}

/** The set as a JavaScript 'v'-mode class ('[...]'). */
export function jsSetSource(set: CharSet): string {
  return `[${set.negated ? '^' : ''}${set.items.map(jsItem).join('')}]`
}

/** Sorted, disjoint, non-adjacent inclusive code point ranges: [lo0, hi0, lo1, hi1, ...]. */
export type Ranges = readonly number[]

/** The union of the set's items as ranges (its `negated` not applied: RE2 complements a class
 * after case folding it, as JavaScript's 'v' mode does, so the caller writes '[^...]'). */
export function setRanges(set: CharSet): Ranges {
  const pairs: [number, number][] = []
  for (const item of set.items) {
    const r = item.kind === 'range' ? [item.lo, item.hi] : classRanges(item.name, item.negated)
    for (let i = 0; i < r.length; i += 2) pairs.push([r[i] as number, r[i + 1] as number])
  }
  return merge(pairs)
}

/** Inclusive pairs in any order as Ranges. */
function merge(pairs: [number, number][]): Ranges {
  pairs.sort((a, b) => a[0] - b[0])
  const out: number[] = []
  for (const [lo, hi] of pairs) {
    const last = out.length - 1
    if (last > 0 && lo <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, hi)
    else out.push(lo, hi)
  }
  return out
}

const classCache = new Map<string, Ranges>()

/** A named class's ranges (its complement when negated), read once per process from the
 * JavaScript class over every code point. */
function classRanges(name: ClassName, negated: boolean): Ranges {
  const key = `${negated ? '^' : ''}${name}`
  let r = classCache.get(key)
  if (r === undefined) {
    r = negated ? complement(classRanges(name, false)) : scan(CLASSES[name])
    classCache.set(key, r)
  }
  return r
}

function complement(r: Ranges): Ranges {
  const out: number[] = []
  let next = 0
  for (let i = 0; i < r.length; i += 2) {
    if ((r[i] as number) > next) out.push(next, (r[i] as number) - 1)
    next = (r[i + 1] as number) + 1
  }
  if (next <= LAST_CODE_POINT) out.push(next, LAST_CODE_POINT)
  return out
}

/** Every code point outside the surrogates, as two strings: the BMP (one unit each, the
 * surrogate block left out) and the astral planes (two units each). Built on first use. */
let everyCodePoint: { readonly bmp: string; readonly astral: string } | undefined

function codePointsText(from: number, to: number, skipFrom = -1, skipTo = -1): string {
  const parts: string[] = []
  const chunk: number[] = []
  for (let cp = from; cp <= to; cp++) {
    if (cp >= skipFrom && cp <= skipTo) continue
    chunk.push(cp)
    if (chunk.length === 8192) parts.push(String.fromCodePoint(...chunk.splice(0)))
  }
  parts.push(String.fromCodePoint(...chunk))
  return parts.join('')
}

/** The code points a JavaScript class body matches, as ranges. */
function scan(body: string): Ranges {
  everyCodePoint ??= { bmp: codePointsText(0, 0xffff, 0xd800, 0xdfff), astral: codePointsText(0x10000, LAST_CODE_POINT) }
  const pairs: [number, number][] = []
  const runs = new RegExp(`[${body}]+`, 'gv')
  for (const m of everyCodePoint.bmp.matchAll(runs)) {
    // Indexes past the left-out surrogate block are 0x800 below their code points.
    const [lo, hi] = [m.index, m.index + m[0].length - 1]
    if (hi < 0xd800 || lo >= 0xd800) pairs.push(lo < 0xd800 ? [lo, hi] : [lo + 0x800, hi + 0x800])
    else pairs.push([lo, 0xd7ff], [0xe000, hi + 0x800])
  }
  // A lone surrogate is a character of its own to both engines.
  const one = new RegExp(`^[${body}]$`, 'v')
  for (let cp = 0xd800; cp <= 0xdfff; cp++) if (one.test(String.fromCharCode(cp))) pairs.push([cp, cp])
  for (const m of everyCodePoint.astral.matchAll(runs)) {
    const lo = 0x10000 + m.index / 2
    pairs.push([lo, lo + m[0].length / 2 - 1])
  }
  return merge(pairs)
}
