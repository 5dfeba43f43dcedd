// SQL regular expressions (ARCHITECTURE.md "query processor": evaluate): `SIMILAR TO` and
// `substring(s SIMILAR pattern ESCAPE e)`, translated to JavaScript as PostgreSQL's
// similar_to_escape translates them to its own regular expressions.
import { SqlError } from '../errors/index.ts'

/** One piece of a translated pattern; quantifiers are marked so a part can be made lazy. */
interface Piece {
  readonly source: string
  readonly quantifier: boolean
}

const literal = (c: string): Piece => ({ source: c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), quantifier: false })

/** Most escape-double-quote separators a pattern may have (PostgreSQL: 2200C beyond). */
const SEPARATORS_MAX = 2

/**
 * A SIMILAR TO pattern as translated pieces, split at its escape-double-quote separators: `%` and
 * `_` as in LIKE; `|`, `*`, `+`, `?`, `{m,n}` and bracket expressions as in regular expressions;
 * parentheses that group without capturing; anything else literal. The escape character ('' for
 * none) makes the next character literal, or with `"` separates the parts substring returns.
 */
function similarParts(pattern: string, escape: string): Piece[][] {
  const parts: Piece[][] = [[]]
  let part = parts[0] as Piece[]
  const chars = [...pattern]
  let inBracket = false
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string
    if (escape !== '' && c === escape && i + 1 < chars.length) {
      const next = chars[++i] as string
      if (next === '"' && !inBracket) {
        if (parts.length > SEPARATORS_MAX) {
          throw new SqlError('2200C', 'SQL regular expression may not contain more than two escape-double-quote separators')
        }
        part = []
        parts.push(part)
      } else part.push(literal(next))
    } else if (inBracket) {
      part.push({ source: c === '\\' ? '\\\\' : c, quantifier: false })
      if (c === ']') inBracket = false
    } else if (c === '[') {
      inBracket = true
      part.push({ source: c, quantifier: false })
    } else if (c === '%') part.push({ source: '.*', quantifier: true })
    else if (c === '_') part.push({ source: '.', quantifier: false })
    else if (c === '(') part.push({ source: '(?:', quantifier: false })
    else if ('*+?}'.includes(c)) {
      // A ? right after a quantifier is its own laziness, not a second quantifier.
      const modifier = c === '?' && part[part.length - 1]?.quantifier === true
      part.push({ source: c, quantifier: !modifier })
    } else if ('|{),0123456789'.includes(c)) part.push({ source: c, quantifier: false })
    else part.push(literal(c))
  }
  return parts
}

/** The pieces as source; with `lazy`, each quantifier not already followed by ? prefers the
 * shortest match (PostgreSQL makes the part before the first separator non-greedy). */
function render(pieces: readonly Piece[], lazy: boolean): string {
  return pieces
    .map((p, i) => (lazy && p.quantifier && pieces[i + 1]?.source !== '?' ? `${p.source}?` : p.source))
    .join('')
}

/** `s SIMILAR TO pattern [ESCAPE e]`: the whole text must match (separators only group). */
export function similarRegex(pattern: string, escape = '\\'): RegExp {
  const parts = similarParts(pattern, escape)
  return new RegExp(`^${parts.map((p) => `(?:${render(p, false)})`).join('')}$`, 'su')
}

/**
 * `substring(s SIMILAR pattern ESCAPE e)`: NULL unless the whole text matches; then, with escape-
 * double-quote separators, the part between them (or after the only one), the part before taking
 * as little as it can and the part itself as much; without, the whole text.
 */
export function similarSubstring(s: string, pattern: string, escape: string): string | null {
  if ([...escape].length > 1) {
    throw new SqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' })
  }
  const [before, middle, after] = similarParts(pattern, escape)
  if (middle === undefined) return similarRegex(pattern, escape).test(s) ? s : null
  const source = `^(?:${render(before ?? [], true)})(${render(middle, false)})(?:${render(after ?? [], false)})$`
  const m = new RegExp(source, 'su').exec(s)
  return m === null ? null : (m[1] ?? null)
}
