// File I/O with explicit durability (ARCHITECTURE.md "disk"): the journal and the cluster secret
// write through this, so the simulator can lose unsynced writes and tear the tail on a crash.

/** One open file. Appends are buffered by the OS until `sync()` resolves. */
export interface DiskFile {
  /** Current length in bytes, including appended but unsynced bytes. */
  size(): number
  /** Appends at the end. Not durable until a later `sync()` resolves. */
  append(data: Uint8Array): void
  /** Makes every earlier append durable (fsync). Rejects on an I/O error. */
  sync(): Promise<void>
  /** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Uint8Array
  /** Cuts the file to `size` bytes (used to drop a torn tail); durable after the next `sync()`. */
  truncate(size: number): void
  close(): void
}

/** A directory tree of files. Paths are plain strings; `/` separated. */
export interface Disk {
  mkdirp(dir: string): void
  /** File names (not paths) directly in `dir`, sorted; empty when `dir` does not exist. */
  list(dir: string): string[]
  exists(path: string): boolean
  /** Opens for reading and appending, creating the file when missing. */
  open(path: string): DiskFile
  /** The whole file, or undefined when it does not exist. */
  readFile(path: string): Uint8Array | undefined
  /** Replaces a file atomically and durably (temp file, fsync, rename, fsync of the directory). */
  writeFileAtomic(path: string, data: Uint8Array): Promise<void>
  /** Creates a file atomically and durably unless it exists; false when it already did (another
   * process may have created it at the same moment: exactly one creator wins). */
  createFileExclusive(path: string, data: Uint8Array): Promise<boolean>
  remove(path: string): void
  /** Removes directory `dir` with the files directly in it (it holds no subdirectory), durably
   * (the parent directory is synced); nothing when it does not exist. A retired journal's files go
   * this way. */
  removeDir(dir: string): void
}

/**
 * The host file system (node:fs). `append` is a synchronous write to the OS cache, `sync` an
 * async fsync, so appends keep flowing while an fsync runs (the journal's group commit relies on
 * it). Creating a file or directory also fsyncs its parent directory.
 */
export { NodeDisk } from './node-disk.ts'
/**
 * An in-memory disk for tests and the simulator: tracks durable vs unsynced bytes; `crash()`
 * drops the unsynced ones (or tears them, seeded) and kills every view and handle of the disk, so
 * the "dead" process cannot write again; `restart()` is the view of the next process. Faults:
 * sync latency on injected timers, torn writes, transient bad reads, failing syncs, a full disk
 * (`capacityBytes`: appends and atomic writes past it fail with ENOSPC).
 */
export {
  SimDisk,
  type SimDiskFaults,
  type SimDiskOptions,
  type SimDiskRandom,
  type SimDiskTimers,
} from './sim-disk.ts'

/**
 * Whether `error` says the file system is out of space (ENOSPC) or the user's quota is spent
 * (EDQUOT): a condition freeing space ends, unlike an I/O error of the device. Writers tell their
 * callers `53100 disk_full` for it.
 */
export function isNoSpace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

/** Tests: a disk over another that counts files opened, syncs (and those still running) and
 * closes, and can make every sync fail (`failSyncs`). */
export { CountingDisk } from './counting-disk.harness.ts'
