// to_ascii (ARCHITECTURE.md "query processor": evaluate): PostgreSQL's byte-by-byte transliteration
// of LATIN1, LATIN2, LATIN9 and WIN1250 text into ASCII. PostgreSQL applies it to the value's bytes
// as stored, whatever the encoding argument says: in a UTF8 database (Tessera's) 'é' is the bytes
// C3 A9 and to_ascii('é', 'LATIN1') is 'AC'. to_ascii(text) names the database's encoding, UTF8,
// which has no transliteration: 0A000, as in PostgreSQL.
import { SqlError } from '../errors/index.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'

/** The ASCII character for each byte 0x80..0xFF, per encoding, as PostgreSQL's pg_to_ascii
 * replaces them (read off PGlite for every byte UTF-8 text can hold; bytes C0, C1 and F5..FF never
 * occur in UTF-8 and are '?'). LATIN1, LATIN2 and LATIN9 map 0x80..0x9F to a space. */
const TABLES: ReadonlyMap<number, string> = new Map([
  [8, '                                  cL Y  "Ca  -R     \'u .,      ???AAAAACEEEEIIII NOOOOOxOUUUUYTBaaaaaaaceeeeiiii nooo???????????'],
  [9, '                                 A L LS "SSTZ-ZZ a,l\'ls ,sstz"zz??AAALCCCEEEEIIDDNNOOOOxRUUUUYTBraaaalccceeeeiiddnnoo???????????'],
  [16, '                                  cL YS sCa  -R     Zu .z   EeY???AAAAACEEEEIIII NOOOOOxOUUUUYTBaaaaaaaceeeeiiii nooo???????????'],
  [29, '  \' "    %S<STZZ `\'"".--  s>stzz   L A  "CS  -RZ  ,l\'u .,as L"lz??AAALCCCEEEEIIDDNNOOOOxRUUUUYTBraaaalccceeeeiiddnnoo???????????'],
])

/** PostgreSQL's encodings by number (pg_encoding_to_char). */
const ENCODINGS = [
  'SQL_ASCII', 'EUC_JP', 'EUC_CN', 'EUC_KR', 'EUC_TW', 'EUC_JIS_2004', 'UTF8', 'MULE_INTERNAL', 'LATIN1', 'LATIN2',
  'LATIN3', 'LATIN4', 'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10', 'WIN1256', 'WIN1258', 'WIN866',
  'WIN874', 'KOI8R', 'WIN1251', 'WIN1252', 'ISO_8859_5', 'ISO_8859_6', 'ISO_8859_7', 'ISO_8859_8', 'WIN1250',
  'WIN1253', 'WIN1254', 'WIN1255', 'WIN1257', 'KOI8U', 'SJIS', 'BIG5', 'GBK', 'UHC', 'GB18030', 'JOHAB', 'SHIFT_JIS_2004',
] as const

/** Names PostgreSQL accepts beside the canonical ones (pg_char_to_encoding), cleaned as it cleans
 * a name: lower case, only letters and digits. */
const ALIASES: Readonly<Record<string, string>> = {
  abc: 'WIN1258', alt: 'WIN866', iso88591: 'LATIN1', iso88592: 'LATIN2', iso88593: 'LATIN3', iso88594: 'LATIN4',
  iso88599: 'LATIN5', iso885910: 'LATIN6', iso885913: 'LATIN7', iso885914: 'LATIN8', iso885915: 'LATIN9',
  iso885916: 'LATIN10', koi8: 'KOI8R', mskanji: 'SJIS', shiftjis: 'SJIS', tcvn: 'WIN1258', tcvn5712: 'WIN1258',
  unicode: 'UTF8', vscii: 'WIN1258', win: 'WIN1251', win932: 'SJIS', win936: 'GBK', win949: 'UHC', win950: 'BIG5',
  windows932: 'SJIS', windows936: 'GBK', windows949: 'UHC', windows950: 'BIG5', windows866: 'WIN866', windows874: 'WIN874',
}

const clean = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')

const BY_NAME: ReadonlyMap<string, number> = new Map([
  ...ENCODINGS.map((n, i): [string, number] => [clean(n), i]),
  ...Object.entries(ALIASES).map(([alias, n]): [string, number] => [alias, ENCODINGS.indexOf(n as (typeof ENCODINGS)[number])]),
  // windows1250..windows1258 are win1250..win1258.
  ...ENCODINGS.flatMap((n, i): [string, number][] => (n.startsWith('WIN') && n !== 'WIN866' && n !== 'WIN874' ? [[`windows${n.slice(3)}`, i]] : [])),
])

function encodingByName(name: string): number {
  const id = BY_NAME.get(clean(name))
  if (id === undefined) throw new SqlError('42704', `${name} is not a valid encoding name`)
  return id
}

function encodingByCode(code: bigint): number {
  if (code < 0n || code >= BigInt(ENCODINGS.length)) throw new SqlError('42704', `${code} is not a valid encoding code`)
  return Number(code)
}

function toAscii(s: string, encoding: number): string {
  const table = TABLES.get(encoding)
  if (table === undefined) {
    throw new SqlError('0A000', `encoding conversion from ${ENCODINGS[encoding]} to ASCII not supported`)
  }
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) out += b < 0x80 ? String.fromCharCode(b) : table[b - 0x80]
  return out
}

/** The UTF8 database encoding's number: what to_ascii(text) converts from. */
const DATABASE_ENCODING = ENCODINGS.indexOf('UTF8')

export const TO_ASCII_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['to_ascii', overloads(
    sig([T.text], T.text, (a) => toAscii(a[0] as string, DATABASE_ENCODING)),
    // PostgreSQL's second parameter is a name; an untyped literal resolves to it (string category).
    sig([T.text, T.text], T.text, (a) => toAscii(a[0] as string, encodingByName(a[1] as string))),
    sig([T.text, T.int4], T.text, (a) => toAscii(a[0] as string, encodingByCode(a[1] as bigint))),
  )],
])
