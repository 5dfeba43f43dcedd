// Limits of the SQL type system (ARCHITECTURE.md "query processor"): PostgreSQL 16's own bounds,
// so values Tessera accepts are values PostgreSQL accepts and the reverse.
import { assert } from '../../errors/index.ts'

/** numeric(p,s): largest declared precision (PostgreSQL's NUMERIC_MAX_PRECISION). */
export const NUMERIC_PRECISION_MAX = 1000
/** numeric(p,s): declared scale range (PostgreSQL 15+ allows negative scales). */
export const NUMERIC_SCALE_MIN = -1000
export const NUMERIC_SCALE_MAX = 1000
/** Division and exponent results never carry more digits after the point than this. */
export const NUMERIC_DISPLAY_SCALE_MAX = 1000
/** Division keeps at least this many significant digits (NUMERIC_MIN_SIG_DIGITS). */
export const NUMERIC_SIG_DIGITS_MIN = 16
/** Digits before the point a numeric may hold (PostgreSQL: weight 0x7FFF of base-10000 digits). */
export const NUMERIC_INTEGER_DIGITS_MAX = 131072
/** Digits after the point a numeric may hold (NUMERIC_DSCALE_MAX). */
export const NUMERIC_FRACTION_DIGITS_MAX = 16383
/** numeric input: largest |exponent| in '1e...' (PostgreSQL rejects larger as bad syntax). */
export const NUMERIC_EXPONENT_MAX = 1000

/** varchar(n): largest n (PostgreSQL's MaxAttrSize in characters). */
export const VARCHAR_LENGTH_MAX = 10485760
/** timestamp(p): largest fractional-second precision. */
export const TIMESTAMP_PRECISION_MAX = 6

export const INT2_MIN = -32768n
export const INT2_MAX = 32767n
export const INT4_MIN = -2147483648n
export const INT4_MAX = 2147483647n
export const INT8_MIN = -9223372036854775808n
export const INT8_MAX = 9223372036854775807n

export const MICROS_PER_DAY = 86_400_000_000n
/** Days from 1970-01-01 to 4714-11-24 BC (Julian day 0), PostgreSQL's first date. */
export const DATE_DAYS_MIN = -2440588
/** Days from 1970-01-01 to 5874898-01-01, one past PostgreSQL's last date. */
export const DATE_DAYS_END = 2145042906
/** First timestamp PostgreSQL accepts (4714-11-24 00:00 BC), microseconds since 1970. */
export const TIMESTAMP_MICROS_MIN = -210866803200000000n
/** One past the last timestamp PostgreSQL accepts (294277-01-01 00:00), microseconds since 1970. */
export const TIMESTAMP_MICROS_END = 9224318016000000000n
/** 'infinity' and '-infinity' timestamps: outside the finite range, so they order correctly. */
export const TIMESTAMP_INFINITY = 2n ** 64n
export const TIMESTAMP_NEG_INFINITY = -(2n ** 64n)
/** Largest time zone displacement PostgreSQL accepts, in seconds (15:59:59). */
export const TZ_OFFSET_SECONDS_MAX = 15 * 3600 + 59 * 60 + 59

assert(NUMERIC_SIG_DIGITS_MIN <= NUMERIC_DISPLAY_SCALE_MAX, 'division scale bounds')
assert(NUMERIC_DISPLAY_SCALE_MAX <= NUMERIC_FRACTION_DIGITS_MAX, 'display scale within dscale')
assert(TIMESTAMP_INFINITY > TIMESTAMP_MICROS_END, 'infinity above every finite timestamp')
assert(TIMESTAMP_NEG_INFINITY < TIMESTAMP_MICROS_MIN, '-infinity below every finite timestamp')
assert(
  BigInt(DATE_DAYS_MIN) * MICROS_PER_DAY === TIMESTAMP_MICROS_MIN,
  'first date is first timestamp',
)
