// Row and index entry layout (ARCHITECTURE.md "Keys and rows"): primary entries
// `[tableId, 0, ...pk] -> encodeRow(columns)`; unique index entries `[tableId, indexId, ...keys] ->
// primary key`; non-unique (or NULL-holding) entries `[tableId, indexId, ...keys, ...pk] -> ''`,
// where `keys` are the row's values of the index's columns and expressions.
import { decodeKey, decodeRow, encodeKey, encodeRow, type Key, type KeyPart } from '../encoding/index.ts'
import { assert, programLimitExceeded } from '../errors/index.ts'
import { fromStored, toKeyPart, toStored, type Datum, type SqlType } from './types/index.ts'
import { PRIMARY_INDEX_ID, type IndexDef, type Table } from './catalog.ts'
import { KEY_BYTES_MAX } from './constants.ts'

/** A row read from the primary index: its key and its column values by position. */
export interface StoredRow {
  readonly key: Key
  readonly row: Datum[]
}

export function decodeStoredRow(table: Table, value: string): Datum[] {
  const parts = decodeRow(value)
  const row: Datum[] = new Array<Datum>(table.columns.length)
  for (let i = 0; i < table.columns.length; i++) {
    const part = parts[i]
    // Columns appended after a row was written read as their fast default, else NULL.
    if (part === undefined) row[i] = missingValue(table, i)
    else row[i] = part === null ? null : fromStored(part, table.columns[i]!.type)
  }
  return row
}

/** Decoded fast defaults per table definition (a definition object never changes). */
const MISSING = new WeakMap<Table, Datum[]>()

function missingValue(table: Table, position: number): Datum {
  let values = MISSING.get(table)
  if (values === undefined) {
    values = table.columns.map((c) => {
      const part = c.missing === undefined ? null : (decodeRow(c.missing)[0] ?? null)
      return part === null ? null : fromStored(part, c.type)
    })
    MISSING.set(table, values)
  }
  return values[position] ?? null
}

/** The stored form of a fast default (see ColumnDef.missing). */
export function encodeMissing(value: Datum, type: SqlType): string | undefined {
  return value === null ? undefined : encodeRow([toStored(value, type)])
}

export function encodeStoredRow(table: Table, row: readonly Datum[]): string {
  return encodeRow(row.map((v, i) => (v === null ? null : toStored(v, table.columns[i]!.type))))
}

/** The key parts of the primary key of `row`. */
export function primaryKeyParts(table: Table, row: readonly Datum[]): KeyPart[] {
  return table.primaryKey.map((slot) => {
    const v = row[slot]
    assert(v !== null && v !== undefined, 'primary key columns are never NULL')
    return toKeyPart(v, table.columns[slot]!.type)
  })
}

/** The key of `row` in its table's primary index (a new one is checked by `checkKeyBytes`). */
export function primaryKey(table: Table, row: readonly Datum[]): Key {
  // rowsStart is the encoded [tableId, PRIMARY_INDEX_ID], and key encoding concatenates parts.
  return table.rowsStart + encodeKey(primaryKeyParts(table, row))
}

/** An entry of a secondary index: its key and value, whether it is a unique index's entry without
 * NULLs (the key alone, valued by the primary key), and `headChars`: the characters of its key
 * before the primary key it ends with (none in a unique index's key), which `checkKeyBytes`
 * bounds. */
export interface IndexEntry {
  readonly key: Key
  readonly value: string
  readonly unique: boolean
  readonly headChars: number
}

/** The values of one row's index key elements and their types (an expression index's, computed
 * by index-keys.ts). */
export interface IndexKeyValues {
  readonly values: readonly Datum[]
  readonly types: readonly SqlType[]
}

/** The entry of `row` in a secondary index: its key holds `key`'s values, or, without `key`, the
 * row's values of the index's columns (an index without expressions). Whether a partial index
 * holds the row at all is its caller's question (index-keys.ts entryOf). */
export function indexEntry(table: Table, index: IndexDef, row: readonly Datum[], key?: IndexKeyValues): IndexEntry {
  assert(key !== undefined || index.exprs === undefined, 'the key values of an expression index are computed (index-keys.ts)')
  const parts: KeyPart[] = [table.id, BigInt(index.id)]
  let hasNull = false
  for (let i = 0; i < index.columns.length; i++) {
    const slot = index.columns[i] as number
    const v = key === undefined ? (row[slot] ?? null) : (key.values[i] ?? null)
    if (v === null) hasNull = true
    parts.push(v === null ? null : toKeyPart(v, key === undefined ? table.columns[slot]!.type : (key.types[i] as SqlType)))
  }
  // Key encoding concatenates parts: the head, then the primary key's parts.
  const head = encodeKey(parts)
  const pk = encodeKey(primaryKeyParts(table, row))
  // NULLs never collide in a unique index (PostgreSQL's NULLS DISTINCT), so they carry the key.
  if (index.unique && !hasNull) return { key: head, value: table.rowsStart + pk, unique: true, headChars: head.length }
  return { key: head + pk, value: '', unique: false, headChars: head.length }
}

/**
 * 54000 when a key about to be written to index `index` of `table` (the primary one when
 * undefined) takes more than KEY_BYTES_MAX bytes for its table, index and column values (`chars`
 * hex characters: a primary key's whole length, a secondary entry's `headChars`; the primary key
 * a secondary entry ends with is bounded as the row's own key), as PostgreSQL bounds an index row.
 * Only keys written are checked: a row stored before the bound existed must stay deletable and
 * updatable.
 */
export function checkKeyBytes(chars: number, table: Table, index?: IndexDef): void {
  // Keys are hex: two characters a byte.
  if (chars <= KEY_BYTES_MAX * 2) return
  const name = index?.name ?? table.def.primaryKeyName
  throw programLimitExceeded(
    `index row size ${chars / 2} exceeds maximum ${KEY_BYTES_MAX} for index "${name}"`,
    'Values larger than about a third of an 8 kB page cannot be indexed, as in PostgreSQL: index a hash of the value instead (a column holding md5 of it).',
  )
}

/** The primary key an index entry points at. */
export function primaryKeyOfEntry(table: Table, index: IndexDef, key: Key, value: string): Key {
  if (value !== '') return value
  const parts = decodeKey(key)
  return encodeKey([table.id, PRIMARY_INDEX_ID, ...parts.slice(2 + index.columns.length)])
}

/** The key of a prefix of an index's columns (range bounds). */
export function indexPrefixKey(table: Table, indexId: bigint, parts: readonly KeyPart[]): Key {
  return encodeKey([table.id, indexId, ...parts])
}
