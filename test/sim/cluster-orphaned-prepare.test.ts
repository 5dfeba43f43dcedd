// Goal: a commit across regions whose coordinator dies between a participant's prepare and its
// finish does not hold the participant's keys once the coordinator is back (docs/architecture.md
// "Commits across regions"). The participant settles it from its replica of the coordinator's
// journal: released when the restarted coordinator's journal shows that no record came, recorded
// as written at the record's commitTs when one did (so a transaction that began before it still
// conflicts). Before, the keys stayed reserved, every commit on them 40001, for the 5 minutes of
// RESERVATION_LAPSE_MS (an adversarial test on real processes saw 478 in a row).
// Method: the deterministic cluster simulator (two full regions and a witness, the real
// openRegion) with two adjudicator partitions, one per region. An UPDATE of every row in east
// is coordinated by east (its first key is east's), with west preparing its rows' keys; east is
// killed the moment west's answer to the prepare reaches it, restarted a second later, and west
// then updates each row alone (west's single-owner commits) until all pass. For the record that
// landed, east's frames to west are dropped from that answer on (neither the finish nor the record
// reaches west; the witness's copy commits it) and east is killed once its client has the
// acknowledgement; a transaction west began before must conflict. With the witness also down and
// west's syncs slow, east's answer that its run changed reaches west long before the record can
// commit again: west must wait for its replica rather than release.
import { afterEach, expect, test } from 'bun:test'
import { hashPartitionOf } from '../../server/adjudicator/index.ts'
import { encodeKeyPart, type Key } from '../../server/encoding/index.ts'
import { SqlError } from '../../server/errors/index.ts'
import type { PeerMessage } from '../../server/net/index.ts'
import { schemaKey } from '../../server/qp/index.ts'
import { ClusterScenario, outcome, quietCluster } from './cluster-scenario.ts'

const CONFIG = quietCluster({ partitionCount: 2, journalCount: 1 })
const IDS = [1, 2, 3, 4, 5, 6, 7, 8]
/** West owns partition 1 (partition p belongs to the full region p mod 2). */
const WEST_PARTITION = 1
/** The table, named so that its schema key (which every commit on it checks) falls in west's
 * partition: a commit in west on a row of west's then needs no other owner, and east's restart
 * (whose adjudicators start above every transaction begun before it) does not refuse it. */
const TABLE = ['t', 'u', 'v', 'w'].find((name) => hashPartitionOf(CONFIG.partitionCount)(schemaKey(name)) === WEST_PARTITION) as string
/** How long east stays down: less than a failover (2 s), so the partitions stay where they are. */
const DOWN_MS = 1_000

let scenario: ClusterScenario
afterEach(() => scenario.dispose())



/** Updates row `id` in west in a transaction of its own: 'ok' or the SQLSTATE. */
const bump = (id: number): Promise<string> => scenario.attempt('west', `UPDATE ${TABLE} SET v = v + 1 WHERE id = $1`, [id])

/** The rows whose keys are among `keys` (an int primary key ends the key with its value). */
const rowsOf = (keys: readonly Key[]): number[] => IDS.filter((id) => keys.some((k) => k.endsWith(encodeKeyPart(BigInt(id)))))

/** Opens the cluster with the table's rows, written in east. */
async function setup(): Promise<void> {
  scenario = await ClusterScenario.open(11, CONFIG)
  await scenario.sql('east', `CREATE TABLE ${TABLE} (id int PRIMARY KEY, v int)`)
  await scenario.sql('east', `INSERT INTO ${TABLE} SELECT g, 0 FROM generate_series(1, ${IDS.length}) g`)
}

/**
 * Runs the UPDATE of every row in east up to west's answer to east's prepare, then `atAnswer`
 * right when east receives it (before east acts on it). Answers the rows west prepared and east's
 * commit, still running.
 */
async function prepareInWest(atAnswer: () => void): Promise<{ txId: string; reserved: number[]; commit: Promise<string> }> {
  const { world } = scenario
  let prepareId: number | undefined
  let txId = ''
  let reserved: number[] = []
  let answered = false
  world.onReceive = (to: string, from: string, m: PeerMessage) => {
    if (to === 'west' && from === 'east' && m.type === 'rpc.call' && m.method === 'adj.prepare') {
      prepareId = m.id as number
      const { request } = m.payload as { request: { txId: string; writeKeys: Key[] } }
      txId = request.txId
      reserved = rowsOf(request.writeKeys)
    } else if (to === 'east' && from === 'west' && m.type === 'rpc.reply' && m.id === prepareId && !answered) {
      answered = true
      atAnswer()
    }
  }
  const tx = await scenario.begin('east')
  await scenario.run(tx.execute(`UPDATE ${TABLE} SET v = v + 1`), 'the update in east')
  const commit = outcome(tx.commit())
  for (let i = 0; i < 10_000 && !answered; i++) await world.step()
  world.onReceive = undefined
  expect(answered).toBe(true)
  // East coordinates (the prepare came from it); west's partition holds some of the rows.
  expect(reserved.length).toBeGreaterThanOrEqual(2)
  expect(reserved.length).toBeLessThan(IDS.length)
  return { txId, reserved, commit }
}

/** Restarts east after DOWN_MS; answers when it serves again (virtual ms). */
async function restartEast(): Promise<number> {
  await scenario.pause(DOWN_MS, 'east down')
  await scenario.run(scenario.world.open('east'), 'restarting east')
  return scenario.world.sim.wallMs()
}

/** Updates each of `ids` in west, every 100 ms, until each passed once; answers when the last
 * did (virtual ms). */
