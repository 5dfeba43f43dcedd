// LIKE and ILIKE (ARCHITECTURE.md "query processor": evaluate) without a regular expression: '%'
// cuts the pattern into fixed-length segments, the first anchored at the start, the last at the
// end, each other found leftmost after the one before, which is time linear in the text times the
// pattern (a backtracking RegExp took 21 s for 100 characters against '%a%a%a%a%a%a%b').
import { SqlError } from '../errors/index.ts'
import { lowerOf } from './case-mapping.ts'

/** '_' in a segment: any one character. */
const ANY = -1

/** A compiled LIKE pattern. */
export interface LikePattern {
  /** Whether `text` matches. A pattern ending in its escape character matches nothing, but
   * PostgreSQL's matcher (like_match.c) raises 22025 when it reaches that escape: see
   * likePattern. */
  matches(text: string): boolean
}

/** A SQL LIKE pattern (`escape` makes the next character literal, '' for none; `%` any text, `_`
 * one character). ILIKE compares the texts lowercased a character at a time into one character
 * (case-mapping.ts), as PostgreSQL does (lower() of both sides, the C library's towlower on each
 * character), so 'ΟΔΟΣ' ILIKE 'οδοσ' and 'İ' ILIKE '_'. */
export function likePattern(pattern: string, caseInsensitive: boolean, escape = '\\'): LikePattern {
  const segments: number[][] = [[]]
  const literal = (c: string) => {
    const current = segments[segments.length - 1] as number[]
    const cp = c.codePointAt(0) as number
    current.push(caseInsensitive ? lowerOf(cp) : cp)
  }
  const cps = Array.from(pattern)
  let trailingEscape = false
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as string
    if (escape !== '' && c === escape) {
      if (i + 1 < cps.length) literal(cps[++i] as string)
      else trailingEscape = true
    } else if (c === '%') segments.push([])
    else if (c === '_') (segments[segments.length - 1] as number[]).push(ANY)
    else literal(c)
  }
  if (trailingEscape) reachingTheEscape(segments)
  const plain = segments.every((s) => !s.includes(ANY)) ? segments.map((s) => String.fromCodePoint(...s)) : undefined
  return {
    matches(text: string): boolean {
      const t = caseInsensitive ? lowerEach(text) : text
      const hit = plain !== undefined ? matchPlain(plain, t) : matchSegments(segments, Array.from(t, (c) => c.codePointAt(0) as number))
      if (hit && trailingEscape) throw new SqlError('22025', 'LIKE pattern must not end with escape character')
      return hit
    },
  }
}

/**
 * Turns the segments before a trailing escape into a pattern that matches where PostgreSQL's
 * MatchText reaches that escape, and so raises 22025. It places each segment after a '%' at its
 * leftmost match, as ours does (a '%' never tries a later place once the rest of the pattern
 * reached another '%' or the end of the text), and reaches the escape either in its main loop,
 * which needs a character left to compare with it, or right after a '%' and the '_'s following
 * it (however many '%'s among them), which needs only the characters those '_'s take: so the part
 * before the escape, then one more character, unless the escape follows such a run with at least
 * one '_' ('b' LIKE '%_\' is 22025, 'b' LIKE '_\' false).
 */
function reachingTheEscape(segments: number[][]): void {
  let underscores = 0
  for (let i = segments.length - 1; i > 0 && (segments[i] as number[]).every((c) => c === ANY); i--) {
    underscores += (segments[i] as number[]).length
  }
  if (underscores === 0) (segments[segments.length - 1] as number[]).push(ANY)
  segments.push([])
}

/** Lowercase, one character into one (no final sigma: PostgreSQL's lower() has no context). */
function lowerEach(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase()
  let out = ''
  for (const c of s) out += String.fromCodePoint(lowerOf(c.codePointAt(0) as number))
  return out
}

/** Segments without '_': string operations on the UTF-16 text (whole characters on both sides). */
function matchPlain(parts: readonly string[], t: string): boolean {
  const first = parts[0] as string
  if (parts.length === 1) return t === first
  const last = parts[parts.length - 1] as string
  const lastStart = t.length - last.length
  if (lastStart < first.length || !t.startsWith(first) || !t.endsWith(last)) return false
  let pos = first.length
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] as string
    const at = t.indexOf(part, pos)
    if (at < 0 || at + part.length > lastStart) return false
    pos = at + part.length
  }
  return true
}

function matchSegments(segments: readonly (readonly number[])[], cps: readonly number[]): boolean {
  const first = segments[0] as readonly number[]
  if (segments.length === 1) return cps.length === first.length && segmentAt(first, cps, 0)
  const last = segments[segments.length - 1] as readonly number[]
  const lastStart = cps.length - last.length
  if (lastStart < first.length || !segmentAt(first, cps, 0) || !segmentAt(last, cps, lastStart)) return false
  let pos = first.length
  for (let i = 1; i < segments.length - 1; i++) {
    const seg = segments[i] as readonly number[]
    let at = pos
    while (at + seg.length <= lastStart && !segmentAt(seg, cps, at)) at++
    if (at + seg.length > lastStart) return false
    pos = at + seg.length
  }
  return true
}

function segmentAt(seg: readonly number[], cps: readonly number[], at: number): boolean {
  for (let k = 0; k < seg.length; k++) if (seg[k] !== ANY && cps[at + k] !== seg[k]) return false
  return true
}
