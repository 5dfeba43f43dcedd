// Test support for the type system's property tests (ARCHITECTURE.md "query processor"): one
// fast-check arbitrary of datums per SQL type, covering edges (NaN, -0, infinity, BC, surrogates).
import fc from 'fast-check'
import {
  DATE_DAYS_END,
  DATE_DAYS_MIN,
  MICROS_PER_DAY,
  TIMESTAMP_INFINITY,
  TIMESTAMP_MICROS_END,
  TIMESTAMP_MICROS_MIN,
  TIMESTAMP_NEG_INFINITY,
} from './constants.ts'
import { Decimal } from './decimal.ts'
import { Interval } from './interval.ts'
import { Jsonb } from './jsonb.ts'
import type { Datum, SqlType, TypeKind } from './sql-type.ts'

const decimal = fc
  .oneof(
    {
      weight: 9,
      arbitrary: fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(25)),
    },
    { weight: 3, arbitrary: fc.tuple(fc.bigInt({ min: -1000n, max: 1000n }), fc.nat(4)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )
  .map((t) => (t === undefined ? Decimal.nan() : new Decimal(t[0], t[1])))

const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 })

/** Arbitraries by type kind for the types that hold data (not `unknown`). */
export const DATUMS: Readonly<Record<Exclude<TypeKind, 'unknown' | 'enum' | 'record'>, fc.Arbitrary<Datum>>> = {
  bool: fc.boolean(),
  int2: fc.bigInt({ min: -32768n, max: 32767n }),
  int4: fc.bigInt({ min: -2147483648n, max: 2147483647n }),
  int8: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  oid: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
  float4: fc.float(),
  float8: fc.double(),
  numeric: decimal,
  text: fc.string({ unit: 'binary', maxLength: 12 }),
  varchar: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
  // Trailing spaces often, as they are what bpchar's order and keys ignore.
  bpchar: fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), fc.nat(3)).map(([s, n]) => s + ' '.repeat(n)),
  date: fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: DATE_DAYS_MIN, max: DATE_DAYS_END - 1 }) },
    { weight: 20, arbitrary: fc.integer({ min: -800_000, max: 800_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity) },
  ),
  timestamp: timestampArbitrary(),
  timestamptz: timestampArbitrary(),
  time: fc.oneof(
    { weight: 20, arbitrary: fc.bigInt({ min: 0n, max: MICROS_PER_DAY }) },
    { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: 86_400n }).map((s) => s * 1_000_000n) },
    { weight: 1, arbitrary: fc.constantFrom(0n, MICROS_PER_DAY) },
  ),
  uuid: fc.uuid(),
  jsonb: json.map((v) => new Jsonb(v)),
  // Canonical texts, as a jsonpath datum is one (types/jsonpath.ts).
  jsonpath: fc.constantFrom('$', 'strict $."a"[*]', '$."a"?(@ > 1)', '($."b" + 1)', '$.**{2 to last}.type()'),
  bytea: fc.uint8Array({ maxLength: 10 }),
  interval: fc
    .tuple(
      fc.integer({ min: -2147483648, max: 2147483647 }),
      fc.integer({ min: -2147483648, max: 2147483647 }),
      fc.oneof(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(10n ** 11n), max: 10n ** 11n }),
      ),
    )
    .map(([m, d, us]) => new Interval(m, d, us)),
  // Arrays are tested as text[] (ARRAY_TYPE): quoting is where array text I/O goes wrong.
  array: fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 6 }), { nil: null }), {
    maxLength: 5,
  }),
}

/** The array type DATUMS.array holds. */
export const ARRAY_TYPE: SqlType = { kind: 'array', element: { kind: 'text' } }

function timestampArbitrary(): fc.Arbitrary<Datum> {
  return fc.oneof(
    {
      weight: 20,
      arbitrary: fc.bigInt({ min: TIMESTAMP_MICROS_MIN, max: TIMESTAMP_MICROS_END - 1n }),
    },
    { weight: 20, arbitrary: fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }) },
    { weight: 1, arbitrary: fc.constantFrom(TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY) },
  )
}

/** Every data type, plain (typmods do not change a datum's representation). */
export const DATA_TYPES: readonly SqlType[] = Object.keys(DATUMS).map((kind) =>
  kind === 'array' ? ARRAY_TYPE : ({ kind } as SqlType),
)
