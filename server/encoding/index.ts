// Order-preserving key encoding and row encoding (ARCHITECTURE.md "Keys and rows"): every table
// row, index entry and catalog entry is a `Key` in one ordered key space.

/**
 * An encoded key: lowercase hex of order-preserving bytes. Comparing two keys as JS strings (or
 * as SQLite TEXT with BINARY collation) gives the order of the tuples they encode.
 */
export type Key = string

/** One write of a commit: a new value, or `null` for a delete (a tombstone). */
export interface Write {
  readonly key: Key
  readonly value: string | null
}

/** An exact decimal number in canonical text form: `-12.5`, `0`, `1000` (no exponent, no `+`). */
export interface DecimalPart {
  readonly decimal: string
}

/**
 * One component of a key tuple. Each kind has its own tag byte, so values of one kind order by
 * value (bigint, number and decimal numerically; NaN above +Infinity as in PostgreSQL; -0 equal
 * to 0; strings by UTF-8 bytes; bytes lexicographically) and kinds order by tag:
 * null < boolean < bigint < number < decimal < string < bytes. A column's values are all of one
 * kind, so cross-kind order only has to be fixed, not meaningful. Decoding restores the kind.
 */
export type KeyPart = null | boolean | bigint | number | DecimalPart | string | Uint8Array

/** Encodes a tuple so that byte order equals tuple order (element-wise, shorter prefix first). */
export declare function encodeKey(parts: readonly KeyPart[]): Key
/** Inverse of `encodeKey`. Numbers come back in the kind they were encoded with. */
export declare function decodeKey(key: Key): KeyPart[]
/** The smallest key greater than every key that starts with `prefix` (exclusive range end). */
export declare function prefixEnd(prefix: Key): Key

/** Encodes a row (a tuple of column values, by column position) as a compact string. */
export declare function encodeRow(values: readonly KeyPart[]): string
/** Inverse of `encodeRow`: exact kinds are preserved (bigint stays bigint, -0, NaN, ±Infinity). */
export declare function decodeRow(encoded: string): KeyPart[]
