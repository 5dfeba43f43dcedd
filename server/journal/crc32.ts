// Checksums for journal frames (ARCHITECTURE.md "journal": each record is checksummed when
// written and when read). CRC-32 (IEEE, as zlib), native where the runtime has it.
import * as zlib from 'node:zlib'

type Crc32 = (data: Uint8Array, initial?: number) => number

/** Table-driven CRC-32 for runtimes without `zlib.crc32` (Node < 20.15); same results. */
export function crc32Portable(data: Uint8Array, initial = 0): number {
  let crc = ~initial
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

const TABLE = (() => {
  const table = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c
  }
  return table
})()

const native = (zlib as { crc32?: Crc32 }).crc32

/** CRC-32 of `data`, continuing from `initial` (the CRC of the bytes before it). */
export const crc32: Crc32 = typeof native === 'function' ? native : crc32Portable
