// Error mapping of the api (ARCHITECTURE.md "api": error mapping to SQLSTATE + HTTP status): the
// one place that turns any thrown value into API.md's error body and an HTTP status.
import { AssertionError, SqlError, internalError, protocolViolation, type SqlState } from '../errors/index.ts'
import type { ErrorBody } from './wire.ts'

/** HTTP statuses the API answers errors with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503 | 504

/**
 * The HTTP status for a SQLSTATE (API.md "Errors"). Exact codes first, then classes:
 * 28 → 401; 42501 → 403; 25P03 → 404; 40001, other class 40 and class 23 → 409 (not 40003);
 * 54 → 413; 40003, 53, 57 (not 57014), 08006 → 503; 57014 → 504; XX and 58 → 500; the rest
 * (42, 22, 0A, 08, 25, ...) is the client's: 400.
 */
export function sqlStateToHttpStatus(code: SqlState): ErrorStatus {
  switch (code) {
    case '42501':
      return 403
    case '25P03':
      return 404
    // The outcome is unknown: never success, never a clean conflict; the region could not learn
    // it, so "unavailable" is the honest answer.
    case '40003':
      return 503
    case '57014':
      return 504
    case '08006':
      return 503
  }
  switch (code.slice(0, 2)) {
    case '28':
      return 401
    case '23':
    case '40':
      return 409
    case '54':
      return 413
    case '53':
    case '57':
      return 503
    case 'XX':
    case '58':
      return 500
    default:
      return 400
  }
}

/** Any thrown value as a SqlError; bugs and unknown throws become XX000 without their details. */
export function toSqlError(e: unknown): SqlError {
  if (e instanceof SqlError) return e
  // A bug's message names internals; the client gets a stable line, the log gets the rest.
  if (e instanceof AssertionError) return internalError('internal error (assertion failed)', e)
  return internalError('internal error', e)
}

/** API.md's error body for `e`: absent fields are null, `retryable` exactly for 40001. */
export function errorBody(e: SqlError): ErrorBody {
  return {
    error: {
      code: e.code,
      message: e.message,
      detail: e.detail ?? null,
      hint: e.hint ?? null,
      position: e.position ?? null,
      retryable: e.code === '40001',
    },
  }
}

export const JSON_HEADERS: HeadersInit = { 'Content-Type': 'application/json' }

export function jsonResponse(body: unknown, status: number, headers: HeadersInit = JSON_HEADERS): Response {
  return new Response(JSON.stringify(body), { status, headers })
}

/**
 * The answer to a request no route takes: 405 with `Allow` when `allowed` names the methods the
 * path takes, 404 when the path is no endpoint at all. Both carry 08P01 (the request does not
 * follow the protocol), the status telling which: their status is the routing's, not the class's.
 */
export function unroutedResponse(method: string, path: string, allowed: readonly string[]): Response {
  if (allowed.length === 0) return jsonResponse(errorBody(protocolViolation(`no endpoint ${path}`)), 404)
  // Every GET endpoint also answers HEAD (Hono runs its GET route without the body).
  const methods = allowed.includes('GET') && !allowed.includes('HEAD') ? [...allowed, 'HEAD'] : allowed
  const e = new SqlError('08P01', `method ${method} is not allowed on ${path}`, {
    hint: `${path} takes ${methods.join(', ')}.`,
  })
  return jsonResponse(errorBody(e), 405, { ...JSON_HEADERS, Allow: methods.join(', ') })
}
