// Goal: a region that cannot serve says so at once and in words a client can act on
// (docs/architecture.md "Multi-region": reads, commits, failover). A region that cannot reach a
// majority of regions, or a full region it needs, answers 57P03 at begin without waiting, and so
// does a begin already waiting for the frontier when it learns it; a commit that cannot reach a
// quorum when it starts is refused before anything is written (57P03), while one whose quorum is
// lost after its record went out stays unknown (40003); a commit already durable is acknowledged
// when the region learns it cannot show it, not after a timeout; health reports the state (a
// witness's too: the full regions it cannot reach, a missing quorum); the
// region tells its operator about links, the quorum and failovers, a flapping link in few lines.
// Method: the deterministic cluster simulator (two full regions and a witness, the real
// openRegion, SimDisk and SimNetwork on one virtual clock), driven through each region's HTTP API
// with exact answers. One adjudicator partition, so every commit is coordinated in east (journal
// east/j0) and west forwards its commits there.
import { afterEach, describe, expect, test } from 'bun:test'
import type { ClusterEvent } from '../../server/region/index.ts'
import type { FullName, RegionName } from './cluster-world.ts'
import { ClusterScenario, quietCluster } from './cluster-scenario.ts'

const CONFIG = quietCluster({ partitionCount: 1 })

let scenario: ClusterScenario
afterEach(() => scenario.dispose())

interface Answer {
  readonly status: number
  readonly body: unknown
  /** Virtual ms from the request to its answer. */
  readonly ms: number
}

/** Starts a request to `region`'s API; `answer()` runs virtual time until it is answered. */
function request(region: FullName, method: string, path: string, body?: unknown): { answer(): Promise<Answer>; done(): boolean } {
  const app = scenario.world.region(region)?.app
  if (app === undefined) throw new Error(`${region} is down`)
  const startedMs = scenario.world.sim.wallMs()
  let done = false
  const init = { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }
  const answered = Promise.resolve(app.request(path, init)).then(async (res) => {
    const ms = scenario.world.sim.wallMs() - startedMs
    done = true
    return { status: res.status, body: (await res.json()) as unknown, ms }
  })
  return { answer: () => scenario.run(answered, `${method} ${path} in ${region}`), done: () => done }
}

const call = (region: FullName, method: string, path: string, body?: unknown) => request(region, method, path, body).answer()
const sqlCall = (region: FullName, sql: string) => call(region, 'POST', '/v1/sql', { sql, rowMode: 'array' })

/** API.md's error body. */
const error = (code: string, message: string, detail: string | null, hint: string | null) => ({
  error: { code, message, detail, hint, position: null, retryable: false },
})

const NO_QUORUM_HINT = 'Retry, or use another region; GET /v1/health?ready=1 answers 200 once this one serves again.'

/** Polls `region` with a read until it serves (a failover may be under way): at most 20 s. */
async function servesAgain(region: FullName): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const answer = await sqlCall(region, 'SELECT 1')
    if (answer.status === 200) return
    expect(answer.status).toBe(503)
    await scenario.pause(100)
  }
  throw new Error(`${region} does not serve again`)
}

async function open(seed: number, config = CONFIG): Promise<void> {
  scenario = await ClusterScenario.open(seed, config)
  expect((await sqlCall('east', 'CREATE TABLE t (id int PRIMARY KEY, v text)')).status).toBe(200)
  expect((await sqlCall('east', "INSERT INTO t VALUES (1, 'a')")).status).toBe(200)
}

