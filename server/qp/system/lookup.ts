// Catalog lookups behind the catalog functions (ARCHITECTURE.md "query processor": bind): objects
// by OID and relations by regclass-style name, over the model of one snapshot.
import { parseQualifiedName, quoteIdent } from './deparse.ts'
import { constraintDef, indexColumnDef, indexDef } from './describe.ts'
import { splitName, type CatalogModel, type SchemaInfo } from './model.ts'
import { systemRelationOf, systemRelationOid } from './oids.ts'
import type { SequencePosition } from '../sequences.ts'
import { parseOid } from '../types/index.ts'

/** pg_get_indexdef(oid, column): the definition (column 0) or the column-th key column's name. */
export function indexDefinition(m: CatalogModel, oid: bigint, column: number): string | null {
  const ix = m.indexes.find((i) => i.oid === oid)
  if (ix === undefined) return null
  return column === 0 ? indexDef(ix) : indexColumnDef(ix, column)
}

/** pg_get_constraintdef(oid, pretty). */
export function constraintDefinition(m: CatalogModel, oid: bigint, pretty = false): string | null {
  const c = m.constraints.find((k) => k.oid === oid)
  return c === undefined ? null : constraintDef(c, pretty)
}

/** pg_get_viewdef(oid): the defining query as written (PostgreSQL prints its own rendering). */
export function viewDefinition(m: CatalogModel, oid: bigint): string | null {
  return m.views.find((v) => v.oid === oid)?.info.sql ?? null
}

/** The schema and name a regclass-style name denotes (public when unqualified, `bare`). */
function qualified(text: string): { readonly schema: string; readonly name: string; readonly bare: boolean } | undefined {
  const parts = parseQualifiedName(text)
  if (parts === undefined) return undefined
  return parts.length === 2
    ? { schema: parts[0] as string, name: parts[1] as string, bare: false }
    : { schema: 'public', name: parts[0] as string, bare: true }
}

const named = (q: { schema: string; name: string }) => (x: { readonly schema: SchemaInfo; readonly name: string }) =>
  x.schema.name === q.schema && x.name === q.name

/** to_regclass(text): the OID of the table, index, sequence or view, or NULL. A bare name is a
 * system relation of pg_catalog's before a relation of public (PostgreSQL searches pg_catalog
 * first); information_schema's are found qualified. Digits are an OID, whether a relation has it
 * or not, and `-` is 0, as PostgreSQL's regclass input reads them (22003 past 32 bits). */
export function regclassOid(m: CatalogModel, text: string): bigint | null {
  if (/^[0-9]+$/.test(text)) return parseOid(text)
  if (text === '-') return 0n
  const q = qualified(text)
  if (q === undefined) return null
  const system = systemRelationOid(q.bare ? 'pg_catalog' : q.schema, q.name)
  if (system !== undefined) return system
  const is = named(q)
  const hit =
    m.tables.find(is) ??
    m.indexes.find((ix) => ix.table.schema.name === q.schema && ix.name === q.name) ??
    m.sequences.find(is) ??
    m.views.find(is)
  return hit?.oid ?? null
}

/** The schema a regnamespace-style name denotes: the name as read (one identifier, quoted or
 * folded to lowercase) and its OID, null when no schema has it; undefined when the text is no
 * such name. Digits are an OID and `-` is 0, as for regclass. */
export function regnamespaceOid(m: CatalogModel, text: string): { readonly name: string; readonly oid: bigint | null } | undefined {
  if (/^[0-9]+$/.test(text)) return { name: text, oid: parseOid(text) }
  if (text === '-') return { name: text, oid: 0n }
  const parts = parseQualifiedName(text)
  const name = parts?.length === 1 ? parts[0] : undefined
  if (name === undefined || name === '') return undefined
  return { name, oid: m.schemas.find((s) => s.name === name)?.oid ?? null }
}

/** `oid::regnamespace`'s text: the schema's name (quoted where it must be), the number when no
 * schema has that OID, `-` for 0. */
export function regnamespaceName(m: CatalogModel, oid: bigint): string {
  if (oid === 0n) return '-'
  const schema = m.schemas.find((s) => s.oid === oid)
  return schema === undefined ? String(oid) : quoteIdent(schema.name)
}

/** pg_get_serial_sequence(table, column): the qualified name of the column's sequence, or NULL. */
export function serialSequence(m: CatalogModel, tableText: string, column: string): string | null {
  const q = qualified(tableText)
  const t = q === undefined ? undefined : m.tables.find(named(q))
  const sequence = t?.columns.find((c) => c.def.name === column && c.def.dropped !== true)?.def.sequence
  if (sequence === undefined) return null
  const { schema, name } = splitName(sequence)
  return `${quoteIdent(schema)}.${quoteIdent(name)}`
}

/** pg_table_is_visible(oid): whether the relation is found by its bare name (search path public). */
export function tableIsVisible(m: CatalogModel, oid: bigint): boolean {
  const system = systemRelationOf(oid)
  if (system !== undefined) return system.schema === 'pg_catalog'
  const owner = m.tables.find((t) => t.oid === oid) ?? m.indexes.find((i) => i.oid === oid)?.table
  const relation = owner ?? m.sequences.find((s) => s.oid === oid) ?? m.views.find((v) => v.oid === oid)
  return relation === undefined || relation.schema.name === 'public' || relation.schema.name === 'pg_catalog'
}

/** regclass output: the relation's name, schema-qualified when not visible (outside public, or
 * in public under the name of a pg_catalog relation, which the search path finds first); the OID
 * as text for an OID that names no relation and `-` for 0 (as PostgreSQL prints them). */
export function regclassName(m: CatalogModel, oid: bigint): string {
  if (oid === 0n) return '-'
  const system = systemRelationOf(oid)
  if (system !== undefined) {
    return system.schema === 'pg_catalog' ? quoteIdent(system.name) : `${quoteIdent(system.schema)}.${quoteIdent(system.name)}`
  }
  const relation =
    m.tables.find((t) => t.oid === oid) ??
    m.sequences.find((s) => s.oid === oid) ??
    m.views.find((v) => v.oid === oid) ??
    m.indexes.map((ix) => ({ schema: ix.table.schema, name: ix.name, oid: ix.oid })).find((ix) => ix.oid === oid)
  if (relation === undefined) return String(oid)
  const name = quoteIdent(relation.name)
  const visible = relation.schema.name === 'public' && systemRelationOid('pg_catalog', relation.name) === undefined
  return visible ? name : `${quoteIdent(relation.schema.name)}.${name}`
}

/** pg_sequence_last_value's answer for a sequence standing at `p`: the last value handed out, NULL
 * before the first nextval or after setval(..., false) (is_called false); NULL too where there is
 * no position to tell (a catalog without transaction). */
export function lastValue(p: SequencePosition | undefined): bigint | null {
  return p?.called === true ? p.value : null
}
