// Failover (ARCHITECTURE.md "Regions", issue 3 "Failure and recovery"): a full region that stays
// unreachable is failed over by the other with the witness: its journals sealed at the longest
// tail the survivors hold, its partitions taken over. Method: the in-process cluster on a
// simulated network; east is cut off mid-load (a zombie, still running), west must serve reads and
// writes again within 5 virtual seconds with every acknowledged commit; the zombie must never
// acknowledge another commit; healed, east learns it was failed over and serves again.
import { afterEach, describe, expect, test } from 'bun:test'
import { Cluster } from './cluster.ts'

let cluster: Cluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

/** Opens `c` with table t holding rows 0-19, the even ones written in east, the odd in west. */
async function openWithRows(c: Cluster): Promise<void> {
  await c.open()
  await c.sql('east', 'CREATE TABLE t (id int4 PRIMARY KEY, v text)')
  for (let id = 0; id < 20; id++) await c.sql(id % 2 === 0 ? 'east' : 'west', "INSERT INTO t VALUES ($1, 'x')", [id])
}

describe('failover', () => {
  test('a full region cut off is failed over: the survivor serves within 5 s and loses nothing', async () => {
    cluster = new Cluster()
    const c = cluster
    await c.open()
    await c.sql('east', 'CREATE TABLE acct (id int4 PRIMARY KEY, owner text, balance int8)')
    const acknowledged = new Set<number>()
    for (let id = 0; id < 40; id++) {
      await c.sql(id % 2 === 0 ? 'east' : 'west', 'INSERT INTO acct VALUES ($1, $2, 100)', [id, `o${id}`])
      acknowledged.add(id)
    }
    // A transaction in flight in east when it is cut off.
    const inFlight = await c.tx('east')
    await c.until(inFlight.execute('INSERT INTO acct VALUES (1000, $1, 1)', ['in flight']))
    const cutAt = c.clock.wallMs()
    c.net.isolate('east')
    const zombieCommit = inFlight.commit().then(() => 'committed', (e: { code: string }) => e.code)

    // West serves again: reads of everything acknowledged, and writes to every key.
    let servedAt: number | undefined
    for (let attempt = 0; attempt < 100 && servedAt === undefined; attempt++) {
      try {
        await c.sql('west', 'UPDATE acct SET balance = balance + 1 WHERE id = 0')
        servedAt = c.clock.wallMs()
      } catch (e) {
        expect(['57P03', '40001', '57014']).toContain((e as { code: string }).code)
        await c.until(c.clock.sleep(100))
      }
    }
    expect(servedAt).toBeDefined()
    expect((servedAt as number) - cutAt).toBeLessThan(5_000)
    const rows = await c.sql('west', 'SELECT id FROM acct WHERE id < 1000 ORDER BY id')
    expect(rows.map((r) => Number(r[0]))).toEqual([...acknowledged].sort((a, b) => a - b))
    for (let id = 0; id < 40; id++) await c.sql('west', 'UPDATE acct SET balance = balance + 1 WHERE id = $1', [id])
    expect(await c.sql('west', 'SELECT count(*), sum(balance) FROM acct WHERE id < 1000')).toEqual([['40', String(40 * 101 + 1)]])

    // The zombie never acknowledges what it could not make durable on a majority.
    expect(['40003', '57P03']).toContain(await c.until(zombieCommit))
    const late = await c.tx('east').then((t) => c.until(t.execute("INSERT INTO acct VALUES (2000, 'zombie', 0)")).then(() => c.until(t.commit())).then(() => 'committed', (e) => e.code), (e) => e.code)
    expect(late).not.toBe('committed')

    // Healed, east learns it was failed over, catches up and serves both ways.
    c.net.heal()
    let back = false
    for (let attempt = 0; attempt < 100 && !back; attempt++) {
      try {
        await c.sql('east', "INSERT INTO acct VALUES (3000, 'after return', 5)")
        back = true
      } catch {
        await c.until(c.clock.sleep(100))
      }
    }
    expect(back).toBe(true)
    expect(await c.sql('west', 'SELECT owner FROM acct WHERE id = 3000')).toEqual([['after return']])
    expect(await c.sql('east', 'SELECT sum(balance) FROM acct WHERE id < 1000')).toEqual([[String(40 * 101 + 1)]])
    // The in-flight transaction either committed before the seal or not at all, the same everywhere.
    const inFlightRows = await c.sql('east', 'SELECT count(*) FROM acct WHERE id = 1000')
    expect(await c.sql('west', 'SELECT count(*) FROM acct WHERE id = 1000')).toEqual(inFlightRows)
  }, 60_000)

  test('two full regions cut off from each other, both reaching the witness: exactly one is failed over', async () => {
    cluster = new Cluster()
    const c = cluster
    await c.open()
    await c.sql('east', 'CREATE TABLE t (id int4 PRIMARY KEY, v text)')
    for (let id = 0; id < 20; id++) await c.sql(id % 2 ? 'east' : 'west', "INSERT INTO t VALUES ($1, 'x')", [id])
    c.net.partition('east', 'west')
    // Slow answers from the witness: both regions' freeze requests reach it before either seal
    // completes, the race the witness must settle.
    c.net.setFaults('wit', 'east', { delayMs: 300 })
    c.net.setFaults('wit', 'west', { delayMs: 300 })
    await c.until(c.clock.sleep(6_000))
    c.net.setFaults('wit', 'east', {})
    c.net.setFaults('wit', 'west', {})
    // Whoever the witness granted serves; the other refuses (it cannot prove its reads current).
    const serves = async (name: string) =>
      c.sql(name, 'UPDATE t SET v = $1 WHERE id = 0', [name]).then(() => true, () => false)
    const served = [await serves('east'), await serves('west')]
    expect(served.filter(Boolean).length).toBe(1)
    const winner = served[0] ? 'east' : 'west'
    const loser = winner === 'east' ? 'west' : 'east'
    // The loser, back in reach, gets its partitions back in a new journal generation: both
    // regions see it join their merge.
    const handedBack = new Set<string>()
    const gotBack = c.untilEvent((region, e) => {
      if (e.kind === 'handed-back' && e.region === loser) handedBack.add(region)
      return handedBack.size === 2
    })
    c.net.heal()
    await gotBack
    let both = false
    for (let attempt = 0; attempt < 100 && !both; attempt++) {
      both = (await serves('east')) && (await serves('west'))
      if (!both) await c.until(c.clock.sleep(100))
    }
    expect(both).toBe(true)
    expect(await c.sql('east', 'SELECT count(*) FROM t')).toEqual([['20']])
    // Every partition has exactly one working owner again: rows spread over all of them commit
    // from either region.
    for (let id = 100; id < 160; id++) await c.sql(id % 2 ? 'east' : 'west', "INSERT INTO t VALUES ($1, 'y')", [id])
    expect(await c.sql('west', 'SELECT count(*) FROM t')).toEqual([['80']])
    expect(await c.sql('west', 'SELECT v FROM t WHERE id = 0')).toEqual(await c.sql('east', 'SELECT v FROM t WHERE id = 0'))
    expect(['east', 'west']).toContain(winner)
  }, 60_000)
})

