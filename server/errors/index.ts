// The SQLSTATE catalogue and the two kinds of failure (ARCHITECTURE.md "disk, encoding, errors"):
// operating errors are `SqlError` values with a PostgreSQL code; bugs are `AssertionError`s.
import { SQLSTATE_NAMES, type SqlState } from './sqlstate.ts'

export { SQLSTATE_NAMES, type SqlState }

/** Optimistic-concurrency conflict reasons, as Aurora DSQL names them. */
export type ConflictCode = 'OC000' | 'OC001'

/** Fields PostgreSQL attaches to an error, all optional except the code and message. */
export interface SqlErrorFields {
  readonly detail?: string | undefined
  readonly hint?: string | undefined
  /** 1-based character offset into the statement text. */
  readonly position?: number | undefined
  readonly cause?: unknown
}

/**
 * An operating error: something a client did or a condition of the system, never a bug.
 * `code` is always a PostgreSQL SQLSTATE; the api maps its class to an HTTP status.
 */
export class SqlError extends Error {
  override readonly name = 'SqlError'
  readonly code: SqlState
  readonly detail: string | undefined
  readonly hint: string | undefined
  readonly position: number | undefined

  constructor(code: SqlState, message: string, fields: SqlErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause })
    this.code = code
    this.detail = fields.detail
    this.hint = fields.hint
    this.position = fields.position
  }

  /** A copy carrying a statement position (the parser and binder know it, deeper code does not). */
  withPosition(position: number | undefined): SqlError {
    if (position === undefined || this.position !== undefined) return this
    return new SqlError(this.code, this.message, {
      detail: this.detail,
      hint: this.hint,
      position,
      cause: this.cause,
    })
  }

  /** Whether retrying the whole transaction may succeed (serialization failures only). */
  get retryable(): boolean {
    return this.code === '40001'
  }
}

/** A broken invariant: a bug. Never caught; on in production. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError'
}

/** Throws `AssertionError` unless `condition` holds. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message)
}

/** Marks the end of an exhaustive switch over a `kind` union. */
export function assertNever(value: never): never {
  throw new AssertionError(`unexpected variant: ${JSON.stringify(value)}`)
}

/** True when `e` is a `SqlError` (also across realms/copies, by shape). */
export function isSqlError(e: unknown): e is SqlError {
  return e instanceof SqlError
}

// Per-condition constructors, so no call site can forget or mistype a code.

export const syntaxError = (message: string, position?: number) =>
  new SqlError('42601', message, { position })
export const featureNotSupported = (feature: string, position?: number) =>
  new SqlError('0A000', `${feature} is not supported`, { position })
/** featureNotSupported for a feature named in the plural ("temporary tables are not supported"). */
export const featuresNotSupported = (features: string, position?: number) =>
  new SqlError('0A000', `${features} are not supported`, { position })
export const undefinedTable = (name: string, position?: number) =>
  new SqlError('42P01', `relation "${name}" does not exist`, { position })
export const duplicateTable = (name: string) =>
  new SqlError('42P07', `relation "${name}" already exists`)
export const undefinedColumn = (name: string, position?: number) =>
  new SqlError('42703', `column "${name}" does not exist`, { position })
export const duplicateColumn = (name: string) =>
  new SqlError('42701', `column "${name}" specified more than once`)
export const ambiguousColumn = (name: string, position?: number) =>
  new SqlError('42702', `column reference "${name}" is ambiguous`, { position })
export const undefinedObject = (what: string, name: string) =>
  new SqlError('42704', `${what} "${name}" does not exist`)
export const undefinedFunction = (signature: string, position?: number) =>
  new SqlError('42883', `function ${signature} does not exist`, {
    position,
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  })
export const undefinedParameter = (n: number, position?: number) =>
  new SqlError('42P02', `there is no parameter $${n}`, { position })
export const datatypeMismatch = (message: string, position?: number) =>
  new SqlError('42804', message, { position })
export const groupingError = (message: string, position?: number) =>
  new SqlError('42803', message, { position })
export const invalidTextRepresentation = (type: string, text: string) =>
  new SqlError('22P02', `invalid input syntax for type ${type}: "${text}"`)
export const numericValueOutOfRange = (message = 'value out of range') =>
  new SqlError('22003', message)
export const divisionByZero = () => new SqlError('22012', 'division by zero')
export const stringDataRightTruncation = (type: string) =>
  new SqlError('22001', `value too long for type ${type}`)
export const invalidDatetimeFormat = (type: string, text: string) =>
  new SqlError('22007', `invalid input syntax for type ${type}: "${text}"`)
export const datetimeFieldOverflow = (type: string, text: string) =>
  new SqlError('22008', `date/time field value out of range: "${text}"`, { detail: type })
export const invalidParameterValue = (message: string) => new SqlError('22023', message)
export const notNullViolation = (column: string, table: string) =>
  new SqlError('23502', `null value in column "${column}" of relation "${table}" violates not-null constraint`)
export const uniqueViolation = (constraint: string, detail: string) =>
  new SqlError('23505', `duplicate key value violates unique constraint "${constraint}"`, { detail })
export const checkViolation = (constraint: string, table: string) =>
  new SqlError('23514', `new row for relation "${table}" violates check constraint "${constraint}"`)
export const serializationFailure = (code: ConflictCode, detail?: string) =>
  new SqlError('40001', `change conflicts with another transaction, please retry: (${code})`, {
    detail,
  })
export const commitOutcomeUnknown = (detail?: string) =>
  new SqlError('40003', 'the outcome of the commit is unknown', { detail })
export const programLimitExceeded = (message: string, hint?: string) =>
  new SqlError('54000', message, { hint })
export const outOfMemory = (message: string) => new SqlError('53200', message)
/** A write refused because the file system is full (ENOSPC, EDQUOT, SQLITE_FULL): `failed` says
 * what could not be done (`could not write journal local/j0`), the message adds the cause. */
export const diskFull = (failed: string, fields: SqlErrorFields = {}) =>
  new SqlError('53100', `${failed}: no space left on device`, fields)
export const queryCanceled = (message = 'canceling statement due to statement timeout') =>
  new SqlError('57014', message)
export const invalidAuthorization = (message = 'a valid bearer token is required') =>
  new SqlError('28000', message)
export const insufficientPrivilege = (message: string) => new SqlError('42501', message)
/** `region` is the region that was asked: a transaction is known only in the region that began
 * it, which the hint says, as a client that sent it elsewhere gets this too. */
export const unknownTransaction = (tx: string, region: string) =>
  new SqlError('25P03', `transaction "${tx}" is unknown or has expired`, {
    hint: `A transaction lives in the region that began it (the region named in the answer to POST /v1/tx); this is region ${region}.`,
  })
export const inFailedTransaction = () =>
  new SqlError(
    '25P02',
    'current transaction is aborted, commands ignored until end of transaction block',
  )
export const readOnlyTransaction = (statement: string) =>
  new SqlError('25006', `cannot execute ${statement} in a read-only transaction`)
export const invalidTransactionState = (message: string) => new SqlError('25000', message)
export const cannotConnectNow = (message: string) => new SqlError('57P03', message)
export const protocolViolation = (message: string) => new SqlError('08P01', message)
export const internalError = (message: string, cause?: unknown) =>
  new SqlError('XX000', message, { cause })
