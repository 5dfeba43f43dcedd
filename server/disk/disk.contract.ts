// The contract every `Disk` honours (STYLE.md "one contract suite per interface"): run against the
// real file system and the simulator alike, so the fake cannot drift from the real thing.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type { Disk } from './index.ts'

/** A disk to test plus a fresh, existing directory on it; `cleanup` runs after each test. */
export interface DiskUnderTest {
  readonly disk: Disk
  readonly root: string
  readonly cleanup?: () => void
}

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array | undefined) =>
  data === undefined ? undefined : new TextDecoder().decode(data)

/** Registers the Disk contract tests for one implementation. */
export function diskContract(name: string, make: () => DiskUnderTest): void {
  // Goal: the observable behaviour the journal and the secret store rely on, without crashes.
  // Method: drive each operation through the interface only and read the results back.
  describe(`Disk contract: ${name}`, () => {
    let t: DiskUnderTest
    beforeEach(() => {
      t = make()
    })
    afterEach(() => t.cleanup?.())

    test('mkdirp, list and exists', () => {
      const dir = `${t.root}/a/b/c`
      expect(t.disk.exists(dir)).toBe(false)
      expect(t.disk.list(dir)).toEqual([])
      t.disk.mkdirp(dir)
      t.disk.mkdirp(dir)
      expect(t.disk.exists(dir)).toBe(true)
      for (const n of ['z.seg', 'a.seg', 'm.seg']) t.disk.open(`${dir}/${n}`).close()
      t.disk.mkdirp(`${dir}/sub`)
      t.disk.open(`${dir}/sub/inner`).close()
      expect(t.disk.list(dir)).toEqual(['a.seg', 'm.seg', 'z.seg'])
      expect(t.disk.exists(`${dir}/a.seg`)).toBe(true)
      expect(t.disk.exists(`${dir}/b.seg`)).toBe(false)
    })

    test('open creates an empty file; opening in a missing directory throws', () => {
      const f = t.disk.open(`${t.root}/new`)
      expect(f.size()).toBe(0)
      expect(f.read(0, 10).byteLength).toBe(0)
      f.close()
      expect(text(t.disk.readFile(`${t.root}/new`))).toBe('')
      expect(() => t.disk.open(`${t.root}/missing/file`)).toThrow()
    })

    test('append, size, read, sync and reopen', async () => {
      const path = `${t.root}/log`
      const f = t.disk.open(path)
      f.append(bytes('hello '))
      f.append(bytes('world'))
      expect(f.size()).toBe(11)
      expect(text(f.read(0, 5))).toBe('hello')
      expect(text(f.read(6, 100))).toBe('world')
      expect(f.read(11, 5).byteLength).toBe(0)
      expect(f.read(50, 5).byteLength).toBe(0)
      await f.sync()
      f.close()
      const g = t.disk.open(path)
      expect(g.size()).toBe(11)
      g.append(bytes('!'))
      expect(text(g.read(0, 100))).toBe('hello world!')
      await g.sync()
      g.close()
      expect(text(t.disk.readFile(path))).toBe('hello world!')
    })

    test('appends issued while a sync runs are kept in order', async () => {
      const f = t.disk.open(`${t.root}/group`)
      f.append(bytes('a'))
      const first = f.sync()
      f.append(bytes('b'))
      const second = f.sync()
      f.append(bytes('c'))
      await Promise.all([first, second, f.sync()])
      expect(text(f.read(0, 10))).toBe('abc')
      f.close()
    })

    test('truncate cuts the tail and appends continue after it', async () => {
      const path = `${t.root}/cut`
      const f = t.disk.open(path)
      f.append(bytes('0123456789'))
      await f.sync()
      f.truncate(4)
      expect(f.size()).toBe(4)
      f.append(bytes('xy'))
      await f.sync()
      expect(text(f.read(0, 100))).toBe('0123xy')
      f.close()
      expect(text(t.disk.readFile(path))).toBe('0123xy')
    })

    test('close waits for nothing but is safe while a sync is in flight', async () => {
      const f = t.disk.open(`${t.root}/closing`)
      f.append(bytes('data'))
      const done = f.sync()
      f.close()
      await done
      expect(text(t.disk.readFile(`${t.root}/closing`))).toBe('data')
    })

    test('removeDir removes a directory with its files, and nothing when it is absent', async () => {
      const dir = `${t.root}/journal`
      t.disk.mkdirp(dir)
      for (const n of ['00000001.seg', '00000009.seg']) {
        const f = t.disk.open(`${dir}/${n}`)
        f.append(bytes(n))
        await f.sync()
        f.close()
      }
      t.disk.open(`${t.root}/kept`).close()
      t.disk.removeDir(dir)
      expect(t.disk.exists(dir)).toBe(false)
      expect(t.disk.list(dir)).toEqual([])
      expect(t.disk.readFile(`${dir}/00000001.seg`)).toBeUndefined()
      expect(t.disk.list(t.root)).toEqual(['kept'])
      t.disk.removeDir(dir)
      // A directory made again starts empty.
      t.disk.mkdirp(dir)
      expect(t.disk.list(dir)).toEqual([])
    })

    test('readFile, writeFileAtomic and remove', async () => {
      const path = `${t.root}/secret`
      expect(t.disk.readFile(path)).toBeUndefined()
      await t.disk.writeFileAtomic(path, bytes('one'))
      expect(text(t.disk.readFile(path))).toBe('one')
      await t.disk.writeFileAtomic(path, bytes('two, longer'))
      expect(text(t.disk.readFile(path))).toBe('two, longer')
      expect(t.disk.list(t.root)).toEqual(['secret'])
      t.disk.remove(path)
      expect(t.disk.exists(path)).toBe(false)
      expect(t.disk.readFile(path)).toBeUndefined()
      t.disk.remove(path)
    })

    test('createFileExclusive: exactly one of racing creators wins; the loser changes nothing', async () => {
      const path = `${t.root}/once`
      const results = await Promise.all([
        t.disk.createFileExclusive(path, bytes('first')),
        t.disk.createFileExclusive(path, bytes('second')),
      ])
      expect(results.filter(Boolean).length).toBe(1)
      const winner = text(t.disk.readFile(path)) as string
      expect(['first', 'second']).toContain(winner)
      expect(await t.disk.createFileExclusive(path, bytes('third'))).toBe(false)
      expect(text(t.disk.readFile(path))).toBe(winner)
      // No temporary file is left behind.
      expect(t.disk.list(t.root)).toEqual(['once'])
    })

    test('binary data round-trips exactly', async () => {
      const data = new Uint8Array(70_000)
      for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff
      const f = t.disk.open(`${t.root}/bin`)
      f.append(data.subarray(0, 1000))
      f.append(data.subarray(1000))
      await f.sync()
      expect(f.read(0, data.length)).toEqual(data)
      expect(f.read(65_000, 10)).toEqual(data.slice(65_000, 65_010))
      f.close()
      expect(t.disk.readFile(`${t.root}/bin`)).toEqual(data)
    })
  })
}
