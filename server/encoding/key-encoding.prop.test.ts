// Property tests of the order-preserving key encoding and the row encoding (ARCHITECTURE.md
// "Keys and rows"). Method: compare against a reference comparator written independently of the
// encoder (BigInt arithmetic for decimals, TextEncoder for UTF-8), on generated tuples that often
// share prefixes so that later parts decide.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  decodeKey,
  decodeKeyPrefix,
  decodeRow,
  encodeKey,
  encodeKeyPart,
  encodeRow,
  leadingSmallUint,
  prefixEnd,
  type KeyPart,
} from './index.ts'

const utf8 = new TextEncoder()

function kindRank(p: KeyPart): number {
  if (p === null) return 0
  if (typeof p === 'boolean') return 1
  if (typeof p === 'bigint') return 2
  if (typeof p === 'number') return 3
  if (typeof p === 'string') return 5
  if (p instanceof Uint8Array) return 6
  return 4
}

function sign(n: number | bigint): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  }
  return a.length - b.length
}

/** A decimal text as an exact fraction `units / 10^scale`. */
function decimalFraction(text: string): { units: bigint; scale: number } {
  const negative = text.startsWith('-')
  const body = text.replace(/^[+-]/, '')
  const [int = '', frac = ''] = body.split('.')
  const units = BigInt((int + frac).replace(/^0+/, '') || '0')
  return { units: negative ? -units : units, scale: frac.length }
}

function compareDecimals(a: string, b: string): number {
  const x = decimalFraction(a)
  const y = decimalFraction(b)
  return sign(x.units * 10n ** BigInt(y.scale) - y.units * 10n ** BigInt(x.scale))
}

function compareParts(a: KeyPart, b: KeyPart): number {
  const ka = kindRank(a)
  const kb = kindRank(b)
  if (ka !== kb) return ka - kb
  if (a === null || b === null) return 0
  if (typeof a === 'boolean') return Number(a) - Number(b as boolean)
  if (typeof a === 'bigint') return sign(a - (b as bigint))
  if (typeof a === 'number') {
    const y = b as number
    const [nanA, nanB] = [Number.isNaN(a), Number.isNaN(y)]
    if (nanA || nanB) return Number(nanA) - Number(nanB)
    return sign(a - y)
  }
  if (typeof a === 'string') return compareBytes(utf8.encode(a), utf8.encode(b as string))
  if (a instanceof Uint8Array) return compareBytes(a, b as Uint8Array)
  return compareDecimals(a.decimal, (b as { decimal: string }).decimal)
}

function compareTuples(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareParts(a[i] as KeyPart, b[i] as KeyPart)
    if (c !== 0) return c
  }
  return a.length - b.length
}

const digits = fc.array(fc.constantFrom('0', '0', '1', '5', '9'), { maxLength: 5 })
const decimalArb = fc
  .tuple(fc.constantFrom('', '-', '+'), digits, fc.option(digits, { nil: undefined }))
  .filter(([, int, frac]) => int.length + (frac?.length ?? 0) > 0)
  .map(([s, int, frac]) => ({
    decimal: s + int.join('') + (frac === undefined ? '' : '.' + frac.join('')),
  }))

const partArb: fc.Arbitrary<KeyPart> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt(),
  fc.bigInt({ min: -(2n ** 1100n), max: 2n ** 1100n }),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE),
  decimalArb,
  fc.string({
    unit: fc.constantFrom('\0', '\x01', 'a', 'ÿ', '€', '\uffff', '😀'),
    maxLength: 4,
  }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.uint8Array({ maxLength: 6 }),
  fc.array(fc.constantFrom(0, 1, 255), { maxLength: 4 }).map((b) => Uint8Array.from(b)),
)
const tupleArb = fc.array(partArb, { maxLength: 4 })
/** Two tuples that share a generated prefix, so a later part decides their order. */
const tuplePairArb = fc
  .tuple(tupleArb, tupleArb, tupleArb)
  .map(([common, a, b]) => [[...common, ...a], [...common, ...b]] as const)

