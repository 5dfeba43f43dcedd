// ALTER TABLE (ARCHITECTURE.md "Keys and rows"): each command rewrites the table's definition in
// the catalog, transactionally. Rows are stored by column position, so a new column is appended
// (rows written before it read as NULL) and a dropped column keeps its slot, hidden.
import type {
  AlterObjectSchemaStmt,
  AlterTableCmd,
  AlterTableStmt,
  Constraint,
  Node,
  RangeVar,
  RenameStmt,
} from 'libpg-query'
import { scanSync } from 'libpg-query'
import { assert, featureNotSupported, SqlError, undefinedColumn } from '../errors/index.ts'
import { canCast, formatType, typesEqual, type SqlType } from './types/index.ts'
import { Binder, checkCollation, EMPTY_SCOPE, resolveTypeName, stringOf } from './binder.ts'
import {
  bareName,
  declaredKeyName,
  encodeTableDef,
  indexKeyOf,
  indexNameKey,
  indexNamesOf,
  isPlainIndex,
  schemaHeld,
  schemaKey,
  schemaOf,
  siblingName,
  sequenceKey,
  tableFromDef,
  undefinedSchema,
  type ColumnDef,
  type ForeignKeyDef,
  type IndexDef,
  type Table,
  type TableDef,
} from './catalog.ts'
import { COLUMNS_MAX } from './constants.ts'
import {
  backfill,
  chooseName,
  chooseRelationName,
  ownSequences,
  requireKeyForm,
  soleColumn,
  TableDraft,
  validateExpressions,
  type DdlEnv,
  type DdlRun,
} from './ddl.ts'
import { evaluate, isVolatile, readsRow, type Expr } from './expr.ts'
import { attachForeignKeys, detachForeignKey, namesOf, validateRows } from './foreign-key-ddl.ts'
import { followTableChange } from './index-jobs.ts'
import { foreignKeyDraft, type ForeignKeyEnv } from './foreign-keys.ts'
import { checkSourceText, defaultSourceText, replaceBytes } from './parser.ts'
import { foldClockLiterals } from './clock-literals.ts'
import { quoteIdent } from './functions-text.ts'
import { checkKeyBytes, decodeStoredRow, encodeMissing, encodeStoredRow } from './rows.ts'
import { entryOf, indexKeysOf, type IndexKeys } from './index-keys.ts'
import { indexReadsColumn, renameIndexColumn, requireImmutable, unqualifiedColumns } from './index-definition.ts'
import { tableScope } from './select.ts'
import {
  KIND_PLURAL,
  missingRelation,
  renameSequence,
  putSequence,
  qualifiedName,
  relationKind,
  relationNameTaken,
  type RelationKind,
  type SequenceDef,
} from './sequences.ts'
import {
  dropOwnedSequences,
  dropSequenceUses,
  followSequenceRename,
  ownedSequences,
  useDefaultSequences,
  useSequences,
  withSequenceRenamed,
} from './sequence-uses.ts'
import { constraintsOf, TableWriter } from './table-writer.ts'

/** What ALTER TABLE commands share: the environment and the definition as changed so far. */
interface Alter {
  readonly env: DdlEnv
  readonly run: DdlRun
  def: TableDef
}

const relationName = (rv: RangeVar | undefined) => qualifiedName(rv?.schemaname, rv?.relname ?? '')
const missingColumn = (name: string, table: string) =>
  new SqlError('42703', `column "${name}" of relation "${bareName(table)}" does not exist`)

/** ALTER TABLE [IF EXISTS] name command, ...: the commands apply in order, one definition written. */
export function alterTable(env: DdlEnv, run: DdlRun, s: AlterTableStmt): void {
  if (s.objtype !== 'OBJECT_TABLE')
    throw featureNotSupported(`ALTER ${(s.objtype ?? '').replace('OBJECT_', '')}`)
  const name = relationName(s.relation)
  const table = env.findTable(name)
  if (table === undefined) {
    const kind = relationKind(env, name)
    if (kind !== undefined) return refuseAlter(name, kind, s.cmds ?? [])
    if (s.missing_ok === true) return
    throw missingRelation(env, name)
  }
  const a: Alter = { env, run, def: table.def }
  for (const node of s.cmds ?? []) {
    if (!('AlterTableCmd' in node)) throw featureNotSupported('this ALTER TABLE form')
    alterCommand(a, node.AlterTableCmd)
  }
  env.put(table.schemaKey, encodeTableDef(a.def))
}

/**
 * The commands Tessera runs on tables (and ALTER CONSTRAINT, which it does not, but whose refusal
 * on another kind of relation comes first), as PostgreSQL's
 * alter_table_type_to_string names them, and whether PostgreSQL allows them on a view
 * (ATSimplePermissions; none is allowed on a sequence or an index).
 */
const ALTER_ACTIONS: Readonly<Record<string, { readonly name: string; readonly onView: boolean }>> = {
  AT_AddColumn: { name: 'ADD COLUMN', onView: false },
  AT_DropColumn: { name: 'DROP COLUMN', onView: false },
  AT_ColumnDefault: { name: 'ALTER COLUMN ... SET DEFAULT', onView: true },
  AT_SetNotNull: { name: 'ALTER COLUMN ... SET NOT NULL', onView: false },
  AT_DropNotNull: { name: 'ALTER COLUMN ... DROP NOT NULL', onView: false },
  AT_AddConstraint: { name: 'ADD CONSTRAINT', onView: false },
  AT_DropConstraint: { name: 'DROP CONSTRAINT', onView: false },
  AT_AlterColumnType: { name: 'ALTER COLUMN ... SET DATA TYPE', onView: false },
  AT_AddIdentity: { name: 'ALTER COLUMN ... ADD IDENTITY', onView: true },
  AT_DropIdentity: { name: 'ALTER COLUMN ... DROP IDENTITY', onView: true },
  AT_SetIdentity: { name: 'ALTER COLUMN ... SET', onView: true },
  AT_DropExpression: { name: 'ALTER COLUMN ... DROP EXPRESSION', onView: false },
  AT_ValidateConstraint: { name: 'VALIDATE CONSTRAINT', onView: false },
  AT_AlterConstraint: { name: 'ALTER CONSTRAINT', onView: false },
}

/** ALTER TABLE commands naming a sequence, a view or an index: the first PostgreSQL refuses for
 * that kind is 42809 (also under IF EXISTS, as there); those it allows on a view Tessera does not
 * run (0A000). */
function refuseAlter(name: string, kind: RelationKind, cmds: readonly Node[]): void {
  for (const node of cmds) {
    const action = 'AlterTableCmd' in node ? ALTER_ACTIONS[node.AlterTableCmd.subtype ?? ''] : undefined
    if (action === undefined) throw featureNotSupported(`this ALTER TABLE form on ${kind === 'index' ? 'an' : 'a'} ${kind}`)
    if (kind === 'view' && action.onView) continue
    throw new SqlError('42809', `ALTER action ${action.name} cannot be performed on relation "${bareName(name)}"`, {
      detail: `This operation is not supported for ${KIND_PLURAL[kind]}.`,
    })
  }
  throw featureNotSupported(`ALTER TABLE ... ${kind === 'view' ? 'on a view' : `on a ${kind}`}`)
}

