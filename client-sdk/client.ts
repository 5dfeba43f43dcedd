// The typed client over the HTTP API (API.md "Endpoints"): one-shot statements, atomic batches,
// interactive transactions, and the retry loop that re-runs a transaction after a conflict.
import type {
  BatchResponse,
  BeginResponse,
  CommitResponse,
  ErrorBody,
  HealthResponse,
  InfoResponse,
  TxStatusResponse,
  WireResult,
} from '../server/api/wire.ts'
import { TesseraError } from './errors.ts'
import { retry, type RetryOptions } from './retry.ts'
import { SqlFragment, type SqlQuery } from './sql.ts'
import { decodersFor, encodeParam, type IntMode } from './values.ts'

/** How to reach a cluster. */
export interface ClientConfig {
  /** A region's base URL, e.g. `http://127.0.0.1:7701` (what `npm start` prints). */
  readonly url: string
  /** The bearer token, or a function giving one (called before every request, so it may
   * refresh). Leave out for a cluster started with `--no-auth`. */
  readonly token?: string | (() => string | Promise<string>)
  /** The fetch to use (default: the runtime's global fetch). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>
  /** How int8 values decode; see IntMode. Default `string`. */
  readonly intMode?: IntMode
  /** Milliseconds every request may take, answer read included, before it fails with 08006
   * (default 60 000; 0 waits for ever). The server may still have run the statement; a commit
   * that times out is settled by asking the server how it ended. */
  readonly timeoutMs?: number
}

/** The default of ClientConfig.timeoutMs: twice the longest statement the server lets run (its
 * statement limit is 30 s, server/qp STATEMENT_TIMEOUT_MS), short enough that a listener that
 * never answers cannot hold a caller for ever. */
const TIMEOUT_MS_DEFAULT = 60_000

/** Per-statement options. */
export interface QueryOptions {
  /** Aborts the HTTP request; the promise rejects with the signal's reason. The server may still
   * have run the statement (and, outside a transaction, committed it); in a transaction, roll
   * back. A transaction's statement still waiting for its turn (behind one issued before it) is
   * never sent once aborted: it rejects at once and the transaction is as if it had not been
   * called (the statements behind it run, in order). */
  readonly signal?: AbortSignal
  /** `array` returns rows as arrays in field order (for duplicate column names). */
  readonly rowMode?: 'object' | 'array'
  /** Overrides the client's intMode for this statement. */
  readonly intMode?: IntMode
}

/** A result column. `type` is the PostgreSQL type name (`int8`, `text`, `timestamptz`, ...). */
export interface Field {
  readonly name: string
  readonly type: string
}

/** The result of one statement; rows are typed by the caller (`query<Row>`). */
export interface QueryResult<Row = Record<string, unknown>> {
  readonly rows: Row[]
  readonly fields: readonly Field[]
  /** Rows returned (SELECT, RETURNING) or affected (INSERT, UPDATE, DELETE). */
  readonly rowCount: number
  /** PostgreSQL's command tag word: SELECT, INSERT, UPDATE, DELETE, CREATE TABLE, ... */
  readonly command: string
}

/** One statement of a batch: a `sql` query, plain text, or text with parameters. */
export type Statement<Row = Record<string, unknown>> =
  SqlQuery<Row> | string | { readonly sql: string; readonly params?: readonly unknown[] }

type RowOf<S> = S extends SqlQuery<infer Row> ? Row : Record<string, unknown>

/** The results of a batch, one per statement, each typed by its `sql` query's row type. */
export type BatchResults<S extends readonly Statement<unknown>[]> = {
  -readonly [K in keyof S]: QueryResult<RowOf<S[K]>>
}

/** What runs statements: the client (each its own transaction) or an open transaction. */
export interface Queryable {
  /** Runs one statement; `$1, $2, ...` bind `params` in order. */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<Row>>
  /** Runs a statement built with the `sql` tag: rows typed by `sql<Row>` or by `query<Row>`. */
  query<Row = Record<string, unknown>>(
    sql: SqlQuery<Row> | SqlQuery<Record<string, unknown>>,
    options?: QueryOptions,
  ): Promise<QueryResult<Row>>
  /** Runs statements in order in ONE transaction: all or nothing. */
  batch<const S extends readonly Statement<unknown>[]>(
    statements: S,
    options?: QueryOptions,
  ): Promise<BatchResults<S>>
}

