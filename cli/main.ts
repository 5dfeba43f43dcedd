// The `tessera` command line (API.md "Running"): dispatches to start, token and sql.
import { HELP, LIMIT_FLAGS, flagsOnly, parseArgs, usageChecked } from './args.ts'
import { limitsFrom } from './limits.ts'
import { listen } from './serve.ts'
import { clusterUsage, runCluster } from './cluster.ts'
import { printWelcome } from './welcome.ts'
import { runSql, sqlUsage } from './sql.ts'
import { startingHandler } from './starting.ts'
import { runToken, tokenUsage } from './token.ts'
import { createToken, loadOrCreateSecret } from '../server/api/index.ts'
import { SystemClock, SystemRandom } from '../server/clock/index.ts'
import { NodeDisk } from '../server/disk/index.ts'
import { linkFaults, openRegion, openWitness, parseTopology, regionUrl, type ClusterEvent, type Topology } from '../server/region/index.ts'
import { PEER_PATH, WebSocketTransport, type LinkFaults } from '../server/net/index.ts'
import { connectPeerSocket } from './peer-socket.ts'
import { clusterEventLine, internalErrorReport } from './log.ts'
import { readFileSync } from 'node:fs'

const startUsage = `usage:
  tessera start --port P --data DIR [--region NAME] [--host 127.0.0.1] [--no-auth] [--sql-faults]
                [--statement-timeout 30s] [--rows-modified-max 10000] [--tx-bytes-max 4194304]
                [--body-bytes-max 1048576] [--tx-age-max 5m] [--idle-timeout 30s]
  tessera start --topology FILE --region NAME --data DIR [--base-port P] [--stop-with-stdin]`

/** A command's usage as a line of the whole list: `usage: ` and its width off each line. */
const listed = (text: string) => text.replace(/^usage: /, '  ').replace(/\n {5}/g, '\n')

const usage = `${startUsage}\n${[clusterUsage, tokenUsage, sqlUsage].map(listed).join('\n')}`

/** The flags of `tessera start` that take a value: where and as what it runs, and its limits. */
const START_FLAGS = ['port', 'data', 'region', 'host', 'topology', 'base-port', ...LIMIT_FLAGS]

/** `tessera start`: one region in this process, until SIGTERM or SIGINT. With `--topology` it
 * is one region of a multi-region cluster, linked to the others over WebSockets. */
