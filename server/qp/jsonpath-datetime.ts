// SQL/JSON datetime items (ARCHITECTURE.md "query processor": evaluate): what .datetime(),
// .datetime(template), .date(), .time(), .time_tz(), .timestamp() and .timestamp_tz() make of a
// string, as PostgreSQL's jsonpath_exec.c does (executeDateTimeMethod): the ISO forms it
// recognises without a template, a to_timestamp template read in standard mode, the conversions
// between the five kinds, their order in comparisons (compareDatetime), and their text, in jsonb
// and as the type's output. Conversions and comparisons that need the session's time zone are
// 0A000 unless the path runs in a `_tz` function; the session's zone is UTC.
import { SqlError } from '../errors/index.ts'
import type { Converted } from './jsonpath-methods.ts'
import {
  Decimal,
  compileDatetimeTemplate,
  dateToTimestamp,
  isFiniteTimestamp,
  formatDate,
  formatTime,
  formatTimestamp,
  readDatetimeTemplate,
  roundTime,
  roundTimestamp,
  type Datum,
  type SqlType,
  type TemplateValue,
} from './types/index.ts'

export type DatetimeKind = 'date' | 'time' | 'timetz' | 'timestamp' | 'timestamptz'

const MICROS_PER_DAY = 86_400_000_000n
const MICROS_PER_SECOND = 1_000_000n
/** `micros` of an infinite date or timestamp (only a PASSING value can be one): beyond every
 * finite date, whose midnights reach about 2^67 microseconds. */
const INFINITE = 2n ** 100n
const infinite = (micros: bigint) => micros >= INFINITE || micros <= -INFINITE
const infinity = (micros: bigint) => (micros > 0n ? 'infinity' : '-infinity')

/**
 * A datetime item. `micros` is: for a date, its midnight in microseconds since 1970; for time
 * and timetz, the local time of day; for a timestamp, its local time since 1970; for timestamptz,
 * the instant (UTC). `offsetSeconds` (east of UTC) is a timetz's zone, and the offset a
 * timestamptz is shown at in jsonb (the one its text gave); 0 for the other kinds.
 */
export class JsonPathDatetime {
  constructor(
    readonly kind: DatetimeKind,
    readonly micros: bigint,
    readonly offsetSeconds: number,
  ) {}
}

export type DatetimeMethod = 'datetime' | 'date' | 'time' | 'time_tz' | 'timestamp' | 'timestamp_tz'

/** 22031 (invalid argument for SQL/JSON datetime function), what RETURN_ERROR gives here. */
const err = (message: string, hint?: string): Converted => ({ ok: false, error: new SqlError('22031', message, { hint }) })
const ok = (value: JsonPathDatetime): Converted => ({ ok: true, value })

/** The ISO forms a string is tried against without a template, in PostgreSQL's order: date,
 * time with and without a zone, timestamp with and without one (with ' ' or 'T'). */
const ISO_TEMPLATES = [
  'yyyy-mm-dd',
  'HH24:MI:SS.USTZ',
  'HH24:MI:SSTZ',
  'HH24:MI:SS.US',
  'HH24:MI:SS',
  'yyyy-mm-dd HH24:MI:SS.USTZ',
  'yyyy-mm-dd HH24:MI:SSTZ',
  'yyyy-mm-dd"T"HH24:MI:SS.USTZ',
  'yyyy-mm-dd"T"HH24:MI:SSTZ',
  'yyyy-mm-dd HH24:MI:SS.US',
  'yyyy-mm-dd HH24:MI:SS',
  'yyyy-mm-dd"T"HH24:MI:SS.US',
  'yyyy-mm-dd"T"HH24:MI:SS',
].map((t) => compileDatetimeTemplate(t, true))

/**
 * A datetime method applied to item `v`: the datetime item, or the error PostgreSQL raises
 * through RETURN_ERROR (which `silent` suppresses). Thrown, whatever `silent` says: 22007 for a
 * template with a character standard mode does not take, 0A000 for a conversion that needs the
 * time zone outside a `_tz` function (`useTz`), 22008 for a date beyond timestamp's range.
 */
export function datetimeMethod(name: DatetimeMethod, v: unknown, args: readonly (Decimal | string)[], useTz: boolean): Converted {
  if (typeof v !== 'string') return err(`jsonpath item method .${name}() can only be applied to a string`)
  const arg = args[0]
  if (name === 'datetime' && typeof arg === 'string') {
    const read = readDatetimeTemplate(v, compileDatetimeTemplate(arg, true))
    return read instanceof SqlError ? { ok: false, error: read } : ok(itemOf(read))
  }
  let precision: number | undefined
  if (arg instanceof Decimal) {
    const p = arg.toBigInt()
    if (p === undefined || p > 2147483647n) {
      return err(`time precision of jsonpath item method .${name}() is out of range for type integer`)
    }
    // Beyond microseconds PostgreSQL warns and keeps microseconds.
    precision = Math.min(Number(p), 6)
  }
  const parsed = recognise(v)
  if (parsed === undefined) {
    if (name === 'datetime') return err(`datetime format is not recognized: "${v}"`, 'Use a datetime template argument to specify the input data format.')
    return err(`${name} format is not recognized: "${v}"`)
  }
  return convert(name, parsed, v, precision, useTz)
}

