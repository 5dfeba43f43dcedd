// What `tessera start` writes to stderr besides its banner: the internal errors clients got a
// 500 for (docs/api.md "Errors": their details go to the server log, never to the client).
import { SqlError } from '../server/errors/index.ts'

/** Causes followed below an error: a cause chain is short, and a cyclic one must still end. */
const CAUSES_MAX = 5

/** One report of an internal error: the time, then its stack and its causes' stacks. */
export function internalErrorReport(error: unknown, atMs: number): string {
  const lines = [`${new Date(atMs).toISOString()} internal error (answered 500 XX000):`]
  let e: unknown = error
  for (let depth = 0; depth <= CAUSES_MAX && e !== undefined; depth++) {
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)
    const code = e instanceof SqlError ? ` [${e.code}]` : ''
    lines.push(`${depth === 0 ? '' : 'caused by: '}${text}${code}`)
    e = e instanceof Error ? e.cause : undefined
  }
  return `${lines.join('\n')}\n`
}
