// The Kysely Migrator and introspection on Tessera (issue 5, "Tests": Kysely): migrateToLatest
// applies each migration once; two migrators racing conflict on the adapter's lock row (40001)
// and the loser's re-run finds nothing to do; `db.introspection.getTables()` matches the schema
// (PostgreSQL's introspector reading pg_catalog). Method: real Kysely over a real server process.
import { describe, expect, test } from 'bun:test'
import { Kysely, Migrator, sql, type Migration } from 'kysely'
import { retry, TesseraDialect } from '../../client-sdk/kysely/index.ts'
import { serveTestFile } from './harness.ts'

interface DB {
  owner: { id: number; name: string }
  pet: { id: number; name: string; owner_id: number | null; species: string }
}

const served = serveTestFile(
  (server) =>
    new Kysely<DB>({ dialect: new TesseraDialect({ url: server.url, token: server.token }) }),
  (db) => db.destroy(),
)

const migrations: Record<string, Migration> = {
  '2024_01_01_owner': {
    async up(k: Kysely<any>) {
      await k.schema
        .createTable('owner')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute()
    },
  },
  '2024_01_02_pet': {
    async up(k: Kysely<any>) {
      await k.schema
        .createTable('pet')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'integer')
        .addColumn('species', 'varchar(50)', (c) => c.notNull())
        .execute()
      await k.schema.createIndex('pet_owner_idx').on('pet').column('owner_id').execute()
    },
  },
}

const migratorOf = (k: Kysely<any>) =>
  new Migrator({ db: k, provider: { getMigrations: async () => migrations } })

describe('Kysely Migrator and introspection', () => {
  test('migrateToLatest applies every migration once; two migrators at once: one conflicts, its retry finds nothing to do', async () => {
    const first = await migratorOf(served.db).migrateToLatest()
    expect(first.error).toBeUndefined()
    expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual([
      ['2024_01_01_owner', 'Success'],
      ['2024_01_02_pet', 'Success'],
    ])
    const again = await migratorOf(served.db).migrateToLatest()
    expect(again.results).toEqual([])

    // Two migrators applying one new migration at once, both inside its `up` before either
    // commits. Each writes its own owner row, so the only key they share is the migration's name
    // in kysely_migration: the later commit gets 40001, and its re-run finds the migration done.
    let ups = 0
    let release!: () => void
    const bothIn = new Promise<void>((r) => (release = r))
    migrations['2024_01_03_seed'] = {
      async up(k: Kysely<any>) {
        const n = ++ups
        if (n === 2) release()
        if (n <= 2) await Promise.race([bothIn, new Promise((r) => setTimeout(r, 5_000))])
        await sql`INSERT INTO owner VALUES (${n}, ${`owner ${n}`})`.execute(k)
      },
    }
    const retried: unknown[] = []
    const run = () =>
      retry(
        async () => {
          const r = await migratorOf(served.db).migrateToLatest()
          if (r.error !== undefined) throw r.error
          return r.results ?? []
        },
        { backoff: { baseMs: 5, maxMs: 50 }, onRetry: (e) => retried.push(e) },
      )
    const [a, b] = await Promise.all([run(), run()])
    // Usually 2 ups and one 40001. The loser learns of its conflict at the adjudicator, while the
    // winner's commit may still be on its way to disk: a re-run begun then does not see it (it is
    // not acknowledged yet), runs `up` again and conflicts again. Each extra up comes with a 40001.
    expect(ups).toBeGreaterThanOrEqual(2)
    expect(retried.map((e) => (e as { code?: string }).code)).toEqual(Array.from({ length: ups - 1 }, () => '40001'))
    expect([...a, ...b].map((r) => [r.migrationName, r.status])).toEqual([
      ['2024_01_03_seed', 'Success'],
    ])
    expect((await served.db.selectFrom('owner').select('id').execute()).length).toBe(1)
    await served.db.deleteFrom('owner').execute()
    await served.db
      .insertInto('owner')
      .values([
        { id: 1, name: 'ada' },
        { id: 2, name: 'grace' },
      ])
      .execute()
  })

  test('introspection.getTables() matches the schema', async () => {
    const tables = await served.db.introspection.getTables()
    const shape = tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      columns: t.columns.map((c) => [c.name, c.dataType, c.isNullable, c.hasDefaultValue]),
    }))
    expect(shape).toEqual([
      {
        schema: 'public',
        name: 'owner',
        columns: [
          ['id', 'int4', false, false],
          ['name', 'text', false, false],
        ],
      },
      {
        schema: 'public',
        name: 'pet',
        columns: [
          ['id', 'int4', false, false],
          ['name', 'text', false, false],
          ['owner_id', 'int4', true, false],
          ['species', 'varchar', false, false],
        ],
      },
    ])
    const withInternal = await served.db.introspection.getTables({ withInternalKyselyTables: true })
    expect(withInternal.map((t) => t.name)).toContain('kysely_migration')
  })
})
