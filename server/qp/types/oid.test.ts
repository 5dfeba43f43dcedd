// Goal: oid input is PostgreSQL's oidin as built on 64-bit Linux, where it differs from PGlite's
// (WASM, 32-bit unsigned long) and so cannot be in test/sql/oid.slt; oid values travel as JSON
// numbers. Method: parseOid on inputs whose answers follow from uint32in_subr's code (PostgreSQL's
// own oid regression test has '-23582358720582' out of range), toWire and fromParam directly.
import { describe, expect, test } from 'bun:test'
import { SqlError } from '../../errors/index.ts'
import { parseOid } from './oid.ts'
import { fromParam, toWire } from './wire.ts'

function outcome(text: string): string {
  try {
    return String(parseOid(text))
  } catch (e) {
    if (e instanceof SqlError) return `${e.code} ${e.message}`
    throw e
  }
}

describe('oid input on a 64-bit unsigned long', () => {
  test('a negative value is accepted only as the sign extension of a 32-bit int', () => {
    expect(outcome('-2147483648')).toBe('2147483648')
    expect(outcome('-1040')).toBe('4294966256')
    // PGlite's 32-bit strtoul wraps these to 2147483647 and 1.
    expect(outcome('-2147483649')).toBe('22003 value "-2147483649" is out of range for type oid')
    expect(outcome('-4294967295')).toBe('22003 value "-4294967295" is out of range for type oid')
    expect(outcome('-23582358720582')).toBe('22003 value "-23582358720582" is out of range for type oid')
  })

  test('a value above 32 bits is out of range unless it is a sign-extended one', () => {
    expect(outcome('4294967296')).toBe('22003 value "4294967296" is out of range for type oid')
    expect(outcome('32958209582039852935')).toBe('22003 value "32958209582039852935" is out of range for type oid')
    // 2^64 - 1 and 2^64 - 2^31: the sign extensions of -1 and of -2^31.
    expect(outcome('18446744073709551615')).toBe('4294967295')
    expect(outcome('18446744071562067968')).toBe('2147483648')
    expect(outcome('18446744071562067967')).toBe('22003 value "18446744071562067967" is out of range for type oid')
    expect(outcome('18446744073709551616')).toBe('22003 value "18446744073709551616" is out of range for type oid')
  })

  test('spaces around, then only the digits of the base', () => {
    expect(outcome('\t  15 \t ')).toBe('15')
    expect(outcome('0')).toBe('0')
    // glibc reads "0x" as the digit 0 followed by junk; PGlite's libc takes it as 0.
    expect(outcome('0x')).toBe('22P02 invalid input syntax for type oid: "0x"')
    for (const bad of ['', '    ', 'asdfasd', '99asdfasd', '5    d', '    5d', '5    5', ' - 500', '0x1g', '09', '1e3', '٣']) {
      expect(outcome(bad)).toBe(`22P02 invalid input syntax for type oid: "${bad}"`)
    }
  })
})

describe('oid on the wire', () => {
  test('results are JSON numbers, parameters are read as oid input', () => {
    expect(toWire(4294967295n, { kind: 'oid' })).toBe(4294967295)
    expect(toWire([1n, null], { kind: 'array', element: { kind: 'oid' } })).toEqual([1, null])
    expect(fromParam(4294967295, { kind: 'oid' })).toBe(4294967295n)
    expect(fromParam('-1', { kind: 'oid' })).toBe(4294967295n)
    expect(() => fromParam(1.5, { kind: 'oid' })).toThrow('invalid input syntax for type oid: "1.5"')
  })

})
