// Garbage entries (ARCHITECTURE.md "storage", garbage collection): the keys that name a key range
// no snapshot after their commit can read, which each shard deletes once no reader can be older.
import { decodeKeyPrefix, encodeKey, prefixEnd, type Key } from '../encoding/index.ts'
import { assert } from '../errors/index.ts'

/** The reserved table id of garbage entries (beside the query processor's system tables 1-5). */
export const GARBAGE_TABLE_ID = 6n

/** `encodeKey([GARBAGE_TABLE_ID])`: every garbage entry starts with it. */
const GARBAGE_PREFIX: Key = encodeKey([GARBAGE_TABLE_ID])

/** The garbage entry naming every key that starts with `prefix`, an encoded key whose first part
 * is a table id other than GARBAGE_TABLE_ID. Key encoding concatenates parts, so the entry is
 * `encodeKey([GARBAGE_TABLE_ID, ...parts of prefix])`. */
export function garbageKey(prefix: Key): Key {
  const tableId = decodeKeyPrefix(prefix, 1)[0]
  const ok = typeof tableId === 'bigint' && tableId !== GARBAGE_TABLE_ID
  assert(ok, `bad garbage prefix ${prefix}`)
  return GARBAGE_PREFIX + prefix
}

/** The prefix a garbage entry names, or undefined when `key` is not a garbage entry. */
export function garbagePrefixOf(key: Key): Key | undefined {
  return key.startsWith(GARBAGE_PREFIX) && key.length > GARBAGE_PREFIX.length
    ? key.slice(GARBAGE_PREFIX.length)
    : undefined
}

/** The key range holding every garbage entry. */
export const GARBAGE_RANGE = { start: GARBAGE_PREFIX, end: prefixEnd(GARBAGE_PREFIX) } as const
