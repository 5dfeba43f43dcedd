// The real time, timers and randomness of the host; the only file that touches them.
import { randomBytes } from 'node:crypto'
import type { Clock, Random, TimerHandle, Timers } from './index.ts'

/** Wall-clock time and runtime timers. */
export class SystemClock implements Clock, Timers {
  /** The host's wall clock, as NTP keeps it: regions compare HLC timestamps on the assumption
   * that their clocks agree within the topology's error bound, which `timeOrigin + now()` (the
   * process start plus a monotonic count) stops being true of as the host clock is corrected.
   * Millisecond resolution is what the HLC uses; it is also the cheaper call. */
  wallMs(): number {
    return Date.now()
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = setTimeout(fn, ms)
    // A pending timer must never keep a process alive that is otherwise done.
    ;(handle as { unref?: () => void }).unref?.()
    return { cancel: () => clearTimeout(handle) }
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms))
  }
}

/** Cryptographic randomness from the host, drawn in blocks (one system call per 4 KiB, not per
 * transaction id). */
export class SystemRandom implements Random {
  #pool = Buffer.alloc(0)
  #used = 0

  next(): number {
    return this.#take(4).readUInt32BE(0) / 2 ** 32
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** A view of the pool, not a copy: a spent pool is replaced, never refilled in place, so no
   * two callers ever share bytes. */
  bytes(n: number): Uint8Array {
    return this.#take(n)
  }

  #take(n: number): Buffer {
    if (n > POOL_BYTES) return randomBytes(n)
    if (this.#used + n > this.#pool.length) {
      this.#pool = randomBytes(POOL_BYTES)
      this.#used = 0
    }
    const out = this.#pool.subarray(this.#used, this.#used + n)
    this.#used += n
    return out
  }
}

const POOL_BYTES = 4096
