// Goal: `tessera sql` prints what psql prints and maps transaction control to the /v1/tx
// endpoints. Method: the formatting as pure functions, then runSql against a real HTTP server on
// loopback serving a region's API.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createApp, createToken, type ApiApp } from '../server/api/index.ts'
import { FakeQp } from '../server/api/fake-qp.harness.ts'
import { SystemClock, SystemRandom } from '../server/clock/index.ts'
import {
  formatResult,
  formatTable,
  runSql,
  splitStatements,
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

describe('runSql against a server', () => {
  const secret = 'ef'.repeat(32)
  const clock = new SystemClock()
  const qp = new FakeQp()
  let api: ApiApp
  let server: ReturnType<typeof Bun.serve>
  let url: string
  const token = createToken(secret, { role: 'user', ttlMs: 60_000 }, clock)

  beforeAll(() => {
    api = createApp({
      qp,
      region: { name: 'r', url: 'http://r', regions: [] },
      auth: { secret },
      clock,
      timers: clock,
      random: new SystemRandom(),
    })
    server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: api.app.fetch })
    url = `http://127.0.0.1:${server.port}`
  })
  afterAll(async () => {
    await server.stop(true)
    await api.close()
  })

  async function run(args: string[], input: string[] = [], env: Record<string, string> = {}) {
    let out = ''
    let err = ''
    const io: SqlIo = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      lines: async function* () {
        yield* input
      },
      prompt: false,
      env,
    }
    return { code: await runSql(args, io), out, err }
  }

  test('one statement prints a table', async () => {
    const r = await run(['--url', url, '--token', token, 'ROWS 2'])
    expect(r).toEqual({
      code: 0,
      out: ' id | name \n----+------\n  1 | r1\n  2 | r2\n(2 rows)\n\n',
      err: '',
    })
  })

  test('the token may come from TESSERA_TOKEN; without one the error is printed and exit 1', async () => {
    expect((await run(['--url', url, 'ROWS 1'], [], { TESSERA_TOKEN: token })).code).toBe(0)
    const r = await run(['--url', url, 'ROWS 1'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('ERROR:  a bearer token is required')
    expect(r.err).toContain('SQLSTATE: 28000')
  })

  test('SQL errors go to stderr as psql prints them, exit 1', async () => {
    const r = await run(['--url', url, '--token', token, 'FAIL 42P01'])
    expect(r).toEqual({ code: 1, out: '', err: 'ERROR:  failed on purpose\nSQLSTATE: 42P01\n' })
  })

  test('several statements run as one batch: all or nothing', async () => {
    const r = await run(['--url', url, '--token', token, 'PUT cli1 v; FAIL 23505'])
    expect(r.code).toBe(1)
    const check = await run(['--url', url, '--token', token, 'GET cli1;'])
    expect(check.out).toContain(' v \n---\n \n(1 row)')
  })

  test('an unreachable server is an error, exit 1', async () => {
    const r = await run(['--url', 'http://127.0.0.1:1', '--token', token, 'ROWS 1'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('cannot reach')
  })

  test('the shell: statements end with ;, BEGIN/COMMIT/ROLLBACK use the transaction endpoints, \\q quits', async () => {
    const r = await run(
      ['--url', url, '--token', token],
      [
        'BEGIN;',
        'PUT shell1',
        'v1;',
        'GET shell1; COMMIT;',
        'begin; PUT shell2 v2; rollback;',
        'GET shell1;',
        'GET shell2;',
        '\\q',
        'ROWS 1;',
      ],
    )
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toBe(
      [
        'BEGIN',
        'INSERT 0 1',
        ' v  ',
        '----',
        ' v1',
        '(1 row)',
        '',
        'COMMIT',
        'BEGIN',
        'INSERT 0 1',
        'ROLLBACK',
        ' v  ',
        '----',
        ' v1',
        '(1 row)',
        '',
        ' v ',
        '---',
        ' ',
        '(1 row)',
        '',
        '',
      ].join('\n'),
    )
  })

  test('the shell: an error inside a transaction leaves it failed until ROLLBACK; EOF rolls back', async () => {
    const r = await run(
      ['--url', url, '--token', token],
      ['BEGIN;', 'FAIL 22012;', 'ROWS 1;', 'COMMIT;', 'BEGIN;', 'PUT shell3 v;'],
    )
    expect(r.code).toBe(0)
    expect(r.err).toBe(
      'ERROR:  failed on purpose\nSQLSTATE: 22012\n' +
        'ERROR:  current transaction is aborted, commands ignored until end of transaction block\nSQLSTATE: 25P02\n' +
        'ERROR:  current transaction is aborted, commands ignored until end of transaction block\nSQLSTATE: 25P02\n',
    )
    const check = await run(['--url', url, '--token', token, 'GET shell3'])
    expect(check.out).toContain(' \n(1 row)')
  })
})
