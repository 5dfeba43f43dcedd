// The Drizzle schema of drizzle-relations.test.ts: serial keys and a foreign key, which
// drizzle-kit emits as `serial PRIMARY KEY` and `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`.
import { relations } from 'drizzle-orm'
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core'

export const authors = pgTable('authors', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
})

export const books = pgTable('books', {
  id: serial('id').primaryKey(),
  authorId: integer('author_id')
    .notNull()
    .references(() => authors.id),
  title: text('title').notNull(),
})

export const authorsRelations = relations(authors, ({ many }) => ({ books: many(books) }))
export const booksRelations = relations(books, ({ one }) => ({
  author: one(authors, { fields: [books.authorId], references: [authors.id] }),
}))
