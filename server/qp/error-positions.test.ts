// Goal: an error's position counts characters from 1, as PostgreSQL's does, whatever the text
// before it holds: parse-tree locations are UTF-8 byte offsets and must be converted. Method: the
// conversion over 1- to 4-byte characters, then errors raised while binding statements that hold
// 2- and 4-byte characters, with the positions PGlite reported for the same statements.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { characterPosition } from './parser.ts'
import { createHarness, sqlError, type QpHarness } from './qp-harness.ts'

describe('characterPosition', () => {
  test('counts code points up to a byte offset', () => {
    expect(characterPosition('select 1', 7)).toBe(8)
    // é is 2 bytes, € 3, 😀 4 (two UTF-16 units, one character).
    const sql = "select 'é€😀' || x"
    expect(characterPosition(sql, 0)).toBe(1)
    expect(characterPosition(sql, Buffer.byteLength("select 'é€😀' || "))).toBe(17)
    expect(characterPosition(sql, Buffer.byteLength(sql))).toBe([...sql].length + 1)
  })
})

describe('positions of binding errors', () => {
  let h: QpHarness
  beforeAll(async () => {
    h = createHarness()
    await h.run('CREATE TABLE t (id int PRIMARY KEY, v text)')
  })
  afterAll(async () => {
    await h.close()
  })

  test.each([
    ["select 'é' || nosuch", '42703', 15],
    ["select 'é😀' from nosuch", '42P01', 18],
    ["select 'é😀', x.y from t", '42P01', 14],
    ["select 'é😀'::nosuchtype", '42704', 14],
    ["select 'é😀'::numeric(1,2,3)", '22023', 14],
    ["select 'é😀', *", '42601', 14],
    ["select 'é😀', v from t order by 5", '42P10', 32],
    ["select 'é😀', id from t group by 2, 7", '42P10', 36],
    ["select 'é😀' where 1", '42804', 19],
    ["select 'é😀', nosuchfn(1)", '42883', 14],
    ["select 'é😀', count(*) over (order by nosuch) from t", '42703', 38],
    ["select 'é😀', v from nosuch2 t", '42P01', 21],
    // ORDER BY ... USING: at the operator.
    ["select 'é😀', v from t order by v using <=", '42809', 40],
    ["select 'é😀', array_agg(id order by id using @>) from t", '42883', 45],
    ["select 'é😀', rank() over (order by id using =) from t", '42809', 45],
    // A collation mismatch across VALUES rows: at the second COLLATE clause.
    ['values (\'é😀\' collate "C"), (\'x\' collate "POSIX")', '42P21', 33],
    ['CREATE TABLE "é😀" (a nosuchtype)', '42704', 22],
    ['ALTER TABLE t ADD COLUMN "é😀" nosuchtype', '42704', 31],
    // The grammar's own errors were in characters already.
    ["select 'é😀' || from", '42601', 16],
  ])('%s', async (sql, code, position) => {
    const e = await sqlError(h.run(sql))
    expect([e.code as string, e.position]).toEqual([code, position])
  })
})
