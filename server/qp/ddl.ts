// Transactional DDL (ARCHITECTURE.md "Keys and rows"): CREATE/DROP TABLE and INDEX write catalog
// keys through the write buffer like any row, so they commit, conflict and replicate like data.
import type {
  ColumnDef as PgColumnDef,
  Constraint,
  CreateStmt,
  DropStmt,
  IndexStmt,
  Node,
  TruncateStmt,
} from 'libpg-query'
import type { Key } from '../encoding/index.ts'
import {
  assert,
  duplicateColumn,
  duplicateTable,
  featureNotSupported, featuresNotSupported,
  SqlError,
} from '../errors/index.ts'
import { formatText, formatType, hasKeyForm, type Datum, type SqlType } from './types/index.ts'
import { Binder, checkCollation, EMPTY_SCOPE, resolveTypeName, stringOf } from './binder.ts'
import {
  encodeTableDef,
  bareName,
  indexKeyOf,
  indexNamesOf,
  isPlainIndex,
  missingSchema,
  indexNameKey,
  schemaKey,
  siblingName,
  sequenceKey,
  tableFromDef,
  type CheckDef,
  type ColumnDef,
  type IndexDef,
  type Table,
  type TableDef,
} from './catalog.ts'
import { COLUMNS_MAX, IDENTIFIER_LENGTH_MAX, SPLIT_TRANSACTION_HINT } from './constants.ts'
import { checkSourceText, defaultSourceText } from './parser.ts'
import { foldClockLiterals } from './clock-literals.ts'
import { checkKeyBytes, decodeStoredRow, indexEntry, type IndexEntry } from './rows.ts'
import { entryOf, indexKeys, keyDetail } from './index-keys.ts'
import { indexShape, unqualifiedColumns } from './index-definition.ts'
import { alterTable, mentionsColumn, renameObject, setSchema } from './alter-table.ts'
import { createTableAs } from './create-table-as.ts'
import { randomUuid } from './functions.ts'
import type { Result } from './index.ts'
import { dropDependentViews } from './views.ts'
import { qualifiedName as relationName } from './from.ts'
import { DependentViews } from './view-dependencies.ts'
import { followColumnRename, followRelationRename, renameView, setViewSchema } from './view-renames.ts'
import { createIndexAsync, followTableChange, isIndexAsync } from './index-jobs.ts'
import { createSchema, dropSchema } from './schemas.ts'
import { alterEnum, checkTypeNameFree, createEnum, dropTypes } from './enums.ts'
import type { ExecContext } from './executor.ts'
import { attachForeignKeys, detachForDrop } from './foreign-key-ddl.ts'
import type { WriteSink } from './table-writer.ts'
import { foreignKeyDraft, type ForeignKeyDraft } from './foreign-keys.ts'
import { someExpr, type EvalContext } from './expr.ts'
import { tableScope, type BindEnv } from './select.ts'
import {
  allocateObjectId,
  alterSequence,
  alteredSequence,
  createSequence,
  type SequenceDef,
  dropSequence,
  putSequence,
  qualifiedName,
  KIND_PLURAL,
  cannotOpenIndex,
  dropMissing,
  refuseOtherKind,
  dropWrongKind,
  relationKind,
  relationNameTaken,
  sequenceDef,
  setSequenceSchema,
} from './sequences.ts'
import { dropOwnedSequences, dropSequenceUses, followSequenceRenameInViews, ownedSequences, useDefaultSequences, useSequences, type UsedKind } from './sequence-uses.ts'
import type { SnapshotView } from './snapshot-view.ts'

/** What DDL needs from the transaction besides binding. */
export interface DdlEnv extends BindEnv {
  readonly sql: string
  /** The transaction's time, microseconds since 1970: the value of the clock words ('today',
   * 'now') that DEFAULT, CHECK and view texts fold when created (clock-literals.ts). */
  readonly nowUs: bigint
  readonly view: SnapshotView
  findTable(name: string): Table | undefined
  put(key: string, value: string | null): void
  /** Adds `key` to the commit's conflict check and records it there, as FOR UPDATE does a row's:
   * of two transactions that lock one key, the second to commit gets 40001 (relationNameClaim). */
  lock(key: Key): void
  /** Adds `key` to the commit's read check: the commit gets 40001 if another transaction wrote
   * it after this snapshot (schemaHeld). */
  read(key: Key): void
  /** Counts a row processed (statement timeout). */
  tick(): void
}

const ROW_ID: SqlType = { kind: 'int8' }

