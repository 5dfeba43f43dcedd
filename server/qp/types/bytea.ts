// bytea and uuid input and output (ARCHITECTURE.md "query processor": values): PostgreSQL's hex
// and escape bytea formats and uuid's accepted spellings.
import { SqlError } from '../../errors/index.ts'

const HEX = '0123456789abcdef'
const encoder = new TextEncoder()

function hexValue(c: string): number {
  const v = HEX.indexOf(c.toLowerCase())
  return c.length === 1 ? v : -1
}

/** byteain: '\x0a0b' (hex; whitespace between byte pairs) or the escape format ('\\', '\ooo',
 * other characters as their UTF-8 bytes). */
export function parseBytea(text: string): Uint8Array {
  if (text.startsWith('\\x') || text.startsWith('\\X')) return parseHex(text.slice(2))
  const out: number[] = []
  for (let i = 0; i < text.length;) {
    const c = text[i] as string
    if (c !== '\\') {
      const cp = text.codePointAt(i) as number
      const ch = String.fromCodePoint(cp)
      for (const b of encoder.encode(ch)) out.push(b)
      i += ch.length
    } else if (text[i + 1] === '\\') {
      out.push(0x5c)
      i += 2
    } else if (/^[0-3][0-7][0-7]$/.test(text.slice(i + 1, i + 4))) {
      out.push(parseInt(text.slice(i + 1, i + 4), 8))
      i += 4
    } else {
      throw new SqlError('22P02', 'invalid input syntax for type bytea')
    }
  }
  return Uint8Array.from(out)
}

function parseHex(body: string): Uint8Array {
  const out: number[] = []
  for (let i = 0; i < body.length;) {
    const c = body[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    const hi = hexValue(c)
    if (hi < 0) throw new SqlError('22023', `invalid hexadecimal digit: "${c}"`)
    const d = body[i + 1]
    if (d === undefined) {
      throw new SqlError('22023', 'invalid hexadecimal data: odd number of digits')
    }
    const lo = hexValue(d)
    if (lo < 0) throw new SqlError('22023', `invalid hexadecimal digit: "${d}"`)
    out.push(hi * 16 + lo)
    i += 2
  }
  return Uint8Array.from(out)
}

/** byteaout with bytea_output = hex: '\x' and two lowercase hex digits per byte. */
export function formatBytea(bytes: Uint8Array): string {
  let s = '\\x'
  for (const b of bytes) s += (HEX[b >> 4] as string) + (HEX[b & 15] as string)
  return s
}

/** Byte order, then length (memcmp then shorter first), as PostgreSQL's byteacmp. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** uuid_in: 32 hex digits, optionally in braces, with '-' allowed after any group of four;
 * case-insensitive; no surrounding whitespace. Returns the lowercase canonical form. */
export function parseUuid(text: string): string {
  const bad = () => new SqlError('22P02', `invalid input syntax for type uuid: "${text}"`)
  let s = text
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) throw bad()
    s = s.slice(1, -1)
  }
  let hex = ''
  let i = 0
  for (let group = 0; group < 8; group++) {
    const part = s.slice(i, i + 4)
    if (!/^[0-9a-fA-F]{4}$/.test(part)) throw bad()
    hex += part.toLowerCase()
    i += 4
    if (group < 7 && s[i] === '-') i++
  }
  if (i !== s.length) throw bad()
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
