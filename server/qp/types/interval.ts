// The interval type (ARCHITECTURE.md "query processor": values): PostgreSQL's months/days/
// microseconds representation, its input formats, IntervalStyle postgres output and arithmetic.
import { SqlError, divisionByZero, featuresNotSupported } from '../../errors/index.ts'
import { INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN, MICROS_PER_DAY } from './constants.ts'
import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  isFiniteTimestamp,
  timestampInRange,
} from './datetime.ts'

const MICROS_PER_SECOND = 1_000_000n
const MICROS_PER_HOUR = 3_600_000_000n
const DAYS_PER_MONTH = 30

/** An interval: months, days and microseconds kept apart, as PostgreSQL does, because a month
 * and a day have no fixed length when added to a timestamp. `months` and `days` are int32. */
export class Interval {
  readonly months: number
  readonly days: number
  readonly micros: bigint

  constructor(months: number, days: number, micros: bigint) {
    this.months = months
    this.days = days
    this.micros = micros
  }

  /** 22008 when a field leaves its range (int32 months and days, int64 microseconds). */
  static checked(months: number, days: number, micros: bigint): Interval {
    if (!fitsInt4(months) || !fitsInt4(days) || micros > INT8_MAX || micros < INT8_MIN) {
      throw intervalOutOfRange()
    }
    return new Interval(months, days, micros)
  }

  toString(): string {
    return formatInterval(this)
  }
}

/** C's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x)
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r
}

const fitsInt4 = (n: number) => Number.isInteger(n) && n >= Number(INT4_MIN) && n <= Number(INT4_MAX)

export const intervalOutOfRange = () => new SqlError('22008', 'interval out of range')

/** The interval's length with a month taken as 30 days and a day as 24 hours: PostgreSQL's
 * interval_cmp_value, which orders and equates intervals ('1 mon' = '30 days'). */
export function intervalSpan(i: Interval): bigint {
  return (BigInt(i.months) * 30n + BigInt(i.days)) * MICROS_PER_DAY + i.micros
}

export function compareIntervals(a: Interval, b: Interval): number {
  const x = intervalSpan(a)
  const y = intervalSpan(b)
  return x < y ? -1 : x > y ? 1 : 0
}

// ---------------------------------------------------------------------------------------------
// Input

/** Interval typmod field masks (PostgreSQL's INTERVAL_MASK bits), as libpg_query passes them. */
export const INTERVAL_FIELD = {
  month: 1 << 1,
  year: 1 << 2,
  day: 1 << 3,
  hour: 1 << 10,
  minute: 1 << 11,
  second: 1 << 12,
} as const
export const INTERVAL_FULL_RANGE = 0x7fff

/** Accumulates fields as PostgreSQL's DecodeInterval does: a fraction of a unit cascades to the
 * smaller ones, each piece rounded to microseconds (rint) as it is added. */
class Fields {
  months = 0
  days = 0
  /** Microseconds, exact. */
  micros = 0n

  /** Adds `text` (a signed decimal number) of `unit`; the fraction is read from its own digits
   * as PostgreSQL's strtod of the fraction does, not as number minus integer part. */
  add(unit: Unit, text: string): void {
    const neg = text.startsWith('-')
    const [intText = '', fracText = ''] = text.replace(/^[+-]/, '').split('.')
    const whole = (neg ? -1 : 1) * Number(intText === '' ? '0' : intText)
    const frac = fracText === '' ? 0 : (neg ? -1 : 1) * Number(`0.${fracText}`)
    switch (unit) {
      case 'millennium':
      case 'century':
      case 'decade':
      case 'year': {
        const months = YEARS[unit] * 12
        this.months += whole * months + rint(frac * months)
        break
      }
      case 'month':
        this.months += whole
        this.fractionalDays(frac, DAYS_PER_MONTH)
        break
      case 'week':
        this.days += whole * 7
        this.fractionalDays(frac, 7)
        break
      case 'day':
        this.days += whole
        this.fractionalSeconds(frac, 86400)
        break
      case 'hour':
        this.micros += BigInt(whole) * MICROS_PER_HOUR
        this.fractionalSeconds(frac, 3600)
        break
      case 'minute':
        this.micros += BigInt(whole) * 60_000_000n
        this.fractionalSeconds(frac, 60)
        break
      case 'second':
        this.micros += BigInt(whole) * MICROS_PER_SECOND + BigInt(rint(frac * 1e6))
        break
      case 'millisecond':
        this.micros += BigInt(rint((whole + frac) * 1000))
        break
      case 'microsecond':
        this.micros += BigInt(rint(whole + frac))
        break
    }
  }

