// Sessions of interactive transactions (ARCHITECTURE.md "api": sessions): open transactions by
// handle, one request at a time per transaction, idle and age limits, and a bounded memory of
// how ended transactions ended, so a client whose commit answer was lost can ask.
import type { Clock, Random, TimerHandle, Timers } from '../clock/index.ts'
import {
  SqlError,
  assert,
  cannotConnectNow,
  invalidTransactionState,
  unknownTransaction,
} from '../errors/index.ts'
import type { QueryProcessor, Transaction } from '../qp/index.ts'
import { TX_HANDLE_BYTES } from './constants.ts'
import type { TxStatusResponse } from './wire.ts'

/** The limits a registry enforces (all required here; defaults are filled in by createApp). */
export interface SessionLimits {
  readonly sessionsMax: number
  readonly idleTimeoutMs: number
  readonly txAgeMsMax: number
  readonly endedTxMax: number
  readonly txQueueMax: number
}

/** How an ended transaction ended; `error` is what its commit raised, replayed on a retry. */
type Ending =
  | { readonly status: 'committed'; readonly commitTs: string }
  | { readonly status: 'aborted'; readonly error: SqlError | undefined }
  | { readonly status: 'unknown'; readonly error: SqlError }

interface Session {
  readonly handle: string
  readonly tx: Transaction
  readonly ageTimer: TimerHandle
  idleTimer: TimerHandle | undefined
  /** Settles when every request queued so far has finished; requests chain onto it. */
  tail: Promise<void>
  pending: number
  /** How it ended, once it has: requests queued behind its end answer from this, so a commit
   * waiting behind another commit of the same transaction answers what that commit answered. */
  ending: Ending | undefined
}

const ignore = () => {}

/** What a commit answers. */
export interface CommitAnswer {
  readonly commitTs: string
}

/** Runs a commit (`commit`) and answers for it; see SessionRegistry.commit. */
export type AroundCommit = (commit: () => Promise<CommitAnswer>) => Promise<CommitAnswer>

/** Open interactive transactions of one region, by handle. */
export class SessionRegistry {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #random: Random
  readonly #limits: SessionLimits
  /** This region's name, for the hint of 25P03: a transaction lives only where it began. */
  readonly #region: string
  readonly #open = new Map<string, Session>()
  /** Insertion-ordered, so the first key is the oldest to forget. */
  readonly #ended = new Map<string, Ending>()
  #beginning = 0
  #closing = false

  constructor(options: {
    readonly clock: Clock
    readonly timers: Timers
    readonly random: Random
    readonly limits: SessionLimits
    readonly region: { readonly name: string }
  }) {
    this.#clock = options.clock
    this.#timers = options.timers
    this.#random = options.random
    this.#limits = options.limits
    this.#region = options.region.name
  }

  /** Open transactions right now. */
  get openCount(): number {
    return this.#open.size
  }

  /** Ended transactions still remembered. */
  get endedCount(): number {
    return this.#ended.size
  }

