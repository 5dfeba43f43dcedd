// `tessera token` (API.md "Running"): prints a bearer token signed with the cluster secret found
// in the cluster directory, alone on stdout, so scripts can capture it.
import { TOKEN_TTL_MS_DEFAULT, createToken, readSecret, type Role } from '../server/api/index.ts'
import { SystemClock } from '../server/clock/index.ts'
import { NodeDisk } from '../server/disk/index.ts'
import { HELP, flagsOnly, parseArgs, parseDurationMs, usageChecked } from './args.ts'

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
  const parsed = usageChecked('token', tokenUsage, () => {
    const all = parseArgs(args, [], ['data', 'role', 'ttl'])
    if (all.flags.has('help')) return HELP
    const flags = flagsOnly(all)
    const roleFlag = flags.get('role') ?? 'user'
    if (roleFlag !== 'admin' && roleFlag !== 'user') throw new Error(`unknown role "${roleFlag}"`)
    const role: Role = roleFlag
    const ttlMs = flags.has('ttl') ? parseDurationMs(flags.get('ttl') as string) : TOKEN_TTL_MS_DEFAULT
    if (!(ttlMs >= 1000)) throw new Error('--ttl must be at least 1s')
    return { dataDir: flags.get('data') ?? '.tessera', role, ttlMs }
  }, io)
  if (typeof parsed === 'number') return parsed
  const { dataDir, role, ttlMs } = parsed
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