// A freeze a seal rests on is never released (server/region/failover.ts, "Releasing a freeze"): the
// witness pledged west's seal of east/j0, west recorded it, and then west's notice of it to the
// witness was lost and west went away for longer than the witness holds a quiet freeze. Method:
// west's link to the witness turns slow the moment the pledge reaches west, and west is isolated
// just after. The witness must stay frozen on east/j0 (releasing it would let east commit past the
// seal with the witness's acknowledgements): it acknowledges none of east's records, though it
// reaches east all along. Healed, the seal reaches everyone and both regions serve.
describe('failover: a pledged seal holds', () => {
  test('the witness keeps a pledged freeze though the seal never reached it and west stays away', async () => {
    cluster = new Cluster()
    const c = cluster
    await openWithRows(c)
    let pledge: { id: number; seq: number } | undefined
    let pledgedAt: number | undefined
    const witAcksAt: number[] = []
    let announced: { seq: number } | undefined
    c.onReceive = (to, from, message) => {
      if (to === 'east' && from === 'wit' && message.type === 'journal.ack' && message.journalId === 'east/j0') witAcksAt.push(c.clock.wallMs())
      if (to === 'wit' && from === 'west' && message.type === 'cluster.seals') {
        announced ??= (message.seals as Record<string, { seq: number }>)['east/j0']
      }
      if (to === 'wit' && from === 'west' && message.type === 'rpc.call' && message.method === 'seal.pledge') {
        const payload = message.payload as { journalId: string; seal: { seq: number } }
        if (payload.journalId === 'east/j0') pledge = { id: message.id as number, seq: payload.seal.seq }
      }
      if (to === 'west' && from === 'wit' && message.type === 'rpc.reply' && message.id === pledge?.id && pledgedAt === undefined) {
        pledgedAt = c.clock.wallMs()
        c.net.setFaults('west', 'wit', { delayMs: 60_000 })
      }
    }
    // East's freeze of west's journals reaches the witness late: west's failover of east is the
    // one the witness grants.
    c.net.setFaults('east', 'wit', { delayMs: 200 })
    c.net.partition('east', 'west')
    for (let i = 0; i < 100 && pledgedAt === undefined; i++) await c.until(c.clock.sleep(100))
    expect(pledgedAt).toBeDefined()
    c.net.setFaults('east', 'wit', {})
    // West records the seal (a few ms of fsync), then goes away with its notices still on the way.
    await c.until(c.clock.sleep(100))
    c.net.isolate('west')
    c.net.setFaults('west', 'wit', {})
    await c.until(c.clock.sleep(45_000), 60_000)
    expect(witAcksAt.filter((at) => at > (pledgedAt as number))).toEqual([])

    // Healed: west's announcement brings the seal it decided, at the pledged seq, and both serve.
    c.net.heal()
    const serves = async (name: string) => c.sql(name, 'UPDATE t SET v = $1 WHERE id = 0', [name]).then(() => true, () => false)
    let both = false
    for (let attempt = 0; attempt < 100 && !both; attempt++) {
      both = (await serves('west')) && (await serves('east'))
      if (!both) await c.until(c.clock.sleep(100))
    }
    expect(both).toBe(true)
    expect(announced?.seq).toBe(pledge?.seq as number)
    expect(await c.sql('east', 'SELECT count(*) FROM t')).toEqual([['20']])
    expect(await c.sql('west', 'SELECT id, v FROM t ORDER BY id')).toEqual(await c.sql('east', 'SELECT id, v FROM t ORDER BY id'))
  }, 60_000)
})

