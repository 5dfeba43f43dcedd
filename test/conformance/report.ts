// results.md: the conformance figures per file beside PostgreSQL 15's own, totals per family,
// and the most common failure causes across the corpus, so the next feature to build is clear.
import type { FailureGroup, FileSummary } from './corpus.ts'
import { postgresFigures } from './corpus.ts'
import type { Results } from './run.ts'

const fmt = (n: number) => n.toLocaleString('en-US')
const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(2)}%`)

function family(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : 'select1-5'
}

/** Failure groups summed over files (each file keeps its top groups only, so rare causes may be
 * undercounted; the common ones are exact). */
export function corpusFailureGroups(files: readonly FileSummary[], limit: number): FailureGroup[] {
  const merged = new Map<string, FailureGroup & { files: number }>()
  for (const s of files) {
    for (const g of s.failureGroups) {
      const m = merged.get(g.key)
      if (m === undefined)
        merged.set(g.key, {
          ...g,
          example: { ...g.example, sql: `${s.file}:${g.example.line}: ${g.example.sql}` },
          files: 1,
        })
      else {
        m.count += g.count
        m.files++
      }
    }
  }
  return [...merged.values()].sort((a, b) => b.count - a.count).slice(0, limit)
}

export function failureTable(groups: readonly FailureGroup[]): string[] {
  const out = ['| count | SQLSTATE and message (or mismatch) | example |', '|---:|---|---|']
  for (const g of groups) {
    const sql = g.example.sql.replace(/\s+/g, ' ').replaceAll('|', '\\|').slice(0, 160)
    out.push(`| ${fmt(g.count)} | ${g.key.replaceAll('|', '\\|')} | \`${sql}\` |`)
  }
  return out
}

export function renderResultsMarkdown(results: Results): string {
  const pg = postgresFigures()
  const files = Object.values(results.files).sort((a, b) => a.file.localeCompare(b.file))
  const out: string[] = [
    '# Conformance: the sqllogictest corpus on Tessera',
    '',
    'Written by `bun run conformance` (test/conformance/run.ts): every file of',
    '`../shared/conformance/sqllogictest` run whole on a fresh in-process region through `POST /v1/sql`,',
    'identifying as `postgresql`. "PG passes" is PostgreSQL 15\'s own score on the same records',
    '(`../shared/conformance/postgresql-results.md`): the target is to pass what PostgreSQL passes.',
    `Last run: ${results.generatedAt}.`,
    '',
    '| file | applicable queries | passed | failed | pass rate | PG passes | skipped | statements rejected (PG) | time s | records/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const s of files) {
    const p = pg.get(s.file)
    const status = s.status === 'ok' ? '' : ` (${s.status})`
    out.push(
      `| \`${s.file}\`${status} | ${fmt(s.queries)} | ${fmt(s.queriesPassed)} | ${fmt(s.queries - s.queriesPassed)} | ` +
        `${pct(s.queriesPassed, s.queries)} | ${p === undefined ? '?' : fmt(p.passes)} | ${fmt(s.skipped)} | ` +
        `${fmt(s.statementsRejected)} (${p === undefined ? '?' : fmt(p.rejects)}) | ${(s.elapsedMs / 1000).toFixed(1)} | ${fmt(s.recordsPerSecond)} |`,
    )
  }
  out.push(
    '',
    '## Totals by family',
    '',
    '| family | applicable queries | passed | pass rate | PG passes | PG pass rate |',
    '|---|---:|---:|---:|---:|---:|',
  )
  const families = new Map<string, { q: number; p: number; pgq: number; pgp: number }>()
  for (const s of files) {
    const f = families.get(family(s.file)) ?? { q: 0, p: 0, pgq: 0, pgp: 0 }
    const p = pg.get(s.file)
    f.q += s.queries
    f.p += s.queriesPassed
    f.pgq += p?.applicable ?? 0
    f.pgp += p?.passes ?? 0
    families.set(family(s.file), f)
  }
  const all = { q: 0, p: 0, pgq: 0, pgp: 0 }
  for (const [name, f] of families) {
    out.push(
      `| ${name} | ${fmt(f.q)} | ${fmt(f.p)} | ${pct(f.p, f.q)} | ${fmt(f.pgp)} | ${pct(f.pgp, f.pgq)} |`,
    )
    all.q += f.q
    all.p += f.p
    all.pgq += f.pgq
    all.pgp += f.pgp
  }
  out.push(
    `| **all** | ${fmt(all.q)} | ${fmt(all.p)} | ${pct(all.p, all.q)} | ${fmt(all.pgp)} | ${pct(all.pgp, all.pgq)} |`,
  )
  const seconds = files.reduce((n, s) => n + s.elapsedMs, 0) / 1000
  const records = files.reduce((n, s) => n + s.queries + s.statements, 0)
  out.push(
    '',
    `${fmt(records)} records executed in ${seconds.toFixed(0)} s of file time (${fmt(Math.round(records / Math.max(seconds, 1)))} records/s).`,
  )
  out.push(
    '',
    '## Most common failures',
    '',
    'Queries and statements together; errors grouped by SQLSTATE and message shape.',
    '',
  )
  out.push(...failureTable(corpusFailureGroups(files, 40)))
  out.push(
    '',
    '## Slowest records',
    '',
    'The slowest statements of the run (per-statement wall time through the HTTP API; times include',
    'whatever else the machine ran, so compare pass counts across runs, and read times as hints).',
    '',
  )
  out.push('| ms | where | SQL |', '|---:|---|---|')
  const slow = files
    .flatMap((s) => (s.slowest ?? []).map((r) => ({ ...r, file: s.file })))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 15)
  for (const r of slow)
    out.push(
      `| ${fmt(r.ms)} | \`${r.file}:${r.line}\` | \`${r.sql.replace(/\s+/g, ' ').replaceAll('|', '\\|').slice(0, 160)}\` |`,
    )
  out.push(
    '',
    '## CI slice (test/conformance/subset.test.ts must not fall below these)',
    '',
    '| file | first records | queries | passed |',
    '|---|---:|---:|---:|',
  )
  for (const [file, s] of Object.entries(results.subset))
    out.push(`| \`${file}\` | ${s.maxRecords} | ${s.queries} | ${s.queriesPassed} |`)
  return `${out.join('\n')}\n`
}
