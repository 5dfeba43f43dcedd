// File I/O on the host file system (ARCHITECTURE.md "disk, encoding, errors"): appends go to the
// OS page cache synchronously, `sync()` is an async fsync so appends keep flowing meanwhile.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  ftruncateSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmdirSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { link, open as openAsync, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { assert } from '../errors/index.ts'
import type { Disk, DiskFile } from './index.ts'

/** The host file system. Creating a file or directory also fsyncs its parent directory. */
export class NodeDisk implements Disk {
  #tempCounter = 0

  mkdirp(dir: string): void {
    const first = mkdirSync(dir, { recursive: true })
    if (first === undefined) return
    // Every newly created level must survive a power loss, so its parent entry is synced.
    for (let d = dir; ; d = dirname(d)) {
      syncDirectory(dirname(d))
      if (d === first || dirname(d) === d) break
    }
  }

  list(dir: string): string[] {
    if (!existsSync(dir)) return []
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort()
  }

  exists(path: string): boolean {
    return existsSync(path)
  }

  open(path: string): DiskFile {
    const existed = existsSync(path)
    const fd = openSync(path, 'a+')
    try {
      if (!existed) syncDirectory(dirname(path))
      return new NodeDiskFile(fd, fstatSync(fd).size)
    } catch (e) {
      // The caller never gets the descriptor: a file system that fails here again and again
      // (full, failing) must not leak one per attempt.
      closeSync(fd)
      throw e
    }
  }

  readFile(path: string): Uint8Array | undefined {
    try {
      const buffer = readFileSync(path)
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
  }

  async writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
    const temp = await this.#writeTemp(path, data)
    try {
      await rename(temp, path)
    } catch (e) {
      rmSync(temp, { force: true })
      throw e
    }
    await syncDir(dirname(path))
  }

  async createFileExclusive(path: string, data: Uint8Array): Promise<boolean> {
    const temp = await this.#writeTemp(path, data)
    // link() never replaces an existing name: of two processes racing, one gets EEXIST.
    try {
      await link(temp, path)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw e
    } finally {
      rmSync(temp, { force: true })
    }
    await syncDir(dirname(path))
    return true
  }

  /** Writes `data` to a fresh temporary file beside `path` and fsyncs it; returns its name. */
  async #writeTemp(path: string, data: Uint8Array): Promise<string> {
    const temp = `${path}.tmp-${process.pid}-${this.#tempCounter++}`
    const handle = await openAsync(temp, 'w')
    try {
      await handle.writeFile(data)
      await handle.sync()
    } catch (e) {
      // A write that failed (a full disk) must not leave its partial temporary file behind: each
      // retry would leave another, filling the disk further.
      await handle.close()
      rmSync(temp, { force: true })
      throw e
    }
    await handle.close()
    return temp
  }

  remove(path: string): void {
    rmSync(path, { force: true })
  }

  removeDir(dir: string): void {
    if (!existsSync(dir)) return
    for (const name of readdirSync(dir)) rmSync(`${dir}/${name}`)
    rmdirSync(dir)
    syncDirectory(dirname(dir))
  }
}

/** One open file descriptor in append mode; the size is tracked here to avoid an fstat per call. */
class NodeDiskFile implements DiskFile {
  readonly #fd: number
  #size: number
  #syncsInFlight = 0
  #closeRequested = false

  constructor(fd: number, size: number) {
    this.#fd = fd
    this.#size = size
  }

  size(): number {
    return this.#size
  }

  append(data: Uint8Array): void {
    this.#assertOpen()
    let written = 0
    try {
      while (written < data.byteLength) {
        written += writeSync(this.#fd, data, written, data.byteLength - written)
      }
    } finally {
      // A write that runs out of space may have written part of the data first (a short write,
      // then ENOSPC): that part is in the file, and the size must say so, or a later truncate
      // to an offset below it would be refused and later appends misplaced.
      this.#size += written
    }
  }

  sync(): Promise<void> {
    this.#assertOpen()
    this.#syncsInFlight++
    return new Promise<void>((resolve, reject) => {
      fsync(this.#fd, (error) => {
        this.#syncsInFlight--
        if (this.#closeRequested && this.#syncsInFlight === 0) closeSync(this.#fd)
        if (error) reject(error)
        else resolve()
      })
    })
  }

  read(offset: number, length: number): Uint8Array {
    this.#assertOpen()
    assert(offset >= 0 && length >= 0, `bad read range ${offset}+${length}`)
    const end = Math.min(this.#size, offset + length)
    const out = new Uint8Array(Math.max(0, end - offset))
    let done = 0
    while (done < out.byteLength) {
      const n = readSync(this.#fd, out, done, out.byteLength - done, offset + done)
      if (n === 0) break
      done += n
    }
    return done === out.byteLength ? out : out.subarray(0, done)
  }

  truncate(size: number): void {
    this.#assertOpen()
    assert(size >= 0 && size <= this.#size, `truncate to ${size} outside 0..${this.#size}`)
    ftruncateSync(this.#fd, size)
    this.#size = size
  }

  close(): void {
    if (this.#closeRequested) return
    this.#closeRequested = true
    // Closing the descriptor under a running fsync would make that fsync fail or hit a reused fd.
    if (this.#syncsInFlight === 0) closeSync(this.#fd)
  }

  #assertOpen(): void {
    assert(!this.#closeRequested, 'disk file used after close')
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Makes a rename or link in `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await openAsync(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
