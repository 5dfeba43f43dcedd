// Goal: every SQL feature of the query processor gives PostgreSQL's results, types and SQLSTATEs.
// Method: statements through a real QP over real storage, adjudicators and journal (qp-harness),
// each test on a fresh region, exact rows and codes compared.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(async () => {
  await h.close()
})

const setup = async (...statements: string[]) => {
  for (const s of statements) await h.run(s)
}

describe('CREATE TABLE and types', () => {
  test('columns keep their types and defaults; SELECT * hides the row id', async () => {
    await setup(
      `CREATE TABLE t (a int2, b int4, c int8, d numeric(6,2), e float8, f text, g varchar(3), h bool,
        i date, j timestamp, k timestamptz, l uuid, m jsonb, n bytea, o integer DEFAULT 7, p text DEFAULT 'x' || 'y')`,
    )
    await h.run(`INSERT INTO t (a,b,c,d,e,f,g,h,i,j,k,l,m,n) VALUES (1, 2, 3, 4.567, 1.5, 'txt', 'abc', true,
      '2024-01-02', '2024-01-02 03:04:05', '2024-01-02 03:04:05+00', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      '{"x": [1, null]}', '\\x0a0b')`)
    const r = await h.run('SELECT * FROM t')
    expect(r.fields.map((f) => f.type)).toEqual([
      'int2', 'int4', 'int8', 'numeric', 'float8', 'text', 'varchar', 'bool', 'date', 'timestamp', 'timestamptz',
      'uuid', 'jsonb', 'bytea', 'int4', 'text',
    ])
    expect(r.rows).toEqual([
      [1, 2, '3', '4.57', 1.5, 'txt', 'abc', true, '2024-01-02', '2024-01-02 03:04:05', '2024-01-02 03:04:05+00',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', { x: [1, null] }, '\\x0a0b', 7, 'xy'],
    ])
  })

  test('CREATE TABLE twice is 42P07 unless IF NOT EXISTS', async () => {
    await setup('CREATE TABLE t (id int PRIMARY KEY)')
    expect((await sqlError(h.run('CREATE TABLE t (id int)'))).code).toBe('42P07')
    expect((await h.run('CREATE TABLE IF NOT EXISTS t (id int)')).command).toBe('CREATE TABLE')
  })

  test('bad definitions: unknown type, duplicate column, two primary keys, foreign key', async () => {
    expect((await sqlError(h.run('CREATE TABLE t (a nosuchtype)'))).code).toBe('42704')
    expect((await sqlError(h.run('CREATE TABLE t (a int, a int)'))).code).toBe('42701')
    expect((await sqlError(h.run('CREATE TABLE t (a int PRIMARY KEY, b int PRIMARY KEY)'))).code).toBe('42P16')
    expect((await sqlError(h.run('CREATE TABLE t (a int REFERENCES u (id))'))).code).toBe('42P01')
    expect((await sqlError(h.run("CREATE TABLE t (a int CHECK (a || 'x'))"))).code).toBe('42804')
    expect((await sqlError(h.run("CREATE TABLE t (a int DEFAULT 'abc')"))).code).toBe('22P02')
  })

  test('DROP TABLE removes the definition; IF EXISTS tolerates absence', async () => {
    await setup('CREATE TABLE t (id int PRIMARY KEY)', 'INSERT INTO t VALUES (1)')
    expect((await h.run('DROP TABLE t')).command).toBe('DROP TABLE')
    expect((await sqlError(h.run('SELECT * FROM t'))).code).toBe('42P01')
    expect((await sqlError(h.run('DROP TABLE t'))).code).toBe('42P01')
    await h.run('DROP TABLE IF EXISTS t')
    await setup('CREATE TABLE t (id int PRIMARY KEY)')
    expect(await h.rows('SELECT * FROM t')).toEqual([])
  })
})

describe('constraints', () => {
  beforeEach(async () => {
    await setup(
      `CREATE TABLE acct (id int PRIMARY KEY, email text UNIQUE, owner text NOT NULL,
        balance int CHECK (balance >= 0), CONSTRAINT small CHECK (balance < 1000))`,
    )
  })

  test('unique violations name the constraint and the key (23505)', async () => {
    await h.run("INSERT INTO acct VALUES (1, 'a@x', 'ada', 10)")
    const pk = await sqlError(h.run("INSERT INTO acct VALUES (1, 'b@x', 'bob', 10)"))
    expect([pk.code, pk.message, pk.detail]).toEqual([
      '23505', 'duplicate key value violates unique constraint "acct_pkey"', 'Key (id)=(1) already exists.',
    ])
    const uq = await sqlError(h.run("INSERT INTO acct VALUES (2, 'a@x', 'bob', 10)"))
    expect([uq.code, uq.message, uq.detail]).toEqual([
      '23505', 'duplicate key value violates unique constraint "acct_email_key"', 'Key (email)=(a@x) already exists.',
    ])
    await h.run("INSERT INTO acct VALUES (3, NULL, 'c', 1), (4, NULL, 'd', 1)")
    expect(await h.rows('SELECT count(*) FROM acct')).toEqual([['3']])
  })

  test('NOT NULL (23502) and CHECK (23514) with PostgreSQL names', async () => {
    const nn = await sqlError(h.run("INSERT INTO acct (id, email) VALUES (1, 'a')"))
    expect([nn.code, nn.message]).toEqual([
      '23502', 'null value in column "owner" of relation "acct" violates not-null constraint',
    ])
    expect(nn.detail).toBe('Failing row contains (1, a, null, null).')
    const ck = await sqlError(h.run("INSERT INTO acct VALUES (1, 'a', 'o', -1)"))
    expect([ck.code, ck.message]).toEqual(['23514', 'new row for relation "acct" violates check constraint "acct_balance_check"'])
    const named = await sqlError(h.run("INSERT INTO acct VALUES (1, 'a', 'o', 5000)"))
    expect(named.message).toContain('"small"')
    await h.run("INSERT INTO acct VALUES (1, 'a', 'o', NULL)")
    const upd = await sqlError(h.run('UPDATE acct SET balance = -5 WHERE id = 1'))
    expect(upd.code).toBe('23514')
    expect((await sqlError(h.run('UPDATE acct SET owner = NULL'))).code).toBe('23502')
  })

  test('composite primary key and table UNIQUE constraint', async () => {
    await setup('CREATE TABLE m (a int, b text, c int, PRIMARY KEY (a, b), UNIQUE (b, c))')
    await h.run("INSERT INTO m VALUES (1, 'x', 1), (1, 'y', 1), (2, 'x', 2)")
    const e = await sqlError(h.run("INSERT INTO m VALUES (1, 'x', 9)"))
    expect([e.message, e.detail]).toEqual(['duplicate key value violates unique constraint "m_pkey"', 'Key (a, b)=(1, x) already exists.'])
    const u = await sqlError(h.run("INSERT INTO m VALUES (3, 'x', 1)"))
    expect(u.message).toBe('duplicate key value violates unique constraint "m_b_c_key"')
    expect(await h.rows('SELECT a, b FROM m ORDER BY a, b')).toEqual([[1, 'x'], [1, 'y'], [2, 'x']])
  })
})

describe('INSERT', () => {
  beforeEach(async () => {
    await setup("CREATE TABLE t (id int PRIMARY KEY, name text DEFAULT 'none', n int)")
  })

  test('column lists, DEFAULT, multi-row VALUES and rowCount', async () => {
    const r = await h.run("INSERT INTO t (n, id) VALUES (5, 1), (6, 2), (DEFAULT, 3)")
    expect([r.command, r.rowCount]).toEqual(['INSERT', 3])
    await h.run("INSERT INTO t VALUES (4, DEFAULT, 1)")
    expect(await h.rows('SELECT * FROM t ORDER BY id')).toEqual([
      [1, 'none', 5], [2, 'none', 6], [3, 'none', null], [4, 'none', 1],
    ])
  })

  test('arity and unknown columns', async () => {
    expect((await sqlError(h.run('INSERT INTO t (id) VALUES (1, 2)'))).code).toBe('42601')
    expect((await sqlError(h.run('INSERT INTO t (id, n) VALUES (1)'))).code).toBe('42601')
    expect((await sqlError(h.run('INSERT INTO t (nope) VALUES (1)'))).code).toBe('42703')
    expect((await sqlError(h.run("INSERT INTO t (id) VALUES ('x')"))).code).toBe('22P02')
    expect((await sqlError(h.run('INSERT INTO t (id) VALUES (true)'))).code).toBe('42804')
    expect((await sqlError(h.run('INSERT INTO t (id) VALUES (3000000000)'))).code).toBe('22003')
  })

  test('INSERT ... SELECT and RETURNING', async () => {
    await h.run('INSERT INTO t (id, n) VALUES (1, 10), (2, 20)')
    const r = await h.run('INSERT INTO t (id, n) SELECT id + 10, n * 2 FROM t RETURNING id, n + 1 AS m')
    expect(r.fields).toEqual([{ name: 'id', type: 'int4' }, { name: 'm', type: 'int4' }])
    expect(r.rows).toEqual([[11, 21], [12, 41]])
  })

  test('ON CONFLICT DO NOTHING, with and without a target', async () => {
    await h.run("INSERT INTO t VALUES (1, 'a', 1)")
    const r = await h.run("INSERT INTO t VALUES (1, 'b', 2), (2, 'c', 3) ON CONFLICT (id) DO NOTHING RETURNING id")
    expect([r.rowCount, r.rows]).toEqual([1, [[2]]])
    expect((await h.run("INSERT INTO t VALUES (2, 'z', 0) ON CONFLICT DO NOTHING")).rowCount).toBe(0)
    expect((await sqlError(h.run('INSERT INTO t VALUES (9) ON CONFLICT (n) DO NOTHING'))).code).toBe('42P10')
  })

  test('ON CONFLICT DO UPDATE with EXCLUDED and WHERE', async () => {
    await h.run("INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2)")
    const r = await h.run(
      "INSERT INTO t VALUES (1, 'x', 10), (2, 'y', 20), (3, 'z', 30) ON CONFLICT (id) DO UPDATE SET n = t.n + EXCLUDED.n, name = EXCLUDED.name WHERE t.id <> 2 RETURNING *",
    )
    expect(r.rows).toEqual([[1, 'x', 11], [3, 'z', 30]])
    expect(await h.rows('SELECT * FROM t ORDER BY id')).toEqual([[1, 'x', 11], [2, 'b', 2], [3, 'z', 30]])
    const twice = await sqlError(h.run('INSERT INTO t VALUES (5, null, 1), (5, null, 2) ON CONFLICT (id) DO UPDATE SET n = 0'))
    expect(twice.code).toBe('21000')
  })

  test('a table without a primary key gets hidden random row ids', async () => {
    await setup('CREATE TABLE log (msg text)')
    await h.run("INSERT INTO log VALUES ('a'), ('a'), ('b')")
    const r = await h.run('SELECT * FROM log ORDER BY msg')
    expect(r.fields).toEqual([{ name: 'msg', type: 'text' }])
    expect(r.rows).toEqual([['a'], ['a'], ['b']])
    expect((await sqlError(h.run('SELECT rowid FROM log'))).code).toBe('42703')
  })
})

describe('UPDATE and DELETE', () => {
  beforeEach(async () => {
    await setup('CREATE TABLE t (id int PRIMARY KEY, v text UNIQUE, n int)', "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")
  })

  test('UPDATE SET ... WHERE ... RETURNING, rowCount', async () => {
    const r = await h.run('UPDATE t SET n = n * 10 WHERE id >= 2 RETURNING id, n')
    expect([r.command, r.rowCount, r.rows]).toEqual(['UPDATE', 2, [[2, 20], [3, 30]]])
    expect((await h.run('UPDATE t SET n = 0 WHERE id = 99')).rowCount).toBe(0)
  })

  test('updating the primary key moves the row; indexes follow', async () => {
    await h.run('UPDATE t SET id = 10 WHERE id = 1')
    expect(await h.rows('SELECT id, v FROM t ORDER BY id')).toEqual([[2, 'b'], [3, 'c'], [10, 'a']])
    expect(await h.rows("SELECT id FROM t WHERE v = 'a'")).toEqual([[10]])
    expect((await sqlError(h.run('UPDATE t SET id = 2 WHERE id = 3'))).code).toBe('23505')
    await h.run("UPDATE t SET v = 'z' WHERE id = 2")
    expect(await h.rows("SELECT id FROM t WHERE v = 'b'")).toEqual([])
    expect(await h.rows("SELECT id FROM t WHERE v = 'z'")).toEqual([[2]])
  })

  test('DELETE ... WHERE ... RETURNING', async () => {
    const r = await h.run('DELETE FROM t WHERE n < 3 RETURNING *')
    expect([r.command, r.rowCount, r.rows]).toEqual(['DELETE', 2, [[1, 'a', 1], [2, 'b', 2]]])
    expect(await h.rows('SELECT id FROM t')).toEqual([[3]])
    await h.run("INSERT INTO t VALUES (1, 'a', 1)")
    expect((await h.run('DELETE FROM t')).rowCount).toBe(2)
  })
})

describe('SELECT', () => {
  beforeEach(async () => {
    await setup(
      'CREATE TABLE p (id int PRIMARY KEY, name text, dept text, salary int, bonus numeric(8,2))',
      `INSERT INTO p VALUES (1, 'ada', 'eng', 100, 1.5), (2, 'bob', 'eng', 80, NULL), (3, 'cy', 'ops', 90, 2),
        (4, 'di', NULL, 70, NULL), (5, 'Eve', 'ops', NULL, 3.25)`,
    )
  })

  test('unnamed subqueries, arrays and GREATEST/LEAST are named as PostgreSQL names them', async () => {
    const r = await h.run(
      'SELECT (SELECT max(salary) FROM p), (SELECT name AS who FROM p LIMIT 1), (SELECT 1 UNION SELECT 2 LIMIT 1), EXISTS (SELECT 1), ARRAY(SELECT 1), ARRAY[1], greatest(1, 2), least(1, 2)',
    )
    expect(r.fields.map((f) => f.name)).toEqual(['max', 'who', '?column?', 'exists', 'array', 'array', 'greatest', 'least'])
  })

  test('expressions, aliases, *, t.* and alias references', async () => {
    const r = await h.run('SELECT x.*, salary * 2 AS double, x.name || \'!\' FROM p AS x WHERE id = 1')
    expect(r.fields.map((f) => f.name)).toEqual(['id', 'name', 'dept', 'salary', 'bonus', 'double', '?column?'])
    expect(r.rows).toEqual([[1, 'ada', 'eng', 100, '1.50', 200, 'ada!']])
    expect((await sqlError(h.run('SELECT p.id FROM p AS x'))).code).toBe('42P01')
    expect((await sqlError(h.run('SELECT nope FROM p'))).code).toBe('42703')
  })

  test('ORDER BY expressions, aliases, ordinals, directions and NULLS placement', async () => {
    expect(await h.rows('SELECT id FROM p ORDER BY salary')).toEqual([[4], [2], [3], [1], [5]])
    expect(await h.rows('SELECT id FROM p ORDER BY salary DESC')).toEqual([[5], [1], [3], [2], [4]])
    expect(await h.rows('SELECT id FROM p ORDER BY salary NULLS FIRST')).toEqual([[5], [4], [2], [3], [1]])
    expect(await h.rows('SELECT id, -salary AS s FROM p ORDER BY s DESC NULLS LAST')).toEqual([[4, -70], [2, -80], [3, -90], [1, -100], [5, null]])
    expect(await h.rows('SELECT name, id FROM p ORDER BY 2 DESC LIMIT 2')).toEqual([['Eve', 5], ['di', 4]])
    expect(await h.rows("SELECT id FROM p ORDER BY dept, id DESC")).toEqual([[2], [1], [5], [3], [4]])
    expect((await sqlError(h.run('SELECT id FROM p ORDER BY 3'))).code).toBe('42P10')
  })

  test('LIMIT and OFFSET, with parameters', async () => {
    expect(await h.rows('SELECT id FROM p ORDER BY id LIMIT $1 OFFSET $2', [2, 1])).toEqual([[2], [3]])
    expect(await h.rows('SELECT id FROM p ORDER BY id OFFSET 4')).toEqual([[5]])
    expect(await h.rows('SELECT id FROM p LIMIT 0')).toEqual([])
    expect((await sqlError(h.run('SELECT id FROM p LIMIT -1'))).code).toBe('2201W')
  })

  test('aggregates with PostgreSQL result types, GROUP BY and HAVING', async () => {
    const r = await h.run('SELECT count(*), count(salary), sum(salary), avg(salary), min(name), max(bonus), sum(bonus) FROM p')
    expect(r.fields.map((f) => f.type)).toEqual(['int8', 'int8', 'int8', 'numeric', 'text', 'numeric', 'numeric'])
    expect(r.rows).toEqual([['5', '4', '340', '85.0000000000000000', 'Eve', '3.25', '6.75']])
    expect(await h.rows('SELECT dept, count(*) AS c FROM p GROUP BY dept HAVING count(*) > 1 ORDER BY dept')).toEqual([
      ['eng', '2'], ['ops', '2'],
    ])
    expect(await h.rows('SELECT dept, sum(salary) FROM p GROUP BY 1 ORDER BY 2 DESC NULLS LAST')).toEqual([
      ['eng', '180'], ['ops', '90'], [null, '70'],
    ])
    expect(await h.rows('SELECT count(*) FROM p WHERE id > 100')).toEqual([['0']])
    expect(await h.rows('SELECT sum(salary) FROM p WHERE id > 100')).toEqual([[null]])
    expect(await h.rows('SELECT count(DISTINCT dept) FROM p')).toEqual([['2']])
    const grouping = await sqlError(h.run('SELECT name, count(*) FROM p GROUP BY dept'))
    expect([grouping.code, grouping.message]).toEqual([
      '42803', 'column "p.name" must appear in the GROUP BY clause or be used in an aggregate function',
    ])
    expect((await sqlError(h.run('SELECT id FROM p WHERE count(*) > 1'))).code).toBe('42803')
  })

  test('sum(int8) is numeric and avg of a float is float8', async () => {
    await setup('CREATE TABLE w (a int8, f float8)', 'INSERT INTO w VALUES (9223372036854775807, 1), (1, 2)')
    const r = await h.run('SELECT sum(a), avg(f) FROM w')
    expect(r.fields.map((f) => f.type)).toEqual(['numeric', 'float8'])
    expect(r.rows).toEqual([['9223372036854775808', 1.5]])
  })

  test('DISTINCT', async () => {
    expect(await h.rows('SELECT DISTINCT dept FROM p ORDER BY dept')).toEqual([['eng'], ['ops'], [null]])
    expect((await sqlError(h.run('SELECT DISTINCT dept FROM p ORDER BY id'))).code).toBe('42P10')
  })

  test('operators and predicates with three-valued logic', async () => {
    const q = async (where: string) => (await h.rows(`SELECT id FROM p WHERE ${where} ORDER BY id`)).map((r) => r[0])
    expect(await q('salary IN (70, 90, NULL)')).toEqual([3, 4])
    expect(await q('salary NOT IN (70, 90)')).toEqual([1, 2])
    expect(await q('salary NOT IN (70, NULL)')).toEqual([])
    expect(await q('salary BETWEEN 80 AND 95')).toEqual([2, 3])
    expect(await q('salary NOT BETWEEN 80 AND 95')).toEqual([1, 4])
    expect(await q("name LIKE '_d%'")).toEqual([1])
    expect(await q("name ILIKE 'e%'")).toEqual([5])
    expect(await q("name NOT LIKE '%o%'")).toEqual([1, 3, 4, 5])
    expect(await q('dept IS NULL OR bonus IS NOT NULL')).toEqual([1, 3, 4, 5])
    expect(await q('NOT (salary > 80)')).toEqual([2, 4])
    expect(await q('(salary > 80) IS NOT TRUE')).toEqual([2, 4, 5])
    expect(await q('(salary > 80) IS UNKNOWN')).toEqual([5])
    expect(await q('(salary > 80) IS FALSE')).toEqual([2, 4])
  })

  test('CASE, COALESCE, NULLIF, casts and functions', async () => {
    const r = await h.run(
      `SELECT CASE WHEN salary >= 90 THEN 'high' WHEN salary IS NULL THEN 'none' ELSE 'low' END,
        CASE dept WHEN 'eng' THEN 1 END, coalesce(bonus, 0), nullif(dept, 'ops'), salary::text, CAST(id AS float8) / 4,
        upper(name), lower(name), length(name), abs(-salary) FROM p ORDER BY id`,
    )
    expect(r.fields.map((f) => [f.name, f.type])).toEqual([
      ['case', 'text'], ['case', 'int4'], ['coalesce', 'numeric'], ['nullif', 'text'], ['salary', 'text'],
      ['?column?', 'float8'], ['upper', 'text'], ['lower', 'text'], ['length', 'int4'], ['abs', 'int4'],
    ])
    expect(r.rows[0]).toEqual(['high', 1, '1.50', 'eng', '100', 0.25, 'ADA', 'ada', 3, 100])
    expect(r.rows[4]).toEqual(['none', null, '3.25', null, null, 1.25, 'EVE', 'eve', 3, null])
    expect((await sqlError(h.run('SELECT nosuch(1)'))).code).toBe('42883')
    expect((await sqlError(h.run("SELECT 1 + 'a'"))).code).toBe('22P02')
    expect((await sqlError(h.run('SELECT 1 / 0'))).code).toBe('22012')
    expect((await sqlError(h.run('SELECT true + 1'))).code).toBe('42883')
  })

  test('SELECT without FROM, parameters typed by context, now() and gen_random_uuid()', async () => {
    const r = await h.run('SELECT 1 + 1 AS two, $1 AS p, $2::int8 + 1, now() IS NOT NULL, length(gen_random_uuid()::text)', ['x', '41'])
    expect(r.fields).toEqual([
      { name: 'two', type: 'int4' }, { name: 'p', type: 'text' }, { name: '?column?', type: 'int8' },
      { name: '?column?', type: 'bool' }, { name: 'length', type: 'int4' },
    ])
    expect(r.rows).toEqual([[2, 'x', '42', true, 36]])
    expect(await h.rows('SELECT name FROM p WHERE id = $1', ['3'])).toEqual([['cy']])
    expect(await h.rows('SELECT name FROM p WHERE salary > $1 AND dept = $2 ORDER BY id', [85, 'eng'])).toEqual([['ada']])
    expect((await sqlError(h.run('SELECT name FROM p WHERE id = $1', ['x']))).code).toBe('22P02')
    expect((await sqlError(h.run('SELECT $1', []))).code).toBe('08P01')
  })

  test('syntax errors carry 1-based positions; unsupported features are 0A000', async () => {
    const e = await sqlError(h.run('SELECT * FRM p'))
    expect([e.code, e.position]).toEqual(['42601', 10])
    expect((await sqlError(h.run('SELECT 1; SELECT 2'))).code).toBe('42601')
    for (const sql of [
      'SELECT * FROM (WITH x AS (INSERT INTO p VALUES (9) RETURNING id) SELECT * FROM x) y',
      'SELECT (SELECT 1) FROM p FOR UPDATE SKIP LOCKED',
      'BEGIN',
      'WITH x AS (MERGE INTO p USING (SELECT 1 AS id) s ON p.id = s.id WHEN MATCHED THEN DELETE RETURNING p.id) SELECT * FROM x',
    ]) {
      expect([sql, (await sqlError(h.run(sql))).code]).toEqual([sql, '0A000'])
    }
  })

  test('EXPLAIN returns the plan as QUERY PLAN rows', async () => {
    const r = await h.run('EXPLAIN SELECT * FROM p WHERE id = 1')
    expect(r.fields).toEqual([{ name: 'QUERY PLAN', type: 'text' }])
    expect(r.rows).toEqual([['Point Get on p using p_pkey']])
  })
})

describe('indexes', () => {
  test('CREATE INDEX backfills in the same transaction and serves lookups; DROP INDEX', async () => {
    await setup('CREATE TABLE t (id int PRIMARY KEY, v int)', 'INSERT INTO t VALUES (1, 10), (2, 20), (3, 10)')
    const tx = await h.begin()
    expect((await tx.execute('CREATE INDEX ON t (v)')).command).toBe('CREATE INDEX')
    expect(tx.explain('SELECT id FROM t WHERE v = 10')).toEqual(['Index Scan on t using t_v_idx'])
    expect((await tx.execute('SELECT id FROM t WHERE v = 10 ORDER BY id')).rows).toEqual([[1], [3]])
    await tx.commit()
    expect(await h.rows('SELECT id FROM t WHERE v = 20')).toEqual([[2]])
    await h.run('CREATE INDEX IF NOT EXISTS t_v_idx ON t (v)')
    expect((await sqlError(h.run('CREATE INDEX t_v_idx ON t (v)'))).code).toBe('42P07')
    expect((await h.run('DROP INDEX t_v_idx')).command).toBe('DROP INDEX')
    expect((await sqlError(h.run('DROP INDEX t_v_idx'))).code).toBe('42704')
    await h.run('DROP INDEX IF EXISTS t_v_idx')
    expect((await sqlError(h.run('DROP INDEX t_pkey'))).code).toBe('2BP01')
  })

  test('CREATE UNIQUE INDEX refuses duplicates and then enforces uniqueness', async () => {
    await setup('CREATE TABLE t (id int PRIMARY KEY, v int)', 'INSERT INTO t VALUES (1, 10), (2, 10)')
    const dup = await sqlError(h.run('CREATE UNIQUE INDEX tv ON t (v)'))
    expect([dup.code, dup.message, dup.detail]).toEqual(['23505', 'could not create unique index "tv"', 'Key (v)=(10) is duplicated.'])
    await h.run('UPDATE t SET v = 20 WHERE id = 2')
    await h.run('CREATE UNIQUE INDEX tv ON t (v)')
    const e = await sqlError(h.run('INSERT INTO t VALUES (3, 20)'))
    expect([e.code, e.message]).toEqual(['23505', 'duplicate key value violates unique constraint "tv"'])
    await h.run('INSERT INTO t VALUES (3, 30) ON CONFLICT (v) DO NOTHING')
    expect(await h.rows('SELECT id FROM t WHERE v = 30')).toEqual([[3]])
  })
})

describe('plan cache', () => {
  test('a cached plan is rebound when a table it used changed definition', async () => {
    await setup('CREATE TABLE t (id int PRIMARY KEY, v int)', 'INSERT INTO t VALUES (1, 10)')
    expect((await h.run('SELECT * FROM t WHERE v = $1', [10])).fields.map((f) => f.name)).toEqual(['id', 'v'])
    expect(await h.rows('SELECT * FROM t WHERE v = $1', [10])).toEqual([[1, 10]])
    await setup('DROP TABLE t', 'CREATE TABLE t (id int PRIMARY KEY, w text, v int)', "INSERT INTO t VALUES (2, 'x', 10)")
    const r = await h.run('SELECT * FROM t WHERE v = $1', [10])
    expect([r.fields.map((f) => f.name), r.rows]).toEqual([['id', 'w', 'v'], [[2, 'x', 10]]])
    const tx = await h.begin()
    await tx.execute('DROP TABLE t')
    expect((await sqlError(tx.execute('SELECT * FROM t WHERE v = $1', [10]))).code).toBe('42P01')
  })
})

describe('ALTER TABLE ADD COLUMN with a default', () => {
  // Goal: a constant default is recorded, not written into every row (PostgreSQL's fast default),
  // so it works beyond the modified-rows limit; a volatile one still rewrites (and is bounded).
  test('a constant default reads on old rows without a rewrite; a volatile one rewrites', async () => {
    const small = createHarness({ limits: { rowsModifiedMax: 50 } })
    try {
      await small.run('CREATE TABLE t (id int PRIMARY KEY)')
      for (let i = 0; i < 3; i++) await small.run(`INSERT INTO t SELECT g FROM generate_series(${i * 40 + 1}, ${i * 40 + 40}) g`)
      await small.run("ALTER TABLE t ADD COLUMN status text NOT NULL DEFAULT 'new'")
      await small.run("UPDATE t SET status = 'old' WHERE id = 1")
      await small.run("ALTER TABLE t ALTER COLUMN status SET DEFAULT 'later'")
      await small.run('INSERT INTO t (id) VALUES (500)')
      expect(await small.rows('SELECT status, count(*) FROM t GROUP BY status ORDER BY 1')).toEqual([
        ['later', '1'],
        ['new', '119'],
        ['old', '1'],
      ])
      expect((await sqlError(small.run('ALTER TABLE t ADD COLUMN n int DEFAULT 7 CHECK (n > 10)'))).code).toBe('23514')
      expect((await sqlError(small.run('ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()'))).code).toBe('54000')
    } finally {
      await small.close()
    }
  })
})
