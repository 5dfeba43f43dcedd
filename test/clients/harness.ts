// Shared by the client suites: starts test/clients/server.ts as a real child process on a fresh
// data directory, arms its SQL fault switch over HTTP, runs drizzle-kit generate, and makes
// clients whose chosen requests hang (for abort tests).
import { afterAll, beforeAll } from 'bun:test'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createClient, type Client } from '../../client-sdk/index.ts'
import { clusterBasePort, startServer } from '../e2e/server-process.ts'

export const root = resolve(import.meta.dir, '..', '..')
/** Where the server runs from: this tree, or (TESSERA_TEST_SERVER_ROOT) a snapshot of it, so the
 * client suites can run while the server code in the tree is being changed. */
const serverRoot = process.env.TESSERA_TEST_SERVER_ROOT ?? root

/** A running test server. */
export interface TestServer {
  readonly url: string
  /** A user-role token. */
  readonly token: string
  readonly adminToken: string
  /** Arms injected faults (POST /v1/admin/faults/sql). */
  arm(
    fault:
      | { code: '40001'; count: number; match?: string }
      | { code: '40003'; count: number; landed: boolean },
  ): Promise<void>
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>
}

/** Starts a server on a free loopback port; rejects (with its output) if it is not up in 20 s. */
export async function startTestServer(): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-clients-'))
  const child: ChildProcess = spawn(
    process.execPath,
    [join(serverRoot, 'test/clients/server.ts'), '--data', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  const info = await new Promise<{ url: string; token: string; adminToken: string }>(
    (resolveInfo, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`test server did not start:\n${output}`)),
        20_000,
      )
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        const line = output.split('\n').find((l) => l.startsWith('{'))
        if (line !== undefined) {
          clearTimeout(timer)
          resolveInfo(JSON.parse(line))
        }
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', onData)
      void exited.then(() => reject(new Error(`test server exited:\n${output}`)))
    },
  )
  return {
    ...info,
    async arm(fault) {
      const response = await fetch(`${info.url}/v1/admin/faults/sql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${info.adminToken}` },
        body: JSON.stringify(fault),
      })
      if (response.status !== 200)
        throw new Error(
          `arming ${JSON.stringify(fault)}: ${response.status} ${await response.text()}`,
        )
    },
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The server and the client a test file's hooks set up; read them in tests, not at load time. */
export interface Served<Db> {
  readonly server: TestServer
  readonly db: Db
}

/** Registers the calling file's hooks: before its tests a test server and `connect(server)`, after
 * them `close(db)` (when given) and the server's stop. */
export function serveTestFile<Db>(
  connect: (server: TestServer) => Db,
  close?: (db: Db) => Promise<unknown>,
): Served<Db> {
  let server: TestServer | undefined
  let db: { value: Db } | undefined
  beforeAll(async () => {
    server = await startTestServer()
    db = { value: connect(server) }
  })
  afterAll(async () => {
    if (db !== undefined) await close?.(db.value)
    await server?.stop()
  })
  const notYet = () => new Error('serveTestFile: used before its beforeAll hook ran')
  return {
    get server() {
      if (server === undefined) throw notYet()
      return server
    },
    get db() {
      if (db === undefined) throw notYet()
      return db.value
    },
  }
}

/** A `tessera start` process (the real command line, no fault switch) and a token from
 * `tessera token`, as a user of `npm start` gets them. */
