// Runs one generated case on both databases: the same tables created and filled in each, then
// every query on both, collecting each disagreement with both answers.
import type { EngineOutcome, SqlEngine } from '../slt/runner.ts'
import { difference } from './compare.ts'
import { createTableSql, insertSql, type Case } from './generator.ts'

export interface Finding {
  readonly sql: string
  readonly setup: readonly string[]
  readonly what: string
  readonly tessera: EngineOutcome
  readonly postgres: EngineOutcome
}

/** The SQL that builds the case's tables, in order. */
export function setupSql(c: Case): string[] {
  return c.tables.flatMap((t) =>
    [createTableSql(t), insertSql(t)].filter((s): s is string => s !== null),
  )
}

export async function runCase(
  c: Case,
  tessera: SqlEngine,
  postgres: SqlEngine,
): Promise<Finding[]> {
  const findings: Finding[] = []
  const setup = setupSql(c)
  // A case may be run again while fast-check shrinks it: start from no tables either way.
  for (const t of c.tables) {
    await tessera.execute(`DROP TABLE IF EXISTS ${t.name}`)
    await postgres.execute(`DROP TABLE IF EXISTS ${t.name}`)
  }
  for (const sql of setup) {
    const [t, p] = [await tessera.execute(sql), await postgres.execute(sql)]
    const what = difference(t, p, false)
    if (what !== null) return [{ sql, setup, what: `setup: ${what}`, tessera: t, postgres: p }]
  }
  for (const q of c.queries) {
    const [t, p] = [await tessera.execute(q.sql), await postgres.execute(q.sql)]
    const what = difference(t, p, q.ordered)
    if (what !== null) findings.push({ sql: q.sql, setup, what, tessera: t, postgres: p })
  }
  return findings
}

/** A finding as markdown: the query, the setup, and both answers. */
export function describeFinding(f: Finding): string {
  const answer = (o: EngineOutcome) =>
    o.kind === 'error'
      ? `error ${o.code}: ${o.message}`
      : `${JSON.stringify(o.types)} ${JSON.stringify(o.rows).slice(0, 400)}`
  return [
    `- **${f.what}**`,
    '  ```sql',
    ...f.setup.map((s) => `  ${s};`),
    `  ${f.sql};`,
    '  ```',
    `  Tessera: ${answer(f.tessera)}`,
    `  PostgreSQL: ${answer(f.postgres)}`,
  ].join('\n')
}
