// Drizzle with pgEnum: drizzle-kit generate emits CREATE TYPE ... AS ENUM (schema-qualified), the
// migrator applies it, inserts and selects order by declaration order, and drizzle-kit's push
// introspects the enums (pg_type, pg_enum) and columns as equal to the schema. Method: a real
// server process, drizzle-kit generate, the migrator, then drizzle queries over HTTP.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, gt } from 'drizzle-orm'
import { createClient } from '../../client-sdk/index.ts'
import { drizzle, migrate } from '../../client-sdk/drizzle/index.ts'
import { drizzleKitGenerate, serveTestFile } from './harness.ts'
import * as schema from './drizzle-schema-enums.ts'

const { people, moodScores } = schema
const served = serveTestFile((server) =>
  drizzle(createClient({ url: server.url, token: server.token }), { schema }),
)
const migrationsFolder = mkdtempSync(join(tmpdir(), 'tessera-drizzle-kit-enums-'))
afterAll(() => rmSync(migrationsFolder, { recursive: true, force: true }))

describe('Drizzle with pgEnum', () => {
  test('drizzle-kit output with enum types applies', async () => {
    const generated = drizzleKitGenerate(join(import.meta.dir, 'drizzle-schema-enums.ts'), migrationsFolder)
    expect(generated).toContain(`CREATE TYPE "public"."mood" AS ENUM('sad', 'ok', 'happy');`)
    expect(generated).toContain(`CREATE TYPE "ops"."level" AS ENUM('low', 'high');`)
    await migrate(served.db, { migrationsFolder, migrationsSchema: 'drizzle' })
  }, 30_000)

  test('inserts take the enum default; selects order and compare by declaration order', async () => {
    await served.db.insert(people).values([
      { name: 'Ada', mood: 'happy', level: 'high' },
      { name: 'Bob' },
      { name: 'Cy', mood: 'sad', level: 'low' },
    ])
    const rows = await served.db
      .select({ name: people.name, mood: people.mood, level: people.level })
      .from(people)
      .orderBy(asc(people.mood))
    expect(rows).toEqual([
      { name: 'Cy', mood: 'sad', level: 'low' },
      { name: 'Bob', mood: 'ok', level: null },
      { name: 'Ada', mood: 'happy', level: 'high' },
    ])
    const cheerful = await served.db.select({ name: people.name }).from(people).where(gt(people.mood, 'sad'))
    expect(cheerful.map((r) => r.name).sort()).toEqual(['Ada', 'Bob'])
    await served.db.insert(moodScores).values([{ mood: 'happy', score: 3 }, { mood: 'sad', score: 1 }])
    const scores = await served.db.select().from(moodScores).orderBy(asc(moodScores.mood))
    expect(scores).toEqual([{ mood: 'sad', score: 1 }, { mood: 'happy', score: 3 }])
  })

  test("drizzle-kit's push introspects the migrated enums and columns as equal", async () => {
    const { pushSchema } = await import('drizzle-kit/api')
    const same = await pushSchema(schema, served.db as never, ['public', 'ops'])
    expect(same.statementsToExecute).toEqual([])
    const { pgEnum } = await import('drizzle-orm/pg-core')
    const wider = { ...schema, mood: pgEnum('mood', ['sad', 'ok', 'happy', 'ecstatic']) }
    const change = await pushSchema(wider, served.db as never, ['public', 'ops'])
    expect(change.statementsToExecute).toEqual([`ALTER TYPE "public"."mood" ADD VALUE 'ecstatic';`])
    await change.apply()
    expect((await pushSchema(wider, served.db as never, ['public', 'ops'])).statementsToExecute).toEqual([])
  }, 60_000)
})
