// The file journal (ARCHITECTURE.md "journal", step 4): seq and commitTs at append, durability via
// group commit, closed timestamps, recovery after crashes and damage, segments, real files.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hlc, SystemClock, tsFromMs } from '../clock/index.ts'
import { CountingDisk, NodeDisk } from '../disk/index.ts'
import { isSqlError } from '../errors/index.ts'
import { RECORD_WRITES_MAX } from './constants.ts'
import { openFileJournal, RECORD_BYTES_MAX, type FileJournal, type Journal } from './index.ts'
import { RecordingFollower, SimJournalWorld, settle, writes } from './journal-harness.ts'

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    return isSqlError(e) ? e.code : String(e)
  }
  return 'no error'
}

describe('append', () => {
  // Goal: position and timestamp are fixed synchronously and only grow; durability follows.
  // Method: append with proposals below, at and above the journal's last timestamp.
  test('assigns seq from 1 and commitTs = max(proposed, last + 1, closed + 1)', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const closed = j.closedTs()
    const a = j.append({ txId: 't1', proposedTs: 5, writes: writes('a') })
    const b = j.append({ txId: 't2', proposedTs: a.commitTs + 1000, writes: writes('b') })
    const c = j.append({ txId: 't3', proposedTs: 5, writes: [] })
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3])
    expect(a.commitTs).toBe(closed + 1)
    expect(b.commitTs).toBe(a.commitTs + 1000)
    expect(c.commitTs).toBe(b.commitTs + 1)
    expect(w.hlc.now()).toBeGreaterThan(c.commitTs)
    expect(j.lastSeq()).toBe(0)
    await w.run(2)
    await Promise.all([a.durable, b.durable, c.durable])
    expect(j.lastSeq()).toBe(3)
    expect(j.lastCommitTs()).toBe(c.commitTs)
    const read = j.read(0, 10)
    expect(read.map((r) => r.txId)).toEqual(['t1', 't2', 't3'])
    expect(read[0]).toEqual({
      journalId: 'j1',
      seq: 1,
      commitTs: a.commitTs,
      txId: 't1',
      writes: writes('a'),
    })
    expect(j.read(1, 1).map((r) => r.seq)).toEqual([2])
    expect(j.read(3, 10)).toEqual([])
    await w.until(j.close())
  })

  test('refuses beyond pendingRecordsMax (54000) and after close (57P03)', async () => {
    const w = new SimJournalWorld({ config: { pendingRecordsMax: 4, batchRecordsMax: 4 } })
    const j = w.open()
    for (let i = 0; i < 4; i++) j.append({ txId: `t${i}`, proposedTs: 0, writes: [] })
    expect(codeOf(() => j.append({ txId: 'x', proposedTs: 0, writes: [] }))).toBe('54000')
    await w.run(2)
    expect(j.lastSeq()).toBe(4)
    j.append({ txId: 'y', proposedTs: 0, writes: [] })
    const closing = j.close()
    await w.run(2)
    await closing
    expect(j.lastSeq()).toBe(5)
    expect(codeOf(() => j.append({ txId: 'z', proposedTs: 0, writes: [] }))).toBe('57P03')
  })

  test('a record larger than the limit is refused before it gets a seq', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const huge = [{ key: '00', value: 'x'.repeat(RECORD_BYTES_MAX) }]
    expect(codeOf(() => j.append({ txId: 'big', proposedTs: 0, writes: huge }))).toBe('54000')
    expect(j.append({ txId: 'ok', proposedTs: 0, writes: [] }).seq).toBe(1)
    await w.run(1)
    await w.until(j.close())
  })

  test('a record of more writes than RECORD_WRITES_MAX is refused before it gets a seq, though its bytes would fit', async () => {
    // The writes bound keeps any record, alone, within one replication message (constants.ts).
    const w = new SimJournalWorld()
    const j = w.open()
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ key: i.toString(16), value: null }))
    let refused: unknown
    try {
      j.append({ txId: 'many', proposedTs: 0, writes: many(RECORD_WRITES_MAX + 1) })
    } catch (e) {
      refused = e
    }
    expect(refused).toMatchObject({ code: '54000', message: `commit record of ${RECORD_WRITES_MAX + 1} writes exceeds ${RECORD_WRITES_MAX}` })
    expect(j.append({ txId: 'most', proposedTs: 0, writes: many(RECORD_WRITES_MAX) }).seq).toBe(1)
    await w.run(5)
    expect(j.read(0, 1)[0]!.writes.length).toBe(RECORD_WRITES_MAX)
    await w.until(j.close())
  })
})

