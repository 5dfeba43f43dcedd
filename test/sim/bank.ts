// The bank workload and its checkers for the simulator (ARCHITECTURE.md steps 1-4 and "Recovery"):
// transfers keep the total constant, and every acknowledged transfer survives every crash.
import { createHash } from 'node:crypto'
import type { SeededRandom } from '../../server/clock/index.ts'
import { AssertionError, isSqlError } from '../../server/errors/index.ts'
import type { QueryProcessor, Transaction } from '../../server/qp/index.ts'

/** One transfer attempt; its id is also its audit row's primary key. */
export interface Transfer {
  readonly id: number
  readonly src: number
  readonly dst: number
  readonly amount: number
}

/** A broken promise of the database (not an operating error): the run fails with it. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure'
}

export const INITIAL_BALANCE = 100

/**
 * What the clients know. A transfer is `acked` once commit() resolved (it must be visible in every
 * later snapshot), `maybe` while its outcome is unknown (40003, or in flight at a crash), `absent`
 * when it certainly did not commit (40001, 57P03 at commit, or not found after a restart resolved
 * it).
 */
/**
 * A short hash of everything observable about a run (its event log, the model's outcomes, virtual
 * time and failure): two runs of one seed must give the same one.
 */
export function traceOf(log: unknown, model: BankModel, nowMs: number, failure: string | undefined): string {
  const observed = {
    log,
    acked: [...model.acked.keys()].sort((a, b) => a - b),
    absent: [...model.absent].sort((a, b) => a - b),
    ops: model.ops,
    checks: model.checks,
    now: nowMs,
    failure,
  }
  return createHash('sha256').update(JSON.stringify(observed)).digest('hex').slice(0, 16)
}

export class BankModel {
  readonly accounts: number
  readonly acked = new Map<number, Transfer>()
  readonly maybe = new Map<number, Transfer>()
  readonly absent = new Set<number>()
  /** Commit called, outcome not yet known; becomes `maybe` at a crash. */
  readonly inflight = new Map<number, Transfer>()
  /** The region each in-flight commit was sent to, when the clients name one (a cluster). */
  readonly inflightRegion = new Map<number, string>()
  readonly errorCodes = new Map<string, number>()
  #nextId = 1
  checks = 0
  /** Client operations finished, whatever their outcome (the liveness check watches it). */
  ops = 0

  constructor(accounts: number) {
    this.accounts = accounts
  }

  get total(): bigint {
    return BigInt(this.accounts * INITIAL_BALANCE)
  }

  newId(): number {
    return this.#nextId++
  }

  countError(code: string): void {
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1)
  }

  /** A crash (of `region` only, when given): commits still in flight there may or may not have
   * reached the journal. */
  crashed(region?: string): void {
    for (const [id, t] of this.inflight) {
      if (region !== undefined && this.inflightRegion.get(id) !== region) continue
      this.maybe.set(id, t)
      this.inflight.delete(id)
      this.inflightRegion.delete(id)
    }
  }

  /** After a restart's full check: what the snapshot holds decides every unknown outcome (the
   * journal's tail was cut at open, so a record missing now can never appear later). */
  resolve(present: ReadonlySet<number>): void {
    for (const [id, t] of this.maybe) {
      if (present.has(id)) this.acked.set(id, t)
      else this.absent.add(id)
    }
    this.maybe.clear()
  }
}

/** Creates the tables and the accounts (before any fault). Each transaction is retried up to
 * `retries` times on a conflict (a cluster's adjudicators start with a floor at their own clock,
 * so a transaction from another region that began just before may conflict). */
export async function setupBank(qp: QueryProcessor, model: BankModel, retries = 0): Promise<void> {
  await withRetries(retries, async () => {
    const ddl = await qp.begin()
    await ddl.execute('CREATE TABLE accounts (id int4 PRIMARY KEY, balance int8 NOT NULL)')
    await ddl.execute(
      'CREATE TABLE audit (id int8 PRIMARY KEY, src int4 NOT NULL, dst int4 NOT NULL,' +
        ' amount int8 NOT NULL)',
    )
    await ddl.commit()
  })
  await withRetries(retries, async () => {
    const tx = await qp.begin()
    for (let a = 0; a < model.accounts; a++) {
      await tx.execute('INSERT INTO accounts VALUES ($1, $2)', [a, INITIAL_BALANCE])
    }
    await tx.commit()
  })
}

async function withRetries(retries: number, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (attempt >= retries || !isSqlError(e) || e.code !== '40001') throw e
    }
  }
}

/**
 * Reads every account and every audit row in one snapshot and checks them against the model:
 * the total is exact, the balances are the initial ones moved by exactly the audited transfers
 * (each transfer is atomic), every transfer acknowledged before the snapshot is there, and
 * nothing that certainly did not commit is. Returns the audit ids present.
 */