/** An interactive transaction (POST /v1/tx): a snapshot taken at begin, writes checked at commit. */
export interface Transaction extends Queryable {
  /** The server's handle for this transaction. */
  readonly id: string
  /** The region it lives in. */
  readonly region: string
  /**
   * Commits. Rejects on every failed commit: 40001 (conflict, retryable), 40000 (the outcome was
   * unknown, then learned to be aborted: retryable), 40003 (outcome still unknown: do NOT assume
   * either way). After a lost answer (a network error, the client's timeout, an aborted
   * `signal`, an answer that is not Tessera's) or 40003 it asks the server how the transaction
   * ended: it resolves if the transaction committed, whatever happened to the answer. A commit
   * whose `signal` aborts while it still waits for its turn (behind statements issued before it)
   * is never sent: it rejects with the signal's reason and the transaction stays open.
   */
  commit(options?: { readonly signal?: AbortSignal }): Promise<{ readonly commitTs: string }>
  /** Rolls back; a no-op for a transaction that already ended without committing. */
  rollback(): Promise<void>
  /** How the server says this transaction ended: open, committed, aborted or unknown. */
  status(options?: { readonly signal?: AbortSignal }): Promise<TxStatusResponse>
}

/** Options of `client.transaction()`. */
export interface TransactionOptions extends RetryOptions {
  /** A read-only transaction (never conflicts). */
  readonly readOnly?: boolean
}

/** A connection-less client: every call is one HTTP request (or a few, for transactions). */
export interface Client extends Queryable {
  /**
   * Runs `fn` in an interactive transaction and commits. On a retryable error (a conflict at
   * commit or in a statement, anywhere in the error's `cause` chain) it rolls back and re-runs
   * the whole callback after a jittered exponential backoff, at most `maxRetries` times; `fn` must
   * therefore be safe to run again. Never re-runs after 40003 unless the server says the
   * transaction aborted, nor once the callback itself committed (`tx.commit()`). Rejects with the last error when it gives up.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>
  /** Begins an interactive transaction you commit or roll back yourself (drivers use this). */
  begin(options?: {
    readonly readOnly?: boolean
    readonly signal?: AbortSignal
  }): Promise<Transaction>
  /** GET /v1: the cluster's name, version and regions. */
  info(options?: { readonly signal?: AbortSignal }): Promise<InfoResponse>
  /**
   * GET /v1/health?ready=1, the readiness form (for load balancers and start-up waits): resolves
   * with the region's health and `ready`, false when it answered 503 with its health body: `status`
   * `degraded` (it cannot begin transactions now; `reason` says why: a region it needs or a
   * majority of regions out of reach; a witness: a full region or a majority out of reach),
   * `starting` (recovering) or `closing` (shutting down). Rejects only when there is no such
   * answer: 08006 (unreachable, timeout), 08P01 (an answer that is not Tessera's).
   */
  health(options: { readonly ready: true; readonly signal?: AbortSignal }): Promise<Readiness>
  /** GET /v1/health, the liveness form: the region's health while its process serves (`ok`, or
   * `degraded` with a `reason`); rejects with 57P03 while it starts or closes (503). */
  health(options?: { readonly ready?: false; readonly signal?: AbortSignal }): Promise<HealthResponse>
  /** Either form, chosen by a `ready` known only at run time. */
  health(options?: { readonly ready?: boolean; readonly signal?: AbortSignal }): Promise<HealthResponse | Readiness>
  readonly intMode: IntMode
}

/** The answer of `health({ ready: true })`: the region's health, and whether it is ready. */
export interface Readiness extends HealthResponse {
  /** True when the region answered 200: `status` is `ok`, so it can begin transactions (a
   * witness: it reaches every full region and a majority). False when it answered 503. */
  readonly ready: boolean
}