  /** PostgreSQL's AdjustFractDays: whole days, the rest as seconds. */
  fractionalDays(frac: number, scale: number): void {
    if (frac === 0) return
    const days = frac * scale
    const whole = Math.trunc(days)
    this.days += whole
    this.fractionalSeconds(days - whole, 86400)
  }

  /** PostgreSQL's AdjustFractSeconds: whole seconds, the rest rounded to microseconds. */
  fractionalSeconds(frac: number, scale: number): void {
    if (frac === 0) return
    const secs = frac * scale
    const whole = Math.trunc(secs)
    this.micros += BigInt(whole) * MICROS_PER_SECOND + BigInt(rint((secs - whole) * 1e6))
  }
}

type Unit =
  | 'millennium'
  | 'century'
  | 'decade'
  | 'year'
  | 'month'
  | 'week'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'millisecond'
  | 'microsecond'

const YEARS = { millennium: 1000, century: 100, decade: 10, year: 1 } as const
const UNIT_NAMES: Readonly<Record<string, Unit>> = {
  millennium: 'millennium',
  millennia: 'millennium',
  millenniums: 'millennium',
  mil: 'millennium',
  mils: 'millennium',
  century: 'century',
  centuries: 'century',
  cent: 'century',
  c: 'century',
  decade: 'decade',
  decades: 'decade',
  dec: 'decade',
  decs: 'decade',
  year: 'year',
  years: 'year',
  y: 'year',
  yr: 'year',
  yrs: 'year',
  month: 'month',
  months: 'month',
  mon: 'month',
  mons: 'month',
  week: 'week',
  weeks: 'week',
  w: 'week',
  day: 'day',
  days: 'day',
  d: 'day',
  hour: 'hour',
  hours: 'hour',
  h: 'hour',
  hr: 'hour',
  hrs: 'hour',
  minute: 'minute',
  minutes: 'minute',
  m: 'minute',
  min: 'minute',
  mins: 'minute',
  second: 'second',
  seconds: 'second',
  s: 'second',
  sec: 'second',
  secs: 'second',
  millisecond: 'millisecond',
  milliseconds: 'millisecond',
  ms: 'millisecond',
  msec: 'millisecond',
  msecs: 'millisecond',
  millisecon: 'millisecond',
  microsecond: 'microsecond',
  microseconds: 'microsecond',
  us: 'microsecond',
  usec: 'microsecond',
  usecs: 'microsecond',
}

/** The unit a unit name stands for (extract, date_trunc and interval input share them). */
export function unitOf(name: string): Unit | undefined {
  return UNIT_NAMES[name.toLowerCase()]
}

/** interval input: PostgreSQL's postgres-style ('1 day 2 hours', '-1 year -2 mons', '@ 1 min
 * ago', '01:02:03', '1 02:03', '1-2'), and ISO 8601 ('P1Y2M3DT4H5M6S', 'P0001-02-03T04:05:06').
 * `fields` is the typmod's range mask: a bare number counts in its smallest field ('1' DAY).
 * 22007 on bad syntax, 22008 out of range, 0A000 for infinite intervals. */
export function parseInterval(text: string, fields = INTERVAL_FULL_RANGE): Interval {
  const s = text.trim()
  const lower = s.toLowerCase()
  if (lower === 'infinity' || lower === '+infinity' || lower === '-infinity') {
    throw featuresNotSupported('infinite intervals')
  }
  const bad = () => new SqlError('22007', `invalid input syntax for type interval: "${text}"`)
  if (s === '') throw bad()
  const f = /^p/i.test(s) ? parseIso(s.slice(1), bad) : parsePostgres(s, fields, bad)
  const overflow = () => new SqlError('22015', `interval field value out of range: "${text}"`)
  const micros = f.micros
  if (!fitsInt4(f.months) || !fitsInt4(f.days) || micros > INT8_MAX || micros < INT8_MIN) {
    throw overflow()
  }
  return new Interval(f.months + 0, f.days + 0, micros)
}

