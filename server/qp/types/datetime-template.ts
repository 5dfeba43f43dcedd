// Date/time templates (ARCHITECTURE.md "query processor": values): text read with a to_timestamp
// template as PostgreSQL's formatting.c reads it (parse_format, DCH_from_char, do_to_timestamp).
// Two modes: the lenient one of to_date and to_timestamp, which skips spaces and takes any
// separator for any other, and the standard one of the SQL/JSON .datetime() method, which matches
// separators and quoted text exactly, refuses leftover text and makes the value's type from the
// template's fields (a date, a time, with or without a zone, or a timestamp).
import { SqlError } from '../../errors/index.ts'
import { DATE_DAYS_END, DATE_DAYS_MIN, MICROS_PER_DAY } from './constants.ts'
import { civilFromDays, daysFromCivil, daysInMonth, roundTimestamp, timestampInRange, validJulian } from './datetime.ts'
import { roundTime } from './time.ts'
import { type Zone, abbreviationZone, offsetFromLocal } from './time-zone.ts'
import { ZONE_ABBREVIATIONS } from './zone-abbreviations.ts'

type DateMode = 'none' | 'gregorian' | 'isoweek'
/** What a keyword reads. The letter case of a keyword does not change what it reads. */
type KeyId =
  | 'adLong' | 'amLong' | 'ad' | 'am' | 'cc' | 'day' | 'ddd' | 'dd' | 'dy' | 'd' | 'ff' | 'fx'
  | 'hh24' | 'hh12' | 'iddd' | 'id' | 'iw' | 'ww' | 'j' | 'mi' | 'mm' | 'month' | 'mon' | 'ms' | 'of'
  | 'q' | 'rm' | 'ssss' | 'ss' | 'tzh' | 'tzm' | 'tz' | 'us' | 'w' | 'yComma' | 'yyyy' | 'yyy'
  | 'yy' | 'y'

interface Keyword {
  readonly name: string
  readonly id: KeyId
  /** Whether the field is digits (a field before it then stops at its width). */
  readonly digit: boolean
  readonly mode: DateMode
  /** FF1 to FF6: the digits of the fraction. */
  readonly ff: number
}

const key = (name: string, id: KeyId, digit: boolean, mode: DateMode = 'none'): Keyword => ({
  name,
  id,
  digit,
  mode,
  ff: id === 'ff' ? Number(name.slice(2)) : 0,
})

const G = 'gregorian'
const I = 'isoweek'
const FF = [1, 2, 3, 4, 5, 6]

/** PostgreSQL's keyword table in its order: among keywords with the same first letter the first
 * that the template starts with wins ('HH24' before 'HH', 'DDD' before 'DD'). */
const KEYWORDS: readonly Keyword[] = [
  key('A.D.', 'adLong', false), key('A.M.', 'amLong', false), key('AD', 'ad', false), key('AM', 'am', false),
  key('B.C.', 'adLong', false), key('BC', 'ad', false), key('CC', 'cc', true), key('DAY', 'day', false),
  key('DDD', 'ddd', true, G), key('DD', 'dd', true, G), key('DY', 'dy', false), key('Day', 'day', false),
  key('Dy', 'dy', false), key('D', 'd', true, G), ...FF.map((n) => key(`FF${n}`, 'ff', true)),
  key('FX', 'fx', false), key('HH24', 'hh24', true), key('HH12', 'hh12', true), key('HH', 'hh12', true),
  key('IDDD', 'iddd', true, I), key('ID', 'id', true, I), key('IW', 'iw', true, I), key('IYYY', 'yyyy', true, I),
  key('IYY', 'yyy', true, I), key('IY', 'yy', true, I), key('I', 'y', true, I), key('J', 'j', true),
  key('MI', 'mi', true), key('MM', 'mm', true, G), key('MONTH', 'month', false, G), key('MON', 'mon', false, G),
  key('MS', 'ms', true), key('Month', 'month', false, G), key('Mon', 'mon', false, G), key('OF', 'of', false),
  key('P.M.', 'amLong', false), key('PM', 'am', false), key('Q', 'q', true), key('RM', 'rm', false, G),
  key('SSSSS', 'ssss', true), key('SSSS', 'ssss', true), key('SS', 'ss', true), key('TZH', 'tzh', false),
  key('TZM', 'tzm', true), key('TZ', 'tz', false), key('US', 'us', true), key('WW', 'ww', true, G),
  key('W', 'w', true, G), key('Y,YYY', 'yComma', true, G), key('YYYY', 'yyyy', true, G),
  key('YYY', 'yyy', true, G), key('YY', 'yy', true, G), key('Y', 'y', true, G),
  key('a.d.', 'adLong', false), key('a.m.', 'amLong', false), key('ad', 'ad', false), key('am', 'am', false),
  key('b.c.', 'adLong', false), key('bc', 'ad', false), key('cc', 'cc', true), key('day', 'day', false),
  key('ddd', 'ddd', true, G), key('dd', 'dd', true, G), key('dy', 'dy', false), key('d', 'd', true, G),
  ...FF.map((n) => key(`ff${n}`, 'ff', true)), key('fx', 'fx', false), key('hh24', 'hh24', true),
  key('hh12', 'hh12', true), key('hh', 'hh12', true), key('iddd', 'iddd', true, I), key('id', 'id', true, I),
  key('iw', 'iw', true, I), key('iyyy', 'yyyy', true, I), key('iyy', 'yyy', true, I), key('iy', 'yy', true, I),
  key('i', 'y', true, I), key('j', 'j', true), key('mi', 'mi', true), key('mm', 'mm', true, G),
  key('month', 'month', false, G), key('mon', 'mon', false, G), key('ms', 'ms', true), key('of', 'of', false),
  key('p.m.', 'amLong', false), key('pm', 'am', false), key('q', 'q', true), key('rm', 'rm', false, G),
  key('sssss', 'ssss', true), key('ssss', 'ssss', true), key('ss', 'ss', true), key('tzh', 'tzh', false),
  key('tzm', 'tzm', true), key('tz', 'tz', false), key('us', 'us', true), key('ww', 'ww', true, G),
  key('w', 'w', true, G), key('y,yyy', 'yComma', true, G), key('yyyy', 'yyyy', true, G),
  key('yyy', 'yyy', true, G), key('yy', 'yy', true, G), key('y', 'y', true, G),
]

