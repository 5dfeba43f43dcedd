// Operators of the query processor (ARCHITECTURE.md "query processor": evaluation): PostgreSQL's
// operator resolution for arithmetic, comparison and concatenation, with its overflow errors.
import { SqlError, divisionByZero } from '../../errors/index.ts'
import { castToText } from './casts.ts'
import { comparisonType, numericOperandType } from './common-type.ts'
import { compare } from './compare.ts'
import {
  dateInRange,
  dateToTimestamp,
  isFiniteDate,
  isFiniteTimestamp,
  timestampInRange,
} from './datetime.ts'
import { Decimal } from './decimal.ts'
import { powerDecimal } from './decimal-math.ts'
import { floatPower, floatSqrt } from './float-math.ts'
import { arrayContains, arrayOverlaps } from './array.ts'
import { canCast } from './casts.ts'
import {
  Interval,
  addIntervalToTimestamp,
  addIntervals,
  divInterval,
  mulInterval,
  negateInterval,
  subIntervals,
  subtractTimestamps,
} from './interval.ts'
import { Jsonb } from './jsonb.ts'
import { RecordValue, comparableFields, compareRecords } from './record.ts'
import { addIntervalToTime, subtractTimes } from './time.ts'
import {
  jsonContains,
  jsonDeleteIndex,
  jsonDeleteKey,
  jsonDeletePath,
  jsonField,
  jsonHasKey,
  jsonPath,
  jsonText,
} from './jsonb-ops.ts'
import { checkInt, type IntKind } from './number-io.ts'
import { checkArrayLength, checkTextLength } from './value-limits.ts'
import {
  arrayType,
  baseType,
  boolType,
  elementType,
  float8Type,
  intervalType,
  timestampType,
  timeType,
  unknownType,
  byteaType,
  dateType,
  int4Type,
  isFloatType,
  isIntegerType,
  isNumericType,
  isStringType,
  jsonbType,
  textType,
  type Datum,
  type SqlType,
} from './sql-type.ts'

/** A resolved operator: result type, argument types to cast to first, and the function. */
export interface ResolvedOperator {
  readonly resultType: SqlType
  readonly leftType: SqlType
  readonly rightType: SqlType
  /** Applied to non-null arguments already cast to leftType/rightType. Raises 22003 on
   * overflow, 22012 on division by zero. */
  readonly apply: (a: Datum, b: Datum) => Datum
  /** false when the operator must also be applied to NULL operands (array ||, as PostgreSQL's
   * array_cat/array_append are not strict: `ARRAY[1] || NULL` is {1}); absent means strict. */
  readonly strict?: false
}

export interface ResolvedUnaryOperator {
  readonly resultType: SqlType
  /** The type to cast the operand to first, when it is not the operand's own (`|/ 2` is float8). */
  readonly argType?: SqlType
  readonly apply: (a: Datum) => Datum
}

type Binary = (a: Datum, b: Datum) => Datum

const COMPARISONS: Readonly<Record<string, (c: number) => boolean>> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
}

/** Resolves a binary operator (`+ - * / % ^`, the integer bit operators `& | # << >>`, `||`,
 * `^@`, `= <> != < <= > >=`, the pattern comparisons `~<~ ~<=~ ~>=~ ~>~`, the array operators
 * `@> <@ &&`, the jsonb operators `-> ->> #> #>> @> <@ ? ?| ?& - #-`, and date, timestamp and
 * interval arithmetic) for the operand types the way PostgreSQL does. Undefined when no operator
 * exists (the caller raises 42883). */
