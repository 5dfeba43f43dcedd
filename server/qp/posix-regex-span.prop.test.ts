// Property tests of the regular expressions' match against PostgreSQL itself (PGlite): at the
// leftmost start where the RE matches, PostgreSQL takes the longest match when the RE is greedy,
// the shortest when it is not (its greediness: regex-syntax.ts's Preference), where a
// leftmost-first engine takes the end of its first way through the pattern ('a|ab' on 'abcd' is
// 'ab', not 'a'); and its captures follow its subexpression rule (each parenthesized
// subexpression and alternation takes its own greediness as a whole). Goal: posixRegex's match
// starts and ends where PostgreSQL's does, whichever engine it picks (JavaScript's RegExp where
// firstMatchIsPostgres allows it, RE2 in either mode, the backtracking engine, PostgreSQL's own
// search in regex-dissect.ts), and its captures are PostgreSQL's.
// Method: fast-check builds patterns over 'a' and 'b' (alternation, parentheses, greedy and
// non-greedy quantifiers, '{m}' and '{m,m}' bounds, sometimes a lookahead or word constraint to
// bring in the backtracking engine or PostgreSQL's own search) and short texts; sequences of characters and quantified
// characters with capturing parentheses, the shapes firstMatchIsPostgres reasons about; and
// sequences of parenthesized alternations and quantifiers. Each case runs against PostgreSQL as
// regexp_instr's start and end and regexp_match's captures, on the text, and (for patterns
// without '.') on the text followed by 200 characters no pattern matches and no constraint tells
// from the end of the text: past the length JavaScript's RegExp may run on, so RE2, the
// backtracking engine or PostgreSQL's search answers, with the same match.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { posixRegex } from './posix-regex.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()

const atoms = fc.constantFrom('a', 'b', '[ab]', '.')
const quantifiers = fc.constantFrom('*', '+', '?', '{0,2}', '{1,3}', '{2}', '{1,1}', '{2}?', '*?', '+?', '??', '{1,2}?', '{1,1}?')
const constraints = fc.constantFrom('(?=a)', '(?!b)', '\\y', '\\M')

const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atoms,
    fc.tuple(atoms, quantifiers).map(([a, q]) => `${a}${q}`),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => a + b),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => `${a}|${b}`),
    tie('node').map((a) => `(${a})`),
    tie('node').map((a) => `(?:${a})`),
    fc.tuple(tie('node'), quantifiers).map(([a, q]) => `(?:${a})${q}`),
  ),
})).node

/** A pattern, sometimes after a constraint (which sends it to the backtracking engine). */
const pattern = fc.tuple(fc.option(constraints, { freq: 4 }), node).map(([c, n]) => `${c ?? ''}${n}`)

/** Sequences of parenthesized alternations and quantifiers, where PostgreSQL's captures follow its
 * subexpression rule rather than the first way through the pattern. */
const subexpressions = fc
  .array(
    fc.constantFrom(
      '(a|ab)', '(ab|a)', '(b|ba|bab)', '(?:a|ab)', '(a*|b)', '(a|aa)+', '((a|ab)(b?))', '(?:(a|ab)){1,1}?', '(a|ab)??',
      '(a|ab)*?', '((a|ab)(c|bcd))', '(?:(a|ab)(b|bb))', '((a|ab)b*)', '(a*?(b|ab))', '(a*?b*)', '(a+?b*)', '(b?)', '(b*)',
      'b', '(.)', '(c|bcd)', 'a*?', '(a+?)', '(d*)',
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((items) => items.join(''))
const abcd = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 8 })

/** Sequences of characters and quantified characters, some in capturing parentheses. */
const flat = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', '[ab]'), fc.option(quantifiers, { freq: 2 }), fc.boolean()), { minLength: 1, maxLength: 5 })
  .map((items) => items.map(([a, q, capture]) => (capture ? `(${a}${q ?? ''})` : `${a}${q ?? ''}`)).join(''))

