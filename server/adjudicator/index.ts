// The adjudicator (ARCHITECTURE.md "adjudicator", step 4): for the key partitions it owns, decide
// commit or conflict (first committer wins), fix the commit timestamp, append the commit record.
import type { Clock, Hlc, HlcTimestamp, Timers } from '../clock/index.ts'
import type { Key, Write } from '../encoding/index.ts'
import type { Journal } from '../journal/index.ts'
import type { GivenUp } from './given-up.ts'

/** What the query processor sends at commit. Every key is checked against `startTs`. */
export interface CommitRequest {
  /** Unique per commit attempt (participants remember finished txIds and refuse them again). */
  readonly txId: string
  readonly startTs: HlcTimestamp
  /** New row images and index entries: checked, recorded at commitTs, and journaled. */
  readonly writes: readonly Write[]
  /** Keys read `FOR UPDATE`: checked and recorded at commitTs like writes, but not journaled. */
  readonly lockedKeys: readonly Key[]
  /** Keys whose change since `startTs` must abort the transaction (the schema keys of the
   * tables it used): checked only. */
  readonly readKeys: readonly Key[]
  /** Tables (ids, the leading part of their keys) whose rows the transaction's DDL read (an index
   * built, a constraint validated): a write to any of them committed after `startTs`, or in
   * flight, aborts it, and while it is prepared writes to them conflict. Checked at every owner,
   * since a table's rows fall in every partition. */
  readonly stableTables?: readonly number[]
}

/** The outcome of a commit, a value (never thrown). */
export type CommitOutcome =
  /** Durable (fsync'd; quorum in multi-region). */
  | {
      readonly kind: 'committed'
      readonly commitTs: HlcTimestamp
      readonly journalId: string
      readonly seq: number
    }
  /** `key` was committed after startTs, or is reserved by a commit in flight (first wins).
   * `old`: the transaction began below an owner's floor (it started after the transaction did: a
   * restart, or partitions changing hands between regions) or longer ago than the age limit; the
   * owner then takes any key as written, so `key` (which may be a catalog key the commit only
   * read) names no change of anyone's. */
  | { readonly kind: 'conflict'; readonly key: Key; readonly old?: true }
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

/** The longest a transaction may live: older ones abort at commit (the adjudicators keep no key
 * history beyond it, and storage may drop versions older than it). */
export { TX_AGE_MS_MAX } from './constants.ts'
/** The longest a coordinator prepares before it appends a commit across owners (a commit can
 * trail its last check by that much). */
export { RESERVATION_APPEND_MS_MAX } from './constants.ts'
/** Keys (writes, locked and read keys) one commit may have (54000 beyond, naming what counts):
 * 200,000. It bounds a commit record's writes too. */
export { KEYS_PER_COMMIT_MAX } from './constants.ts'

/** Tunables; defaults in adjudicator/constants.ts. */
export interface AdjudicatorConfig {
  /** Transactions older than this abort at commit; bounds the per-key history kept. */
  readonly txAgeMsMax?: number
  /** Keys (writes + locked + read) per commit request (54000 above). */
  readonly keysPerCommitMax?: number
  /** Recordings (key, commitTs) one adjudicator remembers; above it the oldest are forgotten and
   * the floor rises to their commitTs (old transactions then abort spuriously, never wrongly
   * commit). */
  readonly keysTrackedMax?: number
  /** The same bound on the characters of those keys (KEY_CHARS_TRACKED_MAX). */
  readonly keyCharsTrackedMax?: number
  /** How often idle adjudicators drop expired history (0 disables the timer). */
  readonly pruneIntervalMs?: number
}

/** What a participant of a commit spanning several owners checks and reserves. Its keys are the
 * request's keys that fall in the participant's partitions. */
