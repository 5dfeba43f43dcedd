// String functions (ARCHITECTURE.md "query processor": bind and evaluate): PostgreSQL's text
// functions, counting in characters (code points) as PostgreSQL does for UTF-8, not UTF-16 units.
import { createHash } from 'node:crypto'
import { SqlError } from '../errors/index.ts'
import { T, overloads, resolved, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { posixRegex } from './posix-regex.ts'
import { similarSubstring } from './similar-pattern.ts'
import { castToText, checkTextLength, formatText, type Datum, type SqlType } from './types/index.ts'

const chars = (s: string) => Array.from(s)
const str = (d: Datum | undefined) => d as string
const int = (d: Datum | undefined) => Number(d as bigint)

const text1 = (fn: (s: string) => Datum, type: SqlType = T.text) => overloads(sig([T.text], type, (a) => fn(str(a[0]))))
const text2 = (fn: (a: string, b: string) => Datum, type: SqlType = T.text) =>
  overloads(sig([T.text, T.text], type, (a) => fn(str(a[0]), str(a[1]))))

/** substring(s, start[, count]) with PostgreSQL's clipping of a start before 1; 22011 on a
 * negative count. substring(s, pattern) is the POSIX regular expression form. */
function substring(s: string, start: number, count: number | undefined): string {
  if (count !== undefined && count < 0) throw new SqlError('22011', 'negative substring length not allowed')
  const cs = chars(s)
  const from = Math.max(start, 1)
  const to = count === undefined ? cs.length + 1 : start + count
  return to <= from ? '' : cs.slice(from - 1, to - 1).join('')
}

// The regex form first: an untyped literal argument takes the string-category candidate, as in
// PostgreSQL's func_select_candidate (substring('foo123' from '[0-9]+') is a match, not 22P02).
const substringByPosition = [
  sig([T.text, T.int4], T.text, (a) => substring(str(a[0]), int(a[1]), undefined)),
  sig([T.text, T.int4, T.int4], T.text, (a) => substring(str(a[0]), int(a[1]), int(a[2]))),
]
const substringResolver = overloads(
  // substring(s SIMILAR pattern ESCAPE e) reaches here as substring(s, pattern, e).
  sig([T.text, T.text, T.text], T.text, (a) => similarSubstring(str(a[0]), str(a[1]), str(a[2]))),
  sig([T.text, T.text], T.text, (a) => {
    const m = posixRegex(str(a[1]), '').exec(str(a[0]))
    if (m === null) return null
    return m.length > 1 ? (m[1] ?? null) : m[0]
  }),
  ...substringByPosition,
)
/** substr has no regular expression form. */
const substrResolver = overloads(...substringByPosition)

/** 1-based character position of `sub` in `s`, 0 when absent. */
function strpos(s: string, sub: string): bigint {
  const i = s.indexOf(sub)
  return i < 0 ? 0n : BigInt(chars(s.slice(0, i)).length + 1)
}

function trimChars(s: string, set: string, left: boolean, right: boolean): string {
  const cs = chars(s)
  const drop = new Set(chars(set))
  let i = 0
  let j = cs.length
  if (left) while (i < j && drop.has(cs[i] as string)) i++
  if (right) while (j > i && drop.has(cs[j - 1] as string)) j--
  return cs.slice(i, j).join('')
}

const trimResolver = (left: boolean, right: boolean) =>
  overloads(
    sig([T.text], T.text, (a) => trimChars(str(a[0]), ' ', left, right)),
    sig([T.text, T.text], T.text, (a) => trimChars(str(a[0]), str(a[1]), left, right)),
  )

function splitPart(s: string, delim: string, n: number): string {
  if (n === 0) throw new SqlError('22023', 'field position must not be zero')
  const parts = delim === '' ? [s] : s.split(delim)
  const i = n > 0 ? n - 1 : parts.length + n
  return parts[i] ?? ''
}

/** lpad/rpad: the requested length is checked before anything is built (54000), and the fill is
 * built by whole repeats, not a per-character array, so a long result costs its own size only. */
function pad(s: string, length: number, fill: string, left: boolean): string {
  if (length <= 0) return ''
  checkTextLength(length)
  // Code points beyond the BMP are two UTF-16 units: count by code point only when there are any.
  const wide = (t: string) => /[\uD800-\uDFFF]/.test(t)
  const have = wide(s) ? chars(s).length : s.length
  if (have >= length) return have === s.length ? s.slice(0, length) : chars(s).slice(0, length).join('')
  if (fill === '') return s
  const need = length - have
  let padding: string
  if (!wide(fill)) padding = fill.repeat(Math.ceil(need / fill.length)).slice(0, need)
  else {
    const fs = chars(fill)
    padding = fill.repeat(Math.floor(need / fs.length)) + fs.slice(0, need % fs.length).join('')
  }
  return left ? padding + s : s + padding
}

const padResolver = (left: boolean) =>
  overloads(
    sig([T.text, T.int4], T.text, (a) => pad(str(a[0]), int(a[1]), ' ', left)),
    sig([T.text, T.int4, T.text], T.text, (a) => pad(str(a[0]), int(a[1]), str(a[2]), left)),
  )

function leftChars(s: string, n: number): string {
  const cs = chars(s)
  return (n >= 0 ? cs.slice(0, n) : cs.slice(0, Math.max(cs.length + n, 0))).join('')
}

function rightChars(s: string, n: number): string {
  const cs = chars(s)
  return (n >= 0 ? cs.slice(Math.max(cs.length - n, 0)) : cs.slice(Math.min(-n, cs.length))).join('')
}

/** initcap: the first letter of each run of letters and digits upper case, the rest lower. */
function initcap(s: string): string {
  let out = ''
  let inWord = false
  for (const c of s) {
    const alnum = /[\p{L}\p{N}]/u.test(c)
    out += alnum ? (inWord ? c.toLowerCase() : c.toUpperCase()) : c
    inWord = alnum
  }
  return out
}

function chr(n: bigint): string {
  if (n === 0n) throw new SqlError('54000', 'null character not permitted')
  if (n < 0n) throw new SqlError('22023', 'character number must be positive')
  if (n > 0x10ffffn || (n >= 0xd800n && n <= 0xdfffn)) {
    throw new SqlError('54000', `requested character too large for encoding: ${n}`)
  }
  return String.fromCodePoint(Number(n))
}

function repeat(s: string, n: number): string {
  if (n <= 0 || s === '') return ''
  checkTextLength(s.length * n)
  return s.repeat(n)
}

/** replace(s, from, to): the result's length is counted from the matches before it is built. */
function replace(s: string, from: string, to: string): string {
  if (from === '') return s
  if (to.length > from.length) {
    let count = 0
    for (let i = s.indexOf(from); i >= 0; i = s.indexOf(from, i + from.length)) count++
    checkTextLength(s.length + count * (to.length - from.length))
  }
  return s.replaceAll(from, to)
}

function translate(s: string, from: string, to: string): string {
  const f = chars(from)
  const t = chars(to)
  let out = ''
  for (const c of s) {
    const i = f.indexOf(c)
    if (i < 0) out += c
    else if (i < t.length) out += t[i]
  }
  return out
}

function toHex(n: bigint, bits: bigint): string {
  return (n < 0n ? n + (1n << bits) : n).toString(16)
}

/** PostgreSQL's reserved key words: quote_ident and %I quote them. */
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate ' +
    'collation column concurrently constraint create cross current_catalog current_date current_role ' +
    'current_schema current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into ' +
    'is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on ' +
    'only or order outer overlaps placing primary references returning right select session_user similar some ' +
    'symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when ' +
    'where window with between bigint bit boolean char character coalesce dec decimal exists extract float ' +
    'greatest grouping inout int integer interval least national nchar none normalize nullif numeric out overlay ' +
    'position precision real row setof smallint substring time timestamp treat trim values varchar xmlattributes ' +
    'xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable')
    .split(' '),
)

