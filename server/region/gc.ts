// Storage garbage collection as a region runs it (docs/architecture.md "Garbage collection"): one
// bounded step of one shard per tick, the shards in turn, at the horizon of the transaction age
// limit. The deterministic simulation runs the same ticks.
import { RESERVATION_APPEND_MS_MAX } from '../adjudicator/index.ts'
import { tsFromMs, type Clock } from '../clock/index.ts'
import type { GcOptions, StorageShard } from '../storage/index.ts'
import { GC_DEAD_RANGE_SLACK_MS } from './constants.ts'

/** How GC steps read the time and how much one step may do (defaults in storage/constants.ts). */
export interface GcTickOptions extends Pick<GcOptions, 'versionsMax' | 'deadRowsMax'> {
  /** A wall clock that never steps back (`steadyWallClock`), the one the QP's age check reads. */
  readonly clock: Clock
  readonly txAgeMsMax: number
}

/** The body of one GC tick over `shards`: a bounded step of the next shard. */
export function gcTicker(shards: readonly StorageShard[], options: GcTickOptions): () => void {
  const { clock, txAgeMsMax, versionsMax, deadRowsMax } = options
  // A dead range waits past the frontier until no commit can still write there: one checked
  // within the age limit, or one prepared across owners before the drop that appends up to
  // RESERVATION_APPEND_MS_MAX later; plus slack (see GC_DEAD_RANGE_SLACK_MS).
  const deadWaitTs = tsFromMs(Math.max(txAgeMsMax, RESERVATION_APPEND_MS_MAX) + GC_DEAD_RANGE_SLACK_MS)
  const bounds = { ...(versionsMax === undefined ? {} : { versionsMax }), ...(deadRowsMax === undefined ? {} : { deadRowsMax }) }
  let next = 0
  return () => {
    const shard = shards[next] as StorageShard
    next = (next + 1) % shards.length
    // No transaction older than txAgeMsMax can commit or read, so none needs versions below it
    // (the wall clock, not the HLC: asking the HLC every step would make every begin ask the
    // journals to close, and the HLC is never behind the wall clock, so this horizon is lower).
    shard.gc(tsFromMs(clock.wallMs() - txAgeMsMax), { ...bounds, deadBelowTs: shard.frontier() - deadWaitTs })
  }
}
