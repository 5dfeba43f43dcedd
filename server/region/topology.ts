// The cluster's shape (ARCHITECTURE.md "Regions"): which regions exist, which are full and which
// are witnesses, where they listen, and the link faults a local cluster injects to look like a WAN.
import { z } from 'zod'
import { SqlError } from '../errors/index.ts'
import { CLOSED_LEAD_MS_MAX } from '../journal/index.ts'

const linkSchema = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  delayMs: z.number().min(0).max(60_000).optional(),
  jitterMs: z.number().min(0).max(60_000).optional(),
  loss: z.number().min(0).max(1).optional(),
})

const topologySchema = z.strictObject({
  regions: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
        role: z.enum(['full', 'witness']),
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(1).max(65_535),
      }),
    )
    .min(1)
    .max(16),
  /** The largest difference between two regions' clocks; commits wait it out. */
  clockErrorBoundMs: z.number().min(0).max(10_000).default(1),
  /** How far ahead of its clock a region's journals close (ms): set it above a quorum's round
   * trip plus the one-way delay between full regions and reads never wait for another region;
   * commits wait it out. Absent, it follows from the links' declared delays (0 when none is). */
  closedTimestampLeadMs: z.number().min(0).max(CLOSED_LEAD_MS_MAX).optional(),
  /** One-way faults per direction; a link listed once applies both ways. */
  links: z.array(linkSchema).default([]),
})

/** A parsed topology. */
export type Topology = z.infer<typeof topologySchema>
export type RegionSpec = Topology['regions'][number]
export type LinkSpec = z.infer<typeof linkSchema>

/** Parses and checks a topology (unique names, at least one full region, known link ends);
 * `basePort` renumbers the regions' ports from it in file order. Throws SqlError 22023. */
export function parseTopology(json: unknown, basePort?: number): Topology {
  const parsed = topologySchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new SqlError('22023', `bad topology: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  const topology = parsed.data
  const names = topology.regions.map((r) => r.name)
  if (new Set(names).size !== names.length) throw new SqlError('22023', 'bad topology: region names repeat')
  if (!topology.regions.some((r) => r.role === 'full')) throw new SqlError('22023', 'bad topology: no full region')
  for (const link of topology.links) {
    for (const end of [link.from, link.to]) {
      if (!names.includes(end)) throw new SqlError('22023', `bad topology: link names unknown region "${end}"`)
    }
  }
  if (basePort === undefined) return topology
  return { ...topology, regions: topology.regions.map((r, i) => ({ ...r, port: basePort + i })) }
}

/** The URL a region serves clients and peers at. */
export const regionUrl = (region: RegionSpec): string => `http://${region.host}:${region.port}`

/** Regions that must hold a commit record on disk: a majority of all regions. */
export const quorumOf = (topology: Topology): number => Math.floor(topology.regions.length / 2) + 1

/** The full regions, in file order: partitions and journals belong to them. */
export const fullRegions = (topology: Topology): RegionSpec[] => topology.regions.filter((r) => r.role === 'full')

/** The faults of the link from `from` to `to` (a link listed in one direction applies to both). */
export function linkFaults(topology: Topology, from: string, to: string): LinkSpec | undefined {
  return (
    topology.links.find((l) => l.from === from && l.to === to) ??
    topology.links.find((l) => l.from === to && l.to === from)
  )
}

/**
 * The closed-timestamp lead of the topology's journals (ms). A reader in another region can use a
 * closed timestamp only once it knows every record below it committed: a leader's record commits
 * after a quorum's round trip (to the nearest regions that make a majority with it, witnesses
 * included), and a reader learns it a link's delay later; heartbeats add their interval, and the
 * reader's snapshot may follow the fastest clock it heard of (up to an error bound ahead of its
 * own) while the leader's clock may be as far behind. A lead covering all of that, for the slowest
 * leader, means a snapshot at the reader's clock is closed already. Without an explicit
 * `closedTimestampLeadMs` it is derived so from the declared links (delay plus jitter; a link not
 * declared counts 0), and is 0 (no lead: readers ask and wait) when no link between full regions
 * declares a delay.
 */
export function closedLeadMsOf(topology: Topology, heartbeatMs: number): number {
  if (topology.closedTimestampLeadMs !== undefined) return topology.closedTimestampLeadMs
  const full = fullRegions(topology).map((r) => r.name)
  const oneWay = (a: string, b: string) => {
    const link = linkFaults(topology, a, b)
    return (link?.delayMs ?? 0) + (link?.jitterMs ?? 0)
  }
  const acks = quorumOf(topology) - 1
  let need = 0
  let slowestFull = 0
  for (const leader of full) {
    const others = topology.regions.filter((r) => r.name !== leader).map((r) => oneWay(leader, r.name)).sort((a, b) => a - b)
    const quorumRtt = acks === 0 ? 0 : 2 * (others[acks - 1] ?? 0)
    const toReaders = Math.max(0, ...full.filter((r) => r !== leader).map((r) => oneWay(leader, r)))
    slowestFull = Math.max(slowestFull, toReaders)
    need = Math.max(need, quorumRtt + toReaders)
  }
  if (slowestFull === 0) return 0
  return Math.min(CLOSED_LEAD_MS_MAX, need + heartbeatMs + 2 * topology.clockErrorBoundMs + 1)
}