/** The first ISO form `text` reads as, or undefined. */
function recognise(text: string): JsonPathDatetime | undefined {
  for (const template of ISO_TEMPLATES) {
    const read = readDatetimeTemplate(text, template)
    if (!(read instanceof SqlError)) return itemOf(read)
  }
  return undefined
}

function itemOf(t: TemplateValue): JsonPathDatetime {
  switch (t.kind) {
    case 'date':
      return new JsonPathDatetime('date', BigInt(t.days) * MICROS_PER_DAY, 0)
    case 'time':
    case 'timestamp':
      return new JsonPathDatetime(t.kind, t.micros, 0)
    case 'timetz':
    case 'timestamptz':
      return new JsonPathDatetime(t.kind, t.micros, t.offsetSeconds)
  }
}

/** 0A000 for a conversion between a kind with a zone and one without, outside `_tz`. */
function checkTimeZoneUse(useTz: boolean, from: string, to: string): void {
  if (useTz) return
  throw new SqlError('0A000', `cannot convert value from ${from} to ${to} without time zone usage`, {
    hint: 'Use *_tz() function for time zone support.',
  })
}

/** Floor division of a time since 1970 into its day's start and time of day. */
const dayStart = (micros: bigint) => micros - timeOfDay(micros)
function timeOfDay(micros: bigint): bigint {
  const r = micros % MICROS_PER_DAY
  return r < 0n ? r + MICROS_PER_DAY : r
}

/** The method's kind made of the recognised item `d` (read from `text`), rounded to `precision`. */
function convert(name: DatetimeMethod, d: JsonPathDatetime, text: string, precision: number | undefined, useTz: boolean): Converted {
  const notRecognised = () => err(`${name} format is not recognized: "${text}"`)
  const time = d.kind === 'time' || d.kind === 'timetz'
  switch (name) {
    case 'datetime':
      return ok(d)
    case 'date':
      if (time) return notRecognised()
      if (d.kind === 'timestamptz') checkTimeZoneUse(useTz, 'timestamptz', 'date')
      return ok(new JsonPathDatetime('date', dayStart(d.micros), 0))
    case 'time': {
      if (d.kind === 'date') return notRecognised()
      if (d.kind === 'timetz' || d.kind === 'timestamptz') checkTimeZoneUse(useTz, d.kind, 'time')
      return ok(new JsonPathDatetime('time', roundTime(timeOfDay(d.micros), precision), 0))
    }
    case 'time_tz': {
      if (d.kind === 'date' || d.kind === 'timestamp') return notRecognised()
      if (d.kind === 'time') checkTimeZoneUse(useTz, 'time', 'timetz')
      // A time or timestamptz takes the session's zone, UTC.
      const offset = d.kind === 'timetz' ? d.offsetSeconds : 0
      return ok(new JsonPathDatetime('timetz', roundTime(timeOfDay(d.micros), precision), offset))
    }
    case 'timestamp':
    case 'timestamp_tz':
      if (time) return notRecognised()
      return ok(toTimestamp(name === 'timestamp_tz', d, precision, useTz))
  }
}

function toTimestamp(withZone: boolean, d: JsonPathDatetime, precision: number | undefined, useTz: boolean): JsonPathDatetime {
  const kind = withZone ? 'timestamptz' : 'timestamp'
  if (d.kind !== kind && (withZone || d.kind === 'timestamptz')) {
    checkTimeZoneUse(useTz, d.kind, withZone ? 'timestamptz' : 'timestamp')
  }
  // A date's midnight must lie in timestamp's range (22008 otherwise, as date_timestamp raises).
  const micros = d.kind === 'date' ? dateToTimestamp(Number(d.micros / MICROS_PER_DAY)) : d.micros
  // A timestamptz keeps the offset it is shown at; one made here is at the session's, UTC.
  const offset = d.kind === 'timestamptz' ? d.offsetSeconds : 0
  return new JsonPathDatetime(kind, roundTimestamp(micros, precision), offset)
}

/**
 * PostgreSQL's compareDatetime: the order of two datetime items, or undefined when their kinds do
 * not compare (a date or timestamp with a time). A date or timestamp against a timestamptz, and a
 * time against a timetz, need the time zone: 0A000 outside `_tz` (`useTz`).
 */
