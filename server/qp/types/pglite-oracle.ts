// Test support: PGlite (PostgreSQL compiled to WebAssembly) as the oracle for differential tests of
// the type system and functions, in the session settings Tessera assumes (UTC, ISO, postgres).
import { afterAll, beforeAll } from 'bun:test'
import { PGlite } from '@electric-sql/pglite'

/** A value PostgreSQL printed (`::text`), or the SQLSTATE it raised as `ERROR <code>`. */
export type Outcome = string | null

export interface Oracle {
  /** Runs `select (<expr>)::text` and reports the text or `ERROR <code>`. */
  text(expr: string): Promise<Outcome>
  close(): Promise<void>
}

let shared: Promise<Oracle> | undefined

/** The process's PGlite oracle: bun runs test files in one process, so every differential test
 * file shares one database (starting PGlite costs about three seconds of CPU). `close` is a no-op;
 * the database ends with the process. Each query is a bare SELECT, so files cannot disturb one
 * another through it. */
export function startOracle(): Promise<Oracle> {
  shared ??= open()
  return shared
}

/** Registers the calling file's hooks that open and close the oracle; its `text` works in tests. */
export function useOracle(): Pick<Oracle, 'text'> {
  let pg: Oracle | undefined
  beforeAll(async () => {
    pg = await startOracle()
  }, 30_000)
  afterAll(() => pg?.close())
  return {
    text(expr) {
      if (pg === undefined) throw new Error('the PGlite oracle is used before beforeAll ran')
      return pg.text(expr)
    },
  }
}

async function open(): Promise<Oracle> {
  const db = new PGlite()
  await db.exec(
    "set timezone = 'UTC'; set datestyle = 'ISO, MDY'; set intervalstyle = 'postgres'; set extra_float_digits = 1",
  )
  return {
    async text(expr) {
      try {
        const r = await db.query<{ v: string | null }>(`select (${expr})::text as v`)
        return r.rows[0]?.v ?? null
      } catch (e) {
        const code = (e as { code?: string }).code
        if (code === undefined) throw e
        return `ERROR ${code}`
      }
    },
    close: async () => {},
  }
}
