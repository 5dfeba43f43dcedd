// Goal: every SQLSTATE API.md names maps to its HTTP status, and error bodies have every field.
// Method: a table of codes from API.md and STYLE.md, checked one by one.
import { describe, expect, test } from 'bun:test'
import { AssertionError, SQLSTATE_NAMES, SqlError, type SqlState } from '../errors/index.ts'
import { errorBody, sqlStateToHttpStatus, toSqlError } from './index.ts'

describe('sqlStateToHttpStatus', () => {
  const table: [SqlState, number][] = [
    ['42601', 400],
    ['42P01', 400],
    ['42703', 400],
    ['22012', 400],
    ['22P02', 400],
    ['0A000', 400],
    ['08P01', 400],
    ['25P02', 400],
    ['25006', 400],
    ['25000', 400],
    ['22023', 400],
    ['40001', 409],
    ['40P01', 409],
    ['23505', 409],
    ['23502', 409],
    ['23514', 409],
    ['28000', 401],
    ['28P01', 401],
    ['42501', 403],
    ['25P03', 404],
    ['54000', 413],
    ['57P03', 503],
    ['53100', 503],
    ['53300', 503],
    ['53400', 503],
    ['40003', 503],
    ['57014', 504],
    ['XX000', 500],
    ['58030', 500],
  ]
  for (const [code, status] of table)
    test(`${code} → ${status}`, () => expect<number>(sqlStateToHttpStatus(code)).toBe(status))
})

describe('error bodies', () => {
  test('absent fields are null and only 40001 is retryable', () => {
    expect(errorBody(new SqlError('40001', 'conflict', { detail: 'k' }))).toEqual({
      error: {
        code: '40001',
        message: 'conflict',
        detail: 'k',
        hint: null,
        position: null,
        retryable: true,
      },
    })
    expect(errorBody(new SqlError('40003', 'unknown')).error.retryable).toBe(false)
  })

  test('bugs and foreign throws become XX000 without their message', () => {
    for (const thrown of [
      new AssertionError('at /secret/path'),
      new TypeError('x is undefined'),
      'a string',
    ]) {
      const e = toSqlError(thrown)
      expect(e.code).toBe('XX000')
      expect(e.message).not.toContain('secret')
      expect(e.message).not.toContain('undefined')
    }
  })
})

describe('every SQLSTATE', () => {
  test('maps to a status, and only the classes API.md names leave 4xx-client territory', () => {
    for (const code of Object.keys(SQLSTATE_NAMES) as SqlState[]) {
      const status = sqlStateToHttpStatus(code)
      expect([400, 401, 403, 404, 409, 413, 500, 503, 504]).toContain(status)
      if (status === 500) expect(['XX', '58']).toContain(code.slice(0, 2))
      if (status === 409) expect(['23', '40']).toContain(code.slice(0, 2))
    }
  })
})
