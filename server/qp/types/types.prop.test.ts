// Properties of the type system: text output reads back exactly, `compare` is a total order that
// the encoded key order reproduces, hash keys agree with equality, stored values round-trip
// through row encoding, and Decimal arithmetic matches a bigint reference. Method: fast-check.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { decodeRow, encodeKey, encodeRow } from '../../encoding/index.ts'
import { DATA_TYPES, DATUMS } from './datum-arbitraries.ts'
import { Decimal, divScale, pow10 } from './decimal.ts'
import { Interval } from './interval.ts'
import {
  compare,
  formatText,
  fromKeyPart,
  fromStored,
  hashKey,
  parseText,
  toKeyPart,
  toStored,
  type Datum,
  type SqlType,
} from './index.ts'

const RUNS = { numRuns: 300 }
const arb = (type: SqlType) => DATUMS[type.kind as keyof typeof DATUMS]
const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0)

/** Same datum, representation included (numeric scale, float -0). */
function identical(a: Datum, b: Datum, type: SqlType): boolean {
  if (a instanceof Decimal && b instanceof Decimal) return a.toString() === b.toString()
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b)
  return compare(a, b, type) === 0
}

describe.each(DATA_TYPES.map((t) => [t.kind, t] as const))('%s', (_kind, type) => {
  test('parseText(formatText(x)) is x', () => {
    fc.assert(
      fc.property(arb(type), (x) => {
        const back = parseText(formatText(x, type), type)
        expect(identical(back, x, type)).toBe(true)
      }),
      RUNS,
    )
  })

  test('toStored round-trips through encodeRow exactly', () => {
    fc.assert(
      fc.property(arb(type), (x) => {
        const back = fromStored(decodeRow(encodeRow([toStored(x, type)]))[0] ?? null, type)
        expect(identical(back, x, type)).toBe(true)
      }),
      RUNS,
    )
  })

  test('compare is antisymmetric and transitive', () => {
    fc.assert(
      fc.property(arb(type), arb(type), arb(type), (a, b, c) => {
        expect(sign(compare(a, b, type)) + sign(compare(b, a, type))).toBe(0)
        expect(compare(a, a, type)).toBe(0)
        if (compare(a, b, type) <= 0 && compare(b, c, type) <= 0) {
          expect(compare(a, c, type)).toBeLessThanOrEqual(0)
        }
      }),
      RUNS,
    )
  })

  test('hashKey is equal exactly when compare says equal', () => {
    const values = fc.oneof(
      arb(type),
      arb(type).map((x) => sameValueOtherForm(x, type)),
    )
    fc.assert(
      fc.property(values, values, (a, b) => {
        expect(hashKey(a, type) === hashKey(b, type)).toBe(compare(a, b, type) === 0)
      }),
      RUNS,
    )
  })

  if (type.kind === 'jsonb' || type.kind === 'jsonpath' || type.kind === 'interval' || type.kind === 'array') {
    test('has no key form: 0A000', () => {
      fc.assert(
        fc.property(arb(type), (a) => {
          expect(() => toKeyPart(a, type)).toThrow(/^indexing an? /)
        }),
        { numRuns: 20 },
      )
    })
  } else {
    test('encoded key order equals compare, and keys decode to equal values', () => {
      fc.assert(
        fc.property(arb(type), arb(type), (a, b) => {
          const ka = encodeKey([toKeyPart(a, type)])
          const kb = encodeKey([toKeyPart(b, type)])
          expect(sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(sign(compare(a, b, type)))
          expect(compare(fromKeyPart(toKeyPart(a, type), type), a, type)).toBe(0)
        }),
        RUNS,
      )
    })
  }
})

/** An equal value in another representation, so hash keys meet non-identical equal values. */
function sameValueOtherForm(x: Datum, type: SqlType): Datum {
  if (x instanceof Decimal && !x.isNaN) return x.round(x.scale + 2)
  if (typeof x === 'number' && x === 0) return -0
  // '1 mon 1 day' equals '31 days' and '1 day' equals '24:00:00'.
  if (x instanceof Interval) {
    const days = x.months * 30 + x.days
    if (Math.abs(days) < 2 ** 31) return new Interval(0, 0, x.micros + BigInt(days) * 86_400_000_000n)
  }
  return x
}

describe('Decimal arithmetic against a bigint reference', () => {
  const dec = fc
    .tuple(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.nat(12))
    .map(([c, s]) => new Decimal(c, s))
  // Values as exact fractions n / 10^s.
  const at = (x: Decimal, s: number) => x.coefficient * pow10(s - x.scale)

  test('add, sub, mul are exact with the usual scales', () => {
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        const s = Math.max(a.scale, b.scale)
        expect(a.add(b).scale).toBe(s)
        expect(at(a.add(b), s)).toBe(at(a, s) + at(b, s))
        expect(at(a.sub(b), s)).toBe(at(a, s) - at(b, s))
        const p = a.mul(b)
        expect(p.scale).toBe(a.scale + b.scale)
        expect(p.coefficient).toBe(a.coefficient * b.coefficient)
      }),
      RUNS,
    )
  })

  test('div is the quotient rounded half away from zero at select_div_scale', () => {
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        fc.pre(!b.isZero)
        const q = a.div(b)
        expect(q.scale).toBe(divScale(a, b))
        // |q - a/b| <= 1/2 unit: |q*b - a| * 2 <= |b| * unit, all at one common scale.
        const s = Math.max(a.scale, b.scale) + q.scale
        const qb = q.coefficient * b.coefficient * pow10(s - q.scale - b.scale)
        const err = qb - at(a, s)
        const unitB =
          (b.coefficient < 0n ? -b.coefficient : b.coefficient) * pow10(s - q.scale - b.scale)
        const twice = 2n * (err < 0n ? -err : err)
        expect(twice <= unitB).toBe(true)
        if (twice === unitB) {
          // An exact half rounds away from zero.
          expect(q.sign === 0 || err > 0n === q.sign * b.sign > 0).toBe(true)
        }
        // At least 16 significant digits unless the quotient is exact or zero.
        expect(
          q.isZero || err === 0n || q.coefficient.toString().replace('-', '').length >= 16,
        ).toBe(true)
      }),
      RUNS,
    )
  })

  test('mod satisfies a = trunc(a/b)*b + r with the sign of a', () => {
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        fc.pre(!b.isZero)
        const r = a.mod(b)
        const s = Math.max(a.scale, b.scale)
        const quotient = at(a, s) / at(b, s)
        expect(at(r, s)).toBe(at(a, s) - quotient * at(b, s))
        expect(r.isZero || r.sign === a.sign).toBe(true)
      }),
      RUNS,
    )
  })

  test('round and parse/toString agree with the reference', () => {
    fc.assert(
      fc.property(dec, fc.integer({ min: -3, max: 14 }), (a, s) => {
        const r = a.round(s)
        expect(Decimal.parse(a.toString()).coefficient).toBe(a.coefficient)
        const target = Math.max(s, 0)
        // |r - a| <= half a unit of 10^-s
        const scale = Math.max(a.scale, target) + 3
        const diff = at(r, scale) - at(a, scale)
        const unit = s >= 0 ? pow10(scale - s) : pow10(scale) * pow10(-s)
        expect(2n * (diff < 0n ? -diff : diff) <= unit).toBe(true)
        expect(
          compare(r, a, { kind: 'numeric' }) * a.sign >= 0 ||
            2n * (diff < 0n ? -diff : diff) < unit,
        ).toBe(true)
      }),
      RUNS,
    )
  })
})
