// Goal: data-modifying statements in WITH through the transaction API: parameters, the plan cache
// (a cached statement runs its items again, once each), atomicity inside an interactive
// transaction, read-only refusal, the transaction's limits across parts, statements that run in
// slices, and EXPLAIN. Method: a real QP from qp-harness, asserting exact rows, counts and codes.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, TickingClock, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(async () => {
  h = createHarness()
  await h.run('CREATE TABLE acct (id int PRIMARY KEY, bal int NOT NULL CHECK (bal >= 0))')
  await h.run('CREATE TABLE ledger (id serial PRIMARY KEY, acct int NOT NULL, amount int NOT NULL)')
  await h.run('INSERT INTO acct VALUES (1, 100), (2, 100)')
})
afterEach(async () => {
  await h.close()
})

/** A transfer as one statement: two debits/credits and a ledger entry each, amounts as $n. */
const TRANSFER = `WITH debit AS (UPDATE acct SET bal = bal - $3 WHERE id = $1 RETURNING id),
  credit AS (UPDATE acct SET bal = bal + $3 WHERE id = $2 RETURNING id)
  INSERT INTO ledger (acct, amount) SELECT id, -$3 FROM debit UNION ALL SELECT id, $3 FROM credit RETURNING acct, amount`

describe('parameters and the plan cache', () => {
  test('a statement run again from the plan cache runs its items again, once each, with its parameters', async () => {
    const first = await h.run(TRANSFER, [1, 2, 30])
    expect([first.command, first.rowCount, first.rows]).toEqual(['INSERT', 2, [[1, -30], [2, 30]]])
    const second = await h.run(TRANSFER, [2, 1, 5])
    expect(second.rows).toEqual([[2, -5], [1, 5]])
    expect(await h.rows('SELECT id, bal FROM acct ORDER BY id')).toEqual([[1, 75], [2, 125]])
    expect(await h.rows('SELECT count(*), sum(amount) FROM ledger')).toEqual([['4', '0']])
  })

  test('an INSERT ... RETURNING read twice inserts once per execution', async () => {
    const sql = 'WITH n AS (INSERT INTO ledger (acct, amount) VALUES ($1, $2) RETURNING id, amount) SELECT id, amount FROM n UNION ALL SELECT id, amount FROM n'
    expect(await h.rows(sql, [1, 7])).toEqual([[1, 7], [1, 7]])
    expect(await h.rows(sql, [2, 8])).toEqual([[2, 8], [2, 8]])
    expect(await h.rows('SELECT id, acct, amount FROM ledger ORDER BY id')).toEqual([[1, 1, 7], [2, 2, 8]])
  })

  test('a parameter typed by an item is typed for the main statement too', async () => {
    const r = await h.run('WITH u AS (UPDATE acct SET bal = $1 WHERE id = 1 RETURNING bal) SELECT bal + $1 FROM u', [5])
    expect(r.rows).toEqual([[10]])
  })
})

describe('atomicity', () => {
  test('in an interactive transaction a failing part undoes the whole statement, and the transaction fails', async () => {
    const tx = await h.begin()
    await tx.execute('UPDATE acct SET bal = 50 WHERE id = 1')
    // The DELETE runs after the main INSERT (nothing reads it); the CHECK fails in the UPDATE item.
    const failing = `WITH d AS (DELETE FROM ledger), u AS (UPDATE acct SET bal = bal - 60 WHERE id = 1 RETURNING id)
      INSERT INTO ledger (acct, amount) SELECT id, -60 FROM u`
    expect((await sqlError(tx.execute(failing))).code).toBe('23514')
    expect(tx.status).toBe('failed')
    expect((await sqlError(tx.commit())).code).toBe('25P02')
    expect(await h.rows('SELECT id, bal FROM acct ORDER BY id')).toEqual([[1, 100], [2, 100]])
    expect(await h.rows('SELECT count(*) FROM ledger')).toEqual([['0']])
  })

  test('a statement after an earlier one of its transaction reads that one\'s writes, not its own', async () => {
    const tx = await h.begin()
    await tx.execute('INSERT INTO acct VALUES (3, 3)')
    const r = await tx.execute('WITH d AS (DELETE FROM acct WHERE id = 3 RETURNING id) SELECT (SELECT count(*) FROM acct), (SELECT count(*) FROM d)')
    expect(r.rows).toEqual([['3', '1']])
    expect((await tx.execute('SELECT count(*) FROM acct')).rows).toEqual([['2']])
    await tx.commit()
  })

  test('a read-only transaction refuses the statement naming its main command (25006), as PostgreSQL', async () => {
    const tx = await h.begin({ readOnly: true })
    const e = await sqlError(tx.execute('WITH a AS (INSERT INTO acct VALUES (9, 9) RETURNING id) SELECT * FROM a'))
    expect([e.code, e.message]).toEqual(['25006', 'cannot execute SELECT in a read-only transaction'])
  })
})

