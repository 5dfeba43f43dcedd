// The Kysely dialect against a real server process (issue 5, "Tests": Kysely): schema builder
// DDL, typed selects/inserts/updates/deletes, joins, nested relations (kysely/helpers/postgres'
// jsonArrayFrom and jsonObjectFrom), transactions (callback, controlled, read-only), the conflict
// retry, clear errors for savepoints and serializable, AbortSignal and streaming; the Migrator
// and introspection are in kysely-catalog.test.ts. Method: real Kysely queries over real HTTP.
import { describe, expect, test } from 'bun:test'
import { Kysely, sql, type Generated, type Insertable, type Selectable } from 'kysely'
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres'
import {
  isRetryable,
  retry,
  TesseraAdapter,
  TesseraDialect,
  TesseraError,
  withSignal,
} from '../../client-sdk/kysely/index.ts'
import { holdingClient, serveTestFile } from './harness.ts'

interface PersonTable {
  id: number
  first_name: string
  last_name: string | null
  active: Generated<boolean>
  created_at: Generated<string>
  meta: unknown
  score: string | null
}
interface AccountTable {
  id: string
  balance: string
}
interface DB {
  person: PersonTable
  account: AccountTable
  pet: { id: number; name: string; owner_id: number | null }
}

const served = serveTestFile(
  (server) =>
    new Kysely<DB>({ dialect: new TesseraDialect({ url: server.url, token: server.token }) }),
  (db) => db.destroy(),
)

async function rejection(p: Promise<unknown>): Promise<TesseraError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(TesseraError)
  return e as TesseraError
}

describe('schema builder', () => {
  test('create table (types, defaults, not null), if not exists, index, drop', async () => {
    await served.db.schema
      .createTable('person')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('first_name', 'varchar(255)', (c) => c.notNull())
      .addColumn('last_name', 'text')
      .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('meta', 'jsonb')
      .addColumn('score', 'numeric(10, 2)')
      .execute()
    await served.db.schema
      .createTable('person')
      .ifNotExists()
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute()
    await served.db.schema.createIndex('person_last_name_idx').on('person').column('last_name').execute()
    await served.db.schema
      .createTable('account')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('balance', 'bigint', (c) => c.notNull())
      .execute()
    await served.db.schema
      .createTable('scratch')
      .addColumn('k', 'text', (c) => c.primaryKey())
      .execute()
    await served.db.schema.dropTable('scratch').execute()
    await served.db.schema.dropTable('scratch').ifExists().execute()
    const e = await rejection(
      served.db.schema
        .createTable('account')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .execute(),
    )
    expect(e.code).toBe('42P07')
  })
})

