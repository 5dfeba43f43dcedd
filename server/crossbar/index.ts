// The crossbar (ARCHITECTURE.md "crossbar", step 5): follows every journal, merges their records
// into one order by commitTs as closed timestamps allow, and routes writes to storage shards.
import type { HlcTimestamp } from '../clock/index.ts'
import type { CommitRecord, Journal } from '../journal/index.ts'
import type { ShardOf, StorageShard } from '../storage/index.ts'

/** Tunables; defaults in crossbar/constants.ts. */
export interface CrossbarConfig {
  /** Records read from a journal per replay step and applied per storage transaction. */
  readonly batchRecordsMax?: number
  /** Bytes (the journal's `recordBytes`) read from a journal per replay step. */
  readonly batchBytesMax?: number
  /** Records held waiting for other journals' closed timestamps before the crossbar stops
   * accepting more from a journal that runs ahead (back-pressure bound). */
  readonly pendingRecordsMax?: number
  /** The same bound in bytes (`recordBytes`). */
  readonly pendingBytesMax?: number
  /**
   * When records arrive from one journal, ask every other journal to close up to them, so that
   * they become mergeable once those journals have nothing older in flight, instead of when the
   * next reader asks or the next heartbeat comes. For journals in this process (one region):
   * a replica journal sends each such request over the network to its leader. Default false.
   */
  readonly closeOthersOnRecords?: boolean
}

/** Everything a crossbar needs, injected. */
export interface CrossbarOptions {
  readonly journals: readonly Journal[]
  readonly shards: readonly StorageShard[]
  readonly shardOf: ShardOf
  readonly config?: CrossbarConfig
  /**
   * Journals that join the merge later (a region's new journal generation, ARCHITECTURE.md
   * "Regions"), admitted by a record of a journal already merged. Called with every record the
   * crossbar receives; for a record that admits journals it returns them, once they may be
   * followed (the caller recorded them durably). The merged frontier stays at or below that
   * record's commitTs until they are given, then they are followed from the positions the shards
   * applied: every record of theirs must have a larger commitTs than the admitting one, so no
   * crossbar passes it without them, and none misses a record of theirs. Journals already merged
   * are skipped. Default: none.
   */
  readonly joins?: (record: CommitRecord) => Promise<readonly Journal[]> | undefined
  /**
   * Set by a caller that appends nothing to the merged journals while a shard cannot write (one
   * region: it refuses commits before they reach a journal, and the refusal and the append run in
   * one turn): a timestamp at or above every commitTs assigned so far (the journals' HLC, `last`).
   * The crossbar then keeps applying to a shard that cannot write, past its memtable bound: all
   * that comes while the failure lasts is what the journals took before it began, so the frontier
   * passes every commit a client was told of and readers go on at fresh snapshots. Asserted: a
   * record above what this returned when the crossbar first saw the failure is a bug. Unset (a
   * cluster: other regions go on committing), the merge stops once a shard's `canApply` is false.
   */
  readonly assignedTsMax?: () => HlcTimestamp
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
  /**
   * Bounds the journals' disk use: makes every shard durable, then truncates each journal through
   * the lowest position all shards now hold durably (whole segments only). Returns the number of
   * segments deleted. Synchronous: it blocks for the checkpoints' fsyncs, so call it seldom. It
   * first merges what is due, so a merge that a shard's `canApply` stopped resumes here at the
   * latest once the shard writes again.
   */
  compact(): number
  /**
   * The seq through which every shard held `journalId` durably at the last `compact` (0 before
   * one, and for in-memory shards, which hold nothing durably): a restart replays the journal only
   * after it.
   */
  durableThrough(journalId: string): number
  /**
   * Stops following a journal that has no record after `throughSeq` and never will (a sealed one,
   * ARCHITECTURE.md "Regions"), once every shard applied it through there: it no longer counts in
   * the merged frontier, in `requestFrontier` or in `compact`, and a record admitting it again
   * (`joins`) follows it anew. Returns whether it is not followed now (true for a journal never
   * followed). Asserts that the journal shows nothing after `throughSeq`.
   */
  release(journalId: string, throughSeq: number): boolean
  /**
   * Runs `fn`, which may make journals deliver closed timestamps, and applies nothing to storage
   * meanwhile: what became mergeable is applied at the next delivery or request after it (an idle
   * journal's heartbeat comes within its interval). For a caller on a statement's stack (the
   * region's keep-alive): reads at the statement's snapshot would not see what is applied, as
   * between two of its slices, but the keep-alive runs wherever a row is counted (a DML writing,
   * an index being built), code written for storage that does not move under it.
   */
  withoutApplying(fn: () => void): void
  /** The ids of the journals followed now, in the order they joined. */
  journalIds(): string[]
  /** Unfollows the journals. */
  close(): void
}

/**
 * Builds a crossbar over `options.journals` and `options.shards` (ids 0..n-1, in order). Records
 * are applied synchronously when a closed timestamp arrives, in storage transactions of at most
 * `batchRecordsMax` records; every shard gets every record (only its writes, possibly none), so
 * applied positions advance alike on all shards. Reads from a journal take at most
 * `batchRecordsMax` records and `batchBytesMax` bytes. Back-pressure: beyond `pendingRecordsMax`
 * queued records or `pendingBytesMax` bytes, a journal's new records are not buffered but re-read from the journal later, and the
 * journal counts as closed only up to what was received; the journals holding the frontier down
 * are read even then, so the queues stay within the bound plus one batch per journal. A shard that
 * cannot write keeps taking records when appends stop meanwhile (`assignedTsMax`); otherwise, while
 * it refuses more (`StorageShard.canApply`: it cannot write and its memtable is full) no record is
 * merged or applied, nothing is read past the pending bound, and the frontier moves only up to just
 * below the first record held.
 */
export { createCrossbar } from './crossbar.ts'

/** Pure merge step, exposed for property tests: given per-journal queues (each sorted by
 * commitTs) and the merged frontier, removes and returns every record at or below the frontier,
 * in (commitTs, journalId) order. */
export { takeMerged } from './take-merged.ts'
