// String functions on random arguments against PGlite: positions, lengths and counts around the
// edges (negative, zero, past the end) and non-ASCII text, where character counting goes wrong.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { type Literal, literalSql } from './types/pglite-cases.ts'
import { callOurs as call } from './pglite-fuzz.harness.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()

const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', ' ', 'é', '😀', 'X', '-'), maxLength: 8 }).map((s): Literal => [s, 'text'])
const small = fc.integer({ min: -6, max: 10 }).map((n): Literal => [String(n), 'int4'])

const CALLS: fc.Arbitrary<[string, Literal[]]> = fc.oneof(
  fc.tuple(fc.constant('substring'), fc.tuple(text, small, small)),
  fc.tuple(fc.constant('substr'), fc.tuple(text, small)),
  fc.tuple(fc.constant('left'), fc.tuple(text, small)),
  fc.tuple(fc.constant('right'), fc.tuple(text, small)),
  fc.tuple(fc.constant('lpad'), fc.tuple(text, small, text)),
  fc.tuple(fc.constant('rpad'), fc.tuple(text, small, text)),
  fc.tuple(fc.constant('split_part'), fc.tuple(text, text, small)),
  fc.tuple(fc.constant('strpos'), fc.tuple(text, text)),
  fc.tuple(fc.constant('btrim'), fc.tuple(text, text)),
  fc.tuple(fc.constant('translate'), fc.tuple(text, text, text)),
  fc.tuple(fc.constant('initcap'), fc.tuple(text)),
  fc.tuple(fc.constant('replace'), fc.tuple(text, text, text)),
  fc.tuple(fc.constant('repeat'), fc.tuple(text, small)),
  fc.tuple(fc.constant('reverse'), fc.tuple(text)),
  fc.tuple(fc.constant('string_to_array'), fc.tuple(text, text)),
  fc.tuple(fc.constant('concat_ws'), fc.tuple(text, text, text)),
) as fc.Arbitrary<[string, Literal[]]>

test('random calls: same text or same SQLSTATE', async () => {
  for (const [name, args] of fc.sample(CALLS, { numRuns: 400, seed: 42 })) {
    const sql = `${name}(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call(name, args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)
