// A disk over another that counts what goes through it (tests: fsyncs of a group commit, the
// files a component opens), and can make every sync fail as a device error would.
import type { Disk, DiskFile } from './index.ts'

export class CountingDisk implements Disk {
  /** Paths opened, in order. */
  readonly opened: string[] = []
  syncs = 0
  /** Syncs asked for that have not settled yet. */
  syncsRunning = 0
  closes = 0
  /** While true, every sync rejects with an I/O error and makes nothing durable. */
  failSyncs = false

  constructor(readonly inner: Disk) {}

  open(path: string): DiskFile {
    this.opened.push(path)
    const file = this.inner.open(path)
    return {
      size: () => file.size(),
      append: (data) => file.append(data),
      read: (offset, length) => file.read(offset, length),
      truncate: (size) => file.truncate(size),
      close: () => {
        this.closes++
        file.close()
      },
      sync: () => {
        this.syncs++
        this.syncsRunning++
        const done = this.failSyncs ? Promise.reject(new Error('EIO: i/o error, fsync')) : file.sync()
        done.then(
          () => this.syncsRunning--,
          () => this.syncsRunning--,
        )
        return done
      },
    }
  }
  mkdirp(dir: string) {
    this.inner.mkdirp(dir)
  }
  list(dir: string) {
    return this.inner.list(dir)
  }
  exists(path: string) {
    return this.inner.exists(path)
  }
  readFile(path: string) {
    return this.inner.readFile(path)
  }
  writeFileAtomic(path: string, data: Uint8Array) {
    return this.inner.writeFileAtomic(path, data)
  }
  createFileExclusive(path: string, data: Uint8Array) {
    return this.inner.createFileExclusive(path, data)
  }
  remove(path: string) {
    this.inner.remove(path)
  }
  removeDir(dir: string) {
    this.inner.removeDir(dir)
  }
}
