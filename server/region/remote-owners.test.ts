// Partitions changing hands (ARCHITECTURE.md "Regions": a failed-over region's partitions move to
// a survivor, starting at a floor above everything committed on them). Goal: a commit another
// region forwarded here, still in flight when the partitions change hands, is not overtaken by a
// commit of the same key on the new owner (cluster simulation seed 11387 lost an update that way).
// Method: two regions' real adjudicators over file journals on a simulated disk, served to each
// other over RPC on a simulated network with link delay, on one virtual clock.
import { describe, expect, test } from 'bun:test'
import { Hlc, SeededRandom, SimClock } from '../clock/index.ts'
import { createAdjudicators, hashPartitionOf, type CommitOutcome, type CommitRequest } from '../adjudicator/index.ts'
import { SimDisk } from '../disk/index.ts'
import { openFileJournal } from '../journal/index.ts'
import { Rpc, SimNetwork } from '../net/index.ts'
import {
  ForwardedBytes,
  ownerRegionOf,
  partitionsOf,
  remoteOwners,
  serveAdjudicators,
  SwitchingAdjudicators,
  type OwnerLayout,
} from './remote-owners.ts'

const layout: OwnerLayout = { fullRegions: ['east', 'west'], journalsPerRegion: 1, partitionCount: 8 }

/** A key whose partition `region` owns while no region failed over. */
function keyOwnedBy(region: string, name: string): string {
  const partitionOf = hashPartitionOf(layout.partitionCount)
  for (let i = 0; ; i++) {
    const key = `${name}-${i}`
    if (ownerRegionOf(layout, new Set(), partitionOf(key)) === region) return key
  }
}

const write = (txId: string, startTs: number, keys: string[]): CommitRequest => ({
  txId,
  startTs,
  writes: keys.map((key) => ({ key, value: `${txId}:${key}` })),
  lockedKeys: [],
  readKeys: [],
})

/** Two regions' real adjudicators over file journals on one simulated disk, served to each other
 * over RPC on a simulated network (5 ms a message), on one virtual clock. */
function world() {
  const clock = new SimClock()
  const disk = new SimDisk({ timers: clock })
  const net = new SimNetwork({ timers: clock, random: new SeededRandom(7), faults: { delayMs: 5 } })
  const region = (name: string, forwarded?: ForwardedBytes) => {
    const hlc = new Hlc(clock)
    const journal = openFileJournal({ id: `${name}/j0`, dir: `/${name}/j0`, disk, hlc, clock, timers: clock, config: { heartbeatMs: 1_000 } })
    const rpc = new Rpc(net.transport(name, layout.fullRegions.filter((r) => r !== name)), { timers: clock })
    const build = (out: ReadonlySet<string>) =>
      createAdjudicators({
        partitionCount: layout.partitionCount,
        owners: [{ id: `${name}/a0`, journal, partitions: partitionsOf(layout, name, 0, out) }],
        remoteOwners: remoteOwners(layout, name, rpc, out, undefined, forwarded),
        floorTs: hlc.now(),
        hlc,
        clock,
        timers: clock,
      })
    const adjudicators = new SwitchingAdjudicators(build(new Set()))
    serveAdjudicators(rpc, adjudicators)
    return { hlc, rpc, adjudicators, build, journal }
  }
  const run = async (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock.advance(1)
      for (let j = 0; j < 10; j++) await Promise.resolve()
    }
  }
  /** Outcomes (or errors) of promises by name, as they settle. */
  const outcomes = new Map<string, unknown>()
  const track = (name: string, p: Promise<unknown>) =>
    void p.then(
      (o) => outcomes.set(name, o),
      (e: unknown) => outcomes.set(name, e),
    )
  const close = async (...regions: { adjudicators: SwitchingAdjudicators; rpc: Rpc; journal: { close(): Promise<void> } }[]) => {
    for (const r of regions) {
      r.adjudicators.close()
      r.rpc.close()
      await r.journal.close()
    }
  }
  return { clock, region, run, outcomes, track, close }
}

/** A commit refused by the forwarded-bytes bound: 57P03, before anything was sent. */
function expectRefusedUnsent(outcome: unknown): void {
  const refused = outcome as { code?: string; message?: string }
  expect(refused.code).toBe('57P03')
  expect(refused.message).toContain('nothing was sent')
}