describe('group commit', () => {
  // Goal: one fsync per batch, not per record. Method: count SimDisk syncs while appends keep
  // arriving during each (virtual) 1 ms fsync.
  test('appends arriving during an fsync share the next one', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const durables: Promise<void>[] = []
    for (let tick = 0; tick < 20; tick++) {
      for (let i = 0; i < 50; i++) {
        durables.push(
          j.append({ txId: `t${tick}.${i}`, proposedTs: 0, writes: writes('g') }).durable,
        )
      }
      await w.run(1)
    }
    await w.run(2)
    await Promise.all(durables)
    expect(j.lastSeq()).toBe(1000)
    expect(w.disk.syncCount).toBeLessThanOrEqual(22)
    await w.until(j.close())
  })

  test('batches respect batchRecordsMax', async () => {
    const w = new SimJournalWorld({ config: { batchRecordsMax: 10 } })
    const j = w.open()
    const f = new RecordingFollower()
    const sizes: number[] = []
    j.follow({ onRecords: (r) => sizes.push(r.length), onClosed: () => {} })
    j.follow(f)
    for (let i = 0; i < 35; i++) j.append({ txId: `t${i}`, proposedTs: 0, writes: [] })
    await w.run(10)
    expect(sizes).toEqual([10, 10, 10, 5])
    expect(f.records.length).toBe(35)
    await w.until(j.close())
  })

  test('fsync: false writes without syncing', async () => {
    const w = new SimJournalWorld({ config: { fsync: false } })
    const j = w.open()
    const all = Array.from(
      { length: 100 },
      (_, i) => j.append({ txId: `t${i}`, proposedTs: 0, writes: [] }).durable,
    )
    await Promise.all(all)
    expect(j.lastSeq()).toBe(100)
    expect(w.disk.syncCount).toBe(0)
    await w.until(j.close())
  })
})

