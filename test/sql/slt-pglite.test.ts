// Goal: every test/sql/*.slt file states PostgreSQL's answers, so our expectations are not
// merely what Tessera happens to do. Method: the same files on PGlite (PostgreSQL in WASM, this
// process), identifying as `postgresql`, so `onlyif tessera` records (intentional differences)
// are skipped there and `skipif tessera` ones run only there. One PGlite, emptied per file.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PgliteEngine } from './slt/pglite-engine.ts'
import { parseSlt } from './slt/parser.ts'
import { describeFailure, runRecords } from './slt/runner.ts'

const SLT_FILES = [...new Bun.Glob('*.slt').scanSync({ cwd: import.meta.dir })].sort()

let engine: PgliteEngine
beforeAll(async () => {
  engine = await PgliteEngine.open('postgresql')
})
afterAll(() => engine.close())

describe('test/sql/*.slt on PostgreSQL (PGlite)', () => {
  for (const file of SLT_FILES) {
    test(file, async () => {
      await engine.reset()
      const records = parseSlt(readFileSync(join(import.meta.dir, file), 'utf8'))
      const result = await runRecords(records, engine, { statementTimeoutMs: 10_000 })
      const report = result.failures.map(describeFailure).join('\n')
      expect(report, `${file}: ${result.failures.length} failing records on PostgreSQL`).toBe('')
      expect(result.counts.queries + result.counts.statements).toBeGreaterThan(0)
    })
  }
})
