// Date/time input (ARCHITECTURE.md "query processor": values): the text of a date, timestamp,
// timestamptz or time read as PostgreSQL's datetime.c reads it, with DateStyle 'ISO, MDY' and
// TimeZone UTC. The text is cut into fields (numbers, words, dates, times, offsets), and each
// field is read in the light of those before it: '1/2/2024' is month/day/year, 'Jan 5 2024' and
// '5 Jan 2024' name the month, '20240105', 'J2451187', '2024.005', ISO 8601 with 'T', AM/PM,
// BC/AD, zone offsets, abbreviations and names, and the special words. A strict ISO form is read
// first by one regular expression (the insert path's usual case); anything else goes field by
// field. Errors are PostgreSQL's: 22007 syntax, 22008 a field out of range, 22009 an offset out of
// range, 22023 an unknown zone name.
import { SqlError, featureNotSupported } from '../../errors/index.ts'
import { DATE_DAYS_MIN, MICROS_PER_DAY as MICROS_PER_DAY_BIGINT } from './constants.ts'
import { civilFromDays, daysFromCivil, daysInMonth, timestampToDate } from './datetime.ts'
import { rint } from './number-io.ts'
import { type Zone, abbreviationZone, fixedOffsetOf, namedZone } from './time-zone.ts'
import { ZONE_ABBREVIATIONS } from './zone-abbreviations.ts'

/** A date/time text's fields, before the type's own range checks. The year is astronomical (1 BC
 * is 0); hour, minute and second may exceed a clock's range where PostgreSQL lets them
 * ('20240105 256199' is 25:61:99, which the timestamp carries into the next day). */
export interface DateTimeFields {
  readonly kind: 'fields'
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  /** Microseconds, 0 to 1,000,000. */
  readonly fsec: number
  /** The offset the text gave (seconds east of UTC), a zone whose offset at the local time counts,
   * or undefined: the session's zone, UTC. */
  readonly zone: { readonly offsetSeconds: number } | { readonly zone: Zone } | undefined
}

/** 'epoch', 'infinity' and '-infinity'. */
export type SpecialValue = 'epoch' | 'infinity' | '-infinity'

/** The types whose input this reads, as error messages name them. */
export type DateTimeLabel = 'date' | 'timestamp' | 'timestamp with time zone' | 'time'

/** Reads date, timestamp or timestamptz input (DecodeDateTime). `nowUs` is the transaction's start
 * for 'now', 'today', 'tomorrow' and 'yesterday'; without it they are 0A000. */
export function decodeDateTime(
  text: string,
  label: Exclude<DateTimeLabel, 'time'>,
  nowUs?: bigint,
): DateTimeFields | SpecialValue {
  const fast = isoDateTime(text)
  if (fast !== undefined) return fast
  const bufferSize = label === 'date' ? DATE_BUFFER : TIMESTAMP_BUFFER
  return withErrors(text, label, () => new Decoder(tokenize(text, bufferSize), nowUs).dateTime())
}

/** Reads time input (DecodeTimeOnly): hour, minute, second and microseconds; a date or zone in
 * the text is checked and dropped. */
export function decodeTime(text: string, nowUs?: bigint): DateTimeFields {
  const fast = isoTime(text)
  if (fast !== undefined) return fast
  return withErrors(text, 'time', () => new Decoder(tokenize(text, DATE_BUFFER), nowUs).timeOnly())
}

/** Whether date/time input reads the clock ('now', 'today', 'tomorrow', 'yesterday'): such a
 * literal is evaluated when the statement runs, not when it is bound. True for some texts that
 * do not (a word inside a longer token), which only costs the folding of a constant. */
export function inputReadsClock(text: string): boolean {
  return CLOCK_WORD.test(text)
}

const CLOCK_WORD = /(?<![a-z])(?:now|today|tomorrow|yesterday)(?![a-z])/i

// PostgreSQL's field buffers (MAXDATELEN + 1 for date and time, MAXDATELEN + MAXDATEFIELDS for
// timestamps): a text whose fields need more is a syntax error there, so here too.
const DATE_BUFFER = 129
const TIMESTAMP_BUFFER = 153
/** At most this many fields (MAXDATEFIELDS). */
const FIELDS_MAX = 25
const INT_MAX = 2147483647
const INT64_MAX = 2 ** 63
const MICROS_PER_SECOND = 1_000_000
/** constants.ts's MICROS_PER_DAY as a number (this file's field arithmetic is in numbers). */
const MICROS_PER_DAY = Number(MICROS_PER_DAY_BIGINT)
/** Julian day of 1970-01-01: the earliest date is Julian day 0. */
const UNIX_EPOCH_JULIAN = -DATE_DAYS_MIN

// --- errors ---------------------------------------------------------------------------------

type Failure = 'format' | 'field' | 'monthDay' | 'displacement' | 'zone'

/** A decoding failure, made a SqlError with the input text by `withErrors`. */
class DecodeError extends Error {
  constructor(
    readonly failure: Failure,
    readonly zoneName = '',
  ) {
    super(failure)
  }
}

const fail = (failure: Failure): never => {
  throw new DecodeError(failure)
}

const DATESTYLE_HINT = 'Perhaps you need a different "DateStyle" setting.'