describe('typed queries', () => {
  test('insert returning, select with where/order/limit, update and delete counts, upsert, aggregate', async () => {
    const inserted = await served.db
      .insertInto('person')
      .values([
        {
          id: 1,
          first_name: 'Ada',
          last_name: 'Lovelace',
          meta: JSON.stringify({ born: 1815 }),
          score: '9.50',
        },
        { id: 2, first_name: 'Grace', last_name: 'Hopper', meta: null, score: null },
        { id: 3, first_name: 'Alan', last_name: null, meta: null, score: '7.25' },
      ])
      .returning(['id', 'active'])
      .execute()
    expect(inserted).toEqual([
      { id: 1, active: true },
      { id: 2, active: true },
      { id: 3, active: true },
    ])

    const ada: Selectable<PersonTable> | undefined = await served.db
      .selectFrom('person')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirst()
    expect(ada).toMatchObject({
      first_name: 'Ada',
      last_name: 'Lovelace',
      meta: { born: 1815 },
      score: '9.50',
    })
    expect(ada?.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/)

    const names = await served.db
      .selectFrom('person')
      .select(['first_name'])
      .where('last_name', 'is not', null)
      .orderBy('first_name', 'desc')
      .limit(1)
      .execute()
    expect(names).toEqual([{ first_name: 'Grace' }])
    const a = await served.db
      .selectFrom('person')
      .select('id')
      .where((eb) => eb.or([eb('first_name', 'like', 'A%'), eb('score', '>', '9')]))
      .orderBy('id')
      .execute()
    expect(a.map((r) => r.id)).toEqual([1, 3])

    const updated = await served.db
      .updateTable('person')
      .set({ last_name: 'Turing' })
      .where('id', '=', 3)
      .executeTakeFirst()
    expect(updated.numUpdatedRows).toBe(1n)
    const upserted = await served.db
      .insertInto('person')
      .values({ id: 2, first_name: 'Grace B.', last_name: 'Hopper', meta: null, score: null })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({ first_name: eb.ref('excluded.first_name') })),
      )
      .returning('first_name')
      .executeTakeFirstOrThrow()
    expect(upserted.first_name).toBe('Grace B.')
    const { n } = await served.db
      .selectFrom('person')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    expect(n).toBe('3')
    const deleted = await served.db.deleteFrom('person').where('id', '=', 3).executeTakeFirst()
    expect(deleted.numDeletedRows).toBe(1n)
  })

  test('streaming yields every row', async () => {
    const seen: number[] = []
    for await (const row of served.db.selectFrom('person').select('id').orderBy('id').stream(1))
      seen.push(row.id)
    expect(seen).toEqual([1, 2])
  })

  test('SQL errors reach the caller as TesseraError', async () => {
    const e = await rejection(
      served.db
        .insertInto('person')
        .values({ id: 1, first_name: 'dup', last_name: null, meta: null, score: null })
        .execute(),
    )
    expect([e.code, e.retryable]).toEqual(['23505', false])
  })
})

describe('values', () => {
  test('NaN and ±Infinity parameters are stored as themselves, never as NULL', async () => {
    await sql`CREATE TABLE kspecials (id int4 PRIMARY KEY, f float8, fs float8[])`.execute(served.db)
    await sql`INSERT INTO kspecials VALUES (1, ${NaN}, ${[Infinity, -Infinity]}), (2, ${-Infinity}, NULL)`.execute(
      served.db,
    )
    const { rows } = await sql<{ id: number; f: number; fs: number[] | null }>`
      SELECT id, f, fs FROM kspecials ORDER BY id`.execute(served.db)
    expect(rows).toEqual([
      { id: 1, f: NaN, fs: [Infinity, -Infinity] },
      { id: 2, f: -Infinity, fs: null },
    ])
  })
})

describe('joins', () => {
  test('inner and left joins, typed', async () => {
    await served.db.schema
      .createTable('pet')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'integer')
      .execute()
    await served.db
      .insertInto('pet')
      .values([
        { id: 1, name: 'Doggo', owner_id: 1 },
        { id: 2, name: 'Stray', owner_id: null },
      ])
      .execute()
    const inner = await served.db
      .selectFrom('pet')
      .innerJoin('person', 'person.id', 'pet.owner_id')
      .select(['pet.name as pet', 'person.first_name as owner'])
      .execute()
    expect(inner).toEqual([{ pet: 'Doggo', owner: 'Ada' }])
    const left: { pet: string; owner: string | null }[] = await served.db
      .selectFrom('pet')
      .leftJoin('person', 'person.id', 'pet.owner_id')
      .select(['pet.name as pet', 'person.first_name as owner'])
      .orderBy('pet.id')
      .execute()
    expect(left).toEqual([
      { pet: 'Doggo', owner: 'Ada' },
      { pet: 'Stray', owner: null },
    ])
  })
})

/** The tables of the nested-relations test (its own, so earlier tests' rows do not matter). */
type Zoo = {
  keeper: { id: number; name: string }
  // numeric reads as a string, but inside JSON it is a JSON number (PostgreSQL's to_json too).
  animal: { id: number; keeper_id: number | null; name: string; weight: string | number | null; born: string | null }
  toy: { id: number; animal_id: number; label: string }
}

