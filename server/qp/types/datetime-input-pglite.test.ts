// Date/time input against PostgreSQL itself: every text below is read as date, timestamp,
// timestamptz and time by PGlite and by Tessera's input functions, and the output text (or the
// SQLSTATE) must be the same. Then fast-check builds texts from PostgreSQL's input grammar (month
// names, MDY numbers, Julian days, AM/PM, BC, offsets, abbreviations, zone names) and compares
// the same way, with a fixed seed. Texts that read the clock compare against PGlite's own now().
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { SqlError } from '../../errors/index.ts'
import { castOurs, literalSql, outcome, sqlType } from './pglite-cases.ts'
import { parseText } from './text-io.ts'
import { useOracle } from './pglite-oracle.ts'
import { parseDate, parseTimestamp } from './datetime.ts'
import { ZONE_ABBREVIATIONS } from './zone-abbreviations.ts'
import { abbreviationZone, toLocal } from './time-zone.ts'
import { decodeDateTime, decodeTime, isoDateTime, isoTime } from './datetime-input.ts'

const pg = useOracle()

const TYPES = ['date', 'timestamp', 'timestamptz', 'time'] as const

/** Our output text (or `ERROR <code>`) of `text` read as `type`. */
const ours = (text: string, type: string) => castOurs([text, ''], type)
const theirs = (text: string, type: string) => pg.text(literalSql([text, type]))

async function compareAll(texts: readonly string[], types: readonly string[] = TYPES) {
  const mismatches: string[] = []
  for (const text of texts) {
    for (const type of types) {
      const [a, b] = [ours(text, type), await theirs(text, type)]
      if (a !== b) mismatches.push(`${JSON.stringify(text)}::${type}: ours ${a}, PostgreSQL ${b}`)
    }
  }
  expect(mismatches).toEqual([])
}

const DATES = [
  // ISO and its relatives
  '2024-01-05', '2024-1-5', ' 2024-01-05 ', '20240105', '240105', '2024/01/05', '2024.01.05',
  '2024-02-29', '2023-02-29', '2024-02-30', '2024-13-01', '2024-00-10', '2024-01-00', '2024-01-32',
  '0001-01-01', '0000-01-01', '001-1-1', '10000-01-01', '99999-12-31',
  // month/day/year and two-digit years
  '1/2/2024', '01/02/2024', '1-2-2024', '12/31/99', '12/31/69', '12/31/70', '1/2/24', '31/12/1999',
  '13/01/2024', '1/13/2024', '1-1-1', '0-1-1', '00-01-01', '69-01-01', '70-01-01', '99-01-08',
  '100-01-08', '1/2', '1/2/3/4',
  // month and day names
  'Jan 5 2024', 'January 5, 2024', 'jan 5, 2024', 'JAN 5 2024', '5 Jan 2024', '05-Jan-2024',
  'Jan-05-2024', '2024-Jan-05', '2024 Jan 5', 'Jan 5 24', '5 Jan 24', 'Jan 05 99 BC', 'Sept 5 2024',
  'September 5 2024', 'Sep 31 2024', 'Fri Jan 5 2024', 'Friday, January 5, 2024', 'Mon Jan 5 2024',
  'Mon Tue Jan 5 2024', 'Jan Feb 5 2024', 'Jan 5', '5 2024', '2024', 'jan5 2024', 'Jan 5th 2024',
  'Dec 31, 1999 23:59', 'on Jan 5 2024', 'Jan 5 2024 at 10:00', '2024-jan15', 'jan-05',
  '5-jan', 'thurs Jan 4 2024', 'Wednesday 2024-01-03', 'Weds 2024-01-03',
  // day of year and Julian days
  '1999.008', '1999.366', '2000.366', '2024 366', '2024-001', '2024 367', 'J2451187', 'j2451187',
  'J 2451187', 'julian 2451187', 'jd2451187', 'J2451187.5', 'J2451187.25', 'J2451187.', 'J0', 'J-1',
  'J2147483647', 'J2147483648', 'J5373484', 'J5373485', 'J2451187 10:00', 'J2451187-08', 'J', 'Jx',
  'y2024', 'd5',
  // BC/AD and the ends of the ranges
  '2024-01-05 BC', '2024-01-05 AD', '0044-03-15 bc', '4714-11-24 BC', '4714-11-23 BC',
  '4714-11-01 BC', '4713-11-24 BC', '4715-01-01 BC', '5874897-12-31', '5874898-01-01',
  '294276-12-31', '294277-01-01', '294276-12-31 23:59:59.999999', '2024-01-05 BC BC',
  '2024-01-05 AD BC', '0 BC',
  // special words
  'epoch', 'infinity', '-infinity', '+infinity', 'INFINITY', ' epoch ', 'infinity bc', 'epoch 2024',
  'allballs', '2024-01-05 allballs', 'Epoch', '-epoch', 'infinite',
  // not dates at all
  '', ' ', 'garbage', 'abc', '2024-01-05x', '2024-01-05 x', '2024--01-05', '2024-01-', '-2024-01-05',
  '2024/01-05', '(2024-01-05)', '2024-01-05,', '2024_01_05', '2024-01-05\t', '２０２４-01-05', 'é',
  '2024-01-05 2024-01-06', '10:00', '2024-01-05 10:00:00 10:00:00', '+', '2024-01-05 +',
]