// A failover given up halfway (ARCHITECTURE.md "Regions"; found by the cluster simulation, seed
// 10194): the requester froze its own replica of the lost region's journal and the witness's, then
// lost the holder of the longest tail before fetching it. Method: east's records reach the witness
// at once and west 3 s late, so the witness holds a longer tail of east/j0; east is cut off from
// west, west starts failing it over, and the test acts the moment west's fetch of that tail reaches
// the witness. Whatever follows, every replica frozen for the attempt must follow east again (west's
// at once; the witness's once west says the attempt is over, or, west gone, once the freeze was
// held quiet long enough): before the fixes west stayed frozen (east's commits on that journal
// found no quorum, west's reads waited on it forever), then the witness did (it acknowledged
// east/j0 no more, and refused east any failover of west: "region east is being failed over").
describe('failover given up', () => {
  /** The witness's acknowledgements of east/j0 reaching east, by virtual time. */
  interface Watch {
    readonly witAcksAt: number[]
    fetchedAt: number | undefined
  }

  /** Runs the scenario above up to west's fetch at the witness, where `atFetch` runs; returns the
   * rows east acknowledged and what is watched from then on. */
  async function untilWestFetches(c: Cluster, atFetch: () => void): Promise<{ acknowledged: number[]; watch: Watch }> {
    await c.open()
    await c.sql('east', 'CREATE TABLE t (id int4 PRIMARY KEY, v text)')
    const watch: Watch = { witAcksAt: [], fetchedAt: undefined }
    let j0Records = 0
    c.onReceive = (to, from, message) => {
      if (to === 'wit' && message.type === 'journal.records' && message.journalId === 'east/j0') j0Records++
      if (to === 'east' && from === 'wit' && message.type === 'journal.ack' && message.journalId === 'east/j0') watch.witAcksAt.push(c.clock.wallMs())
      if (to !== 'wit' || from !== 'west' || message.type !== 'rpc.call' || message.method !== 'seal.fetch') return
      if (watch.fetchedAt !== undefined) return
      expect((message.payload as { journalId: string }).journalId).toBe('east/j0')
      watch.fetchedAt = c.clock.wallMs()
      atFetch()
    }
    c.net.setFaults('east', 'west', { delayMs: 3_000 })
    // Commits until one lands in east/j0 (its partitions are half of east's): west lacks it.
    const acknowledged: number[] = []
    const j0Before = j0Records
    for (let id = 0; id < 20 && j0Records === j0Before; id++) {
      await c.sql('east', "INSERT INTO t VALUES ($1, 'during')", [id])
      acknowledged.push(id)
    }
    // East's freeze of west's journals reaches the witness late: west's failover of east is the
    // one the witness grants.
    c.net.setFaults('east', 'wit', { delayMs: 200 })
    c.net.partition('east', 'west')
    for (let i = 0; i < 100 && watch.fetchedAt === undefined; i++) await c.until(c.clock.sleep(100))
    expect(watch.fetchedAt).toBeDefined()
    await c.until(c.clock.sleep(200))
    c.net.setFaults('east', 'west', {})
    c.net.setFaults('east', 'wit', {})
    return { acknowledged, watch }
  }

  /** Retries `attempt` every 100 virtual ms until it returns true; the virtual time it did. */
  async function eventually(c: Cluster, attempts: number, attempt: () => Promise<boolean>): Promise<number | undefined> {
    for (let i = 0; i < attempts; i++) {
      try {
        if (await attempt()) return c.clock.wallMs()
      } catch (e) {
        expect(['57P03', '40001', '40003', '57014']).toContain((e as { code: string }).code)
      }
      await c.until(c.clock.sleep(100))
    }
    return undefined
  }

  /** Whether `region` commits the rows `ids` (again: ON CONFLICT) and reads `expected` rows. */
  const writesAndReads = (c: Cluster, region: string, ids: readonly number[], reader: string, expected: number) => async () => {
    for (const id of ids) await c.sql(region, "INSERT INTO t VALUES ($1, 'after') ON CONFLICT (id) DO NOTHING", [id])
    return (await c.sql(reader, 'SELECT id FROM t')).length === expected
  }

  test('a seal abandoned mid-fetch leaves the requester, and the witness, following the leader that came back', async () => {
    cluster = new Cluster()
    const c = cluster
    // The witness's link to west drops the moment the fetch arrives: west never gets the records
    // and cannot tell the witness it gave up; the witness asks once the link is back.
    const { acknowledged, watch } = await untilWestFetches(c, () => c.net.partition('west', 'wit'))
    c.net.heal()
    const healedAt = c.clock.wallMs()

    // Both regions serve again: east commits (west's acknowledgements make its quorum), and west
    // reads every row east acknowledged, those written after the heal too.
    const after = Array.from({ length: 12 }, (_, i) => 100 + i)
    expect(await eventually(c, 50, writesAndReads(c, 'east', after, 'west', acknowledged.length + after.length))).toBeDefined()
    expect(await c.sql('west', 'SELECT id FROM t ORDER BY id')).toEqual([...acknowledged, ...after].map((id) => [id]))
    // The witness acknowledges east/j0 again.
    expect(watch.witAcksAt.filter((at) => at > healedAt).length).toBeGreaterThan(0)

    // West is then cut off: east fails it over (the witness no longer holds east's journals for
    // west) and commits with the witness alone, on east/j0 too.
    c.net.isolate('west')
    const cutAt = c.clock.wallMs()
    const later = Array.from({ length: 12 }, (_, i) => 200 + i)
    const total = acknowledged.length + after.length + later.length
    const servedAt = await eventually(c, 100, writesAndReads(c, 'east', later, 'east', total))
    expect(servedAt).toBeDefined()
    expect((servedAt as number) - cutAt).toBeLessThan(5_000)
    expect(watch.witAcksAt.filter((at) => at > cutAt).length).toBeGreaterThan(0)
    // Back, west learns it was failed over and reads everything.
    c.net.heal()
    const read = async () => (await c.sql('west', 'SELECT id FROM t')).length === total
    expect(await eventually(c, 100, read)).toBeDefined()
  }, 60_000)

  test('a requester that gives up tells the witness, which follows the leader again at once', async () => {
    cluster = new Cluster()
    const c = cluster
    // The fetch's answer is lost on a link that stays up: west gives up when its call times out
    // and says so (no link comes up to make the witness ask).
    const { acknowledged, watch } = await untilWestFetches(c, () => c.net.setFaults('wit', 'west', { loss: 1 }))
    c.net.heal()
    const fetchedAt = watch.fetchedAt as number
    // Past the fetch's timeout, and well before the witness would question a quiet requester.
    while (c.clock.wallMs() < fetchedAt + 8_000) await c.until(c.clock.sleep(100))
    c.net.setFaults('wit', 'west', {})
    const resumed = watch.witAcksAt.find((at) => at > fetchedAt)
    expect(resumed).toBeDefined()
    expect((resumed as number) - fetchedAt).toBeLessThan(8_000)
    const after = [100, 101, 102, 103]
    expect(await eventually(c, 50, writesAndReads(c, 'east', after, 'west', acknowledged.length + after.length))).toBeDefined()
  }, 60_000)

  test('a requester gone for good: the witness releases the freeze it held quiet, and east fails west over', async () => {
    cluster = new Cluster()
    const c = cluster
    // West is cut off from everyone at the fetch and stays away: it can tell no one it gave up.
    const { acknowledged, watch } = await untilWestFetches(c, () => c.net.isolate('west'))
    const fetchedAt = watch.fetchedAt as number
    // East cannot serve without west until it fails west over, which the witness grants once it
    // let go of east's journals (about half a minute of quiet, asking west in vain).
    const after = [100, 101, 102, 103]
    const total = acknowledged.length + after.length
    const servedAt = await eventually(c, 600, writesAndReads(c, 'east', after, 'east', total))
    expect(servedAt).toBeDefined()
    expect((servedAt as number) - fetchedAt).toBeLessThan(45_000)
    expect(watch.witAcksAt.filter((at) => at > fetchedAt).length).toBeGreaterThan(0)
    c.net.heal()
    const read = async () => (await c.sql('west', 'SELECT id FROM t')).length === total
    expect(await eventually(c, 100, read)).toBeDefined()
  }, 60_000)
})

