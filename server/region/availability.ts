// Whether a region of a cluster can begin transactions (ARCHITECTURE.md "Regions" and step 2): a
// snapshot needs the closed timestamps of every full region's journals (but those failed over for
// good), and a region that reaches no majority of the regions cannot tell that the others have
// not failed it over and moved on, nor commit. It answers 57P03 at once then, tells the begins
// already waiting for the frontier as soon as it learns it, reports the state to health checks,
// and reports link and quorum changes as cluster events.
import type { Clock, Timers } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import type { Transport } from '../net/index.ts'
import { ChangeReporter, type ClusterEventSink } from './cluster-event.ts'
import { FRONTIER_LOSS_LISTENERS_MAX, LINK_EVENT_INTERVAL_MS, LINK_EVENTS_PER_INTERVAL } from './constants.ts'
import { quorumOf, type Topology } from './topology.ts'

/** What `Availability` watches. */
export interface AvailabilityOptions {
  readonly self: string
  readonly topology: Topology
  readonly transport: Transport
  /** Whether a full region was failed over for good (every journal of it sealed): its journals'
   * closed timestamps are infinite, so reads here no longer need it. */
  readonly isFullyOut: (region: string) => boolean
  readonly clock: Clock
  readonly timers: Timers
  readonly onEvent?: ClusterEventSink | undefined
}

/** Called once with the 57P03 a begin would get now. */
type LossListener = (error: SqlError) => void

/** See the file comment. One per region (full or witness; a witness begins no transactions: it
 * reports events and, through `reason`, its health). */
export class Availability {
  readonly #o: AvailabilityOptions
  /** Full regions other than this one, in topology order. */
  readonly #fullPeers: readonly string[]
  readonly #peers: readonly string[]
  readonly #quorum: number
  readonly #listeners = new Set<LossListener>()
  readonly #reporter: ChangeReporter<boolean>
  #quorumReached: boolean
  #closed = false

  constructor(options: AvailabilityOptions) {
    this.#o = options
    const { topology, self, transport } = options
    this.#fullPeers = topology.regions.filter((r) => r.role === 'full' && r.name !== self).map((r) => r.name)
    this.#peers = topology.regions.filter((r) => r.name !== self).map((r) => r.name)
    this.#quorum = quorumOf(topology)
    this.#quorumReached = this.#reachable() >= this.#quorum
    this.#reporter = new ChangeReporter<boolean>({
      clock: options.clock,
      timers: options.timers,
      intervalMs: LINK_EVENT_INTERVAL_MS,
      perInterval: LINK_EVENTS_PER_INTERVAL,
      report: (key, state, changes) => this.#report(key, state, changes),
    })
    transport.onLinkChange((peer, up) => this.#onLink(peer, up))
  }

  /** Throws 57P03 when this region cannot begin a transaction now (see `reason`). On every begin
   * of a cluster region: a loop over the regions, no allocation unless it throws. */
  check(): void {
    if (!this.#canBegin()) throw this.#error(this.reason() ?? 'the regions it needs are unreachable')
  }

  /** Why this region cannot begin transactions now, or undefined when it can: the full regions
   * it cannot reach (and needs), and a missing quorum. For health checks and 57P03. */
  reason(): string | undefined {
    const { transport, isFullyOut } = this.#o
    const reasons: string[] = []
    const unreachable = this.#fullPeers.filter((r) => !transport.isUp(r) && !isFullyOut(r))
    if (unreachable.length === 1) reasons.push(`region ${unreachable[0]} is unreachable`)
    if (unreachable.length > 1) reasons.push(`regions ${unreachable.join(', ')} are unreachable`)
    const reachable = this.#reachable()
    if (reachable < this.#quorum) {
      reasons.push(`no quorum: ${reachable} of the ${this.#peers.length + 1} regions in reach (this one included), ${this.#quorum} needed`)
    }
    return reasons.length === 0 ? undefined : reasons.join('; ')
  }

  /**
   * Calls `listener` once, with the 57P03 a begin would get, when this region cannot begin
   * transactions: at once if it cannot now, else when a link goes down and it no longer can. For
   * waits for the frontier (a begin's, a commit's before its acknowledgement), which would
   * otherwise wait out their timeout for a closed timestamp that cannot come. Returns what
   * unregisters it; call it when the wait ends.
   */
  watch(listener: LossListener): () => void {
    if (!this.#canBegin()) {
      listener(this.#error(this.reason() ?? 'the regions it needs are unreachable'))
      return () => {}
    }
    if (this.#listeners.size >= FRONTIER_LOSS_LISTENERS_MAX) throw new SqlError('53000', 'too many transactions waiting for the frontier')
    this.#listeners.add(listener)
    return () => void this.#listeners.delete(listener)
  }

  close(): void {
    this.#closed = true
    this.#reporter.close()
    this.#listeners.clear()
  }

  #error(reason: string): SqlError {
    return new SqlError('57P03', `region ${this.#o.self} cannot begin transactions now: ${reason}`, {
      hint: 'Retry, or use another region; GET /v1/health?ready=1 answers 200 once this one serves again.',
    })
  }

  /** The rule `reason` explains: a quorum in reach, and every full region not failed over for
   * good. On every begin and commit of a cluster region: a loop, no allocation. */
  #canBegin(): boolean {
    const { transport, isFullyOut } = this.#o
    if (this.#reachable() < this.#quorum) return false
    for (const region of this.#fullPeers) if (!transport.isUp(region) && !isFullyOut(region)) return false
    return true
  }

  /** Regions a message can reach now, this one included. */
  #reachable(): number {
    let reachable = 1
    for (const peer of this.#peers) if (this.#o.transport.isUp(peer)) reachable++
    return reachable
  }

  #onLink(peer: string, up: boolean): void {
    if (this.#closed) return
    if (this.#fullPeers.includes(peer)) this.#reporter.change(`link ${peer}`, up)
    const reached = this.#reachable() >= this.#quorum
    if (reached !== this.#quorumReached) {
      this.#quorumReached = reached
      this.#reporter.change('quorum', reached)
    }
    if (up || this.#listeners.size === 0 || this.#canBegin()) return
    const error = this.#error(this.reason() ?? 'the regions it needs are unreachable')
    const told = [...this.#listeners]
    this.#listeners.clear()
    for (const listener of told) listener(error)
  }

  #report(key: string, state: boolean, changes: number): void {
    const onEvent = this.#o.onEvent
    if (onEvent === undefined) return
    if (key === 'quorum') {
      const regions = this.#peers.length + 1
      onEvent({ kind: 'quorum', reached: state, reachable: this.#reachable(), regions, quorum: this.#quorum, changes })
    } else {
      onEvent({ kind: 'link', peer: key.slice('link '.length), up: state, changes })
    }
  }
}
