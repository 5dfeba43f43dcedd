// Example: Kysely on Tessera. Creates a table with the schema builder, writes, reads with typed
// queries, then runs two conflicting transfers at once, re-run by retry(). See examples/README.md.
//   TESSERA_URL=http://127.0.0.1:7701 TESSERA_TOKEN=... bun examples/kysely/index.ts
import { Kysely, sql, type Generated } from 'kysely'
import { retry, TesseraDialect } from 'tessera/kysely'

interface Database {
  kysely_accounts: { id: number; owner: string; balance: string; opened_at: Generated<string> }
}

const db = new Kysely<Database>({
  dialect: new TesseraDialect({
    url: process.env.TESSERA_URL ?? 'http://127.0.0.1:7701',
    token: process.env.TESSERA_TOKEN,
  }),
})

// Schema and data in one transaction (Tessera's DDL is transactional; re-runnable: the table is
// recreated). DDL racing other DDL in the cluster can get 40001, so the transaction is retried.
await retry(() =>
  db.transaction().execute(async (trx) => {
    await trx.schema.dropTable('kysely_accounts').ifExists().execute()
    await trx.schema
      .createTable('kysely_accounts')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('balance', 'bigint', (c) => c.notNull())
      .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute()
    await trx
      .insertInto('kysely_accounts')
      .values([
        { id: 1, owner: 'ada', balance: '100' },
        { id: 2, owner: 'grace', balance: '100' },
      ])
      .execute()
  }),
)
console.log(
  'accounts:',
  await db.selectFrom('kysely_accounts').select(['owner', 'balance']).orderBy('id').execute(),
)

// Two transfers from the same account at once: the later commit gets 40001; retry() runs the
// whole Kysely transaction again after a short jittered backoff.
let attempts = 0
const transfer = (amount: number) =>
  retry(
    () =>
      db.transaction().execute(async (trx) => {
        attempts++
        const from = await trx
          .selectFrom('kysely_accounts')
          .select('balance')
          .where('id', '=', 1)
          .executeTakeFirstOrThrow()
        await new Promise((r) => setTimeout(r, 100))
        await trx
          .updateTable('kysely_accounts')
          .set({ balance: String(BigInt(from.balance) - BigInt(amount)) })
          .where('id', '=', 1)
          .execute()
        await trx
          .updateTable('kysely_accounts')
          .set((eb) => ({ balance: sql`${eb.ref('balance')} + ${amount}` }))
          .where('id', '=', 2)
          .execute()
      }),
    { onRetry: (error, n) => console.log(`retry ${n} after: ${(error as Error).message}`) },
  )
await Promise.all([transfer(10), transfer(25)])

const after = await db
  .selectFrom('kysely_accounts')
  .select(['owner', 'balance'])
  .orderBy('id')
  .execute()
console.log(`2 transfers took ${attempts} attempts; accounts:`, after)
if (after[0]?.balance !== '65' || after[1]?.balance !== '135') throw new Error('balances are wrong')
await db.destroy()
