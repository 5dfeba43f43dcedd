// CALL (ARCHITECTURE.md "query processor"): the one procedure Tessera has is Aurora DSQL's
// `sys.wait_for_job(job_id)`, which blocks until a CREATE INDEX ASYNC job ends and answers one row,
// `succeeded`: true when the index was built, false when the job failed or was cancelled (the
// reason is in sys.jobs). As in DSQL it is a procedure, not a function: `SELECT sys.wait_for_job`
// finds no function (42883).
import type { CallStmt, Node } from 'libpg-query'
import type { Clock, HlcTimestamp } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import { stringOf } from './binder.ts'
import { INDEX_JOB_RETENTION_MS, waitForIndexJob } from './index-jobs.ts'
import type { Result } from './index.ts'
import type { TxHost } from './tx-services.ts'
import { boolType, formatType, toWire, typeName, type Datum, type SqlType } from './types/index.ts'

/** What a CALL runs on: its transaction's arguments, snapshot and storage. */
export interface CallEnv {
  /** The arguments evaluated as a SELECT list would be (binding parameters as it does). */
  evaluate(args: readonly Node[]): { readonly values: readonly Datum[]; readonly types: readonly SqlType[] }
  /** Whether job `jobId` is visible at the transaction's snapshot, and whether it was created by
   * the transaction itself (it starts only once that commits). */
  job(jobId: string): 'none' | 'own' | 'visible'
  readonly storage: TxHost['storage']
  readonly clock: Clock
  readonly startTs: HlcTimestamp
  /** The statement timeout in force (57014 beyond). */
  readonly timeoutMs: number
}

/** Runs `CALL name(args)`. */
export async function runCall(call: CallStmt, env: CallEnv): Promise<Result> {
  const names = (call.funccall?.funcname ?? []).map((n) => stringOf(n))
  const { values, types } = env.evaluate(call.funccall?.args ?? [])
  const name = names.join('.')
  const textual = types.length === 1 && ['text', 'varchar', 'unknown'].includes(types[0]!.kind)
  if (name !== 'sys.wait_for_job' || !textual) {
    throw new SqlError('42883', `procedure ${name}(${types.map(formatType).join(', ')}) does not exist`, {
      hint: 'No procedure matches the given name and argument types. You might need to add explicit type casts.',
    })
  }
  const jobId = values[0]
  if (typeof jobId !== 'string') throw new SqlError('22004', 'the job id of sys.wait_for_job must not be null')
  const visible = env.job(jobId)
  if (visible === 'none') throw noSuchJob(jobId)
  if (visible === 'own') {
    throw new SqlError('55000', `job "${jobId}" starts only when the transaction that created it commits`, {
      hint: 'Commit the CREATE INDEX ASYNC first, then wait for its job in another transaction.',
    })
  }
  const ended = await waitForIndexJob(env.storage, env.clock, jobId, env.startTs, env.timeoutMs)
  // Forgotten while it was waited for: it ended more than the retention ago.
  if (ended === undefined) throw noSuchJob(jobId)
  return {
    command: 'CALL',
    rowCount: 1,
    fields: [{ name: 'succeeded', type: typeName(boolType) }],
    rows: [[toWire(ended.state === 'succeeded', boolType)]],
  }
}

const noSuchJob = (jobId: string) =>
  new SqlError('42704', `job "${jobId}" does not exist`, {
    detail: `Finished jobs are kept for ${INDEX_JOB_RETENTION_MS / 60_000} minutes.`,
  })
