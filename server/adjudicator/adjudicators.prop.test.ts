// Property tests of the adjudicators (ARCHITECTURE.md step 4, "Commit"). Goal: outcomes equal a
// ten-line reference model of first-committer-wins snapshot isolation, for any interleaving of
// begins and commits over one or several owners; with tiny history limits, never a lost conflict.
// Method: fast-check generates op sequences; commits are fired without awaiting (decisions must
// be synchronous), then compared with the model in firing order.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import type { Key } from '../encoding/index.ts'
import type { CommitOutcome } from './index.ts'
import { keyIn, makeHarness, request } from './test-harness.ts'

/** The reference: a commit counter as time; a key conflicts when it was committed after the
 * transaction's snapshot. Writes and locked keys are recorded, read keys only checked. */
function referenceModel() {
  let commits = 0
  const last = new Map<Key, number>()
  return {
    begin: () => commits,
    conflicts: (snapshot: number, keys: readonly Key[]) =>
      keys.filter((k) => (last.get(k) ?? 0) > snapshot),
    commit(recorded: readonly Key[]) {
      if (recorded.length === 0) return
      commits++
      for (const k of recorded) last.set(k, commits)
    },
  }
}

type Op =
  | { readonly kind: 'begin' }
  | { readonly kind: 'advance'; readonly ms: number }
  | {
      readonly kind: 'commit'
      readonly tx: number
      readonly writes: number[]
      readonly locked: number[]
      readonly read: number[]
    }

const KEY_NAMES = 8
const keySet = fc.uniqueArray(fc.nat(KEY_NAMES - 1), { maxLength: 4 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'begin' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(50) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('commit' as const),
      tx: fc.nat(),
      writes: keySet,
      locked: keySet,
      read: keySet,
    }),
  },
)

interface Run {
  readonly ownerCount: number
  readonly ops: readonly Op[]
  readonly limits: { keysTrackedMax: number; txAgeMsMax: number } | undefined
}

/** Runs `ops`; calls `judge(impl outcome, model conflicts)` per commit; returns record count. */
async function run(
  { ownerCount, ops, limits }: Run,
  judge: (outcome: CommitOutcome, modelConflicts: Key[]) => boolean,
): Promise<number> {
  const config = limits
    ? { ...limits, keysPerCommitMax: 12, pruneIntervalMs: 7 }
    : { pruneIntervalMs: 0 }
  const h = makeHarness(ownerCount, config)
  h.hold()
  const keys = Array.from({ length: KEY_NAMES }, (_, i) =>
    keyIn(i % ownerCount, ownerCount, `k${i}`),
  )
  const model = referenceModel()
  const open: { startTs: number; snapshot: number; id: string }[] = []
  const outcomes: Promise<CommitOutcome>[] = []
  let expectedRecords = 0
  let begun = 0
  for (const op of ops) {
    if (op.kind === 'begin')
      open.push({ startTs: h.hlc.now(), snapshot: model.begin(), id: `t${begun++}` })
    if (op.kind === 'advance') h.clock.advance(op.ms)
    if (op.kind !== 'commit' || open.length === 0) continue
    const [tx] = open.splice(op.tx % open.length, 1)
    if (!tx) continue
    const [writes, locked, read] = [op.writes, op.locked, op.read].map((ks) =>
      ks.map((i) => keys[i] as Key),
    )
    const recorded = [...(writes ?? []), ...(locked ?? [])]
    const modelConflicts = model.conflicts(tx.snapshot, [...recorded, ...(read ?? [])])
    let decided: CommitOutcome | undefined
    const pending = h.adjudicators.commit(request(tx.id, tx.startTs, { writes, locked, read }))
    outcomes.push(pending.then((o) => (decided = o)))
    await Promise.resolve()
    // A conflict is decided synchronously; a commit is decided (recorded) but not yet durable.
    const outcome: CommitOutcome = decided ?? {
      kind: 'committed',
      commitTs: 0,
      journalId: '',
      seq: 0,
    }
    if (!judge(outcome, modelConflicts)) return -1
    if (outcome.kind === 'committed') {
      model.commit(recorded)
      if (recorded.length > 0) expectedRecords++
    }
  }
  h.release()
  const final = await Promise.all(outcomes)
  expect(final.every((o) => o.kind !== 'unknown')).toBe(true)
  for (const s of h.adjudicators.stats()) expect([s.keysReserved, s.txPrepared]).toEqual([0, 0])
  const records = h.journals.reduce((n, _, i) => n + h.records(i).length, 0)
  await h.close()
  expect(records).toBe(expectedRecords)
  return records
}

const runArb = (limits: Run['limits']) =>
  fc.record({
    ownerCount: fc.integer({ min: 1, max: 3 }),
    ops: fc.array(opArb, { maxLength: 60 }),
    limits: fc.constant(limits),
  })

describe('adjudicators against the reference model', () => {
  test('outcomes match first-committer-wins snapshot isolation exactly', async () => {
    await fc.assert(
      fc.asyncProperty(runArb(undefined), async (r) => {
        const records = await run(r, (outcome, conflicts) =>
          outcome.kind === 'conflict' ? conflicts.includes(outcome.key) : conflicts.length === 0,
        )
        expect(records).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 300 },
    )
  })

  test('with tiny history limits, a conflict may be spurious but a commit never loses one', async () => {
    await fc.assert(
      fc.asyncProperty(runArb({ keysTrackedMax: 12, txAgeMsMax: 60 }), async (r) => {
        const records = await run(
          r,
          (outcome, conflicts) => outcome.kind !== 'committed' || conflicts.length === 0,
        )
        expect(records).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 300 },
    )
  })
})
