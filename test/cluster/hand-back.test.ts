// Partition hand-back (ARCHITECTURE.md "Regions": "A region that comes back catches up from its
// peers' journals and opens a new journal"; server/region/hand-back.ts). Method: the in-process
// cluster (real regions and witness on a simulated network and disks). East stops and is failed
// over by west; east starts again, asks west for its partitions and gets them back in journal
// generation 1, which joins both regions' merges; then west, the heir, stops: east must fail it
// over and take every partition, commits going on (before hand-back east's journals stayed sealed,
// it could fail no one over, and commits stopped everywhere). West then gets its own back too.
// Every row written anywhere is read the same in both regions at the end.
import { afterEach, describe, expect, test } from 'bun:test'
import type { PeerMessage } from '../../server/net/index.ts'
import { generationJournalId, journalDir, parseJournalId, type ClusterEvent } from '../../server/region/index.ts'
import { Cluster } from './cluster.ts'

let cluster: Cluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

/** Retries one statement in its own transaction in `region` while the cluster moves partitions
 * (57P03 refused, 40001 below a hand-over floor: nothing written either way), for 10 virtual s. */
async function write(c: Cluster, region: string, sql: string, params: unknown[] = []): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await c.sql(region, sql, params)
      return
    } catch (e) {
      const code = (e as { code?: string }).code
      if (attempt >= 100 || (code !== '57P03' && code !== '40001')) throw e
      await c.until(c.clock.sleep(100))
    }
  }
}

/** Whether `event`, reported by `region`, is `who` owning its partitions again. */
const handedBack = (who: string) => (_region: string, event: ClusterEvent) => event.kind === 'handed-back' && event.region === who

/** A cluster (closed after the test) with table t (id, v) of `rows` rows, v = 0, inserted through
 * both full regions in turn, or all through `through`. */
async function openWithRows(rows: number, through?: string): Promise<Cluster> {
  cluster = new Cluster()
  const c = cluster
  await c.open()
  await c.sql('east', 'CREATE TABLE t (id int4 PRIMARY KEY, v int8)')
  for (let id = 0; id < rows; id++) await c.sql(through ?? (id % 2 === 0 ? 'east' : 'west'), 'INSERT INTO t VALUES ($1, 0)', [id])
  return c
}

/** Stops `region` and waits until `heir` has failed it over (taken its partitions). */
async function stopAndFailOver(c: Cluster, region: string, heir: string): Promise<void> {
  const out = c.untilEvent((by, e) => by === heir && e.kind === 'failed-over' && e.region === region)
  await c.stop(region)
  await out
}

