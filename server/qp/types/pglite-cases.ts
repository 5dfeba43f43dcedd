// Test support: differential cases run both by PGlite and by Tessera's type system: a literal is
// `[text, type]` (type '' is an untyped literal), an outcome PostgreSQL's text or `ERROR <code>`.
import { SqlError } from '../../errors/index.ts'
import { cast, castToText, parseText, resolveBinary, resolveUnary, typeFromName } from './index.ts'
import type { Datum, SqlType } from './sql-type.ts'
import type { Outcome } from './pglite-oracle.ts'

export type Literal = readonly [text: string | null, type: string]

/** A type name as SQL spells it ('int4[]', 'interval', 'text') resolved like the binder does. */
const INTERVAL_RANGES: Readonly<Record<string, number>> = {
  year: 4,
  month: 2,
  'year to month': 6,
  day: 8,
  hour: 1024,
  minute: 2048,
  second: 4096,
  'day to hour': 1032,
  'day to minute': 3080,
  'day to second': 7176,
  'hour to minute': 3072,
  'hour to second': 7168,
  'minute to second': 6144,
}

export function sqlType(name: string): SqlType {
  if (name === '') return { kind: 'unknown' }
  const dims = (name.match(/\[\]/g) ?? []).length
  const base = name.replace(/\[\]/g, '').trim()
  const range = /^interval (.+)$/.exec(base)?.[1]
  if (range !== undefined) return typeFromName(['interval'], [INTERVAL_RANGES[range] ?? -1], dims)
  const p = /^interval\((\d+)\)$/.exec(base)?.[1]
  if (p !== undefined) return typeFromName(['interval'], [0x7fff, Number(p)], dims)
  const m = /^([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?$/.exec(base)
  const typmods = m?.[2] === undefined ? [] : [Number(m[2]), ...(m[3] === undefined ? [] : [Number(m[3])])]
  return typeFromName([m?.[1] ?? base], typmods, dims)
}

/** The literal as SQL: `'text'::type`, or a bare quoted string when untyped. */
export function literalSql([text, type]: Literal): string {
  const quoted = text === null ? 'NULL' : `'${text.replaceAll("'", "''")}'`
  return type === '' ? quoted : `${quoted}::${type}`
}

export function literalDatum([text, type]: Literal): { value: Datum; type: SqlType } {
  const t = sqlType(type)
  return { value: text === null ? null : parseText(text, t), type: t }
}

/** Runs `f`, giving its text the way `::text` prints it, or `ERROR <code>`. */
export function outcome(f: () => { value: Datum; type: SqlType }): Outcome {
  try {
    const { value, type } = f()
    return value === null ? null : castToText(value, type)
  } catch (e) {
    if (e instanceof SqlError) return `ERROR ${e.code}`
    throw e
  }
}

/** `left op right` evaluated by Tessera (strict: NULL in, NULL out). */
export function binaryOurs(op: string, left: Literal, right: Literal): Outcome {
  return outcome(() => {
    const l = literalDatum(left)
    const r = literalDatum(right)
    const resolved = resolveBinary(op, l.type, r.type)
    if (resolved === undefined) throw new SqlError('42883', `operator does not exist: ${op}`)
    const a = cast(l.value, l.type, resolved.leftType, 'implicit')
    const b = cast(r.value, r.type, resolved.rightType, 'implicit')
    const strict = resolved.strict !== false
    const value = strict && (a === null || b === null) ? null : resolved.apply(a, b)
    return { value, type: resolved.resultType }
  })
}

export function unaryOurs(op: string, arg: Literal): Outcome {
  return outcome(() => {
    const a = literalDatum(arg)
    const resolved = resolveUnary(op, a.type)
    if (resolved === undefined) throw new SqlError('42883', `operator does not exist: ${op}`)
    return { value: a.value === null ? null : resolved.apply(a.value), type: resolved.resultType }
  })
}

/** A cast `literal::type` evaluated by Tessera. */
export function castOurs(arg: Literal, to: string): Outcome {
  return outcome(() => {
    const a = literalDatum(arg)
    const t = sqlType(to)
    return { value: cast(a.value, a.type, t, 'explicit'), type: t }
  })
}
