// The scalar function registry (ARCHITECTURE.md "query processor": bind): name -> overload
// resolution by argument types. Later SQL breadth adds entries here, nothing else changes.
import { numericValueOutOfRange } from '../errors/index.ts'
import { Decimal, baseType, formatType, type Datum, type SqlType, type TypeKind } from './types/index.ts'
import type { FunctionApply } from './expr.ts'
import { ARRAY_FUNCTIONS } from './functions-array.ts'
import { BYTEA_FUNCTIONS } from './functions-bytea.ts'
import { DATETIME_FUNCTIONS } from './functions-datetime.ts'
import { JSONB_FUNCTIONS } from './functions-jsonb.ts'
import { JSONPATH_FUNCTIONS } from './functions-jsonpath.ts'
import { MATH_FUNCTIONS } from './functions-math.ts'
import { NUMERIC_FUNCTIONS } from './functions-numeric.ts'
import { RANDOM_FUNCTIONS } from './functions-random.ts'
import { REGEXP_FUNCTIONS } from './functions-regexp.ts'
import { TEXT_FUNCTIONS } from './functions-text.ts'
import { TIMEZONE_FUNCTIONS } from './functions-timezone.ts'
import { TO_ASCII_FUNCTIONS } from './functions-to-ascii.ts'
import { TRIG_FUNCTIONS } from './functions-trig.ts'
import { UNICODE_FUNCTIONS } from './functions-unicode.ts'
import { splitByRegex } from './set-functions.ts'

/** A resolved call: argument types to cast to, the result type and the implementation. */
export interface ResolvedFunction {
  readonly argTypes: readonly SqlType[]
  readonly type: SqlType
  readonly apply: FunctionApply
  readonly strict: boolean
  readonly volatile: boolean
  /** An `apply` for a call whose arguments are in part constants at bind (their values; undefined
   * for the others), undefined to keep `apply`: what `apply` would prepare on every row (a regular
   * expression's compiled pattern) prepared once. */
  readonly withConstants?: (constants: readonly (Datum | undefined)[]) => FunctionApply | undefined
}

/** Resolves a call for the given argument types; undefined when no overload matches (42883). */
export type FunctionResolver = (args: readonly SqlType[]) => ResolvedFunction | undefined

const T = {
  text: { kind: 'text' },
  int4: { kind: 'int4' },
  uuid: { kind: 'uuid' },
  timestamptz: { kind: 'timestamptz' },
} as const satisfies Record<string, SqlType>

// bpchar is coerced to text (argTypes), which drops its padding as PostgreSQL's implicit cast does.
const isText = (k: TypeKind) => k === 'text' || k === 'varchar' || k === 'bpchar' || k === 'unknown'

/** A function of one text argument. */
function textFunction(type: SqlType, fn: (s: string) => Datum): FunctionResolver {
  return (args) =>
    args.length === 1 && isText((args[0] as SqlType).kind)
      ? { argTypes: [T.text], type, apply: (a) => fn(a[0] as string), strict: true, volatile: false }
      : undefined
}

const INT_MIN: Record<string, bigint> = { int2: -32768n, int4: -2147483648n, int8: -9223372036854775808n }

const abs: FunctionResolver = (args) => {
  // An untyped argument is float8, the preferred type of the numeric candidates.
  const t: SqlType | undefined = args[0]?.kind === 'unknown' ? { kind: 'float8' } : args[0]
  if (args.length !== 1 || t === undefined) return undefined
  const base = { argTypes: [t], type: t, strict: true, volatile: false }
  switch (t.kind) {
    case 'int2':
    case 'int4':
    case 'int8':
      return {
        ...base,
        apply: (a) => {
          const v = a[0] as bigint
          if (v === INT_MIN[t.kind]) throw numericValueOutOfRange(`${t.kind === 'int8' ? 'bigint' : t.kind === 'int4' ? 'integer' : 'smallint'} out of range`)
          return v < 0n ? -v : v
        },
      }
    case 'float4':
    case 'float8':
      return { ...base, apply: (a) => Math.abs(a[0] as number) }
    case 'numeric':
      return { ...base, apply: (a) => ((a[0] as Decimal).compare(Decimal.fromBigInt(0n)) < 0 ? (a[0] as Decimal).neg() : (a[0] as Decimal)) }
    default:
      return undefined
  }
}

const now: FunctionResolver = (args) =>
  args.length === 0
    ? { argTypes: [], type: T.timestamptz, apply: (_a, ctx) => ctx.nowUs, strict: false, volatile: false }
    : undefined

const genRandomUuid: FunctionResolver = (args) =>
  args.length === 0
    ? { argTypes: [], type: T.uuid, apply: (_a, ctx) => randomUuid(ctx.random.bytes(16)), strict: false, volatile: true }
    : undefined

const TEXT_ARRAY: SqlType = { kind: 'array', element: T.text }

/** pg_typeof(x): the type's name as regtype prints it ('integer', 'character varying',
 * 'integer[]'), returned as text (Tessera has no regtype). Not strict: pg_typeof(NULL) is
 * 'unknown'. */
const pgTypeof: FunctionResolver = (args) => {
  const t = args[0]
  if (args.length !== 1 || t === undefined) return undefined
  const name = formatType(baseType(t))
  return { argTypes: [t], type: T.text, apply: () => name, strict: false, volatile: false }
}