export interface PrepareRequest {
  readonly txId: string
  readonly startTs: HlcTimestamp
  /** Checked and reserved until `finish` (journaled by the coordinator). */
  readonly writeKeys: readonly Key[]
  /** Checked and reserved until `finish`. */
  readonly lockedKeys: readonly Key[]
  /** Checked only, never reserved. */
  readonly readKeys: readonly Key[]
  /** As CommitRequest.stableTables: checked, then reserved until `finish` (writes to them conflict). */
  readonly stableTables?: readonly number[]
  /** Who coordinates: set by a region's adjudicators (`AdjudicatorOptions.run`), kept with the
   * reservation. A participant in another region whose `finish` does not come settles the commit
   * from its replica of that journal instead (`Adjudicators.settle`, `preparedElsewhere`). */
  readonly coordinator?: Coordinator
}

/** The coordinator of a commit across owners: the journal its one commit record goes to, and the
 * run (one start of the region's process) that coordinates it. A later run of that region never
 * appends a record for a commit an earlier run prepared: the request lived only in the earlier
 * process's memory. */
export interface Coordinator {
  readonly journalId: string
  readonly run: string
}

/** A participant's answer to `prepare`, a value. */
export type PrepareOutcome =
  /** Keys checked and reserved; `proposedTs` is the participant's `hlc.now()`, above `startTs`. */
  | { readonly kind: 'prepared'; readonly proposedTs: HlcTimestamp }
  /** Nothing was reserved. `old` as in `CommitOutcome`. */
  | { readonly kind: 'conflict'; readonly key: Key; readonly old?: true }

/** Ends a prepared commit at a participant. Idempotent; unknown txIds are ignored. */
export interface FinishRequest {
  readonly txId: string
  /** The final commitTs of the coordinator's commit record (recorded against the reserved keys,
   * also when durability is still unknown), or undefined when the commit was abandoned. */
  readonly commitTs: HlcTimestamp | undefined
}

/**
 * The participant side of a commit spanning several owners. In one process it is the owning
 * adjudicator itself (synchronous answers: no await between check and append, so no races); across
 * regions the multi-region wiring implements it over the network (promises; reservations then
 * keep the keys safe while messages travel). A participant must never leave a key reserved by a
 * conflict; a prepared one stays reserved until `finish`.
 */
export interface AdjudicatorPeer {
  readonly id: string
  prepare(request: PrepareRequest): PrepareOutcome | Promise<PrepareOutcome>
  finish(request: FinishRequest): void | Promise<void>
}

/** An owner living in another region: its partitions, its participant API, and where to forward
 * a whole request whose first key it owns (it then coordinates). */
export interface RemoteOwnerSpec {
  readonly id: string
  readonly partitions: readonly number[]
  readonly peer: AdjudicatorPeer
  readonly commitService: CommitService
}

/** Everything the adjudicators of a region need, injected. */
export interface AdjudicatorOptions {
  readonly partitionCount: number
  /** The owners living in this region (each appends to its own journal). */
  readonly owners: readonly OwnerSpec[]
  /** Owners in other regions; together with `owners`, every partition has exactly one owner. */
  readonly remoteOwners?: readonly RemoteOwnerSpec[]
  /** Defaults to `hashPartitionOf(partitionCount)`. */
  readonly partitionOf?: PartitionOf
  readonly hlc: Hlc
  readonly clock: Clock
  readonly timers: Timers
  readonly config?: AdjudicatorConfig
  /** Every key counts as written at least at this ts (a hand-over: partitions taken from a failed
   * region start at the seal of its journal, so no transaction older than that misses a write). */
  readonly floorTs?: HlcTimestamp
  /** Receives failures of remote `finish` calls after the outcome was decided (the participant
   * then keeps its reservation until it learns the outcome from the coordinator's journal). */
  readonly onPeerError?: (error: unknown) => void
  /** This process's run (a fresh id at each start of the region), sent with every prepare as the
   * coordinator's (`PrepareRequest.coordinator`). Undefined in a single region, where every
   * participant lives and dies with its coordinator. */
  readonly run?: string
  /** Where this run notes the commits across regions it finished without a record (a finish
   * without commitTs), for participants whose finish was lost to ask about; it never appends a
   * record for one noted there. Undefined in a single region. */
  readonly givenUp?: GivenUp
}

