// Goal: the supervisor of `tessera cluster` restarts a region that dies while the cluster runs,
// after a backoff that doubles up to its cap and starts afresh once the region has served a
// while; gives up after a bounded number of quick failures in a row; never starts anything once
// the cluster stops (during a backoff or a restart), and says whether the region stopped cleanly.
// Method: the real Supervisor on a virtual clock (SimClock), its `start` counting launches.
import { describe, expect, test } from 'bun:test'
import { SimClock } from '../server/clock/index.ts'
import { RESTART_POLICY, Supervisor, type RestartPolicy } from './supervisor.ts'

const POLICY: RestartPolicy = { backoffMsMin: 1_000, backoffMsMax: 8_000, healthyAfterMs: 60_000, quickRestartsMax: 5 }

function supervised(policy = POLICY) {
  const clock = new SimClock()
  let launches = 0
  const supervisor = new Supervisor({ clock, timers: clock, policy, start: () => void launches++ })
  let ended: boolean | undefined
  void supervisor.done.then((clean) => (ended = clean))
  return {
    clock,
    supervisor,
    launches: () => launches,
    /** Whether `done` resolved, and with what, after the microtasks ran. */
    ended: async () => {
      await Promise.resolve()
      return ended
    },
    /** Starts, serves for `ms`, dies uncleanly: the decision. */
    crashAfter(ms: number) {
      supervisor.serving()
      clock.advance(ms)
      return supervisor.exited(false)
    },
  }
}

describe('the supervisor of a region process', () => {
  test('a crash is restarted after 1 s; quick crashes double the wait up to the cap; a healthy run resets it', () => {
    const s = supervised()
    s.supervisor.start()
    expect(s.launches()).toBe(1)
    expect(s.crashAfter(5_000)).toEqual({ kind: 'restart', delayMs: 1_000, failures: 1 })
    s.clock.advance(999)
    expect(s.launches()).toBe(1)
    expect(s.supervisor.running).toBe(false)
    s.clock.advance(1)
    expect(s.launches()).toBe(2)
    expect(s.supervisor.running).toBe(true)
    expect(s.supervisor.restarts).toBe(1)
    const delays: number[] = []
    for (let i = 0; i < 4; i++) {
      const decision = s.crashAfter(100)
      if (decision.kind !== 'restart') throw new Error(`restart expected, not ${decision.kind}`)
      delays.push(decision.delayMs)
      s.clock.advance(decision.delayMs)
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 8_000])
    expect(s.launches()).toBe(6)
    // Served a minute: the next crash is the first of a new run.
    expect(s.crashAfter(60_000)).toEqual({ kind: 'restart', delayMs: 1_000, failures: 1 })
  })

  test('a restart that dies before it serves is a quick failure too', () => {
    const s = supervised()
    s.supervisor.start()
    expect(s.crashAfter(70_000).kind).toBe('restart')
    s.clock.advance(1_000)
    s.clock.advance(120_000)
    // Never said it serves, however long it ran.
    expect(s.supervisor.exited(false)).toEqual({ kind: 'restart', delayMs: 2_000, failures: 2 })
  })

  test('after quickRestartsMax restarts in a row that each failed quickly it gives up, unclean', async () => {
    const s = supervised()
    s.supervisor.start()
    for (let i = 0; i < POLICY.quickRestartsMax; i++) {
      const decision = s.crashAfter(10)
      expect(decision.kind).toBe('restart')
      if (decision.kind === 'restart') s.clock.advance(decision.delayMs)
    }
    expect(s.launches()).toBe(1 + POLICY.quickRestartsMax)
    expect(await s.ended()).toBeUndefined()
    expect(s.crashAfter(10)).toEqual({ kind: 'give-up', restarts: POLICY.quickRestartsMax })
    s.clock.advance(3_600_000)
    expect(s.launches()).toBe(1 + POLICY.quickRestartsMax)
    expect(await s.ended()).toBe(false)
    // The cluster's stop finds nothing to signal.
    expect(s.supervisor.stop()).toBe(false)
  })

  test('a process that dies before it ever served is not restarted: the cluster does not start', async () => {
    const s = supervised()
    s.supervisor.start()
    s.clock.advance(500)
    expect(s.supervisor.exited(false)).toEqual({ kind: 'never-started' })
    s.clock.advance(60_000)
    expect(s.launches()).toBe(1)
    expect(await s.ended()).toBe(false)
  })

  test('stopped while it runs: no restart; done says whether its exit was clean', async () => {
    for (const clean of [true, false]) {
      const s = supervised()
      s.supervisor.start()
      s.supervisor.serving()
      expect(s.supervisor.stop()).toBe(true)
      expect(await s.ended()).toBeUndefined()
      expect(s.supervisor.exited(clean)).toEqual({ kind: 'stopped' })
      s.clock.advance(60_000)
      expect(s.launches()).toBe(1)
      expect(await s.ended()).toBe(clean)
    }
  })

  test('stopped during a backoff: the pending restart is cancelled and it ends at once, unclean', async () => {
    const s = supervised()
    s.supervisor.start()
    expect(s.crashAfter(5_000).kind).toBe('restart')
    s.clock.advance(500)
    expect(s.supervisor.stop()).toBe(false)
    expect(await s.ended()).toBe(false)
    s.clock.advance(60_000)
    expect(s.launches()).toBe(1)
  })

  test('stopped during a restart (started, not serving yet): its exit is not restarted', async () => {
    const s = supervised()
    s.supervisor.start()
    expect(s.crashAfter(5_000).kind).toBe('restart')
    s.clock.advance(1_000)
    expect(s.launches()).toBe(2)
    expect(s.supervisor.stop()).toBe(true)
    // Killed by the signal before it could install its handler.
    expect(s.supervisor.exited(false)).toEqual({ kind: 'stopped' })
    s.clock.advance(60_000)
    expect(s.launches()).toBe(2)
    expect(await s.ended()).toBe(false)
  })

  test('the shipped policy: 1 s first, a 30 s cap, and it gives up after six quick restarts (about a minute of trying)', () => {
    const s = supervised(RESTART_POLICY)
    s.supervisor.start()
    const delays: number[] = []
    for (;;) {
      const decision = s.crashAfter(10)
      if (decision.kind !== 'restart') break
      delays.push(decision.delayMs)
      s.clock.advance(decision.delayMs)
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000])
  })
})