// What a requester shows of a seal, and when an acceptor answers a pledge (failover.ts, "Releasing
// a freeze"): both only once on disk. Method: west fails east over (east's freezes reach the
// witness late, so west is the one granted); at the moment that matters a disk turns slow, and
// every message is checked against what that disk holds when it is delivered.
describe('failover: nothing shown before it is on disk', () => {
  const CLUSTER_STATE = (region: string) => `/mem/${region}/cluster-state.json`
  /** The seals on `region`'s disk now. */
  const sealsOnDisk = (c: Cluster, region: string): Record<string, unknown> => {
    const bytes = c.disks.get(region)?.readFile(CLUSTER_STATE(region))
    return bytes === undefined ? {} : (JSON.parse(new TextDecoder().decode(bytes)) as { seals: Record<string, unknown> }).seals
  }

  async function eastCutOff(c: Cluster): Promise<void> {
    await openWithRows(c)
    c.net.setFaults('east', 'wit', { delayMs: 200 })
    c.net.partition('east', 'west')
  }

  test('a seal reaches no other region before it is on the requester\'s disk', async () => {
    cluster = new Cluster()
    const c = cluster
    let pledgeId: number | undefined
    let slowedAt: number | undefined
    const shownEarly: string[] = []
    let shown = 0
    c.onReceive = (to, from, message) => {
      if (to === 'wit' && from === 'west' && message.type === 'rpc.call' && message.method === 'seal.pledge') {
        if ((message.payload as { journalId: string }).journalId === 'east/j0') pledgeId = message.id as number
      }
      // West's write of the seal will take 2 s: its gossip (every second) runs meanwhile.
      if (to === 'west' && from === 'wit' && message.type === 'rpc.reply' && message.id === pledgeId && slowedAt === undefined) {
        slowedAt = c.clock.wallMs()
        c.disks.get('west')?.setFaults({ syncLatencyMsMin: 2_000 })
      }
      if (from !== 'west') return
      const value = message.type === 'rpc.reply' ? (message.value as { seals?: Record<string, unknown>; sealed?: unknown } | undefined) : undefined
      const shows =
        (message.type === 'cluster.seals' && (message.seals as Record<string, unknown>)['east/j0'] !== undefined) ||
        (message.type === 'rpc.call' && message.method === 'seal.commit' && (message.payload as { journalId: string }).journalId === 'east/j0') ||
        value?.seals?.['east/j0'] !== undefined
      if (!shows) return
      shown++
      if (sealsOnDisk(c, 'west')['east/j0'] === undefined) shownEarly.push(`${String(message.type)} to ${to} at ${c.clock.wallMs()}`)
    }
    await eastCutOff(c)
    for (let i = 0; i < 100 && slowedAt === undefined; i++) await c.until(c.clock.sleep(100))
    expect(slowedAt).toBeDefined()
    await c.until(c.clock.sleep(5_000))
    c.disks.get('west')?.setFaults({ syncLatencyMsMin: 1 })
    await c.until(c.clock.sleep(2_000))
    expect(shownEarly).toEqual([])
    expect(shown).toBeGreaterThan(0)
    expect(sealsOnDisk(c, 'west')['east/j0']).toBeDefined()
  }, 60_000)

  test('a duplicated pledge request is answered only once the pledge is on disk', async () => {
    cluster = new Cluster()
    const c = cluster
    let freezeId: number | undefined
    let pledge: { id: number; at: number } | undefined
    let answeredAt: number | undefined
    c.onReceive = (to, from, message) => {
      if (to === 'wit' && from === 'west' && message.type === 'rpc.call') {
        const journalId = (message.payload as { journalId?: string }).journalId
        if (message.method === 'seal.freeze' && journalId === 'east/j0') freezeId = message.id as number
        // The witness's write of the pledge will take 2 s.
        if (message.method === 'seal.pledge' && journalId === 'east/j0' && pledge === undefined) {
          pledge = { id: message.id as number, at: c.clock.wallMs() }
          c.disks.get('wit')?.setFaults({ syncLatencyMsMin: 2_000 })
        }
      }
      // From the witness's freeze on, every message of west to it comes twice: the pledge too.
      if (to === 'west' && from === 'wit' && message.type === 'rpc.reply' && message.id === freezeId) {
        c.net.setFaults('west', 'wit', { duplicate: 1 })
      }
      if (to === 'west' && from === 'wit' && message.type === 'rpc.reply' && message.id === pledge?.id) answeredAt ??= c.clock.wallMs()
    }
    await eastCutOff(c)
    for (let i = 0; i < 100 && answeredAt === undefined; i++) await c.until(c.clock.sleep(100))
    c.net.setFaults('west', 'wit', {})
    c.disks.get('wit')?.setFaults({ syncLatencyMsMin: 1 })
    expect(pledge).toBeDefined()
    expect(answeredAt).toBeDefined()
    expect((answeredAt as number) - (pledge as { at: number }).at).toBeGreaterThanOrEqual(2_000)
  }, 60_000)
})