export async function startCliServer(): Promise<{
  url: string
  token: string
  stop(): Promise<void>
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-clients-cli-'))
  const cli = join(serverRoot, 'cli/main.ts')
  const server = await startServer(dataDir, { auth: true, serverRoot })
  const token = spawnSync(process.execPath, [cli, 'token', '--data', dataDir], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  if (token.status !== 0) throw new Error(`tessera token failed: ${token.stderr}`)
  return {
    url: server.url,
    token: token.stdout.trim(),
    async stop() {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** What `tessera cluster` (`npm start`) prints: each region's URL by name, and the admin token. */
export interface CliCluster {
  readonly urls: ReadonlyMap<string, string>
  readonly token: string
  stop(): Promise<void>
}

/** `tessera cluster --topology regions/local-3.json` on free-ish ports, read as a user would. */
export async function startCliCluster(): Promise<CliCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-clients-cluster-'))
  const basePort = clusterBasePort()
  const args = [
    'cluster',
    '--topology',
    join(serverRoot, 'regions/local-3.json'),
    '--data',
    dataDir,
    '--base-port',
    String(basePort),
  ]
  const child = spawn(process.execPath, [join(serverRoot, 'cli/main.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  await new Promise<void>((resolveUp, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tessera cluster did not serve:\n${output}`)),
      30_000,
    )
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Try:')) {
        clearTimeout(timer)
        resolveUp()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then(() => reject(new Error(`tessera cluster exited:\n${output}`)))
  })
  const urls = new Map(
    [...output.matchAll(/^\s+(\S+)\s+(?:full|witness)\s+(http:\/\/\S+)$/gm)].map((m) => [
      m[1] ?? '',
      m[2] ?? '',
    ]),
  )
  const token = /A token for the next 24 hours[^\n]*\n\n(\S+)/.exec(output)?.[1]
  if (token === undefined || urls.size !== 3)
    throw new Error(`cannot read the cluster's welcome:\n${output}`)
  return {
    urls,
    token,
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** What one run of an example printed. */
export interface ExampleRun {
  readonly name: string
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs examples/<name>/index.ts against `url` as its README says; resolves when it exits
 * (killed after 30 s). Several can run at once: each example has its own table. */
export function runExample(name: string, url: string, token: string): Promise<ExampleRun> {
  const child = spawn(process.execPath, [join(root, 'examples', name, 'index.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TESSERA_URL: url, TESSERA_TOKEN: token, NO_COLOR: '1' },
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolveRun) =>
    child.on('exit', (status) => {
      clearTimeout(timer)
      resolveRun({ name, status, stdout, stderr })
    }),
  )
}

/** The attempts an example's two conflicting transfers took (NaN when it did not say). */
export const attemptsOf = (run: ExampleRun): number =>
  Number(/2 transfers took (\d+) attempts/.exec(run.stdout)?.[1])

/** Runs drizzle-kit generate on a schema file into `out`; returns the SQL it wrote. */
export function drizzleKitGenerate(schemaFile: string, out: string): string {
  const run = spawnSync(
    join(root, 'node_modules/.bin/drizzle-kit'),
    ['generate', '--dialect=postgresql', `--schema=${schemaFile}`, `--out=${out}`],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    },
  )
  if (run.status !== 0)
    throw new Error(`drizzle-kit generate failed:\n${run.stdout}\n${run.stderr}`)
  return readdirSync(out)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => readFileSync(join(out, f), 'utf8'))
    .join('\n')
}

/** A client of `server` whose requests with `marker` in their body are held back before they are
 * sent, until `release()`: a statement that hangs, as far as the requests called after it on the
 * same transaction can tell. `sent` lists `path body` of each request that went out, in order. */
export function holdingClient(
  server: { readonly url: string; readonly token: string },
  marker: string,
): { readonly client: Client; readonly sent: readonly string[]; release(): void } {
  let open!: () => void
  const gate = new Promise<void>((r) => (open = r))
  const sent: string[] = []
  return {
    sent,
    release: () => open(),
    client: createClient({
      url: server.url,
      token: server.token,
      fetch: async (input, init) => {
        const body = String(init.body ?? '')
        if (body.includes(marker)) await gate
        sent.push(`${new URL(input).pathname} ${body}`)
        return fetch(input, init)
      },
    }),
  }
}

/** What `p` settled with (its value or its rejection) within a second, or 'still waiting': a test
 * of promptness fails at once instead of hanging on a promise that waits for a release. */
export function outcomeWithin(p: Promise<unknown>): Promise<unknown> {
  return Promise.race([
    p.then(
      (value) => value,
      (e: unknown) => e,
    ),
    Bun.sleep(1_000).then(() => 'still waiting'),
  ])
}