export function resolveBinary(
  op: string,
  left: SqlType,
  right: SqlType,
): ResolvedOperator | undefined {
  const test = COMPARISONS[op]
  if (test !== undefined && left.kind === 'record' && right.kind === 'record') {
    // record_eq / record_cmp: fields compared in their own types, a NULL field equal to a NULL.
    const types = comparableFields(left, right)
    return { resultType: boolType, leftType: left, rightType: right, apply: (a, b) => test(compareRecords(a as RecordValue, b as RecordValue, types, compare)) }
  }
  if (test !== undefined) {
    const t = comparisonType(left, right)
    if (t === undefined) return undefined
    return {
      resultType: boolType,
      leftType: t,
      rightType: t,
      apply: (a, b) => test(compare(a, b, t)),
    }
  }
  if (op === '||') return resolveArrayConcat(left, right) ?? resolveConcat(left, right)
  if (op === '^') return resolvePower(left, right)
  if (op === '<<' || op === '>>') return resolveShift(op, left, right)
  if (op === '^@') return resolveStartsWith(left, right)
  const pattern = PATTERN_COMPARISONS[op]
  if (pattern !== undefined) return resolvePatternComparison(pattern, left, right)
  if (left.kind === 'jsonb' || right.kind === 'jsonb') {
    const json = resolveJsonb(op, left, right)
    if (json !== undefined) return json
  }
  if (left.kind === 'array' || right.kind === 'array') return resolveArrayOperator(op, left, right)
  if (left.kind === 'time' || right.kind === 'time') return resolveTimeArithmetic(op, left, right)
  const datetime = resolveIntervalArithmetic(op, left, right)
  if (datetime !== undefined) return datetime
  // An unknown literal is taken to be of the other operand's type (PostgreSQL's first heuristic).
  const l = left.kind === 'unknown' ? right : left
  const r = right.kind === 'unknown' ? left : right
  if (l.kind === 'date' || r.kind === 'date') return resolveDateArithmetic(op, l, r)
  if (!isNumericType(l) || !isNumericType(r)) return undefined
  const t = numericOperandType(l, r)
  const apply = arithmetic(op, t)
  return apply === undefined ? undefined : { resultType: t, leftType: t, rightType: t, apply }
}

/** Resolves the prefix operators: `-` and `+` on numeric types and interval, `@` (absolute value),
 * `~` (bitwise not, integers), `|/` (square root) and `||/` (cube root, both float8). The operand
 * is never `unknown` here: the binder settles it first (see unknownUnaryOperandType). */
export function resolveUnary(op: string, operand: SqlType): ResolvedUnaryOperator | undefined {
  if (operand.kind === 'interval' && (op === '-' || op === '+')) {
    const apply = op === '-' ? (a: Datum) => negateInterval(a as Interval) : (a: Datum) => a
    return { resultType: intervalType, apply }
  }
  if (!isNumericType(operand)) return undefined
  const t: SqlType = operand.kind === 'numeric' ? { kind: 'numeric' } : operand
  switch (op) {
    case '+':
      return { resultType: t, apply: (a) => a }
    case '-':
    case '@':
      return { resultType: t, apply: signOperator(op, t) }
    case '~': {
      // The complement of a two's complement integer always fits its type.
      if (!isIntegerType(t)) return undefined
      return { resultType: t, apply: (a) => ~(a as bigint) }
    }
    case '|/':
      return { resultType: float8Type, argType: float8Type, apply: (a) => floatSqrt(a as number) }
    case '||/':
      // C's cbrt: exact for perfect cubes, never out of range.
      return { resultType: float8Type, argType: float8Type, apply: (a) => Math.cbrt(a as number) }
    default:
      return undefined
  }
}

/** Negation and absolute value; on integers 22003 for the one value whose negation does not fit
 * (PostgreSQL's int4um and int4abs: `@ -2147483648` is 'integer out of range'). */
function signOperator(op: '-' | '@', t: SqlType): (a: Datum) => Datum {
  const abs = op === '@'
  switch (t.kind) {
    case 'int2':
    case 'int4':
    case 'int8': {
      const kind = t.kind
      return (a) => {
        const v = a as bigint
        return abs && v >= 0n ? v : checkInt(-v, kind)
      }
    }
    case 'float4':
    case 'float8':
      return abs ? (a) => Math.abs(a as number) : (a) => -(a as number)
    default:
      return abs ? (a) => (a as Decimal).abs() : (a) => (a as Decimal).neg()
  }
}

/** The type an untyped literal or parameter operand of a prefix operator is read as, as
 * PostgreSQL's resolution picks among the operator's candidates: float8 (the numeric category's
 * preferred type) for `@`, `|/` and `||/`; for `~` the integer candidates tie, 42725. Undefined
 * for the other operators (the binder's own rule applies). */
export function unknownUnaryOperandType(op: string): SqlType | undefined {
  if (op === '@' || op === '|/' || op === '||/') return float8Type
  if (op === '~') throw new SqlError('42725', `operator is not unique: ${op} unknown`, { hint: NOT_UNIQUE_HINT })
  return undefined
}

