// Execution of reads (ARCHITECTURE.md step 2): runs relational plans (rel.ts) over the snapshot
// view as lazy pipelines: access paths, joins, grouping, windows, set operations, CTEs, subqueries.
import type { Clock, Random } from '../clock/index.ts'
import { encodeKey, prefixEnd, type Key, type KeyPart } from '../encoding/index.ts'
import { assert, assertNever, outOfMemory, programLimitExceeded, queryCanceled, SqlError } from '../errors/index.ts'
import { hashKey, toKeyPart, type Datum, type SqlType } from './types/index.ts'
import { PRIMARY_INDEX_ID, type Table } from './catalog.ts'
import { QUERY_BYTES_MAX, QUERY_VALUES_MAX, RECURSION_ITERATIONS_MAX, RESULT_BYTES_MAX, STATEMENT_SLICE_MS, SUBQUERY_CACHE_ENTRIES, TIMEOUT_CHECK_ROWS } from './constants.ts'
import { rowBytes } from './datum-bytes.ts'
import { evaluate, type EvalContext, type Expr, type SubqueryExpr } from './expr.ts'
import { createAccumulator, distinctOrder, JSON_OBJECT_AGGREGATES, type AggregateCall } from './aggregate.ts'
import type { KeyBound, LockStrength, SelectPlan, TableSource } from './planner.ts'
import type { CteDef, Rel } from './rel.ts'
import { decodeStoredRow, primaryKeyOfEntry, type StoredRow } from './rows.ts'
import type { SnapshotView } from './snapshot-view.ts'
import type { SystemEnv } from './system/index.ts'
import type { TxServices } from './tx-services.ts'
import type { SequencePosition } from './sequences.ts'
import type { KeepAlive } from './index.ts'
import { runWindows } from './window.ts'
import { sortedPausing } from './chunked-sort.ts'
import { compareRows, rowKey } from './row-order.ts'

const NO_ROW: readonly Datum[] = []

export type Rows = readonly (readonly Datum[])[]

/**
 * What a generator of the pipeline yields instead of a row once the statement's slice is up
 * (ExecContext.pauseDue): every operator passes it on at once, and the driver of a statement in
 * slices (`drainPausing`: a SELECT, DML's reads) lets the event loop run before it asks for the
 * next row, so one long statement does not hold its region's thread. Generators that count rows
 * (`tick`) yield it when it is due; parts whose driver cannot wait (a subquery inside an
 * expression) run without slices, and the sync drivers skip it.
 */
export const PAUSE: unique symbol = Symbol('pause')
export type Pause = typeof PAUSE
/** Rows of a plan as the pipeline produces them: rows, and pauses between them. */
type RowStream = Iterable<readonly Datum[] | Pause>

/** What EXPLAIN ANALYZE measured of one node of a plan, summed over its loops (runs). */
export interface NodeStats {
  loops: number
  rows: number
  /** Milliseconds until each loop's first row (or its end), summed; 0 without timing. */
  startupMs: number
  /** Milliseconds spent producing each loop's rows, its inputs' included, summed. */
  totalMs: number
}

/** The measurements of one statement run under EXPLAIN ANALYZE, by plan node: a Rel, a table
 * source an UPDATE or DELETE reads directly, a DML part's plan. */
export class PlanStats {
  readonly #nodes = new Map<object, NodeStats>()
  /** The clock times are read from; undefined under TIMING OFF. */
  readonly #now: (() => number) | undefined

  constructor(now: (() => number) | undefined) {
    this.#now = now
  }

  /** What `node` produced; undefined when it never ran. */
  of(node: object): NodeStats | undefined {
    return this.#nodes.get(node)
  }

  #stats(node: object): NodeStats {
    let s = this.#nodes.get(node)
    if (s === undefined) {
      s = { loops: 0, rows: 0, startupMs: 0, totalMs: 0 }
      this.#nodes.set(node, s)
    }
    return s
  }

  /** Records one run of `node` that produced `rows` in `ms` (a DML part, counted by its driver). */
  record(node: object, rows: number, ms: number): void {
    const s = this.#stats(node)
    s.loops++
    s.rows += rows
    s.startupMs += ms
    s.totalMs += ms
  }

  /** A reading of the clock, 0 without timing. */
  now(): number {
    return this.#now?.() ?? 0
  }

  /** `rows` as one loop of `node`: each row counted, the time in `next` timed. A loop starts when
   * its first row is asked for, so an input never read is shown as never executed. */
  *count<T>(node: object, rows: Iterable<T | Pause>): Generator<T | Pause> {
    const s = this.#stats(node)
    const now = this.#now
    const it = rows[Symbol.iterator]()
    s.loops++
    let loopMs = 0
    let started = false
    try {
      for (;;) {
        const t0 = now === undefined ? 0 : now()
        const next = it.next()
        if (now !== undefined) loopMs += now() - t0
        if (next.value !== PAUSE && !started) {
          started = true
          s.startupMs += loopMs
        }
        if (next.done === true) break
        if (next.value !== PAUSE) s.rows++
        yield next.value
      }
    } finally {
      s.totalMs += loopMs
      it.return?.()
    }
  }
}

/** State one statement shares with the contexts of its subqueries. */
interface StatementState {
  readonly clock: Clock
  readonly deadlineMs: number
  readonly keepAlive: KeepAlive | undefined
  /** When `keepAlive` is next due (clock ms). */
  keepAliveAtMs: number
  /** Whether a pausing driver runs the statement (`runSelectPausing`), and when its slice ends. */
  pausing: boolean
  pauseAtMs: number
  /** The slice is up: generators yield PAUSE until the driver has let the event loop run. */
  pauseDue: boolean
  readonly lock: (key: Key, strength: LockStrength) => void
  readonly rowsModifiedRemaining: () => number
  rows: number
  values: number
  /** Bytes of the values counted in `values` (QUERY_BYTES_MAX). */
  bytes: number
  /** Bytes of the result's rows so far (RESULT_BYTES_MAX). */
  resultBytes: number
  // Made on first use: most statements (point reads) have no CTE or subquery.
  ctes: Map<number, SharedRows> | undefined
  work: Map<number, Rows> | undefined
  /** The RETURNING rows of the statement's data-modifying WITH items that ran, by CTE id. */
  returned: Map<number, Rows> | undefined
  subqueries: Map<number, Map<string, Rows>> | undefined
  /** Under EXPLAIN ANALYZE, what each node of the plan produced. */
  readonly analyze: PlanStats | undefined
}

