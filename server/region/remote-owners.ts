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
import { assert, cannotConnectNow, SqlError } from '../errors/index.ts'
import { PeerUnavailable, type Rpc } from '../net/index.ts'
import { FORWARDED_BYTES_MAX } from './constants.ts'

/** Where partition `p` lives: the full region `p mod F`, and within it owner `(p div F) mod J`. */
export interface OwnerLayout {
  readonly fullRegions: readonly string[]
  readonly journalsPerRegion: number
  readonly partitionCount: number
}

export const ownerId = (region: string, j: number): string => `${region}/a${j}`

/** The region holding partition `p`: its home region, or, when that region failed over (is
 * `out`), the first full region still in, in topology order. */
export function ownerRegionOf(layout: OwnerLayout, out: ReadonlySet<string>, p: number): string {
  const home = layout.fullRegions[p % layout.fullRegions.length] as string
  if (!out.has(home)) return home
  const heir = layout.fullRegions.find((r) => !out.has(r))
  assert(heir !== undefined, 'every full region failed over')
  return heir
}

/** The partitions owner `j` of `region` holds, given the regions that failed over. */
export function partitionsOf(layout: OwnerLayout, region: string, j: number, out: ReadonlySet<string> = new Set()): number[] {
  assert(layout.fullRegions.includes(region), `region ${region} owns no partitions`)
  const f = layout.fullRegions.length
  const result: number[] = []
  for (let p = 0; p < layout.partitionCount; p++) {
    if (ownerRegionOf(layout, out, p) === region && Math.floor(p / f) % layout.journalsPerRegion === j) result.push(p)
  }
  return result
}

/** How long a region waits for another to decide a commit it forwarded: the owner's own quorum
 * wait, plus a round trip. */
const FORWARD_TIMEOUT_MS = 15_000
const PREPARE_TIMEOUT_MS = 5_000

/**
 * What this region's commits and prepares waiting on other regions hold, by the measure the
 * region bounds them by: the characters of their keys and values (a forwarded commit carries its
 * writes, up to the query processor's TX_BYTES_MAX each, and the RPC layer bounds only how many
 * calls wait). Past `bytesMax` a request is refused before it is sent, nothing written: the
 * peers serving them hold no more than this either.
 */
export class ForwardedBytes {
  readonly bytesMax: number
  #bytes = 0

