// SIMILAR TO and `substring(s SIMILAR pattern ESCAPE e)` (ARCHITECTURE.md "query processor":
// evaluate) as PostgreSQL runs them: the pattern is rewritten into a POSIX regular expression (its
// similar_to_escape) and matched by posix-regex.ts, so it gets that module's engines and time bound.
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

/**
 * PostgreSQL's similar_escape: the ARE for a SIMILAR TO pattern. PostgreSQL makes the part before
 * the first escape-double-quote separator non-greedy with `{1,1}?`, so that it takes its shortest
 * match (posix-regex.ts takes captures by PostgreSQL's subexpression rule: inside that non-greedy
 * repetition, alternatives try their shortest match first, `(ab|a)#"%#"` on 'abc' gives 'bc'); each
 * quantifier of that part is also made lazy, so that the first way through the pattern, which the
 * engines find before any such refinement, is already that one wherever no alternation decides
 * (`substring('abxaby' similar '%#"b_#"%' escape '#')` is `bx`, as there).
 */
function similarToRegex(pattern: string, escape: string): string {
  let out = '^(?:'
  let afterEscape = false
  /** 0 outside a bracket, 1 right after its '[' or '[^' (where ']' is literal), 2 inside it. */
  let bracket = 0
  let separators = 0
  const chars = [...pattern]
  /** A quantifier: lazy while still before the first separator (unless already made so). */
  const quantifier = (q: string, i: number) => (separators === 0 && chars[i + 1] !== '?' ? `${q}?` : q)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string
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
    } else if (c === '%') out += quantifier('.*', i)
    else if (c === '_') out += '.'
    else if (c === '(') out += '(?:'
    else if (c === '\\' || c === '.' || c === '^' || c === '$') out += `\\${c}`
    else if (c === '*' || c === '+' || c === '}') out += quantifier(c, i)
    // A ? right after a quantifier is that quantifier's own laziness, not a quantifier.
    else if (c === '?') out += /[*+?}]$/.test(out) && !out.endsWith('\\?') ? '?' : quantifier('?', i)
    else out += c
  }
  return `${out})$`
}

/**
 * `substring(s SIMILAR pattern ESCAPE e)`: NULL unless the whole text matches; then, with
 * escape-double-quote separators, the part between them (or after the only one; the rewrite makes
 * the part before take as little as it can), without them the whole text. 22025 for an escape of
 * more than one character.
 */
export function similarSubstring(s: string, pattern: string, escape: string): string | null {
  if ([...escape].length > 1) {
    throw new SqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' })
  }
  const m = similarPattern(pattern, escape).exec(s)
  if (m === null) return null
  return m.length > 1 ? (m[1] ?? null) : m[0]
}