const NOT_UNIQUE_HINT = 'Could not choose a best candidate operator. You might need to add explicit type casts.'

/** Operators of one candidate in PostgreSQL, which two untyped operands take: jsonb's. */
const ONLY_CANDIDATE: Readonly<Record<string, readonly [SqlType, SqlType]>> = {
  '?': [jsonbType, textType],
  '?&': [jsonbType, { kind: 'array', element: textType }],
  '#-': [jsonbType, { kind: 'array', element: textType }],
}

/** Operators PostgreSQL has several candidates of, none of them text and text, so two untyped
 * operands match none better (42725): the arithmetic, integer bit, containment, overlap and
 * jsonb path operators. */
const AMBIGUOUS_FOR_UNKNOWNS: ReadonlySet<string> = new Set([
  '+', '-', '*', '/', '%', '&', '|', '#', '<<', '>>', '@>', '<@', '&&', '->', '->>', '#>', '#>>', '?|',
])

/** The types two untyped operands (literals or parameters) of a binary operator are read as, as
 * PostgreSQL's oper_select_candidate settles them: float8 for `^` (both candidates are numeric,
 * float8 is preferred), text for the operators with a text-and-text candidate (comparisons,
 * `||`, LIKE and regular expression matching, `^@`, `~<~`: the string category is preferred for
 * unknowns), the one candidate's types where there is one, and 42725 where several candidates
 * tie ('1' + '2'). An operator Tessera does not know reads them as text, so it is reported
 * missing (42883) for text operands. */
export function unknownOperandsType(op: string): readonly [SqlType, SqlType] {
  if (op === '^') return [float8Type, float8Type]
  const only = ONLY_CANDIDATE[op]
  if (only !== undefined) return only
  if (AMBIGUOUS_FOR_UNKNOWNS.has(op)) {
    throw new SqlError('42725', `operator is not unique: unknown ${op} unknown`, { hint: NOT_UNIQUE_HINT })
  }
  return [textType, textType]
}

/** Operators whose resolution reads an untyped parameter operand itself (resolveBinary), instead
 * of taking it to be of the other operand's type: `$1 ^ 2` is float8 ^ float8 and `2 << $1`
 * shifts by an int4, where int4 ^ int4 and int8 << int8 do not exist. */
export const OPERATORS_RESOLVING_UNKNOWN: ReadonlySet<string> = new Set(['^', '<<', '>>'])

/** `x ^ y`: float8 ^ float8 or numeric ^ numeric. As PostgreSQL picks: numeric when an operand is
 * numeric and none is a float (float4 and float8 do not cast to numeric implicitly), else float8,
 * the preferred type (2 ^ 3 is float8). */
function resolvePower(left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const known = [left, right].filter((t) => t.kind !== 'unknown')
  if (!known.every(isNumericType)) return undefined
  if (known.some((t) => t.kind === 'numeric') && !known.some(isFloatType)) {
    const n: SqlType = { kind: 'numeric' }
    return op3(n, n, n, (a, b) => powerDecimal(a as Decimal, b as Decimal))
  }
  return op3(float8Type, float8Type, float8Type, (a, b) => floatPower(a as number, b as number))
}

/** Bits per integer type: the shift count is taken modulo the width the operand is shifted in. */
const SHIFT_WIDTH: Readonly<Record<string, bigint>> = { int2: 32n, int4: 32n, int8: 64n }
const RESULT_BITS: Readonly<Record<string, number>> = { int2: 16, int4: 32, int8: 64 }

/** `x << n`, `x >> n` for int2, int4 and int8 x and an int4 count (int2 << int2 casts the count;
 * an int8 count is 42883, as in PostgreSQL). The result keeps x's type and wraps, never 22003:
 * PostgreSQL shifts with C's operators, on machines that take the count modulo the width the
 * operand is promoted to (32 bits for int2 and int4, 64 for int8), and truncates int2 back to 16
 * bits, so `1 << 32` is 1 and `1::int2 << 16` is 0. */
