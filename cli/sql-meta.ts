// The shell's backslash commands, as psql names them: \d and its relatives describe what the
// catalog holds (by plain SQL over pg_catalog, in the open transaction if there is one), \timing
// times each statement, \conninfo and \? tell where and what. Output follows psql's layout.
import type { ArrayRow, ErrorBody, WireField, WireResult } from '../server/api/wire.ts'
import { displayValue, formatTable } from './sql.ts'

/** What the commands need of the shell's client. */
export interface MetaClient {
  readonly url: string
  execute(sql: string): Promise<{ readonly ok: true; readonly value: WireResult<ArrayRow> } | { readonly ok: false; readonly error: ErrorBody['error'] }>
}

/** Settings a command changes for the rest of the session. */
export interface ShellSettings {
  timing: boolean
}

/** What a command produced: text for stdout, or an error (already worded for stderr). */
export type MetaOutcome = { readonly out: string } | { readonly error: string } | { readonly quit: true }

const HELP = `General
  \\q                     quit
  \\?                     this list
  \\timing [on|off]       time each statement (toggles without an argument)
  \\conninfo              where the shell is connected

Informational (PATTERN: a name, * and ? as wildcards, optionally schema.name)
  \\d [PATTERN]           tables, views and sequences; with a name, describe it
  \\dt [PATTERN]          tables
  \\dv [PATTERN]          views
  \\ds [PATTERN]          sequences
  \\di [PATTERN]          indexes
  \\dn [PATTERN]          schemas

Transactions: BEGIN, COMMIT and ROLLBACK run over the /v1/tx endpoints.
`

/** Runs one backslash command line. */
export async function runMeta(line: string, client: MetaClient, settings: ShellSettings): Promise<MetaOutcome> {
  const [command = '', ...args] = line.trim().split(/\s+/)
  const pattern = args[0]
  switch (command) {
    case '\\q':
      return { quit: true }
    case '\\?':
      return { out: HELP }
    case '\\timing': {
      const next = pattern === undefined ? !settings.timing : pattern === 'on' ? true : pattern === 'off' ? false : undefined
      if (next === undefined) return { error: `\\timing: unrecognized value "${pattern}": Boolean expected` }
      settings.timing = next
      return { out: `Timing is ${next ? 'on' : 'off'}.\n` }
    }
    case '\\conninfo':
      return { out: `You are connected to Tessera at ${client.url}.\n` }
    case '\\d':
      return pattern === undefined ? listRelations(client, ['r', 'v', 'S'], undefined) : describe(client, pattern)
    case '\\dt':
      return listRelations(client, ['r'], pattern)
    case '\\dv':
      return listRelations(client, ['v'], pattern)
    case '\\ds':
      return listRelations(client, ['S'], pattern)
    case '\\di':
      return listRelations(client, ['i'], pattern)
    case '\\dn':
      return listSchemas(client, pattern)
    default:
      return { error: `invalid command ${command}\nTry \\? for help.` }
  }
}

const KIND_NAMES: Record<string, string> = { r: 'table', v: 'view', S: 'sequence', i: 'index' }
const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema')"

class QueryFailed extends Error {}

/** Rows of a catalog query, or QueryFailed with the server's message. */
async function query(client: MetaClient, sql: string): Promise<WireResult<ArrayRow>> {
  const outcome = await client.execute(sql)
  if (!outcome.ok) throw new QueryFailed(`ERROR:  ${outcome.error.message}\nSQLSTATE: ${outcome.error.code}`)
  return outcome.value
}

async function guarded(run: () => Promise<string>): Promise<MetaOutcome> {
  try {
    return { out: await run() }
  } catch (e) {
    if (e instanceof QueryFailed) return { error: e.message }
    throw e
  }
}

