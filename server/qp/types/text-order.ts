// Text order of the query processor (ARCHITECTURE.md "Keys and rows"): strings compare by UTF-8
// bytes (PostgreSQL's C collation), which is code point order, not JS's UTF-16 unit order.

/** Compares by Unicode code point, which equals comparing the UTF-8 encodings byte by byte. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return fixup(x) - fixup(y)
  }
  return a.length - b.length
}

// Surrogates (code points above U+FFFF) must sort after U+E000..U+FFFF, unlike in UTF-16 order.
function fixup(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit
}

/** A lone surrogate: a UTF-16 high half not followed by a low half, or a low half without a high
 * one before it. It has no UTF-8 form, so it cannot be PostgreSQL text (JSON's \u escapes and JS
 * strings can spell one). */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Bytes of the UTF-8 encoding (lone surrogates count as U+FFFD's three bytes). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/** Length in characters (code points), as PostgreSQL's char_length and varchar(n) count. */
export function charLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d < 0xe000) i++
    }
    n++
  }
  return n
}

/** The first `n` characters (code points) of `s`. */
export function takeChars(s: string, n: number): string {
  let i = 0
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i)
    const pair = c >= 0xd800 && c < 0xdc00 && i + 1 < s.length
    i += pair && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) < 0xe000 ? 2 : 1
  }
  return s.slice(0, i)
}
