// A long statement makes its region slower, never deaf or dead (docs/architecture.md "A long
// statement"). A statement runs on its region's one JavaScript thread. A SELECT runs in slices and
// lets the region serve between them; what cannot pause (a subquery inside an expression, a sort)
// keeps the region alive through the keep-alive. Before either, a peer that heard nothing for 2 s
// called the link down and failed the healthy region over 2 s later. Method: three real
// `tessera start --topology` processes on loopback; CPU-bound cross joins sized from a short run of
// the same join, in us-east-1, while both regions read and write beside them; then what each
// region logged and answered.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEAD_AFTER_MS } from '../../server/net/index.ts'
import { REGION_DEFAULTS } from '../../server/region/index.ts'
import { clusterBasePort, localClusterArgs, post, startServer, untilOk, type ServerProcess } from './server-process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-long-'))
const basePort = clusterBasePort()
const regions = ['us-east-1', 'us-east-2', 'us-west-2']
const servers = new Map<string, ServerProcess>()
const url = (name: string) => `http://127.0.0.1:${basePort + regions.indexOf(name)}`
/** Long enough for a link to be called down and its region failed over, with a margin. */
const busyMsMin = DEAD_AFTER_MS + REGION_DEFAULTS.failoverAfterMs + 1_500

beforeAll(async () => {
  for (const name of regions) {
    servers.set(name, await startServer(dataDir, { args: localClusterArgs(name, basePort) }))
  }
  // Every link up first: a handshake a statement holds up is timed out after it, and redialed.
  const witness = servers.get('us-west-2')!
  const linksUp = /us-east-1 up[^]*us-east-2 up|us-east-2 up[^]*us-east-1 up/
  for (let i = 0; i < 100 && !linksUp.test(witness.output()); i++) await new Promise((r) => setTimeout(r, 100))
  expect(witness.output()).toMatch(linksUp)
  // Until every link is up, a region answers 503.
  await untilOk(() => post(`${url('us-east-1')}/v1/sql`, { sql: 'CREATE TABLE t (id int8 PRIMARY KEY, v text)' }), 10_000)
}, 60_000)

afterAll(async () => {
  for (const s of servers.values()) if (s.child.exitCode === null) await s.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const crossJoin = (n: number) => `SELECT count(*) AS n FROM generate_series(1, ${n}) a, generate_series(1, ${n}) b WHERE a * 3 < b`
/** The same join as a scalar subquery: an expression evaluates it whole, without slices. */
const unpausable = (n: number) => `SELECT (${crossJoin(n)}) AS n`

/** Runs `sql` at `region` and answers its status and how long it took. */
async function timed(region: string, sql: string, params: unknown[] = []): Promise<{ status: number; ms: number; body: any }> {
  const t0 = performance.now()
  const r = await post(`${url(region)}/v1/sql`, { sql, params })
  return { ...r, ms: performance.now() - t0 }
}

/** An n for `form` that keeps us-east-1 busy for about `ms` (the join's cost grows with n squared). */
async function sized(form: (n: number) => string, ms: number): Promise<number> {
  const probeN = 4_000
  // A cold first run takes about twice as long per row pair (the JIT has not compiled the join),
  // and sized from it the statement came out barely longer than `ms`.
  expect((await timed('us-east-1', form(probeN / 2))).status).toBe(200)
  const probe = await timed('us-east-1', form(probeN))
  expect(probe.status).toBe(200)
  return Math.ceil(probeN * Math.sqrt((ms * 1.6) / Math.max(probe.ms, 1)))
}

/** Runs `work` every 50 ms until `long` settles; the answers, and how long each took. */
async function beside(long: Promise<unknown>, work: (i: number) => Promise<{ status: number; ms: number }>): Promise<{ status: number; ms: number }[]> {
  let done = false
  void long.finally(() => (done = true))
  const out: { status: number; ms: number }[] = []
  for (let i = 0; !done && i < 1_000; i++) {
    out.push(await work(i))
    await new Promise((r) => setTimeout(r, 50))
  }
  return out
}

const slowest = (answers: readonly { ms: number }[]) => Math.round(Math.max(...answers.map((a) => a.ms)))

describe('a long statement', () => {
  test('that cannot pause keeps its region alive: no link down, no failover, readers elsewhere not held', async () => {
    const n = await sized(unpausable, busyMsMin)
    // The reader's first answer at us-east-2 plans and compiles its query (cold, 140-230 ms here):
    // that is not the wait under test, so it happens before the statement.
    expect((await timed('us-east-2', 'SELECT count(*) AS n FROM t')).status).toBe(200)
    const outputFrom = new Map(regions.map((r) => [r, servers.get(r)!.output().length]))
    const long = timed('us-east-1', unpausable(n))
    // Only once the statement holds the thread: a commit of us-east-1's in flight then would
    // hold its journal's closed timestamp, and so every reader elsewhere, until it ends.
    await new Promise((r) => setTimeout(r, 300))
    // us-east-2 writes one row (its commit checks the table's schema key, which may belong to
    // us-east-1's partitions: such a commit waits for the statement) and reads (its snapshots
    // need us-east-1's journals closed).
    const write = post(`${url('us-east-2')}/v1/sql`, { sql: 'INSERT INTO t VALUES (1, $1)', params: ['beside'] })
    const reads = await beside(long, () => timed('us-east-2', 'SELECT count(*) AS n FROM t'))
    const result = await long
    console.log(`unpausable (n = ${n}): ${Math.round(result.ms)} ms; ${reads.length} reads at us-east-2 beside it, the slowest ${slowest(reads)} ms`)
    expect(result.status).toBe(200)
    expect(result.ms).toBeGreaterThan(busyMsMin)
    expect((await write).status).toBe(200)
    const logged = regions.map((r) => `${r}: ${servers.get(r)!.output().slice(outputFrom.get(r))}`)
    for (const text of logged) expect(text).not.toMatch(/link to full region \S+ down|failed over|quorum lost/)
    // A keep-alive closes us-east-1's journals every KEEP_ALIVE_MS (50 ms).
    expect(reads.filter((r) => r.status !== 200)).toEqual([])
    expect(reads.length).toBeGreaterThan(busyMsMin / 1_000)
    expect(slowest(reads)).toBeLessThan(500)
  }, 120_000)

  test('a SELECT runs in slices: its own region and the other commit beside it', async () => {
    const n = await sized(crossJoin, 3_000)
    const long = timed('us-east-1', crossJoin(n))
    await new Promise((r) => setTimeout(r, 300))
    // Commits in turn at us-east-1 and at us-east-2 (whose may need us-east-1's adjudicators).
    const commits = await beside(long, (i) => timed(i % 2 === 0 ? 'us-east-1' : 'us-east-2', 'INSERT INTO t VALUES ($1, $2)', [10_000 + i, 'beside']))
    const result = await long
    console.log(`in slices (n = ${n}): ${Math.round(result.ms)} ms; ${commits.length} commits at both regions beside it, the slowest ${slowest(commits)} ms`)
    expect(result.status).toBe(200)
    expect(result.ms).toBeGreaterThan(2_000)
    // Each commit beside the statement took well under its length: the region served between
    // slices (adjudicators, journals, replication: a commit needs us-east-2 or the witness).
    expect(commits.filter((r) => r.status !== 200)).toEqual([])
    expect(commits.length).toBeGreaterThan(5)
    expect(slowest(commits)).toBeLessThan(1_000)
  }, 120_000)
})
