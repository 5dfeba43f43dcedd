// Goal: every statement that makes a table id, an index id or a sequence's blocks unreachable
// commits a garbage entry naming that key range (storage deletes it later), atomically with the
// change, and nothing else does. Method: SQL through a real query processor (qp-harness); the
// entries are read back from storage's garbage range after each commit.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { decodeKey } from '../encoding/index.ts'
import { GARBAGE_RANGE } from '../storage/index.ts'
import { schemaKey, sequenceKey } from './catalog.ts'
import { createHarness, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness({ limits: { rowsModifiedMax: 5000 } })
})
afterEach(async () => {
  await h.close()
})

/** The committed garbage entries, each as the parts of the key prefix it names (sorted as text). */
async function entries(): Promise<string[]> {
  await (await h.begin({ readOnly: true })).commit()
  const at = h.storage.frontier()
  return [...h.storage.scan(GARBAGE_RANGE, at)].map((kv) => decodeKey(kv.key).slice(1).join(' ')).sort()
}
/** Polls a job's state until it is no longer building (bounded: 500 polls). */
async function jobEnd(jobId: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const [[state]] = (await h.rows('SELECT index_job_state($1)', [jobId])) as [[string]]
    if (state !== 'building') return state
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  throw new Error('the index job did not end within 500 polls')
}
/** Table `name`'s id as committed. */
const tableId = (name: string) => JSON.parse(h.storage.get(schemaKey(name), h.storage.frontier()) ?? '{}').id as string
/** The id of index `index` of table `name`. */
const indexId = (name: string, index: string) =>
  (JSON.parse(h.storage.get(schemaKey(name), h.storage.frontier()) ?? '{}').indexes as { id: number; name: string }[])
    .find((i) => i.name === index)?.id

