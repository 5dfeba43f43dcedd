// Enum types (ARCHITECTURE.md "Keys and rows"): CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD VALUE
// and DROP TYPE write enum definitions as catalog keys, transactional like table definitions.
import type { AlterEnumStmt, CreateEnumStmt, DropStmt, Node } from 'libpg-query'
import { decodeKey, encodeKey, prefixEnd, type Key } from '../encoding/index.ts'
import { SqlError, assert, featureNotSupported } from '../errors/index.ts'
import { CATALOG_TABLE_ID, bareName, encodeTableDef, missingSchema, schemaExists, schemaKey, schemaOf, tablesRange, undefinedSchema, type ColumnDef, type Table, type TableDef } from './catalog.ts'
import { quoteIdent } from './functions-text.ts'
import { IDENTIFIER_LENGTH_MAX } from './constants.ts'
import type { DdlEnv } from './ddl.ts'
import { allocateObjectId, claimName, qualifiedName, relationKind } from './sequences.ts'
import { dropSequenceUses, type NameFinder } from './sequence-uses.ts'
import { relationOid } from './system/index.ts'
import { Binder, nodesUnder, type TypeLookup } from './binder.ts'
import { typesEqual, type SqlType } from './types/index.ts'

/** Outside the table, index, sequence and schema families of catalog.ts and views' 20. */
const ENUMS_INDEX = 21n

/** The JSON stored under an enum's key. */
export interface EnumDef {
  /** The catalog name (`schema.name` outside public). */
  readonly name: string
  /** pg_type.oid, from the object id counter (a block no table uses). */
  readonly oid: number
  /** In sort order, with their ascending float sort orders (pg_enum.enumsortorder). */
  readonly labels: readonly string[]
  readonly sortOrders: readonly number[]
}

type EnumType = SqlType & { readonly kind: 'enum' }

export const enumKey = (name: string): Key => encodeKey([CATALOG_TABLE_ID, ENUMS_INDEX, name])

/** 42710 when an enum type has the name a new table, view or sequence would take: PostgreSQL
 * gives those a row type of the same name, so the names collide there (an index's does not). */
export function checkTypeNameFree(view: { get(key: Key): string | undefined }, name: string): void {
  if (view.get(enumKey(name)) !== undefined) throw new SqlError('42710', `type "${name}" already exists`)
}

/** The range of every enum definition. */
function enumsRange(): { readonly start: Key; readonly end: Key } {
  const start = encodeKey([CATALOG_TABLE_ID, ENUMS_INDEX])
  return { start, end: prefixEnd(start) }
}

export function enumTypeOf(def: EnumDef): EnumType {
  return { kind: 'enum', name: def.name, oid: def.oid, labels: def.labels, sortOrders: def.sortOrders }
}

/** Every enum visible at a snapshot plus a write buffer, in name order (pg_type, pg_enum). */
export function listEnums(view: { scan(start: Key, end: Key): Iterable<{ readonly value: string }> }): EnumDef[] {
  const { start, end } = enumsRange()
  return [...view.scan(start, end)].map((kv) => JSON.parse(kv.value) as EnumDef)
}

/** The catalog name a type name denotes (`public.mood` is `mood`). */
export function enumNameOf(names: readonly string[]): string | undefined {
  if (names.length === 1) return names[0]
  if (names.length === 2) return qualifiedName(names[0], names[1] as string)
  return undefined
}

const stringsOf = (nodes: readonly Node[] | undefined): string[] =>
  (nodes ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : ''))

function checkLabel(label: string): void {
  if (new TextEncoder().encode(label).length > IDENTIFIER_LENGTH_MAX) {
    throw new SqlError('42602', `invalid enum label "${label}"`, {
      detail: `Labels must be ${IDENTIFIER_LENGTH_MAX} bytes or less.`,
    })
  }
}

function findEnum(env: DdlEnv, name: string): EnumDef | undefined {
  const raw = env.view.get(enumKey(name))
  return raw === undefined ? undefined : (JSON.parse(raw) as EnumDef)
}

/** CREATE TYPE name AS ENUM (...): 42710 when the name is taken by a type or a relation's row
 * type, 23505 when a label repeats (as PostgreSQL's unique index on pg_enum reports it), 42602
 * for a label over 63 bytes. */
export function createEnum(env: DdlEnv, s: CreateEnumStmt): void {
  const name = enumNameOf(stringsOf(s.typeName))
  if (name === undefined) throw featureNotSupported('a type name with more than two parts')
  const noSchema = missingSchema(env, name)
  if (noSchema !== undefined) throw noSchema
  // A table or view has a row type of its own name in PostgreSQL.
  const kind = claimName(env, name)
  if (findEnum(env, name) !== undefined || kind === 'table' || kind === 'view') {
    throw new SqlError('42710', `type "${bareName(name)}" already exists`)
  }
  const labels = stringsOf(s.vals)
  const oid = Number(relationOid(allocateObjectId(env)))
  for (const [i, label] of labels.entries()) {
    checkLabel(label)
    // PostgreSQL reports its pg_enum unique index, not a message of its own.
    if (labels.indexOf(label) !== i) {
      throw new SqlError('23505', 'duplicate key value violates unique constraint "pg_enum_typid_label_index"', {
        detail: `Key (enumtypid, enumlabel)=(${oid}, ${label}) already exists.`,
      })
    }
  }
  const def: EnumDef = { name, oid, labels, sortOrders: labels.map((_, i) => i + 1) }
  env.put(enumKey(name), JSON.stringify(def))
}

