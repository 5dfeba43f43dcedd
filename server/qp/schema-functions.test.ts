// Goal: the functions with transaction effects (nextval and friends, advisory transaction locks,
// current_setting/set_config) behave as PostgreSQL's where Tessera can, and advisory locks turn
// into commit-time conflicts. Method: SQL through a real query processor (qp-harness), with
// interleaved transactions.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(async () => {
  await h.close()
})

describe('sequence functions', () => {
  test('nextval, currval and lastval follow START and INCREMENT', async () => {
    await h.run('CREATE SEQUENCE s START 10 INCREMENT BY 5')
    const tx = await h.begin()
    expect((await sqlError(tx.execute("SELECT currval('s')"))).code).toBe('55000')
    tx.rollback()
    const tx2 = await h.begin()
    expect((await tx2.execute("SELECT nextval('s'), nextval('s')")).rows).toEqual([['10', '15']])
    expect((await tx2.execute("SELECT currval('s'), lastval()")).rows).toEqual([['15', '15']])
    await tx2.commit()
    expect(await h.rows("SELECT nextval('public.s')")).toEqual([['20']])
    expect((await sqlError(h.run("SELECT nextval('nope')"))).code).toBe('42P01')
    expect((await sqlError(h.run('SELECT lastval()'))).code).toBe('55000')
  })

  test('a descending sequence counts down and stops at MINVALUE (2200H)', async () => {
    await h.run('CREATE SEQUENCE d INCREMENT -1 MINVALUE 1 MAXVALUE 3 START 3')
    expect(await h.rows("SELECT nextval('d')")).toEqual([['3']])
    expect(await h.rows("SELECT nextval('d')")).toEqual([['2']])
    expect(await h.rows("SELECT nextval('d')")).toEqual([['1']])
    const e = await sqlError(h.run("SELECT nextval('d')"))
    expect(e).toMatchObject({
      code: '2200H',
      message: 'nextval: reached minimum value of sequence "d" (1)',
    })
  })

  test('setval moves the sequence for the next nextval (is_called true and false)', async () => {
    await h.run('CREATE TABLE t (id serial PRIMARY KEY, v int)')
    await h.run('INSERT INTO t (v) VALUES (1)')
    expect(await h.rows("SELECT setval('t_id_seq', 500)")).toEqual([['500']])
    expect(await h.rows('INSERT INTO t (v) VALUES (2) RETURNING id')).toEqual([[501]])
    await h.run("SELECT setval('t_id_seq', 7, false)")
    expect(await h.rows('INSERT INTO t (v) VALUES (3) RETURNING id')).toEqual([[7]])
    expect((await sqlError(h.run("SELECT setval('t_id_seq', 0)"))).code).toBe('22003')
  })

  test('two transactions drawing from one sequence both commit with distinct values', async () => {
    await h.run('CREATE SEQUENCE s')
    await h.run("SELECT nextval('s')")
    const a = await h.begin()
    const b = await h.begin()
    const va = (await a.execute("SELECT nextval('s')")).rows[0]?.[0]
    const vb = (await b.execute("SELECT nextval('s')")).rows[0]?.[0]
    await a.commit()
    await b.commit()
    expect(va).not.toBe(vb)
  })
})

describe('advisory transaction locks', () => {
  test('two writers that took the same lock: the later commit is 40001; other keys do not conflict', async () => {
    await h.run('CREATE TABLE m (id int PRIMARY KEY)')
    const a = await h.begin()
    const b = await h.begin()
    const c = await h.begin()
    expect((await a.execute('SELECT pg_advisory_xact_lock(42)')).rows).toEqual([['']])
    await b.execute('SELECT pg_advisory_xact_lock(42)')
    expect((await c.execute('SELECT pg_try_advisory_xact_lock(1, 42)')).rows).toEqual([[true]])
    await a.execute('INSERT INTO m VALUES (1)')
    await b.execute('INSERT INTO m VALUES (2)')
    await c.execute('INSERT INTO m VALUES (3)')
    expect((await a.execute('SELECT pg_advisory_unlock(42), pg_advisory_unlock(43)')).rows).toEqual(
      [[true, false]],
    )
    await a.commit()
    const e = await sqlError(b.commit())
    expect(e.code).toBe('40001')
    await c.commit()
    expect(await h.rows('SELECT id FROM m ORDER BY id')).toEqual([[1], [3]])
  })
})

describe('session advisory locks (a session is a transaction)', () => {
  test("Kysely's migration lock statement runs and conflicts like the transaction lock", async () => {
    const kysely =
      "with set_timeout as (select set_config('lock_timeout', '3600000', true) as config_val) select pg_advisory_lock(3853314791062309107) from set_timeout"
    await h.run('CREATE TABLE m (id int PRIMARY KEY)')
    const a = await h.begin()
    const b = await h.begin()
    expect((await a.execute(kysely)).rows).toEqual([['']])
    await b.execute(kysely)
    await a.execute('INSERT INTO m VALUES (1)')
    await b.execute('INSERT INTO m VALUES (2)')
    await a.commit()
    expect((await sqlError(b.commit())).code).toBe('40001')
  })
})

describe('current_setting and set_config', () => {
  test('read and write the transaction settings', async () => {
    const tx = await h.begin()
    expect((await tx.execute("SELECT current_setting('TimeZone')")).rows).toEqual([['UTC']])
    expect((await tx.execute("SELECT set_config('app.user', 'ada', true)")).rows).toEqual([['ada']])
    expect((await tx.execute("SELECT current_setting('app.user')")).rows).toEqual([['ada']])
    expect((await tx.execute("SELECT current_setting('app.nobody', true)")).rows).toEqual([[null]])
    expect((await sqlError(tx.execute("SELECT current_setting('nobody')"))).code).toBe('42704')
  })
})