/** Creates a client. No request is made until the first call. */
export function createClient(config: ClientConfig): Client {
  return new HttpClient(config)
}

class Http {
  readonly #base: string
  readonly #token: ClientConfig['token']
  readonly #fetch: (input: string, init: RequestInit) => Promise<Response>
  readonly #timeoutMs: number

  constructor(config: ClientConfig) {
    const timeoutMs = config.timeoutMs ?? TIMEOUT_MS_DEFAULT
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs > 2 ** 31 - 1)
      throw new TypeError(
        `createClient: timeoutMs must be 0 (no limit) or a number of milliseconds, not ${String(timeoutMs)}`,
      )
    this.#timeoutMs = timeoutMs
    if (typeof config.url !== 'string' || !/^https?:\/\//.test(config.url))
      throw new TypeError(
        `createClient: url must be an http(s) URL, not ${JSON.stringify(config.url)}`,
      )
    this.#base = config.url.replace(/\/+$/, '')
    this.#token = config.token
    this.#fetch = config.fetch ?? ((input, init) => globalThis.fetch(input, init))
  }

  /** Sends one request; a 2xx answer must pass `isAnswer` (its shape, checked cheaply) or the
   * request fails with 08P01, so a proxy's or a stub's answer is never taken for Tessera's. */
  async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    isAnswer: (json: unknown) => boolean,
  ): Promise<T> {
    return (await this.exchange<T>(method, path, body, signal, isAnswer)).answer
  }

  /** `request` for an endpoint some of whose non-2xx statuses (`answerStatuses`) carry its
   * answer too, as the readiness form of health answers 503 with its body: the answer (it must
   * pass `isAnswer`; any other body at those statuses is an error, as usual) and its status. */
  async exchange<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    isAnswer: (json: unknown) => boolean,
    answerStatuses: readonly number[] = [],
  ): Promise<{ readonly status: number; readonly answer: T }> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const token = typeof this.#token === 'function' ? await this.#token() : this.#token
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    const url = this.#base + path
    // The timeout aborts the request like the caller's signal, but is told apart from it.
    const timeout = this.#timeoutMs > 0 ? new AbortController() : undefined
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(
            () => timeout.abort(new Error(`no answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          )
    const either =
      signal === undefined
        ? timeout?.signal
        : timeout === undefined
          ? signal
          : AbortSignal.any([signal, timeout.signal])
    let status: number
    let text: string
    try {
      const response = await this.#fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body, jsonReplacer) }),
        ...(either === undefined ? {} : { signal: either }),
      })
      status = response.status
      text = await response.text()
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e
      if (timeout?.signal.aborted)
        throw new TesseraError({
          code: '08006',
          message: `no answer from ${method} ${url} within ${this.#timeoutMs} ms (timeoutMs); the server may still have run it`,
          cause: e,
        })
      throw new TesseraError({
        code: '08006',
        message: `cannot reach ${url}: ${(e as Error)?.message ?? String(e)}`,
        cause: e,
      })
    } finally {
      clearTimeout(timer)
    }
    const json = parseJson(text)
    const answered = status >= 200 && status <= 299
    if (!answered && !(answerStatuses.includes(status) && isAnswer(json))) {
      if (isErrorBody(json)) throw TesseraError.fromBody(json, status)
      throw new TesseraError({
        code: status === 503 ? '57P03' : '08P01',
        message: `HTTP ${status} from ${method} ${url}: ${text.slice(0, 200)}`,
        status,
      })
    }
    if (json === undefined)
      throw new TesseraError({
        code: '08P01',
        message: `${method} ${url} answered ${status} without JSON`,
        status,
      })
    if (!isAnswer(json))
      throw new TesseraError({
        code: '08P01',
        message: `${method} ${url} answered ${status} with JSON that is not Tessera's answer: ${text.slice(0, 200)}`,
        status,
      })
    return { status, answer: json as T }
  }
}

