// Session settings (ARCHITECTURE.md "query processor"): SET, SHOW and RESET of PostgreSQL's common
// parameters. The HTTP API has no session beyond a transaction, so every setting lives and dies
// with the transaction that set it (SET and SET LOCAL alike).
import type { Node, VariableSetStmt } from 'libpg-query'
import { featureNotSupported, invalidParameterValue, SqlError } from '../errors/index.ts'
import type { Result } from './index.ts'

/** What a parameter accepts: its canonical value for a valid input, or a thrown SqlError. */
type Check = (value: string, name: string) => string

interface Parameter {
  /** PostgreSQL's spelling, used as SHOW's column name. */
  readonly display: string
  readonly initial: string
  /** Undefined for read-only parameters (55P02 on SET). */
  readonly check: Check | undefined
  readonly description: string
}

const anything: Check = (value) => value

const onOff: Check = (value, name) => {
  const v = value.toLowerCase()
  if (['on', 'true', 'yes', '1'].includes(v)) return 'on'
  if (['off', 'false', 'no', '0'].includes(v)) return 'off'
  throw invalidParameterValue(`parameter "${name}" requires a Boolean value`)
}

/** Only `on`: Tessera's string literals always follow the standard (backslash is literal). */
const alwaysOn: Check = (value, name) => {
  if (onOff(value, name) !== 'on') throw featureNotSupported(`${name} = off`)
  return 'on'
}

const UTC_NAMES = new Set([
  'utc',
  'etc/utc',
  'gmt',
  'etc/gmt',
  'z',
  'zulu',
  'universal',
  'uct',
  '0',
  '+0',
  '-0',
  '+00',
  '+00:00',
])

/** UTC only: values and timestamps are rendered in UTC everywhere (API.md "Values"). */
const timeZone: Check = (value) => {
  if (UTC_NAMES.has(value.toLowerCase())) return 'UTC'
  if (!isTimeZone(value))
    throw invalidParameterValue(`invalid value for parameter "TimeZone": "${value}"`)
  throw featureNotSupported(`time zone "${value}" (only UTC)`)
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return true
  } catch {
    return false
  }
}

const clientEncoding: Check = (value) => {
  if (['utf8', 'utf-8', 'unicode'].includes(value.toLowerCase())) return 'UTF8'
  throw featureNotSupported(`client_encoding "${value}" (only UTF8)`)
}

const dateStyle: Check = (value) => {
  const parts = value.split(',').map((p) => p.trim().toUpperCase())
  if (parts.every((p) => p === 'ISO' || p === 'MDY' || p === '')) return 'ISO, MDY'
  throw featureNotSupported(`DateStyle "${value}" (only ISO)`)
}

const SEARCH_PATH_OK = new Set(['public', '"$user"', '$user', 'pg_catalog'])

/** Only `public` is searched for tables; `"$user"` and `pg_catalog` are accepted as PostgreSQL's
 * defaults name them. */
const searchPath: Check = (value) => {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const bad = items.find((s) => !SEARCH_PATH_OK.has(s.toLowerCase()))
  if (bad !== undefined) throw featureNotSupported(`search_path containing ${bad} (only public)`)
  return items.map((s) => (s === '$user' ? '"$user"' : s.toLowerCase())).join(', ')
}

const ISOLATION_LEVELS = new Set(['read uncommitted', 'read committed', 'repeatable read'])

/** Snapshot isolation is PostgreSQL's REPEATABLE READ. The weaker levels may run stricter (the SQL
 * standard allows it); SERIALIZABLE cannot be honoured, so it is refused rather than weakened. */
const isolation: Check = (value) => {
  const v = value.toLowerCase()
  if (ISOLATION_LEVELS.has(v)) return 'repeatable read'
  if (v === 'serializable') {
    throw featureNotSupported(
      'SERIALIZABLE isolation (transactions run under snapshot isolation, REPEATABLE READ)',
    )
  }
  throw invalidParameterValue(`invalid value for parameter "transaction_isolation": "${value}"`)
}

/** A duration in milliseconds as PostgreSQL parses one (a bare number is milliseconds). */
const duration: Check = (value, name) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/i.exec(value)
  if (m === null) throw invalidParameterValue(`invalid value for parameter "${name}": "${value}"`)
  const scale: Record<string, number> = {
    us: 0.001,
    ms: 1,
    s: 1000,
    min: 60_000,
    h: 3_600_000,
    d: 86_400_000,
  }
  const ms = Math.round(Number(m[1]) * (scale[(m[2] ?? 'ms').toLowerCase()] ?? 1))
  return String(ms)
}

