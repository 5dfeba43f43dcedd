// Goal: DDL that builds from or validates a table's rows never commits over a concurrent write it
// did not see. PostgreSQL serialises these with locks; Tessera's adjudicators hold the tables the
// DDL read stable (CommitRequest.stableTables): a write to them committed after the DDL's snapshot
// aborts the DDL (40001), and a DDL committed first aborts the write (its schema key changed,
// OC001). Method: two interleaved transactions on a real query processor (qp-harness: one owner),
// and on a real region (openRegion: two owners, so commits span them); every scenario commits the
// write first, then the DDL, and checks what is stored after.
import { afterEach, describe, expect, test } from 'bun:test'
import { SystemClock, SystemRandom } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { openRegion, type Region } from '../region/index.ts'
import type { QueryProcessor, SqlTransaction } from './index.ts'
import { createHarness, sqlError } from './qp-harness.ts'

interface Db {
  readonly qp: QueryProcessor
  run(sql: string): Promise<unknown>
  rows(sql: string): Promise<unknown[][]>
  close(): Promise<void>
}

function onHarness(): Db {
  const h = createHarness()
  return { qp: h.qp, run: (sql) => h.run(sql), rows: (sql) => h.rows(sql), close: () => h.close() }
}

async function onRegion(): Promise<Db> {
  const clock = new SystemClock()
  const region: Region = await openRegion({ name: 'local', url: 'http://127.0.0.1:0', clock, timers: clock, random: new SystemRandom(), disk: new SimDisk() })
  const run = async (sql: string) => {
    const tx = (await region.qp.begin()) as SqlTransaction
    const result = await tx.execute(sql)
    await tx.commit()
    return result
  }
  return {
    qp: region.qp,
    run,
    rows: async (sql) => (await run(sql)).rows.map((r) => [...r]),
    close: () => region.close(),
  }
}

/** The DDL begins and runs first, the write then begins, runs and commits; then the DDL commits. */
async function race(db: Db, ddl: string, write: string): Promise<unknown> {
  const a = (await db.qp.begin()) as SqlTransaction
  await a.execute(ddl)
  const b = (await db.qp.begin()) as SqlTransaction
  await b.execute(write)
  await b.commit()
  return a.commit()
}

let db: Db | undefined
afterEach(async () => {
  await db?.close()
  db = undefined
})

