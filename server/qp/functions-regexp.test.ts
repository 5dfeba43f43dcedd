// The regexp_* functions compile a pattern once, not once per row. Goal: a query calling them per
// row with one pattern pays for one translation and one JS RegExp (the search variants used to
// build a second RegExp on every call), and with a constant pattern nothing per row at all; and no
// row's search continues another's scan. Method: count RegExp constructions while the functions
// run many times; time a constant pattern's calls against the ~ operator's, which compiles at
// bind; run searches whose step budgets would not stretch to two rows; then check that the cached
// searches still give PostgreSQL's answers (the PGlite comparisons of these functions are in
// functions-pglite.test.ts and regexp-functions.slt).
import { afterAll, expect, test } from 'bun:test'
import { REGEX_CACHE_ENTRIES, REGEX_CACHE_PATTERN_CHARS_MAX } from './constants.ts'
import type { EvalContext } from './expr.ts'
import { callOurs as call } from './pglite-fuzz.harness.ts'
import { createHarness, sqlError, TickingClock } from './qp-harness.ts'
import type { Literal } from './types/pglite-cases.ts'

const h = createHarness()
afterAll(() => h.close())

const text = (s: string): Literal => [s, 'text']
const int = (n: number): Literal => [String(n), 'int4']

/** How many RegExp objects `run` constructs (regex literals aside). */
function constructions(run: () => void): number {
  const Native = globalThis.RegExp
  let made = 0
  globalThis.RegExp = new Proxy(Native, {
    construct(target, args: [string | RegExp, string?]) {
      made++
      return new target(...args)
    },
  })
  try {
    run()
  } finally {
    globalThis.RegExp = Native
  }
  return made
}

test('each function compiles its pattern once for many calls', () => {
  const calls: [string, Literal[]][] = [
    ['regexp_replace', [text('a1b22c333'), text('(\\d)+'), text('<\\1>'), text('g')]],
    ['regexp_count', [text('a1b22c333'), text('\\d'), int(2)]],
    ['regexp_instr', [text('a1b22c333'), text('([a-z])(\\d+)'), int(1), int(2), int(0), text(''), int(2)]],
    ['regexp_substr', [text('a1b22c333'), text('([a-z])(\\d+)'), int(1), int(3), text('i'), int(2)]],
    ['regexp_like', [text('a1b22c333'), text('B2+'), text('i')]],
    ['regexp_match', [text('a1b22c333'), text('(c)(3+)')]],
  ]
  for (const [name, args] of calls) {
    const first = call(name, args)
    const made = constructions(() => {
      for (let i = 0; i < 1000; i++) expect(call(name, args)).toBe(first)
    })
    expect({ name, made }).toEqual({ name, made: 0 })
  }
})

test('the cached searches give the same answers', () => {
  expect(call('regexp_replace', [text('a1b22c333'), text('\\d+'), text('#')])).toBe('a#b22c333')
  expect(call('regexp_replace', [text('a1b22c333'), text('\\d+'), text('#'), text('g')])).toBe('a#b#c#')
  expect(call('regexp_replace', [text('a1b22c333'), text('\\d+'), text('#'), int(3), int(2), text('')])).toBe('a1b22c#')
  expect(call('regexp_instr', [text('a1b22c333'), text('([a-z])(\\d+)'), int(1), int(2), int(1), text(''), int(2)])).toBe('6')
  expect(call('regexp_substr', [text('a1b22c333'), text('([a-z])(\\d+)'), int(1), int(3), text(''), int(1)])).toBe('c')
  expect(call('regexp_count', [text('aaa'), text(''), int(1)])).toBe('4')
  // An invalid pattern is refused every time, not remembered as something else.
  for (let i = 0; i < 3; i++) expect(call('regexp_count', [text('x'), text('(')])).toBe('ERROR 2201B')
})

test('patterns evicted from the cache, and ones too long to keep, compile again and still match', () => {
  // More patterns than the cache holds, twice over: the evicted ones compile again and still match.
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < REGEX_CACHE_ENTRIES + 10; k++) {
      expect(call('regexp_count', [text(`x${k}y x${k}y`), text(`x${k}y`)])).toBe('2')
    }
  }
  const long = 'a'.repeat(REGEX_CACHE_PATTERN_CHARS_MAX + 1)
  expect(call('regexp_like', [text(`b${long}`), text(long)])).toBe('true')
  expect(call('regexp_like', [text('b'), text(long)])).toBe('false')
})

/** This thread's CPU time, in ms (what other processes take from it does not count). */
function cpuMs(): number {
  const { user, system } = process.threadCpuUsage()
  return (user + system) / 1000
}

/** The median CPU time of `sql`, in ms, over five runs after one to warm up. */
async function medianMs(sql: string): Promise<number> {
  await h.rows(sql)
  const times: number[] = []
  for (let run = 0; run < 5; run++) {
    const start = cpuMs()
    await h.rows(sql)
    times.push(cpuMs() - start)
  }
  return times.sort((a, b) => a - b)[2] as number
}