/** One piece of a template: a keyword (with its FM and TH suffixes), a separator, a space, or a
 * character to pass over (quoted text, or a letter that names no keyword). */
export type TemplateNode =
  | { readonly kind: 'action'; readonly key: Keyword; readonly fm: boolean; readonly th: boolean }
  | { readonly kind: 'separator' | 'space' | 'char'; readonly ch: string }

/** A compiled template, and whether it reads in standard mode. */
export interface DatetimeTemplate {
  readonly nodes: readonly TemplateNode[]
  readonly std: boolean
  /** An empty template reads nothing, not even to find text left over. */
  readonly empty: boolean
  /** The kinds of field the template has, which make the type standard mode reads. */
  readonly dated: boolean
  readonly timed: boolean
  readonly zoned: boolean
}

/** The characters standard mode takes as separators (besides quoted text). */
const STD_SEPARATORS = "-./,':; "

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r'
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'
const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c)
/** PostgreSQL's is_separator_char: printable ASCII that is neither a letter nor a digit. */
const isSeparatorChar = (c: string | undefined) => c !== undefined && c > ' ' && c < '\x7f' && !isAlpha(c) && !isDigit(c)
/** The character at `at` (a whole code point, as PostgreSQL steps over a multibyte character). */
const charAt = (s: string, at: number) => String.fromCodePoint(s.codePointAt(at) ?? 0)

const TEMPLATES = new Map<string, DatetimeTemplate>()
/** Templates remembered; cleared when full, as a statement uses few. */
const TEMPLATE_CACHE_MAX = 64

/** A template compiled (parse_format). In standard mode a character that is neither a keyword, a
 * separator of STD_SEPARATORS nor quoted is 22007, an error `silent` does not suppress. */
export function compileDatetimeTemplate(fmt: string, std: boolean): DatetimeTemplate {
  const cacheKey = `${std ? 's' : 'l'}${fmt}`
  const hit = TEMPLATES.get(cacheKey)
  if (hit !== undefined) return hit
  const nodes = templateNodes(fmt, std)
  const kinds = new Set(nodes.map((n) => (n.kind === 'action' ? fieldKind(n.key.id) : 'none')))
  const template = { nodes, std, empty: fmt === '', dated: kinds.has('date'), timed: kinds.has('time'), zoned: kinds.has('zone') }
  if (TEMPLATES.size >= TEMPLATE_CACHE_MAX) TEMPLATES.clear()
  TEMPLATES.set(cacheKey, template)
  return template
}

function templateNodes(fmt: string, std: boolean): TemplateNode[] {
  const nodes: TemplateNode[] = []
  let at = 0
  while (at < fmt.length) {
    const fm = fmt.startsWith('FM', at) || fmt.startsWith('fm', at)
    // TM (translation mode) reads the same names in the C locale; it is passed over.
    if (fm || fmt.startsWith('TM', at) || fmt.startsWith('tm', at)) at += 2
    const found = at < fmt.length ? keywordAt(fmt, at) : undefined
    if (found !== undefined) {
      at += found.name.length
      const th = fmt.startsWith('TH', at) || fmt.startsWith('th', at)
      if (th || fmt.startsWith('SP', at)) at += 2
      nodes.push({ kind: 'action', key: found, fm, th })
    } else if (at < fmt.length) {
      at = literalNodes(fmt, at, std, nodes)
    }
  }
  return nodes
}

function keywordAt(fmt: string, at: number): Keyword | undefined {
  const first = fmt[at]
  return KEYWORDS.find((k) => k.name[0] === first && fmt.startsWith(k.name, at))
}

