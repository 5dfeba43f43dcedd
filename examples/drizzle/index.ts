// Example: Drizzle ORM on Tessera. Applies the drizzle-kit migrations, writes, reads, then runs
// two conflicting transfers at once with `{ retry: true }`. See examples/README.md.
//   TESSERA_URL=http://127.0.0.1:7701 TESSERA_TOKEN=... bun examples/drizzle/index.ts
import { asc, eq, sql } from 'drizzle-orm'
import { createClient } from 'tessera'
import { drizzle, migrate } from 'tessera/drizzle'
import * as schema from './schema.ts'

const { accounts } = schema
const db = drizzle(
  createClient({
    url: process.env.TESSERA_URL ?? 'http://127.0.0.1:7701',
    token: process.env.TESSERA_TOKEN,
  }),
  { schema },
)

// Schema from drizzle-kit's migrations (applied once, whoever runs first), then fresh data.
await migrate(db, { migrationsFolder: new URL('./migrations', import.meta.url).pathname })
await db.transaction(
  async (tx) => {
    await tx.delete(accounts)
    await tx.insert(accounts).values([
      { id: 1, owner: 'ada', balance: 100 },
      { id: 2, owner: 'grace', balance: 100 },
    ])
  },
  { retry: true },
)
console.log(
  'accounts:',
  await db
    .select({ owner: accounts.owner, balance: accounts.balance })
    .from(accounts)
    .orderBy(asc(accounts.id)),
)

// Two transfers from the same account at once: the later commit gets 40001 (drizzle wraps it in
// DrizzleQueryError; the retry finds it in the cause chain) and its callback runs again.
let attempts = 0
const transfer = (amount: number) =>
  db.transaction(
    async (tx) => {
      attempts++
      const [from] = await tx
        .select({ balance: accounts.balance })
        .from(accounts)
        .where(eq(accounts.id, 1))
      await new Promise((r) => setTimeout(r, 100))
      await tx
        .update(accounts)
        .set({ balance: (from?.balance ?? 0) - amount })
        .where(eq(accounts.id, 1))
      await tx
        .update(accounts)
        .set({ balance: sql`${accounts.balance} + ${amount}` })
        .where(eq(accounts.id, 2))
    },
    {
      retry: {
        onRetry: (error, n) =>
          console.log(`retry ${n} after: ${(error as Error).message.split('\n')[0]}`),
      },
    },
  )
await Promise.all([transfer(10), transfer(25)])

const after = await db
  .select({ owner: accounts.owner, balance: accounts.balance })
  .from(accounts)
  .orderBy(asc(accounts.id))
console.log(`2 transfers took ${attempts} attempts; accounts:`, after)
if (after[0]?.balance !== 65 || after[1]?.balance !== 135) throw new Error('balances are wrong')
