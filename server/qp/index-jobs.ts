// CREATE INDEX ASYNC (Aurora DSQL's syntax; ARCHITECTURE.md "query processor"): the statement adds
// the index as "building" (every write maintains it, no read uses it) and records a job; once it
// commits, the query processor fills the index in bounded batches, each its own transaction, and
// finally makes it usable. A job's state is readable at any snapshot (listIndexJobs).
// In a cluster every region could run a job, and two runners of one job would keep conflicting on
// its row: a job has an owner region, renewed by every batch it commits (a lease); another region
// takes a job over only once its owner has committed nothing for INDEX_JOB_LEASE_MS.
import type { Clock, HlcTimestamp } from '../clock/index.ts'
import { encodeKey, hex, prefixEnd, type Key, type Write } from '../encoding/index.ts'
import { duplicateTable, queryCanceled, SqlError } from '../errors/index.ts'
import type { Datum } from './types/index.ts'
import {
  encodeTableDef,
  indexKeyOf,
  INDEX_JOBS_TABLE_ID,
  schemaKey,
  siblingName,
  tableFromDef,
  type IndexDef,
  type Table,
  type TableDef,
} from './catalog.ts'
import { checkKeyBytes, decodeStoredRow } from './rows.ts'
import { entryOf, indexJobContext, indexKeys, keyDetail, type IndexKeys } from './index-keys.ts'
import { ParseCache } from './parser.ts'
import { INDEX_JOB_PARSE_ENTRIES } from './constants.ts'
import { enumKey, enumTypeOf, type EnumDef } from './enums.ts'
import type { EvalContext } from './expr.ts'
import { relationNameTaken } from './sequences.ts'
import type { DdlEnv } from './ddl.ts'
import type { TxHost } from './tx-services.ts'
import { withGarbage } from './garbage-writes.ts'

/** Rows one batch transaction indexes. */
export const INDEX_JOB_BATCH_ROWS = 500
/** Attempts per batch before the job fails (each conflict retries at a fresh snapshot). */
const BATCH_ATTEMPTS_MAX = 20
/** Batches per job (bounds a job at 50 million rows). */
const BATCHES_MAX = 100_000
/**
 * How long a job's owner may go without committing a batch before another region takes the job
 * over. A batch of 500 rows commits in milliseconds to a few hundred (a cross-region quorum, its
 * conflict retries); regions' clocks differ by at most the cluster's error bound (milliseconds).
 * A region that lost its owner this way finds out at its next batch (the takeover wrote the job's
 * row, so that batch conflicts, and the row it reads again names another owner) and stops. With a
 * closed-timestamp lead a renewal is visible elsewhere only once the wall clock passes its led
 * commitTs: the lease outlasts two of the largest leads (CLOSED_LEAD_MS_MAX, 2 s).
 */
export const INDEX_JOB_LEASE_MS = 10_000

/** How long a finished job (succeeded, failed or cancelled) stays listed in `sys.jobs` and
 * answers `sys.wait_for_job`, as Aurora DSQL keeps its finished jobs for 30 minutes. Without a
 * limit the job rows would grow with every index ever built, and every rename, TRUNCATE and sweep
 * reads them all. */
export const INDEX_JOB_RETENTION_MS = 30 * 60_000
/** Finished jobs one sweep forgets at most, in one transaction: a sweep stays small however many
 * jobs end at once; the next sweep (5 s later) takes the rest. */
export const PRUNE_JOBS_MAX = 256

/** The statement text the parser sees: `CREATE [UNIQUE] INDEX ASYNC` becomes `... INDEX /*A*\/`,
 * a comment of the same length (error positions stay right), which createIndex recognises. */
export function rewriteIndexAsync(sql: string): string {
  return sql.replace(/^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+)ASYNC\b/i, '$1/*A*/')
}

/** Whether a CREATE INDEX statement's text asked for ASYNC (see rewriteIndexAsync). */
export const isIndexAsync = (sql: string): boolean =>
  /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+\/\*A\*\//i.test(sql)

