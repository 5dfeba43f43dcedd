// float8out and float4out against PostgreSQL's own (PGlite) on values drawn where JavaScript's
// shortest digits and PostgreSQL's part ways: doubles that are integers two or more apart
// (halfway points with 17 digits or fewer), float4s with few fraction bits (ties between two
// shortest candidates), and random bit patterns of both. Method: a seeded generator, one query per
// batch through the oracle, every value compared; a difference names the value.
import { describe, expect, test } from 'bun:test'
import { formatFloat4, formatFloat8 } from './number-io.ts'
import { useOracle } from './pglite-oracle.ts'

const pg = useOracle()

/** xorshift32 from a fixed seed: the same values on every run. */
function generator(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

const BITS = new DataView(new ArrayBuffer(8))

function doubles(random: () => number, n: number): number[] {
  const out: number[] = []
  while (out.length < n) {
    const kind = out.length % 3
    if (kind === 0) {
      BITS.setUint32(0, random() * 2 ** 32)
      BITS.setUint32(4, random() * 2 ** 32)
      const x = BITS.getFloat64(0)
      if (Number.isFinite(x)) out.push(x)
    } else {
      // An integer mantissa scaled to 2^50 .. 2^80: around and past 2^53.
      const exponent = 50 + Math.floor(random() * 30)
      out.push(Math.floor(random() * 2 ** 52 + 2 ** 52) * 2 ** (exponent - 52) * (kind === 1 ? 1 : -1))
    }
  }
  return out
}

function floats(random: () => number, n: number): number[] {
  const out: number[] = []
  const view = new DataView(new ArrayBuffer(4))
  while (out.length < n) {
    if (out.length % 2 === 0) {
      view.setUint32(0, random() * 2 ** 32)
      const x = view.getFloat32(0)
      if (Number.isFinite(x)) out.push(x)
    } else {
      const exponent = Math.floor(random() * 50)
      out.push(Math.fround(Math.floor(random() * 2 ** 23 + 2 ** 23) * 2 ** (exponent - 23)))
    }
  }
  return out
}

/** PostgreSQL's text of each value, cast to `type` from float8 (exact for float4 values). */
async function theirs(values: readonly number[], type: 'float8' | 'float4'): Promise<string[]> {
  const array = `'{${values.map(String).join(',')}}'::float8[]`
  const text = await pg.text(`(select string_agg(v::${type}::text, ' ' order by i) from unnest(${array}) with ordinality u(v, i))`)
  expect(text).not.toBeNull()
  return (text as string).split(' ')
}

describe('float output against PostgreSQL', () => {
  test('float8: 6,000 doubles, a third random bits, the rest integers past 2^53', async () => {
    const values = doubles(generator(20261127), 6000)
    const want = await theirs(values, 'float8')
    const differ = values.map((x, i) => [x, formatFloat8(x), want[i]]).filter(([, ours, pgText]) => ours !== pgText)
    expect(differ).toEqual([])
  })

  test('float4: 6,000 floats, half random bits, half with few fraction bits', async () => {
    const values = floats(generator(1127), 6000)
    const want = await theirs(values, 'float4')
    const differ = values.map((x, i) => [x, formatFloat4(x), want[i]]).filter(([, ours, pgText]) => ours !== pgText)
    expect(differ).toEqual([])
  })
})
