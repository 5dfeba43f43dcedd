// `tessera cluster`: every region of a topology as its own process on this machine (API.md
// "Running"), their output prefixed by region, signals forwarded, and how to connect printed once
// every region serves. It supervises them: a region whose process dies while the cluster runs is
// started again on the same data (supervisor.ts decides when, and when to give up).
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createToken, loadOrCreateSecret } from '../server/api/index.ts'
import { SystemClock, SystemRandom, type Timers } from '../server/clock/index.ts'
import { NodeDisk } from '../server/disk/index.ts'
import { assertNever } from '../server/errors/index.ts'
import { parseTopology, regionUrl } from '../server/region/index.ts'
import { serverEnv } from '../bin/server-env.js'
import { HELP, LIMIT_FLAGS, flagsOnly, parseArgs, usageChecked } from './args.ts'
import { limitsFrom } from './limits.ts'
import { HEALTHY_AFTER_MS, Supervisor, type ExitDecision } from './supervisor.ts'
import { printWelcome } from './welcome.ts'

/** Longest a region may take to start serving. */
const START_TIMEOUT_MS = 60_000

export const clusterUsage = `usage: tessera cluster [--topology regions/local-3.json] [--data DIR] [--base-port P] [--no-auth]
                       [the limit flags of tessera start, for every region]`

/** Runs the cluster until SIGTERM or SIGINT; exits 0 when every region stopped cleanly (its last
 * process exited 0 on the cluster's signal: not one that was waiting for a restart, or given up). */