/** The nodes of the text at `at` that is not a keyword; returns where the next piece starts. */
function literalNodes(fmt: string, at: number, std: boolean, nodes: TemplateNode[]): number {
  const c = charAt(fmt, at)
  if (std && c !== '"') {
    if (!STD_SEPARATORS.includes(c)) throw new SqlError('22007', `invalid datetime format separator: "${c}"`)
    nodes.push({ kind: c === ' ' ? 'space' : 'separator', ch: c })
    return at + 1
  }
  if (c === '"') {
    let i = at + 1
    while (i < fmt.length) {
      if (fmt[i] === '"') return i + 1
      // A backslash quotes the next character.
      if (fmt[i] === '\\' && i + 1 < fmt.length) i++
      const q = charAt(fmt, i)
      nodes.push({ kind: 'char', ch: q })
      i += q.length
    }
    return i
  }
  // Outside quotes a backslash only matters before a double quote.
  const start = c === '\\' && fmt[at + 1] === '"' ? at + 1 : at
  const ch = charAt(fmt, start)
  nodes.push({ kind: isSeparatorChar(ch) ? 'separator' : isSpace(ch) ? 'space' : 'char', ch })
  return start + ch.length
}

function fieldKind(id: KeyId): 'date' | 'time' | 'zone' | 'none' {
  switch (id) {
    case 'amLong': case 'am': case 'hh24': case 'hh12': case 'mi': case 'ss': case 'ms': case 'us':
    case 'ff': case 'ssss':
      return 'time'
    case 'tz': case 'of': case 'tzh': case 'tzm':
      return 'zone'
    // PostgreSQL's DCH_datetime_type leaves out IW: a template of ISO weeks alone is not dated.
    case 'fx': case 'iw':
      return 'none'
    case 'adLong': case 'ad': case 'month': case 'mon': case 'mm': case 'day': case 'dy': case 'ddd':
    case 'iddd': case 'dd': case 'd': case 'id': case 'ww': case 'q': case 'cc': case 'yComma':
    case 'yyyy': case 'yyy': case 'yy': case 'y': case 'rm': case 'w': case 'j':
      return 'date'
  }
}

// --- reading text with a template (DCH_from_char) ---------------------------------------------

const MONTHS_FULL = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const MONTHS = MONTHS_FULL.map((m) => m.slice(0, 3))
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const DAYS_SHORT = DAYS.map((d) => d.slice(0, 3))
const AM_PM = ['am', 'pm', 'AM', 'PM']
const AM_PM_LONG = ['a.m.', 'p.m.', 'A.M.', 'P.M.']
const AD_BC = ['ad', 'bc', 'AD', 'BC']
const AD_BC_LONG = ['a.d.', 'b.c.', 'A.D.', 'B.C.']
/** Roman months from December down, so that 'viii' is tried before 'v'. */
const ROMAN_MONTHS = ['xii', 'xi', 'x', 'ix', 'viii', 'vii', 'vi', 'v', 'iv', 'iii', 'ii', 'i']

/** The integer fields a template sets; 0 is "not given", as in PostgreSQL's TmFromChar. */
type IntField =
  | 'hh' | 'pm' | 'mi' | 'ss' | 'ssss' | 'd' | 'dd' | 'ddd' | 'mm' | 'ms' | 'year' | 'bc' | 'ww'
  | 'w' | 'cc' | 'j' | 'us' | 'tzh' | 'tzm'

/** What the text gave for each field (TmFromChar). */
interface FromChar extends Record<IntField, number> {
  mode: DateMode
  yysz: number
  clock12: boolean
  /** +1 or -1 once TZH, TZM or OF is read, else 0. */
  tzsign: number
  ff: number
  /** A zone abbreviation was read: a fixed offset (seconds east) or a zone. */
  abbreviation: { readonly offsetSeconds: number } | { readonly zone: Zone } | undefined
}

const emptyFromChar = (): FromChar => ({
  hh: 0, pm: 0, mi: 0, ss: 0, ssss: 0, d: 0, dd: 0, ddd: 0, mm: 0, ms: 0, year: 0, bc: 0, ww: 0,
  w: 0, cc: 0, j: 0, us: 0, tzh: 0, tzm: 0, mode: 'none', yysz: 0, clock12: false, tzsign: 0, ff: 0,
  abbreviation: undefined,
})

const INT_MAX = 2147483647
const INT_MIN = -2147483648

/** C's strtol in base 10: spaces, a sign and digits from `at`; `end` is `at` when there are no
 * digits. `value` is clamped beyond int4, which is an error to every caller. */
function strtol(s: string, at: number): { value: number; end: number } {
  let i = at
  while (isSpace(s[i])) i++
  const negative = s[i] === '-'
  if (s[i] === '+' || s[i] === '-') i++
  const digits = i
  let value = 0
  for (; isDigit(s[i]); i++) value = Math.min(value * 10 + Number(s[i]), INT_MAX + 2)
  if (i === digits) return { value: 0, end: at }
  return { value: negative ? -value : value, end: i }
}

const invalidFormat = (message: string, detail?: string, hint?: string) => new SqlError('22007', message, { detail, hint })

/** One reading of a text with a template's nodes. Errors are thrown as SqlErrors; the caller
 * decides whether they are soft (standard mode) or not. */
class TemplateReader {
  readonly out = emptyFromChar()
  pos = 0
  #fx: boolean
  /** Characters skipped beyond what the template asked for (lenient mode only). */
  #extraSkip = 0

