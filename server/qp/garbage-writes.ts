// Garbage entries of a commit (ARCHITECTURE.md "Keys and rows"; storage's garbage collection):
// the key ranges that a transaction's catalog writes make unreachable to every later snapshot.
import { encodeKey, prefixEnd, type Key, type Write } from '../encoding/index.ts'
import { assert } from '../errors/index.ts'
import { garbageKey } from '../storage/index.ts'
import {
  CATALOG_TABLE_ID,
  FIRST_USER_TABLE_ID,
  PRIMARY_INDEX_ID,
  SEQUENCE_BLOCKS_TABLE_ID,
  sequencesRange,
  tableIdCounterKey,
  tablesRange,
  type TableDef,
} from './catalog.ts'
import type { SequenceDef } from './sequences.ts'

/**
 * `writes` (sorted by key, as a commit sends them) with a garbage entry added for every key range
 * the commit makes unreachable: a table id no definition holds any more (DROP TABLE, DROP SCHEMA
 * CASCADE, TRUNCATE's old id), an index id gone from its table's definition (DROP INDEX, DROP
 * CONSTRAINT, DROP COLUMN, a foreign key's own index, a failed index job), the blocks of a dropped
 * sequence or of an epoch setval left behind; and the same for objects created and gone within
 * the transaction when it wrote under them. Derived from the catalog writes alone, so every DDL
 * path is covered, present or future: `before(key)` is a key's committed value at the
 * transaction's snapshot. Ids are never reused, and every writer of an object reads its
 * definition key: one that begins after the change cannot name the object, one that began before
 * conflicts, or commits within the transaction age limit (or, across owners, within the
 * coordinator's append bound), which storage waits out before it deletes the range (the region's
 * deadBelowTs and GC_DEAD_RANGE_SLACK_MS). The entries commit atomically with the change: a
 * rollback leaves none. Sorted like `writes`.
 */
export function withGarbage(
  writes: readonly Write[],
  before: (key: Key) => string | undefined,
): readonly Write[] {
  // Every commit comes here: the catalog (table 1) sorts before every other table, so one
  // comparison tells a commit without catalog writes.
  const first = writes[0]
  if (first === undefined || first.key >= CATALOG_END) return writes
  const tables = within(writes, TABLES)
  const sequences = within(writes, SEQUENCES)
  if (tables.length === 0 && sequences.length === 0) return writes
  const has = (prefix: Key) => within(writes, { start: prefix, end: prefixEnd(prefix) }).length > 0
  const dead = new Set<Key>()
  const tableDefs = definitions<TableDef>(tables, before)
  for (const [id, def] of tableDefs.before) {
    const after = tableDefs.after.get(id)
    if (after === undefined) dead.add(encodeKey([BigInt(id)]))
    else for (const prefix of deadIndexes(def, after, has)) dead.add(prefix)
  }
  for (const [id, after] of tableDefs.after) {
    if (tableDefs.before.has(id)) continue
    for (const prefix of deadIndexes(undefined, after, has)) dead.add(prefix)
  }
  const sequenceDefs = definitions<SequenceDef>(sequences, before)
  for (const [id, def] of sequenceDefs.before) {
    const after = sequenceDefs.after.get(id)
    if (after === undefined) dead.add(encodeKey([SEQUENCE_BLOCKS_TABLE_ID, BigInt(id)]))
    else for (let e = def.epoch; e < after.epoch; e++) dead.add(blocksOf(id, e))
  }
  for (const [id, after] of sequenceDefs.after) {
    if (sequenceDefs.before.has(id)) continue
    for (let e = 0; e < after.epoch; e++) if (has(blocksOf(id, e))) dead.add(blocksOf(id, e))
  }
  // Ids taken in this transaction whose object is gone again: created and dropped (or truncated)
  // before the commit. They are dead only where the transaction wrote under them.
  for (const id of allocatedIds(writes, before)) {
    const key = String(id)
    const rows = encodeKey([id])
    if (!tableDefs.after.has(key) && has(rows)) dead.add(rows)
    const blocks = encodeKey([SEQUENCE_BLOCKS_TABLE_ID, id])
    if (!sequenceDefs.after.has(key) && has(blocks)) dead.add(blocks)
  }
  if (dead.size === 0) return writes
  const entries = [...dead].map((prefix) => ({ key: garbageKey(prefix), value: '' }))
  return [...writes, ...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

const CATALOG_END = prefixEnd(encodeKey([CATALOG_TABLE_ID]))
const TABLES = tablesRange()
const SEQUENCES = sequencesRange()

/** Definitions by id, as committed at the snapshot (`before`) and as this commit leaves them
 * (`after`), of every definition key the commit writes: a renamed object keeps its id. */
function definitions<D extends { readonly id: string }>(
  written: readonly Write[],
  before: (key: Key) => string | undefined,
) {
  const out = { before: new Map<string, D>(), after: new Map<string, D>() }
  for (const write of written) {
    const old = before(write.key)
    if (old !== undefined) add(out.before, JSON.parse(old) as D)
    if (write.value !== null) add(out.after, JSON.parse(write.value) as D)
  }
  return out
}

function add<D extends { readonly id: string }>(map: Map<string, D>, def: D): void {
  assert(!map.has(def.id), `object id ${def.id} is defined twice`)
  map.set(def.id, def)
}

/** The index ranges of table `after` that died: the indexes `before` had or this transaction
 * created (ids from `before.nextIndexId`; from 1 for a table created here) that `after` lacks.
 * An index that never committed is dead only where the transaction wrote under it. */
function deadIndexes(
  before: TableDef | undefined,
  after: TableDef,
  has: (prefix: Key) => boolean,
): Key[] {
  const live = indexIds(after)
  const out: Key[] = []
  const prefix = (index: number) => encodeKey([BigInt(after.id), BigInt(index)])
  for (const index of before === undefined ? [] : indexIds(before)) {
    if (!live.has(index)) out.push(prefix(index))
  }
  for (let index = before?.nextIndexId ?? 1; index < after.nextIndexId; index++) {
    if (!live.has(index) && has(prefix(index))) out.push(prefix(index))
  }
  return out
}

/** The index ids a definition holds: the primary index, the usable and the building ones. */
function indexIds(def: TableDef): Set<number> {
  const building = (def.buildingIndexes ?? []).map((i) => i.id)
  return new Set([Number(PRIMARY_INDEX_ID), ...def.indexes.map((i) => i.id), ...building])
}

const blocksOf = (id: string, epoch: number): Key =>
  encodeKey([SEQUENCE_BLOCKS_TABLE_ID, BigInt(id), BigInt(epoch)])

/** The object ids this commit takes from the counter (tables, sequences and enums share it). */
function allocatedIds(
  writes: readonly Write[],
  before: (key: Key) => string | undefined,
): bigint[] {
  const counter = tableIdCounterKey()
  const [written] = within(writes, { start: counter, end: `${counter}00` })
  if (written?.value == null) return []
  const from = BigInt(before(counter) ?? FIRST_USER_TABLE_ID)
  const ids: bigint[] = []
  for (let id = from; id < BigInt(written.value); id++) ids.push(id)
  return ids
}

/** The writes with keys in `[start, end)` (binary search: `writes` is sorted). */
function within(
  writes: readonly Write[],
  range: { readonly start: Key; readonly end: Key },
): readonly Write[] {
  const lower = (key: Key) => {
    let lo = 0
    let hi = writes.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((writes[mid] as Write).key < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  return writes.slice(lower(range.start), lower(range.end))
}