/** A job as stored under its key. */
export interface IndexJob {
  readonly id: string
  /** The table's catalog name and id (a table dropped and created again is another table). */
  readonly table: string
  readonly tableId: string
  readonly index: string
  readonly indexId: number
  /** `cancelled`: the index or its table was dropped before the job finished. */
  readonly state: 'building' | 'succeeded' | 'failed' | 'cancelled'
  readonly rowsDone: number
  /** The last primary key indexed. */
  readonly cursor?: Key | undefined
  readonly error?: string | undefined
  /** The region running the job (absent in jobs from before owners: anyone may take those). */
  readonly owner?: string | undefined
  /** When (the owner's wall clock, ms) the owner created the job or last committed a batch. */
  readonly ownerAtMs?: number | undefined
  /** When the job was created (its creator's wall clock, ms; absent in older jobs). */
  readonly createdAtMs?: number | undefined
  /** When the job ended, by the clock of the region that ended it (absent in older jobs and in
   * jobs still building). A finished job is forgotten INDEX_JOB_RETENTION_MS later. */
  readonly finishedAtMs?: number | undefined
}

/** The owner a job gets when `region` creates it or commits a batch of it at `wallMs`. */
export interface JobOwner {
  readonly owner: string
  readonly ownerAtMs: number
}

/** Whether region `region` must leave `job` alone at wall time `nowMs`: another region owns it
 * and renewed its lease recently. */
export function leasedElsewhere(job: IndexJob, region: string, nowMs: number): boolean {
  if (job.owner === undefined || job.owner === region) return false
  return nowMs - (job.ownerAtMs ?? 0) < INDEX_JOB_LEASE_MS
}

export const indexJobKey = (id: string): Key => encodeKey([INDEX_JOBS_TABLE_ID, id])

/** Every index job visible at a snapshot plus a write buffer, by job id (for a system relation). */
export function listIndexJobs(view: {
  scan(start: Key, end: Key): Iterable<{ readonly value: string }>
}): IndexJob[] {
  const start = encodeKey([INDEX_JOBS_TABLE_ID])
  return [...view.scan(start, prefixEnd(start))].map((kv) => JSON.parse(kv.value) as IndexJob)
}

/**
 * Table `from` (id `fromId`) is now `to` (id `toId`): a rename or SET SCHEMA keeps the id, TRUNCATE
 * keeps the name and takes a new, empty id. Its jobs still building follow it (a truncated table's
 * job starts over from its first row), written in the same transaction, so a batch committing
 * beside it conflicts and reads the job again; before, such a job looked for the old table, failed,
 * and left its index behind in the table, unused but holding its name.
 */
export function followTableChange(env: Pick<DdlEnv, 'view' | 'put'>, from: string, fromId: string, to: string, toId: string): void {
  for (const job of listIndexJobs(env.view)) {
    if (job.state !== 'building' || job.table !== from || job.tableId !== fromId) continue
    const moved: IndexJob = toId === fromId ? { ...job, table: to } : { ...job, table: to, tableId: toId, cursor: undefined, rowsDone: 0 }
    env.put(indexJobKey(job.id), JSON.stringify(moved))
  }
}

/** Adds `index` to `table` as building and records its job, owned by `owner` (the creating
 * region, which starts it once this commits). */
export function createIndexAsync(env: DdlEnv, table: Table, index: IndexDef, jobId: string, owner: JobOwner): void {
  if (relationNameTaken(env, siblingName(table.name, index.name))) throw duplicateTable(index.name)
  const def: TableDef = {
    ...table.def,
    buildingIndexes: [...(table.def.buildingIndexes ?? []), index],
    nextIndexId: index.id + 1,
  }
  const job: IndexJob = {
    id: jobId,
    table: table.name,
    tableId: String(table.id),
    index: index.name,
    indexId: index.id,
    state: 'building',
    rowsDone: 0,
    ...owner,
    createdAtMs: owner.ownerAtMs,
  }
  env.put(indexKeyOf(table.name, index.name), table.name)
  env.put(table.schemaKey, encodeTableDef(def))
  env.put(indexJobKey(jobId), JSON.stringify(job))
}

/** What a runner needs from its query processor. */
interface RunnerDeps extends Pick<TxHost, 'storage' | 'commits' | 'hlc' | 'random'> {
  readonly snapshotTs: () => HlcTimestamp
  readonly snapshotWaitMsMax: number
  /** The region this runner runs in (the owner its batches write) and its wall clock. */
  readonly region: string
  readonly clock: Clock
  /** A batch committed at `ts`. */
  committed(ts: HlcTimestamp): void
}

/** What jobs use of their query processor's shared state (QpShared has it all), which is also
 * the key of the jobs running in that query processor. */
