// The differential tests' SQL grammar (issue 4): generated tables and queries, with one switch per
// feature so joins, subqueries, CASE and the rest are turned on as the engine gains them. Every
// query is meant to be valid PostgreSQL; errors it raises on some data (overflow, division by
// zero) are part of what is compared.
import fc from 'fast-check'

export type ColumnType = 'int4' | 'int8' | 'numeric' | 'float8' | 'text' | 'bool'
export const COLUMN_TYPES: readonly ColumnType[] = [
  'int4',
  'int8',
  'numeric',
  'float8',
  'text',
  'bool',
]

/** What the generated SQL may use. */
export interface Features {
  /** `+ - *` and unary minus. */
  readonly arithmetic: boolean
  /** `/` and `%`: the data decides whether 22012 is raised, and when. */
  readonly division: boolean
  /** Values near the int4/int8 limits and large floats, so arithmetic can overflow (22003). */
  readonly extremeValues: boolean
  /** `AND OR NOT`. */
  readonly booleanLogic: boolean
  /** `IS [NOT] NULL`, `IS [NOT] TRUE/FALSE`. */
  readonly nullPredicates: boolean
  readonly between: boolean
  readonly inList: boolean
  readonly like: boolean
  readonly concat: boolean
  readonly distinctFrom: boolean
  /** `CASE WHEN`, `COALESCE`, `NULLIF`. */
  readonly conditionals: boolean
  /** `abs`, `upper`, `lower`, `length`. */
  readonly functions: boolean
  /** `::int8`, `::numeric`, `::text`, `::float8` between compatible types. */
  readonly casts: boolean
  readonly aggregates: boolean
  readonly groupBy: boolean
  readonly having: boolean
  readonly distinct: boolean
  readonly orderBy: boolean
  readonly limitOffset: boolean
  /** A second table joined with `JOIN ... ON`, `LEFT JOIN` or a comma. */
  readonly joins: boolean
  /** Scalar subqueries and `IN (SELECT ...)`. */
  readonly subqueries: boolean
  /** Window functions (`fn(...) OVER (PARTITION BY ... ORDER BY ... frame)`), named windows,
   * windows over GROUP BY; tables get a unique `id` column most of the time for total orders. */
  readonly windows: boolean
  /** Set-returning functions in FROM (`unnest(ARRAY[...])`, bounded `generate_series`, WITH
   * ORDINALITY, LATERAL subqueries) beside the tables, and (with `subqueries`) inside scalar,
   * EXISTS and IN subqueries that read the enclosing row's columns. */
  readonly setFunctions: boolean
  /** With `setFunctions`: the JOIN ... ON conditions inside those subqueries read the enclosing
   * row too (else only the subquery's own columns and constants). */
  readonly correlatedJoins: boolean
}

export const ALL_FEATURES: Features = {
  arithmetic: true,
  division: true,
  extremeValues: true,
  booleanLogic: true,
  nullPredicates: true,
  between: true,
  inList: true,
  like: true,
  concat: true,
  distinctFrom: true,
  conditionals: true,
  functions: true,
  casts: true,
  aggregates: true,
  groupBy: true,
  having: true,
  distinct: true,
  orderBy: true,
  limitOffset: true,
  joins: true,
  subqueries: true,
  windows: true,
  setFunctions: true,
  correlatedJoins: true,
}

export interface Column {
  readonly name: string
  readonly type: ColumnType
}

export interface TableSpec {
  readonly name: string
  readonly columns: readonly Column[]
  /** A column whose values are distinct and never NULL, when the table has one. */
  readonly key?: string
  /** SQL literals, one per column. */
  readonly rows: readonly (readonly string[])[]
}

export interface GeneratedQuery {
  readonly sql: string
  /** True when ORDER BY covers every output column, so row order must match too. */
  readonly ordered: boolean
}

export interface Case {
  readonly tables: readonly TableSpec[]
  readonly queries: readonly GeneratedQuery[]
}

export function createTableSql(t: TableSpec): string {
  return `CREATE TABLE ${t.name} (${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`
}

export function insertSql(t: TableSpec): string | null {
  if (t.rows.length === 0) return null
  return `INSERT INTO ${t.name} VALUES ${t.rows.map((r) => `(${r.join(', ')})`).join(', ')}`
}

// --- values -------------------------------------------------------------------------------

function literalArb(type: ColumnType, f: Features): fc.Arbitrary<string> {
  const plain: Record<ColumnType, fc.Arbitrary<string>> = {
    int4: fc.integer({ min: -5, max: 5 }).map(String),
    int8: fc.integer({ min: -5, max: 5 }).map(String),
    numeric: fc.constantFrom('0', '1', '-1', '1.5', '-0.25', '0.1', '2.50', '100.001', '-7'),
    float8: fc.constantFrom('0', '1', '-1', '0.5', '-2.25', '0.1', '3'),
    text: fc.constantFrom("''", "'a'", "'b'", "'A'", "'ab'", "'a b'", "'ba'", "'%'", "'_x'"),
    bool: fc.constantFrom('true', 'false'),
  }
  // Values whose products overflow int4 or int8 (22003): which rows an engine evaluates then
  // decides whether it raises, so these stay apart from the plain values.
  const extreme: Partial<Record<ColumnType, fc.Arbitrary<string>>> = {
    int4: fc.constantFrom('2147483647', '-2147483648', '65536'),
    int8: fc.constantFrom('3000000000', '-3000000000', '9223372036854775807', '-9223372036854775808'),
    float8: fc.constantFrom('1e10', '-1e300'),
  }
  const e = extreme[type]
  return f.extremeValues && e !== undefined
    ? fc.oneof({ weight: 4, arbitrary: plain[type] }, { weight: 1, arbitrary: e })
    : plain[type]
}

/** A typed SQL literal (a cast keeps the type exact whatever the engine infers). */
function typedLiteralArb(type: ColumnType, f: Features): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 8,
      arbitrary: literalArb(type, f).map((v) =>
        type === 'float8' || type === 'int8' ? `(${v})::${type}` : v,
      ),
    },
    { weight: 1, arbitrary: fc.constant(`NULL::${type}`) },
  )
}

const valueOrNull = (type: ColumnType, f: Features) =>
  fc.oneof(
    { weight: 4, arbitrary: literalArb(type, f) },
    { weight: 1, arbitrary: fc.constant('NULL') },
  )

export function tableArb(name: string, f: Features): fc.Arbitrary<TableSpec> {
  const table = fc
    .uniqueArray(fc.constantFrom(...COLUMN_TYPES), { minLength: 1, maxLength: 4 })
    .chain((types) => {
      const extra = fc.array(fc.constantFrom(...COLUMN_TYPES), { maxLength: 1 })
      return extra.map((more) => [...types, ...more])
    })
    .chain((types) => {
      const columns = types.map((type, i) => ({ name: `c${i}`, type }))
      const row = fc.tuple(...columns.map((c) => valueOrNull(c.type, f)))
      return fc.array(row, { maxLength: 10 }).map((rows) => ({ name, columns, rows }))
    })
  if (!f.windows) return table
  // Window functions that see the order of tied rows (row_number, lag, ROWS frames) agree between
  // engines only under a unique ORDER BY: most tables get an `id` to end it with, shuffled against
  // insertion order so that ordering by it is not the scan order. A table without one still gets
  // windows, only those that ignore the order of ties.
  return fc.tuple(table, fc.integer({ min: 0, max: 3 })).chain(([t, keyless]) =>
    keyless === 0
      ? fc.constant(t)
      : fc
          .uniqueArray(fc.integer({ min: -9, max: 30 }), {
            minLength: t.rows.length,
            maxLength: t.rows.length,
          })
          .map((ids) => ({
            name: t.name,
            columns: [{ name: 'id', type: 'int4' as const }, ...t.columns],
            rows: t.rows.map((r, i) => [String(ids[i]), ...r]),
            key: 'id',
          })),
  )
}

// --- expressions ------------------------------------------------------------------------------

type Kind = 'num' | 'text' | 'bool'
const NUMERIC_TYPES: readonly ColumnType[] = ['int4', 'int8', 'numeric', 'float8']
const kindOf = (t: ColumnType): Kind => (t === 'text' ? 'text' : t === 'bool' ? 'bool' : 'num')

