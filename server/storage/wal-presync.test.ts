// The background sync of a file shard's WAL (wal-presync.ts). Goal: after a write, the WAL's
// unsynced bytes become durable off the caller's thread, one sync at a time, and nothing is
// created or retried where it should not be. Method: WalPresync on a SimDisk (which tracks
// unsynced bytes and survives crashes), and a real file shard on the host's disk with a disk that
// counts what is opened and synced through it.
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SimClock } from '../clock/index.ts'
import { CountingDisk, NodeDisk, SimDisk } from '../disk/index.ts'
import { encodeKey } from '../encoding/index.ts'
import { openSqliteShard, sqliteDrivers } from './index.ts'
import { WalPresync } from './wal-presync.ts'

const WAL = '/shard/shard-0.sqlite-wal'
const flushed = () => new Promise((resolve) => setTimeout(resolve, 0))

/** `bytes` appended to the WAL as SQLite would write them: through a file of its own, unsynced. */
function sqliteWrites(disk: SimDisk, bytes: number): void {
  const file = disk.open(WAL)
  file.append(new Uint8Array(bytes).fill(7))
  file.close()
}

describe('WalPresync', () => {
  test('a write makes what the WAL holds durable, and a crash keeps it', async () => {
    const disk = new SimDisk()
    disk.mkdirp('/shard')
    sqliteWrites(disk, 4096)
    expect(disk.unsyncedBytes(WAL)).toBe(4096)
    new WalPresync(disk, WAL).afterWrite()
    await flushed()
    expect(disk.unsyncedBytes(WAL)).toBe(0)
    disk.crash()
    expect(disk.restart().readFile(WAL)?.length).toBe(4096)
  })

  test('before SQLite made the WAL there is nothing to sync, and it is not created', async () => {
    const disk = new CountingDisk(new SimDisk())
    disk.mkdirp('/shard')
    const presync = new WalPresync(disk, WAL)
    presync.afterWrite()
    await flushed()
    expect(disk.exists(WAL)).toBe(false)
    expect(disk.opened).toEqual([])
  })

  test('one sync at a time: writes during a sync wait for the next write after it', async () => {
    const clock = new SimClock()
    const sim = new SimDisk({ timers: clock, faults: { syncLatencyMsMin: 5, syncLatencyMsMax: 5 } })
    const disk = new CountingDisk(sim)
    disk.mkdirp('/shard')
    sqliteWrites(sim, 100)
    const presync = new WalPresync(disk, WAL)
    presync.afterWrite()
    sqliteWrites(sim, 50)
    presync.afterWrite()
    expect(disk.syncs).toBe(1)
    await clock.advance(5)
    await flushed()
    // The first sync started before the second write: whether it covered it is the disk's
    // business; the next write starts another sync in any case.
    presync.afterWrite()
    expect(disk.syncs).toBe(2)
    await clock.advance(5)
    await flushed()
    expect(sim.unsyncedBytes(WAL)).toBe(0)
    expect(disk.opened).toEqual([WAL])
  })

  test('after a failed sync it stops (SQLite sees the error itself), and close closes the file', async () => {
    const disk = new CountingDisk(new SimDisk())
    disk.mkdirp('/shard')
    sqliteWrites(disk.inner as SimDisk, 10)
    disk.failSyncs = true
    const presync = new WalPresync(disk, WAL)
    presync.afterWrite()
    await flushed()
    presync.afterWrite()
    presync.afterWrite()
    expect(disk.syncs).toBe(1)
    presync.close()
    expect(disk.closes).toBe(1)
  })
})

describe('a file shard syncs its WAL after writing it', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  for (const driver of sqliteDrivers) {
    test(`on ${driver}:sqlite: each flush to SQLite starts a sync of its -wal file`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-presync-'))
      dirs.push(dir)
      const disk = new CountingDisk(new NodeDisk())
      const path = join(dir, 'shard-0.sqlite')
      const shard = openSqliteShard({ id: 0, driver, path, timers: new SimClock(), memtableWritesMax: 1, disk })
      try {
        expect(disk.opened).toEqual([])
        const key = encodeKey([1n, 1n, 1n])
        shard.apply([{ journalId: 'j', seq: 1, commitTs: 10, writes: [{ key, value: '"a"' }] }], 10)
        expect(disk.opened).toEqual([`${path}-wal`])
        expect(disk.syncs).toBe(1)
        // A real fsync: waited for, up to 10 s.
        for (let i = 0; i < 1000 && disk.syncsRunning > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
        expect(disk.syncsRunning).toBe(0)
        shard.apply([{ journalId: 'j', seq: 2, commitTs: 20, writes: [{ key, value: '"b"' }] }], 20)
        expect(disk.syncs).toBe(2)
        expect(shard.get(key, 20)).toBe('"b"')
      } finally {
        shard.close()
      }
      expect(disk.closes).toBe(1)
    })
  }
})
