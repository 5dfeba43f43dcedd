// Hex helpers for the key encoding (ARCHITECTURE.md "Keys and rows"): keys are lowercase hex so
// that JS string order and SQLite BINARY collation both equal byte order.

/** `BYTE_HEX[b]` is the two lowercase hex digits of byte `b`. */
export const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  b.toString(16).padStart(2, '0'),
)

/** Lowercase hex of `bytes` (ids of transactions and jobs); for a 16-byte id a table lookup is
 * twice as fast as a Buffer. */
export function hex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i] as number] as string
  return out
}

/** The hex digit that is `15 - d` for hex digit `d` (one's complement of a nibble). */
const COMPLEMENT: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from({ length: 16 }, (_, d) => [d.toString(16), (15 - d).toString(16)]),
)

/** Nibble value of a hex character code, or -1 when it is not a lowercase hex digit. */
const NIBBLE = new Int8Array(128).fill(-1)
for (let d = 0; d < 16; d++) NIBBLE[d.toString(16).charCodeAt(0)] = d

/** The value of the hex digit at `i` of `s`, or -1 when absent or not a lowercase hex digit. */
export function nibbleAt(s: string, i: number): number {
  const c = s.charCodeAt(i)
  return c < 128 ? (NIBBLE[c] ?? -1) : -1
}

/** The byte whose two hex digits start at `i` of `s`, or -1 when they are not both hex digits. */
export function byteAt(s: string, i: number): number {
  const hi = nibbleAt(s, i)
  const lo = nibbleAt(s, i + 1)
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo
}

/** Complements every hex digit of `hex` (used for negative magnitudes, descending order). */
export function complementHex(hex: string): string {
  let out = ''
  for (let i = 0; i < hex.length; i++) out += COMPLEMENT[hex[i] as string]
  return out
}
