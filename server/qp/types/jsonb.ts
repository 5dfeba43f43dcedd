// The jsonb type (ARCHITECTURE.md "query processor": values): parsing, PostgreSQL's canonical
// jsonb text output and jsonb's btree order.
import { SqlError } from '../../errors/index.ts'
import { Decimal } from './decimal.ts'
import { LONE_SURROGATE, compareCodePoints, utf8Length } from './text-order.ts'

/** A jsonb value (boxed, so JSON null is not SQL NULL). `value` is JSON data: null, boolean,
 * Decimal (every number: jsonb keeps numeric's digits and scale, '1.50' stays 1.50), string, array
 * or object. The constructor converts JS numbers, so `new Jsonb({a: 1})` is fine. */
export class Jsonb {
  readonly value: unknown

  constructor(value: unknown) {
    this.value = withDecimals(value, 0)
  }

  /** jsonb input: 22P02 on malformed JSON and lone surrogates, 22P05 for \u0000, 22003 beyond
   * numeric's range, 54001 nested deeper than JSON_DEPTH_MAX; with `uniqueKeys`, 22030 for an
   * object that names a key twice (SQL/JSON's WITH UNIQUE KEYS). */
  static parse(text: string, options: { readonly uniqueKeys?: boolean } = {}): Jsonb {
    const value = parseJson(text, options.uniqueKeys === true)
    checkValue(value, 0)
    return new Jsonb(value)
  }

  /** A JSON value that arrived as JSON (a request parameter) as jsonb, refused as jsonb input
   * would refuse the same JSON text: strings or keys with U+0000 (22P05), lone surrogates
   * (22P02), nesting deeper than JSON_DEPTH_MAX (54001). */
  static fromJson(value: unknown): Jsonb {
    checkValue(value, 0)
    return new Jsonb(value)
  }

  /** PostgreSQL's jsonb output: keys ordered by (length, bytes), `": "` and `", "` separators. */
  toString(): string {
    return formatJson(this.value)
  }
}

/**
 * Nesting PostgreSQL's stack would also refuse (it answers 54001 "stack depth limit exceeded" for
 * deeper jsonb input): a value inside more than this many arrays or objects is 54001 here, not a
 * JS stack overflow in one of the recursive walks over JSON values. A thousand levels leave every
 * walk (parse, checks, output, comparison) far from the engine's stack limit.
 */
export const JSON_DEPTH_MAX = 1000

/** 54001 for a JSON value nested deeper than JSON_DEPTH_MAX. */
/** 22030: a key named twice in an object that must have unique keys (PostgreSQL names the key
 * only for json, not for jsonb, whose messages these are). */
export function duplicateJsonKey(key?: string): SqlError {
  return new SqlError('22030', key === undefined ? 'duplicate JSON object key value' : `duplicate JSON object key value: "${key}"`)
}

export function jsonTooDeep(): SqlError {
  return new SqlError('54001', 'stack depth limit exceeded', {
    hint: `JSON values may nest at most ${JSON_DEPTH_MAX} arrays or objects deep.`,
  })
}

/** 22P05 for U+0000 and 22P02 for a lone surrogate in a string or key; 54001 too deep. */
function checkValue(value: unknown, depth: number): void {
  if (depth > JSON_DEPTH_MAX) throw jsonTooDeep()
  if (typeof value === 'string') {
    checkString(value)
  } else if (Array.isArray(value)) {
    for (const v of value) checkValue(v, depth + 1)
  } else if (value !== null && typeof value === 'object' && !(value instanceof Decimal)) {
    for (const [k, v] of Object.entries(value)) {
      checkString(k)
      checkValue(v, depth + 1)
    }
  }
}

