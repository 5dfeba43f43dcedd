// to_char for numbers (ARCHITECTURE.md "query processor": evaluate): PostgreSQL's numeric template
// patterns 9 0 . D , G S MI L FM TH in the C locale; the rarer ones (EEEE, RN, V, PR, PL, SG) 0A000.
import { SqlError } from '../errors/index.ts'
import { T, sig, type Signature } from './function-overloads.ts'
import { Decimal, type Datum } from './types/index.ts'

type Token =
  | { readonly kind: 'digit'; readonly zero: boolean }
  | { readonly kind: 'point' | 'group' | 'S' | 'MI' | 'L' }
  | { readonly kind: 'th'; readonly upper: boolean }
  | { readonly kind: 'literal'; readonly text: string }

const UNSUPPORTED = ['EEEE', 'RN', 'rn', 'PR', 'PL', 'SG', 'V']

function tokenize(fmt: string): { tokens: Token[]; fm: boolean } {
  const tokens: Token[] = []
  let fm = false
  for (let i = 0; i < fmt.length; ) {
    const rest = fmt.slice(i)
    const bad = UNSUPPORTED.find((u) => rest.startsWith(u))
    if (bad !== undefined) throw new SqlError('0A000', `to_char number pattern "${bad}" is not supported`)
    if (/^fm/i.test(rest)) {
      fm = true
      i += 2
    } else if (rest.startsWith('MI') || rest.startsWith('mi')) {
      tokens.push({ kind: 'MI' })
      i += 2
    } else if (rest.startsWith('TH') || rest.startsWith('th')) {
      tokens.push({ kind: 'th', upper: rest[0] === 'T' })
      i += 2
    } else {
      const c = rest[0] as string
      if (c === '9' || c === '0') tokens.push({ kind: 'digit', zero: c === '0' })
      else if (c === '.' || c === 'D' || c === 'd') tokens.push({ kind: 'point' })
      else if (c === ',' || c === 'G' || c === 'g') tokens.push({ kind: 'group' })
      else if (c === 'S' || c === 's') tokens.push({ kind: 'S' })
      else if (c === 'L' || c === 'l') tokens.push({ kind: 'L' })
      else if (c === '"') {
        const end = fmt.indexOf('"', i + 1)
        tokens.push({ kind: 'literal', text: fmt.slice(i + 1, end < 0 ? fmt.length : end) })
        i = end < 0 ? fmt.length : end + 1
        continue
      } else if (c === '\\' && i + 1 < fmt.length) {
        tokens.push({ kind: 'literal', text: fmt[i + 1] as string })
        i += 2
        continue
      } else tokens.push({ kind: 'literal', text: c })
      i++
    }
  }
  return { tokens, fm }
}

function ordinal(n: bigint): string {
  const t = n % 100n
  if (t >= 11n && t <= 13n) return 'th'
  return ['th', 'st', 'nd', 'rd'][Number(n % 10n)] ?? 'th'
}

