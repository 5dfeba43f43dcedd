// The default partitioning of the key space over storage shards (ARCHITECTURE.md "Keys and
// rows"): a whole table, all its indexes, lives in shard `tableId mod shardCount`.
import { decodeKeyPrefix, leadingSmallUint, type Key } from '../encoding/index.ts'
import { assert } from '../errors/index.ts'
import { GARBAGE_TABLE_ID, garbagePrefixOf } from './garbage-key.ts'
import type { ShardOf } from './index.ts'

const GARBAGE = Number(GARBAGE_TABLE_ID)

export function tableShardOf(shardCount: number): ShardOf {
  assert(Number.isSafeInteger(shardCount) && shardCount >= 1, `bad shard count ${shardCount}`)
  if (shardCount === 1) return () => 0
  const n = BigInt(shardCount)
  const shardOf = (key: Key): number => {
    // Every read and every applied write is routed here: table ids are small.
    const small = leadingSmallUint(key)
    // A garbage entry lives beside the keys it names, whatever this region's shard count: the
    // shard then deletes them and the entry in one SQLite transaction, and a crash that loses
    // the deletion loses the entry's removal with it (one WAL, so what survives is a prefix).
    if (small === GARBAGE) {
      const prefix = garbagePrefixOf(key)
      if (prefix !== undefined) return shardOf(prefix)
    }
    if (small >= 0) return small % shardCount
    const tableId = decodeKeyPrefix(key, 1)[0]
    assert(typeof tableId === 'bigint', `key ${key} does not start with a table id`)
    return Number(((tableId % n) + n) % n)
  }
  return shardOf
}