const TIMESTAMPS = [
  '2024-01-05 10:00', '2024-01-05 10:00:00', '2024-01-05T10:00:00', '2024-01-05t10:00:00',
  '2024-01-05 10:00:00.123456', '2024-01-05 10:00:00.1234567', '2024-01-05 10:00:00.1234565',
  '2024-01-05 10:00:00.9999995', '2024-01-05 23:59:59.9999999', '2024-01-05 24:00',
  '2024-01-05 24:00:01', '2024-01-05 25:00', '2024-01-05 10:60', '2024-01-05 10:59:60',
  '2024-01-05 10:59:61', '2024-01-05 10:', '2024-01-05 10::30', '2024-01-05 10:30.5',
  '2024-01-05 1:2:3', '2024-01-05 10:00:00:00', '2024-01-05 10:00 AM', '2024-01-05 10:00 PM',
  '2024-01-05 12:00 AM', '2024-01-05 12:00 PM', '2024-01-05 13:00 PM', '2024-01-05 0:00 am',
  '2024-01-05 pm', '2024-01-05 am pm', '2024-01-05 10 pm', 'Jan 5 2024 10:00 PM',
  'Jan 5 10:00 2024', 'Jan 5 10:00:00 2024 PST', 'Fri Jan 05 10:00:00 2024 PST', '10:00 2024-01-05',
  '10:00 Jan 5 2024', '2024-01-05 100000', '2024-01-05 1000', '2024-01-05 10', '2024-01-05 256199',
  '20240105 999999', '20240105T100000', '20240105T1000', '20240105 T100000', '2024-01-05T100000',
  '2024-01-05 T 10:00', '2024-01-05T', 'T10:00 2024-01-05', '20011225T040506.789-07',
  '2024-01-05 040506-08', '2024-01-05 040506.5', '19990108 040506', '990108 040506', '990108',
  '2024-01-05 10:00:00.', '2024-01-05 .5', '2024-01-05 10:00 .5', '20240105.5', '2024-01-05 12.5',
  '2024-01-05 10:00:00.5.5', '2024-01-05 99999999999:00', '2024-01-05 10:99999999999',
  '2024-01-05 T10:00 T11:00', '2024-01-05 TT10:00', '2024-01-05 h10', '2024-01-05 10:00 y',
  '1999-01-08 04:05:06', '1999-01-08 04:05:06 -8:00', 'January 8 04:05:06 1999 PST',
  '2024-01-05 04:05:06.789+02', '2024-01-05 10:00 at', 'Jan 5 2024 on 10:00', '2024 Jan 5 10:00 BC',
]