/** A commit prepared at a local owner for a coordinator of another run (another region's
 * process), whose `finish` has not come. */
export interface PreparedElsewhere {
  readonly txId: string
  readonly coordinator: Coordinator
}

/** What one local adjudicator holds (for tests, benches and health pages). */
export interface AdjudicatorStats {
  readonly id: string
  /** Keys whose last commitTs is remembered (bounded by `keysTrackedMax`). */
  readonly keysTracked: number
  /** Recordings queued for pruning, current or superseded (bounded by `keysTrackedMax`). */
  readonly historyEntries: number
  /** Characters of the keys of those recordings (bounded by `keyCharsTrackedMax`). */
  readonly historyChars: number
  /** Every key counts as written at this ts: the journals' last commitTs at start, raised by pruning. */
  readonly floorTs: HlcTimestamp
  readonly keysReserved: number
  /** Keys read by prepared commits, held until their finish (a leak shows here). */
  readonly keysHeld: number
  /** Keys a writer found held, marked wanted for WANTED_MS (expired marks go lazily). */
  readonly keysWanted: number
  readonly txPrepared: number
}

/** A region's adjudicators behind one `CommitService`. Each owner starts by treating every key of
 * its partitions as written at the region's journals' last commitTs (safe after a restart or
 * hand-over). A request spanning owners runs prepare / one commit record / finish, coordinated by
 * the owner of the first key in request order (writes, then locked keys, then read keys).
 * Conflicts never leave reservations behind.
 *
 * `commit` rejects (never resolves a conflict) with SqlError 54000 when the request has more than
 * `keysPerCommitMax` keys or the journal's queue is full, and with the journal's 57P03 when it is
 * closed; nothing was committed then. Every other outcome is a `CommitOutcome` value. */
export interface Adjudicators extends CommitService {
  readonly partitionOf: PartitionOf
  /** `forwarded`: sent here by another region's adjudicators. Decided with this region's own
   * owners, or rejected with 57P03 (nothing written) when the coordinator is another region as
   * this one sees ownership: never forwarded again (see remote-owners.ts `serveAdjudicators`). */
  commit(request: CommitRequest, forwarded?: boolean): Promise<CommitOutcome>
  /** The participant API of a local owner, for the network layer to serve to other regions. */
  peer(ownerId: string): AdjudicatorPeer
  /** Commits prepared here before `beforeMs` (wall clock) for a coordinator of another run, oldest
   * first, at most `max`: those whose finish may never come (the coordinator's process died). */
  preparedElsewhere(beforeMs: number, max: number): readonly PreparedElsewhere[]
  /**
   * Ends `txId`, prepared here for a coordinator appending to `journalId`, as that journal shows
   * it: `commitTs` when its commit record is there (its keys recorded as written then, as
   * `finish` does), undefined when the journal shows it can never be (released). The caller
   * must know which: a release while the record may still come lets a conflicting commit through.
   * Anything else (not prepared here, another coordinator) is ignored and not remembered. True
   * when something was settled.
   */
  settle(txId: string, journalId: string, commitTs: HlcTimestamp | undefined): boolean
  stats(): readonly AdjudicatorStats[]
  /** Stops the pruning timer; journals belong to the caller and stay open. */
  close(): void
}

/** Builds the adjudicators of one region. Asserts that every partition has exactly one owner. */
export { createAdjudicators } from './adjudicators.ts'

/** The default partition function: FNV-1a of the key, modulo `partitionCount`. */
export { hashPartitionOf } from './hash-partition-of.ts'

/** The commits a run gave up, remembered for a while (bounded) for participants to ask about. */
export { GivenUp } from './given-up.ts'