test('a constant pattern is compiled at bind, not looked up on every row', async () => {
  // Longer than the cache keeps, so looking it up per row translated it per row (about 6 µs a
  // row: 117 ms here against 5 ms for ~). Timed against ~ on the same rows, which compiles at bind.
  const long = 'x'.repeat(REGEX_CACHE_PATTERN_CHARS_MAX + 1000)
  const rows = `FROM generate_series(1, 20000) i`
  const operator = await medianMs(`SELECT count(*) ${rows} WHERE 'ab' || i ~ '${long}'`)
  const fn = await medianMs(`SELECT count(*) ${rows} WHERE regexp_like('ab' || i, '${long}')`)
  expect(fn).toBeLessThan(4 * operator + 30)
})

test("no row's search continues the scan of the row before (its text, its step budget)", async () => {
  // One search of 650 characters takes over half of its budget: continuing the last row's scan
  // (same text, a start past 1) would run out on the second row.
  const text = `repeat('a', 650)`
  const values = `(VALUES (${text}, 'a(?=a*b)'), (${text}, 'a(?=a*b)'), (${text}, 'a(?=a*b)')) v(s, p)`
  expect(await h.rows(`SELECT regexp_count(s, 'a(?=a*b)', 2) FROM ${values}`)).toEqual([[0], [0], [0]])
  expect(await h.rows(`SELECT regexp_count(s, p, 2) FROM ${values}`)).toEqual([[0], [0], [0]])
  expect(await h.rows(`SELECT regexp_instr(s, p, 2) FROM ${values}`)).toEqual([[0], [0], [0]])
})

test('an invalid constant pattern or flags fails on the rows, as PostgreSQL evaluates it', async () => {
  const values = `(VALUES ('a'), ('b')) v(s)`
  expect(await h.rows(`SELECT regexp_count(s, '(') FROM ${values} WHERE false`)).toEqual([])
  expect(await h.rows(`SELECT regexp_match(s, 'a', 'g') FROM ${values} WHERE false`)).toEqual([])
  expect((await sqlError(h.rows(`SELECT regexp_count(s, '(') FROM ${values}`))).code).toBe('2201B')
  expect((await sqlError(h.rows(`SELECT regexp_match(s, 'a', 'g') FROM ${values}`))).code).toBe('22023')
})

test('a global scan whose searches each read the rest of the text stops at the statement timeout (57014)', async () => {
  // 'a*x|a' keeps its first alternative alive to the end of the text, so RE2 reads the rest of it
  // for each of the 20,000 matches: about 2*10^8 characters, seconds of work in one call. Every
  // clock read of this harness moves its time 60 ms, so the scan's second interrupt check (after
  // about 2 * REGEX_INTERRUPT_CHARS characters) is past a 100 ms timeout.
  const slow = createHarness({ qpClock: new TickingClock(0, 60) })
  try {
    const scans = [
      "SELECT regexp_count(repeat('a', 20000), 'a*x|a')",
      "SELECT regexp_replace(repeat('a', 20000), 'a*x|a', 'b', 'g')",
      "SELECT regexp_instr(repeat('a', 20000), 'a*x|(a)', 1, 20000, 0, '', 1)",
      "SELECT count(*) FROM regexp_matches(repeat('a', 20000), 'a*x|a', 'g')",
      "SELECT count(*) FROM regexp_split_to_table(repeat('a', 20000), 'a*x|a')",
      "SELECT cardinality(regexp_split_to_array(repeat('a', 20000), 'a*x|a'))",
      // A larger program costs more per character (about 4 µs here: 300 instructions): the check
      // weighs the text by the program, or this would run for seconds between two checks.
      "SELECT regexp_count(repeat('a', 4000), '(?:a*){1,100}x|a')",
    ]
    for (const sql of scans) {
      const tx = await slow.begin()
      await tx.execute("SET statement_timeout = '100ms'")
      const started = performance.now()
      const code = (await sqlError(tx.execute(sql))).code
      expect({ sql, code, fast: performance.now() - started < 2_000 }).toEqual({ sql, code: '57014', fast: true })
      tx.rollback()
    }
    // Without a timeout in reach the same scan completes, with PostgreSQL's answer.
    expect((await slow.run("SELECT regexp_count(repeat('a', 2000), 'a*x|a')")).rows).toEqual([[2000]])
  } finally {
    await slow.close()
  }
})

test('a cached search forgets the context and text of its call once the call is done', () => {
  // The compiled pattern outlives the statement (a cache, a bound plan); the statement's context
  // holds its materialized CTEs and subquery results, which must not stay alive with it.
  let held: WeakRef<object> | undefined
  ;(() => {
    const ctx = { interrupt() {} }
    held = new WeakRef(ctx)
    expect(call('regexp_count', [text('a'.repeat(100)), text('a*x|a')], ctx as unknown as EvalContext)).toBe('100')
    expect(call('regexp_replace', [text('abab'), text('b'), text('c'), text('g')], ctx as unknown as EvalContext)).toBe('acac')
    expect(call('regexp_instr', [text('abab'), text('(b)'), int(1), int(2)], ctx as unknown as EvalContext)).toBe('4')
  })()
  Bun.gc(true)
  expect(held?.deref()).toBeUndefined()
})