const ZONES = [
  '2024-01-05 10:00+05', '2024-01-05 10:00 +05', '2024-01-05 10:00+05:30', '2024-01-05 10:00+0530',
  '2024-01-05 10:00+053', '2024-01-05 10:00 -08:00', '2024-01-05 10:00-0800', '2024-01-05 10:00 +5',
  '2024-01-05 10:00+15:59', '2024-01-05 10:00+16', '2024-01-05 10:00+15:60',
  '2024-01-05 10:00+05:30:15', '2024-01-05 10:00+05:30:60', '2024-01-05 10:00+5.5',
  '2024-01-05 10:00+16.5', '2024-01-05 10:00 + 05', '2024-01-05 10:00+', '2024-01-05+05',
  '2024-01-05 -05', '2024-01-05 10:00+123456', '2024-01-05 10:00+05-30', '2024-01-05 10:00 +05 +06',
  '2024-01-05 10:00Z', '2024-01-05T10:00:00Z', '2024-01-05T10:00:00z', '2024-01-05 10:00 UTC',
  '2024-01-05 10:00 GMT', '2024-01-05 10:00 UT', '2024-01-05 10:00 zulu', '2024-01-05 10:00 PST',
  '2024-01-05 10:00 pdt', '2024-01-05 10:00 EST', '2024-01-05 10:00 EDT', '2024-01-05 10:00 CET',
  '2024-01-05 10:00 CEST', '2024-01-05 10:00 JST', '2024-01-05 10:00 IST', '2024-01-05 10:00 NZDT',
  '2024-01-05 10:00 NST', '2024-01-05 10:00 ACST', '2024-01-05 10:00 CHAST', '2024-01-05 10:00 MSK',
  '2024-07-05 10:00 MSK', '2024-01-05 10:00 SGT', '2024-01-05 10:00 VET', '2024-01-05 10:00 LHDT',
  '2024-01-05 10:00 PST DST', '2024-01-05 10:00 DST PST', '2024-01-05 10:00 PDT DST',
  '2024-01-05 10:00 DST', '2024-01-05 10:00 MSK DST', '2024-01-05 10:00 PST EST',
  '2024-01-05 10:00 +05 PST', '2024-01-05 10:00 America/New_York', '2024-07-05 10:00 America/New_York',
  '2024-03-10 02:30 America/New_York', '2024-11-03 01:30 America/New_York',
  '2024-01-05 10:00 america/new_york', '2024-01-05 10:00 Europe/Berlin', '2024-01-05 10:00 Asia/Kolkata',
  '2024-01-05 10:00 Asia/Kathmandu', '2024-01-05 10:00 Australia/Lord_Howe', '2024-01-05 10:00 Etc/GMT+5',
  '2024-01-05 10:00 Etc/GMT-14', '2024-01-05 10:00 US/Pacific', '2024-01-05 10:00 Japan',
  '2024-01-05 10:00 EST5EDT', '2024-07-05 10:00 PST8PDT', '2024-01-05 10:00 Foo/Bar', '2024-01-05 10:00 foo',
  '2024-01-05 10:00 UTC+5', '2024-01-05 10:00 GMT-8', '2024-01-05 10:00 foo+3', '2024-01-05 10:00 x10',
  '2024-01-05 10:00 ab+3:30', '2024-01-05 10:00 x-167', '2024-01-05 10:00 x168',
  '2024-01-05 America/New_York', 'America/New_York 2024-01-05', '2024-01-05 10:00 America/New_York PST',
  'Jan 5 2024 10:00 America/Chicago', '2024-01-05 10:00 America/New_York DST',
  '2024-01-05 10:00 -infinity', '2024-01-05 10:00 +foo', 'J2451187 UTC', '2024-01-05 10:00 UTC UTC',
  '2024-01-05 10:00 +05:30 America/New_York', '294276-12-31 23:00 -02', '4714-11-24 00:00 BC +01',
  '4714-11-24 00:00 BC -01', '1900-01-01 00:00 Asia/Kolkata', '2024-01-05 10:00 zz/zz',
  // POSIX zones with daylight-saving time follow tzcode's default rule
  '2000-04-01 12:00 foo3bar', '2000-07-01 12:00 foo3bar', '2024-03-10 01:59 foo3bar',
  '2024-03-10 02:30 foo3bar', '2024-03-10 03:00 foo3bar', '2024-11-03 01:30 foo3bar',
  '2024-11-03 02:00 foo3bar', '2024-07-01 12:00 foo3bar4', '2024-07-01 12:00 x+3.5',
  '2024-07-01 12:00 a.m.-06:04', '2024-07-01 12:00 x200', '2024-07-01 12:00 x3y200',
]