for (const [where, open] of [['one owner', async () => onHarness()], ['a region (two owners)', onRegion]] as const) {
  describe(`DDL racing a committed write, ${where}`, () => {
    test('CREATE INDEX after an INSERT it did not see: 40001, and the retried index finds the row', async () => {
      db = await open()
      await db.run('CREATE TABLE t (id int PRIMARY KEY, v int)')
      await db.run('INSERT INTO t VALUES (1, 10)')
      const e = await sqlError(race(db, 'CREATE INDEX ti ON t (v)', 'INSERT INTO t VALUES (3, 42)'))
      expect(e.code).toBe('40001')
      expect(await db.rows('SELECT id FROM t WHERE v = 42')).toEqual([[3]])
      await db.run('CREATE INDEX ti ON t (v)')
      expect(await db.rows('EXPLAIN SELECT id FROM t WHERE v = 42')).toEqual([['Index Scan on t using ti']])
      expect(await db.rows('SELECT id FROM t WHERE v = 42')).toEqual([[3]])
    })

    test('CREATE INDEX after a DELETE and an UPDATE it did not see: 40001', async () => {
      db = await open()
      await db.run('CREATE TABLE t (id int PRIMARY KEY, v int)')
      await db.run('INSERT INTO t VALUES (1, 10), (2, 20)')
      expect((await sqlError(race(db, 'CREATE INDEX ti ON t (v)', 'DELETE FROM t WHERE id = 1'))).code).toBe('40001')
      expect((await sqlError(race(db, 'CREATE INDEX ti ON t (v)', 'UPDATE t SET v = 9 WHERE id = 2'))).code).toBe('40001')
      await db.run('CREATE INDEX ti ON t (v)')
      expect(await db.rows('SELECT id FROM t WHERE v = 9')).toEqual([[2]])
      expect(await db.rows('SELECT count(*) FROM t WHERE v = 10')).toEqual([['0']])
    })

    test('a unique index or constraint, a CHECK, NOT NULL and a foreign key never validate over a write they did not see', async () => {
      db = await open()
      await db.run('CREATE TABLE p (id int PRIMARY KEY)')
      await db.run('INSERT INTO p VALUES (1), (2)')
      await db.run('CREATE TABLE t (id int PRIMARY KEY, v int, pid int)')
      await db.run('INSERT INTO t VALUES (1, 1, 1)')
      const cases: [string, string][] = [
        ['CREATE UNIQUE INDEX tu ON t (v)', 'INSERT INTO t VALUES (2, 1, 1)'],
        ['ALTER TABLE t ADD CONSTRAINT tv UNIQUE (v)', 'INSERT INTO t VALUES (3, 1, 1)'],
        ['ALTER TABLE t ADD CONSTRAINT small CHECK (v < 10)', 'INSERT INTO t VALUES (4, 50, 1)'],
        ['ALTER TABLE t ALTER COLUMN v SET NOT NULL', 'INSERT INTO t VALUES (5, NULL, 1)'],
        ['ALTER TABLE t ADD CONSTRAINT tp FOREIGN KEY (pid) REFERENCES p (id)', 'INSERT INTO t VALUES (6, 1, 99)'],
      ]
      for (const [ddl, write] of cases) {
        const e = await sqlError(race(db, ddl, write))
        expect(`${ddl}: ${e.code}`).toBe(`${ddl}: 40001`)
        // The write stands; the DDL, retried now, refuses the row it would have missed.
        expect((await sqlError(db.run(ddl))).code).toMatch(/^23/)
        await db.run('DELETE FROM t WHERE id > 1')
      }
      // The parent side of a foreign key: a parent row deleted under the validation.
      const e = await sqlError(race(db, 'ALTER TABLE t ADD CONSTRAINT tp FOREIGN KEY (pid) REFERENCES p (id)', 'DELETE FROM p WHERE id = 1'))
      expect(e.code).toBe('40001')
      expect(await db.rows('SELECT id, pid FROM t ORDER BY id')).toEqual([[1, 1]])
    })

    test('a write to another table does not abort the DDL', async () => {
      db = await open()
      await db.run('CREATE TABLE t (id int PRIMARY KEY, v int)')
      await db.run('CREATE TABLE u (id int PRIMARY KEY)')
      await db.run('INSERT INTO t VALUES (1, 10)')
      await race(db, 'CREATE INDEX ti ON t (v)', 'INSERT INTO u VALUES (1)')
      expect(await db.rows('SELECT id FROM t WHERE v = 10')).toEqual([[1]])
    })

    test('DDL committed first: the write that began before it aborts (OC001)', async () => {
      db = await open()
      await db.run('CREATE TABLE t (id int PRIMARY KEY, v int)')
      const b = (await db.qp.begin()) as SqlTransaction
      await b.execute('INSERT INTO t VALUES (3, 42)')
      await db.run('CREATE INDEX ti ON t (v)')
      const e = await sqlError(b.commit())
      expect(e.code).toBe('40001')
      expect(e.message).toContain('OC001')
    })

    test('two statements taking one name for relations of different kinds: the second to commit gets 40001', async () => {
      db = await open()
      await db.run('CREATE TABLE base (id int PRIMARY KEY, v int)')
      await db.run('CREATE SCHEMA sc')
      // Each case takes the name n (suffixed per case) its own way, after its setup: a new table,
      // sequence, view, index (also ASYNC, and those of a constraint, a primary key or a serial
      // column), enum type, CREATE TABLE AS, a rename, a move to another schema.
      const cases: [setup: string[], first: string, second: string, name: string][] = [
        [[], 'CREATE TABLE n (a int)', 'CREATE SEQUENCE n', 'n'],
        [[], 'CREATE SEQUENCE n', 'CREATE VIEW n AS SELECT 1 AS one', 'n'],
        [[], 'CREATE VIEW n AS SELECT 1 AS one', 'CREATE INDEX n ON base (v)', 'n'],
        [[], 'CREATE INDEX n ON base (v)', 'CREATE TABLE n AS SELECT 1 AS one', 'n'],
        [[], 'CREATE INDEX ASYNC n ON base (v)', 'CREATE TABLE n (a int)', 'n'],
        [[], "CREATE TYPE n AS ENUM ('a')", 'CREATE TABLE n (a int)', 'n'],
        [[], 'ALTER TABLE base ADD CONSTRAINT n UNIQUE (v)', 'CREATE VIEW n AS SELECT 1 AS one', 'n'],
        [[], 'CREATE TABLE n (id serial)', 'CREATE VIEW n_id_seq AS SELECT 1 AS one', 'n_id_seq'],
        [[], 'CREATE TABLE n (a int PRIMARY KEY)', 'CREATE VIEW n_pkey AS SELECT 1 AS one', 'n_pkey'],
        [['CREATE TABLE o (a int)'], 'ALTER TABLE o RENAME TO n', 'CREATE VIEW n AS SELECT 1 AS one', 'n'],
        [['CREATE SEQUENCE o'], 'ALTER SEQUENCE o RENAME TO n', 'CREATE INDEX n ON base (v)', 'n'],
        [['CREATE INDEX o ON base (v)'], 'ALTER INDEX o RENAME TO n', 'CREATE VIEW n AS SELECT 1 AS one', 'n'],
        [['CREATE VIEW o AS SELECT 1 AS one'], 'ALTER VIEW o RENAME TO n', 'CREATE INDEX n ON base (v)', 'n'],
        [['CREATE TABLE n (a int)'], 'ALTER TABLE n SET SCHEMA sc', 'CREATE VIEW sc.n AS SELECT 1 AS one', 'sc.n'],
      ]
      for (const [i, [setup, first, second, name]] of cases.entries()) {
        const named = (sql: string) => sql.replace(/\b(n|o)(?=\b|_)/g, (w) => `${w}${i}`)
        for (const sql of setup) await db.run(named(sql))
        const e = await sqlError(race(db, named(first), named(second)))
        expect(`${named(first)} | ${named(second)}: ${e.code}`).toBe(`${named(first)} | ${named(second)}: 40001`)
        const [schema, bare] = named(name).includes('.') ? named(name).split('.') : ['public', named(name)]
        const relations = await db.rows(
          `SELECT c.relkind FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = '${schema}' AND c.relname = '${bare}'`,
        )
        expect(`${named(name)}: ${relations.length}`).toBe(`${named(name)}: 1`)
      }
    })

    test('DDL checking for dependents and a statement creating one: the second to commit gets 40001', async () => {
      db = await open()
      // [setup, the statement that looks for dependents (a drop, a rename, an ALTER), a dependent]
      const cases: [setup: string[], changer: string, dependent: string][] = [
        [['CREATE TABLE t (a int, b int)'], 'DROP TABLE t', 'CREATE VIEW v AS SELECT a FROM t'],
        [['CREATE TABLE t (a int, b int)'], 'ALTER TABLE t DROP COLUMN b', 'CREATE VIEW v AS SELECT b FROM t'],
        [['CREATE TABLE t (a int, b int)'], 'ALTER TABLE t RENAME TO r', 'CREATE VIEW v AS SELECT a FROM t'],
        [['CREATE TABLE t (a int, b int)'], 'ALTER TABLE t RENAME COLUMN a TO c', 'CREATE VIEW v AS SELECT a FROM t'],
        [['CREATE VIEW w AS SELECT 1 AS one'], 'DROP VIEW w', 'CREATE VIEW v AS SELECT one FROM w'],
        [["CREATE TYPE e AS ENUM ('a')"], 'DROP TYPE e', 'CREATE TABLE t (c e)'],
        [["CREATE TYPE e AS ENUM ('a')", 'CREATE TABLE t (a int)'], 'DROP TYPE e', 'ALTER TABLE t ADD COLUMN c e'],
        [["CREATE TYPE e AS ENUM ('a')"], "ALTER TYPE e ADD VALUE 'b'", 'CREATE TABLE t (c e)'],
        [["CREATE TYPE e AS ENUM ('a')"], 'DROP TYPE e', "CREATE VIEW v AS SELECT 'a'::e AS x"],
        [["CREATE TYPE e AS ENUM ('a')", 'CREATE TABLE t (a text)'], 'DROP TYPE e', "ALTER TABLE t ADD CHECK (a::e = 'a')"],
      ]
      let i = 0
      for (const [setup, changer, dependent] of cases) {
        for (const changerFirst of [true, false]) {
          const named = (sql: string) => sql.replace(/\b(t|r|v|w|e)\b/g, (n) => `${n}${i}`)
          i++
          for (const sql of setup) await db.run(named(sql))
          const [first, second] = changerFirst ? [named(changer), named(dependent)] : [named(dependent), named(changer)]
          const e = await sqlError(race(db, first, second))
          expect(`${first} | ${second}: ${e.code}`).toBe(`${first} | ${second}: 40001`)
        }
      }
    })

    test('DROP SCHEMA and a statement creating or moving something into the schema: the second to commit gets 40001', async () => {
      db = await open()
      const creators: [setup: string[], sql: string][] = [
        [[], 'CREATE TABLE s.t (a int)'],
        [[], 'CREATE TABLE s.t AS SELECT 1 AS one'],
        [[], 'CREATE SEQUENCE s.q'],
        [[], 'CREATE VIEW s.v AS SELECT 1 AS one'],
        [[], "CREATE TYPE s.e AS ENUM ('a')"],
        [['CREATE TABLE o (a int)'], 'ALTER TABLE o SET SCHEMA s'],
        [['CREATE SEQUENCE o'], 'ALTER SEQUENCE o SET SCHEMA s'],
        [['CREATE VIEW o AS SELECT 1 AS one'], 'ALTER VIEW o SET SCHEMA s'],
      ]
      let i = 0
      for (const [setup, creator] of creators) {
        for (const dropFirst of [true, false]) {
          // Fresh names each time: the schema s<i>, the object o<i> moved into it.
          const named = (sql: string) => sql.replace(/\b(s|o)\b/g, (w) => `${w}${i}`)
          i++
          await db.run(named('CREATE SCHEMA s'))
          for (const sql of setup) await db.run(named(sql))
          const [first, second] = dropFirst ? [named('DROP SCHEMA s'), named(creator)] : [named(creator), named('DROP SCHEMA s')]
          const e = await sqlError(race(db, first, second))
          expect(`${first} | ${second}: ${e.code}`).toBe(`${first} | ${second}: 40001`)
        }
      }
    })
  })
}
