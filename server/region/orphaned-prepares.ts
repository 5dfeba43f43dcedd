// Commits prepared here for a coordinator in another region whose finish never comes
// (ARCHITECTURE.md step 4, "Several partitions": "A participant that loses its coordinator
// resolves the reservation by reading the coordinator's journal (it has a replica)").
//
// Why it is safe (docs/architecture.md "Commits across regions" has the same in prose):
// - A commit record appears only in the coordinator's journal, appended by the run (one start of
//   the region's process) that coordinates the commit, after every participant prepared. A later
//   run never appends one for it: the request lived only in the earlier process (forwards and
//   prepares are RPCs, never retried, and die with the links of a process that ends), and txIds
//   are fresh per commit attempt.
// - A run's records that can ever commit are those in its journal's file when the next run opens
//   it: what was synced, and what a killed process had written that the OS kept (recovery counts
//   it and syncs it again). Records that did not survive were never sent to a replica (a leader
//   sends only what is durable at it), so they commit nowhere, ever. The next run's `openedSeq` of
//   the journal therefore bounds the seq of every record an earlier run can still commit.
// - Runs of a region do not overlap (one process per data directory). The question goes out after
//   the commit was prepared here and is answered by the run alive then; if that run is not the one
//   that prepared, the preparing run ended before it started.
// - Records reach this region in seq order, only once committed, through its replica, whose
//   followers see each record when it is shown. So once the replica shows every record through
//   that bound (or the journal is sealed: nothing past a seal ever counts), the commit record
//   either was seen (its keys are recorded as written at its commitTs) or never will exist (the
//   reservation is released). A record seen at any time settles its commit at once, whatever the
//   run: that also covers a finish lost while the coordinator lives on and committed.
//
// A finish lost while the coordinator lives on and gave the commit up (a participant refused, a
// prepare failed, the prepares took too long, the append was refused): no record will come, and
// the run did not change. The run notes each commit it finishes without a record (`GivenUp`,
// bounded in count and age), the question names the commits asked about, and the answer says
// which of them the serving run gave up. A commit it names is released at once, if the run that
// prepared it is the one answering. Why that is safe:
// - The run notes a commit when it sends the finish without commitTs, a final decision: no
//   record was appended (every such finish comes before the append, or after the journal
//   refused it, which then recorded nothing), and the run never appends one for a txId it noted
//   (it checks just before the append, which covers a request delivered twice). The answer
//   repeats the finish that was lost, and a release on it is the release that finish would have
//   made. An append whose durability is unknown is not a give-up: its finish carries the
//   commitTs, and its record may still commit.
// - No other run appends that record either (the first point above), so once noted, "given up"
//   stays true: an answer counts whenever it arrives (late, duplicated, reordered). It is applied
//   only to prepares listed before the question left, and only to one prepared by the run that
//   answers (an answer from another run takes the path above: the run ended).
// - A txId the run does not name says nothing: still in flight (it may yet append), committed,
//   or forgotten (then the lapse, as before). Such a commit stays reserved, and is asked about
//   again at the next sweep.
import type { Adjudicators, GivenUp, PreparedElsewhere } from '../adjudicator/index.ts'
import type { Clock, TimerHandle, Timers } from '../clock/index.ts'
import { assert, SqlError } from '../errors/index.ts'
import { SEALED_CLOSED_TS, type CommitRecord, type Journal } from '../journal/index.ts'
import type { Rpc } from '../net/index.ts'
import { parseJournalId } from './cluster-state.ts'
import { ORPHAN_AGE_MS, ORPHAN_ASK_TIMEOUT_MS, ORPHAN_SWEEP_MS, ORPHAN_TXIDS_PER_ASK_MAX, ORPHANS_PER_SWEEP_MAX } from './constants.ts'

/** What a region is asked with `adj.run`: commits it coordinated, perhaps, whose finish did not
 * come (at most ORPHAN_TXIDS_PER_ASK_MAX). */
export interface RunQuestion {
  readonly txIds: readonly string[]
}

/** What a region answers `adj.run`: the run now serving, for each journal it leads the last seq
 * its file held when this run opened it, and those of the commits asked about that this run gave
 * up (finished without a record). */
export interface RunAnswer {
  readonly run: string
  readonly openedSeq: Readonly<Record<string, number>>
  readonly gaveUp: readonly string[]
}

const RUN_METHOD = 'adj.run'

/** Answers other regions' `adj.run`: this process's `run`, where each journal it leads began, and
 * which of the commits asked about it gave up. */
export function serveRun(rpc: Rpc, run: string, openedSeq: ReadonlyMap<string, number>, givenUp: GivenUp): void {
  rpc.handle(RUN_METHOD, (_from, payload): RunAnswer => {
    const asked = (payload as RunQuestion | null)?.txIds
    // Read no more than a question may name (a peer of this version never sends more).
    const txIds = Array.isArray(asked) ? asked.slice(0, ORPHAN_TXIDS_PER_ASK_MAX).filter((t): t is string => typeof t === 'string') : []
    return { run, openedSeq: Object.fromEntries(openedSeq), gaveUp: givenUp.of(txIds) }
  })
}

/** How the participant side is wired to its region. */
export interface OrphanedPreparesOptions {
  readonly rpc: Rpc
  /** The clock the adjudicators stamp their prepares with. */
  readonly clock: Clock
  readonly timers: Timers
  /** The region's current adjudicators (replaced when partitions change hands). */
  readonly adjudicators: () => Adjudicators
  /** This region's replica of another region's journal; undefined when it holds none. */
  readonly replica: (journalId: string) => Journal | undefined
}

