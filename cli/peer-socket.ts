// The client side of peer links (ARCHITECTURE.md "net"): the runtime's WebSocket adapted to the
// `SocketConnect` that WebSocketTransport takes, so server code never opens a socket itself.
import type { SocketConnect, SocketHandlers, SocketLike } from '../server/net/index.ts'

const decoder = new TextDecoder()

/** Opens a WebSocket to `url` with the runtime's global WebSocket (Bun, Deno, Node 22+). */
export const connectPeerSocket: SocketConnect = (
  url: string,
  handlers: SocketHandlers,
): SocketLike => {
  const ws = new WebSocket(url)
  ws.binaryType = 'arraybuffer'
  let closed = false
  ws.onopen = () => handlers.onOpen?.()
  ws.onmessage = (e: MessageEvent) =>
    handlers.onMessage(typeof e.data === 'string' ? e.data : decoder.decode(e.data as ArrayBuffer))
  // An error is always followed by a close event, which is where the transport learns of it.
  ws.onerror = () => {}
  ws.onclose = () => {
    if (closed) return
    closed = true
    handlers.onClose()
  }
  return {
    send: (data) => ws.send(data),
    // Clients may only send 1000 or 3000-4999; the transport's codes are informational.
    close: (code, reason) =>
      ws.close(code === 1000 || (code !== undefined && code >= 3000) ? code : 1000, reason),
    get bufferedAmount() {
      return ws.bufferedAmount
    },
  }
}
