// Overload resolution for the built-in functions (ARCHITECTURE.md "query processor": bind): a
// function is a list of signatures, chosen for a call's argument types as PostgreSQL's
// func_select_candidate does for the cases Tessera's types reach.
import { canCast, isPreferredType, type Datum, type SqlType } from './types/index.ts'
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
  bytea: { kind: 'bytea' },
  uuid: { kind: 'uuid' },
  textArray: { kind: 'array', element: { kind: 'text' } },
} as const satisfies Record<string, SqlType>

const exact = (arg: SqlType, param: SqlType) =>
  arg.kind === param.kind ||
  arg.kind === 'unknown' ||
  (arg.kind === 'varchar' && param.kind === 'text')

/** A resolver over a list of signatures. A call takes the first signature its arguments match
 * exactly; otherwise, among those reached by implicit casts, PostgreSQL's func_select_candidate
 * order: most arguments of exactly the parameter's type, then most conversions to a preferred
 * type (float8, text, timestamptz, ...), then list order. */
export function overloads(...signatures: readonly Signature[]): FunctionResolver {
  return (args) => {
    const fits = (s: Signature, test: (a: SqlType, p: SqlType) => boolean) =>
      s.params.length === args.length && args.every((a, i) => test(a, s.params[i] as SqlType))
    const first = signatures.find((s) => fits(s, exact))
    if (first !== undefined) return resolved(first)
    const candidates = signatures.filter((s) =>
      fits(s, (a, p) => exact(a, p) || canCast(a, p, 'implicit')),
    )
    const score = (s: Signature, test: (a: SqlType, p: SqlType) => boolean) =>
      args.filter((a, i) => a.kind !== 'unknown' && test(a, s.params[i] as SqlType)).length
    const ranked = candidates
      .map((s, order) => ({
        s,
        order,
        exact: score(s, (a, p) => a.kind === p.kind),
        preferred: score(s, (a, p) => a.kind !== p.kind && isPreferredType(p)),
      }))
      .sort((x, y) => y.exact - x.exact || y.preferred - x.preferred || x.order - y.order)
    const chosen = ranked[0]?.s
    return chosen === undefined ? undefined : resolved(chosen)
  }
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
