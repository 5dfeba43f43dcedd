// A journal's read cache (ARCHITECTURE.md "journal"): its newest durable records in memory, so the
// followers reading just behind the tail (the crossbar, replication) rarely touch the disk.
import { assert } from '../errors/index.ts'
import type { CommitRecord } from './index.ts'

/** Memory a record's write costs beyond its key and value characters (the object, the slot). */
const WRITE_OVERHEAD_BYTES = 48
/** Memory a record costs beyond its writes. */
const RECORD_OVERHEAD_BYTES = 128

/**
 * The measure every bound on records held in memory uses (the read cache, reads, the crossbar's
 * queues): its key and value characters plus fixed overheads. O(writes).
 */
export function recordBytes(record: CommitRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES
  for (const w of record.writes) bytes += WRITE_OVERHEAD_BYTES + w.key.length + (w.value?.length ?? 0)
  return bytes
}

/**
 * Contiguous records, newest last, bounded in count and in bytes (`recordBytes`): a count alone
 * let a journal of 3 MB rows hold gigabytes. Trimmed from the front in bulk, down to the count
 * bound and half the byte bound, so a push costs O(1) amortized.
 */
export class RecentRecords {
  readonly #recordsMax: number
  readonly #bytesMax: number
  #records: CommitRecord[] = []
  #sizes: number[] = []
  #bytes = 0

  constructor(recordsMax: number, bytesMax: number) {
    assert(recordsMax >= 1 && bytesMax >= 1, 'the read cache holds something')
    this.#recordsMax = recordsMax
    this.#bytesMax = bytesMax
  }

  /** The seq of the oldest record held; Infinity when none is. */
  get firstSeq(): number {
    return this.#records[0]?.seq ?? Number.POSITIVE_INFINITY
  }

  /** Bytes held, by the measure the bound uses. */
  get bytes(): number {
    return this.#bytes
  }

  /** Adds the record after the newest one. */
  push(record: CommitRecord): void {
    const last = this.#records.at(-1)
    if (last !== undefined && record.seq !== last.seq + 1) assert(false, `cached seq ${record.seq} after ${last.seq}`)
    const size = recordBytes(record)
    this.#records.push(record)
    this.#sizes.push(size)
    this.#bytes += size
    if (this.#records.length >= 2 * this.#recordsMax || this.#bytes > this.#bytesMax) this.#trim()
  }

  /** At most `count` records after `afterSeq` (at or after `firstSeq - 1`), and no more than
   * `bytesMax` of them beyond the first. */
  slice(afterSeq: number, count: number, bytesMax = Number.POSITIVE_INFINITY): CommitRecord[] {
    const start = afterSeq + 1 - this.firstSeq
    assert(start >= 0, `seq ${afterSeq + 1} is below the cache`)
    if (bytesMax === Number.POSITIVE_INFINITY) return this.#records.slice(start, start + count)
    let end = start
    let bytes = 0
    while (end < this.#records.length && end - start < count) {
      bytes += this.#sizes[end] as number
      if (bytes > bytesMax && end > start) break
      end++
    }
    return this.#records.slice(start, end)
  }

  #trim(): void {
    let drop = 0
    let bytes = this.#bytes
    while (drop < this.#records.length && (this.#records.length - drop > this.#recordsMax || bytes > this.#bytesMax / 2)) {
      bytes -= this.#sizes[drop] as number
      drop++
    }
    this.#records = this.#records.slice(drop)
    this.#sizes = this.#sizes.slice(drop)
    this.#bytes = bytes
  }
}
