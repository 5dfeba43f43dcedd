// A replica of another region's journal (ARCHITECTURE.md "Regions": followers append, fsync and
// acknowledge). It stores the leader's records with their seq and commitTs, acknowledges what is on
// its disk, and shows its own followers (this region's crossbar) only what the leader reported
// committed, with the leader's closed timestamps.
import type { HlcTimestamp, Hlc } from '../clock/index.ts'
import { assert, cannotConnectNow, SqlError } from '../errors/index.ts'
import type { AppendRequest, Appended, CommitRecord, FileJournal, Journal, JournalFollower } from './index.ts'
import { REPLICATION_LIMITS } from './constants.ts'
import { recordsForMessage } from './message-records.ts'
import type { JournalMessage, ReplicationLink } from './replication.ts'

/** Options of a replica. */
export interface ReplicaJournalOptions {
  /** The local copy: a FileJournal opened with `replica: true` and the leader's journal id. */
  readonly local: FileJournal
  /** The region that leads this journal. */
  readonly leader: string
  readonly link: ReplicationLink
  /** Timestamps from the leader advance this region's clock (they happened before our reads). */
  readonly hlc: Hlc
  /** The journal was sealed (its leader region failed over): no record after `seq` ever counts. */
  readonly sealed?: JournalSeal
  /** This copy exists only for failovers (a witness's: nothing here applies it): it drops whole
   * segments once every other region holds their records (the leader's `heldElsewhereSeq`), so
   * its disk stays bounded. A full region's replica is cut by its storage compaction instead. */
  readonly dropHeldElsewhere?: boolean
}

/** Where a failed-over journal ends: its last committed record. */
export interface JournalSeal {
  readonly seq: number
  readonly commitTs: HlcTimestamp
}

/** The closed timestamp of a sealed journal: nothing will ever be appended to it again. */
export const SEALED_CLOSED_TS = Number.MAX_SAFE_INTEGER

/** See the file comment. */
export class ReplicaJournal implements Journal {
  readonly id: string
  readonly #local: FileJournal
  readonly #leader: string
  readonly #link: ReplicationLink
  readonly #hlc: Hlc
  readonly #dropHeldElsewhere: boolean
  /** Locally durable records not yet shown to followers. */
  #held: CommitRecord[] = []
  #localDurableSeq: number
  /** The highest seq this replica told the leader it holds: what a commit may have counted on. */
  #ackedSeq: number
  /** The received seq (`#receivedSeq`) at which this replica last asked the leader to resend. */
  #askedAt = -1
  #leaderCommittedSeq = 0
  #leaderClosed: HlcTimestamp = 0
  /** Every other region holds the records through this on disk (the leader's `heldElsewhereSeq`;
   * 0 until it says, after a restart too): no copy here may drop records past it. */
  #heldElsewhereSeq = 0
  #deliveredSeq: number
  #deliveredTs: HlcTimestamp
  #published: HlcTimestamp = 0
  #requested: HlcTimestamp = 0
  #followers: readonly JournalFollower[] = []
  readonly #unfollowLocal: () => void
  #closed = false
  /** Frozen for a seal: the leader's records and acknowledgements stop, so it can commit no more. */
  #frozen = false
  #seal: JournalSeal | undefined
  /** Fetches waiting for their records to be on disk. */
  #durableWaiters: Array<{ readonly seq: number; readonly resolve: () => void }> = []

