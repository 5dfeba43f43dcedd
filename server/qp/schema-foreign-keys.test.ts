// Goal: foreign keys hold under snapshot isolation without locks: a referencing write checks the
// parent in the snapshot plus the transaction's writes, a delete checks for children, and
// concurrent transactions that would break the constraint conflict at commit (40001), while
// unrelated ones (two children of one parent, a parent's non-key update) do not. Method: SQL
// through a real query processor (qp-harness), interleaving transactions.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(async () => {
  h = createHarness()
  await h.run('CREATE TABLE customers (id int PRIMARY KEY, email text UNIQUE, name text)')
  await h.run("INSERT INTO customers VALUES (1, 'a@x', 'ada'), (2, 'g@x', 'grace')")
  await h.run(
    'CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers, note text)',
  )
})
afterEach(async () => {
  await h.close()
})

describe('checks within a transaction', () => {
  test('a referencing row needs its parent; NULL references nothing (MATCH SIMPLE)', async () => {
    await h.run('INSERT INTO orders VALUES (10, 1, NULL), (11, NULL, NULL)')
    const e = await sqlError(h.run('INSERT INTO orders VALUES (12, 3, NULL)'))
    expect(e).toMatchObject({
      code: '23503',
      message:
        'insert or update on table "orders" violates foreign key constraint "orders_customer_fkey"',
      detail: 'Key (customer)=(3) is not present in table "customers".',
    })
    expect((await sqlError(h.run('UPDATE orders SET customer = 9 WHERE id = 10'))).code).toBe(
      '23503',
    )
    const tx = await h.begin()
    await tx.execute('INSERT INTO customers VALUES (3, NULL, NULL)')
    await tx.execute('INSERT INTO orders VALUES (12, 3, NULL)')
    await tx.commit()
  })

  test('a referenced row cannot be deleted or re-keyed; unreferenced ones and other columns can', async () => {
    await h.run('INSERT INTO orders VALUES (10, 1, NULL)')
    const e = await sqlError(h.run('DELETE FROM customers WHERE id = 1'))
    expect(e).toMatchObject({
      code: '23503',
      message:
        'update or delete on table "customers" violates foreign key constraint "orders_customer_fkey" on table "orders"',
      detail: 'Key (id)=(1) is still referenced from table "orders".',
    })
    expect((await sqlError(h.run('UPDATE customers SET id = 5 WHERE id = 1'))).code).toBe('23503')
    await h.run("UPDATE customers SET name = 'lovelace' WHERE id = 1")
    await h.run('DELETE FROM customers WHERE id = 2')
    const tx = await h.begin()
    await tx.execute('DELETE FROM orders WHERE id = 10')
    await tx.execute('DELETE FROM customers WHERE id = 1')
    await tx.commit()
    expect(await h.rows('SELECT count(*) FROM customers')).toEqual([['0']])
  })

  test('table constraints, unique targets, self references', async () => {
    await h.run(
      'CREATE TABLE notes (id int PRIMARY KEY, email text, parent int, FOREIGN KEY (email) REFERENCES customers (email), CONSTRAINT up FOREIGN KEY (parent) REFERENCES notes (id))',
    )
    await h.run("INSERT INTO notes VALUES (1, 'a@x', NULL), (2, 'g@x', 1)")
    expect((await sqlError(h.run("INSERT INTO notes VALUES (3, 'z@x', NULL)"))).detail).toBe(
      'Key (email)=(z@x) is not present in table "customers".',
    )
    const e = await sqlError(h.run('INSERT INTO notes VALUES (3, NULL, 7)'))
    expect(e.message).toBe('insert or update on table "notes" violates foreign key constraint "up"')
    expect((await sqlError(h.run('DELETE FROM notes WHERE id = 1'))).code).toBe('23503')
    expect((await sqlError(h.run("DELETE FROM customers WHERE email = 'g@x'"))).code).toBe('23503')
  })

  test('bad definitions: no unique target (42830), incompatible types (42804), unknown tables (42P01), no primary key (42704)', async () => {
    expect(
      (await sqlError(h.run('CREATE TABLE b (c text REFERENCES customers (name))'))).code,
    ).toBe('42830')
    expect((await sqlError(h.run('CREATE TABLE b (c text REFERENCES customers)'))).code).toBe(
      '42804',
    )
    expect((await sqlError(h.run('CREATE TABLE b (c int REFERENCES nowhere)'))).code).toBe('42P01')
    await h.run('CREATE TABLE n (a int)')
    // PostgreSQL's code for a referenced table without a primary key is undefined_object.
    expect((await sqlError(h.run('CREATE TABLE b (c int REFERENCES n)'))).code).toBe('42704')
  })

  test('DROP TABLE of a referenced table is 2BP01; CASCADE drops the constraint; dropping the child unlinks it', async () => {
    const e = await sqlError(h.run('DROP TABLE customers'))
    expect(e).toMatchObject({
      code: '2BP01',
      detail: 'constraint orders_customer_fkey on table orders depends on table customers',
    })
    await h.run('DROP TABLE customers CASCADE')
    await h.run('INSERT INTO orders VALUES (1, 99, NULL)')
    await h.run('CREATE TABLE p (id int PRIMARY KEY)')
    await h.run('CREATE TABLE c (p int REFERENCES p)')
    await h.run('DROP TABLE c')
    await h.run('DROP TABLE p')
  })
})

