// PostgreSQL's input and output functions for every type (ARCHITECTURE.md "query processor":
// values), with DateStyle ISO, TimeZone UTC, bytea_output hex and extra_float_digits 1.
import { canonicalJsonPath } from './jsonpath.ts'
import { SqlError, assert, assertNever, featureNotSupported } from '../../errors/index.ts'
import { formatBytea, parseBytea, parseUuid } from './bytea.ts'
import { formatDate, formatTime, formatTimestamp, parseDate, parseTimestamp } from './datetime.ts'
import { formatArray, parseArray } from './array.ts'
import { Decimal } from './decimal.ts'
import { Interval, applyIntervalTypmod, formatInterval, parseInterval } from './interval.ts'
import { Jsonb } from './jsonb.ts'
import { RecordValue, formatRecordText } from './record.ts'
import { parseTime, roundTime } from './time.ts'
import { formatFloat4, formatFloat8, parseBool, parseFloat, parseInteger } from './number-io.ts'
import { parseOid } from './oid.ts'
import type { Datum, SqlType } from './sql-type.ts'
import { LONE_SURROGATE } from './text-order.ts'

/** U+0000 or a lone surrogate: characters PostgreSQL's UTF8 text cannot hold. */
const NOT_UTF8_TEXT = new RegExp(`\\0|${LONE_SURROGATE.source}`)

/**
 * `text` when PostgreSQL's UTF8 encoding can hold it; 22021 otherwise, naming the bytes as
 * PostgreSQL does: "0x00" for U+0000 (text is NUL-terminated there), a lone surrogate as the
 * three bytes UTF-8 would spell it (which PostgreSQL refuses as invalid). For text entering from
 * outside: SQL text and parameters.
 */
export function checkEncoding(text: string): string {
  const bad = NOT_UTF8_TEXT.exec(text)
  if (bad === null) return text
  const unit = bad[0].charCodeAt(0)
  const bytes = unit === 0 ? [0] : [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
  const spelled = bytes.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')
  throw invalidEncoding(spelled)
}

/** 22021 for bytes that are not UTF-8 text, spelled as PostgreSQL does ("0xed 0xa0 0x80"). */
export const invalidEncoding = (spelled: string): SqlError =>
  new SqlError('22021', `invalid byte sequence for encoding "UTF8": ${spelled}`)

/** PostgreSQL's input function: text to datum. 22P02/22003/22007/22008 on bad input. Typmods
 * (numeric(p,s), varchar(n), timestamp(p)) are not applied here: PostgreSQL reads a literal with
 * typmod -1 and then applies the typmod as a cast in the statement's context; use `cast`.
 * `nowUs`, the transaction's start, serves date/time input's 'now', 'today', 'tomorrow' and
 * 'yesterday'; without it they are 0A000. */
export function parseText(text: string, type: SqlType, nowUs?: bigint): Datum {
  switch (type.kind) {
    case 'bool':
      return parseBool(text)
    case 'int2':
    case 'int4':
    case 'int8':
      return parseInteger(text, type.kind)
    case 'oid':
      return parseOid(text)
    case 'float4':
    case 'float8':
      return parseFloat(text, type.kind)
    case 'numeric':
      return Decimal.parse(text)
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'unknown':
      return text
    case 'date':
      return parseDate(text, nowUs)
    case 'timestamp':
      return parseTimestamp(text, false, nowUs)
    case 'timestamptz':
      return parseTimestamp(text, true, nowUs)
    case 'time':
      // As time_in does: a literal cast to or stored in time(p) is rounded on input.
      return roundTime(parseTime(text, nowUs), type.precision)
    case 'uuid':
      return parseUuid(text)
    case 'jsonb':
      return Jsonb.parse(text)
    case 'jsonpath':
      return canonicalJsonPath(text)
    case 'bytea':
      return parseBytea(text)
    case 'interval':
      return applyIntervalTypmod(parseInterval(text, type.fields), type.fields, type.precision)
    case 'enum':
      if (!type.labels.includes(text)) {
        throw new SqlError('22P02', `invalid input value for enum ${type.name}: "${text}"`)
      }
      return text
    case 'array': {
      const element = type.element
      return parseArray(text, (s) => parseText(s, element, nowUs))
    }
    case 'record':
      // PostgreSQL reads '(1,a)' into a named row type; no SQL here can name one as a type.
      throw featureNotSupported('reading text as a record')
    default:
      return assertNever(type)
  }
}

/** PostgreSQL's output function (DateStyle ISO, time zone UTC): bool as 't'/'f'. */
export function formatText(value: Datum, type: SqlType): string {
  assert(value !== null, 'formatText of NULL')
  switch (type.kind) {
    case 'bool':
      return expect(value, 'boolean', type) ? 't' : 'f'
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
      return expect(value, 'bigint', type).toString()
    case 'float4':
      return formatFloat4(expect(value, 'number', type))
    case 'float8':
      return formatFloat8(expect(value, 'number', type))
    case 'numeric':
      return expectInstance(value, Decimal, type).toString()
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'unknown':
    case 'uuid':
    case 'enum':
    case 'jsonpath':
      return expect(value, 'string', type)
    case 'date':
      return formatDate(expect(value, 'number', type))
    case 'timestamp':
      return formatTimestamp(expect(value, 'bigint', type), false)
    case 'timestamptz':
      return formatTimestamp(expect(value, 'bigint', type), true)
    case 'time':
      return formatTime(expect(value, 'bigint', type))
    case 'jsonb':
      return expectInstance(value, Jsonb, type).toString()
    case 'bytea':
      return formatBytea(expectInstance(value, Uint8Array, type))
    case 'interval':
      return formatInterval(expectInstance(value, Interval, type))
    case 'array': {
      const element = type.element
      return formatArray(expectArray(value, type), (d) => formatText(d, element))
    }
    case 'record':
      return formatRecordText(expectInstance(value, RecordValue, type), type.fields, formatText)
    default:
      return assertNever(type)
  }
}

/** The sort order of an enum value (its label); a label the type lacks is a bug. */
export function enumOrder(value: Datum, type: SqlType & { kind: 'enum' }): number {
  const i = type.labels.indexOf(expect(value, 'string', type))
  assert(i >= 0, `${String(value)} is a label of enum ${type.name}`)
  return type.sortOrders[i] as number
}

interface TypeOfMap {
  boolean: boolean
  bigint: bigint
  number: number
  string: string
}

/** The datum as its type's JS representation; a mismatch is a bug of the caller. */
export function expect<K extends keyof TypeOfMap>(
  value: Datum,
  js: K,
  type: SqlType,
): TypeOfMap[K] {
  // The message is built only on failure: this runs for every value read or written.
  if (typeof value !== js) assert(false, `datum ${String(value)} is not a ${type.kind} (${js})`)
  return value as TypeOfMap[K]
}

export function expectArray(value: Datum, type: SqlType): readonly Datum[] {
  if (!Array.isArray(value)) assert(false, `datum ${String(value)} is not a ${type.kind}`)
  return value as readonly Datum[]
}

export function expectInstance<T>(
  value: Datum,
  cls: abstract new (...args: never[]) => T,
  type: SqlType,
): T {
  if (!(value instanceof cls)) assert(false, `datum ${String(value)} is not a ${type.kind}`)
  return value as T
}
