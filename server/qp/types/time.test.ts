// time at the boundaries of the type system: JSON parameters and wire values, key parts whose
// order is the time order, stored-row round trips and hash keys. Method: the real functions, with
// fast-check for the order and round-trip properties.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { encodeKey } from '../../encoding/index.ts'
import { MICROS_PER_DAY } from './constants.ts'
import { compare, fromParam, fromStored, hashKey, toKeyPart, toStored, toWire, type SqlType } from './index.ts'
import { formatTime } from './datetime.ts'
import { parseTime } from './time.ts'
import { error } from './types-harness.ts'

const time: SqlType = { kind: 'time' }
const micros = fc.bigInt({ min: 0n, max: MICROS_PER_DAY })

describe('time parameters and wire values', () => {
  test('a parameter is a string in time input syntax; the wire value is the text output', () => {
    expect(fromParam('10:00', time)).toBe(36_000_000_000n)
    expect(fromParam(' 24:00:00 ', time)).toBe(MICROS_PER_DAY)
    expect(toWire(3_723_500_000n, time)).toBe('01:02:03.5')
    expect(error(() => fromParam('noon', time))).toBe('22007 invalid input syntax for type time: "noon"')
    expect(error(() => fromParam('24:00:01', time))).toBe(
      '22008 date/time field value out of range: "24:00:01"',
    )
    expect(error(() => fromParam(12, time))).toBe('22007 invalid input syntax for type time: "12"')
  })
})

describe('time keys and stored values', () => {
  test('encoded keys order as the times do', () => {
    fc.assert(
      fc.property(micros, micros, (a, b) => {
        const ka = encodeKey([toKeyPart(a, time)])
        const kb = encodeKey([toKeyPart(b, time)])
        expect(ka < kb ? -1 : ka > kb ? 1 : 0).toBe(compare(a, b, time))
      }),
      { numRuns: 300, seed: 1083 },
    )
  })

  test('stored values, key parts and text read back exactly', () => {
    fc.assert(
      fc.property(micros, (us) => {
        expect(fromStored(toStored(us, time), time)).toBe(us)
        expect(parseTime(formatTime(us))).toBe(us)
        expect(hashKey(us, time)).toBe(formatTime(us))
      }),
      { numRuns: 300, seed: 1083 },
    )
  })

  test('24:00:00 is a distinct value after 23:59:59.999999, not midnight', () => {
    expect(compare(MICROS_PER_DAY, MICROS_PER_DAY - 1n, time)).toBe(1)
    expect(compare(MICROS_PER_DAY, 0n, time)).toBe(1)
    expect(hashKey(MICROS_PER_DAY, time)).not.toBe(hashKey(0n, time))
  })
})