function checkString(s: string): void {
  if (s.includes('\0')) throw codePointZero()
  const lone = LONE_SURROGATE.exec(s)
  if (lone === null) return
  // PostgreSQL's two messages: a high half right after another, or any other unpaired half.
  const next = s.charCodeAt(lone.index + 1)
  throw surrogateError(isHighSurrogate(lone[0].charCodeAt(0)) && isHighSurrogate(next) ? 'high' : 'low')
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff

const codePointZero = () =>
  new SqlError('22P05', 'unsupported Unicode escape sequence', {
    detail: '\\u0000 cannot be converted to text.',
  })

/** PostgreSQL's json errors for surrogates: a high half after a high half, or an unpaired half. */
const surrogateError = (which: 'high' | 'low') =>
  new SqlError('22P02', 'invalid input syntax for type json', {
    detail: which === 'high'
      ? 'Unicode high surrogate must not follow a high surrogate.'
      : 'Unicode low surrogate must follow a high surrogate.',
  })

/** Nothing deeper than JSON_DEPTH_MAX (54001); a bounded walk before a recursive one such as
 * JSON.stringify. */
export function checkJsonDepth(value: unknown, depth = 0): void {
  if (depth > JSON_DEPTH_MAX) throw jsonTooDeep()
  if (value === null || typeof value !== 'object') return
  for (const v of Array.isArray(value) ? value : Object.values(value)) checkJsonDepth(v, depth + 1)
}

/** Orders object keys as jsonb stores them: shorter first, then by bytes. */
export function compareJsonbKeys(a: string, b: string): number {
  const la = utf8Length(a)
  const lb = utf8Length(b)
  return la !== lb ? la - lb : compareCodePoints(a, b)
}

/** The object's entries in jsonb storage order. */
export function jsonbEntries(obj: object): [string, unknown][] {
  return Object.entries(obj).sort((x, y) => compareJsonbKeys(x[0], y[0]))
}

/** A JSON number as numeric prints it: no exponent, -0 as 0. */
export function formatJsonNumber(n: number | Decimal): string {
  return (n instanceof Decimal ? n : Decimal.fromNumber(n)).toString()
}

/** The value with every JS number as a Decimal (NaN and infinities: 22003, as jsonb has none);
 * 54001 deeper than JSON_DEPTH_MAX, whoever builds the value (input, parameters, functions). */
function withDecimals(value: unknown, depth: number): unknown {
  if (depth > JSON_DEPTH_MAX) throw jsonTooDeep()
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SqlError('22003', 'jsonb number out of range')
    return Decimal.fromNumber(value)
  }
  if (typeof value === 'bigint') return Decimal.fromBigInt(value)
  if (value === null || typeof value !== 'object' || value instanceof Decimal) return value
  if (Array.isArray(value)) {
    let changed = false
    const out = value.map((v) => {
      const w = withDecimals(v, depth + 1)
      changed ||= w !== v
      return w
    })
    return changed ? out : value
  }
  let changed = false
  const entries = Object.entries(value).map(([k, v]) => {
    const w = withDecimals(v, depth + 1)
    changed ||= w !== v
    return [k, w] as const
  })
  if (!changed) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** PostgreSQL's JSON grammar (RFC 8259), numbers read as numeric. Objects keep the last of
 * duplicate keys, or refuse a second one with `uniqueKeys`. */
function parseJson(text: string, uniqueKeys: boolean): unknown {
  let i = 0
  // Whatever was expected, input that stops short is PostgreSQL's "ended unexpectedly".
  const fail = (detail: string) =>
    new SqlError('22P02', 'invalid input syntax for type json', {
      detail: i >= text.length ? 'The input string ended unexpectedly.' : detail,
    })
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
  const word = (w: string, v: unknown) => {
    if (!text.startsWith(w, i)) throw fail(`Token "${text.slice(i, i + w.length)}" is invalid.`)
    i += w.length
    return v
  }
  const str = (): string => {
    i++
    let out = ''
    // A \u high surrogate waits here for the \u low one that must follow (PostgreSQL's rule).
    let high = -1
    for (;;) {
      const c = text[i]
      if (c === undefined) throw fail('The input string ended unexpectedly.')
      if (high !== -1 && !text.startsWith('\\u', i)) throw surrogateError('low')
      if (c === '"') {
        i++
        return out
      }
      if (c.charCodeAt(0) < 0x20) throw fail(`Character with value 0x${c.charCodeAt(0).toString(16).padStart(2, '0')} must be escaped.`)
      if (c !== '\\') {
        out += c
        i++
        continue
      }
      const e = text[i + 1]
      i += 2
      switch (e) {
        case '"': case '\\': case '/': out += e; break
        case 'b': out += '\b'; break
        case 'f': out += '\f'; break
        case 'n': out += '\n'; break
        case 'r': out += '\r'; break
        case 't': out += '\t'; break
        case 'u': {
          const hex = text.slice(i, i + 4)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw fail('"\\u" must be followed by four hexadecimal digits.')
          const code = Number.parseInt(hex, 16)
          i += 4
          if (isHighSurrogate(code)) {
            if (high !== -1) throw surrogateError('high')
            high = code
            break
          }
          if (isLowSurrogate(code)) {
            if (high === -1) throw surrogateError('low')
            out += String.fromCharCode(high, code)
            high = -1
            break
          }
          if (high !== -1) throw surrogateError('low')
          if (code === 0) throw codePointZero()
          out += String.fromCharCode(code)
          break
        }
        default:
          throw fail(`Escape sequence "\\${e ?? ''}" is invalid.`)
      }
    }
  }
  const value = (depth: number): unknown => {
    if (depth > JSON_DEPTH_MAX) throw jsonTooDeep()
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const obj: Record<string, unknown> = {}
      ws()
      if (text[i] === '}') {
        i++
        return obj
      }
      for (;;) {
        ws()
        if (text[i] !== '"') throw fail('Expected string or "}".')
        const k = str()
        if (uniqueKeys && Object.hasOwn(obj, k)) throw duplicateJsonKey()
        ws()
        if (text[i] !== ':') throw fail('Expected ":".')
        i++
        const v = value(depth + 1)
        Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true })
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return obj
        }
        throw fail('Expected "," or "}".')
      }
    }
    if (c === '[') {
      i++
      const arr: unknown[] = []
      ws()
      if (text[i] === ']') {
        i++
        return arr
      }
      for (;;) {
        arr.push(value(depth + 1))
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return arr
        }
        throw fail('Expected "," or "]".')
      }
    }
    if (c === '"') return str()
    if (c === 't') return word('true', true)
    if (c === 'f') return word('false', false)
    if (c === 'n') return word('null', null)
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text)
    if (m === null || m[0] === '') {
      throw fail(c === undefined ? 'The input string ended unexpectedly.' : `Token "${text.slice(i).split(/[\s,\]}]/)[0]}" is invalid.`)
    }
    i += m[0].length
    return Decimal.parse(m[0])
  }
  const v = value(0)
  ws()
  if (i < text.length) throw fail(`Token "${text.slice(i).split(/[\s,\]}]/)[0]}" is invalid.`)
  return v
}

function formatJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return formatJsonNumber(value)
    case 'string':
      return JSON.stringify(value)
    case 'bigint':
      return value.toString()
    case 'object':
      if (value instanceof Decimal) return value.toString()
      if (Array.isArray(value)) return `[${value.map(formatJson).join(', ')}]`
      return `{${jsonbEntries(value)
        .map(([k, v]) => `${JSON.stringify(k)}: ${formatJson(v)}`)
        .join(', ')}}`
    default:
      throw new SqlError('22023', `cannot represent ${typeof value} as jsonb`)
  }
}

/** The value with objects rebuilt in jsonb key order (for the wire, where order is visible) and
 * numbers as JS numbers where one prints them exactly; any other number (`1.50`, 2^53 + 1,
 * `1e400`) goes as its exact digits in raw JSON text, as PostgreSQL prints it, never a nearby
 * double (or `null` for one out of range). */
export function canonicalJson(value: unknown): unknown {
  if (value instanceof Decimal) return exactJsonNumber(value)
  if (Array.isArray(value)) return value.map(canonicalJson)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of jsonbEntries(value)) {
    Object.defineProperty(out, k, { value: canonicalJson(v), enumerable: true, writable: true })
  }
  return out
}

/** JSON.rawJSON (Bun, Deno; ES2025): a value JSON.stringify writes as the text given. */
const rawJson = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON

function exactJsonNumber(d: Decimal): unknown {
  const text = d.toString()
  const n = Number(text)
  return String(n) === text || rawJson === undefined ? n : rawJson(text)
}

/** jsonb's type order (PostgreSQL's jbvType): null < string < number < boolean < array < object. */
function rank(v: unknown): number {
  if (v === null || v === undefined) return 0
  if (typeof v === 'string') return 1
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof Decimal) return 2
  if (typeof v === 'boolean') return 3
  return Array.isArray(v) ? 4 : 5
}

/**
 * jsonb's btree order (compareJsonbContainers): by type; arrays by length then elements; objects
 * by pair count then key, value, key, value in storage order. At the top level a scalar is a
 * one-element pseudo array that sorts below real arrays, except that the empty array sorts
 * below every scalar.
 */
export function compareJsonb(a: Jsonb, b: Jsonb): number {
  const x = a.value
  const y = b.value
  const rx = rank(x)
  const ry = rank(y)
  if (rx === 5 || ry === 5) return rx === ry ? compareValues(x, y) : rx === 5 ? 1 : -1
  const nx = rx === 4 ? (x as unknown[]).length : 1
  const ny = ry === 4 ? (y as unknown[]).length : 1
  if (nx !== ny) return nx > ny ? 1 : -1
  if ((rx === 4) !== (ry === 4)) return rx === 4 ? 1 : -1
  return compareValues(x, y)
}

function compareValues(x: unknown, y: unknown): number {
  const rx = rank(x)
  const ry = rank(y)
  if (rx !== ry) return rx > ry ? 1 : -1
  switch (rx) {
    case 0:
      return 0
    case 1:
      return compareCodePoints(x as string, y as string)
    case 2:
      return compareJsonNumbers(x as Decimal | number, y as Decimal | number)
    case 3:
      return x === y ? 0 : x ? 1 : -1
    case 4:
      return compareArrays(x as unknown[], y as unknown[])
    default:
      return compareObjects(x as object, y as object)
  }
}

function compareJsonNumbers(x: Decimal | number, y: Decimal | number): number {
  const a = x instanceof Decimal ? x : Decimal.fromNumber(x)
  const b = y instanceof Decimal ? y : Decimal.fromNumber(y)
  return a.compare(b)
}

/** Text equal for two jsonb values exactly when they are equal (numbers normalized: 1.0 = 1). */
export function jsonbHashText(value: unknown): string {
  if (value instanceof Decimal) return value.normalize().toString()
  if (Array.isArray(value)) return `[${value.map(jsonbHashText).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${jsonbEntries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonbHashText(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function compareArrays(x: unknown[], y: unknown[]): number {
  if (x.length !== y.length) return x.length > y.length ? 1 : -1
  for (let i = 0; i < x.length; i++) {
    const c = compareValues(x[i], y[i])
    if (c !== 0) return c
  }
  return 0
}

function compareObjects(x: object, y: object): number {
  const ex = jsonbEntries(x)
  const ey = jsonbEntries(y)
  if (ex.length !== ey.length) return ex.length > ey.length ? 1 : -1
  for (let i = 0; i < ex.length; i++) {
    const [kx, vx] = ex[i] as [string, unknown]
    const [ky, vy] = ey[i] as [string, unknown]
    const ck = compareCodePoints(kx, ky)
    if (ck !== 0) return ck
    const cv = compareValues(vx, vy)
    if (cv !== 0) return cv
  }
  return 0
}
