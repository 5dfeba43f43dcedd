// Goal: every command of `tessera` answers --help with its usage (exit 0), and refuses a flag it
// does not know or a stray argument (exit 2, naming it) before it starts anything: a mistyped
// `--prot 7901` must not start a server on the default port and data directory. Method: the real
// command line as a child process, asked as a user would.
import { afterAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const main = join(import.meta.dir, 'main.ts')
const dir = mkdtempSync(join(tmpdir(), 'tessera-usage-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `tessera ARGS`; a command that started serving instead is killed by the timeout (status null). */
function tessera(args: readonly string[]) {
  const run = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 15_000, cwd: dir })
  return { code: run.status, out: run.stdout, err: run.stderr }
}

describe('tessera --help and bad flags', () => {
  test('each command prints its usage for --help and -h, exit 0', () => {
    for (const [args, first] of [
      [['--help'], 'usage:'],
      [['start', '--help'], 'usage:\n  tessera start --port P'],
      // With a port of its own: were -h ever ignored again, this starts on a free port, not 8080.
      [['start', '--port', '0', '--data', join(dir, 'data'), '-h'], 'usage:\n  tessera start --port P'],
      [['cluster', '--help'], 'usage: tessera cluster'],
      [['token', '--help'], 'usage: tessera token'],
      [['sql', '--help'], 'usage: tessera sql'],
    ] as const) {
      const r = tessera(args)
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' })
      expect(r.out).toStartWith(first)
    }
  })

  test('start and cluster refuse an unknown flag or argument, or a bad limit, exit 2, and start nothing', () => {
    const data = join(dir, 'data')
    for (const [args, complaint] of [
      [['start', '--port', '0', '--data', data, '--prot', '1'], 'unknown flag --prot'],
      [['start', '--port', '0', '--data', data, '--statment-timeout', '5s'], 'unknown flag --statment-timeout'],
      [['start', '--port', '0', '--data', data, 'extra'], 'unexpected argument "extra"'],
      [['cluster', '--base-port', '1', '--dat', data], 'unknown flag --dat'],
      // A limit a region cannot keep: a transaction within it would meet the keys limit or the
      // journal's record size first (docs/api.md "Limits").
      [['start', '--port', '0', '--data', data, '--rows-modified-max', '100001'], '--rows-modified-max 100001 is more than 100000'],
      [['start', '--port', '0', '--data', data, '--tx-bytes-max', '6291457'], '--tx-bytes-max 6291457 is more than 6291456'],
      [['start', '--port', '0', '--data', data, '--tx-bytes-max', '4MB'], '--tx-bytes-max needs a positive integer'],
      [['cluster', '--base-port', '1', '--data', data, '--tx-bytes-max', '9000000'], '--tx-bytes-max 9000000 is more than'],
      [['nonsense'], 'unknown command "nonsense"'],
    ] as const) {
      const r = tessera(args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.err).toContain(complaint)
      expect(r.out).not.toContain('serving at')
    }
    // Nothing was created: not the data directory asked for, nor the default one.
    expect(existsSync(data)).toBe(false)
    expect(existsSync(join(dir, '.tessera'))).toBe(false)
  })
})
