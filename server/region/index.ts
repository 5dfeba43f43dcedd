// Wires one region's components together (ARCHITECTURE.md "region"): journals, storage shards,
// crossbar, adjudicators, query processor and api, from one configuration. No logic of its own.
import { Hono } from 'hono'
import { createAdjudicators, GivenUp, TX_AGE_MS_MAX, type CommitService } from '../adjudicator/index.ts'
import { createApp, errorBody, healthAnswer, loadOrCreateSecret, PRODUCT_VERSION, type ApiLimits, type Auth } from '../api/index.ts'
import { Hlc, LOGICAL_PER_MS, steadyWallClock, tsFromMs, tsToMs, type Clock, type HlcTimestamp, type Random, type Timers } from '../clock/index.ts'
import { createCrossbar, type CrossbarConfig } from '../crossbar/index.ts'
import type { Disk } from '../disk/index.ts'
import { hex } from '../encoding/index.ts'
import { assert, SqlError } from '../errors/index.ts'
import {
  CLOSED_LEAD_MS_MAX,
  HEARTBEAT_MS,
  isJournalMessage,
  openFileJournal,
  ReplicaJournal,
  ReplicatedJournal,
  type CommitRecord,
  type FileJournal,
  type FileJournalConfig,
  type Journal,
  type JournalMessage,
} from '../journal/index.ts'
import { Rpc, type Transport } from '../net/index.ts'
import { createQueryProcessor, INDEX_JOB_LEASE_MS, type QpLimits, type QueryProcessor } from '../qp/index.ts'
import { openSqliteShard, ShardedStorage, tableShardOf, type StorageShard } from '../storage/index.ts'
import { ArmedSqlFaults, faultRoutes, sqlFaultRoutes, type FaultControl } from './admin-faults.ts'
import { Availability } from './availability.ts'
import type { ClusterEventSink } from './cluster-event.ts'
import { ClusterState, generationJournalId, parseJournalId } from './cluster-state.ts'
import { DiskWatch, type DiskWriter } from './disk-watch.ts'
import { Failover, handOverFloor } from './failover.ts'
import { DISK_WATCH_MS, FORWARDED_BYTES_MAX, KEEP_ALIVE_MS, REGION_DEFAULTS } from './constants.ts'
import { gcTicker } from './gc.ts'
import { HandBack } from './hand-back.ts'
import { Retirement } from './retire.ts'
import { OrphanedPrepares, serveRun } from './orphaned-prepares.ts'
import { ForwardedBytes, ownerId, partitionsOf, remoteOwners, serveAdjudicators, SwitchingAdjudicators, type OwnerLayout } from './remote-owners.ts'
import { closedLeadMsOf, fullRegions, quorumOf, regionUrl, type Topology } from './topology.ts'
import { refusedTxLimits } from './tx-limits.ts'

export type { FaultControl } from './admin-faults.ts'
/** A change of the cluster as one region sees it (a link to a full region, the quorum, a region
 * failed over, partitions taken over), and the callback `RegionOptions.onClusterEvent` it goes to. */
export type { ClusterEvent, ClusterEventSink } from './cluster-event.ts'
/**
 * The configured transaction limits (`qp.rowsModifiedMax`, `qp.txBytesMax`) above what a region
 * can keep: the adjudicators' keys per commit and the journal's record size must not be met
 * before them. openRegion asserts there are none; `tessera start` refuses them first (exit 2).
 */
export { refusedTxLimits } from './tx-limits.ts'
/** What a region's options default to: its shape (journals, shards, partitions), auth, its
 * housekeeping intervals and how long a full region must be unreachable to be failed over. */
export { REGION_DEFAULTS } from './constants.ts'
export { gcTicker, type GcTickOptions } from './gc.ts'
export { generationJournalId, parseJournalId } from './cluster-state.ts'
export { parseTopology, regionUrl, fullRegions, quorumOf, linkFaults, closedLeadMsOf, type Topology, type RegionSpec, type LinkSpec } from './topology.ts'

/** How one region is built. Every field but the environment has a default in constants.ts. */
export interface RegionOptions {
  /** The region's name (`local` for a single-region cluster). */
  readonly name: string
  /** The cluster directory; this region keeps its files under `<dataDir>/<name>/`. Undefined
   * runs entirely in memory on `disk` (tests, simulator). */
  readonly dataDir?: string
  /** The URL clients reach this region at (reported by GET /v1). */
  readonly url: string
  readonly clock: Clock
  readonly timers: Timers
  readonly random: Random
  readonly disk: Disk
  /** Journals in this region; the crossbar merges them all (default 2). */
  readonly journalCount?: number
  /** Storage shards (SQLite databases) in this region (default 2). */
  readonly shardCount?: number
  /** Adjudicator partitions, spread over one adjudicator per journal (default 8). */
  readonly partitionCount?: number
  /** Require bearer tokens (default true). */
  readonly auth?: boolean
  /** Mount `POST /v1/admin/faults/sql` (admin only: injected 40001/40003 for client tests) on a
   * single region; a cluster region always has it. Default false. */
  readonly sqlFaults?: boolean
  /** Told about every internal error a client got a 500 (XX000) for, with its stack: the client
   * sees only a stable message, so the process running the region logs the rest. */
  readonly onInternalError?: (error: unknown) => void
  /** Told about each significant change of the cluster as this region sees it (a link to a full
   * region down or up, the quorum lost or reached, a region failed over, partitions taken over):
   * one event per change, link and quorum changes at most two per 10 s each (flaps are folded).
   * The process running the region logs them. */
  readonly onClusterEvent?: ClusterEventSink
  readonly journal?: FileJournalConfig
  readonly crossbar?: CrossbarConfig
  readonly qp?: QpLimits
  readonly api?: ApiLimits
  /** How often a garbage-collection step runs (ms); each step serves one shard, in turn. */
  readonly gcIntervalMs?: number
  /** How often storage is checkpointed and journal segments it holds durably are deleted (ms). */
  readonly compactIntervalMs?: number
  /** A full region unreachable this long is failed over (its journals sealed, partitions moved). */
  readonly failoverAfterMs?: number
  /** How often the region looks for index jobs to run: its own, or ones whose owner lapsed (ms). */
  readonly indexJobSweepMs?: number
  /** Opens storage shard `id` (0 to `shardCount - 1`). Default: SQLite in
   * `<dataDir>/<name>/storage/shard-<id>.sqlite`, or in memory without a data directory. Tests and
   * the simulator give files of their own, which outlive a simulated crash as far as they were
   * made durable, while the journals stay on the simulated disk. */
  readonly openShard?: (id: number) => StorageShard
}

