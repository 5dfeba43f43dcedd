// Unit tests of the adjudicators (ARCHITECTURE.md step 4, "Commit"). Goal: first committer wins
// over writes and locked keys, read keys are checked but never recorded, commits spanning owners
// write exactly one record and never leave reservations (a participant whose finish was lost
// settles from the coordinator's journal), history stays bounded and a restart
// starts from a safe floor. Method: real adjudicators over file journals on a simulated disk, virtual clock.
import { describe, expect, test } from 'bun:test'
import { Hlc, SimClock, tsFromMs } from '../clock/index.ts'
import { encodeKey, type Key } from '../encoding/index.ts'
import { SimDisk } from '../disk/index.ts'
import { AssertionError, SqlError } from '../errors/index.ts'
import {
  type AdjudicatorPeer,
  type Adjudicators,
  type RemoteOwnerSpec,
  type CommitOutcome,
  createAdjudicators,
  GivenUp,
  hashPartitionOf,
  type PrepareOutcome,
} from './index.ts'
import { FINISHED_TX_REMEMBERED, RESERVATION_APPEND_MS_MAX, RESERVATION_LAPSE_MS, WANTED_MS } from './constants.ts'
import {
  keyIn,
  makeHarness,
  openJournal,
  PARTITIONS,
  partitionsOf,
  request,
} from './test-harness.ts'

const committed = (o: CommitOutcome) => {
  expect(o.kind).toBe('committed')
  return o as Extract<CommitOutcome, { kind: 'committed' }>
}

describe('single owner: first committer wins', () => {
  test('write-write: the second committer of a key conflicts, a later starter commits', async () => {
    const { hlc, adjudicators: adj, records } = makeHarness()
    const t1 = hlc.now()
    const t2 = hlc.now()
    const c1 = committed(await adj.commit(request('t1', t1, { writes: ['k'] })))
    expect(c1.commitTs).toBeGreaterThan(t2)
    expect(c1.seq).toBe(1)
    expect(await adj.commit(request('t2', t2, { writes: ['k'] }))).toEqual({
      kind: 'conflict',
      key: 'k',
    })
    committed(await adj.commit(request('t3', hlc.now(), { writes: ['k'] })))
    expect(records(0).map((r) => r.txId)).toEqual(['t1', 't3'])
  })

  test('the first to commit wins, not the first to start', async () => {
    const { hlc, adjudicators: adj } = makeHarness()
    const t1 = hlc.now()
    const t2 = hlc.now()
    committed(await adj.commit(request('t2', t2, { writes: ['a', 'b'] })))
    expect(await adj.commit(request('t1', t1, { writes: ['c', 'b'] }))).toEqual({
      kind: 'conflict',
      key: 'b',
    })
  })

  test('disjoint write sets both commit; commitTs strictly increases', async () => {
    const { hlc, adjudicators: adj } = makeHarness()
    const t1 = hlc.now()
    const t2 = hlc.now()
    const c1 = committed(await adj.commit(request('t1', t1, { writes: ['a'] })))
    const c2 = committed(await adj.commit(request('t2', t2, { writes: ['b'] })))
    expect(c2.commitTs).toBeGreaterThan(c1.commitTs)
  })

  test('commitTs exceeds startTs even when startTs is ahead of the local clock', async () => {
    const h = makeHarness(2)
    const ahead = h.hlc.now() + 5_000_000
    const single = committed(await h.adjudicators.commit(request('s', ahead, { writes: ['a'] })))
    expect(single.commitTs).toBeGreaterThan(ahead)
    const further = single.commitTs + 5_000_000
    const keys = [h.keyIn(1, 'x'), h.keyIn(0, 'y')]
    const across = committed(await h.adjudicators.commit(request('m', further, { writes: keys })))
    expect(across.commitTs).toBeGreaterThan(further)
    expect(h.hlc.now()).toBeGreaterThan(across.commitTs)
  })

  test('locked keys are checked and recorded like writes, but not journaled', async () => {
    const { hlc, adjudicators: adj, records } = makeHarness()
    const t1 = hlc.now()
    const t2 = hlc.now()
    committed(await adj.commit(request('t1', t1, { locked: ['row'] })))
    expect(records(0)[0]?.writes).toEqual([])
    expect(await adj.commit(request('t2', t2, { writes: ['row'] }))).toEqual({
      kind: 'conflict',
      key: 'row',
    })
    const t3 = hlc.now()
    committed(await adj.commit(request('t4', hlc.now(), { writes: ['row'] })))
    expect(await adj.commit(request('t3', t3, { locked: ['row'] }))).toEqual({
      kind: 'conflict',
      key: 'row',
    })
  })

  test('read keys are checked but never recorded', async () => {
    const { hlc, adjudicators: adj } = makeHarness()
    const t1 = hlc.now()
    const t2 = hlc.now()
    committed(await adj.commit(request('t1', t1, { writes: ['schema'] })))
    expect(await adj.commit(request('t2', t2, { writes: ['x'], read: ['schema'] }))).toEqual({
      kind: 'conflict',
      key: 'schema',
    })
    const t3 = hlc.now()
    const t4 = hlc.now()
    committed(await adj.commit(request('t3', t3, { writes: ['y'], read: ['schema2'] })))
    // t3 only read schema2: a transaction that started before t3 committed may still write it.
    committed(await adj.commit(request('t4', t4, { writes: ['schema2'] })))
  })

  test('read-only requests check read keys, append nothing and commit at startTs', async () => {
    const { hlc, adjudicators: adj, records } = makeHarness()
    const t1 = hlc.now()
    const t2 = hlc.now()
    const ro = committed(await adj.commit(request('ro', t2, { read: ['s'] })))
    expect(ro.commitTs).toBe(t2)
    expect(ro.seq).toBe(0)
    committed(await adj.commit(request('w', hlc.now(), { writes: ['s'] })))
    expect(await adj.commit(request('ro2', t1, { read: ['s'] }))).toEqual({
      kind: 'conflict',
      key: 's',
    })
    expect(records(0).length).toBe(1)
  })

  test('the final commitTs is recorded before durability: a racing commit conflicts at once', async () => {
    const { hlc, adjudicators: adj, hold, release } = makeHarness()
    hold()
    const t1 = hlc.now()
    const t2 = hlc.now()
    let first: CommitOutcome | undefined
    const pending = adj.commit(request('t1', t1, { writes: ['k'] })).then((o) => (first = o))
    expect(await adj.commit(request('t2', t2, { writes: ['k'] }))).toEqual({
      kind: 'conflict',
      key: 'k',
    })
    await Promise.resolve()
    expect(first).toBeUndefined()
    release()
    await pending
    expect(first?.kind).toBe('committed')
  })

  test('a lost durability is unknown (never success or conflict) and the keys stay recorded', async () => {
    const { hlc, adjudicators: adj, hold, release } = makeHarness()
    hold()
    const t0 = hlc.now()
    const pending = adj.commit(request('t1', hlc.now(), { writes: ['k'] }))
    release({ failing: true })
    const outcome = await pending
    expect(outcome.kind).toBe('unknown')
    expect(await adj.commit(request('t0', t0, { writes: ['k'] }))).toEqual({
      kind: 'conflict',
      key: 'k',
    })
  })

  test('more keys than keysPerCommitMax rejects with 54000, nothing recorded', async () => {
    const { hlc, adjudicators: adj, records } = makeHarness(1, { keysPerCommitMax: 3 })
    const error = await adj
      .commit(request('big', hlc.now(), { writes: ['a', 'b'], read: ['c', 'd'] }))
      .catch((e) => e)
    expect(error).toBeInstanceOf(SqlError)
    expect((error as SqlError).code).toBe('54000')
    expect(records(0).length).toBe(0)
    expect(adj.stats()[0]?.keysTracked).toBe(0)
  })

  test('a journal refusing the append rejects the commit and records nothing', async () => {
    const { hlc, adjudicators: adj, journals } = makeHarness(2)
    await journals[1]?.close()
    const error = await adj
      .commit(request('t1', hlc.now(), { writes: [keyIn(1, 2, 'k')] }))
      .catch((e) => e)
    expect((error as SqlError).code).toBe('57P03')
    expect(adj.stats()[1]).toMatchObject({ keysTracked: 0, keysReserved: 0 })
    // Across owners: every reservation is released.
    const across = request('t2', hlc.now(), { writes: [keyIn(1, 2, 'x'), keyIn(0, 2, 'y')] })
    expect(((await adj.commit(across).catch((e) => e)) as SqlError).code).toBe('57P03')
    for (const s of adj.stats()) expect(s).toMatchObject({ keysTracked: 0, keysReserved: 0 })
  })
})

