// Date and time functions (ARCHITECTURE.md "query processor": bind and evaluate): date_trunc,
// extract/date_part, to_char, to_date/to_timestamp, make_*, age, justify_*, with TimeZone UTC.
import { SqlError } from '../errors/index.ts'
import { T, overloads, sig } from './function-overloads.ts'
import { NUMBER_TO_CHAR, parseNumber } from './functions-number-format.ts'
import type { FunctionResolver } from './functions.ts'
import {
  Decimal,
  Interval,
  age,
  civilFromDays,
  dateToTimestamp,
  daysFromCivil,
  daysInMonth,
  formatType,
  isFiniteTimestamp,
  justifyDays,
  justifyHours,
  justifyInterval,
  templateDate,
  templateTimestamp,
  timestampInRange,
  timestampToDate,
  type Datum,
  type SqlType,
  fromLocal,
  zoneOf,
} from './types/index.ts'

const MICROS_PER_DAY = 86_400_000_000n
const str = (d: Datum | undefined) => d as string
const ts = (d: Datum | undefined) => d as bigint
const iv = (d: Datum | undefined) => d as Interval

/** Calendar fields of a finite timestamp (microseconds since 1970, UTC). */
function fieldsOf(micros: bigint) {
  let days = micros / MICROS_PER_DAY
  let time = micros % MICROS_PER_DAY
  if (time < 0n) {
    time += MICROS_PER_DAY
    days -= 1n
  }
  const d = Number(days)
  const c = civilFromDays(d)
  const us = Number(time)
  return {
    ...c,
    days: d,
    hour: Math.floor(us / 3_600_000_000),
    minute: Math.floor(us / 60_000_000) % 60,
    second: Math.floor(us / 1_000_000) % 60,
    micro: us % 1_000_000,
    time,
    dow: (((d + 4) % 7) + 7) % 7,
  }
}

const fromCivil = (year: number, month: number, day: number, time = 0n) =>
  BigInt(daysFromCivil(year, month, day)) * MICROS_PER_DAY + time

/** ISO 8601 week-numbering year and week of a day number. */
function isoWeek(days: number): { isoYear: number; week: number } {
  const dow = ((((days + 4) % 7) + 7) % 7) || 7
  const thursday = days - dow + 4
  const { year } = civilFromDays(thursday)
  const jan1 = daysFromCivil(year, 1, 1)
  return { isoYear: year, week: Math.floor((thursday - jan1) / 7) + 1 }
}

/** Unit names by the unit they spell (PostgreSQL's datetktbl and deltatktbl entries). */
const UNIT_SPELLINGS: Readonly<Record<string, readonly string[]>> = {
  microseconds: ['microsecond', 'us', 'usec', 'usecs', 'useconds'],
  milliseconds: ['millisecond', 'ms', 'msec', 'msecs', 'mseconds'],
  second: ['seconds', 's', 'sec', 'secs'],
  minute: ['minutes', 'm', 'min', 'mins'],
  hour: ['hours', 'h', 'hr', 'hrs'],
  day: ['days', 'd'],
  week: ['weeks', 'w'],
  month: ['months', 'mon', 'mons'],
  quarter: ['qtr'],
  year: ['years', 'y', 'yr', 'yrs'],
  decade: ['decades', 'dec', 'decs'],
  century: ['centuries', 'c', 'cent'],
  millennium: ['millennia', 'millenniums', 'mil', 'mils'],
  epoch: [],
  dow: [],
  isodow: [],
  doy: [],
  isoyear: [],
  julian: ['j'],
  timezone: [],
  timezone_hour: ['timezone_h'],
  timezone_minute: ['timezone_m'],
}

const UNITS = new Map(
  Object.entries(UNIT_SPELLINGS).flatMap(([unit, names]) => [unit, ...names].map((n) => [n, unit] as const)),
)

function unitName(unit: string): string {
  const u = unit.toLowerCase()
  return UNITS.get(u) ?? u
}

/** Units PostgreSQL knows that extract cannot take from an interval: 0A000 rather than 22023. */
const NOT_FOR_INTERVAL = new Set(['dow', 'isodow', 'doy', 'isoyear', 'julian', 'timezone', 'timezone_hour', 'timezone_minute'])

function intervalUnitError(unitText: string): SqlError {
  return NOT_FOR_INTERVAL.has(unitName(unitText))
    ? new SqlError('0A000', `unit "${unitText}" not supported for type interval`)
    : unitNotRecognized(unitText, T.interval)
}

const unitNotRecognized = (unit: string, t: SqlType) =>
  new SqlError('22023', `unit "${unit}" not recognized for type ${formatType(t)}`)
const unitNotSupported = (unit: string, t: SqlType) =>
  new SqlError('0A000', `unit "${unit}" not supported for type ${formatType(t)}`)

/** The century (n = 100) or millennium (n = 1000) of an astronomical year: 1-100 is the first,
 * 100 BC-1 BC the minus first. */
function centuryOf(year: number, n: number): number {
  return year > 0 ? Math.floor((year + n - 1) / n) : -Math.floor((n - year) / n)
}

