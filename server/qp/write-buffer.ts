// The transaction's write buffer (ARCHITECTURE.md step 3): new row images and index entries kept
// until commit, read back by the transaction itself, undone per statement on failure.
import { jsonStringBytes, type Key, type Write } from '../encoding/index.ts'
import { assert } from '../errors/index.ts'

interface UndoEntry {
  readonly key: Key
  /** The buffered value before the write; undefined when the key was not buffered. */
  readonly previous: string | null | undefined
}

/**
 * A map Key -> value | null (null deletes), iterable in key order. Sorted order is kept in a
 * lazily built array: inserts append to the map, a range read sorts once, later inserts into a
 * sorted array use binary search.
 */
export class WriteBuffer {
  readonly #values = new Map<Key, string | null>()
  #sorted: Key[] | undefined = []
  #undo: UndoEntry[] = []
  /** Keys the current statement wrote -> their buffered value before its first write to them
   * (undefined: not buffered), built from the undo log when a statement-start read needs it. */
  #atStart: Map<Key, string | null | undefined> | undefined
  /** Undo entries already in `#atStart`. */
  #atStartBuilt = 0
  #bytes = 0

  get size(): number {
    return this.#values.size
  }

  /** Bytes of keys and values buffered as a commit record stores them (the txBytesMax measure):
   * see `storedBytes`. */
  get bytes(): number {
    return this.#bytes
  }

  /** The buffered value: a string, null for a buffered delete, undefined when not buffered. */
  get(key: Key): string | null | undefined {
    return this.#values.get(key)
  }

  /**
   * The buffered value as the current statement began (PostgreSQL's command id: a statement's
   * reads do not see its own writes): what `get` answered before the statement's first write to
   * `key`. Read through the undo log, so the statement's writes cost nothing more.
   */
  getAtStatementStart(key: Key): string | null | undefined {
    if (this.#undo.length === 0) return this.#values.get(key)
    const atStart = this.#statementStart()
    return atStart.has(key) ? atStart.get(key) : this.#values.get(key)
  }

  /** Whether the current statement has written `key` (a part of it that comes later leaves the
   * row alone: see modifying-with.ts). */
  writtenInStatement(key: Key): boolean {
    return this.#undo.length > 0 && this.#statementStart().has(key)
  }

  #statementStart(): Map<Key, string | null | undefined> {
    const atStart = (this.#atStart ??= new Map())
    for (; this.#atStartBuilt < this.#undo.length; this.#atStartBuilt++) {
      const entry = this.#undo[this.#atStartBuilt]!
      if (!atStart.has(entry.key)) atStart.set(entry.key, entry.previous)
    }
    return atStart
  }

  set(key: Key, value: string | null): void {
    const previous = this.#values.get(key)
    this.#undo.push({ key, previous })
    this.#store(key, value, previous)
  }

  /** Buffered keys in `[start, end)`, ascending. */
  range(start: Key, end: Key): Key[] {
    const sorted = this.#sortedKeys()
    return sorted.slice(lowerBound(sorted, start), lowerBound(sorted, end))
  }

  /** Forgets the undo log: the current statement succeeded. */
  release(): void {
    this.#undo = []
    this.#forgetStatementStart()
  }

  #forgetStatementStart(): void {
    this.#atStart = undefined
    this.#atStartBuilt = 0
  }

  /** Undoes every write since the last `release()`: the current statement failed. */
  undo(): void {
    for (let i = this.#undo.length - 1; i >= 0; i--) {
      const entry = this.#undo[i]
      assert(entry !== undefined, 'undo index in range')
      const current = this.#values.get(entry.key)
      if (entry.previous === undefined) {
        this.#values.delete(entry.key)
        this.#bytes -= entry.key.length + valueBytes(current)
        this.#sorted = undefined
      } else {
        this.#store(entry.key, entry.previous, current)
      }
    }
    this.#undo = []
    this.#forgetStatementStart()
  }

  /** Every buffered write in key order (what commit sends). */
  writes(): Write[] {
    return this.#sortedKeys().map((key) => ({ key, value: this.#values.get(key) ?? null }))
  }

  clear(): void {
    this.#values.clear()
    this.#sorted = []
    this.#undo = []
    this.#forgetStatementStart()
    this.#bytes = 0
  }

  #store(key: Key, value: string | null, previous: string | null | undefined): void {
    if (previous === undefined) {
      this.#bytes += key.length
      if (this.#sorted !== undefined) {
        const at = lowerBound(this.#sorted, key)
        // Appending in order (bulk inserts by ascending key) stays cheap; random inserts splice.
        this.#sorted.splice(at, 0, key)
      }
    }
    this.#bytes += valueBytes(value) - valueBytes(previous)
    this.#values.set(key, value)
  }

  #sortedKeys(): Key[] {
    this.#sorted ??= [...this.#values.keys()].sort()
    return this.#sorted
  }
}

/**
 * Bytes `writes` take in a commit record besides its JSON punctuation (the journal bounds that per
 * write): UTF-8 of the JSON-escaped value strings. A value is a row's JSON, so in a text an 'é'
 * counts two bytes, an emoji four, and a '"' or '\\' four (escaped in the row, then in the record).
 * A key is hex, one byte a character.
 */
export function storedBytes(writes: readonly Write[]): number {
  let bytes = 0
  for (const w of writes) bytes += w.key.length + valueBytes(w.value)
  return bytes
}

/** A value's bytes in a commit record; a delete's null is punctuation. */
const valueBytes = (value: string | null | undefined): number =>
  value === null || value === undefined ? 0 : jsonStringBytes(value)

/** The first index whose key is >= `key`. */
function lowerBound(keys: readonly Key[], key: Key): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((keys[mid] as Key) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}
