// A region on a full disk (docs/architecture.md "Failure handling"): it does not crash, a commit
// whose journal write ran out of space is 40003, later commits are refused with 53100 naming the
// cause, reads go on, health is degraded with the reason and one event tells it; once space is
// freed commits resume without a restart; and a restart finds every acknowledged row, nothing of
// a refused one. Method: a real region through its HTTP API on virtual time (SimClock), journals on
// a SimDisk whose capacity fills it, storage on real SQLite files made full by their page limit
// (fillable-sqlite.harness.ts).
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SeededRandom, SimClock } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { FillableSqlite, openSqliteShard, type StorageShard } from '../storage/index.ts'
import { openRegion, type ClusterEvent, type Region } from './index.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A region, and what can be done to its disks and clock. `memtableWritesMax`: its shards'. */
function world(shardOptions: { readonly memtableWritesMax?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-full-'))
  dirs.push(dir)
  const sim = new SimClock()
  let disk = new SimDisk({ timers: sim })
  const storage = new FillableSqlite()
  const events: ClusterEvent[] = []
  /** The shards open now, by id. */
  const shards: StorageShard[] = []
  const open = () =>
    drive(openRegion({
      name: 'local', url: 'http://127.0.0.1', clock: sim, timers: sim, random: new SeededRandom(3), disk, auth: false, compactIntervalMs: 1_000,
      // Short, so that a frontier stuck while the disk is full would show: reads would get 72000.
      api: { txAgeMsMax: 2_000 },
      openShard: (id) => (shards[id] = openSqliteShard({ id, path: join(dir, `shard-${id}.sqlite`), timers: sim, openDatabase: storage.open, ...shardOptions })),
      onClusterEvent: (event) => events.push(event),
    }))
  /** Runs virtual time until `value` settles (a hang fails after 60 virtual seconds). */
  const drive = async <T>(value: T | Promise<T>): Promise<T> => {
    let settled = false
    const watched = Promise.resolve(value).finally(() => (settled = true))
    watched.catch(() => {})
    for (let i = 0; i < 60_000 && !settled; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      if (!settled) sim.advance(1)
    }
    return watched
  }
  const call = async (region: Region, path: string, body?: unknown) => {
    const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
    const response = await drive(region.app.request(path, init))
    return { status: response.status, json: (await response.json()) as Record<string, any> }
  }
  return {
    sim, events, shards, open, drive, call,
    /** Journals: no byte beyond what the files hold, `room` bytes aside. */
    fillJournals: (room = 0) => disk.setFaults({ capacityBytes: disk.usedBytes() + room }),
    freeJournals: () => disk.setFaults({}),
    /** Storage: no page beyond those each open database has. */
    fillStorage: () => storage.fill(),
    freeStorage: () => storage.free(),
    /** A restart of the process (journal files as a crash leaves them, storage as it was). */
    restart: async (region: Region) => {
      await drive(region.close())
      disk.crash()
      disk = disk.restart()
      return open()
    },
  }
}

const insert = (id: number) => ({ sql: 'INSERT INTO big VALUES ($1, $2)', params: [id, `${id}`.padEnd(2000, 'x')] })
const ids = { sql: 'SELECT id, length(v) AS n FROM big ORDER BY id' }

describe('region: a full disk', () => {
  test('journals: 40003 in flight, then 53100 naming the cause; reads and health go on; commits resume once space is freed; a restart keeps every acknowledged row', async () => {
    const w = world()
    let region = await w.open()
    expect((await w.call(region, '/v1/sql', { sql: 'CREATE TABLE big (id int PRIMARY KEY, v text)' })).status).toBe(200)
    const acked: number[] = []
    for (let id = 0; id < 5; id++) {
      expect((await w.call(region, '/v1/sql', insert(id))).status).toBe(200)
      acked.push(id)
    }
    w.fillJournals(100)
    const inFlight = await w.call(region, '/v1/sql', insert(5))
    expect(inFlight).toMatchObject({ status: 503, json: { error: { code: '40003' } } })
    expect(inFlight.json.error.detail).toContain('no space left on device')
    const refused = await w.call(region, '/v1/sql', insert(6))
    expect(refused).toMatchObject({ status: 503, json: { error: { code: '53100', retryable: false } } })
    expect(refused.json.error.message).toMatch(/^cannot commit now: could not write journal local\/j\d: no space left on device; nothing was written$/)
    expect(refused.json.error.hint).toMatch(/Free disk space/)
    // Reads go on, at a snapshot with every acknowledged row.
    const read = await w.call(region, '/v1/sql', ids)
    expect(read.status).toBe(200)
    expect(read.json.rows.map((r: { id: number }) => r.id)).toEqual(acked)
    const health = await w.call(region, '/v1/health')
    expect(health).toMatchObject({ status: 200, json: { status: 'degraded' } })
    expect(health.json.reason).toMatch(/could not write journal local\/j\d: no space left on device/)
    expect((await w.call(region, '/v1/health?ready=1')).status).toBe(503)
    // A while full, longer than a transaction may live: each attempt is answered the same, told
    // once, and reads still go on at fresh snapshots.
    await w.drive(w.sim.sleep(5_000))
    expect((await w.call(region, '/v1/sql', insert(7))).json.error.code).toBe('53100')
    expect((await w.call(region, '/v1/sql', ids)).json.rows?.map((r: { id: number }) => r.id)).toEqual(acked)
    expect(w.events.filter((e) => e.kind === 'disk')).toEqual([{ kind: 'disk', failing: health.json.reason, hint: expect.stringMatching(/Free disk space/) }])
    w.freeJournals()
    await w.drive(w.sim.sleep(2_000))
    expect((await w.call(region, '/v1/health')).json).toMatchObject({ status: 'ok' })
    expect(w.events.filter((e) => e.kind === 'disk').at(-1)).toEqual({ kind: 'disk', failing: undefined, was: health.json.reason })
    for (const id of [8, 9]) {
      expect((await w.call(region, '/v1/sql', insert(id))).status).toBe(200)
      acked.push(id)
    }
    region = await w.restart(region)
    const after = await w.call(region, '/v1/sql', ids)
    // Every acknowledged row, whole; none of the refused; the 40003 one either way.
    const found = after.json.rows as { id: number; n: number }[]
    expect(found.filter((r) => r.id !== 5)).toEqual(acked.map((id) => ({ id, n: 2000 })))
    expect(found.find((r) => r.id === 5)?.n ?? 2000).toBe(2000)
    await w.drive(region.close())
  }, 60_000)

  test('storage: a flush SQLite refuses crashes nothing; commits are refused with 53100 while reads see every acknowledged row; they resume once space is freed', async () => {
    const w = world()
    let region = await w.open()
    expect((await w.call(region, '/v1/sql', { sql: 'CREATE TABLE big (id int PRIMARY KEY, v text)' })).status).toBe(200)
    await w.drive(w.sim.sleep(100))
    w.fillStorage()
    // Acknowledged: the journal has it; storage shows it from its memtable. The flush 50 ms later
    // fails.
    expect((await w.call(region, '/v1/sql', insert(1))).status).toBe(200)
    expect((await w.call(region, '/v1/sql', insert(2))).status).toBe(200)
    await w.drive(w.sim.sleep(100))
    const refused = await w.call(region, '/v1/sql', insert(3))
    expect(refused).toMatchObject({ status: 503, json: { error: { code: '53100' } } })
    expect(refused.json.error.message).toMatch(/^cannot commit now: could not write storage shard \d: no space left on device; nothing was written$/)
    const read = await w.call(region, '/v1/sql', ids)
    expect(read.json.rows).toEqual([{ id: 1, n: 2000 }, { id: 2, n: 2000 }])
    expect((await w.call(region, '/v1/health')).json.reason).toMatch(/could not write storage shard \d: no space left on device/)
    // Compaction (a checkpoint) and GC steps run meanwhile and throw nothing; reads go on at fresh
    // snapshots, longer than a transaction may live.
    await w.drive(w.sim.sleep(3_000))
    expect((await w.call(region, '/v1/sql', insert(3))).json.error.code).toBe('53100')
    expect((await w.call(region, '/v1/sql', ids)).json.rows).toEqual([{ id: 1, n: 2000 }, { id: 2, n: 2000 }])
    w.freeStorage()
    await w.drive(w.sim.sleep(2_000))
    expect((await w.call(region, '/v1/health')).json.status).toBe('ok')
    expect((await w.call(region, '/v1/sql', insert(3))).status).toBe(200)
    region = await w.restart(region)
    expect((await w.call(region, '/v1/sql', ids)).json.rows.map((r: { id: number }) => r.id)).toEqual([1, 2, 3])
    await w.drive(region.close())
  }, 60_000)

  test('storage full with commits already in the journals: each is shown and answered, and reads at fresh snapshots go on', async () => {
    // The flush at the memtable bound fails after the commits of that turn were appended: they are
    // durable, so storage must show them (a shard that held them back made every later snapshot
    // wait for them: every read 57014 for as long as the disk stayed full).
    const w = world({ memtableWritesMax: 4 })
    let region = await w.open()
    expect((await w.call(region, '/v1/sql', { sql: 'CREATE TABLE big (id int PRIMARY KEY, v text)' })).status).toBe(200)
    await w.drive(w.sim.sleep(100))
    w.fillStorage()
    const answers: Promise<{ status: number; code: string | undefined }>[] = []
    for (let id = 0; id < 12; id++) {
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(insert(id)) }
      answers.push(Promise.resolve(region.app.request('/v1/sql', init)).then(async (r) => ({ status: r.status, code: ((await r.json()) as { error?: { code: string } }).error?.code })))
      // Three commits a turn: some are appended before the failed flush, some after it.
      if (id % 3 === 2) await new Promise((resolve) => setImmediate(resolve))
    }
    const started = w.sim.wallMs()
    const answered = await w.drive(Promise.all(answers))
    expect(w.sim.wallMs() - started).toBeLessThan(1_000)
    // Acknowledged or refused (nothing written), nothing else.
    expect(answered.filter((a) => a.status !== 200).map((a) => a.code)).toEqual(answered.filter((a) => a.status !== 200).map(() => '53100'))
    const acked = answered.flatMap((a, id) => (a.status === 200 ? [id] : []))
    // The case at hand: a shard past its memtable bound, still failing.
    expect(w.shards.some((s) => s.writeFailure() !== undefined && !s.canApply())).toBe(true)
    expect(acked.length).toBeGreaterThan(4)
    // Reads answer at once with every acknowledged row, and still after the age limit (2 s).
    for (const sleepMs of [0, 3_000]) {
      await w.drive(w.sim.sleep(sleepMs))
      const before = w.sim.wallMs()
      const read = await w.call(region, '/v1/sql', ids)
      expect(read.status).toBe(200)
      expect(read.json.rows.map((r: { id: number }) => r.id)).toEqual(acked)
      expect(w.sim.wallMs() - before).toBeLessThan(100)
    }
    w.freeStorage()
    await w.drive(w.sim.sleep(2_000))
    expect((await w.call(region, '/v1/sql', insert(12))).status).toBe(200)
    region = await w.restart(region)
    expect((await w.call(region, '/v1/sql', ids)).json.rows.map((r: { id: number }) => r.id)).toEqual([...acked, 12])
    await w.drive(region.close())
  }, 60_000)
})