export interface ExecOptions {
  readonly view: SnapshotView
  readonly eval: EvalContext
  readonly clock: Clock
  readonly timeoutMs: number
  readonly resultRowsMax: number
  /** Adds a row read under a locking clause to the commit's conflict check. */
  readonly lock: (key: Key, strength: LockStrength) => void
  readonly rowsModifiedRemaining: () => number
  /** The catalog relations read (pg_catalog, information_schema). */
  readonly system?: SystemEnv
  /** What the region does while this statement holds its thread (QueryProcessorOptions). */
  readonly keepAlive?: KeepAlive | undefined
  /** EXPLAIN ANALYZE: operators count their rows here (absent, nothing is wrapped). */
  readonly analyze?: PlanStats | undefined
}

/** What one statement executes against; also the context its expressions evaluate in (`eval`
 * is the context itself: one object per statement, not a copy and two closures). */
export class ExecContext implements EvalContext {
  readonly view: SnapshotView
  readonly resultRowsMax: number
  readonly #state: StatementState
  readonly params: readonly Datum[]
  readonly nowUs: bigint
  readonly random: Random
  readonly tx: TxServices
  readonly outer: readonly Datum[] | undefined
  readonly system: SystemEnv | undefined
  readonly statement: object

  get eval(): EvalContext {
    return this
  }