export function quoteIdent(s: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(s) && !RESERVED.has(s)) return s
  return `"${s.replaceAll('"', '""')}"`
}

/** The characters PostgreSQL's scanner takes for white space around identifiers. */
const IDENT_SPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v'])
// Identifier characters as PostgreSQL's scanner reads them: ASCII letters, '_' and any non-ASCII
// character begin one; digits and '$' may follow.
const identStart = (c: string | undefined) => c !== undefined && (/[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80)
const identPart = (c: string | undefined) => identStart(c) || (c !== undefined && /[0-9$]/.test(c))

/** parse_ident: a qualified name split into its parts, unquoted ones folded to lower case (ASCII
 * letters only, as in a UTF8 database), quoted ones as written with "" read as ". With `strict`,
 * anything after the name is an error; without, it is ignored. 22023 for no valid name. */
function parseIdent(text: string, strict: boolean): string[] {
  const invalid = (detail?: string) =>
    new SqlError('22023', `string is not a valid identifier: "${text}"`, detail === undefined ? {} : { detail })
  const parts: string[] = []
  let i = 0
  const skipSpace = () => {
    while (IDENT_SPACE.has(text[i] as string)) i++
  }
  skipSpace()
  let afterDot = false
  for (;;) {
    if (text[i] === '"') {
      let part = ''
      for (i++; ; i++) {
        if (i >= text.length) throw invalid('String has unclosed double quotes.')
        if (text[i] === '"') {
          if (text[i + 1] !== '"') break
          i++
        }
        part += text[i]
      }
      i++
      if (part === '') throw invalid('Quoted identifier must not be empty.')
      parts.push(part)
    } else if (identStart(text[i])) {
      const from = i
      while (identPart(text[i])) i++
      parts.push(text.slice(from, i).replace(/[A-Z]+/g, (m) => m.toLowerCase()))
    } else if (text[i] === '.') throw invalid('No valid identifier before ".".')
    else if (afterDot) throw invalid('No valid identifier after ".".')
    else throw invalid()
    skipSpace()
    if (text[i] === '.') {
      afterDot = true
      i++
      skipSpace()
    } else if (i >= text.length) return parts
    else if (strict) throw invalid()
    else return parts
  }
}

export function quoteLiteral(s: string): string {
  const body = s.replaceAll("'", "''")
  return s.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`
}

/** format(): %s, %I, %L and %%, with n$ positions and a width ('-' to left-align, '*' not
 * supported). 22023 on a bad conversion or too few arguments, 22004 for %I of NULL. */
function format(fmt: string, args: readonly (string | null)[]): string {
  let out = ''
  let next = 0
  const spec = /%(?:(\d+)\$)?(-)?(\d+)?([sIL%])?/y
  for (let i = 0; i < fmt.length; ) {
    const c = fmt[i] as string
    if (c !== '%') {
      out += c
      i++
      continue
    }
    spec.lastIndex = i
    const m = spec.exec(fmt)
    if (m === null || m[4] === undefined) {
      if (i + 1 >= fmt.length) throw new SqlError('22023', 'unterminated format() type specifier')
      throw new SqlError('22023', `unrecognized format() type specifier "${fmt[i + 1]}"`)
    }
    i = spec.lastIndex
    if (m[4] === '%') {
      out += '%'
      continue
    }
    const index = m[1] === undefined ? next : Number(m[1]) - 1
    if (m[1] !== undefined && index < 0) throw new SqlError('22023', 'format specifies argument 0, but arguments are numbered from 1')
    if (index >= args.length) throw new SqlError('22023', 'too few arguments for format()')
    next = index + 1
    const v = args[index] ?? null
    let piece: string
    if (m[4] === 's') piece = v ?? ''
    else if (m[4] === 'L') piece = v === null ? 'NULL' : quoteLiteral(v)
    else {
      if (v === null) throw new SqlError('22004', 'null values cannot be formatted as an SQL identifier')
      piece = quoteIdent(v)
    }
    const width = m[3] === undefined ? 0 : Number(m[3])
    // PostgreSQL's width is an int (22003 beyond); the result is bounded like any built text.
    if (width > 2147483647) throw new SqlError('22003', 'number is out of range')
    checkTextLength(out.length + Math.max(width, piece.length))
    const len = chars(piece).length
    if (len < width) piece = m[2] === '-' ? piece + ' '.repeat(width - len) : ' '.repeat(width - len) + piece
    out += piece
  }
  checkTextLength(out.length)
  return out
}

/** Arguments of "any" type as their text output (concat, format): the types are the caller's. */
function variadicText(args: readonly SqlType[]): readonly SqlType[] {
  return args.map((t) => (t.kind === 'unknown' ? T.text : t))
}

/** A built text value, checked against BUILT_TEXT_CHARS_MAX (54000). The parts it was joined from
 * were each bounded, so the join itself is at most their sum. */
function builtText(s: string): string {
  checkTextLength(s.length)
  return s
}

// The output function (bool as 't'), as concat and format use it, not a cast to text.
const asText = (v: Datum, t: SqlType): string | null => (v === null ? null : formatText(v, t))

const concat: FunctionResolver = (args) => {
  const types = variadicText(args)
  return {
    argTypes: types,
    type: T.text,
    apply: (a) => builtText(a.map((v, i) => asText(v, types[i] as SqlType) ?? '').join('')),
    strict: false,
    volatile: false,
  }
}

const concatWs: FunctionResolver = (args) => {
  if (args.length < 1) return undefined
  const types = [T.text, ...variadicText(args.slice(1))]
  return {
    argTypes: types,
    type: T.text,
    apply: (a) => {
      if (a[0] === null) return null
      const parts = a.slice(1).map((v, i) => asText(v, types[i + 1] as SqlType))
      return builtText(parts.filter((p) => p !== null).join(str(a[0])))
    },
    strict: false,
    volatile: false,
  }
}

const formatResolver: FunctionResolver = (args) => {
  if (args.length < 1) return undefined
  const first = args[0] as SqlType
  if (first.kind !== 'text' && first.kind !== 'varchar' && first.kind !== 'unknown') return undefined
  const types = [T.text, ...variadicText(args.slice(1))]
  return {
    argTypes: types,
    type: T.text,
    apply: (a) =>
      a[0] === null ? null : format(str(a[0]), a.slice(1).map((v, i) => asText(v, types[i + 1] as SqlType))),
    strict: false,
    volatile: false,
  }
}

/** quote_literal / quote_nullable of any value: its text output, quoted. */
const quoteAny = (nullable: boolean): FunctionResolver => (args) => {
  if (args.length !== 1) return undefined
  const t = (args[0] as SqlType).kind === 'unknown' ? T.text : (args[0] as SqlType)
  return resolved(
    sig([t], T.text, (a) => (a[0] === null ? 'NULL' : quoteLiteral(castToText(a[0] as Datum, t))), { strict: !nullable }),
  )
}

/** overlay(s PLACING r FROM start [FOR count]): count defaults to r's length. */
function overlay(s: string, r: string, start: number, count: number | undefined): string {
  const n = count ?? chars(r).length
  if (start < 1) throw new SqlError('22011', 'negative substring length not allowed')
  checkTextLength(s.length + r.length)
  return substring(s, 1, start - 1) + r + substring(s, start + n, undefined)
}

// ---------------------------------------------------------------------------------------------
// Arrays of text

/** string_to_array/string_to_table: a NULL delimiter splits into characters, an empty one not at
 * all; parts equal to `nullStr` become NULL. */
export function stringToArray(s: string, delim: string | null, nullStr: string | null): (string | null)[] {
  if (s === '') return []
  const parts = delim === null ? chars(s) : delim === '' ? [s] : s.split(delim)
  return parts.map((p) => (nullStr !== null && p === nullStr ? null : p))
}

const stringToArrayResolver = overloads(
  sig([T.text, T.text], T.textArray, (a) => (a[0] === null ? null : stringToArray(str(a[0]), a[1] as string | null, null)), { strict: false }),
  sig([T.text, T.text, T.text], T.textArray, (a) =>
    a[0] === null ? null : stringToArray(str(a[0]), a[1] as string | null, a[2] as string | null), { strict: false }),
)

const arrayToString: FunctionResolver = (args) => {
  const arr = args[0]
  if (arr?.kind !== 'array' || args.length < 2 || args.length > 3) return undefined
  const element = arr.element
  const params = args.length === 2 ? [arr, T.text] : [arr, T.text, T.text]
  return resolved(
    sig(
      params,
      T.text,
      (a) => {
        if (a[0] === null || a[1] === null) return null
        const nullStr = (a[2] ?? null) as string | null
        const parts = (a[0] as readonly Datum[])
          .flatMap((v) => (v === null ? (nullStr === null ? [] : [nullStr]) : [castToText(v, element)]))
        checkTextLength(parts.reduce((n, p) => n + p.length, 0) + Math.max(parts.length - 1, 0) * str(a[1]).length)
        return parts.join(str(a[1]))
      },
      { strict: false },
    ),
  )
}

/** The text functions, by lowercase name. */
export const TEXT_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['substring', substringResolver],
  ['substr', substrResolver],
  ['position', text2((s, sub) => strpos(s, sub), T.int4)],
  ['strpos', text2((s, sub) => strpos(s, sub), T.int4)],
  ['btrim', trimResolver(true, true)],
  ['ltrim', trimResolver(true, false)],
  ['rtrim', trimResolver(false, true)],
  ['replace', overloads(sig([T.text, T.text, T.text], T.text, (a) => replace(str(a[0]), str(a[1]), str(a[2]))))],
  ['split_part', overloads(sig([T.text, T.text, T.int4], T.text, (a) => splitPart(str(a[0]), str(a[1]), int(a[2]))))],
  ['concat', concat],
  ['concat_ws', concatWs],
  ['format', formatResolver],
  ['left', overloads(sig([T.text, T.int4], T.text, (a) => leftChars(str(a[0]), int(a[1]))))],
  ['right', overloads(sig([T.text, T.int4], T.text, (a) => rightChars(str(a[0]), int(a[1]))))],
  ['lpad', padResolver(true)],
  ['rpad', padResolver(false)],
  ['repeat', overloads(sig([T.text, T.int4], T.text, (a) => repeat(str(a[0]), int(a[1]))))],
  ['reverse', text1((s) => chars(s).reverse().join(''))],
  ['initcap', text1(initcap)],
  ['starts_with', text2((s, p) => s.startsWith(p), T.bool)],
  ['md5', overloads(
    sig([T.text], T.text, (a) => createHash('md5').update(str(a[0]), 'utf8').digest('hex')),
    sig([T.bytea], T.text, (a) => createHash('md5').update(a[0] as Uint8Array).digest('hex')),
  )],
  ['chr', overloads(sig([T.int4], T.text, (a) => chr(a[0] as bigint)))],
  ['ascii', text1((s) => BigInt(s.codePointAt(0) ?? 0), T.int4)],
  ['octet_length', overloads(
    // bpcharoctetlen counts the padding, unlike length (which sees bpchar as text).
    sig([T.bpchar], T.int4, (a) => BigInt(Buffer.byteLength(str(a[0]), 'utf8'))),
    sig([T.text], T.int4, (a) => BigInt(Buffer.byteLength(str(a[0]), 'utf8'))),
    sig([T.bytea], T.int4, (a) => BigInt((a[0] as Uint8Array).length)),
  )],
  ['bit_length', text1((s) => BigInt(Buffer.byteLength(s, 'utf8') * 8), T.int4)],
  ['translate', overloads(sig([T.text, T.text, T.text], T.text, (a) => translate(str(a[0]), str(a[1]), str(a[2]))))],
  ['to_hex', overloads(
    sig([T.int4], T.text, (a) => toHex(a[0] as bigint, 32n)),
    sig([T.int8], T.text, (a) => toHex(a[0] as bigint, 64n)),
  )],
  ['quote_ident', text1(quoteIdent)],
  ['parse_ident', overloads(
    sig([T.text], T.textArray, (a) => parseIdent(str(a[0]), true)),
    sig([T.text, T.bool], T.textArray, (a) => parseIdent(str(a[0]), a[1] as boolean)),
  )],
  ['quote_literal', quoteAny(false)],
  ['quote_nullable', quoteAny(true)],
  ['overlay', overloads(
    sig([T.text, T.text, T.int4], T.text, (a) => overlay(str(a[0]), str(a[1]), int(a[2]), undefined)),
    sig([T.text, T.text, T.int4, T.int4], T.text, (a) => overlay(str(a[0]), str(a[1]), int(a[2]), int(a[3]))),
  )],
  ['string_to_array', stringToArrayResolver],
  ['array_to_string', arrayToString],
])
