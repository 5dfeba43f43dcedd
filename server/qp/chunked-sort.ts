// Sorting that a statement in slices can pause (ARCHITECTURE.md "query processor": execute): one
// sort call of a million rows held the thread for over a second, so more than SORT_CHUNK_ROWS
// items are sorted in chunks, a pause possible between them, and merged over a heap. Ties keep
// the input order, as one stable sort would. ORDER BY reads the merge as a stream (a LIMIT stops
// it early); a window function's partition takes it whole.
import { SORT_CHUNK_ROWS } from './constants.ts'
import { PAUSE, type ExecContext, type Pause } from './executor.ts'

/** `items` in `compare` order as a stream: sorted in place in one call when they fit a chunk;
 * else as they are when they already are in order (a scan in key order under a window's ORDER BY
 * of that key), or chunk by chunk and merged as they are read. */
export function* sortedPausing<T>(ctx: ExecContext, items: T[], compare: (a: T, b: T) => number): Generator<T | Pause> {
  if (items.length <= SORT_CHUNK_ROWS) {
    yield* items.sort(compare)
    return
  }
  if (yield* inOrder(ctx, items, compare)) yield* items
  else yield* inChunks(ctx, items, compare)
}

/** `items` in `compare` order, as a new array when they span chunks (see `sortedPausing`). */
export function* sortPausing<T>(ctx: ExecContext, items: T[], compare: (a: T, b: T) => number): Generator<Pause, T[]> {
  if (items.length <= SORT_CHUNK_ROWS) return items.sort(compare)
  if (yield* inOrder(ctx, items, compare)) return items
  const out: T[] = []
  for (const item of inChunks(ctx, items, compare)) {
    if (item === PAUSE) yield PAUSE
    else out.push(item as T)
  }
  return out
}

/** `items` sorted chunk by chunk, a pause possible between chunks, and merged as they are read. */
function* inChunks<T>(ctx: ExecContext, items: T[], compare: (a: T, b: T) => number): Generator<T | Pause> {
  const chunks: T[][] = []
  for (let at = 0; at < items.length; at += SORT_CHUNK_ROWS) {
    chunks.push(items.slice(at, at + SORT_CHUNK_ROWS).sort(compare))
    ctx.interrupt()
    if (ctx.pauseDue) yield PAUSE
  }
  yield* mergeChunks(ctx, chunks, compare)
}

/** Whether `items` are in `compare` order already: one pass, stopping at the first pair out of
 * order (n - 1 comparisons against a sort's n log n when they are). */
function* inOrder<T>(ctx: ExecContext, items: readonly T[], compare: (a: T, b: T) => number): Generator<Pause, boolean> {
  for (let i = 1; i < items.length; i++) {
    if (compare(items[i - 1] as T, items[i] as T) > 0) return false
    if (ctx.tick()) yield PAUSE
  }
  return true
}

/** The items of sorted `chunks` in one order: a k-way merge over a binary heap of the chunks'
 * heads, the earlier chunk first among equal items. */
function* mergeChunks<T>(ctx: ExecContext, chunks: readonly T[][], compare: (a: T, b: T) => number): Generator<T | Pause> {
  const at = new Array<number>(chunks.length).fill(0)
  const heap = chunks.map((_, c) => c)
  const before = (a: number, b: number) => {
    const order = compare(chunks[a]![at[a]!]!, chunks[b]![at[b]!]!)
    return order < 0 || (order === 0 && a < b)
  }
  const down = (from: number) => {
    for (let i = from; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let top = i
      if (l < heap.length && before(heap[l]!, heap[top]!)) top = l
      if (r < heap.length && before(heap[r]!, heap[top]!)) top = r
      if (top === i) return
      ;[heap[i], heap[top]] = [heap[top]!, heap[i]!]
      i = top
    }
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i)
  while (heap.length > 0) {
    const c = heap[0]!
    yield chunks[c]![at[c]!]!
    if (++at[c]! === chunks[c]!.length) {
      heap[0] = heap[heap.length - 1]!
      heap.pop()
    }
    if (heap.length > 0) down(0)
    if (ctx.tick()) yield PAUSE
  }
}
