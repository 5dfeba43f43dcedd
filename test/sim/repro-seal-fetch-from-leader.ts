// Repro (not a test) of a server bug the cluster simulation found (ARCHITECTURE.md "Multi-region",
// "Failover"): seed 11 of test/sim/cluster-sim.test.ts (2% link loss). East is killed; west fails
// it over (3.3 virtual s) and sends seal.commit of east/j1 to the witness, whose replica is behind
// and fetches from west; that exchange does not complete (a lost frame), the witness does not
// record the seal, and nobody retries (seal.commit's failure is ignored; seals are exchanged only
// on link-up). At the final heal the returned east, which learned the seal from west, sends its
// seals to the witness; `Failover.#learn` there fetches the missing records from the sender, east;
// east leads that journal and `#onFetch` looks only in replicas: `AssertionError: no replica of
// east/j1 here` escapes the RPC server as an unhandled rejection (a real process with no handler
// installed ends on it).
// Expected: the leader serves seal.fetch from its own journal (or the learner fetches from a
// replica holder, e.g. the seal's `by` region), and an acceptor that missed seal.commit is told
// again; no assertion. Actual: the assertion above.
//   bun test/sim/repro-seal-fetch-from-leader.ts      (exits 1 while the bug is there)
import { runClusterSeed } from './cluster-run-seed.ts'

const r = await runClusterSeed(11, { verbose: true })
console.log(r.ok ? 'fixed: seed 11 passes' : `reproduced: ${r.failure?.split('\n')[0]}`)
process.exit(r.ok ? 0 : 1)
