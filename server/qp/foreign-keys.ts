// Foreign keys (ARCHITECTURE.md "query processor"): REFERENCES checked against the snapshot plus
// the transaction's writes, made safe without locks by conflict keys the adjudicator checks at
// commit. A referencing write reads the parent key's "gone" guard and records one of
// FOREIGN_KEY_GUARD_BUCKETS bucket guards; deleting (or re-keying) a referenced row records the
// "gone" guard and reads every bucket. Whichever of the two commits second gets 40001, while two
// referencing writes conflict only when they draw the same bucket.
import type { Constraint, RangeVar } from 'libpg-query'
import { encodeKey, prefixEnd, type Key, type KeyPart } from '../encoding/index.ts'
import { featureNotSupported, featuresNotSupported, SqlError } from '../errors/index.ts'
import { formatText, toKeyPart, type Datum, type SqlType } from './types/index.ts'
import { stringOf } from './binder.ts'
import {
  FOREIGN_KEY_GUARDS_TABLE_ID,
  bareName,
  isPlainIndex,
  type ForeignKeyDef,
  type IndexDef,
  type Table,
  type TableDef,
} from './catalog.ts'
import { evaluate, type EvalContext, type Expr } from './expr.ts'
import { decodeStoredRow, primaryKeyOfEntry } from './rows.ts'
import type { SnapshotView } from './snapshot-view.ts'

/** Bucket guards per referenced key: two concurrent referencing writes conflict with 1/N odds. */
export const FOREIGN_KEY_GUARD_BUCKETS = 16

/** A FOREIGN KEY / REFERENCES clause as declared, before its tables are resolved. */
export interface ForeignKeyDraft {
  readonly name: string | undefined
  readonly columns: readonly string[]
  readonly refSchema: string | undefined
  readonly refTable: string
  /** Empty: the referenced table's primary key. */
  readonly refColumns: readonly string[]
  readonly onDelete: ForeignKeyDef['onDelete']
  readonly onUpdate: ForeignKeyDef['onUpdate']
}

const ACTIONS: Record<string, ForeignKeyDef['onDelete'] | undefined> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
}

/** Reads a FOREIGN KEY constraint; `columns` are the referencing columns of a column constraint. */
export function foreignKeyDraft(k: Constraint, columns: readonly string[]): ForeignKeyDraft {
  const fkColumns = (k.fk_attrs?.length ?? 0) > 0 ? (k.fk_attrs ?? []).map(stringOf) : columns
  if (k.fk_matchtype === 'f' || k.fk_matchtype === 'p')
    throw featureNotSupported('MATCH FULL and MATCH PARTIAL')
  if (k.deferrable === true || k.initdeferred === true)
    throw featuresNotSupported('DEFERRABLE foreign keys')
  if ((k.fk_del_set_cols?.length ?? 0) > 0)
    throw featureNotSupported('ON DELETE SET NULL/SET DEFAULT with a column list')
  const action = (code: string | undefined, on: string) => {
    const a = ACTIONS[code ?? 'a']
    if (a === undefined) throw featureNotSupported(`ON ${on} action ${code ?? ''} in foreign keys`)
    return a
  }
  const ref: RangeVar = k.pktable ?? {}
  return {
    name: k.conname,
    columns: fkColumns,
    refSchema: ref.schemaname,
    refTable: ref.relname ?? '',
    refColumns: (k.pk_attrs ?? []).map(stringOf),
    onDelete: action(k.fk_del_action, 'DELETE'),
    onUpdate: action(k.fk_upd_action, 'UPDATE'),
  }
}

const TYPE_FAMILY: Record<string, string> = {
  int2: 'int',
  int4: 'int',
  int8: 'int',
  text: 'text',
  varchar: 'text',
}
const family = (t: SqlType) => TYPE_FAMILY[t.kind] ?? t.kind
const typeName = (t: SqlType) =>
  ({ int2: 'smallint', int4: 'integer', int8: 'bigint', varchar: 'character varying' })[
    t.kind as string
  ] ?? t.kind

/**
 * Resolves a draft against the referencing table `child` (its columns known) and the referenced
 * `parent` (the same definition for a self-reference): the referenced key must be the primary key
 * or a unique constraint (42830), key types must compare (42804). Returns the definition without
 * its index (the caller picks or creates one).
 */
