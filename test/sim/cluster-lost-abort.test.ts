// Goal: a commit across regions whose coordinator lives on and gives it up does not hold a
// participant's keys when the finish that says so is lost (docs/architecture.md "Commits across
// regions"): the participant asks the coordinator's run, which remembers what it gave up, and
// releases them within a couple of seconds. Before, no record ever came and the run did not
// change, so the keys stayed reserved, every commit on them 40001, for the 5 minutes of
// RESERVATION_LAPSE_MS. And the other side of it: a commit the run did not give up (its record
// appended, slow to commit) stays reserved while the run answers, so a transaction that began
// before it still conflicts (no lost update).
// Method: the deterministic cluster simulator (two full regions and a witness, the real
// openRegion), four adjudicator partitions: 0 and 2 east's (owners a0, a1), 1 and 3 west's (a0,
// a1). East updates rows in partitions 0, 1 and 3, so east's a0 coordinates and both of west's
// owners prepare; the network loses east's finishes to west (and nothing else).
import { afterEach, expect, test } from 'bun:test'
import { hashPartitionOf } from '../../server/adjudicator/index.ts'
import { encodeKey, type Key } from '../../server/encoding/index.ts'
import { SqlError } from '../../server/errors/index.ts'
import type { PeerMessage } from '../../server/net/index.ts'
import { FIRST_USER_TABLE_ID, PRIMARY_INDEX_ID, schemaKey } from '../../server/qp/index.ts'
import type { FullName } from './cluster-world.ts'
import { ClusterScenario, outcome, quietCluster } from './cluster-scenario.ts'

const CONFIG = quietCluster()
const partitionOf = hashPartitionOf(CONFIG.partitionCount)
const IDS = Array.from({ length: 32 }, (_, i) => i + 1)
/** West's second owner (a1): partition p belongs to full region p mod 2, owner (p div 2) mod 2. */
const WEST_A1 = 3
/** The table, named so that its schema key (which every commit on it checks) falls in west's a1:
 * a commit in west on a row of west's then needs no owner in east. */
const TABLE = ['t', 'u', 'v', 'w', 'x', 'y', 'z'].find((name) => partitionOf(schemaKey(name)) === WEST_A1) as string
/** The key of row `id` (the only table, so the first user table id; checked on the prepares). */
const keyOf = (id: number): Key => encodeKey([FIRST_USER_TABLE_ID, PRIMARY_INDEX_ID, BigInt(id)])
/** The first row after `after` in partition `p`. */
const rowIn = (p: number, after = 0): number => IDS.find((id) => id > after && partitionOf(keyOf(id)) === p) as number
/** East's a0 (coordinates: its row comes first), west's a0, west's a1. */
const A = rowIn(0)
const B = rowIn(1, A)
const C = rowIn(WEST_A1, B)

let scenario: ClusterScenario
afterEach(() => scenario.dispose())



/** Opens the cluster with the table's rows, written in east. */
async function setup(): Promise<void> {
  expect([A, B, C].every((id) => id !== undefined)).toBe(true)
  scenario = await ClusterScenario.open(12, CONFIG)
  await scenario.sql('east', `CREATE TABLE ${TABLE} (id int PRIMARY KEY, v int)`)
  await scenario.sql('east', `INSERT INTO ${TABLE} SELECT g, 0 FROM generate_series(1, ${IDS.length}) g`)
}

/** What east's prepares of its commit asked west: the txId, and the keys reserved per owner. */
interface Prepares {
  txId: string
  writeKeys: Map<string, Key[]>
}

/** Watches east's prepares at west, and loses every finish east sends west meanwhile. */
function loseFinishes(): { prepares: Prepares; lost: { commitTs: unknown }[] } {
  const { world } = scenario
  const prepares: Prepares = { txId: '', writeKeys: new Map() }
  const lost: { commitTs: unknown }[] = []
  world.onReceive = (to: string, from: string, m: PeerMessage) => {
    if (to !== 'west' || from !== 'east' || m.type !== 'rpc.call' || m.method !== 'adj.prepare') return
    const { ownerId, request } = m.payload as { ownerId: string; request: { txId: string; writeKeys: Key[] } }
    prepares.txId = request.txId
    prepares.writeKeys.set(ownerId, request.writeKeys)
  }
  world.lose = (from, to, m) => {
    if (from !== 'east' || to !== 'west' || m.type !== 'rpc.call' || m.method !== 'adj.finish') return false
    const { request } = m.payload as { request: { txId: string; commitTs?: number } }
    if (request.txId !== prepares.txId) return false
    lost.push({ commitTs: request.commitTs })
    return true
  }
  return { prepares, lost }
}

/** Updates row `id` in west, every 100 ms, until it passes or `maxMs` went by; answers when it
 * passed (virtual ms), or undefined. */
async function untilUpdates(id: number, maxMs: number): Promise<number | undefined> {
  const { world } = scenario
  const until = world.sim.wallMs() + maxMs
  while (world.sim.wallMs() < until) {
    const answer = await scenario.attempt('west', `UPDATE ${TABLE} SET v = v + 1 WHERE id = $1`, [id])
    if (answer === 'ok') return world.sim.wallMs()
    // Reserved by the commit east gave up.
    expect(answer).toBe('40001')
    await scenario.pause(100)
  }
  return undefined
}