function withErrors<T>(text: string, label: DateTimeLabel, decode: () => T): T {
  try {
    return decode()
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e
    const overflow = `date/time field value out of range: "${text}"`
    switch (e.failure) {
      case 'format':
        throw new SqlError('22007', `invalid input syntax for type ${label}: "${text}"`)
      case 'field':
        throw new SqlError('22008', overflow)
      case 'monthDay':
        throw new SqlError('22008', overflow, { hint: DATESTYLE_HINT })
      case 'displacement':
        throw new SqlError('22009', `time zone displacement out of range: "${text}"`)
      case 'zone':
        throw new SqlError('22023', `time zone "${e.zoneName}" not recognized`)
    }
  }
}

// --- the common ISO forms -------------------------------------------------------------------

/** An offset as ISO 8601 writes it: '+05', '-0800', '+05:30', or 'Z' (UTC, as JavaScript's
 * toISOString ends). */
const ISO_OFFSET = String.raw`(?:([+-])(\d\d)(?::?(\d\d))?|([Zz]))?`
const ISO_CLOCK = String.raw`(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?`
const ISO_DATETIME = new RegExp(String.raw`^(\d{4})-(\d\d)-(\d\d)(?:[ Tt]${ISO_CLOCK}${ISO_OFFSET})?$`)
const ISO_TIME = new RegExp(`^${ISO_CLOCK}${ISO_OFFSET}$`)

/** 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]][+HH[[:]MM] | Z]]' with every field in range, as the field by
 * field reading would give it; undefined for anything else, which that reading then explains.
 * Exported for the tests that hold the two readings to the same fields. */
export function isoDateTime(text: string): DateTimeFields | undefined {
  const m = ISO_DATETIME.exec(text)
  if (m === null) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (year < 1 || month < 1 || month > 12 || day < 1) return undefined
  if (day > daysInMonth(year, month)) return undefined
  return isoFields(m, 4, year, month, day)
}

/** 'HH:MM[:SS[.ffffff]][+HH[[:]MM] | Z]' within 24:00:00. The offset is checked and kept, as the
 * field by field reading keeps it (time input then drops it, as PostgreSQL's time_in does). */
export function isoTime(text: string): DateTimeFields | undefined {
  const m = ISO_TIME.exec(text)
  if (m === null) return undefined
  // Time input has no date: zeros, as the field by field reading leaves them.
  return isoFields(m, 1, 0, 0, 0)
}

/** The date given with the clock and offset groups of an ISO match from group `at` on (hour,
 * minute, second, fraction, offset sign, hours, minutes, Z); undefined when one is out of range. */
function isoFields(m: RegExpExecArray, at: number, year: number, month: number, day: number): DateTimeFields | undefined {
  const [hour, minute, second] = [Number(m[at] ?? 0), Number(m[at + 1] ?? 0), Number(m[at + 2] ?? 0)]
  const fraction = m[at + 3]
  const fsec = fraction === undefined ? 0 : Number(fraction.padEnd(6, '0'))
  if (timeOverflows(hour, minute, second, fsec)) return undefined
  let zone: DateTimeFields['zone']
  if (m[at + 4] !== undefined) {
    const [zoneHours, zoneMinutes] = [Number(m[at + 5]), Number(m[at + 6] ?? 0)]
    // Beyond 15:59 is 22009, which the field by field reading raises.
    if (zoneHours > 15 || zoneMinutes > 59) return undefined
    const east = zoneHours * 3600 + zoneMinutes * 60
    zone = { offsetSeconds: m[at + 4] === '-' ? -east : east }
  } else if (m[at + 7] !== undefined) zone = { offsetSeconds: 0 }
  return { kind: 'fields', year, month, day, hour, minute, second, fsec, zone }
}

/** PostgreSQL's time_overflows: a clock time within 00:00:00 to 24:00:00, second 60 allowed. */
function timeOverflows(hour: number, minute: number, second: number, fsec: number): boolean {
  if (hour < 0 || hour > 24 || minute < 0 || minute > 59 || second < 0 || second > 60) return true
  if (fsec < 0 || fsec > MICROS_PER_SECOND) return true
  return ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + fsec > MICROS_PER_DAY
}

// --- cutting the text into fields (ParseDateTime) -------------------------------------------

/** number: digits, maybe with '.' ('2024', '12.5', '.5', 'yyyy.ddd'); string: letters; date:
 * digits or letters with '-', '/' or '.' ('2024-01-05', 'jan-05', 'america/new_york', 'utc+5');
 * time: digits with ':'; tz: a sign and digits ('+05:30'); special: a sign and letters. */
type FieldType = 'number' | 'string' | 'date' | 'time' | 'tz' | 'special'

interface Field {
  readonly type: FieldType
  /** Lower case. */
  readonly text: string
}

const isDigit = (c: number) => c >= 48 && c <= 57
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
const isAlnum = (c: number) => isDigit(c) || isAlpha(c)
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13)
/** ASCII punctuation (C's ispunct). */
const isPunct = (c: number) =>
  (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)

/** The fields of `s`; a character outside ASCII letters, digits, spaces and punctuation, more than
 * FIELDS_MAX fields, or fields beyond `bufferSize` characters (each plus one) fail. */