export interface JobShared {
  readonly snapshotTs?: () => HlcTimestamp
  readonly limits?: { readonly snapshotWaitMsMax?: number }
  /** The region the query processor serves: the owner its jobs' batches write. */
  readonly region: string
  readonly clock: Clock
}

const running = new WeakMap<object, Map<string, Promise<void>>>()

/**
 * Where a job's batches take their snapshots: the query processor's own snapshot source when it
 * shares one (`snapshotTs`, as begin uses), else storage's applied frontier (consistent, possibly
 * behind the newest commits: a batch that conflicts with one retries once storage applied it).
 */
function snapshotSource(shared: JobShared, storage: TxHost['storage']): () => HlcTimestamp {
  const own = shared.snapshotTs
  if (typeof own === 'function') return own
  return () => storage.frontier()
}

/** What a job runs on: its query processor's storage, adjudicators, clock and randomness. */
export type JobHost = Pick<TxHost, 'storage' | 'commits' | 'hlc' | 'random'>

/**
 * Starts filling the index of job `jobId` (committed at or below `commitTs`) in `shared`'s query
 * processor, unless it runs there already. Returns the job's promise, which resolves when the job
 * ends: SQL failures of the index itself (a duplicate, a dropped table) are recorded in the job.
 * A runner stopped by its environment (the region closing, 57P03; a snapshot that could not be
 * had in time, 57014; a commit whose quorum was lost, 40003; an overload) leaves the job
 * `building` with the cursor of its last committed batch, and resumeIndexJobs (at the next open,
 * or the region's next sweep) starts it again. Any other error rejects the promise (an
 * AssertionError among them: a bug must surface).
 */
export function startIndexJob(
  shared: JobShared,
  host: JobHost,
  jobId: string,
  commitTs: HlcTimestamp,
): Promise<void> {
  const source = snapshotSource(shared, host.storage)
  const limits = shared.limits
  let last = commitTs
  // Never below the job's own commit (nor a batch's): a batch must see every row written before.
  const snapshotTs = () => Math.max(source(), last)
  let jobs = running.get(shared)
  if (jobs === undefined) running.set(shared, (jobs = new Map()))
  const already = jobs.get(jobId)
  if (already !== undefined) return already
  const deps: RunnerDeps = {
    ...{
      storage: host.storage,
      commits: host.commits,
      hlc: host.hlc,
      random: host.random,
      snapshotTs,
    },
    snapshotWaitMsMax: limits?.snapshotWaitMsMax ?? 10_000,
    region: shared.region,
    clock: shared.clock,
    committed: (ts) => (last = Math.max(last, ts)),
  }
  const job = runJob(deps, jobId)
    .catch((e: unknown) => {
      // The region stopped the runner (closing, no quorum, a slow snapshot, overload): the job's
      // state in storage is still `building`, to be started again. Anything else is a bug.
      if (!(e instanceof SqlError && fromRegion(e))) throw e
    })
    .finally(() => jobs.delete(jobId))
  jobs.set(jobId, job)
  return job
}

/**
 * Starts every job still `building` at snapshot `ts` that this query processor's region should
 * run and does not run yet: its own (cut short when the region last stopped), jobs without an
 * owner, and jobs whose owner let its lease lapse (a region that stopped or lost its links).
 * Returns their ids. A job goes on from the cursor of its last committed batch.
 */
export function resumeIndexJobs(
  shared: JobShared,
  host: JobHost,
  ts: HlcTimestamp,
  jobs: readonly IndexJob[] = indexJobsAt(host.storage, ts),
): string[] {
  const nowMs = shared.clock.wallMs()
  const mine = running.get(shared)
  const adopted = jobs
    .filter((job) => job.state === 'building' && mine?.has(job.id) !== true && !leasedElsewhere(job, shared.region, nowMs))
  for (const job of adopted) void startIndexJob(shared, host, job.id, ts)
  return adopted.map((job) => job.id)
}

/** Every index job in storage at snapshot `ts` (a sweep reads them once for all it does). */
export function indexJobsAt(storage: TxHost['storage'], ts: HlcTimestamp): IndexJob[] {
  return listIndexJobs({ scan: (from, to) => storage.scan({ start: from, end: to }, ts) })
}

/** The jobs among `jobs` that ended INDEX_JOB_RETENTION_MS or more before `nowMs`, at most
 * PRUNE_JOBS_MAX of them; never one still building. */