export function compareDatetimes(a: JsonPathDatetime, b: JsonPathDatetime, useTz: boolean): number | undefined {
  const aTime = a.kind === 'time' || a.kind === 'timetz'
  const bTime = b.kind === 'time' || b.kind === 'timetz'
  if (aTime !== bTime) return undefined
  if (a.kind !== b.kind) {
    if (aTime) checkTimeZoneUse(useTz, 'time', 'timetz')
    else if (a.kind === 'timestamptz' || b.kind === 'timestamptz') {
      checkTimeZoneUse(useTz, a.kind === 'timestamptz' ? b.kind : a.kind, 'timestamptz')
    }
  }
  if (!aTime) return sign(a.micros - b.micros)
  // timetz_cmp: by the instant (the local time less the offset), then by the offset, larger
  // offsets east first; a time is at the session's offset, UTC.
  const instant = sign(a.micros - BigInt(a.offsetSeconds) * MICROS_PER_SECOND - (b.micros - BigInt(b.offsetSeconds) * MICROS_PER_SECOND))
  return instant !== 0 ? instant : Math.sign(b.offsetSeconds - a.offsetSeconds)
}

const sign = (n: bigint) => (n > 0n ? 1 : n < 0n ? -1 : 0)

/** .type() of a datetime item. */
export function datetimeTypeName(d: JsonPathDatetime): string {
  switch (d.kind) {
    case 'date':
      return 'date'
    case 'time':
      return 'time without time zone'
    case 'timetz':
      return 'time with time zone'
    case 'timestamp':
      return 'timestamp without time zone'
    case 'timestamptz':
      return 'timestamp with time zone'
  }
}

/** An offset as ISO 8601 writes it in jsonb (XSD): '+05:00', seconds only when there are some. */
function xsdOffset(offsetSeconds: number): string {
  const abs = Math.abs(offsetSeconds)
  const two = (n: number) => String(n).padStart(2, '0')
  const seconds = abs % 60
  return `${offsetSeconds < 0 ? '-' : '+'}${two(Math.floor(abs / 3600))}:${two(Math.floor(abs / 60) % 60)}${seconds === 0 ? '' : `:${two(seconds)}`}`
}

/** An offset as timetz output writes it: '+05', '+05:30', '-00:30:15'. */
function isoOffset(offsetSeconds: number): string {
  return xsdOffset(offsetSeconds).replace(/:00$/, '')
}

/** A timestamp's text with 'T' between date and time, `offset` after the time, ' BC' last. */
function withT(micros: bigint, offset: string): string {
  const text = formatTimestamp(micros, false)
  const bc = text.endsWith(' BC')
  return `${(bc ? text.slice(0, -3) : text).replace(' ', 'T')}${offset}${bc ? ' BC' : ''}`
}

/** A datetime item as jsonb holds it (JsonEncodeDateTime): ISO 8601 with 'T', a timestamptz at
 * its own offset; also what .string() gives. */
export function datetimeJson(d: JsonPathDatetime): string {
  if (infinite(d.micros)) return infinity(d.micros)
  switch (d.kind) {
    case 'date':
      return formatDate(Number(d.micros / MICROS_PER_DAY))
    case 'time':
      return formatTime(d.micros)
    case 'timetz':
      return formatTime(d.micros) + xsdOffset(d.offsetSeconds)
    case 'timestamp':
      return withT(d.micros, '')
    case 'timestamptz':
      return withT(d.micros + BigInt(d.offsetSeconds) * MICROS_PER_SECOND, xsdOffset(d.offsetSeconds))
  }
}

/** A datetime item as its type's output writes it, in the session's zone (UTC): the text
 * JSON_VALUE gives. */
export function datetimeText(d: JsonPathDatetime): string {
  if (infinite(d.micros)) return infinity(d.micros)
  switch (d.kind) {
    case 'date':
      return formatDate(Number(d.micros / MICROS_PER_DAY))
    case 'time':
      return formatTime(d.micros)
    case 'timetz':
      return formatTime(d.micros) + isoOffset(d.offsetSeconds)
    case 'timestamp':
      return formatTimestamp(d.micros, false)
    case 'timestamptz':
      return formatTimestamp(d.micros, true)
  }
}

/** A SQL/JSON PASSING value of a date/time type as the datetime item PostgreSQL makes of it;
 * undefined for the other types. */
export function datetimeOfDatum(value: Datum, type: SqlType): JsonPathDatetime | undefined {
  switch (type.kind) {
    case 'date': {
      const days = value as number
      return new JsonPathDatetime('date', Number.isFinite(days) ? BigInt(days) * MICROS_PER_DAY : days > 0 ? INFINITE : -INFINITE, 0)
    }
    case 'time':
      return new JsonPathDatetime('time', value as bigint, 0)
    case 'timestamp':
    case 'timestamptz': {
      const micros = value as bigint
      return new JsonPathDatetime(type.kind, isFiniteTimestamp(micros) ? micros : micros > 0n ? INFINITE : -INFINITE, 0)
    }
    default:
      return undefined
  }
}

/** An item as jsonb: a datetime item as its jsonb string, anything else as it is. */
export const jsonOfItem = (v: unknown): unknown => (v instanceof JsonPathDatetime ? datetimeJson(v) : v)