describe('remote owners: a partition hand-over and commits forwarded from another region', () => {
  test('a hand-over waits for a forwarded commit in flight: one key is never committed twice', async () => {
    const { region, run, outcomes, track, close } = world()
    const east = region('east')
    const west = region('west')
    await run(1)

    // West's client writes a key east owns first (so east coordinates) and one west owns: east
    // prepares the second at west over the network, which takes a round trip.
    const [eastKey, westKey] = [keyOwnedBy('east', 'e'), keyOwnedBy('west', 'w')]
    track('forwarded', west.rpc.call('east', 'adj.commit', write('forwarded', west.hlc.now(), [eastKey, westKey]), 5_000))
    await run(7)
    // West fails over meanwhile: its partitions move to east...
    track('hand-over', east.adjudicators.replace(() => east.build(new Set(['west']))))
    await run(1)
    // ...where a transaction that began after the forwarded one writes the same key.
    track('local', east.adjudicators.commit(write('local', east.hlc.now(), [westKey])))
    await run(200)

    expect(outcomes.has('hand-over')).toBe(true)
    const forwarded = outcomes.get('forwarded') as CommitOutcome
    const local = outcomes.get('local') as CommitOutcome
    expect(forwarded.kind).toBe('committed')
    // The new owner's floor is above the forwarded commit, which the local one began before.
    expect(local).toEqual({ kind: 'conflict', key: westKey, old: true })
    expect(east.journal.read(0, 10).map((r) => r.txId)).toEqual(['forwarded'])
    await close(east, west)
  })

  // A forwarded commit waited for a replacement of the adjudicators it reached: two regions
  // replacing theirs at once (a failover seen by both), each with a commit in flight at the other,
  // waited on each other for the forward timeout. It is refused now (57P03, nothing written).
  test('two regions replacing their adjudicators at once, each with a commit forwarded to the other, do not wait on each other', async () => {
    const { region, run, outcomes, track, close } = world()
    const east = region('east')
    const west = region('west')
    await run(1)
    const [eastKey, westKey] = [keyOwnedBy('east', 'e'), keyOwnedBy('west', 'w')]
    // Each region's client commits a key the other owns: each commit is forwarded to the other.
    track('from-east', east.adjudicators.commit(write('from-east', east.hlc.now(), [westKey])))
    track('from-west', west.adjudicators.commit(write('from-west', west.hlc.now(), [eastKey])))
    await run(1)
    // Both replace their sets before the forwards arrive: each waits for its own commit in flight.
    track('east-switch', east.adjudicators.replace(() => east.build(new Set())))
    track('west-switch', west.adjudicators.replace(() => west.build(new Set())))
    await run(100)
    expect(outcomes.has('east-switch')).toBe(true)
    expect(outcomes.has('west-switch')).toBe(true)
    for (const name of ['from-east', 'from-west']) expect((outcomes.get(name) as { code?: string }).code).toBe('57P03')
    expect(east.journal.read(0, 10)).toEqual([])
    expect(west.journal.read(0, 10)).toEqual([])
    await close(east, west)
  })

  test('what commits forwarded to other regions hold is bounded: past it a commit is refused before it is sent', async () => {
    const { region, run, outcomes, track, close } = world()
    // East may have 3,000 bytes of keys and values waiting on other regions.
    const forwarded = new ForwardedBytes(3_000)
    const east = region('east', forwarded)
    const west = region('west')
    await run(1)
    // Each commit writes one key west owns with a value of about 2,000 characters: east forwards
    // it, and it waits at least a round trip (5 ms each way) for west's answer.
    const big = (txId: string, n: number): CommitRequest => ({
      ...write(txId, east.hlc.now(), [keyOwnedBy('west', `${txId}-`)]),
      writes: [{ key: keyOwnedBy('west', `${txId}-`), value: 'v'.repeat(n) }],
    })
    track('first', east.adjudicators.commit(big('first', 2_000)))
    await run(1)
    expect(forwarded.bytes).toBeGreaterThan(2_000)
    // A second would pass the bound while the first waits: refused, nothing sent.
    track('second', east.adjudicators.commit(big('second', 2_000)))
    await run(1)
    expectRefusedUnsent(outcomes.get('second'))
    await run(50)
    expect((outcomes.get('first') as CommitOutcome).kind).toBe('committed')
    expect(forwarded.bytes).toBe(0)
    // Once the first is answered there is room again; and a commit larger than the bound alone
    // goes when nothing else waits, or it could never commit.
    track('third', east.adjudicators.commit(big('third', 2_000)))
    await run(50)
    track('huge', east.adjudicators.commit(big('huge', 5_000)))
    await run(50)
    expect((outcomes.get('third') as CommitOutcome).kind).toBe('committed')
    expect((outcomes.get('huge') as CommitOutcome).kind).toBe('committed')
    expect(forwarded.bytes).toBe(0)
    // West's journal holds what was sent, never the refused one.
    expect(west.journal.read(0, 10).map((r) => r.txId)).toEqual(['first', 'third', 'huge'])
    await close(east, west)
  })

  test('prepares at other regions count against the same bound: a commit whose prepare would pass it is refused', async () => {
    const { region, run, outcomes, track, close } = world()
    const forwarded = new ForwardedBytes(3_000)
    const east = region('east', forwarded)
    const west = region('west')
    await run(1)
    // East coordinates each commit (its first key is east's) and prepares the second key at
    // west: a key of about 2,000 characters, which the prepare carries.
    const spanning = (txId: string): CommitRequest => write(txId, east.hlc.now(), [keyOwnedBy('east', `${txId}-e`), keyOwnedBy('west', `${txId}-${'k'.repeat(2_000)}`)])
    track('first', east.adjudicators.commit(spanning('first')))
    await run(1)
    expect(forwarded.bytes).toBeGreaterThan(2_000)
    track('second', east.adjudicators.commit(spanning('second')))
    await run(1)
    expectRefusedUnsent(outcomes.get('second'))
    await run(100)
    expect((outcomes.get('first') as CommitOutcome).kind).toBe('committed')
    expect(forwarded.bytes).toBe(0)
    // Nothing of the refused commit was journaled; the first was, by its coordinator.
    expect(east.journal.read(0, 10).map((r) => r.txId)).toEqual(['first'])
    await close(east, west)
  })
})
