// The heir's rule for sending a generation record (hand-back.ts `#isHeir`), with three full
// regions, which the in-process cluster (two full regions) cannot reach: a decision outlives its
// heirship. Method: one HandBack (the heir's) on a real ClusterState, Rpc and file journal on a
// simulated disk and network; the cluster state is set as failovers and hand-backs elsewhere
// would leave it, and the test watches what the heir appends on its periodic tick.
import { describe, expect, test } from 'bun:test'
import { Hlc, SeededRandom, SimClock } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { openFileJournal, type Journal } from '../journal/index.ts'
import { Rpc, SimNetwork } from '../net/index.ts'
import { ClusterState } from './cluster-state.ts'
import { HandBack } from './hand-back.ts'

const seal = { seq: 0, commitTs: 1_000, by: 'c' }

/** The heir `self` of three full regions in `order` (two journals each), and what it appends. */
function heir(order: readonly string[], self: string) {
  const clock = new SimClock()
  const disk = new SimDisk({ random: new SeededRandom(3), timers: clock, faults: { syncLatencyMsMin: 1 } })
  const state = ClusterState.load(disk, `/mem/${self}`)
  const net = new SimNetwork({ timers: clock, random: new SeededRandom(4), faults: { delayMs: 5 } })
  const transport = net.transport(self, order.filter((r) => r !== self))
  const hlc = new Hlc(clock)
  const journal = openFileJournal({ id: `${self}/j0`, dir: `/mem/${self}/j0`, disk, hlc, clock, timers: clock })
  const appended: string[] = []
  const leader: Journal = Object.assign(Object.create(journal) as Journal, {
    append: (request: Parameters<Journal['append']>[0]) => {
      appended.push(request.txId)
      return journal.append(request)
    },
  })
  const run = <T>(promise: Promise<T>, msMax = 2_000) => clock.runUntil(promise, msMax)
  const outAll = async (region: string, n = 0) => {
    for (const id of state.journalsOf(region, 2, n)) await run(state.record(id, seal))
  }
  /** What `onJoined` was told: region, generation, news. */
  const joined: [string, number, boolean][] = []
  const make = (ownershipChanged = false) =>
    new HandBack({
      self, fullRegions: order, journalsPerRegion: 2, state, rpc: new Rpc(transport, { timers: clock }), transport, timers: clock, hlc,
      leader: () => leader, journalsOf: () => [], ownershipChanged: () => ownershipChanged, rebuild: async () => {},
      onJoined: (region, n, news) => void joined.push([region, n, news]),
    })
  return { clock, state, appended, joined, run, outAll, make, close: () => journal.close() }
}

describe('hand-back: the heir of three full regions', () => {
  // Order c, h, a: c and a were failed over, h owns both's partitions and decided to hand a
  // generation 1 back; c came back first (h handed it back), so c, first in order, now owns a's
  // partitions (it has no decision about a). h's record would make a owner too: two owners.
  test('a region before the heir in order came back: the heir no longer sends its record', async () => {
    const w = heir(['c', 'h', 'a'], 'h')
    await w.outAll('c')
    await w.outAll('a')
    await w.run(w.state.handBack('a', 1))
    await w.run(w.state.recordGeneration('c', { n: 1, ts: 2_000 }))
    const handBack = w.make()
    await w.run(w.clock.sleep(3_000), 4_000)
    expect(w.appended).toEqual([])
    handBack.close()
    await w.close()
  })

  // Order h, c, a: a failed over, h decided a's generation 1; then c failed h over and took a's
  // partitions too (c has no decision about a). h, out, sends nothing; c hands h back (draining
  // a's partitions with h's: they go to h, first in order, again), and h, the heir once more,
  // sends its record.
  test('the heir failed over since its decision sends its record once it is the heir again', async () => {
    const w = heir(['h', 'c', 'a'], 'h')
    await w.outAll('a')
    await w.run(w.state.handBack('a', 1))
    const handBack = w.make()
    await w.outAll('h')
    await w.run(w.clock.sleep(3_000), 4_000)
    expect(w.appended).toEqual([])
    await w.run(w.state.recordGeneration('h', { n: 1, ts: 2_000 }))
    await w.run(w.clock.sleep(1_500), 2_000)
    expect(w.appended).toEqual(['generation:a:1'])
    handBack.close()
    await w.close()
  })

  // The rule lets the record out when the heir is the heir: the control of the two above.
  test('the heir sends the record of its decision', async () => {
    const w = heir(['c', 'h', 'a'], 'h')
    await w.outAll('c')
    await w.outAll('a')
    await w.run(w.state.handBack('a', 1))
    const handBack = w.make()
    await w.run(w.clock.sleep(1_500), 2_000)
    expect(w.appended).toEqual(['generation:a:1'])
    handBack.close()
    await w.close()
  })
})

