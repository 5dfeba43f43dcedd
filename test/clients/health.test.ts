// Goal: the SDK's readiness form, `health({ ready: true })`, answers a region that cannot serve
// yet with a typed not-ready answer (its health and `ready: false`), not an opaque failure, for
// a full region and a witness alike, and `ready: true` once the cluster is whole; an answer that
// is not Tessera's still rejects. Method: the regions of regions/local-3.json started one by one
// as real `tessera start --topology` processes (the witness first, alone; then us-east-1; then
// us-east-2), each asked through the SDK over real HTTP.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, TesseraError, type Readiness } from '../../client-sdk/index.ts'
import { clusterBasePort, startServer, type ServerProcess } from '../e2e/server-process.ts'
import { root } from './harness.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-clients-health-'))
const basePort = clusterBasePort()
const servers: ServerProcess[] = []

afterAll(async () => {
  for (const server of servers) await server.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function start(region: string) {
  const args = ['--topology', join(root, 'regions/local-3.json'), '--region', region, '--base-port', String(basePort)]
  const server = await startServer(dataDir, { args })
  servers.push(server)
  return createClient({ url: server.url })
}

/** Asks until the region says it is ready (at most 15 s); the last answer. */
async function untilReady(client: ReturnType<typeof createClient>): Promise<Readiness> {
  for (let i = 0; ; i++) {
    const answer = await client.health({ ready: true })
    if (answer.ready || i >= 150) return answer
    await Bun.sleep(100)
  }
}

const NO_QUORUM = 'no quorum: 1 of the 3 regions in reach (this one included), 2 needed'

describe('health({ ready: true })', () => {
  test('not ready while regions are missing (a full region, a witness), typed; ready once all are up', async () => {
    const witness = await start('us-west-2')
    const alone = await witness.health({ ready: true })
    expect(alone).toEqual({
      ready: false,
      status: 'degraded',
      region: 'us-west-2',
      role: 'witness',
      reason: `regions us-east-1, us-east-2 are unreachable; ${NO_QUORUM}`,
      openTransactions: 0,
    })
    // The liveness form: the same body, 200, so it resolves too.
    const { ready: _, ...body } = alone
    expect(await witness.health()).toEqual(body)
    // A `ready` known only at run time takes either form (and type-checks).
    for (const ready of [true, false]) expect(await witness.health({ ready })).toEqual(ready ? alone : body)

    const east1 = await start('us-east-1')
    const notReady = await east1.health({ ready: true })
    expect(notReady).toMatchObject({ ready: false, status: 'degraded', region: 'us-east-1', openTransactions: 0 })
    // us-east-2 is missing; whether the link to the witness is up yet depends on timing.
    expect(notReady.reason).toStartWith('region us-east-2 is unreachable')
    expect(await east1.query('SELECT 1').catch((e: unknown) => (e as TesseraError).code)).toBe('57P03')

    const east2 = await start('us-east-2')
    for (const [client, region] of [[east1, 'us-east-1'], [east2, 'us-east-2']] as const) {
      expect(await untilReady(client)).toEqual({ ready: true, status: 'ok', region, openTransactions: 0 })
    }
    expect(await untilReady(witness)).toEqual({ ready: true, status: 'ok', region: 'us-west-2', role: 'witness', openTransactions: 0 })
    expect((await east1.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  }, 60_000)

  test("a 503 that is not Tessera's health stays an error; so does a 200 without its fields", async () => {
    const stub = (status: number, body: string) =>
      createClient({ url: 'http://127.0.0.1:1', fetch: async () => new Response(body, { status }) })
    const proxy = await stub(503, 'Service Unavailable').health({ ready: true }).catch((e: unknown) => e)
    expect(proxy).toBeInstanceOf(TesseraError)
    expect((proxy as TesseraError).code).toBe('57P03')
    const empty = await stub(200, '{}').health({ ready: true }).catch((e: unknown) => e)
    expect((empty as TesseraError).code).toBe('08P01')
  })
})
