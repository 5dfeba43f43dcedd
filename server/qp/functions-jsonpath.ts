// The SQL/JSON path functions and operators (ARCHITECTURE.md "query processor": bind and
// evaluate): jsonb_path_exists, jsonb_path_match, jsonb_path_query (set-returning),
// jsonb_path_query_array, jsonb_path_query_first, their `_tz` twins, and `jsonb @? jsonpath` /
// `jsonb @@ jsonpath`, each as PostgreSQL's jsonpath_exec.c runs the path (jsonpath-eval.ts).
import { SqlError } from '../errors/index.ts'
import type { EvalContext } from './expr.ts'
import { T, overloads, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import { jsonOfItem } from './jsonpath-datetime.ts'
import { executeJsonPath, type Res } from './jsonpath-eval.ts'
import type { SetFunctionResolver } from './set-functions.ts'
import { Jsonb, checkArrayLength, parseJsonPathCached, type Datum, type SqlType } from './types/index.ts'

type Json = unknown
const EMPTY_VARS = new Jsonb({})

/** The arguments every path function takes (target, path, and optionally vars and silent), and
 * whether it is a `_tz` function, whose datetime items may use the session's time zone. */
interface PathArgs {
  readonly target: Json
  readonly path: string
  readonly vars: Json
  readonly silent: boolean
  readonly useTz: boolean
}

function pathArgs(a: readonly Datum[], useTz: boolean): PathArgs {
  return {
    target: (a[0] as Jsonb).value,
    path: a[1] as string,
    vars: ((a[2] as Jsonb | undefined) ?? EMPTY_VARS).value,
    silent: (a[3] as boolean | undefined) ?? false,
    useTz,
  }
}

/** Runs the path: the items found, datetime items as their jsonb strings. When `silent`
 * suppressed an error, the items found before it stand, as PostgreSQL's functions ignore the
 * evaluation's result and return its list. */
function query(p: PathArgs, ctx: Pick<EvalContext, 'interrupt'> | undefined): Json[] {
  const found: Json[] = []
  executeJsonPath(parseJsonPathCached(p.path), p.target, p.vars, found, { silent: p.silent, useTz: p.useTz, ctx })
  return found.map(jsonOfItem)
}

function exists(p: PathArgs, ctx: Pick<EvalContext, 'interrupt'> | undefined): boolean | null {
  const res: Res = executeJsonPath(parseJsonPathCached(p.path), p.target, p.vars, null, { silent: p.silent, useTz: p.useTz, ctx })
  return res === 'error' ? null : res === 'ok'
}

/** jsonb_path_match: the one boolean (or null) item the path gives; anything else is 22038
 * unless silent (then NULL). */
function match(p: PathArgs, ctx: Pick<EvalContext, 'interrupt'> | undefined): boolean | null {
  const found = query(p, ctx)
  const only = found[0]
  if (found.length === 1 && (typeof only === 'boolean' || only === null)) return only
  if (p.silent) return null
  throw new SqlError('22038', 'single boolean result is expected')
}

/** One resolver per function: two to four arguments (jsonb, jsonpath [, jsonb [, bool]]). */
const pathFunction = (type: SqlType, fn: (p: PathArgs, ctx: EvalContext) => Datum, useTz: boolean): FunctionResolver =>
  overloads(
    sig([T.jsonb, T.jsonpath], type, (a, ctx) => fn(pathArgs(a, useTz), ctx)),
    sig([T.jsonb, T.jsonpath, T.jsonb], type, (a, ctx) => fn(pathArgs(a, useTz), ctx)),
    sig([T.jsonb, T.jsonpath, T.jsonb, T.bool], type, (a, ctx) => fn(pathArgs(a, useTz), ctx)),
  )

const queryArray = (p: PathArgs, ctx: EvalContext): Datum => {
  const found = query(p, ctx)
  checkArrayLength(found.length)
  return new Jsonb(found)
}

const queryFirst = (p: PathArgs, ctx: EvalContext): Datum => {
  const found = query(p, ctx)
  return found.length === 0 ? null : new Jsonb(found[0])
}

const SCALAR: readonly (readonly [string, SqlType, (p: PathArgs, ctx: EvalContext) => Datum])[] = [
  ['jsonb_path_exists', T.bool, exists],
  ['jsonb_path_match', T.bool, match],
  ['jsonb_path_query_array', T.jsonb, queryArray],
  ['jsonb_path_query_first', T.jsonb, queryFirst],
]

/** The scalar path functions, by lowercase name. The `_tz` variants differ from the others only
 * in the datetime conversions and comparisons that need the time zone, which they allow. */
export const JSONPATH_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ...SCALAR.map(([name, type, fn]) => [name, pathFunction(type, fn, false)] as const),
  ...SCALAR.map(([name, type, fn]) => [`${name}_tz`, pathFunction(type, fn, true)] as const),
])

const PARAMS = [T.jsonb, T.jsonpath, T.jsonb, T.bool]

/** jsonb_path_query (or its `_tz` twin, `name`): one row per item, in FROM or the select list. */
export const jsonbPathQuery = (name: string): SetFunctionResolver => (args) => {
  if (args.length < 2 || args.length > 4) return undefined
  if (!args.every((t, i) => t.kind === 'unknown' || t.kind === PARAMS[i]?.kind)) return undefined
  return {
    argTypes: PARAMS.slice(0, args.length),
    columns: [{ name, type: T.jsonb }],
    apply: (a, ctx) => {
      return query(pathArgs(a, name.endsWith('_tz')), ctx).map((v) => [new Jsonb(v)])
    },
  }
}

/** `jsonb @? jsonpath` and `jsonb @@ jsonpath`: jsonb_path_exists and jsonb_path_match with
 * silent set, as PostgreSQL's operators are. */
export function jsonPathOperator(op: '@?' | '@@'): (a: readonly Datum[], ctx: EvalContext) => Datum {
  return (a, ctx) => {
    const p = { ...pathArgs(a, false), silent: true }
    return op === '@?' ? exists(p, ctx) : match(p, ctx)
  }
}
