// PostgreSQL's regular expressions (ARE syntax, ARCHITECTURE.md "query processor": evaluate) run
// on JavaScript's engine: the pattern is read token by token and rewritten into an equivalent
// JS source in 'v' (unicode sets) mode, rather than handed over as is, because the two dialects
// share syntax but not meaning: '\b' is a backspace in ARE, '\A'/'\Z' anchor the string, '\m'/'\M'
// are word starts/ends, a leading ']' in a bracket is literal, and PostgreSQL's classes in a UTF8
// database are Unicode-aware. Known differences left: BRE syntax ('b' option) is refused (0A000);
// collating-element names ('[[.hyphen.]]') other than a single character are refused (2201B);
// the leftmost-longest preference of ARE alternations and non-greedy quantifiers mixed with
// greedy ones follows JS's leftmost-first rule instead.
import { SqlError } from '../errors/index.ts'

/** What a flags string (and a pattern's embedded options) select. */
interface Options {
  icase: boolean
  /** '.' and negated brackets do not match a newline (PostgreSQL's 'n'/'p'). */
  nlStop: boolean
  /** '^' and '$' also match at newlines (PostgreSQL's 'n'/'w'). */
  nlAnchor: boolean
  expanded: boolean
  literal: boolean
  global: boolean
}

const invalid = (detail: string) => new SqlError('2201B', `invalid regular expression: ${detail}`)

function applyFlag(o: Options, f: string, embedded: boolean): void {
  if (f === 'i') o.icase = true
  else if (f === 'c') o.icase = false
  else if (f === 'g' && !embedded) o.global = true
  else if (f === 'n' || f === 'm') [o.nlStop, o.nlAnchor] = [true, true]
  else if (f === 'p') [o.nlStop, o.nlAnchor] = [true, false]
  else if (f === 'w') [o.nlStop, o.nlAnchor] = [false, true]
  else if (f === 's') [o.nlStop, o.nlAnchor] = [false, false]
  else if (f === 'x') o.expanded = true
  else if (f === 't') o.expanded = false
  else if (f === 'q') o.literal = true
  else if (f === 'e') return // ERE: the ARE features it lacks are rarely written; read as ARE
  else if (f === 'b') throw new SqlError('0A000', 'basic regular expressions (option "b") are not supported')
  else if (embedded) throw invalid('invalid embedded option')
  else throw new SqlError('22023', `invalid regular expression option: "${f}"`)
}

// Character classes as the contents of a 'v'-mode bracket, matching PostgreSQL's in a UTF8
// database (checked against PostgreSQL): digits are ASCII only, letters are Unicode's Alphabetic
// plus the non-ASCII decimal digits (which the C library files under alpha), no-break spaces are
// not spaces.
const ALPHA = '[[\\p{Alphabetic}\\p{Nd}]--[0-9]]'
const ALNUM = '\\p{Alphabetic}\\p{Nd}'
const SPACE = '\\t\\n\\v\\f\\r\\x20\\x85\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000'
const CLASSES: Readonly<Record<string, string>> = {
  alpha: ALPHA,
  digit: '0-9',
  alnum: ALNUM,
  word: `${ALNUM}_`,
  upper: '\\p{Uppercase}',
  lower: '\\p{Lowercase}',
  space: SPACE,
  blank: '\\t\\x20',
  punct: '\\p{P}\\p{S}',
  cntrl: '\\p{Cc}',
  xdigit: '0-9A-Fa-f',
  graph: `[^${SPACE}\\p{C}]`,
  print: '[^\\p{C}]',
}
const WORD = `[${CLASSES.word}]`
const CLASS_ESCAPES: Readonly<Record<string, string>> = { d: CLASSES.digit as string, s: SPACE, w: CLASSES.word as string }
const WORD_START = `(?<!${WORD})(?=${WORD})`
const WORD_END = `(?<=${WORD})(?!${WORD})`

/** One character as a JS literal safe both inside and outside a 'v'-mode bracket. */
function lit(cp: number): string {
  // An escape past Unicode's last code point (\x110000, \U00110000) is PostgreSQL's 2201B.
  if (!(cp >= 0 && cp <= 0x10ffff)) throw invalid('invalid escape \\ sequence')
  const c = String.fromCodePoint(cp)
  return /[A-Za-z0-9]/.test(c) || cp > 0x7f ? c : `\\u{${cp.toString(16)}}`
}

/** PostgreSQL's largest repetition count in a bound (RE_DUP_MAX); larger ones are 2201B. */
const DUPMAX = 255

const CHAR_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, B: 0x5c, e: 0x1b, f: 0xc, n: 0xa, r: 0xd, t: 9, v: 0xb }

/** Reads an ARE pattern (after the director and embedded options) into a JS source. */
class Translator {
  #i = 0
  #groups = 0
  /** Open groups, true for a lookaround: within one, PostgreSQL's parentheses do not capture and
   * back references are invalid. */
  readonly #open: boolean[] = []
  readonly #cps: readonly string[]

