// Simple case mappings. Goal: one code point maps to one, as the C library's towlower/towupper
// (and Unicode's simple mappings) do, where JavaScript's full mappings give several; and the table
// covers every code point whose case can change. Method: every code point, against JavaScript's
// Unicode properties and full mappings; the documented exceptions by value.
import { expect, test } from 'bun:test'
import { CASED_CODE_POINTS_END, caseVariantsOutside, lowerOf, upperOf } from './case-mapping.ts'

const changesCase = /^[\p{CWL}\p{CWU}\p{CWT}]$/u

test('no code point past the table changes case', () => {
  for (let cp = CASED_CODE_POINTS_END; cp <= 0x10ffff; cp++) {
    if (changesCase.test(String.fromCodePoint(cp))) throw new Error(`U+${cp.toString(16)} changes case`)
  }
})

test('one code point to one, in the same plane; the full mapping where it is one code point', () => {
  for (let cp = 0; cp < CASED_CODE_POINTS_END; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const c = String.fromCodePoint(cp)
    for (const [simple, full] of [
      [lowerOf(cp), c.toLowerCase()],
      [upperOf(cp), c.toUpperCase()],
    ] as const) {
      expect(simple > 0xffff).toBe(cp > 0xffff)
      if (Array.from(full).length === 1) expect(simple).toBe(full.codePointAt(0) as number)
    }
  }
})

test("where the full mapping is several code points: Unicode's simple one", () => {
  const hex = (cp: number) => cp.toString(16)
  expect([lowerOf(0x130), upperOf(0x130)].map(hex)).toEqual(['69', '130']) // İ
  expect([upperOf(0xdf), lowerOf(0x1e9e)].map(hex)).toEqual(['df', 'df']) // ß has none, ẞ has
  expect([upperOf(0x1f80), upperOf(0x1fb3), upperOf(0x1fbc), lowerOf(0x1fbc)].map(hex)).toEqual(['1f88', '1fbc', '1fbc', '1fb3']) // ᾀ ᾳ ᾼ
  expect([upperOf(0x149), upperOf(0xfb00)].map(hex)).toEqual(['149', 'fb00']) // ŉ ﬀ
  // The titlecase ǅ has both; ſ uppercases to S, which lowercases to s.
  expect([lowerOf(0x1c5), upperOf(0x1c5), upperOf(0x17f), lowerOf(0x17f)].map(hex)).toEqual(['1c6', '1c4', '53', '17f'])
})

test('a range adds the cases of its characters that fall outside it', () => {
  expect(caseVariantsOutside(0x61, 0x63).sort()).toEqual([0x41, 0x42, 0x43])
  // No Kelvin sign or long s for [A-z]: nothing in it maps to them.
  expect(caseVariantsOutside(0x41, 0x7a)).toEqual([])
  expect(caseVariantsOutside(0x6a, 0x6b).sort((a, b) => a - b)).toEqual([0x4a, 0x4b])
  expect(caseVariantsOutside(0x30, 0x39)).toEqual([])
  expect(caseVariantsOutside(0, 0x10ffff)).toEqual([])
})