export function resolveForeignKey(
  child: TableDef,
  parent: TableDef,
  draft: ForeignKeyDraft,
  name: string,
): Omit<ForeignKeyDef, 'index'> {
  const position = (def: TableDef, column: string) => {
    const c = def.columns.find((x) => x.name === column && !x.hidden)
    if (c === undefined)
      throw new SqlError(
        '42703',
        `column "${column}" referenced in foreign key constraint does not exist`,
      )
    return c.position
  }
  const columns = draft.columns.map((c) => position(child, c))
  let refColumns: readonly number[]
  let refIndex: ForeignKeyDef['refIndex']
  if (draft.refColumns.length === 0) {
    if (parent.columns[parent.primaryKey[0] as number]?.hidden === true) {
      throw new SqlError('42704', `there is no primary key for referenced table "${bareName(parent.name)}"`)
    }
    refColumns = parent.primaryKey
    refIndex = 'primary'
  } else {
    refColumns = draft.refColumns.map((c) => position(parent, c))
    const same = (cols: readonly number[]) =>
      cols.length === refColumns.length && cols.every((c) => refColumns.includes(c))
    // Only an index of columns that holds every row is a key (PostgreSQL's rule too).
    const unique = parent.indexes.find((i) => i.unique && isPlainIndex(i) && same(i.columns))
    if (same(parent.primaryKey)) refIndex = 'primary'
    else if (unique !== undefined) refIndex = unique.id
    else
      throw new SqlError(
        '42830',
        `there is no unique constraint matching given keys for referenced table "${bareName(parent.name)}"`,
      )
    // The lookup key follows the constraint's column order.
    const order = refIndex === 'primary' ? parent.primaryKey : (unique as IndexDef).columns
    const byOrder = order.map((p) => columns[refColumns.indexOf(p)] as number)
    refColumns = order
    columns.splice(0, columns.length, ...byOrder)
  }
  if (columns.length !== refColumns.length) {
    throw new SqlError(
      '42830',
      'number of referencing and referenced columns for foreign key disagree',
    )
  }
  columns.forEach((c, i) => {
    const a = child.columns[c]!
    const b = parent.columns[refColumns[i] as number]!
    if (family(a.type) !== family(b.type)) {
      throw new SqlError('42804', `foreign key constraint "${name}" cannot be implemented`, {
        detail: `Key columns "${a.name}" and "${b.name}" are of incompatible types: ${typeName(a.type)} and ${typeName(b.type)}.`,
      })
    }
  })
  return {
    name,
    columns,
    refTable: parent.name,
    refColumns,
    refIndex,
    onDelete: draft.onDelete,
    onUpdate: draft.onUpdate,
  }
}

/** ForeignKeyDef.index when the referencing columns lead the child's primary key. */
export const PRIMARY_KEY_PREFIX = -1

/** An index of `def` whose leading columns are exactly `columns` in order (PRIMARY_KEY_PREFIX or
 * an index id), or undefined when none (the caller creates one). */
export function indexFor(def: TableDef, columns: readonly number[]): number | undefined {
  const leads = (cols: readonly number[]) =>
    cols.length >= columns.length && columns.every((c, i) => cols[i] === c)
  if (leads(def.primaryKey)) return PRIMARY_KEY_PREFIX
  // An expression or partial index does not hold every row's columns.
  return def.indexes.find((i) => isPlainIndex(i) && leads(i.columns))?.id
}

/** The key parts of a referenced key from a row (undefined when any is NULL: MATCH SIMPLE). */
function keyParts(
  row: readonly Datum[],
  columns: readonly number[],
  types: readonly SqlType[],
): KeyPart[] | undefined {
  const parts: KeyPart[] = []
  for (let i = 0; i < columns.length; i++) {
    const v = row[columns[i] as number] ?? null
    if (v === null) return undefined
    parts.push(toKeyPart(v, types[i] as SqlType))
  }
  return parts
}

const guardPrefix = (parent: Table, fk: ForeignKeyDef, parts: readonly KeyPart[]) =>
  encodeKey([
    FOREIGN_KEY_GUARDS_TABLE_ID,
    parent.id,
    fk.refIndex === 'primary' ? -1 : fk.refIndex,
    ...parts,
  ])
const goneGuard = (prefix: Key) => prefix + encodeKey(['gone'])
const bucketGuard = (prefix: Key, bucket: number) => prefix + encodeKey([bucket])

/** What checking a foreign key needs from the transaction. */
export interface ForeignKeyEnv {
  readonly view: SnapshotView
  readonly eval: EvalContext
  /** A table at the snapshot plus the buffer, its definition added to the read keys. */
  relation(name: string): Table | undefined
  /** Writes rows of a referencing table for ON DELETE / ON UPDATE actions (a TableWriter). */
  writer(table: Table): ChildWriter
  /** Runs a check or an ON DELETE / ON UPDATE action at the end of the statement, after its own
   * row changes (a check or action may add more, run after it); undefined: at once. */
  readonly defer?: ((check: () => void) => void) | undefined
}

