// Type names as PostgreSQL's format_type spells them (ARCHITECTURE.md "query processor": bind),
// where the catalog needs more than types/ gives: interval field ranges.
import { formatType, type SqlType } from '../types/index.ts'

// PostgreSQL's interval range masks (INTERVAL_MASK bits: month 1, year 2, day 3, hour 10,
// minute 11, second 12) and how intervaltypmodout names them.
const RANGES: ReadonlyMap<number, string> = new Map([
  [1 << 2, 'year'],
  [1 << 1, 'month'],
  [1 << 3, 'day'],
  [1 << 10, 'hour'],
  [1 << 11, 'minute'],
  [1 << 12, 'second'],
  [(1 << 2) | (1 << 1), 'year to month'],
  [(1 << 3) | (1 << 10), 'day to hour'],
  [(1 << 3) | (1 << 10) | (1 << 11), 'day to minute'],
  [(1 << 3) | (1 << 10) | (1 << 11) | (1 << 12), 'day to second'],
  [(1 << 10) | (1 << 11), 'hour to minute'],
  [(1 << 10) | (1 << 11) | (1 << 12), 'hour to second'],
  [(1 << 11) | (1 << 12), 'minute to second'],
])

/** The range an interval type is restricted to ('day to second'), undefined for the full range. */
export function intervalRange(type: SqlType): string | undefined {
  return type.kind === 'interval' && type.fields !== undefined ? RANGES.get(type.fields) : undefined
}

/** format_type's spelling: types/ formatType, with interval ranges (`interval day to second(3)`). */
export function formatSqlType(type: SqlType): string {
  if (type.kind === 'array') return `${formatSqlType(type.element)}[]`
  if (type.kind === 'bpchar' && type.length === undefined) return 'bpchar'
  if (type.kind !== 'interval') return formatType(type)
  const range = intervalRange(type)
  const precision = type.precision === undefined || type.precision === 0xffff ? '' : `(${type.precision})`
  return range === undefined ? `interval${precision}` : `interval ${range}${precision}`
}
