// The ceiling for bench/e2e: a bare Hono route on the same runtime that does what every Tessera
// request must do at least (check a bearer header, parse the JSON body, answer a JSON Result),
// and nothing else.
// With --work-us N and --fsync-file F (bench/e2e/run.ts --budget) it is instead a model of an
// autocommit write: N µs of allocating JavaScript per request, then a group commit (one write and
// one fsync of F per batch, batches formed as the journal forms them), then the answer. Its
// throughput against the plain route shows how much work per write a target ratio allows.
import { Hono } from 'hono'
import { fsync, openSync, writeSync } from 'node:fs'
import { parseArgs } from '../../cli/args.ts'
import { listen } from '../../cli/serve.ts'

const { flags } = parseArgs(process.argv.slice(2))
const workUs = Number(flags.get('work-us') ?? 0)
const fsyncFile = flags.get('fsync-file')
const groupCommit = fsyncFile === undefined ? undefined : groupCommitter(fsyncFile)

const app = new Hono()
app.post('/v1/sql', async (c) => {
  if (!c.req.header('authorization')?.startsWith('Bearer ')) return c.json({ error: 'no token' }, 401)
  const body = (await c.req.json()) as { sql: string; params?: unknown[] }
  if (workUs > 0) work(workUs)
  if (groupCommit !== undefined) await groupCommit()
  return c.json({ command: 'SELECT', rowCount: 1, fields: [{ name: 'v', type: 'text' }], rows: [{ v: String(body.params?.[0] ?? body.sql.length) }] })
})
const listener = listen(app.fetch, 0, '127.0.0.1')
console.log(`serving at http://127.0.0.1:${listener.port}`)

/** Busy for `us` microseconds, allocating as a query's execution would (garbage to collect). */
function work(us: number): void {
  const end = performance.now() + us / 1000
  let kept: { readonly n: number }[] = []
  for (let n = 0; performance.now() < end; n++) {
    kept.push({ n })
    if (kept.length > 64) kept = []
  }
}

/** A promise per caller, resolved once a write and an fsync made after its call have finished:
 * one batch in flight, the next one formed while it syncs (after a turn of the event loop, as
 * the journal's flusher does). */
function groupCommitter(path: string): () => Promise<void> {
  const fd = openSync(path, 'w')
  const recordBytes = 64
  let waiting: (() => void)[] = []
  let flushing = false
  const flush = () => {
    const batch = waiting
    waiting = []
    writeSync(fd, new Uint8Array(batch.length * recordBytes).fill(1))
    fsync(fd, (error) => {
      if (error) throw error
      for (const resolve of batch) resolve()
      if (waiting.length > 0) setImmediate(flush)
      else flushing = false
    })
  }
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve)
      if (flushing) return
      flushing = true
      setImmediate(flush)
    })
}
