// Order-preserving key encoding (ARCHITECTURE.md "Keys and rows"): a tuple of key parts becomes
// lowercase hex whose string order is the tuple order. Hot path of every read and write.
import { assert } from '../errors/index.ts'
import { BYTE_HEX, byteAt, complementHex, nibbleAt } from './hex.ts'
import type { DecimalPart, Key, KeyPart } from './index.ts'

// One tag byte per kind, in kind order. No tag is 0xff, so 'ff' is above every encoded key.
const TAG_NULL = 0x05
const TAG_BOOLEAN = 0x10
const TAG_BIGINT = 0x20
const TAG_NUMBER = 0x30
const TAG_DECIMAL = 0x40
const TAG_STRING = 0x50
const TAG_BYTES = 0x60

// Bigint header byte: 0x80 is zero, 0x80 + len (len 1..126 magnitude bytes) positive, 0x7f - len
// negative; 0xff / 0x00 introduce a 4-byte length for the (never expected) huge values.
const BIGINT_ZERO = 0x80
const BIGINT_SHORT_MAX = 126
// Decimal sign byte.
const DECIMAL_NEGATIVE = 0x01
const DECIMAL_ZERO = 0x02
const DECIMAL_POSITIVE = 0x03
const DECIMAL_EXPONENT_BIAS = 0x80000000

const T_NULL = BYTE_HEX[TAG_NULL] as string
const T_FALSE = (BYTE_HEX[TAG_BOOLEAN] as string) + '00'
const T_TRUE = (BYTE_HEX[TAG_BOOLEAN] as string) + '01'
const T_BIGINT = BYTE_HEX[TAG_BIGINT] as string
const T_NUMBER = BYTE_HEX[TAG_NUMBER] as string
const T_DECIMAL = BYTE_HEX[TAG_DECIMAL] as string
const T_STRING = BYTE_HEX[TAG_STRING] as string
const T_BYTES = BYTE_HEX[TAG_BYTES] as string
// Inside strings and bytes, 0x00 is escaped as 00 ff and the part ends with 00 01, so a string
// that is a prefix of another sorts first and the terminator never appears inside.
const ESCAPED_ZERO = '00ff'
const TERMINATOR = '0001'

/** Encodings of the small non-negative bigints that lead every key (table and index ids). */
const SMALL_BIGINTS_MAX = 1024
const SMALL_BIGINTS: readonly string[] = Array.from({ length: SMALL_BIGINTS_MAX }, (_, n) =>
  encodeBigintSlow(BigInt(n)),
)

const float = new DataView(new ArrayBuffer(8))

export function encodeKey(parts: readonly KeyPart[]): Key {
  let out = ''
  for (let i = 0; i < parts.length; i++) out += encodePart(parts[i] as KeyPart)
  return out
}

/** Encodes one part; `encodeKey([a, b]) === encodeKeyPart(a) + encodeKeyPart(b)`. */
export function encodeKeyPart(part: KeyPart): Key {
  return encodePart(part)
}

function encodePart(part: KeyPart): string {
  switch (typeof part) {
    case 'bigint':
      return part >= 0n && part < SMALL_BIGINTS_MAX
        ? (SMALL_BIGINTS[Number(part)] as string)
        : encodeBigintSlow(part)
    case 'string':
      return T_STRING + encodeStringBody(part) + TERMINATOR
    case 'number':
      return encodeNumber(part)
    case 'boolean':
      return part ? T_TRUE : T_FALSE
    case 'object':
      if (part === null) return T_NULL
      if (part instanceof Uint8Array) return T_BYTES + encodeBytesBody(part) + TERMINATOR
      return encodeDecimal(part)
    default:
      assert(false, `not a key part: ${typeof part}`)
  }
}

function encodeBigintSlow(n: bigint): string {
  if (n === 0n) return T_BIGINT + (BYTE_HEX[BIGINT_ZERO] as string)
  const negative = n < 0n
  let hex = (negative ? -n : n).toString(16)
  if (hex.length & 1) hex = '0' + hex
  const length = hex.length >> 1
  if (!negative) {
    return length <= BIGINT_SHORT_MAX
      ? T_BIGINT + (BYTE_HEX[BIGINT_ZERO + length] as string) + hex
      : T_BIGINT + 'ff' + u32Hex(length) + hex
  }
  return length <= BIGINT_SHORT_MAX
    ? T_BIGINT + (BYTE_HEX[BIGINT_ZERO - 1 - length] as string) + complementHex(hex)
    : T_BIGINT + '00' + complementHex(u32Hex(length)) + complementHex(hex)
}

