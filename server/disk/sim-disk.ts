// An in-memory disk for the deterministic simulator (STYLE.md "Determinism"): it remembers which
// bytes are durable, so `crash()` can lose unsynced appends and tear the last write to disk.
import { posix } from 'node:path'
import { assert } from '../errors/index.ts'
import type { Disk, DiskFile } from './index.ts'

/**
 * The faults a `SimDisk` injects. All probabilities are in [0, 1]; everything defaults to off.
 * They stay within what the journal claims to survive: fsync'd bytes are never lost or changed.
 */
export interface SimDiskFaults {
  /** Virtual milliseconds a `sync()` takes, drawn uniformly in [min, max]; needs `timers`. */
  readonly syncLatencyMsMin?: number
  readonly syncLatencyMsMax?: number
  /** On `crash()`, per file with unsynced bytes: keep a random prefix of them (a torn write). */
  readonly tornWriteProbability?: number
  /** Per `read()`/`readFile()`: one bit of the returned copy is flipped (a transient bad read). */
  readonly badReadProbability?: number
  /** Per `sync()`: it rejects with an I/O error and makes nothing durable. */
  readonly syncFailureProbability?: number
  /**
   * A full file system: the bytes all files may hold together. An append past it writes what
   * fits and throws ENOSPC (as a `write` that runs out of blocks: a short write, then the error);
   * `writeFileAtomic` and `createFileExclusive` need room for the whole new file beside the old
   * one (the old one goes only at the rename) and write nothing without it. Truncating or removing
   * files frees room. Undefined: no limit.
   */
  readonly capacityBytes?: number
}

/** The randomness a `SimDisk` needs; `SeededRandom` from server/clock fits. */
export interface SimDiskRandom {
  next(): number
}

/** The timers a `SimDisk` needs for sync latency; `SimClock` from server/clock fits. */
export interface SimDiskTimers {
  sleep(ms: number): Promise<void>
}

export interface SimDiskOptions {
  readonly random?: SimDiskRandom
  readonly timers?: SimDiskTimers
  readonly faults?: SimDiskFaults
}

/**
 * One file's bytes. `bytes[0, durableLength)` survives a crash, unless a truncation below the
 * durable length has not been synced yet: then `durableBefore` holds the content a crash restores.
 */
class SimFileState {
  bytes = new Uint8Array(64)
  length = 0
  durableLength = 0
  durableBefore: Uint8Array | undefined = undefined
  /** Bumped by every truncation, so a sync that straddles one knows it. */
  truncations = 0

  constructor(content?: Uint8Array) {
    if (content) {
      this.bytes = new Uint8Array(Math.max(64, content.byteLength))
      this.bytes.set(content)
      this.length = content.byteLength
      this.durableLength = content.byteLength
    }
  }

  content(): Uint8Array {
    return this.bytes.slice(0, this.length)
  }

  append(data: Uint8Array): void {
    const needed = this.length + data.byteLength
    if (needed > this.bytes.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.byteLength * 2))
      grown.set(this.bytes.subarray(0, this.length))
      this.bytes = grown
    }
    this.bytes.set(data, this.length)
    this.length = needed
  }

  truncate(size: number): void {
    if (size < this.durableLength) {
      this.durableBefore ??= this.bytes.slice(0, this.durableLength)
      this.durableLength = size
    }
    this.length = size
    this.truncations++
  }

  /** Marks durable what an fsync started at (`length`, `truncations`) covers. */
  synced(length: number, truncations: number): void {
    // A truncation after the fsync started: the disk may as well have persisted everything.
    const covered = truncations === this.truncations ? length : this.length
    this.durableBefore = undefined
    this.durableLength = Math.min(this.length, Math.max(this.durableLength, covered))
  }

  /** The content after a power loss; `keep` picks how many unsynced bytes reached the disk. */
  crash(keep: (unsynced: number) => number): void {
    if (this.durableBefore) {
      const before = this.durableBefore
      this.durableBefore = undefined
      this.bytes = new Uint8Array(Math.max(64, before.byteLength))
      this.bytes.set(before)
      this.length = this.durableLength = before.byteLength
      return
    }
    const unsynced = this.length - this.durableLength
    const kept = unsynced > 0 ? keep(unsynced) : 0
    assert(kept >= 0 && kept <= unsynced, 'torn write kept more than was written')
    this.length = this.durableLength = this.durableLength + kept
  }
}

/** What all views of one simulated disk share: the files and the fault settings. */
class SimStore {
  readonly files = new Map<string, SimFileState>()
  readonly dirs = new Set<string>(['/', '.'])
  readonly random: SimDiskRandom
  readonly timers: SimDiskTimers | undefined
  faults: SimDiskFaults = {}
  /** Bumped by each crash; views and handles of an older incarnation are dead. */
  incarnation = 0
  syncCount = 0

  constructor(options: SimDiskOptions) {
    this.random = options.random ?? fixedSequence()
    this.timers = options.timers
  }
}

