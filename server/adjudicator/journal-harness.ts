// Test support for the adjudicator (ARCHITECTURE.md step 4): a tiny in-memory journal obeying the
// Journal contract (seq from 1, commitTs = max(proposed, last + 1, floor + 1), durability later).
import type { HlcTimestamp } from '../clock/index.ts'
import { commitOutcomeUnknown } from '../errors/index.ts'
import type {
  AppendRequest,
  Appended,
  CommitRecord,
  Journal,
  JournalFollower,
} from '../journal/index.ts'

interface Pending {
  readonly record: CommitRecord
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * Records are durable at once unless `hold()` was called; then they wait for `release()` or
 * `fail()` (which rejects them with 40003, as a journal that lost its quorum would).
 */
export class MemoryJournal implements Journal {
  readonly id: string
  readonly records: CommitRecord[] = []
  #lastTs: HlcTimestamp
  #durableSeq: number
  #durableTs: HlcTimestamp
  #held = false
  #pending: Pending[] = []

  constructor(id: string, recovered = { lastSeq: 0, lastCommitTs: 0 }) {
    this.id = id
    this.#lastTs = recovered.lastCommitTs
    this.#durableSeq = recovered.lastSeq
    this.#durableTs = recovered.lastCommitTs
  }

  append(request: AppendRequest): Appended {
    const seq = this.#durableSeq + this.#pending.length + 1
    const commitTs = Math.max(request.proposedTs, this.#lastTs + 1)
    this.#lastTs = commitTs
    const record: CommitRecord = { journalId: this.id, seq, commitTs, txId: request.txId, writes: request.writes }
    this.records.push(record)
    let resolve!: () => void
    let reject!: (error: unknown) => void
    const durable = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    this.#pending.push({ record, resolve, reject })
    if (!this.#held) this.release()
    return { seq, commitTs, durable }
  }

  hold(): void {
    this.#held = true
  }

  release(): void {
    this.#held = false
    for (const p of this.#pending.splice(0)) {
      this.#durableSeq = p.record.seq
      this.#durableTs = p.record.commitTs
      p.resolve()
    }
  }

  fail(): void {
    for (const p of this.#pending.splice(0)) p.reject(commitOutcomeUnknown('quorum lost'))
  }

  closedTs(): HlcTimestamp {
    return this.#lastTs
  }
  requestClose(): void {}
  follow(_follower: JournalFollower): () => void {
    return () => {}
  }
  read(afterSeq: number, maxRecords: number): CommitRecord[] {
    return this.records.filter((r) => r.seq > afterSeq).slice(0, maxRecords)
  }
  lastSeq(): number {
    return this.#durableSeq
  }
  lastCommitTs(): HlcTimestamp {
    return this.#durableTs
  }
  async close(): Promise<void> {}
}
