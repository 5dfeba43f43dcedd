// bench/crossbar-stalls: an in-memory journal host (ARCHITECTURE.md "journal", step 4) driven by
// the simulation: records are durable once flushed, closed timestamps follow the records they cover.
import type { HlcTimestamp } from '../../server/clock/index.ts'
import { assert } from '../../server/errors/index.ts'
import type {
  Appended,
  AppendRequest,
  CommitRecord,
  Journal,
  JournalFollower,
} from '../../server/journal/index.ts'

/**
 * A journal that keeps its durable records in memory and obeys the Journal contract: records reach
 * followers in seq order with increasing commitTs, and a closed timestamp is published only after
 * every record it covers was delivered, and never has a record appended at or below it afterwards
 * (asserted in `append`, so a fence that lied would fail the run). `publishClosed` is the host's
 * heartbeat; `fenceClosed` is the same promise made by the journal's replicas on behalf of a
 * silent host (they refuse any later record at or below it, so the host's commitTs floor rises).
 */
export class SimJournal implements Journal {
  readonly id: string
  readonly #followers = new Set<JournalFollower>()
  /** Durable records, `#records[i].seq === #firstSeq + i`. */
  #records: CommitRecord[] = []
  #firstSeq = 1
  #unflushed: CommitRecord[] = []
  #batchDurable: { promise: Promise<void>; resolve: () => void } | undefined
  #lastSeq = 0
  #lastCommitTs: HlcTimestamp = 0
  #closedTs: HlcTimestamp = 0
  /** Closed timestamps published by the replicas while the host was silent. */
  fencedCount = 0

  constructor(id: string) {
    this.id = id
  }

  append(request: AppendRequest): Appended {
    // The floor is the closed timestamp: whoever published it, nothing at or below it may follow.
    const commitTs = Math.max(request.proposedTs, this.#lastCommitTs + 1, this.#closedTs + 1)
    assert(commitTs > this.#closedTs, `journal ${this.id}: append at or below its closed timestamp`)
    const record: CommitRecord = {
      journalId: this.id,
      seq: ++this.#lastSeq,
      commitTs,
      txId: request.txId,
      writes: request.writes,
    }
    this.#lastCommitTs = commitTs
    this.#unflushed.push(record)
    this.#batchDurable ??= withResolvers()
    return { seq: record.seq, commitTs, durable: this.#batchDurable.promise }
  }

  /** Makes the appended records durable and delivers them to the followers, in seq order. */
  flush(): void {
    if (this.#unflushed.length === 0) return
    const batch = this.#unflushed
    this.#unflushed = []
    for (const record of batch) this.#records.push(record)
    for (const follower of this.#followers) follower.onRecords(batch)
    this.#batchDurable?.resolve()
    this.#batchDurable = undefined
  }

  /** The host's heartbeat: closes `ts` once everything at or below it was delivered. */
  publishClosed(ts: HlcTimestamp): void {
    assert(this.#unflushed.length === 0, 'closed timestamp published before its records')
    assert(ts >= this.#lastCommitTs, 'closed timestamp below a delivered record')
    if (ts <= this.#closedTs) return
    this.#closedTs = ts
    for (const follower of this.#followers) follower.onClosed(ts)
  }

  /** The replicas close `ts` for a silent host: they hold every durable record (delivered
   * already), and they refuse anything at or below `ts` from it afterwards (`append` floor). */
  fenceClosed(ts: HlcTimestamp): void {
    this.fencedCount++
    this.publishClosed(ts)
  }

  closedTs(): HlcTimestamp {
    return this.#closedTs
  }

  requestClose(_ts: HlcTimestamp): void {
    // The simulated host publishes on its heartbeat; a frozen host answers nobody.
  }

  follow(follower: JournalFollower): () => void {
    this.#followers.add(follower)
    return () => void this.#followers.delete(follower)
  }

  read(afterSeq: number, maxRecords: number): CommitRecord[] {
    assert(afterSeq + 1 >= this.#firstSeq, `journal ${this.id}: read below the first held seq`)
    const from = afterSeq + 1 - this.#firstSeq
    return this.#records.slice(from, from + maxRecords)
  }

  lastSeq(): number {
    return this.#firstSeq + this.#records.length - 1
  }

  firstSeq(): number {
    return this.#firstSeq
  }

  /** Drops records through `seq`, keeping the newest one (it tells where the sequence stands). */
  truncateThrough(seq: number): number {
    const drop = Math.min(seq - this.#firstSeq + 1, this.#records.length - 1)
    if (drop <= 0) return 0
    this.#records = this.#records.slice(drop)
    this.#firstSeq += drop
    return 1
  }

  lastCommitTs(): HlcTimestamp {
    const last = this.#records[this.#records.length - 1]
    return last === undefined ? 0 : last.commitTs
  }

  async close(): Promise<void> {
    this.#followers.clear()
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}
