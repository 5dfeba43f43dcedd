// date, timestamp and timestamptz input and output (ARCHITECTURE.md "query processor": values):
// PostgreSQL's ISO formats with DateStyle ISO and TimeZone UTC, proleptic Gregorian calendar.
import { SqlError, featureNotSupported } from '../../errors/index.ts'
import { fromLocal, zoneOf } from './time-zone.ts'
import {
  DATE_DAYS_END,
  DATE_DAYS_MIN,
  MICROS_PER_DAY,
  TIMESTAMP_INFINITY,
  TIMESTAMP_MICROS_END,
  TIMESTAMP_MICROS_MIN,
  ZONE_ABBREVIATIONS,
  TIMESTAMP_NEG_INFINITY,
  TZ_OFFSET_SECONDS_MAX,
} from './constants.ts'

/** Days since 1970-01-01 of a proleptic Gregorian date (astronomical year: 1 BC is year 0). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = (month + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** The proleptic Gregorian date of a day number (inverse of `daysFromCivil`). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

export function isFiniteDate(days: number): boolean {
  return Number.isFinite(days)
}

export function isFiniteTimestamp(micros: bigint): boolean {
  return micros !== TIMESTAMP_INFINITY && micros !== TIMESTAMP_NEG_INFINITY
}

export function dateInRange(days: number): boolean {
  return !Number.isFinite(days) || (days >= DATE_DAYS_MIN && days < DATE_DAYS_END)
}

export function timestampInRange(micros: bigint): boolean {
  return (
    !isFiniteTimestamp(micros) || (micros >= TIMESTAMP_MICROS_MIN && micros < TIMESTAMP_MICROS_END)
  )
}

/** Parsed fields of a date/time string; `micros` is the time of day, `offset` seconds east. */
interface DateTimeFields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly micros: bigint
  readonly offsetSeconds: number | undefined
  /** A zone by name ('america/new_york', 'est'): its offset depends on the instant. */
  readonly zoneName: string | undefined
}

type Special = 'infinity' | '-infinity' | 'epoch'

const SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g
const DATE_PART = String.raw`(\d{4,})[-/](\d{1,2})[-/](\d{1,2})|(\d{4})(\d{2})(\d{2})`
/** hour:minute[:second[.fraction]] of date/time input, four groups; time input shares it. */
export const TIME_PART = String.raw`(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?`
const ZONE_PART = String.raw`[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?|[a-z][a-z0-9_+-]*(?:/[a-z0-9_+-]+)+|` +
  Object.keys(ZONE_ABBREVIATIONS).join('|')
const DATETIME = new RegExp(
  `^(?:${DATE_PART})(?:(?:t|[ \\t\\n\\r\\f\\v]+)(?:${TIME_PART}))?` +
    `(?:[ \\t\\n\\r\\f\\v]*(${ZONE_PART}))?(?:[ \\t\\n\\r\\f\\v]+(bc|ad))?$`,
  'i',
)

/** Parses PostgreSQL's ISO date/time input (what DateStyle ISO prints, plus common variants). */
function parseDateTime(text: string, typeLabel: string): DateTimeFields | Special {
  const s = text.replace(SPACE, '').toLowerCase()
  if (s === 'infinity' || s === '+infinity') return 'infinity'
  if (s === '-infinity') return '-infinity'
  if (s === 'epoch') return 'epoch'
  if (s === 'now' || s === 'today' || s === 'tomorrow' || s === 'yesterday') {
    throw featureNotSupported(`date/time input "${s}" (use current_date or now())`)
  }
  const m = DATETIME.exec(s)
  if (m === null)
    throw new SqlError('22007', `invalid input syntax for type ${typeLabel}: "${text}"`)
  let year = Number(m[1] ?? m[4])
  const month = Number(m[2] ?? m[5])
  const day = Number(m[3] ?? m[6])
  const bc = m[12] === 'bc'
  const fieldOverflow = () => new SqlError('22008', `date/time field value out of range: "${text}"`)
  if (year === 0) throw fieldOverflow()
  if (bc) year = 1 - year
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw fieldOverflow()
  const hour = Number(m[7] ?? 0)
  const minute = Number(m[8] ?? 0)
  const second = Number(m[9] ?? 0)
  const fraction = fractionMicros(m[10] ?? '')
  const overTime = hour === 24 && (minute > 0 || second > 0 || fraction > 0n)
  if (hour > 24 || overTime) throw fieldOverflow()
  const micros = clockMicros(hour, minute, second, fraction, text)
  const named = m[11] !== undefined && /^[a-z]{2,}/.test(m[11]) && !/^(zulu|utc|gmt|ut)$/.test(m[11])
  if (named) return { year, month, day, micros, offsetSeconds: undefined, zoneName: m[11] }
  return { year, month, day, micros, offsetSeconds: zoneOffset(m[11], text), zoneName: undefined }
}

