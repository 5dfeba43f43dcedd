// The `tessera` command line (API.md "Running"): dispatches to start, token and sql.
import { parseArgs, parseDurationMs } from './args.ts'
import { listen } from './serve.ts'
import { runSql } from './sql.ts'
import { runToken } from './token.ts'
import { createToken, type ApiLimits } from '../server/api/index.ts'
import type { QpLimits } from '../server/qp/index.ts'
import { SystemClock, SystemRandom } from '../server/clock/index.ts'
import { NodeDisk } from '../server/disk/index.ts'
import { openRegion } from '../server/region/index.ts'

const usage = `usage:
  tessera start --port P --data DIR [--region NAME] [--host 127.0.0.1] [--no-auth]
                [--statement-timeout 30s] [--rows-modified-max 10000] [--tx-bytes-max 4194304]
                [--body-bytes-max 1048576] [--tx-age-max 5m] [--idle-timeout 30s]
  tessera token --data DIR [--role admin] [--ttl 15m]
  tessera sql --url URL [--token T] ["SQL"]`

/** `tessera start`: one region in this process, until SIGTERM or SIGINT. */
async function runStart(args: readonly string[]): Promise<number> {
  const { flags } = parseArgs(args, ['no-auth'])
  const port = Number(flags.get('port') ?? '8080')
  const dataDir = flags.get('data') ?? '.tessera'
  const name = flags.get('region') ?? 'local'
  const host = flags.get('host') ?? '127.0.0.1'
  const clock = new SystemClock()
  const random = new SystemRandom()
  const disk = new NodeDisk()
  // Listen first, so the region knows its own URL (port 0 picks one) and the port is held while
  // recovery runs; until the region serves, every request gets 503.
  let serve = (_request: Request): Response | Promise<Response> =>
    Response.json({ error: { code: '57P03', message: 'the region is starting', detail: null, hint: null, position: null, retryable: false } }, { status: 503 })
  const listener = listen((request) => serve(request), port, host)
  const url = `http://${host}:${listener.port}`
  const region = await openRegion({
    name, dataDir, url, clock, timers: clock, random, disk, auth: !flags.has('no-auth'), ...limitsFrom(flags),
  })
  serve = region.app.fetch
  const token = createToken(region.secret, { role: 'admin', ttlMs: 24 * 3_600_000 }, clock)
  console.log(`Tessera region "${name}" serving at ${url} (data in ${dataDir})`)
  if (region.auth) {
    console.log(`\nA token for the next 24 hours (more with: npx tessera token --data ${dataDir}):\n\n${token}\n`)
    console.log(`Try:\n  curl -s ${url}/v1/sql -H "Authorization: Bearer ${token}" \\\n    -H 'Content-Type: application/json' -d '{"sql": "SELECT 1 + 1 AS two"}'\n`)
  } else {
    console.log(`\nAuth is off. Try:\n  curl -s ${url}/v1/sql -H 'Content-Type: application/json' -d '{"sql": "SELECT 1 + 1 AS two"}'\n`)
  }
  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      console.log(`${signal}: finishing in-flight requests and closing`)
      await listener.stop()
      await region.close()
      resolve()
    }
    process.on('SIGTERM', () => void stop('SIGTERM'))
    process.on('SIGINT', () => void stop('SIGINT'))
  })
  return 0
}

/** The limits `tessera start` takes as flags; unset ones keep the components' defaults. */
function limitsFrom(flags: ReadonlyMap<string, string>): { qp: QpLimits; api: ApiLimits } {
  const count = (name: string) => {
    const text = flags.get(name)
    if (text === undefined) return undefined
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer, not "${text}"`)
    return n
  }
  const duration = (name: string) => {
    const text = flags.get(name)
    return text === undefined ? undefined : parseDurationMs(text)
  }
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
  return {
    qp: defined({
      statementTimeoutMs: duration('statement-timeout'),
      rowsModifiedMax: count('rows-modified-max'),
      txBytesMax: count('tx-bytes-max'),
    }),
    api: defined({
      bodyBytesMax: count('body-bytes-max'),
      txAgeMsMax: duration('tx-age-max'),
      idleTimeoutMs: duration('idle-timeout'),
    }),
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start':
      return runStart(rest)
    case 'token':
      return runToken(rest)
    case 'sql':
      return runSql(rest)
    default:
      console.error(usage)
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `tessera: ${error.message}` : error)
    process.exit(1)
  },
)
