// The Drizzle schema of drizzle.test.ts: several column types, a serial key, relations without
// foreign keys (those are in drizzle-schema-full.ts). drizzle-kit generates from it too.
import { relations } from 'drizzle-orm'
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  serial,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core'

export const users = pgTable('users', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  big: bigint('big', { mode: 'bigint' }),
  active: boolean('active').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  meta: jsonb('meta').$type<{ tags: string[] }>(),
  uid: uuid('uid').notNull().defaultRandom(),
  price: numeric('price', { precision: 10, scale: 2 }),
  code: varchar('code', { length: 10 }),
  score: doublePrecision('score'),
  born: date('born'),
})

export const accounts = pgTable(
  'accounts',
  {
    id: integer('id').primaryKey(),
    userId: integer('user_id').notNull(),
    balance: bigint('balance', { mode: 'number' }).notNull(),
  },
  (t) => [index('accounts_user_idx').on(t.userId)],
)

export const usersRelations = relations(users, ({ many }) => ({ accounts: many(accounts) }))
export const accountsRelations = relations(accounts, ({ one }) => ({
  user: one(users, { fields: [accounts.userId], references: [users.id] }),
}))

export const notes = pgTable('notes', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull(),
  body: text('body').notNull(),
})
