// The Transport contract (ARCHITECTURE.md "net"), one suite run against every implementation:
// SimNetwork on virtual time and WebSocketTransport over real sockets on loopback.
import { describe, expect, test } from 'bun:test'
import { MESSAGE_BYTES_MAX, QUEUE_MESSAGES_MAX } from './constants.ts'
import type { LinkFaults, PeerMessage, Transport } from './index.ts'

/** What a contract run needs from an implementation. Regions are named `a` and `b`. */
export interface TransportHarness {
  /** Opens (or reopens, after `close`) the transport of region `name`. */
  open(name: 'a' | 'b'): Transport
  /** Lets time pass until `cond` holds; fails the test after a bounded wait. */
  until(cond: () => boolean, what: string): Promise<void>
  /** Lets `ms` of the implementation's time pass. */
  pass(ms: number): Promise<void>
  /** The implementation's time (ms). */
  nowMs(): number
  /** Sets the faults of frames from `from` to `to`. */
  setFaults(from: 'a' | 'b', to: 'a' | 'b', faults: LinkFaults): void
  /** Closes everything the harness opened. */
  teardown(): Promise<void>
}

interface Received {
  readonly from: string
  readonly message: PeerMessage
}

function record(t: Transport): { messages: Received[]; links: string[] } {
  const out = { messages: [] as Received[], links: [] as string[] }
  t.onMessage((from, message) => out.messages.push({ from, message }))
  t.onLinkChange((peer, up) => out.links.push(`${peer}:${up ? 'up' : 'down'}`))
  return out
}

/**
 * Goal: every Transport keeps the promises of its interface. Method: two regions, real handlers,
 * bounded waits; each test builds a fresh harness.
 */
