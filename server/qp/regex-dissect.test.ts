// Goal: PostgreSQL's search (regex-dissect.ts) counts characters, not UTF-16 units, on a text with
// surrogate pairs (its bounds on a repetition's iterations are in characters), within its step
// budget: the count costs a step per unit once per search, however often the dissection asks,
// where walking each span it asked about was the square of the text and charged nothing
// (regexp_match(repeat('😀x', 100000), '(.).(?:\1)*') held the thread for 22 s, no 54001).
// Method: the Dissector directly, with a budget whose steps are read back; the same pattern on
// text of the same shape without surrogate pairs ('b' for '😀') is the baseline. PostgreSQL's
// answers on such texts are checked against PGlite in posix-regex-span.prop.test.ts's examples.
import { describe, expect, test } from 'bun:test'
import { Dissector } from './regex-dissect.ts'
import { parseRegex } from './regex-syntax.ts'

/** PostgreSQL's match of `pattern` in `s` from `start` (its [start, end] per group) and the steps
 * it took. */
function search(pattern: string, s: string, start = 0): { caps: number[] | null; steps: number } {
  const budget = { left: 1e8, total: 1e8 }
  const caps = new Dissector(parseRegex(pattern, '', false)).exec(s, start, budget)
  return { caps: caps === null ? null : [...caps], steps: budget.total - budget.left }
}

describe('characters on a text with surrogate pairs', () => {
  test('the count is charged once per unit, the steps linear in the text', () => {
    // The DFA's longest end from the start is the text's end (it reads the back reference as any
    // character); the dissection refutes each end down to the third character, and each time
    // bounds the repetition's iterations by the characters in its span. (The group takes 'x': a
    // back reference costs a step per unit it compares, the same on both texts.)
    const pattern = '(.).(?:\\1)*'
    const steps: number[] = []
    for (const n of [1000, 4000]) {
      const plain = search(pattern, 'xb'.repeat(n))
      const astral = search(pattern, 'x😀'.repeat(n))
      expect(plain.caps).toEqual([0, 3, 0, 1])
      expect(astral.caps).toEqual([0, 4, 0, 1])
      // The same dissection, and the count of the text's 3n units, once.
      expect(astral.steps - plain.steps).toBe(3 * n)
      steps.push(astral.steps)
    }
    // Four times the text, four times the steps (give or take the fixed part), not sixteen.
    expect(steps[1] as number).toBeLessThan(5 * (steps[0] as number))
  })

  test('counts start where the search does', () => {
    // From a start past surrogate pairs (a global scan's next match), as on the text from there:
    // the bound on the iterations ('{3,4}', '{5,8}') depends on the count.
    for (const [pattern, tail] of [
      ['(.)(?:(\\1?)){3,4}', 'a😀😀😀b'],
      ['(.)(?:(\\1|)){5,8}$', '😀😀😀😀😀'],
      ['(.)(?:(\\1|)){2,3}?', '😀😀😀😀😀'],
    ] as const) {
      const head = '😀😀x'
      const whole = search(pattern, head + tail, head.length).caps
      const alone = search(pattern, tail).caps
      expect(alone).not.toBeNull()
      expect(whole).toEqual(alone?.map((p) => (p < 0 ? p : p + head.length)) ?? null)
    }
  })
})
