// Goal: the catalog functions that read the catalog (pg_get_indexdef, pg_get_constraintdef,
// pg_get_serial_sequence, to_regclass, pg_table_is_visible, pg_get_viewdef) answer from the
// transaction's snapshot in SQL, as PostgreSQL answers. Method: DDL and SELECTs through a real QP
// (qp-harness); expected values are PostgreSQL 16's for the same schema.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadParser } from '../parser.ts'
import { createHarness, type QpHarness } from '../qp-harness.ts'
import { relationOid } from './index.ts'

let h: QpHarness

beforeAll(async () => {
  await loadParser()
  h = createHarness()
  await h.run(`CREATE TABLE users (id serial PRIMARY KEY, email varchar(100) NOT NULL UNIQUE,
    price numeric(10,2) CHECK (price > 0))`)
  await h.run('CREATE TABLE posts (id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY, uid int4 REFERENCES users (id) ON DELETE RESTRICT)')
  await h.run('CREATE INDEX users_price_idx ON users (price, email)')
  await h.run('CREATE VIEW cheap AS SELECT id FROM users WHERE price < 10')
})
afterAll(async () => {
  await h.close()
})

describe('catalog functions read the snapshot', () => {
  test('pg_get_indexdef for every index, and one key column', async () => {
    expect(
      await h.rows(`SELECT c.relname, pg_get_indexdef(i.indexrelid), pg_get_indexdef(i.indexrelid, 2, true)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid ORDER BY c.relname`),
    ).toEqual([
      ['posts_pkey', 'CREATE UNIQUE INDEX posts_pkey ON public.posts USING btree (id)', ''],
      ['users_email_key', 'CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)', ''],
      ['users_pkey', 'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)', ''],
      ['users_price_idx', 'CREATE INDEX users_price_idx ON public.users USING btree (price, email)', 'email'],
    ])
  })

  test('pg_get_constraintdef for keys, checks and foreign keys', async () => {
    expect(await h.rows('SELECT conname, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint ORDER BY conname')).toEqual([
      ['posts_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'],
      ['posts_uid_fkey', 'FOREIGN KEY (uid) REFERENCES users(id) ON DELETE RESTRICT', 'FOREIGN KEY (uid) REFERENCES users(id) ON DELETE RESTRICT'],
      ['users_email_key', 'UNIQUE (email)', 'UNIQUE (email)'],
      ['users_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'],
      ['users_price_check', 'CHECK ((price > (0)::numeric))', 'CHECK (price > 0::numeric)'],
    ])
  })

  test('pg_get_serial_sequence, to_regclass, pg_table_is_visible, pg_get_viewdef', async () => {
    expect(
      await h.rows(`SELECT pg_get_serial_sequence('users', 'id'), pg_get_serial_sequence('"public"."posts"', 'id'),
        pg_get_serial_sequence('users', 'email'), to_regclass('users'), to_regclass('public.nope'),
        pg_table_is_visible(to_regclass('users')), pg_get_viewdef(to_regclass('cheap'))`),
    ).toEqual([['public.users_id_seq', 'public.posts_id_seq', null, 'users', null, true, 'SELECT id FROM users WHERE price < 10']])
    // Beside an oid it is the relation's OID, as PostgreSQL's regclass; NULL for none.
    expect(await h.rows(`SELECT to_regclass('users')::oid, to_regclass('public.nope')::oid`)).toEqual([[Number(relationOid(100n)), null]])
  })

  test('a table created in the transaction is described before it commits', async () => {
    const tx = await h.begin()
    await tx.execute('CREATE TABLE scratch (k int PRIMARY KEY)')
    const r = await tx.execute(`SELECT pg_get_indexdef(to_regclass('scratch_pkey'))`)
    expect(r.rows).toEqual([['CREATE UNIQUE INDEX scratch_pkey ON public.scratch USING btree (k)']])
    tx.rollback()
  })
})