describe('nested relations (kysely/helpers/postgres)', () => {
  test('jsonArrayFrom and jsonObjectFrom: owners with their pets and the pets’ toys, pets with their owner', async () => {
    const db = served.db.withTables<Zoo>()
    await db.schema.createTable('keeper').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull()).execute()
    await db.schema
      .createTable('animal')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('keeper_id', 'integer')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('weight', 'numeric(5, 2)')
      .addColumn('born', 'timestamp')
      .execute()
    await db.schema
      .createTable('toy')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('animal_id', 'integer', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .execute()
    await db.insertInto('keeper').values([{ id: 1, name: 'Ann' }, { id: 2, name: 'Bob' }]).execute()
    await db
      .insertInto('animal')
      .values([
        { id: 10, keeper_id: 1, name: 'Rex', weight: '12.50', born: '2020-01-02 03:04:05' },
        { id: 11, keeper_id: 1, name: 'Tom', weight: null, born: null },
        { id: 12, keeper_id: null, name: 'Stray', weight: '3', born: null },
      ])
      .execute()
    await db.insertInto('toy').values([{ id: 100, animal_id: 10, label: 'ball' }, { id: 101, animal_id: 10, label: 'bone' }]).execute()

    const keepers = await db
      .selectFrom('keeper')
      .select((eb) => [
        'keeper.id',
        'keeper.name',
        jsonArrayFrom(
          eb
            .selectFrom('animal')
            .select((inner) => [
              'animal.id',
              'animal.name',
              'animal.weight',
              'animal.born',
              jsonArrayFrom(inner.selectFrom('toy').select(['toy.label']).whereRef('toy.animal_id', '=', 'animal.id').orderBy('toy.id')).as('toys'),
            ])
            .whereRef('animal.keeper_id', '=', 'keeper.id')
            .orderBy('animal.id'),
        ).as('pets'),
      ])
      .orderBy('keeper.id')
      .execute()
    expect(keepers).toEqual([
      {
        id: 1,
        name: 'Ann',
        pets: [
          { id: 10, name: 'Rex', weight: 12.5, born: '2020-01-02T03:04:05', toys: [{ label: 'ball' }, { label: 'bone' }] },
          { id: 11, name: 'Tom', weight: null, born: null, toys: [] },
        ],
      },
      { id: 2, name: 'Bob', pets: [] },
    ])

    const animals = await db
      .selectFrom('animal')
      .select((eb) => [
        'animal.name',
        jsonObjectFrom(eb.selectFrom('keeper').select(['keeper.id', 'keeper.name']).whereRef('keeper.id', '=', 'animal.keeper_id')).as('keeper'),
      ])
      .orderBy('animal.id')
      .execute()
    expect(animals).toEqual([
      { name: 'Rex', keeper: { id: 1, name: 'Ann' } },
      { name: 'Tom', keeper: { id: 1, name: 'Ann' } },
      { name: 'Stray', keeper: null },
    ])
  })
})

