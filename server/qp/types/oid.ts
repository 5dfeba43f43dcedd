// The oid type (ARCHITECTURE.md "query processor": values): PostgreSQL's unsigned 32-bit object
// identifier, its text input (oidin) and its casts from and to the integer types.
import { SqlError, assert } from '../../errors/index.ts'

/** The largest oid; a datum of type oid is a bigint in [0, OID_MAX]. */
export const OID_MAX = 0xffff_ffffn

const OID_MODULUS = OID_MAX + 1n
/** C's unsigned long on the 64-bit platforms PostgreSQL is built for (strtoul's range). */
const ULONG_MODULUS = 1n << 64n
/** C's isspace in the C locale: what strtoul skips before the number and oidin after it. */
const SPACE = ' \t\n\v\f\r'

/**
 * PostgreSQL's oidin (uint32in_subr): C's strtoul with base 0 on a 64-bit unsigned long, so
 * spaces, a sign, then `0x` hexadecimal, `0` octal or decimal digits, and only spaces after.
 * A negative value wraps as strtoul negates it ('-1' is 4294967295); what fits neither 32 bits
 * unsigned nor the sign extension of 32 bits signed is 22003 (so '-2147483648' is 2147483648 but
 * '-2147483649' is out of range). 22P02 for bad syntax, messages as PostgreSQL's.
 */
export function parseOid(text: string): bigint {
  const bad = () => new SqlError('22P02', `invalid input syntax for type oid: "${text}"`)
  let i = 0
  while (i < text.length && SPACE.includes(text[i] as string)) i++
  const negative = text[i] === '-'
  if (negative || text[i] === '+') i++
  const { magnitude, end } = strtoulDigits(text, i)
  if (end === i) throw bad()
  if (magnitude >= ULONG_MODULUS) throw outOfRange(text)
  let rest = end
  while (rest < text.length && SPACE.includes(text[rest] as string)) rest++
  if (rest < text.length) throw bad()
  const cvt = negative ? (ULONG_MODULUS - magnitude) % ULONG_MODULUS : magnitude
  const result = cvt % OID_MODULUS
  // PostgreSQL accepts the 64-bit value when it is the 32-bit result itself or that result
  // read as a signed int and sign-extended (what a negative int4 written as text gives).
  const signExtended = result >= 1n << 31n ? ULONG_MODULUS - OID_MODULUS + result : result
  if (cvt !== result && cvt !== signExtended) throw outOfRange(text)
  return result
}

function outOfRange(text: string): SqlError {
  return new SqlError('22003', `value "${text}" is out of range for type oid`)
}

/** The digits strtoul reads from `start` with base 0, and where they end (`start` when none: a
 * lone `0x` reads as the digit 0, ending before the x, as glibc's strtoul does). */
function strtoulDigits(text: string, start: number): { readonly magnitude: bigint; readonly end: number } {
  let base = 10n
  let i = start
  if (text[i] === '0') {
    const hex = (text[i + 1] === 'x' || text[i + 1] === 'X') && digitValue(text[i + 2], 16n) !== undefined
    base = hex ? 16n : 8n
    if (hex) i += 2
  }
  let magnitude = 0n
  // Bounded by the text's length; digits beyond 64 bits still count as consumed, as strtoul's do.
  for (; i < text.length; i++) {
    const d = digitValue(text[i], base)
    if (d === undefined) break
    if (magnitude < ULONG_MODULUS) magnitude = magnitude * base + d
  }
  return { magnitude, end: i }
}

function digitValue(c: string | undefined, base: bigint): bigint | undefined {
  if (c === undefined || !/^[0-9a-fA-F]$/.test(c)) return undefined
  const d = BigInt(parseInt(c, 16))
  return d < base ? d : undefined
}

/** int2 or int4 to oid: the bits as unsigned, as PostgreSQL's binary int4 → oid cast reads them
 * (-1 is 4294967295). */
export function oidOfSigned32(n: bigint): bigint {
  assert(n >= -(1n << 31n) && n < 1n << 31n, 'an int2 or int4 value')
  return n < 0n ? n + OID_MODULUS : n
}

/** int8 to oid (PostgreSQL's int8 → oid cast): 22003 'OID out of range' beyond 32 bits unsigned. */
export function oidOfInt8(n: bigint): bigint {
  if (n < 0n || n > OID_MAX) throw new SqlError('22003', 'OID out of range')
  return n
}

/** oid to int4: the same bits read as signed (4294967295 is -1), PostgreSQL's binary cast. */
export function int4OfOid(n: bigint): bigint {
  return n >= 1n << 31n ? n - OID_MODULUS : n
}
