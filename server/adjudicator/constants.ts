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

/** Keys (writes + locked + read) in one commit request; more is SQLSTATE 54000. */
export const KEYS_PER_COMMIT_MAX = 10_000

/** Keys whose last commitTs one adjudicator remembers. Above it the oldest are forgotten and the
 * floor rises to their commitTs: under heavy write load the effective transaction age shrinks
 * (old transactions abort spuriously) instead of memory growing without bound. */
export const KEYS_TRACKED_MAX = 1_000_000

/** Pruning steps per commit on top of one per key recorded, so expired history drains faster
 * than commits add to it. */
export const PRUNE_STEPS_PER_COMMIT = 16

/** Finished multi-owner commits a participant remembers, so that a prepare the network delivered
 * late (after its finish) is refused instead of reserving keys nobody will release. */
export const FINISHED_TX_REMEMBERED = 4096

/** How often an idle adjudicator drops expired history, and how many keys per tick at most. */
export const PRUNE_INTERVAL_MS = 1000
export const PRUNE_STEPS_PER_TICK = 10_000

assert(KEYS_PER_COMMIT_MAX <= KEYS_TRACKED_MAX, 'one commit must fit in the tracked history')
assert(PRUNE_STEPS_PER_COMMIT >= 1 && PRUNE_STEPS_PER_TICK >= 1, 'pruning must make progress')
assert(TX_AGE_MS_MAX > PRUNE_INTERVAL_MS, 'idle pruning must run within a transaction lifetime')
