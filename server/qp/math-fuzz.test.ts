// numeric ln, exp, log, power, sqrt, round and to_char on random decimals against PGlite: PostgreSQL's
// result scales and correctly rounded digits, where a double-precision shortcut would differ.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { type Literal, literalSql } from './types/pglite-cases.ts'
import { callOurs as call } from './pglite-fuzz.harness.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()

const decimal = fc
  .tuple(fc.integer({ min: -1, max: 1 }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 14 }))
  .map(([s, c, scale]): Literal => {
    const digits = c.toString().padStart(scale + 1, '0')
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
    return [`${s < 0 ? '-' : ''}${text}`, 'numeric']
  })
const exponent = fc.oneof(fc.integer({ min: -30, max: 30 }).map((n): Literal => [String(n), 'numeric']), fc.double({ min: -8, max: 8, noNaN: true }).map((x): Literal => [x.toFixed(3), 'numeric']))
const smallArg = fc.double({ min: -60, max: 60, noNaN: true }).map((x): Literal => [x.toFixed(5), 'numeric'])

const CALLS: fc.Arbitrary<[string, Literal[]]> = fc.oneof(
  fc.tuple(fc.constant('ln'), fc.tuple(decimal)),
  fc.tuple(fc.constant('log'), fc.tuple(decimal)),
  fc.tuple(fc.constant('exp'), fc.tuple(smallArg)),
  fc.tuple(fc.constant('sqrt'), fc.tuple(decimal)),
  fc.tuple(fc.constant('power'), fc.tuple(decimal, exponent)),
  fc.tuple(fc.constant('to_char'), fc.tuple(decimal, fc.constantFrom('999.99', 'FM999.99', '9,999,999.0', 'FM9G999D00', '000.000', 'S9999', '9999MI', 'FM90.99', '99th', '9.9', 'L99999999999999.999999').map((f): Literal => [f, 'text']))),
  fc.tuple(fc.constant('round'), fc.tuple(decimal, fc.integer({ min: -5, max: 5 }).map((n): Literal => [String(n), 'int4']))),
) as fc.Arbitrary<[string, Literal[]]>

test('random numeric calls: same digits or same SQLSTATE', async () => {
  for (const [name, args] of fc.sample(CALLS, { numRuns: 300, seed: 42 })) {
    const sql = `${name}(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call(name, args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)
