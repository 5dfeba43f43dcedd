// Limits of the HTTP API (ARCHITECTURE.md "api"): every request, batch, session table and queue
// has a maximum here; relations between them are asserted at load.
import { assert } from '../errors/index.ts'

/** The product name and version GET /v1 reports. */
export const PRODUCT_NAME = 'tessera'
export const PRODUCT_VERSION = '0.1.0'

/** Verified tokens remembered (per region) so a repeated token skips the HMAC. */
export const VERIFIED_TOKENS_MAX = 10_000

/** Default limits of the API; each can be overridden through `ApiLimits`. */
export const API_DEFAULTS = {
  /** Request body bytes; over it: 413 with 54000, checked before parsing. */
  bodyBytesMax: 1024 * 1024,
  /** Statements in one batch (`{statements: [...]}`); over it: 413 with 54000. */
  statementsMax: 1000,
  /** Bound parameters of one statement; PostgreSQL's wire protocol caps them at 65535. */
  paramsMax: 65_535,
  /** Characters of SQL text in one statement. */
  sqlCharsMax: 512 * 1024,
  /** Open interactive transactions in this region; over it: 503 with 53300. */
  sessionsMax: 1000,
  /** An interactive transaction without a request for this long is rolled back. */
  idleTimeoutMs: 30_000,
  /** An interactive transaction older than this is rolled back, busy or not (as DSQL: 5 min). */
  txAgeMsMax: 5 * 60_000,
  /** Ended transactions remembered for GET /v1/tx/:tx (and repeated commits); oldest forgotten. */
  endedTxMax: 10_000,
  /** Requests waiting on one interactive transaction (they run one at a time); over it: 503. */
  txQueueMax: 32,
} as const

assert(API_DEFAULTS.idleTimeoutMs <= API_DEFAULTS.txAgeMsMax, 'idle timeout beyond the age limit')
assert(API_DEFAULTS.sqlCharsMax <= API_DEFAULTS.bodyBytesMax, 'SQL text limit beyond the body')
assert(API_DEFAULTS.statementsMax >= 1 && API_DEFAULTS.txQueueMax >= 1, 'limits must allow one')

/** Bytes of random transaction handle (unguessable: a handle is a capability). */
export const TX_HANDLE_BYTES = 16

/** Default lifetime of a token `tessera token` prints. */
export const TOKEN_TTL_MS_DEFAULT = 60 * 60_000

/** Bytes of a freshly generated cluster secret (hex encoded on disk). */
export const SECRET_BYTES = 32

/** The cluster secret's file name at the top of the cluster directory. */
export const SECRET_FILE = 'cluster.secret'