/** Intervals are always rendered in PostgreSQL's default style (API.md "Values"). */
const intervalStyle: Check = (value) => {
  if (value.toLowerCase() === 'postgres') return 'postgres'
  if (['postgres_verbose', 'sql_standard', 'iso_8601'].includes(value.toLowerCase()))
    throw featureNotSupported(`IntervalStyle "${value}" (only postgres)`)
  throw invalidParameterValue(`invalid value for parameter "IntervalStyle": "${value}"`)
}

const integer: Check = (value, name) => {
  if (!/^\s*-?\d+\s*$/.test(value))
    throw invalidParameterValue(`invalid value for parameter "${name}": "${value}"`)
  return String(Number(value))
}

const p = (
  display: string,
  initial: string,
  check: Check | undefined,
  description: string,
): Parameter => ({
  display,
  initial,
  check,
  description,
})

/** The parameters Tessera knows, by lowercase name (PostgreSQL's names are case-insensitive). */
const PARAMETERS: ReadonlyMap<string, Parameter> = new Map(
  [
    p('application_name', '', anything, 'Sets the application name to be reported.'),
    p('client_encoding', 'UTF8', clientEncoding, "Sets the client's character set encoding."),
    p(
      'client_min_messages',
      'notice',
      anything,
      'Sets the message levels that are sent to the client.',
    ),
    p('DateStyle', 'ISO, MDY', dateStyle, 'Sets the display format for date and time values.'),
    p(
      'default_transaction_isolation',
      'repeatable read',
      isolation,
      'Sets the transaction isolation level of each new transaction.',
    ),
    p(
      'extra_float_digits',
      '1',
      integer,
      'Sets the number of digits displayed for floating-point values.',
    ),
    p(
      'idle_in_transaction_session_timeout',
      '0',
      duration,
      "Accepted; the server's idle timeout applies.",
    ),
    p('integer_datetimes', 'on', undefined, 'Shows whether datetimes are integer based.'),
    p('IntervalStyle', 'postgres', intervalStyle, 'Sets the display format for interval values.'),
    p('lock_timeout', '0', duration, 'Accepted; Tessera never waits for locks.'),
    p('max_identifier_length', '63', undefined, 'Shows the maximum identifier length.'),
    p(
      'search_path',
      '"$user", public',
      searchPath,
      'Sets the schema search order for names that are not schema-qualified.',
    ),
    p('server_encoding', 'UTF8', undefined, 'Shows the server (database) character set encoding.'),
    p('server_version', '16.0', undefined, 'Shows the server version.'),
    p('server_version_num', '160000', undefined, 'Shows the server version as an integer.'),
    p(
      'standard_conforming_strings',
      'on',
      alwaysOn,
      "Causes '...' strings to treat backslashes literally.",
    ),
    p(
      'statement_timeout',
      '0',
      duration,
      'Sets the maximum allowed duration of any statement (the server limit still applies).',
    ),
    p(
      'TimeZone',
      'UTC',
      timeZone,
      'Sets the time zone for displaying and interpreting time stamps.',
    ),
    p(
      'transaction_isolation',
      'repeatable read',
      isolation,
      "Sets the current transaction's isolation level.",
    ),
    p(
      'transaction_read_only',
      'off',
      undefined,
      "Shows the current transaction's read-only status.",
    ),
  ].map((param) => [param.display.toLowerCase(), param]),
)

const unrecognized = (name: string) =>
  new SqlError('42704', `unrecognized configuration parameter "${name}"`)

/** A placeholder parameter (`app.user_id`): PostgreSQL accepts any dotted name with SET. */
const isCustom = (name: string) => /^[a-z_][a-z0-9_$]*\.[a-z0-9_$.]+$/.test(name)

/** The settings of one transaction. */
export class Settings {
  readonly #values = new Map<string, string>()
  readonly #readOnly: boolean

  constructor(readOnly: boolean) {
    this.#readOnly = readOnly
  }

  /** The value as SHOW prints it; undefined for an unknown parameter. */
  get(name: string): string | undefined {
    const key = name.toLowerCase()
    if (key === 'transaction_read_only') return this.#readOnly ? 'on' : 'off'
    return this.#values.get(key) ?? PARAMETERS.get(key)?.initial
  }

  /** The value or 42704 (current_setting without missing_ok, SHOW). */
  require(name: string): string {
    const value = this.get(name)
    if (value === undefined) throw unrecognized(name.toLowerCase())
    return value
  }

