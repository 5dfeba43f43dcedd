// The commits across regions a coordinator's run gave up (ARCHITECTURE.md step 4, "Several
// partitions"), remembered for a while: a participant whose abort finish was lost asks about them
// (region/orphaned-prepares.ts) instead of holding the keys until the lapse.
import type { Clock } from '../clock/index.ts'
import { assert } from '../errors/index.ts'
import { GIVEN_UP_KEPT_MS, GIVEN_UP_REMEMBERED } from './constants.ts'

/** How many, and for how long; defaults in constants.ts. */
export interface GivenUpLimits {
  readonly remembered: number
  readonly keptMs: number
}

/**
 * The txIds this run finished without a commit record: it told every participant so (a finish
 * without commitTs, which the network may have lost) and never appends one for them (see
 * `has`). Bounded in count and age, the oldest forgotten first; a txId not here (forgotten, still
 * in flight, or committed) says nothing. One per run, kept when the adjudicators are replaced.
 */
export class GivenUp {
  readonly #clock: Clock
  readonly #limits: GivenUpLimits
  /** When each was given up (wall ms), in that order. */
  readonly #atMs = new Map<string, number>()

  constructor(clock: Clock, limits: GivenUpLimits = { remembered: GIVEN_UP_REMEMBERED, keptMs: GIVEN_UP_KEPT_MS }) {
    assert(limits.remembered >= 1 && limits.keptMs > 0, 'a give-up must be remembered for a while')
    this.#clock = clock
    this.#limits = limits
  }

  /** `txId` was given up: nothing was appended for it, and nothing will be. */
  add(txId: string): void {
    // Given up twice (a duplicate of its commit, see adjudicators.ts): kept from the last time.
    this.#atMs.delete(txId)
    this.#atMs.set(txId, this.#clock.wallMs())
    this.#trim()
  }

  /** Whether `txId` was given up (and is still remembered). The coordinator asks before it
   * appends, so that a txId answered as given up never gets a record from this run. */
  has(txId: string): boolean {
    this.#trim()
    return this.#atMs.has(txId)
  }

  /** Those of `txIds` given up (and still remembered). */
  of(txIds: readonly string[]): string[] {
    this.#trim()
    return txIds.filter((txId) => this.#atMs.has(txId))
  }

  get size(): number {
    return this.#atMs.size
  }

  /** Forgets the oldest beyond the count, and those kept longer than allowed. In insertion order,
   * so by time (a clock stepped back only keeps a few a little longer; the count still holds). */
  #trim(): void {
    const cutoffMs = this.#clock.wallMs() - this.#limits.keptMs
    for (const [txId, atMs] of this.#atMs) {
      if (this.#atMs.size <= this.#limits.remembered && atMs >= cutoffMs) return
      this.#atMs.delete(txId)
    }
  }
}