describe('several owners: prepare, one commit record, finish', () => {
  test('a commit across three owners writes ONE record to the first key owner journal', async () => {
    const h = makeHarness(3)
    const [k0, k1, k2] = [h.keyIn(1, 'a'), h.keyIn(2, 'b'), h.keyIn(0, 'c')]
    const before = h.hlc.now()
    const c = committed(
      await h.adjudicators.commit(request('t', h.hlc.now(), { writes: [k0, k1], locked: [k2] })),
    )
    expect(c.journalId).toBe('j1')
    expect([0, 1, 2].map((i) => h.records(i).length)).toEqual([0, 1, 0])
    expect(h.records(1)[0]?.writes.map((w) => w.key)).toEqual([k0, k1])
    for (const s of h.adjudicators.stats()) expect([s.keysReserved, s.txPrepared]).toEqual([0, 0])
    // Every participant recorded the final commitTs against its keys.
    for (const k of [k0, k1, k2]) {
      expect(await h.adjudicators.commit(request(`late-${k}`, before, { writes: [k] }))).toEqual({
        kind: 'conflict',
        key: k,
      })
    }
  })

  test('a conflict at a participant aborts everything and leaves no reservation', async () => {
    const h = makeHarness(3)
    const [k0, k1, k2] = [h.keyIn(0, 'a'), h.keyIn(1, 'b'), h.keyIn(2, 'c')]
    const t1 = h.hlc.now()
    const t2 = h.hlc.now()
    committed(await h.adjudicators.commit(request('w', h.hlc.now(), { writes: [k1] })))
    expect(await h.adjudicators.commit(request('t1', t1, { writes: [k0, k1, k2] }))).toEqual({
      kind: 'conflict',
      key: k1,
    })
    for (const s of h.adjudicators.stats()) expect([s.keysReserved, s.txPrepared]).toEqual([0, 0])
    // Nothing of t1 was recorded: t2 (started before t1's attempt) may write k0 and k2.
    committed(await h.adjudicators.commit(request('t2', t2, { writes: [k0, k2] })))
    expect([0, 1, 2].map((i) => h.records(i).length)).toEqual([1, 1, 0])
  })

  test('read keys spanning owners are checked at each owner', async () => {
    const h = makeHarness(2)
    const [k0, s1] = [h.keyIn(0, 'row'), h.keyIn(1, 'schema')]
    const t1 = h.hlc.now()
    committed(await h.adjudicators.commit(request('ddl', h.hlc.now(), { writes: [s1] })))
    expect(await h.adjudicators.commit(request('t1', t1, { writes: [k0], read: [s1] }))).toEqual({
      kind: 'conflict',
      key: s1,
    })
    const ro = committed(
      await h.adjudicators.commit(request('ro', h.hlc.now(), { read: [k0, s1] })),
    )
    expect(ro.seq).toBe(0)
  })
})

