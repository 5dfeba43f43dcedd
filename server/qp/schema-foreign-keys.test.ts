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
  await h.run('CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers, note text)')
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
      message: 'insert or update on table "orders" violates foreign key constraint "orders_customer_fkey"',
      detail: 'Key (customer)=(3) is not present in table "customers".',
    })
    expect((await sqlError(h.run('UPDATE orders SET customer = 9 WHERE id = 10'))).code).toBe('23503')
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
      message: 'update or delete on table "customers" violates foreign key constraint "orders_customer_fkey" on table "orders"',
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
    await h.run('CREATE TABLE notes (id int PRIMARY KEY, email text, parent int, FOREIGN KEY (email) REFERENCES customers (email), CONSTRAINT up FOREIGN KEY (parent) REFERENCES notes (id))')
    await h.run("INSERT INTO notes VALUES (1, 'a@x', NULL), (2, 'g@x', 1)")
    expect((await sqlError(h.run("INSERT INTO notes VALUES (3, 'z@x', NULL)"))).detail).toBe('Key (email)=(z@x) is not present in table "customers".')
    const e = await sqlError(h.run('INSERT INTO notes VALUES (3, NULL, 7)'))
    expect(e.message).toBe('insert or update on table "notes" violates foreign key constraint "up"')
    expect((await sqlError(h.run('DELETE FROM notes WHERE id = 1'))).code).toBe('23503')
    expect((await sqlError(h.run("DELETE FROM customers WHERE email = 'g@x'"))).code).toBe('23503')
  })

  test('bad definitions: no unique target (42830), incompatible types (42804), unsupported actions (0A000)', async () => {
    expect((await sqlError(h.run('CREATE TABLE b (c text REFERENCES customers (name))'))).code).toBe('42830')
    expect((await sqlError(h.run('CREATE TABLE b (c text REFERENCES customers)'))).code).toBe('42804')
    expect((await sqlError(h.run('CREATE TABLE b (c int REFERENCES customers ON DELETE CASCADE)'))).code).toBe('0A000')
    expect((await sqlError(h.run('CREATE TABLE b (c int REFERENCES nowhere)'))).code).toBe('42P01')
    await h.run('CREATE TABLE n (a int)')
    expect((await sqlError(h.run('CREATE TABLE b (c int REFERENCES n)'))).code).toBe('42830')
  })

  test('DROP TABLE of a referenced table is 2BP01; CASCADE drops the constraint; dropping the child unlinks it', async () => {
    const e = await sqlError(h.run('DROP TABLE customers'))
    expect(e).toMatchObject({ code: '2BP01', detail: 'constraint orders_customer_fkey on table orders depends on table customers' })
    await h.run('DROP TABLE customers CASCADE')
    await h.run('INSERT INTO orders VALUES (1, 99, NULL)')
    await h.run('CREATE TABLE p (id int PRIMARY KEY)')
    await h.run('CREATE TABLE c (p int REFERENCES p)')
    await h.run('DROP TABLE c')
    await h.run('DROP TABLE p')
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
