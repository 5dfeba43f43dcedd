// date, timestamp and timestamptz against PostgreSQL 16 (DateStyle ISO, TimeZone UTC): accepted
// spellings, output layout, BC years, infinity, range limits and error codes.
import { describe, expect, test } from 'bun:test'
import { DATE_DAYS_END, DATE_DAYS_MIN, MICROS_PER_DAY, TIMESTAMP_MICROS_END } from './constants.ts'
import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTimestamp,
  parseDate,
  parseTimestamp,
  roundTimestamp,
} from './datetime.ts'
import { error } from './types-harness.ts'

test('the calendar agrees with known day numbers and the range constants', () => {
  expect(daysFromCivil(1970, 1, 1)).toBe(0)
  expect(daysFromCivil(2000, 1, 1)).toBe(10957)
  expect(daysFromCivil(1969, 12, 31)).toBe(-1)
  expect(daysFromCivil(-4713, 11, 24)).toBe(DATE_DAYS_MIN)
  expect(daysFromCivil(5874898, 1, 1)).toBe(DATE_DAYS_END)
  expect(BigInt(daysFromCivil(294277, 1, 1)) * MICROS_PER_DAY).toBe(TIMESTAMP_MICROS_END)
  for (const days of [DATE_DAYS_MIN, -719528, -1, 0, 59, 60, 11016, DATE_DAYS_END - 1]) {
    const { year, month, day } = civilFromDays(days)
    expect(daysFromCivil(year, month, day)).toBe(days)
  }
})

describe('date', () => {
  const cases: [string, string][] = [
    ['2024-02-29', '2024-02-29'],
    [' 2024-1-2 ', '2024-01-02'],
    ['20240102', '2024-01-02'],
    ['2024/01/02', '2024-01-02'],
    ['2024-01-02 23:59:59', '2024-01-02'],
    ['2024-01-02T10:00:00Z', '2024-01-02'],
    ['0001-01-01', '0001-01-01'],
    ['0001-12-31 BC', '0001-12-31 BC'],
    ['0044-03-15 bc', '0044-03-15 BC'],
    ['4714-11-24 BC', '4714-11-24 BC'],
    ['5874897-12-31', '5874897-12-31'],
    ['10000-01-01', '10000-01-01'],
    ['2000-01-01 AD', '2000-01-01'],
    ['epoch', '1970-01-01'],
    ['infinity', 'infinity'],
    ['-Infinity', '-infinity'],
  ]
  test.each(cases)('%p → %p', (input, output) => {
    expect(formatDate(parseDate(input))).toBe(output)
  })

  const errors: [string, string][] = [
    ['2023-02-29', '22008 date/time field value out of range: "2023-02-29"'],
    ['2024-13-01', '22008 date/time field value out of range: "2024-13-01"'],
    ['2024-00-10', '22008 date/time field value out of range: "2024-00-10"'],
    ['0000-01-01', '22008 date/time field value out of range: "0000-01-01"'],
    ['garbage', '22007 invalid input syntax for type date: "garbage"'],
    ['', '22007 invalid input syntax for type date: ""'],
    ['4714-11-23 BC', '22008 date out of range: "4714-11-23 BC"'],
    ['5874898-01-01', '22008 date out of range: "5874898-01-01"'],
  ]
  test.each(errors)('%p fails: %p', (input, message) => {
    expect(error(() => parseDate(input))).toBe(message)
  })

  test('now and today need a clock: 0A000', () => {
    expect(error(() => parseDate('today')).slice(0, 5)).toBe('0A000')
  })
})

