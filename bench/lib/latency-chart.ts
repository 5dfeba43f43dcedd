// A hand-written SVG latency chart for bench results (STYLE.md: benches report p50 and p99
// together): one horizontal bar per row on a log scale, p50 and p99 marked.

/** One bar: a label, the group it belongs to (a heading above its rows), its percentiles (ms). */
export interface ChartRow {
  readonly group: string
  readonly label: string
  readonly p50: number
  readonly p99: number
  /** Bar colour; rows of the same kind should share one. */
  readonly color?: string
}

const ROW_H = 20
const GROUP_H = 26
const LABEL_W = 260
const PLOT_W = 560
const VALUE_W = 170
const TOP = 50
const BOTTOM = 40

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : '–')

/** Renders `rows` as a standalone SVG document; rows without data (NaN) show a dash. */
export function latencyChartSvg(title: string, rows: readonly ChartRow[], note = ''): string {
  const finite = rows.flatMap((r) => [r.p50, r.p99]).filter((x) => Number.isFinite(x) && x > 0)
  // Log scale over whole decades covering every value, so ratios read the same everywhere.
  const lo = 10 ** Math.floor(Math.log10(Math.min(...finite, 1)))
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...finite, lo * 10)))
  const x = (v: number) => LABEL_W + (PLOT_W * Math.log10(Math.max(v, lo) / lo)) / Math.log10(hi / lo)
  const parts: string[] = []
  let y = TOP
  let group: string | undefined
  for (const row of rows) {
    if (row.group !== group) {
      group = row.group
      y += 6
      parts.push(`<text x="8" y="${y + 14}" font-weight="bold">${escape(group)}</text>`)
      y += GROUP_H - 6
    }
    const color = row.color ?? '#4c78a8'
    parts.push(`<text x="${LABEL_W - 8}" y="${y + 14}" text-anchor="end">${escape(row.label)}</text>`)
    if (Number.isFinite(row.p99) && Number.isFinite(row.p50)) {
      parts.push(
        `<rect x="${LABEL_W}" y="${y + 4}" width="${(x(row.p99) - LABEL_W).toFixed(1)}" height="${ROW_H - 8}" fill="${color}" fill-opacity="0.35"/>`,
        `<rect x="${LABEL_W}" y="${y + 4}" width="${(x(row.p50) - LABEL_W).toFixed(1)}" height="${ROW_H - 8}" fill="${color}"/>`,
        `<line x1="${x(row.p99).toFixed(1)}" x2="${x(row.p99).toFixed(1)}" y1="${y + 1}" y2="${y + ROW_H - 1}" stroke="#000" stroke-width="2"/>`,
      )
    }
    parts.push(`<text x="${LABEL_W + PLOT_W + 10}" y="${y + 14}">p50 ${ms(row.p50)} · p99 ${ms(row.p99)} ms</text>`)
    y += ROW_H
  }
  const plotBottom = y + 6
  const axis: string[] = []
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m
      if (v > hi * 1.0001) break
      const gx = x(v).toFixed(1)
      axis.push(`<line x1="${gx}" x2="${gx}" y1="${TOP}" y2="${plotBottom}" stroke="#ccc" stroke-width="${m === 1 ? 1 : 0.5}"/>`)
      axis.push(`<text x="${gx}" y="${plotBottom + 16}" text-anchor="middle" fill="#555">${v >= 1 ? v : v.toPrecision(1)}</text>`)
    }
  }
  const width = LABEL_W + PLOT_W + VALUE_W
  const height = plotBottom + BOTTOM
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="8" y="38" fill="#555">${escape(note || 'bar: p50 (dark) and p99 (light, black tick); log scale, ms')}</text>`,
    ...axis,
    ...parts,
    `<text x="${LABEL_W + PLOT_W / 2}" y="${height - 8}" text-anchor="middle" fill="#555">latency (ms, log scale)</text>`,
    '</svg>',
    '',
  ].join('\n')
}
