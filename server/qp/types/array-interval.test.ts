// The array and interval types at the type system's seams: names (typeFromName with array bounds,
// '_int4'), wire values (API.md: arrays as JSON arrays, interval as text), JSON parameters, stored
// values and the 0A000 for keys.
import { describe, expect, test } from 'bun:test'
import { error } from './types-harness.ts'
import {
  Interval,
  arrayType,
  formatType,
  fromParam,
  fromStored,
  hasKeyForm,
  parseText,
  toKeyPart,
  toStored,
  toWire,
  typeFromName,
  typeName,
  type SqlType,
} from './index.ts'

const INT4: SqlType = { kind: 'int4' }
const INT4_ARRAY = arrayType(INT4)

describe('type names', () => {
  test('int4 with one array bound, _int4 and int[][] are all int4[] (one array type per element)', () => {
    expect(typeFromName(['pg_catalog', 'int4'], [], 1)).toEqual(INT4_ARRAY)
    expect(typeFromName(['_int4'], [])).toEqual(INT4_ARRAY)
    expect(typeFromName(['int4'], [], 2)).toEqual(INT4_ARRAY)
    expect(typeFromName(['varchar'], [5], 1)).toEqual(arrayType({ kind: 'varchar', length: 5 }))
  })

  test('PostgreSQL names: _int4 for fields[].type, integer[] in messages; interval typmods', () => {
    expect(typeName(INT4_ARRAY)).toBe('_int4')
    expect(formatType(INT4_ARRAY)).toBe('integer[]')
    expect(typeFromName(['interval'], [])).toEqual({ kind: 'interval' })
    expect(typeFromName(['interval'], [32767, 3])).toEqual({ kind: 'interval', precision: 3 })
    expect(typeFromName(['interval'], [8])).toEqual({ kind: 'interval', fields: 8 })
    expect(error(() => typeFromName(['interval'], [32767, -1]))).toBe('22023 INTERVAL(-1) precision must not be negative')
  })
})

describe('wire and parameters (API.md "Values")', () => {
  test('arrays are JSON arrays of their elements\' wire values; int8 elements stay strings', () => {
    expect(toWire([1n, null, 3n], INT4_ARRAY)).toEqual([1, null, 3])
    expect(toWire([1n], arrayType({ kind: 'int8' }))).toEqual(['1'])
    expect(toWire([], INT4_ARRAY)).toEqual([])
  })

  test('an interval is its PostgreSQL text output', () => {
    expect(toWire(new Interval(14, -3, 3_723_500_000n), { kind: 'interval' })).toBe('1 year 2 mons -3 days +01:02:03.5')
  })

  test('a JSON array parameter of an array type is read element by element', () => {
    expect(fromParam([1, '2', null], INT4_ARRAY)).toEqual([1n, 2n, null])
    expect(fromParam('{1,2}', INT4_ARRAY)).toEqual([1n, 2n])
    expect(error(() => fromParam([1.5], INT4_ARRAY))).toBe('22P02 invalid input syntax for type integer: "1.5"')
  })
})

describe('storage and keys', () => {
  test('stored arrays and intervals read back exactly (their text form)', () => {
    const a = ['x y', null, '"', '']
    const t = arrayType({ kind: 'text' })
    expect(fromStored(toStored(a, t), t)).toEqual(a)
    const i = parseText('1 mon 30 days', { kind: 'interval' })
    expect(fromStored(toStored(i, { kind: 'interval' }), { kind: 'interval' })).toEqual(i)
  })

  test('neither has a key form: a primary key or index on them is 0A000', () => {
    expect(hasKeyForm(INT4_ARRAY) || hasKeyForm({ kind: 'interval' }) || hasKeyForm({ kind: 'jsonb' })).toBe(false)
    expect(hasKeyForm(INT4)).toBe(true)
    expect(error(() => toKeyPart([1n], INT4_ARRAY))).toBe('0A000 indexing an array column is not supported')
    expect(error(() => toKeyPart(new Interval(0, 1, 0n), { kind: 'interval' }))).toBe('0A000 indexing an interval column is not supported')
  })

  test('multidimensional array input is 0A000, not a wrong one-dimensional array', () => {
    expect(error(() => parseText('{{1,2},{3,4}}', INT4_ARRAY))).toBe('0A000 multidimensional array input is not supported')
    expect(error(() => parseText('[1:2][1:1]={{1},{2}}', INT4_ARRAY))).toBe('0A000 multidimensional array input is not supported')
  })

  test('dimension decorations: from 1 they are read (checked against the contents), else 0A000', () => {
    expect(parseText('[1:2]={1,2}', INT4_ARRAY)).toEqual([1n, 2n])
    expect(parseText(' [2] = {1,2}', INT4_ARRAY)).toEqual([1n, 2n])
    // A lower bound Tessera's arrays cannot keep is refused rather than dropped.
    expect(error(() => parseText('[0:1]={1,2}', INT4_ARRAY))).toBe('0A000 array lower bounds other than 1 are not supported')
    expect(error(() => parseText('[-1:0]={1,2}', INT4_ARRAY))).toBe('0A000 array lower bounds other than 1 are not supported')
    // Malformed ones: PostgreSQL's details (checked on PGlite).
    const detail = (text: string) => {
      try {
        parseText(text, INT4_ARRAY)
      } catch (e) {
        return (e as { detail?: string }).detail
      }
      return undefined
    }
    expect(detail('[1,2]')).toBe('Missing "]" after array dimensions.')
    expect(detail('[1:2]{1,2}')).toBe('Missing "=" after array dimensions.')
    expect(detail('[x]={1}')).toBe('"[" must introduce explicitly-specified array dimensions.')
    expect(detail('[1:')).toBe('Missing array dimension value.')
    expect(detail('[1:2]=')).toBe('Array contents must start with "{".')
    expect(detail('[1:3]={1,2}')).toBe('Specified array dimensions do not match array contents.')
  })
})