function alterCommand(a: Alter, cmd: AlterTableCmd): void {
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return addColumn(a, cmd)
    case 'AT_DropColumn':
      return dropColumn(a, cmd.name ?? '', cmd.missing_ok === true, cmd.behavior === 'DROP_CASCADE')
    case 'AT_ColumnDefault':
      return setDefault(a, cmd.name ?? '', cmd.def)
    case 'AT_SetNotNull':
      return setNotNull(a, cmd.name ?? '')
    case 'AT_DropNotNull':
      return dropNotNull(a, cmd.name ?? '')
    case 'AT_AddConstraint':
      if (cmd.def === undefined || !('Constraint' in cmd.def))
        throw featureNotSupported('this ADD CONSTRAINT form')
      return addConstraint(a, cmd.def.Constraint)
    case 'AT_DropConstraint':
      return dropConstraint(
        a,
        cmd.name ?? '',
        cmd.missing_ok === true,
        cmd.behavior === 'DROP_CASCADE',
      )
    case 'AT_AlterColumnType':
      return alterType(a, cmd)
    case 'AT_AddIdentity':
      return addIdentity(a, cmd)
    case 'AT_DropIdentity':
      return dropIdentity(a, cmd.name ?? '', cmd.missing_ok === true)
    case 'AT_SetIdentity':
      return setIdentity(a, cmd)
    case 'AT_DropExpression':
      return dropExpression(a, cmd.name ?? '', cmd.missing_ok === true)
    case 'AT_ValidateConstraint':
      return validateConstraint(a, cmd.name ?? '')
    default:
      throw featureNotSupported(`ALTER TABLE ${(cmd.subtype ?? '').replace('AT_', '')}`)
  }
}

function visibleColumn(def: TableDef, name: string): ColumnDef | undefined {
  return def.columns.find((c) => c.name === name && !c.hidden)
}

function requireColumn(def: TableDef, name: string): ColumnDef {
  const col = visibleColumn(def, name)
  if (col === undefined) throw missingColumn(name, def.name)
  return col
}

function withColumn(def: TableDef, col: ColumnDef): TableDef {
  const columns = def.columns.slice()
  columns[col.position] = col
  return { ...def, columns }
}

/** The runtime form of the definition as altered so far (rows keep their table id). */
const tableOf = (def: TableDef): Table => tableFromDef(def)

function fkEnv(a: Alter): ForeignKeyEnv {
  const ev = a.run.exec.eval
  return {
    view: a.env.view,
    eval: ev,
    relation: (name) => ev.tx.relation(name),
    writer: (t) => new TableWriter(t, a.run.sink, a.env.parse, ev),
  }
}

/** ADD COLUMN [IF NOT EXISTS]: appended; existing rows get the default (written again, within
 * the transaction's limits) or NULL (nothing written). */
function addColumn(a: Alter, cmd: AlterTableCmd): void {
  if (cmd.def === undefined || !('ColumnDef' in cmd.def))
    throw featureNotSupported('this ADD COLUMN form')
  const c = cmd.def.ColumnDef
  const name = c.colname ?? ''
  if (visibleColumn(a.def, name) !== undefined) {
    if (cmd.missing_ok === true) return
    throw new SqlError('42701', `column "${name}" of relation "${bareName(a.def.name)}" already exists`)
  }
  if (a.def.columns.length >= COLUMNS_MAX)
    throw new SqlError('54011', `tables can have at most ${COLUMNS_MAX} columns`)
  const draft = new TableDraft(a.def.name)
  draft.column(a.env, c)
  const parts = draft.parts()
  if (parts.primaryKey !== undefined)
    throw featureNotSupported('adding a PRIMARY KEY (primary keys are fixed at CREATE TABLE)')
  const d = parts.columns[0]!
  const position = a.def.columns.length
  const col: ColumnDef = {
    name,
    position,
    type: d.type,
    notNull: d.notNull,
    default: d.default,
    hidden: false,
    ...(d.identity === undefined ? {} : { identity: d.identity }),
    ...(d.generated === undefined ? {} : { generated: d.generated }),
  }
  a.def = { ...a.def, columns: [...a.def.columns, col] }
  a.def = { ...a.def, columns: validateExpressions(a.env, { ...a.def, checks: [] }, name).columns }
  useDefaultSequences(a.env, [col])
  a.def = ownSequences(a.env, a.def, d.owns === undefined ? [] : [{ position, column: d }])
  const added = a.def.columns[position]!
  const filled = added.default ?? added.sequence ?? added.generated
  if (filled !== undefined && !fastDefault(a, position)) fillColumn(a, position)
  if (added.notNull) requireNoNulls(a, added)
  for (const u of parts.uniques) addUnique(a, u.columns, u.name)
  for (const k of parts.checks) addCheck(a, k.expr, k.name, true)
  if (parts.foreignKeys.length > 0)
    a.def = attachForeignKeys(a.env, a.def, parts.foreignKeys, fkEnv(a))
}

/**
 * A constant, non-volatile default is evaluated once and recorded on the column: rows written
 * before it read that value, so nothing is rewritten (PostgreSQL 11's fast default). False when
 * the column needs a rewrite (volatile default, sequence, generated column).
 */
function fastDefault(a: Alter, position: number): boolean {
  const col = a.def.columns[position]!
  if (col.default === undefined || col.sequence !== undefined || col.generated !== undefined) return false
  const table = tableOf(a.def)
  const value = constraintsOf(table, a.env.parse, a.env.binder.storedTypes).defaults[position]!
  if (isVolatile(value) || readsRow(value)) return false
  const missing = encodeMissing(evaluate(value, [], a.run.exec.eval), col.type)
  if (missing !== undefined) a.def = { ...a.def, columns: a.def.columns.map((c, i) => (i === position ? { ...c, missing } : c)) }
  return true
}

/** Writes every row again with the column's default evaluated for it (PostgreSQL's rewrite). */
function fillColumn(a: Alter, position: number): void {
  const table = tableOf(a.def)
  const writer = new TableWriter(table, a.run.sink, a.env.parse, a.run.exec.eval)
  const value = constraintsOf(table, a.env.parse, a.env.binder.storedTypes).defaults[position]!
  const rows = [...a.env.view.scan(table.rowsStart, table.rowsEnd)]
  for (const kv of rows) {
    a.env.tick()
    const row = decodeStoredRow(table, kv.value)
    const updated = row.slice()
    updated[position] = evaluate(value, row, a.run.exec.eval)
    writer.validate(updated)
    writer.update(kv.key, row, updated)
  }
}

function requireNoNulls(a: Alter, col: ColumnDef): void {
  const table = tableOf(a.def)
  for (const kv of a.env.view.scan(table.rowsStart, table.rowsEnd)) {
    a.env.tick()
    if (decodeStoredRow(table, kv.value)[col.position] === null) {
      throw new SqlError(
        '23502',
        `column "${col.name}" of relation "${bareName(a.def.name)}" contains null values`,
      )
    }
  }
}

/** DROP COLUMN: its slot stays (hidden, always NULL); indexes, checks and foreign keys of this
 * table that use it go; another table's foreign key on it needs CASCADE (2BP01). */
