// The default partitioning of the key space over storage shards (ARCHITECTURE.md "Keys and
// rows"): a whole table, all its indexes, lives in shard `tableId mod shardCount`.
import { decodeKeyPrefix, leadingSmallUint, type Key } from '../encoding/index.ts'
import { assert } from '../errors/index.ts'
import type { ShardOf } from './index.ts'

export function tableShardOf(shardCount: number): ShardOf {
  assert(Number.isSafeInteger(shardCount) && shardCount >= 1, `bad shard count ${shardCount}`)
  if (shardCount === 1) return () => 0
  const n = BigInt(shardCount)
  return (key: Key) => {
    // Every read and every applied write is routed here: table ids are small.
    const small = leadingSmallUint(key)
    if (small >= 0) return small % shardCount
    const tableId = decodeKeyPrefix(key, 1)[0]
    assert(typeof tableId === 'bigint', `key ${key} does not start with a table id`)
    return Number(((tableId % n) + n) % n)
  }
}
