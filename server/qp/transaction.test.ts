// Goal: transactions give snapshot isolation, first-committer-wins conflicts (OC000 data, OC001
// schema), FOR UPDATE locking, atomic statements, read-only enforcement and every limit's SQLSTATE.
// Method: interleaved transactions on one region built by qp-harness (real storage, adjudicators,
// file journal), asserting exact results and codes.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { SORT_CHUNK_ROWS } from './constants.ts'
import { createHarness, sqlError, TickingClock, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(async () => {
  h = createHarness()
  await h.run('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL)')
  await h.run('INSERT INTO acct VALUES (1, 100), (2, 100)')
})
afterEach(async () => {
  await h.close()
})

describe('snapshot isolation', () => {
  test('reads repeat while another transaction commits; a later transaction sees the commit', async () => {
    const reader = await h.begin()
    expect((await reader.execute('SELECT balance FROM acct WHERE id = 1')).rows).toEqual([[100]])
    await h.run('UPDATE acct SET balance = 50 WHERE id = 1')
    await h.run('INSERT INTO acct VALUES (3, 7)')
    expect((await reader.execute('SELECT balance FROM acct WHERE id = 1')).rows).toEqual([[100]])
    expect((await reader.execute('SELECT count(*) FROM acct')).rows).toEqual([['2']])
    await reader.commit()
    expect(await h.rows('SELECT id, balance FROM acct ORDER BY id')).toEqual([[1, 50], [2, 100], [3, 7]])
  })

  test('a transaction reads its own writes, merged over the snapshot in key order', async () => {
    const tx = await h.begin()
    await tx.execute('INSERT INTO acct VALUES (0, 1), (5, 5)')
    await tx.execute('DELETE FROM acct WHERE id = 2')
    await tx.execute('UPDATE acct SET balance = 99 WHERE id = 1')
    expect((await tx.execute('SELECT * FROM acct ORDER BY id')).rows).toEqual([[0, 1], [1, 99], [5, 5]])
    expect((await tx.execute('SELECT id FROM acct ORDER BY id DESC')).rows).toEqual([[5], [1], [0]])
    expect(await h.rows('SELECT count(*) FROM acct')).toEqual([['2']])
    await tx.commit()
    expect(await h.rows('SELECT count(*) FROM acct')).toEqual([['3']])
  })

  test('rollback drops the writes; later use of the transaction is refused', async () => {
    const tx = await h.begin()
    await tx.execute('DELETE FROM acct')
    tx.rollback()
    tx.rollback()
    expect(tx.status).toBe('aborted')
    expect(await h.rows('SELECT count(*) FROM acct')).toEqual([['2']])
    expect((await sqlError(tx.execute('SELECT 1'))).code).toBe('25000')
  })
})

describe('transaction age', () => {
  test('a transaction older than txAgeMsMax may no longer read (72000); a new one may', async () => {
    const aged = createHarness({ limits: { txAgeMsMax: 1_000 } })
    try {
      await aged.run('CREATE TABLE t (id int PRIMARY KEY)')
      const tx = await aged.begin({ readOnly: true })
      expect((await tx.execute('SELECT count(*) FROM t')).rows).toEqual([['0']])
      aged.clock.advance(999)
      expect((await tx.execute('SELECT count(*) FROM t')).rows).toEqual([['0']])
      aged.clock.advance(2)
      const error = await sqlError(tx.execute('SELECT count(*) FROM t'))
      expect([error.code, error.message]).toEqual(['72000', 'snapshot too old'])
      tx.rollback()
      expect(await aged.rows('SELECT count(*) FROM t')).toEqual([['0']])
      // A writer past the age is refused at commit too, and rolled back.
      const writer = await aged.begin()
      await writer.execute('INSERT INTO t VALUES (1)')
      aged.clock.advance(1_001)
      expect((await sqlError(writer.commit())).code).toBe('72000')
      expect(writer.status).toBe('aborted')
      expect(await aged.rows('SELECT count(*) FROM t')).toEqual([['0']])
    } finally {
      await aged.close()
    }
  })
})

describe('conflicts', () => {
  test('write-write: the later committer gets 40001 OC000', async () => {
    const a = await h.begin()
    const b = await h.begin()
    await a.execute('UPDATE acct SET balance = balance - 10 WHERE id = 1')
    await b.execute('UPDATE acct SET balance = balance - 20 WHERE id = 1')
    await a.commit()
    const e = await sqlError(b.commit())
    expect([e.code, e.message]).toEqual(['40001', 'change conflicts with another transaction, please retry: (OC000)'])
    expect(b.status).toBe('aborted')
    expect(await h.rows('SELECT balance FROM acct WHERE id = 1')).toEqual([[90]])
  })

  test('a transaction begun after a 40001 sees the commit it lost to, though that one is still on its way to disk', async () => {
    const a = await h.begin()
    const b = await h.begin()
    await a.execute('UPDATE acct SET balance = balance - 10 WHERE id = 1')
    await b.execute('UPDATE acct SET balance = balance - 20 WHERE id = 1')
    // a's commit is recorded by the adjudicator at once and then waits for its journal; b loses
    // to it meanwhile, and its retry begins before a is acknowledged.
    let aDone = false
    const committing = a.commit().then(() => (aDone = true))
    const e = await sqlError(b.commit())
    expect(e.code).toBe('40001')
    expect(aDone).toBe(false)
    const retry = await h.begin()
    expect((await retry.execute('SELECT balance FROM acct WHERE id = 1')).rows).toEqual([[90]])
    await retry.execute('UPDATE acct SET balance = balance - 20 WHERE id = 1')
    await retry.commit()
    await committing
    expect(await h.rows('SELECT balance FROM acct WHERE id = 1')).toEqual([[70]])
  })

  test('a schema change after the snapshot aborts a transaction that used the table (OC001)', async () => {
    const a = await h.begin()
    await a.execute('INSERT INTO acct VALUES (3, 1)')
    await h.run('CREATE INDEX ON acct (balance)')
    const e = await sqlError(a.commit())
    expect([e.code, e.message]).toEqual(['40001', 'change conflicts with another transaction, please retry: (OC001)'])
  })

  test('concurrent CREATE TABLE of one name: one wins, the other gets OC001', async () => {
    const a = await h.begin()
    const b = await h.begin()
    await a.execute('CREATE TABLE x (id int PRIMARY KEY)')
    await b.execute('CREATE TABLE x (v text)')
    await a.commit()
    expect((await sqlError(b.commit())).message).toContain('OC001')
  })

  /** Two transactions check the pair of balances through `select`, then each withdraws 100 from
   * its own row: the second commit's outcome. */
  const writeSkew = async (select: string): Promise<string> => {
    await h.run('UPDATE acct SET balance = 100')
    const a = await h.begin()
    const b = await h.begin()
    for (const tx of [a, b]) await tx.execute(select)
    await a.execute('UPDATE acct SET balance = balance - 100 WHERE id = 1')
    await b.execute('UPDATE acct SET balance = balance - 100 WHERE id = 2')
    await a.commit()
    return b.commit().then(
      () => 'committed',
      (e: { code: string }) => e.code,
    )
  }

  test('write skew is allowed without FOR UPDATE and prevented with it', async () => {
    // Invariant the application wants: balance(1) + balance(2) >= 100. Each withdraws 100 from a
    // different row after checking the sum: snapshot isolation lets both commit.
    expect(await writeSkew('SELECT balance FROM acct WHERE id IN (1, 2)')).toBe('committed')
    expect(await h.rows('SELECT sum(balance) FROM acct')).toEqual([['0']])
    expect(await writeSkew('SELECT balance FROM acct WHERE id IN (1, 2) FOR UPDATE')).toBe('40001')
    expect(await h.rows('SELECT sum(balance) FROM acct')).toEqual([['100']])
  })

  test('FOR UPDATE locks what a subquery or view in FROM reads, and with OF only the items named', async () => {
    await h.run('CREATE VIEW acct_v AS SELECT id, balance FROM acct WHERE balance >= 0')
    await h.run('CREATE TABLE other (id int PRIMARY KEY)')
    await h.run('INSERT INTO other VALUES (1)')
    const where = 'WHERE id IN (1, 2)'
    expect(await writeSkew(`SELECT * FROM (SELECT balance FROM acct ${where}) s FOR UPDATE`)).toBe('40001')
    expect(await writeSkew(`SELECT * FROM (SELECT balance FROM acct ${where}) s FOR UPDATE OF s`)).toBe('40001')
    expect(await writeSkew(`SELECT * FROM acct_v ${where} FOR UPDATE`)).toBe('40001')
    expect(await writeSkew(`SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR UPDATE OF a`)).toBe('40001')
    // Both locking one row of `other` conflict by it (a lock is a write to the adjudicator).
    expect(await writeSkew(`SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR UPDATE OF o`)).toBe('40001')
    // Locking only the other item (a subquery of no table) leaves the skew possible.
    expect(await writeSkew(`SELECT * FROM acct a, (SELECT 1 AS one) o WHERE a.id IN (1, 2) FOR UPDATE OF o`)).toBe('committed')
    await h.run('UPDATE acct SET balance = 100')
  })

  test('FOR SHARE checks the rows at commit without recording them; NOWAIT locks as without it', async () => {
    await h.run('CREATE TABLE other (id int PRIMARY KEY)')
    await h.run('INSERT INTO other VALUES (1)')
    // A row read FOR SHARE that another transaction changed since the snapshot: 40001.
    expect(await writeSkew('SELECT balance FROM acct WHERE id IN (1, 2) FOR SHARE')).toBe('40001')
    expect(await writeSkew('SELECT balance FROM acct WHERE id IN (1, 2) FOR KEY SHARE')).toBe('40001')
    // Two transactions sharing one row do not conflict by it, as two locking it FOR UPDATE do.
    expect(await writeSkew('SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR SHARE OF o')).toBe('committed')
    expect(await writeSkew('SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR UPDATE OF o')).toBe('40001')
    // An item named by two clauses takes the stronger.
    expect(await writeSkew('SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR SHARE OF o FOR UPDATE OF o')).toBe('40001')
    expect(await writeSkew('SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR UPDATE OF o FOR SHARE OF o')).toBe('40001')
    expect(await writeSkew('SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR UPDATE FOR SHARE OF o')).toBe('40001')
    expect(await writeSkew('SELECT * FROM acct a, other o WHERE a.id IN (1, 2) FOR UPDATE OF o NOWAIT')).toBe('40001')
    // A transaction that only shares a row is checked at commit too.
    for (const clause of ['FOR SHARE', 'FOR KEY SHARE']) {
      const sharer = await h.begin()
      await sharer.execute(`SELECT balance FROM acct WHERE id = 1 ${clause}`)
      await h.run('UPDATE acct SET balance = balance + 1 WHERE id = 1')
      expect([clause, (await sqlError(sharer.commit())).code]).toEqual([clause, '40001'])
    }
    const e = await sqlError(h.run('SELECT * FROM acct FOR UPDATE SKIP LOCKED'))
    expect([e.code, e.message]).toEqual(['0A000', 'SKIP LOCKED is not supported'])
    await h.run('UPDATE acct SET balance = 100')
  })

  test('transactional DDL: create, fill and read a table in one transaction, invisible until commit', async () => {
    const tx = await h.begin()
    await tx.execute('CREATE TABLE n (id int PRIMARY KEY, v text UNIQUE)')
    await tx.execute("INSERT INTO n VALUES (1, 'a')")
    await tx.execute('CREATE INDEX ON n (id, v)')
    expect((await tx.execute('SELECT * FROM n')).rows).toEqual([[1, 'a']])
    expect((await sqlError(h.run('SELECT * FROM n'))).code).toBe('42P01')
    await tx.commit()
    expect(await h.rows('SELECT * FROM n')).toEqual([[1, 'a']])
    const drop = await h.begin()
    await drop.execute('DROP TABLE n')
    expect((await sqlError(drop.execute('SELECT * FROM n'))).code).toBe('42P01')
  })
})

describe('statement atomicity', () => {
  test('a failed statement leaves no writes; the transaction is failed (25P02) and commit rolls back', async () => {
    const tx = await h.begin()
    await tx.execute('INSERT INTO acct VALUES (3, 3)')
    // The second row collides after the first was written: the whole statement is undone.
    expect((await sqlError(tx.execute('INSERT INTO acct VALUES (4, 4), (1, 1)'))).code).toBe('23505')
    expect(tx.status).toBe('failed')
    expect((await sqlError(tx.execute('SELECT 1'))).code).toBe('25P02')
    expect((await sqlError(tx.commit())).code).toBe('25P02')
    expect(tx.status).toBe('aborted')
    expect(await h.rows('SELECT count(*) FROM acct')).toEqual([['2']])
  })

  test('a syntax error also fails the transaction', async () => {
    const tx = await h.begin()
    expect((await sqlError(tx.execute('SELEC 1'))).code).toBe('42601')
    expect((await sqlError(tx.execute('SELECT 1'))).code).toBe('25P02')
  })
})

describe('read-only transactions', () => {
  test('writes and DDL are 25006; reads work and commit at startTs', async () => {
    const tx = await h.begin({ readOnly: true })
    expect((await tx.execute('SELECT count(*) FROM acct')).rows).toEqual([['2']])
    expect((await sqlError(tx.execute('INSERT INTO acct VALUES (9, 9)'))).code).toBe('25006')
    const ro = await h.begin({ readOnly: true })
    expect((await sqlError(ro.execute('CREATE TABLE z (a int)'))).code).toBe('25006')
    const reader = await h.begin({ readOnly: true })
    await reader.execute('SELECT 1')
    expect(await reader.commit()).toEqual({ commitTs: reader.startTs })
  })

  test('a SELECT with a locking clause anywhere is 25006 naming it, from the plan cache too', async () => {
    // Planned and cached by a transaction that may lock.
    await h.run('SELECT * FROM acct WHERE id = 1 FOR UPDATE')
    const cases: [string, string][] = [
      ['SELECT * FROM acct WHERE id = 1 FOR UPDATE', 'SELECT FOR UPDATE'],
      ['SELECT * FROM acct WHERE false FOR KEY SHARE', 'SELECT FOR KEY SHARE'],
      ['SELECT * FROM (SELECT * FROM acct FOR SHARE) s', 'SELECT FOR SHARE'],
      ['SELECT (SELECT balance FROM acct WHERE id = 1 FOR NO KEY UPDATE)', 'SELECT FOR NO KEY UPDATE'],
      // The lock a view's own query holds.
      ['SELECT * FROM locking_v WHERE id = 1', 'SELECT FOR UPDATE'],
      ['SELECT * FROM sharing_v', 'SELECT FOR SHARE'],
    ]
    await h.run('CREATE VIEW locking_v AS SELECT * FROM acct FOR UPDATE')
    await h.run('CREATE VIEW sharing_v AS SELECT * FROM acct FOR SHARE')
    for (const [sql, what] of cases) {
      const tx = await h.begin({ readOnly: true })
      const e = await sqlError(tx.execute(sql))
      expect([sql, e.code, e.message]).toEqual([sql, '25006', `cannot execute ${what} in a read-only transaction`])
    }
  })
})

describe('limits', () => {
  test('the rows an INSERT ... SELECT or CREATE TABLE AS reads are no result: the result limits leave them alone', async () => {
    const small = createHarness({ limits: { resultRowsMax: 2 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY)')
    await small.run('INSERT INTO t SELECT g FROM generate_series(1, 5) g')
    // Most source rows conflict: five read, one written.
    await small.run('INSERT INTO t SELECT g FROM generate_series(1, 6) g ON CONFLICT DO NOTHING')
    await small.run('CREATE TABLE c AS SELECT * FROM t')
    expect(await small.rows('SELECT count(*) FROM c')).toEqual([['6']])
    expect((await sqlError(small.run('SELECT * FROM t'))).code).toBe('54000')
    await small.close()
  })

  test('rows modified per transaction (54000 with a hint)', async () => {
    const small = createHarness({ limits: { rowsModifiedMax: 3 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY)')
    const tx = await small.begin()
    await tx.execute('INSERT INTO t VALUES (1), (2)')
    const e = await sqlError(tx.execute('INSERT INTO t VALUES (3), (4)'))
    expect([e.code, e.hint]).toEqual(['54000', 'Split the change into smaller transactions.'])
    await small.close()
  })

  test('bytes written per transaction (54000)', async () => {
    const small = createHarness({ limits: { txBytesMax: 2000 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY, s text)')
    const e = await sqlError(small.run(`INSERT INTO t VALUES (1, '${'x'.repeat(3000)}')`))
    expect(e.code).toBe('54000')
    await small.close()
  })

  test("bytes written count an expression index's entries, and a partial index's only for the rows it holds", async () => {
    const small = createHarness({ limits: { txBytesMax: 2000 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY, s text, wide bool)')
    // A row of 900 characters fits alone; with its entry in an index of s || s, it does not.
    await small.run(`INSERT INTO t VALUES (1, '${'x'.repeat(900)}', true)`)
    await small.run('CREATE INDEX t_ss ON t ((s || s)) WHERE NOT wide')
    await small.run(`INSERT INTO t VALUES (2, '${'y'.repeat(900)}', true)`)
    expect((await sqlError(small.run(`INSERT INTO t VALUES (3, '${'z'.repeat(900)}', false)`))).code).toBe('54000')
    await small.close()
  })

  test('result rows (54000)', async () => {
    const small = createHarness({ limits: { resultRowsMax: 1 } })
    await small.run('CREATE TABLE t (id int PRIMARY KEY)')
    await small.run('INSERT INTO t VALUES (1), (2)')
    expect((await sqlError(small.run('SELECT * FROM t'))).code).toBe('54000')
    expect(await small.rows('SELECT * FROM t LIMIT 1')).toEqual([[1]])
    await small.close()
  })

  test('statement timeout (57014), checked while rows are processed', async () => {
    // Every clock read moves time 1000 ms; the clock is read at statement start and every 256 rows.
    const slow = createHarness({ qpClock: new TickingClock(0, 1000), limits: { statementTimeoutMs: 500 }, shardCount: 1 })
    await slow.run('CREATE TABLE t (id int PRIMARY KEY)')
    const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => `(${from + i})`).join(', ')
    expect((await sqlError(slow.run(`INSERT INTO t VALUES ${values(0, 300)}`))).code).toBe('57014')
    await slow.run(`INSERT INTO t VALUES ${values(0, 200)}`)
    await slow.run(`INSERT INTO t VALUES ${values(200, 200)}`)
    expect(await slow.rows('SELECT id FROM t WHERE id = 399')).toEqual([[399]])
    expect((await sqlError(slow.run('SELECT count(*) FROM t'))).code).toBe('57014')
    await slow.close()
  })

  test('a long SELECT runs in slices: other statements run between them, and its answer is whole', async () => {
    // Every clock read moves time 1 ms, so a slice (STATEMENT_SLICE_MS) ends every few hundred
    // rows; between slices the statement waits for a timer, on simulated time here.
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    await h.run('CREATE TABLE p (id int PRIMARY KEY, v int)')
    await h.clock.runUntil(h.run('INSERT INTO p SELECT g, g FROM generate_series(1, 1000) g'), 1_000)
    const tx = await h.begin({ readOnly: true })
    let finished = false
    const long = tx.execute('SELECT count(*), sum(a.v) FROM p a, p b WHERE a.v <= b.v').finally(() => (finished = true))
    await new Promise((r) => setImmediate(r))
    expect(finished).toBe(false)
    // Another transaction reads while the join waits between two of its slices.
    const other = await h.begin({ readOnly: true })
    expect((await other.execute('SELECT v FROM p WHERE id = 7')).rows).toEqual([[7]])
    expect(finished).toBe(false)
    let sum = 0
    for (let a = 1; a <= 1000; a++) sum += a * (1001 - a)
    expect((await h.clock.runUntil(long, 100_000)).rows).toEqual([['500500', String(sum)]])
    await h.close()
  })

  test('an ORDER BY of more rows than a chunk gives the order of one stable sort', async () => {
    // Keys with ties, NULLs and two directions, over 5 chunks of SORT_CHUNK_ROWS; array_agg's
    // ORDER BY (one sort call) is the reference, ties kept in input order by both.
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    const rows = SORT_CHUNK_ROWS * 4 + 123
    const from = `FROM (SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7919) % 97 END AS a, g % 5 AS b FROM generate_series(1, ${rows}) g) s`
    const order = 'a DESC NULLS LAST, b, g % 3'
    const query = h.rows(`SELECT g ${from} ORDER BY ${order}`)
    let finished = false
    void query.finally(() => (finished = true))
    await new Promise((r) => setImmediate(r))
    expect(finished).toBe(false)
    const sorted = (await h.clock.runUntil(query, 1_000_000)).map((r) => r[0])
    const [[reference]] = (await h.clock.runUntil(h.rows(`SELECT array_agg(g ORDER BY ${order}) ${from}`), 1_000_000)) as [[number[]]]
    expect(sorted.length).toBe(rows)
    expect(sorted).toEqual(reference)
    await h.close()
  })

  test('a SELECT between its slices keeps its snapshot while commits are applied and flushed under it', async () => {
    // Transfers keep the total; inserts and deletes change the count. Storage applies them while
    // the scan waits between slices, and the first round's 1,100 inserts flush its memtable (1,024
    // writes) into the SQLite pages the scan has still to read.
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    await h.run('CREATE TABLE acct (id int PRIMARY KEY, bal int)')
    await h.clock.runUntil(h.run('INSERT INTO acct SELECT g, 100 FROM generate_series(1, 3000) g'), 1_000)
    const reader = await h.begin({ readOnly: true })
    const scan = reader.execute('SELECT count(*), sum(bal), min(bal) >= 0 FROM acct a, generate_series(1, 30) s')
    let finished = false
    void scan.finally(() => (finished = true))
    let round = 0
    while (!finished && round < 200) {
      const tx = await h.begin()
      const [a, b] = [1 + ((round * 7) % 3000), 1 + ((round * 13 + 5) % 3000)]
      if (a !== b) {
        await tx.execute('UPDATE acct SET bal = bal - 10 WHERE id = $1', [a])
        await tx.execute('UPDATE acct SET bal = bal + 10 WHERE id = $1', [b])
      }
      const inserted = round === 0 ? 1_100 : 100
      await h.clock.runUntil(tx.execute('INSERT INTO acct SELECT 10000 + $1 * 2000 + g, 1 FROM generate_series(1, $2) g', [round, inserted]), 1_000)
      await tx.execute('DELETE FROM acct WHERE id = $1', [2000 + round])
      await h.clock.runUntil(tx.commit(), 1_000)
      round++
      await h.clock.runUntil(new Promise((r) => setImmediate(r)), 5)
    }
    expect(round).toBeGreaterThan(10)
    expect((await h.clock.runUntil(scan, 100_000)).rows).toEqual([['90000', '9000000', true]])
    await h.close()
  })

  test('a statement whose memory would pass what paused statements may hold goes on without pausing', async () => {
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1, limits: { pausedBytesMax: 16 * 1024 } })
    const started = (sql: string) => {
      const state = { finished: false }
      const done = h.rows(sql).finally(() => (state.finished = true))
      return { state, done }
    }
    // A sort of about 1 MB of rows: past the bound before its first slice ends, so it never pauses.
    const wide = started("SELECT length(v) FROM (SELECT g, repeat('x', 200) || g AS v FROM generate_series(1, 5000) g ORDER BY g DESC) s LIMIT 1")
    // A count that holds nothing pauses as usual.
    const narrow = started('SELECT count(*) FROM generate_series(1, 100000)')
    await new Promise((r) => setImmediate(r))
    expect([wide.state.finished, narrow.state.finished]).toEqual([true, false])
    expect(await wide.done).toEqual([[204]])
    expect(await h.clock.runUntil(narrow.done, 100_000)).toEqual([['100000']])
    await h.close()
  })

  test('what paused statements hold counts together, and is given back when they go on', async () => {
    // Each sort pauses first once it holds 256 rows of about 1 kB: one fits the bound, two do not.
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1, limits: { pausedBytesMax: 400 * 1024 } })
    const sort = "SELECT length(v) FROM (SELECT g, repeat('x', 1000) || g AS v FROM generate_series(1, 2000) g ORDER BY g DESC) s LIMIT 1"
    const started = () => {
      const state = { finished: false }
      const done = h.rows(sort).finally(() => (state.finished = true))
      return { state, done }
    }
    const first = started()
    const second = started()
    await new Promise((r) => setImmediate(r))
    // The first waits between slices; the second would pass the bound with it, so goes on.
    expect([first.state.finished, second.state.finished]).toEqual([false, true])
    expect(await h.clock.runUntil(first.done, 100_000)).toEqual([[1004]])
    // The first's bytes were given back: a third pauses again.
    const third = started()
    await new Promise((r) => setImmediate(r))
    expect(third.state.finished).toBe(false)
    expect(await h.clock.runUntil(third.done, 100_000)).toEqual([[1004]])
    await h.close()
  })

  test('a statement in slices that runs out of sequence values refills and runs again', async () => {
    // nextval cannot wait inside an expression: the statement is run again after a refill,
    // here once its first attempt had already paused.
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    await h.run('CREATE TABLE p (id int PRIMARY KEY, v int)')
    await h.run('CREATE SEQUENCE s')
    await h.run('CREATE TABLE t (id serial PRIMARY KEY, v int)')
    await h.clock.runUntil(h.run('INSERT INTO p SELECT g, g FROM generate_series(1, 1000) g'), 1_000)
    const select = h.rows("SELECT count(*), count(DISTINCT nextval('s')) FROM p a, p b WHERE a.v <= b.v AND a.id <= 2")
    expect(await h.clock.runUntil(select, 100_000)).toEqual([['1999', '1999']])
    const insert = h.run('INSERT INTO t (v) SELECT a.id FROM p a, p b WHERE a.v <= b.v AND a.id <= 3 GROUP BY a.id')
    expect((await h.clock.runUntil(insert, 100_000)).rowCount).toBe(3)
    expect(await h.rows('SELECT count(DISTINCT id), min(v), max(v) FROM t')).toEqual([['3', 1, 3]])
    await h.close()
  })

  test('a statement refilled after a pause while another transaction took values of the same block: every value distinct', async () => {
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    await h.run('CREATE SEQUENCE s')
    await h.run('CREATE TABLE u (v int8 PRIMARY KEY)')
    await h.run('CREATE TABLE p (id int PRIMARY KEY)')
    await h.clock.runUntil(h.run('INSERT INTO p SELECT g FROM generate_series(1, 150) g'), 1_000)
    // This process's block of the sequence (SEQUENCE_BLOCK_VALUES, 100), one value taken.
    await h.clock.runUntil(h.run("SELECT nextval('s')"), 1_000)
    // 150 values, about 25 a slice (20 rows counted per row inserted): the block runs out after
    // a few pauses.
    const a = await h.begin()
    const insert = a.execute("INSERT INTO u SELECT nextval('s') FROM p, generate_series(1, 20) g WHERE g = 20")
    await new Promise((r) => setImmediate(r))
    // Meanwhile another transaction takes the block's next value and commits it.
    const b = await h.begin()
    await b.execute("INSERT INTO u VALUES (nextval('s'))")
    await h.clock.runUntil(b.commit(), 1_000)
    await h.clock.runUntil(insert, 100_000)
    await h.clock.runUntil(a.commit(), 1_000)
    expect(await h.clock.runUntil(h.rows('SELECT count(*), count(DISTINCT v) FROM u'), 1_000)).toEqual([['151', '151']])
    await h.close()
  })

  test('DML reads in slices (INSERT ... SELECT, UPDATE ... FROM), then writes in one go', async () => {
    const h = createHarness({ qpClock: new TickingClock(0, 1), shardCount: 1 })
    await h.run('CREATE TABLE p (id int PRIMARY KEY, v int)')
    await h.run('CREATE TABLE copy (id int PRIMARY KEY, n bigint)')
    await h.clock.runUntil(h.run('INSERT INTO p SELECT g, g FROM generate_series(1, 1000) g'), 1_000)
    for (const sql of [
      'INSERT INTO copy SELECT a.id, count(*) FROM p a, p b WHERE a.v <= b.v AND a.id <= 3 GROUP BY a.id',
      'UPDATE p SET v = -p.v FROM p q, p r WHERE p.id = q.id AND q.v > 995 AND r.v < q.v - 990',
    ]) {
      const tx = await h.begin()
      let finished = false
      const statement = tx.execute(sql).finally(() => (finished = true))
      await new Promise((r) => setImmediate(r))
      expect(finished).toBe(false)
      // Another transaction reads while the statement waits between two slices of its reads.
      const other = await h.begin({ readOnly: true })
      expect((await other.execute('SELECT v FROM p WHERE id = 998')).rows).toEqual([[998]])
      await h.clock.runUntil(statement, 100_000)
      await h.clock.runUntil(tx.commit(), 1_000)
    }
    expect(await h.rows('SELECT id, n FROM copy ORDER BY id')).toEqual([[1, '1000'], [2, '999'], [3, '998']])
    expect(await h.clock.runUntil(h.rows('SELECT id, v FROM p WHERE v < 0 ORDER BY id'), 10_000)).toEqual([996, 997, 998, 999, 1000].map((i) => [i, -i]))
    await h.close()
  })

  test('window functions run in slices: sorting partitions and computing frames hold the thread no longer than a slice', async () => {
    // Every clock read moves time 10 ms; a statement that holds the thread runs the keep-alive
    // once 25 ms pass without a slice ending, so at the third clock read without a pause. Each
    // query's window part (a partition of three sort chunks, each sorted with a clock read, then
    // a value per row) reads the clock more often than that: unless it pauses, the keep-alive
    // runs. Its answers are checked against plain arithmetic.
    const clock = new TickingClock(0, 10)
    const runs: number[] = []
    const h = createHarness({ qpClock: clock, keepAlive: { intervalMs: 25, run: () => runs.push(clock.wallMs()) }, shardCount: 1 })
    const n = SORT_CHUNK_ROWS * 3
    const from = `FROM generate_series(1, ${n}) g`
    const queries: [string, string][] = [
      // Ranks over one partition in descending order: the chunked sort, then one value per row.
      [`SELECT sum(r * g) FROM (SELECT g, row_number() OVER (ORDER BY g DESC) r ${from}) s`, String(sumOf(n, (g) => g * (n + 1 - g)))],
      // A sliding frame taking rows back, over partitions of three peer-free orders.
      [`SELECT sum(w) FROM (SELECT sum(g) OVER (PARTITION BY g % 3 ORDER BY g ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) w ${from}) s`, String(slidingSums(n))],
    ]
    for (const [sql, expected] of queries) {
      expect(await h.clock.runUntil(h.rows(sql), 1_000_000)).toEqual([[expected]])
    }
    expect(runs).toEqual([])
    await h.close()
  })

  test('a statement that holds the thread runs the keep-alive at its timeout checks, at most once per interval', async () => {
    // Every clock read moves time 10 ms; a statement reads it at its start and every 256 rows.
    const clock = new TickingClock(0, 10)
    const runs: number[] = []
    const h = createHarness({ qpClock: clock, keepAlive: { intervalMs: 100, run: () => runs.push(clock.wallMs()) }, shardCount: 1 })
    const startMs = clock.wallMs()
    // A subquery inside an expression runs whole, without slices: it holds the thread.
    expect(await h.rows('SELECT (SELECT count(*) FROM generate_series(1, 100000))')).toEqual([['100000']])
    const elapsedMs = clock.wallMs() - startMs
    // About one run per 100 ms of the statement's (ticking) time, never two within 100 ms.
    expect(runs.length).toBeGreaterThanOrEqual(Math.floor(elapsedMs / 100) - 3)
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100))
    for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBeGreaterThanOrEqual(100)
    // A short statement never gets to it, nor one in slices (the region's timers run between).
    const before = runs.length
    expect(await h.rows('SELECT 1')).toEqual([[1]])
    expect(await h.clock.runUntil(h.rows('SELECT count(*) FROM generate_series(1, 100000)'), 10_000)).toEqual([['100000']])
    expect(runs.length).toBe(before)
    await h.close()
  })
})

/** The sum of f(g) for g from 1 to n. */
function sumOf(n: number, f: (g: number) => number): number {
  let total = 0
  for (let g = 1; g <= n; g++) total += f(g)
  return total
}

/** The total of sum(g) OVER (PARTITION BY g % 3 ORDER BY g ROWS BETWEEN 2 PRECEDING AND CURRENT
 * ROW) over g from 1 to n: each g plus the two before it in its partition (g - 3 and g - 6). */
function slidingSums(n: number): number {
  return sumOf(n, (g) => g + (g - 3 >= 1 ? g - 3 : 0) + (g - 6 >= 1 ? g - 6 : 0))
}