describe('transactions', () => {
  test('db.transaction() commits; a throwing callback rolls back', async () => {
    await served.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('account')
        .values([
          { id: '1', balance: '100' },
          { id: '2', balance: '100' },
        ])
        .execute()
      // The transaction sees its own writes; others do not until commit.
      expect((await trx.selectFrom('account').select('id').execute()).length).toBe(2)
      expect((await served.db.selectFrom('account').select('id').execute()).length).toBe(0)
    })
    const boom = new Error('boom')
    const e = await served.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('account').set({ balance: '0' }).execute()
        throw boom
      })
      .catch((err: unknown) => err)
    expect(e).toBe(boom)
    expect(
      await served.db.selectFrom('account').select(['id', 'balance']).orderBy('id').execute(),
    ).toEqual([
      { id: '1', balance: '100' },
      { id: '2', balance: '100' },
    ])
  })

  test('controlled transactions (startTransaction): commit and rollback', async () => {
    const trx = await served.db.startTransaction().execute()
    await trx.insertInto('account').values({ id: '3', balance: '5' }).execute()
    await trx.commit().execute()
    const gone = await served.db.startTransaction().execute()
    await gone.insertInto('account').values({ id: '4', balance: '5' }).execute()
    await gone.rollback().execute()
    expect(
      (await served.db.selectFrom('account').select('id').where('id', 'in', ['3', '4']).execute()).map(
        (r) => r.id,
      ),
    ).toEqual(['3'])
  })

  test('savepoints and serializable are refused with clear errors; read only refuses writes', async () => {
    const trx = await served.db.startTransaction().execute()
    const sp = await rejection(trx.savepoint('sp1').execute())
    expect([sp.code, sp.message]).toEqual(['0A000', 'savepoints are not supported by Tessera'])
    await trx.rollback().execute()
    const ser = await rejection(
      served.db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async () => {}),
    )
    expect(ser.code).toBe('0A000')
    await served.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (t) => t.selectFrom('account').selectAll().execute())
    const ro = await rejection(
      served.db
        .transaction()
        .setAccessMode('read only')
        .execute((t) => t.deleteFrom('account').execute()),
    )
    expect(ro.code).toBe('25006')
  })

  test('two concurrent transfers conflict; retry() re-runs the loser and both apply', async () => {
    let reads = 0
    let release!: () => void
    const bothRead = new Promise<void>((r) => (release = r))
    const transfer = (amount: number) =>
      retry(() =>
        served.db.transaction().execute(async (trx) => {
          const from = await trx
            .selectFrom('account')
            .select('balance')
            .where('id', '=', '1')
            .executeTakeFirstOrThrow()
          if (++reads === 2) release()
          if (reads <= 2) await Promise.race([bothRead, new Promise((r) => setTimeout(r, 5_000))])
          await trx
            .updateTable('account')
            .set({ balance: String(Number(from.balance) - amount) })
            .where('id', '=', '1')
            .execute()
          await trx
            .updateTable('account')
            .set((eb) => ({ balance: sql`${eb.ref('balance')} + ${amount}` }))
            .where('id', '=', '2')
            .execute()
        }),
      )
    await Promise.all([transfer(10), transfer(20)])
    // At least one re-run (more when the winner's commit was still in flight at the first).
    expect(reads).toBeGreaterThanOrEqual(3)
    const rows = await served.db
      .selectFrom('account')
      .select(['id', 'balance'])
      .where('id', 'in', ['1', '2'])
      .orderBy('id')
      .execute()
    expect(rows).toEqual([
      { id: '1', balance: '70' },
      { id: '2', balance: '130' },
    ])
  })

  test('an injected 40001 inside a Kysely transaction is retryable and retried', async () => {
    await served.server.arm({ code: '40001', count: 1, match: 'update "account"' })
    let runs = 0
    const errors: unknown[] = []
    await retry(
      () =>
        served.db.transaction().execute(async (trx) => {
          runs++
          await trx.updateTable('account').set({ balance: '1' }).where('id', '=', '3').execute()
        }),
      { onRetry: (e) => errors.push(e) },
    )
    expect(runs).toBe(2)
    expect(isRetryable(errors[0])).toBe(true)
  })
})

