// `tessera cluster` keeps its regions running (API.md "Running"): when a region's process dies
// while the cluster runs, this decides whether to start it again, after how long, and when to give
// up on it. It only decides and schedules, on an injected clock and timers; starting and killing
// processes is cli/cluster.ts's. A region restarted on its own data directory recovers from its
// journals as on any restart.
import type { Clock, TimerHandle, Timers } from '../server/clock/index.ts'
import { assert } from '../server/errors/index.ts'

/** The first wait before a restart: long enough for the dead process's port and files to be
 * released and for a crash loop not to spin the CPU, short enough that a region restarted once is
 * often back before its peers fail it over (2 s); later, longer waits lose to the failover, and
 * the region returns as a failed-over one. */
export const RESTART_BACKOFF_MS_MIN = 1_000

/** The longest wait between restarts: each quick failure doubles the wait up to this. */
export const RESTART_BACKOFF_MS_MAX = 30_000

/** A process that served this long before it exited was healthy: its exit starts the count of
 * quick failures and the backoff afresh. Far longer than a region takes to start and recover
 * (a few seconds), so a region that crashes soon after every start never resets it. */
export const HEALTHY_AFTER_MS = 60_000

/** Restarts in a row that each failed quickly (the process exited before serving
 * HEALTHY_AFTER_MS) after which the supervisor gives up on a region instead of restarting it
 * again: the fault is then in the region's data or configuration, not a passing crash, and
 * restarting it for ever would bury the first error in the output. With the backoff this is
 * about a minute of trying (1 + 2 + 4 + 8 + 16 + 30 s). */
export const QUICK_RESTARTS_MAX = 6

/** When to restart; the constants above unless a test chooses smaller ones. */
export interface RestartPolicy {
  readonly backoffMsMin: number
  readonly backoffMsMax: number
  readonly healthyAfterMs: number
  readonly quickRestartsMax: number
}

export const RESTART_POLICY: RestartPolicy = {
  backoffMsMin: RESTART_BACKOFF_MS_MIN,
  backoffMsMax: RESTART_BACKOFF_MS_MAX,
  healthyAfterMs: HEALTHY_AFTER_MS,
  quickRestartsMax: QUICK_RESTARTS_MAX,
}

/** What the supervisor does about an exit of its process. */
export type ExitDecision =
  /** Started again after `delayMs`; `failures`: exits in a row with no healthy run between
   * (this one included). */
  | { readonly kind: 'restart'; readonly delayMs: number; readonly failures: number }
  /** Not started again: its last `restarts` restarts each failed quickly. */
  | { readonly kind: 'give-up'; readonly restarts: number }
  /** Exited before it ever served: a configuration error (a port taken, a bad topology) that a
   * restart would repeat. Not started again; the cluster does not start. */
  | { readonly kind: 'never-started' }
  /** Exited while the cluster stops: not started again. */
  | { readonly kind: 'stopped' }

/** The supervisor of one region's process. */
export interface SupervisorOptions {
  readonly clock: Clock
  readonly timers: Timers
  /** Starts the process (the first time, and each restart). Its exit must be told to `exited`. */
  readonly start: () => void
  readonly policy?: RestartPolicy
}

/**
 * The life of one supervised process: `start` → (`serving`) → `exited` → a restart after a
 * backoff, or the end. `stop` (the cluster's shutdown) ends it: no restart after it, a pending
 * one is cancelled. `done` resolves once it has ended for good, with whether its process
 * stopped cleanly (its last exit was clean and came during the shutdown).
 */
export class Supervisor {
  readonly #o: SupervisorOptions
  readonly #policy: RestartPolicy
  #state: 'idle' | 'running' | 'waiting' | 'ended' = 'idle'
  #stopping = false
  /** When the running process began serving; undefined until it does. */
  #servingSinceMs: number | undefined
  #everServed = false
  /** Exits in a row with no healthy run between. */
  #failures = 0
  #restarts = 0
  #pending: TimerHandle | undefined
  #end!: (clean: boolean) => void
  /** Resolves once the process is down for good: whether it stopped cleanly. */
  readonly done: Promise<boolean> = new Promise((resolve) => (this.#end = resolve))

  constructor(options: SupervisorOptions) {
    this.#o = options
    this.#policy = options.policy ?? RESTART_POLICY
    const p = this.#policy
    assert(p.backoffMsMin > 0 && p.backoffMsMin <= p.backoffMsMax && p.quickRestartsMax >= 1, 'a restart policy waits and tries at least once')
  }

  /** Whether a process is running now (started and not yet exited). */
  get running(): boolean {
    return this.#state === 'running'
  }

  /** Restarts so far (not counting the first start). */
  get restarts(): number {
    return this.#restarts
  }

  /** Starts the process the first time. */
  start(): void {
    assert(this.#state === 'idle', 'a supervisor starts its process once')
    this.#launch()
  }

  /** The running process began serving. */
  serving(): void {
    if (this.#state !== 'running' || this.#servingSinceMs !== undefined) return
    this.#servingSinceMs = this.#o.clock.wallMs()
    this.#everServed = true
  }

  /** The process exited (`clean`: exit code 0); decides what follows and schedules a restart. */
  exited(clean: boolean): ExitDecision {
    assert(this.#state === 'running', 'only a running process exits')
    const servedMs = this.#servingSinceMs === undefined ? 0 : this.#o.clock.wallMs() - this.#servingSinceMs
    this.#servingSinceMs = undefined
    if (this.#stopping) return this.#finish(clean, { kind: 'stopped' })
    if (!this.#everServed) return this.#finish(false, { kind: 'never-started' })
    const p = this.#policy
    this.#failures = servedMs >= p.healthyAfterMs ? 1 : this.#failures + 1
    if (this.#failures > p.quickRestartsMax) return this.#finish(false, { kind: 'give-up', restarts: p.quickRestartsMax })
    const delayMs = Math.min(p.backoffMsMax, p.backoffMsMin * 2 ** (this.#failures - 1))
    this.#state = 'waiting'
    this.#pending = this.#o.timers.setTimeout(() => {
      this.#pending = undefined
      if (this.#state !== 'waiting') return
      this.#restarts++
      this.#launch()
    }, delayMs)
    return { kind: 'restart', delayMs, failures: this.#failures }
  }

  /** The cluster stops: nothing is started from now on. Returns whether a process is running
   * (the caller signals it, and tells its exit to `exited` as usual). A region waiting for its
   * restart ends at once, unclean: its last process died. */
  stop(): boolean {
    this.#stopping = true
    if (this.#state === 'waiting') {
      this.#pending?.cancel()
      this.#pending = undefined
      this.#finish(false, { kind: 'stopped' })
    }
    if (this.#state === 'idle') this.#finish(true, { kind: 'stopped' })
    return this.#state === 'running'
  }

  #launch(): void {
    this.#state = 'running'
    this.#o.start()
  }

  #finish(clean: boolean, decision: ExitDecision): ExitDecision {
    this.#state = 'ended'
    this.#end(clean)
    return decision
  }
}
