// Storage (ARCHITECTURE.md "storage"): a file shard's SQLite WAL synced in the background after
// its writes, so that the checkpoint SQLite runs inside a later write finds little left to sync.
import type { Disk, DiskFile } from '../disk/index.ts'

/**
 * With synchronous=NORMAL, SQLite writes WAL frames without syncing them and syncs the whole WAL
 * inside its checkpoint, on the region's thread: under a steady write load that fsync took 6-10 ms
 * (a thousand pages of WAL) of a 12-21 ms stall of every request, a few times a second. An fsync
 * of the same file started here runs on the runtime's thread pool while the thread serves
 * requests, so SQLite's own sync at the checkpoint only has the frames written since. Nothing
 * about durability changes: SQLite still syncs before it relies on the WAL, this only does some
 * of that work earlier.
 */
export class WalPresync {
  readonly #disk: Disk
  readonly #path: string
  #file: DiskFile | undefined
  #syncing = false
  #stopped = false

  /** `walPath` is the shard's `-wal` file, which SQLite creates at its first write. */
  constructor(disk: Disk, walPath: string) {
    this.#disk = disk
    this.#path = walPath
  }

  /** After a write transaction: starts a background fsync of the WAL unless one is running. */
  afterWrite(): void {
    if (this.#syncing || this.#stopped) return
    try {
      // Opened only once SQLite made it: opening would otherwise create the file.
      if (this.#file === undefined) {
        if (!this.#disk.exists(this.#path)) return
        this.#file = this.#disk.open(this.#path)
      }
    } catch {
      // Out of descriptors, say: the checkpoint syncs everything itself, as without this.
      this.#stopped = true
      return
    }
    this.#syncing = true
    this.#file.sync().then(
      () => {
        this.#syncing = false
      },
      () => {
        // A failed fsync is left to SQLite's own: Linux reports a writeback error to every
        // descriptor open on the file when it happened, SQLite's included, so its checkpoint fails
        // as it would have, and the shard's write-failure handling takes over. Syncing again here
        // would only repeat the error.
        this.#syncing = false
        this.#stopped = true
      },
    )
  }

  /** Stops and closes the file (a running fsync finishes first; the disk defers the close). */
  close(): void {
    this.#stopped = true
    this.#file?.close()
    this.#file = undefined
  }
}
