// The HTTP listener adapter: the one place that picks the runtime's server (Bun.serve or
// Deno.serve), so server code stays portable and only sees a fetch handler and peer sockets.
import type { SocketHandlers, SocketLike } from '../server/net/index.ts'

/** A running listener. */
export interface Listener {
  readonly port: number
  /** Stops accepting connections; resolves when in-flight requests have finished. */
  stop(): Promise<void>
}

/** WebSocket upgrades the listener accepts besides plain HTTP (the peer endpoint of `net`). */
export interface ListenOptions {
  readonly websocket?: {
    /** The one path whose upgrade requests become sockets (e.g. `PEER_PATH`, `/v1/peer`). */
    readonly path: string
    /**
     * Called once per upgraded socket, already open; returns the callbacks for its frames and
     * its close (`WebSocketTransport.accept`).
     */
    readonly onSocket: (socket: SocketLike) => SocketHandlers
    /** Largest frame accepted; larger ones close the socket. Default 17 MiB. */
    readonly maxPayloadBytes?: number
  }
}

type FetchHandler = (request: Request) => Response | Promise<Response>

interface BunSocket {
  readonly data: { handlers?: SocketHandlers }
  send(data: string): number
  close(code?: number, reason?: string): void
  getBufferedAmount?(): number
}
interface BunServer {
  readonly port: number
  stop(closeActiveConnections?: boolean): Promise<void> | void
  upgrade(request: Request, options: { data: { handlers?: SocketHandlers } }): boolean
}
interface BunServeOptions {
  port: number
  hostname: string
  idleTimeout?: number
  fetch: (
    request: Request,
    server: BunServer,
  ) => Response | undefined | Promise<Response | undefined>
  websocket?: {
    open(ws: BunSocket): void
    message(ws: BunSocket, message: string | Uint8Array): void
    close(ws: BunSocket): void
    maxPayloadLength: number
    backpressureLimit: number
    closeOnBackpressureLimit: boolean
  }
}
interface BunGlobal {
  serve(options: BunServeOptions): BunServer
}
interface DenoServer {
  readonly addr: { port: number }
  shutdown(): Promise<void>
}
interface DenoGlobal {
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: FetchHandler,
  ): DenoServer
  upgradeWebSocket(request: Request): { socket: WebSocket; response: Response }
}

/** How long `stop()` lets in-flight requests finish before it closes their connections. */
const STOP_GRACE_MS = 3_000
const MAX_PAYLOAD_BYTES = 17 * 1024 * 1024
/** Bun's per-socket send buffer; past it the socket is closed rather than frames dropped. */
const BACKPRESSURE_BYTES = 80 * 1024 * 1024

const decoder = new TextDecoder()
const isUpgrade = (request: Request, path: string) =>
  request.headers.get('upgrade')?.toLowerCase() === 'websocket' &&
  new URL(request.url).pathname === path

/**
 * Listens on `hostname:port` (port 0 picks a free one) with the runtime's native server. With
 * `options.websocket`, WebSocket upgrade requests on its path become sockets handed to
 * `onSocket`; every other request (upgrades elsewhere included) goes to `fetch`.
 */
export function listen(
  fetch: FetchHandler,
  port: number,
  hostname: string,
  options: ListenOptions = {},
): Listener {
  const g = globalThis as unknown as { Bun?: BunGlobal; Deno?: DenoGlobal }
  if (g.Bun) return listenBun(g.Bun, fetch, port, hostname, options)
  if (g.Deno) return listenDeno(g.Deno, fetch, port, hostname, options)
  throw new Error('tessera needs Bun or Deno to serve HTTP')
}

function listenBun(
  bun: BunGlobal,
  fetch: FetchHandler,
  port: number,
  hostname: string,
  options: ListenOptions,
): Listener {
  const ws = options.websocket
  const sockets = new Set<BunSocket>()
  const server = bun.serve({
    port,
    hostname,
    idleTimeout: 120,
    fetch: (request, srv) => {
      if (ws && isUpgrade(request, ws.path)) {
        return srv.upgrade(request, { data: {} })
          ? undefined
          : new Response('upgrade failed', { status: 400 })
      }
      return fetch(request)
    },
    ...(ws && {
      websocket: {
        open(socket) {
          sockets.add(socket)
          socket.data.handlers = ws.onSocket({
            send: (data) => void socket.send(data),
            close: (code, reason) => socket.close(code, reason),
            get bufferedAmount() {
              return socket.getBufferedAmount?.() ?? 0
            },
          })
        },
        message(socket, message) {
          socket.data.handlers?.onMessage(
            typeof message === 'string' ? message : decoder.decode(message),
          )
        },
        close(socket) {
          sockets.delete(socket)
          socket.data.handlers?.onClose()
        },
        maxPayloadLength: ws.maxPayloadBytes ?? MAX_PAYLOAD_BYTES,
        backpressureLimit: BACKPRESSURE_BYTES,
        closeOnBackpressureLimit: true,
      },
    }),
  })
  return {
    port: server.port,
    async stop() {
      // Open sockets would hold a graceful stop until the grace period ends.
      for (const socket of sockets) socket.close(1001, 'server stopping')
      // A client that never finishes sending its body would hold a graceful stop forever.
      let timer: ReturnType<typeof setTimeout> | undefined
      const grace = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), STOP_GRACE_MS)))
      const outcome = await Promise.race([Promise.resolve(server.stop(false)), grace])
      clearTimeout(timer)
      if (outcome === 'late') await server.stop(true)
    },
  }
}

function listenDeno(
  deno: DenoGlobal,
  fetch: FetchHandler,
  port: number,
  hostname: string,
  options: ListenOptions,
): Listener {
  const ws = options.websocket
  const sockets = new Set<WebSocket>()
  const handler: FetchHandler = (request) => {
    if (!ws || !isUpgrade(request, ws.path)) return fetch(request)
    const { socket, response } = deno.upgradeWebSocket(request)
    let handlers: SocketHandlers | undefined
    socket.binaryType = 'arraybuffer'
    socket.onopen = () => {
      sockets.add(socket)
      handlers = ws.onSocket({
        send: (data) => socket.send(data),
        close: (code, reason) => socket.close(code, reason),
        get bufferedAmount() {
          return socket.bufferedAmount
        },
      })
    }
    socket.onmessage = (e: MessageEvent) =>
      handlers?.onMessage(
        typeof e.data === 'string' ? e.data : decoder.decode(e.data as ArrayBuffer),
      )
    socket.onclose = () => {
      sockets.delete(socket)
      handlers?.onClose()
    }
    return response
  }
  const server = deno.serve({ port, hostname, onListen: () => {} }, handler)
  return {
    port: server.addr.port,
    stop: () => {
      for (const socket of sockets) socket.close(1001, 'server stopping')
      return server.shutdown()
    },
  }
}
