// Immutable expressions (ARCHITECTURE.md "query processor": bind): what an index expression or
// predicate may call. An index stores each row's value of its expressions, computed when the row
// is written, and a later statement finds the row by computing the value again: only a function
// whose result depends on its arguments alone (PostgreSQL's IMMUTABLE) keeps the two equal.
// The function registry marks volatile functions (random(), nextval); the stable ones, which
// read the transaction's time, the session's settings or the catalog, are named here, with the
// casts and operators PostgreSQL marks stable (pg_proc.provolatile of its functions, of the
// operators' functions and of the types' input and output functions, read from PostgreSQL 17).
import { assertNever } from '../errors/index.ts'
import { FUNCTIONS } from './functions.ts'
import { SYSTEM_FUNCTIONS } from './system/index.ts'
import { mapChildren, type Expr } from './expr.ts'
import type { SqlType, TypeKind } from './types/index.ts'

/** Whether `e` calls only immutable functions, casts and operators. */
export function isImmutable(e: Expr): boolean {
  if (!selfImmutable(e)) return false
  let immutable = true
  mapChildren(e, (c) => {
    if (immutable && !isImmutable(c)) immutable = false
    return c
  })
  return immutable
}

/** The node itself, its children aside. */
function selfImmutable(e: Expr): boolean {
  switch (e.kind) {
    case 'func':
      return !e.volatile && !stableCall(e.name, e.args.map((a) => a.type))
    case 'cast':
      // An untyped literal is a constant of its type once read (PostgreSQL reads it when it
      // parses the statement); clock words in one were folded when the index was created.
      return (e.arg.kind === 'const' && e.from.kind === 'unknown') || !stableCast(e.from, e.type)
    case 'binary':
      return !stableOperator(e.name, e.left.type, e.right.type)
    case 'subquery':
    case 'param':
    case 'outer':
    case 'aggregate':
    case 'windowCall':
    case 'setCall':
    case 'grouping':
      // Refused before (index expressions bind without these), and never immutable.
      return false
    case 'const':
    case 'column':
    case 'unary':
    case 'and':
    case 'or':
    case 'not':
    case 'isNull':
    case 'boolTest':
    case 'in':
    case 'like':
    case 'case':
    case 'coalesce':
    case 'nullif':
    case 'distinctFrom':
    case 'minmax':
      return true
    default:
      return assertNever(e)
  }
}

/** Functions every overload of which PostgreSQL marks stable (or that only stable ones read:
 * the catalog's, the clock's, the session's). */
const STABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'now', 'statement_timestamp', 'transaction_timestamp', 'current_date', 'localtimestamp',
  'concat', 'concat_ws', 'format', 'json_build_array', 'json_build_object', 'jsonb_build_array',
  'jsonb_build_object', 'to_json', 'to_jsonb', 'row_to_json', 'to_char', 'to_date', 'to_number',
  'array_to_string', 'convert_from', 'convert_to', 'make_timestamptz', 'pg_typeof',
  'pg_client_encoding',
  // The jsonpath functions whose datetime items may use the session's time zone.
  'jsonb_path_exists_tz', 'jsonb_path_match_tz', 'jsonb_path_query_tz', 'jsonb_path_query_array_tz',
  'jsonb_path_query_first_tz',
  // Built by the binder: regclass and regtype constants read the catalog.
  'regclass', 'regtype', 'regtype[]',
])

const TEXTUAL: ReadonlySet<TypeKind> = new Set(['text', 'varchar', 'bpchar', 'unknown'])

/** Whether the call of `name` with arguments of `args` types is to a stable function. */
function stableCall(name: string, args: readonly SqlType[]): boolean {
  if (STABLE_FUNCTIONS.has(name)) return true
  // The catalog functions (version(), format_type, pg_get_indexdef, current_user, ...) read the
  // catalog or the session; quote_ident is the one immutable among them.
  if (!FUNCTIONS.has(name) && SYSTEM_FUNCTIONS.has(name)) return name !== 'quote_ident'
  const second = args[1]?.kind
  switch (name) {
    // Against today, or in the session's time zone.
    case 'age':
    case 'timezone':
      return args.length === 1
    case 'date_part':
    case 'extract':
      return second === 'timestamptz'
    case 'date_trunc':
      return second === 'timestamptz' && args.length === 2
    case 'to_timestamp':
      return args.length === 2
    // length(bytea, encoding name) reads the encoding catalog.
    case 'length':
      return args.length === 2
    // Of a value that is not text: its cast to text (PostgreSQL inlines quote_literal(anyelement)).
    case 'quote_literal':
    case 'quote_nullable':
      return args[0] !== undefined && STABLE_OUTPUT.has(args[0].kind)
    default:
      return false
  }
}

/** Types whose text output depends on the session (DateStyle, IntervalStyle, TimeZone), or
 * whose output function PostgreSQL marks stable (enums, arrays, records). */
const STABLE_OUTPUT: ReadonlySet<TypeKind> = new Set(['date', 'interval', 'timestamp', 'timestamptz', 'enum', 'array', 'record'])
/** Types whose text input depends on the session ('now', 'today', DateStyle, TimeZone) or reads
 * the catalog (an enum's labels). */
const STABLE_INPUT: ReadonlySet<TypeKind> = new Set(['date', 'interval', 'time', 'timestamp', 'timestamptz', 'enum', 'record'])

/** Casts between these kinds convert in the session's time zone. */
const ZONED_CASTS: ReadonlySet<string> = new Set([
  'date>timestamptz', 'timestamptz>date', 'timestamptz>time', 'timestamptz>timestamp', 'timestamp>timestamptz',
])

function stableCast(from: SqlType, to: SqlType): boolean {
  if (from.kind === to.kind) return false
  if (ZONED_CASTS.has(`${from.kind}>${to.kind}`)) return true
  if (TEXTUAL.has(to.kind) && STABLE_OUTPUT.has(from.kind)) return true
  return TEXTUAL.has(from.kind) && STABLE_INPUT.has(to.kind)
}

const COMPARISONS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>='])

/** timestamptz arithmetic with an interval (days and months depend on the time zone), and
 * comparisons of timestamptz with a date or a timestamp (compared in the session's zone). */
function stableOperator(name: string, left: SqlType, right: SqlType): boolean {
  const kinds = [left.kind, right.kind]
  if ((name === '+' || name === '-') && kinds.includes('timestamptz') && kinds.includes('interval')) return true
  if (!COMPARISONS.has(name) || !kinds.includes('timestamptz')) return false
  return kinds.includes('date') || kinds.includes('timestamp')
}
