// Row writes (ARCHITECTURE.md step 3): new row images and index entries into the write buffer,
// with NOT NULL, CHECK and UNIQUE enforced with PostgreSQL's messages and SQLSTATEs.
import type { Key } from '../encoding/index.ts'
import {
  assert,
  checkViolation,
  notNullViolation,
  SqlError,
  uniqueViolation,
} from '../errors/index.ts'
import { formatText, type Datum, type SqlType } from './types/index.ts'
import { Binder, EMPTY_SCOPE, type TypeLookup } from './binder.ts'
import { bareName, type IndexDef, type Table } from './catalog.ts'
import { evaluate, type EvalContext, type Expr } from './expr.ts'
import { checkReferencedBy, checkReferences, type ForeignKeyEnv } from './foreign-keys.ts'
import { ROW_ID_RESOLVED } from './functions.ts'
import type { ParseCache } from './parser.ts'
import { checkKeyBytes, decodeStoredRow, encodeStoredRow, primaryKey, type IndexEntry } from './rows.ts'
import { entryOf, indexKeysOf, keyDetail, type IndexKeys } from './index-keys.ts'
import { tableScope } from './select.ts'
import type { SnapshotView } from './snapshot-view.ts'
import { storedBinding, type StoredBindings } from './enums.ts'

/** Where writes go: the transaction's buffer, with its limits enforced per write. */
export interface WriteSink {
  readonly view: SnapshotView
  put(key: Key, value: string | null): void
  /** Counts one modified row against rowsModifiedMax (54000). */
  countRow(): void
}

/** An existing row that a new row collides with on a unique key. */
export interface Conflict {
  readonly index: IndexDef | 'primary'
  readonly key: Key
}

interface BoundConstraints {
  readonly checks: readonly { readonly name: string; readonly expr: Expr }[]
  readonly defaults: readonly Expr[]
  /** Generated columns (STORED): computed over the row before every check. */
  readonly generated: readonly { readonly position: number; readonly expr: Expr }[]
}

const bound: StoredBindings<BoundConstraints> = new WeakMap()

/** CHECK expressions and column defaults of a table, bound once per definition (and again when a
 * user type they name but no column has changed: enums.ts storedBinding). `userType` finds a type
 * by name at the caller's snapshot. */
export function constraintsOf(table: Table, parse: ParseCache, userType: TypeLookup): BoundConstraints {
  return storedBinding(bound, table, userType, (b) => bindConstraints(table, parse, b))
}

function bindConstraints(table: Table, parse: ParseCache, b: Binder): BoundConstraints {
  const scope = tableScope(table, table.name)
  const checks = table.def.checks.map((k) => ({
    name: k.name,
    expr: b.bindCondition(parse.expression(k.expr), scope, { clause: 'CHECK' }),
  }))
  const generated = table.columns
    .filter((col) => col.generated !== undefined && col.dropped !== true)
    .map((col) => ({
      position: col.position,
      expr: b.coerceToColumn(
        b.bind(parse.expression(col.generated as string), scope, {
          clause: 'generation expression',
        }),
        col.type,
        col.name,
      ),
    }))
  const defaults = table.columns.map((col): Expr => {
    if (col.dropped === true || col.generated !== undefined)
      return { kind: 'const', type: col.type, value: null }
    if (col.sequence !== undefined) return sequenceDefault(col.sequence, col.type)
    if (col.hidden) return { kind: 'func', name: 'unique_rowid', args: [], ...ROW_ID_RESOLVED }
    if (col.default === undefined) return { kind: 'const', type: col.type, value: null }
    return b.coerceToColumn(
      b.bind(parse.expression(col.default), EMPTY_SCOPE, { clause: 'DEFAULT' }),
      col.type,
      col.name,
    )
  })
  return { checks, defaults, generated }
}

/** nextval of a serial or identity column's sequence, built directly (no SQL text to bind). */
function sequenceDefault(sequence: string, type: SqlType): Expr {
  return {
    kind: 'func',
    name: 'nextval',
    args: [],
    type,
    apply: (_a, ctx) => ctx.tx.nextval(sequence),
    strict: false,
    volatile: true,
  }
}