/** Where a client's or a transaction's statements go, read at each call. */
interface SqlTarget {
  readonly http: Http
  readonly path: string
  readonly intMode: IntMode
}

/** `query` and `batch` for the client (`/v1/sql`) and for an open transaction (its own path). */
abstract class SqlSender implements Queryable {
  protected abstract sqlTarget(): SqlTarget

  /** Runs one request; a transaction overrides it to send its requests in call order, where
   * `signal` also ends the wait for the request's turn. */
  protected enqueue<T>(send: () => Promise<T>, _signal: AbortSignal | undefined): Promise<T> {
    return send()
  }

  query<Row>(
    sql: string | SqlQuery<Row>,
    paramsOrOptions?: readonly unknown[] | QueryOptions,
    maybeOptions?: QueryOptions,
  ) {
    const { http, path, intMode } = this.sqlTarget()
    // The options as runStatement reads them (it rejects the argument mistakes).
    const options =
      typeof sql === 'string' || Array.isArray(paramsOrOptions) ? maybeOptions : paramsOrOptions
    return this.enqueue(
      () => runStatement<Row>(http, path, intMode, sql, paramsOrOptions, maybeOptions),
      (options as QueryOptions | undefined)?.signal,
    )
  }

  batch<const S extends readonly Statement<unknown>[]>(
    statements: S,
    options?: QueryOptions,
  ): Promise<BatchResults<S>> {
    const { http, path, intMode } = this.sqlTarget()
    return this.enqueue(() => runBatch(http, path, intMode, statements, options), options?.signal)
  }
}

class HttpClient extends SqlSender implements Client {
  readonly #http: Http
  readonly intMode: IntMode

  constructor(config: ClientConfig) {
    super()
    this.#http = new Http(config)
    this.intMode = config.intMode ?? 'string'
    if (!['string', 'number', 'bigint'].includes(this.intMode))
      throw new TypeError(`createClient: unknown intMode ${this.intMode}`)
  }

  protected sqlTarget(): SqlTarget {
    return { http: this.#http, path: '/v1/sql', intMode: this.intMode }
  }

  async begin(
    options: { readonly readOnly?: boolean; readonly signal?: AbortSignal } = {},
  ): Promise<Transaction> {
    const body = options.readOnly ? { readOnly: true } : {}
    const begun = await this.#http.request<BeginResponse>(
      'POST',
      '/v1/tx',
      body,
      options.signal,
      isBeginAnswer,
    )
    return new HttpTransaction(this.#http, this.intMode, begun)
  }

  async transaction<T>(
    fn: (tx: Transaction) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError('transaction(fn): fn must be a function')
    try {
      return await retry(async () => {
        const tx = (await this.begin({
          readOnly: options.readOnly ?? false,
          ...(options.signal ? { signal: options.signal } : {}),
        })) as HttpTransaction
        let result: T
        try {
          result = await fn(tx)
        } catch (e) {
          // A commit the callback started may still be on its way (its failure came from a
          // sibling promise): the rollback waits behind it in the transaction's call order, so
          // the state below is how it ended.
          await tx.rollback().catch(() => {})
          // The callback committed (tx.commit()) and then failed: its writes are in, so running
          // it again would apply them twice, whatever the error says.
          if (tx.state === 'committed') throw new NoRetry(e)
          throw e
        }
        if (tx.state === 'open') {
          await tx.commit(options.signal ? { signal: options.signal } : {}).catch((e: unknown) => {
            // Still open: the commit was aborted while it waited its turn, so it was never sent.
            // The rollback goes out in its turn; waiting for it would undo the abort's promptness.
            if (tx.state === 'open') void tx.rollback().catch(() => {})
            throw e
          })
        }
        return result
      }, options)
    } catch (e) {
      throw e instanceof NoRetry ? e.error : e
    }
  }

  info(options: { readonly signal?: AbortSignal } = {}) {
    return this.#http.request<InfoResponse>('GET', '/v1', undefined, options.signal, isObject)
  }

  health(options: { readonly ready: true; readonly signal?: AbortSignal }): Promise<Readiness>
  health(options?: { readonly ready?: false; readonly signal?: AbortSignal }): Promise<HealthResponse>
  health(options?: { readonly ready?: boolean; readonly signal?: AbortSignal }): Promise<HealthResponse | Readiness>
  async health(
    options: { readonly ready?: boolean; readonly signal?: AbortSignal } = {},
  ): Promise<HealthResponse | Readiness> {
    if (options.ready !== true)
      return this.#http.request<HealthResponse>(
        'GET',
        '/v1/health',
        undefined,
        options.signal,
        isHealthAnswer,
      )
    const { status, answer } = await this.#http.exchange<HealthResponse>(
      'GET',
      '/v1/health?ready=1',
      undefined,
      options.signal,
      isHealthAnswer,
      [503],
    )
    return { ...answer, ready: status === 200 }
  }
}

