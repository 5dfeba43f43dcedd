// Row encoding (ARCHITECTURE.md "Keys and rows"): the value stored under a primary-index key.
// A JSON array; kinds JSON cannot carry exactly are one-key objects, so a round trip is exact.
import { assert } from '../errors/index.ts'
import { BYTE_HEX, byteAt } from './hex.ts'
import type { KeyPart } from './index.ts'

// Tagged forms: {"i":"-12"} bigint, {"f":"NaN"|"Infinity"|"-Infinity"|"-0"} non-JSON numbers,
// {"d":"1.50"} decimal (its text as given, scale kept), {"b":"0a0b"} bytes.

export function encodeRow(values: readonly KeyPart[]): string {
  let out = '['
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ','
    out += encodeValue(values[i] as KeyPart)
  }
  return out + ']'
}

function encodeValue(v: KeyPart): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v)
    case 'bigint':
      return '{"i":"' + v.toString() + '"}'
    case 'number':
      if (Number.isFinite(v) && !(v === 0 && 1 / v < 0)) return String(v)
      return '{"f":"' + (Object.is(v, -0) ? '-0' : String(v)) + '"}'
    case 'boolean':
      return v ? 'true' : 'false'
    case 'object':
      if (v === null) return 'null'
      if (v instanceof Uint8Array) {
        let hex = ''
        for (let i = 0; i < v.length; i++) hex += BYTE_HEX[v[i] as number]
        return '{"b":"' + hex + '"}'
      }
      return '{"d":' + JSON.stringify(v.decimal) + '}'
    default:
      assert(false, `not a row value: ${typeof v}`)
  }
}

export function decodeRow(encoded: string): KeyPart[] {
  const values: unknown = JSON.parse(encoded)
  assert(Array.isArray(values), 'a row is a JSON array')
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i]
    if (typeof v === 'object' && v !== null) values[i] = decodeTagged(v as Record<string, string>)
  }
  return values as KeyPart[]
}

function decodeTagged(v: Record<string, string>): KeyPart {
  if (v.i !== undefined) return BigInt(v.i)
  if (v.d !== undefined) return { decimal: v.d }
  if (v.f !== undefined) return v.f === '-0' ? -0 : Number(v.f)
  const hex = v.b
  assert(hex !== undefined && (hex.length & 1) === 0, `bad tagged row value ${JSON.stringify(v)}`)
  const bytes = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < bytes.length; i++) bytes[i] = byteAt(hex, i * 2)
  return bytes
}
