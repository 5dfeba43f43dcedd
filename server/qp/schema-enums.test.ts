// Goal: enum definitions are transactional catalog objects, and no cached plan outlives a change
// of an enum it was bound to (plans are cached by SQL text and validated by table definitions).
// Method: the same statement text before and after DROP/CREATE TYPE and ADD VALUE through a real
// query processor (qp-harness), and interleaved transactions for snapshot reads.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(async () => {
  await h.close()
})

describe('cached plans and enum changes', () => {
  test('a cast to a type dropped and created again reads the new labels', async () => {
    await h.run(`CREATE TYPE color AS ENUM ('red')`)
    expect(await h.rows(`SELECT 'red'::color::text`)).toEqual([['red']])
    await h.run('DROP TYPE color')
    await h.run(`CREATE TYPE color AS ENUM ('green')`)
    expect((await sqlError(h.rows(`SELECT 'red'::color::text`))).code).toBe('22P02')
    expect(await h.rows(`SELECT 'green'::color::text`)).toEqual([['green']])
  })

  test('a plan over a table sees labels added after it was cached, in their place', async () => {
    await h.run(`CREATE TYPE mood AS ENUM ('sad', 'happy')`)
    await h.run('CREATE TABLE t (id int PRIMARY KEY, m mood)')
    await h.run(`INSERT INTO t VALUES (1, 'sad'), (2, 'happy')`)
    const query = 'SELECT id, m FROM t ORDER BY m DESC'
    expect(await h.rows(query)).toEqual([[2, 'happy'], [1, 'sad']])
    await h.run(`ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy'`)
    await h.run(`INSERT INTO t VALUES (3, 'ok')`)
    expect(await h.rows(query)).toEqual([[2, 'happy'], [3, 'ok'], [1, 'sad']])
  })
})

describe('transactional enum definitions', () => {
  test('a type created in an open transaction is invisible to others until commit', async () => {
    const tx = await h.begin()
    await tx.execute(`CREATE TYPE mood AS ENUM ('a')`)
    expect((await tx.execute(`SELECT 'a'::mood::text`)).rows).toEqual([['a']])
    expect((await sqlError(h.rows(`SELECT 'a'::mood`))).code).toBe('42704')
    await tx.commit()
    expect(await h.rows(`SELECT 'a'::mood::text`)).toEqual([['a']])
  })

  test('a rolled back ADD VALUE leaves the labels as they were', async () => {
    await h.run(`CREATE TYPE mood AS ENUM ('a')`)
    const tx = await h.begin()
    await tx.execute(`ALTER TYPE mood ADD VALUE 'b'`)
    tx.rollback()
    expect((await sqlError(h.rows(`SELECT 'b'::mood`))).code).toBe('22P02')
  })
})

describe('enum values through parameters', () => {
  test('a parameter in an enum context is read as a label (22P02 for another), the wire carries the label', async () => {
    await h.run(`CREATE TYPE mood AS ENUM ('sad', 'ok')`)
    await h.run('CREATE TABLE t (id int PRIMARY KEY, m mood)')
    await h.run('INSERT INTO t VALUES ($1, $2)', [1, 'ok'])
    expect((await sqlError(h.run('INSERT INTO t VALUES ($1, $2)', [2, 'meh']))).code).toBe('22P02')
    const result = await h.run('SELECT id, m FROM t WHERE m = $1', ['ok'])
    expect(result.rows).toEqual([[1, 'ok']])
    expect(result.fields.map((f) => f.type)).toEqual(['int4', 'mood'])
  })
})
