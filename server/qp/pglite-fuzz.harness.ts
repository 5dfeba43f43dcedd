// Test support for the function tests against PGlite: a call evaluated by Tessera's FUNCTIONS
// table the way PostgreSQL prints its result (`useOracle` is in types/pglite-oracle.ts).
import { SqlError } from '../errors/index.ts'
import type { EvalContext } from './expr.ts'
import { FUNCTIONS } from './functions.ts'
import { cast } from './types/index.ts'
import { type Literal, literalDatum, outcome } from './types/pglite-cases.ts'
import type { Outcome } from './types/pglite-oracle.ts'

/** `name(list...)` resolved and run by Tessera (a strict function given a NULL gives NULL); `ctx`
 * is for the functions that read their context (the clock, randomness), empty by default. */
export function callOurs(
  name: string,
  list: readonly Literal[],
  ctx: EvalContext = {} as EvalContext,
): Outcome {
  return outcome(() => {
    const a = list.map(literalDatum)
    const r = FUNCTIONS.get(name)?.(a.map((x) => x.type))
    if (r === undefined) throw new SqlError('42883', `function ${name} does not exist`)
    const values = a.map((x, i) => cast(x.value, x.type, r.argTypes[i] ?? x.type, 'implicit'))
    const value = r.strict && values.some((x) => x === null) ? null : r.apply(values, ctx)
    return { value, type: r.type }
  })
}