// ---------------------------------------------------------------------------------------------
// date_trunc

function truncTimestamp(unitText: string, micros: bigint, type: SqlType): bigint {
  const unit = unitName(unitText)
  if (!isFiniteTimestamp(micros)) return micros
  const f = fieldsOf(micros)
  const yearFloor = (n: number) => (f.year > 0 ? Math.floor((f.year - 1) / n) * n + 1 : -Math.floor(-f.year / n) * n - (n - 1))
  switch (unit) {
    case 'microseconds':
      return micros
    case 'milliseconds':
      return micros - BigInt(f.micro % 1000)
    case 'second':
      return micros - BigInt(f.micro)
    case 'minute':
      return fromCivil(f.year, f.month, f.day, BigInt((f.hour * 60 + f.minute) * 60) * 1_000_000n)
    case 'hour':
      return fromCivil(f.year, f.month, f.day, BigInt(f.hour * 3600) * 1_000_000n)
    case 'day':
      return fromCivil(f.year, f.month, f.day)
    case 'week':
      return BigInt(f.days - ((f.dow + 6) % 7)) * MICROS_PER_DAY
    case 'month':
      return fromCivil(f.year, f.month, 1)
    case 'quarter':
      return fromCivil(f.year, Math.floor((f.month - 1) / 3) * 3 + 1, 1)
    case 'year':
      return fromCivil(f.year, 1, 1)
    case 'decade':
      return fromCivil(f.year > 0 ? Math.floor(f.year / 10) * 10 : -Math.floor((-f.year + 9) / 10) * 10 + 0, 1, 1)
    case 'century':
      return fromCivil(yearFloor(100), 1, 1)
    case 'millennium':
      return fromCivil(yearFloor(1000), 1, 1)
    default:
      throw unitNotRecognized(unitText, type)
  }
}

function truncInterval(unitText: string, i: Interval): Interval {
  const unit = unitName(unitText)
  const us = i.micros
  const keep = (div: bigint) => us - (us % div)
  const years = Math.trunc(i.months / 12)
  switch (unit) {
    case 'microseconds':
      return i
    case 'milliseconds':
      return new Interval(i.months, i.days, keep(1000n))
    case 'second':
      return new Interval(i.months, i.days, keep(1_000_000n))
    case 'minute':
      return new Interval(i.months, i.days, keep(60_000_000n))
    case 'hour':
      return new Interval(i.months, i.days, keep(3_600_000_000n))
    case 'day':
      return new Interval(i.months, i.days, 0n)
    case 'month':
      return new Interval(i.months, 0, 0n)
    case 'quarter':
      return new Interval(years * 12 + Math.trunc((i.months % 12) / 3) * 3, 0, 0n)
    case 'year':
      return new Interval(years * 12, 0, 0n)
    case 'decade':
      return new Interval(Math.trunc(years / 10) * 120, 0, 0n)
    case 'century':
      return new Interval(Math.trunc(years / 100) * 1200, 0, 0n)
    case 'millennium':
      return new Interval(Math.trunc(years / 1000) * 12000, 0, 0n)
    case 'week':
      throw new SqlError('0A000', `unit "${unitText}" not supported for type interval`, {
        detail: 'Months usually have fractional weeks.',
      })
    case 'timezone':
    case 'timezone_hour':
    case 'timezone_minute':
      throw new SqlError('0A000', `unit "${unitText}" not supported for type interval`)
    default:
      throw unitNotRecognized(unitText, T.interval)
  }
}

// ---------------------------------------------------------------------------------------------
// extract / date_part

/** A numeric n / 10^scale. */
const dec = (n: bigint, scale: number) => new Decimal(n, scale)

