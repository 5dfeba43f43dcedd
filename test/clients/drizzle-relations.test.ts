// Drizzle with drizzle-kit output that has serial keys and a foreign key (ALTER TABLE ... ADD
// CONSTRAINT ... FOREIGN KEY), inserts that take serial defaults, joins, and relational queries
// with a nested, ordered `with` (json_agg ... ORDER BY in a LEFT JOIN LATERAL). Method: a real
// server process, drizzle-kit generate, the migrator, then drizzle queries over HTTP.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { createClient } from '../../client-sdk/index.ts'
import { drizzle, migrate } from '../../client-sdk/drizzle/index.ts'
import { drizzleKitGenerate, serveTestFile } from './harness.ts'
import * as schema from './drizzle-schema-full.ts'

const { authors, books } = schema
const served = serveTestFile((server) =>
  drizzle(createClient({ url: server.url, token: server.token }), { schema }),
)
const migrationsFolder = mkdtempSync(join(tmpdir(), 'tessera-drizzle-kit-full-'))
afterAll(() => rmSync(migrationsFolder, { recursive: true, force: true }))

describe('Drizzle with serial, foreign keys, joins and relational queries', () => {
  test('drizzle-kit output with serial and a foreign key applies', async () => {
    const generated = drizzleKitGenerate(
      join(import.meta.dir, 'drizzle-schema-full.ts'),
      migrationsFolder,
    )
    expect(generated).toContain('"id" serial PRIMARY KEY NOT NULL')
    expect(generated).toContain('FOREIGN KEY ("author_id") REFERENCES "public"."authors"("id")')
    // In drizzle's own place for its bookkeeping: schema "drizzle".
    await migrate(served.db, { migrationsFolder, migrationsSchema: 'drizzle' })
    await migrate(served.db, { migrationsFolder, migrationsSchema: 'drizzle' })
    const applied = await served.db.execute(sql`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`)
    expect(applied.rows).toEqual([{ n: '1' }])
  }, 30_000)

  test('serial defaults, joins, relational queries with `with`', async () => {
    const [ada] = await served.db.insert(authors).values({ name: 'Ada' }).returning()
    const [grace] = await served.db.insert(authors).values({ name: 'Grace' }).returning()
    expect(typeof ada?.id).toBe('number')
    await served.db.insert(books).values([
      { authorId: ada?.id ?? 0, title: 'Notes' },
      { authorId: ada?.id ?? 0, title: 'Sketch' },
      { authorId: grace?.id ?? 0, title: 'COBOL' },
    ])
    const joined = await served.db
      .select({ title: books.title, author: authors.name })
      .from(books)
      .innerJoin(authors, eq(books.authorId, authors.id))
      .orderBy(books.title)
    expect(joined).toEqual([
      { title: 'COBOL', author: 'Grace' },
      { title: 'Notes', author: 'Ada' },
      { title: 'Sketch', author: 'Ada' },
    ])
    const withBooks = await served.db.query.authors.findMany({
      with: { books: { columns: { title: true }, orderBy: (b, { asc }) => [asc(b.title)] } },
      orderBy: (a, { asc }) => [asc(a.name)],
    })
    expect(withBooks.map((a) => [a.name, a.books.map((b) => b.title)])).toEqual([
      ['Ada', ['Notes', 'Sketch']],
      ['Grace', ['COBOL']],
    ])
    const book = await served.db.query.books.findFirst({
      where: eq(books.title, 'COBOL'),
      with: { author: true },
    })
    expect(book?.author.name).toBe('Grace')
  })

  test("drizzle-kit's push introspects the migrated schema as equal, and adds a new column", async () => {
    // pushSchema runs drizzle-kit's whole PostgreSQL introspection (tables, columns through
    // regclass/regtype casts, serial sequences, constraints, foreign keys, indexes) and diffs it
    // with the schema: nothing to do means every query answered what drizzle-kit expects.
    const { pushSchema } = await import('drizzle-kit/api')
    const same = await pushSchema(schema, served.db as never)
    expect(same.statementsToExecute).toEqual([])
    expect(same.hasDataLoss).toBe(false)
    const { pgTable, serial, text, integer } = await import('drizzle-orm/pg-core')
    const widened = {
      ...schema,
      authors: pgTable('authors', { id: serial('id').primaryKey(), name: text('name').notNull(), born: integer('born') }),
    }
    const change = await pushSchema(widened, served.db as never)
    expect(change.statementsToExecute).toEqual(['ALTER TABLE "authors" ADD COLUMN "born" integer;'])
    await change.apply()
    expect((await pushSchema(widened, served.db as never)).statementsToExecute).toEqual([])
  }, 60_000)
})
