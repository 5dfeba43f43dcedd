// The HTTP API of a region (ARCHITECTURE.md "api"): endpoints, auth, validation, sessions of
// interactive transactions and the one error handler; SQL itself is the query processor's.
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { getPath } from 'hono/utils/url'
import type { z } from 'zod'
import {
  SqlError,
  cannotConnectNow,
  programLimitExceeded,
  protocolViolation,
} from '../errors/index.ts'
import type { Result, Transaction } from '../qp/index.ts'
import { TokenVerifier, requireRole, type TokenClaims } from './auth.ts'
import { API_DEFAULTS, PRODUCT_NAME, PRODUCT_VERSION } from './constants.ts'
import { errorBody, JSON_HEADERS, jsonResponse, sqlStateToHttpStatus, toSqlError, unroutedResponse } from './error-response.ts'
import type { ApiApp, ApiLimits, ApiOptions, SqlFaults } from './index.ts'
import {
  batchRequestSchema,
  beginRequestSchema,
  emptyRequestSchema,
  plainSqlRequest,
  sqlRequestSchema,
} from './schemas.ts'
import { healthAnswer } from './health.ts'
import { SessionRegistry } from './session-registry.ts'
import type {
  BatchResponse,
  BeginResponse,
  InfoResponse,
  RowMode,
  StatementRequest,
} from './wire.ts'
import { toWireResult } from './wire-result.ts'

type AppEnv = { Variables: { claims: TokenClaims | null } }

/** A parsed body of /v1/sql or /v1/tx/:tx/sql: one statement or a batch. */
interface Work {
  readonly statements: readonly StatementRequest[]
  readonly batch: boolean
  readonly rowMode: RowMode
}

const UNAUTHORIZED_HEADERS: HeadersInit = { ...JSON_HEADERS, 'WWW-Authenticate': 'Bearer realm="tessera"' }

