// Wires one region's components together (ARCHITECTURE.md "region"): journals, storage shards,
// crossbar, adjudicators, query processor and api, from one configuration. No logic of its own.
import type { Hono } from 'hono'
import { createAdjudicators, hashPartitionOf } from '../adjudicator/index.ts'
import { createApp, loadOrCreateSecret, type ApiLimits, type Auth } from '../api/index.ts'
import { Hlc, type Clock, type Random, type Timers } from '../clock/index.ts'
import { createCrossbar, type CrossbarConfig } from '../crossbar/index.ts'
import type { Disk } from '../disk/index.ts'
import { openFileJournal, type FileJournalConfig, type Journal } from '../journal/index.ts'
import { createQueryProcessor, type QpLimits, type QueryProcessor } from '../qp/index.ts'
import { openSqliteShard, ShardedStorage, tableShardOf, type StorageShard } from '../storage/index.ts'
import { REGION_DEFAULTS } from './constants.ts'

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
  readonly journal?: FileJournalConfig
  readonly crossbar?: CrossbarConfig
  readonly qp?: QpLimits
  readonly api?: ApiLimits
  /** How often old versions are garbage-collected (ms). */
  readonly gcIntervalMs?: number
  /** How often storage is checkpointed and journal segments it holds durably are deleted (ms). */
  readonly compactIntervalMs?: number
}

/** A running region. */
export interface Region {
  readonly name: string
  readonly app: Hono
  readonly qp: QueryProcessor
  /** The cluster secret tokens are signed with. */
  readonly secret: string
  readonly auth: Auth | null
  /** Stops serving new work, rolls back open transactions, flushes journals, closes files. */
  close(): Promise<void>
}

/** Opens a region: recovers journals and storage, replays what storage lacks, then serves. */
export async function openRegion(options: RegionOptions): Promise<Region> {
  const o = { ...REGION_DEFAULTS, ...options }
  const hlc = new Hlc(o.clock)
  const base = o.dataDir === undefined ? `/mem/${o.name}` : `${o.dataDir}/${o.name}`
  const journals: Journal[] = []
  for (let j = 0; j < o.journalCount; j++) {
    const dir = `${base}/journal-${j}`
    o.disk.mkdirp(dir)
    journals.push(
      openFileJournal({ id: `${o.name}/j${j}`, dir, disk: o.disk, hlc, clock: o.clock, timers: o.timers, config: o.journal }),
    )
  }
  if (o.dataDir !== undefined) o.disk.mkdirp(`${base}/storage`)
  const shards: StorageShard[] = []
  for (let s = 0; s < o.shardCount; s++) {
    const path = o.dataDir === undefined ? ':memory:' : `${base}/storage/shard-${s}.sqlite`
    shards.push(openSqliteShard({ id: s, path, timers: o.timers }))
  }
  const shardOf = tableShardOf(o.shardCount)
  const storage = new ShardedStorage(shards, shardOf)
  const crossbar = createCrossbar({ journals, shards, shardOf, config: o.crossbar })
  crossbar.start()
  const adjudicators = createAdjudicators({
    partitionCount: o.partitionCount,
    owners: journals.map((journal, j) => ({
      id: `${o.name}/a${j}`,
      journal,
      partitions: range(o.partitionCount).filter((p) => p % journals.length === j),
    })),
    hlc,
    clock: o.clock,
    timers: o.timers,
  })
  const qp = createQueryProcessor({
    storage,
    commits: adjudicators,
    hlc,
    clock: o.clock,
    random: o.random,
    limits: o.qp,
    // One region: every acknowledged commit is durable and already applied, so the merged
    // frontier (after asking idle journals to close now) is a strongly consistent snapshot that
    // never waits for an fsync in flight. Multi-region replication will need the wait for now().
    snapshotTs: () => {
      crossbar.requestFrontier(hlc.now())
      return crossbar.frontier()
    },
  })
  const secret = await loadOrCreateSecret(o.disk, o.dataDir ?? '/mem', o.random)
  const auth: Auth | null = o.auth ? { secret } : null
  const api = createApp({
    qp,
    region: { name: o.name, url: o.url, regions: [{ name: o.name, role: 'full', url: o.url }] },
    auth,
    clock: o.clock,
    timers: o.timers,
    random: o.random,
    limits: o.api,
  })
  const gc = schedule(o.timers, o.gcIntervalMs, () => {
    const belowTs = hlc.now() - REGION_DEFAULTS.gcHorizonMs * 1000
    for (const shard of shards) shard.gc(Math.min(belowTs, shard.frontier()))
  })
  const compaction = schedule(o.timers, o.compactIntervalMs, () => void crossbar.compact())
  return {
    name: o.name,
    app: api.app,
    qp,
    secret,
    auth,
    async close() {
      gc.cancel()
      compaction.cancel()
      await api.close()
      adjudicators.close()
      // A clean stop leaves storage checkpointed and the journals short, so the next start
      // replays little.
      crossbar.compact()
      crossbar.close()
      for (const journal of journals) await journal.close()
      for (const shard of shards) shard.close()
    },
  }
}

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
