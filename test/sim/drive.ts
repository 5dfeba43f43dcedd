// What both simulations (one region, a cluster) do to run a seed: step virtual time until a
// promise settles, surface the first failure, and start bank clients with seeds of their own.
import { SeededRandom, type SimClock } from '../../server/clock/index.ts'
import { CheckFailure, runClient, type BankModel, type ClientEnv, type ClientMix } from './bank.ts'

/** Lets every microtask run: a macrotask boundary of the host. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Lets every microtask run, then moves virtual time to the next timer (at least `minMs`, so
 * time passes even when work keeps scheduling zero-delay timers; at most `maxMs`). */
export async function stepSim(sim: SimClock, maxMs = 5, minMs = 0.1): Promise<void> {
  await flush()
  const now = sim.wallMs()
  const next = sim.nextAt()
  const to = next === undefined ? now + maxMs : Math.min(next, now + maxMs)
  sim.advance(Math.max(minMs, to - now))
  await flush()
}

/** A simulated world that can be stepped. */
export interface SteppedWorld {
  readonly sim: SimClock
  readonly errors: readonly unknown[]
  step(): Promise<void>
}

/** Steps `world` until `promise` settles; a bounded wait (a hang is a failure). Throws the first
 * failure a client or the world recorded meanwhile. */
export async function drive<T>(
  world: SteppedWorld,
  failures: readonly unknown[],
  promise: Promise<T>,
  what: string,
  maxVirtualMs = 60_000,
): Promise<T> {
  let settled = false
  const watched = promise.finally(() => (settled = true))
  watched.catch(() => {})
  const until = world.sim.wallMs() + maxVirtualMs
  while (!settled) {
    if (world.sim.wallMs() > until) {
      throw new CheckFailure(`${what} did not finish within ${maxVirtualMs} virtual ms`)
    }
    await world.step()
    throwFailures(world, failures)
  }
  return watched
}

/** Throws the first recorded failure, if any. */
export function throwFailures(world: SteppedWorld, failures: readonly unknown[]): void {
  const failure = failures[0] ?? world.errors[0]
  if (failure !== undefined) throw failure
}

/** Salt of the stream a client's real-time checks sample from (derived from its seed, so that
 * nothing more is drawn from `random` than before the checks existed). */
const SAMPLE_SALT = 0x7ea1_7143

/** Starts `count` bank clients, each with a seed drawn from `random`; failures go to `failures`. */
export function spawnClients(
  env: ClientEnv,
  count: number,
  model: BankModel,
  random: SeededRandom,
  mix: ClientMix,
  failures: unknown[],
): Promise<void>[] {
  return Array.from({ length: count }, (_, i) => {
    const seed = (random.int(2 ** 32) + i) >>> 0
    const sample = new SeededRandom((seed ^ SAMPLE_SALT) >>> 0)
    return runClient(env, model, new SeededRandom(seed), mix, sample).catch((e) => {
      failures.push(e)
    })
  })
}
