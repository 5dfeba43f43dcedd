// Runtime settings every Tessera server process starts with (the regions of `tessera cluster` and
// `npm start`, `tessera start`, and the servers bench/e2e measures). They are environment
// variables because the runtime reads them once, as it starts; a value already in the
// environment wins, so an operator can override each.
//
// BUN_JSC_useWarmUpMarkedBlocks=0: JavaScriptCore keeps a helper thread that touches every page
// of each heap block before the collector hands it out, so the page fault lands off the main
// thread. A region allocates and frees blocks at a steady rate under load, and that thread then
// costs 13-21 µs of CPU per autocommit INSERT (bench/e2e --threads, 2 cores), about a sixth of
// the server's CPU per INSERT, beside the main thread on a small machine. Off, the same load
// takes 90-108 µs of server CPU per INSERT instead of 120-185 µs (docs/architecture.md, "The
// API's hot path").
import { spawnSync } from 'node:child_process'

/** The variables and their values, as strings. */
export const SERVER_ENV = Object.freeze({ BUN_JSC_useWarmUpMarkedBlocks: '0' })

/** Whether each runtime starts with the settings, found once per runtime path. */
const accepted = new Map()

/** `env` with SERVER_ENV's variables added where `env` does not set them, if `runtime` (the
 * executable that will run the server) starts with them: Bun refuses to start at all with a
 * JavaScriptCore option it does not know, and those options change between its releases. */
export function serverEnv(env, runtime = process.execPath) {
  const wanted = Object.fromEntries(Object.entries(SERVER_ENV).filter(([name]) => env[name] === undefined))
  if (Object.keys(wanted).length === 0) return { ...env }
  if (!accepted.has(runtime)) {
    const probe = spawnSync(runtime, ['-e', '0'], { env: { ...env, ...wanted }, stdio: 'ignore', timeout: 10_000 })
    accepted.set(runtime, probe.status === 0)
  }
  return accepted.get(runtime) ? { ...wanted, ...env } : { ...env }
}
