// The `sql` tagged template: interpolated values become $n parameters, never SQL text, so a
// value cannot change the statement; fragments, identifiers and raw text nest explicitly.

/** Marks the row type a query returns; exists only for the type checker. */
declare const rowType: unique symbol

/** A statement built by `sql`: text with `$1, $2, ...` and the values bound to them. */
export interface SqlQuery<Row = Record<string, unknown>> {
  readonly text: string
  readonly values: readonly unknown[]
  readonly [rowType]?: Row
}

/** An identifier (table or column name), double-quoted when interpolated. */
class Identifier {
  readonly names: readonly string[]
  constructor(names: readonly string[]) {
    this.names = names
  }
}

/** SQL text interpolated as is: the caller vouches that it holds no untrusted input. */
class RawSql {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

/** A template and its interpolations, flattened into text and values on demand (so fragments can
 * nest and each is numbered where it lands). */
export class SqlFragment<Row = Record<string, unknown>> implements SqlQuery<Row> {
  declare readonly [rowType]?: Row
  readonly #strings: readonly string[]
  readonly #parts: readonly unknown[]
  #built: { text: string; values: unknown[] } | undefined

  constructor(strings: readonly string[], parts: readonly unknown[]) {
    if (strings.length !== parts.length + 1) throw new TypeError('sql: malformed template')
    this.#strings = strings
    this.#parts = parts
  }

  get text(): string {
    return this.#build().text
  }

  get values(): readonly unknown[] {
    return this.#build().values
  }

  #build() {
    if (this.#built === undefined) {
      const values: unknown[] = []
      this.#built = { text: this.appendTo(values), values }
    }
    return this.#built
  }

  /** Appends this fragment's values to `values` and returns its text numbered accordingly. */
  appendTo(values: unknown[]): string {
    let text = this.#strings[0] ?? ''
    for (let i = 0; i < this.#parts.length; i++) {
      const part = this.#parts[i]
      if (part instanceof SqlFragment) text += part.appendTo(values)
      else if (part instanceof Identifier) text += part.names.map(quoteIdentifier).join('.')
      else if (part instanceof RawSql) text += part.text
      else {
        values.push(part)
        text += `$${values.length}`
      }
      text += this.#strings[i + 1] ?? ''
    }
    return text
  }
}

/** Double-quotes an identifier the way PostgreSQL reads it back unchanged. */
export function quoteIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new TypeError('sql.ident: identifiers cannot contain NUL')
  return `"${name.replaceAll('"', '""')}"`
}

interface SqlTag {
  /** Builds a statement; every `${value}` is bound as a parameter. */
  <Row = Record<string, unknown>>(
    strings: TemplateStringsArray,
    ...values: unknown[]
  ): SqlFragment<Row>
  /** A quoted identifier: `sql.ident('public', 'users')` is `"public"."users"`. */
  ident(...names: string[]): unknown
  /** Unquoted, unparameterised SQL text: only for text the program itself controls. */
  raw(text: string): unknown
  /** Joins values or fragments with a separator (default `, `), each value as a parameter. */
  join(items: readonly unknown[], separator?: SqlFragment<unknown>): SqlFragment<unknown>
}

/**
 * The tagged template. `sql\`select * from t where id = ${id}\`` sends `$1` with `id` bound to
 * it. Nest fragments (`${sql\`and x = ${x}\`}`), identifiers (`${sql.ident(name)}`) or, for text
 * the program controls, `${sql.raw('desc')}`.
 */
export const sql: SqlTag = Object.assign(
  <Row = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]) =>
    new SqlFragment<Row>(strings, values),
  {
    ident: (...names: string[]): unknown => {
      if (names.length === 0) throw new TypeError('sql.ident needs a name')
      return new Identifier(names)
    },
    raw: (text: string): unknown => new RawSql(text),
    join: (
      items: readonly unknown[],
      separator: SqlFragment<unknown> = new SqlFragment([', '], []),
    ) => {
      const sepText = separator.appendTo([])
      if (separator.values.length > 0)
        throw new TypeError('sql.join: the separator cannot hold values')
      const strings = items.length === 0 ? [''] : ['', ...items.slice(1).map(() => sepText), '']
      return new SqlFragment<unknown>(strings, items)
    },
  },
)