/** A running region. */
export interface Region {
  readonly name: string
  readonly app: Hono
  readonly qp: QueryProcessor
  /** The cluster secret tokens are signed with. */
  readonly secret: string
  readonly auth: Auth | null
  /** The journals this region's merge follows now (`merged`) and those it holds open, leaders and
   * replicas (`held`), by id: what retiring old generations bounds (ARCHITECTURE.md "Hand-back"). */
  journals(): { readonly merged: readonly string[]; readonly held: readonly string[] }
  /** Stops serving new work, rolls back open transactions, flushes journals, closes files. */
  close(): Promise<void>
}

/** A region that is part of a multi-region cluster. */
export interface ClusterOptions {
  readonly topology: Topology
  /** Links to the other regions (WebSockets in production, the simulator's network in tests). */
  readonly transport: Transport
  /** When given, `/v1/admin/faults` changes this region's links at run time (admin token). */
  readonly faults?: FaultControl
}

/** Opens a full region: recovers journals and storage, replays what storage lacks, then serves.
 * Without `cluster` (or with a one-region topology) it is a single-region cluster. */
export async function openRegion(options: RegionOptions & { readonly cluster?: ClusterOptions }): Promise<Region> {
  const o = { ...REGION_DEFAULTS, ...options }
  const hlc = new Hlc(o.clock)
  const base = o.dataDir === undefined ? `/mem/${o.name}` : `${o.dataDir}/${o.name}`
  const cluster = options.cluster !== undefined && options.cluster.topology.regions.length > 1 ? options.cluster : undefined
  const layout: OwnerLayout = {
    fullRegions: cluster === undefined ? [o.name] : fullRegions(cluster.topology).map((r) => r.name),
    journalsPerRegion: o.journalCount,
    partitionCount: o.partitionCount,
  }
  assert(layout.fullRegions.includes(o.name), `region ${o.name} is not a full region of the topology`)
  // `tessera start` refuses these first; a caller that did not is told which and why.
  const refused = refusedTxLimits(o.qp ?? {})[0]
  if (refused !== undefined) assert(false, `${refused.limit} ${refused.value} is more than ${refused.max}: ${refused.reason}`)
  // Leaders of a cluster close ahead of the clock, so other regions' readers need not wait for
  // them (topology.ts closedLeadMsOf); a replica's closed timestamps are its leader's.
  const closedLeadMs = cluster === undefined ? 0 : closedLeadMsOf(cluster.topology, o.journal?.heartbeatMs ?? HEARTBEAT_MS)
  /** The journal files open here, leaders' and replicas', by id, and the storage shards (by
   * 'shard <n>'): what can fail to write. Every one of them holds commits back while it fails: a
   * leader's refuses them, a shard or a replica keeps the frontier from showing them. */
  const diskWriters = new Map<string, DiskWriter>()
  const diskWatch = new DiskWatch({ writers: () => diskWriters.values(), timers: o.timers, intervalMs: DISK_WATCH_MS, onEvent: options.onClusterEvent })
  /** This region's leaders' own files, by id: what the keep-alive heartbeats. */
  const leaderFiles = new Map<string, FileJournal>()
  const fileJournal = (id: string, replica: boolean) => {
    const dir = journalDir(base, id, replica)
    o.disk.mkdirp(dir)
    const config = { ...o.journal, replica, ...(replica ? {} : { closedLeadMs }) }
    const journal = openFileJournal({ id, dir, disk: o.disk, hlc, clock: o.clock, timers: o.timers, config })
    // A leader's closes again once it cut its failed write; a replica's closed timestamps stop
    // at the records it could not take.
    diskWriters.set(id, { failure: () => journal.failure(), stopsReads: () => replica })
    journal.watchFailure(() => diskWatch.changed())
    if (!replica) leaderFiles.set(id, journal)
    return journal
  }
  if (o.dataDir !== undefined) o.disk.mkdirp(`${base}/storage`)
  const shards: StorageShard[] = range(o.shardCount).map((s) =>
    options.openShard?.(s) ?? openSqliteShard({ id: s, path: o.dataDir === undefined ? ':memory:' : `${base}/storage/shard-${s}.sqlite`, timers: o.timers, disk: o.disk }),
  )
  // Storage may have applied up to a frontier above the wall clock (the clock stepped back, or the
  // HLC ran ahead under load before a restart): the clock, and so every journal opened next, must
  // start above it, or new commits would land below what storage already closed.
  for (const shard of shards) hlc.update(shard.frontier())
  const state = ClusterState.load(o.disk, base)
  // Positions of retired journals a crash brought back (retire.ts forgets them once retired).
  for (const shard of shards) shard.forgetPositions([...shard.appliedPositions().keys()].filter((id) => state.isRetired(id)))
  /** In a cluster: this start of the region's process, named by a fresh id (prepares this region
   * coordinates carry it, so a participant elsewhere can tell that the run which prepared has
   * ended), and the commits across regions this run gave up, for participants whose finish was
   * lost to ask about (kept across replacements of the adjudicators: the run stays the same). */
  const runState = cluster === undefined ? undefined : { run: hex(o.random.bytes(RUN_ID_BYTES)), givenUp: new GivenUp(o.clock) }
  /** Settles commits prepared here whose coordinator's finish did not come (set once the
   * adjudicators exist; records shown before that settle nothing). */
  let orphans: OrphanedPrepares | undefined
  const replication = cluster === undefined ? undefined
    : replicate(cluster, o.name, hlc, o.timers, state, o.journalCount, fileJournal, false, (records) => orphans?.onRecords(records))
  /** This region's leaders, by generation (the newest takes the commits; older ones are sealed,
   * and closed once retired). */
  const leadersByGeneration = new Map<number, Journal[]>()
  /** This region's leaders of generation `n`, opened when missing. */
  const leadersOf = (n: number): Journal[] => {
    assert(n >= state.retiredBelow(o.name), `generation ${n} of ${o.name} is retired`)
    let leaders = leadersByGeneration.get(n)
    if (leaders === undefined) {
      leaders = range(o.journalCount).map((j) => {
        const local = fileJournal(generationJournalId(o.name, n, j), false)
        return replication === undefined ? local : replication.lead(local)
      })
      leadersByGeneration.set(n, leaders)
    }
    return leaders
  }
  /** `region`'s generation `n` journals: leaders here, replicas of the others' (opened when
   * missing; a replica may have been opened for a failover or a seal before). */
  const generationJournals = (region: string, n: number): Journal[] => {
    if (region === o.name) return leadersOf(n)
    assert(replication !== undefined, 'replicas need a cluster')
    return state.journalsOf(region, o.journalCount, n).map((id) => {
      const replica = replication.replicaFor(id)
      assert(replica !== undefined, `no replica of ${id} (retired here?)`)
      return replica
    })
  }
  // Every generation this region's merge admitted before a restart and did not retire is followed
  // from the start.
  const journals = layout.fullRegions.flatMap((r) => state.heldGenerations(r).flatMap((n) => generationJournals(r, n)))
  /** Every journal open here (leaders and replicas), to close at the end. */
  const openJournals = (): Journal[] => [...[...leadersByGeneration.values()].flat(), ...(replication?.replicas.values() ?? [])]
  /** The regions failed over for good as this region sees them: all journals of their newest
   * generation sealed, and not being handed back by this one (which then owns their partitions
   * no more, whatever becomes of the generation record). */
  const outRegions = () =>
    new Set(layout.fullRegions.filter((r) => state.isFullyOut(r, o.journalCount) && !((state.handingBack(r) ?? 0) > state.generation(r))))

  const shardOf = tableShardOf(o.shardCount)
  const storage = new ShardedStorage(shards, shardOf)
  for (const shard of shards) {
    diskWriters.set(`shard ${shard.id}`, { failure: () => shard.writeFailure(), stopsReads: () => !shard.canApply() })
    shard.watchWriteFailure(() => diskWatch.changed())
  }
  // One region: every journal is local, so asking the others to close when one delivers costs
  // no messages, and a commit becomes visible without waiting for a reader or a heartbeat.
  /** Set once the cluster wiring exists; the crossbar asks it about records admitting journals. */
  let handBack: HandBack | undefined
  const crossbar = createCrossbar({
    journals,
    shards,
    shardOf,
    config: { closeOthersOnRecords: cluster === undefined, ...o.crossbar },
    // One region refuses every commit while a shard cannot write (`refusedOnDiskFailure`, checked
    // in the turn that appends), so the crossbar applies on what the journals took before: the
    // frontier passes every acknowledged commit. A cluster's other regions go on committing.
    ...(cluster === undefined
      ? { assignedTsMax: () => hlc.last() }
      : { joins: (record: CommitRecord) => handBack?.joins(record) }),
  })
  // Who owns which partition follows the seals: a failed-over region's partitions belong to the
  // first full region still in, starting at a floor above the seal (transactions that began
  // earlier and touch them abort; nothing is lost).
  // How old a transaction may be, one value for all who depend on it: the API's sessions, the
  // QP (older statements get 72000), the adjudicators (older commits abort, history beyond it is
  // dropped) and storage's garbage collection (versions older than it go).
  const txAgeMsMax = o.api?.txAgeMsMax ?? TX_AGE_MS_MAX
  // The wall clock as GC's horizon and the QP's age check read it, never stepping back: a step
  // back (NTP, a VM resumed) between a GC step and a statement must not let a transaction read
  // below versions GC already dropped. Cluster snapshots read it too (they never move back).
  const steadyClock = steadyWallClock(o.clock)
  /** The floor the adjudicators last started with (a restart, a hand-over). */
  let adjudicatorsFloorTs = 0
  /** The regions out when the adjudicators were last built. */
  let builtOut = ''
  /** One bound on what commits forwarded to other regions hold, whatever set of owners sends them. */
  const forwarded = new ForwardedBytes(FORWARDED_BYTES_MAX)
  const buildAdjudicators = () => {
    const out = outRegions()
    builtOut = [...out].join()
    adjudicatorsFloorTs = handOverFloor(state, hlc.now())
    return createAdjudicators({
      partitionCount: o.partitionCount,
      owners: leadersOf(state.generation(o.name))
        .map((journal, j) => ({ id: ownerId(o.name, j), journal, partitions: partitionsOf(layout, o.name, j, out) }))
        .filter((owner) => owner.partitions.length > 0),
      remoteOwners: replication === undefined ? [] : remoteOwners(layout, o.name, replication.rpc, out, (r) => handBack?.refusal(r), forwarded),
      floorTs: adjudicatorsFloorTs,
      hlc,
      clock: o.clock,
      timers: o.timers,
      config: { txAgeMsMax },
      onPeerError: () => {},
      ...(runState ?? {}),
    })
  }
  const adjudicators = new SwitchingAdjudicators(buildAdjudicators())
  /** Partitions this region owns when the regions in `out` failed over. */
  const ownedWith = (out: ReadonlySet<string>) => range(o.journalCount).reduce((n, j) => n + partitionsOf(layout, o.name, j, out).length, 0)
  const takeOver = async (region: string) => {
    const out = outRegions()
    const before = ownedWith(new Set([...out].filter((r) => r !== region)))
    await adjudicators.replace(buildAdjudicators)
    const gained = ownedWith(out) - before
    if (gained > 0) options.onClusterEvent?.({ kind: 'took-over', region, partitions: gained })
  }
  const failover = cluster === undefined || replication === undefined ? undefined
    : startFailover(o, cluster, replication, state, { initiates: true, onRegionOut: takeOver })
  if (cluster !== undefined && replication !== undefined) {
    handBack = new HandBack({
      self: o.name,
      fullRegions: layout.fullRegions,
      journalsPerRegion: o.journalCount,
      state,
      rpc: replication.rpc,
      transport: cluster.transport,
      timers: o.timers,
      hlc,
      leader: () => leadersOf(state.generation(o.name))[0] as Journal,
      journalsOf: generationJournals,
      ownershipChanged: () => [...outRegions()].join() !== builtOut,
      rebuild: () => adjudicators.replace(buildAdjudicators),
      onJoined: (region, generation, news) => {
        if (news) options.onClusterEvent?.({ kind: 'handed-back', region, generation, self: region === o.name })
        failover?.joined()
      },
    })
  }
  const retirement = cluster === undefined || replication === undefined ? undefined : new Retirement({
    self: o.name,
    regions: cluster.topology.regions.map((r) => r.name),
    fullRegions: layout.fullRegions,
    journalsPerRegion: o.journalCount,
    state,
    transport: cluster.transport,
    disk: o.disk,
    crossbar,
    dirOf: (id) => journalDir(base, id, parseJournalId(id)?.region !== o.name),
    drop: async (ids) => {
      for (const id of ids) {
        const parsed = parseJournalId(id)
        if (parsed?.region === o.name) leadersByGeneration.delete(parsed.n)
        leaderFiles.delete(id)
        await replication.forget(id)?.close()
        diskWriters.delete(id)
      }
      diskWatch.changed()
      for (const shard of shards) shard.forgetPositions(ids)
    },
    onRetired: (region) => handBack?.retired(region),
  })
  // Started once the generation records it meets can be admitted.
  crossbar.start()
  const availability = cluster === undefined ? undefined : watchAvailability(o, cluster, state, steadyClock, options.onClusterEvent)
  if (replication !== undefined && runState !== undefined) {
    serveAdjudicators(replication.rpc, adjudicators)
    serveRun(replication.rpc, runState.run, replication.openedSeq, runState.givenUp)
    orphans = new OrphanedPrepares({
      rpc: replication.rpc,
      clock: o.clock,
      timers: o.timers,
      adjudicators: () => adjudicators.current,
      replica: (journalId) => replication.replicas.get(journalId),
    })
  }
  const errorBoundTs = cluster === undefined ? 0 : tsFromMs(cluster.topology.clockErrorBoundMs)
  const qp = createQueryProcessor({
    storage,
    commits: refusedOnDiskFailure(cluster === undefined ? adjudicators : withCommitWait(adjudicators, o.clock, o.timers, errorBoundTs), diskWatch),
    hlc,
    clock: steadyClock,
    timers: o.timers,
    random: o.random,
    limits: { ...o.qp, txAgeMsMax },
    region: o.name,
    // A statement holding the thread keeps the links up and the journals closing, so the other
    // regions see this one busy, not gone: no failover, and their readers do not wait for it.
    // Nothing is applied to storage from inside the statement (crossbar.withoutApplying).
    ...(cluster === undefined ? {} : {
      keepAlive: {
        intervalMs: KEEP_ALIVE_MS,
        run: () => {
          cluster.transport.keepAlive()
          crossbar.withoutApplying(() => {
            for (const journal of leaderFiles.values()) journal.heartbeat()
          })
        },
      },
    }),
    snapshotTs: cluster === undefined
      ? // One region: every acknowledged commit is durable and already applied (the QP waits for
        // that before it acknowledges), so the merged frontier is a strongly consistent snapshot
        // that never waits for an fsync in flight. Idle journals are asked to close up to now
        // unless nothing happened since they last were in this millisecond (the clock saw no
        // commit, not even an internal one such as a sequence block, above the frontier): now()
        // has millisecond resolution, and asking costs a merge and an apply on every shard
        // (about 1 µs of a point select).
        () => {
          const frontier = crossbar.frontier()
          if (frontier < hlc.last() || frontier < tsFromMs(o.clock.wallMs())) crossbar.requestFrontier(hlc.now())
          return crossbar.frontier()
        }
      : // Several regions: a commit acknowledged elsewhere is only known to be below now (commit
        // wait), so the snapshot is now, and the QP waits for the frontier to pass it. That needs
        // every full region's journal and a majority of regions (availability.ts): without them,
        // answer 503 at once, not after the wait times out; a begin already waiting is answered
        // when a link goes down (`snapshotLoss`). Without a closed-timestamp lead, now is the HLC:
        // the frontier passes it only once every full region closed its journals there, which
        // moves their clocks past it, so a transaction begun after this one anywhere starts
        // above it. With a lead, journals close at led values by themselves, and now is the wall
        // clock (commit wait puts every acknowledged commitTs below the wall clock of every
        // region), raised to the floors a commit needs (below them every commit would abort): the
        // adjudicators', up to a lead ahead of the wall clock after a restart or a hand-over, and
        // the latest clock heard from another region less the lead (adjudicators there start with
        // a floor at their clock), in whole milliseconds. A snapshot raised above the wall clock
        // could show commits still in their commit wait, not yet acknowledged, that a transaction
        // begun a moment later in another region, at its wall clock, would not see: such a begin
        // waits until the wall clock reaches its snapshot (`settleSnapshot`). The HLC's logical
        // ticks within the current millisecond never raise it, or under load nearly every begin
        // would wait for the next millisecond.
        () => {
          availability?.check()
          // Storage that cannot write and holds all it can takes no more records, and a replica
          // that cannot write holds its journal's records back, so the frontier cannot reach a
          // new snapshot: answered at once, not after the wait times out.
          const stopped = diskWatch.beginRefusal()
          if (stopped !== undefined) throw stopped
          const ts = closedLeadMs === 0
            ? hlc.now()
            : Math.max(tsFromMs(steadyClock.wallMs()), tsFromMs(tsToMs(hlc.last() - tsFromMs(closedLeadMs))), adjudicatorsFloorTs)
          crossbar.requestFrontier(ts)
          return ts
        },
    ...(closedLeadMs === 0 ? {} : { settleSnapshot: (ts: HlcTimestamp) => wallReaches(steadyClock, o.timers, Math.ceil(ts / LOGICAL_PER_MS)) }),
    // With a lead, a snapshot at this region's wall clock may show a commit still in its commit
    // wait, which a transaction begun a moment later in a region whose clock is behind (within the
    // bound) does not see: a statement that may have read one answers when that commit could be
    // acknowledged, as its commit wait would. Without a lead the frontier passes a snapshot only
    // once every full region's journals closed there, which moves their clocks past it.
    ...(closedLeadMs === 0 ? {} : { settleReads: (ts: HlcTimestamp) => wallReaches(o.clock, o.timers, acknowledgeableMs(ts, errorBoundTs)) }),
    ...(availability === undefined ? {} : { snapshotLoss: (listener: (e: SqlError) => void) => availability.watch(listener) }),
  })
  const secret = await loadOrCreateSecret(o.disk, o.dataDir ?? '/mem', o.random)
  const auth: Auth | null = o.auth ? { secret } : null
  // A cluster region always has the SQL fault switch (with its link faults); one region only when
  // asked.
  const sqlFaults = cluster?.faults !== undefined || options.sqlFaults === true ? new ArmedSqlFaults() : undefined
  const api = createApp({
    qp,
    region: { name: o.name, url: o.url, regions: regionList(cluster?.topology, o.name, o.url) },
    auth,
    clock: o.clock,
    timers: o.timers,
    random: o.random,
    limits: o.api,
    ...(options.onInternalError === undefined ? {} : { onInternalError: options.onInternalError }),
    ...(sqlFaults === undefined ? {} : { sqlFaults }),
    unavailable: () => availability?.reason() ?? diskWatch.reason(),
  })
  const gc = schedule(o.timers, o.gcIntervalMs, gcTicker(shards, { clock: steadyClock, txAgeMsMax }))
  const compaction = schedule(o.timers, o.compactIntervalMs, () => {
    crossbar.compact()
    // After the compaction, which tells what the shards hold durably.
    void retirement?.step()
  })
  // Index jobs cut short by the last stop go on from their last batch; jobs of a region that
  // stopped or was cut off are taken over once their owner's lease lapses (index-jobs.ts). One
  // region resumes at once; a cluster region may still be catching up, so it waits for the sweep.
  if (cluster === undefined) await qp.resumeIndexJobs()
  let sweeping = false
  const indexJobSweep = schedule(o.timers, o.indexJobSweepMs, () => {
    // One sweep at a time: a snapshot may wait (bounded) for a region catching up.
    if (sweeping) return
    sweeping = true
    qp.resumeIndexJobs()
      .catch((e: unknown) => {
        // A sweep that cannot read now (closing 57P03, no quorum or a slow frontier) tries again
        // at the next one; anything else is a bug and must surface.
        if (!(e instanceof SqlError)) throw e
      })
      .finally(() => (sweeping = false))
  })
  return {
    name: o.name,
    app: withFaultRoutes(api.app, cluster?.faults, sqlFaults, auth, o.clock, options.onInternalError),
    qp,
    secret,
    auth,
    journals: () => ({ merged: crossbar.journalIds(), held: openJournals().map((j) => j.id) }),
    async close() {
      gc.cancel()
      indexJobSweep.cancel()
      compaction.cancel()
      diskWatch.close()
      // A step still dropping journals needs them and the shards open.
      await retirement?.close()
      handBack?.close()
      orphans?.close()
      failover?.close()
      availability?.close()
      await api.close()
      adjudicators.close()
      // A clean stop leaves storage checkpointed and the journals short, so the next start
      // replays little.
      crossbar.compact()
      crossbar.close()
      replication?.rpc.close()
      for (const journal of openJournals()) await journal.close()
      for (const shard of shards) shard.close()
    },
  }
}