/** The command tag of a DDL statement Tessera runs; undefined when `stmt` is not one. */
export function ddlCommand(stmt: Node): string | undefined {
  if ('CreateStmt' in stmt) return 'CREATE TABLE'
  if ('CreateTableAsStmt' in stmt) return 'CREATE TABLE AS'
  if ('AlterTableStmt' in stmt) return 'ALTER TABLE'
  if ('RenameStmt' in stmt) {
    const what = stmt.RenameStmt.renameType
    return what === 'OBJECT_INDEX'
      ? 'ALTER INDEX'
      : what === 'OBJECT_SEQUENCE'
        ? 'ALTER SEQUENCE'
        : what === 'OBJECT_VIEW' || stmt.RenameStmt.relationType === 'OBJECT_VIEW'
          ? 'ALTER VIEW'
          : 'ALTER TABLE'
  }
  if ('IndexStmt' in stmt) return 'CREATE INDEX'
  if ('CreateSeqStmt' in stmt) return 'CREATE SEQUENCE'
  if ('AlterSeqStmt' in stmt) return 'ALTER SEQUENCE'
  if ('AlterObjectSchemaStmt' in stmt) {
    const what = stmt.AlterObjectSchemaStmt.objectType
    return what === 'OBJECT_VIEW' ? 'ALTER VIEW' : what === 'OBJECT_SEQUENCE' ? 'ALTER SEQUENCE' : 'ALTER TABLE'
  }
  if ('TruncateStmt' in stmt) return 'TRUNCATE TABLE'
  if ('CreateSchemaStmt' in stmt) return 'CREATE SCHEMA'
  if ('CreateEnumStmt' in stmt) return 'CREATE TYPE'
  if ('AlterEnumStmt' in stmt) return 'ALTER TYPE'
  if ('DropStmt' in stmt) {
    const what = DROPPABLE[stmt.DropStmt.removeType ?? '']
    return what === undefined ? undefined : `DROP ${what}`
  }
  return undefined
}

const DROPPABLE: Record<string, string> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_INDEX: 'INDEX',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_TYPE: 'TYPE',
}

/** What DDL that reads or writes rows needs besides the catalog (ALTER TABLE). */
export interface DdlRun {
  readonly exec: ExecContext
  readonly sink: WriteSink
}

/** Runs a statement ddlCommand() named, writing the catalog through `env`. Returns a result when
 * the statement answers rows (CREATE INDEX ASYNC: its job id), else undefined. */
export function runDdl(env: DdlEnv, stmt: Node, run: DdlRun): Result | undefined {
  if ('CreateTableAsStmt' in stmt) return createTableAs(env, run, stmt.CreateTableAsStmt)
  if ('IndexStmt' in stmt) {
    const job = createIndex(env, stmt.IndexStmt, run)
    if (job === undefined) return undefined
    return {
      command: 'CREATE INDEX',
      rowCount: 1,
      fields: [{ name: 'job_id', type: 'text' }],
      rows: [[job]],
    }
  }
  if ('CreateStmt' in stmt) createTable(env, stmt.CreateStmt)
  else if ('AlterTableStmt' in stmt) {
    const relation = stmt.AlterTableStmt.relation
    const dependents = relation === undefined ? undefined : DependentViews.before(env, relationName(relation))
    alterTable(env, run, stmt.AlterTableStmt)
    if (relation !== undefined) dependents?.check(env, relationName(relation), stmt)
  } else if ('RenameStmt' in stmt) {
    const s = stmt.RenameStmt
    if (!renameView(env, s)) {
      const from = s.relation === undefined ? undefined : relationName(s.relation)
      const dependents = from === undefined || env.findTable(from) === undefined ? undefined : DependentViews.before(env, from)
      renameObject(env, s)
      if (dependents !== undefined && from !== undefined) {
        if (s.renameType === 'OBJECT_COLUMN') {
          followColumnRename(env, dependents, from, s.subname ?? '', s.newname ?? '')
          dependents.check(env, from, stmt)
        } else if (s.renameType === 'OBJECT_TABLE' || s.renameType === 'OBJECT_INDEX') {
          const to = siblingName(from, s.newname ?? '')
          followRelationRename(env, dependents, from, to)
          dependents.check(env, to, stmt)
        }
      }
    }
  }
  else if ('CreateSeqStmt' in stmt) createSequence(env, stmt.CreateSeqStmt)
  else if ('AlterSeqStmt' in stmt) alterSequence(env, stmt.AlterSeqStmt, run.exec.tx)
  else if ('AlterObjectSchemaStmt' in stmt) {
    const s = stmt.AlterObjectSchemaStmt
    // ALTER TABLE moves a sequence as ALTER SEQUENCE does, as in PostgreSQL.
    const sequence = s.objectType === 'OBJECT_TABLE' && s.relation !== undefined && relationKind(env, relationName(s.relation)) === 'sequence'
    if (s.objectType === 'OBJECT_SEQUENCE' || sequence) setSequenceSchema(env, s)
    else if (!setViewSchema(env, s)) {
      const from = s.relation === undefined ? undefined : relationName(s.relation)
      // The views reading the table or a sequence it owns (which moves with it) in FROM.
      const owned = from === undefined ? [] : ownedSequences(env, from).map((q) => q.name)
      const dependents = from === undefined || env.findTable(from) === undefined ? undefined : DependentViews.before(env, [from, ...owned])
      const moved = setSchema(env, s)
      const to = from === undefined ? undefined : qualifiedName(s.newschema, bareName(from))
      if (dependents !== undefined && from !== undefined && to !== undefined && to !== from) followRelationRename(env, dependents, from, to)
      // After the views followed the table (their edits are counted from the text they hold).
      for (const m of moved) {
        if (dependents === undefined) followSequenceRenameInViews(env, m.from, m.to)
        else followRelationRename(env, dependents, m.from, m.to)
      }
      if (dependents !== undefined && to !== undefined && to !== from) dependents.check(env, to, stmt)
    }
  }
  else if ('TruncateStmt' in stmt) truncate(env, stmt.TruncateStmt)
  else if ('CreateSchemaStmt' in stmt) createSchema(env, stmt.CreateSchemaStmt)
  else if ('CreateEnumStmt' in stmt) createEnum(env, stmt.CreateEnumStmt)
  else if ('AlterEnumStmt' in stmt) alterEnum(env, stmt.AlterEnumStmt)
  else if ('DropStmt' in stmt) {
    const s = stmt.DropStmt
    if (s.removeType === 'OBJECT_TABLE') dropTable(env, s)
    else if (s.removeType === 'OBJECT_INDEX') dropIndex(env, s)
    else if (s.removeType === 'OBJECT_SEQUENCE') dropSequence(env, s)
    else if (s.removeType === 'OBJECT_SCHEMA') dropSchema(env, s)
    else if (s.removeType === 'OBJECT_TYPE') dropTypes(env, s)
    else assert(false, 'ddlCommand named this statement')
  } else assert(false, 'ddlCommand named this statement')
  return undefined
}

