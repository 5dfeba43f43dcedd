// Test support for the adjudicator (ARCHITECTURE.md step 4): builds a region's adjudicators over
// in-memory journals and a virtual clock, and finds keys that land in a chosen owner.
import { Hlc, SimClock } from '../clock/index.ts'
import type { Key, Write } from '../encoding/index.ts'
import { type AdjudicatorConfig, type Adjudicators, type CommitRequest, createAdjudicators, hashPartitionOf } from './index.ts'
import { MemoryJournal } from './journal-harness.ts'

export interface Harness {
  readonly clock: SimClock
  readonly hlc: Hlc
  readonly journals: MemoryJournal[]
  readonly adjudicators: Adjudicators
  /** A key (derived from `name`) whose partition owner `owner` holds. */
  keyIn(owner: number, name: string): Key
}

export const PARTITIONS = 16

/** Owner i holds the partitions p with p % ownerCount === i. */
export function partitionsOf(owner: number, ownerCount: number, partitionCount = PARTITIONS): number[] {
  const out: number[] = []
  for (let p = owner; p < partitionCount; p += ownerCount) out.push(p)
  return out
}

export function keyIn(owner: number, ownerCount: number, name: string, partitionCount = PARTITIONS): Key {
  const partitionOf = hashPartitionOf(partitionCount)
  for (let i = 0; i < 10_000; i++) {
    const key = `${name}-${i}`
    if (partitionOf(key) % ownerCount === owner) return key
  }
  throw new Error(`no key for owner ${owner}`)
}

export function makeHarness(
  ownerCount = 1,
  config: AdjudicatorConfig = {},
  recovered: { lastSeq: number; lastCommitTs: number }[] = [],
  clock = new SimClock(),
): Harness {
  const hlc = new Hlc(clock)
  const journals = Array.from(
    { length: ownerCount },
    (_, i) => new MemoryJournal(`j${i}`, recovered[i]),
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
    journals,
    adjudicators,
    keyIn: (owner, name) => keyIn(owner, ownerCount, name),
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
