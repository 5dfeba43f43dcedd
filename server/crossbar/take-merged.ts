// The merge step of the crossbar (ARCHITECTURE.md step 5): records of all journals at or below
// the merged frontier, in one total order by (commitTs, journalId).
import type { HlcTimestamp } from '../clock/index.ts'
import { assert } from '../errors/index.ts'

interface Mergeable {
  readonly commitTs: HlcTimestamp
  readonly journalId: string
}

export function takeMerged<T extends Mergeable>(queues: T[][], frontierTs: HlcTimestamp): T[] {
  const counts: number[] = new Array<number>(queues.length)
  let total = 0
  let only = -1
  for (let q = 0; q < queues.length; q++) {
    const queue = queues[q] as T[]
    let n = 0
    while (n < queue.length && (queue[n] as T).commitTs <= frontierTs) n++
    counts[q] = n
    total += n
    if (n > 0) only = only === -1 ? q : -2
  }
  if (total === 0) return []
  // One journal with records due (the common case of a busy journal and idle ones): no merge.
  if (only >= 0) return checkedOrder((queues[only] as T[]).splice(0, total))
  const out: T[] = new Array<T>(total)
  const at: number[] = new Array<number>(queues.length).fill(0)
  for (let i = 0; i < total; i++) {
    let best = -1
    let bestRecord: T | undefined
    for (let q = 0; q < queues.length; q++) {
      if ((at[q] as number) >= (counts[q] as number)) continue
      const r = (queues[q] as T[])[at[q] as number] as T
      if (bestRecord === undefined || before(r, bestRecord)) {
        best = q
        bestRecord = r
      }
    }
    out[i] = bestRecord as T
    at[best] = (at[best] as number) + 1
  }
  for (let q = 0; q < queues.length; q++) (queues[q] as T[]).splice(0, counts[q] as number)
  return checkedOrder(out)
}

function before(a: Mergeable, b: Mergeable): boolean {
  return a.commitTs < b.commitTs || (a.commitTs === b.commitTs && a.journalId < b.journalId)
}

/** A queue out of commitTs order would break the total order silently: check the output. */
function checkedOrder<T extends Mergeable>(records: T[]): T[] {
  for (let i = 1; i < records.length; i++) {
    const [a, b] = [records[i - 1] as T, records[i] as T]
    const at = (r: Mergeable) => `${r.journalId}@${r.commitTs}`
    assert(!before(b, a), `merge out of order: ${at(b)} after ${at(a)}`)
  }
  return records
}