export function createTable(env: DdlEnv, s: CreateStmt): void {
  const name = qualifiedName(s.relation?.schemaname, s.relation?.relname ?? '')
  rejectCreateOptions(s)
  const noSchema = missingSchema(env, name)
  if (noSchema !== undefined) throw noSchema
  if (relationNameTaken(env, name)) {
    if (s.if_not_exists === true) return
    throw duplicateTable(bareName(name))
  }
  checkTypeNameFree(env.view, name)
  const draft = new TableDraft(bareName(name))
  for (const element of s.tableElts ?? []) {
    if ('ColumnDef' in element) draft.column(env, element.ColumnDef)
    else if ('Constraint' in element) draft.tableConstraint(env.sql, element.Constraint)
    else throw featureNotSupported('LIKE in CREATE TABLE')
  }
  let def: TableDef = { ...draft.finish(allocateObjectId(env), (bare) => relationNameTaken(env, siblingName(name, bare))), name }
  def = validateExpressions(env, def)
  def = ownSequences(env, def, draft.owners)
  // After its serial columns' sequences exist: a default or check may name one (as in PostgreSQL,
  // which creates them before the table).
  useDefaultSequences(env, def.columns, name)
  for (const check of def.checks) useSequences(env, check.expr, 'expression', name)
  for (const indexName of indexNamesOf(def)) {
    if (relationNameTaken(env, siblingName(name, indexName))) throw duplicateTable(indexName)
    env.put(indexKeyOf(name, indexName), name)
  }
  def = attachForeignKeys(env, def, draft.foreignKeys)
  env.put(schemaKey(name), encodeTableDef(def))
}

function rejectCreateOptions(s: CreateStmt): void {
  if (s.relation?.relpersistence === 't') throw featuresNotSupported('temporary tables')
  if ((s.inhRelations?.length ?? 0) > 0) throw featureNotSupported('table inheritance')
  if (s.partspec !== undefined) throw featuresNotSupported('partitioned tables')
}

/** Creates the sequences of serial and identity columns, named as PostgreSQL names them. */
export function ownSequences(
  env: DdlEnv,
  def: TableDef,
  owners: readonly { position: number; column: DraftColumn }[],
): TableDef {
  if (owners.length === 0) return def
  const columns = def.columns.slice()
  const taken = new Set<string>()
  for (const { position, column } of owners) {
    const bare = chooseRelationName(env, def.name, [column.name], 'seq', taken)
    taken.add(bare)
    const name = siblingName(def.name, bare)
    const seq = sequenceDef(allocateObjectId(env), name, column.owns?.options ?? [], column.type)
    putSequence(env, { ...seq, ownedBy: { table: def.name, column: column.name } })
    const serialDefault = column.owns?.serial === true ? `nextval('${name}'::regclass)` : undefined
    columns[position] = {
      ...(columns[position] as ColumnDef),
      sequence: name,
      default: serialDefault,
    }
  }
  return { ...def, columns }
}

/** Defaults must bind without columns and cast to the column; checks must be boolean; generation
 * expressions bind over the row. Returns the definition with the clock-word literals of these
 * expressions folded to their values now (clock-literals.ts), as PostgreSQL stores them: all of
 * them, or with `only` those of that column (ALTER TABLE ADD COLUMN; its checks fold in
 * alter-table.ts). */
export function validateExpressions(env: DdlEnv, def: TableDef, only?: string): TableDef {
  const b = new Binder(0, env.binder.types)
  const table = tableFromDef(def)
  const fold = (col: ColumnDef, text: string, bind: (node: Node) => void): string => {
    if (only === undefined || col.name === only) return foldClockLiterals(env, b, text, bind)
    bind(env.parse.expression(text))
    return text
  }
  const withDefaults = def.columns.map((col) => {
    if (col.default === undefined || col.sequence !== undefined) return col
    const text = fold(col, col.default, (node) => {
      let e
      try {
        e = b.bind(node, EMPTY_SCOPE, { clause: 'DEFAULT' })
      } catch (err) {
        if (err instanceof SqlError && err.code === '42703')
          throw featureNotSupported('column references in DEFAULT')
        throw err
      }
      b.coerceToColumn(e, col.type, col.name)
    })
    return text === col.default ? col : { ...col, default: text }
  })
  const checks = def.checks.map((check) => {
    if (only !== undefined) return check
    const expr = foldClockLiterals(env, b, unqualifiedColumns(env.parse, check.expr), (node) => {
      b.bindCondition(node, tableScope(table, table.name), { clause: 'CHECK' })
    })
    return expr === check.expr ? check : { ...check, expr }
  })
  const columns = withDefaults.map((col) => {
    if (col.generated === undefined) return col
    const source = only === undefined || col.name === only ? unqualifiedColumns(env.parse, col.generated) : col.generated
    const text = fold(col, source, (node) => validateGenerated(b, table, col, node))
    return text === col.generated ? col : { ...col, generated: text }
  })
  return { ...def, columns, checks }
}

