// Goal: an internal error's report carries what the client never sees: the message, the stack
// and the causes (toSqlError wraps an unexpected throw). Method: a real thrown error, reported.
import { expect, test } from 'bun:test'
import { internalError } from '../server/errors/index.ts'
import { internalErrorReport } from './log.ts'

test('the report has the time, the stack and every cause', () => {
  let bug: Error | undefined
  try {
    JSON.parse('{not json')
  } catch (e) {
    bug = e as Error
  }
  const report = internalErrorReport(internalError('internal error', bug), Date.UTC(2030, 0, 2, 3, 4, 5))
  expect(report).toStartWith('2030-01-02T03:04:05.000Z internal error (answered 500 XX000):\n')
  expect(report).toContain('internal error')
  expect(report).toContain('[XX000]')
  expect(report).toContain(`caused by: ${bug?.stack}`)
  expect(report).toContain('log.test.ts')
})

test('anything thrown is reported, and a cause cycle ends', () => {
  expect(internalErrorReport('a string', 0)).toBe('1970-01-01T00:00:00.000Z internal error (answered 500 XX000):\na string\n')
  const a = new Error('a')
  const b = new Error('b', { cause: a })
  a.cause = b
  expect(internalErrorReport(a, 0).split('caused by:').length).toBeLessThan(10)
})
