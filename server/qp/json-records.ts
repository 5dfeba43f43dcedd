// jsonb_to_record, jsonb_to_recordset, json_to_record and json_to_recordset (ARCHITECTURE.md
// "query processor": execute): rows of a FROM item whose columns its column definition list names
// (`AS x(a int, b text)`), each value read from the JSON object's key of that name as
// PostgreSQL's populate_record reads it.
import { featuresNotSupported, SqlError } from '../errors/index.ts'
import { T } from './function-overloads.ts'
import { jsonArg, type ResolvedSetFunction, type SetFunctionColumn } from './set-functions.ts'
import {
  Jsonb,
  baseType,
  cast,
  checkArrayLength,
  getJsonKey,
  isJsonObject,
  jsonText,
  parseText,
  type Datum,
  type SqlType,
} from './types/index.ts'

type Json = unknown

/** Resolves a call for its argument types and the columns its definition list gives. */
export type RecordSetResolver = (args: readonly SqlType[], columns: readonly SetFunctionColumn[]) => ResolvedSetFunction | undefined

/** The value of column type `type` that JSON value `v` gives (populate_record_field): JSON null
 * is NULL; json and jsonb columns take the value; arrays a JSON array (element by element) or an
 * array literal string; other types read a string's text, or any other value's JSON text, through
 * their input function, with the typmod applied as on assignment (varchar(2) 22001). */
function populate(v: Json, type: SqlType): Datum {
  if (v === null) return null
  if (type.kind === 'jsonb') return new Jsonb(v)
  if (type.kind === 'array' && typeof v !== 'string') {
    if (!Array.isArray(v)) throw new SqlError('22P02', 'expected JSON array')
    // A JSON array of arrays is a multidimensional array, which Tessera lacks; an array deeper in
    // the list is read as its text, as PostgreSQL does past the first element's dimensions.
    if (Array.isArray(v[0])) throw featuresNotSupported('multidimensional arrays')
    checkArrayLength(v.length)
    return v.map((e) => populate(e, type.element)) as unknown as Datum
  }
  const text = jsonText(v) as string
  const base = baseType(type)
  return cast(parseText(text, base), base, type, 'assignment')
}

/** One row: each column the object's key of its name (missing keys are NULL). */
function rowOf(obj: object, columns: readonly SetFunctionColumn[]): Datum[] {
  return columns.map((c) => populate(getJsonKey(obj as Record<string, Json>, c.name) ?? null, c.type))
}

/** The json family's words for a recordset argument of the wrong kind, or jsonb's. */
function notArray(fn: string, v: Json, json: boolean): SqlError {
  const what = !json ? 'a non-array' : isJsonObject(v) ? 'an object' : 'a scalar'
  return new SqlError('22023', `cannot call ${fn} on ${what}`)
}

/** json[b]_to_record: one row from an object; NULL gives one row of NULLs, as in PostgreSQL. */
const toRecord: RecordSetResolver = (args, columns) =>
  jsonArg(args)
    ? {
        argTypes: [T.jsonb],
        columns,
        strict: false,
        apply: (a) => {
          if (a[0] === null || a[0] === undefined) return [columns.map(() => null)]
          const v = (a[0] as Jsonb).value
          if (!isJsonObject(v)) throw new SqlError('22023', `cannot call populate_composite on ${Array.isArray(v) ? 'an array' : 'a scalar'}`)
          return [rowOf(v, columns)]
        },
      }
    : undefined

/** json[b]_to_recordset: one row per object of an array (no rows for NULL). */
const toRecordset = (fn: string, json: boolean): RecordSetResolver => (args, columns) =>
  jsonArg(args)
    ? {
        argTypes: [T.jsonb],
        columns,
        apply: function* (a) {
          const v = (a[0] as Jsonb).value
          if (!Array.isArray(v)) throw notArray(fn, v, json)
          for (const element of v) {
            if (!isJsonObject(element)) throw new SqlError('22023', `argument of ${fn} must be an array of objects`)
            yield rowOf(element, columns)
          }
        },
      }
    : undefined

/** The functions returning `record`, whose columns a column definition list gives, by name. json
 * values are jsonb here, so json_to_record reads an object's last value of a repeated key, as
 * PostgreSQL's does, and an object or array read as text is jsonb's text. */
export const RECORD_SET_FUNCTIONS: ReadonlyMap<string, RecordSetResolver> = new Map<string, RecordSetResolver>([
  ['jsonb_to_record', toRecord],
  ['json_to_record', toRecord],
  ['jsonb_to_recordset', toRecordset('jsonb_to_recordset', false)],
  ['json_to_recordset', toRecordset('json_to_recordset', true)],
])