function dropColumn(a: Alter, name: string, missingOk: boolean, cascade: boolean): void {
  const col = visibleColumn(a.def, name)
  if (col === undefined) {
    if (missingOk) return
    throw missingColumn(name, a.def.name)
  }
  if (a.def.primaryKey.includes(col.position))
    throw featureNotSupported('dropping a primary key column')
  dropGeneratedDependents(a, col, cascade)
  dropReferencingForeignKeys(
    a,
    cascade,
    (fk) => fk.refColumns.includes(col.position),
    `column ${name} of table ${a.def.name}`,
    `column ${name} of table ${a.def.name}`,
  )
  for (const fk of a.def.foreignKeys ?? [])
    if (fk.columns.includes(col.position)) a.def = detachForeignKey(a.env, a.def, fk.name)
  // Its indexes go, those whose expressions or predicate read it too (and those being built: their
  // jobs end cancelled): regclass constants naming them ('i'::regclass) need CASCADE, which drops
  // them.
  const reads = (i: IndexDef) => indexReadsColumn(a.env.parse, i, col)
  const all = [...a.def.indexes, ...(a.def.buildingIndexes ?? [])]
  const indexes = all.filter(reads).map((i) => siblingName(a.def.name, i.name))
  const uses = { kind: 'index', what: `column ${name} of table ${a.def.name}`, cascade, current: a.def } as const
  a.def = dropSequenceUses(a.env, new Set(indexes), uses) ?? a.def
  for (const index of [...a.def.indexes, ...(a.def.buildingIndexes ?? [])])
    if (reads(index)) a.env.put(indexKeyOf(a.def.name, index.name), null)
  const dropped: ColumnDef = {
    name: `........pg.dropped.${col.position + 1}........`,
    position: col.position,
    type: col.type,
    notNull: false,
    hidden: true,
    dropped: true,
  }
  a.def = withColumn(
    {
      ...a.def,
      indexes: a.def.indexes.filter((i) => !reads(i)),
      ...(a.def.buildingIndexes === undefined ? {} : { buildingIndexes: a.def.buildingIndexes.filter((i) => !reads(i)) }),
      checks: a.def.checks.filter((k) => !mentionsColumn(k.expr, name)),
    },
    dropped,
  )
  // Its sequences go with it (serial, identity, OWNED BY); other defaults using them need CASCADE.
  const what = `column ${name} of table ${a.def.name}`
  a.def = dropOwnedSequences(a.env, a.def.name, name, { what, cascade, current: a.def }) ?? a.def
}

/** Whether expression text names `column` (token by token, so strings and longer names don't count). */
export function mentionsColumn(expr: string, column: string): boolean {
  return scanSync(expr).tokens.some(
    (t) => t.tokenName !== 'SCONST' && identifierText(t.text) === column,
  )
}

const identifierText = (text: string) =>
  text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text.toLowerCase()

/** Renames `from` to `to` in expression text (stored CHECK source). */
function renameIn(expr: string, from: string, to: string): string {
  const edits = scanSync(expr)
    .tokens.filter((t) => t.tokenName !== 'SCONST' && identifierText(t.text) === from)
    .map((t) => ({ start: t.start, end: t.end, text: quoteIdent(to) }))
  return replaceBytes(expr, edits)
}

/** Generated columns computed from `col` go with it under CASCADE, else 2BP01. */
function dropGeneratedDependents(a: Alter, col: ColumnDef, cascade: boolean): void {
  const dependents = a.def.columns.filter(
    (c) =>
      c !== col && !c.hidden && c.generated !== undefined && mentionsColumn(c.generated, col.name),
  )
  for (const g of dependents) {
    if (!cascade) {
      throw new SqlError(
        '2BP01',
        `cannot drop column ${col.name} of table ${a.def.name} because other objects depend on it`,
        {
          detail: `column ${g.name} of table ${a.def.name} depends on column ${col.name}`,
          hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        },
      )
    }
    dropColumn(a, g.name, true, true)
  }
}

/** SET DEFAULT expr / DROP DEFAULT (42601 on a generated or identity column, as PostgreSQL). */
function setDefault(a: Alter, name: string, expr: Node | undefined): void {
  const col = requireColumn(a.def, name)
  if (col.generated !== undefined) {
    throw new SqlError(
      '42601',
      `column "${name}" of relation "${bareName(a.def.name)}" is a generated column`,
      {
        hint: `Use ALTER TABLE ... ALTER COLUMN ... ${expr === undefined ? 'DROP' : 'SET'} EXPRESSION instead.`,
      },
    )
  }
  if (col.identity !== undefined) {
    throw new SqlError(
      '42601',
      `column "${name}" of relation "${bareName(a.def.name)}" is an identity column`,
      {
        hint:
          expr === undefined
            ? 'Use ALTER TABLE ... ALTER COLUMN ... DROP IDENTITY instead.'
            : undefined,
      },
    )
  }
  let text = expr === undefined ? undefined : defaultTextOf(a.env.sql, expr)
  if (text !== undefined) {
    useSequences(a.env, text)
    const b = new Binder(0, a.env.binder.types)
    text = foldClockLiterals(a.env, b, text, (node) => {
      b.coerceToColumn(b.bind(node, EMPTY_SCOPE, { clause: 'DEFAULT' }), col.type, col.name)
    })
  }
  a.def = withColumn(a.def, { ...col, default: text, sequence: undefined })
}

/** The source text of a SET DEFAULT expression: from the last DEFAULT keyword before it. */
function defaultTextOf(sql: string, expr: Node): string {
  const first = firstLocation(expr)
  const keyword = scanSync(sql)
    .tokens.filter((t) => t.start < first && t.text.toUpperCase() === 'DEFAULT')
    .at(-1)
  if (keyword === undefined) throw featureNotSupported('this SET DEFAULT form')
  return defaultSourceText(sql, keyword.start)
}

/** The smallest `location` in a parse tree (where an expression's text starts). */
function firstLocation(node: unknown): number {
  if (node === null || typeof node !== 'object') return Number.POSITIVE_INFINITY
  let min = Number.POSITIVE_INFINITY
  for (const [k, v] of Object.entries(node)) {
    if (k === 'location' && typeof v === 'number' && v >= 0) min = Math.min(min, v)
    else min = Math.min(min, firstLocation(v))
  }
  return min
}

function setNotNull(a: Alter, name: string): void {
  const col = requireColumn(a.def, name)
  if (col.notNull) return
  const changed = { ...col, notNull: true }
  a.def = withColumn(a.def, changed)
  requireNoNulls(a, changed)
}

function dropNotNull(a: Alter, name: string): void {
  const col = requireColumn(a.def, name)
  if (a.def.primaryKey.includes(col.position))
    throw new SqlError('42P16', `column "${name}" is in a primary key`)
  // PostgreSQL 18 reports this one as a syntax error (42601), as it does SET DEFAULT on one.
  if (col.identity !== undefined)
    throw new SqlError(
      '42601',
      `column "${name}" of relation "${bareName(a.def.name)}" is an identity column`,
    )
  a.def = withColumn(a.def, { ...col, notNull: false })
}

/** ADD [CONSTRAINT name] UNIQUE / CHECK / FOREIGN KEY; PRIMARY KEY only at CREATE TABLE. */
function addConstraint(a: Alter, k: Constraint): void {
  switch (k.contype) {
    case 'CONSTR_UNIQUE':
      if (k.nulls_not_distinct === true) throw featureNotSupported('NULLS NOT DISTINCT')
      return addUnique(
        a,
        (k.keys ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : '')),
        k.conname,
      )
    case 'CONSTR_CHECK':
      return addCheck(
        a,
        checkSourceText(a.env.sql, k.location ?? 0),
        k.conname,
        k.skip_validation !== true,
      )
    case 'CONSTR_FOREIGN':
      a.def = attachForeignKeys(a.env, a.def, [foreignKeyDraft(k, [])], fkEnv(a), k.skip_validation !== true)
      return
    case 'CONSTR_PRIMARY':
      throw featureNotSupported('adding a PRIMARY KEY (primary keys are fixed at CREATE TABLE)')
    default:
      throw featureNotSupported(`ADD CONSTRAINT ${(k.contype ?? '').replace('CONSTR_', '')}`)
  }
}

