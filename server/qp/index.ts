// The query processor (ARCHITECTURE.md "query processor", steps 1-4): parses SQL with libpg_query,
// binds, plans and executes over a snapshot plus the transaction's write buffer, and commits
// through the adjudicators. It never writes storage.
import type { Clock, Hlc, HlcTimestamp, Random, Timers } from '../clock/index.ts'
import type { CommitService } from '../adjudicator/index.ts'
import type { SqlError } from '../errors/index.ts'
import type { StorageReader } from '../storage/index.ts'
import type { WireValue } from './types/index.ts'

export type { WireValue }

/** A result column: its name and PostgreSQL type name (API.md). */
export interface Field {
  readonly name: string
  readonly type: string
}

/** The result of one statement (API.md "Result"), rows as arrays in field order. */
export interface Result {
  /** PostgreSQL's command tag word: SELECT, INSERT, UPDATE, DELETE, CREATE TABLE, ... */
  readonly command: string
  /** Rows returned (SELECT, RETURNING) or affected (INSERT, UPDATE, DELETE without RETURNING). */
  readonly rowCount: number
  readonly fields: readonly Field[]
  readonly rows: readonly (readonly WireValue[])[]
}

/** Limits of one transaction; defaults in qp/constants.ts. Each breach is a clear SqlError. */
export interface QpLimits {
  /** Rows inserted, updated or deleted per transaction (54000). Default 10,000. */
  readonly rowsModifiedMax?: number
  /** Bytes of keys and values in the write buffer, as UTF-8 of their JSON-escaped strings (what
   * the commit record stores), index entries included (54000). Default 4 MiB. */
  readonly txBytesMax?: number
  /** Per statement (57014); checked while executing. */
  readonly statementTimeoutMs?: number
  /** Rows a single result may hold (54000). */
  readonly resultRowsMax?: number
  /** Longest wait for the storage frontier at begin (57014 beyond). */
  readonly snapshotWaitMsMax?: number
  /** How old a transaction may be: a statement of an older one is refused (72000, snapshot too
   * old), since storage may have dropped the versions its snapshot needs and the adjudicators
   * abort its commit anyway. Default TX_AGE_MS_MAX (5 minutes); the region keeps all three equal. */
  readonly txAgeMsMax?: number
  /** Bytes the statements waiting between two slices may hold together (PAUSED_BYTES_MAX); one
   * that would pass it goes on without pausing. */
  readonly pausedBytesMax?: number
}

/** Everything the query processor needs, injected by `region`. */
export interface QueryProcessorOptions {
  readonly storage: StorageReader
  readonly commits: CommitService
  readonly hlc: Hlc
  readonly clock: Clock
  /** Bounds the waits of a statement on other transactions of this query processor (a refill of
   * a sequence waiting for an ALTER SEQUENCE to end). */
  readonly timers: Timers
  readonly random: Random
  /**
   * Chooses a beginning transaction's snapshot timestamp: it must be at or above the commitTs of
   * every commit acknowledged to any client before the call (strong consistency). The QP then
   * waits, bounded by snapshotWaitMsMax, until storage's frontier reaches it. The region decides
   * how: in one region, the crossbar's merged frontier once every journal was asked to close
   * `hlc.now()` (acknowledged commits are durable, and durable records are applied before their
   * acknowledgement, so the frontier already covers them and begin never waits on an fsync).
   */
  readonly snapshotTs: () => HlcTimestamp
  /**
   * In a cluster: a snapshot the region chose above its wall clock could show commits still in
   * their commit wait, which a transaction begun a moment later in another region (at its wall
   * clock) would not see. For such a snapshot this answers a promise that resolves once the wall
   * clock has reached it, and the begin waits for it as well as for the frontier; undefined when
   * there is nothing to wait for.
   */
  readonly settleSnapshot?: (ts: HlcTimestamp) => Promise<void> | undefined
  /**
   * In a cluster with a closed-timestamp lead: storage applies a commit before its commit wait
   * ends, so a statement may show a commit that a transaction begun a moment later in another
   * region, at a wall clock behind this one's (within the clock-error bound), does not see yet.
   * Called at the end of each statement with the newest commitTs the statement may have read
   * (the newest write applied to a table it used, at most its snapshot): a promise that resolves
   * once the wall clock is past it by the bound, as a commit's acknowledgement waits, and the
   * statement answers only then; undefined when there is nothing to wait for.
   */
  readonly settleReads?: (ts: HlcTimestamp) => Promise<void> | undefined
  /**
   * In a cluster: tells a transaction waiting at begin for storage's frontier that the region has
   * learned it cannot serve snapshots any more (a full region it needs, or a majority of regions,
   * went out of reach after `snapshotTs` answered), so the begin answers that error (57P03) then
   * instead of waiting out `snapshotWaitMsMax` for a closed timestamp that cannot come (57014).
   * A commit's wait for its own visibility ends then too, without an error (it is durable). Absent
   * in one region, where only an fsync can hold the frontier back.
   */
  readonly snapshotLoss?: SnapshotLossWatch
  readonly limits?: QpLimits
  /** In a cluster: what the region does while one statement holds its thread (see KeepAlive). */
  readonly keepAlive?: KeepAlive
  /** The region this query processor serves (`local` when absent): index jobs it runs are owned
   * by it (index-jobs.ts). */
  readonly region?: string
}