const text = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 8 })
const PAD = '-'.repeat(200)

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`

/** PostgreSQL's match of `p` in `s`: 1-based start and end past it, then the captures as JSON
 * (the match when the pattern has none), or 'none'. */
async function theirs(p: string, s: string): Promise<string | null> {
  const [t, r] = [literal(s), literal(p)]
  return pg.text(`concat_ws(' ', regexp_instr(${t}, ${r}), regexp_instr(${t}, ${r}, 1, 1, 1), coalesce(array_to_json(regexp_match(${t}, ${r}))::text, 'none'))`)
}

/** Ours as `theirs` reports it: positions in characters (PostgreSQL's), not UTF-16 units. */
function ours(p: string, s: string): string {
  const m = posixRegex(p, '').exec(s)
  if (m === null) return '0 0 none'
  const groups = m.length > 1 ? m.slice(1) : [m[0]]
  const at = (unit: number) => [...s.slice(0, unit)].length + 1
  return `${at(m.index)} ${at(m.index + m[0].length)} ${JSON.stringify(groups.map((g) => g ?? null))}`
}

/** Checks, over `numRuns` patterns and texts, that our match and captures are PostgreSQL's on the
 * text and, for a pattern without '.', on the text followed by PAD (past what JavaScript's RegExp
 * may run on). With `skipRefused`, a pattern PostgreSQL refuses proves nothing and is skipped
 * (only `pattern` makes such); without, a refusal fails the property. */
async function agreesWithPostgres(patterns: fc.Arbitrary<string>, texts: fc.Arbitrary<string>, numRuns: number, skipRefused = false): Promise<void> {
  await fc.assert(
    fc.asyncProperty(patterns, texts, async (p, s) => {
      const want = await theirs(p, s)
      if (skipRefused && want?.startsWith('ERROR')) return
      expect(ours(p, s)).toBe(want as string)
      if (!p.includes('.')) expect(ours(p, s + PAD)).toBe(want as string)
    }),
    { numRuns },
  )
}

describe("the match is PostgreSQL's", () => {
  test('patterns with alternation and quantifiers: the same start, end and captures', () => agreesWithPostgres(pattern, text, 4000, true), 120_000)

  test('sequences of quantified characters: the same start, end and captures', () => agreesWithPostgres(flat, text, 2000), 120_000)

  test('parenthesized alternations and quantifiers: the same start, end and captures', () => agreesWithPostgres(subexpressions, abcd, 3000), 120_000)

  test('examples', async () => {
    for (const [s, p] of [
      ['abcd', 'a|ab'],
      ['pi is 3.14', '\\d+|\\d+\\.\\d+'],
      ['xyz', 'x(y|yz)?'],
      ['xyz', 'x(y|yz)??'],
      ['aab', 'a*?(b|ab)'],
      ['aaa', '(a*?)(a*)'],
      ['ab ab', '(a|ab) \\1'],
      ['aaab', '(a{1,1}?)(a*)'],
      ['abcd', '(a|ab)(c|bcd)(d*)'],
      ['abcd', '((a|ab)(c|bcd))(d*)'],
      ['aa', '(a|aa)+'],
      ['ab', '(?:(a|ab)){1,1}?(b?)'],
      // Nested quantified alternations, where a backtracking search of every way gave up.
      ['aaaaaaaaa', '(?:(?:a|a)*)+?'],
      ['aaaaaaa', '(?:(?:((?:a)*?)|a)){1,3}'],
      ['aaaaaa', '(?:a|(?:((?:(a))*)){2})'],
      ['abaa', '([ab]+)+'],
      // An empty iteration where that is all there is; a greediness PostgreSQL's tree drops
      // (greedy: '(a){1,1}?' alone in its parentheses has none); a search window with a back
      // reference that ends before the last character ends the search.
      ['a', '(?:(b{0,2}))*'],
      ['abbb', '((a){1,1}?)b*'],
      ['ab', '($)|(.)\\1'],
      ['abc', '($)|(.)\\1'],
      // Surrogate pairs: a repetition's bounds on its iterations count characters, not units
      // (each of these went wrong counting units); the last took the square of the text.
      ['😀😀', '(.)(?:\\1?){3}'],
      ['a😀😀😀b', '(.)(?:(\\1?)){3,4}'],
      ['😀😀😀😀😀', '(.)(?:(\\1|)){2,3}?'],
      ['😀😀😀😀😀', '(.)(?:(\\1|)){5,8}$'],
      ['😀x😀x😀x', '(.).(?:\\1)*'],
    ] as const) {
      expect(ours(p, s)).toBe((await theirs(p, s)) as string)
    }
  })
})
