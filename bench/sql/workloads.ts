// The data and queries of bench/sql: customers and their orders, loaded by multi-row INSERTs, read
// by primary-key lookups and join-and-aggregate queries of decreasing selectivity.
import type { Row, Statement } from './engines.ts'

export const COUNTRY_COUNT = 20

/** Table sizes: `orders` rows, a tenth as many customers (each with about ten orders). */
export interface Sizes {
  readonly orders: number
  readonly customers: number
}

export function sizesOf(orders: number): Sizes {
  return { orders, customers: Math.max(1, Math.floor(orders / 10)) }
}

export const schema: readonly Statement[] = [
  'CREATE TABLE customers (id int8 PRIMARY KEY, name text NOT NULL, country text NOT NULL, tier int4 NOT NULL)',
  'CREATE TABLE orders (id int8 PRIMARY KEY, customer_id int8 NOT NULL, amount int8 NOT NULL, status text NOT NULL)',
  'CREATE INDEX orders_customer_id ON orders (customer_id)',
].map((sql) => ({ sql, params: [] }))

export const countryOf = (c: number) => `country-${String(c % COUNTRY_COUNT).padStart(2, '0')}`

/** The loading transactions, customers first: each a list of INSERTs of `rowsPerInsert` rows and
 * at most `rowsPerTx` rows in all. */
export function loadTransactions(sizes: Sizes, rowsPerInsert: number, rowsPerTx: number): Statement[][] {
  return [
    ...batches('customers', sizes.customers, rowsPerInsert, rowsPerTx, (i) => [i, `customer ${i}`, countryOf(i), i % 4]),
    // Multiplying by a prime spreads each customer's orders over the whole id range.
    ...batches('orders', sizes.orders, rowsPerInsert, rowsPerTx, (i) => [
      i,
      (i * 7919) % sizes.customers,
      (i * 31) % 1000,
      i % 3 === 0 ? 'open' : 'paid',
    ]),
  ]
}

function batches(table: string, count: number, rowsPerInsert: number, rowsPerTx: number, rowOf: (i: number) => unknown[]) {
  const txs: Statement[][] = []
  for (let tx = 0; tx < count; tx += rowsPerTx) {
    const statements: Statement[] = []
    const txEnd = Math.min(count, tx + rowsPerTx)
    for (let at = tx; at < txEnd; at += rowsPerInsert) {
      const tuples: string[] = []
      const params: unknown[] = []
      for (let i = at; i < Math.min(txEnd, at + rowsPerInsert); i++) {
        const row = rowOf(i)
        tuples.push(`(${row.map((_, c) => `$${params.length + c + 1}`).join(', ')})`)
        params.push(...row)
      }
      statements.push({ sql: `INSERT INTO ${table} VALUES ${tuples.join(', ')}`, params })
    }
    txs.push(statements)
  }
  return txs
}

export interface Workload {
  readonly name: string
  readonly what: string
  readonly sql: string
  /** The parameters of the next query, drawn from `random` in [0, 1). */
  readonly params: (random: () => number, sizes: Sizes) => unknown[]
}

const joined = 'FROM orders o JOIN customers c ON c.id = o.customer_id'
const anyCountry = (r: () => number) => [countryOf(Math.floor(r() * COUNTRY_COUNT))]

/** What the bench runs by default. */
export const workloads: readonly Workload[] = [
  {
    name: 'point',
    what: 'primary-key lookup of one order, random id',
    sql: 'SELECT id, customer_id, amount, status FROM orders WHERE id = $1',
    params: (r, s) => [Math.floor(r() * s.orders)],
  },
  {
    name: 'join-all',
    what: `orders ⋈ customers, count/sum per country (${COUNTRY_COUNT} groups over every order)`,
    sql: `SELECT c.country, count(*), sum(o.amount) ${joined} GROUP BY c.country ORDER BY c.country`,
    params: () => [],
  },
  {
    name: 'join-country',
    what: `the same WHERE c.country = $1 (1/${COUNTRY_COUNT} of customers), grouped by tier`,
    sql: `SELECT c.tier, count(*), sum(o.amount) ${joined} WHERE c.country = $1 GROUP BY c.tier ORDER BY c.tier`,
    params: anyCountry,
  },
  {
    name: 'join-customer',
    what: 'the same WHERE c.id = $1 (one customer, about ten orders)',
    sql: `SELECT c.name, count(*), sum(o.amount), max(o.amount) ${joined} WHERE c.id = $1 GROUP BY c.name`,
    params: (r, s) => [Math.floor(r() * s.customers)],
  },
  {
    name: 'window-rank',
    what: 'rank() of every order within its customer by amount, counting the top ones (a sort per partition)',
    sql: 'SELECT count(*) FROM (SELECT rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS r FROM orders) s WHERE r = 1',
    params: () => [],
  },
  {
    name: 'window-moving',
    what: 'a moving average over 100 orders in id order, the whole table (a sliding frame)',
    sql: 'SELECT max(m) FROM (SELECT avg(amount) OVER (ORDER BY id ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) AS m FROM orders) s',
    params: () => [],
  },
]

/** With --breakdown: the pieces of the join queries, to see where an engine's time goes. */
export const breakdown: readonly Workload[] = [
  { name: 'scan-count', what: 'count(*) of orders: the scan alone', sql: 'SELECT count(*) FROM orders', params: () => [] },
  {
    name: 'scan-group',
    what: 'orders grouped by status with count/sum: scan and grouping, no join',
    sql: 'SELECT o.status, count(*), sum(o.amount) FROM orders o GROUP BY o.status ORDER BY o.status',
    params: () => [],
  },
  {
    name: 'join-count',
    what: 'count(*) of orders ⋈ customers: scan and hash join, no grouping',
    sql: `SELECT count(*) ${joined}`,
    params: () => [],
  },
  {
    name: 'join-country-lateral',
    what: 'join-country as a LATERAL lookup per customer (an index nested loop written by hand)',
    sql:
      'SELECT c.tier, count(*), sum(o.amount) FROM customers c CROSS JOIN LATERAL ' +
      '(SELECT amount FROM orders WHERE customer_id = c.id) o WHERE c.country = $1 GROUP BY c.tier ORDER BY c.tier',
    params: anyCountry,
  },
]

/** A small seeded generator (mulberry32), so both engines see the same parameter sequence. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Rows as comparable text: int8 and numeric arrive as strings from one engine and as numbers
 * from the other; row order counts only where the query orders. */
export function normalized(rows: readonly Row[], ordered: boolean): string {
  const lines = rows.map((r) => JSON.stringify(r.map((v) => (v === null ? null : String(v)))))
  return (ordered ? lines : lines.sort()).join('\n')
}
