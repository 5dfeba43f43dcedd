// Limits of the adjudicator (ARCHITECTURE.md "adjudicator", step 4): how much history it keeps
// and how large a commit may be. Relations between them are asserted at load.
import { assert } from '../errors/index.ts'

/** Transactions older than this abort at commit (Aurora DSQL's maximum transaction duration). */
export const TX_AGE_MS_MAX = 5 * 60 * 1000

/**
 * A participant's reservation (a prepared commit whose coordinator has not finished it) lapses
 * after this long: a coordinator that died must not hold keys for ever. Lapsing records the keys
 * as written at the participant's clock, so it is safe only for a coordinator that will not
 * append any more: a coordinator gives up a commit whose prepares took more than half of this
 * (RESERVATION_APPEND_MS_MAX), and the other half (minutes) leaves its record's commitTs far below
 * the lapse. Independent of the transaction age limit, which may be configured much shorter.
 */
export const RESERVATION_LAPSE_MS = 5 * 60 * 1000
/** The longest a coordinator may spend preparing before it appends the commit record. */
export const RESERVATION_APPEND_MS_MAX = RESERVATION_LAPSE_MS / 2

/**
 * How long a key whose write or lock found it held by prepared readers stays wanted: new prepares
 * reading it conflict meanwhile (adjudicator.ts #wanted), so the holds drain and the writer's
 * retry gets through. The writer is not tracked (its retry is a new transaction), so the mark also
 * outlives a writer that gave up: short, but longer than a retry takes to come back across regions
 * (the SDK's first re-runs wait at most 10-80 ms, plus a begin, the statements and the commit's
 * round trips).
 */
export const WANTED_MS = 500
/** Wanted keys one adjudicator remembers; the oldest mark goes first (it only costs liveness). */
export const WANTED_KEYS_MAX = 10_000

/**
 * Keys (writes + locked + read) in one commit request; more is SQLSTATE 54000. A modified row is
 * one key written plus one per index entry it writes or removes (two per index whose key an
 * UPDATE changes), plus what its foreign-key checks read and lock (two per foreign key it
 * references, seventeen per foreign key referencing it when it is deleted or re-keyed); a row
 * locked is one.
 * The query processor's 10,000 modified rows at 20 keys each (region/constants.ts asserts it)
 * cover tables of up to eight secondary indexes with their foreign keys. It also bounds a
 * commit record's writes, which region/constants.ts counts on to fit every record the query
 * processor lets through in the journal's RECORD_BYTES_MAX.
 */
export const KEYS_PER_COMMIT_MAX = 200_000

/** Keys whose last commitTs one adjudicator remembers. Above it the oldest are forgotten and the
 * floor rises to their commitTs: under heavy write load the effective transaction age shrinks
 * (old transactions abort spuriously) instead of memory growing without bound. */
export const KEYS_TRACKED_MAX = 1_000_000

/** Characters of the keys one adjudicator's history holds (a key is hex, a byte a character in
 * memory), the same bound in bytes: 1,000,000 keys of a wide index (2,704 bytes, 5,408
 * characters) would hold 5.4 GB. Keys of typical tables (a few ids, 20-60 characters) meet
 * KEYS_TRACKED_MAX first. */
export const KEY_CHARS_TRACKED_MAX = 64 * 1024 * 1024

/** Pruning steps per commit on top of one per key recorded, so expired history drains faster
 * than commits add to it. */
export const PRUNE_STEPS_PER_COMMIT = 16

/** Finished multi-owner commits a participant remembers, so that a prepare the network delivered
 * late (after its finish) is refused instead of reserving keys nobody will release. */
export const FINISHED_TX_REMEMBERED = 4096

/**
 * Commits across regions a coordinator's run finished without a record (gave up, or had nothing
 * to append) that it remembers, so that a participant whose abort finish was lost can learn it
 * by asking (region/orphaned-prepares.ts) instead of holding the keys until RESERVATION_LAPSE_MS.
 * Each is a txId of 32 hex digits, so 65,536 are a few MB; at a thousand give-ups a second (a hot
 * key under contention) they cover the last minute, far longer than a participant takes to ask
 * (ORPHAN_AGE_MS plus a sweep, a second or two) while its link to the coordinator is up. One
 * forgotten only leaves its participant the lapse, as before.
 */
export const GIVEN_UP_REMEMBERED = 65_536
/** How long a given-up commit is remembered at most: past the lapse every participant released
 * it anyway (a participant prepares before its coordinator gives up, so its lapse comes first,
 * within the clocks' difference). */
export const GIVEN_UP_KEPT_MS = RESERVATION_LAPSE_MS

/** How often an idle adjudicator drops expired history, and how many keys per tick at most. */
export const PRUNE_INTERVAL_MS = 1000
export const PRUNE_STEPS_PER_TICK = 10_000

assert(KEYS_PER_COMMIT_MAX <= KEYS_TRACKED_MAX, 'one commit must fit in the tracked history')
assert(PRUNE_STEPS_PER_COMMIT >= 1 && PRUNE_STEPS_PER_TICK >= 1, 'pruning must make progress')
assert(GIVEN_UP_REMEMBERED >= 1, 'a give-up is remembered')
assert(TX_AGE_MS_MAX > PRUNE_INTERVAL_MS, 'idle pruning must run within a transaction lifetime')
