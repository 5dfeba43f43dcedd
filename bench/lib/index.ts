// Shared helpers for benches (STYLE.md "bench/ reports p50 and p99 together"): latency
// summaries and a plain-text table printer.
export { LatencyRecorder, percentile, summarize, type Summary } from './summary.ts'
export { formatNumber, formatTable, printTable } from './table.ts'
export { latencyChartSvg, type ChartRow } from './latency-chart.ts'
