// Retiring old generations (retire.ts): a region drops its copy of an old generation only once
// every other region said it holds the generation's seals (it then never fetches from this copy),
// and the files go only once the retirement is on disk; a crash in between leaves files that the
// next start removes. Method: a witness's Retirement (no merge: it applies nothing) on a real
// ClusterState and SimDisk, the other regions' announcements sent over a simulated network.
import { describe, expect, test } from 'bun:test'
import { SeededRandom, SimClock } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { SimNetwork, type Transport } from '../net/index.ts'
import { ClusterState } from './cluster-state.ts'
import type { SealsMessage } from './failover.ts'
import { Retirement } from './retire.ts'

const REGIONS = ['east', 'west', 'wit']
const seal = (seq: number) => ({ seq, commitTs: 1_000 + seq, by: 'west' })
const dirOf = (id: string) => `/mem/wit/replica-${id.replaceAll('/', '-')}`

function world() {
  const clock = new SimClock()
  let disk = new SimDisk({ random: new SeededRandom(5), timers: clock, faults: { syncLatencyMsMin: 1 } })
  const net = new SimNetwork({ timers: clock, random: new SeededRandom(6), faults: { delayMs: 1 } })
  const transports = new Map<string, Transport>(REGIONS.map((r) => [r, net.transport(r, REGIONS.filter((o) => o !== r))]))
  const run = <T>(promise: Promise<T>, msMax = 1_000) => clock.runUntil(promise, msMax)
  const dropped: string[] = []
  const retirement = (state: ClusterState) =>
    new Retirement({
      self: 'wit', regions: REGIONS, fullRegions: ['east', 'west'], journalsPerRegion: 2, state,
      transport: transports.get('wit') as Transport, disk, dirOf,
      drop: async (ids) => void dropped.push(...ids),
    })
  /** East failed over and back: its generation 0 sealed (records in both journals), 1 the newest;
   * the witness holds a copy of each journal. */
  const setUp = async () => {
    const state = ClusterState.load(disk, '/mem/wit')
    await run(state.record('east/j0', seal(3)))
    await run(state.record('east/j1', seal(5)))
    await run(state.recordGeneration('east', { n: 1, ts: 2_000 }))
    for (const id of ['east/j0', 'east/j1', 'east/g1/j0', 'east/g1/j1']) {
      disk.mkdirp(dirOf(id))
      const f = disk.open(`${dirOf(id)}/00000001.seg`)
      f.append(new Uint8Array([1, 2, 3]))
      await run(f.sync())
    }
    return state
  }
  const announce = (from: string, message: Omit<SealsMessage, 'type'>) => {
    transports.get(from)?.send('wit', { type: 'cluster.seals', ...message })
    return run(clock.sleep(5))
  }
  const crash = () => {
    disk.crash()
    disk = disk.restart()
    return disk
  }
  return { clock, get disk() { return disk }, run, dropped, retirement, setUp, announce, crash }
}

describe('retiring an old generation', () => {
  test('only once every other region said it holds the seals; then its files go', async () => {
    const w = world()
    const state = await w.setUp()
    const retirement = w.retirement(state)
    const both = { 'east/j0': seal(3), 'east/j1': seal(5) }
    await w.run(retirement.step())
    expect(state.retiredBelow('east')).toBe(0)
    // East holds them; west only one of them: a region that lacks a seal may still fetch the
    // records from this copy.
    await w.announce('east', { seals: both })
    await w.announce('west', { seals: { 'east/j0': seal(3) } })
    await w.run(retirement.step())
    expect(state.retiredBelow('east')).toBe(0)
    expect(w.disk.exists(dirOf('east/j0'))).toBe(true)
    // West retired it already: it held the seals to do so.
    await w.announce('west', { seals: {}, retired: { east: 1 } })
    await w.run(retirement.step())
    expect(state.retiredBelow('east')).toBe(1)
    expect(state.sealed('east/j0')).toBeUndefined()
    expect(w.dropped).toEqual(['east/j0', 'east/j1'])
    for (const id of ['east/j0', 'east/j1']) expect(w.disk.exists(dirOf(id))).toBe(false)
    for (const id of ['east/g1/j0', 'east/g1/j1']) expect(w.disk.exists(dirOf(id))).toBe(true)
    expect(state.filesToRemove('east')).toEqual({ from: 1, to: 1 })
    // The newest generation is never retired, sealed or not.
    await w.run(state.record('east/g1/j0', seal(1)))
    await w.run(state.record('east/g1/j1', seal(1)))
    await w.announce('east', { seals: { 'east/g1/j0': seal(1), 'east/g1/j1': seal(1) }, retired: { east: 1 } })
    await w.announce('west', { seals: { 'east/g1/j0': seal(1), 'east/g1/j1': seal(1) }, retired: { east: 1 } })
    await w.run(retirement.step())
    expect(state.retiredBelow('east')).toBe(1)
    retirement.close()
  })

  test('a generation not sealed in full here is not retired, whatever the others say', async () => {
    const w = world()
    const state = ClusterState.load(w.disk, '/mem/wit')
    await w.run(state.record('east/j0', seal(3)))
    await w.run(state.recordGeneration('east', { n: 1, ts: 2_000 }))
    const retirement = w.retirement(state)
    for (const from of ['east', 'west']) await w.announce(from, { seals: { 'east/j0': seal(3), 'east/j1': seal(5) } })
    await w.run(retirement.step())
    expect(state.retiredBelow('east')).toBe(0)
    retirement.close()
  })

  // The retirement is on disk before a file goes; a crash after it (before or during the removal)
  // leaves files the next start removes, and the journals are not opened again.
  test('files a crash left after the retirement are removed at the next start', async () => {
    const w = world()
    const state = await w.setUp()
    await w.run(state.retire('east', 0, 2))
    const disk = w.crash()
    const reloaded = ClusterState.load(disk, '/mem/wit')
    expect(reloaded.isRetired('east/j1')).toBe(true)
    expect(disk.exists(dirOf('east/j1'))).toBe(true)
    const retirement = w.retirement(reloaded)
    await w.run(w.clock.sleep(10))
    for (const id of ['east/j0', 'east/j1']) expect(disk.exists(dirOf(id))).toBe(false)
    expect(disk.exists(dirOf('east/g1/j0'))).toBe(true)
    expect(reloaded.filesToRemove('east')).toEqual({ from: 1, to: 1 })
    expect(ClusterState.load(disk, '/mem/wit').filesToRemove('east')).toEqual({ from: 1, to: 1 })
    retirement.close()
  })
})
