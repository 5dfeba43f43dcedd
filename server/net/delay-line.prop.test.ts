// Properties of link fault injection (ARCHITECTURE.md "net"): whatever the delays and losses,
// a line without `reorder` delivers a subsequence of what was pushed, in push order, on time.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { SeededRandom, SimClock } from '../clock/index.ts'
import { DelayLine } from './delay-line.ts'

const LIMITS = { messagesMax: 1_000, bytesMax: 1_000_000 }

const op = fc.record({
  gapMs: fc.integer({ min: 0, max: 20 }),
  delayMs: fc.integer({ min: 0, max: 50 }),
  jitterMs: fc.integer({ min: 0, max: 50 }),
  loss: fc.constantFrom(0, 0, 0.3),
})

test('without reorder: delivered items are a subsequence of pushes, in order, never early', () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 60 }),
      fc.integer(),
      fc.boolean(),
      (ops, seed, immediate) => {
        const clock = new SimClock()
        const delivered: { i: number; at: number }[] = []
        const line = new DelayLine<number>({
          clock,
          timers: clock,
          random: new SeededRandom(seed),
          immediate,
          deliver: (i) => delivered.push({ i, at: clock.wallMs() }),
        })
        const pushedAt: number[] = []
        const kept: number[] = []
        ops.forEach((o, i) => {
          clock.advance(o.gapMs)
          pushedAt.push(clock.wallMs())
          const r = line.push(i, 1, o, LIMITS)
          if (r === 'queued') kept.push(i)
          expect(r).not.toBe('full')
        })
        clock.advance(200)
        expect(delivered.map((d) => d.i)).toEqual(kept)
        for (const d of delivered) {
          expect(d.at).toBeGreaterThanOrEqual((pushedAt[d.i] as number) + (ops[d.i]?.delayMs ?? 0))
        }
        expect(line.size).toBe(0)
        expect(line.bytes).toBe(0)
      },
    ),
    { numRuns: 200 },
  )
})

test('limits refuse the item that would exceed them; close drops the backlog', () => {
  const clock = new SimClock()
  const got: number[] = []
  const line = new DelayLine<number>({
    clock,
    timers: clock,
    random: new SeededRandom(1),
    immediate: false,
    deliver: (i) => got.push(i),
  })
  const limits = { messagesMax: 3, bytesMax: 10 }
  expect(line.push(1, 4, { delayMs: 10 }, limits)).toBe('queued')
  expect(line.push(2, 4, { delayMs: 10 }, limits)).toBe('queued')
  expect(line.push(3, 4, { delayMs: 10 }, limits)).toBe('full')
  expect(line.push(3, 2, { delayMs: 10 }, limits)).toBe('queued')
  expect(line.push(4, 0, { delayMs: 10 }, limits)).toBe('full')
  expect(line.push(5, 1, { partitioned: true }, { messagesMax: 9, bytesMax: 99 })).toBe('dropped')
  clock.advance(10)
  expect(got).toEqual([1, 2, 3])
  line.push(6, 1, { delayMs: 10 }, limits)
  line.close()
  clock.advance(20)
  expect(got).toEqual([1, 2, 3])
  expect(() => line.push(7, 1, {}, limits)).toThrow()
})
