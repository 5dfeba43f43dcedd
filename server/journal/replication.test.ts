// Journal replication (ARCHITECTURE.md "Regions"): a commit is durable once a majority of regions
// has it on disk; replicas show only committed records, in order, under the leader's closed
// timestamps; lost messages, isolated regions and restarts heal. Method: three regions (leader A,
// replica B, witness W) on simulated disks and one virtual clock, joined by an in-memory link
// whose delivery, loss and isolation the test controls; followers check the follower contract.
import { describe, expect, test } from 'bun:test'
import { Hlc, SeededRandom, SimClock } from '../clock/index.ts'
import { SimDisk } from '../disk/index.ts'
import { MESSAGE_BYTES_MAX } from '../net/index.ts'
import {
  openFileJournal,
  ReplicaJournal,
  ReplicatedJournal,
  type FileJournal,
  type JournalMessage,
  type ReplicationLink,
} from './index.ts'
import { RecordingFollower, settle, writes } from './journal-harness.ts'

const JOURNAL = 'A/j0'

/** An in-memory network: messages queue per send and are delivered when the test runs time. */
class TestNetwork {
  readonly handlers = new Map<string, (from: string, message: JournalMessage) => void>()
  readonly isolated = new Set<string>()
  readonly random: SeededRandom
  lossRate = 0
  /** Messages of these types to these regions are lost. */
  readonly dropping = new Set<string>()
  #queue: Array<{ from: string; to: string; message: JournalMessage }> = []

  constructor(seed = 1) {
    this.random = new SeededRandom(seed)
  }

  link(from: string): ReplicationLink {
    return {
      send: (to, message) => {
        if (this.isolated.has(from) || this.isolated.has(to)) return false
        // Refused as the real transports refuse it (ws-transport.ts, sim-network.ts).
        if (Buffer.byteLength(JSON.stringify({ t: 'm', m: message })) > MESSAGE_BYTES_MAX) return false
        if (this.random.next() < this.lossRate) return true // lost on the way
        if (this.dropping.has(`${message.type}->${to}`)) return true
        this.#queue.push({ from, to, message: structuredClone(message) })
        return true
      },
      isUp: (to) => !this.isolated.has(from) && !this.isolated.has(to),
    }
  }

  deliver(): void {
    const batch = this.#queue
    this.#queue = []
    for (const { from, to, message } of batch) {
      if (this.isolated.has(from) || this.isolated.has(to)) continue
      this.handlers.get(to)?.(from, message)
    }
  }
}

class World {
  readonly clock = new SimClock()
  readonly net: TestNetwork
  readonly disks = new Map<string, SimDisk>()
  leader!: ReplicatedJournal
  replicas = new Map<string, ReplicaJournal>()
  readonly followers = new Map<string, RecordingFollower>()

  /** Journal segments this small (bytes), so that whole segments can be dropped. */
  readonly #segmentBytesMax: number | undefined
  /** W's copy is a witness's: it drops what every other region holds. */
  readonly #witnessDrops: boolean

  constructor(seed = 1, options: { readonly segmentBytesMax?: number; readonly witnessDrops?: boolean } = {}) {
    this.#segmentBytesMax = options.segmentBytesMax
    this.#witnessDrops = options.witnessDrops ?? false
    this.net = new TestNetwork(seed)
    for (const name of ['A', 'B', 'W']) {
      this.disks.set(name, new SimDisk({ random: new SeededRandom(seed), timers: this.clock, faults: { syncLatencyMsMin: 1 } }))
    }
    this.openLeader()
    this.openReplica('B')
    this.openReplica('W')
  }

