// bench/adjudicator: commits per second through a region's adjudicators and REAL file journals
// (NodeDisk in a temp dir), with and without fsync, at several numbers of in-flight commits.
// Usage: bun bench/adjudicator/run.ts [--seconds 2] [--commits 300000] [--concurrency 1,64,512]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  type CommitRequest,
  createAdjudicators,
  hashPartitionOf,
} from '../../server/adjudicator/index.ts'
import { Hlc, SystemClock } from '../../server/clock/index.ts'
import { type Disk, type DiskFile, NodeDisk } from '../../server/disk/index.ts'
import type { Key } from '../../server/encoding/index.ts'
import { type Journal, openFileJournal } from '../../server/journal/index.ts'
import { LatencyRecorder, printTable } from '../lib/index.ts'

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    commits: { type: 'string', default: '300000' },
    concurrency: { type: 'string', default: '1,64,512' },
    owners: { type: 'string', default: '2' },
  },
})
const secondsMax = Number(flags.seconds)
const commitsMax = Number(flags.commits)
const concurrencies = String(flags.concurrency).split(',').map(Number)
const ownerCount = Number(flags.owners)
const partitionCount = 64
const partitionOf = hashPartitionOf(partitionCount)
const ownerOfKey = (key: Key) => partitionOf(key) % ownerCount
const value = 'x'.repeat(100)

/** Counts fsyncs across every file a journal opens. */
class CountingDisk implements Disk {
  syncs = 0
  readonly #inner: Disk
  constructor(inner: Disk) {
    this.#inner = inner
  }
  mkdirp = (dir: string) => this.#inner.mkdirp(dir)
  list = (dir: string) => this.#inner.list(dir)
  exists = (path: string) => this.#inner.exists(path)
  readFile = (path: string) => this.#inner.readFile(path)
  writeFileAtomic = (path: string, data: Uint8Array) => this.#inner.writeFileAtomic(path, data)
  createFileExclusive = (path: string, data: Uint8Array) => this.#inner.createFileExclusive(path, data)
  remove = (path: string) => this.#inner.remove(path)
  removeDir = (dir: string) => this.#inner.removeDir(dir)
  open(path: string): DiskFile {
    const file = this.#inner.open(path)
    return {
      size: () => file.size(),
      append: (data) => file.append(data),
      sync: () => {
        this.syncs++
        return file.sync()
      },
      read: (offset, length) => file.read(offset, length),
      truncate: (size) => file.truncate(size),
      close: () => file.close(),
    }
  }
}

/** A key of `owner` unique to (loop, i, slot): probes suffixes until the hash lands there. */
function keyOf(owner: number, loop: number, i: number, slot: number): Key {
  for (let probe = 0; ; probe++) {
    const key = `0a01${loop.toString(16)}ff${i.toString(16)}ff${slot}${probe.toString(16)}`
    if (ownerOfKey(key) === owner) return key
  }
}

interface Scenario {
  readonly fsync: boolean
  readonly concurrency: number
  /** Owners a commit spans: 1 = single partition, 2 = prepare / one record / finish. */
  readonly span: number
}

async function runScenario(s: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-adj-'))
  const clock = new SystemClock()
  const hlc = new Hlc(clock)
  const disk = new CountingDisk(new NodeDisk())
  const journals: Journal[] = Array.from({ length: ownerCount }, (_, i) =>
    openFileJournal({
      id: `j${i}`,
      dir: join(dir, `j${i}`),
      disk,
      hlc,
      clock,
      timers: clock,
      config: { fsync: s.fsync },
    }),
  )
  const adjudicators = createAdjudicators({
    partitionCount,
    partitionOf,
    owners: journals.map((journal, i) => ({
      id: `a${i}`,
      journal,
      partitions: Array.from({ length: partitionCount }, (_, p) => p).filter(
        (p) => p % ownerCount === i,
      ),
    })),
    hlc,
    clock,
    timers: clock,
  })
  const latencies = new LatencyRecorder()
  const outcomes = { committed: 0, conflict: 0, unknown: 0 }
  let issued = 0
  const syncsBefore = disk.syncs
  const start = performance.now()
  const deadline = start + secondsMax * 1000
  await Promise.all(
    Array.from({ length: s.concurrency }, async (_, loop) => {
      for (let i = 0; issued < commitsMax && performance.now() < deadline; i++) {
        issued++
        const first = (loop + i) % ownerCount
        const request: CommitRequest = {
          txId: `t${loop}-${i}`,
          startTs: hlc.now(),
          writes: [0, 1].map((slot) => ({
            key: keyOf((first + (slot === 1 ? s.span - 1 : 0)) % ownerCount, loop, i, slot),
            value,
          })),
          lockedKeys: [],
          readKeys: [],
        }
        const t0 = performance.now()
        const outcome = await adjudicators.commit(request)
        outcomes[outcome.kind]++
        if (outcome.kind === 'committed') latencies.add(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  const syncs = disk.syncs - syncsBefore
  adjudicators.close()
  await Promise.all(journals.map((j) => j.close()))
  rmSync(dir, { recursive: true, force: true })
  const summary = latencies.summarize(seconds, outcomes.conflict + outcomes.unknown)
  return {
    fsync: s.fsync ? 'on' : 'off',
    owners: s.span === 1 ? '1 (single)' : `${s.span} (multi)`,
    inFlight: s.concurrency,
    'commits/s': summary.throughput,
    'p50 ms': summary.p50,
    'p99 ms': summary.p99,
    'max ms': summary.max,
    'fsyncs/commit': summary.count > 0 ? syncs / summary.count : 0,
    commits: summary.count,
    failed: summary.errors,
  }
}

const rows = []
for (const fsync of [true, false]) {
  for (const span of ownerCount > 1 ? [1, 2] : [1]) {
    for (const concurrency of concurrencies)
      rows.push(await runScenario({ fsync, concurrency, span }))
  }
}
console.log(
  `bench/adjudicator: ${ownerCount} owners (one file journal each), 2 writes of 100 B per commit, ` +
    `<= ${secondsMax} s and <= ${commitsMax} commits per row, journals in ${tmpdir()}, ${process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`}`,
)
printTable(rows)
const best = Math.max(...rows.filter((r) => r.fsync === 'on').map((r) => r['commits/s']))
console.log(
  `best with fsync on: ${Math.round(best).toLocaleString('en-US')} commits/s (target >= 30,000)`,
)