/** Two regions on one virtual clock: region A owns partition set 0, region B set 1; each sees the
 * other through a peer whose answers arrive a macrotask later (a fake network hop); with
 * `prepareTravels`, a prepare also reaches the other region a macrotask after it was sent. */
function twoRegions(options: { readonly prepareDelayMs?: number; readonly loseFinish?: boolean; readonly prepareTravels?: boolean } = {}) {
  const clock = new SimClock()
  const partitionCount = PARTITIONS
  const disk = new SimDisk({ timers: clock })
  const [hlcA, hlcB] = [new Hlc(clock), new Hlc(clock)]
  const journalA = openJournal('ja', disk, clock, hlcA)
  const journalB = openJournal('jb', disk, clock, hlcB)
  const later = <T>(f: () => T) => new Promise<T>((resolve) => setImmediate(() => resolve(f())))
  let failPrepare = false
  const remote = (regionOf: () => Adjudicators, id: string): RemoteOwnerSpec => ({
    id,
    partitions: partitionsOf(id === 'a' ? 0 : 1, 2),
    peer: {
      id,
      prepare: (r) => {
        if (failPrepare) return Promise.reject(new SqlError('08006', 'peer unreachable'))
        // The request itself travels a hop too: the participant decides after what ran meanwhile.
        if (options.prepareTravels === true) return later(() => regionOf().peer(id).prepare(r)).then((o) => o as PrepareOutcome)
        const outcome = regionOf().peer(id).prepare(r)
        const delayMs = options.prepareDelayMs
        if (delayMs !== undefined) return new Promise<PrepareOutcome>((resolve) => clock.setTimeout(() => resolve(outcome as PrepareOutcome), delayMs))
        return later(() => outcome as PrepareOutcome)
      },
      finish: (r) => (options.loseFinish ? Promise.resolve() : later(() => void regionOf().peer(id).finish(r))),
    } satisfies AdjudicatorPeer,
    commitService: { commit: (r) => regionOf().commit(r) },
  })
  const common = { partitionCount, clock, timers: clock }
  const givenUpA = new GivenUp(clock)
  const regionA = createAdjudicators({
    ...common,
    run: 'run-a',
    givenUp: givenUpA,
    hlc: hlcA,
    owners: [{ id: 'a', journal: journalA, partitions: partitionsOf(0, 2) }],
    remoteOwners: [remote(() => regionB, 'b')],
  })
  const regionB: Adjudicators = createAdjudicators({
    ...common,
    run: 'run-b',
    hlc: hlcB,
    owners: [{ id: 'b', journal: journalB, partitions: partitionsOf(1, 2) }],
    remoteOwners: [remote(() => regionA, 'a')],
  })
  return {
    clock,
    regionA,
    regionB,
    journalA,
    journalB,
    givenUpA,
    hlc: new Hlc(clock),
    ka: (n: string) => keyIn(0, 2, n),
    kb: (n: string) => keyIn(1, 2, n),
    setFailPrepare: (f: boolean) => void (failPrepare = f),
  }
}

