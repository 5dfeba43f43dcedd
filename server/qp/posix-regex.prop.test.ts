// Property tests of the regular expression engines (posix-regex.ts). Goal: for patterns whose
// meaning is the same in PostgreSQL's syntax and JavaScript's, the engines' leftmost-first
// matching finds what JavaScript finds; posixRegex (whichever engine it picks) finds PostgreSQL's
// match and captures as its own algorithm gives them (regex-dissect.ts's dissection, which
// posix-regex-span.prop.test.ts checks against PostgreSQL itself) when every question it asks of
// a node's DFA is answered by brute force; and where firstMatchIsPostgres says a leftmost-first
// engine's end is PostgreSQL's, JavaScript's is. The dialects part at a back reference to a group
// that took no part: JavaScript's matches the empty string, PostgreSQL's fails ('xbc' ~
// '(a)?b\1c' is false; those cases are checked against PostgreSQL in posix-regex.test.ts and
// test/sql/like-regex.slt).
// Method: fast-check builds patterns over a two-letter alphabet (groups, alternation, every
// quantifier, lookaround, back references) and short texts, on a random seed each run
// (TESSERA_REGEX_SEED replays one). Against JavaScript, with back references only to a group that
// always takes part (the first item of the pattern): the backtracking engine must equal it in the
// match and every capture, RE2 in where the match starts, and in the match and captures too unless
// re2MayDiffer says so. posixRegex must equal the reference: the Dissector over BruteEnds, which
// finds where a node's matches end by trying every end with the backtracking engine (every way
// through the node, no memo), instead of regex-dissect.ts's memo of sets of ends; also under 'i'
// over 'a', 'A', 'b', 'B', where PostgreSQL's rule (a letter matches its lowercase and uppercase)
// and JavaScript's case folding agree; and with back references anywhere. A run where an engine
// raises 54001 (a pattern exponential even on ten characters, past the step budget) proves
// nothing either way and is skipped; such runs must stay few.
import { afterAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { SqlError } from '../errors/index.ts'
import { Backtracker, type StepBudget } from './regex-backtrack.ts'
import { Dissector, groupBodies, type EndsOf } from './regex-dissect.ts'
import { compileRe2, re2MayDiffer } from './regex-re2.ts'
import { firstMatchIsPostgres, parseRegex, type ParsedRegex, type RegexNode } from './regex-syntax.ts'
import { posixRegex } from './posix-regex.ts'

const atoms = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '(?:)')
const quantifiers = fc.constantFrom('*', '+', '?', '{0,2}', '{1,3}', '{2}', '*?', '+?', '??', '{1,2}?')

