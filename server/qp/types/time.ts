// time (without time zone) input, output and arithmetic (ARCHITECTURE.md "query processor":
// values): microseconds since midnight, PostgreSQL's time_in/time_out and its interval operators.
import { MICROS_PER_DAY } from './constants.ts'
import { isFiniteTimestamp } from './datetime.ts'
import { decodeTime } from './datetime-input.ts'
import { Interval, splitTimestamp } from './interval.ts'

/** time input (time_in): microseconds since midnight, up to 24:00:00. Reads what PostgreSQL
 * reads ('04:05 PM', '040506', 'T10:00', 'allballs', 'now' with `nowUs`; a date, offset or zone
 * is checked and dropped, see `decodeTime`); a fraction beyond microseconds rounds half to even,
 * as rint does. 22007 bad syntax, 22008 a field or the total out of range. */
export function parseTime(text: string, nowUs?: bigint): bigint {
  const f = decodeTime(text, nowUs)
  return BigInt((f.hour * 60 + f.minute) * 60 + f.second) * 1_000_000n + BigInt(f.fsec)
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