function checkNameFree(a: Alter, name: string): void {
  if (namesOf(a.def).has(name))
    throw new SqlError('42710', `constraint "${name}" for relation "${bareName(a.def.name)}" already exists`)
}

/** A unique constraint: its index filled from the existing rows (23505 on a duplicate). */
function addUnique(a: Alter, columns: readonly string[], given: string | undefined): void {
  const positions = columns.map((c) => {
    const col = visibleColumn(a.def, c)
    if (col === undefined) throw new SqlError('42703', `column "${c}" named in key does not exist`)
    requireKeyForm(col.type, 'a unique constraint')
    return col.position
  })
  const name = given ?? chooseRelationName(a.env, a.def.name, columns, 'key', namesOf(a.def))
  // The index comes first in PostgreSQL, so a name another relation holds is 42P07 before a
  // constraint's 42710.
  if (relationNameTaken(a.env, siblingName(a.def.name, name)))
    throw new SqlError('42P07', `relation "${name}" already exists`)
  checkNameFree(a, name)
  const index: IndexDef = {
    id: a.def.nextIndexId,
    name,
    columns: positions,
    unique: true,
    constraint: true,
  }
  backfill(a.env, tableOf(a.def), index)
  a.env.put(indexKeyOf(a.def.name, name), a.def.name)
  a.def = { ...a.def, indexes: [...a.def.indexes, index], nextIndexId: index.id + 1 }
}

/** A check constraint, validated over the existing rows unless NOT VALID (23514). */
function addCheck(a: Alter, source: string, given: string | undefined, validate: boolean): void {
  const name = given ?? chooseName(a.def.name, soleColumn(source, a.def.columns), 'check', namesOf(a.def))
  checkNameFree(a, name)
  useSequences(a.env, source)
  const b = new Binder(0, a.env.binder.types)
  const before = tableOf(a.def)
  const expr = foldClockLiterals(a.env, b, unqualifiedColumns(a.env.parse, source), (node) => {
    b.bindCondition(node, tableScope(before, before.name), { clause: 'CHECK' })
  })
  a.def = { ...a.def, checks: [...a.def.checks, validate ? { name, expr } : { name, expr, notValid: true }] }
  if (validate) checkRows(a, name)
}

/** Checks every row against check constraint `name` of `a.def` (23514 for a violation). */
function checkRows(a: Alter, name: string): void {
  const table = tableOf(a.def)
  const check = constraintsOf(table, a.env.parse, a.env.binder.storedTypes).checks.find((k) => k.name === name)!
  for (const kv of a.env.view.scan(table.rowsStart, table.rowsEnd)) {
    a.env.tick()
    if (evaluate(check.expr, decodeStoredRow(table, kv.value), a.run.exec.eval) === false) {
      throw new SqlError(
        '23514',
        `check constraint "${name}" of relation "${bareName(a.def.name)}" is violated by some row`,
      )
    }
  }
}

/** VALIDATE CONSTRAINT name: a check or foreign key added NOT VALID is checked over the rows
 * (23514, 23503) and marked valid; a valid one is left alone, as PostgreSQL does. A key is
 * 42809; a NOT NULL column's constraint (PostgreSQL 18 names it table_column_not_null) is always
 * valid. */
function validateConstraint(a: Alter, name: string): void {
  const check = a.def.checks.find((k) => k.name === name)
  if (check !== undefined) {
    if (check.notValid !== true) return
    checkRows(a, name)
    a.def = { ...a.def, checks: a.def.checks.map((k) => (k === check ? { name: k.name, expr: k.expr } : k)) }
    return
  }
  const fk = (a.def.foreignKeys ?? []).find((f) => f.name === name)
  if (fk !== undefined) {
    if (fk.notValid !== true) return
    validateRows(a.env, a.def, name, fkEnv(a))
    const { notValid: _, ...valid } = fk
    a.def = { ...a.def, foreignKeys: (a.def.foreignKeys ?? []).map((f) => (f === fk ? valid : f)) }
    return
  }
  const relation = bareName(a.def.name)
  if (name === declaredKeyName(a.def) || a.def.indexes.some((i) => i.constraint && i.name === name && !isForeignKeyIndex(a.def, i))) {
    throw new SqlError('42809', `cannot validate constraint "${name}" of relation "${relation}"`, {
      detail: 'This operation is not supported for this type of constraint.',
    })
  }
  const notNull = a.def.columns.some(
    (c) => !c.hidden && (c.notNull || a.def.primaryKey.includes(c.position)) && name === `${relation}_${c.name}_not_null`,
  )
  if (notNull) return
  throw new SqlError('42704', `constraint "${name}" of relation "${relation}" does not exist`)
}

/** DROP CONSTRAINT [IF EXISTS] name: a unique constraint (its index), check or foreign key. */
function dropConstraint(a: Alter, name: string, missingOk: boolean, cascade: boolean): void {
  if (name === declaredKeyName(a.def)) throw featureNotSupported('dropping a primary key')
  const fk = (a.def.foreignKeys ?? []).find((f) => f.name === name)
  if (fk !== undefined) {
    a.def = detachForeignKey(a.env, a.def, name)
    return
  }
  const index = a.def.indexes.find(
    (i) => i.constraint && i.name === name && !isForeignKeyIndex(a.def, i),
  )
  if (index !== undefined) {
    dropUniqueDependents(a, index, cascade)
    // Regclass constants naming its index ('k'::regclass).
    const what = `constraint ${name} on table ${a.def.name}`
    const uses = { kind: 'index', what, cascade, current: a.def } as const
    a.def = dropSequenceUses(a.env, new Set([siblingName(a.def.name, name)]), uses) ?? a.def
    a.env.put(indexKeyOf(a.def.name, name), null)
    a.def = { ...a.def, indexes: a.def.indexes.filter((i) => i !== index) }
    return
  }
  if (a.def.checks.some((k) => k.name === name)) {
    a.def = { ...a.def, checks: a.def.checks.filter((k) => k.name !== name) }
    return
  }
  if (missingOk) return
  throw new SqlError('42704', `constraint "${name}" of relation "${bareName(a.def.name)}" does not exist`)
}

const isForeignKeyIndex = (def: TableDef, index: IndexDef) =>
  (def.foreignKeys ?? []).some((f) => f.ownsIndex === true && f.index === index.id)

/** Foreign keys that reference a unique constraint being dropped (2BP01 unless CASCADE). */
function dropUniqueDependents(a: Alter, index: IndexDef, cascade: boolean): void {
  dropReferencingForeignKeys(
    a,
    cascade,
    (fk) => fk.refIndex === index.id,
    `constraint ${index.name} on table ${a.def.name}`,
    `index ${index.name}`,
  )
}

/** Foreign keys (of any table, this one included) for which `dependsOn` holds: 2BP01 naming what
 * is dropped (`dropped`) and what each depends on (`dependency`) unless CASCADE, else detached. */
