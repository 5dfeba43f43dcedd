// Named argument notation for built-in functions (ARCHITECTURE.md "query processor": bind):
// `make_interval(days => 10)`, `regexp_replace(s, p, r, flags => 'g')`. PostgreSQL matches names
// against pg_proc's proargnames and fills parameters left out from their defaults; the lists here
// are those of the built-ins Tessera has that PostgreSQL gives names (pg_proc, PostgreSQL 18).
// A call is rewritten into positional arguments before resolution, so the functions themselves
// know nothing of names.
import type { Node } from 'libpg-query'
import { SqlError, undefinedFunction } from '../errors/index.ts'

/** One parameter list: the names by position, the argument counts its overloads take (ascending),
 * and the defaults of the parameters that have one (by position). */
interface NamedParams {
  readonly names: readonly string[]
  readonly counts: readonly number[]
  readonly defaults?: Readonly<Record<number, Node>>
}

/** A default as the typed constant `'value'::type`, bound like any argument. */
function typed(value: string, type: string): Node {
  return { TypeCast: { arg: { A_Const: { sval: { sval: value } } }, typeName: { names: [{ String: { sval: type } }], typemod: -1 } } }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Parameters all required, one overload per count in `counts`. */
const required = (names: readonly string[], counts: readonly number[] = [names.length]): NamedParams => ({ names, counts })

const REGEXP_FLAGS = required(['string', 'pattern', 'flags'], [2, 3])
const FROM_JSON = [required(['from_json'])]
const JSON_PATH: NamedParams = {
  names: ['target', 'path', 'vars', 'silent'],
  counts: [2, 3, 4],
  defaults: { 2: typed('{}', 'jsonb'), 3: typed('false', 'bool') },
}

const NAMED_PARAMS: ReadonlyMap<string, readonly NamedParams[]> = new Map<string, readonly NamedParams[]>([
  ['make_date', [required(['year', 'month', 'day'])]],
  ['make_time', [required(['hour', 'min', 'sec'])]],
  ['make_timestamp', [required(['year', 'month', 'mday', 'hour', 'min', 'sec'])]],
  ['make_timestamptz', [required(['year', 'month', 'mday', 'hour', 'min', 'sec', 'timezone'], [6, 7])]],
  ['make_interval', [{
    names: ['years', 'months', 'weeks', 'days', 'hours', 'mins', 'secs'],
    counts: range(0, 7),
    defaults: { 0: typed('0', 'int4'), 1: typed('0', 'int4'), 2: typed('0', 'int4'), 3: typed('0', 'int4'), 4: typed('0', 'int4'), 5: typed('0', 'int4'), 6: typed('0', 'float8') },
  }]],
  ['random', [required(['min', 'max'])]],
  ['random_normal', [{ names: ['mean', 'stddev'], counts: [0, 1, 2], defaults: { 0: typed('0', 'float8'), 1: typed('1', 'float8') } }]],
  ['parse_ident', [{ names: ['str', 'strict'], counts: [1, 2], defaults: { 1: typed('true', 'bool') } }]],
  ['jsonb_set', [{ names: ['jsonb_in', 'path', 'replacement', 'create_if_missing'], counts: [3, 4], defaults: { 3: typed('true', 'bool') } }]],
  ['jsonb_insert', [{ names: ['jsonb_in', 'path', 'replacement', 'insert_after'], counts: [3, 4], defaults: { 3: typed('false', 'bool') } }]],
  ['jsonb_strip_nulls', [{ names: ['target', 'strip_in_arrays'], counts: [1, 2], defaults: { 1: typed('false', 'bool') } }]],
  ['jsonb_array_elements', FROM_JSON],
  ['jsonb_path_exists', [JSON_PATH]],
  ['jsonb_path_match', [JSON_PATH]],
  ['jsonb_path_query', [JSON_PATH]],
  ['jsonb_path_query_array', [JSON_PATH]],
  ['jsonb_path_query_first', [JSON_PATH]],
  ['jsonb_path_exists_tz', [JSON_PATH]],
  ['jsonb_path_match_tz', [JSON_PATH]],
  ['jsonb_path_query_tz', [JSON_PATH]],
  ['jsonb_path_query_array_tz', [JSON_PATH]],
  ['jsonb_path_query_first_tz', [JSON_PATH]],
  ['jsonb_array_elements_text', FROM_JSON],
  ['jsonb_each', FROM_JSON],
  ['jsonb_each_text', FROM_JSON],
  ['json_array_elements', FROM_JSON],
  ['json_array_elements_text', FROM_JSON],
  ['json_each', FROM_JSON],
  ['json_each_text', FROM_JSON],
  ['regexp_count', [required(['string', 'pattern', 'start', 'flags'], [2, 3, 4])]],
  ['regexp_instr', [required(['string', 'pattern', 'start', 'N', 'endoption', 'flags', 'subexpr'], range(2, 7))]],
  ['regexp_like', [REGEXP_FLAGS]],
  ['regexp_match', [REGEXP_FLAGS]],
  ['regexp_matches', [REGEXP_FLAGS]],
  ['regexp_split_to_array', [REGEXP_FLAGS]],
  ['regexp_split_to_table', [REGEXP_FLAGS]],
  ['regexp_replace', [
    required(['string', 'pattern', 'replacement', 'flags'], [3, 4]),
    required(['string', 'pattern', 'replacement', 'start', 'N', 'flags'], [3, 4, 5, 6]),
  ]],
  ['regexp_substr', [required(['string', 'pattern', 'start', 'N', 'flags', 'subexpr'], range(2, 6))]],
])

/** Whether a call's arguments use named notation. */
export function hasNamedArguments(args: readonly Node[]): boolean {
  return args.some((a) => 'NamedArgExpr' in a)
}

/** The argument nodes of a call in named (or mixed) notation, in positional order, with the
 * defaults of parameters left out up to the last one given; undefined when no parameter list of
 * the function takes these names (the caller's 42883). 42601, as PostgreSQL's parser, for a
 * positional argument after a named one and for a name used twice. */
function placeNamedArguments(name: string, args: readonly Node[]): Node[] | undefined {
  const firstNamed = args.findIndex((a) => 'NamedArgExpr' in a)
  const named: { name: string; arg: Node }[] = []
  for (const a of args.slice(firstNamed)) {
    if (!('NamedArgExpr' in a)) throw new SqlError('42601', 'positional argument cannot follow named argument')
    const n = a.NamedArgExpr.name ?? ''
    if (named.some((x) => x.name === n)) throw new SqlError('42601', `argument name "${n}" used more than once`)
    named.push({ name: n, arg: a.NamedArgExpr.arg as Node })
  }
  const positional = args.slice(0, firstNamed)
  for (const params of NAMED_PARAMS.get(name) ?? []) {
    const placed = place(params, positional, named)
    if (placed !== undefined) return placed
  }
  return undefined
}

function place(params: NamedParams, positional: readonly Node[], named: readonly { name: string; arg: Node }[]): Node[] | undefined {
  const slots: (Node | undefined)[] = [...positional]
  for (const { name, arg } of named) {
    const i = params.names.indexOf(name)
    if (i < 0 || slots[i] !== undefined) return undefined
    slots[i] = arg
  }
  // The shortest overload that reaches the last argument given; a parameter left out before it
  // takes its default, or the list does not fit.
  const count = params.counts.find((c) => c >= slots.length)
  if (count === undefined) return undefined
  const out: Node[] = []
  for (let i = 0; i < count; i++) {
    const arg = slots[i] ?? params.defaults?.[i]
    if (arg === undefined) return undefined
    out.push(arg)
  }
  return out
}

/** A call's arguments in positional order (placeNamedArguments), or PostgreSQL's 42883 naming
 * the call as written (`display`: its name as written; `typeName` binds an argument to name its
 * type, only for the message). */
export function positionalArguments(name: string, display: string, args: readonly Node[], typeName: (arg: Node) => string): Node[] {
  const placed = placeNamedArguments(name, args)
  if (placed === undefined) throw undefinedFunction(describeNamedCall(display, args, typeName))
  return placed
}

/** The call as PostgreSQL's 42883 message shows it: `make_interval(integer, years => integer)`. */
function describeNamedCall(name: string, args: readonly Node[], typeName: (arg: Node) => string): string {
  const parts = args.map((a) => ('NamedArgExpr' in a ? `${a.NamedArgExpr.name ?? ''} => ${typeName(a.NamedArgExpr.arg as Node)}` : typeName(a)))
  return `${name}(${parts.join(', ')})`
}
