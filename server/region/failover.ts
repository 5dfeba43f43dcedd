// Failover (ARCHITECTURE.md "Regions": "the survivors (a majority) seal its journal at the longest
// tail that any survivor holds ... its partitions move to a survivor"). A full region unreachable
// for `afterMs` is failed over by the first full region still in: every other region freezes its
// replicas of the lost region's journals (so a zombie leader can reach no quorum), the requester
// seals each journal at the longest tail the frozen replicas hold, records the seal durably,
// tells everyone, and the partitions change hands. Regions exchange seals when a link comes up,
// so a region that was away learns it was failed over. An attempt given up releases the freezes
// it was granted, and an acceptor releases a freeze its requester went quiet on, but never one a
// seal may rest on (see "Releasing a freeze" below).
import type { HlcTimestamp, Random, TimerHandle, Timers } from '../clock/index.ts'
import { assert, SqlError } from '../errors/index.ts'
import type { CommitRecord, ReplicaJournal, ReplicatedJournal } from '../journal/index.ts'
import type { Rpc, Transport } from '../net/index.ts'
import type { Attempt, ClusterState, PledgeRecord, SealRecord } from './cluster-state.ts'
import type { ClusterEventSink } from './cluster-event.ts'
import type { Topology } from './topology.ts'

/** What a region's failover needs; the journals are this region's leaders and replicas by id. */
export interface FailoverOptions {
  readonly self: string
  readonly topology: Topology
  readonly journalsPerRegion: number
  readonly transport: Transport
  readonly rpc: Rpc
  readonly state: ClusterState
  readonly leaders: ReadonlyMap<string, ReplicatedJournal>
  readonly replicas: ReadonlyMap<string, ReplicaJournal>
  /** This region's replica of another region's journal, opened (empty) when missing: a journal of
   * a generation this region has not merged yet (a failover freezes or seals it, a seal names
   * it). Undefined for this region's own journals and ids of no full region. */
  readonly replicaFor: (journalId: string) => ReplicaJournal | undefined
  readonly timers: Timers
  /** Names this process's failover attempts (a restarted region's differ from its old ones). */
  readonly random: Random
  /** How long a full region must be unreachable before it is failed over. */
  readonly afterMs: number
  /** Called (and awaited) after a region's journals are all sealed: partitions change hands. */
  readonly onRegionOut: (region: string) => Promise<void>
  /** Whether this region may start failovers (full regions may, witnesses only take part). */
  readonly initiates: boolean
  /** Told when a region is failed over for good (all its journals sealed), this one included. */
  readonly onEvent?: ClusterEventSink | undefined
}

const CALL_TIMEOUT_MS = 5_000
const FETCH_RECORDS_MAX = 512
/** How often a region repeats the seals it knows to its peers. */
const SEAL_GOSSIP_MS = 1_000
/** How long an acceptor holds a freeze whose requester sent nothing for it (no freeze, no pledge)
 * before asking the requester whether the attempt still runs; a requester it cannot reach gets
 * back only what it cannot have counted on (journals frozen, not pledged). Six call timeouts: a
 * live attempt's steps (freeze, fetch, pledge) each take at most one call timeout, so it is never
 * quiet that long unless it fetches a very long tail, and then it answers that it runs. The wait
 * only bounds how long a lost give-up notice keeps a replica frozen: safety never rests on it. */
const GRANT_QUIET_MS = 30_000
assert(GRANT_QUIET_MS >= 4 * CALL_TIMEOUT_MS, 'a freeze is held for several call timeouts before it is questioned')

/** What a requester says of its failover of `target`: the attempt it runs now, if any, and the
 * seals it knows of the target's journals. An attempt that is not running decides no seal again. */
interface AttemptWord {
  readonly target: string
  readonly running?: Attempt
  readonly seals: Readonly<Record<string, SealRecord>>
}

/** As an acceptor: the freeze of a region's journals granted to one requester (first granted
 * wins, until it is released). */
interface Grant {
  readonly by: string
  /** The requester's latest attempt seen here. */
  attempt: Attempt
  /** The target's journals frozen here for the requester, until sealed or released. */
  readonly frozen: Set<string>
  /** Questions the requester after GRANT_QUIET_MS without a message from it. */
  timer: TimerHandle | undefined
}

/** The answer of an acceptor to a freeze or a pledge request. */
interface AcceptorAnswer {
  readonly durableSeq?: number
  readonly pledged?: true
  readonly sealed?: SealRecord
}

