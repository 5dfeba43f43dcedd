// `tessera token` (API.md "Running"): prints a bearer token signed with the cluster secret found
// in the cluster directory, alone on stdout, so scripts can capture it.
import { TOKEN_TTL_MS_DEFAULT, createToken, readSecret, type Role } from '../server/api/index.ts'
import { SystemClock } from '../server/clock/index.ts'
import { NodeDisk } from '../server/disk/index.ts'
import { parseArgs, parseDurationMs } from './args.ts'

/** Where the command writes; tests pass their own. */
export interface TokenIo {
  readonly stdout: (line: string) => void
  readonly stderr: (line: string) => void
}

const consoleIo: TokenIo = {
  stdout: (line) => void process.stdout.write(`${line}\n`),
  stderr: (line) => void process.stderr.write(`${line}\n`),
}

export const tokenUsage = 'usage: tessera token --data DIR [--role admin|user] [--ttl 15m]'

/** Runs `tessera token ARGS`; resolves to the exit code (0 printed or help, 1 no secret, 2 bad
 * usage). */
export async function runToken(args: readonly string[], io: TokenIo = consoleIo): Promise<number> {
  let dataDir: string
  let role: Role
  let ttlMs: number
  try {
    const { flags, positional } = parseArgs(args, [], ['data', 'role', 'ttl'])
    if (flags.has('help')) {
      io.stdout(tokenUsage)
      return 0
    }
    if (positional.length > 0) throw new Error(`unexpected argument "${positional[0]}"`)
    dataDir = flags.get('data') ?? '.tessera'
    const roleFlag = flags.get('role') ?? 'user'
    if (roleFlag !== 'admin' && roleFlag !== 'user') throw new Error(`unknown role "${roleFlag}"`)
    role = roleFlag
    ttlMs = flags.has('ttl') ? parseDurationMs(flags.get('ttl') as string) : TOKEN_TTL_MS_DEFAULT
    if (!(ttlMs >= 1000)) throw new Error('--ttl must be at least 1s')
  } catch (e) {
    io.stderr(`tessera token: ${(e as Error).message}\n${tokenUsage}`)
    return 2
  }
  // Reading only: creating a secret here would sign tokens for a cluster that does not exist
  // when DIR is mistyped.
  const secret = readSecret(new NodeDisk(), dataDir)
  if (secret === undefined) {
    io.stderr(`tessera token: no cluster secret in ${dataDir} (start the cluster there first)`)
    return 1
  }
  io.stdout(createToken(secret, { role, ttlMs, sub: 'cli' }, new SystemClock()))
  return 0
}
