// Integration tests of the adjudicators with the real file journal (ARCHITECTURE.md step 4, the
// commit record as commit point). Goal: commit records land in the right journal with the commitTs
// reported, a restart on the same disk starts from a safe floor, and a failed fsync is reported as
// unknown, never as success or conflict. Method: adjudicators over openFileJournal on a SimDisk.
import { describe, expect, test } from 'bun:test'
import { SimClock } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { SqlError } from '../errors/index.ts'
import type { CommitOutcome } from './index.ts'
import { makeHarness, request } from './test-harness.ts'

/** Adjudicators over file journals on `disk` (the harness's, history pruning off). */
const region = (disk: SimDisk, clock: SimClock, ownerCount: number) =>
  makeHarness(ownerCount, { pruneIntervalMs: 0 }, clock, disk)

const committed = (o: CommitOutcome) => {
  expect(o.kind).toBe('committed')
  return o as Extract<CommitOutcome, { kind: 'committed' }>
}

describe('adjudicators over file journals on a simulated disk', () => {
  test('single- and multi-owner commits become one durable record each, at the reported commitTs', async () => {
    const clock = new SimClock()
    const r = region(new SimDisk(), clock, 2)
    const [a, b] = [r.keyIn(0, 'a'), r.keyIn(1, 'b')]
    const t0 = r.hlc.now()
    const c1 = committed(await r.adjudicators.commit(request('t1', r.hlc.now(), { writes: [a] })))
    const c2 = committed(
      await r.adjudicators.commit(request('t2', r.hlc.now(), { writes: [b, a] })),
    )
    expect(await r.adjudicators.commit(request('t0', t0, { writes: [b] }))).toEqual({
      kind: 'conflict',
      key: b,
    })
    expect(r.journals[0]?.read(0, 10).map((x) => [x.txId, x.commitTs])).toEqual([
      ['t1', c1.commitTs],
    ])
    const [record] = r.journals[1]?.read(0, 10) ?? []
    expect([record?.txId, record?.commitTs, record?.writes.map((w) => w.key)]).toEqual([
      't2',
      c2.commitTs,
      [b, a],
    ])
    expect(c2.journalId).toBe('j1')
    await r.close()
  })

  test('after a restart every key counts as written at the journals last commitTs', async () => {
    const clock = new SimClock()
    const disk = new SimDisk()
    const first = region(disk, clock, 2)
    const before = first.hlc.now()
    let lastTs = 0
    for (let i = 0; i < 20; i++) {
      const owner = i % 2
      const c = committed(
        await first.adjudicators.commit(
          request(`t${i}`, first.hlc.now(), { writes: [first.keyIn(owner, `k${i}`)] }),
        ),
      )
      lastTs = c.commitTs
    }
    await first.close()
    disk.crash()
    const second = region(disk.restart(), clock, 2)
    expect(second.journals.map((j) => j.lastSeq())).toEqual([10, 10])
    expect(Math.min(...second.adjudicators.stats().map((s) => s.floorTs))).toBe(lastTs)
    // A transaction from before the restart cannot be checked against forgotten history: it aborts.
    const untouched = second.keyIn(0, 'never-written')
    expect(
      await second.adjudicators.commit(request('old', before, { writes: [untouched] })),
    ).toEqual({
      kind: 'conflict',
      key: untouched,
      old: true,
    })
    const c = committed(
      await second.adjudicators.commit(request('new', second.hlc.now(), { writes: [untouched] })),
    )
    expect(c.commitTs).toBeGreaterThan(lastTs)
    expect(c.seq).toBe(11)
    await second.close()
  })

  test('a failed fsync makes the outcome unknown and keeps the keys guarded', async () => {
    const clock = new SimClock()
    const disk = new SimDisk()
    const r = region(disk, clock, 1)
    committed(await r.adjudicators.commit(request('warm', r.hlc.now(), { writes: ['w'] })))
    const t0 = r.hlc.now()
    disk.setFaults({ syncFailureProbability: 1 })
    const outcome = await r.adjudicators.commit(request('t1', r.hlc.now(), { writes: ['k'] }))
    expect(outcome.kind).toBe('unknown')
    disk.setFaults({})
    // The commitTs of the unknown outcome still guards its key: an older transaction conflicts.
    expect(await r.adjudicators.commit(request('t0', t0, { writes: ['k'] }))).toEqual({
      kind: 'conflict',
      key: 'k',
    })
    // The failed journal refuses further appends: a clean error, nothing recorded.
    const error = await r.adjudicators
      .commit(request('t2', r.hlc.now(), { writes: ['z'] }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SqlError)
    expect((error as SqlError).code).toBe('57P03')
    expect(r.adjudicators.stats()[0]?.keysTracked).toBe(2)
    await r.close()
  })
})
