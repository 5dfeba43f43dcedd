// The Drizzle example's schema; `drizzle-kit generate` (drizzle.config.ts) writes ./migrations from it.
import { bigint, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

export const accounts = pgTable('drizzle_accounts', {
  id: integer('id').primaryKey(),
  owner: text('owner').notNull(),
  balance: bigint('balance', { mode: 'number' }).notNull(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
})