/** hour:minute:second plus `fraction` in microseconds; 22008 when the minute or second is out of
 * range (second 60, a leap second, is allowed, as in PostgreSQL). The hour's range is the
 * caller's: timestamps and time bound it differently. */
export function clockMicros(
  hour: number,
  minute: number,
  second: number,
  fraction: bigint,
  text: string,
): bigint {
  if (minute > 59 || second > 60) {
    throw new SqlError('22008', `date/time field value out of range: "${text}"`)
  }
  return BigInt((hour * 60 + minute) * 60 + second) * 1_000_000n + fraction
}

/** Fractional seconds rounded to microseconds, half to even (PostgreSQL uses rint). */
export function fractionMicros(digits: string): bigint {
  if (digits.length <= 6) return BigInt(digits.padEnd(6, '0'))
  const kept = BigInt(digits.slice(0, 6))
  const rest = digits.slice(6)
  const half = '5'.padEnd(rest.length, '0')
  if (rest > half || (rest === half && kept % 2n === 1n)) return kept + 1n
  return kept
}

function zoneOffset(zone: string | undefined, text: string): number | undefined {
  if (zone === undefined) return undefined
  if (!/^[+-]/.test(zone)) return 0
  const [hours, minutes, seconds] = offsetFields(zone.slice(1))
  if (minutes > 59 || seconds > 59) {
    throw new SqlError('22008', `date/time field value out of range: "${text}"`)
  }
  const total = hours * 3600 + minutes * 60 + seconds
  if (total > TZ_OFFSET_SECONDS_MAX) {
    throw new SqlError('22009', `time zone displacement out of range: "${text}"`)
  }
  return zone.startsWith('-') ? -total : total
}

/** Splits '5', '05', '0530', '053000', '05:30' or '05:30:00' into hours, minutes, seconds. */
function offsetFields(body: string): [number, number, number] {
  if (body.includes(':')) {
    const [h = '0', m = '0', sec = '0'] = body.split(':')
    return [Number(h), Number(m), Number(sec)]
  }
  const hourDigits =
    body.length <= 2 ? body.length : body.length <= 4 ? body.length - 2 : body.length - 4
  const rest = body.slice(hourDigits)
  return [
    Number(body.slice(0, hourDigits)),
    Number(rest.slice(0, 2) || '0'),
    Number(rest.slice(2) || '0'),
  ]
}

/** date input: a day number, ±Infinity for ±infinity. 22007 bad syntax, 22008 out of range. */
export function parseDate(text: string): number {
  const f = parseDateTime(text, 'date')
  if (f === 'infinity') return Number.POSITIVE_INFINITY
  if (f === '-infinity') return Number.NEGATIVE_INFINITY
  if (f === 'epoch') return 0
  const days = daysFromCivil(f.year, f.month, f.day)
  if (!dateInRange(days)) throw new SqlError('22008', `date out of range: "${text}"`)
  return days
}

/** timestamp / timestamptz input, microseconds since 1970 UTC. Without a zone the value is taken
 * as UTC (the session time zone); timestamp ignores a zone, as PostgreSQL does. */
