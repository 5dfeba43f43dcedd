// What a region tells of its disks (docs/architecture.md "Failure handling"): a journal or a
// storage shard that cannot write (a full disk, an I/O error) makes the region degraded, with the
// reason, for as long as it lasts; commits are refused meanwhile (and, in a cluster, begins that
// could not be served); and an operator reads one line when it starts (or changes) and one when it
// ends, however long it lasts.
import type { TimerHandle, Timers } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import type { ClusterEventSink } from './cluster-event.ts'

/** Something of the region that writes to disk, and why it cannot now (undefined while it can). */
export interface DiskWriter {
  failure(): SqlError | undefined
  /** Whether its failure keeps the frontier from reaching a new snapshot (a cluster refuses begins
   * then): a shard that takes no more records, a replica whose records cannot reach this region's
   * merge. Asked only while it fails. */
  stopsReads(): boolean
}

export interface DiskWatchOptions {
  /** Every writer of the region now (journals come and go with generations): each must call
   * `changed` when its failure begins or ends, and the region when one leaves. */
  readonly writers: () => Iterable<DiskWriter>
  readonly timers: Timers
  /** How often a change is looked for, to be told (health and commits ask at once). */
  readonly intervalMs: number
  readonly onEvent: ClusterEventSink | undefined
}

/** See the file comment. */
export class DiskWatch {
  readonly #o: DiskWatchOptions
  /** How many writers fail now: kept by `changed`, so that a commit on a healthy region reads one
   * number. */
  #failing = 0
  /** The reason last told (undefined: none, or healthy again). */
  #told: string | undefined
  #timer: TimerHandle | undefined
  #closed = false

  constructor(options: DiskWatchOptions) {
    this.#o = options
    this.#schedule()
  }

  /** A writer's failure began or ended, or a writer left: counts them again (rare, and each
   * failure is a field read). */
  changed(): void {
    this.#failing = this.#failures().length
  }

  /** Why a commit must be refused now: the first writer's failure (a commit would be refused by
   * a journal, or durable but not shown, and every later begin would wait for it); undefined while
   * every writer can write. Nothing was written. */
  refusal(): SqlError | undefined {
    if (this.#failing === 0) return undefined
    const first = this.#failures()[0]
    return first === undefined ? undefined : refusedWhile('commit', first.failure)
  }

  /** Why a begin must be refused now (a cluster's: its snapshot is now, which the frontier cannot
   * reach while a writer `stopsReads`); undefined otherwise. */
  beginRefusal(): SqlError | undefined {
    if (this.#failing === 0) return undefined
    const first = this.#failures().find(({ writer }) => writer.stopsReads())
    return first === undefined ? undefined : refusedWhile('begin', first.failure)
  }

  /** What health reports while a writer fails: every distinct failure, or undefined. */
  reason(): string | undefined {
    if (this.#failing === 0) return undefined
    const messages = new Set(this.#failures().map(({ failure }) => failure.message))
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
    return this.#failures().find(({ failure }) => failure.hint !== undefined)?.failure.hint
  }

  /** The writers failing now, with their failures, in the writers' order. */
  #failures(): { readonly writer: DiskWriter; readonly failure: SqlError }[] {
    const failing = []
    for (const writer of this.#o.writers()) {
      const failure = writer.failure()
      if (failure !== undefined) failing.push({ writer, failure })
    }
    return failing
  }
}

/**
 * A commit or a begin refused while a writer fails: 53100 for a full disk (retrying once space is
 * freed is safe), 57P03 for another I/O error (58030 names the device's fault, not the client's
 * statement), with the failure's hint. Nothing was written.
 */
function refusedWhile(what: 'commit' | 'begin', failure: SqlError): SqlError {
  const message = what === 'commit' ? `cannot commit now: ${failure.message}; nothing was written` : `cannot begin now: ${failure.message}`
  return new SqlError(failure.code === '53100' ? '53100' : '57P03', message, { hint: failure.hint, cause: failure })
}
