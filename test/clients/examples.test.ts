// The examples (issue 5, "Examples"): each runs with one command against a real `tessera start`
// with a token from `tessera token`, twice (they are re-runnable), and shows the conflict retry
// (two transfers at once take at least three attempts, balances exact); they also typecheck.
// Method: run them as child processes with TESSERA_URL and TESSERA_TOKEN set.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { attemptsOf, root, runExample, startCliServer } from './harness.ts'

let server: Awaited<ReturnType<typeof startCliServer>>

beforeAll(async () => {
  server = await startCliServer()
})
afterAll(async () => {
  await server?.stop()
})

describe('examples', () => {
  test('sdk, kysely, drizzle: each writes, reads, and retries a conflicting transfer; twice', async () => {
    for (let round = 0; round < 2; round++) {
      const runs = await Promise.all(
        ['sdk', 'kysely', 'drizzle'].map((name) => runExample(name, server.url, server.token)),
      )
      for (const run of runs) {
        expect(`${run.name}: ${run.status} ${run.stderr}`).toBe(`${run.name}: 0 `)
        expect(run.stdout).toContain('retry 1 after')
        // One re-run at least; another when the winner's commit was still in flight at the first.
        expect(attemptsOf(run)).toBeGreaterThanOrEqual(3)
      }
    }
  }, 60_000)

  test('the examples typecheck (examples/tsconfig.json)', () => {
    const tsc = spawnSync(
      join(root, 'node_modules/.bin/tsc'),
      ['--noEmit', '-p', join(root, 'examples/tsconfig.json')],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    )
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  }, 60_000)
})
