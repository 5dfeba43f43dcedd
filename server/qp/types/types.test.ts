// The public contract of qp/types against PostgreSQL 16: type names, text I/O per type, casts per
// context, operator resolution and errors, common types, jsonb, wire values and key forms.
// Method: tables of psql results, through index.ts only.
import { describe, expect, test } from 'bun:test'
import { SqlError } from '../../errors/index.ts'
import {
  Decimal,
  JSON_DEPTH_MAX,
  Jsonb,
  boolType,
  byteaType,
  canCast,
  cast,
  commonType,
  compare,
  dateType,
  float4Type,
  float8Type,
  formatText,
  formatType,
  fromKeyPart,
  fromParam,
  fromStored,
  hashKey,
  int2Type,
  int4Type,
  int8Type,
  integerLiteralType,
  jsonbType,
  numericType,
  parseText,
  resolveBinary,
  resolveUnary,
  textType,
  timestampType,
  timestamptzType,
  toKeyPart,
  toStored,
  toWire,
  typeFromName,
  typeName,
  unknownType,
  uuidType,
  varcharType,
  type Datum,
  type SqlType,
} from './index.ts'
import { error } from './types-harness.ts'

const num = (s: string) => Decimal.parse(s)
const numeric = (precision: number, scale?: number): SqlType => ({
  kind: 'numeric',
  precision,
  scale,
})
const varchar = (length: number): SqlType => ({ kind: 'varchar', length })

describe('type names', () => {
  const cases: [string[], number[], string, string][] = [
    [['pg_catalog', 'int4'], [], 'int4', 'integer'],
    [['int'], [], 'int4', 'integer'],
    [['INTEGER'], [], 'int4', 'integer'],
    [['smallint'], [], 'int2', 'smallint'],
    [['bigint'], [], 'int8', 'bigint'],
    [['pg_catalog', 'float4'], [], 'float4', 'real'],
    [['float'], [], 'float8', 'double precision'],
    [['float'], [24], 'float4', 'real'],
    [['float'], [25], 'float8', 'double precision'],
    [['double precision'], [], 'float8', 'double precision'],
    [['decimal'], [10, 2], 'numeric', 'numeric(10,2)'],
    [['numeric'], [5], 'numeric', 'numeric(5,0)'],
    [['numeric'], [], 'numeric', 'numeric'],
    [['pg_catalog', 'varchar'], [10], 'varchar', 'character varying(10)'],
    [['character varying'], [], 'varchar', 'character varying'],
    [['pg_catalog', 'bpchar'], [5], 'bpchar', 'character(5)'],
    [['bpchar'], [], 'bpchar', 'character'],
    [['text'], [], 'text', 'text'],
    [['boolean'], [], 'bool', 'boolean'],
    [['date'], [], 'date', 'date'],
    [['pg_catalog', 'timestamp'], [], 'timestamp', 'timestamp without time zone'],
    [['pg_catalog', 'timestamptz'], [], 'timestamptz', 'timestamp with time zone'],
    [['timestamp'], [3], 'timestamp', 'timestamp(3) without time zone'],
    [['pg_catalog', 'time'], [], 'time', 'time without time zone'],
    [['time without time zone'], [], 'time', 'time without time zone'],
    [['time'], [0], 'time', 'time(0) without time zone'],
    [['time'], [9], 'time', 'time(6) without time zone'],
    [['uuid'], [], 'uuid', 'uuid'],
    [['jsonb'], [], 'jsonb', 'jsonb'],
    [['json'], [], 'jsonb', 'jsonb'],
    [['bytea'], [], 'bytea', 'bytea'],
  ]
  test.each(cases)('%p %p is %p (%p)', (names, typmods, name, spelled) => {
    const t = typeFromName(names, typmods)
    expect(typeName(t)).toBe(name)
    expect(formatType(t)).toBe(spelled)
  })

  const errors: [string[], number[], string][] = [
    [['foo'], [], '42704 type "foo" does not exist'],
    [['public', 'int4x'], [], '42704 type "public.int4x" does not exist'],
    [['timetz'], [], '0A000 type timetz is not supported'],
    [['time with time zone'], [], '0A000 type time with time zone is not supported'],
    [['time'], [-1], '22023 TIME(-1) precision must not be negative'],
    [['time'], [1, 2], '22023 invalid type modifier'],
    [['serial'], [], '0A000 type serial is not supported'],
    [['char'], [], '0A000 type char is not supported'],
    [['pg_catalog', 'bpchar'], [0], '22023 length for type char must be at least 1'],
    [['bpchar'], [10485761], '22023 length for type char cannot exceed 10485760'],
    [['int4'], [5], '42601 type modifier is not allowed for type "int4"'],
    [['numeric'], [0], '22023 NUMERIC precision 0 must be between 1 and 1000'],
    [['numeric'], [1001], '22023 NUMERIC precision 1001 must be between 1 and 1000'],
    [['numeric'], [5, 1001], '22023 NUMERIC scale 1001 must be between -1000 and 1000'],
    [['varchar'], [0], '22023 length for type varchar must be at least 1'],
    [['varchar'], [10485761], '22023 length for type varchar cannot exceed 10485760'],
    [['float'], [0], '22023 precision for type float must be at least 1 bit'],
    [['float'], [54], '22023 precision for type float must be less than 54 bits'],
  ]
  test.each(errors)('%p %p fails: %p', (names, typmods, message) => {
    expect(error(() => typeFromName(names, typmods))).toBe(message)
  })

  test('integer literal types', () => {
    expect(integerLiteralType('2147483647')).toEqual(int4Type)
    expect(integerLiteralType('2147483648')).toEqual(int8Type)
    expect(integerLiteralType('9223372036854775807')).toEqual(int8Type)
    expect(integerLiteralType('9223372036854775808')).toEqual(numericType)
    expect(integerLiteralType('1_000')).toEqual(int4Type)
    expect(integerLiteralType('0x7FFFFFFFF')).toEqual(int8Type)
  })
})

