// Goal: the planner picks the cheapest access path PostgreSQL users expect (point get, key range,
// secondary index, full scan) and skips the sort when the key order already gives ORDER BY.
// Method: `explain` on a real transaction over qp-harness, plus results of the same queries.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHarness, type QpHarness } from './qp-harness.ts'
import type { SqlTransaction } from './transaction.ts'

let h: QpHarness
let tx: SqlTransaction
beforeAll(async () => {
  h = createHarness()
  await h.run('CREATE TABLE ev (tenant int, seq int, kind text NOT NULL, at int, note text, PRIMARY KEY (tenant, seq))')
  await h.run('CREATE INDEX ev_kind ON ev (kind)')
  await h.run('CREATE UNIQUE INDEX ev_note ON ev (note)')
  await h.run(`INSERT INTO ev VALUES (1, 1, 'a', 10, 'n1'), (1, 2, 'b', 20, 'n2'), (1, 3, 'a', 30, NULL),
    (2, 1, 'b', 40, 'n4'), (2, 2, 'a', 50, NULL)`)
  await h.run('CREATE TABLE acct (id int PRIMARY KEY, email text, tenant int, closed bool, data jsonb)')
  await h.run('CREATE UNIQUE INDEX acct_email ON acct (lower(email))')
  await h.run('CREATE INDEX acct_open ON acct (tenant) WHERE closed IS FALSE')
  await h.run("CREATE INDEX acct_k ON acct (tenant, (data->>'k'))")
  await h.run(`INSERT INTO acct VALUES (1, 'Ann@x', 1, false, '{"k": "x"}'), (2, 'bob@x', 1, true, '{"k": "y"}'),
    (3, 'Cy@x', 2, false, '{"k": "x"}'), (4, NULL, 2, NULL, '{}'), (5, 'dee@X', 1, false, NULL)`)
  tx = await h.begin()
})
afterAll(async () => {
  await h.close()
})

describe('access paths', () => {
  test.each([
    ['SELECT * FROM ev WHERE tenant = 1 AND seq = 2', ['Point Get on ev using ev_pkey']],
    ['SELECT * FROM ev WHERE seq = 2 AND tenant = $1', ['Point Get on ev using ev_pkey']],
    ['SELECT * FROM ev WHERE tenant = 1', ['Range Scan on ev using ev_pkey']],
    ['SELECT * FROM ev WHERE tenant = 1 AND seq > 1', ['Range Scan on ev using ev_pkey']],
    ['SELECT * FROM ev WHERE tenant >= 2', ['Range Scan on ev using ev_pkey']],
    ["SELECT * FROM ev WHERE kind = 'a'", ['Index Scan on ev using ev_kind']],
    ["SELECT * FROM ev WHERE note = 'n2'", ['Index Scan on ev using ev_note']],
    ['SELECT * FROM ev WHERE seq = 1', ['Table Scan on ev']],
    ['SELECT * FROM ev WHERE at + 0 = 10', ['Table Scan on ev']],
    ['SELECT * FROM ev ORDER BY tenant DESC, seq DESC LIMIT 2', ['Limit', '  -> Reverse Table Scan on ev']],
    ['SELECT * FROM ev ORDER BY at LIMIT 2', ['Limit', '  -> Sort', '    -> Table Scan on ev']],
    ['SELECT * FROM ev ORDER BY kind LIMIT 2', ['Limit', '  -> Index Scan on ev using ev_kind']],
    ['SELECT * FROM ev WHERE tenant = 1 AND seq = 1 FOR UPDATE', ['LockRows', '  -> Point Get on ev using ev_pkey']],
    ['SELECT count(*) FROM ev WHERE tenant = 2', ['Aggregate', '  -> Range Scan on ev using ev_pkey']],
    ['UPDATE ev SET at = 0 WHERE tenant = 1 AND seq = 1', ['Update on ev', '  -> Point Get on ev using ev_pkey']],
    ["DELETE FROM ev WHERE kind = 'b'", ['Delete on ev', '  -> Index Scan on ev using ev_kind']],
  ])('%s', (sql, plan) => {
    expect(tx.explain(sql, sql.includes('$1') ? [1] : [])).toEqual(plan)
  })
})