// Releasing a freeze. A seal at seq S is safe when the requester holds every record through S and
// no record after S was ever committed or ever will be. A commit needs the lost leader plus replicas
// making a majority, so it suffices that a blocking set of regions (all but a minority; the leader
// excluded, the requester included) each acknowledged nothing after S and never unfreezes. A freeze
// promises that only while it lasts, so:
// - A requester records its seal only after it froze its own replica and enough acceptors pledged
//   that seal. An acceptor pledges S only for the attempt its freeze was granted to, only if its
//   replica acknowledged nothing after S (`ackedSeq`; frozen since it reported its tail, it cannot
//   have), and writes the pledge to disk before it answers (reopened, the replica starts frozen).
// - A pledged journal is unfrozen only when its seal is known (it is then sealed for good) or when
//   the requester says the pledged attempt is not running and names no seal of that journal. A
//   requester records a seal only within a running attempt, gives no word while the write runs,
//   and from the moment it is on disk every word it gives names it (`#word`). Nothing shows a
//   seal before it is on disk: one shown and then lost in a crash would leave the requester with
//   neither seal nor pledge, its replica unfrozen, under a seal others apply. An acceptor takes a
//   word only about the attempt it asked about. So if the requester sealed and its notice to the
//   acceptor was lost, the acceptor stays frozen, pledged, until the seal reaches it (the periodic
//   announcements, or any later word of the requester), however long the requester is away.
// - What an acceptor releases without such a word (the requester out of reach, or a restart that
//   forgets a freeze) was never pledged, so no decided seal counted on it. Waits only decide how
//   soon a release happens; safety never depends on them.
// Hence every decided seal rests on a blocking set that never unfreezes, and no record after it can
// gather a majority. Nor can two different seals be decided: blocking sets hold N-m+1 of the N-1
// regions other than the leader (m a majority of N), so any two share a region, which pledges to
// one requester at a time and answers every later freeze or pledge with the seal once known. A
// released replica takes the leader's records again; if a seal decided elsewhere turns up later,
// the records past it are cut: a replica never shows records after its seal, and a returning
// leader turns read-only at its seal (neither was committed, by the above).

/** See the file comment. One per region. */
export class Failover {
  readonly #o: FailoverOptions
  readonly #timers = new Map<string, TimerHandle>()
  #running: Promise<void> = Promise.resolve()
  #closed = false
  #gossip: TimerHandle | undefined
  /** Names this process's attempts; `#attemptsMade` counts them. */
  readonly #run: string
  #attemptsMade = 0
  /** Regions this region is failing over right now, with the attempt. */
  readonly #inProgress = new Map<string, Attempt>()
  /** Journals this region is sealing as the requester right now (its own replica is frozen). */
  readonly #sealing = new Set<string>()
  /** Seals being applied here (records fetched, the seal written, partitions handed over), by
   * journal: another apply of the journal joins the one in flight, as gossip repeats a seal every
   * second and fetching a long tail may take longer. */
  readonly #applies = new Map<string, { readonly seq: number; readonly done: Promise<void> }>()
  /** Regions a failover of which is queued or running (`#running`): one at a time per region, as
   * the periodic retry of a partial failover comes every second and a failed attempt takes a call
   * timeout or more. */
  readonly #queued = new Set<string>()
  /** Each region's newest generation whose failover already handed its partitions over (one
  * entry per region: generations only grow). */
  readonly #handedOver = new Map<string, number>()
  /** As an acceptor: the region being failed over, and the grant to whom. */
  readonly #failingOver = new Map<string, Grant>()
  /** As an acceptor: per region, the last grant of its journals released (a freeze of that
   * attempt arriving later is stale). One per region. */
  readonly #released = new Map<string, { readonly by: string; readonly attempt: Attempt }>()

