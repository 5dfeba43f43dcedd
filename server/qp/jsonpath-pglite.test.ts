// SQL/JSON paths against PostgreSQL. Goal: on generated documents and paths, Tessera's jsonpath
// gives PostgreSQL's canonical text, items, booleans and SQLSTATEs. Method: paths built from the
// language's pieces (lax and strict, accessors, .**, filters with every predicate, arithmetic,
// item methods, the datetime methods and comparisons, variables) over small documents with the
// values paths treat differently (nested arrays, numbers, strings, datetime strings of each kind,
// null, booleans), through the plain and the _tz functions; and datetime templates with texts that
// fit them or nearly do, read by .datetime(template) and to_timestamp. Each case is evaluated by
// Tessera's functions table and by PGlite (fixed seeds, bounded counts).
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { callOurs as call } from './pglite-fuzz.harness.ts'
import { Jsonb, canonicalJsonPath } from './types/index.ts'
import { type Literal, literalSql } from './types/pglite-cases.ts'
import { useOracle } from './types/pglite-oracle.ts'

const pg = useOracle()

const key = fc.constantFrom('a', 'b', 'c')
/** Strings each datetime method reads differently: every kind, offsets, fractions, BC, and ones
 * no ISO form takes. */
const datetimeString = fc.constantFrom(
  '2020-01-01', '2020-01-01 10:00:00', '2020-01-01T10:00:00.5', '2019-12-31 23:59:59.999999',
  '2020-01-01 00:00:00+00', '2020-01-01T01:30:00+01:30', '2019-12-31 20:00:00-05', '10:00:00',
  '10:00:00.123456', '10:00:00+00', '11:00:00+01', '23:00:00-02', '-0044-03-15', '2020-01-01 10:00:00EST',
  '09:00:00-01', '2020-01-01T11:00:00+01', '10:00', '2020-13-01', '24:00:00',
)
const leaf = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'ab', 'x', null, true, false, 1.5, '2', 'true'), datetimeString)
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
  '@.datetime() < "2020-01-01 12:00:00".datetime()', '@.datetime() == "10:00:00+00".datetime()',
  '@.datetime() >= $d.datetime()', '@.timestamp() > "2019-12-31".datetime()', '@.time_tz() != "10:00:00".time_tz()',
  '@.datetime().type() == "date"', '@.date() == "2020-01-01".date()', '@.datetime("yyyy-mm-dd") < $d.date()',
)
const accessor = fc.oneof(
  fc.constantFrom('.a', '.b', '.*', '[*]', '[0]', '[1]', '[last]', '[0 to 1]', '[last - 1, 0]', '[-1]', '.**', '.**{1}', '.**{1 to 2}', '.**{2 to last}'),
  fc.constantFrom('.type()', '.size()', '.abs()', '.floor()', '.ceiling()', '.double()', '.keyvalue()', '.string()', '.number()', '.boolean()', '.integer()', '.bigint()', '.decimal(3,1)'),
  fc.constantFrom('.datetime()', '.date()', '.time()', '.time(1)', '.time_tz()', '.time_tz(0)', '.timestamp()', '.timestamp(2)', '.timestamp_tz()', '.timestamp_tz(9)', '.datetime("yyyy-mm-dd")', '.datetime("HH24:MI:SS TZH")', '.datetime("yyyy-mm-dd HH24:MI:SS.FF3")'),
  predicate.map((p) => ` ? (${p})`),
)
const tail = fc.constantFrom('', '', '', ' + 1', ' * $x', ' - 0.5', ' / 2', ' % 2', ' == 1', ' > $x', ' == "a"', ' != null', ' < "2020-01-01 10:00:00+01".datetime()', ' == $d.datetime()')
const path = fc
  .tuple(fc.constantFrom('', 'strict ', 'lax '), fc.constantFrom('$', '$', '$', '$x', '-$'), fc.array(accessor, { maxLength: 4 }), tail)
  .map(([mode, head, steps, t]) => `${mode}${head}${steps.join('')}${t}`)

const j = (v: unknown): Literal => [new Jsonb(v).toString(), 'jsonb']
const VARS: Literal = ['{"x": 1, "d": "2020-01-01"}', 'jsonb']
const FUNCTIONS = ['jsonb_path_query_array', 'jsonb_path_exists', 'jsonb_path_match', 'jsonb_path_query_first']

