// The binder hooks for arrays (ANY/ALL, subscripts, slices) and the set-function row cap: small
// truth tables from PostgreSQL's documented rules, since PGlite cannot call these helpers directly.
import { describe, expect, test } from 'bun:test'
import { anyOf, slice, subscript } from './functions-array.ts'
import { SET_FUNCTIONS } from './set-functions.ts'
import { FUNCTIONS } from './functions.ts'
import { resolveBinary, type Datum } from './types/index.ts'
import type { EvalContext } from './expr.ts'

const eq = resolveBinary('=', { kind: 'int4' }, { kind: 'int4' })
const lt = resolveBinary('<', { kind: 'int4' }, { kind: 'int4' })
const apply = (r: typeof eq) => (a: Datum, b: Datum) => (r as NonNullable<typeof eq>).apply(a, b)

describe('x op ANY / ALL (array): three-valued, as PostgreSQL', () => {
  test.each([
    [1n, [1n, 2n], false, true],
    [3n, [1n, 2n], false, false],
    [3n, [1n, null], false, null],
    [1n, [1n, null], false, true],
    [1n, [], false, false],
    [null, [1n], false, null],
    [null, [], false, false],
    [1n, [1n, 1n], true, true],
    [1n, [1n, 2n], true, false],
    [1n, [1n, null], true, null],
    [1n, [2n, null], true, false],
    [1n, [], true, true],
    [null, [], true, true],
  ] as [Datum, Datum[], boolean, Datum][])('%p = %s(%p) → %p', (left, array, all, expected) => {
    expect(anyOf(left, array, apply(eq), all)).toBe(expected)
  })

  test('any comparison operator: 1 < ANY({0,2}) is true, 1 < ALL({0,2}) false', () => {
    expect(anyOf(1n, [0n, 2n], apply(lt), false)).toBe(true)
    expect(anyOf(1n, [0n, 2n], apply(lt), true)).toBe(false)
  })
})

describe('subscripts and slices: 1-based, NULL or clipped outside the array', () => {
  const a: Datum[] = [10n, 20n, null, 40n]
  test.each([[1n, 10n], [2n, 20n], [3n, null], [4n, 40n], [0n, null], [5n, null], [-1n, null]] as [bigint, Datum][])(
    'a[%p] is %p',
    (i, expected) => {
      expect(subscript(a, i)).toBe(expected)
    },
  )
  test.each([
    [2n, 3n, [20n, null]],
    [undefined, 2n, [10n, 20n]],
    [3n, undefined, [null, 40n]],
    [0n, 9n, a],
    [3n, 2n, []],
  ] as [bigint | undefined, bigint | undefined, Datum[]][])('a[%p:%p]', (lo, hi, expected) => {
    expect(slice(a, lo, hi)).toEqual(expected)
  })
})

describe('resolvers reject wrong argument types (42883 at the binder)', () => {
  test.each([
    ['array_length', [{ kind: 'int4' }, { kind: 'int4' }]],
    ['cardinality', [{ kind: 'text' }]],
    ['array_append', [{ kind: 'array', element: { kind: 'int4' } }, { kind: 'jsonb' }]],
    ['lpad', [{ kind: 'jsonb' }, { kind: 'int4' }]],
    ['jsonb_typeof', [{ kind: 'int4' }]],
    ['date_trunc', [{ kind: 'text' }, { kind: 'int4' }]],
    ['round', [{ kind: 'text' }]],
    ['make_date', [{ kind: 'int4' }]],
  ] as const)('%s%j', (name, args) => {
    expect(FUNCTIONS.get(name)?.(args)).toBeUndefined()
  })

  test('unnest of a non-array and generate_series of text have no overload', () => {
    expect(SET_FUNCTIONS.get('unnest')?.([{ kind: 'int4' }])).toBeUndefined()
    expect(SET_FUNCTIONS.get('generate_series')?.([{ kind: 'text' }, { kind: 'text' }])).toBeUndefined()
  })
})

describe('volatile functions', () => {
  test('random() and clock_timestamp() are volatile; now() is not', () => {
    expect(FUNCTIONS.get('random')?.([])?.volatile).toBe(true)
    expect(FUNCTIONS.get('clock_timestamp')?.([])?.volatile).toBe(true)
    expect(FUNCTIONS.get('now')?.([])?.volatile).toBe(false)
  })

  test("random() draws from the session's generator (ctx.tx.prng)", () => {
    const ctx = { tx: { prng: () => ({ double: () => 0.25 }) } } as unknown as EvalContext
    expect(FUNCTIONS.get('random')?.([])?.apply([], ctx)).toBe(0.25)
  })
})

describe('generate_series is bounded', () => {
  test('a series beyond SET_FUNCTION_ROWS_MAX fails with 54000 instead of running away', () => {
    const r = SET_FUNCTIONS.get('generate_series')?.([{ kind: 'int8' }, { kind: 'int8' }])
    const rows = r?.apply([1n, 10n ** 12n], {} as EvalContext) ?? []
    let n = 0
    expect(() => {
      for (const _row of rows) if (++n > 20_000_000) break
    }).toThrow(/more than/)
  }, 20_000)
})
