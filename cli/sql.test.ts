// Goal: `tessera sql` prints what psql prints and maps transaction control to the /v1/tx
// endpoints. Method: the formatting as pure functions, then runSql against a real HTTP server on
// loopback serving a real region's API.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { serveRegion, type ServedRegion } from './sql-test-region.ts'
import {
  formatResult,
  formatTable,
  pointAt,
  runSql,
  splitStatements,
  sqlUsage,
  txControlOf,
  type SqlIo,
} from './sql.ts'

describe('formatting', () => {
  test('an aligned table as psql prints it', () => {
    const text = formatTable(
      [
        { name: 'id', type: 'int8' },
        { name: 'owner', type: 'text' },
        { name: 'ok', type: 'bool' },
      ],
      [
        ['1', 'ada', true],
        ['12', null, false],
      ],
    )
    expect(text).toBe(
      [
        ' id | owner | ok ',
        '----+-------+----',
        '  1 | ada   | t',
        ' 12 |       | f',
        '(2 rows)',
        '',
      ].join('\n'),
    )
  })

  test('one row, long values, json', () => {
    const text = formatTable([{ name: 'a', type: 'jsonb' }], [[{ k: [1, 2] }]])
    expect(text).toBe(['      a      ', '-------------', ' {"k":[1,2]}', '(1 row)', ''].join('\n'))
  })

  test('command tags, with RETURNING tables before the tag', () => {
    expect(formatResult({ command: 'INSERT', rowCount: 3, fields: [], rows: [] })).toBe(
      'INSERT 0 3\n',
    )
    expect(formatResult({ command: 'UPDATE', rowCount: 2, fields: [], rows: [] })).toBe(
      'UPDATE 2\n',
    )
    expect(formatResult({ command: 'CREATE TABLE', rowCount: 0, fields: [], rows: [] })).toBe(
      'CREATE TABLE\n',
    )
    expect(
      formatResult({
        command: 'DELETE',
        rowCount: 1,
        fields: [{ name: 'id', type: 'int4' }],
        rows: [[7]],
      }),
    ).toBe(' id \n----\n  7\n(1 row)\n\nDELETE 1\n')
    expect(
      formatResult({
        command: 'SELECT',
        rowCount: 0,
        fields: [{ name: 'x', type: 'text' }],
        rows: [],
      }),
    ).toBe(' x \n---\n(0 rows)\n\n')
  })

  test('statements split at top-level semicolons only', () => {
    expect(splitStatements('select \'a;b\'; select "x;" -- c;\n; select $$;$$; sel')).toEqual({
      statements: ["select 'a;b'", 'select "x;" -- c;', 'select $$;$$'],
      rest: ' sel',
    })
    expect(splitStatements('select 1 /* ; */')).toEqual({
      statements: [],
      rest: 'select 1 /* ; */',
    })
    expect(splitStatements("insert into t values ('unterminated;")).toEqual({
      statements: [],
      rest: "insert into t values ('unterminated;",
    })
  })

  test('an error position points into its line as psql does', () => {
    expect(pointAt('SELECT nope', 8)).toBe('LINE 1: SELECT nope\n               ^\n')
    expect(pointAt('SELECT 1,\n  nope FROM t', 13)).toBe('LINE 2:   nope FROM t\n          ^\n')
  })

  test('transaction control is recognised, other statements are not', () => {
    expect(txControlOf('BEGIN')).toEqual({ kind: 'begin', readOnly: false })
    expect(txControlOf('start transaction read only')).toEqual({ kind: 'begin', readOnly: true })
    expect(txControlOf('commit work')).toEqual({ kind: 'commit' })
    expect(txControlOf('END')).toEqual({ kind: 'commit' })
    expect(txControlOf(' rollback ')).toEqual({ kind: 'rollback' })
    expect(txControlOf('select begin from t')).toBeUndefined()
    expect(txControlOf('rollback to savepoint a')).toBeUndefined()
  })
})

