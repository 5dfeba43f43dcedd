// Test support for the function fuzz tests: the shared PGlite oracle set up around a test file, and
// a function call evaluated by Tessera's FUNCTIONS table the way PostgreSQL prints its result.
import { afterAll, beforeAll } from 'bun:test'
import { SqlError } from '../errors/index.ts'
import type { EvalContext } from './expr.ts'
import { FUNCTIONS } from './functions.ts'
import { cast } from './types/index.ts'
import { type Literal, literalDatum, outcome } from './types/pglite-cases.ts'
import { type Oracle, type Outcome, startOracle } from './types/pglite-oracle.ts'

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

/** `name(list...)` resolved and run by Tessera (a strict function given a NULL gives NULL). */
export function callOurs(name: string, list: readonly Literal[]): Outcome {
  return outcome(() => {
    const a = list.map(literalDatum)
    const r = FUNCTIONS.get(name)?.(a.map((x) => x.type))
    if (r === undefined) throw new SqlError('42883', `function ${name} does not exist`)
    const values = a.map((x, i) => cast(x.value, x.type, r.argTypes[i] ?? x.type, 'implicit'))
    const value = r.strict && values.some((x) => x === null) ? null : r.apply(values, {} as EvalContext)
    return { value, type: r.type }
  })
}