describe('closed timestamp', () => {
  // Goal: a published closed ts is a promise: no record at or below it ever follows, and
  // followers get records before the closed ts that covers them.
  test('requestClose when idle publishes at once, clamped to the clock', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const f = new RecordingFollower()
    j.follow(f)
    const now = w.hlc.now()
    j.requestClose(now)
    expect(j.closedTs()).toBe(now)
    expect(f.closed).toEqual([now])
    const future = now + tsFromMs(1000)
    j.requestClose(future)
    expect(j.closedTs()).toBeLessThan(future)
    expect(j.closedTs()).toBeGreaterThan(now)
    const a = j.append({ txId: 't', proposedTs: 0, writes: [] })
    expect(a.commitTs).toBeGreaterThan(f.closed.at(-1)!)
    await w.run(2)
    await w.until(j.close())
  })

  test('with appends pending, closing waits for them and stays below the first', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const f = new RecordingFollower()
    j.follow(f)
    const a = j.append({ txId: 't1', proposedTs: 0, writes: [] })
    expect(j.closedTs()).toBe(a.commitTs - 1)
    const published = f.closed.length
    j.requestClose(w.hlc.now())
    expect(f.closed.length).toBe(published)
    await w.run(1)
    await a.durable
    expect(f.records.map((r) => r.seq)).toEqual([1])
    expect(f.closed.at(-1)).toBeGreaterThanOrEqual(a.commitTs)
    await w.until(j.close())
  })

  test('the heartbeat advances an idle journal with the clock', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const f = new RecordingFollower()
    j.follow(f)
    await w.run(50)
    expect(f.closed.length).toBeGreaterThanOrEqual(8)
    expect(f.closed.at(-1)).toBeGreaterThanOrEqual(tsFromMs(w.clock.wallMs() - 5))
    await w.until(j.close())
  })

  test('heartbeat() closes an idle journal at once, between timer beats, but never past a pending record', async () => {
    // A region whose thread a long statement holds calls it where the timer cannot fire.
    const w = new SimJournalWorld({ config: { heartbeatMs: 1_000 } })
    const j = w.open() as FileJournal
    const f = new RecordingFollower()
    j.follow(f)
    await w.run(5)
    const before = j.closedTs()
    j.heartbeat()
    expect(j.closedTs()).toBeGreaterThan(before)
    expect(f.closed.at(-1)).toBe(j.closedTs())
    const pending = j.append({ txId: 'p', proposedTs: w.hlc.now(), writes: [] })
    j.heartbeat()
    expect(j.closedTs()).toBe(pending.commitTs - 1)
    expect(f.closed.at(-1)!).toBeLessThan(pending.commitTs)
    await w.until(pending.durable)
    await w.until(j.close())
    const told = f.closed.length
    j.heartbeat()
    expect(f.closed.length).toBe(told)
  })

  test('heartbeat() does nothing at a replica', async () => {
    const w = new SimJournalWorld({ config: { replica: true } })
    const j = w.open() as FileJournal
    const f = new RecordingFollower()
    j.follow(f)
    const before = j.closedTs()
    j.heartbeat()
    expect([j.closedTs(), f.closed]).toEqual([before, []])
    await w.until(j.close())
  })

  test('with a lead, an idle journal closes that far ahead of the wall clock, and never further under load', async () => {
    const leadMs = 20
    const w = new SimJournalWorld({ config: { closedLeadMs: leadMs } })
    const j = w.open()
    const f = new RecordingFollower()
    j.follow(f)
    await w.run(10)
    const wall = () => tsFromMs(w.clock.wallMs())
    expect(j.closedTs()).toBeGreaterThanOrEqual(wall() + tsFromMs(leadMs - 5))
    // A commit lands above the closed timestamp, so ahead of the clock by about the lead.
    const a = j.append({ txId: 'led', proposedTs: w.hlc.now(), writes: [] })
    expect(a.commitTs).toBeGreaterThan(wall() + tsFromMs(leadMs - 5))
    // Commits move the HLC ahead too; the lead is added to the wall clock, not to the HLC, so
    // closed timestamps and commitTs stay within the lead (plus a heartbeat) of the wall clock.
    // Each round: a commit, then idle long enough for a heartbeat to close again.
    for (let i = 0; i < 30; i++) {
      j.append({ txId: `t${i}`, proposedTs: w.hlc.now(), writes: [] })
      await w.run(7)
      expect(j.closedTs()).toBeLessThanOrEqual(wall() + tsFromMs(leadMs + 1))
    }
    await w.run(20)
    expect(f.closed.at(-1)).toBeLessThanOrEqual(wall() + tsFromMs(leadMs + 1))
    expect(f.closed.at(-1)).toBeGreaterThanOrEqual(wall() + tsFromMs(leadMs - 5))
    await w.until(j.close())
  })

  test('with a lead, a journal reopened within the lead still appends above what it closed before', async () => {
    const leadMs = 1_000
    const w = new SimJournalWorld({ config: { closedLeadMs: leadMs } })
    const j = w.open()
    const a = j.append({ txId: 'before', proposedTs: w.hlc.now(), writes: [] })
    await w.run(50)
    await a.durable
    const closedBefore = j.closedTs()
    expect(closedBefore).toBeGreaterThan(tsFromMs(w.clock.wallMs() + leadMs - 10))
    w.crash()
    await w.run(100)
    // A new process: its HLC knows only what the journal recovers.
    const reopened = openFileJournal({ id: 'j1', dir: w.dir, disk: w.disk, hlc: new Hlc(w.clock), clock: w.clock, timers: w.clock, config: { closedLeadMs: leadMs } })
    expect(reopened.closedTs()).toBeGreaterThanOrEqual(closedBefore)
    const after = reopened.append({ txId: 'after', proposedTs: 0, writes: [] })
    expect(after.commitTs).toBeGreaterThan(closedBefore)
    await w.run(5)
    await w.until(reopened.close())
  })

  test('a follower that asks or appends from inside a callback still sees the contract', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const f = new RecordingFollower()
    let appended = 0
    j.follow({
      onRecords: () => j.requestClose(w.hlc.now()),
      onClosed: (ts) => {
        if (appended++ < 20) j.append({ txId: `r${appended}`, proposedTs: 0, writes: [] })
        j.requestClose(ts + 1)
      },
    })
    j.follow(f)
    j.requestClose(w.hlc.now())
    await w.run(60)
    expect(f.records.length).toBe(20)
    await w.until(j.close())
  })
})