/**
 * ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'x' [BEFORE | AFTER 'y']. A new label between two
 * others takes the midpoint of their sort orders (keys store sort orders, so every stored key
 * keeps its place). Columns of the type carry the definition in their type, so every table using
 * it is rewritten: its definition changes, which also retires cached plans bound to the old one.
 */
export function alterEnum(env: DdlEnv, s: AlterEnumStmt): void {
  const name = enumNameOf(stringsOf(s.typeName)) ?? ''
  const def = findEnum(env, name)
  if (def === undefined) throw new SqlError('42704', `type "${stringsOf(s.typeName).join('.')}" does not exist`)
  if (s.oldVal !== undefined) throw featureNotSupported('ALTER TYPE ... RENAME VALUE')
  const label = s.newVal ?? ''
  checkLabel(label)
  if (def.labels.includes(label)) {
    if (s.skipIfNewValExists === true) return
    throw new SqlError('42710', `enum label "${label}" already exists`)
  }
  const labels = [...def.labels]
  const orders = [...def.sortOrders]
  let at = labels.length
  let order = (orders[orders.length - 1] ?? 0) + 1
  if (s.newValNeighbor !== undefined) {
    const neighbor = labels.indexOf(s.newValNeighbor)
    if (neighbor < 0) throw new SqlError('22023', `"${s.newValNeighbor}" is not an existing enum label`)
    at = s.newValIsAfter === true ? neighbor + 1 : neighbor
    // As PostgreSQL: one below the first, one above the last, else the midpoint.
    const below = at === 0 ? (orders[0] as number) - 2 : (orders[at - 1] as number)
    const above = at === orders.length ? below + 2 : (orders[at] as number)
    order = (below + above) / 2
    // Float halving runs out after ~50 insertions at one spot; PostgreSQL renumbers then.
    if (!(order > below && order < above)) throw featureNotSupported('this many enum labels inserted at one place')
  }
  labels.splice(at, 0, label)
  orders.splice(at, 0, order)
  const altered: EnumDef = { ...def, labels, sortOrders: orders }
  env.put(enumKey(name), JSON.stringify(altered))
  const type = enumTypeOf(altered)
  for (const table of tablesUsing(env, def.oid)) {
    const columns = table.columns.map((c) => ({ ...c, type: withEnum(c.type, type) }))
    env.put(schemaKey(table.name), encodeTableDef({ ...table, columns }))
  }
}

/** DROP TYPE [IF EXISTS] names [CASCADE] (see dropEnums). */
export function dropTypes(env: DdlEnv, s: DropStmt): void {
  const defs: EnumDef[] = []
  for (const object of s.objects ?? []) {
    assert('TypeName' in object, 'DROP TYPE names types')
    const names = stringsOf(object.TypeName.names)
    const name = enumNameOf(names) ?? ''
    const def = findEnum(env, name)
    if (def === undefined) {
      // A table's or view's row type, in PostgreSQL, which its relation requires (even with
      // CASCADE and IF EXISTS). Tessera keeps no such type, but answers as PostgreSQL does.
      const kind = relationKind(env, name)
      if (kind === 'table' || kind === 'view') {
        throw new SqlError('2BP01', `cannot drop type ${name} because ${kind} ${name} requires it`, {
          hint: `You can drop ${kind} ${name} instead.`,
        })
      }
      if (s.missing_ok === true) continue
      if (names.length === 2 && !schemaExists(env.view, names[0] as string))
        throw undefinedSchema(names[0] as string)
      throw new SqlError('42704', `type "${names.join('.')}" does not exist`)
    }
    defs.push(def)
  }
  dropEnums(env, defs, s.behavior === 'DROP_CASCADE')
}

/** Drops enums `defs` (DROP TYPE, DROP SCHEMA ... CASCADE): 2BP01 while a column uses one, 0A000
 * then with `cascade` (PostgreSQL would drop the columns); 2BP01 while a view, a column default or
 * a CHECK constraint names one (a cast), which `cascade` drops with them (the views over such a
 * view too), as PostgreSQL. */
export function dropEnums(env: DdlEnv, defs: readonly EnumDef[], cascade: boolean): void {
  for (const def of defs) checkNoColumnUses(env, def, cascade)
  const what = defs.length === 1 ? `type ${typeDisplayName((defs[0] as EnumDef).name)}` : undefined
  dropSequenceUses(env, new Set(defs.map((d) => d.name)), { kind: 'type', what, cascade, finder: TYPE_NAMES })
  for (const def of defs) env.put(enumKey(def.name), null)
}

/** 2BP01 while a column uses enum `def`; 0A000 then with `cascade` (PostgreSQL would drop the
 * columns). */
