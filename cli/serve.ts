// The HTTP listener adapter: the one place that picks the runtime's server (Bun.serve or
// Deno.serve), so server code stays portable and only sees a fetch handler.

/** A running listener. */
export interface Listener {
  readonly port: number
  /** Stops accepting connections; resolves when in-flight requests have finished. */
  stop(): Promise<void>
}

type FetchHandler = (request: Request) => Response | Promise<Response>

interface BunServer {
  readonly port: number
  stop(closeActiveConnections?: boolean): Promise<void> | void
}
interface BunGlobal {
  serve(options: { port: number; hostname: string; fetch: FetchHandler; idleTimeout?: number }): BunServer
}
interface DenoServer {
  readonly addr: { port: number }
  shutdown(): Promise<void>
}
interface DenoGlobal {
  serve(options: { port: number; hostname: string; onListen?: () => void }, handler: FetchHandler): DenoServer
}

/** How long `stop()` lets in-flight requests finish before it closes their connections. */
const STOP_GRACE_MS = 3_000

/** Listens on `hostname:port` (port 0 picks a free one) with the runtime's native server. */
export function listen(fetch: FetchHandler, port: number, hostname: string): Listener {
  const g = globalThis as { Bun?: BunGlobal; Deno?: DenoGlobal }
  if (g.Bun) {
    const server = g.Bun.serve({ port, hostname, fetch, idleTimeout: 120 })
    return {
      port: server.port,
      async stop() {
        // A client that never finishes sending its body would hold a graceful stop forever.
        let timer: ReturnType<typeof setTimeout> | undefined
        const grace = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), STOP_GRACE_MS)))
        const outcome = await Promise.race([Promise.resolve(server.stop(false)), grace])
        clearTimeout(timer)
        if (outcome === 'late') await server.stop(true)
      },
    }
  }
  if (g.Deno) {
    const server = g.Deno.serve({ port, hostname, onListen: () => {} }, fetch)
    return { port: server.addr.port, stop: () => server.shutdown() }
  }
  throw new Error('tessera needs Bun or Deno to serve HTTP')
}
