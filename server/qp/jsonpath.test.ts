// SQL/JSON path evaluation stays bounded. Goal: `.**` with filters over a large document cannot
// hold the thread past the statement timeout, and a jsonpath nested past the parser's depth limit
// is refused rather than overflowing the stack. Method: run such paths through SQL on a harness
// whose clock jumps 60 ms per read with a 100 ms timeout (57014 expected, quickly); count the
// interrupt checks one evaluation makes; parse a path nested 1000 deep. PostgreSQL's answers for
// the language itself are in test/sql/jsonpath.slt and jsonpath-pglite.test.ts.
import { afterAll, expect, test } from 'bun:test'
import { JSONPATH_INTERRUPT_STEPS } from './constants.ts'
import { executeJsonPath } from './jsonpath-eval.ts'
import { createHarness, sqlError, TickingClock } from './qp-harness.ts'
import { Decimal, Jsonb, parseJsonPathCached } from './types/index.ts'

const h = createHarness()
afterAll(() => h.close())

/** A document of `n` objects, each holding a small nested array. */
function bigDocument(n: number): unknown {
  return new Jsonb(Array.from({ length: n }, (_x, i) => ({ id: i, tags: [i % 7, [i % 3, 'x']] }))).value
}

test('an evaluation checks the statement timeout every JSONPATH_INTERRUPT_STEPS steps', () => {
  let checks = 0
  const found: unknown[] = []
  const path = parseJsonPathCached('$.** ? (@ == 1)')
  executeJsonPath(path, bigDocument(20_000), {}, found, { silent: false, ctx: { interrupt: () => void checks++ } })
  expect(found.length).toBeGreaterThan(1000)
  // Well over a hundred thousand steps: each visit, filter and comparison counts.
  expect(checks).toBeGreaterThan(100_000 / JSONPATH_INTERRUPT_STEPS)
})

test('.** with filters over a large document stops at the statement timeout (57014)', async () => {
  // Each filter below walks the whole document again from $, so one evaluation is about 10^10
  // steps. The document is built first, without a timeout; every clock read of the slow harness
  // then moves its time 60 ms, so the evaluation's first interrupt check is past 100 ms.
  const slow = createHarness({ qpClock: new TickingClock(0, 60) })
  try {
    await slow.run('CREATE TABLE d (id int PRIMARY KEY, j jsonb)')
    await slow.run('INSERT INTO d VALUES (1, $1::jsonb)', [new Jsonb(bigDocument(20_000)).toString()])
    const queries = [
      `SELECT jsonb_path_query_array(j, 'lax $.** ? ($.** == "never")') FROM d`,
      `SELECT count(*) FROM d, jsonb_path_query(d.j, '$.** ? ($.**.** == "never")')`,
      `SELECT j @? '$.** ? ($.** == "never")' FROM d`,
    ]
    for (const sql of queries) {
      const tx = await slow.begin()
      await tx.execute("SET statement_timeout = '100ms'")
      const started = performance.now()
      const code = (await sqlError(tx.execute(sql))).code
      expect({ sql, code, fast: performance.now() - started < 10_000 }).toEqual({ sql, code: '57014', fast: true })
      await tx.rollback()
    }
  } finally {
    await slow.close()
  }
})

test('a path nested deeper than JSONPATH_DEPTH_MAX is 54001, not a stack overflow', async () => {
  const deep = `${'('.repeat(1000)}1${')'.repeat(1000)}`
  expect((await sqlError(h.rows(`SELECT '${deep}'::jsonpath`))).code).toBe('54001')
  const filters = `$${' ? (@'.repeat(600)}${' > 1)'.repeat(600)}`
  expect((await sqlError(h.rows(`SELECT '${filters}'::jsonpath`))).code).toBe('54001')
  // Chains of operators and accessors are parsed by loops; their trees are as deep as they are long.
  expect((await sqlError(h.rows(`SELECT ('1' || repeat(' + 1', 50000))::jsonpath`))).code).toBe('54001')
  expect((await sqlError(h.rows(`SELECT ('$ ? (@ == 1' || repeat(' && @ == 1', 50000) || ')')::jsonpath`))).code).toBe('54001')
  expect((await sqlError(h.rows(`SELECT jsonb_path_query('1', ('$' || repeat('[*]', 50000))::jsonpath)`))).code).toBe('54001')
  // Just under the bound, evaluation over the deepest jsonb (1000 levels) keeps to the stack.
  const deepJson = `(repeat('[', 999) || '1' || repeat(']', 999))::jsonb`
  expect(await h.rows(`SELECT jsonb_path_query(${deepJson}, ('$' || repeat(' ? (@.** == 1)', 480) || '.type()')::jsonpath)::text`)).toEqual([['"array"']])
  expect(await h.rows(`SELECT jsonb_path_query('1', ('$' || repeat(' + 1', 498))::jsonpath)::text`)).toEqual([['499']])
})

test('numbers compare and add exactly, as numeric', () => {
  const found: unknown[] = []
  executeJsonPath(parseJsonPathCached('$[*] ? (@ == 0.3)'), new Jsonb([0.3, 0.30000000000000004]).value, {}, found, { silent: false })
  expect(found.map(String)).toEqual(['0.3'])
  const sum: unknown[] = []
  executeJsonPath(parseJsonPathCached('0.1 + 0.2'), null, {}, sum, { silent: false })
  expect(sum).toEqual([Decimal.parse('0.3')])
})
