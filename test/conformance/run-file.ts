// Runs one corpus file on a fresh in-process Tessera region and prints its summary as JSON on
// stdout; run.ts starts one such process per file, so a file that hangs or crashes costs only
// itself (the parent kills it at its time limit).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSlt, type SltRecord } from '../sql/slt/parser.ts'
import { runRecords } from '../sql/slt/runner.ts'
import { TesseraEngine } from '../sql/slt/tessera-engine.ts'
import { groupFailures, type FileSummary } from './corpus.ts'

/** Statements past this fail inside the engine (57014); the runner gives up a little later. */
const STATEMENT_TIMEOUT_MS = 5_000
const RUNNER_TIMEOUT_MS = 10_000
const FAILURE_GROUPS_PER_FILE = 40
const SLOWEST_PER_FILE = 5

/** Upstream's most common PostgreSQL exclusion: a column alias without AS. Modern PostgreSQL
 * accepts most of them, so the optional `--bare-aliases` pass runs these records too. */
export function isBareAliasSkip(c: { readonly comment: string }): boolean {
  return c.comment.includes('requires AS when renaming output columns')
}

export async function runCorpusFile(
  corpusDir: string,
  file: string,
  options: { maxRecords?: number; deadlineMs?: number; bareAliases?: boolean } = {},
): Promise<FileSummary> {
  const records = parseSlt(readFileSync(join(corpusDir, file), 'utf8'))
  const engine = await TesseraEngine.open('postgresql', {
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
  })
  const slowest: { line: number; ms: number; sql: string }[] = []
  const noteDuration = (record: SltRecord, ms: number) => {
    if (record.kind !== 'statement' && record.kind !== 'query') return
    if (slowest.length === SLOWEST_PER_FILE && ms <= slowest[SLOWEST_PER_FILE - 1]!.ms) return
    slowest.push({ line: record.line, ms: Math.round(ms), sql: record.sql.slice(0, 300) })
    slowest.sort((a, b) => b.ms - a.ms)
    slowest.length = Math.min(slowest.length, SLOWEST_PER_FILE)
  }
  try {
    const result = await runRecords(records, engine, {
      onRecord: (record, _failure, ms) => noteDuration(record, ms),
      statementTimeoutMs: RUNNER_TIMEOUT_MS,
      ...(options.maxRecords !== undefined && { maxRecords: options.maxRecords }),
      ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
      ...(options.bareAliases === true && { ignoreSkip: isBareAliasSkip }),
    })
    const stopped = options.deadlineMs !== undefined && Date.now() > options.deadlineMs
    const ran = result.counts.queries + result.counts.statements
    return {
      file,
      status: stopped ? 'timeout' : 'ok',
      ...result.counts,
      elapsedMs: Math.round(result.elapsedMs),
      recordsPerSecond: Math.round((ran / Math.max(result.elapsedMs, 1)) * 1000),
      failureGroups: groupFailures(result.failures, FAILURE_GROUPS_PER_FILE),
      slowest,
    }
  } finally {
    await engine.close()
  }
}

if (import.meta.main) {
  const [corpusDir, file, deadline, bare, max] = process.argv.slice(2)
  if (
    corpusDir === undefined ||
    file === undefined ||
    deadline === undefined ||
    bare === undefined
  ) {
    throw new Error(
      'usage: run-file.ts <corpus dir> <file> <deadline ms since epoch> <bare aliases: 0|1> [maxRecords]',
    )
  }
  const summary = await runCorpusFile(corpusDir, file, {
    deadlineMs: Number(deadline),
    bareAliases: bare === '1',
    ...(max !== undefined && { maxRecords: Number(max) }),
  })
  process.stdout.write(`${JSON.stringify(summary)}\n`)
  process.exit(0)
}
