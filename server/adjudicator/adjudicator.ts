// One adjudicator (ARCHITECTURE.md step 4, "Commit"): for the partitions one owner holds, decide
// commit or conflict (first committer wins under snapshot isolation) and append to its journal.
import { type Clock, type Hlc, type HlcTimestamp, tsFromMs } from '../clock/index.ts'
import type { Key, Write } from '../encoding/index.ts'
import { assert, isSqlError } from '../errors/index.ts'
import type { Appended, Journal } from '../journal/index.ts'
import type {
  AdjudicatorPeer,
  AdjudicatorStats,
  CommitOutcome,
  CommitRequest,
  FinishRequest,
  PrepareOutcome,
  PrepareRequest,
} from './index.ts'

export interface AdjudicatorLimits {
  readonly txAgeMsMax: number
  readonly keysTrackedMax: number
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
 * The state of one owner: the last commitTs per key (a Map kept in roughly commitTs order, so the
 * oldest entries are pruned from its head), a floor below which every key counts as written, and
 * the keys reserved by prepared commits that span owners. Every decision runs synchronously from
 * check to record, so in one process two commits never interleave between them.
 */
export class Adjudicator implements AdjudicatorPeer {
  readonly id: string
  readonly journal: Journal
  readonly #hlc: Hlc
  readonly #clock: Clock
  readonly #limits: AdjudicatorLimits
  readonly #lastTs = new Map<Key, HlcTimestamp>()
  readonly #reservedBy = new Map<Key, string>()
  readonly #prepared = new Map<string, readonly Key[]>()
  /** Recently finished txIds, oldest first, so a late duplicate prepare cannot reserve again. */
  readonly #finished = new Set<string>()
  #floorTs: HlcTimestamp

  constructor(init: AdjudicatorInit) {
    this.id = init.id
    this.journal = init.journal
    this.#hlc = init.hlc
    this.#clock = init.clock
    this.#limits = init.limits
    this.#floorTs = init.floorTs
  }

