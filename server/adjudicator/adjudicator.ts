// One adjudicator (ARCHITECTURE.md step 4, "Commit"): for the partitions one owner holds, decide
// commit or conflict (first committer wins under snapshot isolation) and append to its journal.
import { type Clock, type Hlc, type HlcTimestamp, tsFromMs } from '../clock/index.ts'
import { encodeKey, leadingSmallUint, type Key, type Write } from '../encoding/index.ts'
import { assert, isSqlError } from '../errors/index.ts'
import type { Appended, Journal } from '../journal/index.ts'
import { RESERVATION_LAPSE_MS, WANTED_KEYS_MAX, WANTED_MS } from './constants.ts'
import { KeyHistory } from './key-history.ts'
import type {
  AdjudicatorPeer,
  AdjudicatorStats,
  CommitOutcome,
  CommitRequest,
  Coordinator,
  FinishRequest,
  PrepareOutcome,
  PrepareRequest,
  PreparedElsewhere,
} from './index.ts'

export interface AdjudicatorLimits {
  readonly txAgeMsMax: number
  readonly keysTrackedMax: number
  readonly keyCharsTrackedMax: number
  readonly pruneStepsPerCommit: number
  readonly finishedTxRemembered: number
}

export interface AdjudicatorInit {
  readonly id: string
  readonly journal: Journal
  readonly hlc: Hlc
  readonly clock: Clock
  /** Every key counts as written at this ts (the journals' last commitTs at start). */
  readonly floorTs: HlcTimestamp
  readonly limits: AdjudicatorLimits
}

/**
 * The state of one owner: a bounded history of the last commitTs per key (with a floor below which
 * every key counts as written), the keys reserved by prepared commits that span owners, and the
 * keys those commits read (held: see #readBy). Every
 * decision runs synchronously from check to record: in one process commits never interleave.
 */
export class Adjudicator implements AdjudicatorPeer {
  readonly id: string
  readonly journal: Journal
  readonly #hlc: Hlc
  readonly #clock: Clock
  readonly #limits: AdjudicatorLimits
  readonly #history: KeyHistory
  readonly #reservedBy = new Map<Key, string>()
  /**
   * The keys that commits prepared here read, and which of them read each, until their finish. A
   * read is checked when its owner prepares, and the commit is decided later, at the coordinator:
   * a write or lock of the key prepared or committed here in between would not be seen by that
   * check, and the reader would commit over it (two commits spanning owners, each reading a key
   * the other writes, both committed: a foreign key's child inserted beside its parent's delete).
   * So a write or lock of a held key conflicts, as one of a reserved key does.
   */
  readonly #readBy = new Map<Key, Set<string>>()
  /**
   * Keys a write or lock found held by prepared readers (#readBy), until when (wall ms). Reads never
   * conflict with one another, so a steady stream of commits reading a key (a table's schema key,
   * read by every commit that uses the table) could keep it held for good and refuse every DDL
   * statement that writes it; while a key is wanted, a new prepare reading it conflicts instead,
   * so the holds drain and the writer's retry finds the key free. Bounded (WANTED_KEYS_MAX).
   */
  readonly #wanted = new Map<Key, number>()
  /** Prepared commits by txId, in prepare order: their reserved keys, the tables they write and
   * the tables they hold stable (reserved), and when (wall ms). */
  readonly #prepared = new Map<string, Prepared>()
  /** The last commitTs of a write to each table (by id) that this owner decided: DDL that read a
   * table's rows (stableTables) aborts if one came after its snapshot. Entries older than the
   * transaction age mean nothing (such DDL aborts anyway) and are dropped once there are many. */
  readonly #tableWrites = new Map<number, HlcTimestamp>()
  /** Tables held stable by a prepared DDL commit: writes to them conflict until it finishes. */
  readonly #reservedTables = new Map<number, string>()
  #tableWritesPruneAbove = TABLE_WRITES_PRUNE_ABOVE
  /** Recently finished txIds (a set, and a ring giving the oldest), so that a late duplicate
   * prepare cannot reserve again. */
  readonly #finished = new Set<string>()
  readonly #finishedRing: string[] = []
  #expiring = false
  #finishedNext = 0

  constructor(init: AdjudicatorInit) {
    this.id = init.id
    this.journal = init.journal
    this.#hlc = init.hlc
    this.#clock = init.clock
    this.#limits = init.limits
    this.#history = new KeyHistory(init.floorTs, init.limits.keysTrackedMax, init.limits.keyCharsTrackedMax)
  }

