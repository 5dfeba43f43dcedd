// Defaults of a region's shape and housekeeping.

/**
 * How far beyond the longest a commit can trail a DROP (or TRUNCATE, DROP INDEX) storage waits
 * before it deletes the dead key range, past its own frontier. A commit that read the definition
 * before the drop may commit after it and still write there: one owner checks it within the
 * transaction age limit (older ones abort); one prepared across owners may append up to
 * RESERVATION_APPEND_MS_MAX after its prepares (read keys are checked at prepare, not reserved),
 * so the wait is the larger of the two plus this slack, which covers how far an HLC runs ahead of
 * wall time under bursts, a closed-timestamp lead and the clock-error bound. Once the frontier is
 * past that, every such write is applied, so the deletion is final.
 */
export const GC_DEAD_RANGE_SLACK_MS = 60_000

export const REGION_DEFAULTS = {
  journalCount: 2,
  shardCount: 2,
  partitionCount: 8,
  auth: true,
  /** A garbage-collection step every 50 ms, each for one shard in turn (every 100 ms per shard
   * with two): a step reads at most 1,024 versions and deletes at most 1,024 rows of dropped
   * tables (about 1 ms, see storage's GC_VERSIONS_PER_STEP), so collection holds about 2% of the
   * event loop at most, and a shard of 1M versions is walked in about 100 s, well within the 5
   * minutes (the adjudicator's TX_AGE_MS_MAX) garbage waits anyway before it may go. */
  gcIntervalMs: 50,
  /** Storage checkpoints and journal segment deletion every minute: each costs fsyncs. */
  compactIntervalMs: 60_000,
  /** Index jobs are looked over every 5 s: a region takes over a job whose owner's lease lapsed
   * (INDEX_JOB_LEASE_MS, 10 s), so a job cut short by a region's loss goes on within 15 s. */
  indexJobSweepMs: 5_000,
  /** A full region unreachable for 2 s is failed over: with link loss detected within about a
   * second, the survivors serve again well within the 5 s the design promises. */
  failoverAfterMs: 2_000,
} as const