export function parseTimestamp(text: string, withZone: boolean): bigint {
  const label = withZone ? 'timestamp with time zone' : 'timestamp'
  const f = parseDateTime(text, label)
  if (f === 'infinity') return TIMESTAMP_INFINITY
  if (f === '-infinity') return TIMESTAMP_NEG_INFINITY
  if (f === 'epoch') return 0n
  const local = BigInt(daysFromCivil(f.year, f.month, f.day)) * MICROS_PER_DAY + f.micros
  if (withZone && f.zoneName !== undefined) {
    // Validate before converting: an unknown zone is 22023 even for timestamp without zone.
    return fromLocal(local, zoneOf(f.zoneName))
  }
  if (f.zoneName !== undefined) zoneOf(f.zoneName)
  const offset = withZone ? BigInt(f.offsetSeconds ?? 0) * 1_000_000n : 0n
  const micros = local - offset
  if (!timestampInRange(micros)) throw new SqlError('22008', `timestamp out of range: "${text}"`)
  return micros
}

const pad = (n: number, width: number) => String(n).padStart(width, '0')

function formatYmd(days: number): { ymd: string; bc: boolean } {
  const { year, month, day } = civilFromDays(days)
  const bc = year <= 0
  return { ymd: `${pad(bc ? 1 - year : year, 4)}-${pad(month, 2)}-${pad(day, 2)}`, bc }
}

/** date output: 'YYYY-MM-DD', ' BC' for years before 1, 'infinity' / '-infinity'. */
export function formatDate(days: number): string {
  if (days === Number.POSITIVE_INFINITY) return 'infinity'
  if (days === Number.NEGATIVE_INFINITY) return '-infinity'
  const { ymd, bc } = formatYmd(days)
  return bc ? `${ymd} BC` : ymd
}

/** timestamp output 'YYYY-MM-DD HH:MM:SS[.ffffff]' (fraction without trailing zeros); timestamptz
 * adds '+00' (TimeZone UTC) before any ' BC'. */
export function formatTimestamp(micros: bigint, withZone: boolean): string {
  if (micros === TIMESTAMP_INFINITY) return 'infinity'
  if (micros === TIMESTAMP_NEG_INFINITY) return '-infinity'
  let days = micros / MICROS_PER_DAY
  let rem = micros % MICROS_PER_DAY
  if (rem < 0n) {
    rem += MICROS_PER_DAY
    days -= 1n
  }
  const { ymd, bc } = formatYmd(Number(days))
  return `${ymd} ${formatTime(rem)}${withZone ? '+00' : ''}${bc ? ' BC' : ''}`
}

/** time output, and a timestamp's time of day: 'HH:MM:SS' and the fraction without trailing
 * zeros. */
export function formatTime(micros: bigint): string {
  const secs = Number(micros / 1_000_000n)
  const frac = Number(micros % 1_000_000n)
  const hms = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`
  return frac === 0 ? hms : `${hms}.${pad(frac, 6).replace(/0+$/, '')}`
}

/** Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's internal timestamp epoch. */
const PG_EPOCH_MICROS = 946_684_800_000_000n

/** Rounds to `precision` fractional-second digits (timestamp(p) typmod), half away from zero on
 * PostgreSQL's internal value (microseconds since 2000-01-01), so halves before 2000 round down. */
export function roundTimestamp(micros: bigint, precision: number | undefined): bigint {
  if (precision === undefined || precision >= 6 || !isFiniteTimestamp(micros)) return micros
  const unit = 10n ** BigInt(6 - precision)
  const half = unit / 2n
  const t = micros - PG_EPOCH_MICROS
  const rounded = t >= 0n ? ((t + half) / unit) * unit : -((-t + half) / unit) * unit
  return rounded + PG_EPOCH_MICROS
}

/** The day of a timestamp (floor), for timestamp → date. */
export function timestampToDate(micros: bigint): number {
  if (micros === TIMESTAMP_INFINITY) return Number.POSITIVE_INFINITY
  if (micros === TIMESTAMP_NEG_INFINITY) return Number.NEGATIVE_INFINITY
  let days = micros / MICROS_PER_DAY
  if (micros % MICROS_PER_DAY < 0n) days -= 1n
  return Number(days)
}

/** date → timestamp; 22008 when the date lies beyond timestamp's range. */
export function dateToTimestamp(days: number): bigint {
  if (days === Number.POSITIVE_INFINITY) return TIMESTAMP_INFINITY
  if (days === Number.NEGATIVE_INFINITY) return TIMESTAMP_NEG_INFINITY
  const micros = BigInt(days) * MICROS_PER_DAY
  if (!timestampInRange(micros)) throw new SqlError('22008', 'date out of range for timestamp')
  return micros
}
