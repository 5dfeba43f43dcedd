// Tests of the simulated network (ARCHITECTURE.md "net", STYLE.md "Determinism"): the Transport
// contract on virtual time, then partitions, clogs, duplicates, reordering and seed determinism.
import { describe, expect, test } from 'bun:test'
import { SeededRandom, SimClock } from '../clock/index.ts'
import type { PeerMessage, Transport } from './index.ts'
import { SimNetwork } from './sim-network.ts'
import { transportContract, type TransportHarness } from './transport.contract.ts'

/** Advances virtual time one millisecond at a time, letting promise callbacks run in between. */
async function advance(clock: SimClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    clock.advance(1)
    await Promise.resolve()
  }
}

transportContract('SimNetwork', async () => {
  const clock = new SimClock()
  const net = new SimNetwork({ timers: clock, random: new SeededRandom(7) })
  const open = new Map<string, Transport>()
  const harness: TransportHarness = {
    open: (name) => {
      const t = net.transport(name, [name === 'a' ? 'b' : 'a'])
      open.set(name, t)
      return t
    },
    until: async (cond, what) => {
      for (let i = 0; i < 200_000 && !cond(); i++) await advance(clock, 1)
      if (!cond()) throw new Error(`timed out waiting for ${what}`)
    },
    pass: (ms) => advance(clock, ms),
    nowMs: () => clock.wallMs(),
    setFaults: (from, to, faults) => net.setFaults(from, to, faults),
    teardown: async () => {
      for (const t of open.values()) await t.close()
    },
  }
  return harness
})

function world(seed: number) {
  const clock = new SimClock()
  const net = new SimNetwork({ timers: clock, random: new SeededRandom(seed) })
  const names = ['us-east-1', 'us-east-2', 'us-west-2']
  const t = new Map(
    names.map((n) => [
      n,
      net.transport(
        n,
        names.filter((p) => p !== n),
      ),
    ]),
  )
  const log: string[] = []
  for (const [n, tr] of t) {
    tr.onMessage((from, m) => log.push(`${clock.wallMs()} ${from}->${n} ${String(m.i)}`))
    tr.onLinkChange((peer, up) => log.push(`${clock.wallMs()} ${n}:${peer} ${up ? 'up' : 'down'}`))
  }
  const get = (n: string) => t.get(n) as Transport
  return { clock, net, get, log }
}

describe('SimNetwork faults', () => {
  // Goal: faults do what they say, and a seed fixes every delivery. Method: three regions, a
  // fixed workload, virtual time; compare logs across runs.
  async function run(seed: number): Promise<string[]> {
    const { clock, net, get, log } = world(seed)
    net.setDefaultFaults({ delayMs: 5, jitterMs: 20, loss: 0.1, duplicate: 0.1, reorder: 0.2 })
    await advance(clock, 1)
    for (let i = 0; i < 200; i++) {
      get('us-east-1').send('us-east-2', { type: 'm', i })
      get('us-east-2').send('us-west-2', { type: 'm', i })
      if (i === 100) net.partition('us-east-1', 'us-east-2')
      if (i === 150) net.heal()
      await advance(clock, 1)
    }
    await advance(clock, 100)
    return log
  }

  test('the same seed gives the same deliveries at the same times; another seed does not', async () => {
    const first = await run(42)
    expect(first.length).toBeGreaterThan(200)
    expect(await run(42)).toEqual(first)
    expect(await run(43)).not.toEqual(first)
  })

  test('partition takes the link down at once on both ends, loses messages in flight, heal restores', async () => {
    const { clock, net, get, log } = world(1)
    await advance(clock, 1)
    const a = get('us-east-1')
    net.setFaults('us-east-1', 'us-east-2', { delayMs: 10 })
    expect(a.send('us-east-2', { type: 'm', i: 1 })).toBe(true)
    net.partition('us-east-1', 'us-east-2')
    expect(a.isUp('us-east-2')).toBe(false)
    expect(get('us-east-2').isUp('us-east-1')).toBe(false)
    expect(a.isUp('us-west-2')).toBe(true)
    expect(a.send('us-east-2', { type: 'm', i: 2 })).toBe(false)
    await advance(clock, 50)
    expect(log.filter((l) => l.includes('->'))).toEqual([])
    expect(log).toContain('1700000000001 us-east-1:us-east-2 down')
    net.heal()
    await advance(clock, 1)
    expect(a.send('us-east-2', { type: 'm', i: 3 })).toBe(true)
    await advance(clock, 20)
    expect(log.filter((l) => l.includes('->'))).toEqual(['1700000000062 us-east-1->us-east-2 3'])
  })

  test('isolate cuts every link of a region; clog holds messages without losing them', async () => {
    const { clock, net, get, log } = world(2)
    await advance(clock, 1)
    net.isolate('us-west-2')
    expect(get('us-east-1').isUp('us-west-2')).toBe(false)
    expect(get('us-east-2').isUp('us-west-2')).toBe(false)
    expect(get('us-east-1').isUp('us-east-2')).toBe(true)
    net.heal()
    net.clog('us-east-2', 30)
    const start = clock.wallMs()
    for (let i = 0; i < 5; i++) get('us-east-1').send('us-east-2', { type: 'm', i })
    await advance(clock, 29)
    expect(log.filter((l) => l.includes('->'))).toEqual([])
    await advance(clock, 2)
    expect(log.filter((l) => l.includes('->'))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${start + 30} us-east-1->us-east-2 ${i}`),
    )
  })

  test('duplicates and reordering happen only when asked for', async () => {
    const { clock, net, get } = world(3)
    await advance(clock, 1)
    const got: number[] = []
    get('us-east-2').onMessage((_from, m: PeerMessage) => got.push(m.i as number))
    net.setFaults('us-east-1', 'us-east-2', { delayMs: 1, jitterMs: 50 })
    for (let i = 0; i < 100; i++) get('us-east-1').send('us-east-2', { type: 'm', i })
    await advance(clock, 100)
    expect(got).toEqual([...Array(100).keys()])
    got.length = 0
    net.setFaults('us-east-1', 'us-east-2', {
      delayMs: 1,
      jitterMs: 50,
      duplicate: 0.3,
      reorder: 0.5,
    })
    for (let i = 0; i < 100; i++) get('us-east-1').send('us-east-2', { type: 'm', i })
    await advance(clock, 100)
    expect(got.length).toBeGreaterThan(100)
    expect(got).not.toEqual([...got].sort((x, y) => x - y))
  })

  test('a transport may not be opened twice while open; reopening after close is a restart', async () => {
    const { clock, net, get, log } = world(4)
    await advance(clock, 1)
    expect(() => net.transport('us-east-1')).toThrow()
    await get('us-east-1').close()
    const again = net.transport('us-east-1', ['us-east-2', 'us-west-2'])
    await advance(clock, 1)
    expect(again.isUp('us-east-2')).toBe(true)
    expect(log.filter((l) => l.includes('us-east-2:us-east-1'))).toEqual([
      '1700000000000 us-east-2:us-east-1 up',
      '1700000000001 us-east-2:us-east-1 down',
      '1700000000001 us-east-2:us-east-1 up',
    ])
  })
})
