// Values across the wire (API.md "Values"): parameters encoded to JSON the server casts, result
// values decoded by their field's PostgreSQL type and the client's intMode.
import type { WireField } from '../server/api/wire.ts'
import { TesseraError } from './errors.ts'

/** How `int8` values (and their arrays) come back: `string` (default, exact), `number` (a
 * TesseraError 22003 when a value is beyond 2^53), or `bigint`. int2 and int4 are numbers. */
export type IntMode = 'string' | 'number' | 'bigint'

type Decoder = (value: unknown) => unknown

/** Encodes one parameter for the JSON body. bigint becomes its decimal text, NaN and ±Infinity
 * their PostgreSQL text (JSON has no such numbers: JSON.stringify would write null), Date its ISO
 * text, bytes `\x...` hex, undefined null; objects and arrays go as JSON (json, jsonb, arrays). */
export function encodeParam(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('cannot bind an invalid Date')
    return encodeDate(value)
  }
  if (value instanceof Uint8Array) return `\\x${toHex(value)}`
  if (value instanceof ArrayBuffer) return `\\x${toHex(new Uint8Array(value))}`
  if (Array.isArray(value)) return value.map(encodeParam)
  return value
}

/** ISO 8601 for years 1 to 9999. Outside them toISOString writes `+010000-...` and `-000044-...`,
 * which PostgreSQL's input refuses; its own text has years past 9999 as plain digits and years
 * before 1 with ` BC` (ISO year 0 is 1 BC, -44 is 45 BC), both calendars proleptic Gregorian. */
function encodeDate(date: Date): string {
  const year = date.getUTCFullYear()
  if (year >= 1 && year <= 9999) return date.toISOString()
  const two = (n: number) => String(n).padStart(2, '0')
  const text =
    `${String(year >= 1 ? year : 1 - year).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-` +
    `${two(date.getUTCDate())} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:` +
    `${two(date.getUTCSeconds())}.${String(date.getUTCMilliseconds()).padStart(3, '0')}+00`
  return year >= 1 ? text : `${text} BC`
}

/** One decoder per field, by the field's type; undefined where the wire value is the value. */
export function decodersFor(
  fields: readonly WireField[],
  intMode: IntMode,
): (Decoder | undefined)[] {
  return fields.map((f) => decoderFor(f.type, intMode))
}

function decoderFor(type: string, intMode: IntMode): Decoder | undefined {
  // Array types arrive as `_int4` (pg_type's name) or `int4[]`; elements decode by the element type.
  const element = type.startsWith('_')
    ? type.slice(1)
    : type.endsWith('[]')
      ? type.slice(0, -2)
      : undefined
  if (element !== undefined) {
    const inner = decoderFor(element, intMode)
    if (inner === undefined) return undefined
    const decodeArray: Decoder = (v) =>
      Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? decodeArray(x) : inner(x))) : v
    return decodeArray
  }
  switch (type) {
    case 'int8':
      return intMode === 'string' ? undefined : intMode === 'bigint' ? int8ToBigint : int8ToNumber
    case 'float4':
    case 'float8':
      return floatSpecial
    case 'bytea':
      return byteaToBytes
    default:
      return undefined
  }
}

const int8ToBigint: Decoder = (v) =>
  typeof v === 'string' || typeof v === 'number' ? BigInt(v) : v

const int8ToNumber: Decoder = (v) => {
  if (typeof v !== 'string') return v
  const n = Number(v)
  if (!Number.isSafeInteger(n)) {
    throw new TesseraError({
      code: '22003',
      message: `int8 value ${v} does not fit a JavaScript number exactly`,
      hint: "use intMode 'bigint' or 'string'",
    })
  }
  return n
}

/** NaN and ±Infinity travel as strings (JSON has no such numbers). */
const floatSpecial: Decoder = (v) => (typeof v === 'string' ? Number(v) : v)

const byteaToBytes: Decoder = (v) => {
  if (typeof v !== 'string' || !v.startsWith('\\x')) return v
  const hex = v.slice(2)
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}
