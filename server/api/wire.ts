// The JSON wire format of the HTTP API (API.md "Endpoints", "Result", "Errors"). Types only: the
// client SDK imports them with `import type`, so this file must stay free of runtime code.

/** A value as API.md puts it on the wire (see API.md "Values"). */
export type WireValue =
  null | boolean | number | string | WireValue[] | { readonly [k: string]: unknown }

/** How result rows are shaped: objects keyed by field name (default) or arrays in field order. */
export type RowMode = 'object' | 'array'

/** One statement: SQL text with `$1, $2, ...` bound to `params` in order. */
export interface StatementRequest {
  readonly sql: string
  readonly params?: readonly unknown[]
}

/** POST /v1/sql and POST /v1/tx/:tx/sql with one statement. */
export interface SqlRequest extends StatementRequest {
  readonly rowMode?: RowMode
}

/** POST /v1/sql and POST /v1/tx/:tx/sql with several statements, run in ONE transaction. */
export interface BatchRequest {
  readonly statements: readonly StatementRequest[]
  readonly rowMode?: RowMode
}

/** POST /v1/tx. */
export interface BeginRequest {
  readonly readOnly?: boolean
}

/** A result column: its name and PostgreSQL type name (`int8`, `text`, `timestamptz`, ...). */
export interface WireField {
  readonly name: string
  readonly type: string
}

/** A row keyed by field name; with duplicate names the later column wins (as node-postgres). */
export type ObjectRow = { readonly [name: string]: WireValue }
/** A row as values in field order (`rowMode: 'array'`). */
export type ArrayRow = readonly WireValue[]

/** The result of one statement. */
export interface WireResult<Row = ObjectRow> {
  /** PostgreSQL's command tag word: SELECT, INSERT, UPDATE, DELETE, CREATE TABLE, ... */
  readonly command: string
  /** Rows returned (SELECT, RETURNING) or affected (INSERT, UPDATE, DELETE). */
  readonly rowCount: number
  readonly fields: readonly WireField[]
  readonly rows: readonly Row[]
}

/** The answer to a batch: one result per statement, in order. */
export interface BatchResponse<Row = ObjectRow> {
  readonly results: readonly WireResult<Row>[]
}

/** 201 answer to POST /v1/tx. */
export interface BeginResponse {
  /** The transaction handle for /v1/tx/:tx/...; unguessable. */
  readonly tx: string
  /** The region the transaction lives in; later requests must reach the same region. */
  readonly region: string
  /** ISO 8601 time after which the transaction is rolled back however busy (the age limit). */
  readonly expiresAt: string
  /** Extension: an idle transaction is rolled back after this many milliseconds. */
  readonly idleTimeoutMs: number
}

/** 200 answer to POST /v1/tx/:tx/commit. */
export interface CommitResponse {
  readonly status: 'committed'
  /** The commit timestamp (an HLC timestamp as a decimal string). */
  readonly commitTs: string
}

/** 200 answer to POST /v1/tx/:tx/rollback. */
export interface RollbackResponse {
  readonly status: 'rolled_back'
}

/**
 * What a transaction's status is. `unknown` is an extension: the commit's outcome could not be
 * learned (40003); it may still land, so clients must not assume either way.
 */
export type TxStatus = 'open' | 'committed' | 'aborted' | 'unknown'

/** 200 answer to GET /v1/tx/:tx. */
export interface TxStatusResponse {
  readonly status: TxStatus
  /** Extension: present when committed. */
  readonly commitTs?: string
}

/** One region of the cluster as GET /v1 lists it. */
export interface WireRegion {
  readonly name: string
  /** `full` serves clients; `witness` only votes and stores journal replicas. */
  readonly role: string
  readonly url: string
}

/** 200 answer to GET /v1. */
export interface InfoResponse {
  readonly name: string
  readonly version: string
  /** The region that answered. */
  readonly region: string
  readonly regions: readonly WireRegion[]
}

/**
 * Answer to GET /v1/health: 200 while the process serves, `ok` when the region can begin
 * transactions, `degraded` (with `reason`) when it answers them 57P03 for now (a region it needs
 * is unreachable, or a majority of regions is); 503 `starting` while the process recovers, before
 * it serves, and 503 `closing` during shutdown. With `?ready=1` the same body, and 503 unless `ok`.
 */
export interface HealthResponse {
  readonly status: 'ok' | 'degraded' | 'closing' | 'starting'
  readonly region: string
  /** Present on a witness, which runs no SQL: `degraded` there says it cannot reach a full region
   * (whose journals it keeps a replica of) or a majority of the regions. */
  readonly role?: 'witness'
  /** Present when `degraded`: what the region cannot reach. */
  readonly reason?: string
  /** Extension: interactive transactions open right now. */
  readonly openTransactions: number
}

/** The body of every non-2xx answer. Absent fields are null, never missing. */
export interface ErrorBody {
  readonly error: {
    /** A PostgreSQL SQLSTATE, always. */
    readonly code: string
    readonly message: string
    readonly detail: string | null
    readonly hint: string | null
    /** 1-based character offset into the SQL text. */
    readonly position: number | null
    /** True exactly for 40001: retrying the whole transaction may succeed. */
    readonly retryable: boolean
  }
}
