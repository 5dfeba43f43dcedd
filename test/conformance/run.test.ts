// Goal: one corpus file can cost the run only itself: a file past its time limit reports what it
// ran as 'timeout', a file that breaks the child reports 'crashed', and the run goes on. Method:
// synthetic corpus files in a temporary directory, each run in a real child process.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInChild, type Args } from './run.ts'

const dir = mkdtempSync(join(tmpdir(), 'tessera-slt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const args = (fileTimeoutMs: number): Args => ({
  files: '*',
  maxRecords: undefined,
  fileTimeoutMs,
  write: false,
  bareAliases: false,
})

describe('runInChild', () => {
  test('a file that finishes reports its counts', async () => {
    writeFileSync(
      join(dir, 'ok.test'),
      'statement ok\nCREATE TABLE t (a int)\n\nquery I\nSELECT count(*) FROM t\n----\n0\n\nquery I\nSELECT 2\n----\n3\n',
    )
    const s = await runInChild(dir, 'ok.test', args(60_000))
    expect(s).toMatchObject({
      status: 'ok',
      queries: 2,
      queriesPassed: 1,
      statements: 1,
      statementsPassed: 1,
    })
    expect(s.failureGroups.map((g) => g.key)).toEqual(['query: wrong result'])
  }, 60_000)

  test('a file longer than its limit stops at the deadline with what it ran', async () => {
    // Each record counts 50,000 generated rows (milliseconds of work), so 2,000 of them outlast
    // the 2 s limit on any machine, while the first ones finish on a slow one.
    const records = Array.from({ length: 2_000 }, () => `query I\nSELECT count(*) FROM generate_series(1, 50000)\n----\n50000\n`).join('\n')
    writeFileSync(join(dir, 'long.test'), records)
    const s = await runInChild(dir, 'long.test', args(2_000))
    expect(s.status).toBe('timeout')
    expect(s.queries).toBeGreaterThan(0)
    expect(s.queries).toBeLessThan(2_000)
    expect(s.queriesPassed).toBe(s.queries)
  }, 60_000)

  test('a file the child cannot read reports crashed', async () => {
    writeFileSync(join(dir, 'bad.test'), 'statement sometimes\nSELECT 1\n')
    const s = await runInChild(dir, 'bad.test', args(60_000))
    expect(s.status).toBe('crashed')
    expect(s.failureGroups[0]!.key).toContain(
      "statement must be ok, count or error: 'statement sometimes'",
    )
  }, 60_000)
})