/** Checks and foreign key actions that run when a statement's writes are done (PostgreSQL's
 * after triggers); bounded by the statement's row limit, as each comes from a row written. */
export class DeferredChecks {
  readonly #checks: (() => void)[] = []

  add(check: () => void): void {
    this.#checks.push(check)
  }

  /** Runs every check once, in the order added, including those the running ones add (a cascade's
   * own writes); the first failure is the statement's error. */
  run(): void {
    for (let i = 0; i < this.#checks.length; i++) this.#checks[i]!()
    this.#checks.length = 0
  }
}

/** The unique indexes being built, for the tables that build none. */
const NO_INDEXES: ReadonlySet<IndexDef> = new Set()

/** Writes rows of one table and maintains its indexes. */
export class TableWriter {
  readonly table: Table
  readonly #sink: WriteSink
  readonly #constraints: BoundConstraints
  readonly #eval: EvalContext
  readonly #uniqueIndexes: readonly IndexKeys[]
  /** Every index written: the usable ones and those an index job is still filling. */
  readonly #indexes: readonly IndexKeys[]
  /** The unique indexes an index job is still filling (see #removeEntry). */
  readonly #buildingUnique: ReadonlySet<IndexDef>
  readonly #references: boolean
  readonly #hasDropped: boolean
  readonly #referenced: boolean
  readonly #fk: ForeignKeyEnv

  /** With `deferred`, foreign key checks PostgreSQL makes at the end of a statement wait there. */
  constructor(
    table: Table,
    sink: WriteSink,
    parse: ParseCache,
    ctx: EvalContext,
    deferred?: DeferredChecks,
  ) {
    this.table = table
    this.#sink = sink
    this.#constraints = constraintsOf(table, parse, (name) => ctx.tx.userType(name))
    this.#eval = ctx
    this.#indexes = [...indexKeysOf(table, parse, (name) => ctx.tx.userType(name)).values()]
    this.#uniqueIndexes = this.#indexes.filter((k) => k.index.unique)
    const building = table.def.buildingIndexes
    // Per statement: most tables build nothing, and pay no allocation for it.
    this.#buildingUnique = building?.some((i) => i.unique) === true ? new Set(building.filter((i) => i.unique)) : NO_INDEXES
    this.#references = (table.def.foreignKeys?.length ?? 0) > 0
    this.#hasDropped = table.columns.some((c) => c.dropped === true)
    this.#referenced = (table.def.referencedBy?.length ?? 0) > 0
    this.#fk = {
      view: sink.view,
      eval: ctx,
      relation: (name) => ctx.tx.relation(name),
      writer: (t) => new TableWriter(t, sink, parse, ctx, deferred),
      defer: deferred === undefined ? undefined : (check) => deferred.add(check),
    }
  }

  /** The default value expressions, by column position. */
  get defaults(): readonly Expr[] {
    return this.#constraints.defaults
  }

