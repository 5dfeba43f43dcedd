// A plain-text table printer for bench results: one row per object, columns from their keys.

/** Formats a number for a bench table: integers with thousands separators, small values with
 * three significant decimals. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  if (Number.isInteger(x) || Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US')
  if (Math.abs(x) >= 100) return x.toFixed(1)
  if (Math.abs(x) >= 1) return x.toFixed(2)
  return x.toFixed(3)
}

/** Renders rows as an aligned table; `columns` picks and orders the keys (default: all, in order
 * of first appearance). Numbers align right, everything else left. */
export function formatTable(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[] = [...new Set(rows.flatMap((r) => Object.keys(r)))],
): string {
  const cell = (v: unknown) =>
    typeof v === 'number' ? formatNumber(v) : v === undefined ? '' : String(v)
  const body = rows.map((r) => columns.map((c) => cell(r[c])))
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...body.map((line) => (line[i] ?? '').length)),
  )
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'))
  const pad = (s: string, i: number) =>
    numeric[i] ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0)
  const lines = [
    columns.map(pad).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((line) => line.map(pad).join('  ')),
  ]
  return lines.map((l) => l.trimEnd()).join('\n')
}

/** Prints `formatTable(rows, columns)` to stdout. */
export function printTable(
  rows: readonly Record<string, unknown>[],
  columns?: readonly string[],
): void {
  console.log(formatTable(rows, columns))
}