/** The part of TableWriter that foreign key actions use. */
export interface ChildWriter {
  readonly defaults: readonly Expr[]
  validate(row: readonly Datum[]): void
  update(key: Key, oldRow: readonly Datum[], newRow: readonly Datum[]): Key
  delete(key: Key, row: readonly Datum[]): void
}

function relationOrFail(env: ForeignKeyEnv, name: string): Table {
  const t = env.relation(name)
  if (t === undefined) throw new SqlError('42P01', `relation "${name}" does not exist`)
  return t
}

const renderKey = (table: Table, columns: readonly number[], row: readonly Datum[]) => {
  const names = columns.map((c) => table.columns[c]!.name).join(', ')
  const values = columns
    .map((c) => (row[c] === null ? 'null' : formatText(row[c]!, table.columns[c]!.type)))
    .join(', ')
  return `Key (${names})=(${values})`
}

/**
 * A new or changed row of `child` references existing rows (23503 otherwise). `before` is the old
 * image of an update: an unchanged key is not checked again, as in PostgreSQL.
 */
export function checkReferences(
  env: ForeignKeyEnv,
  child: Table,
  row: readonly Datum[],
  before?: readonly Datum[],
  only?: ForeignKeyDef,
): void {
  for (const fk of only === undefined ? (child.def.foreignKeys ?? []) : [only]) {
    if (
      before !== undefined &&
      fk.columns.every((c) => sameDatum(before[c] ?? null, row[c] ?? null))
    )
      continue
    const parent = fk.refTable === child.name ? child : relationOrFail(env, fk.refTable)
    const parts = keyParts(
      row,
      fk.columns,
      fk.refColumns.map((c) => parent.columns[c]!.type),
    )
    if (parts === undefined) continue
    const key =
      fk.refIndex === 'primary'
        ? parent.rowsStart + encodeKey(parts)
        : encodeKey([parent.id, BigInt(fk.refIndex), ...parts])
    const missing = () =>
      new SqlError(
        '23503',
        `insert or update on table "${bareName(child.name)}" violates foreign key constraint "${fk.name}"`,
        {
          detail: `${renderKey(child, fk.columns, row)} is not present in table "${bareName(parent.name)}".`,
        },
      )
    if (env.view.get(key) === undefined) {
      // PostgreSQL checks at the end of the statement: a parent inserted later in it counts.
      if (env.defer === undefined) throw missing()
      env.defer(() => {
        if (env.view.get(key) === undefined) throw missing()
      })
    }
    const prefix = guardPrefix(parent, fk, parts)
    env.eval.tx.conflictKey(goneGuard(prefix), 'read')
    env.eval.tx.conflictKey(
      bucketGuard(prefix, env.eval.random.bytes(1)[0]! % FOREIGN_KEY_GUARD_BUCKETS),
      'lock',
    )
  }
}

/**
 * A row of `parent` is deleted, or its referenced key changes (`after`): rows that reference it
 * are refused (NO ACTION, RESTRICT: 23503, checked at once), deleted or re-keyed (CASCADE), or
 * get NULL or their defaults (SET NULL, SET DEFAULT), through `env.writer` with every check.
 */
