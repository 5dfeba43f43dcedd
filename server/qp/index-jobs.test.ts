// Goal: a job's promise resolves when its region closes under it (the job stays building, to be
// resumed, as when its region stops it otherwise) and rejects on anything else, so a bug in a
// background job is never swallowed; a region runs only the jobs that are its own or whose
// owner's lease lapsed. Method: startIndexJob and
// resumeIndexJobs on a real SQLite shard holding job records written directly, a SimClock for the
// lease, and a commit service that records what reaches it.
import { afterEach, describe, expect, test } from 'bun:test'
import { Hlc, SeededRandom, SimClock } from '../clock/index.ts'
import { openSqliteShard, ShardedStorage, type StorageShard } from '../storage/index.ts'
import type { CommitRequest } from '../adjudicator/index.ts'
import {
  INDEX_JOB_LEASE_MS,
  indexJobKey,
  resumeIndexJobs,
  runningIndexJob,
  startIndexJob,
  type IndexJob,
  type JobHost,
} from './index-jobs.ts'

const clock = new SimClock()
let shard: StorageShard
afterEach(() => shard.close())

/** The shared state of a query processor in region `east`. */
const east = () => ({ region: 'east', clock })

function host(commit?: (request: CommitRequest) => void): JobHost {
  shard = openSqliteShard({ id: 0, path: ':memory:', timers: clock })
  const hlc = new Hlc(clock)
  return {
    storage: new ShardedStorage([shard], () => 0),
    commits: {
      commit: async (request) => {
        if (commit === undefined) throw new Error('no batch of these jobs gets as far as a commit')
        commit(request)
        // Storage applies the commit this one conflicted with (a retry waits for it).
        shard.apply([], Math.max(shard.frontier(), hlc.now()) + 1)
        // Refused, so the job ends after its bounded attempts without touching storage.
        return { kind: 'conflict', key: request.writes[0]?.key ?? '' }
      },
    },
    hlc,
    random: new SeededRandom(1),
  }
}

describe('startIndexJob', () => {
  test('resolves when the region closes under the job (57P03)', async () => {
    const h = host()
    // Committed above the frontier: the job's first snapshot waits, and the close fails the wait.
    const job = startIndexJob(east(), h, 'closing', shard.frontier() + 1_000)
    shard.close()
    expect(await job).toBeUndefined()
  })

  test('rejects on anything else (here a job record that is not JSON)', async () => {
    const h = host()
    const commitTs = shard.frontier() + 10
    const writes = [{ key: indexJobKey('broken'), value: 'not json' }]
    shard.apply([{ journalId: 'j0', seq: 1, commitTs, writes }], commitTs)
    await expect(startIndexJob(east(), h, 'broken', commitTs)).rejects.toBeInstanceOf(SyntaxError)
  })
})

/** Writes job records straight into the shard, as committed at the returned timestamp. */
function storeJobs(jobs: readonly Partial<IndexJob>[]): number {
  const commitTs = shard.frontier() + 10
  const writes = jobs.map((job) => {
    const full: IndexJob = { table: 'public.t', tableId: '1', index: 'i', indexId: 1, state: 'building', rowsDone: 0, id: '', ...job }
    return { key: indexJobKey(full.id), value: JSON.stringify(full) }
  })
  writes.sort((a, b) => (a.key < b.key ? -1 : 1))
  shard.apply([{ journalId: 'j0', seq: 1, commitTs, writes }], commitTs)
  return commitTs
}

describe('index job owners', () => {
  test('a region resumes its own jobs, unowned ones and lapsed leases, and leaves fresh leases of others alone', async () => {
    const committedJobs = new Set<string>()
    const h = host((request) => {
      // The batch that ends a job writes the job's record (and nothing else: it has no table).
      for (const w of request.writes) committedJobs.add((JSON.parse(w.value ?? '{}') as IndexJob).id)
    })
    const now = clock.wallMs()
    const ts = storeJobs([
      { id: 'own', owner: 'east', ownerAtMs: now },
      { id: 'unowned' },
      { id: 'lapsed', owner: 'west', ownerAtMs: now - INDEX_JOB_LEASE_MS },
      { id: 'leased', owner: 'west', ownerAtMs: now - INDEX_JOB_LEASE_MS + 1 },
      { id: 'done', owner: 'west', ownerAtMs: 0, state: 'succeeded' },
    ])
    const shared = east()
    const started = resumeIndexJobs(shared, h, ts)
    expect(started.sort()).toEqual(['lapsed', 'own', 'unowned'])
    // A job already running here is not started twice.
    expect(resumeIndexJobs(shared, h, ts)).toEqual([])
    await Promise.all(started.map((id) => runningIndexJob(shared, id)))
    // Their table does not exist: each runner tried to end its job (refused, in this host).
    expect([...committedJobs].sort()).toEqual(['lapsed', 'own', 'unowned'])
  })

  test('a runner started on a job another region holds stops before its first batch', async () => {
    let commits = 0
    const h = host(() => commits++)
    const ts = storeJobs([{ id: 'theirs', owner: 'west', ownerAtMs: clock.wallMs() }])
    await startIndexJob(east(), h, 'theirs', ts)
    expect(commits).toBe(0)
    // Once the lease lapses the same runner goes ahead.
    clock.advance(INDEX_JOB_LEASE_MS)
    await startIndexJob(east(), h, 'theirs', ts)
    expect(commits).toBeGreaterThan(0)
  })
})

describe('retries after a conflict', () => {
  test('each attempt reads above the clock of the conflict before it, not at the same snapshot again', async () => {
    const starts: number[] = []
    const h = host((request) => starts.push(request.startTs))
    const ts = storeJobs([{ id: 'contended', owner: 'east', ownerAtMs: clock.wallMs() }])
    // The query processor's snapshot source lags (one region's is the applied frontier, which may
    // not have moved yet when the batch retries): here it never moves.
    await startIndexJob({ ...east(), snapshotTs: () => ts }, h, 'contended', ts)
    expect(starts.length).toBeGreaterThan(2)
    for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThan(starts[i - 1] as number)
  })
})
