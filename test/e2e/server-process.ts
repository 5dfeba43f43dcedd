// Test helper: runs `tessera start` as a real child process and talks to it over real HTTP.
import { spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dir, '..', '..')

/** A base port for a 3-region cluster on loopback (regions take it and the next two). Below
 * Linux's ephemeral range (32768 and up), where the tests' own outgoing connections take their
 * ports: a base port there could find one of its three taken ("Failed to start server"). */
export function clusterBasePort(): number {
  return 20_000 + Math.floor(Math.random() * 12_000)
}

/** A running server process. */
export interface ServerProcess {
  readonly url: string
  readonly child: ChildProcess
  /** Output so far (stdout and stderr), for failure messages. */
  output(): string
  /** SIGKILL: the process gets no chance to flush anything. */
  kill9(): Promise<void>
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>
}

/** Starts a region on a free loopback port (auth off unless asked) and waits until it serves. */
export async function startServer(
  dataDir: string,
  options: {
    readonly auth?: boolean
    readonly args?: readonly string[]
    readonly runtime?: 'bun' | 'deno'
    /** The tree whose cli/main.ts runs (default: this one). */
    readonly serverRoot?: string
  } = {},
): Promise<ServerProcess> {
  const args = ['start', '--port', '0', '--data', dataDir, ...(options.auth ? [] : ['--no-auth']), ...(options.args ?? [])]
  const main = join(options.serverRoot ?? root, 'cli', 'main.ts')
  // Deno comes from npm too (node_modules/.bin/deno); the server code is the same.
  const command = options.runtime === 'deno' ? [join(root, 'node_modules', '.bin', 'deno'), 'run', '-A', main] : [process.execPath, main]
  const child = spawn(command[0] as string, [...command.slice(1), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const m = /serving at (http:\/\/\S+)/.exec(output)
      if (m?.[1]) {
        clearTimeout(timer)
        resolveUrl(m[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${output}`)))
  })
  return {
    url,
    child,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** The arguments of `tessera start` for region `name` of regions/local-3.json, on ports from
 * `basePort`. */
export function localClusterArgs(name: string, basePort: number): string[] {
  return ['--topology', join(root, 'regions/local-3.json'), '--region', name, '--base-port', String(basePort)]
}

/** Retries `fn` until it answers 200 or `ms` pass; returns the time it took. */
export async function untilOk(fn: () => Promise<{ status: number }>, ms: number): Promise<number> {
  const t0 = Date.now()
  for (;;) {
    const r = await fn().catch(() => ({ status: 0 }))
    if (r.status === 200) return Date.now() - t0
    if (Date.now() - t0 > ms) throw new Error(`not serving after ${ms} ms (last status ${r.status})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** POSTs JSON and returns status and parsed body. */
export async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

/** A running `tessera cluster` (what `npm start` runs), read from what it prints. */
export interface ClusterProcess {
  readonly child: ChildProcess
  /** Each region's URL by name, in topology order. */
  readonly urls: ReadonlyMap<string, string>
  /** The admin token it printed. */
  readonly token: string
  /** Output so far (stdout and stderr). */
  output(): string
  /** Resolves once the output (from `from` on) matches `re`, with the match; rejects after `ms`. */
  waitFor(re: RegExp, ms: number, from?: number): Promise<RegExpExecArray>
  /** Resolves with the exit code once the launcher exited. */
  readonly exited: Promise<number | null>
}

/** Starts `tessera cluster` with the local 3-region topology on `dataDir` and a random base port;
 * resolves once it printed its welcome (every region serves and the full regions answer SQL). */
export async function startCluster(dataDir: string): Promise<ClusterProcess> {
  const args = ['cluster', '--topology', join(root, 'regions/local-3.json'), '--data', dataDir, '--base-port', String(clusterBasePort())]
  const child = spawn(process.execPath, [join(root, 'cli/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const waiters = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const check of waiters) check()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const waitFor = (re: RegExp, ms: number, from = 0) =>
    new Promise<RegExpExecArray>((resolveMatch, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no ${re} in the cluster's output within ${ms} ms:\n${output}`))
      }, ms)
      function check() {
        const m = re.exec(output.slice(from))
        if (m === null) return
        clearTimeout(timer)
        waiters.delete(check)
        resolveMatch(m)
      }
      waiters.add(check)
      check()
    })
  const welcome = await Promise.race([
    waitFor(/\n\n(ey[\w-]+\.[\w-]+)\n[^]*Try:/, 30_000),
    exited.then((code) => Promise.reject(new Error(`tessera cluster exited with ${code}:\n${output}`))),
  ])
  const urls = new Map([...output.matchAll(/^ {2}(\S+)\s+(?:full|witness)\s+(http:\/\/\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]))
  return { child, urls, token: welcome[1] as string, output: () => output, waitFor, exited }
}
