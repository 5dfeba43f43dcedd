// Tests of the bench helpers. Goal: percentiles follow the nearest-rank definition, summaries
// count what they are given, tables align. Method: small fixed inputs with known answers.
import { describe, expect, test } from 'bun:test'
import { formatTable, LatencyRecorder, percentile, summarize } from './index.ts'

describe('bench/lib', () => {
  test('nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 50)).toBe(50)
    expect(percentile(sorted, 99)).toBe(99)
    expect(percentile(sorted, 100)).toBe(100)
    expect(percentile(sorted, 0)).toBe(1)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
  })

  test('summaries sort their input and derive throughput', () => {
    const s = summarize([3, 1, 2, 4], 2, 1)
    expect(s).toMatchObject({
      count: 4,
      errors: 1,
      throughput: 2,
      p50: 2,
      p99: 4,
      max: 4,
      mean: 2.5,
    })
    const r = new LatencyRecorder()
    for (let i = 0; i < 50_000; i++) r.add(i % 10)
    expect(r.summarize(1)).toMatchObject({ count: 50_000, p50: 4, max: 9 })
  })

  test('tables align numbers right and text left', () => {
    const text = formatTable([
      { name: 'a', rate: 1234.5 },
      { name: 'longer', rate: 0.5 },
    ])
    expect(text.split('\n')).toEqual([
      'name     rate',
      '------  -----',
      'a       1,235',
      'longer  0.500',
    ])
  })
})
