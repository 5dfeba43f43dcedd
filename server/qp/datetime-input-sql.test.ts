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

/** Moves the clock just past the next midnight: a new day, each pending timer run once (not a
 * day's worth of heartbeats). */
const nextDay = () => h.clock.jump(DAY_MS - (h.clock.wallMs() % DAY_MS) + 1000)

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

test('column values, arrays and parameters read the clock when they run', async () => {
  await h.run(`CREATE TABLE ev (id int PRIMARY KEY, d date, ts timestamptz, t time, days date[])`)
  // The same INSERT text on two days: its cached plan must not hold the first day.
  const insert = `INSERT INTO ev (id, d, ts, t, days) VALUES ($1, 'today', 'now', 'allballs', '{yesterday,today,tomorrow}')`
  await h.run(insert, [1])
  nextDay()
  const tx = await h.begin()
  await tx.execute(insert, [2])
  await tx.execute(`INSERT INTO ev (id, d, ts, t) VALUES (3, $1, $2, '4:05 pm')`, ['tomorrow', 'now'])
  const read = `SELECT id, d - current_date, ts = now(), t::text, days[3] - days[1] FROM ev ORDER BY id`
  const rows = (await tx.execute(read)).rows
  await tx.commit()
  expect(rows).toEqual([
    [1, -1, false, '00:00:00', 2],
    [2, 0, true, '00:00:00', 2],
    [3, 1, true, '16:05:00', null],
  ])
  const before = `SELECT id FROM ev WHERE d = 'Jan 1 2000' OR d < 'today' ORDER BY id`
  expect(await h.rows(before)).toEqual([[1]])
})

test('DEFAULT, CHECK, generation expressions and views keep the clock words of when the DDL ran', async () => {
  // PostgreSQL folds an untyped 'today' or 'now' into a constant when it creates a default,
  // constraint or view (information_schema and pg_get_constraintdef show the date): a CHECK
  // (c >= 'today') keeps its first day, so rows stored under it go on satisfying it. A text-typed
  // one ('today'::text::date) stays a cast evaluated at each insert, in PostgreSQL too.
  const today = () => new Date(h.clock.wallMs()).toISOString().slice(0, 10)
  const day1 = today()
  await h.run(`CREATE TABLE ev (id int PRIMARY KEY, d date DEFAULT 'today', ts timestamptz DEFAULT 'now',
    runtime date DEFAULT 'today'::text::date, g date GENERATED ALWAYS AS (date 'today' + id) STORED,
    c date CHECK (c >= 'today'))`)
  await h.run(`CREATE VIEW made AS SELECT 'today'::date::text AS d, 'today'::text::date = current_date AS now_read`)
  await h.run(`INSERT INTO ev (id, c) VALUES (1, 'today')`)
  nextDay()
  const day2 = today()
  await h.run(`ALTER TABLE ev ADD COLUMN added date DEFAULT 'today'`)
  await h.run(`ALTER TABLE ev ALTER COLUMN d SET DEFAULT 'yesterday'`)
  await h.run(`ALTER TABLE ev ADD CONSTRAINT recent CHECK (ts > 'yesterday')`)
  nextDay()
  const day3 = today()
  // Day 3: c = day 1 passes the CHECK made on day 1; ts (day 1, its default) passes the one made on day 2.
  await h.run(`INSERT INTO ev (id, c) VALUES (3, $1)`, [day1])
  const rows = await h.rows(`SELECT id, d::text, ts::date::text, runtime::text, (g - id)::text, added::text
    FROM ev ORDER BY id`)
  expect(rows).toEqual([
    [1, day1, day1, day1, day1, day2],
    [3, day1, day1, day3, day1, day2],
  ])
  expect(await h.rows(`SELECT d, now_read FROM made`)).toEqual([[day1, true]])
  const defaults = await h.rows(`SELECT column_name, column_default FROM information_schema.columns
    WHERE table_name = 'ev' AND column_name IN ('d', 'runtime', 'added') ORDER BY column_name`)
  expect(defaults).toEqual([
    ['added', `'${day2}'::date`],
    ['d', `'${day1}'::date`],
    ['runtime', `('today'::text)::date`],
  ])
  const checks = await h.rows(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = 'ev'::regclass AND contype = 'c' ORDER BY conname`)
  expect(checks).toEqual([
    ['ev_c_check', `CHECK ((c >= '${day1}'::date))`],
    ['recent', `CHECK ((ts > '${day1} 00:00:00+00'::timestamp with time zone))`],
  ])
  expect((await sqlError(h.run(`INSERT INTO ev (id, c) VALUES (4, '${day1}'::date - 1)`))).code).toBe('23514')
})

test('a DEFAULT may be an ARRAY[...] with commas', async () => {
  // The DEFAULT's text used to end at the first comma outside parentheses, inside the brackets.
  await h.run(`CREATE TABLE arr (id int PRIMARY KEY, days date[] DEFAULT ARRAY['today'::date, 'tomorrow'], n int[] DEFAULT ARRAY[1, 2])`)
  await h.run(`INSERT INTO arr (id) VALUES (1)`)
  expect(await h.rows(`SELECT days[2] - days[1], n::text FROM arr`)).toEqual([[1, '{1,2}']])
})
