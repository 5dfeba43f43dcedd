// The examples (issue 5, "Examples"): each runs with one command against a real `tessera start`
// with a token from `tessera token`, twice (they are re-runnable), and shows the conflict retry
// (two transfers at once take at least three attempts, balances exact); they also typecheck.
// Method: run them as child processes with TESSERA_URL and TESSERA_TOKEN set.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { root, startCliServer } from './harness.ts'

let server: Awaited<ReturnType<typeof startCliServer>>

beforeAll(async () => {
  server = await startCliServer()
})
afterAll(async () => {
  await server?.stop()
})

function runExample(name: string) {
  return spawnSync(process.execPath, [join(root, 'examples', name, 'index.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, TESSERA_URL: server.url, TESSERA_TOKEN: server.token, NO_COLOR: '1' },
  })
}

describe('examples', () => {
  for (const name of ['sdk', 'kysely', 'drizzle']) {
    test(`${name}: writes, reads, and two conflicting transfers take at least 3 attempts`, () => {
      for (let run = 0; run < 2; run++) {
        const out = runExample(name)
        expect(`${out.stderr}`).not.toContain('error')
        expect(out.status).toBe(0)
        expect(out.stdout).toContain('retry 1 after')
        // One re-run at least; another when the winner's commit was still in flight at the first.
        expect(
          Number(/2 transfers took (\d+) attempts/.exec(out.stdout)?.[1]),
        ).toBeGreaterThanOrEqual(3)
      }
    }, 30_000)
  }

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