function encodeNumber(x: number): string {
  // -0 equals 0 and every NaN is one NaN, above +Infinity (PostgreSQL float order).
  if (x === 0) x = 0
  let hi: number
  let lo: number
  if (Number.isNaN(x)) {
    hi = 0x7ff80000
    lo = 0
  } else {
    float.setFloat64(0, x)
    hi = float.getUint32(0)
    lo = float.getUint32(4)
  }
  if (hi & 0x80000000) {
    hi = ~hi >>> 0
    lo = ~lo >>> 0
  } else {
    hi = (hi | 0x80000000) >>> 0
  }
  return T_NUMBER + u32Hex(hi) + u32Hex(lo)
}

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?$/

/**
 * Sign byte, then for non-zero values the exponent (value = 0.d1d2... x 10^exponent, d1 != 0) as a
 * biased u32, then one hex digit per decimal digit (digit + 1, so 0 can end it) and a terminator.
 * Negative values complement exponent and digits. Trailing zeros do not change the value, so
 * '1.50' and '1.5' encode alike and decode to the canonical '1.5'.
 */
function encodeDecimal(part: DecimalPart): string {
  const text = part.decimal
  const match = DECIMAL_PATTERN.exec(text)
  assert(match !== null && /\d/.test(text), `not a decimal: ${text}`)
  const intDigits = match[2] ?? ''
  const all = intDigits + (match[3] ?? '')
  let first = 0
  while (first < all.length && all.charCodeAt(first) === 48) first++
  let end = all.length
  while (end > first && all.charCodeAt(end - 1) === 48) end--
  if (first === end) return T_DECIMAL + (BYTE_HEX[DECIMAL_ZERO] as string)
  const exponent = intDigits.length - first
  const negative = match[1] === '-'
  let digits = ''
  for (let i = first; i < end; i++) {
    const d = all.charCodeAt(i) - 48 + 1
    digits += (negative ? 15 - d : d).toString(16)
  }
  const count = end - first
  const terminator = negative ? (count & 1 ? 'f' : 'ff') : count & 1 ? '0' : '00'
  const exponentHex = u32Hex((exponent + DECIMAL_EXPONENT_BIAS) >>> 0)
  const head = negative
    ? (BYTE_HEX[DECIMAL_NEGATIVE] as string) + complementHex(exponentHex)
    : (BYTE_HEX[DECIMAL_POSITIVE] as string) + exponentHex
  return T_DECIMAL + head + digits + terminator
}

/** UTF-8 (WTF-8 for lone surrogates, so every JS string round-trips) with 0x00 escaped. */
function encodeStringBody(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      out += c === 0 ? ESCAPED_ZERO : (BYTE_HEX[c] as string)
    } else if (c < 0x800) {
      out += (BYTE_HEX[0xc0 | (c >> 6)] as string) + (BYTE_HEX[0x80 | (c & 0x3f)] as string)
    } else {
      const next = s.charCodeAt(i + 1)
      if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
        i++
        out +=
          (BYTE_HEX[0xf0 | (c >> 18)] as string) +
          (BYTE_HEX[0x80 | ((c >> 12) & 0x3f)] as string) +
          (BYTE_HEX[0x80 | ((c >> 6) & 0x3f)] as string) +
          (BYTE_HEX[0x80 | (c & 0x3f)] as string)
      } else {
        out +=
          (BYTE_HEX[0xe0 | (c >> 12)] as string) +
          (BYTE_HEX[0x80 | ((c >> 6) & 0x3f)] as string) +
          (BYTE_HEX[0x80 | (c & 0x3f)] as string)
      }
    }
  }
  return out
}

function encodeBytesBody(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    out += b === 0 ? ESCAPED_ZERO : (BYTE_HEX[b] as string)
  }
  return out
}

