// The real peer transport (ARCHITECTURE.md "net"): one authenticated WebSocket per pair of
// regions, heartbeats to find dead links, reconnection with bounded backoff, injectable faults.
import type { Clock, Random, TimerHandle, Timers } from '../clock/index.ts'
import { assert } from '../errors/index.ts'
import {
  DEAD_AFTER_MS,
  HANDSHAKE_TIMEOUT_MS,
  HANDSHAKES_MAX,
  HEARTBEAT_MS,
  MESSAGE_BYTES_MAX,
  NONCE_BYTES,
  PEER_PATH,
  QUEUE_BYTES_MAX,
  QUEUE_MESSAGES_MAX,
  RECONNECT_MS_MAX,
  RECONNECT_MS_MIN,
} from './constants.ts'
import { DelayLine } from './delay-line.ts'
import type {
  LinkFaults,
  PeerMessage,
  SocketConnect,
  SocketHandlers,
  SocketLike,
  Transport,
} from './index.ts'
import { helloMac, macEquals, welcomeMac } from './peer-auth.ts'

/** How a `WebSocketTransport` is built. Durations default to the constants of the same name. */
export interface WebSocketTransportOptions {
  /** This region's name. */
  readonly self: string
  /**
   * Every peer by name, with the base URL of its HTTP port (`http://127.0.0.1:7001`). Only the
   * peers whose name sorts after `self` are dialed; the URLs of the others may be undefined.
   */
  readonly peers: Readonly<Record<string, string | undefined>>
  /** The cluster secret; both ends of every link must hold the same one. */
  readonly secret: string
  readonly clock: Clock
  readonly timers: Timers
  readonly random: Random
  /** Opens a client socket (`cli/peer-socket.ts` wraps the runtime's WebSocket). */
  readonly connect: SocketConnect
  readonly heartbeatMs?: number
  readonly deadAfterMs?: number
  readonly handshakeTimeoutMs?: number
  readonly reconnectMsMin?: number
  readonly reconnectMsMax?: number
  /** Initial faults of the frames sent to each peer (see `setFaults`). */
  readonly faults?: Readonly<Record<string, LinkFaults>>
}

type Frame =
  | { readonly t: 'challenge'; readonly nonce: string }
  | {
      readonly t: 'hello'
      readonly from: string
      readonly to: string
      readonly nonce: string
      readonly mac: string
    }
  | { readonly t: 'welcome'; readonly mac: string }
  | { readonly t: 'm'; readonly m: PeerMessage }
  | { readonly t: 'ping' }

/** One socket, from connection to close. Dialed sockets know their peer from the start. */
class Connection {
  readonly role: 'dial' | 'accept'
  peer: string | undefined
  state: 'handshake' | 'up' | 'closed' = 'handshake'
  socket: SocketLike | undefined
  /** The nonce this end sent (the acceptor's challenge, or the dialer's hello nonce). */
  nonce = ''
  helloSent = false
  readonly openedAtMs: number
  lastHeardMs: number
  readonly line: DelayLine<string>

  constructor(
    role: 'dial' | 'accept',
    peer: string | undefined,
    nowMs: number,
    line: (c: Connection) => DelayLine<string>,
  ) {
    this.role = role
    this.peer = peer
    this.openedAtMs = nowMs
    this.lastHeardMs = nowMs
    this.line = line(this)
  }
}

interface Dialer {
  conn: Connection | undefined
  failures: number
  timer: TimerHandle | undefined
}

const LIMITS = { messagesMax: QUEUE_MESSAGES_MAX, bytesMax: QUEUE_BYTES_MAX }
const NONCE_CHARS_MAX = 128

/**
 * A `Transport` over WebSockets. For each pair of regions the one whose name sorts first dials
 * `PEER_PATH` on the other (so there is one socket per pair and no duplicate to settle); the
 * other end hands each upgraded server socket to `accept`.
 *
 * Handshake: the acceptor sends a random nonce; the dialer answers with its name, the acceptor's
 * name, its own nonce and HMAC-SHA256(secret, `peer:from:to:acceptorNonce`); the acceptor checks
 * it (constant time) and answers HMAC-SHA256(secret, `welcome:to:from:dialerNonce`), which the
 * dialer checks. A failed check, an unexpected frame or a slow handshake closes the socket, and
 * nothing received on it is ever delivered. The nonces make a recorded handshake useless, and no
 * clock agreement between regions is needed.
 *
 * Liveness: every up link sends a ping each `heartbeatMs`, and `keepAlive` sends one at once
 * (from a turn that holds the thread, when the timer cannot fire); a link that hears nothing for
 * `deadAfterMs` is closed. The dialer reconnects after a lost or failed connection with
 * exponential, jittered backoff between `reconnectMsMin` and `reconnectMsMax`, forever, until
 * `close()`. A new authenticated connection from a peer replaces its old one (the old link is
 * reported down first: its messages in flight may be lost).
 *
 * Wiring (runtime adapters live in cli/, outside server/):
 * ```ts
 * const transport = new WebSocketTransport({ self, peers, secret, clock, timers, random,
 *   connect: connectPeerSocket })                                   // cli/peer-socket.ts
 * listen(app.fetch, port, host, {                                   // cli/serve.ts
 *   websocket: { path: PEER_PATH, onSocket: (socket) => transport.accept(socket) },
 * })
 * ```
 */