// A seal learnt while the records it covers are still being fetched (failover.ts `#apply`): the
// notices that repeat it every second join the fetch in flight instead of starting one each.
// Method: east's records reach the witness 20 s late, so west holds the longer tail of east's
// journals and seals there; once the witness pledged, west's link to it turns 3 s slow, so the
// witness hears of the seal (and gets the records it fetches) late, several announcements at once.
describe('failover: one apply of a seal at a time', () => {
  test('announcements of a seal being applied fetch nothing again', async () => {
    cluster = new Cluster()
    const c = cluster
    await c.open()
    await c.sql('east', 'CREATE TABLE t (id int4 PRIMARY KEY, v text)')
    c.net.setFaults('east', 'wit', { delayMs: 20_000 })
    for (let id = 0; id < 12; id++) await c.sql('east', "INSERT INTO t VALUES ($1, 'x')", [id])
    const pledgeIds = new Set<number>()
    let slowed = false
    const fetches: string[] = []
    c.onReceive = (to, from, message) => {
      if (to === 'wit' && from === 'west' && message.type === 'rpc.call' && message.method === 'seal.pledge') pledgeIds.add(message.id as number)
      if (to === 'west' && from === 'wit' && message.type === 'rpc.reply' && pledgeIds.has(message.id as number) && !slowed) {
        slowed = true
        c.net.setFaults('west', 'wit', { delayMs: 3_000 })
      }
      if (to === 'west' && from === 'wit' && message.type === 'rpc.call' && message.method === 'seal.fetch') {
        const { journalId, afterSeq } = message.payload as { journalId: string; afterSeq: number }
        fetches.push(`${journalId} after ${afterSeq}`)
      }
    }
    c.net.partition('east', 'west')
    for (let i = 0; i < 100 && !slowed; i++) await c.until(c.clock.sleep(100))
    expect(slowed).toBe(true)
    await c.until(c.clock.sleep(15_000))
    // The witness fetched what it lacked, each page once.
    expect(fetches.length).toBeGreaterThan(0)
    expect(fetches).toEqual([...new Set(fetches)])
  }, 60_000)
})