  constructor(pattern: string, private readonly o: Options) {
    this.#cps = Array.from(pattern)
  }

  translate(): string {
    let out = ''
    const cps = this.#cps
    while (this.#i < cps.length) {
      const c = cps[this.#i++] as string
      if (this.o.expanded && /\s/.test(c)) continue
      if (this.o.expanded && c === '#') {
        while (this.#i < cps.length && cps[this.#i] !== '\n') this.#i++
        continue
      }
      if (c === '\\') out += this.#escape(false)
      else if (c === '[') out += this.#bracket()
      else if (c === '.') out += this.o.nlStop ? '[^\\n]' : '[\\s\\S]'
      else if (c === '^') out += this.o.nlAnchor ? '(?<![^\\n])' : '^'
      else if (c === '$') out += this.o.nlAnchor ? '(?![^\\n])' : '$'
      else if (c === '(') out += this.#group()
      else if (c === ')') {
        this.#open.pop()
        out += c
      } else if (c === '|' || c === '*' || c === '+' || c === '?') out += c
      else if (c === '{') out += this.#bound()
      else out += lit(c.codePointAt(0) as number)
    }
    return out
  }

  #group(): string {
    const rest = this.#cps.slice(this.#i, this.#i + 3).join('')
    const inLookaround = this.#open.includes(true)
    for (const p of ['?:', '?=', '?!', '?<=', '?<!']) {
      if (rest.startsWith(p)) {
        this.#i += p.length
        this.#open.push(p !== '?:')
        return `(${p}`
      }
    }
    if (rest.startsWith('?')) throw invalid('quantifier operand invalid')
    this.#open.push(false)
    if (inLookaround) return '(?:'
    this.#groups++
    return '('
  }

  /** '{m}', '{m,}', '{m,n}' are bounds; any other '{' is a literal brace, as in PostgreSQL. */
  #bound(): string {
    const m = /^(\d+)(,(\d*))?\}/.exec(this.#cps.slice(this.#i, this.#i + 24).join(''))
    if (m === null) return lit(0x7b)
    if ([m[1], m[3]].some((n) => n !== undefined && n !== '' && Number(n) > DUPMAX)) throw invalid('invalid repetition count(s)')
    if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) throw invalid('invalid repetition count(s)')
    this.#i += Array.from(m[0]).length
    return `{${m[0]}`
  }

  #hex(min: number, max: number): number {
    let s = ''
    while (s.length < max && /[0-9A-Fa-f]/.test(this.#cps[this.#i] ?? '')) s += this.#cps[this.#i++]
    if (s.length < min) throw invalid('invalid escape \\ sequence')
    return Number.parseInt(s, 16)
  }

  #octal(): number {
    let s = ''
    while (s.length < 3 && /[0-7]/.test(this.#cps[this.#i] ?? '')) s += this.#cps[this.#i++]
    return s === '' ? 0 : Number.parseInt(s, 8)
  }

  /** After a backslash: a JS source fragment (a class's contents when inBracket). */
  #escape(inBracket: boolean): string {
    const c = this.#cps[this.#i++]
    if (c === undefined) throw invalid('invalid escape \\ sequence')
    const code = CHAR_ESCAPES[c]
    if (code !== undefined) return lit(code)
    const cls = CLASS_ESCAPES[c]
    if (cls !== undefined) return inBracket ? cls : `[${cls}]`
    const neg = CLASS_ESCAPES[c.toLowerCase()]
    if (neg !== undefined && c !== c.toLowerCase()) return `[^${neg}]`
    if (c === 'c') {
      const x = this.#cps[this.#i++]
      if (x === undefined) throw invalid('invalid escape \\ sequence')
      return lit((x.codePointAt(0) as number) & 0x1f)
    }
    if (c === 'u') return lit(this.#hex(4, 4))
    if (c === 'U') return lit(this.#hex(8, 8))
    if (c === 'x') return lit(this.#hex(1, 8))
    if (c === '0') return lit(this.#octal())
    if (/[1-9]/.test(c) && !inBracket) {
      // PostgreSQL's rule: one digit is a back reference; several are one when that many groups
      // precede, an octal character otherwise.
      const start = this.#i - 1
      let digits = c
      while (/[0-9]/.test(this.#cps[this.#i] ?? '')) digits += this.#cps[this.#i++]
      const n = Number(digits)
      if (digits.length === 1 || n <= this.#groups) {
        if (n > this.#groups || this.#open.includes(true)) throw invalid('invalid backreference number')
        return `(?:\\${n})`
      }
      this.#i = start
      return lit(this.#octal())
    }
    if (!inBracket) {
      if (c === 'A') return '(?<![\\s\\S])'
      if (c === 'Z') return '(?![\\s\\S])'
      if (c === 'm') return WORD_START
      if (c === 'M') return WORD_END
      if (c === 'y') return `(?:${WORD_START}|${WORD_END})`
      if (c === 'Y') return `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`
    }
    if (/[\p{L}\p{N}]/u.test(c)) throw invalid('invalid escape \\ sequence')
    return lit(c.codePointAt(0) as number)
  }

  /** A bracket expression, from after its '['. */
  #bracket(): string {
    const cps = this.#cps
    const ahead = cps.slice(this.#i, this.#i + 6).join('')
    if (ahead === '[:<:]]' || ahead === '[:>:]]') {
      this.#i += 6
      return ahead[2] === '<' ? WORD_START : WORD_END
    }
    let negated = false
    if (cps[this.#i] === '^') {
      negated = true
      this.#i++
    }
    let body = ''
    let first = true
    for (;;) {
      const c = cps[this.#i]
      if (c === undefined) throw invalid('brackets [] not balanced')
      if (c === ']' && !first) {
        this.#i++
        break
      }
      first = false
      const lo = this.#element()
      const range = cps[this.#i] === '-' && cps[this.#i + 1] !== undefined && cps[this.#i + 1] !== ']'
      if (lo.kind === 'set') {
        if (range) throw invalid('invalid character range')
        body += lo.source
        continue
      }
      if (range) {
        this.#i++
        const hi = this.#element()
        if (hi.kind === 'set' || hi.cp < lo.cp) throw invalid('invalid character range')
        body += `${lit(lo.cp)}-${lit(hi.cp)}`
      } else body += lit(lo.cp)
    }
    if (negated) return `[^${body}${this.o.nlStop ? '\\n' : ''}]`
    return body === '' ? '[]' : `[${body}]`
  }

  /** One bracket element: a character (possibly a range end) or a set (class or class escape). */
  #element(): { kind: 'char'; cp: number } | { kind: 'set'; source: string } {
    const cps = this.#cps
    const c = cps[this.#i++] as string
    if (c === '[' && (cps[this.#i] === ':' || cps[this.#i] === '.' || cps[this.#i] === '=')) {
      const delim = cps[this.#i] as string
      const end = cps.indexOf(delim, this.#i + 1)
      if (end < 0 || cps[end + 1] !== ']') throw invalid('brackets [] not balanced')
      const name = cps.slice(this.#i + 1, end).join('')
      this.#i = end + 2
      if (delim === ':') {
        const cls = CLASSES[name]
        if (cls === undefined) throw invalid('invalid character class')
        return { kind: 'set', source: cls }
      }
      // [.x.] and [=x=] of a single character are that character (no multi-character collating
      // elements in a UTF8 database); named elements are not supported.
      const chars = Array.from(name)
      if (chars.length !== 1) throw invalid('invalid collating element')
      return { kind: 'char', cp: name.codePointAt(0) as number }
    }
    if (c === '\\') {
      const next = cps[this.#i]
      const s = this.#escape(true)
      if (next !== undefined && CLASS_ESCAPES[next.toLowerCase()] !== undefined) return { kind: 'set', source: s }
      // A single-character escape: decode the code point it denotes.
      const decoded = /^\\u\{([0-9a-f]+)\}$/.exec(s)
      return { kind: 'char', cp: decoded !== null ? Number.parseInt(decoded[1] as string, 16) : (s.codePointAt(0) as number) }
    }
    return { kind: 'char', cp: c.codePointAt(0) as number }
  }
}

/** A POSIX (ARE) pattern as a JS RegExp, with PostgreSQL's flags ('i', 'c', 'g', 'n'/'m', 'p',
 * 'w', 's', 'x', 't', 'q') and its pattern prefixes: '***=' (the rest is a literal), '***:' (an
 * ARE) and embedded options '(?letters)' at the start. 2201B when the pattern is invalid. */
export function posixRegex(pattern: string, flags: string, global = false): RegExp {
  const o: Options = { icase: false, nlStop: false, nlAnchor: false, expanded: false, literal: false, global }
  for (const f of flags) applyFlag(o, f, false)
  let body = pattern
  if (!o.literal && body.startsWith('***=')) {
    body = body.slice(4)
    o.literal = true
  } else if (!o.literal) {
    if (body.startsWith('***:')) body = body.slice(4)
    const m = /^\(\?([a-zA-Z]+)\)/.exec(body)
    if (m !== null) {
      for (const f of m[1] as string) applyFlag(o, f, true)
      body = body.slice(m[0].length)
    }
  }
  const source = o.literal
    ? Array.from(body, (c) => lit(c.codePointAt(0) as number)).join('')
    : new Translator(body, o).translate()
  try {
    return new RegExp(source, `v${o.icase ? 'i' : ''}${o.global ? 'g' : ''}`)
  } catch (e) {
    throw new SqlError('2201B', `invalid regular expression: ${(e as Error).message}`, { cause: e })
  }
}