/** A running witness region: journal replicas and votes, no SQL. */
export interface Witness {
  readonly name: string
  readonly app: Hono
  /** The journal replicas it holds open, by id (see `Region.journals`). */
  journals(): { readonly held: readonly string[] }
  close(): Promise<void>
}

/** Opens a witness: a replica of every full region's journals, acknowledging what it stores. */
export async function openWitness(options: RegionOptions & { readonly cluster: ClusterOptions }): Promise<Witness> {
  const o = { ...REGION_DEFAULTS, ...options }
  const hlc = new Hlc(o.clock)
  const base = o.dataDir === undefined ? `/mem/${o.name}` : `${o.dataDir}/${o.name}`
  const state = ClusterState.load(o.disk, base)
  // A witness whose disk cannot take its replicas' records acknowledges nothing more until it
  // can: a quorum may then need the other regions; its health says so.
  const journalFiles = new Map<string, DiskWriter>()
  const diskWatch = new DiskWatch({ writers: () => journalFiles.values(), timers: o.timers, intervalMs: DISK_WATCH_MS, onEvent: options.onClusterEvent })
  const fileJournal = (id: string) => {
    const dir = journalDir(base, id, true)
    o.disk.mkdirp(dir)
    const journal = openFileJournal({ id, dir, disk: o.disk, hlc, clock: o.clock, timers: o.timers, config: { ...o.journal, replica: true } })
    journalFiles.set(id, { failure: () => journal.failure(), stopsReads: () => false })
    journal.watchFailure(() => diskWatch.changed())
    return journal
  }
  // Nothing at the witness applies these records: they matter only until every other region
  // holds them. Journals of later generations open when first heard of (records, a freeze, a
  // seal), and again at a restart from the generations the state recorded then.
  const replication = replicate(options.cluster, o.name, hlc, o.timers, state, o.journalCount, fileJournal, true)
  const full = fullRegions(options.cluster.topology).map((r) => r.name)
  for (const r of full) {
    for (const id of state.allJournalsOf(r, o.journalCount)) replication.replicaFor(id)
  }
  // It holds a copy of every old generation until every other region holds its seals.
  const retirement = new Retirement({
    self: o.name,
    regions: options.cluster.topology.regions.map((r) => r.name),
    fullRegions: full,
    journalsPerRegion: o.journalCount,
    state,
    transport: options.cluster.transport,
    disk: o.disk,
    dirOf: (id) => journalDir(base, id, true),
    drop: async (ids) => {
      for (const id of ids) {
        await replication.forget(id)?.close()
        journalFiles.delete(id)
      }
      diskWatch.changed()
    },
  })
  const retiring = schedule(o.timers, o.compactIntervalMs, () => void retirement.step())
  const secret = await loadOrCreateSecret(o.disk, o.dataDir ?? '/mem', o.random)
  const auth: Auth | null = o.auth ? { secret } : null
  // A witness takes part in failovers (freezes, seals) but never starts one: it owns nothing.
  const failover = startFailover(o, options.cluster, replication, state, { initiates: false, onRegionOut: async () => {} })
  // It serves no SQL, but its health says what it knows of links and the quorum (a full region it
  // cannot reach, whose journals it then does not replicate; no majority to be part of), as a
  // full region's does; the events go to the log.
  const availability = watchAvailability(o, options.cluster, state, o.clock, options.onClusterEvent)
  let closing = false
  const health = (ready: string | undefined) =>
    healthAnswer({ region: o.name, role: 'witness', closing, reason: availability.reason() ?? diskWatch.reason(), openTransactions: 0 }, ready)
  const app = withFaultRoutes(witnessApp(o.name, regionList(options.cluster.topology, o.name, o.url), health), options.cluster.faults, undefined, auth, o.clock, options.onInternalError)
  return {
    name: o.name,
    app,
    journals: () => ({ held: [...replication.replicas.keys()] }),
    async close() {
      closing = true
      retiring.cancel()
      diskWatch.close()
      await retirement.close()
      failover.close()
      availability.close()
      replication.rpc.close()
      for (const journal of replication.replicas.values()) await journal.close()
    },
  }
}

/** Where a journal's files live under a region's directory `base`: a leader's `journal-<k>`
 * (generation 0) or `journal-g<n>-<k>`, a replica's `replica-<region>-j<k>` or
 * `replica-<region>-g<n>-j<k>`. Exported for tests that look at what a region keeps on disk. */
export function journalDir(base: string, journalId: string, replica: boolean): string {
  const parsed = parseJournalId(journalId)
  assert(parsed !== undefined, `journal id ${journalId}`)
  if (replica) return `${base}/replica-${journalId.replaceAll('/', '-')}`
  return parsed.n === 0 ? `${base}/journal-${parsed.k}` : `${base}/journal-g${parsed.n}-${parsed.k}`
}

/** The app with `/v1/admin/faults` in front, when this region's links can be changed, and
 * `/v1/admin/faults/sql` when it has SQL faults to arm (a witness has links but runs no SQL: its
 * switch arms faults nothing consults). */
function withFaultRoutes(
  app: Hono,
  control: FaultControl | undefined,
  sqlFaults: ArmedSqlFaults | undefined,
  auth: Auth | null,
  clock: Clock,
  onInternalError: ((error: unknown) => void) | undefined,
): Hono {
  if (control === undefined && sqlFaults === undefined) return app
  const armed = sqlFaults ?? new ArmedSqlFaults()
  const root = new Hono()
  root.route('/', control === undefined ? sqlFaultRoutes(armed, auth, clock, onInternalError) : faultRoutes(control, armed, auth, clock, onInternalError))
  // Through the API's own fetch, not mounted: its POST /v1/sql lane sits in app.fetch, which a
  // mounted app's routes bypass.
  root.all('*', (c) => app.fetch(c.req.raw))
  return root
}

/** Whether a region can begin transactions, from its links and the seals it knows; `clock` paces
 * the rate-limited event lines. */
function watchAvailability(
  o: { readonly name: string; readonly journalCount: number; readonly timers: Timers },
  cluster: ClusterOptions,
  state: ClusterState,
  clock: Clock,
  onEvent: RegionOptions['onClusterEvent'],
): Availability {
  return new Availability({
    self: o.name,
    topology: cluster.topology,
    transport: cluster.transport,
    isFullyOut: (region) => state.isFullyOut(region, o.journalCount),
    clock,
    timers: o.timers,
    onEvent,
  })
}

/** The failover of a region over its cluster links and journals. */
function startFailover(
  o: {
    readonly name: string
    readonly journalCount: number
    readonly timers: Timers
    readonly random: Random
    readonly failoverAfterMs: number
    readonly onClusterEvent?: ClusterEventSink | undefined
  },
  cluster: ClusterOptions,
  replication: ReturnType<typeof replicate>,
  state: ClusterState,
  role: { readonly initiates: boolean; readonly onRegionOut: (region: string) => Promise<void> },
): Failover {
  return new Failover({
    self: o.name,
    topology: cluster.topology,
    journalsPerRegion: o.journalCount,
    transport: cluster.transport,
    rpc: replication.rpc,
    state,
    leaders: replication.leaders,
    replicas: replication.replicas,
    replicaFor: replication.replicaFor,
    timers: o.timers,
    random: o.random,
    afterMs: o.failoverAfterMs,
    onEvent: o.onClusterEvent,
    ...role,
  })
}

/** What GET /v1 lists. */
function regionList(topology: Topology | undefined, self: string, url: string) {
  if (topology === undefined) return [{ name: self, role: 'full' as const, url }]
  return topology.regions.map((r) => ({ name: r.name, role: r.role, url: r.name === self ? url : regionUrl(r) }))
}

/** Journal replication and RPC over the cluster's transport: routes journal messages to the
 * journal they name, and greets each leader when the link to it comes up. `onReplicaRecords`
 * sees the committed records every replica shows (a full region settles prepared commits with
 * them). */
function replicate(
  cluster: ClusterOptions,
  self: string,
  hlc: Hlc,
  timers: Timers,
  state: ClusterState,
  journalsPerRegion: number,
  openLocal: (journalId: string, replica: boolean) => FileJournal,
  dropHeldElsewhere: boolean,
  onReplicaRecords?: (records: readonly CommitRecord[]) => void,
) {
  const { topology, transport } = cluster
  const others = topology.regions.filter((r) => r.name !== self).map((r) => r.name)
  const full = new Set(fullRegions(topology).map((r) => r.name))
  const link = { send: (to: string, message: JournalMessage) => transport.send(to, message), isUp: (to: string) => transport.isUp(to) }
  const byId = new Map<string, ReplicatedJournal | ReplicaJournal>()
  const leaders = new Map<string, ReplicatedJournal>()
  const replicas = new Map<string, ReplicaJournal>()
  const replicasOf = new Map<string, ReplicaJournal[]>()
  /** The last seq of each led journal's file when this run opened it: every record an earlier run
   * of this region can still commit in it is at or below (orphaned-prepares.ts). */
  const openedSeq = new Map<string, number>()
  transport.onMessage((from, message) => {
    if (!isJournalMessage(message)) return
    // A leader's message about a journal not held here (a generation this region has not merged
    // yet) opens the replica: the leader opened it only once its generation record committed.
    const journal = byId.get(message.journalId) ?? (parseJournalId(message.journalId)?.region === from ? replicaFor(message.journalId) : undefined)
    journal?.receive(from, message)
  })
  transport.onLinkChange((peer, up) => {
    if (up) for (const replica of replicasOf.get(peer) ?? []) replica.hello()
  })
  return {
    rpc: new Rpc(transport, { timers }),
    leaders,
    replicas,
    openedSeq: openedSeq as ReadonlyMap<string, number>,
    lead(local: FileJournal): ReplicatedJournal {
      openedSeq.set(local.id, local.lastSeq())
      const sealed = state.sealed(local.id)
      const journal = new ReplicatedJournal({ local, replicas: others, quorum: quorumOf(topology), link, timers, ...(sealed === undefined ? {} : { sealed }) })
      byId.set(journal.id, journal)
      leaders.set(journal.id, journal)
      return journal
    },
    replicaFor,
    /** Forgets a journal of a retired generation (retire.ts), returning it to be closed: messages
     * naming it are dropped from now on (`replicaFor` opens no retired journal). */
    forget(journalId: string): ReplicatedJournal | ReplicaJournal | undefined {
      const journal = byId.get(journalId)
      if (journal === undefined) return undefined
      byId.delete(journalId)
      leaders.delete(journalId)
      replicas.delete(journalId)
      openedSeq.delete(journalId)
      const leader = parseJournalId(journalId)?.region
      if (leader !== undefined) {
        const rest = (replicasOf.get(leader) ?? []).filter((r) => r.id !== journalId)
        if (rest.length === 0) replicasOf.delete(leader)
        else replicasOf.set(leader, rest)
      }
      return journal
    },
  }

  /** This region's replica of another full region's journal, opened when missing (empty if it
   * never was); undefined for this region's own journals, ids of no full region's and journals
   * of generations retired here. Opening
   * one of a newer generation records the generation (hearing of its journals proves it). */
  function replicaFor(journalId: string): ReplicaJournal | undefined {
    const known = replicas.get(journalId)
    if (known !== undefined) return known
    const parsed = parseJournalId(journalId)
    if (parsed === undefined || parsed.region === self || !full.has(parsed.region) || parsed.k >= journalsPerRegion) return undefined
    // A retired journal (retire.ts) is never opened again: a late message or seal naming it would
    // make it an empty replica, which no leader refills (a sealed one resends nothing).
    if (state.isRetired(journalId)) return undefined
    const replica = follow(parsed.region, openLocal(journalId, true))
    // A failed write only forgets the generation until its journals are heard of again.
    if (parsed.n > state.generation(parsed.region)) state.recordGeneration(parsed.region, { n: parsed.n, ts: 0 }).catch(() => {})
    return replica
  }

  /** A replica of `leader`'s journal; a witness's copy (`dropHeldElsewhere`) is kept only for
   * failovers, and drops what every other region holds. */
  function follow(leader: string, local: FileJournal): ReplicaJournal {
    const sealed = state.sealed(local.id)
    const journal = new ReplicaJournal({ local, leader, link, hlc, dropHeldElsewhere, ...(sealed === undefined ? {} : { sealed }) })
    // A seal pledged before a restart may have been decided on: frozen before the first hello.
    if (state.pledged(local.id) !== undefined) journal.freeze()
    byId.set(journal.id, journal)
    replicas.set(journal.id, journal)
    if (onReplicaRecords !== undefined) journal.follow({ onRecords: onReplicaRecords, onClosed: () => {} })
    replicasOf.set(leader, [...(replicasOf.get(leader) ?? []), journal])
    if (transport.isUp(leader)) journal.hello()
    return journal
  }
}