/**
 * A statement runs on its region's one thread, and a long one (a big join, a sort) holds it for
 * seconds, while the other regions call a link silent after 2 s. The executor calls `run` at
 * its timeout checks (every TIMEOUT_CHECK_ROWS rows and inside long functions), at most once per
 * `intervalMs` of the statement: the region pings its peers and publishes its journals' closed
 * timestamps there, so it looks busy, not gone. Between the slices of a statement the region's
 * own timers do that, so `run` is due only when one part runs long without slices (a subquery
 * inside an expression, a sort, DDL). `run` must not throw, nor change what the statement reads
 * (the region applies nothing to storage inside it).
 */
export interface KeepAlive {
  readonly run: () => void
  readonly intervalMs: number
}

/** Registers `listener`, called at most once with the error to answer (57P03) when the region
 * cannot serve snapshots: at once when it cannot now, else when it learns so; returns the
 * function that unregisters it. */
export type SnapshotLossWatch = (listener: (error: SqlError) => void) => () => void

export type TransactionStatus = 'open' | 'failed' | 'committed' | 'aborted'

/**
 * One transaction under snapshot isolation at `startTs`. Statements see the snapshot plus the
 * transaction's own writes. A statement that fails undoes its own writes and leaves the
 * transaction 'failed': later statements get 25P02, and commit rolls back (PostgreSQL's rule).
 */
export interface Transaction {
  readonly id: string
  readonly startTs: HlcTimestamp
  readonly readOnly: boolean
  readonly status: TransactionStatus
  /** Runs one SQL statement with `$n` bound to `params[n-1]` (JSON values, cast as PostgreSQL
   * casts untyped literals). Throws SqlError. Several statements in one string: 42601 unless
   * exactly one. BEGIN/COMMIT/ROLLBACK in SQL text: 0A000 (use the transaction endpoints). */
  execute(sql: string, params?: readonly unknown[]): Promise<Result>
  /** `execute` without a promise when the statement completes at once (nearly always): the
   * result, or a promise of it; throws where `execute` would reject. For the API's hot path. */
  run(sql: string, params?: readonly unknown[]): Result | Promise<Result>
  /** Commits: read-only ends at once; otherwise adjudicates and waits for durability. Throws
   * 40001 (OC000 data, OC001 schema), 40003 unknown outcome, 25P02 when failed (rolls back). */
  commit(): Promise<{ readonly commitTs: HlcTimestamp }>
  /** `commit` without a promise when there is nothing to adjudicate (a read-only transaction). */
  commitNow(): { readonly commitTs: HlcTimestamp } | Promise<{ readonly commitTs: HlcTimestamp }>
  /** Drops the write buffer. Idempotent. */
  rollback(): void
  /**
   * Fails the transaction as a statement error does (PostgreSQL's rule: later statements 25P02,
   * commit 25P02 and rolls back), for an error raised for a statement before it reached the QP:
   * the API's injected SQL faults (api/index.ts `SqlFaults`), which must leave the transaction
   * as the real error of their SQLSTATE would. Nothing ran, so nothing is undone. Only on an open
   * transaction that is not committing (an assertion otherwise).
   */
  failStatement(): void
}

/** The query processor of a region. */
export interface QueryProcessor {
  /** Starts a transaction at `snapshotTs()`, once storage can answer there (57014 on timeout).
   * The transaction itself, not a promise, when storage already can (nearly always). */
  begin(options?: { readonly readOnly?: boolean }): Transaction | Promise<Transaction>
}

/** The query processor a region runs: `QueryProcessor` plus what the region asks of it. */
export interface SqlQueryProcessor extends QueryProcessor {
  /** Starts the CREATE INDEX ASYNC jobs still building that this region should run and does not
   * run yet: its own (cut short when it last stopped), and those whose owner's lease lapsed. Each
   * goes on from its last committed batch; resolves to their job ids. Also forgets jobs that
   * finished INDEX_JOB_RETENTION_MS ago (a bounded number per call). */
  resumeIndexJobs(): Promise<string[]>
}

/** Builds a query processor. Transactions it begins are `SqlTransaction`s, which add
 * `explain(sql, params?)`: the chosen plan as text lines, for tests. */
export { createQueryProcessor, resolveLimits } from './query-processor.ts'
export { SqlTransaction } from './transaction.ts'
/** The default limits of a transaction: rows inserted, updated or deleted (10,000), and bytes of
 * writes as a commit record stores them (4 MiB). */
export { ROWS_MODIFIED_MAX, TX_BYTES_MAX } from './constants.ts'
/** Bytes one index key (the primary key's included) may take (54000 beyond, as PostgreSQL's
 * btree answers an index row over 2704 bytes). */
export { KEY_BYTES_MAX } from './constants.ts'
/** How long an index job's owner may go without a batch before another region takes it over, and
 * how many rows one of its batches indexes. */
export { INDEX_JOB_BATCH_ROWS, INDEX_JOB_LEASE_MS } from './index-jobs.ts'
/** Where a table lives in the key space: the key of its definition (every transaction using the
 * table reads it; DDL writes it), the id the first user table gets, and the primary index's id.
 * For tests that aim a table at a chosen adjudicator partition, or a row at a chosen key. */
export { FIRST_USER_TABLE_ID, PRIMARY_INDEX_ID, schemaKey } from './catalog.ts'
