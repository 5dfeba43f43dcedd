// `tessera sql` (API.md "Running"): runs SQL against a region over the HTTP API and prints psql's
// aligned table; without SQL, an interactive shell where BEGIN/COMMIT/ROLLBACK map to /v1/tx.
import { createInterface } from 'node:readline'
import type {
  ArrayRow,
  BatchResponse,
  BeginResponse,
  ErrorBody,
  WireField,
  WireResult,
  WireValue,
} from '../server/api/wire.ts'
import { HELP, parseArgs, usageChecked } from './args.ts'
import { runMeta, type ShellSettings } from './sql-meta.ts'

/** Where the command reads and writes; tests pass their own. */
export interface SqlIo {
  /** Writes text as is (callers end lines themselves). */
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Input lines of the interactive shell. */
  readonly lines: () => AsyncIterable<string>
  /** Whether to print prompts (stdin is a terminal). */
  readonly prompt: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  /** Calls `handler` on each Ctrl-C (SIGINT) until the function it returns is called; `handler`
   * answers whether it dealt with it (false: quit, as the signal would). Absent, Ctrl-C keeps its
   * default. */
  readonly onInterrupt?: (handler: () => boolean) => () => void
}

const consoleIo: SqlIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  lines: () => createInterface({ input: process.stdin, terminal: false }),
  prompt: process.stdin.isTTY === true,
  env: process.env,
  onInterrupt: (handler) => {
    const listener = () => {
      if (!handler()) process.exit(130)
    }
    process.on('SIGINT', listener)
    return () => void process.off('SIGINT', listener)
  },
}

export const sqlUsage = 'usage: tessera sql --url URL [--token T] ["SQL"]   (token also from TESSERA_TOKEN)'

/** Runs `tessera sql ARGS`; resolves to the exit code: 0 ok (or help), 1 SQL or connection error,
 * 2 usage. */
export async function runSql(args: readonly string[], io: SqlIo = consoleIo): Promise<number> {
  // The usage as whole lines: io writes text as is.
  const out = { stdout: (line: string) => io.stdout(`${line}\n`), stderr: (line: string) => io.stderr(`${line}\n`) }
  const parsed = usageChecked('sql', sqlUsage, () => {
    const { flags, positional } = parseArgs(args, [], ['url', 'token'])
    if (flags.has('help')) return HELP
    if (positional.length > 1) throw new Error('give the SQL as one argument (quote it)')
    const url = flags.get('url') ?? io.env.TESSERA_URL ?? 'http://127.0.0.1:8080'
    return { client: new SqlClient(url, flags.get('token') ?? io.env.TESSERA_TOKEN), sql: positional[0] }
  }, out)
  if (typeof parsed === 'number') return parsed
  const { client, sql } = parsed
  return sql === undefined ? runShell(client, io) : runOnce(client, sql, io)
}

/** One-shot: several statements without BEGIN/COMMIT run as one batch (one transaction, as
 * `psql -c` does); with explicit transaction control they run one by one, stopping at an error. */
async function runOnce(client: SqlClient, sql: string, io: SqlIo): Promise<number> {
  if (sql.trim().startsWith('\\')) {
    const outcome = await runMeta(sql, client, { timing: false })
    if ('error' in outcome) {
      io.stderr(`${outcome.error}\n`)
      return 1
    }
    if ('out' in outcome) io.stdout(outcome.out)
    return 0
  }
  const { statements, rest } = splitStatements(sql)
  if (rest.trim() !== '') statements.push(rest)
  if (statements.length === 0) return 0
  if (statements.length > 1 && !statements.some((s) => txControlOf(s) !== undefined)) {
    const outcome = await client.batch(statements)
    if (!outcome.ok) return printError(outcome.error, io)
    for (const result of outcome.value.results) io.stdout(formatResult(result))
    return 0
  }
  for (const statement of statements) {
    if (!(await runStatement(client, statement, io))) {
      await client.abandon()
      return 1
    }
  }
  await client.abandon()
  return 0
}