/** Where an ended run's records stop: the commit is released once its replica shows them all. */
interface Ended {
  readonly journalId: string
  readonly throughSeq: number
}

/**
 * Settles commits prepared here whose coordinator's finish did not come: from the commit record
 * when this region's replica of the coordinator's journal shows it (`onRecords`), or by releasing
 * them once the coordinator's region answers that the run which prepared them gave them up, or
 * answers with another run and the replica shows every record the earlier run left (a sweep every
 * ORPHAN_SWEEP_MS asks about those older than ORPHAN_AGE_MS). The 5-minute lapse of the
 * adjudicators stays the last resort.
 */
export class OrphanedPrepares {
  readonly #o: OrphanedPreparesOptions
  /** Commits whose coordinator's run is over, by txId. */
  readonly #ended = new Map<string, Ended>()
  /** Regions asked, whose answer has not come. */
  readonly #asking = new Set<string>()
  #timer: TimerHandle | undefined
  #closed = false

  constructor(options: OrphanedPreparesOptions) {
    this.#o = options
    this.#schedule()
  }

  /** Committed records of another region's journal, as this region's replica shows them: a
   * commit prepared here ends at its record's commitTs (the finish may have been lost). */
  onRecords(records: readonly CommitRecord[]): void {
    const adjudicators = this.#o.adjudicators()
    for (const record of records) {
      if (adjudicators.settle(record.txId, record.journalId, record.commitTs)) this.#ended.delete(record.txId)
    }
  }

  close(): void {
    this.#closed = true
    this.#timer?.cancel()
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#sweep()
      this.#schedule()
    }, ORPHAN_SWEEP_MS)
  }

  #sweep(): void {
    const prepared = this.#o.adjudicators().preparedElsewhere(this.#o.clock.wallMs() - ORPHAN_AGE_MS, ORPHANS_PER_SWEEP_MAX)
    // Finished meanwhile (or dropped by new adjudicators): nothing left to settle.
    const live = new Set(prepared.map((p) => p.txId))
    for (const txId of this.#ended.keys()) if (!live.has(txId)) this.#ended.delete(txId)
    this.#releaseShown()
    const byRegion = new Map<string, PreparedElsewhere[]>()
    for (const p of prepared) {
      if (this.#ended.has(p.txId)) continue
      const region = parseJournalId(p.coordinator.journalId)?.region
      if (region === undefined) continue
      const list = byRegion.get(region)
      if (list === undefined) byRegion.set(region, [p])
      else list.push(p)
    }
    for (const [region, asked] of byRegion) if (!this.#asking.has(region)) void this.#ask(region, asked)
  }

  /** Asks `region` which run serves it and which of `asked` it gave up: those it gave up are
   * released, those another run prepared are over. */
  async #ask(region: string, asked: readonly PreparedElsewhere[]): Promise<void> {
    this.#asking.add(region)
    let answer: RunAnswer
    try {
      // A sweep holds at most ORPHANS_PER_SWEEP_MAX a region (constants.ts asserts that fits).
      assert(asked.length <= ORPHAN_TXIDS_PER_ASK_MAX, `${asked.length} commits to ask about at once`)
      const question: RunQuestion = { txIds: asked.map((p) => p.txId) }
      answer = (await this.#o.rpc.call(region, RUN_METHOD, question, ORPHAN_ASK_TIMEOUT_MS)) as RunAnswer
    } catch (e) {
      // Out of reach, or not serving yet after its restart: asked again at the next sweep.
      if (e instanceof SqlError) return
      throw e
    } finally {
      this.#asking.delete(region)
    }
    if (this.#closed) return
    assert(typeof answer.run === 'string' && Array.isArray(answer.gaveUp), `region ${region} answered adj.run without a run or its give-ups`)
    const gaveUp = new Set(answer.gaveUp)
    const adjudicators = this.#o.adjudicators()
    for (const p of asked) {
      if (p.coordinator.run === answer.run) {
        // The run that prepared it serves on, and gave it up: the finish that said so was lost,
        // and no record will ever come (see the header). A txId it does not name may still be
        // in flight, or committed: its finish, or its record, will come.
        if (gaveUp.has(p.txId)) adjudicators.settle(p.txId, p.coordinator.journalId, undefined)
        continue
      }
      // A journal the serving run does not lead (yet): no bound, asked again later.
      const throughSeq = answer.openedSeq[p.coordinator.journalId]
      if (throughSeq !== undefined) this.#ended.set(p.txId, { journalId: p.coordinator.journalId, throughSeq })
    }
    this.#releaseShown()
  }

  /** Releases the commits whose coordinator's run ended and whose journal replica shows every
   * record that run left (or is sealed) without their record. */
  #releaseShown(): void {
    if (this.#ended.size === 0) return
    const adjudicators = this.#o.adjudicators()
    for (const [txId, { journalId, throughSeq }] of this.#ended) {
      const replica = this.#o.replica(journalId)
      if (replica === undefined) continue
      // A replica's lastSeq is the last record it showed its followers (onRecords among them).
      if (replica.lastSeq() < throughSeq && replica.closedTs() !== SEALED_CLOSED_TS) continue
      adjudicators.settle(txId, journalId, undefined)
      this.#ended.delete(txId)
    }
  }
}