  constructor(options: FailoverOptions) {
    this.#o = options
    this.#run = options.random.int(2 ** 48).toString(36)
    const { rpc, transport } = options
    rpc.handle('seal.freeze', (from, payload) => this.#onFreeze(from, payload as { journalId: string; attempt: Attempt }))
    rpc.handle('seal.fetch', (_from, payload) => this.#onFetch(payload as { journalId: string; afterSeq: number }))
    rpc.handle('seal.pledge', (from, payload) => this.#onPledge(from, payload as { journalId: string; attempt: Attempt; seal: SealRecord }))
    rpc.handle('seal.commit', (from, payload) => this.#onCommit(from, payload as { journalId: string; seal: SealRecord }))
    rpc.handle('seal.status', (_from, payload) => this.#word((payload as { target: string }).target))
    rpc.handle('seal.abandon', (from, payload) => {
      const { attempt, word } = payload as { attempt: Attempt; word: AttemptWord }
      this.#onWord(from, word, attempt)
      return null
    })
    transport.onMessage((from, message) => {
      if (message.type === 'cluster.seals') void this.#learn(from, message.seals as Record<string, SealRecord>)
    })
    transport.onLinkChange((peer, up) => this.#onLink(peer, up))
    for (const peer of transport.peers()) if (!transport.isUp(peer)) this.#onLink(peer, false)
    this.#restorePledges()
    this.#scheduleGossip()
  }

  /** Seals travel as notices that can be lost, or come after a link came up: every region
   * repeats the seals it knows to every peer it reaches, so each learns them within a period. */
  #scheduleGossip(): void {
    this.#gossip = this.#o.timers.setTimeout(() => {
      if (this.#closed) return
      this.#announce()
      this.#finishPartialFailovers()
      this.#scheduleGossip()
    }, SEAL_GOSSIP_MS)
  }

  /** A region with some journals sealed and others not (its failover was cut short: the
   * requester died, or the region came back halfway) can neither commit on the sealed ones nor
   * hand their partitions over: the failover is completed, whether or not the region is reachable. */
  #finishPartialFailovers(): void {
    const { state, self } = this.#o
    if (!this.#o.initiates || state.isOut(self)) return
    for (const region of this.#fullRegions()) {
      if (region === self || !state.isOut(region) || this.#fullyOut(region)) continue
      if (!this.#failsOver(region)) continue
      // A failed attempt (a peer away) is tried again at the next period.
      this.#queue(region, () => {})
    }
  }

  #announce(): void {
    const { state } = this.#o
    if (state.seals().size === 0 && state.retired().size === 0) return
    const message = sealsMessage(state)
    for (const peer of this.#o.transport.peers()) if (this.#o.transport.isUp(peer)) this.#o.transport.send(peer, message)
  }

  close(): void {
    this.#closed = true
    this.#gossip?.cancel()
    for (const timer of this.#timers.values()) timer.cancel()
    for (const grant of this.#failingOver.values()) grant.timer?.cancel()
  }

  /** The full regions to fail over when unreachable, in topology order. */
  #fullRegions(): string[] {
    return this.#o.topology.regions.filter((r) => r.role === 'full').map((r) => r.name)
  }

  /** Whether this region is the one to fail `lost` over: the first full region still in. */
  #failsOver(lost: string): boolean {
    const { state, self } = this.#o
    return this.#fullRegions().find((r) => r !== lost && !state.isOut(r)) === self
  }

  #fullyOut(region: string): boolean {
    return this.#o.state.isFullyOut(region, this.#o.journalsPerRegion)
  }

  /** The journals of `region`'s newest generation: the ones a failover seals. */
  #journalsOf(region: string): string[] {
    return this.#o.state.journalsOf(region, this.#o.journalsPerRegion)
  }

  /** A region's newest generation joined the merge here (a hand-back): a region that is away now
   * is failed over in due time, and this region, back in, fails over the peers that are away. */
  joined(): void {
    if (this.#closed) return
    for (const peer of this.#o.transport.peers()) {
      if (!this.#o.transport.isUp(peer) && !this.#timers.has(peer)) this.#onLink(peer, false)
    }
  }

  /** The regions this one asks to freeze `lost`'s journals: all others. */
  #acceptorsOf(lost: string): string[] {
    return this.#o.topology.regions.map((r) => r.name).filter((r) => r !== this.#o.self && r !== lost)
  }

  /** How many regions, the requester included, must hold a journal frozen (and pledge its seal)
   * before the lost leader can reach no majority: all but a minority. */
  #blocking(): number {
    const regions = this.#o.topology.regions.length
    return regions - (Math.floor(regions / 2) + 1) + 1
  }

  #onLink(peer: string, up: boolean): void {
    this.#timers.get(peer)?.cancel()
    this.#timers.delete(peer)
    if (up) {
      this.#o.transport.send(peer, sealsMessage(this.#o.state))
      // A requester back in reach may have given an attempt up while it could not say so.
      for (const [target, grant] of this.#failingOver) if (grant.by === peer) this.#question(target)
      return
    }
    if (!this.#o.initiates || !this.#fullRegions().includes(peer) || this.#fullyOut(peer)) return
    this.#timers.set(peer, this.#o.timers.setTimeout(() => this.#maybeFailOver(peer), this.#o.afterMs))
  }

  /** Only the first full region still in (other than the lost one) starts a failover. */
  #maybeFailOver(lost: string): void {
    const { state, self, transport } = this.#o
    if (this.#closed || transport.isUp(lost) || this.#fullyOut(lost) || state.isOut(self)) return
    if (!this.#failsOver(lost)) return
    this.#queue(lost, () => {
      // Not enough regions answered: try again later while the region stays away.
      if (!this.#closed && !transport.isUp(lost)) this.#onLink(lost, false)
    })
  }

  /** Queues a failover of `lost` behind the running ones, unless one is queued already (it will
   * see the same state); `onError` runs if it fails. */
  #queue(lost: string, onError: () => void): void {
    if (this.#queued.has(lost)) return
    this.#queued.add(lost)
    this.#running = this.#running
      .then(() => this.#failOver(lost))
      .finally(() => this.#queued.delete(lost))
      .catch(onError)
  }

  async #failOver(lost: string): Promise<void> {
    if (this.#inProgress.has(lost)) return
    const attempt: Attempt = { run: this.#run, n: ++this.#attemptsMade }
    this.#inProgress.set(lost, attempt)
    try {
      for (const journalId of this.#journalsOf(lost)) await this.#seal(journalId, attempt)
    } catch (error) {
      // Given up: the acceptors may take the leader's records again, but for the seals this
      // attempt decided, which the word carries. Best effort: an acceptor that misses it asks.
      this.#inProgress.delete(lost)
      // Not while a seal of it is still being written (its write failed): an acceptor asks later.
      if (!this.#recordingOf(lost)) {
        const word = this.#word(lost)
        for (const a of this.#acceptorsOf(lost)) this.#o.rpc.call(a, 'seal.abandon', { attempt, word }, CALL_TIMEOUT_MS).catch(() => {})
      }
      throw error
    } finally {
      this.#inProgress.delete(lost)
    }
  }

  /** Seals one journal, or gives the attempt up leaving this region's replica as it found it. */
  async #seal(journalId: string, attempt: Attempt): Promise<void> {
    const { state, rpc } = this.#o
    // A seal being applied here (learnt meanwhile) is waited for, not decided again.
    await this.#applies.get(journalId)?.done
    if (state.sealed(journalId) !== undefined) return
    const leader = regionOf(journalId)
    // One role per journal: a region that froze it for another requester does not seal it too.
    const granted = this.#failingOver.get(leader)
    if (granted !== undefined) throw new SqlError('57P03', `failover of ${journalId}: this region froze it for region ${granted.by}`)
    this.#sealing.add(journalId)
    let seal: SealRecord | undefined
    try {
      seal = await this.#decide(journalId, attempt)
    } catch (error) {
      // Given up before this attempt decided a seal: no seal rests on this region's freeze, so
      // its replica takes the leader's records again. Left frozen, it would stay deaf to a leader
      // that comes back before a retry (a retry is made only while the leader stays away), and
      // this region's crossbar would never pass that journal's closed timestamp again (seed
      // 10194). Not when a seal is known or being applied, or pledged here. No other region was
      // granted a freeze of it here meanwhile (`#onFreeze` refuses a target this region is failing
      // over), so a grant of the target is no reason to keep it frozen: checking for one kept this
      // replica frozen for a grant of another journal of the target.
      this.#sealing.delete(journalId)
      if (this.#mayUnfreeze(journalId)) this.#replica(journalId).unfreeze()
      throw error
    } finally {
      this.#sealing.delete(journalId)
    }
    if (seal === undefined) return
    // Best effort: a region that misses this notice learns the seal from the periodic announcements.
    for (const a of this.#acceptorsOf(leader)) rpc.call(a, 'seal.commit', { journalId, seal }, CALL_TIMEOUT_MS).catch(() => {})
  }

  /** Freezes the journal at enough regions, has the seal at the longest tail they hold pledged,
   * and records it; returns it, or undefined when a seal someone else decided was adopted. */
  async #decide(journalId: string, attempt: Attempt): Promise<SealRecord | undefined> {
    const { self } = this.#o
    const replica = this.#replica(journalId)
    const acceptors = this.#acceptorsOf(regionOf(journalId))
    const answers = await this.#askAll(acceptors, 'seal.freeze', { journalId, attempt })
    if (await this.#adopt(journalId, acceptors, answers)) return undefined
    const frozenAt = answers.flatMap((a, i) =>
      a.status === 'fulfilled' && a.value.durableSeq !== undefined ? [{ region: acceptors[i] as string, seq: a.value.durableSeq }] : [],
    )
    // Only once the lost leader can reach no majority does this region freeze its own replica: a
    // failed attempt must not leave it deaf to a leader that is in fact alive.
    if (frozenAt.length + 1 < this.#blocking()) {
      throw new SqlError('57P03', `failover of ${journalId}: only ${frozenAt.length} other regions froze it`)
    }
    let tail = { seq: replica.freeze(), holder: self }
    for (const f of frozenAt) if (f.seq > tail.seq) tail = { seq: f.seq, holder: f.region }
    if (tail.holder !== self) await this.#fetchInto(replica, journalId, tail.holder, tail.seq)
    const last = tail.seq === 0 ? undefined : replica.localRecords(tail.seq - 1, 1)[0]
    const seal: SealRecord = { seq: tail.seq, commitTs: last?.commitTs ?? 0, by: self }
    assert(replica.ackedSeq() <= seal.seq, `${journalId}: this region acknowledged past the seal it takes`)
    // The freezes promise nothing once released: the acceptors' pledges do (see "Releasing a freeze").
    const pledgers = frozenAt.map((f) => f.region)
    const pledges = await this.#askAll(pledgers, 'seal.pledge', { journalId, attempt, seal })
    if (await this.#adopt(journalId, pledgers, pledges)) return undefined
    const pledged = pledges.filter((a) => a.status === 'fulfilled' && a.value.pledged === true).length
    if (pledged + 1 < this.#blocking()) {
      throw new SqlError('57P03', `failover of ${journalId}: only ${pledged} other regions pledged its seal`)
    }
    await this.#apply(journalId, seal, self)
    return seal
  }

  async #askAll(regions: readonly string[], method: string, payload: unknown): Promise<PromiseSettledResult<AcceptorAnswer>[]> {
    return Promise.allSettled(regions.map((r) => this.#o.rpc.call(r, method, payload, CALL_TIMEOUT_MS) as Promise<AcceptorAnswer>))
  }

  /** Applies a seal an acceptor answered with (decided by someone else); whether there was one. */
  async #adopt(journalId: string, regions: readonly string[], answers: readonly PromiseSettledResult<AcceptorAnswer>[]): Promise<boolean> {
    const i = answers.findIndex((a) => a.status === 'fulfilled' && a.value.sealed !== undefined)
    const answer = answers[i]
    if (answer?.status !== 'fulfilled' || answer.value.sealed === undefined) return false
    await this.#apply(journalId, answer.value.sealed, regions[i] as string)
    return true
  }

  /** Copies records `(local tail, through]` of a journal from `holder` into the local replica. */
  async #fetchInto(replica: ReplicaJournal, journalId: string, holder: string, through: number): Promise<void> {
    let after = replica.durableSeq()
    while (after < through) {
      const records = (await this.#o.rpc.call(holder, 'seal.fetch', { journalId, afterSeq: after }, CALL_TIMEOUT_MS)) as CommitRecord[]
      assert(records.length > 0, `region ${holder} holds no records of ${journalId} after ${after}`)
      await replica.addFetched(records.filter((r) => r.seq <= through))
      after = Math.min(through, (records.at(-1) as CommitRecord).seq)
    }
  }

  /** Seals a journal here (fetching records it lacks from `source`) and records it; joins an
   * apply of the journal in flight. */
  #apply(journalId: string, seal: SealRecord, source: string): Promise<void> {
    // A retired journal's seal was known here, and dropped (retire.ts): a late notice changes
    // nothing, and must not open the journal again.
    if (this.#o.state.sealSettled(journalId)) return Promise.resolve()
    const inFlight = this.#applies.get(journalId)
    if (inFlight !== undefined) {
      assert(inFlight.seq === seal.seq, `journal ${journalId} sealed twice: at ${inFlight.seq} and at ${seal.seq}`)
      return inFlight.done
    }
    const done = this.#applyNow(journalId, seal, source).finally(() => this.#applies.delete(journalId))
    this.#applies.set(journalId, { seq: seal.seq, done })
    return done
  }

  async #applyNow(journalId: string, seal: SealRecord, source: string): Promise<void> {
    const { state } = this.#o
    const leader = this.#o.leaders.get(journalId)
    if (leader !== undefined) {
      await state.record(journalId, seal)
      leader.seal(seal)
    } else {
      const replica = this.#replica(journalId)
      replica.freeze()
      if (replica.durableSeq() < seal.seq) await this.#fetchInto(replica, journalId, source, seal.seq)
      await state.record(journalId, seal)
      replica.seal(seal)
    }
    this.#announce()
    this.#settleGrant(regionOf(journalId))
    // The seal that completes a region (the first time all its journals are sealed) hands over.
    const region = regionOf(journalId)
    const generation = state.generation(region)
    if (this.#fullyOut(region) && this.#handedOver.get(region) !== generation) {
      this.#handedOver.set(region, generation)
      this.#o.onEvent?.({ kind: 'failed-over', region, by: seal.by, self: region === this.#o.self, seals: this.#sealsOf(region) })
      await this.#o.onRegionOut(region)
    }
  }

  /** The seqs `region`'s journals are sealed at, by journal. */
  #sealsOf(region: string): Record<string, number> {
    const seals: Record<string, number> = {}
    for (const journalId of this.#journalsOf(region)) {
      const seal = this.#o.state.sealed(journalId)
      if (seal !== undefined) seals[journalId] = seal.seq
    }
    return seals
  }

  #replica(journalId: string): ReplicaJournal {
    const replica = this.#o.replicaFor(journalId)
    if (replica === undefined) throw new SqlError('42704', `region ${this.#o.self} holds no replica of ${journalId}`)
    return replica
  }

  /** Whether no seal can rest on this region's replica of a journal: none known, none being
   * applied or written, none pledged, and this region not sealing it itself. */
  #mayUnfreeze(journalId: string): boolean {
    const { state } = this.#o
    if (state.sealed(journalId) !== undefined || state.recording(journalId) !== undefined) return false
    if (state.pledged(journalId) !== undefined) return false
    return !this.#applies.has(journalId) && !this.#sealing.has(journalId)
  }

  /** Whether a seal of one of `target`'s journals is being written here (not on disk yet). */
  #recordingOf(target: string): boolean {
    return this.#journalsOf(target).some((journalId) => this.#o.state.recording(journalId) !== undefined)
  }

  #onFreeze(from: string, payload: { journalId: string; attempt: Attempt }): AcceptorAnswer {
    const { state, leaders } = this.#o
    const { journalId, attempt } = payload
    const target = regionOf(journalId)
    // A retired generation was sealed everywhere long ago (retire.ts): no failover can be after it.
    if (state.isRetired(journalId)) throw new SqlError('57P03', `${journalId} is retired here: it was sealed long ago`)
    // A region that was itself failed over may not fail over others.
    if (state.isOut(from)) throw new SqlError('57P03', `region ${from} was failed over and may not seal ${journalId}`)
    const sealed = state.sealed(journalId)
    if (sealed !== undefined) return { sealed }
    // A seal not on disk yet may be shown to no one (cluster-state.ts): asked again, it will be.
    if (state.recording(journalId) !== undefined) throw new SqlError('57P03', `a seal of ${journalId} is being written here`)
    if (leaders.has(journalId) || target === this.#o.self) throw new SqlError('57P03', `${journalId} leads here: this region is alive`)
    if (this.#sealing.has(journalId)) throw new SqlError('57P03', `region ${this.#o.self} is sealing ${journalId} itself`)
    // Nor any journal of a region this one is failing over: its own replicas of them are its to
    // freeze and unfreeze, with no grant to another requester to keep them frozen for.
    if (this.#inProgress.has(target)) throw new SqlError('57P03', `region ${this.#o.self} is failing ${target} over itself`)
    // One failover at a time per region, and never of a region that is failing another over:
    // two full regions cut off from each other must not both be granted the other's journals.
    let grant = this.#failingOver.get(target)
    if (grant !== undefined && grant.by !== from) throw new SqlError('57P03', `region ${target} is being failed over by ${grant.by}`)
    if (this.#failingOver.has(from)) throw new SqlError('57P03', `region ${from} is being failed over and may not seal ${journalId}`)
    for (const [lost, g] of this.#failingOver) {
      if (g.by === target && lost !== target) throw new SqlError('57P03', `region ${target} is failing over ${lost}`)
    }
    // A freeze that arrives after its attempt was given up (delayed, or duplicated) is refused.
    const released = this.#released.get(target)
    const held = grant?.attempt ?? (released?.by === from ? released.attempt : undefined)
    if (held !== undefined && (stale(attempt, held) || (grant === undefined && sameAttempt(attempt, held)))) {
      throw new SqlError('57P03', `a freeze of ${journalId} for an attempt of region ${from} that is over`)
    }
    if (grant === undefined) {
      grant = { by: from, attempt, frozen: new Set(), timer: undefined }
      this.#failingOver.set(target, grant)
    }
    grant.attempt = attempt
    grant.frozen.add(journalId)
    this.#watch(target, grant)
    return { durableSeq: this.#replica(journalId).freeze() }
  }

  /** Pledges `seal` to the attempt this region froze the journal for (see "Releasing a freeze"). */
  async #onPledge(from: string, payload: { journalId: string; attempt: Attempt; seal: SealRecord }): Promise<AcceptorAnswer> {
    const { state } = this.#o
    const { journalId, attempt, seal } = payload
    if (state.isRetired(journalId)) throw new SqlError('57P03', `${journalId} is retired here: it was sealed long ago`)
    const sealed = state.sealed(journalId)
    if (sealed !== undefined) return { sealed }
    if (state.recording(journalId) !== undefined) throw new SqlError('57P03', `a seal of ${journalId} is being written here`)
    const target = regionOf(journalId)
    const grant = this.#failingOver.get(target)
    if (grant === undefined || grant.by !== from || !sameAttempt(grant.attempt, attempt) || !grant.frozen.has(journalId)) {
      throw new SqlError('57P03', `${journalId} is not frozen here for this attempt of region ${from}`)
    }
    // The safety condition itself. Frozen since this attempt's freeze, the replica acknowledged
    // nothing past the tail it reported, which the seal covers; only a journal released and
    // frozen again for the same attempt (a duplicated freeze) can fail it.
    if (this.#replica(journalId).ackedSeq() > seal.seq) {
      throw new SqlError('57P03', `${journalId}: this region acknowledged records past the seal at ${seal.seq}`)
    }
    // Written (again) even when this very pledge is in memory: that is no proof it is on disk. A
    // duplicated request may come while the first one's write is in flight, or after it failed.
    await state.pledge(journalId, { by: from, attempt, seal })
    // A word that the attempt is over, or the seal, may have come while the pledge was written.
    if (state.sealed(journalId) !== undefined || !isPledge(state.pledged(journalId), from, attempt, seal)) {
      throw new SqlError('57P03', `${journalId}: the attempt of region ${from} ended while its seal was pledged`)
    }
    this.#watch(target, grant)
    return { pledged: true }
  }

  #onFetch(payload: { journalId: string; afterSeq: number }): readonly CommitRecord[] {
    const holder = this.#o.leaders.get(payload.journalId) ?? this.#o.replicas.get(payload.journalId)
    if (holder === undefined) throw new SqlError('42704', `journal ${payload.journalId} is not held in region ${this.#o.self}`)
    return holder.localRecords(payload.afterSeq, FETCH_RECORDS_MAX)
  }

  async #onCommit(from: string, payload: { journalId: string; seal: SealRecord }): Promise<null> {
    await this.#apply(payload.journalId, payload.seal, from)
    return null
  }

  /** What this region says of its failover of `target` (answers `seal.status`). Only seals on
   * disk are named; while one is still being written there is no word (an acceptor that gets none
   * keeps what was pledged): told "not running" without it, an acceptor would release a pledged
   * freeze the seal, once written, rests on. */
  #word(target: string): AttemptWord {
    if (this.#recordingOf(target)) throw new SqlError('57P03', `a seal of ${target}'s journals is being written in region ${this.#o.self}`)
    const seals: Record<string, SealRecord> = {}
    for (const journalId of this.#journalsOf(target)) {
      const seal = this.#o.state.sealed(journalId)
      if (seal !== undefined) seals[journalId] = seal
    }
    const running = this.#inProgress.get(target)
    return running === undefined ? { target, seals } : { target, running, seals }
  }

  /** A requester's word about its attempt `about` on `word.target`: the seals it names are
   * applied, and unless that attempt still runs, the grant is released. */
  #onWord(from: string, word: AttemptWord, about: Attempt): void {
    const grant = this.#failingOver.get(word.target)
    // About an attempt older than the one this grant serves now: it says nothing of that one.
    if (grant === undefined || grant.by !== from || stale(about, grant.attempt)) return
    for (const [journalId, seal] of Object.entries(word.seals)) {
      if (regionOf(journalId) !== word.target || !this.#o.replicas.has(journalId)) continue
      // A failed fetch leaves the journal frozen: the next announcement or question retries.
      this.#apply(journalId, seal, from).catch(() => {})
    }
    if (sameAttempt(word.running, grant.attempt)) this.#watch(word.target, grant)
    else this.#release(word.target, grant, word)
  }

  /** Unfreezes the journals of a grant no seal can rest on: with the requester's word, all but
   * those it names a seal of; without (unasked), all but those pledged. Drops the grant once no
   * journal is left frozen for it. */
  #release(target: string, grant: Grant, word: AttemptWord | undefined): void {
    const { state } = this.#o
    for (const journalId of [...grant.frozen]) {
      if (state.sealed(journalId) !== undefined) {
        grant.frozen.delete(journalId)
        continue
      }
      if (this.#applies.has(journalId) || state.recording(journalId) !== undefined || word?.seals[journalId] !== undefined) continue
      const pledge = state.pledged(journalId)
      if (pledge !== undefined) {
        if (word === undefined || sameAttempt(word.running, pledge.attempt)) continue
        state.unpledge(journalId).catch(() => {})
      }
      grant.frozen.delete(journalId)
      assert(!this.#sealing.has(journalId), `${journalId} is frozen for region ${grant.by} and sealed by this one`)
      this.#replica(journalId).unfreeze()
    }
    if (grant.frozen.size > 0) {
      this.#watch(target, grant)
      return
    }
    grant.timer?.cancel()
    this.#failingOver.delete(target)
    this.#released.set(target, { by: grant.by, attempt: grant.attempt })
  }

  /** Drops the grant of `target`'s journals once every journal frozen for it is sealed: no seal
   * is left to rest on it, and kept, it would refuse every failover `target` itself starts after
   * it got partitions back (a hand-back). */
  #settleGrant(target: string): void {
    const grant = this.#failingOver.get(target)
    // Not before the whole failover is done: a freeze of the next journal of the same attempt
    // would find the attempt released, and be refused as stale.
    if (grant === undefined || !this.#fullyOut(target)) return
    for (const journalId of grant.frozen) if (this.#o.state.sealed(journalId) === undefined) return
    grant.timer?.cancel()
    this.#failingOver.delete(target)
    this.#released.set(target, { by: grant.by, attempt: grant.attempt })
  }

  /** (Re)starts the wait after which a quiet requester is questioned. */
  #watch(target: string, grant: Grant): void {
    grant.timer?.cancel()
    grant.timer = this.#o.timers.setTimeout(() => {
      grant.timer = undefined
      this.#question(target)
    }, GRANT_QUIET_MS)
  }

  /** Asks a grant's requester whether its attempt still runs; its answer settles the grant as a
   * give-up notice does. A requester out of reach gets back only what it cannot have counted on. */
  #question(target: string): void {
    const grant = this.#failingOver.get(target)
    if (grant === undefined || this.#closed) return
    const about = grant.attempt
    const current = () => !this.#closed && this.#failingOver.get(target) === grant
    this.#o.rpc.call(grant.by, 'seal.status', { target }, CALL_TIMEOUT_MS).then(
      (word) => {
        // Only about the attempt the grant still serves, as on failure: `#onWord` finds a word
        // about another run's attempt not stale, and an old run's "not running" would release a
        // grant (pledges included) that the restarted requester's new attempt holds.
        if (current() && sameAttempt(grant.attempt, about)) this.#onWord(grant.by, word as AttemptWord, about)
      },
      () => {
        if (current() && sameAttempt(grant.attempt, about)) this.#release(target, grant, undefined)
      },
    ).finally(() => {
      if (current() && grant.timer === undefined) this.#watch(target, grant)
    })
  }

  /** After a restart: the pledges given stand (their replicas were frozen when opened), each
   * with a grant to its requester that is questioned in due time. */
  #restorePledges(): void {
    for (const [journalId, pledge] of this.#o.state.pledges()) {
      const replica = this.#o.replicaFor(journalId)
      if (replica === undefined) continue
      replica.freeze()
      const target = regionOf(journalId)
      const grant = this.#failingOver.get(target) ?? { by: pledge.by, attempt: pledge.attempt, frozen: new Set<string>(), timer: undefined }
      assert(grant.by === pledge.by, `${target}'s journals pledged to both ${grant.by} and ${pledge.by}`)
      grant.frozen.add(journalId)
      this.#failingOver.set(target, grant)
      this.#watch(target, grant)
    }
  }

  /** Seals a peer told us of on link up; ours it lacks it learns from our message to it. */
  async #learn(from: string, seals: Record<string, SealRecord>): Promise<void> {
    for (const [journalId, seal] of Object.entries(seals)) {
      if (this.#o.state.sealSettled(journalId)) continue
      // A journal of a generation not merged here yet is opened to take its seal (and records).
      if (!this.#o.leaders.has(journalId) && this.#o.replicaFor(journalId) === undefined) continue
      // Fetching the sealed records may fail (the link drops): the next announcement retries.
      await this.#apply(journalId, seal, from).catch(() => {})
    }
  }
}

/** What a region tells its peers of the seals it holds (every second, and when a link comes up):
 * the seals on its disk, and the generations it retired, whose seals it held before dropping them
 * (retire.ts counts a peer's seals as held from this message). */
export type SealsMessage = {
  readonly type: 'cluster.seals'
  readonly seals: Readonly<Record<string, SealRecord>>
  /** By region: the first generation not retired there (absent: none retired). */
  readonly retired?: Readonly<Record<string, number>>
}

function sealsMessage(state: ClusterState): SealsMessage {
  const retired: Record<string, number> = {}
  for (const [region, record] of state.retired()) retired[region] = record.below
  return { type: 'cluster.seals', seals: Object.fromEntries(state.seals()), retired }
}

/** The region that leads a journal (`<region>/j<n>`). */
function regionOf(journalId: string): string {
  return journalId.slice(0, journalId.indexOf('/'))
}

function sameAttempt(a: Attempt | undefined, b: Attempt | undefined): boolean {
  return a !== undefined && b !== undefined && a.run === b.run && a.n === b.n
}

/** Whether `incoming` (from a requester now) is older than `held` (an attempt of the same
 * requester seen before). Another run is never older: a restarted region's links, and with them
 * the messages of its previous run, do not outlive the restart. */
function stale(incoming: Attempt, held: Attempt): boolean {
  return incoming.run === held.run && incoming.n < held.n
}

/** Whether `pledge` is the one given to `by`'s `attempt` for `seal`. */
function isPledge(pledge: PledgeRecord | undefined, by: string, attempt: Attempt, seal: SealRecord): boolean {
  return pledge !== undefined && pledge.by === by && sameAttempt(pledge.attempt, attempt) && pledge.seal.seq === seal.seq
}

/** The timestamp partitions taken over start at: above every seal the region knows, and every
 * generation record it merged (a region handed its partitions back starts above the heir's last
 * commit on them, after a restart too, when its clock may not have passed that yet). */
export function handOverFloor(state: ClusterState, now: HlcTimestamp): HlcTimestamp {
  let floor = now
  for (const seal of state.seals().values()) floor = Math.max(floor, seal.commitTs + 1)
  for (const retired of state.retired().values()) floor = Math.max(floor, retired.sealTs + 1)
  for (const generation of state.generations().values()) floor = Math.max(floor, generation.ts + 1)
  return floor
}