/** The interactive shell: statements end with `;`, backslash commands (sql-meta.ts) take a line
 * of their own, `\\q` quits, EOF rolls back an open transaction. Ctrl-C discards the statement
 * being typed, as in psql; while a statement runs it quits, since the server cannot cancel one
 * (an open transaction is then rolled back at its idle timeout). */
async function runShell(client: SqlClient, io: SqlIo): Promise<number> {
  let buffer = ''
  let busy = false
  const settings: ShellSettings = { timing: false }
  const prompt = () => {
    if (!io.prompt) return
    const state = client.inTransaction ? (client.failed ? '!' : '*') : ''
    io.stdout(`tessera${buffer.trim() === '' ? '=' : '-'}${state}> `)
  }
  const stopInterrupts = io.onInterrupt?.(() => {
    if (busy) return false
    buffer = ''
    io.stdout('\n')
    prompt()
    return true
  })
  try {
    prompt()
    for await (const line of io.lines()) {
      busy = true
      if (buffer.trim() === '' && line.trim().startsWith('\\')) {
        const outcome = await runMeta(line, client, settings)
        if ('quit' in outcome) break
        if ('error' in outcome) io.stderr(`${outcome.error}\n`)
        else io.stdout(outcome.out)
      } else {
        const { statements, rest } = splitStatements(`${buffer}${line}\n`)
        buffer = rest
        for (const statement of statements) await runStatement(client, statement, io, settings)
      }
      busy = false
      prompt()
    }
    await client.abandon()
  } finally {
    stopInterrupts?.()
  }
  return 0
}

/** Runs one statement (mapping transaction control to the /v1/tx endpoints) and prints it, with
 * its time when `\\timing` is on. */
async function runStatement(client: SqlClient, statement: string, io: SqlIo, settings?: ShellSettings): Promise<boolean> {
  const start = performance.now()
  const ok = await runStatementUntimed(client, statement, io)
  if (settings?.timing === true) io.stdout(`Time: ${(performance.now() - start).toFixed(3)} ms\n`)
  return ok
}

async function runStatementUntimed(client: SqlClient, statement: string, io: SqlIo): Promise<boolean> {
  const control = txControlOf(statement)
  if (control === undefined) {
    const outcome = await client.execute(statement)
    if (!outcome.ok) return printError(outcome.error, io, statement) === 0
    io.stdout(formatResult(outcome.value))
    return true
  }
  if (control.kind === 'begin') {
    if (client.inTransaction) io.stderr('WARNING:  there is already a transaction in progress\n')
    else {
      const outcome = await client.begin(control.readOnly)
      if (!outcome.ok) return printError(outcome.error, io) === 0
    }
    io.stdout('BEGIN\n')
    return true
  }
  if (!client.inTransaction) {
    io.stderr('WARNING:  there is no transaction in progress\n')
    io.stdout(control.kind === 'commit' ? 'COMMIT\n' : 'ROLLBACK\n')
    return true
  }
  const outcome = control.kind === 'commit' ? await client.commit() : await client.rollback()
  if (!outcome.ok) return printError(outcome.error, io) === 0
  io.stdout(control.kind === 'commit' ? 'COMMIT\n' : 'ROLLBACK\n')
  return true
}

/** Prints an error as psql does (with the statement's line and a caret at the error's position
 * when both are known), plus its SQLSTATE; returns the exit code 1. */
function printError(error: ErrorBody['error'], io: SqlIo, statement?: string): number {
  let text = `ERROR:  ${error.message}\n`
  if (error.position !== null && statement !== undefined) text += pointAt(statement, error.position)
  if (error.detail !== null) text += `DETAIL:  ${error.detail}\n`
  if (error.hint !== null) text += `HINT:  ${error.hint}\n`
  io.stderr(`${text}SQLSTATE: ${error.code}\n`)
  return 1
}

