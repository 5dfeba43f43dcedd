// The merge step of the crossbar (ARCHITECTURE.md step 5): records of all journals at or below
// the merged frontier, in one total order by (commitTs, journalId).
import type { HlcTimestamp } from '../clock/index.ts'
import { assert } from '../errors/index.ts'
import { MERGE_HEAP_QUEUES_MIN } from './constants.ts'

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
  const out =
    dueQueues(counts) >= MERGE_HEAP_QUEUES_MIN
      ? heapMerge(queues, counts, total)
      : scanMerge(queues, counts, total)
  for (let q = 0; q < queues.length; q++) (queues[q] as T[]).splice(0, counts[q] as number)
  return checkedOrder(out)
}

function dueQueues(counts: readonly number[]): number {
  let n = 0
  for (const c of counts) if (c > 0) n++
  return n
}

/** Few queues: a scan of every head per record is cheapest. */
function scanMerge<T extends Mergeable>(queues: T[][], counts: number[], total: number): T[] {
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
  return out
}

/**
 * Many queues (a backlog drained after a slow journal resumes, with every journal holding due
 * records): a binary min-heap of queue heads, so a record costs O(log queues), not O(queues).
 */
function heapMerge<T extends Mergeable>(queues: T[][], counts: number[], total: number): T[] {
  const out: T[] = new Array<T>(total)
  const at: number[] = new Array<number>(queues.length).fill(0)
  const heap: number[] = []
  const head = (q: number) => (queues[q] as T[])[at[q] as number] as T
  const less = (a: number, b: number) => before(head(a), head(b))
  const siftDown = (from: number) => {
    let i = from
    for (;;) {
      const l = 2 * i + 1
      if (l >= heap.length) return
      const r = l + 1
      const c = r < heap.length && less(heap[r] as number, heap[l] as number) ? r : l
      if (!less(heap[c] as number, heap[i] as number)) return
      const swap = heap[i] as number
      heap[i] = heap[c] as number
      heap[c] = swap
      i = c
    }
  }
  for (let q = 0; q < queues.length; q++) if ((counts[q] as number) > 0) heap.push(q)
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i)
  for (let i = 0; i < total; i++) {
    const q = heap[0] as number
    out[i] = head(q)
    at[q] = (at[q] as number) + 1
    if ((at[q] as number) >= (counts[q] as number)) {
      const last = heap.pop() as number
      if (heap.length === 0) break
      heap[0] = last
    }
    siftDown(0)
  }
  return out
}

function before(a: Mergeable, b: Mergeable): boolean {
  return a.commitTs < b.commitTs || (a.commitTs === b.commitTs && a.journalId < b.journalId)
}

/** A queue out of commitTs order would break the total order silently: check the output. */
function checkedOrder<T extends Mergeable>(records: T[]): T[] {
  for (let i = 1; i < records.length; i++) {
    const [a, b] = [records[i - 1] as T, records[i] as T]
    if (before(b, a)) {
      const at = (r: Mergeable) => `${r.journalId}@${r.commitTs}`
      assert(false, `merge out of order: ${at(b)} after ${at(a)}`)
    }
  }
  return records
}
