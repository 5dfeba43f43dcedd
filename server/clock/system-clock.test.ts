// SystemClock's timers against a held thread: a timer whose time passed while a statement held the
// event loop must run after what arrived on a socket meanwhile (the peer link's silence check and
// the RPC timeouts rely on it). Method: a real loopback TCP socket; the thread is held by a busy
// loop past a timer's time while the peer's bytes arrive; the order of the two callbacks is
// recorded. On time, a timer runs at once.
import { describe, expect, test } from 'bun:test'
import { createServer, connect, type Socket } from 'node:net'
import { SystemClock } from './system-clock.ts'

const clock = new SystemClock()

/** A connected pair of loopback sockets. */
async function socketPair(): Promise<{ client: Socket; server: Socket; close: () => void }> {
  let accepted: (s: Socket) => void = () => {}
  const serverSide = new Promise<Socket>((r) => (accepted = r))
  const listener = createServer((s) => accepted(s))
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r))
  const { port } = listener.address() as { port: number }
  const client = connect(port, '127.0.0.1')
  await new Promise<void>((r) => client.once('connect', () => r()))
  const server = await serverSide
  return { client, server, close: () => (client.destroy(), server.destroy(), listener.close()) }
}

function holdThread(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // Held, as a long statement holds it.
  }
}

describe('SystemClock timers', () => {
  test('a timer that came due while the thread was held runs after the bytes that arrived meanwhile', async () => {
    const { client, server, close } = await socketPair()
    try {
      const order: string[] = []
      const done = new Promise<void>((r) => {
        client.on('data', () => order.push('data'))
        clock.setTimeout(() => {
          order.push('timer')
          r()
        }, 50)
      })
      // The peer's bytes are on the socket long before the thread lets go.
      server.write('ping')
      holdThread(400)
      await done
      expect(order).toEqual(['data', 'timer'])
    } finally {
      close()
    }
  })

  test('a 0 ms timer set while the thread is held runs after the bytes that arrived, well within a millisecond when idle', async () => {
    const { client, server, close } = await socketPair()
    try {
      const order: string[] = []
      client.on('data', () => order.push('data'))
      server.write('ping')
      holdThread(200)
      await new Promise<void>((r) =>
        clock.setTimeout(() => {
          order.push('timer')
          r()
        }, 0),
      )
      expect(order).toEqual(['data', 'timer'])
    } finally {
      close()
    }
    // What a SELECT pays between two slices: runtimes clamp a 0 ms setTimeout to 1 ms, which
    // at a slice of 10 ms would slow a long statement on an idle region by a tenth.
    const turns = async (set: (r: () => void) => void) => {
      const t0 = performance.now()
      for (let i = 0; i < 200; i++) await new Promise<void>((r) => set(r))
      return performance.now() - t0
    }
    const ours = await turns((r) => clock.setTimeout(r, 0))
    const runtime = await turns((r) => setTimeout(r, 0))
    expect(ours).toBeLessThan(runtime / 4)
  })

  test('a timer on time runs in its own turn, and a cancelled one never runs', async () => {
    let ran = 0
    const cancelled = clock.setTimeout(() => ran++, 5)
    cancelled.cancel()
    const t0 = performance.now()
    const elapsed = await new Promise<number>((r) => clock.setTimeout(() => r(performance.now() - t0), 20))
    expect(elapsed).toBeGreaterThanOrEqual(19)
    expect(elapsed).toBeLessThan(1_000)
    // Late, then cancelled in the same turn it fired in, before its extra turn: still never runs.
    // (The runtime's timer set after ours fires after it once the thread is let go.)
    const late = clock.setTimeout(() => ran++, 5)
    setTimeout(() => late.cancel(), 5)
    holdThread(200)
    await clock.sleep(50)
    expect(ran).toBe(0)
  })
})
