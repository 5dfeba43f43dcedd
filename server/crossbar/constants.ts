// Limits of the crossbar (ARCHITECTURE.md "crossbar", step 5): reads, queues and rounds are
// bounded.
import { assert } from '../errors/index.ts'

/** Records read from a journal per replay step, and records applied per storage transaction. */
export const BATCH_RECORDS_MAX = 1024
/** Bytes (the journal's `recordBytes`) read from a journal per replay step: 1,024 records of a
 * few rows are well under it; records of megabytes (a restart replaying rows of 3 MB) took 1.4 GB
 * of memory at once without it. */
export const BATCH_BYTES_MAX = 16 * 1024 * 1024
/** Records held above the merged frontier before a journal that runs ahead is no longer buffered
 * (its later records are re-read from the journal once the others catch up). */
export const PENDING_RECORDS_MAX = 65_536
/** The same bound in bytes (`recordBytes`), for large records. */
export const PENDING_BYTES_MAX = 64 * 1024 * 1024
/** Read-and-apply rounds per closed-timestamp event; the next event continues the catch-up. */
export const PUMP_ROUNDS_MAX = 64

/** Journals with due records from which the merge keeps their heads in a heap (O(log n) a
 * record) rather than scanning every head (O(n) a record, cheaper for a handful). */
export const MERGE_HEAP_QUEUES_MIN = 6

assert(BATCH_RECORDS_MAX >= 1, 'a batch holds at least one record')
assert(PENDING_RECORDS_MAX >= BATCH_RECORDS_MAX, 'a replay batch fits in the pending bound')
assert(PENDING_BYTES_MAX >= BATCH_BYTES_MAX, 'a replay batch fits in the pending bound')
assert(MERGE_HEAP_QUEUES_MIN >= 2, 'a heap merges at least two queues')
assert(PUMP_ROUNDS_MAX >= 1, 'a closed timestamp runs at least one round')
