// Simple case mappings (one code point to one code point) for case-insensitive matching
// (ARCHITECTURE.md "query processor": evaluate), as PostgreSQL's regular expressions and ILIKE use
// the C library's towlower and towupper: a pattern character under `~*` matches its lowercase and
// its uppercase (regex-syntax.ts), a back reference compares lowercase to lowercase
// (regex-backtrack.ts), ILIKE compares both texts lowercased a character at a time
// (like-pattern.ts). JavaScript has only the full mappings ('İ'.toLowerCase() is two code points,
// 'ß'.toUpperCase() is 'SS'), so the simple ones are taken from them: the full mapping where it is
// one code point, Unicode's simple mapping (UnicodeData.txt) for the few where it is not.
import { assert } from '../errors/index.ts'

/** The code points whose case can change, with their simple mappings; built on first use. */
interface CaseTable {
  /** Sorted. */
  readonly cased: Int32Array
  readonly lower: ReadonlyMap<number, number>
  readonly upper: ReadonlyMap<number, number>
}

let table: CaseTable | undefined

/** The last code point with a case mapping in Unicode 16 is U+1E943 (Adlam); the table is built
 * from below this (a test checks that nothing above it changes case). */
export const CASED_CODE_POINTS_END = 0x20000

/** Simple uppercase mappings where the full one is several code points: Greek letters with
 * ypogegrammeni map to their titlecase letter (ᾳ to ᾼ); the rest (ß, ŉ, ﬀ, ...) have none. */
function simpleUpperOfMulti(cp: number): number {
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) return cp + 8
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return cp + 9
  return cp
}

/** Simple lowercase mappings where the full one is several code points: only İ, to i. */
const simpleLowerOfMulti = (cp: number) => (cp === 0x130 ? 0x69 : cp)

function only(s: string): number | undefined {
  const cp = s.codePointAt(0) as number
  return s.length === (cp > 0xffff ? 2 : 1) ? cp : undefined
}

function caseTable(): CaseTable {
  if (table !== undefined) return table
  const changes = /^[\p{CWL}\p{CWU}\p{CWT}]$/u
  const cased: number[] = []
  const lower = new Map<number, number>()
  const upper = new Map<number, number>()
  for (let cp = 0; cp < CASED_CODE_POINTS_END; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const c = String.fromCodePoint(cp)
    if (!changes.test(c)) continue
    const l = only(c.toLowerCase()) ?? simpleLowerOfMulti(cp)
    const u = only(c.toUpperCase()) ?? simpleUpperOfMulti(cp)
    if (l === cp && u === cp) continue
    cased.push(cp)
    if (l !== cp) lower.set(cp, l)
    if (u !== cp) upper.set(cp, u)
  }
  table = { cased: Int32Array.from(cased), lower, upper }
  return table
}

/** The simple lowercase of a code point (itself when it has none). */
export function lowerOf(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp
  return caseTable().lower.get(cp) ?? cp
}

/** The simple uppercase of a code point (itself when it has none). */
export function upperOf(cp: number): number {
  if (cp < 0x80) return cp >= 0x61 && cp <= 0x7a ? cp - 0x20 : cp
  return caseTable().upper.get(cp) ?? cp
}

/** The lowercase and uppercase of the code points from `lo` to `hi` that fall outside that range
 * (each once, in no particular order): what a range adds under case-insensitive matching. */
export function caseVariantsOutside(lo: number, hi: number): number[] {
  assert(lo <= hi, 'a range runs upward')
  const { cased } = caseTable()
  // The first cased code point at or after lo.
  let [a, b] = [0, cased.length]
  while (a < b) {
    const mid = (a + b) >>> 1
    if ((cased[mid] as number) < lo) a = mid + 1
    else b = mid
  }
  const out = new Set<number>()
  for (let i = a; i < cased.length && (cased[i] as number) <= hi; i++) {
    const cp = cased[i] as number
    for (const v of [lowerOf(cp), upperOf(cp)]) if (v < lo || v > hi) out.add(v)
  }
  return [...out]
}
