// The on-disk form of a commit record (ARCHITECTURE.md "journal", step 4): a frame of payload
// length, CRC-32 of length and payload, and a JSON payload; checksummed on write and on read.
import type { HlcTimestamp } from '../clock/index.ts'
import { assert, SqlError } from '../errors/index.ts'
import { jsonStringBytes, type Write } from '../encoding/index.ts'
import { FRAME_HEADER_BYTES, RECORD_BYTES_MAX, RECORD_TX_ID_BYTES_MAX } from './constants.ts'
import { crc32 } from './crc32.ts'

/** A commit record as stored: the journal id is implied by the file it is in. */
export interface StoredRecord {
  readonly seq: number
  readonly commitTs: HlcTimestamp
  readonly txId: string
  readonly writes: readonly Write[]
}

/** What is found at an offset of a segment. */
export type FrameRead =
  | { readonly kind: 'record'; readonly record: StoredRecord; readonly end: number }
  /** The frame runs past the data: a torn tail, or a chunk that was read too short. */
  | { readonly kind: 'incomplete'; readonly frameBytes: number }
  /** Length out of range or checksum mismatch. */
  | { readonly kind: 'corrupt'; readonly reason: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** The payload bytes of a record; framing happens when a batch is laid out. Its size is bounded
 * by RECORD_ENVELOPE_BYTES_MAX and RECORD_BYTES_PER_WRITE (constants.ts), which count on the
 * txId's bound asserted here. */
export function encodePayload(record: StoredRecord): Uint8Array {
  assert(jsonStringBytes(record.txId) <= RECORD_TX_ID_BYTES_MAX, `txId of ${record.txId.length} characters`)
  const flat: (string | null)[] = new Array(record.writes.length * 2)
  for (let i = 0; i < record.writes.length; i++) {
    const w = record.writes[i]!
    flat[2 * i] = w.key
    flat[2 * i + 1] = w.value
  }
  return encoder.encode(JSON.stringify([record.seq, record.commitTs, record.txId, flat]))
}

/** Bytes a payload takes once framed. */
export const frameBytes = (payload: Uint8Array): number => FRAME_HEADER_BYTES + payload.byteLength

/** Writes the frame of `payload` into `out` at `offset`; returns the offset after it. */
export function writeFrame(out: Uint8Array, offset: number, payload: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  view.setUint32(offset, payload.byteLength, true)
  const lengthCrc = crc32(out.subarray(offset, offset + 4))
  view.setUint32(offset + 4, crc32(payload, lengthCrc), true)
  out.set(payload, offset + FRAME_HEADER_BYTES)
  return offset + FRAME_HEADER_BYTES + payload.byteLength
}

/** Checks the frame at `offset` of `data` without decoding it: its end, or -1 when it is bad. */
export function checkFrame(data: Uint8Array, offset: number): number {
  if (data.byteLength - offset < FRAME_HEADER_BYTES) return -1
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const length = view.getUint32(offset, true)
  const end = offset + FRAME_HEADER_BYTES + length
  if (length === 0 || length > RECORD_BYTES_MAX - FRAME_HEADER_BYTES || end > data.byteLength) {
    return -1
  }
  const payload = data.subarray(offset + FRAME_HEADER_BYTES, end)
  const crc = crc32(payload, crc32(data.subarray(offset, offset + 4)))
  return crc === view.getUint32(offset + 4, true) ? end : -1
}

/** Checks and decodes the frame at `offset` of `data`. */
export function readFrame(data: Uint8Array, offset: number): FrameRead {
  if (data.byteLength - offset < FRAME_HEADER_BYTES) {
    return { kind: 'incomplete', frameBytes: FRAME_HEADER_BYTES }
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const length = view.getUint32(offset, true)
  if (length === 0 || length > RECORD_BYTES_MAX - FRAME_HEADER_BYTES) {
    return { kind: 'corrupt', reason: `frame length ${length} out of range` }
  }
  const end = offset + FRAME_HEADER_BYTES + length
  if (end > data.byteLength) return { kind: 'incomplete', frameBytes: FRAME_HEADER_BYTES + length }
  const payload = data.subarray(offset + FRAME_HEADER_BYTES, end)
  const crc = crc32(payload, crc32(data.subarray(offset, offset + 4)))
  if (crc !== view.getUint32(offset + 4, true))
    return { kind: 'corrupt', reason: 'checksum mismatch' }
  return { kind: 'record', record: decodePayload(payload), end }
}

/** The journal's files hold something its own writer could not have produced. */
export const dataCorrupted = (message: string, detail?: string) =>
  new SqlError('XX001', message, { detail })

function decodePayload(payload: Uint8Array): StoredRecord {
  // The checksum matched, so a malformed payload was written like this: corruption, not a tear.
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(payload))
  } catch (e) {
    throw new SqlError('XX001', 'journal record has a valid checksum but cannot be parsed', {
      cause: e,
    })
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw malformed('not a 4-tuple')
  const [seq, commitTs, txId, flat] = parsed as unknown[]
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) throw malformed('bad seq')
  if (!Number.isSafeInteger(commitTs) || (commitTs as number) < 0) throw malformed('bad commitTs')
  if (typeof txId !== 'string') throw malformed('bad txId')
  if (!Array.isArray(flat) || flat.length % 2 !== 0) throw malformed('bad writes')
  const writes: Write[] = new Array(flat.length / 2)
  for (let i = 0; i < writes.length; i++) {
    const key: unknown = flat[2 * i]
    const value: unknown = flat[2 * i + 1]
    if (typeof key !== 'string' || (value !== null && typeof value !== 'string')) {
      throw malformed('bad write')
    }
    writes[i] = { key, value }
  }
  return { seq: seq as number, commitTs: commitTs as number, txId, writes }
}

const malformed = (what: string) =>
  dataCorrupted('journal record has a valid checksum but a malformed payload', what)
