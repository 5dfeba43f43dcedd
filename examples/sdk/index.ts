// Example: the Tessera SDK. Creates a table, writes, reads, then runs two conflicting transfers
// at once: one commit gets 40001 and client.transaction() re-runs it. See examples/README.md.
//   TESSERA_URL=http://127.0.0.1:7701 TESSERA_TOKEN=... bun examples/sdk/index.ts
import { createClient, retry, sql } from 'tessera'

const db = createClient({
  url: process.env.TESSERA_URL ?? 'http://127.0.0.1:7701',
  token: process.env.TESSERA_TOKEN,
})

// Schema and data in one atomic batch (re-runnable: the table is recreated). DDL conflicts too:
// CREATE TABLE racing other DDL in the cluster can get 40001, so the batch is retried.
await retry(() =>
  db.batch([
    'DROP TABLE IF EXISTS sdk_accounts',
    'CREATE TABLE sdk_accounts (id int8 PRIMARY KEY, owner text NOT NULL, balance int8 NOT NULL)',
    sql`INSERT INTO sdk_accounts VALUES (${1}, ${'ada'}, ${100}), (${2}, ${'grace'}, ${100})`,
  ]),
)

// Reads: rows are typed by the caller; int8 arrives as a string unless intMode says otherwise.
const { rows } = await db.query<{ owner: string; balance: string }>(
  sql`SELECT owner, balance FROM sdk_accounts ORDER BY id`,
)
console.log('accounts:', rows)

// Two transfers from the same account at once. Both read the balance before either writes, so
// their writes overlap: the later commit gets 40001 and its callback runs again on a fresh snapshot.
let attempts = 0
const transfer = (amount: number) =>
  db.transaction(
    async (tx) => {
      attempts++
      const [from] = (
        await tx.query<{ balance: string }>('SELECT balance FROM sdk_accounts WHERE id = 1')
      ).rows
      await new Promise((r) => setTimeout(r, 100))
      await tx.query('UPDATE sdk_accounts SET balance = $1 WHERE id = 1', [
        BigInt(from?.balance ?? 0) - BigInt(amount),
      ])
      await tx.query('UPDATE sdk_accounts SET balance = balance + $1 WHERE id = 2', [amount])
    },
    {
      onRetry: (error, retry, delayMs) =>
        console.log(
          `retry ${retry} after: ${(error as Error).message} (waited ${delayMs.toFixed(0)} ms)`,
        ),
    },
  )
await Promise.all([transfer(10), transfer(25)])

const after = await db.query<{ owner: string; balance: string }>(
  'SELECT owner, balance FROM sdk_accounts ORDER BY id',
)
console.log(`2 transfers took ${attempts} attempts; accounts:`, after.rows)
if (after.rows[0]?.balance !== '65' || after.rows[1]?.balance !== '135')
  throw new Error('balances are wrong')
