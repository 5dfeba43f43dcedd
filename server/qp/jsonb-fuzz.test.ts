// jsonb operators and path functions on random documents and paths against PGlite: jsonb_set,
// jsonb_insert, #-, #>, ->, @>, ? and || where path edge cases (negative, missing, scalar) differ.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { Jsonb } from './types/index.ts'
import { type Literal, binaryOurs, literalSql } from './types/pglite-cases.ts'
import { callOurs as call } from './pglite-fuzz.harness.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()

const key = fc.constantFrom('a', 'b', 'c')
const leaf = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'x', null, true, 1.5))
const doc: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
})).value
const jsonText = (v: unknown) => new Jsonb(v).toString()
const path = fc.array(fc.oneof(key, fc.integer({ min: -3, max: 3 }).map(String)), { minLength: 0, maxLength: 3 }).map((p) => `{${p.join(',')}}`)
const j = (v: unknown): Literal => [jsonText(v), 'jsonb']

test('path functions and operators on random documents', async () => {
  const cases = fc.sample(
    fc.oneof(
      fc.tuple(fc.constant('jsonb_set'), doc, path, doc, fc.boolean()).map(([f, d, p, v, c]) => ({ f, args: [j(d), [p, 'text[]'], j(v), [String(c), 'bool']] as Literal[] })),
      fc.tuple(fc.constant('jsonb_insert'), doc, path, doc, fc.boolean()).map(([f, d, p, v, c]) => ({ f, args: [j(d), [p, 'text[]'], j(v), [String(c), 'bool']] as Literal[] })),
      fc.tuple(fc.constant('#-'), doc, path).map(([f, d, p]) => ({ f, args: [j(d), [p, 'text[]']] as Literal[] })),
      fc.tuple(fc.constant('#>'), doc, path).map(([f, d, p]) => ({ f, args: [j(d), [p, 'text[]']] as Literal[] })),
      fc.tuple(fc.constant('#>>'), doc, path).map(([f, d, p]) => ({ f, args: [j(d), [p, 'text[]']] as Literal[] })),
      fc.tuple(fc.constant('@>'), doc, doc).map(([f, a, b]) => ({ f, args: [j(a), j(b)] as Literal[] })),
      fc.tuple(fc.constant('||'), doc, doc).map(([f, a, b]) => ({ f, args: [j(a), j(b)] as Literal[] })),
      fc.tuple(fc.constant('-'), doc, key).map(([f, a, k]) => ({ f, args: [j(a), [k, 'text']] as Literal[] })),
      fc.tuple(fc.constant('?'), doc, key).map(([f, a, k]) => ({ f, args: [j(a), [k, 'text']] as Literal[] })),
      fc.tuple(fc.constant('jsonb_strip_nulls'), doc).map(([f, a]) => ({ f, args: [j(a)] as Literal[] })),
      fc.tuple(fc.constant('jsonb_pretty'), doc).map(([f, a]) => ({ f, args: [j(a)] as Literal[] })),
    ),
    { numRuns: 300, seed: 42 },
  )
  for (const { f, args } of cases) {
    const isOperator = !/^[a-z]/.test(f)
    const sql = isOperator ? `${literalSql(args[0] as Literal)} ${f} ${literalSql(args[1] as Literal)}` : `${f}(${args.map(literalSql).join(', ')})`
    const ours = isOperator ? binaryOurs(f, args[0] as Literal, args[1] as Literal) : call(f, args)
    expect({ sql, ours }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 60_000)