/** to_char(number, template). */
export function formatNumber(value: Decimal, fmt: string): string {
  const { tokens, fm } = tokenize(fmt)
  const pointAt = tokens.findIndex((t) => t.kind === 'point')
  const digitsBefore = tokens.filter((t, i) => t.kind === 'digit' && (pointAt < 0 || i < pointAt)) as { zero: boolean }[]
  const digitsAfter = pointAt < 0 ? [] : (tokens.filter((t, i) => t.kind === 'digit' && i > pointAt) as { zero: boolean }[])
  const pre = digitsBefore.length
  const post = digitsAfter.length
  if (value.isNaN) return ' '.repeat(pre + post + 1).replace(/ /g, '#')
  const rounded = value.round(post)
  const neg = rounded.sign < 0
  const text = rounded.abs().toString()
  let [intPart = '', fracPart = ''] = text.split('.')
  fracPart = fracPart.padEnd(post, '0')
  // '0.5' prints as '.5' unless a 0 forces the digit; without a point, zero prints as '0'.
  if (intPart === '0' && pointAt >= 0) intPart = ''
  const overflow = intPart.length > pre
  const zeroStart = digitsBefore.findIndex((d) => d.zero)
  let zeroEnd = -1
  digitsAfter.forEach((d, j) => {
    if (d.zero) zeroEnd = j
  })
  const hasS = tokens.some((t) => t.kind === 'S')
  const hasMI = tokens.some((t) => t.kind === 'MI')
  const out: string[] = []
  let firstPrinted = -1
  const printed = (s: string) => {
    if (firstPrinted < 0) firstPrinted = out.length
    out.push(s)
  }
  if (!hasS && !hasMI) out.push(' ')
  let i = 0
  let j = 0
  const lead = pre - intPart.length
  for (const t of tokens) {
    switch (t.kind) {
      case 'digit':
        if (pointAt >= 0 && tokens.indexOf(t) > pointAt) {
          const k = j++
          if (overflow) out.push('#')
          else if (fm && !t.zero && k > zeroEnd && /^0*$/.test(fracPart.slice(k))) out.push('')
          else printed(fracPart[k] ?? '0')
        } else {
          const k = i++
          if (overflow) printed('#')
          else if (k < lead) {
            if (zeroStart >= 0 && k >= zeroStart) printed('0')
            else out.push(' ')
          } else printed(intPart[k - lead] as string)
        }
        break
      case 'point':
        // FM drops the fraction's trailing zeros; a value that leaves nothing prints as '0.'.
        if (fm && intPart === '' && firstPrinted < 0 && /^0*$/.test(fracPart) && zeroEnd < 0) printed('0')
        printed('.')
        break
      case 'group':
        out.push(firstPrinted >= 0 ? ',' : ' ')
        break
      case 'S':
        out.push(' ')
        break
      case 'L':
        out.push(' ')
        break
      case 'MI':
        out.push(neg ? '-' : ' ')
        break
      case 'th':
        if (!overflow && !neg) {
          const s = ordinal(BigInt(intPart === '' ? '0' : intPart))
          out.push(t.upper ? s.toUpperCase() : s)
        }
        break
      case 'literal':
        out.push(t.text)
        break
    }
  }
  // The sign is anchored to the number: it takes the blank just before the first printed char.
  if (!hasMI && firstPrinted > 0) {
    const sign = neg ? '-' : hasS ? '+' : ' '
    let k = firstPrinted - 1
    while (k > 0 && out[k] === '') k--
    if (out[k] === ' ') out[k] = sign
  }
  let result = out.join('')
  if (fm) result = result.replace(/^ +/, '').replace(/ +$/, '')
  return result
}

const float = (x: number) => (Number.isFinite(x) ? Decimal.fromFloat(x, 15) : Decimal.nan())

/** to_char signatures for numbers, added to to_char's overloads. */
export const NUMBER_TO_CHAR: readonly Signature[] = [
  sig([T.numeric, T.text], T.text, (a) => formatNumber(a[0] as Decimal, a[1] as string)),
  sig([T.int4, T.text], T.text, (a) => formatNumber(Decimal.fromBigInt(a[0] as bigint), a[1] as string)),
  sig([T.int8, T.text], T.text, (a) => formatNumber(Decimal.fromBigInt(a[0] as bigint), a[1] as string)),
  sig([T.float8, T.text], T.text, (a: readonly Datum[]) => formatNumber(float(a[0] as number), a[1] as string)),
]

/** to_number(text, template): the digits the template has room for (integer digits from the
 * left, fraction digits truncated), a '-' or '<...>' anywhere making it negative; separators,
 * currency and spaces are skipped. 22P02 when no digit is found; EEEE and RN are 0A000. */
export function parseNumber(text: string, fmt: string): Decimal {
  const bad = ['EEEE', 'RN', 'rn'].find((u) => fmt.includes(u))
  if (bad !== undefined) throw new SqlError('0A000', `"${bad}" not supported for input`)
  const pointAt = fmt.search(/[.D]/)
  const digitsIn = (f: string) => (f.match(/[09]/g) ?? []).length
  const pre = digitsIn(pointAt < 0 ? fmt : fmt.slice(0, pointAt))
  const post = pointAt < 0 ? 0 : digitsIn(fmt.slice(pointAt + 1))
  const dot = text.indexOf('.')
  const intDigits = (dot < 0 ? text : text.slice(0, dot)).replace(/[^0-9]/g, '').slice(0, pre)
  const fracDigits = dot < 0 || pointAt < 0 ? '' : text.slice(dot + 1).replace(/[^0-9]/g, '').slice(0, post)
  if (intDigits === '' && fracDigits === '') {
    throw new SqlError('22P02', 'invalid input syntax for type numeric: " "')
  }
  const negative = /-|</.test(text)
  const body = fracDigits === '' ? intDigits || '0' : `${intDigits || '0'}.${fracDigits}`
  return Decimal.parse(negative ? `-${body}` : body)
}
