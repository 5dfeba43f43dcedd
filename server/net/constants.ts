// Limits of the peer transport (ARCHITECTURE.md "net"): every queue, wait and retry is bounded.
import { assert } from '../errors/index.ts'

/** Largest message one `send` accepts, as UTF-8 bytes of its JSON frame; over it `send` is false. */
export const MESSAGE_BYTES_MAX = 16 * 1024 * 1024
/** Messages waiting to leave one link (delay line plus socket buffer); over it `send` is false. */
export const QUEUE_MESSAGES_MAX = 10_000
/** Bytes waiting to leave one link (delay line plus socket buffer); over it `send` is false. */
export const QUEUE_BYTES_MAX = 64 * 1024 * 1024

/** The path of the peer WebSocket endpoint on a region's HTTP port. */
export const PEER_PATH = '/v1/peer'
/** How often a live link sends a ping (any frame proves the link alive). */
export const HEARTBEAT_MS = 500
/**
 * A link that heard nothing for this long is declared down and its socket closed. A frame is
 * heard only once whole, so this must exceed the time a `MESSAGE_BYTES_MAX` frame takes to cross.
 */
export const DEAD_AFTER_MS = 2_000
/** A connection that has not finished the handshake after this long is closed. */
export const HANDSHAKE_TIMEOUT_MS = 2_000
/** First reconnect delay after a lost or failed connection (doubles per failure, jittered). */
export const RECONNECT_MS_MIN = 50
/** Largest reconnect delay. Below the failover delay (region constants, 2 s) by enough that a
 * region restarted at once after a crash (the cluster supervisor takes about 1.3 s) is dialled
 * again before it would be failed over: with 2 s, 3 of 5 such restarts of us-east-2 were failed
 * over all the same; with 400 ms, 0 of 5 (`tessera cluster` on local-3, one kill -9 each). A dial
 * of a peer that is down costs a refused connection. */
export const RECONNECT_MS_MAX = 400
/** Accepted connections still in their handshake; more are refused at once. */
export const HANDSHAKES_MAX = 64
/** Bytes of the acceptor's and the dialer's handshake nonces. */
export const NONCE_BYTES = 16

/** Calls one `Rpc` may have waiting for replies; beyond it `call` rejects at once. */
export const RPC_IN_FLIGHT_MAX = 10_000
/** Longest timeout a caller may ask of `Rpc.call`. */
export const RPC_TIMEOUT_MS_MAX = 5 * 60_000

assert(MESSAGE_BYTES_MAX <= QUEUE_BYTES_MAX, 'the largest message must fit an empty queue')
assert(HEARTBEAT_MS * 2 <= DEAD_AFTER_MS, 'a link must miss at least two pings before it is dead')
assert(RECONNECT_MS_MIN > 0 && RECONNECT_MS_MIN <= RECONNECT_MS_MAX, 'reconnect delays are ordered')
