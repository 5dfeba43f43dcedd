// What SQL functions may ask of the transaction they run in (ARCHITECTURE.md "query processor"):
// sequences, advisory locks and session settings. The transaction provides it in EvalContext.
import type { HlcTimestamp, Hlc, Random } from '../clock/index.ts'
import type { CommitService } from '../adjudicator/index.ts'
import { encodeKey, type Key } from '../encoding/index.ts'
import type { KeyRange, StorageReader } from '../storage/index.ts'
import { ADVISORY_LOCKS_TABLE_ID, type Table } from './catalog.ts'
import type { Node } from 'libpg-query'
import { SequenceValues, type SequenceDef, type SequenceHost, type SequencePosition, type SequenceShared, type TxOutcome } from './sequences.ts'
import { indexJobKey, startIndexJob, type IndexJob, type JobOwner, type JobShared } from './index-jobs.ts'
import { Settings } from './settings.ts'
import type { SqlType } from './types/index.ts'
import { PgPrng } from './pg-prng.ts'
import type { SnapshotView } from './snapshot-view.ts'

/** Transaction services for functions with effects beyond their row (nextval, advisory locks). */
export interface TxServices {
  /** The value of a session setting (`SHOW`, current_setting), undefined when unknown. */
  setting(name: string): string | undefined
  /** current_setting(name): the value, or 42704 for an unknown parameter. */
  requireSetting(name: string): string
  /** set_config(name, value, is_local): sets for this transaction, returns the value in force. */
  setSetting(name: string, value: string): string
  /** The next value of a sequence (42P01 unknown, 2200H exhausted). May throw `RefillNeeded`,
   * which the transaction handles by taking a block of values and running the statement again. */
  nextval(sequence: string): bigint
  /** The value nextval last returned for `sequence` in this transaction (55000 before one). */
  currval(sequence: string): bigint
  /** The value nextval last returned in this transaction, any sequence (55000 before one). */
  lastval(): bigint
  /** setval: the next nextval returns `value` + increment (`isCalled`) or `value`. */
  setval(sequence: string, value: bigint, isCalled: boolean): bigint
  /** Where a sequence stands, as PostgreSQL's last_value and is_called (SequenceValues.position):
   * for a sequence read in FROM, pg_sequences and pg_sequence_last_value. Joins no conflict check.
   * 42P01 when there is no such sequence. */
  sequencePosition(sequence: string): SequencePosition
  /** ALTER SEQUENCE's options applied to a sequence's definition: the new definition, which
   * continues after the last value handed out where this transaction can know it
   * (SequenceValues.altered). The caller writes it. */
  alteredSequence(def: SequenceDef, options: readonly Node[]): SequenceDef
  /** pg_advisory_xact_lock(key) or (key1, key2): a key checked at commit like a row read FOR
   * UPDATE, never waited for. */
  advisoryLock(keys: readonly bigint[]): void
  /** Whether this transaction took advisory lock `keys` (pg_advisory_unlock's answer). */
  holdsAdvisoryLock(keys: readonly bigint[]): boolean
  /** A table at the snapshot plus the write buffer (its definition joins the read keys), for
   * foreign key checks; undefined when there is none. */
  relation(name: string): Table | undefined
  /** A user type (an enum) by catalog name at the snapshot plus the write buffer (its definition
   * joins the read keys), for binding a table's stored expressions that name it. */
  userType(name: string): SqlType | undefined
  /** Adds a key to the commit's conflict check: 'read' checks it, 'lock' checks and records it. */
  conflictKey(key: Key, kind: 'read' | 'lock'): void
  /** Bytes storage keeps for the keys of `range` at the snapshot (StorageReader.storedBytes): for
   * pg_relation_size. Not this transaction's own writes, which storage has not seen yet; joins no
   * conflict check (a size is a statistic, as PostgreSQL's reads no row). */
  storedBytes(range: KeyRange): number
  /** CREATE INDEX ASYNC: starts the job once the transaction commits. */
  startIndexJobAfterCommit(jobId: string): void
  /** The owner a job created now gets: this query processor's region, at its wall clock. */
  indexJobOwner(): JobOwner
  /** The state of an index job at the snapshot: building, succeeded, or failed with its error. */
  indexJobState(jobId: string): string | undefined
  /** The session's generator for random() and friends (PostgreSQL's drandom_seed): the one
   * setseed last seeded in this transaction, else one seeded from the server's randomness on first
   * use. A session is one transaction (functions-random.ts). */
  prng(): PgPrng
  /** setseed(seed), seed in [-1, 1]: this transaction's later draws are PostgreSQL's after it. */
  setSeed(seed: number): void
}