function canonical(p: KeyPart): KeyPart {
  if (typeof p === 'number') return p === 0 ? 0 : p
  if (p !== null && typeof p === 'object' && !(p instanceof Uint8Array)) return { decimal: 'x' }
  return p
}

describe('encodeKey', () => {
  test('key order equals tuple order', () => {
    fc.assert(
      fc.property(tuplePairArb, ([a, b]) => {
        const ka = encodeKey(a)
        const kb = encodeKey(b)
        expect(sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(sign(compareTuples(a, b)))
      }),
      { numRuns: 3000 },
    )
  })

  test('keys are lowercase hex of whole bytes', () => {
    fc.assert(
      fc.property(tupleArb, (t) => {
        expect(encodeKey(t)).toMatch(/^([0-9a-f]{2})*$/)
      }),
    )
  })

  test('decodeKey inverts encodeKey (canonical decimals, -0 as 0)', () => {
    fc.assert(
      fc.property(tupleArb, (t) => {
        const decoded = decodeKey(encodeKey(t))
        expect(decoded.length).toBe(t.length)
        expect(decoded.map(canonical)).toEqual(t.map(canonical))
        for (let i = 0; i < t.length; i++) {
          expect(compareParts(decoded[i] as KeyPart, t[i] as KeyPart)).toBe(0)
          const d = decoded[i]
          if (d !== null && typeof d === 'object' && !(d instanceof Uint8Array)) {
            expect(d.decimal).toMatch(/^(0|-?(0|[1-9]\d*)(\.\d*[1-9])?)$/)
          }
        }
        expect(encodeKey(decoded)).toBe(encodeKey(t))
      }),
      { numRuns: 2000 },
    )
  })

  test('encodeKeyPart concatenates and decodeKeyPrefix stops early', () => {
    fc.assert(
      fc.property(tupleArb, fc.nat(5), (t, n) => {
        expect(t.map(encodeKeyPart).join('')).toBe(encodeKey(t))
        expect(encodeKey(decodeKeyPrefix(encodeKey(t), n))).toBe(encodeKey(t.slice(0, n)))
      }),
    )
  })

  test('prefixEnd bounds every extension and nothing else', () => {
    fc.assert(
      fc.property(tupleArb, tupleArb, tupleArb, (prefix, extension, other) => {
        const p = encodeKey(prefix)
        const end = prefixEnd(p)
        const k = encodeKey([...prefix, ...extension])
        expect(k >= p && k < end).toBe(true)
        const o = encodeKey(other)
        if (!o.startsWith(p)) expect(o < p || o >= end).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('encodeRow', () => {
  test('decodeRow inverts encodeRow exactly', () => {
    fc.assert(
      fc.property(tupleArb, (t) => {
        const decoded = decodeRow(encodeRow(t))
        expect(decoded.length).toBe(t.length)
        for (let i = 0; i < t.length; i++) {
          const [x, y] = [decoded[i], t[i]]
          if (typeof y === 'number') expect(Object.is(x, y)).toBe(true)
          else expect(x).toEqual(y as KeyPart)
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('leadingSmallUint', () => {
  test('is the first part as a number when it is a bigint in [0, 2^48), else -1', () => {
    const first = fc.oneof(partArb, fc.bigInt({ min: 0n, max: 2n ** 48n + 5n }), fc.bigInt({ min: 2n ** 47n, max: 2n ** 49n }))
    fc.assert(
      fc.property(first, tupleArb, (head, rest) => {
        const key = encodeKey([head, ...rest])
        const small = typeof head === 'bigint' && head >= 0n && head < 2n ** 48n
        expect(leadingSmallUint(key)).toBe(small ? Number(head) : -1)
      }),
      { numRuns: 3000 },
    )
    expect(leadingSmallUint('')).toBe(-1)
  })
})
