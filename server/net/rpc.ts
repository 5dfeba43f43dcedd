// Request and reply between regions over a Transport (ARCHITECTURE.md "net"): what remote
// adjudication and journal replication call; timeouts and the in-flight count are bounded.
import type { TimerHandle, Timers } from '../clock/index.ts'
import { assert, isSqlError, SQLSTATE_NAMES, SqlError, type SqlState } from '../errors/index.ts'
import { RPC_IN_FLIGHT_MAX, RPC_TIMEOUT_MS_MAX } from './constants.ts'
import type { PeerMessage, Transport } from './index.ts'

/** Why a call got no answer. */
export type PeerUnavailableReason = 'down' | 'timeout' | 'overloaded' | 'closed'

/**
 * A call that got no answer from its peer: SQLSTATE `57P03` (503 at the API). `delivered`
 * says whether the request may have reached the peer and been acted on: false only when it was
 * never sent (link down or full at the time, too many calls in flight), so a caller may retry a
 * non-idempotent request then, and must treat the outcome as unknown (`40003` for a commit)
 * otherwise.
 */
export class PeerUnavailable extends SqlError {
  readonly peer: string
  readonly reason: PeerUnavailableReason
  readonly delivered: boolean

  constructor(peer: string, method: string, reason: PeerUnavailableReason, delivered: boolean) {
    super('57P03', `region ${peer} is unavailable (${method}: ${reason})`)
    this.peer = peer
    this.reason = reason
    this.delivered = delivered
  }
}

/** Serves one method: returns (or resolves to) the JSON-serializable reply, or throws a SqlError. */
export type RpcHandler = (from: string, payload: unknown) => unknown

/** How an `Rpc` is built. */
export interface RpcOptions {
  /** Runs the call timeouts. */
  readonly timers: Timers
  /** Calls waiting for replies at once; default `RPC_IN_FLIGHT_MAX`. */
  readonly inFlightMax?: number
}

interface Pending {
  readonly to: string
  readonly method: string
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  readonly timer: TimerHandle
}

interface WireError {
  readonly code: string
  readonly message: string
  readonly detail?: string
  readonly hint?: string
}

const CALL = 'rpc.call'
const REPLY = 'rpc.reply'

/**
 * Calls and serves methods over a transport; other message types pass it by. A reply is matched
 * to its call by request id and sender. Errors a handler throws as `SqlError` reach the caller as
 * `SqlError` with the same code, message, detail and hint; anything else thrown by a handler is a
 * bug: the caller gets `XX000` and the serving side rethrows it. An unknown method is `42883`.
 * Request ids count up per `Rpc`: a restarted region starts again at 1, which is safe because
 * its links (and their messages in flight) do not survive the restart.
 */
export class Rpc {
  readonly #transport: Transport
  readonly #timers: Timers
  readonly #inFlightMax: number
  readonly #pending = new Map<number, Pending>()
  readonly #handlers = new Map<string, RpcHandler>()
  #nextId = 1

  constructor(transport: Transport, options: RpcOptions) {
    this.#transport = transport
    this.#timers = options.timers
    this.#inFlightMax = options.inFlightMax ?? RPC_IN_FLIGHT_MAX
    transport.onMessage((from, message) => this.#receive(from, message))
    transport.onLinkChange((peer, up) => {
      if (!up) this.#failPeer(peer, 'down')
    })
  }

  /**
   * Calls `method` on region `to` with a JSON-serializable `payload`. Resolves to the handler's
   * reply; rejects with the handler's `SqlError`, or `PeerUnavailable` (57P03) when the link is
   * down, goes down before the reply, the reply takes longer than `timeoutMs`, or too many calls
   * are in flight.
   */
  call(to: string, method: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    assert(
      timeoutMs > 0 && timeoutMs <= RPC_TIMEOUT_MS_MAX,
      `rpc timeout ${timeoutMs} out of range`,
    )
    if (this.#pending.size >= this.#inFlightMax) {
      return Promise.reject(new PeerUnavailable(to, method, 'overloaded', false))
    }
    const id = this.#nextId++
    if (!this.#transport.send(to, { type: CALL, id, method, payload })) {
      return Promise.reject(new PeerUnavailable(to, method, 'down', false))
    }
    return new Promise((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        if (this.#pending.delete(id)) reject(new PeerUnavailable(to, method, 'timeout', true))
      }, timeoutMs)
      this.#pending.set(id, { to, method, resolve, reject, timer })
    })
  }

  /** Serves `method`; one handler per method. */
  handle(method: string, fn: RpcHandler): void {
    assert(!this.#handlers.has(method), `rpc method ${method} already has a handler`)
    this.#handlers.set(method, fn)
  }

  /** Calls waiting for replies. */
  get inFlight(): number {
    return this.#pending.size
  }

  /** Rejects every waiting call (`closed`); the transport is closed by its owner. */
  close(): void {
    for (const peer of new Set([...this.#pending.values()].map((p) => p.to)))
      this.#failPeer(peer, 'closed')
  }

  #receive(from: string, message: PeerMessage): void {
    if (message.type === CALL) void this.#serve(from, message)
    else if (message.type === REPLY) this.#settle(from, message)
  }

  async #serve(from: string, message: PeerMessage): Promise<void> {
    const { id, method } = message
    if (typeof id !== 'number' || typeof method !== 'string') return
    const fn = this.#handlers.get(method)
    if (!fn) {
      this.#reply(from, id, undefined, { code: '42883', message: `no rpc method ${method}` })
      return
    }
    try {
      const value = await fn(from, message.payload)
      this.#reply(from, id, value, undefined)
    } catch (e) {
      if (isSqlError(e)) {
        this.#reply(from, id, undefined, {
          code: e.code,
          message: e.message,
          detail: e.detail,
          hint: e.hint,
        })
        return
      }
      this.#reply(from, id, undefined, {
        code: 'XX000',
        message: `rpc ${method} failed in region ${this.#transport.self}`,
      })
      throw e
    }
  }

  #reply(to: string, id: number, value: unknown, error: WireError | undefined): void {
    // A lost reply is the caller's timeout; nothing to do here.
    this.#transport.send(to, error ? { type: REPLY, id, error } : { type: REPLY, id, value })
  }

  #settle(from: string, message: PeerMessage): void {
    const { id } = message
    if (typeof id !== 'number') return
    const p = this.#pending.get(id)
    // A reply after the timeout, or from a region that was not asked, finds nothing to settle.
    if (!p || p.to !== from) return
    this.#pending.delete(id)
    p.timer.cancel()
    const error = message.error as WireError | undefined
    if (error) {
      // A code this build does not know (a newer peer) still fails the call, as an internal error.
      const code = (error.code in SQLSTATE_NAMES ? error.code : 'XX000') as SqlState
      p.reject(
        new SqlError(code, String(error.message), { detail: error.detail, hint: error.hint }),
      )
    } else p.resolve(message.value)
  }

  #failPeer(peer: string, reason: PeerUnavailableReason): void {
    for (const [id, p] of this.#pending) {
      if (p.to !== peer) continue
      this.#pending.delete(id)
      p.timer.cancel()
      p.reject(new PeerUnavailable(peer, p.method, reason, true))
    }
  }
}
