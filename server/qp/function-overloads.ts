// Overload resolution for the built-in functions (ARCHITECTURE.md "query processor": bind): a
// function is a list of signatures, chosen for a call's argument types as PostgreSQL's
// func_select_candidate does for the cases Tessera's types reach.
import { SqlError } from '../errors/index.ts'
import { canCast, isPreferredType, typeCategory, type Datum, type SqlType } from './types/index.ts'
import type { EvalContext, FunctionApply } from './expr.ts'
import type { FunctionResolver, ResolvedFunction } from './functions.ts'

/** One signature. `strict` (default true): a NULL argument gives NULL without calling `apply`. */
export interface Signature {
  readonly params: readonly SqlType[]
  readonly type: SqlType
  readonly apply: FunctionApply
  readonly strict?: boolean
  readonly volatile?: boolean
  /** See ResolvedFunction's. */
  readonly withConstants?: (constants: readonly (Datum | undefined)[]) => FunctionApply | undefined
}

export const T = {
  bool: { kind: 'bool' },
  int2: { kind: 'int2' },
  int4: { kind: 'int4' },
  int8: { kind: 'int8' },
  float8: { kind: 'float8' },
  numeric: { kind: 'numeric' },
  text: { kind: 'text' },
  bpchar: { kind: 'bpchar' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  timestamptz: { kind: 'timestamptz' },
  time: { kind: 'time' },
  interval: { kind: 'interval' },
  jsonb: { kind: 'jsonb' },
  jsonpath: { kind: 'jsonpath' },
  bytea: { kind: 'bytea' },
  uuid: { kind: 'uuid' },
  textArray: { kind: 'array', element: { kind: 'text' } },
} as const satisfies Record<string, SqlType>

/** The same type for resolution: the same kind, and for arrays the same element type. */
function sameType(a: SqlType, b: SqlType): boolean {
  if (a.kind === 'array' && b.kind === 'array') return sameType(a.element, b.element)
  return a.kind === b.kind
}

/** Two or more signatures fit a call equally well (PostgreSQL's "function ... is not unique",
 * 42725); the binder names the call in the message. */
export class AmbiguousFunction extends SqlError {
  constructor() {
    super('42725', 'function is not unique', { hint: AMBIGUOUS_HINT })
  }
}

export const AMBIGUOUS_HINT = 'Could not choose a best candidate function. You might need to add explicit type casts.'

/** A resolver over a list of signatures, choosing as PostgreSQL's func_get_detail and
 * func_select_candidate do: a signature of exactly the arguments' types; else, among those the
 * arguments reach by implicit casts (an untyped argument reaches any), the only one, or the only
 * one with the most arguments of exactly its types, then with the most casts to a preferred type
 * of the argument's own category (float8 for integers, text for varchar), then, at untyped
 * arguments, of the category the candidates agree on (string when any takes a string there),
 * preferring its preferred type, then reading untyped arguments as the type of all the typed
 * ones. Where candidates remain tied, AmbiguousFunction (42725). */
export function overloads(...signatures: readonly Signature[]): FunctionResolver {
  return (args) => {
    const fits = (s: Signature) => s.params.length === args.length
    const exact = signatures.find((s) => fits(s) && args.every((a, i) => a.kind !== 'unknown' && sameType(a, s.params[i] as SqlType)))
    if (exact !== undefined) return resolved(exact)
    const reachable = signatures.filter(
      (s) => fits(s) && args.every((a, i) => a.kind === 'unknown' || sameType(a, s.params[i] as SqlType) || canCast(a, s.params[i] as SqlType, 'implicit')),
    )
    const chosen = selectCandidate(args, reachable)
    return chosen === undefined ? undefined : resolved(chosen)
  }
}

/** func_select_candidate over the reachable signatures: undefined when there are none, the
 * AmbiguousFunction error when no rule leaves one. */
function selectCandidate(args: readonly SqlType[], reachable: readonly Signature[]): Signature | undefined {
  if (reachable.length <= 1) return reachable[0]
  const known = (i: number) => (args[i] as SqlType).kind !== 'unknown'
  const param = (s: Signature, i: number) => s.params[i] as SqlType
  const best = (list: readonly Signature[], score: (s: Signature) => number) => {
    const scores = list.map(score)
    const max = Math.max(...scores)
    return list.filter((_, k) => scores[k] === max)
  }
  const positions = args.map((_, i) => i)
  let candidates = best(reachable, (s) => positions.filter((i) => known(i) && sameType(args[i] as SqlType, param(s, i))).length)
  if (candidates.length === 1) return candidates[0]
  candidates = best(candidates, (s) =>
    positions.filter((i) => {
      if (!known(i)) return false
      const a = args[i] as SqlType
      const p = param(s, i)
      return sameType(a, p) || (isPreferredType(p) && typeCategory(p) === typeCategory(a))
    }).length,
  )
  if (candidates.length === 1) return candidates[0]
  const unknowns = positions.filter((i) => !known(i))
  if (unknowns.length === 0) throw new AmbiguousFunction()
  // The category each untyped argument takes: the candidates' common one, or string if any
  // candidate takes a string there; a conflict without a string leaves the unknowns unresolved.
  const slots: { category: string; preferred: boolean }[] = []
  let resolvedUnknowns = true
  for (const i of unknowns) {
    let category: string | undefined
    let preferred = false
    let conflict = false
    for (const s of candidates) {
      const c = typeCategory(param(s, i))
      const isPreferred = isPreferredType(param(s, i))
      if (category === undefined) {
        category = c
        preferred = isPreferred
      } else if (c === category) {
        preferred ||= isPreferred
      } else if (c === 'S') {
        category = c
        preferred = isPreferred
      } else {
        conflict = true
      }
    }
    if (conflict && category !== 'S') {
      resolvedUnknowns = false
      break
    }
    slots.push({ category: category as string, preferred })
  }
  if (resolvedUnknowns) {
    const kept = candidates.filter((s) =>
      unknowns.every((i, k) => {
        const slot = slots[k] as { category: string; preferred: boolean }
        const p = param(s, i)
        return typeCategory(p) === slot.category && (!slot.preferred || isPreferredType(p))
      }),
    )
    if (kept.length > 0) candidates = kept
    if (kept.length === 1) return kept[0]
  }
  // Untyped arguments beside typed ones all of one type: read them as that type.
  const knownTypes = positions.filter(known).map((i) => args[i] as SqlType)
  const only = knownTypes[0]
  if (only !== undefined && knownTypes.every((t) => sameType(t, only))) {
    const fitting = candidates.filter((s) => positions.every((i) => sameType(only, param(s, i)) || canCast(only, param(s, i), 'implicit')))
    if (fitting.length === 1) return fitting[0]
  }
  throw new AmbiguousFunction()
}

export function resolved(s: Signature): ResolvedFunction {
  return {
    argTypes: s.params,
    type: s.type,
    apply: s.apply,
    strict: s.strict ?? true,
    volatile: s.volatile ?? false,
    ...(s.withConstants !== undefined && { withConstants: s.withConstants }),
  }
}

/** A signature from a function of the argument values (typed loosely: the binder casts them). */
export function sig(
  params: readonly SqlType[],
  type: SqlType,
  fn: (args: readonly Datum[], ctx: EvalContext) => Datum,
  options: { strict?: boolean; volatile?: boolean } = {},
): Signature {
  return { params, type, apply: fn, ...options }
}
