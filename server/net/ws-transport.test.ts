// Tests of the WebSocket transport (ARCHITECTURE.md "net") over real sockets on 127.0.0.1, through
// the listener and client adapters of cli/: the Transport contract, authentication, reconnection
// and dead-link detection.
import { afterEach, describe, expect, test } from 'bun:test'
import { connectPeerSocket } from '../../cli/peer-socket.ts'
import { listen, type Listener } from '../../cli/serve.ts'
import { SystemClock, SystemRandom } from '../clock/index.ts'
import { PEER_PATH, type PeerMessage, type SocketHandlers, type SocketLike } from './index.ts'
import { helloMac } from './peer-auth.ts'
import { transportContract } from './transport.contract.ts'
import { WebSocketTransport } from './ws-transport.ts'

const clock = new SystemClock()
const random = new SystemRandom()
// Fast settings for the liveness tests. The contract suite keeps links alive longer: a link is
// heard only when a whole frame arrives, and its largest message (16 MiB each way) can take over a
// second on a loaded machine.
const FAST = {
  heartbeatMs: 40,
  deadAfterMs: 250,
  reconnectMsMin: 10,
  reconnectMsMax: 80,
  handshakeTimeoutMs: 400,
}

const noSocket: SocketHandlers = { onMessage: () => {}, onClose: () => {} }

/** A listener whose peer endpoint hands sockets to whatever transport `target()` returns. */
function peerListener(target: () => WebSocketTransport | undefined, port = 0): Listener {
  return listen(() => new Response('not found', { status: 404 }), port, '127.0.0.1', {
    websocket: {
      path: PEER_PATH,
      onSocket: (socket) => {
        const t = target()
        if (t) return t.accept(socket)
        socket.close()
        return noSocket
      },
    },
  })
}

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = clock.wallMs() + ms
  while (!cond()) {
    if (clock.wallMs() > deadline) throw new Error(`timed out waiting for ${what}`)
    await clock.sleep(5)
  }
}

function transport(
  self: string,
  peers: Record<string, string | undefined>,
  secret = 'cluster-secret',
  overrides: Partial<typeof FAST> = {},
) {
  return new WebSocketTransport({
    self,
    peers,
    secret,
    clock,
    timers: clock,
    random,
    connect: connectPeerSocket,
    ...FAST,
    ...overrides,
  })
}

transportContract('WebSocketTransport', async () => {
  const current = new Map<string, WebSocketTransport>()
  const listeners = new Map<string, Listener>()
  for (const n of ['a', 'b'])
    listeners.set(
      n,
      peerListener(() => current.get(n)),
    )
  const url = (n: string) => `http://127.0.0.1:${listeners.get(n)?.port}`
  return {
    open: (name) => {
      const peer = name === 'a' ? 'b' : 'a'
      const t = transport(name, { [peer]: url(peer) }, undefined, { deadAfterMs: 10_000 })
      current.set(name, t)
      return t
    },
    until,
    pass: (ms) => clock.sleep(ms),
    nowMs: () => clock.wallMs(),
    setFaults: (from, to, faults) => current.get(from)?.setFaults(to, faults),
    teardown: async () => {
      for (const t of current.values()) await t.close()
      for (const l of listeners.values()) await l.stop()
    },
  }
})