  constructor(options: ReplicaJournalOptions) {
    this.id = options.local.id
    this.#local = options.local
    this.#leader = options.leader
    this.#link = options.link
    this.#hlc = options.hlc
    this.#dropHeldElsewhere = options.dropHeldElsewhere ?? false
    this.#localDurableSeq = options.local.lastSeq()
    // Whatever survived a restart may have been acknowledged before it: only acknowledged records
    // are durable, so the file's tail bounds them.
    this.#ackedSeq = this.#localDurableSeq
    // What the file holds may not all be committed: until the leader says so, show nothing new.
    // Storage that applied some of it before a restart knows its own positions.
    // Records before the first kept segment were truncated after every shard applied them, so
    // they were committed; delivery resumes after them.
    this.#deliveredSeq = options.local.firstSeq() - 1
    this.#deliveredTs = 0
    this.#unfollowLocal = options.local.follow({
      onRecords: (records) => this.#onLocalRecords(records),
      onClosed: () => {},
    })
    if (options.sealed !== undefined) this.seal(options.sealed)
  }

  /** Stops taking the leader's records and acknowledging them (the first step of sealing);
   * returns the last seq on this disk. Idempotent. */
  freeze(): number {
    this.#frozen = true
    return this.#localDurableSeq
  }

  /** Takes the leader's records and acknowledges them again: for a freeze no seal can rest on
   * (the requester gave its attempt up, or an acceptor released a freeze it never pledged; see
   * server/region/failover.ts). Tells the leader where this disk stands, since the records and
   * commits it sent meanwhile were dropped. Never after `seal`. */
  unfreeze(): void {
    assert(this.#seal === undefined, `replica ${this.id} is sealed and cannot be unfrozen`)
    if (!this.#frozen) return
    this.#frozen = false
    this.hello()
  }

  /** The last seq on this disk (committed or not). */
  durableSeq(): number {
    return this.#localDurableSeq
  }

  /** The highest seq this replica ever acknowledged to the leader (since it opened; after a
   * restart, the tail of its file): a commit of a later record never counted on this replica.
   * Never more than `durableSeq()`; it does not grow while frozen. */
  ackedSeq(): number {
    return this.#ackedSeq
  }

  /** Records on this disk after `afterSeq` (committed or not), at most `maxRecords` and one
   * network message's worth (`recordsForMessage`): what a seal collects. */
  localRecords(afterSeq: number, maxRecords: number): readonly CommitRecord[] {
    const count = Math.min(maxRecords, this.#localDurableSeq - afterSeq)
    return recordsForMessage(this.#local.read(afterSeq, count, REPLICATION_LIMITS.messageBytesMax))
  }

  /** Adds records fetched from another replica while frozen; resolves once every one of them,
   * and every record received before them, is on disk. */
  async addFetched(records: readonly CommitRecord[]): Promise<void> {
    const durable: Promise<void>[] = []
    for (const record of records) {
      if (record.seq <= this.#receivedSeq()) continue
      assert(record.seq === this.#receivedSeq() + 1, `replica ${this.id}: fetched seq ${record.seq} after ${this.#receivedSeq()}`)
      durable.push(this.#local.appendAt(record).durable)
    }
    const through = Math.max(...records.map((r) => r.seq), 0)
    if (through <= this.#localDurableSeq) return
    // A write that fails (a full disk: the file then cuts these records) rejects here, and the
    // caller fetches again, rather than waiting for records that will never be on disk.
    await Promise.all([...durable, new Promise<void>((resolve) => this.#durableWaiters.push({ seq: through, resolve }))])
  }

  /** Ends the journal at `seal`: every record through it counts as committed, nothing after it
   * ever will, and the closed timestamp becomes SEALED_CLOSED_TS. This disk must hold the records
   * through `seal.seq`. */
  seal(seal: JournalSeal): void {
    assert(this.#localDurableSeq >= seal.seq, `replica ${this.id} lacks records before its seal at ${seal.seq}`)
    this.#frozen = true
    this.#seal = seal
    if (seal.seq > this.#leaderCommittedSeq) this.#leaderCommittedSeq = seal.seq
    this.#leaderClosed = SEALED_CLOSED_TS
    this.#deliver()
  }

  append(_request: AppendRequest): Appended {
    throw cannotConnectNow(`journal ${this.id} is led by region ${this.#leader}; this region holds a replica`)
  }

  closedTs(): HlcTimestamp {
    return this.#published
  }

  requestClose(ts: HlcTimestamp): void {
    if (this.#frozen) return
    if (ts <= this.#published || ts <= this.#requested || this.#closed) return
    this.#requested = ts
    this.#link.send(this.#leader, { type: 'journal.close', journalId: this.id, ts })
  }

  follow(follower: JournalFollower): () => void {
    this.#followers = [...this.#followers, follower]
    return () => {
      this.#followers = this.#followers.filter((f) => f !== follower)
    }
  }

  read(afterSeq: number, maxRecords: number, bytesMax?: number): CommitRecord[] {
    const count = Math.min(maxRecords, this.#readableSeq() - afterSeq)
    return count <= 0 ? [] : this.#local.read(afterSeq, count, bytesMax)
  }

  lastSeq(): number {
    return this.#readableSeq()
  }

  lastCommitTs(): HlcTimestamp {
    return this.#deliveredTs
  }

  firstSeq(): number {
    return this.#local.firstSeq()
  }

  /** Cuts through `seq` (what storage here holds durably), but never a record some other region
   * may still lack: a region that catches up with a seal fetches the records it lacks from a copy
   * like this one (server/region/failover.ts), and so does a failover from the longest tail. Cut
   * past what a region lacked, it left that region unable to take the seal (a witness cut off
   * while two full regions committed: the cluster simulation with durable storage, seed 67). */
  truncateThrough(seq: number): number {
    return this.#local.truncateThrough(Math.min(seq, this.#readableSeq(), this.#heldElsewhereSeq))
  }

  /** Tells the leader where this replica stands (call when the link to it comes up). */
  hello(): void {
    if (this.#frozen) return
    this.#ack(true)
  }

  /** A message from the leader. */
  receive(from: string, message: JournalMessage): void {
    if (from !== this.#leader || this.#closed || this.#frozen) return
    if (message.type === 'journal.records') this.#onRecords(message.records)
    else if (message.type === 'journal.commit') {
      this.#hlc.update(message.closedTs)
      if (message.committedSeq > this.#leaderCommittedSeq) this.#leaderCommittedSeq = message.committedSeq
      if (message.closedTs > this.#leaderClosed) this.#leaderClosed = message.closedTs
      this.#deliver()
      // The leader reports commits this replica never received: ask once per position (the
      // leader's retransmission covers a lost answer).
      if (this.#leaderCommittedSeq > this.#receivedSeq() && this.#askedAt !== this.#receivedSeq()) this.#askResend()
      if (message.heldElsewhereSeq !== undefined && message.heldElsewhereSeq > this.#heldElsewhereSeq) {
        this.#heldElsewhereSeq = message.heldElsewhereSeq
      }
      // Never past what was shown to followers: a restart resumes delivery at the first kept seq.
      if (this.#dropHeldElsewhere) this.#local.truncateThrough(Math.min(this.#heldElsewhereSeq, this.#deliveredSeq))
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#unfollowLocal()
    await this.#local.close()
  }

  /** Records are what the leader has on disk; the committed ones of them are shown later. */
  #onRecords(records: readonly CommitRecord[]): void {
    // A resend of records this replica already holds means the leader missed its acknowledgement:
    // say again how far this disk is (without it the leader would wait for the lost ack forever).
    if (records.length > 0 && (records[0] as CommitRecord).seq <= this.#localDurableSeq) this.#ack(false)
    for (const record of records) {
      if (record.seq <= this.#receivedSeq()) continue
      if (record.seq > this.#receivedSeq() + 1) {
        // A gap: something in between was lost on the way.
        if (this.#askedAt !== this.#receivedSeq()) this.#askResend()
        return
      }
      try {
        this.#local.appendAt(record)
      } catch (e) {
        // The file refuses records (its disk is full or failed: the region reports it; or too
        // many wait for the disk): this one is not taken, and the leader resends what this
        // replica has not acknowledged. A bug is not an answer.
        if (e instanceof SqlError) return
        throw e
      }
    }
  }

  #askResend(): void {
    this.#askedAt = this.#receivedSeq()
    this.#ack(true)
  }

  /** Tells the leader how far this disk is (every acknowledgement goes through here). */
  #ack(resend: boolean): void {
    assert(!this.#frozen, `replica ${this.id} acknowledges while frozen`)
    if (this.#localDurableSeq > this.#ackedSeq) this.#ackedSeq = this.#localDurableSeq
    this.#link.send(this.#leader, { type: 'journal.ack', journalId: this.id, durableSeq: this.#localDurableSeq, resend })
  }

  #onLocalRecords(records: readonly CommitRecord[]): void {
    for (const r of records) this.#held.push(r)
    this.#localDurableSeq = records.at(-1)?.seq ?? this.#localDurableSeq
    if (this.#durableWaiters.length > 0) {
      const due = this.#durableWaiters.filter((w) => w.seq <= this.#localDurableSeq)
      this.#durableWaiters = this.#durableWaiters.filter((w) => w.seq > this.#localDurableSeq)
      for (const w of due) w.resolve()
    }
    if (!this.#frozen) this.#ack(false)
    this.#deliver()
  }

  /**
   * The last seq handed to the local file, durable or not: the file's, so that records a failed
   * write lost (a full disk: the file cuts them and takes records again once it has room) are
   * taken again when the leader resends them. It never had them on disk, so never acknowledged
   * them, and the leader keeps and resends every record a replica has not acknowledged.
   */
  #receivedSeq(): number {
    return this.#local.assignedSeq()
  }

  /** The highest seq that is both committed at the leader and on this disk (never past a seal). */
  #readableSeq(): number {
    const readable = Math.min(this.#leaderCommittedSeq, this.#localDurableSeq)
    return this.#seal === undefined ? readable : Math.min(readable, this.#seal.seq)
  }

  /** Shows followers the committed records this replica holds, then a safe closed timestamp. */
  #deliver(): void {
    const target = this.#readableSeq()
    if (target > this.#deliveredSeq) {
      // Records that were durable before a restart are in the file, not in #held.
      const first = this.#held[0]?.seq ?? target + 1
      const fromFile = first > this.#deliveredSeq + 1 ? this.#local.read(this.#deliveredSeq, Math.min(target, first - 1) - this.#deliveredSeq) : []
      let n = 0
      while (n < this.#held.length && this.#held[n]!.seq <= target) n++
      const records = [...fromFile, ...this.#held.slice(0, n)]
      this.#held = this.#held.slice(n).filter((r) => r.seq > target)
      assert(records.length === target - this.#deliveredSeq, `replica ${this.id}: committed records missing`)
      this.#deliveredSeq = target
      this.#deliveredTs = records.at(-1)!.commitTs
      for (const follower of this.#followers) follower.onRecords(records)
    }
    // The leader's closed timestamp holds once every committed record is here; until then only
    // the last record shown is safe (everything after it has a larger commitTs).
    const closed = this.#deliveredSeq >= this.#leaderCommittedSeq ? this.#leaderClosed : this.#deliveredTs
    if (closed > this.#published) {
      this.#published = closed
      for (const follower of this.#followers) follower.onClosed(closed)
    }
  }
}
