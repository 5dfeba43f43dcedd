// The HTTP API of a region (ARCHITECTURE.md "api"): JSON endpoints over Hono, bearer-token auth,
// zod validation, sessions of interactive transactions, and SQLSTATE → HTTP status mapping.
// The contract clients see is /work/shared/API.md; the JSON types are in wire.ts.
import type { Hono } from 'hono'
import type { Clock, Random, Timers } from '../clock/index.ts'
import type { QueryProcessor } from '../qp/index.ts'
import type { CommitAnswer } from './session-registry.ts'
import type { StatementRequest } from './wire.ts'

/** Bearer-token authentication: tokens are HMAC-SHA256 signed with the cluster secret. */
export interface Auth {
  /** The cluster secret (hex), as `loadOrCreateSecret` returns it. */
  readonly secret: string
}

/** Limits of the API; defaults in api/constants.ts (`API_DEFAULTS`). */
export interface ApiLimits {
  /** Request body bytes, checked before parsing, also without Content-Length (413, 54000). */
  readonly bodyBytesMax?: number
  /** Statements per batch (413, 54000). */
  readonly statementsMax?: number
  /** Parameters per statement (413, 54000). */
  readonly paramsMax?: number
  /** Characters of SQL text per statement (413, 54000). */
  readonly sqlCharsMax?: number
  /** Open interactive transactions (503, 53300). */
  readonly sessionsMax?: number
  /** An interactive transaction idle this long (no request running or queued) is rolled back. */
  readonly idleTimeoutMs?: number
  /** An interactive transaction is rolled back this long after it began, however busy. */
  readonly txAgeMsMax?: number
  /** Ended transactions remembered for GET /v1/tx/:tx and repeated commits. */
  readonly endedTxMax?: number
  /** Requests queued on one interactive transaction (503, 53400). */
  readonly txQueueMax?: number
}

/** This region and its cluster, as GET /v1 reports them. */
export interface RegionInfo {
  readonly name: string
  readonly url: string
  readonly regions: readonly {
    readonly name: string
    readonly role: string
    readonly url: string
  }[]
}

/** Everything the API needs, injected by `region`. */
export interface ApiOptions {
  readonly qp: QueryProcessor
  readonly region: RegionInfo
  /** Null turns authentication off: every request is trusted (local development, tests). */
  readonly auth: Auth | null
  /** Token expiry, transaction deadlines. */
  readonly clock: Clock
  /** Idle and age limits of interactive transactions. */
  readonly timers: Timers
  /** Transaction handles. */
  readonly random: Random
  readonly limits?: ApiLimits
  /** Told about every internal error (XX000, a bug or an unexpected throw) the client got a 500
   * for; the client sees only a stable message, so this is where the region logs the rest. */
  readonly onInternalError?: (error: unknown) => void
  /** Injected errors for client retry tests (POST /v1/admin/faults/sql); none when undefined. */
  readonly sqlFaults?: SqlFaults
  /** Why the region cannot begin transactions now (a region it needs unreachable, no quorum), or
   * undefined while it can: GET /v1/health reports it (`degraded`, `reason`), and its readiness
   * form (`?ready=1`) answers 503 then. Absent: always able (one region). */
  readonly unavailable?: () => string | undefined
}

/**
 * Injected SQL errors (region/admin-faults.ts). The API consults them only for requests that
 * would otherwise run: authenticated, well formed, not refused for shutdown, and (interactive)
 * on an open transaction whose turn it is, not failed (its statements get 25P02 before they
 * run); so a request that fails on its own never uses one up.
 */
export interface SqlFaults {
  /** Called just before a SQL request's statements run; throws to fail the request instead. The
   * error counts as the statements' own: a one-shot request rolls back, and an interactive
   * transaction is failed (qp `Transaction.failStatement`) as the real error would fail it. */
  beforeStatements(statements: readonly StatementRequest[]): void
  /** Runs a commit that is about to run (`commit`): it may answer without calling it (the
   * transaction then stays open) or call it and answer something else. */
  aroundCommit(commit: () => Promise<CommitAnswer>): Promise<CommitAnswer>
}

/** A running API: the Hono app to serve and its shutdown. */
export interface ApiApp {
  /** Serve with `app.fetch`; test with `app.request()`. */
  readonly app: Hono
  /**
   * Graceful shutdown: new transactions (POST /v1/sql, POST /v1/tx) get 503 with 57P03 and
   * health answers 503; open interactive transactions are rolled back once their current request
   * finished; resolves when those and every in-flight /v1/sql request have finished.
   */
  close(): Promise<void>
}

/**
 * Builds a region's API (API.md). Endpoints: GET /v1, GET /v1/health (no token needed: 200 while
 * the process serves, `status` `ok` or `degraded` with a `reason`; with `?ready=1` 503 unless the
 * region can begin transactions),
 * POST /v1/sql, POST /v1/tx, POST /v1/tx/:tx/sql|commit|rollback, GET /v1/tx/:tx, and
 * GET /v1/admin/stats (admin role). Every error answers `ErrorBody` with a status from
 * `sqlStateToHttpStatus`; malformed or invalid bodies are 400 with 08P01 naming the field.
 */
export { createApp } from './create-app.ts'

/**
 * The answer to GET /v1/health from what a region knows of itself (closing, why it cannot do its
 * part now), for a full region's API and a witness alike: 200 (liveness) or, with `?ready=1`
 * while `reason` stands, 503; 503 `closing` either way.
 */
export { healthAnswer, type HealthState } from './health.ts'

/**
 * Maps a SQLSTATE to the HTTP status API.md gives it: 400 client and SQL errors, 401 class 28,
 * 403 42501, 404 25P03, 409 40001/class 40/class 23, 413 class 54, 503 40003/class 53/class 57
 * (57P03 shutting down, 53300 too many transactions), 504 57014, 500 XX000 and class 58.
 */
export { sqlStateToHttpStatus, errorBody, toSqlError, type ErrorStatus } from './error-response.ts'

/**
 * The answer to a request no route takes (API.md "Errors"): 405 with `Allow` when the path is an
 * endpoint for other methods (`allowed`), else 404; both 08P01 in the error body.
 */
export { unroutedResponse } from './error-response.ts'

export type { CommitAnswer } from './session-registry.ts'

/**
 * Tokens: `createToken(secret, {role, ttlMs, sub?}, clock)` signs one; `verifyToken(secret,
 * token, clock)` returns its claims or throws 28000; `requireRole(claims, role)` throws 42501;
 * `loadOrCreateSecret(disk, dir, random)` reads or creates `dir/cluster.secret`; `readSecret`
 * only reads (undefined when missing, F0000 when malformed). `TokenVerifier` is `verifyToken`
 * with a bounded cache of verified tokens (still checked for expiry on every use).
 */
export {
  createToken,
  verifyToken,
  TokenVerifier,
  requireRole,
  loadOrCreateSecret,
  readSecret,
  type Role,
  type TokenClaims,
} from './auth.ts'

/** Defaults of `ApiLimits` and the API's other constants. */
export { API_DEFAULTS, TOKEN_TTL_MS_DEFAULT, SECRET_FILE, PRODUCT_VERSION } from './constants.ts'

export type * from './wire.ts'
