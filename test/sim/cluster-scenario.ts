// A scripted scenario on the deterministic cluster simulator (cluster-world.ts), for tests that
// drive one situation by hand rather than a seed's random faults: the whole cluster opened, virtual
// time run until each step settles, and errors nobody awaited (timers, background work) collected
// so that the next step fails on them.
import { SqlError } from '../../server/errors/index.ts'
import type { SqlTransaction } from '../../server/qp/index.ts'
import { ClusterWorld, NAMES, type ClusterConfig, type FullName } from './cluster-world.ts'
import { drive } from './drive.ts'

/** A cluster without faults but a 5 ms link delay, for a scenario to change what it is about. */
export function quietCluster(changes: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    journalCount: 2,
    shardCount: 2,
    partitionCount: 4,
    failoverAfterMs: 2_000,
    clockErrorBoundMs: 2,
    clockOffsetsMs: { east: 0, west: 0, wit: 0 },
    linkFaults: { delayMs: 5 },
    disk: { syncLatencyMsMin: 1, syncLatencyMsMax: 1, tornWriteProbability: 0 },
    ...changes,
  }
}

export class ClusterScenario {
  readonly world: ClusterWorld
  readonly failures: unknown[] = []
  readonly #onUnhandled = (e: unknown) => {
    // A killed process's pending disk calls fail; nobody is left to see them.
    if (e instanceof Error && e.message.startsWith('simulated crash')) return
    this.failures.push(e)
  }

  private constructor(seed: number, config: ClusterConfig) {
    this.world = new ClusterWorld(seed, config)
    process.on('unhandledRejection', this.#onUnhandled)
  }

  /** Opens every region of a cluster of `config`; `dispose()` it after the test. */
  static async open(seed: number, config: ClusterConfig): Promise<ClusterScenario> {
    const scenario = new ClusterScenario(seed, config)
    await scenario.run(Promise.all(NAMES.map((n) => scenario.world.open(n))), 'opening the cluster')
    return scenario
  }

  /** Runs virtual time until `promise` settles (bounded), failing on any error collected. */
  run<T>(promise: Promise<T>, what: string, maxVirtualMs = 60_000): Promise<T> {
    return drive(this.world, this.failures, promise, what, maxVirtualMs)
  }

  /** Lets `ms` of virtual time pass. */
  pause(ms: number, what = 'a pause'): Promise<void> {
    return this.run(new Promise<void>((resolve) => this.world.sim.setTimeout(resolve, ms)), what)
  }

  /** A transaction in `region`, through `work`, run to its end. */
  tx<T>(region: FullName, what: string, work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const qp = this.world.region(region)?.qp
    if (qp === undefined) throw new Error(`${region} is down`)
    return this.run((async () => work((await qp.begin()) as SqlTransaction))(), `${what} in ${region}`)
  }

  /** A transaction begun in `region` (virtual time run until it has its snapshot), left open for
   * the test to drive. */
  async begin(region: FullName): Promise<SqlTransaction> {
    const qp = this.world.region(region)?.qp
    if (qp === undefined) throw new Error(`${region} is down`)
    return (await this.run(Promise.resolve(qp.begin()), `begin in ${region}`)) as SqlTransaction
  }

  /** One statement in its own transaction in `region`, committed: 'ok' or the SQLSTATE it failed
   * with (at the statement or at commit). */
  attempt(region: FullName, text: string, params: unknown[] = []): Promise<string> {
    return this.run(
      outcome(
        (async () => {
          const tx = await this.begin(region)
          await tx.execute(text, params)
          await tx.commit()
        })(),
      ),
      `${text} in ${region}`,
    )
  }

  /** One statement in its own transaction in `region`; its rows. */
  sql(region: FullName, text: string, params: unknown[] = []): Promise<unknown[][]> {
    return this.tx(region, text, async (tx) => {
      const result = await tx.execute(text, params)
      await tx.commit()
      return result.rows.map((r) => [...r])
    })
  }

  async dispose(): Promise<void> {
    process.off('unhandledRejection', this.#onUnhandled)
    await this.world.dispose()
  }
}

/** The SQLSTATE a promise fails with, or 'ok'; anything but an SqlError is thrown on. */
export const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => {
      if (e instanceof SqlError) return e.code
      throw e
    },
  )
