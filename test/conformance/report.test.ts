// Goal: failures are grouped so the commonest causes lead (quoted names and numbers blanked), and
// results.md shows each file beside PostgreSQL's figures. Method: synthetic failures and results.
import { describe, expect, test } from 'bun:test'
import type { RecordFailure } from '../sql/slt/runner.ts'
import { groupFailures, type FileSummary } from './corpus.ts'
import { corpusFailureGroups, renderResultsMarkdown } from './report.ts'

const failure = (line: number, code: string | undefined, message?: string): RecordFailure => ({
  line,
  record: 'query',
  sql: `SELECT ${line}`,
  reason: code === undefined ? 'wrong result' : 'error',
  ...(code !== undefined && { code, message: message ?? '' }),
})

describe('groupFailures', () => {
  test('errors group by SQLSTATE and message shape; mismatches by kind; biggest first', () => {
    const groups = groupFailures(
      [
        failure(1, '42703', 'column "col0" does not exist'),
        failure(2, '0A000', 'joins is not supported'),
        failure(3, '42703', 'column "col1" does not exist'),
        failure(4, undefined),
        failure(5, '42703', 'column "x" does not exist at 12'),
      ],
      3,
    )
    expect(groups.map((g) => [g.key, g.count])).toEqual([
      ['42703 column "…" does not exist', 2],
      ['0A000 joins is not supported', 1],
      ['query: wrong result', 1],
    ])
    expect(groups[0]!.example).toEqual({ line: 1, sql: 'SELECT 1' })
  })
})

describe('results.md', () => {
  const summary = (
    file: string,
    queries: number,
    passed: number,
    groups: FileSummary['failureGroups'],
  ): FileSummary => ({
    file,
    status: 'ok',
    queries,
    queriesPassed: passed,
    statements: 3,
    statementsPassed: 3,
    statementsRejected: 0,
    skipped: 1,
    halted: false,
    elapsedMs: 1500,
    recordsPerSecond: 100,
    failureGroups: groups,
  })
  const files = {
    'select1.test': summary('select1.test', 1000, 475, [
      { key: '0A000 joins is not supported', count: 500, example: { line: 9, sql: 'SELECT *' } },
    ]),
    'random/x.test': summary('random/x.test', 10, 10, [
      { key: '0A000 joins is not supported', count: 25, example: { line: 2, sql: 'x' } },
    ]),
  }

  test('per-file rows with pass rates, family totals, merged failure causes, the CI slice', () => {
    const md = renderResultsMarkdown({
      generatedAt: 'now',
      files,
      subset: {
        'select1.test': { maxRecords: 400, queries: 369, queriesPassed: 177, statementsPassed: 31 },
      },
    })
    expect(md).toContain('| `select1.test` | 1,000 | 475 | 525 | 47.50% |')
    expect(md).toContain('| random | 10 | 10 | 100.00% |')
    expect(md).toContain('| 525 | 0A000 joins is not supported |')
    expect(md).toContain('| `select1.test` | 400 | 369 | 177 |')
    expect(corpusFailureGroups(Object.values(files), 5)).toHaveLength(1)
  })
})
