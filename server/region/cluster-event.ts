// What a region tells its operator about the cluster (ARCHITECTURE.md "Regions": a region that
// dies is failed over, its partitions move; links and the quorum they make): one event per
// change, never one per request, and link changes folded so that a flapping link stays a few lines.
import type { Clock, TimerHandle, Timers } from '../clock/index.ts'
import { CHANGE_KEYS_MAX } from './constants.ts'

/**
 * A significant change in the cluster as one region sees it. `region` and `by` are region names.
 * - `link`: the link to a full region went down or came up; `changes` counts the changes this
 *   event stands for (more than 1 when a flapping link was folded, see constants.ts `LINK_EVENT_INTERVAL_MS`).
 * - `quorum`: this region can (`reached`) or can no longer reach a majority of the regions;
 *   `reachable` counts this one too. Folded like links.
 * - `failed-over`: every journal of `region` is sealed (by `by`), at the seqs in `seals`; `self`
 *   when `region` is this one: it was failed over while away and serves without partitions of
 *   its own until its heir hands them back (`handed-back`).
 * - `took-over`: this region now owns `partitions` adjudicator partitions that were `region`'s.
 * - `handed-back`: `region`, failed over before, leads journal generation `generation`, which
 *   joined this region's merge: it owns its partitions again (`self` when it is this one). Not
 *   reported for a generation a failover had sealed already (any journal of it) when it joined.
 * - `disk`: a journal or storage shard of this region cannot write (`failing`: each failure's
 *   message, e.g. a full disk; `hint`: what to do), or, with `failing` undefined, every one can
 *   again (`was`: what failed). Also for a region alone, not only in a cluster. Told when it
 *   starts, changes or ends (looked for every second), never per failed attempt.
 */
export type ClusterEvent =
  | { readonly kind: 'link'; readonly peer: string; readonly up: boolean; readonly changes: number }
  | {
      readonly kind: 'quorum'
      readonly reached: boolean
      readonly reachable: number
      readonly regions: number
      readonly quorum: number
      readonly changes: number
    }
  | {
      readonly kind: 'failed-over'
      readonly region: string
      readonly by: string
      readonly self: boolean
      readonly seals: Readonly<Record<string, number>>
    }
  | { readonly kind: 'took-over'; readonly region: string; readonly partitions: number }
  | { readonly kind: 'handed-back'; readonly region: string; readonly generation: number; readonly self: boolean }
  | { readonly kind: 'disk'; readonly failing: string | undefined; readonly hint?: string; readonly was?: string | undefined }

/** Told of each cluster event (the CLI writes one line to stderr). Must not throw. */
export type ClusterEventSink = (event: ClusterEvent) => void

interface Folded<T> {
  /** The latest state, reported or not. */
  state: T
  /** Changes since the last report. */
  changes: number
  /** When the last reports went out (ms of the clock), oldest first, at most `perInterval`. */
  readonly reportedAtMs: number[]
  /** The report due once the oldest report leaves the interval, when changes were folded. */
  timer: TimerHandle | undefined
}

/** Reports changes of states by key, at most `perInterval` reports per key in any `intervalMs`:
 * at once while within that, else folded into one report, when the interval allows, that names
 * the last state and how many changes it stands for. */
export class ChangeReporter<T> {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #intervalMs: number
  readonly #perInterval: number
  readonly #report: (key: string, state: T, changes: number) => void
  readonly #keys = new Map<string, Folded<T>>()
  #closed = false

  constructor(options: {
    readonly clock: Clock
    readonly timers: Timers
    readonly intervalMs: number
    readonly perInterval: number
    readonly report: (key: string, state: T, changes: number) => void
  }) {
    this.#clock = options.clock
    this.#timers = options.timers
    this.#intervalMs = options.intervalMs
    this.#perInterval = options.perInterval
    this.#report = options.report
  }

  /** `key` changed to `state`. */
  change(key: string, state: T): void {
    if (this.#closed) return
    let folded = this.#keys.get(key)
    if (folded === undefined) {
      if (this.#keys.size >= CHANGE_KEYS_MAX) return
      folded = { state, changes: 0, reportedAtMs: [], timer: undefined }
      this.#keys.set(key, folded)
    }
    folded.state = state
    folded.changes++
    if (folded.timer !== undefined) return
    const oldestMs = folded.reportedAtMs.length < this.#perInterval ? -Infinity : (folded.reportedAtMs[0] as number)
    const waitMs = oldestMs + this.#intervalMs - this.#clock.wallMs()
    if (waitMs <= 0) {
      this.#flush(key, folded)
      return
    }
    folded.timer = this.#timers.setTimeout(() => {
      folded.timer = undefined
      if (!this.#closed) this.#flush(key, folded)
    }, waitMs)
  }

  close(): void {
    this.#closed = true
    for (const folded of this.#keys.values()) folded.timer?.cancel()
  }

  #flush(key: string, folded: Folded<T>): void {
    if (folded.changes === 0) return
    const changes = folded.changes
    folded.changes = 0
    folded.reportedAtMs.push(this.#clock.wallMs())
    if (folded.reportedAtMs.length > this.#perInterval) folded.reportedAtMs.shift()
    this.#report(key, folded.state, changes)
  }
}
