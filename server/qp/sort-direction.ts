// Query processing, binding: the direction and NULL placement of one ORDER BY item, in a SELECT,
// an aggregate's ORDER BY or a window's, including PostgreSQL's `ORDER BY x USING op`.
import type { SortBy } from 'libpg-query'
import { SqlError } from '../errors/index.ts'
import { formatType, resolveBinary, textType, type SqlType } from './types/index.ts'

export interface SortDirection {
  readonly desc: boolean
  readonly nullsFirst: boolean
}

/** The ordering operators a USING clause may name, by whether each sorts descending: the "<"
 * and ">" members of a btree operator family (the type's own, or text_pattern_ops' pattern
 * operators, which order as Tessera's only text order, the C collation's, does). */
const ORDERING_OPERATORS: ReadonlyMap<string, boolean> = new Map([
  ['<', false],
  ['>', true],
  ['~<~', false],
  ['~>~', true],
])

/** How `s` sorts keys of type `keyType`. NULLs come first when descending unless NULLS FIRST or
 * LAST says otherwise, as in PostgreSQL, where `USING >` is descending too. Raises 42883 when the
 * USING operator does not exist for the key's type and 42809 when it is not an ordering one, at
 * `position` of the sort item's location. */
export function sortDirection(s: SortBy, keyType: SqlType, position: (location: number | undefined) => number | undefined): SortDirection {
  const desc = s.useOp === undefined ? s.sortby_dir === 'SORTBY_DESC' : usingDescends(s.useOp, keyType, position(s.location))
  const nullsFirst = s.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : s.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc
  return { desc, nullsFirst }
}

/** Whether the USING operator sorts descending; `at` is the error position (the operator's). */
function usingDescends(useOp: NonNullable<SortBy['useOp']>, keyType: SqlType, at: number | undefined): boolean {
  const names = useOp.map((n) => ('String' in n ? (n.String.sval ?? '') : ''))
  const op = names[names.length - 1] ?? ''
  // An untyped literal sorts as text, as PostgreSQL resolves it before looking the operator up.
  const type = keyType.kind === 'unknown' ? textType : keyType
  // Tessera defines no operators of its own: pg_catalog holds every one there is.
  const inCatalog = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog')
  if (!inCatalog || resolveBinary(op, type, type) === undefined) {
    const shown = inCatalog ? op : names.join('.')
    throw new SqlError('42883', `operator does not exist: ${formatType(type)} ${shown} ${formatType(type)}`, {
      hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
      position: at,
    })
  }
  const desc = ORDERING_OPERATORS.get(op)
  if (desc === undefined) {
    throw new SqlError('42809', `operator ${op} is not a valid ordering operator`, {
      hint: 'Ordering operators must be "<" or ">" members of btree operator families.',
      position: at,
    })
  }
  return desc
}