const TIMES = [
  '10:00', '10:00:00', '1:2', '10:', '10', '1000', '100000', '100000.5', '10000', '1000000', '24:00',
  '24:00:00', '24:00:00.0000001', '24:00:00.000001', '24:01', '25:00', '23:59:60', '23:59:60.5',
  '12:60', '10:30.5', '10:30.5.5', '1:2:3.4.5', '12.5', '.5', '10:00 AM', '10:00 pm', '12:00 am',
  '13:00 pm', '0:00 pm', 'T10:00', 'T100000', 'T1000', 'T10', 't10:00:00', '10:00Z', '10:00 UTC',
  '10:00+05', '10:00 -08:00', '10:00+16', '10:00 PST', '10:00 PST DST', '10:00 dst',
  '10:00 America/New_York', '10:00 Etc/GMT+5', '10:00 Asia/Tokyo', '10:00 japan', '10:00 MSK',
  '10:00 foo+3', '2024-01-05 10:00 America/New_York', '2024-01-05T10:00', 'jan-05-2024 10:00',
  '10:00 2024-01-05', '1999.008 10:00', '20240105 10:00', 'ALLBALLS', '10:00 bc', '10:00 jan',
  'Fri 10:00', '10:00 on', 'at 10:00', '040506-08', 'T040506-08', '10:00 040506-08', '04:05:06.789',
  '04:05:06.789-8', '04:05 PM', '2003-04-12 04:05:06 America/New_York', '04:05:06 PST', '10:00:00.',
  '10:00 UTC+5', '10:00 y', '10:00 T', 'T T10:00', '10:00 20240105', '10:00 J2451187',
  '10:00 2024-01-05 America/New_York', '00:00:00.0000005', '00:00:00.0000015', '12 pm', 'pm 12:00',
]

/** Texts whose fields just fit, or just overflow, PostgreSQL's field buffer (date and time have
 * less room than timestamps). */
const LONG = [108, 109, 132, 133].map((n) => `2024-01-05 10:00:00.${'0'.repeat(n)}`)

describe('date/time input, text by text', () => {
  test('dates', () => compareAll(DATES), 60_000)
  test('dates with times', () => compareAll(TIMESTAMPS), 60_000)
  test('zones', () => compareAll(ZONES), 60_000)
  test('times', () => compareAll(TIMES), 60_000)
  test('long texts', () => compareAll(LONG), 60_000)

  test('error messages are PostgreSQL wording', async () => {
    const messages: [string, string, string][] = [
      ['date', 'garbage', 'invalid input syntax for type date: "garbage"'],
      ['timestamptz', 'x', 'invalid input syntax for type timestamp with time zone: "x"'],
      ['timestamp', '2024-02-30', 'date/time field value out of range: "2024-02-30"'],
      ['date', '13/01/2024', 'date/time field value out of range: "13/01/2024"'],
      ['timestamptz', '2024-01-05 10:00+16', 'time zone displacement out of range: "2024-01-05 10:00+16"'],
      ['timestamptz', '2024-01-05 10:00 Foo/Bar', 'time zone "foo/bar" not recognized'],
      ['date', '5874898-01-01', 'date out of range: "5874898-01-01"'],
      ['timestamp', '294277-01-01', 'timestamp out of range: "294277-01-01"'],
      ['time', '25:00', 'date/time field value out of range: "25:00"'],
    ]
    for (const [type, text, message] of messages) {
      expect(error(() => parseText(text, sqlType(type)))).toBe(message)
    }
    // The month/day hint PostgreSQL gives for a month or day out of range.
    let hint: string | undefined
    try {
      parseDate('13/01/2024')
    } catch (e) {
      hint = (e as SqlError).hint
    }
    expect(hint).toBe('Perhaps you need a different "DateStyle" setting.')
  })
})

function error(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    if (e instanceof SqlError) return e.message
    throw e
  }
  return undefined
}

// --- generated texts ------------------------------------------------------------------------

const pad = (n: number, width: number) => String(n).padStart(width, '0')
const anyCase = (word: string) =>
  fc.constantFrom(word, word.toUpperCase(), word[0]?.toUpperCase() + word.slice(1))
/** Month words by month number: abbreviation, full name, and 'sept'. */
const MONTH_WORDS: readonly (readonly string[])[] = [
  ['jan', 'january'], ['feb', 'february'], ['mar', 'march'], ['apr', 'april'], ['may'],
  ['jun', 'june'], ['jul', 'july'], ['aug', 'august'], ['sep', 'sept', 'september'],
  ['oct', 'october'], ['nov', 'november'], ['dec', 'december'],
]
const FIXED_ZONES = [...ZONE_ABBREVIATIONS].filter(([, a]) => 'offsetSeconds' in a).map(([k]) => k)
// Dynamic abbreviations are read from the zone's offset at the time; PostgreSQL differs for MSK,
// whose tzdata abbreviation it finds outside the times MSK was in use (see README).
const DYNAMIC_ZONES = [...ZONE_ABBREVIATIONS]
  .filter(([k, a]) => 'zone' in a && k !== 'msk')
  .map(([k]) => k)
