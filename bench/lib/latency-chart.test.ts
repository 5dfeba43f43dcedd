// Tests of the SVG latency chart. Goal: every row is drawn with its p50 and p99, groups get one
// heading, labels are escaped, rows without data do not break the chart. Method: a small input.
import { describe, expect, test } from 'bun:test'
import { latencyChartSvg } from './index.ts'

describe('latencyChartSvg', () => {
  test('draws one bar pair per row, a heading per group, escaped labels', () => {
    const svg = latencyChartSvg('t <1>', [
      { group: 'g1', label: 'east commit', p50: 2, p99: 40 },
      { group: 'g1', label: 'east read', p50: 0.5, p99: 3 },
      { group: 'g2', label: 'a & b', p50: Number.NaN, p99: Number.NaN },
    ])
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('t &lt;1&gt;')
    expect(svg).toContain('a &amp; b')
    expect(svg).toContain('p50 2.00 · p99 40.0 ms')
    expect(svg).toContain('p50 – · p99 – ms')
    expect(svg.match(/font-weight="bold">g\d</g)?.length).toBe(2)
    // Two rects (p99, p50) per row with data, plus the background.
    expect(svg.match(/<rect /g)?.length).toBe(1 + 2 * 2)
    expect(svg).not.toContain('NaN')
  })
})