/** `\d`, `\dt`, `\dv`, `\ds`, `\di`: psql's "List of relations". */
function listRelations(client: MetaClient, kinds: readonly string[], pattern: string | undefined): Promise<MetaOutcome> {
  return guarded(async () => {
    const matches = patternMatcher(pattern)
    const result = await query(
      client,
      `SELECT n.nspname, c.relname, c.relkind, t.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
       WHERE c.relkind IN (${kinds.map((k) => `'${k}'`).join(', ')}) AND n.nspname NOT IN ${SYSTEM_SCHEMAS}
       ORDER BY 1, 2`,
    )
    const rows = result.rows.filter((r) => matches(String(r[0]), String(r[1])))
    if (rows.length === 0) {
      const what = kinds.length === 1 ? `${KIND_NAMES[kinds[0] as string]} ` : ''
      return pattern === undefined ? `Did not find any ${what}relations.\n` : `Did not find any ${what}relation named "${pattern}".\n`
    }
    const withTable = kinds.includes('i')
    const fields: WireField[] = [text('Schema'), text('Name'), text('Type'), ...(withTable ? [text('Table')] : [])]
    const cells = rows.map((r) => [r[0] ?? null, r[1] ?? null, KIND_NAMES[String(r[2])] ?? String(r[2]), ...(withTable ? [r[3] ?? null] : [])])
    return `${titled('List of relations', formatTable(fields, cells))}\n`
  })
}

/** `\dn`: psql's "List of schemas". */
function listSchemas(client: MetaClient, pattern: string | undefined): Promise<MetaOutcome> {
  return guarded(async () => {
    const matches = patternMatcher(pattern)
    const result = await query(client, `SELECT nspname FROM pg_namespace WHERE nspname NOT IN ${SYSTEM_SCHEMAS} ORDER BY 1`)
    const rows = result.rows.filter((r) => matches(undefined, String(r[0])))
    if (rows.length === 0) return `Did not find any schema named "${pattern ?? ''}".\n`
    return `${titled('List of schemas', formatTable([text('Name')], rows))}\n`
  })
}

/** `\d NAME`: columns, then indexes and constraints (tables) or the definition (views). */
function describe(client: MetaClient, pattern: string): Promise<MetaOutcome> {
  return guarded(async () => {
    const matches = patternMatcher(pattern)
    const found = await query(
      client,
      `SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} ORDER BY 2, 3`,
    )
    const relations = found.rows.filter((r) => matches(String(r[1]), String(r[2])))
    if (relations.length === 0) throw new QueryFailed(`Did not find any relation named "${pattern}".`)
    const parts: string[] = []
    for (const [oid, schema, name, kind] of relations) {
      parts.push(await describeOne(client, Number(oid), `${String(schema)}.${String(name)}`, String(kind)))
    }
    return parts.join('\n')
  })
}