describe('failure', () => {
  // Goal: a failed fsync never reports success. Method: SimDisk fails every sync.
  test('fsync failure rejects pending with 40003 and refuses later appends with 57P03', async () => {
    const w = new SimJournalWorld()
    const j = w.open()
    const ok = j.append({ txId: 'ok', proposedTs: 0, writes: [] })
    await w.run(1)
    await ok.durable
    w.disk.setFaults({ syncLatencyMsMin: 1, syncFailureProbability: 1 })
    const a = j.append({ txId: 'a', proposedTs: 0, writes: [] })
    const b = j.append({ txId: 'b', proposedTs: 0, writes: [] })
    await w.run(2)
    await expect(a.durable).rejects.toMatchObject({ code: '40003' })
    await expect(b.durable).rejects.toMatchObject({ code: '40003' })
    expect(codeOf(() => j.append({ txId: 'c', proposedTs: 0, writes: [] }))).toBe('57P03')
    expect(j.lastSeq()).toBe(1)
    // The answer names the cause, and it lasts: an I/O error of the device needs a restart.
    expect(() => j.append({ txId: 'd', proposedTs: 0, writes: [] })).toThrow(/failed and accepts no more commits: EIO/)
    await w.run(3000)
    expect(codeOf(() => j.append({ txId: 'e', proposedTs: 0, writes: [] }))).toBe('57P03')
    await w.until(j.close())
  })
})

