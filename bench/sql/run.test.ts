// bench/sql end to end at a toy size: the script loads both engines, finds them agreeing on every
// workload (the breakdown's too), and writes a report naming each figure. Method: run it as a
// child process, as `bun bench/run.ts sql` does, and read the JSON it writes.
import { describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { breakdown, loadTransactions, sizesOf, workloads } from './workloads.ts'

describe('bench/sql', () => {
  test('loading stays within a transaction: every INSERT and transaction holds at most what was asked', () => {
    const txs = loadTransactions(sizesOf(1_050), 100, 250)
    const rowsOf = (sql: string) => sql.split('), (').length
    expect(txs.flat().every((s) => rowsOf(s.sql) <= 100)).toBe(true)
    expect(txs.every((tx) => tx.reduce((sum, s) => sum + rowsOf(s.sql), 0) <= 250)).toBe(true)
    expect(txs.flat().reduce((sum, s) => sum + rowsOf(s.sql), 0)).toBe(1_050 + 105)
  })

  test('a toy run measures both engines on every workload and they agree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sql-test-'))
    try {
      const out = join(dir, 'sql.json')
      const args = ['--rows', '300', '--seconds', '0.05', '--rounds', '1', '--warmup', '0', '--breakdown', '--out', out]
      const run = spawnSync(process.execPath, [join(import.meta.dir, 'run.ts'), ...args], { encoding: 'utf8', timeout: 60_000 })
      // The child's stderr rides along so that a failure shows why.
      expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' })
      expect(run.stdout).toContain('results agree on all')
      const report = JSON.parse(readFileSync(out, 'utf8'))
      const names = [...workloads, ...breakdown].map((w) => w.name)
      expect(report.checks.every((c: { agree: boolean }) => c.agree)).toBe(true)
      expect(report.ratios.map((r: { workload: string }) => r.workload)).toEqual(names)
      for (const name of names) {
        for (const engine of ['tessera', 'pglite']) {
          const row = report.queries.find((q: { workload: string; engine: string }) => q.workload === name && q.engine === engine)
          expect(row?.queries).toBeGreaterThan(0)
          expect(row?.['p99 ms']).toBeGreaterThanOrEqual(row?.['p50 ms'])
        }
      }
      expect(report.load.map((l: { engine: string }) => l.engine)).toEqual(['tessera', 'pglite'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