// An acceptor takes a requester's word only about the attempt it asked about (failover.ts
// `#question`): a restarted requester's "not running", given before its new attempt began and
// arriving after that attempt's freeze and pledge, says nothing of that attempt. Method: west's
// first attempt is cut off from the witness at its pledge (the witness pledged; neither the answer
// nor the give-up gets through), west restarts, the witness asks it, and the answer is held 4 s on
// the way while messages behind it overtake it; west's new attempt freezes and pledges meanwhile,
// and its seal takes 5 s to write. The witness must keep that pledge (on its disk) all along.
describe('failover: a word counts for its attempt only', () => {
  test("a restarted requester's late answer about its old attempt releases nothing of its new one", async () => {
    cluster = new Cluster()
    const c = cluster
    await openWithRows(c)
    const cut = { partitioned: true }
    let firstPledge = false
    let askedAt: number | undefined
    const newPledges = new Set<number>()
    let newPledgedAt: number | undefined
    const witAcksAt: number[] = []
    c.onReceive = (to, from, message) => {
      if (to === 'east' && from === 'wit' && message.type === 'journal.ack' && message.journalId === 'east/j0') witAcksAt.push(c.clock.wallMs())
      const call = message.type === 'rpc.call' ? (message as unknown as { method: string; id: number; payload: { journalId?: string } }) : undefined
      if (to === 'wit' && from === 'west' && call?.method === 'seal.pledge' && call.payload.journalId === 'east/j0') {
        if (!firstPledge) {
          firstPledge = true
          c.net.setFaults('west', 'wit', cut)
          c.net.setFaults('wit', 'west', cut)
        } else if (askedAt !== undefined) newPledges.add(call.id)
      }
      // The answer to the witness's question is held on the way; what west sends after overtakes it.
      if (to === 'west' && from === 'wit' && call?.method === 'seal.status' && askedAt === undefined) {
        askedAt = c.clock.wallMs()
        c.net.setFaults('west', 'wit', { delayMs: 4_000 })
        c.clock.setTimeout(() => c.net.setFaults('west', 'wit', { delayMs: 5, reorder: 1 }), 1)
      }
      // West's new attempt was pledged: its seal takes 5 s to write.
      if (to === 'west' && from === 'wit' && message.type === 'rpc.reply' && newPledges.has(message.id as number) && newPledgedAt === undefined) {
        newPledgedAt = c.clock.wallMs()
        c.disks.get('west')?.setFaults({ syncLatencyMsMin: 5_000 })
      }
    }
    c.net.setFaults('east', 'wit', { delayMs: 200 })
    c.net.partition('east', 'west')
    for (let i = 0; i < 100 && !firstPledge; i++) await c.until(c.clock.sleep(100))
    expect(firstPledge).toBe(true)
    await c.until(c.clock.sleep(100))
    await c.restart('west', () => {
      c.net.setFaults('west', 'wit', { delayMs: 5 })
      c.net.setFaults('wit', 'west', { delayMs: 5 })
    })
    for (let i = 0; i < 100 && newPledgedAt === undefined; i++) await c.until(c.clock.sleep(100))
    expect(askedAt).toBeDefined()
    expect(newPledgedAt).toBeDefined()
    // The late answer has arrived; west's seal is not written yet.
    while (c.clock.wallMs() < (askedAt as number) + 4_500) await c.until(c.clock.sleep(100))
    expect(c.clock.wallMs()).toBeLessThan((newPledgedAt as number) + 4_000)
    const bytes = c.disks.get('wit')?.readFile('/mem/wit/cluster-state.json') as Uint8Array
    const witState = JSON.parse(new TextDecoder().decode(bytes)) as { seals: Record<string, unknown>; pledges: Record<string, unknown> }
    expect(witState.pledges['east/j0'] ?? witState.seals['east/j0']).toBeDefined()
    expect(witAcksAt.filter((at) => at > (newPledgedAt as number))).toEqual([])
    c.disks.get('west')?.setFaults({ syncLatencyMsMin: 1 })
    c.net.setFaults('west', 'wit', { delayMs: 5 })
  }, 60_000)
})