describe('a full disk', () => {
  // Goal: a write that runs out of space answers its commits 40003 (outcome unknown), refuses
  // later ones with 53100 naming the cause, holds the closed timestamp below what failed until it
  // cut it durably (then closes again, full or not), loses nothing acknowledged, and once space is
  // freed takes commits again without a restart (seqs of the failed records reused, commitTs still
  // increasing); a restart finds exactly the acknowledged records. Method: SimDisk's capacity, set just above what the files hold, so the
  // next batch is written in part (a short write, then ENOSPC), as a real full file system does;
  // once with one segment, once with a segment per batch (the roll-over fails).
  for (const segmentBytesMax of [64 * 1024 * 1024, 1]) {
    test(`in-flight 40003, then 53100; resumes once space is freed (segments of ${segmentBytesMax} bytes)`, async () => {
      const w = new SimJournalWorld({ config: { segmentBytesMax } })
      const j = w.open() as FileJournal
      const f = new RecordingFollower()
      j.follow(f)
      const acked = ['ok1', 'ok2', 'ok3'].map((txId) => j.append({ txId, proposedTs: 0, writes: writes(txId) }))
      await w.run(2)
      await Promise.all(acked.map((a) => a.durable))
      // Full, and fsyncs fail too at first: the cut cannot be made durable yet.
      const capacityBytes = w.disk.usedBytes() + 20
      w.disk.setFaults({ syncLatencyMsMin: 1, capacityBytes, syncFailureProbability: 1 })
      const a = j.append({ txId: 'a', proposedTs: 0, writes: writes('a') })
      const b = j.append({ txId: 'b', proposedTs: 0, writes: writes('b') })
      await w.run(2)
      await expect(a.durable).rejects.toMatchObject({ code: '40003', detail: expect.stringContaining('no space left on device') })
      await expect(b.durable).rejects.toMatchObject({ code: '40003' })
      expect(() => j.append({ txId: 'c', proposedTs: 0, writes: [] })).toThrow('could not write journal j1: no space left on device')
      expect(codeOf(() => j.append({ txId: 'c', proposedTs: 0, writes: [] }))).toBe('53100')
      expect(j.failure()?.code).toBe('53100')
      // Until the failed records are cut durably, a restart might still find one: nothing closes
      // past it.
      await w.run(2500)
      expect(j.closedTs()).toBeLessThan(a.commitTs)
      expect(f.closed.at(-1) ?? 0).toBeLessThan(a.commitTs)
      // Still full: the next retry cuts the partial write durably, so closed timestamps move on
      // again and readers' snapshots with them; every retry finds no room, and appends are refused.
      w.disk.setFaults({ syncLatencyMsMin: 1, capacityBytes })
      await w.run(2600)
      expect(j.failure()?.code).toBe('53100')
      expect(f.closed.at(-1)).toBeGreaterThan(b.commitTs)
      expect(f.records.map((r) => r.txId)).toEqual(['ok1', 'ok2', 'ok3'])
      expect(w.disk.list(w.dir).filter((n) => !n.endsWith('.seg'))).toEqual([])
      w.disk.setFaults({ syncLatencyMsMin: 1 })
      await w.run(1100)
      expect(j.failure()).toBeUndefined()
      const d = j.append({ txId: 'd', proposedTs: 0, writes: writes('d') })
      expect(d.seq).toBe(4)
      expect(d.commitTs).toBeGreaterThan(b.commitTs)
      await w.run(2)
      await d.durable
      expect(f.records.map((r) => r.txId)).toEqual(['ok1', 'ok2', 'ok3', 'd'])
      expect(f.closed.at(-1)).toBeGreaterThanOrEqual(d.commitTs)
      expect(j.read(0, 10).map((r) => r.txId)).toEqual(['ok1', 'ok2', 'ok3', 'd'])
      // A power loss now: what was acknowledged is there, nothing of the failed records.
      w.crash()
      const reopened = w.open()
      expect(reopened.read(0, 10).map((r) => `${r.seq}:${r.txId}`)).toEqual(['1:ok1', '2:ok2', '3:ok3', '4:d'])
      await w.until(reopened.close())
    })
  }

  test('a replica whose disk was full cuts its failed write and, once space is freed, takes the records its leader resends', async () => {
    // A replica acknowledges only durable records, so no commit counted on the failed ones, and
    // its leader resends them as they were (the same seq and commitTs).
    const w = new SimJournalWorld({ config: { replica: true } })
    const j = w.open() as FileJournal
    const record = (seq: number) => ({ journalId: 'j1', seq, commitTs: 1000 + seq, txId: `t${seq}`, writes: writes(`${seq}`) })
    const first = j.appendAt(record(1))
    await w.run(2)
    await first.durable
    w.disk.setFaults({ syncLatencyMsMin: 1, capacityBytes: w.disk.usedBytes() + 5 })
    const second = j.appendAt(record(2))
    expect(j.assignedSeq()).toBe(2)
    await w.run(2)
    await expect(second.durable).rejects.toMatchObject({ code: '40003' })
    // Cut at once, still full: the file holds what was durable and refuses records.
    await w.run(1100)
    expect(j.assignedSeq()).toBe(1)
    expect(j.failure()?.code).toBe('53100')
    expect(j.failure()?.hint).toMatch(/Free disk space/)
    expect(codeOf(() => j.appendAt(record(2)))).toBe('53100')
    w.disk.setFaults({ syncLatencyMsMin: 1 })
    await w.run(1100)
    expect(j.failure()).toBeUndefined()
    const again = j.appendAt(record(2))
    await w.run(2)
    await again.durable
    expect(j.read(0, 10).map((r) => `${r.seq}:${r.commitTs}`)).toEqual(['1:1001', '2:1002'])
    w.crash()
    const reopened = w.open() as FileJournal
    expect(reopened.read(0, 10).map((r) => r.seq)).toEqual([1, 2])
    await w.until(reopened.close())
  })

  test('a space probe a crash left behind is removed at open', async () => {
    // A crash between writing the probe and removing it, or during its atomic write (whose
    // temporary file is named after it), would leave a MiB of a full disk taken for good.
    const w = new SimJournalWorld()
    w.disk.mkdirp(w.dir)
    for (const name of ['space-probe', 'space-probe.tmp-4242-0']) await w.until(w.disk.writeFileAtomic(`${w.dir}/${name}`, new Uint8Array(1024)))
    const j = w.open()
    expect(w.disk.list(w.dir).filter((n) => n.startsWith('space-probe'))).toEqual([])
    await w.until(j.close())
  })
})

