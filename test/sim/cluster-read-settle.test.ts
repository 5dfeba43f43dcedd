// Goal: once a read has shown a commit, every transaction that begins after that read ended, in
// any region, shows it too (docs/architecture.md "Multi-region", reads), also while the commit is
// still in its commit wait and the regions' clocks are apart within the bound. With a
// closed-timestamp lead, storage applies a commit before its commit wait ends, and a snapshot at
// the wall clock of the region ahead shows it while one at the wall clock of the region behind
// does not; so a statement that may have read such a commit answers only once the commit could be
// acknowledged (`settleReads`). Method: the deterministic cluster simulator (two full regions and
// a witness, the real openRegion) with a 20 ms clock-error bound, east's clock 10 ms ahead of the
// true time and west's 10 ms behind, and a 50 ms lead; west commits rows one after another while
// a reader polls east until it shows the newest, then reads in west at once.
import { afterEach, expect, test } from 'bun:test'
import { isSqlError } from '../../server/errors/index.ts'
import type { FullName } from './cluster-world.ts'
import { ClusterScenario, quietCluster } from './cluster-scenario.ts'

let scenario: ClusterScenario
afterEach(() => scenario.dispose())

/** `text` in `region`, retried (up to 50 times, 5 ms apart) while it conflicts: adjudicators
 * start with a floor at their clock plus the lead, above snapshots taken just before. */
async function sql(region: FullName, text: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await scenario.sql(region, text)
      return
    } catch (e) {
      if (!isSqlError(e) || e.code !== '40001' || attempt === 50) throw e
      await scenario.world.sim.sleep(5)
    }
  }
}

/** The row count of `c` in a transaction of its own in `region`. */
async function count(region: FullName): Promise<number> {
  const r = scenario.world.region(region)
  if (r === undefined) throw new Error(`${region} is down`)
  const tx = await r.qp.begin()
  const n = Number((await tx.execute('SELECT count(*) FROM c')).rows[0]?.[0])
  await tx.commit()
  return n
}

test('a commit a read in the region ahead showed is shown by a read begun after it in the region behind', async () => {
  scenario = await ClusterScenario.open(
    11,
    quietCluster({ partitionCount: 2, clockErrorBoundMs: 20, clockOffsetsMs: { east: 10, west: -10, wit: 0 }, closedLeadMs: 50 }),
  )
  await scenario.run(sql('west', 'CREATE TABLE c (id int PRIMARY KEY)'), 'creating the table')
  const sim = scenario.world.sim
  let pairs = 0
  let missed = 0
  let beforeAck = 0
  const run = async () => {
    for (let id = 1; id <= 20; id++) {
      let acked = false
      const insert = sql('west', `INSERT INTO c VALUES (${id})`).then(() => {
        acked = true
      })
      // Polls east until it shows the new row (bounded: the lead and the commit wait are 70 ms).
      for (let i = 0; i < 500 && (await count('east')) < id; i++) await sim.sleep(1)
      if (!acked) beforeAck++
      // Begun after east's read ended: must show the row east showed.
      if ((await count('west')) < id) missed++
      pairs++
      await insert
    }
  }
  try {
    await scenario.run(run(), 'west inserting while east and west read')
  } catch (e) {
    if (!isSqlError(e)) throw e
    throw new Error(`a statement failed: ${e.code} ${e.message}`)
  }
  expect(pairs).toBe(20)
  // East's read saw rows before their commits were acknowledged (what made this race possible).
  expect(beforeAck).toBeGreaterThan(0)
  expect(missed).toBe(0)
})