describe('partition hand-back', () => {
  test('a failed-over region gets its partitions back in a new journal generation, and can then fail its heir over', async () => {
    const c = await openWithRows(20)
    // East stops; west fails it over and takes its partitions.
    await stopAndFailOver(c, 'east', 'west')
    for (let id = 0; id < 20; id++) await write(c, 'west', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])

    // East starts again: it learns it was failed over, asks west, and generation 1 joins both
    // regions' merges.
    const seen = new Map<string, number>()
    const eastBack = c.untilEvent((region, e) => {
      if (handedBack('east')(region, e) && e.kind === 'handed-back') seen.set(region, e.generation)
      return seen.size === 2
    })
    await c.start('east')
    await eastBack
    expect([...seen.entries()].sort()).toEqual([['east', 1], ['west', 1]])
    // East's journals of generation 1 take commits: every row, from either region.
    for (let id = 0; id < 20; id++) await write(c, id % 2 === 0 ? 'east' : 'west', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    expect(await c.sql('west', 'SELECT sum(v) FROM t')).toEqual([['40']])

    // West, the heir, stops: east fails it over (its new generation is in) and commits go on.
    await stopAndFailOver(c, 'west', 'east')
    for (let id = 0; id < 20; id++) await write(c, 'east', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    expect(await c.sql('east', 'SELECT sum(v) FROM t')).toEqual([['60']])

    // West comes back and gets its partitions back in its own generation 1.
    const westBack = c.untilEvent((region, e) => region === 'west' && handedBack('west')(region, e))
    await c.start('west')
    await westBack
    for (let id = 0; id < 20; id++) await write(c, id % 2 === 0 ? 'west' : 'east', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    const rows = await c.sql('east', 'SELECT id, v FROM t ORDER BY id')
    expect(rows).toEqual(Array.from({ length: 20 }, (_, id) => [id, '4']))
    expect(await c.sql('west', 'SELECT id, v FROM t ORDER BY id')).toEqual(rows)
  }, 60_000)

  // The same heir, not restarted in between, hands a region back twice (the cluster sim's seed 552:
  // the heir's note that generation 1's record went out kept generation 2's from going out).
  test('a region lost twice gets a second generation from the same heir', async () => {
    const c = await openWithRows(10)
    for (const generation of [1, 2]) {
      await stopAndFailOver(c, 'east', 'west')
      const back = c.untilEvent((region, e) => region === 'east' && e.kind === 'handed-back' && e.region === 'east' && e.generation === generation)
      await c.start('east')
      await back
      for (let id = 0; id < 10; id++) await write(c, id % 2 === 0 ? 'east' : 'west', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    }
    expect(await c.sql('west', 'SELECT sum(v) FROM t')).toEqual([['20']])
    expect(await c.sql('east', 'SELECT sum(v) FROM t')).toEqual([['20']])
  }, 60_000)

  // The real-process finding: while the heir already routes east's keys to east (its crossbar
  // admitted generation 1) and east still runs its old adjudicators (which route them to the
  // heir), a commit forwarded from one was forwarded back by the other; east's switch to its new
  // adjudicators then waited on its commit in flight at west, which waited on east's switch: every
  // commit stalled for the 15 s forward timeout and ended 40003. A forwarded commit is now decided
  // where it lands or refused (57P03, nothing written). Method: writers commit on east all through
  // the hand-back, west's messages to east 30 ms late (as on the WAN where it was found).
  test('commits in flight at the returning region across the join neither stall nor end with an unknown outcome or a schema-change conflict', async () => {
    const c = await openWithRows(20, 'west')
    await stopAndFailOver(c, 'east', 'west')
    c.net.setFaults('west', 'east', { delayMs: 30 })
    await c.start('east')
    const durations: number[] = []
    const failures: string[] = []
    let committed = 0
    const end = c.clock.wallMs() + 6_000
    const writer = async (w: number) => {
      await c.clock.sleep(w * 4)
      for (let i = 0; c.clock.wallMs() < end; i++) {
        const started = c.clock.wallMs()
        try {
          const tx = await c.region('east').qp.begin()
          await tx.execute('UPDATE t SET v = v + 1 WHERE id = $1', [w])
          await tx.commit()
          committed++
        } catch (e) {
          const code = (e as { code?: string }).code
          // No DDL here: a transaction older than the returning region's new adjudicators is no
          // schema change (OC001) because the first key reaching them was the table's definition.
          if ((code !== '57P03' && code !== '40001') || (e as Error).message.includes('OC001')) failures.push(`${code}: ${(e as Error).message}`)
          await c.clock.sleep(10)
        }
        durations.push(c.clock.wallMs() - started)
      }
    }
    const back = c.untilEvent((region, e) => region === 'east' && handedBack('east')(region, e))
    const writing = Promise.all(Array.from({ length: 20 }, (_, w) => writer(w)))
    await back
    await c.until(writing)
    expect(failures).toEqual([])
    expect(Math.max(...durations)).toBeLessThan(2_000)
    expect(committed).toBeGreaterThan(0)
    const [[sum]] = (await c.sql('west', 'SELECT sum(v) FROM t')) as [[string]]
    expect(Number(sum)).toBe(committed)
    expect(await c.sql('east', 'SELECT sum(v) FROM t')).toEqual([[sum]])
  }, 60_000)

  // Each step is on disk before the next (hand-back.ts): a restart anywhere resumes from it. West
  // restarts the moment its decision to hand east back is on disk (before or after its generation
  // record went out), east the moment it recorded its generation; the hand-back completes, both
  // regions take commits on every row, and read the same rows.
  test('restarts of the heir and of the returning region mid-hand-back', async () => {
    const c = await openWithRows(12)
    await stopAndFailOver(c, 'east', 'west')
    await c.start('east')
    /** What `region`'s cluster-state.json holds now. */
    const stateOf = (region: string) => {
      const bytes = c.disks.get(region)?.readFile(`/mem/${region}/cluster-state.json`)
      return bytes === undefined ? {} : (JSON.parse(new TextDecoder().decode(bytes)) as { handingBack?: Record<string, number>; generations?: Record<string, { n: number }> })
    }
    let steps = 0
    while (stateOf('west').handingBack?.east !== 1) {
      expect(++steps).toBeLessThan(10_000)
      await c.until(c.clock.sleep(1))
    }
    await c.restart('west')
    while (stateOf('east').generations?.east?.n !== 1) {
      expect(++steps).toBeLessThan(20_000)
      await c.until(c.clock.sleep(1))
    }
    await c.restart('east')
    for (let round = 1; round <= 2; round++) {
      for (let id = 0; id < 12; id++) await write(c, id % 2 === 0 ? 'east' : 'west', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    }
    expect(stateOf('west').generations?.east?.n).toBe(1)
    const rows = await c.sql('west', 'SELECT id, v FROM t ORDER BY id')
    expect(rows).toEqual(Array.from({ length: 12 }, (_, id) => [id, '2']))
    expect(await c.sql('east', 'SELECT id, v FROM t ORDER BY id')).toEqual(rows)
    // East coordinates commits on its own keys again: west stopped, east still commits them once
    // it failed west over, and it may only do that with a generation of its own.
    await stopAndFailOver(c, 'west', 'east')
    for (let id = 0; id < 12; id++) await write(c, 'east', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    expect(await c.sql('east', 'SELECT sum(v) FROM t')).toEqual([['36']])
  }, 60_000)
})

// Retiring old generations (server/region/retire.ts): every hand-back leaves the region's old
// generation sealed, and before retirement every region kept its journals for good. Method: three
// hand-backs (east, west, east again) with storage in SQLite files and compactions every 500 ms;
// once the cluster is quiet, every region (the witness too) holds and merges only the newest
// generation of each region, the retired generations' directories are gone from every disk, the
// rows are the same everywhere, and a restart of each full region reopens none of them.
describe('retiring old generations', () => {
  /** The journal directories region `holder` would keep for `journalId`. */
  const dirOf = (holder: string, journalId: string) => journalDir(`/mem/${holder}`, journalId, parseJournalId(journalId)?.region !== holder)
  const ids = (region: string, n: number) => [0, 1].map((k) => generationJournalId(region, n, k))

  test('after three hand-backs every region holds only the live generations, and their files alone', async () => {
    cluster = new Cluster(false, { fileStorage: true, compactIntervalMs: 500 })
    const c = cluster
    // The first message of each kind that names east's generation 0, to each region: repeated once
    // the generation is retired, as a late or duplicated one would come.
    const naming = new Map<string, { from: string; to: string; message: PeerMessage }>()
    c.onReceive = (to, from, message) => {
      const kind = `${to} ${message.type} ${String(message.method ?? '')}`
      if (!naming.has(kind) && JSON.stringify(message).includes('"east/j0"')) naming.set(kind, { from, to, message })
    }
    await c.open()
    await c.sql('east', 'CREATE TABLE t (id int4 PRIMARY KEY, v int8)')
    for (let id = 0; id < 10; id++) await c.sql(id % 2 === 0 ? 'east' : 'west', 'INSERT INTO t VALUES ($1, 0)', [id])
    const generations = new Map<string, number>()
    for (const [region, heir] of [['east', 'west'], ['west', 'east'], ['east', 'west']] as const) {
      await stopAndFailOver(c, region, heir)
      for (let id = 0; id < 10; id++) await write(c, heir, 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
      const generation = (generations.get(region) ?? 0) + 1
      generations.set(region, generation)
      const back = c.untilEvent((by, e) => by === region && e.kind === 'handed-back' && e.region === region && e.generation === generation)
      await c.start(region)
      await back
      for (let id = 0; id < 10; id++) await write(c, id % 2 === 0 ? 'east' : 'west', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    }
    const live = [...ids('east', 2), ...ids('west', 1)].sort()
    const retired = [...ids('east', 0), ...ids('east', 1), ...ids('west', 0)]
    const held = () => [
      ...['east', 'west'].map((r) => [...c.region(r).journals().held].sort()),
      [...(c.witness?.journals().held ?? [])].sort(),
    ]
    for (let i = 0; i < 100 && JSON.stringify(held()) !== JSON.stringify([live, live, live]); i++) await c.until(c.clock.sleep(100))
    expect(held()).toEqual([live, live, live])
    for (const r of ['east', 'west']) expect([...c.region(r).journals().merged].sort()).toEqual(live)
    for (const holder of ['east', 'west', 'wit']) {
      const disk = c.disks.get(holder)
      for (const id of retired) expect({ dir: dirOf(holder, id), exists: disk?.exists(dirOf(holder, id)) }).toEqual({ dir: dirOf(holder, id), exists: false })
      for (const id of live) expect(disk?.exists(dirOf(holder, id))).toBe(true)
      const state = JSON.parse(new TextDecoder().decode(disk?.readFile(`/mem/${holder}/cluster-state.json`))) as { seals: Record<string, unknown>; retired: Record<string, { below: number }> }
      expect(Object.keys(state.seals)).toEqual([])
      expect(state.retired).toMatchObject({ east: { below: 2 }, west: { below: 1 } })
    }
    const rows = await c.sql('east', 'SELECT id, v FROM t ORDER BY id')
    expect(rows).toEqual(Array.from({ length: 10 }, (_, id) => [id, '6']))
    expect(await c.sql('west', 'SELECT id, v FROM t ORDER BY id')).toEqual(rows)
    // Late messages naming a retired journal (its records, commits, seals, a seal's notice) open
    // nothing again, and the merge goes on: commits made now are read everywhere.
    const kinds = [...naming.keys()].map((k) => k.split(' ').slice(1).join(' ').trim())
    for (const kind of ['journal.records', 'journal.commit', 'cluster.seals', 'rpc.call seal.commit']) expect(kinds).toContain(kind)
    c.onReceive = undefined
    for (const { from, to, message } of naming.values()) c.send(from, to, message)
    await c.until(c.clock.sleep(1_000))
    expect(held()).toEqual([live, live, live])
    for (let id = 0; id < 10; id++) await write(c, id % 2 === 0 ? 'east' : 'west', 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    expect(await c.sql('west', 'SELECT sum(v) FROM t')).toEqual([['70']])
    expect(await c.sql('east', 'SELECT sum(v) FROM t')).toEqual([['70']])
    // A restart opens no retired journal, and reads and commits as before.
    for (const r of ['east', 'west']) {
      await c.restart(r)
      expect([...c.region(r).journals().held].sort()).toEqual(live)
      for (let id = 0; id < 10; id++) await write(c, r, 'UPDATE t SET v = v + 1 WHERE id = $1', [id])
    }
    expect(await c.sql('west', 'SELECT sum(v) FROM t')).toEqual([['90']])
    expect(await c.sql('east', 'SELECT sum(v) FROM t')).toEqual([['90']])
  }, 60_000)
})
