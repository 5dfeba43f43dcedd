// The commit entry point of a region (ARCHITECTURE.md step 4, "Commit"): route a request to the
// owners of its keys' partitions; one owner decides alone, several run prepare / one record / finish.
import type { HlcTimestamp, TimerHandle } from '../clock/index.ts'
import type { Key } from '../encoding/index.ts'
import { assert, programLimitExceeded, SqlError } from '../errors/index.ts'
import type { Appended } from '../journal/index.ts'
import { Adjudicator, outcomeOf } from './adjudicator.ts'
import {
  FINISHED_TX_REMEMBERED,
  KEYS_PER_COMMIT_MAX,
  KEYS_TRACKED_MAX,
  KEY_CHARS_TRACKED_MAX,
  PRUNE_INTERVAL_MS,
  PRUNE_STEPS_PER_COMMIT,
  PRUNE_STEPS_PER_TICK,
  TX_AGE_MS_MAX,
  RESERVATION_APPEND_MS_MAX,
} from './constants.ts'
import { hashPartitionOf } from './hash-partition-of.ts'
import type {
  AdjudicatorOptions,
  AdjudicatorPeer,
  AdjudicatorStats,
  Adjudicators,
  CommitOutcome,
  CommitRequest,
  CommitService,
  PartitionOf,
  PrepareOutcome,
  PreparedElsewhere,
} from './index.ts'

/** An owner as the router sees it: local (an `Adjudicator`) or remote (a peer plus a forwarder). */
interface Owner {
  readonly id: string
  readonly peer: AdjudicatorPeer
  readonly local: Adjudicator | undefined
  readonly commitService: CommitService | undefined
}

/** The keys of one request that fall in one owner's partitions. */
interface KeyGroup {
  readonly owner: Owner
  readonly writeKeys: Key[]
  readonly lockedKeys: Key[]
  readonly readKeys: Key[]
  /** The request's stable tables (every owner checks them: a table's rows are in every partition). */
  readonly stableTables: readonly number[] | undefined
}

interface Prepared {
  readonly group: KeyGroup
  readonly outcome: PrepareOutcome | Promise<PrepareOutcome>
}

export function createAdjudicators(options: AdjudicatorOptions): Adjudicators {
  return new RegionAdjudicators(options)
}

class RegionAdjudicators implements Adjudicators {
  readonly partitionOf: PartitionOf
  readonly #options: AdjudicatorOptions
  readonly #keysPerCommitMax: number
  readonly #ownerOfPartition: Owner[]
  readonly #locals: Adjudicator[]
  readonly #pruneIntervalMs: number
  #pruneTimer: TimerHandle | undefined
  #closed = false

  constructor(options: AdjudicatorOptions) {
    const config = options.config ?? {}
    this.#options = options
    this.#keysPerCommitMax = config.keysPerCommitMax ?? KEYS_PER_COMMIT_MAX
    this.partitionOf = options.partitionOf ?? hashPartitionOf(options.partitionCount)
    // A restarted or new owner cannot know which keys commits before now touched (a record of
    // another journal may have written its keys), so every key counts as written at the latest
    // commitTs of any journal of the region.
    let floorTs: HlcTimestamp = options.floorTs ?? 0
    for (const o of options.owners) floorTs = Math.max(floorTs, o.journal.lastCommitTs())
    options.hlc.update(floorTs)
    const limits = {
      txAgeMsMax: config.txAgeMsMax ?? TX_AGE_MS_MAX,
      keysTrackedMax: config.keysTrackedMax ?? KEYS_TRACKED_MAX,
      keyCharsTrackedMax: config.keyCharsTrackedMax ?? KEY_CHARS_TRACKED_MAX,
      pruneStepsPerCommit: PRUNE_STEPS_PER_COMMIT,
      finishedTxRemembered: FINISHED_TX_REMEMBERED,
    }
    assert(limits.txAgeMsMax > 0, 'txAgeMsMax must be positive')
    assert(this.#keysPerCommitMax <= limits.keysTrackedMax, 'a commit must fit in the history')
    this.#locals = options.owners.map(
      (o) => new Adjudicator({ ...o, hlc: options.hlc, clock: options.clock, floorTs, limits }),
    )
    const owners: Owner[] = [
      ...this.#locals.map((a) => ({ id: a.id, peer: a, local: a, commitService: undefined })),
      ...(options.remoteOwners ?? []).map((r) => ({ ...r, local: undefined })),
    ]
    const partitionsOf = [...options.owners, ...(options.remoteOwners ?? [])].map(
      (o) => o.partitions,
    )
    this.#ownerOfPartition = ownerTable(options.partitionCount, owners, partitionsOf)
    this.#pruneIntervalMs = config.pruneIntervalMs ?? PRUNE_INTERVAL_MS
    this.#schedulePrune()
  }