export class WebSocketTransport implements Transport {
  readonly self: string
  readonly #peers: Readonly<Record<string, string | undefined>>
  readonly #secret: string
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #random: Random
  readonly #connect: SocketConnect
  readonly #heartbeatMs: number
  readonly #deadAfterMs: number
  readonly #handshakeTimeoutMs: number
  readonly #reconnectMsMin: number
  readonly #reconnectMsMax: number
  readonly #faults = new Map<string, LinkFaults>()
  readonly #conns = new Set<Connection>()
  readonly #links = new Map<string, Connection>()
  readonly #dialers = new Map<string, Dialer>()
  readonly #messageHandlers: ((from: string, message: PeerMessage) => void)[] = []
  readonly #linkHandlers: ((peer: string, up: boolean) => void)[] = []
  #tick: TimerHandle | undefined
  /** When the last tick ran (clock ms). */
  #tickedAtMs: number
  #closed = false

  constructor(options: WebSocketTransportOptions) {
    this.self = options.self
    this.#peers = options.peers
    this.#secret = options.secret
    this.#clock = options.clock
    this.#timers = options.timers
    this.#random = options.random
    this.#connect = options.connect
    this.#heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS
    this.#deadAfterMs = options.deadAfterMs ?? DEAD_AFTER_MS
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS
    this.#reconnectMsMin = options.reconnectMsMin ?? RECONNECT_MS_MIN
    this.#reconnectMsMax = options.reconnectMsMax ?? RECONNECT_MS_MAX
    assert(!Object.hasOwn(this.#peers, this.self), 'a region is not its own peer')
    assert(
      this.#heartbeatMs * 2 <= this.#deadAfterMs,
      'a link must miss two pings before it is dead',
    )
    assert(options.secret.length > 0, 'peers need a cluster secret')
    for (const [peer, faults] of Object.entries(options.faults ?? {})) this.setFaults(peer, faults)
    for (const peer of Object.keys(this.#peers).sort()) {
      if (peer < this.self) continue
      assert(this.#peers[peer], `no URL for peer ${peer}, which ${this.self} must dial`)
      const dialer: Dialer = { conn: undefined, failures: 0, timer: undefined }
      this.#dialers.set(peer, dialer)
      // On a timer, so the owner registers its handlers before anything can happen.
      dialer.timer = this.#timers.setTimeout(() => this.#dial(peer), 0)
    }
    this.#tickedAtMs = this.#clock.wallMs()
    this.#armTick()
  }

  send(to: string, message: PeerMessage): boolean {
    const conn = this.#links.get(to)
    if (!conn || this.#closed) return false
    const frame = JSON.stringify({ t: 'm', m: message } satisfies Frame)
    const bytes = Buffer.byteLength(frame)
    if (bytes > MESSAGE_BYTES_MAX) return false
    const buffered = conn.socket?.bufferedAmount ?? 0
    const limits = { messagesMax: QUEUE_MESSAGES_MAX, bytesMax: QUEUE_BYTES_MAX - buffered }
    return conn.line.push(frame, bytes, this.faults(to), limits) !== 'full'
  }

  onMessage(handler: (from: string, message: PeerMessage) => void): void {
    this.#messageHandlers.push(handler)
  }

  onLinkChange(handler: (peer: string, up: boolean) => void): void {
    this.#linkHandlers.push(handler)
  }

  peers(): readonly string[] {
    return Object.keys(this.#peers).sort()
  }

  isUp(peer: string): boolean {
    return this.#links.has(peer)
  }

  keepAlive(): void {
    if (this.#closed) return
    for (const conn of this.#links.values()) this.#push(conn, { t: 'ping' })
  }

  /**
   * Takes a server socket the HTTP listener upgraded on `PEER_PATH`, and returns the callbacks
   * the listener must call for its frames and its close. The socket is open already.
   */
  accept(socket: SocketLike): SocketHandlers {
    const handshaking = [...this.#conns].filter((c) => c.state === 'handshake').length
    if (this.#closed || handshaking >= HANDSHAKES_MAX) {
      socket.close(1013, 'try again later')
      return { onMessage: () => {}, onClose: () => {} }
    }
    const conn = this.#newConnection('accept', undefined)
    conn.socket = socket
    conn.nonce = this.#nonce()
    // Before the handshake the peer is unknown, so no link faults apply to the challenge.
    this.#write(conn, { t: 'challenge', nonce: conn.nonce })
    return { onMessage: (data) => this.#receive(conn, data), onClose: () => this.#drop(conn) }
  }

  /**
   * Sets the faults of the frames this region sends to `peer` (heartbeats included). Real links
   * stay in order and at most once: `duplicate` and `reorder` are ignored here.
   */
  setFaults(peer: string, faults: LinkFaults): void {
    const { delayMs, jitterMs, loss, partitioned } = faults
    this.#faults.set(peer, { delayMs, jitterMs, loss, partitioned })
  }

  /** The faults in force for frames to `peer`. */
  faults(peer: string): LinkFaults {
    return this.#faults.get(peer) ?? {}
  }

  async close(): Promise<void> {
    if (this.#closed) return
    for (const peer of [...this.#links.keys()].sort())
      this.#drop(this.#links.get(peer) as Connection)
    this.#closed = true
    this.#tick?.cancel()
    for (const dialer of this.#dialers.values()) dialer.timer?.cancel()
    for (const conn of [...this.#conns]) this.#drop(conn)
  }

  #newConnection(role: 'dial' | 'accept', peer: string | undefined): Connection {
    const conn = new Connection(
      role,
      peer,
      this.#clock.wallMs(),
      (c) =>
        new DelayLine<string>({
          clock: this.#clock,
          timers: this.#timers,
          random: this.#random,
          immediate: true,
          deliver: (frame) => this.#socketSend(c, frame),
        }),
    )
    this.#conns.add(conn)
    return conn
  }

  #dial(peer: string): void {
    const dialer = this.#dialers.get(peer)
    assert(dialer, `no dialer for ${peer}`)
    dialer.timer = undefined
    if (this.#closed) return
    const conn = this.#newConnection('dial', peer)
    dialer.conn = conn
    const handlers: SocketHandlers = {
      onOpen: () => void (conn.lastHeardMs = this.#clock.wallMs()),
      onMessage: (data) => this.#receive(conn, data),
      onClose: () => this.#drop(conn),
    }
    let socket: SocketLike
    try {
      socket = this.#connect(peerUrl(this.#peers[peer] as string), handlers)
    } catch {
      // A malformed URL or a refused socket is a failed attempt like any other: retried.
      this.#drop(conn)
      return
    }
    if (conn.state === 'closed') socket.close()
    else conn.socket = socket
  }

  #receive(conn: Connection, data: string): void {
    if (conn.state === 'closed') return
    conn.lastHeardMs = this.#clock.wallMs()
    const frame = parseFrame(data)
    if (!frame) return this.#drop(conn)
    if (conn.state === 'up') {
      if (frame.t === 'm') return this.#deliver(conn.peer as string, frame.m)
      if (frame.t === 'ping') return
      return this.#drop(conn)
    }
    if (conn.role === 'accept' && frame.t === 'hello') return this.#onHello(conn, frame)
    if (conn.role === 'dial' && frame.t === 'challenge' && !conn.helloSent)
      return this.#onChallenge(conn, frame)
    if (conn.role === 'dial' && frame.t === 'welcome' && conn.helloSent)
      return this.#onWelcome(conn, frame)
    this.#drop(conn)
  }

  #onChallenge(conn: Connection, frame: Frame & { t: 'challenge' }): void {
    const peer = conn.peer as string
    conn.nonce = this.#nonce()
    conn.helloSent = true
    const mac = helloMac(this.#secret, this.self, peer, frame.nonce)
    this.#push(conn, { t: 'hello', from: this.self, to: peer, nonce: conn.nonce, mac })
  }

  #onHello(conn: Connection, frame: Frame & { t: 'hello' }): void {
    const { from } = frame
    const known = Object.hasOwn(this.#peers, from) && from < this.self && frame.to === this.self
    if (!known || !macEquals(helloMac(this.#secret, from, this.self, conn.nonce), frame.mac)) {
      return this.#drop(conn)
    }
    conn.peer = from
    this.#push(conn, { t: 'welcome', mac: welcomeMac(this.#secret, this.self, from, frame.nonce) })
    this.#up(conn)
  }

  #onWelcome(conn: Connection, frame: Frame & { t: 'welcome' }): void {
    const peer = conn.peer as string
    if (!macEquals(welcomeMac(this.#secret, peer, this.self, conn.nonce), frame.mac))
      return this.#drop(conn)
    const dialer = this.#dialers.get(peer)
    if (dialer) dialer.failures = 0
    this.#up(conn)
  }

  #up(conn: Connection): void {
    const peer = conn.peer as string
    const old = this.#links.get(peer)
    if (old) this.#drop(old)
    conn.state = 'up'
    this.#links.set(peer, conn)
    for (const h of this.#linkHandlers) h(peer, true)
  }

  #deliver(peer: string, message: PeerMessage): void {
    for (const h of this.#messageHandlers) h(peer, message)
  }

  /** Closes a connection for good; reports its link down and schedules a redial if it dialed. */
  #drop(conn: Connection): void {
    if (conn.state === 'closed') return
    const wasUp = conn.state === 'up'
    conn.state = 'closed'
    conn.line.close()
    this.#conns.delete(conn)
    conn.socket?.close()
    const peer = conn.peer
    if (peer === undefined) return
    if (wasUp && this.#links.get(peer) === conn) {
      this.#links.delete(peer)
      if (!this.#closed) for (const h of this.#linkHandlers) h(peer, false)
    }
    const dialer = this.#dialers.get(peer)
    if (conn.role === 'dial' && dialer?.conn === conn && !this.#closed) {
      dialer.conn = undefined
      const delay = Math.min(
        this.#reconnectMsMax,
        this.#reconnectMsMin * 2 ** Math.min(dialer.failures, 30),
      )
      dialer.failures++
      dialer.timer = this.#timers.setTimeout(
        () => this.#dial(peer),
        delay * (0.5 + 0.5 * this.#random.next()),
      )
    }
  }

  /** Sends a frame through the link's faults (the peer is known). */
  #push(conn: Connection, frame: Frame): void {
    const data = JSON.stringify(frame)
    conn.line.push(data, Buffer.byteLength(data), this.faults(conn.peer as string), LIMITS)
  }

  /** Sends a frame around the faults (before the peer is known). */
  #write(conn: Connection, frame: Frame): void {
    this.#socketSend(conn, JSON.stringify(frame))
  }

  #socketSend(conn: Connection, data: string): void {
    if (conn.state === 'closed' || !conn.socket) return
    try {
      conn.socket.send(data)
    } catch {
      // The runtime refuses sends on a socket that is closing: the connection is gone.
      this.#drop(conn)
    }
  }

  #armTick(): void {
    this.#tick = this.#timers.setTimeout(() => {
      if (this.#closed) return
      this.#heartbeat()
      this.#armTick()
    }, this.#heartbeatMs)
  }

  #heartbeat(): void {
    const now = this.#clock.wallMs()
    // A tick this late: this region's thread was held (a long statement). It could not answer
    // meanwhile, so it judges no connection until the next tick, when a handshake it held up has
    // had its round trips and a link its frames.
    const held = now - this.#tickedAtMs > this.#heartbeatMs * 2
    this.#tickedAtMs = now
    for (const conn of [...this.#conns]) {
      if (!held && conn.state === 'handshake' && now - conn.openedAtMs > this.#handshakeTimeoutMs)
        this.#drop(conn)
      else if (!held && conn.state === 'up' && now - conn.lastHeardMs > this.#deadAfterMs) this.#drop(conn)
      else if (conn.state === 'up') this.#push(conn, { t: 'ping' })
    }
  }

  #nonce(): string {
    return Buffer.from(this.#random.bytes(NONCE_BYTES)).toString('hex')
  }
}

/** The peer endpoint's WebSocket URL for a region's base URL (`http:` becomes `ws:`). */
function peerUrl(base: string): string {
  const url = new URL(PEER_PATH, base)
  if (url.protocol === 'http:') url.protocol = 'ws:'
  else if (url.protocol === 'https:') url.protocol = 'wss:'
  return url.toString()
}

/** A well-formed frame, or undefined for anything else (which closes the connection). */
function parseFrame(data: string): Frame | undefined {
  let f: unknown
  try {
    f = JSON.parse(data)
  } catch {
    return undefined
  }
  if (typeof f !== 'object' || f === null) return undefined
  const o = f as Record<string, unknown>
  const str = (v: unknown) => typeof v === 'string' && v.length <= NONCE_CHARS_MAX
  switch (o.t) {
    case 'm': {
      const m = o.m as Record<string, unknown> | null
      return typeof m === 'object' && m !== null && typeof m.type === 'string'
        ? (o as Frame)
        : undefined
    }
    case 'ping':
      return o as Frame
    case 'challenge':
      return str(o.nonce) ? (o as Frame) : undefined
    case 'welcome':
      return str(o.mac) ? (o as Frame) : undefined
    case 'hello':
      return str(o.from) && str(o.to) && str(o.nonce) && str(o.mac) ? (o as Frame) : undefined
    default:
      return undefined
  }
}