  constructor(bytesMax: number) {
    assert(bytesMax >= 1, 'forwarded requests must have room for one')
    this.bytesMax = bytesMax
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Runs `call` with `bytes` counted until it settles; 57P03 without calling when they would
   * pass the bound (a request alone over it is let through when nothing else waits, so that no
   * commit is refused forever). */
  async hold<T>(bytes: number, region: string, call: () => Promise<T>): Promise<T> {
    if (this.#bytes > 0 && this.#bytes + bytes > this.bytesMax) {
      throw new SqlError('57P03', `cannot commit now: ${this.#bytes} bytes of this region's commits already wait on other regions' answers (at most ${this.bytesMax}); nothing was sent to region ${region}, nothing was written`, {
        hint: 'Retry shortly: the bound frees as the commits in flight are answered.',
      })
    }
    this.#bytes += bytes
    try {
      return await call()
    } finally {
      this.#bytes -= bytes
    }
  }
}

/** Bytes a request's keys and values hold, as `ForwardedBytes` counts them: their characters
 * plus a fixed overhead per key. */
export function requestBytes(keys: readonly (readonly string[])[], writes: readonly { readonly key: string; readonly value: string | null }[] = []): number {
  let bytes = 0
  for (const w of writes) bytes += KEY_OVERHEAD_BYTES + w.key.length + (w.value?.length ?? 0)
  for (const list of keys) for (const k of list) bytes += KEY_OVERHEAD_BYTES + k.length
  return bytes
}

/** What a key costs beyond its characters (the string, its slot), in `requestBytes`. */
const KEY_OVERHEAD_BYTES = 48

/** The owners in other regions, reached over `rpc` (regions that failed over own nothing).
 * `refusal` stops calls to a region's owners while it answers (a region being handed its
 * partitions back, which may not own them yet): the commit is refused, nothing written.
 * `forwarded` bounds what the calls hold while they wait (one per region, kept across calls). */
export function remoteOwners(
  layout: OwnerLayout,
  self: string,
  rpc: Rpc,
  outRegions: ReadonlySet<string> = new Set(),
  refusal: (region: string) => SqlError | undefined = () => undefined,
  forwarded: ForwardedBytes = new ForwardedBytes(FORWARDED_BYTES_MAX),
): RemoteOwnerSpec[] {
  const out: RemoteOwnerSpec[] = []
  const check = (region: string) => {
    const error = refusal(region)
    if (error !== undefined) throw error
  }
  for (const region of layout.fullRegions) {
    if (region === self || outRegions.has(region)) continue
    for (let j = 0; j < layout.journalsPerRegion; j++) {
      const id = ownerId(region, j)
      const peer: AdjudicatorPeer = {
        id,
        prepare: async (request: PrepareRequest) => {
          check(region)
          const bytes = requestBytes([request.writeKeys, request.lockedKeys, request.readKeys])
          try {
            return await forwarded.hold(bytes, region, async () => (await rpc.call(region, 'adj.prepare', { ownerId: id, request }, PREPARE_TIMEOUT_MS)) as PrepareOutcome)
          } catch (e) {
            // Delivered or not, a prepare only reserves: the commit is given up everywhere
            // before anything is appended, so the answer is a clean 57P03.
            throw e instanceof PeerUnavailable ? ownerUnreachable(e, 'owns keys this transaction uses') : e
          }
        },
        finish: async (request: FinishRequest) => void (await rpc.call(region, 'adj.finish', { ownerId: id, request }, PREPARE_TIMEOUT_MS)),
      }
      const commitService = {
        commit: async (request: CommitRequest) => {
          check(region)
          const bytes = requestBytes([request.lockedKeys, request.readKeys], request.writes)
          return forwarded.hold(bytes, region, () => forward(rpc, region, request))
        },
      }
      out.push({ id, partitions: partitionsOf(layout, region, j, outRegions), peer, commitService })
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
    if (!(e instanceof PeerUnavailable)) throw e
    if (!e.delivered) throw ownerUnreachable(e, 'coordinates this commit')
    return { kind: 'unknown', reason: `region ${e.peer}, which coordinates this commit, did not answer: ${unanswered(e)}` }
  }
}

/** What a client is told when a region its commit needs did not answer and nothing was written:
 * the region and its part in the commit, not the call that failed. */
function ownerUnreachable(e: PeerUnavailable, part: string): SqlError {
  return new SqlError('57P03', `cannot commit now: region ${e.peer}, which ${part}, did not answer (${unanswered(e)}); nothing was written`, {
    hint: 'Retry: a region that stays unreachable is failed over, and its keys move to a region still in.',
  })
}

/** Why a call to another region got no answer, in a client's words. */
function unanswered(e: PeerUnavailable): string {
  switch (e.reason) {
    case 'down':
      return e.delivered ? 'the link to it went down' : 'no link to it'
    case 'timeout':
      return 'no answer in time'
    case 'overloaded':
      return 'too many calls to it in flight'
    case 'closed':
      return 'this region is shutting down'
  }
}

/** Serves this region's adjudicators to the other regions (whichever set is current). */
export function serveAdjudicators(rpc: Rpc, adjudicators: SwitchingAdjudicators): void {
  // A forwarded commit goes through the switch like a local one, not straight to the current set:
  // a replacement must wait for it too. Otherwise the old set, still coordinating it, prepares its
  // keys at their old owner (another region, which never hears of the new owner's commits) while
  // the new set, its floor taken before this commit got its timestamp, commits the same keys: both
  // commit, and one update is lost.
  //
  // A forwarded commit is decided with this region's own owners, never forwarded again, and never
  // waits for a replacement (both refuse it, 57P03, nothing written): so a commit at a remote
  // owner waits on nothing remote but prepares, which never wait on a switch, and two regions
  // switching at once (or seeing ownership differently for a moment) cannot wait on each other.
  rpc.handle('adj.commit', (_from, payload) => adjudicators.commit(payload as CommitRequest, true))
  const current = () => adjudicators.current
  // A coordinator with an older view of ownership (a failover moved partitions) may name an
  // owner that is gone here: prepare then fails cleanly (the commit aborts, nothing reserved), and
  // there is nothing to finish.
  const owns = (id: string) => current().stats().some((s) => s.id === id)
  rpc.handle('adj.prepare', (_from, payload) => {
    const { ownerId: id, request } = payload as { ownerId: string; request: PrepareRequest }
    if (!owns(id)) throw cannotConnectNow(`adjudicator ${id} no longer owns partitions here (a failover moved them); retry`)
    return current().peer(id).prepare(request)
  })
  rpc.handle('adj.finish', async (_from, payload) => {
    const { ownerId: id, request } = payload as { ownerId: string; request: FinishRequest }
    if (owns(id)) await current().peer(id).finish(request)
    return null
  })
}

/**
 * The adjudicators of a region, replaceable when partitions change hands. A replacement waits
 * until every commit on the old set has ended (their outcomes are in the journals, so the new
 * set's floor, taken after, is above all of them) and holds new commits meanwhile.
 */
export class SwitchingAdjudicators {
  #current: Adjudicators
  #inFlight = 0
  #drained: (() => void) | undefined
  #switching: Promise<void> | undefined

  constructor(initial: Adjudicators) {
    this.#current = initial
  }

  get current(): Adjudicators {
    return this.#current
  }

  /** `forwarded` (from another region): refused rather than held while the set is replaced (see
   * `serveAdjudicators`), and never forwarded on. */
  async commit(request: CommitRequest, forwarded = false): Promise<CommitOutcome> {
    if (forwarded && this.#switching !== undefined) {
      throw new SqlError('57P03', 'cannot commit now: this region is handing its adjudicators over to a new set of partition owners; nothing was written', {
        hint: 'Retry: the switch lasts as long as the commits in flight on the old set.',
      })
    }
    while (this.#switching !== undefined) await this.#switching
    this.#inFlight++
    try {
      return await this.#current.commit(request, forwarded)
    } finally {
      if (--this.#inFlight === 0) this.#drained?.()
    }
  }

  peer(id: string): AdjudicatorPeer {
    return this.#current.peer(id)
  }

  /** Replaces the set with `build()` once the old one has no commit in flight. */
  async replace(build: () => Adjudicators): Promise<void> {
    while (this.#switching !== undefined) await this.#switching
    this.#switching = (async () => {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve))
      this.#drained = undefined
      this.#current.close()
      this.#current = build()
    })()
    try {
      await this.#switching
    } finally {
      this.#switching = undefined
    }
  }

  close(): void {
    this.#current.close()
  }
}