function tokenize(s: string, bufferSize: number): Field[] {
  const fields: Field[] = []
  let used = 0
  let i = 0
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (isSpace(c)) {
      i++
      continue
    }
    if (fields.length >= FIELDS_MAX) fail('format')
    let field: { type: FieldType; text: string; end: number }
    if (isDigit(c)) field = digitField(s, i)
    else if (c === 46 /* . */) field = { type: 'number', text: '', end: skip(s, i + 1, isDigit) }
    else if (isAlpha(c)) field = wordField(s, i)
    else if (c === 43 /* + */ || c === 45 /* - */) field = signField(s, i)
    else if (isPunct(c)) {
      i++
      continue
    } else return fail('format')
    const text = field.text !== '' ? field.text : s.slice(i, field.end).toLowerCase()
    if (used + text.length >= bufferSize) fail('format')
    used += text.length + 1
    fields.push({ type: field.type, text })
    i = field.end
  }
  return fields
}

function skip(s: string, i: number, accept: (c: number) => boolean): number {
  while (i < s.length && accept(s.charCodeAt(i))) i++
  return i
}

/** A field starting with a digit: a time at ':', a date at '-' or '/' (or two '.'), else a
 * number. */
function digitField(s: string, start: number) {
  let i = skip(s, start, isDigit)
  const next = s[i]
  if (next === ':') {
    i = skip(s, i + 1, (c) => isDigit(c) || c === 58 || c === 46)
    return { type: 'time' as const, text: '', end: i }
  }
  if (next !== '-' && next !== '/' && next !== '.') {
    return { type: 'number' as const, text: '', end: i }
  }
  const delimiter = next.charCodeAt(0)
  i++
  if (!isDigit(s.charCodeAt(i))) {
    // A month name inside: '05-jan-2024'.
    i = skip(s, i, (c) => isAlnum(c) || c === delimiter)
    return { type: 'date' as const, text: '', end: i }
  }
  i = skip(s, i, isDigit)
  if (s.charCodeAt(i) !== delimiter) {
    return { type: next === '.' ? ('number' as const) : ('date' as const), text: '', end: i }
  }
  i = skip(s, i + 1, (c) => isDigit(c) || c === delimiter)
  return { type: 'date' as const, text: '', end: i }
}

/** A field starting with a letter: a word, or (followed by '-', '/', '.', or by a digit or '+'
 * when the word is no keyword) a date with a month name or a zone name ('america/new_york',
 * 'utc+5', 'est5edt'). */
function wordField(s: string, start: number) {
  let i = skip(s, start, isAlpha)
  const next = s.charCodeAt(i)
  let isDate = next === 45 || next === 47 || next === 46
  if (!isDate && (next === 43 || isDigit(next))) {
    isDate = !KEYWORDS.has(s.slice(start, i).toLowerCase())
  }
  if (!isDate) return { type: 'string' as const, text: '', end: i }
  i = skip(s, i, (c) => isAlnum(c) || ZONE_PUNCTUATION.includes(c))
  return { type: 'date' as const, text: '', end: i }
}

/** '+', '-', '/', '_', '.', ':': what zone names and POSIX zones hold besides letters and
 * digits. */
const ZONE_PUNCTUATION = [43, 45, 47, 95, 46, 58]

/** A sign, spaces dropped, then digits (an offset: 'tz') or letters ('-infinity': 'special'). */
function signField(s: string, start: number) {
  const from = skip(s, start + 1, isSpace)
  const c = s.charCodeAt(from)
  if (isDigit(c)) {
    const end = skip(s, from, (d) => isDigit(d) || d === 58 || d === 46 || d === 45)
    return { type: 'tz' as const, text: s[start] + s.slice(from, end), end }
  }
  if (isAlpha(c)) {
    const end = skip(s, from, isAlpha)
    return { type: 'special' as const, text: s[start] + s.slice(from, end).toLowerCase(), end }
  }
  return fail('format')
}

// --- keywords (datetktbl) -------------------------------------------------------------------

type Reserved = 'now' | 'today' | 'tomorrow' | 'yesterday' | 'allballs' | SpecialValue
/** A units word before a number: Julian day ('j2451187') or another unit, which dates refuse. */
type Prefix = 'julian' | 'time' | 'other'

type Keyword =
  | { readonly kind: 'reserved'; readonly word: Reserved }
  | { readonly kind: 'month'; readonly month: number }
  | { readonly kind: 'dow' }
  | { readonly kind: 'ampm'; readonly pm: boolean }
  | { readonly kind: 'adbc'; readonly bc: boolean }
  | { readonly kind: 'units'; readonly prefix: Prefix }
  | { readonly kind: 'isotime' }
  | { readonly kind: 'dst' }
  | { readonly kind: 'ignore' }

const MONTHS = 'jan feb mar apr may jun jul aug sep oct nov dec'.split(' ')
const MONTH_NAMES =
  'january february march april may june july august september october november december'.split(' ')
const DAY_WORDS = (
  'sun sunday mon monday tue tues tuesday wed weds wednesday thu thur thurs thursday fri friday ' +
  'sat saturday'
).split(' ')
const RESERVED: readonly Reserved[] = [
  'now', 'today', 'tomorrow', 'yesterday', 'allballs', 'epoch', 'infinity', '-infinity',
]

