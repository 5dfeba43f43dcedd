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
}

export interface Column {
  readonly name: string
  readonly type: ColumnType
}

export interface TableSpec {
  readonly name: string
  readonly columns: readonly Column[]
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
  return fc
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
}

function scopeOf(
  tables: readonly TableSpec[],
  qualify: boolean,
  all: readonly TableSpec[] = tables,
): Scope {
  const columns: Record<Kind, string[]> = { num: [], text: [], bool: [] }
  for (const t of tables)
    for (const c of t.columns)
      columns[kindOf(c.type)].push(qualify ? `${t.name}.${c.name}` : c.name)
  const sub: Record<Kind, (readonly [string, string])[]> = { num: [], text: [], bool: [] }
  for (const t of all) for (const c of t.columns) sub[kindOf(c.type)].push([t.name, c.name])
  return { columns, tables: sub }
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
      bool.push(
        fc
          .tuple(fc.constantFrom('EXISTS', 'NOT EXISTS'), col, tie('num'))
          .map(([op, [t, c], v]) => `(${op} (SELECT 1 FROM ${t} WHERE ${c} > ${v}))`),
      )
    }
    const pick = (options: fc.Arbitrary<string>[]) =>
      fc.oneof({ depthSize: 'small', withCrossShrink: true }, ...options)
    return { num: pick(num), text: pick(text), bool: pick(bool) }
  })
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

/** FROM clauses over the case's tables: one table, or (with joins on) two joined. */
function fromArb(
  tables: readonly TableSpec[],
  f: Features,
): fc.Arbitrary<{ from: string; scope: Scope }> {
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
  const comma = fc.constant({ from: `${tables[0]!.name}, ${tables[1]!.name}`, scope: both })
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
      const query = fromArb(tables, f).chain(({ from, scope }) =>
        f.aggregates
          ? fc.oneof(selectArb(from, scope, f), aggregateArb(from, scope, f))
          : selectArb(from, scope, f),
      )
      return fc.array(query, { minLength: 1, maxLength: 4 }).map((queries) => ({ tables, queries }))
    })
}