const ZONE_NAMES = [
  'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Etc/GMT+5',
  'US/Pacific', 'Japan', 'EST5EDT', 'UTC+5', 'foo-3', 'Pacific/Apia', 'America/Sao_Paulo',
]

/** `arbitrary`'s value in `percent` of the cases, else null. */
const sometimes = <T,>(percent: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(null) }, { weight: percent, arbitrary })

interface Parts {
  readonly year: number
  readonly month: number
  readonly day: number
}

const int = (min: number, max: number) => fc.integer({ min, max })
/** Mostly `usual`, now and then `rare`. */
const mostly = <T,>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 9, arbitrary: usual }, { weight: 1, arbitrary: rare })

/** A year, month and day, sometimes out of range; modern when a zone database is involved
 * (before 1970 the IANA data of PostgreSQL and of the runtime disagree in places). */
const ymd = (modern: boolean) =>
  fc.record({
    year: modern ? int(1971, 2037) : fc.oneof(int(1, 2100), int(0, 99), int(1, 300000)),
    month: mostly(int(1, 12), int(0, 13)),
    day: mostly(int(1, 28), int(0, 32)),
  })

/** The date in one of the forms PostgreSQL reads. */
function dateText(p: Parts): fc.Arbitrary<string> {
  const words = MONTH_WORDS[p.month - 1] ?? []
  const name =
    words.length === 0 ? fc.constant(String(p.month)) : fc.constantFrom(...words).chain(anyCase)
  const y = fc.constantFrom(String(p.year), pad(p.year, 4), pad(p.year % 100, 2))
  const [mm, dd] = [pad(p.month, 2), pad(p.day, 2)]
  const fraction = sometimes(30, fc.stringMatching(/^\.\d{1,4}$/))
  return fc.oneof(
    fc.tuple(y, fc.constantFrom('-', '/', '.')).map(([yy, s]) => `${yy}${s}${mm}${s}${dd}`),
    fc.tuple(y, fc.constantFrom('-', '/')).map(([yy, s]) => `${p.month}${s}${p.day}${s}${yy}`),
    fc.tuple(name, y).map(([m, yy]) => `${m} ${p.day}, ${yy}`),
    fc.tuple(name, y).map(([m, yy]) => `${p.day} ${m} ${yy}`),
    fc.tuple(name, y).map(([m, yy]) => `${dd}-${m}-${yy}`),
    fc.tuple(name, y).map(([m, yy]) => `${yy} ${m} ${p.day}`),
    fc.constant(`${pad(p.year, 4)}${mm}${dd}`),
    fc.constant(`${pad(p.year % 100, 2)}${mm}${dd}`),
    int(1, 367).map((doy) => `${pad(p.year, 4)}.${pad(doy, 3)}`),
    fc.tuple(int(0, 5373484), fraction).map(([jd, f]) => `J${jd}${f ?? ''}`),
  )
}

const digits = fc.stringMatching(/^\d{1,9}$/)
const timeText = fc.oneof(
  fc
    .tuple(int(0, 25), int(0, 60), sometimes(70, int(0, 61)), sometimes(40, digits))
    .map(([h, m, s, f]) => {
      const seconds = s === null ? '' : `:${pad(s, 2)}${f === null ? '' : `.${f}`}`
      return `${pad(h, 2)}:${pad(m, 2)}${seconds}`
    }),
  fc
    .tuple(int(1, 13), int(0, 59), fc.constantFrom('am', 'PM', 'pm', 'AM', 'a.m.'))
    .map(([h, m, ampm]) => `${h}:${pad(m, 2)} ${ampm}`),
  fc.tuple(int(0, 24), int(0, 59), int(0, 59)).map((hms) => hms.map((n) => pad(n, 2)).join('')),
)

const offsetText = fc
  .tuple(fc.constantFrom('+', '-'), int(0, 16), sometimes(50, int(0, 60)), fc.constantFrom(':', ''))
  .map(([sign, h, m, colon]) => `${sign}${pad(h, 2)}${m === null ? '' : `${colon}${pad(m, 2)}`}`)