  constructor(
    readonly text: string,
    readonly nodes: readonly TemplateNode[],
    readonly std: boolean,
  ) {
    this.#fx = std
  }

  read(): void {
    let i = 0
    for (; i < this.nodes.length && this.pos < this.text.length; i++) {
      const n = this.nodes[i] as TemplateNode
      // Outside FX mode spaces are passed over at the start and before each field.
      if (!this.#fx && !(n.kind === 'action' && n.key.id === 'fx') && (n.kind === 'action' || i === 0)) this.#skipSpaces()
      if (n.kind === 'action') {
        this.#action(n, i)
        if (!this.#fx) {
          this.#extraSkip = 0
          this.#skipSpaces()
        }
      } else if (n.kind === 'char') this.#char(n.ch)
      else this.#separator(n.ch)
    }
    if (!this.std) return
    if (i < this.nodes.length) throw invalidFormat('input string is too short for datetime format')
    while (isSpace(this.text[this.pos])) this.pos++
    if (this.pos < this.text.length) throw invalidFormat('trailing characters remain in input string after datetime format')
  }

  #skipSpaces(): void {
    while (isSpace(this.text[this.pos])) {
      this.pos++
      this.#extraSkip++
    }
  }

  #separator(ch: string): void {
    if (this.std) {
      // Standard mode matches separators and spaces exactly.
      if (this.text[this.pos] !== ch) throw invalidFormat(`unmatched format separator "${ch}"`)
      this.pos++
    } else if (!this.#fx) {
      // One separator or space in the template matches one in the text, or none.
      this.#extraSkip--
      const c = this.text[this.pos]
      if (isSpace(c) || isSeparatorChar(c)) {
        this.pos++
        this.#extraSkip++
      }
    } else {
      this.pos += charAt(this.text, this.pos).length
    }
  }

  #char(ch: string): void {
    if (!this.#fx) {
      // A character skipped as a space before may stand for this one.
      if (this.#extraSkip > 0) this.#extraSkip--
      else this.pos += charAt(this.text, this.pos).length
      return
    }
    const c = charAt(this.text, this.pos)
    if (this.std && c !== ch) throw invalidFormat(`unmatched format character "${ch}"`)
    this.pos += c.length
  }

  /** Sets a field, refusing a second, different value (from_char_set_int). */
  set(field: IntField, value: number, node: TemplateNode & { kind: 'action' }): void {
    const was = this.out[field]
    if (was !== 0 && was !== value) {
      throw invalidFormat(`conflicting values for "${node.key.name}" field in formatting string`, 'This value contradicts a previous setting for the same field type.')
    }
    this.out[field] = value
  }

  /** Reads an integer field of `len` characters, or as many digits as there are when the field is
   * in fill mode or what follows is not digits (from_char_parse_int_len). Returns the characters
   * read, spaces and sign included. */
  int(field: IntField | undefined, len: number, i: number): number {
    const node = this.nodes[i] as TemplateNode & { kind: 'action' }
    const init = this.pos
    while (isSpace(this.text[this.pos])) this.pos++
    const copy = this.text.slice(this.pos, this.pos + len)
    let value: number
    if (node.fm || this.#nextIsSeparator(i)) {
      const r = strtol(this.text, init)
      value = r.value
      this.pos = r.end
    } else {
      if (this.text.length - this.pos < len) {
        throw invalidFormat(`source string too short for "${node.key.name}" formatting field`, `Field requires ${len} characters, but only ${this.text.length - this.pos} remain.`, 'If your source string is not fixed-width, try using the "FM" modifier.')
      }
      const r = strtol(copy, 0)
      if (r.end > 0 && r.end < len) {
        throw invalidFormat(`invalid value "${copy}" for "${node.key.name}"`, `Field requires ${len} characters, but only ${r.end} could be parsed.`, 'If your source string is not fixed-width, try using the "FM" modifier.')
      }
      value = r.value
      this.pos += r.end
    }
    if (this.pos === init) throw invalidFormat(`invalid value "${copy}" for "${node.key.name}"`, 'Value must be an integer.')
    if (value > INT_MAX || value < INT_MIN) {
      throw new SqlError('22008', `value for "${node.key.name}" in source string is out of range`, { detail: `Value must be in the range ${INT_MIN} to ${INT_MAX}.` })
    }
    if (field !== undefined) this.set(field, value, node)
    return this.pos - init
  }

  /** is_next_separator: whether the field at `i` may take as many digits as there are. */
  #nextIsSeparator(i: number): boolean {
    const n = this.nodes[i] as TemplateNode & { kind: 'action' }
    if (n.th) return true
    const next = this.nodes[i + 1]
    if (next === undefined) return true
    if (next.kind === 'action') return !next.key.digit
    return !(next.ch.length === 1 && isDigit(next.ch))
  }

  /** The first of `names` the text starts with, ignoring ASCII case (seq_search_ascii). */
  name(names: readonly string[], i: number): number {
    const rest = this.text.slice(this.pos)
    const k = names.findIndex((n) => rest.length >= n.length && rest.slice(0, n.length).toLowerCase() === n.toLowerCase())
    if (k < 0) {
      const node = this.nodes[i] as TemplateNode & { kind: 'action' }
      const word = /^[^ \t\n\r\f\v]*/.exec(rest)?.[0] ?? ''
      throw invalidFormat(`invalid value "${word}" for "${node.key.name}"`, 'The given value did not match any of the allowed values for this field.')
    }
    this.pos += (names[k] as string).length
    return k
  }

  /** A TH or th suffix: two characters of ordinal ending passed over. */
  skipOrdinal(i: number): void {
    const node = this.nodes[i] as TemplateNode & { kind: 'action' }
    if (!node.th) return
    for (let k = 0; k < 2 && this.pos < this.text.length; k++) this.pos += charAt(this.text, this.pos).length
  }

  get extraSkip(): number {
    return this.#extraSkip
  }

  setFx(): void {
    this.#fx = true
  }

  #action(n: TemplateNode & { kind: 'action' }, i: number): void {
    if (n.key.mode !== 'none') {
      if (this.out.mode === 'none') this.out.mode = n.key.mode
      else if (this.out.mode !== n.key.mode) {
        throw invalidFormat('invalid combination of date conventions', undefined, 'Do not mix Gregorian and ISO week date conventions in a formatting template.')
      }
    }
    readField(this, n, i)
  }
}

type ActionNode = TemplateNode & { kind: 'action' }

/** Reads the field of keyword node `i` (DCH_from_char's switch). */
function readField(r: TemplateReader, n: ActionNode, i: number): void {
  switch (n.key.id) {
    case 'fx':
      r.setFx()
      return
    case 'amLong': case 'am': case 'hh24': case 'hh12': case 'mi': case 'ss': case 'ms': case 'ff':
    case 'us': case 'ssss':
      return readClockField(r, n, i)
    case 'tz': case 'of': case 'tzh': case 'tzm':
      return readZoneField(r, n, i)
    case 'adLong': case 'ad': case 'month': case 'mon': case 'mm': case 'day': case 'dy': case 'ddd':
    case 'iddd': case 'dd': case 'd': case 'id': case 'iw': case 'ww': case 'q': case 'cc': case 'w':
    case 'j': case 'rm':
      return readDateField(r, n, i)
    case 'yComma': case 'yyyy': case 'yyy': case 'yy': case 'y':
      return readYear(r, n, i)
  }
}

/** Fraction digits read → microseconds: '5' is half a second, '05' a twentieth. */
const FRACTION_SCALE = [1, 100000, 10000, 1000, 100, 10, 1]

function readClockField(r: TemplateReader, n: ActionNode, i: number): void {
  const o = r.out
  switch (n.key.id) {
    case 'amLong':
    case 'am':
      r.set('pm', r.name(n.key.id === 'am' ? AM_PM : AM_PM_LONG, i) % 2, n)
      o.clock12 = true
      return
    case 'hh12':
    case 'hh24':
      r.int('hh', 2, i)
      if (n.key.id === 'hh12') o.clock12 = true
      return r.skipOrdinal(i)
    case 'mi':
    case 'ss':
    case 'ssss':
      r.int(n.key.id, n.key.name.length, i)
      return r.skipOrdinal(i)
    case 'ms': {
      const len = r.int('ms', 3, i)
      // 25 is 0.25 s and 025 is 0.025 s.
      o.ms *= len === 1 ? 100 : len === 2 ? 10 : 1
      return r.skipOrdinal(i)
    }
    case 'ff':
    case 'us': {
      if (n.key.id === 'ff') o.ff = n.key.ff
      const len = r.int('us', n.key.id === 'us' ? 6 : o.ff, i)
      o.us *= FRACTION_SCALE[len] ?? 1
      return r.skipOrdinal(i)
    }
    default:
      throw new SqlError('XX000', `${n.key.name} is not a clock field`)
  }
}

function readZoneField(r: TemplateReader, n: ActionNode, i: number): void {
  const o = r.out
  if (n.key.id === 'tzm') {
    if (o.tzsign === 0) o.tzsign = 1
    r.int('tzm', 2, i)
    return
  }
  if (n.key.id === 'tz' && readAbbreviation(r, n)) return
  // An offset: a sign or a space, else the sign of a '-' skipped as a separator before it.
  const c = r.text[r.pos]
  if (c === '+' || c === '-' || c === ' ') {
    o.tzsign = c === '-' ? -1 : 1
    r.pos++
  } else {
    o.tzsign = r.extraSkip > 0 && r.text[r.pos - 1] === '-' ? -1 : 1
  }
  r.int('tzh', 2, i)
  if (n.key.id !== 'tzh' && r.text[r.pos] === ':') {
    r.pos++
    r.int('tzm', 2, i)
  }
}

/** The longest zone abbreviation the text starts with (up to ten letters, any case), for TZ;
 * false when there is none and the text does not start with a letter (TZ then reads an offset). */
function readAbbreviation(r: TemplateReader, n: ActionNode): boolean {
  const letters = /^[A-Za-z]{1,10}/.exec(r.text.slice(r.pos))?.[0] ?? ''
  for (let len = letters.length; len > 0; len--) {
    const lower = letters.slice(0, len).toLowerCase()
    const found = ZONE_ABBREVIATIONS.get(lower)
    if (found === undefined) continue
    if ('offsetSeconds' in found) {
      r.out.abbreviation = { offsetSeconds: found.offsetSeconds }
    } else {
      const zone = abbreviationZone(lower)
      if (zone === undefined) continue
      r.out.abbreviation = { zone }
    }
    // A zone abbreviation overrides an offset read before it.
    r.out.tzsign = 0
    r.pos += len
    return true
  }
  if (isAlpha(r.text[r.pos])) {
    throw invalidFormat(`invalid value "${r.text.slice(r.pos)}" for "${n.key.name}"`, 'Time zone abbreviation is not recognized.')
  }
  return false
}

function readDateField(r: TemplateReader, n: ActionNode, i: number): void {
  const o = r.out
  switch (n.key.id) {
    case 'adLong':
    case 'ad':
      return r.set('bc', r.name(n.key.id === 'ad' ? AD_BC : AD_BC_LONG, i) % 2, n)
    case 'month':
    case 'mon':
      return r.set('mm', r.name(n.key.id === 'month' ? MONTHS_FULL : MONTHS, i) + 1, n)
    case 'rm':
      return r.set('mm', 12 - r.name(ROMAN_MONTHS, i), n)
    case 'day':
    case 'dy':
      r.set('d', r.name(n.key.id === 'day' ? DAYS : DAYS_SHORT, i), n)
      o.d++
      return
    case 'iddd':
      r.int('ddd', 3, i)
      return r.skipOrdinal(i)
    case 'id':
      r.int('d', 1, i)
      // ISO numbers Monday 1 to Sunday 7; stored as Sunday 1 to Saturday 7.
      if (++o.d > 7) o.d = 1
      return r.skipOrdinal(i)
    case 'q':
      // The quarter is read and dropped: which day of it would be a guess.
      r.int(undefined, 1, i)
      return r.skipOrdinal(i)
    case 'iw':
      r.int('ww', 2, i)
      return r.skipOrdinal(i)
    case 'mm': case 'ddd': case 'dd': case 'd': case 'ww': case 'cc': case 'w': case 'j':
      r.int(n.key.id, n.key.name.length, i)
      return r.skipOrdinal(i)
    default:
      throw new SqlError('XX000', `${n.key.name} is not a date field`)
  }
}

function readYear(r: TemplateReader, n: ActionNode, i: number): void {
  const o = r.out
  if (n.key.id === 'yComma') {
    const m = /^\s*([+-]?\d+),(\d{1,3})/.exec(r.text.slice(r.pos))
    if (m === null) throw invalidFormat(`invalid value "${r.text.slice(r.pos)}" for "Y,YYY"`)
    const years = Number(m[1]) * 1000 + Number(m[2])
    if (!(years >= INT_MIN && years <= INT_MAX)) throw new SqlError('22008', 'value for "Y,YYY" in source string is out of range')
    r.set('year', years, n)
    o.yysz = 4
    r.pos += m[0].length
    return r.skipOrdinal(i)
  }
  const width = { yyyy: 4, yyy: 3, yy: 2, y: 1 }[n.key.id as 'yyyy' | 'yyy' | 'yy' | 'y']
  const len = r.int('year', width, i)
  // Fewer than four digits: the year nearest 2020 (PostgreSQL's adjust_partial_year_to_2020).
  if (width < 4 && len < 4) o.year = nearest2020(o.year)
  o.yysz = width
  r.skipOrdinal(i)
}

function nearest2020(year: number): number {
  if (year < 70) return year + 2000
  if (year < 100) return year + 1900
  if (year < 520) return year + 2000
  if (year < 1000) return year + 1000
  return year
}

// --- from fields to a value (do_to_timestamp, parse_datetime) ----------------------------------

/** The calendar and clock fields a reading gave, and the offset (seconds east) if it had one. */
interface Fields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  fsec: number
  offsetSeconds: number | undefined
  /** FF1 to FF6's digits, the precision the value is rounded to (0: none). */
  fprec: number
}

/** A value read with a template, of the type its fields make (offsets in seconds east). */
export type TemplateValue =
  | { readonly kind: 'date'; readonly days: number }
  | { readonly kind: 'time'; readonly micros: bigint }
  | { readonly kind: 'timetz'; readonly micros: bigint; readonly offsetSeconds: number }
  | { readonly kind: 'timestamp'; readonly micros: bigint }
  | { readonly kind: 'timestamptz'; readonly micros: bigint; readonly offsetSeconds: number }

const trunc = Math.trunc
const int4 = (n: number) => n >= INT_MIN && n <= INT_MAX
const JULIAN_EPOCH = -DATE_DAYS_MIN
const toJulian = (year: number, month: number, day: number) => daysFromCivil(year, month, day) + JULIAN_EPOCH
const fromJulian = (j: number) => civilFromDays(j - JULIAN_EPOCH)
/** Day of the week of a Julian day, Sunday 0. */
const weekday = (j: number) => (((j + 1) % 7) + 7) % 7