/** A generation expression binds over the row, casts to its column, and uses no generated column
 * (42P17, as PostgreSQL). */
function validateGenerated(b: Binder, table: Table, col: ColumnDef, node: Node): void {
  const text = col.generated as string
  const used = table.columns.find((g) => g.generated !== undefined && mentionsColumn(text, g.name))
  if (used !== undefined) {
    throw new SqlError(
      '42P17',
      `cannot use generated column "${used.name}" in column generation expression`,
      {
        detail: 'A generated column cannot reference another generated column.',
      },
    )
  }
  const e = b.bind(node, tableScope(table, table.name), {
    clause: 'generation expression',
  })
  // The row's whole value would include the column itself (PostgreSQL's 42P17 too). The table is
  // the scope's only item, so a row of a named type here is its own; a field of it, `(t).a`, binds
  // to the column and is fine.
  if (someExpr(e, (x) => x.kind === 'func' && x.name === 'row' && x.type.kind === 'record' && x.type.name !== undefined)) {
    throw new SqlError('42P17', 'cannot use whole-row variable in column generation expression', {
      detail: 'This would cause the generated column to depend on its own value.',
    })
  }
  b.coerceToColumn(e, col.type, col.name)
}

export interface DraftColumn {
  name: string
  type: SqlType
  notNull: boolean
  default?: string | undefined
  /** serial / identity: a sequence to create, owned by the column. */
  owns?: { readonly serial: boolean; readonly options: readonly Node[] } | undefined
  identity?: 'always' | 'by default' | undefined
  generated?: string | undefined
}

const SERIAL_TYPES: Record<string, SqlType> = {
  smallserial: { kind: 'int2' },
  serial2: { kind: 'int2' },
  serial: { kind: 'int4' },
  serial4: { kind: 'int4' },
  bigserial: { kind: 'int8' },
  serial8: { kind: 'int8' },
}

/** serial, bigserial, smallserial (no schema, no array, no modifier): their integer type. */
function serialType(c: PgColumnDef): SqlType | undefined {
  const names = (c.typeName?.names ?? []).map(stringOf)
  if (names.length !== 1 || (c.typeName?.arrayBounds?.length ?? 0) > 0) return undefined
  return SERIAL_TYPES[names[0] ?? '']
}

/** Collects columns and constraints of CREATE TABLE, naming constraints as PostgreSQL does. */
export class TableDraft {
  readonly #name: string
  readonly #columns: DraftColumn[] = []
  #primaryKey: string[] | undefined
  #primaryKeyName: string | undefined
  readonly #uniques: { columns: string[]; name: string | undefined }[] = []
  readonly #checks: { expr: string; name: string | undefined; column: string | undefined }[] = []
  readonly #foreignKeys: ForeignKeyDraft[] = []

  constructor(name: string) {
    this.#name = name
  }

  column(env: Pick<DdlEnv, 'sql' | 'binder'>, c: PgColumnDef): void {
    const sql = env.sql
    const name = c.colname ?? ''
    if (this.#columns.some((x) => x.name === name)) throw duplicateColumn(name)
    if (this.#columns.length >= COLUMNS_MAX)
      throw new SqlError('54011', `tables can have at most ${COLUMNS_MAX} columns`)
    const serial = serialType(c)
    const column: DraftColumn = {
      name,
      type: serial ?? resolveTypeName(c.typeName ?? {}, env.binder.types, env.sql),
      notNull: serial !== undefined,
    }
    if (c.collClause !== undefined) checkCollation(c.collClause.collname ?? [], column.type)
    if (serial !== undefined) column.owns = { serial: true, options: [] }
    this.#columns.push(column)
    for (const node of c.constraints ?? []) {
      assert('Constraint' in node, 'column constraints are Constraints')
      const k = node.Constraint
      switch (k.contype) {
        case 'CONSTR_NOTNULL':
          column.notNull = true
          break
        case 'CONSTR_NULL':
          break
        case 'CONSTR_DEFAULT':
          if (column.default !== undefined) throw this.#twice(name, 'multiple default values specified')
          if (column.owns !== undefined) throw this.#defaultAndIdentity(name, column.owns.serial)
          if (column.generated !== undefined) throw this.#defaultAndGenerated(name, 'default')
          column.default = defaultSourceText(sql, k.location ?? 0)
          break
        case 'CONSTR_GENERATED':
          if (column.generated !== undefined) throw this.#twice(name, 'multiple generation clauses specified')
          if (column.default !== undefined) throw this.#defaultAndGenerated(name, 'default')
          if (column.owns !== undefined) throw this.#defaultAndGenerated(name, 'identity')
          column.generated = checkSourceText(sql, k.location ?? 0)
          break
        case 'CONSTR_IDENTITY':
          if (column.identity !== undefined) throw this.#twice(name, 'multiple identity specifications')
          if (column.default !== undefined || column.owns !== undefined)
            throw this.#defaultAndIdentity(name, column.owns?.serial === true)
          if (!['int2', 'int4', 'int8'].includes(column.type.kind)) {
            throw new SqlError('22023', 'identity column type must be smallint, integer, or bigint')
          }
          column.owns = { serial: false, options: k.options ?? [] }
          column.identity = k.generated_when === 'a' ? 'always' : 'by default'
          column.notNull = true
          break
        case 'CONSTR_CHECK':
          this.#checks.push({
            expr: checkSourceText(sql, k.location ?? 0),
            name: k.conname,
            column: name,
          })
          break
        default:
          this.#keyConstraint(k, [name])
      }
    }
  }

