// The query processor of a region (ARCHITECTURE.md step 1): begins transactions at a fresh HLC
// timestamp once storage can answer reads at it, sharing parse and catalog caches between them.
import { CatalogReads, TableCache } from './catalog.ts'
import {
  PAUSED_BYTES_MAX,
  RESULT_ROWS_MAX,
  ROWS_MODIFIED_MAX,
  SNAPSHOT_WAIT_MS_MAX,
  STATEMENT_TIMEOUT_MS,
  TX_BYTES_MAX,
} from './constants.ts'
import { TX_AGE_MS_MAX } from '../adjudicator/index.ts'
import { hex } from '../encoding/index.ts'
import { SqlError } from '../errors/index.ts'
import type { QpLimits, QueryProcessorOptions, SqlQueryProcessor } from './index.ts'
import { indexJobsAt, pruneFinishedIndexJobs, resumeIndexJobs } from './index-jobs.ts'
import { loadParser, ParseCache, parserLoaded } from './parser.ts'
import { frontierOrLoss } from './snapshot-wait.ts'
import { PlanCache, SqlTransaction, type QpShared } from './transaction.ts'

/** Every limit resolved against the defaults of constants.ts. */
export function resolveLimits(limits: QpLimits = {}): Required<QpLimits> {
  return {
    rowsModifiedMax: limits.rowsModifiedMax ?? ROWS_MODIFIED_MAX,
    txBytesMax: limits.txBytesMax ?? TX_BYTES_MAX,
    statementTimeoutMs: limits.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    resultRowsMax: limits.resultRowsMax ?? RESULT_ROWS_MAX,
    snapshotWaitMsMax: limits.snapshotWaitMsMax ?? SNAPSHOT_WAIT_MS_MAX,
    txAgeMsMax: limits.txAgeMsMax ?? TX_AGE_MS_MAX,
    pausedBytesMax: limits.pausedBytesMax ?? PAUSED_BYTES_MAX,
  }
}

export function createQueryProcessor(options: QueryProcessorOptions): SqlQueryProcessor {
  const shared: QpShared = {
    storage: options.storage,
    commits: options.commits,
    hlc: options.hlc,
    clock: options.clock,
    timers: options.timers,
    random: options.random,
    region: options.region ?? 'local',
    limits: resolveLimits(options.limits),
    parse: new ParseCache(),
    tables: new TableCache(),
    catalogReads: new CatalogReads(),
    plans: new PlanCache(),
    acked: { ts: 0 },
    snapshotLoss: options.snapshotLoss,
    settleReads: options.settleReads,
    keepAlive: options.keepAlive,
    paused: { bytes: 0 },
  }
  const newId = () => hex(options.random.bytes(16))
  // Not async: when storage is already at the snapshot (nearly always) the transaction is
  // returned as is, without a promise and a turn of the microtask queue per statement.
  const begin = (beginOptions: { readonly readOnly?: boolean } = {}): SqlTransaction | Promise<SqlTransaction> => {
    const readOnly = beginOptions.readOnly ?? false
    if (!parserLoaded()) return loadParser().then(() => begin(beginOptions))
    const startTs = Math.max(options.snapshotTs(), shared.acked.ts)
    const settling = options.settleSnapshot?.(startTs)
    if (settling === undefined && startTs <= options.storage.frontier()) return new SqlTransaction(shared, { newId, startTs, readOnly })
    const frontier = options.storage.waitForFrontier(startTs, shared.limits.snapshotWaitMsMax)
    const waiting = settling === undefined ? frontier : Promise.all([settling, frontier]).then(() => {})
    return frontierOrLoss(waiting, options.snapshotLoss).then((end) => {
      if (end !== 'reached') throw end
      return new SqlTransaction(shared, { newId, startTs, readOnly })
    })
  }
  return {
    begin,
    async resumeIndexJobs(): Promise<string[]> {
      // A snapshot as a transaction takes it: the jobs are read at its timestamp.
      const at = await begin({ readOnly: true })
      at.rollback()
      const { storage, commits, hlc, random } = shared
      const host = { storage, commits, hlc, random }
      // Read once for both: the jobs to resume and those to forget.
      const jobs = indexJobsAt(storage, at.startTs)
      const resumed = resumeIndexJobs(shared, host, at.startTs, jobs)
      // Forgetting old jobs can wait for the next sweep when it cannot commit now.
      await pruneFinishedIndexJobs(host, shared.clock, at.startTs, jobs).catch((e: unknown) => {
        if (!(e instanceof SqlError)) throw e
      })
      return resumed
    },
  }
}
