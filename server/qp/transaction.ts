// A transaction (ARCHITECTURE.md steps 1-4): statements over the snapshot at startTs plus the write
// buffer, each atomic (undone on failure), and the commit through the adjudicators.
import type { CallStmt, ExplainStmt, Node, SelectStmt, TransactionStmt } from 'libpg-query'
import type { Clock, Hlc, HlcTimestamp, Random, Timers } from '../clock/index.ts'
import type { CommitService } from '../adjudicator/index.ts'
import type { Key, Write } from '../encoding/index.ts'
import {
  assert,
  assertNever,
  commitOutcomeUnknown,
  featureNotSupported,
  inFailedTransaction,
  invalidTransactionState,
  programLimitExceeded,
  protocolViolation,
  readOnlyTransaction,
  serializationFailure,
  SqlError,
  undefinedTable,
} from '../errors/index.ts'
import type { StorageReader } from '../storage/index.ts'
import { tsFromMs, tsToMs } from '../clock/index.ts'
import { fromParam, toWire, type Datum, type SqlType } from './types/index.ts'
import { Binder } from './binder.ts'
import { CATALOG_TABLE_ID, isCatalogKey, listSchemas, schemaKey, sequenceKey, tablesRange, type CatalogReads, type Table, type TableCache } from './catalog.ts'
import { listSequences, type SequenceDef, type TxOutcome } from './sequences.ts'
import { ddlCommand, runDdl } from './ddl.ts'
import { planDelete, planInsert, planUpdate, runDml, type DmlResult } from './dml.ts'
import { whenDone } from './when-done.ts'
import { ExecContext, PlanStats, pointRead, readPoint, runSelect, runSelectPausing } from './executor.ts'
import { analyzeNote, explainOptions, summaryLines } from './explain.ts'
import type { Field, KeepAlive, QpLimits, Result, SnapshotLossWatch, Transaction, TransactionStatus } from './index.ts'
import type { ParseCache } from './parser.ts'
import { explainPlan, type DeletePlan, type InsertPlan, type LockStrength, type MergePlan, type ModifyingWithPlan, type SelectPlan, type UpdatePlan } from './planner.ts'
import { planMerge, runMerge } from './merge.ts'
import { ModifyingWith, runModifyingWith } from './modifying-with.ts'
import { attachSubqueries, planSelect, type BindEnv } from './select.ts'
import { firstLockingClause, lockClauseName } from './from.ts'
import { listViews, runViewDdl, viewCommand, viewKey, type ViewDef, type ViewEnv } from './views.ts'
import { RowReadingView, SnapshotView } from './snapshot-view.ts'
import type { WriteSink } from './table-writer.ts'
import type { SystemEnv } from './system/index.ts'
import { indexJobKey, listIndexJobs, rewriteIndexAsync } from './index-jobs.ts'
import { runCall } from './procedures.ts'
import { runSessionStatement } from './settings.ts'
import { TransactionServices, type TxHost } from './tx-services.ts'
import { storedBytes, WriteBuffer } from './write-buffer.ts'
import { frontierOrLoss } from './snapshot-wait.ts'
import { withGarbage } from './garbage-writes.ts'
import { PLAN_CACHE_ENTRIES, SPLIT_TRANSACTION_HINT } from './constants.ts'
import { enumKey, enumTypeOf, listEnums, type EnumDef } from './enums.ts'

/** What every transaction of a query processor shares. */
export interface QpShared {
  readonly storage: StorageReader
  readonly commits: CommitService
  readonly hlc: Hlc
  readonly clock: Clock
  readonly timers: Timers
  readonly random: Random
  /** The region this query processor serves (the owner of the index jobs it runs). */
  readonly region: string
  readonly limits: Required<QpLimits>
  readonly parse: ParseCache
  readonly tables: TableCache
  readonly catalogReads: CatalogReads
  readonly plans: PlanCache
  /** The largest commitTs this QP acknowledged; no later snapshot may be below it. */
  readonly acked: { ts: HlcTimestamp }
  /** The region's word that snapshots cannot be served now (QueryProcessorOptions). */
  readonly snapshotLoss: SnapshotLossWatch | undefined
  /** The wait before a statement answers what it read (QueryProcessorOptions.settleReads). */
  readonly settleReads: ((ts: HlcTimestamp) => Promise<void> | undefined) | undefined
  /** What the region does while a statement holds its thread (QueryProcessorOptions). */
  readonly keepAlive: KeepAlive | undefined
  /** Bytes held by the statements waiting between two slices (bounded by pausedBytesMax). */
  readonly paused: { bytes: number }
}

type Plan = SelectPlan | InsertPlan | UpdatePlan | DeletePlan | MergePlan | ModifyingWithPlan

/** A view a plan was bound from: its catalog key and the stored definition read there. */
interface ViewRead {
  readonly key: Key
  readonly raw: string
}

/**
 * What binding one statement read from the catalog, at every depth: the outer query, subqueries
 * (scalar, IN, EXISTS, ARRAY, LATERAL, derived tables, CTEs) and the views they name, nested
 * views included. Everything binding resolves goes through the statement's env, so the env
 * records it: a plan depends on these definitions and nothing else it could see change.
 */
interface CatalogUse {
  readonly tables: Table[]
  readonly views: ViewRead[]
  /** The catalog keys of the sequences read in FROM: a plan depends only on their existence (a
   * sequence's columns never change). */
  readonly sequences: Key[]
}

/**
 * A bound plan, valid while every table it used reads as the same definition object, every view
 * as the same stored text and every sequence it reads still exists.
 */
