// Storage shards for the cluster simulation that outlive a region's crash as far as they were made
// durable (ARCHITECTURE.md "Recovery"; "Journal compaction"): real SQLite files in a directory of
// the run, where what `makeDurable` reported survives, and, a power loss drawn, nothing more. With
// them the journals a crossbar compacted and the old generations a region retired are gone for
// good, so a restart that needs them fails the run; with in-memory shards (the other seeds) every
// restart replays every journal from its start.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SeededRandom, Timers } from '../../server/clock/index.ts'
import { openSqliteShard, type StorageShard } from '../../server/storage/index.ts'

/** The shards' files of every region of one run. */
export class SimStorage {
  readonly #dir: string
  readonly #random: SeededRandom
  /** The open shards of each region's running process. */
  readonly #open = new Map<string, StorageShard[]>()

  constructor(random: SeededRandom) {
    // Memory-backed when the host has it: a checkpoint's fsync is then free.
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
    this.#dir = mkdtempSync(join(base, 'tessera-cluster-sim-'))
    this.#random = random
  }

  /** Opens shard `id` of `region`'s new process; its `makeDurable` keeps a copy of what it made
   * durable, which is what a power loss leaves. */
  open(region: string, id: number, timers: Timers): StorageShard {
    mkdirSync(join(this.#dir, region), { recursive: true })
    const path = this.#path(region, id)
    const shard = openSqliteShard({ id, path, timers })
    const makeDurable = shard.makeDurable.bind(shard)
    shard.makeDurable = () => {
      const durable = makeDurable()
      // The checkpoint wrote everything into the database file (its WAL is empty): a copy of it
      // holds at least the positions reported, with their rows.
      copyFileSync(path, `${path}.durable`)
      return durable
    }
    this.#open.set(region, [...(this.#open.get(region) ?? []), shard])
    return shard
  }

  /** `region`'s process died: its shards close as a crash leaves them (the memtable lost), and,
   * one time in two, a power loss takes what was not made durable too. */
  crash(region: string): void {
    const shards = this.#open.get(region) ?? []
    this.#open.delete(region)
    for (const shard of shards) shard.close({ flush: false })
    if (this.#random.next() < 0.5) return
    for (const shard of shards) {
      const path = this.#path(region, shard.id)
      for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
      if (existsSync(`${path}.durable`)) copyFileSync(`${path}.durable`, path)
      else rmSync(path, { force: true })
    }
  }

  /** Removes every file (the shards of live processes were closed by their regions). */
  dispose(): void {
    this.#open.clear()
    rmSync(this.#dir, { recursive: true, force: true })
  }

  #path(region: string, id: number): string {
    return join(this.#dir, region, `shard-${id}.sqlite`)
  }
}