const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atoms,
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => a + b),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(?:${a}|${b})`),
    tie('node').map((a) => `(${a})`),
    fc.tuple(tie('node'), quantifiers).map(([a, q]) => `(?:${a})${q}`),
    fc.tuple(fc.constantFrom('(?=', '(?!', '(?<=', '(?<!'), tie('node')).map(([l, a]) => `${l}${a.replaceAll(/\((?!\?)/g, '(?:')})`),
  ),
})).node

/** Patterns whose back references mean the same in both dialects: some open with a group that
 * takes part in every match and end with a reference to it. */
const pattern: fc.Arbitrary<string> = fc
  .tuple(node, node)
  .map(([a, b]) => ((a.length + b.length) % 3 === 0 ? `(${a})${b}\\1` : a))

/** Patterns with a back reference to the first group (after it, as PostgreSQL requires) wherever
 * that group is: in an alternative, under a quantifier, or optional. */
const anyBackref: fc.Arbitrary<string> = node.filter((s) => /\((?!\?)/.test(s)).map((s) => `${s}\\1`)

const text = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 10 })
const mixedCase = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B'), maxLength: 10 })

/** fast-check's seed: random unless TESSERA_REGEX_SEED replays one. */
const SEED = process.env.TESSERA_REGEX_SEED === undefined ? undefined : Number(process.env.TESSERA_REGEX_SEED)

const js = (p: string, s: string, flags = '') => {
  const m = new RegExp(p, `v${flags}`).exec(s)
  return m === null ? null : { index: m.index, groups: [...m] }
}

/** The backtracking engine's leftmost match as JavaScript reports one: its first way through the
 * pattern. */
function backtracked(p: string, s: string, flags = ''): { index: number; groups: (string | undefined)[] } | null {
  const caps = new Backtracker(parseRegex(p, flags, false)).exec(s, 0, { left: 1e7, total: 1e7 })
  return caps === null ? null : { index: caps[0] as number, groups: groupsOf(s, caps) }
}

/** PostgreSQL's match and captures by its algorithm (the Dissector), each DFA's answer found by
 * brute force (BruteEnds). */
function reference(p: string, s: string, flags = ''): { index: number; groups: (string | undefined)[] } | null {
  const parsed = parseRegex(p, flags, false)
  const caps = new Dissector(parsed, new BruteEnds(parsed)).exec(s, 0, { left: 1e7, total: 1e7 })
  return caps === null ? null : { index: caps[0] as number, groups: groupsOf(s, caps) }
}

/** Where a node's matches end, by trying each end with the backtracking engine (which tries every
 * way through the node until one ends there); a back reference read as PostgreSQL's DFA reads it,
 * its group's body without constraints. ASCII texts only (every unit a character). */
class BruteEnds implements EndsOf {
  #s = ''
  #budget: StepBudget = { left: 0, total: 0 }
  readonly #bodies: ReadonlyMap<number, RegexNode>
  /** The node the backtracking engine runs for a node of the pattern, exact and loose. */
  readonly #read = [new Map<RegexNode, RegexNode>(), new Map<RegexNode, RegexNode>()]
  readonly #engines = new Map<RegexNode, Backtracker>()

  constructor(readonly parsed: ParsedRegex) {
    this.#bodies = groupBodies(parsed.root)
  }

  reset(s: string, budget: StepBudget): void {
    this.#s = s
    this.#budget = budget
  }

  of(n: RegexNode, p: number, loose: boolean): readonly number[] {
    const node = this.#readAs(n, loose)
    let engine = this.#engines.get(node)
    if (engine === undefined) this.#engines.set(node, (engine = new Backtracker({ ...this.parsed, root: node })))
    const ends: number[] = []
    for (let e = p; e <= this.#s.length; e++) if (engine.exec(this.#s, p, this.#budget, true, e) !== null) ends.push(e)
    return ends
  }

  ofAny(n: RegexNode, starts: readonly number[], loose: boolean): readonly number[] {
    return [...new Set(starts.flatMap((p) => this.of(n, p, loose)))].sort((a, b) => a - b)
  }

  /** `n` with each back reference as its group's body without constraints (and, `loose`,
   * without its own). */
  #readAs(n: RegexNode, loose: boolean): RegexNode {
    const known = this.#read[loose ? 1 : 0]?.get(n)
    if (known !== undefined) return known
    let read: RegexNode
    switch (n.kind) {
      case 'assert':
      case 'look':
        read = loose ? { kind: 'empty' } : n
        break
      case 'backref':
        read = this.#readAs(this.#bodies.get(n.group) as RegexNode, true)
        break
      case 'seq':
      case 'alt':
        read = { ...n, items: n.items.map((item) => this.#readAs(item, loose)) }
        break
      case 'group':
      case 'repeat':
        read = { ...n, body: this.#readAs(n.body, loose) }
        break
      default:
        read = n
    }
    this.#read[loose ? 1 : 0]?.set(n, read)
    return read
  }
}

/** Runs of a property that met 54001 (a pattern that backtracks exponentially even on these
 * texts), which the engines may raise rather than answer: counted, to check they stay few. */
const tooComplex = { runs: 0 }

/** `f`'s result, or undefined when it raised 54001. */
function answered<R>(f: () => R): R | undefined {
  try {
    return f()
  } catch (e) {
    if (e instanceof SqlError && e.code === '54001') {
      tooComplex.runs++
      return undefined
    }
    throw e
  }
}

afterAll(() => {
  // Of 14,000 runs in all.
  expect(tooComplex.runs).toBeLessThan(100)
})

describe('regular expression engines against JavaScript', () => {
  test('the backtracking engine: same match, same captures', () => {
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        const got = answered(() => backtracked(p, s))
        if (got !== undefined) expect(got).toEqual(js(p, s))
      }),
      { numRuns: 3000, seed: SEED },
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
      { numRuns: 3000, seed: SEED },
    )
    expect(compared).toBeGreaterThan(1000)
  })

  test("where firstMatchIsPostgres: the first match ends at PostgreSQL's end", () => {
    let compared = 0
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        if (!firstMatchIsPostgres(parseRegex(p, '', false))) return
        const want = answered(() => reference(p, s))
        if (want === undefined) return
        compared++
        const got = js(p, s)
        expect(got === null ? null : [got.index, got.groups[0]]).toEqual(want === null ? null : [want.index, want.groups[0]])
      }),
      { numRuns: 3000, seed: SEED },
    )
    expect(compared).toBeGreaterThan(500)
  })

  test("posixRegex: PostgreSQL's match and captures, as the brute-force reference finds them", () => {
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        const m = answered(() => posixRegex(p, '').exec(s))
        const want = answered(() => reference(p, s))
        if (m === undefined || want === undefined) return
        expect(m === null ? null : { index: m.index, groups: [...m] as (string | undefined)[] }).toEqual(want)
        expect(posixRegex(p, '').test(s)).toBe(want !== null)
      }),
      { numRuns: 3000, seed: SEED },
    )
  }, 60_000)

  test("posixRegex under 'i': PostgreSQL's match and captures, as the brute-force reference finds them", () => {
    fc.assert(
      fc.property(pattern.map((p) => p.replace(/[ab]/g, (c, at: number) => (at % 2 === 0 ? c : c.toUpperCase()))), mixedCase, (p, s) => {
        const m = answered(() => posixRegex(p, 'i').exec(s))
        const want = answered(() => reference(p, s, 'i'))
        if (m === undefined || want === undefined) return
        expect(m === null ? null : { index: m.index, groups: [...m] as (string | undefined)[] }).toEqual(want)
        expect(posixRegex(p, 'i').test(s)).toBe(want !== null)
      }),
      { numRuns: 2000, seed: SEED },
    )
  }, 60_000)
})

describe('back references anywhere: posixRegex as the brute-force reference', () => {
  test('posixRegex: same match, same captures', () => {
    fc.assert(
      fc.property(anyBackref, text, (p, s) => {
        const m = answered(() => posixRegex(p, '').exec(s))
        const want = answered(() => reference(p, s))
        if (m === undefined || want === undefined) return
        expect(m === null ? null : { index: m.index, groups: [...m] as (string | undefined)[] }).toEqual(want)
        expect(posixRegex(p, '').test(s)).toBe(want !== null)
      }),
      { numRuns: 3000, seed: SEED },
    )
  }, 60_000)
})

function groupsOf(s: string, caps: readonly number[]): (string | undefined)[] {
  const out: (string | undefined)[] = []
  for (let g = 0; g < caps.length; g += 2) out.push((caps[g] as number) < 0 ? undefined : s.slice(caps[g], caps[g + 1]))
  return out
}
