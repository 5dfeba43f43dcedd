// Schemas (ARCHITECTURE.md "Keys and rows": the catalog): CREATE SCHEMA and DROP SCHEMA. A schema
// is a catalog key; its relations are catalog entries named `schema.name` (bare in public), so a
// schema only has to exist for names in it to be created.
import type { CreateSchemaStmt, DropStmt } from 'libpg-query'
import { decodeKey, prefixEnd } from '../encoding/index.ts'
import { featureNotSupported, SqlError } from '../errors/index.ts'
import { stringOf } from './binder.ts'
import {
  indexNamesOf,
  namespaceKey,
  schemaExists,
  sequenceKey,
  siblingName,
  sequencesRange,
  tablesRange,
  undefinedSchema,
  type Table,
} from './catalog.ts'
import { dropOneTable, type DdlEnv } from './ddl.ts'
import { dropEnums, listEnums } from './enums.ts'
import { dropSequenceUses } from './sequence-uses.ts'
import { dropDependentViews, listViews, viewKey } from './views.ts'

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast'])

/** CREATE SCHEMA [IF NOT EXISTS] name (42P06 when it exists, 42939 for reserved names). */
export function createSchema(env: DdlEnv, s: CreateSchemaStmt): void {
  const name = s.schemaname ?? ''
  if (name === '') throw featureNotSupported('CREATE SCHEMA without a name')
  if ((s.schemaElts?.length ?? 0) > 0)
    throw featureNotSupported('CREATE SCHEMA with schema elements')
  if (schemaExists(env.view, name) || SYSTEM_SCHEMAS.has(name)) {
    if (s.if_not_exists === true) return
    throw new SqlError('42P06', `schema "${name}" already exists`)
  }
  if (name.startsWith('pg_')) {
    throw new SqlError('42939', `unacceptable schema name "${name}"`, {
      detail: 'The prefix "pg_" is reserved for system schemas.',
    })
  }
  env.put(namespaceKey(name), JSON.stringify({ name }))
}

/** DROP SCHEMA [IF EXISTS] names [CASCADE]: a schema with relations needs CASCADE (2BP01), which
 * drops its tables (with their indexes and owned sequences), sequences and views. */
export function dropSchema(env: DdlEnv, s: DropStmt): void {
  const names = (s.objects ?? []).map(stringOf)
  for (const name of names) {
    if (name === 'public' || SYSTEM_SCHEMAS.has(name))
      throw featureNotSupported(`dropping schema ${name}`)
    if (!schemaExists(env.view, name)) {
      if (s.missing_ok === true) continue
      throw undefinedSchema(name)
    }
    const contents = contentsOf(env, name)
    const enums = listEnums(env.view).filter((e) => e.name.startsWith(`${name}.`))
    // In this order the first object found is the one the 2BP01 names.
    const objects: readonly (readonly [string, readonly string[]])[] = [
      ['table', contents.tables.map((t) => t.name)],
      ['sequence', contents.sequences],
      ['view', contents.views],
      ['type', enums.map((e) => e.name)],
    ]
    const named = objects.find(([, names]) => names.length > 0)
    if (named !== undefined && s.behavior !== 'DROP_CASCADE') {
      const [kind, [first]] = named
      throw new SqlError('2BP01', `cannot drop schema ${name} because other objects depend on it`, {
        detail: `${kind} ${first ?? ''} depends on schema ${name}`,
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      })
    }
    const dropping = new Set(contents.tables.map((t) => t.name))
    // Defaults, checks and views elsewhere that name its relations by regclass constants (its
    // sequences, its tables and their indexes, and its views) lose them (CASCADE, as above): one
    // scan for all.
    const indexes = contents.tables.flatMap((t) => indexNamesOf(t.def).map((i) => siblingName(t.name, i)))
    const relations = new Set([...contents.sequences, ...dropping, ...indexes, ...contents.views])
    dropSequenceUses(env, relations, { what: `schema ${name}`, cascade: true, skip: new Set([...dropping, ...contents.views]) })
    for (const table of contents.tables) dropOneTable(env, table, true, dropping, false)
    for (const seq of contents.sequences) env.put(sequenceKey(seq), null)
    for (const view of contents.views) {
      dropDependentViews(env, view, 'view', true, dropping)
      env.put(viewKey(view), null)
    }
    // After the schema's tables: a column elsewhere that uses one of its types refuses the drop.
    dropEnums(env, enums, true)
    env.put(namespaceKey(name), null)
  }
}

/** The relations of schema `schema` at the snapshot plus the write buffer. */
function contentsOf(
  env: DdlEnv,
  schema: string,
): { tables: Table[]; sequences: string[]; views: string[] } {
  const inSchema = (name: string) => name.startsWith(`${schema}.`)
  const tables: Table[] = []
  const t = tablesRange()
  for (const kv of env.view.scan(t.start, t.end)) {
    const name = decodeKey(kv.key)[2] as string
    if (!inSchema(name)) continue
    const table = env.findTable(name)
    if (table !== undefined) tables.push(table)
  }
  const sequences = namesIn(env, sequencesRange().start).filter(inSchema)
  const views = listViews(env.view)
    .map((v) => v.name)
    .filter(inSchema)
  return { tables, sequences, views }
}

function namesIn(env: DdlEnv, prefix: string): string[] {
  return [...env.view.scan(prefix, prefixEnd(prefix))].map(
    (kv) => decodeKey(kv.key).at(-1) as string,
  )
}
