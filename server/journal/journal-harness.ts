// Test support for the journal (STYLE.md "Determinism"): a journal on SimDisk and SimClock, a
// recording follower, and a way to let virtual time and pending promises run.
import { Hlc, SeededRandom, SimClock } from '../clock/index.ts'
import { SimDisk, type SimDiskFaults } from '../disk/index.ts'
import { assert } from '../errors/index.ts'
import { openFileJournal } from './file-journal.ts'
import type { CommitRecord, FileJournalConfig, Journal, JournalFollower } from './index.ts'

/** Everything a simulated journal runs on; `reopen()` is a restart after a crash or close. */
export class SimJournalWorld {
  readonly clock = new SimClock()
  readonly hlc = new Hlc(this.clock)
  /** The disk of the current process; replaced by `crash()`. */
  disk: SimDisk
  readonly dir = '/data/journal'
  readonly config: FileJournalConfig

  constructor(options: { seed?: number; faults?: SimDiskFaults; config?: FileJournalConfig } = {}) {
    this.disk = new SimDisk({
      random: new SeededRandom(options.seed ?? 1),
      timers: this.clock,
      faults: options.faults ?? { syncLatencyMsMin: 1 },
    })
    this.config = options.config ?? {}
  }

  /** Power loss: the journal open so far can no longer touch the disk; `open()` again after. */
  crash(): void {
    this.disk.crash()
    this.disk = this.disk.restart()
  }

  open(config: FileJournalConfig = this.config): Journal {
    return openFileJournal({
      id: 'j1',
      dir: this.dir,
      disk: this.disk,
      hlc: this.hlc,
      clock: this.clock,
      timers: this.clock,
      config,
    })
  }

  /** Advances virtual time until `promise` settles (at most `msMax` virtual ms), then returns it. */
  async until<T>(promise: Promise<T>, msMax = 1000): Promise<T> {
    let settled = false
    const watched = promise.finally(() => (settled = true))
    watched.catch(() => {})
    await settle()
    for (let i = 0; i < msMax && !settled; i++) {
      this.clock.advance(1)
      await settle()
    }
    assert(settled, `still pending after ${msMax} virtual ms`)
    return promise
  }

  /** Advances virtual time `ms` one millisecond at a time, letting promises settle after each. */
  async run(ms: number): Promise<void> {
    await settle()
    for (let i = 0; i < ms; i++) {
      this.clock.advance(1)
      await settle()
    }
  }
}

/** Lets every queued promise callback run (a macrotask boundary of the test runner). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A follower that records what it gets and checks the follower contract as it goes. */
export class RecordingFollower implements JournalFollower {
  readonly records: CommitRecord[] = []
  readonly closed: number[] = []

  onRecords(records: readonly CommitRecord[]): void {
    assert(records.length > 0, 'empty delivery')
    for (const r of records) {
      const last = this.records.at(-1)
      assert(last === undefined || r.seq === last.seq + 1, `seq ${r.seq} after ${last?.seq}`)
      assert(last === undefined || r.commitTs > last.commitTs, 'commitTs must increase')
      const closed = this.closed.at(-1)
      assert(
        closed === undefined || r.commitTs > closed,
        `record ${r.commitTs} <= closed ${closed}`,
      )
      this.records.push(r)
    }
  }

  onClosed(ts: number): void {
    const closed = this.closed.at(-1)
    assert(closed === undefined || ts > closed, `closed went from ${closed} to ${ts}`)
    this.closed.push(ts)
  }
}

/** A write set of `n` small writes, distinct per `tag`. */
export const writes = (tag: string, n = 2) =>
  Array.from({ length: n }, (_, i) => ({
    key: `6b${tag}${i}`,
    value: i % 3 === 2 ? null : `v${tag}`,
  }))