/** psql's `LINE n: ...` with a caret under the 1-based character `position` of `sql`. */
export function pointAt(sql: string, position: number): string {
  const before = [...sql].slice(0, position - 1).join('')
  const lines = sql.split('\n')
  const lineIndex = before.split('\n').length - 1
  const column = [...(before.split('\n').at(-1) ?? '')].length
  const prefix = `LINE ${lineIndex + 1}: `
  return `${prefix}${lines[lineIndex] ?? ''}\n${' '.repeat(prefix.length + column)}^\n`
}

type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ErrorBody['error'] }

/** The HTTP side of the shell: one region, one token, at most one open transaction. */
export class SqlClient {
  readonly #url: string
  readonly #token: string | undefined
  #tx: string | undefined
  #failed = false

  constructor(url: string, token: string | undefined) {
    this.#url = url.replace(/\/+$/, '')
    this.#token = token
  }

  get url(): string {
    return this.#url
  }

  get inTransaction(): boolean {
    return this.#tx !== undefined
  }

  /** Whether a statement of the open transaction failed (only ROLLBACK helps then). */
  get failed(): boolean {
    return this.#failed
  }

  execute(sql: string): Promise<Outcome<WireResult<ArrayRow>>> {
    const path = this.#tx === undefined ? '/v1/sql' : `/v1/tx/${this.#tx}/sql`
    return this.#post<WireResult<ArrayRow>>(path, { sql, rowMode: 'array' }).then((o) => {
      if (!o.ok && this.#tx !== undefined) this.#failed = true
      return o
    })
  }

  batch(statements: readonly string[]): Promise<Outcome<BatchResponse<ArrayRow>>> {
    return this.#post(`/v1/sql`, {
      statements: statements.map((sql) => ({ sql })),
      rowMode: 'array',
    })
  }

  async begin(readOnly: boolean): Promise<Outcome<BeginResponse>> {
    const outcome = await this.#post<BeginResponse>('/v1/tx', readOnly ? { readOnly } : {})
    if (outcome.ok) {
      this.#tx = outcome.value.tx
      this.#failed = false
    }
    return outcome
  }

  /** Commits; the transaction is over whatever the answer (a failed commit rolls back). */
  commit(): Promise<Outcome<unknown>> {
    return this.#end('commit')
  }

  rollback(): Promise<Outcome<unknown>> {
    return this.#end('rollback')
  }

  /** Rolls back an open transaction, if any, ignoring the answer (the shell is leaving). */
  async abandon(): Promise<void> {
    if (this.#tx !== undefined) await this.rollback()
  }

  async #end(action: 'commit' | 'rollback'): Promise<Outcome<unknown>> {
    const tx = this.#tx
    this.#tx = undefined
    this.#failed = false
    if (tx === undefined) return { ok: true, value: undefined }
    return this.#post(`/v1/tx/${tx}/${action}`, {})
  }

  async #post<T>(path: string, body: unknown): Promise<Outcome<T>> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' }
    if (this.#token !== undefined) headers.Authorization = `Bearer ${this.#token}`
    let response: Response
    try {
      response = await fetch(`${this.#url}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      })
    } catch (e) {
      return {
        ok: false,
        error: clientError('08001', `cannot reach ${this.#url}: ${(e as Error).message}`),
      }
    }
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return {
        ok: false,
        error: clientError('08P01', `HTTP ${response.status}: ${text.slice(0, 200)}`),
      }
    }
    if (response.ok) return { ok: true, value: json as T }
    const error = (json as Partial<ErrorBody>).error
    return { ok: false, error: error ?? clientError('08P01', `HTTP ${response.status}`) }
  }
}

const clientError = (code: string, message: string): ErrorBody['error'] => ({
  code,
  message,
  detail: null,
  hint: null,
  position: null,
  retryable: false,
})

