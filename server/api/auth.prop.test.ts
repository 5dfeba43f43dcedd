// Goal: a token verifies with its claims intact, and no single changed character of it verifies.
// Method: fast-check over roles, lifetimes, subjects and the position and value of the change.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { SimClock } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import { createToken, verifyToken } from './index.ts'

const secret = '5a'.repeat(32)
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'

test('tokens round-trip and resist any one-character change', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('admin' as const, 'user' as const),
      fc.integer({ min: 1000, max: 365 * 86_400_000 }),
      fc.string({ maxLength: 20 }),
      fc.nat(),
      fc.nat(alphabet.length - 1),
      (role, ttlMs, sub, at, replacement) => {
        const clock = new SimClock()
        const token = createToken(secret, { role, ttlMs, sub }, clock)
        expect(verifyToken(secret, token, clock)).toMatchObject({ role, sub })
        const i = at % token.length
        const changed = token.slice(0, i) + alphabet[replacement] + token.slice(i + 1)
        if (changed === token) return
        let verified = false
        try {
          verifyToken(secret, changed, clock)
          verified = true
        } catch (e) {
          expect(e instanceof SqlError && e.code === '28000').toBe(true)
        }
        // base64url's last character may carry unused bits; only a decoded change matters.
        if (verified)
          expect(Buffer.from(changed.split('.')[1] ?? '', 'base64url')).toEqual(
            Buffer.from(token.split('.')[1] ?? '', 'base64url'),
          )
      },
    ),
    { numRuns: 300 },
  )
})
