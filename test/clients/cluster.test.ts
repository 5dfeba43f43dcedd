// The clients against `npm start`'s cluster (issue 5, "Done when"): `tessera cluster` with the
// local 3-region topology as a real process tree, its URLs and token read from what it prints;
// the three examples run against both full regions, a conflict between transactions in two
// regions is retried, and the SQL fault switch answers on a cluster region.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createClient, findTesseraError, TesseraError } from '../../client-sdk/index.ts'
import { attemptsOf, runExample, startCliCluster, type CliCluster } from './harness.ts'

let cluster: CliCluster
const url = (region: string) => cluster.urls.get(region) ?? ''

beforeAll(async () => {
  cluster = await startCliCluster()
}, 40_000)
afterAll(async () => {
  await cluster?.stop()
})

describe("npm start's cluster", () => {
  test('the examples run against each full region', async () => {
    const plan = [
      ['sdk', 'us-east-1'],
      ['kysely', 'us-east-2'],
      ['drizzle', 'us-east-1'],
    ] as const
    for (const [name, region] of plan) {
      let run = await runExample(name, url(region), cluster.token)
      // A region answers 57P03 while its link to the other full region is down (seen once when
      // the machine was starved of CPU); the error says to retry, as a user would: once.
      if (run.status !== 0 && run.stderr.includes('"57P03"')) {
        console.log(`${name}: 57P03 from ${region}, running it again`)
        run = await runExample(name, url(region), cluster.token)
      }
      expect(`${run.name}: ${run.status} ${run.stderr}`).toBe(`${run.name}: 0 `)
      expect(attemptsOf(run)).toBeGreaterThanOrEqual(3)
    }
  }, 90_000)

  test('transactions in two regions on one row: one conflicts and is re-run; the total is exact', async () => {
    const east1 = createClient({ url: url('us-east-1'), token: cluster.token })
    const east2 = createClient({ url: url('us-east-2'), token: cluster.token })
    await east1.query('CREATE TABLE counter (id int8 PRIMARY KEY, n int8 NOT NULL)')
    await east1.query('INSERT INTO counter VALUES (1, 0)')
    let reads = 0
    let release!: () => void
    const bothRead = new Promise<void>((r) => (release = r))
    const retried: unknown[] = []
    const increment = (client: typeof east1) =>
      client.transaction(
        async (tx) => {
          const [row] = (await tx.query<{ n: string }>('SELECT n FROM counter WHERE id = 1')).rows
          if (++reads === 2) release()
          if (reads <= 2) await Promise.race([bothRead, new Promise((r) => setTimeout(r, 5_000))])
          await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [Number(row?.n) + 1])
        },
        { onRetry: (e) => retried.push(e) },
      )
    await Promise.all([increment(east1), increment(east2)])
    expect(retried.length).toBeGreaterThanOrEqual(1)
    expect(retried.every((e) => findTesseraError(e)?.code === '40001')).toBe(true)
    expect((await east2.query('SELECT n FROM counter')).rows).toEqual([{ n: '2' }])
  }, 30_000)

  test('the SQL fault switch is mounted on cluster regions (admin token)', async () => {
    const admin = createClient({ url: url('us-east-2'), token: cluster.token })
    const arm = await fetch(`${url('us-east-2')}/v1/admin/faults/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.token}` },
      body: JSON.stringify({ code: '40001', count: 1, match: 'injected_here' }),
    })
    expect(arm.status).toBe(200)
    const e = await admin.query('SELECT 1 AS injected_here').catch((err: unknown) => err)
    expect(e).toBeInstanceOf(TesseraError)
    expect((e as TesseraError).code).toBe('40001')
    expect((await admin.query('SELECT 1 AS injected_here')).rows).toEqual([{ injected_here: 1 }])
  })
})
