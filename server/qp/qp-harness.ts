// Test support for the query processor (ARCHITECTURE.md steps 1-5 in one process): a real QP over
// real SQLite shards, adjudicators, a file journal on a simulated disk and the crossbar.
import { Hlc, SeededRandom, SimClock, type Clock } from '../clock/index.ts'
import { createCrossbar } from '../crossbar/index.ts'
import { createAdjudicators, type Adjudicators, type CommitOutcome, type CommitRequest, type CommitService } from '../adjudicator/index.ts'
import { SimDisk } from '../disk/index.ts'
import type { SqlError } from '../errors/index.ts'
import { openFileJournal } from '../journal/index.ts'
import { openSqliteShard, ShardedStorage, tableShardOf } from '../storage/index.ts'
import { createQueryProcessor, type KeepAlive, type QpLimits, type QueryProcessor, type Result } from './index.ts'
import type { SqlTransaction } from './transaction.ts'

/** A clock that moves `stepMs` every time it is read (drives statement timeouts in tests). */
export class TickingClock implements Clock {
  #ms: number
  readonly #stepMs: number

  constructor(startMs: number, stepMs: number) {
    this.#ms = startMs
    this.#stepMs = stepMs
  }

  wallMs(): number {
    this.#ms += this.#stepMs
    return this.#ms
  }
}

export interface QpHarness {
  readonly qp: QueryProcessor
  readonly hlc: Hlc
  readonly clock: SimClock
  readonly adjudicators: Adjudicators
  /** The storage the QP reads (tests look at what commits wrote). */
  readonly storage: ShardedStorage
  begin(options?: { readOnly?: boolean }): Promise<SqlTransaction>
  /** Runs statements in one transaction and commits: the last statement's result. */
  run(sql: string, params?: readonly unknown[]): Promise<Result>
  /** The rows of a one-statement transaction. */
  rows(sql: string, params?: readonly unknown[]): Promise<unknown[][]>
  close(): Promise<void>
}

export interface HarnessOptions {
  readonly limits?: QpLimits
  readonly shardCount?: number
  /** The clock the QP measures statement time with (default: the simulated clock). */
  readonly qpClock?: Clock
  readonly seed?: number
  /** Runs after each commit the adjudicators decided, before its caller hears of it (a test can
   * hold a background job between two of its transactions). */
  readonly afterCommit?: (request: CommitRequest, outcome: CommitOutcome) => Promise<void>
  /** What the region would do while a statement holds the thread (QueryProcessorOptions). */
  readonly keepAlive?: KeepAlive
}

export function createHarness(options: HarnessOptions = {}): QpHarness {
  const clock = new SimClock()
  const hlc = new Hlc(clock)
  const shardCount = options.shardCount ?? 2
  const shards = Array.from({ length: shardCount }, (_, id) => openSqliteShard({ id, path: ':memory:', timers: clock }))
  const shardOf = tableShardOf(shardCount)
  const storage = new ShardedStorage(shards, shardOf)
  const journal = openFileJournal({ id: 'j0', dir: '/journal/j0', disk: new SimDisk(), hlc, clock, timers: clock })
  const crossbar = createCrossbar({ journals: [journal], shards, shardOf })
  crossbar.start()
  const adjudicators = createAdjudicators({
    partitionCount: 8,
    owners: [{ id: 'a0', journal, partitions: [0, 1, 2, 3, 4, 5, 6, 7] }],
    hlc,
    clock,
    timers: clock,
  })
  const afterCommit = options.afterCommit
  const commits: CommitService =
    afterCommit === undefined
      ? adjudicators
      : {
          commit: async (request) => {
            const outcome = await adjudicators.commit(request)
            await afterCommit(request, outcome)
            return outcome
          },
        }
  const qp = createQueryProcessor({
    storage,
    commits,
    hlc,
    clock: options.qpClock ?? clock,
    timers: clock,
    random: new SeededRandom(options.seed ?? 42),
    snapshotTs: () => {
      crossbar.requestFrontier(hlc.now())
      return crossbar.frontier()
    },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.keepAlive === undefined ? {} : { keepAlive: options.keepAlive }),
  })
  const begin = async (o?: { readOnly?: boolean }) => (await qp.begin(o)) as SqlTransaction
  const run = async (sql: string, params?: readonly unknown[]) => {
    const tx = await begin()
    const result = await tx.execute(sql, params)
    await tx.commit()
    return result
  }
  return {
    qp,
    hlc,
    clock,
    adjudicators,
    storage,
    begin,
    run,
    rows: async (sql, params) => (await run(sql, params)).rows.map((r) => [...r]),
    close: async () => {
      adjudicators.close()
      crossbar.close()
      await journal.close()
      for (const s of shards) s.close()
    },
  }
}

/** The SqlError a promise rejects with (fails the test when it resolves). */
export async function sqlError(p: Promise<unknown>): Promise<SqlError> {
  try {
    await p
  } catch (e) {
    if (e instanceof Error && e.name === 'SqlError') return e as SqlError
    throw e
  }
  throw new Error('expected an SqlError')
}
