// Execution of reads (ARCHITECTURE.md step 2): access paths over the snapshot view, filters,
// grouping and aggregates, projection, DISTINCT, ORDER BY and LIMIT as a lazy pipeline.
import type { Clock } from '../clock/index.ts'
import { encodeKey, prefixEnd, type Key, type KeyPart } from '../encoding/index.ts'
import { assert, assertNever, programLimitExceeded, queryCanceled, SqlError } from '../errors/index.ts'
import { compare, hashKey, toKeyPart, type Datum, type SqlType } from './types/index.ts'
import { PRIMARY_INDEX_ID, type Table } from './catalog.ts'
import { SORT_ROWS_MAX, TIMEOUT_CHECK_ROWS } from './constants.ts'
import { evaluate, type EvalContext, type Expr } from './expr.ts'
import { createAccumulator } from './aggregate.ts'
import type { Grouping, KeyBound, SelectPlan, SortKey, TableSource } from './planner.ts'
import { decodeStoredRow, primaryKeyOfEntry, type StoredRow } from './rows.ts'
import type { SnapshotView } from './snapshot-view.ts'

const NO_ROW: readonly Datum[] = []

/** What one statement executes against. */
export class ExecContext {
  readonly view: SnapshotView
  readonly eval: EvalContext
  readonly resultRowsMax: number
  readonly #clock: Clock
  readonly #deadlineMs: number
  readonly #lock: (key: Key) => void
  readonly #rowsModifiedRemaining: () => number
  #rows = 0

  constructor(options: {
    readonly view: SnapshotView
    readonly eval: EvalContext
    readonly clock: Clock
    readonly timeoutMs: number
    readonly resultRowsMax: number
    readonly lock: (key: Key) => void
    readonly rowsModifiedRemaining: () => number
  }) {
    this.view = options.view
    this.eval = options.eval
    this.resultRowsMax = options.resultRowsMax
    this.#clock = options.clock
    this.#deadlineMs = options.clock.wallMs() + options.timeoutMs
    this.#lock = options.lock
    this.#rowsModifiedRemaining = options.rowsModifiedRemaining
  }

  /** Rows this transaction may still modify (rowsModifiedMax minus those modified). */
  rowsModifiedRemaining(): number {
    return this.#rowsModifiedRemaining()
  }