  /** `forwarded`: the request came from another region's adjudicators, which sent it here as the
   * coordinator's region. It is decided here or refused, never forwarded again: two regions whose
   * views of ownership differ for a moment (a hand-back joins one merge before the other) would
   * send it back and forth, and a region replacing its adjudicators would wait on its own commit
   * in flight at the other while the other's forward waited on that replacement. */
  commit(request: CommitRequest, forwarded = false): Promise<CommitOutcome> {
    const keyCount = request.writes.length + request.lockedKeys.length + request.readKeys.length
    if (keyCount > this.#keysPerCommitMax) {
      return Promise.reject(
        programLimitExceeded(
          `transaction touches ${keyCount} keys (rows written, their index entries, rows locked, keys read and locked by foreign-key checks), more than the limit of ${this.#keysPerCommitMax}`,
          'Split the transaction into smaller ones.',
        ),
      )
    }
    const groups = this.#groupByOwner(request)
    const coordinator = groups[0]?.owner
    if (coordinator === undefined) {
      return Promise.resolve({
        kind: 'committed',
        commitTs: request.startTs,
        journalId: '',
        seq: 0,
      })
    }
    if (coordinator.local === undefined) {
      if (forwarded) return Promise.reject(notCoordinatedHere(coordinator.id))
      assert(coordinator.commitService, `remote owner ${coordinator.id} has no commit service`)
      return coordinator.commitService.commit(request)
    }
    try {
      if (groups.length === 1) return Promise.resolve(coordinator.local.commitAlone(request))
      if (groups.every((g) => g.owner.local !== undefined)) {
        return Promise.resolve(this.#commitLocal(request, coordinator.local, groups))
      }
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#commitAcross(request, coordinator.local, groups)
  }

  /**
   * Every owner is in this process (a single-row insert is one: its row and its table's schema
   * key usually hash to different partitions). From the first check to the last record nothing
   * awaits, so no other commit can come between: check every group, append, record every group,
   * with no reservations to take and release (a prepare and a finish per owner).
   */
  #commitLocal(
    request: CommitRequest,
    coordinator: Adjudicator,
    groups: readonly KeyGroup[],
  ): CommitOutcome | Promise<CommitOutcome> {
    const { txId, startTs } = request
    for (const { owner, writeKeys, lockedKeys, readKeys, stableTables } of groups) {
      const key = (owner.local as Adjudicator).check(txId, startTs, writeKeys, lockedKeys, readKeys, stableTables)
      if (key !== undefined) return (owner.local as Adjudicator).conflict(startTs, key)
    }
    if (request.writes.length === 0 && request.lockedKeys.length === 0) {
      return { kind: 'committed', commitTs: startTs, journalId: coordinator.journal.id, seq: 0 }
    }
    const hlc = this.#options.hlc
    hlc.update(startTs)
    // Throws 54000/53100/57P03 before anything is recorded: nothing committed.
    const appended = coordinator.journal.append({ txId, proposedTs: hlc.now(), writes: request.writes })
    hlc.update(appended.commitTs)
    for (const { owner, writeKeys, lockedKeys } of groups) {
      ;(owner.local as Adjudicator).record(writeKeys, lockedKeys, appended.commitTs)
    }
    return outcomeOf(appended, coordinator.journal.id)
  }

  peer(ownerId: string): AdjudicatorPeer {
    const local = this.#locals.find((a) => a.id === ownerId)
    if (!local) assert(false, `no local adjudicator ${ownerId}`)
    return local
  }

  preparedElsewhere(beforeMs: number, max: number): readonly PreparedElsewhere[] {
    const out: PreparedElsewhere[] = []
    for (const a of this.#locals) a.preparedElsewhere(beforeMs, this.#options.run, max, out)
    return out
  }

  settle(txId: string, journalId: string, commitTs: HlcTimestamp | undefined): boolean {
    let settled = false
    for (const a of this.#locals) settled = a.settle(txId, journalId, commitTs) || settled
    return settled
  }

  stats(): readonly AdjudicatorStats[] {
    return this.#locals.map((a) => a.stats())
  }

  close(): void {
    this.#closed = true
    this.#pruneTimer?.cancel()
  }

  /** Groups keys by owner in request order (writes, locked, read): the first group coordinates.
   * A request with stable tables has a group at every owner. */
  #groupByOwner(request: CommitRequest): KeyGroup[] {
    const groups: KeyGroup[] = []
    const stableTables = (request.stableTables?.length ?? 0) > 0 ? request.stableTables : undefined
    const groupOfOwner = (owner: Owner): KeyGroup => {
      let group = groups.find((g) => g.owner === owner)
      if (group === undefined) {
        group = { owner, writeKeys: [], lockedKeys: [], readKeys: [], stableTables }
        groups.push(group)
      }
      return group
    }
    const groupOf = (key: Key): KeyGroup => {
      const owner = this.#ownerOfPartition[this.partitionOf(key)]
      if (!owner) assert(false, `no owner for the partition of ${key}`)
      return groupOfOwner(owner)
    }
    for (const write of request.writes) groupOf(write.key).writeKeys.push(write.key)
    for (const key of request.lockedKeys) groupOf(key).lockedKeys.push(key)
    for (const key of request.readKeys) groupOf(key).readKeys.push(key)
    if (stableTables !== undefined) for (const owner of new Set(this.#ownerOfPartition)) groupOfOwner(owner)
    return groups
  }

  /**
   * Prepares every group (the coordinator's own keys too, so its reservations also hold while
   * remote answers travel), appends ONE commit record to the coordinator's journal at the largest
   * proposal, then finishes every group with the final commitTs before awaiting durability. With
   * local peers only, everything from the first check to the last record runs without an await.
   */
  async #commitAcross(
    request: CommitRequest,
    coordinator: Adjudicator,
    groups: readonly KeyGroup[],
  ): Promise<CommitOutcome> {
    const { txId, startTs } = request
    const { clock, run } = this.#options
    const preparingSinceMs = clock.wallMs()
    const prepared: Prepared[] = []
    const from = run === undefined ? {} : { coordinator: { journalId: coordinator.journal.id, run } }
    for (const group of groups) {
      const { writeKeys, lockedKeys, readKeys, stableTables } = group
      const outcome = group.owner.peer.prepare({
        txId,
        startTs,
        writeKeys,
        lockedKeys,
        readKeys,
        ...(stableTables === undefined ? {} : { stableTables }),
        ...from,
      })
      prepared.push({ group, outcome })
      if (!isPromise(outcome) && outcome.kind === 'conflict') break
    }
    const outcomes = prepared.some((p) => isPromise(p.outcome))
      ? await this.#settle(txId, prepared)
      : prepared.map((p) => p.outcome as PrepareOutcome)
    let proposedTs = startTs
    for (const outcome of outcomes) {
      if (outcome.kind === 'conflict') {
        this.#finishAll(txId, prepared, undefined)
        return outcome
      }
      proposedTs = Math.max(proposedTs, outcome.proposedTs)
    }
    if (request.writes.length === 0 && request.lockedKeys.length === 0) {
      // Read-only: nothing to append; stable tables held by the prepares are released.
      this.#finishAll(txId, prepared, undefined)
      return { kind: 'committed', commitTs: startTs, journalId: coordinator.journal.id, seq: 0 }
    }
    // A participant's reservation lapses after RESERVATION_LAPSE_MS: past half of it, some may
    // have (clocks differ), and a record appended now could overwrite what others committed
    // since. Given up as a conflict: the client retries. So is a commit this run gave up already
    // (its request delivered twice: a simulated network may duplicate messages, real links never
    // do): a participant may have been told so and released its keys, so no record may follow.
    if (clock.wallMs() - preparingSinceMs > RESERVATION_APPEND_MS_MAX || this.#options.givenUp?.has(txId) === true) {
      this.#finishAll(txId, prepared, undefined)
      return { kind: 'conflict', key: request.writes[0]?.key ?? (request.lockedKeys[0] as Key) }
    }
    let appended: Appended
    try {
      appended = coordinator.journal.append({ txId, proposedTs, writes: request.writes })
    } catch (error) {
      this.#finishAll(txId, prepared, undefined)
      throw error
    }
    this.#options.hlc.update(appended.commitTs)
    this.#finishAll(txId, prepared, appended.commitTs)
    return outcomeOf(appended, coordinator.journal.id)
  }

  /** Awaits remote prepares; when one fails (network), abandons the commit everywhere. */
  async #settle(txId: string, prepared: readonly Prepared[]): Promise<PrepareOutcome[]> {
    const settled = await Promise.allSettled(prepared.map((p) => p.outcome))
    const outcomes: PrepareOutcome[] = []
    for (const s of settled) {
      if (s.status === 'rejected') {
        this.#finishAll(txId, prepared, undefined)
        throw s.reason
      }
      outcomes.push(s.value)
    }
    return outcomes
  }

  /** Releases (commitTs undefined) or records and releases every prepared group. A release
   * means no record was appended, nor will be: noted in `givenUp`, so that a participant whose
   * finish is lost learns it by asking (region/orphaned-prepares.ts), not from the lapse. */
  #finishAll(
    txId: string,
    prepared: readonly Prepared[],
    commitTs: HlcTimestamp | undefined,
  ): void {
    if (commitTs === undefined) this.#options.givenUp?.add(txId)
    for (const p of prepared) {
      const done = p.group.owner.peer.finish({ txId, commitTs })
      if (isPromise(done)) done.catch((error: unknown) => this.#peerError(error))
    }
  }

  #peerError(error: unknown): void {
    const onPeerError = this.#options.onPeerError
    if (onPeerError) onPeerError(error)
    // Without a handler the failure must not vanish: surface it as an unhandled rejection.
    else void Promise.reject(error)
  }

  #schedulePrune(): void {
    if (this.#pruneIntervalMs <= 0 || this.#closed) return
    this.#pruneTimer = this.#options.timers.setTimeout(() => {
      for (const a of this.#locals) a.prune(PRUNE_STEPS_PER_TICK)
      this.#schedulePrune()
    }, this.#pruneIntervalMs)
  }
}

/** Maps each partition to its one owner; asserts that the owners cover every partition once. */
function ownerTable(
  partitionCount: number,
  owners: readonly Owner[],
  partitionsOf: readonly (readonly number[])[],
): Owner[] {
  const table: (Owner | undefined)[] = new Array(partitionCount).fill(undefined)
  owners.forEach((owner, i) => {
    for (const p of partitionsOf[i] ?? []) {
      assert(
        Number.isInteger(p) && p >= 0 && p < partitionCount,
        `bad partition ${p} of ${owner.id}`,
      )
      assert(table[p] === undefined, `partition ${p} has two owners`)
      table[p] = owner
    }
  })
  return table.map((owner, p) => {
    assert(owner, `partition ${p} has no owner`)
    return owner
  })
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise
}

/** A forwarded commit whose coordinator is not here as this region sees ownership (it is
 * changing hands): nothing was appended anywhere, so the client may retry. */
function notCoordinatedHere(ownerId: string): SqlError {
  return new SqlError('57P03', `cannot commit now: the keys this commit starts with are owned by ${ownerId} as this region sees it, not by the region the commit was sent to (partitions are changing hands); nothing was written`, {
    hint: 'Retry: both regions agree on the owner once the change reached them, within a round trip.',
  })
}
