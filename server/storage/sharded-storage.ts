// All storage shards of a region behind one reader (ARCHITECTURE.md "storage", step 2): point
// reads go to the owning shard, range scans merge every shard's scan by key.
import type { HlcTimestamp } from '../clock/index.ts'
import { assert } from '../errors/index.ts'
import { encodeKey, type Key } from '../encoding/index.ts'
import type {
  KeyRange,
  KeyValue,
  ScanOptions,
  ShardOf,
  StorageReader,
  StorageShard,
} from './index.ts'

export class ShardedStorage implements StorageReader {
  readonly shards: readonly StorageShard[]
  readonly shardOf: ShardOf
  /** The shard of each table asked about (one entry per table). */
  readonly #tableShards = new Map<bigint, StorageShard>()

  constructor(shards: readonly StorageShard[], shardOf: ShardOf) {
    assert(shards.length > 0, 'sharded storage needs at least one shard')
    shards.forEach((s, i) => assert(s.id === i, `shard ${s.id} is at index ${i}`))
    this.shards = shards
    this.shardOf = shardOf
  }

  waitForFrontier(ts: HlcTimestamp, timeoutMs: number): Promise<void> {
    if (this.frontier() >= ts) return Promise.resolve()
    // Every commit waits here once. The crossbar moves all shards in one synchronous step, so
    // one wait (on a shard still below ts) usually covers them all: checked on waking, and the
    // shards still below are waited for then (so a wait may then last up to twice timeoutMs).
    const lagging = this.shards.find((s) => s.frontier() < ts) as StorageShard
    return lagging.waitForFrontier(ts, timeoutMs).then(() => {
      if (this.frontier() >= ts) return
      return Promise.all(this.shards.map((s) => s.waitForFrontier(ts, timeoutMs))).then(() => {})
    })
  }

  get(key: Key, ts: HlcTimestamp): string | undefined {
    return this.#shardFor(key).get(key, ts)
  }

  scan(range: KeyRange, ts: HlcTimestamp, options: ScanOptions = {}): Iterable<KeyValue> {
    const only = this.shards.length === 1 ? this.shards[0] : undefined
    if (only !== undefined) return only.scan(range, ts, options)
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    const reverse = options.reverse === true
    // Each shard scan asserts the frontier now, not when the merge first pulls from it.
    const sources = this.shards.map((s) => s.scan(range, ts, { reverse }))
    return mergeScans(sources, reverse, limit)
  }

  lastWriteTs(tableId: bigint): HlcTimestamp {
    // Asked on every statement (for the catalog): a table's shard never changes, so find it once.
    let shard = this.#tableShards.get(tableId)
    if (shard === undefined) {
      shard = this.#shardFor(encodeKey([tableId]))
      this.#tableShards.set(tableId, shard)
    }
    return shard.lastWriteTs(tableId)
  }

  storedBytes(range: KeyRange, ts: HlcTimestamp): number {
    // A table's keys live in one shard, but a range may span tables: every shard answers, and one
    // that holds nothing of the range answers after one b-tree descent.
    let bytes = 0
    for (const s of this.shards) bytes += s.storedBytes(range, ts)
    return bytes
  }

  frontier(): HlcTimestamp {
    let min = Number.POSITIVE_INFINITY
    for (const s of this.shards) min = Math.min(min, s.frontier())
    return min
  }

  #shardFor(key: Key): StorageShard {
    const i = this.shardOf(key)
    const shard = this.shards[i]
    if (shard === undefined) assert(false, `key ${key} routed to missing shard ${i}`)
    return shard
  }
}

interface Head {
  readonly iterator: Iterator<KeyValue>
  current: KeyValue
}

/** k-way merge of key-ordered scans; the shard count is small, so a linear pick beats a heap. */
function* mergeScans(
  sources: readonly Iterable<KeyValue>[],
  reverse: boolean,
  limit: number,
): Generator<KeyValue> {
  if (limit <= 0) return
  const heads: Head[] = []
  for (const source of sources) {
    const iterator = source[Symbol.iterator]()
    const first = iterator.next()
    if (!first.done) heads.push({ iterator, current: first.value })
  }
  let produced = 0
  let lastKey: Key | undefined
  while (heads.length > 0) {
    let best = 0
    for (let i = 1; i < heads.length; i++) {
      const key = (heads[i] as Head).current.key
      const bestKey = (heads[best] as Head).current.key
      if (reverse ? key > bestKey : key < bestKey) best = i
    }
    const head = heads[best] as Head
    const kv = head.current
    assert(
      lastKey === undefined || (reverse ? kv.key < lastKey : kv.key > lastKey),
      `key ${kv.key} is held by two shards or out of order`,
    )
    lastKey = kv.key
    yield kv
    if (++produced >= limit) {
      for (const h of heads) h.iterator.return?.()
      return
    }
    const next = head.iterator.next()
    if (next.done) heads.splice(best, 1)
    else head.current = next.value
  }
}
