// The HLC contract (ARCHITECTURE.md "clock"): now() strictly increases, never falls below a
// timestamp seen through update(), and tracks physical time. Method: fast-check drives arbitrary
// interleavings of physical time moves (including backwards jumps) and updates.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { Hlc, LOGICAL_PER_MS, SimClock, tsFromMs, tsToMs, type Clock } from './index.ts'

/** A physical clock the test moves freely, backwards too (NTP steps, VM pauses). */
class SteppedClock implements Clock {
  ms = 1_700_000_000_000
  wallMs(): number {
    return this.ms
  }
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('now' as const) }),
  fc.record({ kind: fc.constant('move' as const), ms: fc.integer({ min: -5_000, max: 5_000 }) }),
  fc.record({ kind: fc.constant('update' as const), aheadTicks: fc.integer({ min: -100_000, max: 100_000 }) }),
)

describe('Hlc', () => {
  test('now() strictly increases and stays above every update and the physical clock', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const physical = new SteppedClock()
        const hlc = new Hlc(physical)
        let last = 0
        let seen = 0
        for (const s of steps) {
          if (s.kind === 'move') physical.ms += s.ms
          else if (s.kind === 'update') {
            const ts = Math.max(0, tsFromMs(physical.ms) + s.aheadTicks)
            hlc.update(ts)
            seen = Math.max(seen, ts)
          } else {
            const ts = hlc.now()
            expect(ts).toBeGreaterThan(last)
            expect(ts).toBeGreaterThan(seen)
            expect(ts).toBeGreaterThanOrEqual(tsFromMs(physical.ms))
            last = ts
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  test('the physical part is milliseconds; the logical part overflows into it under bursts', () => {
    const physical = new SteppedClock()
    const hlc = new Hlc(physical)
    const first = hlc.now()
    expect(tsToMs(first)).toBe(physical.ms)
    let ts = first
    for (let i = 0; i < LOGICAL_PER_MS + 5; i++) ts = hlc.now()
    expect(tsToMs(ts)).toBe(physical.ms + 1)
    physical.ms += 10
    expect(hlc.now()).toBe(tsFromMs(physical.ms))
  })

  test('update refuses timestamps that are not safe non-negative integers', () => {
    const hlc = new Hlc(new SteppedClock())
    expect(() => hlc.update(-1)).toThrow()
    expect(() => hlc.update(1.5)).toThrow()
    expect(() => hlc.update(2 ** 60)).toThrow()
  })
})

describe('SimClock', () => {
  test('timers fire in (time, creation) order, only when time reaches them, and can be cancelled', () => {
    const clock = new SimClock(0)
    const fired: string[] = []
    clock.setTimeout(() => fired.push('b@10'), 10)
    clock.setTimeout(() => fired.push('a@5'), 5)
    const cancelled = clock.setTimeout(() => fired.push('never'), 7)
    clock.setTimeout(() => {
      fired.push('c@10')
      clock.setTimeout(() => fired.push('d@12'), 2)
    }, 10)
    cancelled.cancel()
    clock.advance(9)
    expect(fired).toEqual(['a@5'])
    expect(clock.wallMs()).toBe(9)
    clock.advance(3)
    expect(fired).toEqual(['a@5', 'b@10', 'c@10', 'd@12'])
    expect(clock.nextAt()).toBeUndefined()
  })

  test('jump moves time at once: due timers fire in order at the new time, a periodic one once', () => {
    const clock = new SimClock(0)
    const fired: string[] = []
    const tick = () => {
      fired.push(`tick@${clock.wallMs()}`)
      clock.setTimeout(tick, 5)
    }
    clock.setTimeout(tick, 5)
    clock.setTimeout(() => fired.push(`late@${clock.wallMs()}`), 100_000)
    clock.setTimeout(() => fired.push(`early@${clock.wallMs()}`), 3)
    clock.jump(86_400_000)
    expect(fired).toEqual(['early@86400000', 'tick@86400000', 'late@86400000'])
    expect(clock.wallMs()).toBe(86_400_000)
    expect(clock.nextAt()).toBe(86_400_005)
  })

  test('sleep resolves when virtual time passes it', async () => {
    const clock = new SimClock(0)
    let done = false
    const slept = clock.sleep(50).then(() => (done = true))
    clock.advance(49)
    await Promise.resolve()
    expect(done).toBe(false)
    clock.advance(1)
    await slept
    expect(done).toBe(true)
  })
})

describe('SeededRandom', () => {
  test('the same seed replays the same sequence; values stay in range', async () => {
    const { SeededRandom } = await import('./index.ts')
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const a = new SeededRandom(seed)
        const b = new SeededRandom(seed)
        for (let i = 0; i < 20; i++) {
          const x = a.next()
          expect(x).toBe(b.next())
          expect(x >= 0 && x < 1).toBe(true)
          const k = a.int(n)
          expect(k).toBe(b.int(n))
          expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true)
        }
      }),
      { numRuns: 100 },
    )
  })
})