describe('remote participants: reservations guard keys while messages travel', () => {
  test('a prepared key conflicts for others until finish; then the commitTs guards it', async () => {
    const r = twoRegions()
    const [ka, kb] = [r.ka('x'), r.kb('y')]
    const early = r.hlc.now()
    const t1 = r.regionA.commit(request('t1', r.hlc.now(), { writes: [ka, kb] }))
    // ka is reserved at A synchronously: a local commit of it conflicts even with a newer start.
    expect(await r.regionA.commit(request('t2', r.hlc.now() + 1000, { writes: [ka] }))).toEqual({
      kind: 'conflict',
      key: ka,
    })
    // kb is reserved at B: a commit in B conflicts too.
    expect(r.regionB.stats()[0]?.keysReserved).toBe(1)
    expect(await r.regionB.commit(request('t3', r.hlc.now() + 1000, { writes: [kb] }))).toEqual({
      kind: 'conflict',
      key: kb,
    })
    const c1 = committed(await t1)
    expect([r.journalA.read(0, 10).length, r.journalB.read(0, 10).length]).toEqual([1, 0])
    await new Promise((resolve) => setImmediate(resolve))
    for (const s of [...r.regionA.stats(), ...r.regionB.stats()]) expect(s.keysReserved).toBe(0)
    expect(await r.regionB.commit(request('t4', early, { writes: [kb] }))).toEqual({
      kind: 'conflict',
      key: kb,
    })
    committed(await r.regionB.commit(request('t5', c1.commitTs + 1, { writes: [kb] })))
  })

  test('a key a prepared commit read conflicts for a writer or locker until its finish: no write skew across owners', async () => {
    // A foreign key's guards: deleting a parent locks its "gone" key (at A) and reads a bucket key
    // (at B); inserting a child reads "gone" and locks the bucket. Each coordinator prepares its own
    // owner at once and the other a hop later, so each checks the key it reads before the other's
    // lock of it arrives. Were reads not held until the finish, both would commit (a child of a
    // deleted parent); whichever is decided second must conflict instead.
    const r = twoRegions({ prepareTravels: true })
    const [gone, bucket] = [r.ka('gone'), r.kb('bucket')]
    const start = r.hlc.now()
    const parent = r.regionB.commit(request('delete-parent', start, { writes: [r.kb('parent')], locked: [gone], read: [bucket] }))
    const child = r.regionA.commit(request('insert-child', start, { writes: [r.ka('child')], locked: [bucket], read: [gone] }))
    const outcomes = [await parent, await child]
    expect(outcomes.map((o) => o.kind)).not.toEqual(['committed', 'committed'])
    await new Promise((resolve) => setImmediate(resolve))
    for (const s of [...r.regionA.stats(), ...r.regionB.stats()]) expect(s).toMatchObject({ keysReserved: 0, keysHeld: 0, txPrepared: 0 })
    // Held only while prepared: once both ended (and the loser's mark of the key it wanted lapsed,
    // see the next test), a later start reads and writes these keys freely.
    r.clock.advance(WANTED_MS + 1)
    const later = r.hlc.now() + 1_000
    committed(await r.regionA.commit(request('after', later, { writes: [r.ka('child2')], locked: [bucket], read: [gone] })))
  })

  test('a key a writer found held by readers is wanted: new readers conflict until the holds drain, then the writer gets through', async () => {
    // Reads never conflict with one another: without the mark, overlapping readers (every commit
    // of a table reads its schema key) would keep the key held and refuse its DDL for good.
    const h = makeHarness(1, { pruneIntervalMs: 0 })
    const key = h.keyIn(0, 'schema')
    const peer = h.adjudicators.peer('a0')
    const read = (txId: string) => peer.prepare({ txId, startTs: h.hlc.now(), writeKeys: [], lockedKeys: [], readKeys: [key] })
    expect(read('r1')).toMatchObject({ kind: 'prepared' })
    expect(h.adjudicators.stats()[0]).toMatchObject({ keysHeld: 1, keysWanted: 0 })
    expect(await h.adjudicators.commit(request('ddl-1', h.hlc.now(), { writes: [key] }))).toEqual({ kind: 'conflict', key })
    expect(h.adjudicators.stats()[0]).toMatchObject({ keysHeld: 1, keysWanted: 1 })
    // A reader arriving now conflicts instead of extending the hold.
    expect(read('r2')).toMatchObject({ kind: 'conflict', key })
    peer.finish({ txId: 'r1', commitTs: undefined })
    // The writer's retry, prepared here writing the key and reading it too: not held back by the
    // mark; its reservation ends it.
    expect(peer.prepare({ txId: 'ddl-2', startTs: h.hlc.now(), writeKeys: [key], lockedKeys: [], readKeys: [key] })).toMatchObject({ kind: 'prepared' })
    peer.finish({ txId: 'ddl-2', commitTs: h.hlc.now() })
    expect(h.adjudicators.stats()[0]).toMatchObject({ keysHeld: 0, keysWanted: 0 })
    expect(read('r3')).toMatchObject({ kind: 'prepared' })
    peer.finish({ txId: 'r3', commitTs: undefined })
    // A mark nobody acted on lapses after WANTED_MS.
    expect(read('r4')).toMatchObject({ kind: 'prepared' })
    expect(await h.adjudicators.commit(request('ddl-3', h.hlc.now(), { writes: [key] }))).toEqual({ kind: 'conflict', key })
    peer.finish({ txId: 'r4', commitTs: undefined })
    expect(read('r5')).toMatchObject({ kind: 'conflict', key })
    h.clock.advance(WANTED_MS + 1)
    expect(read('r6')).toMatchObject({ kind: 'prepared' })
  })

  test('a reservation whose finish never comes lapses after RESERVATION_LAPSE_MS, whatever the transaction age limit', async () => {
    // A short age limit must not shorten the lapse: a coordinator may append until half of it.
    const txAgeMsMax = 1_000
    const h = makeHarness(1, { txAgeMsMax, pruneIntervalMs: 0 })
    const key = h.keyIn(0, 'orphan')
    const prepared = h.adjudicators.peer('a0').prepare({ txId: 'lost-coordinator', startTs: h.hlc.now(), writeKeys: [key], lockedKeys: [], readKeys: [] })
    expect(prepared).toMatchObject({ kind: 'prepared' })
    // The coordinator's finish never arrives: the key stays reserved while it may still come.
    h.clock.advance(txAgeMsMax * 3)
    expect(await h.adjudicators.commit(request('t1', h.hlc.now(), { writes: [key] }))).toEqual({ kind: 'conflict', key })
    h.clock.advance(RESERVATION_LAPSE_MS - txAgeMsMax * 3)
    const beforeExpiry = h.hlc.now()
    h.clock.advance(1)
    // Expired: released, and recorded as written now, so an older transaction still aborts...
    expect(await h.adjudicators.commit(request('t2', beforeExpiry, { writes: [key] }))).toEqual({ kind: 'conflict', key })
    expect(h.adjudicators.stats()[0]).toMatchObject({ keysReserved: 0, txPrepared: 0 })
    // ...and a newer one commits.
    const later = h.adjudicators.commit(request('t3', h.hlc.now(), { writes: [key] }))
    h.release()
    committed(await later)
    await h.close()
  })

  test('a coordinator whose prepares took past RESERVATION_APPEND_MS_MAX gives the commit up', async () => {
    const r = twoRegions({ prepareDelayMs: RESERVATION_APPEND_MS_MAX + 1 })
    const [ka, kb] = [r.ka('x'), r.kb('y')]
    const slow = r.regionA.commit(request('slow', r.hlc.now(), { writes: [ka, kb] }))
    r.clock.advance(RESERVATION_APPEND_MS_MAX + 1)
    expect(await slow).toEqual({ kind: 'conflict', key: ka })
    await new Promise((resolve) => setImmediate(resolve))
    expect([r.journalA.read(0, 10).length, r.journalB.read(0, 10).length]).toEqual([0, 0])
    for (const s of [...r.regionA.stats(), ...r.regionB.stats()]) expect(s.keysReserved).toBe(0)
    // Prepares within the bound commit as before.
    const quick = twoRegions({ prepareDelayMs: RESERVATION_APPEND_MS_MAX - 1 })
    const ok = quick.regionA.commit(request('quick', quick.hlc.now(), { writes: [quick.ka('x'), quick.kb('y')] }))
    quick.clock.advance(RESERVATION_APPEND_MS_MAX - 1)
    committed(await ok)
  })

  test('a request whose first key is remote is forwarded to its owner, which coordinates', async () => {
    const r = twoRegions()
    committed(await r.regionA.commit(request('t', r.hlc.now(), { writes: [r.kb('y'), r.ka('x')] })))
    expect([r.journalA.read(0, 10).length, r.journalB.read(0, 10).length]).toEqual([0, 1])
  })

  test('a prepare names its coordinator; a participant whose finish was lost settles it from the record in that journal', async () => {
    const r = twoRegions({ loseFinish: true })
    const [ka, kb] = [r.ka('x'), r.kb('y')]
    const early = r.hlc.now()
    const c1 = committed(await r.regionA.commit(request('t1', r.hlc.now(), { writes: [ka, kb] })))
    await new Promise((resolve) => setImmediate(resolve))
    // B still holds kb; A's own prepare (its run) is never listed.
    expect(r.regionB.stats()[0]?.keysReserved).toBe(1)
    const coordinator = { journalId: 'ja', run: 'run-a' }
    expect(r.regionB.preparedElsewhere(r.clock.wallMs() + 1, 10)).toEqual([{ txId: 't1', coordinator }])
    expect(r.regionB.preparedElsewhere(r.clock.wallMs(), 10)).toEqual([])
    expect(r.regionA.preparedElsewhere(r.clock.wallMs() + 1, 10)).toEqual([])
    // Another journal's record of that txId settles nothing.
    expect(r.regionB.settle('t1', 'jb', c1.commitTs)).toBe(false)
    expect(r.regionB.stats()[0]?.keysReserved).toBe(1)
    expect(r.regionB.settle('t1', 'ja', c1.commitTs)).toBe(true)
    expect(r.regionB.stats()[0]).toMatchObject({ keysReserved: 0, txPrepared: 0 })
    // As finish would have: written at the record's commitTs.
    expect(await r.regionB.commit(request('t2', early, { writes: [kb] }))).toEqual({ kind: 'conflict', key: kb })
    committed(await r.regionB.commit(request('t3', c1.commitTs + 1, { writes: [kb] })))
    // Settled once: the finish or the record coming again changes nothing.
    expect(r.regionB.settle('t1', 'ja', c1.commitTs)).toBe(false)
  })

  test('a participant releases a prepare its journal shows never committed; unknown txIds are not remembered', async () => {
    const r = twoRegions()
    const kb = r.kb('y')
    const early = r.hlc.now()
    const prepare = (txId: string) => r.regionB.peer('b').prepare({ txId, startTs: early, writeKeys: [kb], lockedKeys: [], readKeys: [], coordinator: { journalId: 'ja', run: 'ended' } })
    expect(prepare('orphan')).toMatchObject({ kind: 'prepared' })
    expect(await r.regionB.commit(request('t1', r.hlc.now(), { writes: [kb] }))).toEqual({ kind: 'conflict', key: kb })
    expect(r.regionB.settle('orphan', 'ja', undefined)).toBe(true)
    // Released with nothing recorded: even a transaction as old as the orphan commits.
    committed(await r.regionB.commit(request('t2', early + 1, { writes: [kb] })))
    // A settle of a txId never prepared here leaves no trace: its prepare still reserves.
    expect(r.regionB.settle('later', 'ja', undefined)).toBe(false)
    const kc = r.kb('z')
    expect(r.regionB.peer('b').prepare({ txId: 'later', startTs: r.hlc.now(), writeKeys: [kc], lockedKeys: [], readKeys: [] })).toMatchObject({ kind: 'prepared' })
    expect(r.regionB.stats()[0]?.keysReserved).toBe(1)
  })

  test('the coordinator notes the commits it finished without a record, and never appends one for them', async () => {
    const r = twoRegions({ loseFinish: true })
    const [ka, kb] = [r.ka('x'), r.kb('y')]
    // A participant refused: given up.
    const early = r.hlc.now()
    committed(await r.regionB.commit(request('b-first', r.hlc.now(), { writes: [kb] })))
    expect(await r.regionA.commit(request('refused', early, { writes: [ka, kb] }))).toEqual({ kind: 'conflict', key: kb })
    // Committed: its record exists, never noted (nor a commit in one region).
    const done = committed(await r.regionA.commit(request('done', r.hlc.now(), { writes: [r.ka('p'), r.kb('q')] })))
    expect(done.seq).toBe(1)
    committed(await r.regionA.commit(request('alone', r.hlc.now(), { writes: [r.ka('z')] })))
    // A prepare that failed: given up. The same request delivered again, once the coordinator's
    // own owner forgot the finish (which would refuse its prepare), prepares, but is not appended.
    r.setFailPrepare(true)
    const retried = request('dup', r.hlc.now(), { writes: [r.ka('d'), r.kb('d')] })
    expect(((await r.regionA.commit(retried).catch((e) => e)) as SqlError).code).toBe('08006')
    r.setFailPrepare(false)
    for (let i = 0; i < FINISHED_TX_REMEMBERED; i++) r.regionA.peer('a').finish({ txId: `other-${i}`, commitTs: undefined })
    expect(await r.regionA.commit(retried)).toEqual({ kind: 'conflict', key: r.ka('d') })
    expect(r.journalA.read(0, 10).map((rec) => rec.txId)).toEqual(['done', 'alone'])
    expect(r.givenUpA.of(['refused', 'done', 'alone', 'dup', 'never'])).toEqual(['refused', 'dup'])
  })

  test('an unreachable participant rejects the commit and releases every reservation', async () => {
    const r = twoRegions()
    r.setFailPrepare(true)
    const error = await r.regionA
      .commit(request('t', r.hlc.now(), { writes: [r.ka('x'), r.kb('y')] }))
      .catch((e) => e)
    expect((error as SqlError).code).toBe('08006')
    expect(r.regionA.stats()[0]?.keysReserved).toBe(0)
    expect(r.journalA.read(0, 10).length).toBe(0)
  })
})