describe('migration lock', () => {
  test("inside transactions the adapter's migration lock makes the later commit 40001; outside, it is a no-op", async () => {
    // The tables Kysely's Migrator creates before it takes the lock.
    await sql`CREATE TABLE kysely_migration_lock (id varchar(255) PRIMARY KEY, is_locked integer NOT NULL DEFAULT 0)`.execute(
      served.db,
    )
    await sql`INSERT INTO kysely_migration_lock (id) VALUES ('migration_lock')`.execute(served.db)
    const adapter = new TesseraAdapter()
    const options = {
      lockTable: 'kysely_migration_lock',
      lockRowId: 'migration_lock',
      lockTableSchema: undefined,
    }
    const first = await served.db.startTransaction().execute()
    const second = await served.db.startTransaction().execute()
    await adapter.acquireMigrationLock(first, options)
    await adapter.acquireMigrationLock(second, options)
    await adapter.releaseMigrationLock(first, options)
    await adapter.releaseMigrationLock(second, options)
    await first.commit().execute()
    const e = await rejection(second.commit().execute())
    expect([e.code, e.retryable]).toEqual(['40001', true])
    const row = await sql<{
      is_locked: number
    }>`SELECT is_locked FROM kysely_migration_lock`.execute(served.db)
    expect(row.rows).toEqual([{ is_locked: 0 }])
    // Outside a transaction (where Kysely 0.28 calls it) it sends nothing: no such table is fine.
    await adapter.acquireMigrationLock(served.db, { ...options, lockTable: 'no_such_table' })
    await adapter.releaseMigrationLock(served.db, { ...options, lockTable: 'no_such_table' })
  })
})

describe('abort', () => {
  test('withSignal aborts the request; the plain instance is unaffected', async () => {
    const controller = new AbortController()
    controller.abort(new Error('too slow'))
    const e = await withSignal(served.db, controller.signal)
      .selectFrom('account')
      .selectAll()
      .execute()
      .catch((err: Error) => err)
    expect((e as Error).message).toBe('too slow')
    expect(
      (await served.db.selectFrom('account').select('id').where('id', '=', '1').execute()).length,
    ).toBe(1)
  })
})

describe('abort in a transaction', () => {
  // Kysely runs a transaction's queries one at a time itself: an aborted query waiting behind a
  // hung one is held in Kysely's queue, not the SDK's, so it rejects only once the one ahead
  // finished; the signal still reaches the SDK, which then never sends it.
  test('withSignal(trx): an aborted query is never sent; the transaction goes on and commits', async () => {
    const held = holdingClient(served.server, 'hung')
    const db = new Kysely<DB>({ dialect: new TesseraDialect({ client: held.client }) })
    const trx = await db.startTransaction().execute()
    const hung = trx.updateTable('account').set({ balance: '700' }).where('id', '=', '1').where(sql<boolean>`'hung' <> ''`).execute()
    const controller = new AbortController()
    const aborted = withSignal(trx, controller.signal).updateTable('account').set({ balance: '800' }).where('id', '=', '1').execute()
    const behind = trx.selectFrom('account').select('balance').where('id', '=', '1').execute()
    controller.abort(new Error('gave up'))
    held.release()
    expect(((await aborted.catch((e: unknown) => e)) as Error).message).toBe('gave up')
    await hung
    expect(await behind).toEqual([{ balance: '700' }])
    await trx.commit().execute()
    expect(held.sent.filter((request) => request.includes('"800"'))).toEqual([])
    expect(await served.db.selectFrom('account').select('balance').where('id', '=', '1').execute()).toEqual([{ balance: '700' }])
  })
})

// Type tests: checked by `tsc --noEmit -p .`, not run.
export function typeTests(k: Kysely<DB>) {
  void (async () => {
    // @ts-expect-error no such column
    await k.selectFrom('person').select('nope').execute()
    const wrongId = { id: 'x', first_name: 'a', last_name: null, meta: null, score: null }
    // @ts-expect-error id is a number
    await k.insertInto('person').values(wrongId).execute()
    // @ts-expect-error first_name is required
    const missing: Insertable<PersonTable> = { id: 1, last_name: null, meta: null, score: null }
    // @ts-expect-error no such table
    await k.selectFrom('nope').selectAll().execute()
    const rows = await k.selectFrom('person').select(['id', 'first_name']).execute()
    // @ts-expect-error only the selected columns are in the row type
    void rows[0]?.last_name
    void missing
  })
}
