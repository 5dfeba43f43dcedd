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

/** The variables and their values, as strings. */
export const SERVER_ENV = Object.freeze({ BUN_JSC_useWarmUpMarkedBlocks: '0' })

/** `env` with SERVER_ENV's variables added where `env` does not set them. */
export function serverEnv(env) {
  return { ...SERVER_ENV, ...env }
}
