// Reads waiting for the applied frontier (ARCHITECTURE.md step 2): a read at startTs waits until
// storage has applied everything up to startTs, or fails with 57014 after its timeout.
import type { HlcTimestamp, TimerHandle, Timers } from '../clock/index.ts'
import { assert, queryCanceled, SqlError } from '../errors/index.ts'
import { FRONTIER_WAIT_MS_MAX, FRONTIER_WAITERS_MAX } from './constants.ts'

interface Waiter {
  readonly ts: HlcTimestamp
  readonly resolve: () => void
  readonly reject: (e: Error) => void
  timer: TimerHandle | undefined
}

/** Waiters kept sorted by ts, so waking is a prefix cut and costs nothing for waiters not due. */
export class FrontierWaiters {
  readonly #timers: Timers
  readonly #waitersMax: number
  #waiters: Waiter[] = []

  constructor(timers: Timers, waitersMax = FRONTIER_WAITERS_MAX) {
    this.#timers = timers
    this.#waitersMax = waitersMax
  }

  get size(): number {
    return this.#waiters.length
  }

  /** A promise that `wake` resolves once the frontier reaches `ts`, rejected after `timeoutMs`. */
  wait(ts: HlcTimestamp, timeoutMs: number, shardId: number): Promise<void> {
    if (!(timeoutMs >= 0)) assert(false, `bad wait timeout ${timeoutMs}`)
    const waitMs = Math.min(timeoutMs, FRONTIER_WAIT_MS_MAX)
    if (this.#waiters.length >= this.#waitersMax) {
      return Promise.reject(
        new SqlError('53000', `too many reads waiting for storage shard ${shardId}`, {
          hint: 'Retry later: the region is overloaded or its journals are stalled.',
        }),
      )
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { ts, resolve, reject, timer: undefined }
      this.#insert(waiter)
      waiter.timer = this.#timers.setTimeout(() => {
        this.#remove(waiter)
        const why = `storage shard ${shardId} did not reach timestamp ${ts} within ${waitMs} ms`
        reject(queryCanceled(`canceling read: ${why}`))
      }, waitMs)
    })
  }

  /** Resolves every waiter at or below `frontierTs`. */
  wake(frontierTs: HlcTimestamp): void {
    let due = 0
    while (due < this.#waiters.length && (this.#waiters[due] as Waiter).ts <= frontierTs) due++
    if (due === 0) return
    const woken = this.#waiters.splice(0, due)
    for (const w of woken) {
      w.timer?.cancel()
      w.resolve()
    }
  }

  /** Rejects every waiter with `error` (the shard is closing). */
  failAll(error: Error): void {
    const all = this.#waiters
    this.#waiters = []
    for (const w of all) {
      w.timer?.cancel()
      w.reject(error)
    }
  }

  #insert(waiter: Waiter): void {
    let lo = 0
    let hi = this.#waiters.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#waiters[mid] as Waiter).ts <= waiter.ts) lo = mid + 1
      else hi = mid
    }
    this.#waiters.splice(lo, 0, waiter)
  }

  #remove(waiter: Waiter): void {
    const i = this.#waiters.indexOf(waiter)
    if (i >= 0) this.#waiters.splice(i, 1)
  }
}
