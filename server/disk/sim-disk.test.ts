// SimDisk's fault model (STYLE.md "Determinism"): a crash loses exactly the unsynced bytes (or
// tears them), never a synced one; sync latency follows virtual time; faults are seeded.
import { describe, expect, test } from 'bun:test'
import { SeededRandom, SimClock } from '../clock/index.ts'
import { isNoSpace, SimDisk } from './index.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array | undefined) => new TextDecoder().decode(data)

describe('SimDisk crash', () => {
  // Goal: durable means synced. Method: interleave appends, syncs and truncations, crash, and
  // compare the surviving content with what was synced.
  test('drops unsynced appends and keeps synced ones', async () => {
    const disk = new SimDisk()
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    f.append(bytes('durable'))
    await f.sync()
    f.append(bytes('-lost'))
    expect(disk.unsyncedBytes('/d/f')).toBe(5)
    disk.crash()
    expect(() => f.append(bytes('x'))).toThrow(/crash/)
    expect(() => disk.open('/d/g')).toThrow(/crash/)
    const after = disk.restart()
    expect(text(after.readFile('/d/f'))).toBe('durable')
    expect(after.open('/d/f').size()).toBe(7)
    expect(after.list('/d')).toEqual(['f'])
  })

  test('an fsync covers only appends issued before it', async () => {
    const clock = new SimClock()
    const disk = new SimDisk({ timers: clock, faults: { syncLatencyMsMin: 2 } })
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    f.append(bytes('a'))
    let synced = false
    const done = f.sync().then(() => (synced = true))
    f.append(bytes('b'))
    clock.advance(1)
    await Promise.resolve()
    expect(synced).toBe(false)
    clock.advance(1)
    await done
    expect(disk.syncCount).toBe(1)
    disk.crash()
    expect(text(disk.restart().readFile('/d/f'))).toBe('a')
  })

  test('a sync in flight at the crash rejects and makes nothing durable', async () => {
    const clock = new SimClock()
    const disk = new SimDisk({ timers: clock, faults: { syncLatencyMsMin: 1 } })
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    f.append(bytes('abc'))
    const pending = f.sync()
    disk.crash()
    clock.advance(1)
    await expect(pending).rejects.toThrow(/crash/)
    expect(text(disk.restart().readFile('/d/f'))).toBe('')
  })

  test('an unsynced truncation below durable bytes is undone by a crash', async () => {
    const disk = new SimDisk()
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    f.append(bytes('0123456789'))
    await f.sync()
    f.truncate(3)
    f.append(bytes('xyz'))
    disk.crash()
    const second = disk.restart()
    expect(text(second.readFile('/d/f'))).toBe('0123456789')
    const g = second.open('/d/f')
    g.truncate(3)
    g.append(bytes('xyz'))
    await g.sync()
    second.crash()
    expect(text(second.restart().readFile('/d/f'))).toBe('012xyz')
  })

  test('torn writes keep a seeded random prefix of the unsynced bytes, never more', async () => {
    const lengths = new Set<number>()
    for (let seed = 1; seed <= 40; seed++) {
      const disk = new SimDisk({
        random: new SeededRandom(seed),
        faults: { tornWriteProbability: 1 },
      })
      disk.mkdirp('/d')
      const f = disk.open('/d/f')
      f.append(bytes('synced|'))
      await f.sync()
      f.append(bytes('unsynced-one|'))
      f.append(bytes('unsynced-two'))
      disk.crash()
      const after = text(disk.restart().readFile('/d/f'))
      expect('synced|unsynced-one|unsynced-two'.startsWith(after)).toBe(true)
      expect(after.length).toBeGreaterThanOrEqual(7)
      expect(after.length).toBeLessThan(32)
      lengths.add(after.length)
    }
    expect(lengths.size).toBeGreaterThan(5)
  })

  test('the same seed gives the same torn result', async () => {
    const run = async () => {
      let disk = new SimDisk({ random: new SeededRandom(7), faults: { tornWriteProbability: 0.5 } })
      disk.mkdirp('/d')
      const out: number[] = []
      for (let i = 0; i < 20; i++) {
        const f = disk.open(`/d/f${i}`)
        f.append(new Uint8Array(100))
        disk.crash()
        disk = disk.restart()
        out.push(disk.readFile(`/d/f${i}`)!.byteLength)
      }
      return out
    }
    expect(await run()).toEqual(await run())
  })
})

describe('SimDisk faults', () => {
  // Goal: injected faults appear at their configured rate and can be switched off again.
  test('bad reads flip one bit of the copy, never the stored bytes', () => {
    const disk = new SimDisk({ random: new SeededRandom(3), faults: { badReadProbability: 1 } })
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    const data = new Uint8Array(32).fill(0xaa)
    f.append(data)
    const read = f.read(0, 32)
    let differingBits = 0
    for (let i = 0; i < 32; i++) {
      let x = read[i]! ^ data[i]!
      for (; x; x &= x - 1) differingBits++
    }
    expect(differingBits).toBe(1)
    disk.setFaults({})
    expect(f.read(0, 32)).toEqual(data)
  })

  test('sync failures reject and make nothing durable', async () => {
    const disk = new SimDisk({ random: new SeededRandom(1), faults: { syncFailureProbability: 1 } })
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    f.append(bytes('x'))
    await expect(f.sync()).rejects.toThrow(/EIO/)
    disk.crash()
    expect(disk.restart().readFile('/d/f')!.byteLength).toBe(0)
  })

  test('a full disk: an append writes what fits and throws ENOSPC; atomic writes need room for the whole file; truncating frees room', async () => {
    const disk = new SimDisk()
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    f.append(bytes('abcd'))
    disk.setFaults({ capacityBytes: 6 })
    expect(() => f.append(bytes('efgh'))).toThrow(expect.objectContaining({ code: 'ENOSPC' }))
    let thrown: unknown
    try {
      f.append(bytes('x'))
    } catch (e) {
      thrown = e
    }
    expect(isNoSpace(thrown)).toBe(true)
    expect(text(f.read(0, 10))).toBe('abcdef')
    expect(disk.usedBytes()).toBe(6)
    await expect(disk.writeFileAtomic('/d/g', bytes('z'))).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(disk.exists('/d/g')).toBe(false)
    f.truncate(4)
    await disk.writeFileAtomic('/d/g', bytes('zz'))
    expect(text(disk.readFile('/d/g'))).toBe('zz')
    disk.setFaults({})
    f.append(bytes('0123456789'))
    expect(f.size()).toBe(14)
  })

  test('corrupt flips stored bytes, and bad fault settings are refused', () => {
    const disk = new SimDisk()
    disk.mkdirp('/d')
    const f = disk.open('/d/f')
    f.append(bytes('aaaa'))
    disk.corrupt('/d/f', 2)
    expect(text(f.read(0, 4))).not.toBe('aaaa')
    expect(() => disk.setFaults({ tornWriteProbability: 2 })).toThrow()
    expect(() => disk.setFaults({ syncLatencyMsMin: 1 })).toThrow(/timers/)
  })
})
