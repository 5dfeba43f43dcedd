// Authentication of the api (ARCHITECTURE.md "api": auth): bearer tokens signed with HMAC-SHA256
// by the cluster secret, so any region of the cluster can check any token without a round trip.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import type { Clock, Random } from '../clock/index.ts'
import type { Disk } from '../disk/index.ts'
import { SqlError, assert, insufficientPrivilege, invalidAuthorization } from '../errors/index.ts'
import { SECRET_BYTES, SECRET_FILE, VERIFIED_TOKENS_MAX } from './constants.ts'

/** What a token allows: `admin` also reaches the admin endpoints. */
export type Role = 'admin' | 'user'

/** The signed claims of a token. Times are Unix seconds. */
export interface TokenClaims {
  readonly sub: string
  readonly role: Role
  readonly iat: number
  readonly exp: number
}

const claimsSchema = z.strictObject({
  sub: z.string(),
  role: z.enum(['admin', 'user']),
  iat: z.number().int(),
  exp: z.number().int(),
})

const sign = (secret: string, payload: string): Buffer =>
  createHmac('sha256', secret).update(payload).digest()

/** A token: base64url(JSON claims) + '.' + base64url(HMAC-SHA256 of the first part). */
export function createToken(
  secret: string,
  options: { readonly role: Role; readonly ttlMs: number; readonly sub?: string },
  clock: Clock,
): string {
  const iat = Math.floor(clock.wallMs() / 1000)
  const claims: TokenClaims = {
    sub: options.sub ?? 'tessera',
    role: options.role,
    iat,
    exp: iat + Math.max(1, Math.ceil(options.ttlMs / 1000)),
  }
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${payload}.${sign(secret, payload).toString('base64url')}`
}

/** The claims of a valid, unexpired token; throws 28000 for anything else. */
export function verifyToken(secret: string, token: string, clock: Clock): TokenClaims {
  const [payload, signature, extra] = token.split('.')
  if (payload === undefined || signature === undefined || extra !== undefined)
    throw invalidAuthorization('malformed bearer token')
  const expected = sign(secret, payload)
  const given = decodeBase64url(signature)
  if (given === undefined || given.length !== expected.length || !timingSafeEqual(given, expected))
    throw invalidAuthorization('bad bearer token signature')
  const claimsBytes = decodeBase64url(payload)
  if (claimsBytes === undefined) throw invalidAuthorization('malformed bearer token')
  let json: unknown
  try {
    json = JSON.parse(claimsBytes.toString('utf8'))
  } catch {
    throw invalidAuthorization('malformed bearer token')
  }
  const claims = claimsSchema.safeParse(json)
  if (!claims.success) throw invalidAuthorization('malformed bearer token claims')
  if (claims.data.exp <= clock.wallMs() / 1000) throw invalidAuthorization('bearer token expired')
  return claims.data
}

/** Canonical base64url (no padding, only `A-Z a-z 0-9 - _`, unused low bits zero), as
 * createToken writes it; else undefined. Node's decoder skips characters it does not know and
 * ignores the unused bits, so without this check many spellings of one token would all verify. */
function decodeBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

/**
 * `verifyToken` with a bounded memory of tokens already verified: clients send the same token on
 * every request, and the HMAC plus decoding is a large share of a point query's cost. A cached
 * token is still checked for expiry on every use; the cache forgets the oldest entries first.
 */
export class TokenVerifier {
  readonly #secret: string
  readonly #clock: Clock
  readonly #entriesMax: number
  readonly #verified = new Map<string, TokenClaims>()

  constructor(secret: string, clock: Clock, entriesMax = VERIFIED_TOKENS_MAX) {
    this.#secret = secret
    this.#clock = clock
    this.#entriesMax = entriesMax
  }

  /** The claims of a valid, unexpired token; throws 28000 for anything else. */
  verify(token: string): TokenClaims {
    const known = this.#verified.get(token)
    if (known !== undefined) {
      if (known.exp > this.#clock.wallMs() / 1000) return known
      this.#verified.delete(token)
    }
    const claims = verifyToken(this.#secret, token, this.#clock)
    if (this.#verified.size >= this.#entriesMax) {
      const oldest = this.#verified.keys().next()
      if (!oldest.done) this.#verified.delete(oldest.value)
    }
    this.#verified.set(token, claims)
    return claims
  }
}

/** Throws 42501 unless `claims` carry `role` (admin satisfies every role). */
export function requireRole(claims: TokenClaims | null, role: Role): void {
  // Auth off (null claims) means every caller is trusted.
  if (claims === null || claims.role === 'admin' || claims.role === role) return
  throw insufficientPrivilege(`this endpoint needs the ${role} role`)
}

/** The cluster secret at `dir/cluster.secret`, or undefined when the file does not exist. */
export function readSecret(disk: Disk, dir: string): string | undefined {
  const bytes = disk.readFile(`${dir}/${SECRET_FILE}`)
  if (bytes === undefined) return undefined
  const secret = new TextDecoder().decode(bytes).trim()
  if (!/^[0-9a-f]{32,}$/.test(secret))
    throw new SqlError('F0000', `malformed cluster secret in ${dir}/${SECRET_FILE}`)
  return secret
}

/**
 * The cluster secret at `dir/cluster.secret`, created (32 random bytes, hex) on first call. The
 * file is written atomically and durably, so a crash never leaves a half secret behind.
 */
export async function loadOrCreateSecret(disk: Disk, dir: string, random: Random): Promise<string> {
  const existing = readSecret(disk, dir)
  if (existing !== undefined) return existing
  const secret = Buffer.from(random.bytes(SECRET_BYTES)).toString('hex')
  disk.mkdirp(dir)
  // Regions of a local cluster may start together on one directory: one creates the secret, the
  // others read it.
  if (await disk.createFileExclusive(`${dir}/${SECRET_FILE}`, new TextEncoder().encode(`${secret}\n`))) return secret
  const created = readSecret(disk, dir)
  assert(created !== undefined, 'a secret created by another process is readable')
  return created
}