describe('stable tables: DDL that read a table\'s rows against writes to it', () => {
  /** An encoded key of table `table` whose partition the owner `owner` of two holds. */
  const tableKeyIn = (owner: number, table: number, from = 0): Key => {
    const partitionOf = hashPartitionOf(PARTITIONS)
    for (let i = from; i < from + 10_000; i++) {
      const key = encodeKey([BigInt(table), BigInt(i)])
      if (partitionOf(key) % 2 === owner) return key
    }
    throw new Error('no key')
  }
  const ddl = (txId: string, startTs: number, writes: Key[], stableTables: number[]) => ({ ...request(txId, startTs, { writes }), stableTables })

  test('a write to the table committed after the DDL snapshot, at any owner, aborts the DDL; another table does not', async () => {
    const h = makeHarness(2)
    const start = h.hlc.now()
    committed(await h.adjudicators.commit(request('w', h.hlc.now(), { writes: [tableKeyIn(1, 700)] })))
    const catalog = h.keyIn(0, 'schema')
    expect(await h.adjudicators.commit(ddl('d1', start, [catalog], [700]))).toEqual({ kind: 'conflict', key: encodeKey([700n]) })
    committed(await h.adjudicators.commit(ddl('d2', start, [catalog], [701])))
    committed(await h.adjudicators.commit(ddl('d3', h.hlc.now(), [h.keyIn(0, 'schema2')], [700])))
    await h.close()
  })

  test('across regions: a prepared DDL holds the table at the remote owner; a prepared write blocks the DDL check', async () => {
    const r = twoRegions({ prepareDelayMs: 10 })
    const kb = tableKeyIn(1, 700)
    // The DDL coordinates in A and prepares at B, which holds table 700 until the finish.
    const d = r.regionA.commit(ddl('d', r.hlc.now(), [r.ka('schema')], [700]))
    await new Promise((resolve) => setImmediate(resolve))
    expect(await r.regionB.commit(request('w1', r.hlc.now() + 1000, { writes: [kb] }))).toEqual({ kind: 'conflict', key: kb })
    r.clock.advance(20)
    committed(await d)
    await new Promise((resolve) => setImmediate(resolve))
    // Released: a write that began after the DDL commits.
    committed(await r.regionB.commit(request('w2', r.hlc.now() + 1000, { writes: [kb] })))
    // A write to table 700 prepared at A (coordinated by B) is in flight while a DDL checks A.
    const w = r.regionB.commit(request('w3', r.hlc.now() + 2000, { writes: [tableKeyIn(1, 700, 5000), tableKeyIn(0, 700)] }))
    await new Promise((resolve) => setImmediate(resolve))
    expect(await r.regionA.commit(ddl('d2', r.hlc.now() + 3000, [r.ka('schema2')], [700]))).toEqual({ kind: 'conflict', key: encodeKey([700n]) })
    r.clock.advance(20)
    committed(await w)
  })

  test('a request holding tables stable but writing nothing releases the holds it prepared', async () => {
    const r = twoRegions({ prepareDelayMs: 10 })
    const kb = tableKeyIn(1, 700)
    const d = r.regionA.commit({ ...request('d', r.hlc.now(), { read: [r.ka('schema')] }), stableTables: [700] })
    r.clock.advance(20)
    committed(await d)
    await new Promise((resolve) => setImmediate(resolve))
    for (const s of [...r.regionA.stats(), ...r.regionB.stats()]) expect(s.txPrepared).toBe(0)
    committed(await r.regionB.commit(request('w', r.hlc.now() + 1000, { writes: [kb] })))
  })
})