const value = async (id: number): Promise<number> => Number((await scenario.sql('west', `SELECT v FROM ${TABLE} WHERE id = $1`, [id]))[0]?.[0])

test('the coordinator gives the commit up and its finish to west is lost: west releases the keys within two seconds, not at the lapse', async () => {
  await setup()
  const { world } = scenario
  const tx = await scenario.begin('east')
  await scenario.run(tx.execute(`UPDATE ${TABLE} SET v = v + 1 WHERE id IN ($1, $2, $3)`, [A, B, C]), 'the update in east')
  // West writes C after east's transaction began: west's a1 refuses to prepare it.
  await scenario.sql('west', `UPDATE ${TABLE} SET v = v + 100 WHERE id = $1`, [C])
  const { prepares, lost } = loseFinishes()
  expect(await scenario.run(outcome(tx.commit()), 'the commit in east')).toBe('40001')
  const gaveUpAt = world.sim.wallMs()
  world.onReceive = undefined
  world.lose = undefined
  // East coordinated; west's a0 prepared B (and never heard that east gave up), a1 refused C.
  expect([...prepares.writeKeys]).toEqual([['west/a0', [keyOf(B)]], ['west/a1', [keyOf(C)]]])
  expect(lost).toContainEqual({ commitTs: undefined })
  // Before the fix: 40001 on B until the 5-minute lapse.
  const passedAt = await untilUpdates(B, 10_000)
  expect(passedAt).toBeDefined()
  expect((passedAt as number) - gaveUpAt).toBeLessThanOrEqual(2_000)
  expect([await value(A), await value(B), await value(C)]).toEqual([0, 1, 100])
}, 60_000)

test('a commit the coordinator did not give up stays reserved while its record is slow to commit: an older transaction conflicts', async () => {
  await setup()
  const { world } = scenario
  // Begun (and its update made) before east's commit: it must not overwrite B once east wrote it.
  const older = await scenario.begin('west')
  await scenario.run(older.execute(`UPDATE ${TABLE} SET v = v + 10 WHERE id = $1`, [B]), 'the older update')
  // With the witness down only west can make east's record commit, and west's disk takes three
  // seconds per sync: east's run answers west's questions (the same run, the commit not given
  // up) for seconds before west's replica shows the record.
  await world.kill('wit')
  world.setDiskFaults('west', { ...CONFIG.disk, syncLatencyMsMin: 3_000, syncLatencyMsMax: 3_000 })
  const { prepares, lost } = loseFinishes()
  let asked = 0
  let shownAt: number | undefined
  let record: { journalId: string; seq: number } | undefined
  const watchPrepares = world.onReceive
  world.onReceive = (to: string, from: string, m: PeerMessage) => {
    watchPrepares?.(to as FullName, from, m)
    const now = world.sim.wallMs()
    if (to === 'east' && from === 'west' && m.type === 'rpc.call' && m.method === 'adj.run') {
      if ((m.payload as { txIds: string[] }).txIds.includes(prepares.txId)) asked++
    }
    if (to !== 'west' || from !== 'east') return
    if (m.type === 'journal.records') {
      for (const r of m.records as { txId: string; seq: number }[]) if (r.txId === prepares.txId) record = { journalId: m.journalId as string, seq: r.seq }
    }
    if (m.type === 'journal.commit' && record !== undefined && m.journalId === record.journalId && (m.committedSeq as number) >= record.seq) shownAt ??= now
  }
  const tx = await scenario.begin('east')
  await scenario.run(tx.execute(`UPDATE ${TABLE} SET v = v + 1 WHERE id IN ($1, $2)`, [A, B]), 'the update in east')
  const commit = outcome(tx.commit())
  // Long enough for west to ask several times, short of the record's commit.
  await scenario.pause(2_500, 'west asking')
  // West's a0 prepared B, its a1 checked the schema key: both finishes carried the commitTs.
  expect(lost).toEqual([{ commitTs: expect.any(Number) }, { commitTs: expect.any(Number) }])
  expect(shownAt).toBeUndefined()
  // Still reserved: a release here, before the record, would let the older update through.
  const refused = await scenario.run(older.commit().then(() => undefined, (e: unknown) => e), 'the older commit')
  expect(refused).toBeInstanceOf(SqlError)
  expect(refused).toMatchObject({ code: '40001' })
  // West did ask, naming the commit, and east's run answered (the reservation outlived each ask).
  expect(asked).toBeGreaterThanOrEqual(3)
  const refusedAt = world.sim.wallMs()
  expect(await scenario.run(commit, 'the commit in east')).toBe('ok')
  expect([await value(A), await value(B)]).toEqual([1, 1])
  // West's replica showed the record only after the older commit was refused.
  expect(shownAt).toBeGreaterThan(refusedAt)
  world.onReceive = undefined
  world.lose = undefined
  world.setDiskFaults('west', CONFIG.disk)
}, 60_000)
