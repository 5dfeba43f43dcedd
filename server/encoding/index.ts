// Order-preserving key encoding and row encoding (ARCHITECTURE.md "Keys and rows"): every table
// row, index entry and catalog entry is a `Key` in one ordered key space.
import * as keyEncoding from './key-encoding.ts'
import * as rowEncoding from './row-encoding.ts'

/** Lowercase hex of bytes (transaction and job ids). */
export { hex } from './hex.ts'

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

/**
 * Encodes a tuple so that byte order equals tuple order (element-wise, shorter prefix first).
 * Asserts on a value that is not a `KeyPart` or a malformed decimal (a bug of the caller).
 */
export const encodeKey: (parts: readonly KeyPart[]) => Key = keyEncoding.encodeKey
/**
 * Encodes one part: `encodeKey([a, ...rest]) === encodeKeyPart(a) + encodeKey(rest)`, so callers
 * can append a column to a prefix without re-encoding it.
 */
export const encodeKeyPart: (part: KeyPart) => Key = keyEncoding.encodeKeyPart
/**
 * Inverse of `encodeKey`. Numbers come back in the kind they were encoded with. Decimals come back
 * in canonical form ('1.50' -> '1.5', '-0' -> '0', '.5' -> '0.5'): in a key, trailing zeros are
 * not significant. `-0` comes back as `0`, every NaN as the one NaN. Asserts on a malformed key.
 */
export const decodeKey: (key: Key) => KeyPart[] = keyEncoding.decodeKey
/** Decodes only the first `count` parts of `key` (cheap: shard routing reads the table id). */
export const decodeKeyPrefix: (key: Key, count: number) => KeyPart[] = keyEncoding.decodeKeyPrefix
/**
 * The first part of `key` as a number when it is a bigint in [0, 2^48) (a table id), else -1.
 * Equals `Number(decodeKeyPrefix(key, 1)[0])` for such keys; routing per read and per write.
 */
export const leadingSmallUint: (key: Key) => number = keyEncoding.leadingSmallUint
/**
 * The smallest key greater than every key that starts with `prefix` (exclusive range end).
 * `prefixEnd('')` is `'ff'`, above every encoded key (no tag byte is 0xff).
 */
export const prefixEnd: (prefix: Key) => Key = keyEncoding.prefixEnd

/** Encodes a row (a tuple of column values, by column position) as a compact string. */
export const encodeRow: (values: readonly KeyPart[]) => string = rowEncoding.encodeRow
/**
 * Inverse of `encodeRow`: exact kinds are preserved (bigint stays bigint, -0, NaN, ±Infinity,
 * decimal text as given including its scale, bytes as a fresh Uint8Array).
 */
export const decodeRow: (encoded: string) => KeyPart[] = rowEncoding.decodeRow

/**
 * UTF-8 bytes of `JSON.stringify(text)` without its two quotes: what a key or a value takes in a
 * commit record (the journal's payload is JSON). Exact for every string, lone surrogates
 * included; costs one pass, no allocation. The query processor measures its write buffer with it.
 */
export { jsonStringBytes } from './json-bytes.ts'
