// Fault injection for one direction of a link (ARCHITECTURE.md "net"): delay with jitter, loss,
// partition, and for the simulator duplicates and reordering. Shared by both transports.
import type { Clock, Random, TimerHandle, Timers } from '../clock/index.ts'
import { assert } from '../errors/index.ts'
import type { LinkFaults } from './index.ts'

interface Entry<T> {
  readonly at: number
  readonly item: T
  readonly bytes: number
}

/** What `push` did with an item. */
export type PushOutcome = 'queued' | 'dropped' | 'full'

/** Limits of one line: it refuses an item that would take it past either. */
export interface DelayLineLimits {
  readonly messagesMax: number
  readonly bytesMax: number
}

/**
 * Holds items until their delivery time and hands them to `deliver` in time order. Without the
 * `reorder` fault an item is never delivered before one pushed earlier. When `immediate` is
 * set, an item with no delay is delivered inside `push` if nothing is waiting (the real socket
 * path); otherwise delivery always goes through a timer (the simulator: never re-entrant).
 */
export class DelayLine<T> {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #random: Random
  readonly #deliver: (item: T) => void
  readonly #immediate: boolean
  #queue: Entry<T>[] = []
  #bytes = 0
  #lastAt = -Infinity
  #timer: TimerHandle | undefined
  #timerAt = Infinity
  #closed = false

  constructor(options: {
    clock: Clock
    timers: Timers
    random: Random
    deliver: (item: T) => void
    immediate: boolean
  }) {
    this.#clock = options.clock
    this.#timers = options.timers
    this.#random = options.random
    this.#deliver = options.deliver
    this.#immediate = options.immediate
  }

  /** Items waiting. */
  get size(): number {
    return this.#queue.length
  }

  /** Bytes of the items waiting. */
  get bytes(): number {
    return this.#bytes
  }

  /**
   * Applies `faults` to `item` and queues it (or delivers it at once, see the class comment).
   * `notBeforeMs` holds it until then (the simulator's clog). Random numbers are drawn only for
   * faults that are set, so a fault-free run draws none.
   */
  push(
    item: T,
    bytes: number,
    faults: LinkFaults,
    limits: DelayLineLimits,
    notBeforeMs = 0,
  ): PushOutcome {
    assert(!this.#closed, 'push on a closed delay line')
    if (this.#queue.length + 1 > limits.messagesMax || this.#bytes + bytes > limits.bytesMax)
      return 'full'
    if (faults.partitioned) return 'dropped'
    if (chance(this.#random, faults.loss)) return 'dropped'
    this.#enqueue(item, bytes, faults, notBeforeMs)
    if (chance(this.#random, faults.duplicate)) this.#enqueue(item, bytes, faults, notBeforeMs)
    return 'queued'
  }

  /** Drops every waiting item and refuses further pushes (the link is gone). */
  close(): void {
    this.#closed = true
    this.#queue = []
    this.#bytes = 0
    this.#timer?.cancel()
    this.#timer = undefined
  }

  #enqueue(item: T, bytes: number, faults: LinkFaults, notBeforeMs: number): void {
    const now = this.#clock.wallMs()
    const jitter = (faults.jitterMs ?? 0) > 0 ? this.#random.next() * (faults.jitterMs ?? 0) : 0
    let at = Math.max(now + (faults.delayMs ?? 0) + jitter, notBeforeMs)
    const reordered = chance(this.#random, faults.reorder)
    if (!reordered) at = Math.max(at, this.#lastAt)
    if (this.#immediate && at <= now && this.#queue.length === 0) {
      this.#lastAt = Math.max(this.#lastAt, now)
      this.#deliver(item)
      return
    }
    if (!reordered) this.#lastAt = at
    const entry: Entry<T> = { at, item, bytes }
    let i = this.#queue.length
    while (i > 0 && (this.#queue[i - 1] as Entry<T>).at > at) i--
    this.#queue.splice(i, 0, entry)
    this.#bytes += bytes
    this.#arm()
  }

  #arm(): void {
    const head = this.#queue[0]
    if (!head || head.at >= this.#timerAt) return
    this.#timer?.cancel()
    this.#timerAt = head.at
    this.#timer = this.#timers.setTimeout(
      () => this.#fire(),
      Math.max(0, head.at - this.#clock.wallMs()),
    )
  }

  #fire(): void {
    this.#timer = undefined
    this.#timerAt = Infinity
    const now = this.#clock.wallMs()
    // Deliver everything due; a deliver callback may close the line, which empties the queue.
    while (!this.#closed) {
      const head = this.#queue[0]
      if (!head || head.at > now) break
      this.#queue.shift()
      this.#bytes -= head.bytes
      this.#deliver(head.item)
    }
    if (!this.#closed) this.#arm()
  }
}

function chance(random: Random, p: number | undefined): boolean {
  return p !== undefined && p > 0 && random.next() < p
}