export async function fullCheck(qp: QueryProcessor, model: BankModel): Promise<Set<number>> {
  const ackedBefore = [...model.acked.keys()]
  const tx = await qp.begin({ readOnly: true })
  const accounts = await tx.execute('SELECT id, balance FROM accounts ORDER BY id')
  const audit = await tx.execute('SELECT id, src, dst, amount FROM audit ORDER BY id')
  await tx.commit()
  const where = `snapshot at ${tx.startTs}`
  check(accounts.rows.length === model.accounts, `${where}: ${accounts.rows.length} accounts`)
  const expected = Array.from({ length: model.accounts }, () => BigInt(INITIAL_BALANCE))
  const present = new Set<number>()
  for (const row of audit.rows) {
    const [id, src, dst, amount] = row.map((v) => Number(v)) as [number, number, number, number]
    present.add(id)
    check(!model.absent.has(id), `${where}: transfer ${id} is visible but never committed`)
    const known = model.acked.get(id) ?? model.maybe.get(id) ?? model.inflight.get(id)
    check(known !== undefined, `${where}: transfer ${id} is visible but was never committed`)
    check(
      known.src === src && known.dst === dst && known.amount === amount,
      `${where}: audit row ${id} is ${JSON.stringify(row)}, expected ${JSON.stringify(known)}`,
    )
    expected[src]! -= BigInt(amount)
    expected[dst]! += BigInt(amount)
  }
  let total = 0n
  for (const [i, row] of accounts.rows.entries()) {
    const balance = BigInt(row[1] as string)
    total += balance
    check(Number(row[0]) === i, `${where}: account ids ${JSON.stringify(accounts.rows)}`)
    check(
      balance === expected[i],
      `${where}: account ${i} holds ${balance}, the audited transfers give ${expected[i]}`,
    )
  }
  check(total === model.total, `${where}: total ${total}, expected ${model.total}`)
  for (const id of ackedBefore) {
    check(present.has(id), `${where}: acknowledged transfer ${id} is lost`)
  }
  model.checks++
  return present
}

/** Checks the total in one snapshot, by an aggregate or by point reads of every account. */
async function totalCheck(
  qp: QueryProcessor,
  model: BankModel,
  random: SeededRandom,
  hold?: Pick<ClientEnv, 'holdMsMax' | 'sleep'>,
): Promise<void> {
  const tx = await qp.begin({ readOnly: true })
  let total = 0n
  if (random.next() < 0.5) {
    const r = await tx.execute('SELECT sum(balance) AS s, count(*) AS n FROM accounts')
    const [sum, count] = r.rows[0] ?? []
    check(Number(count) === model.accounts, `snapshot ${tx.startTs}: count ${String(count)}`)
    total = BigInt(sum as string)
  } else {
    for (let a = 0; a < model.accounts; a++) {
      if (a > 0 && hold?.holdMsMax !== undefined) await hold.sleep(random.int(hold.holdMsMax + 1))
      const r = await tx.execute('SELECT balance FROM accounts WHERE id = $1', [a])
      total += BigInt(r.rows[0]?.[0] as string)
    }
  }
  await tx.commit()
  check(total === model.total, `snapshot ${tx.startTs}: total ${total}, expected ${model.total}`)
  model.checks++
}

/** How one client behaves; drawn per seed. */
export interface ClientMix {
  readonly readOnlyProbability: number
  readonly fullCheckProbability: number
  readonly forUpdateProbability: number
  readonly absoluteUpdateProbability: number
  readonly retriesMax: number
  readonly thinkMsMax: number
}

/** What a client needs from the world: is its process still alive, has it failed an fsync (its
 * journal then refuses commits and stops closing timestamps until the supervisor restarts it),
 * virtual sleep, and whether the run is ending. */
/** A client mix drawn from a seed: how often clients read only, check everything, lock, write
 * absolute values, retry, and how long they think (up to `thinkMsMax`). */
export function drawMix(random: SeededRandom, thinkMsMax: number): ClientMix {
  return {
    readOnlyProbability: 0.1 + random.next() * 0.3,
    fullCheckProbability: random.next() * 0.05,
    forUpdateProbability: random.next() * 0.5,
    absoluteUpdateProbability: random.next(),
    retriesMax: random.int(4),
    thinkMsMax: random.int(thinkMsMax),
  }
}

export interface ClientEnv {
  readonly qp: QueryProcessor
  /** The region the client talks to (a cluster's crash then only touches its commits). */
  readonly region?: string
  /** Error codes a healthy process may answer with (default 40001 and 40003). */
  readonly expectedCodes?: ReadonlySet<string>
  alive(): boolean
  unhealthy(): boolean
  sleep(ms: number): Promise<void>
  stopping(): boolean
  /** When set, a read-only check that reads account by account pauses up to this long between
   * reads: its snapshot is held while transfers commit and storage collects garbage. */
  readonly holdMsMax?: number
}

/** Errors a healthy process may answer with: the client retries or records an unknown outcome;
 * 72000 when a transaction outlived the age limit (the simulations draw short ones). */