describe('text input and output per type', () => {
  const cases: [SqlType, string, string][] = [
    [boolType, 'yes', 't'],
    [boolType, 'off', 'f'],
    [int2Type, ' -32768 ', '-32768'],
    [int8Type, '9223372036854775807', '9223372036854775807'],
    [float8Type, '1e15', '1e+15'],
    [float8Type, '-0', '-0'],
    [float8Type, 'inf', 'Infinity'],
    [float4Type, '3.14159274', '3.1415927'],
    [numericType, '001.500', '1.500'],
    [numericType, '1e-2', '0.01'],
    [textType, ' a b ', ' a b '],
    [varcharType, 'x', 'x'],
    [uuidType, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [uuidType, '{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [uuidType, 'a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [uuidType, 'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [byteaType, '\\x0A0b', '\\x0a0b'],
    [byteaType, '\\x 0a 0b ', '\\x0a0b'],
    [byteaType, 'abc', '\\x616263'],
    [byteaType, 'a\\\\b\\001', '\\x615c6201'],
    [byteaType, 'é', '\\xc3a9'],
    [byteaType, '', '\\x'],
    [
      jsonbType,
      '{"b": 1, "a": [1, 2.50, true, null], "aa": "x"}',
      '{"a": [1, 2.50, true, null], "b": 1, "aa": "x"}',
    ],
    [jsonbType, '{"a": 1, "a": 2}', '{"a": 2}'],
    [jsonbType, ' [ ] ', '[]'],
    [jsonbType, '{}', '{}'],
    [jsonbType, '"a\\"b\\u00e9\\n/"', '"a\\"bé\\n/"'],
    [jsonbType, '1e2', '100'],
    [jsonbType, '-0', '0'],
    [jsonbType, '1e-7', '0.0000001'],
    [jsonbType, '{"x": {"é": 1, "ab": 2, "b": 3}}', '{"x": {"b": 3, "ab": 2, "é": 1}}'],
    [dateType, '2024-01-02', '2024-01-02'],
    [timestampType, '2024-01-02 03:04:05.120', '2024-01-02 03:04:05.12'],
    [timestamptzType, '2024-01-02 03:04:05-01', '2024-01-02 04:04:05+00'],
  ]
  test.each(cases)('%p %p → %p', (type, input, output) => {
    expect(formatText(parseText(input, type), type)).toBe(output)
  })

  const errors: [SqlType, string, string][] = [
    [
      uuidType,
      ' a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '22P02 invalid input syntax for type uuid: " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"',
    ],
    [
      uuidType,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1',
      '22P02 invalid input syntax for type uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"',
    ],
    [
      uuidType,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-',
      '22P02 invalid input syntax for type uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-"',
    ],
    [
      uuidType,
      'a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '22P02 invalid input syntax for type uuid: "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11"',
    ],
    [byteaType, '\\x0', '22023 invalid hexadecimal data: odd number of digits'],
    [byteaType, '\\x0g', '22023 invalid hexadecimal digit: "g"'],
    [byteaType, 'a\\b', '22P02 invalid input syntax for type bytea'],
    [jsonbType, '{"a": }', '22P02 invalid input syntax for type json'],
    [jsonbType, '', '22P02 invalid input syntax for type json'],
    [jsonbType, '"\\u0000"', '22P05 unsupported Unicode escape sequence'],
    [jsonbType, '"\\ud800"', '22P02 invalid input syntax for type json'],
    [jsonbType, '"\\ud800\\u0000"', '22P02 invalid input syntax for type json'],
  ]
  test.each(errors)('%p %p fails: %p', (type, input, message) => {
    expect(error(() => parseText(input, type))).toBe(message)
  })
})

describe('casts', () => {
  type Case = [Datum, SqlType, SqlType, 'implicit' | 'assignment' | 'explicit', string]
  const cases: Case[] = [
    [5000000000n, int8Type, int4Type, 'assignment', '22003 integer out of range'],
    [40000n, int4Type, int2Type, 'assignment', '22003 smallint out of range'],
    [1e19, float8Type, int8Type, 'assignment', '22003 bigint out of range'],
    [NaN, float8Type, int4Type, 'assignment', '22003 integer out of range'],
    [Infinity, float8Type, int4Type, 'assignment', '22003 integer out of range'],
    [
      num('NaN'),
      numericType,
      int4Type,
      'assignment',
      '0A000 cannot convert NaN to integer',
    ],
    [1e300, float8Type, float4Type, 'assignment', '22003 value out of range: overflow'],
    [1e-300, float8Type, float4Type, 'assignment', '22003 value out of range: underflow'],
    [
      'abc',
      textType,
      varchar(2),
      'assignment',
      '22001 value too long for type character varying(2)',
    ],
    ['abc', textType, int4Type, 'explicit', '22P02 invalid input syntax for type integer: "abc"'],
    [true, boolType, dateType, 'explicit', '42846 cannot cast type boolean to date'],
    ['1', textType, int4Type, 'assignment', '42846 cannot cast type text to integer'],
    [1n, int4Type, boolType, 'assignment', '42846 cannot cast type integer to boolean'],
    [num('1234.5'), numericType, numeric(5, 2), 'assignment', '22003 numeric field overflow'],
    [num('0.5'), numericType, numeric(2, 2), 'assignment', 'ok 0.50'],
    [num('0.995'), numericType, numeric(2, 2), 'assignment', '22003 numeric field overflow'],
    [num('12345'), numericType, numeric(5, -2), 'assignment', 'ok 12300'],
    [num('0.00123'), numericType, numeric(3, 5), 'assignment', 'ok 0.00123'],
    [num('0.0123'), numericType, numeric(3, 5), 'assignment', '22003 numeric field overflow'],
    [num('NaN'), numericType, numeric(3, 1), 'assignment', 'ok NaN'],
    [num('99.94'), numericType, numeric(3, 1), 'assignment', 'ok 99.9'],
    [num('99.95'), numericType, numeric(3, 1), 'assignment', '22003 numeric field overflow'],
    [num('2.5'), numericType, int4Type, 'assignment', 'ok 3'],
    [num('-2.5'), numericType, int4Type, 'assignment', 'ok -3'],
    [2.5, float8Type, int4Type, 'assignment', 'ok 2'],
    [3.5, float8Type, int4Type, 'assignment', 'ok 4'],
    [-2.5, float8Type, int2Type, 'assignment', 'ok -2'],
    [Math.fround(2.5), float4Type, int8Type, 'assignment', 'ok 2'],
    [0.1, float8Type, numericType, 'assignment', 'ok 0.1'],
    [1 / 3, float8Type, numericType, 'assignment', 'ok 0.333333333333333'],
    [1e20, float8Type, numericType, 'assignment', 'ok 100000000000000000000'],
    [NaN, float8Type, numericType, 'assignment', 'ok NaN'],
    [Math.fround(0.1), float4Type, numericType, 'assignment', 'ok 0.1'],
    [Math.fround(0.1), float4Type, float8Type, 'implicit', 'ok 0.10000000149011612'],
    [num('0.1'), numericType, float8Type, 'implicit', 'ok 0.1'],
    [num('0.1'), numericType, float4Type, 'implicit', 'ok 0.1'],
    [7n, int2Type, numericType, 'implicit', 'ok 7'],
    [9007199254740993n, int8Type, float8Type, 'implicit', 'ok 9.007199254740992e+15'],
    [true, boolType, int4Type, 'explicit', 'ok 1'],
    [0n, int4Type, boolType, 'explicit', 'ok f'],
    [-5n, int4Type, boolType, 'explicit', 'ok t'],
    [true, boolType, textType, 'assignment', 'ok true'],
    [false, boolType, varcharType, 'explicit', 'ok false'],
    [num('1.50'), numericType, textType, 'explicit', 'ok 1.50'],
    ['abc', textType, varchar(2), 'explicit', 'ok ab'],
    ['ab   ', textType, varchar(2), 'assignment', 'ok ab'],
    ['ab', varchar(5), varchar(2), 'implicit', 'ok ab'],
    ['😀😀😀', textType, varchar(2), 'explicit', 'ok 😀😀'],
    ['😀😀', textType, varchar(2), 'assignment', 'ok 😀😀'],
    ['42', unknownType, int4Type, 'implicit', 'ok 42'],
    ['2024-01-02', unknownType, dateType, 'implicit', 'ok 2024-01-02'],
    [' 42 ', textType, int8Type, 'explicit', 'ok 42'],
    ['t', textType, boolType, 'explicit', 'ok t'],
    [19724, dateType, timestampType, 'implicit', 'ok 2024-01-02 00:00:00'],
    [19724, dateType, timestamptzType, 'implicit', 'ok 2024-01-02 00:00:00+00'],
    [Infinity, dateType, timestampType, 'implicit', 'ok infinity'],
    [-1n, timestampType, dateType, 'assignment', 'ok 1969-12-31'],
    [1704164645000000n, timestamptzType, timestampType, 'assignment', 'ok 2024-01-02 03:04:05'],
    [
      1704164645500000n,
      timestampType,
      { kind: 'timestamp', precision: 0 },
      'assignment',
      'ok 2024-01-02 03:04:06',
    ],
    [new Jsonb(1.5), jsonbType, int4Type, 'explicit', 'ok 2'],
    [new Jsonb(1.5), jsonbType, numericType, 'explicit', 'ok 1.5'],
    [new Jsonb(1.5), jsonbType, float8Type, 'explicit', 'ok 1.5'],
    [new Jsonb(true), jsonbType, boolType, 'explicit', 'ok t'],
    [
      new Jsonb('x'),
      jsonbType,
      int4Type,
      'explicit',
      '22023 cannot cast jsonb string to type integer',
    ],
    [
      new Jsonb(null),
      jsonbType,
      boolType,
      'explicit',
      '22023 cannot cast jsonb null to type boolean',
    ],
    [new Jsonb({ a: 1 }), jsonbType, textType, 'explicit', 'ok {"a": 1}'],
    [
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      uuidType,
      textType,
      'assignment',
      'ok a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ],
  ]
  test.each(cases)('%p %p → %p (%p): %p', (value, from, to, context, expected) => {
    const result = error(() => {
      const v = cast(value, from, to, context)
      throw new SqlError('00000', `ok ${v === null ? 'null' : formatText(v, to)}`)
    })
    expect(result.startsWith('00000 ') ? result.slice(6) : result).toBe(expected)
  })

  test('numeric field overflow detail as PostgreSQL words it', () => {
    try {
      cast(num('1234.5'), numericType, numeric(5, 2), 'assignment')
      expect.unreachable()
    } catch (e) {
      expect((e as SqlError).detail).toBe(
        'A field with precision 5, scale 2 must round to an absolute value less than 10^3.',
      )
    }
    try {
      cast(num('1'), numericType, numeric(2, 2), 'assignment')
      expect.unreachable()
    } catch (e) {
      expect((e as SqlError).detail).toBe(
        'A field with precision 2, scale 2 must round to an absolute value less than 1.',
      )
    }
  })

  const contexts: [SqlType, SqlType, string][] = [
    [int2Type, int4Type, 'iae'],
    [int4Type, int8Type, 'iae'],
    [int8Type, int4Type, '-ae'],
    [int8Type, numericType, 'iae'],
    [numericType, float8Type, 'iae'],
    [float8Type, numericType, '-ae'],
    [float4Type, float8Type, 'iae'],
    [float8Type, float4Type, '-ae'],
    [int4Type, boolType, '--e'],
    [boolType, int4Type, '--e'],
    [textType, varcharType, 'iae'],
    [varcharType, textType, 'iae'],
    [int4Type, textType, '-ae'],
    [textType, int4Type, '--e'],
    [dateType, timestamptzType, 'iae'],
    [timestamptzType, dateType, '-ae'],
    [timestampType, timestamptzType, 'iae'],
    [timestamptzType, timestampType, '-ae'],
    [uuidType, textType, '-ae'],
    [textType, uuidType, '--e'],
    [jsonbType, int4Type, '--e'],
    [int4Type, jsonbType, '---'],
    [boolType, dateType, '---'],
    [uuidType, byteaType, '---'],
    [unknownType, uuidType, 'iae'],
    [numeric(5, 2), numericType, 'iae'],
  ]
  test.each(contexts)('%p → %p allowed in %p', (from, to, allowed) => {
    const got = (['implicit', 'assignment', 'explicit'] as const)
      .map((c, i) => (canCast(from, to, c) ? 'iae'[i] : '-'))
      .join('')
    expect(got).toBe(allowed)
  })
})

describe('operators', () => {
  const apply = (op: string, l: SqlType, r: SqlType, a: Datum, b: Datum): string => {
    const o = resolveBinary(op, l, r)
    if (o === undefined) return 'none'
    return error(() => {
      const v = o.apply(cast(a, l, o.leftType, 'implicit'), cast(b, r, o.rightType, 'implicit'))
      throw new SqlError('00000', `${typeName(o.resultType)} ${formatText(v, o.resultType)}`)
    }).replace(/^00000 /, '')
  }
  type Case = [string, SqlType, SqlType, Datum, Datum, string]
  const cases: Case[] = [
    ['+', int4Type, int4Type, 2147483647n, 1n, '22003 integer out of range'],
    ['-', int4Type, int4Type, -2147483648n, 1n, '22003 integer out of range'],
    ['*', int2Type, int2Type, 200n, 200n, '22003 smallint out of range'],
    ['*', int8Type, int8Type, 9223372036854775807n, 2n, '22003 bigint out of range'],
    ['/', int4Type, int4Type, -2147483648n, -1n, '22003 integer out of range'],
    ['/', int4Type, int4Type, 7n, 2n, 'int4 3'],
    ['/', int4Type, int4Type, -7n, 2n, 'int4 -3'],
    ['%', int4Type, int4Type, -7n, 3n, 'int4 -1'],
    ['%', int4Type, int4Type, 7n, -3n, 'int4 1'],
    ['%', int4Type, int4Type, -2147483648n, -1n, 'int4 0'],
    ['/', int4Type, int4Type, 1n, 0n, '22012 division by zero'],
    ['%', int8Type, int8Type, 1n, 0n, '22012 division by zero'],
    ['+', int2Type, int2Type, 1n, 2n, 'int2 3'],
    ['+', int2Type, int4Type, 1n, 2n, 'int4 3'],
    ['+', int4Type, int8Type, 1n, 2n, 'int8 3'],
    ['+', int4Type, numericType, 1n, num('2.5'), 'numeric 3.5'],
    ['/', int4Type, numericType, 1n, num('3'), 'numeric 0.33333333333333333333'],
    ['+', int4Type, float8Type, 1n, 0.5, 'float8 1.5'],
    ['+', float4Type, float4Type, Math.fround(0.1), Math.fround(0.2), 'float4 0.3'],
    ['+', float4Type, int4Type, Math.fround(0.5), 1n, 'float8 1.5'],
    ['+', numericType, float8Type, num('0.5'), 1, 'float8 1.5'],
    ['+', float4Type, numericType, Math.fround(0.5), num('1'), 'float8 1.5'],
    ['+', unknownType, int4Type, '41', 1n, 'int4 42'],
    ['+', int8Type, unknownType, 41n, '1', 'int8 42'],
    ['+', unknownType, unknownType, '1', '2', 'none'],
    ['/', float8Type, float8Type, 1, 0, '22012 division by zero'],
    ['/', float8Type, float8Type, NaN, 0, 'float8 NaN'],
    ['*', float8Type, float8Type, 1e308, 10, '22003 value out of range: overflow'],
    ['*', float8Type, float8Type, 1e-308, 1e-308, '22003 value out of range: underflow'],
    ['+', float8Type, float8Type, Infinity, 1, 'float8 Infinity'],
    ['-', float8Type, float8Type, Infinity, Infinity, 'float8 NaN'],
    [
      '*',
      float4Type,
      float4Type,
      Math.fround(1e30),
      Math.fround(1e30),
      '22003 value out of range: overflow',
    ],
    ['/', float8Type, float8Type, 1, 3, 'float8 0.3333333333333333'],
    ['%', float8Type, float8Type, 1, 3, 'none'],
    ['+', textType, textType, 'a', 'b', 'none'],
    ['+', boolType, boolType, true, true, 'none'],
    ['/', numericType, numericType, num('1'), num('0'), '22012 division by zero'],
    ['%', numericType, numericType, num('5.5'), num('2'), 'numeric 1.5'],
    ['||', textType, textType, 'a', 'b', 'text ab'],
    ['||', textType, int4Type, 'a', 1n, 'text a1'],
    ['||', int4Type, varcharType, 1n, 'a', 'text 1a'],
    ['||', textType, boolType, 'a', true, 'text atrue'],
    ['||', unknownType, int4Type, 'a', 1n, 'text a1'],
    ['||', unknownType, unknownType, 'a', 'b', 'text ab'],
    ['||', textType, numericType, 'x', num('1.50'), 'text x1.50'],
    ['||', int4Type, int4Type, 1n, 2n, 'none'],
    ['||', byteaType, byteaType, new Uint8Array([1]), new Uint8Array([2]), 'bytea \\x0102'],
    [
      '||',
      jsonbType,
      jsonbType,
      new Jsonb({ a: 1, b: 2 }),
      new Jsonb({ b: 3 }),
      'jsonb {"a": 1, "b": 3}',
    ],
    ['||', jsonbType, jsonbType, new Jsonb([1]), new Jsonb([2, 3]), 'jsonb [1, 2, 3]'],
    ['||', jsonbType, jsonbType, new Jsonb({ a: 1 }), new Jsonb([2]), 'jsonb [{"a": 1}, 2]'],
    ['||', jsonbType, jsonbType, new Jsonb(1), new Jsonb('x'), 'jsonb [1, "x"]'],
    ['||', jsonbType, unknownType, new Jsonb([1]), '[2]', 'jsonb [1, 2]'],
    ['+', dateType, int4Type, 19724, 1n, 'date 2024-01-03'],
    ['+', int4Type, dateType, 1n, 19724, 'date 2024-01-03'],
    ['-', dateType, int4Type, 19724, 1n, 'date 2024-01-01'],
    ['+', dateType, int2Type, 19724, 1n, 'date 2024-01-03'],
    ['-', dateType, dateType, 19724, 0, 'int4 19724'],
    ['-', dateType, unknownType, 19724, '1970-01-01', 'int4 19724'],
    ['+', dateType, int8Type, 19724, 1n, 'none'],
    ['+', dateType, unknownType, 19724, '1', 'none'],
    ['+', dateType, int4Type, 2145042905, 1n, '22008 date out of range'],
    ['+', dateType, int4Type, Infinity, 1n, 'date infinity'],
    ['-', dateType, dateType, Infinity, 0, '22008 cannot subtract infinite dates'],
    ['=', int4Type, int8Type, 1n, 1n, 'bool t'],
    ['<', int4Type, numericType, 1n, num('1.5'), 'bool t'],
    ['=', numericType, float8Type, num('0.1'), 0.1, 'bool t'],
    ['=', float4Type, float8Type, Math.fround(0.1), 0.1, 'bool f'],
    ['=', float8Type, float8Type, NaN, NaN, 'bool t'],
    ['>', float8Type, float8Type, NaN, Infinity, 'bool t'],
    ['=', float8Type, float8Type, -0, 0, 'bool t'],
    ['=', numericType, numericType, num('1.0'), num('1.00'), 'bool t'],
    ['=', unknownType, int4Type, '1', 1n, 'bool t'],
    ['=', unknownType, unknownType, 'a', 'a', 'bool t'],
    ['<>', textType, varcharType, 'a', 'b', 'bool t'],
    ['!=', textType, textType, 'a', 'a', 'bool f'],
    ['<', textType, textType, 'Z', 'a', 'bool t'],
    ['<', textType, textType, '\uffff', '😀', 'bool t'],
    ['<', textType, textType, 'a', 'ab', 'bool t'],
    ['=', textType, int4Type, 'a', 1n, 'none'],
    ['=', uuidType, textType, 'a', 'a', 'none'],
    ['<', boolType, boolType, false, true, 'bool t'],
    ['=', dateType, timestampType, 19724, 1704153600000000n, 'bool t'],
    ['<', dateType, timestamptzType, 19724, 1704153600000001n, 'bool t'],
    ['>=', timestampType, timestamptzType, 5n, 5n, 'bool t'],
    ['<', byteaType, byteaType, new Uint8Array([1]), new Uint8Array([1, 0]), 'bool t'],
    ['=', jsonbType, jsonbType, new Jsonb({ a: [1, 2] }), new Jsonb({ a: [1, 2] }), 'bool t'],
    ['=', jsonbType, unknownType, new Jsonb({ a: 1 }), '{"a": 1.0}', 'bool t'],
    ['=', int4Type, boolType, 1n, true, 'none'],
    ['^', int4Type, int4Type, 2n, 3n, 'float8 8'],
    ['^', int4Type, numericType, 2n, num('2'), 'numeric 4.0000000000000000'],
    ['^', float4Type, numericType, 2, num('2'), 'float8 4'],
    ['^', textType, int4Type, 'a', 1n, 'none'],
    ['<<', int4Type, int4Type, 1n, 33n, 'int4 2'],
    ['<<', int2Type, int4Type, 1n, 16n, 'int2 0'],
    ['<<', int4Type, int8Type, 1n, 1n, 'none'],
    ['>>', int8Type, int4Type, -1n, 70n, 'int8 -1'],
    ['^@', textType, unknownType, 'abc', 'ab', 'bool t'],
  ]
  test.each(cases)('%p %p %p (%p, %p): %p', (op, l, r, a, b, expected) => {
    expect(apply(op, l, r, a, b)).toBe(expected)
  })

  test('unary minus and plus', () => {
    const neg = resolveUnary('-', int4Type)
    expect(neg?.resultType).toEqual(int4Type)
    expect(neg?.apply(5n)).toBe(-5n)
    expect(error(() => neg?.apply(-2147483648n))).toBe('22003 integer out of range')
    expect(error(() => resolveUnary('-', int8Type)?.apply(-9223372036854775808n))).toBe(
      '22003 bigint out of range',
    )
    expect(resolveUnary('-', float8Type)?.apply(0)).toBe(-0)
    expect(String(resolveUnary('-', numeric(5, 2))?.apply(num('1.50')))).toBe('-1.50')
    expect(resolveUnary('-', numeric(5, 2))?.resultType).toEqual(numericType)
    expect(resolveUnary('+', int2Type)?.apply(3n)).toBe(3n)
    expect(resolveUnary('-', textType)).toBeUndefined()
    expect(resolveUnary('-', unknownType)).toBeUndefined()
    expect(resolveUnary('!', int4Type)).toBeUndefined()
  })
})

describe('common type', () => {
  const cases: [SqlType[], string][] = [
    [[int4Type, unknownType], 'integer'],
    [[unknownType, unknownType], 'text'],
    [[int4Type, numericType], 'numeric'],
    [[numericType, int4Type], 'numeric'],
    [[int4Type, float4Type], 'real'],
    [[int4Type, float4Type, float8Type], 'double precision'],
    [[float8Type, numericType], 'double precision'],
    [[int8Type, numericType, float8Type], 'double precision'],
    [[int2Type, int8Type, int4Type], 'bigint'],
    [[textType, varchar(5)], 'text'],
    // text and varchar cast implicitly both ways, so the first one stays (select_common_type).
    [[varchar(5), textType], 'character varying'],
    [[varchar(5), varchar(5)], 'character varying(5)'],
    [[varchar(5), varchar(10)], 'character varying'],
    [[varchar(5), unknownType], 'character varying'],
    [[numeric(10, 2), numeric(10, 2), unknownType], 'numeric'],
    [[dateType, timestamptzType], 'timestamp with time zone'],
    [[timestampType, dateType], 'timestamp without time zone'],
    [[boolType, unknownType, boolType], 'boolean'],
    [[uuidType, uuidType], 'uuid'],
  ]
  test.each(cases)('%p → %p', (types, expected) => {
    expect(formatType(commonType(types, 'UNION'))).toBe(expected)
  })

  test('mismatches', () => {
    expect(error(() => commonType([int4Type, textType], 'UNION'))).toBe(
      '42804 UNION types integer and text cannot be matched',
    )
    expect(error(() => commonType([boolType, unknownType, int4Type], 'CASE'))).toBe(
      '42804 CASE types boolean and integer cannot be matched',
    )
    expect(error(() => commonType([uuidType, jsonbType], 'VALUES'))).toBe(
      '42846 VALUES could not convert type jsonb to uuid',
    )
  })
})

describe('wire values', () => {
  const cases: [Datum, SqlType, unknown][] = [
    [true, boolType, true],
    [5n, int4Type, 5],
    [-5n, int2Type, -5],
    [9223372036854775807n, int8Type, '9223372036854775807'],
    [0.5, float8Type, 0.5],
    [NaN, float8Type, 'NaN'],
    [-Infinity, float8Type, '-Infinity'],
    [Infinity, float4Type, 'Infinity'],
    [Math.fround(0.1), float4Type, 0.1],
    [num('1.50'), numericType, '1.50'],
    [num('NaN'), numericType, 'NaN'],
    ['x', textType, 'x'],
    [19724, dateType, '2024-01-02'],
    [1704164645123000n, timestampType, '2024-01-02 03:04:05.123'],
    [1704164645000000n, timestamptzType, '2024-01-02 03:04:05+00'],
    [new Uint8Array([10, 11]), byteaType, '\\x0a0b'],
    [new Jsonb({ b: [1, null], a: 'x' }), jsonbType, { a: 'x', b: [1, null] }],
    [new Jsonb(null), jsonbType, null],
    [null, int4Type, null],
  ]
  test.each(cases)('%p as %p → %p', (value, type, wire) => {
    expect(toWire(value, type)).toEqual(wire as never)
  })

  test('jsonb objects go out in jsonb key order', () => {
    expect(JSON.stringify(toWire(new Jsonb({ bb: 1, a: 2, c: 3 }), jsonbType))).toBe(
      '{"a":2,"c":3,"bb":1}',
    )
  })

  const params: [unknown, SqlType, string][] = [
    [null, int4Type, 'null'],
    [42, int4Type, '42'],
    [42, int8Type, '42'],
    ['9007199254740993', int8Type, '9007199254740993'],
    [1.5, int4Type, '22P02 invalid input syntax for type integer: "1.5"'],
    [3000000000, int4Type, '22003 value "3000000000" is out of range for type integer'],
    [true, int4Type, '22P02 invalid input syntax for type integer: "true"'],
    ['12', int2Type, '12'],
    [0.1, numericType, '0.1'],
    [1e21, numericType, '1000000000000000000000'],
    [0.1, float8Type, '0.1'],
    [0.1, float4Type, '0.1'],
    [1e39, float4Type, '22003 "1e+39" is out of range for type real'],
    [true, boolType, 't'],
    [1, boolType, 't'],
    [0, boolType, 'f'],
    [2, boolType, '22P02 invalid input syntax for type boolean: "2"'],
    ['yes', boolType, 't'],
    [true, textType, 'true'],
    [12.5, textType, '12.5'],
    [{ a: 1 }, textType, '{"a":1}'],
    [{ b: 1, a: [2] }, jsonbType, '{"a": [2], "b": 1}'],
    [[1, 'x'], jsonbType, '[1, "x"]'],
    ['{"a": 1}', jsonbType, '{"a": 1}'],
    [5, jsonbType, '5'],
    [false, jsonbType, 'false'],
    [{ a: 1 }, int4Type, '42804 a JSON object parameter cannot be of type integer'],
    [[1], uuidType, '42804 a JSON array parameter cannot be of type uuid'],
    ['2024-01-02 03:04:05+01', timestamptzType, '2024-01-02 02:04:05+00'],
    [20240102, dateType, '2024-01-02'],
    ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', uuidType, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [5, uuidType, '22P02 invalid input syntax for type uuid: "5"'],
    ['\\x0a', byteaType, '\\x0a'],
    ['abc', unknownType, 'abc'],
    // Text PostgreSQL's UTF8 encoding cannot hold, whatever the type it is read as (a client's
    // bytes for it would be refused before any input function).
    ['a\u0000b', textType, '22021 invalid byte sequence for encoding "UTF8": 0x00'],
    ['1\u0000', int4Type, '22021 invalid byte sequence for encoding "UTF8": 0x00'],
    ['\ud800', textType, '22021 invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80'],
    ['x\udc00', varcharType, '22021 invalid byte sequence for encoding "UTF8": 0xed 0xb0 0x80'],
    ['"\ud800"', jsonbType, '22021 invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80'],
    ['\ud83d\ude00', textType, '\ud83d\ude00'],
    // A JSON value as jsonb: what jsonb input says of the same JSON text.
    [{ k: 'x\u0000' }, jsonbType, '22P05 unsupported Unicode escape sequence'],
    [{ 'k\u0000': 1 }, jsonbType, '22P05 unsupported Unicode escape sequence'],
    [['\ud800'], jsonbType, '22P02 invalid input syntax for type json'],
    [{ '\udc00': 1 }, jsonbType, '22P02 invalid input syntax for type json'],
    [['\ud83d\ude00'], jsonbType, '["\ud83d\ude00"]'],
    // As JSON text, escaped: valid text.
    [{ k: 'x\u0000\ud800' }, textType, '{"k":"x\\u0000\\ud800"}'],
  ]
  test.each(params)('param %p as %p → %p', (json, type, expected) => {
    const got = error(() => {
      const v = fromParam(json, type)
      throw new SqlError('00000', v === null ? 'null' : formatText(v, type))
    }).replace(/^00000 /, '')
    expect(got).toBe(expected)
  })

  test('JSON parameters nest at most JSON_DEPTH_MAX deep, as jsonb text input: deeper is 54001', () => {
    /** `levels` arrays, one inside the other. */
    const nested = (levels: number): unknown => {
      let v: unknown = []
      for (let i = 1; i < levels; i++) v = [v]
      return v
    }
    const deepest = JSON_DEPTH_MAX + 1
    for (const type of [jsonbType, textType]) {
      expect(error(() => fromParam(nested(deepest), type))).toBe('no error')
      expect(error(() => fromParam(nested(deepest + 1), type))).toBe('54001 stack depth limit exceeded')
      // Far beyond the JS stack's reach: still an answer, not a RangeError.
      expect(error(() => fromParam(nested(100_000), type))).toBe('54001 stack depth limit exceeded')
    }
    const text = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)
    expect(error(() => parseText(text(deepest), jsonbType))).toBe('no error')
    expect(error(() => parseText(text(deepest + 1), jsonbType))).toBe('54001 stack depth limit exceeded')
    // However a jsonb value is built.
    expect(error(() => new Jsonb(nested(100_000)))).toBe('54001 stack depth limit exceeded')
  })
})

describe('keys, stored values and hash keys', () => {
  test('numeric keys are normalized, stored numerics keep their scale', () => {
    expect(toKeyPart(num('1.500'), numericType)).toEqual({ decimal: '1.5' })
    expect(toKeyPart(num('NaN'), numericType)).toBe('NaN')
    expect(toStored(num('1.500'), numericType)).toEqual({ decimal: '1.500' })
    expect(String(fromStored({ decimal: '1.500' }, numericType))).toBe('1.500')
    expect((fromKeyPart('NaN', numericType) as Decimal).isNaN).toBe(true)
    expect(toKeyPart(-0, float8Type)).toBe(0)
    expect(Object.is(fromStored(toStored(-0, float8Type), float8Type), -0)).toBe(true)
  })

  test('jsonb is stored as text and has no key form', () => {
    const j = new Jsonb({ b: 1, a: [true] })
    expect(toStored(j, jsonbType)).toBe('{"a": [true], "b": 1}')
    expect(compare(fromStored('{"a": [true], "b": 1}', jsonbType), j, jsonbType)).toBe(0)
    expect(error(() => toKeyPart(j, jsonbType)).slice(0, 5)).toBe('0A000')
  })

  test('a stored part of the wrong kind is reported, not misread', () => {
    expect(error(() => fromStored('1', int4Type)).slice(0, 5)).toBe('XX000')
  })

  test('hash keys equal exactly for SQL-equal values', () => {
    expect(hashKey(num('1.0'), numericType)).toBe(hashKey(num('1.00'), numericType))
    expect(hashKey(num('10'), numericType)).not.toBe(hashKey(num('1'), numericType))
    expect(hashKey(-0, float8Type)).toBe(hashKey(0, float8Type))
    expect(hashKey(NaN, float8Type)).toBe(hashKey(NaN, float8Type))
    expect(hashKey(num('NaN'), numericType)).toBe('NaN')
    expect(hashKey(true, boolType)).not.toBe(hashKey(false, boolType))
  })
})

describe('jsonb order', () => {
  test('PostgreSQL documents: Object > Array > Boolean > Number > String > Null', () => {
    const ordered = ['null', '"b"', '1', 'true', '[1, 2]', '{"a": 1}']
    const values = ordered.map((s) => parseText(s, jsonbType))
    for (let i = 0; i + 1 < values.length; i++) {
      expect(compare(values[i] as Datum, values[i + 1] as Datum, jsonbType)).toBeLessThan(0)
    }
  })
  const pairs: [string, string][] = [
    ['[]', 'null'],
    ['null', '[null]'],
    ['"zzz"', '[1]'],
    ['[1]', '[1, 2]'],
    ['[2]', '[1, 2]'],
    ['[1, "a"]', '[1, 2]'],
    ['{"b": 1}', '{"a": 1, "b": 1}'],
    ['{"aa": 1}', '{"b": 1}'],
    ['{"a": 1}', '{"a": 2}'],
    ['{"a": [9]}', '{"a": {}}'],
    ['1', '1.5'],
    ['"a"', '"b"'],
    ['false', 'true'],
  ]
  test.each(pairs)('%p < %p', (a, b) => {
    expect(compare(parseText(a, jsonbType), parseText(b, jsonbType), jsonbType)).toBeLessThan(0)
    expect(compare(parseText(b, jsonbType), parseText(a, jsonbType), jsonbType)).toBeGreaterThan(0)
  })
})

describe('character(n)', () => {
  // Goal: the padding rule in one place for every path (casts, keys, hashes, wire), which the
  // logic tests only reach through SQL. Method: the exported functions on hand-picked values.
  const char3: SqlType = { kind: 'bpchar', length: 3 }
  const bpchar: SqlType = { kind: 'bpchar' }

  test('assignment pads, cuts only spaces, and raises 22001 otherwise; explicit truncates', () => {
    expect(cast('a', textType, char3, 'assignment')).toBe('a  ')
    expect(cast('abc   ', textType, char3, 'assignment')).toBe('abc')
    expect(error(() => cast('abcd', textType, char3, 'assignment'))).toBe(
      '22001 value too long for type character(3)',
    )
    expect(cast('abcd', textType, char3, 'explicit')).toBe('abc')
    expect(cast('a  ', bpchar, bpchar, 'assignment')).toBe('a  ')
  })

  test('to text drops the padding; compare, hashKey and keys ignore trailing spaces', () => {
    expect(cast('a  ', char3, textType, 'implicit')).toBe('a')
    expect(compare('a  ', 'a', bpchar)).toBe(0)
    expect(compare('a ', 'a\t', bpchar)).toBeLessThan(0)
    expect(hashKey('a  ', char3)).toBe(hashKey('a', bpchar))
    expect(toKeyPart('a  ', char3)).toEqual(toKeyPart('a', bpchar))
    expect(fromKeyPart(toKeyPart('a  ', char3), char3)).toBe('a  ')
  })

  test('the wire and stored rows keep the padded value', () => {
    expect(toWire('a  ', char3)).toBe('a  ')
    expect(fromStored(toStored('a  ', char3), char3)).toBe('a  ')
  })
})
