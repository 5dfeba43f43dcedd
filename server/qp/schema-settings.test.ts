// Goal: SET, SHOW and RESET of session settings behave as PostgreSQL's within one transaction, and
// refuse what Tessera cannot honour with PostgreSQL's SQLSTATEs. Method: statements through a real
// query processor (qp-harness), asserting results and codes.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHarness, sqlError, TickingClock, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(async () => {
  await h.close()
})

describe('SET, SHOW and RESET', () => {
  test('SHOW answers one text column named as PostgreSQL names it', async () => {
    const tx = await h.begin()
    const tz = await tx.execute('SHOW timezone')
    expect(tz.command).toBe('SHOW')
    expect(tz.fields).toEqual([{ name: 'TimeZone', type: 'text' }])
    expect(tz.rows).toEqual([['UTC']])
    expect((await tx.execute('SHOW search_path')).rows).toEqual([['"$user", public']])
    expect((await tx.execute('SHOW transaction_isolation')).rows).toEqual([['repeatable read']])
    expect((await tx.execute('SHOW standard_conforming_strings')).rows).toEqual([['on']])
    expect((await tx.execute('SHOW client_encoding')).rows).toEqual([['UTF8']])
    expect((await tx.execute('SHOW DateStyle')).rows).toEqual([['ISO, MDY']])
    expect((await tx.execute('SHOW transaction_read_only')).rows).toEqual([['off']])
    const all = await tx.execute('SHOW ALL')
    expect(all.fields.map((f) => f.name)).toEqual(['name', 'setting', 'description'])
    expect(all.rows.some((r) => r[0] === 'TimeZone' && r[1] === 'UTC')).toBe(true)
    await tx.commit()
  })

  test('SET lasts for the transaction; RESET and SET ... TO DEFAULT restore; a new transaction starts afresh', async () => {
    const tx = await h.begin()
    expect((await tx.execute("SET application_name = 'migrator'")).command).toBe('SET')
    expect((await tx.execute('SHOW application_name')).rows).toEqual([['migrator']])
    await tx.execute("SET LOCAL TIME ZONE 'Etc/UTC'")
    expect((await tx.execute('SHOW TimeZone')).rows).toEqual([['UTC']])
    await tx.execute('SET search_path TO public')
    expect((await tx.execute('SHOW search_path')).rows).toEqual([['public']])
    await tx.execute('SET search_path TO "$user", public')
    expect((await tx.execute('SHOW search_path')).rows).toEqual([['"$user", public']])
    await tx.execute('SET client_encoding = utf8')
    expect((await tx.execute('RESET application_name')).command).toBe('RESET')
    expect((await tx.execute('SHOW application_name')).rows).toEqual([['']])
    await tx.execute('SET search_path TO DEFAULT')
    expect((await tx.execute('SHOW search_path')).rows).toEqual([['"$user", public']])
    await tx.execute("SET myapp.tenant = 'acme'")
    expect((await tx.execute('SHOW myapp.tenant')).rows).toEqual([['acme']])
    await tx.execute('RESET ALL')
    expect(await sqlError(tx.execute('SHOW myapp.tenant'))).toMatchObject({ code: '42704' })
    await tx.rollback()
    const next = await h.begin()
    await next.execute("SET application_name = 'x'")
    await next.commit()
    expect(await h.rows('SHOW application_name')).toEqual([['']])
  })

  test('values Tessera cannot honour are refused with PostgreSQL codes', async () => {
    const cases: [string, string][] = [
      ['SET nonexistent_parameter = 1', '42704'],
      ['SHOW nonexistent_parameter', '42704'],
      ["SET TIME ZONE 'America/New_York'", '0A000'],
      ["SET timezone = 'Not/AZone'", '22023'],
      ["SET client_encoding = 'LATIN1'", '0A000'],
      ['SET IntervalStyle = iso_8601', '0A000'],
      ['SET search_path TO app, public', '0A000'],
      ['SET server_version = 1', '55P02'],
      ['SET standard_conforming_strings = off', '0A000'],
      ['SET statement_timeout = banana', '22023'],
      ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', '0A000'],
      ['SET TRANSACTION READ ONLY', '0A000'],
    ]
    for (const [sql, code] of cases) {
      const tx = await h.begin()
      expect({ sql, code: String((await sqlError(tx.execute(sql))).code) }).toEqual({ sql, code })
      tx.rollback()
    }
  })

  test('SET TRANSACTION ISOLATION LEVEL: snapshot isolation serves REPEATABLE READ and the weaker levels', async () => {
    const tx = await h.begin()
    await tx.execute('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
    expect((await tx.execute('SHOW transaction_isolation')).rows).toEqual([['repeatable read']])
    await tx.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE')
    await tx.commit()
    const ro = await h.begin({ readOnly: true })
    expect((await ro.execute('SHOW transaction_read_only')).rows).toEqual([['on']])
    await ro.commit()
  })

  test('statement_timeout applies to the statements after it (57014), below the server limit', async () => {
    const slow = createHarness({ qpClock: new TickingClock(0, 60) })
    try {
      await slow.run('CREATE TABLE big (id int PRIMARY KEY)')
      const values = Array.from({ length: 600 }, (_, i) => `(${i})`).join(',')
      await slow.run(`INSERT INTO big VALUES ${values}`)
      const tx = await slow.begin()
      // A SELECT lets timers run between its slices, and timers here run on simulated time.
      const run = (sql: string) => slow.clock.runUntil(tx.execute(sql), 1_000)
      expect((await run('SELECT count(*) FROM big')).rows).toEqual([['600']])
      await tx.execute("SET statement_timeout = '100ms'")
      expect((await tx.execute('SHOW statement_timeout')).rows).toEqual([['100']])
      expect((await sqlError(run('SELECT count(*) FROM big'))).code).toBe('57014')
      tx.rollback()
    } finally {
      await slow.close()
    }
  })
})