const EXPECTED_CODES = new Set(['40001', '40003', '72000'])

/** One client: transfers and checks until its process dies or the run stops. */
export async function runClient(
  env: ClientEnv,
  model: BankModel,
  random: SeededRandom,
  mix: ClientMix,
): Promise<void> {
  while (env.alive() && !env.stopping()) {
    await env.sleep(random.int(mix.thinkMsMax + 1))
    if (!env.alive() || env.stopping()) return
    const r = random.next()
    try {
      if (r < mix.fullCheckProbability) await fullCheck(env.qp, model)
      else if (r < mix.readOnlyProbability) await totalCheck(env.qp, model, random, env)
      else await transferWithRetries(env, model, random, mix)
    } catch (e) {
      if (!env.alive()) return
      if (!isSqlError(e) || e instanceof AssertionError) throw e
      if (!(env.expectedCodes ?? EXPECTED_CODES).has(e.code) && !env.unhealthy()) {
        throw new CheckFailure(`a healthy region answered ${e.code}: ${e.message}`)
      }
      model.countError(e.code)
    }
    model.ops++
  }
}

async function transferWithRetries(
  env: ClientEnv,
  model: BankModel,
  random: SeededRandom,
  mix: ClientMix,
): Promise<void> {
  const src = random.int(model.accounts)
  const dst = (src + 1 + random.int(model.accounts - 1)) % model.accounts
  const amount = 1 + random.int(20)
  const forUpdate = random.next() < mix.forUpdateProbability
  const absolute = random.next() < mix.absoluteUpdateProbability
  for (let attempt = 0; attempt <= mix.retriesMax; attempt++) {
    const t: Transfer = { id: model.newId(), src, dst, amount }
    const outcome = await transferOnce(env, model, t, forUpdate, absolute)
    if (outcome !== 'conflict' || !env.alive()) return
    // Back off a little, as a client library would, so that hot accounts do not livelock.
    await env.sleep(1 + random.int(2 + 2 * attempt))
  }
}

/** One attempt. Errors before commit mean it did not commit; commit's errors are classified. */
async function transferOnce(
  env: ClientEnv,
  model: BankModel,
  t: Transfer,
  forUpdate: boolean,
  absolute: boolean,
): Promise<'done' | 'conflict' | 'skipped'> {
  const tx = await env.qp.begin()
  try {
    const lock = forUpdate ? ' FOR UPDATE' : ''
    const read = (id: number) =>
      tx.execute(`SELECT balance FROM accounts WHERE id = $1${lock}`, [id])
    const a = BigInt((await read(t.src)).rows[0]?.[0] as string)
    const b = BigInt((await read(t.dst)).rows[0]?.[0] as string)
    if (a < BigInt(t.amount)) {
      tx.rollback()
      return 'skipped'
    }
    // Absolute values turn a lost update into a wrong total; relative ones exercise expressions.
    const amount = BigInt(t.amount)
    if (absolute) {
      const set = 'UPDATE accounts SET balance = $1 WHERE id = $2'
      await tx.execute(set, [String(a - amount), t.src])
      await tx.execute(set, [String(b + amount), t.dst])
    } else {
      const add = 'UPDATE accounts SET balance = balance + $1 WHERE id = $2'
      await tx.execute(add, [-t.amount, t.src])
      await tx.execute(add, [t.amount, t.dst])
    }
    await tx.execute('INSERT INTO audit VALUES ($1, $2, $3, $4)', [t.id, t.src, t.dst, t.amount])
  } catch (e) {
    tx.rollback()
    throw e
  }
  return commitTransfer(model, tx, t, env.region)
}

async function commitTransfer(
  model: BankModel,
  tx: Transaction,
  t: Transfer,
  region: string | undefined,
): Promise<'done' | 'conflict'> {
  model.inflight.set(t.id, t)
  if (region !== undefined) model.inflightRegion.set(t.id, region)
  try {
    await tx.commit()
  } catch (e) {
    model.inflightRegion.delete(t.id)
    // Still in flight means no crash intervened: the error is the outcome.
    if (!model.inflight.delete(t.id)) throw e
    if (isSqlError(e) && e.code === '40001') {
      model.absent.add(t.id)
      model.countError('40001')
      return 'conflict'
    }
    // 57P03 at commit is refused before anything was written (no quorum in reach, an owner that
    // never got the commit, a sealed journal): it certainly did not commit, and a later snapshot
    // that shows it fails the run. A 40003 (the record went out) stays unknown.
    if (isSqlError(e) && e.code === '57P03') model.absent.add(t.id)
    else model.maybe.set(t.id, t)
    throw e
  }
  // Resolved before the crash took the disk (see World.crashAndRestart): durable. A dead
  // process's late answer (none is expected) would not count.
  model.inflightRegion.delete(t.id)
  if (!model.inflight.delete(t.id)) return 'done'
  model.acked.set(t.id, t)
  return 'done'
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message)
}
