// What a string costs where it is stored (ARCHITECTURE.md "Keys and rows", "journal"): a commit
// record holds each key and value as a JSON string in UTF-8, so a transaction's writes are measured
// the same way, and a transaction the query processor accepts fits a record.

/**
 * UTF-8 bytes of `JSON.stringify(text)` without its two quotes. Printable ASCII (nearly every unit
 * of a row or a key) is one byte, `"` and `\` two: a tight first loop counts only those, and text
 * with anything else is counted again unit by unit. No allocation.
 */
export function jsonStringBytes(text: string): number {
  let escaped = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 || c === 0x5c) escaped++
    else if (c < 0x20 || c >= 0x80) return wideBytes(text)
  }
  return text.length + escaped
}

/** jsonStringBytes of text that holds a control character or a unit above ASCII. */
function wideBytes(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x20 && c < 0x80) bytes += c === 0x22 || c === 0x5c ? 2 : 1
    else if (c < 0x20) bytes += SHORT_ESCAPES.has(c) ? 2 : 6
    else if (c < 0x800) bytes += 2
    else if (c < 0xd800 || c > 0xdfff) bytes += 3
    else if (c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4
      i++
    } else bytes += 6 // a lone surrogate: JSON.stringify writes \udxxx (ES2019's well-formed form)
  }
  return bytes
}

/** Control characters JSON writes as a backslash and a letter (\b \t \n \f \r); the others as \u00xx. */
const SHORT_ESCAPES: ReadonlySet<number> = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d])

/** NaN (past the end of the text) is not. */
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff
