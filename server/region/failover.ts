// Failover (ARCHITECTURE.md "Regions": "the survivors (a majority) seal its journal at the longest
// tail that any survivor holds ... its partitions move to a survivor"). A full region unreachable
// for `afterMs` is failed over by the first full region still in: every other region freezes its
// replicas of the lost region's journals (so a zombie leader can reach no quorum), the requester
// seals each journal at the longest tail the frozen replicas hold, records the seal durably,
// tells everyone, and the partitions change hands. Regions exchange seals when a link comes up,
// so a region that was away learns it was failed over.
import type { HlcTimestamp, TimerHandle, Timers } from '../clock/index.ts'
import { assert, SqlError } from '../errors/index.ts'
import type { CommitRecord, ReplicaJournal, ReplicatedJournal } from '../journal/index.ts'
import type { Rpc, Transport } from '../net/index.ts'
import type { ClusterState, SealRecord } from './cluster-state.ts'
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
  readonly timers: Timers
  /** How long a full region must be unreachable before it is failed over. */
  readonly afterMs: number
  /** Called (and awaited) after a region's journals are all sealed: partitions change hands. */
  readonly onRegionOut: (region: string) => Promise<void>
  /** Whether this region may start failovers (full regions may, witnesses only take part). */
  readonly initiates: boolean
}

const CALL_TIMEOUT_MS = 5_000
const FETCH_RECORDS_MAX = 512
/** How often a region repeats the seals it knows to its peers. */
const SEAL_GOSSIP_MS = 1_000

/** See the file comment. One per region. */
export class Failover {
  readonly #o: FailoverOptions
  readonly #timers = new Map<string, TimerHandle>()
  #running: Promise<void> = Promise.resolve()
  #closed = false
  #gossip: TimerHandle | undefined
  /** Regions this region is failing over right now. */
  readonly #inProgress = new Set<string>()
  /** Regions whose partitions already changed hands. */
  readonly #handedOver = new Set<string>()
  /** As an acceptor: the region being failed over, and by whom (first granted wins). */
  readonly #failingOver = new Map<string, string>()

  constructor(options: FailoverOptions) {
    this.#o = options
    const { rpc, transport } = options
    rpc.handle('seal.freeze', (from, payload) => this.#onFreeze(from, payload as { journalId: string }))
    rpc.handle('seal.fetch', (_from, payload) => this.#onFetch(payload as { journalId: string; afterSeq: number }))
    rpc.handle('seal.commit', (from, payload) => this.#onCommit(from, payload as { journalId: string; seal: SealRecord }))
    transport.onMessage((from, message) => {
      if (message.type === 'cluster.seals') void this.#learn(from, message.seals as Record<string, SealRecord>)
    })
    transport.onLinkChange((peer, up) => this.#onLink(peer, up))
    for (const peer of transport.peers()) if (!transport.isUp(peer)) this.#onLink(peer, false)
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
      this.#running = this.#running.then(() => this.#failOver(region)).catch(() => {})
    }
  }

  #announce(): void {
    const seals = this.#o.state.seals()
    if (seals.size === 0) return
    const message = { type: 'cluster.seals', seals: Object.fromEntries(seals) }
    for (const peer of this.#o.transport.peers()) if (this.#o.transport.isUp(peer)) this.#o.transport.send(peer, message)
  }

  close(): void {
    this.#closed = true
    this.#gossip?.cancel()
    for (const timer of this.#timers.values()) timer.cancel()
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

  #journalsOf(region: string): string[] {
    return Array.from({ length: this.#o.journalsPerRegion }, (_, j) => `${region}/j${j}`)
  }

  #onLink(peer: string, up: boolean): void {
    this.#timers.get(peer)?.cancel()
    this.#timers.delete(peer)
    if (up) {
      this.#o.transport.send(peer, { type: 'cluster.seals', seals: Object.fromEntries(this.#o.state.seals()) })
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
    this.#running = this.#running.then(() => this.#failOver(lost)).catch(() => {
      // Not enough regions answered: try again later while the region stays away.
      if (!this.#closed && !transport.isUp(lost)) this.#onLink(lost, false)
    })
  }

  async #failOver(lost: string): Promise<void> {
    if (this.#inProgress.has(lost)) return
    this.#inProgress.add(lost)
    try {
      for (const journalId of this.#journalsOf(lost)) await this.#seal(journalId)
    } finally {
      this.#inProgress.delete(lost)
    }
  }

  /** Freezes the journal at enough regions, seals it at the longest tail, tells everyone. */
  async #seal(journalId: string): Promise<void> {
    const { state, self, rpc, topology } = this.#o
    if (state.sealed(journalId) !== undefined) return
    const replica = this.#replica(journalId)
    const leader = journalId.slice(0, journalId.indexOf('/'))
    const acceptors = topology.regions.map((r) => r.name).filter((r) => r !== self && r !== leader)
    const answers = await Promise.allSettled(
      acceptors.map((a) => rpc.call(a, 'seal.freeze', { journalId }, CALL_TIMEOUT_MS) as Promise<{ durableSeq?: number; sealed?: SealRecord }>),
    )
    const adopted = answers.find((a) => a.status === 'fulfilled' && a.value.sealed !== undefined)
    if (adopted?.status === 'fulfilled' && adopted.value.sealed !== undefined) {
      await this.#apply(journalId, adopted.value.sealed, acceptors[answers.indexOf(adopted)] as string)
      return
    }
    const frozenAt = answers.flatMap((a, i) =>
      a.status === 'fulfilled' && a.value.durableSeq !== undefined ? [{ region: acceptors[i] as string, seq: a.value.durableSeq }] : [],
    )
    // The lost leader needs a majority; it gets none once every region but a minority is frozen
    // (this one included). Only then does this region freeze its own replica: a failed attempt
    // must not leave it deaf to a leader that is in fact alive.
    const majority = Math.floor(topology.regions.length / 2) + 1
    if (frozenAt.length + 1 < topology.regions.length - majority + 1) {
      throw new SqlError('57P03', `failover of ${journalId}: only ${frozenAt.length} other regions froze it`)
    }
    let tail = { seq: replica.freeze(), holder: self }
    for (const f of frozenAt) if (f.seq > tail.seq) tail = { seq: f.seq, holder: f.region }
    if (tail.holder !== self) {
      try {
        await this.#fetchInto(replica, journalId, tail.holder, tail.seq)
      } catch (error) {
        // The seal is given up before it was decided (the holder went away mid-fetch): no seal
        // rests on this freeze, so the replica takes the leader's records again. Left frozen, it
        // would stay deaf to a leader that comes back before a retry (a retry is made only while
        // the leader stays away), and this region's crossbar would never pass that journal's
        // closed timestamp again (seed 10194). Not when a freeze of it was granted to another
        // region (its seal may rest on it) or a seal is known.
        if (state.sealed(journalId) === undefined && !this.#failingOver.has(leader)) replica.unfreeze()
        throw error
      }
    }
    const last = tail.seq === 0 ? undefined : replica.localRecords(tail.seq - 1, 1)[0]
    const seal: SealRecord = { seq: tail.seq, commitTs: last?.commitTs ?? 0, by: self }
    await this.#apply(journalId, seal, self)
    // Best effort: a region that misses this notice learns the seal from the periodic announcements.
    for (const a of acceptors) rpc.call(a, 'seal.commit', { journalId, seal }, CALL_TIMEOUT_MS).catch(() => {})
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

  /** Seals a journal here (fetching records it lacks from `source`) and records it. */
  async #apply(journalId: string, seal: SealRecord, source: string): Promise<void> {
    const { state } = this.#o
    if (state.sealed(journalId) !== undefined) return
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
    // The seal that completes a region (the first time all its journals are sealed) hands over.
    const region = journalId.slice(0, journalId.indexOf('/'))
    if (this.#fullyOut(region) && !this.#handedOver.has(region)) {
      this.#handedOver.add(region)
      await this.#o.onRegionOut(region)
    }
  }

  #replica(journalId: string): ReplicaJournal {
    const replica = this.#o.replicas.get(journalId)
    assert(replica !== undefined, `no replica of ${journalId} here`)
    return replica
  }

  #onFreeze(from: string, payload: { journalId: string }): { durableSeq?: number; sealed?: SealRecord } {
    const { state, leaders } = this.#o
    const target = payload.journalId.slice(0, payload.journalId.indexOf('/'))
    // A region that was itself failed over may not fail over others.
    if (state.isOut(from)) throw new SqlError('57P03', `region ${from} was failed over and may not seal ${payload.journalId}`)
    const sealed = state.sealed(payload.journalId)
    if (sealed !== undefined) return { sealed }
    if (leaders.has(payload.journalId)) throw new SqlError('57P03', `${payload.journalId} leads here: this region is alive`)
    // One failover at a time per region, and never of a region that is failing another over:
    // two full regions cut off from each other must not both be granted the other's journals.
    const requester = this.#failingOver.get(target)
    if (requester !== undefined && requester !== from) throw new SqlError('57P03', `region ${target} is being failed over by ${requester}`)
    if (this.#failingOver.has(from)) throw new SqlError('57P03', `region ${from} is being failed over and may not seal ${payload.journalId}`)
    for (const [lost, by] of this.#failingOver) {
      if (by === target && lost !== target) throw new SqlError('57P03', `region ${target} is failing over ${lost}`)
    }
    this.#failingOver.set(target, from)
    return { durableSeq: this.#replica(payload.journalId).freeze() }
  }

  #onFetch(payload: { journalId: string; afterSeq: number }): CommitRecord[] {
    const holder = this.#o.leaders.get(payload.journalId) ?? this.#o.replicas.get(payload.journalId)
    if (holder === undefined) throw new SqlError('42704', `journal ${payload.journalId} is not held in region ${this.#o.self}`)
    return holder.localRecords(payload.afterSeq, FETCH_RECORDS_MAX)
  }

  async #onCommit(from: string, payload: { journalId: string; seal: SealRecord }): Promise<null> {
    await this.#apply(payload.journalId, payload.seal, from)
    return null
  }

  /** Seals a peer told us of on link up; ours it lacks it learns from our message to it. */
  async #learn(from: string, seals: Record<string, SealRecord>): Promise<void> {
    for (const [journalId, seal] of Object.entries(seals)) {
      if (this.#o.state.sealed(journalId) !== undefined) continue
      if (!this.#o.leaders.has(journalId) && !this.#o.replicas.has(journalId)) continue
      // Fetching the sealed records may fail (the link drops): the next announcement retries.
      await this.#apply(journalId, seal, from).catch(() => {})
    }
  }
}

/** The timestamp partitions taken over start at: above every seal the region knows. */
export function handOverFloor(state: ClusterState, now: HlcTimestamp): HlcTimestamp {
  let floor = now
  for (const seal of state.seals().values()) floor = Math.max(floor, seal.commitTs + 1)
  return floor
}
