// Goal: date/time input through SQL: literals, column values, parameters and defaults read the
// forms PostgreSQL reads, and 'now', 'today', 'tomorrow', 'yesterday' are the transaction's time
// when the statement runs, never a value folded into a plan another transaction reuses.
// Method: statements through a real QP (qp-harness) with a simulated clock moved past midnight
// between transactions.
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

let h: QpHarness
beforeEach(() => {
  h = createHarness()
})
afterEach(async () => {
  await h.close()
})

const DAY_MS = 86_400_000

/** Moves the clock just past the next midnight: a new day, with few simulated timers to run. */
const nextDay = () => h.clock.advance(DAY_MS - (h.clock.wallMs() % DAY_MS) + 1000)

test('literals in the forms PostgreSQL reads', async () => {
  const rows = await h.rows(`SELECT 'Jan 5 2024'::date::text, 'January 5, 2024'::date::text,
    '1/2/2024'::date::text, 'J2451187'::date::text, '2024-01-05 10:00 PST'::timestamptz::text,
    '4:05 PM'::time::text, 'Fri Jan 5 10:00:00 2024 America/New_York'::timestamptz::text`)
  expect(rows).toEqual([
    [
      '2024-01-05', '2024-01-05', '2024-01-02', '1999-01-08', '2024-01-05 18:00:00+00', '16:05:00',
      '2024-01-05 15:00:00+00',
    ],
  ])
  expect((await sqlError(h.run(`SELECT '13/01/2024'::date`))).code).toBe('22008')
  expect((await sqlError(h.run(`SELECT '2024-01-05 10:00 Foo/Bar'::timestamptz`))).message).toBe(
    'time zone "foo/bar" not recognized',
  )
})

test("'now' and 'today' are each transaction's time, also where a plan is reused", async () => {
  const sql = `SELECT 'now'::timestamptz = now(), 'today'::date = current_date,
    'tomorrow'::date - 'yesterday'::date, 'today'::date::text,
    'now'::timestamp::text = now()::timestamp::text, 'now'::time = now()::time`
  const first = await h.rows(sql)
  nextDay()
  const second = await h.rows(sql)
  for (const row of [first, second]) expect(row[0]?.slice(0, 3)).toEqual([true, true, 2])
  expect(first[0]?.[3]).not.toBe(second[0]?.[3])
  expect(second[0]?.slice(4)).toEqual([true, true])
})

test("a clock word typed text is read with each statement's clock too", async () => {
  // The text constant used to be folded when bound, where there is no clock: 0A000.
  const sql = `SELECT 'today'::text::date = current_date, ('{now}'::text::timestamptz[])[1] = now(),
    CAST(varchar 'tomorrow' AS date) - current_date, 'today'::text::date::text`
  const first = await h.rows(sql)
  nextDay()
  const second = await h.rows(sql)
  for (const row of [first, second]) expect(row[0]?.slice(0, 3)).toEqual([true, true, 1])
  expect(first[0]?.[3]).not.toBe(second[0]?.[3])
})

test('column values, defaults, arrays and parameters read the clock when they run', async () => {
  await h.run(`CREATE TABLE ev (id int PRIMARY KEY, d date DEFAULT 'today',
    ts timestamptz DEFAULT 'now', t time, days date[])`)
  await h.run(`INSERT INTO ev (id, t, days) VALUES (1, 'allballs', '{yesterday,today,tomorrow}')`)
  nextDay()
  const tx = await h.begin()
  await tx.execute(`INSERT INTO ev (id, d, ts, t) VALUES (2, $1, $2, '4:05 pm')`, ['tomorrow', 'now'])
  const read = `SELECT id, d - current_date, ts = now(), t::text, days[3] - days[1] FROM ev ORDER BY id`
  const rows = (await tx.execute(read)).rows
  await tx.commit()
  // Row 1's defaults were read a day earlier; row 2's values in this transaction.
  expect(rows).toEqual([
    [1, -1, false, '00:00:00', 2],
    [2, 1, true, '16:05:00', null],
  ])
  const before = `SELECT id FROM ev WHERE d = 'Jan 1 2000' OR d < 'tomorrow' ORDER BY id`
  expect(await h.rows(before)).toEqual([[1]])
})
