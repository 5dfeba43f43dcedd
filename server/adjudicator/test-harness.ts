// Test support for the adjudicator (ARCHITECTURE.md step 4): a region's adjudicators over real
// file journals on a simulated disk and a virtual clock, plus keys that land in a chosen owner.
import { Hlc, SimClock } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import type { Key, Write } from '../encoding/index.ts'
import { type CommitRecord, type Journal, openFileJournal } from '../journal/index.ts'
import {
  type AdjudicatorConfig,
  type Adjudicators,
  type CommitRequest,
  createAdjudicators,
  hashPartitionOf,
} from './index.ts'

/** Virtual ms an fsync takes while durability is held: longer than any test advances the clock. */
const HOLD_MS = 60_000

export interface Harness {
  readonly clock: SimClock
  readonly hlc: Hlc
  readonly disk: SimDisk
  readonly journals: readonly Journal[]
  readonly adjudicators: Adjudicators
  /** A key (derived from `name`) whose partition owner `owner` holds. */
  keyIn(owner: number, name: string): Key
  /** Durable records of journal `i`. */
  records(i: number): CommitRecord[]
  /** Fsyncs from now on take HOLD_MS of virtual time: records stay appended but not durable. */
  hold(): void
  /** Lets held fsyncs finish (and fail, when `failing`). */
  release(options?: { failing?: boolean }): void
  close(): Promise<void>
}

export const PARTITIONS = 16

/** Owner i holds the partitions p with p % ownerCount === i. */
export function partitionsOf(owner: number, ownerCount: number, partitionCount = PARTITIONS) {
  const out: number[] = []
  for (let p = owner; p < partitionCount; p += ownerCount) out.push(p)
  return out
}

export function keyIn(owner: number, ownerCount: number, name: string, partitions = PARTITIONS) {
  const partitionOf = hashPartitionOf(partitions)
  for (let i = 0; i < 10_000; i++) {
    const key = `${name}-${i}`
    if (partitionOf(key) % ownerCount === owner) return key
  }
  throw new Error(`no key for owner ${owner}`)
}

export function openJournal(id: string, disk: SimDisk, clock: SimClock, hlc: Hlc): Journal {
  // A slow heartbeat: closed timestamps play no part here, and virtual time jumps far.
  const config = { heartbeatMs: 1000 }
  return openFileJournal({ id, dir: `/data/${id}`, disk, hlc, clock, timers: clock, config })
}

export function makeHarness(
  ownerCount = 1,
  config: AdjudicatorConfig = {},
  clock = new SimClock(),
  disk = new SimDisk({ timers: clock }),
): Harness {
  const hlc = new Hlc(clock)
  const journals = Array.from({ length: ownerCount }, (_, i) =>
    openJournal(`j${i}`, disk, clock, hlc),
  )
  const adjudicators = createAdjudicators({
    partitionCount: PARTITIONS,
    owners: journals.map((journal, i) => ({
      id: `a${i}`,
      journal,
      partitions: partitionsOf(i, ownerCount),
    })),
    hlc,
    clock,
    timers: clock,
    config,
  })
  return {
    clock,
    hlc,
    disk,
    journals,
    adjudicators,
    keyIn: (owner, name) => keyIn(owner, ownerCount, name),
    records: (i) => journals[i]?.read(0, 1_000_000) ?? [],
    hold: () => disk.setFaults({ syncLatencyMsMin: HOLD_MS }),
    release: (options = {}) => {
      disk.setFaults(options.failing ? { syncFailureProbability: 1 } : {})
      clock.advance(HOLD_MS)
    },
    close: async () => {
      adjudicators.close()
      await Promise.all(journals.map((j) => j.close()))
    },
  }
}

export const writesOf = (...keys: Key[]): Write[] => keys.map((key) => ({ key, value: `v-${key}` }))

export function request(
  txId: string,
  startTs: number,
  keys: { writes?: Key[]; locked?: Key[]; read?: Key[] },
): CommitRequest {
  return {
    txId,
    startTs,
    writes: writesOf(...(keys.writes ?? [])),
    lockedKeys: keys.locked ?? [],
    readKeys: keys.read ?? [],
  }
}
