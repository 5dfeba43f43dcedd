// Goal: conformance never regresses unnoticed. Method: the CI slice (the first records of a few
// corpus files, see SUBSET) runs in process on fresh regions, and each file's pass count must be
// at least what results.json recorded. Without the corpus (a clone outside CI) there is nothing
// to compare, and the test says so and passes: the only conditional test in the suite.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { CORPUS_ABSENT_MESSAGE, findCorpus, RESULTS_JSON, SUBSET } from './corpus.ts'
import { runCorpusFile } from './run-file.ts'
import type { Results } from './run.ts'

const corpus = findCorpus()
const results = JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as Results

describe('sqllogictest CI slice', () => {
  test('the committed results cover every slice file', () => {
    for (const slice of SUBSET)
      expect(results.subset[slice.file]?.maxRecords).toBe(slice.maxRecords)
  })

  for (const slice of SUBSET) {
    test(`${slice.file} (first ${slice.maxRecords} records) passes no fewer than recorded`, async () => {
      if (corpus === null) {
        console.log(CORPUS_ABSENT_MESSAGE)
        return
      }
      const recorded = results.subset[slice.file]!
      const got = await runCorpusFile(corpus, slice.file, { maxRecords: slice.maxRecords })
      expect(got.queries).toBe(recorded.queries)
      expect(
        got.queriesPassed,
        `${slice.file}: ${got.queriesPassed} passed, ${recorded.queriesPassed} recorded`,
      ).toBeGreaterThanOrEqual(recorded.queriesPassed)
      expect(got.statementsPassed).toBeGreaterThanOrEqual(recorded.statementsPassed)
    })
  }
})