function resolveShift(op: '<<' | '>>', left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const l = left.kind === 'unknown' ? int4Type : left
  const rightOk = right.kind === 'unknown' || right.kind === 'int2' || right.kind === 'int4'
  if (!isIntegerType(l) || !rightOk) return undefined
  const width = SHIFT_WIDTH[l.kind] as bigint
  const bits = RESULT_BITS[l.kind] as number
  const apply: Binary =
    op === '<<'
      ? (a, b) => BigInt.asIntN(bits, (a as bigint) << BigInt.asUintN(64, b as bigint) % width)
      : (a, b) => BigInt.asIntN(bits, (a as bigint) >> BigInt.asUintN(64, b as bigint) % width)
  return op3(l, l, int4Type, apply)
}

/** `s ^@ prefix`: starts_with (text, text). */
/** The pattern comparison operators (text_pattern_ops' order): byte-wise, whatever the collation. */
const PATTERN_COMPARISONS: Readonly<Record<string, (c: number) => boolean>> = {
  '~<~': (c) => c < 0,
  '~<=~': (c) => c <= 0,
  '~>=~': (c) => c >= 0,
  '~>~': (c) => c > 0,
}

/** `a ~<~ b` on text, or on bpchar when an operand is bpchar and the other bpchar, varchar or
 * untyped (PostgreSQL's pick: bpchar's operator then matches one operand exactly and varchar casts
 * to bpchar implicitly; against text, text's wins). bpchar's trailing spaces do not count, as
 * bpchar_pattern_lt strips them. Tessera's text order is already the
 * bytes' (C collation), so these are `<` and friends restricted to strings. */
function resolvePatternComparison(test: (c: number) => boolean, left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const textLike = (t: SqlType) => isStringType(t) || t.kind === 'unknown'
  if (!textLike(left) || !textLike(right)) return undefined
  const operands = [left, right]
  const bpchar = operands.some((t) => t.kind === 'bpchar') && operands.every((t) => t.kind === 'bpchar' || t.kind === 'varchar' || t.kind === 'unknown')
  const t: SqlType = bpchar ? { kind: 'bpchar' } : textType
  return op3(boolType, t, t, (a, b) => test(compare(a, b, t)))
}

function resolveStartsWith(left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const textLike = (t: SqlType) => isStringType(t) || t.kind === 'unknown'
  if (!textLike(left) || !textLike(right)) return undefined
  return op3(boolType, textType, textType, (a, b) => (a as string).startsWith(b as string))
}

function arithmetic(op: string, t: SqlType): Binary | undefined {
  switch (t.kind) {
    case 'int2':
    case 'int4':
    case 'int8':
      return intArithmetic(op, t.kind)
    case 'float4':
    case 'float8':
      return floatArithmetic(op, t.kind)
    case 'numeric':
      return numericArithmetic(op)
    default:
      return undefined
  }
}

function intArithmetic(op: string, kind: IntKind): Binary | undefined {
  const ints =
    (f: (x: bigint, y: bigint) => bigint): Binary =>
    (a, b) =>
      checkInt(f(a as bigint, b as bigint), kind)
  switch (op) {
    case '+':
      return ints((x, y) => x + y)
    case '-':
      return ints((x, y) => x - y)
    case '*':
      return ints((x, y) => x * y)
    case '/':
      // bigint division truncates toward zero, like C; MIN / -1 overflows and is caught.
      return ints((x, y) => {
        if (y === 0n) throw divisionByZero()
        return x / y
      })
    case '%':
      return ints((x, y) => {
        if (y === 0n) throw divisionByZero()
        return x % y
      })
    // Bitwise AND, OR and XOR (PostgreSQL's # ): the result always fits the operands' type.
    case '&':
      return ints((x, y) => x & y)
    case '|':
      return ints((x, y) => x | y)
    case '#':
      return ints((x, y) => x ^ y)
    default:
      return undefined
  }
}

