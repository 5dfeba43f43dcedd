// The disk watch's answers (docs/architecture.md "Failure handling: a full disk"). Goal: a commit
// or a begin on a healthy region costs one field read, not a walk over every writer; a failure a
// writer reports is refused from that moment (53100 for a full disk, 57P03 for another I/O error),
// a begin only while a writer that stops reads fails; and the refusal ends with the failure.
// Method: writers that count how often they are asked (the real ones, journals and shards, are
// exercised through a region in disk-full.test.ts).
import { describe, expect, test } from 'bun:test'
import { SimClock } from '../clock/index.ts'
import { diskFull, SqlError } from '../errors/index.ts'
import { DiskWatch, type DiskWriter } from './disk-watch.ts'

class CountingWriter implements DiskWriter {
  failing: SqlError | undefined
  asked = 0
  constructor(readonly stops: boolean) {}
  failure(): SqlError | undefined {
    this.asked++
    return this.failing
  }
  stopsReads(): boolean {
    return this.stops
  }
}

function watch() {
  const writers = [new CountingWriter(false), new CountingWriter(true)]
  let listed = 0
  const clock = new SimClock()
  const disk = new DiskWatch({ writers: () => (listed++, writers), timers: clock, intervalMs: 1_000, onEvent: undefined })
  return { writers, disk, listed: () => listed + writers.reduce((n, w) => n + w.asked, 0) }
}

describe('DiskWatch', () => {
  test('a healthy region: commits and begins ask no writer', () => {
    const { disk, listed } = watch()
    for (let i = 0; i < 1_000; i++) {
      expect(disk.refusal()).toBeUndefined()
      expect(disk.beginRefusal()).toBeUndefined()
    }
    expect(disk.reason()).toBeUndefined()
    expect(listed()).toBe(0)
    disk.close()
  })

  test('a failure is refused from the moment its writer tells it, until it ends', () => {
    const { writers, disk } = watch()
    const [journal, shard] = writers as [CountingWriter, CountingWriter]
    journal.failing = diskFull('could not write journal local/j0', { hint: 'Free disk space.' })
    disk.changed()
    expect(disk.refusal()).toMatchObject({
      code: '53100',
      message: 'cannot commit now: could not write journal local/j0: no space left on device; nothing was written',
      hint: 'Free disk space.',
    })
    // A leader journal that failed closes again once it cut its failed write: reads go on.
    expect(disk.beginRefusal()).toBeUndefined()
    shard.failing = new SqlError('58030', 'could not write storage shard 0: disk I/O error')
    disk.changed()
    expect(disk.beginRefusal()).toMatchObject({ code: '57P03', message: 'cannot begin now: could not write storage shard 0: disk I/O error' })
    expect(disk.reason()).toBe('could not write journal local/j0: no space left on device; could not write storage shard 0: disk I/O error')
    journal.failing = undefined
    shard.failing = undefined
    disk.changed()
    expect(disk.refusal()).toBeUndefined()
    expect(disk.beginRefusal()).toBeUndefined()
    expect(disk.reason()).toBeUndefined()
    disk.close()
  })
})