async function untilEachUpdates(ids: readonly number[], maxMs: number): Promise<number> {
  const { world } = scenario
  const until = world.sim.wallMs() + maxMs
  const pending = new Set(ids)
  while (pending.size > 0 && world.sim.wallMs() < until) {
    for (const id of [...pending]) {
      const answer = await bump(id)
      // East's journals are out of reach for a moment after its restart (57P03); the rows it
      // left reserved answer 40001 until west settles its prepare.
      if (answer === 'ok') pending.delete(id)
      else expect(['40001', '57P03']).toContain(answer)
    }
    if (pending.size > 0) await scenario.pause(100)
  }
  expect([...pending]).toEqual([])
  return world.sim.wallMs()
}

const values = async (): Promise<number[]> => (await scenario.sql('west', `SELECT v FROM ${TABLE} ORDER BY id`)).map((r) => Number(r[0]))

test('the coordinator killed before its record: once it is back, the rows west prepared are free within a second', async () => {
  await setup()
  // East dies before it can append (its client's commit dies with it).
  await prepareInWest(() => void scenario.world.kill('east'))
  const back = await restartEast()
  const done = await untilEachUpdates(IDS, 10_000)
  // Before the fix: 40001 on every row west prepared until the 5-minute lapse.
  expect(done - back).toBeLessThanOrEqual(1_000)
  // The orphan never committed: each row has exactly the one update west made.
  expect(await values()).toEqual(IDS.map(() => 1))
}, 60_000)

test('the coordinator killed after its record: west records the rows as written at its commitTs, so an older transaction still conflicts', async () => {
  await setup()
  const { world } = scenario
  // Begun before east's commit: it must not overwrite a row that commit wrote.
  const older = await scenario.begin('west')
  const { reserved, commit } = await prepareInWest(() => {
    // East goes on (it appends, and with the witness's copy the record is committed), but
    // nothing it sends reaches west: neither the finish nor the record.
    world.net.setFaults('east', 'west', { ...CONFIG.linkFaults, partitioned: true })
  })
  expect(await scenario.run(commit, 'east commit')).toBe('ok')
  const [row, ...others] = reserved as [number, ...number[]]
  await scenario.run(older.execute(`UPDATE ${TABLE} SET v = v + 10 WHERE id = $1`, [row]), 'the older update')
  await world.kill('east')
  world.net.setFaults('east', 'west', CONFIG.linkFaults)
  const back = await restartEast()
  // Every row but the older transaction's: those west did not prepare pass at once, the others
  // once west has seen east's record (which east's new run sends it).
  const done = await untilEachUpdates(IDS.filter((id) => id !== row), 10_000)
  expect(done - back).toBeLessThanOrEqual(1_000)
  // The record's commitTs is after the older transaction began: 40001 (a plain conflict, not
  // a transaction too old for its keys' owner), not a lost update.
  const refused = await scenario.run(older.commit().then(() => undefined, (e: unknown) => e), 'the older commit')
  expect(refused).toBeInstanceOf(SqlError)
  expect(refused).toMatchObject({ code: '40001', detail: undefined })
  // East's update of every row, then west's of every row but the older transaction's.
  expect(await values()).toEqual(IDS.map((id) => (id === row ? 1 : 2)))
  expect(others.length).toBeGreaterThan(0)
}, 60_000)

test('west releases nothing before its replica shows what the ended run left: the record comes after the answer that the run changed', async () => {
  await setup()
  const { world } = scenario
  const older = await scenario.begin('west')
  const { txId, reserved, commit } = await prepareInWest(() => {
    world.net.setFaults('east', 'west', { ...CONFIG.linkFaults, partitioned: true })
  })
  expect(await scenario.run(commit, 'east commit')).toBe('ok')
  const [row, ...others] = reserved as [number, ...number[]]
  await scenario.run(older.execute(`UPDATE ${TABLE} SET v = v + 10 WHERE id = $1`, [row]), 'the older update')
  // With the witness down only west can make east's new run commit the record again, and west's
  // disk takes a second per sync: east's answer that its run changed reaches west long before.
  await world.kill('wit')
  await world.kill('east')
  world.net.setFaults('east', 'west', CONFIG.linkFaults)
  world.setDiskFaults('west', { ...CONFIG.disk, syncLatencyMsMin: 1_000, syncLatencyMsMax: 1_000 })
  let answeredAt: number | undefined
  let shownAt: number | undefined
  let recordSeq: number | undefined
  world.onReceive = (to: string, from: string, m: PeerMessage) => {
    if (to !== 'west' || from !== 'east') return
    const now = world.sim.wallMs()
    if (m.type === 'rpc.reply' && typeof (m.value as { run?: unknown } | undefined)?.run === 'string') answeredAt ??= now
    if (m.type === 'journal.records') {
      for (const r of m.records as { txId: string; seq: number }[]) if (r.txId === txId) recordSeq = r.seq
    }
    if (m.type === 'journal.commit' && recordSeq !== undefined && (m.committedSeq as number) >= recordSeq) shownAt ??= now
  }
  await restartEast()
  await untilEachUpdates(others, 20_000)
  world.onReceive = undefined
  expect(answeredAt).toBeDefined()
  expect(shownAt).toBeDefined()
  expect(answeredAt as number).toBeLessThan(shownAt as number)
  const refused = await scenario.run(older.commit().then(() => undefined, (e: unknown) => e), 'the older commit')
  expect(refused).toBeInstanceOf(SqlError)
  expect(refused).toMatchObject({ code: '40001', detail: undefined })
}, 60_000)