describe('garbage entries', () => {
  test('DROP TABLE names the table id; a rolled-back DROP names nothing and leaves the table', async () => {
    await h.run('CREATE TABLE t (id int PRIMARY KEY, v int UNIQUE)')
    await h.run('INSERT INTO t VALUES (1, 10), (2, 20)')
    const id = tableId('t')
    const tx = await h.begin()
    await tx.execute('DROP TABLE t')
    tx.rollback()
    expect(await entries()).toEqual([])
    expect(await h.rows('SELECT count(*) FROM t')).toEqual([['2']])
    await h.run('DROP TABLE t')
    expect(await entries()).toEqual([id])
  })

  test('TRUNCATE names the old table id, every time', async () => {
    await h.run('CREATE TABLE t (id int PRIMARY KEY)')
    const ids = []
    for (let i = 0; i < 3; i++) {
      ids.push(tableId('t'))
      await h.run('INSERT INTO t VALUES (1)')
      await h.run('TRUNCATE t')
    }
    expect(await entries()).toEqual(ids)
    expect(await h.rows('SELECT count(*) FROM t')).toEqual([['0']])
  })

  test('DROP INDEX, DROP CONSTRAINT, DROP COLUMN and a foreign key\'s own index name the index', async () => {
    await h.run('CREATE TABLE p (id int PRIMARY KEY)')
    await h.run('CREATE TABLE t (id int PRIMARY KEY, a int, b int, c int CONSTRAINT t_c_key UNIQUE, d int REFERENCES p)')
    await h.run('CREATE INDEX t_a ON t (a)')
    await h.run('CREATE INDEX t_b ON t (b)')
    const t = tableId('t')
    const [a, b, c] = [indexId('t', 't_a'), indexId('t', 't_b'), indexId('t', 't_c_key')]
    const fk = (JSON.parse(h.storage.get(schemaKey('t'), h.storage.frontier()) ?? '{}').foreignKeys as { name: string; index: number }[])[0]
    expect(fk?.index).toBeGreaterThan(0)
    await h.run('DROP INDEX t_a')
    await h.run('ALTER TABLE t DROP CONSTRAINT t_c_key')
    await h.run('ALTER TABLE t DROP COLUMN b')
    await h.run(`ALTER TABLE t DROP CONSTRAINT ${fk?.name}`)
    const expected = [a, c, b, fk?.index].map((i) => `${t} ${i}`).sort()
    expect(await entries()).toEqual(expected)
  })

  test('DROP SCHEMA CASCADE names every table of the schema; a rename names nothing', async () => {
    await h.run('CREATE SCHEMA s')
    await h.run('CREATE TABLE s.x (id int PRIMARY KEY)')
    await h.run('CREATE TABLE s.y (id int PRIMARY KEY)')
    await h.run('CREATE TABLE z (id int PRIMARY KEY)')
    await h.run('ALTER TABLE z RENAME TO w')
    await h.run('ALTER TABLE w SET SCHEMA s')
    expect(await entries()).toEqual([])
    const ids = ['s.x', 's.y', 's.w'].map(tableId).sort()
    await h.run('DROP SCHEMA s CASCADE')
    expect(await entries()).toEqual(ids)
  })

  test('a table created, filled and dropped (or truncated) within one transaction is named too', async () => {
    const tx = await h.begin()
    await tx.execute('CREATE TABLE t (id int PRIMARY KEY, v int)')
    await tx.execute('CREATE INDEX t_v ON t (v)')
    await tx.execute('INSERT INTO t VALUES (1, 1)')
    await tx.execute('TRUNCATE t')
    await tx.execute('INSERT INTO t VALUES (2, 2)')
    await tx.execute('DROP INDEX t_v')
    await tx.commit()
    const t = tableId('t')
    // The first id (truncated), and the index of the second (dropped, but written under).
    expect(await entries()).toEqual([String(BigInt(t) - 1n), `${t} 1`])
    const empty = await h.begin()
    await empty.execute('CREATE TABLE e (id int PRIMARY KEY)')
    await empty.execute('DROP TABLE e')
    await empty.commit()
    // Nothing was written under it: nothing to collect.
    expect(await entries()).toEqual([String(BigInt(t) - 1n), `${t} 1`])
  })

  test('a dropped sequence names its blocks, and setval the blocks of the epoch it ends', async () => {
    await h.run('CREATE SEQUENCE q')
    await h.run("SELECT nextval('q')")
    const id = JSON.parse(h.storage.get(sequenceKey('q'), h.storage.frontier()) ?? '{}').id as string
    await h.run("SELECT setval('q', 100)")
    expect(await entries()).toEqual([`2 ${id} 0`])
    await h.run('CREATE TABLE t (id serial PRIMARY KEY)')
    await h.run('INSERT INTO t DEFAULT VALUES')
    const owned = JSON.parse(h.storage.get(sequenceKey('t_id_seq'), h.storage.frontier()) ?? '{}').id as string
    const t = tableId('t')
    await h.run('DROP SEQUENCE q')
    await h.run('DROP TABLE t')
    expect(await entries()).toEqual([`2 ${id}`, `2 ${id} 0`, `2 ${owned}`, t].sort())
  })

  test('a failed index job and a building index dropped name the index', async () => {
    await h.run('CREATE TABLE t (id int PRIMARY KEY, v int)')
    const values = Array.from({ length: 1200 }, (_, i) => `(${i}, ${i === 1100 ? 0 : i})`).join(',')
    await h.run(`INSERT INTO t VALUES ${values}`)
    const t = tableId('t')
    const failing = (await h.rows('CREATE UNIQUE INDEX ASYNC t_v ON t (v)'))[0]?.[0] as string
    expect(await jobEnd(failing)).toStartWith('failed')
    const created = await h.begin()
    const building = (await created.execute('CREATE INDEX ASYNC t_w ON t (v)')).rows[0]?.[0] as string
    await created.commit()
    await h.run('DROP INDEX t_w')
    expect(await jobEnd(building)).toBe('cancelled')
    expect(await entries()).toEqual([`${t} 1`, `${t} 2`])
  })

  test('catalog views show nothing of garbage entries', async () => {
    await h.run('CREATE TABLE keep (id int PRIMARY KEY)')
    const views = ['SELECT count(*) FROM pg_class', 'SELECT count(*) FROM information_schema.tables', 'SELECT count(*) FROM pg_namespace']
    const before = await Promise.all(views.map((sql) => h.rows(sql)))
    await h.run('CREATE TABLE gone (id int PRIMARY KEY)')
    await h.run('DROP TABLE gone')
    await h.run('TRUNCATE keep')
    expect((await entries()).length).toBe(2)
    expect(await Promise.all(views.map((sql) => h.rows(sql)))).toEqual(before)
  })
})