/** The Julian day of the Monday of ISO week `week` of ISO year `year` (isoweek2j). */
function isoWeekStart(year: number, week: number): number {
  const day4 = toJulian(year, 1, 4)
  return (week - 1) * 7 + (day4 - weekday(day4 - 1))
}

const DATE_BITS = { year: 1, month: 2, day: 4 }
const ALL_DATE_BITS = 7

/** The fields of a reading, checked as do_to_timestamp checks them. */
function assemble(o: FromChar, text: string): Fields {
  const overflow = () => new SqlError('22008', `date/time field value out of range: "${text}"`)
  const f: Fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, fsec: 0, offsetSeconds: undefined, fprec: o.ff }
  assembleClock(o, f)
  let mask = assembleYear(o, f, overflow)
  if (o.j) {
    Object.assign(f, fromJulian(o.j))
    mask |= ALL_DATE_BITS
  }
  mask |= assembleWeeks(o, f, overflow)
  if (o.dd) {
    f.day = o.dd
    mask |= DATE_BITS.day
  }
  if (o.mm) {
    f.month = o.mm
    mask |= DATE_BITS.month
  }
  mask |= assembleDayOfYear(o, f)
  if (o.ms) {
    f.fsec += o.ms * 1000
    if (!int4(f.fsec)) throw overflow()
  }
  f.fsec += o.us
  if (!validDate(mask, f)) throw overflow()
  if (f.hour < 0 || f.hour >= 24 || f.minute < 0 || f.minute >= 60 || f.second < 0 || f.second >= 60 || f.fsec < 0 || f.fsec >= 1_000_000) {
    throw overflow()
  }
  f.offsetSeconds = assembleZone(o, f, text)
  return f
}

function assembleClock(o: FromChar, f: Fields): void {
  if (o.ssss) {
    f.hour = trunc(o.ssss / 3600)
    f.minute = trunc((o.ssss % 3600) / 60)
    f.second = o.ssss % 60
  }
  if (o.ss) f.second = o.ss
  if (o.mi) f.minute = o.mi
  if (o.hh) f.hour = o.hh
  if (!o.clock12) return
  if (f.hour < 1 || f.hour > 12) {
    throw invalidFormat(`hour "${f.hour}" is invalid for the 12-hour clock`, undefined, 'Use the 24-hour clock, or give an hour between 1 and 12.')
  }
  if (o.pm && f.hour < 12) f.hour += 12
  else if (!o.pm && f.hour === 12) f.hour = 0
}

/** The year from YYYY (and its kin), CC and BC; the fields' bits. */
function assembleYear(o: FromChar, f: Fields, overflow: () => SqlError): number {
  const cc = o.bc ? -o.cc : o.cc
  if (o.year) {
    if (o.cc && o.yysz <= 2) {
      // CC with a two-digit year: that year of the century (the 21st runs 2001 to 2100).
      const yy = o.year % 100
      if (yy === 0) f.year = cc * 100 + (cc >= 0 ? 0 : 1)
      else f.year = cc >= 0 ? (cc - 1) * 100 + yy : (cc + 1) * 100 - yy + 1
    } else {
      f.year = o.bc ? -o.year : o.year
      // 1 BC is year 0.
      if (f.year < 0) f.year++
    }
  } else if (o.cc) {
    f.year = cc >= 0 ? (cc - 1) * 100 + 1 : cc * 100 + 1
  } else {
    return 0
  }
  if (!int4(f.year)) throw overflow()
  return DATE_BITS.year
}

function assembleWeeks(o: FromChar, f: Fields, overflow: () => SqlError): number {
  let mask = 0
  if (o.ww) {
    if (o.mode === 'isoweek') {
      // Without a day the date is the week's Monday; ID counts Sunday 1 to Saturday 7 here.
      const monday = isoWeekStart(f.year, o.ww)
      Object.assign(f, fromJulian(o.d ? monday + (o.d > 1 ? o.d - 2 : 6) : monday))
      mask |= ALL_DATE_BITS
    } else {
      o.ddd = (o.ww - 1) * 7 + 1
      if (!int4(o.ddd)) throw overflow()
    }
  }
  if (o.w) {
    o.dd = (o.w - 1) * 7 + 1
    if (!int4(o.dd)) throw overflow()
  }
  return mask
}

const MONTH_STARTS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]
const LEAP_MONTH_STARTS = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366]

/** A day of the year (DDD, or IDDD in an ISO year) where the month or day is not given. */
function assembleDayOfYear(o: FromChar, f: Fields): number {
  if (!o.ddd || (f.month > 1 && f.day > 1)) return 0
  if (!f.year && !o.bc) throw invalidFormat('cannot calculate day of year without year information')
  if (o.mode === 'isoweek') {
    Object.assign(f, fromJulian(isoWeekStart(f.year, 1) - 1 + o.ddd))
    return ALL_DATE_BITS
  }
  const starts = daysInMonth(f.year, 2) === 29 ? LEAP_MONTH_STARTS : MONTH_STARTS
  let m = 1
  while (m <= 12 && o.ddd > (starts[m] as number)) m++
  if (f.month <= 1) f.month = m
  if (f.day <= 1) f.day = o.ddd - (starts[m - 1] as number)
  return DATE_BITS.month | DATE_BITS.day
}

