// bench/multi-region: the local cluster as real processes, started through `tessera cluster`
// (ARCHITECTURE.md "Regions"), its output kept in a log file so the bench can report what the
// servers complained about.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dir, '..', '..')

/** Longest the launcher may take to print how to connect. */
const START_TIMEOUT_MS = 90_000
/** Longest the regions may take to stop after SIGTERM before they are killed. */
const STOP_TIMEOUT_MS = 10_000

/** A running cluster: its full regions' URLs, an admin token, and where its output goes. */
export interface ClusterProcess {
  readonly topologyFile: string
  readonly basePort: number
  readonly dataDir: string
  readonly logFile: string
  readonly token: string
  /** Full regions (they serve SQL), by name, in topology order. */
  readonly full: ReadonlyArray<{ readonly name: string; readonly url: string }>
  /** Every region's pid, for CPU accounting. */
  readonly pids: ReadonlyMap<string, number>
  stop(): Promise<void>
}

/** Whether `port` can be bound on loopback right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const server = createServer()
    server.once('error', () => ok(false))
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)))
  })
}

/** A base port with `count` free consecutive ports above it (random start, bounded tries). */
export async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    let all = true
    for (let i = 0; i < count && all; i++) all = await portFree(base + i)
    if (all) return base
  }
  throw new Error(`no ${count} free consecutive ports found`)
}

/** Starts `tessera cluster` on `topologyFile` in a fresh data directory and resolves once it
 * printed how to connect (every full region answers SQL by then). */
export async function startCluster(topologyFile: string): Promise<ClusterProcess> {
  const topology = JSON.parse(readFileSync(join(root, topologyFile), 'utf8')) as {
    regions: Array<{ name: string; role: string }>
  }
  const basePort = await freeBasePort(topology.regions.length)
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-mr-'))
  const logFile = join(dataDir, 'cluster.log')
  const log = createWriteStream(logFile)
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'cli/main.ts'), 'cluster', '--topology', topologyFile, '--data', dataDir, '--base-port', String(basePort)],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  let out = ''
  const token = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`cluster did not start in ${START_TIMEOUT_MS} ms; log: ${logFile}`)), START_TIMEOUT_MS)
    const onData = (chunk: Buffer) => {
      log.write(chunk)
      out += chunk.toString()
      // The launcher prints "A token for the next 24 hours (...):", a blank line, the token.
      const m = /A token for the next 24 hours[^\n]*\n\n(\S+)\n/.exec(out)
      if (m?.[1] !== undefined) {
        clearTimeout(timer)
        out = ''
        ok(m[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`cluster exited (code ${code}) before serving; log: ${logFile}`))
    })
  }).catch(() => {
    // The printed token is a convenience; the token command makes an equivalent one.
    const made = spawnSync(process.execPath, [join(root, 'cli/main.ts'), 'token', '--data', dataDir, '--role', 'admin'], { cwd: root })
    const text = made.stdout.toString().trim().split('\n').pop() ?? ''
    if (made.status !== 0 || text === '') throw new Error(`no token; cluster log: ${logFile}`)
    return text
  })
  const pids = regionPids(child.pid)
  const full = topology.regions.flatMap((r, i) => (r.role === 'full' ? [{ name: r.name, url: `http://127.0.0.1:${basePort + i}` }] : []))
  return {
    topologyFile,
    basePort,
    dataDir,
    logFile,
    token,
    full,
    pids,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
      await new Promise<void>((r) => log.end(() => r()))
    },
  }
}

/** The launcher's children by region name (from /proc; empty where there is none). */
function regionPids(launcher: number | undefined): Map<string, number> {
  const pids = new Map<string, number>()
  if (launcher === undefined || !existsSync('/proc')) return pids
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.split(') ')[1]?.split(' ')[1]) !== launcher) continue
      const region = /--region\0([^\0]+)/.exec(readFileSync(`/proc/${entry}/cmdline`, 'utf8'))?.[1]
      if (region !== undefined) pids.set(region, Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return pids
}

/** CPU seconds (user + system) process `pid` has used; undefined when unknown. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th, in
    // ticks of (almost everywhere) 100 Hz.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

/** Removes the cluster's data directory (after copying nothing: the log is read before). */
export function removeClusterData(cluster: ClusterProcess): void {
  rmSync(cluster.dataDir, { recursive: true, force: true })
}

/** Lines of the cluster log that look like trouble (errors, warnings, stack traces, exits),
 * with repeats collapsed to a count, most frequent first. */
export function troubleInLog(logFile: string, max = 12): Array<{ line: string; count: number }> {
  const counts = new Map<string, number>()
  for (const raw of readFileSync(logFile, 'utf8').split('\n')) {
    // A clean stop at the end of the run is not trouble.
    if (/exited \(code 0\)|exited \(SIGTERM\)/.test(raw)) continue
    // How to connect (URLs, the token, the curl example) is not trouble, whatever it contains.
    if (/serving at|Bearer|^\[?[\w-]*\]? *(us|eu|ap)-[\w-]+ +(full|witness) +http/.test(raw)) continue
    if (!/\b(\w*error|\w*exception|warn\w*|unhandled|timeout|timed out|exited|refused|fail\w*|503|40003|57P03|XX000)\b/i.test(raw)) continue
    // Numbers (ids, timestamps, ports) make every line unique; collapse them.
    const line = raw.replace(/\d+/g, 'N').slice(0, 200)
    counts.set(line, (counts.get(line) ?? 0) + 1)
  }
  return [...counts].map(([line, count]) => ({ line, count })).sort((a, b) => b.count - a.count).slice(0, max)
}
