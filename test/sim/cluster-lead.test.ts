// Goal: with a closed-timestamp lead, a region that restarts (its adjudicators start with a floor
// from the HLC, up to a lead ahead of the wall clock) lets transactions commit at once instead of
// answering 40001 until the wall clock passes that floor. Method: the deterministic cluster
// simulator (real openRegion on SimDisk and SimNetwork) with a long lead, east killed and reopened,
// then an UPDATE of a row east owns, committed on the first attempt.
import { afterEach, expect, test } from 'bun:test'
import type { SqlTransaction } from '../../server/qp/index.ts'
import { ClusterWorld, NAMES, type ClusterConfig } from './cluster-world.ts'
import { drive } from './drive.ts'

const LEAD_MS = 400
const CONFIG: ClusterConfig = {
  journalCount: 1,
  shardCount: 1,
  partitionCount: 2,
  failoverAfterMs: 60_000,
  clockErrorBoundMs: 2,
  clockOffsetsMs: { east: 0, west: 0, wit: 0 },
  linkFaults: { delayMs: 5 },
  disk: { syncLatencyMsMin: 1, syncLatencyMsMax: 1, tornWriteProbability: 0 },
  closedLeadMs: LEAD_MS,
}

let world: ClusterWorld
const failures: unknown[] = []
const onUnhandled = (e: unknown) => {
  if (e instanceof Error && e.message.startsWith('simulated crash')) return
  failures.push(e)
}
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled)
  await world.dispose()
  failures.length = 0
})

const run = <T>(promise: Promise<T>, what: string): Promise<T> => drive(world, failures, promise, what, 30_000)

async function sql(text: string): Promise<unknown[][]> {
  const qp = world.region('east')?.qp
  if (qp === undefined) throw new Error('east is down')
  return run(
    (async () => {
      const tx = (await qp.begin()) as SqlTransaction
      const result = await tx.execute(text)
      await tx.commit()
      return result.rows.map((r) => [...r])
    })(),
    text,
  )
}

test('after a restart with a lead, a write commits at once (the snapshot waits for the adjudicators floor)', async () => {
  process.on('unhandledRejection', onUnhandled)
  world = new ClusterWorld(3, CONFIG)
  await run(Promise.all(NAMES.map((n) => world.open(n))), 'opening')
  await sql('CREATE TABLE t (id int PRIMARY KEY, v int)')
  await sql('INSERT INTO t SELECT g, 0 FROM generate_series(1, 20) AS g')
  await world.kill('east')
  await run(world.open('east'), 'reopening east')
  // Every row of the table, so some key is owned by east's own adjudicator, whose floor is new.
  expect(await sql('UPDATE t SET v = v + 1 RETURNING id')).toHaveLength(20)
  expect(await sql('SELECT sum(v) FROM t')).toEqual([['20']])
}, 30_000)
