// Array functions (ARCHITECTURE.md "query processor": bind and evaluate): PostgreSQL's polymorphic
// array functions over one-dimensional arrays with lower bound 1.
import { SqlError } from '../errors/index.ts'
import { T, resolved, sig } from './function-overloads.ts'
import type { FunctionResolver } from './functions.ts'
import {
  arrayType,
  baseType,
  canCast,
  checkArrayLength,
  elementEquals,
  type Datum,
  type SqlType,
} from './types/index.ts'

const arr = (d: Datum | undefined) => d as readonly Datum[]

/** The common element type of an array argument and an element argument (anycompatible), or
 * undefined when neither casts implicitly to the other. */
export function compatibleElement(array: SqlType, element: SqlType): SqlType | undefined {
  const e = array.kind === 'array' ? array.element : array.kind === 'unknown' ? undefined : null
  if (e === null) return undefined
  if (e === undefined) return element.kind === 'unknown' ? T.text : baseType(element)
  if (element.kind === 'unknown' || canCast(element, e, 'implicit')) return baseType(e)
  if (canCast(e, element, 'implicit')) return baseType(element)
  return undefined
}

/** A resolver for f(anyarray, ...) where `shape` gives the parameter types from the element. */
function polymorphic(
  arity: readonly number[],
  shape: (e: SqlType, args: readonly SqlType[]) => { params: SqlType[]; type: SqlType } | undefined,
  apply: (a: readonly Datum[], e: SqlType) => Datum,
  strict = true,
): FunctionResolver {
  return (args) => {
    if (!arity.includes(args.length)) return undefined
    const arrayArg = args.find((t) => t.kind === 'array')
    if (arrayArg === undefined || arrayArg.kind !== 'array') return undefined
    const s = shape(arrayArg.element, args)
    if (s === undefined) return undefined
    const e = s.params.find((p) => p.kind === 'array')
    const element = e?.kind === 'array' ? e.element : arrayArg.element
    return resolved(sig(s.params, s.type, (a) => apply(a, element), { strict }))
  }
}

function position(a: readonly Datum[], v: Datum, e: SqlType, start: number): Datum {
  if (v === null) {
    for (let i = Math.max(start, 1) - 1; i < a.length; i++) if (a[i] === null) return BigInt(i + 1)
    return null
  }
  const eq = elementEquals(e)
  for (let i = Math.max(start, 1) - 1; i < a.length; i++) {
    const x = a[i] ?? null
    if (x !== null && eq(x, v)) return BigInt(i + 1)
  }
  return null
}

const withElement = (e: SqlType, args: readonly SqlType[], arrayAt: number) => {
  const other = args[arrayAt === 0 ? 1 : 0] as SqlType
  const c = compatibleElement(args[arrayAt] as SqlType, other)
  return c
}

const dim1 = (d: Datum | undefined, a: readonly Datum[]) => (d === 1n && a.length > 0 ? BigInt(a.length) : null)

