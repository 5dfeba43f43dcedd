// bytea functions (ARCHITECTURE.md "query processor": evaluate): encode/decode (hex, base64,
// escape), the SHA-2 digests, convert_to/convert_from for UTF8, and byte lengths.
import { createHash } from 'node:crypto'
import { SqlError } from '../errors/index.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { invalidEncoding, type Datum } from './types/index.ts'

const bytes = (d: Datum | undefined) => d as Uint8Array
const text = (d: Datum | undefined) => d as string

function encode(data: Uint8Array, format: string): string {
  switch (format.toLowerCase()) {
    case 'hex':
      return Buffer.from(data).toString('hex')
    case 'base64': {
      // PostgreSQL breaks base64 output into lines of 76 characters.
      const b64 = Buffer.from(data).toString('base64')
      return b64.replace(/(.{76})(?=.)/g, '$1\n')
    }
    case 'escape': {
      let out = ''
      for (const b of data) {
        if (b === 0x5c) out += '\\\\'
        else if (b < 0x20 || b > 0x7e) out += `\\${b.toString(8).padStart(3, '0')}`
        else out += String.fromCharCode(b)
      }
      return out
    }
    default:
      throw new SqlError('22023', `unrecognized encoding: "${format}"`)
  }
}

function decode(s: string, format: string): Uint8Array {
  switch (format.toLowerCase()) {
    case 'hex': {
      const clean = s.replace(/[ \t\n\r]/g, '')
      if (!/^[0-9a-fA-F]*$/.test(clean)) {
        const bad = clean.match(/[^0-9a-fA-F]/)?.[0] ?? ''
        throw new SqlError('22023', `invalid hexadecimal digit: "${bad}"`)
      }
      if (clean.length % 2 !== 0) throw new SqlError('22023', 'invalid hexadecimal data: odd number of digits')
      return new Uint8Array(Buffer.from(clean, 'hex'))
    }
    case 'base64': {
      const clean = s.replace(/[ \t\n\r]/g, '')
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
        const bad = clean.match(/[^A-Za-z0-9+/=]/)?.[0]
        const message =
          bad === undefined
            ? 'unexpected "=" while decoding base64 sequence'
            : `invalid symbol "${bad}" found while decoding base64 sequence`
        throw new SqlError('22023', message)
      }
      if (clean.replace(/=+$/, '').length % 4 === 1) throw new SqlError('22023', 'invalid base64 end sequence')
      return new Uint8Array(Buffer.from(clean, 'base64'))
    }
    case 'escape': {
      const out: number[] = []
      for (let i = 0; i < s.length; ) {
        if (s[i] !== '\\') {
          for (const b of Buffer.from(s[i] as string, 'utf8')) out.push(b)
          i++
        } else if (s[i + 1] === '\\') {
          out.push(0x5c)
          i += 2
        } else if (/^[0-3][0-7]{2}$/.test(s.slice(i + 1, i + 4))) {
          out.push(Number.parseInt(s.slice(i + 1, i + 4), 8))
          i += 4
        } else {
          throw new SqlError('22P02', 'invalid input syntax for type bytea')
        }
      }
      return new Uint8Array(out)
    }
    default:
      throw new SqlError('22023', `unrecognized encoding: "${format}"`)
  }
}

const digest = (algorithm: string) =>
  overloads(sig([T.bytea], T.bytea, (a) => new Uint8Array(createHash(algorithm).update(bytes(a[0])).digest())))

function checkUtf8(encoding: string): void {
  if (!/^utf-?8$/i.test(encoding)) throw new SqlError('0A000', `encoding "${encoding}" is not supported (only UTF8)`)
}

/** The bytea functions, by lowercase name. */
export const BYTEA_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['encode', overloads(sig([T.bytea, T.text], T.text, (a) => encode(bytes(a[0]), text(a[1]))))],
  ['decode', overloads(sig([T.text, T.text], T.bytea, (a) => decode(text(a[0]), text(a[1]))))],
  ['sha224', digest('sha224')],
  ['sha256', digest('sha256')],
  ['sha384', digest('sha384')],
  ['sha512', digest('sha512')],
  ['convert_to', overloads(sig([T.text, T.text], T.bytea, (a) => {
    checkUtf8(text(a[1]))
    return new Uint8Array(Buffer.from(text(a[0]), 'utf8'))
  }))],
  ['convert_from', overloads(sig([T.bytea, T.text], T.text, (a) => {
    checkUtf8(text(a[1]))
    const decoded = new TextDecoder('utf-8', { fatal: true })
    let out: string
    try {
      out = decoded.decode(bytes(a[0]))
    } catch (e) {
      throw new SqlError('22021', 'invalid byte sequence for encoding "UTF8"', { cause: e })
    }
    // Valid UTF-8, but text cannot hold U+0000 (PostgreSQL's text is NUL-terminated).
    if (out.includes('\0')) throw invalidEncoding('0x00')
    return out
  }))],
])