describe('the participant API under a network that duplicates and delays', () => {
  test('a duplicate prepare keeps one reservation; a prepare after finish is refused', () => {
    const { hlc, adjudicators: adj } = makeHarness()
    const peer = adj.peer('a0')
    const prepare = {
      txId: 'p',
      startTs: hlc.now(),
      writeKeys: ['k'],
      lockedKeys: ['l'],
      readKeys: ['r'],
    }
    expect(peer.prepare(prepare)).toMatchObject({ kind: 'prepared' })
    expect(peer.prepare(prepare)).toMatchObject({ kind: 'prepared' })
    expect(adj.stats()[0]).toMatchObject({ keysReserved: 2, txPrepared: 1 })
    const other = { ...prepare, txId: 'q', writeKeys: ['l'], lockedKeys: [] }
    expect(peer.prepare(other)).toEqual({ kind: 'conflict', key: 'l' })
    void peer.finish({ txId: 'p', commitTs: hlc.now() })
    void peer.finish({ txId: 'p', commitTs: undefined })
    expect(adj.stats()[0]).toMatchObject({ keysReserved: 0, txPrepared: 0, keysTracked: 2 })
    expect(peer.prepare(prepare)).toEqual({ kind: 'conflict', key: 'k' })
    expect(adj.stats()[0]).toMatchObject({ keysReserved: 0, txPrepared: 0 })
  })
})