const KEYWORDS: ReadonlyMap<string, Keyword> = new Map<string, Keyword>([
  ...MONTHS.map((m, i) => [m, { kind: 'month', month: i + 1 }] as const),
  ...MONTH_NAMES.map((m, i) => [m, { kind: 'month', month: i + 1 }] as const),
  ['sept', { kind: 'month', month: 9 }],
  ...DAY_WORDS.map((d) => [d, { kind: 'dow' }] as const),
  ...RESERVED.map((word) => [word, { kind: 'reserved', word }] as const),
  ['+infinity', { kind: 'reserved', word: 'infinity' }],
  ['am', { kind: 'ampm', pm: false }],
  ['pm', { kind: 'ampm', pm: true }],
  ['ad', { kind: 'adbc', bc: false }],
  ['bc', { kind: 'adbc', bc: true }],
  ['at', { kind: 'ignore' }],
  ['on', { kind: 'ignore' }],
  ['dst', { kind: 'dst' }],
  ['t', { kind: 'isotime' }],
  ...['j', 'jd', 'julian'].map((u) => [u, { kind: 'units', prefix: 'julian' }] as const),
  ...['y', 'm', 'd', 'h', 'mm', 's', 'dow', 'doy', 'isodow', 'isoyear'].map(
    (u) => [u, { kind: 'units', prefix: 'other' }] as const,
  ),
])

/** A word read as a zone abbreviation first (PostgreSQL's rule), else as a keyword. */
type Word =
  | Keyword
  | { readonly kind: 'tz'; readonly offsetSeconds: number; readonly dst: boolean }
  | { readonly kind: 'dyntz'; readonly zone: Zone }
  | { readonly kind: 'unknown' }

function lookUpWord(word: string): Word {
  const abbreviation = ZONE_ABBREVIATIONS.get(word)
  if (abbreviation !== undefined) {
    if ('offsetSeconds' in abbreviation) return { kind: 'tz', ...abbreviation }
    const zone = abbreviationZone(word)
    if (zone !== undefined) return { kind: 'dyntz', zone }
  }
  return KEYWORDS.get(word) ?? { kind: 'unknown' }
}

// --- field masks (datetime.h) ---------------------------------------------------------------

const MONTH_BIT = 1 << 1
const YEAR_BIT = 1 << 2
const DAY_BIT = 1 << 3
const TZ_BIT = 1 << 5
const DTZ_BIT = 1 << 6
const DYNTZ_BIT = 1 << 7
const AMPM_BIT = 1 << 9
const DOY_BIT = 1 << 15
const DOW_BIT = 1 << 16
const ADBC_BIT = 1 << 18
const DTZMOD_BIT = 1 << 28
const DATE_MASK = YEAR_BIT | MONTH_BIT | DAY_BIT
/** Hour, minute, second, millisecond, microsecond: a time sets them all at once. */
const TIME_MASK = (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14)

// --- integers as C reads them ---------------------------------------------------------------

interface Parsed {
  readonly value: number
  /** Where reading stopped; the start when there was no digit. */
  readonly end: number
  readonly overflow: boolean
}

/** strtol into an int: spaces, a sign, digits; `overflow` outside the int range. */
function strtoint(s: string, start: number): Parsed {
  let i = skip(s, start, isSpace)
  const negative = s[i] === '-'
  if (s[i] === '-' || s[i] === '+') i++
  const digits = i
  let value = 0
  for (; i < s.length && isDigit(s.charCodeAt(i)); i++) value = value * 10 + (s.charCodeAt(i) - 48)
  if (i === digits) return { value: 0, end: start, overflow: false }
  value = negative ? -value : value
  return { value, end: i, overflow: value > INT_MAX || value < -INT_MAX - 1 }
}

/** atoi of digits, clamped to the int range as strtol clamps. */
const atoi = (digits: string) => Math.min(Number(digits === '' ? 0 : digits), INT_MAX)

/** '.' and digits: the fraction in [0, 1) (ParseFraction); '.' alone is 0. */
function parseFraction(s: string): number {
  if (s.length > 1 && !/^\.\d+$/.test(s)) fail('format')
  return s.length > 1 ? Number(s) : 0
}

/** A fraction of a second in microseconds, rounded as C's rint (half to even) rounds the double. */
function fractionalSecond(s: string): number {
  return rint(parseFraction(s) * MICROS_PER_SECOND)
}

// --- decoding (DecodeDateTime, DecodeTimeOnly) ----------------------------------------------

type ValueKind = 'date' | SpecialValue

/** The state of one decoding: the fields seen (`fmask`), the values so far, and the flags later
 * fields and the final checks read. */
class Decoder {
  fmask = 0
  prefix: Prefix | undefined
  year = 0
  month = 0
  day = 0
  dayOfYear = 0
  hour = 0
  minute = 0
  second = 0
  fsec = 0
  pm: boolean | undefined
  textMonth = false
  julian = false
  twoDigitYear = false
  bc = false
  /** Seconds east, from an offset, an abbreviation, 'now' or 'allballs'. */
  east = 0
  named: Zone | undefined
  abbreviated: Zone | undefined
  valueKind: ValueKind = 'date'

  constructor(
    readonly fields: readonly Field[],
    readonly nowUs: bigint | undefined,
  ) {}

