// One-dimensional arrays (ARCHITECTURE.md "query processor": values): PostgreSQL's array text
// input and output ('{1,2,NULL}', quoting), btree order, and the array operators and helpers.
import { SqlError, featureNotSupported, featuresNotSupported } from '../../errors/index.ts'
import type { Datum } from './sql-type.ts'

/** An array datum: element datums, NULL elements as null. */
export type ArrayDatum = readonly Datum[]

const malformed = (text: string, detail: string) =>
  new SqlError('22P02', `malformed array literal: "${text}"`, { detail })

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v'

/** PostgreSQL's array_in for a one-dimensional array: `{a, "b c", NULL, \"x}`, elements read
 * with `parseElement`; unquoted NULL (any case) is a NULL element. 22P02 on malformed input,
 * 0A000 for several dimensions or explicit bounds. */
export function parseArray(text: string, parseElement: (s: string) => Datum): Datum[] {
  let i = 0
  while (isSpace(text[i])) i++
  let bounds: Bound | undefined
  if (text[i] === '[') {
    const read = readDimensions(text, i)
    // Only what a one-dimensional array from 1 can be: other bounds are kept by no value here.
    if (read.bounds.length > 1) throw featureNotSupported('multidimensional array input')
    bounds = read.bounds[0] as Bound
    if (bounds.lower !== 1) throw featuresNotSupported('array lower bounds other than 1')
    i = read.next
    if (text[i] !== '{') throw malformed(text, 'Array contents must start with "{".')
  }
  if (text[i] !== '{') {
    throw malformed(text, 'Array value must start with "{" or dimension information.')
  }
  const out = parseElements(text, i, parseElement)
  if (bounds !== undefined && out.length !== bounds.upper - bounds.lower + 1) {
    throw malformed(text, 'Specified array dimensions do not match array contents.')
  }
  return out
}

interface Bound {
  readonly lower: number
  readonly upper: number
}

/** The `[lower:upper]` (or `[upper]`, from 1) decorations starting at `at`, and where the array
 * after their `=` starts: PostgreSQL's ReadArrayDimensions, with its 22P02 details. */
function readDimensions(text: string, at: number): { bounds: Bound[]; next: number } {
  const bounds: Bound[] = []
  let i = at
  for (;;) {
    while (isSpace(text[i])) i++
    if (text[i] !== '[') break
    i++
    const first = readBound(text, i)
    if (first.next === i) throw malformed(text, '"[" must introduce explicitly-specified array dimensions.')
    i = first.next
    let lower = 1
    let upper = first.value
    if (text[i] === ':') {
      i++
      const second = readBound(text, i)
      if (second.next === i) throw malformed(text, 'Missing array dimension value.')
      lower = first.value
      upper = second.value
      i = second.next
    }
    if (text[i] !== ']') throw malformed(text, 'Missing "]" after array dimensions.')
    i++
    if (upper < lower) throw new SqlError('2202E', 'upper bound cannot be less than lower bound')
    bounds.push({ lower, upper })
  }
  if (text[i] !== '=') throw malformed(text, 'Missing "=" after array dimensions.')
  i++
  while (isSpace(text[i])) i++
  return { bounds, next: i }
}

/** A signed decimal integer at `at` (none read: `next` is `at`); 54000 past 32 bits. */
function readBound(text: string, at: number): { value: number; next: number } {
  const m = /^[+-]?\d+/.exec(text.slice(at, at + 64))
  if (m === null) return { value: 0, next: at }
  const value = Number(m[0])
  if (value > 2147483647 || value < -2147483648) throw new SqlError('54000', 'array bound is out of integer range')
  return { value, next: at + m[0].length }
}

/** The elements of the braces at `at` (`text[at]` is `{`), up to the end of `text`. */
function parseElements(text: string, at: number, parseElement: (s: string) => Datum): Datum[] {
  let i = at
  i++
  const out: Datum[] = []
  while (isSpace(text[i])) i++
  if (text[i] === '}') {
    i++
  } else {
    for (;;) {
      while (isSpace(text[i])) i++
      if (text[i] === '{') throw featureNotSupported('multidimensional array input')
      let value = ''
      let quoted = false
      let sawAny = false
      let trailingSpaces = 0
      for (;;) {
        const c = text[i]
        if (c === undefined) throw malformed(text, 'Unexpected end of input.')
        if (c === '"') {
          if (sawAny && !quoted && value.length > 0) throw malformed(text, 'Unexpected array element.')
          quoted = true
          sawAny = true
          i++
          for (;;) {
            const q = text[i]
            if (q === undefined) throw malformed(text, 'Unexpected end of input.')
            if (q === '\\') {
              const next = text[i + 1]
              if (next === undefined) throw malformed(text, 'Unexpected end of input.')
              value += next
              i += 2
              continue
            }
            i++
            if (q === '"') break
            value += q
          }
          trailingSpaces = 0
          continue
        }
        if (c === ',' || c === '}') break
        if (c === '{') throw malformed(text, 'Unexpected "{" character.')
        if (c === '\\') {
          const next = text[i + 1]
          if (next === undefined) throw malformed(text, 'Unexpected end of input.')
          value += next
          i += 2
          sawAny = true
          trailingSpaces = 0
          continue
        }
        if (isSpace(c)) {
          if (sawAny) {
            value += c
            trailingSpaces++
          }
          i++
          continue
        }
        if (quoted) throw malformed(text, 'Incorrectly quoted array element.')
        value += c
        sawAny = true
        trailingSpaces = 0
        i++
      }
      if (!sawAny) throw malformed(text, 'Unexpected "," character.')
      if (trailingSpaces > 0) value = value.slice(0, value.length - trailingSpaces)
      out.push(!quoted && value.toLowerCase() === 'null' ? null : parseElement(value))
      const c = text[i]
      i++
      if (c === '}') break
    }
  }
  while (isSpace(text[i])) i++
  if (i < text.length) throw malformed(text, 'Junk after closing right brace.')
  return out
}

/** PostgreSQL's array_out: elements in their text output, quoted when empty, 'NULL'-like, or
 * holding braces, commas, quotes, backslashes or white space. */
export function formatArray(values: ArrayDatum, formatElement: (d: Datum) => string): string {
  const parts = values.map((v) => {
    if (v === null) return 'NULL'
    const s = formatElement(v)
    if (s === '' || s.toLowerCase() === 'null' || /[{},"\\\s]/.test(s)) {
      return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`
    }
    return s
  })
  return `{${parts.join(',')}}`
}

/** btree order of arrays (array_cmp): element by element, a NULL element above any value, then
 * the shorter array first. */
export function compareArrays(
  a: ArrayDatum,
  b: ArrayDatum,
  compareElement: (x: Datum, y: Datum) => number,
): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? null
    const y = b[i] ?? null
    if (x === null || y === null) {
      if (x === null && y === null) continue
      return x === null ? 1 : -1
    }
    const c = compareElement(x, y)
    if (c !== 0) return c
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** `a @> b`: every non-null element of b equals some element of a; a NULL in b never matches. */
export function arrayContains(
  a: ArrayDatum,
  b: ArrayDatum,
  equal: (x: Datum, y: Datum) => boolean,
): boolean {
  return b.every((y) => y !== null && a.some((x) => x !== null && equal(x, y)))
}

/** `a && b`: some non-null element in both. */
export function arrayOverlaps(
  a: ArrayDatum,
  b: ArrayDatum,
  equal: (x: Datum, y: Datum) => boolean,
): boolean {
  return a.some((x) => x !== null && b.some((y) => y !== null && equal(x, y)))
}