const namedZone = fc.oneof(
  fc.constantFrom(...ZONE_NAMES),
  fc.constantFrom(...DYNAMIC_ZONES).chain(anyCase),
)
const fixedZone = fc.oneof(
  offsetText,
  fc.constantFrom(...FIXED_ZONES).chain(anyCase),
  fc.constant('Z'),
)

/** [weekday] date [T|space time] [zone] [BC|AD], with the time sometimes first. */
const dateTimeText = fc.boolean().chain((named) =>
  ymd(named).chain((p) =>
    fc
      .record({
        weekday: sometimes(15, fc.constantFrom('Mon', 'friday', 'Tues,', 'THU')),
        date: dateText(p),
        time: sometimes(60, timeText),
        joiner: fc.constantFrom(' ', 'T', '  '),
        zone: sometimes(50, named ? namedZone : fixedZone),
        // Zone histories differ before 1900 (and BC years are long before it).
        era: named ? fc.constant(null) : sometimes(15, fc.constantFrom(' BC', ' ad', ' bc')),
        timeFirst: int(1, 8).map((n) => n === 1),
      })
      .map((r) => {
        const time = r.time === null ? '' : r.timeFirst ? `${r.time} ` : `${r.joiner}${r.time}`
        const signed = r.zone?.startsWith('+') === true || r.zone?.startsWith('-') === true
        const zone = r.zone === null ? '' : signed ? r.zone : ` ${r.zone}`
        const weekday = r.weekday === null ? '' : `${r.weekday} `
        const body = r.timeFirst ? `${time}${r.date}` : `${r.date}${time}`
        return `${weekday}${body}${zone}${r.era ?? ''}`
      }),
  ),
)

describe('date/time input, generated from the grammar', () => {
  test('PostgreSQL reads every generated text the same way', async () => {
    const texts = fc.sample(dateTimeText, { numRuns: 400, seed: 20240105 })
    await compareAll(texts)
  }, 120_000)

  test('time texts', async () => {
    const before = sometimes(30, fc.constantFrom('T', '2024-01-05 ', 'allballs '))
    const zone = fc.oneof(offsetText, fc.constantFrom(' PST', ' Etc/GMT-3', ' America/Chicago'))
    const text = fc
      .tuple(before, timeText, sometimes(30, zone))
      .map(([a, t, z]) => `${a ?? ''}${t}${z ?? ''}`)
    const texts = fc.sample(text, { numRuns: 200, seed: 1083 })
    await compareAll(texts, ['time', 'timestamp'])
  }, 60_000)

  test('the ISO shortcut reads as the field-by-field reading does', () => {
    // A leading space keeps a text off the shortcut, so both readings of each text are compared,
    // as values and, where the shortcut takes the text, as the fields it decodes.
    const zone = sometimes(40, fc.oneof(offsetText, fc.constantFrom('Z', 'z')))
    const iso = fc
      .tuple(ymd(false), sometimes(70, timeText), zone, fc.constantFrom(' ', 'T', 't'))
      .map(([p, t, z, joiner]) => {
        const date = `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}`
        return t === null ? date : `${date}${joiner}${t}${z ?? ''}`
      })
    const clock = fc.tuple(timeText, zone).map(([t, z]) => `${t}${z ?? ''}`)
    fc.assert(
      fc.property(fc.oneof(iso, clock), fc.constantFrom(...TYPES), (text, type) => {
        expect(ours(text, type)).toBe(ours(` ${text}`, type))
        const label = type === 'timestamptz' ? 'timestamp with time zone' : type
        const fast = label === 'time' ? isoTime(text) : isoDateTime(text)
        if (fast === undefined) return
        const slow = label === 'time' ? decodeTime(` ${text}`) : decodeDateTime(` ${text}`, label)
        expect({ text, fields: fast as unknown }).toEqual({ text, fields: slow })
      }),
      { numRuns: 2000, seed: 7 },
    )
  })

  test('the ISO shortcut takes toISOString() texts and times with an offset', () => {
    // Goal: the insert path's common texts skip the field by field reading (5x slower), with the
    // same fields. Method: the shortcut's answer for each, against the full reading's.
    const texts = ['2024-01-05T10:00:00.123Z', '2024-01-05t10:00:00z', '2024-01-05T10:00:00.123456+05:30', '2024-01-05 10:00-08']
    for (const text of texts) {
      expect({ text, fields: isoDateTime(text) as unknown }).toEqual({ text, fields: decodeDateTime(` ${text}`, 'timestamp with time zone') })
    }
    for (const text of ['10:00:00.5+00', '10:00:00Z', '23:59-0330']) {
      expect({ text, fields: isoTime(text) }).toEqual({ text, fields: decodeTime(` ${text}`) })
    }
    expect(ours('2024-01-05T10:00:00.123Z', 'timestamptz')).toBe('2024-01-05 10:00:00.123+00')
    expect(ours('2024-01-05T10:00:00.123+05:30', 'timestamptz')).toBe('2024-01-05 04:30:00.123+00')
    expect(ours('10:00:00.5+05', 'time')).toBe('10:00:00.5')
  })
})