  #defaultAndGenerated(column: string, other: 'default' | 'identity'): SqlError {
    return new SqlError(
      '42601',
      `both ${other} and generation expression specified for column "${column}" of table "${this.#name}"`,
    )
  }

  /** A clause given twice for one column (PostgreSQL's transformColumnDefinition). */
  #twice(column: string, what: string): SqlError {
    return new SqlError('42601', `${what} for column "${column}" of table "${this.#name}"`)
  }

  #defaultAndIdentity(column: string, serial: boolean): SqlError {
    if (serial)
      return new SqlError(
        '42601',
        `multiple default values specified for column "${column}" of table "${this.#name}"`,
      )
    return new SqlError(
      '42601',
      `both default and identity specified for column "${column}" of table "${this.#name}"`,
    )
  }

  /** What was declared, unresolved (ALTER TABLE ADD COLUMN / ADD CONSTRAINT resolve it against
   * an existing table). */
  parts() {
    return {
      columns: this.#columns as readonly DraftColumn[],
      primaryKey: this.#primaryKey,
      uniques: this.#uniques as readonly {
        readonly columns: readonly string[]
        readonly name: string | undefined
      }[],
      checks: this.#checks as readonly {
        readonly expr: string
        readonly name: string | undefined
        readonly column: string | undefined
      }[],
      foreignKeys: this.#foreignKeys as readonly ForeignKeyDraft[],
    }
  }

  /** Foreign keys declared in CREATE TABLE (resolved once the table's columns are known). */
  get foreignKeys(): readonly ForeignKeyDraft[] {
    return this.#foreignKeys
  }

  /** Columns that own a sequence (serial, identity), by position. */
  get owners(): { readonly position: number; readonly column: DraftColumn }[] {
    return this.#columns.flatMap((column, position) =>
      column.owns === undefined ? [] : [{ position, column }],
    )
  }

  tableConstraint(sql: string, k: Constraint): void {
    if (k.contype === 'CONSTR_CHECK') {
      this.#checks.push({
        expr: checkSourceText(sql, k.location ?? 0),
        name: k.conname,
        column: undefined,
      })
      return
    }
    this.#keyConstraint(k, (k.keys ?? []).map(stringOf))
  }

  #keyConstraint(k: Constraint, columns: string[]): void {
    if ((k.including?.length ?? 0) > 0) throw featureNotSupported('INCLUDE')
    if (k.contype === 'CONSTR_PRIMARY') {
      if (this.#primaryKey !== undefined) {
        throw new SqlError(
          '42P16',
          `multiple primary keys for table "${this.#name}" are not allowed`,
        )
      }
      this.#primaryKey = columns
      this.#primaryKeyName = k.conname
      return
    }
    if (k.contype === 'CONSTR_UNIQUE') {
      if (k.nulls_not_distinct === true) throw featureNotSupported('NULLS NOT DISTINCT')
      this.#uniques.push({ columns, name: k.conname })
      return
    }
    if (k.contype === 'CONSTR_FOREIGN') {
      this.#foreignKeys.push(foreignKeyDraft(k, columns))
      return
    }
    if (k.contype === 'CONSTR_IDENTITY' || k.contype === 'CONSTR_GENERATED')
      throw featuresNotSupported('generated columns')
    throw featureNotSupported(`constraint ${k.contype ?? ''}`)
  }

  /** The definition, its constraints named; `relationTaken` tells which bare names the schema's
   * relations hold already (automatic index names avoid them, as PostgreSQL's do). */
  finish(id: bigint, relationTaken: (bare: string) => boolean): TableDef {
    const position = (name: string) => {
      const at = this.#columns.findIndex((c) => c.name === name)
      if (at < 0) throw new SqlError('42703', `column "${name}" named in key does not exist`)
      return at
    }
    const pk = this.#primaryKey?.map(position)
    for (const p of pk ?? []) (this.#columns[p] as DraftColumn).notNull = true
    for (const p of pk ?? []) requireKeyForm((this.#columns[p] as DraftColumn).type, 'a primary key')
    for (const u of this.#uniques) for (const c of u.columns) requireKeyForm((this.#columns[position(c)] as DraftColumn).type, 'a unique constraint')
    const columns: ColumnDef[] = this.#columns.map((c, i) => ({
      name: c.name,
      position: i,
      type: c.type,
      notNull: c.notNull,
      default: c.default,
      hidden: false,
      ...(c.identity === undefined ? {} : { identity: c.identity }),
      ...(c.generated === undefined ? {} : { generated: c.generated }),
    }))
    if (pk === undefined)
      columns.push({
        name: 'rowid',
        position: columns.length,
        type: ROW_ID,
        notNull: true,
        hidden: true,
      })
    const taken = new Set<string>()
    const indexName = (columns: readonly string[], suffix: string) => freeName(this.#name, columns, suffix, taken, relationTaken)
    // The hidden row id's key takes no name (TableDef.primaryKeyName).
    const primaryKeyName = pk === undefined ? '' : (this.#primaryKeyName ?? indexName([], 'pkey'))
    taken.add(primaryKeyName)
    const indexes: IndexDef[] = this.#uniques.map((u, i) => {
      const name = u.name ?? indexName(u.columns, 'key')
      taken.add(name)
      return { id: i + 1, name, columns: u.columns.map(position), unique: true, constraint: true }
    })
    const checks: CheckDef[] = this.#checks.map((c) => {
      const name =
        c.name ??
        chooseName(this.#name, soleColumn(c.expr, this.#columns), 'check', taken)
      taken.add(name)
      return { name, expr: c.expr }
    })
    return {
      id: String(id),
      name: this.#name,
      columns,
      primaryKey: pk ?? [columns.length - 1],
      primaryKeyName,
      indexes,
      checks,
      nextIndexId: indexes.length + 1,
    }
  }
}