/** What the transaction lends its services. */
export interface TxHost {
  readonly storage: StorageReader
  readonly commits: CommitService
  readonly hlc: Hlc
  readonly random: Random
  readonly startTs: HlcTimestamp
  readonly readOnly: boolean
  readonly view: SnapshotView
  /** A catalog value at the snapshot plus the write buffer (cached across transactions). */
  catalog(key: Key): string | undefined
  /** Adds a key to the commit's locked keys (checked and recorded at commitTs). */
  lock(key: Key): void
  /** Adds a key to the commit's read keys (checked only). */
  read(key: Key): void
  /** Writes into the transaction's buffer (limits enforced). */
  put(key: Key, value: string | null): void
  /** A table at the snapshot plus the write buffer, its schema key added to the read keys. */
  table(name: string): Table | undefined
  /** A user type (an enum) by catalog name at the snapshot plus the write buffer, its key added
   * to the read keys. */
  userType(name: string): SqlType | undefined
}

/** The key an advisory lock is checked under (one- and two-key locks never collide: the
 * encoding tells their lengths apart). */
export const advisoryLockKey = (keys: readonly bigint[]): Key =>
  encodeKey([ADVISORY_LOCKS_TABLE_ID, ...keys])

/** The services of one transaction: its settings, sequence values and advisory locks. */
export class TransactionServices implements TxServices {
  readonly #makeHost: () => TxHost
  #madeHost: TxHost | undefined
  readonly #shared: JobShared & SequenceShared
  // Made on first use: most transactions never touch a setting, a sequence or an advisory lock,
  // and a point select's whole cost is a few microseconds.
  #settings: Settings | undefined
  #sequences: SequenceValues | undefined
  #afterCommit: ((commitTs: HlcTimestamp) => void)[] | undefined
  #advisoryLocks: Set<Key> | undefined
  #prng: PgPrng | undefined

  constructor(host: () => TxHost, shared: JobShared & SequenceShared) {
    this.#makeHost = host
    this.#shared = shared
  }

  get #host(): TxHost {
    return (this.#madeHost ??= this.#makeHost())
  }

