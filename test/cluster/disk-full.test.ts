// A full disk in a cluster (docs/architecture.md "Failure handling: a full disk"): a region whose
// replica of another region's journal cannot write answers begins and commits 53100 at once while
// it lasts (its frontier cannot pass the records it could not take), and once space is freed the
// replica cuts its failed write, takes what its leader resends and the region reads again, without
// a restart. Method: two full regions and a witness in one process (cluster.ts), west's journals on
// a SimDisk whose capacity is set to what it holds; east commits meanwhile.
import { afterEach, describe, expect, test } from 'bun:test'
import { outcome } from '../sim/cluster-scenario.ts'
import { Cluster } from './cluster.ts'

let cluster: Cluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

/** The SQLSTATE a promise rejects with, or 'ok'; and how long it took (virtual ms). */
async function timed(c: Cluster, run: () => Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = c.clock.wallMs()
  const code = await c.until(outcome(run()), 30_000)
  return { code, ms: c.clock.wallMs() - started }
}

describe('a full disk in a cluster', () => {
  test("a region whose replica cannot write answers 53100 at once, and reads again once space is freed, without a restart", async () => {
    cluster = new Cluster()
    const c = cluster
    await c.open()
    await c.sql('east', 'CREATE TABLE kv (k int4 PRIMARY KEY, v text)')
    await c.sql('east', "INSERT INTO kv VALUES (1, 'before')")
    expect(await c.sql('west', 'SELECT v FROM kv')).toEqual([['before']])
    const west = c.disks.get('west')
    west?.setFaults({ syncLatencyMsMin: 1, capacityBytes: west.usedBytes() })
    // East goes on committing: a commit whose partition's journal is east's reaches a quorum
    // (east and the witness); one whose journal is west's finds it full (40003, then 53100).
    const answers = new Map<number, string>()
    for (let k = 2; k <= 13; k++) answers.set(k, (await timed(c, () => c.sql('east', 'INSERT INTO kv VALUES ($1, $2)', [k, 'while full']))).code)
    const acked = [...answers].filter(([, code]) => code === 'ok').map(([k]) => k)
    expect(acked.length).toBeGreaterThan(0)
    expect([...answers.values()].every((code) => ['ok', '40003', '53100'].includes(code))).toBe(true)
    // West's replica of east's journal could not take them: west cannot reach a fresh snapshot.
    const begin = await timed(c, () => c.tx('west'))
    expect(begin.code).toBe('53100')
    expect(begin.ms).toBeLessThan(100)
    const commit = await timed(c, () => c.sql('west', "INSERT INTO kv VALUES (99, 'west')"))
    expect(commit.code).toBe('53100')
    expect(commit.ms).toBeLessThan(100)
    // Still full a while later: the same answers.
    await c.until(c.clock.sleep(3_000))
    expect((await timed(c, () => c.tx('west'))).code).toBe('53100')
    west?.setFaults({ syncLatencyMsMin: 1 })
    await c.until(c.clock.sleep(2_000))
    const rows = (await c.sql('west', 'SELECT k FROM kv ORDER BY k')).map(([k]) => k as number)
    // Every acknowledged row, none refused (53100), a 40003 one either way.
    expect(rows.filter((k) => answers.get(k) !== '40003')).toEqual([1, ...acked])
    await c.sql('west', "INSERT INTO kv VALUES (99, 'west')")
    expect(await c.sql('east', 'SELECT v FROM kv WHERE k = 99')).toEqual([['west']])
  }, 60_000)
})
