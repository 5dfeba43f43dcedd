// Goal: a job's promise resolves when its region closes under it (the job stays building, to be
// resumed) and rejects on anything else, so a bug in a background job is never swallowed. Method:
// startIndexJob on a real SQLite shard, closed under the job or holding a job record that is not
// JSON; no batch gets as far as a commit.
import { afterEach, describe, expect, test } from 'bun:test'
import { Hlc, SeededRandom, SimClock } from '../clock/index.ts'
import { openSqliteShard, ShardedStorage, type StorageShard } from '../storage/index.ts'
import { indexJobKey, startIndexJob, type JobHost } from './index-jobs.ts'

const clock = new SimClock()
let shard: StorageShard
afterEach(() => shard.close())

function host(): JobHost {
  shard = openSqliteShard({ id: 0, path: ':memory:', timers: clock })
  return {
    storage: new ShardedStorage([shard], () => 0),
    commits: {
      commit: () => {
        throw new Error('no batch of these jobs gets as far as a commit')
      },
    },
    hlc: new Hlc(clock),
    random: new SeededRandom(1),
  }
}

describe('startIndexJob', () => {
  test('resolves when the region closes under the job (57P03)', async () => {
    const h = host()
    // Committed above the frontier: the job's first snapshot waits, and the close fails the wait.
    const job = startIndexJob({}, h, 'closing', shard.frontier() + 1_000)
    shard.close()
    expect(await job).toBeUndefined()
  })

  test('rejects on anything else (here a job record that is not JSON)', async () => {
    const h = host()
    const commitTs = shard.frontier() + 10
    const writes = [{ key: indexJobKey('broken'), value: 'not json' }]
    shard.apply([{ journalId: 'j0', seq: 1, commitTs, writes }], commitTs)
    await expect(startIndexJob({}, h, 'broken', commitTs)).rejects.toBeInstanceOf(SyntaxError)
  })
})