describe('limits across parts', () => {
  test('rows modified per transaction count every part (54000)', async () => {
    const small = createHarness({ limits: { rowsModifiedMax: 3 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY)')
    await small.run('CREATE TABLE u (id int PRIMARY KEY)')
    const e = await sqlError(small.run('WITH a AS (INSERT INTO t VALUES (1), (2) RETURNING id) INSERT INTO u SELECT id FROM a'))
    expect(e.code).toBe('54000')
    expect(await small.rows('SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM u)')).toEqual([['0', '0']])
    await small.run('WITH a AS (INSERT INTO t VALUES (1) RETURNING id) INSERT INTO u SELECT id FROM a')
    expect(await small.rows('SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM u)')).toEqual([['1', '1']])
    await small.close()
  })

  test('bytes written per transaction count every part (54000)', async () => {
    const small = createHarness({ limits: { txBytesMax: 3000 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY, s text)')
    const item = `WITH a AS (INSERT INTO t VALUES (1, repeat('x', 2000)))`
    expect((await sqlError(small.run(`${item} INSERT INTO t VALUES (2, repeat('y', 2000))`))).code).toBe('54000')
    expect(await small.rows('SELECT count(*) FROM t')).toEqual([['0']])
    await small.close()
  })

  test('the main statement\'s result rows are bounded, not an item\'s RETURNING rows (54000)', async () => {
    const small = createHarness({ limits: { resultRowsMax: 2 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY)')
    // Five RETURNING rows under a limit of two result rows.
    expect(await small.rows('WITH a AS (INSERT INTO t SELECT g FROM generate_series(1, 5) g RETURNING id) SELECT count(*) FROM a')).toEqual([['5']])
    expect((await sqlError(small.run('WITH a AS (DELETE FROM t WHERE id <= 2 RETURNING id) SELECT id FROM a UNION ALL SELECT id FROM a'))).code).toBe('54000')
    expect(await small.rows('SELECT count(*) FROM t')).toEqual([['5']])
    await small.close()
  })
})

describe('statements in slices', () => {
  test('items and a main statement that pause between slices run once each, to completion', async () => {
    // Every clock read moves time 1 ms, so the reads of 3,000 rows pause between slices.
    const slow = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    await slow.run('CREATE TABLE inbox (id int PRIMARY KEY, done boolean NOT NULL)')
    await slow.run('CREATE TABLE archive (id int PRIMARY KEY, done boolean NOT NULL)')
    await slow.clock.runUntil(slow.run('INSERT INTO inbox SELECT g, g % 3 = 0 FROM generate_series(1, 3000) g'), 1_000)
    const move = slow.run('WITH moved AS (DELETE FROM inbox WHERE done RETURNING *), kept AS (UPDATE inbox SET done = true WHERE id > 2990 AND NOT done RETURNING id) INSERT INTO archive SELECT * FROM moved')
    let finished = false
    void move.finally(() => (finished = true))
    await new Promise((r) => setImmediate(r))
    expect(finished).toBe(false)
    const r = await slow.clock.runUntil(move, 100_000)
    expect([r.command, r.rowCount]).toEqual(['INSERT', 1000])
    expect(await slow.clock.runUntil(slow.rows('SELECT (SELECT count(*) FROM inbox), (SELECT count(*) FROM inbox WHERE done), (SELECT count(*) FROM archive)'), 100_000)).toEqual([['2000', '6', '1000']])
    await slow.close()
  })
})

describe('EXPLAIN', () => {
  test('shows the main statement with each item under it', async () => {
    const r = await h.run('EXPLAIN WITH d AS (DELETE FROM acct WHERE id = 1 RETURNING id) SELECT * FROM d')
    expect(r.rows).toEqual([['CTE Scan on d'], ['  CTE d'], ['    -> Delete on acct'], ['        -> Point Get on acct using acct_pkey']])
    expect(await h.rows('SELECT count(*) FROM acct')).toEqual([['2']])
  })
})
