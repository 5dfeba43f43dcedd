// Unicode text functions (ARCHITECTURE.md "query processor": bind and evaluate): normalize,
// IS [form] NORMALIZED (is_normalized), unistr and pg_client_encoding, for the UTF8 database
// Tessera is. Normal forms come from JavaScript's Unicode tables, which may be a version apart
// from PostgreSQL's own.
import { SqlError } from '../errors/index.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { checkTextLength, type Datum } from './types/index.ts'

const str = (d: Datum | undefined) => d as string

const FORMS: ReadonlySet<string> = new Set(['NFC', 'NFD', 'NFKC', 'NFKD'])

/** A normal form's name, any case (22023 otherwise). `normalize(s, NFKC)` passes it as text. */
function normalForm(name: string): 'NFC' | 'NFD' | 'NFKC' | 'NFKD' {
  const form = name.toUpperCase()
  if (!FORMS.has(form)) throw new SqlError('22023', `invalid normalization form: ${name}`)
  return form as 'NFC' | 'NFD' | 'NFKC' | 'NFKD'
}

function normalize(s: string, form: string): string {
  const out = s.normalize(normalForm(form))
  checkTextLength(out.length)
  return out
}

const isNormalized = (s: string, form: string) => s === s.normalize(normalForm(form))

const invalidEscape = () =>
  new SqlError('42601', 'invalid Unicode escape', {
    hint: 'Unicode escapes must be \\XXXX, \\+XXXXXX, \\uXXXX, or \\UXXXXXXXX.',
  })
const invalidPair = () => new SqlError('42601', 'invalid Unicode surrogate pair')

/** The escape forms unistr reads after a backslash: a prefix, then that many hex digits. */
const ESCAPES: readonly { readonly prefix: string; readonly digits: number }[] = [
  { prefix: '', digits: 4 },
  { prefix: 'u', digits: 4 },
  { prefix: '+', digits: 6 },
  { prefix: 'U', digits: 8 },
]

/** The escape at `s[i]` (a backslash): its code point and its length. */
function readEscape(s: string, i: number): { cp: number; length: number } {
  for (const { prefix, digits } of ESCAPES) {
    const hex = s.slice(i + 1 + prefix.length, i + 1 + prefix.length + digits)
    if (s.startsWith(prefix, i + 1) && hex.length === digits && /^[0-9a-fA-F]+$/.test(hex)) {
      return { cp: Number.parseInt(hex, 16), length: 1 + prefix.length + digits }
    }
  }
  throw invalidEscape()
}

/** unistr: PostgreSQL's escapes \XXXX, \uXXXX, \+XXXXXX, \UXXXXXXXX (a UTF-16 surrogate pair as
 * two escapes) and \\; 42601 for a malformed escape or an unpaired surrogate, 22023 for a code
 * point outside 1..10FFFF. */
function unistr(s: string): string {
  let out = ''
  let high: number | undefined
  let i = 0
  while (i < s.length) {
    if (s[i] !== '\\') {
      if (high !== undefined) throw invalidPair()
      out += s[i]
      i++
      continue
    }
    if (s[i + 1] === '\\') {
      if (high !== undefined) throw invalidPair()
      out += '\\'
      i += 2
      continue
    }
    const { cp, length } = readEscape(s, i)
    i += length
    if (cp === 0 || cp > 0x10ffff) throw new SqlError('22023', `invalid Unicode code point: ${cp.toString(16).toUpperCase().padStart(4, '0')}`)
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (high !== undefined) throw invalidPair()
      high = cp
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      if (high === undefined) throw invalidPair()
      out += String.fromCodePoint(0x10000 + ((high - 0xd800) << 10) + (cp - 0xdc00))
      high = undefined
    } else {
      if (high !== undefined) throw invalidPair()
      out += String.fromCodePoint(cp)
    }
  }
  if (high !== undefined) throw invalidPair()
  return out
}

/** The Unicode functions, by lowercase name. */
export const UNICODE_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['normalize', overloads(
    sig([T.text], T.text, (a) => normalize(str(a[0]), 'NFC')),
    sig([T.text, T.text], T.text, (a) => normalize(str(a[0]), str(a[1]))),
  )],
  ['is_normalized', overloads(
    sig([T.text], T.bool, (a) => isNormalized(str(a[0]), 'NFC')),
    sig([T.text, T.text], T.bool, (a) => isNormalized(str(a[0]), str(a[1]))),
  )],
  ['unistr', overloads(sig([T.text], T.text, (a) => unistr(str(a[0]))))],
  // PostgreSQL's type is name; Tessera has no name type and answers text, as current_database.
  ['pg_client_encoding', overloads(sig([], T.text, () => 'UTF8'))],
])
