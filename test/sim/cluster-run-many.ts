// Runs many seeds of the cluster simulation from the command line (STYLE.md "Determinism"):
//   bun test/sim/cluster-run-many.ts --seeds 1000 [--start 1] [--virtual-ms 3000] [--verbose]
//     [--cycles 0.5] (the share of seeds that run several hand-back cycles in a row; default 0.1)
// Prints each failing seed with the command that replays it; exits 1 when any failed.
import { parseArgs } from 'node:util'
import { runClusterSeed } from './cluster-run-seed.ts'

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    start: { type: 'string', default: '1' },
    'virtual-ms': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    cycles: { type: 'string' },
  },
})
const count = Number(values.seeds)
const start = Number(values.start)
const virtualMs = values['virtual-ms'] === undefined ? undefined : Number(values['virtual-ms'])
const failed: number[] = []
let realMs = 0
let acked = 0
let realTimeChecks = 0
let kills = 0
let degraded = 0
let handBacks = 0
let retired = 0
let retiredNonEmpty = 0
let failovers = 0
let failoversAfterHandBack = 0
const began = performance.now()
for (let seed = start; seed < start + count; seed++) {
  const r = await runClusterSeed(seed, { virtualMs, verbose: values.trace, ...(values.cycles === undefined ? {} : { handBackCyclesShare: Number(values.cycles) }) })
  realMs += r.stats.realMs
  acked += r.stats.acked
  realTimeChecks += r.stats.realTimeChecks
  kills += r.stats.kills
  degraded += r.stats.ackedDegraded
  handBacks += r.stats.handBacks
  retired += r.stats.retired
  retiredNonEmpty += r.stats.retiredNonEmpty
  failovers += r.stats.failovers
  failoversAfterHandBack += r.stats.failoversAfterHandBack
  if (values.verbose) {
    const s = r.stats
    console.log(
      `seed ${seed} ${r.ok ? 'ok' : 'FAILED'} ${s.realMs} ms: ${s.acked} acked, ${s.absent} absent,` +
        ` ${s.kills} kills, ${s.events.length} faults, converged in ${s.convergeMs} ms,` +
        ` ${s.checks} checks (${s.realTimeChecks} real-time), errors ${JSON.stringify(s.errorCodes)}`,
    )
  }
  if (!r.ok) {
    failed.push(seed)
    console.log(
      `FAILED seed ${seed}: ${r.failure}\n  replay: SEED=${seed} bun test test/sim/cluster-sim.test.ts`,
    )
  }
}
const seconds = (performance.now() - began) / 1000
console.log(
  `${count} seeds in ${seconds.toFixed(1)} s (${(realMs / count).toFixed(0)} ms per seed):` +
    ` ${acked} acknowledged transfers (${degraded} with a full region down), ${realTimeChecks} real-time checks, ${kills} region kills, ${failovers} failovers (${failoversAfterHandBack} by a region handed back before), ${handBacks} hand-backs, ${retired} generations retired (${retiredNonEmpty} in regions whose retired generations held records), ${failed.length} failed` +
    (failed.length > 0 ? ` (${failed.join(', ')})` : ''),
)
process.exit(failed.length > 0 ? 1 : 0)