  constructor(options: ExecOptions, parent?: { readonly state: StatementState; readonly outer: readonly Datum[] }) {
    this.view = options.view
    this.resultRowsMax = options.resultRowsMax
    const startMs = parent === undefined ? options.clock.wallMs() : 0
    this.#state = parent?.state ?? {
      clock: options.clock,
      deadlineMs: startMs + options.timeoutMs,
      keepAlive: options.keepAlive,
      keepAliveAtMs: startMs + (options.keepAlive?.intervalMs ?? 0),
      pausing: false,
      pauseAtMs: 0,
      pauseDue: false,
      lock: options.lock,
      rowsModifiedRemaining: options.rowsModifiedRemaining,
      rows: 0,
      values: 0,
      bytes: 0,
      resultBytes: 0,
      ctes: undefined,
      work: undefined,
      returned: undefined,
      subqueries: undefined,
      analyze: options.analyze,
    }
    this.params = options.eval.params
    this.nowUs = options.eval.nowUs
    this.random = options.eval.random
    this.tx = options.eval.tx
    this.system = options.system
    this.statement = this.#state
    this.outer = parent?.outer
    this.#options = options
  }

  readonly #options: ExecOptions

  /** A context for a correlated subquery: the same statement with `outer` values bound. */
  child(outer: readonly Datum[]): ExecContext {
    return new ExecContext(this.#options, { state: this.#state, outer })
  }

  /** Under EXPLAIN ANALYZE, where the plan's nodes count what they produce. */
  get analyze(): PlanStats | undefined {
    return this.#state.analyze
  }

  /** Rows this transaction may still modify (rowsModifiedMax minus those modified). */
  rowsModifiedRemaining(): number {
    return this.#state.rowsModifiedRemaining()
  }

  /** 57014 when the statement is past its deadline (EvalContext's interrupt); runs the region's
   * keep-alive when due. */
  interrupt(): void {
    checkpoint(this.#state)
  }

  /** Counts a row processed; every TIMEOUT_CHECK_ROWS rows, an `interrupt`. Answers whether the
   * statement's slice is up: a generator of the pipeline then yields PAUSE. */
  tick(): boolean {
    const s = this.#state
    if (++s.rows % TIMEOUT_CHECK_ROWS === 0) checkpoint(s)
    return s.pauseDue
  }

  /** Whether the statement's slice is up (see `tick`). */
  get pauseDue(): boolean {
    return this.#state.pauseDue
  }

  /** A pausing driver runs the statement (again) from now: a slice starts. The keep-alive is
   * then due only when one slice runs long (a part that cannot pause): between slices the
   * region's own timers run. */
  startSlices(): void {
    const s = this.#state
    const nowMs = s.clock.wallMs()
    s.pausing = true
    s.pauseDue = false
    s.pauseAtMs = nowMs + STATEMENT_SLICE_MS
    if (s.keepAlive !== undefined) s.keepAliveAtMs = nowMs + s.keepAlive.intervalMs
  }

  /** The pausing driver is done (DML goes on to write in one go). */
  stopSlices(): void {
    this.#state.pausing = false
    this.#state.pauseDue = false
  }

  /** Runs `fn`, a part of the statement whose driver cannot wait (a subquery inside an
   * expression), without slices: its generators would otherwise yield a PAUSE at every row once
   * the slice is up, all of them skipped. */
  #withoutSlices<T>(fn: () => T): T {
    const s = this.#state
    const { pausing, pauseDue } = s
    s.pausing = false
    s.pauseDue = false
    try {
      return fn()
    } finally {
      s.pausing = pausing
      s.pauseDue = pauseDue
    }
  }

  /** Accounts for `count` values of `bytes` (datum-bytes.ts) held in memory by this statement
   * (53200 past either bound). */
  hold(count: number, bytes = 0): void {
    const s = this.#state
    s.values += count
    if (s.values > QUERY_VALUES_MAX) throw outOfMemory(`query needs more than ${QUERY_VALUES_MAX} values in memory`)
    s.bytes += bytes
    if (s.bytes > QUERY_BYTES_MAX) throw outOfMemory(`query needs more than ${QUERY_BYTES_MAX} bytes of values in memory`)
  }

  /** Bytes this statement holds (`hold`) and its result so far: what waits with it between two
   * slices. */
  heldBytes(): number {
    return this.#state.bytes + this.#state.resultBytes
  }

  /** `hold` for a whole row: its values and their bytes. */
  holdRow(row: readonly Datum[]): void {
    this.hold(row.length + 1, rowBytes(row))
  }

  /** Accounts for a row of the statement's result, which the API holds whole and sends as one
   * JSON text (54000 past RESULT_BYTES_MAX). */
  resultRow(row: readonly Datum[]): void {
    const s = this.#state
    s.resultBytes += rowBytes(row)
    if (s.resultBytes > RESULT_BYTES_MAX) throw resultBytesTooLarge()
  }

  /** Adds a primary key read under a locking clause to the transaction's conflict set. */
  lock(key: Key, strength: LockStrength): void {
    this.#state.lock(key, strength)
  }

  /** Evaluates a row-independent expression (key values, LIMIT). */
  constant(e: Expr): Datum {
    return evaluate(e, NO_ROW, this.eval)
  }

  /** The system catalog's view of the transaction (pg_catalog relations). */
  systemEnv(): SystemEnv {
    assert(this.system !== undefined, 'system relations are read inside a transaction')
    return this.system
  }

  /** A CTE's rows, computed once as far as its readers read (a LIMIT stops a recursion). */
  cteRows(cte: CteDef): RowStream {
    // A data-modifying item's rows are held already (`setReturned`): no second copy.
    if (cte.rel.kind === 'returned') return this.returned(cte.rel.cteId)
    const ctes = (this.#state.ctes ??= new Map())
    let shared = ctes.get(cte.id)
    if (shared === undefined) {
      shared = new SharedRows(this, cte.recursive === undefined ? relRows(this, cte.rel) : recursiveRows(this, cte))
      ctes.set(cte.id, shared)
    }
    return shared.rows()
  }

  /** The rows of the last iteration of recursive CTE `cteId`. */
  workRows(cteId: number): Rows {
    const rows = this.#state.work?.get(cteId)
    assert(rows !== undefined, 'a work table is read inside its recursion')
    return rows
  }

  setWorkRows(cteId: number, rows: Rows): void {
    ;(this.#state.work ??= new Map()).set(cteId, rows)
  }

  /** The RETURNING rows of data-modifying WITH item `cteId`, which ran before its readers. */
  returned(cteId: number): Rows {
    const rows = this.#state.returned?.get(cteId)
    assert(rows !== undefined, 'a data-modifying WITH item runs before it is read')
    return rows
  }

  /** Records what data-modifying WITH item `cteId` returned (held by the statement already). */
  setReturned(cteId: number, rows: Rows): void {
    const returned = (this.#state.returned ??= new Map())
    assert(!returned.has(cteId), 'a data-modifying WITH item runs once per statement')
    returned.set(cteId, rows)
  }

  /** `value = ANY (rows)` through a hash set built once per distinct rows (SQL's NULL rules). */
  subqueryContains(e: SubqueryExpr, args: readonly Datum[], value: Datum): boolean | null {
    const rows = this.subqueryRows(e, args)
    if (rows.length === 0) return false
    if (value === null) return null
    const type = e.hashType
    assert(type !== undefined, 'a hashed ANY has a type')
    let set = MEMBERSHIP.get(rows)
    if (set === undefined) {
      set = { keys: new Set(), hasNull: false }
      for (const r of rows) {
        const v = r[0] ?? null
        if (v === null) set.hasNull = true
        else set.keys.add(joinKey(v, type))
      }
      MEMBERSHIP.set(rows, set)
    }
    return set.keys.has(joinKey(value, type)) ? true : set.hasNull ? null : false
  }

  /** A subquery's rows for its `args` values, cached per statement. */
  subqueryRows(e: SubqueryExpr, args: readonly Datum[]): Rows {
    const subqueries = (this.#state.subqueries ??= new Map())
    let cache = subqueries.get(e.id)
    if (cache === undefined) {
      cache = new Map()
      subqueries.set(e.id, cache)
    }
    const key = args.length === 0 ? '' : argsKey(args, e.args)
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const ctx = args.length === 0 ? this : this.child(args)
    // EXISTS and scalar subqueries need at most two rows to decide.
    const rows = this.#withoutSlices(() =>
      e.mode === 'exists' ? firstRows(ctx, e.rel, 1) : e.mode === 'scalar' ? firstRows(ctx, e.rel, 2) : materialize(ctx, e.rel),
    )
    if (cache.size < SUBQUERY_CACHE_ENTRIES) cache.set(key, rows)
    return rows
  }
}

/** Rows produced once from a source and read by any number of readers, each from the start. */
class SharedRows {
  readonly #ctx: ExecContext
  readonly #buffer: (readonly Datum[])[] = []
  readonly #source: Iterator<readonly Datum[] | Pause>

  constructor(ctx: ExecContext, source: RowStream) {
    this.#ctx = ctx
    this.#source = source[Symbol.iterator]()
  }

  *rows(): Generator<readonly Datum[] | Pause> {
    let i = 0
    for (;;) {
      if (i === this.#buffer.length) {
        const next = this.#source.next()
        if (next.done === true) return
        if (next.value === PAUSE) {
          yield PAUSE
          continue
        }
        this.#ctx.holdRow(next.value)
        this.#buffer.push(next.value)
      }
      yield this.#buffer[i++] as readonly Datum[]
    }
  }
}

function argsKey(args: readonly Datum[], exprs: readonly Expr[]): string {
  return JSON.stringify(args.map((a, i) => (a === null ? null : hashKey(a, (exprs[i] as Expr).type))))
}

function firstRows(ctx: ExecContext, rel: Rel, n: number): Rows {
  const out: (readonly Datum[])[] = []
  for (const row of relRows(ctx, rel)) {
    if (row === PAUSE) continue
    out.push(row)
    if (out.length >= n) break
  }
  return out
}

/** Every row of `rel`, held in memory (counted against the statement's bound). */
export function materialize(ctx: ExecContext, rel: Rel): Datum[][] {
  const it = held(ctx, rel)
  for (;;) {
    const next = it.next()
    if (next.done === true) return next.value
  }
}

/** `materialize` inside a generator of the pipeline: passes pauses on, returns the rows. */
function* held(ctx: ExecContext, rel: Rel): Generator<Pause, Datum[][]> {
  const out: Datum[][] = []
  for (const row of relRows(ctx, rel)) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    ctx.holdRow(row)
    out.push(row as Datum[])
    if (ctx.tick()) yield PAUSE
  }
  return out
}

/** The rows of a table source that pass its filter, locking them when FOR UPDATE; a PAUSE when
 * the slice is up (a selective filter may read many rows per row it yields). */
export function* sourceRows(ctx: ExecContext, source: TableSource): Generator<StoredRow | Pause> {
  for (const r of accessRows(ctx, source)) {
    if (ctx.tick()) yield PAUSE
    if (source.filter !== undefined && evaluate(source.filter, r.row, ctx.eval) !== true) continue
    if (source.lock !== undefined) ctx.lock(r.key, source.lock)
    yield r
  }
}

function* accessRows(ctx: ExecContext, source: TableSource): Generator<StoredRow> {
  const { table, access } = source
  switch (access.kind) {
    case 'pkPoint': {
      const r = rowAtKey(ctx.view, table, ctx, access.values)
      if (r !== undefined) yield r
      return
    }
    case 'pkRange': {
      const range = keyRange(ctx, table, PRIMARY_INDEX_ID, table.primaryKey.map((slot) => table.columns[slot]!.type), access)
      if (range === undefined) return
      for (const kv of ctx.view.scan(range.start, range.end, access.reverse)) {
        yield { key: kv.key, row: decodeStoredRow(table, kv.value) }
      }
      return
    }
    case 'indexRange': {
      const range = keyRange(ctx, table, BigInt(access.index.id), access.types, access)
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

/** The row under the primary key `values` evaluate to (by `at`), if any; none for a NULL. */
function rowAtKey(view: SnapshotView, table: Table, at: Constants, values: readonly Expr[]): StoredRow | undefined {
  const parts: KeyPart[] = []
  for (let i = 0; i < values.length; i++) {
    const v = at.constant(values[i] as Expr)
    if (v === null) return undefined
    parts.push(toKeyPart(v, table.columns[table.primaryKey[i] as number]!.type))
  }
  // rowsStart is the encoded [tableId, PRIMARY_INDEX_ID], and key encoding concatenates parts.
  const key = table.rowsStart + encodeKey(parts)
  const value = view.get(key)
  return value === undefined ? undefined : { key, row: decodeStoredRow(table, value) }
}

/** What evaluates a row-independent expression: a statement's ExecContext, or readPoint's
 * parameters. */
interface Constants {
  constant(e: Expr): Datum
}

/** Key parts for values compared with key elements of `types`; undefined when one is NULL (no
 * row matches). */
function keyParts(ctx: Constants, types: readonly SqlType[], values: readonly Expr[]): KeyPart[] | undefined {
  const parts: KeyPart[] = []
  for (let i = 0; i < values.length; i++) {
    const v = ctx.constant(values[i] as Expr)
    if (v === null) return undefined
    parts.push(toKeyPart(v, types[i] as SqlType))
  }
  return parts
}

function keyRange(
  ctx: ExecContext,
  table: Table,
  indexId: bigint,
  types: readonly SqlType[],
  access: { readonly prefix: readonly Expr[]; readonly lower: KeyBound | undefined; readonly upper: KeyBound | undefined },
): { start: Key; end: Key } | undefined {
  const prefix = keyParts(ctx, types, access.prefix)
  if (prefix === undefined) return undefined
  const base = encodeKey([table.id, indexId, ...prefix])
  let start = base
  let end = prefixEnd(base)
  const boundTypes = types.slice(prefix.length)
  if (access.lower !== undefined) {
    const [v] = keyParts(ctx, boundTypes, [access.lower.value]) ?? []
    if (v === undefined) return undefined
    const k = encodeKey([table.id, indexId, ...prefix, v])
    start = access.lower.inclusive ? k : prefixEnd(k)
  }
  if (access.upper !== undefined) {
    const [v] = keyParts(ctx, boundTypes, [access.upper.value]) ?? []
    if (v === undefined) return undefined
    const k = encodeKey([table.id, indexId, ...prefix, v])
    end = access.upper.inclusive ? prefixEnd(k) : k
  }
  return start < end ? { start, end } : undefined
}

/** A sequence's row as PostgreSQL's columns give it. log_cnt counts the values PostgreSQL's
 * nextval may still hand out before it writes WAL again; Tessera writes none per value: 0. */
function sequenceRow(p: SequencePosition): Datum[] {
  return [p.value, 0n, p.called]
}

/** The rows a plan produces, lazily, with pauses between them (PAUSE); counted per node under
 * EXPLAIN ANALYZE only, so a statement run otherwise pays one test per operator, not per row. */
export function relRows(ctx: ExecContext, rel: Rel): RowStream {
  const rows = operatorRows(ctx, rel)
  const stats = ctx.analyze
  return stats === undefined ? rows : stats.count(rel, rows)
}

function operatorRows(ctx: ExecContext, rel: Rel): RowStream {
  switch (rel.kind) {
    case 'scan':
      return scanRows(ctx, rel.source)
    case 'system':
      return rel.relation.rows(ctx.systemEnv())
    case 'sequence':
      return [sequenceRow(ctx.eval.tx.sequencePosition(rel.name))]
    case 'values':
      return rel.rows.map((exprs) => exprs.map((e) => evaluate(e, NO_ROW, ctx.eval)))
    case 'place':
      return placeRows(relRows(ctx, rel.input), rel.offset, rel.width, rel.matched)
    case 'filter':
      if (rel.once === true) return ctx.constant(rel.cond) === true ? relRows(ctx, rel.input) : []
      return filterRows(ctx, relRows(ctx, rel.input), rel.cond)
    case 'project':
      return projectRows(ctx, relRows(ctx, rel.input), rel.exprs)
    case 'join':
      return joinRows(ctx, rel)
    case 'lateral':
      return lateralRows(ctx, rel)
    case 'aggregate':
      return rel.sets === undefined ? group(ctx, relRows(ctx, rel.input), rel.keys, rel.aggregates) : groupSets(ctx, rel, rel.sets)
    case 'window':
      return windowRows(ctx, rel)
    case 'projectSet':
      return projectSetRows(ctx, rel)
    case 'distinct':
      return distinctRows(ctx, relRows(ctx, rel.input), rel.types, rel.on)
    case 'sort':
      return sortedRows(ctx, rel)
    case 'limit':
      return limitRows(ctx, rel)
    case 'setop':
      return setopRows(ctx, rel)
    case 'cteScan':
      return ctx.cteRows(rel.cte)
    case 'workScan':
      return ctx.workRows(rel.cteId)
    case 'returned':
      return ctx.returned(rel.cteId)
    case 'setFunction':
      return setFunctionRows(ctx, rel)
    default:
      return assertNever(rel)
  }
}

function* scanRows(ctx: ExecContext, source: TableSource): Generator<Datum[] | Pause> {
  for (const r of sourceRows(ctx, source)) yield r === PAUSE ? PAUSE : r.row
}

/** The rows of a set-returning function in FROM (generate_series, unnest, ...), counted: a
 * generated series may be as long as any table. */
function* setFunctionRows(ctx: ExecContext, rel: Extract<Rel, { kind: 'setFunction' }>): Generator<Datum[] | Pause> {
  for (const row of rel.apply(rel.args.map((a) => evaluate(a, NO_ROW, ctx.eval)), ctx.eval)) {
    if (ctx.tick()) yield PAUSE
    yield row
  }
}

function* windowRows(ctx: ExecContext, rel: Extract<Rel, { kind: 'window' }>): Generator<readonly Datum[] | Pause> {
  const rows = yield* runWindows(ctx, yield* held(ctx, rel.input), rel.calls)
  yield* rows
}

/** ORDER BY: the held rows sorted so that a statement in slices can pause (`sortedPausing`). */
function* sortedRows(ctx: ExecContext, rel: Extract<Rel, { kind: 'sort' }>): Generator<readonly Datum[] | Pause> {
  const rows = yield* held(ctx, rel.input)
  yield* sortedPausing(ctx, rows, (a, b) => compareRows(a, b, rel.keys))
}

function* placeRows(rows: RowStream, offset: number, width: number, matched: number | undefined): Generator<Datum[] | Pause> {
  for (const row of rows) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    const out: Datum[] = new Array<Datum>(width).fill(null)
    for (let i = 0; i < row.length; i++) out[offset + i] = row[i] ?? null
    if (matched !== undefined) out[matched] = true
    yield out
  }
}

function* filterRows(ctx: ExecContext, rows: RowStream, cond: Expr): Generator<readonly Datum[] | Pause> {
  for (const row of rows) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    if (ctx.tick()) yield PAUSE
    if (evaluate(cond, row, ctx.eval) === true) yield row
  }
}

function* projectRows(ctx: ExecContext, rows: RowStream, exprs: readonly Expr[]): Generator<Datum[] | Pause> {
  for (const row of rows) yield row === PAUSE ? PAUSE : exprs.map((e) => evaluate(e, row, ctx.eval))
}

type JoinRel = Extract<Rel, { kind: 'join' }>

/** Hash join when equality keys exist, else nested loop; the right side is held in memory. */
function* joinRows(ctx: ExecContext, rel: JoinRel): Generator<readonly Datum[] | Pause> {
  const right = yield* held(ctx, rel.right)
  const matchedRight = rel.join === 'right' || rel.join === 'full' ? new Uint8Array(right.length) : undefined
  const table = rel.hashKeys.length === 0 ? undefined : yield* hashTable(ctx, right, rel)
  const leftKeys = rel.hashKeys.map((k) => k.left)
  const merge = (l: readonly Datum[], r: readonly Datum[]) => {
    const out = l.slice()
    for (const s of rel.rightSlots) out[s] = r[s] ?? null
    return out
  }
  for (const l of relRows(ctx, rel.left)) {
    if (l === PAUSE) {
      yield PAUSE
      continue
    }
    let candidates: readonly number[] | undefined
    if (table !== undefined) {
      const key = keyOf(ctx, l, leftKeys, rel.hashKeys)
      candidates = key === undefined ? [] : (table.get(key) ?? [])
    }
    let matched = false
    const n = candidates?.length ?? right.length
    for (let i = 0; i < n; i++) {
      const at = candidates === undefined ? i : (candidates[i] as number)
      const merged = merge(l, right[at] as Datum[])
      if (ctx.tick()) yield PAUSE
      if (rel.cond !== undefined && evaluate(rel.cond, merged, ctx.eval) !== true) continue
      matched = true
      if (matchedRight !== undefined) matchedRight[at] = 1
      yield merged
    }
    if (!matched && (rel.join === 'left' || rel.join === 'full')) yield l
  }
  if (matchedRight === undefined) return
  for (let i = 0; i < right.length; i++) {
    if (matchedRight[i] === 1) continue
    const r = right[i] as Datum[]
    const out: Datum[] = new Array<Datum>(rel.width).fill(null)
    for (const s of rel.rightSlots) out[s] = r[s] ?? null
    yield out
  }
}

/** Set-returning calls of the select list, in lockstep per input row. */
function* projectSetRows(ctx: ExecContext, rel: Extract<Rel, { kind: 'projectSet' }>): Generator<readonly Datum[] | Pause> {
  for (const row of relRows(ctx, rel.input)) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    const iterators = rel.calls.map((call) => {
      const args = call.args.map((a) => evaluate(a, row, ctx.eval))
      return (call.strict !== false && args.some((a) => a === null) ? [] : call.apply(args, ctx.eval))[Symbol.iterator]()
    })
    for (;;) {
      if (ctx.tick()) yield PAUSE
      let any = false
      const values = iterators.map((it) => {
        const next = it.next()
        if (next.done === true) return null
        any = true
        return next.value[0] ?? null
      })
      if (!any) break
      yield [...row, ...values]
    }
  }
}

/** LATERAL: the subquery runs once per left row, reading that row through its arguments. */
function* lateralRows(ctx: ExecContext, rel: Extract<Rel, { kind: 'lateral' }>): Generator<readonly Datum[] | Pause> {
  for (const l of relRows(ctx, rel.left)) {
    if (l === PAUSE) {
      yield PAUSE
      continue
    }
    const sub = ctx.child(rel.args.map((a) => evaluate(a, l, ctx.eval)))
    let matched = false
    for (const r of relRows(sub, rel.sub)) {
      if (r === PAUSE) {
        yield PAUSE
        continue
      }
      ctx.tick()
      const out = l.slice()
      for (let i = 0; i < r.length; i++) out[rel.offset + i] = r[i] ?? null
      if (rel.matched !== undefined) out[rel.matched] = true
      if (rel.cond !== undefined && evaluate(rel.cond, out, ctx.eval) !== true) continue
      matched = true
      yield out
    }
    if (!matched && rel.join === 'left') yield l
  }
}

/** A hash join key: the datum itself for one key of a type whose JS equality is SQL equality. */
type JoinKey = string | bigint | boolean

const RAW_KEY_KINDS: ReadonlySet<string> = new Set(['int2', 'int4', 'int8', 'text', 'varchar', 'bool', 'uuid'])

/** A datum as a Map/Set key equal exactly when the values are equal in SQL. */
function joinKey(v: Datum, type: SqlType): JoinKey {
  return RAW_KEY_KINDS.has(type.kind) ? (v as JoinKey) : hashKey(v, type)
}

/** Hash sets of subquery results, kept as long as the results are. */
const MEMBERSHIP = new WeakMap<Rows, { keys: Set<JoinKey>; hasNull: boolean }>()

function keyOf(ctx: ExecContext, row: readonly Datum[], exprs: readonly Expr[], keys: JoinRel['hashKeys']): JoinKey | undefined {
  if (exprs.length === 1) {
    const v = evaluate(exprs[0] as Expr, row, ctx.eval)
    if (v === null) return undefined
    return joinKey(v, (keys[0] as JoinRel['hashKeys'][number]).type)
  }
  const parts: string[] = []
  for (let i = 0; i < exprs.length; i++) {
    const v = evaluate(exprs[i] as Expr, row, ctx.eval)
    // NULL never equals anything: such a row has no join partner.
    if (v === null) return undefined
    parts.push(hashKey(v, (keys[i] as JoinRel['hashKeys'][number]).type))
  }
  return JSON.stringify(parts)
}

/** The hash table of a join's right rows by their keys, counting rows (a pause possible). */
function* hashTable(ctx: ExecContext, rows: readonly (readonly Datum[])[], rel: JoinRel): Generator<Pause, Map<JoinKey, number[]>> {
  const table = new Map<JoinKey, number[]>()
  const exprs = rel.hashKeys.map((k) => k.right)
  for (let i = 0; i < rows.length; i++) {
    if (ctx.tick()) yield PAUSE
    const key = keyOf(ctx, rows[i] as Datum[], exprs, rel.hashKeys)
    if (key === undefined) continue
    const list = table.get(key)
    if (list === undefined) table.set(key, [i])
    else list.push(i)
  }
  return table
}

function* group(ctx: ExecContext, rows: RowStream, keys: readonly Expr[], aggregates: readonly AggregateCall[]): Generator<Datum[] | Pause> {
  const keyTypes = keys.map((k) => k.type)
  const groups = new Map<string, { keys: Datum[]; accs: GroupAggregate[] }>()
  for (const row of rows) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    if (ctx.tick()) yield PAUSE
    const values = keys.length === 0 ? [] : keys.map((k) => evaluate(k, row, ctx.eval))
    const id = keys.length === 0 ? '' : rowKey(values, keyTypes)
    let g = groups.get(id)
    if (g === undefined) {
      ctx.hold(values.length + aggregates.length + 1, rowBytes(values))
      g = { keys: values, accs: aggregates.map((call) => new GroupAggregate(call, ctx)) }
      groups.set(id, g)
    }
    for (const acc of g.accs) acc.add(ctx, row)
  }
  // Aggregates without GROUP BY produce one row even over no input.
  if (groups.size === 0 && keys.length === 0) groups.set('', { keys: [], accs: aggregates.map((call) => new GroupAggregate(call, ctx)) })
  for (const g of groups.values()) yield [...g.keys, ...g.accs.map((a) => a.result())]
}

/**
 * GROUPING SETS: the input read once, then grouped by each set in turn; keys outside the set are
 * NULL, and each row ends with its set's index (GROUPING reads it).
 */
function* groupSets(ctx: ExecContext, rel: Extract<Rel, { kind: 'aggregate' }>, sets: readonly (readonly number[])[]): Generator<Datum[] | Pause> {
  const input = yield* held(ctx, rel.input)
  const keyTypes = rel.keys.map((k) => k.type)
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s] as readonly number[]
    const groups = new Map<string, { keys: Datum[]; accs: GroupAggregate[] }>()
    for (const row of input) {
      if (ctx.tick()) yield PAUSE
      const values = rel.keys.map((k, i) => (set.includes(i) ? evaluate(k, row, ctx.eval) : null))
      const id = rowKey(values, keyTypes)
      let g = groups.get(id)
      if (g === undefined) {
        ctx.hold(values.length + rel.aggregates.length + 1, rowBytes(values))
        g = { keys: values, accs: rel.aggregates.map((call) => new GroupAggregate(call, ctx)) }
        groups.set(id, g)
      }
      for (const acc of g.accs) acc.add(ctx, row)
    }
    // The empty set groups everything into one row, even over no input.
    if (groups.size === 0 && set.length === 0) {
      groups.set('', { keys: rel.keys.map(() => null), accs: rel.aggregates.map((call) => new GroupAggregate(call, ctx)) })
    }
    for (const g of groups.values()) yield [...g.keys, ...g.accs.map((a) => a.result()), BigInt(s)]
  }
}

