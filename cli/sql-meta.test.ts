// Goal: the shell's backslash commands describe what the catalog holds as psql lays it out, in
// one-shot mode and in the shell, and fail clearly (exit 1) on what they cannot find. Method:
// runSql against a real HTTP server on loopback serving a real region's API; patterns as a pure
// function.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { patternMatcher } from './sql-meta.ts'
import { serveRegion, type ServedRegion } from './sql-test-region.ts'

describe('patterns', () => {
  test('wildcards, a schema part, quoting and case folding as psql reads them', () => {
    const m = (pattern: string | undefined, schema: string, name: string) => patternMatcher(pattern)(schema, name)
    expect(m(undefined, 'public', 'anything')).toBe(true)
    expect(m('pets', 'public', 'pets')).toBe(true)
    expect(m('pets', 'other', 'pets')).toBe(true)
    expect(m('pets', 'public', 'pets2')).toBe(false)
    expect(m('p*', 'public', 'pets')).toBe(true)
    expect(m('p?ts', 'public', 'pats')).toBe(true)
    expect(m('p?ts', 'public', 'pts')).toBe(false)
    expect(m('s.*', 's', 'x')).toBe(true)
    expect(m('s.*', 'public', 'x')).toBe(false)
    expect(m('PETS', 'public', 'pets')).toBe(true)
    expect(m('"PETS"', 'public', 'pets')).toBe(false)
    expect(m('"My Table"', 'public', 'My Table')).toBe(true)
    expect(m('"a*"', 'public', 'abc')).toBe(false)
    expect(m('"a*"', 'public', 'a*')).toBe(true)
    expect(m('"a.b"', 'public', 'a.b')).toBe(true)
  })
})

describe('backslash commands against a region', () => {
  let served: ServedRegion
  let url: string
  let token: string

  beforeAll(async () => {
    served = await serveRegion('admin')
    ;({ url, token } = served)
    const setup = [
      'CREATE TABLE owners (id int8 PRIMARY KEY)',
      `CREATE TABLE pets (id serial PRIMARY KEY, name text NOT NULL DEFAULT 'rex', owner int8 REFERENCES owners (id), CHECK (length(name) > 0))`,
      'CREATE INDEX pets_by_name ON pets (name)',
      'CREATE VIEW named AS SELECT name FROM pets',
      'CREATE SCHEMA zoo',
      'CREATE TABLE zoo.keepers (id int4)',
    ]
    for (const statement of setup) expect((await sql(statement)).code).toBe(0)
  })
  afterAll(() => served.close())

  const run = (args: string[], input: string[] = []) => served.run(args, input)
  const sql = (text: string) => run(['--url', url, '--token', token, text])

  test('\\d lists tables, views and sequences of every schema; \\dt, \\dv, \\ds, \\di one kind', async () => {
    expect(await sql('\\d')).toEqual({
      code: 0,
      err: '',
      out: [
        '        List of relations',
        ' Schema |    Name     |   Type   ',
        '--------+-------------+----------',
        ' public | named       | view',
        ' public | owners      | table',
        ' public | pets        | table',
        ' public | pets_id_seq | sequence',
        ' zoo    | keepers     | table',
        '(5 rows)',
        '',
        '',
      ].join('\n'),
    })
    expect((await sql('\\dt')).out).toContain(' zoo    | keepers | table\n(3 rows)')
    expect((await sql('\\dv')).out).toContain(' public | named | view\n(1 row)')
    expect((await sql('\\ds')).out).toContain(' public | pets_id_seq | sequence\n(1 row)')
    expect((await sql('\\di pets*')).out).toContain(' public | pets_by_name | index | pets\n public | pets_pkey    | index | pets\n(2 rows)')
    expect((await sql('\\dt zoo.*')).out).toContain('keepers')
    expect((await sql('\\dt zoo.*')).out).not.toContain('pets')
    expect((await sql('\\dn')).out).toBe(['List of schemas', '  Name  ', '--------', ' public', ' zoo', '(2 rows)', '', ''].join('\n'))
  })

  test('\\d NAME describes a table: columns, indexes, constraints and what references it', async () => {
    const r = await sql('\\d pets')
    expect(r.code).toBe(0)
    expect(r.out).toBe(
      [
        '                      Table "public.pets"',
        ' Column |  Type   | Nullable |             Default              ',
        '--------+---------+----------+----------------------------------',
        " id     | integer | not null | nextval('pets_id_seq'::regclass)",
        " name   | text    | not null | 'rex'::text",
        ' owner  | bigint  |          | ',
        'Indexes:',
        '    "pets_pkey" PRIMARY KEY, btree (id)',
        '    "pets_by_name" btree (name)',
        'Check constraints:',
        '    "pets_name_check" CHECK ((length(name) > 0))',
        'Foreign-key constraints:',
        '    "pets_owner_fkey" FOREIGN KEY (owner) REFERENCES owners(id)',
        '',
      ].join('\n'),
    )
    expect((await sql('\\d owners')).out).toContain('Referenced by:\n    TABLE "pets" CONSTRAINT "pets_owner_fkey" FOREIGN KEY (owner) REFERENCES owners(id)\n')
  })

  test('\\d NAME describes a view with its definition, a sequence and an index', async () => {
    const view = await sql('\\d named')
    expect(view.out).toContain('View "public.named"')
    expect(view.out).toContain(' name   | text |          | \nView definition:\n SELECT name FROM pets\n')
    const seq = await sql('\\d pets_id_seq')
    expect(seq.out).toContain(' integer |     1 |       1 | 2147483647 |         1 | no      |     1\n')
    expect((await sql('\\d pets_pkey')).out).toBe('Index "public.pets_pkey"\n    CREATE UNIQUE INDEX pets_pkey ON public.pets USING btree (id)\n')
  })

  test('nothing found, or an unknown command: a message on stderr and exit 1', async () => {
    expect(await sql('\\d nowhere')).toEqual({ code: 1, out: '', err: 'Did not find any relation named "nowhere".\n' })
    expect(await sql('\\x')).toEqual({ code: 1, out: '', err: 'invalid command \\x\nTry \\? for help.\n' })
    expect((await sql('\\dt nowhere')).out).toBe('Did not find any table relation named "nowhere".\n')
  })

  test('the shell: \\timing prints each statement\'s time, \\conninfo where it is, \\? the list, \\q quits', async () => {
    const r = await run(['--url', url, '--token', token], ['\\timing', 'SELECT 1 AS one;', '\\timing off', 'SELECT 2 AS two;', '\\conninfo', '\\?', '\\q', 'SELECT 3;'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^Timing is on\.\n one \n-----\n   1\n\(1 row\)\n\nTime: \d+\.\d{3} ms\nTiming is off\.\n two \n-----\n   2\n\(1 row\)\n\nYou are connected to Tessera at http:\/\/127\.0\.0\.1:\d+\.\n/)
    expect(r.out).toContain('\\dt [PATTERN]')
    expect(r.out).not.toContain('?column?')
  })
})
