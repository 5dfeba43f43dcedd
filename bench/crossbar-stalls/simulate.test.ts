// Tests of the crossbar-stalls simulation. Goal: a run is deterministic for its seed, stalls hold
// the merged frontier for their whole length, fencing bounds that to the fence delay, and the
// simulated journal keeps the closed-timestamp promise. Method: small runs in virtual time.
import { describe, expect, test } from 'bun:test'
import { SimJournal } from './sim-journal.ts'
import { type SimOptions, simulate } from './simulate.ts'

const small: SimOptions = {
  hosts: 8,
  seed: 3,
  seconds: 4,
  warmupSeconds: 0.5,
  load: 'open',
  ratePerHost: 300,
  clientsPerHost: 4,
  clientTxMs: 1,
  stallsPerHostSecond: 0.2,
  stallMs: 1000,
  heartbeatMs: 5,
  tickMs: 1,
  fenceAfterMs: undefined,
  shards: 3,
  recordsMax: 1_000_000,
}

describe('crossbar-stalls simulation', () => {
  test('the same seed gives the same figures', () => {
    const a = simulate(small)
    const b = simulate(small)
    expect(a.summary).toEqual(b.summary)
    expect(a.stalls).toBe(b.stalls)
    expect(a.stalls).toBeGreaterThan(0)
  })

  test('a stall holds every record behind it; fencing bounds the wait to the fence delay', () => {
    const held = simulate(small)
    const fenced = simulate({ ...small, fenceAfterMs: 50 })
    expect(held.unapplied).toBe(0)
    expect(fenced.unapplied).toBe(0)
    expect(held.summary.max).toBeGreaterThan(900)
    expect(fenced.summary.max).toBeLessThanOrEqual(50 + small.heartbeatMs + small.tickMs)
    expect(fenced.fences).toBeGreaterThan(0)
    // The hosts freeze at the same moments either way: fencing changes the wait, not the load.
    expect(fenced.stalls).toBe(held.stalls)
    expect(fenced.summary.count).toBe(held.summary.count)
  })

  test('closed load: clients wait for the frontier, so stalls cut throughput and fencing helps', () => {
    const held = simulate({ ...small, load: 'closed' })
    const fenced = simulate({ ...small, load: 'closed', fenceAfterMs: 50 })
    expect(fenced.summary.throughput).toBeGreaterThan(held.summary.throughput * 1.2)
  })

  test('a fenced journal never takes a record at or below the fenced timestamp', () => {
    const journal = new SimJournal('j')
    const closed: number[] = []
    journal.follow({ onRecords: () => {}, onClosed: (ts) => closed.push(ts) })
    journal.append({ txId: 'a', proposedTs: 100, writes: [] })
    journal.flush()
    journal.fenceClosed(5000)
    const late = journal.append({ txId: 'b', proposedTs: 200, writes: [] })
    expect(late.commitTs).toBeGreaterThan(5000)
    expect(closed).toEqual([5000])
    expect(() => journal.publishClosed(late.commitTs)).toThrow()
  })
})