function dropReferencingForeignKeys(
  a: Alter,
  cascade: boolean,
  dependsOn: (fk: ForeignKeyDef) => boolean,
  dropped: string,
  dependency: string,
): void {
  for (const ref of a.def.referencedBy ?? []) {
    const child = ref.table === a.def.name ? a.def : a.env.findTable(ref.table)?.def
    const fk = child?.foreignKeys?.find((f) => f.name === ref.name)
    if (fk === undefined || !dependsOn(fk)) continue
    if (!cascade) {
      throw new SqlError('2BP01', `cannot drop ${dropped} because other objects depend on it`, {
        detail: `constraint ${ref.name} on table ${ref.table} depends on ${dependency}`,
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      })
    }
    if (ref.table === a.def.name) a.def = detachForeignKey(a.env, a.def, ref.name)
    else
      a.env.put(
        schemaKey(ref.table),
        encodeTableDef(detachForeignKey(a.env, child as TableDef, ref.name)),
      )
  }
}

/** ALTER COLUMN ADD GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(options)]: a new owned sequence;
 * existing values stay. */
function addIdentity(a: Alter, cmd: AlterTableCmd): void {
  const col = requireColumn(a.def, cmd.name ?? '')
  const k = cmd.def !== undefined && 'Constraint' in cmd.def ? cmd.def.Constraint : undefined
  if (k === undefined) throw featureNotSupported('this ADD GENERATED form')
  // PostgreSQL's order and codes (55000 each): NOT NULL first, as an identity column is created
  // NOT NULL and adding one to a nullable column would make a state CREATE TABLE cannot; then an
  // identity already there; then any default (a generation expression is one, as a serial's).
  const relation = bareName(a.def.name)
  if (!col.notNull && !a.def.primaryKey.includes(col.position))
    throw new SqlError(
      '55000',
      `column "${col.name}" of relation "${relation}" must be declared NOT NULL before identity can be added`,
    )
  if (col.identity !== undefined)
    throw new SqlError('55000', `column "${col.name}" of relation "${relation}" is already an identity column`)
  if (col.default !== undefined || col.sequence !== undefined || col.generated !== undefined) {
    throw new SqlError('55000', `column "${col.name}" of relation "${relation}" already has a default value`)
  }
  if (!['int2', 'int4', 'int8'].includes(col.type.kind))
    throw new SqlError('22023', 'identity column type must be smallint, integer, or bigint')
  requireNoNulls(a, col)
  const identity = k.generated_when === 'a' ? 'always' : 'by default'
  const draft = {
    name: col.name,
    type: col.type,
    notNull: true,
    owns: { serial: false, options: k.options ?? [] },
    identity,
  } as const
  a.def = withColumn(a.def, { ...col, notNull: true, identity })
  a.def = ownSequences(a.env, a.def, [
    { position: col.position, column: { ...draft, owns: draft.owns } },
  ])
}

/** ALTER COLUMN DROP IDENTITY [IF EXISTS]: the sequence goes, the values stay. */
function dropIdentity(a: Alter, name: string, missingOk: boolean): void {
  const col = requireColumn(a.def, name)
  if (col.identity === undefined) {
    if (missingOk) return
    throw new SqlError(
      '55000',
      `column "${name}" of relation "${bareName(a.def.name)}" is not an identity column`,
    )
  }
  a.def = withColumn(a.def, { ...col, identity: undefined, sequence: undefined })
  if (col.sequence === undefined) return
  const uses = { what: `sequence ${col.sequence}`, cascade: false, current: a.def }
  a.def = dropSequenceUses(a.env, new Set([col.sequence]), uses) ?? a.def
  a.env.put(sequenceKey(col.sequence), null)
}

/** ALTER COLUMN SET GENERATED {ALWAYS | BY DEFAULT} / RESTART [WITH n] / SET sequence options. */
function setIdentity(a: Alter, cmd: AlterTableCmd): void {
  const col = requireColumn(a.def, cmd.name ?? '')
  if (col.identity === undefined || col.sequence === undefined) {
    throw new SqlError(
      '55000',
      `column "${col.name}" of relation "${bareName(a.def.name)}" is not an identity column`,
    )
  }
  const items = cmd.def !== undefined && 'List' in cmd.def ? (cmd.def.List.items ?? []) : []
  const generated = items.find((n) => 'DefElem' in n && n.DefElem.defname === 'generated')
  if (generated !== undefined && 'DefElem' in generated) {
    const arg = generated.DefElem.arg
    const code = arg !== undefined && 'Integer' in arg ? arg.Integer.ival : undefined
    a.def = withColumn(a.def, { ...col, identity: code === 97 ? 'always' : 'by default' })
  }
  const options = items.filter((n) => n !== generated)
  if (options.length === 0) return
  const raw = a.env.view.get(sequenceKey(col.sequence))
  if (raw === undefined) return
  putSequence(a.env, a.run.exec.tx.alteredSequence(JSON.parse(raw) as SequenceDef, options))
}

/** ALTER COLUMN DROP EXPRESSION [IF EXISTS]: a generated column becomes a plain one, its stored
 * values kept. */
function dropExpression(a: Alter, name: string, missingOk: boolean): void {
  const col = requireColumn(a.def, name)
  if (col.generated === undefined) {
    if (missingOk) return
    throw new SqlError(
      '55000',
      `column "${name}" of relation "${bareName(a.def.name)}" is not a generated column`,
    )
  }
  a.def = withColumn(a.def, { ...col, generated: undefined })
}

/**
 * ALTER COLUMN [SET DATA] TYPE t [USING expr]. A change that keeps every stored value and key as
 * it is (the same type, a wider integer, a longer varchar, varchar to text) without USING only
 * rewrites the definition; any other rewrites every row in this transaction, as PostgreSQL does:
 * USING (or the column itself) is evaluated on the row's old image and assignment-cast to the new
 * type, the column's indexes are rebuilt and its CHECKs re-validated (rewriteColumn).
 */