describe('a region that cannot reach a quorum', () => {
  test('left alone after a failover (witness and the returned region gone), it answers 57P03 at begin at once, and health says why', async () => {
    await open(1)
    const { world } = scenario
    // The sequence of the multi-region test pass: west killed and failed over, back without
    // partitions, then the witness and west killed: east is alone, every other full region out.
    await world.kill('west')
    await servesAgain('east')
    await scenario.run(world.open('west'), 'restarting west')
    await servesAgain('west')
    await world.kill('wit')
    await world.kill('west')
    await scenario.pause(10)
    const reason = 'no quorum: 1 of the 3 regions in reach (this one included), 2 needed'
    const read = await sqlCall('east', 'SELECT v FROM t')
    expect(read).toEqual({ status: 503, ms: expect.any(Number), body: error('57P03', `region east cannot begin transactions now: ${reason}`, null, NO_QUORUM_HINT) })
    expect(read.ms).toBeLessThanOrEqual(5)
    const write = await sqlCall('east', "INSERT INTO t VALUES (2, 'b')")
    expect(write.body).toEqual(read.body)
    expect(write.ms).toBeLessThanOrEqual(5)
    // Alive, so 200, but degraded; the readiness form answers 503.
    const degraded = { status: 'degraded', region: 'east', reason, openTransactions: 0 }
    expect(await call('east', 'GET', '/v1/health')).toMatchObject({ status: 200, body: degraded })
    expect(await call('east', 'GET', '/v1/health?ready=1')).toMatchObject({ status: 503, body: degraded })
    // The witness back: a quorum again, and east serves.
    await scenario.run(world.open('wit'), 'restarting the witness')
    await servesAgain('east')
    expect(await call('east', 'GET', '/v1/health?ready=1')).toMatchObject({ status: 200, body: { status: 'ok', region: 'east', openTransactions: 0 } })
    expect(await sqlCall('east', 'SELECT v FROM t')).toMatchObject({ status: 200, body: { rows: [['a']] } })
  }, 60_000)

  test('a commit that cannot reach a quorum when it starts is refused before anything is written; one whose quorum is lost after its record went out is 40003', async () => {
    await open(2)
    const { world } = scenario
    const begin = async () => {
      const begun = await call('east', 'POST', '/v1/tx', {})
      expect(begun.status).toBe(201)
      return (begun.body as { tx: string }).tx
    }
    const refused = await begin()
    expect((await call('east', 'POST', `/v1/tx/${refused}/sql`, { sql: "INSERT INTO t VALUES (2, 'b')" })).status).toBe(200)
    await world.kill('wit')
    world.net.partition('east', 'west')
    await scenario.pause(10)
    const commit = await call('east', 'POST', `/v1/tx/${refused}/commit`)
    expect(commit).toEqual({
      status: 503,
      ms: expect.any(Number),
      body: error('57P03', 'cannot commit now: journal east/j0 reaches 1 of the 3 regions that hold it, and a commit needs 2; nothing was written', null, 'Retry once the other regions are reachable again.'),
    })
    expect(commit.ms).toBeLessThanOrEqual(5)
    expect(await call('east', 'GET', `/v1/tx/${refused}`)).toMatchObject({ status: 200, body: { status: 'aborted' } })

    // The witness back (west still cut off): east fails west over and serves with the witness.
    await scenario.run(world.open('wit'), 'restarting the witness')
    await servesAgain('east')
    expect(await sqlCall('east', 'SELECT count(*) FROM t WHERE id = 2')).toMatchObject({ status: 200, body: { rows: [['0']] } })

    // Now the record goes out (the link to the witness is up) and is lost, and then the link
    // drops: the record is on east's disk and may still reach a quorum, so the outcome is unknown.
    const unknown = await begin()
    expect((await call('east', 'POST', `/v1/tx/${unknown}/sql`, { sql: "INSERT INTO t VALUES (3, 'c')" })).status).toBe(200)
    world.net.setFaults('east', 'wit', { partitioned: true })
    const committing = request('east', 'POST', `/v1/tx/${unknown}/commit`)
    await scenario.pause(1_000)
    expect(committing.done()).toBe(false)
    world.net.partition('east', 'wit')
    const outcome = await committing.answer()
    expect(outcome).toEqual({
      status: 503,
      ms: expect.any(Number),
      body: error('40003', 'the outcome of the commit is unknown', 'journal east/j0: no quorum of regions confirmed the commit in 5000 ms', null),
    })
    expect(await call('east', 'GET', `/v1/tx/${unknown}`)).toMatchObject({ status: 200, body: { status: 'unknown' } })
    // Indeed it was not lost: with the link back the record reaches the witness and commits.
    world.net.setFaults('east', 'wit', {})
    world.net.heal()
    await servesAgain('east')
    await scenario.pause(500)
    expect(await sqlCall('east', 'SELECT v FROM t WHERE id = 3')).toMatchObject({ status: 200, body: { rows: [['c']] } })
  }, 60_000)
})