interface CachedPlan {
  readonly plan: Plan
  readonly paramTypes: readonly SqlType[]
  readonly tables: readonly Table[]
  readonly views: readonly ViewRead[]
  readonly sequences: readonly Key[]
  /**
   * Set when the plan was bound from definitions in a transaction's own write buffer: only that
   * transaction may use it. The identity checks refuse it wherever the definitions differ, and
   * another transaction reading identical bytes (the same DDL run concurrently) would bind the
   * same plan; still, a plan of uncommitted DDL stays with its transaction rather than rest on
   * that argument.
   */
  readonly owner: object | undefined
}

/**
 * Plans by SQL text, shared by the transactions of a query processor. Definitions decode to the
 * same object exactly when their stored bytes are equal (TableCache), so comparing identities
 * at the statement's snapshot is what keeps a cached plan from outliving a schema change.
 */
export class PlanCache {
  readonly #entries = new Map<string, CachedPlan>()
  readonly #max: number

  constructor(max = PLAN_CACHE_ENTRIES) {
    this.#max = max
  }

  get(sql: string): CachedPlan | undefined {
    return this.#entries.get(sql)
  }

  set(sql: string, entry: CachedPlan): void {
    if (!this.#entries.has(sql) && this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    this.#entries.set(sql, entry)
  }
}

const TEXT: SqlType = { kind: 'text' }

/** The SELECT plans with a locking clause, by its name ('FOR UPDATE', ...): a read-only
 * transaction refuses them (25006), cached or not. */
const LOCKING_SELECTS = new WeakMap<Plan, string>()

/** The detail of a commit refused because the transaction is older than what an owner of its
 * keys can check (see `CommitOutcome` `old`). */
const OLD_TRANSACTION_DETAIL =
  'The transaction began before the oldest history an adjudicator of its keys holds (it started later, after a restart or as keys changed hands between regions, or trimmed its history) or longer ago than the transaction age limit; nothing was written.'

/** The SQL command of a parse-tree node whose name does not spell it (CreateTrigStmt is CREATE
 * TRIGGER); other nodes are named by splitting theirs (CreateDomainStmt: CREATE DOMAIN). */
const STATEMENT_NAMES: Readonly<Record<string, string>> = {
  CreateTrigStmt: 'CREATE TRIGGER',
  CreateEventTrigStmt: 'CREATE EVENT TRIGGER',
  AlterEventTrigStmt: 'ALTER EVENT TRIGGER',
  RefreshMatViewStmt: 'REFRESH MATERIALIZED VIEW',
  CompositeTypeStmt: 'CREATE TYPE AS (a composite type)',
  CreateRangeStmt: 'CREATE TYPE AS RANGE',
  CreatePLangStmt: 'CREATE LANGUAGE',
  CreateFdwStmt: 'CREATE FOREIGN DATA WRAPPER',
  AlterFdwStmt: 'ALTER FOREIGN DATA WRAPPER',
  CreateForeignServerStmt: 'CREATE SERVER',
  AlterForeignServerStmt: 'ALTER SERVER',
  AlterTSDictionaryStmt: 'ALTER TEXT SEARCH DICTIONARY',
  AlterTSConfigurationStmt: 'ALTER TEXT SEARCH CONFIGURATION',
  CreateOpClassStmt: 'CREATE OPERATOR CLASS',
  CreateOpFamilyStmt: 'CREATE OPERATOR FAMILY',
  AlterOpFamilyStmt: 'ALTER OPERATOR FAMILY',
  CreateAmStmt: 'CREATE ACCESS METHOD',
  CreateStatsStmt: 'CREATE STATISTICS',
  AlterStatsStmt: 'ALTER STATISTICS',
  CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE',
  AlterDatabaseSetStmt: 'ALTER DATABASE',
  AlterDatabaseRefreshCollStmt: 'ALTER DATABASE',
  CreateTableSpaceStmt: 'CREATE TABLESPACE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
  AlterTableSpaceOptionsStmt: 'ALTER TABLESPACE',
  AlterTableMoveAllStmt: 'ALTER TABLE ALL IN TABLESPACE',
  AlterRoleSetStmt: 'ALTER ROLE',
  AlterExtensionContentsStmt: 'ALTER EXTENSION',
  AlterObjectDependsStmt: 'ALTER ... DEPENDS ON EXTENSION',
  AlterOwnerStmt: 'ALTER ... OWNER TO',
  SecLabelStmt: 'SECURITY LABEL',
  RuleStmt: 'CREATE RULE',
  CheckPointStmt: 'CHECKPOINT',
  ClosePortalStmt: 'CLOSE',
  LockStmt: 'LOCK TABLE',
  ConstraintsSetStmt: 'SET CONSTRAINTS',
}

/** DefineStmt's commands, by the kind of object it defines. */
const DEFINE_NAMES: Readonly<Record<string, string>> = {
  OBJECT_AGGREGATE: 'CREATE AGGREGATE',
  OBJECT_OPERATOR: 'CREATE OPERATOR',
  OBJECT_TYPE: 'CREATE TYPE',
  OBJECT_COLLATION: 'CREATE COLLATION',
  OBJECT_TSPARSER: 'CREATE TEXT SEARCH PARSER',
  OBJECT_TSDICTIONARY: 'CREATE TEXT SEARCH DICTIONARY',
  OBJECT_TSTEMPLATE: 'CREATE TEXT SEARCH TEMPLATE',
  OBJECT_TSCONFIGURATION: 'CREATE TEXT SEARCH CONFIGURATION',
}

/** Statement kinds PostgreSQL would accept and Tessera does not, named for the 0A000 message as
 * the SQL command the user wrote. */
function statementName(stmt: Node): string {
  const kind = Object.keys(stmt)[0] ?? 'statement'
  const fields = (stmt as unknown as Record<string, Record<string, unknown> | undefined>)[kind] ?? {}
  if (kind === 'GrantStmt' || kind === 'GrantRoleStmt') return fields.is_grant === true ? 'GRANT' : 'REVOKE'
  if (kind === 'VacuumStmt') return fields.is_vacuumcmd === true ? 'VACUUM' : 'ANALYZE'
  if (kind === 'FetchStmt') return fields.ismove === true ? 'MOVE' : 'FETCH'
  if (kind === 'CreateFunctionStmt') return fields.is_procedure === true ? 'CREATE PROCEDURE' : 'CREATE FUNCTION'
  if (kind === 'CreateRoleStmt') return fields.stmt_type === 'ROLESTMT_USER' ? 'CREATE USER' : fields.stmt_type === 'ROLESTMT_GROUP' ? 'CREATE GROUP' : 'CREATE ROLE'
  if (kind === 'DefineStmt') return DEFINE_NAMES[String(fields.kind)] ?? 'CREATE'
  return STATEMENT_NAMES[kind] ?? kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()
}

export class SqlTransaction implements Transaction {
  /** What functions may ask of this transaction (see tx-services.ts). */
  readonly #services: TransactionServices
  readonly #newId: () => string
  #id: string | undefined
  /** Made on first use: a one-statement read never needs one (it cost ~5% of a point select). */
  get id(): string {
    return (this.#id ??= this.#newId())
  }
  readonly startTs: HlcTimestamp
  readonly readOnly: boolean
  readonly #shared: QpShared
  readonly #buffer = new WriteBuffer()
  /** Tables whose rows this transaction's DDL read (CommitRequest.stableTables). */
  readonly #stableTables = new Set<number>()
  /** The tables whose keys its statements read from storage, the catalog always among them: what
   * `settleReads` waits for (kept only where the region asks for that wait). */
  readonly #tablesRead: Set<number> | undefined
  readonly #noteRead: ((tableId: number) => void) | undefined
  readonly #view: SnapshotView
  /** The snapshot plus the buffer as the current statement began: what DML reads. */
  readonly #statementView: SnapshotView
  /** Keys read FOR UPDATE or locked (made on first use). */
  #lockedKeys: Set<Key> | undefined
  readonly #readKeys = new Set<Key>()
  #status: TransactionStatus = 'open'
  #committing = false
  #rowsModified = 0

  constructor(shared: QpShared, options: { newId: () => string; startTs: HlcTimestamp; readOnly: boolean }) {
    this.#shared = shared
    const tablesRead = shared.settleReads === undefined ? undefined : new Set([Number(CATALOG_TABLE_ID)])
    this.#tablesRead = tablesRead
    this.#noteRead = tablesRead === undefined ? undefined : (id: number) => void tablesRead.add(id)
    this.#newId = options.newId
    this.startTs = options.startTs
    this.readOnly = options.readOnly
    this.#view = new SnapshotView(shared.storage, options.startTs, this.#buffer, false, this.#noteRead)
    this.#statementView = new SnapshotView(shared.storage, options.startTs, this.#buffer, true, this.#noteRead)
    this.#services = new TransactionServices(() => this.#host(), shared)
    this.#system = new TransactionCatalog(this.#view, this.#services, () => this.#allTables())
  }

  /** What the transaction lends its services (made when a service first needs it). */
  #host(): TxHost {
    const { storage, commits, hlc, random, catalogReads } = this.#shared
    return {
      storage, commits, hlc, random, startTs: this.startTs, readOnly: this.readOnly, view: this.#view,
      catalog: (key) => this.#view.getCatalog(key, catalogReads),
      lock: (key) => this.#lock(key),
      read: (key) => this.#readKeys.add(key),
      put: (key, value) => this.#sink().put(key, value),
      table: (name) => {
        const table = this.#findTable(name)
        if (table !== undefined) this.#readKeys.add(table.schemaKey)
        return table
      },
      userType: (name) => this.#findEnum(name),
    }
  }

