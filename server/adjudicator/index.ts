// The adjudicator (ARCHITECTURE.md "adjudicator", step 4): for the key partitions it owns, decide
// commit or conflict (first committer wins), fix the commit timestamp, append the commit record.
import type { Clock, Hlc, HlcTimestamp, Timers } from '../clock/index.ts'
import type { Key, Write } from '../encoding/index.ts'
import type { Journal } from '../journal/index.ts'

/** What the query processor sends at commit. Every key is checked against `startTs`. */
export interface CommitRequest {
  readonly txId: string
  readonly startTs: HlcTimestamp
  /** New row images and index entries: checked, recorded at commitTs, and journaled. */
  readonly writes: readonly Write[]
  /** Keys read `FOR UPDATE`: checked and recorded at commitTs like writes, but not journaled. */
  readonly lockedKeys: readonly Key[]
  /** Keys whose change since `startTs` must abort the transaction (the schema keys of the
   * tables it used): checked only. */
  readonly readKeys: readonly Key[]
}

/** The outcome of a commit, a value (never thrown). */
export type CommitOutcome =
  /** Durable (fsync'd; quorum in multi-region). */
  | { readonly kind: 'committed'; readonly commitTs: HlcTimestamp; readonly journalId: string; readonly seq: number }
  /** `key` was committed after startTs, or is reserved by a commit in flight (first wins). */
  | { readonly kind: 'conflict'; readonly key: Key }
  /** The record may or may not be durable: report 40003, never success or 40001. */
  | { readonly kind: 'unknown'; readonly reason: string }

/** The commit entry point of a region: routes a request to the owners of its keys' partitions. */
export interface CommitService {
  /** Decides and, when it commits, appends one commit record and waits for its durability.
   * Read-only requests (no writes, no locked keys) still check `readKeys` but append nothing
   * and answer committed at startTs. */
  commit(request: CommitRequest): Promise<CommitOutcome>
}

/** Hash partitioning of the key space for adjudication (independent of storage shards). */
export type PartitionOf = (key: Key) => number

/** One adjudicator: the partitions it owns and the journal it appends to. */
export interface OwnerSpec {
  readonly id: string
  readonly journal: Journal
  readonly partitions: readonly number[]
}

/** Tunables; defaults in adjudicator/constants.ts. */
export interface AdjudicatorConfig {
  /** Transactions older than this abort at commit; bounds the per-key history kept. */
  readonly txAgeMsMax?: number
  /** Keys (writes + locked + read) per commit request (54000 above). */
  readonly keysPerCommitMax?: number
}

/** Everything the adjudicators of a region need, injected. */
export interface AdjudicatorOptions {
  readonly partitionCount: number
  readonly owners: readonly OwnerSpec[]
  readonly hlc: Hlc
  readonly clock: Clock
  readonly timers: Timers
  readonly config?: AdjudicatorConfig
}

/** A region's adjudicators behind one `CommitService`. Each owner starts by treating every key of
 * its partitions as written at its journal's last commitTs (safe after a restart or hand-over).
 * A request spanning owners runs prepare / one commit record / finish, coordinated by the owner of
 * the first partition touched. Conflicts never leave reservations behind. */
export interface Adjudicators extends CommitService {
  readonly partitionOf: PartitionOf
  close(): void
}

/** Builds the adjudicators of one region. */
export declare function createAdjudicators(options: AdjudicatorOptions): Adjudicators

/** The default partition function: a stable hash of the key, modulo `partitionCount`. */
export declare function hashPartitionOf(partitionCount: number): PartitionOf
