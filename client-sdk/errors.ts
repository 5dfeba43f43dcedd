// The SDK's error type (API.md "Errors"): the server's SQLSTATE error rebuilt on the client, and
// isRetryable(), which looks through ORM wrappers by walking `cause` chains.
import type { ErrorBody } from '../server/api/wire.ts'

/** SQLSTATEs after which re-running the whole transaction may succeed. 40001 is the server's
 * conflict; 40000 is what the SDK raises when a commit whose outcome was unknown is known to have
 * aborted (nothing was written, so a retry is safe). */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40001', '40000'])

/** Longest `cause` chain isRetryable() follows (wrappers rarely nest more than 3 deep). */
const CAUSE_DEPTH_MAX = 16

/** The fields of a server error, as API.md puts them on the wire. */
export interface TesseraErrorFields {
  readonly code: string
  readonly message: string
  readonly detail?: string | null
  readonly hint?: string | null
  readonly position?: number | null
  /** The HTTP status the error came with; undefined when it never reached the server. */
  readonly status?: number
  readonly cause?: unknown
}

/**
 * An error from Tessera, or from talking to it. `code` is always a PostgreSQL SQLSTATE; errors
 * that never reached the server use class 08 (`08006` connection failure, `08P01` a reply that
 * is not Tessera's). `retryable` is derived from `code` alone.
 */
export class TesseraError extends Error {
  override readonly name = 'TesseraError'
  readonly code: string
  readonly retryable: boolean
  readonly detail: string | undefined
  readonly hint: string | undefined
  /** 1-based character offset into the SQL text, when the server gave one. */
  readonly position: number | undefined
  readonly status: number | undefined

  constructor(fields: TesseraErrorFields) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause })
    this.code = fields.code
    this.retryable = RETRYABLE_CODES.has(fields.code)
    this.detail = fields.detail ?? undefined
    this.hint = fields.hint ?? undefined
    this.position = fields.position ?? undefined
    this.status = fields.status
  }

  /** Rebuilds the server's error from a non-2xx answer. */
  static fromBody(body: ErrorBody, status: number): TesseraError {
    const e = body.error
    return new TesseraError({
      code: e.code,
      message: e.message,
      detail: e.detail,
      hint: e.hint,
      position: e.position,
      status,
    })
  }
}

/**
 * True when re-running the whole transaction may succeed: `err`, or any error in its `cause`
 * chain (Kysely, Drizzle and application wrappers keep the original there), carries a retryable
 * SQLSTATE. Decided by the code, never by message text. A plain `{ code: '40001' }` object counts
 * too, so errors from other PostgreSQL drivers are recognised.
 */
export function isRetryable(err: unknown): boolean {
  let e: unknown = err
  for (let depth = 0; depth < CAUSE_DEPTH_MAX && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

/** The first TesseraError in `err`'s cause chain, if any. */
export function findTesseraError(err: unknown): TesseraError | undefined {
  let e: unknown = err
  for (let depth = 0; depth < CAUSE_DEPTH_MAX && typeof e === 'object' && e !== null; depth++) {
    if (e instanceof TesseraError) return e
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}
