// Journal recovery at open (ARCHITECTURE.md "journal"): scan every segment, verify every frame,
// cut a torn or corrupt tail of the last segment, and refuse damage anywhere before it.
import type { HlcTimestamp } from '../clock/index.ts'
import type { Disk, DiskFile } from '../disk/index.ts'
import {
  FRAME_HEADER_BYTES,
  READ_INDEX_STRIDE,
  READ_RETRIES_MAX,
  SEGMENT_NAME_DIGITS,
} from './constants.ts'
import type { RecentRecords } from './recent-records.ts'
import { dataCorrupted, readFrame, type StoredRecord } from './record-frame.ts'

/** One segment file; `durableBytes` is how much of it holds verified, durable frames. */
export interface Segment {
  readonly firstSeq: number
  readonly path: string
  durableBytes: number
}

/** A sparse position: record `seq` starts at `offset` of `segments[segment]`. */
export interface IndexEntry {
  readonly seq: number
  readonly segment: number
  readonly offset: number
}

/** What the files hold after recovery. */
export interface Recovered {
  readonly segments: Segment[]
  /** Has an entry for each segment's first record and every READ_INDEX_STRIDE-th seq. */
  readonly index: IndexEntry[]
  readonly lastSeq: number
  readonly lastCommitTs: HlcTimestamp
  /** Bytes cut from the tail of the last segment (a torn or corrupt tail); 0 when clean. */
  readonly cutBytes: number
}

const SEGMENT_NAME = new RegExp(`^\\d{${SEGMENT_NAME_DIGITS}}\\.seg$`)

/** The file name of the segment whose first record is `firstSeq`. */
export const segmentName = (firstSeq: number): string =>
  `${String(firstSeq).padStart(SEGMENT_NAME_DIGITS, '0')}.seg`

/**
 * Scans the segments in `dir`. The tail of the last segment may be torn by a crash (the journal
 * has at most one unsynced batch, always at the end); damage anywhere else, or a valid record
 * after the damage, means synced data changed, and recovery throws SqlError XX001. Every valid
 * record is pushed to `recent` (which keeps the newest, within its bounds) as it is read.
 */
export function recoverSegments(disk: Disk, dir: string, journalId: string, recent: RecentRecords): Recovered {
  const names = disk.list(dir).filter((n) => SEGMENT_NAME.test(n))
  const state: ScanState = {
    journalId,
    segments: [],
    index: [],
    recent,
    lastSeq: 0,
    lastCommitTs: 0,
    cutBytes: 0,
  }
  // Segments before the first file were truncated once every shard had applied them durably.
  const first = names[0]
  if (first !== undefined) state.lastSeq = Number(first.slice(0, SEGMENT_NAME_DIGITS)) - 1
  names.forEach((name, i) => {
    const isLast = i === names.length - 1
    const path = `${dir}/${name}`
    const firstSeq = Number(name.slice(0, SEGMENT_NAME_DIGITS))
    const file = disk.open(path)
    try {
      const durableBytes = scanSegment(state, file, firstSeq, isLast, path)
      if (durableBytes > 0) state.segments.push({ firstSeq, path, durableBytes })
      else if (!isLast) throw dataCorrupted(`journal ${journalId}: empty segment ${path}`)
    } finally {
      file.close()
    }
    // A segment created just before a crash, or one whose only batch was torn, holds nothing.
    if (isLast && state.segments.at(-1)?.path !== path) disk.remove(path)
  })
  return state
}

interface ScanState {
  readonly journalId: string
  readonly segments: Segment[]
  readonly index: IndexEntry[]
  /** Takes the newest records, as many as its bounds allow. */
  readonly recent: RecentRecords
  lastSeq: number
  lastCommitTs: HlcTimestamp
  cutBytes: number
}

/** Scans one segment; returns the length of its valid prefix (after cutting a torn tail). */
function scanSegment(
  state: ScanState,
  file: DiskFile,
  firstSeq: number,
  isLast: boolean,
  path: string,
): number {
  const size = file.size()
  let data = file.read(0, size)
  let pos = 0
  let retries = 0
  while (pos < size) {
    const found = readFrame(data, pos)
    if (found.kind === 'record') {
      if (pos === 0 && found.record.seq !== firstSeq) {
        throw dataCorrupted(`journal ${state.journalId}: ${path} starts at seq ${found.record.seq}`)
      }
      accept(state, found.record, pos)
      pos = found.end
      continue
    }
    // A transient bad read looks like corruption; only a repeatable failure is real.
    if (retries < READ_RETRIES_MAX) {
      retries++
      data = file.read(0, size)
      continue
    }
    const reason = found.kind === 'corrupt' ? found.reason : 'frame runs past the end'
    if (!isLast || laterRecordExists(data, pos + 1, state.lastSeq)) {
      throw dataCorrupted(
        `journal ${state.journalId}: damaged record after seq ${state.lastSeq} in ${path}`,
        `${reason} at offset ${pos}, followed by valid data`,
      )
    }
    file.truncate(pos)
    state.cutBytes = size - pos
    break
  }
  return pos
}

function accept(state: ScanState, record: StoredRecord, offset: number): void {
  const expected = state.lastSeq + 1
  if (record.seq !== expected || record.commitTs <= state.lastCommitTs) {
    throw dataCorrupted(
      `journal ${state.journalId}: record out of order`,
      `seq ${record.seq} (expected ${expected}), commitTs ${record.commitTs} after ${state.lastCommitTs}`,
    )
  }
  if (offset === 0 || record.seq % READ_INDEX_STRIDE === 0) {
    state.index.push({ seq: record.seq, segment: state.segments.length, offset })
  }
  state.recent.push({ journalId: state.journalId, ...record })
  state.lastSeq = record.seq
  state.lastCommitTs = record.commitTs
}

/** Whether a valid frame of a record after `lastSeq` starts anywhere at or after `from`. */
function laterRecordExists(data: Uint8Array, from: number, lastSeq: number): boolean {
  for (let offset = from; offset + FRAME_HEADER_BYTES <= data.byteLength; offset++) {
    let found
    try {
      found = readFrame(data, offset)
    } catch {
      // A checksum that matches by accident over garbage, with an unparsable payload: not a record.
      continue
    }
    if (found.kind === 'record' && found.record.seq > lastSeq) return true
  }
  return false
}