function u32Hex(n: number): string {
  return n.toString(16).padStart(8, '0')
}

export function decodeKey(key: Key): KeyPart[] {
  return decodeKeyPrefix(key, Number.POSITIVE_INFINITY)
}

/**
 * The first part of `key` as a number when it is a bigint in [0, 2^48) (a table id), else -1:
 * routing by table without building parts, a cursor or a bigint.
 */
export function leadingSmallUint(key: Key): number {
  if (byteAt(key, 0) !== TAG_BIGINT) return -1
  const header = byteAt(key, 2)
  if (header < BIGINT_ZERO || header > BIGINT_ZERO + 6) return -1
  let n = 0
  for (let i = 0, at = 4; i < header - BIGINT_ZERO; i++, at += 2) {
    const b = byteAt(key, at)
    if (b < 0) return -1
    n = n * 256 + b
  }
  return n
}

/** Decodes at most the first `count` parts of `key` (cheap routing on the leading parts). */
export function decodeKeyPrefix(key: Key, count: number): KeyPart[] {
  const parts: KeyPart[] = []
  const cursor = { at: 0 }
  while (cursor.at < key.length && parts.length < count) parts.push(decodePart(key, cursor))
  return parts
}

interface Cursor {
  at: number
}

function decodePart(key: string, cursor: Cursor): KeyPart {
  const tag = byteAt(key, cursor.at)
  cursor.at += 2
  switch (tag) {
    case TAG_NULL:
      return null
    case TAG_BOOLEAN: {
      const b = byteAt(key, cursor.at)
      assert(b === 0 || b === 1, `bad boolean in key ${key}`)
      cursor.at += 2
      return b === 1
    }
    case TAG_BIGINT:
      return decodeBigint(key, cursor)
    case TAG_NUMBER:
      return decodeNumber(key, cursor)
    case TAG_DECIMAL:
      return decodeDecimal(key, cursor)
    case TAG_STRING:
      return decodeString(key, cursor)
    case TAG_BYTES:
      return decodeBytes(key, cursor)
    default:
      assert(false, `bad tag ${tag} at ${cursor.at - 2} in key ${key}`)
  }
}

function decodeBigint(key: string, cursor: Cursor): bigint {
  const header = byteAt(key, cursor.at)
  assert(header >= 0, `truncated bigint in key ${key}`)
  cursor.at += 2
  if (header === BIGINT_ZERO) return 0n
  const negative = header < BIGINT_ZERO
  let length: number
  if (header === 0xff || header === 0x00) {
    const lengthHex = take(key, cursor, 8)
    length = Number.parseInt(negative ? complementHex(lengthHex) : lengthHex, 16)
  } else {
    length = negative ? BIGINT_ZERO - 1 - header : header - BIGINT_ZERO
  }
  // Up to 6 bytes fit a double exactly: skip building a hex string for the common small ids.
  if (!negative && length <= 6) {
    let n = 0
    for (let i = 0; i < length; i++) {
      const b = byteAt(key, cursor.at)
      assert(b >= 0, `truncated bigint in key ${key}`)
      n = n * 256 + b
      cursor.at += 2
    }
    return BigInt(n)
  }
  const hex = take(key, cursor, length * 2)
  return negative ? -BigInt('0x' + complementHex(hex)) : BigInt('0x' + hex)
}

function decodeNumber(key: string, cursor: Cursor): number {
  let hi = Number.parseInt(take(key, cursor, 8), 16)
  let lo = Number.parseInt(take(key, cursor, 8), 16)
  if (hi & 0x80000000) {
    hi = (hi & 0x7fffffff) >>> 0
  } else {
    hi = ~hi >>> 0
    lo = ~lo >>> 0
  }
  float.setUint32(0, hi)
  float.setUint32(4, lo)
  return float.getFloat64(0)
}