describe('WebSocketTransport', () => {
  // Goal: only holders of the cluster secret get a link; links heal after restarts and cuts.
  // Method: real listeners on loopback, fast heartbeat settings, a raw client for the attacker.
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  function acceptor(
    name: string,
    secret = 'cluster-secret',
    peers: Record<string, string | undefined> = { a: undefined },
  ) {
    const t = transport(name, peers, secret)
    const listener = peerListener(() => t)
    const got: PeerMessage[] = []
    t.onMessage((_from, m) => got.push(m))
    cleanup.push(async () => {
      await t.close()
      await listener.stop()
    })
    return { t, listener, got, url: `http://127.0.0.1:${listener.port}` }
  }

  test('a dialer with the wrong secret never gets a link, and nothing it sends is delivered', async () => {
    const b = acceptor('b')
    const a = transport('a', { b: b.url }, 'wrong-secret')
    cleanup.push(() => a.close())
    const links: string[] = []
    b.t.onLinkChange((p, up) => links.push(`${p}:${up}`))
    a.onLinkChange((p, up) => links.push(`${p}:${up}`))
    await clock.sleep(300)
    expect(a.isUp('b')).toBe(false)
    expect(b.t.isUp('a')).toBe(false)
    expect(links).toEqual([])
    expect(b.got).toEqual([])
  })

  test('a raw client that skips or forges the handshake is closed and never delivered', async () => {
    const b = acceptor('b')
    const peerUrl = b.url.replace('http:', 'ws:') + PEER_PATH
    for (const attack of ['skip', 'forge', 'wrong-name'] as const) {
      const frames: string[] = []
      let closed = false
      let socket: SocketLike | undefined
      socket = connectPeerSocket(peerUrl, {
        onMessage: (data) => {
          frames.push(data)
          const { nonce } = JSON.parse(data) as { nonce: string }
          const send = (f: object) => socket?.send(JSON.stringify(f))
          if (attack === 'skip') send({ t: 'm', m: { type: 'evil' } })
          if (attack === 'forge')
            send({
              t: 'hello',
              from: 'a',
              to: 'b',
              nonce: 'n',
              mac: helloMac('guess', 'a', 'b', nonce),
            })
          if (attack === 'wrong-name') {
            send({
              t: 'hello',
              from: 'zz',
              to: 'b',
              nonce: 'n',
              mac: helloMac('cluster-secret', 'zz', 'b', nonce),
            })
          }
          send({ t: 'm', m: { type: 'evil' } })
        },
        onClose: () => void (closed = true),
      })
      await until(() => closed, `${attack}: socket closed by the acceptor`)
      expect(frames.length).toBe(1)
      expect(JSON.parse(frames[0] as string).t).toBe('challenge')
    }
    expect(b.got).toEqual([])
    expect(b.t.isUp('a')).toBe(false)
  })

  test('the dialer reconnects after the acceptor restarts on the same port', async () => {
    const first = acceptor('b')
    const a = transport('a', { b: first.url })
    cleanup.push(() => a.close())
    const links: string[] = []
    a.onLinkChange((p, up) => links.push(`${p}:${up ? 'up' : 'down'}`))
    await until(() => a.isUp('b'), 'first link')
    const port = first.listener.port
    // The listener closes its open peer sockets rather than wait out its grace period for them.
    const stopAt = clock.wallMs()
    await first.listener.stop()
    expect(clock.wallMs() - stopAt).toBeLessThan(1_000)
    await first.t.close()
    await until(() => !a.isUp('b'), 'link down after the acceptor stopped')
    // Let a few dials fail against the closed port before the acceptor comes back.
    await clock.sleep(100)
    const b2 = transport('b', { a: undefined })
    const got: PeerMessage[] = []
    b2.onMessage((_from, m) => got.push(m))
    const listener = peerListener(() => b2, port)
    cleanup.push(async () => {
      await b2.close()
      await listener.stop()
    })
    await until(() => a.isUp('b') && b2.isUp('a'), 'link after restart')
    expect(links).toEqual(['b:up', 'b:down', 'b:up'])
    expect(a.send('b', { type: 'after-restart' })).toBe(true)
    await until(() => got.length === 1, 'delivery after restart')
  })

  test('a partition is detected by missed heartbeats on both ends, and the link heals after it', async () => {
    const b = acceptor('b')
    const a = transport('a', { b: b.url })
    cleanup.push(() => a.close())
    await until(() => a.isUp('b') && b.t.isUp('a'), 'link')
    a.setFaults('b', { partitioned: true })
    b.t.setFaults('a', { partitioned: true })
    const cutAt = clock.wallMs()
    await until(() => !a.isUp('b') && !b.t.isUp('a'), 'both ends see the cut', 2_000)
    expect(clock.wallMs() - cutAt).toBeGreaterThanOrEqual(FAST.deadAfterMs - 50)
    await clock.sleep(200)
    expect(a.isUp('b')).toBe(false)
    a.setFaults('b', {})
    b.t.setFaults('a', {})
    await until(() => a.isUp('b') && b.t.isUp('a'), 'healed')
    a.send('b', { type: 'healed' })
    await until(() => b.got.length === 1, 'delivery after heal')
  })

  test('keepAlive alone keeps a link alive at a peer that judges silence fast', async () => {
    // `a` pings on its own only every 10 s; `b` calls a link dead after 250 ms of silence. Only
    // keepAlive (what a region calls while a long statement holds its thread) can keep it up.
    const b = acceptor('b')
    const a = transport('a', { b: b.url }, undefined, { heartbeatMs: 10_000, deadAfterMs: 20_000 })
    cleanup.push(() => a.close())
    await until(() => a.isUp('b') && b.t.isUp('a'), 'link')
    for (let i = 0; i < 20; i++) {
      a.keepAlive()
      await clock.sleep(50)
    }
    expect(b.t.isUp('a')).toBe(true)
    expect(b.got).toEqual([])
    await until(() => !b.t.isUp('a'), 'the silent link called down', 2_000)
  })

  test('a handshake the thread held up (a long statement) completes after it, without a redial', async () => {
    const b = acceptor('b')
    let dials = 0
    const a = new WebSocketTransport({
      self: 'a',
      peers: { b: b.url },
      secret: 'cluster-secret',
      clock,
      timers: clock,
      random,
      connect: (url, handlers) => {
        dials++
        const socket = connectPeerSocket(url, handlers)
        // The first dial is held past the handshake timeout while its socket opens: nothing
        // could be answered.
        const end = dials === 1 ? performance.now() + FAST.handshakeTimeoutMs * 3 : 0
        while (performance.now() < end) {
          // Held.
        }
        return socket
      },
      ...FAST,
    })
    cleanup.push(() => a.close())
    const links: string[] = []
    a.onLinkChange((peer, up) => links.push(`${peer}:${up ? 'up' : 'down'}`))
    await until(() => a.isUp('b'), 'the link')
    await clock.sleep(FAST.heartbeatMs * 4)
    expect(links).toEqual(['b:up'])
    expect(dials).toBe(1)
  })

  test('duplicate and reorder faults do not apply to real links', async () => {
    const b = acceptor('b')
    const a = transport('a', { b: b.url })
    cleanup.push(() => a.close())
    await until(() => a.isUp('b'), 'link')
    a.setFaults('b', { duplicate: 1, reorder: 1, jitterMs: 20 })
    expect(a.faults('b')).toEqual({ jitterMs: 20 })
    for (let i = 0; i < 20; i++) a.send('b', { type: 'm', i })
    await until(() => b.got.length >= 20, 'delivery')
    await clock.sleep(50)
    expect(b.got.map((m) => m.i)).toEqual([...Array(20).keys()])
  })

  test('a second connection from the same peer replaces the first', async () => {
    const b = acceptor('b')
    const a1 = transport('a', { b: b.url })
    cleanup.push(() => a1.close())
    await until(() => b.t.isUp('a') && a1.isUp('b'), 'first link')
    const links: string[] = []
    b.t.onLinkChange((p, up) => links.push(`${p}:${up ? 'up' : 'down'}`))
    const a2 = transport('a', { b: b.url })
    cleanup.push(() => a2.close())
    await until(() => a2.isUp('b'), 'second link')
    expect(links).toEqual(['a:down', 'a:up'])
    await until(() => !a1.isUp('b'), 'the first dialer loses its link')
    a2.send('b', { type: 'from-a2' })
    await until(() => b.got.length === 1, 'delivery on the new link')
  })
})
