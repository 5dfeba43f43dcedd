// Repro (not a test) of a server bug the cluster simulation found (ARCHITECTURE.md "Multi-region",
// "Return"): a failover that completes after the lost region's links came back is never announced
// to it. Seed 367 of test/sim/cluster-sim.test.ts with one fault: east isolated for 440 ms
// (failoverAfterMs 399). West starts failing east over; east's links come back while west is
// between sealing east/j0 and east/j1, so the seal exchange on link-up carries no seals; west then
// seals both journals and sends seal.commit to the witness only (the acceptors exclude the lost
// leader). East never learns, keeps leading journals whose replicas are frozen, its closed
// timestamp stops, and every begin in east waits out the frontier (57014) forever, until a link
// flaps or it restarts.
// Expected: both full regions serve within 30 virtual s of the heal. Actual: east never serves.
//   bun test/sim/repro-seal-after-return.ts      (exits 1 while the bug is there)
import { runClusterSeed } from './cluster-run-seed.ts'

const r = await runClusterSeed(367, {
  events: [{ kind: 'isolate', atMs: 4877, forMs: 440, region: 'east' }],
  verbose: true,
})
console.log(r.ok ? 'fixed: seed 367 passes' : `reproduced: ${r.failure?.split('\n')[0]}`)
process.exit(r.ok ? 0 : 1)
