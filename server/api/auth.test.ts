// Goal: tokens verify exactly when signed by the secret, unexpired and well formed; the cluster
// secret is created once and then read back. Method: a virtual clock and an in-memory disk.
import { describe, expect, test } from 'bun:test'
import { SimClock, SeededRandom } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { SqlError } from '../errors/index.ts'
import {
  TokenVerifier,
  createToken,
  loadOrCreateSecret,
  readSecret,
  requireRole,
  verifyToken,
} from './index.ts'

const secret = '01'.repeat(32)

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (e) {
    return e instanceof SqlError ? e.code : 'not a SqlError'
  }
  return undefined
}

describe('tokens', () => {
  test('a token carries its claims and expires after its ttl', () => {
    const clock = new SimClock(1_000_000)
    const token = createToken(secret, { role: 'admin', ttlMs: 15 * 60_000, sub: 'me' }, clock)
    expect(verifyToken(secret, token, clock)).toEqual({
      sub: 'me',
      role: 'admin',
      iat: 1000,
      exp: 1900,
    })
    clock.advance(15 * 60_000 - 1)
    expect(verifyToken(secret, token, clock).role).toBe('admin')
    clock.advance(1)
    expect(codeOf(() => verifyToken(secret, token, clock))).toBe('28000')
  })

  test('another secret, a changed payload or signature, or junk are refused with 28000', () => {
    const clock = new SimClock()
    const token = createToken(secret, { role: 'user', ttlMs: 60_000 }, clock)
    const [payload, signature] = token.split('.') as [string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const elevated = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'AB' : 'AA')
    for (const bad of [
      createToken('02'.repeat(32), { role: 'user', ttlMs: 60_000 }, clock),
      `${elevated}.${signature}`,
      `${payload}.${flipped}`,
      `${payload}.${signature}.x`,
      payload,
      '',
      '...',
      'not-a-token',
    ])
      expect(codeOf(() => verifyToken(secret, bad, clock))).toBe('28000')
  })

  test('only the canonical base64url spelling of a token verifies', () => {
    const clock = new SimClock()
    // '???' is base64 'Pz8/': the payload then has a character that differs between base64url
    // and standard base64.
    const token = createToken(secret, { role: 'user', ttlMs: 60_000, sub: '???' }, clock)
    const [payload, signature] = token.split('.') as [string, string]
    // A 32-byte signature is 43 characters; the last carries 2 unused bits.
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(signature.at(-1) ?? '')
    const sameBits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1]
    const standard = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/')
    expect(verifyToken(secret, token, clock).role).toBe('user')
    for (const bad of [
      `${token}!!`,
      `${token}=`,
      `${payload}.${signature.slice(0, 10)}*${signature.slice(10)}`,
      `${payload}.${signature.slice(0, -1)}${sameBits}`,
      `${payload}=.${signature}`,
      `${payload}.${signature} `,
      `${standard(payload)}.${standard(signature)}`,
    ]) {
      // Each decodes to the token's bytes under a lenient decoder.
      expect(bad).not.toBe(token)
      expect(codeOf(() => verifyToken(secret, bad, clock))).toBe('28000')
    }
  })

  test('requireRole: admin satisfies every role, user only user, auth off everything', () => {
    const claims = { sub: 's', iat: 0, exp: 1 }
    expect(codeOf(() => requireRole({ ...claims, role: 'admin' }, 'admin'))).toBeUndefined()
    expect(codeOf(() => requireRole({ ...claims, role: 'admin' }, 'user'))).toBeUndefined()
    expect(codeOf(() => requireRole({ ...claims, role: 'user' }, 'admin'))).toBe('42501')
    expect(codeOf(() => requireRole(null, 'admin'))).toBeUndefined()
  })
})

describe('cluster secret', () => {
  test('created once, then read back; readSecret does not create', async () => {
    const disk = new SimDisk()
    expect(readSecret(disk, '/data')).toBeUndefined()
    const first = await loadOrCreateSecret(disk, '/data', new SeededRandom(1))
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    expect(await loadOrCreateSecret(disk, '/data', new SeededRandom(2))).toBe(first)
    expect(readSecret(disk, '/data')).toBe(first)
  })

  test('a malformed secret file is an error, not a weak key', async () => {
    const disk = new SimDisk()
    disk.mkdirp('/data')
    await disk.writeFileAtomic('/data/cluster.secret', new TextEncoder().encode('short\n'))
    expect(codeOf(() => readSecret(disk, '/data'))).toBe('F0000')
  })
})

describe('TokenVerifier: cached verification', () => {
  // Goal: caching a verified token must not extend its life or let a bad token through.
  // Method: a SimClock moves past expiry between two uses of one token.
  test('a cached token still expires, and a bad one is refused every time', () => {
    const clock = new SimClock()
    const secret = 'a'.repeat(64)
    const verifier = new TokenVerifier(secret, clock, 2)
    const token = createToken(secret, { role: 'user', ttlMs: 60_000 }, clock)
    expect(verifier.verify(token).role).toBe('user')
    expect(verifier.verify(token).role).toBe('user')
    clock.advance(61_000)
    expect(() => verifier.verify(token)).toThrow(/expired/)
    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`
    for (let i = 0; i < 2; i++) expect(() => verifier.verify(forged)).toThrow(/signature/)
  })

})