function bareUnit(fields: number): Unit {
  if (fields & INTERVAL_FIELD.second) return 'second'
  if (fields & INTERVAL_FIELD.minute) return 'minute'
  if (fields & INTERVAL_FIELD.hour) return 'hour'
  if (fields & INTERVAL_FIELD.day) return 'day'
  if (fields & INTERVAL_FIELD.month) return 'month'
  return 'year'
}

const TIME_TOKEN = /[+-]?\d+:\d+(?::\d+(?:\.\d*)?)?/y
const YEAR_MONTH_TOKEN = /[+-]?\d+-\d+(?![\d:.])/y
const NUMBER_TOKEN = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)/y
const WORD_TOKEN = /\s*([a-z]+)/y

/** Reads `re` (sticky) at `pos`: the match, or undefined. */
function readAt(re: RegExp, s: string, pos: number): RegExpExecArray | undefined {
  re.lastIndex = pos
  return re.exec(s) ?? undefined
}

function parsePostgres(text: string, fields: number, bad: () => SqlError): Fields {
  const s = text.toLowerCase()
  const f = new Fields()
  let ago = false
  let pendingNumber: string | undefined
  let pos = 0
  let any = false
  // A field given twice ('1 day 1 day', '1 hour 01:00') is an error, as PostgreSQL's field mask.
  const seen = new Set<string>()
  const mark = (...names: string[]) => {
    for (const n of names) {
      if (seen.has(n)) throw bad()
      seen.add(n)
    }
  }
  while (true) {
    while (pos < s.length && /[\s@]/.test(s[pos] as string)) pos++
    if (pos >= s.length) break
    if (ago) throw bad()
    any = true
    const time = readAt(TIME_TOKEN, s, pos)
    if (time !== undefined) {
      // A bare number before a time is a day count ('1 02:03:04').
      if (pendingNumber !== undefined) {
        mark('day')
        f.add('day', pendingNumber)
      }
      pendingNumber = undefined
      mark('hour', 'minute', 'second', 'millisecond', 'microsecond')
      const [first = '', second = '', third] = time[0].split(':')
      addTime(f, first, second, third, fields)
      pos += time[0].length
      continue
    }
    const yearMonth = readAt(YEAR_MONTH_TOKEN, s, pos)
    if (yearMonth !== undefined) {
      const neg = yearMonth[0].startsWith('-')
      const [y = '', m = ''] = yearMonth[0].replace(/^[+-]/, '').split('-')
      mark('year', 'month')
      const months = Number(y) * 12 + Number(m)
      f.months += neg ? -months : months
      pos += yearMonth[0].length
      continue
    }
    const num = readAt(NUMBER_TOKEN, s, pos)
    if (num !== undefined) {
      if (pendingNumber !== undefined) throw bad()
      pos += num[0].length
      const value = num[0]
      const word = readAt(WORD_TOKEN, s, pos)
      const unit = word === undefined ? undefined : unitOf(word[1] as string)
      if (unit !== undefined && word !== undefined) {
        // Fractional seconds count as milliseconds and microseconds too (DTK_ALL_SECS_M).
        if (unit === 'second' && /\.\d*[1-9]/.test(value)) mark('second', 'millisecond', 'microsecond')
        else mark(unit)
        f.add(unit, value)
        pos += word[0].length
      } else {
        pendingNumber = value
      }
      continue
    }
    const word = readAt(WORD_TOKEN, s, pos)
    if (word?.[1] === 'ago') {
      ago = true
      pos += word[0].length
      continue
    }
    throw bad()
  }
  if (!any) throw bad()
  // A lone number counts in the typmod's smallest field, seconds by default.
  if (pendingNumber !== undefined) {
    mark(bareUnit(fields))
    f.add(bareUnit(fields), pendingNumber)
  }
  if (ago) {
    f.months = -f.months
    f.days = -f.days
    f.micros = -f.micros
  }
  return f
}

/** 'h:m', 'h:m:s.f' (or 'm:s.f' when the typmod ends at MINUTE TO SECOND); the sign covers all. */
function addTime(f: Fields, first: string, second: string, third: string | undefined, fields: number) {
  const neg = first.startsWith('-')
  const a = BigInt(first.replace(/^[+-]/, ''))
  const b = BigInt(second)
  const minuteToSecond =
    third === undefined &&
    (fields & INTERVAL_FIELD.second) !== 0 &&
    (fields & INTERVAL_FIELD.hour) === 0 &&
    (fields & INTERVAL_FIELD.minute) !== 0
  const micros = minuteToSecond
    ? a * 60_000_000n + b * MICROS_PER_SECOND
    : a * MICROS_PER_HOUR + b * 60_000_000n + (third === undefined ? 0n : secondsMicros(third))
  f.micros += neg ? -micros : micros
}

