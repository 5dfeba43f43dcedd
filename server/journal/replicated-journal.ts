// The leader of a replicated journal (ARCHITECTURE.md step 4 and "Regions"): a record is committed
// once the leader and enough replicas to make a majority of regions have it on disk. Followers of
// this journal (the local crossbar) see only committed records, and closed timestamps below the
// first record still waiting for its quorum.
import type { HlcTimestamp, TimerHandle, Timers } from '../clock/index.ts'
import { assert, cannotConnectNow, commitOutcomeUnknown, SqlError } from '../errors/index.ts'
import { REPLICATION_LIMITS } from './constants.ts'
import type { AppendRequest, Appended, CommitRecord, FileJournal, Journal, JournalFollower } from './index.ts'
import { recordsForMessage } from './message-records.ts'
import type { JournalMessage, ReplicationLink } from './replication.ts'
import { SEALED_CLOSED_TS, type JournalSeal } from './replica-journal.ts'

/** Options of a journal leader. */
export interface ReplicatedJournalOptions {
  /** The leader's own copy: a FileJournal in leader mode. */
  readonly local: FileJournal
  /** The regions holding replicas (every other region of the cluster, witnesses included). */
  readonly replicas: readonly string[]
  /** Regions (leader included) that must hold a record on disk for it to commit. */
  readonly quorum: number
  readonly link: ReplicationLink
  readonly timers: Timers
  /** A commit not durable on a quorum after this long is answered 40003 (outcome unknown). */
  readonly commitTimeoutMs?: number
  /** This journal was sealed while its region was away: read-only through the seal. */
  readonly sealed?: JournalSeal
}

interface Waiter {
  readonly seq: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

interface ReplicaState {
  /** Highest seq this replica has durably. */
  acked: number
  /** Highest seq sent to it (records after `acked` may still be in flight). */
  sent: number
  /** When `acked` last moved, or a resend started (timer ms). */
  progressAt: number
}

/** See the file comment. Implements the read side of `Journal` over committed records only. */
export class ReplicatedJournal implements Journal {
  readonly id: string
  readonly #local: FileJournal
  readonly #link: ReplicationLink
  readonly #timers: Timers
  readonly #quorum: number
  readonly #commitTimeoutMs: number
  readonly #replicas = new Map<string, ReplicaState>()
  /** Locally durable records not yet committed, in seq order. */
  #held: CommitRecord[] = []
  #localDurableSeq: number
  #localClosed: HlcTimestamp
  #committedSeq: number
  #committedTs: HlcTimestamp
  #published: HlcTimestamp = 0
  #waiters: Waiter[] = []
  #followers: readonly JournalFollower[] = []
  readonly #unfollowLocal: () => void
  #tick: TimerHandle | undefined
  #nowMs = 0
  #closed = false
  #seal: JournalSeal | undefined

