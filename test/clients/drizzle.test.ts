// Drizzle on Tessera against a real server process (issue 5, "Tests": Drizzle): `drizzle-kit
// generate` output applied by the migrator (also by two at once), several column types round
// trip, CRUD, serial keys, joins, relational queries (with and without `with`), transactions
// (commit, rollback, retry on real and injected conflicts, retry's signal), batch. Serial keys
// and foreign keys from drizzle-kit, and nested ordered `with`: drizzle-relations.test.ts.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { count, DrizzleQueryError, eq, gt, sql, TransactionRollbackError } from 'drizzle-orm'
import { createClient } from '../../client-sdk/index.ts'
import {
  drizzle,
  isRetryable,
  migrate,
  TesseraError,
  type TesseraDatabase,
} from '../../client-sdk/drizzle/index.ts'
import * as schema from './drizzle-schema.ts'
import { drizzleKitGenerate, holdingClient, outcomeWithin, serveTestFile } from './harness.ts'

const { users, accounts, notes } = schema
const served = serveTestFile((server) =>
  drizzle(createClient({ url: server.url, token: server.token }), { schema }),
)
const migrationsFolder = mkdtempSync(join(tmpdir(), 'tessera-drizzle-kit-'))
afterAll(() => rmSync(migrationsFolder, { recursive: true, force: true }))

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
}

describe('migrations', () => {
  test('drizzle-kit generate output is applied once, also by two migrators at once', async () => {
    const generated = drizzleKitGenerate(
      join(import.meta.dir, 'drizzle-schema.ts'),
      migrationsFolder,
    )
    expect(generated).toContain('CREATE TABLE "users"')
    expect(generated).toContain('CREATE INDEX "accounts_user_idx"')
    await Promise.all([migrate(served.db, { migrationsFolder }), migrate(served.db, { migrationsFolder })])
    await migrate(served.db, { migrationsFolder })
    const applied = await served.db.execute<{ id: string }>(sql`SELECT id FROM __drizzle_migrations`)
    expect(applied.rows).toEqual([{ id: '1' }])
    expect((await served.db.select().from(users)).length).toBe(0)
  }, 30_000)
})