  /** Counts a row processed; reads the clock every TIMEOUT_CHECK_ROWS rows (57014 past the deadline). */
  tick(): void {
    if (++this.#rows % TIMEOUT_CHECK_ROWS === 0 && this.#clock.wallMs() > this.#deadlineMs) throw queryCanceled()
  }

  /** Adds a primary key read FOR UPDATE to the transaction's conflict set. */
  lock(key: Key): void {
    this.#lock(key)
  }

  /** Evaluates a row-independent expression (key values, LIMIT). */
  constant(e: Expr): Datum {
    return evaluate(e, NO_ROW, this.eval)
  }
}

/** The rows of a table source that pass its filter, locking them when FOR UPDATE. */
export function* sourceRows(ctx: ExecContext, source: TableSource): Generator<StoredRow> {
  for (const r of accessRows(ctx, source)) {
    ctx.tick()
    if (source.filter !== undefined && evaluate(source.filter, r.row, ctx.eval) !== true) continue
    if (source.lock) ctx.lock(r.key)
    yield r
  }
}

function* accessRows(ctx: ExecContext, source: TableSource): Generator<StoredRow> {
  const { table, access } = source
  switch (access.kind) {
    case 'pkPoint': {
      const r = pointRow(ctx, table, access.values)
      if (r !== undefined) yield r
      return
    }
    case 'pkRange': {
      const range = keyRange(ctx, table, PRIMARY_INDEX_ID, table.primaryKey, access)
      if (range === undefined) return
      for (const kv of ctx.view.scan(range.start, range.end, access.reverse)) {
        yield { key: kv.key, row: decodeStoredRow(table, kv.value) }
      }
      return
    }
    case 'indexRange': {
      const range = keyRange(ctx, table, BigInt(access.index.id), access.index.columns, access)
      if (range === undefined) return
      for (const kv of ctx.view.scan(range.start, range.end, access.reverse)) {
        const key = primaryKeyOfEntry(table, access.index, kv.key, kv.value)
        const value = ctx.view.get(key)
        assert(value !== undefined, `index ${access.index.name} points at a missing row`)
        yield { key, row: decodeStoredRow(table, value) }
      }
      return
    }
    case 'tableScan':
      for (const kv of ctx.view.scan(table.rowsStart, table.rowsEnd, access.reverse)) {
        yield { key: kv.key, row: decodeStoredRow(table, kv.value) }
      }
      return
    default:
      return assertNever(access)
  }
}

/** The row a primary key point get finds, if any (before the source's filter). */
function pointRow(ctx: ExecContext, table: Table, values: readonly Expr[]): StoredRow | undefined {
  const parts = keyParts(ctx, table, table.primaryKey, values)
  if (parts === undefined) return undefined
  // rowsStart is the encoded [tableId, PRIMARY_INDEX_ID], and key encoding concatenates parts.
  const key = table.rowsStart + encodeKey(parts)
  const value = ctx.view.get(key)
  return value === undefined ? undefined : { key, row: decodeStoredRow(table, value) }
}

/** Key parts for values compared with key columns; undefined when one is NULL (no row matches). */
function keyParts(ctx: ExecContext, table: Table, columns: readonly number[], values: readonly Expr[]): KeyPart[] | undefined {
  const parts: KeyPart[] = []
  for (let i = 0; i < values.length; i++) {
    const v = ctx.constant(values[i] as Expr)
    if (v === null) return undefined
    parts.push(toKeyPart(v, table.columns[columns[i] as number]!.type))
  }
  return parts
}

function keyRange(
  ctx: ExecContext,
  table: Table,
  indexId: bigint,
  columns: readonly number[],
  access: { readonly prefix: readonly Expr[]; readonly lower: KeyBound | undefined; readonly upper: KeyBound | undefined },
): { start: Key; end: Key } | undefined {
  const prefix = keyParts(ctx, table, columns, access.prefix)
  if (prefix === undefined) return undefined
  const base = encodeKey([table.id, indexId, ...prefix])
  let start = base
  let end = prefixEnd(base)
  const boundColumns = columns.slice(prefix.length)
  if (access.lower !== undefined) {
    const [v] = keyParts(ctx, table, boundColumns, [access.lower.value]) ?? []
    if (v === undefined) return undefined
    const k = encodeKey([table.id, indexId, ...prefix, v])
    start = access.lower.inclusive ? k : prefixEnd(k)
  }
  if (access.upper !== undefined) {
    const [v] = keyParts(ctx, table, boundColumns, [access.upper.value]) ?? []
    if (v === undefined) return undefined
    const k = encodeKey([table.id, indexId, ...prefix, v])
    end = access.upper.inclusive ? prefixEnd(k) : k
  }
  return start < end ? { start, end } : undefined
}

/** Runs a SELECT plan: the output rows (datums in field order). */
export function runSelect(ctx: ExecContext, plan: SelectPlan): Datum[][] {
  const limit = limitValue(ctx, plan.limit, 'LIMIT')
  const offset = limitValue(ctx, plan.offset, 'OFFSET') ?? 0
  const source = plan.source
  if (source.kind === 'table' && source.access.kind === 'pkPoint' && plan.grouping === undefined && plan.extras.length === 0) {
    return pointSelect(ctx, plan, source, source.access.values, limit, offset)
  }
  let input: Iterable<Datum[]> = plan.source.kind === 'none' ? [[]] : mapRows(sourceRows(ctx, plan.source))
  if (plan.grouping !== undefined) input = group(ctx, input, plan.grouping)
  let projected: Iterable<Datum[]> = project(ctx, input, [...plan.outputs, ...plan.extras])
  if (plan.distinct) projected = distinct(projected, plan.fieldTypes)
  if (plan.sort !== undefined) projected = sortRows(collect(projected, SORT_ROWS_MAX, 'ORDER BY'), plan.sort)
  const out: Datum[][] = []
  let skipped = 0
  if (limit === 0) return out
  for (const row of projected) {
    if (skipped < offset) {
      skipped++
      continue
    }
    if (out.length >= ctx.resultRowsMax) throw resultTooLarge(ctx.resultRowsMax)
    out.push(plan.extras.length === 0 ? row : row.slice(0, plan.outputs.length))
    if (limit !== undefined && out.length >= limit) break
  }
  return out
}

/**
 * runSelect for a primary key point get without grouping or sort-only expressions: the same
 * steps (tick, filter, lock, project, DISTINCT, ORDER BY, OFFSET, LIMIT) for at most one row,
 * without the generator pipeline, which costs more than the rest of such a statement.
 */
function pointSelect(
  ctx: ExecContext,
  plan: SelectPlan,
  source: TableSource,
  values: readonly Expr[],
  limit: number | undefined,
  offset: number,
): Datum[][] {
  if (limit === 0) return []
  const r = pointRow(ctx, source.table, values)
  if (r === undefined) return []
  ctx.tick()
  if (source.filter !== undefined && evaluate(source.filter, r.row, ctx.eval) !== true) return []
  if (source.lock) ctx.lock(r.key)
  // One row: DISTINCT and ORDER BY leave it as it is.
  const out = plan.outputs.map((e) => evaluate(e, r.row, ctx.eval))
  if (offset > 0) return []
  if (ctx.resultRowsMax < 1) throw resultTooLarge(ctx.resultRowsMax)
  return [out]
}

export const resultTooLarge = (max: number) =>
  programLimitExceeded(`result exceeds the limit of ${max} rows`, 'Add a LIMIT or a narrower WHERE clause.')

function* mapRows(rows: Iterable<StoredRow>): Generator<Datum[]> {
  for (const r of rows) yield r.row
}

function* project(ctx: ExecContext, rows: Iterable<Datum[]>, exprs: readonly Expr[]): Generator<Datum[]> {
  for (const row of rows) yield exprs.map((e) => evaluate(e, row, ctx.eval))
}

function* distinct(rows: Iterable<Datum[]>, types: readonly SqlType[]): Generator<Datum[]> {
  const seen = new Set<string>()
  for (const row of rows) {
    const key = rowKey(row, types)
    if (seen.has(key)) continue
    if (seen.size >= SORT_ROWS_MAX) throw programLimitExceeded(`DISTINCT exceeds ${SORT_ROWS_MAX} rows`)
    seen.add(key)
    yield row
  }
}

/** A string equal for rows equal as SQL values (NULLs equal each other, as in GROUP BY). */
function rowKey(row: readonly Datum[], types: readonly SqlType[]): string {
  return JSON.stringify(types.map((t, i) => (row[i] === null || row[i] === undefined ? null : hashKey(row[i] as Datum, t))))
}

function collect(rows: Iterable<Datum[]>, max: number, what: string): Datum[][] {
  const out: Datum[][] = []
  for (const row of rows) {
    if (out.length >= max) throw programLimitExceeded(`${what} exceeds the limit of ${max} rows`)
    out.push(row)
  }
  return out
}

/** Sorts in place (stable); NULLs placed per key. */
export function sortRows(rows: Datum[][], keys: readonly SortKey[]): Datum[][] {
  return rows.sort((a, b) => {
    for (const k of keys) {
      const x = a[k.slot] ?? null
      const y = b[k.slot] ?? null
      let c: number
      if (x === null || y === null) c = x === y ? 0 : (x === null) === k.nullsFirst ? -1 : 1
      else c = k.desc ? -compare(x, y, k.type) : compare(x, y, k.type)
      if (c !== 0) return c
    }
    return 0
  })
}

function group(ctx: ExecContext, rows: Iterable<Datum[]>, grouping: Grouping): Datum[][] {
  const keyTypes = grouping.keys.map((k) => k.type)
  const groups = new Map<string, { keys: Datum[]; accs: ReturnType<typeof createAccumulator>[] }>()
  for (const row of rows) {
    const keys = grouping.keys.map((k) => evaluate(k, row, ctx.eval))
    const id = rowKey(keys, keyTypes)
    let g = groups.get(id)
    if (g === undefined) {
      if (groups.size >= SORT_ROWS_MAX) throw programLimitExceeded(`GROUP BY exceeds ${SORT_ROWS_MAX} groups`)
      g = { keys, accs: grouping.aggregates.map(createAccumulator) }
      groups.set(id, g)
    }
    for (let i = 0; i < g.accs.length; i++) {
      const call = grouping.aggregates[i]
      assert(call !== undefined, 'one accumulator per aggregate')
      g.accs[i]!.add(call.args.map((a) => evaluate(a, row, ctx.eval)))
    }
  }
  // Aggregates without GROUP BY produce one row even over no input.
  if (groups.size === 0 && grouping.keys.length === 0) groups.set('', { keys: [], accs: grouping.aggregates.map(createAccumulator) })
  const out: Datum[][] = []
  for (const g of groups.values()) {
    const row = [...g.keys, ...g.accs.map((a) => a.result())]
    if (grouping.having === undefined || evaluate(grouping.having, row, ctx.eval) === true) out.push(row)
  }
  return out
}

function limitValue(ctx: ExecContext, e: Expr | undefined, clause: 'LIMIT' | 'OFFSET'): number | undefined {
  if (e === undefined) return undefined
  const v = ctx.constant(e)
  if (v === null) return undefined
  const n = Number(v as bigint)
  if (n < 0) {
    throw new SqlError(clause === 'LIMIT' ? '2201W' : '2201X', `${clause} must not be negative`)
  }
  return n
}
