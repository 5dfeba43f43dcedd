// Operators of the query processor (ARCHITECTURE.md "query processor": evaluation): PostgreSQL's
// operator resolution for arithmetic, comparison and concatenation, with its overflow errors.
import { SqlError, divisionByZero } from '../../errors/index.ts'
import { castToText } from './casts.ts'
import { comparisonType, numericOperandType } from './common-type.ts'
import { compare } from './compare.ts'
import { dateInRange, isFiniteDate } from './datetime.ts'
import { Decimal } from './decimal.ts'
import { Jsonb } from './jsonb.ts'
import { checkInt, type IntKind } from './number-io.ts'
import {
  boolType,
  byteaType,
  dateType,
  int4Type,
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
}

export interface ResolvedUnaryOperator {
  readonly resultType: SqlType
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

/** Resolves a binary operator (`+ - * / %`, `||`, `= <> != < <= > >=`) for the operand types the
 * way PostgreSQL does. Undefined when no operator exists (the caller raises 42883). */
export function resolveBinary(
  op: string,
  left: SqlType,
  right: SqlType,
): ResolvedOperator | undefined {
  const test = COMPARISONS[op]
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
  if (op === '||') return resolveConcat(left, right)
  // An unknown literal is taken to be of the other operand's type (PostgreSQL's first heuristic).
  const l = left.kind === 'unknown' ? right : left
  const r = right.kind === 'unknown' ? left : right
  if (l.kind === 'date' || r.kind === 'date') return resolveDateArithmetic(op, l, r)
  if (!isNumericType(l) || !isNumericType(r)) return undefined
  const t = numericOperandType(l, r)
  const apply = arithmetic(op, t)
  return apply === undefined ? undefined : { resultType: t, leftType: t, rightType: t, apply }
}

/** Resolves unary `-` and `+` on numeric types. */
export function resolveUnary(op: string, operand: SqlType): ResolvedUnaryOperator | undefined {
  if ((op !== '-' && op !== '+') || !isNumericType(operand)) return undefined
  const t: SqlType = operand.kind === 'numeric' ? { kind: 'numeric' } : operand
  if (op === '+') return { resultType: t, apply: (a) => a }
  switch (t.kind) {
    case 'int2':
    case 'int4':
    case 'int8': {
      const kind = t.kind
      return { resultType: t, apply: (a) => checkInt(-(a as bigint), kind) }
    }
    case 'float4':
    case 'float8':
      return { resultType: t, apply: (a) => -(a as number) }
    default:
      return { resultType: t, apply: (a) => (a as Decimal).neg() }
  }
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
    apply: (a, b) => castToText(a, lt) + castToText(b, rt),
  }
}

function bytesConcat(a: Datum, b: Datum): Datum {
  const x = a as Uint8Array
  const y = b as Uint8Array
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
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v)
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
