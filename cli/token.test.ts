// Goal: `tessera token` prints one valid token for the cluster in DIR, with the role and ttl asked
// for, and refuses bad usage or a directory without a cluster secret. Method: a temp directory.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateSecret, verifyToken } from '../server/api/index.ts'
import { SystemClock, SeededRandom } from '../server/clock/index.ts'
import { NodeDisk } from '../server/disk/index.ts'
import { runToken } from './token.ts'

const dir = mkdtempSync(join(tmpdir(), 'tessera-token-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function run(args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runToken(args, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) })
  return { code, out, err }
}

describe('tessera token', () => {
  test('prints a token alone, signed by the cluster secret, with role and ttl', async () => {
    const secret = await loadOrCreateSecret(new NodeDisk(), dir, new SeededRandom(3))
    const { code, out } = await run(['--data', dir, '--role', 'admin', '--ttl', '15m'])
    expect(code).toBe(0)
    expect(out).toHaveLength(1)
    const claims = verifyToken(secret, out[0] as string, new SystemClock())
    expect(claims.role).toBe('admin')
    expect(claims.exp - claims.iat).toBe(15 * 60)
    const user = await run(['--data', dir])
    expect(verifyToken(secret, user.out[0] as string, new SystemClock()).role).toBe('user')
  })

  test('a directory without a secret is exit 1 and creates nothing', async () => {
    const empty = join(dir, 'nothing-here')
    const { code, out, err } = await run(['--data', empty])
    expect(code).toBe(1)
    expect(out).toEqual([])
    expect(err.join('\n')).toContain('no cluster secret')
    expect(new NodeDisk().exists(empty)).toBe(false)
  })

  test('bad usage is exit 2', async () => {
    for (const args of [
      ['--data', dir, '--role', 'root'],
      ['--data', dir, '--ttl', 'soon'],
      ['--data', dir, 'x'],
    ])
      expect((await run(args)).code).toBe(2)
  })

  test('a mistyped flag is refused, not dropped: --rol admin prints no token at all', async () => {
    const { code, out, err } = await run(['--data', dir, '--rol', 'admin'])
    expect(code).toBe(2)
    expect(out).toEqual([])
    expect(err.join('\n')).toContain('unknown flag --rol')
  })

  test('--help and -h print the usage on stdout, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = await run(['--data', dir, flag])
      expect({ code, err }).toEqual({ code: 0, err: [] })
      expect(out.join('\n')).toStartWith('usage: tessera token --data DIR')
    }
  })
})