  file(region: string, replica: boolean): FileJournal {
    const hlc = new Hlc(this.clock)
    return openFileJournal({
      id: JOURNAL, dir: `/data/${region}/${JOURNAL}`, disk: this.disks.get(region)!, hlc, clock: this.clock, timers: this.clock,
      config: { replica, ...(this.#segmentBytesMax === undefined ? {} : { segmentBytesMax: this.#segmentBytesMax }) },
    })
  }

  openLeader(): void {
    this.leader = new ReplicatedJournal({ local: this.file('A', false), replicas: ['B', 'W'], quorum: 2, link: this.net.link('A'), timers: this.clock })
    const follower = new RecordingFollower()
    this.leader.follow(follower)
    this.followers.set('A', follower)
    this.net.handlers.set('A', (from, m) => this.leader.receive(from, m))
  }

  openReplica(name: string): void {
    const replica = new ReplicaJournal({
      local: this.file(name, true), leader: 'A', link: this.net.link(name), hlc: new Hlc(this.clock),
      dropHeldElsewhere: this.#witnessDrops && name === 'W',
    })
    const follower = new RecordingFollower()
    replica.follow(follower)
    this.replicas.set(name, replica)
    this.followers.set(name, follower)
    this.net.handlers.set(name, (from, m) => replica.receive(from, m))
    replica.hello()
  }

  /** Runs virtual time in 1 ms steps, delivering messages and settling promises each step. */
  async run(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      this.net.deliver()
      this.clock.advance(1)
      await settle()
    }
  }

  append(tag: string) {
    return this.leader.append({ txId: tag, proposedTs: 0, writes: writes(tag) })
  }
}

const seqs = (f: RecordingFollower) => f.records.map((r) => r.seq)

describe('replication: quorum commits', () => {
  test('a commit resolves once a majority has it; every region then shows it in order', async () => {
    const w = new World()
    const appended = [w.append('a'), w.append('b'), w.append('c')]
    let done = 0
    for (const a of appended) void a.durable.then(() => done++)
    await w.run(30)
    expect(done).toBe(3)
    for (const name of ['A', 'B', 'W']) expect(seqs(w.followers.get(name)!)).toEqual([1, 2, 3])
    // Closed timestamps reach the replicas and pass the last record.
    expect(w.replicas.get('B')!.closedTs()).toBeGreaterThanOrEqual(appended[2]!.commitTs)
    expect(w.leader.lastSeq()).toBe(3)
  })

  test('one replica away is fine; both away once the record went out means no commit, and 40003 after the timeout', async () => {
    const w = new World()
    await w.run(5)
    w.net.isolated.add('W')
    const one = w.append('x')
    await w.run(30)
    await one.durable
    expect(seqs(w.followers.get('B')!)).toEqual([1])
    const none = w.append('y')
    // The links drop after the append: the record is on the leader's disk and may still reach a
    // quorum, so the outcome stays unknown however the links stand now.
    w.net.isolated.add('B')
    let outcome: unknown
    none.durable.then(() => (outcome = 'committed'), (e) => (outcome = e))
    await w.run(100)
    expect(outcome).toBeUndefined()
    // The leader's own followers must not see an uncommitted record, nor a closed ts above it.
    expect(seqs(w.followers.get('A')!)).toEqual([1])
    expect(w.leader.closedTs()).toBeLessThan(none.commitTs)
    await w.run(5_000)
    expect(outcome).toMatchObject({ code: '40003' })
  })

  test('an append while too few replicas are reachable for a quorum is refused (57P03) before anything is written', async () => {
    const w = new World()
    const first = w.append('a')
    await w.run(30)
    await first.durable
    w.net.isolated.add('B')
    // One replica away: still a quorum in reach.
    expect(w.leader.reachableRegions()).toBe(2)
    const two = w.append('b')
    expect(two.seq).toBe(2)
    w.net.isolated.add('W')
    expect(w.leader.reachableRegions()).toBe(1)
    let refused: unknown
    try {
      w.append('c')
    } catch (e) {
      refused = e
    }
    expect(refused).toMatchObject({
      code: '57P03',
      message: 'cannot commit now: journal A/j0 reaches 1 of the 3 regions that hold it, and a commit needs 2; nothing was written',
      hint: 'Retry once the other regions are reachable again.',
    })
    // Nothing was written: back in reach, the next record takes the refused one's place.
    w.net.isolated.clear()
    for (const replica of w.replicas.values()) replica.hello()
    const next = w.append('d')
    expect(next.seq).toBe(3)
    await w.run(30)
    await next.durable
    expect(w.followers.get('A')!.records.map((r) => r.txId)).toEqual(['a', 'b', 'd'])
  })

  test('an isolated replica catches up when it returns, and sees the same records', async () => {
    const w = new World()
    w.net.isolated.add('W')
    for (let i = 0; i < 50; i++) w.append(`r${i}`)
    await w.run(40)
    expect(seqs(w.followers.get('W')!)).toEqual([])
    w.net.isolated.delete('W')
    w.replicas.get('W')!.hello()
    await w.run(40)
    const leaderRecords = w.followers.get('A')!.records
    expect(leaderRecords.length).toBe(50)
    expect(w.followers.get('W')!.records.map((r) => [r.seq, r.commitTs, r.txId])).toEqual(leaderRecords.map((r) => [r.seq, r.commitTs, r.txId]))
  })

  test('a replica away while large records were written catches up: messages are bounded in bytes, not only in records', async () => {
    const w = new World()
    w.net.isolated.add('W')
    // Eight records of 3 MB each (under RECORD_BYTES_MAX): 24 MB, more than one network message
    // carries. A batch bounded only by its record count was refused at every try.
    const big = (i: number) => [{ key: `0a${i}`, value: JSON.stringify([i, 'x'.repeat(3_000_000)]) }]
    for (let i = 0; i < 8; i++) w.leader.append({ txId: `big${i}`, proposedTs: 0, writes: big(i) })
    await w.run(40)
    expect(seqs(w.followers.get('B')!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    w.net.isolated.delete('W')
    w.replicas.get('W')!.hello()
    await w.run(400)
    expect(seqs(w.followers.get('W')!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(w.followers.get('W')!.records.map((r) => r.writes[0]!.value!.length)).toEqual(Array(8).fill(3_000_006))
  })

  test('lost messages are retransmitted; every region converges', async () => {
    const w = new World(7)
    w.net.lossRate = 0.3
    const appended = Array.from({ length: 40 }, (_, i) => w.append(`l${i}`))
    await w.run(400)
    w.net.lossRate = 0
    await w.run(400)
    for (const a of appended) await a.durable
    for (const name of ['A', 'B', 'W']) expect(seqs(w.followers.get(name)!)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
  })

  test('an idle leader resends what a replica never acknowledged (its resend request was lost too)', async () => {
    const w = new World()
    w.net.isolated.add('W')
    w.net.dropping.add('journal.records->B')
    const a = w.append('lost')
    await w.run(50)
    expect(seqs(w.followers.get('B')!)).toEqual([])
    w.net.dropping.delete('journal.records->B')
    await w.run(400)
    await a.durable
    expect(seqs(w.followers.get('B')!)).toEqual([1])
  })

  // What a failover's pledge rests on (server/region/failover.ts): a frozen replica acknowledges
  // nothing, so its ackedSeq stays; unfrozen, it takes the leader's records again; restarted, it
  // counts everything on its disk as acknowledged.
  test('a frozen replica acknowledges nothing (ackedSeq stays); unfrozen it catches up and acknowledges again', async () => {
    const w = new World()
    for (let i = 0; i < 3; i++) w.append(`a${i}`)
    await w.run(40)
    const b = w.replicas.get('B')!
    expect(b.ackedSeq()).toBe(3)
    expect(b.freeze()).toBe(3)
    const more = Array.from({ length: 3 }, (_, i) => w.append(`b${i}`))
    await w.run(400)
    // The witness's acknowledgements alone make the quorum; B neither takes nor acknowledges more.
    for (const a of more) await a.durable
    expect(b.durableSeq()).toBe(3)
    expect(b.ackedSeq()).toBe(3)
    b.unfreeze()
    await w.run(400)
    expect(b.durableSeq()).toBe(6)
    expect(b.ackedSeq()).toBe(6)
    expect(seqs(w.followers.get('B')!)).toEqual([1, 2, 3, 4, 5, 6])
    await b.close()
    w.openReplica('B')
    expect(w.replicas.get('B')!.ackedSeq()).toBe(6)
  })

  test('lost acknowledgements are given again when the leader resends what the replicas hold', async () => {
    const w = new World()
    w.net.dropping.add('journal.ack->A')
    const a = w.append('unacked')
    await w.run(50)
    expect(seqs(w.followers.get('A')!)).toEqual([])
    w.net.dropping.delete('journal.ack->A')
    // No new records: only the leader's resend of record 1 can bring the acknowledgement back.
    await w.run(400)
    await a.durable
    expect(seqs(w.followers.get('A')!)).toEqual([1])
  })

  test('a restarted leader re-establishes its commits from the replicas and goes on', async () => {
    const w = new World()
    for (let i = 0; i < 10; i++) w.append(`p${i}`)
    await w.run(30)
    await w.leader.close()
    w.openLeader()
    // Nothing counts as committed until the replicas confirm it again.
    expect(w.leader.lastSeq()).toBe(0)
    for (const replica of w.replicas.values()) replica.hello()
    await w.run(20)
    expect(w.leader.lastSeq()).toBe(10)
    expect(seqs(w.followers.get('A')!)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    const next = w.append('after')
    await w.run(20)
    await next.durable
    expect(next.seq).toBe(11)
    expect(seqs(w.followers.get('B')!).at(-1)).toBe(11)
  })

  test('a restarted replica resumes from its file and the leader', async () => {
    const w = new World()
    for (let i = 0; i < 10; i++) w.append(`q${i}`)
    await w.run(30)
    await w.replicas.get('B')!.close()
    w.openReplica('B')
    for (let i = 0; i < 5; i++) w.append(`s${i}`)
    await w.run(30)
    const restarted = w.followers.get('B')!
    // It shows the records it already had (from its file) and the new ones, in order, once each.
    expect(seqs(restarted)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
    expect(w.replicas.get('B')!.read(0, 100).length).toBe(15)
  })
})

describe('replication: a witness copy stays bounded', () => {
  test('the witness drops whole segments once every other region holds them, never before', async () => {
    const w = new World(3, { segmentBytesMax: 2048, witnessDrops: true })
    const witness = w.replicas.get('W')!
    const replica = w.replicas.get('B')!
    // B away: commits reach a majority through the witness, which must keep all of them (they
    // are the only copy besides the leader's, and B will need them).
    w.net.isolated.add('B')
    // In waves, so that each copy's records span several segments.
    const waves = async (tag: string) => {
      for (let wave = 0; wave < 12; wave++) {
        const appended = Array.from({ length: 10 }, (_, i) => w.append(`${tag}${wave}.${i}`))
        await w.run(20)
        await Promise.all(appended.map((a) => a.durable))
      }
    }
    await waves('b')
    expect(witness.lastSeq()).toBe(120)
    expect(witness.firstSeq()).toBe(1)
    // B back and caught up: what B and the leader hold, the witness no longer needs.
    w.net.isolated.delete('B')
    replica.hello()
    await waves('c')
    expect(replica.durableSeq()).toBe(240)
    expect(witness.firstSeq()).toBeGreaterThan(120)
    expect(witness.firstSeq() - 1).toBeLessThanOrEqual(replica.durableSeq())
    // The newest segment stays (a restart learns the sequence from it), and so does everything
    // the witness still delivers.
    expect(witness.lastSeq()).toBe(240)
    // A full region's replica keeps its copy for its own storage compaction to cut.
    expect(replica.firstSeq()).toBe(1)
    // A restarted witness goes on from its first kept segment.
    await witness.close()
    w.openReplica('W')
    const after = w.append('after')
    await w.run(30)
    await after.durable
    expect(w.replicas.get('W')!.lastSeq()).toBe(241)
  })
})

describe('replication: copies cut by storage compaction', () => {
  // A full region cuts its journals through what its storage holds durably (crossbar `compact`).
  // Goal: no copy cuts a record another region may still need. Method: W cut off while A and B
  // commit; B's storage "holds" everything (truncateThrough far ahead); B keeps what W lacks, and
  // cuts it once W caught up. Then the leader, cut and restarted, resends nothing from before its
  // first kept segment while the replicas have not said where they stand.
  test('a replica keeps what another region lacks; a restarted leader resends nothing it cut', async () => {
    const w = new World(5, { segmentBytesMax: 2048 })
    const replica = w.replicas.get('B')!
    const waves = async (tag: string) => {
      for (let wave = 0; wave < 12; wave++) {
        const appended = Array.from({ length: 10 }, (_, i) => w.append(`${tag}${wave}.${i}`))
        await w.run(20)
        await Promise.all(appended.map((a) => a.durable))
      }
    }
    w.net.isolated.add('W')
    await waves('b')
    expect(replica.truncateThrough(1_000)).toBe(0)
    expect(replica.firstSeq()).toBe(1)
    w.net.isolated.delete('W')
    w.replicas.get('W')!.hello()
    await waves('c')
    expect(w.replicas.get('W')!.durableSeq()).toBe(240)
    expect(replica.truncateThrough(1_000)).toBeGreaterThan(0)
    expect(replica.firstSeq()).toBeGreaterThan(120)
    // The leader cuts what every replica acknowledged; restarted, it waits for their word.
    expect(w.leader.truncateThrough(1_000)).toBeGreaterThan(0)
    await w.leader.close()
    w.openLeader()
    expect(w.leader.firstSeq()).toBeGreaterThan(1)
    await w.run(200)
    for (const r of w.replicas.values()) r.hello()
    const after = w.append('after')
    await w.run(30)
    await after.durable
    expect(seqs(w.followers.get('B')!).at(-1)).toBe(241)
  })
})

describe('replication: a leader restarted with records not committed yet', () => {
  // The records on its disk that no quorum acknowledged before the restart are in its file, not
  // among the records it appended since: a new append must not let the closed timestamp pass
  // them (the cluster sim's seed 565: an heir restarted and appended a generation record at once,
  // and its crossbar merged past its own older records).
  test('its closed timestamp stays below them until they commit, whatever it appends meanwhile', async () => {
    const w = new World()
    const first = w.append('a')
    await w.run(30)
    await first.durable
    w.net.dropping.add('journal.records->B')
    w.net.dropping.add('journal.records->W')
    const pending = [w.append('b'), w.append('c')]
    for (const p of pending) p.durable.catch(() => {})
    await w.run(20)
    await w.leader.close()
    w.openLeader()
    const next = w.append('d')
    next.durable.catch(() => {})
    await w.run(20)
    expect(w.leader.closedTs()).toBeLessThan(pending[0]!.commitTs)
    w.net.dropping.clear()
    await w.run(300)
    await next.durable
    // The follower checks that no record arrives at or below a closed timestamp it was given.
    expect(w.followers.get('A')!.records.map((r) => r.txId)).toEqual(['a', 'b', 'c', 'd'])
  })
})
