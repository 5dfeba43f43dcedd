// bench/disk: what making an append durable costs on this machine, by the ways the runtime offers,
// as the journal's group commit sees it (ARCHITECTURE.md "journal"; server/disk/node-disk.ts).
// Each iteration appends 512 bytes and waits until they are durable. For every way it reports the
// time the JS thread spends inside the call (the thread is busy serving requests meanwhile under
// load, so this is the cost per batch that counts) and the time until the append is durable.
// Usage: bun bench/disk/run.ts [--iterations 500] [--rounds 3] [--dir DIR]
// (the ways run interleaved, `--rounds` times, so that a disk's drift is shared by all of them).
import { closeSync, fdatasync, fsync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from '../../cli/args.ts'
import { LatencyRecorder, printTable, type Summary } from '../lib/index.ts'

const { flags } = parseArgs(process.argv.slice(2), [])
const iterations = Number(flags.get('iterations') ?? 500)
const rounds = Number(flags.get('rounds') ?? 3)
if (!(iterations >= 1 && iterations <= 100_000 && rounds >= 1 && rounds <= 20)) throw new Error('--iterations 1..100000, --rounds 1..20')
const dir = mkdtempSync(join(flags.get('dir') ?? tmpdir(), 'tessera-bench-disk-'))

/** One way to make what was written to `fd` durable: resolves once it is. */
type Durable = (fd: number) => Promise<void> | void

const ways: Record<string, { readonly durable: Durable; readonly handle?: boolean }> = {
  'fsyncSync (blocks the JS thread)': { durable: (fd) => fsyncSync(fd) },
  'fs.fsync (callback; what the journal uses)': { durable: (fd) => new Promise<void>((ok, fail) => fsync(fd, (e) => (e ? fail(e) : ok()))) },
  'fs.fdatasync (callback)': { durable: (fd) => new Promise<void>((ok, fail) => fdatasync(fd, (e) => (e ? fail(e) : ok()))) },
  'FileHandle.sync (fs/promises)': { durable: () => undefined, handle: true },
}

interface Recorded {
  readonly call: LatencyRecorder
  readonly done: LatencyRecorder
  seconds: number
}
const recorded = new Map<string, Recorded>()
const block = Buffer.alloc(512, 0x5a)

for (let round = 0; round < rounds; round++) {
  for (const [name, way] of Object.entries(ways)) {
    const path = join(dir, `${round}-${Object.keys(ways).indexOf(name)}`)
    const r = recorded.get(name) ?? { call: new LatencyRecorder(), done: new LatencyRecorder(), seconds: 0 }
    recorded.set(name, r)
    const handle = way.handle ? await open(path, 'w') : undefined
    const fd = handle?.fd ?? openSync(path, 'w')
    const began = performance.now()
    for (let i = 0; i < iterations; i++) {
      writeSync(fd, block)
      const t0 = performance.now()
      const pending = handle ? handle.sync() : way.durable(fd)
      r.call.add(performance.now() - t0)
      await pending
      r.done.add(performance.now() - t0)
    }
    r.seconds += (performance.now() - began) / 1000
    if (handle) await handle.close()
    else closeSync(fd)
  }
}
rmSync(dir, { recursive: true, force: true })

const rows: [string, Summary][] = []
for (const [name, r] of recorded) {
  rows.push([`${name}: in the call`, r.call.summarize(r.seconds)], [`${name}: until durable`, r.done.summarize(r.seconds)])
}
console.log(`bench/disk: append 512 bytes, then make it durable; ${iterations} times per way and round, ${rounds} rounds interleaved, bun ${Bun.version}`)
printTable(rows.map(([name, summary]) => ({ name, ...summary })))