async function runStart(args: readonly string[]): Promise<number> {
  const parsed = usageChecked('start', startUsage, () => {
    const flags = flagsOnly(parseArgs(args, ['no-auth', 'sql-faults', 'stop-with-stdin'], START_FLAGS))
    const limits = limitsFrom(flags)
    return flags.has('help') ? HELP : { flags, limits }
  })
  if (typeof parsed === 'number') return parsed
  const { flags, limits } = parsed
  const dataDir = flags.get('data') ?? '.tessera'
  const topologyFile = flags.get('topology')
  const clock = new SystemClock()
  const random = new SystemRandom()
  const disk = new NodeDisk()
  const basePort = flags.has('base-port') ? Number(flags.get('base-port')) : undefined
  const topology = topologyFile === undefined ? undefined : parseTopology(JSON.parse(readFileSync(topologyFile, 'utf8')), basePort)
  const name = flags.get('region') ?? (topology === undefined ? 'local' : undefined)
  if (name === undefined) throw new Error('--region NAME is required with --topology')
  const spec = topology?.regions.find((r) => r.name === name)
  if (topology !== undefined && spec === undefined) throw new Error(`region "${name}" is not in ${topologyFile}`)
  const port = spec?.port ?? Number(flags.get('port') ?? '8080')
  const host = spec?.host ?? flags.get('host') ?? '127.0.0.1'
  const secret = await loadOrCreateSecret(disk, dataDir, random)
  const transport = topology === undefined ? undefined : peerTransport(topology, name, secret, clock, random)
  // Listen first, so the region knows its own URL (port 0 picks one) and the port is held while
  // recovery runs; until the region serves, every request gets 503.
  let serve: (request: Request) => Response | Promise<Response> = startingHandler(name)
  const listener = listen((request) => serve(request), port, host, transport === undefined ? {} : {
    websocket: { path: PEER_PATH, onSocket: (socket) => transport.accept(socket) },
  })
  const url = `http://${host}:${listener.port}`
  // Taken from the start: a signal that arrives while the region recovers closes it once it is
  // open, as one that arrives later does (the default action would kill it mid-recovery, safe but
  // an unclean exit to whoever supervises it). With --stop-with-stdin (tessera cluster passes it)
  // the end of standard input is such a signal: a launcher killed outright closes its end, and
  // its regions must not go on running unsupervised, holding their ports.
  let stopBy: string | undefined
  let wake: (() => void) | undefined
  const stopOn = (reason: string) => {
    stopBy ??= reason
    wake?.()
  }
  process.on('SIGTERM', () => stopOn('SIGTERM'))
  process.on('SIGINT', () => stopOn('SIGINT'))
  if (flags.has('stop-with-stdin')) {
    process.stdin.on('end', () => stopOn('standard input closed (the launcher is gone)'))
    process.stdin.resume()
  }
  const common = {
    name,
    dataDir,
    url,
    clock,
    timers: clock,
    random,
    disk,
    auth: !flags.has('no-auth'),
    sqlFaults: flags.has('sql-faults'),
    onInternalError: (error: unknown) => process.stderr.write(internalErrorReport(error, clock.wallMs())),
    onClusterEvent: (event: ClusterEvent) => process.stderr.write(clusterEventLine(event, clock.wallMs())),
    ...limits,
  }
  const cluster = topology === undefined || transport === undefined ? undefined : {
    topology,
    transport,
    faults: { peers: transport.peers(), get: (peer: string) => transport.faults(peer), set: (peer: string, f: LinkFaults) => transport.setFaults(peer, f) },
  }
  const region = spec?.role === 'witness' && cluster !== undefined ? await openWitness({ ...common, cluster }) : await openRegion({ ...common, cluster })
  serve = region.app.fetch
  if (stopBy === undefined) {
    console.log(`Tessera region "${name}" (${spec?.role ?? 'full'}) serving at ${url} (data in ${dataDir})`)
    if (topology === undefined) printWelcome([url], createToken(secret, { role: 'admin', ttlMs: 24 * 3_600_000 }, clock), dataDir, !flags.has('no-auth'))
    await new Promise<void>((resolve) => (wake = resolve))
  }
  console.log(`${stopBy}: finishing in-flight requests and closing`)
  await listener.stop()
  await region.close()
  await transport?.close()
  return 0
}

/** The WebSocket links of region `self` to every other region, with the topology's link faults. */
function peerTransport(topology: Topology, self: string, secret: string, clock: SystemClock, random: SystemRandom): WebSocketTransport {
  const others = topology.regions.filter((r) => r.name !== self)
  const faults: Record<string, LinkFaults> = {}
  for (const peer of others) {
    const link = linkFaults(topology, self, peer.name)
    if (link !== undefined) faults[peer.name] = { delayMs: link.delayMs, jitterMs: link.jitterMs, loss: link.loss }
  }
  return new WebSocketTransport({
    self,
    peers: Object.fromEntries(others.map((r) => [r.name, regionUrl(r)])),
    secret, clock, timers: clock, random, connect: connectPeerSocket, faults,
  })
}


async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start':
      return runStart(rest)
    case 'cluster':
      return runCluster(rest)
    case 'token':
      return runToken(rest)
    case 'sql':
      return runSql(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage)
      return 0
    default:
      console.error(`tessera: unknown command "${command}"\n${usage}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const hint = (error as { hint?: unknown }).hint
    console.error(error instanceof Error ? `tessera: ${error.message}${typeof hint === 'string' ? `\nhint: ${hint}` : ''}` : error)
    process.exit(1)
  },
)