test('generated paths over generated documents', async () => {
  // The _tz twins differ where a datetime item needs the time zone.
  const functions = fc.constantFrom(...FUNCTIONS, ...FUNCTIONS.map((f) => `${f}_tz`))
  const cases = fc.sample(fc.tuple(functions, doc, path, fc.boolean()), { numRuns: 1200, seed: 7 })
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

const two = (n: number) => String(n).padStart(2, '0')
/** Datetime strings of every ISO shape, many in range and some not (a 31st of February), with
 * fractions, offsets, BC years. */
const generatedDatetime = fc
  .record({
    year: fc.integer({ min: -300, max: 3000 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    clock: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 })),
    fraction: fc.constantFrom('', '', '.5', '.123456', '.999999', '.05'),
    offset: fc.constantFrom('', '', '+00', '-05', '+05:30', '-00:30', '+14', 'Z', 'PST', ' +01'),
    shape: fc.constantFrom('date', 'time', 'timestamp', 'T'),
  })
  .map(({ year, month, day, clock: [h, m, s], fraction, offset, shape }) => {
    const date = `${year < 0 ? '-' : ''}${String(Math.abs(year)).padStart(4, '0')}-${two(month)}-${two(day)}`
    const time = `${two(h)}:${two(m)}:${two(s)}${fraction}${offset}`
    if (shape === 'date') return date
    if (shape === 'time') return time
    return `${date}${shape === 'T' ? 'T' : ' '}${time}`
  })
const anyDatetime = fc.oneof(datetimeString, generatedDatetime)
const datetimeDoc = fc.oneof(anyDatetime, fc.array(anyDatetime, { maxLength: 3 }))
const datetimeMethod = fc.constantFrom('.datetime()', '.date()', '.time()', '.time(0)', '.time_tz()', '.time_tz(3)', '.timestamp()', '.timestamp(1)', '.timestamp_tz()', '.timestamp_tz(0)')
/** What follows the method: nothing, .type() or .string(), or a comparison or filter against
 * another datetime string (from the small pool, so that equal instants at different offsets and
 * kinds that need the time zone meet often). */
const datetimeTail = fc.oneof(
  fc.constantFrom('', '.type()', '.string()', ' == $d.datetime()'),
  fc
    .tuple(fc.constantFrom('==', '!=', '<', '<=', '>', '>='), datetimeString, datetimeMethod, fc.boolean())
    .map(([op, other, method, filter]) => (filter ? ` ? (@ ${op} "${other}"${method})` : ` ${op} "${other}"${method}`)),
)
const datetimePath = fc
  .tuple(fc.constantFrom('', 'strict '), fc.constantFrom('$', '$[*]'), datetimeMethod, datetimeTail)
  .map(([mode, head, method, t]) => `${mode}${head}${method}${t}`)

test('datetime methods over datetime strings, in the plain and the _tz functions', async () => {
  const functions = fc.constantFrom('jsonb_path_query_array', 'jsonb_path_query_array_tz', 'jsonb_path_exists', 'jsonb_path_match_tz')
  const cases = fc.sample(fc.tuple(functions, datetimeDoc, datetimePath, fc.boolean()), { numRuns: 800, seed: 13 })
  for (const [f, d, p, silent] of cases) {
    const args: Literal[] = [j(d), [p, 'jsonpath'], VARS, [String(silent), 'bool']]
    const sql = `${f}(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call(f, args) }).toEqual({ sql, ours: await pg.text(sql) })
  }
}, 120_000)

const padded = (min: number, max: number, width: number) => fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'))
/** Template patterns, each with texts of the kind it reads (some out of its range). */
const PIECES: readonly (readonly [string, fc.Arbitrary<string>])[] = [
  ['YYYY', padded(0, 2500, 4)], ['YY', padded(0, 99, 2)], ['MM', padded(0, 13, 2)], ['DD', padded(1, 32, 2)],
  ['DDD', padded(1, 367, 3)], ['HH24', padded(0, 24, 2)], ['HH12', padded(0, 13, 2)], ['MI', padded(0, 60, 2)],
  ['SS', padded(0, 60, 2)], ['MS', padded(0, 999, 1)], ['US', padded(0, 9999999, 1)], ['FF1', padded(0, 99, 1)],
  ['FF3', padded(0, 9999, 3)], ['FF6', padded(0, 999999, 6)], ['TZH', fc.constantFrom('+05', '-03', '+00', '-16', '5', '+1')],
  ['TZM', padded(0, 60, 2)], ['TZ', fc.constantFrom('EST', 'utc', 'z', 'PDT', 'XYZ', '+02', '-05:30')],
  ['OF', fc.constantFrom('+05:30', '-01', '+5:3', '+16')], ['Mon', fc.constantFrom('Jan', 'FEB', 'dec', 'Foo')],
  ['Month', fc.constantFrom('January', 'march', 'MAY', 'Jun')], ['Day', fc.constantFrom('Monday', 'fri', 'Sunday')],
  ['AM', fc.constantFrom('AM', 'pm', 'P.M.', 'XM')], ['BC', fc.constantFrom('BC', 'ad', 'B.C.')],
  ['J', padded(2400000, 2500000, 7)], ['SSSS', padded(0, 86400, 1)], ['FMDD', padded(1, 31, 1)],
  ['IYYY', padded(1990, 2030, 4)], ['IW', padded(1, 53, 2)], ['ID', padded(0, 8, 1)], ['CC', padded(1, 21, 2)],
  ['RM', fc.constantFrom('IV', 'xii', 'ix')], ['DDth', fc.constantFrom('01st', '22nd', '3rd')],
]
/** Template separators and the text each stands for ('"T"' is quoted text). */
const SEPARATORS: readonly (readonly [string, string])[] = [['-', '-'], ['/', '/'], [':', ':'], [' ', ' '], ['.', '.'], [',', ','], ['"T"', 'T'], ['', '']]

/** A template of a few patterns and separators, with a text that fits it, then perhaps spoilt:
 * a character dropped or added, a separator changed, spaces around. */
const templateCase = fc
  .array(fc.tuple(fc.integer({ min: 0, max: PIECES.length - 1 }), fc.integer({ min: 0, max: SEPARATORS.length - 1 })), { minLength: 1, maxLength: 5 })
  .chain((parts) =>
    fc.tuple(
      fc.constant(parts.map(([p, s], k) => `${k > 0 ? (SEPARATORS[s] as readonly [string, string])[0] : ''}${(PIECES[p] as readonly [string, fc.Arbitrary<string>])[0]}`).join('')),
      fc.tuple(...parts.map(([p, s], k) => (PIECES[p] as readonly [string, fc.Arbitrary<string>])[1].map((v) => `${k > 0 ? (SEPARATORS[s] as readonly [string, string])[1] : ''}${v}`))),
      fc.constantFrom('none', 'none', 'none', 'drop', 'add', 'separator', 'spaces'),
    ),
  )
  .map(([template, values, spoil]) => {
    const text = values.join('')
    switch (spoil) {
      case 'drop': return [template, text.slice(0, -1)] as const
      case 'add': return [template, `${text}9`] as const
      case 'separator': return [template, text.replace(/[-/:.,T ]/, '/')] as const
      case 'spaces': return [template, ` ${text.replace(' ', '  ')} `] as const
      default: return [template, text] as const
    }
  })

test('datetime templates: .datetime(template) in standard mode and to_timestamp', async () => {
  const cases = fc.sample(fc.tuple(templateCase, fc.boolean()), { numRuns: 700, seed: 17 })
  for (const [[template, text], silent] of cases) {
    const args: Literal[] = [j(text), [`$.datetime(${JSON.stringify(template)})`, 'jsonpath'], VARS, [String(silent), 'bool']]
    const sql = `jsonb_path_query_array(${args.map(literalSql).join(', ')})`
    expect({ sql, ours: call('jsonb_path_query_array', args) }).toEqual({ sql, ours: await pg.text(sql) })
    const lenient: Literal[] = [[text, 'text'], [template, 'text']]
    const sql2 = `to_timestamp(${lenient.map(literalSql).join(', ')})`
    expect({ sql: sql2, ours: call('to_timestamp', lenient) }).toEqual({ sql: sql2, ours: await pg.text(sql2) })
  }
}, 120_000)

/** Datetime strings of every kind, with equal instants at different offsets and kinds. */
const COMPARED = [
  '2020-01-01', '2020-01-01 00:00:00', '2020-01-01 00:00:00+00', '2019-12-31 23:00:00-01', '2020-01-01 01:00:00+01',
  '2020-01-01 10:00:00', '10:00:00', '10:00:00+00', '11:00:00+01', '09:00:00-01', '10:00:00.5', '23:00:00-02',
]

test('every pair of datetime kinds compared, with and without the time zone', async () => {
  for (const f of ['jsonb_path_query_array', 'jsonb_path_query_array_tz']) {
    for (const a of COMPARED) {
      for (const b of COMPARED) {
        for (const op of ['<', '==']) {
          const args: Literal[] = [j([a, b]), [`$[0].datetime() ${op} $[1].datetime()`, 'jsonpath']]
          const sql = `${f}(${args.map(literalSql).join(', ')})`
          expect({ sql, ours: call(f, args) }).toEqual({ sql, ours: await pg.text(sql) })
        }
      }
    }
  }
}, 60_000)
