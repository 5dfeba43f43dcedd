// What `tessera start` writes to stderr besides its banner: the internal errors clients got a
// 500 for (docs/api.md "Errors": their details go to the server log, never to the client), and
// one line per significant change of the cluster (docs/architecture.md "Multi-region").
import { SqlError } from '../server/errors/index.ts'
import type { ClusterEvent } from '../server/region/index.ts'

/** Causes followed below an error: a cause chain is short, and a cyclic one must still end. */
const CAUSES_MAX = 5

/** One report of an internal error: the time, then its stack and its causes' stacks. */
export function internalErrorReport(error: unknown, atMs: number): string {
  const lines = [`${new Date(atMs).toISOString()} internal error (answered 500 XX000):`]
  let e: unknown = error
  for (let depth = 0; depth <= CAUSES_MAX && e !== undefined; depth++) {
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)
    const code = e instanceof SqlError ? ` [${e.code}]` : ''
    lines.push(`${depth === 0 ? '' : 'caused by: '}${text}${code}`)
    e = e instanceof Error ? e.cause : undefined
  }
  return `${lines.join('\n')}\n`
}

/** One line for a cluster event (the region folds flapping links and quorum changes, so these
 * stay a few lines per 10 s whatever happens); a disk event is the region's own, not the
 * cluster's. */
export function clusterEventLine(event: ClusterEvent, atMs: number): string {
  if (event.kind === 'disk') return `${new Date(atMs).toISOString()} disk: ${diskEventText(event)}\n`
  return `${new Date(atMs).toISOString()} cluster: ${clusterEventText(event)}\n`
}

function diskEventText(event: Extract<ClusterEvent, { kind: 'disk' }>): string {
  if (event.failing === undefined) return `every journal and storage shard writes again (it was: ${event.was ?? 'unknown'})`
  const hint = event.hint === undefined ? '' : ` ${event.hint}`
  return `${event.failing}; commits are refused until it can write, reads go on.${hint}`
}

function clusterEventText(event: Exclude<ClusterEvent, { kind: 'disk' }>): string {
  switch (event.kind) {
    case 'link':
      return `link to full region ${event.peer} ${event.up ? 'up' : 'down'}${folded(event.changes)}`
    case 'quorum':
      return event.reached
        ? `quorum reached: ${event.reachable} of ${event.regions} regions in reach (${event.quorum} needed)${folded(event.changes)}`
        : `quorum lost: ${event.reachable} of ${event.regions} regions in reach, ${event.quorum} needed; begins and new commits answer 57P03${folded(event.changes)}`
    case 'failed-over': {
      const seals = Object.entries(event.seals).map(([journal, seq]) => `${journal} at seq ${seq}`).join(', ')
      return event.self
        ? `this region (${event.region}) was failed over by ${event.by} while away (journals sealed: ${seals}); it serves without partitions of its own until they are handed back`
        : `region ${event.region} failed over by ${event.by} (journals sealed: ${seals})`
    }
    case 'took-over':
      return `took over ${event.partitions} partition${event.partitions === 1 ? '' : 's'} of region ${event.region}`
    case 'handed-back':
      return event.self
        ? `this region (${event.region}) leads journal generation ${event.generation} and owns its partitions again`
        : `region ${event.region} leads journal generation ${event.generation} and owns its partitions again`
  }
}

/** How many changes a line stands for, when more than one (a flapping link). */
const folded = (changes: number): string => (changes > 1 ? ` (${changes} changes since the last line)` : '')