  /** A request whose keys all fall in this owner's partitions: check, append, record, await. */
  commitAlone(request: CommitRequest): CommitOutcome | Promise<CommitOutcome> {
    this.#expireReservations()
    const { txId, startTs, writes, lockedKeys, readKeys } = request
    const key =
      this.#oldKey(startTs, writes[0]?.key ?? lockedKeys[0] ?? readKeys[0]) ??
      this.#firstConflictOfWrites(txId, startTs, writes) ??
      this.#firstConflictRecorded(txId, startTs, lockedKeys) ??
      this.#firstConflict(txId, startTs, readKeys) ??
      this.#stableConflict(txId, startTs, request.stableTables ?? NO_TABLES)
    if (key !== undefined) return this.conflict(startTs, key)
    if (writes.length === 0 && lockedKeys.length === 0) {
      return { kind: 'committed', commitTs: startTs, journalId: this.journal.id, seq: 0 }
    }
    this.#hlc.update(startTs)
    // Throws 54000/53100/57P03 before anything is recorded: nothing committed.
    const appended = this.journal.append({ txId, proposedTs: this.#hlc.now(), writes })
    this.#hlc.update(appended.commitTs)
    for (const write of writes) {
      this.#history.record(write.key, appended.commitTs)
      this.#recordTableWrite(write.key, appended.commitTs)
    }
    for (const locked of lockedKeys) this.#history.record(locked, appended.commitTs)
    if (this.#wanted.size > 0) {
      for (const write of writes) this.#wanted.delete(write.key)
      for (const k of lockedKeys) this.#wanted.delete(k)
    }
    this.prune(writes.length + lockedKeys.length + this.#limits.pruneStepsPerCommit)
    return outcomeOf(appended, this.journal.id)
  }

  /**
   * A check without a reservation, for a caller that appends and calls `record` before anything
   * else can run (every owner of the commit is local): the first conflicting key, or undefined.
   */
  check(
    txId: string,
    startTs: HlcTimestamp,
    writeKeys: readonly Key[],
    lockedKeys: readonly Key[],
    readKeys: readonly Key[],
    stableTables: readonly number[] = NO_TABLES,
  ): Key | undefined {
    this.#expireReservations()
    return (
      this.#oldKey(startTs, writeKeys[0] ?? lockedKeys[0] ?? readKeys[0]) ??
      this.#firstConflictRecorded(txId, startTs, writeKeys) ??
      this.#tableReserved(txId, writeKeys) ??
      this.#firstConflictRecorded(txId, startTs, lockedKeys) ??
      this.#firstConflict(txId, startTs, readKeys) ??
      this.#stableConflict(txId, startTs, stableTables)
    )
  }

  /** After `check` and the append: the written and locked keys were written at `commitTs`. */
  record(writeKeys: readonly Key[], lockedKeys: readonly Key[], commitTs: HlcTimestamp): void {
    for (const key of writeKeys) {
      this.#history.record(key, commitTs)
      this.#recordTableWrite(key, commitTs)
    }
    for (const key of lockedKeys) this.#history.record(key, commitTs)
    this.prune(writeKeys.length + lockedKeys.length + this.#limits.pruneStepsPerCommit)
  }

  prepare(request: PrepareRequest): PrepareOutcome {
    this.#expireReservations()
    const { txId, startTs, writeKeys, lockedKeys, readKeys } = request
    const stable = request.stableTables ?? NO_TABLES
    // The network may duplicate a prepare: one still prepared keeps its reservations; one that
    // arrives after its finish must not reserve again (nobody would release the keys).
    if (this.#prepared.has(txId)) return { kind: 'prepared', proposedTs: this.#hlc.now() }
    const firstKey = writeKeys[0] ?? lockedKeys[0] ?? readKeys[0] ?? (stable.length > 0 ? tableKeyOf(stable[0] as number) : undefined)
    if (firstKey !== undefined && this.#finished.has(txId))
      return this.conflict(startTs, firstKey)
    const key =
      this.#oldKey(startTs, firstKey) ??
      this.#firstConflictRecorded(txId, startTs, writeKeys) ??
      this.#tableReserved(txId, writeKeys) ??
      this.#firstConflictRecorded(txId, startTs, lockedKeys) ??
      this.#firstConflict(txId, startTs, readKeys) ??
      this.#firstWanted(readKeys, writeKeys, lockedKeys) ??
      this.#stableConflict(txId, startTs, stable)
    if (key !== undefined) return this.conflict(startTs, key)
    const reserved = [...writeKeys, ...lockedKeys]
    if (this.#wanted.size > 0) for (const k of reserved) this.#wanted.delete(k)
    if (reserved.length > 0 || stable.length > 0 || readKeys.length > 0) {
      for (const k of reserved) this.#reservedBy.set(k, txId)
      for (const id of stable) this.#reservedTables.set(id, txId)
      for (const k of readKeys) {
        const readers = this.#readBy.get(k)
        if (readers === undefined) this.#readBy.set(k, new Set([txId]))
        else readers.add(txId)
      }
      const coordinator = request.coordinator
      this.#prepared.set(txId, { keys: reserved, writeKeys, readKeys, stable, atMs: this.#clock.wallMs(), ...(coordinator === undefined ? {} : { coordinator }) })
    }
    this.#hlc.update(startTs)
    return { kind: 'prepared', proposedTs: this.#hlc.now() }
  }

  finish(request: FinishRequest): void {
    const { txId, commitTs } = request
    const prepared = this.#prepared.get(txId)
    if (prepared === undefined) {
      // Refused here (or never arrived): remembered all the same, so a delayed duplicate of its
      // prepare cannot reserve what no finish would release.
      if (!this.#finished.has(txId)) this.#rememberFinished(txId)
      return
    }
    const reserved = prepared.keys
    this.#prepared.delete(txId)
    for (const k of prepared.readKeys) {
      const readers = this.#readBy.get(k)
      if (readers !== undefined && readers.delete(txId) && readers.size === 0) this.#readBy.delete(k)
    }
    this.#rememberFinished(txId)
    if (commitTs !== undefined) this.#hlc.update(commitTs)
    for (const id of prepared.stable) if (this.#reservedTables.get(id) === txId) this.#reservedTables.delete(id)
    if (commitTs !== undefined) for (const k of prepared.writeKeys) this.#recordTableWrite(k, commitTs)
    for (const k of reserved) {
      const holder = this.#reservedBy.get(k)
      // A key listed twice (written and locked) was released by its first occurrence.
      if (holder !== txId && holder !== undefined) assert(false, `key ${k} reserved by ${holder}, not ${txId}`)
      this.#reservedBy.delete(k)
      if (commitTs !== undefined) this.#history.record(k, commitTs)
    }
    this.prune(reserved.length + this.#limits.pruneStepsPerCommit)
  }

  /** Appends to `out` (up to `max` in all) the commits prepared here before `beforeMs` whose
   * coordinator is of another run than `run`, oldest first. */
  preparedElsewhere(beforeMs: number, run: string | undefined, max: number, out: PreparedElsewhere[]): void {
    for (const [txId, prepared] of this.#prepared) {
      // In prepare order, so by time (a clock stepped back only delays a few).
      if (out.length >= max || prepared.atMs >= beforeMs) return
      const coordinator = prepared.coordinator
      if (coordinator !== undefined && coordinator.run !== run) out.push({ txId, coordinator })
    }
  }

  /** Finishes `txId` if it is prepared here for a coordinator appending to `journalId` (see
   * `Adjudicators.settle`); anything else is left alone, and not remembered as finished. */
  settle(txId: string, journalId: string, commitTs: HlcTimestamp | undefined): boolean {
    if (this.#prepared.get(txId)?.coordinator?.journalId !== journalId) return false
    this.finish({ txId, commitTs })
    return true
  }

  /** Drops at most `steps` history entries older than the maximum transaction age (or the
   * oldest while above `keysTrackedMax` or `keyCharsTrackedMax`), raising the floor to their
   * commitTs. */
  prune(steps: number): void {
    const cutoffTs = this.#cutoffTs()
    this.#history.prune(cutoffTs, steps)
    if (this.#tableWrites.size > this.#tableWritesPruneAbove) {
      for (const [id, ts] of this.#tableWrites) if (ts < cutoffTs) this.#tableWrites.delete(id)
      // Scanned again only once it has doubled: many tables written within the age limit must
      // not make every commit walk them all.
      this.#tableWritesPruneAbove = Math.max(TABLE_WRITES_PRUNE_ABOVE, 2 * this.#tableWrites.size)
    }
    this.#expireReservations()
  }

  /**
   * A prepared commit whose finish never came and that nothing settled from the coordinator's
   * journal (`settle`: the region learns that the coordinator's process restarted, or sees the
   * record) would hold its keys for ever. Past RESERVATION_LAPSE_MS the coordinator decided long
   * ago (it gives a commit up after half of that), so the keys are released and recorded as
   * written now: a commit it made has an earlier commitTs, so later readers see it and earlier
   * transactions abort (perhaps without need, never wrongly).
   */
  #expireReservations(): void {
    // finish() prunes, which comes back here: expire once, from the outermost call.
    if (this.#expiring) return
    this.#expiring = true
    try {
      const cutoffMs = this.#clock.wallMs() - RESERVATION_LAPSE_MS
      const expired: string[] = []
      for (const [txId, prepared] of this.#prepared) {
        if (prepared.atMs >= cutoffMs) break
        expired.push(txId)
      }
      for (const txId of expired) this.finish({ txId, commitTs: this.#hlc.now() })
    } finally {
      this.#expiring = false
    }
  }

  stats(): AdjudicatorStats {
    return {
      id: this.id,
      keysTracked: this.#history.keyCount,
      historyEntries: this.#history.entryCount,
      historyChars: this.#history.charCount,
      floorTs: this.#history.floorTs,
      keysReserved: this.#reservedBy.size,
      keysHeld: this.#readBy.size,
      keysWanted: this.#wanted.size,
      txPrepared: this.#prepared.size,
    }
  }

  /** Whether a transaction that began at `startTs` is too old here: below the floor (every key
   * counts as written there) or past the age limit. Its conflicts are `old`. */
  #isOld(startTs: HlcTimestamp): boolean {
    return startTs < this.#history.floorTs || startTs < this.#cutoffTs()
  }

  /** The conflict outcome of a transaction that began at `startTs` on `key`, `old` when the
   * transaction is too old here (see #isOld). */
  conflict(startTs: HlcTimestamp, key: Key): { readonly kind: 'conflict'; readonly key: Key; readonly old?: true } {
    return this.#isOld(startTs) ? { kind: 'conflict', key, old: true } : { kind: 'conflict', key }
  }

  #oldKey(startTs: HlcTimestamp, key: Key | undefined): Key | undefined {
    if (key === undefined) return undefined
    if (startTs < this.#history.floorTs) return key
    return startTs < this.#cutoffTs() ? key : undefined
  }

  #firstConflictOfWrites(txId: string, startTs: HlcTimestamp, writes: readonly Write[]) {
    for (const write of writes) if (this.#conflictsRecorded(txId, startTs, write.key)) return write.key
    if (this.#reservedTables.size > 0) {
      for (const write of writes) if (this.#tableHeldByOther(txId, write.key)) return write.key
    }
    return undefined
  }

  /** A key of `keys` whose table a prepared DDL commit other than `txId` holds stable. */
  #tableReserved(txId: string, keys: readonly Key[]): Key | undefined {
    if (this.#reservedTables.size === 0) return undefined
    for (const key of keys) if (this.#tableHeldByOther(txId, key)) return key
    return undefined
  }

  #tableHeldByOther(txId: string, key: Key): boolean {
    const holder = this.#reservedTables.get(leadingSmallUint(key))
    return holder !== undefined && holder !== txId
  }

  /**
   * For DDL that read these tables' rows: the first table written here after `startTs`, in flight
   * (prepared by another commit) or held by another DDL commit, as a key of that table.
   */
  #stableConflict(txId: string, startTs: HlcTimestamp, tables: readonly number[]): Key | undefined {
    for (const id of tables) {
      const written = this.#tableWrites.get(id)
      const held = this.#reservedTables.get(id)
      if (startTs < this.#history.floorTs || (written !== undefined && written > startTs) || (held !== undefined && held !== txId)) return tableKeyOf(id)
      for (const [other, prepared] of this.#prepared) {
        if (other !== txId && prepared.writeKeys.some((k) => leadingSmallUint(k) === id)) return tableKeyOf(id)
      }
    }
    return undefined
  }

  #recordTableWrite(key: Key, commitTs: HlcTimestamp): void {
    const id = leadingSmallUint(key)
    if (id < 0) return
    const last = this.#tableWrites.get(id)
    if (last === undefined || last < commitTs) this.#tableWrites.set(id, commitTs)
  }

  /** Transactions that started before this are too old; history before it may be dropped. */
  #cutoffTs(): HlcTimestamp {
    return tsFromMs(this.#clock.wallMs() - this.#limits.txAgeMsMax)
  }

  #firstConflict(txId: string, startTs: HlcTimestamp, keys: readonly Key[]): Key | undefined {
    for (const key of keys) if (this.#conflicts(txId, startTs, key)) return key
    return undefined
  }

  /** As #firstConflict, for keys this commit records (written or locked): a key that another
   * prepared commit read conflicts too (#readBy). */
  #firstConflictRecorded(txId: string, startTs: HlcTimestamp, keys: readonly Key[]): Key | undefined {
    for (const key of keys) if (this.#conflictsRecorded(txId, startTs, key)) return key
    return undefined
  }

  #conflictsRecorded(txId: string, startTs: HlcTimestamp, key: Key): boolean {
    return this.#conflicts(txId, startTs, key) || this.#readByOther(txId, key)
  }

  /** Whether a prepared commit other than `txId` holds `key` as read; if so the key is wanted
   * (#wanted) for WANTED_MS, so the holds drain. */
  #readByOther(txId: string, key: Key): boolean {
    if (this.#readBy.size === 0) return false
    const readers = this.#readBy.get(key)
    if (readers === undefined || (readers.size === 1 && readers.has(txId))) return false
    this.#wanted.delete(key)
    this.#wanted.set(key, this.#clock.wallMs() + WANTED_MS)
    if (this.#wanted.size > WANTED_KEYS_MAX) {
      const oldest = this.#wanted.keys().next()
      if (!oldest.done) this.#wanted.delete(oldest.value)
    }
    return true
  }

  /** The first of `readKeys` a writer wants (#wanted), not written or locked by this commit
   * itself; expired marks are dropped on the way. */
  #firstWanted(readKeys: readonly Key[], writeKeys: readonly Key[], lockedKeys: readonly Key[]): Key | undefined {
    if (this.#wanted.size === 0) return undefined
    const nowMs = this.#clock.wallMs()
    for (const key of readKeys) {
      const untilMs = this.#wanted.get(key)
      if (untilMs === undefined) continue
      if (untilMs < nowMs) this.#wanted.delete(key)
      else if (!writeKeys.includes(key) && !lockedKeys.includes(key)) return key
    }
    return undefined
  }


  #conflicts(txId: string, startTs: HlcTimestamp, key: Key): boolean {
    if (this.#history.writtenAfter(key, startTs)) return true
    const holder = this.#reservedBy.get(key)
    return holder !== undefined && holder !== txId
  }

  #rememberFinished(txId: string): void {
    const evicted = this.#finishedRing[this.#finishedNext]
    if (evicted !== undefined) this.#finished.delete(evicted)
    this.#finishedRing[this.#finishedNext] = txId
    this.#finishedNext = (this.#finishedNext + 1) % this.#limits.finishedTxRemembered
    this.#finished.add(txId)
  }
}

/** A commit prepared at this owner. */
interface Prepared {
  /** Reserved until finish: the written and locked keys. */
  readonly keys: readonly Key[]
  readonly writeKeys: readonly Key[]
  /** Held until finish: a write or lock of them by another commit conflicts (#readBy). */
  readonly readKeys: readonly Key[]
  /** Tables held stable (DDL that read their rows). */
  readonly stable: readonly number[]
  readonly atMs: number
  /** Who coordinates (a region's prepares name it; see PrepareRequest.coordinator). */
  readonly coordinator?: Coordinator
}

const NO_TABLES: readonly number[] = []

/** Above this many tables with a recorded write, entries older than the transaction age go. */
const TABLE_WRITES_PRUNE_ABOVE = 256

/** A key standing for a whole table (its first part): what a stable-table conflict reports. */
const tableKeyOf = (id: number): Key => encodeKey([BigInt(id)])

/** Waits for durability: committed, or unknown when the journal can no longer tell. */
export async function outcomeOf(appended: Appended, journalId: string): Promise<CommitOutcome> {
  try {
    await appended.durable
  } catch (error) {
    // A SqlError (40003 by contract) means the record may or may not be durable; anything else
    // is a bug and must surface.
    if (!isSqlError(error)) throw error
    // A 40003's detail says why; its message is the one the caller's 40003 will carry anyway.
    if (error.code === '40003') return { kind: 'unknown', reason: error.detail ?? `journal ${journalId} could not tell whether the commit reached a quorum` }
    return { kind: 'unknown', reason: `${error.code}: ${error.message}` }
  }
  return { kind: 'committed', commitTs: appended.commitTs, journalId, seq: appended.seq }
}