function extractTimestamp(unitText: string, micros: bigint, type: SqlType): Decimal | null {
  const unit = unitName(unitText)
  if (!isFiniteTimestamp(micros)) {
    // Year-like fields of an infinite timestamp are ±Infinity (no numeric infinity here); the
    // others are NULL.
    const yearLike = ['epoch', 'year', 'decade', 'century', 'millennium', 'julian', 'isoyear'].includes(unit)
    if (!yearLike && !Object.hasOwn(UNIT_SPELLINGS, unit)) throw unitNotRecognized(unitText, type)
    if (!yearLike) return null
    throw new SqlError('0A000', 'numeric infinity is not supported')
  }
  const f = fieldsOf(micros)
  const astronomical = (y: number) => (y > 0 ? y : y - 1)
  const y = astronomical(f.year)
  const clock = clockField(unit, f.time)
  if (clock !== undefined) return clock
  switch (unit) {
    case 'day':
      return dec(BigInt(f.day), 0)
    case 'month':
      return dec(BigInt(f.month), 0)
    case 'quarter':
      return dec(BigInt(Math.floor((f.month - 1) / 3) + 1), 0)
    case 'year':
      return dec(BigInt(y), 0)
    case 'decade':
      return dec(BigInt(Math.floor(f.year / 10)), 0)
    case 'century':
      return dec(BigInt(centuryOf(f.year, 100)), 0)
    case 'millennium':
      return dec(BigInt(centuryOf(f.year, 1000)), 0)
    case 'week':
      return dec(BigInt(isoWeek(f.days).week), 0)
    case 'isoyear': {
      const iy = isoWeek(f.days).isoYear
      return dec(BigInt(iy > 0 ? iy : iy - 1), 0)
    }
    case 'dow':
      return dec(BigInt(f.dow), 0)
    case 'isodow':
      return dec(BigInt(f.dow === 0 ? 7 : f.dow), 0)
    case 'doy':
      return dec(BigInt(f.days - daysFromCivil(f.year, 1, 1) + 1), 0)
    case 'epoch':
      return dec(micros, 6)
    case 'julian':
      // Julian day with the time as a fraction of the day, as PostgreSQL 14+ computes it.
      return new Decimal(BigInt(f.days + 2440588) * MICROS_PER_DAY + f.time, 0).divScaled(
        new Decimal(MICROS_PER_DAY, 0),
        Math.max(0, julianScale(f.time)),
      )
    case 'timezone':
    case 'timezone_hour':
    case 'timezone_minute':
      if (type.kind === 'timestamptz') return dec(0n, 0)
      throw unitNotSupported(unitText, type)
    default:
      throw unitNotRecognized(unitText, type)
  }
}

function julianScale(time: bigint): number {
  return time === 0n ? 0 : 16 + 4
}