/**
 * Refuses commits while a journal file or a storage shard of this region cannot write (a full
 * disk: 53100): a leader's journal would refuse them anyway, and a commit that a working journal
 * takes while storage cannot write, or while a replica or another journal holds the merge back,
 * would be durable but not shown, and every begin after its acknowledgement would wait for it
 * (docs/architecture.md "Failure handling"). The refusal is read in the turn that appends (the
 * adjudicators of one region append without awaiting), so one region appends nothing while a
 * shard fails: its crossbar relies on that (`assignedTsMax`). Nothing is written, so a client may
 * retry once space is freed.
 */
function refusedOnDiskFailure(inner: CommitService, disk: DiskWatch): CommitService {
  return {
    commit(request) {
      const refused = disk.refusal()
      return refused === undefined ? inner.commit(request) : Promise.reject(refused)
    },
  }
}

/**
 * Commit wait (ARCHITECTURE.md step 4): a commit is acknowledged only once this region's clock is
 * past its timestamp by the clock-error bound, so a transaction that begins later in any region
 * (whose clock is at most that far behind) takes a larger start timestamp.
 */
function withCommitWait(inner: CommitService, clock: Clock, timers: Timers, errorBoundTs: number): CommitService {
  return {
    async commit(request) {
      const outcome = await inner.commit(request)
      if (outcome.kind !== 'committed') return outcome
      await wallReaches(clock, timers, acknowledgeableMs(outcome.commitTs, errorBoundTs))
      return outcome
    },
  }
}