/** '12.3456789' seconds as microseconds, the fraction rounded half to even like PostgreSQL. */
function secondsMicros(text: string): bigint {
  const [whole = '0', fraction = ''] = text.split('.')
  const digits = fraction.padEnd(7, '0')
  let micros = BigInt(whole) * MICROS_PER_SECOND + BigInt(digits.slice(0, 6))
  const rest = digits.slice(6)
  const half = '5'.padEnd(rest.length, '0')
  if (rest > half || (rest === half && micros % 2n === 1n)) micros += 1n
  return micros
}

const ISO_UNITS: Readonly<Record<string, Unit>> = { Y: 'year', M: 'month', W: 'week', D: 'day' }
const ISO_TIME_UNITS: Readonly<Record<string, Unit>> = { H: 'hour', M: 'minute', S: 'second' }

/** ISO 8601 durations after the 'P': designators, or the alternative format 'YYYY-MM-DDThh:mm:ss'. */
function parseIso(body: string, bad: () => SqlError): Fields {
  const f = new Fields()
  const alt = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?))?$/i.exec(body)
  if (alt !== null) {
    f.months = Number(alt[1]) * 12 + Number(alt[2])
    f.days = Number(alt[3])
    f.micros = BigInt((Number(alt[4] ?? 0) * 60 + Number(alt[5] ?? 0)) * 60) * MICROS_PER_SECOND + secondsMicros(alt[6] ?? '0')
    return f
  }
  const [date = '', time, extra] = body.toUpperCase().split('T')
  if (extra !== undefined || (time !== undefined && time === '') || (date === '' && time === undefined)) {
    throw bad()
  }
  const part = /([+-]?(?:\d+(?:\.\d*)?|\.\d+))([A-Z])/y
  const read = (text: string, units: Readonly<Record<string, Unit>>) => {
    part.lastIndex = 0
    while (part.lastIndex < text.length) {
      const m = part.exec(text)
      const unit = m === null ? undefined : units[m[2] as string]
      if (m === null || unit === undefined) throw bad()
      f.add(unit, m[1] as string)
    }
  }
  read(date, ISO_UNITS)
  if (time !== undefined) read(time, ISO_TIME_UNITS)
  return f
}

// ---------------------------------------------------------------------------------------------
// Output

/** IntervalStyle postgres: '1 year 2 mons -3 days +04:05:06.5', '00:00:00' for zero. */
export function formatInterval(i: Interval): string {
  const parts: string[] = []
  let before = false
  const addPart = (value: number, unit: string) => {
    if (value === 0) return
    parts.push(`${before && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`)
    before = value < 0
  }
  addPart(Math.trunc(i.months / 12), 'year')
  addPart(i.months % 12, 'mon')
  addPart(i.days, 'day')
  if (parts.length === 0 || i.micros !== 0n) {
    const neg = i.micros < 0n
    const abs = neg ? -i.micros : i.micros
    const hours = abs / MICROS_PER_HOUR
    const minutes = (abs / 60_000_000n) % 60n
    const seconds = (abs / MICROS_PER_SECOND) % 60n
    const frac = abs % MICROS_PER_SECOND
    const two = (n: bigint) => n.toString().padStart(2, '0')
    const fraction = frac === 0n ? '' : `.${frac.toString().padStart(6, '0').replace(/0+$/, '')}`
    const sign = neg ? '-' : before ? '+' : ''
    parts.push(`${sign}${two(hours)}:${two(minutes)}:${two(seconds)}${fraction}`)
  }
  return parts.join(' ')
}

// ---------------------------------------------------------------------------------------------
// Typmod

/** interval(fields, precision): drops fields below the range's smallest one and rounds the
 * seconds to `precision` digits (PostgreSQL's AdjustIntervalForTypmod). */
