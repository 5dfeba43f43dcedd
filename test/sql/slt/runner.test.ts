// Goal: the executor turns every engine outcome into the right verdict: passes, wrong values,
// hashes, column counts, expected and exact SQLSTATE errors, label consistency, skips and halts.
// Method: small inline files against real PostgreSQL (PGlite), including files that must fail.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PgliteEngine } from './pglite-engine.ts'
import { parseSlt } from './parser.ts'
import { runRecords, type FileResult } from './runner.ts'

let engine: PgliteEngine
beforeAll(async () => {
  engine = await PgliteEngine.open('postgresql')
})
afterAll(() => engine.close())

async function run(text: string, maxRecords?: number): Promise<FileResult> {
  await engine.reset()
  return runRecords(parseSlt(text), engine, {
    statementTimeoutMs: 5_000,
    ...(maxRecords !== undefined && { maxRecords }),
  })
}

const SETUP =
  "statement ok\nCREATE TABLE t(a int, b text)\n\nstatement ok\nINSERT INTO t VALUES (2, 'x'), (1, ''), (NULL, NULL)\n\n"

describe('runRecords', () => {
  test('passing statements and queries, in every sort mode and as a hash', async () => {
    const r = await run(
      SETUP +
        'query IT rowsort\nSELECT a, b FROM t\n----\n1\n(empty)\n2\nx\nNULL\nNULL\n\n' +
        'query IT nosort\nSELECT a, b FROM t ORDER BY a NULLS FIRST\n----\nNULL\nNULL\n1\n(empty)\n2\nx\n\n' +
        'query I valuesort\nSELECT a FROM t\n----\n1\n2\nNULL\n\n' +
        'query I rowsort\nSELECT a FROM t\n----\n3 values hashing to 947ac7611a144a747fd1ba4cb9205642\n\n' +
        'query R\nSELECT avg(a) FROM t\n----\n1.500\n\n' +
        "statement count 2\nUPDATE t SET b = 'y' WHERE a IS NOT NULL\n",
    )
    expect(r.failures).toEqual([])
    expect(r.counts).toMatchObject({
      queries: 5,
      queriesPassed: 5,
      statements: 3,
      statementsPassed: 3,
    })
  })

  test('mismatches fail: values, value count, hash, column count, row count', async () => {
    const r = await run(
      SETUP +
        'query I rowsort\nSELECT a FROM t\n----\n1\n2\n3\n\n' +
        'query I rowsort\nSELECT a FROM t\n----\n1\n2\n\n' +
        'query I rowsort\nSELECT a FROM t\n----\n3 values hashing to 00000000000000000000000000000000\n\n' +
        'query II\nSELECT a FROM t WHERE a = 1\n----\n1\n\n' +
        'statement count 5\nDELETE FROM t WHERE a = 1\n',
    )
    expect(r.failures.map((f) => f.reason)).toEqual([
      'wrong result',
      'wrong result',
      'wrong result',
      'column count',
      'wrong row count',
    ])
    expect(r.failures[0]).toMatchObject({ expected: ['1', '2', '3'], actual: ['1', '2', 'NULL'] })
    expect(r.counts).toMatchObject({ queries: 4, queriesPassed: 0, statementsPassed: 2 })
  })

  test('errors: any error, exact SQLSTATE, message pattern, and an ok statement that fails', async () => {
    const r = await run(
      SETUP +
        'statement error\nSELECT * FROM nope\n\n' +
        'statement error pgcode 42P01\nSELECT * FROM nope\n\n' +
        'statement error pgcode 22012\nSELECT * FROM nope\n\n' +
        'query error pgcode 22012 division by\nSELECT 1/0\n\n' +
        'query error pgcode 22012 nothing like this\nSELECT 1/0\n\n' +
        'statement error\nSELECT 1\n\n' +
        'statement ok\nINSERT INTO nope VALUES (1)\n',
    )
    expect(r.failures.map((f) => [f.line, f.reason])).toEqual([
      [13, 'wrong error'],
      [19, 'wrong error'],
      [22, 'no error'],
      [25, 'error'],
    ])
    expect(r.failures[3]).toMatchObject({ code: '42P01' })
    expect(r.counts.statementsRejected).toBe(1)
  })

  test('labels: queries sharing a label must agree', async () => {
    const r = await run(
      SETUP +
        'query I rowsort label-1\nSELECT a FROM t WHERE a > 0\n----\n1\n2\n\n' +
        'query I rowsort label-1\nSELECT a FROM t WHERE a >= 1\n----\n1\n2\n\n' +
        'query I rowsort label-1\nSELECT a + 1 FROM t WHERE a > 0\n----\n2\n3\n',
    )
    expect(r.failures.map((f) => f.reason)).toEqual(['label mismatch'])
  })

  test('skipif/onlyif decide per record; a halt that applies ends the file; maxRecords cuts it', async () => {
    const text =
      'skipif postgresql\nstatement ok\nSELECT nonsense\n\n' +
      'onlyif mysql\nstatement ok\nSELECT nonsense\n\n' +
      'skipif mysql\nquery I\nSELECT 1\n----\n1\n\n' +
      'onlyif sqlite\nhalt\n\n' +
      'query I\nSELECT 2\n----\n2\n\n' +
      'skipif sqlite\nhalt\n\n' +
      'statement ok\nSELECT nonsense\n\nquery I\nSELECT 3\n----\n3\n'
    const r = await run(text)
    expect(r.failures).toEqual([])
    expect(r.counts).toMatchObject({ queries: 2, queriesPassed: 2, skipped: 4, halted: true })
    const cut = await run(text, 3)
    expect(cut.counts).toMatchObject({ queries: 1, skipped: 2, halted: false })
  })
})