/** Aggregates whose result grows with every input (an array, a text, a document of them all):
 * their inputs count as held by the statement, as a sort's rows do. */
const GROWING_AGGREGATES: ReadonlySet<string> = new Set([
  'array_agg', 'string_agg', 'jsonb_agg', 'json_agg', 'jsonb_agg_strict', 'json_agg_strict', ...JSON_OBJECT_AGGREGATES,
])

/** One aggregate over one group: FILTER applied, ORDER BY values buffered and sorted at the end. */
class GroupAggregate {
  readonly #call: AggregateCall
  readonly #acc: ReturnType<typeof createAccumulator>
  readonly #ordered: { args: Datum[]; order: Datum[] }[] | undefined
  /** Inputs are held (counted) here; with DISTINCT only the distinct ones are, which the
   * accumulator alone knows: it counts them, unless ORDER BY buffers (and counts) every input here
   * first. */
  readonly #grows: boolean

  constructor(call: AggregateCall, ctx: ExecContext) {
    this.#call = call
    this.#acc = createAccumulator(call, call.order === undefined ? ctx : undefined)
    this.#ordered = call.order === undefined ? undefined : []
    this.#grows = !call.distinct && GROWING_AGGREGATES.has(call.name)
  }

  add(ctx: ExecContext, row: readonly Datum[]): void {
    const call = this.#call
    if (call.filter !== undefined && evaluate(call.filter, row, ctx.eval) !== true) return
    const args = call.args.map((a) => evaluate(a, row, ctx.eval))
    if (this.#ordered === undefined || call.order === undefined) {
      // Bytes only: their element counts have a bound of their own (value-limits.ts, 54000).
      if (this.#grows) ctx.hold(0, rowBytes(args))
      return this.#acc.add(args)
    }
    const order = call.order.exprs.map((e) => evaluate(e, row, ctx.eval))
    ctx.hold(args.length + order.length, rowBytes(args) + rowBytes(order))
    this.#ordered.push({ args, order })
  }

  result(): Datum {
    const order = this.#call.order
    if (this.#ordered !== undefined && order !== undefined) {
      const ties = this.#call.distinct ? distinctOrder(this.#call) : []
      this.#ordered.sort(
        (a, b) => compareRows(a.order, b.order, order.keys) || compareRows(a.args, b.args, ties),
      )
      for (const entry of this.#ordered) this.#acc.add(entry.args)
      this.#ordered.length = 0
    }
    return this.#acc.result()
  }
}

function* distinctRows(
  ctx: ExecContext,
  rows: RowStream,
  types: readonly SqlType[],
  on: readonly number[] | undefined,
): Generator<readonly Datum[] | Pause> {
  const seen = new Set<string>()
  for (const row of rows) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    const key = on === undefined ? rowKey(row, types) : rowKey(on.map((s) => row[s] ?? null), on.map((s) => types[s] as SqlType))
    if (seen.has(key)) continue
    ctx.hold(1, key.length)
    seen.add(key)
    yield row
  }
}