export function jobsToForget(jobs: readonly IndexJob[], nowMs: number): IndexJob[] {
  const due: IndexJob[] = []
  for (const job of jobs) {
    if (due.length === PRUNE_JOBS_MAX) break
    // Jobs written before finishedAtMs existed count from their last batch.
    const endedMs = job.finishedAtMs ?? job.ownerAtMs ?? 0
    if (job.state !== 'building' && nowMs - endedMs >= INDEX_JOB_RETENTION_MS) due.push(job)
  }
  return due
}

/**
 * Forgets finished jobs (succeeded, failed, cancelled) that ended INDEX_JOB_RETENTION_MS or more
 * ago, as read at snapshot `ts` (`jobs`, when the caller read them there); at most PRUNE_JOBS_MAX, in one transaction. Every region's sweep
 * runs it: two regions forgetting the same job conflict, and the loser's sweep just ends (the
 * commit's outcome is all it looks at). Returns how many it forgot.
 */
export async function pruneFinishedIndexJobs(
  host: Pick<TxHost, 'storage' | 'commits' | 'hlc' | 'random'>,
  clock: Clock,
  ts: HlcTimestamp,
  jobs: readonly IndexJob[] = indexJobsAt(host.storage, ts),
): Promise<number> {
  const due: Write[] = jobsToForget(jobs, clock.wallMs()).map((job) => ({ key: indexJobKey(job.id), value: null }))
  if (due.length === 0) return 0
  const txId = hex(host.random.bytes(16))
  const outcome = await host.commits.commit({ txId, startTs: ts, writes: due, lockedKeys: [], readKeys: [] })
  if (outcome.kind !== 'committed') return 0
  host.hlc.update(outcome.commitTs)
  return due.length
}

/**
 * `CALL sys.wait_for_job(id)`: waits until job `jobId` ends, looking at it again each time storage
 * applies something newer (a commit or a closed timestamp: journals close every few milliseconds
 * even when idle, so a look sees everything committed before it, in this region or another), for
 * at most `timeoutMs` (57014 then). Resolves to the job as it ended, or undefined when there is no
 * such job (never created, or forgotten since it ended).
 */
export async function waitForIndexJob(
  storage: TxHost['storage'],
  clock: Clock,
  jobId: string,
  fromTs: HlcTimestamp,
  timeoutMs: number,
): Promise<IndexJob | undefined> {
  const deadlineMs = clock.wallMs() + timeoutMs
  for (let ts = fromTs; ; ) {
    const raw = storage.get(indexJobKey(jobId), ts)
    const job = raw === undefined ? undefined : (JSON.parse(raw) as IndexJob)
    if (job === undefined || job.state !== 'building') return job
    const leftMs = deadlineMs - clock.wallMs()
    if (leftMs <= 0) throw queryCanceled()
    await storage.waitForFrontier(Math.max(ts, storage.frontier()) + 1, leftMs)
    ts = storage.frontier()
  }
}

/** Errors of the region rather than of the job: closing or timed out (57), an outcome unknown
 * (40003), overload (53), a link (08). A runner stopped by one leaves its job for a later start. */
function fromRegion(e: SqlError): boolean {
  return e.code === '40003' || ['57', '53', '08'].includes(e.code.slice(0, 2))
}

/** The promise of a job running in `shared`'s query processor (tests wait on it). */
export function runningIndexJob(shared: object, jobId: string): Promise<void> | undefined {
  return running.get(shared)?.get(jobId)
}

async function runJob(deps: RunnerDeps, jobId: string): Promise<void> {
  for (let batch = 0; batch < BATCHES_MAX; batch++) {
    if (await runBatch(deps, jobId)) return
  }
  await finish(deps, jobId, () => ({ state: 'failed', error: `more than ${BATCHES_MAX} batches` }))
}

interface BatchPlan {
  readonly writes: Write[]
  readonly readKeys: Key[]
  readonly done: boolean
}

