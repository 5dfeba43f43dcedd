// Repro of a recovery bug the simulator found (ARCHITECTURE.md "Recovery"; not a test file: it
// fails today). Run: bun test/sim/repro-clock-step-back.ts  (exit 1 = the bug is still there).
//
// Each storage shard persists its own frontier (a merged closed timestamp), and only with applies
// that write rows, so shards stop at different frontiers. After a restart whose wall clock is
// behind the highest of them (an NTP step back; or an HLC that ran ahead of wall time under load,
// then a quick restart), the journals start their closed and commit timestamps at
// max(wall clock, last commitTs on disk), and the crossbar's frontier (so a new transaction's
// startTs) is the lowest shard frontier. A new commit then gets a commitTs below the frontier of
// a shard it writes to: the commit is acknowledged, but that shard refuses the record
// (AssertionError "record at X at or below the frontier Y" in the crossbar's apply), the crossbar
// stops, the acknowledged transfer is never visible and later reads time out (57014).
// The journal's comment at open ("closed timestamps published before a restart were at most the
// clock then") is the assumption that breaks.
// Expected: the commit after the restart is applied and visible. Fix idea: at open, fold the
// highest stored shard frontier into the HLC (`hlc.update`) before the journals open (or persist
// the journals' closed timestamps).
import { loadModule } from 'libpg-query'
import { SeededRandom } from '../../server/clock/index.ts'
import { BankModel, fullCheck, setupBank } from './bank.ts'
import { runSeed } from './run-seed.ts'
import { drawConfig, flush, World } from './world.ts'

async function drive<T>(world: World, promise: Promise<T>, maxVirtualMs = 30_000): Promise<T> {
  let settled = false
  const watched = promise.finally(() => (settled = true))
  watched.catch(() => {})
  const until = world.sim.wallMs() + maxVirtualMs
  while (!settled && world.sim.wallMs() < until) {
    await world.step()
    if (world.errors.length > 0) throw world.errors[0]
  }
  if (!settled) throw new Error(`no answer within ${maxVirtualMs} virtual ms`)
  return watched
}

/**
 * The smallest scenario: two journals, one shard, 40 ms fsyncs. Eight staggered single-row
 * commits make a journal's record wait for the other journal's closed timestamp, which a
 * heartbeat has meanwhile moved well past it, so storage stores a frontier above the last
 * commitTs on disk. Then a crash, storage kept, a restart with the clock 300 ms back, one commit.
 */
async function minimal(): Promise<string | undefined> {
  await loadModule()
  const config = {
    ...drawConfig(new SeededRandom(1)),
    journalCount: 2,
    shardCount: 2,
    partitionCount: 2,
    heartbeatMs: 5,
    faults: { syncLatencyMsMin: 40, syncLatencyMsMax: 40 },
    restartSkewMs: 0,
  }
  const world = new World(1, config)
  const model = new BankModel(8)
  const unhandled: unknown[] = []
  const onUnhandled = (e: unknown) => void unhandled.push(e)
  process.on('unhandledRejection', onUnhandled)
  try {
    world.start()
    await drive(world, setupBank(world.process.qp, model))
    const { qp, clock } = world.process
    const writes = Array.from({ length: 8 }, async (_, a) => {
      await clock.sleep(a * 3)
      const tx = await qp.begin()
      await tx.execute('UPDATE accounts SET balance = balance WHERE id = $1', [a])
      await tx.commit()
    })
    await drive(world, Promise.all(writes))
    for (let i = 0; i < 30; i++) await world.step()
    await world.kill()
    world.restart({ keepStorage: true, clockStepMs: -300 })
    const qp2 = world.process.qp
    // Expected: this transfer is acknowledged and a later snapshot reads it.
    const transfer = async () => {
      const after = await qp2.begin()
      await after.execute('UPDATE accounts SET balance = balance - 5 WHERE id = 0')
      await after.execute('UPDATE accounts SET balance = balance + 5 WHERE id = 1')
      await after.execute('INSERT INTO audit VALUES (1, 0, 1, 5)')
      return after.commit()
    }
    const { commitTs } = await drive(world, transfer())
    model.acked.set(1, { id: 1, src: 0, dst: 1, amount: 5 })
    const frontier = world.process.shards[0]?.frontier()
    console.log(`after the restart: acknowledged at ${commitTs}, storage frontier ${frontier}`)
    await flush()
    if (unhandled.length > 0) throw unhandled[0]
    await drive(world, fullCheck(world.process.qp, model))
    return undefined
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e)
  } finally {
    process.off('unhandledRejection', onUnhandled)
    world.dispose()
  }
}

const failure = await minimal()
console.log(`minimal scenario: ${failure === undefined ? 'ok (bug fixed?)' : `FAILED: ${failure}`}`)
// The seed the simulator found it with (clock steps back up to 74 ms at restarts).
const r = await runSeed(9, { config: { clockStepsBack: true } })
console.log(`seed 9 with clockStepsBack: ${r.ok ? 'ok' : `FAILED: ${r.failure?.split('\n')[0]}`}`)
process.exit(failure === undefined && r.ok ? 0 : 1)