  /** Computes generated columns, then NOT NULL (23502) then CHECK (23514; NULL passes) for a new
   * row image. */
  validate(row: readonly Datum[]): void {
    // Every write validates its new image first: generated columns are computed here, in place
    // (the callers' rows are their own arrays), so the checks and the write see them.
    for (const g of this.#constraints.generated)
      (row as Datum[])[g.position] = evaluate(g.expr, row, this.#eval)
    for (const col of this.table.columns) {
      if (col.notNull && row[col.position] === null)
        throw withRow(notNullViolation(col.name, bareName(this.table.name)), this, row)
    }
    for (const check of this.#constraints.checks) {
      if (evaluate(check.expr, row, this.#eval) === false)
        throw withRow(checkViolation(check.name, bareName(this.table.name)), this, row)
    }
  }

  /** The first existing row a new row would collide with, by primary key then unique indexes;
   * with `only`, on that key alone (an ON CONFLICT arbiter). */
  findConflict(row: readonly Datum[], ignoreKey?: Key, only?: IndexDef | 'primary'): Conflict | undefined {
    if (only === undefined || only === 'primary') {
      const pk = primaryKey(this.table, row)
      if (pk !== ignoreKey && this.#sink.view.get(pk) !== undefined)
        return { index: 'primary', key: pk }
    }
    if (only === 'primary') return undefined
    for (const keys of this.#uniqueIndexes) {
      if (only !== undefined && keys.index.id !== only.id) continue
      // A row a partial index leaves out collides with nothing there.
      const entry = entryOf(this.table, keys, row, this.#eval)
      if (entry === undefined || !entry.unique) continue
      const existing = this.#sink.view.get(entry.key)
      if (existing !== undefined && existing !== ignoreKey) return { index: keys.index, key: existing }
    }
    return undefined
  }

  /** The row stored under a primary key (for ON CONFLICT DO UPDATE). */
  read(key: Key): Datum[] {
    const value = this.#sink.view.get(key)
    assert(value !== undefined, 'a conflicting key holds a row')
    return decodeStoredRow(this.table, value)
  }

  /** 23505 for a collision, PostgreSQL's message and detail. */
  uniqueError(conflict: Conflict, row: readonly Datum[]): Error {
    const index = conflict.index
    if (index === 'primary') {
      const columns = this.table.primaryKey
      return uniqueViolation(
        this.table.def.primaryKeyName,
        `Key (${this.#names(columns)})=(${this.#values(columns, row)}) already exists.`,
      )
    }
    const keys = this.#indexes.find((k) => k.index.id === index.id)
    assert(keys !== undefined, 'a conflict is on an index of the table')
    return uniqueViolation(index.name, `${keyDetail(this.table, keys, row, this.#eval)} already exists.`)
  }

  /** Inserts a validated row; 23505 on a collision, 23503 for a missing referenced row. Returns
   * the new primary key. */
  insert(row: readonly Datum[]): Key {
    const conflict = this.findConflict(row)
    if (conflict !== undefined) throw this.uniqueError(conflict, row)
    const key = primaryKey(this.table, row)
    checkKeyBytes(key.length, this.table)
    this.#sink.countRow()
    this.#sink.put(key, encodeStoredRow(this.table, row))
    for (const keys of this.#indexes) {
      const entry = entryOf(this.table, keys, row, this.#eval)
      if (entry === undefined) continue
      checkKeyBytes(entry.headChars, this.table, keys.index)
      this.#sink.put(entry.key, entry.value)
    }
    // After the write, so that a row may reference itself (checked per row, where PostgreSQL checks
    // at the end of the statement).
    if (this.#references) checkReferences(this.#fk, this.table, row)
    return key
  }

  /** Replaces `oldRow` (at `oldKey`) by a validated `newRow`, moving it when its key changed. */
  update(oldKey: Key, oldRow: readonly Datum[], newRow: readonly Datum[]): Key {
    this.#isCurrent(oldKey, oldRow)
    const conflict = this.findConflict(newRow, oldKey)
    if (conflict !== undefined) throw this.uniqueError(conflict, newRow)
    const key = primaryKey(this.table, newRow)
    if (key !== oldKey) checkKeyBytes(key.length, this.table)
    this.#sink.countRow()
    if (key !== oldKey) this.#sink.put(oldKey, null)
    this.#sink.put(key, encodeStoredRow(this.table, this.#withoutDropped(newRow)))
    for (const keys of this.#indexes) this.#moveEntry(keys, oldRow, newRow)
    // After the new image is written, so that cascaded rows find their new parent key.
    if (this.#references) checkReferences(this.#fk, this.table, newRow, oldRow)
    if (this.#referenced) checkReferencedBy(this.#fk, this.table, oldRow, newRow)
    return key
  }

  /** A row's entry in one index after an update: moved when its key values changed, added or
   * removed when a partial index's predicate became true or stopped being. */
  #moveEntry(keys: IndexKeys, oldRow: readonly Datum[], newRow: readonly Datum[]): void {
    const before = entryOf(this.table, keys, oldRow, this.#eval)
    const after = entryOf(this.table, keys, newRow, this.#eval)
    if (before !== undefined && after !== undefined && before.key === after.key && before.value === after.value) return
    if (after !== undefined) checkKeyBytes(after.headChars, this.table, keys.index)
    if (before !== undefined && before.key !== after?.key) this.#removeEntry(keys.index, before)
    if (after !== undefined) this.#sink.put(after.key, after.value)
  }

  /**
   * Asserts that `row` is the image stored under `key` now: the index entries removed are those of
   * `row`, so an older image (a row changed since it was read) would leave the current image's
   * entries behind, pointing at a row that is gone or no longer matches (and lose the change).
   */
  #isCurrent(key: Key, row: readonly Datum[]): void {
    // A key this transaction never wrote still holds its snapshot image, which is the one read:
    // only a key written since (by this statement's cascades) can hold another.
    if (!this.#sink.view.written(key)) return
    const stored = this.#sink.view.get(key)
    assert(stored !== undefined, `a row of ${this.table.name} changed by a statement exists`)
    const image = encodeStoredRow(this.table, row)
    // Usually the same text; a row written before columns were added decodes with their values.
    if (stored === image) return
    assert(
      encodeStoredRow(this.table, decodeStoredRow(this.table, stored)) === image,
      `a change to a row of ${this.table.name} starts from its current image`,
    )
  }

  /**
   * Removes a row's entry from `index`. A unique index still being filled may hold duplicates the
   * job has not reached yet (it fails when it does): its entry under this row's values can be
   * another row's, entered by an earlier batch, and deleting it would leave that row out of an
   * index the job then completes (a duplicate accepted later, a lookup that misses the row). That
   * entry stays; its key joins the commit's read keys, so a transaction that changes it after this
   * snapshot (the other row moving away, then a batch entering this row's old image) aborts this
   * one instead of leaving an entry for an image that is gone. An entry absent at the snapshot is
   * still deleted: the delete conflicts with a batch entering this row's old image meanwhile.
   */
  #removeEntry(index: IndexDef, entry: IndexEntry): void {
    if (this.#buildingUnique.has(index)) {
      const stored = this.#sink.view.get(entry.key)
      if (stored !== undefined && stored !== entry.value) {
        this.#eval.tx.conflictKey(entry.key, 'read')
        return
      }
    }
    this.#sink.put(entry.key, null)
  }

  /** A row image with dropped columns emptied (rows written before the drop still hold them). */
  #withoutDropped(row: readonly Datum[]): readonly Datum[] {
    if (!this.#hasDropped) return row
    return row.map((v, i) => (this.table.columns[i]?.dropped === true ? null : v))
  }

  delete(key: Key, row: readonly Datum[]): void {
    this.#isCurrent(key, row)
    this.#sink.countRow()
    this.#sink.put(key, null)
    for (const keys of this.#indexes) {
      const entry = entryOf(this.table, keys, row, this.#eval)
      if (entry !== undefined) this.#removeEntry(keys.index, entry)
    }
    // After the row is gone: a row that references itself does not hold its own delete back.
    if (this.#referenced) checkReferencedBy(this.#fk, this.table, row)
  }

  #names(columns: readonly number[]): string {
    return columns.map((c) => this.table.columns[c]!.name).join(', ')
  }

  #values(columns: readonly number[], row: readonly Datum[]): string {
    return columns
      .map((c) => {
        const v = row[c] ?? null
        return v === null ? 'null' : formatText(v, this.table.columns[c]!.type)
      })
      .join(', ')
  }
}

/** PostgreSQL reports the failing row in the detail. */
function withRow(e: SqlError, writer: TableWriter, row: readonly Datum[]): SqlError {
  const values = writer.table.columns
    .filter((c) => !c.hidden)
    .map((c) => {
      const v = row[c.position] ?? null
      return v === null ? 'null' : formatText(v, c.type)
    })
  return new SqlError(e.code, e.message, { detail: `Failing row contains (${values.join(', ')}).` })
}