describe('recovery', () => {
  // Goal: a crash loses only what was never acknowledged; damage is cut at the tail, refused in
  // the middle. Method: crash SimDisk at chosen points and reopen.
  test('reopen continues seq and commitTs', async () => {
    const w = new SimJournalWorld()
    let j = w.open()
    for (let i = 0; i < 10; i++) j.append({ txId: `a${i}`, proposedTs: 0, writes: writes(`${i}`) })
    await w.run(2)
    await w.until(j.close())
    const lastTs = j.lastCommitTs()
    j = w.open()
    expect(j.lastSeq()).toBe(10)
    expect(j.lastCommitTs()).toBe(lastTs)
    expect(j.closedTs()).toBeGreaterThanOrEqual(lastTs)
    const next = j.append({ txId: 'b', proposedTs: 0, writes: [] })
    expect(next.seq).toBe(11)
    expect(next.commitTs).toBeGreaterThan(lastTs)
    await w.run(2)
    expect(j.read(0, 100).map((r) => r.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
    await w.until(j.close())
  })

  test('a crash loses only records that were not durable', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const w = new SimJournalWorld({
        seed,
        faults: { syncLatencyMsMin: 1, syncLatencyMsMax: 3, tornWriteProbability: 0.7 },
      })
      let j = w.open()
      const durableSeqs = new Set<number>()
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 1 + ((seed * 7 + round) % 9); i++) {
          const a = j.append({ txId: `t${round}.${i}`, proposedTs: 0, writes: writes(`${seed}`) })
          a.durable.then(
            () => durableSeqs.add(a.seq),
            () => {},
          )
        }
        await w.run(1 + (round % 2))
      }
      const assignedSeq = j.append({ txId: 'last', proposedTs: 0, writes: [] }).seq
      w.crash()
      await w.run(3)
      j = w.open()
      const survived = j.read(0, 1000)
      expect(survived.map((r) => r.seq)).toEqual(survived.map((_, i) => i + 1))
      expect(j.lastSeq()).toBeGreaterThanOrEqual(Math.max(0, ...durableSeqs))
      expect(j.lastSeq()).toBeLessThanOrEqual(assignedSeq)
      const next = j.append({ txId: 'after', proposedTs: 0, writes: [] })
      expect(next.seq).toBe(j.lastSeq() + 1)
      await w.run(3)
      await w.until(next.durable)
      await w.until(j.close())
    }
  })

  test('a torn tail is cut, never delivered, and appends continue after it', async () => {
    const w = new SimJournalWorld({ config: { fsync: false } })
    let j = w.open()
    for (let i = 0; i < 5; i++) j.append({ txId: `t${i}`, proposedTs: 0, writes: writes(`${i}`) })
    await settle()
    await w.until(j.close())
    const path = `${w.dir}/${w.disk.list(w.dir)[0]}`
    const file = w.disk.open(path)
    const full = file.size()
    file.truncate(full - 3)
    file.close()
    j = w.open()
    expect(j.lastSeq()).toBe(4)
    expect(j.read(0, 10).map((r) => r.txId)).toEqual(['t0', 't1', 't2', 't3'])
    j.append({ txId: 'new', proposedTs: 0, writes: [] })
    await w.run(2)
    await w.until(j.close())
    j = w.open()
    expect(j.read(0, 10).map((r) => r.txId)).toEqual(['t0', 't1', 't2', 't3', 'new'])
    await w.until(j.close())
  })

  test('a corrupt last record is cut; a corrupt record before valid ones is fatal (XX001)', async () => {
    const w = new SimJournalWorld()
    let j = w.open()
    for (let i = 0; i < 5; i++) j.append({ txId: `t${i}`, proposedTs: 0, writes: writes(`${i}`) })
    await w.run(2)
    await w.until(j.close())
    const path = `${w.dir}/${w.disk.list(w.dir)[0]}`
    const size = w.disk.readFile(path)!.byteLength
    w.disk.corrupt(path, size - 2)
    j = w.open()
    expect(j.lastSeq()).toBe(4)
    await w.run(2)
    await w.until(j.close())
    w.disk.corrupt(path, 20)
    expect(codeOf(() => w.open())).toBe('XX001')
  })

  test('garbage after the last record (a zero-filled tail) is cut', async () => {
    const w = new SimJournalWorld()
    let j = w.open()
    j.append({ txId: 'a', proposedTs: 0, writes: [] })
    await w.run(2)
    await w.until(j.close())
    const path = `${w.dir}/${w.disk.list(w.dir)[0]}`
    const file = w.disk.open(path)
    file.append(new Uint8Array(4096))
    file.close()
    j = w.open()
    expect(j.lastSeq()).toBe(1)
    expect(w.disk.readFile(path)!.byteLength).toBeLessThan(100)
    await w.until(j.close())
  })

  test('transient bad reads do not cut durable records', async () => {
    const w = new SimJournalWorld({ seed: 5 })
    let j = w.open()
    for (let i = 0; i < 20; i++) j.append({ txId: `t${i}`, proposedTs: 0, writes: writes(`${i}`) })
    await w.run(2)
    await w.until(j.close())
    w.disk.setFaults({ syncLatencyMsMin: 1, badReadProbability: 0.5 })
    for (let k = 0; k < 10; k++) {
      j = w.open()
      expect(j.lastSeq()).toBe(20)
      await w.run(1)
      await w.until(j.close())
    }
  })
})

