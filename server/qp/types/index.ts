// The SQL type system of the query processor: type names, runtime values (datums), PostgreSQL's
// input/output functions, casts, operators and the mapping to keys and the wire (API.md "Values").
// Each export is documented where it is defined; this file is the folder's only entry point.

/** Types, datums, type names and type predicates. */
export {
  arrayType,
  baseType,
  boolType,
  elementType,
  intervalType,
  byteaType,
  dateType,
  float4Type,
  float8Type,
  formatType,
  int2Type,
  int4Type,
  int8Type,
  oidType,
  isDatetimeType,
  isFloatType,
  isIntegerType,
  isNumericType,
  isPreferredType,
  isStringType,
  jsonbType,
  jsonpathType,
  numericType,
  textType,
  timestampType,
  timestamptzType,
  timeType,
  typeCategory,
  typeFromName,
  typeName,
  typesEqual,
  unknownType,
  uuidType,
  varcharType,
  bpcharType,
  recordType,
  type Datum,
  type RecordField,
  type SqlType,
  type TypeKind,
} from './sql-type.ts'

/** The oid type: its input function and range (oid.ts). */
export { OID_MAX, parseOid } from './oid.ts'

/** Record values (composite rows): the value, IS NULL's rule, comparability of two records. */
export { RecordValue, comparableFields, recordIsNull } from './record.ts'

/** Exact decimals (numeric) and jsonb values. */
export { Decimal } from './decimal.ts'
export { expDecimal, integerSqrt, lnDecimal, logDecimal, powerDecimal } from './decimal-math.ts'
export { JSON_DEPTH_MAX, Jsonb, compareJsonb, duplicateJsonKey } from './jsonb.ts'

/** Intervals: the value, input/output, arithmetic with timestamps (interval.ts documents each). */
export {
  Interval,
  addIntervalToTimestamp,
  age,
  formatInterval,
  intervalSpan,
  justifyDays,
  justifyHours,
  justifyInterval,
  parseInterval,
  subtractTimestamps,
  timestampFields,
  splitTimestamp,
} from './interval.ts'

/** Time zones: names to offsets, local time both ways (AT TIME ZONE, timestamptz input). */
export { fromLocal, toLocal, zoneOf } from './time-zone.ts'

/** Arrays: text form, order, containment. */
export { arrayContains, arrayOverlaps, formatArray, parseArray, type ArrayDatum } from './array.ts'

/** jsonb operator helpers, shared with the jsonb functions. */
export {
  arrayIndex,
  define as defineJsonKey,
  getKey as getJsonKey,
  isJsonObject,
  jsonContains,
  jsonDeletePath,
  jsonField,
  jsonHasKey,
  jsonPath,
  jsonText,
  jsonTypeof,
  withKey as withJsonKey,
} from './jsonb-ops.ts'
export { canonicalJson, formatJsonNumber, jsonbEntries } from './jsonb.ts'

/** SQL/JSON paths: the parsed tree, its canonical text, like_regex's flags (jsonpath.ts). */
export {
  ANY_LAST,
  JSONPATH_DEPTH_MAX,
  canonicalJsonPath,
  formatJsonPath,
  parseJsonPathCached,
  posixFlags,
  type JsonPath,
  type JsonPathExpr,
  type JsonPathHead,
  type JsonPathStep,
} from './jsonpath.ts'

/** Input and output functions, text order. */
export { checkEncoding, formatText, invalidEncoding, parseText } from './text-io.ts'
export { inputReadsClock } from './datetime-input.ts'
/** Date/time templates: to_date, to_timestamp and SQL/JSON's .datetime(template). */
export {
  compileDatetimeTemplate,
  readDatetimeTemplate,
  templateDate,
  templateTimestamp,
  type DatetimeTemplate,
  type TemplateValue,
} from './datetime-template.ts'
export { compareCodePoints } from './text-order.ts'
export {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  formatDate,
  formatTime,
  formatTimestamp,
  roundTimestamp,
  isFiniteTimestamp,
  timestampInRange,
  dateInRange,
  dateToTimestamp,
  timestampToDate,
} from './datetime.ts'
export { roundTime } from './time.ts'
export { checkInt, formatFloat8, rint } from './number-io.ts'
export { checkedFloat, floatPower, floatSqrt } from './float-math.ts'
export { erf, erfc } from './float-erf.ts'
export { charLength, takeChars } from './text-order.ts'

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
  elementEquals,
  OPERATORS_RESOLVING_UNKNOWN,
  resolveBinary,
  resolveUnary,
  unknownOperandsType,
  unknownUnaryOperandType,
  type ResolvedOperator,
  type ResolvedUnaryOperator,
} from './operators.ts'

/** Keys, stored rows and the wire. */
export { fromKeyPart, fromStored, hasKeyForm, toKeyPart, toStored } from './key-part.ts'
export { fromParam, toWire, type WireValue } from './wire.ts'
export { BUILT_ARRAY_ELEMENTS_MAX, BUILT_TEXT_CHARS_MAX, checkArrayLength, checkTextLength } from './value-limits.ts'