/** One batch: true when the job is over (succeeded, failed, or gone). */
async function runBatch(deps: RunnerDeps, jobId: string): Promise<boolean> {
  let after: HlcTimestamp | undefined
  for (let attempt = 0; attempt < BATCH_ATTEMPTS_MAX; attempt++) {
    const ts = await freshSnapshot(deps, after)
    const job = readJob(deps, jobId, ts)
    if (job === undefined || job.state !== 'building') return true
    // Another region took the job over (this one was cut off or slow past the lease): it is theirs.
    if (leasedElsewhere(job, deps.region, deps.clock.wallMs())) return true
    let plan: BatchPlan
    try {
      plan = planBatch(deps, job, ts)
    } catch (e) {
      if (!(e instanceof SqlError)) throw e
      await finish(deps, jobId, () => ({
        state: e === DROPPED ? 'cancelled' : 'failed',
        error: e.message + (e.detail === undefined ? '' : ` ${e.detail}`),
      }))
      return true
    }
    let outcome: boolean
    try {
      outcome = await commit(deps, ts, plan.writes, plan.readKeys)
    } catch (e) {
      // A batch the journal refuses for good (a record over its size limit, 54000: with its keys
      // bounded, only a table definition of megabytes makes one) would fail again at every
      // sweep: the job fails instead. The region's own troubles leave it building.
      if (!(e instanceof SqlError) || fromRegion(e)) throw e
      await finish(deps, jobId, () => ({ state: 'failed', error: e.message }))
      return true
    }
    if (outcome) return plan.done
    // The commit it conflicted with is below the clock now: the next attempt reads above it.
    after = deps.hlc.now()
  }
  await finish(deps, jobId, () => ({
    state: 'failed',
    error: `a batch conflicted ${BATCH_ATTEMPTS_MAX} times`,
  }))
  return true
}

function readJob(deps: RunnerDeps, jobId: string, ts: HlcTimestamp): IndexJob | undefined {
  const raw = deps.storage.get(indexJobKey(jobId), ts)
  return raw === undefined ? undefined : (JSON.parse(raw) as IndexJob)
}

/** What planBatch throws when the job has nothing left to build: DROP INDEX or DROP TABLE cancelled it. */
const DROPPED = new SqlError('42P01', 'the index or its table was dropped while it was built')

/** The index entries of the next rows after the cursor; the last batch makes the index usable. */
function planBatch(deps: RunnerDeps, job: IndexJob, ts: HlcTimestamp): BatchPlan {
  const raw = deps.storage.get(schemaKey(job.table), ts)
  const def = raw === undefined ? undefined : (JSON.parse(raw) as TableDef)
  const index =
    def?.id === job.tableId ? def.buildingIndexes?.find((i) => i.id === job.indexId) : undefined
  if (def === undefined || index === undefined) throw DROPPED
  const table = tableFromDef(def)
  // The key right after the cursor: keys are hex, and appending a zero byte is the next one.
  const start = job.cursor === undefined ? table.rowsStart : `${job.cursor}00`
  const writes: Write[] = []
  const readKeys: Key[] = [table.schemaKey]
  const keys = jobIndexKeys(deps, table, index, ts, readKeys)
  const ctx = indexJobContext(deps.random, BigInt(deps.clock.wallMs()) * 1000n)
  let last: Key | undefined
  let rows = 0
  for (const kv of deps.storage.scan({ start, end: table.rowsEnd }, ts)) {
    if (rows === INDEX_JOB_BATCH_ROWS) break
    const row = decodeStoredRow(table, kv.value)
    // A row a partial index leaves out is passed over, and counted: the cursor moves past it.
    const entry = entryOf(table, keys, row, ctx)
    if (entry !== undefined) {
      checkKeyBytes(entry.headChars, table, index)
      if (entry.unique) checkUnique(deps, table, keys, entry, row, ts, writes, ctx)
      writes.push({ key: entry.key, value: entry.value })
    }
    readKeys.push(kv.key)
    last = kv.key
    rows++
  }
  const done = rows < INDEX_JOB_BATCH_ROWS
  const next: IndexJob = {
    ...job,
    rowsDone: job.rowsDone + rows,
    cursor: last ?? job.cursor,
    state: done ? 'succeeded' : 'building',
    // Every batch renews the lease (and takes the job over, when its owner's had lapsed).
    owner: deps.region,
    ownerAtMs: deps.clock.wallMs(),
    ...(done ? { finishedAtMs: deps.clock.wallMs() } : {}),
  }
  writes.push({ key: indexJobKey(job.id), value: JSON.stringify(next) })
  if (done) {
    const ready: TableDef = {
      ...def,
      indexes: [...def.indexes, index],
      buildingIndexes: (def.buildingIndexes ?? []).filter((i) => i !== index),
    }
    writes.push({ key: table.schemaKey, value: encodeTableDef(ready) })
  }
  return { writes, readKeys, done }
}

