// Aggregates against PostgreSQL itself: each case feeds the same rows to PGlite (`agg(...) FROM
// VALUES`) and to Tessera's resolveAggregate/createAccumulator, and the text outputs must match.
import { describe, expect, test } from 'bun:test'
import { SqlError } from '../errors/index.ts'
import { createAccumulator, resolveAggregate } from './aggregate.ts'
import type { Expr } from './expr.ts'
import { cast, castToText, type Datum } from './types/index.ts'
import { literalSql, sqlType } from './types/pglite-cases.ts'
import { useOracle } from './types/pglite-oracle.ts'
import { parseText } from './types/text-io.ts'

const pg = useOracle()

/** An aggregate over rows: column types, then rows of texts (null for NULL). */
interface Case {
  readonly agg: string
  readonly types: readonly string[]
  readonly rows: readonly (readonly (string | null)[])[]
  readonly distinct?: boolean
}

function ours(c: Case): string | null {
  try {
    const types = c.types.map(sqlType)
    const r = resolveAggregate(c.agg, types, false)
    if (r === undefined) return 'ERROR 42883'
    const args = r.argTypes.map((type) => ({ kind: 'const', type, value: null }) as Expr)
    const acc = createAccumulator({ name: c.agg, args, distinct: c.distinct === true, type: r.type })
    for (const row of c.rows) {
      acc.add(row.map((text, i): Datum => {
        const t = types[i] as (typeof types)[number]
        return text === null ? null : cast(parseText(text, t), t, r.argTypes[i] ?? t, 'implicit')
      }))
    }
    const v = acc.result()
    return v === null ? null : castToText(v, r.type)
  } catch (e) {
    if (e instanceof SqlError) return `ERROR ${e.code}`
    throw e
  }
}

function sql(c: Case): string {
  const cols = c.types.map((_t, i) => `c${i}`)
  const values = c.rows.map((row) => `(${row.map((v, i) => literalSql([v, c.types[i] as string])).join(', ')})`)
  const from = values.length === 0 ? `(select ${c.types.map((t, i) => `null::${t} as c${i}`).join(', ')} where false) v` : `(values ${values.join(', ')}) v(${cols.join(', ')})`
  return `(select ${c.agg}(${c.distinct === true ? 'distinct ' : ''}${cols.join(', ')}) from ${from})`
}

