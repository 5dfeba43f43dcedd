// Which generated SQL the CI differential test uses: the features on which Tessera and
// PostgreSQL agree today. Turn a switch on once the engine supports the feature and
// `bun test/sql/differential/run-many.ts --features <name>` finds no difference.
import type { Features } from './generator.ts'

export const CI_FEATURES: Features = {
  arithmetic: true,
  // Off: with division by zero or int4/int8 limits in the data, the two engines raise errors on
  // different occasions (PostgreSQL evaluates lazily: LIMIT 0, DISTINCT on constants stopping at
  // the first row, checking the query before folding constants), not on different rows. See
  // /tmp/notes/differential-findings.md; turning them on shows only such error-timing cases today.
  division: false,
  extremeValues: false,
  booleanLogic: true,
  nullPredicates: true,
  between: true,
  inList: true,
  like: true,
  concat: true,
  distinctFrom: false, // 0A000 in Tessera today (operator form AEXPR_DISTINCT)
  conditionals: true,
  functions: true,
  casts: true,
  aggregates: true,
  groupBy: true,
  having: true,
  distinct: true,
  orderBy: true,
  limitOffset: true,
  joins: false, // 0A000 in Tessera today
  subqueries: false, // 0A000 in Tessera today
}
