// Goal: in a cluster, a transaction of the documented 10,000 modified rows commits when its keys
// fall in partitions that both full regions own (docs/api.md "Limits"): the keys limit counts the
// whole commit at its coordinator, and the participant's prepare holds its share, so neither
// refuses what the rows limit lets through. Method: the deterministic cluster simulator (two full
// regions and a witness, the real openRegion), four partitions, two of each full region; east
// inserts 10,000 rows into a table with a secondary index (20,000 writes) in one transaction,
// while the test watches east's prepares at west; then west reads every row and updates them all.
import { afterEach, expect, test } from 'bun:test'
import type { Key } from '../../server/encoding/index.ts'
import { ClusterScenario, quietCluster } from './cluster-scenario.ts'

let scenario: ClusterScenario
afterEach(() => scenario.dispose())

test('10,000 rows whose keys span partitions of both full regions commit in one transaction', async () => {
  scenario = await ClusterScenario.open(21, quietCluster())
  await scenario.sql('east', 'CREATE TABLE big (id int8 PRIMARY KEY, g int4, v text)')
  await scenario.sql('east', 'CREATE INDEX ON big (g)')
  const prepared: Key[] = []
  scenario.world.onReceive = (to, from, m) => {
    if (to !== 'west' || from !== 'east' || m.type !== 'rpc.call' || m.method !== 'adj.prepare') return
    prepared.push(...(m.payload as { request: { writeKeys: Key[] } }).request.writeKeys)
  }
  const answer = await scenario.attempt('east', `INSERT INTO big SELECT g, g % 100, 'v' || g FROM generate_series(1, 10000) g`)
  scenario.world.onReceive = undefined
  expect(answer).toBe('ok')
  // West's partitions held about half of the 20,000 writes (rows and index entries).
  expect(prepared.length).toBeGreaterThan(5_000)
  expect(prepared.length).toBeLessThan(15_000)
  expect(await scenario.sql('west', 'SELECT count(*), count(DISTINCT g) FROM big')).toEqual([['10000', '100']])
  // Coordinated from west, every row and index entry changed: 30,000 writes, both regions' too.
  expect(await scenario.attempt('west', 'UPDATE big SET g = g + 1')).toBe('ok')
  // One row more than the limit gets the rows limit's message.
  const over = await scenario.tx('west', 'an insert of 10,001 rows', (tx) =>
    tx.execute(`INSERT INTO big SELECT g, 0, 'w' FROM generate_series(10001, 20001) g`).then(
      () => 'ok',
      (e: Error) => e.message,
    ),
  )
  expect(over).toBe('transaction exceeds the limit of 10000 modified rows')
}, 60_000)
