// Time zones (ARCHITECTURE.md "query processor": values): zone names as PostgreSQL reads them and
// their UTC offsets at an instant, from the runtime's IANA database (Intl); the session is UTC.
import { SqlError } from '../../errors/index.ts'
import { ZONE_ABBREVIATIONS } from './constants.ts'
import { isFiniteTimestamp, timestampInRange } from './datetime.ts'

const MICROS_PER_SECOND = 1_000_000n

export type Zone = { readonly fixed: number } | { readonly format: Intl.DateTimeFormat }

const ZONES = new Map<string, Zone>()
const ZONE_CACHE_MAX = 256

/** A zone name as PostgreSQL reads it: an abbreviation, a POSIX offset ('+05' and 'UTC+5' are
 * five hours WEST), or an IANA name. 22023 when unknown. */
export function zoneOf(name: string): Zone {
  const cached = ZONES.get(name)
  if (cached !== undefined) return cached
  const zone = parseZone(name)
  if (ZONES.size >= ZONE_CACHE_MAX) ZONES.clear()
  ZONES.set(name, zone)
  return zone
}

function parseZone(name: string): Zone {
  const lower = name.trim().toLowerCase()
  const abbreviation = ZONE_ABBREVIATIONS[lower]
  if (abbreviation !== undefined) return { fixed: abbreviation }
  const posix = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(lower)
  if (posix !== null) {
    const seconds = Number(posix[2]) * 3600 + Number(posix[3] ?? 0) * 60 + Number(posix[4] ?? 0)
    if (seconds > 15 * 3600 + 59 * 60 + 59) throw new SqlError('22023', `time zone "${name}" not recognized`)
    return { fixed: posix[1] === '+' ? -seconds : seconds }
  }
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: name.trim(),
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    return { format }
  } catch (e) {
    throw new SqlError('22023', `time zone "${name}" not recognized`, { cause: e })
  }
}

/** Seconds east of UTC in `zone` at the instant `utcSeconds`. */
function offsetAt(zone: Zone, utcSeconds: number): number {
  if ('fixed' in zone) return zone.fixed
  const parts = zone.format.formatToParts(new Date(utcSeconds * 1000))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const bc = parts.find((p) => p.type === 'era')?.value === 'BC'
  const year = bc ? 1 - get('year') : get('year')
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  const d = new Date(0)
  d.setUTCFullYear(year, get('month') - 1, get('day'))
  d.setUTCHours(get('hour'), get('minute'), get('second'), 0)
  return d.getTime() / 1000 - utcSeconds
}

/** timestamptz → the zone's local time (timestamp). */
export function toLocal(micros: bigint, zone: Zone): bigint {
  if (!isFiniteTimestamp(micros)) return micros
  const seconds = Number(micros / MICROS_PER_SECOND)
  const local = micros + BigInt(offsetAt(zone, seconds)) * MICROS_PER_SECOND
  if (!timestampInRange(local)) throw new SqlError('22008', 'timestamp out of range')
  return local
}

/** The zone's local time (timestamp) → timestamptz. A time skipped by a transition uses the offset
 * before it, a time that occurs twice the one after it, as PostgreSQL does. */
export function fromLocal(micros: bigint, zone: Zone): bigint {
  if (!isFiniteTimestamp(micros)) return micros
  const local = Number(micros / MICROS_PER_SECOND)
  const before = offsetAt(zone, local - 86400)
  const after = offsetAt(zone, local + 86400)
  // The offset after a transition when it holds at this local time; otherwise (a skipped time,
  // or no transition) the one before.
  const offset = offsetAt(zone, local - after) === after ? after : before
  const utc = micros - BigInt(offset) * MICROS_PER_SECOND
  if (!timestampInRange(utc)) throw new SqlError('22008', 'timestamp out of range')
  return utc
}