  get status(): TransactionStatus {
    return this.#status
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<Result> {
    return this.run(sql, params)
  }

  run(sql: string, params: readonly unknown[] = []): Result | Promise<Result> {
    this.#checkUsable()
    this.#checkAge()
    const rowsBefore = this.#rowsModified
    const undo = () => {
      this.#buffer.undo()
      this.#rowsModified = rowsBefore
    }
    let ran
    try {
      ran = this.#services.runStatement(() => this.#run(sql, params), undo)
    } catch (e) {
      this.#fail(undo)
      throw e
    }
    if (ran instanceof Promise) {
      return ran.then(
        (result) => {
          // Checked again at the end: a statement that waited past the age limit may have read
          // while storage collected versions below its snapshot.
          try {
            this.#checkAge()
          } catch (e) {
            this.#fail(undo)
            throw e
          }
          this.#buffer.release()
          return this.#settled(result)
        },
        (e: unknown) => {
          this.#fail(undo)
          throw e
        },
      )
    }
    this.#buffer.release()
    return this.#settled(ran)
  }

  /**
   * `result`, once what the statement may have read has settled (QueryProcessorOptions
   * .settleReads): the newest write applied to a table this transaction read from storage, capped
   * at its snapshot (nothing newer is visible to it), bounds every version it read. Its own writes
   * are not among them (they are not applied), and a commit of them waits out its own commit wait.
   */
  #settled(result: Result): Result | Promise<Result> {
    const settle = this.#shared.settleReads
    if (settle === undefined || this.#tablesRead === undefined) return result
    const storage = this.#shared.storage
    let newestTs = 0
    for (const id of this.#tablesRead) if (id >= 0) newestTs = Math.max(newestTs, storage.lastWriteTs(BigInt(id)))
    const waiting = settle(Math.min(newestTs, this.startTs))
    return waiting === undefined ? result : waiting.then(() => result)
  }

  /** A statement failed: its writes are undone and the transaction can only roll back. */
  #fail(undo: () => void): void {
    undo()
    this.#status = 'failed'
  }

  failStatement(): void {
    assert(this.#status === 'open' && !this.#committing, `failStatement on a ${this.#committing ? 'committing' : this.#status} transaction`)
    // The statement never reached #run, so its buffer holds no writes of it: nothing to undo.
    this.#fail(() => {})
  }

  /** The plan of a statement as text lines, without running it (tests assert access paths). */
  explain(sql: string, params: readonly unknown[] = []): string[] {
    this.#checkUsable()
    const { env, stmt } = this.#prepare(sql, params)
    return explainPlan(this.#plan(env, stmt))
  }

  /**
   * Waits until this region's storage shows the commit, so that a transaction begun after the
   * acknowledgement can take its snapshot at the storage frontier without waiting (a commit in
   * one journal is applied only once every other journal closed its timestamp). The commit is
   * durable already: if the wait times out, or the region learns meanwhile that it cannot serve
   * snapshots (the frontier will not come soon), the acknowledgement still goes out, and `acked`
   * makes the next begin wait for it instead.
   */
  async #awaitVisible(commitTs: HlcTimestamp): Promise<void> {
    const acked = this.#shared.acked
    if (commitTs > acked.ts) acked.ts = commitTs
    if (commitTs <= this.#shared.storage.frontier()) return
    try {
      const waiting = this.#shared.storage.waitForFrontier(commitTs, this.#shared.limits.snapshotWaitMsMax)
      await frontierOrLoss(waiting, this.#shared.snapshotLoss)
    } catch (e) {
      if (!(e instanceof SqlError && e.code === '57014')) throw e
    }
  }

  commitNow(): { readonly commitTs: HlcTimestamp } | Promise<{ readonly commitTs: HlcTimestamp }> {
    if (this.#status === 'open' && !this.#committing) return this.#endIfReadOnly() ?? this.commit()
    return this.commit()
  }

  /** Ends the transaction when it has nothing to commit: snapshot reads are consistent on their
   * own. Undefined when it wrote or locked something. */
  #endIfReadOnly(): { readonly commitTs: HlcTimestamp } | undefined {
    if (this.#buffer.size > 0 || this.#lockedKeys !== undefined || this.#sharedRows) return undefined
    this.#status = 'committed'
    // Nothing written: whatever a statement altered was undone.
    this.#services.ended('aborted')
    return { commitTs: this.startTs }
  }

  async commit(): Promise<{ readonly commitTs: HlcTimestamp }> {
    if (this.#status === 'failed') {
      this.rollback()
      throw inFailedTransaction()
    }
    this.#checkUsable()
    const ended = this.#endIfReadOnly()
    if (ended !== undefined) return ended
    // Its last statement's reads are checked; the commit reads the catalog at the snapshot too,
    // and the adjudicators would refuse it anyway.
    const { storage, limits } = this.#shared
    let writes: readonly Write[]
    try {
      this.#checkAge()
      const buffered = this.#buffer.writes()
      writes = withGarbage(buffered, (key) => storage.get(key, this.startTs))
      // Garbage entries (a DDL's dead ranges) go into the record too: they count like writes.
      if (writes !== buffered && storedBytes(writes) > limits.txBytesMax) throw txBytesExceeded(limits.txBytesMax)
    } catch (e) {
      this.rollback()
      throw e
    }
    this.#committing = true
    let outcome
    try {
      outcome = await this.#shared.commits.commit({
        txId: this.id,
        startTs: this.startTs,
        writes,
        lockedKeys: this.#lockedKeys === undefined ? [] : [...this.#lockedKeys],
        readKeys: [...this.#readKeys],
        ...(this.#stableTables.size === 0 ? {} : { stableTables: [...this.#stableTables] }),
      })
    } catch (e) {
      // The commit may have reached the adjudicators.
      this.#end('aborted', 'unknown')
      throw e
    }
    switch (outcome.kind) {
      case 'committed':
        this.#shared.hlc.update(outcome.commitTs)
        this.#end('committed')
        this.#services.committed(outcome.commitTs)
        await this.#awaitVisible(outcome.commitTs)
        return { commitTs: outcome.commitTs }
      case 'conflict': {
        this.#end('aborted')
        // The commit it lost to may still be on its way to disk: a retry begun now, at the merged
        // frontier below it, would read around it and lose again. Its commitTs is at or below
        // what the region's clock has seen (its adjudicator folded it in when it appended), so
        // the next begin waits for that, as for a commit of ours.
        const acked = this.#shared.acked
        const seen = this.#shared.hlc.last()
        if (seen > acked.ts) acked.ts = seen
        // A transaction older than an owner of its keys (a restart, partitions changing hands)
        // conflicts on whatever key reached that owner first, a catalog key it only read
        // included: that is no schema change.
        if (outcome.old === true) throw serializationFailure('OC000', OLD_TRANSACTION_DETAIL)
        throw serializationFailure(isCatalogKey(outcome.key) ? 'OC001' : 'OC000')
      }
      case 'unknown':
        this.#end('aborted', 'unknown')
        throw commitOutcomeUnknown(outcome.reason)
      default:
        return assertNever(outcome)
    }
  }

  rollback(): void {
    if (this.#status === 'committed' || this.#committing) return
    this.#end('aborted')
  }

  #end(status: TransactionStatus, outcome: TxOutcome = status === 'committed' ? 'committed' : 'aborted'): void {
    this.#status = status
    this.#committing = false
    this.#buffer.clear()
    this.#services.ended(outcome)
  }

  #checkUsable(): void {
    if (this.#status === 'failed') throw inFailedTransaction()
    if (this.#status !== 'open') throw invalidTransactionState(`transaction is ${this.#status}`)
    if (this.#committing) throw invalidTransactionState('transaction is committing')
  }

  /** A transaction past the age limit may no longer read: storage may have dropped versions
   * below its snapshot (its garbage collection waits out exactly this age). */
  #checkAge(): void {
    const { clock, limits } = this.#shared
    if (this.startTs >= tsFromMs(clock.wallMs() - limits.txAgeMsMax)) return
    throw new SqlError('72000', 'snapshot too old', {
      detail: `The transaction began more than ${limits.txAgeMsMax / 1000} s ago, the longest a transaction may live.`,
      hint: 'Retry in a new transaction.',
    })
  }

  #prepare(sql: string, params: readonly unknown[]) {
    const parsed = this.#shared.parse.statement(sql)
    if (params.length !== parsed.paramCount) {
      throw protocolViolation(
        `bind message supplies ${params.length} parameters, but prepared statement "" requires ${parsed.paramCount}`,
      )
    }
    const uses: CatalogUse = { tables: [], views: [], sequences: [] }
    const env = this.#env(sql, new Binder(parsed.paramCount, (name) => this.#findEnum(name), sql), uses)
    // The subquery planner binds with this same env, so subqueries' reads are recorded too.
    attachSubqueries(env)
    return { env, stmt: parsed.stmt, uses }
  }

  /** A cached plan still valid at this snapshot; its tables and views count as read. */
  #cachedPlan(sql: string, params: readonly unknown[]): CachedPlan | undefined {
    const cached = this.#shared.plans.get(sql)
    if (cached === undefined || cached.paramTypes.length !== params.length) return undefined
    if (cached.owner !== undefined && cached.owner !== this.#planOwner) return undefined
    for (const table of cached.tables) if (this.#tableAt(table.schemaKey) !== table) return undefined
    for (const view of cached.views) if (this.#view.getCatalog(view.key, this.#shared.catalogReads) !== view.raw) return undefined
    for (const key of cached.sequences) if (this.#view.getCatalog(key, this.#shared.catalogReads) === undefined) return undefined
    for (const table of cached.tables) this.#readKeys.add(table.schemaKey)
    for (const view of cached.views) this.#readKeys.add(view.key)
    return cached
  }

  /** Marks the plans this transaction binds from its own uncommitted definitions. */
  readonly #planOwner = {}

  /** Caches a plan under its SQL text unless it depends on what the cache cannot validate. */
  #cachePlan(sql: string, plan: Plan, binder: Binder, uses: CatalogUse): void {
    // A cast to an enum type depends on the enum's definition, which the cache does not track
    // (enum columns carry it in their table's definition, so those are covered).
    if (binder.namedUserType) return
    const buffered = (key: Key) => this.#buffer.get(key) !== undefined
    const uncommitted =
      uses.tables.some((t) => buffered(t.schemaKey)) || uses.views.some((v) => buffered(v.key)) || uses.sequences.some(buffered)
    const owner = uncommitted ? this.#planOwner : undefined
    const { tables, views, sequences } = uses
    this.#shared.plans.set(sql, { plan, paramTypes: binder.paramTypes, tables, views, sequences, owner })
  }

  #run(sql: string, params: readonly unknown[]): Result | Promise<Result> {
    const cached = this.#cachedPlan(sql, params)
    if (cached !== undefined) return this.#execute(cached.plan, cached.paramTypes, params)
    // Only DDL is rewritten, and DDL is never cached, so the cache is looked up with the text.
    const { env, stmt, uses } = this.#prepare(rewriteIndexAsync(sql), params)
    if ('ExplainStmt' in stmt) return this.#explain(env, stmt.ExplainStmt, params)
    if ('CallStmt' in stmt) return this.#call(env, stmt.CallStmt, params)
    const session = runSessionStatement(this.#services.settings, stmt)
    if (session !== undefined) return session
    const ddl = this.#ddl(env, selectIntoAsCreate(stmt))
    if (ddl !== undefined) return ddl
    const plan = this.#plan(env, stmt)
    this.#cachePlan(sql, plan, env.binder, uses)
    return this.#execute(plan, env.binder.paramTypes, params)
  }

  /** EXPLAIN: the plan's lines; with ANALYZE the statement runs first, as it would alone (its
   * writes are made, a read-only transaction refuses them), and each line shows what its node
   * produced. */
  #explain(env: BindEnv, explain: ExplainStmt, params: readonly unknown[]): Result | Promise<Result> {
    const options = explainOptions(explain.options ?? [], (location) => env.binder.position(location))
    const inner = explain.query
    if (inner === undefined) throw featureNotSupported('EXPLAIN without a statement')
    const clock = this.#shared.clock
    const now = () => clock.monotonicMs?.() ?? clock.wallMs()
    const planStartMs = now()
    const plan = this.#plan(env, inner)
    const planningMs = now() - planStartMs
    const result = (lines: readonly string[]): Result => ({
      command: 'EXPLAIN',
      rowCount: lines.length,
      fields: [{ name: 'QUERY PLAN', type: 'text' }],
      rows: lines.map((l) => [l]),
    })
    if (!options.analyze) return result([...explainPlan(plan), ...(options.summary ? summaryLines(planningMs, undefined) : [])])
    const stats = new PlanStats(options.timing ? now : undefined)
    const runStartMs = now()
    return whenDone(this.#execute(plan, env.binder.paramTypes, params, stats), () => {
      const summary = options.summary ? summaryLines(planningMs, now() - runStartMs) : []
      return result([...explainPlan(plan, analyzeNote(stats, options.timing)), ...summary])
    })
  }

  /** CALL: its arguments are evaluated as a SELECT list; the procedure may wait (procedures.ts). */
  #call(env: BindEnv, call: CallStmt, params: readonly unknown[]): Promise<Result> {
    return runCall(call, {
      evaluate: (args) => {
        const select: SelectStmt = { targetList: args.map((val) => ({ ResTarget: { val } })), limitOption: 'LIMIT_OPTION_DEFAULT', op: 'SETOP_NONE' }
        const plan = planSelect(env, select, true)
        env.binder.finishParams()
        const [row] = runSelect(this.#context(env.binder.paramTypes, params), plan)
        return { values: row ?? [], types: plan.fieldTypes }
      },
      job: (jobId) => {
        const key = indexJobKey(jobId)
        if (this.#buffer.get(key) !== undefined) return 'own'
        return this.#view.get(key) === undefined ? 'none' : 'visible'
      },
      storage: this.#shared.storage,
      clock: this.#shared.clock,
      startTs: this.startTs,
      timeoutMs: this.#services.statementTimeoutMs(this.#shared.limits.statementTimeoutMs),
    })
  }

  /** Runs a planned statement; under EXPLAIN ANALYZE (`analyze`) its nodes count their rows. */
  #execute(plan: Plan, paramTypes: readonly SqlType[], params: readonly unknown[], analyze?: PlanStats): Result | Promise<Result> {
    if (this.readOnly) {
      // A locking SELECT is named with its clause; else PostgreSQL names the main statement, a
      // SELECT too, when a WITH item would write.
      const lock = LOCKING_SELECTS.get(plan)
      if (lock !== undefined) throw readOnlyTransaction(`SELECT ${lock}`)
      if (plan.kind !== 'select') throw readOnlyTransaction((plan.kind === 'modifyingWith' ? plan.main.kind : plan.kind).toUpperCase())
    }
    if (plan.kind === 'modifyingWith') {
      // Every part reads the transaction as the statement began, the main SELECT too.
      const ctx = this.#context(paramTypes, params, this.#statementView, analyze)
      const main = plan.main
      return whenDone(runModifyingWith(ctx, { sink: this.#sink(), parse: this.#shared.parse }, plan, this.#turn), (out) =>
        main.kind === 'select' ? wireResult('SELECT', out.count, main.fields, main.fieldTypes, out.returned) : dmlResult(main, out),
      )
    }
    if (plan.kind === 'select') {
      // The point read's shortcut has no nodes to count.
      const point = analyze === undefined ? pointRead(plan) : undefined
      // The commonest statement of all, a point read, runs without the executor's per-statement
      // context.
      if (point !== undefined) {
        const rows = readPoint(this.#view, point, this.#datums(paramTypes, params, this.#now()), this.#shared.limits.resultRowsMax)
        return wireResult('SELECT', rows.length, plan.fields, plan.fieldTypes, rows)
      }
      // In slices: a long SELECT lets the region serve others between them (STATEMENT_SLICE_MS).
      return whenDone(runSelectPausing(this.#context(paramTypes, params, this.#view, analyze), plan, this.#turn), (rows) =>
        wireResult('SELECT', rows.length, plan.fields, plan.fieldTypes, rows),
      )
    }
    // Its reads (targets, subqueries, SET, VALUES, RETURNING) see the transaction as the statement
    // began; its checks (unique keys, foreign keys, ON CONFLICT) see its writes, through the sink.
    const ctx = this.#context(paramTypes, params, this.#statementView, analyze)
    if (plan.kind === 'merge') return whenDone(runMerge(ctx, this.#sink(), this.#shared.parse, plan, this.#turn), (out) => dmlResult(plan, out))
    return whenDone(runDml(ctx, this.#sink(), this.#shared.parse, plan, this.#turn), (out) => dmlResult(plan, out))
  }

  #plan(env: BindEnv, stmt: Node): Plan {
    // Only the statement's own WITH may hold INSERT, UPDATE or DELETE items.
    const modifying = new ModifyingWith(env)
    const top = { ctes: new Map(), modifying }
    let plan: SelectPlan | InsertPlan | UpdatePlan | DeletePlan
    if ('SelectStmt' in stmt) plan = planSelect(env, stmt.SelectStmt, true, top)
    else if ('InsertStmt' in stmt) plan = planInsert(env, stmt.InsertStmt, top)
    else if ('UpdateStmt' in stmt) plan = planUpdate(env, stmt.UpdateStmt, top)
    else if ('DeleteStmt' in stmt) plan = planDelete(env, stmt.DeleteStmt, top)
    else if ('MergeStmt' in stmt) {
      // Its WITH may hold SELECT items only (merge.ts), so nothing composes around it.
      const merge = planMerge(env, stmt.MergeStmt, top)
      env.binder.finishParams()
      return merge
    }
    else if ('TransactionStmt' in stmt) throw transactionControlRefused(stmt.TransactionStmt)
    else throw featureNotSupported(statementName(stmt))
    env.binder.finishParams()
    const planned = modifying.plan(plan)
    // A clause in the statement, or one a view it reads holds (applied while binding).
    const written = 'SelectStmt' in stmt ? firstLockingClause(stmt) : undefined
    const lock = env.binder.lockingClause ?? (written === undefined ? undefined : lockClauseName(written))
    if (lock !== undefined) LOCKING_SELECTS.set(planned, lock)
    return planned
  }

  /** Runs a DDL statement; undefined when `stmt` is not DDL. */
  #ddl(env: ViewEnv, stmt: Node): Result | undefined {
    const onView = viewCommand(stmt)
    const command = onView ?? ddlCommand(stmt)
    if (command === undefined) return undefined
    if (this.readOnly) throw readOnlyTransaction(command)
    // Rows the DDL reads (an index built, a constraint validated) must not change under it, nor
    // the catalog ranges it scans for dependents (RowReadingView).
    const view = new RowReadingView(this.#shared.storage, this.startTs, this.#buffer, (id) => this.#stableTables.add(id), this.#noteRead)
    if (onView !== undefined) runViewDdl({ ...env, view }, stmt)
    else {
      const rows = runDdl({ ...env, view }, stmt, { exec: this.#context(env.binder.paramTypes, []), sink: this.#sink() })
      if (rows !== undefined) return rows
    }
    return { command, rowCount: 0, fields: [], rows: [] }
  }

  /** The view named `name` at this snapshot plus the write buffer. */
  #findView(name: string): ViewDef | undefined {
    const raw = this.#view.getCatalog(viewKey(name), this.#shared.catalogReads)
    return raw === undefined ? undefined : (JSON.parse(raw) as ViewDef)
  }

  /** The view named `name` for binding a query: recorded as read by the transaction and by the
   * statement (`uses`). */
  #bindView(name: string, uses: CatalogUse): ViewDef | undefined {
    const key = viewKey(name)
    const raw = this.#view.getCatalog(key, this.#shared.catalogReads)
    if (raw === undefined) return undefined
    this.#readKeys.add(key)
    if (!uses.views.some((v) => v.key === key)) uses.views.push({ key, raw })
    return JSON.parse(raw) as ViewDef
  }

  /** The sequence named `name` for binding a query, recorded by the statement (`uses`) but not
   * read by the transaction (SequenceValues.position). */
  #bindSequence(name: string, uses: CatalogUse): SequenceDef | undefined {
    const key = sequenceKey(name)
    const raw = this.#view.getCatalog(key, this.#shared.catalogReads)
    if (raw === undefined) return undefined
    if (!uses.sequences.includes(key)) uses.sequences.push(key)
    return JSON.parse(raw) as SequenceDef
  }

  /** The enum type named `name` at this snapshot plus the write buffer (recorded as read). */
  #findEnum(name: string): SqlType | undefined {
    const key = enumKey(name)
    const raw = this.#view.getCatalog(key, this.#shared.catalogReads)
    if (raw === undefined) {
      // PostgreSQL names a table's row type after the table ('(1,a)'::p, a column of type p);
      // records here exist only as values, never named as types.
      if (this.#findTable(name) !== undefined) throw featureNotSupported(`the row type of table "${name}" as a type name`)
      return undefined
    }
    this.#readKeys.add(key)
    return enumTypeOf(JSON.parse(raw) as EnumDef)
  }

  #findTable(name: string): Table | undefined {
    return this.#tableAt(schemaKey(name))
  }

  /** The table defined under schema key `key` at this snapshot plus the write buffer. */
  #tableAt(key: Key): Table | undefined {
    const raw = this.#view.getCatalog(key, this.#shared.catalogReads)
    return raw === undefined ? undefined : this.#shared.tables.decode(key, raw)
  }

  /** The environment one statement binds in; what it resolves is recorded in `uses`. */
  #env(sql: string, binder: Binder, uses: CatalogUse): ViewEnv {
    const sink = this.#sink()
    const ctx = this.#context(binder.paramTypes, [])
    return {
      sql,
      parse: this.#shared.parse,
      binder,
      view: this.#view,
      findTable: (name) => this.#findTable(name),
      findView: (name) => this.#findView(name),
      storedView: (name) => this.#bindView(name, uses),
      storedSequence: (name) => this.#bindSequence(name, uses),
      table: (name, location) => {
        const table = this.#findTable(name)
        if (table === undefined) throw undefinedTable(name, binder.position(location))
        this.#readKeys.add(table.schemaKey)
        if (!uses.tables.includes(table)) uses.tables.push(table)
        return table
      },
      put: (key, value) => sink.put(key, value),
      lock: this.#lock,
      read: (key) => void this.#readKeys.add(key),
      tick: () => ctx.tick(),
      nowUs: ctx.nowUs,
    }
  }

  /** The parameters as datums of their inferred types (22P02 and the like for bad ones). */
  #datums(paramTypes: readonly SqlType[], params: readonly unknown[], nowUs: bigint): Datum[] {
    return params.length === 0 ? [] : params.map((p, i) => (p === null || p === undefined ? null : fromParam(p, paramTypes[i] ?? TEXT, nowUs)))
  }

  #context(paramTypes: readonly SqlType[], params: readonly unknown[], view = this.#view, analyze?: PlanStats): ExecContext {
    const nowUs = this.#now()
    const datums = this.#datums(paramTypes, params, nowUs)
    const limits = this.#shared.limits
    return new ExecContext({
      view,
      eval: { params: datums, nowUs, random: this.#shared.random, tx: this.#services },
      clock: this.#shared.clock,
      timeoutMs: this.#services.statementTimeoutMs(limits.statementTimeoutMs),
      resultRowsMax: limits.resultRowsMax,
      lock: this.#lockRow,
      rowsModifiedRemaining: this.#rowsModifiedRemaining,
      system: this.#system,
      keepAlive: this.#shared.keepAlive,
      analyze,
    })
  }

  /** now() of every statement: the transaction's start, in µs. */
  #nowUs: bigint | undefined
  #now(): bigint {
    return (this.#nowUs ??= BigInt(tsToMs(this.startTs)) * 1000n)
  }
  readonly #lock = (key: Key): void => void (this.#lockedKeys ??= new Set()).add(key)
  /** A row read FOR UPDATE is checked and recorded at commit, one read FOR SHARE checked only. */
  readonly #lockRow = (key: Key, strength: LockStrength): void => {
    if (strength === 'update') this.#lock(key)
    else {
      this.#readKeys.add(key)
      this.#sharedRows = true
    }
  }
  /** A row was read FOR SHARE: the commit goes to the adjudicators to check it even when nothing
   * was written. */
  #sharedRows = false
  readonly #rowsModifiedRemaining = (): number => this.#shared.limits.rowsModifiedMax - this.#rowsModified
  /**
   * Between two slices of a statement: a timer of 0 ms, which runs after the I/O waiting meanwhile.
   * The `heldBytes` of the statement count among the region's paused statements' while it waits;
   * when they would pass pausedBytesMax, undefined: the statement goes on without pausing.
   */
  readonly #turn = (heldBytes: number): Promise<void> | undefined => {
    const paused = this.#shared.paused
    if (paused.bytes + heldBytes > this.#shared.limits.pausedBytesMax) return undefined
    paused.bytes += heldBytes
    return new Promise((resolve) =>
      this.#shared.timers.setTimeout(() => {
        paused.bytes -= heldBytes
        resolve()
      }, 0),
    )
  }

  /** The catalog as the system relations read it, at this snapshot plus the write buffer (made
   * once per transaction: every statement's context refers to it). */
  readonly #system: SystemEnv

  /** Every table defined at this snapshot plus the write buffer (system relations read it). */
  #allTables(): Table[] {
    const { start, end } = tablesRange()
    const out: Table[] = []
    for (const kv of this.#view.scan(start, end)) out.push(this.#shared.tables.decode(kv.key, kv.value))
    return out
  }

  #sink(): WriteSink {
    const limits = this.#shared.limits
    return {
      view: this.#view,
      put: (key, value) => {
        if (this.readOnly) throw readOnlyTransaction('a write')
        this.#buffer.set(key, value)
        if (this.#buffer.bytes > limits.txBytesMax) throw txBytesExceeded(limits.txBytesMax)
      },
      countRow: () => {
        if (++this.#rowsModified > limits.rowsModifiedMax) {
          throw programLimitExceeded(
            `transaction exceeds the limit of ${limits.rowsModifiedMax} modified rows`,
            SPLIT_TRANSACTION_HINT,
          )
        }
      },
    }
  }
}

/** The transaction's writes, as a commit record stores them, passed `txBytesMax` (54000). */
const txBytesExceeded = (txBytesMax: number) =>
  programLimitExceeded(`transaction exceeds the limit of ${txBytesMax} bytes of writes`, SPLIT_TRANSACTION_HINT)

/** `SELECT ... INTO t` is `CREATE TABLE t AS SELECT ...` (PostgreSQL treats them alike). */
function selectIntoAsCreate(stmt: Node): Node {
  if (!('SelectStmt' in stmt) || stmt.SelectStmt.intoClause === undefined) return stmt
  const { intoClause, ...query } = stmt.SelectStmt
  return { CreateTableAsStmt: { query: { SelectStmt: query }, into: intoClause, objtype: 'OBJECT_TABLE' } }
}

/** An INSERT, UPDATE or DELETE's result: its rows affected, and its RETURNING rows if any. */
function dmlResult(plan: InsertPlan | UpdatePlan | DeletePlan | MergePlan, out: DmlResult): Result {
  const returning = plan.returning
  const command = plan.kind.toUpperCase()
  return returning === undefined
    ? { command, rowCount: out.count, fields: [], rows: [] }
    : wireResult(command, out.count, returning.fields, returning.fieldTypes, out.returned)
}

function wireResult(
  command: string,
  rowCount: number,
  fields: readonly Field[],
  types: readonly SqlType[],
  rows: readonly Datum[][],
): Result {
  return {
    command,
    rowCount,
    fields,
    rows: rows.map((row) => row.map((v, i) => toWire(v, types[i] ?? TEXT))),
  }
}

/** The system relations' view of one transaction's catalog (one object, not a closure each). */
class TransactionCatalog implements SystemEnv {
  readonly #view: SnapshotView
  readonly #services: TransactionServices
  readonly tables: () => Table[]

  constructor(view: SnapshotView, services: TransactionServices, tables: () => Table[]) {
    this.#view = view
    this.#services = services
    this.tables = tables
  }

  schemas(): string[] {
    return listSchemas(this.#view)
  }

  sequences() {
    return listSequences(this.#view)
  }

  sequencePosition(name: string) {
    return this.#services.sequencePosition(name)
  }

  views() {
    return listViews(this.#view)
  }

  enums() {
    return listEnums(this.#view)
  }

  jobs() {
    return listIndexJobs(this.#view)
  }

  settings(): string[][] {
    return this.#services.settings.all()
  }
}

/** Transaction control written as SQL: transactions are the API's (`POST /v1/tx`), and there are
 * no savepoints (a transaction's writes are one buffer, adjudicated whole at commit). */
function transactionControlRefused(t: TransactionStmt): SqlError {
  const kind = t.kind ?? 'TRANS_STMT_BEGIN'
  const name = TRANSACTION_STATEMENT_NAMES[kind]
  if (kind === 'TRANS_STMT_SAVEPOINT' || kind === 'TRANS_STMT_RELEASE' || kind === 'TRANS_STMT_ROLLBACK_TO') {
    return new SqlError('0A000', `${name} is not supported`, { hint: 'There are no savepoints: retry the whole transaction instead.' })
  }
  return new SqlError('0A000', `${name} is not supported in SQL text`, {
    hint: 'Open a transaction with POST /v1/tx (or the client library), run its statements at /v1/tx/{id}/sql and end it with POST /v1/tx/{id}/commit or /rollback; a request to /v1/sql is a transaction of its own.',
  })
}

const TRANSACTION_STATEMENT_NAMES: Readonly<Record<NonNullable<TransactionStmt['kind']>, string>> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
}
