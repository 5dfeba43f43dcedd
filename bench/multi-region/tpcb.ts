// bench/multi-region: a TPC-B-like schema and its two workloads (write-heavy transfers, read-heavy
// point selects) run by clients in every full region at once (ARCHITECTURE.md "Regions").
import { LatencyRecorder, percentile, summarize, type Summary } from '../lib/index.ts'

/** Tellers per branch, as in TPC-B. */
export const TELLERS_PER_BRANCH = 10
/** Rows per preload INSERT (well under the rows-modified limit of 10,000). */
const PRELOAD_ROWS_PER_STATEMENT = 2000
/** Pause after an error that is not a conflict, so a refusing server is not hammered. */
const ERROR_PAUSE_MS = 20

/** How big the data set is. */
export interface Scale {
  readonly branches: number
  readonly accountsPerBranch: number
}

/** One region's endpoint. */
export interface Endpoint {
  readonly region: string
  readonly url: string
  readonly token: string
}

/** An HTTP answer: status, parsed JSON body (undefined when none), milliseconds taken. */
interface Answer {
  readonly status: number
  readonly body: unknown
  readonly ms: number
}

/** POSTs JSON to `path` of `endpoint`; a network failure is status 0. */
async function post(endpoint: Endpoint, path: string, body?: unknown): Promise<Answer> {
  const t0 = performance.now()
  try {
    const res = await fetch(`${endpoint.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${endpoint.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), ms: performance.now() - t0 }
  } catch (e) {
    return { status: 0, body: { error: { code: 'network', message: (e as Error).message } }, ms: performance.now() - t0 }
  }
}

/** `status code` of a failed answer, e.g. `409 40001`, for counting errors by kind. */
function kindOf(answer: Answer): string {
  const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code ?? '?'
  return `${answer.status} ${code}`
}

/** Creates the four tables and loads them through `endpoint`; throws on any failure. */
export async function loadSchema(endpoint: Endpoint, scale: Scale): Promise<void> {
  const must = async (body: unknown) => {
    const a = await post(endpoint, '/v1/sql', body)
    if (a.status !== 200) throw new Error(`preload failed: ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`)
  }
  await must({
    statements: [
      { sql: 'CREATE TABLE branches (bid int8 PRIMARY KEY, bbalance int8 NOT NULL, filler text)' },
      { sql: 'CREATE TABLE tellers (tid int8 PRIMARY KEY, bid int8 NOT NULL, tbalance int8 NOT NULL, filler text)' },
      { sql: 'CREATE TABLE accounts (aid int8 PRIMARY KEY, bid int8 NOT NULL, abalance int8 NOT NULL, filler text)' },
      { sql: 'CREATE TABLE history (hid int8 PRIMARY KEY, tid int8 NOT NULL, bid int8 NOT NULL, aid int8 NOT NULL, delta int8 NOT NULL, filler text)' },
    ],
  })
  const rows = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => row(i))
  const insert = async (table: string, n: number, row: (i: number) => string) => {
    for (let i = 0; i < n; i += PRELOAD_ROWS_PER_STATEMENT) {
      const chunk = rows(Math.min(PRELOAD_ROWS_PER_STATEMENT, n - i), (j) => row(i + j))
      await must({ sql: `INSERT INTO ${table} VALUES ${chunk.join(', ')}` })
    }
  }
  const filler = "'" + 'x'.repeat(40) + "'"
  await insert('branches', scale.branches, (i) => `(${i}, 0, ${filler})`)
  await insert('tellers', scale.branches * TELLERS_PER_BRANCH, (i) => `(${i}, ${Math.floor(i / TELLERS_PER_BRANCH)}, 0, ${filler})`)
  await insert('accounts', scale.branches * scale.accountsPerBranch, (i) => `(${i}, ${Math.floor(i / scale.accountsPerBranch)}, 0, ${filler})`)
}

/** What one region's clients measured during one workload. */
export class RegionStats {
  readonly commit = new LatencyRecorder()
  readonly read = new LatencyRecorder()
  /** Interactive transfers only: the parts of a successful attempt. */
  readonly begin = new LatencyRecorder()
  readonly statements = new LatencyRecorder()
  /** A whole transfer, retries included, from first begin to acknowledged commit. */
  readonly transfer = new LatencyRecorder()
  committed = 0
  reads = 0
  attempts = 0
  aborts = 0
  gaveUp = 0
  unknown = 0
  readonly errors = new Map<string, number>()

  constructor(readonly region: string) {}

  error(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1)
  }

  get errorCount(): number {
    let n = 0
    for (const c of this.errors.values()) n += c
    return n
  }
}

/** A region's result of one workload, ready for tables and JSON. */
export interface RegionResult {
  readonly region: string
  readonly seconds: number
  /** Committed transfers plus successful reads, per second. */
  readonly opsPerSecond: number
  readonly transfersPerSecond: number
  readonly readsPerSecond: number
  readonly committed: number
  readonly reads: number
  readonly attempts: number
  readonly aborts: number
  /** Aborted attempts over all commit attempts (40001 at statement or commit). */
  readonly abortRate: number
  readonly gaveUp: number
  readonly unknown: number
  readonly errors: Record<string, number>
  readonly commitMs: Summary
  readonly readMs: Summary
  readonly beginMs: Summary
  readonly statementsMs: Summary
  readonly transferMs: Summary
  /** CPU seconds per wall second of each region process during the workload (1 = one core). */
  readonly cpu?: Record<string, number>
}

export function resultOf(stats: RegionStats, seconds: number): RegionResult {
  return {
    region: stats.region,
    seconds,
    opsPerSecond: (stats.committed + stats.reads) / seconds,
    transfersPerSecond: stats.committed / seconds,
    readsPerSecond: stats.reads / seconds,
    committed: stats.committed,
    reads: stats.reads,
    attempts: stats.attempts,
    aborts: stats.aborts,
    abortRate: stats.attempts === 0 ? 0 : stats.aborts / stats.attempts,
    gaveUp: stats.gaveUp,
    unknown: stats.unknown,
    errors: Object.fromEntries(stats.errors),
    commitMs: stats.commit.summarize(seconds),
    readMs: stats.read.summarize(seconds),
    beginMs: stats.begin.summarize(seconds),
    statementsMs: stats.statements.summarize(seconds),
    transferMs: stats.transfer.summarize(seconds),
  }
}

/** A small fast PRNG (xorshift32) so each client draws its own reproducible sequence. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 0x1_0000_0000
  }
}

/** How a transfer reaches the server. */
export type TransferMode = 'interactive' | 'batch'

/** One client: its endpoint, stats, random source and a unique history-id range. */
export interface Client {
  readonly endpoint: Endpoint
  readonly stats: RegionStats
  readonly random: () => number
  /** Next history id; clients' ranges never overlap. */
  nextHid: number
}

/** One TPC-B transfer, retried on conflict up to `attemptsMax` times; true if committed. */
export async function transfer(client: Client, scale: Scale, mode: TransferMode, attemptsMax: number, deadline: number): Promise<boolean> {
  const { endpoint, stats, random } = client
  const tid = Math.floor(random() * scale.branches * TELLERS_PER_BRANCH)
  const bid = Math.floor(tid / TELLERS_PER_BRANCH)
  const aid = Math.floor(random() * scale.branches * scale.accountsPerBranch)
  const delta = Math.floor(random() * 1_999_999) - 999_999
  const t0 = performance.now()
  let attempt = 0
  for (; attempt < attemptsMax && performance.now() < deadline; attempt++) {
    const statements = [
      { sql: 'UPDATE accounts SET abalance = abalance + $1 WHERE aid = $2 RETURNING abalance', params: [delta, aid] },
      { sql: 'UPDATE tellers SET tbalance = tbalance + $1 WHERE tid = $2', params: [delta, tid] },
      { sql: 'UPDATE branches SET bbalance = bbalance + $1 WHERE bid = $2', params: [delta, bid] },
      { sql: 'INSERT INTO history VALUES ($1, $2, $3, $4, $5, NULL)', params: [client.nextHid++, tid, bid, aid, delta] },
    ]
    stats.attempts++
    const outcome = mode === 'batch' ? await batchAttempt(endpoint, stats, statements) : await interactiveAttempt(endpoint, stats, statements)
    if (outcome === 'committed') {
      stats.committed++
      stats.transfer.add(performance.now() - t0)
      return true
    }
    if (outcome === 'conflict') {
      stats.aborts++
      continue
    }
    await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS))
    return false
  }
  // Stopped by the deadline between attempts is not giving up.
  if (attempt === attemptsMax) stats.gaveUp++
  return false
}

type Outcome = 'committed' | 'conflict' | 'failed'

/** Counts a failed answer; conflicts are aborts, not errors. */
function failure(stats: RegionStats, answer: Answer): Outcome {
  const kind = kindOf(answer)
  if (kind.endsWith(' 40001')) return 'conflict'
  if (kind.endsWith(' 40003')) stats.unknown++
  stats.error(kind)
  return 'failed'
}

async function batchAttempt(endpoint: Endpoint, stats: RegionStats, statements: unknown[]): Promise<Outcome> {
  const a = await post(endpoint, '/v1/sql', { statements })
  if (a.status !== 200) return failure(stats, a)
  stats.commit.add(a.ms)
  return 'committed'
}

async function interactiveAttempt(endpoint: Endpoint, stats: RegionStats, statements: unknown[]): Promise<Outcome> {
  const begin = await post(endpoint, '/v1/tx')
  const tx = (begin.body as { tx?: string } | undefined)?.tx
  if (begin.status !== 201 || tx === undefined) return failure(stats, begin)
  const run = await post(endpoint, `/v1/tx/${tx}/sql`, { statements })
  if (run.status !== 200) {
    await post(endpoint, `/v1/tx/${tx}/rollback`)
    return failure(stats, run)
  }
  const commit = await post(endpoint, `/v1/tx/${tx}/commit`)
  if (commit.status !== 200) return failure(stats, commit)
  stats.begin.add(begin.ms)
  stats.statements.add(run.ms)
  stats.commit.add(commit.ms)
  return 'committed'
}

/** One autocommit point select on accounts; true if answered. */
export async function pointSelect(client: Client, scale: Scale): Promise<boolean> {
  const aid = Math.floor(client.random() * scale.branches * scale.accountsPerBranch)
  const a = await post(client.endpoint, '/v1/sql', { sql: 'SELECT abalance FROM accounts WHERE aid = $1', params: [aid] })
  if (a.status !== 200) {
    failure(client.stats, a)
    await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS))
    return false
  }
  client.stats.reads++
  client.stats.read.add(a.ms)
  return true
}

/** Sum of every balance table, which transfers keep equal (a cheap end-of-run check). */
export async function balanceTotals(endpoint: Endpoint): Promise<{ accounts: string; tellers: string; branches: string; history: string } | string> {
  const a = await post(endpoint, '/v1/sql', {
    statements: [
      { sql: 'SELECT sum(abalance) AS s FROM accounts' },
      { sql: 'SELECT sum(tbalance) AS s FROM tellers' },
      { sql: 'SELECT sum(bbalance) AS s FROM branches' },
      { sql: 'SELECT sum(delta) AS s FROM history' },
    ],
  })
  if (a.status !== 200) return kindOf(a) + ' ' + JSON.stringify(a.body).slice(0, 200)
  const s = (a.body as { results: Array<{ rows: Array<{ s: unknown }> }> }).results.map((r) => String(r.rows[0]?.s))
  return { accounts: s[0] as string, tellers: s[1] as string, branches: s[2] as string, history: s[3] as string }
}

/** Latencies of one region with a single client and nothing else running: the protocol's floor,
 * without queueing. A single-key commit's latency depends on which region owns the key's
 * adjudicator partition, so its quartiles show the local and the remote owner apart. */
export interface FloorResult {
  readonly region: string
  readonly readMs: Summary
  readonly beginMs: Summary
  /** Single-key UPDATE commits on `samples` different accounts. */
  readonly commitMs: Summary & { readonly p25: number; readonly p75: number }
  readonly errors: number
}

export async function measureFloor(endpoint: Endpoint, scale: Scale, samples: number): Promise<FloorResult> {
  const reads: number[] = []
  const begins: number[] = []
  const commits: number[] = []
  let errors = 0
  const accounts = scale.branches * scale.accountsPerBranch
  for (let i = 0; i < samples; i++) {
    const aid = Math.floor((i * accounts) / samples)
    const read = await post(endpoint, '/v1/sql', { sql: 'SELECT abalance FROM accounts WHERE aid = $1', params: [aid] })
    if (read.status === 200) reads.push(read.ms)
    else errors++
    const begin = await post(endpoint, '/v1/tx')
    const tx = (begin.body as { tx?: string } | undefined)?.tx
    if (begin.status !== 201 || tx === undefined) {
      errors++
      continue
    }
    begins.push(begin.ms)
    const run = await post(endpoint, `/v1/tx/${tx}/sql`, { sql: 'UPDATE accounts SET filler = $1 WHERE aid = $2', params: ['floor', aid] })
    if (run.status !== 200) {
      errors++
      await post(endpoint, `/v1/tx/${tx}/rollback`)
      continue
    }
    const commit = await post(endpoint, `/v1/tx/${tx}/commit`)
    if (commit.status === 200) commits.push(commit.ms)
    else errors++
  }
  const sorted = Float64Array.from(commits).sort()
  return {
    region: endpoint.region,
    readMs: summarize(reads, 1),
    beginMs: summarize(begins, 1),
    commitMs: { ...summarize(commits, 1), p25: percentile(sorted, 25), p75: percentile(sorted, 75) },
    errors,
  }
}