function alterType(a: Alter, cmd: AlterTableCmd): void {
  const col = requireColumn(a.def, cmd.name ?? '')
  if (cmd.def === undefined || !('ColumnDef' in cmd.def))
    throw featureNotSupported('this ALTER COLUMN TYPE form')
  const to = resolveTypeName(cmd.def.ColumnDef.typeName ?? {}, a.env.binder.types, a.env.sql)
  const collation = cmd.def.ColumnDef.collClause
  if (collation !== undefined) checkCollation(collation.collname ?? [], to)
  const using = cmd.def.ColumnDef.raw_default
  // USING the column itself is the statement without USING (drizzle-kit writes it out).
  const sameColumn =
    using !== undefined &&
    'ColumnRef' in using &&
    using.ColumnRef.fields?.length === 1 &&
    stringOf(using.ColumnRef.fields[0]) === col.name
  const reads = (i: IndexDef) => indexReadsColumn(a.env.parse, i, col)
  // An index expression or predicate over the column may compute other values of the new type
  // (`(c::text)` of a timestamp becoming timestamptz): their entries are computed again, as a
  // rewrite of the rows does.
  const computed = [...a.def.indexes, ...(a.def.buildingIndexes ?? [])].some((i) => !isPlainIndex(i) && reads(i))
  const rewrite = (using !== undefined && !sameColumn) || !keepsValues(col.type, to) || (computed && !typesEqual(col.type, to))
  const convert = rewrite ? conversionOf(a, col, to, sameColumn ? undefined : using) : undefined
  // PostgreSQL drops and rebuilds the column's indexes and key constraints (whatever the types),
  // which regclass constants naming one forbid: 2BP01 (the statement has no CASCADE). Tessera
  // keeps them (rebuilding their entries when the rows are rewritten), but answers the same.
  const declaredKey = a.def.primaryKey.every((p) => a.def.columns[p]?.hidden !== true)
  const indexes = [
    ...(declaredKey && a.def.primaryKey.includes(col.position) ? [{ name: a.def.primaryKeyName, constraint: true, key: true }] : []),
    ...[...a.def.indexes, ...(a.def.buildingIndexes ?? [])].filter(reads),
  ]
  for (const index of indexes) {
    const name = siblingName(a.def.name, index.name)
    // A primary key goes with its column's NOT NULL constraint (PostgreSQL 18): two objects.
    const what = 'key' in index ? undefined : index.constraint ? `constraint ${index.name} on table ${a.def.name}` : `index ${name}`
    dropSequenceUses(a.env, new Set([name]), { kind: 'index', what, cascade: false, current: a.def })
  }
  const before = a.def
  a.def = withColumn(a.def, { ...col, type: to })
  if (convert === undefined) return
  try {
    rewriteColumn(a, before, col.position, convert)
  } catch (e) {
    // The transaction's limits' own hint (smaller transactions) does not apply: one statement
    // rewrites the whole table, which PostgreSQL does not limit.
    if (!(e instanceof SqlError) || e.code !== '54000') throw e
    throw new SqlError('54000', `ALTER COLUMN TYPE rewrites every row of "${bareName(a.def.name)}": ${e.message}`, {
      detail: 'Changing the stored values of a column writes every row in the statement\'s transaction.',
      hint: 'Add a column of the new type, fill it in batches of transactions, then drop the old column and rename the new one.',
    })
  }
}

/**
 * The expression computing a column's new value from a row's old image: USING (any column of the
 * row; no subquery, aggregate or window call, as PostgreSQL's transform expressions) or the column
 * itself, assignment-cast to `to` (42804, PostgreSQL's messages, when no such cast exists).
 * Refuses (0A000) what Tessera cannot rewrite in place: a key column's rows would move.
 */
function conversionOf(a: Alter, col: ColumnDef, to: SqlType, using: Node | undefined): Expr {
  const refuse = (why: string) =>
    featureNotSupported(`ALTER COLUMN TYPE from ${formatType(col.type)} to ${formatType(to)} of ${why}`)
  if (a.def.primaryKey.includes(col.position)) throw refuse('a primary key column (it would move every row)')
  const inForeignKey = (a.def.foreignKeys ?? []).some((fk) => fk.columns.includes(col.position))
  // A referenced column is a key: a unique index holds it (the primary key was refused above).
  const referenced =
    (a.def.referencedBy ?? []).length > 0 && a.def.indexes.some((i) => i.unique && i.columns.includes(col.position))
  if (inForeignKey || referenced) throw refuse('a column of a foreign key or a key other tables may reference')
  if (col.generated !== undefined) throw refuse('a generated column')
  const generated = a.def.columns.find(
    (g) => !g.hidden && g.generated !== undefined && mentionsColumn(g.generated, col.name),
  )
  if (generated !== undefined) {
    throw new SqlError('0A000', 'cannot alter type of a column used by a generated column', {
      detail: `Column "${col.name}" is used by generated column "${generated.name}".`,
    })
  }
  if (using !== undefined && containsNode(using, 'SubLink'))
    throw new SqlError('0A000', 'cannot use subquery in transform expression')
  const b = new Binder(0, a.env.binder.types)
  const scope = tableScope(tableOf(a.def), a.def.name)
  const value =
    using === undefined
      ? b.bind({ ColumnRef: { fields: [{ String: { sval: col.name } }] } }, scope, { clause: 'transform expressions' })
      : b.bind(using, scope, { clause: 'transform expressions' })
  const castable = (from: SqlType) =>
    from.kind === 'unknown' || typesEqual(from, to) || canCast(from, to, 'assignment')
  if (!castable(value.type)) {
    const what = using === undefined ? `column "${col.name}"` : `result of USING clause for column "${col.name}"`
    const hint =
      using === undefined
        ? `You might need to specify "USING ${quoteIdent(col.name)}::${formatType(to)}".`
        : 'You might need to add an explicit cast.'
    throw new SqlError('42804', `${what} cannot be cast automatically to type ${formatType(to)}`, { hint })
  }
  // PostgreSQL casts the stored default (of the old type) to the new type; Tessera keeps its
  // source text, bound to the new type when used, but refuses what PostgreSQL refuses.
  if (col.default !== undefined && !castable(col.type))
    throw new SqlError('42804', `default for column "${col.name}" cannot be cast automatically to type ${formatType(to)}`)
  return b.coerce(value, to, 'assignment')
}

/** Whether a parse tree holds a node of `kind` anywhere. */
function containsNode(tree: unknown, kind: string): boolean {
  if (Array.isArray(tree)) return tree.some((child) => containsNode(child, kind))
  if (typeof tree !== 'object' || tree === null) return false
  return Object.entries(tree).some(([key, child]) => key === kind || containsNode(child, kind))
}

/**
 * Writes every row again with column `position` converted (PostgreSQL's table rewrite), in this
 * transaction: its limits (rows modified, bytes) hold, so a table too big for one transaction
 * answers 54000 and the catalog change goes with it. The column's index entries (in the old
 * type's key form) all go first, so the new ones collide only with each other: 23505 when the
 * conversion makes two keys equal. NOT NULL and every CHECK are validated on each new image
 * (23502, 23514); generated columns cannot read the column (conversionOf).
 */
function rewriteColumn(a: Alter, before: TableDef, position: number, convert: Expr): void {
  const old = tableOf(before)
  const table = tableOf(a.def)
  const sink = a.run.sink
  const ctx = a.run.exec.eval
  const writer = new TableWriter(table, sink, a.env.parse, ctx)
  const column = table.columns[position]!
  const indexes = [...a.def.indexes, ...(a.def.buildingIndexes ?? [])].filter((i) => indexReadsColumn(a.env.parse, i, before.columns[position]!))
  // Expressions over the column bind to its old type for the old entries, to its new one for the
  // new (an expression that no longer binds fails as PostgreSQL's rebuilt index does: 42883, ...).
  const oldKeys = indexKeysOf(old, a.env.parse, a.env.binder.storedTypes)
  const newKeys = indexKeysOf(table, a.env.parse, a.env.binder.storedTypes)
  const keysOf = (keys: ReadonlyMap<number, IndexKeys>, index: IndexDef): IndexKeys => {
    const found = keys.get(index.id)
    assert(found !== undefined, 'a rewritten index is an index of the table')
    return found
  }
  for (const index of indexes) requireImmutable(keysOf(newKeys, index))
  // Built with the new type: a CHECK that no longer binds answers as in PostgreSQL (42883, ...).
  const checks = constraintsOf(table, a.env.parse, a.env.binder.storedTypes).checks
  const rows = [...a.env.view.scan(old.rowsStart, old.rowsEnd)].map((kv) => ({
    key: kv.key,
    row: decodeStoredRow(old, kv.value),
  }))
  for (const { row } of rows) {
    a.env.tick()
    for (const index of indexes) {
      const entry = entryOf(old, keysOf(oldKeys, index), row, ctx)
      if (entry !== undefined) sink.put(entry.key, null)
    }
  }
  for (const { key, row } of rows) {
    a.env.tick()
    // Dropped columns' slots are emptied, as any write of a row does.
    const updated = row.map((v, i) => (table.columns[i]?.dropped === true ? null : v))
    updated[position] = evaluate(convert, row, ctx)
    // PostgreSQL's messages are those of a constraint validated over existing rows and of an
    // index built, not those of a row written.
    if (column.notNull && updated[position] === null) {
      throw new SqlError('23502', `column "${column.name}" of relation "${bareName(a.def.name)}" contains null values`)
    }
    for (const check of checks) {
      if (evaluate(check.expr, updated, ctx) === false) {
        throw new SqlError('23514', `check constraint "${check.name}" of relation "${bareName(a.def.name)}" is violated by some row`)
      }
    }
    const conflict = writer.findConflict(updated, key)
    if (conflict !== undefined && conflict.index !== 'primary') {
      const error = writer.uniqueError(conflict, updated)
      const detail = error instanceof SqlError ? error.detail?.replace(/ already exists\.$/, ' is duplicated.') : undefined
      throw new SqlError('23505', `could not create unique index "${conflict.index.name}"`, { detail })
    }
    assert(conflict === undefined, 'a rewrite keeps every primary key')
    sink.countRow()
    sink.put(key, encodeStoredRow(table, updated))
    for (const index of indexes) {
      const entry = entryOf(table, keysOf(newKeys, index), updated, ctx)
      if (entry === undefined) continue
      checkKeyBytes(entry.headChars, table, index)
      sink.put(entry.key, entry.value)
    }
  }
}

