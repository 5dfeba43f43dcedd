// Index keys (ARCHITECTURE.md "Keys and rows"): what a row puts in a secondary index. A column
// element's value is the row's own; an expression index's elements and a partial index's predicate
// are stored as SQL text (IndexDef.exprs, IndexDef.where), bound here once per table definition as
// the table's CHECK constraints are (table-writer.ts), and evaluated over every row written. A row
// its predicate is not true for has no entry, so a unique partial index is unique among the rows
// it holds only.
import type { Random } from '../clock/index.ts'
import { assert, AssertionError, datatypeMismatch } from '../errors/index.ts'
import { formatText, formatType, type Datum, type SqlType } from './types/index.ts'
import { Binder, locationOf, type Scope, type SetCall, type TypeLookup } from './binder.ts'
import { isPlainIndex, type IndexDef, type Table } from './catalog.ts'
import { boolType, evaluate, type EvalContext, type Expr } from './expr.ts'
import type { Node } from 'libpg-query'
import type { ParseCache } from './parser.ts'
import { indexEntry, type IndexEntry } from './rows.ts'
import { tableScope } from './select.ts'
import { storedBinding, type StoredBindings } from './enums.ts'
import { indexElementText } from './system/index.ts'
import type { TxServices } from './tx-services.ts'

/** One index of a table, its key elements and predicate bound over the table's row. */
export interface IndexKeys {
  readonly index: IndexDef
  /** Per key element: a reference to its column, or its expression. */
  readonly elements: readonly Expr[]
  /** The elements' types: what their values are encoded in the key as. */
  readonly types: readonly SqlType[]
  /** A partial index's predicate; undefined when the index holds every row. */
  readonly predicate: Expr | undefined
}

const bound: StoredBindings<ReadonlyMap<number, IndexKeys>> = new WeakMap()

/** The keys of every index of `table`, the ones being built included, by index id: bound once per
 * table definition (and again when a user type they name changed: enums.ts storedBinding).
 * `userType` finds a type by name at the caller's snapshot. */
export function indexKeysOf(table: Table, parse: ParseCache, userType: TypeLookup): ReadonlyMap<number, IndexKeys> {
  return storedBinding(bound, table, userType, (binder) => bindIndexes(table, parse, binder))
}

/** The keys of one index of `table` (see indexKeysOf). */
export function indexKeys(table: Table, index: IndexDef, parse: ParseCache, userType: TypeLookup): IndexKeys {
  const keys = indexKeysOf(table, parse, userType).get(index.id)
  assert(keys !== undefined, 'an index belongs to its table')
  return keys
}

function bindIndexes(table: Table, parse: ParseCache, binder: Binder): ReadonlyMap<number, IndexKeys> {
  const byId = new Map<number, IndexKeys>()
  for (const index of [...table.def.indexes, ...(table.def.buildingIndexes ?? [])]) {
    byId.set(index.id, isPlainIndex(index) ? columnKeys(table, index) : bindKeys(table, index, parse, binder))
  }
  return byId
}

/** An index of columns only: nothing to bind. */
function columnKeys(table: Table, index: IndexDef): IndexKeys {
  const elements = index.columns.map((slot) => columnElement(table, slot))
  return { index, elements, types: elements.map((e) => e.type), predicate: undefined }
}

function columnElement(table: Table, slot: number): Expr {
  const col = table.columns[slot]
  assert(col !== undefined, 'an index element names a column of its table')
  return { kind: 'column', type: col.type, slot, name: col.name }
}

function bindKeys(table: Table, index: IndexDef, parse: ParseCache, binder: Binder): IndexKeys {
  const scope = tableScope(table, table.name)
  const elements = index.columns.map((slot, i) => {
    const text = index.exprs?.[i] ?? null
    return text === null ? columnElement(table, slot) : bindElement(binder, parse.expression(text), scope)
  })
  const predicate = index.where === undefined ? undefined : bindPredicate(binder, parse.expression(index.where), scope)
  return { index, elements, types: elements.map((e) => e.type), predicate }
}

/** An index expression over the table's row: no aggregate or window call (the binder refuses
 * them, naming the clause as PostgreSQL does); set-returning calls go to `collect` when given
 * (CREATE INDEX refuses them with PostgreSQL's message), else the binder refuses them too. */
export function bindElement(binder: Binder, node: Node, scope: Scope, collect?: { readonly sets: SetCall[] }): Expr {
  return binder.bind(node, scope, { clause: 'index expressions', ...collect })
}

/** A partial index's predicate: boolean (42804 naming WHERE, as PostgreSQL). */
export function bindPredicate(binder: Binder, node: Node, scope: Scope, collect?: { readonly sets: SetCall[] }): Expr {
  const e = binder.bind(node, scope, { clause: 'index predicates', ...collect })
  if (e.type.kind === 'unknown' || e.type.kind === 'bool') return binder.coerce(e, boolType(), 'implicit')
  throw datatypeMismatch(`argument of WHERE must be type boolean, not type ${formatType(e.type)}`, binder.position(locationOf(node)))
}

/** The entry of `row` in the index, or undefined when the index's predicate leaves it out. */
export function entryOf(table: Table, keys: IndexKeys, row: readonly Datum[], ctx: EvalContext): IndexEntry | undefined {
  const index = keys.index
  if (isPlainIndex(index)) return indexEntry(table, index, row)
  if (keys.predicate !== undefined && evaluate(keys.predicate, row, ctx) !== true) return undefined
  if (index.exprs === undefined) return indexEntry(table, index, row)
  const values = keys.elements.map((e) => evaluate(e, row, ctx))
  return indexEntry(table, index, row, { values, types: keys.types })
}

/** `Key (a, lower(b))=(1, x)` of a unique violation's DETAIL, as PostgreSQL writes it: the
 * elements as pg_get_indexdef prints them, then the row's values of them. */
export function keyDetail(table: Table, keys: IndexKeys, row: readonly Datum[], ctx: EvalContext): string {
  const names = keys.index.columns.map((slot, i) => {
    const text = keys.index.exprs?.[i] ?? null
    if (text === null) return table.columns[slot]?.name ?? '?'
    return indexElementText(text, new Map(table.columns.map((c) => [c.name, c.type])), true)
  })
  const values = keys.elements.map((e, i) => {
    const v = evaluate(e, row, ctx)
    return v === null ? 'null' : formatText(v, keys.types[i] as SqlType)
  })
  return `Key (${names.join(', ')})=(${values.join(', ')})`
}

/**
 * What an index job evaluates its index's expressions in: they are immutable (checked when the
 * index was created), so they read no parameter, no clock and no transaction service. A use of
 * one is a bug, which the services' stand-in reports.
 */
export function indexJobContext(random: Random, nowUs: bigint): EvalContext {
  const tx = new Proxy({} as TxServices, {
    get: (_target, name) => () => {
      throw new AssertionError(`an index expression used the transaction service ${String(name)}`)
    },
  })
  return { params: [], nowUs, random, tx }
}
