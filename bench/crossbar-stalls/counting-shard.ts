// bench/crossbar-stalls: a storage shard (ARCHITECTURE.md "storage", step 5) that keeps no rows,
// only counts and checks what the crossbar applies, so the bench measures the merge, not SQLite.
import type { HlcTimestamp } from '../../server/clock/index.ts'
import { assert } from '../../server/errors/index.ts'
import type { GcStep, KeyValue, ShardRecord, StorageShard } from '../../server/storage/index.ts'

/** Called for every record a shard applies (not skipped), with the frontier it is applied under. */
export type OnApplied = (record: ShardRecord, frontierTs: HlcTimestamp) => void

/**
 * Implements the StorageShard contract's apply side exactly (skip at or below the stored
 * position, assert gapless positions, records above the frontier in commitTs order, frontier
 * never back) but stores nothing: reads see an empty database. `makeDurable` reports the applied
 * positions, as if every apply were durable, so the crossbar's compaction trims the simulated
 * journals and the run's memory stays bounded.
 */
export class CountingShard implements StorageShard {
  readonly id: number
  readonly #onApplied: OnApplied | undefined
  readonly #positions = new Map<string, number>()
  #frontier: HlcTimestamp = 0
  recordsApplied = 0
  writesApplied = 0
  applyCalls = 0

  constructor(id: number, onApplied?: OnApplied) {
    this.id = id
    this.#onApplied = onApplied
  }

  apply(records: readonly ShardRecord[], frontierTs: HlcTimestamp): void {
    assert(frontierTs >= this.#frontier, `shard ${this.id}: frontier went back`)
    this.applyCalls++
    let lastTs = this.#frontier
    for (const record of records) {
      const position = this.#positions.get(record.journalId) ?? 0
      if (record.seq <= position) continue
      assert(
        record.seq === position + 1,
        `shard ${this.id}: ${record.journalId} gap at ${record.seq}`,
      )
      assert(record.commitTs > this.#frontier, `shard ${this.id}: record below the frontier`)
      assert(record.commitTs >= lastTs && record.commitTs <= frontierTs, 'record out of order')
      lastTs = record.commitTs
      this.#positions.set(record.journalId, record.seq)
      this.recordsApplied++
      this.writesApplied += record.writes.length
      this.#onApplied?.(record, frontierTs)
    }
    this.#frontier = frontierTs
  }

  frontier(): HlcTimestamp {
    return this.#frontier
  }

  /** It never writes, so nothing can fail. */
  canApply(): boolean {
    return true
  }

  writeFailure(): undefined {
    return undefined
  }

  watchWriteFailure(): void {}

  appliedPositions(): ReadonlyMap<string, number> {
    return this.#positions
  }

  makeDurable(): ReadonlyMap<string, number> {
    return new Map(this.#positions)
  }

  forgetPositions(journalIds: readonly string[]): void {
    for (const id of journalIds) this.#positions.delete(id)
  }

  async waitForFrontier(ts: HlcTimestamp): Promise<void> {
    assert(ts <= this.#frontier, 'the bench never reads ahead of the frontier')
  }

  get(): string | undefined {
    return undefined
  }

  scan(): Iterable<KeyValue> {
    return []
  }

  lastWriteTs(): HlcTimestamp {
    return this.#frontier
  }

  storedBytes(): number {
    return 0
  }

  gc(): GcStep {
    return { versionsExamined: 0, versionsRemoved: 0, deadRowsRemoved: 0, deadRangesFinished: 0, passEnded: true }
  }

  close(): void {}
}
