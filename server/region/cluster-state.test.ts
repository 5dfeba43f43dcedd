// What a region keeps of failovers across a crash (failover.ts, "Releasing a freeze"): a pledge is
// on disk before it is given, a seal of the journal replaces it, a dropped one stays dropped.
// Method: the real ClusterState on a SimDisk that loses everything not written when it crashes.
import { describe, expect, test } from 'bun:test'
import { heapStats } from 'bun:jsc'
import { SeededRandom, SimClock } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { ClusterState, type PledgeRecord } from './cluster-state.ts'
import { handOverFloor } from './failover.ts'

const DIR = '/data/wit'
const pledge: PledgeRecord = { by: 'west', attempt: { run: 'r1', n: 3 }, seal: { seq: 17, commitTs: 1_000, by: 'west' } }

/** A disk whose writes take virtual time, and a way to run it. */
function world() {
  const clock = new SimClock()
  const disk = new SimDisk({ random: new SeededRandom(5), timers: clock, faults: { syncLatencyMsMin: 2 } })
  const run = <T>(promise: Promise<T>) => clock.runUntil(promise, 1_000)
  return { disk, run }
}

/** The state as a region restarted after a power loss finds it. */
function afterCrash(disk: SimDisk): ClusterState {
  disk.crash()
  return ClusterState.load(disk.restart(), DIR)
}

describe('cluster state: pledges', () => {
  test("a write that fails is the caller's 58030, an error an RPC handler answers with (not an exception thrown past it)", async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    const writing = state.pledge('east/j0', pledge)
    // The process dies while the write waits for the disk.
    disk.crash()
    const error = await run(writing).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: '58030' })
    expect(String((error as Error).message)).toContain(`could not write ${DIR}/cluster-state.json`)
  })

  test('a pledge is on disk once given, and survives a crash', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await run(state.pledge('east/j0', pledge))
    expect(state.pledged('east/j0')).toEqual(pledge)
    const reloaded = afterCrash(disk)
    expect(reloaded.pledged('east/j0')).toEqual(pledge)
    expect([...reloaded.pledges().keys()]).toEqual(['east/j0'])
    expect(reloaded.sealed('east/j0')).toBeUndefined()
  })

  test('the seal of the journal replaces its pledge, for good', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await run(state.pledge('east/j0', pledge))
    await run(state.pledge('east/j1', { ...pledge, seal: { ...pledge.seal, seq: 4 } }))
    const recording = state.record('east/j0', pledge.seal)
    expect(state.pledged('east/j0')).toBeUndefined()
    await run(recording)
    const reloaded = afterCrash(disk)
    expect(reloaded.sealed('east/j0')).toEqual(pledge.seal)
    expect(reloaded.pledged('east/j0')).toBeUndefined()
    expect(reloaded.pledged('east/j1')?.seal.seq).toBe(4)
    expect(() => reloaded.pledge('east/j0', pledge)).toThrow('is sealed')
  })

  test('a pledge dropped is gone at once, and after a crash once written', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await run(state.pledge('east/j0', pledge))
    const dropping = state.unpledge('east/j0')
    expect(state.pledged('east/j0')).toBeUndefined()
    await run(dropping)
    expect(afterCrash(disk).pledged('east/j0')).toBeUndefined()
  })
})

// A seal shown to another region before it is on disk could outlive a crash of this one, which
// would restart with neither the seal nor the pledge it replaced (failover.ts, "Releasing a
// freeze"): `sealed` and `seals`, all that is shown outside, hold only seals on disk.
describe('cluster state: seals', () => {
  const seal = { seq: 17, commitTs: 1_000, by: 'west' }

  test('a seal is recording, not sealed, until its write resolves; a crash before loses it', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await run(state.pledge('east/j0', pledge))
    const recording = state.record('east/j0', seal)
    expect(state.recording('east/j0')).toEqual(seal)
    expect(state.sealed('east/j0')).toBeUndefined()
    expect([...state.seals().keys()]).toEqual([])
    expect(state.isOut('east')).toBe(false)
    // Crashed now: the restarted region has the pledge, not the seal, and showed neither.
    disk.crash()
    await expect(run(recording)).rejects.toThrow(/crash/)
    const reloaded = ClusterState.load(disk.restart(), DIR)
    expect(reloaded.sealed('east/j0')).toBeUndefined()
    expect(reloaded.pledged('east/j0')).toEqual(pledge)
  })

  test('once written, the seal is sealed and shown, and survives a crash', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await run(state.record('east/j0', seal))
    expect(state.recording('east/j0')).toBeUndefined()
    expect(state.sealed('east/j0')).toEqual(seal)
    expect([...state.seals().keys()]).toEqual(['east/j0'])
    expect(afterCrash(disk).sealed('east/j0')).toEqual(seal)
  })

  test('a seal whose write failed stays recording until a later write lands it', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    disk.setFaults({ syncLatencyMsMin: 2, syncFailureProbability: 1 })
    await expect(run(state.record('east/j0', seal))).rejects.toThrow()
    expect(state.sealed('east/j0')).toBeUndefined()
    expect(state.recording('east/j0')).toEqual(seal)
    disk.setFaults({ syncLatencyMsMin: 2 })
    await run(state.record('east/j0', seal))
    expect(state.sealed('east/j0')).toEqual(seal)
    expect(state.recording('east/j0')).toBeUndefined()
  })
})

