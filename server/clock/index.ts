// The hybrid logical clock (ARCHITECTURE.md "clock") and the injected sources of time, timers and
// randomness. Server code gets these through constructors, never from globals.
import { assert } from '../errors/index.ts'

/**
 * A hybrid logical clock timestamp: `physicalMs * LOGICAL_PER_MS + logical`, a safe integer.
 * Comparing two timestamps is comparing numbers. A bare `ts` in this codebase is always one.
 */
export type HlcTimestamp = number

/** Logical ticks per physical millisecond; the logical part overflows into the physical one. */
export const LOGICAL_PER_MS = 1000

/** The HLC timestamp at the start of physical millisecond `ms`. */
export const tsFromMs = (ms: number): HlcTimestamp => Math.floor(ms) * LOGICAL_PER_MS
/** The physical millisecond of `ts`. */
export const tsToMs = (ts: HlcTimestamp): number => Math.floor(ts / LOGICAL_PER_MS)

/** A physical time source: milliseconds since the Unix epoch, possibly fractional. */
export interface Clock {
  wallMs(): number
  /** A monotonic reading in fractional milliseconds from an arbitrary origin, for durations
   * finer than `wallMs` resolves (EXPLAIN ANALYZE's times); absent, callers use `wallMs`. */
  monotonicMs?(): number
}

/** A scheduled callback that can be cancelled; cancelling twice or after it ran is harmless. */
export interface TimerHandle {
  cancel(): void
}

/** Timer source. `SystemClock` uses the runtime's timers, `SimClock` virtual time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle
  /** Resolves after `ms` (of this source's time). */
  sleep(ms: number): Promise<void>
}

/** A source of randomness; seeded in the simulator. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [0, n). */
  int(n: number): number
  /** `n` random bytes. */
  bytes(n: number): Uint8Array
}

/**
 * The hybrid logical clock of one process. `now()` never decreases and never repeats; `update()`
 * folds in a timestamp seen from elsewhere (a commit, a peer), so every later `now()` exceeds it.
 */
export class Hlc {
  readonly #clock: Clock
  #last: HlcTimestamp = 0

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** A fresh timestamp, strictly greater than every earlier `now()` and `update()` argument. */
  now(): HlcTimestamp {
    const physical = tsFromMs(this.#clock.wallMs())
    this.#last = physical > this.#last ? physical : this.#last + 1
    assert(Number.isSafeInteger(this.#last), 'HLC timestamp left the safe integer range')
    return this.#last
  }

  /** Advances the clock past `ts` (never moves it back). */
  update(ts: HlcTimestamp): void {
    // The message is built only on failure: this runs several times per commit.
    if (!(Number.isSafeInteger(ts) && ts >= 0)) assert(false, `bad HLC timestamp ${ts}`)
    if (ts > this.#last) this.#last = ts
  }

  /** The last timestamp handed out or observed, without advancing. */
  last(): HlcTimestamp {
    return this.#last
  }

  /** The physical clock, in milliseconds. */
  wallMs(): number {
    return this.#clock.wallMs()
  }
}

/** `clock`'s wall time, never below what it answered before (a wall clock may step back: NTP, a
 * VM resumed). For bounds that must only move forward, such as a GC horizon and the age check
 * that has to agree with it. */
export function steadyWallClock(clock: Clock): Clock {
  let last = Number.NEGATIVE_INFINITY
  return {
    wallMs() {
      const now = clock.wallMs()
      if (now > last) last = now
      return last
    },
  }
}

export { SystemClock, SystemRandom } from './system-clock.ts'
export { SimClock, SeededRandom } from './sim-clock.ts'