describe('results through each path', () => {
  const q = async (sql: string) => (await tx.execute(sql)).rows
  test('point, ranges, indexes and ordered scans give the same rows as a scan would', async () => {
    expect(await q('SELECT at FROM ev WHERE tenant = 1 AND seq = 2')).toEqual([[20]])
    expect(await q('SELECT at FROM ev WHERE tenant = 1 AND seq = 9')).toEqual([])
    expect(await q('SELECT at FROM ev WHERE tenant = 1 AND seq >= 2')).toEqual([[20], [30]])
    expect(await q('SELECT at FROM ev WHERE tenant = 1 AND seq > 1 AND seq < 3')).toEqual([[20]])
    expect(await q('SELECT at FROM ev WHERE tenant = 1 AND seq <= 2')).toEqual([[10], [20]])
    expect(await q('SELECT at FROM ev WHERE tenant > 1')).toEqual([[40], [50]])
    expect(await q("SELECT at FROM ev WHERE kind = 'a' ORDER BY at")).toEqual([[10], [30], [50]])
    expect(await q("SELECT at FROM ev WHERE note = 'n4'")).toEqual([[40]])
    expect(await q('SELECT at FROM ev WHERE note IS NULL ORDER BY at')).toEqual([[30], [50]])
    expect(await q('SELECT at FROM ev ORDER BY tenant DESC, seq DESC LIMIT 2')).toEqual([[50], [40]])
    expect(await q('SELECT kind FROM ev ORDER BY kind LIMIT 4')).toEqual([['a'], ['a'], ['a'], ['b']])
    expect(await q('SELECT at FROM ev WHERE tenant = NULL')).toEqual([])
    expect(await q('SELECT at FROM ev WHERE tenant = 1 AND seq = 1 AND at = 99')).toEqual([])
  })
})

// Goal: an expression index serves comparisons of the same expression, a partial index a WHERE
// holding its predicate's conjuncts, and neither anything else (a partial index misses the rows
// outside its predicate). Method: explain, then the rows through each path against the same
// query written so that no index matches it.
describe('expression and partial indexes', () => {
  test.each([
    ["SELECT id FROM acct WHERE lower(email) = 'ann@x'", ['Index Scan on acct using acct_email']],
    ['SELECT id FROM acct WHERE lower(email) = $1', ['Index Scan on acct using acct_email']],
    ["SELECT id FROM acct WHERE 'ann@x' = lower(email)", ['Index Scan on acct using acct_email']],
    ["SELECT id FROM acct WHERE lower(email) > 'b'", ['Index Scan on acct using acct_email']],
    ["SELECT id FROM acct WHERE upper(email) = 'ANN@X'", ['Table Scan on acct']],
    ["SELECT id FROM acct WHERE email = 'ann@x'", ['Table Scan on acct']],
    ["SELECT id FROM acct WHERE lower(email || '') = 'ann@x'", ['Table Scan on acct']],
    ['SELECT id FROM acct WHERE tenant = 1 AND closed IS FALSE', ['Index Scan on acct using acct_open']],
    ['SELECT id FROM acct WHERE closed IS FALSE AND tenant > 1', ['Index Scan on acct using acct_open']],
    ['SELECT id FROM acct WHERE tenant = 1 AND closed IS TRUE', ['Index Scan on acct using acct_k']],
    ['SELECT id FROM acct WHERE tenant = 1 AND NOT closed', ['Index Scan on acct using acct_k']],
    ['SELECT id FROM acct WHERE tenant > 1', ['Index Scan on acct using acct_k']],
    ["SELECT id FROM acct WHERE tenant = 1 AND data->>'k' = 'x'", ['Index Scan on acct using acct_k']],
    ["SELECT id FROM acct WHERE data->>'k' = 'x'", ['Table Scan on acct']],
    ["DELETE FROM acct WHERE lower(email) = 'zed@x'", ['Delete on acct', '  -> Index Scan on acct using acct_email']],
    ['UPDATE acct SET closed = true WHERE tenant = 9 AND closed IS FALSE', ['Update on acct', '  -> Index Scan on acct using acct_open']],
  ])('%s', (sql, plan) => {
    expect(tx.explain(sql, sql.includes('$1') ? ['ann@x'] : [])).toEqual(plan)
  })

  test('rows through the indexes are the rows a scan finds', async () => {
    const ids = async (sql: string) => (await tx.execute(sql)).rows.map((r) => r[0])
    const same = async (indexed: string, scanned: string, expected: number[]) => {
      expect(tx.explain(scanned)).toEqual(['Table Scan on acct'])
      expect(await ids(`${indexed} ORDER BY id`)).toEqual(expected)
      expect(await ids(`${scanned} ORDER BY id`)).toEqual(expected)
    }
    await same("SELECT id FROM acct WHERE lower(email) = 'dee@x'", "SELECT id FROM acct WHERE lower(email || '') = 'dee@x'", [5])
    await same("SELECT id FROM acct WHERE lower(email) >= 'bob@x'", "SELECT id FROM acct WHERE lower(email || '') >= 'bob@x'", [2, 3, 5])
    await same('SELECT id FROM acct WHERE tenant = 1 AND closed IS FALSE', 'SELECT id FROM acct WHERE tenant + 0 = 1 AND closed IS FALSE', [1, 5])
    await same('SELECT id FROM acct WHERE tenant >= 2 AND closed IS FALSE', 'SELECT id FROM acct WHERE tenant + 0 >= 2 AND closed IS FALSE', [3])
    await same('SELECT id FROM acct WHERE tenant = 1 AND closed IS TRUE', 'SELECT id FROM acct WHERE tenant + 0 = 1 AND closed IS TRUE', [2])
    await same("SELECT id FROM acct WHERE tenant = 2 AND data->>'k' IS NULL", "SELECT id FROM acct WHERE tenant + 0 = 2 AND data->>'k' IS NULL", [4])
  })
})
