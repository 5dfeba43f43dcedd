// Runs many simulation seeds from the command line (STYLE.md "Determinism"):
//   bun test/sim/run-many.ts --seeds 2000 [--start 1] [--virtual-ms 1000] [--verbose]
// Prints each failing seed with the command that replays it; exits 1 when any failed.
import { parseArgs } from 'node:util'
import { runSeed } from './run-seed.ts'

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    start: { type: 'string', default: '1' },
    'virtual-ms': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
})
const count = Number(values.seeds)
const start = Number(values.start)
const virtualMs = values['virtual-ms'] === undefined ? undefined : Number(values['virtual-ms'])
const failed: number[] = []
let realMs = 0
let acked = 0
let realTimeChecks = 0
let crashes = 0
const began = performance.now()
for (let seed = start; seed < start + count; seed++) {
  const r = await runSeed(seed, { virtualMs })
  realMs += r.stats.realMs
  acked += r.stats.acked
  realTimeChecks += r.stats.realTimeChecks
  crashes += r.stats.crashes
  if (values.verbose) {
    const s = r.stats
    console.log(
      `seed ${seed} ${r.ok ? 'ok' : 'FAILED'} ${s.realMs} ms: ${s.acked} acked, ${s.absent} absent,` +
        ` ${s.crashes} crashes (${s.keptStorage} kept storage), ${s.checks} checks (${s.realTimeChecks} real-time), errors ${JSON.stringify(s.errorCodes)}`,
    )
  }
  if (!r.ok) {
    failed.push(seed)
    console.log(`FAILED seed ${seed}: ${r.failure}\n  replay: SEED=${seed} bun test test/sim`)
  }
}
const seconds = (performance.now() - began) / 1000
console.log(
  `${count} seeds in ${seconds.toFixed(1)} s (${(realMs / count).toFixed(0)} ms per seed):` +
    ` ${acked} acknowledged transfers, ${realTimeChecks} real-time checks,` +
    ` ${crashes} crashes, ${failed.length} failed` +
    (failed.length > 0 ? ` (${failed.join(', ')})` : ''),
)
process.exit(failed.length > 0 ? 1 : 0)
