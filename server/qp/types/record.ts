// Record values (ARCHITECTURE.md "query processor": values): PostgreSQL's composite datums, their
// text output (record_out), order and equality (record_cmp, record_eq) and IS [NOT] NULL rule.
import { SqlError } from '../../errors/index.ts'
import { formatType, type Datum, type RecordField, type SqlType } from './sql-type.ts'

/** A record's value: one datum per field of its type, in order (NULL fields as null). */
export class RecordValue {
  readonly values: readonly Datum[]

  constructor(values: readonly Datum[]) {
    this.values = values
  }
}

/** The fields of a record type; a caller passing another type is a bug. */
export type RecordType = SqlType & { kind: 'record' }

/** record_out: `(1,a,)`, each field by its type's output function, NULL as nothing, a value quoted
 * when empty or holding a quote, backslash, parenthesis, comma or white space (C's isspace), with
 * quotes and backslashes doubled inside the quotes. */
export function formatRecordText(record: RecordValue, fields: readonly RecordField[], format: (v: Datum, t: SqlType) => string): string {
  const parts = record.values.map((v, i) => {
    if (v === null) return ''
    const text = format(v, (fields[i] as RecordField).type)
    return text === '' || NEEDS_QUOTES.test(text) ? `"${text.replace(/["\\]/g, (c) => c + c)}"` : text
  })
  return `(${parts.join(',')})`
}

const NEEDS_QUOTES = /["\\(),\t\n\v\f\r ]/

/** `record IS NULL` (every field NULL, or the record itself) and `IS NOT NULL` (no field NULL):
 * PostgreSQL's rule for row values, which is why both can be false at once. */
export function recordIsNull(value: Datum, negated: boolean): boolean {
  if (value === null) return !negated
  const values = (value as RecordValue).values
  return negated ? values.every((v) => v !== null) : values.every((v) => v === null)
}

/**
 * Checks that two record types compare (record_eq and record_cmp's rules: as many fields, each
 * pair of one type up to typmods) and returns the field types: 42804 otherwise, in PostgreSQL's
 * words.
 */
export function comparableFields(a: RecordType, b: RecordType): readonly SqlType[] {
  if (a.fields.length !== b.fields.length) {
    throw new SqlError('42804', 'cannot compare record types with different numbers of columns')
  }
  return a.fields.map((f, i) => {
    const g = (b.fields[i] as RecordField).type
    if (!sameBase(f.type, g)) {
      throw new SqlError('42804', `cannot compare dissimilar column types ${formatType(f.type)} and ${formatType(g)} at record column ${i + 1}`)
    }
    // An untyped literal's field (ROW(1, 'a')) has no order of its own.
    if (f.type.kind === 'unknown') throw new SqlError('42883', 'could not identify a comparison function for type unknown')
    return f.type
  })
}

/** One type up to typmods (varchar(3) and varchar, records of such fields). */
function sameBase(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'array') return sameBase(a.element, (b as typeof a).element)
  if (a.kind === 'enum') return a.oid === (b as typeof a).oid
  if (a.kind === 'record') {
    const o = b as typeof a
    return a.fields.length === o.fields.length && a.fields.every((f, i) => sameBase(f.type, (o.fields[i] as RecordField).type))
  }
  return true
}

/**
 * record_cmp: field by field, the first unequal pair decides; a NULL field equals a NULL one and
 * sorts after any value (so records have a total order, and `=` between two stored rows with
 * NULL fields is true, unlike a row constructor's `=`). `compare` orders two non-null values.
 */
export function compareRecords(
  a: RecordValue,
  b: RecordValue,
  types: readonly SqlType[],
  compare: (x: Datum, y: Datum, t: SqlType) => number,
): number {
  for (let i = 0; i < types.length; i++) {
    const x = a.values[i] ?? null
    const y = b.values[i] ?? null
    if (x === null || y === null) {
      if (x === y) continue
      return x === null ? 1 : -1
    }
    const c = compare(x, y, types[i] as SqlType)
    if (c !== 0) return c
  }
  return 0
}