  /** DecodeDateTime: a full date is required, a time and zone are optional. */
  dateTime(): DateTimeFields | SpecialValue {
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i] as Field
      const mask = this.#dateTimeField(f)
      if (mask === undefined) continue
      if (mask & this.fmask) fail('format')
      this.fmask |= mask
    }
    if (this.prefix !== undefined) fail('format')
    if (this.valueKind !== 'date') return this.valueKind
    this.#validateDate()
    this.#applyMeridiem()
    if ((this.fmask & DATE_MASK) !== DATE_MASK) fail('format')
    if (this.fmask & DTZMOD_BIT && (this.named !== undefined || this.abbreviated !== undefined)) {
      fail('format')
    }
    if (!(this.fmask & TZ_BIT) && this.fmask & DTZMOD_BIT) fail('format')
    return this.#result()
  }

  /** DecodeTimeOnly: a time is required; a date only in a few places, and it is dropped. */
  timeOnly(): DateTimeFields {
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i] as Field
      const mask = this.#timeOnlyField(f, i)
      if (mask === undefined) continue
      if (mask & this.fmask) fail('format')
      this.fmask |= mask
    }
    if (this.prefix !== undefined) fail('format')
    this.#validateDate()
    this.#applyMeridiem()
    if (timeOverflows(this.hour, this.minute, this.second, this.fsec)) fail('field')
    if ((this.fmask & TIME_MASK) !== TIME_MASK) fail('format')
    const dateBits = this.fmask & DATE_MASK
    const partialDate = dateBits !== 0 && dateBits !== DATE_MASK
    if (this.named !== undefined) {
      if (this.fmask & DTZMOD_BIT) fail('format')
      // A zone whose offset changed needs a date to know which offset.
      if (fixedOffsetOf(this.named) === undefined && dateBits !== DATE_MASK) fail('format')
    }
    if (this.abbreviated !== undefined && (this.fmask & DTZMOD_BIT || partialDate)) fail('format')
    if (!(this.fmask & TZ_BIT) && (this.fmask & DTZMOD_BIT || partialDate)) fail('format')
    return this.#result()
  }

  #result(): DateTimeFields {
    const zone = this.named ?? this.abbreviated
    return {
      kind: 'fields',
      year: this.year,
      month: this.month,
      day: this.day,
      hour: this.hour,
      minute: this.minute,
      second: this.second,
      fsec: this.fsec,
      zone:
        zone !== undefined
          ? { zone }
          : this.fmask & TZ_BIT
            ? { offsetSeconds: this.east }
            : undefined,
    }
  }

  /** One field of date/time input; the mask of what it set, undefined for a word to skip. */
  #dateTimeField(f: Field): number | undefined {
    switch (f.type) {
      case 'date':
        return this.#dateField(f.text)
      case 'time': {
        this.#takeTimePrefix()
        const mask = this.#decodeTime(f.text)
        if (timeOverflows(this.hour, this.minute, this.second, this.fsec)) fail('field')
        return mask
      }
      case 'tz':
        this.east = decodeOffset(f.text)
        return TZ_BIT
      case 'number':
        return this.prefix !== undefined ? this.#prefixedNumber(f.text) : this.#numberField(f.text)
      case 'string':
      case 'special':
        return this.#wordField(f.text)
    }
  }

  /** A 'date' field: a date, or once month and day are known (or after 'T') a zone name or a
   * run-together time with an offset ('040506-08'); after 'J', a Julian day with an offset. */
  #dateField(text: string): number {
    if (this.prefix === 'julian') {
      const jd = strtoint(text, 0)
      if (jd.overflow || jd.value < 0) fail('field')
      this.#setJulianDay(jd.value)
      this.east = decodeOffset(text.slice(jd.end))
      this.prefix = undefined
      return DATE_MASK | TIME_MASK | TZ_BIT
    }
    const monthAndDay = MONTH_BIT | DAY_BIT
    if (this.prefix === undefined && (this.fmask & monthAndDay) !== monthAndDay) {
      return this.#decodeDate(text, this.fmask)
    }
    if (isDigit(text.charCodeAt(0)) || this.prefix !== undefined) {
      this.#takeTimePrefix()
      return this.#timeWithOffset(text, this.fmask)
    }
    this.named = namedZone(text) ?? failZone(text)
    return TZ_BIT
  }

  /** 'hhmmss-zz' (DecodeNumberField then DecodeTimezone). */
  #timeWithOffset(text: string, fmask: number): number {
    if ((this.fmask & TIME_MASK) === TIME_MASK) fail('format')
    const dash = text.indexOf('-')
    if (dash < 0) fail('format')
    this.east = decodeOffset(text.slice(dash))
    return this.#decodeNumberField(text.slice(0, dash), fmask) | TZ_BIT
  }

  /** After 'T' only a time may follow. */
  #takeTimePrefix(): void {
    if (this.prefix === undefined) return
    if (this.prefix !== 'time') fail('format')
    this.prefix = undefined
  }

  /** A number after 'J' (a Julian day, its fraction a time of day) or 'T' (hhmmss). */
  #prefixedNumber(text: string): number {
    const n = strtoint(text, 0)
    if (n.overflow) fail('field')
    const rest = text.slice(n.end)
    if (rest !== '' && !rest.startsWith('.')) fail('format')
    let mask: number
    if (this.prefix === 'julian') {
      if (n.value < 0) fail('field')
      this.#setJulianDay(n.value)
      mask = DATE_MASK
      if (rest !== '') {
        this.#setMicrosOfDay(Math.trunc(parseFraction(rest) * MICROS_PER_DAY))
        mask |= TIME_MASK
      }
    } else if (this.prefix === 'time') {
      mask = this.#decodeNumberField(text, this.fmask | DATE_MASK)
      if (mask !== TIME_MASK) fail('format')
    } else return fail('format')
    this.prefix = undefined
    this.valueKind = 'date'
    return mask
  }

  /** A number with no prefix: a date ('1999.008'), run-together fields ('20240105',
   * '040506.789'), or one date field read in the light of the others. */
  #numberField(text: string): number {
    const point = text.indexOf('.')
    if (point >= 0 && !(this.fmask & DATE_MASK)) return this.#decodeDate(text, this.fmask)
    if (point > 2) return this.#decodeNumberField(text, this.fmask)
    const dateBits = this.fmask & DATE_MASK
    if (text.length >= 6 && (!dateBits || !(this.fmask & TIME_MASK))) {
      return this.#decodeNumberField(text, this.fmask)
    }
    return this.#decodeNumber(text, this.textMonth, this.fmask)
  }

  /** A word: a zone abbreviation, a keyword, or a zone name; undefined for 'at' and 'on'. */
  #wordField(text: string): number | undefined {
    const word = lookUpWord(text)
    switch (word.kind) {
      case 'reserved':
        return this.#reserved(word.word)
      case 'month':
        return this.#textMonth(word.month)
      case 'dow':
        return DOW_BIT
      case 'isotime':
        if ((this.fmask & DATE_MASK) !== DATE_MASK) fail('format')
        return this.#setPrefix('time')
      case 'units':
        return this.#setPrefix(word.prefix)
      default:
        return this.#commonWord(word, text)
    }
  }

  /** A month name; a number before it that was read as the month was the day ('5 Jan'). */
  #textMonth(month: number): number {
    let mask = MONTH_BIT
    const numericMonth = this.fmask & MONTH_BIT && !this.textMonth && !(this.fmask & DAY_BIT)
    if (numericMonth && this.month >= 1 && this.month <= 31) {
      this.day = this.month
      mask = DAY_BIT
    }
    this.textMonth = true
    this.month = month
    return mask
  }

  #setPrefix(prefix: Prefix): number {
    if (this.prefix !== undefined) fail('format')
    this.prefix = prefix
    return 0
  }

  /** Words date and time input read alike: zones, AM/PM, BC/AD, 'dst', 'at'/'on'. */
  #commonWord(word: Word, text: string): number | undefined {
    switch (word.kind) {
      case 'ignore':
        return undefined
      case 'dst':
        this.east += 3600
        return DTZMOD_BIT | DTZ_BIT
      case 'tz':
        this.east = word.offsetSeconds
        return word.dst ? DTZ_BIT | TZ_BIT : TZ_BIT
      case 'dyntz':
        this.abbreviated = word.zone
        return DYNTZ_BIT | TZ_BIT
      case 'ampm':
        this.pm = word.pm
        return AMPM_BIT
      case 'adbc':
        this.bc = word.bc
        return ADBC_BIT
      case 'unknown':
        // A word of letters alone may still be a zone name ('japan').
        this.named = namedZone(text) ?? fail('format')
        return TZ_BIT
      default:
        return fail('format')
    }
  }

  /** 'now', 'today', 'tomorrow', 'yesterday', 'allballs', 'epoch', 'infinity', '-infinity'. */
  #reserved(word: Reserved): number {
    switch (word) {
      case 'now':
        this.#setNow()
        this.east = 0
        return DATE_MASK | TIME_MASK | TZ_BIT
      case 'today':
      case 'tomorrow':
      case 'yesterday': {
        const shift = word === 'today' ? 0 : word === 'tomorrow' ? 1 : -1
        this.#setDays(Number(floorDays(this.#now(word))) + shift)
        return DATE_MASK
      }
      case 'allballs':
        this.hour = this.minute = this.second = 0
        this.east = 0
        return TIME_MASK | TZ_BIT
      default:
        this.valueKind = word
        return DATE_MASK | TIME_MASK | TZ_BIT
    }
  }

  #now(word: string): bigint {
    if (this.nowUs === undefined) {
      throw featureNotSupported(`date/time input "${word}" here (use current_date or now())`)
    }
    return this.nowUs
  }

  /** The transaction's start in the session's zone (UTC). */
  #setNow(): void {
    const us = this.#now('now')
    const days = floorDays(us)
    this.#setDays(Number(days))
    this.#setMicrosOfDay(Number(us - days * BigInt(MICROS_PER_DAY)))
  }

  #setDays(days: number): void {
    const { year, month, day } = civilFromDays(days)
    this.year = year
    this.month = month
    this.day = day
  }

  #setJulianDay(jd: number): void {
    this.#setDays(jd - UNIX_EPOCH_JULIAN)
    this.julian = true
  }

  #setMicrosOfDay(us: number): void {
    this.hour = Math.floor(us / 3_600_000_000)
    this.minute = Math.floor(us / 60_000_000) % 60
    this.second = Math.floor(us / MICROS_PER_SECOND) % 60
    this.fsec = us % MICROS_PER_SECOND
  }

  /** One field of time input (DecodeTimeOnly's reading of each field type). */
  #timeOnlyField(f: Field, i: number): number | undefined {
    const fields = this.fields
    const lastIsDate = fields.length >= 2 && fields[fields.length - 1]?.type === 'date'
    switch (f.type) {
      case 'date':
        if (i === 0 && (lastIsDate || (fields.length >= 2 && fields[1]?.type === 'time'))) {
          return this.#decodeDate(f.text, this.fmask)
        }
        if (isDigit(f.text.charCodeAt(0))) {
          return this.#timeWithOffset(f.text, this.fmask | DATE_MASK)
        }
        this.named = namedZone(f.text) ?? failZone(f.text)
        return TZ_BIT
      case 'time':
        this.#takeTimePrefix()
        return this.#decodeTime(f.text)
      case 'tz':
        this.east = decodeOffset(f.text)
        return TZ_BIT
      case 'number':
        if (this.prefix !== undefined) return this.#prefixedNumber(f.text)
        return this.#timeOnlyNumber(f.text, i === 0 && lastIsDate)
      case 'string':
      case 'special':
        return this.#timeOnlyWord(f.text)
    }
  }

  #timeOnlyNumber(text: string, mayBeDate: boolean): number {
    const point = text.indexOf('.')
    if (point >= 0) {
      if (mayBeDate) return this.#decodeDate(text, this.fmask)
      if (point > 2) return this.#decodeNumberField(text, this.fmask | DATE_MASK)
      return fail('format')
    }
    if (text.length > 4) return this.#decodeNumberField(text, this.fmask | DATE_MASK)
    return this.#decodeNumber(text, false, this.fmask | DATE_MASK)
  }

  #timeOnlyWord(text: string): number | undefined {
    const word = lookUpWord(text)
    switch (word.kind) {
      case 'reserved':
        if (word.word === 'now') {
          this.#setNow()
          return TIME_MASK
        }
        if (word.word !== 'allballs') fail('format')
        this.hour = this.minute = this.second = 0
        return TIME_MASK | TZ_BIT
      case 'units':
        return this.#setPrefix(word.prefix)
      case 'isotime':
        return this.#setPrefix('time')
      default:
        return this.#commonWord(word, text)
    }
  }

  /** A field with '-', '/' or '.' inside: its parts, a month name read first (DecodeDate). */
  #decodeDate(text: string, outerMask: number): number {
    const parts = dateParts(text)
    let fmask = outerMask
    let mask = 0
    // Whether this field named the month: the field's own (PostgreSQL keeps it apart).
    let textMonth = false
    const numbers: string[] = []
    for (const part of parts) {
      if (!isAlpha(part.charCodeAt(0))) {
        numbers.push(part)
        continue
      }
      const keyword = KEYWORDS.get(part)
      if (keyword?.kind === 'ignore') {
        // Not taken as a word, so read as a number below, which fails.
        numbers.push(part)
        continue
      }
      if (keyword?.kind !== 'month' || fmask & MONTH_BIT) return fail('format')
      this.month = keyword.month
      textMonth = true
      fmask |= MONTH_BIT
      mask |= MONTH_BIT
    }
    for (const part of numbers) {
      const partMask = this.#decodeNumber(part, textMonth, fmask)
      if (fmask & partMask) fail('format')
      fmask |= partMask
      mask |= partMask
    }
    if ((fmask & ~(DOY_BIT | TZ_BIT)) !== DATE_MASK) fail('format')
    return mask
  }

  /** One number of a date, placed by what is known already (DecodeNumber): with DateStyle MDY, a
   * first number of one or two digits is the month, of three or more the year. */
  #decodeNumber(text: string, textMonth: boolean, fmask: number): number {
    const n = strtoint(text, 0)
    if (n.overflow) fail('field')
    if (n.end === 0) fail('format')
    if (text[n.end] === '.') {
      // 'yyyy.ddd', '20011225.5', '040506.789': several fields run together.
      if (n.end > 2) return this.#decodeNumberField(text, fmask | DATE_MASK)
      this.fsec = fractionalSecond(text.slice(n.end))
    } else if (n.end !== text.length) fail('format')
    const val = n.value
    if (text.length === 3 && (fmask & DATE_MASK) === YEAR_BIT && val >= 1 && val <= 366) {
      this.dayOfYear = val
      return DOY_BIT | MONTH_BIT | DAY_BIT
    }
    const mask = this.#placeNumber(val, text, textMonth, fmask)
    if (mask === YEAR_BIT) this.twoDigitYear = text.length <= 2
    return mask
  }

  #placeNumber(val: number, text: string, textMonth: boolean, fmask: number): number {
    const length = text.length
    switch (fmask & DATE_MASK) {
      case 0:
        if (length >= 3) return this.#set('year', val)
        return this.#set('month', val)
      case YEAR_BIT:
        return this.#set('month', val)
      case MONTH_BIT:
        if (textMonth && length >= 3) return this.#set('year', val)
        return this.#set('day', val)
      case YEAR_BIT | MONTH_BIT:
        if (textMonth && length >= 3 && this.twoDigitYear) {
          // 'DD-MON-YYYY': the first number, taken for a two-digit year, was the day.
          this.day = this.year
          this.year = val
          this.twoDigitYear = false
          return DAY_BIT
        }
        return this.#set('day', val)
      case DAY_BIT:
        return this.#set('month', val)
      case MONTH_BIT | DAY_BIT:
        return this.#set('year', val)
      case DATE_MASK:
        return this.#decodeNumberField(text, fmask)
      default:
        return fail('format')
    }
  }

  #set(field: 'year' | 'month' | 'day', val: number): number {
    this[field] = val
    return field === 'year' ? YEAR_BIT : field === 'month' ? MONTH_BIT : DAY_BIT
  }

  /** Digits run together (DecodeNumberField): 'yyyymmdd' or 'yymmdd' while the date is
   * incomplete, else 'hhmmss' or 'hhmm'; a fraction is seconds. */
  #decodeNumberField(text: string, fmask: number): number {
    if (!/^[0-9.]*$/.test(text)) fail('format')
    let digits = text
    const point = text.indexOf('.')
    if (point >= 0) {
      this.fsec = fractionalSecond(text.slice(point))
      digits = text.slice(0, point)
    } else if ((fmask & DATE_MASK) !== DATE_MASK && digits.length >= 6) {
      const n = digits.length
      this.day = atoi(digits.slice(n - 2))
      this.month = atoi(digits.slice(n - 4, n - 2))
      this.year = atoi(digits.slice(0, n - 4))
      if (n - 4 === 2) this.twoDigitYear = true
      return DATE_MASK
    }
    if ((fmask & TIME_MASK) !== TIME_MASK && (digits.length === 6 || digits.length === 4)) {
      this.hour = atoi(digits.slice(0, 2))
      this.minute = atoi(digits.slice(2, 4))
      this.second = digits.length === 6 ? atoi(digits.slice(4, 6)) : 0
      return TIME_MASK
    }
    return fail('format')
  }

  /** 'h:m', 'h:m:s[.f]', and 'm:s.f' (DecodeTime); the hour's range is the caller's. */
  #decodeTime(text: string): number {
    const hour = strtoint(text, 0)
    // The hour is read as a 64-bit integer and must fit an int only in the end.
    if (hour.value > INT64_MAX) fail('field')
    if (text[hour.end] !== ':') fail('format')
    const minute = strtoint(text, hour.end + 1)
    if (minute.overflow) fail('field')
    let [h, m, s, fsec] = [hour.value, minute.value, 0, 0]
    if (text[minute.end] === '.') {
      fsec = fractionalSecond(text.slice(minute.end))
      if (h > INT_MAX) fail('field')
      ;[h, m, s] = [0, h, m]
    } else if (text[minute.end] === ':') {
      const second = strtoint(text, minute.end + 1)
      if (second.overflow) fail('field')
      s = second.value
      if (text[second.end] === '.') fsec = fractionalSecond(text.slice(second.end))
      else if (second.end !== text.length) fail('format')
    } else if (minute.end !== text.length) fail('format')
    if (h < 0 || m < 0 || m > 59 || s < 0 || s > 60) fail('field')
    if (fsec < 0 || fsec > MICROS_PER_SECOND) fail('field')
    if (h > INT_MAX) fail('field')
    ;[this.hour, this.minute, this.second, this.fsec] = [h, m, s, fsec]
    return TIME_MASK
  }

  /** The year from BC or two digits, the day of year, and the ranges (ValidateDate). */
  #validateDate(): void {
    const fmask = this.fmask
    if (fmask & YEAR_BIT && !this.julian) {
      if (this.bc) {
        if (this.year <= 0) fail('field')
        this.year = 1 - this.year
      } else if (this.twoDigitYear) {
        if (this.year < 0) fail('field')
        if (this.year < 70) this.year += 2000
        else if (this.year < 100) this.year += 1900
      } else if (this.year <= 0) fail('field')
    }
    if (fmask & DOY_BIT) this.#setDays(daysFromCivil(this.year, 1, 1) + this.dayOfYear - 1)
    if (fmask & MONTH_BIT && (this.month < 1 || this.month > 12)) fail('monthDay')
    if (fmask & DAY_BIT && (this.day < 1 || this.day > 31)) fail('monthDay')
    const fullDate = (fmask & DATE_MASK) === DATE_MASK
    if (fullDate && this.day > daysInMonth(this.year, this.month)) fail('field')
  }

  #applyMeridiem(): void {
    if (this.pm === undefined) return
    if (this.hour > 12) fail('field')
    if (!this.pm && this.hour === 12) this.hour = 0
    else if (this.pm && this.hour !== 12) this.hour += 12
  }
}

