// Goal: the sqllogictest reader splits records exactly as the corpus README §2 describes (CRLF,
// comments that do not separate, conditions, query headers, `----` sections, controls) and
// reads Tessera's pgcode extension. Method: small files written inline, checked field by field.
import { describe, expect, test } from 'bun:test'
import { applies, parseSlt, SltSyntaxError } from './parser.ts'

describe('parseSlt', () => {
  test('statements, queries, controls; CRLF lines and whitespace-only separators', () => {
    const text = [
      'hash-threshold 8',
      '',
      'statement ok',
      'CREATE TABLE t1(a INTEGER,',
      '  b INTEGER)',
      '   ',
      'query IT rowsort label-7',
      'SELECT a, b',
      'FROM t1',
      '----',
      '1',
      'x',
      '',
      'halt',
    ].join('\r\n')
    const records = parseSlt(text)
    expect(records.map((r) => r.kind)).toEqual(['hash-threshold', 'statement', 'query', 'halt'])
    expect(records[0]).toMatchObject({ kind: 'hash-threshold', threshold: 8 })
    expect(records[1]).toMatchObject({
      sql: 'CREATE TABLE t1(a INTEGER,\n  b INTEGER)',
      expect: { kind: 'ok' },
      line: 3,
    })
    expect(records[2]).toMatchObject({
      sql: 'SELECT a, b\nFROM t1',
      types: 'IT',
      sort: 'rowsort',
      label: 'label-7',
      expected: ['1', 'x'],
      error: null,
    })
  })

  test('a comment line is dropped without ending the record', () => {
    const records = parseSlt(
      'query I nosort\nSELECT 1\n# a comment inside\n----\n1\n\n# alone\n\nstatement ok\nSELECT 2\n',
    )
    expect(records).toHaveLength(2)
    expect(records[0]).toMatchObject({ expected: ['1'], sort: 'nosort', label: null })
  })

  test('a query without ---- or without values expects no rows; the sort mode defaults to nosort', () => {
    const [a, b] = parseSlt('query I\nSELECT 1 WHERE false\n\nquery T\nSELECT 1\n----\n')
    expect(a).toMatchObject({ sort: 'nosort', expected: [], sql: 'SELECT 1 WHERE false' })
    expect(b).toMatchObject({ expected: [], sql: 'SELECT 1' })
  })

  test('conditions: engine is the second word, compared case-insensitively', () => {
    const [r] = parseSlt('skipif MySQL # comment here\nonlyif postgresql\nstatement ok\nSELECT 1\n')
    expect(r!.conditions).toEqual([
      { kind: 'skipif', engine: 'mysql', comment: '# comment here' },
      { kind: 'onlyif', engine: 'postgresql', comment: '' },
    ])
    expect(applies(r!.conditions, 'postgresql')).toBe(true)
    expect(applies(r!.conditions, 'PostgreSQL')).toBe(true)
    expect(applies(r!.conditions, 'mysql')).toBe(false)
    expect(applies([{ kind: 'onlyif', engine: 'mssql', comment: '' }], 'postgresql')).toBe(false)
    expect(applies([{ kind: 'skipif', engine: 'postgresql', comment: '' }], 'postgresql')).toBe(
      false,
    )
    expect(applies([{ kind: 'skipif', engine: 'sqlite', comment: '' }], 'postgresql')).toBe(true)
    const asReason = { kind: 'skipif', engine: 'postgresql', comment: '# requires AS' } as const
    expect(applies([asReason], 'postgresql', (c) => c.comment.includes('requires AS'))).toBe(true)
    expect(
      applies([{ ...asReason, comment: '# strict GROUP BY' }], 'postgresql', (c) =>
        c.comment.includes('requires AS'),
      ),
    ).toBe(false)
  })

  test('statement error, pgcode extension with a message pattern, query error, statement count', () => {
    const records = parseSlt(
      'statement error\nX\n\nstatement error pgcode 23505 duplicate key\nX\n\nquery error pgcode 42P01\nSELECT * FROM nope\n\nstatement count 3\nDELETE FROM t\n',
    )
    expect(records[0]).toMatchObject({
      expect: { kind: 'error', error: { code: null, message: null } },
    })
    expect(records[1]).toMatchObject({
      expect: { kind: 'error', error: { code: '23505', message: 'duplicate key' } },
    })
    expect(records[2]).toMatchObject({
      kind: 'query',
      error: { code: '42P01', message: null },
      sql: 'SELECT * FROM nope',
    })
    expect(records[3]).toMatchObject({ expect: { kind: 'count', count: 3 } })
  })

  test('malformed records are reported with their line', () => {
    expect(() => parseSlt('statement maybe\nSELECT 1\n')).toThrow(SltSyntaxError)
    expect(() => parseSlt('query I sideways\nSELECT 1\n')).toThrow(/line 1: bad sort mode/)
    expect(() => parseSlt('\n\nstatement error pgcode 2350\nX\n')).toThrow(/line 3/)
    expect(() => parseSlt('skipif postgresql\n')).toThrow(/conditions without a record/)
    expect(() => parseSlt('select 1\n')).toThrow(/unknown record/)
  })
})