async function describeOne(client: MetaClient, oid: number, name: string, kind: string): Promise<string> {
  if (kind === 'S') {
    const [schema, bare] = splitName(name)
    const s = await query(
      client,
      `SELECT data_type::text, start_value, min_value, max_value, increment_by, CASE WHEN cycle THEN 'yes' ELSE 'no' END, cache_size
       FROM pg_sequences WHERE schemaname = ${literal(schema)} AND sequencename = ${literal(bare)}`,
    )
    const names = ['Type', 'Start', 'Minimum', 'Maximum', 'Increment', 'Cycles?', 'Cache']
    const fields = s.fields.map((f, i) => ({ ...f, name: names[i] ?? f.name }))
    return titled(`Sequence "${name}"`, withoutFooter(formatTable(fields, s.rows)))
  }
  if (kind === 'i') {
    const def = await query(client, `SELECT pg_get_indexdef(${oid})`)
    return `Index "${name}"\n    ${displayValue(def.rows[0]?.[0])}\n`
  }
  const columns = await query(
    client,
    `SELECT a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 'not null' ELSE '' END,
            pg_get_expr(d.adbin, d.adrelid)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = ${oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  )
  const fields = ['Column', 'Type', 'Nullable', 'Default'].map(text)
  let out = titled(`${kind === 'v' ? 'View' : 'Table'} "${name}"`, withoutFooter(formatTable(fields, columns.rows)))
  if (kind === 'v') {
    const def = await query(client, `SELECT pg_get_viewdef(${oid})`)
    return `${out}View definition:\n ${displayValue(def.rows[0]?.[0])}\n`
  }
  const indexes = await query(
    client,
    `SELECT c.relname, i.indisprimary, i.indisunique, pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = ${oid} ORDER BY i.indisprimary DESC, c.relname`,
  )
  out += section(
    'Indexes',
    // psql marks an index not valid yet (CREATE INDEX ASYNC still building it) INVALID.
    indexes.rows.map(([index, primary, unique, def, valid]) => {
      const using = /\bUSING (.*)$/.exec(String(def))?.[1] ?? String(def)
      const marker = primary === true ? ' PRIMARY KEY,' : unique === true ? ' UNIQUE,' : ''
      return `"${String(index)}"${marker} ${using}${valid === false ? ' INVALID' : ''}`
    }),
  )
  const constraints = await query(
    client,
    `SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ${oid} AND contype IN ('c', 'f') ORDER BY 1`,
  )
  out += section('Check constraints', constraints.rows.filter((r) => r[1] === 'c').map((r) => `"${String(r[0])}" ${String(r[2])}`))
  out += section('Foreign-key constraints', constraints.rows.filter((r) => r[1] === 'f').map((r) => `"${String(r[0])}" ${String(r[2])}`))
  const referencing = await query(
    client,
    `SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
     WHERE k.confrelid = ${oid} AND k.contype = 'f' ORDER BY 1, 2`,
  )
  out += section('Referenced by', referencing.rows.map((r) => `TABLE "${String(r[0])}" CONSTRAINT "${String(r[1])}" ${String(r[2])}`))
  return out
}

/** Whether a schema and name match a psql pattern: `*` and `?` wildcards, `schema.name` or a
 * name in any schema; quoted parts match exactly; unquoted ones are folded to lower case. No
 * pattern matches everything. */
export function patternMatcher(pattern: string | undefined): (schema: string | undefined, name: string) => boolean {
  if (pattern === undefined) return () => true
  const parts = splitPattern(pattern)
  const name = parts.at(-1) as string
  const schema = parts.length > 1 ? parts[0] : undefined
  const nameRe = wildcardRegExp(name)
  const schemaRe = schema === undefined ? undefined : wildcardRegExp(schema)
  return (s, n) => nameRe.test(n) && (schemaRe === undefined || (s !== undefined && schemaRe.test(s)))
}

/** A pattern's dot-separated parts, with quoting resolved: `"My Table"` stays as written and
 * escapes its wildcards; unquoted text is folded to lower case. */
function splitPattern(pattern: string): string[] {
  const parts: string[] = ['']
  let quoted = false
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string
    if (ch === '"') {
      if (quoted && pattern[i + 1] === '"') {
        parts[parts.length - 1] += '"'
        i++
      } else quoted = !quoted
    } else if (ch === '.' && !quoted) parts.push('')
    else parts[parts.length - 1] += quoted && (ch === '*' || ch === '?') ? `\\${ch}` : quoted ? ch : ch.toLowerCase()
  }
  return parts
}

function wildcardRegExp(part: string): RegExp {
  let source = ''
  for (let i = 0; i < part.length; i++) {
    const ch = part[i] as string
    if (ch === '\\' && i + 1 < part.length) source += escapeRegExp(part[++i] as string)
    else if (ch === '*') source += '.*'
    else if (ch === '?') source += '.'
    else source += escapeRegExp(ch)
  }
  return new RegExp(`^${source}$`, 's')
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const text = (name: string): WireField => ({ name, type: 'text' })

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`

function splitName(qualified: string): [string, string] {
  const dot = qualified.indexOf('.')
  return [qualified.slice(0, dot), qualified.slice(dot + 1)]
}

/** A table with psql's title centred over it. */
function titled(title: string, table: string): string {
  const width = Math.max(...table.split('\n').map((l) => l.length))
  const pad = Math.max(0, Math.floor((width - title.length) / 2))
  return `${' '.repeat(pad)}${title}\n${table}`
}

/** psql prints no row count under a description. */
const withoutFooter = (table: string) => table.replace(/\(\d+ rows?\)\n$/, '')

function section(title: string, lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${title}:\n${lines.map((l) => `    ${l}\n`).join('')}`
}
