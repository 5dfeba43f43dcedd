// The bounded per-key history of one adjudicator (ARCHITECTURE.md step 4: "if any was committed
// after startTs, abort"): the last commitTs of each key, forgotten oldest first into a floor.
import type { HlcTimestamp } from '../clock/index.ts'
import type { Key } from '../encoding/index.ts'
import { assert } from '../errors/index.ts'

/** Compact the queue once this many consumed entries sit before its head (and half of it). */
const COMPACT_AFTER = 1024

/**
 * Every key counts as written at `max(lastTs(key), floorTs)`. Recordings also enter a FIFO queue
 * (parallel arrays, consumed from a head index) that pruning pops: a popped entry still current
 * for its key drops the key and raises the floor to its ts; a stale one (the key was written again
 * later) is just discarded. The queue, not iteration over the Map, gives the oldest entries: in
 * JavaScriptCore a Map iterated from its start after many deletions walks over their tombstones.
 */
export class KeyHistory {
  readonly #lastTs = new Map<Key, HlcTimestamp>()
  #queueKeys: Key[] = []
  #queueTs: HlcTimestamp[] = []
  #head = 0
  /** Characters of the queued recordings' keys. */
  #chars = 0
  #floorTs: HlcTimestamp
  readonly #entriesMax: number
  readonly #charsMax: number

  constructor(floorTs: HlcTimestamp, entriesMax: number, charsMax: number) {
    assert(entriesMax >= 1 && charsMax >= 1, 'the history must hold an entry')
    this.#floorTs = floorTs
    this.#entriesMax = entriesMax
    this.#charsMax = charsMax
  }

  get floorTs(): HlcTimestamp {
    return this.#floorTs
  }

  get keyCount(): number {
    return this.#lastTs.size
  }

  /** Queued recordings, current or stale: what bounds memory. */
  get entryCount(): number {
    return this.#queueKeys.length - this.#head
  }

  /** Characters of the queued recordings' keys (a stale one counts again: it may be the only
   * reference left to its string). */
  get charCount(): number {
    return this.#chars
  }

  /** Whether a transaction that started at `startTs` must not overwrite `key`. */
  writtenAfter(key: Key, startTs: HlcTimestamp): boolean {
    if (startTs < this.#floorTs) return true
    const lastTs = this.#lastTs.get(key)
    return lastTs !== undefined && lastTs > startTs
  }

  record(key: Key, commitTs: HlcTimestamp): void {
    const lastTs = this.#lastTs.get(key)
    if (lastTs !== undefined) {
      // Equal when a key is both written and locked in one commit.
      if (lastTs > commitTs) assert(false, `commitTs ${commitTs} of ${key} below its last ${lastTs}`)
      if (lastTs === commitTs) return
    }
    this.#lastTs.set(key, commitTs)
    this.#queueKeys.push(key)
    this.#queueTs.push(commitTs)
    this.#chars += key.length
  }

  /** Pops at most `steps` entries older than `cutoffTs`, or any while above a bound. */
  prune(cutoffTs: HlcTimestamp, steps: number): void {
    while (steps-- > 0 && this.#head < this.#queueKeys.length) {
      const ts = this.#queueTs[this.#head] as HlcTimestamp
      if (ts >= cutoffTs && this.entryCount <= this.#entriesMax && this.#chars <= this.#charsMax) break
      const key = this.#queueKeys[this.#head] as Key
      // The string may be megabytes: the slot must not keep it until the next compaction.
      this.#queueKeys[this.#head] = ''
      this.#head++
      this.#chars -= key.length
      if (this.#lastTs.get(key) !== ts) continue
      this.#lastTs.delete(key)
      if (ts > this.#floorTs) this.#floorTs = ts
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#queueKeys.length) {
      this.#queueKeys = this.#queueKeys.slice(this.#head)
      this.#queueTs = this.#queueTs.slice(this.#head)
      this.#head = 0
    }
  }
}
