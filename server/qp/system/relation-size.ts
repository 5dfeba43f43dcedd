// Relation sizes (ARCHITECTURE.md "query processor": bind): pg_relation_size and its kin, as the
// bytes storage keeps under a relation's keys at the transaction's snapshot (StorageReader.storedBytes).
import { encodeKey, prefixEnd, type Key } from '../../encoding/index.ts'
import { SqlError } from '../../errors/index.ts'
import { SEQUENCE_BLOCKS_TABLE_ID, type Table } from '../catalog.ts'
import type { EvalContext } from '../expr.ts'
import type { CatalogModel, IndexInfo } from './model.ts'
import { indexOid, systemRelationOf } from './oids.ts'

/** PostgreSQL's fork names; only the main fork holds anything here (no free space or visibility
 * maps, no unlogged tables' init forks). */
const FORKS: ReadonlySet<string> = new Set(['main', 'fsm', 'vm', 'init'])

const prefixRange = (prefix: Key) => ({ start: prefix, end: prefixEnd(prefix) })

/** The stored index id behind an index's OID (every stored index: also the ones the catalog hides,
 * such as a foreign key's, and the ones CREATE INDEX ASYNC is still filling). */
function storedIndexIds(table: Table): number[] {
  return [...table.def.indexes, ...(table.def.buildingIndexes ?? [])].map((ix) => ix.id)
}

/** Bytes of index `indexId` of `table`. The primary key is the table's own key order (its rows are
 * stored under it, as a clustered index), so it keeps nothing beside the rows: 0. */
function indexBytes(ctx: EvalContext, table: Table, indexId: number): bigint {
  if (indexId === 0) return 0n
  return BigInt(ctx.tx.storedBytes(prefixRange(encodeKey([table.id, BigInt(indexId)]))))
}

function indexOf(m: CatalogModel, oid: bigint): IndexInfo | undefined {
  return m.indexes.find((i) => i.oid === oid)
}

/**
 * pg_relation_size(oid, fork): a table's row versions (its primary index), an index's entries, a
 * sequence's claimed blocks; 0 for a view; NULL for an OID that names no relation (as PostgreSQL,
 * before it looks at the fork). 22023 for an unknown fork name.
 */
export function relationSize(ctx: EvalContext, m: CatalogModel, oid: bigint, fork = 'main'): bigint | null {
  const bytes = mainForkSize(ctx, m, oid)
  if (bytes === null) return null
  if (!FORKS.has(fork)) {
    throw new SqlError('22023', 'invalid fork name', { hint: 'Valid fork names are "main", "fsm", "vm", and "init".' })
  }
  return fork === 'main' ? bytes : 0n
}

function mainForkSize(ctx: EvalContext, m: CatalogModel, oid: bigint): bigint | null {
  // Computed on read from the catalog's own keys: nothing is stored under the relation itself.
  if (systemRelationOf(oid) !== undefined) return 0n
  const table = m.tables.find((t) => t.oid === oid)?.table
  if (table !== undefined) return BigInt(ctx.tx.storedBytes({ start: table.rowsStart, end: table.rowsEnd }))
  const index = indexOf(m, oid)
  if (index !== undefined) {
    const owner = index.table.table
    const id = index.primary ? 0 : storedIndexIds(owner).find((i) => indexOid(owner.id, i) === oid)
    return id === undefined ? 0n : indexBytes(ctx, owner, id)
  }
  const sequence = m.sequences.find((s) => s.oid === oid)
  if (sequence !== undefined) {
    // Every epoch's blocks: an old epoch's stay until GC collects them.
    return BigInt(ctx.tx.storedBytes(prefixRange(encodeKey([SEQUENCE_BLOCKS_TABLE_ID, BigInt(sequence.def.id)]))))
  }
  return m.views.some((v) => v.oid === oid) ? 0n : null
}

/** Whether `oid` names a relation (without measuring it). */
function named(m: CatalogModel, oid: bigint): boolean {
  const is = (x: { readonly oid: bigint }) => x.oid === oid
  return m.indexes.some(is) || m.sequences.some(is) || m.views.some(is) || systemRelationOf(oid) !== undefined
}

/** pg_indexes_size(oid): the sum over a table's stored indexes; 0 for any other relation. */
export function indexesSize(ctx: EvalContext, m: CatalogModel, oid: bigint): bigint | null {
  const table = m.tables.find((t) => t.oid === oid)?.table
  if (table === undefined) return named(m, oid) ? 0n : null
  let bytes = 0n
  for (const id of storedIndexIds(table)) bytes += indexBytes(ctx, table, id)
  return bytes
}

/** pg_total_relation_size(oid): pg_table_size plus pg_indexes_size. (pg_table_size is
 * pg_relation_size here: nothing is kept out of line, as TOAST keeps it.) */
export function totalRelationSize(ctx: EvalContext, m: CatalogModel, oid: bigint): bigint | null {
  const own = relationSize(ctx, m, oid)
  const indexes = indexesSize(ctx, m, oid)
  return own === null || indexes === null ? null : own + indexes
}