function floatArithmetic(op: string, kind: 'float4' | 'float8'): Binary | undefined {
  const narrow = kind === 'float4' ? Math.fround : (x: number) => x
  const checked =
    (f: (x: number, y: number) => number, zeroOk: (x: number, y: number) => boolean): Binary =>
    (a, b) => {
      const x = a as number
      const y = b as number
      const r = narrow(f(x, y))
      if (!Number.isFinite(r) && !Number.isNaN(r) && Number.isFinite(x) && Number.isFinite(y)) {
        throw new SqlError('22003', 'value out of range: overflow')
      }
      if (r === 0 && !zeroOk(x, y)) throw new SqlError('22003', 'value out of range: underflow')
      return r
    }
  const always = () => true
  switch (op) {
    case '+':
      return checked((x, y) => x + y, always)
    case '-':
      return checked((x, y) => x - y, always)
    case '*':
      return checked(
        (x, y) => x * y,
        (x, y) => x === 0 || y === 0,
      )
    case '/':
      return (a, b) => {
        if (b === 0 && !Number.isNaN(a)) throw divisionByZero()
        return checked(
          (x, y) => x / y,
          (x, y) => x === 0 || !Number.isFinite(y),
        )(a, b)
      }
    default:
      // PostgreSQL has no % for floats.
      return undefined
  }
}

function numericArithmetic(op: string): Binary | undefined {
  const dec =
    (f: (x: Decimal, y: Decimal) => Decimal): Binary =>
    (a, b) =>
      f(a as Decimal, b as Decimal)
  switch (op) {
    case '+':
      return dec((x, y) => x.add(y))
    case '-':
      return dec((x, y) => x.sub(y))
    case '*':
      return dec((x, y) => x.mul(y))
    case '/':
      return dec((x, y) => x.div(y))
    case '%':
      return dec((x, y) => x.mod(y))
    default:
      return undefined
  }
}

/** date + int4, int4 + date, date - int4 → date; date - date → int4 (days). */
function resolveDateArithmetic(op: string, l: SqlType, r: SqlType): ResolvedOperator | undefined {
  const intOperand = (t: SqlType) => isIntegerType(t) && t.kind !== 'int8'
  if (op === '-' && l.kind === 'date' && r.kind === 'date') {
    return { resultType: int4Type, leftType: dateType, rightType: dateType, apply: dateDiff }
  }
  if ((op === '+' || op === '-') && l.kind === 'date' && intOperand(r)) {
    const sign = op === '+' ? 1 : -1
    return {
      resultType: dateType,
      leftType: dateType,
      rightType: int4Type,
      apply: (a, b) => addDays(a as number, sign * Number(b as bigint)),
    }
  }
  if (op === '+' && intOperand(l) && r.kind === 'date') {
    return {
      resultType: dateType,
      leftType: int4Type,
      rightType: dateType,
      apply: (a, b) => addDays(b as number, Number(a as bigint)),
    }
  }
  return undefined
}

function addDays(days: number, n: number): number {
  if (!isFiniteDate(days)) return days
  const result = days + n
  if (!dateInRange(result)) throw new SqlError('22008', 'date out of range')
  return result
}

function dateDiff(a: Datum, b: Datum): Datum {
  const x = a as number
  const y = b as number
  if (!isFiniteDate(x) || !isFiniteDate(y)) {
    throw new SqlError('22008', 'cannot subtract infinite dates')
  }
  return BigInt(x - y)
}

/** `||`: jsonb || jsonb, bytea || bytea, and text || anything (the non-text side as cast to
 * text, PostgreSQL's textanycat/anytextcat). */
function resolveConcat(left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const lk = left.kind
  const rk = right.kind
  const both = (k: string) => (lk === k || lk === 'unknown') && (rk === k || rk === 'unknown')
  if (lk !== 'unknown' || rk !== 'unknown') {
    if (both('jsonb')) {
      return {
        resultType: jsonbType,
        leftType: jsonbType,
        rightType: jsonbType,
        apply: jsonbConcat,
      }
    }
    if (both('bytea')) {
      return {
        resultType: byteaType,
        leftType: byteaType,
        rightType: byteaType,
        apply: bytesConcat,
      }
    }
  }
  const textLike = (t: SqlType) => isStringType(t) || t.kind === 'unknown'
  if (!textLike(left) && !textLike(right)) return undefined
  const lt = textLike(left) ? textType : left
  const rt = textLike(right) ? textType : right
  return {
    resultType: textType,
    leftType: lt,
    rightType: rt,
    apply: (a, b) => {
      const out = castToText(a, lt) + castToText(b, rt)
      checkTextLength(out.length)
      return out
    },
  }
}

function bytesConcat(a: Datum, b: Datum): Datum {
  const x = a as Uint8Array
  const y = b as Uint8Array
  checkTextLength(x.length + y.length)
  const out = new Uint8Array(x.length + y.length)
  out.set(x, 0)
  out.set(y, x.length)
  return out
}