describe('runSql against a region', () => {
  let served: ServedRegion
  let url: string
  let token: string

  beforeAll(async () => {
    served = await serveRegion('user')
    ;({ url, token } = served)
  })
  afterAll(() => served.close())

  const run = (args: string[], input: string[] = [], env: Record<string, string> = {}) => served.run(args, input, env)
  const sql = (text: string) => run(['--url', url, '--token', token, text])

  test('statements print command tags and tables', async () => {
    expect(await sql('CREATE TABLE pets (id int8 PRIMARY KEY, name text)')).toEqual({
      code: 0,
      out: 'CREATE TABLE\n',
      err: '',
    })
    expect((await sql("INSERT INTO pets VALUES (1, 'rex'), (22, NULL)")).out).toBe('INSERT 0 2\n')
    const r = await sql('SELECT id, name FROM pets ORDER BY id')
    expect(r).toEqual({
      code: 0,
      out: ' id | name \n----+------\n  1 | rex\n 22 | \n(2 rows)\n\n',
      err: '',
    })
  })

  test('the token may come from TESSERA_TOKEN; without one the error is printed and exit 1', async () => {
    expect((await run(['--url', url, 'SELECT 1'], [], { TESSERA_TOKEN: token })).code).toBe(0)
    const r = await run(['--url', url, 'SELECT 1'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('ERROR:  a bearer token is required')
    expect(r.err).toContain('SQLSTATE: 28000')
  })

  test('--help prints the usage, exit 0; a mistyped flag is exit 2 and sends nothing', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, out: `${sqlUsage}\n`, err: '' })
    const r = await run(['--url', url, '--tokn', token, 'CREATE TABLE typo_ran (id int PRIMARY KEY)'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('unknown flag --tokn')
    expect((await sql("SELECT count(*) FROM pg_class WHERE relname = 'typo_ran'")).out).toContain('     0\n')
  })

  test('SQL text starting with a comment is the SQL, not a flag', async () => {
    expect(await sql('-- first a comment\nSELECT 7 AS n')).toEqual({ code: 0, out: ' n \n---\n 7\n(1 row)\n\n', err: '' })
  })

  test('SQL errors go to stderr as psql prints them, exit 1', async () => {
    const r = await sql('SELECT * FROM nowhere')
    expect(r).toEqual({
      code: 1,
      out: '',
      err:
        'ERROR:  relation "nowhere" does not exist\n' +
        'LINE 1: SELECT * FROM nowhere\n' +
        '                      ^\n' +
        'SQLSTATE: 42P01\n',
    })
  })

  test('several statements run as one batch: all or nothing', async () => {
    const r = await sql("INSERT INTO pets VALUES (3, 'tom'); INSERT INTO pets VALUES (3, 'jerry')")
    expect(r.code).toBe(1)
    expect(r.err).toContain('SQLSTATE: 23505')
    expect((await sql('SELECT count(*) FROM pets WHERE id = 3')).out).toContain(' 0\n(1 row)')
  })

  test('an unreachable server is an error, exit 1', async () => {
    const r = await run(['--url', 'http://127.0.0.1:1', '--token', token, 'SELECT 1'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('cannot reach')
  })

  test('the shell: statements end with ;, BEGIN/COMMIT/ROLLBACK use /v1/tx, \\q quits', async () => {
    const r = await run(
      ['--url', url, '--token', token],
      [
        'BEGIN;',
        'INSERT INTO pets VALUES (4,',
        "'felix');",
        'SELECT name FROM pets WHERE id = 4; COMMIT;',
        "begin; INSERT INTO pets VALUES (5, 'gone'); rollback;",
        'SELECT count(*) FROM pets WHERE id IN (4, 5);',
        '\\q',
        'SELECT 1;',
      ],
    )
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toBe(
      [
        'BEGIN',
        'INSERT 0 1',
        ' name  ',
        '-------',
        ' felix',
        '(1 row)',
        '',
        'COMMIT',
        'BEGIN',
        'INSERT 0 1',
        'ROLLBACK',
        ' count ',
        '-------',
        '     1',
        '(1 row)',
        '',
        '',
      ].join('\n'),
    )
  })

  test('the shell: Ctrl-C discards the statement being typed and prompts again, as psql does', async () => {
    let interrupt: (() => boolean) | undefined
    let out = ''
    let err = ''
    const io: SqlIo = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      lines: async function* () {
        yield 'SELECT name'
        yield 'FROM nowhere AT ALL'
        // Ctrl-C here: the two lines above are dropped, not run with the next one.
        expect(interrupt?.()).toBe(true)
        yield 'SELECT 42 AS n;'
      },
      prompt: true,
      env: {},
      onInterrupt: (handler) => {
        interrupt = handler
        return () => (interrupt = undefined)
      },
    }
    expect(await runSql(['--url', url, '--token', token], io)).toBe(0)
    expect(err).toBe('')
    expect(out).toBe('tessera=> tessera-> tessera-> \ntessera=>  n  \n----\n 42\n(1 row)\n\ntessera=> ')
    // The shell let go of Ctrl-C when it ended.
    expect(interrupt).toBeUndefined()
  })

  test('the shell: an error in a transaction leaves it failed; EOF rolls back', async () => {
    const r = await run(
      ['--url', url, '--token', token],
      [
        'BEGIN;',
        'SELECT 1/0;',
        'SELECT 1;',
        'COMMIT;',
        'BEGIN;',
        "INSERT INTO pets VALUES (6, 'x');",
      ],
    )
    expect(r.code).toBe(0)
    const aborted =
      'ERROR:  current transaction is aborted, commands ignored until end of transaction block\n' +
      'SQLSTATE: 25P02\n'
    expect(r.err).toBe(`ERROR:  division by zero\nSQLSTATE: 22012\n${aborted}${aborted}`)
    expect((await sql('SELECT count(*) FROM pets WHERE id = 6')).out).toContain(' 0\n(1 row)')
  })
})
