// Journal replication between regions (ARCHITECTURE.md "Regions": "followers append, fsync and
// acknowledge; the quorum is a majority of regions"): the messages and the link they travel on.
import type { HlcTimestamp } from '../clock/index.ts'
import type { CommitRecord } from './index.ts'

/** What leaders and replicas of one journal say to each other. */
export type JournalMessage =
  /** Leader to replica: records in seq order, contiguous. */
  | { readonly type: 'journal.records'; readonly journalId: string; readonly records: readonly CommitRecord[] }
  /** Replica to leader: everything through `durableSeq` is on my disk. `resend` asks for the
   * records after it again (a gap, or a new connection). */
  | { readonly type: 'journal.ack'; readonly journalId: string; readonly durableSeq: number; readonly resend: boolean }
  /** Leader to replica: records through `committedSeq` are committed (a majority has them on
   * disk), and no record at or below `closedTs` will ever appear after them. Every region but the
   * receiver (the leader and each other replica) has the records through `heldElsewhereSeq` on
   * disk: a copy kept only for failovers (a witness's) no longer needs them. */
  | {
      readonly type: 'journal.commit'
      readonly journalId: string
      readonly committedSeq: number
      readonly committedTs: HlcTimestamp
      readonly closedTs: HlcTimestamp
      readonly heldElsewhereSeq?: number
    }
  /** Replica to leader: a reader here waits for `ts`; close it soon. */
  | { readonly type: 'journal.close'; readonly journalId: string; readonly ts: HlcTimestamp }

/** The way a journal reaches the other regions; `send` returns false when the message could not
 * be queued (link down or full): the protocol recovers from lost messages by itself. */
export interface ReplicationLink {
  send(to: string, message: JournalMessage): boolean
  /** Whether the link to `to` is up now. A leader refuses an append (57P03) while too few replicas
   * are reachable to make a quorum: nothing is written then, where an append that went out and
   * found no quorum has an unknown outcome (40003). */
  isUp(to: string): boolean
}

/** True for the messages this module handles. */
export const isJournalMessage = (message: { readonly type: string }): message is JournalMessage =>
  message.type.startsWith('journal.')
