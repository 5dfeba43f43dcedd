// Peer authentication (ARCHITECTURE.md "net"): both ends of a link prove they hold the cluster
// secret with an HMAC over the other end's fresh nonce, so a recorded handshake cannot be replayed.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** The dialer's proof: it is `from`, dialing `to`, answering the acceptor's `nonce`. */
export function helloMac(secret: string, from: string, to: string, nonce: string): string {
  return mac(secret, `peer:${from}:${to}:${nonce}`)
}

/** The acceptor's proof: it is `acceptor`, answering the dialer `dialer`'s `nonce`. */
export function welcomeMac(
  secret: string,
  acceptor: string,
  dialer: string,
  nonce: string,
): string {
  return mac(secret, `welcome:${acceptor}:${dialer}:${nonce}`)
}

/** Compares two MACs in time independent of where they differ. */
export function macEquals(expected: string, got: unknown): boolean {
  if (typeof got !== 'string') return false
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(got, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex')
}