/** Carries an error out of the retry loop unretried (it has no code, so it is never retryable). */
class NoRetry {
  constructor(readonly error: unknown) {}
}

class HttpTransaction extends SqlSender implements Transaction {
  readonly #http: Http
  readonly #intMode: IntMode
  readonly #path: string
  readonly id: string
  readonly region: string
  /** What this client knows: `open` until commit or rollback was answered. */
  state: 'open' | 'committed' | 'rolled back' | 'failed' = 'open'

  constructor(http: Http, intMode: IntMode, begun: BeginResponse) {
    super()
    this.#http = http
    this.#intMode = intMode
    this.id = begun.tx
    this.region = begun.region
    this.#path = `/v1/tx/${encodeURIComponent(begun.tx)}`
  }

  protected sqlTarget(): SqlTarget {
    return { http: this.#http, path: `${this.#path}/sql`, intMode: this.#intMode }
  }

  /** The last request sent or waiting; settled (never rejected) so one failure cannot stop the
   * next. The server runs a transaction's requests in arrival order, so statements issued without
   * awaiting (`Promise.all` of tx.query) must leave one at a time, in call order, as on a
   * PostgreSQL connection. Its length is what the caller has outstanding. */
  #tail: Promise<void> = Promise.resolve()

  /**
   * `send` once every request called before it has finished. A request whose `signal` aborts
   * while it waits rejects at once with the signal's reason, as an aborted fetch does, and its
   * turn passes without sending it: it never reaches the server, so the transaction is as if it
   * had never been called, and the requests behind it keep their order (they still wait for the
   * ones ahead of it). Once sent, the signal is the request's own (Http.request).
   */
  protected override enqueue<T>(
    send: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (!isAbortSignal(signal)) {
      // Not a signal (a caller's mistake) or none: fetch, given it, rejects it in its turn.
      const result = this.#tail.then(send)
      this.#tail = result.then(settled, settled)
      return result
    }
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      this.#tail = this.#tail.then(async () => {
        signal.removeEventListener('abort', onAbort)
        // Aborted while it waited: already rejected, and never to be sent.
        if (signal.aborted) return
        try {
          resolve(await send())
        } catch (e) {
          reject(e)
        }
      })
    })
  }

  commit(options: { readonly signal?: AbortSignal } = {}): Promise<{ readonly commitTs: string }> {
    return this.enqueue(() => this.#commit(options.signal), options.signal)
  }

  async #commit(signal: AbortSignal | undefined): Promise<{ readonly commitTs: string }> {
    try {
      const answer = await this.#http.request<CommitResponse>(
        'POST',
        `${this.#path}/commit`,
        {},
        signal,
        isCommitAnswer,
      )
      this.state = 'committed'
      return { commitTs: answer.commitTs }
    } catch (e) {
      this.state = 'failed'
      // Aborting stops the wait, not the commit, which may have landed: settle it like a lost
      // answer rather than report a failure that may be false.
      if (signal?.aborted)
        return this.#settleUnknown(
          new TesseraError({
            code: '08006',
            message: 'the commit was aborted before its answer came',
            cause: e,
          }),
        )
      // A lost answer (08006), one that is not Tessera's (08P01: a proxy's, say) or the server's
      // 40003 leave the outcome open: ask, never guess.
      if (e instanceof TesseraError && ['40003', '08006', '08P01'].includes(e.code))
        return this.#settleUnknown(e)
      throw e
    }
  }

  rollback(): Promise<void> {
    return this.enqueue(() => this.#rollback(), undefined)
  }

  async #rollback(): Promise<void> {
    await this.#http.request('POST', `${this.#path}/rollback`, {}, undefined, isObject)
    if (this.state === 'open') this.state = 'rolled back'
  }

  status(options: { readonly signal?: AbortSignal } = {}): Promise<TxStatusResponse> {
    return this.#http.request<TxStatusResponse>(
      'GET',
      this.#path,
      undefined,
      options.signal,
      isTxStatusAnswer,
    )
  }

  /** Learns how a commit whose answer was lost or 40003 ended; rejects unless it committed. */
  async #settleUnknown(cause: TesseraError): Promise<{ readonly commitTs: string }> {
    let status = await this.status().catch(() => undefined)
    if (status?.status === 'open') {
      // The commit never ran: rolling back (queued behind any commit still running) settles it.
      // 25000 means the commit landed after all.
      const rolledBack = await this.#rollback().then(
        () => true,
        (e) => (e instanceof TesseraError && e.code === '25000' ? false : undefined),
      )
      status =
        rolledBack === true
          ? { status: 'aborted' }
          : rolledBack === false
            ? await this.status().catch(() => undefined)
            : undefined
    }
    if (status?.status === 'committed') {
      this.state = 'committed'
      return { commitTs: status.commitTs ?? '' }
    }
    if (status?.status === 'aborted') {
      throw new TesseraError({
        code: '40000',
        message: `the commit's outcome was unknown (${cause.code}); the server reports the transaction rolled back, so re-running it is safe`,
        cause,
      })
    }
    if (cause.code === '40003') throw cause
    throw new TesseraError({
      code: '40003',
      message: `the commit's answer was lost or unreadable and the server could not say how it ended: it may or may not have committed`,
      hint: `ask GET /v1/tx/${this.id} later, or check the data before re-running`,
      cause,
    })
  }
}

