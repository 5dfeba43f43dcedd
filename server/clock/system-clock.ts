// The real time, timers and randomness of the host; the only file that touches them.
import { randomBytes } from 'node:crypto'
import { setImmediate } from 'node:timers'
import type { Clock, Random, TimerHandle, Timers } from './index.ts'

/** How late a timer may fire before it first yields a turn to I/O (see `setTimeout`). Above the
 * lag of a loaded event loop, so timers of a busy region (not a held one) run at once. */
const LATE_TIMER_MS = 100

/** A pending timer must never keep a process alive that is otherwise done. */
function unref(handle: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  ;(handle as { unref?: () => void }).unref?.()
  return handle
}

/** Runs `fn` once the event loop has polled for I/O: an immediate set from an immediate runs in
 * the next turn, after its poll (Bun runs a first immediate before it; Node and Deno after). */
function afterIo(fn: () => void): TimerHandle {
  let cancelled = false
  setImmediate(() => {
    if (!cancelled) setImmediate(() => cancelled || fn())
  })
  return { cancel: () => void (cancelled = true) }
}

/** Wall-clock time and runtime timers. */
export class SystemClock implements Clock, Timers {
  /** The host's wall clock, as NTP keeps it: regions compare HLC timestamps on the assumption
   * that their clocks agree within the topology's error bound, which `timeOrigin + now()` (the
   * process start plus a monotonic count) stops being true of as the host clock is corrected.
   * Millisecond resolution is what the HLC uses; it is also the cheaper call. */
  wallMs(): number {
    return Date.now()
  }

  /** The runtime's monotonic count, to the microsecond and below. */
  monotonicMs(): number {
    return performance.now()
  }

  /** Runs `fn` after `ms`; with `ms` 0, after the I/O waiting now (a SELECT between two slices),
   * without the runtime's clamp of a 0 ms timer to 1 ms. A timer whose time passed while the
   * thread was held (a long statement, a paused process) by more than LATE_TIMER_MS also waits
   * for that I/O: what arrived meanwhile is handled first, so a link is not judged silent, nor a
   * call timed out, with the proof of life or the reply already waiting on the socket. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (ms <= 0) return afterIo(fn)
    const dueMs = performance.now() + ms
    let late: TimerHandle | undefined
    const handle = unref(
      setTimeout(() => {
        if (performance.now() - dueMs <= LATE_TIMER_MS) return fn()
        late = afterIo(fn)
      }, ms),
    )
    return {
      cancel: () => {
        clearTimeout(handle)
        late?.cancel()
      },
    }
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