function extractDate(unitText: string, days: number): Decimal | null {
  const unit = unitName(unitText)
  if (['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'timezone', 'timezone_hour', 'timezone_minute'].includes(unit)) {
    throw new SqlError('0A000', `unit "${unitText}" not supported for type date`)
  }
  if (!Number.isFinite(days)) return extractTimestamp(unitText, days > 0 ? 2n ** 64n : -(2n ** 64n), T.date)
  const r = extractTimestamp(unitText, BigInt(days) * MICROS_PER_DAY, T.date)
  return r !== null && (unit === 'epoch' || unit === 'julian') ? r.trunc(0) : r
}

/** The units that read the clock fields of a time of day or an interval's time part (`micros`):
 * seconds (fraction included, in the unit's scale), minute and hour, which is not reduced modulo a
 * day (24 for time 24:00, any count for an interval); truncation keeps a negative interval's
 * fields negative. Undefined for the other units. */
function clockField(unit: string, micros: bigint): Decimal | undefined {
  const secMicros = micros % 60_000_000n
  if (unit === 'microseconds') return dec(secMicros, 0)
  if (unit === 'milliseconds') return dec(secMicros, 3)
  if (unit === 'second') return dec(secMicros, 6)
  if (unit === 'minute') return dec((micros / 60_000_000n) % 60n, 0)
  if (unit === 'hour') return dec(micros / 3_600_000_000n, 0)
  return undefined
}

/** extract from time: the clock fields and epoch (seconds since midnight); hour 24 for 24:00. */
function extractTime(unitText: string, micros: bigint): Decimal {
  const unit = unitName(unitText)
  const clock = clockField(unit, micros)
  if (clock !== undefined) return clock
  switch (unit) {
    case 'epoch':
      return dec(micros, 6)
    default:
      if (Object.hasOwn(UNIT_SPELLINGS, unit)) throw unitNotSupported(unitText, T.time)
      throw unitNotRecognized(unitText, T.time)
  }
}

function extractInterval(unitText: string, i: Interval): Decimal {
  const unit = unitName(unitText)
  const us = i.micros
  const years = Math.trunc(i.months / 12)
  const clock = clockField(unit, us)
  if (clock !== undefined) return clock
  switch (unit) {
    case 'day':
      return dec(BigInt(i.days), 0)
    case 'month':
      return dec(BigInt(i.months % 12), 0)
    case 'quarter':
      // The quarter of the month field, negative for a negative interval (PostgreSQL 18).
      return dec(BigInt(i.months >= 0 ? Math.trunc((i.months % 12) / 3) + 1 : -(Math.trunc((-i.months % 12) / 3) + 1)), 0)
    case 'week':
      return dec(BigInt(Math.trunc(i.days / 7)), 0)
    case 'year':
      return dec(BigInt(years), 0)
    case 'decade':
      return dec(BigInt(Math.trunc(years / 10)), 0)
    case 'century':
      return dec(BigInt(Math.trunc(years / 100)), 0)
    case 'millennium':
      return dec(BigInt(Math.trunc(years / 1000)), 0)
    case 'epoch': {
      // PostgreSQL counts a year as 365.25 days and a month as 30 days here.
      const secs =
        BigInt(years) * 31_557_600n * 1_000_000n +
        BigInt(i.months % 12) * 30n * 86_400_000_000n +
        BigInt(i.days) * 86_400_000_000n +
        us
      return dec(secs, 6)
    }
    default:
      throw intervalUnitError(unitText)
  }
}

const toFloat = (d: Decimal | null) => (d === null ? null : d.toNumber())

// ---------------------------------------------------------------------------------------------
// to_char

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

const PATTERNS = [
  'HH24', 'HH12', 'HH', 'MI', 'SSSSS', 'SSSS', 'SS', 'MS', 'US', 'FF1', 'FF2', 'FF3', 'FF4', 'FF5', 'FF6',
  'A.M.', 'a.m.', 'P.M.', 'p.m.', 'AM', 'am', 'PM', 'pm', 'Y,YYY', 'YYYY', 'YYY', 'YY', 'Y', 'IYYY', 'IYY', 'IY', 'I',
  'MONTH', 'Month', 'month', 'MON', 'Mon', 'mon', 'MM', 'DAY', 'Day', 'day', 'DY', 'Dy', 'dy', 'DDD', 'DD', 'D',
  'IDDD', 'ID', 'WW', 'W', 'IW', 'CC', 'J', 'Q', 'TZH', 'TZM', 'TZ', 'tz', 'OF', 'RM', 'rm', 'BC', 'bc', 'AD', 'ad', 'B.C.', 'A.D.', 'b.c.', 'a.d.',
]

// Longest first, so 'IW' is not read as 'I' then 'W'.
PATTERNS.sort((a, b) => b.length - a.length)

function ordinal(signed: number): string {
  // A negative interval field takes its digits' suffix: -3 is -3rd.
  const n = Math.abs(signed)
  const t = n % 100
  if (t >= 11 && t <= 13) return 'th'
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'
}

const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII']

/** to_char(timestamp, format) for PostgreSQL's datetime template patterns (FM, TH/th suffixes,
 * quoted text, backslash escapes). */
function toCharTimestamp(micros: bigint, fmt: string, withZone: boolean): string | null {
  if (!isFiniteTimestamp(micros)) return null
  const f = fieldsOf(micros)
  const iso = isoWeek(f.days)
  const doy = f.days - daysFromCivil(f.year, 1, 1) + 1
  const yearOut = f.year > 0 ? f.year : 1 - f.year
  const isoOut = iso.isoYear > 0 ? iso.isoYear : 1 - iso.isoYear
  const h12 = f.hour % 12 === 0 ? 12 : f.hour % 12
  const value = (p: string, fm: boolean): { text: string; n?: number } => {
    const num = (n: number, width: number) => ({
      text: fm ? String(n) : n < 0 ? `-${String(-n).padStart(width, '0')}` : String(n).padStart(width, '0'),
      n,
    })
    const name = (s: string, width: number) => ({ text: fm ? s : s.padEnd(width, ' ') })
    switch (p) {
      case 'HH24': return num(f.hour, 2)
      case 'HH12': case 'HH': return num(h12, 2)
      case 'MI': return num(f.minute, 2)
      case 'SS': return num(f.second, 2)
      case 'SSSS': case 'SSSSS': return num(f.hour * 3600 + f.minute * 60 + f.second, 1)
      case 'MS': return num(Math.floor(f.micro / 1000), 3)
      case 'US': return num(f.micro, 6)
      case 'FF1': case 'FF2': case 'FF3': case 'FF4': case 'FF5': case 'FF6': {
        const k = Number(p[2])
        return num(Math.floor(f.micro / 10 ** (6 - k)), k)
      }
      case 'AM': case 'PM': return { text: f.hour < 12 ? 'AM' : 'PM' }
      case 'am': case 'pm': return { text: f.hour < 12 ? 'am' : 'pm' }
      case 'A.M.': case 'P.M.': return { text: f.hour < 12 ? 'A.M.' : 'P.M.' }
      case 'a.m.': case 'p.m.': return { text: f.hour < 12 ? 'a.m.' : 'p.m.' }
      case 'Y,YYY': return { text: `${Math.floor(yearOut / 1000)},${String(yearOut % 1000).padStart(3, '0')}` }
      case 'YYYY': return num(yearOut, 4)
      case 'YYY': return num(yearOut % 1000, 3)
      case 'YY': return num(yearOut % 100, 2)
      case 'Y': return num(yearOut % 10, 1)
      case 'IYYY': return num(isoOut, 4)
      case 'IYY': return num(isoOut % 1000, 3)
      case 'IY': return num(isoOut % 100, 2)
      case 'I': return num(isoOut % 10, 1)
      case 'MONTH': return name((MONTHS[f.month - 1] as string).toUpperCase(), 9)
      case 'Month': return name(MONTHS[f.month - 1] as string, 9)
      case 'month': return name((MONTHS[f.month - 1] as string).toLowerCase(), 9)
      case 'MON': return { text: (MONTHS[f.month - 1] as string).slice(0, 3).toUpperCase() }
      case 'Mon': return { text: (MONTHS[f.month - 1] as string).slice(0, 3) }
      case 'mon': return { text: (MONTHS[f.month - 1] as string).slice(0, 3).toLowerCase() }
      case 'MM': return num(f.month, 2)
      case 'DAY': return name((DAYS[f.dow] as string).toUpperCase(), 9)
      case 'Day': return name(DAYS[f.dow] as string, 9)
      case 'day': return name((DAYS[f.dow] as string).toLowerCase(), 9)
      case 'DY': return { text: (DAYS[f.dow] as string).slice(0, 3).toUpperCase() }
      case 'Dy': return { text: (DAYS[f.dow] as string).slice(0, 3) }
      case 'dy': return { text: (DAYS[f.dow] as string).slice(0, 3).toLowerCase() }
      case 'DDD': return num(doy, 3)
      case 'IDDD': return num((iso.week - 1) * 7 + (f.dow === 0 ? 7 : f.dow), 3)
      case 'DD': return num(f.day, 2)
      case 'D': return num(f.dow + 1, 1)
      case 'ID': return num(f.dow === 0 ? 7 : f.dow, 1)
      case 'WW': return num(Math.floor((doy - 1) / 7) + 1, 2)
      case 'W': return num(Math.floor((f.day - 1) / 7) + 1, 1)
      case 'IW': return num(iso.week, 2)
      case 'CC': return num(centuryOf(f.year, 100), 2)
      case 'J': return num(f.days + 2440588, 1)
      case 'Q': return num(Math.floor((f.month - 1) / 3) + 1, 1)
      case 'TZ': return { text: withZone ? 'UTC' : '' }
      case 'tz': return { text: withZone ? 'utc' : '' }
      case 'TZH': return { text: withZone ? '+00' : '' }
      case 'TZM': return { text: withZone ? '00' : '' }
      case 'OF': return { text: withZone ? '+00' : '' }
      case 'RM': return name(ROMAN[f.month - 1] as string, 4)
      case 'rm': return name((ROMAN[f.month - 1] as string).toLowerCase(), 4)
      case 'BC': case 'AD': return { text: f.year > 0 ? 'AD' : 'BC' }
      case 'bc': case 'ad': return { text: f.year > 0 ? 'ad' : 'bc' }
      case 'B.C.': case 'A.D.': return { text: f.year > 0 ? 'A.D.' : 'B.C.' }
      case 'b.c.': case 'a.d.': return { text: f.year > 0 ? 'a.d.' : 'b.c.' }
      default: return { text: p }
    }
  }
  return renderTemplate(fmt, value)
}

/** A field's text (and its number, for TH/th) for a template pattern, FM given. */
type FieldValue = (p: string, fm: boolean) => { text: string; n?: number }

/** Walks a datetime template: quoted text and backslash escapes literal, FM prefixes, TH/th
 * suffixes, every pattern's text from `value`. */
function renderTemplate(fmt: string, value: FieldValue): string {
  let out = ''
  let i = 0
  while (i < fmt.length) {
    if (fmt[i] === '"') {
      let j = i + 1
      while (j < fmt.length && fmt[j] !== '"') {
        if (fmt[j] === '\\' && j + 1 < fmt.length) j++
        out += fmt[j]
        j++
      }
      i = j + 1
      continue
    }
    if (fmt[i] === '\\' && i + 1 < fmt.length) {
      out += fmt[i + 1]
      i += 2
      continue
    }
    let fm = false
    let j = i
    if (fmt.startsWith('FM', j) || fmt.startsWith('fm', j)) {
      fm = true
      j += 2
    }
    const p = PATTERNS.find((q) => fmt.startsWith(q, j))
    if (p === undefined) {
      out += fmt[i]
      i++
      continue
    }
    j += p.length
    const v = value(p, fm)
    out += v.text
    if (fmt.startsWith('TH', j) || fmt.startsWith('th', j)) {
      const suffix = v.n === undefined ? '' : ordinal(v.n)
      out += fmt[j] === 'T' ? suffix.toUpperCase() : suffix
      j += 2
    }
    i = j
  }
  return out
}

/** C's "%0*d": zero padded to `width` characters, a minus sign among them. */
function cWidth(n: number, width: number): string {
  return n < 0 ? `-${String(-n).padStart(width - 1, '0')}` : String(n).padStart(width, '0')
}

/** Patterns that name a calendar date: 22007 on an interval (PostgreSQL's INVALID_FOR_INTERVAL). */
const PATTERNS_NOT_FOR_INTERVAL = new Set([
  'MONTH', 'Month', 'month', 'MON', 'Mon', 'mon', 'DAY', 'Day', 'day', 'DY', 'Dy', 'dy', 'D', 'ID',
  'BC', 'bc', 'AD', 'ad', 'B.C.', 'b.c.', 'A.D.', 'a.d.',
])

/** to_char(interval, format): PostgreSQL's interval_to_char takes each field from the interval's
 * own fields (years and months from its months, DD its days, HH24 its hours unwrapped, all signed),
 * not from a timestamp: '100 hours' is HH24 100, '-25 hours' -25, '3 days' DD 03. */
function toCharInterval(i: Interval, fmt: string): string {
  const year = Math.trunc(i.months / 12)
  const month = i.months % 12
  const day = i.days
  const hour = Number(i.micros / 3_600_000_000n)
  const minute = Number((i.micros / 60_000_000n) % 60n)
  const second = Number((i.micros / 1_000_000n) % 60n)
  const micro = Number(i.micros % 1_000_000n)
  const yday = (year * 12 + month) * 30 + day
  const value: FieldValue = (p, fm) => {
    if (PATTERNS_NOT_FOR_INTERVAL.has(p)) {
      throw new SqlError('22007', 'invalid format specification for an interval value', {
        hint: 'Intervals are not tied to specific calendar dates.',
      })
    }
    const num = (n: number, width: number) => ({
      text: fm ? String(n) : n < 0 ? `-${String(-n).padStart(width, '0')}` : String(n).padStart(width, '0'),
      n,
    })
    const h12 = hour % 12 === 0 ? 12 : hour % 12
    const pm = hour % 24 >= 12
    switch (p) {
      case 'HH24': return num(hour, 2)
      case 'HH12': case 'HH': return num(h12, 2)
      case 'MI': return num(minute, 2)
      case 'SS': return num(second, 2)
      case 'SSSS': case 'SSSSS': return num(hour * 3600 + minute * 60 + second, 1)
      case 'MS': return num(Math.trunc(micro / 1000), 3)
      case 'US': return num(micro, 6)
      case 'FF1': case 'FF2': case 'FF3': case 'FF4': case 'FF5': case 'FF6': {
        const k = Number(p[2])
        return num(Math.trunc(micro / 10 ** (6 - k)), k)
      }
      case 'AM': case 'PM': return { text: pm ? 'PM' : 'AM' }
      case 'am': case 'pm': return { text: pm ? 'pm' : 'am' }
      case 'A.M.': case 'P.M.': return { text: pm ? 'P.M.' : 'A.M.' }
      case 'a.m.': case 'p.m.': return { text: pm ? 'p.m.' : 'a.m.' }
      // C's "%d,%03d": the sign, when any, inside the zero padding of each part.
      case 'Y,YYY': return { text: `${Math.trunc(year / 1000)},${cWidth(year % 1000, 3)}` }
      case 'YYYY': case 'IYYY': return num(year, 4)
      case 'YYY': case 'IYY': return num(year % 1000, 3)
      case 'YY': case 'IY': return num(year % 100, 2)
      case 'Y': case 'I': return num(year % 10, 1)
      case 'MM': return num(month, 2)
      // DD's width counts a sign (C's "%02d"), unlike the others' (PostgreSQL: -3 days is '-3').
      case 'DD': return fm ? num(day, 2) : { text: cWidth(day, 2), n: day }
      case 'DDD': case 'IDDD': return num(yday, 3)
      case 'WW': return num(Math.trunc((yday - 1) / 7) + 1, 2)
      case 'W': return num(Math.trunc((day - 1) / 7) + 1, 1)
      case 'CC': return num(Math.trunc(year / 100), 2)
      case 'Q': return month === 0 ? { text: '' } : num(Math.trunc((month - 1) / 3) + 1, 1)
      case 'TZ': case 'tz': return { text: '' }
      // IW, J, RM, OF, TZH, TZM: PostgreSQL's calendar arithmetic on the fields; not built (0A000).
      default: throw new SqlError('0A000', `to_char of an interval does not support the pattern "${p}"`)
    }
  }
  return renderTemplate(fmt, value)
}

// ---------------------------------------------------------------------------------------------
// to_timestamp(double precision)

function toTimestampFromEpoch(seconds: number): bigint {
  if (Number.isNaN(seconds)) throw new SqlError('22008', 'timestamp cannot be NaN')
  if (seconds === Number.POSITIVE_INFINITY) return 2n ** 64n
  if (seconds === Number.NEGATIVE_INFINITY) return -(2n ** 64n)
  const micros = BigInt(Math.round(seconds * 1e6))
  if (!timestampInRange(micros)) throw new SqlError('22008', `timestamp out of range: "${seconds}"`)
  return micros
}

// ---------------------------------------------------------------------------------------------
// make_*

function makeDate(y: bigint, m: bigint, d: bigint): number {
  const year = Number(y)
  const month = Number(m)
  const day = Number(d)
  // PostgreSQL's "%d-%02d-%02d" of the astronomical year (44 BC, year -44, is -43).
  const two = (n: number) => String(n).padStart(2, '0')
  const label = `${year < 0 ? year + 1 : year}-${two(month)}-${two(day)}`
  if (year === 0) throw new SqlError('22008', `date field value out of range: ${label}`)
  const astro = year < 0 ? year + 1 : year
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(astro, month)) {
    throw new SqlError('22008', `date field value out of range: ${label}`)
  }
  return daysFromCivil(astro, month, day)
}

