// Test helper: runs `tessera start` as a real child process and talks to it over real HTTP.
import { spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dir, '..', '..')

/** A running server process. */
/** A base port for a 3-region cluster on loopback (regions take it and the next two). Below
 * Linux's ephemeral range (32768 and up), where the tests' own outgoing connections take their
 * ports: a base port there could find one of its three taken ("Failed to start server"). */
export function clusterBasePort(): number {
  return 20_000 + Math.floor(Math.random() * 12_000)
}

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

/** POSTs JSON and returns status and parsed body. */
export async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}
