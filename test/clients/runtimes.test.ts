// The SDK on Node 20+ and Deno (issue 5: "works on Bun, Node 20+ and Deno"): runtime-check.mjs
// runs the main paths (params, sql tag, batch, intMode, errors, retry on injected 40001, 40003,
// abort) under each runtime against a real server process. Node gets the SDK bundled to plain
// JavaScript by `bun build` (Node 20 cannot load TypeScript); Deno imports the .ts source.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { root, startTestServer, type TestServer } from './harness.ts'

let server: TestServer
const buildDir = mkdtempSync(join(tmpdir(), 'tessera-sdk-build-'))

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.stop()
  rmSync(buildDir, { recursive: true, force: true })
})

function runCheck(command: string, args: string[], sdkModule: string) {
  const run = spawnSync(command, args, {
    cwd: buildDir,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      ...process.env,
      SDK_MODULE: sdkModule,
      TESSERA_URL: server.url,
      TESSERA_TOKEN: server.token,
      TESSERA_ADMIN_TOKEN: server.adminToken,
      NO_COLOR: '1',
    },
  })
  if (run.status !== 0)
    throw new Error(`${command} exited ${run.status}:\n${run.stdout}\n${run.stderr}`)
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as {
    runtime: string
    results: Record<string, boolean>
  }
}

const checks = [
  'query with params and bigint',
  'sql tag',
  'batch',
  'intMode bigint',
  'error decoding',
  'transaction retries injected 40001',
  '40003 that landed is not retried',
  'isRetryable through cause',
  'abort',
]

describe('the SDK on other runtimes', () => {
  test('Node (the SDK bundled to JavaScript)', () => {
    const bundle = join(buildDir, 'sdk.mjs')
    const build = spawnSync(
      process.execPath,
      [
        'build',
        join(root, 'client-sdk/index.ts'),
        '--target',
        'node',
        '--format',
        'esm',
        '--outfile',
        bundle,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    )
    expect(build.status).toBe(0)
    const out = runCheck(
      'node',
      [join(root, 'test/clients/runtime-check.mjs')],
      pathToFileURL(bundle).href,
    )
    expect(out.runtime).toMatch(/^node v(2\d|[3-9]\d)\./)
    expect(Object.keys(out.results)).toEqual(checks)
    expect(Object.values(out.results).every(Boolean)).toBe(true)
  }, 40_000)

  test('Deno (the TypeScript source)', () => {
    const deno = join(root, 'node_modules/.bin/deno')
    expect(existsSync(deno)).toBe(true)
    const out = runCheck(
      deno,
      [
        'run',
        '--no-lock',
        '--no-config',
        '--allow-net=127.0.0.1',
        '--allow-env',
        '--allow-read',
        join(root, 'test/clients/runtime-check.mjs'),
      ],
      pathToFileURL(join(root, 'client-sdk/index.ts')).href,
    )
    expect(out.runtime).toMatch(/^deno 2\./)
    expect(Object.keys(out.results)).toEqual(checks)
    expect(Object.values(out.results).every(Boolean)).toBe(true)
  }, 40_000)
})
