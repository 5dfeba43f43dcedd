// The bank workload and its checkers for the simulator (ARCHITECTURE.md steps 1-4 and "Recovery"):
// transfers keep the total constant, every acknowledged transfer survives every crash, and every
// transaction sees every transfer acknowledged before it began, in any region (real-time order).
import { createHash } from 'node:crypto'
import type { HlcTimestamp, SeededRandom } from '../../server/clock/index.ts'
import { AssertionError, isSqlError } from '../../server/errors/index.ts'
import type { QueryProcessor, Transaction } from '../../server/qp/index.ts'

/** One transfer attempt; its id is also its audit row's primary key. */
export interface Transfer {
  readonly id: number
  readonly src: number
  readonly dst: number
  readonly amount: number
}

/**
 * One acknowledgement, as the clients saw it: `seq` orders it against every begin of a checked
 * transaction (the simulation runs on one event loop, so the order in which the model hears of
 * things is their real-time order), `atMs` is the simulation's virtual time then (for messages).
 */
export interface Ack {
  readonly id: number
  readonly seq: number
  readonly atMs: number
  /** The region whose client got the answer; undefined in one region, or when a restart resolved
   * the outcome. */
  readonly region: string | undefined
  /** What commit() answered; undefined when a restart resolved an unknown outcome. */
  readonly commitTs: HlcTimestamp | undefined
}

/** What the model knew just before a transaction began: the real-time cut its snapshot must
 * include. */
export interface Cut {
  readonly seq: number
  readonly atMs: number
  /** Acknowledgements before the begin: `ackLog[0..acks)`. */
  readonly acks: number
  /** The acknowledgement with the largest commitTs before the begin. */
  readonly commitTsMax: Ack | undefined
}

/** Who reads: its region (for messages) and its scope for monotonic reads, inside which every
 * snapshot must show what an earlier completed read showed. A scope is a region's process in a
 * cluster (snapshot timestamps only grow there), a whole run in one region (storage only ever
 * shows durable commits, and a restart begins above all of them). */
export interface Reader {
  readonly region?: string | undefined
  readonly scope: string
}

const LOCAL_READER: Reader = { scope: 'local' }

