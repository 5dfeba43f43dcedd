// Closed timestamps and durability of the file journal (ARCHITECTURE.md "journal", step 4) under
// random interleavings of appends, close requests, virtual time, torn crashes and restarts.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import type { CommitRecord, Journal } from './index.ts'
import { RecordingFollower, SimJournalWorld } from './journal-harness.ts'

type Command =
  | { readonly kind: 'append'; readonly n: number; readonly aheadTicks: number }
  | { readonly kind: 'close'; readonly deltaTicks: number }
  | { readonly kind: 'run'; readonly ms: number }
  | { readonly kind: 'crash' }

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      n: fc.integer({ min: 1, max: 6 }),
      aheadTicks: fc.integer({ min: -2000, max: 3000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      deltaTicks: fc.integer({ min: -3000, max: 3000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('run' as const), ms: fc.integer({ min: 0, max: 4 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
)

/**
 * Goal: whatever the interleaving, (1) no record is ever delivered, or even assigned, at or below
 * a closed timestamp already published (also across restarts); (2) followers get records in seq
 * order with increasing commitTs, before the closed timestamp covering them; (3) closedTs() only
 * grows, and every record at or below it has been delivered; (4) a durable record survives every
 * crash unchanged. Method: a model of acknowledged records beside a SimDisk-backed journal.
 */
test('closed timestamps are never violated and durable records survive crashes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.array(command, { maxLength: 50 }),
      async (seed, commands) => {
        const w = new SimJournalWorld({
          seed,
          faults: { syncLatencyMsMin: 1, syncLatencyMsMax: 3, tornWriteProbability: 0.5 },
          config: { batchRecordsMax: 4, heartbeatMs: 2 },
        })
        const durable = new Map<number, CommitRecord>()
        let publishedMax = 0
        let observedMax = 0
        let journal: Journal
        let follower: RecordingFollower
        let assigned: CommitRecord[] = []
        let unfollow: (() => void)[] = []
        const start = () => {
          journal = w.open()
          follower = new RecordingFollower()
          unfollow = [
            journal.follow(follower),
            journal.follow({
              onRecords: () => {},
              onClosed: (ts) => (publishedMax = Math.max(publishedMax, ts)),
            }),
          ]
          assigned = []
          // (4): every acknowledged record is back, unchanged.
          const all = journal.read(0, 100_000)
          expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i + 1))
          for (const [seq, record] of durable) expect(all[seq - 1]).toEqual(record)
          expect(journal.closedTs()).toBeGreaterThanOrEqual(publishedMax)
        }
        const observe = () => {
          const closed = journal.closedTs()
          expect(closed).toBeGreaterThanOrEqual(observedMax)
          observedMax = closed
          const delivered = follower.records.length
          for (const r of assigned)
            if (r.commitTs <= closed)
              expect(r.seq).toBeLessThanOrEqual(follower.records[delivered - 1]?.seq ?? 0)
        }
        start()
        let tx = 0
        for (const c of commands) {
          switch (c.kind) {
            case 'append':
              for (let i = 0; i < c.n; i++) {
                const before = journal!.closedTs()
                const request = {
                  txId: `t${tx++}`,
                  proposedTs: Math.max(0, w.hlc.last() + c.aheadTicks),
                  writes: [{ key: `${i}`, value: `${tx}` }],
                }
                const a = journal!.append(request)
                expect(a.commitTs).toBeGreaterThan(Math.max(before, publishedMax))
                const record = {
                  journalId: 'j1',
                  seq: a.seq,
                  commitTs: a.commitTs,
                  txId: request.txId,
                  writes: request.writes,
                }
                assigned.push(record)
                a.durable.then(
                  () => durable.set(a.seq, record),
                  () => {},
                )
              }
              break
            case 'close':
              journal!.requestClose(Math.max(0, w.hlc.last() + c.deltaTicks))
              break
            case 'run':
              await w.run(c.ms)
              break
            case 'crash':
              // The process dies with its disk: its followers hear nothing more, its timers stop.
              w.crash()
              for (const f of unfollow) f()
              void journal!.close()
              await w.run(4)
              start()
              break
          }
          observe()
        }
        // Drain: everything appended in this life becomes durable, is delivered, and gets closed.
        await w.run(40)
        journal!.requestClose(w.hlc.now())
        observe()
        expect(follower!.records.map((r) => r.txId)).toEqual(assigned.map((r) => r.txId))
        const lastTs = assigned.at(-1)?.commitTs ?? 0
        expect(publishedMax).toBeGreaterThanOrEqual(lastTs)
        await w.until(journal!.close())
      },
    ),
    { numRuns: 150 },
  )
})