const regexpSplitToArray: FunctionResolver = (args) =>
  (args.length === 2 || args.length === 3) && args.every((a) => isText(a.kind))
    ? {
        argTypes: args.map(() => T.text),
        type: TEXT_ARRAY,
        apply: (a, ctx) => splitByRegex(a[0] as string, a[1] as string, (a[2] as string | undefined) ?? '', ctx),
        strict: true,
        volatile: false,
      }
    : undefined

/** num_nulls / num_nonnulls: variadic "any", never NULL itself. */
function countNulls(nulls: boolean): FunctionResolver {
  return (args) =>
    args.length === 0
      ? undefined
      : {
          argTypes: args.map((t) => (t.kind === 'unknown' ? T.text : t)),
          type: T.int4,
          apply: (a) => BigInt(a.filter((v) => (v === null) === nulls).length),
          strict: false,
          volatile: false,
        }
}

/** A version 4 UUID in canonical lowercase form. */
export function randomUuid(bytes: Uint8Array): string {
  const b = Array.from(bytes.subarray(0, 16))
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The registry, by lowercase name: the core functions here and each family's own map. */
export const FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ...TEXT_FUNCTIONS,
  ...REGEXP_FUNCTIONS,
  ...UNICODE_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...TRIG_FUNCTIONS,
  ...NUMERIC_FUNCTIONS,
  ...RANDOM_FUNCTIONS,
  ...DATETIME_FUNCTIONS,
  ...JSONB_FUNCTIONS,
  ...JSONPATH_FUNCTIONS,
  ...ARRAY_FUNCTIONS,
  ...TIMEZONE_FUNCTIONS,
  ...BYTEA_FUNCTIONS,
  ...TO_ASCII_FUNCTIONS,
  ['regexp_split_to_array', regexpSplitToArray],
  ['pg_typeof', pgTypeof],
  ['num_nulls', countNulls(true)],
  ['num_nonnulls', countNulls(false)],
  ['now', now],
  ['transaction_timestamp', now],
  ['lower', textFunction(T.text, (s) => s.toLowerCase())],
  ['upper', textFunction(T.text, (s) => s.toUpperCase())],
  ['length', (args) =>
    args.length === 1 && args[0]?.kind === 'bytea'
      ? { argTypes: [{ kind: 'bytea' }], type: T.int4, apply: (a) => BigInt((a[0] as Uint8Array).length), strict: true, volatile: false }
      : textFunction(T.int4, (s) => BigInt([...s].length))(args)],
  ['char_length', textFunction(T.int4, (s) => BigInt([...s].length))],
  ['character_length', textFunction(T.int4, (s) => BigInt([...s].length))],
  ['abs', abs],
  ['gen_random_uuid', genRandomUuid],
  ['enum_first', enumFunction((labels) => labels[0] ?? null)],
  ['enum_last', enumFunction((labels) => labels[labels.length - 1] ?? null)],
  ['enum_range', enumRange],
])

/** enum_first and enum_last: a label of the argument's enum type, whose value is ignored
 * (`enum_first(NULL::mood)`). */
function enumFunction(pick: (labels: readonly string[]) => Datum): FunctionResolver {
  return (args) => {
    const type = args[0]
    if (args.length !== 1 || type?.kind !== 'enum') return undefined
    return { argTypes: [type], type, apply: () => pick(type.labels), strict: false, volatile: false }
  }
}

/** enum_range(e): every label of e's type, in order; enum_range(a, b): those from a to b (from the
 * first for a NULL a, to the last for a NULL b; none when a comes after b). */
function enumRange(args: readonly SqlType[]): ResolvedFunction | undefined {
  // Of two arguments one may be an untyped NULL or literal: it takes the other's type.
  const type = args.find((t) => t.kind === 'enum')
  if (type?.kind !== 'enum' || args.length > 2 || !args.every((t) => t.kind === 'unknown' || sameEnum(type, t))) return undefined
  const labels = type.labels
  const apply: FunctionApply = (a) => {
    if (args.length === 1) return [...labels]
    const from = a[0] === null ? 0 : labels.indexOf(a[0] as string)
    const to = a[1] === null ? labels.length - 1 : labels.indexOf(a[1] as string)
    return labels.slice(from, to + 1)
  }
  return { argTypes: args.length === 1 ? [type] : [type, type], type: { kind: 'array', element: type }, apply, strict: false, volatile: false }
}

function sameEnum(a: SqlType, b: SqlType | undefined): boolean {
  return b?.kind === 'enum' && a.kind === 'enum' && b.oid === a.oid
}

/** A random non-negative int8: the hidden row id of a table without a primary key. */
export function randomRowId(bytes: Uint8Array): bigint {
  let v = 0n
  for (const b of bytes.subarray(0, 8)) v = (v << 8n) | BigInt(b)
  return v & 0x7fffffffffffffffn
}

/** The expression that fills a hidden row id column. */
export const ROW_ID_RESOLVED: ResolvedFunction = {
  argTypes: [],
  type: { kind: 'int8' },
  apply: (_a, ctx) => randomRowId(ctx.random.bytes(8)),
  strict: false,
  volatile: true,
}