  constructor(options: ReplicatedJournalOptions) {
    this.id = options.local.id
    this.#local = options.local
    this.#link = options.link
    this.#timers = options.timers
    this.#quorum = options.quorum
    this.#commitTimeoutMs = options.commitTimeoutMs ?? REPLICATION_LIMITS.commitTimeoutMs
    assert(options.quorum >= 1 && options.quorum <= options.replicas.length + 1, 'quorum out of range')
    // Records before the first kept segment were truncated once every replica acknowledged them
    // (`truncateThrough`), in this process or an earlier one: counting them acknowledged keeps a
    // resend from reaching back into the deleted segments before a replica's hello says where it
    // stands (the cluster simulation with durable storage, seed 13).
    const truncated = options.local.firstSeq() - 1
    for (const r of options.replicas) this.#replicas.set(r, { acked: truncated, sent: truncated, progressAt: 0 })
    // After a restart nothing counts as committed until a quorum confirms it again: the leader
    // always holds every committed record (it counts itself only once durable), so it can resend.
    this.#localDurableSeq = options.local.lastSeq()
    this.#localClosed = options.local.closedTs()
    // Records before the first kept segment were truncated once every shard applied them: those
    // were committed.
    this.#committedSeq = options.quorum === 1 ? this.#localDurableSeq : options.local.firstSeq() - 1
    this.#committedTs = options.quorum === 1 ? options.local.lastCommitTs() : 0
    this.#held = []
    this.#unfollowLocal = options.local.follow({
      onRecords: (records) => this.#onLocalRecords(records),
      onClosed: (ts) => this.#onLocalClosed(ts),
    })
    this.#scheduleTick()
    if (options.sealed !== undefined) this.seal(options.sealed)
  }

  /**
   * The other regions sealed this journal while this region was away or cut off: records through
   * `seal.seq` count as committed (the seal took the longest tail a majority held, which every
   * replica got from here, so they are in this file), nothing after it ever will. Appends are
   * refused from now on (57P03), and waiting commits after the seal are answered 40003.
   */
  seal(seal: JournalSeal): void {
    if (this.#seal !== undefined) return
    assert(seal.seq <= this.#localDurableSeq, `journal ${this.id} sealed at ${seal.seq}, beyond its own tail`)
    this.#seal = seal
    this.#held = this.#held.filter((r) => r.seq <= seal.seq)
    if (seal.seq > this.#committedSeq) this.#commitThrough(seal.seq)
    const late = this.#waiters.filter((w) => w.seq > seal.seq)
    this.#waiters = this.#waiters.filter((w) => w.seq <= seal.seq)
    for (const waiter of late) waiter.reject(commitOutcomeUnknown(`journal ${this.id} was sealed by the other regions at seq ${seal.seq}`))
    this.#published = SEALED_CLOSED_TS
    for (const follower of this.#followers) follower.onClosed(SEALED_CLOSED_TS)
  }

  /** Records on this disk after `afterSeq` (committed or not), at most `maxRecords` and one
   * network message's worth (`recordsForMessage`): what a replica is sent, and what a seal of this
   * journal may need from its leader. */
  localRecords(afterSeq: number, maxRecords: number): readonly CommitRecord[] {
    const count = Math.min(maxRecords, this.#localDurableSeq - afterSeq)
    return recordsForMessage(this.#local.read(afterSeq, count, REPLICATION_LIMITS.messageBytesMax))
  }

  append(request: AppendRequest): Appended {
    if (this.#seal !== undefined) {
      throw cannotConnectNow(`journal ${this.id} was sealed when this region failed over; commits go to the regions that took over`)
    }
    // Whether a quorum is in reach is asked here, before the record exists anywhere, and never
    // after: a record written here may still reach a quorum later (a link comes back, the leader
    // resends), so once it is written a lost quorum can only be answered 40003, however the links
    // stand by then. Links seen up may still be dead (a cut cable is noticed late): such a commit
    // goes out and answers 40003, as before.
    const reachable = this.reachableRegions()
    if (reachable < this.#quorum) {
      const regions = this.#replicas.size + 1
      throw new SqlError(
        '57P03',
        `cannot commit now: journal ${this.id} reaches ${reachable} of the ${regions} regions that hold it, and a commit needs ${this.#quorum}; nothing was written`,
        { hint: 'Retry once the other regions are reachable again.' },
      )
    }
    // Replicas get a record only once it is durable here (#onLocalRecords), so every replica's log
    // is a prefix of the leader's: a leader that crashes losing unsynced records never finds a
    // replica holding a record it will later give the same seq to.
    const appended = this.#local.append(request)
    const durable = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq: appended.seq, resolve, reject })
    })
    durable.catch(() => {})
    appended.durable.catch((error: unknown) => this.#failWaiters(error))
    return { seq: appended.seq, commitTs: appended.commitTs, durable }
  }

  /** The regions holding this journal that a record appended now can reach: this one and every
   * replica whose link is up. */
  reachableRegions(): number {
    let reachable = 1
    for (const name of this.#replicas.keys()) if (this.#link.isUp(name)) reachable++
    return reachable
  }

  closedTs(): HlcTimestamp {
    return this.#published
  }

  requestClose(ts: HlcTimestamp): void {
    this.#local.requestClose(ts)
  }

  follow(follower: JournalFollower): () => void {
    this.#followers = [...this.#followers, follower]
    return () => {
      this.#followers = this.#followers.filter((f) => f !== follower)
    }
  }

  read(afterSeq: number, maxRecords: number, bytesMax?: number): CommitRecord[] {
    const count = Math.min(maxRecords, this.#committedSeq - afterSeq)
    return count <= 0 ? [] : this.#local.read(afterSeq, count, bytesMax)
  }

  lastSeq(): number {
    return this.#committedSeq
  }

  lastCommitTs(): HlcTimestamp {
    return this.#committedTs
  }

  firstSeq(): number {
    return this.#local.firstSeq()
  }

  truncateThrough(seq: number): number {
    // Replicas that are behind still need the records from this file.
    let keep = seq
    for (const state of this.#replicas.values()) keep = Math.min(keep, state.acked)
    return this.#local.truncateThrough(keep)
  }

  /** A message from a replica region. */
  receive(from: string, message: JournalMessage): void {
    const state = this.#replicas.get(from)
    if (state === undefined || this.#closed || this.#seal !== undefined) return
    if (message.type === 'journal.ack') {
      assert(message.durableSeq <= this.#localDurableSeq, `replica ${from} of ${this.id} is ahead of its leader`)
      if (message.durableSeq > state.acked) {
        state.acked = message.durableSeq
        state.progressAt = this.#nowMs
      }
      if (message.resend || state.sent < state.acked) {
        state.sent = Math.max(state.acked, 0)
        state.progressAt = this.#nowMs
      }
      this.#pump(from, state)
      this.#advanceCommit()
    } else if (message.type === 'journal.close') {
      this.#local.requestClose(message.ts)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#tick?.cancel()
    this.#unfollowLocal()
    this.#failWaiters(commitOutcomeUnknown(`journal ${this.id} closed before the commit reached a quorum`))
    await this.#local.close()
  }

  #onLocalRecords(records: readonly CommitRecord[]): void {
    for (const r of records) this.#held.push(r)
    this.#localDurableSeq = records.at(-1)?.seq ?? this.#localDurableSeq
    for (const [name, state] of this.#replicas) this.#pump(name, state)
    this.#advanceCommit()
  }

  #onLocalClosed(ts: HlcTimestamp): void {
    this.#localClosed = ts
    this.#publish()
  }

  /** Sends a replica the durable records it has not been sent, a bounded window at a time. */
  #pump(name: string, state: ReplicaState): void {
    const windowEnd = Math.min(this.#localDurableSeq, state.acked + REPLICATION_LIMITS.inflightRecordsMax)
    while (state.sent < windowEnd) {
      const records = this.localRecords(state.sent, Math.min(REPLICATION_LIMITS.recordsPerMessageMax, windowEnd - state.sent))
      if (records.length === 0) return
      if (!this.#link.send(name, { type: 'journal.records', journalId: this.id, records })) return
      state.sent = records.at(-1)!.seq
    }
  }

  /** The commit point: the leader's durable seq, capped by the (quorum-1)-th best replica. */
  #committable(): number {
    if (this.#quorum === 1) return this.#localDurableSeq
    const acks = [...this.#replicas.values()].map((s) => s.acked).sort((a, b) => b - a)
    return Math.min(this.#localDurableSeq, acks[this.#quorum - 2] ?? 0)
  }

  #advanceCommit(): void {
    if (this.#seal !== undefined) return
    const target = this.#committable()
    if (target <= this.#committedSeq) return
    this.#commitThrough(target)
    this.#publish()
  }

  /** Delivers the records through `target` to followers and resolves their commits. */
  #commitThrough(target: number): void {
    // After a restart, records committed before it are in the file, not in #held.
    const fromFile = this.#held[0] === undefined || this.#held[0].seq > this.#committedSeq + 1
      ? this.#local.read(this.#committedSeq, Math.min(target, (this.#held[0]?.seq ?? target + 1) - 1) - this.#committedSeq)
      : []
    let n = 0
    while (n < this.#held.length && this.#held[n]!.seq <= target) n++
    const records = [...fromFile, ...this.#held.slice(0, n)]
    this.#held = this.#held.slice(n)
    assert(records.length === target - this.#committedSeq, `journal ${this.id}: committed records missing`)
    this.#committedSeq = target
    this.#committedTs = records.at(-1)!.commitTs
    for (const follower of this.#followers) follower.onRecords(records)
    let w = 0
    while (w < this.#waiters.length && this.#waiters[w]!.seq <= target) this.#waiters[w++]!.resolve()
    this.#waiters = this.#waiters.slice(w)
  }

  /** Closes as far as commits allow, locally and at every replica. */
  #publish(): void {
    if (this.#seal !== undefined) return
    let closed = this.#localClosed
    if (this.#committedSeq < this.#localDurableSeq) {
      // Below the first record not committed yet. After a restart the uncommitted records that
      // were on disk before it are in the file, not in #held: a record appended since is not the
      // first of them, and closing below it would pass theirs (seed 565 of the cluster sim, where
      // an heir restarted and appended a generation record at once). Until they commit, only the
      // last committed commitTs is safe.
      const next = this.#held[0]
      closed = Math.min(closed, next !== undefined && next.seq === this.#committedSeq + 1 ? next.commitTs - 1 : this.#committedTs)
    }
    if (closed > this.#published) {
      this.#published = closed
      for (const follower of this.#followers) follower.onClosed(closed)
    }
    this.#broadcastCommit()
  }

  #broadcastCommit(): void {
    for (const name of this.#replicas.keys()) {
      this.#link.send(name, {
        type: 'journal.commit',
        journalId: this.id,
        committedSeq: this.#committedSeq,
        committedTs: this.#committedTs,
        closedTs: this.#published,
        heldElsewhereSeq: this.#heldExcept(name),
      })
    }
  }

  /** The seq through which every region but `name` has this journal's records on disk: this
   * leader, and every other replica as far as it acknowledged. */
  #heldExcept(name: string): number {
    let held = this.#localDurableSeq
    for (const [other, state] of this.#replicas) if (other !== name) held = Math.min(held, state.acked)
    return held
  }

  /** Periodic: resend to replicas that stopped acknowledging, time out commits without quorum. */
  #scheduleTick(): void {
    this.#tick = this.#timers.setTimeout(() => {
      if (this.#closed) return
      this.#nowMs += REPLICATION_LIMITS.tickMs
      for (const [name, state] of this.#replicas) {
        if (state.sent > state.acked && this.#nowMs - state.progressAt >= REPLICATION_LIMITS.resendAfterMs) {
          state.sent = state.acked
          state.progressAt = this.#nowMs
        }
        this.#pump(name, state)
      }
      this.#broadcastCommit()
      this.#expireWaiters()
      this.#scheduleTick()
    }, REPLICATION_LIMITS.tickMs)
  }

  /** The oldest waiting commit, and since when (tick time) it has been the oldest. */
  #oldestWaiting: { readonly seq: number; readonly sinceMs: number } | undefined

  /** A commit that could not reach a quorum in time has an unknown outcome: it may still. */
  #expireWaiters(): void {
    const oldest = this.#waiters[0]
    if (oldest === undefined) return
    if (this.#oldestWaiting?.seq !== oldest.seq) this.#oldestWaiting = { seq: oldest.seq, sinceMs: this.#nowMs }
    if (this.#nowMs - this.#oldestWaiting.sinceMs < this.#commitTimeoutMs) return
    const expired = this.#waiters
    this.#waiters = []
    this.#oldestWaiting = undefined
    const error = commitOutcomeUnknown(`journal ${this.id}: no quorum of regions confirmed the commit in ${this.#commitTimeoutMs} ms`)
    for (const waiter of expired) waiter.reject(error)
  }

  #failWaiters(error: unknown): void {
    const failed = this.#waiters
    this.#waiters = []
    const unknown = error instanceof SqlError && error.code === '40003' ? error : commitOutcomeUnknown(String(error))
    for (const waiter of failed) waiter.reject(unknown)
  }
}
