// Records shipped between regions (ARCHITECTURE.md "Regions": journals replicate over
// WebSockets): as many as one network message may carry, and always at least one.
import type { CommitRecord } from './index.ts'
import { RECORD_MESSAGE_BYTES_PER_WRITE, RECORD_MESSAGE_HEADER_BYTES, REPLICATION_LIMITS } from './constants.ts'

/**
 * The longest prefix of `records` (at least its first) whose bytes in a JSON message, bounded
 * above by `recordMessageBytesMax`, add up to REPLICATION_LIMITS.messageBytesMax at most. Every
 * batch of records that leaves a region (`localRecords` of a leader or a replica: what a replica is
 * sent, what a seal's fetch is answered) is taken through here: a batch counted only in records
 * could exceed what the network carries, and would be refused at every try.
 */
export function recordsForMessage(records: readonly CommitRecord[]): readonly CommitRecord[] {
  let bytes = 0
  for (let n = 0; n < records.length; n++) {
    bytes += recordMessageBytesMax(records[n] as CommitRecord)
    if (bytes > REPLICATION_LIMITS.messageBytesMax && n > 0) return records.slice(0, n)
  }
  return records
}

/** An upper bound of the UTF-8 bytes `record` takes in a JSON message: a string's escaped form
 * takes at most 6 bytes per UTF-16 unit (`\u0001`, a lone surrogate; a BMP character outside
 * ASCII takes 3). Generous for plain text, which only packs big records fewer to a message. */
export function recordMessageBytesMax(record: CommitRecord): number {
  let bytes = RECORD_MESSAGE_HEADER_BYTES + record.txId.length + record.journalId.length
  for (const w of record.writes) {
    bytes += RECORD_MESSAGE_BYTES_PER_WRITE + w.key.length + (w.value === null ? 4 : 2 + 6 * w.value.length)
  }
  return bytes
}
