// Values on the wire (ARCHITECTURE.md "query processor", API.md "Values"): datums to JSON for
// results and JSON request parameters to datums, as PostgreSQL reads untyped literals.
import { SqlError, assertNever } from '../../errors/index.ts'
import { Decimal } from './decimal.ts'
import { Jsonb, canonicalJson, checkJsonDepth } from './jsonb.ts'
import { fitsInt } from './number-io.ts'
import { formatType, type Datum, type SqlType } from './sql-type.ts'
import { checkEncoding, expect, expectArray, expectInstance, formatText, parseText } from './text-io.ts'

/** A value as API.md puts it on the wire. */
export type WireValue =
  null | boolean | number | string | WireValue[] | { readonly [k: string]: unknown }

/** API.md's JSON form of a value: bool → boolean; int2/int4/oid/float4/float8 → number (an oid
 * always fits a JSON number exactly, and node-postgres reads oid as a number too) (NaN and
 * ±Infinity as strings); int8, numeric → string; date/time types, bytea and records → text
 * output; jsonb → the JSON value (objects in jsonb key order). */
export function toWire(value: Datum, type: SqlType): WireValue {
  if (value === null) return null
  switch (type.kind) {
    case 'bool':
      return expect(value, 'boolean', type)
    case 'int2':
    case 'int4':
    case 'oid':
      return Number(expect(value, 'bigint', type))
    case 'float4':
    case 'float8': {
      const x = expect(value, 'number', type)
      if (!Number.isFinite(x)) return formatText(x, type)
      // float4 as its shortest float4 text reads back (0.1, not 0.10000000149011612).
      return type.kind === 'float4' ? Number(formatText(x, type)) : x
    }
    case 'jsonb':
      return canonicalJson(expectInstance(value, Jsonb, type).value) as WireValue
    case 'array': {
      const element = type.element
      return expectArray(value, type).map((v) => toWire(v, element))
    }
    case 'int8':
    case 'numeric':
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'uuid':
    case 'unknown':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'bytea':
    case 'interval':
    case 'enum':
    case 'record':
    case 'jsonpath':
      return formatText(value, type)
    default:
      return assertNever(type)
  }
}

/** A JSON request parameter cast to `type` as PostgreSQL casts an untyped literal: strings go
 * through `parseText`; a JSON array is an array of its elements' parameters; numbers must be exact for integer types (22P02 for 1.5, 22003 beyond the
 * range), give their shortest decimal for numeric; booleans and numbers elsewhere are read as
 * their JSON text; objects and arrays only to jsonb (and text, as JSON text). null → NULL. The
 * typmod is not applied (callers `cast` in assignment context for columns). Unknown keeps text.
 * Strings PostgreSQL's UTF8 text cannot hold (U+0000, lone surrogates) are 22021, as a client's
 * bytes would be; in a JSON value for jsonb they are what jsonb input says of the same JSON
 * (22P05, 22P02); a JSON value nested deeper than JSON_DEPTH_MAX is 54001. `nowUs`, the
 * transaction's start, serves date/time strings such as 'now' (see `parseText`). */
export function fromParam(json: unknown, type: SqlType, nowUs?: bigint): Datum {
  if (json === null || json === undefined) return null
  if (type.kind === 'jsonb')
    return typeof json === 'string' ? parseText(checkEncoding(json), type) : Jsonb.fromJson(json)
  switch (typeof json) {
    case 'string':
      return parseText(checkEncoding(json), type, nowUs)
    case 'number':
      return numberParam(json, type)
    case 'bigint':
      return parseText(json.toString(), type)
    case 'boolean':
      return type.kind === 'bool' ? json : parseText(String(json), type)
    case 'object':
      // A JSON array is an array parameter (API.md: arrays are JSON arrays both ways).
      if (type.kind === 'array' && Array.isArray(json)) {
        const element = type.element
        return json.map((v: unknown) => fromParam(v, element, nowUs))
      }
      if (type.kind === 'text' || type.kind === 'varchar' || type.kind === 'unknown') {
        // JSON.stringify escapes U+0000 and lone surrogates, so the text is valid as it is.
        checkJsonDepth(json)
        return JSON.stringify(json)
      }
      throw new SqlError(
        '42804',
        `a JSON ${Array.isArray(json) ? 'array' : 'object'} parameter cannot be of type ${formatType(type)}`,
      )
    default:
      throw new SqlError('22023', `unsupported parameter value of JS type ${typeof json}`)
  }
}

function numberParam(n: number, type: SqlType): Datum {
  switch (type.kind) {
    case 'int2':
    case 'int4':
    case 'int8': {
      if (!Number.isInteger(n)) return parseText(String(n), type)
      const b = BigInt(n)
      if (!fitsInt(b, type.kind)) return parseText(b.toString(), type)
      return b
    }
    case 'float8':
      return n
    case 'float4':
      return parseText(String(n), type)
    case 'numeric':
      return Decimal.fromNumber(n)
    case 'bool':
      if (n === 1 || n === 0) return n === 1
      return parseText(String(n), type)
    default:
      return parseText(String(n), type)
  }
}