/** Days since 1970 of an instant in microseconds (floor). */
const floorDays = (us: bigint): bigint => BigInt(timestampToDate(us))

const failZone = (name: string): never => {
  throw new DecodeError('zone', name)
}

/** The parts of a date field: runs of digits or of letters; the character after a run is
 * dropped whatever it is, as PostgreSQL's DecodeDate does ('2024-jan15' is 2024-01-05). */
function dateParts(text: string): string[] {
  const parts: string[] = []
  let i = 0
  while (i < text.length && parts.length < FIELDS_MAX) {
    i = skip(text, i, (c) => !isAlnum(c))
    if (i >= text.length) fail('format')
    const start = i
    i = skip(text, i, isDigit(text.charCodeAt(i)) ? isDigit : isAlpha)
    parts.push(text.slice(start, i))
    if (i < text.length) i++
  }
  return parts
}

/** A numeric zone offset '+h', '+hh', '+hhmm', '+hh:mm', '+hh:mm:ss' in seconds east
 * (DecodeTimezone): beyond 15:59:59 is 22009. */
function decodeOffset(text: string): number {
  if (text[0] !== '+' && text[0] !== '-') return fail('format')
  const hour = strtoint(text, 1)
  if (hour.overflow) fail('displacement')
  let [hr, min, sec] = [hour.value, 0, 0]
  let end = hour.end
  if (text[end] === ':') {
    const minute = strtoint(text, end + 1)
    if (minute.overflow) fail('displacement')
    min = minute.value
    end = minute.end
    if (text[end] === ':') {
      const second = strtoint(text, end + 1)
      if (second.overflow) fail('displacement')
      sec = second.value
      end = second.end
    }
  } else if (end === text.length && text.length > 3) {
    min = hr % 100
    hr = Math.trunc(hr / 100)
  }
  if (hr < 0 || hr > 15 || min < 0 || min > 59 || sec < 0 || sec > 59) fail('displacement')
  if (end !== text.length) fail('format')
  const east = (hr * 60 + min) * 60 + sec
  return text[0] === '-' ? -east : east
}