/** PostgreSQL's jsonb_concat: arrays append, objects merge (right wins), a scalar or object
 * beside an array becomes a one-element array. */
function jsonbConcat(a: Datum, b: Datum): Datum {
  const x = (a as Jsonb).value
  const y = (b as Jsonb).value
  const isObject = (v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Decimal)
  if (isObject(x) && isObject(y)) {
    const merged: Record<string, unknown> = {}
    for (const [k, v] of [...Object.entries(x as object), ...Object.entries(y as object)]) {
      Object.defineProperty(merged, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return new Jsonb(merged)
  }
  const asArray = (v: unknown) => (Array.isArray(v) ? v : [v])
  return new Jsonb([...asArray(x), ...asArray(y)])
}

// ---------------------------------------------------------------------------------------------
// Interval and timestamp arithmetic

const isTimestamp = (t: SqlType) => t.kind === 'timestamp' || t.kind === 'timestamptz'

const op3 = (resultType: SqlType, leftType: SqlType, rightType: SqlType, apply: Binary) => ({
  resultType,
  leftType,
  rightType,
  apply,
})

/** timestamp ± interval, date ± interval (→ timestamp), timestamp − timestamp (→ interval),
 * interval ± interval, interval × / number. An unknown operand beside a timestamp is an interval
 * for `+`, and a timestamp of the same type for `-`, as PostgreSQL's resolution picks. */
function resolveIntervalArithmetic(op: string, left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const involves = (k: string) => left.kind === k || right.kind === k
  if (!involves('interval') && !involves('timestamp') && !involves('timestamptz')) return undefined
  const guess = (t: SqlType, other: SqlType): SqlType => {
    if (t.kind !== 'unknown') return t
    if (other.kind === 'interval') return other
    if (op === '+' || op === '*' || op === '/') return intervalType
    return other
  }
  const l = guess(left, right)
  const r = guess(right, left)
  const plus = (ts: Datum, i: Datum) => addIntervalToTimestamp(ts as bigint, i as Interval)
  const minus = (ts: Datum, i: Datum) => addIntervalToTimestamp(ts as bigint, negateInterval(i as Interval))
  if (l.kind === 'interval' && r.kind === 'interval') {
    if (op === '+') return op3(intervalType, intervalType, intervalType, (a, b) => addIntervals(a as Interval, b as Interval))
    if (op === '-') return op3(intervalType, intervalType, intervalType, (a, b) => subIntervals(a as Interval, b as Interval))
    return undefined
  }
  if (l.kind === 'interval' && isNumericType(r)) {
    if (op === '*') return op3(intervalType, intervalType, float8Type, (a, b) => mulInterval(a as Interval, b as number))
    if (op === '/') return op3(intervalType, intervalType, float8Type, (a, b) => divInterval(a as Interval, b as number))
    return undefined
  }
  if (isNumericType(l) && r.kind === 'interval' && op === '*') {
    return op3(intervalType, float8Type, intervalType, (a, b) => mulInterval(b as Interval, a as number))
  }
  const asTs = (t: SqlType) => (t.kind === 'date' ? timestampType : t)
  if ((isTimestamp(l) || l.kind === 'date') && r.kind === 'interval') {
    const ts = asTs(l)
    if (op === '+') return op3(ts, ts, intervalType, plus)
    if (op === '-') return op3(ts, ts, intervalType, minus)
    return undefined
  }
  if (l.kind === 'interval' && (isTimestamp(r) || r.kind === 'date') && op === '+') {
    const ts = asTs(r)
    return op3(ts, intervalType, ts, (a, b) => plus(b, a))
  }
  if (op === '-' && (isTimestamp(l) || l.kind === 'date') && (isTimestamp(r) || r.kind === 'date')) {
    if (l.kind === 'date' && r.kind === 'date') return undefined
    const t = comparisonType(l, r)
    if (t === undefined) return undefined
    return op3(intervalType, t, t, (a, b) => subtractTimestamps(a as bigint, b as bigint))
  }
  return undefined
}

/** time ± interval → time (wrapping around midnight), interval + time → time, time − time →
 * interval, date + time and time + date → timestamp. An unknown operand is an interval for `+`
 * and a time for `-`, as PostgreSQL's resolution picks. */
function resolveTimeArithmetic(op: string, left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const guess = (t: SqlType, other: SqlType): SqlType => {
    if (t.kind !== 'unknown') return t
    return op === '+' ? intervalType : other
  }
  const l = guess(left, right)
  const r = guess(right, left)
  if (l.kind === 'time' && r.kind === 'interval') {
    if (op === '+') return op3(timeType, timeType, intervalType, (a, b) => addIntervalToTime(a as bigint, b as Interval, 1n))
    if (op === '-') return op3(timeType, timeType, intervalType, (a, b) => addIntervalToTime(a as bigint, b as Interval, -1n))
    return undefined
  }
  if (l.kind === 'interval' && r.kind === 'time' && op === '+') {
    return op3(timeType, intervalType, timeType, (a, b) => addIntervalToTime(b as bigint, a as Interval, 1n))
  }
  if (l.kind === 'time' && r.kind === 'time' && op === '-') {
    return op3(intervalType, timeType, timeType, (a, b) => subtractTimes(a as bigint, b as bigint))
  }
  if (l.kind === 'date' && r.kind === 'time' && op === '+') {
    return op3(timestampType, dateType, timeType, (a, b) => dateAndTime(a as number, b as bigint))
  }
  if (l.kind === 'time' && r.kind === 'date' && op === '+') {
    return op3(timestampType, timeType, dateType, (a, b) => dateAndTime(b as number, a as bigint))
  }
  return undefined
}

function dateAndTime(days: number, micros: bigint): bigint {
  const midnight = dateToTimestamp(days)
  if (!isFiniteTimestamp(midnight)) return midnight
  const ts = midnight + micros
  if (!timestampInRange(ts)) throw new SqlError('22008', 'timestamp out of range')
  return ts
}

// ---------------------------------------------------------------------------------------------
// Arrays

/** Element equality as `=` decides it (ANY, @>, &&, array_position). */
export function elementEquals(type: SqlType): (a: Datum, b: Datum) => boolean {
  return (a, b) => compare(a, b, type) === 0
}

/** The common element type of two element types, or undefined (no implicit cast between them). */
function commonElement(a: SqlType, b: SqlType): SqlType | undefined {
  if (a.kind === 'unknown') return b.kind === 'unknown' ? textType : baseType(b)
  if (b.kind === 'unknown') return baseType(a)
  if (canCast(b, a, 'implicit')) return baseType(a)
  if (canCast(a, b, 'implicit')) return baseType(b)
  return undefined
}

/** array || array, array || element, element || array (array_cat, array_append, array_prepend);
 * an unknown beside an array is an array literal. */
function resolveArrayConcat(left: SqlType, right: SqlType): ResolvedOperator | undefined {
  if (left.kind !== 'array' && right.kind !== 'array') return undefined
  const la = left.kind === 'array' || left.kind === 'unknown'
  const ra = right.kind === 'array' || right.kind === 'unknown'
  if (la && ra) {
    const e = commonElement(elementType(left) ?? unknownType, elementType(right) ?? unknownType)
    if (e === undefined) return undefined
    const t = arrayType(e)
    return nonStrict(op3(t, t, t, (a, b) => {
      if (a === null || b === null) return a === null ? b : a
      checkArrayLength((a as Datum[]).length + (b as Datum[]).length)
      return [...(a as Datum[]), ...(b as Datum[])]
    }))
  }
  if (left.kind === 'array') {
    const e = commonElement(left.element, right)
    if (e === undefined) return undefined
    const t = arrayType(e)
    return nonStrict(op3(t, t, e, (a, b) => {
      checkArrayLength(((a ?? []) as Datum[]).length + 1)
      return [...((a ?? []) as Datum[]), b]
    }))
  }
  const e = commonElement(elementType(right) ?? unknownType, left)
  if (e === undefined) return undefined
  const t = arrayType(e)
  return nonStrict(op3(t, e, t, (a, b) => {
    checkArrayLength(((b ?? []) as Datum[]).length + 1)
    return [a, ...((b ?? []) as Datum[])]
  }))
}

const nonStrict = (r: ResolvedOperator): ResolvedOperator => ({ ...r, strict: false })

/** `@>`, `<@`, `&&` between arrays of one element type. */
function resolveArrayOperator(op: string, left: SqlType, right: SqlType): ResolvedOperator | undefined {
  if (op !== '@>' && op !== '<@' && op !== '&&') return undefined
  if ((left.kind !== 'array' && left.kind !== 'unknown') || (right.kind !== 'array' && right.kind !== 'unknown')) {
    return undefined
  }
  const e = commonElement(elementType(left) ?? unknownType, elementType(right) ?? unknownType)
  if (e === undefined) return undefined
  const t = arrayType(e)
  const eq = elementEquals(e)
  const apply: Binary =
    op === '@>'
      ? (a, b) => arrayContains(a as Datum[], b as Datum[], eq)
      : op === '<@'
        ? (a, b) => arrayContains(b as Datum[], a as Datum[], eq)
        : (a, b) => arrayOverlaps(a as Datum[], b as Datum[], eq)
  return op3(boolType, t, t, apply)
}

// ---------------------------------------------------------------------------------------------
// jsonb

const TEXT_ARRAY = arrayType(textType)
const jv = (d: Datum) => (d as Jsonb).value
const boxed = (v: unknown): Datum => (v === undefined ? null : new Jsonb(v))

/** The jsonb operators. An unknown right operand of -> ->> - is text (a key); of #> #>> #- ?| ?&
 * a text[] path or key list. */
function resolveJsonb(op: string, left: SqlType, right: SqlType): ResolvedOperator | undefined {
  const l = left.kind === 'unknown' ? jsonbType : left
  if (l.kind !== 'jsonb') return undefined
  const r = right
  const isText = isStringType(r) || r.kind === 'unknown'
  // jsonb -> int has an int4 operand: int8 does not cast to it implicitly (42883, as PostgreSQL).
  const isInt = r.kind === 'int4' || r.kind === 'int2'
  const isTextArray = (r.kind === 'array' && isStringType(r.element)) || r.kind === 'unknown'
  const J = jsonbType
  switch (op) {
    case '->':
    case '->>': {
      const result = op === '->' ? J : textType
      const out = op === '->' ? boxed : jsonText
      if (isText) return op3(result, J, textType, (a, b) => out(jsonField(jv(a), b as string)))
      if (isInt) return op3(result, J, int4Type, (a, b) => out(jsonField(jv(a), b as bigint)))
      return undefined
    }
    case '#>':
    case '#>>': {
      if (!isTextArray) return undefined
      const out = op === '#>' ? boxed : jsonText
      return op3(op === '#>' ? J : textType, J, TEXT_ARRAY, (a, b) =>
        out(jsonPath(jv(a), b as readonly (string | null)[])),
      )
    }
    case '@>':
    case '<@': {
      if (r.kind !== 'jsonb' && r.kind !== 'unknown') return undefined
      return op3(boolType, J, J, op === '@>' ? (a, b) => jsonContains(jv(a), jv(b)) : (a, b) => jsonContains(jv(b), jv(a)))
    }
    case '?':
      return isText ? op3(boolType, J, textType, (a, b) => jsonHasKey(jv(a), b as string)) : undefined
    case '?|':
    case '?&': {
      if (!isTextArray) return undefined
      const keys = (b: Datum) => (b as readonly (string | null)[]).filter((k): k is string => k !== null)
      return op3(boolType, J, TEXT_ARRAY, op === '?|'
        ? (a, b) => keys(b).some((k) => jsonHasKey(jv(a), k))
        : (a, b) => keys(b).every((k) => jsonHasKey(jv(a), k)))
    }
    case '-':
      if (isText) return op3(J, J, textType, (a, b) => new Jsonb(jsonDeleteKey(jv(a), b as string)))
      if (isInt) return op3(J, J, int4Type, (a, b) => new Jsonb(jsonDeleteIndex(jv(a), b as bigint)))
      if (r.kind === 'array' && isStringType(r.element)) {
        return op3(J, J, TEXT_ARRAY, (a, b) => {
          let v = jv(a)
          for (const k of b as readonly (string | null)[]) if (k !== null) v = jsonDeleteKey(v, k)
          return new Jsonb(v)
        })
      }
      return undefined
    case '#-':
      return isTextArray
        ? op3(J, J, TEXT_ARRAY, (a, b) => new Jsonb(jsonDeletePath(jv(a), b as readonly (string | null)[])))
        : undefined
    default:
      return undefined
  }
}
