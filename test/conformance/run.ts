// The whole-corpus conformance run (issue 4): every sqllogictest file of ../shared/conformance on
// a fresh in-process region, one child process per file with a time limit, figures per file into
// results.json and results.md beside PostgreSQL's own. Usage:
//   bun test/conformance/run.ts [--files GLOB] [--max-records N] [--file-timeout SECONDS] [--no-write]
//                               [--bare-aliases]  (also run upstream's "requires AS" exclusions; never written)
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  CORPUS_ABSENT_MESSAGE,
  findCorpus,
  RESULTS_JSON,
  RESULTS_MD,
  SUBSET,
  type FileSummary,
} from './corpus.ts'
import { noCounts } from '../sql/slt/runner.ts'
import { renderResultsMarkdown } from './report.ts'
import { runCorpusFile } from './run-file.ts'

export interface Args {
  readonly files: string
  readonly maxRecords: number | undefined
  readonly fileTimeoutMs: number
  readonly write: boolean
  readonly bareAliases: boolean
}

/** The results file: the latest summary of every file, and the CI slice's figures. */
export interface Results {
  generatedAt: string
  files: Record<string, FileSummary>
  subset: Record<
    string,
    { maxRecords: number; queriesPassed: number; statementsPassed: number; queries: number }
  >
}

function parseArgs(argv: readonly string[]): Args {
  let files = '**/*.test'
  let maxRecords: number | undefined
  let fileTimeoutMs = 600_000
  let write = true
  let bareAliases = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--files') files = next()
    else if (a === '--max-records') maxRecords = Number(next())
    else if (a === '--file-timeout') fileTimeoutMs = Number(next()) * 1000
    else if (a === '--no-write') write = false
    else if (a === '--bare-aliases') bareAliases = true
    else throw new Error(`unknown argument ${a}`)
  }
  return { files, maxRecords, fileTimeoutMs, write, bareAliases }
}

/** One file in a child process: a hang or crash there is reported, never inherited. */
export async function runInChild(corpus: string, file: string, args: Args): Promise<FileSummary> {
  const started = Date.now()
  // The child stops by itself a little before the limit and reports what it ran; the kill is
  // for a child stuck where it cannot look at the clock.
  const deadline = started + args.fileTimeoutMs - Math.min(10_000, args.fileTimeoutMs / 10)
  const cmd = [
    process.execPath,
    join(import.meta.dir, 'run-file.ts'),
    corpus,
    file,
    String(deadline),
    args.bareAliases ? '1' : '0',
  ]
  if (args.maxRecords !== undefined) cmd.push(String(args.maxRecords))
  const child = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe' })
  const kill = setTimeout(() => child.kill(9), args.fileTimeoutMs)
  const [out, err] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ])
  const code = await child.exited
  clearTimeout(kill)
  const last = out.trim().split('\n').at(-1)
  if (code === 0 && last !== undefined && last.startsWith('{'))
    return JSON.parse(last) as FileSummary
  const elapsedMs = Date.now() - started
  const status = elapsedMs >= args.fileTimeoutMs ? 'timeout' : 'crashed'
  return {
    file,
    status,
    ...noCounts(),
    elapsedMs,
    recordsPerSecond: 0,
    failureGroups: [
      { key: `${status}: ${errorLine(err)}`, count: 1, example: { line: 0, sql: '' } },
    ],
  }
}

/** The child's error message from its stderr (Bun prints `error: ...` after the source excerpt). */
function errorLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  return (lines.find((l) => /^\w*error\b/i.test(l.trim())) ?? lines.slice(-3).join(' '))
    .trim()
    .slice(0, 200)
}

function line(s: FileSummary): string {
  const rate = s.queries === 0 ? '-' : `${((100 * s.queriesPassed) / s.queries).toFixed(2)}%`
  const status = s.status === 'ok' ? '' : ` [${s.status}]`
  return (
    `${s.file.padEnd(44)} queries ${String(s.queriesPassed).padStart(6)}/${String(s.queries).padEnd(6)} ${rate.padStart(7)}` +
    `  failed ${String(s.queries - s.queriesPassed).padStart(6)}  skipped ${String(s.skipped).padStart(5)}` +
    `  stmts rejected ${String(s.statementsRejected).padStart(4)}  ${(s.elapsedMs / 1000).toFixed(1)}s ${s.recordsPerSecond} rec/s${status}`
  )
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const corpus = findCorpus()
  if (corpus === null) {
    console.log(CORPUS_ABSENT_MESSAGE)
    return
  }
  const files = [...new Bun.Glob(args.files).scanSync({ cwd: corpus })]
    .filter((f) => f.endsWith('.test'))
    .sort()
  if (files.length === 0) throw new Error(`no corpus file matches ${args.files}`)
  const started = Date.now()
  const summaries: FileSummary[] = []
  for (const file of files) {
    const s = await runInChild(corpus, file, args)
    summaries.push(s)
    console.log(line(s))
  }
  const seconds = (Date.now() - started) / 1000
  const records = summaries.reduce((n, s) => n + s.queries + s.statements, 0)
  const queries = summaries.reduce((n, s) => n + s.queries, 0)
  const passed = summaries.reduce((n, s) => n + s.queriesPassed, 0)
  console.log(
    `total: ${passed}/${queries} queries passed (${((100 * passed) / Math.max(queries, 1)).toFixed(2)}%), ` +
      `${records} records in ${seconds.toFixed(1)} s (${Math.round(records / seconds)} records/s)`,
  )
  if (!args.write || args.maxRecords !== undefined || args.bareAliases) {
    console.log('results files not written (--no-write, --max-records or --bare-aliases)')
    return
  }
  const results: Results = existsSync(RESULTS_JSON)
    ? (JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as Results)
    : { generatedAt: '', files: {}, subset: {} }
  results.generatedAt = new Date().toISOString()
  for (const s of summaries) results.files[s.file] = s
  results.subset = {}
  for (const slice of SUBSET) {
    const s = await runCorpusFile(corpus, slice.file, { maxRecords: slice.maxRecords })
    results.subset[slice.file] = {
      maxRecords: slice.maxRecords,
      queries: s.queries,
      queriesPassed: s.queriesPassed,
      statementsPassed: s.statementsPassed,
    }
  }
  writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 1)}\n`)
  writeFileSync(RESULTS_MD, renderResultsMarkdown(results))
  console.log(`wrote ${RESULTS_JSON} and ${RESULTS_MD}`)
}

if (import.meta.main) await main()