export function applyIntervalTypmod(i: Interval, fields: number | undefined, precision: number | undefined) {
  let { months, days, micros } = i
  const range = fields ?? INTERVAL_FULL_RANGE
  if (range !== INTERVAL_FULL_RANGE) {
    if (!(range & (INTERVAL_FIELD.month | INTERVAL_FIELD.day | INTERVAL_FIELD.hour | INTERVAL_FIELD.minute | INTERVAL_FIELD.second))) {
      months = Math.trunc(months / 12) * 12
      days = 0
      micros = 0n
    } else if (!(range & (INTERVAL_FIELD.day | INTERVAL_FIELD.hour | INTERVAL_FIELD.minute | INTERVAL_FIELD.second))) {
      days = 0
      micros = 0n
    } else if (!(range & (INTERVAL_FIELD.hour | INTERVAL_FIELD.minute | INTERVAL_FIELD.second))) {
      micros = 0n
    } else if (!(range & (INTERVAL_FIELD.minute | INTERVAL_FIELD.second))) {
      micros -= micros % MICROS_PER_HOUR
    } else if (!(range & INTERVAL_FIELD.second)) {
      micros -= micros % 60_000_000n
    }
  }
  if (precision !== undefined && precision < 6) {
    const unit = 10n ** BigInt(6 - precision)
    const half = unit / 2n
    micros = micros >= 0n ? ((micros + half) / unit) * unit : -((-micros + half) / unit) * unit
  }
  return months === i.months && days === i.days && micros === i.micros ? i : new Interval(months, days, micros)
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

export function addIntervals(a: Interval, b: Interval): Interval {
  return Interval.checked(a.months + b.months, a.days + b.days, a.micros + b.micros)
}

export function negateInterval(a: Interval): Interval {
  return Interval.checked(-a.months + 0, -a.days + 0, -a.micros)
}

export function subIntervals(a: Interval, b: Interval): Interval {
  return addIntervals(a, negateInterval(b))
}

const tsRound = (x: number) => rint(x * 1e6) / 1e6

/** interval * float8 (PostgreSQL's interval_mul): fractions of months and days cascade down. */
export function mulInterval(span: Interval, factor: number): Interval {
  return scaleInterval(span, (x) => x * factor)
}

/** interval / float8 (interval_div): 22012 on zero. */
export function divInterval(span: Interval, factor: number): Interval {
  if (factor === 0) throw divisionByZero()
  return scaleInterval(span, (x) => x / factor)
}

function scaleInterval(span: Interval, f: (x: number) => number): Interval {
  const monthsExact = f(span.months)
  const daysExact = f(span.days)
  if (!Number.isFinite(monthsExact) || !Number.isFinite(daysExact)) throw intervalOutOfRange()
  let months = Math.trunc(monthsExact)
  let days = Math.trunc(daysExact)
  if (!fitsInt4(months) || !fitsInt4(days)) throw intervalOutOfRange()
  const monthRemainderDays = tsRound((monthsExact - months) * DAYS_PER_MONTH)
  let secRemainder = tsRound(
    (daysExact - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400,
  )
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400)
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400
  }
  days += Math.trunc(monthRemainderDays)
  const micros = rint(f(Number(span.micros)) + secRemainder * 1e6)
  if (!Number.isFinite(micros) || Math.abs(micros) >= 9.223372036854776e18) throw intervalOutOfRange()
  months += 0
  return Interval.checked(months, days, BigInt(micros))
}

/** justify_hours: whole days out of the microseconds, signs made to agree. */
export function justifyHours(i: Interval): Interval {
  let days = i.days + Number(i.micros / MICROS_PER_DAY)
  let micros = i.micros % MICROS_PER_DAY
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY
    days--
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY
    days++
  }
  return Interval.checked(i.months, days, micros)
}

/** justify_days: 30-day periods into months, signs made to agree. */
export function justifyDays(i: Interval): Interval {
  let months = i.months + Math.trunc(i.days / DAYS_PER_MONTH)
  let days = i.days % DAYS_PER_MONTH
  if (months > 0 && days < 0) {
    days += DAYS_PER_MONTH
    months--
  } else if (months < 0 && days > 0) {
    days -= DAYS_PER_MONTH
    months++
  }
  return Interval.checked(months, days + 0, i.micros)
}

/** justify_interval: both, with the signs of all three fields made to agree. */
export function justifyInterval(i: Interval): Interval {
  let months = i.months
  let days = i.days + Number(i.micros / MICROS_PER_DAY)
  let micros = i.micros % MICROS_PER_DAY
  months += Math.trunc(days / DAYS_PER_MONTH)
  days %= DAYS_PER_MONTH
  if (months > 0 && (days < 0 || (days === 0 && micros < 0n))) {
    days += DAYS_PER_MONTH
    months--
  } else if (months < 0 && (days > 0 || (days === 0 && micros > 0n))) {
    days -= DAYS_PER_MONTH
    months++
  }
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY
    days--
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY
    days++
  }
  return Interval.checked(months, days + 0, micros)
}