function* limitRows(ctx: ExecContext, rel: Extract<Rel, { kind: 'limit' }>): Generator<readonly Datum[] | Pause> {
  const limit = limitValue(ctx, rel.limit, 'LIMIT')
  const offset = limitValue(ctx, rel.offset, 'OFFSET') ?? 0
  if (limit === 0) return
  let skipped = 0
  let taken = 0
  for (const row of relRows(ctx, rel.input)) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    if (skipped < offset) {
      skipped++
      continue
    }
    yield row
    if (limit !== undefined && ++taken >= limit) return
  }
}

/** UNION / INTERSECT / EXCEPT with SQL's duplicate rules (ALL keeps multiplicities). */
function* setopRows(ctx: ExecContext, rel: Extract<Rel, { kind: 'setop' }>): Generator<readonly Datum[] | Pause> {
  if (rel.op === 'union') {
    const both = concat(relRows(ctx, rel.left), relRows(ctx, rel.right))
    yield* rel.all ? both : distinctRows(ctx, both, rel.types, undefined)
    return
  }
  const counts = new Map<string, number>()
  for (const row of relRows(ctx, rel.right)) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    const key = rowKey(row, rel.types)
    ctx.hold(1, key.length)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const emitted = new Set<string>()
  for (const row of relRows(ctx, rel.left)) {
    if (row === PAUSE) {
      yield PAUSE
      continue
    }
    const key = rowKey(row, rel.types)
    const n = counts.get(key) ?? 0
    if (rel.all) {
      if (rel.op === 'intersect' && n > 0) {
        counts.set(key, n - 1)
        yield row
      } else if (rel.op === 'except') {
        if (n > 0) counts.set(key, n - 1)
        else yield row
      }
      continue
    }
    if (emitted.has(key) || (rel.op === 'intersect') !== n > 0) continue
    ctx.hold(1, key.length)
    emitted.add(key)
    yield row
  }
}