function checkUnique(
  deps: RunnerDeps,
  table: Table,
  keys: IndexKeys,
  entry: { key: Key; value: string },
  row: readonly Datum[],
  ts: HlcTimestamp,
  batch: readonly Write[],
  ctx: EvalContext,
): void {
  const existing = batch.find((w) => w.key === entry.key)?.value ?? deps.storage.get(entry.key, ts)
  if (existing === undefined || existing === entry.value) return
  throw new SqlError('23505', `could not create unique index "${keys.index.name}"`, {
    detail: `${keyDetail(table, keys, row, ctx)} is duplicated.`,
  })
}

/** The parse trees of the index expressions jobs bind (a few per table: small). */
const JOB_PARSES = new ParseCache(INDEX_JOB_PARSE_ENTRIES)

/**
 * The building index's keys, bound over the table as read at `ts`. A user type an expression
 * names (a cast to an enum no column has) is read there too, and joins the batch's read keys: a
 * commit that changed it since conflicts with the batch.
 */
function jobIndexKeys(deps: RunnerDeps, table: Table, index: IndexDef, ts: HlcTimestamp, readKeys: Key[]): IndexKeys {
  return indexKeys(table, index, JOB_PARSES, (name) => {
    readKeys.push(enumKey(name))
    const raw = deps.storage.get(enumKey(name), ts)
    return raw === undefined ? undefined : enumTypeOf(JSON.parse(raw) as EnumDef)
  })
}

/**
 * A snapshot for the next attempt: the query processor's, or, after a conflict, one at least at
 * `after` (the clock when it conflicted), once storage has applied that far. Without `after` an
 * attempt could read at the same snapshot again (one region's snapshot is the applied frontier,
 * which need not have moved yet) and meet the same conflict every time.
 */
async function freshSnapshot(deps: RunnerDeps, after?: HlcTimestamp): Promise<HlcTimestamp> {
  const ts = Math.max(deps.snapshotTs(), after ?? 0)
  await deps.storage.waitForFrontier(ts, deps.snapshotWaitMsMax)
  return ts
}

/** Commits a batch; true when committed. */
async function commit(
  deps: RunnerDeps,
  ts: HlcTimestamp,
  writes: Write[],
  readKeys: Key[],
): Promise<boolean> {
  writes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const txId = hex(deps.random.bytes(16))
  // A failed job's index leaves its table's definition: its entries become garbage.
  const all = withGarbage(writes, (key) => deps.storage.get(key, ts))
  const outcome = await deps.commits.commit({ txId, startTs: ts, writes: all, lockedKeys: [], readKeys })
  if (outcome.kind !== 'committed') return false
  deps.hlc.update(outcome.commitTs)
  deps.committed(outcome.commitTs)
  try {
    await deps.storage.waitForFrontier(outcome.commitTs, deps.snapshotWaitMsMax)
  } catch (e) {
    if (!(e instanceof SqlError && e.code === '57014')) throw e
  }
  return true
}

/** Ends a job (failed): the building index leaves its table so its name can be used again. */
async function finish(
  deps: RunnerDeps,
  jobId: string,
  change: () => Partial<IndexJob>,
): Promise<void> {
  let after: HlcTimestamp | undefined
  for (let attempt = 0; attempt < BATCH_ATTEMPTS_MAX; attempt++) {
    const ts = await freshSnapshot(deps, after)
    const job = readJob(deps, jobId, ts)
    if (job === undefined || job.state !== 'building') return
    const ended: IndexJob = { ...job, ...change(), finishedAtMs: deps.clock.wallMs() }
    const writes: Write[] = [{ key: indexJobKey(jobId), value: JSON.stringify(ended) }]
    const raw = deps.storage.get(schemaKey(job.table), ts)
    const def = raw === undefined ? undefined : (JSON.parse(raw) as TableDef)
    if (
      def !== undefined &&
      def.id === job.tableId &&
      def.buildingIndexes?.some((i) => i.id === job.indexId)
    ) {
      writes.push({
        key: schemaKey(job.table),
        value: encodeTableDef({
          ...def,
          buildingIndexes: def.buildingIndexes.filter((i) => i.id !== job.indexId),
        }),
      })
      writes.push({ key: indexKeyOf(job.table, job.index), value: null })
    }
    if (await commit(deps, ts, writes, [])) return
    after = deps.hlc.now()
  }
}