/** ValidateDate for the fields given: a month 1 to 12, a day 1 to 31, and with all three a day
 * the month has. */
function validDate(mask: number, f: Fields): boolean {
  if (mask & DATE_BITS.month && (f.month < 1 || f.month > 12)) return false
  if (mask & DATE_BITS.day && (f.day < 1 || f.day > 31)) return false
  return (mask & ALL_DATE_BITS) !== ALL_DATE_BITS || f.day <= daysInMonth(f.year, f.month)
}

/** The offset read (seconds east): TZH and TZM (up to 15:59), or a zone abbreviation's. */
function assembleZone(o: FromChar, f: Fields, text: string): number | undefined {
  if (o.tzsign !== 0) {
    if (o.tzh < 0 || o.tzh > 15 || o.tzm < 0 || o.tzm >= 60) {
      throw new SqlError('22009', `time zone displacement out of range: "${text}"`)
    }
    return o.tzsign * (o.tzh * 60 + o.tzm) * 60
  }
  const a = o.abbreviation
  if (a === undefined) return undefined
  if ('offsetSeconds' in a) return a.offsetSeconds
  // A zone's abbreviation takes the zone's offset at the local time read.
  if (!validJulian(f.year, f.month)) return 0
  const local = daysFromCivil(f.year, f.month, f.day) * 86400 + (f.hour * 60 + f.minute) * 60 + f.second
  return offsetFromLocal(local, a.zone)
}

/** Microseconds of the fields as a timestamp, less `offsetSeconds` (tm2timestamp); undefined
 * outside timestamp's range. */
function timestampOf(f: Fields, offsetSeconds: number): bigint | undefined {
  if (!validJulian(f.year, f.month)) return undefined
  const days = BigInt(daysFromCivil(f.year, f.month, f.day))
  const micros = days * MICROS_PER_DAY + clockMicros(f) - BigInt(offsetSeconds) * 1_000_000n
  return timestampInRange(micros) ? micros : undefined
}

const clockMicros = (f: Fields) => BigInt((f.hour * 60 + f.minute) * 60 + f.second) * 1_000_000n + BigInt(f.fsec)
const precision = (f: Fields) => (f.fprec === 0 ? undefined : f.fprec)

function dateOf(f: Fields, text: string): number {
  const days = validJulian(f.year, f.month) ? daysFromCivil(f.year, f.month, f.day) : Number.NaN
  if (!(days >= DATE_DAYS_MIN && days < DATE_DAYS_END)) throw new SqlError('22008', `date out of range: "${text}"`)
  return days
}

/** The value standard mode makes: its type is the kinds of field the template has. */
function standardValue(f: Fields, t: DatetimeTemplate, text: string): TemplateValue {
  const notTimed = () => invalidFormat(t.dated ? 'datetime format is zoned but not timed' : 'datetime format is not dated and not timed')
  if (!t.timed) {
    if (t.zoned || !t.dated) throw notTimed()
    return { kind: 'date', days: dateOf(f, text) }
  }
  // In standard mode every field of the template was read, so a zoned template gave an offset.
  const offsetSeconds = t.zoned ? (f.offsetSeconds ?? 0) : undefined
  if (!t.dated) {
    const micros = roundTime(clockMicros(f), precision(f))
    return offsetSeconds === undefined ? { kind: 'time', micros } : { kind: 'timetz', micros, offsetSeconds }
  }
  const micros = timestampOf(f, offsetSeconds ?? 0)
  if (micros === undefined) throw new SqlError('22008', offsetSeconds === undefined ? 'timestamp out of range' : 'timestamptz out of range')
  const rounded = roundTimestamp(micros, precision(f))
  return offsetSeconds === undefined ? { kind: 'timestamp', micros: rounded } : { kind: 'timestamptz', micros: rounded, offsetSeconds }
}

function readFields(text: string, t: DatetimeTemplate): Fields {
  const r = new TemplateReader(text, t.nodes, t.std)
  if (!t.empty) r.read()
  return assemble(r.out, text)
}

/** Standard mode's reading (SQL/JSON .datetime(template)): the value, or the error that the
 * text does not fit, which a `silent` evaluation suppresses. */
export function readDatetimeTemplate(text: string, t: DatetimeTemplate): TemplateValue | SqlError {
  try {
    return standardValue(readFields(text, t), t, text)
  } catch (e) {
    if (e instanceof SqlError) return e
    throw e
  }
}

/** to_timestamp(text, template): the local time read, at the offset read or UTC (the session's
 * zone), rounded to FFn's digits. 22007 when the text does not fit, 22008 out of range. */
export function templateTimestamp(text: string, fmt: string): bigint {
  const f = readFields(text, compileDatetimeTemplate(fmt, false))
  const micros = timestampOf(f, f.offsetSeconds ?? 0)
  if (micros === undefined) throw new SqlError('22008', 'timestamp out of range')
  return roundTimestamp(micros, precision(f))
}

/** to_date(text, template): the day read. */
export function templateDate(text: string, fmt: string): number {
  return dateOf(readFields(text, compileDatetimeTemplate(fmt, false)), text)
}