interface Scope {
  /** Qualified column references by kind. */
  readonly columns: Record<Kind, readonly string[]>
  /** Every table's columns by kind, for uncorrelated subqueries: `[table, column]`. */
  readonly tables: Record<Kind, readonly (readonly [string, string])[]>
  /** The same column references as `columns`, with their types (window function arguments). */
  readonly typed: readonly Typed[]
  /** Column references unique together on every row of the FROM clause (each table's key: a
   * pair of keys stays unique through any join, NULLs included), or null when a table has none. */
  readonly unique: readonly string[] | null
}

/** An SQL expression and its type. */
interface Typed {
  readonly sql: string
  readonly type: ColumnType
}

function scopeOf(
  tables: readonly TableSpec[],
  qualify: boolean,
  all: readonly TableSpec[] = tables,
): Scope {
  const ref = (t: TableSpec, column: string) => (qualify ? `${t.name}.${column}` : column)
  const columns: Record<Kind, string[]> = { num: [], text: [], bool: [] }
  const typed: Typed[] = []
  for (const t of tables)
    for (const c of t.columns) {
      columns[kindOf(c.type)].push(ref(t, c.name))
      typed.push({ sql: ref(t, c.name), type: c.type })
    }
  const sub: Record<Kind, (readonly [string, string])[]> = { num: [], text: [], bool: [] }
  for (const t of all) for (const c of t.columns) sub[kindOf(c.type)].push([t.name, c.name])
  const keys = tables.flatMap((t) => (t.key === undefined ? [] : [ref(t, t.key)]))
  return { columns, tables: sub, typed, unique: keys.length === tables.length ? keys : null }
}

function leafArb(kind: Kind, scope: Scope, f: Features): fc.Arbitrary<string> {
  const lits =
    kind === 'num'
      ? fc.constantFrom(...NUMERIC_TYPES).chain((t) => typedLiteralArb(t, f))
      : kind === 'text'
        ? typedLiteralArb('text', f)
        : typedLiteralArb('bool', f)
  const cols = scope.columns[kind]
  return cols.length === 0
    ? lits
    : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...cols) }, { weight: 1, arbitrary: lits })
}

type Exprs = { num: string; text: string; bool: string }

