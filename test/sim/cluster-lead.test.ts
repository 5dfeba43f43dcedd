// Goal: with a closed-timestamp lead, a region that restarts (its adjudicators start with a floor
// from the HLC, up to a lead ahead of the wall clock) lets transactions commit at once instead of
// answering 40001 until the wall clock passes that floor. Method: the deterministic cluster
// simulator (real openRegion on SimDisk and SimNetwork) with a long lead, east killed and reopened,
// then an UPDATE of a row east owns, committed on the first attempt.
import { afterEach, expect, test } from 'bun:test'
import { ClusterScenario, quietCluster } from './cluster-scenario.ts'

const LEAD_MS = 400
// A failover would need 60 s: a restart is only a restart here.
const CONFIG = quietCluster({ journalCount: 1, shardCount: 1, partitionCount: 2, failoverAfterMs: 60_000, closedLeadMs: LEAD_MS })

let scenario: ClusterScenario
afterEach(() => scenario.dispose())

test('after a restart with a lead, a write commits at once (the snapshot waits for the adjudicators floor)', async () => {
  scenario = await ClusterScenario.open(3, CONFIG)
  await scenario.sql('east', 'CREATE TABLE t (id int PRIMARY KEY, v int)')
  await scenario.sql('east', 'INSERT INTO t SELECT g, 0 FROM generate_series(1, 20) AS g')
  await scenario.world.kill('east')
  await scenario.run(scenario.world.open('east'), 'reopening east')
  // Every row of the table, so some key is owned by east's own adjudicator, whose floor is new.
  expect(await scenario.sql('east', 'UPDATE t SET v = v + 1 RETURNING id')).toHaveLength(20)
  expect(await scenario.sql('east', 'SELECT sum(v) FROM t')).toEqual([['20']])
}, 30_000)
