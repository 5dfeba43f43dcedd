// Test support for `tessera sql` (sql.test.ts, sql-meta.test.ts): a real region's API on a
// loopback HTTP server, and runSql with its output captured.
import { createToken } from '../server/api/index.ts'
import { SystemClock, SystemRandom } from '../server/clock/index.ts'
import { SimDisk } from '../server/disk/index.ts'
import { openRegion } from '../server/region/index.ts'
import { runSql, type SqlIo } from './sql.ts'

export interface ServedRegion {
  readonly url: string
  readonly token: string
  /** Runs `tessera sql ARGS` with `input` as the shell's lines; its exit code and output. */
  run(args: string[], input?: string[], env?: Record<string, string>): Promise<{ code: number; out: string; err: string }>
  close(): Promise<void>
}

export async function serveRegion(role: 'user' | 'admin' = 'user'): Promise<ServedRegion> {
  const clock = new SystemClock()
  const region = await openRegion({ name: 'local', url: 'http://127.0.0.1:0', clock, timers: clock, random: new SystemRandom(), disk: new SimDisk() })
  const token = createToken(region.secret, { role, ttlMs: 600_000 }, clock)
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: region.app.fetch })
  return {
    url: `http://127.0.0.1:${server.port}`,
    token,
    async run(args, input = [], env = {}) {
      let out = ''
      let err = ''
      const io: SqlIo = {
        stdout: (t) => void (out += t),
        stderr: (t) => void (err += t),
        lines: async function* () {
          yield* input
        },
        prompt: false,
        env,
      }
      return { code: await runSql(args, io), out, err }
    },
    async close() {
      await server.stop(true)
      await region.close()
    },
  }
}
