// Time zones (ARCHITECTURE.md "query processor": values): zone names as PostgreSQL reads them and
// their UTC offsets at an instant, from the runtime's IANA database (Intl); the session is UTC.
import { SqlError } from '../../errors/index.ts'
import { TZ_OFFSET_SECONDS_MAX } from './constants.ts'
import { civilFromDays, daysFromCivil, isFiniteTimestamp, timestampInRange } from './datetime.ts'
import { ZONE_ABBREVIATIONS } from './zone-abbreviations.ts'

const MICROS_PER_SECOND = 1_000_000n

/** A fixed offset (seconds east), a POSIX zone with daylight-saving time (offsets east; tzcode's
 * default rule, as PostgreSQL applies it: from the second Sunday of March to the first Sunday of
 * November, at 02:00 local), or an IANA zone. */
export type Zone =
  | { readonly fixed: number }
  | PosixZone
  | { readonly format: Intl.DateTimeFormat }
type PosixZone = { readonly standard: number; readonly daylight: number }

const ZONES = new Map<string, Zone | null>()
/** Zone names remembered (null for an unknown one); cleared when full, as names are few. */
const ZONE_CACHE_MAX = 256

/** A zone name as PostgreSQL reads it: an abbreviation, a POSIX offset ('+05' and 'UTC+5' are
 * five hours WEST), or an IANA name. 22023 when unknown. */
export function zoneOf(name: string): Zone {
  const zone = cached(`of:${name}`, () => parseZone(name))
  if (zone === null) throw new SqlError('22023', `time zone "${name}" not recognized`)
  return zone
}

/** A zone name in date/time input, lower case (PostgreSQL's pg_tzset): an IANA name, else a
 * POSIX TZ string ('foo+3', 'utc-5:30', 'foo3bar': hours west, see `posixZone`); undefined when
 * neither. Abbreviations are the caller's, read first. */
export function namedZone(lowerName: string): Zone | undefined {
  // The zone database first, as PostgreSQL loads a zone file before reading a POSIX string.
  const zone = cached(`named:${lowerName}`, () => intlZone(lowerName) ?? posixZone(lowerName))
  return zone ?? undefined
}

/** The zone of a time zone abbreviation (`est`, `msk`), undefined when it is none. */
export function abbreviationZone(lowerName: string): Zone | undefined {
  const abbreviation = ZONE_ABBREVIATIONS.get(lowerName)
  if (abbreviation === undefined) return undefined
  if ('offsetSeconds' in abbreviation) return { fixed: abbreviation.offsetSeconds }
  return cached(`abbrev:${lowerName}`, () => intlZone(abbreviation.zone)) ?? undefined
}

function cached(key: string, make: () => Zone | null): Zone | null {
  const hit = ZONES.get(key)
  if (hit !== undefined) return hit
  const zone = make()
  if (ZONES.size >= ZONE_CACHE_MAX) ZONES.clear()
  ZONES.set(key, zone)
  return zone
}

function parseZone(name: string): Zone | null {
  const lower = name.trim().toLowerCase()
  const abbreviation = abbreviationZone(lower)
  if (abbreviation !== undefined) return abbreviation
  const posix = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(lower)
  if (posix !== null) {
    const seconds = Number(posix[2]) * 3600 + Number(posix[3] ?? 0) * 60 + Number(posix[4] ?? 0)
    if (seconds > TZ_OFFSET_SECONDS_MAX) return null
    return { fixed: posix[1] === '+' ? -seconds : seconds }
  }
  return intlZone(name.trim())
}

const POSIX_OFFSET = String.raw`([+-]?\d+(?::\d+(?::\d+)?)?)`
// A ':' after an offset's digits must lead more digits (tzcode's getsecs), so it cannot start the
// daylight name.
const POSIX_ZONE = new RegExp(
  String.raw`^[^\d,+-]+${POSIX_OFFSET}(?:([^\d,+:-][^\d,+-]*)${POSIX_OFFSET}?)?$`,
)

/** A POSIX TZ string without rules: 'std offset [dst [offset]]', as tzcode's tzparse reads it.
 * A name is anything but digits, signs and commas ('x', 'utc', 'a.m.'); an offset is hours
 * WEST [:minutes[:seconds]] up to 167 hours; the daylight offset defaults to an hour east of
 * the standard one. */
function posixZone(lower: string): Zone | null {
  const m = POSIX_ZONE.exec(lower)
  if (m === null) return null
  const standard = posixOffset(m[1] as string)
  if (standard === null || m[2] === undefined) return standard === null ? null : { fixed: standard }
  const daylight = m[3] === undefined ? standard + 3600 : posixOffset(m[3])
  return daylight === null ? null : { standard, daylight }
}