  /** Begins a transaction; 57P03 while closing, 53300 when `sessionsMax` are open. */
  async begin(
    qp: QueryProcessor,
    readOnly: boolean,
  ): Promise<{ readonly handle: string; readonly expiresAtMs: number }> {
    if (this.#closing) throw cannotConnectNow('the region is shutting down')
    if (this.#open.size + this.#beginning >= this.#limits.sessionsMax)
      throw new SqlError(
        '53300',
        `too many open transactions (at most ${this.#limits.sessionsMax})`,
        {
          hint: 'Commit or roll back open transactions, or retry later.',
        },
      )
    this.#beginning++
    let tx: Transaction
    try {
      tx = await qp.begin({ readOnly })
    } finally {
      this.#beginning--
    }
    if (this.#closing) {
      tx.rollback()
      throw cannotConnectNow('the region is shutting down')
    }
    const handle = this.#newHandle()
    const createdMs = this.#clock.wallMs()
    const session: Session = {
      handle,
      tx,
      ageTimer: this.#timers.setTimeout(() => this.#expire(session, 'age'), this.#limits.txAgeMsMax),
      idleTimer: undefined,
      tail: Promise.resolve(),
      pending: 0,
      ending: undefined,
    }
    this.#open.set(handle, session)
    this.#armIdle(session)
    return { handle, expiresAtMs: createdMs + this.#limits.txAgeMsMax }
  }

  /**
   * Runs `fn` on the transaction once every earlier request on it has finished, so requests on
   * one transaction never interleave. 25P03 when the handle is unknown or ended (also when it
   * ends while this request waits), 53400 when too many requests already wait.
   */
  run<T>(handle: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const session = this.#open.get(handle)
    if (session === undefined) throw this.#gone(handle, this.#ended.get(handle))
    return this.#turn(session, () => {
      if (session.ending !== undefined) throw this.#gone(handle, session.ending)
      return fn(session.tx)
    })
  }

  /**
   * Commits. A repeated commit answers what the commit answered: the commitTs again for a
   * committed transaction, the same error for one whose commit failed, 25P03 for one rolled back
   * or expired; so does a commit sent while another is still running (it waits its turn).
   * `around`, when given, runs the commit (test faults, api/index.ts `SqlFaults`): it may answer
   * without committing, which leaves the transaction open.
   */
  async commit(handle: string, around?: AroundCommit): Promise<CommitAnswer> {
    const session = this.#open.get(handle)
    if (session === undefined) return answerOfCommit(handle, this.#region, this.#ended.get(handle))
    return this.#turn(session, () => {
      if (session.ending !== undefined) return answerOfCommit(handle, this.#region, session.ending)
      const commit = async (): Promise<CommitAnswer> => {
        try {
          const { commitTs } = await session.tx.commit()
          this.#end(session, { status: 'committed', commitTs: String(commitTs) })
          return { commitTs: String(commitTs) }
        } catch (e) {
          this.#end(session, endingOfFailedCommit(session.tx, e))
          throw e
        }
      }
      return around === undefined ? commit() : around(commit)
    })
  }

  /** Rolls back; idempotent for transactions that ended without committing. 25000 when the
   * transaction committed or its outcome is unknown (nothing left to roll back), also when a
   * commit ahead of this rollback did that; 25P03 unknown. */
  async rollback(handle: string): Promise<void> {
    const session = this.#open.get(handle)
    if (session === undefined) return answerOfRollback(handle, this.#region, this.#ended.get(handle))
    await this.#turn(session, () => {
      if (session.ending !== undefined) return answerOfRollback(handle, this.#region, session.ending)
      session.tx.rollback()
      this.#end(session, { status: 'aborted', error: undefined })
    })
  }

  /** The status of a known transaction (GET /v1/tx/:tx); 25P03 when not known (any more). */
  status(handle: string): TxStatusResponse {
    if (this.#open.has(handle)) return { status: 'open' }
    const ending = this.#ended.get(handle)
    if (ending === undefined) throw unknownTransaction(handle, this.#region)
    return ending.status === 'committed'
      ? { status: 'committed', commitTs: ending.commitTs }
      : { status: ending.status }
  }

  /** Refuses new transactions and rolls back every open one once its current request finished. */
  async close(): Promise<void> {
    this.#closing = true
    const sessions = [...this.#open.values()]
    for (const session of sessions) this.#expire(session, 'closing')
    await Promise.all(sessions.map((s) => s.tail))
  }

  /** `fn` queued behind the requests already waiting on `session`; 53400 beyond txQueueMax. */
  #turn<T>(session: Session, fn: () => T | Promise<T>): Promise<T> {
    if (session.pending >= this.#limits.txQueueMax)
      throw new SqlError('53400', `too many requests waiting on transaction "${session.handle}"`, {
        hint: 'Requests on one transaction run one at a time; await answers before sending more.',
      })
    return this.#enqueue(session, fn)
  }

  #enqueue<T>(session: Session, fn: () => T | Promise<T>): Promise<T> {
    session.pending++
    session.idleTimer?.cancel()
    session.idleTimer = undefined
    const result = session.tail.then(fn)
    session.tail = result.then(ignore, ignore).then(() => {
      session.pending--
      if (session.pending === 0) this.#armIdle(session)
    })
    return result
  }

  #armIdle(session: Session): void {
    if (session.ending !== undefined) return
    session.idleTimer = this.#timers.setTimeout(
      () => this.#expire(session, 'idle'),
      this.#limits.idleTimeoutMs,
    )
  }

  /** Rolls back after the request in progress (if any) finished; later ones get 25P03, saying
   * why when a limit ended it. */
  #expire(session: Session, why: 'idle' | 'age' | 'closing'): void {
    if (session.ending !== undefined) return
    void this.#enqueue(session, () => {
      if (session.ending !== undefined) return
      session.tx.rollback()
      this.#end(session, { status: 'aborted', error: why === 'closing' ? undefined : this.#expired(session.handle, why) })
    })
  }

  /** The 25P03 of a transaction a limit rolled back. */
  #expired(handle: string, why: 'idle' | 'age'): SqlError {
    const { idleTimeoutMs, txAgeMsMax } = this.#limits
    return new SqlError(
      '25P03',
      why === 'idle'
        ? `transaction "${handle}" was rolled back: idle for ${idleTimeoutMs} ms`
        : `transaction "${handle}" was rolled back: older than ${txAgeMsMax} ms`,
      { hint: `An interactive transaction is rolled back after ${idleTimeoutMs} ms without a request or once ${txAgeMsMax} ms old (--idle-timeout, --tx-age-max).` },
    )
  }

  /** What a request on a transaction no longer open gets: why a limit ended it, or 25P03. */
  #gone(handle: string, ending: Ending | undefined): SqlError {
    if (ending?.status === 'aborted' && ending.error?.code === '25P03') return ending.error
    return unknownTransaction(handle, this.#region)
  }

  #end(session: Session, ending: Ending): void {
    assert(session.ending === undefined, `transaction ${session.handle} ended twice`)
    session.ending = ending
    session.ageTimer.cancel()
    session.idleTimer?.cancel()
    session.idleTimer = undefined
    this.#open.delete(session.handle)
    this.#ended.set(session.handle, ending)
    if (this.#ended.size > this.#limits.endedTxMax) {
      const oldest = this.#ended.keys().next()
      if (!oldest.done) this.#ended.delete(oldest.value)
    }
  }

  #newHandle(): string {
    // 128 random bits never collide in practice; the check makes "never" an invariant.
    const handle = Buffer.from(this.#random.bytes(TX_HANDLE_BYTES)).toString('hex')
    assert(!this.#open.has(handle) && !this.#ended.has(handle), 'transaction handle collision')
    return handle
  }
}