describe('segments', () => {
  // Goal: the log rolls over to new files and reads back across them. Method: tiny segments and a
  // tiny read cache, so reads go to the files.
  test('rolls over, reads back from disk across segments, and recovers them', async () => {
    const config = { segmentBytesMax: 1024, readCacheRecordsMax: 4, batchRecordsMax: 7 }
    const w = new SimJournalWorld({ config })
    let j = w.open()
    for (let tick = 0; tick < 30; tick++) {
      for (let i = 0; i < 10; i++) {
        j.append({
          txId: `t${tick * 10 + i}`,
          proposedTs: 0,
          writes: writes(`${tick}-${i}`, 1 + (i % 4)),
        })
      }
      await w.run(1)
    }
    await w.run(60)
    expect(j.lastSeq()).toBe(300)
    const names = w.disk.list(w.dir)
    expect(names.length).toBeGreaterThan(10)
    expect(names[0]).toBe('00000000000000000001.seg')
    const check = (journal: Journal) => {
      for (const after of [0, 1, 99, 255, 256, 257, 290, 299]) {
        const got = journal.read(after, 40)
        expect(got.map((r) => r.seq)).toEqual(
          Array.from({ length: Math.min(40, 300 - after) }, (_, i) => after + 1 + i),
        )
        expect(got.every((r) => r.txId === `t${r.seq - 1}` && r.journalId === 'j1')).toBe(true)
      }
      expect(journal.read(0, 1000).length).toBe(300)
    }
    check(j)
    await w.until(j.close())
    j = w.open()
    check(j)
    await w.until(j.close())
  })
})

describe('read cache', () => {
  // Goal: rows of megabytes do not pile up in memory (the cache is bounded in bytes), and reads
  // across the cache's edge, and after a reopen, still give every record. Method: 1 MB records
  // on SimDisk under a 4 MB cache bound; reads from every position.
  test('large records: reads below the byte-bounded cache come from disk, before and after a reopen', async () => {
    const w = new SimJournalWorld({ config: { readCacheBytesMax: 4_000_000 } })
    let j = w.open()
    const value = (i: number) => JSON.stringify([i, String(i % 10).repeat(1_000_000)])
    for (let i = 0; i < 20; i++) {
      j.append({ txId: `t${i}`, proposedTs: 0, writes: [{ key: `0a${i.toString(16).padStart(2, '0')}`, value: value(i) }] })
      await w.run(1)
    }
    await w.run(5)
    const check = (journal: Journal) => {
      for (const after of [0, 7, 15, 18, 19]) {
        const got = journal.read(after, 100)
        expect(got.map((r) => r.seq)).toEqual(Array.from({ length: 20 - after }, (_, i) => after + 1 + i))
        expect(got.every((r) => r.writes[0]!.value === value(r.seq - 1))).toBe(true)
      }
    }
    check(j)
    await w.until(j.close())
    j = w.open()
    check(j)
    await w.until(j.close())
  })
})