describe('timestamp', () => {
  const cases: [string, string][] = [
    ['2024-01-02 03:04:05', '2024-01-02 03:04:05'],
    ['2024-01-02 03:04:05.123', '2024-01-02 03:04:05.123'],
    ['2024-01-02 03:04:05.100000', '2024-01-02 03:04:05.1'],
    ['2024-01-02 03:04:05.000', '2024-01-02 03:04:05'],
    ['2024-01-02T03:04:05.000001', '2024-01-02 03:04:05.000001'],
    ['2024-01-02 03:04:05.1234567', '2024-01-02 03:04:05.123457'],
    ['2024-01-02 03:04:05.9999999', '2024-01-02 03:04:06'],
    ['2024-01-02', '2024-01-02 00:00:00'],
    ['2024-01-02 3:4', '2024-01-02 03:04:00'],
    ['2024-01-02 24:00:00', '2024-01-03 00:00:00'],
    ['2024-12-31 23:59:60', '2025-01-01 00:00:00'],
    ['2024-01-02 03:04:05+05', '2024-01-02 03:04:05'],
    ['1969-12-31 23:59:59.5', '1969-12-31 23:59:59.5'],
    ['0001-01-01 00:00:00 BC', '0001-01-01 00:00:00 BC'],
    ['294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999'],
    ['4714-11-24 00:00:00 BC', '4714-11-24 00:00:00 BC'],
    ['infinity', 'infinity'],
    ['-infinity', '-infinity'],
    ['epoch', '1970-01-01 00:00:00'],
  ]
  test.each(cases)('%p → %p', (input, output) => {
    expect(formatTimestamp(parseTimestamp(input, false), false)).toBe(output)
  })

  const errors: [string, string][] = [
    ['2024-01-02 25:00', '22008 date/time field value out of range: "2024-01-02 25:00"'],
    ['2024-01-02 24:00:01', '22008 date/time field value out of range: "2024-01-02 24:00:01"'],
    ['2024-01-02 10:60', '22008 date/time field value out of range: "2024-01-02 10:60"'],
    ['2024-01-02 x', '22007 invalid input syntax for type timestamp: "2024-01-02 x"'],
    ['294277-01-01', '22008 timestamp out of range: "294277-01-01"'],
    ['4714-11-23 23:59:59 BC', '22008 timestamp out of range: "4714-11-23 23:59:59 BC"'],
  ]
  test.each(errors)('%p fails: %p', (input, message) => {
    expect(error(() => parseTimestamp(input, false))).toBe(message)
  })

  test('timestamp(p) rounds half away from zero around 2000-01-01', () => {
    const t = parseTimestamp('2024-01-02 03:04:05.5', false)
    expect(formatTimestamp(roundTimestamp(t, 0), false)).toBe('2024-01-02 03:04:06')
    const u = parseTimestamp('1969-12-31 23:59:59.125', false)
    expect(formatTimestamp(roundTimestamp(u, 2), false)).toBe('1969-12-31 23:59:59.12')
    expect(formatTimestamp(roundTimestamp(u, 0), false)).toBe('1969-12-31 23:59:59')
    const v = parseTimestamp('1990-06-01 12:00:00.125', false)
    expect(formatTimestamp(roundTimestamp(v, 2), false)).toBe('1990-06-01 12:00:00.12')
    const w = parseTimestamp('2024-06-01 12:00:00.125', false)
    expect(formatTimestamp(roundTimestamp(w, 2), false)).toBe('2024-06-01 12:00:00.13')
  })
})

describe('timestamptz', () => {
  const cases: [string, string][] = [
    ['2024-01-02 03:04:05', '2024-01-02 03:04:05+00'],
    ['2024-01-02 03:04:05+05:30', '2024-01-01 21:34:05+00'],
    ['2024-01-02 03:04:05+0530', '2024-01-01 21:34:05+00'],
    ['2024-01-02 03:04:05 -08', '2024-01-02 11:04:05+00'],
    ['2024-01-02T03:04:05.5Z', '2024-01-02 03:04:05.5+00'],
    ['2024-01-02 03:04:05 UTC', '2024-01-02 03:04:05+00'],
    ['2024-01-02 03:04:05+00:00:30', '2024-01-02 03:03:35+00'],
    ['2024-01-02', '2024-01-02 00:00:00+00'],
    ['0044-03-15 10:00 BC', '0044-03-15 10:00:00+00 BC'],
    ['infinity', 'infinity'],
  ]
  test.each(cases)('%p → %p', (input, output) => {
    expect(formatTimestamp(parseTimestamp(input, true), true)).toBe(output)
  })

  test('offset beyond 15:59:59 is 22009', () => {
    expect(error(() => parseTimestamp('2024-01-02 00:00+16', true))).toBe(
      '22009 time zone displacement out of range: "2024-01-02 00:00+16"',
    )
  })

  test('bad input names the type', () => {
    expect(error(() => parseTimestamp('x', true))).toBe(
      '22007 invalid input syntax for type timestamp with time zone: "x"',
    )
  })
})
