// Tests of request and reply between regions (ARCHITECTURE.md "net"): replies, errors carried by
// SQLSTATE, timeouts, lost links and the in-flight bound; on SimNetwork, and once over WebSockets.
import { describe, expect, test } from 'bun:test'
import { connectPeerSocket } from '../../cli/peer-socket.ts'
import { listen } from '../../cli/serve.ts'
import { SeededRandom, SimClock, SystemClock, SystemRandom } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import { PEER_PATH } from './index.ts'
import { PeerUnavailable, Rpc } from './rpc.ts'
import { SimNetwork } from './sim-network.ts'
import { WebSocketTransport } from './ws-transport.ts'

async function advance(clock: SimClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    clock.advance(1)
    await Promise.resolve()
  }
}

async function setup(inFlightMax?: number) {
  const clock = new SimClock()
  const net = new SimNetwork({ timers: clock, random: new SeededRandom(11) })
  const ta = net.transport('a', ['b'])
  const tb = net.transport('b', ['a'])
  const a = new Rpc(ta, { timers: clock, ...(inFlightMax !== undefined && { inFlightMax }) })
  const b = new Rpc(tb, { timers: clock })
  await advance(clock, 1)
  return { clock, net, a, b }
}

/** Settles `p` while virtual time runs, and returns its outcome. */
async function outcome(clock: SimClock, p: Promise<unknown>, ms = 100) {
  let result: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined
  p.then(
    (value) => void (result = { ok: true, value }),
    (error: unknown) => void (result = { ok: false, error }),
  )
  for (let i = 0; i < ms && !result; i++) await advance(clock, 1)
  return result
}

describe('Rpc', () => {
  // Goal: a call ends in exactly one of reply, remote SqlError, or PeerUnavailable, within its
  // timeout. Method: two regions on SimNetwork, virtual time.
  test('sync and async handlers reply; the caller gets the value and who served it', async () => {
    const { clock, a, b } = await setup()
    b.handle('add', (from, p) => ({
      from,
      sum: (p as { x: number; y: number }).x + (p as { y: number }).y,
    }))
    b.handle('later', async () => {
      await clock.sleep(5)
      return 'done'
    })
    expect(await outcome(clock, a.call('b', 'add', { x: 2, y: 3 }, 1000))).toEqual({
      ok: true,
      value: { from: 'a', sum: 5 },
    })
    expect(await outcome(clock, a.call('b', 'later', null, 1000))).toEqual({
      ok: true,
      value: 'done',
    })
    expect(a.inFlight).toBe(0)
  })

  test('a handler SqlError reaches the caller with its code, message, detail and hint', async () => {
    const { clock, a, b } = await setup()
    b.handle('fail', () => {
      throw new SqlError('40001', 'conflict on k', { detail: 'key k', hint: 'retry' })
    })
    const r = await outcome(clock, a.call('b', 'fail', {}, 1000))
    expect(r?.ok).toBe(false)
    const e = (r as { error: SqlError }).error
    expect(e).toBeInstanceOf(SqlError)
    expect([e.code, e.message, e.detail, e.hint]).toEqual([
      '40001',
      'conflict on k',
      'key k',
      'retry',
    ])
    expect(e).not.toBeInstanceOf(PeerUnavailable)
  })

  test('an unknown method is 42883', async () => {
    const { clock, a } = await setup()
    const r = await outcome(clock, a.call('b', 'nope', {}, 1000))
    expect((r as { error: SqlError }).error.code).toBe('42883')
  })

  test('no reply within the timeout: PeerUnavailable timeout, delivered; a late reply is ignored', async () => {
    const { clock, a, b } = await setup()
    b.handle('slow', async () => {
      await clock.sleep(500)
      return 'late'
    })
    const start = clock.wallMs()
    const r = await outcome(clock, a.call('b', 'slow', {}, 200), 1000)
    expect(clock.wallMs() - start).toBe(200)
    const e = (r as { error: PeerUnavailable }).error
    expect(e).toBeInstanceOf(PeerUnavailable)
    expect([e.code, e.reason, e.delivered, e.peer]).toEqual(['57P03', 'timeout', true, 'b'])
    await advance(clock, 400)
    expect(a.inFlight).toBe(0)
  })

  test('a link that goes down fails its calls at once; a call on a down link was never delivered', async () => {
    const { clock, net, a, b } = await setup()
    b.handle('hang', () => new Promise(() => {}))
    const pending = outcome(clock, a.call('b', 'hang', {}, 60_000), 50)
    await advance(clock, 5)
    net.partition('a', 'b')
    const r = await pending
    expect((r as { error: PeerUnavailable }).error.reason).toBe('down')
    expect((r as { error: PeerUnavailable }).error.delivered).toBe(true)
    const r2 = await outcome(clock, a.call('b', 'hang', {}, 1000))
    expect([
      (r2 as { error: PeerUnavailable }).error.reason,
      (r2 as { error: PeerUnavailable }).error.delivered,
    ]).toEqual(['down', false])
  })

  test('calls in flight are bounded; close fails the waiting ones', async () => {
    const { clock, a, b } = await setup(2)
    b.handle('hang', () => new Promise(() => {}))
    const p1 = outcome(clock, a.call('b', 'hang', {}, 60_000), 20)
    const p2 = outcome(clock, a.call('b', 'hang', {}, 60_000), 20)
    const r3 = await outcome(clock, a.call('b', 'hang', {}, 60_000), 1)
    expect((r3 as { error: PeerUnavailable }).error.reason).toBe('overloaded')
    a.close()
    for (const r of [await p1, await p2])
      expect((r as { error: PeerUnavailable }).error.reason).toBe('closed')
  })
})

test('Rpc over real WebSockets: a call and a remote error', async () => {
  const clock = new SystemClock()
  const random = new SystemRandom()
  const common = { secret: 's', clock, timers: clock, random, connect: connectPeerSocket }
  const tb = new WebSocketTransport({ self: 'b', peers: { a: undefined }, ...common })
  const listener = listen(() => new Response(null, { status: 404 }), 0, '127.0.0.1', {
    websocket: { path: PEER_PATH, onSocket: (s) => tb.accept(s) },
  })
  const ta = new WebSocketTransport({
    self: 'a',
    peers: { b: `http://127.0.0.1:${listener.port}` },
    ...common,
  })
  try {
    const a = new Rpc(ta, { timers: clock })
    const b = new Rpc(tb, { timers: clock })
    b.handle('echo', (_from, p) => p)
    b.handle('fail', () => {
      throw new SqlError('40003', 'unknown outcome')
    })
    for (let i = 0; i < 200 && !ta.isUp('b'); i++) await clock.sleep(5)
    expect(await a.call('b', 'echo', { hello: [1, 2] }, 2000)).toEqual({ hello: [1, 2] })
    expect(await a.call('b', 'fail', null, 2000).catch((e: SqlError) => e.code)).toBe('40003')
  } finally {
    await ta.close()
    await tb.close()
    await listener.stop()
  }
})
