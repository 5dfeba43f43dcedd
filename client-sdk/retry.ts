// The retry loop for optimistic concurrency (API.md "Semantics": the later committer gets 40001):
// re-run the whole unit of work after a jittered exponential backoff, a bounded number of times.
import { isRetryable } from './errors.ts'

/** How `retry()` and `client.transaction()` retry. */
export interface RetryOptions {
  /** Re-runs after the first attempt (default 10, at most 100). 0 never retries. */
  readonly maxRetries?: number
  /** Delay before re-run n (from 1): uniform in [0, min(maxMs, baseMs * 2^(n-1))] ("full
   * jitter", so contending clients spread out). Default { baseMs: 10, maxMs: 1000 }. A function
   * returns the delay itself. */
  readonly backoff?:
    { readonly baseMs?: number; readonly maxMs?: number } | ((retry: number) => number)
  /** Stops waiting and retrying once aborted. */
  readonly signal?: AbortSignal
  /** Called before each re-run with the error that caused it. */
  readonly onRetry?: (error: unknown, retry: number, delayMs: number) => void
}

const MAX_RETRIES_DEFAULT = 10
const MAX_RETRIES_LIMIT = 100
const BASE_MS_DEFAULT = 10
const MAX_MS_DEFAULT = 1_000
/** No single wait is longer than this, whatever the options say. */
const DELAY_MS_LIMIT = 60_000

/**
 * Runs `fn` and, while it rejects with a retryable error (isRetryable: 40001 anywhere in the
 * `cause` chain), runs it again after a backoff, at most `maxRetries` more times; then rejects
 * with the last error. Use it to wrap an ORM's transaction: `retry(() => db.transaction(...))`.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxRetries = Math.min(options.maxRetries ?? MAX_RETRIES_DEFAULT, MAX_RETRIES_LIMIT)
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw new TypeError(`maxRetries must be a non-negative integer`)
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await fn(attempt)
    } catch (e) {
      if (attempt >= maxRetries || !isRetryable(e) || options.signal?.aborted) throw e
      const delayMs = backoffMs(options.backoff, attempt + 1)
      options.onRetry?.(e, attempt + 1, delayMs)
      await sleep(delayMs, options.signal)
    }
  }
}

/** The wait before re-run `retry` (from 1). */
export function backoffMs(backoff: RetryOptions['backoff'], retry: number): number {
  const ms =
    typeof backoff === 'function'
      ? backoff(retry)
      : Math.random() *
        Math.min(
          backoff?.maxMs ?? MAX_MS_DEFAULT,
          (backoff?.baseMs ?? BASE_MS_DEFAULT) * 2 ** Math.min(retry - 1, 30),
        )
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), DELAY_MS_LIMIT) : 0
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
