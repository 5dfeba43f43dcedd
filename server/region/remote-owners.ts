// Adjudicator partitions across regions (ARCHITECTURE.md step 4 "Several partitions" and
// "Regions"): which owner holds each partition, and the RPC glue that lets an adjudicator in one
// region forward a commit to, or prepare keys at, an owner in another.
import type {
  Adjudicators,
  AdjudicatorPeer,
  CommitOutcome,
  CommitRequest,
  FinishRequest,
  PrepareOutcome,
  PrepareRequest,
  RemoteOwnerSpec,
} from '../adjudicator/index.ts'
import { assert } from '../errors/index.ts'
import { PeerUnavailable, type Rpc } from '../net/index.ts'

/** Where partition `p` lives: the full region `p mod F`, and within it owner `(p div F) mod J`. */
export interface OwnerLayout {
  readonly fullRegions: readonly string[]
  readonly journalsPerRegion: number
  readonly partitionCount: number
}

export const ownerId = (region: string, j: number): string => `${region}/a${j}`
export const journalId = (region: string, j: number): string => `${region}/j${j}`

/** The partitions owner `j` of `region` holds. */
export function partitionsOf(layout: OwnerLayout, region: string, j: number): number[] {
  const r = layout.fullRegions.indexOf(region)
  assert(r >= 0, `region ${region} owns no partitions`)
  const f = layout.fullRegions.length
  const out: number[] = []
  for (let p = 0; p < layout.partitionCount; p++) {
    if (p % f === r && Math.floor(p / f) % layout.journalsPerRegion === j) out.push(p)
  }
  return out
}

/** How long a region waits for another to decide a commit it forwarded: the owner's own quorum
 * wait, plus a round trip. */
const FORWARD_TIMEOUT_MS = 15_000
const PREPARE_TIMEOUT_MS = 5_000

/** The owners in other regions, reached over `rpc`. */
export function remoteOwners(layout: OwnerLayout, self: string, rpc: Rpc): RemoteOwnerSpec[] {
  const out: RemoteOwnerSpec[] = []
  for (const region of layout.fullRegions) {
    if (region === self) continue
    for (let j = 0; j < layout.journalsPerRegion; j++) {
      const id = ownerId(region, j)
      const peer: AdjudicatorPeer = {
        id,
        prepare: async (request: PrepareRequest) =>
          (await rpc.call(region, 'adj.prepare', { ownerId: id, request }, PREPARE_TIMEOUT_MS)) as PrepareOutcome,
        finish: async (request: FinishRequest) => void (await rpc.call(region, 'adj.finish', { ownerId: id, request }, PREPARE_TIMEOUT_MS)),
      }
      const commitService = { commit: (request: CommitRequest) => forward(rpc, region, request) }
      out.push({ id, partitions: partitionsOf(layout, region, j), peer, commitService })
    }
  }
  return out
}

/** A commit forwarded to the region that coordinates it. Not delivered: nothing happened (the
 * caller's 57P03 stands). Delivered but unanswered: the outcome is unknown. */
async function forward(rpc: Rpc, region: string, request: CommitRequest): Promise<CommitOutcome> {
  try {
    return (await rpc.call(region, 'adj.commit', request, FORWARD_TIMEOUT_MS)) as CommitOutcome
  } catch (e) {
    if (e instanceof PeerUnavailable && e.delivered) return { kind: 'unknown', reason: e.message }
    throw e
  }
}

/** Serves this region's adjudicators to the other regions. */
export function serveAdjudicators(rpc: Rpc, adjudicators: Adjudicators): void {
  rpc.handle('adj.commit', (_from, payload) => adjudicators.commit(payload as CommitRequest))
  rpc.handle('adj.prepare', (_from, payload) => {
    const { ownerId: id, request } = payload as { ownerId: string; request: PrepareRequest }
    return adjudicators.peer(id).prepare(request)
  })
  rpc.handle('adj.finish', async (_from, payload) => {
    const { ownerId: id, request } = payload as { ownerId: string; request: FinishRequest }
    await adjudicators.peer(id).finish(request)
    return null
  })
}
