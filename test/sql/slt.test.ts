// Goal: Tessera passes its own logic tests, test/sql/*.slt (exact SQLSTATEs included). Method:
// each file runs whole on a fresh in-memory region through POST /v1/sql, identifying as
// `tessera`; a failing test lists every failing record with expected and actual values.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { TesseraEngine } from './slt/tessera-engine.ts'
import { parseSlt } from './slt/parser.ts'
import { describeFailure, runRecords } from './slt/runner.ts'

export const SLT_FILES = [...new Bun.Glob('*.slt').scanSync({ cwd: import.meta.dir })].sort()

describe('test/sql/*.slt on Tessera', () => {
  test('there are logic-test files to run', () => {
    expect(SLT_FILES.length).toBeGreaterThan(5)
  })

  for (const file of SLT_FILES) {
    test(file, async () => {
      const records = parseSlt(readFileSync(join(import.meta.dir, file), 'utf8'))
      // Generous timeouts: building 8,000,000 array values (function-limits.slt, 54000 at the
      // bound) took most of 5 s on a slow 2-core VM under load, and then timed out (57014).
      const engine = await TesseraEngine.open('tessera', { statementTimeoutMs: 15_000 })
      try {
        const result = await runRecords(records, engine, { statementTimeoutMs: 20_000 })
        const report = result.failures.map(describeFailure).join('\n')
        expect(report, `${file}: ${result.failures.length} failing records`).toBe('')
        expect(result.counts.queries + result.counts.statements).toBeGreaterThan(0)
      } finally {
        await engine.close()
      }
    })
  }
})
