// Virtual time for the deterministic simulator: time moves only when the simulation advances it.
import { assert } from '../errors/index.ts'
import type { Clock, Random, TimerHandle, Timers } from './index.ts'

interface Pending {
  readonly at: number
  readonly order: number
  readonly fn: () => void
  cancelled: boolean
}

/** A virtual clock with its own timer queue; `advance()` runs due timers in time order. */
export class SimClock implements Clock, Timers {
  #nowMs: number
  #order = 0
  #queue: Pending[] = []

  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs
  }

  wallMs(): number {
    return this.#nowMs
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry: Pending = { at: this.#nowMs + Math.max(0, ms), order: this.#order++, fn, cancelled: false }
    this.#queue.push(entry)
    return { cancel: () => void (entry.cancelled = true) }
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms))
  }

  /** For tests: lets microtasks run and advances a millisecond at a time until `promise`
   * settles or `msMax` virtual ms passed; returns `promise` (which may still be pending). */
  async runUntil<T>(promise: Promise<T>, msMax: number): Promise<T> {
    let settled = false
    promise.finally(() => (settled = true)).catch(() => {})
    for (let i = 0; i < msMax && !settled; i++) {
      await new Promise<void>((r) => setImmediate(r))
      this.advance(1)
    }
    return promise
  }

  /** Time of the next pending timer, or undefined when none is pending. */
  nextAt(): number | undefined {
    this.#queue = this.#queue.filter((p) => !p.cancelled)
    let best: Pending | undefined
    for (const p of this.#queue) if (!best || p.at < best.at || (p.at === best.at && p.order < best.order)) best = p
    return best?.at
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in (time, creation) order. */
  advance(ms: number): void {
    assert(ms >= 0, 'time cannot go backwards')
    const target = this.#nowMs + ms
    while (this.#fireNext(target, true));
    this.#nowMs = target
  }

  /** Moves time forward by `ms` at once, then fires the timers that fell due, in (time, creation)
   * order, with the clock already at the new time: a timer that re-arms itself fires once, not
   * once per period. For tests that need a later time (another day), not what happens between. */
  jump(ms: number): void {
    assert(ms >= 0, 'time cannot go backwards')
    this.#nowMs += ms
    while (this.#fireNext(this.#nowMs, false));
  }

  /** Fires the first timer due at or before `limit` (moving the clock to its time if `atItsTime`);
   * false when there is none. */
  #fireNext(limit: number, atItsTime: boolean): boolean {
    const at = this.nextAt()
    if (at === undefined || at > limit) return false
    const due = this.#queue
      .filter((p) => p.at === at)
      .sort((a, b) => a.order - b.order)[0]
    assert(due, 'timer queue lost an entry')
    this.#queue = this.#queue.filter((p) => p !== due)
    if (atItsTime) this.#nowMs = at
    due.fn()
    return true
  }
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same run. */
export class SeededRandom implements Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
}