test('texts from a soup of date/time pieces, mostly not dates at all', async () => {
  // Error paths: the same SQLSTATE for the same text, and the same value when it is one. (Not
  // here: a day of year after a year of millions, where PostgreSQL's day-number arithmetic
  // overflows and gives some other date.)
  const piece = fc.constantFrom(
    ...'0123456789 -/.:+,Tt', 'jan', 'J', 'am', 'pm', 'bc', 'ad', 'Z', 'EST', 'dst', 'utc', 'x', 'sept',
    'mon', 'allballs', 'epoch', 'infinity', 'America/New_York', 'e', '24', '60', '99', '1999', '2024',
    '20240105', '040506', '.5', '.1234567', 'PST', 'doy', 'y', 'h', '366',
  )
  const soup = fc.array(piece, { minLength: 1, maxLength: 12 }).map((a) => a.join(''))
  await compareAll(fc.sample(soup, { numRuns: 500, seed: 99 }))
}, 60_000)

describe('texts that read the clock', () => {
  const CLOCK = [
    'now', 'today', 'tomorrow', 'yesterday', 'NOW', ' today ', 'today 10:00', 'tomorrow 10:00 PST',
    'yesterday allballs', 'today BC', 'now UTC', 'today 2024-01-05', 'now now', 'today tomorrow',
    'today 10:00 pm', 'tomorrow America/New_York', 'today +05', 'now-5', 'nowhere', 'todays',
    'Fri today', 'today T10:00', 'now 10:00',
  ]
  /** Our output of `text` as `type` with the transaction's start `nowUs`. */
  const oursAt = (text: string, type: string, nowUs: bigint) =>
    outcome(() => ({ value: parseText(text, sqlType(type), nowUs), type: sqlType(type) }))
  const cases = CLOCK.flatMap((text) => TYPES.map((type) => [text, type] as const))
  test.each(cases)('%p::%s', async (text, type) => {
    // One statement gives PostgreSQL's now() and its reading of the text, so both share an instant.
    const got = await pg.text(`now()::text || '|' || ${literalSql([text, type])}::text`)
    if (got?.startsWith('ERROR')) {
      expect(oursAt(text, type, 0n)).toBe(got)
      return
    }
    const [now, value] = (got ?? '').split('|') as [string, string]
    expect(oursAt(text, type, parseTimestamp(now, true))).toBe(value)
  })

  test('without a clock they are 0A000, not another value', () => {
    expect(() => parseDate('today')).toThrow(expect.objectContaining({ code: '0A000' }))
    expect(ours('2024-01-05', 'date')).toBe('2024-01-05')
  })
})

test('the abbreviations are PostgreSQL\'s default set, with its offsets', async () => {
  const listed = await pg.text(
    `(select string_agg(lower(abbrev) || ':' || extract(epoch from utc_offset)::int || ':' || is_dst,
      ' ' order by lower(abbrev)) from pg_timezone_abbrevs)`,
  )
  const nowUs = BigInt(Date.now()) * 1000n
  const entries = (listed ?? '').split(' ').map((e) => [e.slice(0, e.indexOf(':')), e] as const)
  const theirsByName = new Map<string, string>(entries)
  const mine = [...ZONE_ABBREVIATIONS].map(([name, a]): [string, string] => {
    if ('offsetSeconds' in a) return [name, `${name}:${a.offsetSeconds}:${a.dst}`]
    // A dynamic abbreviation: PostgreSQL lists what it means now; its DST flag is the zone's.
    const zone = abbreviationZone(name)
    const offset = zone === undefined ? 'none' : String((toLocal(nowUs, zone) - nowUs) / 1_000_000n)
    const dst = theirsByName.get(name)?.split(':')[2]
    return [name, `${name}:${offset}:${dst}`]
  })
  expect(new Map(mine)).toEqual(theirsByName)
})