describe('cluster state: generations', () => {
  const seal = { seq: 3, commitTs: 1_000, by: 'west' }

  test('a failed-over region is in again once a newer generation is recorded, out once that one is sealed', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    for (const id of ['east/j0', 'east/j1']) await run(state.record(id, seal))
    expect(state.isFullyOut('east', 2)).toBe(true)
    await run(state.recordGeneration('east', { n: 1, ts: 5_000 }))
    expect(state.journalsOf('east', 2)).toEqual(['east/g1/j0', 'east/g1/j1'])
    expect(state.allJournalsOf('east', 2)).toEqual(['east/j0', 'east/j1', 'east/g1/j0', 'east/g1/j1'])
    expect(state.isOut('east')).toBe(false)
    expect(state.isFullyOut('east', 2)).toBe(false)
    // An older generation heard of later changes nothing.
    await run(state.recordGeneration('east', { n: 0, ts: 0 }))
    expect(state.generation('east')).toBe(1)
    await run(state.record('east/g1/j0', seal))
    expect(state.isOut('east')).toBe(true)
    expect(state.isFullyOut('east', 2)).toBe(false)
    await run(state.record('east/g1/j1', seal))
    expect(state.isFullyOut('east', 2)).toBe(true)
  })

  // availability.ts asks on every begin and commit while a full peer's link is down: nothing may be
  // allocated there (the ids of a region's newest journals were built on each call).
  test('isFullyOut allocates nothing, and follows a new generation', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await run(state.record('east/j0', seal))
    for (let i = 0; i < 1_000; i++) state.isFullyOut('east', 2)
    Bun.gc(true)
    const before = heapStats().objectCount
    for (let i = 0; i < 100_000; i++) state.isFullyOut('east', 2)
    expect(heapStats().objectCount).toBeLessThanOrEqual(before)
    await run(state.record('east/j1', seal))
    expect(state.isFullyOut('east', 2)).toBe(true)
    await run(state.recordGeneration('east', { n: 1, ts: 5_000 }))
    expect(state.isFullyOut('east', 2)).toBe(false)
    for (const id of ['east/g1/j0', 'east/g1/j1']) await run(state.record(id, seal))
    expect(state.isFullyOut('east', 2)).toBe(true)
  })

  test('generations and an heir\'s hand-back decisions survive a crash', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await run(state.handBack('east', 1))
    await run(state.recordGeneration('west', { n: 2, ts: 7_000 }))
    const reloaded = afterCrash(disk)
    expect(reloaded.handingBack('east')).toBe(1)
    expect(reloaded.generation('west')).toBe(2)
    expect(reloaded.generations().get('west')).toEqual({ n: 2, ts: 7_000 })
    expect(reloaded.generation('east')).toBe(0)
  })

  test('recording a generation known only from a failed write resolves once it is on disk', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    disk.setFaults({ syncLatencyMsMin: 2, syncFailureProbability: 1 })
    await expect(run(state.recordGeneration('east', { n: 1, ts: 0 }))).rejects.toThrow()
    expect(state.generation('east')).toBe(1)
    disk.setFaults({ syncLatencyMsMin: 2 })
    // The crossbar's caller: the same generation, now with its record's timestamp.
    await run(state.recordGeneration('east', { n: 1, ts: 9_000 }))
    expect(afterCrash(disk).generations().get('east')).toEqual({ n: 1, ts: 9_000 })
  })
})

