// Goal: the hand check of POST /v1/sql bodies (plainSqlRequest) accepts exactly what zod's
// sqlRequestSchema accepts, so skipping zod on the hot path never lets a bad body through nor
// turns a good one into an error. Method: fast-check over arbitrary JSON and over bodies built
// near the valid shape (right and wrong types, extra and missing fields).
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { plainSqlRequest, sqlRequestSchema } from './schemas.ts'

const nearlyValid = fc.record(
  {
    sql: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    params: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.string(), fc.constant(null)),
    rowMode: fc.oneof(fc.constantFrom('object', 'array', 'row', ''), fc.integer()),
    extra: fc.jsonValue(),
    statements: fc.array(fc.record({ sql: fc.string() }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
)

describe('plainSqlRequest', () => {
  test('accepts a body exactly when zod accepts it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearlyValid), (body) => {
        const json = JSON.parse(JSON.stringify(body)) as unknown
        expect(plainSqlRequest(json) !== undefined).toBe(sqlRequestSchema.safeParse(json).success)
      }),
      { numRuns: 2000, seed: 20261127 },
    )
  })

  test('refuses a key that only JSON can make own (__proto__)', () => {
    const json = JSON.parse('{"sql": "SELECT 1", "__proto__": {"x": 1}}') as unknown
    expect(plainSqlRequest(json)).toBeUndefined()
    expect(sqlRequestSchema.safeParse(json).success).toBe(false)
  })
})