function decodeDecimal(key: string, cursor: Cursor): DecimalPart {
  const sign = byteAt(key, cursor.at)
  cursor.at += 2
  if (sign === DECIMAL_ZERO) return { decimal: '0' }
  assert(sign === DECIMAL_NEGATIVE || sign === DECIMAL_POSITIVE, `bad decimal sign in key ${key}`)
  const negative = sign === DECIMAL_NEGATIVE
  const exponentHex = take(key, cursor, 8)
  const exponent =
    Number.parseInt(negative ? complementHex(exponentHex) : exponentHex, 16) - DECIMAL_EXPONENT_BIAS
  const start = cursor.at
  let digits = ''
  for (;;) {
    const n = nibbleAt(key, cursor.at++)
    assert(n >= 0, `unterminated decimal in key ${key}`)
    const d = negative ? 15 - n : n
    if (d === 0) break
    digits += String(d - 1)
  }
  if ((cursor.at - start) & 1) cursor.at++
  return { decimal: (negative ? '-' : '') + placePoint(digits, exponent) }
}

/** Canonical text of 0.digits x 10^exponent. */
function placePoint(digits: string, exponent: number): string {
  if (exponent <= 0) return '0.' + '0'.repeat(-exponent) + digits
  if (exponent >= digits.length) return digits + '0'.repeat(exponent - digits.length)
  return digits.slice(0, exponent) + '.' + digits.slice(exponent)
}

/**
 * Reads escaped bytes up to the terminator into `scratch` (reused: decoding allocates only the
 * result) and returns how many there are.
 */
function readEscaped(key: string, cursor: Cursor): number {
  let n = 0
  for (;;) {
    const b = byteAt(key, cursor.at)
    assert(b >= 0, `unterminated string in key ${key}`)
    cursor.at += 2
    if (b === 0) {
      const escape = byteAt(key, cursor.at)
      cursor.at += 2
      if (escape === 0x01) return n
      assert(escape === 0xff, `bad escape in key ${key}`)
    }
    if (n === scratch.length) growScratch()
    scratch[n++] = b
  }
}

let scratch = new Uint8Array(256)
function growScratch(): void {
  const bigger = new Uint8Array(scratch.length * 2)
  bigger.set(scratch)
  scratch = bigger
}

// `scratch` is read only after readEscaped, which may have replaced it with a larger one.
function decodeString(key: string, cursor: Cursor): string {
  const length = readEscaped(key, cursor)
  return utf8Decode(scratch, length)
}

function decodeBytes(key: string, cursor: Cursor): Uint8Array {
  const length = readEscaped(key, cursor)
  return scratch.slice(0, length)
}

/** Decodes UTF-8 / WTF-8 as written by `encodeStringBody`. */
function utf8Decode(bytes: Uint8Array, length: number): string {
  let out = ''
  for (let i = 0; i < length; ) {
    const b = bytes[i] as number
    if (b < 0x80) {
      out += String.fromCharCode(b)
      i++
    } else if (b < 0xe0) {
      out += String.fromCharCode(((b & 0x1f) << 6) | cont(bytes, i + 1, length))
      i += 2
    } else if (b < 0xf0) {
      const c = ((b & 0x0f) << 12) | (cont(bytes, i + 1, length) << 6) | cont(bytes, i + 2, length)
      out += String.fromCharCode(c)
      i += 3
    } else {
      const high = ((b & 0x07) << 18) | (cont(bytes, i + 1, length) << 12)
      const low = (cont(bytes, i + 2, length) << 6) | cont(bytes, i + 3, length)
      out += String.fromCodePoint(high | low)
      i += 4
    }
  }
  return out
}

function cont(bytes: Uint8Array, i: number, length: number): number {
  const b = bytes[i] as number
  assert(i < length && (b & 0xc0) === 0x80, 'bad UTF-8 continuation byte in key')
  return b & 0x3f
}

function take(key: string, cursor: Cursor, chars: number): string {
  assert(cursor.at + chars <= key.length, `truncated key ${key}`)
  const s = key.slice(cursor.at, cursor.at + chars)
  cursor.at += chars
  return s
}

export function prefixEnd(prefix: Key): Key {
  if (prefix === '') return 'ff'
  assert((prefix.length & 1) === 0, `key ${prefix} is not whole bytes`)
  let i = prefix.length - 2
  while (i >= 0 && byteAt(prefix, i) === 0xff) i -= 2
  assert(i >= 0, `no key follows every extension of ${prefix}`)
  return prefix.slice(0, i) + (BYTE_HEX[byteAt(prefix, i) + 1] as string)
}