// Retiring an old generation (retire.ts): its seals leave the state, one record per region stands
// for them, and the record is on disk before any file of the generation may go (a crash between
// the two must reopen nothing without its records). Method: the real ClusterState on a SimDisk,
// crashed at each step.
describe('cluster state: retired generations', () => {
  const seal = (seq: number, commitTs: number) => ({ seq, commitTs, by: 'west' })

  /** East failed over twice and back twice: generations 0 and 1 sealed, 2 its newest. */
  async function twiceBack(run: <T>(p: Promise<T>) => Promise<T>, state: ClusterState): Promise<void> {
    for (const [id, s] of [['east/j0', seal(4, 1_000)], ['east/j1', seal(0, 0)]] as const) await run(state.record(id, s))
    await run(state.recordGeneration('east', { n: 1, ts: 2_000 }))
    for (const [id, s] of [['east/g1/j0', seal(7, 3_000)], ['east/g1/j1', seal(2, 3_500)]] as const) await run(state.record(id, s))
    await run(state.recordGeneration('east', { n: 2, ts: 4_000 }))
  }

  test('a retired generation leaves the state, for good, and is held no more', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await twiceBack(run, state)
    expect(state.heldGenerations('east')).toEqual([0, 1, 2])
    const floor = handOverFloor(state, 0)
    await run(state.retire('east', 0, 2))
    expect(state.retiredBelow('east')).toBe(1)
    expect(state.isRetired('east/j0')).toBe(true)
    expect(state.isRetired('east/g1/j0')).toBe(false)
    expect(state.isRetired('west/j0')).toBe(false)
    expect(state.sealed('east/j0')).toBeUndefined()
    expect([...state.seals().keys()]).toEqual(['east/g1/j0', 'east/g1/j1'])
    expect(state.heldGenerations('east')).toEqual([1, 2])
    expect(state.allJournalsOf('east', 2)).toEqual(['east/g1/j0', 'east/g1/j1', 'east/g2/j0', 'east/g2/j1'])
    await run(state.retire('east', 1, 2))
    expect(state.seals().size).toBe(0)
    // The floor of partitions handed over stays above every seal, retired or not.
    expect(handOverFloor(state, 0)).toBe(floor)
    const reloaded = afterCrash(disk)
    expect(reloaded.retiredBelow('east')).toBe(2)
    expect(reloaded.isRetired('east/g1/j1')).toBe(true)
    expect(reloaded.seals().size).toBe(0)
    expect(reloaded.allJournalsOf('east', 2)).toEqual(['east/g2/j0', 'east/g2/j1'])
    expect(handOverFloor(reloaded, 0)).toBe(floor)
    expect(reloaded.isOut('east')).toBe(false)
    // A late notice of a retired seal is a bug to record.
    expect(() => reloaded.record('east/j0', seal(4, 1_000))).toThrow('retired')
  })

  test('only a generation older than the newest, sealed in full, in order', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await twiceBack(run, state)
    expect(() => state.retire('east', 1, 2)).toThrow('first held is 0')
    await run(state.retire('east', 0, 2))
    await run(state.retire('east', 1, 2))
    expect(() => state.retire('east', 2, 2)).toThrow('its newest')
    await run(state.record('west/j0', seal(1, 100)))
    await run(state.recordGeneration('west', { n: 1, ts: 200 }))
    expect(() => state.retire('west', 0, 2)).toThrow('not sealed')
  })

  test('files may go only once the retirement is on disk; a crash before brings the journals back', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await twiceBack(run, state)
    const retiring = state.retire('east', 0, 2)
    // In memory at once (messages naming the journals are dropped), on disk not yet.
    expect(state.isRetired('east/j0')).toBe(true)
    expect(state.filesToRemove('east')).toEqual({ from: 0, to: 0 })
    expect(state.retiredOnDisk()).toBe(false)
    const lost = afterCrash(disk)
    expect(lost.isRetired('east/j0')).toBe(false)
    expect(lost.sealed('east/j0')).toEqual(seal(4, 1_000))
    expect(lost.heldGenerations('east')).toEqual([0, 1, 2])
    await expect(run(retiring)).rejects.toThrow('simulated crash')
  })

  test('files left by a crash after the retirement are to remove until recorded gone', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await twiceBack(run, state)
    await run(state.retire('east', 0, 2))
    expect(state.retiredOnDisk()).toBe(true)
    expect(state.filesToRemove('east')).toEqual({ from: 0, to: 1 })
    disk.crash()
    const view = disk.restart()
    const reloaded = ClusterState.load(view, DIR)
    expect(reloaded.filesToRemove('east')).toEqual({ from: 0, to: 1 })
    await run(reloaded.filesRemoved('east', 1))
    expect(reloaded.filesToRemove('east')).toEqual({ from: 1, to: 1 })
    await run(reloaded.retire('east', 1, 2))
    expect(reloaded.filesToRemove('east')).toEqual({ from: 1, to: 2 })
    expect(afterCrash(view).filesToRemove('east')).toEqual({ from: 1, to: 2 })
  })

  test('a retirement whose write failed lands with the next write', async () => {
    const { disk, run } = world()
    const state = ClusterState.load(disk, DIR)
    await twiceBack(run, state)
    disk.setFaults({ syncLatencyMsMin: 2, syncFailureProbability: 1 })
    await expect(run(state.retire('east', 0, 2))).rejects.toThrow()
    expect(state.isRetired('east/j0')).toBe(true)
    expect(state.retiredOnDisk()).toBe(false)
    expect(state.filesToRemove('east')).toEqual({ from: 0, to: 0 })
    disk.setFaults({ syncLatencyMsMin: 2 })
    await run(state.flush())
    expect(state.retiredOnDisk()).toBe(true)
    expect(state.filesToRemove('east')).toEqual({ from: 0, to: 1 })
    expect(afterCrash(disk).retiredBelow('east')).toBe(1)
  })
})