/** Builds the API (see index.ts for the contract). */
export function createApp(options: ApiOptions): ApiApp {
  const limits: Required<ApiLimits> = { ...API_DEFAULTS, ...options.limits }
  const { qp, region, auth, clock, sqlFaults } = options
  const sessions = new SessionRegistry({ ...options, limits })
  /** POST /v1/sql requests between their check of `closing` and their answer. */
  let running = 0
  /** Made by close() while requests run; resolved when the last of them finishes. */
  let drained: { readonly done: Promise<void>; readonly resolve: () => void } | undefined
  let closing = false
  const verifier = auth === null ? null : new TokenVerifier(auth.secret, clock)
  const app = new Hono<AppEnv>()

  /** The one error answer: API.md's body and status for anything thrown. */
  function errorResponse(err: unknown): Response {
    const e = toSqlError(err)
    if (e.code === 'XX000') options.onInternalError?.(err)
    const status = sqlStateToHttpStatus(e.code)
    return jsonResponse(errorBody(e), status, status === 401 ? UNAUTHORIZED_HEADERS : JSON_HEADERS)
  }
  app.onError((err) => errorResponse(err))
  app.notFound((c) => unroutedResponse(c.req.method, c.req.path, methodsOf(app, c.req.path)))

  // Browsers on other origins may call the API: tokens travel in a header, never in cookies, so
  // any origin may send requests, and preflights are answered before authentication. Set on the
  // context's response first, so answers to errors (a missing token included) carry it too.
  app.use('/v1/*', cors({ origin: '*', allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type'], maxAge: 600 }))
  app.get('/v1/health', (c) => {
    const reason = closing ? undefined : options.unavailable?.()
    const { body, status } = healthAnswer({ region: region.name, closing, reason, openTransactions: sessions.openCount }, c.req.query('ready'))
    return c.json(body, status)
  })

  // Everything but health needs a token (load balancers probe health without one).
  app.use('/v1/*', (c, next) => {
    c.set('claims', verifier === null ? null : verifier.verify(bearerOf(c.req.header('Authorization'))))
    return next()
  })

  app.get('/v1', (c) => {
    const body: InfoResponse = {
      name: PRODUCT_NAME,
      version: PRODUCT_VERSION,
      region: region.name,
      regions: region.regions,
    }
    return c.json(body)
  })

  app.get('/v1/admin/stats', (c) => {
    requireRole(c.get('claims'), 'admin')
    return c.json({ openTransactions: sessions.openCount, endedTransactions: sessions.endedCount })
  })

  app.post('/v1/sql', async (c) => c.json(await oneShot(await readJson(c.req.raw, limits.bodyBytesMax))))

  /**
   * POST /v1/sql after authentication: the body run as one transaction, its answer, or a promise
   * of it when something had to wait. begin, run and commitNow answer without a promise when they
   * can, and a point select never waits: from the body to the answer it makes no promise and takes
   * no turn of the microtask queue, which were a measurable share of its cost.
   */
  function oneShot(json: unknown): unknown {
    const work = parseWork(json, limits)
    if (closing) throw cannotConnectNow('the region is shutting down')
    running++
    let answer
    try {
      const begun = qp.begin()
      answer = begun instanceof Promise ? begun.then((tx) => runAll(tx, work, sqlFaults)) : runAll(begun, work, sqlFaults)
    } catch (e) {
      finished()
      throw e
    }
    if (!(answer instanceof Promise)) {
      finished()
      return answer
    }
    return answer.finally(finished)
  }

  function finished(): void {
    if (--running === 0) drained?.resolve()
  }

  app.post('/v1/tx', async (c) => {
    const body = parse(beginRequestSchema, (await readJson(c.req.raw, limits.bodyBytesMax)) ?? {})
    if (closing) throw cannotConnectNow('the region is shutting down')
    const { handle, expiresAtMs } = await sessions.begin(qp, body.readOnly ?? false)
    const answer: BeginResponse = {
      tx: handle,
      region: region.name,
      expiresAt: new Date(expiresAtMs).toISOString(),
      idleTimeoutMs: limits.idleTimeoutMs,
    }
    return c.json(answer, 201)
  })

  app.post('/v1/tx/:tx/sql', async (c) => {
    const work = parseWork(await readJson(c.req.raw, limits.bodyBytesMax), limits)
    return c.json(
      await sessions.run(c.req.param('tx'), (tx) => {
        if (sqlFaults !== undefined) injectFault(tx, work, sqlFaults)
        return executeAll(tx, work)
      }),
    )
  })

  app.post('/v1/tx/:tx/commit', async (c) => {
    parse(emptyRequestSchema, (await readJson(c.req.raw, limits.bodyBytesMax)) ?? {})
    const { commitTs } = await sessions.commit(c.req.param('tx'), sqlFaults && ((commit) => sqlFaults.aroundCommit(commit)))
    return c.json({ status: 'committed' as const, commitTs })
  })

  app.post('/v1/tx/:tx/rollback', async (c) => {
    parse(emptyRequestSchema, (await readJson(c.req.raw, limits.bodyBytesMax)) ?? {})
    await sessions.rollback(c.req.param('tx'))
    return c.json({ status: 'rolled_back' as const })
  })

  app.get('/v1/tx/:tx', (c) => c.json(sessions.status(c.req.param('tx'))))

  // POST /v1/sql without an Origin (every non-browser client) is answered here, past Hono's
  // router, middleware and Context: the same steps as the route above (token, body, run, JSON)
  // at a few microseconds less per request, which is a large share of a point select. Everything
  // else, browsers' CORS included, goes through Hono. (app.request() calls app.fetch, so tests
  // through it take this lane too.)
  const honoFetch = app.fetch
  app.fetch = (request, ...rest) => {
    if (request.method !== 'POST' || getPath(request) !== '/v1/sql' || request.headers.has('origin'))
      return honoFetch(request, ...rest)
    return sqlLane(request)
  }
  async function sqlLane(request: Request): Promise<Response> {
    try {
      if (verifier !== null) verifier.verify(bearerOf(request.headers.get('authorization')))
      // Response.json serializes natively and sets the JSON content type itself.
      const answer = oneShot(await readJson(request, limits.bodyBytesMax))
      return Response.json(answer instanceof Promise ? await answer : answer)
    } catch (err) {
      return errorResponse(err)
    }
  }

  return {
    app: app as unknown as Hono,
    async close() {
      closing = true
      if (running > 0 && drained === undefined) {
        let resolve!: () => void
        const done = new Promise<void>((r) => (resolve = r))
        drained = { done, resolve }
      }
      // Resolved by the last running statement (or already, when it finished before).
      await Promise.allSettled([sessions.close(), drained?.done])
    },
  }
}

/** The statements run on `tx` and committed (rolled back on an error): the answer of
 * POST /v1/sql, without a promise when nothing had to wait. */
function runAll(tx: Transaction, work: Work, faults: SqlFaults | undefined): unknown {
  const only = work.batch ? undefined : work.statements[0]
  let ran
  try {
    faults?.beforeStatements(work.statements)
    ran = only === undefined ? executeAll(tx, work) : tx.run(only.sql, only.params ?? [])
  } catch (e) {
    tx.rollback()
    throw e
  }
  const shape = (result: unknown) => (only === undefined ? result : toWireResult(result as Result, work.rowMode))
  if (ran instanceof Promise) {
    return ran.then(
      (result) => commitWith(tx, shape(result)),
      (e: unknown) => {
        tx.rollback()
        throw e
      },
    )
  }
  return commitWith(tx, shape(ran))
}

/** Commits `tx`; then `answer`. */
function commitWith(tx: Transaction, answer: unknown): unknown {
  const committed = tx.commitNow()
  return committed instanceof Promise ? committed.then(() => answer) : answer
}

/**
 * Fails an interactive request with the injected fault armed for it, if any, leaving `tx` as the
 * real error of that SQLSTATE would: failed, so later statements get 25P02 and commit rolls back
 * (a real 40001 in a statement, a sequence block lost to a conflict, does exactly that). A failed
 * transaction refuses statements with 25P02 before any could raise, so it takes no fault.
 */
function injectFault(tx: Transaction, work: Work, faults: SqlFaults): void {
  if (tx.status !== 'open') return
  try {
    faults.beforeStatements(work.statements)
  } catch (e) {
    tx.failStatement()
    throw e
  }
}

/** Runs the statements in order on `tx`: `{results}` for a batch, else the one Result. */
async function executeAll(tx: Transaction, work: Work) {
  const results = []
  for (const s of work.statements) {
    results.push(toWireResult(await tx.execute(s.sql, s.params ?? []), work.rowMode))
  }
  if (work.batch) return { results } satisfies BatchResponse<unknown>
  return results[0]
}

/** The methods `app` has routes for at `path` (none: no endpoint there). Middleware (`use`) is
 * registered for every method and says nothing about endpoints. */
function methodsOf(app: Hono<AppEnv>, path: string): string[] {
  let patterns = routePatterns.get(app)
  if (patterns === undefined) {
    // Compiled once per app, on the first unrouted request (anyone may send those, no token needed).
    patterns = app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => ({ method: route.method, pattern: new RegExp(`^${route.path.replace(/:[^/]+/g, '[^/]+')}$`) }))
    routePatterns.set(app, patterns)
  }
  return [...new Set(patterns.filter((r) => r.pattern.test(path)).map((r) => r.method))]
}

const routePatterns = new WeakMap<object, readonly { readonly method: string; readonly pattern: RegExp }[]>()

/** The token of an Authorization header; 28000 when there is none. */
function bearerOf(header: string | null | undefined): string {
  const m = header == null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (m === null || m[1] === undefined)
    throw new SqlError('28000', 'a bearer token is required (Authorization: Bearer <token>)')
  return m[1]
}

/**
 * The JSON body, undefined when empty. Reads at most `bytesMax` bytes whatever Content-Length
 * claims (chunked bodies have none), so an oversized body is refused before it is parsed (54000).
 */
function readJson(request: Request, bytesMax: number): Promise<unknown> {
  // With a declared length within the limit the runtime reads the body natively (several times
  // faster than pulling the stream from JS, and `body` is not touched, which would make the
  // runtime build a stream); a body longer than declared is cut by the HTTP server. Not async:
  // the common body costs one promise, not an async frame as well. Without a length (chunked),
  // the stream is read, counting bytes as they come.
  const declared = request.headers.get('Content-Length')
  if (declared === null) return readChunked(request, bytesMax)
  if (Number(declared) > bytesMax) return Promise.reject(tooLarge(bytesMax))
  return request.text().then(parseJsonText)
}

const tooLarge = (bytesMax: number) => programLimitExceeded(`request body exceeds ${bytesMax} bytes`)

async function readChunked(request: Request, bytesMax: number): Promise<unknown> {
  const body = request.body
  if (body === null) return undefined
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > bytesMax) {
      await reader.cancel()
      throw tooLarge(bytesMax)
    }
    chunks.push(value)
  }
  return parseJsonText(new TextDecoder().decode(Buffer.concat(chunks)))
}

