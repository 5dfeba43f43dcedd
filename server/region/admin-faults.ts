// Runtime fault injection (issue 3, "Fault injection"): an admin endpoint that sets the delay,
// jitter, loss or partition of this region's outgoing link to a peer, so tests and benches can
// change the network of a running cluster. Guarded by an admin token.
import { Hono } from 'hono'
import { z } from 'zod'
import { errorBody, requireRole, sqlStateToHttpStatus, TokenVerifier, type Auth } from '../api/index.ts'
import type { Clock } from '../clock/index.ts'
import { invalidAuthorization, SqlError, undefinedObject } from '../errors/index.ts'
import type { LinkFaults } from '../net/index.ts'

/** The links an admin may change: this region's outgoing side of each. */
export interface FaultControl {
  readonly peers: readonly string[]
  get(peer: string): LinkFaults
  set(peer: string, faults: LinkFaults): void
}

const faultsSchema = z.strictObject({
  peer: z.string().min(1),
  delayMs: z.number().min(0).max(60_000).optional(),
  jitterMs: z.number().min(0).max(60_000).optional(),
  loss: z.number().min(0).max(1).optional(),
  partitioned: z.boolean().optional(),
})

/** `GET /v1/admin/faults` lists every link's faults; `POST` sets one link's (fields left out
 * clear that fault). 401 without a token, 403 without the admin role. */
export function faultRoutes(control: FaultControl, auth: Auth | null, clock: Clock): Hono {
  const verifier = auth === null ? null : new TokenVerifier(auth.secret, clock)
  const app = new Hono()
  app.use('/v1/admin/faults', async (c, next) => {
    if (verifier !== null) {
      const header = c.req.header('Authorization') ?? ''
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
      if (token === undefined) throw invalidAuthorization()
      requireRole(verifier.verify(token), 'admin')
    }
    await next()
  })
  app.get('/v1/admin/faults', (c) => c.json({ links: control.peers.map((peer) => ({ peer, ...control.get(peer) })) }))
  app.post('/v1/admin/faults', async (c) => {
    const parsed = faultsSchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new SqlError('08P01', `invalid request ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'malformed'}`)
    }
    const { peer, ...faults } = parsed.data
    if (!control.peers.includes(peer)) throw undefinedObject('region', peer)
    control.set(peer, faults)
    return c.json({ peer, ...control.get(peer) })
  })
  app.onError((error, c) => {
    const e = error instanceof SqlError ? error : new SqlError('XX000', 'internal error')
    return c.json(errorBody(e), sqlStateToHttpStatus(e.code))
  })
  return app
}