/** Transaction control the shell maps to endpoints, or undefined for any other statement. */
export function txControlOf(
  statement: string,
):
  | { readonly kind: 'begin'; readonly readOnly: boolean }
  | { readonly kind: 'commit' | 'rollback' }
  | undefined {
  const s = statement.trim().replace(/;\s*$/, '').trim()
  if (/^(begin|start\s+transaction)\b/i.test(s))
    return { kind: 'begin', readOnly: /\bread\s+only\b/i.test(s) }
  if (/^(commit|end)(\s+(work|transaction))?$/i.test(s)) return { kind: 'commit' }
  if (/^(rollback|abort)(\s+(work|transaction))?$/i.test(s)) return { kind: 'rollback' }
  return undefined
}

/**
 * Splits SQL text at top-level semicolons, skipping those inside quotes, dollar quotes and
 * comments. Complete statements exclude their `;`; `rest` is the unfinished tail.
 */
export function splitStatements(text: string): { statements: string[]; rest: string } {
  const statements: string[] = []
  let start = 0
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1)
      if (end < 0) break
      i = end + 1
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i)
      if (end < 0) break
      i = end + 1
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) break
      i = end + 2
    } else if (ch === '$' && /^\$[A-Za-z_]?\w*\$/.test(text.slice(i))) {
      const tag = (/^\$[A-Za-z_]?\w*\$/.exec(text.slice(i)) as RegExpExecArray)[0]
      const end = text.indexOf(tag, i + tag.length)
      if (end < 0) break
      i = end + tag.length
    } else if (ch === ';') {
      const statement = text.slice(start, i).trim()
      if (statement !== '') statements.push(statement)
      start = i + 1
      i++
    } else i++
  }
  return { statements, rest: text.slice(start) }
}

const numericTypes = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid'])

/** A value as psql shows it: NULL empty, booleans t/f, JSON values as JSON text. */
export function displayValue(value: WireValue | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 't' : 'f'
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return JSON.stringify(value)
}

/** psql's command tag line for a statement: `INSERT 0 3`, `UPDATE 2`, `CREATE TABLE`. */
export function commandTag(result: {
  readonly command: string
  readonly rowCount: number
}): string {
  if (result.command === 'INSERT') return `INSERT 0 ${result.rowCount}`
  if (['UPDATE', 'DELETE', 'SELECT', 'MERGE', 'COPY', 'FETCH', 'MOVE'].includes(result.command))
    return `${result.command} ${result.rowCount}`
  return result.command
}

/**
 * psql's aligned format: centred header, a dashed rule, numbers right-aligned, text left-aligned
 * (the last text column unpadded), then `(N rows)`.
 */
export function formatTable(fields: readonly WireField[], rows: readonly ArrayRow[]): string {
  const cells = rows.map((row) => fields.map((_, i) => displayValue(row[i])))
  const widths = fields.map((f, i) =>
    Math.max(f.name.length, ...cells.map((r) => (r[i] as string).length)),
  )
  const right = fields.map((f) => numericTypes.has(f.type))
  const centre = (text: string, width: number) => {
    const left = Math.floor((width - text.length) / 2)
    return ' '.repeat(left) + text + ' '.repeat(width - text.length - left)
  }
  const header = ` ${fields.map((f, i) => centre(f.name, widths[i] as number)).join(' | ')} `
  const rule = widths.map((w) => '-'.repeat(w + 2)).join('+')
  const lines = cells.map((row) => {
    const padded = row.map((text, i) => {
      const width = widths[i] as number
      if (right[i]) return text.padStart(width)
      return i === row.length - 1 ? text : text.padEnd(width)
    })
    return ` ${padded.join(' | ')}`
  })
  const footer = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`
  if (fields.length === 0) return `--\n${footer}\n`
  return [header, rule, ...lines, footer].join('\n') + '\n'
}

/** What the shell prints for one result: a table (with the tag after it for DML RETURNING), or
 * only the command tag when the statement returns no columns. */
export function formatResult(result: WireResult<ArrayRow>): string {
  if (result.fields.length === 0 && result.command !== 'SELECT') return `${commandTag(result)}\n`
  const table = formatTable(result.fields, result.rows)
  return result.command === 'SELECT' ? `${table}\n` : `${table}\n${commandTag(result)}\n`
}