/** Parses a request body: undefined when blank, 08P01 when not JSON. */
function parseJsonText(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch (e) {
    throw protocolViolation(`request body is not valid JSON: ${(e as Error).message}`)
  }
}

/** `json` validated by `schema`; 08P01 naming the first offending field otherwise. */
function parse<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
  const result = schema.safeParse(json)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.')
  throw protocolViolation(`invalid request ${where}: ${issue?.message ?? 'malformed'}`)
}


/** One statement or a batch, checked against the limits (54000 beyond them). */
function parseWork(json: unknown, limits: Required<ApiLimits>): Work {
  if (json === undefined) throw protocolViolation('request body must be a JSON object')
  const isBatch = typeof json === 'object' && json !== null && 'statements' in json
  const work: Work = isBatch
    ? (({ statements, rowMode }) => ({ statements, batch: true, rowMode: rowMode ?? 'object' }))(
        parse(batchRequestSchema, json),
      )
    : (({ sql, params, rowMode }) => ({
        statements: [params === undefined ? { sql } : { sql, params }],
        batch: false,
        rowMode: rowMode ?? 'object',
      }))(plainSqlRequest(json) ?? parse(sqlRequestSchema, json))
  if (work.statements.length > limits.statementsMax)
    throw programLimitExceeded(`a batch holds at most ${limits.statementsMax} statements`)
  for (const s of work.statements) {
    if (s.sql.length > limits.sqlCharsMax)
      throw programLimitExceeded(`SQL text exceeds ${limits.sqlCharsMax} characters`)
    if ((s.params?.length ?? 0) > limits.paramsMax)
      throw programLimitExceeded(`a statement binds at most ${limits.paramsMax} parameters`)
  }
  return work
}
