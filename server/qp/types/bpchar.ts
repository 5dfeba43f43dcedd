// character(n) / bpchar values (ARCHITECTURE.md "query processor": binding and evaluation): the
// padding a typmod applies and the trailing-space rule shared by order, hashing, keys and casts.
import { SqlError } from '../../errors/index.ts'
import { charLength, takeChars } from './text-order.ts'

/** The value without its trailing spaces: what bpchar compares, hashes and keys, and what a cast
 * to text or varchar keeps. Only U+0020 counts, as PostgreSQL's bpchar functions. */
export function bpcharStrip(s: string): string {
  let end = s.length
  while (end > 0 && s.charCodeAt(end - 1) === 0x20) end--
  return end === s.length ? s : s.slice(0, end)
}

/** character(n): an explicit cast truncates; otherwise a longer value is 22001 unless what goes
 * is all spaces. A shorter value is padded with spaces to n characters. */
export function applyBpcharLength(s: string, length: number, explicit: boolean): string {
  const n = charLength(s)
  if (n === length) return s
  if (n < length) return s + ' '.repeat(length - n)
  const kept = takeChars(s, length)
  if (explicit || /^ *$/.test(s.slice(kept.length))) return kept
  throw new SqlError('22001', `value too long for type character(${length})`)
}
