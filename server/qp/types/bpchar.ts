// character(n) / bpchar values (ARCHITECTURE.md "query processor": binding and evaluation): the
// padding a typmod applies (with the truncation varchar(n) shares) and the trailing-space rule
// shared by order, hashing, keys and casts.
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
  if (n < length) return s + ' '.repeat(length - n)
  return truncateToLength(s, length, explicit, 'character')
}

/** The length rule character(n) and varchar(n) share for a value of more than n characters: an
 * explicit cast keeps the first n, other contexts only when what goes is all spaces, else 22001
 * naming `typeName`(n). A value that fits comes back unchanged. */
export function truncateToLength(
  s: string,
  length: number,
  explicit: boolean,
  typeName: 'character' | 'character varying',
): string {
  if (s.length <= length || charLength(s) <= length) return s
  const kept = takeChars(s, length)
  if (explicit || /^ *$/.test(s.slice(kept.length))) return kept
  throw new SqlError('22001', `value too long for type ${typeName}(${length})`)
}
