// SIMILAR TO (ARCHITECTURE.md "query processor": evaluate) as PostgreSQL runs it: the pattern is
// rewritten into a POSIX regular expression (its similar_to_escape) and matched by posix-regex.ts,
// so it gets that module's engines and time bound.
import { SqlError } from '../errors/index.ts'
import { posixRegex } from './posix-regex.ts'

/** A SQL `SIMILAR TO` pattern as an anchored regular expression: `%` and `_` as in LIKE, `|`, `*`,
 * `+`, `?`, `{m,n}`, groups and bracket expressions as in regular expressions, `.`, `^`, `$` and
 * backslash literal; `escape` ('' for none) followed by a character is that character escaped in
 * the regular expression (so `\d` is a digit, as in PostgreSQL), followed by `"` a separator of
 * substring's three parts (2200C past two). 2201B when the result is not a valid expression. */
export function similarPattern(pattern: string, escape = '\\'): RegExp {
  return posixRegex(similarToRegex(pattern, escape), '')
}

/** PostgreSQL's similar_escape: the ARE for a SIMILAR TO pattern. */
export function similarToRegex(pattern: string, escape: string): string {
  let out = '^(?:'
  let afterEscape = false
  /** 0 outside a bracket, 1 right after its '[' or '[^' (where ']' is literal), 2 inside it. */
  let bracket = 0
  let separators = 0
  for (const c of pattern) {
    if (afterEscape) {
      afterEscape = false
      if (c === '"' && bracket === 0) {
        if (separators === 2) throw new SqlError('2200C', 'SQL regular expression may not contain more than two escape-double-quote separators')
        out += separators++ === 0 ? '){1,1}?(' : '){1,1}(?:'
      } else {
        out += `\\${c}`
        if (bracket === 1) bracket = 2
      }
    } else if (escape !== '' && c === escape) afterEscape = true
    else if (bracket > 0) {
      out += c === '\\' ? '\\\\' : c
      if (c === ']' && bracket === 2) bracket = 0
      else if (!(c === '^' && bracket === 1 && out.endsWith('[^'))) bracket = 2
    } else if (c === '[') {
      out += c
      bracket = 1
    } else if (c === '%') out += '.*'
    else if (c === '_') out += '.'
    else if (c === '(') out += '(?:'
    else if (c === '\\' || c === '.' || c === '^' || c === '$') out += `\\${c}`
    else out += c
  }
  return `${out})$`
}