export function checkReferencedBy(
  env: ForeignKeyEnv,
  parent: Table,
  row: readonly Datum[],
  after?: readonly Datum[],
): void {
  for (const ref of parent.def.referencedBy ?? []) {
    const child = ref.table === parent.name ? parent : relationOrFail(env, ref.table)
    const fk = (child.def.foreignKeys ?? []).find((f) => f.name === ref.name)
    if (fk === undefined) continue
    if (
      after !== undefined &&
      fk.refColumns.every((c) => sameDatum(row[c] ?? null, after[c] ?? null))
    )
      continue
    const parts = keyParts(
      row,
      fk.refColumns,
      fk.columns.map((c) => child.columns[c]!.type),
    )
    if (parts === undefined) continue
    const referencing = referencingRows(env, child, fk, parts)
    const action = after === undefined ? fk.onDelete : fk.onUpdate
    const stillReferenced = () =>
      new SqlError(
        action === 'restrict' ? '23001' : '23503',
        action === 'restrict'
          ? `update or delete on table "${bareName(parent.name)}" violates RESTRICT setting of foreign key constraint "${fk.name}" on table "${bareName(child.name)}"`
          : `update or delete on table "${bareName(parent.name)}" violates foreign key constraint "${fk.name}" on table "${bareName(child.name)}"`,
        {
          // RESTRICT's detail drops the "still" in PostgreSQL.
          detail: `${renderKey(parent, fk.refColumns, row)} is ${action === 'restrict' ? '' : 'still '}referenced from table "${bareName(child.name)}".`,
        },
      )
    const refuses = action === 'no action' || action === 'restrict'
    if (referencing.length > 0 && refuses && env.defer !== undefined) {
      // Checked at the end of the statement, as PostgreSQL's (non-deferrable) triggers run:
      // deleting a whole tree, children after parents, is fine.
      env.defer(() => {
        if (referencingRows(env, child, fk, parts).length > 0) throw stillReferenced()
      })
    } else if (referencing.length > 0 && refuses) {
      throw stillReferenced()
    } else if (referencing.length > 0 && env.defer !== undefined) {
      // PostgreSQL runs the action as an after trigger, once the statement's own row changes are
      // done, over the referencing rows as they are then: in a self-referencing table the
      // statement may still change (or has changed) those rows, and the action must neither be
      // overwritten by the statement's older image of a row nor write one itself.
      env.defer(() => {
        const now = referencingRows(env, child, fk, parts)
        if (now.length > 0) applyAction(env, child, fk, action, now, after)
      })
    } else if (referencing.length > 0) applyAction(env, child, fk, action, referencing, after)
    const prefix = guardPrefix(parent, fk, parts)
    env.eval.tx.conflictKey(goneGuard(prefix), 'lock')
    for (let b = 0; b < FOREIGN_KEY_GUARD_BUCKETS; b++)
      env.eval.tx.conflictKey(bucketGuard(prefix, b), 'read')
  }
}

/** The rows of `child` whose foreign key `fk` holds `parts`, read before any is changed. */
function referencingRows(
  env: ForeignKeyEnv,
  child: Table,
  fk: ForeignKeyDef,
  parts: readonly KeyPart[],
): { key: Key; row: Datum[] }[] {
  const out: { key: Key; row: Datum[] }[] = []
  if (fk.index === PRIMARY_KEY_PREFIX) {
    const start = child.rowsStart + encodeKey(parts)
    for (const kv of env.view.scan(start, prefixEnd(start)))
      out.push({ key: kv.key, row: decodeStoredRow(child, kv.value) })
    return out
  }
  const index = child.def.indexes.find((i) => i.id === fk.index)
  if (index === undefined) return out
  const start = encodeKey([child.id, BigInt(fk.index), ...parts])
  for (const kv of env.view.scan(start, prefixEnd(start))) {
    const key = primaryKeyOfEntry(child, index, kv.key, kv.value)
    const value = env.view.get(key)
    if (value !== undefined) out.push({ key, row: decodeStoredRow(child, value) })
  }
  return out
}

/** Cascades run at once (without `defer`: DDL) nest (a tree deleted from its root); beyond this
 * depth the statement fails. Deferred actions do not nest: they queue, each from a row written,
 * so the statement's row limit bounds them. */
const CASCADE_DEPTH_MAX = 256
let cascadeDepth = 0

function applyAction(
  env: ForeignKeyEnv,
  child: Table,
  fk: ForeignKeyDef,
  action: ForeignKeyDef['onDelete'],
  rows: readonly { key: Key; row: Datum[] }[],
  after: readonly Datum[] | undefined,
): void {
  if (cascadeDepth >= CASCADE_DEPTH_MAX)
    throw new SqlError('54001', `foreign key actions nest deeper than ${CASCADE_DEPTH_MAX} levels`)
  cascadeDepth++
  try {
    const writer = env.writer(child)
    for (const { key, row } of rows) {
      if (action === 'cascade' && after === undefined) {
        writer.delete(key, row)
        continue
      }
      const updated = row.slice()
      fk.columns.forEach((c, i) => {
        if (action === 'cascade') updated[c] = after?.[fk.refColumns[i] as number] ?? null
        else if (action === 'set null') updated[c] = null
        else updated[c] = evaluate(writer.defaults[c] as Expr, row, env.eval)
      })
      writer.validate(updated)
      writer.update(key, row, updated)
      // A default equal to the old key is not a change, but its parent is gone (PostgreSQL checks).
      if (action === 'set default') checkReferences(env, child, updated, undefined, fk)
    }
  } finally {
    cascadeDepth--
  }
}

function sameDatum(a: Datum, b: Datum): boolean {
  if (a === null || b === null) return a === b
  if (typeof a === 'object' || typeof b === 'object') return String(a) === String(b)
  return a === b
}