describe('the witness', () => {
  /** GET `path` from the witness's app: status and body. */
  async function witnessGet(path: string): Promise<{ status: number; body: unknown }> {
    const app = scenario.world.proc('wit')?.witness?.app
    if (app === undefined) throw new Error('the witness is down')
    const response = await scenario.run(Promise.resolve(app.request(path)), `GET ${path} at the witness`)
    return { status: response.status, body: await response.json() }
  }

  test('its health says which full regions it cannot reach and when it has no quorum; the readiness form answers 503 then', async () => {
    await open(7)
    const { world } = scenario
    const ok = { status: 'ok', region: 'wit', role: 'witness', openTransactions: 0 }
    expect(await witnessGet('/v1/health')).toEqual({ status: 200, body: ok })
    expect(await witnessGet('/v1/health?ready=1')).toEqual({ status: 200, body: ok })
    // Cut from west: it no longer replicates west's journals (west goes on with east's quorum).
    world.net.partition('wit', 'west')
    await scenario.pause(10)
    const westGone = { ...ok, status: 'degraded', reason: 'region west is unreachable' }
    expect(await witnessGet('/v1/health')).toEqual({ status: 200, body: westGone })
    expect(await witnessGet('/v1/health?ready=1')).toEqual({ status: 503, body: westGone })
    expect(await witnessGet('/v1/health?ready=0')).toEqual({ status: 200, body: westGone })
    // Alone: no full region in reach, and no majority to be part of.
    world.net.partition('wit', 'east')
    await scenario.pause(10)
    const alone = { ...ok, status: 'degraded', reason: 'regions east, west are unreachable; no quorum: 1 of the 3 regions in reach (this one included), 2 needed' }
    expect(await witnessGet('/v1/health?ready=1')).toEqual({ status: 503, body: alone })
    world.net.heal()
    for (let i = 0; i < 100 && (await witnessGet('/v1/health?ready=1')).status !== 200; i++) await scenario.pause(100)
    expect(await witnessGet('/v1/health?ready=1')).toEqual({ status: 200, body: ok })
  }, 60_000)
})

describe('a region that learns it cannot serve', () => {
  test('a begin waiting for the frontier when a full region goes out of reach answers 57P03 then, not 57014 after its timeout', async () => {
    await open(3)
    const { world } = scenario
    // West's messages to east are lost (its link still up, as a cut cable looks until pings are
    // missed): east's snapshot waits for west's closed timestamp.
    world.net.setFaults('west', 'east', { partitioned: true })
    const reading = request('east', 'POST', '/v1/sql', { sql: 'SELECT v FROM t', rowMode: 'array' })
    await scenario.pause(500)
    expect(reading.done()).toBe(false)
    // The link is seen down: the region knows now that the frontier cannot come.
    world.net.partition('east', 'west')
    const read = await reading.answer()
    expect(read).toEqual({
      status: 503,
      ms: expect.any(Number),
      body: error('57P03', 'region east cannot begin transactions now: region west is unreachable', null, NO_QUORUM_HINT),
    })
    expect(read.ms).toBeLessThan(600)
    expect(await call('east', 'GET', '/v1/health')).toMatchObject({ status: 200, body: { status: 'degraded', reason: 'region west is unreachable' } })
    world.net.setFaults('west', 'east', {})
    world.net.heal()
    await servesAgain('east')
  }, 60_000)

  test('a commit durable on a quorum is acknowledged when the region learns it cannot show it, without an error', async () => {
    await open(4)
    const { world } = scenario
    // West's messages to east take 200 ms, so the witness acknowledges the commit's record first,
    // and at that moment east's link to west drops: the record is durable (a quorum has it), but
    // east's frontier cannot pass it before west's closed timestamps come again.
    world.net.setFaults('west', 'east', { delayMs: 200 })
    let armed = true
    world.onReceive = (to, _from, message) => {
      if (armed && to === 'east' && message.type === 'journal.ack' && message.journalId === 'east/j0') {
        armed = false
        world.net.partition('east', 'west')
      }
    }
    const write = await sqlCall('east', "INSERT INTO t VALUES (5, 'e')")
    expect(armed).toBe(false)
    expect(write).toMatchObject({ status: 200, body: { command: 'INSERT', rowCount: 1 } })
    // The begin waited about 200 ms for west's closed timestamp; the commit then about 11 ms for
    // the witness's acknowledgement, and not for the frontier.
    expect(write.ms).toBeLessThan(300)
    // Begins are refused while west is out of reach; healed (one of the two may have been failed
    // over meanwhile, with the record: a quorum had it), the commit shows.
    expect((await sqlCall('east', 'SELECT 1')).status).toBe(503)
    world.net.setFaults('west', 'east', {})
    world.net.heal()
    await servesAgain('east')
    expect(await sqlCall('east', 'SELECT v FROM t WHERE id = 5')).toMatchObject({ status: 200, body: { rows: [['e']] } })
  }, 60_000)
})