/** Microseconds since midnight of make_time's and make_timestamp's fields; 22008 beyond 24:00. */
function timeOfDay(hourArg: Datum | undefined, minuteArg: Datum | undefined, secArg: Datum | undefined): bigint {
  const hour = Number(hourArg as bigint)
  const minute = Number(minuteArg as bigint)
  const sec = secArg as number
  const outOfRange = () =>
    new SqlError('22008', `time field value out of range: ${hour}:${String(minute).padStart(2, '0')}:${String(sec).padStart(2, '0')}`)
  if (hour < 0 || hour > 24 || minute < 0 || minute > 59 || !(sec >= 0 && sec <= 60)) throw outOfRange()
  const micros = BigInt((hour * 60 + minute) * 60) * 1_000_000n + BigInt(Math.round(sec * 1e6))
  if (micros > MICROS_PER_DAY) throw outOfRange()
  return micros
}

function makeTimestamp(a: readonly Datum[]): bigint {
  const days = makeDate(a[0] as bigint, a[1] as bigint, a[2] as bigint)
  const micros = BigInt(days) * MICROS_PER_DAY + timeOfDay(a[3], a[4], a[5])
  if (!timestampInRange(micros)) throw new SqlError('22008', 'timestamp out of range')
  return micros
}

/** The largest hour of a numeric zone offset (PostgreSQL's MAX_TZDISP_HOUR). */
const ZONE_OFFSET_HOURS_MAX = 15

