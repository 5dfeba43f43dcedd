// Goal: CREATE/DROP SCHEMA and tables, indexes and sequences inside a schema behave as in
// PostgreSQL (names of one schema never collide with another's; unknown schemas are 3F000).
// Method: SQL through a real query processor (qp-harness).
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(async () => {
  await h.close()
})

const code = async (sql: string) => String((await sqlError(h.run(sql))).code)

describe('schemas', () => {
  test('CREATE SCHEMA [IF NOT EXISTS]; existing, reserved and system names are refused', async () => {
    expect((await h.run('CREATE SCHEMA app')).command).toBe('CREATE SCHEMA')
    expect(await code('CREATE SCHEMA app')).toBe('42P06')
    await h.run('CREATE SCHEMA IF NOT EXISTS app')
    expect(await code('CREATE SCHEMA public')).toBe('42P06')
    expect(await code('CREATE SCHEMA pg_mine')).toBe('42939')
  })

  test('tables in a schema: names do not collide with public ones; rows, indexes, serials work', async () => {
    await h.run('CREATE SCHEMA app')
    await h.run('CREATE TABLE t (id int PRIMARY KEY, v text)')
    await h.run('CREATE TABLE app.t (id serial PRIMARY KEY, v text UNIQUE)')
    await h.run('CREATE INDEX t_v_idx ON app.t (v)')
    await h.run('CREATE INDEX t_v_idx ON t (v)')
    await h.run("INSERT INTO t VALUES (1, 'public')")
    await h.run("INSERT INTO app.t (v) VALUES ('app'), ('app2')")
    expect(await h.rows('SELECT id, v FROM app.t ORDER BY id')).toEqual([
      [1, 'app'],
      [2, 'app2'],
    ])
    expect(await h.rows('SELECT v FROM public.t')).toEqual([['public']])
    expect(await code("INSERT INTO app.t (v) VALUES ('app')")).toBe('23505')
    await h.run('DROP INDEX app.t_v_idx')
    await h.run('DROP INDEX t_v_idx')
    await h.run('CREATE SEQUENCE app.counter')
    expect(await h.rows("SELECT nextval('app.counter')")).toEqual([['1']])
  })

  test('unknown schemas are 3F000', async () => {
    expect(await code('CREATE TABLE nowhere.t (id int)')).toBe('3F000')
    expect(await code('CREATE SEQUENCE nowhere.s')).toBe('3F000')
    expect(await code('DROP TABLE nowhere.t')).toBe('3F000')
    expect(await code('DROP SCHEMA nowhere')).toBe('3F000')
    await h.run('DROP TABLE IF EXISTS nowhere.t')
    await h.run('DROP SCHEMA IF EXISTS nowhere')
  })

  test('DROP SCHEMA with relations needs CASCADE, which drops them', async () => {
    await h.run('CREATE SCHEMA app')
    await h.run('CREATE TABLE app.parent (id int PRIMARY KEY)')
    await h.run('CREATE TABLE app.child (p int REFERENCES app.parent)')
    await h.run('CREATE SEQUENCE app.s')
    const e = await sqlError(h.run('DROP SCHEMA app'))
    expect(e).toMatchObject({
      code: '2BP01',
      message: 'cannot drop schema app because other objects depend on it',
    })
    await h.run('DROP SCHEMA app CASCADE')
    expect(await code('SELECT * FROM app.parent')).toBe('42P01')
    await h.run('CREATE SCHEMA app')
    await h.run('CREATE TABLE app.parent (id int PRIMARY KEY)')
    await h.run('CREATE SEQUENCE app.s')
    expect(await code('DROP SCHEMA public')).toBe('0A000')
  })
})