  /** Sets a parameter (undefined: back to its initial value) and returns the value now in force.
   * 42704 unknown, 55P02 read-only, 22023 or 0A000 for values Tessera cannot honour. */
  set(name: string, value: string | undefined): string {
    const key = name.toLowerCase()
    const param = PARAMETERS.get(key)
    if (param === undefined) {
      if (!isCustom(key)) throw unrecognized(key)
      if (value === undefined) this.#values.delete(key)
      else this.#values.set(key, value)
      return value ?? ''
    }
    if (param.check === undefined)
      throw new SqlError('55P02', `parameter "${key}" cannot be changed`)
    if (value === undefined) {
      this.#values.delete(key)
      return param.initial
    }
    const checked = param.check(value, key)
    this.#values.set(key, checked)
    return checked
  }

  /** Every known parameter back to its initial value (RESET ALL). Placeholders go too. */
  resetAll(): void {
    this.#values.clear()
  }

  /** statement_timeout in force: the smaller of the setting (0 = none) and the server limit. */
  statementTimeoutMs(serverMs: number): number {
    const ms = Number(this.get('statement_timeout') ?? '0')
    return ms > 0 && ms < serverMs ? ms : serverMs
  }

  /** SHOW ALL's rows: name, setting, description. */
  all(): string[][] {
    return [...PARAMETERS.entries()].map(([key, param]) => [
      param.display,
      this.get(key) ?? '',
      param.description,
    ])
  }
}

const TEXT_FIELD = (name: string) => ({ name, type: 'text' })

/**
 * Runs SET, SHOW or RESET; undefined when `stmt` is none of them. SET TRANSACTION accepts the
 * isolation levels `isolation` accepts and READ WRITE; READ ONLY and DEFERRABLE are 0A000 (a
 * read-only transaction is asked for at begin: `POST /v1/tx {readOnly: true}`).
 */
export function runSessionStatement(settings: Settings, stmt: Node): Result | undefined {
  if ('VariableShowStmt' in stmt) {
    const name = (stmt.VariableShowStmt.name ?? '').toLowerCase()
    if (name === 'all') {
      return {
        command: 'SHOW',
        rowCount: PARAMETERS.size,
        fields: ['name', 'setting', 'description'].map(TEXT_FIELD),
        rows: settings.all(),
      }
    }
    const value = settings.require(name)
    const display = PARAMETERS.get(name)?.display ?? name
    return { command: 'SHOW', rowCount: 1, fields: [TEXT_FIELD(display)], rows: [[value]] }
  }
  if (!('VariableSetStmt' in stmt)) return undefined
  const s = stmt.VariableSetStmt
  const command = s.kind === 'VAR_RESET' || s.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET'
  switch (s.kind) {
    case 'VAR_SET_VALUE':
      settings.set(s.name ?? '', setValue(s))
      break
    case 'VAR_SET_DEFAULT':
    case 'VAR_RESET':
      settings.set(s.name ?? '', undefined)
      break
    case 'VAR_RESET_ALL':
      settings.resetAll()
      break
    case 'VAR_SET_MULTI':
      setMulti(settings, s)
      break
    default:
      throw featureNotSupported(`SET ${s.kind ?? ''}`)
  }
  return { command, rowCount: 0, fields: [], rows: [] }
}

/** The value list of SET as PostgreSQL flattens it: items joined by ", ". */
function setValue(s: VariableSetStmt): string {
  return (s.args ?? []).map(constantText).join(', ')
}

function constantText(node: Node): string {
  if ('A_Const' in node) {
    const c = node.A_Const
    if (c.sval !== undefined) return c.sval.sval ?? ''
    if (c.ival !== undefined) return String(c.ival.ival ?? 0)
    if (c.fval !== undefined) return c.fval.fval ?? ''
    if (c.boolval !== undefined) return c.boolval.boolval === true ? 'on' : 'off'
  }
  if ('TypeCast' in node && node.TypeCast.arg !== undefined) return constantText(node.TypeCast.arg)
  throw new SqlError('42601', 'SET requires a constant value')
}

/** SET TRANSACTION / SET SESSION CHARACTERISTICS AS TRANSACTION: a list of DefElems. */
function setMulti(settings: Settings, s: VariableSetStmt): void {
  for (const arg of s.args ?? []) {
    if (!('DefElem' in arg)) throw featureNotSupported('this form of SET')
    const { defname, arg: value } = arg.DefElem
    const text = value === undefined ? '' : constantText(value)
    if (defname === 'transaction_isolation') settings.set('transaction_isolation', text)
    else if (defname === 'transaction_read_only') {
      if (text === 'on' || text === '1' || text === 'true') {
        throw featureNotSupported(
          'SET TRANSACTION READ ONLY (begin the transaction read-only instead)',
        )
      }
    } else throw featureNotSupported(`SET TRANSACTION ${defname?.toUpperCase() ?? ''}`)
  }
}
