// Defaults of a region's shape and housekeeping.

export const REGION_DEFAULTS = {
  journalCount: 2,
  shardCount: 2,
  partitionCount: 8,
  auth: true,
  /** Old versions are collected every 10 s, once older than the longest a transaction may live
   * (the adjudicator's TX_AGE_MS_MAX). */
  gcIntervalMs: 10_000,
  /** Storage checkpoints and journal segment deletion every minute: each costs fsyncs. */
  compactIntervalMs: 60_000,
  /** Index jobs are looked over every 5 s: a region takes over a job whose owner's lease lapsed
   * (INDEX_JOB_LEASE_MS, 10 s), so a job cut short by a region's loss goes on within 15 s. */
  indexJobSweepMs: 5_000,
  /** A full region unreachable for 2 s is failed over: with link loss detected within about a
   * second, the survivors serve again well within the 5 s the design promises. */
  failoverAfterMs: 2_000,
} as const
