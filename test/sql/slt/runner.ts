// sqllogictest executor: runs a file's records in order against one SqlEngine on an empty
// database and counts what passed, failed and was skipped, keeping each failure's reason.
import { applies, type Condition, type ExpectedError, type SltRecord } from './parser.ts'
import { hashValues, parseHashLine, renderResult, type EngineValue } from './render.ts'

/** What one statement did: rows (possibly none) or an error with its SQLSTATE. */
export type EngineOutcome =
  | {
      readonly kind: 'ok'
      readonly columns: number
      readonly rows: readonly (readonly EngineValue[])[]
      readonly rowCount: number
      /** PostgreSQL type names of the columns (`int4`, `numeric`, ...), when the engine says. */
      readonly types?: readonly string[]
    }
  | { readonly kind: 'error'; readonly code: string; readonly message: string }

/** A database a file runs against. `name` is what `skipif`/`onlyif` conditions compare with. */
export interface SqlEngine {
  readonly name: string
  execute(sql: string): Promise<EngineOutcome>
}

export type FailureReason =
  | 'error' // an ok statement or a query failed
  | 'wrong result'
  | 'wrong row count'
  | 'column count'
  | 'no error' // an error was expected
  | 'wrong error'
  | 'label mismatch'
  | 'timeout'

export interface RecordFailure {
  readonly line: number
  readonly record: 'statement' | 'query'
  readonly sql: string
  readonly reason: FailureReason
  /** SQLSTATE and message when the engine raised an error. */
  readonly code?: string
  readonly message?: string
  /** For mismatches: what the file expects and what the engine gave, as rendered lines. */
  readonly expected?: readonly string[]
  readonly actual?: readonly string[]
}

export interface FileCounts {
  queries: number
  queriesPassed: number
  statements: number
  statementsPassed: number
  /** `statement ok` records the engine answered with an error. */
  statementsRejected: number
  /** Records not run: conditions excluded them or a halt stopped the file first. */
  skipped: number
  /** True when a halt that applies to the engine ended the file. */
  halted: boolean
}

/** Counts of a file nothing has run of yet. */
export const noCounts = (): FileCounts => ({
  queries: 0,
  queriesPassed: 0,
  statements: 0,
  statementsPassed: 0,
  statementsRejected: 0,
  skipped: 0,
  halted: false,
})

export interface FileResult {
  readonly counts: FileCounts
  readonly failures: readonly RecordFailure[]
  readonly elapsedMs: number
}

export interface RunOptions {
  /** Only the first N records of the file (controls included). */
  readonly maxRecords?: number
  /** A statement taking longer fails as 'timeout' and the run goes on. */
  readonly statementTimeoutMs?: number
  /** Stop early (remaining records count as skipped) once this wall time (ms since epoch) passes. */
  readonly deadlineMs?: number
  /** `skipif` lines to disregard (see `applies`). */
  readonly ignoreSkip?: (c: Condition) => boolean
  /** Told every executed statement or query with its verdict (null: passed) and its duration. */
  readonly onRecord?: (record: SltRecord, failure: RecordFailure | null, elapsedMs: number) => void
}

const TIMED_OUT = Symbol('timed out')

/** Runs the records in order. Never throws for what the engine does: every outcome is counted. */
export async function runRecords(
  records: readonly SltRecord[],
  engine: SqlEngine,
  options: RunOptions = {},
): Promise<FileResult> {
  const started = performance.now()
  const counts = noCounts()
  const failures: RecordFailure[] = []
  const labels = new Map<string, string>()
  const list = options.maxRecords === undefined ? records : records.slice(0, options.maxRecords)
  for (let i = 0; i < list.length; i++) {
    const record = list[i]!
    if (options.deadlineMs !== undefined && Date.now() > options.deadlineMs) {
      counts.skipped += countRecords(list.slice(i))
      break
    }
    if (!applies(record.conditions, engine.name, options.ignoreSkip)) {
      if (record.kind === 'statement' || record.kind === 'query') counts.skipped++
      continue
    }
    if (record.kind === 'hash-threshold') continue
    if (record.kind === 'halt') {
      counts.halted = true
      counts.skipped += countRecords(list.slice(i + 1))
      break
    }
    const recordStarted = performance.now()
    const outcome = await executeBounded(engine, record.sql, options.statementTimeoutMs)
    const recordMs = performance.now() - recordStarted
    const failure =
      record.kind === 'statement'
        ? checkStatement(record, outcome)
        : checkQuery(record, outcome, labels)
    if (record.kind === 'statement') {
      counts.statements++
      if (record.expect.kind !== 'error' && outcome !== TIMED_OUT && outcome.kind === 'error')
        counts.statementsRejected++
      if (failure === null) counts.statementsPassed++
    } else {
      counts.queries++
      if (failure === null) counts.queriesPassed++
    }
    const full =
      failure === null
        ? null
        : { line: record.line, record: record.kind, sql: record.sql, ...failure }
    if (full !== null) failures.push(full)
    options.onRecord?.(record, full, recordMs)
  }
  return { counts, failures, elapsedMs: performance.now() - started }
}