const ints = [['3'], ['1'], [null], ['2']]
const CASES: Case[] = [
  { agg: 'string_agg', types: ['text', 'text'], rows: [['a', ','], [null, ';'], ['b', '-'], ['c', null]] },
  { agg: 'string_agg', types: ['text', 'text'], rows: [] },
  { agg: 'string_agg', types: ['text', 'text'], rows: [[null, ',']] },
  { agg: 'string_agg', types: ['bytea', 'bytea'], rows: [['\\x01', '\\xff'], ['\\x02', '\\xff']] },
  { agg: 'array_agg', types: ['int4'], rows: ints },
  { agg: 'array_agg', types: ['text'], rows: [['a b'], [null], ['']] },
  { agg: 'array_agg', types: ['int4'], rows: [] },
  { agg: 'array_agg', types: ['int4'], rows: [['1'], ['1'], ['2']], distinct: true },
  { agg: 'string_agg', types: ['text', 'text'], rows: [['b', ','], ['a', ','], ['b', ','], [null, ',']], distinct: true },
  { agg: 'array_agg', types: ['int4'], rows: [['3'], [null], ['1'], [null], ['3']], distinct: true },
  { agg: 'jsonb_agg', types: ['text'], rows: [['b'], [null], ['a']], distinct: true },
  { agg: 'count', types: ['int4'], rows: [['3'], [null], ['1'], ['3']], distinct: true },
  { agg: 'sum', types: ['numeric'], rows: [['1.0'], ['1.00'], ['2']], distinct: true },
  { agg: 'bool_and', types: ['bool'], rows: [['t'], [null], ['f']] },
  { agg: 'bool_and', types: ['bool'], rows: [['t'], [null]] },
  { agg: 'bool_or', types: ['bool'], rows: [['f'], [null], ['t']] },
  { agg: 'every', types: ['bool'], rows: [[null]] },
  { agg: 'jsonb_agg', types: ['int4'], rows: ints },
  { agg: 'jsonb_agg', types: ['jsonb'], rows: [['{"a": 1}'], ['[1]']] },
  { agg: 'jsonb_agg', types: ['text'], rows: [] },
  { agg: 'jsonb_object_agg', types: ['text', 'int4'], rows: [['a', '1'], ['b', null], ['a', '3']] },
  { agg: 'jsonb_object_agg', types: ['text', 'int4'], rows: [[null, '1']] },
  { agg: 'jsonb_object_agg', types: ['int4', 'text'], rows: [['1', 'x']] },
  { agg: 'sum', types: ['interval'], rows: [['1 day'], ['2 hours'], [null], ['1 mon']] },
  { agg: 'avg', types: ['interval'], rows: [['1 day'], ['2 hours'], ['1 mon']] },
  { agg: 'avg', types: ['interval'], rows: [] },
  { agg: 'min', types: ['interval'], rows: [['1 day'], ['25 hours'], ['1 mon']] },
  { agg: 'max', types: ['interval'], rows: [['1 day'], ['25 hours'], ['29 days']] },
  { agg: 'max', types: ['int4[]'], rows: [['{1,2}'], ['{1,2,3}'], ['{0,9}']] },
  { agg: 'variance', types: ['int4'], rows: ints },
  { agg: 'var_pop', types: ['int4'], rows: ints },
  { agg: 'stddev', types: ['int4'], rows: ints },
  { agg: 'stddev_pop', types: ['numeric'], rows: [['1.5'], ['2.25'], ['10']] },
  { agg: 'stddev_samp', types: ['numeric'], rows: [['1.5']] },
  { agg: 'var_samp', types: ['numeric'], rows: [['2'], ['2'], ['2']] },
  { agg: 'variance', types: ['float8'], rows: [['1.5'], ['2.25'], ['10']] },
  { agg: 'stddev', types: ['float8'], rows: [['1'], ['2'], ['3'], ['4']] },
  { agg: 'stddev_pop', types: ['float8'], rows: [['1']] },
  { agg: 'sum', types: ['jsonb'], rows: [] },
  { agg: 'avg', types: ['int4'], rows: [['1'], ['2'], ['2']] },
  { agg: 'avg', types: ['numeric'], rows: [['1.5'], ['2.25'], [null]] },
  { agg: 'avg', types: ['int8'], rows: [['9223372036854775807'], ['9223372036854775807']] },
  { agg: 'sum', types: ['int8'], rows: [['9223372036854775807'], ['1']] },
  { agg: 'sum', types: ['int4'], rows: [['2147483647'], ['1']] },
  { agg: 'sum', types: ['float4'], rows: [['0.1'], ['0.2']] },
  { agg: 'avg', types: ['float4'], rows: [['0.1'], ['0.2']] },
  { agg: 'sum', types: ['float8'], rows: [['0.1'], ['0.2']] },
  { agg: 'avg', types: ['float8'], rows: [['1e308'], ['1e308']] },
  { agg: 'sum', types: ['numeric'], rows: [['1.50'], ['2.250']] },
  { agg: 'min', types: ['text'], rows: [['b'], ['a'], [null]] },
  { agg: 'max', types: ['numeric'], rows: [['1.50'], ['1.5']] },
  { agg: 'count', types: ['text'], rows: [['a'], [null]] },
  { agg: 'bit_and', types: ['int4'], rows: [['12'], [null], ['10']] },
  { agg: 'bit_or', types: ['int8'], rows: [['12'], ['-3']] },
  { agg: 'bit_xor', types: ['int2'], rows: [['12'], ['10'], ['1']] },
  { agg: 'bit_or', types: ['int4'], rows: [] },
  { agg: 'any_value', types: ['text'], rows: [[null], ['b'], ['a']] },
  { agg: 'any_value', types: ['int4'], rows: [[null]] },
  { agg: 'bool_and', types: ['int4'], rows: [] },
]

describe('aggregates', () => {
  test('array_agg of an array is 0A000 (PostgreSQL builds a multidimensional array)', () => {
    expect(() => resolveAggregate('array_agg', [{ kind: 'array', element: { kind: 'int4' } }], false)).toThrow(
      'array_agg of arrays (multidimensional arrays) is not supported',
    )
  })

  test.each(CASES.map((c) => [`${c.agg}(${c.types.join(', ')})`, c] as const))('%s %#', async (_name, c) => {
    const expected = await pg.text(sql(c))
    expect(ours(c)).toBe(expected?.startsWith('ERROR 42883') ? 'ERROR 42883' : expected)
  })
})
