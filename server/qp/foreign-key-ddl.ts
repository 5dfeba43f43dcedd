// Foreign keys in the catalog (ARCHITECTURE.md "Keys and rows"): a constraint is stored on the
// referencing table, and the referenced table lists it in `referencedBy` so a DELETE finds the
// rows that still point at it through an index on the referencing columns (created when none).
import { SqlError } from '../errors/index.ts'
import {
  bareName,
  declaredKeyName,
  encodeTableDef,
  indexKeyOf,
  type ForeignKeyDef,
  type IndexDef,
  type Table,
  type TableDef,
} from './catalog.ts'
import { backfill, chooseName, chooseRelationName, type DdlEnv } from './ddl.ts'
import {
  checkReferences,
  indexFor,
  resolveForeignKey,
  type ForeignKeyDraft,
  type ForeignKeyEnv,
} from './foreign-keys.ts'
import { decodeStoredRow } from './rows.ts'
import { cannotOpenIndex, qualifiedName, refuseOtherKind } from './sequences.ts'

/** Constraint and index names of a table, for choosing new ones. */
export function namesOf(def: TableDef): Set<string> {
  return new Set([
    ...(declaredKeyName(def) === undefined ? [] : [def.primaryKeyName]),
    ...def.indexes.map((i) => i.name),
    ...def.checks.map((c) => c.name),
    ...(def.foreignKeys ?? []).map((f) => f.name),
  ])
}

/**
 * Adds foreign keys to `def` (not yet written) and records them on the referenced tables (written
 * now). With `fk` (ALTER TABLE), a new index is filled and existing rows are checked (23503)
 * unless `validate` is false (NOT VALID: the constraint is marked so; the index is filled all
 * the same, as a DELETE of a referenced row looks up its referencing rows there, old ones too).
 */
export function attachForeignKeys(
  env: DdlEnv,
  def: TableDef,
  drafts: readonly ForeignKeyDraft[],
  fk?: ForeignKeyEnv,
  validate = true,
): TableDef {
  let child = def
  for (const draft of drafts) {
    const taken = namesOf(child)
    const name = draft.name ?? chooseName(child.name, draft.columns, 'fkey', taken)
    if (taken.has(name))
      throw new SqlError(
        '42710',
        `constraint "${name}" for relation "${bareName(child.name)}" already exists`,
      )
    const refName = qualifiedName(draft.refSchema, draft.refTable)
    const self = refName === child.name
    if (!self) {
      refuseOtherKind(env, refName, (kind) =>
        kind === 'index' ? cannotOpenIndex(refName) : new SqlError('42809', `referenced relation "${bareName(refName)}" is not a table`),
      )
    }
    const parent = self ? undefined : env.table(refName)
    const resolved = resolveForeignKey(child, parent?.def ?? child, draft, name)
    let index = indexFor(child, resolved.columns)
    let ownsIndex = false
    if (index === undefined) {
      const indexName = freeIndexName(
        env,
        child,
        resolved.columns.map((c) => child.columns[c]!.name),
      )
      const created: IndexDef = {
        id: child.nextIndexId,
        name: indexName,
        columns: resolved.columns,
        unique: false,
        constraint: true,
      }
      if (fk !== undefined) backfill(env, tableOf(env, child), created)
      env.put(indexKeyOf(child.name, indexName), child.name)
      child = { ...child, indexes: [...child.indexes, created], nextIndexId: created.id + 1 }
      index = created.id
      ownsIndex = true
    }
    const notValid = fk !== undefined && !validate
    const constraint: ForeignKeyDef = {
      ...resolved,
      index,
      ...(ownsIndex ? { ownsIndex } : {}),
      ...(notValid ? { notValid } : {}),
    }
    child = { ...child, foreignKeys: [...(child.foreignKeys ?? []), constraint] }
    const reference = { table: child.name, name }
    if (self) child = { ...child, referencedBy: [...(child.referencedBy ?? []), reference] }
    else if (parent !== undefined) {
      env.put(
        parent.schemaKey,
        encodeTableDef({
          ...parent.def,
          referencedBy: [...(parent.def.referencedBy ?? []), reference],
        }),
      )
    }
    if (fk !== undefined && validate) validateRows(env, child, name, fk)
  }
  return child
}