/** The column a CHECK reads when it reads exactly one: PostgreSQL names such a constraint
 * `table_column_check` (a column constraint too), and one reading several or none `table_check`. */
export function soleColumn(expr: string, columns: readonly { readonly name: string; readonly hidden?: boolean }[]): string[] {
  const read = columns.filter((c) => c.hidden !== true && mentionsColumn(expr, c.name)).map((c) => c.name)
  return read.length === 1 ? read : []
}

/**
 * The name of a new relation of `table`'s schema (an index, a sequence): chooseName's, avoiding
 * `taken` and every relation the schema holds, as PostgreSQL's ChooseRelationName looks in
 * pg_class. Returns a bare name.
 */
export function chooseRelationName(
  env: Pick<DdlEnv, 'view' | 'findTable' | 'lock'>,
  table: string,
  columns: readonly string[],
  suffix: string,
  taken: ReadonlySet<string>,
): string {
  return freeName(table, columns, suffix, new Set(taken), (name) => relationNameTaken(env, siblingName(table, name)))
}

/** chooseName's name avoiding `avoid` and every name `isTaken` says is taken; the names tried and
 * found taken join `avoid`. */
function freeName(
  table: string,
  columns: readonly string[],
  suffix: string,
  avoid: Set<string>,
  isTaken: (bare: string) => boolean,
): string {
  for (;;) {
    const name = chooseName(table, columns, suffix, avoid)
    if (!isTaken(name)) return name
    avoid.add(name)
  }
}

/** PostgreSQL's ChooseRelationName: `table_col1_col2_suffix`, truncated, numbered on collision. */
export function chooseName(
  table: string,
  columns: readonly string[],
  suffix: string,
  taken: ReadonlySet<string>,
): string {
  const base = [bareName(table), ...columns].join('_')
  for (let n = 0; ; n++) {
    const tail = `_${suffix}${n === 0 ? '' : n}`
    const name = base.slice(0, IDENTIFIER_LENGTH_MAX - tail.length) + tail
    if (!taken.has(name)) return name
  }
}

export function dropTable(env: DdlEnv, s: DropStmt): void {
  const dropping = new Set((s.objects ?? []).map(objectName))
  // Every name is looked up before any table is dropped, as PostgreSQL does: a wrong kind or a
  // missing table later in the list is its error, not a dependency of an earlier table's.
  const tables: Table[] = []
  for (const object of s.objects ?? []) {
    const name = objectName(object)
    const table = env.findTable(name)
    if (table === undefined) {
      const wrongKind = dropWrongKind(env, name, 'table')
      if (wrongKind !== undefined) throw wrongKind
      if (s.missing_ok === true) continue
      throw dropMissing(env, name, 'table')
    }
    if (!tables.some((t) => t.name === table.name)) tables.push(table)
  }
  for (const table of tables) dropOneTable(env, table, s.behavior === 'DROP_CASCADE', dropping)
}

/**
 * TRUNCATE [TABLE] names [RESTART IDENTITY] [CASCADE]: each table gets a new table id, so its rows
 * and index entries become unreachable at once whatever their number (the commit names the old id
 * a garbage range, as for a dropped table: garbage-writes.ts). A table referenced from a table not
 * truncated with it is 0A000 without CASCADE.
 */
export function truncate(env: DdlEnv, s: TruncateStmt): void {
  const names = new Set<string>()
  for (const node of s.relations ?? []) {
    if (!('RangeVar' in node)) continue
    names.add(qualifiedName(node.RangeVar.schemaname, node.RangeVar.relname ?? ''))
  }
  for (const name of names) refuseOtherKind(env, name, () => new SqlError('42809', `"${bareName(name)}" is not a table`))
  const tables = [...names].map((name) => env.table(name))
  for (let i = 0; i < tables.length; i++) {
    const table = tables[i] as Table
    for (const ref of table.def.referencedBy ?? []) {
      if (names.has(ref.table)) continue
      if (s.behavior !== 'DROP_CASCADE') {
        throw new SqlError(
          '0A000',
          'cannot truncate a table referenced in a foreign key constraint',
          {
            detail: `Table "${bareName(ref.table)}" references "${bareName(table.name)}".`,
            hint: `Truncate table "${bareName(ref.table)}" at the same time, or use TRUNCATE ... CASCADE.`,
          },
        )
      }
      names.add(ref.table)
      tables.push(env.table(ref.table))
    }
  }
  for (const table of tables) {
    const id = String(allocateObjectId(env))
    env.put(table.schemaKey, encodeTableDef({ ...table.def, id }))
    if ((table.def.buildingIndexes?.length ?? 0) > 0) followTableChange(env, table.name, table.def.id, table.name, id)
    if (s.restart_seqs !== true) continue
    for (const col of table.columns) {
      const raw = col.sequence === undefined ? undefined : env.view.get(sequenceKey(col.sequence))
      if (raw !== undefined)
        putSequence(
          env,
          alteredSequence(env.view, JSON.parse(raw) as SequenceDef, [
            { DefElem: { defname: 'restart' } },
          ]),
        )
    }
  }
}