const INTEGER_WIDTH: Record<string, number> = { int2: 2, int4: 4, int8: 8 }

/** Stored values and keys of integers are one form whatever the width, and timestamps are
 * microseconds with or without time zone (TimeZone is always UTC), so these keep every value. */
function keepsValues(from: SqlType, to: SqlType): boolean {
  if (typesEqual(from, to)) return true
  const [a, b] = [INTEGER_WIDTH[from.kind], INTEGER_WIDTH[to.kind]]
  if (a !== undefined && b !== undefined) return b >= a
  const times = ['timestamp', 'timestamptz']
  const bothTimes = from.kind === 'time' && to.kind === 'time'
  if (bothTimes || (times.includes(from.kind) && times.includes(to.kind))) {
    const p = (t: SqlType) => ('precision' in t ? t.precision : undefined) ?? 6
    return p(to) >= p(from)
  }
  if (from.kind !== 'varchar' || (to.kind !== 'varchar' && to.kind !== 'text')) return false
  if (to.kind === 'text' || to.length === undefined) return true
  return from.length !== undefined && to.length >= from.length
}

/** ALTER TABLE ... RENAME [COLUMN | CONSTRAINT] ... / ALTER TABLE RENAME TO / ALTER INDEX RENAME. */
export function renameObject(env: DdlEnv, s: RenameStmt): void {
  const name = relationName(s.relation)
  // ALTER INDEX renames a table or a sequence too (views are renameView's), as in PostgreSQL.
  const kind = relationKind(env, name)
  if (s.renameType === 'OBJECT_INDEX' && kind !== 'table' && kind !== 'sequence')
    return renameIndex(env, name, s.newname ?? '', s.missing_ok === true)
  if (s.renameType === 'OBJECT_SEQUENCE') {
    return renameSequence(env, name, siblingName(name, s.newname ?? ''), s.missing_ok === true, { RenameStmt: s })
  }
  const table = env.findTable(name)
  if (table === undefined) {
    // ALTER TABLE renames any relation (views are renameView's); a sequence has no columns or
    // constraints to rename.
    if (kind === 'sequence') {
      if (s.renameType === 'OBJECT_TABLE' || s.renameType === 'OBJECT_INDEX')
        return renameSequence(env, name, siblingName(name, s.newname ?? ''), false, { RenameStmt: s })
      throw new SqlError('42809', `cannot rename columns of relation "${bareName(name)}"`, {
        detail: 'This operation is not supported for sequences.',
      })
    }
    // A view or an index has no constraints: PostgreSQL finds none by that name (also under IF
    // EXISTS).
    if ((kind === 'view' || kind === 'index') && s.renameType === 'OBJECT_TABCONSTRAINT') throw missingConstraint(s.subname ?? '', name)
    if (kind === 'index') {
      if (s.renameType === 'OBJECT_TABLE') return renameIndex(env, name, s.newname ?? '', false)
      throw featureNotSupported('ALTER TABLE ... RENAME COLUMN on an index')
    }
    if (s.missing_ok === true) return
    throw missingRelation(env, name)
  }
  switch (s.renameType) {
    case 'OBJECT_COLUMN':
      return env.put(
        table.schemaKey,
        encodeTableDef(renameColumn(env, table.def, s.subname ?? '', s.newname ?? '')),
      )
    case 'OBJECT_TABCONSTRAINT':
      return env.put(
        table.schemaKey,
        encodeTableDef(renameConstraint(env, table.def, s.subname ?? '', s.newname ?? '')),
      )
    case 'OBJECT_TABLE':
    case 'OBJECT_INDEX': {
      const moved = renameTable(env, table, siblingName(table.name, s.newname ?? ''))
      assert(moved.length === 0, 'a rename in its schema moves no sequence')
      return
    }
    default:
      throw featureNotSupported(`ALTER ${(s.renameType ?? '').replace('OBJECT_', '')} RENAME`)
  }
}

function renameColumn(env: DdlEnv, def: TableDef, from: string, to: string): TableDef {
  // PostgreSQL's rename names no relation here, unlike the other ALTER TABLE commands.
  const col = visibleColumn(def, from)
  if (col === undefined) throw undefinedColumn(from)
  if (visibleColumn(def, to) !== undefined)
    throw new SqlError('42701', `column "${to}" of relation "${bareName(def.name)}" already exists`)
  for (const seq of ownedSequences(env, def.name, from))
    putSequence(env, { ...seq, ownedBy: { table: def.name, column: to } })
  const checks = def.checks.map((k) => ({ ...k, expr: renameIn(k.expr, from, to) }))
  const columns = def.columns.map((c) =>
    c.generated === undefined ? c : { ...c, generated: renameIn(c.generated, from, to) },
  )
  // Index expressions and predicates name columns as CHECKs do.
  const indexes = def.indexes.map((i) => renameIndexColumn(env.parse, i, from, to))
  const building = def.buildingIndexes?.map((i) => renameIndexColumn(env.parse, i, from, to))
  return withColumn(
    { ...def, checks, columns, indexes, ...(building === undefined ? {} : { buildingIndexes: building }) },
    { ...(columns[col.position] as ColumnDef), name: to },
  )
}

/** RENAME CONSTRAINT naming none of relation `relation`'s: PostgreSQL names the relation bare. */
function missingConstraint(name: string, relation: string): SqlError {
  return new SqlError('42704', `constraint "${name}" for table "${bareName(relation)}" does not exist`)
}

