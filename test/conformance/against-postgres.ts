// Triage beside PostgreSQL: runs corpus files on Tessera and on PGlite and sorts every record into
// PostgreSQL passes / Tessera fails (a gap to close), PostgreSQL fails / Tessera passes (Tessera
// answers differently from PostgreSQL: suspicious), and both fail (with the two SQLSTATEs).
//   bun test/conformance/against-postgres.ts [--files GLOB] [--max-records N] [--show N]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSlt } from '../sql/slt/parser.ts'
import { PgliteEngine } from '../sql/slt/pglite-engine.ts'
import { describeFailure, runRecords, type RecordFailure } from '../sql/slt/runner.ts'
import { TesseraEngine } from '../sql/slt/tessera-engine.ts'
import { CORPUS_ABSENT_MESSAGE, failureKey, findCorpus } from './corpus.ts'

type Verdicts = Map<number, RecordFailure | null>

async function verdicts(
  records: ReturnType<typeof parseSlt>,
  engine: TesseraEngine | PgliteEngine,
  maxRecords?: number,
): Promise<Verdicts> {
  const out: Verdicts = new Map()
  await runRecords(records, engine, {
    statementTimeoutMs: 10_000,
    ...(maxRecords !== undefined && { maxRecords }),
    onRecord: (r, f) => out.set(r.line, f),
  })
  return out
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1)
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const arg = (name: string) => {
    const i = argv.indexOf(name)
    return i < 0 ? undefined : argv[i + 1]
  }
  const corpus = findCorpus()
  if (corpus === null) {
    console.log(CORPUS_ABSENT_MESSAGE)
    return
  }
  const max = arg('--max-records')
  const show = Number(arg('--show') ?? 5)
  const files = [...new Bun.Glob(arg('--files') ?? '**/*.test').scanSync({ cwd: corpus })]
    .filter((f) => f.endsWith('.test'))
    .sort()
  const pg = await PgliteEngine.open('postgresql')
  const gaps = new Map<string, number>()
  const bothFail = new Map<string, number>()
  const deviations: string[] = []
  for (const file of files) {
    const records = parseSlt(readFileSync(join(corpus, file), 'utf8'))
    await pg.reset()
    const p = await verdicts(records, pg, max === undefined ? undefined : Number(max))
    const tessera = await TesseraEngine.open('postgresql', { statementTimeoutMs: 5_000 })
    const t = await verdicts(records, tessera, max === undefined ? undefined : Number(max))
    await tessera.close()
    let gap = 0
    let deviation = 0
    for (const [line, tf] of t) {
      const pf = p.get(line) ?? null
      if (tf !== null && pf === null) {
        gap++
        bump(gaps, failureKey(tf))
      } else if (tf === null && pf !== null) {
        deviation++
        deviations.push(`${file}:${describeFailure(pf).replace(/^line /, '')}`)
      } else if (tf !== null && pf !== null) {
        bump(bothFail, `PostgreSQL ${pf.code ?? pf.reason} / Tessera ${tf.code ?? tf.reason}`)
      }
    }
    console.log(
      `${file.padEnd(44)} PostgreSQL passes, Tessera fails: ${String(gap).padStart(5)}   Tessera passes, PostgreSQL fails: ${deviation}`,
    )
  }
  await pg.close()
  const table = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`)
    for (const [k, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 25))
      console.log(`${String(n).padStart(7)}  ${k}`)
  }
  table('Gaps (PostgreSQL passes, Tessera fails), by Tessera failure:', gaps)
  table('Both fail (PostgreSQL code / Tessera code):', bothFail)
  console.log(
    `\nTessera passes where PostgreSQL fails (${deviations.length}; PostgreSQL's failure shown):`,
  )
  for (const d of deviations.slice(0, show)) console.log(d)
}

if (import.meta.main) await main()
