// Goal: a token verifies with its claims intact, and no single changed or inserted character of it
// verifies, even one that decodes to the same bytes (base64url's unused bits, characters outside
// its alphabet). Method: fast-check over roles, lifetimes, subjects and the position and value of
// the change.
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { SimClock } from '../clock/index.ts'
import { SqlError } from '../errors/index.ts'
import { createToken, verifyToken } from './index.ts'

const secret = '5a'.repeat(32)
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=!*~'

test('tokens round-trip and resist any one-character change or insertion', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('admin' as const, 'user' as const),
      fc.integer({ min: 1000, max: 365 * 86_400_000 }),
      fc.string({ maxLength: 20 }),
      fc.nat(),
      fc.nat(alphabet.length - 1),
      fc.boolean(),
      (role, ttlMs, sub, at, replacement, insert) => {
        const clock = new SimClock()
        const token = createToken(secret, { role, ttlMs, sub }, clock)
        expect(verifyToken(secret, token, clock)).toMatchObject({ role, sub })
        const i = at % (token.length + 1)
        const changed = token.slice(0, i) + alphabet[replacement] + token.slice(insert ? i : i + 1)
        if (changed === token) return
        let error: unknown
        try {
          verifyToken(secret, changed, clock)
        } catch (e) {
          error = e
        }
        expect(error instanceof SqlError && error.code === '28000').toBe(true)
      },
    ),
    { numRuns: 300 },
  )
})
