// `tessera cluster`: every region of a topology as its own process on this machine (API.md
// "Running"), their output prefixed by region, signals forwarded, and how to connect printed once
// every region serves.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createToken, loadOrCreateSecret } from '../server/api/index.ts'
import { SystemClock, SystemRandom } from '../server/clock/index.ts'
import { NodeDisk } from '../server/disk/index.ts'
import { parseTopology, regionUrl } from '../server/region/index.ts'
import { parseArgs } from './args.ts'
import { printWelcome } from './welcome.ts'

/** Longest a region may take to start serving. */
const START_TIMEOUT_MS = 60_000

/** Flags handed on to every region unchanged. */
const PASSED_ON = ['statement-timeout', 'rows-modified-max', 'tx-bytes-max', 'body-bytes-max', 'tx-age-max', 'idle-timeout']

/** Runs the cluster until SIGTERM or SIGINT; exits 0 when every region stopped cleanly. */
export async function runCluster(args: readonly string[]): Promise<number> {
  const { flags } = parseArgs(args, ['no-auth'])
  const topologyFile = flags.get('topology') ?? 'regions/local-3.json'
  const dataDir = flags.get('data') ?? '.tessera'
  const basePort = flags.has('base-port') ? Number(flags.get('base-port')) : undefined
  const topology = parseTopology(JSON.parse(readFileSync(topologyFile, 'utf8')), basePort)
  const clock = new SystemClock()
  // Created here, once, before any region starts (regions would agree on one anyway).
  const secret = await loadOrCreateSecret(new NodeDisk(), dataDir, new SystemRandom())
  const common = ['--topology', topologyFile, '--data', dataDir, ...(basePort === undefined ? [] : ['--base-port', String(basePort)])]
  if (flags.has('no-auth')) common.push('--no-auth')
  for (const name of PASSED_ON) if (flags.has(name)) common.push(`--${name}`, flags.get(name) as string)

  const children = new Map<string, ChildProcess>()
  const started = topology.regions.map((region) => {
    const child = spawn(process.execPath, [join(import.meta.dir, 'main.ts'), 'start', '--region', region.name, ...common], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.set(region.name, child)
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`region ${region.name} did not start in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
      let pending = ''
      const onData = (chunk: Buffer) => {
        pending += chunk.toString()
        const lines = pending.split('\n')
        pending = lines.pop() ?? ''
        for (const line of lines) {
          console.log(`[${region.name}] ${line}`)
          if (line.includes('serving at')) {
            clearTimeout(timer)
            resolve()
          }
        }
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', onData)
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        console.log(`[${region.name}] exited (${signal ?? `code ${code}`})`)
        reject(new Error(`region ${region.name} exited before serving`))
      })
    })
  })
  const exits = [...children.values()].map((child) => new Promise<number>((r) => child.on('exit', (code) => r(code ?? 1))))
  const stop = (signal: NodeJS.Signals) => {
    for (const child of children.values()) if (child.exitCode === null) child.kill(signal)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  try {
    await Promise.all(started)
  } catch (e) {
    console.error(`tessera cluster: ${(e as Error).message}; stopping the other regions`)
    stop('SIGTERM')
    await Promise.all(exits)
    return 1
  }
  const token = createToken(secret, { role: 'admin', ttlMs: 24 * 3_600_000 }, clock)
  const full = topology.regions.filter((r) => r.role === 'full').map(regionUrl)
  // Serving HTTP is not yet serving SQL: a full region answers 503 until its links to the other
  // full regions are up.
  if (!(await allAnswer(full, token))) {
    console.error(`tessera cluster: the regions serve but do not reach each other within ${START_TIMEOUT_MS} ms`)
  }
  console.log(`\nTessera cluster of ${topology.regions.length} regions (data in ${dataDir}):`)
  for (const region of topology.regions) console.log(`  ${region.name.padEnd(12)} ${region.role.padEnd(8)} ${regionUrl(region)}`)
  printWelcome(full, token, dataDir, !flags.has('no-auth'))
  const codes = await Promise.all(exits)
  return codes.every((c) => c === 0) ? 0 : 1
}

/** Whether every URL answers `SELECT 1` within START_TIMEOUT_MS (polled every 100 ms). */
async function allAnswer(urls: readonly string[], token: string): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (const url of urls) {
    for (;;) {
      const ok = await fetch(`${url}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"sql": "SELECT 1"}',
      }).then((r) => r.ok, () => false)
      if (ok) break
      if (Date.now() > deadline) return false
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return true
}