describe('queries', () => {
  test('insert returning: every column type round-trips; defaults fill in', async () => {
    const born = '1815-12-10'
    const [ada] = await served.db
      .insert(users)
      .values({
        id: 1,
        name: 'Ada',
        big: 9007199254740993n,
        meta: { tags: ['math'] },
        price: '12.50',
        code: 'AL',
        score: 0.5,
        born,
      })
      .returning()
    expect(ada).toMatchObject({
      id: 1,
      name: 'Ada',
      big: 9007199254740993n,
      active: true,
      meta: { tags: ['math'] },
      price: '12.50',
      code: 'AL',
      score: 0.5,
      born,
    })
    expect(ada?.createdAt).toBeInstanceOf(Date)
    expect(Math.abs((ada?.createdAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000)
    expect(ada?.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/)
    await served.db.insert(users).values([
      { id: 2, name: 'Grace', active: false },
      { id: 3, name: 'Alan' },
    ])
  })

  test('select, where, partial select, count, update returning, upsert, delete', async () => {
    expect(
      await served.db
        .select({ id: users.id, name: users.name })
        .from(users)
        .where(gt(users.id, 1))
        .orderBy(users.id),
    ).toEqual([
      { id: 2, name: 'Grace' },
      { id: 3, name: 'Alan' },
    ])
    const [n] = await served.db.select({ n: count() }).from(users).where(eq(users.active, true))
    expect(n?.n).toBe(2)
    const updated = await served.db
      .update(users)
      .set({ score: 1.25 })
      .where(eq(users.id, 3))
      .returning({ id: users.id, score: users.score })
    expect(updated).toEqual([{ id: 3, score: 1.25 }])
    await served.db
      .insert(users)
      .values({ id: 3, name: 'Alan T.' })
      .onConflictDoUpdate({ target: users.id, set: { name: 'Alan T.' } })
    expect(
      (await served.db.select({ name: users.name }).from(users).where(eq(users.id, 3)))[0]?.name,
    ).toBe('Alan T.')
    await served.db.insert(users).values({ id: 3, name: 'ignored' }).onConflictDoNothing()
    const gone = await served.db.delete(users).where(eq(users.id, 2)).returning({ id: users.id })
    expect(gone).toEqual([{ id: 2 }])
    const byId = served.db
      .select({ name: users.name })
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare('by_id')
    expect(await byId.execute({ id: 1 })).toEqual([{ name: 'Ada' }])
    expect(await byId.execute({ id: 3 })).toEqual([{ name: 'Alan T.' }])
    expect(await served.db.$count(users)).toBe(2)
    expect(await served.db.$count(users, eq(users.active, true))).toBe(2)
    const raw = await served.db.execute<{ name: string }>(
      sql`SELECT name FROM ${users} WHERE ${users.id} = ${1}`,
    )
    expect([raw.rows, raw.command, raw.rowCount]).toEqual([[{ name: 'Ada' }], 'SELECT', 1])
  })

  test('relational queries without `with`', async () => {
    const found = await served.db.query.users.findFirst({
      columns: { id: true, name: true, big: true },
      where: eq(users.id, 1),
    })
    expect(found).toEqual({ id: 1, name: 'Ada', big: 9007199254740993n })
    const many = await served.db.query.users.findMany({
      columns: { name: true },
      orderBy: (u, { desc }) => [desc(u.id)],
      limit: 5,
    })
    expect(many).toEqual([{ name: 'Alan T.' }, { name: 'Ada' }])
  })

  test('serial keys fill in; inner and left joins', async () => {
    const inserted = await served.db
      .insert(notes)
      .values([
        { userId: 1, body: 'first' },
        { userId: 1, body: 'second' },
        { userId: 99, body: 'orphan' },
      ])
      .returning({ id: notes.id })
    expect(inserted).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    const inner = await served.db
      .select({ body: notes.body, author: users.name })
      .from(notes)
      .innerJoin(users, eq(notes.userId, users.id))
      .orderBy(notes.id)
    expect(inner).toEqual([
      { body: 'first', author: 'Ada' },
      { body: 'second', author: 'Ada' },
    ])
    const left = await served.db
      .select({ body: notes.body, author: users.name })
      .from(notes)
      .leftJoin(users, eq(notes.userId, users.id))
      .orderBy(notes.id)
    expect(left.map((r) => r.author)).toEqual(['Ada', 'Ada', null])
    const whole = await served.db
      .select()
      .from(notes)
      .innerJoin(users, eq(notes.userId, users.id))
      .limit(1)
    expect(whole[0]?.notes.body).toBe('first')
    expect(whole[0]?.users.big).toBe(9007199254740993n)
  })

  test('NaN and ±Infinity parameters are stored as themselves, never as NULL', async () => {
    await served.db.insert(users).values([
      { id: 301, name: 'nan', score: NaN },
      { id: 302, name: 'inf', score: Infinity },
      { id: 303, name: 'minf', score: -Infinity },
    ])
    const rows = await served.db
      .select({ id: users.id, score: users.score })
      .from(users)
      .where(gt(users.id, 300))
      .orderBy(users.id)
    expect(rows).toEqual([
      { id: 301, score: NaN },
      { id: 302, score: Infinity },
      { id: 303, score: -Infinity },
    ])
    await served.db.delete(users).where(gt(users.id, 300))
  })

  test('errors come wrapped in DrizzleQueryError with the TesseraError as cause', async () => {
    const e = await rejection(served.db.insert(users).values({ id: 1, name: 'dup' }))
    expect(e).toBeInstanceOf(DrizzleQueryError)
    const cause = (e as DrizzleQueryError).cause
    expect(cause).toBeInstanceOf(TesseraError)
    expect((cause as TesseraError).code).toBe('23505')
  })
})

describe('transactions and batch', () => {
  test('commit; tx.rollback() and a throwing callback leave nothing', async () => {
    await served.db.transaction(async (tx) => {
      await tx.insert(accounts).values([
        { id: 1, userId: 1, balance: 100 },
        { id: 2, userId: 3, balance: 100 },
      ])
    })
    const rolled = await rejection(
      served.db.transaction(async (tx) => {
        await tx.insert(accounts).values({ id: 3, userId: 1, balance: 1 })
        tx.rollback()
      }),
    )
    expect(rolled).toBeInstanceOf(TransactionRollbackError)
    expect((await served.db.select({ id: accounts.id }).from(accounts)).map((r) => r.id).sort()).toEqual([
      1, 2,
    ])
  })

  test('nested transactions, serializable and deferrable are refused with 0A000', async () => {
    const nested = await rejection(served.db.transaction((tx) => tx.transaction(async () => {})))
    expect((nested as TesseraError).code).toBe('0A000')
    expect(
      (
        (await rejection(
          served.db.transaction(async () => {}, { isolationLevel: 'serializable' }),
        )) as TesseraError
      ).code,
    ).toBe('0A000')
    const ro = await rejection(
      served.db.transaction((tx) => tx.delete(accounts), { accessMode: 'read only' }),
    )
    expect((ro as DrizzleQueryError).cause).toMatchObject({ code: '25006' })
  })

  test('two concurrent transfers conflict; { retry: true } re-runs the loser', async () => {
    let reads = 0
    let release!: () => void
    const bothRead = new Promise<void>((r) => (release = r))
    const transfer = (to: number, amount: number) =>
      served.db.transaction(
        async (tx) => {
          const [from] = await tx
            .select({ balance: accounts.balance })
            .from(accounts)
            .where(eq(accounts.id, 1))
          if (++reads === 2) release()
          if (reads <= 2) await Promise.race([bothRead, new Promise((r) => setTimeout(r, 5_000))])
          await tx
            .update(accounts)
            .set({ balance: (from?.balance ?? 0) - amount })
            .where(eq(accounts.id, 1))
          await tx
            .update(accounts)
            .set({ balance: sql`${accounts.balance} + ${amount}` })
            .where(eq(accounts.id, to))
        },
        { retry: { backoff: { baseMs: 5, maxMs: 50 } } },
      )
    await Promise.all([transfer(2, 10), transfer(2, 5)])
    // At least one re-run (more when the winner's commit was still in flight at the first).
    expect(reads).toBeGreaterThanOrEqual(3)
    expect(
      await served.db
        .select({ id: accounts.id, balance: accounts.balance })
        .from(accounts)
        .orderBy(accounts.id),
    ).toEqual([
      { id: 1, balance: 85 },
      { id: 2, balance: 115 },
    ])
  })

  test('an injected 40001 is retryable through DrizzleQueryError: rejected without retry, retried with it', async () => {
    await served.server.arm({ code: '40001', count: 1, match: 'update "accounts"' })
    const e = await rejection(
      served.db.transaction((tx) => tx.update(accounts).set({ balance: 0 }).where(eq(accounts.id, 2))),
    )
    expect(e).toBeInstanceOf(DrizzleQueryError)
    expect(isRetryable(e)).toBe(true)
    await served.server.arm({ code: '40001', count: 2, match: 'update "accounts"' })
    let runs = 0
    await served.db.transaction(
      async (tx) => {
        runs++
        await tx.update(accounts).set({ balance: 7 }).where(eq(accounts.id, 2))
      },
      { retry: { backoff: () => 0 } },
    )
    expect(runs).toBe(3)
    expect(
      (await served.db.select({ balance: accounts.balance }).from(accounts).where(eq(accounts.id, 2)))[0]
        ?.balance,
    ).toBe(7)
  })

  test("retry's signal reaches the commit, as client.transaction's does: aborted while queued, it is never sent", async () => {
    const held = holdingClient(served.server, 'hung')
    const db = drizzle(held.client, { schema })
    const stop = new AbortController()
    const run = db.transaction(
      async (tx) => {
        // Left running: the commit waits behind it.
        void tx.execute(sql`UPDATE accounts SET balance = 5000 WHERE id = 2 AND 'hung' <> ''`).then(
          () => {},
          () => {},
        )
      },
      { retry: { signal: stop.signal } },
    )
    await Bun.sleep(50)
    const reason = new Error('stop')
    stop.abort(reason)
    expect(await outcomeWithin(run)).toBe(reason)
    held.release()
    // Rolled back once the statement ahead finished, not left open until the idle timeout.
    const open = async () => (await held.client.health()).openTransactions
    for (let i = 0; i < 100 && (await open()) > 0; i++) await Bun.sleep(10)
    expect(await open()).toBe(0)
    expect(held.sent.filter((request) => request.endsWith('/commit {}'))).toEqual([])
    expect(
      (await served.db.select({ balance: accounts.balance }).from(accounts).where(eq(accounts.id, 2)))[0]
        ?.balance,
    ).not.toBe(5000)
  })

  test('batch: one atomic request, each result mapped like the query alone', async () => {
    const [inserted, selected, counted] = await served.db.batch([
      served.db.insert(accounts).values({ id: 10, userId: 1, balance: 1 }).returning({ id: accounts.id }),
      served.db
        .select({ id: accounts.id, balance: accounts.balance })
        .from(accounts)
        .where(eq(accounts.id, 10)),
      served.db.select({ n: count() }).from(accounts),
    ])
    expect(inserted).toEqual([{ id: 10 }])
    expect(selected).toEqual([{ id: 10, balance: 1 }])
    expect(counted).toEqual([{ n: 3 }])
    const failed = await rejection(
      served.db.batch([
        served.db.insert(accounts).values({ id: 11, userId: 1, balance: 1 }),
        served.db.insert(accounts).values({ id: 10, userId: 1, balance: 1 }),
      ]),
    )
    expect((failed as TesseraError).code).toBe('23505')
    expect(
      (await served.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, 11))).length,
    ).toBe(0)
  })

  test('batch takes raw SQL (db.execute) beside query builders, as the HTTP drivers do', async () => {
    const [selected, raw, written] = await served.db.batch([
      served.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, 10)),
      served.db.execute<{ one: number; word: string }>(sql`SELECT 1 AS one, ${'hi'} AS word`),
      served.db.execute(sql`UPDATE accounts SET balance = balance WHERE id = ${10}`),
    ])
    expect(selected).toEqual([{ id: 10 }])
    expect(raw.rows).toEqual([{ one: 1, word: 'hi' }])
    expect([raw.command, written.command, written.rowCount]).toEqual(['SELECT', 'UPDATE', 1])
  })
})