/**
 * In-memory `Disk`. Directory entries (create, remove) are durable at once; file bytes only after
 * `sync()`. `crash()` is a power loss: unsynced bytes vanish (or are torn, per the faults), and
 * this view, every other view and every open handle die: their later calls throw and their
 * pending syncs reject, so code of the "dead" process cannot touch the disk again. `restart()`
 * gives the view a restarted process uses.
 */
export class SimDisk implements Disk {
  // Not readonly: `restart()` builds a view on an existing store.
  #store: SimStore
  #incarnation: number
  /** Paths a createFileExclusive is writing. */
  readonly #creating = new Set<string>()

  constructor(options: SimDiskOptions = {}) {
    this.#store = new SimStore(options)
    this.#incarnation = 0
    this.setFaults(options.faults ?? {})
  }

  /** Successful file syncs so far, over all views (group-commit tests count them). */
  get syncCount(): number {
    return this.#store.syncCount
  }

  /** The bytes all files hold now (what `capacityBytes` limits). */
  usedBytes(): number {
    let used = 0
    for (const state of this.#store.files.values()) used += state.length
    return used
  }

  /** Replaces the fault settings (a simulator varies them per phase). */
  setFaults(f: SimDiskFaults): void {
    for (const p of [f.tornWriteProbability, f.badReadProbability, f.syncFailureProbability]) {
      assert(p === undefined || (p >= 0 && p <= 1), `fault probability ${p} outside [0, 1]`)
    }
    const min = f.syncLatencyMsMin ?? 0
    assert(min >= 0 && (f.syncLatencyMsMax ?? min) >= min, 'sync latency range is inverted')
    assert(f.capacityBytes === undefined || f.capacityBytes >= 0, `capacity ${f.capacityBytes} is negative`)
    assert(min === 0 || this.#store.timers, 'sync latency needs injected timers')
    this.#store.faults = f
  }

  mkdirp(dir: string): void {
    this.#checkAlive()
    const dirs = this.#store.dirs
    for (let d = normalize(dir); !dirs.has(d); d = posix.dirname(d)) dirs.add(d)
  }

  list(dir: string): string[] {
    this.#checkAlive()
    const d = normalize(dir)
    const names: string[] = []
    for (const path of this.#store.files.keys()) {
      if (posix.dirname(path) === d) names.push(posix.basename(path))
    }
    return names.sort()
  }

  exists(path: string): boolean {
    this.#checkAlive()
    const p = normalize(path)
    return this.#store.files.has(p) || this.#store.dirs.has(p)
  }

  open(path: string): DiskFile {
    this.#checkAlive()
    const p = normalize(path)
    let state = this.#store.files.get(p)
    if (!state) {
      this.#assertParent(p)
      state = new SimFileState()
      this.#store.files.set(p, state)
    }
    return new SimDiskFile(this, state, this.#incarnation)
  }

  readFile(path: string): Uint8Array | undefined {
    this.#checkAlive()
    const state = this.#store.files.get(normalize(path))
    return state ? this.maybeBadRead(state.content()) : undefined
  }

  async writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
    this.#checkAlive()
    const p = normalize(path)
    this.#assertParent(p)
    const copy = data.slice()
    if (this.roomBytes() < copy.byteLength) throw noSpace(`write of ${p}`)
    await this.syncDelay()
    if (!this.alive(this.#incarnation)) throw new Error(`simulated crash during write of ${p}`)
    this.#failSyncMaybe(p)
    this.#store.files.set(p, new SimFileState(copy))
  }

  async createFileExclusive(path: string, data: Uint8Array): Promise<boolean> {
    const p = normalize(path)
    this.#checkAlive()
    // Claimed before the first await, as a real link() claims the name in one system call.
    if (this.#store.files.has(p) || this.#creating.has(p)) return false
    this.#creating.add(p)
    try {
      await this.writeFileAtomic(p, data)
    } finally {
      this.#creating.delete(p)
    }
    return true
  }

  remove(path: string): void {
    this.#checkAlive()
    this.#store.files.delete(normalize(path))
  }

  removeDir(dir: string): void {
    this.#checkAlive()
    const d = normalize(dir)
    for (const path of [...this.#store.files.keys()]) if (posix.dirname(path) === d) this.#store.files.delete(path)
    for (const other of this.#store.dirs) assert(posix.dirname(other) !== d, `${d} holds directory ${other}`)
    this.#store.dirs.delete(d)
  }

  /** A power loss: keeps durable bytes, maybe a torn prefix of the unsynced ones, nothing else. */
  crash(): void {
    const store = this.#store
    store.incarnation++
    const torn = store.faults.tornWriteProbability ?? 0
    for (const state of store.files.values()) {
      state.crash((unsynced) =>
        store.random.next() < torn ? Math.floor(store.random.next() * unsynced) : 0,
      )
    }
  }

  /** The disk as a process started after the last crash sees it. */
  restart(): SimDisk {
    const view = new SimDisk()
    view.#store = this.#store
    view.#incarnation = this.#store.incarnation
    return view
  }

  /** Flips one bit of the stored bytes (durable too): media corruption, for recovery tests. */
  corrupt(path: string, offset: number): void {
    const state = this.#store.files.get(normalize(path))
    assert(state && offset >= 0 && offset < state.length, `nothing to corrupt at ${path}:${offset}`)
    state.bytes[offset]! ^= 0x10
  }

  /** Bytes of `path` appended (or truncated) but not yet synced; 0 when none or no file. */
  unsyncedBytes(path: string): number {
    const state = this.#store.files.get(normalize(path))
    if (!state) return 0
    return state.durableBefore ? state.length : state.length - state.durableLength
  }

  /** Internal: the bytes an append may still add before the disk is full (Infinity: no limit). */
  roomBytes(): number {
    const capacity = this.#store.faults.capacityBytes
    return capacity === undefined ? Number.POSITIVE_INFINITY : Math.max(0, capacity - this.usedBytes())
  }

  /** Internal to SimDiskFile: whether a handle opened in `incarnation` is still alive. */
  alive(incarnation: number): boolean {
    return incarnation === this.#store.incarnation
  }

  /** Internal to SimDiskFile: completes one file sync after the configured latency. */
  async syncFile(state: SimFileState, incarnation: number): Promise<void> {
    const length = state.length
    const truncations = state.truncations
    await this.syncDelay()
    if (!this.alive(incarnation)) throw new Error('simulated crash during fsync')
    this.#failSyncMaybe('file')
    state.synced(length, truncations)
    this.#store.syncCount++
  }

  /** Internal: a copy of `bytes` with one bit flipped, at the configured rate. */
  maybeBadRead(bytes: Uint8Array): Uint8Array {
    const p = this.#store.faults.badReadProbability ?? 0
    const random = this.#store.random
    if (bytes.byteLength === 0 || p === 0 || random.next() >= p) return bytes
    const copy = bytes.slice()
    const bit = Math.floor(random.next() * copy.byteLength * 8)
    copy[bit >> 3]! ^= 1 << (bit & 7)
    return copy
  }

  /** Internal: waits the configured sync latency (a microtask when there is none). */
  syncDelay(): Promise<void> {
    const faults = this.#store.faults
    const min = faults.syncLatencyMsMin ?? 0
    const max = faults.syncLatencyMsMax ?? min
    const ms = min + (max - min) * this.#store.random.next()
    const timers = this.#store.timers
    if (ms <= 0 || !timers) return Promise.resolve()
    return timers.sleep(ms)
  }

  #failSyncMaybe(what: string): void {
    const p = this.#store.faults.syncFailureProbability ?? 0
    if (p > 0 && this.#store.random.next() < p) {
      throw Object.assign(new Error(`EIO: simulated fsync failure (${what})`), { code: 'EIO' })
    }
  }

  #checkAlive(): void {
    // Not an assert: code of the "dead" process may still run in the simulator after a crash.
    if (!this.alive(this.#incarnation)) throw new Error('simulated crash: this disk view is gone')
  }

  #assertParent(path: string): void {
    const parent = posix.dirname(path)
    if (!this.#store.dirs.has(parent)) {
      throw Object.assign(new Error(`ENOENT: no such directory ${parent}`), { code: 'ENOENT' })
    }
  }
}

class SimDiskFile implements DiskFile {
  readonly #disk: SimDisk
  readonly #state: SimFileState
  readonly #incarnation: number
  #closed = false

  constructor(disk: SimDisk, state: SimFileState, incarnation: number) {
    this.#disk = disk
    this.#state = state
    this.#incarnation = incarnation
  }

  size(): number {
    this.#check()
    return this.#state.length
  }

  append(data: Uint8Array): void {
    this.#check()
    const room = this.#disk.roomBytes()
    if (room >= data.byteLength) {
      this.#state.append(data)
      return
    }
    // A short write, then the error: the part that fit stays in the file (unsynced).
    this.#state.append(data.subarray(0, room))
    throw noSpace(`append of ${data.byteLength} bytes`)
  }

  sync(): Promise<void> {
    this.#check()
    return this.#disk.syncFile(this.#state, this.#incarnation)
  }

  read(offset: number, length: number): Uint8Array {
    this.#check()
    assert(offset >= 0 && length >= 0, `bad read range ${offset}+${length}`)
    const end = Math.min(this.#state.length, offset + length)
    const start = Math.min(offset, end)
    return this.#disk.maybeBadRead(this.#state.bytes.slice(start, end))
  }

  truncate(size: number): void {
    this.#check()
    assert(size >= 0 && size <= this.#state.length, `truncate to ${size} outside file`)
    this.#state.truncate(size)
  }

  close(): void {
    this.#closed = true
  }

  #check(): void {
    assert(!this.#closed, 'disk file used after close')
    // Not an assert: code of the "dead" process may still run in the simulator after a crash.
    if (!this.#disk.alive(this.#incarnation))
      throw new Error('simulated crash: file handle is gone')
  }
}

/** The error a full file system gives (node:fs shapes it so: `code` ENOSPC). */
function noSpace(what: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${what} (simulated)`), { code: 'ENOSPC' })
}

function normalize(path: string): string {
  const p = posix.normalize(path)
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p
}

/** Without an injected random source faults are off; this keeps crash() deterministic anyway. */
function fixedSequence(): SimDiskRandom {
  return { next: () => 0.5 }
}
