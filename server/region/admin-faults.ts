// Runtime fault injection (issue 3, "Fault injection"): an admin endpoint that sets the delay,
// jitter, loss or partition of this region's outgoing link to a peer, so tests and benches can
// change the network of a running cluster; and SQL faults (issue 5) that make the next requests
// answer 40001 or 40003, so client retry loops can be tested against a real server. Admin token.
import { Hono, type Context, type Next } from 'hono'
import { z } from 'zod'
import { errorBody, requireRole, sqlStateToHttpStatus, TokenVerifier, type Auth } from '../api/index.ts'
import type { Clock } from '../clock/index.ts'
import { commitOutcomeUnknown, invalidAuthorization, serializationFailure, SqlError, undefinedObject } from '../errors/index.ts'
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
  const app = new Hono()
  app.use('/v1/admin/faults', adminOnly(auth, clock))
  app.route('/', sqlFaultRoutes(auth, clock))
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
  app.onError(onError)
  return app
}

/** At most this many requests can be armed to fail at once. */
const SQL_FAULTS_COUNT_MAX = 1_000

const sqlFaultsSchema = z.discriminatedUnion('code', [
  z.strictObject({
    code: z.literal('40001'),
    count: z.number().int().min(0).max(SQL_FAULTS_COUNT_MAX),
    match: z.string().min(1).max(1_000).optional(),
  }),
  z.strictObject({
    code: z.literal('40003'),
    count: z.number().int().min(0).max(SQL_FAULTS_COUNT_MAX),
    landed: z.boolean(),
  }),
])

/**
 * `POST /v1/admin/faults/sql` (admin) arms injected SQL errors, in front of the api's routes:
 * `{code: '40001', count, match?}` fails the next `count` SQL requests (POST /v1/sql and
 * /v1/tx/:tx/sql) whose text contains `match` with 40001 before they run, as a conflict would;
 * `{code: '40003', count, landed}` answers the next `count` commits (POST /v1/tx/:tx/commit) with
 * 40003, after committing when `landed`, without running the commit otherwise (the transaction
 * stays open, as when the commit request was lost). A count of 0 disarms. `GET` shows what is
 * armed. For tests of client retry loops; nothing is armed unless an admin asks.
 */
export function sqlFaultRoutes(auth: Auth | null, clock: Clock): Hono {
  const armed = { conflicts: 0, match: undefined as string | undefined, unknownCommits: 0, landed: false }
  const app = new Hono()
  app.use('/v1/admin/faults/sql', adminOnly(auth, clock))
  app.get('/v1/admin/faults/sql', (c) => c.json(armed))
  app.post('/v1/admin/faults/sql', async (c) => {
    const parsed = sqlFaultsSchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new SqlError('08P01', `invalid request ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'malformed'}`)
    }
    if (parsed.data.code === '40001') Object.assign(armed, { conflicts: parsed.data.count, match: parsed.data.match })
    else Object.assign(armed, { unknownCommits: parsed.data.count, landed: parsed.data.landed })
    return c.json(armed)
  })
  const conflict = async (c: Context, next: Next) => {
    if (armed.conflicts > 0 && c.req.method === 'POST' && (armed.match === undefined || (await sqlTextOf(c)).includes(armed.match))) {
      armed.conflicts--
      throw serializationFailure('OC000', 'injected by POST /v1/admin/faults/sql')
    }
    await next()
  }
  app.use('/v1/sql', conflict)
  app.use('/v1/tx/:tx/sql', conflict)
  app.use('/v1/tx/:tx/commit', async (c, next) => {
    if (armed.unknownCommits === 0 || c.req.method !== 'POST') return next()
    armed.unknownCommits--
    if (armed.landed) {
      await next()
      if (c.res.status !== 200) return
    }
    c.res = undefined
    c.res = c.json(errorBody(commitOutcomeUnknown('injected by POST /v1/admin/faults/sql')), sqlStateToHttpStatus('40003'))
  })
  app.onError(onError)
  return app
}

/** The SQL text of a request to a SQL endpoint (every statement of a batch), read from a copy of
 * the body so the api still reads the original. */
async function sqlTextOf(c: Context): Promise<string> {
  const body = (await c.req.raw.clone().json().catch(() => undefined)) as { sql?: unknown; statements?: { sql?: unknown }[] } | undefined
  if (typeof body?.sql === 'string') return body.sql
  return Array.isArray(body?.statements) ? body.statements.map((s) => String(s?.sql)).join('\n') : ''
}

/** 401 without a token, 403 without the admin role (no check when auth is off). */
function adminOnly(auth: Auth | null, clock: Clock) {
  const verifier = auth === null ? null : new TokenVerifier(auth.secret, clock)
  return async (c: Context, next: Next) => {
    if (verifier !== null) {
      const header = c.req.header('Authorization') ?? ''
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
      if (token === undefined) throw invalidAuthorization()
      requireRole(verifier.verify(token), 'admin')
    }
    await next()
  }
}

function onError(error: Error, c: Context) {
  const e = error instanceof SqlError ? error : new SqlError('XX000', 'internal error')
  return c.json(errorBody(e), sqlStateToHttpStatus(e.code))
}