/** Splits a finite timestamp into its day number and time of day. */
export function splitTimestamp(micros: bigint): { days: number; time: bigint } {
  let days = micros / MICROS_PER_DAY
  let time = micros % MICROS_PER_DAY
  if (time < 0n) {
    time += MICROS_PER_DAY
    days -= 1n
  }
  return { days: Number(days), time }
}

const timestampOutOfRange = () => new SqlError('22008', 'timestamp out of range')

/** timestamp + interval (timestamp_pl_interval): months first (day clamped to the month's end),
 * then days, then microseconds. Infinite timestamps stay infinite. 22008 out of range. */
export function addIntervalToTimestamp(ts: bigint, i: Interval): bigint {
  if (!isFiniteTimestamp(ts)) return ts
  let result = ts
  if (i.months !== 0) {
    const { days, time } = splitTimestamp(result)
    const c = civilFromDays(days)
    const total = c.year * 12 + (c.month - 1) + i.months
    const year = Math.floor(total / 12)
    const month = total - year * 12 + 1
    const day = Math.min(c.day, daysInMonth(year, month))
    result = BigInt(daysFromCivil(year, month, day)) * MICROS_PER_DAY + time
    if (!timestampInRange(result)) throw timestampOutOfRange()
  }
  result += BigInt(i.days) * MICROS_PER_DAY + i.micros
  if (!timestampInRange(result)) throw timestampOutOfRange()
  return result
}

/** timestamp - timestamp (timestamp_mi): microseconds, whole days split out (justify_hours). */
export function subtractTimestamps(a: bigint, b: bigint): Interval {
  if (!isFiniteTimestamp(a) || !isFiniteTimestamp(b)) {
    throw new SqlError('22008', 'cannot subtract infinite timestamps')
  }
  return justifyHours(new Interval(0, 0, a - b))
}

/** age(a, b): the symbolic difference in years, months and days (PostgreSQL's timestamp_age). */
export function age(a: bigint, b: bigint): Interval {
  if (!isFiniteTimestamp(a) || !isFiniteTimestamp(b)) {
    throw new SqlError('22008', 'cannot subtract infinite timestamps')
  }
  const fa = timestampFields(a)
  const fb = timestampFields(b)
  let micro = fa.micro - fb.micro
  let sec = fa.sec - fb.sec
  let min = fa.min - fb.min
  let hour = fa.hour - fb.hour
  let mday = fa.day - fb.day
  let mon = fa.month - fb.month
  let year = fa.year - fb.year
  const flip = a < b
  if (flip) {
    ;[micro, sec, min, hour, mday, mon, year] = [-micro, -sec, -min, -hour, -mday, -mon, -year]
  }
  while (micro < 0) {
    micro += 1_000_000
    sec--
  }
  while (sec < 0) {
    sec += 60
    min--
  }
  while (min < 0) {
    min += 60
    hour--
  }
  while (hour < 0) {
    hour += 24
    mday--
  }
  while (mday < 0) {
    const from = flip ? fa : fb
    mday += daysInMonth(from.year, from.month)
    mon--
  }
  while (mon < 0) {
    mon += 12
    year--
  }
  if (flip) {
    ;[micro, sec, min, hour, mday, mon, year] = [-micro, -sec, -min, -hour, -mday, -mon, -year]
  }
  const micros = ((BigInt(hour) * 60n + BigInt(min)) * 60n + BigInt(sec)) * MICROS_PER_SECOND + BigInt(micro)
  return Interval.checked(year * 12 + mon + 0, mday + 0, micros)
}

/** The calendar fields of a finite timestamp (proleptic Gregorian, astronomical years). */
export function timestampFields(ts: bigint) {
  const { days, time } = splitTimestamp(ts)
  const c = civilFromDays(days)
  const secs = Number(time / MICROS_PER_SECOND)
  return {
    year: c.year,
    month: c.month,
    day: c.day,
    hour: Math.floor(secs / 3600),
    min: Math.floor(secs / 60) % 60,
    sec: secs % 60,
    micro: Number(time % MICROS_PER_SECOND),
    days,
    time,
  }
}