  /** A request whose keys all fall in this owner's partitions: check, append, record, await. */
  commitAlone(request: CommitRequest): CommitOutcome | Promise<CommitOutcome> {
    const { txId, startTs, writes, lockedKeys, readKeys } = request
    const key =
      this.#oldKey(startTs, writes[0]?.key ?? lockedKeys[0] ?? readKeys[0]) ??
      this.#firstConflictOfWrites(txId, startTs, writes) ??
      this.#firstConflict(txId, startTs, lockedKeys) ??
      this.#firstConflict(txId, startTs, readKeys)
    if (key !== undefined) return { kind: 'conflict', key }
    if (writes.length === 0 && lockedKeys.length === 0) {
      return { kind: 'committed', commitTs: startTs, journalId: this.journal.id, seq: 0 }
    }
    this.#hlc.update(startTs)
    // Throws 54000/57P03 before anything is recorded: nothing committed.
    const appended = this.journal.append({ txId, proposedTs: this.#hlc.now(), writes })
    this.#hlc.update(appended.commitTs)
    for (const write of writes) this.#record(write.key, appended.commitTs)
    for (const locked of lockedKeys) this.#record(locked, appended.commitTs)
    this.prune(writes.length + lockedKeys.length + this.#limits.pruneStepsPerCommit)
    return outcomeOf(appended, this.journal.id)
  }

  prepare(request: PrepareRequest): PrepareOutcome {
    const { txId, startTs, writeKeys, lockedKeys, readKeys } = request
    // The network may duplicate a prepare: one still prepared keeps its reservations; one that
    // arrives after its finish must not reserve again (nobody would release the keys).
    if (this.#prepared.has(txId)) return { kind: 'prepared', proposedTs: this.#hlc.now() }
    const firstKey = writeKeys[0] ?? lockedKeys[0] ?? readKeys[0]
    if (firstKey !== undefined && this.#finished.has(txId)) return { kind: 'conflict', key: firstKey }
    const key =
      this.#oldKey(startTs, firstKey) ??
      this.#firstConflict(txId, startTs, writeKeys) ??
      this.#firstConflict(txId, startTs, lockedKeys) ??
      this.#firstConflict(txId, startTs, readKeys)
    if (key !== undefined) return { kind: 'conflict', key }
    const reserved = [...writeKeys, ...lockedKeys]
    if (reserved.length > 0) {
      for (const k of reserved) this.#reservedBy.set(k, txId)
      this.#prepared.set(txId, reserved)
    }
    this.#hlc.update(startTs)
    return { kind: 'prepared', proposedTs: this.#hlc.now() }
  }

  finish(request: FinishRequest): void {
    const { txId, commitTs } = request
    const reserved = this.#prepared.get(txId)
    if (reserved === undefined) return
    this.#prepared.delete(txId)
    this.#rememberFinished(txId)
    if (commitTs !== undefined) this.#hlc.update(commitTs)
    for (const k of reserved) {
      const holder = this.#reservedBy.get(k)
      // A key listed twice (written and locked) was released by its first occurrence.
      assert(holder === txId || holder === undefined, `key ${k} reserved by ${holder}, not ${txId}`)
      this.#reservedBy.delete(k)
      if (commitTs !== undefined) this.#record(k, commitTs)
    }
    this.prune(reserved.length + this.#limits.pruneStepsPerCommit)
  }

  /**
   * Drops history older than the maximum transaction age (and the oldest entries while above
   * `keysTrackedMax`), raising the floor to the largest commitTs dropped, at most `steps` keys.
   * Entries sit in the order they were last written, which is commitTs order except for finishes
   * of remote coordinators; an out-of-order entry only delays pruning behind it.
   */
  prune(steps: number): void {
    const cutoffTs = this.#cutoffTs()
    for (const [key, ts] of this.#lastTs) {
      if (steps-- <= 0) break
      if (ts >= cutoffTs && this.#lastTs.size <= this.#limits.keysTrackedMax) break
      this.#lastTs.delete(key)
      if (ts > this.#floorTs) this.#floorTs = ts
    }
  }

  stats(): AdjudicatorStats {
    return {
      id: this.id,
      keysTracked: this.#lastTs.size,
      floorTs: this.#floorTs,
      keysReserved: this.#reservedBy.size,
      txPrepared: this.#prepared.size,
    }
  }

  /** `key` (any key of the request) when the transaction is too old to be checked. */
  #oldKey(startTs: HlcTimestamp, key: Key | undefined): Key | undefined {
    if (key === undefined) return undefined
    if (startTs < this.#floorTs) return key
    return startTs < this.#cutoffTs() ? key : undefined
  }

  #firstConflictOfWrites(txId: string, startTs: HlcTimestamp, writes: readonly Write[]) {
    for (const write of writes) if (this.#conflicts(txId, startTs, write.key)) return write.key
    return undefined
  }

  /** Transactions that started before this are too old; history before it may be dropped. */
  #cutoffTs(): HlcTimestamp {
    return tsFromMs(this.#clock.wallMs() - this.#limits.txAgeMsMax)
  }

  #firstConflict(txId: string, startTs: HlcTimestamp, keys: readonly Key[]): Key | undefined {
    for (const key of keys) if (this.#conflicts(txId, startTs, key)) return key
    return undefined
  }

  #conflicts(txId: string, startTs: HlcTimestamp, key: Key): boolean {
    const lastTs = this.#lastTs.get(key)
    if (lastTs !== undefined && lastTs > startTs) return true
    const holder = this.#reservedBy.get(key)
    return holder !== undefined && holder !== txId
  }

  #rememberFinished(txId: string): void {
    this.#finished.add(txId)
    if (this.#finished.size <= this.#limits.finishedTxRemembered) return
    for (const oldest of this.#finished) {
      this.#finished.delete(oldest)
      break
    }
  }

  /** Moves `key` to the tail of the history with its new commitTs. */
  #record(key: Key, commitTs: HlcTimestamp): void {
    const lastTs = this.#lastTs.get(key)
    if (lastTs !== undefined) {
      // Equal when a key is both written and locked in one commit.
      assert(lastTs <= commitTs, `commitTs ${commitTs} of ${key} below its last ${lastTs}`)
      if (lastTs === commitTs) return
      this.#lastTs.delete(key)
    }
    this.#lastTs.set(key, commitTs)
  }
}

/** Waits for durability: committed, or unknown when the journal can no longer tell. */
export async function outcomeOf(appended: Appended, journalId: string): Promise<CommitOutcome> {
  try {
    await appended.durable
  } catch (error) {
    // A SqlError (40003 by contract) means the record may or may not be durable; anything else
    // is a bug and must surface.
    if (!isSqlError(error)) throw error
    return { kind: 'unknown', reason: `${error.code}: ${error.message}` }
  }
  return { kind: 'committed', commitTs: appended.commitTs, journalId, seq: appended.seq }
}
