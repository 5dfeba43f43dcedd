// Reads of a transaction (ARCHITECTURE.md step 2 and 3): storage at startTs with the transaction's
// own write buffer merged over it (read-your-writes).
import type { HlcTimestamp } from '../clock/index.ts'
import { leadingSmallUint, type Key } from '../encoding/index.ts'
import type { KeyValue, StorageReader } from '../storage/index.ts'
import { CATALOG_TABLE_ID, FIRST_USER_TABLE_ID, type CatalogReads } from './catalog.ts'
import type { WriteBuffer } from './write-buffer.ts'

/**
 * Storage at a snapshot plus a write buffer: as it is now (constraint checks, foreign key actions,
 * the next statement), or with `atStatementStart`, as the current statement began (every read of
 * a statement, its subqueries and the expressions it computes, as PostgreSQL's command id).
 */
export class SnapshotView {
  readonly #storage: StorageReader
  readonly #ts: HlcTimestamp
  readonly #buffer: WriteBuffer
  readonly #atStart: boolean
  readonly #noteRead: ((tableId: number) => void) | undefined

  /** `noteRead`, when given, is told the table of every key and range read from storage. */
  constructor(
    storage: StorageReader,
    ts: HlcTimestamp,
    buffer: WriteBuffer,
    atStatementStart = false,
    noteRead?: (tableId: number) => void,
  ) {
    this.#storage = storage
    this.#ts = ts
    this.#buffer = buffer
    this.#atStart = atStatementStart
    this.#noteRead = noteRead
  }

  get(key: Key): string | undefined {
    const buffered = this.#buffered(key)
    if (buffered !== undefined) return buffered ?? undefined
    this.#noteRead?.(leadingSmallUint(key))
    return this.#storage.get(key, this.#ts)
  }

  #buffered(key: Key): string | null | undefined {
    return this.#atStart ? this.#buffer.getAtStatementStart(key) : this.#buffer.get(key)
  }

  /** Whether the transaction has written `key` (a value or a delete in its buffer). */
  written(key: Key): boolean {
    return this.#buffer.get(key) !== undefined
  }

  /** Whether the current statement has written `key` (WriteBuffer.writtenInStatement). */
  writtenInStatement(key: Key): boolean {
    return this.#buffer.writtenInStatement(key)
  }

  /** A catalog value: the write buffer first, then the shared catalog reads (see CatalogReads). */
  getCatalog(key: Key, reads: CatalogReads): string | undefined {
    const buffered = this.#buffer.get(key)
    if (buffered !== undefined) return buffered ?? undefined
    return reads.read(this.#storage, key, this.#ts)
  }

  /** Live keys of `[start, end)` in key order (or reverse), storage and buffer merged. */
  *scan(start: Key, end: Key, reverse = false): Generator<KeyValue> {
    // A range read lies within one table (a table's or an index's range, or the catalog's).
    this.#noteRead?.(leadingSmallUint(start))
    if (this.#buffer.size === 0) {
      yield* this.#storage.scan({ start, end }, this.#ts, { reverse })
      return
    }
    const buffered = this.#buffer.range(start, end)
    if (reverse) buffered.reverse()
    let i = 0
    const before = (a: Key, b: Key) => (reverse ? a > b : a < b)
    for (const kv of this.#storage.scan({ start, end }, this.#ts, { reverse })) {
      for (; i < buffered.length && before(buffered[i] as Key, kv.key); i++) {
        yield* this.#bufferedEntry(buffered[i] as Key, undefined)
      }
      if (i < buffered.length && buffered[i] === kv.key) {
        yield* this.#bufferedEntry(buffered[i] as Key, kv)
        i++
        continue
      }
      yield kv
    }
    for (; i < buffered.length; i++) yield* this.#bufferedEntry(buffered[i] as Key, undefined)
  }

  /** A buffered key's entry; `stored` is the key's entry in storage, if any: a key the statement
   * wrote first is not buffered as it began. */
  *#bufferedEntry(key: Key, stored: KeyValue | undefined): Generator<KeyValue> {
    // Read again: the statement may have written the key since the range was taken.
    const value = this.#buffered(key)
    if (value === undefined) {
      if (stored !== undefined) yield stored
    } else if (value !== null) yield { key, value }
  }
}

/**
 * A view that also tells which tables' rows it read: DDL that builds an index or validates a
 * constraint from the rows it sees must commit only if no write to those tables came after its
 * snapshot (the adjudicators' stable tables). A range of the catalog counts too: DDL scans it only
 * to find what depends on what it drops or changes (the views reading a table, the tables using a
 * type, what a schema holds), and a dependent committed after its snapshot is in no such scan,
 * while the dependent, which read the definition this DDL writes, aborts only if this DDL commits
 * first. Holding the catalog stable makes the DDL committing second abort either way (40001).
 * Statements that only create (a table, a view) read definitions by key and hold nothing.
 */
const FIRST_USER_TABLE = Number(FIRST_USER_TABLE_ID)
const CATALOG = Number(CATALOG_TABLE_ID)

export class RowReadingView extends SnapshotView {
  readonly #onTable: (tableId: number) => void

  constructor(
    storage: StorageReader,
    ts: HlcTimestamp,
    buffer: WriteBuffer,
    onTable: (tableId: number) => void,
    noteRead?: (tableId: number) => void,
  ) {
    super(storage, ts, buffer, false, noteRead)
    this.#onTable = onTable
  }

  override get(key: Key): string | undefined {
    this.#note(key)
    return super.get(key)
  }

  override *scan(start: Key, end: Key, reverse = false): Generator<KeyValue> {
    this.#note(start)
    if (leadingSmallUint(start) === CATALOG) this.#onTable(CATALOG)
    yield* super.scan(start, end, reverse)
  }

  #note(key: Key): void {
    // The catalog's own tables (definitions, sequences, index jobs) are not rows a DDL builds from.
    const id = leadingSmallUint(key)
    if (id >= FIRST_USER_TABLE) this.#onTable(id)
  }
}
