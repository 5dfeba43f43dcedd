// SQL/JSON paths against PostgreSQL. Goal: on generated documents and paths, Tessera's jsonpath
// gives PostgreSQL's canonical text, items, booleans and SQLSTATEs. Method: paths built from the
// language's pieces (lax and strict, accessors, .**, filters with every predicate, arithmetic,
// item methods, variables) over small documents with the values paths treat differently (nested
// arrays, numbers, strings, null, booleans); each case evaluated by Tessera's functions table and
// by PGlite (fixed seed, bounded count).
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { callOurs as call } from './pglite-fuzz.harness.ts'
import { Jsonb, canonicalJsonPath } from './types/index.ts'
import { type Literal, literalSql } from './types/pglite-cases.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()

const key = fc.constantFrom('a', 'b', 'c')
const leaf = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'ab', 'x', null, true, false, 1.5, '2', 'true'))
const doc: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
})).value

const predicate = fc.constantFrom(
  '@ > 1', '@ == "a"', '@.a == 1', 'exists (@.b)', '@ like_regex "^a"', '@ starts with "a"',
  '(@ == 1) is unknown', '@ != null && @ < 2', '!(@ >= 0) || @ == true', '@.* > $x', '@[*] == 1',
  '@.type() == "number"', '@.size() > 1', '@ + 1 > $x', '@ like_regex "A" flag "i"', '@ > "a" || @ <= 1.5',
  '@.** == 2', 'exists (@ ? (@ > 0))', '-@ < -1', '@ == $x && @.a != 1', '(@ > 1 && @ < 3) is unknown',
)
const accessor = fc.oneof(
  fc.constantFrom('.a', '.b', '.*', '[*]', '[0]', '[1]', '[last]', '[0 to 1]', '[last - 1, 0]', '[-1]', '.**', '.**{1}', '.**{1 to 2}', '.**{2 to last}'),
  fc.constantFrom('.type()', '.size()', '.abs()', '.floor()', '.ceiling()', '.double()', '.keyvalue()', '.string()', '.number()', '.boolean()', '.integer()', '.bigint()', '.decimal(3,1)'),
  predicate.map((p) => ` ? (${p})`),
)
const tail = fc.constantFrom('', '', '', ' + 1', ' * $x', ' - 0.5', ' / 2', ' % 2', ' == 1', ' > $x', ' == "a"', ' != null')
const path = fc
  .tuple(fc.constantFrom('', 'strict ', 'lax '), fc.constantFrom('$', '$', '$', '$x', '-$'), fc.array(accessor, { maxLength: 4 }), tail)
  .map(([mode, head, steps, t]) => `${mode}${head}${steps.join('')}${t}`)

const j = (v: unknown): Literal => [new Jsonb(v).toString(), 'jsonb']
const VARS: Literal = ['{"x": 1}', 'jsonb']

test('generated paths over generated documents', async () => {
  const cases = fc.sample(fc.tuple(fc.constantFrom('jsonb_path_query_array', 'jsonb_path_exists', 'jsonb_path_match', 'jsonb_path_query_first'), doc, path, fc.boolean()), { numRuns: 600, seed: 7 })
  for (const [f, d, p, silent] of cases) {
    const args: Literal[] = [j(d), [p, 'jsonpath'], VARS, [String(silent), 'bool']]
    const sql = `${f}(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call(f, args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 120_000)

test('canonical text of generated paths', async () => {
  const cases = fc.sample(path, { numRuns: 300, seed: 11 })
  for (const p of cases) {
    const sql = `'${p.replaceAll("'", "''")}'::jsonpath`
    let ours: string
    try {
      ours = canonicalJsonPath(p)
    } catch (e) {
      ours = `ERROR ${(e as { code: string }).code}`
    }
    expect({ sql, ours }).toEqual({ sql, ours: (await pg.text(sql)) as string })
  }
}, 60_000)