function countRecords(records: readonly SltRecord[]): number {
  return records.filter((r) => r.kind === 'statement' || r.kind === 'query').length
}

async function executeBounded(
  engine: SqlEngine,
  sql: string,
  timeoutMs: number | undefined,
): Promise<EngineOutcome | typeof TIMED_OUT> {
  if (timeoutMs === undefined) return engine.execute(sql)
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs)
  })
  try {
    return await Promise.race([engine.execute(sql), timeout])
  } finally {
    clearTimeout(timer)
  }
}

type Failure = Omit<RecordFailure, 'line' | 'record' | 'sql'>

function errorFields(outcome: EngineOutcome): Pick<Failure, 'code' | 'message'> {
  return outcome.kind === 'error' ? { code: outcome.code, message: outcome.message } : {}
}

function checkStatement(
  record: Extract<SltRecord, { kind: 'statement' }>,
  outcome: EngineOutcome | typeof TIMED_OUT,
): Failure | null {
  if (outcome === TIMED_OUT) return { reason: 'timeout' }
  const expect = record.expect
  if (expect.kind === 'error') return checkError(expect.error, outcome)
  if (outcome.kind === 'error') return { reason: 'error', ...errorFields(outcome) }
  if (expect.kind === 'count' && outcome.rowCount !== expect.count) {
    return {
      reason: 'wrong row count',
      expected: [String(expect.count)],
      actual: [String(outcome.rowCount)],
    }
  }
  return null
}

function checkError(expected: ExpectedError, outcome: EngineOutcome): Failure | null {
  if (outcome.kind === 'ok') return { reason: 'no error' }
  if (expected.code !== null && outcome.code !== expected.code) {
    return {
      reason: 'wrong error',
      expected: [expected.code],
      actual: [outcome.code],
      ...errorFields(outcome),
    }
  }
  if (expected.message !== null && !new RegExp(expected.message).test(outcome.message)) {
    return {
      reason: 'wrong error',
      expected: [expected.message],
      actual: [outcome.message],
      ...errorFields(outcome),
    }
  }
  return null
}

function checkQuery(
  record: Extract<SltRecord, { kind: 'query' }>,
  outcome: EngineOutcome | typeof TIMED_OUT,
  labels: Map<string, string>,
): Failure | null {
  if (outcome === TIMED_OUT) return { reason: 'timeout' }
  if (record.error !== null) return checkError(record.error, outcome)
  if (outcome.kind === 'error') return { reason: 'error', ...errorFields(outcome) }
  if (outcome.columns !== record.types.length) {
    return {
      reason: 'column count',
      expected: [record.types],
      actual: [`${outcome.columns} columns`],
    }
  }
  const values = renderResult(outcome.rows, record.types, record.sort)
  const hashed = parseHashLine(record.expected)
  const hash = hashValues(values)
  if (hashed !== null) {
    if (hashed.count !== values.length || hashed.hash !== hash) {
      return {
        reason: 'wrong result',
        expected: record.expected,
        actual: [`${values.length} values hashing to ${hash}`],
      }
    }
  } else if (
    values.length !== record.expected.length ||
    values.some((v, i) => v !== record.expected[i])
  ) {
    return { reason: 'wrong result', expected: record.expected, actual: values }
  }
  if (record.label !== null) {
    const earlier = labels.get(record.label)
    if (earlier === undefined) labels.set(record.label, hash)
    else if (earlier !== hash)
      return { reason: 'label mismatch', expected: [earlier], actual: [hash] }
  }
  return null
}

/** One line per failure, for a test's failure message. */
export function describeFailure(f: RecordFailure): string {
  const sql = f.sql.replace(/\s+/g, ' ').slice(0, 200)
  const parts = [`line ${f.line}: ${f.reason}: ${sql}`]
  if (f.code !== undefined) parts.push(`  error ${f.code}: ${f.message ?? ''}`)
  if (f.expected !== undefined) parts.push(`  expected: ${f.expected.slice(0, 20).join(' | ')}`)
  if (f.actual !== undefined) parts.push(`  actual:   ${f.actual.slice(0, 20).join(' | ')}`)
  return parts.join('\n')
}