/** The array functions, by lowercase name. */
export const ARRAY_FUNCTIONS: ReadonlyMap<string, FunctionResolver> = new Map<string, FunctionResolver>([
  ['array_length', polymorphic([2], (e) => ({ params: [arrayType(e), T.int4], type: T.int4 }), (a) => dim1(a[1], arr(a[0])))],
  ['array_upper', polymorphic([2], (e) => ({ params: [arrayType(e), T.int4], type: T.int4 }), (a) => dim1(a[1], arr(a[0])))],
  ['array_lower', polymorphic(
    [2],
    (e) => ({ params: [arrayType(e), T.int4], type: T.int4 }),
    (a) => (a[1] === 1n && arr(a[0]).length > 0 ? 1n : null),
  )],
  ['array_ndims', polymorphic(
    [1],
    (e) => ({ params: [arrayType(e)], type: T.int4 }),
    (a) => (arr(a[0]).length > 0 ? 1n : null),
  )],
  ['array_dims', polymorphic(
    [1],
    (e) => ({ params: [arrayType(e)], type: T.text }),
    (a) => (arr(a[0]).length > 0 ? `[1:${arr(a[0]).length}]` : null),
  )],
  ['cardinality', polymorphic([1], (e) => ({ params: [arrayType(e)], type: T.int4 }), (a) => BigInt(arr(a[0]).length))],
  ['array_position', polymorphic(
    [2, 3],
    (e, args) => {
      const c = withElement(e, args, 0)
      if (c === undefined) return undefined
      return { params: [arrayType(c), c, ...(args.length === 3 ? [T.int4] : [])], type: T.int4 }
    },
    (a, e) => (a[0] === null ? null : position(arr(a[0]), a[1] ?? null, e, a[2] === undefined || a[2] === null ? 1 : Number(a[2] as bigint))),
    false,
  )],
  ['array_positions', polymorphic(
    [2],
    (e, args) => {
      const c = withElement(e, args, 0)
      return c === undefined ? undefined : { params: [arrayType(c), c], type: arrayType(T.int4) }
    },
    (a, e) => {
      if (a[0] === null) return null
      const out: bigint[] = []
      const eq = elementEquals(e)
      arr(a[0]).forEach((x, i) => {
        const v = a[1] ?? null
        if ((v === null && x === null) || (v !== null && x !== null && eq(x, v))) out.push(BigInt(i + 1))
      })
      return out
    },
    false,
  )],
  ['array_append', polymorphic(
    [2],
    (e, args) => {
      const c = withElement(e, args, 0)
      return c === undefined ? undefined : { params: [arrayType(c), c], type: arrayType(c) }
    },
    (a) => [...(a[0] === null ? [] : arr(a[0])), a[1] ?? null],
    false,
  )],
  ['array_prepend', polymorphic(
    [2],
    (e, args) => {
      const c = withElement(e, args, 1)
      return c === undefined ? undefined : { params: [c, arrayType(c)], type: arrayType(c) }
    },
    (a) => [a[0] ?? null, ...(a[1] === null ? [] : arr(a[1]))],
    false,
  )],
  ['array_cat', polymorphic(
    [2],
    (e, args) => {
      const other = args.find((t, i) => i === 1) as SqlType
      const c = compatibleElement(args[0] as SqlType, other.kind === 'array' ? other.element : other)
      return c === undefined ? undefined : { params: [arrayType(c), arrayType(c)], type: arrayType(c) }
    },
    (a) => (a[0] === null && a[1] === null ? null : [...(a[0] === null ? [] : arr(a[0])), ...(a[1] === null ? [] : arr(a[1]))]),
    false,
  )],
  ['array_remove', polymorphic(
    [2],
    (e, args) => {
      const c = withElement(e, args, 0)
      return c === undefined ? undefined : { params: [arrayType(c), c], type: arrayType(c) }
    },
    (a, e) => {
      if (a[0] === null) return null
      const v = a[1] ?? null
      const eq = elementEquals(e)
      return arr(a[0]).filter((x) => !(v === null ? x === null : x !== null && eq(x, v)))
    },
    false,
  )],
  ['array_replace', polymorphic(
    [3],
    (e, args) => {
      const c = withElement(e, args, 0)
      return c === undefined ? undefined : { params: [arrayType(c), c, c], type: arrayType(c) }
    },
    (a, e) => {
      if (a[0] === null) return null
      const v = a[1] ?? null
      const eq = elementEquals(e)
      return arr(a[0]).map((x) => ((v === null ? x === null : x !== null && eq(x, v)) ? (a[2] ?? null) : x))
    },
    false,
  )],
  ['array_fill', (args) => {
    if (args.length !== 2 || args[1]?.kind !== 'array') return undefined
    const e = (args[0] as SqlType).kind === 'unknown' ? T.text : baseType(args[0] as SqlType)
    return resolved(sig([e, arrayType(T.int4)], arrayType(e), (a) => {
      if (a[1] === null) throw new SqlError('22004', 'dimension array or low bound array cannot be null')
      const dims = arr(a[1])
      if (dims.length === 0) return []
      if (dims.length !== 1) throw new SqlError('0A000', 'multidimensional arrays are not supported')
      if (dims[0] === null) throw new SqlError('22004', 'dimension values cannot be null')
      const n = Number(dims[0] as bigint)
      // Checked before allocating; a negative length is PostgreSQL's 54000 as well.
      if (n < 0) checkArrayLength(Infinity)
      checkArrayLength(n)
      return new Array<Datum>(n).fill(a[0] ?? null)
    }, { strict: false }))
  }],
  ['trim_array', polymorphic([2], (e) => ({ params: [arrayType(e), T.int4], type: arrayType(e) }), (a) => {
    const xs = arr(a[0])
    const n = Number(a[1] as bigint)
    if (n < 0 || n > xs.length) throw new SqlError('2202E', 'number of elements to trim must be between 0 and ' + xs.length)
    return xs.slice(0, xs.length - n)
  })],
])

/** `x = ANY(array)` / `x <> ALL(array)` for the binder: the comparison of one element, given the
 * left operand's value and the array, with SQL's NULL rules (NULL when no match and a NULL
 * element or left operand was met). `test` is the resolved comparison of left with an element. */
export function anyOf(left: Datum, array: readonly Datum[], test: (a: Datum, b: Datum) => Datum, all: boolean): Datum {
  if (array.length === 0) return all
  if (left === null) return null
  let sawNull = false
  for (const x of array) {
    const r = x === null ? null : test(left, x)
    if (r === null) sawNull = true
    else if (r === !all) return !all
  }
  return sawNull ? null : all
}

/** `a[i]`: the element at a 1-based subscript, NULL outside the array (PostgreSQL's rule). */
export function subscript(array: readonly Datum[], index: bigint): Datum {
  if (index < 1n || index > BigInt(array.length)) return null
  return array[Number(index) - 1] ?? null
}

/** `a[lo:hi]`: the slice, either bound optional, clipped to the array. */
export function slice(array: readonly Datum[], lo: bigint | undefined, hi: bigint | undefined): Datum[] {
  const from = Math.max(Number(lo ?? 1n), 1)
  const to = Math.min(Number(hi ?? BigInt(array.length)), array.length)
  return to < from ? [] : array.slice(from - 1, to)
}