/** Drops a table with its index names and owned sequences; the views reading it and foreign keys
 * per dropDependentViews and detachForDrop (DROP TABLE and DROP SCHEMA both come here). */
export function dropOneTable(
  env: DdlEnv,
  table: Table,
  cascade: boolean,
  dropping: ReadonlySet<string>,
  /** False: the caller dropped the regclass uses of every table it drops in one scan. */
  regclassUses = true,
): void {
  dropDependentViews(env, table.name, 'table', cascade, dropping)
  // Defaults, checks and views naming it by a regclass constant ('t'::regclass).
  const skip = new Set([...dropping, table.name])
  const what = dropping.size > 1 ? undefined : `table ${table.name}`
  // Regclass constants naming the table or one of its indexes.
  if (regclassUses) {
    const kinds = new Map<string, UsedKind>([[table.name, 'table']])
    for (const index of indexNamesOf(table.def)) kinds.set(siblingName(table.name, index), 'index')
    dropSequenceUses(env, new Set(kinds.keys()), { what, cascade, skip, kind: kinds })
  }
  detachForDrop(env, table, cascade, dropping)
  // The rows and index entries of a dropped table stay behind, unreachable because table ids
  // are never reused; the commit names them a garbage range (garbage-writes.ts), which storage
  // deletes once no snapshot can still see the table.
  env.put(table.schemaKey, null)
  dropOwnedSequences(env, table.name, undefined, { what: `table ${table.name}`, cascade, skip })
  for (const index of indexNamesOf(table.def)) env.put(indexKeyOf(table.name, index), null)
}

/** The catalog name of a DROP target (`schema.name` outside public). */
export function objectName(object: Node): string {
  const items = 'List' in object ? (object.List.items ?? []) : [object]
  const names = items.map(stringOf)
  // PostgreSQL's makeRangeVarFromNameList: a catalog name is another database's, more is wrong.
  if (names.length === 3)
    throw new SqlError('0A000', `cross-database references are not implemented: "${names.join('.')}"`)
  if (names.length > 3) throw new SqlError('42601', `improper relation name (too many dotted names): ${names.join('.')}`)
  return qualifiedName(names.length === 2 ? names[0] : undefined, names[names.length - 1] ?? '')
}

/** Keys need an order-preserving form: jsonb, interval and array columns have none (0A000 when
 * the key, unique constraint or index is declared, not at the first insert). */
export function requireKeyForm(type: SqlType, what: string): void {
  if (!hasKeyForm(type)) throw featureNotSupported(`${formatType(type)} columns in ${what}`)
}

/** CREATE [UNIQUE] INDEX [ASYNC] [IF NOT EXISTS]: filled now, or by a job (its id returned). Its
 * elements are columns or expressions, its WHERE makes it partial (index-definition.ts). */
export function createIndex(env: DdlEnv, s: IndexStmt, run: DdlRun): string | undefined {
  if ((s.indexIncludingParams?.length ?? 0) > 0) throw featureNotSupported('INCLUDE')
  // Entries with a NULL carry their row's key (rows.ts): NULLs could not collide.
  if (s.nulls_not_distinct === true) throw featureNotSupported('NULLS NOT DISTINCT')
  if (s.accessMethod !== undefined && s.accessMethod !== 'btree')
    throw featureNotSupported(`index method ${s.accessMethod}`)
  const tableName = qualifiedName(s.relation?.schemaname, s.relation?.relname ?? '')
  refuseOtherKind(env, tableName, (kind) =>
    kind === 'index'
      ? cannotOpenIndex(tableName)
      : new SqlError('42809', `cannot create index on relation "${bareName(tableName)}"`, {
          detail: `This operation is not supported for ${KIND_PLURAL[kind]}.`,
        }),
  )
  const table = env.table(tableName, s.relation?.location)
  const shape = indexShape(env, s, table)
  const name = s.idxname ?? chooseRelationName(env, table.name, shape.names, 'idx', new Set())
  if (relationNameTaken(env, siblingName(table.name, name))) {
    if (s.if_not_exists === true) return undefined
    throw duplicateTable(name)
  }
  const index: IndexDef = {
    id: table.def.nextIndexId,
    name,
    columns: shape.columns,
    unique: s.unique === true,
    constraint: false,
    ...(shape.exprs === undefined ? {} : { exprs: shape.exprs }),
    ...(shape.where === undefined ? {} : { where: shape.where }),
  }
  if (isIndexAsync(env.sql)) {
    const jobId = randomId(run.exec.eval.random.bytes(16))
    run.exec.eval.tx.startIndexJobAfterCommit(jobId)
    createIndexAsync(env, table, index, jobId, run.exec.eval.tx.indexJobOwner())
    return jobId
  }
  const def: TableDef = {
    ...table.def,
    indexes: [...table.def.indexes, index],
    nextIndexId: index.id + 1,
  }
  try {
    backfill(env, tableFromDef(def), index, run.exec.eval)
  } catch (e) {
    // The transaction limits' own hint (smaller transactions) does not help here: one statement
    // writes an entry for every row. The asynchronous build does it in transactions of its own.
    if (!(e instanceof SqlError) || e.hint !== SPLIT_TRANSACTION_HINT) throw e
    throw new SqlError('54000', `CREATE INDEX writes an entry for every row of "${table.name}": ${e.message}`, {
      hint: 'Use CREATE INDEX ASYNC, which builds the index in transactions of its own while the table stays writable.',
    })
  }
  env.put(indexKeyOf(table.name, name), table.name)
  env.put(table.schemaKey, encodeTableDef(def))
  return undefined
}