function* concat<T>(a: Iterable<T>, b: Iterable<T>): Generator<T> {
  yield* a
  yield* b
}

/** WITH RECURSIVE: the base rows, then the step over the last iteration's rows until none are
 * new (UNION drops rows seen before; UNION ALL keeps them). Lazy: a reader that stops early
 * (LIMIT) stops the recursion. */
function* recursiveRows(ctx: ExecContext, cte: CteDef): Generator<readonly Datum[] | Pause> {
  const rec = cte.recursive
  assert(rec !== undefined, 'a recursive CTE')
  const seen = new Set<string>()
  let source: RowStream = relRows(ctx, cte.rel)
  for (let i = 0; ; i++) {
    if (i >= RECURSION_ITERATIONS_MAX) {
      throw programLimitExceeded(`recursive query "${cte.name}" exceeds ${RECURSION_ITERATIONS_MAX} iterations`)
    }
    const produced: (readonly Datum[])[] = []
    for (const row of source) {
      if (row === PAUSE) {
        yield PAUSE
        continue
      }
      if (!rec.all) {
        const key = rowKey(row, rec.types)
        if (seen.has(key)) continue
        ctx.hold(1, key.length)
        seen.add(key)
      }
      ctx.holdRow(row)
      produced.push(row)
      yield row
    }
    if (produced.length === 0) return
    ctx.setWorkRows(cte.id, produced)
    source = relRows(ctx, rec.step)
  }
}