/** A broken promise of the database (not an operating error): the run fails with it. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure'
}

export const INITIAL_BALANCE = 100

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
    realTimeChecks: model.realTimeChecks,
    now: nowMs,
    failure,
  }
  return createHash('sha256').update(JSON.stringify(observed)).digest('hex').slice(0, 16)
}

/**
 * What the clients know. A transfer is `acked` once commit() resolved (it must be visible in every
 * later snapshot), `maybe` while its outcome is unknown (40003, or in flight at a crash), `absent`
 * when it certainly did not commit (40001, 57P03 at commit, or not found after a restart resolved
 * it).
 */
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
  /** Every acknowledgement in the order the clients got it (a transfer a restart resolved as
   * committed counts as acknowledged then). */
  readonly ackLog: Ack[] = []
  readonly #ackOf = new Map<number, Ack>()
  /** Per reader scope: transfer id -> seq at which a completed read there first showed it. */
  readonly #seen = new Map<string, Map<number, number>>()
  /** Transfer id -> the first completed read anywhere that showed it. */
  readonly #firstSeen = new Map<number, { readonly scope: string; readonly seq: number }>()
  #commitTsMax: Ack | undefined
  #seq = 0
  #nextId = 1
  readonly #nowMs: () => number
  checks = 0
  /** Snapshots whose real-time cut was checked by reads (not only by timestamp). */
  realTimeChecks = 0
  /** Client operations finished, whatever their outcome (the liveness check watches it). */
  ops = 0

  /** `nowMs` is the simulation's virtual time (the same for every region, without their clock
   * offsets), only for messages: the order of events is the model's own. */
  constructor(accounts: number, nowMs: () => number) {
    this.accounts = accounts
    this.#nowMs = nowMs
  }

  /** The id the next transfer attempt gets: every attempt numbered from it on began its
   * transaction after this call. */
  get nextId(): number {
    return this.#nextId
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
      if (present.has(id)) this.acknowledge(t, undefined, undefined)
      else this.absent.add(id)
    }
    this.maybe.clear()
  }

  /** `t` is known committed from now on: every transaction that begins later must see it. */
  acknowledge(t: Transfer, region: string | undefined, commitTs: HlcTimestamp | undefined): void {
    const ack: Ack = { id: t.id, seq: ++this.#seq, atMs: this.#nowMs(), region, commitTs }
    this.acked.set(t.id, t)
    this.ackLog.push(ack)
    this.#ackOf.set(t.id, ack)
    const max = this.#commitTsMax?.commitTs
    if (commitTs !== undefined && (max === undefined || commitTs > max)) this.#commitTsMax = ack
  }

  ackOf(id: number): Ack | undefined {
    return this.#ackOf.get(id)
  }

  /** Taken just before a begin: what its snapshot must include. */
  cut(): Cut {
    const acks = this.ackLog.length
    return { seq: this.#seq, atMs: this.#nowMs(), acks, commitTsMax: this.#commitTsMax }
  }

  /** A read in `scope` completed, showing the transfers `ids`. */
  saw(scope: string, ids: Iterable<number>): void {
    const seq = ++this.#seq
    let seen = this.#seen.get(scope)
    if (seen === undefined) this.#seen.set(scope, (seen = new Map()))
    for (const id of ids) {
      if (!seen.has(id)) seen.set(id, seq)
      if (!this.#firstSeen.has(id)) this.#firstSeen.set(id, { scope, seq })
    }
  }

  /** The seq at which a completed read in `scope` first showed `id`, if one did. */
  seenIn(scope: string, id: number): number | undefined {
    return this.#seen.get(scope)?.get(id)
  }

  /** Every transfer a completed read in `scope` showed, with the seq of the first such read. */
  seenAll(scope: string): ReadonlyMap<number, number> {
    return this.#seen.get(scope) ?? new Map()
  }

  /** Whether a completed read outside `scope` showed `id` before `cut`. */
  seenElsewhere(scope: string, id: number, cut: Cut): boolean {
    const first = this.#firstSeen.get(id)
    return first !== undefined && first.scope !== scope && first.seq <= cut.seq
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
 * (each transfer is atomic), every transfer acknowledged before the begin is there (anywhere:
 * real-time order), as is every one an earlier read of the reader's scope showed (monotonic
 * reads), and nothing that certainly did not commit is, nor one begun after the snapshot was
 * taken. Returns the audit ids present.
 */
export async function fullCheck(
  qp: QueryProcessor,
  model: BankModel,
  reader: Reader = LOCAL_READER,
): Promise<Set<number>> {
  const cut = model.cut()
  const tx = await qp.begin({ readOnly: true })
  const nextId = model.nextId
  checkStartTs(tx.startTs, cut, reader)
  const accounts = await tx.execute('SELECT id, balance FROM accounts ORDER BY id')
  const audit = await tx.execute('SELECT id, src, dst, amount FROM audit ORDER BY id')
  await tx.commit()
  const where = snapshotName(tx.startTs, cut, reader)
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
  checkCut(model, { reader, cut, nextId, where, lo: 1, present })
  model.saw(reader.scope, present)
  model.checks++
  return present
}

/** Checks the total in one snapshot, by an aggregate or by point reads of every account, and the
 * snapshot's real-time cut (realTimeCheck). */
async function totalCheck(
  env: ClientEnv,
  model: BankModel,
  random: SeededRandom,
  sample: SeededRandom,
): Promise<void> {
  const reader = readerOf(env)
  const cut = model.cut()
  const tx = await env.qp.begin({ readOnly: true })
  const nextId = model.nextId
  checkStartTs(tx.startTs, cut, reader)
  let total = 0n
  if (random.next() < 0.5) {
    const r = await tx.execute('SELECT sum(balance) AS s, count(*) AS n FROM accounts')
    const [sum, count] = r.rows[0] ?? []
    check(Number(count) === model.accounts, `snapshot ${tx.startTs}: count ${String(count)}`)
    total = BigInt(sum as string)
  } else {
    for (let a = 0; a < model.accounts; a++) {
      if (a > 0 && env.holdMsMax !== undefined) await env.sleep(random.int(env.holdMsMax + 1))
      const r = await tx.execute('SELECT balance FROM accounts WHERE id = $1', [a])
      total += BigInt(r.rows[0]?.[0] as string)
    }
  }
  const where = snapshotName(tx.startTs, cut, reader)
  await realTimeCheck(tx, model, sample, { reader, cut, nextId, where })
  await tx.commit()
  check(total === model.total, `snapshot ${tx.startTs}: total ${total}, expected ${model.total}`)
  model.checks++
}

/** Acknowledgements before the begin that every light check reads: the latest, which a snapshot
 * from a lagging clock or a frontier not yet caught up would miss first. */
const RECENT_ACKS = 8
/** Older acknowledgements sampled by every light check (one point read each). */
const OLDER_ACKS = 2
/** Widest range of transfer ids one light check scans (about 5 µs a row): recent
 * acknowledgements below it are point-read instead. */
const RANGE_IDS_MAX = 32

/** A snapshot being judged against the model. */
interface Judged {
  readonly reader: Reader
  readonly cut: Cut
  /** The model's next transfer id once begin returned: attempts from it on began later. */
  readonly nextId: number
  /** Names the snapshot in messages. */
  readonly where: string
}

/**
 * The light real-time check, in a snapshot taken after `cut`: one range read of the audit rows of
 * the latest transfer ids (from the lowest of the last RECENT_ACKS acknowledged, at most
 * RANGE_IDS_MAX ids back), point reads of acknowledgements below that range and of OLDER_ACKS
 * older ones drawn from `sample` (a stream of its own, so the workload's draws stay as they were).
 * In the range, checkCut judges every id; the point reads must find their rows.
 */
async function realTimeCheck(
  tx: Transaction,
  model: BankModel,
  sample: SeededRandom,
  judged: Judged,
): Promise<void> {
  const { cut, nextId } = judged
  const recent = model.ackLog.slice(Math.max(0, cut.acks - RECENT_ACKS), cut.acks)
  const older: Ack[] = []
  for (let i = 0; i < OLDER_ACKS && cut.acks > RECENT_ACKS; i++) {
    older.push(model.ackLog[sample.int(cut.acks - RECENT_ACKS)] as Ack)
  }
  const lo = Math.max(1, nextId - RANGE_IDS_MAX, Math.min(nextId, ...recent.map((a) => a.id)))
  const rows = await tx.execute('SELECT id FROM audit WHERE id >= $1', [lo])
  const present = new Set(rows.rows.map((row) => Number(row[0])))
  checkCut(model, { ...judged, lo, present })
  for (const ack of [...recent, ...older]) {
    if (ack.id >= lo) continue
    const r = await tx.execute('SELECT id FROM audit WHERE id = $1', [ack.id])
    checkAcked(r.rows.length === 1, ack, judged.where)
    present.add(ack.id)
  }
  model.saw(judged.reader.scope, present)
  model.realTimeChecks++
}

/**
 * Judges the audit ids from `lo` up that a snapshot taken after `cut` shows (`present`): each
 * transfer acknowledged before the cut is there (real-time order, whichever region acknowledged
 * it), as is each that a completed read showed before the cut, in the reader's scope (monotonic
 * reads) or in another (real-time order: a region reading a commit still in its commit wait
 * answers once the commit could be acknowledged, QueryProcessorOptions.settleReads); none that
 * began after the snapshot was taken is (its commit was appended after every journal closed the
 * snapshot's timestamp), nor one that certainly did not commit or never asked to.
 */
function checkCut(
  model: BankModel,
  judged: Judged & { readonly lo: number; readonly present: ReadonlySet<number> },
): void {
  const { reader, cut, nextId, where, lo, present } = judged
  const unseen = (id: number) =>
    `monotonic reads: ${where}: transfer ${id} is not visible, but an earlier read of` +
    ` ${reader.scope} showed it`
  for (const id of present) {
    if (id < lo) continue
    check(
      id < nextId,
      `real-time order: ${where}: transfer ${id} is visible, but it began after the snapshot was` +
        ` taken (transfers from ${nextId} on did)`,
    )
    check(!model.absent.has(id), `${where}: transfer ${id} is visible but never committed`)
    const known = model.acked.has(id) || model.maybe.has(id) || model.inflight.has(id)
    check(known, `${where}: transfer ${id} is visible but was never committed`)
  }
  for (let id = lo; id < nextId; id++) {
    if (present.has(id)) continue
    const ack = model.ackOf(id)
    if (ack !== undefined && ack.seq <= cut.seq) checkAcked(false, ack, where)
    const seen = model.seenIn(reader.scope, id)
    check(seen === undefined || seen > cut.seq, unseen(id))
    check(
      !model.seenElsewhere(reader.scope, id, cut),
      `real-time order: ${where}: transfer ${id} is not visible, but a read in another scope showed it before this snapshot was taken`,
    )
  }
  if (lo > 1) return
  // A full read: also every transfer the scope showed at some point, whatever its id.
  for (const [id, seen] of model.seenAll(reader.scope)) {
    check(seen > cut.seq || present.has(id), unseen(id))
  }
}

/** Fails unless `visible`: `ack` came before the snapshot named by `where` was taken. */
function checkAcked(visible: boolean, ack: Ack, where: string): void {
  check(visible, `real-time order: ${where}: transfer ${ack.id} is missing, ${ackName(ack)}`)
}

/** Fails when a transaction that began after `cut` took a snapshot below an acknowledged commit
 * (a free check of every transaction, reads or not: its snapshot cannot show that commit). */
function checkStartTs(startTs: HlcTimestamp, cut: Cut, reader: Reader): void {
  const ack = cut.commitTsMax
  if (ack?.commitTs === undefined || startTs >= ack.commitTs) return
  throw new CheckFailure(
    `real-time order: ${snapshotName(startTs, cut, reader)} is below the commitTs of transfer` +
      ` ${ack.id}, ${ackName(ack)}`,
  )
}

function snapshotName(startTs: HlcTimestamp, cut: Cut, reader: Reader): string {
  const where = reader.region === undefined ? '' : `in ${reader.region} `
  return `a snapshot at ${startTs} begun ${where}at ${cut.atMs.toFixed(3)} virtual ms`
}

function ackName(ack: Ack): string {
  const by = ack.region === undefined ? '' : ` in ${ack.region}`
  const ts =
    ack.commitTs === undefined
      ? ' (resolved committed after a restart)'
      : ` (commitTs ${ack.commitTs})`
  return `acknowledged${by} at ${ack.atMs.toFixed(3)} virtual ms${ts}`
}

function readerOf(env: ClientEnv): Reader {
  return { region: env.region, scope: env.scope ?? LOCAL_READER.scope }
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

/** What a client needs from the world: is its process still alive, has it failed an fsync (its
 * journal then refuses commits and stops closing timestamps until the supervisor restarts it),
 * virtual sleep, and whether the run is ending. */
export interface ClientEnv {
  readonly qp: QueryProcessor
  /** The region the client talks to (a cluster's crash then only touches its commits). */
  readonly region?: string
  /** The scope of its reads for monotonic reads (see Reader); the whole run when absent. */
  readonly scope?: string
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
export const EXPECTED_CODES: ReadonlySet<string> = new Set(['40001', '40003', '72000'])

/** One client: transfers and checks until its process dies or the run stops. `sample` picks what
 * the real-time checks read, apart from `random`, which draws the workload. */
export async function runClient(
  env: ClientEnv,
  model: BankModel,
  random: SeededRandom,
  mix: ClientMix,
  sample: SeededRandom,
): Promise<void> {
  while (env.alive() && !env.stopping()) {
    await env.sleep(random.int(mix.thinkMsMax + 1))
    if (!env.alive() || env.stopping()) return
    const r = random.next()
    try {
      if (r < mix.fullCheckProbability) await fullCheck(env.qp, model, readerOf(env))
      else if (r < mix.readOnlyProbability) await totalCheck(env, model, random, sample)
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
  const cut = model.cut()
  const tx = await env.qp.begin()
  try {
    checkStartTs(tx.startTs, cut, readerOf(env))
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
  let commitTs: HlcTimestamp
  try {
    commitTs = (await tx.commit()).commitTs
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
    // never got the commit, a sealed journal), and so is 53100 (a journal whose disk is full): it
    // certainly did not commit, and a later snapshot that shows it fails the run. A 40003 (the
    // record went out) stays unknown.
    if (isSqlError(e) && (e.code === '57P03' || e.code === '53100')) model.absent.add(t.id)
    else model.maybe.set(t.id, t)
    throw e
  }
  // Resolved before the crash took the disk (see World.crashAndRestart): durable. A dead
  // process's late answer (none is expected) would not count.
  model.inflightRegion.delete(t.id)
  if (!model.inflight.delete(t.id)) return 'done'
  model.acknowledge(t, region, commitTs)
  return 'done'
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message)
}