function renameConstraint(env: DdlEnv, def: TableDef, from: string, to: string): TableDef {
  if (namesOf(def).has(to))
    throw new SqlError('42710', `constraint "${to}" for relation "${bareName(def.name)}" already exists`)
  if (def.checks.some((k) => k.name === from))
    return { ...def, checks: def.checks.map((k) => (k.name === from ? { ...k, name: to } : k)) }
  const fk = (def.foreignKeys ?? []).find((f) => f.name === from)
  if (fk !== undefined) {
    relinkReferences(
      env,
      def,
      (r) => (r.table === def.name && r.name === from ? { ...r, name: to } : r),
      fk.refTable,
    )
    const renamed = {
      ...def,
      foreignKeys: (def.foreignKeys ?? []).map((f) => (f === fk ? { ...f, name: to } : f)),
    }
    return fk.refTable === def.name
      ? {
          ...renamed,
          referencedBy: (renamed.referencedBy ?? []).map((r) =>
            r.name === from && r.table === def.name ? { ...r, name: to } : r,
          ),
        }
      : renamed
  }
  if (from === declaredKeyName(def) || def.indexes.some((i) => i.constraint && i.name === from))
    return renameIndexIn(env, def, from, to)
  throw missingConstraint(from, def.name)
}

/** Rewrites the `referencedBy` list of table `parent` (not `def` itself) through `map`. */
function relinkReferences(
  env: DdlEnv,
  def: TableDef,
  map: (r: { table: string; name: string }) => { table: string; name: string },
  parent: string,
): void {
  if (parent === def.name) return
  const p = env.findTable(parent)
  if (p !== undefined)
    env.put(
      p.schemaKey,
      encodeTableDef({ ...p.def, referencedBy: (p.def.referencedBy ?? []).map(map) }),
    )
}

/** Renames index `from` of table `def` (names bare) and returns the table's definition for the
 * caller to write. The regclass constants naming the index ('i'::regclass) in defaults, checks
 * and views follow it, as PostgreSQL's hold its OID. */
function renameIndexIn(env: DdlEnv, def: TableDef, from: string, to: string): TableDef {
  if (relationNameTaken(env, siblingName(def.name, to)))
    throw new SqlError('42P07', `relation "${to}" already exists`)
  env.put(indexKeyOf(def.name, from), null)
  env.put(indexKeyOf(def.name, to), def.name)
  const [qualifiedFrom, qualifiedTo] = [siblingName(def.name, from), siblingName(def.name, to)]
  followSequenceRename(env, qualifiedFrom, qualifiedTo, { skip: new Set([def.name]) })
  const followed = withSequenceRenamed(env.parse, def, qualifiedFrom, qualifiedTo)
  if (from === followed.primaryKeyName) return { ...followed, primaryKeyName: to }
  return { ...followed, indexes: followed.indexes.map((i) => (i.name === from ? { ...i, name: to } : i)) }
}

function renameIndex(env: DdlEnv, from: string, to: string, missingOk: boolean): void {
  const tableName = env.view.get(indexNameKey(from))
  if (tableName === undefined) {
    if (missingOk) return
    throw missingRelation(env, from)
  }
  const table = env.table(tableName)
  env.put(table.schemaKey, encodeTableDef(renameIndexIn(env, table.def, bareName(from), to)))
}

/** A sequence or an index a table's move took along: its name before and after. */
export interface MovedSequence {
  readonly from: string
  readonly to: string
}

/** RENAME TO: the definition moves to the new name's key (rows stay under the table id); index
 * names, owned sequences and foreign keys on either side follow. Returns the sequences and
 * indexes it moved to another schema: the defaults and checks naming them follow here, the views
 * are the caller's (followSequenceRenameInViews, once the views followed the table). */
function renameTable(env: DdlEnv, table: Table, to: string): MovedSequence[] {
  if (relationNameTaken(env, to)) throw new SqlError('42P07', `relation "${bareName(to)}" already exists`)
  const from = table.name
  const rename = (n: string) => (n === from ? to : n)
  let def: TableDef = {
    ...table.def,
    name: to,
    foreignKeys: table.def.foreignKeys?.map((f) => ({ ...f, refTable: rename(f.refTable) })),
    referencedBy: table.def.referencedBy?.map((r) => ({ ...r, table: rename(r.table) })),
  }
  for (const f of table.def.foreignKeys ?? [])
    relinkReferences(env, table.def, (r) => ({ ...r, table: rename(r.table) }), f.refTable)
  for (const r of table.def.referencedBy ?? []) {
    if (r.table === from) continue
    const child = env.findTable(r.table)
    if (child !== undefined) {
      env.put(
        child.schemaKey,
        encodeTableDef({
          ...child.def,
          foreignKeys: child.def.foreignKeys?.map((f) => ({ ...f, refTable: rename(f.refTable) })),
        }),
      )
    }
  }
  if ((table.def.buildingIndexes?.length ?? 0) > 0) followTableChange(env, from, table.def.id, to, table.def.id)
  const moved = schemaOf(from) !== schemaOf(to)
  // The sequences it owns follow, into the new schema too (as PostgreSQL moves them), and so do
  // the defaults and checks that name them.
  const movedSequences: MovedSequence[] = []
  for (const seq of ownedSequences(env, from)) {
    const name = moved ? siblingName(to, bareName(seq.name)) : seq.name
    if (name !== seq.name) {
      if (relationNameTaken(env, name)) {
        throw new SqlError(
          '42P07',
          `relation "${bareName(name)}" already exists in schema "${schemaOf(to)}"`,
        )
      }
      env.put(sequenceKey(seq.name), null)
      def = withSequenceRenamed(env.parse, def, seq.name, name)
      followSequenceRename(env, seq.name, name, { skip: new Set([from]), views: false })
      movedSequences.push({ from: seq.name, to: name })
    }
    const ownedBy = seq.ownedBy === undefined ? undefined : { ...seq.ownedBy, table: to }
    putSequence(env, { ...seq, name, ownedBy })
  }
  for (const n of indexNamesOf(def)) {
    if (moved && relationNameTaken(env, siblingName(to, n)))
      throw new SqlError('42P07', `relation "${n}" already exists`)
    if (moved) {
      env.put(indexKeyOf(from, n), null)
      // Regclass constants naming the index follow it into the new schema, as a sequence's.
      const [indexFrom, indexTo] = [siblingName(from, n), siblingName(to, n)]
      def = withSequenceRenamed(env.parse, def, indexFrom, indexTo)
      followSequenceRename(env, indexFrom, indexTo, { skip: new Set([from]), views: false })
      movedSequences.push({ from: indexFrom, to: indexTo })
    }
    env.put(indexKeyOf(to, n), to)
  }
  env.put(table.schemaKey, null)
  env.put(schemaKey(to), encodeTableDef(def))
  return movedSequences
}

/** ALTER TABLE [IF EXISTS] name SET SCHEMA s: the table, its indexes and its owned sequences move
 * (returned: the views naming them are the caller's, see renameTable). */
export function setSchema(env: DdlEnv, s: AlterObjectSchemaStmt): MovedSequence[] {
  if (s.objectType !== 'OBJECT_TABLE')
    throw featureNotSupported(`ALTER ${(s.objectType ?? '').replace('OBJECT_', '')} SET SCHEMA`)
  const name = relationName(s.relation)
  const table = env.findTable(name)
  if (table === undefined) {
    // A sequence is the caller's (setSequenceSchema); an index moves only with its table.
    if (relationKind(env, name) === 'index') {
      throw new SqlError('42809', `cannot change schema of index "${bareName(name)}"`, {
        hint: 'Change the schema of the table instead.',
      })
    }
    if (s.missing_ok === true) return []
    throw missingRelation(env, name)
  }
  const schema = s.newschema ?? ''
  if (!schemaHeld(env, schema))
    throw undefinedSchema(schema)
  return renameTable(env, table, qualifiedName(schema, bareName(name)))
}