export async function runCluster(args: readonly string[]): Promise<number> {
  const parsed = usageChecked('cluster', clusterUsage, () => {
    const flags = flagsOnly(parseArgs(args, ['no-auth'], ['topology', 'data', 'base-port', ...LIMIT_FLAGS]))
    // Checked here too, so that a bad limit stops the launcher, not each region in a restart loop.
    limitsFrom(flags)
    return flags.has('help') ? HELP : flags
  })
  if (typeof parsed === 'number') return parsed
  const flags = parsed
  const topologyFile = flags.get('topology') ?? 'regions/local-3.json'
  const dataDir = flags.get('data') ?? '.tessera'
  const basePort = flags.has('base-port') ? Number(flags.get('base-port')) : undefined
  const topology = parseTopology(JSON.parse(readFileSync(topologyFile, 'utf8')), basePort)
  const clock = new SystemClock()
  // Created here, once, before any region starts (regions would agree on one anyway).
  const secret = await loadOrCreateSecret(new NodeDisk(), dataDir, new SystemRandom())
  const common = ['--topology', topologyFile, '--data', dataDir, ...(basePort === undefined ? [] : ['--base-port', String(basePort)])]
  if (flags.has('no-auth')) common.push('--no-auth')
  for (const name of LIMIT_FLAGS) if (flags.has(name)) common.push(`--${name}`, flags.get(name) as string)

  const main = join(import.meta.dir, 'main.ts')
  let stopping = false
  const regions = topology.regions.map((region) => {
    let child: ChildProcess | undefined
    let firstServe!: { resolve(): void; reject(e: Error): void }
    const served = new Promise<void>((resolve, reject) => (firstServe = { resolve, reject }))
    const supervisor = new Supervisor({
      clock,
      timers: keepAliveTimers,
      start: () => {
        const restart = supervisor.restarts
        child = spawnRegion(main, region.name, common, {
          onLine: (line) => {
            console.log(`[${region.name}] ${line}`)
            if (!line.includes('serving at')) return
            supervisor.serving()
            if (restart === 0) firstServe.resolve()
          },
          onExit: (code, signal) => {
            const how = signal ?? `code ${code}`
            const decision = supervisor.exited(code === 0)
            console.log(`[${region.name}] exited (${how})${exitNote(decision)}`)
            // Rejecting after it served changes nothing.
            if (restart === 0) firstServe.reject(new Error(`region ${region.name} exited (${how}) before serving`))
          },
        })
        console.log(`[${region.name}] ${restart === 0 ? 'started' : `restarted (restart ${restart})`}, pid ${child.pid}`)
      },
    })
    return { region, supervisor, served, signal: (s: NodeJS.Signals) => void child?.kill(s) }
  })
  /** Stops every region: no restart from now on, a pending one cancelled, running ones signalled. */
  const stop = (signal: NodeJS.Signals) => {
    stopping = true
    for (const r of regions) if (r.supervisor.stop()) r.signal(signal)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  for (const r of regions) r.supervisor.start()
  const stopped = Promise.all(regions.map((r) => r.supervisor.done))
  try {
    await Promise.all(regions.map((r) => withTimeout(r.served, START_TIMEOUT_MS, `region ${r.region.name} did not start in ${START_TIMEOUT_MS} ms`)))
  } catch (e) {
    if (!stopping) {
      console.error(`tessera cluster: ${(e as Error).message}; stopping the other regions`)
      stop('SIGTERM')
    }
    await stopped
    return 1
  }
  const token = createToken(secret, { role: 'admin', ttlMs: 24 * 3_600_000 }, clock)
  const full = topology.regions.filter((r) => r.role === 'full').map(regionUrl)
  // Serving HTTP is not yet serving SQL: a full region answers 503 until its links to the other
  // full regions are up.
  if (!(await allAnswer(full, token, () => stopping)) && !stopping) {
    console.error(`tessera cluster: the regions serve but do not reach each other within ${START_TIMEOUT_MS} ms`)
  }
  if (stopping) return (await stopped).every(Boolean) ? 0 : 1
  console.log(`\nTessera cluster of ${topology.regions.length} regions (data in ${dataDir}):`)
  for (const region of topology.regions) console.log(`  ${region.name.padEnd(12)} ${region.role.padEnd(8)} ${regionUrl(region)}`)
  printWelcome(full, token, dataDir, !flags.has('no-auth'))
  return (await stopped).every(Boolean) ? 0 : 1
}

/** The runtime's timers as they are: a pending restart must keep the launcher alive. SystemClock's
 * timers do not (a region's housekeeping must never hold its process open), and with every region
 * dead at once, waiting for its restart, nothing else would: the launcher would end, exit 0. */
const keepAliveTimers: Timers = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms)
    return { cancel: () => clearTimeout(handle) }
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/** What follows a region's exit, for its `exited (...)` line. */
function exitNote(decision: ExitDecision): string {
  switch (decision.kind) {
    case 'restart':
      return `; restarting in ${decision.delayMs / 1_000} s${decision.failures > 1 ? ` (failure ${decision.failures} in a row)` : ''}`
    case 'give-up':
      return `; gave up on it: its last ${decision.restarts} restarts each failed within ${HEALTHY_AFTER_MS / 1_000} s. The other regions keep running (Ctrl-C stops them)`
    case 'never-started':
    case 'stopped':
      return ''
    default:
      return assertNever(decision)
  }
}

/** Runs `tessera start` for one region of the cluster, its output split into lines. */
function spawnRegion(
  main: string,
  name: string,
  common: readonly string[],
  on: { readonly onLine: (line: string) => void; readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void },
): ChildProcess {
  // Standard input is a pipe nothing is written to: it closes when this process dies, however it
  // dies, and the region stops then (--stop-with-stdin) rather than run on unsupervised.
  const child = spawn(process.execPath, [main, 'start', '--region', name, '--stop-with-stdin', ...common], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: serverEnv(process.env),
  })
  let pending = ''
  const onData = (chunk: Buffer) => {
    pending += chunk.toString()
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) on.onLine(line)
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  child.on('exit', (code, signal) => on.onExit(code, signal))
  return child
}

/** `promise`, or a rejection with `message` after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Whether every URL answers `SELECT 1` within START_TIMEOUT_MS (polled every 100 ms); gives up
 * early (false) once `stopping`. */
async function allAnswer(urls: readonly string[], token: string, stopping: () => boolean): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (const url of urls) {
    for (;;) {
      const ok = await fetch(`${url}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"sql": "SELECT 1"}',
      }).then((r) => r.ok, () => false)
      if (ok) break
      if (Date.now() > deadline || stopping()) return false
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return true
}