describe('truncation', () => {
  // Goal: truncateThrough deletes whole segments only, never the newest record's segment, and a
  // reopened journal continues from the first kept segment with sequence and clock intact.
  // Method: tiny segments on SimDisk, truncate at several points, reopen, read back.
  test('deletes whole segments below the point, keeps reading above it, and reopens', async () => {
    const config = { segmentBytesMax: 1024, readCacheRecordsMax: 4 }
    const w = new SimJournalWorld({ config })
    let j = w.open()
    for (let i = 0; i < 200; i++) {
      j.append({ txId: `t${i}`, proposedTs: 0, writes: writes(`${i}`, 2) })
      if (i % 10 === 9) await w.run(1)
    }
    await w.run(30)
    expect(j.lastSeq()).toBe(200)
    const before = w.disk.list(w.dir)
    expect(j.truncateThrough(0)).toBe(0)
    const removed = j.truncateThrough(120)
    expect(removed).toBeGreaterThan(0)
    const after = w.disk.list(w.dir)
    expect(after.length).toBe(before.length - removed)
    // Every record above the point is still there; the first kept seq is at or below 121.
    expect(j.firstSeq()).toBeLessThanOrEqual(121)
    expect(j.read(120, 1000).map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => 121 + i))
    expect(() => j.read(0, 10)).toThrow(/truncated/)
    const lastTs = j.lastCommitTs()
    // Truncating past the end keeps the newest record's segment.
    j.truncateThrough(10_000)
    expect(w.disk.list(w.dir).length).toBe(1)
    expect(j.lastSeq()).toBe(200)
    await w.until(j.close())

    j = w.open()
    expect(j.lastSeq()).toBe(200)
    expect(j.lastCommitTs()).toBe(lastTs)
    expect(j.read(j.firstSeq() - 1, 1000).at(-1)?.seq).toBe(200)
    const next = j.append({ txId: 'after', proposedTs: 0, writes: writes('after') })
    expect(next.seq).toBe(201)
    expect(next.commitTs).toBeGreaterThan(lastTs)
    await w.until(next.durable)
    await w.until(j.close())
  })
})

describe('on real files (NodeDisk)', () => {
  // Goal: the same journal on the host file system, with concurrent committers as the adjudicator
  // would drive it. Method: 200 async clients commit in a loop; count fsyncs; reopen and compare.
  test('concurrent appends group-commit, and a reopen sees every durable record', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-journal-'))
    try {
      const clock = new SystemClock()
      const disk = new CountingDisk(new NodeDisk())
      const open = (hlc: Hlc) =>
        openFileJournal({ id: 'n1', dir: `${root}/j`, disk, hlc, clock, timers: clock })
      const hlc = new Hlc(clock)
      const j = open(hlc)
      const f = new RecordingFollower()
      j.follow(f)
      const clients = 200
      const perClient = 10
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let i = 0; i < perClient; i++) {
            const a = j.append({
              txId: `c${c}.${i}`,
              proposedTs: hlc.now(),
              writes: writes(`${c}`),
            })
            await a.durable
          }
        }),
      )
      expect(j.lastSeq()).toBe(clients * perClient)
      expect(disk.syncs).toBeLessThan((clients * perClient) / 10)
      expect(f.records.length).toBe(clients * perClient)
      expect(f.closed.at(-1)).toBeGreaterThanOrEqual(j.lastCommitTs())
      await j.close()
      const again = open(new Hlc(clock))
      expect(again.lastSeq()).toBe(clients * perClient)
      expect(again.read(0, 5000).map((r) => r.txId)).toEqual(f.records.map((r) => r.txId))
      await again.close()
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