/** A chain link's end, whatever the request answered: its answer is its caller's, not the chain's. */
function settled(): void {}

/** True for an AbortSignal (checked by shape: a polyfill's is one too). */
function isAbortSignal(signal: unknown): signal is AbortSignal {
  return (
    typeof signal === 'object' &&
    signal !== null &&
    typeof (signal as AbortSignal).addEventListener === 'function' &&
    typeof (signal as AbortSignal).aborted === 'boolean'
  )
}

/** Sends one statement; every failure, argument errors included, is a rejection. */
async function runStatement<Row>(
  http: Http,
  path: string,
  clientIntMode: IntMode,
  sql: string | SqlQuery<Row>,
  paramsOrOptions: readonly unknown[] | QueryOptions | undefined,
  maybeOptions: QueryOptions | undefined,
): Promise<QueryResult<Row>> {
  const isText = typeof sql === 'string'
  if (!isText && Array.isArray(paramsOrOptions))
    throw new TypeError('query(sql`...`): the values are in the template; pass options second')
  const params = isText ? ((paramsOrOptions as readonly unknown[] | undefined) ?? []) : sql.values
  const options = (isText ? maybeOptions : (paramsOrOptions as QueryOptions | undefined)) ?? {}
  const rowMode = options.rowMode ?? 'object'
  const body = {
    sql: isText ? sql : sql.text,
    params: params.map(encodeParam),
    ...(rowMode === 'array' ? { rowMode } : {}),
  }
  const wire = await http.request<WireResult<unknown>>(
    'POST',
    path,
    body,
    options.signal,
    isWireResult,
  )
  return decodeResult<Row>(wire, options.intMode ?? clientIntMode, rowMode)
}

