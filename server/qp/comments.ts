// COMMENT ON TABLE, VIEW and COLUMN (ARCHITECTURE.md "Keys and rows": the catalog lives in the key
// space). A comment is part of the definition of what it describes (a table's, a column's, a
// view's), so it commits, replicates, follows renames and goes with a drop as that definition does;
// pg_description, obj_description and col_description read it back.
import type { CommentStmt } from 'libpg-query'
import { featureNotSupported, featuresNotSupported, SqlError } from '../errors/index.ts'
import { bareName, encodeTableDef, schemaKey } from './catalog.ts'
import { stringOf } from './binder.ts'
import { qualifiedName, relationKind } from './sequences.ts'
import { viewKey, type ViewDef, type ViewEnv } from './views.ts'

/** PostgreSQL's word for each kind of object COMMENT ON names, for the 0A000 of those not built. */
const OBJECT_WORDS: Readonly<Record<string, string>> = {
  OBJECT_INDEX: 'INDEX',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_TYPE: 'TYPE',
  OBJECT_CONSTRAINT: 'CONSTRAINT',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_DATABASE: 'DATABASE',
}

/** COMMENT ON TABLE | VIEW | COLUMN name IS 'text' | NULL: sets the comment (an empty text or NULL
 * removes it). 42P01 for no such relation, 42809 for one of another kind, 42703 for no such
 * column, as PostgreSQL. */
export function commentOn(env: ViewEnv, s: CommentStmt): void {
  const names = s.object !== undefined && 'List' in s.object ? (s.object.List.items ?? []).map(stringOf) : []
  const text = s.comment === undefined || s.comment === '' ? undefined : s.comment
  switch (s.objtype) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
      return commentOnRelation(env, s.objtype === 'OBJECT_TABLE' ? 'table' : 'view', relationName(names), text)
    case 'OBJECT_COLUMN': {
      if (names.length < 2) throw new SqlError('42601', 'column name must be qualified')
      return commentOnColumn(env, relationName(names.slice(0, -1)), names[names.length - 1] as string, text)
    }
    default:
      throw featureNotSupported(`COMMENT ON ${OBJECT_WORDS[s.objtype ?? ''] ?? 'this kind of object'}`)
  }
}

function relationName(names: readonly string[]): string {
  if (names.length > 2) throw featuresNotSupported('cross-database references')
  return names.length === 2 ? qualifiedName(names[0], names[1] as string) : (names[0] ?? '')
}

/** The kind of relation `name` is, 42P01 when there is none. */
function kindOf(env: ViewEnv, name: string): 'table' | 'view' | 'sequence' | 'index' {
  const kind = relationKind(env, name)
  if (kind === undefined) throw new SqlError('42P01', `relation "${bareName(name)}" does not exist`)
  return kind
}

function commentOnRelation(env: ViewEnv, want: 'table' | 'view', name: string, text: string | undefined): void {
  const kind = kindOf(env, name)
  if (kind !== want) throw new SqlError('42809', `"${bareName(name)}" is not a ${want}`)
  if (kind === 'table') {
    const table = env.findTable(name)
    if (table !== undefined) env.put(schemaKey(name), encodeTableDef({ ...table.def, comment: text }))
    return
  }
  const view = env.findView(name) as ViewDef
  env.put(viewKey(name), JSON.stringify({ ...view, comment: text } satisfies ViewDef))
}

function commentOnColumn(env: ViewEnv, relation: string, column: string, text: string | undefined): void {
  const kind = kindOf(env, relation)
  const missing = () => new SqlError('42703', `column "${column}" of relation "${bareName(relation)}" does not exist`)
  if (kind === 'table') {
    const def = env.findTable(relation)?.def
    const at = def?.columns.findIndex((c) => c.name === column && c.hidden !== true && c.dropped !== true) ?? -1
    if (def === undefined || at < 0) throw missing()
    const columns = def.columns.map((c, i) => (i === at ? { ...c, comment: text } : c))
    env.put(schemaKey(relation), encodeTableDef({ ...def, columns }))
    return
  }
  if (kind !== 'view') throw featureNotSupported(`COMMENT ON COLUMN of a ${kind}`)
  const view = env.findView(relation) as ViewDef
  const at = view.columns.indexOf(column)
  if (at < 0) throw missing()
  const columnComments = view.columns.map((_, i) => (i === at ? (text ?? null) : (view.columnComments?.[i] ?? null)))
  env.put(viewKey(relation), JSON.stringify({ ...view, columnComments } satisfies ViewDef))
}
