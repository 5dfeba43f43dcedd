// Runtime fault injection (issue 3, "Fault injection"): an admin endpoint that sets the delay,
// jitter, loss or partition of this region's outgoing link to a peer, so tests and benches can
// change the network of a running cluster; and SQL faults (issue 5) that make the next requests
// answer 40001 or 40003, so client retry loops can be tested against a real server. Admin token.
import { Hono, type Context, type Next } from 'hono'
import { z } from 'zod'
import {
  errorBody,
  requireRole,
  sqlStateToHttpStatus,
  toSqlError,
  TokenVerifier,
  unroutedResponse,
  type Auth,
  type CommitAnswer,
  type SqlFaults,
  type StatementRequest,
} from '../api/index.ts'
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
 * clear that fault). 401 without a token, 403 without the admin role. The SQL fault switch
 * (`sqlFaultRoutes`) comes with it. */
export function faultRoutes(
  control: FaultControl,
  armed: ArmedSqlFaults,
  auth: Auth | null,
  clock: Clock,
  onInternalError?: (error: unknown) => void,
): Hono {
  const app = new Hono()
  app.use('/v1/admin/faults', adminOnly(auth, clock))
  app.route('/', sqlFaultRoutes(armed, auth, clock, onInternalError))
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
  app.all('/v1/admin/faults', (c) => unroutedResponse(c.req.method, c.req.path, ['GET', 'POST']))
  app.onError(onError(onInternalError))
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
 * The SQL errors an admin armed, which the api consults (api/index.ts `SqlFaults`) only for
 * requests that would otherwise run, so a request refused for its token, its body, an unknown
 * transaction or a failed one never uses one up: the next `conflicts` SQL requests (POST /v1/sql
 * and /v1/tx/:tx/sql) whose text contains `match` fail with 40001 before they run, as a conflict
 * in a statement would (an interactive transaction is then failed: later statements 25P02,
 * commit 25P02 and rolled back); the next `unknownCommits` commits answer 40003, after committing
 * when `landed`, without committing otherwise (the transaction stays open, as when the commit
 * request was lost).
 */
export class ArmedSqlFaults implements SqlFaults {
  conflicts = 0
  match: string | undefined = undefined
  unknownCommits = 0
  landed = false

  beforeStatements(statements: readonly StatementRequest[]): void {
    if (this.conflicts === 0) return
    const match = this.match
    if (match !== undefined && !statements.some((s) => s.sql.includes(match))) return
    this.conflicts--
    throw serializationFailure('OC000', 'injected by POST /v1/admin/faults/sql')
  }

  async aroundCommit(commit: () => Promise<CommitAnswer>): Promise<CommitAnswer> {
    if (this.unknownCommits === 0) return commit()
    this.unknownCommits--
    if (this.landed) await commit()
    throw commitOutcomeUnknown('injected by POST /v1/admin/faults/sql')
  }

  /** What GET /v1/admin/faults/sql shows. */
  view() {
    return { conflicts: this.conflicts, match: this.match, unknownCommits: this.unknownCommits, landed: this.landed }
  }
}

/**
 * `POST /v1/admin/faults/sql` (admin) arms injected SQL errors (`ArmedSqlFaults`):
 * `{code: '40001', count, match?}` or `{code: '40003', count, landed}`; a count of 0 disarms.
 * `GET` shows what is armed. For tests of client retry loops; nothing is armed unless an admin
 * asks.
 */
export function sqlFaultRoutes(
  armed: ArmedSqlFaults,
  auth: Auth | null,
  clock: Clock,
  onInternalError?: (error: unknown) => void,
): Hono {
  const app = new Hono()
  app.use('/v1/admin/faults/sql', adminOnly(auth, clock))
  app.get('/v1/admin/faults/sql', (c) => c.json(armed.view()))
  app.post('/v1/admin/faults/sql', async (c) => {
    const parsed = sqlFaultsSchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new SqlError('08P01', `invalid request ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'malformed'}`)
    }
    if (parsed.data.code === '40001') {
      armed.conflicts = parsed.data.count
      armed.match = parsed.data.match
    } else {
      armed.unknownCommits = parsed.data.count
      armed.landed = parsed.data.landed
    }
    return c.json(armed.view())
  })
  app.all('/v1/admin/faults/sql', (c) => unroutedResponse(c.req.method, c.req.path, ['GET', 'POST']))
  app.onError(onError(onInternalError))
  return app
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

/** API.md's error answer; anything but a SqlError is an internal error, reported to the log. */
function onError(onInternalError: ((error: unknown) => void) | undefined) {
  return (error: Error, c: Context) => {
    const e = toSqlError(error)
    if (e.code === 'XX000') onInternalError?.(error)
    return c.json(errorBody(e), sqlStateToHttpStatus(e.code))
  }
}
