// Property tests of the regular expression engines (posix-regex.ts). Goal: for patterns whose
// meaning is the same in PostgreSQL's syntax and JavaScript's (the engines replaced JavaScript's
// RegExp, whose results PostgreSQL's agreed with here), both engines find what JavaScript finds.
// Method: fast-check builds patterns over a two-letter alphabet (groups, alternation, every
// quantifier, lookaround, back references) and short texts; the backtracking engine must equal
// JavaScript in the match and every capture, RE2 in where the match starts, and in the match and
// captures too unless re2MayDiffer says so, and posixRegex (whichever engine it picks) in all.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { Backtracker } from './regex-backtrack.ts'
import { compileRe2, re2MayDiffer } from './regex-re2.ts'
import { parseRegex } from './regex-syntax.ts'
import { posixRegex } from './posix-regex.ts'

const atoms = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '(?:)')
const quantifiers = fc.constantFrom('*', '+', '?', '{0,2}', '{1,3}', '{2}', '*?', '+?', '??', '{1,2}?')

const pattern: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atoms,
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => a + b),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(?:${a}|${b})`),
    tie('node').map((a) => `(${a})`),
    fc.tuple(tie('node'), quantifiers).map(([a, q]) => `(?:${a})${q}`),
    fc.tuple(fc.constantFrom('(?=', '(?!', '(?<=', '(?<!'), tie('node')).map(([l, a]) => `${l}${a.replaceAll(/\((?!\?)/g, '(?:')})`),
  ),
})).node.map((s) => withBackrefs(s))

/** Appends a back reference to the first group to some patterns that have one (after the group,
 * as PostgreSQL requires). */
function withBackrefs(source: string): string {
  return /\((?!\?)/.test(source) && source.length % 3 === 0 ? `${source}\\1` : source
}

const text = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 10 })

const js = (p: string, s: string) => {
  const m = new RegExp(p, 'v').exec(s)
  return m === null ? null : { index: m.index, groups: [...m] }
}

describe('regular expression engines against JavaScript', () => {
  test('the backtracking engine: same match, same captures', () => {
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        const parsed = parseRegex(p, '', false)
        const caps = new Backtracker(parsed).exec(s, 0, { left: 1e7, total: 1e7 })
        const got = caps === null ? null : { index: caps[0], groups: groupsOf(s, caps) }
        expect(got).toEqual(js(p, s))
      }),
      { numRuns: 3000 },
    )
  })

  test('RE2: same start; same match and captures where re2MayDiffer is false', () => {
    let compared = 0
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        const parsed = parseRegex(p, '', false)
        const re2 = compileRe2(parsed)
        if (re2 === undefined) return
        compared++
        const m = re2.matcher(s)
        const want = js(p, s)
        expect(m.find(0) ? m.start(0) : null).toBe(want === null ? null : want.index)
        if (want === null || re2MayDiffer(parsed.root)) return
        const groups = Array.from({ length: parsed.groups + 1 }, (_, g) => m.group(g) ?? undefined)
        expect(groups).toEqual(want.groups)
      }),
      { numRuns: 3000 },
    )
    expect(compared).toBeGreaterThan(1000)
  })

  test('posixRegex: same match, same captures', () => {
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        const m = posixRegex(p, '').exec(s)
        const want = js(p, s)
        expect(m === null ? null : { index: m.index, groups: [...m] }).toEqual(want)
        expect(posixRegex(p, '').test(s)).toBe(want !== null)
      }),
      { numRuns: 3000 },
    )
  })
})

function groupsOf(s: string, caps: readonly number[]): (string | undefined)[] {
  const out: (string | undefined)[] = []
  for (let g = 0; g < caps.length; g += 2) out.push((caps[g] as number) < 0 ? undefined : s.slice(caps[g], caps[g + 1]))
  return out
}
