// sqllogictest reader: turns a .slt/.test file into records, following the format notes in
// ../shared/conformance/README.md §2 plus Tessera's `pgcode` and `statement count` extensions.

/** A condition line: `skipif <engine>` or `onlyif <engine>` (the rest of the line is a comment). */
export interface Condition {
  readonly kind: 'skipif' | 'onlyif'
  readonly engine: string
  /** The rest of the line (upstream's reason, e.g. `# PostgreSQL requires AS ...`), or ''. */
  readonly comment: string
}

/** What a failing statement or query must fail with: any error, or exactly this SQLSTATE. */
export interface ExpectedError {
  /** Exact SQLSTATE (`statement error pgcode 23505`); null when any error passes. */
  readonly code: string | null
  /** A regular expression the message must match (text after the pgcode); null for any. */
  readonly message: string | null
}

interface RecordBase {
  readonly line: number
  readonly conditions: readonly Condition[]
}

export type SltRecord =
  | (RecordBase & {
      readonly kind: 'statement'
      readonly sql: string
      readonly expect: StatementExpect
    })
  | (RecordBase & {
      readonly kind: 'query'
      readonly sql: string
      readonly types: string
      readonly sort: SortMode
      readonly label: string | null
      /** The lines after `----` (empty when there are none). */
      readonly expected: readonly string[]
      /** Set for `query error ...`: the query must fail instead. */
      readonly error: ExpectedError | null
    })
  | (RecordBase & { readonly kind: 'hash-threshold'; readonly threshold: number })
  | (RecordBase & { readonly kind: 'halt' })

export type StatementExpect =
  | { readonly kind: 'ok' }
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'error'; readonly error: ExpectedError }

export type SortMode = 'nosort' | 'rowsort' | 'valuesort'

/** A line the reader could not make sense of; the file is wrong, not the engine. */
export class SltSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`)
  }
}

interface Line {
  readonly no: number
  readonly text: string
}

/** Splits a file into records. Comment lines vanish without separating records; lines holding
 * only whitespace separate them; every line loses a trailing `\r`. */
export function parseSlt(text: string): SltRecord[] {
  const records: SltRecord[] = []
  let block: Line[] = []
  const lines = text.split('\n')
  for (let i = 0; i <= lines.length; i++) {
    const raw = lines[i]
    const line = raw === undefined ? '' : raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (raw !== undefined && line.startsWith('#')) continue
    if (line.trim() === '') {
      if (block.length > 0) records.push(parseRecord(block))
      block = []
      continue
    }
    block.push({ no: i + 1, text: line })
  }
  return records
}

function parseRecord(block: readonly Line[]): SltRecord {
  const conditions: Condition[] = []
  let at = 0
  for (; at < block.length; at++) {
    const words = words_(block[at]!.text)
    if (words[0] !== 'skipif' && words[0] !== 'onlyif') break
    if (words[1] === undefined)
      throw new SltSyntaxError(block[at]!.no, `${words[0]} without an engine`)
    conditions.push({
      kind: words[0],
      engine: words[1].toLowerCase(),
      comment: words.slice(2).join(' '),
    })
  }
  const head = block[at]
  if (head === undefined) throw new SltSyntaxError(block[0]!.no, 'conditions without a record')
  const words = words_(head.text)
  const body = block.slice(at + 1)
  const base = { line: head.no, conditions }
  switch (words[0]) {
    case 'statement':
      return {
        ...base,
        kind: 'statement',
        sql: sqlOf(head, body),
        expect: statementExpect(head, words),
      }
    case 'query':
      return parseQuery(base, head, words, body)
    case 'hash-threshold': {
      const threshold = Number(words[1])
      if (!Number.isInteger(threshold) || threshold < 0)
        throw new SltSyntaxError(head.no, 'bad hash-threshold')
      return { ...base, kind: 'hash-threshold', threshold }
    }
    case 'halt':
      return { ...base, kind: 'halt' }
    default:
      throw new SltSyntaxError(head.no, `unknown record '${head.text}'`)
  }
}

function statementExpect(head: Line, words: readonly string[]): StatementExpect {
  switch (words[1]) {
    case 'ok':
      return { kind: 'ok' }
    case 'count': {
      const count = Number(words[2])
      if (!Number.isInteger(count) || count < 0)
        throw new SltSyntaxError(head.no, 'bad statement count')
      return { kind: 'count', count }
    }
    case 'error':
      return { kind: 'error', error: expectedError(head, words.slice(2)) }
    default:
      throw new SltSyntaxError(head.no, `statement must be ok, count or error: '${head.text}'`)
  }
}

/** `error` alone accepts any error; `error pgcode XXXXX [regex]` wants that SQLSTATE exactly. */
function expectedError(head: Line, rest: readonly string[]): ExpectedError {
  if (rest.length === 0) return { code: null, message: null }
  if (rest[0] !== 'pgcode' || rest[1] === undefined || !/^[0-9A-Z]{5}$/.test(rest[1])) {
    throw new SltSyntaxError(head.no, `expected 'error' or 'error pgcode XXXXX': '${head.text}'`)
  }
  return { code: rest[1], message: rest.length > 2 ? rest.slice(2).join(' ') : null }
}

function parseQuery(
  base: RecordBase,
  head: Line,
  words: readonly string[],
  body: readonly Line[],
): SltRecord {
  const types = words[1]
  if (types === undefined) throw new SltSyntaxError(head.no, 'query without column types')
  if (types === 'error') {
    return {
      ...base,
      kind: 'query',
      sql: sqlOf(head, body),
      types: '',
      sort: 'nosort',
      label: null,
      expected: [],
      error: expectedError(head, words.slice(2)),
    }
  }
  if (!/^[A-Z]+$/.test(types)) throw new SltSyntaxError(head.no, `bad column types '${types}'`)
  const sortWord = words[2] ?? 'nosort'
  if (sortWord !== 'nosort' && sortWord !== 'rowsort' && sortWord !== 'valuesort') {
    throw new SltSyntaxError(head.no, `bad sort mode '${sortWord}'`)
  }
  const divider = body.findIndex((l) => l.text === '----')
  const sqlLines = divider < 0 ? body : body.slice(0, divider)
  const expected = divider < 0 ? [] : body.slice(divider + 1).map((l) => l.text)
  return {
    ...base,
    kind: 'query',
    sql: sqlOf(head, sqlLines),
    types,
    sort: sortWord,
    label: words[3] ?? null,
    expected,
    error: null,
  }
}

function sqlOf(head: Line, lines: readonly Line[]): string {
  if (lines.length === 0) throw new SltSyntaxError(head.no, 'record without SQL')
  return lines.map((l) => l.text).join('\n')
}

function words_(text: string): string[] {
  return text.trim().split(/\s+/)
}

/** Whether a record applies to an engine named `engine` (README §3): a `skipif` naming it, or an
 * `onlyif` naming another engine, skips it. `ignored` picks `skipif` lines to disregard (the
 * conformance run's optional pass over upstream's "requires AS" exclusions). */
export function applies(
  conditions: readonly Condition[],
  engine: string,
  ignored?: (c: Condition) => boolean,
): boolean {
  const name = engine.toLowerCase()
  return conditions.every((c) =>
    c.kind === 'skipif' ? c.engine !== name || (ignored?.(c) ?? false) : c.engine === name,
  )
}
