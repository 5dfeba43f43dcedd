// Goal: a CREATE INDEX ASYNC job in a cluster is never stuck. Its owner region resumes it after a
// restart; when the owner is gone for good, the other full region takes it over once the owner's
// lease lapses; and the index it makes usable answers correctly in both regions. Method: the
// deterministic cluster simulator (two full regions and a witness, the real openRegion, SimDisk
// and SimNetwork on one virtual clock); the job is created in east, east is killed mid-job, and
// time runs until index_job_state() reports the end.
import { afterEach, describe, expect, test } from 'bun:test'
import { SqlError } from '../../server/errors/index.ts'
import { INDEX_JOB_BATCH_ROWS, INDEX_JOB_LEASE_MS } from '../../server/qp/index.ts'
import type { FullName } from './cluster-world.ts'
import { ClusterScenario, quietCluster } from './cluster-scenario.ts'

const CONFIG = quietCluster()
/** Enough rows for several batches: the job is cut short between two of them. */
const ROWS = INDEX_JOB_BATCH_ROWS * 6 + 17

let scenario: ClusterScenario
afterEach(() => scenario.dispose())

async function start(): Promise<void> {
  scenario = await ClusterScenario.open(7, CONFIG)
}

const sql = (region: FullName, text: string, params: unknown[] = []) => scenario.sql(region, text, params)

/** Creates the table and its rows in east, then the async index; answers the job id. */
async function createJob(): Promise<string> {
  await sql('east', 'CREATE TABLE t (id int PRIMARY KEY, v int)')
  await sql('east', `INSERT INTO t SELECT i, i % 100 FROM generate_series(0, ${ROWS - 1}) AS i`)
  const [[jobId]] = (await sql('east', 'CREATE INDEX ASYNC t_v ON t (v)')) as [[string]]
  return jobId
}

/** Runs virtual time until the job ends, read in `region`; answers its state and when it ended. */
async function jobEnd(region: FullName, jobId: string, maxVirtualMs: number): Promise<{ state: string; atMs: number }> {
  const { world } = scenario
  const until = world.sim.wallMs() + maxVirtualMs
  while (world.sim.wallMs() < until) {
    // Until a lost region is failed over, reads that need its journals answer 57P03: retry.
    const state = await sql(region, 'SELECT index_job_state($1)', [jobId]).then(
      (rows) => rows[0]?.[0] as string,
      (e: unknown) => {
        if (e instanceof SqlError && e.code === '57P03') return 'building'
        throw e
      },
    )
    if (state !== 'building') return { state, atMs: world.sim.wallMs() }
    // Half a virtual second between polls: a poll is a transaction of its own.
    await scenario.pause(500)
  }
  throw new Error(`job ${jobId} still building after ${maxVirtualMs} virtual ms`)
}

/** The index is usable in `region` and answers as the table does. */
async function expectIndexServes(region: FullName): Promise<void> {
  const plan = await scenario.tx(region, 'explain', async (tx) => {
    const lines = tx.explain('SELECT id FROM t WHERE v = 7')
    tx.rollback()
    return lines.join('\n')
  })
  expect(plan).toContain('t_v')
  const ids = (await sql(region, 'SELECT id FROM t WHERE v = 7 ORDER BY id')).map((r) => r[0])
  expect(ids).toEqual(Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 100 === 7))
}

describe('index jobs in a cluster', () => {
  test('the owner region killed for good: the other full region takes the job over once the lease lapses', async () => {
    await start()
    const jobId = await createJob()
    // Let east commit a batch or two, then kill it: its job stays building, owned by east.
    await scenario.pause(60, 'first batches')
    const [[before]] = (await sql('west', 'SELECT index_job_state($1)', [jobId])) as [[string]]
    expect(before).toBe('building')
    await scenario.world.kill('east')
    const killedAtMs = scenario.world.sim.wallMs()
    const end = await jobEnd('west', jobId, 60_000)
    expect(end.state).toBe('succeeded')
    // West waited out east's lease: it never ran the job while east could still be running it.
    expect(end.atMs - killedAtMs).toBeGreaterThanOrEqual(INDEX_JOB_LEASE_MS - 100)
    await expectIndexServes('west')
  }, 60_000)

  test('the owner region restarted: it resumes its own job before the lease would let anyone else', async () => {
    await start()
    const jobId = await createJob()
    await scenario.pause(60, 'first batches')
    await scenario.world.kill('east')
    const killedAtMs = scenario.world.sim.wallMs()
    await scenario.run(scenario.world.open('east'), 'restarting east')
    const end = await jobEnd('east', jobId, 60_000)
    expect(end.state).toBe('succeeded')
    expect(end.atMs - killedAtMs).toBeLessThan(INDEX_JOB_LEASE_MS)
    await expectIndexServes('east')
    await expectIndexServes('west')
  }, 60_000)

  test('the owner region cut off but running: the other takes over, and the cut-off runner stops quietly once healed', async () => {
    await start()
    const jobId = await createJob()
    await scenario.pause(60, 'first batches')
    scenario.world.net.isolate('east')
    const cutAtMs = scenario.world.sim.wallMs()
    const end = await jobEnd('west', jobId, 60_000)
    expect(end.state).toBe('succeeded')
    expect(end.atMs - cutAtMs).toBeGreaterThanOrEqual(INDEX_JOB_LEASE_MS - 100)
    scenario.world.net.heal()
    // East catches up and learns it was failed over; its runner, if still going, finds the job
    // taken or over and ends. Any error it raised would be in `failures`, which pause() throws.
    await scenario.pause(20_000, 'after the heal')
    await expectIndexServes('west')
    await expectIndexServes('east')
  }, 60_000)
})
