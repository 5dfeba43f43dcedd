// The SQL type system of the query processor: type names, runtime values (datums), PostgreSQL's
// input/output functions, casts, operators and the mapping to keys and the wire (API.md "Values").
// Each export is documented where it is defined; this file is the folder's only entry point.

/** Types, datums, type names and type predicates. */
export {
  baseType,
  boolType,
  byteaType,
  dateType,
  float4Type,
  float8Type,
  formatType,
  int2Type,
  int4Type,
  int8Type,
  isDatetimeType,
  isFloatType,
  isIntegerType,
  isNumericType,
  isPreferredType,
  isStringType,
  jsonbType,
  numericType,
  textType,
  timestampType,
  timestamptzType,
  typeCategory,
  typeFromName,
  typeName,
  typesEqual,
  unknownType,
  uuidType,
  varcharType,
  type Datum,
  type SqlType,
  type TypeKind,
} from './sql-type.ts'

/** Exact decimals (numeric) and jsonb values. */
export { Decimal } from './decimal.ts'
export { Jsonb, compareJsonb } from './jsonb.ts'

/** Input and output functions, text order. */
export { formatText, parseText } from './text-io.ts'
export { charLength, compareCodePoints } from './text-order.ts'
export { formatDate, formatTimestamp } from './datetime.ts'

/** Casts and typmods. */
export { applyTypmod, canCast, cast, castContextOf, castToText, type CastContext } from './casts.ts'

/** Order, equality and type resolution. */
export { compare, hashKey } from './compare.ts'
export {
  commonType,
  comparisonType,
  integerLiteralType,
  numericOperandType,
} from './common-type.ts'
export {
  resolveBinary,
  resolveUnary,
  type ResolvedOperator,
  type ResolvedUnaryOperator,
} from './operators.ts'

/** Keys, stored rows and the wire. */
export { fromKeyPart, fromStored, toKeyPart, toStored } from './key-part.ts'
export { fromParam, toWire, type WireValue } from './wire.ts'