function freeIndexName(env: DdlEnv, def: TableDef, columns: readonly string[]): string {
  return chooseRelationName(env, def.name, columns, 'fkey_idx', namesOf(def))
}

/** The runtime form of a definition not yet written (the table's current rows are under its id). */
function tableOf(env: DdlEnv, def: TableDef): Table {
  const current = env.findTable(def.name)
  if (current === undefined) throw new SqlError('42P01', `relation "${def.name}" does not exist`)
  return { ...current, def, columns: def.columns }
}

/** Every existing row of the child references an existing row (ALTER TABLE ADD FOREIGN KEY). */
/** Checks every row of `def` against its foreign key `name` (23503 for the first missing). */
export function validateRows(env: DdlEnv, def: TableDef, name: string, fk: ForeignKeyEnv): void {
  const table = tableOf(env, def)
  const only = { ...table, def: { ...def, foreignKeys: (def.foreignKeys ?? []).filter((f) => f.name === name) } }
  for (const kv of env.view.scan(table.rowsStart, table.rowsEnd)) {
    env.tick()
    checkReferences(fk, only, decodeStoredRow(table, kv.value))
  }
}

/**
 * Removes foreign key `name` from `child` (returned, not written) and from its referenced table's
 * `referencedBy` (written, unless it is `child` itself or is being dropped: `dropping`).
 */
export function detachForeignKey(
  env: DdlEnv,
  child: TableDef,
  name: string,
  dropping: ReadonlySet<string> = new Set(),
): TableDef {
  const fk = (child.foreignKeys ?? []).find((f) => f.name === name)
  if (fk === undefined) return child
  let def: TableDef = { ...child, foreignKeys: (child.foreignKeys ?? []).filter((f) => f !== fk) }
  if (fk.ownsIndex === true) {
    const index = def.indexes.find((i) => i.id === fk.index)
    if (index !== undefined) env.put(indexKeyOf(child.name, index.name), null)
    def = { ...def, indexes: def.indexes.filter((i) => i.id !== fk.index) }
  }
  const unlink = (refs: TableDef['referencedBy']) =>
    (refs ?? []).filter((r) => !(r.table === child.name && r.name === name))
  if (fk.refTable === child.name) return { ...def, referencedBy: unlink(def.referencedBy) }
  if (dropping.has(fk.refTable)) return def
  const parent = env.findTable(fk.refTable)
  if (parent !== undefined)
    env.put(
      parent.schemaKey,
      encodeTableDef({ ...parent.def, referencedBy: unlink(parent.def.referencedBy) }),
    )
  return def
}

/**
 * Before dropping `table`: other tables' foreign keys that reference it are dropped with CASCADE,
 * else 2BP01; its own foreign keys leave their referenced tables.
 */
export function detachForDrop(
  env: DdlEnv,
  table: Table,
  cascade: boolean,
  dropping: ReadonlySet<string>,
): void {
  for (const ref of table.def.referencedBy ?? []) {
    if (ref.table === table.name || dropping.has(ref.table)) continue
    if (!cascade) {
      throw new SqlError(
        '2BP01',
        `cannot drop table ${table.name} because other objects depend on it`,
        {
          detail: `constraint ${ref.name} on table ${ref.table} depends on table ${table.name}`,
          hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        },
      )
    }
    const child = env.findTable(ref.table)
    if (child !== undefined)
      env.put(
        child.schemaKey,
        encodeTableDef(detachForeignKey(env, child.def, ref.name, new Set([table.name]))),
      )
  }
  for (const fk of table.def.foreignKeys ?? []) {
    if (fk.refTable === table.name || dropping.has(fk.refTable)) continue
    detachForeignKey(env, table.def, fk.name, dropping)
  }
}
