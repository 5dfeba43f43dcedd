// float8 arithmetic shared by operators and functions (ARCHITECTURE.md "query processor":
// evaluation): PostgreSQL's float.c checks, so `x ^ y` and power(x, y), `|/ x` and sqrt(x) agree.
import { SqlError } from '../../errors/index.ts'

const overflow = () => new SqlError('22003', 'value out of range: overflow')
const underflow = () => new SqlError('22003', 'value out of range: underflow')

/** A float8 result checked as PostgreSQL's float_overflow_error / float_underflow_error: an
 * infinite result of finite inputs overflows, a zero result where none is expected underflows. */
export function checkedFloat(r: number, inputsFinite: boolean, zeroOk: boolean): number {
  if (!Number.isFinite(r) && !Number.isNaN(r) && inputsFinite) throw overflow()
  if (r === 0 && !zeroOk) throw underflow()
  return r
}

/** PostgreSQL's dpow: 2201F for 0 to a negative power and a negative number to a non-integer
 * power, 22003 on overflow and underflow, and C's pow special cases where JavaScript differs. */
export function floatPower(x: number, y: number): number {
  if (x === 0 && y < 0) throw new SqlError('2201F', 'zero raised to a negative power is undefined')
  if (x < 0 && !Number.isInteger(y) && Number.isFinite(y)) {
    throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result')
  }
  if (x === 1 || y === 0) return 1
  // C's pow: (-1)^±Infinity is 1 (JavaScript says NaN).
  if (Math.abs(x) === 1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1
  const r = Math.pow(x, y)
  // A zero from finite, non-zero operands is an underflow (pow's ERANGE), whatever the signs.
  return checkedFloat(r, Number.isFinite(x) && Number.isFinite(y), x === 0 || !Number.isFinite(x) || !Number.isFinite(y))
}

/** PostgreSQL's dsqrt: 2201F below zero (-0 is not below zero, and stays -0). */
export function floatSqrt(x: number): number {
  if (x < 0) throw new SqlError('2201F', 'cannot take square root of a negative number')
  return Math.sqrt(x)
}
