// The peer transport between regions (ARCHITECTURE.md "net"): links carrying JSON messages, an
// RPC layer on top, real WebSockets or a simulated network, and injectable link faults.

/**
 * One message between regions: a JSON-serializable object whose `type` says what it is. Every
 * transport delivers a copy (it crosses JSON), never the sender's object. Values that JSON
 * cannot carry (`undefined` fields, functions, `NaN`, bigints) do not survive the trip.
 */
export type PeerMessage = { readonly type: string; readonly [k: string]: unknown }

/**
 * A region's connections to its peers. One link per peer.
 *
 * Contract (checked by `transport.contract.ts` against every implementation):
 * - Messages on one link arrive in send order, each at most once. A link that goes down loses
 *   the messages in flight on it, so senders must tolerate loss (retry, or treat the outcome as
 *   unknown). `SimNetwork` can opt in to duplicates and reordering; real links never do that.
 * - `send` never throws for a down, unknown or slow peer: it answers false when the link is
 *   down, the message is over `MESSAGE_BYTES_MAX`, or the link's outgoing queue is full
 *   (`QUEUE_MESSAGES_MAX`, `QUEUE_BYTES_MAX`). True means queued, not delivered.
 * - Handlers run on the transport's event loop turn, never inside `send`.
 * - After `close()` no handler runs again; links up at that moment are first reported down.
 */
export interface Transport {
  /** This region's name. */
  readonly self: string
  /** Queues `message` for `to`; false when it cannot be queued (see the contract above). */
  send(to: string, message: PeerMessage): boolean
  /** Adds a handler for every message received; handlers run in registration order. */
  onMessage(handler: (from: string, message: PeerMessage) => void): void
  /** Adds a handler told when a link comes up or goes down (only on a change). */
  onLinkChange(handler: (peer: string, up: boolean) => void): void
  /** The names of every peer this transport knows (up or not), self excluded. */
  peers(): readonly string[]
  /** Whether the link to `peer` is up now. */
  isUp(peer: string): boolean
  /**
   * Proves this region alive, now, on every link that is up: for a caller whose turn holds the
   * thread for long (a long statement, through the region), so that peers do not judge the link
   * silent. Delivers nothing to any peer's handlers, and judges no link: what this region did not
   * hear while its thread was held says nothing about its peers. Links of `SimNetwork` go down by
   * partition only, never by silence, so there it does nothing.
   */
  keepAlive(): void
  /** Closes every link; idempotent. */
  close(): Promise<void>
}

/**
 * Faults applied to one direction of a link, on the sending side. Every field is optional and
 * defaults to no fault. Real links keep order under delay (a frame never overtakes the one
 * before it); a partition drops every frame, heartbeats included, so real links then go down
 * the way a cut cable does (after `DEAD_AFTER_MS`), while `SimNetwork`'s own `partition`
 * takes links down at once.
 */
export interface LinkFaults {
  /** One-way delay in milliseconds added to every frame. */
  readonly delayMs?: number
  /** Extra delay uniform in [0, jitterMs) per frame. */
  readonly jitterMs?: number
  /** Probability in [0, 1] that a frame is silently lost. */
  readonly loss?: number
  /** Drop every frame. */
  readonly partitioned?: boolean
  /** Simulator only: probability that a message is delivered twice. */
  readonly duplicate?: number
  /** Simulator only: probability that a message ignores the order of the ones before it. */
  readonly reorder?: number
}

/**
 * The part of a WebSocket the transport uses, so server code never touches the runtime's
 * WebSocket (test/tidy.test.ts bans it). `cli/peer-socket.ts` and `cli/serve.ts` adapt Bun's
 * and Deno's sockets to it.
 */
export interface SocketLike {
  /** Sends one text frame; may be called only while the socket is open. */
  send(data: string): void
  /** Closes the socket; harmless when already closed. */
  close(code?: number, reason?: string): void
  /** Bytes queued by the runtime and not yet written (0 when the runtime cannot tell). */
  readonly bufferedAmount: number
}

/**
 * Callbacks from a socket to the transport. The client adapter calls `onOpen` once the
 * connection is established; a server socket is open when it is handed to `accept`, so
 * `onOpen` is not called for it. `onClose` is called once, also after a failed connection.
 */
export interface SocketHandlers {
  onOpen?(): void
  /** One text frame (binary frames are decoded as UTF-8 by the adapter). */
  onMessage(data: string): void
  onClose(): void
}

/** Opens a client WebSocket to `url` (a `ws:` or `wss:` URL) and reports to `handlers`. */
export type SocketConnect = (url: string, handlers: SocketHandlers) => SocketLike

export {
  MESSAGE_BYTES_MAX,
  QUEUE_MESSAGES_MAX,
  QUEUE_BYTES_MAX,
  PEER_PATH,
  HEARTBEAT_MS,
  DEAD_AFTER_MS,
  RPC_IN_FLIGHT_MAX,
  RPC_TIMEOUT_MS_MAX,
} from './constants.ts'
export {
  Rpc,
  PeerUnavailable,
  type RpcOptions,
  type RpcHandler,
  type PeerUnavailableReason,
} from './rpc.ts'
export { SimNetwork, type SimNetworkOptions } from './sim-network.ts'
export { WebSocketTransport, type WebSocketTransportOptions } from './ws-transport.ts'
