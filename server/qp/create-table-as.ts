// CREATE TABLE ... AS SELECT (ARCHITECTURE.md "Keys and rows"): a table whose columns are the
// query's, filled with its rows in the same transaction (within the transaction's limits).
import type { CreateTableAsStmt } from 'libpg-query'
import { duplicateColumn, duplicateTable, featureNotSupported, featuresNotSupported, SqlError } from '../errors/index.ts'
import { formatType, type SqlType } from './types/index.ts'
import { stringOf } from './binder.ts'
import {
  bareName,
  encodeTableDef,
  missingSchema,
  schemaKey,
  tableFromDef,
  type ColumnDef,
  type TableDef,
} from './catalog.ts'
import { COLUMNS_MAX } from './constants.ts'
import type { DdlEnv, DdlRun } from './ddl.ts'
import { evaluate } from './expr.ts'
import type { Result } from './index.ts'
import { runSelect } from './executor.ts'
import { modifiesInWith, planSelect } from './select.ts'
import { checkNotPseudo } from './views.ts'
import { allocateObjectId, qualifiedName, relationNameTaken } from './sequences.ts'
import { constraintsOf, TableWriter } from './table-writer.ts'
import { checkTypeNameFree } from './enums.ts'

const TEXT: SqlType = { kind: 'text' }

/** CREATE TABLE [IF NOT EXISTS] name [(columns)] AS query [WITH [NO] DATA]: answers `SELECT n`. */
export function createTableAs(env: DdlEnv, run: DdlRun, s: CreateTableAsStmt): Result | undefined {
  if (s.objtype !== 'OBJECT_TABLE') throw featuresNotSupported('materialized views')
  const into = s.into
  const query = s.query
  if (into?.rel === undefined || query === undefined || !('SelectStmt' in query)) {
    throw featureNotSupported('this CREATE TABLE AS form')
  }
  if (into.rel.relpersistence === 't') throw featuresNotSupported('temporary tables')
  const name = qualifiedName(into.rel.schemaname, into.rel.relname ?? '')
  const noSchema = missingSchema(env, name)
  if (noSchema !== undefined) throw noSchema
  if (relationNameTaken(env, name)) {
    if (s.if_not_exists === true) return undefined
    throw duplicateTable(bareName(name))
  }
  checkTypeNameFree(env.view, name)
  // PostgreSQL runs them; here the rows of CREATE TABLE AS come from a plain query only.
  if (modifiesInWith(query.SelectStmt.withClause)) throw featureNotSupported('data-modifying statements in WITH of CREATE TABLE AS')
  const plan = planSelect(env, query.SelectStmt, true)
  const def = definition(
    env,
    name,
    plan.fields.map((f) => f.name),
    plan.fieldTypes,
    (into.colNames ?? []).map(stringOf),
  )
  env.put(schemaKey(name), encodeTableDef(def))
  if (into.skipData === true) return { command: 'SELECT', rowCount: 0, fields: [], rows: [] }
  const table = tableFromDef(def)
  const writer = new TableWriter(table, run.sink, env.parse, run.exec.eval)
  const rowId = constraintsOf(table, env.parse, env.binder.storedTypes).defaults[def.columns.length - 1]!
  const rows = runSelect(run.exec, plan, 'held')
  for (const row of rows) {
    run.exec.tick()
    writer.insert([...row, evaluate(rowId, row, run.exec.eval)])
  }
  return { command: 'SELECT', rowCount: rows.length, fields: [], rows: [] }
}

/** The new table's definition: the query's columns (renamed by the column list), a hidden row id. */
function definition(
  env: DdlEnv,
  name: string,
  fields: readonly string[],
  types: readonly SqlType[],
  given: readonly string[],
): TableDef {
  if (given.length > fields.length)
    throw new SqlError('42601', 'too many column names were specified')
  if (fields.length >= COLUMNS_MAX)
    throw new SqlError('54011', `tables can have at most ${COLUMNS_MAX} columns`)
  const seen = new Set<string>()
  const columns: ColumnDef[] = fields.map((field, i) => {
    const column = given[i] ?? field
    if (seen.has(column)) throw duplicateColumn(column)
    seen.add(column)
    const t = types[i] ?? TEXT
    checkNotPseudo(t, column)
    if ((t.kind === 'array' ? t.element : t).kind === 'record') {
      // Records live only while a statement runs: rows do not store them.
      throw featureNotSupported(`a record as a column type (column "${column}" would be of type ${formatType(t)})`)
    }
    return {
      name: column,
      position: i,
      type: t.kind === 'unknown' ? TEXT : t,
      notNull: false,
      hidden: false,
    }
  })
  columns.push({
    name: 'rowid',
    position: columns.length,
    type: { kind: 'int8' },
    notNull: true,
    hidden: true,
  })
  return {
    id: String(allocateObjectId(env)),
    name,
    columns,
    primaryKey: [columns.length - 1],
    // The hidden row id's key takes no name (TableDef.primaryKeyName).
    primaryKeyName: '',
    indexes: [],
    checks: [],
    nextIndexId: 1,
  }
}