describe('referential actions', () => {
  test('ON DELETE CASCADE deletes referencing rows, recursively; ON UPDATE CASCADE re-keys them', async () => {
    await h.run(
      'CREATE TABLE items (id int PRIMARY KEY, o int REFERENCES orders ON DELETE CASCADE ON UPDATE CASCADE)',
    )
    await h.run(
      'CREATE TABLE lines (id int PRIMARY KEY, c int REFERENCES customers ON DELETE CASCADE)',
    )
    await h.run('CREATE TABLE sub (id int PRIMARY KEY, l int REFERENCES lines ON DELETE CASCADE)')
    await h.run('INSERT INTO orders VALUES (10, 1, NULL), (11, 2, NULL)')
    await h.run('INSERT INTO items VALUES (1, 10), (2, 10), (3, 11)')
    await h.run('INSERT INTO lines VALUES (1, 1), (2, 1), (3, 2)')
    await h.run('INSERT INTO sub VALUES (1, 1), (2, 2), (3, 3)')
    await h.run('UPDATE orders SET id = 12 WHERE id = 10')
    expect(await h.rows('SELECT id, o FROM items ORDER BY id')).toEqual([
      [1, 12],
      [2, 12],
      [3, 11],
    ])
    await h.run('DELETE FROM orders WHERE id = 12')
    expect(await h.rows('SELECT id FROM items ORDER BY id')).toEqual([[3]])
    // orders still references customer 1 (NO ACTION): the whole cascade is undone.
    await h.run('INSERT INTO orders VALUES (13, 1, NULL)')
    expect((await sqlError(h.run('DELETE FROM customers WHERE id = 1'))).code).toBe('23503')
    expect(await h.rows('SELECT count(*) FROM sub')).toEqual([['3']])
    await h.run('DELETE FROM orders WHERE id = 13')
    await h.run('DELETE FROM customers WHERE id = 1')
    expect(await h.rows('SELECT id FROM lines ORDER BY id')).toEqual([[3]])
    expect(await h.rows('SELECT id FROM sub ORDER BY id')).toEqual([[3]])
  })

  test('ON DELETE SET NULL and SET DEFAULT; the default must itself be referenced (23503)', async () => {
    await h.run(
      'CREATE TABLE a (id int PRIMARY KEY, c int DEFAULT 2 REFERENCES customers ON DELETE SET DEFAULT, n int REFERENCES customers ON DELETE SET NULL)',
    )
    await h.run('INSERT INTO a VALUES (1, 1, 1)')
    await h.run('DELETE FROM customers WHERE id = 1')
    expect(await h.rows('SELECT c, n FROM a')).toEqual([[2, null]])
    await h.run('UPDATE a SET n = 2')
    expect((await sqlError(h.run('DELETE FROM customers WHERE id = 2'))).code).toBe('23503')
    await h.run(
      'CREATE TABLE nn (id int PRIMARY KEY, c int NOT NULL REFERENCES customers ON DELETE SET NULL)',
    )
    await h.run("INSERT INTO customers VALUES (5, 'e@x', NULL)")
    await h.run('INSERT INTO nn VALUES (1, 5)')
    expect((await sqlError(h.run('DELETE FROM customers WHERE id = 5'))).code).toBe('23502')
  })
})

describe('concurrent transactions conflict instead of breaking the constraint', () => {
  test('a child inserted while its parent is deleted: whichever commits second gets 40001', async () => {
    for (const childFirst of [true, false]) {
      await h.run('DELETE FROM orders')
      await h.run('INSERT INTO customers VALUES (7, NULL, NULL) ON CONFLICT DO NOTHING')
      const child = await h.begin()
      const deleter = await h.begin()
      await child.execute('INSERT INTO orders VALUES (70, 7, NULL)')
      await deleter.execute('DELETE FROM customers WHERE id = 7')
      const [first, second] = childFirst ? [child, deleter] : [deleter, child]
      await first.commit()
      expect((await sqlError(second.commit())).code).toBe('40001')
    }
  })

  test('two children of one parent, and a parent update of other columns, all commit', async () => {
    const a = await h.begin()
    const b = await h.begin()
    const c = await h.begin()
    await a.execute('INSERT INTO orders VALUES (1, 1, NULL)')
    await b.execute('INSERT INTO orders VALUES (2, 1, NULL)')
    await c.execute("UPDATE customers SET name = 'x' WHERE id = 1")
    await a.commit()
    await b.commit()
    await c.commit()
    expect(await h.rows('SELECT count(*) FROM orders')).toEqual([['2']])
  })
})
