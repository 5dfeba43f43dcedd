// What a region tells of its disks (docs/architecture.md "Failure handling"): a journal or a
// storage shard that cannot write (a full disk, an I/O error) makes the region degraded, with the
// reason, for as long as it lasts; commits are refused meanwhile; and an operator reads one line
// when it starts (or changes) and one when it ends, however long it lasts.
import type { TimerHandle, Timers } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import type { ClusterEventSink } from './cluster-event.ts'

/** Something of the region that writes to disk, and why it cannot now (undefined while it can). */
export interface DiskWriter {
  failure(): SqlError | undefined
  /** Whether its failure stops commits: a leader journal's or a storage shard's does (a commit
   * would be refused by the journal, or durable but never shown); a replica's does not. */
  readonly holdsCommits: boolean
}

export interface DiskWatchOptions {
  /** Every writer of the region now (journals come and go with generations). */
  readonly writers: () => Iterable<DiskWriter>
  readonly timers: Timers
  /** How often a change is looked for, to be told (health and commits ask at once). */
  readonly intervalMs: number
  readonly onEvent: ClusterEventSink | undefined
}

/** See the file comment. */
export class DiskWatch {
  readonly #o: DiskWatchOptions
  /** The reason last told (undefined: none, or healthy again). */
  #told: string | undefined
  #timer: TimerHandle | undefined
  #closed = false

  constructor(options: DiskWatchOptions) {
    this.#o = options
    this.#schedule()
  }

  /** Why a commit must be refused now: the first failure of a writer that holds commits, as
   * 53100 (a full disk: retrying once space is freed is safe) or 57P03 (another I/O error), with
   * its hint; undefined while every such writer can write. Nothing was written. */
  refusal(): SqlError | undefined {
    for (const writer of this.#o.writers()) {
      if (!writer.holdsCommits) continue
      const failure = writer.failure()
      if (failure === undefined) continue
      return new SqlError(failure.code === '53100' ? '53100' : '57P03', `cannot commit now: ${failure.message}; nothing was written`, {
        hint: failure.hint,
        cause: failure,
      })
    }
    return undefined
  }

  /** What health reports while a writer fails: every distinct failure, or undefined. */
  reason(): string | undefined {
    const messages = new Set<string>()
    for (const writer of this.#o.writers()) {
      const failure = writer.failure()
      if (failure !== undefined) messages.add(failure.message)
    }
    return messages.size === 0 ? undefined : [...messages].join('; ')
  }

  close(): void {
    this.#closed = true
    this.#timer?.cancel()
  }

  #schedule(): void {
    this.#timer = this.#o.timers.setTimeout(() => {
      if (this.#closed) return
      this.#look()
      this.#schedule()
    }, this.#o.intervalMs)
  }

  /** Tells a change of the reason: a failure begun or changed, or ended. */
  #look(): void {
    const reason = this.reason()
    if (reason === this.#told) return
    const was = this.#told
    this.#told = reason
    if (reason === undefined) {
      this.#o.onEvent?.({ kind: 'disk', failing: undefined, was })
      return
    }
    const hint = this.#firstHint()
    this.#o.onEvent?.({ kind: 'disk', failing: reason, ...(hint === undefined ? {} : { hint }) })
  }

  #firstHint(): string | undefined {
    for (const writer of this.#o.writers()) {
      const hint = writer.failure()?.hint
      if (hint !== undefined) return hint
    }
    return undefined
  }
}
