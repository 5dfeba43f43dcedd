// ARCHITECTURE.md step 4 and "Recovery": a commit acknowledged to a client survives kill -9.
// Method: concurrent clients commit rows (each transaction writes two tables atomically) to a
// real server process; the process is SIGKILLed mid-load and restarted on the same directory;
// every acknowledged transaction must be there whole, and no transaction may be there in half.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { post, startServer } from './server-process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-crash-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const clients = 16
const loadMsMax = 1_500

describe('crash: kill -9 under load', () => {
  test('every acknowledged commit survives, nothing is half-applied', async () => {
    const first = await startServer(dataDir)
    const ddl = await post(`${first.url}/v1/sql`, {
      statements: [
        { sql: 'CREATE TABLE orders (id int8 PRIMARY KEY, client int4 NOT NULL, amount numeric(12,2))' },
        { sql: 'CREATE TABLE ledger (order_id int8 PRIMARY KEY, note text)' },
      ],
    })
    expect(ddl.status).toBe(200)

    const acked = new Set<number>()
    const attempted = new Set<number>()
    let stop = false
    const worker = async (client: number) => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const id = client * 1_000_000 + i
        attempted.add(id)
        try {
          const r = await post(`${first.url}/v1/sql`, {
            statements: [
              { sql: 'INSERT INTO orders VALUES ($1, $2, $3)', params: [String(id), client, '12.50'] },
              { sql: 'INSERT INTO ledger VALUES ($1, $2)', params: [String(id), `order ${id}`] },
            ],
          })
          if (r.status === 200) acked.add(id)
        } catch {
          return // the server is gone
        }
      }
    }
    const load = Promise.all(Array.from({ length: clients }, (_, c) => worker(c + 1)))
    await new Promise((r) => setTimeout(r, loadMsMax))
    await first.kill9()
    stop = true
    await load
    expect(acked.size).toBeGreaterThan(50)

    const second = await startServer(dataDir)
    try {
      const orders = await post(`${second.url}/v1/sql`, { sql: 'SELECT id, client, amount FROM orders', rowMode: 'array' })
      const ledger = await post(`${second.url}/v1/sql`, { sql: 'SELECT order_id FROM ledger', rowMode: 'array' })
      expect(orders.status).toBe(200)
      expect(ledger.status).toBe(200)
      const orderIds = new Set<number>(orders.body.rows.map((r: string[]) => Number(r[0])))
      const ledgerIds = new Set<number>(ledger.body.rows.map((r: string[]) => Number(r[0])))
      const lost = [...acked].filter((id) => !orderIds.has(id) || !ledgerIds.has(id))
      expect(lost).toEqual([])
      // Whole or not at all: the two tables hold the same transactions.
      expect([...orderIds].sort()).toEqual([...ledgerIds].sort())
      // Nothing appears that no client sent.
      expect([...orderIds].filter((id) => !attempted.has(id))).toEqual([])
      for (const row of orders.body.rows as string[][]) expect(row[2]).toBe('12.50')
      // The restarted server takes new writes after the recovered ones.
      const more = await post(`${second.url}/v1/sql`, { sql: 'INSERT INTO ledger VALUES (1, $1) RETURNING order_id', params: ['after restart'] })
      expect(more.status).toBe(200)
      expect(more.body.rows).toEqual([{ order_id: '1' }])
    } finally {
      expect(await second.stop()).toBe(0)
    }
  }, 60_000)
})