describe('answers and events', () => {
  test('a transaction asked for in another region is 25P03 with a hint; a forward that never left is 57P03 in a client\'s words', async () => {
    await open(5)
    const begun = await call('east', 'POST', '/v1/tx', {})
    const tx = (begun.body as { tx: string }).tx
    const unknown = error('25P03', `transaction "${tx}" is unknown or has expired`, null, 'A transaction lives in the region that began it (the region named in the answer to POST /v1/tx); this is region west.')
    expect(await call('west', 'GET', `/v1/tx/${tx}`)).toMatchObject({ status: 404, body: unknown })
    expect(await call('west', 'POST', `/v1/tx/${tx}/commit`)).toMatchObject({ status: 404, body: unknown })
    // West's commits go to east, which owns every key: with the link down, nothing leaves.
    const inWest = await call('west', 'POST', '/v1/tx', {})
    const westTx = (inWest.body as { tx: string }).tx
    expect((await call('west', 'POST', `/v1/tx/${westTx}/sql`, { sql: "INSERT INTO t VALUES (6, 'f')" })).status).toBe(200)
    scenario.world.net.partition('east', 'west')
    await scenario.pause(10)
    expect(await call('west', 'POST', `/v1/tx/${westTx}/commit`)).toMatchObject({
      status: 503,
      body: error('57P03', 'cannot commit now: region east, which coordinates this commit, did not answer (no link to it); nothing was written', null, 'Retry: a region that stays unreachable is failed over, and its keys move to a region still in.'),
    })
  }, 60_000)

  test('links, the quorum and failovers are reported once per change; a flapping link in a few events', async () => {
    // Four partitions: west owns two of them, which east takes over.
    await open(6, quietCluster())
    const { world } = scenario
    // Past the interval of the links' coming up at the start.
    await scenario.pause(10_000)
    const events: { region: RegionName; atMs: number; event: ClusterEvent }[] = []
    world.onClusterEvent = (region, event) => events.push({ region, atMs: world.sim.wallMs(), event })
    const of = (region: RegionName) => events.filter((e) => e.region === region).map((e) => e.event)

    await world.kill('west')
    await servesAgain('east')
    await scenario.pause(100)
    expect(of('east')).toEqual([
      { kind: 'link', peer: 'west', up: false, changes: 1 },
      { kind: 'failed-over', region: 'west', by: 'east', self: false, seals: { 'west/j0': expect.any(Number), 'west/j1': expect.any(Number) } },
      { kind: 'took-over', region: 'west', partitions: 2 },
    ])
    expect(of('wit')).toEqual([
      { kind: 'link', peer: 'west', up: false, changes: 1 },
      { kind: 'failed-over', region: 'west', by: 'east', self: false, seals: expect.any(Object) },
    ])

    events.length = 0
    await scenario.run(world.open('west'), 'restarting west')
    await servesAgain('west')
    expect(of('west')).toContainEqual({ kind: 'failed-over', region: 'west', by: 'east', self: true, seals: expect.any(Object) })
    expect(of('east')).toEqual([{ kind: 'link', peer: 'west', up: true, changes: 1 }])

    // The witness and west gone: east has no quorum (the link to west, failed over, counts only
    // for the quorum). Past the interval of west's two link events first.
    await scenario.pause(10_000)
    events.length = 0
    await world.kill('wit')
    await scenario.pause(10)
    expect(of('east')).toEqual([])
    await world.kill('west')
    await scenario.pause(10)
    expect(of('east')).toEqual([
      { kind: 'link', peer: 'west', up: false, changes: 1 },
      { kind: 'quorum', reached: false, reachable: 1, regions: 3, quorum: 2, changes: 1 },
    ])
    events.length = 0
    await scenario.run(world.open('wit'), 'restarting the witness')
    await scenario.pause(10)
    expect(of('east')).toEqual([{ kind: 'quorum', reached: true, reachable: 2, regions: 3, quorum: 2, changes: 1 }])
    await scenario.run(world.open('west'), 'restarting west')
    await scenario.pause(10_100)

    // West's link flaps 40 times in four seconds: the first two changes are told at once, the
    // rest folded into one event once the interval allows, naming the state it ended in.
    events.length = 0
    for (let i = 0; i < 20; i++) {
      world.net.partition('east', 'west')
      await scenario.pause(50)
      world.net.heal()
      await scenario.pause(50)
    }
    await scenario.pause(10_000)
    const links = of('east').filter((e) => e.kind === 'link')
    expect(links).toEqual([
      { kind: 'link', peer: 'west', up: false, changes: 1 },
      { kind: 'link', peer: 'west', up: true, changes: 1 },
      { kind: 'link', peer: 'west', up: true, changes: 38 },
    ])
  }, 60_000)
})
