// GROUPING SETS, ROLLUP and CUBE (ARCHITECTURE.md "query processor": plan): a GROUP BY clause
// expanded into its key expressions and the list of grouping sets, each a set of key indexes.
import type { Node } from 'libpg-query'
import { featureNotSupported, programLimitExceeded } from '../errors/index.ts'
import { exprKey } from './binder.ts'
import { GROUPING_SETS_MAX } from './constants.ts'
import type { Expr } from './expr.ts'

/** The GROUP BY clause expanded: distinct keys, and the sets (undefined for a plain GROUP BY). */
export interface GroupingPlan {
  readonly keys: readonly Expr[]
  readonly sets: readonly (readonly number[])[] | undefined
}

/** A choice of sets one GROUP BY item contributes; the clause's sets are their product. */
type Choices = number[][]

/**
 * Expands `items` in PostgreSQL's order: ROLLUP (a, b) is (a, b), (a), (); CUBE (a, b) is (a, b),
 * (a), (b), (); GROUPING SETS lists its sets; plain items and several items multiply out.
 */
export function expandGroupBy(items: readonly Node[], bindKey: (node: Node) => Expr): GroupingPlan {
  const keys: Expr[] = []
  const keyStrings: string[] = []
  const keyOf = (node: Node): number[] => {
    const nodes = 'RowExpr' in node ? (node.RowExpr.args ?? []) : [node]
    return nodes.map((n) => {
      const e = bindKey(n)
      const k = exprKey(e)
      let at = keyStrings.indexOf(k)
      if (at < 0) {
        keyStrings.push(k)
        keys.push(e)
        at = keys.length - 1
      }
      return at
    })
  }
  const hasSets = items.some((g) => 'GroupingSet' in g)
  const factors: Choices[] = items.map((g) => choicesOf(g, keyOf))
  if (!hasSets) return { keys, sets: undefined }
  let sets: Choices = [[]]
  for (const choices of factors) {
    const next: Choices = []
    for (const s of sets) for (const c of choices) next.push([...new Set([...s, ...c])])
    if (next.length > GROUPING_SETS_MAX) throw programLimitExceeded(`more than ${GROUPING_SETS_MAX} grouping sets`)
    sets = next
  }
  return { keys, sets }
}

function choicesOf(g: Node, keyOf: (node: Node) => number[]): Choices {
  if (!('GroupingSet' in g)) return [keyOf(g)]
  const set = g.GroupingSet
  const content = set.content ?? []
  switch (set.kind) {
    case 'GROUPING_SET_EMPTY':
      return [[]]
    case 'GROUPING_SET_SIMPLE':
      return [content.flatMap(keyOf)]
    case 'GROUPING_SET_ROLLUP': {
      const parts = content.map(keyOf)
      return parts.map((_, i) => parts.slice(0, parts.length - i).flat()).concat([[]])
    }
    case 'GROUPING_SET_CUBE': {
      const parts = content.map(keyOf)
      if (parts.length > 12) throw programLimitExceeded('CUBE of more than 12 elements')
      const out: Choices = []
      // PostgreSQL lists CUBE's sets from the full set down, earlier elements kept longest.
      for (let mask = (1 << parts.length) - 1; mask >= 0; mask--) {
        out.push(parts.flatMap((p, i) => ((mask >> (parts.length - 1 - i)) & 1 ? p : [])))
      }
      return out
    }
    case 'GROUPING_SET_SETS':
      return content.flatMap((c) => choicesOf(c, keyOf))
    default:
      throw featureNotSupported(`grouping set ${set.kind ?? ''}`)
  }
}

/** GROUPING(a, b, ...) per set: bit i (from the left) is 1 when argument i is not grouped. */
export function groupingMasks(sets: readonly (readonly number[])[], argKeys: readonly number[]): bigint[] {
  return sets.map((set) => argKeys.reduce((mask, k) => (mask << 1n) | (set.includes(k) ? 0n : 1n), 0n))
}