function checkNoColumnUses(env: DdlEnv, def: EnumDef, cascade: boolean): void {
  const first = tablesUsing(env, def.oid)[0]
  if (first === undefined) return
  if (cascade) throw featureNotSupported(`dropping type ${def.name} with CASCADE while a column uses it`)
  const column = first.columns.find((c) => usesEnum(c, def.oid))
  const name = typeDisplayName(def.name)
  throw new SqlError('2BP01', `cannot drop type ${name} because other objects depend on it`, {
    detail: `column ${column?.name ?? ''} of table ${bareName(first.name)} depends on type ${name}`,
    hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
  })
}

/** A type's name as PostgreSQL shows it in messages (format_type): quoted where it must be,
 * with its schema outside the search path (public). */
function typeDisplayName(name: string): string {
  const schema = schemaOf(name)
  const bare = quoteIdent(bareName(name))
  return schema === 'public' ? bare : `${quoteIdent(schema)}.${bare}`
}

/** Types named in stored text (a view's query, a default, a CHECK: casts, and a view's column
 * definition lists), as PostgreSQL records a dependency of each on the types it names. */
const TYPE_NAMES: NameFinder = {
  may: (names) => {
    const bare = [...names].map((n) => bareName(n).toLowerCase())
    // A name stored escaped (U&"...") or with characters JSON escapes cannot be found as written.
    if (bare.some((n) => !/^[a-z0-9_$]+$/.test(n))) return () => true
    return (raw) => {
      const lower = raw.toLowerCase()
      return lower.includes('u&') || bare.some((n) => lower.includes(n))
    }
  },
  display: typeDisplayName,
  refs: (parse, text, form) => {
    const tree = form === 'expression' ? parse.expression(text) : parse.statement(text).stmt
    // A TypeName wrapped (a node) or as a field (a cast's, a column definition's).
    return nodesUnder<{ names?: Node[] }>(tree, ['typeName', 'TypeName']).flatMap((t) => {
      const name = enumNameOf(stringsOf(t.names))
      // `_mood` is mood's array type, spelled as PostgreSQL names it.
      return name === undefined ? [] : [name, name.replace(/(^|\.)_/, '$1')]
    })
  },
}

/** A binding of a table's stored expressions and the user types they named that no column has,
 * as they were bound. */
interface StoredBinding<T> {
  readonly value: T
  readonly named: readonly { readonly name: string; readonly type: SqlType | undefined }[]
}

/** Where bindings of one kind (CHECKs and defaults, index keys) are kept, per table definition
 * object: a definition read again with the same bytes is the same object. */
export type StoredBindings<T> = WeakMap<Table, StoredBinding<T>>

/**
 * What `bind` makes of `table`'s stored expressions with a binder whose user types are its
 * columns' enums, else `userType`'s (a type found at the caller's snapshot), kept in `cache` and
 * bound again only when a user type named but no column has changed (an ADD VALUE leaves the
 * table's definition, and so its object, as it was).
 */
export function storedBinding<T>(cache: StoredBindings<T>, table: Table, userType: TypeLookup, bind: (binder: Binder) => T): T {
  const held = cache.get(table)
  if (held !== undefined && held.named.every((n) => sameUserType(userType(n.name), n.type))) return held.value
  const columnTypes = enumLookupOf(table.columns)
  const named: { name: string; type: SqlType | undefined }[] = []
  const binder = new Binder(0, (name) => {
    const ofColumn = columnTypes(name)
    if (ofColumn !== undefined) return ofColumn
    const type = userType(name)
    named.push({ name, type })
    return type
  })
  const value = bind(binder)
  cache.set(table, { value, named })
  return value
}

function sameUserType(a: SqlType | undefined, b: SqlType | undefined): boolean {
  return a === undefined || b === undefined ? a === b : typesEqual(a, b)
}

/** The enum types named by the columns of a table (binding its stored defaults and checks,
 * whose casts name them). */
function enumLookupOf(columns: readonly ColumnDef[]): (name: string) => SqlType | undefined {
  return (name) => {
    for (const c of columns) {
      const t = c.type.kind === 'array' ? c.type.element : c.type
      if (t.kind === 'enum' && t.name === name) return t
    }
    return undefined
  }
}

function usesEnum(c: ColumnDef, oid: number): boolean {
  const t = c.type.kind === 'array' ? c.type.element : c.type
  return c.dropped !== true && t.kind === 'enum' && t.oid === oid
}

function withEnum(type: SqlType, to: EnumType): SqlType {
  if (type.kind === 'array') return { kind: 'array', element: withEnum(type.element, to) }
  return type.kind === 'enum' && type.oid === to.oid ? to : type
}

function tablesUsing(env: DdlEnv, oid: number): TableDef[] {
  const { start, end } = tablesRange()
  const found: TableDef[] = []
  for (const kv of env.view.scan(start, end)) {
    const def = JSON.parse(kv.value) as TableDef
    assert(decodeKey(kv.key)[2] === def.name, 'a definition is stored under its own name')
    if (def.columns.some((c) => usesEnum(c, oid))) found.push(def)
  }
  return found
}