/** Runs a SELECT plan whole: the output rows (datums in field order), counted `as` runSelectPausing's. */
export function runSelect(ctx: ExecContext, plan: SelectPlan, as: 'result' | 'held' = 'result'): Datum[][] {
  const rows = runSelectPausing(ctx, plan, undefined, as)
  assert(!(rows instanceof Promise), 'a SELECT run without turns never waits')
  return rows
}

/**
 * runSelect in slices (STATEMENT_SLICE_MS) when `turn` is given: at each PAUSE the rows so far
 * wait while it lets the event loop run. The rows, at once when no slice ran out, else a promise
 * of them. `as` 'result' counts them against the result's limits (rows, bytes); 'held' (the input
 * of an INSERT ... SELECT, which no client receives) against what a statement may hold (53200).
 */
export function runSelectPausing(
  ctx: ExecContext,
  plan: SelectPlan,
  turn: Turn | undefined,
  as: 'result' | 'held' = 'result',
): Datum[][] | Promise<Datum[][]> {
  const rel = plan.rel
  if (as === 'result' && ctx.analyze === undefined && rel.kind === 'project' && rel.input.kind === 'scan' && rel.input.source.access.kind === 'pkPoint') {
    return pointSelect(ctx, rel.exprs, rel.input.source, rel.input.source.access.values)
  }
  const out: Datum[][] = []
  // Under EXPLAIN ANALYZE no client receives the result: its rows are counted, not kept, so they
  // meet no result limit, as in PostgreSQL.
  const discard = as === 'result' && ctx.analyze !== undefined
  const done = drainPausing(ctx, relRows(ctx, rel), turn, (row) => {
    if (discard) return
    if (as === 'held') ctx.holdRow(row)
    else {
      if (out.length >= ctx.resultRowsMax) throw resultTooLarge(ctx.resultRowsMax)
      ctx.resultRow(row)
    }
    out.push(row as Datum[])
  })
  return done === undefined ? out : done.then(() => out)
}

