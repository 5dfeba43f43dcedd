// Hash partitioning of the key space for adjudication (ARCHITECTURE.md step 4: "the adjudicator(s)
// that own the keys' partitions"), independent of storage shards.
import type { Key } from '../encoding/index.ts'
import { assert } from '../errors/index.ts'
import type { PartitionOf } from './index.ts'

const FNV_OFFSET_BASIS = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** FNV-1a (32 bit) over the UTF-16 code units of `key`: stable across processes and runtimes. */
export function fnv1a(key: Key): number {
  let hash = FNV_OFFSET_BASIS
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, FNV_PRIME)
  }
  return hash >>> 0
}

export function hashPartitionOf(partitionCount: number): PartitionOf {
  assert(
    Number.isSafeInteger(partitionCount) && partitionCount >= 1,
    `bad partition count ${partitionCount}`,
  )
  return (key) => fnv1a(key) % partitionCount
}
