// time (without time zone) input, output and arithmetic (ARCHITECTURE.md "query processor":
// values): microseconds since midnight, PostgreSQL's time_in/time_out and its interval operators.
import { SqlError } from '../../errors/index.ts'
import { MICROS_PER_DAY } from './constants.ts'
import { TIME_PART, clockMicros, fractionMicros, isFiniteTimestamp } from './datetime.ts'
import { Interval, splitTimestamp } from './interval.ts'

const TIME = new RegExp(
  String.raw`^(?:\d{4,}-\d{1,2}-\d{1,2}\s+|t)?` +
    `(?:${TIME_PART}|` +
    String.raw`(\d{2})(\d{2})(\d{2})?(?:\.(\d*))?)` +
    String.raw`(?:\s*(am|pm))?(?:\s*(?:z|zulu|utc|gmt|[+-]\d{1,2}(?::?\d{2})?))?$`,
  'i',
)

/** time input: 'HH:MM', 'HH:MM:SS[.f]', 'HHMM[SS]', with an optional AM/PM, a leading 'T' or
 * date and space, and a trailing UTC offset; PostgreSQL ignores the date and offset for time, and
 * so do we ('2024-01-01T10:00' is refused, as there). Up to 24:00:00; a fraction rounds to
 * microseconds (half to even, as rint). 22007 bad syntax, 22008 a field or the total out of
 * range. */
export function parseTime(text: string): bigint {
  const m = TIME.exec(text.trim())
  if (m === null) throw new SqlError('22007', `invalid input syntax for type time: "${text}"`)
  const outOfRange = () => new SqlError('22008', `date/time field value out of range: "${text}"`)
  let hour = Number(m[1] ?? m[5])
  const minute = Number(m[2] ?? m[6])
  const second = Number(m[3] ?? m[7] ?? 0)
  const fraction = fractionMicros(m[4] ?? m[8] ?? '')
  const meridiem = m[9]?.toLowerCase()
  if (meridiem !== undefined) {
    if (hour > 12) throw outOfRange()
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0)
  }
  const micros = clockMicros(hour, minute, second, fraction, text)
  if (micros > MICROS_PER_DAY) throw outOfRange()
  return micros
}

/** time(p): rounds half up to `precision` digits; 23:59:59.5 in time(0) becomes 24:00:00, as in
 * PostgreSQL. */
export function roundTime(micros: bigint, precision: number | undefined): bigint {
  if (precision === undefined || precision >= 6) return micros
  const unit = 10n ** BigInt(6 - precision)
  return ((micros + unit / 2n) / unit) * unit
}

/** The time of day of a timestamp (UTC, the session time zone); NULL for ±infinity, as
 * PostgreSQL's timestamp_time returns. */
export function timestampToTime(micros: bigint): bigint | null {
  return isFiniteTimestamp(micros) ? splitTimestamp(micros).time : null
}

/** interval → time: the time part modulo a day; months and days do not count. */
export function intervalToTime(iv: Interval): bigint {
  return wrap(iv.micros)
}

export function timeToInterval(micros: bigint): Interval {
  return new Interval(0, 0, micros)
}

/** time ± interval: only the interval's time part counts, and the result wraps around midnight. */
export function addIntervalToTime(micros: bigint, iv: Interval, sign: 1n | -1n): bigint {
  return wrap(micros + sign * iv.micros)
}

/** time - time: an interval of microseconds only (no days), negative when `a` is earlier. */
export function subtractTimes(a: bigint, b: bigint): Interval {
  return new Interval(0, 0, a - b)
}

function wrap(micros: bigint): bigint {
  const r = micros % MICROS_PER_DAY
  return r < 0n ? r + MICROS_PER_DAY : r
}
