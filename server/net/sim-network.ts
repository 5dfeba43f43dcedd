// The simulated network of the deterministic simulator (ARCHITECTURE.md "net", STYLE.md
// "Determinism"): every region's Transport in one process, on virtual time, faults by seed.
import type { Clock, Random, Timers } from '../clock/index.ts'
import { assert } from '../errors/index.ts'
import { MESSAGE_BYTES_MAX, QUEUE_BYTES_MAX, QUEUE_MESSAGES_MAX } from './constants.ts'
import { DelayLine } from './delay-line.ts'
import type { LinkFaults, PeerMessage, Transport } from './index.ts'

/** How a `SimNetwork` is built. */
export interface SimNetworkOptions {
  /** Virtual time (a `SimClock`): delays and notifications are its timers. */
  readonly timers: Timers & Clock
  /** The seeded source of every fault decision. */
  readonly random: Random
  /** Faults of every link direction without its own `setFaults`. */
  readonly faults?: LinkFaults
}

const LIMITS = { messagesMax: QUEUE_MESSAGES_MAX, bytesMax: QUEUE_BYTES_MAX }
const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`)
const dirKey = (from: string, to: string) => `${from}\u0000${to}`

/**
 * An in-process network. A link between two regions is up while both have an open transport
 * and neither a `partition` nor an `isolate` cuts them; when it goes down, messages in flight on
 * it are lost, and its handlers hear of the change on a timer of delay 0. Every delivery is a
 * timer of the virtual clock and every fault decision a draw from the seeded random, so the same
 * seed and the same calls give the same deliveries in the same order.
 */
export class SimNetwork {
  readonly #clock: Timers & Clock
  readonly #random: Random
  #defaultFaults: LinkFaults
  readonly #names = new Set<string>()
  readonly #open = new Map<string, SimTransport>()
  readonly #faults = new Map<string, LinkFaults>()
  readonly #lines = new Map<string, DelayLine<string>>()
  readonly #up = new Set<string>()
  readonly #cuts = new Set<string>()
  readonly #isolated = new Set<string>()
  readonly #clogUntil = new Map<string, number>()

  constructor(options: SimNetworkOptions) {
    this.#clock = options.timers
    this.#random = options.random
    this.#defaultFaults = options.faults ?? {}
  }

  /**
   * Opens the transport of region `name` (again, after its previous one was closed: a restart).
   * `peers` fixes its peer list; by default every other name this network has seen.
   */
  transport(name: string, peers?: readonly string[]): Transport {
    assert(!this.#open.has(name), `region ${name} already has an open transport`)
    this.#names.add(name)
    for (const p of peers ?? []) this.#names.add(p)
    const t = new SimTransport(name, peers, {
      send: (to, message) => this.#send(t, to, message),
      isUp: (peer) => this.#up.has(pairKey(name, peer)),
      names: () => [...this.#names].filter((n) => n !== name).sort(),
      close: () => {
        this.#open.delete(name)
        this.#refresh()
      },
    })
    this.#open.set(name, t)
    this.#refresh()
    return t
  }

  /** Sets the faults of messages from `from` to `to` (one direction), from now on. */
  setFaults(from: string, to: string, faults: LinkFaults): void {
    this.#faults.set(dirKey(from, to), faults)
  }

  /** Sets the faults of every link direction that has none of its own. */
  setDefaultFaults(faults: LinkFaults): void {
    this.#defaultFaults = faults
  }

  /** The faults in force from `from` to `to`. */
  faults(from: string, to: string): LinkFaults {
    return this.#faults.get(dirKey(from, to)) ?? this.#defaultFaults
  }

  /** Cuts the link between `a` and `b` (both directions) until `heal()`. */
  partition(a: string, b: string): void {
    this.#cuts.add(pairKey(a, b))
    this.#refresh()
  }

  /** Cuts every link of `name` until `heal()`. */
  isolate(name: string): void {
    this.#isolated.add(name)
    this.#refresh()
  }

  /** Removes every partition and isolation (link faults and clogs stay). */
  heal(): void {
    this.#cuts.clear()
    this.#isolated.clear()
    this.#refresh()
  }

  /** Holds every message to or from `name` sent in the next `ms` until then (nothing is lost). */
  clog(name: string, ms: number): void {
    assert(ms >= 0, 'clog duration must not be negative')
    const until = this.#clock.wallMs() + ms
    this.#clogUntil.set(name, Math.max(this.#clogUntil.get(name) ?? 0, until))
  }

  #send(from: SimTransport, to: string, message: PeerMessage): boolean {
    if (!this.#up.has(pairKey(from.self, to))) return false
    const line = this.#lines.get(dirKey(from.self, to))
    assert(line, `link ${from.self} -> ${to} is up without a line`)
    const frame = JSON.stringify(message)
    const bytes = Buffer.byteLength(frame)
    if (bytes > MESSAGE_BYTES_MAX) return false
    const notBefore = Math.max(this.#clogUntil.get(from.self) ?? 0, this.#clogUntil.get(to) ?? 0)
    return line.push(frame, bytes, this.faults(from.self, to), LIMITS, notBefore) !== 'full'
  }

  /** Brings every link to the state its ends and cuts call for, and tells the ends of changes. */
  #refresh(): void {
    const names = [...this.#names].sort()
    for (const a of names) {
      for (const b of names) {
        if (a >= b) continue
        const key = pairKey(a, b)
        const want =
          this.#open.has(a) &&
          this.#open.has(b) &&
          !this.#cuts.has(key) &&
          !this.#isolated.has(a) &&
          !this.#isolated.has(b)
        if (want === this.#up.has(key)) continue
        if (want) {
          this.#up.add(key)
          this.#openLine(a, b)
          this.#openLine(b, a)
        } else {
          this.#up.delete(key)
          this.#closeLine(a, b)
          this.#closeLine(b, a)
        }
        this.#notify(a, b, want)
        this.#notify(b, a, want)
      }
    }
  }

  #openLine(from: string, to: string): void {
    const receiver = this.#open.get(to)
    assert(receiver, `link to ${to} opened without its transport`)
    const line = new DelayLine<string>({
      clock: this.#clock,
      timers: this.#clock,
      random: this.#random,
      immediate: false,
      deliver: (frame) => receiver.receive(from, JSON.parse(frame) as PeerMessage),
    })
    this.#lines.set(dirKey(from, to), line)
  }

  #closeLine(from: string, to: string): void {
    this.#lines.get(dirKey(from, to))?.close()
    this.#lines.delete(dirKey(from, to))
  }

  #notify(self: string, peer: string, up: boolean): void {
    const t = this.#open.get(self)
    // A transport that is closing reports its links down itself, at once.
    if (!t) return
    this.#clock.setTimeout(() => t.linkChanged(peer, up), 0)
  }
}

interface SimHooks {
  send(to: string, message: PeerMessage): boolean
  isUp(peer: string): boolean
  names(): string[]
  close(): void
}

/** One region's end of a `SimNetwork`. */
class SimTransport implements Transport {
  readonly self: string
  readonly #peers: readonly string[] | undefined
  readonly #hooks: SimHooks
  readonly #messageHandlers: ((from: string, message: PeerMessage) => void)[] = []
  readonly #linkHandlers: ((peer: string, up: boolean) => void)[] = []
  /** What the handlers were last told, so they only hear of changes. */
  readonly #reported = new Set<string>()
  #closed = false

  constructor(self: string, peers: readonly string[] | undefined, hooks: SimHooks) {
    this.self = self
    this.#peers = peers
    this.#hooks = hooks
  }

  send(to: string, message: PeerMessage): boolean {
    assert(to !== this.self, 'a region does not send to itself')
    return !this.#closed && this.#hooks.send(to, message)
  }

  onMessage(handler: (from: string, message: PeerMessage) => void): void {
    this.#messageHandlers.push(handler)
  }

  onLinkChange(handler: (peer: string, up: boolean) => void): void {
    this.#linkHandlers.push(handler)
  }

  peers(): readonly string[] {
    return this.#peers ?? this.#hooks.names()
  }

  isUp(peer: string): boolean {
    return !this.#closed && this.#hooks.isUp(peer)
  }

  keepAlive(): void {
    // Simulated links never go down by silence (see Transport.keepAlive).
  }

  async close(): Promise<void> {
    if (this.#closed) return
    for (const peer of [...this.#reported].sort()) this.linkChanged(peer, false)
    this.#closed = true
    this.#hooks.close()
  }

  /** Called by the network's delivery timers. */
  receive(from: string, message: PeerMessage): void {
    if (this.#closed) return
    for (const h of this.#messageHandlers) h(from, message)
  }

  /** Called by the network's notification timers (and by `close`). */
  linkChanged(peer: string, up: boolean): void {
    if (this.#closed || up === this.#reported.has(peer)) return
    // A notification that lags behind a newer change would report a state that no longer holds.
    if (up !== this.#hooks.isUp(peer) && up) return
    if (up) this.#reported.add(peer)
    else this.#reported.delete(peer)
    for (const h of this.#linkHandlers) h(peer, up)
  }
}