/** make_timestamptz's zone (PostgreSQL's parse_sane_timezone): a numeric offset is ISO 8601's,
 * east of Greenwich positive ('+05' is UTC+5, where AT TIME ZONE '+05' reads POSIX's UTC-5);
 * anything else is a zone name or abbreviation as for AT TIME ZONE. */
function makeTimestampAt(local: bigint, zone: string): bigint {
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(zone)
  if (m === null) return fromLocal(local, zoneOf(zone))
  const hours = Number(m[2])
  const minutes = Number(m[3] ?? 0)
  const seconds = Number(m[4] ?? 0)
  if (hours > ZONE_OFFSET_HOURS_MAX || minutes > 59 || seconds > 59) {
    throw new SqlError('22023', `numeric time zone "${zone}" out of range`)
  }
  const offset = BigInt(((hours * 60 + minutes) * 60 + seconds) * (m[1] === '-' ? -1 : 1)) * 1_000_000n
  const micros = local - offset
  if (!timestampInRange(micros)) throw new SqlError('22008', 'timestamp out of range')
  return micros
}

function makeInterval(a: readonly Datum[]): Interval {
  const n = (i: number) => Number((a[i] as bigint | undefined) ?? 0n)
  const secs = (a[6] as number | undefined) ?? 0
  if (!Number.isFinite(secs)) throw new SqlError('22008', 'interval out of range')
  return Interval.checked(
    n(0) * 12 + n(1),
    n(2) * 7 + n(3),
    (BigInt(n(4)) * 60n + BigInt(n(5))) * 60_000_000n + BigInt(Math.round(secs * 1e6)),
  )
}