describe('relational queries with `with`', () => {
  test('one-to-many and many-to-one, nested columns mapped by their types', async () => {
    const withAccounts = await served.db.query.users.findMany({
      columns: { name: true },
      with: { accounts: { columns: { id: true, balance: true } } },
      orderBy: (u, { asc }) => [asc(u.id)],
    })
    const shape = withAccounts.map((u) => [
      u.name,
      u.accounts.map((a) => a.id).sort((a, b) => a - b),
    ])
    expect(shape).toEqual([
      ['Ada', [1, 10]],
      ['Alan T.', [2]],
    ])
    expect(withAccounts[1]?.accounts).toEqual([{ id: 2, balance: 7 }])
    const account = await served.db.query.accounts.findFirst({
      where: eq(accounts.id, 2),
      with: { user: { columns: { name: true, big: true } } },
    })
    expect(account?.user).toEqual({ name: 'Alan T.', big: null })
    const ada = await served.db.query.accounts.findFirst({
      where: eq(accounts.id, 1),
      with: { user: true },
    })
    // Nested rows travel as JSON, and an int8 in JSON is a JSON number: beyond 2^53 it loses
    // precision in JSON.parse, as with PostgreSQL and node-postgres. Top-level columns do not.
    expect(typeof ada?.user.big).toBe('bigint')
    expect(ada?.user.createdAt).toBeInstanceOf(Date)
  })
})

// Type tests: checked by `tsc --noEmit -p .`, not run.
export function typeTests(d: TesseraDatabase<typeof schema>) {
  void (async () => {
    const rows = await d.select({ big: users.big, at: users.createdAt }).from(users)
    const big: bigint | null | undefined = rows[0]?.big
    const at: Date | undefined = rows[0]?.at
    // @ts-expect-error name is required
    await d.insert(users).values({ id: 1 })
    // @ts-expect-error big is a bigint column in bigint mode
    await d.insert(users).values({ id: 1, name: 'x', big: 'no' })
    // @ts-expect-error retry takes RetryOptions or a boolean
    await d.transaction(async () => {}, { retry: 'yes' })
    const found = await d.query.users.findFirst({ columns: { id: true } })
    // @ts-expect-error only the chosen columns are returned
    void found?.name
    void [big, at]
  })
}