/** A job id: a version 4 UUID's form, as Aurora DSQL's job ids. */
function randomId(bytes: Uint8Array): string {
  return randomUuid(bytes)
}

/** Writes an entry for every existing row of `table` (which has `index`) the index holds (23505
 * when a unique index finds a duplicate). An expression or partial index evaluates its
 * expressions in `ctx`. */
export function backfill(env: DdlEnv, table: Table, index: IndexDef, ctx?: EvalContext): void {
  assert(ctx !== undefined || isPlainIndex(index), 'an expression or partial index is evaluated in a context')
  const keys = ctx === undefined ? undefined : indexKeys(table, index, env.parse, env.binder.storedTypes)
  const entries: IndexEntry[] = []
  for (const kv of env.view.scan(table.rowsStart, table.rowsEnd)) {
    env.tick()
    const row = decodeStoredRow(table, kv.value)
    const entry = keys === undefined || ctx === undefined ? indexEntry(table, index, row) : entryOf(table, keys, row, ctx)
    if (entry === undefined) continue
    checkKeyBytes(entry.headChars, table, index)
    entries.push(entry)
  }
  if (index.unique) {
    const seen = new Set<string>()
    for (const e of entries) {
      if (!e.unique) continue
      if (seen.has(e.key)) {
        // A unique entry's value is its row's primary key.
        const row = decodeStoredRow(table, env.view.get(e.value) ?? '')
        const detail = keys === undefined || ctx === undefined ? plainKeyDetail(table, index, row) : keyDetail(table, keys, row, ctx)
        throw new SqlError('23505', `could not create unique index "${index.name}"`, { detail: `${detail} is duplicated.` })
      }
      seen.add(e.key)
    }
  }
  for (const e of entries) env.put(e.key, e.value)
}

/** `Key (a, b)=(1, 2)` of an index of columns only. */
function plainKeyDetail(table: Table, index: IndexDef, row: readonly Datum[]): string {
  const names = index.columns.map((c) => table.columns[c]!.name).join(', ')
  const values = index.columns.map((c) => (row[c] === null ? 'null' : formatText(row[c]!, table.columns[c]!.type))).join(', ')
  return `Key (${names})=(${values})`
}

export function dropIndex(env: DdlEnv, s: DropStmt): void {
  // Every name is looked up before any index is dropped, as PostgreSQL does (dropTable).
  const found: { name: string; tableName: string }[] = []
  for (const object of s.objects ?? []) {
    const name = objectName(object)
    const tableName = env.view.get(indexNameKey(name))
    if (tableName === undefined) {
      const wrongKind = dropWrongKind(env, name, 'index')
      if (wrongKind !== undefined) throw wrongKind
      if (s.missing_ok === true) continue
      throw dropMissing(env, name, 'index')
    }
    if (!found.some((f) => f.name === name)) found.push({ name, tableName })
  }
  for (const { name, tableName } of found) {
    const table = env.table(tableName)
    if (table.def.buildingIndexes?.some((i) => i.name === bareName(name))) continue
    const index = table.def.indexes.find((i) => i.name === bareName(name))
    if (index === undefined || index.constraint) {
      throw new SqlError(
        '2BP01',
        `cannot drop index ${name} because constraint ${bareName(name)} on table ${table.name} requires it`,
        {
          hint: `You can drop constraint ${bareName(name)} on table ${table.name} instead.`,
        },
      )
    }
  }
  // Defaults, checks and views naming them by regclass constants ('i'::regclass).
  dropSequenceUses(env, new Set(found.map((f) => f.name)), {
    kind: 'index',
    what: found.length === 1 ? `index ${found[0]?.name}` : undefined,
    cascade: s.behavior === 'DROP_CASCADE',
  })
  for (const { name, tableName } of found) {
    const table = env.table(tableName)
    const building = table.def.buildingIndexes?.find((i) => i.name === bareName(name))
    if (building !== undefined) {
      // Its job sees the index gone and ends as failed.
      env.put(indexNameKey(name), null)
      env.put(
        table.schemaKey,
        encodeTableDef({
          ...table.def,
          buildingIndexes: (table.def.buildingIndexes ?? []).filter((i) => i !== building),
        }),
      )
      continue
    }
    const index = table.def.indexes.find((i) => i.name === bareName(name))
    assert(index !== undefined, 'the index was found above')
    // The index's entries stay behind, unreachable (index ids are never reused); the commit names
    // them a garbage range (garbage-writes.ts).
    const def: TableDef = { ...table.def, indexes: table.def.indexes.filter((i) => i !== index) }
    env.put(indexNameKey(name), null)
    env.put(table.schemaKey, encodeTableDef(def))
  }
}