const makeIntervalResolver: FunctionResolver = (args) => {
  if (args.length > 7) return undefined
  const params = [T.int4, T.int4, T.int4, T.int4, T.int4, T.int4, T.float8].slice(0, args.length)
  return overloads(sig(params, T.interval, makeInterval))(args)
}

// ---------------------------------------------------------------------------------------------

const today = (nowUs: bigint) => timestampToDate(nowUs)

// timestamptz first: a date argument goes there, as PostgreSQL prefers the preferred type.
const truncResolver = overloads(
  sig([T.text, T.timestamptz], T.timestamptz, (a) => truncTimestamp(str(a[0]), ts(a[1]), T.timestamptz)),
  sig([T.text, T.timestamp], T.timestamp, (a) => truncTimestamp(str(a[0]), ts(a[1]), T.timestamp)),
  sig([T.text, T.interval], T.interval, (a) => truncInterval(str(a[0]), iv(a[1]))),
)

const extractResolver = overloads(
  sig([T.text, T.timestamp], T.numeric, (a) => extractTimestamp(str(a[0]), ts(a[1]), T.timestamp)),
  sig([T.text, T.timestamptz], T.numeric, (a) => extractTimestamp(str(a[0]), ts(a[1]), T.timestamptz)),
  sig([T.text, T.date], T.numeric, (a) => extractDate(str(a[0]), a[1] as number)),
  sig([T.text, T.time], T.numeric, (a) => extractTime(str(a[0]), ts(a[1]))),
  sig([T.text, T.interval], T.numeric, (a) => extractInterval(str(a[0]), iv(a[1]))),
)

const datePartResolver = overloads(
  sig([T.text, T.timestamp], T.float8, (a) => toFloat(extractTimestamp(str(a[0]), ts(a[1]), T.timestamp))),
  sig([T.text, T.timestamptz], T.float8, (a) => toFloat(extractTimestamp(str(a[0]), ts(a[1]), T.timestamptz))),
  sig([T.text, T.date], T.float8, (a) => toFloat(extractDate(str(a[0]), a[1] as number))),
  sig([T.text, T.time], T.float8, (a) => toFloat(extractTime(str(a[0]), ts(a[1])))),
  sig([T.text, T.interval], T.float8, (a) => toFloat(extractInterval(str(a[0]), iv(a[1])))),
)

