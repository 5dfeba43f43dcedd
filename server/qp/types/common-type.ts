// Type resolution (ARCHITECTURE.md "query processor": binding): PostgreSQL's select_common_type
// for UNION/CASE/VALUES, the comparison type of two operands, and integer literal types.
import { SqlError, assert } from '../../errors/index.ts'
import { canCast } from './casts.ts'
import { fitsInt, parseIntegerText } from './number-io.ts'
import {
  arrayType,
  baseType,
  bpcharType,
  dateType,
  float4Type,
  float8Type,
  formatType,
  int2Type,
  int4Type,
  int8Type,
  isFloatType,
  isIntegerType,
  isNumericType,
  isPreferredType,
  isStringType,
  numericType,
  oidType,
  textType,
  timestampType,
  timestamptzType,
  typeCategory,
  typesEqual,
  type SqlType,
} from './sql-type.ts'

/** The type a set of values is promoted to (CASE, COALESCE, VALUES, UNION), as PostgreSQL's
 * select_common_type: all unknown → text; otherwise candidates in one category, moving to a type
 * the current one casts to implicitly unless the current one is preferred. 42804 across
 * categories, 42846 when an input cannot cast implicitly to the result. `context` names the
 * construct in messages ('UNION', 'CASE', ...). Typmods survive only when all inputs agree. */
export function commonType(types: readonly SqlType[], context: string): SqlType {
  assert(types.length > 0, 'commonType of no types')
  const first = types[0] as SqlType
  if (first.kind !== 'unknown' && types.every((t) => typesEqual(t, first))) return first
  let chosen: SqlType | undefined
  for (const t of types) {
    if (t.kind === 'unknown') continue
    if (chosen === undefined) {
      chosen = t
      continue
    }
    if (t.kind === chosen.kind && !differentEnums(t, chosen)) continue
    if (typeCategory(t) !== typeCategory(chosen) || differentEnums(t, chosen)) {
      throw new SqlError(
        '42804',
        `${context} types ${formatType(baseType(chosen))} and ${formatType(baseType(t))} cannot be matched`,
      )
    }
    if (
      !isPreferredType(chosen) &&
      canCast(chosen, t, 'implicit') &&
      !canCast(t, chosen, 'implicit')
    ) {
      chosen = t
    }
  }
  if (chosen === undefined) return textType
  const result = chosen
  for (const t of types) {
    if (t.kind !== 'unknown' && !canCast(t, result, 'implicit')) {
      throw new SqlError(
        '42846',
        `${context} could not convert type ${formatType(baseType(t))} to ${formatType(baseType(result))}`,
      )
    }
  }
  const sameTypmod = types.every((t) => typesEqual(t, result))
  return sameTypmod ? result : baseType(result)
}

/** Two distinct enum types: PostgreSQL neither compares nor casts between them. */
function differentEnums(a: SqlType, b: SqlType): boolean {
  return a.kind === 'enum' && b.kind === 'enum' && a.oid !== b.oid
}

const INT_ORDER = ['int2', 'int4', 'int8'] as const

/** The type two numeric-category operands are evaluated in, as PostgreSQL's operator resolution
 * picks it: integers → the wider integer; any float (not both float4) → float8; both float4 →
 * float4; integer and numeric → numeric. */
export function numericOperandType(a: SqlType, b: SqlType): SqlType {
  assert(isNumericType(a) && isNumericType(b), 'numeric operands')
  if (isIntegerType(a) && isIntegerType(b)) {
    const wide = Math.max(INT_ORDER.indexOf(a.kind as 'int2'), INT_ORDER.indexOf(b.kind as 'int2'))
    return [int2Type, int4Type, int8Type][wide] as SqlType
  }
  if (a.kind === 'float4' && b.kind === 'float4') return float4Type
  if (isFloatType(a) || isFloatType(b)) return float8Type
  return numericType
}

const DATETIME_ORDER = ['date', 'timestamp', 'timestamptz'] as const

/** The type two operands are compared in (=, <, ...), or undefined when PostgreSQL has no such
 * comparison (42883 at the caller). Unknown adopts the other side; unknown with unknown is text. */
export function comparisonType(left: SqlType, right: SqlType): SqlType | undefined {
  const l = left.kind === 'unknown' ? right : left
  const r = right.kind === 'unknown' ? left : right
  if (l.kind === 'unknown') return textType
  // jsonpath has no comparison operators in PostgreSQL (42883).
  if (l.kind === 'jsonpath' || r.kind === 'jsonpath') return undefined
  if (isStringType(l) && isStringType(r)) {
    // PostgreSQL resolves bpchar with text to text (the preferred type, where padding counts)
    // but bpchar with varchar or bpchar to bpchar, where trailing spaces do not.
    if (l.kind === 'text' || r.kind === 'text') return textType
    return l.kind === 'bpchar' || r.kind === 'bpchar' ? bpcharType : textType
  }
  if (l.kind === 'array' && r.kind === 'array') {
    // PostgreSQL compares arrays only of one element type (no implicit int4[] -> int8[]).
    const e = comparisonType(l.element, r.element)
    const same = baseType(l.element).kind === baseType(r.element).kind
    const bothText = isStringType(l.element) && isStringType(r.element)
    return e === undefined || (!same && !bothText) ? undefined : arrayType(e)
  }
  if (differentEnums(l, r)) return undefined
  if (l.kind === r.kind) return baseType(l)
  // An oid meets an integer as an oid (the integer casts to oid implicitly, not the reverse):
  // PostgreSQL's oid operators, where `oid = 4294967296::int8` is 'OID out of range'.
  if (l.kind === 'oid' || r.kind === 'oid') return isIntegerType(l.kind === 'oid' ? r : l) ? oidType : undefined
  if (isNumericType(l) && isNumericType(r)) return numericOperandType(l, r)
  const li = DATETIME_ORDER.indexOf(l.kind as 'date')
  const ri = DATETIME_ORDER.indexOf(r.kind as 'date')
  if (li >= 0 && ri >= 0) return [dateType, timestampType, timestamptzType][Math.max(li, ri)]
  return undefined
}

/** The type of an integer literal: int4 when it fits, then int8, then numeric. */
export function integerLiteralType(text: string): SqlType {
  const n = parseIntegerText(text)
  if (n === undefined) return numericType
  if (fitsInt(n, 'int4')) return int4Type
  if (fitsInt(n, 'int8')) return int8Type
  return numericType
}