/**
 * Between two slices of a statement: a promise that resolves once the event loop ran, given the
 * bytes the statement holds meanwhile; undefined when it must go on without pausing (the region's
 * paused statements hold too much already).
 */
export type Turn = (heldBytes: number) => Promise<void> | undefined

/**
 * Hands every item of `items` to `each` (until it answers true). With `turn`, in slices: at each
 * PAUSE it waits for `turn` (the event loop runs), then goes on; without, it skips pauses.
 * Undefined when it finished without waiting, else a promise of the end. For the drivers of
 * statements (a SELECT, DML's reads).
 */
export function drainPausing<T>(
  ctx: ExecContext,
  items: Iterable<T | Pause>,
  turn: Turn | undefined,
  each: (item: T) => boolean | void,
): Promise<void> | undefined {
  const it = items[Symbol.iterator]()
  let waiting: Promise<void> | undefined
  /** Runs to the end (true) or to a pause that waits (false, `waiting` set). */
  const slice = (): boolean => {
    if (turn !== undefined) ctx.startSlices()
    for (;;) {
      const next = it.next()
      if (next.done === true) return true
      if (next.value === PAUSE) {
        if (turn === undefined) continue
        waiting = turn(ctx.heldBytes())
        if (waiting !== undefined) return false
        ctx.startSlices()
        continue
      }
      if (each(next.value as T) === true) return true
    }
  }
  let ended: boolean
  try {
    ended = slice()
  } finally {
    if (turn !== undefined) ctx.stopSlices()
  }
  if (ended || turn === undefined) return undefined
  return (async () => {
    try {
      do await waiting
      while (!slice())
    } finally {
      ctx.stopSlices()
    }
  })()
}

/**
 * runSelect for a projection of a primary key point get: the same steps (tick, filter, lock,
 * project) for at most one row, without the generator pipeline, which costs more than the rest
 * of such a statement.
 */
function pointSelect(ctx: ExecContext, exprs: readonly Expr[], source: TableSource, values: readonly Expr[]): Datum[][] {
  const r = rowAtKey(ctx.view, source.table, ctx, values)
  if (r === undefined) return []
  ctx.tick()
  if (source.filter !== undefined && evaluate(source.filter, r.row, ctx.eval) !== true) return []
  if (source.lock !== undefined) ctx.lock(r.key, source.lock)
  if (ctx.resultRowsMax < 1) throw resultTooLarge(ctx.resultRowsMax)
  return [exprs.map((e) => evaluate(e, r.row, ctx.eval))]
}

/** A point select whose every part is a parameter, a constant or a column: it runs without an
 * ExecContext (see readPoint). */
export interface PointRead {
  readonly table: Table
  /** The key values, in primary-key order. */
  readonly values: readonly Expr[]
  /** The row positions the select list reads, in order. */
  readonly columns: readonly number[]
}

const POINT_READS = new WeakMap<SelectPlan, PointRead | null>()

/** The PointRead form of `plan`, or undefined when it needs the executor (a filter, FOR UPDATE,
 * an expression in the select list). Derived once per plan. */
export function pointRead(plan: SelectPlan): PointRead | undefined {
  let known = POINT_READS.get(plan)
  if (known === undefined) {
    known = null
    const rel = plan.rel
    if (rel.kind === 'project' && rel.input.kind === 'scan') {
      const source = rel.input.source
      const access = source.access
      const simple = (e: Expr) => e.kind === 'param' || e.kind === 'const'
      if (
        access.kind === 'pkPoint' &&
        source.filter === undefined &&
        source.lock === undefined &&
        access.values.every(simple) &&
        rel.exprs.every((e) => e.kind === 'column')
      ) {
        known = {
          table: source.table,
          values: access.values,
          columns: rel.exprs.map((e) => (e as { readonly slot: number }).slot),
        }
      }
    }
    POINT_READS.set(plan, known)
  }
  return known ?? undefined
}

/** The rows of a PointRead (none or one): what runSelect gives for its plan, without a context. */
export function readPoint(view: SnapshotView, read: PointRead, params: readonly Datum[], resultRowsMax: number): Datum[][] {
  const found = rowAtKey(view, read.table, { constant: (e) => (e.kind === 'param' ? (params[e.index] ?? null) : e.kind === 'const' ? e.value : null) }, read.values)
  if (found === undefined) return []
  if (resultRowsMax < 1) throw resultTooLarge(resultRowsMax)
  return [read.columns.map((slot) => found.row[slot] ?? null)]
}

export const resultTooLarge = (max: number) =>
  programLimitExceeded(`result exceeds the limit of ${max} rows`, 'Add a LIMIT or a narrower WHERE clause.')

const resultBytesTooLarge = () =>
  programLimitExceeded(
    `result exceeds the limit of ${RESULT_BYTES_MAX} bytes`,
    'Select fewer or narrower columns, or fetch the rows in pages (a LIMIT, or a WHERE on the key from where the last page ended).',
  )

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

/** Where a statement looks at the clock: 57014 past its deadline, else the region's keep-alive
 * when due (KeepAlive). */
function checkpoint(s: StatementState): void {
  const nowMs = s.clock.wallMs()
  if (nowMs > s.deadlineMs) throw queryCanceled()
  if (s.pausing && nowMs >= s.pauseAtMs) s.pauseDue = true
  if (s.keepAlive !== undefined && nowMs >= s.keepAliveAtMs) {
    s.keepAliveAtMs = nowMs + s.keepAlive.intervalMs
    s.keepAlive.run()
  }
}