/** date_bin(stride, source, origin): the start of the stride-wide bin holding source, bins
 * aligned on origin. 0A000 for a stride of months or years, 22008 when it is not positive. */
function dateBin(stride: Interval, source: bigint, origin: bigint): bigint {
  if (stride.months !== 0) throw new SqlError('0A000', 'timestamps cannot be binned into intervals containing months or years')
  const width = BigInt(stride.days) * MICROS_PER_DAY + stride.micros
  if (width <= 0n) throw new SqlError('22008', 'stride must be greater than zero')
  if (!isFiniteTimestamp(source) || !isFiniteTimestamp(origin)) throw new SqlError('22008', 'timestamp out of range')
  const delta = source - origin
  let bins = delta / width
  if (delta % width < 0n) bins -= 1n
  const result = origin + bins * width
  if (!timestampInRange(result)) throw new SqlError('22008', 'timestamp out of range')
  return result
}

/** The date and time functions, by lowercase name. */
export const DATETIME_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['date_trunc', truncResolver],
  ['date_bin', overloads(
    sig([T.interval, T.timestamptz, T.timestamptz], T.timestamptz, (a) => dateBin(iv(a[0]), ts(a[1]), ts(a[2]))),
    sig([T.interval, T.timestamp, T.timestamp], T.timestamp, (a) => dateBin(iv(a[0]), ts(a[1]), ts(a[2]))),
  )],
  ['to_number', overloads(sig([T.text, T.text], T.numeric, (a) => parseNumber(str(a[0]), str(a[1]))))],
  ['extract', extractResolver],
  ['date_part', datePartResolver],
  ['to_char', overloads(
    sig([T.timestamp, T.text], T.text, (a) => toCharTimestamp(ts(a[0]), str(a[1]), false)),
    sig([T.timestamptz, T.text], T.text, (a) => toCharTimestamp(ts(a[0]), str(a[1]), true)),
    sig([T.interval, T.text], T.text, (a) => toCharInterval(iv(a[0]), str(a[1]))),
    ...NUMBER_TO_CHAR,
  )],
  ['to_date', overloads(sig([T.text, T.text], T.date, (a) => templateDate(str(a[0]), str(a[1]))))],
  ['to_timestamp', overloads(
    sig([T.float8], T.timestamptz, (a) => toTimestampFromEpoch(a[0] as number)),
    sig([T.text, T.text], T.timestamptz, (a) => templateTimestamp(str(a[0]), str(a[1]))),
  )],
  ['make_date', overloads(sig([T.int4, T.int4, T.int4], T.date, (a) => makeDate(a[0] as bigint, a[1] as bigint, a[2] as bigint)))],
  ['make_time', overloads(sig([T.int4, T.int4, T.float8], T.time, (a) => timeOfDay(a[0], a[1], a[2])))],
  ['make_timestamp', overloads(sig([T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], T.timestamp, makeTimestamp))],
  ['make_timestamptz', overloads(
    sig([T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], T.timestamptz, makeTimestamp),
    sig([T.int4, T.int4, T.int4, T.int4, T.int4, T.float8, T.text], T.timestamptz, (a) => makeTimestampAt(makeTimestamp(a), a[6] as string)),
  )],
  ['make_interval', makeIntervalResolver],
  ['age', overloads(
    sig([T.timestamp, T.timestamp], T.interval, (a) => age(ts(a[0]), ts(a[1]))),
    sig([T.timestamptz, T.timestamptz], T.interval, (a) => age(ts(a[0]), ts(a[1]))),
    sig([T.timestamp], T.interval, (a, ctx) => age(dateToTimestamp(today(ctx.nowUs)), ts(a[0]))),
    sig([T.timestamptz], T.interval, (a, ctx) => age(dateToTimestamp(today(ctx.nowUs)), ts(a[0]))),
  )],
  ['justify_days', overloads(sig([T.interval], T.interval, (a) => justifyDays(iv(a[0]))))],
  ['justify_hours', overloads(sig([T.interval], T.interval, (a) => justifyHours(iv(a[0]))))],
  ['justify_interval', overloads(sig([T.interval], T.interval, (a) => justifyInterval(iv(a[0]))))],
  ['isfinite', overloads(
    sig([T.date], T.bool, (a) => Number.isFinite(a[0] as number)),
    sig([T.timestamptz], T.bool, (a) => isFiniteTimestamp(ts(a[0]))),
    sig([T.timestamp], T.bool, (a) => isFiniteTimestamp(ts(a[0]))),
    sig([T.interval], T.bool, () => true),
  )],
  // The session's clock is the transaction's: Tessera gives statements no clock of their own.
  ['clock_timestamp', overloads(sig([], T.timestamptz, (_a, ctx) => ctx.nowUs, { volatile: true }))],
  ['statement_timestamp', overloads(sig([], T.timestamptz, (_a, ctx) => ctx.nowUs))],
  ['current_date', overloads(sig([], T.date, (_a, ctx) => today(ctx.nowUs)))],
  ['localtimestamp', overloads(sig([], T.timestamp, (_a, ctx) => ctx.nowUs))],
])