/** Typed expression arbitraries over a scope; each `f` switch adds its productions. */
export function exprArbs(scope: Scope, f: Features): { [K in Kind]: fc.Arbitrary<string> } {
  return fc.letrec<Exprs>((tie) => {
    const num: fc.Arbitrary<string>[] = [leafArb('num', scope, f)]
    const text: fc.Arbitrary<string>[] = [leafArb('text', scope, f)]
    const bool: fc.Arbitrary<string>[] = [leafArb('bool', scope, f)]
    const bin = (k: Kind, ops: readonly string[], l: Kind, r: Kind = l) =>
      fc.tuple(tie(l), fc.constantFrom(...ops), tie(r)).map(([a, op, b]) => `(${a} ${op} ${b})`)
    if (f.arithmetic) {
      num.push(bin('num', ['+', '-', '*'], 'num'))
      num.push(tie('num').map((a) => `(- ${a})`))
    }
    if (f.division) num.push(bin('num', ['/', '%'], 'num'))
    if (f.concat) text.push(bin('text', ['||'], 'text'))
    if (f.functions) {
      num.push(tie('num').map((a) => `abs(${a})`))
      text.push(
        fc.tuple(fc.constantFrom('upper', 'lower'), tie('text')).map(([fn, a]) => `${fn}(${a})`),
      )
      num.push(tie('text').map((a) => `length(${a})`))
    }
    if (f.casts) {
      num.push(
        fc
          .tuple(tie('num'), fc.constantFrom('int8', 'numeric', 'float8'))
          .map(([a, t]) => `(${a})::${t}`),
      )
      text.push(tie('num').map((a) => `(${a})::text`))
    }
    if (f.conditionals) {
      num.push(
        fc
          .tuple(tie('bool'), tie('num'), tie('num'))
          .map(([c, a, b]) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`),
      )
      num.push(fc.tuple(tie('num'), tie('num')).map(([a, b]) => `coalesce(${a}, ${b})`))
      text.push(fc.tuple(tie('text'), tie('text')).map(([a, b]) => `nullif(${a}, ${b})`))
    }
    bool.push(bin('bool', ['=', '<>', '<', '<=', '>', '>='], 'num'))
    bool.push(bin('bool', ['=', '<>', '<', '>='], 'text'))
    bool.push(bin('bool', ['=', '<>'], 'bool'))
    if (f.booleanLogic) {
      bool.push(bin('bool', ['AND', 'OR'], 'bool'))
      bool.push(tie('bool').map((a) => `(NOT ${a})`))
    }
    if (f.nullPredicates) {
      bool.push(
        fc
          .tuple(
            fc.oneof(tie('num'), tie('text'), tie('bool')),
            fc.constantFrom('IS NULL', 'IS NOT NULL'),
          )
          .map(([a, p]) => `(${a} ${p})`),
      )
      bool.push(
        fc
          .tuple(tie('bool'), fc.constantFrom('IS TRUE', 'IS NOT TRUE', 'IS FALSE', 'IS NOT FALSE'))
          .map(([a, p]) => `(${a} ${p})`),
      )
    }
    if (f.between) {
      bool.push(
        fc
          .tuple(tie('num'), fc.constantFrom('BETWEEN', 'NOT BETWEEN'), tie('num'), tie('num'))
          .map(([a, op, lo, hi]) => `(${a} ${op} ${lo} AND ${hi})`),
      )
    }
    if (f.inList) {
      bool.push(
        fc
          .tuple(
            tie('num'),
            fc.constantFrom('IN', 'NOT IN'),
            fc.array(tie('num'), { minLength: 1, maxLength: 3 }),
          )
          .map(([a, op, l]) => `(${a} ${op} (${l.join(', ')}))`),
      )
    }
    if (f.like) {
      bool.push(
        fc
          .tuple(
            tie('text'),
            fc.constantFrom('LIKE', 'NOT LIKE', 'ILIKE'),
            fc.constantFrom("'a%'", "'%b'", "'_'", "'%'", "'A%'", "'a_'"),
          )
          .map(([a, op, p]) => `(${a} ${op} ${p})`),
      )
    }
    if (f.distinctFrom) bool.push(bin('bool', ['IS DISTINCT FROM', 'IS NOT DISTINCT FROM'], 'num'))
    if (f.subqueries && scope.tables.num.length > 0) {
      const col = fc.constantFrom(...scope.tables.num)
      num.push(
        fc
          .tuple(fc.constantFrom('max', 'min', 'count'), col)
          .map(([fn, [t, c]]) => `(SELECT ${fn}(${c}) FROM ${t})`),
      )
      bool.push(
        fc
          .tuple(tie('num'), fc.constantFrom('IN', 'NOT IN'), col)
          .map(([a, op, [t, c]]) => `(${a} ${op} (SELECT ${c} FROM ${t}))`),
      )
      // The outer value's columns are unqualified when one table is read: inside the subquery the
      // inner table's columns of the same names would capture them (another type, so a cast that
      // fails on some rows, raised or not by where EXISTS stops). A derived table shows one name.
      bool.push(
        fc
          .tuple(fc.constantFrom('EXISTS', 'NOT EXISTS'), col, tie('num'))
          .map(
            ([op, [t, c], v]) =>
              `(${op} (SELECT 1 FROM (SELECT ${c} AS inner_v FROM ${t}) AS inner_t WHERE inner_v > ${v}))`,
          ),
      )
    }
    if (f.setFunctions && f.subqueries) {
      // Mostly columns and literals inside, else nested subqueries make most queries huge.
      const small = (k: Kind) =>
        fc.oneof({ weight: 3, arbitrary: leafArb(k, scope, f) }, { weight: 1, arbitrary: tie(k) })
      // Without correlated joins an ON condition compares the subquery's columns with constants.
      const none = scopeOf([], false, [])
      const on: Tie = f.correlatedJoins ? small : (k) => leafArb(k, none, f)
      const s = setFunctionSubqueryArbs({ small, tie, on }, scope)
      num.push(s.num)
      text.push(s.text)
      bool.push(s.bool)
    }
    const pick = (options: fc.Arbitrary<string>[]) =>
      fc.oneof({ depthSize: 'small', withCrossShrink: true }, ...options)
    return { num: pick(num), text: pick(text), bool: pick(bool) }
  })
}

// --- set-returning functions ------------------------------------------------------------------

// The names set-returning items bring in: top-level items are f1 and f2 (columns x, y, n, m, always
// qualified) or g1 and g2 (a bare generate_series); items inside subqueries are i1 and i2 (or a
// bare v) with columns v, v2, o and w. None is a table's column name (c0 and on, id), so no item
// captures a reference to the enclosing row, and no subquery's item hides a top-level one that
// the subquery reads.

/** The expression arbitraries being defined, by kind, for the subqueries that nest them. */
type Tie = (k: Kind) => fc.Arbitrary<string>

const KINDS: readonly Kind[] = ['num', 'text', 'bool']
const SERIES_TYPES: readonly ColumnType[] = ['int4', 'int8', 'numeric']
const COMPARISONS: Record<Kind, readonly string[]> = {
  num: ['=', '<>', '<', '<=', '>', '>='],
  text: ['=', '<>', '<', '>='],
  bool: ['=', '<>'],
}

/** The type values of these types take together in ARRAY[...] or generate_series: the widest of
 * int4 < int8 < numeric < float8 (text and bool only ever meet their own type). */
function widest(types: readonly ColumnType[]): ColumnType {
  return types.reduce((a, b) => (NUMERIC_TYPES.indexOf(b) > NUMERIC_TYPES.indexOf(a) ? b : a))
}

/** `generate_series(lo, hi[, step])` with constant bounds or bounds read from `value` (a value of
 * the enclosing row, maybe NULL) clamped to a few units: no series has more than seven rows. */
function seriesArb(value: fc.Arbitrary<Typed> | null): fc.Arbitrary<Typed> {
  const constant = (min: number, max: number) =>
    fc.integer({ min, max }).map((n): Typed => ({ sql: String(n), type: 'int4' }))
  const clamp = (weight: number, c: fc.Arbitrary<Typed>, clamped: (v: string) => string) =>
    value === null
      ? c
      : fc.oneof(
          { weight, arbitrary: value.map((v) => ({ sql: clamped(v.sql), type: v.type })) },
          { weight: 2, arbitrary: c },
        )
  const lo = clamp(1, constant(-2, 2), (v) => `least(greatest(${v}, -2), 2)`)
  const hi = clamp(3, constant(0, 4), (v) => `least(abs(${v}), 4)`)
  return fc.tuple(lo, hi, fc.constantFrom('', ', 1', ', 2', ', -1')).map(([l, h, step]) => ({
    sql: `generate_series(${l.sql}, ${h.sql}${step})`,
    type: widest([l.type, h.type]),
  }))
}

/** An element of a top-level ARRAY[...]: a column before the item or a literal, its type exact
 * (a numeric literal is cast, since `1` would be int4 whatever type it was drawn for). */
function elementArb(kind: Kind, values: readonly Typed[], f: Features): fc.Arbitrary<Typed> {
  const types: readonly ColumnType[] = kind === 'num' ? NUMERIC_TYPES : [kind]
  const literal = fc.constantFrom(...types).chain((type) =>
    fc.oneof(
      {
        weight: 5,
        arbitrary: literalArb(type, f).map((v) => ({
          sql: kind === 'num' ? `(${v})::${type}` : v,
          type,
        })),
      },
      { weight: 1, arbitrary: fc.constant({ sql: `NULL::${type}`, type }) },
    ),
  )
  const columns = values.filter((v) => kindOf(v.type) === kind)
  return columns.length === 0
    ? literal
    : fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...columns) },
        { weight: 1, arbitrary: literal },
      )
}

/** `ARRAY[...]` of one to three elements of one kind, typed by its elements' type. */
function arrayArb(values: readonly Typed[], f: Features): fc.Arbitrary<Typed> {
  return fc.constantFrom(...KINDS).chain((kind) =>
    fc.array(elementArb(kind, values, f), { minLength: 1, maxLength: 3 }).map((els) => ({
      sql: `ARRAY[${els.map((e) => e.sql).join(', ')}]`,
      type: widest(els.map((e) => e.type)),
    })),
  )
}

/** A one-column set-returning call; `distinct` when it never repeats a value (a series does, an
 * array may). */
interface Source extends Typed {
  readonly distinct: boolean
}

function sourceArb(series: fc.Arbitrary<Typed>, array: fc.Arbitrary<Typed>): fc.Arbitrary<Source> {
  return fc.oneof(
    series.map((s) => ({ ...s, distinct: true })),
    array.map((a) => ({ sql: `unnest(${a.sql})`, type: a.type, distinct: false })),
  )
}

/** A set-returning FROM item of the top-level query and the columns it gives. */
interface SetItem {
  readonly sql: string
  readonly columns: readonly Typed[]
  /** Its columns unique among the rows it gives for one row before it (none when it gives one
   * row), or null when rows may repeat. */
  readonly unique: readonly string[] | null
}

/** The `i`th top-level item, reading `values` (the columns before it; none when it comes first):
 * generate_series, unnest of one or two arrays, either WITH ORDINALITY, or a LATERAL subquery. */
function setItemArb(i: number, values: readonly Typed[], f: Features): fc.Arbitrary<SetItem> {
  const name = `f${i}`
  const ints = values.filter((v) => SERIES_TYPES.includes(v.type))
  const series = seriesArb(ints.length === 0 ? null : fc.constantFrom(...ints))
  const array = arrayArb(values, f)
  const x = (type: ColumnType): Typed => ({ sql: `${name}.x`, type })
  const n: Typed = { sql: `${name}.n`, type: 'int8' }
  const bareSeries = series.map((s) => ({
    sql: `${s.sql} g${i}`,
    columns: [{ sql: `g${i}`, type: s.type }],
    unique: [`g${i}`],
  }))
  const source = sourceArb(series, array)
  const single = fc.tuple(source, fc.boolean()).map(([s, ordinality]) => {
    if (ordinality)
      return {
        sql: `${s.sql} WITH ORDINALITY AS ${name}(x, n)`,
        columns: [x(s.type), n],
        unique: [n.sql],
      }
    const unique = s.distinct ? [`${name}.x`] : null
    return { sql: `${s.sql} AS ${name}(x)`, columns: [x(s.type)], unique }
  })
  // unnest of two arrays pads the shorter with NULLs.
  const zipped = fc.tuple(array, array, fc.boolean()).map(([a, b, ordinality]) => ({
    sql:
      `unnest(${a.sql}, ${b.sql})${ordinality ? ' WITH ORDINALITY' : ''}` +
      ` AS ${name}(x, y${ordinality ? ', n' : ''})`,
    columns: [x(a.type), { sql: `${name}.y`, type: b.type }, ...(ordinality ? [n] : [])],
    unique: ordinality ? [n.sql] : null,
  }))
  return fc.oneof(bareSeries, single, zipped, lateralItemArb(name, source))
}

/** `LATERAL (SELECT ... FROM <series or unnest> AS i1(v) ...) AS fN(m)`: one aggregate row, or
 * the first rows in an order without ties. */
function lateralItemArb(name: string, source: fc.Arbitrary<Source>): fc.Arbitrary<SetItem> {
  const m = `${name}.m`
  return source.chain((s) => {
    const one = fc.constantFrom(...aggregatesOfV(s.type)).map((a) => ({
      sql: `LATERAL (SELECT ${a.sql} AS m FROM ${s.sql} AS i1(v)) AS ${name}`,
      columns: [{ sql: m, type: a.type }],
      unique: [],
    }))
    const first = fc
      .tuple(fc.constantFrom('', ' DESC'), fc.integer({ min: 1, max: 2 }))
      .map(([dir, limit]) => ({
        sql:
          `LATERAL (SELECT v AS m FROM ${s.sql} AS i1(v)` +
          ` ORDER BY v${dir}, v::text LIMIT ${limit}) AS ${name}`,
        columns: [{ sql: m, type: s.type }],
        unique: s.distinct ? [m] : null,
      }))
    return fc.oneof(one, first)
  })
}

/** Aggregates over a column `v` of the type, with their result types; the order-dependent ones
 * are ordered by the value and then its text (numerics equal in value can differ in scale). No
 * float8 sum or avg: their last digits follow the order of addition. */
function aggregatesOfV(type: ColumnType): Typed[] {
  const out: Typed[] = [
    { sql: 'count(*)', type: 'int8' },
    { sql: 'count(v)', type: 'int8' },
    { sql: 'array_agg(v ORDER BY v, v::text)::text', type: 'text' },
  ]
  if (type === 'bool') return [...out, { sql: 'bool_and(v)', type }, { sql: 'bool_or(v)', type }]
  out.push({ sql: 'min(v)', type }, { sql: 'max(v)', type })
  if (type === 'text') out.push({ sql: "string_agg(v, ',' ORDER BY v DESC)", type })
  if (type === 'int4' || type === 'int8' || type === 'numeric') {
    out.push({ sql: 'sum(v)', type: type === 'int4' ? 'int8' : 'numeric' })
    out.push({ sql: 'avg(v)', type: 'numeric' })
  }
  return out
}

/** The scope with an item's columns added, qualified, after those of the FROM before it. */
function withItem(scope: Scope, item: SetItem): Scope {
  const columns: Record<Kind, string[]> = {
    num: [...scope.columns.num],
    text: [...scope.columns.text],
    bool: [...scope.columns.bool],
  }
  for (const c of item.columns) columns[kindOf(c.type)].push(c.sql)
  return {
    columns,
    tables: scope.tables,
    typed: [...scope.typed, ...item.columns],
    unique:
      scope.unique === null || item.unique === null ? null : [...scope.unique, ...item.unique],
  }
}

/** A FROM clause and what it shows. `list`: a comma list, to which a JOIN would bind only the
 * last item, leaving the item joined unable to read the others (42P01). */
type From = { from: string; scope: Scope; list?: boolean }

/** The FROM with one more set-returning item, which reads the columns before it (a function in
 * FROM is implicitly LATERAL), joined by a comma, CROSS JOIN, JOIN or LEFT JOIN. */
function joinSetItemArb(base: From, i: number, f: Features): fc.Arbitrary<From> {
  return setItemArb(i, base.scope.typed, f).chain((item) => {
    const scope = withItem(base.scope, item)
    const on = exprArbs(scope, { ...f, subqueries: false }).bool
    const comma = fc.constant({ from: `${base.from}, ${item.sql}`, scope, list: true })
    if (base.list === true) return comma
    return fc.oneof(
      comma,
      ...[
        fc.constant(`${base.from} CROSS JOIN ${item.sql}`),
        on.map((c) => `${base.from} JOIN ${item.sql} ON ${c}`),
        on.map((c) => `${base.from} LEFT JOIN ${item.sql} ON ${c}`),
      ].map((from) => from.map((sql) => ({ from: sql, scope }))),
    )
  })
}

/** FROM clauses with set-returning items: after the tables, alone, or two of them. */
function setFunctionFromArb(
  tables: fc.Arbitrary<From>,
  all: readonly TableSpec[],
  f: Features,
): fc.Arbitrary<From> {
  const none = scopeOf([], true, all)
  const alone = setItemArb(1, [], f).map((item) => ({
    from: item.sql,
    scope: withItem(none, item),
  }))
  return fc.oneof(
    { weight: 3, arbitrary: tables.chain((t) => joinSetItemArb(t, 1, f)) },
    { weight: 1, arbitrary: alone },
    { weight: 1, arbitrary: alone.chain((a) => joinSetItemArb(a, 2, f)) },
  )
}

// Inside subqueries: the same functions over expressions of the enclosing row, alone or beside
// another item, under aggregates, EXISTS and IN. Only kinds are known there, which is all the
// subquery's clauses need; generate_series bounds are cast to numeric when not a column.

/** A column of a FROM item inside a subquery. */
interface InnerColumn {
  readonly ref: string
  readonly kind: Kind
}

/** A subquery's FROM list. */
interface InnerFrom {
  readonly sql: string
  readonly columns: readonly InnerColumn[]
  /** The ordinality column when the list is one item WITH ORDINALITY: an order of its rows
   * without ties that compares no values. */
  readonly ordinal: string | null
}

/** The subquery's first item: generate_series, or unnest of one or two arrays, over the row. */
function innerItemArb(tie: Tie, scope: Scope): fc.Arbitrary<InnerFrom> {
  const ints = scope.typed.filter((v) => SERIES_TYPES.includes(v.type))
  const computed = tie('num').map((e): Typed => ({ sql: `(${e})::numeric`, type: 'numeric' }))
  const bound = ints.length === 0 ? computed : fc.oneof(fc.constantFrom(...ints), computed)
  const array = (k: Kind) =>
    fc.array(tie(k), { minLength: 1, maxLength: 3 }).map((els) => `ARRAY[${els.join(', ')}]`)
  const call = fc.oneof(
    seriesArb(bound).map((s) => ({ sql: s.sql, kinds: ['num' as Kind] })),
    fc
      .constantFrom(...KINDS)
      .chain((k) => array(k).map((a) => ({ sql: `unnest(${a})`, kinds: [k] }))),
    fc
      .tuple(fc.constantFrom(...KINDS), fc.constantFrom(...KINDS))
      .chain(([k1, k2]) =>
        fc
          .tuple(array(k1), array(k2))
          .map(([a, b]) => ({ sql: `unnest(${a}, ${b})`, kinds: [k1, k2] })),
      ),
  )
  return fc.tuple(call, fc.constantFrom('bare', 'as', 'ordinality')).map(([c, shape]) => {
    // `unnest(...) v`: the alias names the one column too, as in `sum(v) FROM unnest(...) v`.
    if (shape === 'bare' && c.kinds.length === 1)
      return { sql: `${c.sql} v`, columns: [{ ref: 'v', kind: c.kinds[0]! }], ordinal: null }
    const names = c.kinds.map((_, i) => (i === 0 ? 'v' : 'v2'))
    const columns = c.kinds.map((kind, i) => ({ ref: `i1.${names[i]}`, kind }))
    if (shape !== 'ordinality')
      return { sql: `${c.sql} AS i1(${names.join(', ')})`, columns, ordinal: null }
    return {
      sql: `${c.sql} WITH ORDINALITY AS i1(${names.join(', ')}, o)`,
      columns: [...columns, { ref: 'i1.o', kind: 'num' as Kind }],
      ordinal: 'i1.o',
    }
  })
}

/** A second item beside the first: a table's column renamed (so its names capture nothing), a
 * constant series, another unnest of the row, or a function of the first item's columns. */
function innerSecondArb(
  tie: Tie,
  scope: Scope,
  first: InnerFrom,
): fc.Arbitrary<{ sql: string; columns: InnerColumn[]; lateral: boolean }> {
  const w = (kind: Kind) => [{ ref: 'i2.w', kind }]
  const derived = KINDS.flatMap((k) =>
    scope.tables[k].map(([t, c]) => ({
      sql: `(SELECT ${c} AS w FROM ${t}) AS i2`,
      columns: w(k),
      lateral: false,
    })),
  )
  const readsFirst = fc.constantFrom(...first.columns).map((c) => ({
    sql:
      c.kind === 'num'
        ? `generate_series(0, least(abs((${c.ref})::numeric), 3)) AS i2(w)`
        : c.kind === 'text'
          ? `unnest(ARRAY[${c.ref}, upper(${c.ref})]) AS i2(w)`
          : `unnest(ARRAY[${c.ref}, NOT ${c.ref}]) AS i2(w)`,
    columns: w(c.kind),
    lateral: true,
  }))
  const options = [
    fc.constant({ sql: 'generate_series(1, 3) AS i2(w)', columns: w('num'), lateral: false }),
    fc.constantFrom(...KINDS).chain((k) =>
      fc.array(tie(k), { minLength: 1, maxLength: 2 }).map((els) => ({
        sql: `unnest(ARRAY[${els.join(', ')}]) AS i2(w)`,
        columns: w(k),
        lateral: false,
      })),
    ),
    readsFirst,
    ...(derived.length === 0 ? [] : [fc.constantFrom(...derived)]),
  ]
  return fc.oneof(...options)
}

/** The subquery's FROM: the item alone, or beside a second by a comma, CROSS JOIN, JOIN or LEFT
 * JOIN, in either order unless the second reads the first. */
function innerFromArb(tie: Tie, on: Tie, scope: Scope): fc.Arbitrary<InnerFrom> {
  return innerItemArb(tie, scope).chain((a) => {
    const joined = innerSecondArb(tie, scope, a).chain((b) => {
      const columns = [...a.columns, ...b.columns]
      return fc
        .record({
          form: fc.constantFrom(', ', ' CROSS JOIN ', ' JOIN ', ' LEFT JOIN '),
          swap: b.lateral ? fc.constant(false) : fc.boolean(),
          on: innerConditionArb(columns, on),
        })
        .map(({ form, swap, on }) => {
          const [l, r] = swap ? [b.sql, a.sql] : [a.sql, b.sql]
          const cond = form === ' JOIN ' || form === ' LEFT JOIN ' ? ` ON ${on}` : ''
          return { sql: `${l}${form}${r}${cond}`, columns, ordinal: null }
        })
    })
    return fc.oneof(fc.constant(a), joined)
  })
}

/** A condition on the subquery's rows: a column against the enclosing row or another column, a
 * NULL test, or the enclosing row alone; sometimes two of these. */
function innerConditionArb(columns: readonly InnerColumn[], tie: Tie): fc.Arbitrary<string> {
  const column = fc.constantFrom(...columns)
  const pairs = columns.flatMap((a, i) =>
    columns.slice(i + 1).flatMap((b) => (b.kind === a.kind ? [[a, b] as const] : [])),
  )
  const atoms = [
    column.chain((c) =>
      fc
        .tuple(fc.constantFrom(...COMPARISONS[c.kind]), tie(c.kind))
        .map(([op, e]) => `(${c.ref} ${op} ${e})`),
    ),
    column.map((c) => `(${c.ref} IS NOT NULL)`),
    tie('bool'),
    ...(pairs.length === 0
      ? []
      : [
          fc
            .constantFrom(...pairs)
            .chain(([a, b]) =>
              fc.constantFrom(...COMPARISONS[a.kind]).map((op) => `(${a.ref} ${op} ${b.ref})`),
            ),
        ]),
  ]
  const atom = fc.oneof(...atoms)
  return fc.oneof(
    { weight: 3, arbitrary: atom },
    {
      weight: 1,
      arbitrary: fc
        .tuple(atom, fc.constantFrom('AND', 'OR'), atom)
        .map(([a, op, b]) => `(${a} ${op} ${b})`),
    },
  )
}

/** ORDER BY inside an aggregate or before LIMIT 1: by the value then by its text, so rows tied
 * on both give the same result whichever comes first; or by the ordinality alone. */
function innerOrderArb(fr: InnerFrom, c: InnerColumn): fc.Arbitrary<string> {
  const byValue = fc
    .tuple(fc.constantFrom('', ' DESC'), fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST'))
    .map(([dir, nulls]) => `ORDER BY ${c.ref}${dir}${nulls}, (${c.ref})::text`)
  return fr.ordinal === null
    ? byValue
    : fc.oneof(byValue, fc.constantFrom('', ' DESC').map((dir) => `ORDER BY ${fr.ordinal}${dir}`))
}

/** A subquery's select list and what follows its WHERE. */
type InnerSelect = readonly [item: string, tail: string]

/** Numeric values of the FROM list: aggregates, the first value in an order, the largest group. */
function innerNumArb(fr: InnerFrom): fc.Arbitrary<InnerSelect> {
  const column = fc.constantFrom(...fr.columns)
  const nums = fr.columns.filter((c) => c.kind === 'num')
  const options: fc.Arbitrary<InnerSelect>[] = [
    fc.constant(['count(*)', '']),
    column.chain((c) =>
      fc.constantFrom(`count(${c.ref})`, `count(DISTINCT ${c.ref})`).map((s) => [s, ''] as const),
    ),
    column.map((c) => ['count(*)', ` GROUP BY ${c.ref} ORDER BY 1 DESC LIMIT 1`] as const),
  ]
  if (nums.length > 0) {
    const num = fc.constantFrom(...nums)
    options.push(
      fc
        .tuple(fc.constantFrom('sum', 'avg', 'min', 'max'), num)
        .map(([fn, c]) => [`${fn}(${c.ref})`, ''] as const),
      num.chain((c) => innerOrderArb(fr, c).map((o) => [c.ref, ` ${o} LIMIT 1`] as const)),
    )
  }
  return fc.oneof(...options)
}

/** Text values of the FROM list: ordered string_agg and array_agg, min and max of text. */
function innerTextArb(fr: InnerFrom): fc.Arbitrary<InnerSelect> {
  const column = fc.constantFrom(...fr.columns)
  const texts = fr.columns.filter((c) => c.kind === 'text')
  const sep = fc.constantFrom("','", "' '", "''")
  const options: fc.Arbitrary<InnerSelect>[] = [
    column.chain((c) =>
      fc
        .tuple(sep, innerOrderArb(fr, c))
        .map(([s, o]) => [`string_agg((${c.ref})::text, ${s} ${o})`, ''] as const),
    ),
    column.chain((c) =>
      innerOrderArb(fr, c).map((o) => [`array_agg(${c.ref} ${o})::text`, ''] as const),
    ),
    // DISTINCT needs its ORDER BY among the arguments: the text, not the value, orders it.
    fc
      .tuple(column, sep)
      .map(
        ([c, s]) =>
          [`string_agg(DISTINCT (${c.ref})::text, ${s} ORDER BY (${c.ref})::text)`, ''] as const,
      ),
  ]
  if (texts.length > 0)
    options.push(
      fc
        .tuple(fc.constantFrom('min', 'max'), fc.constantFrom(...texts))
        .map(([fn, c]) => [`${fn}(${c.ref})`, ''] as const),
    )
  return fc.oneof(...options)
}

/** Subqueries over set-returning functions of the enclosing row, by the kind of their value.
 * `small` gives the expressions of the enclosing row they read, `on` those their join conditions
 * read, `tie` those they are compared with by IN. */
function setFunctionSubqueryArbs(
  { small, tie, on }: { small: Tie; tie: Tie; on: Tie },
  scope: Scope,
): Record<Kind, fc.Arbitrary<string>> {
  const from = innerFromArb(small, on, scope)
  const where = (fr: InnerFrom) =>
    fc
      .option(innerConditionArb(fr.columns, small), { freq: 2 })
      .map((w) => (w === null ? '' : ` WHERE ${w}`))
  const scalar = (select: (fr: InnerFrom) => fc.Arbitrary<InnerSelect>) =>
    from.chain((fr) =>
      fc
        .tuple(select(fr), where(fr))
        .map(([[item, tail], w]) => `(SELECT ${item} FROM ${fr.sql}${w}${tail})`),
    )
  const existsOver = (fr: InnerFrom) =>
    fc
      .tuple(fc.constantFrom('EXISTS', 'NOT EXISTS'), where(fr))
      .map(([op, w]) => `(${op} (SELECT 1 FROM ${fr.sql}${w}))`)
  const inSubquery = from.chain((fr) =>
    fc
      .constantFrom(...fr.columns)
      .chain((c) =>
        fc
          .tuple(tie(c.kind), fc.constantFrom('IN', 'NOT IN'), where(fr))
          .map(([e, op, w]) => `(${e} ${op} (SELECT ${c.ref} FROM ${fr.sql}${w}))`),
      ),
  )
  const boolAggregate = from.chain((fr) => {
    const bools = fr.columns.filter((c) => c.kind === 'bool')
    if (bools.length === 0) return existsOver(fr)
    return fc
      .tuple(fc.constantFrom('bool_and', 'bool_or'), fc.constantFrom(...bools), where(fr))
      .map(([fn, c, w]) => `(SELECT ${fn}(${c.ref}) FROM ${fr.sql}${w})`)
  })
  return {
    num: scalar(innerNumArb),
    text: scalar(innerTextArb),
    bool: fc.oneof(
      { weight: 2, arbitrary: from.chain(existsOver) },
      { weight: 2, arbitrary: inSubquery },
      { weight: 1, arbitrary: boolAggregate },
    ),
  }
}

// --- queries ----------------------------------------------------------------------------------

const AGGREGATES: Record<Kind, readonly string[]> = {
  num: ['count', 'sum', 'min', 'max', 'avg'],
  text: ['count', 'min', 'max'],
  bool: ['count'],
}

function orderByArb(columnCount: number): fc.Arbitrary<string> {
  const item = fc.tuple(
    fc.constantFrom('', ' DESC'),
    fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST'),
  )
  return fc
    .tuple(...Array.from({ length: columnCount }, () => item))
    .map(
      (items) => ` ORDER BY ${items.map(([dir, nulls], i) => `${i + 1}${dir}${nulls}`).join(', ')}`,
    )
}

const limitArb = fc
  .tuple(fc.option(fc.integer({ min: 0, max: 6 })), fc.option(fc.integer({ min: 0, max: 4 })))
  .map(
    ([limit, offset]) =>
      `${limit === null ? '' : ` LIMIT ${limit}`}${offset === null ? '' : ` OFFSET ${offset}`}`,
  )

/** A projection/filter query: SELECT exprs FROM ... [WHERE] [ORDER BY every column [LIMIT]]. */
function selectArb(from: string, scope: Scope, f: Features): fc.Arbitrary<GeneratedQuery> {
  const e = exprArbs(scope, f)
  const anyExpr = fc.oneof(e.num, e.text, e.bool)
  return fc
    .record({
      distinct: f.distinct ? fc.boolean() : fc.constant(false),
      items: fc.array(anyExpr, { minLength: 1, maxLength: 3 }),
      where: fc.option(e.bool),
      order: f.orderBy ? fc.boolean() : fc.constant(false),
      limit: f.limitOffset ? limitArb : fc.constant(''),
    })
    .chain((q) =>
      (q.order ? orderByArb(q.items.length) : fc.constant('')).map((order) => ({
        sql:
          `SELECT ${q.distinct ? 'DISTINCT ' : ''}${q.items.join(', ')} FROM ${from}` +
          `${q.where === null ? '' : ` WHERE ${q.where}`}${order}${q.order ? q.limit : ''}`,
        ordered: q.order,
      })),
    )
}

/** An aggregate query: SELECT groups, aggregates FROM ... [WHERE] [GROUP BY] [HAVING] [ORDER BY]. */
function aggregateArb(from: string, scope: Scope, f: Features): fc.Arbitrary<GeneratedQuery> {
  const e = exprArbs(scope, f)
  const allColumns = [...scope.columns.num, ...scope.columns.text, ...scope.columns.bool]
  const agg = fc.oneof(
    fc.constant('count(*)'),
    ...(['num', 'text', 'bool'] as const).map((k) =>
      fc.tuple(fc.constantFrom(...AGGREGATES[k]), e[k]).map(([fn, a]) => `${fn}(${a})`),
    ),
  )
  const numericAgg = fc.oneof(
    fc.constant('count(*)'),
    fc.tuple(fc.constantFrom(...AGGREGATES.num), e.num).map(([fn, a]) => `${fn}(${a})`),
  )
  const groups =
    f.groupBy && allColumns.length > 0
      ? fc.uniqueArray(fc.constantFrom(...allColumns), { maxLength: 2 })
      : fc.constant([])
  return fc
    .record({
      groups,
      aggs: fc.array(agg, { minLength: 1, maxLength: 3 }),
      where: fc.option(e.bool),
      // HAVING compares an aggregate with a constant: a bare column there would be 42803.
      having: f.having
        ? fc.option(fc.tuple(numericAgg, fc.constantFrom('>', '<=', '<>'), literalArb('int4', f)))
        : fc.constant(null),
      order: f.orderBy ? fc.boolean() : fc.constant(false),
      limit: f.limitOffset ? limitArb : fc.constant(''),
    })
    .chain((q) => {
      const items = [...q.groups, ...q.aggs]
      return (q.order ? orderByArb(items.length) : fc.constant('')).map((order) => ({
        sql:
          `SELECT ${items.join(', ')} FROM ${from}${q.where === null ? '' : ` WHERE ${q.where}`}` +
          `${q.groups.length > 0 ? ` GROUP BY ${q.groups.join(', ')}` : ''}` +
          `${q.having === null ? '' : ` HAVING ${q.having[0]} ${q.having[1]} ${q.having[2]}`}${order}${q.order ? q.limit : ''}`,
        ordered: q.order,
      }))
    })
}

// --- window functions -------------------------------------------------------------------------

/** What the window calls of one query may refer to. */
interface WindowScope {
  /** Window function arguments: columns, or over GROUP BY the group columns and aggregates. */
  readonly values: readonly Typed[]
  /** PARTITION BY and ORDER BY expressions, low-cardinality ones (`x % 3`) among them so that
   * partitions and peer groups hold several rows. */
  readonly keys: readonly string[]
  /** ORDER BY items unique together on every row, or null when there are none: then only calls
   * whose value ignores how tied rows are ordered are made. */
  readonly unique: readonly string[] | null
}

/** A query's `WINDOW w AS (...)`, which its calls may name or refine. */
interface NamedWindow {
  readonly definition: string
  /** Its ORDER BY items, or null when it has none and each call may bring its own. */
  readonly order: readonly string[] | null
  /** True when that ORDER BY is unique on every row. */
  readonly total: boolean
}

/** A call before its OVER. `tied`: its value depends on how rows that tie on the window's ORDER BY
 * are ordered among themselves, which each engine may choose, so it needs a unique ORDER BY. */
interface WindowFn {
  readonly sql: string
  readonly tied: boolean
}

type FrameMode = 'ROWS' | 'GROUPS' | 'RANGE'

const TIE_FREE_RANKING = ['rank()', 'dense_rank()', 'percent_rank()', 'cume_dist()']

/** Frame bounds in the order a frame may not run backwards through (42P20 otherwise). */
const FRAME_BOUNDS = [
  'UNBOUNDED PRECEDING',
  'PRECEDING',
  'CURRENT ROW',
  'FOLLOWING',
  'UNBOUNDED FOLLOWING',
] as const

/** The values themselves and low-cardinality expressions over them. */
function windowKeys(values: readonly Typed[]): string[] {
  const few: Record<ColumnType, (x: string) => string[]> = {
    int4: (x) => [`(${x} % 3)`, `(${x} % 2)`],
    int8: (x) => [`(${x} % 3)`],
    numeric: (x) => [`(${x} % 2)`],
    float8: (x) => [`(${x} > 0)`],
    text: (x) => [`length(${x})`],
    bool: () => [],
  }
  return values.flatMap(({ sql, type }) => [sql, ...few[type](sql)])
}

/** Aggregates over the values with their result types: only those both engines answer exactly
 * (float8 sums and averages may differ in the last digits by the order of addition). */
function aggregatesOver(values: readonly Typed[]): Typed[] {
  const out: Typed[] = [{ sql: 'count(*)', type: 'int8' }]
  for (const { sql, type } of values) {
    out.push({ sql: `count(${sql})`, type: 'int8' })
    if (type !== 'bool') out.push({ sql: `min(${sql})`, type }, { sql: `max(${sql})`, type })
    if (type === 'int4' || type === 'int8' || type === 'numeric') {
      out.push({ sql: `sum(${sql})`, type: type === 'int4' ? 'int8' : 'numeric' })
      out.push({ sql: `avg(${sql})`, type: 'numeric' })
    }
  }
  return out
}

function windowFnArb(ws: WindowScope, unique: boolean, f: Features): fc.Arbitrary<WindowFn> {
  const tieFree = fc
    .oneof(
      fc.constantFrom(...TIE_FREE_RANKING),
      fc.constantFrom(...aggregatesOver(ws.values).map((a) => a.sql)),
    )
    .map((sql) => ({ sql, tied: false }))
  if (!unique) return tieFree
  return fc.oneof(tieFree, tiedFnArb(ws, f).map((sql) => ({ sql, tied: true })))
}

/** row_number, ntile, lag/lead, first/last/nth_value: their values follow the order of ties. */
function tiedFnArb(ws: WindowScope, f: Features): fc.Arbitrary<string> {
  const value = fc.constantFrom(...ws.values)
  const int4s = ws.values.filter((v) => v.type === 'int4').map((v) => v.sql)
  // ntile's bucket count and nth_value's position: small constants mostly, sometimes 0 (an error),
  // NULL, or a column, which PostgreSQL reads once per partition for ntile and per row otherwise.
  // These and lag/lead's offset are int4 parameters: an int8 or numeric argument is 42883.
  const otherType = fc.constantFrom('(1)::int8', '1.0')
  const count = fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 1, max: 3 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('0', 'NULL::int4') },
    { weight: 1, arbitrary: otherType },
    ...(int4s.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...int4s) }] : []),
  )
  const offset = fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: -1, max: 3 }).map(String) },
    { weight: 1, arbitrary: fc.constant('NULL::int4') },
    { weight: 1, arbitrary: otherType },
    ...(int4s.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...int4s) }] : []),
  )
  const lagLead = fc.tuple(fc.constantFrom('lag', 'lead'), value).chain(([fn, v]) =>
    fc
      .option(fc.tuple(offset, fc.option(lagDefaultArb(v, ws, f))))
      .map((rest) =>
        rest === null
          ? `${fn}(${v.sql})`
          : `${fn}(${v.sql}, ${rest[0]}${rest[1] === null ? '' : `, ${rest[1]}`})`,
      ),
  )
  return fc.oneof(
    fc.constant('row_number()'),
    count.map((k) => `ntile(${k})`),
    fc
      .tuple(fc.constantFrom('first_value', 'last_value'), value)
      .map(([fn, v]) => `${fn}(${v.sql})`),
    fc.tuple(value, count).map(([v, n]) => `nth_value(${v.sql}, ${n})`),
    lagLead,
  )
}

/** lag/lead's default: mostly of the value's type; else another numeric type or a column, whose
 * common type with the value PostgreSQL gives the result (lag is anycompatible). */
function lagDefaultArb(v: Typed, ws: WindowScope, f: Features): fc.Arbitrary<string> {
  const kind = kindOf(v.type)
  const sameKind = ws.values.filter((w) => kindOf(w.type) === kind).map((w) => w.sql)
  const other =
    kind === 'num'
      ? fc.constantFrom(...NUMERIC_TYPES).chain((t) => typedLiteralArb(t, f))
      : typedLiteralArb(v.type, f)
  return fc.oneof(
    { weight: 3, arbitrary: typedLiteralArb(v.type, f) },
    { weight: 1, arbitrary: other },
    { weight: 1, arbitrary: fc.constantFrom(...sameKind) },
  )
}

/** A frame clause in one of the modes. RANGE keeps to UNBOUNDED and CURRENT ROW bounds: an offset
 * there needs exactly one ORDER BY item of a type with in_range (42P20 or 0A000 otherwise), which
 * the orders drawn here do not keep to; test/sql/windows.slt checks RANGE offsets. A third of the
 * frames exclude rows: which ones does not depend on the order of ties for the calls made over
 * ties (aggregates leave out the current row or whole peer groups), and the calls that read one
 * row of the frame get a unique ORDER BY, so they have no ties to exclude. */
function frameArb(modes: readonly FrameMode[]): fc.Arbitrary<{ mode: FrameMode; sql: string }> {
  return fc.constantFrom(...modes).chain((mode) => {
    const allowed = mode === 'RANGE' ? [0, 2, 4] : [0, 1, 2, 3, 4]
    // A frame starts at no bound after its end, never at UNBOUNDED FOLLOWING, and ends never at
    // UNBOUNDED PRECEDING.
    return fc.constantFrom(...allowed.filter((b) => b < 4)).chain((start) =>
      fc
        .record({
          end: fc.constantFrom(...allowed.filter((b) => b >= Math.max(start, 1))),
          offsets: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
          short: fc.boolean(),
          exclude: fc.oneof(
            { weight: 6, arbitrary: fc.constant('') },
            {
              weight: 3,
              arbitrary: fc.constantFrom(
                ' EXCLUDE CURRENT ROW',
                ' EXCLUDE GROUP',
                ' EXCLUDE TIES',
                ' EXCLUDE NO OTHERS',
              ),
            },
          ),
        })
        .map(({ end, offsets: [a, b], short, exclude }) => {
          const bound = (i: number, n: number) =>
            i === 1 || i === 3 ? `${n} ${FRAME_BOUNDS[i]}` : `${FRAME_BOUNDS[i]}`
          // `ROWS x` alone means BETWEEN x AND CURRENT ROW.
          const sql =
            short && end === 2
              ? `${mode} ${bound(start, a)}`
              : `${mode} BETWEEN ${bound(start, a)} AND ${bound(end, b)}`
          return { mode, sql: `${sql}${exclude}` }
        }),
    )
  })
}

function orderItemArb(expr: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      expr,
      fc.constantFrom('', ' ASC', ' DESC'),
      fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST'),
    )
    .map(([e, dir, nulls]) => `${e}${dir}${nulls}`)
}

/** The unique items as ORDER BY items, each in either direction. */
function uniqueOrderArb(ws: WindowScope): fc.Arbitrary<string[]> {
  return fc.tuple(...(ws.unique ?? []).map((u) => orderItemArb(fc.constant(u))))
}

/** One `fn(...) OVER (...)`, building on the query's named window when `named` is given. */
function windowCallArb(
  ws: WindowScope,
  named: NamedWindow | null,
  f: Features,
): fc.Arbitrary<string> {
  const ownOrder = named === null || named.order === null
  const unique = named !== null && named.order !== null ? named.total : ws.unique !== null
  // A ROWS frame counts rows, so the order of ties changes any function over it.
  const modes: FrameMode[] = unique ? ['ROWS', 'GROUPS', 'RANGE'] : ['GROUPS', 'RANGE']
  const key = orderItemArb(fc.constantFrom(...ws.keys))
  return fc
    .record({
      fn: windowFnArb(ws, unique, f),
      frame: fc.option(frameArb(modes), { freq: 2 }),
      partition:
        named === null
          ? fc.uniqueArray(fc.constantFrom(...ws.keys), { maxLength: 2 })
          : fc.constant([]),
      order: ownOrder ? fc.array(key, { maxLength: 2 }) : fc.constant([]),
      uniqueOrder: uniqueOrderArb(ws),
      // Sometimes a unique order where ties would do, so peers are not the only case tested.
      alwaysUnique: fc.boolean(),
      fallback: key,
      bare: fc.boolean(),
    })
    .map((c) => {
      const needsUnique = c.fn.tied || c.frame?.mode === 'ROWS'
      let order = c.order
      if (ownOrder && (needsUnique || c.alwaysUnique)) order = [...order, ...c.uniqueOrder]
      // GROUPS frames need an ORDER BY (42P20).
      if (ownOrder && order.length === 0 && c.frame?.mode === 'GROUPS') order = [c.fallback]
      const spec = [
        named === null ? '' : 'w',
        c.partition.length === 0 ? '' : `PARTITION BY ${c.partition.join(', ')}`,
        order.length === 0 ? '' : `ORDER BY ${order.join(', ')}`,
        c.frame?.sql ?? '',
      ]
        .filter((s) => s !== '')
        .join(' ')
      return `${c.fn.sql} OVER ${spec === 'w' && c.bare ? 'w' : `(${spec})`}`
    })
}

/** The query's WINDOW w: a partition and maybe an ORDER BY, no frame (a window with a frame can
 * only be named whole, not refined). */
function namedWindowArb(ws: WindowScope): fc.Arbitrary<NamedWindow> {
  return fc
    .record({
      partition: fc.uniqueArray(fc.constantFrom(...ws.keys), { maxLength: 2 }),
      order: fc.option(fc.array(orderItemArb(fc.constantFrom(...ws.keys)), { maxLength: 2 })),
      uniqueOrder: uniqueOrderArb(ws),
      total: fc.boolean(),
    })
    .map((w) => {
      const total = w.total && ws.unique !== null
      const items = w.order === null ? [] : [...w.order, ...(total ? w.uniqueOrder : [])]
      const order = w.order === null || items.length === 0 ? null : items
      const definition = [
        w.partition.length === 0 ? '' : `PARTITION BY ${w.partition.join(', ')}`,
        order === null ? '' : `ORDER BY ${order.join(', ')}`,
      ]
        .filter((s) => s !== '')
        .join(' ')
      return { definition, order, total }
    })
}

/** One to three calls, a third of queries sharing a named window among some of them. */
function windowCallsArb(
  ws: WindowScope,
  f: Features,
): fc.Arbitrary<{ calls: string[]; clause: string }> {
  const named = fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: namedWindowArb(ws) },
  )
  return named.chain((w) => {
    const call =
      w === null
        ? windowCallArb(ws, null, f)
        : fc.oneof(
            { weight: 2, arbitrary: windowCallArb(ws, w, f) },
            { weight: 1, arbitrary: windowCallArb(ws, null, f) },
          )
    return fc.array(call, { minLength: 1, maxLength: 3 }).map((calls) => ({
      calls,
      clause: w === null ? '' : ` WINDOW w AS (${w.definition})`,
    }))
  })
}

/** A third of the time `a`, else null: window queries filter and cut rows less often than the
 * other shapes, since a window over none or one row says little and generated filters and
 * OFFSETs often leave none. */
function sometimes<T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a })
}

/** The query's own ORDER BY over every output column (its rows then compare in order), LIMIT. */
function tailArb(itemCount: number, f: Features): fc.Arbitrary<{ sql: string; ordered: boolean }> {
  return fc
    .record({
      order: f.orderBy ? fc.boolean() : fc.constant(false),
      limit: f.limitOffset ? sometimes(limitArb).map((l) => l ?? '') : fc.constant(''),
    })
    .chain((t): fc.Arbitrary<{ sql: string; ordered: boolean }> =>
      t.order
        ? orderByArb(itemCount).map((o) => ({ sql: `${o}${t.limit}`, ordered: true }))
        : fc.constant({ sql: '', ordered: false }),
    )
}

/** SELECT exprs, window calls FROM ... [WHERE] [WINDOW w] [ORDER BY every column]. No DISTINCT: over
 * numeric window values equal in value but not in display scale (an avg over frames of different
 * sizes), which row DISTINCT keeps depends on the row order, in PostgreSQL as in Tessera. */
function windowSelectArb(from: string, scope: Scope, f: Features): fc.Arbitrary<GeneratedQuery> {
  const ws: WindowScope = {
    values: scope.typed,
    keys: windowKeys(scope.typed),
    unique: scope.unique,
  }
  const e = exprArbs(scope, f)
  return fc
    .record({
      exprs: fc.array(fc.oneof(e.num, e.text, e.bool), { maxLength: 2 }),
      windows: windowCallsArb(ws, f),
      where: sometimes(e.bool),
    })
    .chain((q) => {
      const items = [...q.exprs, ...q.windows.calls]
      return tailArb(items.length, f).map((tail) => ({
        sql:
          `SELECT ${items.join(', ')} FROM ${from}` +
          `${q.where === null ? '' : ` WHERE ${q.where}`}${q.windows.clause}${tail.sql}`,
        ordered: tail.ordered,
      }))
    })
}

/** Windows over grouped rows: SELECT groups, aggregates, window calls over both FROM ...
 * [WHERE] [GROUP BY] [WINDOW w] [ORDER BY every column]; `sum(count(*)) OVER (ORDER BY g)`. */
function windowGroupedArb(from: string, scope: Scope, f: Features): fc.Arbitrary<GeneratedQuery> {
  const e = exprArbs(scope, f)
  const aggregates = aggregatesOver(scope.typed)
  return fc
    .record({
      // Mostly one or two groups: without GROUP BY there is a single row to window over.
      groups: f.groupBy
        ? fc.oneof(
            { weight: 1, arbitrary: fc.constant<Typed[]>([]) },
            {
              weight: 3,
              arbitrary: fc.uniqueArray(fc.constantFrom(...scope.typed), {
                minLength: 1,
                maxLength: 2,
                selector: (g) => g.sql,
              }),
            },
          )
        : fc.constant<Typed[]>([]),
      where: sometimes(e.bool),
    })
    .chain(({ groups, where }) => {
      // A window over grouped rows reads group columns and aggregates only (42803), and the
      // group columns are unique together on its rows.
      const ws: WindowScope = {
        values: [...groups, ...aggregates],
        keys: [...windowKeys(groups), ...aggregates.map((a) => a.sql)],
        unique: groups.map((g) => g.sql),
      }
      // Without GROUP BY an aggregate in the select list keeps the query grouped (one row); a
      // window over no aggregate at all would instead run over every table row.
      const shown = fc.array(fc.constantFrom(...aggregates.map((a) => a.sql)), {
        minLength: groups.length === 0 ? 1 : 0,
        maxLength: 1,
      })
      return fc.tuple(shown, windowCallsArb(ws, f)).chain(([aggs, windows]) => {
        const items = [...groups.map((g) => g.sql), ...aggs, ...windows.calls]
        return tailArb(items.length, f).map((tail) => ({
          sql:
            `SELECT ${items.join(', ')} FROM ${from}${where === null ? '' : ` WHERE ${where}`}` +
            `${groups.length > 0 ? ` GROUP BY ${groups.map((g) => g.sql).join(', ')}` : ''}` +
            `${windows.clause}${tail.sql}`,
          ordered: tail.ordered,
        }))
      })
    })
}

/** FROM clauses: the case's tables (below), and with set-returning functions on, a third of the
 * time those functions after the tables or alone. */
function fromArb(tables: readonly TableSpec[], f: Features): fc.Arbitrary<From> {
  const plain = tablesFromArb(tables, f)
  if (!f.setFunctions) return plain
  return fc.oneof(
    { weight: 2, arbitrary: plain },
    { weight: 1, arbitrary: setFunctionFromArb(plain, tables, f) },
  )
}

/** FROM clauses over the case's tables: one table, or (with joins on) two joined. */
function tablesFromArb(tables: readonly TableSpec[], f: Features): fc.Arbitrary<From> {
  const single = fc.constant({ from: tables[0]!.name, scope: scopeOf([tables[0]!], false, tables) })
  if (!f.joins || tables.length < 2) return single
  const both = scopeOf(tables, true)
  const on = exprArbs(both, { ...f, subqueries: false }).bool
  const joined = fc
    .tuple(fc.constantFrom('JOIN', 'LEFT JOIN', 'RIGHT JOIN'), on)
    .map(([j, cond]) => ({
      from: `${tables[0]!.name} ${j} ${tables[1]!.name} ON ${cond}`,
      scope: both,
    }))
  // PostgreSQL runs FULL JOIN only on merge- or hash-joinable conditions (else 0A000): an
  // equality of two columns of one kind, possibly ANDed with more.
  const [a, b] = [tables[0]!, tables[1]!]
  const pairs = a.columns.flatMap((x) =>
    b.columns
      .filter((y) => kindOf(y.type) === kindOf(x.type))
      .map((y) => `${a.name}.${x.name} = ${b.name}.${y.name}`),
  )
  const full =
    pairs.length === 0
      ? joined
      : fc.tuple(fc.constantFrom(...pairs), fc.option(on)).map(([eq, more]) => ({
          from: `${a.name} FULL JOIN ${b.name} ON ${eq}${more === null ? '' : ` AND ${more}`}`,
          scope: both,
        }))
  const comma = fc.constant({
    from: `${tables[0]!.name}, ${tables[1]!.name}`,
    scope: both,
    list: true,
  })
  return fc.oneof(single, joined, full, comma)
}

/** A case: one or two tables and a few queries over them. `prefix` keeps table names unique
 * when many cases share one database. */
export function caseArb(prefix: string, f: Features): fc.Arbitrary<Case> {
  const tableCount = f.joins || f.subqueries ? 2 : 1
  return fc
    .tuple(
      ...Array.from({ length: tableCount }, (_, i) =>
        tableArb(`${prefix}_${String.fromCharCode(97 + i)}`, f),
      ),
    )
    .chain((tables) => {
      const query = queryArb(tables, f)
      return fc.array(query, { minLength: 1, maxLength: 4 }).map((queries) => ({ tables, queries }))
    })
}

/** One query of any shape the features allow; a third of them with window functions. */
function queryArb(tables: readonly TableSpec[], f: Features): fc.Arbitrary<GeneratedQuery> {
  const plain = fromArb(tables, f).chain(({ from, scope }) =>
    f.aggregates
      ? fc.oneof(selectArb(from, scope, f), aggregateArb(from, scope, f))
      : selectArb(from, scope, f),
  )
  if (!f.windows) return plain
  // Windows read one table more often than other queries do: generated join conditions keep few
  // rows, and a window over none or one says little.
  const from = fc.oneof(
    fc.constant({ from: tables[0]!.name, scope: scopeOf([tables[0]!], false, tables) }),
    fromArb(tables, f),
  )
  const windowed = from.chain(({ from, scope }) =>
    f.aggregates
      ? fc.oneof(windowSelectArb(from, scope, f), windowGroupedArb(from, scope, f))
      : windowSelectArb(from, scope, f),
  )
  return fc.oneof({ weight: 2, arbitrary: plain }, { weight: 1, arbitrary: windowed })
}
