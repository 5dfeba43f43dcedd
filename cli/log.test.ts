// Goal: an internal error's report carries what the client never sees: the message, the stack
// and the causes (toSqlError wraps an unexpected throw); a cluster event is one readable line.
// Method: a real thrown error, reported; each kind of cluster event, formatted.
import { expect, test } from 'bun:test'
import { internalError } from '../server/errors/index.ts'
import { clusterEventLine, internalErrorReport } from './log.ts'

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

test('one line per cluster event, with the time; folded changes are counted', () => {
  const at = Date.UTC(2030, 0, 2, 3, 4, 5)
  const lines = [
    clusterEventLine({ kind: 'link', peer: 'us-east-2', up: false, changes: 1 }, at),
    clusterEventLine({ kind: 'link', peer: 'us-east-2', up: true, changes: 38 }, at),
    clusterEventLine({ kind: 'quorum', reached: false, reachable: 1, regions: 3, quorum: 2, changes: 1 }, at),
    clusterEventLine({ kind: 'quorum', reached: true, reachable: 2, regions: 3, quorum: 2, changes: 1 }, at),
    clusterEventLine({ kind: 'failed-over', region: 'us-east-2', by: 'us-east-1', self: false, seals: { 'us-east-2/j0': 12, 'us-east-2/j1': 9 } }, at),
    clusterEventLine({ kind: 'failed-over', region: 'us-east-2', by: 'us-east-1', self: true, seals: { 'us-east-2/j0': 12, 'us-east-2/j1': 9 } }, at),
    clusterEventLine({ kind: 'took-over', region: 'us-east-2', partitions: 4 }, at),
    clusterEventLine({ kind: 'handed-back', region: 'us-east-2', generation: 1, self: false }, at),
    clusterEventLine({ kind: 'handed-back', region: 'us-east-2', generation: 2, self: true }, at),
  ]
  expect(lines.join('')).toBe(
    [
      '2030-01-02T03:04:05.000Z cluster: link to full region us-east-2 down',
      '2030-01-02T03:04:05.000Z cluster: link to full region us-east-2 up (38 changes since the last line)',
      '2030-01-02T03:04:05.000Z cluster: quorum lost: 1 of 3 regions in reach, 2 needed; begins and new commits answer 57P03',
      '2030-01-02T03:04:05.000Z cluster: quorum reached: 2 of 3 regions in reach (2 needed)',
      '2030-01-02T03:04:05.000Z cluster: region us-east-2 failed over by us-east-1 (journals sealed: us-east-2/j0 at seq 12, us-east-2/j1 at seq 9)',
      '2030-01-02T03:04:05.000Z cluster: this region (us-east-2) was failed over by us-east-1 while away (journals sealed: us-east-2/j0 at seq 12, us-east-2/j1 at seq 9); it serves without partitions of its own until they are handed back',
      '2030-01-02T03:04:05.000Z cluster: took over 4 partitions of region us-east-2',
      '2030-01-02T03:04:05.000Z cluster: region us-east-2 leads journal generation 1 and owns its partitions again',
      '2030-01-02T03:04:05.000Z cluster: this region (us-east-2) leads journal generation 2 and owns its partitions again',
      '',
    ].join('\n'),
  )
})

test('a disk event is one line when it starts, with what to do, and one when it ends', () => {
  const at = Date.UTC(2030, 0, 2, 3, 4, 5)
  const failing = 'could not write journal local/j0: no space left on device'
  expect(clusterEventLine({ kind: 'disk', failing, hint: 'Free disk space.' }, at)).toBe(
    `2030-01-02T03:04:05.000Z disk: ${failing}; commits are refused until it can write, reads go on. Free disk space.\n`,
  )
  expect(clusterEventLine({ kind: 'disk', failing: undefined, was: failing }, at)).toBe(
    `2030-01-02T03:04:05.000Z disk: every journal and storage shard writes again (it was: ${failing})\n`,
  )
})
