// bytea functions (ARCHITECTURE.md "query processor": evaluate): encode/decode (hex, base64,
// escape), the SHA-2 digests, convert_to/convert_from for UTF8, byte lengths, and the bit and byte
// accessors (get_bit, set_bit, get_byte, set_byte, bit_count).
import { createHash } from 'node:crypto'
import { SqlError, featureNotSupported } from '../errors/index.ts'
import { T, overloads, sig, type Signature } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { formatType, invalidEncoding, type Datum } from './types/index.ts'

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

/** A bit or byte position checked as PostgreSQL's byteaGetBit and friends: 2202E naming the valid
 * range, which for an empty value is 0..-1. */
function checkedIndex(index: bigint, count: number): number {
  if (index < 0n || index >= BigInt(count)) {
    throw new SqlError('2202E', `index ${index} out of valid range, 0..${count - 1}`)
  }
  return Number(index)
}

function getBit(data: Uint8Array, n: bigint): bigint {
  const i = checkedIndex(n, data.length * 8)
  // Bit 0 is the lowest bit of the first byte.
  return BigInt(((data[i >> 3] as number) >> (i & 7)) & 1)
}

function setBit(data: Uint8Array, n: bigint, bit: bigint): Uint8Array {
  const i = checkedIndex(n, data.length * 8)
  if (bit !== 0n && bit !== 1n) throw new SqlError('22023', 'new bit must be 0 or 1')
  const out = data.slice()
  const mask = 1 << (i & 7)
  out[i >> 3] = bit === 1n ? (out[i >> 3] as number) | mask : (out[i >> 3] as number) & ~mask
  return out
}

function setByte(data: Uint8Array, n: bigint, value: bigint): Uint8Array {
  const i = checkedIndex(n, data.length)
  const out = data.slice()
  // PostgreSQL stores the int4's low byte without a range check: 256 is 0, -1 is 255.
  out[i] = Number(BigInt.asUintN(8, value))
  return out
}

function bitCount(data: Uint8Array): bigint {
  let n = 0
  for (let b of data) {
    for (; b !== 0; b &= b - 1) n++
  }
  return BigInt(n)
}

/** get_bit, set_bit and bit_count also take PostgreSQL's bit strings. Where PostgreSQL resolves
 * an untyped first argument to bit (get_bit('101', 0): the int4 position matches bit's exactly),
 * Tessera, without a bit type, answers 0A000 rather than make a bytea call PostgreSQL would not;
 * where neither candidate is better (bit_count('101'), a smallint or untyped position) 42725; an
 * int8 position only bytea's overload takes. */
function bitOrBytea(name: string, ...signatures: Signature[]): FunctionResolver {
  const resolve = overloads(...signatures)
  return (args) => {
    if (args[0]?.kind !== 'unknown') return resolve(args)
    const position = args[1]?.kind
    if (position === 'int8') return resolve(args)
    if (position === 'int4') throw featureNotSupported('the bit string type')
    if (position === undefined || position === 'int2' || position === 'unknown') {
      throw new SqlError('42725', `function ${name}(${args.map(formatType).join(', ')}) is not unique`, {
        hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
      })
    }
    return undefined
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
  ['get_bit', bitOrBytea('get_bit', sig([T.bytea, T.int8], T.int4, (a) => getBit(bytes(a[0]), a[1] as bigint)))],
  ['set_bit', bitOrBytea('set_bit', sig([T.bytea, T.int8, T.int4], T.bytea, (a) => setBit(bytes(a[0]), a[1] as bigint, a[2] as bigint)))],
  ['bit_count', bitOrBytea('bit_count', sig([T.bytea], T.int8, (a) => bitCount(bytes(a[0]))))],
  ['get_byte', overloads(sig([T.bytea, T.int4], T.int4, (a) => BigInt(bytes(a[0])[checkedIndex(a[1] as bigint, bytes(a[0]).length)] as number)))],
  ['set_byte', overloads(sig([T.bytea, T.int4, T.int4], T.bytea, (a) => setByte(bytes(a[0]), a[1] as bigint, a[2] as bigint)))],
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