export function transportContract(
  name: string,
  makeHarness: () => Promise<TransportHarness>,
): void {
  describe(`Transport contract: ${name}`, () => {
    async function pair() {
      const h = await makeHarness()
      const a = h.open('a')
      const b = h.open('b')
      const ra = record(a)
      const rb = record(b)
      await h.until(() => a.isUp('b') && b.isUp('a'), 'link up')
      await h.until(() => ra.links.length > 0 && rb.links.length > 0, 'link reported')
      return { h, a, b, ra, rb }
    }

    test('a link comes up on both ends and is reported once', async () => {
      const { h, a, b, ra, rb } = await pair()
      expect(a.self).toBe('a')
      expect(a.peers()).toEqual(['b'])
      expect(b.peers()).toEqual(['a'])
      expect(ra.links).toEqual(['b:up'])
      expect(rb.links).toEqual(['a:up'])
      await h.teardown()
    })

    test('messages arrive in send order, once each, as copies, in both directions', async () => {
      const { h, a, b, ra, rb } = await pair()
      const sent: PeerMessage[] = []
      for (let i = 0; i < 300; i++) {
        const m = { type: 'seq', i, nested: { list: [i, 'x'] } }
        sent.push(m)
        expect(a.send('b', m)).toBe(true)
        expect(b.send('a', { type: 'back', i })).toBe(true)
      }
      await h.until(() => rb.messages.length >= 300 && ra.messages.length >= 300, 'all delivered')
      await h.pass(50)
      expect(rb.messages.map((r) => r.message)).toEqual(sent)
      expect(rb.messages.every((r) => r.from === 'a')).toBe(true)
      expect(rb.messages[0]?.message).not.toBe(sent[0])
      expect(ra.messages.map((r) => r.message.i)).toEqual(sent.map((m) => m.i))
      await h.teardown()
    })

    test('a message just under MESSAGE_BYTES_MAX is delivered both ways', async () => {
      const { h, a, b, ra, rb } = await pair()
      const data = 'y'.repeat(MESSAGE_BYTES_MAX - 100)
      expect(a.send('b', { type: 'big', data })).toBe(true)
      expect(b.send('a', { type: 'big', data })).toBe(true)
      await h.until(() => ra.messages.length === 1 && rb.messages.length === 1, 'big delivered')
      expect(rb.messages[0]?.message.data).toBe(data)
      expect(a.isUp('b')).toBe(true)
      await h.teardown()
    })

    test('keepAlive delivers nothing to handlers and leaves links as they are', async () => {
      const { h, a, b, ra, rb } = await pair()
      for (let i = 0; i < 5; i++) {
        a.keepAlive()
        b.keepAlive()
      }
      expect(a.send('b', { type: 'after' })).toBe(true)
      await h.until(() => rb.messages.length === 1, 'the message after the keep-alives')
      await h.pass(50)
      expect(rb.messages.map((r) => r.message)).toEqual([{ type: 'after' }])
      expect(ra.messages).toEqual([])
      expect([a.isUp('b'), b.isUp('a')]).toEqual([true, true])
      expect([ra.links, rb.links]).toEqual([['b:up'], ['a:up']])
      await h.teardown()
    })

    test('handlers never run inside send', async () => {
      const { h, a, rb } = await pair()
      a.send('b', { type: 'x' })
      expect(rb.messages).toEqual([])
      await h.until(() => rb.messages.length === 1, 'delivered')
      await h.teardown()
    })

    test('send answers false for an unknown peer, a closed peer, and an oversize message', async () => {
      const { h, a, b, ra } = await pair()
      expect(a.send('nobody', { type: 'x' })).toBe(false)
      expect(a.send('b', { type: 'big', data: 'x'.repeat(MESSAGE_BYTES_MAX) })).toBe(false)
      await b.close()
      await h.until(() => !a.isUp('b'), 'link down after close')
      await h.until(() => ra.links.includes('b:down'), 'down reported')
      expect(a.send('b', { type: 'x' })).toBe(false)
      expect(b.send('a', { type: 'x' })).toBe(false)
      expect(b.isUp('a')).toBe(false)
      await h.teardown()
    })

    test('after close no handler runs; the closing end reports its links down first', async () => {
      const { h, a, b, ra, rb } = await pair()
      a.send('b', { type: 'in-flight' })
      b.send('a', { type: 'in-flight' })
      await b.close()
      expect(rb.links).toEqual(['a:up', 'a:down'])
      const seen = rb.messages.length
      await h.pass(100)
      expect(rb.messages.length).toBe(seen)
      expect(rb.links).toEqual(['a:up', 'a:down'])
      await h.until(() => ra.links.includes('b:down'), 'peer reports down')
      await b.close()
      await h.teardown()
    })

    test('a region that reopens gets a new link and messages flow again', async () => {
      const { h, a, b, ra } = await pair()
      await b.close()
      await h.until(() => ra.links.at(-1) === 'b:down', 'down')
      const b2 = h.open('b')
      const rb2 = record(b2)
      await h.until(() => a.isUp('b') && b2.isUp('a'), 'up again')
      await h.until(() => ra.links.at(-1) === 'b:up', 'up reported')
      expect(a.send('b', { type: 'again' })).toBe(true)
      await h.until(() => rb2.messages.length === 1, 'delivered on the new link')
      expect(rb2.messages[0]).toEqual({ from: 'a', message: { type: 'again' } })
      await h.teardown()
    })

    test('the outgoing queue is bounded: a full link refuses, and its backlog is not delivered late', async () => {
      const { h, a, b, rb } = await pair()
      h.setFaults('a', 'b', { delayMs: 60_000 })
      let accepted = 0
      for (let i = 0; i < QUEUE_MESSAGES_MAX + 10; i++)
        if (a.send('b', { type: 'q', i })) accepted++
      expect(accepted).toBe(QUEUE_MESSAGES_MAX)
      expect(a.send('b', { type: 'q' })).toBe(false)
      await b.close()
      h.setFaults('a', 'b', {})
      await h.pass(100)
      expect(rb.messages).toEqual([])
      await h.teardown()
    })

    test('delay faults delay, and keep the order', async () => {
      const { h, a, rb } = await pair()
      h.setFaults('a', 'b', { delayMs: 40, jitterMs: 30 })
      const sentAt = h.nowMs()
      for (let i = 0; i < 50; i++) a.send('b', { type: 'd', i })
      await h.pass(20)
      // Nothing may arrive before the minimum delay (a loaded machine may pass 20 ms slowly).
      if (h.nowMs() - sentAt < 40) expect(rb.messages).toEqual([])
      await h.until(() => rb.messages.length === 50, 'delayed delivery')
      expect(rb.messages.map((r) => r.message.i)).toEqual([...Array(50).keys()])
      await h.teardown()
    })

    test('loss 1 loses every message; loss 0 none', async () => {
      const { h, a, rb } = await pair()
      h.setFaults('a', 'b', { loss: 1 })
      for (let i = 0; i < 20; i++) expect(a.send('b', { type: 'lost', i })).toBe(true)
      h.setFaults('a', 'b', {})
      a.send('b', { type: 'kept' })
      await h.until(() => rb.messages.length === 1, 'kept message')
      expect(rb.messages[0]?.message.type).toBe('kept')
      await h.teardown()
    })
  })
}
