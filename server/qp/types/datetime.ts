// date, timestamp and timestamptz input and output (ARCHITECTURE.md "query processor": values):
// input reads what PostgreSQL reads (datetime-input.ts), output is DateStyle ISO in TimeZone UTC;
// proleptic Gregorian calendar.
import { SqlError } from '../../errors/index.ts'
import { decodeDateTime } from './datetime-input.ts'
import { offsetFromLocal } from './time-zone.ts'
import {
  DATE_DAYS_END,
  DATE_DAYS_MIN,
  MICROS_PER_DAY,
  TIMESTAMP_INFINITY,
  TIMESTAMP_MICROS_END,
  TIMESTAMP_MICROS_MIN,
  TIMESTAMP_NEG_INFINITY,
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

/** Julian-day range PostgreSQL's calendar code accepts (IS_VALID_JULIAN): 4714-11-01 BC (year
 * -4713, astronomical) up to 5874898-06-01, checked before a date is turned into a day number. */
export function validJulian(year: number, month: number): boolean {
  const afterFirst = year > -4713 || (year === -4713 && month >= 11)
  return afterFirst && (year < 5874898 || (year === 5874898 && month < 6))
}

/** date input (date_in): a day number, ±Infinity for ±infinity; `nowUs` serves 'today' and the
 * like (0A000 without it). 22007 bad syntax, 22008 out of range (see `decodeDateTime`). */
export function parseDate(text: string, nowUs?: bigint): number {
  const f = decodeDateTime(text, 'date', nowUs)
  if (f === 'infinity') return Number.POSITIVE_INFINITY
  if (f === '-infinity') return Number.NEGATIVE_INFINITY
  if (f === 'epoch') return 0
  const days = validJulian(f.year, f.month) ? daysFromCivil(f.year, f.month, f.day) : Number.NaN
  if (!(days >= DATE_DAYS_MIN && days < DATE_DAYS_END)) {
    throw new SqlError('22008', `date out of range: "${text}"`)
  }
  return days
}

/** timestamp / timestamptz input (timestamp_in, timestamptz_in), microseconds since 1970 UTC.
 * Without a zone the text is local time in the session's zone, UTC; timestamp drops a zone, as
 * PostgreSQL does, after checking it. */
export function parseTimestamp(text: string, withZone: boolean, nowUs?: bigint): bigint {
  const f = decodeDateTime(text, withZone ? 'timestamp with time zone' : 'timestamp', nowUs)
  if (f === 'infinity') return TIMESTAMP_INFINITY
  if (f === '-infinity') return TIMESTAMP_NEG_INFINITY
  if (f === 'epoch') return 0n
  const outOfRange = () => new SqlError('22008', `timestamp out of range: "${text}"`)
  if (!validJulian(f.year, f.month)) throw outOfRange()
  const days = daysFromCivil(f.year, f.month, f.day)
  const seconds = (f.hour * 60 + f.minute) * 60 + f.second
  let micros = BigInt(days) * MICROS_PER_DAY + BigInt(seconds) * 1_000_000n + BigInt(f.fsec)
  if (withZone && f.zone !== undefined) {
    const east =
      'offsetSeconds' in f.zone
        ? f.zone.offsetSeconds
        : offsetFromLocal(days * 86400 + seconds, f.zone.zone)
    micros -= BigInt(east) * 1_000_000n
  }
  if (!timestampInRange(micros)) throw outOfRange()
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
