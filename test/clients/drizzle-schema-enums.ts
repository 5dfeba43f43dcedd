// The Drizzle schema of drizzle-enums.test.ts: pgEnum types (one in its own schema) used by
// columns with a default, NOT NULL, an index and an enum primary key.
import { index, integer, pgEnum, pgSchema, pgTable, serial, text } from 'drizzle-orm/pg-core'

export const mood = pgEnum('mood', ['sad', 'ok', 'happy'])
export const ops = pgSchema('ops')
export const level = ops.enum('level', ['low', 'high'])

export const people = pgTable(
  'people',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    mood: mood('mood').notNull().default('ok'),
    level: level('level'),
  },
  (t) => [index('people_mood_idx').on(t.mood)],
)

export const moodScores = pgTable('mood_scores', {
  mood: mood('mood').primaryKey(),
  score: integer('score').notNull(),
})