/** '[+-]h[:m[:s]]', hours west, in seconds east; null beyond tzcode's bounds (a week of hours, a
 * leap second). */
function posixOffset(text: string): number | null {
  const [h = '', min = '0', sec = '0'] = text.replace(/^[+-]/, '').split(':')
  const [hours, minutes, seconds] = [Number(h), Number(min), Number(sec)]
  if (hours > 167 || minutes > 59 || seconds > 60) return null
  const west = hours * 3600 + minutes * 60 + seconds
  return text.startsWith('-') ? west : -west
}

function intlZone(name: string): Zone | null {
  // Intl reads offsets ('+05:00') as zones too; PostgreSQL's zone names never start with one.
  if (!/^[a-z]/i.test(name)) return null
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
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
  } catch {
    return null
  }
}

/** Seconds in 400 Gregorian years: the calendar, and so every rule-based zone, repeats. */
const SECONDS_PER_400_YEARS = 146097 * 86400
/** Beyond this many seconds from 1970 JavaScript's Date cannot go (8.64e15 ms), though
 * timestamps can (to 294276 AD). */
const DATE_SECONDS_MAX = 8.64e12 - 2 * SECONDS_PER_400_YEARS

/** Seconds east of UTC in `zone` at the instant `utcSeconds`. */
function offsetAt(zone: Zone, utcSeconds: number): number {
  if ('fixed' in zone) return zone.fixed
  if ('standard' in zone) return posixOffsetAt(zone, utcSeconds)
  if (utcSeconds > DATE_SECONDS_MAX) {
    const cycles = Math.ceil((utcSeconds - DATE_SECONDS_MAX) / SECONDS_PER_400_YEARS)
    return offsetAt(zone, utcSeconds - cycles * SECONDS_PER_400_YEARS)
  }
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

/** The default rule's offset: daylight time from 02:00 standard time on the second Sunday of
 * March to 02:00 daylight time on the first Sunday of November. */
function posixOffsetAt(zone: PosixZone, utcSeconds: number): number {
  const { year } = civilFromDays(Math.floor((utcSeconds + zone.standard) / 86400))
  const start = sundayOf(year, 3, 2) * 86400 + 7200 - zone.standard
  const end = sundayOf(year, 11, 1) * 86400 + 7200 - zone.daylight
  return utcSeconds >= start && utcSeconds < end ? zone.daylight : zone.standard
}

/** The day number of the `nth` Sunday of a month. */
function sundayOf(year: number, month: number, nth: number): number {
  const first = daysFromCivil(year, month, 1)
  // 1970-01-01 was a Thursday (4, counting Sunday as 0).
  const weekday = (((first + 4) % 7) + 7) % 7
  return first + ((7 - weekday) % 7) + 7 * (nth - 1)
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
  const offset = offsetFromLocal(Number(micros / MICROS_PER_SECOND), zone)
  const utc = micros - BigInt(offset) * MICROS_PER_SECOND
  if (!timestampInRange(utc)) throw new SqlError('22008', 'timestamp out of range')
  return utc
}

/** Seconds east of UTC in `zone` for the local time `localSeconds` (since 1970), with
 * `fromLocal`'s choice at transitions (PostgreSQL's DetermineTimeZoneOffset). */
export function offsetFromLocal(localSeconds: number, zone: Zone): number {
  if ('fixed' in zone) return zone.fixed
  const before = offsetAt(zone, localSeconds - 86400)
  const after = offsetAt(zone, localSeconds + 86400)
  // The offset after a transition when it holds at this local time; otherwise (a skipped time,
  // or no transition) the one before.
  return offsetAt(zone, localSeconds - after) === after ? after : before
}

/** Instants where a zone's offset is sampled to tell whether it ever changed: local mean time
 * (before about 1900 in most zones), the 20th century's changes, and both halves of recent years
 * (daylight-saving time). */
const SAMPLE_SECONDS: readonly number[] = [1800, 1890, 1910, 1930, 1950, 1970, 1990, 2010, 2030]
  .flatMap((y) => [Date.UTC(y, 0, 15), Date.UTC(y, 6, 15)])
  .map((ms) => ms / 1000)

/** The zone's offset when it never changed (PostgreSQL's pg_get_timezone_offset, which time input
 * needs for a zone without a date), else undefined. */
export function fixedOffsetOf(zone: Zone): number | undefined {
  if ('fixed' in zone) return zone.fixed
  if ('standard' in zone) return zone.standard === zone.daylight ? zone.standard : undefined
  const first = offsetAt(zone, SAMPLE_SECONDS[0] ?? 0)
  return SAMPLE_SECONDS.every((s) => offsetAt(zone, s) === first) ? first : undefined
}
