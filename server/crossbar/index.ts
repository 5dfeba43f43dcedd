// The crossbar (ARCHITECTURE.md "crossbar", step 5): follows every journal, merges their records
// into one order by commitTs as closed timestamps allow, and routes writes to storage shards.
import type { HlcTimestamp } from '../clock/index.ts'
import type { Journal } from '../journal/index.ts'
import type { ShardOf, StorageShard } from '../storage/index.ts'

/** Tunables; defaults in crossbar/constants.ts. */
export interface CrossbarConfig {
  /** Records read from a journal per replay step and applied per storage transaction. */
  readonly batchRecordsMax?: number
  /** Records held waiting for other journals' closed timestamps before the crossbar stops
   * accepting more from a journal that runs ahead (back-pressure bound). */
  readonly pendingRecordsMax?: number
}

/** Everything a crossbar needs, injected. */
export interface CrossbarOptions {
  readonly journals: readonly Journal[]
  readonly shards: readonly StorageShard[]
  readonly shardOf: ShardOf
  readonly config?: CrossbarConfig
}

/**
 * A running crossbar. Its output commitTs never decreases (asserted); the merged frontier is the
 * minimum of the journals' closed timestamps, and every shard's frontier is advanced to it after
 * the records at or below it are applied.
 */
export interface Crossbar {
  /** Replays each journal from the lowest position any shard has applied, then follows live. */
  start(): void
  /** The merged frontier: every record at or below it has been applied to every shard. */
  frontier(): HlcTimestamp
  /** Asks every journal to close `ts` soon, so that a reader waiting on `ts` is not held for a
   * heartbeat interval. */
  requestFrontier(ts: HlcTimestamp): void
  /** Unfollows the journals. */
  close(): void
}

/** Builds a crossbar over `options.journals` and `options.shards`. */
export declare function createCrossbar(options: CrossbarOptions): Crossbar

/** Pure merge step, exposed for property tests: given per-journal queues (each sorted by
 * commitTs) and the merged frontier, removes and returns every record at or below the frontier,
 * in (commitTs, journalId) order. */
export declare function takeMerged<T extends { readonly commitTs: HlcTimestamp; readonly journalId: string }>(
  queues: T[][],
  frontierTs: HlcTimestamp,
): T[]
