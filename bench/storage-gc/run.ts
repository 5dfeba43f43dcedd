// bench/storage-gc: how long garbage collection holds the event loop on a shard of a million
// versions (ARCHITECTURE.md "storage"). For the same data: the single DELETE statement gc ran
// before it was made incremental (one call over the whole table), then the bounded steps at
// several limits (p50/p99/max per step, steps and time per pass), then the deletion of a dropped
// table of that size.
// Usage: bun bench/storage-gc/run.ts [--keys 250000] [--versions 4] [--limits 512,2048,8192]
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SimClock } from '../../server/clock/index.ts'
import { encodeKey, type Write } from '../../server/encoding/index.ts'
import { garbageKey, openSqliteShard, type StorageShard } from '../../server/storage/index.ts'
import { openSqlite } from '../../server/storage/sqlite-adapter.ts'
import { LatencyRecorder, printTable } from '../lib/index.ts'

const { values: flags } = parseArgs({
  options: {
    keys: { type: 'string', default: '250000' },
    versions: { type: 'string', default: '4' },
    limits: { type: 'string', default: '512,2048,8192' },
  },
})
const keyCount = Number(flags.keys)
const versionCount = Number(flags.versions)
const limits = String(flags.limits).split(',').map(Number)
const TABLE = 100n
const dir = mkdtempSync(join(tmpdir(), 'tessera-gc-bench-'))
const now = () => performance.now()

/** Writes `versionCount` versions of `keyCount` keys of table 100 (a 40-byte value each), in
 * records of 1,000 writes; returns the last commitTs. */
function load(shard: StorageShard): number {
  let seq = 0
  let ts = 1_000
  for (let v = 0; v < versionCount; v++) {
    for (let first = 0; first < keyCount; first += 1000) {
      const writes: Write[] = []
      for (let n = first; n < Math.min(first + 1000, keyCount); n++) {
        writes.push({ key: encodeKey([TABLE, 0n, BigInt(n)]), value: `row ${n} version ${v} `.padEnd(40, '.') })
      }
      ts += 10
      shard.apply([{ journalId: 'j', seq: ++seq, commitTs: ts, writes }], ts)
    }
  }
  shard.makeDurable()
  return ts
}

const open = (path: string) => openSqliteShard({ id: 0, path, timers: new SimClock() })
/** The next record of journal `j` for `shard` (positions must follow without a gap). */
const next = (shard: StorageShard) => (shard.appliedPositions().get('j') ?? 0) + 1
const base = join(dir, 'base.sqlite')
const t0 = now()
const loader = open(base)
const lastTs = load(loader)
loader.close()
const versions = keyCount * versionCount
console.log(`${versions.toLocaleString('en-US')} versions (${keyCount.toLocaleString('en-US')} keys x ${versionCount}) loaded in ${Math.round(now() - t0)} ms\n`)

// The statement gc() ran before: one DELETE over the whole table, at a horizon above every version
// (so every version but the newest of each key goes), then again with nothing left to delete.
const rows: Record<string, unknown>[] = []
{
  const path = join(dir, 'old.sqlite')
  copyFileSync(base, path)
  const db = openSqlite(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456')
  const statement = db.prepare(
    `DELETE FROM mvcc AS v WHERE v.ts <= ?1 AND (v.value IS NULL OR EXISTS (
       SELECT 1 FROM mvcc AS w WHERE w.key = v.key AND w.ts > v.ts AND w.ts <= ?1))`,
  )
  for (const what of ['first call', 'second call']) {
    const at = now()
    const removed = Number(statement.run(lastTs + 1).changes)
    const ms = now() - at
    rows.push({ gc: `one statement, ${what}`, removed, steps: 1, 'step p50 ms': ms, 'step p99 ms': ms, 'step max ms': ms, 'pass ms': ms })
  }
  db.close()
}

// The bounded steps: a first pass that deletes, then a pass with nothing to delete (a new version
// keeps the shard from idling, as writes do on a live region).
for (const versionsMax of limits) {
  const path = join(dir, `steps-${versionsMax}.sqlite`)
  copyFileSync(base, path)
  const shard = open(path)
  let ts = lastTs
  for (const what of ['first pass', 'second pass']) {
    ts += 10
    shard.apply([{ journalId: 'j', seq: next(shard), commitTs: ts, writes: [{ key: encodeKey([TABLE + 2n]), value: 'x' }] }], ts)
    const steps = new LatencyRecorder()
    let removed = 0
    const at = now()
    for (;;) {
      const started = now()
      const step = shard.gc(ts + 1, { versionsMax })
      steps.add(now() - started)
      removed += step.versionsRemoved
      if (step.passEnded) break
    }
    const s = steps.summarize(1)
    rows.push({ gc: `steps of ${versionsMax}, ${what}`, removed, steps: s.count, 'step p50 ms': s.p50, 'step p99 ms': s.p99, 'step max ms': s.max, 'pass ms': now() - at })
  }
  shard.close()
}
printTable(rows)

// A dropped table of the same size: its garbage entry, then bounded steps until the range is gone.
console.log('')
const dropped: Record<string, unknown>[] = []
for (const deadRowsMax of limits) {
  const path = join(dir, `drop-${deadRowsMax}.sqlite`)
  copyFileSync(base, path)
  const shard = open(path)
  const ts = lastTs + 10
  shard.apply([{ journalId: 'j', seq: next(shard), commitTs: ts, writes: [{ key: garbageKey(encodeKey([TABLE])), value: '' }] }], ts)
  const steps = new LatencyRecorder()
  let removed = 0
  const at = now()
  for (;;) {
    const started = now()
    // One version a step beside: the deletion is what is measured.
    const step = shard.gc(ts + 1, { versionsMax: 1, deadRowsMax })
    steps.add(now() - started)
    removed += step.deadRowsRemoved
    if (step.deadRangesFinished > 0) break
  }
  const s = steps.summarize(1)
  dropped.push({ 'dropped table': `steps of ${deadRowsMax}`, removed, steps: s.count, 'step p50 ms': s.p50, 'step p99 ms': s.p99, 'step max ms': s.max, 'total ms': now() - at })
  shard.close()
}
printTable(dropped)
rmSync(dir, { recursive: true, force: true })