async function runBatch<const S extends readonly Statement<unknown>[]>(
  http: Http,
  path: string,
  clientIntMode: IntMode,
  statements: S,
  options: QueryOptions = {},
): Promise<BatchResults<S>> {
  if (!Array.isArray(statements) || statements.length === 0)
    throw new TypeError('batch() needs at least one statement')
  const rowMode = options.rowMode ?? 'object'
  const body = {
    statements: statements.map(toWireStatement),
    ...(rowMode === 'array' ? { rowMode } : {}),
  }
  const answer = await http.request<BatchResponse<unknown>>(
    'POST',
    path,
    body,
    options.signal,
    (json) => {
      const results = (json as { results?: unknown }).results
      return (
        Array.isArray(results) && results.length === statements.length && results.every(isWireResult)
      )
    },
  )
  return answer.results.map((r) =>
    decodeResult(r, options.intMode ?? clientIntMode, rowMode),
  ) as BatchResults<S>
}

function toWireStatement(s: Statement<unknown>): { sql: string; params: unknown[] } {
  if (typeof s === 'string') return { sql: s, params: [] }
  if (s instanceof SqlFragment || ('text' in s && 'values' in s)) {
    const q = s as SqlQuery<unknown>
    return { sql: q.text, params: q.values.map(encodeParam) }
  }
  const plain = s as { readonly sql: string; readonly params?: readonly unknown[] }
  return { sql: plain.sql, params: (plain.params ?? []).map(encodeParam) }
}

/** Decodes a wire result's values by field type; rows stay as the server shaped them. */
function decodeResult<Row>(
  wire: WireResult<unknown>,
  intMode: IntMode,
  rowMode: 'object' | 'array',
): QueryResult<Row> {
  const fields = wire.fields
  const decoders = decodersFor(fields, intMode)
  const active = decoders.flatMap((d, i) => (d === undefined ? [] : [[i, d] as const]))
  let rows = wire.rows as unknown[]
  if (active.length > 0) {
    rows = rows.map((row) => {
      if (rowMode === 'array') {
        const out = [...(row as unknown[])]
        for (const [i, decode] of active) out[i] = decode(out[i])
        return out
      }
      const out = { ...(row as Record<string, unknown>) }
      // With duplicate names the later column's value is in the row: decode it by that column.
      const done = new Set<string>()
      for (let k = active.length - 1; k >= 0; k--) {
        const [i, decode] = active[k] as (typeof active)[number]
        const name = (fields[i] as { name: string }).name
        if (done.has(name) || lastIndexOf(fields, name) !== i) continue
        done.add(name)
        out[name] = decode(out[name])
      }
      return out
    })
  }
  return { rows: rows as Row[], fields, rowCount: wire.rowCount, command: wire.command }
}

function lastIndexOf(fields: readonly { name: string }[], name: string): number {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i]?.name === name) return i
  return -1
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// Shape checks of 2xx answers (API.md "Endpoints"): the fields the SDK reads, not every field.
function isObject(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
}

function isWireResult(json: unknown): boolean {
  return (
    isObject(json) &&
    typeof json.command === 'string' &&
    typeof json.rowCount === 'number' &&
    Array.isArray(json.fields) &&
    Array.isArray(json.rows)
  )
}

function isBeginAnswer(json: unknown): boolean {
  return isObject(json) && typeof json.tx === 'string' && typeof json.region === 'string'
}

function isCommitAnswer(json: unknown): boolean {
  return isObject(json) && json.status === 'committed' && typeof json.commitTs === 'string'
}

const TX_STATUSES: ReadonlySet<unknown> = new Set(['open', 'committed', 'aborted', 'unknown'])

function isHealthAnswer(json: unknown): boolean {
  return isObject(json) && typeof json.status === 'string' && typeof json.region === 'string'
}

function isTxStatusAnswer(json: unknown): boolean {
  return isObject(json) && TX_STATUSES.has(json.status)
}

function isErrorBody(json: unknown): json is ErrorBody {
  const error = (json as { error?: { code?: unknown } } | undefined)?.error
  return typeof error === 'object' && error !== null && typeof error.code === 'string'
}

/** bigint anywhere in a parameter (inside a json value, too) travels as its decimal text. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