  get settings(): Settings {
    return (this.#settings ??= new Settings(this.#host.readOnly))
  }

  get sequences(): SequenceValues {
    return (this.#sequences ??= new SequenceValues(this.#host satisfies SequenceHost, this.#shared))
  }

  /** statement_timeout in force (see Settings.statementTimeoutMs). */
  statementTimeoutMs(serverMs: number): number {
    return this.#settings === undefined ? serverMs : this.#settings.statementTimeoutMs(serverMs)
  }

  prng(): PgPrng {
    if (this.#prng === undefined) {
      let seed = 0n
      for (const b of this.#host.random.bytes(8)) seed = (seed << 8n) | BigInt(b)
      this.#prng = new PgPrng(seed)
    }
    return this.#prng
  }

  setSeed(seed: number): void {
    this.#prng = PgPrng.fromFloat(seed)
  }

  setting(name: string): string | undefined {
    return this.settings.get(name)
  }

  requireSetting(name: string): string {
    return this.settings.require(name)
  }

  setSetting(name: string, value: string): string {
    return this.settings.set(name, value)
  }

  nextval(sequence: string): bigint {
    return this.sequences.nextval(sequence)
  }

  currval(sequence: string): bigint {
    return this.sequences.currval(sequence)
  }

  lastval(): bigint {
    return this.sequences.lastval()
  }

  setval(sequence: string, value: bigint, isCalled: boolean): bigint {
    return this.sequences.setval(sequence, value, isCalled)
  }

  sequencePosition(sequence: string): SequencePosition {
    return this.sequences.position(sequence)
  }

  alteredSequence(def: SequenceDef, options: readonly Node[]): SequenceDef {
    return this.sequences.altered(def, options)
  }

  advisoryLock(keys: readonly bigint[]): void {
    const key = advisoryLockKey(keys)
    ;(this.#advisoryLocks ??= new Set()).add(key)
    this.#host.lock(key)
  }

  holdsAdvisoryLock(keys: readonly bigint[]): boolean {
    return this.#advisoryLocks?.has(advisoryLockKey(keys)) ?? false
  }

  relation(name: string): Table | undefined {
    return this.#host.table(name)
  }

  userType(name: string): SqlType | undefined {
    return this.#host.userType(name)
  }

  storedBytes(range: KeyRange): number {
    return this.#host.storage.storedBytes(range, this.#host.startTs)
  }

  conflictKey(key: Key, kind: 'read' | 'lock'): void {
    if (kind === 'read') this.#host.read(key)
    else this.#host.lock(key)
  }

  startIndexJobAfterCommit(jobId: string): void {
    ;(this.#afterCommit ??= []).push(
      (commitTs) => void startIndexJob(this.#shared, this.#host, jobId, commitTs),
    )
  }

  indexJobOwner(): JobOwner {
    return { owner: this.#shared.region, ownerAtMs: this.#shared.clock.wallMs() }
  }

  indexJobState(jobId: string): string | undefined {
    const raw = this.#host.view.get(indexJobKey(jobId))
    if (raw === undefined) return undefined
    const job = JSON.parse(raw) as IndexJob
    return job.state === 'failed' ? `failed: ${job.error ?? ''}` : job.state
  }

  /** The transaction ended so (before `committed`): settles what its sequences wait on. */
  ended(outcome: TxOutcome): void {
    this.#sequences?.ended(outcome)
  }

  /** The transaction committed at `commitTs`: starts what waited for it (index jobs). */
  committed(commitTs: HlcTimestamp): void {
    for (const start of this.#afterCommit?.splice(0) ?? []) start(commitTs)
  }

  /** Runs a statement, taking blocks of sequence values and running it again when it ran out
   * (nextval cannot wait inside an expression). `undo` reverts the failed attempt's writes. */
  runStatement<T>(run: () => T | Promise<T>, undo: () => void): T | Promise<T> {
    // Nearly every statement runs once, synchronously: only a refill, or slices, need a promise.
    this.#sequences?.startStatement()
    // A statement run again after a refill draws again what its first attempt drew (setseed's
    // sequence must not skip what the abandoned attempt took).
    const prngBefore = this.#prng?.clone()
    const rerun = (e: unknown, paused: boolean): Promise<T> => {
      // Sequence values may have been made by this very statement (they are made on first use).
      const sequences = this.#sequences as SequenceValues | undefined
      if (sequences === undefined) throw e
      const undoAttempt = () => {
        undo()
        this.#prng = prngBefore?.clone()
      }
      return sequences.rerunAfter(e, run, undoAttempt, paused)
    }
    let ran: T | Promise<T>
    try {
      ran = run()
    } catch (e) {
      return rerun(e, false)
    }
    // A statement in slices runs out of values after a pause: its refill comes as a rejection.
    return ran instanceof Promise ? ran.catch((e: unknown) => rerun(e, true)) : ran
  }
}
