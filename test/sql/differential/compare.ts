// Compares one statement's outcome on Tessera with PostgreSQL's: same SQLSTATE when both fail,
// same column types, and the same rows (as a multiset unless the query orders every column), with
// float8 values equal to 12 significant digits (summation order may differ in the last bits).
import type { EngineOutcome } from '../slt/runner.ts'
import type { EngineValue } from '../slt/render.ts'

/** Null when the outcomes agree; otherwise what differs, for a human. */
export function difference(
  tessera: EngineOutcome,
  postgres: EngineOutcome,
  ordered: boolean,
): string | null {
  if (tessera.kind === 'error' || postgres.kind === 'error') {
    if (tessera.kind === 'error' && postgres.kind === 'error') {
      return tessera.code === postgres.code
        ? null
        : `error codes differ: Tessera ${tessera.code}, PostgreSQL ${postgres.code}`
    }
    if (tessera.kind === 'error') return `only Tessera fails: ${tessera.code} ${tessera.message}`
    if (postgres.kind === 'error')
      return `only PostgreSQL fails: ${postgres.code} ${postgres.message}`
  }
  const tTypes = (tessera.types ?? []).join(',')
  const pTypes = (postgres.types ?? []).join(',')
  if (tTypes !== pTypes) return `column types differ: Tessera (${tTypes}), PostgreSQL (${pTypes})`
  const types = postgres.types ?? []
  const t = tessera.rows.map((r) => r.map((v, i) => canonical(v, types[i])))
  const p = postgres.rows.map((r) => r.map((v, i) => canonical(v, types[i])))
  if (!ordered) {
    t.sort(compareRows)
    p.sort(compareRows)
  }
  if (t.length !== p.length) return `row counts differ: Tessera ${t.length}, PostgreSQL ${p.length}`
  for (let i = 0; i < t.length; i++) {
    if (!rowsEqual(t[i]!, p[i]!))
      return `rows differ at ${i}${ordered ? '' : ' (sorted)'}: Tessera ${JSON.stringify(t[i])}, PostgreSQL ${JSON.stringify(p[i])}`
  }
  return null
}

/** A comparable rendering: floats to 12 significant digits, everything else as exact text. */
function canonical(v: EngineValue | undefined, type: string | undefined): string {
  if (v === null || v === undefined) return 'NULL'
  if (typeof v === 'boolean') return v ? 't' : 'f'
  if (type === 'float8' || type === 'float4') {
    const d = typeof v === 'number' ? v : Number(v)
    if (!Number.isFinite(d)) return String(d)
    return d === 0 ? '0' : d.toPrecision(12)
  }
  if (typeof v === 'object' && typeof v !== 'bigint') return JSON.stringify(v)
  return String(v)
}

function rowsEqual(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

function compareRows(a: readonly string[], b: readonly string[]): number {
  const x = JSON.stringify(a)
  const y = JSON.stringify(b)
  return x < y ? -1 : x > y ? 1 : 0
}
