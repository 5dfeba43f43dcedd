// Aurora DSQL's `sys` schema: `sys.jobs`, the asynchronous jobs (CREATE INDEX ASYNC) with their
// state, as DSQL lists them: job_type INDEX_BUILD, status processing / completed / failed /
// cancelled, object_name the schema-qualified index, details the reason a job did not complete.
// A finished job stays listed for INDEX_JOB_RETENTION_MS (30 minutes, as in DSQL).
import type { IndexJob } from '../index-jobs.ts'
import { relation, T, type Row, type SystemRelation } from './relation.ts'

const STATUS: Readonly<Record<IndexJob['state'], string>> = {
  building: 'processing',
  succeeded: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
}

/** A wall-clock time in ms as a timestamptz datum (µs). */
const at = (ms: number | undefined) => (ms === undefined ? null : BigInt(Math.round(ms)) * 1000n)

function jobRow(job: IndexJob): Row {
  const dot = job.table.indexOf('.')
  const schema = dot < 0 ? 'public' : job.table.slice(0, dot)
  return {
    job_id: job.id,
    status: STATUS[job.state],
    details: job.state === 'failed' || job.state === 'cancelled' ? (job.error ?? null) : null,
    job_type: 'INDEX_BUILD',
    object_name: `${schema}.${job.index}`,
    start_time: at(job.createdAtMs),
    update_time: at(job.finishedAtMs ?? job.ownerAtMs),
  }
}

export const SYS: readonly SystemRelation[] = [
  relation(
    'sys',
    'jobs',
    [
      ['job_id', T.text], ['status', T.text], ['details', T.text], ['job_type', T.text],
      ['object_name', T.text], ['start_time', T.timestamptz], ['update_time', T.timestamptz],
    ],
    (_model, env) => (env.jobs?.() ?? []).map(jobRow),
  ),
]