describe('bounded history and safe floors', () => {
  test('a hand-over floor: transactions older than floorTs conflict on every key, newer ones commit', async () => {
    const clock = new SimClock()
    const hlc = new Hlc(clock)
    const journal = openJournal('j-floor', new SimDisk({ timers: clock }), clock, hlc)
    const old = hlc.now()
    clock.advance(10)
    const floorTs = hlc.now()
    const adj = createAdjudicators({
      partitionCount: PARTITIONS,
      owners: [{ id: 'a0', journal, partitions: partitionsOf(0, 1) }],
      hlc, clock, timers: clock, floorTs,
    })
    expect(adj.stats()[0]?.floorTs).toBeGreaterThanOrEqual(floorTs)
    expect(await adj.commit(request('old', old, { writes: ['k'] }))).toMatchObject({ kind: 'conflict' })
    const result = adj.commit(request('new', hlc.now(), { writes: ['k'] }))
    for (let i = 0; i < 100; i++) {
      clock.advance(10)
      await Promise.resolve()
    }
    committed(await result)
    adj.close()
    await journal.close()
  })


  test('keysTrackedMax bounds the history; forgotten keys count as written at the floor', async () => {
    const { hlc, adjudicators: adj } = makeHarness(1, { keysTrackedMax: 100, keysPerCommitMax: 10 })
    const old = hlc.now()
    for (let i = 0; i < 1000; i++) {
      committed(await adj.commit(request(`t${i}`, hlc.now(), { writes: [`k${i}`, `q${i}`] })))
      expect(adj.stats()[0]?.keysTracked).toBeLessThanOrEqual(100)
    }
    const stats = adj.stats()[0]
    expect(stats?.floorTs).toBeGreaterThan(old)
    // 'never' was never written, but an old transaction can no longer be checked: it aborts.
    expect(await adj.commit(request('old', old, { writes: ['never'] }))).toEqual({
      kind: 'conflict',
      key: 'never',
      old: true,
    })
    committed(await adj.commit(request('new', hlc.now(), { writes: ['never', 'k5'] })))
  })

  test('keyCharsTrackedMax bounds the characters of the keys held; forgotten keys count as written at the floor', async () => {
    const { hlc, adjudicators: adj } = makeHarness(1, { keyCharsTrackedMax: 20_000, keysPerCommitMax: 10 })
    const old = hlc.now()
    const wide = (i: number) => `${i}`.padStart(5_000, 'w')
    for (let i = 0; i < 100; i++) {
      committed(await adj.commit(request(`t${i}`, hlc.now(), { writes: [wide(i)] })))
      // Within the bound after each commit, but for the one commit's keys.
      expect(adj.stats()[0]?.historyChars).toBeLessThanOrEqual(20_000 + 5_000)
    }
    expect(adj.stats()[0]?.keysTracked).toBeLessThanOrEqual(5)
    expect(adj.stats()[0]?.floorTs).toBeGreaterThan(old)
    expect(await adj.commit(request('old', old, { writes: ['never'] }))).toMatchObject({ kind: 'conflict', old: true })
    // A newer transaction still finds a recent wide key's conflict.
    const recent = hlc.now()
    committed(await adj.commit(request('w', hlc.now(), { writes: [wide(7_777)] })))
    expect(await adj.commit(request('late', recent, { writes: [wide(7_777)] }))).toEqual({ kind: 'conflict', key: wide(7_777) })
  })

  test('a hot key rewritten many times keeps one key and a bounded queue of recordings', async () => {
    const { hlc, adjudicators: adj } = makeHarness(1, { keysTrackedMax: 50, keysPerCommitMax: 10 })
    const t0 = hlc.now()
    for (let i = 0; i < 1000; i++)
      committed(await adj.commit(request(`t${i}`, hlc.now(), { writes: ['hot'] })))
    expect(adj.stats()[0]).toMatchObject({ keysTracked: 1 })
    expect(adj.stats()[0]?.historyEntries).toBeLessThanOrEqual(50)
    // Only superseded recordings were dropped: nothing forgotten, so the floor did not move and
    // the oldest transaction still commits a cold key, while the hot key stays guarded.
    expect(adj.stats()[0]?.floorTs).toBe(0)
    expect(await adj.commit(request('t0', t0, { writes: ['hot'] }))).toEqual({
      kind: 'conflict',
      key: 'hot',
    })
    committed(await adj.commit(request('t0b', t0, { writes: ['cold'] })))
  })

  test('history older than txAgeMsMax is dropped, by commits and by the idle timer', async () => {
    const {
      hlc,
      clock,
      adjudicators: adj,
    } = makeHarness(1, { txAgeMsMax: 1000, pruneIntervalMs: 100 })
    for (let i = 0; i < 200; i++)
      committed(await adj.commit(request(`t${i}`, hlc.now(), { writes: [`k${i}`] })))
    expect(adj.stats()[0]?.keysTracked).toBe(200)
    const old = hlc.now()
    clock.advance(1500)
    expect(adj.stats()[0]?.keysTracked).toBe(0)
    expect(adj.stats()[0]?.floorTs).toBeLessThan(old)
    // Too old to be checked even on a key never written.
    expect(await adj.commit(request('old', old, { writes: ['fresh'] }))).toEqual({
      kind: 'conflict',
      key: 'fresh',
      old: true,
    })
    committed(await adj.commit(request('new', hlc.now(), { writes: ['k1'] })))
    adj.close()
  })

  test('pruning on commits alone drains expired history', async () => {
    const {
      hlc,
      clock,
      adjudicators: adj,
    } = makeHarness(1, { txAgeMsMax: 1000, pruneIntervalMs: 0 })
    for (let i = 0; i < 200; i++)
      committed(await adj.commit(request(`t${i}`, hlc.now(), { writes: [`k${i}`] })))
    clock.advance(1500)
    expect(adj.stats()[0]?.keysTracked).toBe(200)
    for (let i = 0; i < 20; i++)
      committed(await adj.commit(request(`n${i}`, hlc.now(), { writes: [`n${i}`] })))
    expect(adj.stats()[0]?.keysTracked).toBe(20)
  })

  test('a restart treats every key as written at the latest commitTs of the region journals', async () => {
    const clock = new SimClock()
    const disk = new SimDisk({ timers: clock })
    const hlc = new Hlc(clock)
    const [j0, j1] = [openJournal('j0', disk, clock, hlc), openJournal('j1', disk, clock, hlc)]
    // j1 ran ahead (a peer's clock): its last commitTs sets the floor of every owner.
    const ahead = tsFromMs(clock.wallMs()) + 5000
    await j0.append({ txId: 'x', proposedTs: 17, writes: [] }).durable
    let lastTs = 0
    for (let i = 0; i < 9; i++) {
      const appended = j1.append({ txId: `y${i}`, proposedTs: ahead, writes: [] })
      await appended.durable
      lastTs = appended.commitTs
    }
    await Promise.all([j0.close(), j1.close()])
    const h = makeHarness(2, {}, clock, disk)
    expect(h.adjudicators.stats().map((s) => s.floorTs)).toEqual([lastTs, lastTs])
    const k = h.keyIn(0, 'k')
    expect(await h.adjudicators.commit(request('t', lastTs - 1, { writes: [k] }))).toEqual({
      kind: 'conflict',
      key: k,
      old: true,
    })
    const startTs = h.hlc.now()
    expect(startTs).toBeGreaterThan(lastTs)
    const c = committed(await h.adjudicators.commit(request('u', startTs, { writes: [k] })))
    expect([c.journalId, c.seq]).toEqual(['j0', 2])
    await h.close()
  })
})

describe('partitioning and ownership', () => {
  test('hashPartitionOf is stable, in range and spreads keys', () => {
    const of = hashPartitionOf(8)
    expect(of('')).toBe(0x811c9dc5 % 8)
    expect(of('abc')).toBe(hashPartitionOf(8)('abc'))
    const counts = new Array(8).fill(0)
    for (let i = 0; i < 8000; i++) counts[of(`0a01${i.toString(16)}`)]++
    for (const c of counts) expect(c).toBeGreaterThan(700)
  })

  test('every partition must have exactly one owner', () => {
    const clock = new SimClock()
    const base = {
      partitionCount: 4,
      hlc: new Hlc(clock),
      clock,
      timers: clock,
      config: { pruneIntervalMs: 0 },
    }
    const journal = openJournal('j', new SimDisk(), clock, base.hlc)
    expect(() =>
      createAdjudicators({ ...base, owners: [{ id: 'a', journal, partitions: [0, 1, 2] }] }),
    ).toThrow(AssertionError)
    expect(() =>
      createAdjudicators({
        ...base,
        owners: [
          { id: 'a', journal, partitions: [0, 1, 2, 3] },
          { id: 'b', journal, partitions: [3] },
        ],
      }),
    ).toThrow(AssertionError)
  })
})