describe('hand-back: announcing a generation', () => {
  // Real processes: a region restarted mid-hand-back announced that it led generation 18 and
  // owned its partitions again, though a failover had sealed generation 18 (at seq 0) just before;
  // it then learned it was failed over. A generation already sealed when it joins is no news.
  test('a generation sealed before it joined is not announced', async () => {
    const w = heir(['h', 'a'], 'a')
    await w.run(w.state.recordGeneration('a', { n: 1, ts: 0 }))
    for (const id of w.state.journalsOf('a', 2, 1)) await w.run(w.state.record(id, { ...seal, by: 'h' }))
    const handBack = w.make(true)
    const record = { journalId: 'h/j0', seq: 7, commitTs: 5_000, txId: 'generation:a:1', writes: [] }
    await w.run(handBack.joins(record) as Promise<unknown>)
    await w.run(w.clock.sleep(10))
    expect(w.joined).toEqual([['a', 1, false]])
    handBack.close()
    await w.close()
  })
})

describe('hand-back: a retired generation', () => {
  // A restart replays the heir's journal from storage's positions, which may lie below the record
  // of a generation retired since (retire.ts). Opened again, its journals would be empty replicas
  // that no leader refills, holding the merge for ever: the record admits nothing then, while the
  // record of a generation still held admits its journals.
  test('the record of a generation retired here admits no journal', async () => {
    const w = heir(['h', 'a'], 'h')
    await w.outAll('a', 0)
    await w.run(w.state.recordGeneration('a', { n: 1, ts: 2_000 }))
    await w.outAll('a', 1)
    await w.run(w.state.recordGeneration('a', { n: 2, ts: 4_000 }))
    await w.run(w.state.retire('a', 0, 2))
    await w.run(w.state.retire('a', 1, 2))
    const asked: [string, number][] = []
    const handBack = new HandBack({
      self: 'h', fullRegions: ['h', 'a'], journalsPerRegion: 2, state: w.state, rpc: new Rpc(new SimNetwork({ timers: w.clock, random: new SeededRandom(1) }).transport('h', ['a']), { timers: w.clock }),
      transport: new SimNetwork({ timers: w.clock, random: new SeededRandom(2) }).transport('h', ['a']), timers: w.clock, hlc: new Hlc(w.clock),
      leader: () => { throw new Error('no append here') }, journalsOf: (region, n) => (asked.push([region, n]), []), ownershipChanged: () => false,
      rebuild: async () => {}, onJoined: () => {},
    })
    const record = (n: number, seq: number) => ({ journalId: 'h/j0', seq, commitTs: 1_000 * n + 1_000, txId: `generation:a:${n}`, writes: [] })
    expect(handBack.joins(record(1, 3))).toBeUndefined()
    await w.run(handBack.joins(record(2, 5)) as Promise<unknown>)
    expect(asked).toEqual([['a', 2]])
    // Forgetting the retired generations keeps the live one: its record is not admitted anew.
    handBack.retired('a')
    await w.run(handBack.joins(record(2, 5)) as Promise<unknown>)
    expect(asked).toEqual([['a', 2]])
    handBack.close()
    await w.close()
  })
})