/** The first wall-clock millisecond past `ts` by the clock-error bound: a commit at `ts` is
 * acknowledged then (commit wait), and a read that may have shown it answers then (settleReads). */
function acknowledgeableMs(ts: HlcTimestamp, errorBoundTs: number): number {
  return tsToMs(ts + errorBoundTs) + 1
}

/** Resolves once `clock` reads `ms` or later; undefined when it does already. At most
 * WALL_WAIT_STEPS_MAX sleeps: a clock that stalls must not hold a commit or a begin. */
function wallReaches(clock: Clock, timers: Timers, ms: number): Promise<void> | undefined {
  if (clock.wallMs() >= ms) return undefined
  return (async () => {
    for (let i = 0; i < WALL_WAIT_STEPS_MAX && clock.wallMs() < ms; i++) await timers.sleep(Math.ceil(ms - clock.wallMs()))
  })()
}

// A lease renewal shows elsewhere once the wall clock passes its led commitTs: the index jobs'
// lease must outlast two of the largest leads, or healthy owners would be taken over.
assert(INDEX_JOB_LEASE_MS >= 2 * CLOSED_LEAD_MS_MAX + 5_000, 'an index job lease outlasts two closed-timestamp leads')

/** Commit wait and a snapshot's wait for the wall clock sleep at most this many times (a clock
 * that stalls must not hold a commit or a begin). */
const WALL_WAIT_STEPS_MAX = 100

/** A witness answers health (`health`, given `?ready`) and topology; SQL goes to full regions. */
function witnessApp(name: string, regions: ReturnType<typeof regionList>, health: (ready: string | undefined) => ReturnType<typeof healthAnswer>): Hono {
  const app = new Hono()
  app.get('/v1/health', (c) => {
    const { body, status } = health(c.req.query('ready'))
    return c.json(body, status)
  })
  app.get('/v1', (c) => c.json({ name: 'tessera', version: PRODUCT_VERSION, region: name, regions }))
  app.all('*', (c) => {
    const error = new SqlError('57P03', `region ${name} is a witness: it stores journal replicas and serves no SQL`, {
      hint: `send SQL to a full region: ${regions.filter((r) => r.role === 'full').map((r) => r.url).join(', ')}`,
    })
    return c.json(errorBody(error), 503)
  })
  return app
}

/** Random bytes naming a run: enough that two starts of a region never draw the same. */
const RUN_ID_BYTES = 16

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Runs `fn` every `ms` until cancelled. */
function schedule(timers: Timers, ms: number, fn: () => void): { cancel(): void } {
  let handle = timers.setTimeout(tick, ms)
  let cancelled = false
  function tick() {
    if (cancelled) return
    fn()
    handle = timers.setTimeout(tick, ms)
  }
  return {
    cancel() {
      cancelled = true
      handle.cancel()
    },
  }
}
