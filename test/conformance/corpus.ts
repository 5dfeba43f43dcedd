// Where the shared sqllogictest corpus lives (outside the repository: CI has it, a clone may
// not), the slices the CI subset runs, and how one file's run is summarised for results.json.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { FileCounts, RecordFailure } from '../sql/slt/runner.ts'

export const REPO_ROOT = resolve(import.meta.dir, '../..')
export const CONFORMANCE_DIR = resolve(REPO_ROOT, '../shared/conformance')
export const CORPUS_DIR = join(CONFORMANCE_DIR, 'sqllogictest')
export const RESULTS_JSON = join(import.meta.dir, 'results.json')
export const RESULTS_MD = join(import.meta.dir, 'results.md')

/** The corpus directory, or null (with the reason) when this checkout has none. */
export function findCorpus(): string | null {
  return existsSync(join(CORPUS_DIR, 'select1.test')) ? CORPUS_DIR : null
}

export const CORPUS_ABSENT_MESSAGE =
  `sqllogictest corpus not found at ${CORPUS_DIR} (it lives beside the repository in CI, ` +
  'as ../shared/conformance); nothing to run'

/** The CI slice: the first records of a few files, fast enough for every test run. */
export const SUBSET: readonly { readonly file: string; readonly maxRecords: number }[] = [
  { file: 'select1.test', maxRecords: 400 },
  { file: 'index/between/1/slt_good_0.test', maxRecords: 400 },
  { file: 'random/expr/slt_good_0.test', maxRecords: 600 },
]

/** A failure group: errors by SQLSTATE and message shape, mismatches by kind. */
export interface FailureGroup {
  readonly key: string
  count: number
  readonly example: { readonly line: number; readonly sql: string }
}

/** One file's figures as results.json keeps them. */
export interface FileSummary extends FileCounts {
  readonly file: string
  /** 'ok', or why the file did not finish: its counts then cover only what ran. */
  readonly status: 'ok' | 'timeout' | 'crashed'
  readonly elapsedMs: number
  readonly recordsPerSecond: number
  readonly failureGroups: readonly FailureGroup[]
  /** The slowest records of the file, slowest first: where plans cost most. */
  readonly slowest?: readonly { readonly line: number; readonly ms: number; readonly sql: string }[]
}

/** Groups failures so the most common causes come first; messages lose quoted names and numbers
 * so "column \"col0\" does not exist" and "column \"col1\" ..." count together. */
export function groupFailures(failures: readonly RecordFailure[], limit: number): FailureGroup[] {
  const groups = new Map<string, FailureGroup>()
  for (const f of failures) {
    const key = failureKey(f)
    const g = groups.get(key)
    if (g === undefined)
      groups.set(key, { key, count: 1, example: { line: f.line, sql: f.sql.slice(0, 300) } })
    else g.count++
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, limit)
}

export function failureKey(f: RecordFailure): string {
  if (f.code === undefined) return `${f.record}: ${f.reason}`
  const message = (f.message ?? '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .slice(0, 90)
  return `${f.code} ${message}`
}

/** PostgreSQL 15's own figures per file, from postgresql-results.md beside the corpus. */
export function postgresFigures(): Map<
  string,
  { applicable: number; passes: number; rejects: number }
> {
  const out = new Map<string, { applicable: number; passes: number; rejects: number }>()
  const path = join(CONFORMANCE_DIR, 'postgresql-results.md')
  if (!existsSync(path)) return out
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)\s*\|/.exec(line)
    if (m === null) continue
    const n = (s: string) => Number(s.replaceAll(',', ''))
    out.set(m[1]!, { applicable: n(m[2]!), passes: n(m[3]!), rejects: n(m[4]!) })
  }
  return out
}