/** A commit's answer for a transaction that already ended (`ending`), or 25P03 when unknown. */
function answerOfCommit(handle: string, region: string, ending: Ending | undefined): CommitAnswer {
  if (ending?.status === 'committed') return { commitTs: ending.commitTs }
  if (ending !== undefined && ending.error !== undefined) throw ending.error
  throw unknownTransaction(handle, region)
}

/** A rollback's answer for a transaction that already ended: nothing to do when it aborted,
 * 25000 when it committed or its outcome is unknown, 25P03 when unknown. */
function answerOfRollback(handle: string, region: string, ending: Ending | undefined): void {
  if (ending === undefined) throw unknownTransaction(handle, region)
  if (ending.status === 'aborted') return
  throw invalidTransactionState(
    ending.status === 'committed'
      ? `transaction "${handle}" has already committed`
      : `transaction "${handle}" has an unknown commit outcome and cannot be rolled back`,
  )
}

/** How a transaction whose commit threw ended: 40003 leaves the outcome unknown, the rest abort. */
function endingOfFailedCommit(tx: Transaction, e: unknown): Ending {
  if (e instanceof SqlError && e.code === '40003') return { status: 'unknown', error: e }
  // The QP rolls back on a failed commit; making sure costs nothing (rollback is idempotent).
  tx.rollback()
  return { status: 'aborted', error: e instanceof SqlError ? e : undefined }
}
